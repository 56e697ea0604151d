#!/bin/bash
# netns scenario: faults, tracking and reload on a pair of real daemons. VRRPv3, advert_int 0.2 s.
# h1 (priority 150, track_interface = eth1 weight -60, eth1 a dummy link) and h2 (priority 100).
#  1. h1's eth0 goes down: h1 is FAULT (status: state FAULT, blocked_by "interface"), lets go of
#     the VIP, and h2 takes over; eth0 up again: h1 goes back through BACKUP and, being higher,
#     preempts back.
#  2. The VIP deleted by hand from the MASTER is restored within a second.
#  3. eth1 (tracked with weight -60) goes down: h1's effective priority is 90, so h2 (100)
#     preempts; eth1 up: 150 again, h1 preempts back.
#  4. SIGHUP with an unchanged config: the instance is kept as it was: still MASTER, the VIP never
#     leaves (watched for 3 s), no transition, counters not reset, h2 undisturbed.
#  5. SIGHUP with another VIP list: the instance restarts (counters from zero, priority 0 to the
#     peer, which takes over for a moment), and comes back MASTER with both VIPs.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 2

VIP=10.77.0.100/24
VIP2=10.77.0.101/24
ns1=$(kq_ns h1)

# write_cfg HOST PRIORITY VIPS [EXTRA]
write_cfg() {
	kq_vrrp_ini "$1" vi_51 "virtual_router_id = 51" "version = 3" "priority = $2" \
		"advert_int = 0.2" "virtual_ipaddress = $3" "${4:-}" >"$KQ_DIR/$1.ini.tmp"
	mv "$KQ_DIR/$1.ini.tmp" "$KQ_DIR/$1.ini"
}

now_ms() {
	local t=$EPOCHREALTIME
	echo $((10#${t%.*} * 1000 + 10#${t#*.} / 1000))
}

# counters NAME: the instance's transition counters, as one JSON line.
counters() {
	kq_inst "$1" '.counters.transitions | @json'
}

kq_spare_link h1 eth1   # tracked by h1, with a weight
write_cfg h1 150 "$VIP" "track_interface = eth1 weight -60"
write_cfg h2 100 "$VIP"
# h1 first: its down timer (0.683 s) runs from before its READY=1, h2's (0.722 s) after, so h2
# is never MASTER, not even for a moment
kq_start_in_order h1 h2
kq_wait_state h1 MASTER 5
kq_wait_state h2 BACKUP 2
kq_wait_for "[[ \$(kq_inst h2 .master_ip) == 10.77.0.1 ]]" 2 "h2: master_ip 10.77.0.1"
kq_assert_eq "$(kq_vip_holders $VIP h1 h2)" h1 "hosts holding the VIP at start"
kq_assert_jq h1 '.instances[0].effective_priority' 150
kq_assert_jq h1 '.instances[0].blocked_by' null

# --- 1. the master's link goes down, and up ----------------------------------------------------
kq_setup ip -n "$ns1" link set eth0 down
kq_wait_state h1 FAULT 2
kq_assert_jq h1 '.instances[0].blocked_by' interface
kq_assert_contains "$(kq_inst h1 .fault_reason)" eth0 "h1's fault_reason"
kq_assert_jq h1 '.instances[0].counters.transitions.FAULT' 1
kq_wait_state h2 MASTER 3
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h2 ]]" 2 "the VIP on h2 only while h1's eth0 is down"

backups=$(kq_inst h1 .counters.transitions.BACKUP)
masters=$(kq_inst h1 .counters.transitions.MASTER)
kq_setup ip -n "$ns1" link set eth0 up
kq_wait_for "(( \$(kq_inst h1 .counters.transitions.BACKUP) == $((backups + 1)) ))" 3 \
	"h1: FAULT -> BACKUP once eth0 is up"
kq_wait_state h1 MASTER 3
kq_assert_jq h1 '.instances[0].counters.transitions.MASTER' $((masters + 1))
kq_assert_jq h1 '.instances[0].blocked_by' null
kq_wait_state h2 BACKUP 2
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h1 ]]" 2 "the VIP back on h1 only"

# --- 2. the VIP deleted by hand comes back -----------------------------------------------------
before=$(counters h1)
kq_setup ip -n "$ns1" addr del $VIP dev eth0
kq_wait_for "kq_has_addr h1 $VIP" 1 "the VIP deleted by hand restored on h1"
kq_assert_jq h1 '.instances[0].state' MASTER
kq_assert_eq "$(counters h1)" "$before" "h1's transitions after the VIP was deleted by hand"

