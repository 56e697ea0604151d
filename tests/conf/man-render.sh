#!/bin/bash
# Every man page in man/ renders without a warning, with groff's warnings all on (-ww) and as
# man(1) formats it: a warning is text the reader of the page does not get (a bad escape, an
# unknown macro, a line that cannot be broken). Skipped (77) without groff, a failure when
# KEEPQUORUM_REQUIRE_NETNS=1 (CI: tools/deps installs groff-base and man-db).
set -u
: "${KQ_SRCDIR:?}"
if ! command -v groff >/dev/null 2>&1; then
	echo "SKIP: groff is not installed (apt-get install groff-base)"
	[ "${KEEPQUORUM_REQUIRE_NETNS:-0}" = 1 ] && exit 1
	exit 77
fi
pages=("$KQ_SRCDIR"/man/*.[1-8])
if [ ! -e "${pages[0]}" ]; then
	echo "FAIL: no man page in $KQ_SRCDIR/man"
	exit 1
fi
rc=0
for f in "${pages[@]}"; do
	out=$(groff -ww -z -man "$f" 2>&1)
	if [ -n "$out" ]; then
		echo "FAIL: groff -ww -z -man ${f##*/}:"
		echo "$out"
		rc=1
	fi
	# man-db adds its own preprocessing and line length; optional, as man-db may be absent.
	if command -v man >/dev/null 2>&1; then
		out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings=all -E UTF-8 -l "$f" 2>&1 >/dev/null)
		if [ -n "$out" ]; then
			echo "FAIL: man --warnings=all -l ${f##*/}:"
			echo "$out"
			rc=1
		fi
	fi
done
[ $rc = 0 ] && echo "ok: no warnings: ${pages[*]##*/}"
exit $rc
