# shellcheck shell=bash
# Shared by the quorum scenarios (tests/netns/quorum-*.sh), sourced after lib.sh and
# kq_lab_create: a cluster's config files, an observer of the VIP's holders, and the questions
# asked of the members (who leads, do they agree).
#
# QL_VIP     the gated VIP (10.77.0.100 unless set before sourcing)
# QL_HOSTS   the members that hold an instance -- the hosts the observer watches
# QL_MEMBERS every member, witnesses included
# QL_HEARTBEAT, QL_ELECTION_TIMEOUT  the members' heartbeat_interval and election_timeout (0.1
#            and 2 unless set before ql_cluster)
: "${QL_VIP:=10.77.0.100}"
QL_HOSTS=()
QL_MEMBERS=()
QL_KEY="$KQ_DIR/cluster.key"
# What ql_cluster writes may be extended (set these after sourcing, before ql_cluster):
# QL_GLOBAL_EXTRA  ini lines for every member's [global] section (newline-separated)
# QL_PRIORITY      a member's VRRP priority, by host (QL_PRIORITY[h1]=200); 100 if unset
# QL_HOST_INI      the name of a function, called with each member's host name: what it prints
#                  is appended to that member's ini (sections of its own, e.g. a [pg_check])
QL_GLOBAL_EXTRA=""
declare -gA QL_PRIORITY=()
QL_HOST_INI=""

# ql__global_extra: stdin to stdout, QL_GLOBAL_EXTRA added after the first router_id line (read
# from the environment, not awk -v: no escape sequences are taken from it).
ql__global_extra() {
	QL_X=$QL_GLOBAL_EXTRA awk '{ print } /^router_id = / && !done {
		if (ENVIRON["QL_X"] != "") print ENVIRON["QL_X"]; done = 1 }'
}

