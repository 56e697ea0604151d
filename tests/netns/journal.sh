#!/bin/bash
# netns scenario: the structured journal. Three quorum members log to "the journal" -- each daemon
# runs in a mount namespace of its own whose /run/systemd/journal/socket is a listener of the
# test, with JOURNAL_STREAM naming its stderr, as under systemd -- and every failover, election,
# hook result, reload and state dump must be found by its MESSAGE_ID and fields alone, the way
# `journalctl MESSAGE_ID=... KEEPQUORUM_STATE=MASTER` would.
#  1. start: STARTED per node; the leader's QUORUM_ROLE "leader" entry, its instance's VRRP_STATE
#     and its sync group's GROUP_STATE BACKUP -> MASTER entries and promote's HOOK_RESULT ok,
#     all with KEEPQUORUM_TERM = the term;
#     nothing of it on stderr (the journal has it).
#  2. kill -9 of the leader: the new leader's entries carry the new term; across the members,
#     the MASTER entries are exactly the two holders.
#  3. a failing notify_master: HOOK_RESULT failed at PRIORITY warning.
#  4. SIGUSR1: a STATE_DUMP entry whose MESSAGE holds the status object.
#  5. a reload with a bad file: RELOAD refused at PRIORITY err; a good one: RELOAD ok.
#  6. SIGTERM of the leader: HANDOVER begun, then STOPPED.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/lib.sh"

kq_require_netns
command -v unshare >/dev/null || kq_skip "'unshare' (util-linux) is not installed"
kq_lab_create 3
# shellcheck source-path=SCRIPTDIR source=quorum-lib.sh
. "${KQ_SRCDIR:-$(dirname "$0")/../..}/tests/netns/quorum-lib.sh"

# The MESSAGE_IDs of daemon/log.h (keepquorumd(8), JOURNAL): a promise, repeated here on purpose.
ID_STARTED=bad37ef85cf846c5993d0ed2a36eeb43
ID_STOPPED=05ccc19606db4a7586eebde18c3dce50
ID_RELOAD=a2f0e1707b9549769164c5c93b9a7bbf
ID_VRRP_STATE=504b98a55ba245519d2ce93ba6d6ca7a
ID_GROUP_STATE=8c11b078a3264c83a648cd66989f434b
ID_QUORUM_ROLE=6a4c449b235d4fccab81e2a4928aa6e2
ID_QUORUM_LEADER=c3fff86121ba4f7fa3675f883fad52d6
ID_HANDOVER=fc517494625f42b1ba312b215e557d23
ID_HOOK_RESULT=1a1439a4c7dd4789a6a2bc837195dd90
ID_STATE_DUMP=4d9f1e378ee3407b80f17b6f7b9d539b

cat >"$KQ_DIR/hook.sh" <<'EOF'
#!/bin/sh
# hook.sh WHAT: notify_master fails while the file fail-master exists
[ "$1" = master ] && [ -e "$(dirname "$0")/fail-master" ] && exit 1
exit 0
EOF
chmod 755 "$KQ_DIR/hook.sh"
chmod 755 "$KQ_DIR"
QL_GLOBAL_EXTRA="script_user = nobody"
QL_INSTANCE_EXTRA="promote = $KQ_DIR/hook.sh promote
notify_master = $KQ_DIR/hook.sh master"
# the instance is the one member of a sync group, whose transitions have entries of their own
group_ini() { printf '[vrrp_sync_group g1]\ngroup = vi_51\n'; }
QL_HOST_INI=group_ini
ql_cluster h1 h2 h3
ql_observe
for h in h1 h2 h3; do KQ_JOURNAL=1 kq_start_daemon "$h" "$KQ_DIR/$h.ini"; done
for h in h1 h2 h3; do kq_wait_ready "$h"; done

# kq_journal_one NAME FIELD=VALUE...: exactly one such entry of NAME's (printed), or fail.
journal_one() {
	local n
	n=$(kq_journal "$@" | wc -l)
	((n == 1)) || kq_fail "$1: $n journal entries with ${*:2}, not 1:
$(cat "$KQ_DIR/$1.journal")"
	kq_journal "$@"
}

# journal_wait NAME FIELD=VALUE...: wait (5 s) until NAME's journal has such an entry.
journal_wait() {
	kq_poll "[[ -n \$(kq_journal $(printf '%q ' "$@")) ]]" 5 ||
		kq_fail "$1: no journal entry with ${*:2} within 5 s:
$(cat "$KQ_DIR/$1.journal")"
}

# --- 1. start and the first election --------------------------------------------------------
L=$(ql_wait_leader 10 h1 h2 h3)
kq_wait_state "$L" MASTER 5
term=$(kq_jq "$L" .quorum.term)
for h in h1 h2 h3; do
	journal_wait "$h" "MESSAGE_ID=$ID_STARTED" "KEEPQUORUM_NODE=$h" PRIORITY=5 \
		SYSLOG_IDENTIFIER=keepquorumd
done
journal_wait "$L" "MESSAGE_ID=$ID_QUORUM_ROLE" KEEPQUORUM_STATE=leader "KEEPQUORUM_TERM=$term"
journal_wait "$L" "MESSAGE_ID=$ID_QUORUM_LEADER" "KEEPQUORUM_LEADER=$L" "KEEPQUORUM_TERM=$term"
e=$(journal_one "$L" "MESSAGE_ID=$ID_VRRP_STATE" KEEPQUORUM_INSTANCE=vi_51 \
	KEEPQUORUM_STATE=MASTER KEEPQUORUM_PREV_STATE=BACKUP "KEEPQUORUM_TERM=$term" PRIORITY=5)
