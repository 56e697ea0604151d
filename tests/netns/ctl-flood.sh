#!/bin/bash
# netns scenario: the control socket under clients that misbehave, many at once. h1 (priority
# 150, MASTER) and h2 (100) run vi_51 (VRRPv3, advert_int 0.2); kq-ctl-flood plays the clients.
#  1. 500 silent clients at once: 64 are served (held until their 2 s deadline, then closed),
#     the rest told "busy" at once; h1's descriptors never grow by more than those 64; a
#     keepquorumctl status meanwhile is told busy (exit 1, the reason), and answers once the
#     silent ones are dropped.
#  2. 40 clients sending a request a byte every 250 ms: dropped at the deadline, unanswered.
#  3. 60 clients that send a status request and never read: answered (into their buffers) and
#     closed; 300 that hang up before the answer; 60 that send 8 KiB of garbage: each answered
#     "request too large".
#  4. Through it all: h1 MASTER with the VIP, no transition, h2 BACKUP; afterwards h1's
#     descriptors are back where they were.
set -euo pipefail
# many cases, each asking the daemons several times (common.sh gives 2.5 times that under ASan)
KQ_DEFAULT_TIMEOUT=150
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
FLOOD=${KQ_BUILDDIR:-.}/tests/netns/kq-ctl-flood
[[ -x $FLOOD ]] || kq_fail "$FLOOD is not built (make check builds it)"
kq_lab_create 2
VIP=10.77.0.100/24
for h in h1 h2; do
	p=150
	[[ $h == h2 ]] && p=100
	kq_vrrp_ini "$h" vi_51 "virtual_router_id = 51" "version = 3" "priority = $p" \
		"advert_int = 0.2" "virtual_ipaddress = $VIP" >"$KQ_DIR/$h.ini"
done
kq_start_in_order h1 h2
kq_wait_state h1 MASTER 10
kq_wait_state h2 BACKUP 10
pid=$(kq_pid h1)
fds() { find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l; }
base=$(fds)
trans=$(kq_inst h1 .counters.transitions)
sock=$KQ_DIR/h1.sock
echo "h1 (pid $pid) has $base descriptors"

# field LINE NAME: NAME=VALUE's value in kq-ctl-flood's summary
field() { sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p" <<<"$1"; }

undisturbed() {
	[[ $(kq_inst h1 .counters.transitions) == "$trans" ]] ||
		kq_fail "$1: h1's transitions moved: $(kq_inst h1 .counters.transitions), were $trans"
	kq_assert_jq h1 .instances[0].state MASTER
	kq_assert_jq h2 .instances[0].state BACKUP
	[[ $(kq_vip_holders $VIP h1 h2) == h1 ]] || kq_fail "$1: the VIP left h1"
}

# --- 1. 500 silent clients ---------------------------------------------------------------------
"$FLOOD" "$sock" silent 500 4 >"$KQ_DIR/silent.out" &
fp=$!
sleep 0.5
most=$(fds)
kq_run "$KEEPQUORUMCTL" -s "$sock" --timeout 2 status
[[ $KQ_RC == 1 && $KQ_ERR == *busy* ]] ||
	kq_fail "status among 64 silent clients: exit $KQ_RC, expected 1 and busy: $KQ_ERR"
echo "ok: status while 64 clients are held: exit 1, $KQ_ERR"
for _ in 1 2 3 4 5 6 7 8; do
	n=$(fds)
	((n > most)) && most=$n
	sleep 0.2
done
kq_poll "kq_ctl h1 --timeout 1 status >/dev/null 2>&1" 4 ||
	kq_fail "status did not answer after the silent clients' deadline"
wait "$fp"
out=$(head -1 "$KQ_DIR/silent.out")
echo "silent: $out; h1 had at most $most descriptors (base $base)"
[[ $(field "$out" connected) == 500 && $(field "$out" busy) == 436 && $(field "$out" closed) == 64 ]] ||
	kq_fail "500 silent clients: expected 64 closed at their deadline and 436 busy: $out"
((most <= base + 64 + 4)) || kq_fail "h1's descriptors grew to $most (base $base): more than 64 clients held"
undisturbed "silent clients"

# --- 2. trickling clients ------------------------------------------------------------------------
out=$("$FLOOD" "$sock" trickle 40 4)
[[ $(field "$out" closed) == 40 ]] || kq_fail "40 trickling clients: expected all closed unanswered: $out"
echo "ok: trickle: $out"
undisturbed "trickling clients"

# --- 3. clients that do not read, hang up, send garbage -------------------------------------------
out=$("$FLOOD" "$sock" noread 60 3)
[[ $(field "$out" connected) == 60 && $(field "$out" busy) == 0 ]] || kq_fail "noread: $out"
echo "ok: noread: $out"
out=$("$FLOOD" "$sock" hangup 300 0)
[[ $(field "$out" connected) == 300 ]] || kq_fail "hangup: $out"
kq_alive h1 || kq_fail "h1 died on clients that hung up before their answer"
echo "ok: hangup: $out"
out=$("$FLOOD" "$sock" garbage 60 3)
[[ $(field "$out" answered) == 60 && $out == *'"error":"request too large"'* ]] ||
	kq_fail "60 garbage clients: expected each answered 'request too large': $out"
echo "ok: garbage: $(head -1 <<<"$out")"
undisturbed "bad clients"

# --- 4. afterwards ---------------------------------------------------------------------------------
kq_poll "(( \$(fds) <= base ))" 6 || kq_fail "h1 has $(fds) descriptors after the clients, $base before"
kq_assert_rc 0 kq_ctl h1 status
echo "ok: h1 back to $(fds) descriptors, answering"
echo "PASS: $KQ_TEST_NAME"
