#!/bin/bash
# netns scenario: three keepquorumd members with a quorum gate one VIP (quorum = yes). An observer
# samples the three hosts' addresses every few milliseconds for the whole run and the test fails
# if the VIP is ever on two of them at once.
#  1. election: one leader, its instance MASTER with the VIP (a kernel lifetime on it), the
#     others BACKUP blocked by "no-quorum", all agreeing on term and leader.
#  2. kill -9 of the leader: nobody removes its VIP, the kernel does (its lifetime runs out), and
#     a new leader takes the VIP over.
#  3. the killed node restarts: it follows the new leader; no election, the term stays (pre-vote
#     and the lease keep a returning node from disrupting).
#  4. SIGSTOP of the leader: its VIP vanishes while it is frozen, a new leader takes over; SIGCONT:
#     it steps down without ever holding the VIP again.
#  5. datagrams from outside the cluster (garbage, another protocol version): dropped and
#     counted, nothing changes.
#  6. switchover: asked on a follower (forwarded to the leader), answered with the new leader once
#     it is elected; the VIP moves with it. A switchover to no member, or to the leader itself,
#     is refused at once (exit 1).
#  7. pause: cluster-wide (every member learns it); a switchover is refused while paused, and the
#     death of the leader makes no new one; resume, and a leader is elected.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 4
# shellcheck source-path=SCRIPTDIR source=quorum-lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/quorum-lib.sh"
VIP=$QL_VIP
ql_cluster h1 h2 h3
ql_observe
ql_start

# --- 1. election -----------------------------------------------------------------------------
L=$(ql_wait_leader 10 h1 h2 h3)
kq_wait_state "$L" MASTER 3
kq_wait_for "[[ \$(kq_vip_holders $VIP/24 h1 h2 h3) == $L ]]" 3 "the VIP on the leader $L only"
term=$(kq_jq "$L" .quorum.term)
for h in h1 h2 h3; do
	kq_assert_jq "$h" .quorum.term "$term"
	[[ $h == "$L" ]] && continue
	kq_assert_jq "$h" .quorum.role follower
	kq_assert_jq "$h" .instances[0].state BACKUP
	kq_assert_jq "$h" .instances[0].blocked_by no-quorum
done
kq_assert_jq "$L" .quorum.fencing kernel-lifetime
# metrics agree with status: the leader's instance MASTER (2), a follower's BACKUP (1)
for h in h1 h2 h3; do
	kq_assert_rc 0 kq_ctl "$h" metrics
	if [[ $h == "$L" ]]; then
		want_state=2 want_leader=1
	else
		want_state=1 want_leader=0
	fi
	kq_assert_contains "$KQ_OUT" $'\nkeepquorum_vrrp_state{instance="vi_51"} '"$want_state"$'\n' "$h's metrics"
	kq_assert_contains "$KQ_OUT" $'\nkeepquorum_quorum_is_leader '"$want_leader"$'\n' "$h's metrics"
	kq_assert_contains "$KQ_OUT" $'\nkeepquorum_quorum_has_quorum 1\n' "$h's metrics"
	kq_assert_contains "$KQ_OUT" $'\nkeepquorum_quorum_term '"$term"$'\n' "$h's metrics"
done
kq_assert_jq "$L" '.quorum.members | length' 2
kq_assert_jq "$L" '[.quorum.members[] | .reachable] | all' true
# the VIP's lifetime is finite: the kernel drops it if nobody renews it
lft=$(ip -n "$(kq_ns "$L")" -j addr show dev eth0 | jq -r ".[].addr_info[] | select(.local == \"$VIP\") | .valid_life_time")
if ! [[ $lft =~ ^[0-9]+$ ]] || ((lft > 2)); then
	kq_fail "the leader's VIP has no short finite lifetime (valid_lft '$lft'): $(ip -n "$(kq_ns "$L")" addr show dev eth0)"
fi

# --- 2. kill -9 of the leader ----------------------------------------------------------------
rest=()
for h in h1 h2 h3; do [[ $h == "$L" ]] || rest+=("$h"); done
rc=0
kq_stop_daemon "$L" KILL || rc=$?
kq_assert_eq "$rc" 137 "exit status of $L after SIGKILL"
# nobody removes it: the kernel does, when its lifetime runs out (at most ~1.5 s)
kq_wait_for "! kq_has_addr $L $VIP/24" 3 "$L's VIP gone by its lifetime after SIGKILL"
L2=$(ql_wait_leader 10 "${rest[@]}")
kq_wait_for "[[ \$(kq_vip_holders $VIP/24 h1 h2 h3) == $L2 ]]" 5 "the VIP on the new leader $L2"
term2=$(kq_jq "$L2" .quorum.term)
((term2 > term)) || kq_fail "the new leader's term $term2 is not above $term"
ql_check_never_two

# --- 3. the killed node returns --------------------------------------------------------------
kq_start_daemon "$L" "$KQ_DIR/$L.ini"
kq_wait_ready "$L"
kq_wait_for "[[ \$(ql_leader $L) == $L2 ]]" 5 "$L follows $L2"
sleep 3
kq_assert_jq "$L2" .quorum.term "$term2"
kq_assert_jq "$L2" .quorum.role leader
kq_assert_jq "$L" .instances[0].state BACKUP
ql_check_never_two

