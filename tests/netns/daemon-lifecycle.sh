#!/bin/bash
# netns scenario: one keepquorumd's life seen from outside. Start with sd_notify (READY=1,
# STATUS=), status --json against SPEC.md, the human status, refused commands, an unreachable
# socket, reload by SIGHUP and by keepquorumctl (good and bad configs, RELOADING=1 ... READY=1),
# the systemd watchdog, a garbage control request, and SIGTERM (exit 0, STOPPING=1, socket and
# pid file removed). Also SIGUSR1, a second daemon on the same socket or pid file (exit 2), and
# a restart after SIGKILL.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 1

cfg=$KQ_DIR/h1.ini

# write_config PRIORITY: the config of h1 (VRID 51, 10.77.0.100/24, a script check).
write_config() {
	cat >"$cfg.tmp" <<EOF
[global]
router_id = kqnode1

[vrrp_script chk_true]
script = /bin/true
interval = 0.2
timeout = 1
rise = 1
fall = 1
weight = 0

[vrrp_instance vi_51]
state = BACKUP
interface = eth0
virtual_router_id = 51
version = 3
priority = $1
advert_int = 1
virtual_ipaddress = 10.77.0.100/24
track_script = chk_true
EOF
	mv "$cfg.tmp" "$cfg"
}

# --- start ----------------------------------------------------------------------------------
write_config 100
kq_start_daemon h1 "$cfg"
kq_wait_ready h1
kq_wait_for "grep -q '^STATUS=.' '$KQ_DIR/h1.notify'" 5 "h1: a non-empty STATUS= notified"
kq_assert_eq "$(cat "$KQ_DIR/h1.pid")" "$(kq_pid h1)" "pid file content"
[[ -S $KQ_DIR/h1.sock ]] || kq_fail "control socket $KQ_DIR/h1.sock missing"

# --- status --json (SPEC.md) ---------------------------------------------------------------
st=$(kq_status h1) || kq_fail "status --json exited $?"
jq -e 'type == "object"' >/dev/null <<<"$st" || kq_fail "status --json is not one JSON object: $st"
version=$("$KEEPQUORUMD" -v | awk '{print $2}')
kq_assert_jq h1 '.node' kqnode1
kq_assert_jq h1 '.version' "$version"
kq_assert_jq h1 '.paused' false
kq_assert_jq h1 '.quorum' null
kq_assert_jq h1 'has("quorum")' true
kq_assert_jq h1 '.instances | length' 1
kq_assert_jq h1 '.instances[0].name' vi_51
kq_assert_jq h1 '.instances[0].state | IN("MASTER", "BACKUP", "FAULT", "INIT")' true
kq_assert_jq h1 '.instances[0].vrid' 51
kq_assert_jq h1 '.instances[0].interface' eth0
kq_assert_jq h1 '.instances[0].version' 3
kq_assert_jq h1 '.instances[0].priority' 100
# weight 0: the check never shifts the priority (a failing one means FAULT instead).
kq_assert_jq h1 '.instances[0].effective_priority' 100
kq_assert_jq h1 '.instances[0].vips | @json' '["10.77.0.100/24"]'
kq_assert_jq h1 '.instances[0] | has("master_ip")' true
kq_assert_jq h1 '.instances[0].master_ip | type | IN("null", "string")' true
kq_assert_jq h1 '.instances[0].quorum_gated' false
kq_assert_jq h1 '.checks | length' 1
kq_assert_jq h1 '.checks[0].name' chk_true
kq_assert_jq h1 '.checks[0].type' script
kq_assert_jq h1 '.checks[0].ok | type' boolean
kq_assert_jq h1 '.checks[0].detail | type' string
# /bin/true every 0.2 s with rise 1: ok once the check has run. A daemon without health checks
# yet reports "not run yet"; only then is ok=false accepted.
if ! kq_poll "[[ \$(kq_jq h1 '.checks[0].ok') == true ]]" 3; then
	kq_assert_jq h1 '.checks[0].detail' "not run yet"
	kq_log "note: health checks do not run yet (checks[0].ok stays false, 'not run yet')"
fi
# Nothing blocks this instance: its only check passes (or has not run), no quorum, not paused.
kq_assert_jq h1 '.instances[0] | has("blocked_by")' true
kq_assert_jq h1 '.instances[0].blocked_by' null

# --- human status, refused commands, unreachable daemon ------------------------------------
kq_assert_rc 0 kq_ctl h1 status
kq_assert_contains "$KQ_OUT" vi_51 "human status"
kq_assert_contains "$KQ_OUT" kqnode1 "human status"
for cmd in switchover pause; do
	kq_assert_rc 1 kq_ctl h1 "$cmd"
	[[ -n $KQ_ERR ]] || kq_fail "keepquorumctl $cmd was refused without a reason on stderr"
