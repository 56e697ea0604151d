/* healthcheck/script.c and common/child.c: real scripts, run by a real sd-event loop. Timing
 * bounds are loose on purpose (a loaded 2-core CI machine): they tell "at once" from "at the
 * timeout" from "never", nothing finer. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "healthcheck/runner.h"
#include "tests/unit/testutil.h"

#define SEC 1000000ULL

struct outcome {
	unsigned n;
	struct health_result r;
	uint64_t at_us;
};

static void on_done(void *userdata, const struct health_result *r)
{
	struct outcome *o = userdata;

	o->n++;
	o->r = *r;
	o->at_us = util_now_usec();
}

static char *script(const char *name, const char *body)
{
	char *text = xasprintf("#!/bin/sh\n%s\n", body);
	char *path = tu_write(name, text, 0755);

	free(text);
	return path;
}

/* A check running path with one argument (a file to write its pid to, or NULL). */
static struct health_script *check_new(sd_event *ev, const char *path, const char *arg,
				       uint64_t timeout_us, uid_t uid, gid_t gid, struct outcome *o)
{
	char *argv[] = {(char *)path, (char *)arg, NULL};
	struct conf_cmd cmd = {.text = (char *)path, .argv = argv, .argc = arg ? 2 : 1};
	struct health_script_params p = {
		.name = "chk", .cmd = &cmd, .uid = uid, .gid = gid, .timeout_us = timeout_us,
	};
	struct health_script *s = health_script_new(ev, &p, on_done, o);

	ck_assert_ptr_nonnull(s);
	return s;
}

static struct health_script *check_mine(sd_event *ev, const char *path, const char *arg,
					uint64_t timeout_us, struct outcome *o)
{
	return check_new(ev, path, arg, timeout_us, getuid(), getgid(), o);
}

static void loop_until_done(sd_event *ev, struct outcome *o, uint64_t max_us)
{
	uint64_t end = util_now_usec() + max_us;

	while (!o->n && util_now_usec() < end)
		ck_assert_int_ge(sd_event_run(ev, 20000), 0);
	ck_assert_msg(o->n == 1, "no report within %.1f s", (double)max_us / SEC);
}

static void loop_for(sd_event *ev, uint64_t us)
{
	uint64_t end = util_now_usec() + us;

	while (util_now_usec() < end)
		ck_assert_int_ge(sd_event_run(ev, 20000), 0);
}

/* Run one script to its end: returns the outcome, the elapsed time in *us. */
static struct outcome run_once(const char *path, const char *arg, uint64_t timeout_us,
			       uint64_t *us)
{
	sd_event *ev = NULL;
	struct outcome o = {0};
	struct health_script *s;
	uint64_t t0;

	ck_assert_int_ge(sd_event_new(&ev), 0);
	s = check_mine(ev, path, arg, timeout_us, &o);
	t0 = util_now_usec();
	ck_assert_int_eq(health_script_run(s), 0);
	ck_assert_uint_eq(o.n, 0);  /* never from inside _run() */
	ck_assert(health_script_busy(s));
	loop_until_done(ev, &o, 10 * SEC);
	ck_assert(!health_script_busy(s));
	if (us)
		*us = o.at_us - t0;
	ck_assert_uint_ge(o.r.started_us, t0);
	ck_assert_uint_le(o.r.started_us + o.r.duration_us, o.at_us);
	health_script_free(s);
	sd_event_unref(ev);
	return o;
}

static pid_t read_pid(const char *file)
{
	char *text = NULL;
	size_t len;
	int pid = 0;

	if (util_read_file(file, 64, &text, &len) == 0 && sscanf(text, "%d", &pid) != 1)
		pid = 0;
	free(text);
	return pid;
}

static bool reaped(pid_t pid)
{
	siginfo_t si;

	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD;
}

static char *pid_file(const char *name)
{
	char *p = xasprintf("%s/%s.pid", tu_dir(), name);

	unlink(p);
	return p;
}

