#!/bin/bash
# keepquorumd -t on each broken config in tests/conf/broken/ exits 1 and names the right line,
# section, key and reason (the file's first line: "; expect: :LINE: ...").
set -u
: "${KEEPQUORUMD:?} ${KQ_SRCDIR:?}"
fail=0
n=0
for f in "$KQ_SRCDIR"/tests/conf/broken/*.ini; do
	n=$((n + 1))
	expect=$(sed -n '1s/^; expect: //p' "$f")
	out=$("$KEEPQUORUMD" -t -f "$f" 2>&1)
	rc=$?
	if [ "$rc" != 1 ]; then
		echo "FAIL $f: exit $rc, expected 1"; echo "$out"; fail=1; continue
	fi
	if ! grep -qF -- "$f$expect" <<<"$out"; then
		echo "FAIL $f: expected '$f$expect' in:"; echo "$out"; fail=1; continue
	fi
	echo "ok   $(basename "$f")"
done
[ "$n" -ge 12 ] || { echo "FAIL: only $n broken configs"; fail=1; }
exit $fail
