#!/bin/bash
# netns scenario: the main scenario, quorum-failover.sh (three members, VRRP gated by the quorum:
# election, kill -9 of the leader, a partition, SIGSTOP of a leader, forged datagrams,
# switchover, reload, stop), run again whole with every daemon under valgrind's memcheck. Every
# daemon that exited (not those the scenario kills with SIGKILL) must have a report of 0 errors,
# with nothing definitely or indirectly lost; none may report an error at all.
# A build with sanitizers cannot run under valgrind: there this skips (AddressSanitizer and
# LeakSanitizer check the same in that pass of make check).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

if [[ ${KQ_SANITIZERS:-no} == yes ]]; then
	echo "SKIP: $KQ_TEST_NAME: built with sanitizers, which valgrind cannot run (they check the same)"
	exit 77
fi
kq_require_netns
command -v valgrind >/dev/null 2>&1 || kq_skip "'valgrind' is not installed (apt-get install valgrind)"
export KQ_VALGRIND=$KQ_DIR/vg
mkdir -p "$KQ_VALGRIND"
rc=0
"$KQ_SRCDIR/tests/netns/quorum-failover.sh" >"$KQ_DIR/scenario.out" 2>&1 || rc=$?
((rc == 0)) || kq_fail "quorum-failover.sh under valgrind: exit $rc: $(tail -40 "$KQ_DIR/scenario.out")"
reports=0 complete=0 incomplete=""
for f in "$KQ_VALGRIND"/*.valgrind; do
	[[ -e $f ]] || kq_fail "no valgrind report in $KQ_VALGRIND"
	reports=$((reports + 1))
	if grep -q "ERROR SUMMARY: [1-9]" "$f"; then
		kq_fail "$(basename "$f"): errors: $(grep -A40 -m1 '^==[0-9]*== [A-Z]' "$f" | head -60)"
	fi
	if ! grep -q "ERROR SUMMARY: 0 errors" "$f"; then
		incomplete+=" $(basename "$f")"   # killed by SIGKILL: no summary
		continue
	fi
	complete=$((complete + 1))
	for kind in "definitely lost" "indirectly lost"; do
		if grep -q "$kind: [1-9]" "$f"; then
			kq_fail "$(basename "$f"): $kind: $(grep -B2 -A30 -m1 "are $kind" "$f" | head -50)"
		fi
	done
done
# the scenario SIGKILLs two of its daemons (a leader, a follower); the others stop cleanly
((complete >= 2)) ||
	kq_fail "only $complete of $reports valgrind reports are complete (a daemon's exit); not:$incomplete"
echo "ok: $reports daemons under memcheck, $complete to their exit: 0 errors, nothing lost"
echo "PASS: $KQ_TEST_NAME"
