# shellcheck shell=bash
# tests/netns/keepalived-interop-lib.sh: the cases of the keepalived interoperability scenarios
# (keepalived-interop-v2.sh, keepalived-interop-v3.sh), sourced after lib.sh. Not a test itself.
#
# The lab: h1 runs keepalived 2.2.x (the real one), h2 keepquorumd, h3 only watches: tcpdump on
# its eth0 records every VRRP advert, gratuitous ARP and unsolicited NA on the bridge. Both
# daemons run one instance, VRID 51, advert_int 1, the same VIP. What each side shows: for
# keepquorumd its status (state, master_ip, counters) and the VIP on h2; for keepalived the VIP on
# h1, its log ("Entering MASTER STATE", and every complaint about a received advert) and its
# adverts on the wire.
#
# interop_case NAME VERSION FAMILY [PASSWORD] runs, for one configuration:
#  1. keepquorumd MASTER (150), keepalived BACKUP (100): keepalived accepts our adverts and stays
#     BACKUP without the VIP, longer than its Master_Down_Interval; keepquorumd is stopped
#     (SIGTERM): keepalived takes over within Skew_Time (it accepted our priority-0 advert).
#  2. keepalived MASTER (150, by a reload), keepquorumd BACKUP (100): keepquorumd follows it
#     (master_ip is keepalived's address, no VIP, nothing dropped, never MASTER); keepalived is
#     stopped (SIGTERM): keepquorumd takes over within Skew_Time and holds the VIP.
#  3. preemption: keepquorumd MASTER (100) alone, keepalived (150) starts: keepalived preempts,
#     keepquorumd goes BACKUP (sending no priority 0, as keepalived does) and drops the VIP.
#  4. crash: keepalived is killed with SIGKILL (parent and VRRP child at once): its VIP stays on
#     h1 (keepalived's behaviour; the test removes it), no priority 0 is sent, and keepquorumd
#     takes over after Master_Down_Interval, not before.
# Every captured advert, from either daemon, is then checked byte by byte (Ethernet and IP
# headers, TTL / hop limit 255, the VRRP fields, the checksum with v3's pseudo-header, the v2
# authentication data) and as tcpdump -v decodes it.
#
# interop_auth_mismatch: v2, keepalived with PASS "secret", keepquorumd with PASS "other": each
# drops the other's adverts (keepquorumd counts dropped.auth, keepalived logs "received an
# invalid passwd") and both are MASTER with the VIP, as two keepalived would be. (keepalived's
# MASTER then advertises irregularly: it restarts its advert timer on every advert received, even
# a rejected one; two keepalived with different passwords do the same.)

KA_HOST=h1 KQ_HOST=h2 OBS_HOST=h3
VRID=51
KA_LOG=$KQ_DIR/keepalived-$KA_HOST.log
# What keepalived 2.2.7 logs when it rejects a received advert (vrrp.c, vrrp_check_packet):
# none of it may appear while the two daemons agree on the configuration.
KA_COMPLAINTS='vrrp packet too|invalid TTL|wrong version|received a [0-9]+ auth|invalid passwd|'\
'interval mismatch|Invalid packet type|unexpected ip number count|ip_tot_len mismatch|'\
'icast packet but received|VIPs but received|not present in MASTER advert|Invalid VRRPv[23] checksum|'\
'Received AH header|No AH header'
# keepquorumd's drop reasons that mean "the peer's advert is malformed or misconfigured"
KQ_BAD_DROPS='["truncated","ttl","version","type","checksum","addr_count","vrid","auth_type","auth","interval","family","not_peer"]'

# Set by interop_case for the current configuration.
C_NAME="" C_VER="" C_FAM="" C_PASS="" C_VIP="" C_VIP_ADDR="" C_KA_SRC="" C_KQ_SRC=""
KA_MAC="" KQ_MAC="" KA_LOG_START=0

# --- configurations --------------------------------------------------------------------------

# ka_config PRIORITY [PASSWORD]: write keepalived's config for the current case.
ka_config() {
	local prio=$1 pass=${2:-$C_PASS} global="" version="" auth=""
	if ((C_VER == 2)); then
		global=$'global_defs {\n\tvrrp_version 2\n}\n'
	else
		version=$'\tversion 3\n'
	fi
	if [[ -n $pass ]]; then
		auth=$'\tauthentication {\n\t\tauth_type PASS\n\t\tauth_pass '"$pass"$'\n\t}\n'
	fi
	cat >"$KQ_DIR/ka.conf.tmp" <<EOF
${global}vrrp_instance VI_1 {
	state BACKUP
	interface eth0
	virtual_router_id $VRID
	priority $prio
	advert_int 1
${version}${auth}	virtual_ipaddress {
		$C_VIP
	}
}
EOF
	mv "$KQ_DIR/ka.conf.tmp" "$KQ_DIR/ka.conf"
}

