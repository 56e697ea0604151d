/* The VRRP state machine of one instance (RFC 5798 section 6, RFC 3768 section 6.4), with
 * keepalived's FAULT and STOP. A pure step function: it reads no clock and does no I/O. The
 * caller passes `now` (microseconds, monotonic), executes the returned actions in order, and
 * arms one timer at vrrp_fsm_deadline(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

enum vrrp_state { VRRP_INIT, VRRP_BACKUP, VRRP_MASTER, VRRP_FAULT, VRRP_STOP, VRRP_STATE_COUNT };
/* "INIT", "BACKUP", "MASTER", "FAULT", "STOP" (SPEC.md's status and notify words) */
const char *vrrp_state_name(enum vrrp_state s);

enum vrrp_event_kind {
	VRRP_EV_STARTUP,      /* the instance starts (RFC 5798 6.4.1) */
	VRRP_EV_ADVERT,       /* a valid advert for this instance arrived */
	VRRP_EV_TIMER,        /* the deadline passed */
	VRRP_EV_FAULT,        /* a tracked interface or check failed */
	VRRP_EV_FAULT_CLEAR,  /* every fault is gone */
	VRRP_EV_PRIORITY,     /* the effective priority changed (track weights) */
	VRRP_EV_GATE,         /* "may this instance be MASTER now" changed (sync group, quorum) */
	VRRP_EV_SHUTDOWN,     /* the daemon stops (RFC 5798 6.4.3: send priority 0) */
	VRRP_EV_COUNT
};

struct vrrp_event {
	enum vrrp_event_kind kind;
	/* ADVERT */
	unsigned priority;
	unsigned interval_cs;   /* the advert's interval, centiseconds */
	struct conf_addr src;
	/* PRIORITY */
	unsigned new_priority;
	/* GATE */
	bool gate_open;
	const char *reason;     /* FAULT, GATE: why, for the log */
};

enum vrrp_action_kind {
	VRRP_ACT_SEND_ADVERT, /* with .priority (0 when giving up mastership) */
	VRRP_ACT_ADD_VIPS,
	VRRP_ACT_DEL_VIPS,
	VRRP_ACT_GARP,        /* start the gratuitous ARP / NA sequence */
	VRRP_ACT_TRANSITION,  /* .from -> .to, .reason: log, count, queue the hooks */
};

struct vrrp_action {
	enum vrrp_action_kind kind;
	unsigned priority;
	enum vrrp_state from, to;
	const char *reason;   /* static string */
};

#define VRRP_MAX_ACTIONS 8
struct vrrp_actions {
	struct vrrp_action v[VRRP_MAX_ACTIONS];
	size_t n;
};

struct vrrp_fsm_params {
	unsigned version;       /* 2 or 3 */
	unsigned priority;      /* effective priority at start */
	unsigned advert_cs;     /* configured advert interval, centiseconds */
	bool nopreempt;
	uint64_t preempt_delay_us;
	struct conf_addr self;  /* this router's primary address on the interface (tie-break) */
	bool gated;             /* quorum = yes: the quorum, not VRRP's election, decides who is
				 * MASTER -- the gate opening makes it MASTER at once, and adverts
				 * of higher priority do not take it away */
};

/* Plain data so that tests and the simulation can inspect it; only fsm.c changes it. */
struct vrrp_fsm {
	struct vrrp_fsm_params p;
	enum vrrp_state state;
	unsigned priority;        /* effective */
	unsigned master_adv_cs;   /* v3: the master's advertised interval (RFC 5798 6.4.2) */
	struct conf_addr master;  /* the current master's address, when known */
	bool master_known;
	bool fault;
	bool gate_open;
	bool want_master;         /* BACKUP whose down timer ran out while the gate was shut */
	uint64_t deadline;        /* 0: none */
	uint64_t preempt_at;      /* preempt_delay: not before this; 0: not running */
	unsigned long adverts_sent, adverts_received;
};

void vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_params *p);
void vrrp_fsm_step(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
		   struct vrrp_actions *out);
/* When the caller must deliver VRRP_EV_TIMER; 0 when no timer runs. */
uint64_t vrrp_fsm_deadline(const struct vrrp_fsm *f);
/* A MASTER's next advert brought forward to `at`, to go with other masters' adverts: only to a
 * time after `now` and before its deadline, so no interval grows. True when it moved. */
bool vrrp_fsm_advance_advert(struct vrrp_fsm *f, uint64_t now, uint64_t at);

/* RFC 5798 6.1: Skew_Time and Master_Down_Interval, in microseconds. */
uint64_t vrrp_fsm_skew_us(unsigned version, unsigned priority, unsigned master_adv_cs);
uint64_t vrrp_fsm_master_down_us(unsigned version, unsigned priority, unsigned master_adv_cs);

/* keepalived's effective priority: base plus the weights, clamped to 1..254; the address owner
 * (255) is never changed. */
unsigned vrrp_fsm_effective_priority(unsigned base, int weights);
