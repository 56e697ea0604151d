#!/bin/bash
# netns scenario: a sync group (keepalived's vrrp_sync_group) moves as one. VRRPv3, advert_int
# 0.2 s; instances a (VRID 71) and b (VRID 72) form group g on h1 (priority 150) and h2 (100);
# h1's a also tracks eth1 with weight -60.
#  1. h1 holds both VIPs, h2 neither; each group's state is in status. h1's hooks: the members'
#     BACKUP, then the group's (GROUP g BACKUP 0), the members' MASTER, then the group's; the
#     notify_fifo gets GROUP "g" MASTER 0.
#  2. eth1 down on h1: in a group a track weight counts as 0 (keepalived), so a goes FAULT
#     instead of dropping to 90, and pulls b into FAULT (blocked_by sync_group:g). h2 takes both.
#  3. eth1 up: h1 takes both back. A SIGHUP that changes nothing changes nothing.
#  4. h3 runs a alone at priority 200: h1's a gives way, and takes b out of MASTER with it. h2
#     does not take b either, since its a follows h3: as keepalived, a group prefers BACKUP.
#  5. h3 stops: h1 takes both back.
#  6. SIGTERM of h1: the members' STOP hooks, then the group's; h2 takes both.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 3

VA=10.77.0.171/24
VB=10.77.0.172/24
ns1=$(kq_ns h1)

# notify: one line per call in $KQ_DIR/<node>.events, its arguments ("KIND NAME STATE PRIO")
cat >"$KQ_DIR/notify.sh" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$KQ_DIR/\$KEEPQUORUM_NODE.events"
EOF
chmod 755 "$KQ_DIR/notify.sh"

# instance NAME VRID PRIORITY VIP [LINES...]: one [vrrp_instance] section.
instance() {
	local line
	printf '\n[vrrp_instance %s]\nstate = BACKUP\ninterface = eth0\nvirtual_router_id = %s\n' "$1" "$2"
	printf 'version = 3\npriority = %s\nadvert_int = 0.2\nvirtual_ipaddress = %s\n' "$3" "$4"
	printf 'notify = %s\n' "$KQ_DIR/notify.sh"
	shift 4
	for line in "$@"; do
		printf '%s\n' "$line"
	done
}

# write_cfg HOST PRIORITY [LINES for a...]: a and b in group g.
write_cfg() {
	local h=$1 p=$2
	shift 2
	{
		printf '[global]\nrouter_id = node-%s\nnotify_fifo = %s\n' "$h" "$KQ_DIR/$h.fifo"
		instance a 71 "$p" "$VA" "$@"
		instance b 72 "$p" "$VB"
		printf '\n[vrrp_sync_group g]\ngroup = a, b\nnotify = %s\n' "$KQ_DIR/notify.sh"
	} >"$KQ_DIR/$h.ini"
}

# n_events HOST: how many notify lines HOST's hooks wrote so far.
n_events() {
	local f=$KQ_DIR/node-$1.events
	if [[ -f $f ]]; then wc -l <"$f"; else echo 0; fi
}

# events_after HOST N: the three notify lines ("KIND NAME STATE PRIO") after the first N,
# joined by commas.
events_after() {
	local f=$KQ_DIR/node-$1.events
	[[ -f $f ]] || return 0
	sed -n "$(($2 + 1)),$(($2 + 3))p" "$f" | paste -sd,
}

# group_state HOST: the state of group g in HOST's status.
group_state() {
	kq_jq "$1" '.sync_groups[] | select(.name == "g") | .state'
}

# both HOST STATE [TIMEOUT]: wait until a and b of HOST are in STATE.
both() {
	kq_wait_state "$1" "$2" "${3:-3}" a
	kq_wait_state "$1" "$2" 1 b
}

# holders: "A-HOLDERS / B-HOLDERS" among h1 h2 h3.
holders() {
	echo "$(kq_vip_holders $VA h1 h2 h3) / $(kq_vip_holders $VB h1 h2 h3)"
}

# member_then_group HOST N STATE PRIO: HOST's three hooks after its first N are the two
# members' STATE (in either order, with PRIO) and then the group's.
member_then_group() {
	local got want1 want2
	kq_wait_for "(( \$(n_events $1) >= $2 + 3 ))" 3 "$1: three $3 hooks after the first $2"
	got=$(events_after "$1" "$2")
	want1="INSTANCE a $3 $4,INSTANCE b $3 $4,GROUP g $3 0"
	want2="INSTANCE b $3 $4,INSTANCE a $3 $4,GROUP g $3 0"
	[[ $got == "$want1" || $got == "$want2" ]] ||
		kq_fail "$1: hooks after the first $2 are '$got', expected '$want1' (a, b in either order)"
}

kq_spare_link h1 eth1   # tracked by h1's a

write_cfg h1 150 "track_interface = eth1 weight -60"
write_cfg h2 100
kq_vrrp_ini h3 a "virtual_router_id = 71" "version = 3" "priority = 200" "advert_int = 0.2" \
	"virtual_ipaddress = $VA" >"$KQ_DIR/h3.ini"

mkfifo "$KQ_DIR/h1.fifo"
cat "$KQ_DIR/h1.fifo" >"$KQ_DIR/h1.fifo.out" &
KQ_PIDS+=("$!")

# --- 1. election ---------------------------------------------------------------------------------
kq_start_in_order h1 h2
both h1 MASTER 5
both h2 BACKUP 2
kq_wait_for "[[ \$(group_state h1) == MASTER && \$(group_state h2) == BACKUP ]]" 2 \
	"group g MASTER on h1, BACKUP on h2"
