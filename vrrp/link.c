/* The interface monitor (libmnl on NETLINK_ROUTE). One non-blocking socket, subscribed to the link
 * and IPv4/IPv6 address groups, carries both our dump requests' answers and the kernel's events,
 * in the order the kernel made them; so a dump and the events that race with it are applied in
 * one consistent order, which two sockets could not give.
 *
 * A dump (links, then addresses, so that every address finds its interface) fills a second table;
 * events that arrive meanwhile go into it too. When the dump ends, it replaces the table and the
 * differences are reported, except after the initial dump, which has nothing to compare with. */
#include "vrrp/link-int.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"
#include "daemon/log.h"

#define LINK_LOG "netlink"
/* The kernel sizes dump datagrams to the reader's buffer, up to 32 KiB (netlink_recvmsg's
 * max_recvmsg_len). A longer event arrives truncated and is handled as lost events. */
#define LINK_BUF_SIZE 32768
/* Room for a burst of events while the loop is busy elsewhere (the kernel doubles it). Past it
 * the kernel drops events and says ENOBUFS, and we read the whole table again. */
#define LINK_RCVBUF (1 << 20)
#define LINK_DUMP_TIMEOUT_USEC (5 * 1000000ULL)
#define LINK_RETRY_USEC 1000000ULL
/* Datagrams read per wakeup, so that an event storm cannot starve the rest of the loop. */
#define LINK_READ_BATCH 64

enum link_dump { LINK_DUMP_NONE, LINK_DUMP_LINKS, LINK_DUMP_ADDRS };

struct vrrp_link {
	sd_event *ev;
	sd_event_source *io, *retry;
	struct mnl_socket *nl;
	unsigned portid;
	struct link_view view; /* callbacks and ignored addresses, for link-table.c */
	struct link_tab tab;   /* what lookups and callbacks see */
	struct link_tab build; /* filled by the dump in progress */
	enum link_dump dump;
	uint32_t seq;          /* of the dump request in flight */
	bool again;            /* events lost or dump interrupted: dump again when this one ends */
	bool quiet;            /* the initial dump: nothing to report, errors go to vrrp_link_open */
	int dump_err;
	unsigned long bad;     /* malformed messages dropped */
	uint32_t buf[LINK_BUF_SIZE / sizeof(uint32_t)]; /* aligned for struct nlmsghdr */
};

/* --- dumps ------------------------------------------------------------------------------ */

