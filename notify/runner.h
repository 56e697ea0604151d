/* Running keepalived's notify hooks. A minimal runner: each hook is started in its own process
 * group as keepalived starts it (its words, plus notify's four), reaped by the event loop, its
 * exit status logged. The notify issue replaces it with ordered, awaited, bounded runs. */
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
};

/* Run the hooks of one transition: notify_<state> with its own words, then notify with
 * KIND NAME STATE PRIORITY appended, and write the notify_fifo line. hooks is the instance's or
 * group's CONF_HOOK_COUNT array. */
void notify_transition(struct notify_runner *r, const struct conf_cmd *hooks,
		       const struct notify_transition *t);

/* Hooks still running (for a bounded wait on stop). */
unsigned notify_running(const struct notify_runner *r);
