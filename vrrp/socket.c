/* Raw VRRP sockets. IPv4: the kernel builds the IP header; we read TTL and addresses from the
 * header it hands back. IPv6: hop limit and destination come as control data (IPV6_RECVHOPLIMIT,
 * IPV6_RECVPKTINFO). Both send with TTL / hop limit 255 (RFC 5798 5.1.1.3, 5.1.2.3) and the
 * source given in IP_PKTINFO / IPV6_PKTINFO, so one socket serves every instance on the link
 * whatever its unicast_src_ip. */
#include "vrrp/socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/log.h"

/* Adverts handled per wake-up, so a flood on one link cannot starve the rest of the loop. */
#define SOCK_BATCH 64
#define SOCK_BUF 65536

struct vrrp_sock {
	int fd;
	int family;
	unsigned ifindex;
	char ifname[IFNAMSIZ];
	sd_event_source *src;
	vrrp_sock_recv_fn fn;
	void *ud;
	uint8_t buf[SOCK_BUF];
};

void vrrp_sock_group(int family, struct conf_addr *out)
{
	/* 224.0.0.18 and ff02::12 (RFC 5798 5.1.1.2, 5.1.2.2), on every advert sent: not parsed */
	static const struct in6_addr v6 = {{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12}}};

	memset(out, 0, sizeof(*out));
	out->family = family;
	if (family == AF_INET)
		out->u.v4.s_addr = htonl(0xe0000012u);
	else
		out->u.v6 = v6;
}

unsigned vrrp_sock_ifindex(const struct vrrp_sock *s)
{
	return s->ifindex;
}

int vrrp_sock_family(const struct vrrp_sock *s)
{
	return s->family;
}

static int sock_opt(int fd, int level, int name, const void *val, socklen_t len, const char *what)
{
	if (setsockopt(fd, level, name, val, len) < 0) {
		int r = -errno;

		log_obj(LOG_ERR, "vrrp", "setsockopt %s: %s", what, strerror(errno));
		return r;
	}
	return 0;
}

static int sock_setup4(struct vrrp_sock *s)
{
	struct ip_mreqn mreq = {.imr_ifindex = (int)s->ifindex};
	int ttl = 255, off = 0, tos = IPTOS_PREC_INTERNETCONTROL;
	int r = 0;

	inet_pton(AF_INET, "224.0.0.18", &mreq.imr_multiaddr);
	r = r ?: sock_opt(s->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq), "IP_ADD_MEMBERSHIP");
	r = r ?: sock_opt(s->fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof(mreq), "IP_MULTICAST_IF");
	r = r ?: sock_opt(s->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl), "IP_MULTICAST_TTL");
	r = r ?: sock_opt(s->fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl), "IP_TTL");
	/* our own adverts are not news to us */
	r = r ?: sock_opt(s->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof(off), "IP_MULTICAST_LOOP");
	/* as keepalived: precedence "internetwork control" (tos 0xc0) */
	r = r ?: sock_opt(s->fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos), "IP_TOS");
	return r;
}

static int sock_setup6(struct vrrp_sock *s)
{
	struct ipv6_mreq mreq = {.ipv6mr_interface = s->ifindex};
	int hops = 255, on = 1, off = 0, tclass = 0xc0, ifidx = (int)s->ifindex;
	int r = 0;

	inet_pton(AF_INET6, "ff02::12", &mreq.ipv6mr_multiaddr);
	r = r ?: sock_opt(s->fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof(mreq), "IPV6_ADD_MEMBERSHIP");
	r = r ?: sock_opt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifidx, sizeof(ifidx), "IPV6_MULTICAST_IF");
	r = r ?: sock_opt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops), "IPV6_MULTICAST_HOPS");
	r = r ?: sock_opt(s->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops), "IPV6_UNICAST_HOPS");
	r = r ?: sock_opt(s->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off), "IPV6_MULTICAST_LOOP");
	r = r ?: sock_opt(s->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on), "IPV6_RECVHOPLIMIT");
	r = r ?: sock_opt(s->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on), "IPV6_RECVPKTINFO");
	r = r ?: sock_opt(s->fd, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof(tclass), "IPV6_TCLASS");
	return r;
}

/* IPv4: the IP header comes with the payload. Returns false for a datagram too short to hold
 * it (the VRRP parser counts its own truncations). */
static bool sock_rx4(struct vrrp_sock *s, size_t n, struct vrrp_rx *rx)
{
	const struct iphdr *ip = (const struct iphdr *)s->buf;
	size_t hl;

	if (n < sizeof(*ip))
		return false;
	hl = (size_t)ip->ihl * 4;
	if (hl < sizeof(*ip) || hl > n)
		return false;
	rx->family = AF_INET;
	rx->src.family = rx->dst.family = AF_INET;
	rx->src.u.v4.s_addr = ip->saddr;
	rx->dst.u.v4.s_addr = ip->daddr;
	rx->ttl = ip->ttl;
	rx->buf = s->buf + hl;
	rx->len = n - hl;
	return true;
}

