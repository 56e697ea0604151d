/* What the check runners (script.c, pg.c) share with the funnel (health.c): one run's raw
 * result, and the callback that delivers it. A runner executes one run at a time when told to,
 * never blocks the event loop, enforces the run's timeout itself, and reports every run it
 * started exactly once, through the callback, from the event loop (never from inside *_run()). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "conf/conf.h"

/* What a PostgreSQL run learned. LSNs are byte positions (the "X/Y" text form is
 * (X << 32) | Y). */
struct health_pg_facts {
	bool in_recovery;          /* pg_is_in_recovery(): true on a standby */
	uint64_t lsn;              /* primary: pg_current_wal_lsn(); standby: the replay LSN */
	bool receive_known;        /* standby: a WAL receive position is known */
	uint64_t receive_lsn;      /* standby: pg_last_wal_receive_lsn() */
	uint64_t replay_lsn;       /* standby: pg_last_wal_replay_lsn() */
	bool receiver_streaming;   /* standby: a WAL receiver is streaming from a primary now */
	bool lag_known;
	uint64_t lag_bytes;        /* standby: how far replay is behind the primary (pg.c says how) */
	unsigned timeline;         /* 0 when unknown */
	bool promotable;           /* standby: lag known and within max_lag (or no max_lag); a
				    * primary: true */
};

struct health_result {
	bool ok;
	bool timed_out;            /* ok is false then */
	char detail[192];          /* one line for people: what it saw, or why it failed */
	uint64_t started_us;       /* CLOCK_MONOTONIC, microseconds */
	uint64_t duration_us;
	const struct health_pg_facts *pg; /* pg runs that reached the server, else NULL */
};

typedef void (*health_done_fn)(void *userdata, const struct health_result *r);

/* --- [vrrp_script]: script.c ------------------------------------------------------------------ */

/* SIGTERM at the timeout, SIGKILL this long after if the process group is still there. */
#define HEALTH_SCRIPT_KILL_GRACE_US (2ULL * 1000000ULL)

struct health_script_params {
	const char *name;          /* the check's name, for the log */
	const struct conf_cmd *cmd; /* argv[0] is an absolute path; run without a shell */
	uid_t uid;                 /* run as this user and group (with the user's groups) */
	gid_t gid;
	uint64_t timeout_us;       /* > 0 */
};

struct health_script;
/* The params are copied. Returns NULL only when out of memory (xmalloc aborts first). */
struct health_script *health_script_new(sd_event *ev, const struct health_script_params *p,
					health_done_fn done, void *userdata);
/* Start one run: the script in its own process group, stdin /dev/null, stdout and stderr into a
 * pipe read by the loop (the first line is kept for the detail, the rest read and dropped). Exit
 * status 0 is OK. When it exits, whatever it left in its process group is killed. At the
 * timeout: SIGTERM to the group, SIGKILL after HEALTH_SCRIPT_KILL_GRACE_US; the run is reported
 * (timed out) once the script is reaped. Returns 0, -EBUSY while a run is in progress, or
 * -errno when it cannot start (also reported through the callback, as a failed run). */
int health_script_run(struct health_script *s);
bool health_script_busy(const struct health_script *s);
/* Kills a run in progress (its whole process group, SIGKILL) without reporting it. */
void health_script_free(struct health_script *s);

/* --- [pg_check]: pg.c -------------------------------------------------------------------------- */

struct health_pg_params {
	const char *name;
	const char *conninfo;
	uint64_t timeout_us;       /* > 0: connecting (when needed) and the query, together */
	uint64_t max_lag;          /* bytes; 0: no limit */
};

struct health_pg;
struct health_pg *health_pg_new(sd_event *ev, const struct health_pg_params *p,
				health_done_fn done, void *userdata);
/* Start one run over the persistent connection (connecting first when there is none): libpq's
 * asynchronous API only, its socket in the event loop. Failure: cannot connect, a query error,
 * or the timeout (the connection is then dropped, and made again by the next run). Returns 0,
 * -EBUSY while a run is in progress. */
int health_pg_run(struct health_pg *p);
bool health_pg_busy(const struct health_pg *p);
void health_pg_free(struct health_pg *p);

/* True when connecting with this conninfo may block the loop on DNS: a host that is neither a
 * path (socket directory) nor a numeric address, with no hostaddr for it (or a service file that
 * may name one). libpq resolves host names synchronously, even in PQconnectStart/PQconnectPoll;
 * the daemon warns at load time. A conninfo libpq cannot parse gives false. */
bool health_pg_conninfo_may_block(const char *conninfo);
