#!/bin/bash
# tests/pg/pg-scripts.sh: the PostgreSQL scripts of notify/scripts (pg-promote, pg-demote,
# pg-rejoin, check-pg) against real servers, run as the servers' user as keepquorumd runs hooks
# (script_user = postgres), with their settings in the environment and, once, in a defaults
# file. What is asserted is what the servers do (pg_is_in_recovery(), rows, running or not), the
# scripts' exit codes, and their first line.
#
# A primary p and two standbys s1, s2: check-pg on each (role, lag with replay paused); pg-demote
# on a standby does nothing; s1 promoted through SQL, s2 through pg_ctl; p, which took a write
# after the fork, fenced by pg-demote (stop), then rejoined to s1 with pg-rejoin (pg_rewind: the
# lost write is gone, s1's writes stream in); s2 fenced read-only (a session in a transaction is
# terminated, writes refused) and made writable again by pg-promote; s1 stopped (immediate)
# through a defaults file; broken defaults files refused with FILE:LINE and exit 2.
# shellcheck disable=SC2016 # kq_wait_for evals its first argument: single quotes on purpose
set -euo pipefail
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/pg/lib.sh"

SCRIPTS=$(cd "${KQ_SRCDIR:-$(dirname "$0")/../..}/notify/scripts" && pwd)

pg_require

# pgs NAME [VAR=VALUE...] SCRIPT [ARGS...]: run a script as the servers' user, its settings for
# server NAME in the environment (no defaults file), as kq_run (KQ_RC, KQ_OUT, KQ_ERR).
pgs() {
	local name=$1
	shift
	pgs_file "$KQ_DIR/none.env" PGDATA="$KQ_PG_RUN/$name" PGHOST="$(pg_sockdir "$name")" \
		PGPORT="$(pg_port "$name")" PGUSER=postgres PG_BINDIR="$KQ_PG_BINDIR" "$@"
}

# pgs_file FILE [VAR=VALUE...] SCRIPT [ARGS...]: the same with only a defaults file.
pgs_file() {
	local file=$1 env=()
	shift
	while [[ $1 == *=* ]]; do
		env+=("$1")
		shift
	done
	local script=$1
	shift
	kq_run pg__as env PG_SCRIPTS_ENV="$file" TMPDIR="$KQ_PG_RUN" "${env[@]}" \
		"$SCRIPTS/$script" "$@"
}

# expect RC WHAT: the last run exited RC.
expect() {
	[[ $KQ_RC == "$1" ]] ||
		kq_fail "$2: exit $KQ_RC, expected $1"$'\n'"stdout: $KQ_OUT"$'\n'"stderr: $KQ_ERR"
}

# first_line: the first line of the last run's output (stdout, else stderr).
first_line() {
	local s=${KQ_OUT:-$KQ_ERR}
	echo "${s%%$'\n'*}"
}

# expect_line REGEX WHAT: the first line matches.
expect_line() {
	local l
	l=$(first_line)
	[[ $l =~ $1 ]] || kq_fail "$2: first line '$l' does not match '$1' (stderr: $KQ_ERR)"
}

recovery() {
	pg_psql "$1" "SELECT pg_is_in_recovery()"
}

# psql_raw NAME SQL: as pg_psql, but as kq_run: a failure is a result.
psql_raw() {
	kq_run "$KQ_PG_BINDIR/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$KQ_PG_RUN" \
		-p "$(pg_port "$1")" -U postgres -d postgres -c "$2"
}

start=$(kq__now_usec)
pg_create_primary p
# pg_rewind reads p's WAL back to the last checkpoint before the fork: its shutdown checkpoint
# must not recycle it (in production: max_wal_size, wal_keep_size or restore_command).
pg_psql p "ALTER SYSTEM SET wal_keep_size = '256MB'"
pg_psql p "SELECT pg_reload_conf()" >/dev/null
pg_create_standby s1 p
pg_create_standby s2 p
pg_psql p "CREATE TABLE t (i int PRIMARY KEY, src text)"
pg_psql p "INSERT INTO t VALUES (1, 'p')"
kq_wait_for '[[ $(pg_psql s1 "SELECT count(*) FROM t") == 1 && $(pg_psql s2 "SELECT count(*) FROM t") == 1 ]]' 10 \
	"the first row on both standbys"

