/* The daemon's side of the quorum (daemon/quorum.c): quorum/node.h wired to the VRRP engine. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#include "conf/conf.h"

struct dquorum;
struct vrrp_engine;
struct quorum_node;

/* Start this node's quorum member for c (which has a [quorum] section) and attach it to e.
 * changed: role, term, leader or pause changed. Returns 0, or -errno with a sentence in err. */
int dquorum_start(sd_event *ev, const struct conf *c, const char *state_dir, struct vrrp_engine *e,
		  void (*changed)(void *ud), void *ud, struct dquorum **out, char *err,
		  size_t err_len);
/* The checks or the instances changed: this node's fitness may have. */
void dquorum_fitness(struct dquorum *q);
/* Graceful stop: a leader hands over once its gated instances are down. */
void dquorum_stop(struct dquorum *q);
/* A hand-over waits for the gated instances to go down and demote. */
bool dquorum_handing_over(const struct dquorum *q);
struct quorum_node *dquorum_node(const struct dquorum *q);
void dquorum_free(struct dquorum *q);
