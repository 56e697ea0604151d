#!/bin/bash
# netns scenario: the quorum picks the database that is furthest along, not the highest priority.
# Three keepquorumd members (quorum = yes, as quorum-failover.sh) on h1..h3, each with a real
# PostgreSQL server in its namespace, all on one port and listening on the VIP too: db1 the
# primary on h1, db2 and db3 streaming standbys of it on h2 and h3. Each daemon tracks a native
# [pg_check] of its own server (its LSN is the member's fitness: timeline, then LSN, then VRRP
# priority) and runs the shipped pg-promote / pg-demote as script_user postgres. h4 is a client.
# An observer samples the VIP's holders all along: never two at once. Preemption is on
# (keepalived's default).
#  1. The daemons start h1, h2, h3, one after the other: h1 (priority 200, the primary) leads and
#     holds the VIP; every member is healthy. (An idle standby has received all its primary
#     wrote, so its LSN ties with the primary's: the primary still ranks first, or a standby
#     could be elected and promoted beside a live primary.)
#  2. db3's WAL receiver is stopped (primary_conninfo = ''), rows are written on db1 and reach
#     db2 only: h2 is ahead of h3 (the members' LSNs in the status say so), although h3 has the
#     higher priority (150 against 100). h1's daemon is killed (SIGKILL) and db1 crashes
#     (immediate stop). h2 leads, never h3: db2 is promoted and holds the VIP, with the rows;
#     db3 stays in recovery and h3 never holds the VIP -- nor does h2 hand over to h3 by
#     preemption while db3 does not follow db2 (it could never catch up, and db2 would be
#     demoted for nothing).
#  3. A client on h4 writes through the VIP; db3 streams again, from db2 (the new timeline):
#     now it follows, and h2 hands over to h3 by preemption. h3 leads, db3 is promoted and holds
#     the VIP, db2 is fenced (pg-demote stops it), and every write the client saw acknowledged
#     is in db3.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../pg/lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/pg/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
pg_require
[[ $EUID == 0 ]] || kq_skip "the servers run as postgres, the hooks as postgres: root needed"
SCRIPTS="${KQ_SRCDIR:-$(dirname "$0")/../..}/notify/scripts"
[[ -x $SCRIPTS/pg-promote && -x $SCRIPTS/pg-demote ]] || kq_fail "no pg-promote / pg-demote in $SCRIPTS"
kq_lab_create 4
# shellcheck source-path=SCRIPTDIR source=quorum-lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/quorum-lib.sh"
VIP=$QL_VIP

# --- the databases ---------------------------------------------------------------------------
for i in 1 2 3; do pg_netns "db$i" "h$i" "10.77.0.$i"; done
pg_create_primary db1
pg_create_standby db2 db1
pg_create_standby db3 db1
PORT=$(pg_port db1)
# WAL for the standbys to stream: the first message sets what their checks know of their lag
pg_psql db1 "CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE w (seq int PRIMARY KEY)"
kq_wait_for "[[ \$(pg_psql db1 \"SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'\") == 2 ]]" 10 \
	"db2 and db3 streaming from db1"

# --- the cluster -----------------------------------------------------------------------------
# the shipped scripts learn about the local server from a defaults file (PG_SCRIPTS_ENV)
ql_pg_members "$SCRIPTS"
QL_PRIORITY[h1]=200
QL_PRIORITY[h2]=100
QL_PRIORITY[h3]=150
ql_cluster h1 h2 h3
ql_observe
for h in h1 h2 h3; do
	PG_SCRIPTS_ENV=$KQ_DIR/$h.pg.env kq_start_daemon "$h" "$KQ_DIR/$h.ini"
	kq_wait_ready "$h"
done

# in_recovery DB: pg_is_in_recovery() of the server, t or f
in_recovery() {
	pg_psql "$1" "SELECT pg_is_in_recovery()"
}

