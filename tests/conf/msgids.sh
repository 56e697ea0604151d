#!/bin/bash
# The journal's MESSAGE_IDs are a promise (operators search and alert on them): every ID of
# daemon/log.h is 32 lowercase hex digits, unique, listed in keepquorumd(8), explained in the
# journal catalog (systemd/keepquorum.catalog, which journalctl must accept), and repeated in
# tests/netns/journal.sh -- so changing one in the code alone fails here. The catalog holds no
# ID the code does not send.
set -u
: "${KQ_SRCDIR:?}"
header=$KQ_SRCDIR/daemon/log.h
catalog=$KQ_SRCDIR/systemd/keepquorum.catalog
page=$KQ_SRCDIR/man/keepquorumd.8
scenario=$KQ_SRCDIR/tests/netns/journal.sh
rc=0
fail() { echo "FAIL: $*"; rc=1; }

mapfile -t ids < <(sed -n 's/^#define LOG_MSGID_[A-Z_]* *"\([^"]*\)".*/\1/p' "$header")
((${#ids[@]} >= 10)) || fail "only ${#ids[@]} LOG_MSGID_ definitions found in $header"
[[ -z $(printf '%s\n' "${ids[@]}" | sort | uniq -d) ]] || fail "an ID is defined twice in $header"
for id in "${ids[@]}"; do
	[[ $id =~ ^[0-9a-f]{32}$ ]] || fail "$id: not 32 lowercase hex digits"
	grep -qx -- "-- $id" "$catalog" || fail "$id: not in ${catalog##*/}"
	grep -qx -- ".B $id" "$page" || fail "$id: not listed in keepquorumd(8) (.B $id)"
	grep -q -- "=$id\$" "$scenario" || fail "$id: not checked by tests/netns/journal.sh"
done
while read -r id; do
	[[ " ${ids[*]} " == *" $id "* ]] || fail "${catalog##*/} explains $id, which the code never sends"
done < <(sed -n 's/^-- \([0-9a-f]*\)$/\1/p' "$catalog")

# journalctl parses the catalog as it would once installed
if command -v journalctl >/dev/null 2>&1; then
	root=$(mktemp -d) || exit 1
	trap 'rm -rf "$root"' EXIT
	mkdir -p "$root/usr/lib/systemd/catalog"
	cp "$catalog" "$root/usr/lib/systemd/catalog/"
	if ! out=$(journalctl --root="$root" --update-catalog 2>&1); then
		fail "journalctl --update-catalog refuses ${catalog##*/}: $out"
	else
		listed=$(journalctl --root="$root" --list-catalog 2>&1)
		for id in "${ids[@]}"; do
			grep -q "^$id keepquorum: " <<<"$listed" || fail "$id: not in journalctl --list-catalog"
		done
	fi
fi
((rc == 0)) && echo "ok: ${#ids[@]} MESSAGE_IDs in the code, the catalog, the man page and the test"
exit "$rc"
