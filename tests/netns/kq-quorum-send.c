/* kq-quorum-send: send quorum datagrams made to order, signed or not, whole or cut, once or as
 * a flood, for the netns scenario tests/netns/quorum-bad-datagrams.sh.
 *
 *   kq-quorum-send [OPTIONS] ADDRESS PORT
 *
 * What is sent, one of:
 *   -r FILE      the bytes of FILE, as they are (a datagram seen on the wire: a replay)
 *   -k KEYFILE   a datagram made by quorum/message.c's encoder, signed with the key in
 *                KEYFILE (read as the daemon reads secret_file), of these fields:
 *     -t TYPE    prevote_req vote_req heartbeat ... (quorum_msg_type_name's; default heartbeat)
 *     -T TERM    (default 1)   -s SEQ  (default: the time in microseconds, so always new)
 *     -f FROM    (default node-x)   -o TO  (default node-h1)
 * Then, on those bytes:
 *   -x OFF       byte OFF flipped (all its bits), repeatable
 *   -l LEN       only the first LEN bytes sent;  -L LEN  padded with zeros to LEN bytes
 *   -C           cut at every length instead: one datagram of each of 0 .. length - 1 bytes
 * How often:
 *   -n COUNT     COUNT times (default 1), -g MS apart (default 0)
 *   -d SECONDS   as fast as the socket takes them, for SECONDS (instead of -n)
 * Prints "sent N" (N the datagrams sent); exits 1 on a failed step, 2 on bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "conf/conf.h"
#include "quorum/message.h"

#define QSEND_BUF 4096
#define QSEND_MAX_FLIPS 16

static __attribute__((noreturn)) void qsend_usage(const char *why)
{
	if (why)
		fprintf(stderr, "kq-quorum-send: %s\n", why);
	fprintf(stderr, "Usage: kq-quorum-send (-r FILE | -k KEYFILE [-t TYPE] [-T TERM] [-s SEQ] "
			"[-f FROM] [-o TO]) [-x OFF]... [-l LEN] [-L LEN] [-n COUNT] [-g MS] "
			"[-d SECONDS] ADDRESS PORT\n");
	exit(2);
}

static unsigned long long qsend_num(const char *s, unsigned long long max, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "kq-quorum-send: bad %s '%s' (0..%llu)\n", what, s, max);
		exit(2);
	}
	return v;
}

static unsigned long long qsend_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
}

static enum quorum_msg_type qsend_type(const char *name)
{
	for (int t = QUORUM_MSG_PREVOTE_REQ; t < QUORUM_MSG_TYPE_END; t++)
		if (!strcmp(quorum_msg_type_name((enum quorum_msg_type)t), name))
			return (enum quorum_msg_type)t;
	qsend_usage("unknown -t TYPE");
}

/* The datagram, as -r or -k make it; its length. */
static size_t qsend_make(const char *raw, const char *keyfile, struct quorum_wire *w,
			 uint8_t *buf)
{
	char *data;
	size_t n;
	int r;

	if (!!raw == !!keyfile)
		qsend_usage("one of -r FILE and -k KEYFILE");
	r = util_read_file(raw ? raw : keyfile, 65536, &data, &n);
	if (r < 0) {
		fprintf(stderr, "kq-quorum-send: %s: %s\n", raw ? raw : keyfile, strerror(-r));
		exit(1);
	}
	if (raw) {
		if (n > QSEND_BUF)
			qsend_usage("-r FILE: longer than 4096 bytes");
		memcpy(buf, data, n);
	} else {
		/* as quorum/node.c reads secret_file: a trailing newline is not the key's */
		while (n && (data[n - 1] == '\n' || data[n - 1] == '\r'))
			n--;
		n = quorum_wire_encode(w, (const uint8_t *)data, n, buf, QSEND_BUF);
		if (!n)
			qsend_usage("the encoder refuses these fields (see quorum/message.h)");
	}
	free(data);
	return n;
}