# kq_config PRIORITY [PASSWORD]: write keepquorumd's config for the current case.
kq_config() {
	local prio=$1 pass=${2:-$C_PASS}
	{
		printf '[global]\nrouter_id = kq-interop\n\n[vrrp_instance vi_1]\n'
		printf 'state = BACKUP\ninterface = eth0\nvirtual_router_id = %s\npriority = %s\n' "$VRID" "$prio"
		printf 'advert_int = 1\nversion = %s\nvirtual_ipaddress = %s\n' "$C_VER" "$C_VIP"
		if [[ -n $pass ]]; then
			printf 'auth_type = PASS\nauth_pass = %s\n' "$pass"
		fi
	} >"$KQ_DIR/kq.ini"
}

# --- what keepalived shows ---------------------------------------------------------------------

# ka_count ERE: lines of keepalived's log matching ERE, since the current case began.
ka_count() {
	local n
	n=$(tail -n +"$((KA_LOG_START + 1))" "$KA_LOG" 2>/dev/null | grep -cE -- "$1") || true
	echo "${n:-0}"
}

# ka_assert_no_complaints: keepalived rejected none of the adverts it received in this case.
ka_assert_no_complaints() {
	local bad
	bad=$(tail -n +"$((KA_LOG_START + 1))" "$KA_LOG" | grep -E -- "$KA_COMPLAINTS") || true
	[[ -z $bad ]] || kq_fail "$C_NAME: keepalived rejected adverts:"$'\n'"$bad"
}

# kq_assert_no_bad_drops: keepquorumd dropped no advert as malformed or misconfigured.
kq_assert_no_bad_drops() {
	local d
	d=$(kq_inst "$KQ_HOST" ".counters.dropped | with_entries(select(.key | IN(${KQ_BAD_DROPS}[]))) | @json")
	kq_assert_eq "$d" "{}" "$C_NAME: $1: keepquorumd's counters.dropped"
}

# wait_vip_only HOSTS WHAT [TIMEOUT]: wait until exactly HOSTS ("h1", "h2", "h1 h2" or "") hold
# the VIP among h1 and h2.
wait_vip_only() {
	kq_poll "[[ \$(kq_vip_holders $C_VIP $KA_HOST $KQ_HOST) == '$1' ]]" "${3:-10}" ||
		kq_fail "$C_NAME: $2: the VIP not held by '$1' only within ${3:-10} s" \
			"(held by '$(kq_vip_holders "$C_VIP" "$KA_HOST" "$KQ_HOST")')"
}

# --- the wire ----------------------------------------------------------------------------------

# The adverts of the capture last loaded by load_capture, in order: time (microseconds), sender
# ("ka" or "kq"), priority.
P_TS=() P_WHO=() P_PRIO=()
CAP=""

cap_start() {
	CAP="$C_NAME-$1"
	kq_capture_start "$CAP" "$(kq_ns "$OBS_HOST")" eth0 \
		'proto 112 or ip6 proto 112 or arp or (icmp6 and ip6[40] == 136)'
}

# cap_wait_advert WHO [PRIO] [TIMEOUT]: wait until the running capture holds an advert from WHO
# (with PRIO).
cap_wait_advert() {
	kq_wait_for "cap_has_advert $1 ${2:-any}" "${3:-5}" "$C_NAME: an advert from $1 (priority ${2:-any}) on the wire"
}
# (one tcpdump that stops at the first match: this is polled; the priority is at offset 2 of the
# VRRP header, after an IPv4 header without options or the fixed IPv6 header)
cap_has_advert() {
	local mac=$KA_MAC filter
	[[ $1 == kq ]] && mac=$KQ_MAC
	mac=$(sed 's/../&:/g; s/:$//' <<<"$mac")
	if [[ $C_FAM == 4 ]]; then
		filter="ether src $mac and ip proto 112"
		[[ $2 == any ]] || filter+=" and ip[22] == $2"
	else
		filter="ether src $mac and ip6 proto 112"
		[[ $2 == any ]] || filter+=" and ip6[42] == $2"
	fi
	[[ -n $(tcpdump -r "$KQ_DIR/$CAP.pcap" -nn -c 1 "$filter" 2>/dev/null) ]]
}

