# shellcheck shell=bash
# tests/netns/lib.sh: the library of the netns scenarios (real keepquorumd daemons in network
# namespaces made by the test itself). Source it from a scenario:
#
#   #!/bin/bash
#   set -euo pipefail
#   . "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"
#   kq_require_netns
#   kq_lab_create 2
#   ...
#
# Environment (set by `make check`): KEEPQUORUMD, KEEPQUORUMCTL (absolute paths of the binaries),
# KQ_BUILDDIR, KQ_SRCDIR. Optional: KQ_KEEP=1 keeps the temp dir (its path is printed);
# KEEPQUORUM_REQUIRE_NETNS=1 turns a skip (no root, no netns, missing tool) into a failure;
# KQ_TEST_TIMEOUT (seconds, default 120, 300 under the sanitizers) bounds the whole scenario.
#
# Exit codes follow automake's test driver: 0 pass, 1 fail, 77 skip.
#
# Names. Every namespace this file creates is named kq<PID><suffix> (the bridge "kq<PID>b", the
# hosts "kq<PID>h1".."kq<PID>hN"), so parallel tests never collide and cleanup deletes exactly
# what this test made. A daemon is named after its host ("h1"); a second daemon on the same host
# takes a dotted name ("h1.wd"): it runs in h1's namespace, with its own files. A daemon NAME has
# these files in $KQ_DIR:
#   NAME.sock          control socket          NAME.pid     pid file
#   NAME-state/        state dir               NAME.log     the daemon's stdout+stderr
#   NAME.notify.sock   its NOTIFY_SOCKET       NAME.notify  every sd_notify field received, one a line
#   NAME.journal.sock  its journal socket      NAME.journal every journal entry, one a line
#                      (with KQ_JOURNAL=1)                  (fields tab-separated; kq_journal)
#
# Never use a bare `wait` in a scenario: it would wait for the daemons (and the timeout guard);
# wait for the pid you started, or use kq_stop_daemon.
#
# Assertions (kq_fail and everything built on it) must run in the scenario's own shell, not in a
# $(...) subshell: they end the test with exit 1. (A failure in a subshell still fails the test at
# cleanup, but only when the scenario gets there.)

if [[ -n ${KQ_LIB_LOADED:-} ]]; then
	return 0
fi
KQ_LIB_LOADED=1

# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

KQ_ID="kq$$"
KQ_BRIDGE_NS=""
KQ_HOSTS=()             # h1 .. hN, after kq_lab_create
KQ_NAMESPACES=()        # every namespace this test created (cleanup deletes them)
declare -A KQ_HOST_NS=()       # h1 -> kq1234h1
declare -A KQ_DAEMON_PID=()    # daemon name -> pid of the running keepquorumd
declare -A KQ_NOTIFY_PID=()    # daemon name -> pid of its kq-notify-recv
declare -A KQ_READY_BASE=()    # daemon name -> READY=1 lines before its latest start
declare -A KQ_JOURNAL_PID=()   # daemon name -> pid of the kq-notify-recv that plays journald
# Options for the NOTIFY_SOCKET listener started next (kq-notify-recv's: -t, -w USEC -x CMD).
KQ_NOTIFY_OPTS=()

# Whatever the caller's environment says about systemd must not leak into our daemons or tools.
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID JOURNAL_STREAM LISTEN_FDS LISTEN_PID LISTEN_FDNAMES

# --- cleanup of what this library made ------------------------------------------------------

# Every namespace of ours goes (common.sh has stopped our processes already).
kq__netns_cleanup() {
	local ns pid left="" rc=0
	for ns in "${KQ_NAMESPACES[@]}"; do
		# Anything still inside a namespace of ours was started by this test (hooks, scripts).
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	for ns in "${KQ_NAMESPACES[@]}"; do
		# the whole list read before matching: under pipefail a `grep -q` that stops early can
		# make the writer die of SIGPIPE and the pipeline fail although the line was there
		if ip netns list 2>/dev/null | awk -v ns="$ns" '$1 == ns { f = 1 } END { exit !f }'; then
			left+=" $ns"
		fi
	done
	if [[ -n $left ]]; then
		echo "FAIL: $KQ_TEST_NAME: namespaces left behind after cleanup: $left" >&2
		rc=1
	fi
	return "$rc"
}
KQ_CLEANUP_HOOKS+=(kq__netns_cleanup)
KQ_LOG_GLOBS+=('*.log' '*.notify' '*.journal')

# --- prerequisites -------------------------------------------------------------------------