# member VIEWER ID EXPR: jq EXPR on member ID of VIEWER's status (lsn: the LSN as a number)
member() {
	local json
	json=$(kq_status "$1") || kq_fail "$1: keepquorumctl status --json failed"
	jq -r "$KQ_JQ_DEFS .quorum.members[] | select(.id == \"$2\") | $3" <<<"$json" ||
		kq_fail "$1: jq '$3' on member $2 failed: $json"
}

# --- 1. h1, the primary, leads -----------------------------------------------------------------
kq_log "1. h1 leads, the VIP on h1"
L=$(ql_wait_leader 15 h1 h2 h3)
kq_assert_eq "$L" h1 "the first leader"
ql_wait_holder h1 10
kq_wait_state h1 MASTER 3
kq_assert_jq h1 '.instances[0] | [.db.role, .db.promote.ok] | @tsv' $'primary\ttrue'
kq_wait_for "[[ \$(member h1 h2 .healthy) == true && \$(member h1 h3 .healthy) == true ]]" 5 \
	"h2 and h3 healthy (promotable standbys) in h1's eyes"
for h in h2 h3; do
	kq_assert_jq "$h" .instances[0].state BACKUP
	kq_assert_jq "$h" .instances[0].blocked_by no-quorum
	kq_assert_eq "$(in_recovery "db${h#h}")" t "db${h#h} in recovery"
done
kq_assert_eq "$(member h1 h3 .priority)" 150 "h3's priority in h1's eyes"
kq_assert_eq "$(member h1 h2 .priority)" 100 "h2's priority in h1's eyes"
ql_check_never_two

# --- 2. a standby that is behind never wins ----------------------------------------------------
kq_log "2. db3 falls behind; h1 and db1 die; h2 must win, not h3"
pg_psql db3 "ALTER SYSTEM SET primary_conninfo = ''" >/dev/null
pg_psql db3 "ALTER SYSTEM SET wal_retrieve_retry_interval = '200ms'" >/dev/null
pg_psql db3 "SELECT pg_reload_conf()" >/dev/null
kq_wait_for "[[ \$(pg_psql db3 'SELECT count(*) FROM pg_stat_wal_receiver') == 0 ]]" 10 \
	"db3's WAL receiver stopped"
kq_wait_for "[[ \$(pg_psql db1 'SELECT count(*) FROM pg_stat_replication') == 1 ]]" 10 \
	"db1 streaming to db2 only"
pg_psql db1 "INSERT INTO t SELECT generate_series(1, 1000)"
end=$(pg_psql db1 "SELECT pg_current_wal_lsn()")
kq_wait_for "[[ \$(pg_psql db2 \"SELECT pg_last_wal_replay_lsn() >= '$end'\") == t ]]" 10 \
	"db2 replayed db1's WAL up to $end"
kq_assert_eq "$(pg_psql db2 "SELECT count(*) FROM t")" 1000 "rows in db2"
kq_assert_eq "$(pg_psql db3 "SELECT count(*) FROM t")" 0 "rows in db3"
# what the members tell the leader (followers hear from the leader only): h2 ahead of h3, and
# both eligible (healthy: h3's check still has a lag it last knew, within max_lag)
kq_wait_for "[[ \$(member h1 h2 '.lsn | lsn') -gt \$(member h1 h3 '.lsn | lsn') ]]" 5 \
	"h2's LSN above h3's in h1's eyes"
kq_assert_eq "$(member h1 h2 .healthy)" true "h2 healthy in h1's eyes"
kq_assert_eq "$(member h1 h3 .healthy)" true "h3 healthy in h1's eyes"
kq_log "LSNs in h1's eyes: h2 $(member h1 h2 .lsn), h3 $(member h1 h3 .lsn); db1 at $end"
term=$(kq_jq h2 .quorum.term)
rc=0
kq_stop_daemon h1 KILL || rc=$?
kq_assert_eq "$rc" 137 "h1's daemon killed"
pg_stop db1 immediate
t0=$(kq__now_usec)
L2=$(ql_wait_leader 15 h2 h3)
kq_assert_eq "$L2" h2 "the leader after h1's death"
ql_wait_holder h2 15
t1=$(kq__now_usec)
kq_log "VIP on h2 $(((t1 - t0) / 1000)) ms after db1 stopped"
kq_assert_eq "$(in_recovery db2)" f "db2 out of recovery"
kq_assert_eq "$(in_recovery db3)" t "db3 in recovery"
kq_assert_eq "$(pg_psql db2 "SELECT count(*) FROM t")" 1000 "rows in db2, the new primary"
kq_assert_jq h2 '.instances[0] | [.state, .db.role, .db.promote.ok] | @tsv' $'MASTER\tprimary\ttrue'
kq_assert_jq h3 .instances[0].state BACKUP
((term < $(kq_jq h2 .quorum.term))) || kq_fail "no new term after h1's death"
# the whole time: h3 never held the VIP, never two did
if grep -q ' h3 1$' "$KQ_DIR/samples"; then
	kq_fail "h3 held the VIP: $(ql_holders_log)"
fi
ql_check_never_two
# h3 has the higher priority but does not follow db2: no preemption, for two election timeouts
# and more (h2 knows where it was one election timeout ago once it has led that long)
sleep 6
kq_assert_jq h2 .quorum.role leader
kq_assert_eq "$(kq_vip_holders "$VIP/24" h1 h2 h3)" h2 "VIP holders with db3 behind"
kq_assert_eq "$(in_recovery db2)" f "db2 still the primary"

# --- 3. db3 follows db2: h2 hands over to h3 --------------------------------------------------
kq_log "3. the client writes through the VIP; db3 follows db2; h2 hands over to h3 (preemption)"
pg_writer_start h4 "$VIP" "$PORT" w
kq_wait_for "[[ \$(wc -l <'$KQ_DIR/acked') -ge 10 ]]" 10 "ten writes through the VIP, to db2"
kq_assert_eq "$(kq_vip_holders "$VIP/24" h1 h2 h3)" h2 "VIP holders before db3 follows"
kq_assert_eq "$(pg_psql db3 "SHOW recovery_target_timeline")" latest "db3's recovery_target_timeline"
acked_before=$(wc -l <"$KQ_DIR/acked")
pg_psql db3 "ALTER SYSTEM SET primary_conninfo = 'host=10.77.0.2 port=$PORT user=postgres'" >/dev/null
pg_psql db3 "SELECT pg_reload_conf()" >/dev/null
t0=$(kq__now_usec)
# following db2 within an election timeout or two, then the hand-over (demote, catch-up, vote)
ql_wait_holder h3 30
t1=$(kq__now_usec)
kq_log "preemption: VIP on h3 $(((t1 - t0) / 1000)) ms after db3 was told to follow db2"
kq_assert_eq "$(ql_wait_leader 5 h2 h3)" h3 "the leader after the hand-over"
kq_assert_eq "$(in_recovery db3)" f "db3 out of recovery"
kq_assert_jq h3 '.instances[0] | [.state, .db.role, .db.promote.ok] | @tsv' $'MASTER\tprimary\ttrue'
kq_assert_jq h2 '.instances[0].db.demote.ok' true
if pg_running db2; then
	kq_fail "db2 still runs after its demote (DEMOTE_MODE=stop)"
fi
kq_wait_for "[[ \$(wc -l <'$KQ_DIR/acked') -ge $((acked_before + 10)) ]]" 15 \
	"ten more writes through the VIP, now to db3"
pg_writer_stop
pg_psql db3 "SELECT seq FROM w ORDER BY seq" >"$KQ_DIR/in-db3"
missing=$(comm -23 <(sort "$KQ_DIR/acked") <(sort "$KQ_DIR/in-db3") | tr '\n' ' ')
kq_assert_eq "$missing" "" "acknowledged writes missing from db3 (of $(wc -l <"$KQ_DIR/acked"))"
kq_assert_eq "$(pg_psql db3 "SELECT count(*) FROM t")" 1000 "rows of step 2 in db3"
ql_check_never_two

kq_log "$(wc -l <"$KQ_DIR/acked") writes acknowledged, $(wc -l <"$KQ_DIR/in-db3") rows in db3; holders: $(ql_holders_log)"
echo "PASS: $KQ_TEST_NAME"
