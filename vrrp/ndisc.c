/* Unsolicited Neighbour Advertisement (IPv6), the IPv6 counterpart of arp.c. RFC 4861 7.2.6: a
 * node whose link-layer address for an address changed "MAY send" unsolicited NAs to the
 * all-nodes multicast address; with the Override flag set, receivers replace the cached MAC at
 * once (7.2.5) instead of probing the old one until it fails, which would cost seconds of NUD
 * (RFC 4861 10: DELAY_FIRST_PROBE_TIME 5 s, then 3 probes 1 s apart) on every neighbour.
 *
 * A raw ICMPv6 socket, not AF_PACKET as keepalived has: the kernel builds the IPv6 header, picks
 * the source address, maps ff02::1 to 33:33:00:00:00:01 and computes the ICMPv6 checksum
 * (RFC 3542 3.1), so all we build is the 32-byte ICMPv6 message. */
#include "vrrp/ndisc.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/log.h"
#include "vrrp/arp.h"

struct vrrp_ndisc {
	int fd;
};

/* RFC 4861 4.4: the NA header, then options; the TLLA option for Ethernet is type 2, length 1
 * (in units of 8 octets: 2 bytes of header and the 6-byte MAC, RFC 2464 8). */
struct ndisc_na {
	struct nd_neighbor_advert na;
	struct nd_opt_hdr opt;
	uint8_t lladdr[ETH_ALEN];
} __attribute__((packed));

_Static_assert(sizeof(struct ndisc_na) == 32, "NA with an Ethernet TLLA option is 32 bytes");

static const struct in6_addr ndisc_all_nodes = {.s6_addr = {0xff, 0x02, [15] = 0x01}};

static int ndisc_opt(int fd, int level, int name, const void *val, socklen_t len, const char *what)
{
	if (setsockopt(fd, level, name, val, len) < 0) {
		int r = -errno;

		log_obj(LOG_ERR, "vrrp", "unsolicited NA socket: setsockopt %s: %s", what, strerror(errno));
		return r;
	}
	return 0;
}

static int ndisc_setup(int fd)
{
	/* RFC 4861 7.1.2: a receiver drops any NA whose hop limit is not 255, the proof that it
	 * was not forwarded by a router. */
	int hops = 255, off = 0;
	struct icmp6_filter filter;
	int r = 0;

	/* A raw ICMPv6 socket gets a copy of every ICMPv6 packet the host receives; we only send,
	 * so let none in rather than fill a receive queue nobody reads. */
	ICMP6_FILTER_SETBLOCKALL(&filter);
	r = r ?: ndisc_opt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter), "ICMP6_FILTER");
	r = r ?: ndisc_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops),
			   "IPV6_MULTICAST_HOPS");
	/* our own NA is no news to us */
	r = r ?: ndisc_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off),
			   "IPV6_MULTICAST_LOOP");
	return r;
}

int vrrp_ndisc_open(struct vrrp_ndisc **out)
{
	struct vrrp_ndisc *n = xcalloc(1, sizeof(*n));
	int r;

	*out = NULL;
	n->fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (n->fd < 0) {
		r = -errno;
		log_obj(LOG_ERR, "vrrp", "unsolicited NA socket: %s", strerror(errno));
		goto out_free;
	}
	r = ndisc_setup(n->fd);
	if (r < 0)
		goto out_close;
	*out = n;
	return 0;
out_close:
	close(n->fd);
out_free:
	free(n);
	return r;
}

void vrrp_ndisc_close(struct vrrp_ndisc *n)
{
	if (!n)
		return;
	close(n->fd);
	free(n);
}

/* RFC 4861 7.2.6: "If the node is a router, it MUST set the Router flag to one; otherwise, it
 * MUST set it to zero." A wrong R=1 would make neighbours list us as a router; a wrong R=0 makes
 * them drop us from their default router list (7.2.5). The kernel's own unsolicited NAs and
 * keepalived decide the same way: by the interface's IPv6 forwarding setting. Unreadable (no
 * /proc, IPv6 disabled on the interface): not a router. */
static bool ndisc_is_router(const char *ifname)
{
	char path[64 + IF_NAMESIZE], c = '0';
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/forwarding", ifname);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c != '0';
}

static void ndisc_build(struct ndisc_na *p, const uint8_t mac[ETH_ALEN], const struct in6_addr *target,
			bool router)
{
	memset(p, 0, sizeof(*p));
	p->na.nd_na_type = ND_NEIGHBOR_ADVERT;
	p->na.nd_na_code = 0;
	/* Solicited stays clear: 7.2.6 says it MUST, or receivers would take the NA as proof of
	 * two-way reachability (7.3.1) that nobody asked for. Override set: the point of the NA is
	 * to replace the old MAC in their caches (7.2.5). The flags are already big-endian. */
	p->na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE | (router ? ND_NA_FLAG_ROUTER : 0);
	p->na.nd_na_target = *target;
	p->opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	p->opt.nd_opt_len = 1;
	memcpy(p->lladdr, mac, ETH_ALEN);
}

int vrrp_ndisc_send(struct vrrp_ndisc *n, unsigned ifindex, const struct conf_addr *addr)
{
	/* ff02::1 is link-local: the scope id names the interface to send it on, and the kernel
	 * then picks the source among that interface's addresses by RFC 6724 rules, which prefer
	 * the link-local one for a link-local destination. RFC 4861 4.4 asks only for "an address
	 * assigned to the interface". */
	struct sockaddr_in6 to = {
		.sin6_family = AF_INET6,
		.sin6_addr = ndisc_all_nodes,
		.sin6_scope_id = ifindex,
	};
	char name[IF_NAMESIZE];
	uint8_t mac[ETH_ALEN];
	struct ndisc_na pkt;
	int r;

	if (addr->family != AF_INET6)
		return -EAFNOSUPPORT;
	/* read at every send, as arp.c does: a bond's MAC can change under us */
	r = vrrp_arp_ifhwaddr(n->fd, ifindex, name, mac);
	if (r < 0)
		return r;
	ndisc_build(&pkt, mac, &addr->u.v6, ndisc_is_router(name));
	if (sendto(n->fd, &pkt, sizeof(pkt), MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}
