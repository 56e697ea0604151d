# shellcheck shell=bash
# tests/lib/common.sh: what every shell test library shares (tests/netns/lib.sh, tests/pg/lib.sh):
# the test's temp dir, cleanup on any exit, a time limit, failing, skipping, asserting and
# polling. Sourced by those libraries, not by tests.
#
# Before sourcing, a library may set KQ_DEFAULT_TIMEOUT (seconds; 120 if unset). It adds to:
#   KQ_CLEANUP_HOOKS   functions run at exit, in order, after every process in KQ_PIDS was
#                      stopped and before the temp dir is removed (namespaces, servers);
#   KQ_LOG_GLOBS       file patterns under $KQ_DIR whose tails kq_fail prints.
#
# Environment: KQ_KEEP=1 keeps the temp dir (its path is printed); KEEPQUORUM_REQUIRE_NETNS=1
# turns a skip (no root, no netns, missing tool) into a failure; KQ_KILL_GRACE (seconds, 3)
# is how long a process of ours may take to stop on SIGTERM; KQ_TEST_TIMEOUT (seconds)
# bounds the whole test (default KQ_DEFAULT_TIMEOUT, times 2.5 when KQ_SANITIZERS=yes). Exit codes follow automake's test driver: 0 pass, 1 fail, 77 skip.

if [[ -n ${KQ_COMMON_LOADED:-} ]]; then
	return 0
fi
KQ_COMMON_LOADED=1

KQ_TEST_NAME=$(basename "$0" .sh)
KQ_PIDS=()              # every process this test started in the background (cleanup kills them)
KQ_CLEANUP_HOOKS=()
KQ_LOG_GLOBS=()
KQ_RC=0 KQ_OUT="" KQ_ERR=""    # set by kq_run

# Under `bash -x`, trace to the real stderr, never into the stderr kq_run captures.
if [[ $- == *x* ]]; then
	exec {KQ_XTRACE_FD}>&2
	BASH_XTRACEFD=$KQ_XTRACE_FD
fi

# --- temp dir, cleanup ---------------------------------------------------------------------

