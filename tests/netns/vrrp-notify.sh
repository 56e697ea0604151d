#!/bin/bash
# netns scenario: notify hooks as keepalived runs them, and the order SPEC.md promises. VRRPv3,
# advert_int 0.2 s; h1 (150) and h2 (100).
#  - `notify` gets four words appended (INSTANCE, the name, the state, the priority) and the
#    KEEPQUORUM_* environment; `notify_master` / `notify_backup` / `notify_fault` / `notify_stop`
#    run with their own words only; `notify_fifo` gets keepalived's line, INSTANCE "name" STATE
#    PRIO.
#  - Every instance starts in BACKUP, so h1's hooks see BACKUP first, then MASTER; through a link
#    fault and back, then SIGTERM, h1's notify sees exactly BACKUP MASTER FAULT BACKUP MASTER STOP.
#  - Hooks run after the VIP change they announce: notify MASTER sees the VIP on eth0, notify
#    FAULT and STOP no longer do.
#  - "for one instance, hooks run one at a time in the order of the transitions" (SPEC.md): with
#    a notify hook that takes 1.5 s for BACKUP, the MASTER one (0.7 s later) still runs after it.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 2

VIP=10.77.0.100/24
ns1=$(kq_ns h1)
IP=$(command -v ip)

# notify: one line per call in $KQ_DIR/<node>.events:
#   WORDS|ARGC|KEEPQUORUM_STATE|KEEPQUORUM_PREV_STATE|KEEPQUORUM_INSTANCE|KEEPQUORUM_PRIORITY|VIP?
# (VIP? is "vip" when the VIP is on eth0 as the hook runs, else "-"). While the file
# $KQ_DIR/slow exists, a BACKUP call first sleeps 1.5 s.
cat >"$KQ_DIR/notify.sh" <<EOF
#!/bin/sh
[ "\$3" = BACKUP ] && [ -e "$KQ_DIR/slow" ] && sleep 1.5
vip=-
$IP -o -4 addr show dev eth0 | grep -q " ${VIP%/*}/" && vip=vip
printf '%s|%s|%s|%s|%s|%s|%s\n' "\$*" "\$#" "\${KEEPQUORUM_STATE-unset}" \\
	"\${KEEPQUORUM_PREV_STATE-unset}" "\${KEEPQUORUM_INSTANCE-unset}" \\
	"\${KEEPQUORUM_PRIORITY-unset}" "\$vip" >>"$KQ_DIR/\$KEEPQUORUM_NODE.events"
EOF
# hook: the per-state hooks, one line per call in $KQ_DIR/<node>.hooks: WORDS|ARGC
cat >"$KQ_DIR/hook.sh" <<EOF
#!/bin/sh
printf '%s|%s\n' "\$*" "\$#" >>"$KQ_DIR/\$KEEPQUORUM_NODE.hooks"
EOF
chmod 755 "$KQ_DIR/notify.sh" "$KQ_DIR/hook.sh"

# write_cfg HOST PRIORITY
write_cfg() {
	cat >"$KQ_DIR/$1.ini" <<EOF
[global]
router_id = node-$1
notify_fifo = $KQ_DIR/$1.fifo

[vrrp_instance vi_51]
state = BACKUP
interface = eth0
virtual_router_id = 51
version = 3
priority = $2
advert_int = 0.2
virtual_ipaddress = $VIP
notify = $KQ_DIR/notify.sh
notify_master = $KQ_DIR/hook.sh master-hook x
notify_backup = $KQ_DIR/hook.sh backup-hook
notify_fault = $KQ_DIR/hook.sh fault-hook
notify_stop = $KQ_DIR/hook.sh stop-hook
EOF
}

# states FILE: the third word of every notify line (the state), space-separated.
states() {
	[[ -f $1 ]] || return 0
	cut -d'|' -f1 "$1" | awk '{ printf "%s%s", sep, $3; sep = " " } END { print "" }'
}

# events_are HOST STATES: the notify lines of HOST so far name exactly these states, in this order.
events_are() {
	[[ $(states "$KQ_DIR/node-$1.events") == "$2" ]]
}

# A reader on h1's notify_fifo (made here, so that it exists before the daemon opens it).
mkfifo "$KQ_DIR/h1.fifo"
cat "$KQ_DIR/h1.fifo" >"$KQ_DIR/h1.fifo.out" &
KQ_PIDS+=("$!")

write_cfg h1 150
write_cfg h2 100
# h1 first: its down timer (0.683 s) runs from before its READY=1, h2's (0.722 s) after, so h2
# is never MASTER, not even for a moment
kq_start_in_order h1 h2
kq_wait_state h1 MASTER 5
kq_wait_state h2 BACKUP 2

