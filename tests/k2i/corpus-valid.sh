#!/bin/bash
# tests/k2i/corpus-valid.sh: every keepalived.conf of the converter's corpus
# (tests/k2i/corpus/*.conf) is one the real keepalived accepts: `keepalived -t` exits 0 and
# prints nothing (keepalived only warns about an unknown keyword, a missing script or interface,
# so any line it prints is a failure here). Also checked: each file starts with its comment
# block, the lines its "# unsupported: LINE KEYWORD" header names hold that keyword, no two
# shapes (file-name prefixes NN-) use one VRID, and README.md lists every file.
# And keepalived-to-ini converts each as it was run: exit 0, or 3 when the header names
# unsupported lines, which must then be exactly the lines it lists; its output passes
# keepquorumd -t in the same namespace (the scripts and interfaces the config names exist there).
#
# keepalived -t checks that interfaces and scripts exist, so it runs in a network namespace of
# our own (kq<PID>k2i) with eth0 (10.77.0.1/24, fd77::1/64) and eth1 (10.77.1.1/24), and with a
# copy of the corpus mounted on /etc/keepalived in the private mount namespace `ip netns exec`
# gives it (the configs name their scripts /etc/keepalived/scripts/...). A file whose header has
# "# config-ids: A B" is tested once per id (keepalived -i ID, for its @ID lines).
#
# Environment: KQ_BUILDDIR (keepalived-to-ini and keepquorumd), KQ_SRCDIR (the source tree;
# default: this script's ../..), KQ_K2I_CORPUS (another
# corpus directory to check, e.g. to see this test fail), KEEPQUORUM_REQUIRE_NETNS=1 (a skip is a
# failure). Needs root; skips (77) without keepalived, root or network namespaces.
set -euo pipefail
KQ_DEFAULT_TIMEOUT=120
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/lib/common.sh"

