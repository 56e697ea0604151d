/* The minimal hook runner: hooks of one instance (or sync group) one at a time in transition
 * order, reaped by the loop, logged; and the notify_fifo writer. Timeouts come with the notify issue. */
#include "notify/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"
#include "common/util.h"
#include "daemon/log.h"


struct notify_runner {
	sd_event *ev;
	char *fifo_path;
	char *node;
	int fifo_fd;
	unsigned running;
	unsigned long fifo_dropped;
	struct notify_job *jobs;  /* in the order queued */
};

/* One hook to run. Jobs of one key (an instance, or a sync group and its members) run one at a
 * time, in the order queued. */
struct notify_job {
	struct notify_runner *r;
	struct notify_job *next;
	char *key;
	char *what;
	char **argv, **env;
	pid_t pid;        /* 0: waiting */
};

static void notify_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static void notify_job_free(struct notify_job *j)
{
	free(j->key);
	free(j->what);
	notify_strv_free(j->argv);
	notify_strv_free(j->env);
	free(j);
}

struct notify_runner *notify_runner_new(sd_event *ev, const char *fifo_path, const char *node)
{
	struct notify_runner *r = xcalloc(1, sizeof(*r));

	r->ev = sd_event_ref(ev);
	r->fifo_path = xstrdup(fifo_path);
	r->node = xstrdup(node);
	r->fifo_fd = -1;
	return r;
}

void notify_runner_free(struct notify_runner *r)
{
	if (!r)
		return;
	if (r->fifo_fd >= 0)
		close(r->fifo_fd);
	/* running hooks are left to finish on their own; only our bookkeeping goes */
	while (r->jobs) {
		struct notify_job *j = r->jobs;

		r->jobs = j->next;
		notify_job_free(j);
	}
	sd_event_unref(r->ev);
	free(r->fifo_path);
	free(r->node);
	free(r);
}

unsigned notify_pending(const struct notify_runner *r)
{
	unsigned n = 0;

	for (const struct notify_job *j = r->jobs; j; j = j->next)
		n++;
	return n;
}

static void notify_start_next(struct notify_runner *r, const char *key);

static int notify_on_exit(sd_event_source *s, const siginfo_t *si, void *userdata)
{
	struct notify_job *j = userdata, **pp;
	struct notify_runner *r = j->r;
	char *key = xstrdup(j->key);

	if (si->si_code == CLD_EXITED && si->si_status == 0)
		log_obj(LOG_INFO, "notify", "%s: exit 0", j->what);
	else if (si->si_code == CLD_EXITED)
		log_obj(LOG_WARNING, "notify", "%s: exit %d", j->what, si->si_status);
	else
		log_obj(LOG_WARNING, "notify", "%s: killed by signal %d", j->what, si->si_status);
	r->running--;
	sd_event_source_disable_unref(s);
	for (pp = &r->jobs; *pp != j; pp = &(*pp)->next)
		;
	*pp = j->next;
	notify_job_free(j);
	notify_start_next(r, key);
	free(key);
	return 0;
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
	/* the quorum fills these in; without it there is no term and no leader */
	env[k++] = xstrdup("KEEPQUORUM_TERM=");
	env[k++] = xstrdup("KEEPQUORUM_LEADER=");
	return env;
}

static bool notify_exec(struct notify_job *j)
{
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int e;

	/* its own process group, signals unblocked and SIGPIPE back to default: the daemon blocks
	 * or ignores them, a script expects them as usual */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	e = posix_spawn(&j->pid, j->argv[0], NULL, &attr, j->argv, j->env);
	posix_spawnattr_destroy(&attr);
	if (e) {
		log_obj(LOG_WARNING, "notify", "cannot run %s: %s", j->what, strerror(e));
		return false;
	}
	if (sd_event_add_child(j->r->ev, NULL, j->pid, WEXITED, notify_on_exit, j) < 0) {
		log_obj(LOG_WARNING, "notify", "cannot watch %s (pid %d)", j->what, (int)j->pid);
		return false;
	}
	j->r->running++;
	return true;
}

/* Start the oldest waiting job of key, unless one of key's is running; a job that cannot start
 * is dropped (and said) so the queue moves on. */
static void notify_start_next(struct notify_runner *r, const char *key)
{
	struct notify_job **pp = &r->jobs;

	while (*pp) {
		struct notify_job *j = *pp;

		if (strcmp(j->key, key)) {
			pp = &j->next;
			continue;
		}
		if (j->pid)
			return;
		if (notify_exec(j))
			return;
		*pp = j->next;
		notify_job_free(j);
	}
}

static void notify_queue(struct notify_runner *r, const struct conf_cmd *cmd, const char *const *extra,
			 size_t n_extra, const struct notify_transition *t)
{
	struct notify_job *j = xcalloc(1, sizeof(*j)), **pp;

	j->r = r;
	j->key = t->sync_group ? xasprintf("GROUP %s", t->sync_group) : xasprintf("%s %s", t->kind, t->name);
	j->what = xasprintf("(%s) %s%s", t->name, cmd->text, n_extra ? " ..." : "");
	j->argv = xcalloc(cmd->argc + n_extra + 1, sizeof(*j->argv));
	for (size_t i = 0; i < cmd->argc; i++)
		j->argv[i] = xstrdup(cmd->argv[i]);
	for (size_t i = 0; i < n_extra; i++)
		j->argv[cmd->argc + i] = xstrdup(extra[i]);
	j->env = notify_env(r, t);
	for (pp = &r->jobs; *pp; pp = &(*pp)->next)
		;
	*pp = j;
	notify_start_next(r, j->key);
}

/* keepalived's fifo line: INSTANCE "name" STATE PRIORITY. Non-blocking: with no reader, or a
 * full pipe, the line is dropped and counted, never waited for. */
static void notify_fifo(struct notify_runner *r, const struct notify_transition *t)
{
	char line[256];
	int n;

	if (!r->fifo_path)
		return;
	if (r->fifo_fd < 0) {
		if (mkfifo(r->fifo_path, 0600) < 0 && errno != EEXIST)
			log_obj(LOG_WARNING, "notify", "mkfifo %s: %s", r->fifo_path, strerror(errno));
		r->fifo_fd = open(r->fifo_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	}
	n = snprintf(line, sizeof(line), "%s \"%s\" %s %u\n", t->kind, t->name, t->state, t->priority);
	if (r->fifo_fd < 0 || write(r->fifo_fd, line, (size_t)n) != n) {
		if (r->fifo_fd >= 0 && errno == EPIPE) {
			close(r->fifo_fd);
			r->fifo_fd = -1;
		}
		r->fifo_dropped++;
		log_obj(LOG_INFO, "notify", "notify_fifo: no reader, line dropped (%lu so far)",
			r->fifo_dropped);
	}
}

void notify_transition(struct notify_runner *r, const struct conf_cmd *hooks,
		       const struct notify_transition *t)
{
	enum conf_hook h;
	char prio[16];
	const char *extra[4] = {t->kind, t->name, t->state, prio};

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
		notify_queue(r, &hooks[h], NULL, 0, t);
	if (hooks[CONF_HOOK_NOTIFY].argv)
		notify_queue(r, &hooks[CONF_HOOK_NOTIFY], extra, 4, t);
	notify_fifo(r, t);
}
