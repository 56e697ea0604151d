#!/bin/bash
# netns scenario: the corpus's larger shapes (tests/k2i/corpus 05-09) under the real keepalived
# and, converted by keepalived-to-ini, under keepquorumd, side by side on the same VRIDs in two
# copies of one network (tests/netns/k2i-lib.sh). After every step both elect the same master,
# hold the same addresses and have run the same notify scripts.
#  05 three nodes in unicast (GCP-style), one file with @ID lines (150/100/50), check weight 0:
#     node1's check fails, node2 takes over; node2 stops, node3 takes over; node1 heals and
#     preempts.
#  06 a sync group of an instance on eth0 and one on eth1: the eth1 instance's check fails on
#     the master, and both addresses move together; healed, they come back.
#  07 IPv6 and VRRPv3, three instances in a sync group, the same file on both nodes: the first
#     started keeps everything when the second joins (equal priorities do not preempt); it stops,
#     the other takes all four addresses; back, it takes nothing.
#  08 scripts of every weight (positive, negative, reverse, overridden) and a track_file, the
#     same file on both nodes: a maintenance flag (weight 15 reverse) moves the VIP; an offset in
#     the tracked file (weight -1) moves it back; a failing check of +10 is not enough to move
#     it; the offset removed, it moves.
#  09 includes (globs, nested, one inside an instance): the check fails (FAULT), the VIPs move;
#     healed, they stay (equal priorities).
set -euo pipefail
: "${KQ_TEST_TIMEOUT:=420}"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"
# shellcheck source-path=SCRIPTDIR source=k2i-lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/k2i-lib.sh"

sbs_require
sbs_lab

sbs_shape 05 3 10.77.0.105/24
sbs_start 1
sbs_start 2
sbs_start 3
sbs_settle "three nodes" 2
[[ $(sbs_master) == 1 ]] || kq_fail "05: db1 does not lead"
sbs_both 1 touch check_pg.fail
sbs_settle "db1's check fails (FAULT)" 3
[[ $(sbs_master) == 2 ]] || kq_fail "05: db2 did not take over"
sbs_stop 2
sbs_settle "db2 stopped" 1
[[ $(sbs_master) == 3 ]] || kq_fail "05: db3 did not take over"
sbs_both 1 rm check_pg.fail
sbs_settle "db1's check heals (preemption)" 2

sbs_shape 06 2 10.77.0.106/24 10.77.0.107/24
sbs_start 1
sbs_start 2
sbs_settle "lb1 and lb2" 2
[[ $(sbs_master) == 1 ]] || kq_fail "06: lb1 does not lead"
sbs_both 1 touch check_net.fail
sbs_settle "lb1's eth1 check fails (the group moves)" 5
[[ $(sbs_master) == 2 ]] || kq_fail "06: the group did not move to lb2"
sbs_both 1 rm check_net.fail
sbs_settle "lb1's check heals" 3

sbs_shape 07 2 fd77::108/64 fd77::1:108/64 fd77::109/64 10.77.0.108/24
sbs_start 1
sbs_alone 1
sbs_start 2
sbs_settle "node2 joins" 1
sbs_stop 1
sbs_settle "node1 stopped" 1
[[ $(sbs_master) == 2 ]] || kq_fail "07: node2 did not take over"
sbs_start 1
sbs_settle "node1 back" 1

sbs_shape 08 2 10.77.0.110/24
sbs_start 1
sbs_alone 1
sbs_start 2
sbs_settle "node2 joins" 2
sbs_both 1 touch maintenance
sbs_settle "node1 in maintenance (-15)" 2
[[ $(sbs_master) == 2 ]] || kq_fail "08: the VIP stayed with node1 in maintenance"
sbs_both 1 rm maintenance
sbs_both 2 touch priority-offset 20
sbs_settle "node1 out of maintenance, node2's offset 20 (x -1)" 2
[[ $(sbs_master) == 1 ]] || kq_fail "08: the VIP stayed with node2 at its offset"
sbs_both 1 touch check_app.fail
sbs_settle "node1's +10 check fails (90 against 80)" 4
sbs_both 2 rm priority-offset
sbs_settle "node2's offset removed (100 against 90)" 2
[[ $(sbs_master) == 2 ]] || kq_fail "08: node2 did not preempt"

sbs_shape 09 2 10.77.0.111/24 10.77.0.112/24
sbs_start 1
sbs_alone 1
sbs_start 2
sbs_settle "node2 joins" 1
sbs_both 1 touch check_pg.fail
sbs_settle "node1's check fails (FAULT)" 3
[[ $(sbs_master) == 2 ]] || kq_fail "09: node2 did not take over"
sbs_both 1 rm check_pg.fail
sbs_settle "node1's check heals" 3
sbs_stop_all

echo "PASS: $KQ_TEST_NAME"
