#!/bin/bash
# make check's share of the cluster simulation (tests/sim/sim.h): a fixed set of seeds across
# the three shapes -- 3 members, 5, 2 and a witness -- 25 seeds of 300 simulated seconds each,
# a few seconds in all, under the sanitizers too. More: tests/sim/run --seeds N (-q). A failure
# prints the seed, the invariant, the last trace lines and the command that replays it.
set -u
: "${KQ_SRCDIR:?} ${KQ_BUILDDIR:?}"
run=$KQ_SRCDIR/tests/sim/run
status=0
for shape in 3 5 w; do
	"$run" --seed 1 --seeds 25 --nodes "$shape" --seconds 300 -q || status=1
done
# A seed replays exactly: the whole trace of one, twice, byte for byte.
a=$("$run" --seed 7 --seconds 60 -v | cksum) || status=1
b=$("$run" --seed 7 --seconds 60 -v | cksum) || status=1
if [ "$a" != "$b" ]; then
	echo "FAIL: seed 7 gave two different traces"
	status=1
fi
exit $status
