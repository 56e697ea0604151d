/* notify/runner.c and notify/fifo.c: real hooks run by a real sd-event loop. The scripts record
 * what they saw (argv, environment, start and end stamps) in files; the assertions read those.
 * Timing bounds are loose on purpose: they tell "at once" from "at the timeout" from "never". */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "notify/fifo.h"
#include "notify/runner.h"
#include "tests/unit/testutil.h"

#define SEC 1000000ULL

static char *script(const char *name, const char *body)
{
	char *text = xasprintf("#!/bin/sh\n%s\n", body);
	char *path = tu_write(name, text, 0755);

	free(text);
	return path;
}

static char *tmp_path(const char *name)
{
	char *p = xasprintf("%s/%s", tu_dir(), name);

	unlink(p);
	return p;
}

static char *slurp(const char *path)
{
	char *text = NULL;
	size_t len;

	if (util_read_file(path, 1 << 20, &text, &len) < 0)
		return xstrdup("");
	return text;
}

/* A config with the given [global] lines, and one instance (the runner reads [global] only). */
static struct conf *config(const char *global)
{
	char *text = xasprintf("[global]\nrouter_id = node-a\n%s\n[vrrp_instance db]\ninterface = lo\n"
			       "virtual_router_id = 7\nvirtual_ipaddress = 10.9.9.9/32\n", global);
	struct conf *c = NULL;
	struct conf_diags d = {0};
	int r = tu_load(text, &c, &d);

	ck_assert_msg(r == 0, "config: %s", tu_diags(&d));
	free(text);
	return c;
}

static struct conf_cmd cmd_of(char **argv)
{
	size_t n = 0;

	while (argv[n])
		n++;
	return (struct conf_cmd){.text = argv[0], .argv = argv, .argc = n};
}

static void loop_until_idle(sd_event *ev, struct notify_runner *r, uint64_t max_us)
{
	uint64_t end = util_now_usec() + max_us;

	while (notify_pending(r) && util_now_usec() < end)
		ck_assert_int_ge(sd_event_run(ev, 20000), 0);
	ck_assert_msg(!notify_pending(r), "hooks still pending after %.1f s", (double)max_us / SEC);
}

static int64_t runs(struct notify_runner *r, const char *hook, const char *result)
{
	json_object *st = notify_status(r), *runs, *h, *n;
	int64_t v = -1;

	if (json_object_object_get_ex(st, "runs", &runs) && json_object_object_get_ex(runs, hook, &h) &&
	    json_object_object_get_ex(h, result, &n))
		v = json_object_get_int64(n);
	json_object_put(st);
	return v;
}

static struct notify_transition trans(const char *state, const char *prev)
{
	return (struct notify_transition){.kind = "INSTANCE", .name = "db", .state = state,
					  .prev_state = prev, .priority = 150,
					  .vips = "10.0.0.100/24 fd00::100/64"};
}

/* MASTER, BACKUP, MASTER within microseconds: the hooks run in that order, one at a time (each
 * starts after the previous one ended), although each takes 0.2 s. */
START_TEST(test_order_under_flapping)
{
	char *log = tmp_path("order.log");
	char *body = xasprintf("echo \"start $KEEPQUORUM_STATE $3 $(date +%%s%%N)\" >> %s\nsleep 0.2\n"
			       "echo \"end $KEEPQUORUM_STATE $3 $(date +%%s%%N)\" >> %s", log, log);
	char *path = script("order.sh", body);
	char *argv[] = {path, NULL};
	struct conf_cmd hooks[CONF_HOOK_COUNT] = {0};
	struct conf *c = config("");
	sd_event *ev = NULL;
	struct notify_runner *r;
	char *text, *line, *save = NULL;
	const char *want[] = {"MASTER", "BACKUP", "MASTER"};
	long long prev_end = 0;
	int i = 0;

	hooks[CONF_HOOK_NOTIFY] = cmd_of(argv);
	ck_assert_int_ge(sd_event_new(&ev), 0);
	r = notify_runner_new(ev);
	notify_runner_configure(r, c);
	notify_transition(r, hooks, &(struct notify_transition){.kind = "INSTANCE", .name = "db",
		.state = "MASTER", .prev_state = "BACKUP", .priority = 150}, 5 * SEC);
	notify_transition(r, hooks, &(struct notify_transition){.kind = "INSTANCE", .name = "db",
		.state = "BACKUP", .prev_state = "MASTER", .priority = 150}, 5 * SEC);
	notify_transition(r, hooks, &(struct notify_transition){.kind = "INSTANCE", .name = "db",
		.state = "MASTER", .prev_state = "BACKUP", .priority = 150}, 5 * SEC);
	ck_assert_uint_eq(notify_pending(r), 3);
	loop_until_idle(ev, r, 10 * SEC);
	text = slurp(log);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		char what[8], state[8], word4[8];
		long long t;

		ck_assert_int_eq(sscanf(line, "%7s %7s %7s %lld", what, state, word4, &t), 4);
		ck_assert_str_eq(what, i % 2 ? "end" : "start");
		ck_assert_str_eq(state, want[i / 2]);
		/* notify's third appended word is the state too */
		ck_assert_str_eq(word4, want[i / 2]);
		if (i % 2 == 0)
			ck_assert_msg(t >= prev_end, "hook %d started before hook %d ended", i / 2, i / 2 - 1);
		else
			prev_end = t;
	}
	ck_assert_int_eq(i, 6);
	ck_assert_int_eq(runs(r, "notify", "ok"), 3);
	free(text);
	notify_runner_free(r);
	sd_event_unref(ev);
	conf_free(c);
	free(body);
	free(path);
	free(log);
}
END_TEST

