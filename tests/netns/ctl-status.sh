#!/bin/bash
# netns scenario: keepquorumctl as an operator uses it, on a quorum of three (h1 leads; every
# member tracks a check that fails). The human status against the JSON (state, priorities, VIPs,
# what blocks, the quorum's role, term, leader and lease, a member's last-seen, the failing
# check's detail, the PAUSED line); status --watch on a pipe (refreshes in time, the daemon
# stopped, killed and back, SIGTERM ends it with 0), on a terminal (redrawn in place), and with
# --json (JSON Lines, SIGINT ends it with 0); and the error texts and exit codes: no daemon, a
# stale socket file, a stopped daemon (timeout), sockets that are not keepquorumd's, permission
# denied for another user, a refusal by the daemon. (Wrong command lines: tests/conf/cli.sh.)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"
# namespaces kqst<PID>b, kqst<PID>h1..h3
KQ_ID="kqst$$"

kq_require_netns
for t in socat setpriv script; do
	command -v "$t" >/dev/null 2>&1 || kq_skip "'$t' is not installed"
done
id nobody >/dev/null 2>&1 || kq_skip "there is no user 'nobody'"
kq_lab_create 3
# shellcheck source-path=SCRIPTDIR source=quorum-lib.sh
. "$KQ_SRCDIR/tests/netns/quorum-lib.sh"

printf '#!/bin/sh\necho "disk full"\nexit 3\n' >"$KQ_DIR/chk_disk"
chmod 755 "$KQ_DIR/chk_disk"
QL_PRIORITY[h1]=150
QL_INSTANCE_EXTRA="track_script = chk_disk"
chk_ini() {
	printf '[vrrp_script chk_disk]\nscript = %s\ninterval = 0.3\nfall = 1\nweight = -10\n' \
		"$KQ_DIR/chk_disk"
}
QL_HOST_INI=chk_ini
ql_cluster h1 h2 h3
ql_start
leader=$(ql_wait_leader 20 h1 h2 h3)
kq_assert_eq "$leader" h1 "the leader (h1 has the highest priority)"
kq_wait_for "[[ \$(kq_jq h1 '.instances[0].vips_up') == true ]]" 10 "h1's VIP up"
for h in h1 h2; do
	kq_wait_for "[[ \$(kq_jq $h '.checks[0].state') == FAILED ]]" 5 "$h's chk_disk failed"
done

# cell TEXT FIRST ROW COLUMN: the cell of COLUMN (a header) in the row whose first cell is ROW,
# in the table of TEXT whose header starts with FIRST. A cell starts under its header and ends at
# two spaces (no cell holds two spaces in a row) or at the end of the line.
cell() {
	awk -v first="$2" -v key="$3" -v col="$4" '
		!p && index($0, first "  ") == 1 {
			p = index("  " $0 "  ", "  " col "  ")
			if (!p) exit 2
			next
		}
		p && $0 == "" { exit 1 }
		p && $1 == key { v = substr($0, p); sub(/  .*/, "", v); print v; found = 1; exit }
		END { exit !found }' <<<"$1"
}

# expect_cell WHAT TEXT FIRST ROW COLUMN EXPECTED
expect_cell() {
	local v
	v=$(cell "$2" "$3" "$4" "$5") || kq_fail "$1: no cell $5 of row $4 in table $3 in:"$'\n'"$2"
	[[ $v == "$6" ]] || kq_fail "$1: $5 of $4 is '$v', the JSON says '$6'; the table:"$'\n'"$2"
}

