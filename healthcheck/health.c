/* The checks of the config and the funnel their results go through (see health.h). */
#include "healthcheck/health.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/child.h"
#include "common/util.h"
#include "daemon/log.h"
#include "healthcheck/track.h"

struct health_check {
	struct health *h;
	enum health_kind kind;
	char *name;                  /* check name, interface name or file path */
	char label[96];              /* "check NAME", the log's object */
	const struct conf_check *c;  /* script and pg: the current config's section */
	enum health_state state;
	unsigned count;              /* health_count()'s counter */
	bool tracked;                /* by an instance (scripts run only then) */
	char run_as[160];            /* scripts: "user:group" it was started for */
	bool seen;                   /* still in the config being applied */
	/* runs */
	sd_event_source *timer;
	struct health_script *script;
	struct health_pg *pg;
	bool due;                    /* the interval ended while a run was in progress */
	uint64_t refresh_us;         /* health_refresh() asked at this time (0: not asked) */
	uint64_t last_start_us, last_duration_us;
	unsigned long runs, failures, timeouts, transitions;
	char detail[192];
	struct health_pg_facts facts;
	bool facts_known;
	bool last_ok;                /* the last run succeeded */
	/* file */
	long value;
};

struct health {
	sd_event *ev;
	health_change_fn changed;
	void *changed_ud;
	struct health_check **v;
	size_t n;
	struct health_files *files;
};

static const char *const health_kind_names[] = {
	[HEALTH_SCRIPT] = "script", [HEALTH_PG] = "postgres", [HEALTH_IFACE] = "interface",
	[HEALTH_FILE] = "file",
};

const char *health_state_name(enum health_state s)
{
	return s == HEALTH_OK ? "OK" : s == HEALTH_FAILED ? "FAILED" : "INIT";
}

/* --- keepalived's arithmetic ----------------------------------------------------------------- */

enum health_state health_count(unsigned *count, unsigned rise, unsigned fall, bool ok)
{
	unsigned top = rise + fall - 1;

	if (ok) {
		if (*count + 1 < rise)
			(*count)++;
		else
			*count = top;
	} else {
		if (*count > rise)
			(*count)--;
		else
			*count = 0;
	}
	return *count >= rise ? HEALTH_OK : HEALTH_FAILED;
}

struct health_effect health_track_effect(enum health_state s, int weight, bool reverse)
{
	struct health_effect e = {0};
	bool ok = s == HEALTH_OK;

	if (s == HEALTH_INIT)
		return e;
	if (!weight) {
		e.fault = reverse ? ok : !ok;
		return e;
	}
	if ((weight > 0 && ok) || (weight < 0 && !ok))
		e.delta = reverse ? -weight : weight;
	return e;
}

struct health_effect health_file_effect(long value, int weight, bool reverse)
{
	struct health_effect e = {0};
	long d;

	if (!weight) {
		e.fault = reverse ? value == 0 : value != 0;
		return e;
	}
	/* the file may hold anything: keep the product in range before deciding */
	if (value > 1000000)
		value = 1000000;
	if (value < -1000000)
		value = -1000000;
	d = value * weight;
	if (reverse)
		d = -d;
	if (d < -253)
		e.fault = true;
	else
		e.delta = d > 253 ? 253 : (int)d;
	return e;
}

/* --- the registry ------------------------------------------------------------------------------ */

static struct health_check *health_lookup(const struct health *h, enum health_kind kind, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i]->kind == kind && !strcmp(h->v[i]->name, name))
			return h->v[i];
	return NULL;
}

const struct health_check *health_find(const struct health *h, enum health_kind kind, const char *name)
{
	return h ? health_lookup(h, kind, name) : NULL;
}

enum health_state health_check_state(const struct health_check *c)
{
	return c->state;
}

const char *health_check_name(const struct health_check *c)
{
	return c->name;
}

enum health_kind health_check_kind(const struct health_check *c)
{
	return c->kind;
}

const char *health_check_detail(const struct health_check *c)
{
	return c->detail;
}

long health_file_value(const struct health_check *c)
{
	return c->value;
}

bool health_check_last_ok(const struct health_check *c)
{
	return c->last_ok;
}

const struct health_pg_facts *health_pg_facts(const struct health_check *c)
{
	return c->facts_known ? &c->facts : NULL;
}

static void health_stop_runner(struct health_check *c)
{
	health_script_free(c->script);
	c->script = NULL;
	health_pg_free(c->pg);
	c->pg = NULL;
	c->due = false;
	c->timer = sd_event_source_disable_unref(c->timer);
}

static void health_check_free(struct health_check *c)
{
	if (!c)
		return;
	health_stop_runner(c);
	free(c->name);
	free(c);
}

