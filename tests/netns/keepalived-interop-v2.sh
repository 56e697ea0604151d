#!/bin/bash
# netns scenario: keepquorumd and keepalived 2.2.x (the real one) in the same virtual router,
# VRRPv2: without authentication, with auth PASS "secret", and with mismatched passwords. For
# each of the first two: keepquorumd MASTER with keepalived BACKUP and the reverse, a clean stop
# of either side (the other takes over within Skew_Time, having accepted the priority-0 advert),
# keepalived preempting keepquorumd, and a keepalived crash (SIGKILL) after which keepquorumd
# takes over after Master_Down_Interval; every advert of both on the wire is checked byte by
# byte. The cases are described in keepalived-interop-lib.sh. VRRPv3: keepalived-interop-v3.sh.
set -euo pipefail
# about a minute when the machine is idle: leave room for a loaded one
: "${KQ_TEST_TIMEOUT:=180}"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"
# shellcheck source-path=SCRIPTDIR source=keepalived-interop-lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/keepalived-interop-lib.sh"

kq_require_netns
kq_require_keepalived
command -v tcpdump >/dev/null 2>&1 || kq_skip "'tcpdump' is not installed"
kq_lab_create 3

interop_case v2 2 4
interop_case v2-pass 2 4 secret
interop_auth_mismatch

echo "PASS: $KQ_TEST_NAME"