# --- 4. SIGSTOP of the leader ----------------------------------------------------------------
kq_signal "$L2" STOP
kq_wait_for "! kq_has_addr $L2 $VIP/24" 3 "$L2's VIP gone by its lifetime while frozen"
others=()
for h in h1 h2 h3; do [[ $h == "$L2" ]] || others+=("$h"); done
L3=$(ql_wait_leader 10 "${others[@]}")
kq_wait_for "[[ \$(kq_vip_holders $VIP/24 h1 h2 h3) == $L3 ]]" 5 "the VIP on $L3"
kq_signal "$L2" CONT
kq_wait_for "[[ \$(kq_jq $L2 .quorum.role) == follower && \$(ql_leader $L2) == $L3 ]]" 5 \
	"$L2 thawed follows $L3"
kq_assert_jq "$L2" .instances[0].state BACKUP
sleep 1
kq_assert_eq "$(kq_vip_holders "$VIP/24" h1 h2 h3)" "$L3" "VIP holders after the thaw"
ql_check_never_two

# --- 5. datagrams from outside the cluster ---------------------------------------------------
term3=$(kq_jq "$L3" .quorum.term)
printf 'garbage' >"$KQ_DIR/d1"
printf 'KQ\001\005%0100d' 0 >"$KQ_DIR/d2"
printf 'KQ\002\005%0100d' 0 >"$KQ_DIR/d3"
for d in d1 d2 d3; do ql_send h4 "$L3" "$KQ_DIR/$d"; done
kq_wait_for "[[ \$(kq_jq $L3 '.quorum.dropped.magic // 0') -ge 1 ]]" 3 "$L3: a datagram dropped as magic"
kq_wait_for "[[ \$(kq_jq $L3 '.quorum.dropped.version // 0') -ge 1 ]]" 3 "$L3: a datagram dropped as version"
kq_assert_jq "$L3" '(.quorum.dropped.mac // 0) + (.quorum.dropped.short // 0) + (.quorum.dropped.malformed // 0) >= 1' true
kq_assert_jq "$L3" .quorum.term "$term3"
kq_assert_jq "$L3" .quorum.role leader
ql_check_never_two
# --- 6. switchover ---------------------------------------------------------------------------
F=""
for h in h1 h2 h3; do [[ $h == "$L3" ]] || F=$h; done
kq_assert_rc 0 kq_ctl "$F" switchover --to "$F"
kq_assert_eq "$(jq -r .leader <<<"$KQ_OUT")" "$F" "switchover's answer"
kq_wait_for "[[ \$(kq_vip_holders $VIP/24 h1 h2 h3) == $F ]]" 5 "the VIP on $F after the switchover"
kq_assert_eq "$(ql_wait_leader 5 h1 h2 h3)" "$F" "the leader after the switchover"
kq_assert_rc 1 kq_ctl "$F" switchover --to nosuchnode
kq_assert_contains "$KQ_ERR" "no member of that name" "switchover to an unknown member"
# refused by the core at once, on the leader itself: answered, not left waiting
kq_assert_rc 1 timeout 20 "$KEEPQUORUMCTL" -s "$KQ_DIR/$F.sock" switchover --to "$F"
kq_assert_contains "$KQ_ERR" "already the leader" "switchover to the leader"
ql_check_never_two

# --- 7. pause --------------------------------------------------------------------------------
kq_assert_rc 0 kq_ctl "$L3" pause
kq_wait_for "[[ \$(kq_jq h1 .paused) == true && \$(kq_jq h2 .paused) == true && \$(kq_jq h3 .paused) == true ]]" 3 \
	"every member paused"
kq_assert_jq "$F" .quorum.role leader
kq_assert_eq "$(kq_vip_holders "$VIP/24" h1 h2 h3)" "$F" "VIP holders while paused"
# a paused successor would not campaign: refused rather than left leaderless
kq_assert_rc 1 timeout 20 "$KEEPQUORUMCTL" -s "$KQ_DIR/$F.sock" switchover
kq_assert_contains "$KQ_ERR" "paused" "switchover while paused"
# asked on a follower: passed on, refused by the leader, and that refusal is the answer
kq_assert_rc 1 timeout 10 "$KEEPQUORUMCTL" -s "$KQ_DIR/$L3.sock" switchover
kq_assert_contains "$KQ_ERR" "paused" "switchover while paused, asked on a follower"
kq_assert_jq "$F" .quorum.role leader
rest=()
for h in h1 h2 h3; do [[ $h == "$F" ]] || rest+=("$h"); done
rc=0
kq_stop_daemon "$F" KILL || rc=$?
kq_wait_for "[[ -z \$(kq_vip_holders $VIP/24 h1 h2 h3) ]]" 3 "the dead leader's VIP gone"
# paused: three election timeouts and no election
sleep 6
for h in "${rest[@]}"; do
	kq_assert_jq "$h" .quorum.role follower
	kq_assert_jq "$h" .quorum.leader null
	kq_assert_jq "$h" .instances[0].blocked_by paused
done
kq_assert_eq "$(kq_vip_holders "$VIP/24" h1 h2 h3)" "" "VIP holders while paused without a leader"
kq_assert_rc 0 kq_ctl "${rest[0]}" resume
L4=$(ql_wait_leader 10 "${rest[@]}")
kq_wait_for "[[ \$(kq_vip_holders $VIP/24 h1 h2 h3) == $L4 ]]" 5 "the VIP on $L4 after resume"
ql_check_never_two

kq_log "failover held: leaders $L -> $L2 -> $L3 -> $F (switchover) -> $L4 (after resume); holders: $(ql_holders_log)"
