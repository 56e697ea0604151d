/* The interface table: rtnetlink link and address messages applied to it, and the changes that
 * matter to the VRRP engine reported. No I/O: link.c feeds it what the socket brings. */
#include "vrrp/link-int.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/log.h"

/* The attributes we read, and their types; MNL_TYPE_UNSPEC: not read, so not checked. */
static const enum mnl_attr_data_type link_ifla_policy[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = MNL_TYPE_NUL_STRING,
	[IFLA_ADDRESS] = MNL_TYPE_BINARY,
};
static const enum mnl_attr_data_type link_ifa_policy[IFA_MAX + 1] = {
	[IFA_ADDRESS] = MNL_TYPE_BINARY,
	[IFA_LOCAL] = MNL_TYPE_BINARY,
	[IFA_FLAGS] = MNL_TYPE_U32,
};

struct link_parse {
	const enum mnl_attr_data_type *policy;
	uint16_t max;
	const struct nlattr **tb;
};

static int link_attr_cb(const struct nlattr *a, void *data)
{
	const struct link_parse *p = data;
	uint16_t type = mnl_attr_get_type(a);

	/* Attributes newer than our headers are skipped, like those we do not read. */
	if (type > p->max || p->policy[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (mnl_attr_validate(a, p->policy[type]) < 0)
		return MNL_CB_ERROR;
	p->tb[type] = a;
	return MNL_CB_OK;
}

struct link_ent *vrrp_link_tab_get(const struct link_tab *t, unsigned ifindex, size_t *pos)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i]->pub.ifindex == ifindex) {
			if (pos)
				*pos = i;
			return t->v[i];
		}
	}
	return NULL;
}

void vrrp_link_tab_clear(struct link_tab *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i]->addrs);
		free(t->v[i]);
	}
	free(t->v);
	*t = (struct link_tab){0};
}

static bool link_ignored(const struct link_view *v, const struct conf_addr *a)
{
	for (size_t i = 0; i < v->n_ignore; i++)
		if (conf_addr_eq(&v->ignore[i], a))
			return true;
	return false;
}