: "${KQ_BUILDDIR:?}"
k2i=$KQ_BUILDDIR/keepalived-to-ini
kqd=${KEEPQUORUMD:-$KQ_BUILDDIR/keepquorumd}
[[ -x $k2i && -x $kqd ]] || kq_fail "$k2i or $kqd is missing (build first)"
corpus=${KQ_K2I_CORPUS:-${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/k2i/corpus}
[[ -d $corpus ]] || kq_fail "no corpus directory at $corpus"
corpus=$(cd "$corpus" && pwd)

# --- prerequisites -------------------------------------------------------------------------

command -v keepalived >/dev/null 2>&1 || kq_skip "keepalived is not installed"
command -v ip >/dev/null 2>&1 || kq_skip "'ip' is not installed"
# 03-haproxy-pair-*.conf run "killall -0 haproxy", as HAProxy's guides do; keepalived disables a
# script whose program it cannot find
command -v killall >/dev/null 2>&1 || kq_skip "killall is not installed (Debian package psmisc)"
((EUID == 0)) || kq_skip "needs root (a network namespace, a bind mount)"
[[ -d /etc/keepalived ]] ||
	kq_skip "/etc/keepalived does not exist (keepalived's package has it; the corpus goes there)"

NS="kq$$k2i"
ns_made=0
k2i_cleanup() {
	local pid
	((ns_made)) || return 0
	for pid in $(ip netns pids "$NS" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	if ip netns list 2>/dev/null | awk -v ns="$NS" '$1 == ns { f = 1 } END { exit !f }'; then
		echo "FAIL: $KQ_TEST_NAME: namespace $NS left behind" >&2
		return 1
	fi
}
KQ_CLEANUP_HOOKS+=(k2i_cleanup)

if ! ip netns add "$NS" 2>"$KQ_DIR/ns.err"; then
	kq_skip "'ip netns add' does not work here: $(cat "$KQ_DIR/ns.err")"
fi
ns_made=1
ip -n "$NS" link set lo up
for dev in eth0 eth1; do
	# a veth pair: this kernel may have no dummy driver; both ends up give the link a carrier
	if ! ip -n "$NS" link add "$dev" type veth peer name "${dev}p" 2>"$KQ_DIR/ns.err"; then
		kq_skip "cannot create a veth pair in a namespace: $(cat "$KQ_DIR/ns.err")"
	fi
done
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
	>/dev/null 2>&1 || true
kq_setup() {
	"$@" 2>"$KQ_DIR/setup.err" || kq_fail "setup: '$*' failed: $(cat "$KQ_DIR/setup.err")"
}
kq_setup ip -n "$NS" addr add 10.77.0.1/24 dev eth0
kq_setup ip -n "$NS" addr add fd77::1/64 dev eth0 nodad
kq_setup ip -n "$NS" addr add 10.77.1.1/24 dev eth1
for dev in eth0 eth0p eth1 eth1p; do
	kq_setup ip -n "$NS" link set "$dev" up
done

# The copy keepalived sees as /etc/keepalived: owned by root and writable by no one else, as
# enable_script_security wants, whoever owns the source tree.
etc="$KQ_DIR/etc-keepalived"
kq_setup cp -R "$corpus" "$etc"
chmod -R u+rwX,go+rX,go-w "$etc"

# --- the checks ----------------------------------------------------------------------------

failures=0
fail_one() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

files=()
for f in "$corpus"/*.conf; do
	[[ -f $f ]] && files+=("${f##*/}")
done
((${#files[@]} > 0)) || kq_fail "no *.conf file in $corpus"

# k2i_check NAME ID: convert NAME as keepalived read it (config id ID), then keepquorumd -t.
k2i_check() {
	local name=$1 id=$2 rc=0 want got ini="$KQ_DIR/${1%.conf}${2:+.$2}.ini"
	local args=(-o "$ini" "/etc/keepalived/$name")
	[[ -n $id ]] && args=(-i "$id" "${args[@]}")
	# shellcheck disable=SC2016 # expanded by the inner shell, from its arguments
	ip netns exec "$NS" sh -c 'mount --bind "$1" /etc/keepalived && shift && exec "$@"' \
		sh "$etc" "$k2i" "${args[@]}" >"$KQ_DIR/k2i.out" 2>"$KQ_DIR/k2i.err" </dev/null || rc=$?
	want=$(sed -n 's/^# unsupported: \([0-9][0-9]*\) \([A-Za-z_]*\).*/\1 \2/p' "$corpus/$name")
	got=$(sed -n 's/^[^:]*:\([0-9][0-9]*\): not converted: \([^:]*\):.*/\1 \2/p' "$KQ_DIR/k2i.err")
	if ((rc != (${#want} ? 3 : 0))); then
		fail_one "$name: keepalived-to-ini exited $rc:"$'\n'"$(cat "$KQ_DIR/k2i.err")"
		return
	fi
	[[ $got == "$want" ]] || fail_one "$name: keepalived-to-ini left out"$'\n'"$got"$'\n'"instead of"$'\n'"$want"
	# shellcheck disable=SC2016
	if ! ip netns exec "$NS" sh -c 'mount --bind "$1" /etc/keepalived && shift && exec "$@"' \
		sh "$etc" "$kqd" -t -f "$ini" >"$KQ_DIR/t.out" 2>&1 </dev/null; then
		fail_one "$name: keepquorumd -t refuses its conversion:"$'\n'"$(cat "$KQ_DIR/t.out")"
		return
	fi
	echo "ok: $name${id:+ (config id $id)} converted, and keepquorumd -t accepts it"
}

declare -A vrid_shape=()
for name in "${files[@]}"; do
	f="$corpus/$name"

	# The comment block that says what the file is.
	[[ $(head -n 1 "$f") == "# $name: "* ]] ||
		fail_one "$name: line 1 must start its comment block with '# $name: '"
	if [[ -f $corpus/README.md ]] && ! grep -qF -- "$name" "$corpus/README.md"; then
		fail_one "$name: not listed in README.md"
	fi

	# "# unsupported: LINE KEYWORD": LINE's first word is KEYWORD.
	while read -r line kw; do
		got=$(awk -v n="$line" 'NR == n { print $1; exit }' "$f")
		[[ $got == "$kw" ]] ||
			fail_one "$name: the header says line $line holds '$kw', it holds '${got:-nothing}'"
	done < <(sed -n 's/^# unsupported: \([0-9][0-9]*\) \([A-Za-z_]*\).*/\1 \2/p' "$f")

	# One shape, one set of VRIDs (the side-by-side tests run shapes next to each other).
	shape=${name%%-*}
	while read -r vrid; do
		other=${vrid_shape[$vrid]:-}
		if [[ -n $other && $other != "$shape" ]]; then
			fail_one "$name: VRID $vrid is used by shape $other- too"
		fi
		vrid_shape[$vrid]=$shape
	done < <(awk '$1 == "virtual_router_id" && $2 ~ /^[0-9]+$/ { print $2 }' "$f")

	# keepalived -t, once per config id the header names (or once without one).
	ids=()
	read -ra ids < <(sed -n 's/^# config-ids: *//p' "$f" | head -n 1) || true
	((${#ids[@]} > 0)) || ids=("")
	for id in "${ids[@]}"; do
		args=(-t -f "/etc/keepalived/$name")
		[[ -n $id ]] && args+=(-i "$id")
		rc=0
		# shellcheck disable=SC2016 # expanded by the inner shell, from its arguments
		ip netns exec "$NS" sh -c 'mount --bind "$1" /etc/keepalived && shift && exec keepalived "$@"' \
			sh "$etc" "${args[@]}" >"$KQ_DIR/out" 2>&1 </dev/null || rc=$?
		what="keepalived ${args[*]}"
		if ((rc != 0)); then
			fail_one "$name: '$what' exited $rc:"$'\n'"$(cat "$KQ_DIR/out")"
		elif [[ -s $KQ_DIR/out ]]; then
			fail_one "$name: '$what' complained:"$'\n'"$(cat "$KQ_DIR/out")"
		else
			echo "ok: $name${id:+ (config id $id)}"
		fi
		k2i_check "$name" "$id"
	done
done

((failures == 0)) || kq_fail "$failures problem(s) in the corpus at $corpus"
echo "ok: ${#files[@]} corpus files accepted by $(keepalived -v 2>&1 | head -n 1)"
