#!/bin/bash
# netns scenario: keepquorumd --release (systemd's ExecStopPost=) removes every VIP of the
# config, IPv4 and IPv6, from its interface, leaves every other address alone, and exits 0;
# run again with nothing left to remove, it exits 0 too.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 1

ns=$(kq_ns h1)
cfg=$KQ_DIR/h1.ini
cat >"$cfg" <<'EOF'
[global]
router_id = kqnode1

[vrrp_instance vi_v4]
interface = eth0
virtual_router_id = 51
priority = 100
virtual_ipaddress = 10.77.0.100/24, 10.77.0.101/24 dev eth0 label eth0:vip

[vrrp_instance vi_v6]
interface = eth0
virtual_router_id = 52
version = 3
priority = 100
virtual_ipaddress = fd77::100/64

; an interface that is gone (ExecStopPost= after it was removed): nothing to do, not an error
[vrrp_instance vi_gone]
interface = kqgone0
virtual_router_id = 53
priority = 100
virtual_ipaddress = 10.77.9.1/24
EOF

# The VIPs as a crashed daemon would leave them, beside addresses that are not ours.
kq_setup ip -n "$ns" addr add 10.77.0.100/24 dev eth0
kq_setup ip -n "$ns" addr add 10.77.0.101/24 dev eth0 label eth0:vip
kq_setup ip -n "$ns" addr add fd77::100/64 dev eth0 nodad
kq_setup ip -n "$ns" addr add 10.77.0.200/24 dev eth0
for a in 10.77.0.100/24 10.77.0.101/24 fd77::100/64 10.77.0.200/24; do
	kq_has_addr h1 "$a" || kq_fail "setup: $a is not on eth0: $(kq_addrs h1 | xargs)"
done

check_left() {
	local a
	for a in 10.77.0.100/24 10.77.0.101/24 fd77::100/64; do
		! kq_has_addr h1 "$a" || kq_fail "$1: VIP $a still on eth0: $(kq_addrs h1 | xargs)"
	done
	for a in 10.77.0.1/24 10.77.0.200/24 fd77::1/64; do
		kq_has_addr h1 "$a" || kq_fail "$1: $a (not a VIP) was removed: $(kq_addrs h1 | xargs)"
	done
}

kq_assert_rc 0 kq_exec h1 "$KEEPQUORUMD" --release -f "$cfg"
check_left "first --release"

# Nothing left to remove: still a success.
kq_assert_rc 0 kq_exec h1 "$KEEPQUORUMD" --release -f "$cfg"
check_left "second --release"

# A file edited into an invalid state (ExecStopPost= runs whatever is on disk): the problems are
# reported, and the VIPs that can be read are still removed.
cat >"$KQ_DIR/broken.ini" <<'EOF'
[vrrp_instance vi_51]
interface = eth0
virtual_router_id = 51
virtual_ipaddress = 10.77.0.100/24
track_script = no_such_script
priority = 999

[vrrp_instance no_interface]
virtual_router_id = 52
virtual_ipaddress = 10.77.0.102/24
EOF
kq_setup ip -n "$ns" addr add 10.77.0.100/24 dev eth0
# an instance that names no interface cannot be released: said, and exit 2 (not a crash)
kq_assert_rc 2 kq_exec h1 "$KEEPQUORUMD" --release -f "$KQ_DIR/broken.ini"
kq_assert_contains "$KQ_ERR" "releasing the addresses that could be read" "--release on a broken file"
! kq_has_addr h1 10.77.0.100/24 || kq_fail "--release of a broken file left 10.77.0.100/24"
kq_has_addr h1 10.77.0.200/24 || kq_fail "--release of a broken file removed 10.77.0.200/24"

echo "PASS: $KQ_TEST_NAME"