kq__tmp_base=${TMPDIR:-/tmp}
# UNIX socket paths must stay well under 108 bytes.
if (( ${#kq__tmp_base} > 50 )) || [[ ! -d $kq__tmp_base ]]; then
	kq__tmp_base=/tmp
fi
KQ_DIR=$(mktemp -d "$kq__tmp_base/kq-$KQ_TEST_NAME.XXXXXX") || {
	echo "FAIL: $KQ_TEST_NAME: cannot create a temp dir in $kq__tmp_base" >&2
	exit 1
}
unset kq__tmp_base

# True while PID runs (a zombie has finished: it is only waiting to be reaped).
kq__pid_alive() {
	local pid=$1 stat
	[[ -n $pid ]] || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# Stop one of our own processes by pid: TERM, then KILL after KQ_KILL_GRACE seconds (3 unless
# a library or test sets it: tests/netns/lib.sh gives 20 to daemons under valgrind, whose leak
# check at exit takes a while). Reaps it.
kq__kill_pid() {
	local pid=$1 i n=$((${KQ_KILL_GRACE:-3} * 10))
	if kq__pid_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < n; i++)); do
			kq__pid_alive "$pid" || break
			sleep 0.1
		done
		if kq__pid_alive "$pid"; then
			echo "kq: pid $pid ignored SIGTERM for $((n / 10)) s, sending SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || true
}

kq__cleanup() {
	local rc=$? i hook
	set +e
	trap - EXIT
	trap '' INT TERM HUP    # finish cleaning up, whatever arrives now
	[[ -e $KQ_DIR/.failed ]] && rc=1
	# Our processes first (daemons may release what they hold), newest first.
	for ((i = ${#KQ_PIDS[@]} - 1; i >= 0; i--)); do
		kq__kill_pid "${KQ_PIDS[i]}"
	done
	for hook in "${KQ_CLEANUP_HOOKS[@]}"; do
		"$hook" || rc=1
	done
	if [[ ${KQ_KEEP:-} == 1 ]]; then
		echo "kq: KQ_KEEP=1: test files kept in $KQ_DIR" >&2
	else
		rm -rf "$KQ_DIR"
	fi
	exit "$rc"
}

kq__on_signal() {
	echo "FAIL: $KQ_TEST_NAME: interrupted by SIG$1" >&2
	exit 1    # runs kq__cleanup
}

trap kq__cleanup EXIT
trap 'kq__on_signal INT' INT
trap 'kq__on_signal TERM' TERM
trap 'kq__on_signal HUP' HUP

# A stuck scenario must not hang `make check`: SIGTERM ourselves after KQ_TEST_TIMEOUT seconds,
# or the library's default, 2.5 times as long under the sanitizers (KQ_SANITIZERS=yes: the
# daemons run two to three times slower there).
kq__guard=${KQ_DEFAULT_TIMEOUT:-120}
if [[ ${KQ_SANITIZERS:-no} == yes ]]; then
	kq__guard=$((kq__guard * 5 / 2))
fi
kq__guard=${KQ_TEST_TIMEOUT:-$kq__guard}
(
	trap 'kill "$kq_sleep" 2>/dev/null; exit 0' TERM
	sleep "$kq__guard" &
	kq_sleep=$!
	wait "$kq_sleep"
	echo "FAIL: $KQ_TEST_NAME: still running after $kq__guard s" >&2
	: >"$KQ_DIR/.failed"
	kill -TERM $$
) &
KQ_PIDS+=("$!")

# --- failing, skipping, asserting ----------------------------------------------------------

kq_log() {
	echo "kq: $*" >&2
}

# Print the tail of the test's logs (KQ_LOG_GLOBS), for diagnosis.
kq_show_logs() {
	local g f
	for g in "${KQ_LOG_GLOBS[@]}"; do
		for f in "$KQ_DIR"/$g; do
			[[ -f $f ]] || continue
			echo "----- ${f#"$KQ_DIR"/} (last 40 lines) -----" >&2
			tail -n 40 "$f" >&2
		done
	done
	echo "----- end of logs -----" >&2
}

# kq_fail MESSAGE...: the test fails here.
kq_fail() {
	echo "FAIL: $KQ_TEST_NAME: $*" >&2
	: >"$KQ_DIR/.failed"
	kq_show_logs
	exit 1
}

# kq_skip REASON...: exit 77, or 1 when KEEPQUORUM_REQUIRE_NETNS=1 (a skip is then a failure).
kq_skip() {
	if [[ ${KEEPQUORUM_REQUIRE_NETNS:-} == 1 ]]; then
		echo "FAIL: $KQ_TEST_NAME: KEEPQUORUM_REQUIRE_NETNS=1 but cannot run: $*" >&2
		exit 1
	fi
	echo "SKIP: $KQ_TEST_NAME: $*" >&2
	exit 77
}

# kq_assert_eq ACTUAL EXPECTED [WHAT]
kq_assert_eq() {
	[[ $1 == "$2" ]] || kq_fail "${3:-value}: got '$1', expected '$2'"
}

# kq_assert_contains HAYSTACK NEEDLE [WHAT]: NEEDLE is a fixed string.
kq_assert_contains() {
	[[ $1 == *"$2"* ]] || kq_fail "${3:-text} does not contain '$2'; it is: $1"
}

# kq_run COMMAND...: run it, never fail; sets KQ_RC, KQ_OUT (stdout), KQ_ERR (stderr).
kq_run() {
	KQ_RC=0
	"$@" >"$KQ_DIR/.run.out" 2>"$KQ_DIR/.run.err" || KQ_RC=$?
	KQ_OUT=$(cat "$KQ_DIR/.run.out")
	KQ_ERR=$(cat "$KQ_DIR/.run.err")
}

# kq_assert_rc EXPECTED COMMAND...: run it (as kq_run) and require its exit code.
kq_assert_rc() {
	local want=$1
	shift
	kq_run "$@"
	[[ $KQ_RC == "$want" ]] ||
		kq_fail "'$*' exited $KQ_RC, expected $want"$'\n'"stdout: $KQ_OUT"$'\n'"stderr: $KQ_ERR"
}

kq__usec() {
	local s=$1 i f=0
	i=${s%%.*}
	[[ $s == *.* ]] && f=${s#*.}
	f="${f}000000"
	echo $((10#${i:-0} * 1000000 + 10#${f:0:6}))
}

kq__now_usec() {
	local t=$EPOCHREALTIME
	echo $((10#${t%.*} * 1000000 + 10#${t#*.}))
}

# kq_poll 'COMMAND' TIMEOUT: true as soon as COMMAND (eval'd) succeeds, false after TIMEOUT s.
kq_poll() {
	local cmd=$1 deadline
	deadline=$(($(kq__now_usec) + $(kq__usec "${2:-10}")))
	while true; do
		if eval "$cmd"; then
			return 0
		fi
		(($(kq__now_usec) < deadline)) || return 1
		sleep 0.05
	done
}

# kq_wait_for 'COMMAND' TIMEOUT [WHAT]: as kq_poll, but the test fails on timeout.
kq_wait_for() {
	local what=${3:-"'$1'"}
	kq_poll "$1" "${2:-10}" || kq_fail "$what: not true within ${2:-10} s"
}

