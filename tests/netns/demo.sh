#!/bin/bash
# netns scenario: the README's main job, tools/demo, as a newcomer runs it (but on this build's
# daemons, --builddir, and in a lab of its own: KQDEMO_NAME and KQDEMO_DIR).
#  1. `tools/demo --sync --no-tour` sets up db1..db3 with PostgreSQL, keepquorumd on each and a
#     client writing through the VIP: one leader that every member names, the VIP on db1 only,
#     db1's server a primary and the others standbys in recovery that stream, the client's
#     writes acknowledged and in db1, `tools/demo status` showing it.
#  2. One failover as the tour does it: kill -9 of the leader's daemon and an immediate stop of
#     its PostgreSQL. Another member leads, its server is promoted and holds the VIP, the last
#     standby finds it by itself and streams from it, writes go through again, and no
#     acknowledged write is missing from the new primary (synchronous replication).
#  3. `tools/demo down`: every process it started is gone, its namespaces and files too.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../pg/lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/pg/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
pg_require
[[ $EUID == 0 ]] || kq_skip "the demo runs its servers and hooks as postgres: root needed"
id postgres >/dev/null 2>&1 || kq_skip "no postgres user (apt-get install postgresql)"
DEMO="$KQ_SRCDIR/tools/demo"
export KQDEMO_NAME="kqdt$$" KQDEMO_DIR="/run/kqdt$$"
LAB=$KQDEMO_DIR
PGB=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

demo_down() {
	"$DEMO" down >"$KQ_DIR/down.out" 2>&1 || true
}
KQ_CLEANUP_HOOKS+=(demo_down)
KQ_LOG_GLOBS+=(demo.out)

# sql HOST SQL: a value from HOST's server, empty when it cannot answer
sql() {
	timeout 5 "$PGB/psql" -X -q -At -h "$LAB/pg/$1.sock" -p 5432 -U postgres -d postgres -c "$2" \
		2>/dev/null || true
}
# jqs HOST EXPR: jq -r EXPR on HOST's status
jqs() {
	"$KEEPQUORUMCTL" -s "$LAB/$1.sock" --timeout 2 status --json | jq -r "$2"
}
holders() {
	local h out=""
	for h in db1 db2 db3; do
		ip -n "$KQDEMO_NAME-$h" -o -4 addr show dev eth0 | grep -q ' 10\.0\.0\.100/' && out+="${out:+ }$h"
	done
	echo "$out"
}
acked() { awk '$3 == "ok"' "$LAB/client.log" | wc -l; }
# missing HOST: acknowledged writes that HOST's server does not have (those acknowledged so far
# are read first: one acknowledged after the query is not missing)
missing() {
	local acked
	acked=$(awk '$3 == "ok" { print $2 }' "$LAB/client.log" | sort)
	comm -23 <(echo "$acked") <(sql "$1" "SELECT seq FROM demo" | sort) | grep -c . || true
}

# --- 1. the lab ------------------------------------------------------------------------------
kq_log "1. tools/demo --sync --no-tour"
if ! "$DEMO" --sync --no-tour --builddir "$KQ_BUILDDIR" >"$KQ_DIR/demo.out" 2>&1; then
	kq_fail "tools/demo failed: $(tail -n 30 "$KQ_DIR/demo.out")"
fi
for h in db1 db2 db3 client br; do
	ip netns list | grep -q "^$KQDEMO_NAME-$h\b" || kq_fail "no namespace $KQDEMO_NAME-$h"
done
grep -q '^   \[quorum\]' "$KQ_DIR/demo.out" || kq_fail "the generated config is not shown"
for h in db1 db2 db3; do
	kq_wait_for "[[ \$(jqs $h .quorum.leader) == db1 ]]" 15 "$h names db1 the leader"
