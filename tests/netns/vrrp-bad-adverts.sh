#!/bin/bash
# netns scenario: adverts wrong in one field at a time, truncated at every length, from TTL 254,
# from the MASTER's own address, cannot move a MASTER; each is dropped and counted under its
# reason. h1 (priority 150) and h2 (100) run three instances: vi_51 (VRRPv3, advert_int 0.2),
# vi_52 (VRRPv2, auth_type PASS, advert_int 1) and vi_53 (VRRPv3 over IPv6). h3 runs no daemon:
# it sends, with kq-vrrp-send, adverts that would preempt h1 if they were right (priority 255,
# from 10.77.0.3, above h1's address).
#  1. Each wrong advert, 5 times: h1 stays MASTER of both with their VIPs, never leaves it
#     (transition counters unchanged), and the reason's counter (the instance's, or the
#     daemon's vrrp_dropped for the checks made before an instance is found) grows by exactly 5.
#     From h1's own address: over IPv4 the kernel drops them before any socket (a local source
#     from outside), over IPv6 they reach h1, which counts them as own_address.
#  2. A v3 advert cut at each length from 0 to one byte short (and a v2 one likewise): each is
#     dropped, the daemon's drops grow by exactly the number sent.
#  3. The control: the same advert, right, moves h1 to BACKUP on each instance (so the ones
#     before were refused for their fault, not ignored for another reason), and h1 takes it
#     back when h3 stops.
set -euo pipefail
# many cases, each asking the daemons several times (common.sh gives 2.5 times that under ASan)
KQ_DEFAULT_TIMEOUT=150
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
SEND=${KQ_BUILDDIR:-.}/tests/netns/kq-vrrp-send
[[ -x $SEND ]] || kq_fail "$SEND is not built (make check builds it)"
kq_lab_create 3

VIP1=10.77.0.100/24
VIP2=10.77.0.101/24
VIP3=fd77::100/64
GROUP=224.0.0.18

# write_cfg HOST PRIORITY
write_cfg() {
	{
		kq_vrrp_ini "$1" vi_51 "virtual_router_id = 51" "version = 3" "priority = $2" \
			"advert_int = 0.2" "virtual_ipaddress = $VIP1"
		printf '\n[vrrp_instance vi_52]\nstate = BACKUP\ninterface = eth0\n'
		printf 'virtual_router_id = 52\nversion = 2\npriority = %s\nadvert_int = 1\n' "$2"
		printf 'auth_type = PASS\nauth_pass = secret1\nvirtual_ipaddress = %s\n' "$VIP2"
		printf '\n[vrrp_instance vi_53]\nstate = BACKUP\ninterface = eth0\n'
		printf 'virtual_router_id = 53\nversion = 3\npriority = %s\nadvert_int = 0.2\n' "$2"
		printf 'virtual_ipaddress = %s\n' "$VIP3"
	} >"$KQ_DIR/$1.ini"
}
write_cfg h1 150
write_cfg h2 100
kq_start_in_order h1 h2
kq_wait_state h1 MASTER 10 vi_51
kq_wait_state h1 MASTER 10 vi_52
kq_wait_state h2 BACKUP 10 vi_51
kq_wait_state h2 BACKUP 10 vi_52
kq_wait_state h1 MASTER 10 vi_53
LL1=$(kq_linklocal h1)

# send ARGS...: kq-vrrp-send from h3 to $GROUP, from the address $FROM; prints nothing
FROM=10.77.0.3
send() {
	kq_exec h3 "$SEND" "$@" eth0 "$FROM" "$GROUP" >/dev/null ||
		kq_fail "kq-vrrp-send $* failed"
}
V3=(-v 3 -r 51 -p 255 -i 20 -a 10.77.0.100)
V2=(-v 2 -r 52 -p 255 -i 100 -A secret1 -a 10.77.0.101)

# counts: "daemon-drops vi_51-drops vi_52-drops vi_51-MASTER-transitions vi_52-..." as JSON
counts() {
	kq_jq h1 '{d: .vrrp_dropped,
		   i: (.instances | map({(.name): .counters.dropped}) | add),
		   m: (.instances | map({(.name): .counters.transitions.MASTER}) | add)}'
}
# drop_of JSON WHERE REASON: the count under .d (WHERE=daemon) or an instance's
drop_of() {
	if [[ $2 == daemon ]]; then
		jq -r ".d.$3 // 0" <<<"$1"
	else
		jq -r ".i.$2.$3 // 0" <<<"$1"
	fi
}
total_drops() {
	jq -r '[(.d | to_entries[].value), (.i[] | to_entries[].value)] | add // 0' <<<"$1"
}