kq_log "1. --help and usage errors"
for s in pg-promote pg-demote pg-rejoin check-pg; do
	kq_run "$SCRIPTS/$s" --help
	expect 0 "$s --help"
	kq_assert_contains "$KQ_OUT" "Exit codes" "$s --help"
	kq_assert_contains "$KQ_OUT" "PG_SCRIPTS_ENV" "$s --help"
done
kq_assert_contains "$("$SCRIPTS/pg-demote" --help)" "soft fence" "pg-demote --help"
kq_assert_contains "$("$SCRIPTS/pg-rejoin" --help)" "wal_log_hints" "pg-rejoin --help"
pgs p check-pg --bogus
expect 2 "check-pg --bogus"
pgs p check-pg --primary --standby
expect 2 "check-pg --primary --standby"
pgs p check-pg --max-lag lots
expect 2 "check-pg --max-lag lots"
pgs p pg-promote extra
expect 2 "pg-promote extra"

kq_log "2. check-pg on the primary and a standby"
pgs p check-pg
expect 0 "check-pg on p"
expect_line '^primary, lsn [0-9A-F]+/[0-9A-F]+, timeline 1$' "check-pg on p"
pgs p check-pg --primary
expect 0 "check-pg --primary on p"
# keepalived runs its scripts with umask 0177, which would close the scripts' own temp dir
# (mktemp -d, 0700) to them
SCRIPTS_REAL=$SCRIPTS
SCRIPTS=$KQ_PG_RUN/umask
mkdir -p "$SCRIPTS"
printf '#!/bin/sh\numask 0177\nexec "%s/check-pg" "$@"\n' "$SCRIPTS_REAL" >"$SCRIPTS/check-pg"
chmod 0755 "$SCRIPTS" "$SCRIPTS/check-pg"
pgs p check-pg --primary
expect 0 "check-pg --primary on p under keepalived's umask 0177"
SCRIPTS=$SCRIPTS_REAL
pgs p check-pg --standby
expect 1 "check-pg --standby on p"
expect_line '^primary, .*: not a standby' "check-pg --standby on p"
pgs p check-pg --primary --max-lag 0
expect 0 "check-pg --primary --max-lag 0 on p (no lag on a primary)"
pgs s1 check-pg --standby --max-lag 0
expect 0 "check-pg --standby --max-lag 0 on s1"
expect_line '^standby, replay [0-9A-F]+/[0-9A-F]+, receive [0-9A-F]+/[0-9A-F]+, lag 0 bytes, streaming$' \
	"check-pg on s1"
pgs s1 check-pg --primary
expect 1 "check-pg --primary on s1"
expect_line '^standby, .*: not a primary' "check-pg --primary on s1"

# Replay paused: the standby receives but does not replay, the lag grows.
pg_psql s1 "SELECT pg_wal_replay_pause()" >/dev/null
pg_psql p "INSERT INTO t SELECT g, 'pad' FROM generate_series(1000, 1999) g"
kq_wait_for '[[ $(pg_psql s1 "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) > 0") == t ]]' \
	10 "a lag on s1 with replay paused"
pgs s1 check-pg --standby --max-lag 10
expect 1 "check-pg --max-lag 10 on s1, replay paused"
expect_line '^standby, .*lag [0-9]+ bytes, streaming, over --max-lag 10$' "check-pg --max-lag 10 on s1"
pgs s1 check-pg --standby --max-lag 100000000
expect 0 "check-pg --max-lag 100000000 on s1, replay paused"
pg_psql s1 "SELECT pg_wal_replay_resume()" >/dev/null
pg_psql p "DELETE FROM t WHERE i >= 1000"
kq_wait_for '[[ $(pg_psql s1 "SELECT count(*) FROM t") == 1 && $(pg_psql s2 "SELECT count(*) FROM t") == 1 ]]' 10 \
	"the standbys caught up"