/* Exactly what a hook sees: its own words (notify_master), or its words and four more
 * (notify); the KEEPQUORUM_* environment; none of the daemon's NOTIFY_SOCKET. */
START_TEST(test_argv_and_environment)
{
	char *out = tmp_path("argv.out");
	char *body = xasprintf("{ echo \"argc=$#\"; for a in \"$@\"; do echo \"arg=$a\"; done\n"
			       "env | grep -E '^(KEEPQUORUM_|NOTIFY_SOCKET)' | sort; echo --; } >> %s", out);
	char *path = script("argv.sh", body);
	char *m_argv[] = {path, "master-hook", "two words", NULL};
	char *n_argv[] = {path, "x", NULL};
	struct conf_cmd hooks[CONF_HOOK_COUNT] = {0};
	struct conf *c = config("");
	struct notify_transition t = trans("MASTER", "BACKUP");
	sd_event *ev = NULL;
	struct notify_runner *r;
	char *text;
	const char *env_part =
		"KEEPQUORUM_INSTANCE=db\nKEEPQUORUM_LEADER=\nKEEPQUORUM_NODE=node-a\n"
		"KEEPQUORUM_PREV_STATE=BACKUP\nKEEPQUORUM_PRIORITY=150\nKEEPQUORUM_STATE=MASTER\n"
		"KEEPQUORUM_TERM=\nKEEPQUORUM_VIPS=10.0.0.100/24 fd00::100/64\n--\n";
	char *want;

	hooks[CONF_HOOK_NOTIFY_MASTER] = cmd_of(m_argv);
	hooks[CONF_HOOK_NOTIFY] = cmd_of(n_argv);
	setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
	setenv("KEEPQUORUM_STATE", "stale", 1);
	ck_assert_int_ge(sd_event_new(&ev), 0);
	r = notify_runner_new(ev);
	notify_runner_configure(r, c);
	notify_transition(r, hooks, &t, 5 * SEC);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("KEEPQUORUM_STATE");
	loop_until_idle(ev, r, 10 * SEC);
	text = slurp(out);
	want = xasprintf("argc=2\narg=master-hook\narg=two words\n%s"
			 "argc=5\narg=x\narg=INSTANCE\narg=db\narg=MASTER\narg=150\n%s", env_part, env_part);
	ck_assert_str_eq(text, want);
	ck_assert_int_eq(runs(r, "notify_master", "ok"), 1);
	ck_assert_int_eq(runs(r, "notify", "ok"), 1);
	free(want);
	free(text);
	notify_runner_free(r);
	sd_event_unref(ev);
	conf_free(c);
	free(body);
	free(path);
	free(out);
}
END_TEST

struct done_log {
	unsigned n;
	enum conf_hook h[4];
	struct notify_outcome o[4];
};

static void on_done(void *owner, enum conf_hook h, const struct notify_outcome *o)
{
	struct done_log *d = owner;

	ck_assert_uint_lt(d->n, 4);
	d->h[d->n] = h;
	d->o[d->n++] = *o;
}

/* Exit codes: 0 is ok, anything else a failure with its first line of output; a hook that
 * cannot be executed is a failure that says why; each counted per hook and result. */