# Skip (77) unless we can build a lab: root, ip, jq, working network namespaces, veth, bridge.
# The binaries themselves must exist: their absence is a failure, not a skip.
kq_require_netns() {
	local probe="${KQ_ID}probe" err="$KQ_DIR/.probe.err" t
	((EUID == 0)) || kq_skip "needs root (network namespaces)"
	for t in ip jq; do
		command -v "$t" >/dev/null 2>&1 || kq_skip "'$t' is not installed"
	done
	for t in KEEPQUORUMD KEEPQUORUMCTL KQ_BUILDDIR; do
		[[ -n ${!t:-} ]] || kq_fail "$t is not set (run through 'make check', or set it)"
	done
	[[ -x $KEEPQUORUMD ]] || kq_fail "KEEPQUORUMD=$KEEPQUORUMD is not an executable"
	[[ -x $KEEPQUORUMCTL ]] || kq_fail "KEEPQUORUMCTL=$KEEPQUORUMCTL is not an executable"
	KQ_NOTIFY_RECV="$KQ_BUILDDIR/tests/netns/kq-notify-recv"
	[[ -x $KQ_NOTIFY_RECV ]] ||
		kq_fail "$KQ_NOTIFY_RECV is missing (make tests/netns/kq-notify-recv)"
	if ! ip netns add "$probe" 2>"$err"; then
		kq_skip "'ip netns add' does not work here: $(cat "$err")"
	fi
	KQ_NAMESPACES+=("$probe")
	if ! ip -n "$probe" link add kqa type veth peer name kqb 2>"$err"; then
		kq_skip "cannot create a veth pair in a namespace: $(cat "$err")"
	fi
	if ! ip -n "$probe" link add kqbr type bridge 2>"$err"; then
		kq_skip "cannot create a bridge in a namespace: $(cat "$err")"
	fi
	ip netns del "$probe"
	unset 'KQ_NAMESPACES[-1]'
}

# --- the lab -------------------------------------------------------------------------------

# kq_setup COMMAND...: run a setup command; the test fails (with its stderr) if it does.
kq_setup() {
	"$@" 2>"$KQ_DIR/.setup.err" || kq_fail "lab setup: '$*' failed: $(cat "$KQ_DIR/.setup.err")"
}

kq__ns_add() {
	kq_setup ip netns add "$1"
	KQ_NAMESPACES+=("$1")
	kq_setup ip -n "$1" link set lo up
}

# kq_lab_create N: a bridge namespace with br0, and N hosts h1..hN; host i has eth0 on the
# bridge with 10.77.0.i/24 and fd77::i/64. The root namespace's interfaces are never touched:
# each veth pair is created inside the host's namespace with its peer directly in the bridge's.
kq_lab_create() {
	local n=${1:-1} i ns
	if ! [[ $n =~ ^[0-9]+$ ]] || ((n < 1 || n > 250)); then
		kq_fail "kq_lab_create: bad host count '$n'"
	fi
	[[ -z $KQ_BRIDGE_NS ]] || kq_fail "kq_lab_create: a lab exists already"
	KQ_BRIDGE_NS="${KQ_ID}b"
	kq__ns_add "$KQ_BRIDGE_NS"
	# No STP, no forwarding delay, no snooping: VRRP multicast must be flooded from the start.
	kq_setup ip -n "$KQ_BRIDGE_NS" link add br0 type bridge stp_state 0 forward_delay 0 \
		mcast_snooping 0
	kq_setup ip -n "$KQ_BRIDGE_NS" link set br0 up
	for ((i = 1; i <= n; i++)); do
		ns="${KQ_ID}h$i"
		kq__ns_add "$ns"
		KQ_HOSTS+=("h$i")
		KQ_HOST_NS["h$i"]=$ns
		# No DAD anywhere: link-local and lab addresses are usable at once (VRRPv3 over IPv6
		# sends from the link-local address).
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 >/dev/null 2>&1 || true
		kq_setup ip -n "$ns" link add eth0 type veth peer name "vh$i" netns "$KQ_BRIDGE_NS"
		kq_setup ip -n "$KQ_BRIDGE_NS" link set "vh$i" master br0
		kq_setup ip -n "$KQ_BRIDGE_NS" link set "vh$i" up
		kq_setup ip -n "$ns" addr add "10.77.0.$i/24" dev eth0
		if ! ip -n "$ns" addr add "fd77::$i/64" dev eth0 nodad 2>"$KQ_DIR/.setup.err"; then
			kq_skip "no IPv6 in network namespaces: $(cat "$KQ_DIR/.setup.err")"
		fi
		kq_setup ip -n "$ns" link set eth0 up
	done
	for ns in "${KQ_HOSTS[@]}"; do
		kq_wait_for "[[ \$(ip -n ${KQ_HOST_NS[$ns]} link show dev eth0) == *LOWER_UP* ]]" 5 \
			"lab: eth0 of $ns up"
	done
}

# kq_spare_link HOST IFNAME: a link in HOST that carries nothing, up and with carrier, for a
# test to track and to set down and up: a dummy link or, where the kernel has no dummy driver,
# one end of a veth pair whose other end (IFNAME + "p") stays up in HOST.
kq_spare_link() {
	local ns
	ns=$(kq_ns "$1") || exit 1
	if ! ip -n "$ns" link add "$2" type dummy 2>/dev/null; then
		kq_setup ip -n "$ns" link add "$2" type veth peer name "${2}p"
		kq_setup ip -n "$ns" link set "${2}p" up
	fi
	kq_setup ip -n "$ns" link set "$2" up
	kq_wait_for "[[ \$(ip -n $ns link show dev $2) == *LOWER_UP* ]]" 3 "$1's $2 up"
}

# kq_ns NAME: the namespace of a host or daemon name ("h1", "h1.wd").
kq_ns() {
	local host=${1%%.*}
	[[ -n ${KQ_HOST_NS[$host]:-} ]] || kq_fail "no host '$host' in the lab"
	echo "${KQ_HOST_NS[$host]}"
}

# kq_exec HOST COMMAND...: run a command inside the host's namespace.
kq_exec() {
	local ns
	ns=$(kq_ns "$1") || exit 1
	shift
	ip netns exec "$ns" "$@"
}