# sum16 HEX: the one's complement sum of HEX (an even number of bytes) as 16-bit words, folded.
sum16() {
	local h=$1 s=0 i
	for ((i = 0; i < ${#h}; i += 4)); do
		s=$((s + 16#${h:i:4}))
	done
	while ((s > 0xffff)); do
		s=$(((s & 0xffff) + (s >> 16)))
	done
	echo "$s"
}

# check_advert N FRAME TS: FRAME (hex, captured at TS), the capture's advert number N, must be a
# well-formed advert of the current case from one of the two daemons; appends it to
# P_TS/P_WHO/P_PRIO.
check_advert() {
	local n=$1 f=$2 ts=$3 who src_hex ip vr vlen pseudo addr_hex auth_hex want_auth
	local what="$C_NAME: $CAP: advert $n"
	case ${f:12:12} in
	"$KA_MAC") who=ka ;;
	"$KQ_MAC") who=kq ;;
	*) kq_fail "$what: from an unknown MAC ${f:12:12}: $f" ;;
	esac
	what+=" (from $who)"
	if [[ $C_FAM == 4 ]]; then
		vlen=$((C_VER == 2 ? 20 : 12))
		kq_assert_eq "${f:0:12}" 01005e000012 "$what: Ethernet destination (224.0.0.18)"
		kq_assert_eq "${f:24:4}" 0800 "$what: EtherType"
		ip=${f:28}
		kq_assert_eq "${ip:0:2}" 45 "$what: IPv4 version and header length (no options)"
		kq_assert_eq "$((16#${ip:4:4}))" "$((20 + vlen))" "$what: IPv4 total length"
		kq_assert_eq "${ip:16:2}" ff "$what: TTL"
		kq_assert_eq "${ip:18:2}" 70 "$what: IP protocol (112)"
		[[ $(sum16 "${ip:0:40}") == 65535 ]] || kq_fail "$what: bad IPv4 header checksum: $f"
		src_hex=$(kq_hex_ip4 "$([[ $who == ka ]] && echo "$C_KA_SRC" || echo "$C_KQ_SRC")")
		kq_assert_eq "${ip:24:8}" "$src_hex" "$what: IPv4 source"
		kq_assert_eq "${ip:32:8}" e0000012 "$what: IPv4 destination"
		vr=${ip:40:$((vlen * 2))}
		pseudo="${ip:24:16}0070$(printf %04x "$vlen")"
		addr_hex=$(kq_hex_ip4 "$C_VIP_ADDR")
	else
		vlen=24
		kq_assert_eq "${f:0:12}" 333300000012 "$what: Ethernet destination (ff02::12)"
		kq_assert_eq "${f:24:4}" 86dd "$what: EtherType"
		ip=${f:28}
		kq_assert_eq "${ip:0:1}" 6 "$what: IP version"
		kq_assert_eq "$((16#${ip:8:4}))" "$vlen" "$what: IPv6 payload length"
		kq_assert_eq "${ip:12:2}" 70 "$what: next header (112)"
		kq_assert_eq "${ip:14:2}" ff "$what: hop limit"
		src_hex=$(kq_hex_ip6 "$([[ $who == ka ]] && echo "$C_KA_SRC" || echo "$C_KQ_SRC")")
		kq_assert_eq "${ip:16:32}" "$src_hex" "$what: IPv6 source (the link-local address)"
		kq_assert_eq "${ip:48:32}" ff020000000000000000000000000012 "$what: IPv6 destination"
		vr=${ip:80:$((vlen * 2))}
		pseudo="${ip:16:64}$(printf %08x "$vlen")00000070"
		addr_hex=$(kq_hex_ip6 "$C_VIP_ADDR")
	fi
	((${#vr} == vlen * 2)) || kq_fail "$what: frame too short for a $vlen-byte advert: $f"
	kq_assert_eq "${vr:0:2}" "${C_VER}1" "$what: version and type (advertisement)"
	kq_assert_eq "$((16#${vr:2:2}))" "$VRID" "$what: VRID"
	case $((16#${vr:4:2})) in
	0 | 100 | 150) ;;
	*) kq_fail "$what: priority $((16#${vr:4:2})), not 0, 100 or 150" ;;
	esac
	kq_assert_eq "${vr:6:2}" 01 "$what: count of addresses"
	kq_assert_eq "${vr:16:${#addr_hex}}" "$addr_hex" "$what: the address (the VIP)"
	if ((C_VER == 2)); then
		kq_assert_eq "${vr:8:2}" "$([[ -n $C_PASS ]] && echo 01 || echo 00)" "$what: auth type"
		kq_assert_eq "${vr:10:2}" 01 "$what: advert interval (1 s)"
		auth_hex=""
		if [[ -n $C_PASS ]]; then
			auth_hex=$(printf %s "$C_PASS" | od -An -tx1 | tr -d ' \n')
		fi
		want_auth=${auth_hex}0000000000000000
		kq_assert_eq "${vr:24:16}" "${want_auth:0:16}" "$what: authentication data"
		pseudo=""
	else
		kq_assert_eq "${vr:8:4}" 0064 "$what: reserved bits and advert interval (100 cs)"
	fi
	[[ $(sum16 "$pseudo$vr") == 65535 ]] || kq_fail "$what: bad VRRP checksum: $f"
	# ...and the check can tell: one bit of the priority flipped, it must not verify
	[[ $(sum16 "$pseudo${vr:0:4}$(printf %02x $((16#${vr:4:2} ^ 1)))${vr:6}") != 65535 ]] ||
		kq_fail "$what: the checksum check accepts a corrupted advert: $f"
	P_TS+=("$(kq__usec "$ts")")
	P_WHO+=("$who")
	P_PRIO+=("$((16#${vr:4:2}))")
}

# load_capture: stop the capture, check every advert in it (bytes, and tcpdump's -v decoding),
# and load them into P_TS/P_WHO/P_PRIO.
load_capture() {
	local ts f n=0 decoded line re i
	local -a lines=()
	kq_capture_stop "$CAP"
	P_TS=() P_WHO=() P_PRIO=()
	while read -r ts f; do
		case ${f:24:4} in
		0800) [[ ${f:46:2} == 70 ]] || continue ;;
		86dd) [[ ${f:40:2} == 70 ]] || continue ;;
		*) continue ;;
		esac
		n=$((n + 1))
		check_advert "$n" "$f" "$ts"
	done < <(kq_capture_frames "$CAP")
	# tcpdump's own reading: nothing it finds wrong, and every advert as configured
	decoded=$(tcpdump -r "$KQ_DIR/$CAP.pcap" -nn -v 'proto 112 or ip6 proto 112' 2>/dev/null)
	if grep -qiE 'bad|malformed|invalid|\[\|' <<<"$decoded"; then
		kq_fail "$C_NAME: $CAP: tcpdump finds something wrong:"$'\n'"$decoded"
	fi
	mapfile -t lines < <(grep -o 'VRRPv.*' <<<"$decoded")
	kq_assert_eq "${#lines[@]}" "$n" "$C_NAME: $CAP: adverts decoded by tcpdump"
	case $C_VER$C_FAM in
	24) re="^VRRPv2, Advertisement, vrid $VRID, prio ([0-9]+), authtype "
		if [[ -n $C_PASS ]]; then
			re+="simple, intvl 1s, length 20, addrs: ${C_VIP_ADDR//./\\.} auth \"$C_PASS\"\$"
		else
			re+="none, intvl 1s, length 20, addrs: ${C_VIP_ADDR//./\\.}\$"
		fi ;;
	34) re="^VRRPv3, Advertisement, vrid $VRID, prio ([0-9]+), intvl 100cs, length 12, addrs: ${C_VIP_ADDR//./\\.}\$" ;;
	36) re="^VRRPv3, Advertisement, vrid $VRID, prio ([0-9]+), intvl 100cs, length 24, addrs: $C_VIP_ADDR\$" ;;
	esac
	for ((i = 0; i < n; i++)); do
		line=${lines[i]}
		[[ $line =~ $re ]] || kq_fail "$C_NAME: $CAP: tcpdump decodes advert $((i + 1)) as '$line'"
		kq_assert_eq "${BASH_REMATCH[1]}" "${P_PRIO[i]}" "$C_NAME: $CAP: advert $((i + 1)): tcpdump's priority"
	done
	kq_log "$C_NAME: $CAP: $n adverts, all well-formed: $(timeline)"
}