# --- the table against the JSON -------------------------------------------------------------
# compare HOST MEMBER: HOST's human status shows what its JSON says (taken just before). MEMBER
# is one HOST hears every heartbeat (the leader hears everyone, a follower only the leader), so
# that nothing compared changes between the two requests: a follower last heard another
# follower when that one led or campaigned, and its REACHABLE turns to no about 2 s later.
compare() {
	local h=$1 m=$2 json text q
	json=$(kq_status "$h") || kq_fail "$h: status --json failed"
	kq_assert_rc 0 kq_ctl "$h" status
	text=$KQ_OUT
	j() { jq -r "$1" <<<"$json"; }
	[[ $text == "node      $h, keepquorum $(j .version), up "* ]] ||
		kq_fail "$h: the first line does not name the node and version:"$'\n'"$text"
	expect_cell "$h" "$text" INSTANCE vi_51 STATE "$(j '.instances[0].state')"
	expect_cell "$h" "$text" INSTANCE vi_51 PRIO "$(j '.instances[0].priority')"
	expect_cell "$h" "$text" INSTANCE vi_51 EFF "$(j '.instances[0].effective_priority')"
	expect_cell "$h" "$text" INSTANCE vi_51 VIPS "$(j '.instances[0].vips | join(",")')"
	expect_cell "$h" "$text" INSTANCE vi_51 UP "$(j 'if .instances[0].vips_up then "yes" else "no" end')"
	expect_cell "$h" "$text" INSTANCE vi_51 MASTER "$(j '.instances[0].master_ip // "-"')"
	expect_cell "$h" "$text" INSTANCE vi_51 GATED yes
	expect_cell "$h" "$text" INSTANCE vi_51 "BLOCKED BY" "$(j '.instances[0].blocked_by // "-"')"
	expect_cell "$h" "$text" CHECK chk_disk OK no
	expect_cell "$h" "$text" CHECK chk_disk DETAIL "$(j '.checks[0].detail')"
	kq_assert_contains "$(j '.checks[0].detail')" "disk full" "$h: chk_disk's detail"
	q=$(grep '^quorum    ' <<<"$text") || kq_fail "$h: no quorum line in:"$'\n'"$text"
	kq_assert_contains "$q" "role $(j .quorum.role), term $(j .quorum.term), leader h1" \
		"$h's quorum line"
	expect_cell "$h" "$text" MEMBER "$m" REACHABLE "$(j '.quorum.members[] |
		select(.id == "'"$m"'") | if .reachable then "yes" else "no" end')"
	expect_cell "$h" "$text" MEMBER "$m" PRIORITY "$(j '.quorum.members[] |
		select(.id == "'"$m"'") | .priority')"
}
compare h1 h3
compare h2 h1
kq_assert_eq "$(kq_jq h2 '.instances[0].blocked_by')" no-quorum "h2's vi_51 blocked_by"
kq_assert_rc 0 kq_ctl h1 status
h1_text=$KQ_OUT
kq_assert_contains "$h1_text" "leader h1 (this node)" "h1's quorum line"
# the leader's lease, read by a person: at most election_timeout (2 s), e.g. "1.64s left"
[[ $(grep '^quorum ' <<<"$h1_text") =~ lease\ ([0-9]+ms|[0-2]\.[0-9][0-9]s)\ left$ ]] ||
	kq_fail "h1's lease is not shown as 1.64s or 640ms left:"$'\n'"$h1_text"
# h1 hears h2 every heartbeat (0.1 s): seen some ms ago, and so says the JSON
seen=$(cell "$h1_text" MEMBER h2 "LAST SEEN") || kq_fail "no LAST SEEN of h2 in:"$'\n'"$h1_text"
[[ $seen =~ ^[0-9]+ms\ ago$ ]] || kq_fail "h1's LAST SEEN of h2 is '$seen', not 'Nms ago'"
(($(kq_jq h1 '.quorum.members[] | select(.id == "h2") | .last_seen_ms') < 1000)) ||
	kq_fail "h1's JSON last_seen_ms of h2 is not below 1000"

# paused: a line says so, and the instance says why it waits
kq_assert_rc 0 kq_ctl h1 pause
kq_wait_for "[[ \$(kq_jq h2 .paused) == true ]]" 3 "h2 learns the pause"
kq_assert_rc 0 kq_ctl h2 status
grep -q '^PAUSED    ' <<<"$KQ_OUT" || kq_fail "no PAUSED line while paused:"$'\n'"$KQ_OUT"
expect_cell h2 "$KQ_OUT" INSTANCE vi_51 "BLOCKED BY" paused
kq_assert_rc 0 kq_ctl h1 resume
kq_wait_for "[[ \$(kq_jq h2 .paused) == false ]]" 3 "h2 learns the resume"
kq_assert_rc 0 kq_ctl h2 status
! grep -q '^PAUSED' <<<"$KQ_OUT" || kq_fail "a PAUSED line after resume:"$'\n'"$KQ_OUT"

# a refusal by the daemon: exit 1 with its reason
kq_assert_rc 1 kq_ctl h2 switchover --to nosuch
kq_assert_contains "$KQ_ERR" "keepquorumctl: switchover: " "a refused switchover"
kq_assert_contains "$KQ_ERR" "no member of that name" "a refused switchover"

