/* fork() rather than posix_spawn(): posix_spawn cannot change the user and groups. The daemon is
 * single-threaded, so fork() is safe; still, between fork and exec the child makes system calls
 * only (no allocation, no stdio, no NSS): what it needs is computed before, in the parent. */
#include "common/child.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/util.h"

extern char **environ;

/* What the child needs, prepared by the parent. */
struct child_prep {
	gid_t *groups;
	size_t n_groups;
	int max_fd;          /* for the close loop, when close_range() is missing */
	char uid_s[16], gid_s[16];
};

/* The user's supplementary groups plus gid, as initgroups() would set them, but looked up in
 * the parent: NSS may allocate, open files and talk to daemons, none of it safe after fork. */
static int child_user_groups(uid_t uid, gid_t gid, struct child_prep *p)
{
	struct passwd *pw = getpwuid(uid);
	int n = 32, got;

	if (!pw) {
		/* a uid without a name has no supplementary groups: its group only */
		p->groups = xmalloc(sizeof(*p->groups));
		p->groups[0] = gid;
		p->n_groups = 1;
		return 0;
	}
	for (;;) {
		p->groups = xrealloc(p->groups, (size_t)n * sizeof(*p->groups));
		got = n;
		if (getgrouplist(pw->pw_name, gid, p->groups, &got) >= 0) {
			p->n_groups = (size_t)got;
			return 0;
		}
		n = got > n ? got : 2 * n;
		if (n > 65536)
			return -E2BIG;
	}
}

char **child_environ(size_t room, size_t *n)
{
	size_t total = 0, k = 0;
	char **env;

	while (environ[total])
		total++;
	env = xcalloc(total + room + 1, sizeof(*env));
	for (size_t i = 0; i < total; i++)
		if (strncmp(environ[i], "NOTIFY_SOCKET=", 14) && strncmp(environ[i], "WATCHDOG_", 9) &&
		    strncmp(environ[i], "KEEPQUORUM_", 11))
			env[k++] = xstrdup(environ[i]);
	*n = k;
	return env;
}

int child_groups(uid_t uid, gid_t gid, gid_t **out, size_t *n)
{
	struct child_prep p = {0};
	int r = child_user_groups(uid, gid, &p);

	if (r < 0) {
		free(p.groups);
		return r;
	}
	*out = p.groups;
	*n = p.n_groups;
	return 0;
}

int child_user_ids(const char *user, const char *group, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(user ? user : "root");
	struct group *gr;

	if (!pw)
		return -ENOENT;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group) {
		gr = getgrnam(group);
		if (!gr)
			return -ENOENT;
		*gid = gr->gr_gid;
	}
	return 0;
}

void child_ids_from(uid_t uid, gid_t gid, struct child_ids *ids)
{
	ids->uid = uid;
	ids->gid = gid;
	/* when it fails, child_spawn() looks them up itself at each spawn */
	if (child_groups(uid, gid, &ids->groups, &ids->n_groups) < 0) {
		ids->groups = NULL;
		ids->n_groups = 0;
	}
}

int child_ids_lookup(const char *user, const char *group, struct child_ids *ids)
{
	uid_t uid;
	gid_t gid;
	int r = child_user_ids(user, group, &uid, &gid);

	if (r < 0)
		return r;
	child_ids_from(uid, gid, ids);
	return 0;
}

void child_ids_free(struct child_ids *ids)
{
	free(ids->groups);
	ids->groups = NULL;
	ids->n_groups = 0;
}

void child_ids_apply(const struct child_ids *ids, struct child_spec *spec)
{
	spec->uid = ids->uid;
	spec->gid = ids->gid;
	spec->groups = ids->groups;
	spec->n_groups = ids->n_groups;
	spec->set_ids = geteuid() == 0 || ids->uid != geteuid() || ids->gid != getegid();
}

/* One line on the child's stderr (the caller's pipe): write(2) only. */
static void child_say(const char *what, const char *arg, int err)
{
	const char *desc = strerrordesc_np(err);
	const char *parts[] = {what, " ", arg, ": ", desc ? desc : "unknown error"};
	char buf[512];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		size_t l = strlen(parts[i]);

		if (l > sizeof(buf) - 1 - n)
			l = sizeof(buf) - 1 - n;
		memcpy(buf + n, parts[i], l);
		n += l;
	}
	buf[n++] = '\n';
	(void)!write(STDERR_FILENO, buf, n);
}

