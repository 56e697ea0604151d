#!/bin/bash
# netns scenario: failover between two real daemons, seen by an observer (h3) that captures every
# advert and ARP frame on the LAN. VRRPv2 (keepalived's default) with advert_int 1, so the
# figures are keepalived's: Master_Down_Interval = 3 + (256 - 100)/256 = 3.609 s for h2, and
# Skew_Time = (256 - 150)/256 = 0.414 s for h1 (RFC 3768 6.1). h1 has priority 150 and
# nopreempt (so that, restarted, it stays BACKUP under h2), h2 priority 100.
#  1. kill -9 of the MASTER (h1): h2 takes over one Master_Down_Interval after h1's last advert
#     (measured between the captured adverts), holds the VIP, and the observer sees its
#     gratuitous ARP for the VIP from h2's MAC.
#  2. h1 restarted is BACKUP under h2. SIGTERM of h2: it sends priority 0, removes its VIP, and
#     h1 takes over after Skew_Time, far sooner than Master_Down_Interval (measured between h2's
#     priority-0 advert and h1's first advert, both captured).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
kq_lab_create 3

VIP=10.77.0.100
# RFC 3768 6.1, in microseconds
DOWN_H2=$((3000000 + (256 - 100) * 1000000 / 256))    # 3609375
DOWN_H1=$((3000000 + (256 - 150) * 1000000 / 256))    # 3414062
SKEW_H1=$(((256 - 150) * 1000000 / 256))              # 414062

# write_cfg HOST PRIORITY [EXTRA]: the config of HOST's daemon.
write_cfg() {
	kq_vrrp_ini "$1" vi_51 "virtual_router_id = 51" "version = 2" "priority = $2" \
		"advert_int = 1" "virtual_ipaddress = $VIP/24" "${3:-}" >"$KQ_DIR/$1.ini"
}

# usec SECONDS.MICROS: tcpdump's timestamp in microseconds.
usec() {
	echo $((10#${1%.*} * 1000000 + 10#${1#*.}))
}

write_cfg h1 150 "nopreempt = yes"
write_cfg h2 100
MAC1=$(kq_mac h1)
MAC2=$(kq_mac h2)

kq_capture_start lan "$(kq_ns h3)" eth0 'arp or ip proto 112'
kq_start_in_order h1 h2
# h1's down timer (3.41 s) started first and runs out first: h1 is MASTER, h2 follows it.
kq_wait_state h1 MASTER 6
kq_wait_state h2 BACKUP 2
kq_wait_for "[[ \$(kq_inst h2 .master_ip) == 10.77.0.1 ]]" 3 "h2: master_ip 10.77.0.1"
kq_assert_eq "$(kq_vip_holders $VIP/24 h1 h2 h3)" h1 "hosts holding the VIP"
kq_assert_jq h2 '.instances[0].counters.transitions.MASTER' 0

# --- 1. kill -9 of the master ------------------------------------------------------------------
rc=0
kq_stop_daemon h1 KILL || rc=$?
kq_assert_eq "$rc" 137 "exit status of h1's daemon after SIGKILL"
# A SIGKILLed daemon cannot remove its VIP: it stays on h1's eth0, as keepalived leaves it (only
# a quorum-gated VIP has a kernel lifetime). Both hosts would answer ARP for it; an operator (or
# ExecStopPost=keepquorumd --release) removes it. We delete it by hand, so that the observer's
# view of who has the VIP depends on h2 alone.
kq_has_addr h1 $VIP/24 || kq_fail "h1's VIP vanished after SIGKILL (expected it to stay, as keepalived)"
kq_setup ip -n "$(kq_ns h1)" addr del $VIP/24 dev eth0

kq_wait_state h2 MASTER 6
kq_wait_for "[[ \$(kq_vip_holders $VIP/24 h1 h2 h3) == h2 ]]" 1 "the VIP on h2 only"
kq_assert_jq h2 '.instances[0].master_ip' 10.77.0.2
# the gratuitous ARPs are sent at once on becoming MASTER
kq_wait_for "(( \$(kq_inst h2 .counters.garps_sent) > 0 ))" 2 "h2: garps_sent > 0"
kq_assert_jq h2 '.instances[0].counters.garps_failed' 0
sleep 0.5

# From the capture: h1's last advert, h2's first, and h2's gratuitous ARP after it.
mapfile -t adverts < <(kq_vrrp_adverts lan)
last_h1="" first_h2=""
for a in "${adverts[@]}"; do
	read -r ts src _ ttl ver vrid prio _ eth <<<"$a"
	kq_assert_eq "$ttl $ver $vrid" "255 2 51" "TTL, version and VRID of the advert '$a'"
	case $src in
	10.77.0.1) last_h1=$ts; kq_assert_eq "$prio $eth" "150 ${MAC1//:/}" "h1's advert '$a'" ;;
	10.77.0.2) [[ -n $first_h2 ]] || first_h2=$ts ;;
	*) kq_fail "an advert from $src: '$a'" ;;
	esac