# case NAME WHERE REASON ARGS...: 5 adverts made by ARGS are dropped under REASON, in the
# counters of WHERE (daemon, vi_51, vi_52 or vi_53), and h1 stays MASTER of all; with N=0, the
# adverts never reach the daemon, which counts nothing
case_() {
	local name=$1 where=$2 reason=$3 before after want n=${N:-5}
	shift 3
	before=$(counts)
	send -n 5 -g 20 "$@"
	want=$(($(drop_of "$before" "$where" "$reason") + n))
	kq_poll "[[ \$(drop_of \"\$(counts)\" $where $reason) -ge $want ]]" 3 ||
		kq_fail "$name: not counted: $where's $reason drops $(drop_of "$(counts)" "$where" "$reason"), expected $want; $(counts | jq -c .)"
	sleep 0.3   # anything else the adverts would do, done by now
	after=$(counts)
	[[ $(drop_of "$after" "$where" "$reason") -eq $want ]] ||
		kq_fail "$name: $where's $reason drops went to $(drop_of "$after" "$where" "$reason"), expected exactly $want"
	(($(total_drops "$after") == $(total_drops "$before") + n)) ||
		kq_fail "$name: $(($(total_drops "$after") - $(total_drops "$before"))) drops in all, expected $n (under $reason alone): $(jq -c . <<<"$after")"
	[[ $(jq -c .m <<<"$after") == "$(jq -c .m <<<"$before")" ]] ||
		kq_fail "$name: h1 changed state: MASTER transitions $(jq -c .m <<<"$before") -> $(jq -c .m <<<"$after")"
	[[ $(kq_state h1 vi_51)/$(kq_state h1 vi_52)/$(kq_state h1 vi_53) == MASTER/MASTER/MASTER ]] ||
		kq_fail "$name: h1 is $(kq_state h1 vi_51)/$(kq_state h1 vi_52)/$(kq_state h1 vi_53), not MASTER of all"
	[[ $(kq_vip_holders $VIP1 h1 h2)/$(kq_vip_holders $VIP2 h1 h2)/$(kq_vip_holders $VIP3 h1 h2) == h1/h1/h1 ]] ||
		kq_fail "$name: the VIPs are on '$(kq_vip_holders $VIP1 h1 h2)/$(kq_vip_holders $VIP2 h1 h2)/$(kq_vip_holders $VIP3 h1 h2)', not h1"
	if ((n)); then
		echo "ok: $name: dropped as $reason ($where)"
	else
		echo "ok: $name: never reaches the daemon"
	fi
}

# --- 1. one field wrong at a time ----------------------------------------------------------------
# VRRP header: byte 0 version<<4|type, 1 VRID, 2 priority, 3 count, 4-5 (v3) reserved<<12|interval
# or (v2) auth type, interval; 6-7 checksum; then the addresses; v2: 8 bytes of auth data last.
case_ "TTL 254" daemon ttl "${V3[@]}" -t 254
case_ "TTL 1" daemon ttl "${V3[@]}" -t 1
case_ "version 4" daemon version "${V3[@]}" -s 0=0x41
case_ "version 0" daemon version "${V3[@]}" -s 0=0x01
case_ "version 2 to the v3 instance" vi_51 version -v 2 -r 51 -p 255 -i 100 -a 10.77.0.100
case_ "version 3 to the v2 instance" vi_52 version -v 3 -r 52 -p 255 -i 100 -a 10.77.0.101
case_ "type 2" daemon type "${V3[@]}" -s 0=0x32
case_ "type 0" daemon type "${V3[@]}" -s 0=0x30
case_ "checksum" daemon checksum "${V3[@]}" -c
case_ "v2 checksum" daemon checksum "${V2[@]}" -c
case_ "count 2 for one address" daemon addr_count "${V3[@]}" -s 3=2
case_ "count 255 for one address" daemon addr_count "${V3[@]}" -s 3=255
case_ "v3 count 0" daemon addr_count "${V3[@]}" -s 3=0
case_ "VRID 99 (no such instance)" daemon vrid -v 3 -r 99 -p 255 -i 20 -a 10.77.0.100
case_ "v2 auth type 0" vi_52 auth_type "${V2[@]}" -s 4=0
case_ "v2 auth type 2 (AH)" vi_52 auth_type "${V2[@]}" -s 4=2
case_ "v2 no password" vi_52 auth_type -v 2 -r 52 -p 255 -i 100 -a 10.77.0.101
case_ "v2 wrong password" vi_52 auth -v 2 -r 52 -p 255 -i 100 -A secret2 -a 10.77.0.101
case_ "v2 interval 2 s" vi_52 interval -v 2 -r 52 -p 255 -i 200 -A secret1 -a 10.77.0.101
# from h1's own address (h2 takes them as h1's, which they look like, and stays BACKUP). IPv4:
# the kernel drops a packet with a local source from outside; IPv6 lets it through, and h1,
# which does not hear its own adverts, knows it for another host's
N=0 FROM=10.77.0.1 case_ "v3 from h1's IPv4 address" vi_51 own_address "${V3[@]}"
N=0 FROM=10.77.0.1 case_ "v2 from h1's IPv4 address" vi_52 own_address "${V2[@]}"
GROUP=ff02::12 FROM=$LL1 case_ "v3 from h1's link-local address" vi_53 own_address \
	-v 3 -r 53 -p 255 -i 20 -a fd77::100
