/* kq-notify-recv: a stand-in for systemd's NOTIFY_SOCKET (and for journald's native socket), for
 * the netns scenarios.
 *
 *   kq-notify-recv [-t] [-r] [-w USEC [-x COMMAND]] PATH
 *
 * Binds a UNIX datagram socket at PATH and prints every datagram it receives on stdout, one line
 * per "KEY=VALUE" field (fields are newline-separated in a datagram), flushed after each
 * datagram, until SIGTERM or SIGINT; then unlinks PATH and exits 0. A socket file left at PATH by
 * an earlier run is replaced. Exit 1 when the socket cannot be set up.
 *   -t  after each datagram a line T=SECONDS (CLOCK_MONOTONIC, ms precision)
 *   -r  one line per datagram, its fields separated by tabs (journal entries)
 *   -w  act as systemd's watchdog: once a WATCHDOG=1 came, when none follows within USEC,
 *       SIGKILL the process that sent the last one (its pid from SCM_CREDENTIALS) and print
 *       WATCHDOG_KILL=PID; then run COMMAND with sh -c (ExecStopPost=) and print
 *       STOP_POST_EXIT=STATUS. Each followed by a T= line. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* sd_notify() messages are small; anything longer is printed truncated rather than lost. */
#define NOTIFY_MAX 65536

static volatile sig_atomic_t notify_stop;

static void notify_on_signal(int sig)
{
	(void)sig;
	notify_stop = 1;
}

static bool notify_stamps, notify_records;

static double notify_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void notify_stamp(void)
{
	if (notify_stamps)
		printf("T=%.3f\n", notify_now());
	fflush(stdout);
}

/* Print a datagram's fields, one a line (or tab-separated on one line with -r); empty fields (a
 * trailing newline) are not printed. */
static void notify_print(const char *buf, size_t len)
{
	size_t start = 0;
	bool first = true;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && buf[i] != '\n')
			continue;
		if (i > start) {
			if (notify_records)
				printf("%s%.*s", first ? "" : "\t", (int)(i - start), buf + start);
			else
				printf("%.*s\n", (int)(i - start), buf + start);
			first = false;
		}
		start = i + 1;
	}
	if (notify_records)
		printf("\n");
	notify_stamp();
}

/* Does the datagram carry the field WATCHDOG=1? */
static bool notify_is_keepalive(const char *buf, size_t len)
{
	static const char f[] = "WATCHDOG=1";
	size_t n = sizeof(f) - 1;

	for (size_t i = 0; i + n <= len; i++)
		if ((i == 0 || buf[i - 1] == '\n') && memcmp(buf + i, f, n) == 0 &&
		    (i + n == len || buf[i + n] == '\n'))
			return true;
	return false;
}

/* The watchdog ran out: kill, then the stop-post command. */
static void notify_watchdog_fire(pid_t pid, const char *cmd)
{
	int st;

	kill(pid, SIGKILL);
	printf("WATCHDOG_KILL=%d\n", (int)pid);
	notify_stamp();
	if (!cmd)
		return;
	st = system(cmd);
	printf("STOP_POST_EXIT=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	notify_stamp();
}

static int notify_bind(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "kq-notify-recv: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "kq-notify-recv: socket: %s\n", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "kq-notify-recv: bind %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int notify_signals(sigset_t *orig)
{
	struct sigaction sa = {.sa_handler = notify_on_signal};
	sigset_t block;

	/* Signals stay blocked except inside ppoll(), so a SIGTERM can never slip in between the
	 * check of notify_stop and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, orig) < 0)
		return -1;
	sigdelset(orig, SIGTERM);
	sigdelset(orig, SIGINT);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[NOTIFY_MAX];
	const char *cmd = NULL, *path;
	long long wd_usec = 0;
	double deadline = 0;
	pid_t wd_pid = 0;
	sigset_t orig;
	int fd, c;

	while ((c = getopt(argc, argv, "trw:x:")) != -1) {
		switch (c) {
		case 't': notify_stamps = true; break;
		case 'r': notify_records = true; break;
		case 'w': wd_usec = atoll(optarg); break;
		case 'x': cmd = optarg; break;
		default: optind = argc + 1; break;
		}
	}
	if (optind != argc - 1 || wd_usec < 0) {
		fprintf(stderr, "Usage: kq-notify-recv [-t] [-r] [-w USEC [-x COMMAND]] PATH\n");
		return 1;
	}
	path = argv[optind];
	if (notify_signals(&orig) < 0) {
		fprintf(stderr, "kq-notify-recv: signals: %s\n", strerror(errno));
		return 1;
	}
	fd = notify_bind(path);
	if (fd < 0)
		return 1;
	while (!notify_stop) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct ucred))];
		} ctl;
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
				    .msg_controllen = sizeof(ctl)};
		struct timespec ts, *tp = NULL;
		ssize_t n;

		if (deadline > 0) {
			double left = deadline - notify_now();

			if (left <= 0) {
				notify_watchdog_fire(wd_pid, cmd);
				deadline = 0;
				continue;
			}
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			tp = &ts;
		}
		if (ppoll(&p, 1, tp, &orig) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "kq-notify-recv: poll: %s\n", strerror(errno));
			break;
		}
		if (!(p.revents & POLLIN))
			continue;
		n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "kq-notify-recv: recv: %s\n", strerror(errno));
			break;
		}
		if ((size_t)n > sizeof(buf))
			n = (ssize_t)sizeof(buf);
		notify_print(buf, (size_t)n);
		if (wd_usec && notify_is_keepalive(buf, (size_t)n)) {
			for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h))
				if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_CREDENTIALS)
					wd_pid = ((struct ucred *)(void *)CMSG_DATA(h))->pid;
			if (wd_pid > 0)
				deadline = notify_now() + (double)wd_usec / 1e6;
		}
	}
	close(fd);
	unlink(path);
	return notify_stop ? 0 : 1;
}
