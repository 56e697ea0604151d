#!/bin/bash
# netns scenario: the interface monitor (vrrp/link.c), through tests/netns/kq-link-watch, which
# prints one line per callback. Changes made with `ip` in h1's namespace must be reported as the
# VRRP engine needs them: the table read at start; link down and up (carrier included); an address
# someone deleted; the primary IPv4 address changing, going and coming back; a VIP (--ignore)
# never taken as primary, not even when it holds the kernel's primary slot; interfaces appearing,
# renamed and deleted; and, after the kernel dropped events (receive buffer overrun while the
# watcher was stopped), the table read again and the net changes reported.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
WATCH="$KQ_BUILDDIR/tests/netns/kq-link-watch"
[[ -x $WATCH ]] || kq_fail "$WATCH is missing (make tests/netns/kq-link-watch)"
kq_lab_create 1
ns=$(kq_ns h1)
out=$KQ_DIR/link-watch.log        # its stdout: the lines under test
err=$KQ_DIR/link-watch.err.log    # its log

# wait_operstate DEV: IFF_RUNNING follows the operational state, which the kernel's linkwatch
# may set a moment after the carrier.
wait_operstate() {
	kq_wait_for "[[ \$(ip -n $ns -j link show dev $1 | jq -r '.[0].operstate') == UP ]]" 5 \
		"$1 operationally up"
}

# mark: remember how many lines the watcher has printed; since/expect look only after them.
seen=0
mark() {
	seen=$(wc -l <"$out")
}
since() {
	tail -n "+$((seen + 1))" "$out"
}
since_has() {
	since | grep -Eq -- "$1"
}
# expect ERE WHAT: a line matching ERE is printed (after the mark) within 5 s.
expect() {
	kq_poll "since_has '$1'" 5 ||
		kq_fail "$2: kq-link-watch printed no line matching '$1'; since the last step:"$'\n'"$(since)"
}
# expect_not ERE WHAT: no such line after the mark (check after a later line arrived: the
# callbacks come in the order of the kernel's events).
expect_not() {
	! since_has "$1" || kq_fail "$2: unexpected line matching '$1':"$'\n'"$(since)"
}

# A veth pair in h1 whose one address is a VIP: alone in its subnet, the kernel makes it primary.
kq_setup ip -n "$ns" link add kqv0 type veth peer name kqv1
kq_setup ip -n "$ns" addr add 10.77.50.50/24 dev kqv0
kq_setup ip -n "$ns" link set kqv0 up
kq_setup ip -n "$ns" link set kqv1 up
wait_operstate eth0
wait_operstate kqv0
mac=$(ip -n "$ns" -j link show dev eth0 | jq -r '.[0].address')

"${KQ_RESET_SIGNALS[@]}" ip netns exec "$ns" "$WATCH" --ignore 10.77.0.50 --ignore 10.77.50.50 \
	>"$out" 2>"$err" </dev/null &
watch_pid=$!
KQ_PIDS+=("$watch_pid")
kq_wait_for "grep -qx ready '$out' || ! kq__pid_alive $watch_pid" 5 "kq-link-watch ready"
grep -qx ready "$out" || kq_fail "kq-link-watch exited before printing its table"

# --- the table, complete before any callback ------------------------------------------------
expect "^table lo UP primary=127\.0\.0\.1 ll=- " "table: lo"
expect "^table eth0 UP primary=10\.77\.0\.1 ll=fe80::[0-9a-f:]+ mac=$mac\$" "table: eth0"
expect "^table kqv0 UP primary=- ll=" "table: kqv0 (its only address is ignored)"
expect "^table kqv1 UP primary=- ll=" "table: kqv1"
# (a namespace may hold more: sit0, tunl0... when their modules are loaded)
kq_assert_eq "$(grep -c '^table ' "$out")" "$(ip -n "$ns" -j link show | jq length)" \
	"interfaces in the table"
