/* kq-vrrp-send: send VRRP adverts made to order, right or wrong in one field, from any source
 * address and with any TTL, for the netns scenario tests/netns/vrrp-bad-adverts.sh.
 *
 *   kq-vrrp-send [OPTIONS] IFNAME SRC DST
 *
 *   -v VERSION   2 or 3 (default 3)          -r VRID       1-255 (default 1)
 *   -p PRIORITY  0-255 (default 255)         -i CS         advert interval, centiseconds (100)
 *   -a ADDRESS   an address of the advert, repeatable (default: none; v3 needs one)
 *   -A PASS      v2: authentication PASS with this password (default: none)
 *   -t TTL       the IPv4 TTL or IPv6 hop limit (default 255)
 *   -s OFF=BYTE  after building, byte OFF of the VRRP packet set to BYTE (decimal or 0x..);
 *                the checksum is made again after, unless -c. Repeatable.
 *   -c           the checksum left wrong (its complement)
 *   -l LEN       only the first LEN bytes sent (after the checksum is made)
 *   -L           cut at every length instead: one packet of each of 0 .. length - 1 bytes
 *   -n COUNT     as many packets (default 1), -g MS apart (default 0)
 *
 * The advert is built by vrrp/packet.c's builder, so that an unmodified one is exactly what the
 * daemon sends. IPv4 is sent with a header of our own (IP_HDRINCL: any source, the TTL as
 * given), IPv6 from a socket bound with IPV6_FREEBIND to SRC, so that SRC need not be ours.
 * Prints "sent COUNT"; exits 1 on a failed step, 2 on bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "vrrp/packet.h"

#define SEND_PROTO 112
#define SEND_MAX_EDITS 32

struct send_opts {
	struct vrrp_advert a;
	char pass[VRRP_AUTH_LEN + 1];
	int ttl;
	size_t edit_off[SEND_MAX_EDITS];
	unsigned edit_val[SEND_MAX_EDITS];
	size_t n_edits;
	bool bad_csum, cuts;
	long len;        /* -1: the whole packet */
	unsigned long count, gap_ms;
	struct conf_addr src, dst;
	unsigned ifindex;
};

static __attribute__((noreturn)) void send_usage(const char *why)
{
	if (why)
		fprintf(stderr, "kq-vrrp-send: %s\n", why);
	fprintf(stderr, "Usage: kq-vrrp-send [-v 2|3] [-r VRID] [-p PRIO] [-i CS] [-a ADDR]... "
			"[-A PASS] [-t TTL] [-s OFF=BYTE]... [-c] [-l LEN] [-n COUNT] [-g MS] "
			"IFNAME SRC DST\n");
	exit(2);
}

static unsigned long send_num(const char *s, unsigned long max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "kq-vrrp-send: bad %s '%s' (0..%lu)\n", what, s, max);
		exit(2);
	}
	return v;
}

/* The sum of the pseudo-header's 16-bit words (RFC 5798 5.2.8), for v3's checksum. */
static uint32_t send_pseudo(const struct send_opts *o, size_t len)
{
	const uint8_t *s, *d;
	size_t n = o->src.family == AF_INET ? 4 : 16;
	uint32_t sum = 0;

	s = o->src.family == AF_INET ? (const uint8_t *)&o->src.u.v4 : (const uint8_t *)&o->src.u.v6;
	d = o->dst.family == AF_INET ? (const uint8_t *)&o->dst.u.v4 : (const uint8_t *)&o->dst.u.v6;
	for (size_t i = 0; i < n; i += 2)
		sum += (uint32_t)(s[i] << 8 | s[i + 1]) + (uint32_t)(d[i] << 8 | d[i + 1]);
	return sum + SEND_PROTO + (uint32_t)len;
}

static size_t send_make(const struct send_opts *o, uint8_t *buf, size_t cap)
{
	size_t n = vrrp_pkt_build(&o->a, &o->src, &o->dst, buf, cap);
	uint16_t c;

	if (!n) {
		fprintf(stderr, "kq-vrrp-send: the builder refuses this advert (see vrrp/packet.h)\n");
		exit(2);
	}
	for (size_t i = 0; i < o->n_edits; i++) {
		if (o->edit_off[i] >= n) {
			fprintf(stderr, "kq-vrrp-send: -s offset %zu is past the packet (%zu bytes)\n",
				o->edit_off[i], n);
			exit(2);
		}
		buf[o->edit_off[i]] = (uint8_t)o->edit_val[i];
	}
	if (o->n_edits) {
		buf[6] = buf[7] = 0;
		c = vrrp_pkt_csum(buf, n, o->a.version == 3 ? send_pseudo(o, n) : 0);
		buf[6] = (uint8_t)(c >> 8);
		buf[7] = (uint8_t)c;
	}
	if (o->bad_csum) {
		buf[6] ^= 0xff;
		buf[7] ^= 0xff;
	}
	return o->len >= 0 && (size_t)o->len < n ? (size_t)o->len : n;
}

static int send_open(const struct send_opts *o, const char *ifname)
{
	int one = 1, fd;

	if (o->src.family == AF_INET) {
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0)
			goto fail;
	} else {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = o->src.u.v6};

		if (IN6_IS_ADDR_LINKLOCAL(&sa.sin6_addr))
			sa.sin6_scope_id = o->ifindex;
		fd = socket(AF_INET6, SOCK_RAW, SEND_PROTO);
		if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &o->ttl, sizeof(o->ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &o->ttl, sizeof(o->ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &o->ifindex, sizeof(o->ifindex)) < 0 ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			goto fail;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0)
		goto fail;
	return fd;