kq_assert_jq h1 '.sync_groups[0].members | join(",")' a,b
kq_assert_jq h1 '.instances[] | select(.name == "b") | .sync_group' g
kq_wait_for "[[ \$(holders) == 'h1 / h1' ]]" 2 "both VIPs on h1 only"
member_then_group h1 0 BACKUP 150
member_then_group h1 3 MASTER 150
kq_wait_for "[[ \$(grep -c '^GROUP \"g\"' '$KQ_DIR/h1.fifo.out') == 2 ]]" 2 \
	"two GROUP lines in h1's notify_fifo"
kq_assert_eq "$(grep '^GROUP' "$KQ_DIR/h1.fifo.out" | paste -sd,)" \
	'GROUP "g" BACKUP 0,GROUP "g" MASTER 0' "h1's notify_fifo lines for the group"

# --- 2. a's tracked interface goes down: the group goes FAULT ------------------------------------
n=$(n_events h1)
kq_setup ip -n "$ns1" link set eth1 down
both h1 FAULT 3
kq_assert_jq h1 '.instances[] | select(.name == "a") | .effective_priority' 150
kq_assert_jq h1 '.instances[] | select(.name == "a") | .blocked_by' interface
kq_assert_jq h1 '.instances[] | select(.name == "b") | .blocked_by' sync_group:g
kq_assert_contains "$(kq_inst h1 .fault_reason b)" "a is in FAULT" "b's fault_reason"
both h2 MASTER 3
kq_wait_for "[[ \$(group_state h1) == FAULT && \$(group_state h2) == MASTER ]]" 2 \
	"group g FAULT on h1, MASTER on h2"
kq_wait_for "[[ \$(holders) == 'h2 / h2' ]]" 2 "both VIPs on h2 only"
member_then_group h1 "$n" FAULT 150

# --- 3. back up: h1 takes both back --------------------------------------------------------------
kq_setup ip -n "$ns1" link set eth1 up
both h1 MASTER 5
both h2 BACKUP 2
kq_wait_for "[[ \$(holders) == 'h1 / h1' ]]" 2 "both VIPs back on h1 only"
kq_assert_jq h1 '.instances[] | select(.name == "b") | .blocked_by' null

# a SIGHUP that changes nothing: the group stays MASTER, no hook runs, no VIP moves
n=$(n_events h1)
kq_signal h1 HUP
kq_wait_notify h1 READY=1 2 3
sleep 0.6
kq_assert_eq "$(kq_state h1 a) $(kq_state h1 b) $(group_state h1)" "MASTER MASTER MASTER" \
	"h1's a, b and g after an unchanged reload"
kq_assert_jq h1 '.sync_groups[0].transitions.MASTER' 2
kq_assert_eq "$(n_events h1)" "$n" "hooks run by h1 since the reload"
kq_assert_eq "$(holders)" "h1 / h1" "VIP holders after h1's reload"
# one that changes b: b restarts (BACKUP), so a leaves MASTER with it; then both come back
write_cfg h1 150 "track_interface = eth1 weight -60"
sed -i '/^\[vrrp_instance b\]/a garp_master_repeat = 2' "$KQ_DIR/h1.ini"
kq_signal h1 HUP
kq_wait_notify h1 READY=1 3 3
kq_wait_for "(( \$(kq_jq h1 .sync_groups[0].transitions.MASTER) == 3 ))" 5 \
	"group g MASTER again on h1 after b restarted"
both h1 MASTER 1
kq_assert_jq h1 '.sync_groups[0].transitions.BACKUP' 3
kq_wait_for "[[ \$(holders) == 'h1 / h1' ]]" 2 "both VIPs on h1 after b restarted"

# --- 4. a higher priority master for a alone ----------------------------------------------------
n=$(n_events h1)
kq_start_daemon h3 "$KQ_DIR/h3.ini"
kq_wait_ready h3
kq_wait_state h3 MASTER 5
# (before that, h3 heard h1's adverts for b, a VRID it does not run: counted for the daemon)
(($(kq_jq h3 '.vrrp_dropped.vrid // 0') > 0)) ||
	kq_fail "h3: no advert counted in vrrp_dropped.vrid: $(kq_status h3 | jq -c .vrrp_dropped)"
kq_assert_jq h3 '.vrrp_dropped | keys | join(",")' vrid
both h1 BACKUP 3
kq_wait_for "[[ \$(group_state h1) == BACKUP ]]" 2 "group g BACKUP on h1"
member_then_group h1 "$n" BACKUP 150
# h2's b would be MASTER, but its a follows h3: b waits for it, and status says so
kq_wait_for "[[ \$(kq_inst h2 .blocked_by b) == sync_group:g ]]" 3 "h2: b blocked by its group"
kq_assert_eq "$(kq_state h2 b)" BACKUP "h2's b"
kq_assert_eq "$(holders)" "h3 / " "VIP holders (a / b)"

# --- 5. h3 goes: h1 again ------------------------------------------------------------------------
rc=0
kq_stop_daemon h3 || rc=$?
kq_assert_eq "$rc" 0 "exit code of h3's daemon"
both h1 MASTER 5
both h2 BACKUP 2
kq_wait_for "[[ \$(holders) == 'h1 / h1' ]]" 2 "both VIPs on h1 only after h3 left"

# --- 6. stop: the group's STOP after its members' ------------------------------------------------
n=$(n_events h1)
rc=0
kq_stop_daemon h1 || rc=$?
kq_assert_eq "$rc" 0 "exit code of h1's daemon"
member_then_group h1 "$n" STOP 150
both h2 MASTER 3
kq_wait_for "[[ \$(holders) == 'h2 / h2' ]]" 2 "both VIPs on h2 after h1 stopped"

echo "PASS: $KQ_TEST_NAME"
