#!/bin/bash
# keepquorum.ini(5) describes exactly the keys the loader accepts: an operator configures from
# the man page alone, so a key the code knows and the page does not is a feature nobody can find,
# and a key the page describes and the code refuses is a config that fails to load.
# The schema comes from the code itself (conf_schema(), printed by tests/conf/kq-conf-schema);
# the page's keys are the tags of its .TP/.TQ entries, `.BI "key = " VALUE` or `.B key`, under
# each `.SH [TYPE]` or `.SH [TYPE NAME]` heading. Each entry must also say its default (or that
# the key is required), for a whole number or a duration its range, and, on a line of its own that
# starts with `keepalived:`, the keepalived option it mirrors (or `none`): the page is where a
# keepalived user looks up what became of an option.
set -u
: "${KQ_SRCDIR:?}" "${KQ_BUILDDIR:?}"
page=$KQ_SRCDIR/man/keepquorum.ini.5
schema_prog=$KQ_BUILDDIR/tests/conf/kq-conf-schema
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! "$schema_prog" > "$tmp/schema"; then
	echo "FAIL: $schema_prog failed"
	exit 1
fi
# The page, as lines of: "section TYPE named|plain", "key TYPE KEY", "nodefault TYPE KEYS",
# "norange TYPE KEYS" and "nokeepalived TYPE KEYS". Entries nested in .RS/.RE are prose, not keys;
# .TQ adds a tag to an entry.
awk '
function flush() {
	if (keys != "" && !has_default) print "nodefault", type, keys
	if (keys != "" && need_range && !has_range) print "norange", type, keys
	if (keys != "" && !has_keepalived) print "nokeepalived", type, keys
	keys = ""; has_default = has_range = need_range = has_keepalived = 0
}
/^\.RS/ { depth++ }
/^\.RE/ { depth-- }
/^\.SH/ {
	flush(); type = ""; tag = 0
	h = $0; sub(/^\.SH +/, "", h); gsub(/"/, "", h)
	if (h ~ /^\[[a-z_]+( [A-Z]+)?\]$/) {
		type = h; sub(/^\[/, "", type); sub(/[] ].*/, "", type)
		print "section", type, (h ~ / /) ? "named" : "plain"
	}
	next
}
type == "" { next }
/^\.(TP|PP|LP|P)( |$)/ && depth == 0 { flush() }
/^\.T[PQ]( |$)/ && depth == 0 { tag = 1; next }
tag {
	tag = 0; key = ""; rest = ""
	if (match($0, /^\.BI "[a-z0-9_]+ = "/)) {
		key = substr($0, 6, RLENGTH - 9); rest = substr($0, RLENGTH + 1)
	} else if ($0 ~ /^\.B "?[a-z0-9_]+"?$/) {
		key = $2; gsub(/"/, "", key)
	}
	if (key != "") {
		print "key", type, key
		keys = keys (keys == "" ? "" : ",") key
		gsub(/"/, "", rest); sub(/^ +/, "", rest)
		if (rest ~ /^(N|SECONDS)( |\\|$)/) need_range = 1
	}
	next
}
/Default:|Required/ { has_default = 1 }
/Range:/ { has_range = 1 }
/^keepalived: [^ ]/ { has_keepalived = 1 }
END { flush() }
' "$page" > "$tmp/page"

rc=0
fail() { echo "FAIL: $*"; rc=1; }
heading() { [ "$2" = named ] && echo "[$1 NAME]" || echo "[$1]"; }

# Section headings: one per schema type, named as the file writes it.
awk '{ print $1, $2 }' "$tmp/schema" | sort -u > "$tmp/want_sections"
awk '$1 == "section" { print $2, $3 }' "$tmp/page" | sort > "$tmp/have_sections"
while read -r t n; do
	grep -q "^$t " "$tmp/have_sections" || fail "keepquorum.ini(5) has no section $(heading "$t" "$n")"
done < "$tmp/want_sections"
while read -r t n; do
	if ! grep -q "^$t " "$tmp/want_sections"; then
		fail "keepquorum.ini(5) describes a section $(heading "$t" "$n") the loader does not know"
	elif ! grep -qx "$t $n" "$tmp/want_sections"; then
		fail "keepquorum.ini(5) heads $(heading "$t" "$n"), the loader reads it as $(heading "$t" \
			"$(grep "^$t " "$tmp/want_sections" | cut -d' ' -f2)")"
	fi
done < "$tmp/have_sections"

# Keys, both ways.
awk '{ print $1, $3 }' "$tmp/schema" | sort > "$tmp/want_keys"
awk '$1 == "key" { print $2, $3 }' "$tmp/page" | sort > "$tmp/have_keys"
while read -r t k; do
	fail "[$t] key '$k' is in the schema (conf/schema.c) but not described in keepquorum.ini(5)"
done < <(comm -23 "$tmp/want_keys" <(sort -u "$tmp/have_keys"))
while read -r t k; do
	fail "[$t] key '$k' is described in keepquorum.ini(5) but the loader does not accept it"
done < <(comm -13 "$tmp/want_keys" <(sort -u "$tmp/have_keys"))
while read -r t k; do
	fail "[$t] key '$k' is described more than once in keepquorum.ini(5)"
done < <(uniq -d "$tmp/have_keys")

# What each entry must say.
while read -r _ t keys; do
	fail "[$t] $keys: the entry in keepquorum.ini(5) says neither 'Default:' nor 'Required'"
done < <(grep '^nodefault ' "$tmp/page")
while read -r _ t keys; do
	fail "[$t] $keys: the entry in keepquorum.ini(5) gives no 'Range:'"
done < <(grep '^norange ' "$tmp/page")
while read -r _ t keys; do
	fail "[$t] $keys: the entry in keepquorum.ini(5) has no 'keepalived:' line (the keepalived" \
		"option it mirrors, or 'keepalived: none')"
done < <(grep '^nokeepalived ' "$tmp/page")

[ $rc = 0 ] && echo "ok: keepquorum.ini(5) describes the $(wc -l < "$tmp/want_keys") keys of the schema" \
	"in $(wc -l < "$tmp/want_sections") sections, each with its default, range and keepalived option"
exit $rc
