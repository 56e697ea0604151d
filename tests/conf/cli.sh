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
check 1 "keepquorumctl without command" "$KEEPQUORUMCTL"
check 1 "keepquorumctl bad command" "$KEEPQUORUMCTL" -s /nonexistent.sock frobnicate
check 1 "keepquorumctl status extra" "$KEEPQUORUMCTL" -s /nonexistent.sock status --xml
check 2 "keepquorumctl unreachable" "$KEEPQUORUMCTL" -s /nonexistent/kq.sock status
grep -q "is keepquorumd running? (socket /nonexistent/kq.sock)" <<<"$LAST" || { echo "FAIL: $LAST"; fail=1; }
exit $fail
