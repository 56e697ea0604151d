/* Internals shared by engine.c (sockets, dispatch, link events, reload, status) and
 * instance.c (one instance: state machine, timers, actions). */
#pragma once

#include "common/util.h"
#include "healthcheck/health.h"
#include "vrrp/arp.h"
#include "vrrp/engine.h"
#include "vrrp/fsm.h"
#include "vrrp/group.h"
#include "vrrp/link.h"
#include "vrrp/ndisc.h"
#include "vrrp/packet.h"
#include "vrrp/socket.h"
#include "vrrp/vip.h"

struct health;
struct notify_runner;
struct vrrp_inst;
struct vrrp_sync;

/* The database's role once every hook queued for the instance has run (hooks.c). */
enum inst_db { INST_DB_STANDBY, INST_DB_PROMOTING, INST_DB_PRIMARY, INST_DB_DEMOTING };

/* The last run of promote or demote, for status. */
struct inst_hook_last {
	unsigned long runs;
	bool ok;
	char detail[192];
	uint64_t at_us, duration_us;
};

struct vrrp_engine {
	sd_event *ev;
	const struct conf *conf;
	struct vrrp_link *link;
	struct vrrp_vips *vips;
	struct vrrp_arp *arp;
	struct vrrp_ndisc *ndisc;
	struct notify_runner *notify;
	struct health *health;            /* the daemon's checks; NULL in tests without them */
	struct vrrp_sock **socks;
	size_t n_socks;
	struct vrrp_inst **insts;
	size_t n_insts;
	struct vrrp_sync **syncs;         /* the sync groups, in config order */
	size_t n_syncs;
	unsigned long drops[VRRP_DROP_COUNT_]; /* adverts no instance could take */
	struct util_ratelimit drop_logged[VRRP_DROP_COUNT_];
	vrrp_engine_change_fn changed;
	void *changed_ud;
	struct vrrp_quorum_gate quorum;   /* may_hold NULL: no quorum */
	bool quiet;  /* reload or stop in progress: the instance list is being rebuilt */
	bool stopping; /* every instance is going to STOP: sync groups no longer pull members */
};

struct vrrp_inst {
	struct vrrp_engine *e;
	const struct conf_instance *c;
	struct vrrp_fsm fsm;
	struct vrrp_sock *sock;           /* NULL while the interface is missing */
	unsigned ifindex;
	sd_event_source *timer;
	uint64_t timer_slack;             /* its accuracy as last set (inst_arm); 0: not yet */
	bool timer_on;                    /* enabled (inst_arm) */
	sd_event_source *garp_timer;
	unsigned garp_phase;              /* 0 none, 1 waiting for the delayed burst, 2 refreshing */
	bool vips_up;
	unsigned long garps_sent, garps_failed;
	unsigned long transitions[VRRP_STATE_COUNT];
	unsigned long drops[VRRP_DROP_COUNT_];
	struct util_ratelimit drop_logged[VRRP_DROP_COUNT_]; /* per reason */
	struct util_ratelimit mismatch_logged;
	/* FAULT has two sources: the instance's own (interface, tracked objects) and its sync
	 * group's (another member's own fault); the state machine sees their union */
	bool own_fault, pulled;
	char own_why[192], pulled_why[192];
	char own_block[96];               /* status blocked_by for the own fault: "interface", ... */
	/* started: STARTUP was sent. Until then (inst_start asked for it) it waits in INIT for the
	 * first result of every check it tracks, as keepalived does; wait_for names one */
	bool start_wanted, started;
	char wait_for[96];
	/* the sync group, NULL when in none; gate_group: what it allows (see group.h) */
	struct vrrp_sync *sync;
	bool gate_group;
	char gate_why[192];
	/* quorum = yes: the quorum's gate (gate.c); vips_deferred: MASTER, its VIPs waiting for a
	 * lease long enough for a kernel lifetime of a second */
	bool gate_quorum, vips_deferred;
	/* hooks.c: the database's hooks. announce_*: a MASTER transition told once its promote
	 * has succeeded; promote_failed: the FAULT a failed promote holds until hold_timer */
	enum inst_db db;
	unsigned promotes_queued, demotes_queued;
	bool announce_pending;
	enum vrrp_state announce_from;
	bool promote_failed;
	char promote_why[192];
	sd_event_source *hold_timer;
	struct inst_hook_last db_last[2]; /* promote, demote */
};

/* A sync group at run time. */
struct vrrp_sync {
	struct vrrp_engine *e;
	const struct conf_group *c;
	char label[80];                   /* "group NAME", the log's object */
	struct vrrp_inst **members;       /* those of its instances that are configured */
	size_t n_members;
	struct vrrp_group_member *snap;   /* n_members, for the rules */
	enum vrrp_state state;
	bool settling, again;
	unsigned long transitions[VRRP_STATE_COUNT];
};

