/* [vrrp_script] runs: one child at a time (common/run.c: its output and its exit watched by the
 * loop, whatever it left in its process group killed when it exits, so that no check can pile up
 * processes run after run); the first line of its output is the run's detail. */
#include "healthcheck/runner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/run.h"
#include "common/util.h"

#define HEALTH_SCRIPT_LINE_MAX 150

struct health_script {
	sd_event *ev;
	char *name;
	char **argv, **env;
	struct child_ids ids;         /* the user's groups looked up once (NSS may be slow) */
	uint64_t timeout_us;
	health_done_fn done;
	void *userdata;
	struct child_run *run;        /* the run in progress, NULL: none */
	char line[HEALTH_SCRIPT_LINE_MAX + 1]; /* its first line of output */
};

/* The first line is the detail (it goes into logs and status output); the rest is dropped. */
static bool health_script_on_line(void *userdata, const char *line)
{
	struct health_script *s = userdata;

	snprintf(s->line, sizeof(s->line), "%s", line);
	return false;
}

static void health_script_on_end(void *userdata, const struct child_run_end *e)
{
	struct health_script *s = userdata;
	struct health_result r = {.started_us = e->started_us, .duration_us = e->duration_us,
				  .timed_out = e->timed_out};
	char how[40];   /* with ": " and the line, it fits the detail */

	s->run = NULL;
	child_run_describe(e, s->timeout_us, how, sizeof(how));
	r.ok = e->started && !e->timed_out && e->code == CLD_EXITED && e->status == 0;
	if (r.ok)
		snprintf(r.detail, sizeof(r.detail), "%s", s->line[0] ? s->line : how);
	else if (e->started && !e->timed_out && e->code == CLD_EXITED && s->line[0])
		snprintf(r.detail, sizeof(r.detail), "%s: %s", how, s->line);
	else
		snprintf(r.detail, sizeof(r.detail), "%s", how);
	s->done(s->userdata, &r);   /* last: it may start the next run, or free s */
}

struct health_script *health_script_new(sd_event *ev, const struct health_script_params *p,
					health_done_fn done, void *userdata)
{
	size_t n_env;
	struct health_script *s = xcalloc(1, sizeof(*s));

	s->ev = sd_event_ref(ev);
	s->name = xstrdup(p->name);
	s->argv = util_strv_dup(p->cmd->argv, p->cmd->argc, 0);
	s->env = child_environ(0, &n_env);
	child_ids_from(p->uid, p->gid, &s->ids);
	s->timeout_us = p->timeout_us;
	s->done = done;
	s->userdata = userdata;
	return s;
}

int health_script_run(struct health_script *s)
{
	struct child_spec spec = {.argv = s->argv, .envp = s->env};
	struct child_run_params p = {
		.name = s->name, .timeout_us = s->timeout_us, .grace_us = HEALTH_SCRIPT_KILL_GRACE_US,
		.line_max = HEALTH_SCRIPT_LINE_MAX, .line = health_script_on_line,
		.end = health_script_on_end, .userdata = s,
	};
	int r = 0;

	if (s->run)
		return -EBUSY;
	child_ids_apply(&s->ids, &spec);
	s->line[0] = '\0';
	s->run = child_run_start(s->ev, &spec, &p, &r);
	if (!s->run)
		util_die("(%s) cannot schedule a run: out of memory", s->name);
	return r;
}

bool health_script_busy(const struct health_script *s)
{
	return s->run != NULL;
}

void health_script_free(struct health_script *s)
{
	if (!s)
		return;
	child_run_free(s->run);
	util_strv_free(s->argv);
	util_strv_free(s->env);
	child_ids_free(&s->ids);
	free(s->name);
	sd_event_unref(s->ev);
	free(s);
}
