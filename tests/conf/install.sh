#!/bin/bash
# make install puts every file in place, with its mode, under a prefix other than the configured
# one and a DESTDIR: the build dir runs `make install DESTDIR=TMP prefix=/opt/kqtest`. The
# installed unit must run the programs where they were installed, the programs must run, the man
# pages must render and be found by man(1) in their sections, the tmpfiles.d and sysusers.d
# entries must do what they say (systemd-tmpfiles and systemd-sysusers on a scratch root), and
# make uninstall must take every file away again. Nothing outside TMP is written, so it also runs
# under make distcheck (read-only sources, a VPATH build).
set -u
: "${KQ_BUILDDIR:?} ${KQ_SRCDIR:?}"
require=${KEEPQUORUM_REQUIRE_NETNS:-0}
prefix=/opt/kqtest
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kq-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
rc=0
fail() {
	echo "FAIL: $*"
	rc=1
}

# The sub-makes are ours, not the parent make check's: no jobserver or flags of its.
kqmake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MAKE:-make}" -s --no-print-directory \
		-C "$KQ_BUILDDIR" prefix="$prefix" "$@"
}

# The installation directories as make expands them with this prefix.
dirs=$(kqmake -f Makefile -f - kq-print-dirs <<'EOF'
kq-print-dirs:
	@echo 'sbindir=$(sbindir)'
	@echo 'bindir=$(bindir)'
	@echo 'mandir=$(mandir)'
	@echo 'docdir=$(docdir)'
	@echo 'pkglibexecdir=$(pkglibexecdir)'
	@echo 'unitdir=$(systemdsystemunitdir)'
	@echo 'tmpfilesdir=$(tmpfilesdir)'
	@echo 'sysusersdir=$(sysusersdir)'
	@echo 'catalogdir=$(catalogdir)'
	@echo 'version=$(PACKAGE_VERSION)'
EOF
) || { echo "FAIL: cannot read the installation directories from $KQ_BUILDDIR/Makefile"; exit 1; }
sbindir='' bindir='' mandir='' docdir='' pkglibexecdir='' unitdir='' tmpfilesdir='' sysusersdir='' catalogdir=''
version=''
while IFS='=' read -r k v; do
	case $k in
	sbindir | bindir | mandir | docdir | pkglibexecdir | unitdir | tmpfilesdir | sysusersdir | catalogdir | \
		version)
		printf -v "$k" '%s' "$v" ;;
	esac
done <<<"$dirs"
[ "$sbindir" = "$prefix/sbin" ] || { echo "FAIL: sbindir is '$sbindir', not under $prefix"; exit 1; }

if ! kqmake install DESTDIR="$dest" >"$tmp/install.log" 2>&1; then
	echo "FAIL: make install DESTDIR=$dest prefix=$prefix:"
	cat "$tmp/install.log"
	exit 1
fi

# Every file that must be installed, with its mode; and nothing else.
expect=(
	"$sbindir/keepquorumd 755" "$sbindir/keepquorumctl 755" "$bindir/keepalived-to-ini 755"
	"$mandir/man8/keepquorumd.8 644" "$mandir/man8/keepquorumctl.8 644"
	"$mandir/man1/keepalived-to-ini.1 644"
	"$mandir/man5/keepquorum.ini.5 644"
	"$pkglibexecdir/pg-promote 755" "$pkglibexecdir/pg-demote 755"
	"$pkglibexecdir/pg-rejoin 755" "$pkglibexecdir/check-pg 755"
	"$pkglibexecdir/pg-common.sh 644"
	"$docdir/README.md 644"
	"$docdir/examples/keepquorum.ini.example 644" "$docdir/examples/pg.env.example 644"
	"$unitdir/keepquorum.service 644"
	"$tmpfilesdir/keepquorum.conf 644" "$sysusersdir/keepquorum.conf 644"
	"$catalogdir/keepquorum.catalog 644"
)
want=$(for e in "${expect[@]}"; do echo "${e% *}"; done | sort)
got=$(cd "$dest" && find . ! -type d | sed 's/^\.//' | sort)
if [ "$got" != "$want" ]; then
	fail "installed files differ from the expected ones (< expected, > installed):"
	diff <(echo "$want") <(echo "$got") | grep '^[<>]'
fi
for e in "${expect[@]}"; do
	f=$dest${e% *}
	[ -f "$f" ] || continue
	m=$(stat -c %a "$f")
	[ "$m" = "${e##* }" ] || fail "${e% *}: mode $m, expected ${e##* }"
done

