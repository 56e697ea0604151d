#!/bin/bash
# netns scenario: VRRP election among real daemons (RFC 5798 6.4). VRRPv3 with advert_int 0.2 s
# (Master_Down_Interval 0.6 s + Skew_Time, so the scenario is quick; version 3 is what allows a
# sub-second interval).
#  1. Three nodes, priorities 150 / 100 / 50 on h1 / h2 / h3 (h1 has the lowest address, so the
#     address tie-break cannot be what decides): h1 becomes MASTER and holds the VIP; exactly one
#     host has it, for as long as we watch; h2 and h3 are BACKUP, never were MASTER, and name h1's
#     address as master_ip.
#  2. Two nodes of equal priority that both became MASTER (h2 was cut off from the bridge while
#     they started): when they hear each other, the higher primary address (h2, 10.77.0.2) stays
#     MASTER and h1 steps down (RFC 5798 6.4.3); the VIP ends on h2 only.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 3

VIP=10.77.0.100/24

# write_cfg HOST PRIORITY: the config of HOST's daemon (VRID 51, the VIP, v3 at 0.2 s).
write_cfg() {
	kq_vrrp_ini "$1" vi_51 "virtual_router_id = 51" "version = 3" "priority = $2" \
		"advert_int = 0.2" "virtual_ipaddress = $VIP" >"$KQ_DIR/$1.ini"
}

# --- 1. three nodes, distinct priorities -----------------------------------------------------
write_cfg h1 150
write_cfg h2 100
write_cfg h3 50
# h1 first (its timer runs from before its READY=1), and it has the shortest down timer: no other
# node may be MASTER, even briefly.
kq_start_daemon h1 "$KQ_DIR/h1.ini"
kq_wait_ready h1
for h in h2 h3; do
	kq_start_daemon "$h" "$KQ_DIR/$h.ini"
done
for h in h2 h3; do
	kq_wait_ready "$h"
done
kq_wait_state h1 MASTER 5
for h in h2 h3; do
	kq_wait_state "$h" BACKUP 5
	kq_wait_for "[[ \$(kq_inst $h .master_ip) == 10.77.0.1 ]]" 3 "$h: master_ip 10.77.0.1"
done
kq_assert_jq h1 '.instances[0].master_ip' 10.77.0.1
kq_assert_jq h1 '.instances[0].effective_priority' 150

# Watch for 2 s or more (20 looks 0.1 s apart; 10 advert intervals): one holder, nobody moves.
for ((i = 0; i < 20; i++)); do
	holders=$(kq_vip_holders $VIP h1 h2 h3)
	kq_assert_eq "$holders" h1 "hosts holding $VIP (sample $i)"
	sleep 0.1
done
for h in h2 h3; do
	kq_assert_jq "$h" '.instances[0].state' BACKUP
	kq_assert_jq "$h" '.instances[0].counters.transitions.MASTER' 0
	kq_assert_jq "$h" '.instances[0].counters.adverts_sent' 0
	kq_assert_jq "$h" '.instances[0].counters.adverts_received > 5' true
	kq_assert_jq "$h" '.instances[0].master_ip' 10.77.0.1
done
kq_assert_jq h1 '.instances[0].state' MASTER
kq_assert_jq h1 '.instances[0].counters.transitions.MASTER' 1
kq_assert_jq h1 '.instances[0].counters.transitions.BACKUP' 1
kq_assert_jq h1 '.instances[0].counters.adverts_sent > 5' true

for h in h3 h2 h1; do
	rc=0
	kq_stop_daemon "$h" || rc=$?
	kq_assert_eq "$rc" 0 "exit code of $h's daemon on SIGTERM"
done
holders=$(kq_vip_holders $VIP h1 h2 h3)
kq_assert_eq "$holders" "" "hosts holding $VIP after every daemon stopped"

# --- 2. equal priority: the higher address wins ----------------------------------------------
write_cfg h1 100
write_cfg h2 100
# Cut h2 off the bridge (its link stays up): each node sees no master and takes the VIP.
kq_setup ip -n "$KQ_BRIDGE_NS" link set vh2 nomaster
kq_start_daemon h1 "$KQ_DIR/h1.ini"
kq_start_daemon h2 "$KQ_DIR/h2.ini"
kq_wait_ready h1
kq_wait_ready h2
kq_wait_state h1 MASTER 5
kq_wait_state h2 MASTER 5
kq_assert_eq "$(kq_vip_holders $VIP h1 h2)" "h1 h2" "hosts holding $VIP while partitioned"

# Reconnect: both MASTER at priority 100; h1 hears 10.77.0.2 > 10.77.0.1 and yields.
kq_setup ip -n "$KQ_BRIDGE_NS" link set vh2 master br0
kq_wait_state h1 BACKUP 3
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h2 ]]" 2 "$VIP on h2 only after the merge"
kq_wait_for "[[ \$(kq_inst h1 .master_ip) == 10.77.0.2 ]]" 2 "h1: master_ip 10.77.0.2"
kq_assert_jq h2 '.instances[0].state' MASTER
kq_assert_jq h2 '.instances[0].counters.transitions.BACKUP' 1   # the start only
kq_assert_jq h1 '.instances[0].counters.transitions.BACKUP' 2   # the start, then yielding
# and it stays that way
sleep 1
kq_assert_jq h1 '.instances[0].state' BACKUP
kq_assert_jq h2 '.instances[0].state' MASTER
kq_assert_eq "$(kq_vip_holders $VIP h1 h2)" h2 "hosts holding $VIP 1 s after the merge"

echo "PASS: $KQ_TEST_NAME"
