/* The hook runner: every hook of the daemon (keepalived's notify hooks, the database's promote
 * and demote) runs here. Hooks queue per instance (a sync group and its members share one
 * queue), and the hooks of one queue run one at a time, in the order queued: transition order.
 * Each runs in its own process group as script_user, with a timeout (then SIGTERM to the group,
 * SIGKILL a grace later), its output logged line by line with the instance's name, its result
 * counted per hook and result, and nothing of it ever blocks the event loop. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf/conf.h"

/* SIGTERM at a hook's timeout, SIGKILL this long after if its process group is still there. */
#define NOTIFY_KILL_GRACE_US (2ULL * 1000000ULL)
/* Lines of one run's output that are logged; the rest is read and dropped. */
#define NOTIFY_LOG_LINES 20

struct notify_runner;

struct notify_runner *notify_runner_new(sd_event *ev);
/* What hooks run as ([global] script_user), the node they are told (KEEPQUORUM_NODE) and the
 * notify_fifo, from c; again at each reload (hooks queued before keep what they had). */
void notify_runner_configure(struct notify_runner *r, const struct conf *c);
/* Hooks still running are killed (SIGKILL to their groups); queued ones are dropped. */
void notify_runner_free(struct notify_runner *r);
/* The quorum's term and leader as hooks queued from now on are told them (KEEPQUORUM_TERM,
 * KEEPQUORUM_LEADER); term 0 and NULL: no quorum, or no leader known. */
void notify_runner_quorum(struct notify_runner *r, unsigned long long term, const char *leader);

/* What a transition tells its hooks. */
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

/* Queue the hooks of one transition: notify_<state> with its own words, then notify with
 * KIND NAME STATE PRIORITY appended, each with timeout_us; and write the notify_fifo line now.
 * hooks: the instance's or group's CONF_HOOK_COUNT array. */
void notify_transition(struct notify_runner *r, const struct conf_cmd *hooks,
		       const struct notify_transition *t, uint64_t timeout_us);

/* How a hook ended. */
struct notify_outcome {
	bool ok;                /* exit 0 within its timeout */
	char detail[176];       /* "exit 0", "exit 1: <its first line>", "timed out after 30 s", ... */
	uint64_t duration_us;
};
typedef void (*notify_done_fn)(void *owner, enum conf_hook h, const struct notify_outcome *o);

/* Queue one database hook (promote, demote) in t's queue, with t's environment; done(owner, ...)
 * is called when it has ended (from the loop, never from inside this call), unless
 * notify_forget(owner) came first. */
void notify_hook(struct notify_runner *r, enum conf_hook h, const struct conf_cmd *cmd,
		 const struct notify_transition *t, uint64_t timeout_us, notify_done_fn done,
		 void *owner);
/* owner goes away: its hooks still run, in order, but report to nobody. */
void notify_forget(struct notify_runner *r, void *owner);

/* Hooks running or waiting their turn (the daemon waits for them, bounded, on stop). */
unsigned notify_pending(const struct notify_runner *r);

/* {"running": N, "queued": N, "runs": {"promote": {"ok": N, "failed": N, "timeout": N,
 * "error": N}, ...}, "fifo": {"path": ..., "written": N, "dropped": N} | null}: runs counts
 * every hook that ran (error: it could not start) — hook_runs_total{hook,result}. */
json_object *notify_status(const struct notify_runner *r);