/* A state change: logged, counted, and told to the daemon. */
static bool health_set_state(struct health_check *c, enum health_state st)
{
	enum health_state prev = c->state;

	if (st == prev)
		return false;
	c->state = st;
	c->transitions++;
	log_obj(st == HEALTH_FAILED ? LOG_WARNING : LOG_NOTICE, c->label, "%s -> %s (%s)",
		health_state_name(prev), health_state_name(st), c->detail[0] ? c->detail : "no detail");
	if (c->h->changed)
		c->h->changed(c->h->changed_ud, c);
	return true;
}

/* --- runs ---------------------------------------------------------------------------------------- */

static void health_start_run(struct health_check *c)
{
	int r = 0;

	if (c->script)
		r = health_script_run(c->script);
	else if (c->pg)
		r = health_pg_run(c->pg);
	if (r == -EBUSY)
		c->due = true;
	else
		c->due = false;
}

static int health_on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct health_check *c = userdata;

	uint64_t now = usec;

	/* the next start one interval after this one, whatever the run takes (after a stall of
	 * the loop, one interval from now rather than a burst of late ones) */
	sd_event_now(c->h->ev, CLOCK_MONOTONIC, &now);
	usec += (uint64_t)(c->c->interval * 1e6);
	sd_event_source_set_time(s, usec > now ? usec : now + (uint64_t)(c->c->interval * 1e6));
	health_start_run(c);
	return 0;
}

void health_done(void *userdata, const struct health_result *r)
{
	struct health_check *c = userdata;
	bool moved = false;

	c->runs++;
	c->last_ok = r->ok;
	if (!r->ok)
		c->failures++;
	if (r->timed_out)
		c->timeouts++;
	c->last_start_us = r->started_us;
	if (c->refresh_us && r->started_us >= c->refresh_us)
		c->refresh_us = 0;
	c->last_duration_us = r->duration_us;
	snprintf(c->detail, sizeof(c->detail), "%s", r->detail);
	if (r->pg) {
		/* a new position matters to the quorum (the most up-to-date member wins), even when
		 * the check's state stays */
		moved = !c->facts_known || memcmp(&c->facts, r->pg, sizeof(c->facts)) != 0;
		c->facts = *r->pg;
		c->facts_known = true;
	}
	if (!health_set_state(c, health_count(&c->count, c->c->rise, c->c->fall, r->ok)) && moved &&
	    c->h->changed)
		c->h->changed(c->h->changed_ud, c);
	if (c->due)
		health_start_run(c);
}

void health_refresh(struct health *h, enum health_kind kind, const char *name)
{
	struct health_check *c = health_lookup(h, kind, name);

	if (!c || (!c->pg && !c->script))
		return;
	c->refresh_us = util_now_usec();
	/* a run in progress began before: the next one, right after it, is the fresh one */
	health_start_run(c);
}

bool health_refreshed(const struct health *h, enum health_kind kind, const char *name)
{
	const struct health_check *c = health_find(h, kind, name);

	return !c || !c->refresh_us || (!c->pg && !c->script);
}

/* The user and group a script runs as: its own `user`, else [global] script_user. */
static int health_script_ids(const struct conf *cf, const struct conf_check *k, uid_t *uid, gid_t *gid)
{
	const char *user = k->user ? k->user : cf->global.script_user;
	const char *group = k->user ? k->group : cf->global.script_group;

	return child_user_ids(user, group, uid, gid);
}

static void health_start_runner(struct health_check *c, const struct conf *cf)
{
	uint64_t timeout = (uint64_t)((c->c->timeout > 0 ? c->c->timeout : c->c->interval) * 1e6), now = 0;

	if (c->kind == HEALTH_SCRIPT) {
		struct health_script_params p = {.name = c->name, .cmd = &c->c->script, .timeout_us = timeout};

		if (!c->tracked) {
			snprintf(c->detail, sizeof(c->detail), "not run: no instance tracks it");
			return;
		}
		if (health_script_ids(cf, c->c, &p.uid, &p.gid) < 0) {
			/* validated when the file was read; the user may have gone since */
			snprintf(c->detail, sizeof(c->detail), "not run: its user or group does not exist");
			log_obj(LOG_ERR, c->label, "%s", c->detail);
			health_set_state(c, HEALTH_FAILED);
			return;
		}
		c->script = health_script_new(c->h->ev, &p, health_done, c);
	} else {
		struct health_pg_params p = {.name = c->name, .conninfo = c->c->conninfo,
					     .timeout_us = timeout, .max_lag = c->c->max_lag};

		if (health_pg_conninfo_may_block(c->c->conninfo))
			log_obj(LOG_WARNING, c->label, "conninfo names a host: resolving it blocks the "
				"daemon while it lasts; prefer a socket directory, an address or hostaddr=");
		c->pg = health_pg_new(c->h->ev, &p, health_done, c);
	}
	/* the first run at once */
	sd_event_now(c->h->ev, CLOCK_MONOTONIC, &now);
	sd_event_add_time(c->h->ev, &c->timer, CLOCK_MONOTONIC, now, 1000, health_on_timer, c);
	sd_event_source_set_enabled(c->timer, SD_EVENT_ON);
}

