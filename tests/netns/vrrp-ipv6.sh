#!/bin/bash
# netns scenario: VRRPv3 over IPv6 (RFC 5798 5.1.2) with the VIP fd77::100/64, advert_int 0.2 s.
# h1 (150) and h2 (100) elect h1; h3 observes. The VIP is on h1's eth0 (ip -6 addr) and nowhere
# else; h1's adverts go to ff02::12 (Ethernet 33:33:00:00:00:12) from its link-local address, with
# hop limit 255; h2 is BACKUP and names h1's link-local address as master_ip. On failover (SIGTERM
# of h1) the VIP moves to h2 and the observer captures h2's unsolicited Neighbour Advertisement
# for it (RFC 4861 7.2.6: from h2's link-local, to ff02::1, Override set, hop limit 255).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 3

VIP=fd77::100
VIP_HEX=$(kq_hex_ip6 $VIP)
GROUP_HEX=$(kq_hex_ip6 ff02::12)
ALLNODES_HEX=$(kq_hex_ip6 ff02::1)

# write_cfg HOST PRIORITY
write_cfg() {
	kq_vrrp_ini "$1" vi6 "virtual_router_id = 61" "version = 3" "priority = $2" \
		"advert_int = 0.2" "virtual_ipaddress = $VIP/64" >"$KQ_DIR/$1.ini"
}

usec() {
	echo $((10#${1%.*} * 1000000 + 10#${1#*.}))
}

for h in h1 h2; do
	kq_wait_for "[[ -n \$(kq_linklocal $h) ]]" 5 "a link-local address on $h's eth0"
done
LL1=$(kq_linklocal h1)
LL2=$(kq_linklocal h2)
MAC1=$(kq_mac h1)
MAC2=$(kq_mac h2)
write_cfg h1 150
write_cfg h2 100

kq_capture_start lan "$(kq_ns h3)" eth0 'ip6 proto 112 or (icmp6 and ip6[40] == 136)'
# h1 first: its down timer (0.683 s) runs from before its READY=1, h2's (0.722 s) after, so h2
# is never MASTER, not even for a moment
kq_start_in_order h1 h2

# --- election --------------------------------------------------------------------------------
kq_wait_state h1 MASTER 5
kq_wait_state h2 BACKUP 2
kq_wait_for "[[ \$(kq_inst h2 .master_ip) == $LL1 ]]" 2 "h2: master_ip $LL1 (h1's link-local)"
kq_assert_jq h1 '.instances[0].master_ip' "$LL1"
kq_assert_jq h1 '.instances[0].version' 3
kq_assert_jq h1 '.instances[0].vips | @json' '["fd77::100/64"]'
kq_assert_eq "$(kq_vip_holders $VIP/64 h1 h2 h3)" h1 "hosts holding $VIP/64"
kq_wait_for "(( \$(kq_inst h2 .counters.adverts_received) >= 5 ))" 3 "h2: 5 adverts received"

n=0
while read -r a; do
	read -r _ src dst hl ver vrid prio iv eth <<<"$a"
	kq_assert_eq "$src" "$(kq_hex_ip6 "$LL1")" "source of the advert '$a' (h1's link-local $LL1)"
	kq_assert_eq "$dst $hl $ver $vrid $prio $iv $eth" "$GROUP_HEX 255 3 61 150 20 ${MAC1//:/}" \
		"destination, hop limit, version, VRID, priority, interval, MAC of the advert"
	n=$((n + 1))
done < <(kq_vrrp_adverts lan)
((n >= 5)) || kq_fail "observer: $n adverts of h1, expected >= 5:"$'\n'"$(kq_capture_decoded lan)"
# and at the Ethernet layer, every advert went to the group's multicast MAC
macs=$(kq_capture_frames lan | awk 'substr($2, 41, 2) == "70" { print substr($2, 1, 12) }' | sort -u)
kq_assert_eq "$macs" 333300000012 "Ethernet destinations of the adverts"

# --- failover --------------------------------------------------------------------------------
rc=0
kq_stop_daemon h1 || rc=$?
kq_assert_eq "$rc" 0 "exit code of h1's daemon on SIGTERM"
kq_wait_state h2 MASTER 2
kq_wait_for "[[ \$(kq_vip_holders $VIP/64 h1 h2 h3) == h2 ]]" 2 "$VIP/64 on h2 only"
kq_assert_jq h2 '.instances[0].master_ip' "$LL2"
kq_wait_for "(( \$(kq_inst h2 .counters.garps_sent) > 0 ))" 2 "h2: unsolicited NAs sent"
kq_assert_jq h2 '.instances[0].counters.garps_failed' 0
sleep 0.5
kq_capture_stop lan

zero="" first_h2=""
while read -r ts src _ _ _ _ prio _ _; do
	if [[ $src == "$(kq_hex_ip6 "$LL1")" && $prio == 0 ]]; then
		zero=$ts
	elif [[ $src == "$(kq_hex_ip6 "$LL2")" && -z $first_h2 ]]; then
		kq_assert_eq "$prio" 100 "priority of h2's first advert"
		first_h2=$ts
	fi
done < <(kq_vrrp_adverts lan)
[[ -n $zero && -n $first_h2 ]] ||
	kq_fail "no priority-0 advert of h1 ('$zero') or advert of h2 ('$first_h2'):"$'\n'"$(kq_capture_decoded lan)"
na=0
while read -r ts esrc src dst hl flags target; do
	(($(usec "$ts") >= $(usec "$zero"))) || continue
	kq_assert_eq "$esrc $src" "${MAC2//:/} $(kq_hex_ip6 "$LL2")" "Ethernet and IPv6 source of an NA"
	kq_assert_eq "$dst $hl $flags $target" "$ALLNODES_HEX 255 20 $VIP_HEX" \
		"destination, hop limit, flags (Override) and target of h2's NA"
	na=$((na + 1))
done < <(kq_na_frames lan)
((na >= 1)) || kq_fail "the observer captured no unsolicited NA for $VIP from h2:"$'\n'"$(kq_capture_decoded lan)"

echo "PASS: $KQ_TEST_NAME"
