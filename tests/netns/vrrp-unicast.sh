#!/bin/bash
# netns scenario: unicast VRRP (keepalived's unicast_src_ip / unicast_peer). VRRPv3, advert_int
# 0.2 s. h1 (150) and h2 (100) name each other as their only peer. Captures on the bridge's ports
# (the switch's view of each host's cable) show every advert sent from unicast_src_ip to the peer
# (never to 224.0.0.18), with TTL 255. Election and failover work over unicast (the v3 checksum
# covers the pseudo-header with the unicast destination, so a wrong one would break both). A third
# daemon on h3, same VRID, priority 254, whose unicast_peer names h1, sends its adverts to h1: h1
# is not its peer's peer, so h1 drops them (counters.dropped.not_peer) and stays MASTER.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 3

VIP=10.77.0.100/24

# write_cfg HOST PRIORITY PEER [VIP]
write_cfg() {
	kq_vrrp_ini "$1" vi_51 "virtual_router_id = 51" "version = 3" "priority = $2" \
		"advert_int = 0.2" "virtual_ipaddress = ${4:-$VIP}" "unicast_src_ip = 10.77.0.${1#h}" \
		"unicast_peer = $3" >"$KQ_DIR/$1.ini"
}

# count_adverts CAPTURE SRC DST: every advert in CAPTURE from SRC must go to DST (not to
# 224.0.0.18), with TTL 255, VRID 51, v3. Sets N to how many there are from SRC, Z to how many of
# them had priority 0; adverts from other sources are left alone.
N=0 Z=0
count_adverts() {
	local a src dst ttl ver vrid prio
	N=0 Z=0
	while read -r a; do
		read -r _ src dst ttl ver vrid prio _ <<<"$a"
		[[ $src == "$2" ]] || continue
		[[ $dst == "$3" ]] ||
			kq_fail "capture $1: an advert from $2 not to $3: '$a'"$'\n'"$(kq_capture_decoded "$1")"
		kq_assert_eq "$ttl $ver $vrid" "255 3 51" "TTL, version, VRID of '$a' in $1"
		N=$((N + 1))
		[[ $prio == 0 ]] && Z=$((Z + 1))
	done < <(kq_vrrp_adverts "$1")
	return 0
}

write_cfg h1 150 10.77.0.2
write_cfg h2 100 10.77.0.1
# h3: same VRID, its own VIP (so that its mastership is no second holder of ours), peer h1 only.
write_cfg h3 254 10.77.0.1 10.77.0.103/24

for h in h1 h2 h3; do
	kq_capture_start "port$h" "$KQ_BRIDGE_NS" "v$h" 'ip proto 112'
done

# h1 first: its down timer (0.683 s) runs from before its READY=1, h2's (0.722 s) after, so h2
# is never MASTER, not even for a moment
kq_start_daemon h1 "$KQ_DIR/h1.ini"
kq_wait_ready h1
kq_start_daemon h2 "$KQ_DIR/h2.ini"
kq_wait_ready h2

# --- election --------------------------------------------------------------------------------
kq_wait_state h1 MASTER 5
kq_wait_state h2 BACKUP 2
kq_wait_for "[[ \$(kq_inst h2 .master_ip) == 10.77.0.1 ]]" 2 "h2: master_ip 10.77.0.1"
kq_wait_for "(( \$(kq_inst h2 .counters.adverts_received) >= 5 ))" 3 "h2: 5 adverts received"
kq_assert_eq "$(kq_vip_holders $VIP h1 h2 h3)" h1 "hosts holding the VIP"
kq_assert_jq h2 '.instances[0].counters.transitions.MASTER' 0
count_adverts porth1 10.77.0.1 10.77.0.2
((N >= 5 && Z == 0)) || kq_fail "h1's port: $N adverts of h1 ($Z with priority 0), expected >= 5 (none)"
count_adverts porth2 10.77.0.1 10.77.0.2
((N >= 5)) || kq_fail "h2's port: $N adverts from h1 to h2, expected >= 5"
count_adverts porth2 10.77.0.2 10.77.0.1
kq_assert_eq "$N" 0 "adverts sent by h2 as BACKUP"

# --- an advert from a host that is not a peer ------------------------------------------------
kq_start_daemon h3 "$KQ_DIR/h3.ini"
kq_wait_ready h3
# h3 hears nobody (h1 and h2 advertise to each other only) and becomes MASTER of its own VIP
kq_wait_state h3 MASTER 3
kq_wait_for "(( \$(kq_inst h1 '.counters.dropped.not_peer // 0') >= 5 ))" 3 \
	"h1: 5 adverts from h3 dropped as not_peer"
# ... and they were really sent to h1, at priority 254: had h1 taken one, it would have yielded
count_adverts porth3 10.77.0.3 10.77.0.1
((N >= 5)) || kq_fail "h3's port: $N adverts from h3 to h1, expected >= 5"
kq_assert_jq h1 '.instances[0].state' MASTER
kq_assert_jq h1 '.instances[0].counters.transitions.MASTER' 1
kq_assert_jq h1 '.instances[0].counters.transitions.BACKUP' 1
kq_assert_jq h1 '.instances[0].master_ip' 10.77.0.1
kq_assert_jq h2 '.instances[0].master_ip' 10.77.0.1
kq_assert_jq h2 '.instances[0].counters.dropped.not_peer // 0' 0
kq_assert_eq "$(kq_vip_holders $VIP h1 h2 h3)" h1 "hosts holding the VIP with h3 advertising"
rc=0
kq_stop_daemon h3 || rc=$?
kq_assert_eq "$rc" 0 "exit code of h3's daemon on SIGTERM"
kq_capture_stop porth3

# --- failover over unicast -------------------------------------------------------------------
rc=0
kq_stop_daemon h1 || rc=$?
kq_assert_eq "$rc" 0 "exit code of h1's daemon on SIGTERM"
kq_wait_state h2 MASTER 2
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2 h3) == h2 ]]" 2 "the VIP on h2 only"
kq_wait_for "(( \$(kq_inst h2 .counters.adverts_sent) >= 5 ))" 3 "h2: 5 adverts sent as MASTER"
kq_capture_stop porth1
kq_capture_stop porth2
# h1's goodbye: one priority-0 advert, to its peer
count_adverts porth1 10.77.0.1 10.77.0.2
((Z == 1)) || kq_fail "h1 sent $Z priority-0 adverts to its peer on SIGTERM, expected 1"
# h2 as MASTER advertises to its peer h1 (whose daemon is gone), not to the group
count_adverts porth2 10.77.0.2 10.77.0.1
((N >= 5 && Z == 0)) || kq_fail "h2's port: $N adverts of h2 ($Z with priority 0), expected >= 5 (none)"
# and nothing else was on the wire: every advert on every port was one of these
for c in porth1 porth2 porth3; do
	while read -r a; do
		read -r _ src dst _ <<<"$a"
		case "$src $dst" in
		"10.77.0.1 10.77.0.2" | "10.77.0.2 10.77.0.1" | "10.77.0.3 10.77.0.1") ;;
		*) kq_fail "capture $c: an unexpected advert '$a'" ;;
		esac
	done < <(kq_vrrp_adverts "$c")
done

echo "PASS: $KQ_TEST_NAME"