static int link_dump_request(struct vrrp_link *l, uint16_t type)
{
	uint32_t buf[64];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++l->seq;
	if (type == RTM_GETLINK) {
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

		ifi->ifi_family = AF_UNSPEC;
		/* Counters are most of a link message, and we read none of them. */
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	} else {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

		ifa->ifa_family = AF_UNSPEC;
	}
	if (mnl_socket_sendto(l->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

static void link_dump_begin(struct vrrp_link *l);

static int link_on_retry(sd_event_source *s, uint64_t usec, void *ud)
{
	link_dump_begin(ud);
	return 0;
}

static void link_dump_failed(struct vrrp_link *l, int err)
{
	l->dump = LINK_DUMP_NONE;
	vrrp_link_tab_clear(&l->build);
	if (l->quiet) {
		l->dump_err = err;
		return;
	}
	log_obj(LOG_ERR, LINK_LOG, "reading the interface table failed: %s; retrying in 1 s",
		strerror(-err));
	if (!l->retry && sd_event_add_time_relative(l->ev, &l->retry, CLOCK_MONOTONIC, LINK_RETRY_USEC,
						    0, link_on_retry, l) < 0)
		log_obj(LOG_ERR, LINK_LOG, "cannot arm the retry timer; the table stays stale");
}

static void link_dump_begin(struct vrrp_link *l)
{
	int r;

	l->retry = sd_event_source_disable_unref(l->retry);
	vrrp_link_tab_clear(&l->build);
	l->again = false;
	l->dump = LINK_DUMP_LINKS;
	r = link_dump_request(l, RTM_GETLINK);
	if (r < 0)
		link_dump_failed(l, r);
}

/* Events were lost: the only way back to a true table is to read it all again. */
static void link_overrun(struct vrrp_link *l, const char *why)
{
	log_obj(LOG_WARNING, LINK_LOG, "%s: reading the interface table again", why);
	if (l->dump != LINK_DUMP_NONE)
		l->again = true;
	else
		link_dump_begin(l);
}

static void link_dump_done(struct vrrp_link *l)
{
	struct link_tab old;
	int r;

	if (l->again) {
		log_obj(LOG_INFO, LINK_LOG, "the interfaces changed while being read: reading them again");
		link_dump_begin(l);
		return;
	}
	if (l->dump == LINK_DUMP_LINKS) {
		l->dump = LINK_DUMP_ADDRS;
		r = link_dump_request(l, RTM_GETADDR);
		if (r < 0)
			link_dump_failed(l, r);
		return;
	}
	l->dump = LINK_DUMP_NONE;
	old = l->tab;
	l->tab = l->build;
	l->build = (struct link_tab){0};
	if (!l->quiet)
		vrrp_link_tab_diff(&l->tab, &old, &l->view);
	l->quiet = false;
	vrrp_link_tab_clear(&old);
}

/* The end of our dump, NLMSG_DONE or NLMSG_ERROR: both carry an error code first. */
static void link_dump_end(struct vrrp_link *l, const struct nlmsghdr *nlh)
{
	const int *err = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err))
		link_dump_failed(l, -EBADMSG);
	else if (*err < 0)
		link_dump_failed(l, *err);
	else if (nlh->nlmsg_type == NLMSG_DONE)
		link_dump_done(l);
}

static void link_msg(struct vrrp_link *l, const struct nlmsghdr *nlh)
{
	bool dumping = l->dump != LINK_DUMP_NONE;
	int r;

	if (nlh->nlmsg_pid == l->portid) {
		/* An answer to us: to the dump in flight, or left over from one that failed. */
		if (!dumping || nlh->nlmsg_seq != l->seq)
			return;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			l->again = true;
	}
	if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
		if (nlh->nlmsg_pid == l->portid)
			link_dump_end(l, nlh);
		return;
	}
	/* During a dump, events go into the table being built, in the order they happened
	 * relative to the dump's own messages, and are reported by the diff at its end. */
	r = vrrp_link_tab_apply(dumping ? &l->build : &l->tab, &l->view, nlh, !dumping);
	if (r == 0)
		return;
	l->bad++;
	if (!(l->bad & (l->bad - 1))) /* logged the 1st, 2nd, 4th, 8th... time */
		log_obj(LOG_WARNING, LINK_LOG, "malformed message of type %u dropped (%lu so far)",
			nlh->nlmsg_type, l->bad);
}

/* Read at most a batch of datagrams. Returns 1 when the socket is drained, 0 when the batch ran
 * out first, -errno on a socket error. */
static int link_read(struct vrrp_link *l)
{
	int fd = mnl_socket_get_fd(l->nl);

	for (int i = 0; i < LINK_READ_BATCH; i++) {
		struct sockaddr_nl sa;
		struct iovec iov = {l->buf, sizeof(l->buf)};
		struct msghdr mh = {.msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov,
				    .msg_iovlen = 1};
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)l->buf;
		ssize_t n = recvmsg(fd, &mh, 0);
		int len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 1;
		if (n < 0 && errno == ENOBUFS) {
			link_overrun(l, "the kernel dropped events (receive buffer full)");
			continue;
		}
		if (n < 0)
			return -errno;
		if (mh.msg_flags & MSG_TRUNC) {
			link_overrun(l, "an event larger than our buffer was truncated");
			continue;
		}
		/* Only the kernel is believed: any local process may send to our port id. */
		if (mh.msg_namelen != sizeof(sa) || sa.nl_pid != 0)
			continue;
		for (len = (int)n; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			link_msg(l, nlh);
	}
	return 0;
}

static int link_on_io(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct vrrp_link *l = ud;
	int r = link_read(l);

	if (r < 0) {
		log_obj(LOG_ERR, LINK_LOG, "recv: %s; interface monitoring stopped", strerror(-r));
		return r; /* sd-event disables the source */
	}
	return 0;
}

/* --- open, close, lookups --------------------------------------------------------------- */