START_TEST(test_exit_codes)
{
	char *ok = script("promote-ok.sh", "echo promoted: primary now\nexit 0");
	char *bad = script("promote-bad.sh", "echo 'could not reach the server' >&2\nexit 3");
	char *ok_argv[] = {ok, NULL}, *bad_argv[] = {bad, NULL}, *none_argv[] = {"/nonexistent/x", NULL};
	struct conf_cmd ok_cmd = cmd_of(ok_argv), bad_cmd = cmd_of(bad_argv), none_cmd = cmd_of(none_argv);
	struct conf *c = config("");
	struct notify_transition t = trans("MASTER", "BACKUP");
	struct done_log d = {0};
	sd_event *ev = NULL;
	struct notify_runner *r;

	ck_assert_int_ge(sd_event_new(&ev), 0);
	r = notify_runner_new(ev);
	notify_runner_configure(r, c);
	notify_hook(r, CONF_HOOK_PROMOTE, &ok_cmd, &t, 5 * SEC, on_done, &d);
	notify_hook(r, CONF_HOOK_PROMOTE, &bad_cmd, &t, 5 * SEC, on_done, &d);
	notify_hook(r, CONF_HOOK_DEMOTE, &none_cmd, &t, 5 * SEC, on_done, &d);
	ck_assert_uint_eq(d.n, 0);  /* never from inside notify_hook() */
	loop_until_idle(ev, r, 10 * SEC);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_int_eq(d.h[0], CONF_HOOK_PROMOTE);
	ck_assert(d.o[0].ok);
	ck_assert_str_eq(d.o[0].detail, "exit 0");
	ck_assert(!d.o[1].ok);
	ck_assert_str_eq(d.o[1].detail, "exit 3: could not reach the server");
	ck_assert_int_eq(d.h[2], CONF_HOOK_DEMOTE);
	ck_assert(!d.o[2].ok);
	ck_assert_str_eq(d.o[2].detail, "exit 127: cannot execute /nonexistent/x: No such file or directory");
	ck_assert_int_eq(runs(r, "promote", "ok"), 1);
	ck_assert_int_eq(runs(r, "promote", "failed"), 1);
	ck_assert_int_eq(runs(r, "demote", "failed"), 1);
	ck_assert_int_eq(runs(r, "demote", "timeout"), 0);
	/* a forgotten owner hears nothing */
	notify_hook(r, CONF_HOOK_PROMOTE, &ok_cmd, &t, 5 * SEC, on_done, &d);
	notify_forget(r, &d);
	loop_until_idle(ev, r, 10 * SEC);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_int_eq(runs(r, "promote", "ok"), 2);
	notify_runner_free(r);
	sd_event_unref(ev);
	conf_free(c);
	free(ok);
	free(bad);
}
END_TEST

/* A hook that outlives its timeout, ignoring SIGTERM, with a child of its own: the whole process
 * group is killed (SIGKILL after the grace), the run counts as a timeout, and the next hook of
 * the queue runs after it. */
START_TEST(test_timeout_kills_group)
{
	char *pidf = tmp_path("hang.pid"), *after = tmp_path("after.out");
	char *body = xasprintf("trap '' TERM\necho $$ > %s\nsleep 60 &\nsleep 60", pidf);
	char *hang = script("hang.sh", body);
	char *next_body = xasprintf("echo ran > %s", after);
	char *next = script("next.sh", next_body);
	char *hang_argv[] = {hang, NULL}, *next_argv[] = {next, NULL};
	struct conf_cmd hang_cmd = cmd_of(hang_argv), next_cmd = cmd_of(next_argv);
	struct conf *c = config("");
	struct notify_transition t = trans("MASTER", "BACKUP");
	struct done_log d = {0};
	sd_event *ev = NULL;
	struct notify_runner *r;
	uint64_t t0 = util_now_usec(), took;
	pid_t pgid = 0;
	char *text;

	ck_assert_int_ge(sd_event_new(&ev), 0);
	r = notify_runner_new(ev);
	notify_runner_configure(r, c);
	notify_hook(r, CONF_HOOK_PROMOTE, &hang_cmd, &t, 300000, on_done, &d);
	notify_hook(r, CONF_HOOK_DEMOTE, &next_cmd, &t, 5 * SEC, on_done, &d);
	while (d.n < 1 && util_now_usec() < t0 + 10 * SEC) {
		ck_assert_int_ge(sd_event_run(ev, 20000), 0);
		if (!pgid) {
			text = slurp(pidf);
			pgid = atoi(text);
			free(text);
		}
	}
	took = util_now_usec() - t0;
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_gt(pgid, 1);
	ck_assert(!d.o[0].ok);
	ck_assert_str_eq(d.o[0].detail, "timed out after 0.3 s");
	/* SIGTERM at 0.3 s is ignored; SIGKILL NOTIFY_KILL_GRACE_US later */
	ck_assert_uint_ge(took, 300000 + NOTIFY_KILL_GRACE_US - 10000);
	ck_assert_uint_lt(took, 300000 + NOTIFY_KILL_GRACE_US + 3 * SEC);
	tu_assert_group_gone(pgid);
	ck_assert_int_eq(runs(r, "promote", "timeout"), 1);
	loop_until_idle(ev, r, 10 * SEC);
	ck_assert_uint_eq(d.n, 2);
	ck_assert(d.o[1].ok);
	text = slurp(after);
	ck_assert_str_eq(text, "ran\n");
	free(text);
	notify_runner_free(r);
	sd_event_unref(ev);
	conf_free(c);
	free(body);
	free(next_body);
	free(hang);
	free(next);
	free(pidf);
	free(after);
}
END_TEST