# --- status --watch on a pipe, across a stop, a kill and two restarts ------------------------
sock2=$KQ_DIR/h2.sock
wout=$KQ_DIR/watch.out
"$KEEPQUORUMCTL" -s "$sock2" status --watch 0.3 >"$wout" 2>"$KQ_DIR/watch.err" &
wpid=$!
KQ_PIDS+=("$wpid")
frames() { grep -c '^Every 0.3s: keepquorumctl status (socket '"$sock2"')  ' "$wout" || true; }
# lines of the output: the last one that starts with $1 comes after the last one with $2
last_after() {
	awk -v a="$1" -v b="$2" 'index($0, a) == 1 { la = NR } index($0, b) == 1 { lb = NR }
		END { exit !(la > lb) }' "$wout"
}
t0=$(kq__now_usec)
kq_wait_for "(( \$(frames) >= 3 ))" 5 "three refreshes of status --watch 0.3"
# three refreshes are 0.6 s apart at least, and should not take much longer
(($(kq__now_usec) - t0 >= 500000)) || kq_fail "three refreshes of --watch 0.3 in less than 0.5 s"
grep -q '^node      h2, ' "$wout" || kq_fail "no status in the watch:"$'\n'"$(cat "$wout")"
! grep -q -v -e '^$' -e '^Every 0.3s: ' -e '^node ' -e '^config ' \
	-e '^quorum ' -e '^          this node' -e '^MEMBER ' -e '^h[13] ' -e '^INSTANCE ' \
	-e '^vi_51 ' -e '^CHECK ' -e '^chk_disk ' -e '^hooks ' -e '^dropped ' -e '^errors ' "$wout" ||
	kq_fail "unexpected lines in the watch:"$'\n'"$(cat "$wout")"

rc=0
kq_stop_daemon h2 TERM || rc=$?
kq_assert_eq "$rc" 0 "h2's exit code on SIGTERM"
gone="keepquorumd not reachable: no socket at $sock2; is keepquorumd running?"
kq_wait_for "last_after '$gone' 'node '" 3 "the watch shows h2 gone"
kq_assert_rc 2 kq_ctl h2 status
kq_assert_eq "$KQ_ERR" "keepquorumctl: no socket at $sock2; is keepquorumd running?" \
	"keepquorumctl status without a daemon"
kq__pid_alive "$wpid" || kq_fail "the watch ended when the daemon went away"

kq_start_daemon h2 "$KQ_DIR/h2.ini"
kq_wait_ready h2
kq_wait_for "last_after 'node      h2, ' '$gone'" 3 "the watch shows h2 back"

# a daemon killed leaves its socket: a stale one
rc=0
kq_stop_daemon h2 KILL || rc=$?
kq_assert_eq "$rc" 137 "h2's exit code on SIGKILL"
[[ -S $sock2 ]] || kq_fail "SIGKILL left no socket at $sock2 (the stale-socket case needs one)"
stale="nothing listens on $sock2 (connection refused): a socket left by a keepquorumd that is no longer running?"
kq_assert_rc 2 kq_ctl h2 status
kq_assert_eq "$KQ_ERR" "keepquorumctl: $stale" "keepquorumctl status on a stale socket"
kq_wait_for "last_after 'keepquorumd not reachable: $stale' 'node '" 3 \
	"the watch shows the stale socket"
kq_start_daemon h2 "$KQ_DIR/h2.ini"
kq_wait_ready h2
kq_wait_for "last_after 'node      h2, ' 'keepquorumd not reachable: '" 3 "the watch shows h2 back"

kill -TERM "$wpid"
kq_wait_for "! kq__pid_alive $wpid" 3 "the watch ends on SIGTERM"
rc=0
wait "$wpid" || rc=$?
kq_assert_eq "$rc" 0 "the exit code of status --watch on SIGTERM"
[[ ! -s $KQ_DIR/watch.err ]] || kq_fail "status --watch wrote to stderr: $(cat "$KQ_DIR/watch.err")"

# --- on a terminal: each refresh clears the screen and draws from the top --------------------
tout=$KQ_DIR/tty.out
script -qfec "$KEEPQUORUMCTL -s $KQ_DIR/h1.sock status --watch 0.2" /dev/null >"$tout" 2>&1 &
spid=$!
KQ_PIDS+=("$spid")
clears() { grep -c $'^\e\\[H\e\\[2JEvery 0.2s: ' "$tout" || true; }
kq_wait_for "(( \$(clears) >= 2 ))" 5 "two refreshes drawn in place on a terminal"
kq__kill_pid "$spid"

