/* kq-notify-recv: a stand-in for systemd's NOTIFY_SOCKET, for the netns scenarios.
 *
 *   kq-notify-recv PATH
 *
 * Binds a UNIX datagram socket at PATH and prints every sd_notify() datagram it receives on
 * stdout, one line per "KEY=VALUE" field (fields are newline-separated in a datagram), flushed
 * after each datagram, until SIGTERM or SIGINT; then unlinks PATH and exits 0. A socket file
 * left at PATH by an earlier run is replaced. Exit 1 when the socket cannot be set up. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* sd_notify() messages are small; anything longer is printed truncated rather than lost. */
#define NOTIFY_MAX 65536

static volatile sig_atomic_t notify_stop;

static void notify_on_signal(int sig)
{
	(void)sig;
	notify_stop = 1;
}

/* Print a datagram's fields, one a line; empty fields (a trailing newline) are not printed. */
static void notify_print(const char *buf, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && buf[i] != '\n')
			continue;
		if (i > start)
			printf("%.*s\n", (int)(i - start), buf + start);
		start = i + 1;
	}
	fflush(stdout);
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
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
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
	sigset_t orig;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "Usage: kq-notify-recv PATH\n");
		return 1;
	}
	if (notify_signals(&orig) < 0) {
		fprintf(stderr, "kq-notify-recv: signals: %s\n", strerror(errno));
		return 1;
	}
	fd = notify_bind(argv[1]);
	if (fd < 0)
		return 1;
	while (!notify_stop) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (ppoll(&p, 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "kq-notify-recv: poll: %s\n", strerror(errno));
			break;
		}
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "kq-notify-recv: recv: %s\n", strerror(errno));
			break;
		}
		notify_print(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf));
	}
	close(fd);
	unlink(argv[1]);
	return notify_stop ? 0 : 1;
}
