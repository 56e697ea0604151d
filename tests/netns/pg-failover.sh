#!/bin/bash
# netns scenario: a PostgreSQL pair behind the VIP, failing over with the shipped hooks. h1 runs
# the primary a, h2 a streaming standby b (synchronous: every commit acknowledged to a client is
# on b too), both servers listening on their host's addresses and on the VIP, on the same port;
# h3 is a client. Each daemon runs the shipped pg-promote and pg-demote as script_user postgres,
# and tracks a native [pg_check] of its own server. VRRPv3, advert_int 0.2 s; h1 150, h2 100.
#  1. h1 is MASTER: its promote (a no-op on a primary) succeeded, the VIP is on h1; the client
#     in h3 writes a row every 0.1 s through the VIP.
#  2. h1's daemon is killed (SIGKILL; keepquorumd --release then removes its VIP, as the unit's
#     ExecStopPost= does) and a's server stops (immediate: a crash). h2 becomes MASTER, runs
#     pg-promote: b leaves recovery, and only then does the VIP appear on h2 (sampled all along:
#     never the VIP on h2 while b is in recovery). The client's writes go on, to b.
#  3. Every write the client saw acknowledged, before and after the failure, is in b.
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
kq_lab_create 3

VIP=10.77.0.100
pg_netns a h1 10.77.0.1
pg_netns b h2 10.77.0.2
pg_create_primary a
pg_create_standby b a
pg_psql a "CREATE TABLE t (seq int PRIMARY KEY)"
# synchronous from now on: a commit returns once b has it (b, copied before, is not asked to
# wait for a standby of its own once promoted)
pg_psql a "ALTER SYSTEM SET synchronous_standby_names = '*'"
pg_psql a "SELECT pg_reload_conf()" >/dev/null
kq_wait_for "[[ \$(pg_psql a \"SELECT sync_state FROM pg_stat_replication\") == sync ]]" 10 \
	"b: a synchronous standby of a"
PORT=$(pg_port a)

# write_cfg HOST PRIORITY SERVER: the shipped scripts, told about the local server by a
# defaults file (PG_SCRIPTS_ENV)
write_cfg() {
	pg_scripts_env "$KQ_DIR/$1.pg.env" "$3"
	{
		kq_vrrp_ini "$1" db "virtual_router_id = 61" "version = 3" "priority = $2" \
			"advert_int = 0.2" "virtual_ipaddress = $VIP/24" "track_script = pg" \
			"promote = $SCRIPTS/pg-promote" "demote = $SCRIPTS/pg-demote" \
			"promote_timeout = 15" |
			sed "s/^\[global\]$/[global]\nscript_user = postgres/"
		printf '\n[pg_check pg]\nconninfo = %s\ninterval = 0.3\ntimeout = 2\nrise = 1\nfall = 2\n' \
			"$(pg_conninfo "$3")"
	} >"$KQ_DIR/$1.ini"
}
write_cfg h1 150 a
write_cfg h2 100 b

PG_SCRIPTS_ENV=$KQ_DIR/h1.pg.env kq_start_daemon h1 "$KQ_DIR/h1.ini"
kq_wait_ready h1
PG_SCRIPTS_ENV=$KQ_DIR/h2.pg.env kq_start_daemon h2 "$KQ_DIR/h2.ini"
kq_wait_ready h2

# --- 1. h1 serves; the client writes through the VIP -------------------------------------------
kq_log "1. h1 is MASTER, the client writes through the VIP"
kq_wait_state h1 MASTER 10
kq_wait_for "[[ \$(kq_vip_holders $VIP/24 h1 h2) == h1 ]]" 15 "the VIP on h1 after its promote"
kq_assert_jq h1 '.instances[0] | [.db.role, .db.promote.ok] | @tsv' $'primary\ttrue'
kq_wait_state h2 BACKUP 2

pg_writer_start h3 "$VIP" "$PORT" t
kq_wait_for "[[ \$(wc -l <'$KQ_DIR/acked') -ge 10 ]]" 10 "ten writes through the VIP"

# --- 2. h1 dies with its server: h2 promotes b, then takes the VIP -------------------------------
kq_log "2. h1's daemon killed, a's server crashed"
# sampler: "VIP-on-h2 b-in-recovery" every 50 ms
sampler() {
	local v r
	while :; do
		v=$(kq_vip_holders "$VIP/24" h2)
		r=$("$KQ_PG_BINDIR/psql" -X -At "$(pg_conninfo b) connect_timeout=1" \
			-c "SELECT pg_is_in_recovery()" 2>/dev/null) || r=down
		echo "${v:-none} $r" >>"$KQ_DIR/samples"
		sleep 0.05
	done
}
sampler &
sampler_pid=$!
KQ_PIDS+=("$sampler_pid")
acked_before=$(wc -l <"$KQ_DIR/acked")
rc=0
kq_stop_daemon h1 KILL || rc=$?
kq_assert_eq "$rc" 137 "h1's daemon killed"
kq_assert_rc 0 kq_exec h1 "$KEEPQUORUMD" --release -f "$KQ_DIR/h1.ini"
pg_stop a immediate
t0=$(kq__now_usec)
kq_wait_state h2 MASTER 10
kq_wait_for "[[ \$(kq_vip_holders $VIP/24 h1 h2) == h2 ]]" 20 "the VIP on h2"
t1=$(kq__now_usec)
kq_log "VIP on h2 $(((t1 - t0) / 1000)) ms after a's server stopped"
kq_assert_eq "$(pg_psql b "SELECT pg_is_in_recovery()")" f "b out of recovery"
kq_assert_jq h2 '.instances[0] | [.state, .vips_up, .db.role, .db.promote.ok] | @tsv' \
	$'MASTER\ttrue\tprimary\ttrue'
kill "$sampler_pid"
wait "$sampler_pid" 2>/dev/null || true
if grep -q '^h2 t$' "$KQ_DIR/samples"; then
	kq_fail "the VIP was on h2 while b was still in recovery: $(grep -c '^h2 t$' "$KQ_DIR/samples") samples"
fi
grep -q '^none t$' "$KQ_DIR/samples" || kq_fail "no sample saw b in recovery before the failover"
kq_wait_for "[[ \$(wc -l <'$KQ_DIR/acked') -ge $((acked_before + 10)) ]]" 15 \
	"ten more writes through the VIP, now to b"

# --- 3. nothing acknowledged is lost --------------------------------------------------------------
kq_log "3. every acknowledged write is in b"
pg_writer_stop
pg_psql b "SELECT seq FROM t ORDER BY seq" >"$KQ_DIR/in-b"
missing=$(comm -23 <(sort "$KQ_DIR/acked") <(sort "$KQ_DIR/in-b") | wc -l)
kq_assert_eq "$missing" 0 "acknowledged writes missing from b (of $(wc -l <"$KQ_DIR/acked"))"
kq_log "$(wc -l <"$KQ_DIR/acked") writes acknowledged, $(wc -l <"$KQ_DIR/in-b") rows in b"

echo "PASS: $KQ_TEST_NAME"
