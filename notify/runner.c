/* The hook runner: queues per instance (or sync group), one hook at a time per queue, each run
 * by common/run.c (process group, timeout, output, reaping) as script_user. */
#include "notify/runner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/child.h"
#include "common/run.h"
#include "common/util.h"
#include "daemon/log.h"
#include "notify/fifo.h"

enum notify_result { NOTIFY_OK, NOTIFY_FAILED, NOTIFY_TIMEOUT, NOTIFY_ERROR, NOTIFY_RESULT_COUNT };
static const char *const notify_result_names[NOTIFY_RESULT_COUNT] = {"ok", "failed", "timeout", "error"};

struct notify_runner {
	sd_event *ev;
	char *node;
	char *user;                 /* for messages */
	struct child_ids ids;
	bool ids_ok;
	struct notify_fifo *fifo;
	struct notify_job *jobs;    /* in the order queued */
	sd_event_source *kick;      /* ends the jobs that cannot start (no user to run them as) */
	uint64_t runs[CONF_HOOK_COUNT][NOTIFY_RESULT_COUNT];
	char term[24];              /* "" without a quorum */
	char *leader;               /* NULL: none known */
};

/* One hook to run. Jobs of one key (an instance, or a sync group and its members) run one at a
 * time, in the order queued. */
struct notify_job {
	struct notify_runner *r;
	struct notify_job *next;
	char *key;
	char *obj;                  /* the log's object: the instance or group */
	char *state;                /* the state it runs for, for the journal */
	enum conf_hook hook;
	char **argv, **env;
	uint64_t timeout_us;
	notify_done_fn done;
	void *owner;
	struct child_run *run;      /* NULL: waiting */
	bool cannot_start;          /* waiting for the kick to end it */
	unsigned lines;
	char first[112];            /* its first line of output, for the outcome */
};

static void notify_job_free(struct notify_job *j)
{
	child_run_free(j->run);
	free(j->key);
	free(j->obj);
	free(j->state);
	util_strv_free(j->argv);
	util_strv_free(j->env);
	free(j);
}

static int notify_on_kick(sd_event_source *s, void *userdata);

struct notify_runner *notify_runner_new(sd_event *ev)
{
	struct notify_runner *r = xcalloc(1, sizeof(*r));

	r->ev = sd_event_ref(ev);
	r->node = xstrdup("");
	r->user = xstrdup("root");
	if (sd_event_add_defer(ev, &r->kick, notify_on_kick, r) < 0 ||
	    sd_event_source_set_enabled(r->kick, SD_EVENT_OFF) < 0)
		util_die("notify: cannot add an event source");
	return r;
}

void notify_runner_configure(struct notify_runner *r, const struct conf *c)
{
	const char *node = c->quorum ? c->quorum->node_id : c->global.router_id;
	const char *fifo = c->global.notify_fifo;
	struct child_ids ids;

	free(r->node);
	r->node = xstrdup(node ? node : "");
	if (!r->fifo || !fifo || strcmp(notify_fifo_path(r->fifo), fifo)) {
		notify_fifo_free(r->fifo);
		r->fifo = fifo ? notify_fifo_new(fifo) : NULL;
	}
	if (child_ids_lookup(c->global.script_user, c->global.script_group, &ids) < 0) {
		/* validated when the file was read; the user may have gone since. Never root
		 * instead: the hooks cannot run until it is back (at a reload). */
		log_obj(LOG_ERR, "notify", "script_user %s no longer exists: hooks cannot run",
			c->global.script_user);
		r->ids_ok = false;
		return;
	}
	child_ids_free(&r->ids);
	r->ids = ids;
	r->ids_ok = true;
	free(r->user);
	r->user = xstrdup(c->global.script_user);
}

void notify_runner_quorum(struct notify_runner *r, unsigned long long term, const char *leader)
{
	if (term)
		snprintf(r->term, sizeof(r->term), "%llu", term);
	else
		r->term[0] = '\0';
	free(r->leader);
	r->leader = leader ? xstrdup(leader) : NULL;
}

void notify_runner_free(struct notify_runner *r)
{
	if (!r)
		return;
	free(r->leader);
	while (r->jobs) {
		struct notify_job *j = r->jobs;

		r->jobs = j->next;
		if (j->run)
			log_obj(LOG_WARNING, j->obj, "%s still running at exit: killed", conf_hook_name(j->hook));
		notify_job_free(j);
	}
	sd_event_source_disable_unref(r->kick);
	notify_fifo_free(r->fifo);
	child_ids_free(&r->ids);
	sd_event_unref(r->ev);
	free(r->node);
	free(r->user);
	free(r);
}

unsigned notify_pending(const struct notify_runner *r)
{
	unsigned n = 0;

	for (const struct notify_job *j = r->jobs; j; j = j->next)
		n++;
	return n;
}

void notify_forget(struct notify_runner *r, void *owner)
{
	for (struct notify_job *j = r->jobs; j; j = j->next)
		if (j->owner == owner) {
			j->owner = NULL;
			j->done = NULL;
		}
}

