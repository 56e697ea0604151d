# shellcheck shell=bash
# pg-common.sh: what keepquorum's PostgreSQL scripts (pg-promote, pg-demote, pg-rejoin, check-pg)
# share: their settings, and running psql and pg_ctl. Sourced by each from its own directory;
# sourcing it only defines functions and variables.
#
# Settings: the environment first; what it leaves unset or empty comes from the defaults file
# ${PG_SCRIPTS_ENV:-/etc/keepquorum/pg.env}; what both leave unset gets a built-in default.
# The file is parsed, never sourced (the scripts run as hooks of a root daemon): KEY=VALUE lines,
# blanks around '=' allowed, '#' comments and blank lines, the value optionally in single or
# double quotes (taken literally: no escapes, no expansion); only the keys below; an empty value
# sets nothing. A missing file is fine; an unreadable one, an unknown key, a key given twice, a
# malformed line or a bad value is a configuration error: exit 2, naming FILE:LINE.
#
# Output: one short line first (the daemon logs it with the instance's name); errors on stderr.
# Exit codes of every script: 0 success, 1 failure, 2 usage or configuration error.

PGC_KEYS=(PGDATA PG_BINDIR PGHOST PGPORT PGUSER PGDATABASE PROMOTE_METHOD PROMOTE_WAIT
	DEMOTE_MODE DEMOTE_STOP_MODE PRIMARY_CONNINFO CONNECT_TIMEOUT)
PGC_NAME=${0##*/}
declare -A PGC_ORIGIN=()    # key -> where its value came from: "the environment", "FILE:LINE"
PGC_TMP=""                  # a private temp dir (psql's stderr), removed at exit
PGC_OUT=""                  # the last pgc_sql's rows
PGC_ERR=""                  # the last pgc_sql's errors, as one line
PGC_RC=0                    # the last pgc_sql's exit status (psql: 2 = cannot connect)

# --- messages and exits ----------------------------------------------------------------------

pgc_usage_error() {
	echo "$PGC_NAME: $*; see $PGC_NAME --help" >&2
	exit 2
}

pgc_config_error() {
	echo "$*" >&2
	exit 2
}

pgc_fail() {
	echo "$*" >&2
	exit 1
}

# --- settings --------------------------------------------------------------------------------

# pgc_help_settings KEY...: the help text of these settings (the script's --help lists those it
# reads), then how settings are found.
pgc_help_settings() {
	local key
	echo "Settings (environment first, then the defaults file):"
	for key in "$@"; do
		case $key in
		PGDATA) echo "  PGDATA            the local server's data directory (pg_ctl -D)" ;;
		PG_BINDIR) echo "  PG_BINDIR         where psql, pg_ctl and pg_rewind are (default:"
			echo "                    /usr/lib/postgresql/<PGDATA's PG_VERSION>/bin, else the newest"
			echo "                    /usr/lib/postgresql/*/bin, else PATH)" ;;
		PGHOST) echo "  PGHOST, PGPORT, PGUSER, PGDATABASE"
			echo "                    how psql reaches the local server (libpq's own variables;"
			echo "                    unset: libpq's defaults)" ;;
		CONNECT_TIMEOUT) echo "  CONNECT_TIMEOUT   seconds to connect, as PGCONNECT_TIMEOUT (default 3)" ;;
		PROMOTE_METHOD) echo "  PROMOTE_METHOD    sql (default): SELECT pg_promote(...) through psql;"
			echo "                    pg_ctl: pg_ctl promote (needs PGDATA and the server's OS user)" ;;
		PROMOTE_WAIT) echo "  PROMOTE_WAIT      seconds to wait for the promotion (default 20, 1-3600)" ;;
		DEMOTE_MODE) echo "  DEMOTE_MODE       stop (default) or readonly" ;;
		DEMOTE_STOP_MODE) echo "  DEMOTE_STOP_MODE  fast (default) or immediate: pg_ctl stop -m" ;;
		PRIMARY_CONNINFO) echo "  PRIMARY_CONNINFO  libpq connection string of the new primary" ;;
		esac
	done
	cat <<-EOF
		A setting set and not empty in the environment wins; the others come from the defaults
		file \${PG_SCRIPTS_ENV:-/etc/keepquorum/pg.env}, here ${PG_SCRIPTS_ENV:-/etc/keepquorum/pg.env},
		which is read, never sourced: KEY=VALUE lines, '#' comments, values optionally in '...'
		or "..." (taken literally). Its keys:
		  ${PGC_KEYS[*]:0:6}
		  ${PGC_KEYS[*]:6}
		A missing file is fine; an unreadable one, an unknown key or a malformed line is a
		configuration error (exit 2, naming FILE:LINE). It must be readable by the user the
		script runs as (the hook's script_user).
	EOF
}

