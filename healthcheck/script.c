/* [vrrp_script] runs: one child at a time, its output and its exit watched by the loop. A run
 * ends when the script itself exits, not when its output pipe closes: a daemon it started may
 * hold the pipe open for ever. Whatever it left in its process group is killed then, so no
 * check can pile up processes run after run. */
#include "healthcheck/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"
#include "common/util.h"
#include "daemon/log.h"

#define HEALTH_SCRIPT_LINE_MAX 150
#define HEALTH_SCRIPT_CHUNK 16384
/* reads per wakeup: a script that prints without pause cannot hold the loop */
#define HEALTH_SCRIPT_READS_PER_EVENT 16
/* what is still in the pipe when the script exits: enough for a full default pipe buffer */
#define HEALTH_SCRIPT_DRAIN_READS 64


struct health_script {
	sd_event *ev;
	char *name;
	char **argv, **env;
	uid_t uid;
	gid_t gid;
	gid_t *groups;                /* the user's groups, looked up once (NSS may be slow) */
	size_t n_groups;
	uint64_t timeout_us;
	health_done_fn done;
	void *userdata;
	sd_event_source *failed_src;  /* off; on: reports the run that could not start */
	char failed[160];
	/* the run in progress */
	bool busy, timed_out;
	pid_t pid;                    /* and its process group; 0: none */
	int out_fd;
	sd_event_source *child_src, *io_src, *timer_src;
	uint64_t started_us;
	char line[HEALTH_SCRIPT_LINE_MAX + 1];
	size_t line_len;
	bool line_done;
};

