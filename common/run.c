/* One run of a child process under the event loop: see run.h. */
#include "common/run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/log.h"

#define RUN_CHUNK 16384
/* reads per wakeup: a child that prints without pause cannot hold the loop */
#define RUN_READS_PER_EVENT 16
/* what is still in the pipe when the child exits: enough for a full default pipe buffer */
#define RUN_DRAIN_READS 64

struct child_run {
	sd_event *ev;
	char *name;
	uint64_t timeout_us, grace_us;
	size_t line_max;
	child_run_line_fn line_fn;
	child_run_end_fn end_fn;
	void *userdata;
	bool want_lines;
	pid_t pid;                   /* and its process group; 0: none */
	int out_fd;
	sd_event_source *child_src, *io_src, *timer_src, *failed_src;
	struct child_run_end end;
	/* the line being read */
	char line[CHILD_RUN_LINE_MAX + 1];
	size_t line_len;
	bool skipping;               /* the rest of a line that was cut */
};

void child_run_secs(char *buf, size_t len, uint64_t us)
{
	int decimals = us % 100000 == 0 ? 1 : us % 10000 == 0 ? 2 : 3;

	snprintf(buf, len, "%.*f s", decimals, (double)us / 1e6);
}

void child_run_describe(const struct child_run_end *e, uint64_t timeout_us, char *buf, size_t len)
{
	const char *sig = e->started ? sigabbrev_np(e->status) : NULL;
	char t[32];

	if (!e->started) {
		snprintf(buf, len, "cannot start: %s", strerror(-e->error));
	} else if (e->timed_out) {
		child_run_secs(t, sizeof(t), timeout_us);
		snprintf(buf, len, "timed out after %s", t);
	} else if (e->code == CLD_EXITED) {
		snprintf(buf, len, "exit %d", e->status);
	} else if (sig) {
		snprintf(buf, len, "killed by signal SIG%s", sig);
	} else {
		snprintf(buf, len, "killed by signal %d", e->status);
	}
}

pid_t child_run_pid(const struct child_run *r)
{
	return r->pid;
}

/* The line so far goes to the caller: trailing blanks go, and so does a multi-byte character
 * cut by the length limit (lines go to the journal, which keeps a message that is not valid
 * UTF-8 as a binary blob). */
