#!/bin/bash
# netns scenario: reloads with files that are not configs keep the running one, and the VIP.
# h1 (priority 150, MASTER) and h2 (100) run vi_51 (VRRPv3, advert_int 0.2) and a quorum-less
# config; h1's config file is replaced in turn by random bytes, random text (thousands of bad
# lines), a 10 MB line, a 3 MB line, a FIFO (whose open would wait for a writer: the daemon
# would hang), a directory, nothing (deleted), and a valid file whose secret_file is readable
# by every user. Each time:
#  - keepquorumctl reload exits 1 with the reason, FILE first; for the text, the first 20
#    problems and "and N more problems" (not thousands of lines); SIGHUP likewise refuses it;
#  - h1 answers at once, stays MASTER with the VIP, its transition counters do not move, and
#    h2 never leaves BACKUP; an observer reading h1's addresses over and over never misses it.
# Then the good file back: the reload is taken.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 2
VIP=10.77.0.100/24
cfg=$KQ_DIR/h1.ini
for h in h1 h2; do
	p=150
	[[ $h == h2 ]] && p=100
	kq_vrrp_ini "$h" vi_51 "virtual_router_id = 51" "version = 3" "priority = $p" \
		"advert_int = 0.2" "virtual_ipaddress = $VIP" >"$KQ_DIR/$h.ini"
done
cp "$cfg" "$KQ_DIR/good.ini"
kq_start_in_order h1 h2
kq_wait_state h1 MASTER 10
kq_wait_state h2 BACKUP 10
kq_wait_for "[[ \$(kq_vip_holders $VIP h1 h2) == h1 ]]" 3 "the VIP on h1"

# an observer of h1's addresses: "TIME 0|1" a line
ns1=$(kq_ns h1)
observe() {
	local a
	while :; do
		a=$(ip -n "$ns1" -o addr show dev eth0 2>/dev/null) || a=""
		if [[ $a == *" $VIP "* ]]; then echo "$EPOCHREALTIME 1"; else echo "$EPOCHREALTIME 0"; fi
		sleep 0.003
	done
}
observe >"$KQ_DIR/samples" &
KQ_PIDS+=("$!")
trans=$(kq_inst h1 .counters.transitions)

# refused NAME EXPECT: a reload of what is at $cfg now is refused, by keepquorumctl and by
# SIGHUP, with EXPECT in keepquorumctl's answer (kept in ANSWER); nothing moves
refused() {
	local name=$1 expect=$2 t0
	t0=$EPOCHREALTIME
	kq_assert_rc 1 kq_ctl h1 --timeout 5 reload
	ANSWER=$KQ_ERR
	kq_assert_contains "$ANSWER" "$expect" "keepquorumctl reload's answer ($name)"
	kq_signal h1 HUP
	# the status waits behind the reload SIGHUP started, which may take as long as the one
	# above (3.4 s once under ASan on a loaded machine): the same 5 s
	kq_assert_rc 0 kq_ctl h1 --timeout 5 status
	kq_alive h1 || kq_fail "h1 died on a reload of $name"
	[[ $(kq_inst h1 .counters.transitions) == "$trans" ]] ||
		kq_fail "$name: h1's transitions moved: $(kq_inst h1 .counters.transitions), were $trans"
	kq_assert_jq h1 .instances[0].state MASTER
	kq_assert_jq h2 .instances[0].state BACKUP
	[[ $(kq_vip_holders $VIP h1 h2) == h1 ]] || kq_fail "$name: the VIP left h1"
	echo "ok: $name refused in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s: $(head -1 <<<"$ANSWER" | cut -c1-120)"
}

head -c 65536 /dev/urandom >"$cfg"
refused "random bytes" "keepquorumctl: reload: $cfg:"
head -c 800000 /dev/urandom | LC_ALL=C tr -dc 'a-zA-Z0-9 =[];#_.,:\n' >"$cfg"
refused "random text" "more problems (keepquorumd -t -f $cfg lists them all)"
lines=$(wc -l <<<"$ANSWER")
((lines == 21)) || kq_fail "random text: $lines lines in keepquorumctl's answer, expected 20 problems and 1 more"
{ printf '[global]\nrouter_id = '; head -c $((10 << 20)) /dev/zero | tr '\0' a; echo; } >"$cfg"
refused "a 10 MB line" "$cfg: cannot read: larger than 4 MiB, not a config file"
{ printf '[global]\nrouter_id = '; head -c $((3 << 20)) /dev/zero | tr '\0' a; echo; } >"$cfg"
refused "a 3 MB line" "$cfg:2: line is $(((3 << 20) + 12)) bytes long"
rm -f "$cfg"
mkfifo "$cfg"
refused "a FIFO" "$cfg: cannot read: not a regular file"
rm -f "$cfg"
mkdir "$cfg"
refused "a directory" "$cfg: cannot read: Is a directory"
rmdir "$cfg"
refused "no file" "$cfg: cannot read: No such file or directory"
head -c 32 /dev/urandom | base64 >"$KQ_DIR/open.key"
chmod 644 "$KQ_DIR/open.key"
{
	cat "$KQ_DIR/good.ini"
	printf '\n[quorum]\nnode_id = h1\nbind = 10.77.0.1:5405\n'
	printf 'peers = h2@10.77.0.2:5405, h3@10.77.0.3:5405\nsecret_file = %s\n' "$KQ_DIR/open.key"
} >"$cfg"
refused "a secret readable by every user" "'$KQ_DIR/open.key' is accessible by every user"

# the observer never saw h1 without the VIP
gaps=$(awk '$2 == 0 { n++ } END { print n + 0 }' "$KQ_DIR/samples")
samples=$(wc -l <"$KQ_DIR/samples")
((gaps == 0)) || kq_fail "the VIP was missing from h1 in $gaps of $samples samples"
echo "ok: the VIP on h1 in all $samples samples"

cp "$KQ_DIR/good.ini" "$cfg"
kq_assert_rc 0 kq_ctl h1 reload
kq_assert_jq h1 .instances[0].state MASTER
echo "PASS: $KQ_TEST_NAME"
