#!/bin/bash
# netns scenario: preemption (RFC 5798 6.4.2, keepalived's nopreempt and preempt_delay). VRRPv3,
# advert_int 0.2 s: h2's Master_Down_Interval at priority 150 is 0.6 + 106/256 × 0.2 = 0.683 s.
# h1 (priority 100) runs alone and is MASTER; then h2 (priority 150) is started three times:
#  1. preempt (the default): h2 takes over once its down timer runs out (it ignores the adverts
#     of a lower-priority master), not at once; h1 steps down; the VIP moves to h2.
#  2. nopreempt: h2 stays BACKUP under h1, for many down intervals.
#  3. preempt_delay = 3: h2 takes over about 3 s later than in 1.
# Times are taken from h2's own log (its INIT -> BACKUP at start, its BACKUP -> MASTER), so that
# neither the daemon's start-up nor the test's polling, both slow on a loaded machine, count.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 2

VIP=10.77.0.100/24
DOWN_H2=683   # ms

# write_cfg HOST PRIORITY [EXTRA]
write_cfg() {
	kq_vrrp_ini "$1" vi_51 "virtual_router_id = 51" "version = 3" "priority = $2" \
		"advert_int = 0.2" "virtual_ipaddress = $VIP" "${3:-}" >"$KQ_DIR/$1.ini"
}

now_ms() {
	local t=$EPOCHREALTIME
	echo $((10#${t%.*} * 1000 + 10#${t#*.} / 1000))
}

# sleep_until MS: sleep until now_ms reaches MS (at once if it has).
sleep_until() {
	local r=$(($1 - $(now_ms)))
	((r > 0)) || return 0
	sleep "$(printf '%d.%03d' $((r / 1000)) $((r % 1000)))"
}

# log_ms LINE: the time of day of a log line ("2026-11-24T01:28:03.643 keepquorumd..."), in ms.
log_ms() {
	local t=${1%% *}
	t=${t#*T}
	echo $(((10#${t:0:2} * 3600 + 10#${t:3:2} * 60 + 10#${t:6:2}) * 1000 + 10#${t:9:3}))
}

# takeover_ms: in h2's log, from its latest "INIT -> BACKUP (start)" to the "BACKUP -> MASTER"
# after it, in ms.
takeover_ms() {
	local start="" master="" line d
	while IFS= read -r line; do
		case $line in
		*"(vi_51) INIT -> BACKUP (start)"*) start=$line master="" ;;
		*"(vi_51) BACKUP -> MASTER"*) [[ -n $start && -z $master ]] && master=$line ;;
		esac
	done <"$KQ_DIR/h2.log"
	[[ -n $start && -n $master ]] || kq_fail "h2's log has no start followed by BACKUP -> MASTER"
	d=$(($(log_ms "$master") - $(log_ms "$start")))
	((d < 0)) && d=$((d + 86400000)) # past midnight
	echo "$d"
}

# start_h2_until_master: start h2 (its config written), wait until it is MASTER (10 s), and set
# TAKEOVER_MS to the time from its start to its MASTER, by its log.
TAKEOVER_MS=0
start_h2_until_master() {
	kq_start_daemon h2 "$KQ_DIR/h2.ini"
	kq_wait_state h2 MASTER 10
	TAKEOVER_MS=$(takeover_ms)
}

write_cfg h1 100
kq_start_daemon h1 "$KQ_DIR/h1.ini"
kq_wait_ready h1
kq_wait_state h1 MASTER 5
kq_assert_eq "$(kq_vip_holders $VIP h1 h2)" h1 "hosts holding the VIP, h1 alone"

# --- 1. preempt ------------------------------------------------------------------------------
write_cfg h2 150
start_h2_until_master
nodelay=$TAKEOVER_MS
kq_log "preempt: h2 MASTER ${nodelay} ms after its start (Master_Down_Interval ${DOWN_H2} ms)"
# it waited for its down timer (not immediate on h1's first advert), and not much longer
((nodelay >= DOWN_H2 - 50 && nodelay < 3000)) ||
	kq_fail "h2 (150) preempted h1 (100) $nodelay ms after its start; expected its down timer, $DOWN_H2 ms"
kq_wait_state h1 BACKUP 2
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h2 ]]" 2 "the VIP on h2 only"
kq_assert_jq h1 '.instances[0].master_ip' 10.77.0.2
kq_assert_jq h2 '.instances[0].counters.transitions.MASTER' 1
kq_assert_jq h1 '.instances[0].counters.transitions.BACKUP' 2

# h2 leaves (priority 0): h1 is MASTER again after its Skew_Time
rc=0
kq_stop_daemon h2 || rc=$?
kq_assert_eq "$rc" 0 "exit code of h2's daemon on SIGTERM"
kq_wait_state h1 MASTER 2
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h1 ]]" 2 "the VIP back on h1 only"

# --- 2. nopreempt ------------------------------------------------------------------------------
write_cfg h2 150 "nopreempt = yes"
kq_start_daemon h2 "$KQ_DIR/h2.ini"
kq_wait_ready h2
kq_wait_state h2 BACKUP 2
kq_wait_for "[[ \$(kq_inst h2 .master_ip) == 10.77.0.1 ]]" 2 "h2 (nopreempt): master_ip 10.77.0.1"
# 3 s: more than four of h2's down intervals
for ((i = 0; i < 30; i++)); do
	kq_assert_eq "$(kq_vip_holders $VIP h1 h2)" h1 "hosts holding the VIP under nopreempt (sample $i)"
	sleep 0.1
done
kq_assert_jq h2 '.instances[0].state' BACKUP
kq_assert_jq h2 '.instances[0].counters.transitions.MASTER' 0
kq_assert_jq h2 '.instances[0].counters.adverts_sent' 0
kq_assert_jq h1 '.instances[0].state' MASTER
rc=0
kq_stop_daemon h2 || rc=$?
kq_assert_eq "$rc" 0 "exit code of h2's (nopreempt) daemon on SIGTERM"
kq_assert_jq h1 '.instances[0].state' MASTER

# --- 3. preempt_delay ------------------------------------------------------------------------
# The difference of the two takeovers is the delay: 3 s, give or take one advert interval (the
# delay runs from the first advert h2 hears, its down timer from the last one it followed before
# the delay ran out).
write_cfg h2 150 "preempt_delay = 3"
t0=$(now_ms)
kq_start_daemon h2 "$KQ_DIR/h2.ini"
kq_wait_ready h2
kq_wait_state h2 BACKUP 2
# well past the 0.68 s it took without a delay, and before the 3 s are over: still BACKUP
sleep_until $((t0 + 2000))
kq_assert_jq h2 '.instances[0].state' BACKUP
kq_assert_eq "$(kq_vip_holders $VIP h1 h2)" h1 "hosts holding the VIP 2 s into h2's preempt_delay"
kq_wait_state h2 MASTER 5
delayed=$(takeover_ms)
kq_log "preempt_delay 3: h2 MASTER ${delayed} ms after its start (without: ${nodelay} ms)"
extra=$((delayed - nodelay))
((extra >= 2700 && extra <= 3700)) ||
	kq_fail "preempt_delay = 3 made h2 take over $extra ms later than without; expected about 3000 ms"
kq_wait_state h1 BACKUP 2
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h2 ]]" 2 "the VIP on h2 only after preempt_delay"

echo "PASS: $KQ_TEST_NAME"
