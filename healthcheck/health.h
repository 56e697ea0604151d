/* Health checks: every [vrrp_script], [pg_check], tracked interface and tracked file of the
 * config, and the one funnel their results go through (health_done() and the reports below):
 * rise and fall, the state, the log line "(check NAME) OK -> FAILED (why)", the counters, and a
 * call to the daemon, which tells the VRRP instances. What a check means for an instance
 * (weights, reverse, FAULT) is keepalived's arithmetic, health_track_effect() and
 * health_file_effect(); the instance applies it. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "conf/conf.h"
#include "healthcheck/runner.h"

enum health_kind { HEALTH_SCRIPT, HEALTH_PG, HEALTH_IFACE, HEALTH_FILE };
enum health_state { HEALTH_INIT, HEALTH_OK, HEALTH_FAILED };

/* "INIT", "OK", "FAILED" */
const char *health_state_name(enum health_state s);

/* --- keepalived's arithmetic (pure) --------------------------------------------------------- */

/* One result into keepalived's counter (0 .. rise + fall - 1, OK while >= rise; a new check
 * starts at rise - 1, so its first result decides): `fall` failures in a row turn OK into
 * FAILED, `rise` successes in a row FAILED into OK, and anything else resets the streak. */
enum health_state health_count(unsigned *count, unsigned rise, unsigned fall, bool ok);

/* What one tracked object does to an instance. */
struct health_effect {
	bool fault;
	int delta;     /* added to the priority (before the 1..254 clamp) */
};

/* A check or an interface (up = OK): weight 0 puts the instance in FAULT while it fails (while it
 * is OK with reverse); a positive weight is added while it is OK, a negative one while it fails;
 * reverse negates what is added. INIT does nothing yet. */
struct health_effect health_track_effect(enum health_state s, int weight, bool reverse);
/* A tracked file holding `value`: weight 0 puts the instance in FAULT while the value is not 0
 * (while it is 0 with reverse); otherwise value × weight is added (subtracted with reverse), and
 * a result below -253 is a FAULT. */
struct health_effect health_file_effect(long value, int weight, bool reverse);

/* --- the checks at run time ------------------------------------------------------------------ */

struct health;
struct health_check;

/* Called after a check's state changed, a file's value changed, or a pg_check learned new facts
 * (a new LSN, a standby promoted): the quorum ranks members by them even when the state stays. */
typedef void (*health_change_fn)(void *userdata, const struct health_check *c);

struct health *health_new(sd_event *ev, health_change_fn changed, void *userdata);
/* Make the checks those of config c (at start and on every reload): a check that stays keeps its
 * state and counters, even when its settings change (its runner then restarts); new ones start
 * in INIT; the others stop. Scripts run only while an instance tracks them (as keepalived);
 * pg_checks always run (the quorum uses what they learn). The first run is at once. */
void health_apply(struct health *h, const struct conf *c);
void health_free(struct health *h);

const struct health_check *health_find(const struct health *h, enum health_kind kind, const char *name);
enum health_state health_check_state(const struct health_check *c);
const char *health_check_name(const struct health_check *c);
enum health_kind health_check_kind(const struct health_check *c);
/* The last result's detail ("" before any). */
const char *health_check_detail(const struct health_check *c);
/* A tracked file's value (0 while the file is missing or holds no number). */
long health_file_value(const struct health_check *c);
/* The last run succeeded (false before any). */
bool health_check_last_ok(const struct health_check *c);
/* The facts of the last run of a pg_check that reached the server, NULL if none. */
const struct health_pg_facts *health_pg_facts(const struct health_check *c);
/* Run a check now, out of its interval (after one in progress, if any); health_refreshed() is
 * true once a run that started after the call has reported -- at most the check's timeout
 * later -- or when the check does not exist or does not run. */
void health_refresh(struct health *h, enum health_kind kind, const char *name);
bool health_refreshed(const struct health *h, enum health_kind kind, const char *name);

/* The link monitor's view of a tracked interface (up: exists, up, has carrier). */
void health_iface_report(struct health *h, const char *ifname, bool up, const char *detail);

/* SPEC.md's "checks" array. */
json_object *health_status(const struct health *h);

/* --- used by health.c's parts ---------------------------------------------------------------- */

/* The funnel: a run's raw result (health_done_fn; userdata is the struct health_check). */
void health_done(void *userdata, const struct health_result *r);