# kq_addrs HOST [DEV]: the addresses on DEV (default eth0) of a host, ADDRESS/PREFIX one a line.
kq_addrs() {
	local ns
	ns=$(kq_ns "$1") || exit 1
	ip -n "$ns" -j addr show dev "${2:-eth0}" |
		jq -r '.[].addr_info[] | "\(.local)/\(.prefixlen)"'
}

# kq_has_addr HOST ADDRESS/PREFIX [DEV]: true if the address is on DEV (default eth0).
kq_has_addr() {
	local a
	a=$(kq_addrs "$1" "${3:-eth0}")
	[[ $'\n'$a$'\n' == *$'\n'"$2"$'\n'* ]]
}

# --- daemons -------------------------------------------------------------------------------

kq__daemon_pid() {
	[[ -n ${KQ_DAEMON_PID[$1]:-} ]] || kq_fail "no daemon '$1' was started"
	echo "${KQ_DAEMON_PID[$1]}"
}

# kq_alive NAME: true while daemon NAME runs.
kq_alive() {
	kq__pid_alive "${KQ_DAEMON_PID[$1]:-}"
}

kq_pid() {
	kq__daemon_pid "$1"
}

# kq_notify_count NAME LINE: how many times the field LINE (e.g. READY=1) was notified.
kq_notify_count() {
	local n
	n=$(grep -cxF -- "$2" "$KQ_DIR/$1.notify" 2>/dev/null) || true
	echo "${n:-0}"
}

# kq_journal NAME FIELD=VALUE...: the journal entries of daemon NAME (started with KQ_JOURNAL=1)
# that have every one of these fields, one a line, fields tab-separated.
kq_journal() {
	local name=$1
	shift
	[[ -e $KQ_DIR/$name.journal ]] || return 0
	KQ_WANT=$(printf '%s\t' "$@") awk -F'\t' '
		BEGIN { n = split(ENVIRON["KQ_WANT"], want, "\t") - 1 }
		{ delete have; for (i = 1; i <= NF; i++) have[$i] = 1
		  for (i = 1; i <= n; i++) if (!(want[i] in have)) next
		  print }' "$KQ_DIR/$name.journal"
}

# kq_journal_field ENTRY FIELD: the value of FIELD in one entry (a line of kq_journal).
kq_journal_field() {
	awk -F'\t' -v f="$2" '{ for (i = 1; i <= NF; i++) if (index($i, f "=") == 1) { print substr($i, length(f) + 2); exit } }' <<<"$1"
}

# kq_wait_notify NAME LINE [COUNT] [TIMEOUT]: wait until LINE was notified COUNT (1) times.
kq_wait_notify() {
	local name=$1 line=$2 count=${3:-1} t=${4:-10}
	kq_poll "(( \$(kq_notify_count '$name' '$line') >= $count ))" "$t" ||
		kq_fail "$name: '$line' not notified $count time(s) within $t s" \
			"(got $(kq_notify_count "$name" "$line"))"
}

# Start (or keep) the NOTIFY_SOCKET listener of daemon NAME.
kq__notify_start() {
	local name=$1 sock="$KQ_DIR/$1.notify.sock"
	if kq__pid_alive "${KQ_NOTIFY_PID[$name]:-}"; then
		return 0
	fi
	"$KQ_NOTIFY_RECV" "${KQ_NOTIFY_OPTS[@]}" "$sock" >>"$KQ_DIR/$name.notify" \
		2>>"$KQ_DIR/$name.notify.err" </dev/null &
	KQ_NOTIFY_PID[$name]=$!
	KQ_PIDS+=("$!")
	kq_poll "[[ -S '$sock' ]]" 5 ||
		kq_fail "kq-notify-recv did not bind $sock: $(cat "$KQ_DIR/$name.notify.err")"
}

# Start (or keep) the listener that plays journald for daemon NAME.
kq__journal_start() {
	local name=$1 sock="$KQ_DIR/$1.journal.sock"
	if kq__pid_alive "${KQ_JOURNAL_PID[$name]:-}"; then
		return 0
	fi
	"$KQ_NOTIFY_RECV" -r "$sock" >>"$KQ_DIR/$name.journal" 2>>"$KQ_DIR/$name.journal.err" \
		</dev/null &
	KQ_JOURNAL_PID[$name]=$!
	KQ_PIDS+=("$!")
	kq_poll "[[ -S '$sock' ]]" 5 ||
		kq_fail "kq-notify-recv did not bind $sock: $(cat "$KQ_DIR/$name.journal.err")"
}

# The daemon's own mount namespace gets a /run of its own whose journald socket is the
# listener's; stderr is then "the journal stream" (JOURNAL_STREAM names its file).
# shellcheck disable=SC2016 # expanded by that sh
KQ_JOURNAL_WRAP='mount -t tmpfs kqjournal /run && mkdir -p /run/systemd/journal &&
	ln -s "$0" /run/systemd/journal/socket && exec "$@"'

# KQ_ETC_KEEPALIVED[HOST]=DIR: daemons started on HOST (keepquorumd and keepalived) see DIR as
# /etc/keepalived, bind-mounted in the private mount namespace `ip netns exec` gives them (and
# their scripts), never on the host's own.
declare -A KQ_ETC_KEEPALIVED=()
# shellcheck disable=SC2016 # expanded by that sh
KQ_ETC_WRAP='mount --bind "$0" /etc/keepalived && exec "$@"'

