#!/bin/bash
# netns scenario: health checks move the VIP, as keepalived's track_script and track_file do.
# VRRPv3, advert_int 0.1 s; h1 (priority 150) and h2 (100), VIP 10.77.0.100/24 (vi_1, VRID 81).
# h1's vi_1 tracks three script checks (interval 0.2 s, fall 2, rise 2) whose result is the
# absence of a file in the test's directory, and a track_file:
#  1. chk_down (weight 0) fails: h1 goes FAULT (blocked_by check:chk_down), h2 takes the VIP;
#     it passes again: h1 takes it back.
#  2. chk_a (weight -30) fails: h1's priority is 120, still above h2's 100: nothing moves. chk_b
#     (weight -30) fails too: 90, below 100: h2 takes over (preemption), and gives it back
#     when both pass.
#  3. the track_file (weight 0) holds 1: FAULT (blocked_by file:PATH); 0: back. Written by a
#     rename, as editors do.
#  4. a second instance on h1 (vi_2, VRID 82) tracks chk_hang, a script that sleeps far past its
#     3 s timeout: vi_2 waits in INIT for its first result (blocked_by check:chk_hang), then
#     goes FAULT; meanwhile vi_1's adverts, captured on the wire, keep their 0.1 s spacing (the
#     hanging script never holds up the daemon), and every hung run is killed with its process
#     group.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 3

VIP=10.77.0.100/24
D=$KQ_DIR

# check NAME: a script that succeeds while $D/NAME.fail does not exist
for c in chk_down chk_a chk_b; do
	printf '#!/bin/sh\n[ ! -e %s/%s.fail ]\n' "$D" "$c" >"$D/$c.sh"
	chmod 755 "$D/$c.sh"
done
# chk_hang: prints its process group, then sleeps (as would a check stuck on a dead NFS mount)
cat >"$D/chk_hang.sh" <<EOF
#!/bin/sh
echo "pgid \$(ps -o pgid= \$\$)" >>$D/hang.pgids
sleep 60
EOF
chmod 755 "$D/chk_hang.sh"
echo 0 >"$D/maint"

script_section() { # NAME WEIGHT [TIMEOUT]
	printf '\n[vrrp_script %s]\nscript = %s/%s.sh\ninterval = 0.2\ntimeout = %s\nrise = 2\nfall = 2\nweight = %s\n' \
		"$1" "$D" "$1" "${3:-1}" "$2"
}

{
	kq_vrrp_ini h1 vi_1 "virtual_router_id = 81" "version = 3" "priority = 150" "advert_int = 0.1" \
		"virtual_ipaddress = $VIP" "track_script = chk_down, chk_a, chk_b" "track_file = $D/maint"
	printf '\n[vrrp_instance vi_2]\nstate = BACKUP\ninterface = eth0\nvirtual_router_id = 82\n'
	printf 'version = 3\npriority = 150\nadvert_int = 1\nvirtual_ipaddress = 10.77.0.182/24\n'
	printf 'track_script = chk_hang\n'
	script_section chk_down 0
	script_section chk_a -30
	script_section chk_b -30
	script_section chk_hang 0 3
} >"$D/h1.ini"
kq_vrrp_ini h2 vi_1 "virtual_router_id = 81" "version = 3" "priority = 100" "advert_int = 0.1" \
	"virtual_ipaddress = $VIP" >"$D/h2.ini"

# group_alive PGID: a process of that group is alive (zombies, which a PID 1 that reaps no
# orphans may leave, do not count)
group_alive() {
	ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { n++ } END { exit !n }'
}

# check_jq HOST NAME EXPR: jq EXPR on check NAME of HOST's status
check_jq() {
	kq_jq "$1" ".checks[] | select(.name == \"$2\") | $3"
}

kq_start_in_order h1 h2

# --- 4 (first part). vi_2 waits for chk_hang's first result ---------------------------------------
kq_assert_jq h1 '.instances[1].state' INIT
kq_assert_jq h1 '.instances[1].blocked_by' check:chk_hang

# --- start: h1 is MASTER once its checks have passed -----------------------------------------------
kq_wait_state h1 MASTER 5 vi_1
kq_wait_state h2 BACKUP 2
kq_assert_eq "$(kq_vip_holders $VIP h1 h2)" h1 "VIP holders"
kq_assert_eq "$(check_jq h1 chk_down .state) $(check_jq h1 chk_down .ok) $(check_jq h1 chk_down .type)" \
	"OK true script" "chk_down in h1's status"
kq_assert_eq "$(kq_jq h1 '[.checks[] | select(.type == "file")] | length')" 1 "tracked files in status"
kq_assert_eq "$(check_jq h1 "$D/maint" '.value')" 0 "the tracked file's value"

