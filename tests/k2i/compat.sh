#!/bin/bash
# The compatibility table (tools/k2i/compat.def) is true and complete:
#  - every row's example, converted by keepalived-to-ini, gets the row's verdict: "yes" and
#    "differently" convert without a word (to the row's ini key, when it names one), "no" is
#    listed with its line and exactly the row's reason, exit 3;
#  - every VRRP option of keepalived.conf(5) (Debian's keepalived package) has a row;
#  - README.md and keepalived-to-ini(1) carry the table as compat.def says, word for word.
# --update rewrites the tables of README.md and keepalived-to-ini(1) from compat.def instead.
set -u
: "${KQ_SRCDIR:?}" "${KQ_BUILDDIR:?}"
k2i=$KQ_BUILDDIR/keepalived-to-ini
dump=$KQ_BUILDDIR/tests/k2i/kq-compat
readme=$KQ_SRCDIR/README.md
man=$KQ_SRCDIR/man/keepalived-to-ini.1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
rc=0
fail() { echo "FAIL: $*"; rc=1; }

"$dump" >"$tmp/rows" || { echo "FAIL: $dump"; exit 1; }
[ -s "$tmp/rows" ] || { echo "FAIL: $dump printed nothing"; exit 1; }

# --- the tables, as compat.def makes them ------------------------------------------------------
awk -F'\t' '
	BEGIN {
		print "<!-- compat-table: written from tools/k2i/compat.def by tests/k2i/compat.sh --update -->"
		print "| keepalived option | in | keepquorum | how, or why not |"
		print "|---|---|---|---|"
	}
	{ printf "| `%s` | %s | %s | %s |\n", $2, $1, $3, $6 }
	END { print "<!-- end of compat-table -->" }' "$tmp/rows" >"$tmp/table.md"
awk -F'\t' '
	function roff(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); return s }
	BEGIN { print ".\\\" compat-table: written from tools/k2i/compat.def by tests/k2i/compat.sh --update" }
	$1 != where {
		where = $1
		printf ".SS %s\n", where == "top level" ? "Blocks" : "In " where
	}
	{
		printf ".TP\n.B %s\n", roff($2)
		printf "%s%s\n", $3, $6 == "" ? "." : ": " roff($6) "."
	}
	END { print ".\\\" end of compat-table" }' "$tmp/rows" >"$tmp/table.man"

# replace FILE BEGIN-PATTERN END-PATTERN NEW: FILE with the lines from BEGIN to END replaced
replace() {
	# (through the environment: awk -v would take the backslash of .\" as an escape)
	B=$2 E=$3 NEW=$4 awk '
		index($0, ENVIRON["B"]) == 1 { while ((getline l < ENVIRON["NEW"]) > 0) print l; skip = 1; next }
		skip && index($0, ENVIRON["E"]) == 1 { skip = 0; next }
		!skip' "$1"
}
if [ "${1:-}" = --update ]; then
	replace "$readme" "<!-- compat-table:" "<!-- end of compat-table" "$tmp/table.md" >"$tmp/README" &&
		cat "$tmp/README" >"$readme"
	replace "$man" '.\" compat-table:' '.\" end of compat-table' "$tmp/table.man" >"$tmp/man" &&
		cat "$tmp/man" >"$man"
	echo "tables of README.md and keepalived-to-ini(1) written from compat.def"
	exit 0
fi
# in FILE BEGIN END: the table of FILE
in_file() {
	B=$2 E=$3 awk 'index($0, ENVIRON["B"]) == 1 { on = 1 } on; on && index($0, ENVIRON["E"]) == 1 { on = 0 }' "$1"
}
in_file "$readme" "<!-- compat-table:" "<!-- end of compat-table" >"$tmp/readme.md"
diff -u "$tmp/table.md" "$tmp/readme.md" >"$tmp/d" ||
	fail "README.md's compatibility table is not compat.def's (tests/k2i/compat.sh --update):
$(cat "$tmp/d")"
in_file "$man" '.\" compat-table:' '.\" end of compat-table' >"$tmp/man.man"
diff -u "$tmp/table.man" "$tmp/man.man" >"$tmp/d" ||
	fail "keepalived-to-ini(1)'s compatibility table is not compat.def's (tests/k2i/compat.sh --update):
$(cat "$tmp/d")"