# timeline: the loaded adverts, compressed: "kq:150x4 kq:0 ka:100x3 ..."
timeline() {
	local i out="" cur="" n=0
	for ((i = 0; i <= ${#P_TS[@]}; i++)); do
		if ((i < ${#P_TS[@]})) && [[ ${P_WHO[i]}:${P_PRIO[i]} == "$cur" ]]; then
			n=$((n + 1))
			continue
		fi
		if [[ -n $cur ]]; then
			out+="${out:+ }$cur"
			((n == 1)) || out+="x$n"
		fi
		((i < ${#P_TS[@]})) || break
		cur=${P_WHO[i]}:${P_PRIO[i]} n=1
	done
	echo "$out"
}

# first WHO [PRIO] [FROM]: the index of the first advert from WHO (with PRIO), at FROM (0) or
# later; -1 if none. last WHO [PRIO]: the last one's; -1 if none.
first() {
	local i
	for ((i = ${3:-0}; i < ${#P_TS[@]}; i++)); do
		[[ ${P_WHO[i]} == "$1" && (-z ${2:-} || ${P_PRIO[i]} == "${2:-}") ]] && { echo "$i"; return; }
	done
	echo -1
}
last() {
	local i
	for ((i = ${#P_TS[@]} - 1; i >= 0; i--)); do
		[[ ${P_WHO[i]} == "$1" && (-z ${2:-} || ${P_PRIO[i]} == "${2:-}") ]] && { echo "$i"; return; }
	done
	echo -1
}
# count WHO PRIO: how many adverts from WHO with PRIO.
count() {
	local i n=0
	for ((i = 0; i < ${#P_TS[@]}; i++)); do
		[[ ${P_WHO[i]} == "$1" && ${P_PRIO[i]} == "$2" ]] && n=$((n + 1))
	done
	echo "$n"
}

# gap_ms I J: milliseconds from advert I to advert J.
gap_ms() {
	echo $(((P_TS[$2] - P_TS[$1]) / 1000))
}

# assert_priorities WHO PRIO...: every advert from WHO has one of the priorities.
assert_priorities() {
	local who=$1 i p ok
	shift
	for ((i = 0; i < ${#P_TS[@]}; i++)); do
		[[ ${P_WHO[i]} == "$who" ]] || continue
		ok=0
		for p in "$@"; do
			[[ ${P_PRIO[i]} == "$p" ]] && ok=1
		done
		((ok)) || kq_fail "$C_NAME: $CAP: $who sent priority ${P_PRIO[i]} (expected: $*): $(timeline)"
	done
}

# assert_takeover OLD NEW PRIO MIN_MS MAX_MS [any]: OLD's last advert is followed by NEW's next
# one, of priority PRIO, MIN_MS to MAX_MS later (both measured on the wire). Unless "any" is
# given, NEW sent nothing before that. Sets TAKEOVER to the index of that advert of NEW's.
TAKEOVER=-1
assert_takeover() {
	local old=$1 new=$2 prio=$3 lo=$4 hi=$5 i j g
	i=$(last "$old")
	((i >= 0)) || kq_fail "$C_NAME: $CAP: no advert from $old: $(timeline)"
	j=$(first "$new" "" "$((i + 1))")
	((j >= 0)) || kq_fail "$C_NAME: $CAP: no advert from $new after $old's last: $(timeline)"
	[[ ${6:-} == any ]] || (($(first "$new") == j)) ||
		kq_fail "$C_NAME: $CAP: $new advertised before $old's last advert: $(timeline)"
	kq_assert_eq "${P_PRIO[j]}" "$prio" "$C_NAME: $CAP: priority of $new's first advert after $old's last"
	g=$(gap_ms "$i" "$j")
	((g >= lo && g <= hi)) ||
		kq_fail "$C_NAME: $CAP: $new's first advert came $g ms after $old's last, expected $lo..$hi ms: $(timeline)"
	kq_log "$C_NAME: $CAP: $new took over $g ms after $old's last advert (priority ${P_PRIO[i]})"
	TAKEOVER=$j
}

# assert_announced MAC WHAT [INDEX]: around the advert INDEX (TAKEOVER: the new master's first), the
# capture holds a gratuitous ARP (IPv4) or an unsolicited NA (IPv6) for the VIP from MAC. Around:
# from 0.5 s before (keepquorumd announces the VIP just before its first advert, keepalived just
# after).
assert_announced() {
	local mac=$1 i=${3:-$TAKEOVER} t ts rest n=0
	local -a fields
	((i >= 0)) || kq_fail "$C_NAME: $CAP: assert_announced: no advert to start from"
	t=$((P_TS[i] - 500000))
	if [[ $C_FAM == 4 ]]; then
		while read -r ts rest; do
			read -ra fields <<<"$rest"
			# ETH_SRC ETH_DST OPCODE SENDER_MAC SENDER_IP TARGET_MAC TARGET_IP
			[[ ${fields[0]} == "$mac" && ${fields[1]} == ffffffffffff && ${fields[2]} == 1 &&
				${fields[4]} == "$C_VIP_ADDR" && ${fields[6]} == "$C_VIP_ADDR" ]] || continue
			(($(kq__usec "$ts") >= t)) && n=$((n + 1))
		done < <(kq_arp_frames "$CAP")
	else
		while read -r ts rest; do
			read -ra fields <<<"$rest"
			# ETH_SRC IP6_SRC IP6_DST HOPLIMIT FLAGS TARGET
			[[ ${fields[0]} == "$mac" && ${fields[5]} == "$(kq_hex_ip6 "$C_VIP_ADDR")" ]] || continue
			(($(kq__usec "$ts") >= t)) && n=$((n + 1))
		done < <(kq_na_frames "$CAP")
	fi
	((n > 0)) || kq_fail "$C_NAME: $CAP: $2 announced the VIP with no gratuitous ARP / NA"
}

# --- the cases ---------------------------------------------------------------------------------

# interop_case NAME VERSION FAMILY [PASSWORD]
interop_case() {
	local rc n i j end
	C_NAME=$1 C_VER=$2 C_FAM=$3 C_PASS=${4:-}
	if [[ $C_FAM == 4 ]]; then
		C_VIP=10.77.0.100/24 C_KA_SRC=10.77.0.1 C_KQ_SRC=10.77.0.2
	else
		C_VIP=fd77::100/64 C_KA_SRC=$(kq_linklocal "$KA_HOST") C_KQ_SRC=$(kq_linklocal "$KQ_HOST")
		[[ $C_KA_SRC == fe80:* && $C_KQ_SRC == fe80:* ]] ||
			kq_fail "$C_NAME: no link-local addresses: '$C_KA_SRC' '$C_KQ_SRC'"
	fi
	C_VIP_ADDR=${C_VIP%/*}
	KA_MAC=$(kq_mac "$KA_HOST") KQ_MAC=$(kq_mac "$KQ_HOST")
	KA_MAC=${KA_MAC//:/} KQ_MAC=${KQ_MAC//:/}
	touch "$KA_LOG"
	KA_LOG_START=$(wc -l <"$KA_LOG")
	kq_log "=== $C_NAME: VRRPv$C_VER, IPv$C_FAM, VIP $C_VIP${C_PASS:+, auth PASS $C_PASS}"

	# --- 1. keepquorumd MASTER (150), keepalived BACKUP (100) ---
	cap_start 1-kq-master
	kq_config 150
	kq_start_daemon "$KQ_HOST" "$KQ_DIR/kq.ini"
	kq_wait_ready "$KQ_HOST"
	kq_wait_state "$KQ_HOST" MASTER 10
	wait_vip_only "$KQ_HOST" "keepquorumd alone"
	n=$(ka_count 'Entering BACKUP STATE')
	ka_config 100
	kq_start_keepalived "$KA_HOST" "$KQ_DIR/ka.conf"
	kq_wait_for "(( \$(ka_count 'Entering BACKUP STATE') > $n ))" 10 "$C_NAME: keepalived in BACKUP"
	# keepalived's Master_Down_Interval at priority 100 is 3.61 s: watch for 4.5 s from now. Had
	# it dropped our adverts, it would be MASTER by then.
	n=$(ka_count 'Entering MASTER STATE')
	end=$(($(kq__now_usec) + 4500000))
	i=0
	while (($(kq__now_usec) < end)); do
		kq_assert_eq "$(kq_vip_holders "$C_VIP" "$KA_HOST" "$KQ_HOST")" "$KQ_HOST" \
			"$C_NAME: hosts with the VIP, keepquorumd MASTER and keepalived BACKUP (sample $i)"
		i=$((i + 1))
		sleep 0.2
	done
	kq_assert_eq "$(ka_count 'Entering MASTER STATE')" "$n" "$C_NAME: keepalived's MASTER transitions as BACKUP"
	kq_assert_jq "$KQ_HOST" '.instances[0].state' MASTER
	kq_assert_jq "$KQ_HOST" '.instances[0].counters.transitions.MASTER' 1
	kq_assert_jq "$KQ_HOST" '.instances[0].counters.transitions.BACKUP' 1
	kq_assert_jq "$KQ_HOST" '.instances[0].counters.dropped | length' 0
	rc=0
	kq_stop_daemon "$KQ_HOST" TERM || rc=$?
	kq_assert_eq "$rc" 0 "$C_NAME: keepquorumd's exit code on SIGTERM"
	kq_wait_for "(( \$(ka_count 'Entering MASTER STATE') > $n ))" 10 "$C_NAME: keepalived MASTER after keepquorumd stopped"
	wait_vip_only "$KA_HOST" "keepalived took over"
	cap_wait_advert ka 100
	load_capture
	assert_priorities kq 150 0
	assert_priorities ka 100
	i=$(first kq 0)
	((i > 0)) || kq_fail "$C_NAME: $CAP: keepquorumd sent no priority 0 on SIGTERM: $(timeline)"
	(($(count kq 150) >= 5)) || kq_fail "$C_NAME: $CAP: too few adverts from keepquorumd: $(timeline)"
	(($(last kq 150) < i)) || kq_fail "$C_NAME: $CAP: keepquorumd advertised after its priority 0: $(timeline)"
	assert_announced "$KQ_MAC" keepquorumd "$(first kq)"
	# keepalived waits Skew_Time (0.61 s) after a priority-0 advert it accepted; 3.61 s after one
	# it dropped
	assert_takeover kq ka 100 500 3000

	# --- 2. keepalived MASTER (150), keepquorumd BACKUP (100) ---
	cap_start 2-ka-master
	n=$(ka_count 'Reload complete')
	ka_config 150
	kill -HUP "$(kq_keepalived_pid "$KA_HOST")"
	kq_wait_for "(( \$(ka_count 'Reload complete') > $n ))" 10 "$C_NAME: keepalived reloaded"
	kq_config 100
	kq_start_daemon "$KQ_HOST" "$KQ_DIR/kq.ini"
	kq_wait_ready "$KQ_HOST"
	kq_wait_state "$KQ_HOST" BACKUP 5
	kq_wait_for "[[ \$(kq_inst $KQ_HOST .master_ip) == $C_KA_SRC ]]" 5 "$C_NAME: keepquorumd's master_ip $C_KA_SRC"
	kq_wait_for "(( \$(kq_inst $KQ_HOST .counters.adverts_received) >= 3 ))" 10 \
		"$C_NAME: keepquorumd accepted 3 adverts from keepalived"
	kq_assert_jq "$KQ_HOST" '.instances[0].state' BACKUP
	kq_assert_jq "$KQ_HOST" '.instances[0].master_ip' "$C_KA_SRC"
	kq_assert_jq "$KQ_HOST" '.instances[0].counters.transitions.MASTER' 0
	kq_assert_jq "$KQ_HOST" '.instances[0].counters.adverts_sent' 0
	kq_assert_no_bad_drops "keepalived MASTER"
	kq_assert_eq "$(kq_vip_holders "$C_VIP" "$KA_HOST" "$KQ_HOST")" "$KA_HOST" \
		"$C_NAME: hosts with the VIP, keepalived MASTER and keepquorumd BACKUP"
	rc=0
	kq_stop_keepalived "$KA_HOST" TERM || rc=$?
	kq_assert_eq "$rc" 0 "$C_NAME: keepalived's exit code on SIGTERM"
	kq_wait_state "$KQ_HOST" MASTER 10
	wait_vip_only "$KQ_HOST" "keepquorumd took over"
	kq_assert_jq "$KQ_HOST" '.instances[0].master_ip' "$C_KQ_SRC"
	cap_wait_advert kq 100
	load_capture
	# (the capture began before the reload: keepalived's adverts at 100, then at 150)
	i=$(first ka 150)
	assert_priorities ka 100 150 0
	(($(last ka 100) < i)) || kq_fail "$C_NAME: $CAP: keepalived advertised 100 after 150: $(timeline)"
	assert_priorities kq 100
	i=$(first ka 0)
	((i >= 0)) || kq_fail "$C_NAME: $CAP: keepalived sent no priority 0 on SIGTERM: $(timeline)"
	# keepquorumd accepted keepalived's priority 0: Skew_Time (0.61 s), not Master_Down_Interval
	assert_takeover ka kq 100 500 3000
	assert_announced "$KQ_MAC" keepquorumd

	# --- 3. preemption: keepquorumd MASTER (100) alone, keepalived (150) starts ---
	cap_start 3-preempt-crash
	cap_wait_advert kq 100
	n=$(ka_count 'Entering MASTER STATE')
	kq_start_keepalived "$KA_HOST" "$KQ_DIR/ka.conf"
	kq_wait_for "(( \$(ka_count 'Entering MASTER STATE') > $n ))" 15 "$C_NAME: keepalived preempted"
	kq_wait_state "$KQ_HOST" BACKUP 5
	wait_vip_only "$KA_HOST" "keepalived preempted"
	kq_wait_for "[[ \$(kq_inst $KQ_HOST .master_ip) == $C_KA_SRC ]]" 5 "$C_NAME: keepquorumd's master_ip $C_KA_SRC"
	kq_assert_jq "$KQ_HOST" '.instances[0].counters.transitions.BACKUP' 2
	kq_assert_no_bad_drops "preempted"
	# one more of keepalived's adverts, so that an advert keepquorumd sent after leaving MASTER
	# would be in the capture
	j=$(kq_inst "$KQ_HOST" .counters.adverts_received)
	kq_wait_for "(( \$(kq_inst $KQ_HOST .counters.adverts_received) > $j ))" 5 \
		"$C_NAME: keepquorumd heard keepalived as BACKUP"

	# --- 4. keepalived crashes (SIGKILL): keepquorumd takes over after Master_Down_Interval ---
	rc=0
	kq_stop_keepalived "$KA_HOST" KILL || rc=$?
	kq_assert_eq "$rc" 137 "$C_NAME: keepalived's exit status after SIGKILL"
	# keepalived leaves its VIP behind when it cannot clean up; keepquorumd must take over anyway
	kq_assert_eq "$(kq_vip_holders "$C_VIP" "$KA_HOST" "$KQ_HOST")" "$KA_HOST" \
		"$C_NAME: hosts with the VIP right after keepalived was killed"
	kq_setup ip -n "$(kq_ns "$KA_HOST")" addr del "$C_VIP" dev eth0
	kq_wait_state "$KQ_HOST" MASTER 15
	wait_vip_only "$KQ_HOST" "keepquorumd took over from a crashed keepalived"
	kq_assert_jq "$KQ_HOST" '.instances[0].counters.transitions.MASTER' 2
	kq_assert_no_bad_drops "after the crash"
	rc=0
	kq_stop_daemon "$KQ_HOST" TERM || rc=$?
	kq_assert_eq "$rc" 0 "$C_NAME: keepquorumd's exit code on SIGTERM"
	kq_assert_eq "$(kq_vip_holders "$C_VIP" "$KA_HOST" "$KQ_HOST")" "" "$C_NAME: hosts with the VIP at the end"
	cap_wait_advert kq 0
	load_capture
	# keepalived: 150 only (no priority 0: it was killed)
	assert_priorities ka 150
	assert_priorities kq 100 0
	# keepquorumd, preempted: silent from keepalived's first advert (give or take an advert of its
	# own already on its way) until keepalived's last; no priority 0 when leaving MASTER for a
	# higher priority (RFC 5798 6.4.3; keepalived does the same)
	i=$(first ka)
	n=$(last ka)
	for ((j = i + 1; j < n; j++)); do
		[[ ${P_WHO[j]} == kq ]] || continue
		(($(gap_ms "$i" "$j") <= 100)) ||
			kq_fail "$C_NAME: $CAP: keepquorumd advertised $(gap_ms "$i" "$j") ms after keepalived preempted it: $(timeline)"
	done
	(($(first kq 100) < i)) || kq_fail "$C_NAME: $CAP: keepquorumd was not advertising before keepalived: $(timeline)"
	(($(first kq 0) > n)) || kq_fail "$C_NAME: $CAP: keepquorumd sent priority 0 before its stop: $(timeline)"
	# Master_Down_Interval at priority 100: 3 s + Skew_Time 0.61 s, from the last advert heard
	assert_takeover ka kq 100 3400 8000 any
	assert_announced "$KQ_MAC" keepquorumd
	ka_assert_no_complaints
	kq_log "=== $C_NAME: passed"
}

# interop_auth_mismatch: v2, PASS "secret" (keepalived, 150) against PASS "other" (keepquorumd,
# 100).
interop_auth_mismatch() {
	local rc n
	C_NAME=v2-auth-mismatch C_VER=2 C_FAM=4 C_PASS=""
	C_VIP=10.77.0.100/24 C_VIP_ADDR=10.77.0.100 C_KA_SRC=10.77.0.1 C_KQ_SRC=10.77.0.2
	touch "$KA_LOG"
	KA_LOG_START=$(wc -l <"$KA_LOG")
	KA_MAC=$(kq_mac "$KA_HOST") KQ_MAC=$(kq_mac "$KQ_HOST")
	KA_MAC=${KA_MAC//:/} KQ_MAC=${KQ_MAC//:/}
	kq_log "=== $C_NAME: VRRPv2, keepalived auth_pass secret, keepquorumd auth_pass other"
	cap_start both-master
	n=$(ka_count 'Entering MASTER STATE')
	ka_config 150 secret
	kq_config 100 other
	kq_start_keepalived "$KA_HOST" "$KQ_DIR/ka.conf"
	kq_start_daemon "$KQ_HOST" "$KQ_DIR/kq.ini"
	kq_wait_ready "$KQ_HOST"
	kq_wait_for "(( \$(ka_count 'Entering MASTER STATE') > $n ))" 10 "$C_NAME: keepalived MASTER"
	# keepalived's adverts (priority 150) are dropped: keepquorumd becomes MASTER as well
	kq_wait_state "$KQ_HOST" MASTER 10
	# At least keepalived's first advert was dropped; how many more there are is keepalived's
	# business: its MASTER restarts its advert timer on every advert it receives, even one it
	# rejects, so while keepquorumd advertises every second it may stay silent for seconds (two
	# keepalived with different passwords do the same).
	kq_poll "(( \$(kq_inst $KQ_HOST '.counters.dropped.auth // 0') >= 1 ))" 5 ||
		kq_fail "$C_NAME: keepquorumd counted no dropped.auth within 5 s: $(kq_inst "$KQ_HOST" '.counters | @json')"
	kq_assert_jq "$KQ_HOST" '.instances[0].counters.dropped | keys | @json' '["auth"]'
	kq_assert_jq "$KQ_HOST" '.instances[0].counters.adverts_received' 0
	# keepquorumd keeps advertising as MASTER, and keepalived keeps rejecting it
	kq_wait_for "(( \$(kq_inst $KQ_HOST .counters.adverts_sent) >= 3 ))" 5 "$C_NAME: keepquorumd sent 3 adverts"
	kq_wait_for "(( \$(ka_count 'invalid passwd') >= 2 ))" 5 "$C_NAME: keepalived rejected our password twice"
	kq_assert_eq "$(kq_vip_holders "$C_VIP" "$KA_HOST" "$KQ_HOST")" "$KA_HOST $KQ_HOST" \
		"$C_NAME: hosts with the VIP (both MASTER)"
	kq_assert_jq "$KQ_HOST" '.instances[0].state' MASTER
	(($(ka_count 'Entering BACKUP STATE') == $(ka_count 'Entering MASTER STATE'))) ||
		kq_fail "$C_NAME: keepalived left MASTER"
	rc=0
	kq_stop_daemon "$KQ_HOST" TERM || rc=$?
	kq_assert_eq "$rc" 0 "$C_NAME: keepquorumd's exit code on SIGTERM"
	rc=0
	kq_stop_keepalived "$KA_HOST" TERM || rc=$?
	kq_assert_eq "$rc" 0 "$C_NAME: keepalived's exit code on SIGTERM"
	kq_capture_stop "$CAP"
	# on the wire: each advertised with its own password
	local decoded
	decoded=$(tcpdump -r "$KQ_DIR/$CAP.pcap" -nn -v 'proto 112' 2>/dev/null)
	grep -qiE 'bad|malformed|\[\|' <<<"$decoded" && kq_fail "$C_NAME: tcpdump finds something wrong:"$'\n'"$decoded"
	(($(grep -c "prio 150, authtype simple, intvl 1s, length 20, addrs: 10.77.0.100 auth \"secret\"" <<<"$decoded") >= 1)) ||
		kq_fail "$C_NAME: keepalived's adverts with auth \"secret\" missing:"$'\n'"$decoded"
	(($(grep -c "prio 100, authtype simple, intvl 1s, length 20, addrs: 10.77.0.100 auth \"other\"" <<<"$decoded") >= 3)) ||
		kq_fail "$C_NAME: keepquorumd's adverts with auth \"other\" missing:"$'\n'"$decoded"
	kq_log "=== $C_NAME: passed (both MASTER; keepquorumd dropped.auth, keepalived 'invalid passwd')"
}
