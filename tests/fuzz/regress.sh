#!/bin/bash
# The fuzz targets' regressions, in every make check (and under ASan+UBSan in tools/test's
# sanitizer pass): each target (tests/fuzz/fuzz-*.c, built with a main() that reads files) runs
# over its seeds and over every input that once found a bug (tests/fuzz/regressions/TARGET/),
# and must neither crash nor break an invariant. The seeds: kq-fuzz-seeds's adverts, datagrams
# and control requests, the example and broken configs for the ini loader, the keepalived.conf
# corpus for the keepalived.conf reader.
set -u
: "${KQ_SRCDIR:?}" "${KQ_BUILDDIR:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
rc=0
"$KQ_BUILDDIR/tests/fuzz/kq-fuzz-seeds" "$tmp" || { echo "FAIL: kq-fuzz-seeds"; exit 1; }
mkdir -p "$tmp/conf" "$tmp/kconf"
cp "$KQ_SRCDIR"/conf/keepquorum.ini.example "$KQ_SRCDIR"/tests/conf/broken/*.ini "$tmp/conf/"
cp "$KQ_SRCDIR"/tests/k2i/corpus/*.conf "$tmp/kconf/"
for t in vrrp quorum ctl conf kconf; do
	dirs=("$tmp/$t")
	[ -d "$KQ_SRCDIR/tests/fuzz/regressions/$t" ] && dirs+=("$KQ_SRCDIR/tests/fuzz/regressions/$t")
	if ! out=$("$KQ_BUILDDIR/tests/fuzz/kq-fuzz-$t" "${dirs[@]}" 2>&1); then
		echo "FAIL: kq-fuzz-$t: $out"
		rc=1
	else
		echo "$out"
	fi
done
[ $rc = 0 ] && echo "PASS: regress.sh"
exit $rc
