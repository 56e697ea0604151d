/* The quorum of one node: Raft's leader election with pre-vote, leader leases and leadership
 * transfer, no replicated log (DESIGN.md "The quorum"). A pure step function: it reads no clock
 * and does no I/O. The caller passes `now` (microseconds of this node's monotonic clock),
 * executes the returned actions in order -- a PERSIST must be durable before any later action
 * is carried out -- and delivers QUORUM_EV_TIMER at quorum_deadline().
 *
 * Members are numbered 0..n_members-1 in the caller's order; `self` is this node. Messages name
 * members by these numbers; the edge (quorum/transport.c, tests/sim) maps them to names.
 *
 * The lease (the safety argument, DESIGN.md): a member that accepts a heartbeat at its time r
 * votes for no one before r + election_timeout, by its clock. The leader, once a majority
 * (itself included) acknowledged a heartbeat it sent at its time t, holds the lease until
 * t + election_timeout * (1 - 2 rho) - margin. Clocks may run at rates 1 +- rho; then the
 * leader's lease ends, in real time, before any of those members may vote again, so no other
 * node can be elected -- let alone hold a lease -- while it is valid. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quorum/message.h"

#define QUORUM_MAX_MEMBERS 16
#define QUORUM_NONE (-1)
/* rho: the largest clock rate difference the lease allows for, in parts per million (1 %) */
#define QUORUM_RHO_PPM 10000
/* heartbeats whose acks are still counted */
#define QUORUM_HB_RING 32

enum quorum_role { QUORUM_FOLLOWER, QUORUM_CANDIDATE, QUORUM_LEADER, QUORUM_WITNESS,
		   QUORUM_ROLE_END };
/* "follower", "candidate", "leader", "witness" (SPEC.md's status words) */
const char *quorum_role_name(enum quorum_role r);

struct quorum_params {
	unsigned n_members;          /* this node included; 1..QUORUM_MAX_MEMBERS */
	unsigned self;
	bool witness;                /* votes, never campaigns */
	uint64_t heartbeat_us;
	uint64_t election_us;        /* election_timeout */
	uint64_t margin_us;          /* taken off the lease for timer and scheduling slack */
	uint64_t guard_us;           /* the gate shuts this long before the lease ends */
	bool preempt;                /* hand over to an eligible member of higher priority */
	uint64_t preempt_delay_us;   /* ... once it has been so for this long */
	uint64_t seed;               /* for the election timeouts' jitter */
	/* an order of the members that every node agrees on (by name): of members equally fit,
	 * the first in it campaigns first, so that they do not split the vote. All 0: no order. */
	unsigned order[QUORUM_MAX_MEMBERS];
};

/* What the node persisted last (quorum/store.c); given back at start. */
struct quorum_persist {
	uint64_t term;
	int voted_for;               /* member number, or QUORUM_NONE */
};

enum quorum_event_kind {
	QUORUM_EV_START,      /* once, after quorum_init: start counts as contact with a leader */
	QUORUM_EV_TIMER,      /* quorum_deadline() passed */
	QUORUM_EV_MESSAGE,    /* .msg arrived, authenticated, from a member, addressed to us */
	QUORUM_EV_FITNESS,    /* this node's own fitness changed: .fit */
	QUORUM_EV_PAUSE,      /* keepquorumctl pause (.paused true) or resume (false) */
	QUORUM_EV_TRANSFER,   /* keepquorumctl switchover: .target member or QUORUM_NONE (the best) */
	QUORUM_EV_STOP,       /* graceful stop: hand leadership over if leader, never campaign again */
	QUORUM_EV_RELEASED,   /* the caller has taken down what the lease guards (answer to RELEASE) */
	QUORUM_EV_END
};

struct quorum_msg {
	unsigned from, to;
	int target;           /* TRANSFER_REQ: member or QUORUM_NONE */
	struct quorum_body b;
};

struct quorum_event {
	enum quorum_event_kind kind;
	struct quorum_msg msg;          /* MESSAGE */
	struct quorum_fitness fit;      /* FITNESS */
	bool paused;                    /* PAUSE */
	int target;                     /* TRANSFER */
};

enum quorum_action_kind {
	QUORUM_ACT_PERSIST,   /* make .persist durable before anything that follows */
	QUORUM_ACT_SEND,      /* .msg */
	QUORUM_ACT_ROLE,      /* .from -> .to, .reason: log it, count it (elections_total) */
	QUORUM_ACT_LEADER,    /* the known leader changed: .leader (QUORUM_NONE: none) */
	QUORUM_ACT_RELEASE,   /* hand-over begins: take down the gated VIPs, demote, then deliver
			       * QUORUM_EV_RELEASED (the gate is already shut) */
	QUORUM_ACT_TRANSFER,  /* a hand-over ended: .ok, .leader (the successor) or .reason */
	QUORUM_ACT_PAUSE,     /* the cluster's pause register changed: .paused */
};