START_TEST(test_ok)
{
	char *ok = script("ok.sh", "printf '\\n  all good:\\tlag 0 \\n'\necho second line\nexit 0");
	char *quiet = script("quiet.sh", "exit 0");
	char *ctl = script("ctl.sh", "printf 'a\\001b\\033[1mc\\r\\n'");
	struct outcome o;
	uint64_t us;

	o = run_once(ok, NULL, 5 * SEC, &us);
	ck_assert(o.r.ok);
	ck_assert(!o.r.timed_out);
	ck_assert_ptr_null(o.r.pg);
	ck_assert_str_eq(o.r.detail, "all good: lag 0");
	ck_assert_uint_lt(us, 1500000);
	o = run_once(quiet, NULL, 5 * SEC, NULL);
	ck_assert(o.r.ok);
	ck_assert_str_eq(o.r.detail, "exit 0");
	o = run_once(ctl, NULL, 5 * SEC, NULL);
	ck_assert_str_eq(o.r.detail, "ab[1mc");
	free(ok);
	free(quiet);
	free(ctl);
}
END_TEST

START_TEST(test_long_line)
{
	/* 149 ASCII bytes then a 3-byte character: cut at 150 bytes, the partial character goes */
	char *body = xasprintf("printf '%%0149d\\342\\202\\254tail\\n' 0");
	char *path = script("long.sh", body);
	struct outcome o = run_once(path, NULL, 5 * SEC, NULL);

	ck_assert(o.r.ok);
	ck_assert_uint_eq(strlen(o.r.detail), 149);
	free(body);
	free(path);
}
END_TEST

START_TEST(test_fail)
{
	char *fail = script("fail.sh", "echo replica lagging >&2\necho more\nexit 3");
	char *bare = script("bare.sh", "exit 4");
	struct outcome o;

	o = run_once(fail, NULL, 5 * SEC, NULL);
	ck_assert(!o.r.ok);
	ck_assert(!o.r.timed_out);
	ck_assert_str_eq(o.r.detail, "exit 3: replica lagging");
	o = run_once(bare, NULL, 5 * SEC, NULL);
	ck_assert(!o.r.ok);
	ck_assert_str_eq(o.r.detail, "exit 4");
	free(fail);
	free(bare);
}
END_TEST

START_TEST(test_signal)
{
	char *path = script("sig.sh", "echo going\nkill -USR1 $$\nsleep 5");
	struct outcome o = run_once(path, NULL, 5 * SEC, NULL);

	ck_assert(!o.r.ok);
	ck_assert(!o.r.timed_out);
	ck_assert_str_eq(o.r.detail, "killed by signal SIGUSR1");
	free(path);
}
END_TEST

START_TEST(test_timeout)
{
	char *pidf = pid_file("hang");
	char *path = script("hang.sh", "echo $$ > \"$1\"\nsleep 60 &\nsleep 60");
	uint64_t us;
	struct outcome o = run_once(path, pidf, 300000, &us);
	pid_t pgid = read_pid(pidf);

	ck_assert(!o.r.ok);
	ck_assert(o.r.timed_out);
	ck_assert_str_eq(o.r.detail, "timed out after 0.3 s");
	ck_assert_uint_ge(us, 290000);
	ck_assert_uint_lt(us, 1500000);
	ck_assert_int_gt(pgid, 1);
	tu_assert_group_gone(pgid);
	free(pidf);
	free(path);
}
END_TEST

START_TEST(test_timeout_term_ignored)
{
	char *pidf = pid_file("stubborn");
	char *path = script("stubborn.sh", "trap '' TERM\necho $$ > \"$1\"\nsleep 60 &\nsleep 60");
	uint64_t us;
	struct outcome o = run_once(path, pidf, 300000, &us);
	pid_t pgid = read_pid(pidf);

	ck_assert(o.r.timed_out);
	ck_assert(!o.r.ok);
	ck_assert_str_eq(o.r.detail, "timed out after 0.3 s");
	/* SIGTERM at 0.3 s is ignored; SIGKILL HEALTH_SCRIPT_KILL_GRACE_US later */
	ck_assert_uint_ge(us, 300000 + HEALTH_SCRIPT_KILL_GRACE_US - 10000);
	ck_assert_uint_lt(us, 300000 + HEALTH_SCRIPT_KILL_GRACE_US + 1500000);
	ck_assert_int_gt(pgid, 1);
	tu_assert_group_gone(pgid);
	free(pidf);
	free(path);
}
END_TEST

