/* Running keepalived's notify hooks. A minimal runner: each hook is started in its own process
 * group as keepalived starts it (its words, plus notify's four), the hooks of one instance (or
 * of one sync group and its members) one at a time in transition order, reaped by the event
 * loop, their exit status logged. The notify issue adds timeouts, promote/demote and the rest. */
#pragma once

#include <systemd/sd-event.h>

#include "conf/conf.h"

struct notify_runner;

/* notify_fifo: NULL for none. Opening it (and creating it) happens on first use. */
struct notify_runner *notify_runner_new(sd_event *ev, const char *fifo_path, const char *node);
void notify_runner_free(struct notify_runner *r);

/* What a transition tells the hooks. */
struct notify_transition {
	const char *kind;       /* "INSTANCE" or "GROUP" */
	const char *name;
	const char *state;      /* MASTER, BACKUP, FAULT, STOP */
	const char *prev_state;
	unsigned priority;
	const char *vips;       /* space-separated, for KEEPQUORUM_VIPS */
	const char *sync_group; /* the instance's or group's sync group, NULL when in none: the
				 * hooks of a group and of its members share one queue, so the
				 * group's run after its members' */
};

/* Run the hooks of one transition: notify_<state> with its own words, then notify with
 * KIND NAME STATE PRIORITY appended, and write the notify_fifo line. hooks is the instance's or
 * group's CONF_HOOK_COUNT array. */
void notify_transition(struct notify_runner *r, const struct conf_cmd *hooks,
		       const struct notify_transition *t);

/* Hooks running or waiting their turn (the daemon waits for them, bounded, on stop). */
unsigned notify_pending(const struct notify_runner *r);
