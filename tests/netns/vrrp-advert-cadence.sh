#!/bin/bash
# netns scenario: masters' adverts line up, and keep their schedule when they are sent together.
# Two rules in vrrp/instance.c:
#   - lining up (inst_align): a new MASTER brings its second advert forward to the next advert of
#     another master with the same advert_int, so that the daemon (and each backup) wakes once
#     for both from then on. Only the first interval shortens; none may grow.
#   - slack (inst_on_timer): each master's advert timer has a slack of 1/32 of its advert_int (at
#     most 10 ms); when one timer fires, every master due within its own slack sends too, each
#     "as of" its own deadline. Sending early must never move a schedule: a master that went
#     from "now" instead would creep forward every interval. Nor may the timers fire late by
#     design: with sd-event's window after the time, every advert was a little more than its
#     slack late, started its schedule again from then, and the mean interval was 3 % long
#     (206 ms at 0.2 s) -- check 2 below.
#
# h1 runs ten VRRPv3 masters alone (no peer); h2 captures their adverts on the wire.
#   - a chain of 8 at advert_int 0.2 s (slack 6.25 ms), priorities 250, 247, ... 229: each
#     Master_Down_Interval is 3 x 0.2 s + Skew_Time, and Skew_Time differs by 2.34 ms from one
#     to the next, so they become MASTER 2.34 ms apart, 16 ms from first to last;
#   - 2 at advert_int 0.15 s (slack 4.69 ms), which line up with each other, not with the chain.
# Over about 8 s, for every instance, from advert 1 on: advert 0 leaves after the work of
# becoming MASTER (its VIP added, the log, the notify fork; 8 ms under ASan with ten at once),
# so the wire does not show when its schedule started.
#   1. the median interval is advert_int within 1 ms, and the mean within -0.5 % .. +2 %: a
#      schedule neither creeps forward (sent early, stepped as of then) nor back (late by design;
#      an advert the loaded machine delays by more than its slack may start its schedule again,
#      which moves the mean a little);
#   2. no interval is shorter than advert_int - 2 x slack (one sent late by up to its slack, the
#      next early by as much). (That lining up never lengthens the first interval is the unit
#      test's, test_vrrp_fsm: here a loaded machine may delay any advert.)
#   3. lining up: each instance's origin is the median of t(k) - k x advert_int; the chain's
#      origins lie within one slack of each other, and after their first adverts the chain's
#      adverts go out in bursts (frames within 1 ms of each other) of about all 8: fewer bursts
#      than 25 % of the frames (without lining up, 40 %). The two at 0.15 s have one origin too.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 2

# instance specs: VRID PRIORITY ADVERT_INT
SPECS=(
	"1 250 0.2" "2 247 0.2" "3 244 0.2" "4 241 0.2" "5 238 0.2" "6 235 0.2" "7 232 0.2" "8 229 0.2"
	"21 240 0.15" "22 200 0.15"
)
CHAIN="1 2 3 4 5 6 7 8"
WINDOW=8

{
	printf '[global]\nrouter_id = node-h1\n'
	for s in "${SPECS[@]}"; do
		read -r vrid prio ai <<<"$s"
		printf '\n[vrrp_instance vi_%s]\nstate = BACKUP\ninterface = eth0\nvirtual_router_id = %s\n' \
			"$vrid" "$vrid"
		printf 'version = 3\npriority = %s\nadvert_int = %s\nvirtual_ipaddress = 10.77.0.%s/32\n' \
			"$prio" "$ai" "$((100 + vrid))"
	done
} >"$KQ_DIR/h1.ini"

# the capture runs before h1 starts: every instance's first advert is on it
kq_capture_start adverts "$(kq_ns h2)" eth0 "ip proto 112"
kq_start_daemon h1 "$KQ_DIR/h1.ini"
kq_wait_ready h1
for s in "${SPECS[@]}"; do
	read -r vrid _ <<<"$s"
	kq_wait_state h1 MASTER 5 "vi_$vrid"
