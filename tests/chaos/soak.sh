#!/bin/bash
# The chaos soak (tools/chaos --minutes N; not part of make check): three keepquorumd members on
# h1..h3, each with a real PostgreSQL server (db1 the first primary, db2 and db3 streaming
# standbys, synchronous replication ANY 1 of the others), the VIP gated by the quorum and the
# shipped pg-promote / pg-demote as hooks; on h4 a client writing sequence numbers through the
# VIP (each a new connection, 3 s at most) and an observer sampling who holds the VIP.
# A nemesis, seeded (CHAOS_SEED), picks one fault at a time: kill -9 of a daemon (restarted
# later), SIGSTOP of a daemon (SIGCONT later), a partition of one node (the minority) both ways
# or one way (nftables in its namespace), an immediate stop of a PostgreSQL server, a reload.
# After each it heals, and repairs as an operator would: restarts what is stopped, and makes a
# server that is not a standby of the current primary one again (the shipped pg-rejoin, or a
# new pg_basebackup when a rewind cannot be done). Then it waits for the cluster to settle.
# At the end it prints: the faults injected, the seconds with no VIP holder (a healthy majority
# existed all along: one fault at a time), the seconds with two holders (must be 0), the
# writes acknowledged and missing from the final primary (must be 0 under synchronous
# replication), and the failover times. Exit 1 when an invariant broke, when a fault did not
# settle (no holder or no writes a minute after its repair), or when fewer writes than one
# every 2 s were acknowledged: a cluster that stops serving must not pass for a safe one.
# Environment: CHAOS_MINUTES (5), CHAOS_SEED (random), and those of tests/netns/lib.sh.
set -euo pipefail
top=${KQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# the guard against a stuck run: the soak, and ten minutes for the set-up and the last repair
KQ_DEFAULT_TIMEOUT=$((${CHAOS_MINUTES:-5} * 60 + 600))
# shellcheck source-path=SCRIPTDIR source=../pg/lib.sh
. "$top/tests/pg/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../netns/lib.sh
. "$top/tests/netns/lib.sh"

MINUTES=${CHAOS_MINUTES:-5}
SEED=${CHAOS_SEED:-$((RANDOM * 32768 + RANDOM))}
[[ $MINUTES =~ ^[0-9]+$ && $MINUTES -ge 1 ]] || kq_fail "CHAOS_MINUTES must be a whole number of minutes, not '$MINUTES'"
RANDOM=$SEED
kq_require_netns
pg_require
[[ $EUID == 0 ]] || kq_skip "the servers and the hooks run as postgres: root needed"
command -v nft >/dev/null 2>&1 || kq_skip "'nft' is not installed (apt-get install nftables)"
SCRIPTS=$top/notify/scripts
kq_lab_create 4
# shellcheck source-path=SCRIPTDIR source=../netns/quorum-lib.sh
. "$top/tests/netns/quorum-lib.sh"
VIP=$QL_VIP
NODES=(h1 h2 h3)
EVENTS=$KQ_DIR/events
: >"$EVENTS"
kq_log "chaos: $MINUTES min, seed $SEED (CHAOS_SEED=$SEED reproduces the faults' order)"

# --- the databases: synchronous replication to any one other ----------------------------------
for i in 1 2 3; do pg_netns "db$i" "h$i" "10.77.0.$i"; done
pg_create_primary db1
pg_psql db1 "ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 (db1, db2, db3)'" >/dev/null
pg_psql db1 "ALTER SYSTEM SET wal_keep_size = '256MB'" >/dev/null
pg_psql db1 "SELECT pg_reload_conf()" >/dev/null
PORT=$(pg_port db1)
conninfo_of() { echo "host=10.77.0.${1#db} port=$PORT user=postgres application_name=$2"; }
pg_create_standby db2 db1
pg_create_standby db3 db1
for d in db2 db3; do
	pg_psql "$d" "ALTER SYSTEM SET primary_conninfo = '$(conninfo_of db1 "$d")'" >/dev/null
	pg_psql "$d" "SELECT pg_reload_conf()" >/dev/null
done
pg_psql db1 "CREATE TABLE w (seq int PRIMARY KEY)" >/dev/null
kq_wait_for "[[ \$(pg_psql db1 \"SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name IN ('db2', 'db3')\") == 2 ]]" 20 \
	"db2 and db3 streaming from db1 under their names"

# --- the cluster, as quorum-pg.sh builds it ------------------------------------------------------
# nopreempt: a member coming back would otherwise take the lead back by a hand-over, in the
# middle of the repair of the others
ql_pg_members "$SCRIPTS" "nopreempt = yes"
QL_PRIORITY[h1]=200
QL_PRIORITY[h2]=150
QL_PRIORITY[h3]=100
ql_cluster h1 h2 h3
ql_observe
start_node() {
	PG_SCRIPTS_ENV=$KQ_DIR/$1.pg.env kq_start_daemon "$1" "$KQ_DIR/$1.ini"
	kq_wait_ready "$1" 20
}
for h in "${NODES[@]}"; do start_node "$h"; done
ql_wait_holder h1 20

# --- the client: sequence numbers through the VIP ------------------------------------------------
# A write counts as acknowledged only when psql exits 0 without the warning PostgreSQL gives when
# a wait for the synchronous standby is cancelled (committed locally, not acknowledged).
: >"$KQ_DIR/acked"
(
	seq=0
	while :; do
		seq=$((seq + 1))
		if answer=$(timeout 3 ip netns exec "$(kq_ns h4)" "$KQ_PG_BINDIR/psql" -X -q -At \
			-v ON_ERROR_STOP=1 "host=${VIP} port=$PORT user=postgres dbname=postgres connect_timeout=1" \
			-c "INSERT INTO w VALUES ($seq)" 2>&1) && [[ $answer != *"synchronous replication"* ]]; then
			echo "$seq $EPOCHREALTIME" >>"$KQ_DIR/acked"
		fi
		sleep 0.05
	done
) &
WRITER=$!
KQ_PIDS+=("$WRITER")
kq_wait_for "[[ \$(wc -l <'$KQ_DIR/acked') -ge 5 ]]" 20 "the first writes through the VIP"

# --- the state of things ---------------------------------------------------------------------------
event() { echo "$EPOCHREALTIME $*" >>"$EVENTS"; kq_log "chaos: $*"; }
holder() { kq_vip_holders "$VIP/24" "${NODES[@]}"; }
in_recovery() { pg_psql "$1" "SELECT pg_is_in_recovery()" 2>/dev/null; }
# the primary: the server on the VIP's holder, when it is out of recovery
primary() {
	local h
	h=$(holder)
	[[ $h == h? ]] || return 1
	pg_running "db${h#h}" && [[ $(in_recovery "db${h#h}") == f ]] || return 1
	echo "db${h#h}"
}
streams_from() {   # streams_from PRIMARY DB: DB is a streaming standby of PRIMARY
	[[ $(pg_psql "$1" "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$2' AND state = 'streaming'" 2>/dev/null) == 1 ]]
}
as_postgres() {    # as_postgres HOST COMMAND...: in HOST's namespace, as postgres
	ip netns exec "$(kq_ns "$1")" runuser -u postgres -- "${@:2}"
}
# rebuild DB PRIMARY: a new standby of PRIMARY from a base backup (when a rewind cannot be done)
rebuild() {
	local d=$1 p=$2 dir=$KQ_PG_RUN/$1 h=h${1#db}
	as_postgres "$h" "$KQ_PG_BINDIR/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	as_postgres "$h" "$KQ_PG_BINDIR/pg_basebackup" -d "$(conninfo_of "$p" "$d")" -D "$dir" -R \
		-X stream -c fast --no-sync >>"$KQ_DIR/repair.log" 2>&1 || return 1
	printf "port = %s\nlisten_addresses = '*'\nunix_socket_directories = '%s'\n" "$PORT" \
		"$(pg_sockdir "$d")" >>"$dir/postgresql.conf"
	printf "primary_conninfo = '%s'\n" "$(conninfo_of "$p" "$d")" >>"$dir/postgresql.auto.conf"
	as_postgres "$h" "$KQ_PG_BINDIR/pg_ctl" -D "$dir" -l "$KQ_PG_RUN/$d.log" -w -t 60 start \
		>>"$KQ_DIR/repair.log" 2>&1
}
# repair: every daemon runs, every server other than the primary streams from it; again while
# the primary changes under it (at most three rounds)
repair() {
	local p
	for _ in 1 2 3; do
		repair_round
		p=$(primary) || continue
		[[ $p == "$REPAIRED_FOR" ]] && return 0
	done
	event unsettled "the primary kept moving during the repair"
}
REPAIRED_FOR=""
repair_round() {
	local h d p i
	REPAIRED_FOR=""
	for h in "${NODES[@]}"; do
		kq_alive "$h" || { event restart "$h"; start_node "$h"; }
	done
	for ((i = 0; i < 60; i++)); do p=$(primary) && break; sleep 0.5; done
	[[ -n ${p:-} ]] || { event unsettled "no primary on the VIP's holder after 30 s"; return 0; }
	for h in "${NODES[@]}"; do
		d=db${h#h}
		[[ $d == "$p" ]] && continue
		if ! pg_running "$d"; then
			as_postgres "$h" "$KQ_PG_BINDIR/pg_ctl" -D "$KQ_PG_RUN/$d" -l "$KQ_PG_RUN/$d.log" \
				-w -t 60 start >>"$KQ_DIR/repair.log" 2>&1 || true
		fi
		kq_poll "streams_from $p $d" 5 && continue
		event rejoin "$d" "to $p"
		if ! as_postgres "$h" env PG_SCRIPTS_ENV="$KQ_DIR/$h.pg.env" "$SCRIPTS/pg-rejoin" \
			--log "$KQ_PG_RUN/$d.log" "$(conninfo_of "$p" "$d")" >>"$KQ_DIR/repair.log" 2>&1 ||
			! kq_poll "streams_from $p $d" 20; then
			event rebuild "$d" "from $p (pg-rejoin could not)"
			rebuild "$d" "$p" || true
			kq_poll "streams_from $p $d" 30 || event unsettled "$d does not stream from $p"
		fi
	done
	REPAIRED_FOR=$p
}
# settle: a leader, the VIP on it, writes flowing again (60 s at most)
settle() {
	local n
	n=$(wc -l <"$KQ_DIR/acked")
	kq_poll "[[ \$(holder) == h? ]] && (( \$(wc -l <'$KQ_DIR/acked') > $n + 3 ))" 60 ||
		event unsettled "no holder or no writes 60 s after the repair"
}

# --- the nemesis ---------------------------------------------------------------------------------
pick() { local a=("$@"); echo "${a[RANDOM % ${#a[@]}]}"; }
between() { echo "$(($1 + RANDOM % ($2 - $1 + 1)))"; }
end=$((SECONDS + MINUTES * 60))
while ((SECONDS < end)); do
	sleep "$(between 3 8)"
	n=$(pick "${NODES[@]}")
	[[ $(pick holder any) == holder && $(holder) == h? ]] && n=$(holder)   # often the leader
	f=$(pick kill9 kill9 stop partition partition-in partition-out pgstop reload)
	case $f in
	kill9)
		event kill9 "$n"
		kq_stop_daemon "$n" KILL >/dev/null 2>&1 || true
		sleep "$(between 2 6)"
		event restart "$n"
		start_node "$n"
		;;
	stop)
		event stop "$n"
		kq_signal "$n" STOP
		sleep "$(between 1 5)"
		event cont "$n"
		kq_signal "$n" CONT
		;;
	partition | partition-in | partition-out)
		dir=both
		[[ $f == partition-in ]] && dir=in
		[[ $f == partition-out ]] && dir=out
		event "$f" "$n"
		ql_partition "$n" "$dir"
		sleep "$(between 3 8)"
		event heal "$n"
		ql_heal "$n"
		;;
	pgstop)
		event pgstop "db${n#h}"
		as_postgres "$n" "$KQ_PG_BINDIR/pg_ctl" -D "$KQ_PG_RUN/db${n#h}" -m immediate -w stop \
			>/dev/null 2>&1 || true
		sleep "$(between 2 6)"
		;;
	reload)
		event reload "$n"
		kq_signal "$n" HUP
		;;
	esac
	repair
	settle
	ql_check_never_two