__attribute__((noreturn)) static void child_fail(const char *what, const char *arg, int err)
{
	child_say(what, arg, err);
	_exit(127);
}

/* stdin /dev/null, stdout and stderr out_fd (or /dev/null). Moving both above 2 first keeps
 * dup2() from clobbering one with the other, and dup2() clears O_CLOEXEC on the copies. */
static bool child_stdio(int out_fd)
{
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null_fd >= 0 && null_fd < 3)
		null_fd = fcntl(null_fd, F_DUPFD_CLOEXEC, 3);
	if (out_fd < 0)
		out_fd = null_fd;
	else if (out_fd < 3)
		out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, 3);
	if (null_fd < 0 || out_fd < 0)
		return false;
	return dup2(null_fd, STDIN_FILENO) == STDIN_FILENO &&
	       dup2(out_fd, STDOUT_FILENO) == STDOUT_FILENO &&
	       dup2(out_fd, STDERR_FILENO) == STDERR_FILENO;
}

/* Every disposition back to default, through the system call itself: glibc's sigaction()
 * refuses the two real-time signals it reserves (32 and 33), and an ignored signal, whoever
 * ignored it, would survive exec. */
static void child_default_signals(void)
{
	/* the kernel's struct sigaction, all zero (SIG_DFL, no flags, empty mask), sized for
	 * every architecture's layout */
	unsigned long ksa[8] = {0};

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)syscall(SYS_rt_sigaction, sig, ksa, NULL, (size_t)(NSIG - 1) / 8);
}

static void child_close_rest(int max_fd)
{
	if (close_range(3, ~0U, 0) == 0)
		return;
	for (int fd = 3; fd < max_fd; fd++)
		close(fd);
}

/* In the child: every signal is blocked (the parent forked with all blocked), so nothing of the
 * daemon's runs here; dispositions go back to default before the mask is emptied. */
__attribute__((noreturn)) static void child_exec(const struct child_spec *s,
						  const struct child_prep *p)
{
	sigset_t none;

	child_default_signals();
	if (!child_stdio(s->out_fd))
		_exit(127);
	child_close_rest(p->max_fd);
	if (setpgid(0, 0) < 0)
		child_fail("cannot make a process group for", s->argv[0], errno);
	/* groups and gid while still privileged; uid last, it drops the privilege */
	if (s->set_ids) {
		if (setgroups(p->n_groups, p->groups) < 0)
			child_fail("cannot set the groups of uid", p->uid_s, errno);
		if (setgid(s->gid) < 0)
			child_fail("cannot set gid", p->gid_s, errno);
		if (setuid(s->uid) < 0)
			child_fail("cannot set uid", p->uid_s, errno);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(s->argv[0], s->argv, s->envp ? s->envp : environ);
	child_fail("cannot execute", s->argv[0], errno);
}

int child_spawn(const struct child_spec *s, pid_t *pid)
{
	struct child_prep p = {.max_fd = 65536};
	struct rlimit rl;
	sigset_t all, old;
	pid_t child;
	int r;

	if (s->set_ids && s->groups) {
		p.groups = xmalloc((s->n_groups ? s->n_groups : 1) * sizeof(*p.groups));
		memcpy(p.groups, s->groups, s->n_groups * sizeof(*p.groups));
		p.n_groups = s->n_groups;
	} else if (s->set_ids && (r = child_user_groups(s->uid, s->gid, &p)) < 0) {
		goto out_groups;
	}
	snprintf(p.uid_s, sizeof(p.uid_s), "%u", (unsigned)s->uid);
	snprintf(p.gid_s, sizeof(p.gid_s), "%u", (unsigned)s->gid);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)p.max_fd)
		p.max_fd = (int)rl.rlim_cur;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	child = fork();
	if (child == 0)
		child_exec(s, &p);
	r = child < 0 ? -errno : 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (child > 0) {
		/* the child does it too; here as well so that the group exists as soon as fork()
		 * returns (EACCES once the child has exec'd: it has then done it itself) */
		(void)setpgid(child, child);
		*pid = child;
	}
out_groups:
	free(p.groups);
	return r;
}

int child_kill_group(pid_t pgid, int sig)
{
	/* kill(0) or kill(-1) would reach the daemon itself or every process */
	if (pgid <= 1)
		util_die("child_kill_group: bad process group %d", (int)pgid);
	if (kill(-pgid, sig) == 0)
		return 1;
	return errno == ESRCH ? 0 : -errno;
}