/* Hooks run as script_user, with that user's groups. */
START_TEST(test_script_user)
{
	char *out = tmp_path("user.out");
	char *body = xasprintf("id -u > %s", out);
	char *path = script("user.sh", body);
	char *argv[] = {path, NULL};
	struct conf_cmd hooks[CONF_HOOK_COUNT] = {0};
	struct conf *c;
	sd_event *ev = NULL;
	struct notify_runner *r;
	struct notify_transition t = trans("BACKUP", "INIT");
	char *text, *want;

	if (geteuid() != 0) {
		fprintf(stderr, "test_script_user: not root, skipped\n");
		goto out;
	}
	chmod(tu_dir(), 0755);
	c = config("script_user = nobody");
	hooks[CONF_HOOK_NOTIFY_BACKUP] = cmd_of(argv);
	ck_assert_int_ge(sd_event_new(&ev), 0);
	r = notify_runner_new(ev);
	notify_runner_configure(r, c);
	/* the hook cannot write into the test's directory as nobody: a file it may write */
	ck_assert_int_eq(close(open(out, O_CREAT | O_WRONLY, 0666)), 0);
	ck_assert_int_eq(chmod(out, 0666), 0);
	notify_transition(r, hooks, &t, 5 * SEC);
	loop_until_idle(ev, r, 10 * SEC);
	text = slurp(out);
	want = xasprintf("%u\n", (unsigned)getpwnam("nobody")->pw_uid);
	ck_assert_str_eq(text, want);
	free(want);
	free(text);
	notify_runner_free(r);
	sd_event_unref(ev);
	conf_free(c);
out:
	free(body);
	free(path);
	free(out);
}
END_TEST