# --- 1. a weight-0 check fails ---------------------------------------------------------------------
touch "$D/chk_down.fail"
kq_wait_state h1 FAULT 3 vi_1
kq_assert_jq h1 '.instances[0].blocked_by' check:chk_down
kq_assert_contains "$(kq_inst h1 .fault_reason vi_1)" "check chk_down FAILED" "vi_1's fault_reason"
kq_assert_eq "$(check_jq h1 chk_down .ok)" false "chk_down ok"
kq_wait_state h2 MASTER 2
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h2 ]]" 2 "the VIP on h2"
(($(check_jq h1 chk_down .failures) >= 2)) || kq_fail "chk_down failed fewer than fall (2) times"
rm "$D/chk_down.fail"
kq_wait_state h1 MASTER 5 vi_1
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h1 ]]" 2 "the VIP back on h1"

# --- 2. negative weights ------------------------------------------------------------------------------
touch "$D/chk_a.fail"
kq_wait_for "[[ \$(kq_inst h1 .effective_priority vi_1) == 120 ]]" 3 "h1's priority 150 - 30"
sleep 1 # five times Master_Down_Interval's worth of adverts at 120: h2 (100) stays BACKUP
kq_assert_eq "$(kq_state h1 vi_1) $(kq_state h2)" "MASTER BACKUP" "states with h1 at 120"
kq_assert_eq "$(kq_vip_holders $VIP h1 h2)" h1 "VIP holders with h1 at 120"
kq_assert_jq h1 '.instances[0].blocked_by' null
touch "$D/chk_b.fail"
kq_wait_for "[[ \$(kq_inst h1 .effective_priority vi_1) == 90 ]]" 3 "h1's priority 150 - 60"
kq_wait_state h2 MASTER 3
kq_wait_state h1 BACKUP 2 vi_1
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h2 ]]" 2 "the VIP on h2 with h1 at 90"
rm "$D/chk_a.fail" "$D/chk_b.fail"
kq_wait_for "[[ \$(kq_inst h1 .effective_priority vi_1) == 150 ]]" 3 "h1's priority back to 150"
kq_wait_state h1 MASTER 3 vi_1
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h1 ]]" 2 "the VIP back on h1"

# --- 3. the tracked file ------------------------------------------------------------------------------
echo 1 >"$D/maint.new" && mv "$D/maint.new" "$D/maint"
kq_wait_state h1 FAULT 2 vi_1
kq_assert_jq h1 '.instances[0].blocked_by' "file:$D/maint"
kq_assert_eq "$(check_jq h1 "$D/maint" '.value')" 1 "the tracked file's value"
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h2 ]]" 2 "the VIP on h2 during maintenance"
echo 0 >"$D/maint"
kq_wait_state h1 MASTER 5 vi_1
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h1 ]]" 2 "the VIP back on h1 after maintenance"

# --- 4. the hanging check -----------------------------------------------------------------------------
kq_wait_state h1 FAULT 1 vi_2
kq_assert_contains "$(check_jq h1 chk_hang .detail)" "timed out" "chk_hang's detail"
(($(check_jq h1 chk_hang .timeouts) >= 1)) || kq_fail "chk_hang: no timeout counted"
# vi_1's adverts on the wire over 3.5 s, while chk_hang's runs hang, time out and are killed
kq_capture_start lan "$(kq_ns h3)" eth0 'ip proto 112'
sleep 3.5
kq_capture_stop lan
# the largest gap between two of h1's vi_1 adverts while it was MASTER and chk_hang hung
gap=$(kq_vrrp_adverts lan | awk '$2 == "10.77.0.1" && $6 == 81 && $7 == 150 {
	if (last != "" && $1 - last > max) max = $1 - last; last = $1 } END { printf "%d", max * 1000 }')
# a loop held by the hanging script would miss adverts for its whole 3 s timeout; the bound sits
# far from both that and the 100 ms interval, for a loaded CI machine
((gap > 0 && gap < 1000)) ||
	kq_fail "largest gap between h1's adverts (every 100 ms) was $gap ms while a check hung"
kq_log "largest gap between h1's adverts: $gap ms"
# every hung run's process group is gone but the one running now
sleep 0.2
alive=0
while read -r _ pgid; do
	if group_alive "$pgid"; then
		alive=$((alive + 1))
	fi
done <"$D/hang.pgids"
(($(wc -l <"$D/hang.pgids") >= 2)) || kq_fail "chk_hang ran fewer than 2 times"
((alive <= 1)) || kq_fail "$alive process groups of chk_hang are still alive (at most the running one may be)"

# the daemon stops cleanly with a check running, and kills it
pgids=$(awk '{ print $2 }' "$D/hang.pgids")
rc=0
kq_stop_daemon h1 || rc=$?
kq_assert_eq "$rc" 0 "exit code of h1's daemon"
for p in $pgids; do
	! group_alive "$p" || kq_fail "process group $p of chk_hang outlived the daemon"
done

echo "PASS: $KQ_TEST_NAME"