# --- 3. a tracked interface with a weight ------------------------------------------------------
kq_setup ip -n "$ns1" link set eth1 down
kq_wait_for "[[ \$(kq_inst h1 .effective_priority) == 90 ]]" 2 "h1: effective priority 90 with eth1 down"
kq_assert_jq h1 '.instances[0].priority' 150
kq_wait_state h2 MASTER 3
kq_wait_state h1 BACKUP 2
kq_assert_jq h1 '.instances[0].blocked_by' null   # a weight lowers the priority; it is no fault
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h2 ]]" 2 "the VIP on h2 only with h1 at 90"
kq_assert_jq h1 '.instances[0].master_ip' 10.77.0.2
kq_setup ip -n "$ns1" link set eth1 up
kq_wait_for "[[ \$(kq_inst h1 .effective_priority) == 150 ]]" 2 "h1: effective priority 150 with eth1 up"
kq_wait_state h1 MASTER 3
kq_wait_state h2 BACKUP 2
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h1 ]]" 2 "the VIP back on h1 after eth1 came up"

# --- 4. SIGHUP, nothing changed: nothing moves -------------------------------------------------
sleep 0.5
before1=$(counters h1)
before2=$(counters h2)
sent=$(kq_inst h1 .counters.adverts_sent)
ready=$(kq_notify_count h1 READY=1)
# Every address event in h1's namespace is recorded from before the HUP until the end of the
# watch, so that a VIP removed and added back between two looks is seen all the same. The
# monitor is listening once it reports a marker address toggled on lo.
ip -n "$ns1" monitor address >"$KQ_DIR/h1-addr-events" 2>&1 </dev/null &
monitor=$!
KQ_PIDS+=("$monitor")
kq_wait_for "{ ip -n $ns1 addr add 10.77.9.9/32 dev lo 2>/dev/null || ip -n $ns1 addr del 10.77.9.9/32 dev lo; } &&
	grep -q 10.77.9.9 '$KQ_DIR/h1-addr-events'" 3 "ip monitor address listening in h1"
kq_signal h1 HUP
kq_wait_notify h1 READY=1 $((ready + 1)) 3
# and `ip addr` looked at for 3 s after the reload: the VIP is there every time
end=$(($(now_ms) + 3000)) samples=0
while (($(now_ms) < end)); do
	[[ $(kq_vip_holders $VIP h1) == h1 ]] ||
		kq_fail "the VIP left h1 after a SIGHUP with an unchanged config (look $samples)"
	samples=$((samples + 1))
	sleep 0.02
done
kill "$monitor" 2>/dev/null || true
wait "$monitor" 2>/dev/null || true
if grep "${VIP%/*}/" "$KQ_DIR/h1-addr-events"; then
	kq_fail "the VIP changed on h1 after a SIGHUP with an unchanged config:"$'\n'"$(cat "$KQ_DIR/h1-addr-events")"
fi
kq_assert_jq h1 '.instances[0].state' MASTER
kq_assert_eq "$(counters h1)" "$before1" "h1's transitions across an unchanged reload"
kq_assert_eq "$(counters h2)" "$before2" "h2's transitions across h1's unchanged reload"
# the same instance, still advertising: its counters went on, they did not start again
kq_assert_jq h1 ".instances[0].counters.adverts_sent > $sent + 5" true

# --- 5. SIGHUP with another VIP list: the instance restarts ------------------------------------
ready=$(kq_notify_count h1 READY=1)
masters2=$(kq_inst h2 .counters.transitions.MASTER)
write_cfg h1 150 "$VIP, $VIP2" "track_interface = eth1 weight -60"
kq_signal h1 HUP
kq_wait_notify h1 READY=1 $((ready + 1)) 3
kq_assert_jq h1 '.instances[0].vips | @json' '["10.77.0.100/24","10.77.0.101/24"]'
# It said goodbye with priority 0: h2 took over (after its Skew_Time), then h1, restarted in BACKUP,
# preempted it again.
kq_wait_for "(( \$(kq_inst h2 .counters.transitions.MASTER) > $masters2 ))" 3 \
	"h2 MASTER for a moment while h1's instance restarts"
kq_wait_state h1 MASTER 3
kq_wait_state h2 BACKUP 3
# a new instance: its counters start from zero
kq_assert_jq h1 '.instances[0].counters.transitions | "\(.BACKUP) \(.MASTER) \(.FAULT)"' "1 1 0"
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h1 && \$(kq_vip_holders $VIP2 h1 h2) == h1 ]]" 2 \
	"both VIPs on h1 only after the restart"

echo "PASS: $KQ_TEST_NAME"