# --- status --json --watch: one object a line --------------------------------------------
jout=$KQ_DIR/watch.jsonl
"$KEEPQUORUMCTL" -s "$KQ_DIR/h1.sock" status --json --watch 0.2 >"$jout" 2>"$KQ_DIR/jwatch.err" &
jpid=$!
KQ_PIDS+=("$jpid")
kq_wait_for "(( \$(wc -l <'$jout') >= 3 ))" 5 "three lines of status --json --watch 0.2"
kill -INT "$jpid"
kq_wait_for "! kq__pid_alive $jpid" 3 "the JSON watch ends on SIGINT"
rc=0
wait "$jpid" || rc=$?
kq_assert_eq "$rc" 0 "the exit code of status --json --watch on SIGINT"
lines=$(wc -l <"$jout")
objects=$(jq -c 'select(type == "object" and .node == "h1" and .quorum.leader == "h1")' \
	"$jout" | wc -l) || kq_fail "status --json --watch printed what jq cannot parse: $(cat "$jout")"
kq_assert_eq "$objects" "$lines" "lines of status --json --watch that are h1's status objects"

# --- sockets that are not keepquorumd's, a stopped daemon ------------------------------------
socat "UNIX-LISTEN:$KQ_DIR/hello.sock,fork" SYSTEM:'echo hello' 2>/dev/null &
KQ_PIDS+=("$!")
socat "UNIX-LISTEN:$KQ_DIR/echo.sock,fork" SYSTEM:cat 2>/dev/null &
KQ_PIDS+=("$!")
kq_wait_for "[[ -S $KQ_DIR/hello.sock && -S $KQ_DIR/echo.sock ]]" 3 "socat's sockets"
kq_assert_rc 2 "$KEEPQUORUMCTL" -s "$KQ_DIR/hello.sock" status
kq_assert_eq "$KQ_ERR" "keepquorumctl: what answers on $KQ_DIR/hello.sock is not keepquorumd (it said 'hello'); is it keepquorumd's control socket?" \
	"keepquorumctl on a socket that says hello"
# a JSON object without "ok" is not keepquorumd's refusal (exit 1) but someone else (exit 2)
kq_assert_rc 2 "$KEEPQUORUMCTL" -s "$KQ_DIR/echo.sock" pause
kq_assert_contains "$KQ_ERR" "what answers on $KQ_DIR/echo.sock is not keepquorumd (it said '{\"command\":\"pause\"}" \
	"keepquorumctl on a socket that echoes"

kq_signal h3 STOP
t0=$(kq__now_usec)
kq_assert_rc 2 kq_ctl h3 --timeout 0.5 status
kq_signal h3 CONT
(($(kq__now_usec) - t0 < 3000000)) || kq_fail "--timeout 0.5 took 3 s or more"
kq_assert_eq "$KQ_ERR" "keepquorumctl: no answer on $KQ_DIR/h3.sock within 0.5 s: is keepquorumd stopped or stuck (or is it not keepquorumd's socket)?" \
	"keepquorumctl on a stopped daemon"

# --- permission denied for another user ------------------------------------------------------
# nobody runs a copy of keepquorumctl (the build dir may be closed to it) from $KQ_DIR, opened to
# it for this (711: it may pass, not list); closed/ leads to h1's socket through a directory it
# may not search.
cp "$KEEPQUORUMCTL" "$KQ_DIR/kqctl"
chmod 755 "$KQ_DIR/kqctl"
mkdir -m 700 "$KQ_DIR/closed"
ln -s "$KQ_DIR/h1.sock" "$KQ_DIR/closed/h1.sock"
as_nobody() { setpriv --reuid nobody --regid "$(id -g nobody)" --clear-groups "$@"; }
chmod 711 "$KQ_DIR"
root_group=$(stat -c %G "$KQ_DIR/h1.sock")
kq_assert_rc 2 as_nobody "$KQ_DIR/kqctl" -s "$KQ_DIR/h1.sock" status
kq_assert_eq "$KQ_ERR" "keepquorumctl: permission denied on $KQ_DIR/h1.sock (mode 0660, group $root_group): only root and members of group $root_group may use it, not user nobody" \
	"keepquorumctl as nobody"
kq_assert_rc 2 as_nobody "$KQ_DIR/kqctl" -s "$KQ_DIR/closed/h1.sock" status
kq_assert_eq "$KQ_ERR" "keepquorumctl: permission denied on $KQ_DIR/closed/h1.sock: user nobody may not search its directory; the socket is for root and keepquorumd's group" \
	"keepquorumctl as nobody, the directory closed"
chmod 700 "$KQ_DIR"

echo "PASS: $KQ_TEST_NAME"
