#!/bin/bash
# netns scenario: the quorum across partitions, against an attacker on the wire, and through a
# graceful stop. Three keepquorumd members gate one VIP (quorum = yes); h4 is the attacker. The
# observer samples the members' addresses every few milliseconds and the test fails if the VIP
# is ever on two of them at once.
#  1. an authentic datagram, captured on the wire and sent again from h4: dropped as a replay;
#     the same with its term raised to the far future: dropped (its MAC no longer holds); with
#     a sender the cluster does not know: dropped. Nothing changes on the members.
#  2. the leader partitioned alone (nftables in its namespace, the link stays up): its VIP goes
#     before anyone else's appears; the majority elects a leader that takes it. The cut-off node
#     campaigns in vain without raising its term (pre-vote).
#  3. heal: the returning node follows; no election, the term stays.
#  4. the leader goes deaf (inbound dropped, its heartbeats still leave): no acks, it steps down
#     when its lease ends, the others elect among themselves. Heal.
#  5. SIGTERM of the leader: it hands leadership over before it exits (exit 0); the successor's
#     term is one above (one election, not a race), and the VIP moves (the gap is logged).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
command -v nft >/dev/null 2>&1 || kq_skip "'nft' is not installed (apt-get install nftables)"
kq_lab_create 4
# shellcheck source-path=SCRIPTDIR source=quorum-lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/quorum-lib.sh"
VIP=$QL_VIP
ql_cluster h1 h2 h3
ql_observe
ql_start

L=$(ql_wait_leader 10 h1 h2 h3)
ql_wait_holder "$L" 3
read -ra rest <<<"$(ql_others "$L")"
F=${rest[0]}
term=$(kq_jq "$L" .quorum.term)

# --- 1. replayed and forged datagrams --------------------------------------------------------
kq_capture_start hb "$(kq_ns "$L")" eth0 "udp and src host 10.77.0.${L#h} and dst host 10.77.0.${F#h} and dst port 5405"
kq_wait_for "[[ \$(kq_capture_frames hb | wc -l) -ge 3 ]]" 3 "datagrams from $L to $F captured"
kq_capture_stop hb
# the UDP payload: after Ethernet (14), IPv4 (20) and UDP (8) headers
dgram=$(kq_capture_frames hb | head -n 1 | awk '{ print substr($2, 85) }')
[[ ${dgram:0:4} == 4b51 ]] || kq_fail "the captured datagram is not the quorum's: $dgram"
# send_hex HOST HEX: one datagram from h4 to HOST's quorum port
send_hex() {
	local esc="" i
	for ((i = 0; i < ${#2}; i += 2)); do esc+="\\x${2:i:2}"; done
	# shellcheck disable=SC2059 # the format is the data: \xHH escapes only
	printf "$esc" >"$KQ_DIR/dgram"
	ql_send h4 "$1" "$KQ_DIR/dgram"
}
replays=$(kq_jq "$F" '.quorum.dropped.replay // 0')
macs=$(kq_jq "$F" '.quorum.dropped.mac // 0')
send_hex "$F" "$dgram"
kq_wait_for "[[ \$(kq_jq $F '.quorum.dropped.replay // 0') -gt $replays ]]" 3 \
	"$F: the replayed heartbeat dropped as a replay"
# the term (bytes 4..11) raised to the far future: a takeover attempt without the key
send_hex "$F" "${dgram:0:8}7fffffffffffffff${dgram:24}"
kq_wait_for "[[ \$(kq_jq $F '.quorum.dropped.mac // 0') -gt $macs ]]" 3 \
	"$F: the forged future term dropped for its MAC"
# a sender the cluster does not know: the from name (at byte 48: length, then the name)
flen=$((16#${dgram:96:2}))
forged=${dgram:0:98}$(printf 'x%.0s' $(seq "$flen") | od -An -tx1 | tr -d ' \n')${dgram:$((98 + 2 * flen))}
drops=$(kq_jq "$F" '[.quorum.dropped[]] | add // 0')
send_hex "$F" "$forged"
kq_wait_for "[[ \$(kq_jq $F '[.quorum.dropped[]] | add // 0') -gt $drops ]]" 3 \
	"$F: the datagram from an unknown sender dropped"
sleep 0.5
for h in h1 h2 h3; do
	kq_assert_jq "$h" .quorum.term "$term"
	kq_assert_jq "$h" .quorum.leader "$L"
done
kq_assert_eq "$(kq_vip_holders "$VIP/24" h1 h2 h3)" "$L" "VIP holders after the attack"

# --- 2. the leader partitioned alone ---------------------------------------------------------
ql_partition "$L"
L2=$(ql_wait_leader 10 "${rest[@]}")
ql_wait_holder "$L2" 5
ql_check_never_two
kq_assert_jq "$L" .quorum.has_quorum false
kq_assert_jq "$L" .instances[0].blocked_by no-quorum
term2=$(kq_jq "$L2" .quorum.term)
# cut off for three election timeouts: it campaigns, but only by pre-vote
sleep 6
kq_assert_jq "$L" .quorum.term "$term"
kq_assert_jq "$L" '.quorum.role == "leader"' false
kq_assert_eq "$(kq_vip_holders "$VIP/24" h1 h2 h3)" "$L2" "VIP holders while $L is cut off"

# --- 3. heal ---------------------------------------------------------------------------------
ql_heal "$L"
kq_wait_for "[[ \$(ql_leader $L) == $L2 ]]" 5 "$L follows $L2 after the heal"
sleep 3
for h in h1 h2 h3; do kq_assert_jq "$h" .quorum.term "$term2"; done
kq_assert_jq "$L2" .quorum.role leader
kq_assert_eq "$(kq_vip_holders "$VIP/24" h1 h2 h3)" "$L2" "VIP holders after the heal"
ql_check_never_two

# --- 4. the leader goes deaf -----------------------------------------------------------------
ql_partition "$L2" in
read -ra rest2 <<<"$(ql_others "$L2")"
L3=$(ql_wait_leader 10 "${rest2[@]}")
ql_wait_holder "$L3" 5
kq_wait_for "[[ \$(kq_jq $L2 '.quorum.role == \"leader\"') == false ]]" 5 "$L2 stepped down"
ql_heal "$L2"
kq_wait_for "[[ \$(ql_leader $L2) == $L3 ]]" 5 "$L2 follows $L3 after the heal"
ql_check_never_two

# --- 5. graceful stop: the leader hands over -------------------------------------------------
term3=$(kq_jq "$L3" .quorum.term)
read -ra rest3 <<<"$(ql_others "$L3")"
since=$EPOCHREALTIME
rc=0
kq_stop_daemon "$L3" TERM || rc=$?
kq_assert_eq "$rc" 0 "exit status of $L3 after SIGTERM"
L4=$(ql_wait_leader 5 "${rest3[@]}")
ql_wait_holder "$L4" 5
kq_assert_jq "$L4" .quorum.term "$((term3 + 1))"
ql_check_never_two
gap=$(ql_gap "$since")

kq_log "partitions held: leaders $L -> $L2 (partition) -> $L3 (deaf) -> $L4 (graceful stop, VIP gap ${gap:-none} s); holders: $(ql_holders_log)"