# kq__etc_wrap HOST: the words to put before a daemon's command for KQ_ETC_KEEPALIVED[HOST]
kq__etc_wrap() {
	local dir=${KQ_ETC_KEEPALIVED[${1%%.*}]:-}
	[[ -z $dir ]] || printf '%s\0' sh -c "$KQ_ETC_WRAP" "$dir"
}

# kq_start_daemon NAME CONFIG [ARGS...]: start keepquorumd in NAME's namespace, in the
# background, with a NOTIFY_SOCKET listener. Variables assigned before the call are passed on:
#   WATCHDOG_USEC=200000 kq_start_daemon h1.wd "$cfg"
# With KQ_JOURNAL=1 it logs to the journal (no -l): its entries land in $KQ_DIR/NAME.journal.
# With KQ_DAEMON_CAPS set (capability names without "cap_", comma-separated), it runs with those
# alone in its bounding set, by setpriv, as the unit's CapabilityBoundingSet= runs it; and
# kq_wait_ready checks that it has exactly those. With KQ_VALGRIND set to a directory, it runs
# under valgrind's memcheck, which writes its report there (NAME.PID.valgrind).
kq_start_daemon() {
	local name=$1 cfg=$2 ns pid log_args=(-l) wrap=()
	shift 2
	ns=$(kq_ns "$name") || exit 1
	if kq_alive "$name"; then
		kq_fail "kq_start_daemon: daemon '$name' is running already"
	fi
	kq__notify_start "$name"
	touch "$KQ_DIR/$name.log"
	if [[ ${KQ_JOURNAL:-0} == 1 ]]; then
		kq__journal_start "$name"
		log_args=()
		wrap=(unshare -m --propagation private sh -c "$KQ_JOURNAL_WRAP" "$KQ_DIR/$name.journal.sock")
		export JOURNAL_STREAM
		JOURNAL_STREAM=$(stat -c '%d:%i' "$KQ_DIR/$name.log")
	fi
	mapfile -d '' -t -O "${#wrap[@]}" wrap < <(kq__etc_wrap "$name")
	# last: the wrappers before it mount, which the bounding set would no longer allow
	[[ -z ${KQ_DAEMON_CAPS:-} ]] ||
		wrap+=(setpriv --bounding-set "-all,+${KQ_DAEMON_CAPS//,/,+}" --inh-caps=-all)
	[[ -z ${KQ_VALGRIND:-} ]] || KQ_KILL_GRACE=20    # its leak check at exit takes a while
	# shellcheck disable=SC2054 # the commas are valgrind's lists, not array elements
	[[ -z ${KQ_VALGRIND:-} ]] ||
		wrap+=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect
		       --errors-for-leak-kinds=definite,indirect --num-callers=30
		       "--log-file=$KQ_VALGRIND/$name.%p.valgrind")
	KQ_READY_BASE[$name]=$(kq_notify_count "$name" READY=1)
	echo "=== kq: $(date '+%T.%N') starting keepquorumd -f $cfg $* in $ns" >>"$KQ_DIR/$name.log"
	# A background job of a script inherits SIGINT ignored; the daemon must see it (SIGINT stops
	# it). ip netns exec execs the daemon, so $! is keepquorumd's own pid.
	NOTIFY_SOCKET="$KQ_DIR/$name.notify.sock" "${KQ_RESET_SIGNALS[@]}" \
		ip netns exec "$ns" "${wrap[@]}" "$KEEPQUORUMD" "${log_args[@]}" -f "$cfg" \
		--ctl-socket "$KQ_DIR/$name.sock" --state-dir "$KQ_DIR/$name-state" \
		-p "$KQ_DIR/$name.pid" "$@" >>"$KQ_DIR/$name.log" 2>&1 </dev/null &
	pid=$!
	unset JOURNAL_STREAM
	KQ_DAEMON_PID[$name]=$pid
	KQ_PIDS+=("$pid")
}
if env --default-signal=INT --default-signal=QUIT true 2>/dev/null; then
	KQ_RESET_SIGNALS=(env --default-signal=INT --default-signal=QUIT)
else
	KQ_RESET_SIGNALS=(env)
fi

# kq_wait_ready NAME [TIMEOUT]: wait for READY=1 from the latest start of NAME (default 10 s).
kq_wait_ready() {
	local name=$1 t=${2:-10} pid rc=0 want
	pid=$(kq__daemon_pid "$name") || exit 1
	want=$((${KQ_READY_BASE[$name]:-0} + 1))
	if ! kq_poll "(( \$(kq_notify_count '$name' READY=1) >= $want )) || ! kq__pid_alive $pid" "$t"; then
		kq_fail "$name: no READY=1 within $t s"
	fi
	if ! kq__pid_alive "$pid" && (($(kq_notify_count "$name" READY=1) < want)); then
		wait "$pid" 2>/dev/null || rc=$?
		kq_fail "$name: keepquorumd exited with code $rc before READY=1"
	fi
	[[ -z ${KQ_DAEMON_CAPS:-} ]] || kq__check_caps "$name" "$pid"
}

