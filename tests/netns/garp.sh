#!/bin/bash
# netns scenario: gratuitous ARP and unsolicited Neighbour Advertisement on the wire (vrrp/arp.c,
# vrrp/ndisc.c, driven by kq-garp-send). h1 announces its VIPs; h2 captures with tcpdump, and
# every byte that matters is checked: for ARP (RFC 5227 3) a broadcast request from h1's MAC with
# sender IP = target IP = the VIP, sender MAC h1's, target MAC zero; for the NA (RFC 4861 4.4,
# 7.2.6) ICMPv6 type 136 from h1's link-local address to ff02::1 (33:33:00:00:00:01), hop limit
# 255, a valid checksum, Override set, Solicited and Router clear (Router set when h1 forwards),
# target = the VIP and a TLLA option with h1's MAC. Exactly as many packets as asked for. Then
# h2's own stack must have believed them: its neighbour entries, primed with a wrong MAC, now
# hold h1's. Then the refusals (lo, which is not Ethernet: EOPNOTSUPP; a link that is down), and
# a second link on h1: the packets leave by the interface asked for, not by the first route.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
command -v tcpdump >/dev/null 2>&1 || kq_skip "'tcpdump' is not installed"
GARP_SEND=$KQ_BUILDDIR/tests/netns/kq-garp-send
[[ -x $GARP_SEND ]] || kq_fail "$GARP_SEND is missing (make tests/netns/kq-garp-send)"

kq_lab_create 2
ns1=$(kq_ns h1)
ns2=$(kq_ns h2)
VIP4=10.77.0.100
VIP6=fd77::100
WRONG_MAC=02:00:00:00:00:99