fail:
	fprintf(stderr, "kq-vrrp-send: socket on %s: %s\n", ifname, strerror(errno));
	exit(1);
}

static int send_one(const struct send_opts *o, int fd, const uint8_t *pkt, size_t len)
{
	uint8_t frame[20 + VRRP_PKT_MAX];
	ssize_t r;

	if (o->src.family == AF_INET) {
		struct iphdr *ip = (struct iphdr *)frame;
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr = o->dst.u.v4};

		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->tos = 0xc0;
		ip->tot_len = htons((uint16_t)(sizeof(*ip) + len));
		ip->ttl = (uint8_t)o->ttl;
		ip->protocol = SEND_PROTO;
		ip->saddr = o->src.u.v4.s_addr;
		ip->daddr = o->dst.u.v4.s_addr;   /* the kernel fills in id and the header checksum */
		memcpy(frame + sizeof(*ip), pkt, len);
		r = sendto(fd, frame, sizeof(*ip) + len, 0, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = o->dst.u.v6,
					  .sin6_scope_id = o->ifindex};

		r = sendto(fd, pkt, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	}
	return r < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
	struct send_opts o = {.a = {.version = 3, .vrid = 1, .priority = 255, .interval_cs = 100},
			      .ttl = 255, .len = -1, .count = 1};
	uint8_t pkt[VRRP_PKT_MAX];
	size_t len;
	char *eq;
	int c, fd;

	while ((c = getopt(argc, argv, "v:r:p:i:a:A:t:s:cl:Ln:g:")) != -1) {
		switch (c) {
		case 'v': o.a.version = (unsigned)send_num(optarg, 255, "version"); break;
		case 'r': o.a.vrid = (unsigned)send_num(optarg, 255, "VRID"); break;
		case 'p': o.a.priority = (unsigned)send_num(optarg, 255, "priority"); break;
		case 'i': o.a.interval_cs = (unsigned)send_num(optarg, 4095, "interval"); break;
		case 'a':
			if (o.a.n_addrs == VRRP_MAX_ADDRS || conf_addr_parse(optarg, &o.a.addrs[o.a.n_addrs]) < 0)
				send_usage("bad or too many -a addresses");
			o.a.n_addrs++;
			break;
		case 'A':
			if (strlen(optarg) > VRRP_AUTH_LEN)
				send_usage("-A: at most 8 characters");
			o.a.auth_type = 1;
			memcpy(o.a.auth, optarg, strlen(optarg));
			break;
		case 't': o.ttl = (int)send_num(optarg, 255, "TTL"); break;
		case 's':
			eq = strchr(optarg, '=');
			if (!eq || o.n_edits == SEND_MAX_EDITS)
				send_usage("-s takes OFF=BYTE, at most 32 times");
			*eq = '\0';
			o.edit_off[o.n_edits] = send_num(optarg, VRRP_PKT_MAX, "offset");
			o.edit_val[o.n_edits++] = (unsigned)send_num(eq + 1, 255, "byte");
			break;
		case 'c': o.bad_csum = true; break;
		case 'l': o.len = (long)send_num(optarg, VRRP_PKT_MAX, "length"); break;
		case 'L': o.cuts = true; break;
		case 'n': o.count = send_num(optarg, 1000000, "count"); break;
		case 'g': o.gap_ms = send_num(optarg, 10000, "gap"); break;
		default: send_usage(NULL);
		}
	}
	if (argc - optind != 3)
		send_usage(NULL);
	if (conf_addr_parse(argv[optind + 1], &o.src) < 0 || conf_addr_parse(argv[optind + 2], &o.dst) < 0 ||
	    o.src.family != o.dst.family)
		send_usage("SRC and DST must be addresses of one family");
	o.a.family = o.src.family;
	o.ifindex = if_nametoindex(argv[optind]);
	if (!o.ifindex) {
		fprintf(stderr, "kq-vrrp-send: interface %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	len = send_make(&o, pkt, sizeof(pkt));
	fd = send_open(&o, argv[optind]);
	if (o.cuts) {
		for (size_t l = 0; l < len; l++) {
			int r = send_one(&o, fd, pkt, l);

			if (r < 0) {
				fprintf(stderr, "kq-vrrp-send: send of %zu bytes: %s\n", l, strerror(-r));
				return 1;
			}
		}
		printf("sent %zu\n", len);
		close(fd);
		return 0;
	}
	for (unsigned long i = 0; i < o.count; i++) {
		const struct timespec gap = {.tv_sec = (time_t)(o.gap_ms / 1000),
					     .tv_nsec = (long)(o.gap_ms % 1000) * 1000000L};
		int r = send_one(&o, fd, pkt, len);

		if (r < 0) {
			fprintf(stderr, "kq-vrrp-send: send %lu/%lu: %s\n", i + 1, o.count, strerror(-r));
			return 1;
		}
		if (o.gap_ms && i + 1 < o.count)
			nanosleep(&gap, NULL);
	}
	close(fd);
	printf("sent %lu\n", o.count);
	return 0;
}
