#!/bin/bash
# netns scenario: unicast peers on different subnets, through a router, as keepalived allows them
# (it skips the TTL check in unicast mode). VRRPv3, advert_int 0.2 s.
#   h1 (10.77.0.1, eth0, priority 150) -- h2 routes (10.77.0.2 / 10.78.0.2) -- h3 (10.78.0.3,
#   eth1, priority 100; its eth0 on the lab's bridge is down)
# Each names the other as its only unicast_peer. The adverts arrive with TTL 254 (captured on
# h3's eth1, so the test proves they were routed), and are taken: h3 follows h1 and is BACKUP;
# kill -9 of h1 makes h3 MASTER; h1 back preempts h3 again, having taken h3's routed adverts.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 3

ns1=$(kq_ns h1)
ns2=$(kq_ns h2)
ns3=$(kq_ns h3)

# h2 routes between the lab's 10.77.0.0/24 and a link of its own to h3, 10.78.0.0/24
kq_setup ip netns exec "$ns2" sysctl -qw net.ipv4.ip_forward=1
kq_setup ip -n "$ns2" link add eth1 type veth peer name eth1 netns "$ns3"
kq_setup ip -n "$ns2" addr add 10.78.0.2/24 dev eth1
kq_setup ip -n "$ns3" addr add 10.78.0.3/24 dev eth1
kq_setup ip -n "$ns2" link set eth1 up
kq_setup ip -n "$ns3" link set eth1 up
kq_setup ip -n "$ns3" link set eth0 down
kq_setup ip -n "$ns3" route add 10.77.0.0/24 via 10.78.0.2 dev eth1
kq_setup ip -n "$ns1" route add 10.78.0.0/24 via 10.77.0.2 dev eth0
kq_assert_contains "$(ip -n "$ns3" route get 10.77.0.1)" "via 10.78.0.2" "h3's route to h1"
kq_assert_contains "$(ip -n "$ns1" route get 10.78.0.3)" "via 10.77.0.2" "h1's route to h3"

# write_cfg HOST IFNAME SRC PEER PRIORITY VIP
write_cfg() {
	printf '[global]\nrouter_id = node-%s\n\n[vrrp_instance vi_61]\nstate = BACKUP\ninterface = %s\n' \
		"$1" "$2"
	printf 'virtual_router_id = 61\nversion = 3\npriority = %s\nadvert_int = 0.2\n' "$5"
	printf 'virtual_ipaddress = %s\nunicast_src_ip = %s\nunicast_peer = %s\n' "$6" "$3" "$4"
}
# each its own VIP on its own subnet (a VIP cannot move between subnets; in a cloud a hook would
# move a provider's address instead)
write_cfg h1 eth0 10.77.0.1 10.78.0.3 150 10.77.0.100/24 >"$KQ_DIR/h1.ini"
write_cfg h3 eth1 10.78.0.3 10.77.0.1 100 10.78.0.100/24 >"$KQ_DIR/h3.ini"

kq_capture_start h3eth1 "$ns3" eth1 'ip proto 112'
kq_start_in_order h1 h3

# --- h3 follows h1's routed adverts ------------------------------------------------------------
kq_wait_state h1 MASTER 5
kq_wait_state h3 BACKUP 2
kq_wait_for "[[ \$(kq_inst h3 .master_ip) == 10.77.0.1 ]]" 2 "h3: master_ip 10.77.0.1"
kq_wait_for "(( \$(kq_inst h3 .counters.adverts_received) >= 5 ))" 3 "h3: 5 adverts received"
kq_assert_jq h3 '.instances[0].counters.dropped | length' 0
kq_assert_jq h3 '.instances[0].counters.transitions.MASTER' 0
kq_has_addr h1 10.77.0.100/24 || kq_fail "h1's VIP is not on its eth0"
kq_has_addr h3 10.78.0.100/24 eth1 && kq_fail "h3 (BACKUP) holds its VIP"
kq_capture_stop h3eth1
n=0
while read -r a; do
	read -r _ src dst ttl ver vrid prio _ <<<"$a"
	[[ $src == 10.77.0.1 ]] || continue
	kq_assert_eq "$dst $ttl $ver $vrid $prio" "10.78.0.3 254 3 61 150" \
		"destination, TTL (one router: 254), version, VRID, priority of h1's advert '$a'"
	n=$((n + 1))
done < <(kq_vrrp_adverts h3eth1)
((n >= 5)) || kq_fail "h3's eth1: $n adverts of h1, expected >= 5:"$'\n'"$(kq_capture_decoded h3eth1)"

# --- h1 dies: h3 takes over ------------------------------------------------------------------------
rc=0
kq_stop_daemon h1 KILL || rc=$?
kq_assert_eq "$rc" 137 "exit code of h1's daemon on SIGKILL"
kq_wait_state h3 MASTER 3
kq_wait_for "kq_has_addr h3 10.78.0.100/24 eth1" 2 "h3 holding its VIP on eth1"
# (h1's VIP stays behind on its eth0: nothing removed it; the next start does)

# --- h1 is back: it takes h3's routed adverts (priority 100, lower) and preempts ----------------
kq_start_daemon h1 "$KQ_DIR/h1.ini"
kq_wait_ready h1
kq_wait_state h1 MASTER 5
kq_wait_state h3 BACKUP 3
kq_assert_jq h1 '.instances[0].counters.dropped | length' 0
(($(kq_inst h1 .counters.adverts_received) >= 1)) ||
	kq_fail "h1 took none of h3's routed adverts: $(kq_status h1 | jq -c .instances[0].counters)"
kq_assert_jq h1 '.instances[0].master_ip' 10.77.0.1
kq_wait_for "[[ \$(kq_inst h3 .master_ip) == 10.77.0.1 ]]" 2 "h3 following h1 again"

echo "PASS: $KQ_TEST_NAME"