done

# --- the report ------------------------------------------------------------------------------------
event "done" ""
# the writer first: an answer that comes after the primary was read would look lost (a write it
# has sent and not yet seen acknowledged is not counted: its subshell goes with it)
kill "$WRITER" 2>/dev/null || true
wait "$WRITER" 2>/dev/null || true
sleep 1
p=$(primary) || kq_fail "no primary at the end"
pg_psql "$p" "SELECT seq FROM w" | sort >"$KQ_DIR/in-primary"       # (comm's order)
cut -d' ' -f1 "$KQ_DIR/acked" | sort >"$KQ_DIR/acked-seqs"
missing=$(comm -23 "$KQ_DIR/acked-seqs" "$KQ_DIR/in-primary" | wc -l)
acked=$(wc -l <"$KQ_DIR/acked-seqs")
# two holders: a host seen holding the VIP between two samples of another that both saw it held
two=$(awk '
	{ t = $1; h = $2; v = $3
	  if (v == 1) for (o in last1) if (o != h && last1[o] != "") cand[o] = 1
	  if (v == 1 && last1[h] != "" && cand[h]) { n++; s += t - last1[h] }
	  cand[h] = 0; last1[h] = v == 1 ? t : "" }
	END { printf "%d %.3f\n", n, s }' "$KQ_DIR/samples")
# no holder: the time between a sample round with none and the next with one
none=$(awk '{ v[$2] = $3; n = 0; for (h in v) n += v[h]
	if (n == 0 && !gone) gone = $1
	if (n > 0 && gone) { s += $1 - gone; gone = 0 } }
	END { printf "%.1f\n", s }' "$KQ_DIR/samples")
# failovers: from a fault on the holder to another host holding the VIP
awk 'FNR == NR { if ($2 ~ /^(kill9|stop|partition|partition-in|partition-out|pgstop)$/) { ev[++ne] = $1; node[ne] = $3 } ; next }
	{ v[$2] = $3; held = ""; for (h in v) if (v[h] == 1) held = h
	  t = $1
	  while (cur < ne && ev[cur + 1] <= t) { cur++; if (held == node[cur] || node[cur] == "db" substr(held, 2)) { open[cur] = t; from[cur] = held } }
	  for (e in open) if (held != "" && held != from[e]) { print t - open[e]; delete open[e] } }' \
	"$EVENTS" "$KQ_DIR/samples" | sort -n >"$KQ_DIR/failovers"
nf=$(wc -l <"$KQ_DIR/failovers")
dist=$(awk '{ a[NR] = $1 } END { if (NR) printf "min %.2f s, median %.2f s, p95 %.2f s, max %.2f s", a[1], a[int((NR + 1) / 2)], a[int(NR * 0.95 + 0.999)], a[NR]; else print "none" }' "$KQ_DIR/failovers")
faults=$(awk '$2 ~ /^(kill9|stop|partition|partition-in|partition-out|pgstop|reload)$/ { n[$2]++; t++ } END { s = ""; for (k in n) s = s " " k " " n[k]; print t + 0 ":" s }' "$EVENTS")
unsettled=$(grep -c ' unsettled ' "$EVENTS" || true)
repairs=$(grep -cE ' (rejoin|rebuild) ' "$EVENTS" || true)
cat <<EOF
chaos report: $MINUTES min, seed $SEED
  faults injected:           $faults
  repairs (rejoin, rebuild): $repairs; unsettled after a repair: $unsettled
  seconds with no VIP holder: $none (one fault at a time: a healthy majority all along)
  seconds with two holders:   ${two#* } ($((${two%% *})) times)
  writes acknowledged:        $acked; missing from the final primary $p: $missing
  failovers of the holder:    $nf; $dist
EOF
((${two%% *} == 0)) || kq_fail "the VIP was on two hosts at once"
((missing == 0)) || kq_fail "$missing acknowledged writes missing: $(comm -23 "$KQ_DIR/acked-seqs" "$KQ_DIR/in-primary" | head -20 | tr '\n' ' ')"
((unsettled == 0)) ||
	kq_fail "$unsettled fault(s) did not settle:"$'\n'"$(grep -B3 ' unsettled ' "$EVENTS" | head -40)"
((acked >= MINUTES * 30)) ||
	kq_fail "only $acked writes acknowledged in $MINUTES min, fewer than one every 2 s: the cluster did not serve"
echo "PASS: $KQ_TEST_NAME"