done
# metrics: the raw exposition (not JSON); without a [quorum] section no quorum family at all
kq_assert_rc 0 kq_ctl h1 metrics
kq_assert_contains "$KQ_OUT" "# TYPE keepquorum_vrrp_state gauge" "keepquorumctl metrics"
kq_assert_contains "$KQ_OUT" 'keepquorum_vrrp_state{instance="vi_51"} ' "keepquorumctl metrics"
[[ $KQ_OUT != *keepquorum_quorum_* ]] ||
	kq_fail "keepquorumctl metrics shows quorum metrics without a [quorum] section: $KQ_OUT"
kq_assert_rc 2 "$KEEPQUORUMCTL" -s "$KQ_DIR/absent.sock" status
kq_assert_contains "$KQ_ERR" "is keepquorumd running" "keepquorumctl's stderr for an absent socket"

# --- reload by SIGHUP: good config ---------------------------------------------------------
write_config 120
kq_signal h1 HUP
kq_wait_notify h1 RELOADING=1 1
kq_wait_notify h1 READY=1 2
first_reloading=$(grep -m1 -nxF RELOADING=1 "$KQ_DIR/h1.notify" | cut -d: -f1)
second_ready=$(grep -nxF READY=1 "$KQ_DIR/h1.notify" | sed -n 2p | cut -d: -f1)
((first_reloading < second_ready)) ||
	kq_fail "READY=1 (line $second_ready) not after RELOADING=1 (line $first_reloading)"
kq_assert_jq h1 '.instances[0].priority' 120
kq_assert_jq h1 '.instances[0].effective_priority' 120

# --- reload by SIGHUP: broken config is refused, the running one kept ----------------------
write_config 999
kq_signal h1 HUP
kq_wait_notify h1 RELOADING=1 2
kq_wait_notify h1 READY=1 3   # systemd leaves "reloading" only on READY=1, success or not
kq_alive h1 || kq_fail "keepquorumd died on a SIGHUP with a broken config"
kq_assert_jq h1 '.instances[0].priority' 120

# --- reload by keepquorumctl ---------------------------------------------------------------
bad_line=$(grep -n '^priority = 999$' "$cfg" | cut -d: -f1)
# shellcheck disable=SC2034 # used by the eval in kq_poll
reloads_before=$(grep -cxF RELOADING=1 "$KQ_DIR/h1.notify")
kq_assert_rc 1 kq_ctl h1 reload
# systemd hears of every reload, whichever way it was asked for
# shellcheck disable=SC2016 # kq_poll evals it
kq_poll '[ "$(grep -cxF RELOADING=1 "$KQ_DIR/h1.notify")" -gt "$reloads_before" ]' 3 ||
	kq_fail "keepquorumctl reload sent no RELOADING=1"
# shellcheck disable=SC2016 # kq_poll evals it
kq_poll 'grep -q "^STATUS=.*last reload refused" "$KQ_DIR/h1.notify"' 3 ||
	kq_fail "STATUS= does not say the last reload was refused"
kq_assert_contains "$KQ_ERR" "$cfg:$bad_line:" "keepquorumctl reload's stderr (FILE:LINE:)"
kq_assert_jq h1 '.instances[0].priority' 120
write_config 130
kq_assert_rc 0 kq_ctl h1 reload
kq_assert_jq h1 '.instances[0].priority' 130

# --- a garbage request on the control socket -----------------------------------------------
garbage=$'this is not JSON\x01{\n'
reply=""
if command -v socat >/dev/null 2>&1; then
	reply=$(printf '%s' "$garbage" | socat -t 5 - "UNIX-CONNECT:$KQ_DIR/h1.sock") ||
		kq_fail "socat to the control socket failed"
elif command -v python3 >/dev/null 2>&1 && python3 -c 'import socket' 2>/dev/null; then
	reply=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode())
s.shutdown(socket.SHUT_WR)
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode())
' "$KQ_DIR/h1.sock" "$garbage") || kq_fail "python3 client to the control socket failed"
else
	kq_log "note: neither socat nor python3: garbage-request check skipped"
fi
if [[ -n $reply ]]; then
	jq -e '.ok == false and (.error | type == "string") and (.error | length > 0)' \
		>/dev/null <<<"$reply" || kq_fail "garbage request: answer is not {\"ok\":false,\"error\":...}: $reply"
fi
kq_alive h1 || kq_fail "keepquorumd died on a garbage request"

