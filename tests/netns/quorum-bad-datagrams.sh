#!/bin/bash
# netns scenario: quorum datagrams that are wrong -- replayed, tampered, signed with another key,
# cut at every length, too long, from a node that is not a member in a term far ahead, naming us
# as the sender, addressed to another member -- and a flood at line rate, sent from h4 (no
# daemon) with kq-quorum-send to the leader and a follower of a cluster of h1, h2, h3:
#  1. each is dropped under its reason (.quorum.dropped in status, exactly as many as sent),
#     and nothing moves: no member's term changes, the leader keeps its lease and the VIP, the
#     observer never sees two holders. A datagram signed with the cluster key from a member
#     that is not one ("node-h9", term +1000) is the strongest of them: authentic, still dropped.
#     The replay has its control: a heartbeat of the leader's kept from the follower (dropped
#     by nftables on its way in, after tcpdump saw it) is sent once by h4 and taken -- no drop,
#     the source address is no credential -- then again, and dropped as replay.
#  2. A flood of 10 s at the leader, as fast as h4 can send (bad MACs: what anyone without the
#     key can do): the leader answers status all along (each within keepquorumctl's timeout),
#     keeps its lease, its term and the VIP; the followers never start an election.
set -euo pipefail
# many cases, each asking the daemons several times (common.sh gives 2.5 times that under ASan)
KQ_DEFAULT_TIMEOUT=150
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
SEND=${KQ_BUILDDIR:-.}/tests/netns/kq-quorum-send
[[ -x $SEND ]] || kq_fail "$SEND is not built (make check builds it)"
kq_lab_create 4
# shellcheck source-path=SCRIPTDIR source=quorum-lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/quorum-lib.sh"
VIP=$QL_VIP
ql_cluster h1 h2 h3
ql_observe
ql_start
L=$(ql_wait_leader 10 h1 h2 h3)
ql_wait_holder "$L" 5
read -r F _ <<<"$(ql_others "$L")"
term=$(kq_jq "$L" .quorum.term)
echo "leader $L, follower $F, term $term"

# a heartbeat from L to F, as seen on the wire but kept from F's daemon: its UDP payload in
# $KQ_DIR/hb (tcpdump sees a frame before nftables' input hook drops it)
command -v nft >/dev/null 2>&1 || kq_skip "'nft' is not installed (apt-get install nftables)"
nsf=$(kq_ns "$F")
kq_capture_start hb "$nsf" eth0 "udp and src host 10.77.0.${L#h} and dst port 5405"
kq_setup ip netns exec "$nsf" nft add table inet kqhb
kq_setup ip netns exec "$nsf" nft add chain inet kqhb in \
	'{ type filter hook input priority -300 ; policy accept ; }'