# --- every example gets its verdict -------------------------------------------------------------
# conf WHERE EXAMPLE: a keepalived.conf with EXAMPLE in WHERE, and what it names defined
conf() {
	local g="" s="" f="" i="" y="" t=""
	local ex="# the example\n$2"    # the example is on the line after this comment's
	case $1 in
	global_defs) g=$ex ;;
	vrrp_script) s=$ex ;;
	track_file) f=$ex ;;
	vrrp_instance) i=$ex ;;
	vrrp_sync_group) y=$ex ;;
	*) t=$ex ;;
	esac
	printf '%s\n' "global_defs {" "router_id kq" "$g" "}" \
		"vrrp_script chk {" "script /bin/true" "$s" "}" \
		"track_file tf {" "file /etc/hostname" "$f" "}" \
		"vrrp_instance VI {" "interface eth0" "virtual_router_id 51" "priority 100" \
		"virtual_ipaddress {" "10.0.0.100/24" "}" "track_script {" "chk" "}" \
		"track_file {" "tf" "}" "$i" "}" \
		"vrrp_sync_group G {" "group {" "VI" "}" "$y" "}" "$t" | sed 's/\\n/\n/g'
}
# the skeleton alone converts without a word
conf none "" >"$tmp/base.conf"
"$k2i" "$tmp/base.conf" >"$tmp/base.ini" 2>"$tmp/base.err" ||
	fail "the skeleton does not convert cleanly: $(cat "$tmp/base.err")"
n=0
# (fields split at a non-blank, so that an empty one stays one)
while IFS=$'\037' read -r where opt verdict example ini note; do
	n=$((n + 1))
	# a row without an example is in the skeleton
	[ "$where" = "top level" ] && [ -z "$example" ] && continue
	conf "$where" "$example" >"$tmp/c.conf"
	line=$(($(grep -n -m1 -xF '# the example' "$tmp/c.conf" | cut -d: -f1) + 1))
	code=0
	"$k2i" "$tmp/c.conf" >"$tmp/c.ini" 2>"$tmp/c.err" || code=$?
	case $verdict in
	yes | differently)
		[ "$code" = 0 ] || fail "$where $opt ($verdict): exit $code: $(cat "$tmp/c.err")"
		if [ "$ini" != - ] && ! grep -q "^$ini = " "$tmp/c.ini"; then
			fail "$where $opt ($verdict): no '$ini = ' in the ini:
$(cat "$tmp/c.ini")"
		fi ;;
	no)
		[ "$code" = 3 ] || fail "$where $opt (no): exit $code, expected 3"
		want="$tmp/c.conf:$line: not converted: $opt: $note"
		grep -qxF -- "$want" "$tmp/c.err" || fail "$where $opt (no): not listed as '$want':
$(cat "$tmp/c.err")" ;;
	*) fail "$where $opt: verdict '$verdict'" ;;
	esac
done < <(tr '\t' '\037' <"$tmp/rows")
echo "$n rows of compat.def checked against keepalived-to-ini"

# --- keepalived.conf(5) has no VRRP option the table lacks ---------------------------------------
page=/usr/share/man/man5/keepalived.conf.5.gz
[ -e "$page" ] || page=$(man -w keepalived.conf 2>/dev/null)
if [ -z "$page" ]; then
	[ "${KEEPQUORUM_REQUIRE_NETNS:-0}" = 1 ] && fail "no keepalived.conf(5): is keepalived installed?"
	echo "keepalived.conf(5) not installed: the completeness check is skipped"
else
	# the options of a section are the words at four blanks' indent of its syntax blocks
	case $page in *.gz) zcat "$page" ;; *) cat "$page" ;; esac | awk '
		/^\.SH/ { sec = $0; next }
		match($0, /^    (\\fB)?[a-z_0-9]+/) {
			w = substr($0, RSTART + 4, RLENGTH - 4); sub(/^\\fB/, "", w)
			if (sec ~ /Global definitions/) {
				if (w ~ /^vrrp_/ || w ~ /^(router_id|script_user|enable_script_security|notify_fifo|notify_fifo_script|dynamic_interfaces|default_interface|disable_local_igmp|fifo_write_vrrp_states_on_reload|log_unknown_vrids|max_auto_priority|min_auto_priority_delay|vmac_prefix|vmac_addr_prefix)$/)
					print "global_defs\t" w
			} else if (sec ~ /VRRP instance/) print "vrrp_instance\t" w
			else if (sec ~ /VRRP synchronization group/) print "vrrp_sync_group\t" w
			else if (sec ~ /VRRP script/) print "vrrp_script\t" w
			else if (sec ~ /Track files/) print "track_file\t" w
		}' | sort -u >"$tmp/keepalived"
	for blk in vrrp_instance vrrp_script vrrp_sync_group track_file vrrp_track_process garp_group \
		bfd_instance static_ipaddress static_routes static_rules linkbeat_interfaces track_group \
		virtual_server virtual_server_group; do
		printf 'top level\t%s\n' "$blk"
	done >>"$tmp/keepalived"
	[ "$(wc -l <"$tmp/keepalived")" -gt 100 ] ||
		fail "only $(wc -l <"$tmp/keepalived") options read from $page: has its layout changed?"
	cut -f1,2 "$tmp/rows" | sort -u >"$tmp/ours"
	missing=$(sort -u "$tmp/keepalived" | comm -23 - "$tmp/ours" | tr '\t' ' ' | paste -sd, -)
	[ -z "$missing" ] || fail "keepalived.conf(5) options without a row in compat.def: $missing"
fi

[ $rc = 0 ] && echo "PASS: compat.sh"
exit $rc
