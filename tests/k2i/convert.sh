#!/bin/bash
# keepalived-to-ini on keepalived.conf files written here: what converts is exactly what
# keepquorum.ini(5) says each keepalived option maps to, the output passes keepquorumd -t,
# everything left out is listed with its line (exit 3), a syntax error is exit 1 with its line,
# and include, $NAME parameters and @ID lines are read as keepalived reads them.
set -u
: "${KQ_SRCDIR:?}" "${KQ_BUILDDIR:?}"
k2i=$KQ_BUILDDIR/keepalived-to-ini
kqd=${KEEPQUORUMD:-$KQ_BUILDDIR/keepquorumd}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
rc=0
fail() { echo "FAIL: $*"; rc=1; }

# run NAME ARGS...: keepalived-to-ini ARGS, its stdout in $tmp/NAME.ini, stderr in NAME.err,
# status in $code
run() {
	local name=$1
	shift
	code=0
	"$k2i" "$@" >"$tmp/$name.ini" 2>"$tmp/$name.err" || code=$?
}
expect_code() { [ "$code" = "$2" ] || fail "$1: exit $code, expected $2: $(cat "$tmp/$1.err")"; }
has() { grep -qxF -- "$2" "$tmp/$1.ini" || fail "$1: no line '$2' in the ini:
$(cat "$tmp/$1.ini")"; }
valid() {
	"$kqd" -t -f "$tmp/$1.ini" >"$tmp/$1.t" 2>&1 || fail "$1: keepquorumd -t refuses the output:
$(cat "$tmp/$1.t")"
}

# --- 1. a PostgreSQL pair, everything convertible ----------------------------------------------
cat >"$tmp/pg.conf" <<'CONF'
! Configuration File for keepalived
global_defs {
   router_id db1
   script_user root
   enable_script_security
   vrrp_garp_master_delay 2
}
vrrp_script chk_pg {
   script "/bin/true pg_isready"   # a comment
   interval 2
   timeout 3
   fall 2
   rise 1
   weight -30
}
vrrp_instance VI_PG {
   state BACKUP
   interface eth0
   virtual_router_id 51
   priority 150
   advert_int 1
   nopreempt
   authentication {
      auth_type PASS
      auth_pass s3cret
   }
   virtual_ipaddress {
      10.77.0.100/24 dev eth0 label eth0:1
   }
   track_script {
      chk_pg weight -40
   }
   track_interface { eth0 weight -10 }
   notify_master "/bin/true master"
   notify /bin/true
}
CONF
run pg "$tmp/pg.conf"
expect_code pg 0
[ -s "$tmp/pg.err" ] && fail "pg: something on stderr: $(cat "$tmp/pg.err")"
for l in "router_id = db1" "enable_script_security = yes" "[vrrp_script chk_pg]" \
	"script = /bin/true pg_isready" "weight = -30" "[vrrp_instance VI_PG]" "nopreempt = yes" \
	"auth_type = PASS" "auth_pass = s3cret" "virtual_ipaddress = 10.77.0.100/24 dev eth0 label eth0:1" \
	"track_script = chk_pg weight -40" "track_interface = eth0 weight -10" \
	"notify_master = /bin/true master" "notify = /bin/true" "garp_master_delay = 2"; do
	has pg "$l"
done
head -n 1 "$tmp/pg.ini" | grep -q "^; converted by keepalived-to-ini .* from $tmp/pg.conf\$" ||
	fail "pg: the first line does not name the source: $(head -n 1 "$tmp/pg.ini")"
valid pg

# --- 2. what has no equivalent is listed, line by line; the rest still converts --------------
cat >"$tmp/drop.conf" <<'CONF'
global_defs {
   router_id lb1
   vrrp_version 3
   smtp_server 127.0.0.1
}
vrrp_instance VI_1 {
   interface eth0
   virtual_router_id 52
   priority 100
   use_vmac
   authentication {
      auth_type PASS
      auth_pass x
   }
   virtual_ipaddress {
      10.77.0.101/24 no_track
   }
   notify_backup /bin/true root
}
virtual_server 10.77.0.101 80 {
   delay_loop 6
}
CONF
run drop "$tmp/drop.conf"
expect_code drop 3
want="$tmp/drop.conf:4: not converted: smtp_server: 
$tmp/drop.conf:10: not converted: use_vmac: 
$tmp/drop.conf:11: not converted: authentication: 
$tmp/drop.conf:16: not converted: 10.77.0.101/24: 
$tmp/drop.conf:18: not converted: notify_backup: 
$tmp/drop.conf:20: not converted: virtual_server: "
got=$(sed 's/\(not converted: [^:]*: \).*/\1/' "$tmp/drop.err")
[ "$got" = "$want" ] || fail "drop: listed
$got
expected
$want"
has drop "version = 3"
has drop "virtual_ipaddress = 10.77.0.101/24"
valid drop

# --- 3. include, parameters, @ID lines, -o ------------------------------------------------------
mkdir -p "$tmp/conf.d"
cat >"$tmp/main.conf" <<'CONF'
$VIP=10.77.0.102/24
global_defs {
@db1 router_id db1
@db2 router_id db2
}
include conf.d/*.conf
CONF
cat >"$tmp/conf.d/vi.conf" <<'CONF'
vrrp_instance VI_2 {
   interface eth0
   virtual_router_id 53
@db1 priority 150
@^db1 priority 100
   virtual_ipaddress { $VIP }
}
CONF
run inc -i db2 -o "$tmp/inc.out" "$tmp/main.conf"
expect_code inc 0
[ -s "$tmp/inc.ini" ] && fail "inc: -o given, yet something on stdout"
cp "$tmp/inc.out" "$tmp/inc.ini"
has inc "router_id = db2"
has inc "priority = 100"
has inc "virtual_ipaddress = 10.77.0.102/24"
valid inc

# --- 4. errors ------------------------------------------------------------------------------------
printf 'vrrp_instance VI_1 {\n   interface eth0\n' >"$tmp/open.conf"
run open "$tmp/open.conf"
expect_code open 1
grep -qF "$tmp/open.conf:1: the block of 'vrrp_instance' is not closed" "$tmp/open.err" ||
	fail "open: $(cat "$tmp/open.err")"
run missing "$tmp/nonexistent.conf"
expect_code missing 1
grep -qF "No such file or directory" "$tmp/missing.err" || fail "missing: $(cat "$tmp/missing.err")"
run unwritable -o /nonexistent-dir/out.ini "$tmp/pg.conf"
expect_code unwritable 2
run usage a b
expect_code usage 1
run version --version
expect_code version 0

((rc == 0)) && echo "ok: keepalived-to-ini converts, lists what it leaves out, and reports errors"
exit "$rc"