kq_log "3. settings from a defaults file; the environment wins over it"
cat >"$KQ_DIR/s1.env" <<EOF
# s1, a standby

PGHOST="$KQ_PG_RUN"
  PGPORT = '$(pg_port s1)'
PGUSER=postgres
PG_BINDIR=$KQ_PG_BINDIR
CONNECT_TIMEOUT=2
EOF
pgs_file "$KQ_DIR/s1.env" check-pg --standby
expect 0 "check-pg --standby with s1.env"
expect_line '^standby, ' "check-pg with s1.env"
pgs_file "$KQ_DIR/s1.env" PGPORT="$(pg_port p)" check-pg --primary
expect 0 "check-pg --primary with s1.env and PGPORT of p in the environment"
expect_line '^primary, ' "check-pg with s1.env, PGPORT=p"

kq_log "4. broken defaults files: exit 2, FILE:LINE, nothing done"
printf '# s1\nPGPORT=%s\nPGPASSWORD=secret\n' "$(pg_port s1)" >"$KQ_DIR/unknown.env"
for s in pg-promote check-pg pg-demote; do
	pgs_file "$KQ_DIR/unknown.env" PGDATA="$KQ_PG_RUN/s1" PGHOST="$KQ_PG_RUN" "$s"
	expect 2 "$s with an unknown key"
	kq_assert_contains "$KQ_ERR" "$KQ_DIR/unknown.env:3: unknown key 'PGPASSWORD'" "$s with an unknown key"
done
printf 'PGHOST=%s\nthis is not a setting\n' "$KQ_PG_RUN" >"$KQ_DIR/malformed.env"
pgs_file "$KQ_DIR/malformed.env" check-pg
expect 2 "a malformed line"
kq_assert_contains "$KQ_ERR" "$KQ_DIR/malformed.env:2: not a KEY=VALUE line" "a malformed line"
printf 'PROMOTE_METHOD="magic\n' >"$KQ_DIR/quote.env"
pgs_file "$KQ_DIR/quote.env" check-pg
expect 2 "an unbalanced quote"
kq_assert_contains "$KQ_ERR" "$KQ_DIR/quote.env:1: PROMOTE_METHOD: unbalanced double quotes" "an unbalanced quote"
printf '\nPROMOTE_WAIT=20\nPROMOTE_METHOD=magic\n' >"$KQ_DIR/value.env"
pgs_file "$KQ_DIR/value.env" PGDATA="$KQ_PG_RUN/s1" PGHOST="$KQ_PG_RUN" PGPORT="$(pg_port s1)" pg-promote
expect 2 "PROMOTE_METHOD=magic"
kq_assert_contains "$KQ_ERR" "$KQ_DIR/value.env:3: PROMOTE_METHOD='magic': must be one of: sql pg_ctl" \
	"PROMOTE_METHOD=magic"
if [[ -n $KQ_PG_USER ]]; then
	cp "$KQ_DIR/s1.env" "$KQ_DIR/private.env"
	chmod 600 "$KQ_DIR/private.env"    # root's: the servers' user cannot read it
	pgs_file "$KQ_DIR/private.env" check-pg
	expect 2 "an unreadable defaults file"
	kq_assert_contains "$KQ_ERR" "$KQ_DIR/private.env: cannot read" "an unreadable defaults file"
fi
kq_assert_eq "$(recovery s1)" t "s1 after pg-promote with broken settings"