# kq__check_caps NAME PID: the daemon's effective and bounding sets are KQ_DAEMON_CAPS, exactly.
kq__check_caps() {
	local want got eff bnd
	command -v capsh >/dev/null 2>&1 || kq_skip "'capsh' is not installed (apt-get install libcap2-bin)"
	want=$(tr ',' '\n' <<<"$KQ_DAEMON_CAPS" | sed 's/^/cap_/' | sort | paste -sd,)
	eff=$(awk '/^CapEff:/ { print $2 }' "/proc/$2/status")
	bnd=$(awk '/^CapBnd:/ { print $2 }' "/proc/$2/status")
	got=$(capsh --decode="$eff" | sed 's/.*=//' | tr ',' '\n' | sort | paste -sd,)
	[[ $got == "$want" && $eff == "$bnd" ]] ||
		kq_fail "$1: runs with capabilities '$got' (bounding $bnd), expected '$want'"
}

# kq_signal NAME SIGNAL: send a signal to daemon NAME (its recorded pid only).
kq_signal() {
	local pid
	pid=$(kq__daemon_pid "$1") || exit 1
	kq__pid_alive "$pid" || kq_fail "cannot send SIG${2#SIG} to $1: it is not running"
	kill -s "${2#SIG}" "$pid"
}

# kq_stop_daemon NAME [SIGNAL] [TIMEOUT]: send SIGNAL (TERM) to daemon NAME, wait for it to exit
# (10 s) and return its exit code (128+N when a signal N killed it):
#   rc=0; kq_stop_daemon h1 || rc=$?
kq_stop_daemon() {
	local name=$1 sig=${2:-TERM} t=${3:-10} pid rc=0 err_fd stopped=0
	pid=$(kq__daemon_pid "$name") || exit 1
	kq__pid_alive "$pid" || kq_fail "cannot send SIG${sig#SIG} to $name: it is not running"
	# bash reports a job killed by a signal ("Killed ...") on its stderr: not an error here.
	exec {err_fd}>&2 2>/dev/null
	kill -s "${sig#SIG}" "$pid" && kq_poll "! kq__pid_alive $pid" "$t" && stopped=1
	if ((stopped)); then
		wait "$pid" || rc=$?
	fi
	exec 2>&"$err_fd" {err_fd}>&-
	((stopped)) || kq_fail "$name: still running $t s after SIG${sig#SIG}"
	return "$rc"
}

# kq_ctl NAME ARGS...: keepquorumctl on daemon NAME's control socket.
kq_ctl() {
	"$KEEPQUORUMCTL" -s "$KQ_DIR/$1.sock" "${@:2}"
}

# kq_status NAME: daemon NAME's `status --json`.
kq_status() {
	kq_ctl "$1" status --json
}

# kq_jq NAME EXPR: jq -r EXPR on daemon NAME's status (the test fails if either step does).
kq_jq() {
	local json
	json=$(kq_status "$1") || kq_fail "$1: keepquorumctl status --json failed (exit $?)"
	jq -r "$2" <<<"$json" || kq_fail "$1: jq '$2' failed on the status: $json"
}

# kq_assert_jq NAME EXPR EXPECTED: `kq_status NAME | jq -r EXPR` must print EXPECTED.
kq_assert_jq() {
	local json val
	json=$(kq_status "$1") || kq_fail "$1: keepquorumctl status --json failed (exit $?)"
	val=$(jq -r "$2" <<<"$json") || kq_fail "$1: jq '$2' failed on the status: $json"
	[[ $val == "$3" ]] ||
		kq_fail "$1: status: $2 is '$val', expected '$3'; status: $(jq -c . <<<"$json")"
}

# --- packet capture and link facts (tcpdump) -----------------------------------------------

declare -A KQ_CAP_PID=()       # capture name -> pid of its tcpdump

# kq_mac HOST [DEV]: the MAC address of DEV (eth0) in HOST's namespace.
kq_mac() {
	local ns
	ns=$(kq_ns "$1") || exit 1
	ip -n "$ns" -j link show dev "${2:-eth0}" | jq -r '.[0].address'
}

# kq_linklocal HOST [DEV]: the IPv6 link-local address of DEV (eth0).
kq_linklocal() {
	local ns
	ns=$(kq_ns "$1") || exit 1
	ip -n "$ns" -j addr show dev "${2:-eth0}" scope link |
		jq -r '[.[0].addr_info[] | select(.family == "inet6")][0].local // empty'
}

# kq_capture_start NAME NS DEV FILTER: tcpdump on DEV in namespace NS (a namespace name, e.g.
# "$(kq_ns h3)" or "$KQ_BRIDGE_NS") into $KQ_DIR/NAME.pcap; returns once it listens.
kq_capture_start() {
	local name=$1 ns=$2 dev=$3 filter=$4 cap="$KQ_DIR/$1"
	command -v tcpdump >/dev/null 2>&1 || kq_skip "'tcpdump' is not installed"
	# -Z root: Debian's tcpdump drops to user tcpdump, which may not write in $KQ_DIR. -U: each
	# packet is written at once, so the file can be read while tcpdump runs. --immediate-mode:
	# libpcap's TPACKET_V3 ring otherwise hands packets over only when a block retires (up to a
	# second later), and a capture stopped before that loses them. -s 0: whole frames.
	ip netns exec "$ns" tcpdump -i "$dev" -nn -U --immediate-mode -s 0 -Z root -w "$cap.pcap" "$filter" \
		>"$cap.out" 2>"$cap.err" </dev/null &
	KQ_CAP_PID[$name]=$!
	KQ_PIDS+=("$!")
	kq_wait_for "grep -q 'listening on' '$cap.err'" 5 "tcpdump $name listening on $dev in $ns"
}