START_TEST(test_grandchild)
{
	char *pidf = pid_file("gc");
	char *path = script("gc.sh", "echo $$ > \"$1\"\nsleep 30 &\necho started\nexit 0");
	uint64_t us;
	struct outcome o = run_once(path, pidf, 10 * SEC, &us);
	pid_t pgid = read_pid(pidf);

	/* the grandchild holds the pipe open: the run ends with the script, not with the pipe */
	ck_assert(o.r.ok);
	ck_assert_str_eq(o.r.detail, "started");
	ck_assert_uint_lt(us, 1000000);
	ck_assert_int_gt(pgid, 1);
	tu_assert_group_gone(pgid);
	free(pidf);
	free(path);
}
END_TEST

/* A bounded fork bomb: 200 children that outlive the script's timeout; every one is gone after
 * it, SIGTERM and SIGKILL going to the whole process group. */
START_TEST(test_fork_bomb)
{
	char *pidf = pid_file("bomb");
	char *path = script("bomb.sh", "echo $$ > \"$1\"\ni=0\nwhile [ $i -lt 200 ]; do\n"
				       "\t(trap '' TERM; sleep 60) &\n\ti=$((i + 1))\ndone\nsleep 60");
	uint64_t us;
	struct outcome o = run_once(path, pidf, 500000, &us);
	pid_t pgid = read_pid(pidf);

	ck_assert(o.r.timed_out);
	ck_assert_str_eq(o.r.detail, "timed out after 0.5 s");
	ck_assert_int_gt(pgid, 1);
	tu_assert_group_gone(pgid);
	free(pidf);
	free(path);
}
END_TEST

/* A script that closes its stdout and stderr: the end of its output is not its end. It still
 * runs to its timeout, or its exit status is still read. */
START_TEST(test_closed_stdout)
{
	char *pidf = pid_file("closed");
	char *hang = script("closed-hang.sh", "echo $$ > \"$1\"\nexec >&- 2>&-\nsleep 60");
	char *fail = script("closed-fail.sh", "echo partial\nexec >&- 2>&-\nsleep 0.2\nexit 5");
	uint64_t us;
	struct outcome o = run_once(hang, pidf, 400000, &us);
	pid_t pgid = read_pid(pidf);

	ck_assert(o.r.timed_out);
	ck_assert_uint_ge(us, 390000);
	ck_assert_int_gt(pgid, 1);
	tu_assert_group_gone(pgid);
	o = run_once(fail, NULL, 5 * SEC, &us);
	ck_assert(!o.r.ok);
	ck_assert(!o.r.timed_out);
	ck_assert_str_eq(o.r.detail, "exit 5: partial");
	ck_assert_uint_ge(us, 190000);
	free(pidf);
	free(hang);
	free(fail);
}
END_TEST

struct ticker {
	uint64_t last, max_gap;
	unsigned n;
};

static int on_tick(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct ticker *t = userdata;
	uint64_t now = util_now_usec();

	if (now - t->last > t->max_gap)
		t->max_gap = now - t->last;
	t->last = now;
	t->n++;
	sd_event_source_set_time_relative(src, 10000);
	sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
	return 0;
}

START_TEST(test_flood)
{
	char *path = script("flood.sh",
			    "echo first line\nhead -c 20000000 /dev/zero | tr '\\0' x\necho\nexit 0");
	sd_event *ev = NULL;
	sd_event_source *tick = NULL;
	struct ticker t = {0};
	struct outcome o = {0};
	struct health_script *s;

	ck_assert_int_ge(sd_event_new(&ev), 0);
	s = check_mine(ev, path, NULL, 60 * SEC, &o);
	t.last = util_now_usec();
	ck_assert_int_ge(sd_event_add_time_relative(ev, &tick, CLOCK_MONOTONIC, 10000, 1000,
						    on_tick, &t), 0);
	ck_assert_int_eq(health_script_run(s), 0);
	loop_until_done(ev, &o, 30 * SEC);
	ck_assert(o.r.ok);
	ck_assert_str_eq(o.r.detail, "first line");
	ck_assert_uint_gt(t.n, 0);
	ck_assert_msg(t.max_gap < 200000, "the loop stalled for %llu us",
		      (unsigned long long)t.max_gap);
	sd_event_source_disable_unref(tick);
	health_script_free(s);
	sd_event_unref(ev);
	free(path);
}
END_TEST