kq_log "5. pg-demote on a standby: nothing to do"
pgs s2 pg-demote
expect 0 "pg-demote (stop) on standby s2"
expect_line '^standby \(in recovery\)' "pg-demote on s2"
pgs s2 DEMOTE_MODE=readonly pg-demote
expect 0 "pg-demote (readonly) on standby s2"
pg_running s2 || kq_fail "s2 stopped by pg-demote, though a standby"
kq_assert_eq "$(recovery s2)" t "s2 after pg-demote"
kq_assert_eq "$(pg_psql s2 "SHOW default_transaction_read_only")" off "s2's default_transaction_read_only"

kq_log "6. pg-promote s1 (sql): a primary that takes writes; again: a no-op"
pgs s1 pg-promote
expect 0 "pg-promote s1"
expect_line '^promoted: primary now, timeline 2, lsn [0-9A-F]+/[0-9A-F]+ \(sql, [0-9.]+ s\)$' "pg-promote s1"
kq_assert_eq "$(recovery s1)" f "s1 in recovery after pg-promote"
pg_psql s1 "INSERT INTO t VALUES (2, 's1')"
kq_assert_eq "$(pg_psql s1 "SELECT string_agg(src, ',' ORDER BY i) FROM t")" "p,s1" "rows on s1"
pgs s1 pg-promote
expect 0 "pg-promote s1 again"
expect_line '^already primary \(not in recovery\), timeline 2, ' "pg-promote s1 again"
kq_assert_eq "$(recovery s1)" f "s1 after a second pg-promote"
pgs s1 check-pg --primary
expect 0 "check-pg --primary on s1, promoted"
expect_line '^primary, lsn [0-9A-F]+/[0-9A-F]+, timeline 2$' "check-pg on s1, promoted"

# The old primary takes a write the new one never sees: pg-rejoin must undo it.
pg_psql p "INSERT INTO t VALUES (100, 'lost')"

kq_log "7. pg-promote s2 (pg_ctl)"
pgs s2 PROMOTE_METHOD=pg_ctl PROMOTE_WAIT=15 pg-promote
expect 0 "pg-promote s2 (pg_ctl)"
expect_line '^promoted: primary now, timeline 2, lsn [0-9A-F/]+ \(pg_ctl, [0-9.]+ s\)$' "pg-promote s2"
kq_assert_eq "$(recovery s2)" f "s2 in recovery after pg-promote"
pg_psql s2 "INSERT INTO t VALUES (3, 's2')"

kq_log "8. pg-demote (stop) the old primary: down; again: nothing to do; check-pg fails"
pgs p pg-demote
expect 0 "pg-demote p"
expect_line '^stopped \(fast, [0-9.]+ s\): fenced' "pg-demote p"
pg_running p && kq_fail "p still runs after pg-demote"
pgs p pg-demote
expect 0 "pg-demote p again"
expect_line '^not running: fenced already' "pg-demote p again"
pgs p check-pg
expect 1 "check-pg on a stopped p"
expect_line '^cannot connect: ' "check-pg on a stopped p"

kq_log "9. pg-rejoin p to s1: --dry-run changes nothing; then a streaming standby, rewound"
conninfo=$(pg_conninfo s1)
pgs p pg-rejoin --dry-run "$conninfo"
expect 0 "pg-rejoin --dry-run"
pg_running p && kq_fail "p runs after pg-rejoin --dry-run"
[[ ! -e $KQ_PG_RUN/p/standby.signal ]] || kq_fail "pg-rejoin --dry-run wrote standby.signal"
pgs p pg-rejoin --log "$KQ_PG_RUN/p.log" "$conninfo"
expect 0 "pg-rejoin p"
kq_assert_contains "$KQ_OUT" "standby now, streaming: standby, replay" "pg-rejoin p"
pg_running p || kq_fail "p does not run after pg-rejoin"
kq_assert_eq "$(recovery p)" t "p in recovery after pg-rejoin"
kq_assert_eq "$(pg_psql p "SELECT count(*) FROM t WHERE i = 100")" 0 "p's lost write after pg_rewind"
pg_psql s1 "INSERT INTO t VALUES (4, 's1 after the rejoin')"
kq_wait_for '[[ $(pg_psql p "SELECT count(*) FROM t WHERE i = 4") == 1 ]]' 10 "s1's new row on p"
kq_assert_eq "$(pg_psql p "SELECT string_agg(src, ',' ORDER BY i) FROM t")" "p,s1,s1 after the rejoin" \
	"rows on p"