static int reader_open(const char *path)
{
	int fd;

	ck_assert(mkfifo(path, 0600) == 0 || errno == EEXIST);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/* keepalived's lines, one per transition, also for groups (priority 0). */
START_TEST(test_fifo_lines)
{
	char *path = tmp_path("lines.fifo");
	int rd = reader_open(path);
	struct notify_fifo *f = notify_fifo_new(path);
	char buf[256] = {0};
	ssize_t n;

	notify_fifo_write(f, "INSTANCE", "db_write", "MASTER", 150, 1);
	notify_fifo_write(f, "GROUP", "db", "BACKUP", 0, 2);
	n = read(rd, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(buf, "INSTANCE \"db_write\" MASTER 150\nGROUP \"db\" BACKUP 0\n");
	ck_assert_uint_eq(notify_fifo_written(f), 2);
	ck_assert_uint_eq(notify_fifo_dropped(f), 0);
	close(rd);
	notify_fifo_free(f);
	free(path);
}
END_TEST

/* No reader: the fifo is made, the line dropped and counted, nothing waits. A reader that came
 * and left: the same (EPIPE), and the next reader gets lines again. */
START_TEST(test_fifo_no_reader)
{
	char *path = tmp_path("none.fifo");
	struct notify_fifo *f = notify_fifo_new(path);
	struct stat st;
	uint64_t t0 = util_now_usec();
	char buf[128] = {0};
	int rd;

	notify_fifo_write(f, "INSTANCE", "db", "MASTER", 100, 1);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	ck_assert_uint_eq(notify_fifo_dropped(f), 1);
	rd = reader_open(path);
	notify_fifo_write(f, "INSTANCE", "db", "BACKUP", 100, 2);
	ck_assert_uint_eq(notify_fifo_written(f), 1);
	close(rd);
	notify_fifo_write(f, "INSTANCE", "db", "FAULT", 100, 3);
	ck_assert_uint_eq(notify_fifo_dropped(f), 2);
	rd = reader_open(path);
	notify_fifo_write(f, "INSTANCE", "db", "MASTER", 100, 4);
	ck_assert_int_gt(read(rd, buf, sizeof(buf) - 1), 0);
	ck_assert_str_eq(buf, "INSTANCE \"db\" MASTER 100\n");
	ck_assert_uint_lt(util_now_usec() - t0, 2 * SEC);
	close(rd);
	notify_fifo_free(f);
	free(path);
}
END_TEST

/* A reader that never reads: once the pipe is full, lines are dropped and counted, whole lines
 * only, and the writer never waits. */
START_TEST(test_fifo_stalled_reader)
{
	char *path = tmp_path("stalled.fifo");
	int rd = reader_open(path);
	struct notify_fifo *f = notify_fifo_new(path);
	uint64_t t0 = util_now_usec();
	char *all = xcalloc(1, 1 << 16);
	ssize_t n, total = 0;
	const unsigned lines = 3000;  /* about 80 KiB: more than the 64 KiB a pipe holds */

	for (unsigned i = 0; i < lines; i++)
		notify_fifo_write(f, "INSTANCE", "a_rather_long_instance_name", "MASTER", 100, i);
	ck_assert_uint_lt(util_now_usec() - t0, 2 * SEC);
	ck_assert_uint_gt(notify_fifo_dropped(f), 0);
	ck_assert_uint_eq(notify_fifo_written(f) + notify_fifo_dropped(f), lines);
	while ((n = read(rd, all + total, (size_t)(1 << 16) - 1 - (size_t)total)) > 0)
		total += n;
	/* what the reader gets is whole lines: as many as were written */
	ck_assert_int_eq(total % (ssize_t)strlen("INSTANCE \"a_rather_long_instance_name\" MASTER 100\n"), 0);
	ck_assert_int_eq(total / (ssize_t)strlen("INSTANCE \"a_rather_long_instance_name\" MASTER 100\n"),
			 (ssize_t)notify_fifo_written(f));
	close(rd);
	notify_fifo_free(f);
	free(all);
	free(path);
}
END_TEST

/* The runner writes the fifo line of every transition, in order, at once (hooks or not). */
START_TEST(test_runner_fifo)
{
	char *path = tmp_path("runner.fifo");
	char *global = xasprintf("notify_fifo = %s", path);
	int rd = reader_open(path);
	struct conf *c = config(global);
	struct conf_cmd hooks[CONF_HOOK_COUNT] = {0};
	sd_event *ev = NULL;
	struct notify_runner *r;
	struct notify_transition a = trans("BACKUP", "INIT"), b = trans("MASTER", "BACKUP");
	char buf[256] = {0};

	ck_assert_int_ge(sd_event_new(&ev), 0);
	r = notify_runner_new(ev);
	notify_runner_configure(r, c);
	notify_transition(r, hooks, &a, SEC);
	notify_transition(r, hooks, &b, SEC);
	ck_assert_int_gt(read(rd, buf, sizeof(buf) - 1), 0);
	ck_assert_str_eq(buf, "INSTANCE \"db\" BACKUP 150\nINSTANCE \"db\" MASTER 150\n");
	close(rd);
	notify_runner_free(r);
	sd_event_unref(ev);
	conf_free(c);
	free(global);
	free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");
	sigset_t chld;

	/* as in the daemon: sd-event watches children through SIGCHLD blocked, and SIGPIPE is
	 * ignored (a fifo reader that leaves is EPIPE) */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	signal(SIGPIPE, SIG_IGN);

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_order_under_flapping);
	tcase_add_test(tc, test_argv_and_environment);
	tcase_add_test(tc, test_exit_codes);
	tcase_add_test(tc, test_timeout_kills_group);
	tcase_add_test(tc, test_script_user);
	tcase_add_test(tc, test_fifo_lines);
	tcase_add_test(tc, test_fifo_no_reader);
	tcase_add_test(tc, test_fifo_stalled_reader);
	tcase_add_test(tc, test_runner_fifo);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
