#!/bin/bash
# netns scenario: [pg_check] in the daemon, against a real PostgreSQL primary and a streaming
# standby (tests/pg/lib.sh: unix sockets in the test's directory, reachable from the namespaces).
# h1 (priority 150) checks the primary, h2 (100) the standby; each instance tracks its pg_check
# with weight 0 (interval 0.3 s, timeout 3 s, fall 2, rise 1).
#  1. status shows each node's role, LSN and timeline; the primary's LSN follows writes, the
#     standby streams and its replay LSN catches up.
#  2. the primary's server stops: its check fails (cannot connect), h1 goes FAULT
#     (blocked_by check:pg) and h2 takes the VIP; started again, h1 takes it back.
#  3. the standby's server is frozen (SIGSTOP, it accepts connections but never answers): h2's
#     runs time out, and h2's daemon answers `status` all along: each answer well under the
#     3 s a run waits (a loop blocked by libpq would hold every answer that long).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../pg/lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/pg/lib.sh"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
pg_require
kq_lab_create 2
pg_create_primary p
pg_create_standby s p
pg_psql p "CREATE TABLE t (i int, pad text)"

VIP=10.77.0.100/24

write_cfg() { # HOST PRIORITY SERVER
	kq_vrrp_ini "$1" vi_1 "virtual_router_id = 91" "version = 3" "priority = $2" "advert_int = 0.1" \
		"virtual_ipaddress = $VIP" "track_script = pg"
	printf '\n[pg_check pg]\nconninfo = %s\ninterval = 0.3\ntimeout = 3\nrise = 1\nfall = 2\n' \
		"$(pg_conninfo "$3")"
}
write_cfg h1 150 p >"$KQ_DIR/h1.ini"
write_cfg h2 100 s >"$KQ_DIR/h2.ini"

# pg HOST FILTER: jq FILTER on HOST's pg check
pg() {
	kq_jq "$1" ".checks[] | select(.name == \"pg\") | $2"
}
# lsn_num X/Y
lsn_num() {
	local hi=${1%/*} lo=${1#*/}
	echo $(((16#$hi << 32) + 16#$lo))
}

kq_start_in_order h1 h2

# --- 1. roles and positions --------------------------------------------------------------------------
kq_wait_state h1 MASTER 5
kq_wait_state h2 BACKUP 2
kq_assert_eq "$(kq_vip_holders $VIP h1 h2)" h1 "VIP holders"
kq_assert_eq "$(pg h1 '"\(.type) \(.state) \(.ok) \(.role) \(.timeline) \(.promotable)"')" \
	"postgres OK true primary 1 true" "h1's pg check"
kq_assert_contains "$(pg h1 .detail)" "primary, lsn " "h1's pg detail"
kq_wait_for "[[ \$(pg h2 '\"\(.role) \(.streaming)\"') == 'standby true' ]]" 5 "h2: a streaming standby"
before=$(lsn_num "$(pg h1 .lsn)")
pg_psql p "INSERT INTO t SELECT g, repeat('x', 1000) FROM generate_series(1, 2000) g"
target=$(lsn_num "$(pg_psql p "SELECT pg_current_wal_lsn()")")
kq_wait_for "(( \$(lsn_num \"\$(pg h1 .lsn)\") >= $target ))" 3 "h1's status: the primary's LSN after the writes"
((target > before)) || kq_fail "the writes did not move the primary's LSN ($before -> $target)"
kq_wait_for "(( \$(lsn_num \"\$(pg h2 .replay_lsn)\") >= $target ))" 5 "h2's status: the standby replayed the writes"

# --- 2. the primary's server stops ---------------------------------------------------------------------
pg_stop p
kq_wait_state h1 FAULT 5
kq_assert_jq h1 '.instances[0].blocked_by' check:pg
kq_assert_contains "$(pg h1 .detail)" "cannot connect" "h1's pg detail with the server down"
kq_assert_eq "$(pg h1 .ok)" false "h1's pg ok"
kq_wait_state h2 MASTER 2
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h2 ]]" 2 "the VIP on h2"
# the standby is still a healthy check: its primary is gone, not itself
kq_assert_eq "$(pg h2 '"\(.ok) \(.role) \(.streaming)"')" "true standby false" "h2's pg check"
pg_start p
kq_wait_state h1 MASTER 5
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h1 ]]" 2 "the VIP back on h1"

# --- 3. a frozen server ---------------------------------------------------------------------------------
timeouts=$(pg h2 .timeouts)
pg_freeze s
slowest=0
end=$((SECONDS + 7))
while ((SECONDS < end)); do
	t0=$(kq__now_usec)
	kq_status h2 >/dev/null || kq_fail "h2's daemon did not answer status while its server was frozen"
	ms=$((($(kq__now_usec) - t0) / 1000))
	((ms > slowest)) && slowest=$ms
	sleep 0.1
done
kq_wait_for "(( \$(pg h2 .timeouts) > $timeouts ))" 4 "h2: a pg run timed out"
kq_assert_contains "$(pg h2 .detail)" "timed out" "h2's pg detail with the server frozen"
# the daemon answers in a few ms; a loop blocked by libpq would take up to 3 s (the run's
# timeout): the bound sits between, far from both, for a loaded CI machine
((slowest < 1500)) || kq_fail "h2's status took $slowest ms while its server was frozen"
kq_log "slowest status answer from h2 while its server was frozen: $slowest ms"
kq_wait_state h2 FAULT 5
pg_thaw s
kq_wait_for "[[ \$(pg h2 .state) == OK ]]" 5 "h2's pg check OK again after SIGCONT"
kq_wait_state h2 BACKUP 3

echo "PASS: $KQ_TEST_NAME"
