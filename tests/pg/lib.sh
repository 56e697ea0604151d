# shellcheck shell=bash
# tests/pg/lib.sh: real PostgreSQL servers for the tests, made in a temp dir by the test itself:
# a primary and streaming standbys, unix sockets only, and kq-pg-probe (the [pg_check] runner on
# its own) watching them. Source it from a test:
#
#   #!/bin/bash
#   set -euo pipefail
#   . "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/pg/lib.sh"
#   pg_require
#   pg_create_primary p
#   pg_create_standby s p
#   probe_start p "$(pg_conninfo p)" 0.5 2
#
# It builds on tests/lib/common.sh (kq_fail, kq_skip, kq_poll, kq_wait_for, exit codes 0 pass,
# 1 fail, 77 skip; KQ_KEEP=1 keeps the temp dir; KQ_TEST_TIMEOUT bounds the test, here 180 s by
# default, 450 under the sanitizers). It makes no namespaces and needs no root; a netns scenario
# may source it too.
#
# Environment: KQ_BUILDDIR (set by `make check`) to find tests/pg/kq-pg-probe. Optional: PG_BINDIR
# (default: the newest /usr/lib/postgresql/*/bin); KEEPQUORUM_REQUIRE_NETNS=1 turns a skip into a
# failure, as for the netns tests.
#
# Servers. Run as root, initdb and the servers run as the unprivileged user `postgres` (PostgreSQL
# refuses root); otherwise as the invoking user. Every server of a test listens only on a unix
# socket in $KQ_PG_RUN (listen_addresses = ''), on a port of its own: nothing here can clash
# with another cluster on the machine. The superuser is "postgres", authentication is trust.
# Files: $KQ_PG_RUN/NAME (data dir), $KQ_PG_RUN/NAME.log (server log). Cleanup (on any exit):
# probes first, then every server stopped through its pid file (resumed first if frozen; pg_ctl
# stop -m immediate, SIGKILL of the postmaster and its children only if that fails), then the
# temp dir removed.
#
# Probes. probe_start NAME ... runs kq-pg-probe in the background, its JSON lines in
# $KQ_DIR/NAME.jsonl and its stderr in $KQ_DIR/NAME.err. Assertions read those lines with jq;
# every filter may use `lsn` ("X/Y" -> number; null stays null).

if [[ -n ${KQ_PG_LIB_LOADED:-} ]]; then
	return 0
fi
KQ_PG_LIB_LOADED=1

KQ_DEFAULT_TIMEOUT=${KQ_DEFAULT_TIMEOUT:-180}
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

KQ_PG_SERVERS=()            # every server created (cleanup stops them)
declare -A KQ_PG_PORT=()    # server name -> port
declare -A KQ_PROBE_PID=()  # probe name -> pid
KQ_PG_USER=""               # run the servers as this user (root only), else as ourselves
KQ_PG_NEXT_PORT=$((20000 + ($$ % 4000) * 10))
declare -A KQ_PG_NS=()      # server name -> the network namespace it runs in (pg_netns)
declare -A KQ_PG_ADDR=()    # server name -> its host's address there
KQ_PG_NET_PORT=""           # the one port of every server in a namespace

# libpq and psql must not pick up the caller's defaults.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGSERVICEFILE PGPASSFILE PGOPTIONS \
	PGAPPNAME PGSSLMODE PGCONNECT_TIMEOUT PGTARGETSESSIONATTRS

KQ_PG_RUN="$KQ_DIR/pg"

# --- processes and cleanup -------------------------------------------------------------------