START_TEST(test_cannot_exec)
{
	char *noexec = tu_write("noexec.sh", "#!/bin/sh\nexit 0\n", 0644);
	char *missing = xasprintf("%s/missing.sh", tu_dir());
	char *want;
	struct outcome o;

	o = run_once(missing, NULL, 5 * SEC, NULL);
	ck_assert(!o.r.ok);
	want = xasprintf("exit 127: cannot execute %s: No such file or directory", missing);
	ck_assert_str_eq(o.r.detail, want);
	free(want);
	o = run_once(noexec, NULL, 5 * SEC, NULL);
	ck_assert(!o.r.ok);
	want = xasprintf("exit 127: cannot execute %s: Permission denied", noexec);
	ck_assert_str_eq(o.r.detail, want);
	free(want);
	free(noexec);
	free(missing);
}
END_TEST

/* No fd left for the output pipe: _run() says so, and the run is still reported, later. */
START_TEST(test_cannot_start)
{
	char *path = script("never.sh", "exit 0");
	struct rlimit saved, low;
	sd_event *ev = NULL;
	struct outcome o = {0};
	struct health_script *s;
	int *fds, n = 0, top = 0, r;

	ck_assert_int_ge(sd_event_new(&ev), 0);
	s = check_mine(ev, path, NULL, 5 * SEC, &o);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
	/* the limit just above the highest fd open, and the holes below it filled */
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			top = fd;
	low = saved;
	low.rlim_cur = (rlim_t)top + 1;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	fds = xcalloc((size_t)top + 1, sizeof(*fds));
	while (n <= top && (fds[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		n++;
	r = health_script_run(s);
	while (n > 0)
		close(fds[--n]);
	free(fds);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
	ck_assert_int_eq(r, -EMFILE);
	ck_assert_uint_eq(o.n, 0);
	ck_assert(health_script_busy(s));
	ck_assert_int_eq(health_script_run(s), -EBUSY);
	loop_until_done(ev, &o, 5 * SEC);
	ck_assert(!o.r.ok);
	ck_assert_str_eq(o.r.detail, "cannot start: Too many open files");
	ck_assert(!health_script_busy(s));
	/* and it runs again once it can */
	o.n = 0;
	ck_assert_int_eq(health_script_run(s), 0);
	loop_until_done(ev, &o, 5 * SEC);
	ck_assert(o.r.ok);
	health_script_free(s);
	sd_event_unref(ev);
	free(path);
}
END_TEST

START_TEST(test_busy_and_free)
{
	char *pidf = pid_file("busy");
	char *path = script("busy.sh", "echo $$ > \"$1\"\nsleep 60 &\nsleep 60");
	sd_event *ev = NULL;
	struct outcome o = {0};
	struct health_script *s;
	uint64_t end = util_now_usec() + 5 * SEC;
	pid_t pgid = 0;

	ck_assert_int_ge(sd_event_new(&ev), 0);
	s = check_mine(ev, path, pidf, 30 * SEC, &o);
	ck_assert(!health_script_busy(s));
	ck_assert_int_eq(health_script_run(s), 0);
	ck_assert_int_eq(health_script_run(s), -EBUSY);
	ck_assert(health_script_busy(s));
	while (!(pgid = read_pid(pidf)) && util_now_usec() < end)
		ck_assert_int_ge(sd_event_run(ev, 20000), 0);
	ck_assert_int_gt(pgid, 1);
	health_script_free(s);
	tu_assert_group_gone(pgid);
	/* nothing reported, and the loop reaps the script it no longer reports on (WNOWAIT:
	 * looking must not reap it in the loop's place) */
	end = util_now_usec() + 3 * SEC;
	while (!reaped(pgid) && util_now_usec() < end)
		ck_assert_int_ge(sd_event_run(ev, 20000), 0);
	ck_assert(reaped(pgid));
	loop_for(ev, 200000);
	ck_assert_uint_eq(o.n, 0);
	sd_event_unref(ev);
	free(pidf);
	free(path);
}
END_TEST

START_TEST(test_other_user)
{
	char *path = script("who.sh", "echo $(id -u) $(id -g) $(id -G)");
	struct passwd *pw = getpwnam("nobody");
	gid_t groups[64];
	int n = (int)ARRAY_SIZE(groups);
	char want[1024];
	size_t len;
	sd_event *ev = NULL;
	struct outcome o = {0};
	struct health_script *s;

	if (geteuid() != 0) {
		fprintf(stderr, "test_other_user: skipped, needs root\n");
		free(path);
		return;
	}
	ck_assert_ptr_nonnull(pw);
	ck_assert_int_ge(getgrouplist(pw->pw_name, pw->pw_gid, groups, &n), 0);
	len = (size_t)snprintf(want, sizeof(want), "%u %u", (unsigned)pw->pw_uid,
			       (unsigned)pw->pw_gid);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(want + len, sizeof(want) - len, " %u", (unsigned)groups[i]);
	ck_assert_int_ge(sd_event_new(&ev), 0);
	s = check_new(ev, path, NULL, 5 * SEC, pw->pw_uid, pw->pw_gid, &o);
	ck_assert_int_eq(health_script_run(s), 0);
	loop_until_done(ev, &o, 5 * SEC);
	ck_assert(o.r.ok);
	ck_assert_str_eq(o.r.detail, want);
	health_script_free(s);
	sd_event_unref(ev);
	free(path);
}
END_TEST

START_TEST(test_no_fds)
{
	/* ls opens the directory it lists: that is its fd 3, the lowest one free */
	char *path = script("fds.sh", "exec ls -m /proc/self/fd");
	int p[2], fd50 = dup2(STDERR_FILENO, 50);
	struct outcome o;

	ck_assert_int_eq(fd50, 50);
	ck_assert_int_eq(pipe(p), 0);   /* neither has O_CLOEXEC */
	o = run_once(path, NULL, 5 * SEC, NULL);
	close(50);
	close(p[0]);
	close(p[1]);
	ck_assert(o.r.ok);
	ck_assert_str_eq(o.r.detail, "0, 1, 2, 3");
	free(path);
}
END_TEST

START_TEST(test_signal_state)
{
	/* builtins only: dash blocks every signal around its own forks and waits */
	char *path = script("sigs.sh", "while read -r k v; do\n"
			    "\tcase $k in SigBlk:|SigIgn:) printf '%s %s ' \"$k\" \"$v\" ;; esac\n"
			    "done < /proc/$$/status");
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_hup;
	sigset_t more, saved;
	struct outcome o;

	sigemptyset(&more);
	sigaddset(&more, SIGTERM);
	sigaddset(&more, SIGUSR2);
	sigaddset(&more, SIGPIPE);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &more, &saved), 0);
	ck_assert_int_eq(sigaction(SIGINT, &ign, &old_int), 0);
	ck_assert_int_eq(sigaction(SIGHUP, &ign, &old_hup), 0);
	o = run_once(path, NULL, 5 * SEC, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	ck_assert(o.r.ok);
	ck_assert_str_eq(o.r.detail, "SigBlk: 0000000000000000 SigIgn: 0000000000000000");
	free(path);
}
END_TEST

static Suite *health_script_suite(void)
{
	Suite *s = suite_create("health_script");
	TCase *tc = tcase_create("script");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ok);
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_fail);
	tcase_add_test(tc, test_signal);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_timeout_term_ignored);
	tcase_add_test(tc, test_grandchild);
	tcase_add_test(tc, test_fork_bomb);
	tcase_add_test(tc, test_closed_stdout);
	tcase_add_test(tc, test_flood);
	tcase_add_test(tc, test_cannot_exec);
	tcase_add_test(tc, test_cannot_start);
	tcase_add_test(tc, test_busy_and_free);
	tcase_add_test(tc, test_other_user);
	tcase_add_test(tc, test_no_fds);
	tcase_add_test(tc, test_signal_state);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	sigset_t chld;

	/* as in the daemon: sd-event watches children through SIGCHLD blocked, and SIGPIPE is
	 * ignored (the children must get neither) */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	signal(SIGPIPE, SIG_IGN);
	tu_dir();
	return tu_run(health_script_suite());
}
