#!/bin/bash
# netns scenario: keepquorumd and keepalived 2.2.x (the real one) in the same virtual router,
# VRRPv3 over IPv4 (the checksum covers the IPv4 pseudo-header) and over IPv6 (adverts from the
# link-local address to ff02::12, VIP fd77::100/64). For each: keepquorumd MASTER with keepalived
# BACKUP and the reverse, a clean stop of either side (the other takes over within Skew_Time,
# having accepted the priority-0 advert), keepalived preempting keepquorumd, and a keepalived
# crash (SIGKILL) after which keepquorumd takes over after Master_Down_Interval; every advert of
# both on the wire is checked byte by byte. The cases are described in keepalived-interop-lib.sh.
# VRRPv2 and authentication: keepalived-interop-v2.sh.
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

interop_case v3-ipv4 3 4
interop_case v3-ipv6 3 6

echo "PASS: $KQ_TEST_NAME"