kq_setup ip netns exec "$nsf" nft add rule inet kqhb in ip saddr "10.77.0.${L#h}" udp dport 5405 drop
sleep 0.4
kq_capture_stop hb
kq_setup ip netns exec "$nsf" nft delete table inet kqhb
# the last heartbeat (type byte 3: 5); the payload after 14 + 20 + 8 bytes of headers
hex=$(kq_capture_frames hb | awk '{ p = substr($2, 85); if (substr(p, 7, 2) == "05") hb = p }
	END { print hb }')
[[ -n $hex ]] || kq_fail "no heartbeat from $L to $F in the capture: $(kq_capture_decoded hb | head -5)"
perl -e 'print pack("H*", $ARGV[0])' "$hex" >"$KQ_DIR/hb"   # (perl-base is Essential)
HBLEN=$(stat -c %s "$KQ_DIR/hb")
echo "captured a heartbeat of $HBLEN bytes"

# qsend TO ARGS...: kq-quorum-send from h4 to member TO's quorum port
qsend() {
	local to=$1
	shift
	kq_exec h4 "$SEND" "$@" "10.77.0.${to#h}" 5405 >"$KQ_DIR/qsend.out" ||
		kq_fail "kq-quorum-send $* failed"
}
drops() { kq_jq "$1" '.quorum.dropped'; }
drop_count() { jq -r ".${2} // 0" <<<"$1"; }
drop_total() { jq -r '[.[]] | add // 0' <<<"$1"; }

# nothing_moved: every member's term is still $term, L leads with a lease, the VIP on L alone
nothing_moved() {
	local h
	for h in h1 h2 h3; do
		[[ $(kq_jq "$h" .quorum.term) == "$term" ]] ||
			kq_fail "$h's term moved: $(kq_jq "$h" .quorum.term), was $term"
		[[ $(ql_leader "$h") == "$L" ]] || kq_fail "$h follows '$(ql_leader "$h")', not $L"
	done
	kq_assert_jq "$L" '.quorum.role + " " + (.quorum.has_quorum | tostring)' "leader true"
	[[ $(kq_vip_holders "$VIP/24" h1 h2 h3) == "$L" ]] ||
		kq_fail "the VIP is on '$(kq_vip_holders "$VIP/24" h1 h2 h3)', not $L alone"
	ql_check_never_two
}

# case NAME TO REASON COUNT ARGS...: COUNT datagrams of ARGS to TO are dropped as REASON, and
# only as that
case_() {
	local name=$1 to=$2 reason=$3 n=$4 before after want
	shift 4
	before=$(drops "$to")
	qsend "$to" -n "$n" "$@"
	want=$(($(drop_count "$before" "$reason") + n))
	kq_poll "(( \$(drop_count \"\$(drops $to)\" $reason) >= $want ))" 3 ||
		kq_fail "$name: $to counted $(drop_count "$(drops "$to")" "$reason") $reason drops, expected $want: $(drops "$to" | jq -c .)"
	sleep 0.2
	after=$(drops "$to")
	(($(drop_total "$after") == $(drop_total "$before") + n)) ||
		kq_fail "$name: $((\
			$(drop_total "$after") - $(drop_total "$before"))) drops for $n datagrams: $(jq -c . <<<"$after")"
	nothing_moved
	echo "ok: $name: $n dropped as $reason by $to"
}

# --- 1. one fault at a time ----------------------------------------------------------------
# the control first: the heartbeat F never saw, within its window of 64 sequence numbers, is
# taken from h4's address
before=$(drops "$F")
qsend "$F" -r "$KQ_DIR/hb"
sleep 0.3
[[ $(drop_total "$(drops "$F")") == "$(drop_total "$before")" ]] ||
	kq_fail "the leader's heartbeat, never delivered, was dropped: $(drops "$F" | jq -c .)"
echo "ok: the leader's heartbeat that $F never saw is taken, from any address"
case_ "the heartbeat replayed" "$F" replay 5 -r "$KQ_DIR/hb"
case_ "the heartbeat sent to its sender" "$L" unknown_sender 3 -r "$KQ_DIR/hb"
case_ "its MAC's last byte flipped" "$F" mac 5 -r "$KQ_DIR/hb" -x $((HBLEN - 1))
case_ "its term flipped" "$F" mac 5 -r "$KQ_DIR/hb" -x 11
case_ "its sequence number flipped" "$F" mac 5 -r "$KQ_DIR/hb" -x 19
case_ "its magic" "$F" magic 3 -r "$KQ_DIR/hb" -x 0
case_ "its version" "$F" version 3 -r "$KQ_DIR/hb" -x 2
case_ "zeros after it" "$F" malformed 3 -r "$KQ_DIR/hb" -L $((HBLEN + 10))
case_ "too long for any datagram" "$F" malformed 3 -r "$KQ_DIR/hb" -L 2000
head -c 32 /dev/urandom | base64 >"$KQ_DIR/other.key"
case_ "signed with another key" "$F" mac 5 -k "$KQ_DIR/other.key" -f "$L" -o "$F" -T "$term"
case_ "a non-member, term +1000, signed with the cluster key" "$F" unknown_sender 5 \
	-k "$QL_KEY" -f node-h9 -o "$F" -T $((term + 1000)) -t vote_req
case_ "a non-member's pre-vote to the leader" "$L" unknown_sender 5 \
	-k "$QL_KEY" -f h9 -o "$L" -T $((term + 1000)) -t prevote_req
case_ "claiming to be the receiver" "$F" unknown_sender 5 -k "$QL_KEY" -f "$F" -o "$F" -T "$term"
case_ "addressed to another member" "$F" not_for_us 5 -k "$QL_KEY" -f "$L" -o h9 -T "$term"
# cut at every length: each dropped (short, magic or version by where the cut falls)
before=$(drops "$F")
qsend "$F" -r "$KQ_DIR/hb" -C
kq_poll "(( \$(drop_total \"\$(drops $F)\") >= $(drop_total "$before") + HBLEN ))" 3 ||
	kq_fail "cut heartbeats: $(($(drop_total "$(drops "$F")") - $(drop_total "$before"))) of $HBLEN dropped"
sleep 0.2
(($(drop_total "$(drops "$F")") == $(drop_total "$before") + HBLEN)) ||
	kq_fail "cut heartbeats: more drops than datagrams: $(drops "$F" | jq -c .)"
nothing_moved
echo "ok: the heartbeat cut at 0..$((HBLEN - 1)) bytes: all $HBLEN dropped ($(drops "$F" | jq -c .))"

# --- 2. a flood at line rate ---------------------------------------------------------------
before=$(drops "$L")
kq_exec h4 "$SEND" -r "$KQ_DIR/hb" -x $((HBLEN - 1)) -d 10 "10.77.0.${L#h}" 5405 \
	>"$KQ_DIR/flood.out" 2>&1 &
flood=$!
KQ_PIDS+=("$flood")
sleep 0.5
asked=0
while kill -0 "$flood" 2>/dev/null; do
	kq_assert_rc 0 "$KEEPQUORUMCTL" -s "$KQ_DIR/$L.sock" --timeout 2 status --json >/dev/null
	asked=$((asked + 1))
	sleep 0.2
done
wait "$flood" || kq_fail "the flood's sender failed: $(cat "$KQ_DIR/flood.out")"
sent=$(awk '/^sent/ { print $2 }' "$KQ_DIR/flood.out")
sleep 0.5
got=$(($(drop_count "$(drops "$L")" mac) - $(drop_count "$before" mac)))
nothing_moved
for h in h1 h2 h3; do
	[[ $h == "$L" ]] && continue
	kq_assert_jq "$h" .quorum.role follower
done
echo "ok: a flood of $sent datagrams in 10 s at $L ($((sent / 10))/s): $got dropped as mac (the" \
	"rest lost by the kernel), status answered $asked times, nothing moved"
(( got > 0 )) || kq_fail "the flood reached nothing: $got drops of $sent sent"
echo "PASS: $KQ_TEST_NAME"
