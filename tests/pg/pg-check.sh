#!/bin/bash
# tests/pg/pg-check.sh: the [pg_check] runner (healthcheck/pg.c, driven by kq-pg-probe) against a
# real primary and a real streaming standby: what it reports on each, LSNs following writes, the
# standby's lag (replay paused, WAL receiver stopped: the last known value), a stopped primary
# (cannot connect), a frozen primary (SIGSTOP: runs time out in TIMEOUT, a new connection after
# SIGCONT) and, all along, an event loop that never blocks (max_tick_gap_ms).
set -euo pipefail
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/pg/lib.sh"

INTERVAL=0.5
TIMEOUT=2
MAX_LAG=1024
TIMEOUT_MS=$((TIMEOUT * 1000))

pg_require
pg_create_primary p
pg_create_standby s p
probe_start p "$(pg_conninfo p)" "$INTERVAL" "$TIMEOUT"
probe_start s "$(pg_conninfo s)" "$INTERVAL" "$TIMEOUT" "$MAX_LAG"

primary_lsn() {
	pg_lsn_num "$(pg_psql p "SELECT pg_current_wal_lsn()")"
}

write_rows() {
	pg_psql p "INSERT INTO t SELECT g, repeat('x', 100) FROM generate_series(1, $1) g"
}

# The backends of kq-pg-probe's connection (fallback_application_name keepquorum), one a line.
probe_backends() {
	pg_psql "$1" "SELECT pid FROM pg_stat_activity WHERE application_name = 'keepquorum'"
}

kq_log "1. primary and standby as they start"
probe_wait p 0 '.ok and .in_recovery == false and .timeline == 1 and .promotable and
	(.detail | test("^primary, lsn [0-9A-F]+/[0-9A-F]+, timeline 1$"))' 15
probe_wait s 0 '.ok and .in_recovery and .receiver_streaming and .receive_lsn != null and
	.replay_lsn == .lsn and .timeline == 1' 15
# one connection, kept from run to run
b1=$(probe_backends p)
[[ $b1 =~ ^[0-9]+$ ]] || kq_fail "expected one backend of the probe on p, got: $b1"
m=$(probe_mark p)
probe_wait p $((m + 2)) '.ok' 5 "two more runs on p"
kq_assert_eq "$(probe_backends p)" "$b1" "the probe's backend on p after more runs"