/* --- building from the config ---------------------------------------------------------------- */

static struct health_check *health_get(struct health *h, enum health_kind kind, const char *name)
{
	struct health_check *c = health_lookup(h, kind, name);

	if (c) {
		c->seen = true;
		return c;
	}
	c = xcalloc(1, sizeof(*c));
	c->h = h;
	c->kind = kind;
	c->name = xstrdup(name);
	c->seen = true;
	snprintf(c->label, sizeof(c->label), "%s %s", kind == HEALTH_FILE ? "file" :
		 kind == HEALTH_IFACE ? "interface" : "check", name);
	*XAPPEND(h->v, h->n) = c;
	return c;
}

static bool health_conf_check_same(const struct conf_check *a, const struct conf_check *b)
{
	return a->kind == b->kind && a->interval == b->interval && a->timeout == b->timeout &&
	       a->rise == b->rise && a->fall == b->fall && a->max_lag == b->max_lag &&
	       !strcmp(a->script.text ? a->script.text : "", b->script.text ? b->script.text : "") &&
	       !strcmp(a->conninfo ? a->conninfo : "", b->conninfo ? b->conninfo : "") &&
	       !strcmp(a->user ? a->user : "", b->user ? b->user : "") &&
	       !strcmp(a->group ? a->group : "", b->group ? b->group : "");
}

static bool health_is_tracked(const struct conf *cf, const struct conf_check *k)
{
	for (size_t i = 0; i < cf->n_instances; i++)
		for (size_t t = 0; t < cf->instances[i].n_track_scripts; t++)
			if (cf->instances[i].track_scripts[t].check == k)
				return true;
	return false;
}

static void health_apply_checks(struct health *h, const struct conf *cf)
{
	for (size_t i = 0; i < cf->n_checks; i++) {
		const struct conf_check *k = &cf->checks[i];
		enum health_kind kind = k->kind == CONF_CHECK_PG ? HEALTH_PG : HEALTH_SCRIPT;
		struct health_check *c = health_get(h, kind, k->name);
		bool tracked = kind == HEALTH_PG || health_is_tracked(cf, k);
		char run_as[160];
		bool restart;

		/* scripts also restart when [global] script_user, which they may run as, changes */
		snprintf(run_as, sizeof(run_as), "%s:%s", k->user ? k->user : cf->global.script_user,
			 k->user ? (k->group ? k->group : "") : (cf->global.script_group ? cf->global.script_group : ""));
		restart = !c->c || !health_conf_check_same(c->c, k) || tracked != c->tracked ||
			  strcmp(run_as, c->run_as);

		if (c->c && !restart) {
			c->c = k;
			continue;
		}
		if (!c->c)
			c->count = k->rise - 1; /* keepalived: the first result decides */
		health_stop_runner(c);
		c->c = k;
		c->tracked = tracked;
		snprintf(c->run_as, sizeof(c->run_as), "%s", run_as);
		health_start_runner(c, cf);
	}
}

static void health_apply_tracks(struct health *h, const struct conf *cf)
{
	for (size_t i = 0; i < cf->n_instances; i++) {
		const struct conf_instance *in = &cf->instances[i];

		for (size_t t = 0; t < in->n_track_ifs; t++)
			health_get(h, HEALTH_IFACE, in->track_ifs[t].name);
		for (size_t t = 0; t < in->n_track_files; t++)
			health_get(h, HEALTH_FILE, in->track_files[t].name);
	}
}

void health_apply(struct health *h, const struct conf *cf)
{
	size_t k = 0;

	for (size_t i = 0; i < h->n; i++)
		h->v[i]->seen = false;
	health_apply_checks(h, cf);
	health_apply_tracks(h, cf);
	for (size_t i = 0; i < h->n; i++) {
		if (h->v[i]->seen)
			h->v[k++] = h->v[i];
		else
			health_check_free(h->v[i]);
	}
	h->n = k;
	health_files_clear(h->files);
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i]->kind == HEALTH_FILE)
			health_files_watch(h->files, h->v[i]->name);
}

/* --- interfaces and files ----------------------------------------------------------------------- */