static void link_primaries(const struct link_view *v, struct link_ent *e)
{
	const struct link_addr *p4 = NULL, *s4 = NULL, *ll = NULL;

	for (size_t i = 0; i < e->n_addrs; i++) {
		const struct link_addr *a = &e->addrs[i];

		if (link_ignored(v, &a->a))
			continue;
		if (a->a.family == AF_INET && !(a->flags & IFA_F_SECONDARY))
			p4 = p4 ? p4 : a;
		else if (a->a.family == AF_INET)
			s4 = s4 ? s4 : a;
		/* A tentative address is no source yet (RFC 4862 5.4), a failed one never. */
		else if (IN6_IS_ADDR_LINKLOCAL(&a->a.u.v6) &&
			 !(a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
			ll = ll ? ll : a;
	}
	/* A VIP that was alone in its subnet holds the primary slot; the host's own address, added
	 * after it, is then a secondary, and still the right source for adverts. */
	p4 = p4 ? p4 : s4;
	e->pub.has_primary4 = p4 != NULL;
	e->pub.primary4 = p4 ? p4->a : (struct conf_addr){0};
	e->pub.has_linklocal6 = ll != NULL;
	e->pub.linklocal6 = ll ? ll->a : (struct conf_addr){0};
}

void vrrp_link_tab_primaries(struct link_tab *t, const struct link_view *v)
{
	for (size_t i = 0; i < t->n; i++)
		link_primaries(v, t->v[i]);
}

static ssize_t link_addr_find(const struct link_ent *e, const struct link_addr *a)
{
	for (size_t i = 0; i < e->n_addrs; i++)
		if (e->addrs[i].prefix == a->prefix && conf_addr_eq(&e->addrs[i].a, &a->a))
			return (ssize_t)i;
	return -1;
}

/* --- reporting -------------------------------------------------------------------------- */

static void link_notify(const struct link_view *v, const struct vrrp_link_if *li,
			enum vrrp_link_change what)
{
	static const char *const names[] = {
		[VRRP_LINK_UP] = "up", [VRRP_LINK_DOWN] = "down", [VRRP_LINK_GONE] = "gone",
		[VRRP_LINK_PRIMARY] = "primary address changed",
	};

	log_obj(LOG_DEBUG, li->name, "interface %s", names[what]);
	if (v->cbs.iface)
		v->cbs.iface(v->ud, li, what);
}

static void link_addr_deleted(const struct link_view *v, unsigned ifindex, const struct link_addr *a)
{
	if (v->cbs.addr_del)
		v->cbs.addr_del(v->ud, ifindex, &a->a, a->prefix);
}

static bool link_same(bool has_a, const struct conf_addr *a, bool has_b, const struct conf_addr *b)
{
	return has_a == has_b && (!has_a || conf_addr_eq(a, b));
}

/* Report what changed from before (NULL: unknown until now) to e. */
static void link_report(const struct link_view *v, const struct vrrp_link_if *before,
			const struct link_ent *e)
{
	const struct vrrp_link_if *li = &e->pub;
	bool same;

	if (!before || before->up != li->up)
		link_notify(v, li, li->up ? VRRP_LINK_UP : VRRP_LINK_DOWN);
	if (before)
		same = link_same(before->has_primary4, &before->primary4, li->has_primary4, &li->primary4) &&
		       link_same(before->has_linklocal6, &before->linklocal6, li->has_linklocal6,
				 &li->linklocal6);
	else
		same = !li->has_primary4 && !li->has_linklocal6;
	if (!same)
		link_notify(v, li, VRRP_LINK_PRIMARY);
}

void vrrp_link_tab_diff(const struct link_tab *t, const struct link_tab *old,
			const struct link_view *v)
{
	for (size_t i = 0; i < old->n; i++) {
		const struct link_ent *o = old->v[i];
		const struct link_ent *n = vrrp_link_tab_get(t, o->pub.ifindex, NULL);

		if (!n || strcmp(n->pub.name, o->pub.name) != 0) {
			link_notify(v, &o->pub, VRRP_LINK_GONE);
			continue;
		}
		for (size_t k = 0; k < o->n_addrs; k++)
			if (link_addr_find(n, &o->addrs[k]) < 0)
				link_addr_deleted(v, o->pub.ifindex, &o->addrs[k]);
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct link_ent *n = t->v[i];
		const struct link_ent *o = vrrp_link_tab_get(old, n->pub.ifindex, NULL);

		link_report(v, o && strcmp(o->pub.name, n->pub.name) == 0 ? &o->pub : NULL, n);
	}
}

/* --- messages --------------------------------------------------------------------------- */

static void link_gone(struct link_tab *t, const struct link_view *v, size_t pos, bool report)
{
	struct link_ent *e = t->v[pos];

	/* Out of the table first: vrrp_link_get() in the callback says it is gone. */
	t->v[pos] = t->v[--t->n];
	if (report)
		link_notify(v, &e->pub, VRRP_LINK_GONE);
	free(e->addrs);
	free(e);
}

static struct link_ent *link_add(struct link_tab *t, unsigned ifindex)
{
	struct link_ent *e = xcalloc(1, sizeof(*e));

	e->pub.ifindex = ifindex;
	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	t->v[t->n++] = e;
	return e;
}

static int link_on_link(struct link_tab *t, const struct link_view *v, const struct nlmsghdr *nlh,
			bool report)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	struct link_parse p = {link_ifla_policy, IFLA_MAX, tb};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct vrrp_link_if before = {0};
	const char *name = NULL;
	struct link_ent *e;
	size_t pos;
	bool known;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EBADMSG;
	/* The bridge reports its ports on this group too, as AF_BRIDGE messages; its RTM_DELLINK
	 * means "no longer a port", not that the interface is gone. */
	if (ifi->ifi_family != AF_UNSPEC || ifi->ifi_index <= 0)
		return 0;
	if (mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, &p) != MNL_CB_OK)
		return -EBADMSG;
	if (tb[IFLA_IFNAME]) {
		name = mnl_attr_get_str(tb[IFLA_IFNAME]);
		if (mnl_attr_get_payload_len(tb[IFLA_IFNAME]) > IFNAMSIZ || !name[0])
			return -EBADMSG;
	}
	e = vrrp_link_tab_get(t, (unsigned)ifi->ifi_index, &pos);
	if (nlh->nlmsg_type == RTM_DELLINK) {
		if (e)
			link_gone(t, v, pos, report);
		return 0;
	}
	if (!e && !name)
		return -EBADMSG;
	known = e != NULL;
	if (known)
		before = e->pub;
	else
		e = link_add(t, (unsigned)ifi->ifi_index);
	if (name && strcmp(name, e->pub.name) != 0) {
		/* The engine knows interfaces by name: under its old name, a renamed one is gone
		 * (and vrrp_link_find() of that name says so during the callback). */
		memcpy(e->pub.name, name, strlen(name) + 1);
		if (known && report)
			link_notify(v, &before, VRRP_LINK_GONE);
		known = false;
	}
	e->pub.up = (ifi->ifi_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
	e->pub.has_mac = tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6;
	if (e->pub.has_mac)
		memcpy(e->pub.mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	if (report)
		link_report(v, known ? &before : NULL, e);
	return 0;
}

static int link_addr_parse(const struct nlmsghdr *nlh, unsigned *ifindex, struct link_addr *la)
{
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	struct link_parse p = {link_ifa_policy, IFA_MAX, tb};
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *at;
	size_t alen;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return -EBADMSG;
	if (ifa->ifa_family == AF_INET)
		alen = sizeof(struct in_addr);
	else if (ifa->ifa_family == AF_INET6)
		alen = sizeof(struct in6_addr);
	else
		return -EAFNOSUPPORT;
	if (mnl_attr_parse(nlh, sizeof(*ifa), link_attr_cb, &p) != MNL_CB_OK)
		return -EBADMSG;
	/* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer's on point-to-point links and
	 * the same address elsewhere (IPv6 sends IFA_LOCAL only on point-to-point links). */
	at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!at || mnl_attr_get_payload_len(at) != alen || ifa->ifa_prefixlen > alen * 8)
		return -EBADMSG;
	*la = (struct link_addr){.a.family = ifa->ifa_family, .prefix = ifa->ifa_prefixlen};
	memcpy(&la->a.u, mnl_attr_get_payload(at), alen);
	/* ifa_flags has room for 8 flags only; IFA_FLAGS, when present, has them all. */
	la->flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	*ifindex = ifa->ifa_index;
	return 0;
}

static int link_on_addr(struct link_tab *t, const struct link_view *v, const struct nlmsghdr *nlh,
			bool report)
{
	bool del = nlh->nlmsg_type == RTM_DELADDR;
	struct vrrp_link_if before = {0};
	struct link_addr la;
	struct link_ent *e;
	unsigned ifindex;
	ssize_t k;
	int r;

	r = link_addr_parse(nlh, &ifindex, &la);
	if (r < 0)
		return r == -EAFNOSUPPORT ? 0 : r;
	/* No entry: an event about an interface the dump in progress has not reached yet (its
	 * addresses come later in the dump anyway), or about one deleted since. */
	e = vrrp_link_tab_get(t, ifindex, NULL);
	if (e) {
		before = e->pub;
		k = link_addr_find(e, &la);
		if (del && k >= 0) {
			memmove(&e->addrs[k], &e->addrs[k + 1], (e->n_addrs - (size_t)k - 1) * sizeof(la));
			e->n_addrs--;
		} else if (k >= 0) {
			e->addrs[k].flags = la.flags; /* a secondary promoted, DAD done */
		} else if (!del) {
			e->addrs = xrealloc(e->addrs, (e->n_addrs + 1) * sizeof(la));
			e->addrs[e->n_addrs++] = la;
		}
		link_primaries(v, e);
	}
	if (report && del)
		link_addr_deleted(v, ifindex, &la);
	if (report && e)
		link_report(v, &before, e);
	return 0;
}

int vrrp_link_tab_apply(struct link_tab *t, const struct link_view *v, const struct nlmsghdr *nlh,
			bool report)
{
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return link_on_link(t, v, nlh, report);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return link_on_addr(t, v, nlh, report);
	default:
		return 0;
	}
}