static char **health_script_strv(char *const *v, size_t n)
{
	char **c = xcalloc(n + 1, sizeof(*c));

	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

static void health_script_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* Keep the first non-empty line, printable characters only (tabs as spaces), at most
 * HEALTH_SCRIPT_LINE_MAX bytes: it goes into logs and status output. */
static void health_script_take(struct health_script *s, const char *buf, size_t n)
{
	for (size_t i = 0; i < n && !s->line_done; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n')
			s->line_done = s->line_len > 0;
		else if ((c == ' ' || c == '\t') && s->line_len)
			s->line[s->line_len++] = ' ';
		else if (c > ' ' && c != 0x7f)
			s->line[s->line_len++] = (char)c;
		if (s->line_len == HEALTH_SCRIPT_LINE_MAX)
			s->line_done = true;
	}
	s->line[s->line_len] = '\0';
}

/* Trailing blanks go, and so does a multi-byte character cut by the length limit (the detail
 * goes to the journal, which keeps a message that is not valid UTF-8 as a binary blob). */
static void health_script_line_end(struct health_script *s)
{
	size_t n = s->line_len, lead = n;

	while (lead > 0 && n - lead < 3 && ((unsigned char)s->line[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead > 0 && (unsigned char)s->line[lead - 1] >= 0xc0) {
		unsigned char c = (unsigned char)s->line[lead - 1];
		size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (n - (lead - 1) < need)
			n = lead - 1;
	}
	while (n > 0 && s->line[n - 1] == ' ')
		n--;
	s->line[n] = '\0';
	s->line_len = n;
}

/* One read of the output pipe: > 0 bytes read, 0 at EOF, -errno (-EAGAIN: nothing now). */
static ssize_t health_script_read(struct health_script *s)
{
	char buf[HEALTH_SCRIPT_CHUNK];
	ssize_t n;

	do
		n = read(s->out_fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	health_script_take(s, buf, (size_t)n);
	return n;
}

static void health_script_close_output(struct health_script *s)
{
	s->io_src = sd_event_source_disable_unref(s->io_src);
	if (s->out_fd >= 0)
		close(s->out_fd);
	s->out_fd = -1;
}

static int health_script_on_output(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct health_script *s = userdata;

	for (int i = 0; i < HEALTH_SCRIPT_READS_PER_EVENT; i++) {
		ssize_t n = health_script_read(s);

		if (n == -EAGAIN)
			return 0;
		if (n <= 0) {
			/* EOF: everything holding the pipe is gone; the exit is reported apart */
			health_script_close_output(s);
			return 0;
		}
	}
	return 0;
}

/* The run's sources and pipe go; the caller reports (or not) and clears busy. */
static void health_script_end_run(struct health_script *s)
{
	s->child_src = sd_event_source_disable_unref(s->child_src);
	s->timer_src = sd_event_source_disable_unref(s->timer_src);
	health_script_close_output(s);
	s->pid = 0;
}

static void health_script_secs(char *buf, size_t size, uint64_t us)
{
	int decimals = us % 100000 == 0 ? 1 : us % 10000 == 0 ? 2 : 3;

	snprintf(buf, size, "%.*f s", decimals, (double)us / 1e6);
}

static void health_script_detail(struct health_script *s, const siginfo_t *si,
				 struct health_result *r)
{
	const char *sig = sigabbrev_np(si->si_status);
	char t[32];

	health_script_line_end(s);
	if (s->timed_out) {
		health_script_secs(t, sizeof(t), s->timeout_us);
		snprintf(r->detail, sizeof(r->detail), "timed out after %s", t);
	} else if (si->si_code == CLD_EXITED && si->si_status == 0) {
		r->ok = true;
		snprintf(r->detail, sizeof(r->detail), "%s", s->line_len ? s->line : "exit 0");
	} else if (si->si_code == CLD_EXITED) {
		snprintf(r->detail, sizeof(r->detail), "exit %d%s%s", si->si_status,
			 s->line_len ? ": " : "", s->line);
	} else if (sig) {
		snprintf(r->detail, sizeof(r->detail), "killed by signal SIG%s", sig);
	} else {
		snprintf(r->detail, sizeof(r->detail), "killed by signal %d", si->si_status);
	}
}

static int health_script_on_exit(sd_event_source *src, const siginfo_t *si, void *userdata)
{
	struct health_script *s = userdata;
	struct health_result r = {.started_us = 0};
	siginfo_t reaped;

	if (!s) {
		/* a run dropped by health_script_free(): the loop kept this source only to reap
		 * the child, which sd-event does after this callback; its reference goes now */
		sd_event_source_set_floating(src, false);
		return 0;
	}
	/* what it wrote before exiting may still be in the pipe; then the pipe goes, whoever
	 * else holds it */
	for (int i = 0; i < HEALTH_SCRIPT_DRAIN_READS && s->out_fd >= 0 && !s->line_done; i++)
		if (health_script_read(s) <= 0)
			break;
	health_script_close_output(s);
	/* Reaped here rather than by sd-event after this callback, so that the group kill below
	 * reaches only what it left behind: the group's ID stays reserved while any member lives. */
	(void)waitid(P_PID, (id_t)s->pid, &reaped, WEXITED | WNOHANG);
	if (child_kill_group(s->pid, SIGKILL) > 0)
		log_obj(LOG_INFO, s->name, "the script left processes in its process group: killed");
	r.started_us = s->started_us;
	r.duration_us = util_now_usec() - s->started_us;
	r.timed_out = s->timed_out;
	health_script_detail(s, si, &r);
	health_script_end_run(s);
	s->busy = false;
	s->done(s->userdata, &r);   /* last: it may start the next run, or free s */
	return 0;
}

/* First the timeout: SIGTERM to the group, as keepalived does; then, the grace later, SIGKILL.
 * The run is reported when the script has been reaped. */
static int health_script_on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct health_script *s = userdata;
	char t[32];

	if (!s->timed_out) {
		s->timed_out = true;
		health_script_secs(t, sizeof(t), s->timeout_us);
		log_obj(LOG_DEBUG, s->name, "timed out after %s: SIGTERM to its process group", t);
		(void)child_kill_group(s->pid, SIGTERM);
		sd_event_source_set_time(src, usec + HEALTH_SCRIPT_KILL_GRACE_US);
		sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
		return 0;
	}
	health_script_secs(t, sizeof(t), HEALTH_SCRIPT_KILL_GRACE_US);
	log_obj(LOG_INFO, s->name, "the script outlived SIGTERM by %s: SIGKILL to its process group", t);
	(void)child_kill_group(s->pid, SIGKILL);
	return 0;
}

static int health_script_on_failed(sd_event_source *src, void *userdata)
{
	struct health_script *s = userdata;
	struct health_result r = {.started_us = s->started_us};

	r.duration_us = util_now_usec() - s->started_us;
	snprintf(r.detail, sizeof(r.detail), "%s", s->failed);
	s->busy = false;
	s->done(s->userdata, &r);
	return 0;
}

static int health_script_start(struct health_script *s)
{
	struct child_spec spec = {
		.argv = s->argv, .envp = s->env, .uid = s->uid, .gid = s->gid,
		.groups = s->groups, .n_groups = s->n_groups,
		/* without privilege only our own ids are possible; other ids are still asked
		 * for, and the child says why it cannot have them */
		.set_ids = geteuid() == 0 || s->uid != geteuid() || s->gid != getegid(),
	};
	int fds[2], r;

	/* only our end non-blocking: the script writes to a normal, blocking pipe */
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	s->out_fd = fds[0];
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0)
		r = -errno;
	else
		r = sd_event_add_io(s->ev, &s->io_src, fds[0], EPOLLIN, health_script_on_output, s);
	if (r >= 0)
		r = sd_event_add_time(s->ev, &s->timer_src, CLOCK_MONOTONIC,
				      s->started_us + s->timeout_us, 1000, health_script_on_timer, s);
	spec.out_fd = fds[1];
	if (r >= 0)
		r = child_spawn(&spec, &s->pid);
	close(fds[1]);
	if (r < 0)
		return r;
	r = sd_event_add_child(s->ev, &s->child_src, s->pid, WEXITED, health_script_on_exit, s);
	if (r < 0) {
		/* unwatched, it could never be reaped by the loop: SIGKILL'd, it is gone at once */
		(void)child_kill_group(s->pid, SIGKILL);
		(void)waitpid(s->pid, NULL, 0);
		s->pid = 0;
		return r;
	}
	return 0;
}

struct health_script *health_script_new(sd_event *ev, const struct health_script_params *p,
					health_done_fn done, void *userdata)
{
	size_t n_env;
	struct health_script *s = xcalloc(1, sizeof(*s));

	s->ev = sd_event_ref(ev);
	s->name = xstrdup(p->name);
	s->argv = health_script_strv(p->cmd->argv, p->cmd->argc);
	s->env = child_environ(0, &n_env);
	s->uid = p->uid;
	s->gid = p->gid;
	/* when it fails, child_spawn() looks them up itself at each run */
	if (child_groups(s->uid, s->gid, &s->groups, &s->n_groups) < 0) {
		s->groups = NULL;
		s->n_groups = 0;
	}
	s->timeout_us = p->timeout_us;
	s->done = done;
	s->userdata = userdata;
	s->out_fd = -1;
	/* made now, so that reporting a run that cannot start cannot itself fail later */
	if (sd_event_add_defer(ev, &s->failed_src, health_script_on_failed, s) < 0 ||
	    sd_event_source_set_enabled(s->failed_src, SD_EVENT_OFF) < 0) {
		health_script_free(s);
		return NULL;
	}
	return s;
}

int health_script_run(struct health_script *s)
{
	int r;

	if (s->busy)
		return -EBUSY;
	s->busy = true;
	s->timed_out = false;
	s->line_len = 0;
	s->line_done = false;
	s->line[0] = '\0';
	s->started_us = util_now_usec();
	r = health_script_start(s);
	if (r < 0) {
		health_script_end_run(s);
		snprintf(s->failed, sizeof(s->failed), "cannot start: %s", strerror(-r));
		/* reported from the loop like every run: the caller is never re-entered from here */
		if (sd_event_source_set_enabled(s->failed_src, SD_EVENT_ONESHOT) < 0)
			util_die("(%s) cannot schedule the report of a failed run", s->name);
	}
	return r;
}

bool health_script_busy(const struct health_script *s)
{
	return s->busy;
}

void health_script_free(struct health_script *s)
{
	if (!s)
		return;
	if (s->pid > 0) {
		(void)child_kill_group(s->pid, SIGKILL);
		/* the loop keeps the child's source (floating: its own reference), only to reap
		 * the child when it is gone */
		sd_event_source_set_userdata(s->child_src, NULL);
		sd_event_source_set_floating(s->child_src, true);
		s->child_src = sd_event_source_unref(s->child_src);
	}
	health_script_end_run(s);
	sd_event_source_disable_unref(s->failed_src);
	health_script_strv_free(s->argv);
	health_script_strv_free(s->env);
	free(s->groups);
	free(s->name);
	sd_event_unref(s->ev);
	free(s);
}
