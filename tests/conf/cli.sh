#!/bin/bash
# The command lines of keepquorumd and keepquorumctl: help, version, bad arguments, exit codes.
set -u
: "${KEEPQUORUMD:?} ${KEEPQUORUMCTL:?}"
fail=0
check() { # expected-exit description command...
	local want=$1 what=$2; shift 2
	local out rc
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL $what: exit $rc, expected $want"; echo "$out"; fail=1
	else
		echo "ok   $what"
	fi
	LAST=$out
}
check 0 "keepquorumd --help" "$KEEPQUORUMD" --help
grep -q -- "--config-test" <<<"$LAST" || { echo "FAIL: help lacks --config-test"; fail=1; }
check 0 "keepquorumd -v" "$KEEPQUORUMD" -v
grep -qE '^keepquorumd [0-9]+\.[0-9]+\.[0-9]+' <<<"$LAST" || { echo "FAIL: version: $LAST"; fail=1; }
check 1 "keepquorumd --bogus" "$KEEPQUORUMD" --bogus
check 1 "keepquorumd extra argument" "$KEEPQUORUMD" extra
check 1 "keepquorumd --log-level loud" "$KEEPQUORUMD" --log-level loud
grep -q "'loud' is not error" <<<"$LAST" || { echo "FAIL: log level message: $LAST"; fail=1; }
check 1 "keepquorumd -t missing file" "$KEEPQUORUMD" -t -f /nonexistent/kq.ini
grep -q "/nonexistent/kq.ini: cannot read: No such file or directory" <<<"$LAST" || { echo "FAIL: $LAST"; fail=1; }
check 1 "keepquorumd -t --release" "$KEEPQUORUMD" -t --release
check 1 "keepquorumd -t on a directory" "$KEEPQUORUMD" -t -f /
check 0 "keepquorumctl --help" "$KEEPQUORUMCTL" --help
grep -q -- "--watch \[SECONDS\]" <<<"$LAST" || { echo "FAIL: help lacks --watch: $LAST"; fail=1; }
# expect_line TEXT: the first line of the last output must be exactly TEXT (the usage follows)
expect_line() {
	[ "$(head -n 1 <<<"$LAST")" = "$1" ] || { echo "FAIL: expected '$1', got: $LAST"; fail=1; }
}
# Wrong command lines: exit 1 with what is wrong and the usage, the daemon never asked (the
# socket does not exist: asking it would exit 2).
ctl=("$KEEPQUORUMCTL" -s /nonexistent/kq.sock)
check 1 "keepquorumctl without command" "${ctl[@]}"
expect_line "keepquorumctl: no command given"
check 1 "keepquorumctl bad command" "${ctl[@]}" frobnicate
expect_line "keepquorumctl: unknown command 'frobnicate'"
grep -q "^Usage: keepquorumctl" <<<"$LAST" || { echo "FAIL: no usage after a bad command"; fail=1; }
check 1 "keepquorumctl status extra" "${ctl[@]}" status --xml
expect_line "keepquorumctl: status: unknown argument '--xml' (it takes --json and --watch [SECONDS])"
check 1 "keepquorumctl pause extra" "${ctl[@]}" pause now
expect_line "keepquorumctl: pause takes no arguments (got 'now')"
check 1 "keepquorumctl switchover --to" "${ctl[@]}" switchover --to
expect_line "keepquorumctl: switchover: --to needs a NODE"
check 1 "keepquorumctl switchover extra" "${ctl[@]}" switchover --to db2 now
expect_line "keepquorumctl: switchover: unexpected argument 'now' (it takes --to NODE)"
for bad in abc 0.05 -1 1e9 nan ""; do
	check 1 "keepquorumctl status --watch '$bad'" "${ctl[@]}" status --watch "$bad"
	expect_line "keepquorumctl: status --watch must be a number of seconds from 0.1 to 86400, not '$bad'"
done
check 1 "keepquorumctl status --watch=0" "${ctl[@]}" status --watch=0
expect_line "keepquorumctl: status --watch must be a number of seconds from 0.1 to 86400, not '0'"
check 1 "keepquorumctl --timeout x" "${ctl[@]}" --timeout x status
expect_line "keepquorumctl: --timeout must be a number of seconds from 0.1 to 3600, not 'x'"
check 1 "keepquorumctl --bogus" "${ctl[@]}" --bogus status
check 1 "keepquorumctl -s ''" "$KEEPQUORUMCTL" -s "" status
expect_line "keepquorumctl: the socket path (-s) is empty"
# Unreachable: exit 2, the reason naming the socket once.
check 2 "keepquorumctl unreachable" "${ctl[@]}" status
[ "$LAST" = "keepquorumctl: no socket at /nonexistent/kq.sock; is keepquorumd running?" ] ||
	{ echo "FAIL: $LAST"; fail=1; }
check 2 "keepquorumctl on a regular file" "$KEEPQUORUMCTL" -s "$0" status
[ "$LAST" = "keepquorumctl: $0 is a regular file, not a socket: give keepquorumd's control socket (its --ctl-socket) with -s" ] ||
	{ echo "FAIL: $LAST"; fail=1; }
long=/tmp/$(printf 'x%.0s' {1..120})
check 2 "keepquorumctl socket path too long" "$KEEPQUORUMCTL" -s "$long" status
[ "$LAST" = "keepquorumctl: socket path too long (125 bytes, at most 107): $long" ] ||
	{ echo "FAIL: $LAST"; fail=1; }
exit $fail