kq_log "2. writes: the primary's LSN advances, the standby follows"
l0=$(tail -n 1 "$KQ_DIR/p.jsonl" | jq -r .lsn)
mp=$(probe_mark p)
ms=$(probe_mark s)
pg_psql p "CREATE TABLE t (i int, pad text)"
write_rows 1000
t1=$(primary_lsn)
(( t1 > $(pg_lsn_num "$l0") )) || kq_fail "the primary's LSN did not advance with writes"
probe_wait p "$mp" ".ok and (.lsn | lsn) >= $t1" 5
probe_wait s "$ms" ".ok and (.replay_lsn | lsn) >= $t1 and (.receive_lsn | lsn) >= $t1 and
	.lag_bytes == 0 and .promotable and .receiver_streaming and
	(.detail | test(\"^standby, replay [0-9A-F/]+, receive [0-9A-F/]+, lag 0 bytes, streaming$\"))" 10

kq_log "3. replay paused on the standby, writes on the primary: lag, not promotable"
pg_psql s "SELECT pg_wal_replay_pause()" >/dev/null
ms=$(probe_mark s)
write_rows 5000
t2=$(primary_lsn)
probe_wait s "$ms" ".ok and .receiver_streaming and (.receive_lsn | lsn) >= $t2 and
	.lag_bytes > $MAX_LAG and .lag_bytes >= $t2 - (.replay_lsn | lsn) and .promotable == false and
	(.detail | contains(\"over max_lag $MAX_LAG\"))" 10

kq_log "4. replay resumed: lag back to 0"
pg_psql s "SELECT pg_wal_replay_resume()" >/dev/null
probe_wait s "$ms" ".ok and (.replay_lsn | lsn) >= $t2 and .lag_bytes == 0 and .promotable" 10

kq_log "5. primary stopped while the standby is behind: cannot connect on the primary; the"
kq_log "   standby's WAL receiver stops, its lag is the last known one"
pg_psql s "SELECT pg_wal_replay_pause()" >/dev/null
ms=$(probe_mark s)
write_rows 2000
t3=$(primary_lsn)
probe_wait s "$ms" ".ok and .receiver_streaming and (.receive_lsn | lsn) >= $t3 and
	.lag_bytes > 0" 10
lag=$(probe_get "$PROBE_LINE" .lag_bytes)
mp=$(probe_mark p)
ms=$(probe_mark s)
pg_stop p fast
probe_wait p "$mp" '.ok == false' 5
# the connection the server closed is noticed, and the first failed run is about connecting
kq_assert_contains "$(probe_get "$PROBE_LINE" .detail)" \
	"cannot connect: connection to server on socket" "the first failed run on the stopped primary"
m=$(probe_mark p)
probe_wait p $((m + 2)) '.ok == false' 5 "two more runs on the stopped primary"
# the lag: up to the end of what the primary sent (its shutdown checkpoint included), at least
# what the last streaming run saw; replay is paused, so it stays as it is
probe_wait s "$ms" ".ok and .receiver_streaming == false and .lag_bytes >= $lag and
	.lag_bytes == (.receive_lsn | lsn) - (.replay_lsn | lsn) and .promotable == false and
	(.detail | test(\", WAL receiver stopped, lag [0-9]+ bytes \\\\(last known\\\\), \" +
			\"over max_lag\"))" 15
lag=$(probe_get "$PROBE_LINE" .lag_bytes)
m=$(probe_mark s)
probe_wait s $((m + 2)) '.ok' 5 "two more runs on s"
bad=$(probe_jq s "$m" "map(select(.lag_bytes != $lag or .receiver_streaming))")
kq_assert_eq "$bad" "[]" "lines without the last known lag ($lag bytes)"
# replay catches up with what was received: the last known lag goes to 0
pg_psql s "SELECT pg_wal_replay_resume()" >/dev/null
probe_wait s "$m" ".ok and .receiver_streaming == false and (.replay_lsn | lsn) >= $t3 and
	.lag_bytes == 0 and .promotable and (.detail | contains(\"lag 0 bytes (last known)\"))" 10

kq_log "6. primary started again: OK again, the standby streams again"
pg_start p
mp=$(probe_mark p)
ms=$(probe_mark s)
probe_wait p "$mp" '.ok and .in_recovery == false' 10
probe_wait s "$ms" '.ok and .receiver_streaming and .lag_bytes == 0 and .promotable' 30

kq_log "7. primary frozen (SIGSTOP): runs time out; after SIGCONT, a new connection"
b1=$(probe_backends p)
[[ $b1 =~ ^[0-9]+$ ]] || kq_fail "expected one backend of the probe on p, got: $b1"
mp=$(probe_mark p)
pg_freeze p
probe_wait p "$mp" '.ok == false' $((TIMEOUT + 3))
kq_assert_eq "$(probe_get "$PROBE_LINE" .detail)" "timed out after $TIMEOUT.0 s (query)" \
	"the first run on the frozen primary"
probe_wait p "$mp" '.timed_out and .detail == "timed out after '"$TIMEOUT"'.0 s (connecting)"' \
	$((2 * TIMEOUT + 3))
pg_thaw p
m=$(probe_mark p)
probe_wait p "$m" '.ok and .in_recovery == false' $((TIMEOUT + 5))
bad=$(probe_jq p "$mp" 'map(select(.ok == false and .timed_out == false))')
kq_assert_eq "$bad" "[]" "failed runs on the frozen primary that did not time out"
# shellcheck disable=SC2016 # kq_wait_for evals it
kq_wait_for '[[ $(probe_backends p) =~ ^[0-9]+$ && $(probe_backends p) != "$b1" ]]' 10 \
	"one new backend of the probe on p (the old one, $b1, gone)"

kq_log "8. the whole run"
# a run times out at TIMEOUT, no later than TIMEOUT + 1 s; other runs end before TIMEOUT
bad=$(probe_jq p 0 "map(select(.timed_out and
	(.duration_ms < $TIMEOUT_MS - 5 or .duration_ms > $TIMEOUT_MS + 1000)))")
kq_assert_eq "$bad" "[]" "timed-out runs outside [TIMEOUT, TIMEOUT + 1 s]"
for n in p s; do
	bad=$(probe_jq "$n" 0 "map(select(.timed_out == false and .duration_ms >= $TIMEOUT_MS))")
	kq_assert_eq "$bad" "[]" "probe $n: runs that took TIMEOUT without timing out"
	# the loop never blocked: its 10 ms timer never waited half a TIMEOUT (a blocking connect
	# or query on the frozen primary would hold it for a whole TIMEOUT; scheduling on a loaded
	# machine has held it for over 400 ms)
	bad=$(probe_jq "$n" 0 "map(select(.max_tick_gap_ms >= $TIMEOUT_MS / 2))")
	kq_assert_eq "$bad" "[]" "probe $n: lines with a tick gap of $((TIMEOUT_MS / 2)) ms or more"
	kq_log "probe $n: $(probe_jq "$n" 0 'length') runs, largest tick gap $(probe_jq "$n" 0 \
		'map(.max_tick_gap_ms) | max') ms"
done
bad=$(probe_jq s 0 'map(select(.ok == false))')
kq_assert_eq "$bad" "[]" "failed runs on the standby"
bad=$(probe_jq p 0 'map(select(.ok == false and
	(.detail | test("^(cannot connect: |timed out after )") | not)))')
kq_assert_eq "$bad" "[]" "failed runs on the primary other than cannot connect / timed out"
probe_stop p
probe_stop s
