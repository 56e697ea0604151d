/* Internals of the interface monitor: the table (link-table.c: rtnetlink messages in, table and
 * callbacks out, no I/O, so it can be fed byte vectors) and its owner (link.c: the socket, the
 * dumps, the event loop). */
#pragma once

#include <linux/netlink.h>

#include "vrrp/link.h"

struct link_addr {
	struct conf_addr a;
	unsigned prefix;
	uint32_t flags; /* IFA_F_* */
};

struct link_ent {
	struct vrrp_link_if pub;
	struct link_addr *addrs; /* in the kernel's order: "first" means first here */
	size_t n_addrs;
};

struct link_tab {
	struct link_ent **v;
	size_t n;
};

/* What the table needs from its owner: where to report, and which addresses are never primary.
 * Read at each use, so the owner may change the ignore list (even from a callback). */
struct link_view {
	struct vrrp_link_cbs cbs;
	void *ud;
	struct conf_addr *ignore;
	size_t n_ignore;
};

/* Apply one RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR or RTM_DELADDR message to t, and when report
 * is set, make the callbacks its changes call for. Messages of other types, other link families
 * (AF_BRIDGE) and other address families are ignored. Returns 0, or -EBADMSG when the message
 * is malformed (t is then unchanged). */
int vrrp_link_tab_apply(struct link_tab *t, const struct link_view *v, const struct nlmsghdr *nlh,
			bool report);
/* t has just replaced old (a dump after lost events): report every difference. */
void vrrp_link_tab_diff(const struct link_tab *t, const struct link_tab *old,
			const struct link_view *v);
/* Recompute every primary4 and linklocal6 (the ignore list changed); no callbacks. */
void vrrp_link_tab_primaries(struct link_tab *t, const struct link_view *v);
struct link_ent *vrrp_link_tab_get(const struct link_tab *t, unsigned ifindex, size_t *pos);
void vrrp_link_tab_clear(struct link_tab *t);