void health_iface_report(struct health *h, const char *ifname, bool up, const char *detail)
{
	struct health_check *c = h ? health_lookup(h, HEALTH_IFACE, ifname) : NULL;

	if (!c)
		return;
	snprintf(c->detail, sizeof(c->detail), "%s", detail);
	health_set_state(c, up ? HEALTH_OK : HEALTH_FAILED);
}

static void health_on_file(void *userdata, const char *path, long value, const char *detail)
{
	struct health *h = userdata;
	struct health_check *c = health_lookup(h, HEALTH_FILE, path);

	if (!c)
		return;
	snprintf(c->detail, sizeof(c->detail), "%s", detail);
	if (c->state != HEALTH_INIT && value == c->value)
		return;
	if (c->state != HEALTH_INIT)
		log_obj(LOG_NOTICE, c->label, "value %ld -> %ld (%s)", c->value, value, detail);
	c->value = value;
	c->state = HEALTH_OK; /* read: its value is known */
	c->transitions++;
	if (h->changed)
		h->changed(h->changed_ud, c);
}

struct health *health_new(sd_event *ev, health_change_fn changed, void *userdata)
{
	struct health *h = xcalloc(1, sizeof(*h));

	h->ev = ev;
	h->changed = changed;
	h->changed_ud = userdata;
	h->files = health_files_new(ev, health_on_file, h);
	return h;
}

void health_free(struct health *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		health_check_free(h->v[i]);
	free(h->v);
	health_files_free(h->files);
	free(h);
}

/* --- status ------------------------------------------------------------------------------------- */

static json_object *health_lsn(uint64_t lsn)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%X/%X", (unsigned)(lsn >> 32), (unsigned)lsn);
	return json_object_new_string(buf);
}

static void health_status_pg(json_object *o, const struct health_check *c)
{
	const struct health_pg_facts *f = &c->facts;

	if (!c->facts_known) {
		json_object_object_add(o, "role", NULL);
		return;
	}
	json_object_object_add(o, "role", json_object_new_string(f->in_recovery ? "standby" : "primary"));
	json_object_object_add(o, "lsn", health_lsn(f->lsn));
	json_object_object_add(o, "receive_lsn", f->in_recovery && f->receive_known ?
			       health_lsn(f->receive_lsn) : NULL);
	json_object_object_add(o, "replay_lsn", f->in_recovery ? health_lsn(f->replay_lsn) : NULL);
	json_object_object_add(o, "streaming", json_object_new_boolean(f->receiver_streaming));
	json_object_object_add(o, "lag_bytes", f->lag_known ? json_object_new_int64((int64_t)f->lag_bytes) : NULL);
	json_object_object_add(o, "timeline", f->timeline ? json_object_new_int((int)f->timeline) : NULL);
	json_object_object_add(o, "promotable", json_object_new_boolean(f->promotable));
}

static json_object *health_check_status(const struct health_check *c)
{
	json_object *o = json_object_new_object();
	bool ok = c->kind == HEALTH_FILE ? c->state == HEALTH_OK && c->value == 0 : c->state == HEALTH_OK;
	uint64_t now = 0;

	sd_event_now(c->h->ev, CLOCK_MONOTONIC, &now);
	json_object_object_add(o, "name", json_object_new_string(c->name));
	json_object_object_add(o, "type", json_object_new_string(health_kind_names[c->kind]));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "detail", json_object_new_string(c->detail));
	json_object_object_add(o, "state", json_object_new_string(health_state_name(c->state)));
	if (c->kind == HEALTH_FILE)
		json_object_object_add(o, "value", json_object_new_int64(c->value));
	if (c->kind == HEALTH_SCRIPT || c->kind == HEALTH_PG) {
		json_object_object_add(o, "runs", json_object_new_int64((int64_t)c->runs));
		json_object_object_add(o, "failures", json_object_new_int64((int64_t)c->failures));
		json_object_object_add(o, "timeouts", json_object_new_int64((int64_t)c->timeouts));
		json_object_object_add(o, "last_run_ms_ago", c->runs && now >= c->last_start_us ?
				       json_object_new_int64((int64_t)((now - c->last_start_us) / 1000)) : NULL);
		json_object_object_add(o, "duration_ms", c->runs ?
				       json_object_new_double((double)c->last_duration_us / 1000.0) : NULL);
	}
	json_object_object_add(o, "transitions", json_object_new_int64((int64_t)c->transitions));
	if (c->kind == HEALTH_PG)
		health_status_pg(o, c);
	return o;
}

json_object *health_status(const struct health *h)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; h && i < h->n; i++)
		json_object_array_add(a, health_check_status(h->v[i]));
	return a;
}
