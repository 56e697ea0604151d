#!/bin/bash
# netns scenario: the database hooks, promote and demote, in the order SPEC.md promises, run as
# script_user (nobody), bounded by their timeouts. VRRPv3, advert_int 0.2 s; h1 (150), h2 (100).
# Every hook is one recording script: a line when it starts and one when it ends, each saying
# whether the VIP was on eth0 at that moment, and the uid it runs as.
#  1. h1 becomes MASTER: its promote runs (1 s) with the VIP not yet up, while status says
#     MASTER, vips_up false, blocked_by promote; then the VIP, then notify_master. h2 promotes
#     nothing: h1 advertises while it promotes.
#  2. SIGTERM of h1: the VIP goes, then demote, then notify_stop, all before the daemon exits.
#     h2 promotes, then holds the VIP.
#  3. h1 again (preempting h2), with a promote that hangs: after promote_timeout (2 s) it is
#     killed, h1 goes FAULT (status: fault_reason, blocked_by promote), its VIP never comes up
#     (sampled all along), and h2, which had demoted, promotes again and holds the VIP.
#  4. The promote mended (and its timeout back to 30 s by a reload, which keeps the instance in
#     its FAULT), the FAULT ends after its hold (10 s): h1 takes over, promote first.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
id nobody >/dev/null 2>&1 || kq_skip "no user 'nobody' to run the hooks as"
kq_lab_create 2

VIP=10.77.0.100/24
IP=$(command -v ip)
NOBODY=$(id -u nobody)
# the hooks run as nobody: they need to read their script and write their log
chmod 755 "$KQ_DIR"
mkdir -m 1777 "$KQ_DIR/log"

# hook.sh KIND: "KIND start|end VIP? UID STATE" lines in log/<node>.hooks. A promote waits while
# the file promote-holds.<node> exists (the test looks at the node meanwhile), then sleeps 1 s,
# or for ever while the file promote-hangs.<node> exists; a demote sleeps 0.3 s.
cat >"$KQ_DIR/hook.sh" <<EOF
#!/bin/sh
log="$KQ_DIR/log/\$KEEPQUORUM_NODE.hooks"
vip() {
	a=\$($IP -o -4 addr show dev eth0)
	case "\$a" in *" ${VIP%/*}/"*) echo vip ;; *) echo - ;; esac
}
echo "\$1 start \$(vip) \$(id -u) \$KEEPQUORUM_STATE" >>"\$log"
case "\$1" in
promote)
	[ -e "$KQ_DIR/promote-hangs.\$KEEPQUORUM_NODE" ] && exec sleep 60
	while [ -e "$KQ_DIR/promote-holds.\$KEEPQUORUM_NODE" ]; do sleep 0.1; done
	sleep 1 ;;
demote) sleep 0.3 ;;
esac
echo "\$1 end \$(vip) \$(id -u) \$KEEPQUORUM_STATE" >>"\$log"
EOF
chmod 755 "$KQ_DIR/hook.sh"

# write_cfg HOST PRIORITY PROMOTE_TIMEOUT
write_cfg() {
	kq_vrrp_ini "$1" db "virtual_router_id = 51" "version = 3" "priority = $2" \
		"advert_int = 0.2" "virtual_ipaddress = $VIP" \
		"promote = $KQ_DIR/hook.sh promote" "demote = $KQ_DIR/hook.sh demote" \
		"promote_timeout = $3" \
		"notify_master = $KQ_DIR/hook.sh master" "notify_backup = $KQ_DIR/hook.sh backup" \
		"notify_fault = $KQ_DIR/hook.sh fault" "notify_stop = $KQ_DIR/hook.sh stop" |
		sed "s/^\[global\]$/[global]\nscript_user = nobody/" >"$KQ_DIR/$1.ini"
}

# hooks HOST: HOST's hook lines so far, "KIND:start|end:VIP?" joined by spaces; every line must
# name nobody's uid.
hooks() {
	local f=$KQ_DIR/log/node-$1.hooks
	[[ -f $f ]] || return 0
	awk -v uid="$NOBODY" '$4 != uid { print "hook ran as uid " $4 > "/dev/stderr"; exit 1 }
		{ printf "%s%s:%s:%s", sep, $1, $2, $3; sep = " " } END { print "" }' "$f" ||
		kq_fail "$1: a hook did not run as nobody ($NOBODY)"
}

# hooks_end_with HOST EXPECTED: HOST's hook lines so far end with EXPECTED.
hooks_end_with() {
	local h
	h=$(hooks "$1")
	[[ $h == *"$2" ]]
}

write_cfg h1 150 30
write_cfg h2 100 30

# --- 1. h1: promote, then the VIP, then notify_master ----------------------------------------
kq_log "1. h1 becomes MASTER: promote first"
# h1's promote is held until the test has seen h1 while it runs (however slow the machine)
: >"$KQ_DIR/promote-holds.node-h1"
kq_start_in_order h1 h2
kq_wait_state h1 MASTER 5
kq_poll "[[ \$(kq_inst h1 .blocked_by) == promote ]]" 1 ||
	kq_fail "h1: MASTER but not shown waiting for its promote: $(kq_status h1 | jq -c .instances)"
kq_assert_jq h1 '.instances[0].vips_up' false
kq_assert_jq h1 '.instances[0].db.role' promoting
kq_assert_eq "$(kq_vip_holders "$VIP" h1 h2)" "" "VIP holders while h1's promote runs"
rm "$KQ_DIR/promote-holds.node-h1"
kq_wait_for "hooks_end_with h1 'master:end:vip'" 5 "h1: notify_master after the promote"
kq_assert_eq "$(hooks h1)" \
	"backup:start:- backup:end:- promote:start:- promote:end:- master:start:vip master:end:vip" \
	"h1's hooks (KIND:start|end:VIP on eth0)"