# kq_capture_stop NAME: stop the capture (the file stays); fails if tcpdump dropped packets.
kq_capture_stop() {
	local name=$1 pid=${KQ_CAP_PID[$1]:-} rc=0
	[[ -n $pid ]] || kq_fail "kq_capture_stop: no capture '$name'"
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || rc=$?
	unset 'KQ_CAP_PID[$name]'
	grep -q '^0 packets dropped by kernel' "$KQ_DIR/$name.err" ||
		kq_fail "capture $name: tcpdump exited $rc or dropped packets: $(cat "$KQ_DIR/$name.err")"
}

# kq_capture_frames NAME: every frame captured so far, one a line: "SECONDS.MICROS HEX", HEX
# being the whole frame from the Ethernet header on (lower-case, no spaces).
kq_capture_frames() {
	tcpdump -r "$KQ_DIR/$1.pcap" -nn -tt -xx 2>/dev/null | awk '
		/^[0-9]+\.[0-9]+ / { if (hex != "") print ts, hex; ts = $1; hex = ""; next }
		/^[ \t]+0x[0-9a-f]+:/ { for (i = 2; i <= NF; i++) hex = hex $i }
		END { if (hex != "") print ts, hex }'
}

# kq_capture_decoded NAME: tcpdump's own reading of the capture (for failure messages).
kq_capture_decoded() {
	tcpdump -r "$KQ_DIR/$1.pcap" -nn -tt -e -v 2>/dev/null
}

# kq_hex_ip4 A.B.C.D: the 4 bytes of an IPv4 address as 8 hex digits.
kq_hex_ip4() {
	local IFS=.
	# shellcheck disable=SC2086 # split on the dots
	printf '%02x%02x%02x%02x\n' $1
}

