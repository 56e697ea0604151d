#!/bin/bash
# netns scenario: the metrics_listen HTTP endpoint, served by libmicrohttpd on the daemon's own
# event loop. h1 (priority 150, MASTER) listens on 10.77.0.1:9650, h2 (100, BACKUP) on a port
# alone (loopback only); h3..h7 are clients.
#  1. GET /metrics: 200, the exposition content type, a valid exposition (kq-promcheck), the same
#     families and series as keepquorumctl metrics, keepquorum_vrrp_state 2 for the MASTER; HEAD
#     (headers, no body), / (a pointer to /metrics), 404, 405 with Allow.
#  2. Garbage (400) and an oversized header (4xx), both closed at once.
#  3. Slow clients: a held half request is closed after the timeout (5 s); 50 of them from five
#     addresses (beyond the connection limit) while h1 keeps answering keepquorumctl at once, its
#     adverts never pause (capture on the bridge), h2 never leaves BACKUP; all 50 closed in the
#     end. One address opening 10: 2 closed at once (per-address limit 8), another client served
#     meanwhile.
#  4. h2's port-only metrics_listen is on 127.0.0.1 alone; a second daemon on h1's address exits
#     2 with the reason on stderr.
#  5. Reloads: keepquorumctl reload moves the endpoint to [fd77::1]:9651 (the old one closed); an
#     address that cannot be bound keeps the old listener while the rest of the reload applies;
#     SIGHUP moves it back. SIGTERM closes it.
# Built without libmicrohttpd: the warnings of keepquorumd -t and of the start are checked, and
# keepquorumctl metrics still works; then the scenario skips (a failure under
# KEEPQUORUM_REQUIRE_NETNS=1, where the endpoint must be there).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

# namespaces kqmh<PID>b, kqmh<PID>h1 ... (lib.sh names them after KQ_ID)
KQ_ID="kqmh$$"
kq_require_netns
command -v curl >/dev/null 2>&1 || kq_skip "'curl' is not installed"
PROMCHECK=$KQ_BUILDDIR/tests/unit/kq-promcheck
[[ -x $PROMCHECK ]] || kq_fail "$PROMCHECK is missing (make tests/unit/kq-promcheck)"
kq_lab_create 7

VIP=10.77.0.100/24
TIMEOUT_S=5        # HTTP_TIMEOUT_SEC in daemon/http.h
PER_IP=8           # HTTP_PER_IP_LIMIT

# write_cfg HOST PRIORITY METRICS_LISTEN: HOST's config (VRID 51, v3 at 0.2 s, the VIP).
write_cfg() {
	cat >"$KQ_DIR/$1.ini.tmp" <<EOF
[global]
router_id = node-$1
metrics_listen = $3

[vrrp_instance vi_51]
state = BACKUP
interface = eth0
virtual_router_id = 51
version = 3
priority = $2
advert_int = 0.2
virtual_ipaddress = $VIP
EOF
	mv "$KQ_DIR/$1.ini.tmp" "$KQ_DIR/$1.ini"
}

# get HOST URL [CURL ARGS...]: curl in HOST's namespace; sets CODE, CTYPE (as curl reports
# them; CODE 000 when no answer), BODY (the file holding the body), HDRS (the headers' file) and
# CURL_RC.
get() {
	local host=$1 url=$2 out
	shift 2
	BODY=$KQ_DIR/body HDRS=$KQ_DIR/headers CURL_RC=0
	rm -f "$BODY" "$HDRS"
	out=$(kq_exec "$host" curl -sS -g --max-time 5 -o "$BODY" -D "$HDRS" \
		-w '%{http_code} %{content_type}' "$@" "$url" 2>"$KQ_DIR/curl.err") || CURL_RC=$?
	CODE=${out%% *} CTYPE=${out#* }
}

# raw HOST ADDR PORT REQUEST: send REQUEST (printf escapes) on one TCP connection from HOST and
# print everything the server sends until it closes the connection (at most 10 s).
raw() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	kq_exec "$1" timeout 10 bash -c 'trap "" PIPE; exec 3<>"/dev/tcp/$1/$2" || exit 3
		printf "$3" >&3 2>/dev/null; cat <&3' raw "$2" "$3" "$4"
}