kq_assert_eq "$(kq_vip_holders "$VIP" h1 h2)" "h1" "VIP holders after h1's promote"
kq_assert_jq h1 '.instances[0] | [.state, .vips_up, .blocked_by, .db.role, .db.promote.ok] | @tsv' \
	$'MASTER\ttrue\t\tprimary\ttrue'
kq_assert_jq h1 '.hooks.runs.promote.ok' 1
kq_assert_eq "$(hooks h2)" "backup:start:- backup:end:-" "h2's hooks (it never promoted)"

# --- 2. SIGTERM of h1: VIP, demote, notify_stop; h2 promotes --------------------------------
kq_log "2. SIGTERM of h1: demote after the VIP, awaited; h2 promotes"
rc=0
kq_stop_daemon h1 || rc=$?
kq_assert_eq "$rc" 0 "exit code of h1's daemon on SIGTERM"
# the daemon waited for them: the lines are there as it exits
kq_assert_eq "$(hooks h1)" \
	"backup:start:- backup:end:- promote:start:- promote:end:- master:start:vip master:end:vip demote:start:- demote:end:- stop:start:- stop:end:-" \
	"h1's hooks after SIGTERM"
kq_wait_for "hooks_end_with h2 'master:end:vip'" 5 "h2: promote, then notify_master"
kq_assert_eq "$(hooks h2)" \
	"backup:start:- backup:end:- promote:start:- promote:end:- master:start:vip master:end:vip" \
	"h2's hooks"
kq_assert_eq "$(kq_vip_holders "$VIP" h1 h2)" "h2" "VIP holders after h1 stopped"

# --- 3. a promote that hangs: FAULT, the VIP never up on h1, h2 takes it back ---------------
kq_log "3. h1 again, with a promote that hangs (promote_timeout 2 s)"
write_cfg h1 150 2
: >"$KQ_DIR/promote-hangs.node-h1"
: >"$KQ_DIR/holders"
sampler() {
	while :; do
		echo "$(kq_vip_holders "$VIP" h1 h2)" >>"$KQ_DIR/holders"
		sleep 0.05
	done
}
sampler &
sampler_pid=$!
KQ_PIDS+=("$sampler_pid")
kq_start_daemon h1 "$KQ_DIR/h1.ini"
kq_wait_ready h1
kq_wait_state h1 FAULT 8
kq_assert_jq h1 '.instances[0] | [.blocked_by, .fault_reason, .vips_up, .db.promote.ok] | @tsv' \
	$'promote\tpromote failed: timed out after 2.0 s\tfalse\tfalse'
kq_assert_jq h1 '.hooks.runs.promote | [.timeout, .ok] | @tsv' $'1\t0'
kq_wait_for "[[ \$(kq_vip_holders '$VIP' h1 h2) == h2 ]] && hooks_end_with h2 'master:end:vip'" 6 \
	"h2 holds the VIP again, promoted"
kill "$sampler_pid"
wait "$sampler_pid" 2>/dev/null || true
if grep -q h1 "$KQ_DIR/holders"; then
	kq_fail "h1 held the VIP although its promote never succeeded"
fi
# h2 gave way to h1 (demote after its VIP went), then took over again (promote first)
kq_assert_eq "$(hooks h2)" \
	"backup:start:- backup:end:- promote:start:- promote:end:- master:start:vip master:end:vip demote:start:- demote:end:- backup:start:- backup:end:- promote:start:- promote:end:- master:start:vip master:end:vip" \
	"h2's hooks"
# h1's hung promote was killed, and the demote that leaving MASTER queues fenced it
kq_wait_for "hooks_end_with h1 'fault:end:-'" 3 "h1: demote, then notify_fault"
kq_assert_eq "$(hooks h1 | sed 's/.*stop:end:- //')" \
	"backup:start:- backup:end:- promote:start:- demote:start:- demote:end:- fault:start:- fault:end:-" \
	"h1's hooks since its restart"

# --- 4. the FAULT ends after its hold: h1 promotes and takes over ---------------------------
kq_log "4. the promote mended: h1 takes over after the hold"
rm "$KQ_DIR/promote-hangs.node-h1"
# a reload that changes only a hook's timeout keeps the instance as it is (still in the FAULT of
# its failed promote: a restart would have ended that at once, with a STOP)
write_cfg h1 150 30
transitions=$(kq_inst h1 '.counters.transitions | [.[]] | add')
ready=$(kq_notify_count h1 READY=1)
kq_signal h1 HUP
kq_wait_notify h1 READY=1 $((ready + 1)) 5
kq_assert_contains "$(cat "$KQ_DIR/h1.log")" "reloaded" "h1's log after SIGHUP"
kq_assert_jq h1 '.instances[0] | [.state, .blocked_by] | @tsv' $'FAULT\tpromote'
kq_assert_eq "$(kq_inst h1 '.counters.transitions | [.[]] | add')" "$transitions" \
	"h1's transitions across a reload that changed only promote_timeout"
kq_wait_state h1 MASTER 15
kq_wait_for "[[ \$(kq_vip_holders '$VIP' h1 h2) == h1 ]] && hooks_end_with h1 'master:end:vip'" 5 \
	"h1 holds the VIP, promoted"
kq_assert_eq "$(hooks h1 | sed 's/.*fault:end:- //')" \
	"backup:start:- backup:end:- promote:start:- promote:end:- master:start:vip master:end:vip" \
	"h1's hooks after the hold"
kq_assert_jq h1 '.instances[0] | [.fault_reason, .db.role, .db.promote.ok] | @tsv' $'\tprimary\ttrue'

echo "PASS: $KQ_TEST_NAME"