# pgc__trim VALUE: without leading and trailing blanks.
pgc__trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	s=${s%"${s##*[![:space:]]}"}
	printf '%s' "$s"
}

# pgc__read_file FILE: fills the settings the environment leaves unset or empty.
pgc__read_file() {
	local file=$1 text line key val n=0
	local -A value=() where=()
	[[ -e $file || -L $file ]] || return 0
	if [[ -d $file ]] || ! text=$(cat -- "$file" 2>/dev/null); then
		text=$(cat -- "$file" 2>&1 >/dev/null) || true
		pgc_config_error "$file: cannot read: ${text##*: } (running as $(id -un))"
	fi
	while IFS= read -r line; do
		n=$((n + 1))
		line=$(pgc__trim "${line%$'\r'}")
		[[ -z $line || $line == '#'* ]] && continue
		[[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=(.*)$ ]] ||
			pgc_config_error "$file:$n: not a KEY=VALUE line: $line"
		key=${BASH_REMATCH[1]}
		val=$(pgc__trim "${BASH_REMATCH[2]}")
		[[ " ${PGC_KEYS[*]} " == *" $key "* ]] ||
			pgc_config_error "$file:$n: unknown key '$key' (known: ${PGC_KEYS[*]})"
		[[ -z ${where[$key]:-} ]] ||
			pgc_config_error "$file:$n: $key is set twice (first on line ${where[$key]})"
		if [[ $val == \"* ]]; then
			[[ $val =~ ^\"([^\"]*)\"$ ]] ||
				pgc_config_error "$file:$n: $key: unbalanced double quotes in: $val"
			val=${BASH_REMATCH[1]}
		elif [[ $val == \'* ]]; then
			[[ $val =~ ^\'([^\']*)\'$ ]] ||
				pgc_config_error "$file:$n: $key: unbalanced single quotes in: $val"
			val=${BASH_REMATCH[1]}
		fi
		where[$key]=$n
		value[$key]=$val
	done <<<"$text"
	for key in "${!value[@]}"; do
		if [[ -z ${!key:-} && -n ${value[$key]} ]]; then
			printf -v "$key" '%s' "${value[$key]}"
			PGC_ORIGIN[$key]="$file:${where[$key]}"
		fi
	done
}

# pgc__origin KEY: where the value of KEY comes from, for messages.
pgc__origin() {
	echo "${PGC_ORIGIN[$1]:-the default}"
}

# pgc__bad KEY WHY: a bad value is a configuration error: "FILE:LINE: KEY='v': WHY" when the
# file gave it, else "NAME: KEY='v' (from the environment): WHY".
pgc__bad() {
	local o=${PGC_ORIGIN[$1]:-the default}
	if [[ $o == the* ]]; then
		pgc_config_error "$PGC_NAME: $1='${!1}' (from $o): $2"
	fi
	pgc_config_error "$o: $1='${!1}': $2"
}

# pgc__check_choice KEY CHOICE...
pgc__check_choice() {
	local key=$1 c
	shift
	for c in "$@"; do
		[[ ${!key} == "$c" ]] && return 0
	done
	pgc__bad "$key" "must be one of: $*"
}

# pgc__check_seconds KEY MAX
pgc__check_seconds() {
	local key=$1
	if [[ ! ${!key} =~ ^[0-9]{1,5}$ ]] || ((10#${!key} < 1 || 10#${!key} > $2)); then
		pgc__bad "$key" "must be a whole number of seconds, 1 to $2"
	fi
	printf -v "$key" '%d' "$((10#${!key}))"
}

# pgc_load: the settings, checked; libpq's variables exported for psql.
pgc_load() {
	local key d ver
	for key in "${PGC_KEYS[@]}"; do
		[[ -z ${!key:-} ]] || PGC_ORIGIN[$key]="the environment"
	done
	pgc__read_file "${PG_SCRIPTS_ENV:-/etc/keepquorum/pg.env}"
	PGDATA=${PGDATA:-}
	PGHOST=${PGHOST:-} PGPORT=${PGPORT:-} PGUSER=${PGUSER:-} PGDATABASE=${PGDATABASE:-}
	PROMOTE_METHOD=${PROMOTE_METHOD:-sql}
	PROMOTE_WAIT=${PROMOTE_WAIT:-20}
	DEMOTE_MODE=${DEMOTE_MODE:-stop}
	DEMOTE_STOP_MODE=${DEMOTE_STOP_MODE:-fast}
	PRIMARY_CONNINFO=${PRIMARY_CONNINFO:-}
	CONNECT_TIMEOUT=${CONNECT_TIMEOUT:-3}
	pgc__check_choice PROMOTE_METHOD sql pg_ctl
	pgc__check_seconds PROMOTE_WAIT 3600
	pgc__check_choice DEMOTE_MODE stop readonly
	pgc__check_choice DEMOTE_STOP_MODE fast immediate
	pgc__check_seconds CONNECT_TIMEOUT 3600
	if [[ -n ${PG_BINDIR:-} ]]; then
		[[ -d $PG_BINDIR ]] || pgc__bad PG_BINDIR "not a directory"
	else
		# The binaries of the data directory's major version, else the newest installed.
		PG_BINDIR=""
		ver=$(cat "$PGDATA/PG_VERSION" 2>/dev/null) || ver=""
		if [[ -n $PGDATA && $ver =~ ^[0-9]+$ && -x /usr/lib/postgresql/$ver/bin/pg_ctl ]]; then
			PG_BINDIR=/usr/lib/postgresql/$ver/bin
		else
			for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V); do
				[[ -x $d/pg_ctl || -x $d/psql ]] && PG_BINDIR=$d
			done
		fi
	fi
	for key in PGHOST PGPORT PGUSER PGDATABASE; do
		if [[ -n ${!key} ]]; then
			export "${key?}"
		else
			unset "$key"
		fi
	done
	export PGCONNECT_TIMEOUT=$CONNECT_TIMEOUT
	# The owner may read, write and enter what the scripts make: keepalived runs its scripts
	# with umask 0177, under which mktemp -d (0700) and pg_basebackup's directories come out
	# 0600, closed to their owner. Group and other bits stay as the caller masked them.
	umask "$(printf '%04o' $(($(umask) & 077)))"
	PGC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/keepquorum-pg.XXXXXX") ||
		pgc_fail "cannot create a temp dir in ${TMPDIR:-/tmp}"
	trap 'rm -rf "$PGC_TMP"' EXIT
	# The daemon's timeout sends SIGTERM to the process group: exit through the EXIT trap.
	trap 'exit 143' TERM
	trap 'exit 130' INT
}

# pgc_need_pgdata: PGDATA must name a data directory.
pgc_need_pgdata() {
	[[ -n $PGDATA ]] || pgc_config_error "$PGC_NAME: PGDATA is not set (environment or ${PG_SCRIPTS_ENV:-/etc/keepquorum/pg.env})"
	[[ -d $PGDATA ]] || pgc__bad PGDATA "no such directory (or not accessible as $(id -un))"
	[[ -r $PGDATA/PG_VERSION ]] ||
		pgc__bad PGDATA "not a PostgreSQL data directory (no readable PG_VERSION, running as $(id -un))"
}

# pgc_not_root: pg_ctl and pg_rewind refuse root; say so before anything happens.
pgc_not_root() {
	((EUID != 0)) || pgc_config_error "$PGC_NAME: $1 cannot run as root: run it as the server's OS user (script_user = postgres, or runuser -u postgres -- $PGC_NAME ...)"
}

# pgc_bin NAME: the program to run.
pgc_bin() {
	if [[ -n $PG_BINDIR ]]; then
		echo "$PG_BINDIR/$1"
	else
		echo "$1"
	fi
}

# pgc_need NAME...: these programs must be there.
pgc_need() {
	local p
	for p in "$@"; do
		if [[ -n $PG_BINDIR ]]; then
			[[ -x $PG_BINDIR/$p ]] || pgc_config_error "$PGC_NAME: $PG_BINDIR/$p is missing (PG_BINDIR from $(pgc__origin PG_BINDIR))"
		else
			command -v "$p" >/dev/null 2>&1 || pgc_config_error "$PGC_NAME: $p is not installed (no /usr/lib/postgresql/*/bin, not in PATH; set PG_BINDIR)"
		fi
	done
}

# pgc__oneline TEXT: an error message as one line (psql's "psql: error: " prefix dropped).
pgc__oneline() {
	local s=$1
	s=${s//psql: error: /}
	s=${s//$'\n'/ }
	s=${s//$'\t'/}
	pgc__trim "$s"
}

# pgc_sql SQL [psql args...]: run it; its rows in PGC_OUT (unaligned, no headers, fields split
# by '|'), its errors (and warnings) as one line in PGC_ERR. Fails with PGC_RC, psql's status
# (2: cannot connect, or the connection was lost; 3: the SQL failed).
pgc_sql() {
	local sql=$1
	shift
	PGC_RC=0
	# Our sessions are recognisable in pg_stat_activity (unless the caller named them). Only
	# psql's: pg_rewind -R would write it into primary_conninfo.
	PGAPPNAME=${PGAPPNAME:-keepquorum-$PGC_NAME} \
		"$(pgc_bin psql)" -X -A -t -q -v ON_ERROR_STOP=1 "$@" -c "$sql" \
		>"$PGC_TMP/out" 2>"$PGC_TMP/err" || PGC_RC=$?
	PGC_OUT=$(<"$PGC_TMP/out")
	PGC_ERR=$(pgc__oneline "$(<"$PGC_TMP/err")")
	return "$PGC_RC"
}

# pgc_sql_error: why the last pgc_sql failed, as one line.
pgc_sql_error() {
	if ((PGC_RC == 2)); then
		echo "cannot connect: ${PGC_ERR:-psql exited 2}"
	else
		echo "query failed: ${PGC_ERR:-psql exited $PGC_RC}"
	fi
}

# pgc_state: the local server's role and position, in one round trip. Sets PGC_REC (t|f),
# PGC_LSN (a primary's current LSN), PGC_TLI (a primary's timeline), PGC_RECEIVE, PGC_REPLAY and
# PGC_LAG (a standby's: receive - replay in bytes, empty when unknown) and PGC_RX (the WAL
# receiver's status: streaming, ...; "hidden" when only superusers and pg_read_all_stats may see
# it; empty when there is none). The LSN functions that fail during recovery
# are only reached on a primary, and pg_is_in_recovery() is called once.
pgc_state() {
	local wal
	PGC_REC="" PGC_LSN="" PGC_TLI="" PGC_RECEIVE="" PGC_REPLAY="" PGC_LAG="" PGC_RX=""
	pgc_sql "SELECT r.rec,
		CASE WHEN NOT r.rec THEN pg_current_wal_lsn() END,
		CASE WHEN NOT r.rec THEN pg_walfile_name(pg_current_wal_lsn()) END,
		CASE WHEN r.rec THEN pg_last_wal_receive_lsn() END,
		CASE WHEN r.rec THEN pg_last_wal_replay_lsn() END,
		CASE WHEN r.rec THEN greatest(pg_wal_lsn_diff(pg_last_wal_receive_lsn(),
			pg_last_wal_replay_lsn()), 0)::bigint END,
		(SELECT coalesce(status, 'hidden') FROM pg_stat_wal_receiver)
		FROM (SELECT pg_is_in_recovery() AS rec) r" || return 1
	IFS='|' read -r PGC_REC PGC_LSN wal PGC_RECEIVE PGC_REPLAY PGC_LAG PGC_RX <<<"$PGC_OUT"
	if [[ $PGC_REC != [tf] ]]; then
		PGC_ERR="unexpected answer: $PGC_OUT"
		PGC_RC=3
		return 1
	fi
	[[ $wal =~ ^[0-9A-Fa-f]{8} ]] && PGC_TLI=$((16#${wal:0:8}))
	return 0
}

# pgc_describe: the last pgc_state as one line.
pgc_describe() {
	if [[ $PGC_REC == f ]]; then
		echo "primary, lsn $PGC_LSN, timeline $PGC_TLI"
	else
		local rx=${PGC_RX:-no WAL receiver}
		[[ $rx != hidden ]] || rx="WAL receiver status not visible (needs pg_read_all_stats)"
		echo "standby, replay ${PGC_REPLAY:-none}, receive ${PGC_RECEIVE:-none}," \
			"lag ${PGC_LAG:-unknown}${PGC_LAG:+ bytes}, $rx"
	fi
}

# pgc_running: 0 when the server of PGDATA runs, 1 when it does not (pg_ctl status); a data
# directory pg_ctl cannot use is a configuration error.
pgc_running() {
	local rc=0 out
	out=$("$(pgc_bin pg_ctl)" status -D "$PGDATA" 2>&1) || rc=$?
	case $rc in
	0) return 0 ;;
	3) return 1 ;;
	*) pgc_config_error "$PGC_NAME: pg_ctl status -D $PGDATA: $(pgc__oneline "$out")" ;;
	esac
}

# pgc_now_ms: a clock in milliseconds (EPOCHREALTIME has 6 decimals; the separator follows the
# locale).
pgc_now_ms() {
	local us=${EPOCHREALTIME/[.,]/}
	echo $((10#$us / 1000))
}

# pgc_since MS: the time since MS (from pgc_now_ms), as "1.2 s".
pgc_since() {
	local d=$(($(pgc_now_ms) - $1))
	echo "$((d / 1000)).$((d % 1000 / 100)) s"
}