kq_assert_eq "$(grep -vc '^table \|^ready$' "$out")" 0 "lines before the first change"

# --- down and up ------------------------------------------------------------------------------
mark
kq_setup ip -n "$ns" link set eth0 down
expect "^iface eth0 DOWN " "eth0 down"
# IPv6 flushes its addresses from an interface that goes down: the link-local goes with them.
expect "^iface eth0 PRIMARY primary=10\.77\.0\.1 ll=-\$" "eth0 down: link-local gone"
expect "^addr_del eth0 fe80::[0-9a-f:]+/64\$" "eth0 down: link-local deleted"

mark
kq_setup ip -n "$ns" link set eth0 up
expect "^iface eth0 UP primary=10\.77\.0\.1 " "eth0 up"
expect "^iface eth0 PRIMARY primary=10\.77\.0\.1 ll=fe80::[0-9a-f:]+\$" "eth0 up: link-local back"

# No carrier is down too (keepalived's rule): eth0 stays administratively up, but its veth peer
# going down in the bridge's namespace takes its carrier away.
mark
kq_setup ip -n "$KQ_BRIDGE_NS" link set vh1 down
expect "^iface eth0 DOWN " "eth0 without carrier"
mark
kq_setup ip -n "$KQ_BRIDGE_NS" link set vh1 up
expect "^iface eth0 UP " "eth0 carrier back"

# --- an address deleted by someone else ----------------------------------------------------
mark
kq_setup ip -n "$ns" addr add 10.77.0.100/24 dev eth0
kq_setup ip -n "$ns" addr del 10.77.0.100/24 dev eth0
expect "^addr_del eth0 10\.77\.0\.100/24\$" "10.77.0.100/24 deleted"
# a secondary came and went: the primary did not change
expect_not "^iface eth0 PRIMARY" "a secondary added and deleted"

# --- the primary changes -----------------------------------------------------------------------
mark
kq_setup ip -n "$ns" addr del 10.77.0.1/24 dev eth0
expect "^addr_del eth0 10\.77\.0\.1/24\$" "primary 10.77.0.1 deleted"
expect "^iface eth0 PRIMARY primary=- ll=fe80::" "eth0 without IPv4"
mark
kq_setup ip -n "$ns" addr add 10.77.0.9/24 dev eth0
expect "^iface eth0 PRIMARY primary=10\.77\.0\.9 ll=fe80::" "new primary 10.77.0.9"

# --- a VIP is never the primary -------------------------------------------------------------
# Added beside the primary, it is a secondary: nothing changes.
mark
kq_setup ip -n "$ns" addr add 10.77.0.50/24 dev eth0
kq_setup ip -n "$ns" addr add 10.77.0.51/24 dev eth0
kq_setup ip -n "$ns" addr del 10.77.0.51/24 dev eth0
expect "^addr_del eth0 10\.77\.0\.51/24\$" "10.77.0.51 deleted"
expect_not "^iface eth0 PRIMARY" "a VIP added as a secondary"
# The primary deleted, the kernel promotes the VIP into the primary slot: still not ours.
ip netns exec "$ns" sysctl -qw net.ipv4.conf.eth0.promote_secondaries=1 >/dev/null ||
	kq_fail "cannot set promote_secondaries"
mark
kq_setup ip -n "$ns" addr del 10.77.0.9/24 dev eth0
expect "^iface eth0 PRIMARY primary=- " "primary deleted, VIP promoted"
# The host's own address, added after the VIP, is a secondary, and the primary all the same.
mark
kq_setup ip -n "$ns" addr add 10.77.0.7/24 dev eth0
expect "^iface eth0 PRIMARY primary=10\.77\.0\.7 " "10.77.0.7 (secondary to the VIP) as primary"
kq_assert_eq "$(ip -n "$ns" -j addr show dev eth0 |
	jq -r '.[0].addr_info[] | select(.local == "10.77.0.7") | .secondary')" true \
	"10.77.0.7 is a secondary in the kernel"