# The unit runs the installed daemon: every Exec line names it (or /bin/kill, for reload).
unit=$dest$unitdir/keepquorum.service
if [ -f "$unit" ]; then
	grep -q '@' "$unit" && fail "keepquorum.service keeps a placeholder: $(grep '@' "$unit")"
	for want_line in "ExecStart=$sbindir/keepquorumd" \
		"ExecStartPre=$sbindir/keepquorumd --config-test" \
		"ExecStopPost=$sbindir/keepquorumd --release"; do
		grep -qxF "$want_line" "$unit" || fail "keepquorum.service has no line '$want_line'"
	done
	while IFS= read -r line; do
		cmd=${line#*=}
		cmd=${cmd%% *}
		case $cmd in
		"$sbindir/keepquorumd" | /bin/kill) ;;
		*) fail "keepquorum.service runs '$cmd': $line" ;;
		esac
	done < <(grep '^Exec' "$unit")
	# systemd reads it without a complaint (the programs and man pages looked for under the
	# install tree: a copy with those paths), and its sandboxing holds: exposure under 6
	if command -v systemd-analyze >/dev/null 2>&1; then
		sed "s|$sbindir/|$dest$sbindir/|g" "$unit" >"$tmp/keepquorum.service"
		out=$(MANPATH=$dest$prefix/share/man systemd-analyze verify "$tmp/keepquorum.service" 2>&1) ||
			fail "systemd-analyze verify keepquorum.service: $out"
		out=$(systemd-analyze security --offline=true "$tmp/keepquorum.service" 2>&1 | tail -1)
		score=$(sed -n 's/.*exposure level for keepquorum.service: \([0-9.]*\).*/\1/p' <<<"$out")
		if [[ -z $score ]] || ! awk -v s="$score" 'BEGIN { exit !(s < 6) }'; then
			fail "systemd-analyze security: exposure '$score' (6 or more, or unread): $out"
		fi
	fi
fi

# The installed programs run and say which version they are.
for p in "$sbindir/keepquorumd" "$sbindir/keepquorumctl" "$bindir/keepalived-to-ini"; do
	out=$("$dest$p" --version 2>&1) || fail "$p --version exited $?: $out"
	[[ $out == *"$version"* ]] || fail "$p --version does not print $version: $out"
done

# The man pages render cleanly, and man finds each in its section under the installed tree.
if command -v groff >/dev/null 2>&1 && command -v man >/dev/null 2>&1; then
	for page in keepquorumd.8 keepquorumctl.8 keepquorum.ini.5 keepalived-to-ini.1; do
		sec=${page##*.}
		f=$dest$mandir/man$sec/$page
		out=$(groff -ww -z -man "$f" 2>&1)
		[ -z "$out" ] || fail "groff -ww $page: $out"
		out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings=all -l "$f" 2>&1 >/dev/null)
		[ -z "$out" ] || fail "man -l $page: $out"
		found=$(man -M "$dest$mandir" -w "$sec" "${page%.*}" 2>&1)
		[ "$found" = "$f" ] || fail "man -M ... -w $sec ${page%.*}: '$found', expected '$f'"
	done
else
	echo "note: groff or man is not installed: man pages not rendered"
	[ "$require" = 1 ] && fail "KEEPQUORUM_REQUIRE_NETNS=1 but groff or man is missing"
fi

# The sysusers.d and tmpfiles.d entries, applied to a scratch root by systemd's own tools.
root=$tmp/root
mkdir -p "$root/etc"
tmpf=$dest$tmpfilesdir/keepquorum.conf
susf=$dest$sysusersdir/keepquorum.conf
if command -v systemd-sysusers >/dev/null 2>&1; then
	out=$(systemd-sysusers --root="$root" --dry-run "$susf" 2>&1) ||
		fail "systemd-sysusers refused $sysusersdir/keepquorum.conf: $out"
	grep -q "^Creating user 'keepquorum' " <<<"$out" ||
		fail "systemd-sysusers would not create the user keepquorum: $out"
	[ "$(grep -vc '^Creating \|^Would write ' <<<"$out")" = 0 ] ||
		fail "systemd-sysusers complains about $sysusersdir/keepquorum.conf: $out"
elif [ "$require" = 1 ]; then
	fail "KEEPQUORUM_REQUIRE_NETNS=1 but systemd-sysusers is missing"
else
	echo "note: systemd-sysusers is not installed: sysusers.d entry checked by its form only"
	grep -qxE 'u keepquorum - "[^"]*" - -' "$susf" || fail "no keepquorum user line in $susf"
fi
# Creating directories owned by root needs root; elsewhere, the lines are checked by form.
if command -v systemd-tmpfiles >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	out=$(systemd-tmpfiles --root="$root" --create "$tmpf" 2>&1) ||
		fail "systemd-tmpfiles --create refused $tmpfilesdir/keepquorum.conf: $out"
	[ -z "$out" ] || fail "systemd-tmpfiles complains about $tmpfilesdir/keepquorum.conf: $out"
	for d in "run/keepquorum 755" "var/lib/keepquorum 700"; do
		m=$(stat -c '%a %U:%G' "$root/${d% *}" 2>&1)
		[ "$m" = "${d##* } root:root" ] || fail "tmpfiles made /${d% *}: '$m', expected ${d##* } root:root"
	done
elif [ "$require" = 1 ]; then
	fail "KEEPQUORUM_REQUIRE_NETNS=1 but systemd-tmpfiles is missing or this is not root"
else
	echo "note: systemd-tmpfiles is not installed or this is not root: entry checked by its form only"
	for l in "d /run/keepquorum 0755 root root -" "d /var/lib/keepquorum 0700 root root -"; do
		grep -qxF "$l" "$tmpf" || fail "no line '$l' in $tmpf"
	done
fi

# make uninstall takes away every file make install put there.
if ! kqmake uninstall DESTDIR="$dest" >"$tmp/uninstall.log" 2>&1; then
	fail "make uninstall DESTDIR=$dest prefix=$prefix:"
	cat "$tmp/uninstall.log"
fi
left=$(cd "$dest" && find . ! -type d)
[ -z "$left" ] || fail "make uninstall left files behind: $left"

[ $rc = 0 ] && echo "ok: make install and uninstall under DESTDIR, prefix $prefix: ${#expect[@]} files"
exit $rc