# --- an oversized request is refused; a client that sends nothing is dropped ----------------
if command -v socat >/dev/null 2>&1; then
	# one write of 10000 bytes (a file read whole by -b 65536), so socat is reading, not still
	# writing, when the daemon refuses after 4 KiB and closes
	head -c 10000 /dev/zero | tr '\0' 'x' >"$KQ_DIR/oversized.req"
	reply=$(socat -b 65536 -t 5 - "UNIX-CONNECT:$KQ_DIR/h1.sock" <"$KQ_DIR/oversized.req") ||
		kq_fail "socat (oversized request) failed: $reply"
	jq -e '.ok == false and .error == "request too large"' >/dev/null <<<"$reply" ||
		kq_fail "oversized request: expected {\"ok\":false,\"error\":\"request too large\"}, got: $reply"
	# A silent client holds its connection open for 8 s; the daemon must answer others meanwhile
	# and close the silent one after its 2 s request deadline.
	sleep 8 | socat -t 1 - "UNIX-CONNECT:$KQ_DIR/h1.sock" >/dev/null 2>&1 &
	silent=$!
	sleep 0.3
	kq_assert_rc 0 kq_ctl h1 status --json
	kq_poll "! kill -0 $silent 2>/dev/null" 6 ||
		kq_fail "a client that sent nothing was not dropped after the request deadline"
	wait "$silent" 2>/dev/null || true
else
	kq_log "note: socat missing: oversized and silent client checks skipped"
fi
kq_assert_jq h1 '.instances[0].name' vi_51

# --- SIGUSR1 (state to the log) does not stop it --------------------------------------------
kq_signal h1 USR1
kq_assert_jq h1 '.instances[0].priority' 130
kq_alive h1 || kq_fail "keepquorumd died on SIGUSR1"

# --- a second daemon on the same control socket or pid file refuses to start: exit 2 --------
kq_assert_rc 2 kq_exec h1 timeout 5 "$KEEPQUORUMD" -l -f "$cfg" --ctl-socket "$KQ_DIR/h1.sock" \
	--state-dir "$KQ_DIR/h1.x-state" -p "$KQ_DIR/h1.x.pid"
kq_assert_rc 2 kq_exec h1 timeout 5 "$KEEPQUORUMD" -l -f "$cfg" --ctl-socket "$KQ_DIR/h1.x.sock" \
	--state-dir "$KQ_DIR/h1.x-state" -p "$KQ_DIR/h1.pid"
kq_assert_jq h1 '.instances[0].priority' 130
kq_assert_eq "$(cat "$KQ_DIR/h1.pid")" "$(kq_pid h1)" "pid file content after the refused starts"
# a --ctl-socket that names a file which is not a socket: refused, and the file is untouched
echo precious > "$KQ_DIR/precious.txt"
kq_assert_rc 2 kq_exec h1 timeout 5 "$KEEPQUORUMD" -l -f "$cfg" --ctl-socket "$KQ_DIR/precious.txt" \
	--state-dir "$KQ_DIR/h1.y-state" -p "$KQ_DIR/h1.y.pid"
kq_assert_eq "$(cat "$KQ_DIR/precious.txt" 2>/dev/null)" precious "a regular file at --ctl-socket"

# --- SIGKILL leaves a stale socket and pid file: a restart replaces them --------------------
rc=0
kq_stop_daemon h1 KILL || rc=$?
kq_assert_eq "$rc" 137 "exit status of keepquorumd after SIGKILL"
kq_start_daemon h1 "$cfg"
kq_wait_ready h1
kq_assert_jq h1 '.instances[0].priority' 130
kq_assert_eq "$(cat "$KQ_DIR/h1.pid")" "$(kq_pid h1)" "pid file content after the restart"

# --- the systemd watchdog ------------------------------------------------------------------
cat >"$KQ_DIR/h1.wd.ini" <<'EOF'
[global]
router_id = kqnode1wd

[vrrp_instance vi_52]
interface = eth0
virtual_router_id = 52
priority = 100
virtual_ipaddress = 10.77.0.101/24
EOF
WATCHDOG_USEC=200000 kq_start_daemon h1.wd "$KQ_DIR/h1.wd.ini"
kq_wait_ready h1.wd
kq_assert_jq h1.wd '.node' kqnode1wd
kq_wait_notify h1.wd WATCHDOG=1 3 5
rc=0
kq_stop_daemon h1.wd TERM || rc=$?
kq_assert_eq "$rc" 0 "exit code of the watchdog daemon on SIGTERM"
# h1 has no WATCHDOG_USEC: it must not send keep-alives.
kq_assert_eq "$(kq_notify_count h1 WATCHDOG=1)" 0 "WATCHDOG=1 lines of h1 (no WATCHDOG_USEC)"

# --- SIGTERM -------------------------------------------------------------------------------
rc=0
kq_stop_daemon h1 TERM || rc=$?
kq_assert_eq "$rc" 0 "exit code of keepquorumd on SIGTERM"
kq_wait_notify h1 STOPPING=1 1 2
[[ ! -e $KQ_DIR/h1.sock ]] || kq_fail "control socket $KQ_DIR/h1.sock left after a clean stop"
[[ ! -e $KQ_DIR/h1.pid ]] || kq_fail "pid file $KQ_DIR/h1.pid left after a clean stop"
! kq_has_addr h1 10.77.0.100/24 || kq_fail "VIP 10.77.0.100/24 still on eth0 after a clean stop"
kq_assert_rc 2 kq_ctl h1 status

echo "PASS: $KQ_TEST_NAME"
