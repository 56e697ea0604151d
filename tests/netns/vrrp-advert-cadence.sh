#!/bin/bash
# netns scenario: a master's adverts keep their schedule when they are sent together. keepquorumd
# gives each master's advert timer a slack of 1/32 of its advert_int (at most 10 ms): when one
# timer fires, every master due within its own slack sends too, each "as of" its own deadline
# (vrrp/instance.c, inst_on_timer). Sending early must never move a schedule: a master that went
# from "now" instead would creep forward every interval and all masters whose phases are within
# one slack of each other would end in a single burst. Nor may the timers fire late by design:
# with sd-event's window after the time (it wakes at a window's end unless it can share a
# wake-up), every advert was a little more than its slack late, started its schedule again from
# then, and the mean interval was 3 % long (206 ms at 0.2 s) -- check 2 below.
#
# h1 runs ten VRRPv3 masters alone (no peer); h2 captures their adverts on the wire.
#   - a chain of 8 at advert_int 0.2 s (slack 6.25 ms), priorities 250, 247, ... 229: each
#     Master_Down_Interval is 3 x 0.2 s + Skew_Time, and Skew_Time differs by 2.34 ms from one
#     to the next, so their phases are 2.34 ms apart, a chain shorter than a slack from link to
#     link and 16 ms long in all;
#   - 2 at advert_int 0.15 s (slack 4.69 ms), whose phases slide through the chain's.
# Over about 8 s, for every instance. Its schedule starts when it decides to become MASTER; its
# first advert leaves after the work of that step (its VIP added, the log, the notify fork), which
# under ASan with ten instances at once took 8 ms, so the wire does not show that origin. The
# origin is taken from the adverts its timer sent (k >= 1): the median of t(k) - k x advert_int.
#   1. no advert k >= 1 is sent before origin + k x advert_int - slack (less 2 ms for delivery):
#      a lower bound only, since a loaded machine may delay adverts but never advance them;
#   2. from advert 1 on, the mean interval is advert_int, within -0.5 % .. +2 %, and no interval
#      is shorter than advert_int - 2 x slack (one sent late by up to its slack, the next early by
#      as much);
#   3. batching happens: the chain's adverts go out in fewer bursts (frames within 1 ms of each
#      other) than 60 % of their number (3 bursts per interval expected for 8 instances).
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
	out=$(awk -v vrid="$vrid" -v ai="$ai" '
		$2 == vrid { t[n++] = $1 }
		END {
			if (n < 10) { printf "only %d adverts\n", n; exit 1 }
			slack = ai / 32; if (slack > 0.010) slack = 0.010
			# the origin: the median of t(k) - k x ai over the adverts of its timer (insertion sort)
			for (k = 1; k < n; k++) {
				o = t[k] - k * ai
				for (j = k - 1; j >= 1 && s[j] > o; j--) s[j + 1] = s[j]
				s[j + 1] = o
			}
			m = n - 1; origin = m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
			worst = 1e9; minint = 1e9
			for (k = 1; k < n; k++) {
				early = t[k] - (origin + k * ai)      # > 0: late, < 0: early
				if (early < worst) { worst = early; wk = k }
				if (k >= 2 && t[k] - t[k - 1] < minint) minint = t[k] - t[k - 1]
			}
			mean = (t[n - 1] - t[1]) / (n - 2)
			printf "%d adverts, first after %.2f ms, then mean interval %.2f ms, shortest %.2f ms, most ahead of schedule %.2f ms (advert %d)\n",
				n, (t[1] - t[0]) * 1000, mean * 1000, minint * 1000, -worst * 1000, wk
			if (worst < -(slack + 0.002)) { print "sent ahead of its schedule by more than its slack"; exit 1 }
			if (mean < ai * 0.995 || mean > ai * 1.02) { print "mean interval off advert_int"; exit 1 }
			if (minint < ai - 2 * slack - 0.001) { print "an interval shorter than advert_int - 2 x slack"; exit 1 }
		}' "$KQ_DIR/adverts.txt") ||
		kq_fail "vi_$vrid (priority $prio, advert_int $ai s): $out; its adverts:" \
			"$(awk -v v="$vrid" '$2 == v { printf "%s ", $1 }' "$KQ_DIR/adverts.txt")"
	kq_log "vi_$vrid (priority $prio, advert_int $ai s): $out"
done

# check 3: the chain's adverts, in bursts
read -r frames bursts < <(awk -v chain=" $CHAIN " '
	index(chain, " " $2 " ") { n++; if (n == 1 || $1 - last > 0.001) b++; last = $1 }
	END { print n, b }' "$KQ_DIR/adverts.txt")
kq_log "the chain's $frames adverts went out in $bursts bursts"
((bursts * 10 < frames * 6)) ||
	kq_fail "the chain's $frames adverts went out in $bursts bursts: not sent together"
kq_assert_jq h1 '[.instances[] | select(.state == "MASTER")] | length' "${#SPECS[@]}"
echo "PASS: $KQ_TEST_NAME"
