/* Gratuitous ARP (IPv4). After a VIP moves, the hosts and switches of the link still map it to
 * the old MAC until their caches expire; a gratuitous ARP updates them at once (RFC 5798 6.4.1:
 * "broadcast a gratuitous ARP request ... for each IP address associated with the virtual
 * router"). Linux, like most stacks, updates an existing neighbour entry from it even with
 * arp_accept off, and an existing entry is exactly what a failover has to correct.
 *
 * We announce the interface's own MAC, not RFC 5798's virtual MAC 00-00-5E-00-01-{VRID}: the VIP
 * is added to the real interface, as keepalived does without use_vmac, so that is the address
 * it answers ARP with. (With a macvlan VMAC interface, its ifindex gives the virtual MAC.)
 *
 * One AF_PACKET SOCK_DGRAM socket serves every instance and interface: each sendto() names the
 * interface, and the kernel builds the Ethernet header (source: the interface's MAC). Its
 * protocol is 0, so it receives nothing: there is no receive queue to drain or to overflow. */
#include "vrrp/arp.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/log.h"

struct vrrp_arp {
	int fd;
};

_Static_assert(sizeof(struct ether_arp) == 28, "ARP payload for Ethernet/IPv4 is 28 bytes");

int vrrp_arp_open(struct vrrp_arp **out)
{
	struct vrrp_arp *a = xcalloc(1, sizeof(*a));
	int r;

	*out = NULL;
	a->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		r = -errno;
		log_obj(LOG_ERR, "vrrp", "gratuitous ARP socket: %s", strerror(errno));
		free(a);
		return r;
	}
	*out = a;
	return 0;
}

void vrrp_arp_close(struct vrrp_arp *a)
{
	if (!a)
		return;
	close(a->fd);
	free(a);
}

int vrrp_arp_ifhwaddr(int fd, unsigned ifindex, char name[IF_NAMESIZE], uint8_t mac[ETH_ALEN])
{
	static const uint8_t zero[ETH_ALEN];
	struct ifreq ifr = {.ifr_ifindex = (int)ifindex};

	if (ioctl(fd, SIOCGIFNAME, &ifr) < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return -errno;
	/* ARPHRD_ETHER covers Ethernet, bonds, VLANs, bridges, macvlan, veth: a 6-byte MAC and
	 * Ethernet framing. Anything else would need another ARP hardware type or has no ARP. */
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return -EOPNOTSUPP;
	/* A bond without slaves has no MAC yet; announcing 00:00:00:00:00:00 would blackhole the
	 * VIP in every cache that believes us. */
	if (memcmp(ifr.ifr_hwaddr.sa_data, zero, ETH_ALEN) == 0)
		return -EADDRNOTAVAIL;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memcpy(name, ifr.ifr_name, IF_NAMESIZE);
	name[IF_NAMESIZE - 1] = '\0';
	/* The ioctls go by name: if the interface was renamed in between and another took its name,
	 * we read that one's MAC. Announcing a wrong MAC for the VIP is worse than missing one
	 * announcement (the caller repeats), so check the name still means ifindex. */
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		return -errno;
	if (ifr.ifr_ifindex != (int)ifindex)
		return -ENODEV;
	return 0;
}

/* An RFC 826 packet, filled as an RFC 5227 3 ARP Announcement: a request, not a reply (RFC 5227
 * 3 explains why: every stack processes a broadcast request, not every one a broadcast reply);
 * sender and target IP both the VIP (2.3), so nobody takes it as a question to answer; target MAC
 * zero (2.1.1: it "SHOULD be set to all zeroes"). */
static void arp_build(struct ether_arp *p, const uint8_t mac[ETH_ALEN], const struct in_addr *ip)
{
	memset(p, 0, sizeof(*p));
	p->arp_hrd = htons(ARPHRD_ETHER);
	p->arp_pro = htons(ETHERTYPE_IP);
	p->arp_hln = ETH_ALEN;
	p->arp_pln = sizeof(struct in_addr);
	p->arp_op = htons(ARPOP_REQUEST);
	memcpy(p->arp_sha, mac, ETH_ALEN);
	memcpy(p->arp_spa, ip, sizeof(*ip));
	memcpy(p->arp_tpa, ip, sizeof(*ip));
}

int vrrp_arp_send(struct vrrp_arp *a, unsigned ifindex, const struct conf_addr *addr)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = (int)ifindex,
		.sll_halen = ETH_ALEN,
		.sll_addr = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	};
	char name[IF_NAMESIZE];
	uint8_t mac[ETH_ALEN];
	struct ether_arp pkt;
	int r;

	if (addr->family != AF_INET)
		return -EAFNOSUPPORT;
	/* Read at every send, not cached: a bond's MAC follows its active slave (fail_over_mac),
	 * and a stale MAC in a GARP would point the VIP at a port that no longer answers. */
	r = vrrp_arp_ifhwaddr(a->fd, ifindex, name, mac);
	if (r < 0)
		return r;
	arp_build(&pkt, mac, &addr->u.v4);
	if (sendto(a->fd, &pkt, sizeof(pkt), MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}
