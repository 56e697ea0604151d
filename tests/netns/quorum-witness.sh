#!/bin/bash
# netns scenario: two database hosts and a witness -- the smallest quorum that survives the loss
# of one member. h1 and h2 gate the VIP (quorum = yes); h3 runs the same keepquorumd with
# witness = yes and no instance: it votes and acknowledges heartbeats, and never leads. The
# observer fails the test if the VIP is ever on h1 and h2 at once.
#  1. election: a leader among h1 and h2; h3's role is witness, it names the same leader.
#  2. kill -9 of the leader: the other data host wins with the witness's vote and takes the VIP.
#  3. the witness partitioned: the leader keeps its lease on the other host's acks alone;
#     nothing moves. Heal.
#  4. the witness down and the follower partitioned: the leader has no majority left, so its
#     lease ends and its VIP goes -- nobody holds it, as no majority exists. Heal, restart the
#     witness: a leader again, the VIP back.
#  5. switchover: to the other data host; a switchover to the witness, asked on the follower, is
#     refused by the leader, and the refusal is the follower's answer.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
command -v nft >/dev/null 2>&1 || kq_skip "'nft' is not installed (apt-get install nftables)"
kq_lab_create 3
# shellcheck source-path=SCRIPTDIR source=quorum-lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/quorum-lib.sh"
VIP=$QL_VIP
ql_cluster h1 h2 -- h3
ql_observe
ql_start

# other DATAHOST: the other one of h1 and h2
other() { if [[ $1 == h1 ]]; then echo h2; else echo h1; fi; }

# --- 1. election -----------------------------------------------------------------------------
L=$(ql_wait_leader 10 h1 h2 h3)
[[ $L == h1 || $L == h2 ]] || kq_fail "the witness leads: $L"
ql_wait_holder "$L" 3
kq_assert_jq h3 .quorum.role witness
kq_assert_jq h3 '.instances | length' 0
kq_assert_jq "$L" '[.quorum.members[] | select(.id == "h3") | .witness] | first' true
kq_assert_jq "$(other "$L")" .instances[0].blocked_by no-quorum

# --- 2. kill -9 of the leader ----------------------------------------------------------------
F=$(other "$L")
term=$(kq_jq "$F" .quorum.term)
kq_stop_daemon "$L" KILL || true
L2=$(ql_wait_leader 10 "$F" h3)
kq_assert_eq "$L2" "$F" "the leader after $L's death"
ql_wait_holder "$F" 5
kq_assert_jq h3 .quorum.role witness
((term < $(kq_jq "$F" .quorum.term))) || kq_fail "no new term after $L's death"
kq_start_daemon "$L" "$KQ_DIR/$L.ini"
kq_wait_ready "$L"
kq_wait_for "[[ \$(ql_leader $L) == $F ]]" 5 "$L follows $F"
ql_check_never_two

# --- 3. the witness partitioned --------------------------------------------------------------
term2=$(kq_jq "$F" .quorum.term)
ql_partition h3
sleep 5
kq_assert_jq "$F" .quorum.role leader
kq_assert_jq "$F" .quorum.has_quorum true
kq_assert_jq "$F" .quorum.term "$term2"
kq_assert_eq "$(kq_vip_holders "$VIP/24" h1 h2)" "$F" "VIP holders with the witness cut off"
ql_heal h3
kq_wait_for "[[ \$(ql_leader h3) == $F ]]" 5 "the witness follows $F again"

# --- 4. no majority left ---------------------------------------------------------------------
kq_stop_daemon h3 TERM
ql_partition "$L"
# a lease lasts at most election_timeout (2 s), the VIP's lifetime less
kq_wait_for "[[ -z \$(kq_vip_holders $VIP/24 h1 h2) ]]" 5 "no VIP holder without a majority"
kq_wait_for "[[ \$(kq_jq $F .quorum.has_quorum) == false ]]" 3 "$F without a quorum"
sleep 3
kq_assert_eq "$(kq_vip_holders "$VIP/24" h1 h2)" "" "VIP holders without a majority"
kq_assert_jq "$F" .instances[0].blocked_by no-quorum
ql_heal "$L"
kq_start_daemon h3 "$KQ_DIR/h3.ini"
kq_wait_ready h3
L3=$(ql_wait_leader 10 h1 h2 h3)
ql_wait_holder "$L3" 5
ql_check_never_two

# --- 5. switchover ---------------------------------------------------------------------------
T=$(other "$L3")
# refused by the leader, asked on the follower: the leader's refusal is its answer, at once
kq_assert_rc 1 timeout 10 "$KEEPQUORUMCTL" -s "$KQ_DIR/$T.sock" switchover --to h3
kq_assert_contains "$KQ_ERR" "witness" "switchover to the witness"
kq_assert_rc 0 kq_ctl "$L3" switchover --to "$T"
kq_assert_eq "$(jq -r .leader <<<"$KQ_OUT")" "$T" "switchover's answer"
ql_wait_holder "$T" 5
kq_assert_eq "$(ql_wait_leader 5 h1 h2 h3)" "$T" "the leader after the switchover"
ql_check_never_two

kq_log "2 + witness held: leaders $L -> $F (kill -9) -> $L3 (after no majority) -> $T (switchover); holders: $(ql_holders_log)"
