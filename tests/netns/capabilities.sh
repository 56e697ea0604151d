#!/bin/bash
# netns scenario: keepquorumd with only the capabilities the shipped unit's
# CapabilityBoundingSet= leaves it (setpriv --bounding-set, as systemd does; see keepquorumd(8),
# CAPABILITIES): CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE, CAP_SETUID, CAP_SETGID,
# CAP_KILL.
#  1. With one of the five it checks missing, it refuses to start: exit 2, naming the
#     capability and what it is for (without CAP_NET_ADMIN it used to run MASTER with no VIP).
#  2. With the set, a pair works: h1 MASTER with its VIP, its check run as nobody (script_user),
#     its notify_backup that hangs killed at notify_timeout (nobody's process, CAP_KILL), its
#     notify_master run as nobody, metrics served on port 80 (CAP_NET_BIND_SERVICE); each daemon
#     runs with exactly the set (kq_wait_ready checks /proc/PID/status).
#  3. Two scenarios run again whole under the set: vrrp-promote.sh (hooks as nobody, a promote
#     killed at its timeout) and vrrp-ipv6.sh (VRRPv3 over IPv6, unsolicited NAs).
set -euo pipefail
# many cases, each asking the daemons several times (common.sh gives 2.5 times that under ASan)
KQ_DEFAULT_TIMEOUT=150
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
command -v setpriv >/dev/null 2>&1 || kq_skip "'setpriv' is not installed (util-linux)"
id nobody >/dev/null 2>&1 || kq_skip "no user 'nobody' to run the scripts as"
UNIT_CAPS=net_admin,net_raw,net_bind_service,setuid,setgid,kill
# the unit must grant what this test grants
unit=$KQ_SRCDIR/systemd/keepquorum.service.in
want="CapabilityBoundingSet=$(tr ',' '\n' <<<"$UNIT_CAPS" | tr '[:lower:]' '[:upper:]' | sed 's/^/CAP_/' | paste -sd' ')"
grep -qxF "$want" "$unit" || kq_fail "$unit has no line '$want'"

kq_lab_create 2
VIP=10.77.0.100/24
NOBODY=$(id -u nobody)
chmod 755 "$KQ_DIR"
mkdir -m 1777 "$KQ_DIR/out"
cat >"$KQ_DIR/check.sh" <<EOF
#!/bin/sh
[ "\$(id -u)" = "$NOBODY" ]
EOF
cat >"$KQ_DIR/master.sh" <<EOF
#!/bin/sh
id -u >"$KQ_DIR/out/master.\$KEEPQUORUM_NODE"
EOF
chmod 755 "$KQ_DIR/check.sh" "$KQ_DIR/master.sh"
for h in h1 h2; do
	p=150
	[[ $h == h2 ]] && p=100
	{
		printf '[global]\nrouter_id = node-%s\nscript_user = nobody\n' "$h"
		[[ $h == h1 ]] && printf 'metrics_listen = 127.0.0.1:80\n'
		printf '\n[vrrp_script chk_nobody]\nscript = %s\ninterval = 0.5\n' "$KQ_DIR/check.sh"
		printf '\n[vrrp_instance vi_51]\nstate = BACKUP\ninterface = eth0\n'
		printf 'virtual_router_id = 51\nversion = 3\npriority = %s\nadvert_int = 0.2\n' "$p"
		printf 'virtual_ipaddress = %s\ntrack_script = chk_nobody\n' "$VIP"
		printf 'notify_backup = /bin/sleep 37\nnotify_timeout = 1\n'
		printf 'notify_master = %s\n' "$KQ_DIR/master.sh"
	} >"$KQ_DIR/$h.ini"
done

# --- 1. a capability missing: refused at start -----------------------------------------------
for drop in net_admin net_raw setuid setgid kill; do
	caps=$(tr ',' '\n' <<<"$UNIT_CAPS" | grep -vx "$drop" | paste -sd,)
	kq_run kq_exec h1 timeout 10 setpriv --bounding-set "-all,+${caps//,/,+}" --inh-caps=-all \
		"$KEEPQUORUMD" -l -f "$KQ_DIR/h1.ini" --ctl-socket "$KQ_DIR/x.sock" \
		--state-dir "$KQ_DIR/x-state" -p "$KQ_DIR/x.pid"
	name=CAP_$(tr '[:lower:]' '[:upper:]' <<<"$drop")
	[[ $KQ_RC == 2 && $KQ_ERR == *"missing capabilities: $name ("* ]] ||
		kq_fail "without $name: exit $KQ_RC, expected 2 and the capability named: $KQ_ERR"
	echo "ok: without $name: exit 2: $(grep -o "missing capabilities: [^)]*)" <<<"$KQ_ERR")"
done
[[ -z $(kq_vip_holders $VIP h1) ]] || kq_fail "a refused start left the VIP on h1"

# --- 2. the set: everything works ------------------------------------------------------------
export KQ_DAEMON_CAPS=$UNIT_CAPS
kq_start_in_order h1 h2
kq_wait_state h1 MASTER 10
kq_wait_state h2 BACKUP 10
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h1 ]]" 3 "the VIP on h1"
kq_assert_jq h1 '.checks[] | select(.name == "chk_nobody") | .ok' true
kq_wait_for "[[ -s $KQ_DIR/out/master.node-h1 ]]" 5 "h1's notify_master"
kq_assert_eq "$(cat "$KQ_DIR/out/master.node-h1")" "$NOBODY" "notify_master's uid"
# notify_backup (h2's, and h1's at start) hangs: killed at 1 s, reported as a timeout
kq_wait_for "! pgrep -u nobody -f 'sleep 37' >/dev/null" 5 "the hanging notify_backup killed"
kq_assert_contains "$(kq_ctl h2 metrics)" 'keepquorum_hook_runs_total{hook="notify_backup",result="timeout"} 1' \
	"h2's metrics"
kq_run kq_exec h1 curl -sf --max-time 5 http://127.0.0.1:80/metrics
[[ $KQ_RC == 0 && $KQ_OUT == *'keepquorum_vrrp_state{instance="vi_51"} 2'* ]] ||
	kq_fail "metrics on port 80: curl exit $KQ_RC: ${KQ_OUT:0:300} $KQ_ERR"
echo "ok: with the unit's set: MASTER with the VIP, scripts as nobody, a hanging hook killed, metrics on port 80"
kq_stop_daemon h1
kq_stop_daemon h2
[[ -z $(kq_vip_holders $VIP h1 h2) ]] || kq_fail "the VIP left behind after the stop"

# --- 3. whole scenarios under the set ----------------------------------------------------------
for t in vrrp-promote.sh vrrp-ipv6.sh; do
	rc=0
	"$KQ_SRCDIR/tests/netns/$t" >"$KQ_DIR/$t.out" 2>&1 || rc=$?
	((rc == 0)) || kq_fail "$t under the unit's capabilities: exit $rc: $(tail -30 "$KQ_DIR/$t.out")"
	echo "ok: $t passes under the unit's capabilities"
done
echo "PASS: $KQ_TEST_NAME"
