/* kq-ctl-flood: clients of the control socket that misbehave, many at once, for the scenario
 * tests/netns/ctl-flood.sh.
 *
 *   kq-ctl-flood SOCKET MODE COUNT SECONDS
 *
 * MODE, for COUNT clients, all connected before the first is watched:
 *   silent   send nothing
 *   trickle  send a status request one byte every 250 ms (5 s in all)
 *   noread   send a status request and never read the answer
 *   hangup   send a status request and close at once (the answer has nobody to read it)
 *   garbage  send 8 KiB of random bytes, then read
 * Each connection is then watched for SECONDS (hangup: not at all). Prints one line:
 *   connected=N refused=R busy=B answered=A closed=C open=O
 * refused: connect() failed; busy: the daemon answered "busy" (beyond its clients at once);
 * answered: another answer (its first one printed after, on a line "answer: ..."); closed: the
 * daemon closed without an answer (a deadline); open: still open when SECONDS ran out.
 * Exits 0 when it could run, 2 on bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define FLOOD_MAX 4000
#define FLOOD_REQUEST "{\"command\":\"status\"}\n"

enum flood_fate { FLOOD_OPEN, FLOOD_REFUSED, FLOOD_BUSY, FLOOD_ANSWERED, FLOOD_CLOSED };

struct flood_conn {
	int fd;
	enum flood_fate fate;
	size_t sent;     /* trickle: bytes of the request sent */
	char in[512];
	size_t in_len;
};

static unsigned long long flood_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ULL + (unsigned long long)ts.tv_nsec / 1000000;
}

static int flood_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* What came in on c; its fate once the daemon closed. */
static void flood_read(struct flood_conn *c)
{
	ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0 && c->in_len + (size_t)n < sizeof(c->in) - 1) {
		c->in_len += (size_t)n;
		return;
	}
	if (n > 0)   /* more than we keep: an answer all the same */
		c->in_len += (size_t)n;
	c->in[c->in_len < sizeof(c->in) ? c->in_len : sizeof(c->in) - 1] = '\0';
	if (!c->in_len)
		c->fate = FLOOD_CLOSED;
	else if (strstr(c->in, "\"error\":\"busy"))
		c->fate = FLOOD_BUSY;
	else
		c->fate = FLOOD_ANSWERED;
	close(c->fd);
	c->fd = -1;
}

int main(int argc, char **argv)
{
	static struct flood_conn conns[FLOOD_MAX];
	static struct pollfd pfd[FLOOD_MAX];
	static unsigned long idx[FLOOD_MAX];   /* pfd[k] is conns[idx[k]] */
	struct rlimit rl = {FLOOD_MAX + 64, FLOOD_MAX + 64};
	unsigned long long end, next_trickle = 0;
	const char *first = NULL;
	unsigned long count, secs, counts[5] = {0};
	const char *mode;
	char junk[8192];

	if (argc != 5) {
		fprintf(stderr, "Usage: kq-ctl-flood SOCKET silent|trickle|noread|hangup|garbage COUNT SECONDS\n");
		return 2;
	}
	mode = argv[2];
	count = strtoul(argv[3], NULL, 10);
	secs = strtoul(argv[4], NULL, 10);
	if (!count || count > FLOOD_MAX ||
	    (strcmp(mode, "silent") && strcmp(mode, "trickle") && strcmp(mode, "noread") &&
	     strcmp(mode, "hangup") && strcmp(mode, "garbage"))) {
		fprintf(stderr, "kq-ctl-flood: bad MODE or COUNT (1..%d)\n", FLOOD_MAX);
		return 2;
	}
	setrlimit(RLIMIT_NOFILE, &rl);   /* as root; otherwise as many as the soft limit allows */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(rand() & 0xff);
	for (unsigned long i = 0; i < count; i++) {
		struct flood_conn *c = &conns[i];

		c->fd = flood_connect(argv[1]);
		if (c->fd < 0) {
			c->fate = FLOOD_REFUSED;
			continue;
		}
		if (!strcmp(mode, "noread") || !strcmp(mode, "hangup")) {
			if (send(c->fd, FLOOD_REQUEST, strlen(FLOOD_REQUEST), MSG_NOSIGNAL) < 0)
				perror("kq-ctl-flood: send");
		} else if (!strcmp(mode, "garbage")) {
			if (send(c->fd, junk, sizeof(junk), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
			    errno != EAGAIN && errno != EPIPE && errno != ECONNRESET)
				perror("kq-ctl-flood: send");
		}
		if (!strcmp(mode, "hangup")) {
			close(c->fd);
			c->fd = -1;
			c->fate = FLOOD_CLOSED;
		}
	}
	end = flood_now_ms() + secs * 1000ULL;
	while (strcmp(mode, "hangup") && flood_now_ms() < end) {
		nfds_t n = 0;

		if (!strcmp(mode, "trickle") && flood_now_ms() >= next_trickle) {
			for (unsigned long i = 0; i < count; i++) {
				struct flood_conn *c = &conns[i];

				if (c->fd >= 0 && c->sent < strlen(FLOOD_REQUEST) &&
				    send(c->fd, FLOOD_REQUEST + c->sent, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
					c->sent++;
			}
			next_trickle = flood_now_ms() + 250;
		}
		for (unsigned long i = 0; i < count; i++) {
			if (conns[i].fd < 0 || !strcmp(mode, "noread"))
				continue;
			pfd[n].fd = conns[i].fd;
			pfd[n].events = POLLIN;
			idx[n++] = i;
		}
		if (!n && strcmp(mode, "noread"))
			break;
		if (poll(pfd, n, 20) > 0)
			for (nfds_t k = 0; k < n; k++)
				if (pfd[k].revents)
					flood_read(&conns[idx[k]]);
	}
	for (unsigned long i = 0; i < count; i++) {
		counts[conns[i].fate]++;
		if (conns[i].fate == FLOOD_ANSWERED && !first)
			first = conns[i].in;
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	}
	printf("connected=%lu refused=%lu busy=%lu answered=%lu closed=%lu open=%lu\n",
	       count - counts[FLOOD_REFUSED], counts[FLOOD_REFUSED], counts[FLOOD_BUSY],
	       counts[FLOOD_ANSWERED], counts[FLOOD_CLOSED], counts[FLOOD_OPEN]);
	if (first)
		printf("answer: %s\n", first);
	return 0;
}