# The slow client, run by bash in a host's namespace: hold ADDR PORT N LIMIT opens N connections,
# sends on each half a request (no empty line) and waits: one line per connection when the
# server closes it, the milliseconds since it was opened; "open" for each still open after
# LIMIT s (then closed).
# shellcheck disable=SC2016 # expanded by the inner bash
HOLD='trap "" PIPE
addr=$1 port=$2 n=$3 limit=$4
declare -a fds=() opened=()
for ((i = 0; i < n; i++)); do
	if ! exec {fd}<>"/dev/tcp/$addr/$port"; then
		echo connect-failed
		continue
	fi
	opened[fd]=${EPOCHREALTIME/./}
	printf "GET /metrics HTTP/1.1\r\nHost: kq\r\nUser-Agent: slow\r\n" >&"$fd" 2>/dev/null
	fds+=("$fd")
done
echo "opened ${#fds[@]}" >&2
left=${#fds[@]} start=${EPOCHREALTIME/./}
while ((left > 0 && ${EPOCHREALTIME/./} - start < limit * 1000000)); do
	for fd in "${fds[@]}"; do
		[[ -n ${opened[fd]:-} ]] || continue
		read -r -t 0 -u "$fd" || continue
		while :; do
			read -r -t 0.05 -u "$fd" _ && continue
			rc=$?
			break
		done
		((rc == 1)) || continue
		echo $(((${EPOCHREALTIME/./} - opened[fd]) / 1000))
		unset "opened[fd]"
		exec {fd}>&-
		left=$((left - 1))
	done
	sleep 0.05
done
for fd in "${fds[@]}"; do
	if [[ -n ${opened[fd]:-} ]]; then
		echo open
		exec {fd}>&-
	fi
done'

# hold_start NAME HOST N LIMIT: the slow client in the background, its lines in $KQ_DIR/NAME.hold.
declare -A HOLD_PID=()
hold_start() {
	kq_exec "$2" bash -c "$HOLD" hold 10.77.0.1 9650 "$3" "$4" >"$KQ_DIR/$1.hold" \
		2>"$KQ_DIR/$1.hold.err" &
	HOLD_PID[$1]=$!
	KQ_PIDS+=("$!")
}

# hold_wait NAME: wait for the slow client NAME to end (it ends by itself after its LIMIT).
hold_wait() {
	local pid=${HOLD_PID[$1]}
	kq_poll "! kq__pid_alive $pid" 30 || kq_fail "slow client $1 still running after 30 s"
	wait "$pid" || kq_fail "slow client $1 failed: $(cat "$KQ_DIR/$1.hold.err")"
}

# cpu_ms NAME: the CPU time daemon NAME has used so far, in milliseconds.
cpu_ms() {
	local stat
	stat=$(cat "/proc/$(kq_pid "$1")/stat") || kq_fail "cannot read the stat of $1"
	stat=${stat##*) }
	# shellcheck disable=SC2086 # split into fields: utime and stime are the 12th and 13th here
	set -- $stat
	echo $(((${12} + ${13}) * 1000 / CLK_TCK))
}
CLK_TCK=$(getconf CLK_TCK)

# families TEXT / series TEXT: the # TYPE'd families, and the series (name and labels), sorted.
families() { awk '$1 == "#" && $2 == "TYPE" { print $3 }' <<<"$1" | sort; }
series() { awk '$1 !~ /^#/ && NF { print $1 }' <<<"$1" | sort; }

write_cfg h1 150 10.77.0.1:9650
write_cfg h2 100 9650

# --- built without libmicrohttpd? ------------------------------------------------------------
kq_assert_rc 0 "$KEEPQUORUMD" -t -f "$KQ_DIR/h1.ini"
if [[ $KQ_ERR == *"built without libmicrohttpd"* ]]; then
	kq_assert_contains "$KQ_ERR" "metrics_listen = 10.77.0.1:9650 is set" "keepquorumd -t's warning"
	kq_start_daemon h1 "$KQ_DIR/h1.ini"
	kq_wait_ready h1
	grep -q 'warning: metrics_listen = 10.77.0.1:9650 is set, but keepquorumd was built without libmicrohttpd' \
		"$KQ_DIR/h1.log" || kq_fail "h1 started without a warning that nothing listens"
	kq_assert_rc 0 kq_ctl h1 metrics
	"$PROMCHECK" <<<"$KQ_OUT" || kq_fail "keepquorumctl metrics is not a valid exposition"
	get h3 http://10.77.0.1:9650/metrics
	kq_assert_eq "$CODE" 000 "a scrape of a daemon built without libmicrohttpd"
	kq_skip "keepquorumd was built without libmicrohttpd: the endpoint itself is not tested"
fi
[[ -z $KQ_ERR ]] || kq_fail "keepquorumd -t warned about a valid config: $KQ_ERR"

kq_start_in_order h1 h2
kq_wait_state h1 MASTER 5
kq_wait_state h2 BACKUP 5
grep -q 'metrics served at http://10.77.0.1:9650/metrics' "$KQ_DIR/h1.log" ||
	kq_fail "h1 did not log where its metrics are served"
! grep -q 'serves no HTTP endpoint' "$KQ_DIR/h1.log" || kq_fail "h1 still says it serves no endpoint"

# --- 1. GET /metrics, HEAD, /, 404, 405 --------------------------------------------------------
get h3 http://10.77.0.1:9650/metrics
kq_assert_eq "$CURL_RC $CODE" "0 200" "GET /metrics: curl's exit code and the status ($(cat "$KQ_DIR/curl.err"))"
kq_assert_eq "$CTYPE" "text/plain; version=0.0.4; charset=utf-8" "GET /metrics: content type"
"$PROMCHECK" <"$BODY" || kq_fail "GET /metrics is not a valid exposition: $(cat "$BODY")"
http=$(cat "$BODY")
grep -qx 'keepquorum_vrrp_state{instance="vi_51"} 2' <<<"$http" ||
	kq_fail "GET /metrics: vi_51 is not in state 2 (MASTER): $(grep vrrp_state <<<"$http")"
kq_assert_rc 0 kq_ctl h1 metrics
ctl=$KQ_OUT
kq_assert_eq "$(families "$http")" "$(families "$ctl")" "families of GET /metrics vs keepquorumctl metrics"
kq_assert_eq "$(series "$http")" "$(series "$ctl")" "series of GET /metrics vs keepquorumctl metrics"
[[ $(families "$http" | wc -l) -ge 8 ]] || kq_fail "GET /metrics has too few families: $http"

get h3 http://10.77.0.1:9650/metrics -I
kq_assert_eq "$CODE" 200 "HEAD /metrics: status"
kq_assert_eq "$CTYPE" "text/plain; version=0.0.4; charset=utf-8" "HEAD /metrics: content type"
head_reply=$(raw h3 10.77.0.1 9650 'HEAD /metrics HTTP/1.0\r\n\r\n' | tr -d '\r')
kq_assert_contains "$head_reply" "HTTP/1.1 200" "a raw HEAD /metrics"
[[ $head_reply != *"# HELP"* ]] || kq_fail "HEAD /metrics sent a body: $head_reply"

get h3 http://10.77.0.1:9650/
kq_assert_eq "$CODE" 200 "GET /: status"
kq_assert_contains "$(cat "$BODY")" /metrics "GET /"
get h3 http://10.77.0.1:9650/nope
kq_assert_eq "$CODE" 404 "GET /nope: status"
get h3 http://10.77.0.1:9650/metrics/x
kq_assert_eq "$CODE" 404 "GET /metrics/x: status"
for m in POST PUT DELETE; do
	get h3 http://10.77.0.1:9650/metrics -X "$m"
	kq_assert_eq "$CODE" 405 "$m /metrics: status"
	grep -qi '^Allow: GET, HEAD' "$HDRS" || kq_fail "$m /metrics: no 'Allow: GET, HEAD': $(cat "$HDRS")"
done

# --- 2. garbage, an oversized header --------------------------------------------------------
reply=$(raw h3 10.77.0.1 9650 'garbage\001\002 nonsense\r\n\r\n') ||
	kq_fail "garbage: the connection was not closed within 10 s (exit $?)"
[[ $reply == "HTTP/1.1 400"* ]] || kq_fail "garbage: expected a 400, got: $reply"
big=$(printf '%20000s' '' | tr ' ' a)
reply=$(raw h3 10.77.0.1 9650 "GET /metrics HTTP/1.1\\r\\nHost: kq\\r\\nX-Big: $big\\r\\n\\r\\n") ||
	kq_fail "a 20000-byte header: the connection was not closed within 10 s (exit $?)"
[[ $reply =~ ^HTTP/1\.[01]\ 4[0-9][0-9] ]] || kq_fail "a 20000-byte header: expected a 4xx, got: $reply"
kq_log "a 20000-byte header: ${reply%%$'\r'*}"
kq_assert_jq h1 '.instances[0].state' MASTER

# --- 3. slow clients --------------------------------------------------------------------------
kq_capture_start adverts "$KQ_BRIDGE_NS" br0 "ip proto 112"
adverts_rx=$(kq_inst h2 .counters.adverts_received)
cpu_before=$(cpu_ms h1)
# one held half request, from h2's address, before the crowd comes
hold_start probe h2 1 15
kq_wait_for "grep -q 'opened 1' '$KQ_DIR/probe.hold.err'" 3 "the probe connection opened"
flood_start=$EPOCHREALTIME
for h in h3 h4 h5 h6 h7; do
	hold_start "$h" "$h" 10 20
done
# while they hold every slot: the control socket answers, the backup stays BACKUP. The time of
# a keepquorumctl run is mostly its own start on a loaded machine (hundreds of ms under ASan): the
# bound only catches a loop held up by the clients (their timeout is 5 s); the adverts' gaps
# below are the fine measure.
lat=""
for ((i = 0; i < 16; i++)); do
	t0=${EPOCHREALTIME/./}
	kq_ctl h1 status --json >/dev/null || kq_fail "h1: status failed during the flood"
	dt=$(((${EPOCHREALTIME/./} - t0) / 1000))
	lat+=" $dt"
	((dt < 3000)) || kq_fail "h1: status took $dt ms during the flood (so far:$lat)"
	kq_assert_eq "$(kq_state h2)" BACKUP "h2's state during the flood (sample $i)"
	kq_assert_eq "$(kq_vip_holders $VIP h1 h2)" h1 "holders of $VIP during the flood (sample $i)"
	sleep 0.2
done
kq_log "flood: keepquorumctl status took (ms):$lat"
hold_wait probe
probe=$(cat "$KQ_DIR/probe.hold")
[[ $probe =~ ^[0-9]+$ ]] || kq_fail "the held half request was not closed by the server: '$probe'"
((probe >= (TIMEOUT_S - 1) * 1000 && probe <= (TIMEOUT_S + 3) * 1000)) ||
	kq_fail "the held half request was closed after $probe ms, expected about $TIMEOUT_S s"
for h in h3 h4 h5 h6 h7; do
	hold_wait "$h"
done
flood_end=$EPOCHREALTIME
# a busy loop on connections it cannot accept would burn a core for the whole flood
cpu=$(($(cpu_ms h1) - cpu_before))
kq_log "flood: h1 used $cpu ms of CPU in $(((${flood_end/./} - ${flood_start/./}) / 1000)) ms"
((cpu < 2000)) || kq_fail "h1 used $cpu ms of CPU during the flood"
cat "$KQ_DIR"/h[3-7].hold >"$KQ_DIR/flood.closed"
kq_assert_eq "$(grep -c . "$KQ_DIR/flood.closed")" 50 "connections of the flood accounted for"
! grep -qv '^[0-9][0-9]*$' "$KQ_DIR/flood.closed" ||
	kq_fail "flood: connections not closed by the server: $(grep -v '^[0-9]' "$KQ_DIR/flood.closed" | sort | uniq -c)"
kq_log "flood: closed after (ms): $(sort -n "$KQ_DIR/flood.closed" | tr '\n' ' ')"
kq_capture_stop adverts
# h1's adverts never paused: no gap of 3 advert intervals (0.6 s) during the flood
gap=$(kq_vrrp_adverts adverts | awk -v a="$flood_start" -v b="$flood_end" '
	$2 == "10.77.0.1" && $1 >= a - 1 && $1 <= b { if (last != "" && $1 - last > max) max = $1 - last; last = $1; n++ }
	END { printf "%d %.3f\n", n, max }')
kq_log "flood: h1's adverts seen, longest gap (s): $gap"
((${gap%% *} >= 40)) || kq_fail "flood: only ${gap%% *} adverts of h1 captured"
awk -v g="${gap#* }" 'BEGIN { exit !(g < 0.6) }' || kq_fail "flood: h1's adverts paused for ${gap#* } s"
kq_assert_jq h2 '.instances[0].state' BACKUP
kq_assert_jq h2 '.instances[0].counters.transitions.MASTER' 0
kq_assert_jq h2 ".instances[0].counters.adverts_received > $adverts_rx + 40" true
kq_assert_jq h1 '.instances[0].counters.transitions.MASTER' 1

# one address, 10 connections: 2 over the per-address limit closed at once, the rest held while
# another client is served
hold_start perip h3 10 15
kq_wait_for "grep -q 'opened 10' '$KQ_DIR/perip.hold.err'" 3 "h3's 10 connections opened"
sleep 0.5
get h4 http://10.77.0.1:9650/metrics
kq_assert_eq "$CODE" 200 "GET /metrics from h4 while h3 holds $PER_IP connections"
hold_wait perip
quick=$(awk '$1 ~ /^[0-9]+$/ && $1 < 2000' "$KQ_DIR/perip.hold" | wc -l)
held=$(awk -v t=$(((TIMEOUT_S - 1) * 1000)) '$1 ~ /^[0-9]+$/ && $1 >= t' "$KQ_DIR/perip.hold" | wc -l)
kq_assert_eq "$quick $held" "$((10 - PER_IP)) $PER_IP" \
	"h3's connections closed at once / after the timeout ($(tr '\n' ' ' <"$KQ_DIR/perip.hold"))"

kq_alive h1 || kq_fail "h1 died"
get h3 http://10.77.0.1:9650/metrics
kq_assert_eq "$CODE" 200 "GET /metrics after the slow clients"
"$PROMCHECK" <"$BODY" || kq_fail "GET /metrics after the slow clients is not a valid exposition"

# --- 4. a port alone is loopback; a bind failure at start ------------------------------------
get h2 http://127.0.0.1:9650/metrics
kq_assert_eq "$CODE" 200 "h2: GET http://127.0.0.1:9650/metrics"
grep -qx 'keepquorum_vrrp_state{instance="vi_51"} 1' "$BODY" ||
	kq_fail "h2: vi_51 is not in state 1 (BACKUP): $(grep vrrp_state "$BODY")"
get h1 http://10.77.0.2:9650/metrics
kq_assert_eq "$CODE" 000 "GET h2's port on its lab address (metrics_listen = 9650 is loopback only)"
printf '[global]\nrouter_id = dup\nmetrics_listen = 10.77.0.1:9650\n' >"$KQ_DIR/dup.ini"
kq_assert_rc 2 kq_exec h1 timeout 10 "$KEEPQUORUMD" -l -f "$KQ_DIR/dup.ini" \
	--ctl-socket "$KQ_DIR/dup.sock" --state-dir "$KQ_DIR/dup-state"
kq_assert_contains "$KQ_ERR" "metrics_listen 10.77.0.1:9650: bind: Address already in use" \
	"the stderr of a second daemon on h1's address"
[[ ! -e $KQ_DIR/dup.sock ]] || kq_fail "the daemon that could not bind left its control socket"

# --- 5. reloads -------------------------------------------------------------------------------
write_cfg h1 150 '[fd77::1]:9651'
kq_assert_rc 0 kq_ctl h1 reload
get h3 'http://[fd77::1]:9651/metrics'
kq_assert_eq "$CODE" 200 "GET http://[fd77::1]:9651/metrics after the reload"
"$PROMCHECK" <"$BODY" || kq_fail "GET over IPv6 is not a valid exposition"
get h3 http://10.77.0.1:9650/metrics
kq_assert_eq "$CODE" 000 "the old address after the reload moved the endpoint"

# an address h1 does not have: the old listener stays, the new priority applies
write_cfg h1 160 10.77.0.99:9652
kq_assert_rc 0 kq_ctl h1 reload
kq_assert_jq h1 '.instances[0].priority' 160
get h3 'http://[fd77::1]:9651/metrics'
kq_assert_eq "$CODE" 200 "the old endpoint after a reload to an address that cannot be bound"
kq_wait_for "grep -q 'metrics_listen 10.77.0.99:9652: bind: .*; still serving on \[fd77::1\]:9651' '$KQ_DIR/h1.log'" \
	3 "h1 logs why the new address was not bound"

write_cfg h1 160 10.77.0.1:9650
kq_signal h1 HUP
kq_wait_for "[[ \$(kq_exec h3 curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://10.77.0.1:9650/metrics) == 200 ]]" \
	5 "GET http://10.77.0.1:9650/metrics after SIGHUP moved the endpoint back"
get h3 'http://[fd77::1]:9651/metrics'
kq_assert_eq "$CODE" 000 "[fd77::1]:9651 after SIGHUP moved the endpoint back"

# --- stop ------------------------------------------------------------------------------------
rc=0
kq_stop_daemon h1 || rc=$?
kq_assert_eq "$rc" 0 "h1's exit code on SIGTERM"
get h3 http://10.77.0.1:9650/metrics
kq_assert_eq "$CODE" 000 "GET /metrics after h1 stopped"
echo "ok: $KQ_TEST_NAME"