done
sleep "$WINDOW"
kq_capture_stop adverts
kq_vrrp_adverts adverts | awk '$2 == "10.77.0.1" { print $1, $6 }' >"$KQ_DIR/adverts.txt"

# per instance: checks 1 and 2
for s in "${SPECS[@]}"; do
	read -r vrid prio ai <<<"$s"
	out=$(awk -v vrid="$vrid" -v ai="$ai" -v origins="$KQ_DIR/origin-$vrid" '
		$2 == vrid { t[n++] = $1 }
		END {
			if (n < 10) { printf "only %d adverts\n", n; exit 1 }
			slack = ai / 32; if (slack > 0.010) slack = 0.010
			# the origin (check 3): the median of t(k) - k x ai; the intervals from advert 1 on
			for (k = 1; k < n; k++) {
				o = t[k] - k * ai
				for (j = k - 1; j >= 1 && s[j] > o; j--) s[j + 1] = s[j]
				s[j + 1] = o
				if (k < 2) continue
				iv = t[k] - t[k - 1]
				for (j = k - 2; j >= 1 && v[j] > iv; j--) v[j + 1] = v[j]
				v[j + 1] = iv
			}
			m = n - 1; origin = m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
			m = n - 2; med = m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
			mean = (t[n - 1] - t[1]) / (n - 2)
			printf "%d adverts, first after %.2f ms, then intervals median %.2f ms, mean %.2f ms, shortest %.2f ms\n",
				n, (t[1] - t[0]) * 1000, med * 1000, mean * 1000, v[1] * 1000
			if (med < ai - 0.001 || med > ai + 0.001) { print "median interval off advert_int"; exit 1 }
			if (mean < ai * 0.995 || mean > ai * 1.02) { print "mean interval off advert_int"; exit 1 }
			if (v[1] < ai - 2 * slack - 0.001) { print "an interval shorter than advert_int - 2 x slack"; exit 1 }
			printf "origin %.6f\n", origin > origins
		}' "$KQ_DIR/adverts.txt") ||
		kq_fail "vi_$vrid (priority $prio, advert_int $ai s): $out; its adverts:" \
			"$(awk -v v="$vrid" '$2 == v { printf "%s ", $1 }' "$KQ_DIR/adverts.txt")"
	kq_log "vi_$vrid (priority $prio, advert_int $ai s): $out"
done

# check 3: lined up. origin_span "VRID..." SLACK: the spread of their origins, in ms; fails
# when it is more than SLACK seconds
origin_span() {
	local v files=()
	for v in $1; do files+=("$KQ_DIR/origin-$v"); done
	awk -v slack="$2" '{ o = $2; if (NR == 1 || o < lo) lo = o; if (NR == 1 || o > hi) hi = o }
		END { printf "%.2f\n", (hi - lo) * 1000; exit (hi - lo > slack) }' "${files[@]}"
}
span=$(origin_span "$CHAIN" 0.00625) ||
	kq_fail "the chain's schedules are not lined up: their origins lie over $span ms"
kq_log "the chain's origins lie within $span ms"
span=$(origin_span "21 22" 0.00469) ||
	kq_fail "the two at 0.15 s are not lined up: their origins lie $span ms apart"
kq_log "the origins of the two at 0.15 s lie $span ms apart"
read -r frames bursts < <(awk -v chain=" $CHAIN " '
	index(chain, " " $2 " ") { n++; if (n == 1 || $1 - last > 0.001) b++; last = $1 }
	END { print n, b }' "$KQ_DIR/adverts.txt")
kq_log "the chain's $frames adverts went out in $bursts bursts"
((bursts * 4 < frames)) ||
	kq_fail "the chain's $frames adverts went out in $bursts bursts: not sent together"
kq_assert_jq h1 '[.instances[] | select(.state == "MASTER")] | length' "${#SPECS[@]}"
echo "PASS: $KQ_TEST_NAME"