done
kq_assert_eq "$(jqs db1 .quorum.role)" leader "db1's role"
kq_assert_eq "$(holders)" db1 "VIP holders"
kq_assert_eq "$(jqs db1 '.instances[0] | [.state, .quorum_gated] | @tsv')" $'MASTER\ttrue' "db1's instance"
kq_assert_eq "$(sql db1 "SELECT pg_is_in_recovery()")" f "db1 in recovery"
for h in db2 db3; do
	kq_assert_eq "$(sql "$h" "SELECT pg_is_in_recovery()")" t "$h in recovery"
	kq_wait_for "[[ \$(sql $h 'SELECT status FROM pg_stat_wal_receiver') == streaming ]]" 15 "$h streaming"
	kq_assert_eq "$(jqs "$h" .instances[0].state)" BACKUP "$h's instance"
done
kq_assert_eq "$(sql db1 "SHOW synchronous_standby_names")" "ANY 1 (*)" "db1's synchronous_standby_names"
n0=$(acked)
kq_wait_for "(( \$(acked) >= $n0 + 10 ))" 10 "ten more writes through the VIP"
kq_assert_eq "$(missing db1)" 0 "acknowledged writes missing from db1"
"$DEMO" status >"$KQ_DIR/status.out" 2>&1 || kq_fail "tools/demo status failed: $(cat "$KQ_DIR/status.out")"
grep -Eq '^db1 +up +leader .* yes +primary ' "$KQ_DIR/status.out" ||
	kq_fail "tools/demo status does not show db1 leading with the VIP: $(cat "$KQ_DIR/status.out")"
grep -Eq '^client +[1-9][0-9.]* writes/s' "$KQ_DIR/status.out" ||
	kq_fail "tools/demo status does not show the writes: $(cat "$KQ_DIR/status.out")"

# --- 2. one failover ---------------------------------------------------------------------------
kq_log "2. kill -9 of db1's daemon, an immediate stop of its PostgreSQL"
pid=$(cat "$LAB/db1.pid")
kill -KILL "$pid"
ip netns exec "$KQDEMO_NAME-db1" runuser -u postgres -- "$PGB/pg_ctl" -D "$LAB/pg/db1" -m immediate \
	-w stop >/dev/null
t0=$(kq__now_usec)
kq_wait_for "[[ \$(holders) == db2 ]]" 30 "the VIP on db2 (priority 140, before db3's 130)"
t1=$(kq__now_usec)
kq_log "the VIP on db2 $(((t1 - t0) / 1000)) ms after the kill"
kq_assert_eq "$(jqs db2 .quorum.role)" leader "db2's role"
kq_assert_eq "$(sql db2 "SELECT pg_is_in_recovery()")" f "db2 in recovery"
kq_assert_eq "$(jqs db2 '.instances[0].db.promote.ok')" true "db2's promote hook"
kq_wait_for "[[ \$(sql db3 'SELECT status FROM pg_stat_wal_receiver') == streaming ]]" 30 \
	"db3 streaming from db2, the new primary"
kq_assert_eq "$(sql db3 "SELECT received_tli FROM pg_stat_wal_receiver")" 2 "db3's timeline"
n1=$(acked)
kq_wait_for "(( \$(acked) >= $n1 + 10 ))" 20 "ten writes through the VIP to db2"
kq_assert_eq "$(missing db2)" 0 "acknowledged writes missing from db2 (of $(acked))"

# --- 3. down -----------------------------------------------------------------------------------
kq_log "3. tools/demo down"
pids=$(cat "$LAB"/db2.pid "$LAB"/db3.pid "$LAB"/client.pid)
pms=$(head -q -n 1 "$LAB"/pg/db2/postmaster.pid "$LAB"/pg/db3/postmaster.pid)
"$DEMO" down >"$KQ_DIR/down.out" 2>&1 || kq_fail "tools/demo down failed: $(cat "$KQ_DIR/down.out")"
for p in $pids $pms; do
	if kill -0 "$p" 2>/dev/null; then
		kq_fail "pid $p ($(cat "/proc/$p/comm" 2>/dev/null)) still runs after tools/demo down"
	fi
done
if ip netns list | grep -q "^$KQDEMO_NAME-"; then
	kq_fail "namespaces left after tools/demo down: $(ip netns list | grep "^$KQDEMO_NAME-")"
fi
[[ ! -e $LAB ]] || kq_fail "$LAB left after tools/demo down"
echo "PASS: $KQ_TEST_NAME"