static void sock_rx6(struct vrrp_sock *s, struct msghdr *mh, const struct sockaddr_in6 *from,
		     size_t n, struct vrrp_rx *rx)
{
	rx->family = AF_INET6;
	rx->src.family = rx->dst.family = AF_INET6;
	rx->src.u.v6 = from->sin6_addr;
	rx->ttl = -1; /* no hop limit given: the parser drops it as TTL */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(&rx->ttl, CMSG_DATA(c), sizeof(int));
		else if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			rx->dst.u.v6 = pi.ipi6_addr;
		}
	}
	rx->buf = s->buf;
	rx->len = n;
}

static int sock_on_read(sd_event_source *es, int fd, uint32_t revents, void *userdata)
{
	struct vrrp_sock *s = userdata;

	for (int i = 0; i < SOCK_BATCH; i++) {
		union {
			struct sockaddr_in v4;
			struct sockaddr_in6 v6;
		} from;
		char cbuf[256];
		struct iovec iov = {.iov_base = s->buf, .iov_len = sizeof(s->buf)};
		struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
		struct vrrp_rx rx = {0};
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_obj(LOG_WARNING, s->ifname, "VRRP receive: %s", strerror(errno));
			break;
		}
		if (s->family == AF_INET) {
			if (!sock_rx4(s, (size_t)n, &rx))
				continue;
		} else {
			sock_rx6(s, &mh, &from.v6, (size_t)n, &rx);
		}
		s->fn(s->ud, &rx, s->ifindex);
	}
	return 0;
}

int vrrp_sock_open(sd_event *ev, int family, unsigned ifindex, const char *ifname,
		   vrrp_sock_recv_fn fn, void *ud, struct vrrp_sock **out)
{
	struct vrrp_sock *s = xcalloc(1, sizeof(*s));
	int r;

	s->family = family;
	s->ifindex = ifindex;
	s->fn = fn;
	s->ud = ud;
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	s->fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_PROTO);
	if (s->fd < 0) {
		r = -errno;
		log_obj(LOG_ERR, ifname, "VRRP socket: %s", strerror(errno));
		goto out_free;
	}
	/* only this link's adverts: raw sockets otherwise see protocol 112 from every interface */
	r = sock_opt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, s->ifname, (socklen_t)strlen(s->ifname),
		     "SO_BINDTODEVICE");
	if (r == 0)
		r = family == AF_INET ? sock_setup4(s) : sock_setup6(s);
	if (r == 0)
		r = sd_event_add_io(ev, &s->src, s->fd, EPOLLIN, sock_on_read, s);
	if (r < 0)
		goto out_close;
	*out = s;
	return 0;
out_close:
	close(s->fd);
out_free:
	free(s);
	return r;
}

void vrrp_sock_close(struct vrrp_sock *s)
{
	if (!s)
		return;
	sd_event_source_disable_unref(s->src);
	close(s->fd);
	free(s);
}

int vrrp_sock_send(struct vrrp_sock *s, const struct conf_addr *src, const struct conf_addr *dst,
		   const uint8_t *buf, size_t len)
{
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} to = {0};
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf = {0};
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_name = &to, .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf.b};
	struct cmsghdr *c;

	if (s->family == AF_INET) {
		struct in_pktinfo pi = {.ipi_ifindex = (int)s->ifindex, .ipi_spec_dst = src->u.v4};

		to.v4 = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr = dst->u.v4};
		mh.msg_namelen = sizeof(to.v4);
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(&mh);
		*c = (struct cmsghdr){.cmsg_level = IPPROTO_IP, .cmsg_type = IP_PKTINFO,
				      .cmsg_len = CMSG_LEN(sizeof(pi))};
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = {.ipi6_ifindex = s->ifindex, .ipi6_addr = src->u.v6};

		to.v6 = (struct sockaddr_in6){.sin6_family = AF_INET6, .sin6_addr = dst->u.v6,
					      .sin6_scope_id = s->ifindex};
		mh.msg_namelen = sizeof(to.v6);
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(&mh);
		*c = (struct cmsghdr){.cmsg_level = IPPROTO_IPV6, .cmsg_type = IPV6_PKTINFO,
				      .cmsg_len = CMSG_LEN(sizeof(pi))};
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	if (sendmsg(s->fd, &mh, MSG_DONTWAIT) < 0)
		return -errno;
	return 0;
}