# pg_pids NAME: the server's postmaster (from its pid file) and the postmaster's children, one a
# line, postmaster first. Empty when the server is not running.
pg_pids() {
	local pm f stat ppid
	pm=$(head -n 1 "$KQ_PG_RUN/$1/postmaster.pid" 2>/dev/null) || return 0
	[[ $pm =~ ^[0-9]+$ ]] && kq__pid_alive "$pm" || return 0
	echo "$pm"
	for f in /proc/[0-9]*/stat; do
		stat=$(cat "$f" 2>/dev/null) || continue
		stat=${stat##*) }
		ppid=${stat#* }
		ppid=${ppid%% *}
		[[ $ppid == "$pm" ]] && { f=${f#/proc/}; echo "${f%/stat}"; }
	done
	return 0
}

kq__pg_cleanup_server() {
	local name=$1 pid i
	# A frozen server cannot stop: resume it, children first.
	for pid in $(pg_pids "$name" | tac); do
		kill -CONT "$pid" 2>/dev/null
	done
	[[ -n $(pg_pids "$name") ]] || return 0
	pg__as "$KQ_PG_BINDIR/pg_ctl" -D "$KQ_PG_RUN/$name" -m immediate -w -t 10 stop \
		>/dev/null 2>&1
	for ((i = 0; i < 20; i++)); do
		[[ -n $(pg_pids "$name") ]] || return 0
		sleep 0.1
	done
	echo "kq: server $name did not stop, sending SIGKILL to its processes" >&2
	for pid in $(pg_pids "$name"); do
		kill -KILL "$pid" 2>/dev/null
	done
}

# Every server of this test stops (common.sh has stopped the probes already).
kq__pg_cleanup() {
	local name
	for name in "${KQ_PG_SERVERS[@]}"; do
		kq__pg_cleanup_server "$name"
	done
	return 0
}
KQ_CLEANUP_HOOKS+=(kq__pg_cleanup)
KQ_LOG_GLOBS+=('*.jsonl' '*.err' 'pg/*.log')

# --- prerequisites ----------------------------------------------------------------------------

# pg_require: skip (77) unless PostgreSQL's server binaries, jq and (as root) a `postgres` user
# with runuser or setpriv are there. A missing kq-pg-probe is a failure.
pg_require() {
	local d t
	if [[ -z ${PG_BINDIR:-} ]]; then
		for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V); do
			[[ -x $d/initdb ]] && PG_BINDIR=$d
		done
	fi
	[[ -n ${PG_BINDIR:-} ]] || kq_skip "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)"
	for t in initdb pg_ctl pg_basebackup postgres psql; do
		[[ -x $PG_BINDIR/$t ]] || kq_skip "$PG_BINDIR/$t is missing"
	done
	KQ_PG_BINDIR=$PG_BINDIR
	command -v jq >/dev/null 2>&1 || kq_skip "'jq' is not installed"
	[[ -n ${KQ_BUILDDIR:-} ]] || kq_fail "KQ_BUILDDIR is not set (run through 'make check', or set it)"
	KQ_PG_PROBE="$KQ_BUILDDIR/tests/pg/kq-pg-probe"
	[[ -x $KQ_PG_PROBE ]] || kq_fail "$KQ_PG_PROBE is missing (make tests/pg/kq-pg-probe)"
	mkdir -p "$KQ_PG_RUN" || kq_fail "cannot create $KQ_PG_RUN"
	if ((EUID == 0)); then
		id postgres >/dev/null 2>&1 || kq_skip "running as root, but there is no user 'postgres'"
		command -v runuser >/dev/null 2>&1 || command -v setpriv >/dev/null 2>&1 ||
			kq_skip "running as root, but neither runuser nor setpriv is there"
		KQ_PG_USER=postgres
		if ! chmod 755 "$KQ_DIR" || ! chown "$KQ_PG_USER:" "$KQ_PG_RUN"; then
			kq_fail "cannot hand $KQ_PG_RUN to $KQ_PG_USER"
		fi
	fi
}

# pg__as COMMAND...: run it as the servers' user, from their directory; inside the network
# namespace $KQ_PG_EXEC_NS when that is set.
pg__as() {
	local ns=()
	[[ -z ${KQ_PG_EXEC_NS:-} ]] || ns=(ip netns exec "$KQ_PG_EXEC_NS")
	if [[ -z $KQ_PG_USER ]]; then
		(cd "$KQ_PG_RUN" && "${ns[@]}" "$@")
	elif command -v runuser >/dev/null 2>&1; then
		(cd "$KQ_PG_RUN" && "${ns[@]}" runuser -u "$KQ_PG_USER" -- "$@")
	else
		(cd "$KQ_PG_RUN" && "${ns[@]}" setpriv --reuid="$KQ_PG_USER" --regid="$KQ_PG_USER" \
			--init-groups -- "$@")
	fi
}

# pg__setup WHAT COMMAND...: run as the servers' user; the test fails (with its output) if it does.
pg__setup() {
	local what=$1
	shift
	pg__as "$@" >"$KQ_DIR/.setup.out" 2>&1 ||
		kq_fail "$what: '$*' failed: $(tail -n 20 "$KQ_DIR/.setup.out")"
}

# --- servers ------------------------------------------------------------------------------------

pg_port() {
	[[ -n ${KQ_PG_PORT[$1]:-} ]] || kq_fail "no server '$1'"
	echo "${KQ_PG_PORT[$1]}"
}

# pg_sockdir NAME: the directory of its unix socket.
pg_sockdir() {
	if [[ -n ${KQ_PG_NS[$1]:-} ]]; then
		echo "$KQ_PG_RUN/$1.sock"
	else
		echo "$KQ_PG_RUN"
	fi
}

# pg_conninfo NAME: how a client reaches it (unix socket, superuser, trust).
pg_conninfo() {
	echo "host=$(pg_sockdir "$1") port=$(pg_port "$1") user=postgres dbname=postgres"
}

# pg_scripts_env FILE NAME: a defaults file for the shipped scripts (PG_SCRIPTS_ENV) about server
# NAME: promote waits 10 s, demote stops the server; readable by the scripts' user.
pg_scripts_env() {
	cat >"$1" <<-EOF
		PGDATA=$KQ_PG_RUN/$2
		PG_BINDIR=$KQ_PG_BINDIR
		PGHOST=$(pg_sockdir "$2")
		PGPORT=$(pg_port "$2")
		PGUSER=postgres
		PROMOTE_WAIT=10
		DEMOTE_MODE=stop
	EOF
	chmod 644 "$1"
}

# pg_netns NAME HOST ADDRESS (before pg_create_*; needs tests/netns/lib.sh and its lab): server
# NAME runs in HOST's network namespace and listens there on every address (so on a VIP too)
# as well as on its own unix socket directory; clients of the lab's 10.77.0.0/24 are trusted,
# and a standby of it replicates over TCP to ADDRESS. Every such server has the same port, as
# the servers of a real cluster do, so that a client of the VIP reaches whichever holds it.
pg_netns() {
	[[ -z ${KQ_PG_PORT[$1]:-} ]] || kq_fail "pg_netns: server '$1' exists already"
	KQ_PG_NS[$1]=$(kq_ns "$2")
	KQ_PG_ADDR[$1]=$3
}

pg__new() {
	[[ -z ${KQ_PG_PORT[$1]:-} ]] || kq_fail "server '$1' exists already"
	if [[ -n ${KQ_PG_NS[$1]:-} ]]; then
		if [[ -z $KQ_PG_NET_PORT ]]; then
			KQ_PG_NET_PORT=$KQ_PG_NEXT_PORT
			KQ_PG_NEXT_PORT=$((KQ_PG_NEXT_PORT + 1))
		fi
		KQ_PG_PORT[$1]=$KQ_PG_NET_PORT
		mkdir -p "$(pg_sockdir "$1")" || kq_fail "cannot create $(pg_sockdir "$1")"
		[[ -z $KQ_PG_USER ]] || chown "$KQ_PG_USER:" "$(pg_sockdir "$1")" ||
			kq_fail "cannot hand $(pg_sockdir "$1") to $KQ_PG_USER"
	else
		KQ_PG_PORT[$1]=$KQ_PG_NEXT_PORT
		KQ_PG_NEXT_PORT=$((KQ_PG_NEXT_PORT + 1))
	fi
	KQ_PG_SERVERS+=("$1")
}

# pg__netconf NAME: the settings of a server in a namespace (see pg_netns).
pg__netconf() {
	[[ -n ${KQ_PG_NS[$1]:-} ]] || return 0
	printf "listen_addresses = '*'\nunix_socket_directories = '%s'\n" "$(pg_sockdir "$1")" \
		>>"$KQ_PG_RUN/$1/postgresql.conf"
	printf 'host all all 10.77.0.0/24 trust\nhost replication all 10.77.0.0/24 trust\n' \
		>>"$KQ_PG_RUN/$1/pg_hba.conf"
}

# pg_running NAME: true while the server's postmaster (from its pid file) runs.
pg_running() {
	local pm
	pm=$(head -n 1 "$KQ_PG_RUN/$1/postmaster.pid" 2>/dev/null) || return 1
	[[ $pm =~ ^[0-9]+$ ]] && kq__pid_alive "$pm"
}

# pg_start NAME / pg_stop NAME [MODE]: pg_ctl, waiting until it is done.
pg_start() {
	KQ_PG_EXEC_NS=${KQ_PG_NS[$1]:-} pg__setup "start server $1" "$KQ_PG_BINDIR/pg_ctl" \
		-D "$KQ_PG_RUN/$1" -l "$KQ_PG_RUN/$1.log" -w -t 60 start
}

pg_stop() {
	pg__setup "stop server $1" "$KQ_PG_BINDIR/pg_ctl" -D "$KQ_PG_RUN/$1" -m "${2:-fast}" -w -t 60 stop
}

# pg_create_primary NAME: initdb and start a server that streaming standbys can copy.
pg_create_primary() {
	local name=$1 dir="$KQ_PG_RUN/$1"
	pg__new "$name"
	pg__setup "initdb $name" "$KQ_PG_BINDIR/initdb" -D "$dir" -U postgres --auth=trust \
		-E UTF8 --locale=C --no-sync
	cat >>"$dir/postgresql.conf" <<-EOF
		# tests/pg/lib.sh
		listen_addresses = ''
		unix_socket_directories = '$KQ_PG_RUN'
		port = $(pg_port "$name")
		wal_level = replica
		wal_log_hints = on
		max_wal_senders = 5
		hot_standby = on
		fsync = off
		shared_buffers = 16MB
		max_connections = 20
	EOF
	pg__netconf "$name"
	pg_start "$name"
}

# pg_create_standby NAME PRIMARY: a streaming standby of PRIMARY (pg_basebackup -R over the
# unix socket), started.
pg_create_standby() {
	local name=$1 primary=$2 dir="$KQ_PG_RUN/$1"
	pg__new "$name"
	pg__setup "pg_basebackup $name" "$KQ_PG_BINDIR/pg_basebackup" -h "$(pg_sockdir "$primary")" \
		-p "$(pg_port "$primary")" -U postgres -D "$dir" -R -X stream -c fast --no-sync
	echo "port = $(pg_port "$name")" >>"$dir/postgresql.conf"
	if [[ -n ${KQ_PG_NS[$name]:-} ]]; then
		# the primary's copied settings are replaced; it replicates over the lab's network
		pg__netconf "$name"
		[[ -z ${KQ_PG_ADDR[$primary]:-} ]] ||
			printf "primary_conninfo = 'host=%s port=%s user=postgres'\n" \
				"${KQ_PG_ADDR[$primary]}" "$(pg_port "$primary")" >>"$dir/postgresql.auto.conf"
	fi
	pg_start "$name"
}

# pg_psql NAME SQL: run SQL on the server (as its superuser); prints the rows unaligned, no
# headers. The test fails if psql does. Stdin is passed on (psql variables: -v in PG_PSQL_ARGS).
pg_psql() {
	local out
	out=$("$KQ_PG_BINDIR/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$(pg_sockdir "$1")" \
		-p "$(pg_port "$1")" -U postgres -d postgres "${@:3}" -c "$2" 2>&1) ||
		kq_fail "psql on $1: '$2' failed: $out"
	[[ -z $out ]] || echo "$out"
}

# pg_freeze NAME / pg_thaw NAME: SIGSTOP / SIGCONT the postmaster and all its children.
pg_freeze() {
	local pid pids
	pids=$(pg_pids "$1")
	[[ -n $pids ]] || kq_fail "pg_freeze: server $1 is not running"
	for pid in $pids; do     # the postmaster first: then it forks no new child
		kill -STOP "$pid" || kq_fail "pg_freeze: cannot stop pid $pid of $1"
	done
}

pg_thaw() {
	local pid
	for pid in $(pg_pids "$1" | tac); do
		kill -CONT "$pid" 2>/dev/null || true
	done
}

# --- probes ---------------------------------------------------------------------------------

# probe_start NAME CONNINFO INTERVAL TIMEOUT [MAX_LAG]
probe_start() {
	local name=$1
	shift
	"$KQ_PG_PROBE" "$@" >"$KQ_DIR/$name.jsonl" 2>"$KQ_DIR/$name.err" &
	KQ_PROBE_PID[$name]=$!
	KQ_PIDS+=("$!")
}

# probe_stop NAME: SIGTERM, and the probe must exit 0 (under ASan: no leak, no error).
probe_stop() {
	local pid=${KQ_PROBE_PID[$1]} rc=0
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	[[ $rc == 0 ]] || kq_fail "probe $1 exited $rc: $(cat "$KQ_DIR/$1.err")"
}

probe_alive() {
	kq__pid_alive "${KQ_PROBE_PID[$1]}" || kq_fail "probe $1 died: $(cat "$KQ_DIR/$1.err")"
}

# probe_mark NAME: how many lines the probe has printed so far.
probe_mark() {
	local n
	n=$(wc -l <"$KQ_DIR/$1.jsonl")
	echo $((n))
}

# shellcheck disable=SC2016 # jq's variables, not the shell's
KQ_JQ_DEFS='
def hex: ascii_downcase | explode
	| reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
def lsn: if . == null then null else split("/") | (.[0] | hex) * 4294967296 + (.[1] | hex) end;
'

# probe_lines NAME MARK: the complete lines printed after line MARK.
probe_lines() {
	tail -n "+$(($2 + 1))" "$KQ_DIR/$1.jsonl" | grep -a '}$' || true
}

# probe_jq NAME MARK FILTER [jq args]: FILTER over the lines after MARK, slurped (an array).
probe_jq() {
	probe_lines "$1" "$2" | jq -s -c "${@:4}" "$KQ_JQ_DEFS $3"
}

# probe_find NAME MARK CONDITION [jq args]: the first line after MARK for which CONDITION holds
# (a jq expression over one line), or nothing.
probe_find() {
	probe_lines "$1" "$2" | jq -c "${@:4}" "$KQ_JQ_DEFS select($3)" | head -n 1
}

# probe_wait NAME MARK CONDITION TIMEOUT [WHAT]: wait for such a line; it is left in PROBE_LINE.
probe_wait() {
	# shellcheck disable=SC2034 # used by the eval in kq_poll
	local name=$1 mark=$2 cond=$3 timeout=$4 what=${5:-"probe $1: $3"}
	# shellcheck disable=SC2034 # the caller reads it
	PROBE_LINE=""
	probe_alive "$name"
	# shellcheck disable=SC2016 # kq_poll evals it
	kq_poll 'PROBE_LINE=$(probe_find "$name" "$mark" "$cond"); [[ -n $PROBE_LINE ]]' "$timeout" ||
		kq_fail "$what: no such line within $timeout s; last: $(tail -n 1 "$KQ_DIR/$name.jsonl")"
}

# probe_get LINE FILTER: one value of a line.
probe_get() {
	jq -r "$KQ_JQ_DEFS $2" <<<"$1"
}

# pg_lsn_num X/Y: an LSN as a number (bytes).
pg_lsn_num() {
	[[ $1 =~ ^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$ ]] || kq_fail "not an LSN: '$1'"
	echo $((16#${BASH_REMATCH[1]} * 4294967296 + 16#${BASH_REMATCH[2]}))
}

# pg_writer_start HOST ADDR PORT TABLE: a client in HOST's namespace that INSERTs 1, 2, 3, ...
# into TABLE (one int column) at ADDR:PORT every 0.1 s, one new connection each time (as a
# client reconnecting after a failover would); the numbers acknowledged go to $KQ_DIR/acked,
# one a line. It runs until pg_writer_stop (or the test's end).
pg_writer_start() {
	local host=$1 addr=$2 port=$3 table=$4
	: >"$KQ_DIR/acked"
	(
		seq=0
		while :; do
			seq=$((seq + 1))
			if ip netns exec "$(kq_ns "$host")" "$KQ_PG_BINDIR/psql" -X -q -At \
				-v ON_ERROR_STOP=1 \
				"host=$addr port=$port user=postgres dbname=postgres connect_timeout=1" \
				-c "INSERT INTO $table VALUES ($seq)" >/dev/null 2>>"$KQ_DIR/writer.err"; then
				echo "$seq" >>"$KQ_DIR/acked"
			fi
			sleep 0.1
		done
	) &
	PG_WRITER_PID=$!
	KQ_PIDS+=("$PG_WRITER_PID")
}

pg_writer_stop() {
	kill "$PG_WRITER_PID" 2>/dev/null || true
	wait "$PG_WRITER_PID" 2>/dev/null || true
}