static void notify_start_next(struct notify_runner *r, const char *key);

/* The job is over: counted, logged, unlinked, its owner told; then its queue moves on. */
static void notify_finish(struct notify_job *j, enum notify_result res, const struct notify_outcome *o)
{
	struct notify_runner *r = j->r;
	struct notify_job **pp;
	char t[32];
	char *key = xstrdup(j->key);
	bool db = j->hook == CONF_HOOK_PROMOTE || j->hook == CONF_HOOK_DEMOTE;
	const struct log_fields f = {.msgid = LOG_MSGID_HOOK_RESULT, .instance = j->obj,
				     .state = j->state, .hook = conf_hook_name(j->hook),
				     .result = notify_result_names[res]};

	r->runs[j->hook][res]++;
	child_run_secs(t, sizeof(t), o->duration_us);
	if (res == NOTIFY_OK)
		log_event(db ? LOG_NOTICE : LOG_INFO, j->obj, &f, "%s: %s after %s",
			  conf_hook_name(j->hook), o->detail, t);
	else
		log_event(db ? LOG_ERR : LOG_WARNING, j->obj, &f, "%s failed: %s (after %s)",
			  conf_hook_name(j->hook), o->detail, t);
	for (pp = &r->jobs; *pp != j; pp = &(*pp)->next)
		;
	*pp = j->next;
	/* the run frees itself once this returns */
	j->run = NULL;
	if (j->done)
		j->done(j->owner, j->hook, o);
	notify_job_free(j);
	notify_start_next(r, key);
	free(key);
}

static bool notify_on_line(void *userdata, const char *line)
{
	struct notify_job *j = userdata;

	if (!j->lines)
		snprintf(j->first, sizeof(j->first), "%s", line);
	if (j->lines++ == NOTIFY_LOG_LINES) {
		log_obj(LOG_INFO, j->obj, "%s: (more output, not logged)", conf_hook_name(j->hook));
		return false;
	}
	log_obj(LOG_INFO, j->obj, "%s: %s", conf_hook_name(j->hook), line);
	return true;
}

static void notify_on_end(void *userdata, const struct child_run_end *e)
{
	struct notify_job *j = userdata;
	struct notify_outcome o = {.duration_us = e->duration_us};
	enum notify_result res;
	char how[48];

	child_run_describe(e, j->timeout_us, how, sizeof(how));
	if (!e->started)
		res = NOTIFY_ERROR;
	else if (e->timed_out)
		res = NOTIFY_TIMEOUT;
	else if (e->code == CLD_EXITED && e->status == 0)
		res = NOTIFY_OK;
	else
		res = NOTIFY_FAILED;
	o.ok = res == NOTIFY_OK;
	if (j->first[0] && !o.ok)
		snprintf(o.detail, sizeof(o.detail), "%s: %s", how, j->first);
	else
		snprintf(o.detail, sizeof(o.detail), "%s", how);
	notify_finish(j, res, &o);
}

static int notify_on_kick(sd_event_source *s, void *userdata)
{
	struct notify_runner *r = userdata;
	struct notify_job *j;

	/* one at a time: finishing one may queue or end others */
	while ((j = r->jobs)) {
		struct notify_outcome o = {.ok = false};

		while (j && !j->cannot_start)
			j = j->next;
		if (!j)
			break;
		snprintf(o.detail, sizeof(o.detail), "cannot start: script_user %s does not exist", r->user);
		notify_finish(j, NOTIFY_ERROR, &o);
	}
	return 0;
}

static void notify_exec(struct notify_job *j)
{
	struct notify_runner *r = j->r;
	struct child_spec spec = {.argv = j->argv, .envp = j->env};
	char *name = xasprintf("%s %s", j->obj, conf_hook_name(j->hook));
	struct child_run_params p = {
		.name = name, .timeout_us = j->timeout_us, .grace_us = NOTIFY_KILL_GRACE_US,
		.line_max = CHILD_RUN_LINE_MAX, .line = notify_on_line, .end = notify_on_end,
		.userdata = j,
	};
	int err;

	if (!r->ids_ok) {
		j->cannot_start = true;
		sd_event_source_set_enabled(r->kick, SD_EVENT_ONESHOT);
		free(name);
		return;
	}
	child_ids_apply(&r->ids, &spec);
	j->run = child_run_start(r->ev, &spec, &p, &err);
	free(name);
	if (!j->run)
		util_die("(%s) cannot schedule %s: out of memory", j->obj, conf_hook_name(j->hook));
}

/* Start the oldest job of key unless one of key's is running (or ending). */
static void notify_start_next(struct notify_runner *r, const char *key)
{
	for (struct notify_job *j = r->jobs; j; j = j->next) {
		if (strcmp(j->key, key))
			continue;
		if (!j->run && !j->cannot_start)
			notify_exec(j);
		return;
	}
}