done
[[ -n $last_h1 && -n $first_h2 ]] ||
	kq_fail "no advert of h1 ('$last_h1') or of h2 ('$first_h2') captured:"$'\n'"$(kq_capture_decoded lan)"
gap=$(($(usec "$first_h2") - $(usec "$last_h1")))
kq_log "kill -9: h2's first advert $((gap / 1000)) ms after h1's last (Master_Down_Interval $((DOWN_H2 / 1000)) ms)"
((gap >= DOWN_H2 - 200000 && gap <= DOWN_H2 + 1000000)) ||
	kq_fail "h2 took over $gap us after h1's last advert; Master_Down_Interval is $DOWN_H2 us"
garp=0
while read -r ts esrc edst op smac sip _ tip; do
	(($(usec "$ts") >= $(usec "$first_h2") - 100000)) || continue
	if [[ $esrc == "${MAC2//:/}" && $edst == ffffffffffff && $op == 1 && $smac == "${MAC2//:/}" &&
		$sip == "$VIP" && $tip == "$VIP" ]]; then
		garp=$((garp + 1))
	fi
done < <(kq_arp_frames lan)
((garp >= 1)) || kq_fail "the observer captured no gratuitous ARP for $VIP from h2's MAC $MAC2:"$'\n'"$(kq_capture_decoded lan)"

# --- 2. SIGTERM of the new master: the restarted h1 takes over after Skew_Time ---------------
kq_start_daemon h1 "$KQ_DIR/h1.ini"
kq_wait_ready h1
kq_wait_state h1 BACKUP 2
kq_wait_for "[[ \$(kq_inst h1 .master_ip) == 10.77.0.2 ]]" 3 "restarted h1: master_ip 10.77.0.2"
# nopreempt: h1 (150) does not take over from h2 (100), even after its down timer
sleep $((DOWN_H1 / 1000000 + 1))
kq_assert_jq h1 '.instances[0].state' BACKUP
kq_assert_jq h2 '.instances[0].state' MASTER
kq_assert_eq "$(kq_vip_holders $VIP/24 h1 h2 h3)" h2 "hosts holding the VIP (nopreempt)"

rc=0
kq_stop_daemon h2 || rc=$?
kq_assert_eq "$rc" 0 "exit code of h2's daemon on SIGTERM"
! kq_has_addr h2 $VIP/24 || kq_fail "h2 still has the VIP after a graceful stop"
kq_wait_state h1 MASTER 3
kq_wait_for "[[ \$(kq_vip_holders $VIP/24 h1 h2 h3) == h1 ]]" 1 "the VIP on h1 only"
sleep 0.5
kq_capture_stop lan

mapfile -t adverts < <(kq_vrrp_adverts lan)
zero_h2="" next_h1=""
for a in "${adverts[@]}"; do
	read -r ts src _ _ _ _ prio _ _ <<<"$a"
	if [[ $src == 10.77.0.2 && $prio == 0 && -z $zero_h2 ]]; then
		zero_h2=$ts
	elif [[ $src == 10.77.0.1 && -n $zero_h2 && -z $next_h1 ]]; then
		kq_assert_eq "$prio" 150 "priority of h1's first advert as MASTER"
		next_h1=$ts
	fi
done
[[ -n $zero_h2 ]] || kq_fail "no priority-0 advert from h2 captured:"$'\n'"$(kq_capture_decoded lan)"
[[ -n $next_h1 ]] || kq_fail "no advert from h1 after h2's priority 0:"$'\n'"$(kq_capture_decoded lan)"
gap=$(($(usec "$next_h1") - $(usec "$zero_h2")))
kq_log "SIGTERM: h1's first advert $((gap / 1000)) ms after h2's priority 0" \
	"(Skew_Time $((SKEW_H1 / 1000)) ms, Master_Down_Interval $((DOWN_H1 / 1000)) ms)"
((gap >= SKEW_H1 - 100000 && gap < DOWN_H1 / 2)) ||
	kq_fail "h1 took over $gap us after h2's priority 0: expected about Skew_Time ($SKEW_H1 us)," \
		"well under Master_Down_Interval/2 ($((DOWN_H1 / 2)) us)"
garp=0
while read -r ts esrc _ op smac sip _ tip; do
	(($(usec "$ts") >= $(usec "$zero_h2"))) || continue
	[[ $esrc == "${MAC1//:/}" && $op == 1 && $smac == "${MAC1//:/}" && $sip == "$VIP" && $tip == "$VIP" ]] &&
		garp=$((garp + 1))
done < <(kq_arp_frames lan)
((garp >= 1)) || kq_fail "no gratuitous ARP for $VIP from h1's MAC $MAC1 after the switch"

echo "PASS: $KQ_TEST_NAME"
