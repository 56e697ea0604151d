#!/bin/bash
# netns scenario: the systemd watchdog, with a NOTIFY_SOCKET listener that plays systemd.
#  1. cadence: with WATCHDOG_USEC=400 ms, WATCHDOG=1 comes about every 100 ms, never a period
#     apart; with WATCHDOG_PID naming another process, never.
#  2. a stuck loop (SIGSTOP) sends none; after SIGCONT they resume, and the daemon says how long
#     its loop was held up.
#  3. what the shipped unit's arithmetic promises (keepquorumd(8), WATCHDOG): three quorum members
#     with an election_timeout too short for kernel VIP lifetimes (fencing "watchdog"), each
#     under a listener that, as systemd does, SIGKILLs a daemon whose keep-alives stop for
#     WatchdogSec and runs ExecStopPost=keepquorumd --release. The leader is frozen: it is
#     killed and its VIP released before the new leader adds it: the observer sees a moment with
#     no holder between the two, never two holders (without the watchdog the frozen leader
#     would keep the VIP for good).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 3

# wd_times NAME: the T= stamps of NAME's WATCHDOG=1 datagrams, one a line.
wd_times() {
	awk '/^WATCHDOG=1$/ { w = 1; next } /^T=/ { if (w) print substr($0, 3); w = 0 }' \
		"$KQ_DIR/$1.notify"
}

# --- 1. cadence ----------------------------------------------------------------------------------
kq_vrrp_ini h1 vi_61 "virtual_router_id = 61" "priority = 100" \
	"virtual_ipaddress = 10.77.0.161/24" >"$KQ_DIR/h1.ini"
KQ_NOTIFY_OPTS=(-t)
WATCHDOG_USEC=400000 kq_start_daemon h1 "$KQ_DIR/h1.ini"
KQ_NOTIFY_OPTS=()
kq_wait_ready h1
kq_wait_notify h1 WATCHDOG=1 12 5
# every gap under the period, most near a quarter of it
read -r n max < <(wd_times h1 | awk 'NR > 1 { g = $1 - p; if (g > m) m = g } { p = $1; n++ }
	END { printf "%d %.3f\n", n, m }')
awk -v m="$max" 'BEGIN { exit !(m < 0.4) }' ||
	kq_fail "WATCHDOG=1 keep-alives $max s apart: systemd would have killed the daemon (period 0.4 s)"
kq_log "$n keep-alives, at most $max s apart"

kq_vrrp_ini h2 vi_62 "virtual_router_id = 62" "priority = 100" \
	"virtual_ipaddress = 10.77.0.162/24" >"$KQ_DIR/h2.ini"
WATCHDOG_USEC=400000 WATCHDOG_PID=1 kq_start_daemon h2 "$KQ_DIR/h2.ini"
kq_wait_ready h2
sleep 0.5
kq_assert_eq "$(kq_notify_count h2 WATCHDOG=1)" 0 "WATCHDOG=1 of a daemon whose WATCHDOG_PID is another's"
rc=0
kq_stop_daemon h2 TERM || rc=$?
kq_assert_eq "$rc" 0 "exit code of h2 on SIGTERM"

# --- 2. a stuck loop -----------------------------------------------------------------------------
kq_signal h1 STOP
sleep 0.1   # a keep-alive already on its way is not the frozen loop's
n0=$(kq_notify_count h1 WATCHDOG=1)
sleep 1.2
n1=$(kq_notify_count h1 WATCHDOG=1)
kq_signal h1 CONT
kq_assert_eq "$n1" "$n0" "WATCHDOG=1 keep-alives while the loop was stopped"
kq_wait_notify h1 WATCHDOG=1 $((n1 + 3)) 3
kq_wait_for "grep -q 'event loop was held up' '$KQ_DIR/h1.log'" 3 "the held-up loop reported"
rc=0
kq_stop_daemon h1 TERM || rc=$?
kq_assert_eq "$rc" 0 "exit code of h1 on SIGTERM"

# --- 3. a frozen leader is killed and released before another may hold the VIP ---------------
# shellcheck source-path=SCRIPTDIR source=quorum-lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/quorum-lib.sh"
QL_HEARTBEAT=0.1
# 1.5 s: still too short for kernel lifetimes (fencing "watchdog"), and 0.9 s left for the kill
# and the release, which a sanitizer build needs (0.1 s without one)
QL_ELECTION_TIMEOUT=1.5
ql_cluster h1 h2 h3
ql_observe
# WatchdogSec 0.5 s <= election_timeout - heartbeat_interval - 0.3 s; each member's listener
# is started anew as its "systemd"
for h in h1 h2 h3; do
	if [[ -n ${KQ_NOTIFY_PID[$h]:-} ]]; then
		kill "${KQ_NOTIFY_PID[$h]}"
		wait "${KQ_NOTIFY_PID[$h]}" || true
		KQ_NOTIFY_PID[$h]=""
	fi
	KQ_NOTIFY_OPTS=(-t -w 500000 -x "ip netns exec $(kq_ns "$h") $KEEPQUORUMD --release -f $KQ_DIR/$h.ini >>$KQ_DIR/$h.release.log 2>&1")
	WATCHDOG_USEC=500000 kq_start_daemon "$h" "$KQ_DIR/$h.ini"
	KQ_NOTIFY_OPTS=()
done
for h in h1 h2 h3; do kq_wait_ready "$h"; done
L=$(ql_wait_leader 10 h1 h2 h3)
ql_wait_holder "$L" 5
kq_assert_jq "$L" .quorum.fencing watchdog
! grep -q 'WatchdogSec=.* is too long' "$KQ_DIR/$L.log" ||
	kq_fail "$L warns that WatchdogSec 0.5 s is too long for election_timeout 1.5 s"
pid=$(kq_pid "$L")
since=$EPOCHREALTIME
kq_signal "$L" STOP
# bash would report the SIGKILL of its job on stderr: not an error here
exec {err_fd}>&2 2>/dev/null
kq_poll "(( \$(kq_notify_count $L WATCHDOG_KILL=$pid) > 0 ))" 3 && killed=1 || killed=0
if ((killed)); then wait "$pid" || true; fi
exec 2>&"$err_fd" {err_fd}>&-
((killed)) || kq_fail "$L: not killed within 3 s of SIGSTOP ($(tail -n 4 "$KQ_DIR/$L.notify" | tr '\n' ' '))"
kq_wait_notify "$L" STOP_POST_EXIT=0 1 5
read -r -a rest <<<"$(ql_others "$L")"
L2=$(ql_wait_leader 10 "${rest[@]}")
ql_wait_holder "$L2" 5
ql_check_never_two
kq_log "holders: $(ql_holders_log)"
gap=$(ql_gap "$since")
[[ -n $gap ]] || kq_fail "the frozen leader's VIP was still there when the new leader's came"
kq_log "no holder for $gap s"

echo "PASS: $KQ_TEST_NAME"
