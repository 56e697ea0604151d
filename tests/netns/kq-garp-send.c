/* kq-garp-send: send gratuitous ARPs or unsolicited NAs with vrrp/arp.c and vrrp/ndisc.c, for the
 * netns scenario tests/netns/garp.sh.
 *
 *   kq-garp-send IFNAME ADDRESS [COUNT]
 *
 * Opens both sockets as the daemon does, then sends COUNT (default 1) gratuitous ARPs (IPv4
 * ADDRESS) or unsolicited Neighbour Advertisements (IPv6 ADDRESS) on IFNAME, back to back; an
 * -EAGAIN is retried after 10 ms, as the daemon's next timer would. Before that it checks that
 * the other family's send refuses the address with -EAFNOSUPPORT. Prints "sent COUNT" and exits
 * 0; exits 1 with the error on stderr ("kq-garp-send: ...: <strerror>") when a step fails, 2 on
 * bad usage. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "daemon/log.h"
#include "vrrp/arp.h"
#include "vrrp/ndisc.h"

struct garp_ctx {
	struct vrrp_arp *arp;
	struct vrrp_ndisc *ndisc;
	unsigned ifindex;
	struct conf_addr addr;
};

static int garp_send_one(struct garp_ctx *c, int family)
{
	if (family == AF_INET)
		return vrrp_arp_send(c->arp, c->ifindex, &c->addr);
	return vrrp_ndisc_send(c->ndisc, c->ifindex, &c->addr);
}

static int garp_run(struct garp_ctx *c, const char *ifname, const char *addr, unsigned long count)
{
	const struct timespec pause = {.tv_nsec = 10 * 1000 * 1000};
	int other = c->addr.family == AF_INET ? AF_INET6 : AF_INET;
	unsigned again = 0;
	int r;

	r = garp_send_one(c, other);
	if (r != -EAFNOSUPPORT) {
		fprintf(stderr, "kq-garp-send: the %s send accepted %s: %d (%s), expected EAFNOSUPPORT\n",
			other == AF_INET ? "ARP" : "NA", addr, r, strerror(-r));
		return 1;
	}
	for (unsigned long i = 0; i < count; i++) {
		r = garp_send_one(c, c->addr.family);
		if (r == -EAGAIN && again++ < 100) {
			nanosleep(&pause, NULL);
			i--;
			continue;
		}
		if (r < 0) {
			fprintf(stderr, "kq-garp-send: send %lu/%lu for %s on %s: %s\n", i + 1, count, addr,
				ifname, strerror(-r));
			return 1;
		}
	}
	printf("sent %lu\n", count);
	return 0;
}

int main(int argc, char **argv)
{
	struct garp_ctx c = {0};
	unsigned long count = 1;
	char *end;
	int r, rc = 1;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "Usage: kq-garp-send IFNAME ADDRESS [COUNT]\n");
		return 2;
	}
	if (argc == 4) {
		errno = 0;
		count = strtoul(argv[3], &end, 10);
		if (errno || *end || end == argv[3] || count < 1 || count > 100000) {
			fprintf(stderr, "kq-garp-send: bad COUNT '%s' (1..100000)\n", argv[3]);
			return 2;
		}
	}
	if (conf_addr_parse(argv[2], &c.addr) < 0) {
		fprintf(stderr, "kq-garp-send: '%s' is not an IPv4 or IPv6 address\n", argv[2]);
		return 2;
	}
	c.ifindex = if_nametoindex(argv[1]);
	if (!c.ifindex) {
		fprintf(stderr, "kq-garp-send: interface %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	log_open(true);
	r = vrrp_arp_open(&c.arp);
	if (r < 0)
		return 1;
	r = vrrp_ndisc_open(&c.ndisc);
	if (r < 0)
		goto out_arp;
	rc = garp_run(&c, argv[1], argv[2], count);
	vrrp_ndisc_close(c.ndisc);
out_arp:
	vrrp_arp_close(c.arp);
	return rc;
}