static char **notify_env(const struct notify_runner *r, const struct notify_transition *t)
{
	size_t k;
	char **env = child_environ(8, &k);

	env[k++] = xasprintf("KEEPQUORUM_INSTANCE=%s", t->name);
	env[k++] = xasprintf("KEEPQUORUM_STATE=%s", t->state);
	env[k++] = xasprintf("KEEPQUORUM_PREV_STATE=%s", t->prev_state);
	env[k++] = xasprintf("KEEPQUORUM_PRIORITY=%u", t->priority);
	env[k++] = xasprintf("KEEPQUORUM_VIPS=%s", t->vips ? t->vips : "");
	env[k++] = xasprintf("KEEPQUORUM_NODE=%s", r->node);
	/* without a quorum there is no term and no leader: empty, but set */
	env[k++] = xasprintf("KEEPQUORUM_TERM=%s", r->term);
	env[k++] = xasprintf("KEEPQUORUM_LEADER=%s", r->leader ? r->leader : "");
	return env;
}

static void notify_queue(struct notify_runner *r, enum conf_hook h, const struct conf_cmd *cmd,
			 const char *const *extra, size_t n_extra, const struct notify_transition *t,
			 uint64_t timeout_us, notify_done_fn done, void *owner)
{
	struct notify_job *j = xcalloc(1, sizeof(*j)), **pp;

	j->r = r;
	j->key = t->sync_group ? xasprintf("GROUP %s", t->sync_group) : xasprintf("%s %s", t->kind, t->name);
	j->obj = xstrdup(t->name);
	j->state = t->state ? xstrdup(t->state) : NULL;
	j->hook = h;
	j->argv = util_strv_dup(cmd->argv, cmd->argc, n_extra);
	for (size_t i = 0; i < n_extra; i++)
		j->argv[cmd->argc + i] = xstrdup(extra[i]);
	j->env = notify_env(r, t);
	j->timeout_us = timeout_us;
	j->done = done;
	j->owner = owner;
	for (pp = &r->jobs; *pp; pp = &(*pp)->next)
		;
	*pp = j;
	notify_start_next(r, j->key);
}

void notify_hook(struct notify_runner *r, enum conf_hook h, const struct conf_cmd *cmd,
		 const struct notify_transition *t, uint64_t timeout_us, notify_done_fn done,
		 void *owner)
{
	notify_queue(r, h, cmd, NULL, 0, t, timeout_us, done, owner);
}

void notify_transition(struct notify_runner *r, const struct conf_cmd *hooks,
		       const struct notify_transition *t, uint64_t timeout_us)
{
	enum conf_hook h;
	char prio[16];
	const char *extra[4] = {t->kind, t->name, t->state, prio};
	uint64_t now = 0;

	if (!strcmp(t->state, "MASTER"))
		h = CONF_HOOK_NOTIFY_MASTER;
	else if (!strcmp(t->state, "BACKUP"))
		h = CONF_HOOK_NOTIFY_BACKUP;
	else if (!strcmp(t->state, "FAULT"))
		h = CONF_HOOK_NOTIFY_FAULT;
	else
		h = CONF_HOOK_NOTIFY_STOP;
	snprintf(prio, sizeof(prio), "%u", t->priority);
	if (hooks[h].argv)
		notify_queue(r, h, &hooks[h], NULL, 0, t, timeout_us, NULL, NULL);
	if (hooks[CONF_HOOK_NOTIFY].argv)
		notify_queue(r, CONF_HOOK_NOTIFY, &hooks[CONF_HOOK_NOTIFY], extra, 4, t, timeout_us,
			     NULL, NULL);
	sd_event_now(r->ev, CLOCK_MONOTONIC, &now);
	if (r->fifo)
		notify_fifo_write(r->fifo, t->kind, t->name, t->state, t->priority, now);
}

json_object *notify_status(const struct notify_runner *r)
{
	json_object *o = json_object_new_object(), *runs = json_object_new_object(), *f;
	unsigned running = 0, queued = 0;

	for (const struct notify_job *j = r->jobs; j; j = j->next) {
		if (j->run)
			running++;
		else
			queued++;
	}
	json_object_object_add(o, "running", json_object_new_int((int)running));
	json_object_object_add(o, "queued", json_object_new_int((int)queued));
	for (int h = 0; h < CONF_HOOK_COUNT; h++) {
		json_object *per = json_object_new_object();

		for (int k = 0; k < NOTIFY_RESULT_COUNT; k++)
			json_object_object_add(per, notify_result_names[k],
					       json_object_new_int64((int64_t)r->runs[h][k]));
		json_object_object_add(runs, conf_hook_name((enum conf_hook)h), per);
	}
	json_object_object_add(o, "runs", runs);
	if (r->fifo) {
		f = json_object_new_object();
		json_object_object_add(f, "path", json_object_new_string(notify_fifo_path(r->fifo)));
		json_object_object_add(f, "written", json_object_new_int64((int64_t)notify_fifo_written(r->fifo)));
		json_object_object_add(f, "dropped", json_object_new_int64((int64_t)notify_fifo_dropped(r->fifo)));
		json_object_object_add(o, "fifo", f);
	} else {
		json_object_object_add(o, "fifo", NULL);
	}
	return o;
}