static void run_line_flush(struct child_run *r)
{
	size_t n = r->line_len, lead = n;

	r->line_len = 0;
	while (lead > 0 && n - lead < 3 && ((unsigned char)r->line[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead > 0 && (unsigned char)r->line[lead - 1] >= 0xc0) {
		unsigned char c = (unsigned char)r->line[lead - 1];
		size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (n - (lead - 1) < need)
			n = lead - 1;
	}
	while (n > 0 && r->line[n - 1] == ' ')
		n--;
	r->line[n] = '\0';
	if (n && r->want_lines)
		r->want_lines = r->line_fn(r->userdata, r->line);
}

static void run_take(struct child_run *r, const char *buf, size_t n)
{
	for (size_t i = 0; i < n && r->want_lines; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n') {
			if (!r->skipping)
				run_line_flush(r);
			r->skipping = false;
			continue;
		}
		if (r->skipping)
			continue;
		if ((c == ' ' || c == '\t') && r->line_len)
			r->line[r->line_len++] = ' ';
		else if (c > ' ' && c != 0x7f)
			r->line[r->line_len++] = (char)c;
		if (r->line_len == r->line_max) {
			run_line_flush(r);
			r->skipping = true;
		}
	}
}

/* One read of the output pipe: > 0 bytes read, 0 at EOF, -errno (-EAGAIN: nothing now). */
static ssize_t run_read(struct child_run *r)
{
	char buf[RUN_CHUNK];
	ssize_t n;

	do
		n = read(r->out_fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	run_take(r, buf, (size_t)n);
	return n;
}

static void run_close_output(struct child_run *r)
{
	r->io_src = sd_event_source_disable_unref(r->io_src);
	if (r->out_fd >= 0)
		close(r->out_fd);
	r->out_fd = -1;
}

static int run_on_output(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct child_run *r = userdata;

	for (int i = 0; i < RUN_READS_PER_EVENT; i++) {
		ssize_t n = run_read(r);

		if (n == -EAGAIN)
			return 0;
		if (n <= 0) {
			/* EOF: everything holding the pipe is gone; the exit is reported apart */
			run_close_output(r);
			return 0;
		}
	}
	return 0;
}

static void run_destroy(struct child_run *r)
{
	r->child_src = sd_event_source_disable_unref(r->child_src);
	r->timer_src = sd_event_source_disable_unref(r->timer_src);
	r->failed_src = sd_event_source_disable_unref(r->failed_src);
	run_close_output(r);
	sd_event_unref(r->ev);
	free(r->name);
	free(r);
}

static void run_report(struct child_run *r)
{
	r->end.duration_us = util_now_usec() - r->end.started_us;
	r->end_fn(r->userdata, &r->end);
	run_destroy(r);
}

static int run_on_exit(sd_event_source *src, const siginfo_t *si, void *userdata)
{
	struct child_run *r = userdata;
	siginfo_t reaped;

	if (!r) {
		/* a run dropped by child_run_free(): the loop kept this source only to reap the
		 * child, which sd-event does after this callback; its reference goes now */
		sd_event_source_set_floating(src, false);
		return 0;
	}
	/* what it wrote before exiting may still be in the pipe; then the pipe goes, whoever
	 * else holds it */
	for (int i = 0; i < RUN_DRAIN_READS && r->out_fd >= 0 && r->want_lines; i++)
		if (run_read(r) <= 0)
			break;
	if (r->line_len && !r->skipping)
		run_line_flush(r);
	run_close_output(r);
	/* Reaped here rather than by sd-event after this callback, so that the group kill below
	 * reaches only what it left behind: the group's ID stays reserved while any member lives. */
	(void)waitid(P_PID, (id_t)r->pid, &reaped, WEXITED | WNOHANG);
	if (child_kill_group(r->pid, SIGKILL) > 0) {
		r->end.leftovers = true;
		log_obj(LOG_INFO, r->name, "it left processes in its process group: killed");
	}
	r->end.code = si->si_code;
	r->end.status = si->si_status;
	run_report(r);
	return 0;
}

/* First the timeout: SIGTERM to the group, as keepalived does; then, the grace later, SIGKILL.
 * The end is reported when the child has been reaped. */
static int run_on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct child_run *r = userdata;
	char t[32];

	if (!r->end.timed_out) {
		r->end.timed_out = true;
		child_run_secs(t, sizeof(t), r->timeout_us);
		log_obj(LOG_DEBUG, r->name, "timed out after %s: SIGTERM to its process group", t);
		(void)child_kill_group(r->pid, SIGTERM);
		sd_event_source_set_time(src, usec + r->grace_us);
		sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
		return 0;
	}
	child_run_secs(t, sizeof(t), r->grace_us);
	log_obj(LOG_INFO, r->name, "it outlived SIGTERM by %s: SIGKILL to its process group", t);
	(void)child_kill_group(r->pid, SIGKILL);
	return 0;
}

static int run_on_failed(sd_event_source *src, void *userdata)
{
	run_report(userdata);
	return 0;
}

static int run_spawn(struct child_run *r, const struct child_spec *spec)
{
	struct child_spec s = *spec;
	int fds[2], e;

	/* only our end non-blocking: the child writes to a normal, blocking pipe */
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	r->out_fd = fds[0];
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0)
		e = -errno;
	else
		e = sd_event_add_io(r->ev, &r->io_src, fds[0], EPOLLIN, run_on_output, r);
	if (e >= 0)
		e = sd_event_add_time(r->ev, &r->timer_src, CLOCK_MONOTONIC,
				      r->end.started_us + r->timeout_us, 1000, run_on_timer, r);
	s.out_fd = fds[1];
	if (e >= 0)
		e = child_spawn(&s, &r->pid);
	close(fds[1]);
	if (e < 0)
		return e;
	e = sd_event_add_child(r->ev, &r->child_src, r->pid, WEXITED, run_on_exit, r);
	if (e < 0) {
		/* unwatched, it could never be reaped by the loop: SIGKILL'd, it is gone at once */
		(void)child_kill_group(r->pid, SIGKILL);
		(void)waitpid(r->pid, NULL, 0);
		r->pid = 0;
	}
	return e;
}

struct child_run *child_run_start(sd_event *ev, const struct child_spec *spec,
				  const struct child_run_params *p, int *err)
{
	struct child_run *r = xcalloc(1, sizeof(*r));
	int e;

	r->ev = sd_event_ref(ev);
	r->name = xstrdup(p->name);
	r->timeout_us = p->timeout_us;
	r->grace_us = p->grace_us;
	r->line_max = p->line_max && p->line_max <= CHILD_RUN_LINE_MAX ? p->line_max : CHILD_RUN_LINE_MAX;
	r->line_fn = p->line;
	r->end_fn = p->end;
	r->userdata = p->userdata;
	r->want_lines = p->line != NULL;
	r->out_fd = -1;
	r->end.started_us = util_now_usec();
	e = run_spawn(r, spec);
	*err = e < 0 ? e : 0;
	if (e >= 0) {
		r->end.started = true;
		return r;
	}
	/* reported from the loop like every end: the caller is never re-entered from here */
	r->child_src = sd_event_source_disable_unref(r->child_src);
	r->timer_src = sd_event_source_disable_unref(r->timer_src);
	run_close_output(r);
	r->end.error = e;
	if (sd_event_add_defer(ev, &r->failed_src, run_on_failed, r) < 0) {
		run_destroy(r);
		return NULL;
	}
	return r;
}

void child_run_free(struct child_run *r)
{
	if (!r)
		return;
	if (r->pid > 0 && r->child_src) {
		(void)child_kill_group(r->pid, SIGKILL);
		/* the loop keeps the child's source (floating: its own reference), only to reap
		 * the child when it is gone */
		sd_event_source_set_userdata(r->child_src, NULL);
		sd_event_source_set_floating(r->child_src, true);
		r->child_src = sd_event_source_unref(r->child_src);
	}
	run_destroy(r);
}
