#!/bin/bash
# The shipped example passes keepquorumd -t. Its secret_file names /etc/keepquorum/cluster.key,
# which a test machine does not have: the test runs -t on the example as shipped and requires
# that the missing key is the only problem, then on a copy pointing at a key it made, which must
# pass with exit 0.
set -u
: "${KEEPQUORUMD:?} ${KQ_SRCDIR:?}"
example=$KQ_SRCDIR/conf/keepquorum.ini.example
for need in /usr/bin/pg_isready /usr/bin/logger; do
	if [ ! -x "$need" ]; then
		echo "SKIP: $need (named by the example) is not installed"
		[ "${KEEPQUORUM_REQUIRE_NETNS:-0}" = 1 ] && exit 1
		exit 77
	fi
done
getent passwd postgres >/dev/null || { echo "SKIP: no postgres user"; [ "${KEEPQUORUM_REQUIRE_NETNS:-0}" = 1 ] && exit 1; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$("$KEEPQUORUMD" -t -f "$example" 2>&1)
rc=$?
if [ -e /etc/keepquorum/cluster.key ]; then
	[ "$rc" = 0 ] || { echo "FAIL: example refused:"; echo "$out"; exit 1; }
else
	problems=$(grep -c "^$example:" <<<"$out")
	if [ "$rc" != 1 ] || [ "$problems" != 1 ] || ! grep -q "key 'secret_file': '/etc/keepquorum/cluster.key': No such file" <<<"$out"; then
		echo "FAIL: expected exactly the missing key, got (exit $rc):"; echo "$out"; exit 1
	fi
fi
head -c 32 /dev/urandom | base64 > "$dir/cluster.key"
chmod 0600 "$dir/cluster.key"
sed "s#/etc/keepquorum/cluster.key#$dir/cluster.key#" "$example" > "$dir/keepquorum.ini"
out=$("$KEEPQUORUMD" -t -f "$dir/keepquorum.ini" 2>&1)
rc=$?
[ "$rc" = 0 ] || { echo "FAIL: example with a key refused (exit $rc):"; echo "$out"; exit 1; }
echo "ok: $out"