# --- interfaces appearing, renamed, deleted ------------------------------------------------
mark
kq_setup ip -n "$ns" link add kqw0 type veth peer name kqw1
expect "^iface kqw0 DOWN primary=- ll=-\$" "new interface kqw0"
expect "^iface kqw1 DOWN primary=- ll=-\$" "new interface kqw1"
mark
kq_setup ip -n "$ns" link set kqw0 name kqw9
expect "^iface kqw0 GONE " "kqw0 renamed: gone under its old name"
expect "^iface kqw9 DOWN " "kqw0 renamed: appears as kqw9"
mark
kq_setup ip -n "$ns" link del kqv0
expect "^iface kqv0 GONE " "veth kqv0 deleted"
expect "^iface kqv1 GONE " "veth kqv0 deleted: its peer kqv1 too"
kq_setup ip -n "$ns" link del kqw9
expect "^iface kqw9 GONE " "veth kqw9 deleted"

# --- overrun: events lost while the watcher could not read ----------------------------------
# Stopped, it cannot read; thousands of address events overflow its receive buffer (1 MiB asked),
# the kernel drops the rest and says ENOBUFS. The changes made after that are seen only by
# reading the table again; the net result must be reported all the same.
mark
kill -STOP "$watch_pid"
batch=$KQ_DIR/flood.batch
for ((i = 0; i < 4000; i++)); do
	echo "addr add 10.78.$((i / 250)).$((i % 250 + 1))/32 dev eth0"
done >"$batch"
sed 's/^addr add/addr del/' "$batch" >"$batch.del"
kq_setup ip -n "$ns" -batch "$batch"
kq_setup ip -n "$ns" -batch "$batch.del"
# The kernel counts what it dropped per socket (/proc/net/netlink: Eth 0 is NETLINK_ROUTE, Pid
# the port id, the watcher's pid for its first socket): from here on, every event is lost.
drops=$(ip netns exec "$ns" cat /proc/net/netlink |
	awk -v p="$watch_pid" '$2 == 0 && $3 == p { print $9 }')
((${drops:-0} > 0)) || kq_fail "the flood did not overrun the watcher's socket (drops: '$drops')"
kq_setup ip -n "$ns" addr add 10.77.0.8/24 dev eth0
kq_setup ip -n "$ns" addr del 10.77.0.7/24 dev eth0
kq_setup ip -n "$ns" link add kqx0 type veth peer name kqx1
kill -CONT "$watch_pid"
kq_wait_for "grep -q 'reading the interface table again' '$err'" 10 "overrun noticed"
expect "^iface eth0 PRIMARY primary=10\.77\.0\.8 " "after the overrun: the new primary"
expect "^addr_del eth0 10\.77\.0\.7/24\$" "after the overrun: the deleted primary"
expect "^iface kqx0 DOWN " "after the overrun: a new interface"
# still watching
mark
kq_setup ip -n "$ns" link del kqx0
expect "^iface kqx0 GONE " "after the overrun: events again"

# --- the whole run ---------------------------------------------------------------------------
! grep -E "primary=10\.77\.(0|50)\.50( |\$)" "$out" ||
	kq_fail "an ignored address was reported as primary"
! grep '^error' "$out" || kq_fail "kq-link-watch found the table disagreeing with a callback"
kill -TERM "$watch_pid"
kq_wait_for "! kq__pid_alive $watch_pid" 5 "kq-link-watch stopping on SIGTERM"
rc=0
wait "$watch_pid" || rc=$?
kq_assert_eq "$rc" 0 "kq-link-watch exit code"
! grep -Eq 'runtime error|AddressSanitizer|LeakSanitizer' "$err" ||
	kq_fail "sanitizer report in kq-link-watch's log: $(cat "$err")"

echo "PASS: $KQ_TEST_NAME"
