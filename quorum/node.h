/* This node's quorum member at run time: the pure core (raft.h) driven by the event loop, its
 * state durable in --state-dir (store.h), its datagrams on the UDP socket (transport.h). The
 * daemon tells it this node's fitness and is told when the gate or the leader changes. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf/conf.h"
#include "quorum/raft.h"

/* The kernel checks address lifetimes with up to 0.25 s of rounding (ADDRCONF_TIMER_FUZZ) plus
 * its work queue's latency: a VIP's lifetime ends at least this long before the lease does. */
#define QUORUM_KERNEL_SLACK_US 500000ULL
/* the gate shuts this long before the lease ends: time to take the VIPs down */
#define QUORUM_GUARD_US 50000ULL
#define QUORUM_MARGIN_US 10000ULL

struct quorum_node;

struct quorum_node_ops {
	void (*gate)(void *ud);      /* quorum_node_may_hold() or the lease's end changed */
	void (*release)(void *ud);   /* a hand-over: take the gated VIPs down and demote, then
				      * call quorum_node_released() */
	void (*changed)(void *ud);   /* role, term, leader or pause changed */
	void *ud;
};

/* Reads the secret and the persisted state, bumps the epoch (durably), binds the socket and
 * starts the core. Returns 0, or -errno with a sentence in err. */
int quorum_node_start(sd_event *ev, const struct conf *c, const char *state_dir,
		      const struct quorum_fitness *fit, const struct quorum_node_ops *ops,
		      struct quorum_node **out, char *err, size_t err_len);
void quorum_node_free(struct quorum_node *n);

void quorum_node_set_fitness(struct quorum_node *n, const struct quorum_fitness *fit);
/* The gate (raft.h quorum_may_hold) by the clock of now. */
bool quorum_node_may_hold(const struct quorum_node *n);
/* Whole seconds of VIP lifetime that end before the lease (with QUORUM_KERNEL_SLACK_US); 0 when
 * the gate is shut or less than a second is left. */
uint32_t quorum_node_vip_lifetime(const struct quorum_node *n);
/* false: election_timeout is too short for a lifetime of a second to end before the lease;
 * VIPs are then permanent and only the watchdog fences a frozen daemon (said in status). */
bool quorum_node_lifetime_fencing(const struct quorum_node *n);
/* The hand-over's RELEASE is done: the gated VIPs are down and demote has run. */
void quorum_node_released(struct quorum_node *n);

/* keepquorumctl switchover [--to NODE]: done(ud, NULL, leader) once a new leader is known,
 * done(ud, why, NULL) when it cannot be. Returns 0 (done will be called), or -EINVAL/-EBUSY
 * with *why (static) at once. */
typedef void (*quorum_node_switchover_fn)(void *ud, const char *why, const char *leader);
int quorum_node_switchover(struct quorum_node *n, const char *to, quorum_node_switchover_fn done,
			   void *ud, const char **why);
void quorum_node_pause(struct quorum_node *n, bool paused);
bool quorum_node_paused(const struct quorum_node *n);
/* Graceful stop: a leader hands over (RELEASE first); no campaign after. */
void quorum_node_stop(struct quorum_node *n);

/* For hooks (KEEPQUORUM_TERM, KEEPQUORUM_LEADER), STATUS= and status. */
uint64_t quorum_node_term(const struct quorum_node *n);
const char *quorum_node_leader(const struct quorum_node *n);  /* NULL: none known */
enum quorum_role quorum_node_role(const struct quorum_node *n);
json_object *quorum_node_status(const struct quorum_node *n);