# --- h1: BACKUP, then MASTER -----------------------------------------------------------------
kq_wait_for "events_are h1 'BACKUP MASTER'" 3 "h1's notify: BACKUP then MASTER"
ev=$KQ_DIR/node-h1.events
kq_assert_eq "$(sed -n 1p "$ev")" "INSTANCE vi_51 BACKUP 150|4|BACKUP|INIT|vi_51|150|-" \
	"h1's first notify call (words|argc|state|prev|instance|priority|VIP on eth0)"
kq_assert_eq "$(sed -n 2p "$ev")" "INSTANCE vi_51 MASTER 150|4|MASTER|BACKUP|vi_51|150|vip" \
	"h1's notify call on becoming MASTER"
kq_wait_for "events_are h2 BACKUP" 2 "h2's notify: BACKUP"
kq_assert_eq "$(cat "$KQ_DIR/node-h2.events")" "INSTANCE vi_51 BACKUP 100|4|BACKUP|INIT|vi_51|100|-" \
	"h2's notify call"
kq_wait_for "[[ \$(wc -l <'$KQ_DIR/node-h1.hooks') == 2 ]]" 2 "h1: two per-state hooks run"
kq_assert_eq "$(paste -sd' ' "$KQ_DIR/node-h1.hooks")" "backup-hook|1 master-hook x|2" \
	"h1's per-state hooks (their own words only)"

# --- a fault and back; then SIGTERM ----------------------------------------------------------
kq_setup ip -n "$ns1" link set eth0 down
kq_wait_state h1 FAULT 2
kq_wait_for "events_are h1 'BACKUP MASTER FAULT'" 3 "h1's notify: ... FAULT"
kq_assert_eq "$(sed -n 3p "$ev")" "INSTANCE vi_51 FAULT 150|4|FAULT|MASTER|vi_51|150|-" \
	"h1's notify call on FAULT (the VIP already removed)"
kq_wait_state h2 MASTER 3
kq_setup ip -n "$ns1" link set eth0 up
kq_wait_state h1 MASTER 4
kq_wait_for "events_are h1 'BACKUP MASTER FAULT BACKUP MASTER'" 3 "h1's notify: ... BACKUP MASTER"
rc=0
kq_stop_daemon h1 || rc=$?
kq_assert_eq "$rc" 0 "exit code of h1's daemon on SIGTERM"
kq_wait_for "events_are h1 'BACKUP MASTER FAULT BACKUP MASTER STOP'" 3 "h1's notify: ... STOP"
kq_assert_eq "$(sed -n 6p "$ev")" "INSTANCE vi_51 STOP 150|4|STOP|MASTER|vi_51|150|-" \
	"h1's notify call on SIGTERM (the VIP already removed)"
kq_wait_for "[[ \$(wc -l <'$KQ_DIR/node-h1.hooks') == 6 ]]" 2 "h1: six per-state hooks run"
kq_assert_eq "$(paste -sd' ' "$KQ_DIR/node-h1.hooks")" \
	"backup-hook|1 master-hook x|2 fault-hook|1 backup-hook|1 master-hook x|2 stop-hook|1" \
	"h1's per-state hooks"
# the fifo reader sees EOF when the daemon closes it
kq_wait_for "[[ \$(wc -l <'$KQ_DIR/h1.fifo.out') -ge 6 ]]" 2 "six lines on h1's notify_fifo"
kq_assert_eq "$(paste -sd, "$KQ_DIR/h1.fifo.out")" \
	"INSTANCE \"vi_51\" BACKUP 150,INSTANCE \"vi_51\" MASTER 150,INSTANCE \"vi_51\" FAULT 150,INSTANCE \"vi_51\" BACKUP 150,INSTANCE \"vi_51\" MASTER 150,INSTANCE \"vi_51\" STOP 150" \
	"h1's notify_fifo lines"

# --- hooks of one instance run one at a time, in the order of the transitions ----------------
rc=0
kq_stop_daemon h2 || rc=$?
kq_assert_eq "$rc" 0 "exit code of h2's daemon on SIGTERM"
rm -f "$ev"
: >"$KQ_DIR/slow"
kq_start_daemon h1 "$KQ_DIR/h1.ini"
kq_wait_ready h1
kq_wait_state h1 MASTER 3    # alone: 0.7 s after the start, while the BACKUP hook still sleeps
kq_wait_for "[[ -f '$ev' && \$(wc -l <'$ev') -ge 2 ]]" 5 "h1: two notify calls after the restart"
kq_assert_eq "$(states "$ev")" "BACKUP MASTER" \
	"the order of h1's notify calls when the BACKUP one is slow (SPEC.md: one at a time, in order)"

echo "PASS: $KQ_TEST_NAME"