# and over IPv6 the other checks hold as well
GROUP=ff02::12 FROM=fe80::3 case_ "IPv6 hop limit 254" daemon ttl -v 3 -r 53 -p 255 -i 20 \
	-a fd77::100 -t 254
GROUP=ff02::12 FROM=fe80::3 case_ "v2 over IPv6" daemon version -v 3 -r 53 -p 255 -i 20 \
	-a fd77::100 -s 0=0x21
GROUP=ff02::12 FROM=fe80::3 case_ "IPv6 checksum" daemon checksum -v 3 -r 53 -p 255 -i 20 \
	-a fd77::100 -c

# --- 2. truncated at every length ------------------------------------------------------------
# trunc NAME FULL ARGS...: the advert of ARGS cut to 0..FULL-1 bytes, each once: all dropped
trunc() {
	local name=$1 full=$2 before after
	shift 2
	before=$(counts)
	send "$@" -L
	kq_poll "(( \$(total_drops \"\$(counts)\") >= $(total_drops "$before") + full ))" 3 ||
		kq_fail "$name: $(($(total_drops "$(counts)") - $(total_drops "$before"))) of $full cut adverts dropped: $(counts | jq -c .)"
	sleep 0.3
	after=$(counts)
	(($(total_drops "$after") == $(total_drops "$before") + full)) ||
		kq_fail "$name: $(($(total_drops "$after") - $(total_drops "$before"))) drops for $full cut adverts"
	[[ $(jq -c .m <<<"$after") == "$(jq -c .m <<<"$before")" ]] ||
		kq_fail "$name: h1 changed state: $(jq -c .m <<<"$before") -> $(jq -c .m <<<"$after")"
	echo "ok: $name: cut at 0..$((full - 1)) bytes, all $full dropped ($(jq -c .d <<<"$after"))"
}
trunc "v3, one IPv4 address (12 bytes)" 12 "${V3[@]}"
trunc "v2, one IPv4 address, PASS (20 bytes)" 20 "${V2[@]}"
trunc "v3, three IPv4 addresses (20 bytes)" 20 "${V3[@]}" -a 10.77.0.150 -a 10.77.0.151
[[ $(kq_state h1 vi_51) == MASTER && $(kq_state h1 vi_52) == MASTER ]] ||
	kq_fail "h1 is $(kq_state h1 vi_51)/$(kq_state h1 vi_52) after the cut adverts"

# --- 3. the control: right, the same adverts move h1 ------------------------------------------
# h3 keeps sending (priority 255 above h1's 150) for 2 s: h1 and h2 are BACKUP; h3 stops: h1
# takes both back within master_down_interval.
kq_exec h3 "$SEND" "${V3[@]}" -n 100 -g 20 eth0 10.77.0.3 "$GROUP" >/dev/null &
p3=$!
kq_exec h3 "$SEND" "${V2[@]}" -n 3 -g 900 eth0 10.77.0.3 "$GROUP" >/dev/null &
p2=$!
kq_wait_state h1 BACKUP 2 vi_51
kq_wait_state h1 BACKUP 3 vi_52
[[ -z $(kq_vip_holders $VIP1 h1 h2) ]] || kq_fail "VIP1 still on '$(kq_vip_holders $VIP1 h1 h2)' under h3's adverts"
echo "ok: the same adverts, right, make h1 BACKUP on both instances"
wait "$p3" "$p2" || kq_fail "kq-vrrp-send (the control) failed"
kq_wait_state h1 MASTER 5 vi_51
kq_wait_state h1 MASTER 6 vi_52
[[ $(kq_vip_holders $VIP1 h1 h2) == h1 && $(kq_vip_holders $VIP2 h1 h2) == h1 ]] ||
	kq_fail "h1 did not take the VIPs back"
echo "ok: h3 silent, h1 MASTER again"
echo "PASS: $KQ_TEST_NAME"