pgs p check-pg --standby --max-lag 0
expect 0 "check-pg --standby on p, rejoined"
expect_line ', streaming$' "check-pg on p, rejoined"

kq_log "10. pg-demote (readonly) s2: a session in a transaction ends, writes are refused; pg-promote undoes it"
"$KQ_PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$KQ_PG_RUN" -p "$(pg_port s2)" -U postgres \
	-d postgres >"$KQ_DIR/session.out" 2>"$KQ_DIR/session.err" <<-'EOF' &
	BEGIN;
	INSERT INTO t VALUES (-1, 'uncommitted');
	SELECT pg_sleep(60);
	COMMIT;
EOF
session=$!
KQ_PIDS+=("$session")
kq_wait_for '[[ $(pg_psql s2 "SELECT count(*) FROM pg_stat_activity WHERE wait_event = '\''PgSleep'\''") == 1 ]]' \
	10 "the session sleeping in its transaction on s2"
pgs s2 DEMOTE_MODE=readonly pg-demote
expect 0 "pg-demote (readonly) s2"
expect_line '^read-only \([0-9.]+ s\): default_transaction_read_only = on, 1 other sessions terminated' \
	"pg-demote (readonly) s2"
kq_wait_for '! kq__pid_alive "$session"' 5 "the session's end"
rc=0
wait "$session" || rc=$?
[[ $rc != 0 ]] || kq_fail "the session on s2 committed, though terminated"
kq_assert_contains "$(cat "$KQ_DIR/session.err")" "terminating connection due to administrator command" \
	"the session's error"
pg_running s2 || kq_fail "s2 stopped by pg-demote readonly"
kq_assert_eq "$(pg_psql s2 "SELECT count(*) FROM t WHERE i = -1")" 0 "the terminated session's row"
psql_raw s2 "INSERT INTO t VALUES (5, 'read-only?')"
[[ $KQ_RC != 0 ]] || kq_fail "an INSERT on s2 succeeded after pg-demote readonly"
kq_assert_contains "$KQ_ERR" "cannot execute INSERT in a read-only transaction" "the INSERT on s2"
pgs s2 pg-promote
expect 0 "pg-promote s2, read-only"
expect_line '^already primary .*; reset default_transaction_read_only' "pg-promote s2, read-only"
pg_psql s2 "INSERT INTO t VALUES (5, 's2 writable again')"
kq_assert_eq "$(pg_psql s2 "SELECT count(*) FROM t WHERE i = 5")" 1 "the INSERT on s2 after pg-promote"

kq_log "11. pg-demote s1 through a defaults file only (stop, immediate)"
cat >"$KQ_DIR/s1-demote.env" <<EOF
PGDATA='$KQ_PG_RUN/s1'
PGHOST=$KQ_PG_RUN
PGPORT=$(pg_port s1)
PGUSER="postgres"
PG_BINDIR=$KQ_PG_BINDIR
DEMOTE_MODE=stop   
DEMOTE_STOP_MODE="immediate"
EOF
pgs_file "$KQ_DIR/s1-demote.env" pg-demote
expect 0 "pg-demote s1 (defaults file)"
expect_line '^stopped \(immediate, ' "pg-demote s1 (defaults file)"
pg_running s1 && kq_fail "s1 still runs after pg-demote"
pgs_file "$KQ_DIR/s1-demote.env" check-pg
expect 1 "check-pg on a stopped s1"
expect_line '^cannot connect: ' "check-pg on a stopped s1"

kq_log "ok: $(( ($(kq__now_usec) - start) / 1000 )) ms"