static int link_socket(struct vrrp_link *l, const char **what)
{
	static const int groups[] = {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR};
	int sz = LINK_RCVBUF, fd;

	*what = "socket";
	l->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!l->nl)
		return -errno;
	*what = "bind";
	if (mnl_socket_bind(l->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	l->portid = mnl_socket_get_portid(l->nl);
	*what = "joining the link and address groups";
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
		int g = groups[i];

		if (mnl_socket_setsockopt(l->nl, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
			return -errno;
	}
	/* FORCE passes net.core.rmem_max, as root; without it we take what we are given. */
	fd = mnl_socket_get_fd(l->nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return 0;
}

/* The initial dump, synchronously: the kernel answers at once, but bound it all the same. */
static int link_dump_sync(struct vrrp_link *l)
{
	unsigned long long deadline = util_now_usec() + LINK_DUMP_TIMEOUT_USEC, now;
	struct pollfd pfd = {.fd = mnl_socket_get_fd(l->nl), .events = POLLIN};
	int r;

	link_dump_begin(l);
	while (l->dump != LINK_DUMP_NONE) {
		now = util_now_usec();
		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)((deadline - now + 999) / 1000));
		if (r < 0 && errno != EINTR)
			return -errno;
		r = r > 0 ? link_read(l) : 0;
		if (r < 0)
			return r;
	}
	return l->dump_err;
}

int vrrp_link_open(sd_event *ev, const struct vrrp_link_cbs *cbs, void *ud, struct vrrp_link **out)
{
	struct vrrp_link *l = xcalloc(1, sizeof(*l));
	const char *what;
	int r;

	l->ev = sd_event_ref(ev);
	l->view.cbs = *cbs;
	l->view.ud = ud;
	l->quiet = true;
	r = link_socket(l, &what);
	if (r < 0)
		goto out_close;
	what = "reading the interface table";
	r = link_dump_sync(l);
	if (r < 0)
		goto out_close;
	what = "watching the socket";
	r = sd_event_add_io(ev, &l->io, mnl_socket_get_fd(l->nl), EPOLLIN, link_on_io, l);
	if (r < 0)
		goto out_close;
	*out = l;
	return 0;
out_close:
	log_obj(LOG_ERR, LINK_LOG, "%s: %s", what, strerror(-r));
	vrrp_link_close(l);
	return r;
}

void vrrp_link_close(struct vrrp_link *l)
{
	if (!l)
		return;
	sd_event_source_disable_unref(l->io);
	sd_event_source_disable_unref(l->retry);
	if (l->nl)
		mnl_socket_close(l->nl);
	vrrp_link_tab_clear(&l->tab);
	vrrp_link_tab_clear(&l->build);
	free(l->view.ignore);
	sd_event_unref(l->ev);
	free(l);
}

const struct vrrp_link_if *vrrp_link_find(const struct vrrp_link *l, const char *name)
{
	for (size_t i = 0; i < l->tab.n; i++)
		if (strcmp(l->tab.v[i]->pub.name, name) == 0)
			return &l->tab.v[i]->pub;
	return NULL;
}

const struct vrrp_link_if *vrrp_link_get(const struct vrrp_link *l, unsigned ifindex)
{
	const struct link_ent *e = vrrp_link_tab_get(&l->tab, ifindex, NULL);

	return e ? &e->pub : NULL;
}

const struct vrrp_link_if *vrrp_link_at(const struct vrrp_link *l, size_t i)
{
	return i < l->tab.n ? &l->tab.v[i]->pub : NULL;
}

/* The build table is recomputed too: a dump in progress must not bring back an old choice. */
static void link_primaries_all(struct vrrp_link *l)
{
	vrrp_link_tab_primaries(&l->tab, &l->view);
	vrrp_link_tab_primaries(&l->build, &l->view);
}

void vrrp_link_ignore_addr(struct vrrp_link *l, const struct conf_addr *addr)
{
	for (size_t i = 0; i < l->view.n_ignore; i++)
		if (conf_addr_eq(&l->view.ignore[i], addr))
			return;
	*XAPPEND(l->view.ignore, l->view.n_ignore) = *addr;
	link_primaries_all(l);
}

void vrrp_link_ignore_clear(struct vrrp_link *l)
{
	free(l->view.ignore);
	l->view.ignore = NULL;
	l->view.n_ignore = 0;
	link_primaries_all(l);
}