# kq_hex_ip6 ADDRESS: the 16 bytes of an IPv6 address as 32 hex digits.
kq_hex_ip6() {
	local a=$1 head tail g out="" i n
	local -a hgroups=() tgroups=()
	if [[ $a == *::* ]]; then
		head=${a%%::*} tail=${a#*::}
	else
		head=$a tail=""
	fi
	[[ -n $head ]] && IFS=: read -ra hgroups <<<"$head"
	[[ -n $tail ]] && IFS=: read -ra tgroups <<<"$tail"
	n=$((8 - ${#hgroups[@]} - ${#tgroups[@]}))
	for g in "${hgroups[@]}"; do out+=$(printf %04x $((16#$g))); done
	for ((i = 0; i < n; i++)); do out+=0000; done
	for g in "${tgroups[@]}"; do out+=$(printf %04x $((16#$g))); done
	echo "$out"
}

# --- VRRP instances ------------------------------------------------------------------------

# kq_inst NAME EXPR [INSTANCE]: jq -r EXPR on one instance of daemon NAME's status (the first
# one, or the one named INSTANCE); prints nothing but fails the test if the status cannot be read.
#   kq_inst h1 .state         kq_inst h1 .counters.transitions.MASTER vi_51
kq_inst() {
	local sel='.instances[0]'
	[[ -n ${3:-} ]] && sel=".instances[] | select(.name == \"$3\")"
	kq_jq "$1" "$sel | $2"
}

# kq_state NAME [INSTANCE]: the state of an instance, or "-" when the daemon cannot be asked
# (not running, or not answering yet): never fails, so it can be polled.
kq_state() {
	local json sel='.instances[0]'
	[[ -n ${2:-} ]] && sel=".instances[] | select(.name == \"$2\")"
	json=$(kq_status "$1" 2>/dev/null) || { echo -; return 0; }
	jq -r "$sel | .state // \"-\"" <<<"$json" 2>/dev/null || echo -
}

# kq_wait_state NAME STATE [TIMEOUT] [INSTANCE]: wait until the instance is in STATE (10 s).
kq_wait_state() {
	local tmo=${3:-10}
	kq_poll "[[ \$(kq_state '$1' '${4:-}') == '$2' ]]" "$tmo" ||
		kq_fail "$1: instance ${4:-#0} not $2 within $tmo s (it is $(kq_state "$1" "${4:-}"));" \
			"status: $(kq_status "$1" 2>&1 | jq -c '.instances' 2>/dev/null)"
}

# kq_vip_holders ADDRESS/PREFIX HOST...: the hosts (among those given) that have the address on
# eth0, space-separated, in the order given.
kq_vip_holders() {
	local a=$1 h out=""
	shift
	for h in "$@"; do
		# one `ip -o` per host (no jq): this is polled
		ip -n "$(kq_ns "$h")" -o addr show dev eth0 |
			awk -v a="$a" '$4 == a { f = 1 } END { exit !f }' && out+="${out:+ }$h"
	done
	echo "$out"
}

# kq__ip4_dotted HEX8: 8 hex digits as a dotted IPv4 address.
kq__ip4_dotted() {
	echo "$((16#${1:0:2})).$((16#${1:2:2})).$((16#${1:4:2})).$((16#${1:6:2}))"
}

# kq_vrrp_adverts NAME: the VRRP adverts (IP protocol 112) in capture NAME, one a line:
#   SECONDS.MICROS SRC DST TTL VERSION VRID PRIORITY INTERVAL_CS ETH_SRC
# SRC and DST dotted for IPv4, 32 hex digits for IPv6 (see kq_hex_ip6); TTL is the IPv4 TTL or
# the IPv6 hop limit; INTERVAL_CS the advert interval in centiseconds (v2: its seconds × 100);
# ETH_SRC 12 hex digits. Other frames are skipped.
kq_vrrp_adverts() {
	local ts f ip v ihl src dst ttl vr iv
	while read -r ts f; do
		ip=${f:28}
		case ${f:24:4} in
		0800)
			[[ ${ip:18:2} == 70 ]] || continue
			ihl=$((16#${ip:1:1} * 8))
			src=$(kq__ip4_dotted "${ip:24:8}") dst=$(kq__ip4_dotted "${ip:32:8}")
			ttl=$((16#${ip:16:2}))
			vr=${ip:ihl}
			;;
		86dd)
			[[ ${ip:12:2} == 70 ]] || continue
			src=${ip:16:32} dst=${ip:48:32} ttl=$((16#${ip:14:2}))
			vr=${ip:80}
			;;
		*) continue ;;
		esac
		v=$((16#${vr:0:1}))
		if ((v == 2)); then
			iv=$((16#${vr:10:2} * 100))
		else
			iv=$((16#${vr:8:4} & 0xfff))
		fi
		echo "$ts $src $dst $ttl $v $((16#${vr:2:2})) $((16#${vr:4:2})) $iv ${f:12:12}"
	done < <(kq_capture_frames "$1")
}

# kq_arp_frames NAME: the ARP frames in capture NAME, one a line:
#   SECONDS.MICROS ETH_SRC ETH_DST OPCODE SENDER_MAC SENDER_IP TARGET_MAC TARGET_IP
# MACs as 12 hex digits, IPs dotted, OPCODE 1 (request) or 2 (reply). A gratuitous ARP for a VIP
# (RFC 5227 3) is a broadcast request with SENDER_IP = TARGET_IP = the VIP.
kq_arp_frames() {
	local ts f a
	while read -r ts f; do
		[[ ${f:24:4} == 0806 ]] || continue
		a=${f:28}
		echo "$ts ${f:12:12} ${f:0:12} $((16#${a:12:4})) ${a:16:12} $(kq__ip4_dotted "${a:28:8}")" \
			"${a:36:12} $(kq__ip4_dotted "${a:48:8}")"
	done < <(kq_capture_frames "$1")
}

# kq_na_frames NAME: the ICMPv6 Neighbour Advertisements in capture NAME, one a line:
#   SECONDS.MICROS ETH_SRC IP6_SRC IP6_DST HOPLIMIT FLAGS TARGET
# MAC 12 hex digits, addresses 32 hex digits (kq_hex_ip6), FLAGS the first flags byte in hex
# (20: Override; a0: Router and Override; 40: Solicited). Assumes no extension headers.
kq_na_frames() {
	local ts f ip
	while read -r ts f; do
		[[ ${f:24:4} == 86dd ]] || continue
		ip=${f:28}
		[[ ${ip:12:2} == 3a && ${ip:80:2} == 88 ]] || continue
		echo "$ts ${f:12:12} ${ip:16:32} ${ip:48:32} $((16#${ip:14:2})) ${ip:88:2} ${ip:96:32}"
	done < <(kq_capture_frames "$1")
}

# --- keepalived (the real one, for interoperability scenarios) -----------------------------
#
# keepalived runs in a host's namespace in the foreground (-n), VRRP only (-P), logging to
# stderr (-l -D) and not to syslog (-G). Its files, for host HOST, in $KQ_DIR:
#   keepalived-HOST.log   its output      keepalived-HOST.pid / keepalived-HOST.vrrp.pid   pid files
# It is started in a session (and process group) of its own: the parent and the VRRP child it
# forks can be killed at once, as a crash would (kq_stop_keepalived HOST KILL). Set KEEPALIVED to
# use another binary.

declare -A KQ_KA_PID=()        # host -> pid of keepalived's parent process

# kq_require_keepalived: skip (77), or fail under KEEPQUORUM_REQUIRE_NETNS=1, unless keepalived
# (and setsid, to give it a process group of its own) is installed.
kq_require_keepalived() {
	KQ_KEEPALIVED=${KEEPALIVED:-keepalived}
	command -v "$KQ_KEEPALIVED" >/dev/null 2>&1 || kq_skip "'$KQ_KEEPALIVED' is not installed"
	command -v setsid >/dev/null 2>&1 || kq_skip "'setsid' is not installed"
}

# kq_keepalived_pid HOST: the pid of the parent keepalived process on HOST.
kq_keepalived_pid() {
	[[ -n ${KQ_KA_PID[$1]:-} ]] || kq_fail "no keepalived was started on '$1'"
	echo "${KQ_KA_PID[$1]}"
}

# kq_keepalived_alive HOST: true while keepalived's parent process on HOST runs.
kq_keepalived_alive() {
	kq__pid_alive "${KQ_KA_PID[$1]:-}"
}

# kq_start_keepalived HOST CONF [ARGS...]: start keepalived with CONF (and ARGS, "-i ID" say) in
# HOST's namespace, in the background, and wait (10 s) until it has forked its VRRP child (both
# pid files written).
kq_start_keepalived() {
	local host=$1 cfg=$2 ns pid base="$KQ_DIR/keepalived-$1" child wrap=()
	shift 2
	ns=$(kq_ns "$host") || exit 1
	mapfile -d '' -t wrap < <(kq__etc_wrap "$host")
	[[ -n ${KQ_KEEPALIVED:-} ]] || kq_fail "kq_start_keepalived: call kq_require_keepalived first"
	if kq_keepalived_alive "$host"; then
		kq_fail "kq_start_keepalived: keepalived is running on '$host' already"
	fi
	rm -f "$base.pid" "$base.vrrp.pid"
	echo "=== kq: $(date '+%T.%N') starting keepalived -f $cfg in $ns" >>"$base.log"
	# setsid execs (a background job of a script is no process group leader, so it does not
	# fork), then ip netns exec execs keepalived: $! is keepalived's own pid, and its group's.
	"${KQ_RESET_SIGNALS[@]}" setsid ip netns exec "$ns" "${wrap[@]}" "$KQ_KEEPALIVED" -n -l -D -G -P \
		-f "$cfg" -p "$base.pid" -r "$base.vrrp.pid" "$@" >>"$base.log" 2>&1 </dev/null &
	pid=$!
	KQ_KA_PID[$host]=$pid
	KQ_PIDS+=("$pid")
	kq_poll "[[ -s '$base.pid' && -s '$base.vrrp.pid' ]] || ! kq__pid_alive $pid" 10 ||
		kq_fail "$host: keepalived wrote no pid files within 10 s"
	kq__pid_alive "$pid" || kq_fail "$host: keepalived exited at start; its log: $(tail -n 20 "$base.log")"
	[[ $(cat "$base.pid") == "$pid" ]] ||
		kq_fail "$host: keepalived's pid file says $(cat "$base.pid"), but it was started as $pid"
	child=$(cat "$base.vrrp.pid")
	[[ $(ps -o pgid= -p "$child" 2>/dev/null | tr -d ' ') == "$pid" ]] ||
		kq_fail "$host: keepalived's VRRP child $child is not in process group $pid"
}

# kq_stop_keepalived HOST [SIGNAL] [TIMEOUT]: stop keepalived on HOST and wait (10 s) until both
# of its processes are gone; returns the parent's exit code (128+N when signal N killed it).
# TERM (default) is a clean stop: priority-0 adverts, VIPs removed. KILL is a crash: the parent
# and the VRRP child are killed at once, through their process group, so that neither can react
# (killing only the parent makes the child stop cleanly); the VIPs stay where they are, and the
# stale pid files are removed.
kq_stop_keepalived() {
	local host=$1 sig=${2:-TERM} tmo=${3:-10} pid child="" rc=0 err_fd stopped=0
	local base="$KQ_DIR/keepalived-$1"
	sig=${sig#SIG}
	pid=$(kq_keepalived_pid "$host") || exit 1
	kq__pid_alive "$pid" || kq_fail "cannot send SIG$sig to keepalived on $host: it is not running"
	child=$(cat "$base.vrrp.pid" 2>/dev/null) || true
	# bash reports a job killed by a signal ("Killed ...") on its stderr: not an error here.
	exec {err_fd}>&2 2>/dev/null
	if [[ $sig == KILL ]]; then
		kill -KILL -- "-$pid"
	else
		kill -s "$sig" "$pid"
	fi && kq_poll "! kq__pid_alive $pid && ! kq__pid_alive '$child'" "$tmo" && stopped=1
	if ((stopped)); then
		wait "$pid" || rc=$?
	fi
	exec 2>&"$err_fd" {err_fd}>&-
	((stopped)) || kq_fail "$host: keepalived (pid $pid, VRRP child ${child:-?}) still running $tmo s after SIG$sig"
	[[ $sig != KILL ]] || rm -f "$base.pid" "$base.vrrp.pid"
	echo "=== kq: $(date '+%T.%N') keepalived stopped by SIG$sig, exit code $rc" >>"$base.log"
	return "$rc"
}

# kq_vrrp_ini HOST INSTANCE LINE...: on stdout, a keepquorum.ini for HOST's daemon: router_id
# node-HOST and one [vrrp_instance INSTANCE] in state BACKUP on eth0, then each LINE as given
# ("priority = 150"); empty LINEs are left out. The scenarios' configs differ only in those lines.
kq_vrrp_ini() {
	local host=$1 inst=$2 line
	shift 2
	printf '[global]\nrouter_id = node-%s\n\n[vrrp_instance %s]\nstate = BACKUP\ninterface = eth0\n' \
		"$host" "$inst"
	for line in "$@"; do
		[[ -n $line ]] && printf '%s\n' "$line"
	done
	return 0
}

# kq_start_in_order HOST...: start each HOST's daemon on $KQ_DIR/HOST.ini, waiting for its
# READY=1 before the next. With equal timers the first one's down timer runs out first, so an
# election among them is decided by start order as well as by priority, never by a race.
kq_start_in_order() {
	local h
	for h in "$@"; do
		kq_start_daemon "$h" "$KQ_DIR/$h.ini"
		kq_wait_ready "$h"
	done
}