struct quorum_action {
	enum quorum_action_kind kind;
	struct quorum_persist persist;
	struct quorum_msg msg;
	enum quorum_role from, to;
	int leader;
	bool ok, paused;
	const char *reason;   /* static string */
};

#define QUORUM_MAX_ACTIONS (4 * QUORUM_MAX_MEMBERS + 8)
struct quorum_actions {
	struct quorum_action v[QUORUM_MAX_ACTIONS];
	size_t n;
};

/* What this node knows of each member (itself included, from its own fitness). */
struct quorum_member {
	struct quorum_fitness fit;
	bool fit_known;
	uint64_t last_seen;      /* our time of its last message; 0: never */
	bool granted;            /* candidate: it granted (pre-)vote in the running round */
	uint64_t fitter_since;   /* leader: since when it has been a preemption target; 0: not */
};

struct quorum_hb {
	uint64_t id, sent;
	uint32_t acks;           /* bit i: member i acknowledged (self always) */
};

enum quorum_transfer_state { QUORUM_XFER_NONE, QUORUM_XFER_RELEASING, QUORUM_XFER_AWAIT };

/* Plain data so that tests and the simulation can look inside; only raft.c changes it. */
struct quorum {
	struct quorum_params p;
	enum quorum_role role;
	uint64_t term;
	int voted_for;
	int leader;              /* the leader of `term`, when known */
	uint64_t leader_contact; /* our time of the last heartbeat accepted (leader: sent) */
	uint64_t election_at;    /* follower/candidate: when to (re)campaign; 0: not armed */
	bool prevoting;          /* candidate: still in the pre-vote round */
	bool transfer_vote;      /* candidate: campaigning on TIMEOUT_NOW */
	uint64_t leader_since;   /* leader: when elected */
	uint64_t heartbeat_at;   /* leader: next heartbeat */
	uint64_t lease_until;    /* leader: lease end by our clock; 0: none */
	uint64_t hb_next;
	struct quorum_hb hbs[QUORUM_HB_RING];
	struct quorum_member m[QUORUM_MAX_MEMBERS];
	struct quorum_fitness self_fit;
	bool paused;             /* the cluster's pause register */
	uint32_t pause_ver;
	bool stopping;
	/* leadership transfer: as leader (RELEASING, then TIMEOUT_NOW sent), or as the successor
	 * waiting to catch up with the old leader's final LSN before it campaigns */
	enum quorum_transfer_state xfer;
	int xfer_to;
	uint64_t xfer_deadline;
	bool xfer_pending;       /* successor: TIMEOUT_NOW received, not yet caught up */
	bool xfer_asked;         /* a TRANSFER_REQ of ours went to the leader, unanswered */
	struct quorum_fitness xfer_fit;
	uint64_t preempt_hold;   /* no preemption before this: the last hand-over failed */
	/* leader: our database position some time ago (lead_track_position), the mark a member
	 * must have reached to count as following us */
	bool floor_known;
	uint64_t floor_lsn;
	uint64_t mark_lsn, mark_at;
	uint32_t mark_tl;
	bool gate_open;          /* quorum_may_hold() at the end of the last step */
	uint64_t rng;
	unsigned long elections;  /* candidacies begun (pre-votes won) */
};

void quorum_init(struct quorum *q, const struct quorum_params *p, const struct quorum_persist *ps,
		 const struct quorum_fitness *fit);
void quorum_step(struct quorum *q, const struct quorum_event *ev, uint64_t now,
		 struct quorum_actions *out);
/* When the caller must deliver QUORUM_EV_TIMER; 0 when nothing is due. */
uint64_t quorum_deadline(const struct quorum *q);

/* The gate: this node leads, holds a lease that lasts beyond now + guard, and is not handing
 * over. Gated instances may be MASTER only while this is true. */
bool quorum_may_hold(const struct quorum *q, uint64_t now);
/* The lease's end by our clock while quorum_may_hold(); else 0. VIP lifetimes end before it. */
uint64_t quorum_lease_end(const struct quorum *q, uint64_t now);
/* SPEC.md has_quorum: this node holds the lease, or heard a leader within election_timeout. */
bool quorum_has_quorum(const struct quorum *q, uint64_t now);
/* Eligible to lead: healthy, not a witness, the cluster not paused, not stopping. */
bool quorum_eligible(const struct quorum *q);
unsigned quorum_majority(const struct quorum *q);