kq_assert_contains "$(kq_journal_field "$e" MESSAGE)" "(vi_51) BACKUP -> MASTER" "MESSAGE of $L's MASTER entry"
journal_wait "$L" "MESSAGE_ID=$ID_GROUP_STATE" KEEPQUORUM_INSTANCE=g1 KEEPQUORUM_STATE=MASTER \
	KEEPQUORUM_PREV_STATE=BACKUP "KEEPQUORUM_TERM=$term"
journal_wait "$L" "MESSAGE_ID=$ID_HOOK_RESULT" KEEPQUORUM_INSTANCE=vi_51 KEEPQUORUM_HOOK=promote \
	KEEPQUORUM_RESULT=ok KEEPQUORUM_STATE=MASTER "KEEPQUORUM_TERM=$term"
for h in $(ql_others "$L"); do
	journal_wait "$h" "MESSAGE_ID=$ID_QUORUM_LEADER" "KEEPQUORUM_LEADER=$L" "KEEPQUORUM_TERM=$term"
	[[ -z $(kq_journal "$h" "MESSAGE_ID=$ID_VRRP_STATE" KEEPQUORUM_STATE=MASTER) ]] ||
		kq_fail "$h has a MASTER entry but does not lead"
done
# under the journal, stderr carries none of it
! grep -q -- '-> MASTER' "$KQ_DIR/$L.log" ||
	kq_fail "$L wrote its transitions on stderr too: $(cat "$KQ_DIR/$L.log")"

# --- 2. kill -9 of the leader: the failover is found by its fields -----------------------------
kq_stop_daemon "$L" KILL || true
read -r -a rest <<<"$(ql_others "$L")"
L2=$(ql_wait_leader 15 "${rest[@]}")
kq_wait_state "$L2" MASTER 5
term2=$(kq_jq "$L2" .quorum.term)
((term2 > term)) || kq_fail "the new term $term2 is not above $term"
journal_wait "$L2" "MESSAGE_ID=$ID_QUORUM_ROLE" KEEPQUORUM_STATE=leader "KEEPQUORUM_TERM=$term2"
journal_one "$L2" "MESSAGE_ID=$ID_VRRP_STATE" KEEPQUORUM_STATE=MASTER "KEEPQUORUM_TERM=$term2" \
	>/dev/null
masters=$(for h in h1 h2 h3; do
	kq_journal "$h" "MESSAGE_ID=$ID_VRRP_STATE" KEEPQUORUM_STATE=MASTER |
		while read -r _; do echo "$h"; done
done | sort | tr '\n' ' ')
want=$(printf '%s\n' "$L" "$L2" | sort | tr '\n' ' ')
kq_assert_eq "$masters" "$want" "the members with a MASTER entry (every failover, once)"

# --- 3. a failing notify hook --------------------------------------------------------------------
# the old leader comes back and a switchover to it runs notify_master there, which fails
touch "$KQ_DIR/fail-master"
KQ_JOURNAL=1 kq_start_daemon "$L" "$KQ_DIR/$L.ini"
kq_wait_ready "$L"
kq_poll "[[ \$(ql_leader $L) == $L2 ]]" 10 || kq_fail "$L does not follow $L2 after its restart"
kq_assert_rc 0 kq_ctl "$L2" switchover --to "$L"
kq_wait_state "$L" MASTER 10
journal_wait "$L" "MESSAGE_ID=$ID_HOOK_RESULT" KEEPQUORUM_HOOK=notify_master \
	KEEPQUORUM_RESULT=failed PRIORITY=4 KEEPQUORUM_INSTANCE=vi_51
journal_wait "$L2" "MESSAGE_ID=$ID_HANDOVER" KEEPQUORUM_RESULT=begun "KEEPQUORUM_LEADER=$L"
rm -f "$KQ_DIR/fail-master"

# --- 4. SIGUSR1: the full state ------------------------------------------------------------------
kq_signal "$L" USR1
journal_wait "$L" "MESSAGE_ID=$ID_STATE_DUMP"
e=$(kq_journal "$L" "MESSAGE_ID=$ID_STATE_DUMP" | tail -n 1)
msg=$(kq_journal_field "$e" MESSAGE)
kq_assert_eq "$(jq -r '.node + " " + .quorum.role + " " + .instances[0].state' <<<"${msg#state: }")" \
	"$L leader MASTER" "the state dump's node, role and state"

# --- 5. reloads ----------------------------------------------------------------------------------
cp "$KQ_DIR/$L.ini" "$KQ_DIR/$L.ini.good"
printf '[vrrp_instance broken]\npriority = 9000\n' >>"$KQ_DIR/$L.ini"
kq_assert_rc 1 kq_ctl "$L" reload
journal_wait "$L" "MESSAGE_ID=$ID_RELOAD" KEEPQUORUM_RESULT=refused PRIORITY=3
cp "$KQ_DIR/$L.ini.good" "$KQ_DIR/$L.ini"
kq_assert_rc 0 kq_ctl "$L" reload
journal_wait "$L" "MESSAGE_ID=$ID_RELOAD" KEEPQUORUM_RESULT=ok PRIORITY=5

# --- 6. SIGTERM of the leader: hand-over, then stopped ----------------------------------------------
rc=0
kq_stop_daemon "$L" TERM 20 || rc=$?
kq_assert_eq "$rc" 0 "exit code of $L on SIGTERM"
journal_wait "$L" "MESSAGE_ID=$ID_HANDOVER" KEEPQUORUM_RESULT=begun
journal_wait "$L" "MESSAGE_ID=$ID_STOPPED" KEEPQUORUM_RESULT=ok "KEEPQUORUM_NODE=$L"
ql_check_never_two

echo "PASS: $KQ_TEST_NAME"
