#!/bin/bash
# netns scenario: the corpus's two-node pairs (tests/k2i/corpus 01-04) under the real keepalived
# and, converted by keepalived-to-ini, under keepquorumd, side by side on the same VRIDs in two
# copies of one network (tests/netns/k2i-lib.sh). After every step both elect the same master,
# hold the same addresses and have run the same notify scripts.
#  01 PostgreSQL pair, both BACKUP with nopreempt, check weight -50: db1 leads; its check fails
#     and it keeps the VIP (db2 does not preempt); db1 stops, db2 takes over; db1 returns and
#     does not take it back.
#  02 MySQL pair, MASTER/BACKUP, a check with weight 0 and track_interface eth1, auth PASS: the
#     check fails (FAULT) and the VIP moves; healed, it comes back (preemption); eth1 goes down
#     on the master (FAULT), and up again.
#  03 HAProxy pair, checks whose processes are missing on both (weights 2 and -4), track_interface
#     eth1 weight -10: eth1 down on the master lowers it below its peer, and back; a crash of the
#     master (SIGKILL, its addresses removed as a reboot would) hands over after the master down
#     interval.
#  04 unicast pair (AWS-style), 150/100, both BACKUP, check weight 0: the check fails on node1
#     and node2 takes the VIP; healed, node1 takes it back; node2 stops, node1 keeps it.
set -euo pipefail
: "${KQ_TEST_TIMEOUT:=420}"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"
# shellcheck source-path=SCRIPTDIR source=k2i-lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/k2i-lib.sh"

sbs_require
sbs_lab

sbs_shape 01 2 10.77.0.101/24
sbs_start 1
sbs_alone 1
sbs_start 2
sbs_settle "db2 joins" 1
[[ $(sbs_master) == 1 ]] || kq_fail "01: db1 does not lead"
sbs_both 1 touch check_pg.fail
sbs_settle "db1's check fails (nopreempt: db1 keeps it)" 5
sbs_stop 1
sbs_settle "db1 stopped" 1
[[ $(sbs_master) == 2 ]] || kq_fail "01: db2 did not take over"
sbs_both 1 rm check_pg.fail
sbs_start 1
sbs_settle "db1 back (nopreempt: db2 keeps it)" 1

sbs_shape 02 2 10.77.0.102/24
sbs_start 1
sbs_alone 1
sbs_start 2
sbs_settle "db2 joins" 1
sbs_both 1 touch check_mysql.fail
sbs_settle "db1's check fails (FAULT)" 2
[[ $(sbs_master) == 2 ]] || kq_fail "02: db2 did not take over"
sbs_both 1 rm check_mysql.fail
sbs_settle "db1's check heals (preemption)" 2
sbs_link 1 down
sbs_settle "db1's eth1 down (FAULT)" 1
[[ $(sbs_master) == 2 ]] || kq_fail "02: db2 did not take over on eth1 down"
sbs_link 1 up
sbs_settle "db1's eth1 up" 1

sbs_shape 03 2 10.77.0.103/24
sbs_start 1
sbs_alone 1
sbs_start 2
sbs_settle "lb2 joins" 1
m=$(sbs_master)
sbs_link "$m" down
sbs_settle "the master's eth1 down (-10)" 1
[[ $(sbs_master) != "$m" ]] || kq_fail "03: the VIP stayed on lb$m with eth1 down"
sbs_link "$m" up
sbs_settle "its eth1 up" 1
sbs_stop "$(sbs_master)" KILL
sbs_settle "the master crashed" 2

sbs_shape 04 2 10.77.0.104/24
sbs_start 1
sbs_alone 1
sbs_start 2
sbs_settle "node2 joins" 1
sbs_both 1 touch check_app.fail
sbs_settle "node1's check fails (FAULT)" 4
[[ $(sbs_master) == 2 ]] || kq_fail "04: node2 did not take over"
sbs_both 1 rm check_app.fail
sbs_settle "node1's check heals" 4
sbs_stop 2
sbs_settle "node2 stopped" 1
sbs_stop_all

echo "PASS: $KQ_TEST_NAME"