int main(int argc, char **argv)
{
	struct quorum_wire w = {.from = "node-x", .to = "node-h1",
				.b = {.type = QUORUM_MSG_HEARTBEAT, .term = 1}};
	const char *raw = NULL, *keyfile = NULL;
	size_t flips[QSEND_MAX_FLIPS], n_flips = 0, len, cut = 0, pad = 0;
	unsigned long long count = 1, gap_ms = 0, secs = 0, sent = 0;
	bool cuts = false;
	struct sockaddr_storage ss = {0};
	struct conf_addr dst;
	uint8_t buf[QSEND_BUF];
	socklen_t sl;
	unsigned port;
	int c, fd;

	w.seq = qsend_now_usec();
	while ((c = getopt(argc, argv, "r:k:t:T:s:f:o:x:l:L:n:g:d:C")) != -1) {
		switch (c) {
		case 'r': raw = optarg; break;
		case 'k': keyfile = optarg; break;
		case 't': w.b.type = qsend_type(optarg); break;
		case 'T': w.b.term = qsend_num(optarg, UINT64_MAX, "term"); break;
		case 's': w.seq = qsend_num(optarg, UINT64_MAX, "seq"); break;
		case 'f':
		case 'o':
			if (strlen(optarg) > QUORUM_ID_MAX)
				qsend_usage("a name is at most 64 bytes");
			strcpy(c == 'f' ? w.from : w.to, optarg);
			break;
		case 'x':
			if (n_flips == QSEND_MAX_FLIPS)
				qsend_usage("at most 16 -x");
			flips[n_flips++] = (size_t)qsend_num(optarg, QSEND_BUF - 1, "offset");
			break;
		case 'l': cut = (size_t)qsend_num(optarg, QSEND_BUF, "length") + 1; break;
		case 'L': pad = (size_t)qsend_num(optarg, QSEND_BUF, "length"); break;
		case 'n': count = qsend_num(optarg, 100000000, "count"); break;
		case 'g': gap_ms = qsend_num(optarg, 10000, "gap"); break;
		case 'd': secs = qsend_num(optarg, 3600, "seconds"); break;
		case 'C': cuts = true; break;
		default: qsend_usage(NULL);
		}
	}
	if (argc - optind != 2)
		qsend_usage(NULL);
	len = qsend_make(raw, keyfile, &w, buf);
	for (size_t i = 0; i < n_flips; i++) {
		if (flips[i] >= len)
			qsend_usage("-x OFF is past the datagram");
		buf[flips[i]] ^= 0xff;
	}
	if (pad > len) {
		memset(buf + len, 0, pad - len);
		len = pad;
	}
	if (cut && cut - 1 < len)
		len = cut - 1;
	port = (unsigned)qsend_num(argv[optind + 1], 65535, "port");
	if (conf_addr_parse(argv[optind], &dst) < 0)
		qsend_usage("ADDRESS is not an IPv4 or IPv6 address");
	if (dst.family == AF_INET) {
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;

		sa->sin_family = AF_INET;
		sa->sin_port = htons((uint16_t)port);
		sa->sin_addr = dst.u.v4;
		sl = sizeof(*sa);
	} else {
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;

		sa->sin6_family = AF_INET6;
		sa->sin6_port = htons((uint16_t)port);
		sa->sin6_addr = dst.u.v6;
		sl = sizeof(*sa);
	}
	fd = socket(dst.family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		fprintf(stderr, "kq-quorum-send: socket to %s port %u: %s\n", argv[optind], port,
			strerror(errno));
		return 1;
	}
	if (cuts) {
		for (size_t l = 0; l < len; l++) {
			if (send(fd, buf, l, 0) < 0 && errno != ECONNREFUSED) {
				fprintf(stderr, "kq-quorum-send: send of %zu bytes: %s\n", l, strerror(errno));
				return 1;
			}
			sent++;
		}
	} else if (secs) {
		/* a flood: as fast as the socket takes them (a full queue waits, ICMP errors from a
		 * closed port are skipped) */
		unsigned long long end = qsend_now_usec() + secs * 1000000ULL;

		while (qsend_now_usec() < end) {
			if (send(fd, buf, len, 0) >= 0) {
				sent++;
			} else if (errno == ENOBUFS || errno == EAGAIN) {
				struct pollfd p = {.fd = fd, .events = POLLOUT};

				poll(&p, 1, 1);
			} else if (errno != ECONNREFUSED) {
				fprintf(stderr, "kq-quorum-send: send: %s\n", strerror(errno));
				return 1;
			}
		}
	} else {
		const struct timespec gap = {.tv_sec = (time_t)(gap_ms / 1000),
					     .tv_nsec = (long)(gap_ms % 1000) * 1000000L};

		for (unsigned long long i = 0; i < count; i++) {
			if (send(fd, buf, len, 0) < 0 && errno != ECONNREFUSED) {
				fprintf(stderr, "kq-quorum-send: send %llu/%llu: %s\n", i + 1, count,
					strerror(errno));
				return 1;
			}
			sent++;
			if (gap_ms && i + 1 < count)
				nanosleep(&gap, NULL);
		}
	}
	close(fd);
	printf("sent %llu\n", sent);
	return 0;
}