/* instance.c */
/* inst_new reads the interface; inst_start (once sync groups are built) sends STARTUP. */
struct vrrp_inst *inst_new(struct vrrp_engine *e, const struct conf_instance *c);
void inst_start(struct vrrp_inst *in);
void inst_free(struct vrrp_inst *in);
void inst_event(struct vrrp_inst *in, const struct vrrp_event *ev);
void inst_advert_in(struct vrrp_inst *in, const struct vrrp_advert *a, const struct vrrp_rx *rx);
/* Re-read the interface (link events): fault, primary address, socket, track weights. */
void inst_link_changed(struct vrrp_inst *in);
/* Deliver the union of own and pulled faults, or the sync group's gate, to the state machine
 * when it changed. */
void inst_apply_fault(struct vrrp_inst *in);
void inst_set_gate_group(struct vrrp_inst *in, bool open, const char *why);
void inst_vip_deleted(struct vrrp_inst *in, unsigned ifindex, const struct conf_addr *addr);
json_object *inst_status(const struct vrrp_inst *in);
uint64_t inst_now(const struct vrrp_inst *in);
/* The VIPs as "ADDR/PREFIX" joined by sep (malloc'd). */
char *inst_vip_list(const struct vrrp_inst *in, const char *sep);
/* Add (with their lifetime, see gate.c) or remove the instance's VIPs; no GARP. */
void inst_vips(struct vrrp_inst *in, bool add);
/* A MASTER's VIPs go up, with their gratuitous ARP / NA (when its promote has succeeded). */
void inst_vips_up(struct vrrp_inst *in);

/* gate.c: the quorum's side. The lifetime a gated VIP gets now (VRRP_VIP_FOREVER for others);
 * false when it may not be added now. */
bool gate_vip_lifetime(const struct vrrp_inst *in, uint32_t *lft);
/* A gated MASTER may advertise: the gate is open by the clock of now. */
bool gate_may_advertise(const struct vrrp_inst *in);
/* status blocked_by of a gated instance held back by the quorum, NULL when it is not. */
const char *gate_blocked(const struct vrrp_inst *in);
/* the union of the sync group's and the quorum's gates, to the state machine when it changed */
void inst_apply_gate(struct vrrp_inst *in);

/* hooks.c: the hooks of transitions, the database's promote and demote. */
/* ADD_VIPS of a new MASTER (from: its previous state): true when the VIPs may go up now; false
 * when a promote must succeed first (it is queued then). */
bool hooks_may_add_vips(struct vrrp_inst *in, enum vrrp_state from);
/* Once a step's actions are done: the transition is told (notify hooks, fifo), or, for a MASTER
 * still promoting, told later; a MASTER that leaves queues demote first. */
void hooks_transition(struct vrrp_inst *in, const struct vrrp_action *act);
/* The instance goes away: its queued hooks still run, but report to nobody. */
void hooks_forget(struct vrrp_inst *in);
/* Why a failed promote holds the instance in FAULT, NULL when it does not. */
const char *hooks_fault(const struct vrrp_inst *in);
/* MASTER, its VIPs waiting for its promote. */
bool hooks_promoting(const struct vrrp_inst *in);
/* status "db": the database's role and the last promote and demote; NULL without them. */
json_object *hooks_status(const struct vrrp_inst *in);

/* track.c: what the tracked interfaces, checks and files say. */
struct inst_verdict {
	bool fault;
	char why[160];        /* the first fault */
	char block[96];       /* its blocked_by: "interface", "check:NAME", "file:PATH" */
	int weights;          /* the sum of the weights that apply */
	bool waiting;         /* a tracked object has no result yet */
	char wait_for[96];
};
void inst_tracking(const struct vrrp_inst *in, struct inst_verdict *v);

/* sync.c. sync_detach: the instances forget their groups (before a reload replaces some of
 * them). sync_build: groups for e->conf, each keeping the state of the old group of its name;
 * the old ones are freed. sync_settle: after any change of a member. */
void sync_detach(struct vrrp_engine *e);
void sync_build(struct vrrp_engine *e);
void sync_settle(struct vrrp_sync *g);
void sync_free_all(struct vrrp_engine *e);
json_object *sync_status(const struct vrrp_sync *g);

/* engine.c */
struct vrrp_sock *engine_sock(struct vrrp_engine *e, unsigned ifindex, const char *ifname, int family);
void engine_count_drop(struct vrrp_engine *e, struct vrrp_inst *in, enum vrrp_drop d,
		       const struct vrrp_rx *rx);