# ql_cluster MEMBER... [-- WITNESS...]: write $KQ_DIR/MEMBER.ini for a cluster of these lab hosts
# (hN at 10.77.0.N, quorum port 5405, one shared key, heartbeat_interval QL_HEARTBEAT (0.1),
# election_timeout QL_ELECTION_TIMEOUT (2)): every member but the witnesses gates vi_51 (VRID
# 51, the VIP) on the quorum. Extra ini lines for every member's [quorum] section may be given
# in QL_QUORUM_EXTRA, for its instance in QL_INSTANCE_EXTRA (newline-separated); see also
# QL_GLOBAL_EXTRA, QL_PRIORITY, QL_HOST_INI.
ql_cluster() {
	local h j peers witnesses=() is_w
	while (($#)); do
		if [[ $1 == -- ]]; then
			shift
			witnesses=("$@")
			break
		fi
		QL_HOSTS+=("$1")
		shift
	done
	QL_MEMBERS=("${QL_HOSTS[@]}" "${witnesses[@]}")
	head -c 32 /dev/urandom | base64 >"$QL_KEY"
	chmod 600 "$QL_KEY"
	for h in "${QL_MEMBERS[@]}"; do
		peers=""
		for j in "${QL_MEMBERS[@]}"; do
			[[ $j == "$h" ]] || peers+="${peers:+, }$j@10.77.0.${j#h}:5405"
		done
		is_w=no
		[[ " ${witnesses[*]} " == *" $h "* ]] && is_w=yes
		{
			if [[ $is_w == yes ]]; then
				printf '[global]\nrouter_id = node-%s\n' "$h"
			else
				kq_vrrp_ini "$h" vi_51 "virtual_router_id = 51" \
					"priority = ${QL_PRIORITY[$h]:-100}" \
					"advert_int = 1" "version = 3" "virtual_ipaddress = $QL_VIP/24" \
					"quorum = yes" "${QL_INSTANCE_EXTRA:-}"
			fi
			printf '\n[quorum]\nnode_id = %s\nbind = 10.77.0.%s:5405\npeers = %s\n' \
				"$h" "${h#h}" "$peers"
			printf 'secret_file = %s\nheartbeat_interval = %s\nelection_timeout = %s\n' \
				"$QL_KEY" "${QL_HEARTBEAT:-0.1}" "${QL_ELECTION_TIMEOUT:-2}"
			printf 'witness = %s\n' "$is_w"
			[[ -n ${QL_QUORUM_EXTRA:-} ]] && printf '%s\n' "$QL_QUORUM_EXTRA"
			if [[ -n $QL_HOST_INI ]]; then
				printf '\n'
				"$QL_HOST_INI" "$h"
			fi
		} | ql__global_extra >"$KQ_DIR/$h.ini"
	done
	return 0
}

# ql_start: start every member and wait for each to be ready.
ql_start() {
	local h
	for h in "${QL_MEMBERS[@]}"; do kq_start_daemon "$h" "$KQ_DIR/$h.ini"; done
	for h in "${QL_MEMBERS[@]}"; do kq_wait_ready "$h"; done
}

# The observer: every instance host's addresses, one sample after the other, each line
# "TIME HOST 0|1". The hosts are read one at a time, so a VIP that moves between two reads can
# look held twice; proof of two holders is a host seen holding it between two consecutive
# samples of another host that both saw it held.
ql__observe() {
	local h a
	while :; do
		for h in "${QL_HOSTS[@]}"; do
			# read whole, not piped into grep -q: with pipefail, grep leaving early would
			# fail ip (SIGPIPE) and a held VIP would look absent
			a=$(ip -n "${KQ_HOST_NS[$h]}" -o addr show dev eth0 2>/dev/null) || a=""
			if [[ $a == *" $QL_VIP/24 "* ]]; then
				echo "$EPOCHREALTIME $h 1"
			else
				echo "$EPOCHREALTIME $h 0"
			fi
		done
		sleep 0.002
	done
}

# ql_observe: start the observer (it runs until the test ends).
ql_observe() {
	ql__observe >"$KQ_DIR/samples" 2>/dev/null &
	KQ_PIDS+=("$!")
}

# ql_check_never_two: fail if the samples so far prove two holders at once.
ql_check_never_two() {
	local bad
	bad=$(awk '
		{ t = $1; h = $2; v = $3
		  # h holds it now: note it in the span of every other host last seen holding it
		  if (v == 1) for (o in last1) if (o != h && last1[o] != "") cand[o] = cand[o] " " h "@" t
		  # o seen holding it again: whoever held it in between held it at the same time
		  if (v == 1 && last1[h] != "" && cand[h] != "") {
			print h " held the VIP from " last1[h] " to " t ", and so did" cand[h]; exit
		  }
		  cand[h] = ""
		  last1[h] = v == 1 ? t : "" }' "$KQ_DIR/samples")
	[[ -z $bad ]] || kq_fail "the VIP was on two hosts at once: $bad"
}

# ql_holders_log: the changes of who holds the VIP, for the log.
ql_holders_log() {
	awk '{ v[$2] = $3; s = ""; for (h in v) if (v[h] == 1) s = s (s == "" ? "" : "+") h; if (s != last) { printf "%s %s;", $1, (s == "" ? "-" : s); last = s } }' "$KQ_DIR/samples"
}

# ql_gap SINCE: seconds from the first sample after SINCE (an $EPOCHREALTIME) with no holder to
# the next sample with one; empty when the VIP never left its holder.
ql_gap() {
	awk -v since="$1" '
		{ v[$2] = $3; n = 0; for (h in v) n += v[h] }
		$1 < since { next }
		n == 0 && !gone { gone = $1 }
		n > 0 && gone { printf "%.3f\n", $1 - gone; exit }' "$KQ_DIR/samples"
}

# ql_leader NAME: the leader NAME's daemon knows, "null" when none, "-" when it cannot be asked.
ql_leader() {
	local json
	json=$(kq_status "$1" 2>/dev/null) || { echo -; return 0; }
	jq -r '.quorum.leader' <<<"$json"
}

# ql_agreed HOST...: true when every HOST names one leader among them, which says it leads with
# a lease.
ql_agreed() {
	local l h json
	l=$(ql_leader "$1")
	# one of them (a frozen node is not asked: its control socket does not answer)
	[[ " $* " == *" $l "* ]] || return 1
	for h in "$@"; do
		[[ $(ql_leader "$h") == "$l" ]] || return 1
	done
	json=$(kq_status "$l" 2>/dev/null) || return 1
	[[ $(jq -r '.quorum.role + " " + (.quorum.has_quorum | tostring)' <<<"$json") == "leader true" ]]
}

# ql_wait_leader TIMEOUT HOST...: wait until the HOSTs agree on a leader; prints it.
ql_wait_leader() {
	local t=$1
	shift
	kq_poll "ql_agreed $*" "$t" ||
		kq_fail "no common leader among $* within $t s: $(for h in "$@"; do echo "$h:"; kq_status "$h" 2>&1 | jq -c '.quorum | {role,term,leader,has_quorum,lease_remaining_ms}' 2>&1; done)"
	ql_leader "$1"
}

# ql_others HOST: the members other than HOST, space-separated.
ql_others() {
	local h out=()
	for h in "${QL_MEMBERS[@]}"; do [[ $h == "$1" ]] || out+=("$h"); done
	echo "${out[*]}"
}

# ql_wait_holder HOST TIMEOUT: wait until HOST, and only it, holds the VIP.
ql_wait_holder() {
	kq_wait_for "[[ \$(kq_vip_holders $QL_VIP/24 ${QL_HOSTS[*]}) == $1 ]]" "$2" "the VIP on $1 only"
}

# ql_pg_members SCRIPTS [LINE...]: members h1..h3 over the PostgreSQL servers db1..db3
# (tests/pg/lib.sh): for each, a defaults file for the shipped scripts in SCRIPTS
# ($KQ_DIR/hN.pg.env, pg_scripts_env: to start its daemon with as PG_SCRIPTS_ENV) and a [pg_check pg] on its own server (QL_HOST_INI); the scripts run
# as postgres; vi_51 tracks the check and runs pg-promote and pg-demote, with the LINEs (ini
# lines of its own). ql_cluster writes the configs after.
ql_pg_members() {
	local scripts=$1 i
	shift
	for i in 1 2 3; do
		pg_scripts_env "$KQ_DIR/h$i.pg.env" "db$i"
	done
	QL_HOST_INI=ql__pg_check_ini
	QL_GLOBAL_EXTRA="script_user = postgres"
	QL_INSTANCE_EXTRA=$(printf '%s\n' "track_script = pg" "$@" "promote = $scripts/pg-promote" \
		"demote = $scripts/pg-demote" "promote_timeout = 15")
}

# ql__pg_check_ini HOST: ql_pg_members's [pg_check pg] for HOST (hN: server dbN)
ql__pg_check_ini() {
	printf '[pg_check pg]\nconninfo = %s connect_timeout=2\ninterval = 0.3\ntimeout = 2\n' \
		"$(pg_conninfo "db${1#h}")"
	printf 'rise = 1\nfall = 2\n'
}

# ql_partition HOST [both|in|out]: cut HOST off the lab with nftables rules inside its own
# namespace -- everything on eth0 dropped (or only what comes in, or only what goes out) while
# the link stays up, as a switch port that goes deaf or mute does. The host's addresses are
# still read by the observer: it asks the kernel, not the network.
ql_partition() {
	local ns dir=${2:-both}
	command -v nft >/dev/null 2>&1 || kq_skip "'nft' is not installed (apt-get install nftables)"
	ns=$(kq_ns "$1") || exit 1
	kq_setup ip netns exec "$ns" nft add table inet kqpart
	if [[ $dir != out ]]; then
		kq_setup ip netns exec "$ns" nft add chain inet kqpart in \
			'{ type filter hook input priority -300 ; policy accept ; }'
		kq_setup ip netns exec "$ns" nft add rule inet kqpart in iifname eth0 drop
	fi
	if [[ $dir != in ]]; then
		kq_setup ip netns exec "$ns" nft add chain inet kqpart out \
			'{ type filter hook output priority -300 ; policy accept ; }'
		kq_setup ip netns exec "$ns" nft add rule inet kqpart out oifname eth0 drop
	fi
}

# ql_heal HOST: remove ql_partition's rules.
ql_heal() {
	local ns
	ns=$(kq_ns "$1") || exit 1
	kq_setup ip netns exec "$ns" nft delete table inet kqpart
}

# ql_send FROM TO FILE: FILE's bytes as one UDP datagram from host FROM to TO's quorum port.
# From a file, by cat: bash's printf may write its output in more than one piece, each its own
# datagram.
ql_send() {
	kq_exec "$1" bash -c "cat '$3' >/dev/udp/10.77.0.${2#h}/5405"
}