# ip6_hex ADDRESS: the 16 bytes of an IPv6 address as 32 hex digits.
ip6_hex() {
	local a=$1 head tail g out="" i n
	local -a h=() t=()
	if [[ $a == *::* ]]; then
		head=${a%%::*} tail=${a#*::}
	else
		head=$a tail=""
	fi
	[[ -n $head ]] && IFS=: read -ra h <<<"$head"
	[[ -n $tail ]] && IFS=: read -ra t <<<"$tail"
	n=$((8 - ${#h[@]} - ${#t[@]}))
	for g in "${h[@]}"; do out+=$(printf %04x $((16#$g))); done
	for ((i = 0; i < n; i++)); do out+=0000; done
	for g in "${t[@]}"; do out+=$(printf %04x $((16#$g))); done
	echo "$out"
}

MAC1=$(ip -n "$ns1" -j link show eth0 | jq -r '.[0].address')
[[ $MAC1 =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] || kq_fail "setup: h1's eth0 MAC is '$MAC1'"
LL1=$(ip -n "$ns1" -j addr show dev eth0 scope link |
	jq -r '[.[0].addr_info[] | select(.family == "inet6")][0].local')
[[ $LL1 == fe80:* ]] || kq_fail "setup: h1's eth0 has no link-local address: '$LL1'"
MAC1_HEX=${MAC1//:/}
LL1_HEX=$(ip6_hex "$LL1")
VIP4_HEX=$(IFS=. && printf '%02x' $VIP4)
VIP6_HEX=$(ip6_hex $VIP6)
kq_assert_eq "$(ip6_hex fe80::1:2)" fe800000000000000000000000010002 "ip6_hex self-test"

# The VIPs as the daemon holds them when it announces them.
kq_setup ip -n "$ns1" addr add $VIP4/24 dev eth0
kq_setup ip -n "$ns1" addr add $VIP6/64 dev eth0 nodad

# prime_neigh ADDRESS: h2 believes ADDRESS is at WRONG_MAC (the old master's), not a router.
prime_neigh() {
	kq_setup ip -n "$ns2" neigh replace "$1" lladdr $WRONG_MAC dev eth0 nud stale
}

# neigh_json ADDRESS: h2's neighbour entry for ADDRESS on eth0, as one JSON object (or null).
neigh_json() {
	ip -n "$ns2" -j neigh show "$1" dev eth0 | jq -c '.[0]'
}

# --- capture on h2 ---------------------------------------------------------------------------

CAP_PID="" CAP=""

# capture_start NAME [HOST [DEV]]: tcpdump on HOST's (h2) DEV (eth0) into $KQ_DIR/NAME.pcap;
# returns once it listens.
capture_start() {
	local host=${2:-h2} dev=${3:-eth0}
	CAP=$KQ_DIR/$1
	# -Z root: Debian's tcpdump drops to user tcpdump, which may not write in $KQ_DIR. -U: each
	# packet is written at once, so the file can be counted while tcpdump runs.
	ip netns exec "$(kq_ns "$host")" tcpdump -i "$dev" -nn -U -Z root -w "$CAP.pcap" \
		'arp or (icmp6 and ip6[40] == 136)' >"$CAP.out" 2>"$CAP.err" </dev/null &
	CAP_PID=$!
	KQ_PIDS+=("$CAP_PID")
	kq_wait_for "grep -q 'listening on' '$CAP.err'" 5 "tcpdump listening on $host's $dev"
}

capture_count() {
	tcpdump -r "$CAP.pcap" -nn 2>/dev/null | wc -l
}

# capture_stop COUNT: wait until COUNT packets were captured, wait a little longer for any extra
# one, stop tcpdump, and require exactly COUNT.
capture_stop() {
	local want=$1 got rc=0
	kq_poll "(( \$(capture_count) >= $want ))" 5 || true
	sleep 0.3
	kill -TERM "$CAP_PID" 2>/dev/null || true
	wait "$CAP_PID" || rc=$?
	grep -q '^0 packets dropped by kernel' "$CAP.err" ||
		kq_fail "tcpdump exited $rc or dropped packets: $(cat "$CAP.err")"
	got=$(capture_count)
	((got == want)) || kq_fail "captured $got packets on ${CAP##*/}, expected $want:"$'\n'"$(decoded)"
}

decoded() {
	tcpdump -r "$CAP.pcap" -nn -e -v 2>/dev/null
}

# Every captured frame as one line of hex, link-layer header included.
frames_hex() {
	tcpdump -r "$CAP.pcap" -nn -xx 2>/dev/null | awk '
		/^[0-9]/ { if (hex != "") print hex; hex = ""; next }
		/^[ \t]+0x[0-9a-f]+:/ { for (i = 2; i <= NF; i++) hex = hex $i }
		END { if (hex != "") print hex }'
}

# --- checks of one frame ---------------------------------------------------------------------

# What the frames must carry: the sender's MAC and link-local address, as hex.
MAC_HEX=$MAC1_HEX LL_HEX=$LL1_HEX
F="" FN=""
# field OFFSET LENGTH WHAT EXPECTED: bytes OFFSET.. of frame F, in hex, must be EXPECTED.
field() {
	kq_assert_eq "${F:$(($1 * 2)):$(($2 * 2))}" "$4" "$FN: $3 (bytes $1..$(($1 + $2 - 1)))"
}

check_arp() {
	((${#F} >= 84)) || kq_fail "$FN: ${#F} hex digits, shorter than a 42-byte ARP frame: $F"
	field 0 6 "Ethernet destination (broadcast)" ffffffffffff
	field 6 6 "Ethernet source (the sender's MAC)" "$MAC_HEX"
	field 12 2 "EtherType (ARP)" 0806
	field 14 2 "hardware type (Ethernet)" 0001
	field 16 2 "protocol type (IPv4)" 0800
	field 18 2 "address lengths" 0604
	field 20 2 "opcode (request)" 0001
	field 22 6 "sender MAC (the sender's)" "$MAC_HEX"
	field 28 4 "sender IP (the VIP)" "$VIP4_HEX"
	field 32 6 "target MAC (zero)" 000000000000
	field 38 4 "target IP (the VIP)" "$VIP4_HEX"
}

# icmp6_sum_ok: the ICMPv6 checksum of the NA in F verifies (RFC 4443 2.3: the one's complement
# sum over the pseudo-header of RFC 8200 8.1 and the message, checksum included, is 0xffff).
icmp6_sum_ok() {
	local len=$((16#${F:36:4})) words sum=0 i
	words="${F:44:64}$(printf '%08x' "$len")0000003a${F:108:$((len * 2))}"
	for ((i = 0; i < ${#words}; i += 4)); do
		sum=$((sum + 16#${words:i:4}))
	done
	while ((sum > 0xffff)); do
		sum=$(((sum & 0xffff) + (sum >> 16)))
	done
	((sum == 0xffff))
}

# check_na FLAGS: FLAGS is the NA's first flags byte in hex (20: Override; a0: Router+Override).
check_na() {
	((${#F} == 172)) || kq_fail "$FN: ${#F} hex digits, not an 86-byte NA frame: $F"
	field 0 6 "Ethernet destination (33:33:00:00:00:01)" 333300000001
	field 6 6 "Ethernet source (the sender's MAC)" "$MAC_HEX"
	field 12 2 "EtherType (IPv6)" 86dd
	kq_assert_eq "${F:28:1}" 6 "$FN: IP version"
	field 18 2 "IPv6 payload length" 0020
	field 20 1 "next header (ICMPv6)" 3a
	field 21 1 "hop limit" ff
	field 22 16 "IPv6 source (the sender's link-local)" "$LL_HEX"
	field 38 16 "IPv6 destination (ff02::1)" ff020000000000000000000000000001
	field 54 1 "ICMPv6 type (Neighbor Advertisement)" 88
	field 55 1 "ICMPv6 code" 00
	icmp6_sum_ok || kq_fail "$FN: bad ICMPv6 checksum: $F"
	# ...and the check can tell: one bit flipped in the target, it must not verify
	local good=$F
	F=${F:0:124}$(printf %x $((16#${F:124:1} ^ 1)))${F:125}
	! icmp6_sum_ok || kq_fail "$FN: the checksum check accepts a corrupted frame: $F"
	F=$good
	field 58 1 "flags (R S O)" "$1"
	field 59 3 "reserved" 000000
	field 62 16 "target (the VIP)" "$VIP6_HEX"
	field 78 2 "option type 2 (TLLA), length 1" 0201
	field 80 6 "TLLA (the sender's MAC)" "$MAC_HEX"
}

# check_frames ARPS NAS NA_FLAGS: the capture holds ARPS gratuitous ARPs and NAS NAs, all right.
check_frames() {
	local arps=0 nas=0 i=0
	local -a frames
	mapfile -t frames < <(frames_hex)
	for F in "${frames[@]}"; do
		i=$((i + 1))
		FN="frame $i"
		case ${F:24:4} in
		0806) check_arp; arps=$((arps + 1)) ;;
		86dd) check_na "$3"; nas=$((nas + 1)) ;;
		*) kq_fail "$FN: unexpected EtherType ${F:24:4}: $F" ;;
		esac
	done
	kq_assert_eq "$arps" "$1" "gratuitous ARPs captured"
	kq_assert_eq "$nas" "$2" "NAs captured"
}

# --- gratuitous ARP and NA, h1 not a router --------------------------------------------------

prime_neigh $VIP4
prime_neigh $VIP6
kq_assert_contains "$(neigh_json $VIP4)" "$WRONG_MAC" "h2's primed entry for $VIP4"

capture_start announce
kq_assert_rc 0 kq_exec h1 "$GARP_SEND" eth0 $VIP4 3
kq_assert_eq "$KQ_OUT" "sent 3" "kq-garp-send $VIP4 output"
kq_assert_rc 0 kq_exec h1 "$GARP_SEND" eth0 $VIP6 3
kq_assert_eq "$KQ_OUT" "sent 3" "kq-garp-send $VIP6 output"
capture_stop 6
check_frames 3 3 20
# and tcpdump's own reading agrees
kq_assert_contains "$(decoded)" "Request who-has $VIP4 tell $VIP4" "tcpdump's decoding"
kq_assert_contains "$(decoded)" "tgt is $VIP6, Flags [override]" "tcpdump's decoding"

# h2's stack took them: both entries moved to h1's MAC (for the NA, thanks to Override).
for a in $VIP4 $VIP6; do
	kq_poll "[[ \$(neigh_json $a | jq -r .lladdr) == $MAC1 ]]" 2 ||
		kq_fail "h2's neighbour entry for $a is not at h1's MAC $MAC1: $(neigh_json "$a")"
done
kq_assert_eq "$(neigh_json $VIP6 | jq 'has("router")')" false "h2: $VIP6 taken for a router"

# --- h1 forwards IPv6: the NA says it is a router (RFC 4861 7.2.6) ---------------------------

kq_setup ip netns exec "$ns1" sysctl -qw net.ipv6.conf.eth0.forwarding=1
prime_neigh $VIP6
capture_start router
kq_assert_rc 0 kq_exec h1 "$GARP_SEND" eth0 $VIP6
capture_stop 1
check_frames 0 1 a0
kq_poll "[[ \$(neigh_json $VIP6 | jq -r .lladdr) == $MAC1 ]]" 2 ||
	kq_fail "router NA: h2's neighbour entry for $VIP6 is not at h1's MAC $MAC1: $(neigh_json $VIP6)"
kq_assert_eq "$(neigh_json $VIP6 | jq 'has("router")')" true "h2: $VIP6 taken for a router"
kq_setup ip netns exec "$ns1" sysctl -qw net.ipv6.conf.eth0.forwarding=0

# --- refusals --------------------------------------------------------------------------------

# Loopback has no Ethernet address: nothing true can be announced on it.
kq_assert_rc 1 kq_exec h1 "$GARP_SEND" lo 127.0.0.1
kq_assert_contains "$KQ_ERR" "Operation not supported" "kq-garp-send on lo (ARP)"
kq_assert_rc 1 kq_exec h1 "$GARP_SEND" lo ::1
kq_assert_contains "$KQ_ERR" "Operation not supported" "kq-garp-send on lo (NA)"
# An interface that is down: the send fails, it does not hang.
kq_setup ip -n "$ns1" link add kqd0 type veth peer name kqd1
kq_assert_rc 1 kq_exec h1 "$GARP_SEND" kqd0 $VIP4
kq_assert_contains "$KQ_ERR" "Network is down" "kq-garp-send on a down interface (ARP)"
kq_assert_rc 1 kq_exec h1 "$GARP_SEND" kqd0 $VIP6
# (the kernel has no route to ff02::1 on a link that is down)
kq_assert_contains "$KQ_ERR" "Network is unreachable" "kq-garp-send on a down interface (NA)"

# --- the interface asked for, not the first route to ff02::1 ----------------------------------

# h1 now has two links; kqd0 was made after eth0, so without the interface named in each send
# (sll_ifindex, sin6_scope_id) both packets would leave by eth0.
kq_setup ip -n "$ns1" link set kqd1 up
kq_setup ip -n "$ns1" link set kqd0 up
kq_wait_for "ip -n $ns1 -j addr show dev kqd0 scope link | jq -e '.[0].addr_info | length > 0' >/dev/null" 5 \
	"a link-local address on h1's kqd0"
mac=$(ip -n "$ns1" -j link show kqd0 | jq -r '.[0].address')
MAC_HEX=${mac//:/}
LL_HEX=$(ip6_hex "$(ip -n "$ns1" -j addr show dev kqd0 scope link | jq -r '.[0].addr_info[0].local')")
capture_start other h1 kqd1
kq_assert_rc 0 kq_exec h1 "$GARP_SEND" kqd0 $VIP4
kq_assert_rc 0 kq_exec h1 "$GARP_SEND" kqd0 $VIP6
capture_stop 2
check_frames 1 1 20

echo "PASS: $KQ_TEST_NAME"
