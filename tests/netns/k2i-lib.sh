# shellcheck shell=bash
# Side by side: the corpus's keepalived.conf files (tests/k2i/corpus) under the real keepalived
# in one lab, and their conversions by keepalived-to-ini under keepquorumd in another, the same
# events in both, and after each one the same master, the same addresses where they were, and
# the same notify scripts run. Sourced by tests/netns/k2i-side-by-side-*.sh, after lib.sh.
#
# The labs: kq_lab_create 6 makes h1..h6 on one bridge; h4..h6 are moved to a bridge of their
# own and given h1..h3's addresses, so that lab A (keepalived: h1, h2, h3) and lab B (keepquorumd:
# h4, h5, h6) are the same network twice, with the same VRIDs, and never hear each other. Each
# host also has eth1 (10.77.1.N/24) on a second bridge of its lab. Node N of a shape is hN in
# lab A and h(N+3) in lab B. Every host mounts its own copy of the corpus on /etc/keepalived
# (KQ_ETC_KEEPALIVED), whose state/ the stand-in scripts read (NAME.fail) and write
# (notify.log).

SBS_CORPUS=${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/k2i/corpus
SBS_K2I=$KQ_BUILDDIR/keepalived-to-ini
SBS_SHAPE=""        # the shape running: its file prefix ("01")
SBS_NODES=0         # its node count
SBS_VIPS=()         # the addresses compared, ADDRESS/PREFIX
SBS_RUNNING=()      # the nodes started, by number

sbs_require() {
	kq_require_netns
	kq_require_keepalived
	[[ -x $SBS_K2I ]] || kq_fail "$SBS_K2I is missing (build first)"
	[[ -d /etc/keepalived ]] ||
		kq_skip "/etc/keepalived does not exist (keepalived's package makes it; the corpus goes there)"
	command -v killall >/dev/null 2>&1 || kq_skip "killall is not installed (Debian package psmisc)"
}

# sbs_lab: the two labs.
sbs_lab() {
	local i h b
	kq_lab_create 6
	kq_setup ip -n "$KQ_BRIDGE_NS" link add br1 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
	kq_setup ip -n "$KQ_BRIDGE_NS" link set br1 up
	for b in a1 b1; do
		kq_setup ip -n "$KQ_BRIDGE_NS" link add "br$b" type bridge stp_state 0 forward_delay 0 \
			mcast_snooping 0
		kq_setup ip -n "$KQ_BRIDGE_NS" link set "br$b" up
	done
	for i in 1 2 3 4 5 6; do
		h=h$i
		if ((i > 3)); then
			kq_setup ip -n "$KQ_BRIDGE_NS" link set "vh$i" master br1
			# lab A's MAC address too (set while down, so that the link-local address is made
			# from it): the same IPv6 link-local address, which breaks ties between equal
			# priorities in VRRPv3 over IPv6
			kq_setup ip -n "$(kq_ns "$h")" link set eth0 down
			kq_setup ip -n "$(kq_ns "$h")" addr flush dev eth0
			kq_setup ip -n "$(kq_ns "$h")" link set eth0 address "$(kq_mac "h$((i - 3))")"
			kq_setup ip -n "$(kq_ns "$h")" link set eth0 up
			kq_setup ip -n "$(kq_ns "$h")" addr add "10.77.0.$((i - 3))/24" dev eth0
			kq_setup ip -n "$(kq_ns "$h")" addr add "fd77::$((i - 3))/64" dev eth0 nodad
			kq_wait_for "ip -n $(kq_ns "$h") -6 addr show dev eth0 scope link | grep -q '$(kq_linklocal "h$((i - 3))")'" 5 \
				"lab: $h's link-local address is h$((i - 3))'s"
			b=b1
		else
			b=a1
		fi
		kq_setup ip -n "$(kq_ns "$h")" link add eth1 type veth peer name "vx$i" netns "$KQ_BRIDGE_NS"
		kq_setup ip -n "$KQ_BRIDGE_NS" link set "vx$i" master "br$b"
		kq_setup ip -n "$KQ_BRIDGE_NS" link set "vx$i" up
		kq_setup ip -n "$(kq_ns "$h")" addr add "10.77.1.$(((i - 1) % 3 + 1))/24" dev eth1
		kq_setup ip -n "$(kq_ns "$h")" link set eth1 up
		mkdir -p "$KQ_DIR/etc-$h"
		cp -a "$SBS_CORPUS/." "$KQ_DIR/etc-$h/"
		chmod 755 "$KQ_DIR/etc-$h"
		KQ_ETC_KEEPALIVED["$h"]=$KQ_DIR/etc-$h
	done
	for h in h1 h2 h3 h4 h5 h6; do
		kq_wait_for "[[ \$(ip -n $(kq_ns "$h") link show dev eth1) == *LOWER_UP* ]]" 5 "lab: eth1 of $h up"
	done
}

# sbs_host LAB N: the host of node N in lab a (keepalived) or b (keepquorumd)
sbs_host() {
	if [[ $1 == a ]]; then echo "h$2"; else echo "h$(($2 + 3))"; fi
}

# sbs_shape PREFIX NODES VIP...: a new shape; the previous one's daemons are stopped first.
sbs_shape() {
	sbs_stop_all
	SBS_SHAPE=$1
	SBS_NODES=$2
	shift 2
	SBS_VIPS=("$@")
	local i lab h
	for i in 1 2 3; do
		for lab in a b; do
			h=$(sbs_host "$lab" "$i")
			rm -rf "$KQ_DIR/etc-$h/state"
			mkdir "$KQ_DIR/etc-$h/state"
			chmod 755 "$KQ_DIR/etc-$h/state"
			ip -n "$(kq_ns "$h")" link set eth1 up
		done
	done
	kq_log "=== shape $SBS_SHAPE: $SBS_NODES nodes, comparing ${SBS_VIPS[*]}"
}

# sbs_file N: node N's corpus file of the shape, and its config id if it has one (two words)
sbs_file() {
	local files=("$SBS_CORPUS/$SBS_SHAPE"-*.conf)
	if ((${#files[@]} == 1)); then
		local ids
		ids=$(sed -n 's/^# config-ids: *//p' "${files[0]}")
		if [[ -n $ids ]]; then
			read -ra ids <<<"$ids"
			echo "${files[0]##*/} ${ids[$(($1 - 1))]}"
		else
			echo "${files[0]##*/} -"
		fi
	else
		echo "${files[$(($1 - 1))]##*/} -"
	fi
}

# sbs_start N: node N of the shape in both labs, keepalived on its corpus file, keepquorumd on
# the conversion of that file (with the same config id).
sbs_start() {
	local n=$1 file id ha hb ini code=0 args=()
	read -r file id <<<"$(sbs_file "$n")"
	[[ $id == - ]] || args=(-i "$id")
	ha=$(sbs_host a "$n")
	hb=$(sbs_host b "$n")
	ini="$KQ_DIR/$SBS_SHAPE-node$n.ini"
	# the converter reads /etc/keepalived/FILE as the daemons do, includes and all: the copy
	# mounted there for lab B's host
	ip netns exec "$(kq_ns "$hb")" sh -c "$KQ_ETC_WRAP" "${KQ_ETC_KEEPALIVED[$hb]}" \
		"$SBS_K2I" "${args[@]}" -o "$ini" "/etc/keepalived/$file" 2>"$ini.err" </dev/null || code=$?
	if ((code == 1 || code == 2)); then
		kq_fail "keepalived-to-ini ${args[*]} $file: exit $code: $(cat "$ini.err")"
	fi
	kq_start_keepalived "$ha" "/etc/keepalived/$file" "${args[@]}"
	kq_start_daemon "$hb" "$ini"
	kq_wait_ready "$hb"
	SBS_RUNNING+=("$n")
	kq_log "node $n started: keepalived on $ha ($file${args[*]:+ ${args[*]}}), keepquorumd on $hb"
}

# sbs_stop N [SIGNAL]: stop node N in both labs (TERM: a clean stop, KILL: a crash)
sbs_stop() {
	local n=$1 sig=${2:-TERM} rc=0 r
	kq_stop_keepalived "$(sbs_host a "$n")" "$sig" || rc=$?
	kq_stop_daemon "$(sbs_host b "$n")" "$sig" || r=$?
	SBS_RUNNING=("${SBS_RUNNING[@]/$n/}")
	kq_log "node $n stopped by SIG$sig (keepalived exit $rc, keepquorumd ${r:-0})"
	if [[ $sig == KILL ]]; then
		# keepalived leaves its addresses behind when it is killed, keepquorumd too (its unit
		# runs keepquorumd --release after it): take them away in both labs, as a reboot would
		local v lab h
		for lab in a b; do
			h=$(sbs_host "$lab" "$n")
			for v in "${SBS_VIPS[@]}"; do
				ip -n "$(kq_ns "$h")" addr del "$v" dev eth0 2>/dev/null ||
					ip -n "$(kq_ns "$h")" addr del "$v" dev eth1 2>/dev/null || true
			done
		done
	fi
}

sbs_stop_all() {
	local n
	for n in "${SBS_RUNNING[@]}"; do
		[[ -n $n ]] && sbs_stop "$n"
	done
	SBS_RUNNING=()
}

# sbs_state LAB N: node N's state directory in LAB
sbs_state() {
	echo "$KQ_DIR/etc-$(sbs_host "$1" "$2")/state"
}

# sbs_both N touch|rm FILE: create or remove state/FILE of node N in both labs
sbs_both() {
	local n=$1 op=$2 f=$3 lab
	for lab in a b; do
		case $op in
		touch) echo "${4:-}" >"$(sbs_state "$lab" "$n")/$f" ;;
		rm) rm -f "$(sbs_state "$lab" "$n")/$f" ;;
		esac
	done
	kq_log "node $n: $op state/$f${4:+ ($4)}"
}

# sbs_link N up|down: eth1 of node N in both labs
sbs_link() {
	local lab
	for lab in a b; do
		kq_setup ip -n "$(kq_ns "$(sbs_host "$lab" "$1")")" link set eth1 "$2"
	done
	kq_log "node $1: eth1 $2"
}

# sbs_holders LAB: for each compared address, the nodes that hold it ("101:1 fd77::108:2,3"...)
sbs_holders() {
	local lab=$1 v i h out="" who
	for v in "${SBS_VIPS[@]}"; do
		who=""
		for ((i = 1; i <= SBS_NODES; i++)); do
			h=$(sbs_host "$lab" "$i")
			if ip -n "$(kq_ns "$h")" -o addr show | awk -v a="$v" '$4 == a { f = 1 } END { exit !f }'; then
				who+="${who:+,}$i"
			fi
		done
		out+="${out:+ }$v:${who:--}"
	done
	echo "$out"
}

# sbs_settle WHAT MIN: wait MIN seconds (the time the event takes to act), then until both labs
# have kept the same holders for 4 s (a master down interval at advert_int 1) and each address
# has one holder; then the two labs must agree.
sbs_settle() {
	local what=$1 min=$2 a b last="" since deadline now
	sleep "$min"
	deadline=$(($(kq__now_usec) + 40000000))
	since=$(kq__now_usec)
	while true; do
		a=$(sbs_holders a)
		b=$(sbs_holders b)
		now=$(kq__now_usec)
		if [[ "$a|$b" != "$last" ]]; then
			last="$a|$b"
			since=$now
		elif ((now - since >= 4000000)) && [[ "$a $b" != *:-* && "$a $b" != *,* ]]; then
			break
		fi
		((now < deadline)) || break
		sleep 0.2
	done
	kq_log "$what: keepalived: $a; keepquorumd: $b"
	[[ "$a $b" != *,* ]] || kq_fail "$SBS_SHAPE, $what: an address with two holders: keepalived $a, keepquorumd $b"
	[[ "$a" == "$b" ]] || kq_fail "$SBS_SHAPE, $what: keepalived's holders are $a, keepquorumd's $b"
	[[ "$a" != *:-* ]] || kq_fail "$SBS_SHAPE, $what: an address without a holder: $a"
	sbs_notify_same "$what"
}

# sbs_runs FILE: the distinct lines of a notify.log, '|'-separated (none if it does not exist).
# The priority a generic notify script gets last (after INSTANCE|GROUP NAME STATE) is left out:
# it is the effective priority of the moment, and keepalived enters BACKUP before its first
# check results are in, keepquorumd once its checks have started (a check that fails at once
# has lowered it already).
sbs_runs() {
	[[ ! -e $1 ]] || sed -E 's/ (INSTANCE|GROUP) ([^ ]+) ([A-Z]+) [0-9]+$/ \1 \2 \3/' "$1" |
		sort -u | paste -sd'|' -
}

# sbs_notify_same WHAT: on every node, the notify scripts keepalived ran are those keepquorumd
# ran (each distinct run once: keepalived starts them without waiting, so their order differs)
sbs_notify_same() {
	local i fa fb
	for ((i = 1; i <= SBS_NODES; i++)); do
		fa=$(sbs_runs "$(sbs_state a "$i")/notify.log")
		fb=$(sbs_runs "$(sbs_state b "$i")/notify.log")
		[[ "$fa" == "$fb" ]] ||
			kq_fail "$SBS_SHAPE, $what: node $i's notify scripts: keepalived ran '$fa', keepquorumd '$fb'"
	done
}

# sbs_alone N: node N, the only one started, takes every compared address in both labs (15 s)
sbs_alone() {
	local want="" v
	for v in "${SBS_VIPS[@]}"; do
		want+="${want:+ }$v:$1"
	done
	kq_wait_for "[[ \$(sbs_holders a) == '$want' && \$(sbs_holders b) == '$want' ]]" 15 \
		"$SBS_SHAPE: node $1 alone holding every address in both labs (keepalived: \$(sbs_holders a), keepquorumd: \$(sbs_holders b))"
	# (the notify scripts are compared at the next sbs_settle: they may be running still)
	kq_log "node $1 alone: both labs: $want"
}

# sbs_master: the node that holds the first compared address (the labs agree, sbs_settle said)
sbs_master() {
	local a
	a=$(sbs_holders a)
	a=${a%% *}
	echo "${a##*:}"
}
