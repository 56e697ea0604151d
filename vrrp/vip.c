/* VIP addresses, added and removed with libnl-route (rtnl_addr). Netlink calls to the local
 * kernel answer at once; keepalived makes them synchronously too. */
#include "vrrp/vip.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/rtnl.h>
#include <string.h>

#include "common/util.h"
#include "daemon/log.h"

struct vrrp_vips {
	struct nl_sock *sk;
};

int vrrp_vips_open(struct vrrp_vips **out)
{
	struct vrrp_vips *v = xcalloc(1, sizeof(*v));

	v->sk = nl_socket_alloc();
	if (!v->sk || nl_connect(v->sk, NETLINK_ROUTE) < 0) {
		if (v->sk)
			nl_socket_free(v->sk);
		free(v);
		return -EPERM;
	}
	*out = v;
	return 0;
}

void vrrp_vips_close(struct vrrp_vips *v)
{
	if (!v)
		return;
	nl_socket_free(v->sk);
	free(v);
}

static struct nl_addr *vip_nl_addr(const struct conf_addr *a, unsigned prefix)
{
	struct nl_addr *n = nl_addr_build(a->family, &a->u, a->family == AF_INET ?
					  sizeof(struct in_addr) : sizeof(struct in6_addr));

	if (n)
		nl_addr_set_prefixlen(n, (int)prefix);
	return n;
}

/* The rtnl_addr of one entry: local address and prefix, interface, and for adding the
 * options keepalived accepts on a virtual_ipaddress line. */
static struct rtnl_addr *vip_build(const struct conf_vip *vip, unsigned ifindex, bool options)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = vip_nl_addr(&vip->addr, vip->prefix), *brd = NULL;

	if (!a || !local)
		goto fail;
	rtnl_addr_set_ifindex(a, (int)ifindex);
	rtnl_addr_set_family(a, vip->addr.family);
	if (rtnl_addr_set_local(a, local) < 0)
		goto fail;
	nl_addr_put(local);
	local = NULL;
	if (!options)
		return a;
	if (vip->label)
		rtnl_addr_set_label(a, vip->label);
	if (vip->scope)
		rtnl_addr_set_scope(a, rtnl_str2scope(vip->scope));
	if (vip->brd_set) {
		brd = vip_nl_addr(&vip->brd, 32);
		if (!brd || rtnl_addr_set_broadcast(a, brd) < 0)
			goto fail;
		nl_addr_put(brd);
	}
	/* a VIP moves between hosts: duplicate address detection would only delay it */
	if (vip->addr.family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	return a;
fail:
	nl_addr_put(local);
	nl_addr_put(brd);
	rtnl_addr_put(a);
	return NULL;
}

int vrrp_vip_add(struct vrrp_vips *v, const struct conf_vip *vip, unsigned ifindex,
		 uint32_t valid_lft, uint32_t preferred_lft)
{
	struct rtnl_addr *a = vip_build(vip, ifindex, true);
	int r;

	if (!a)
		return -NLE_NOMEM;
	rtnl_addr_set_valid_lifetime(a, valid_lft);
	rtnl_addr_set_preferred_lifetime(a, preferred_lft);
	/* NLM_F_REPLACE: an address that is already there gets these lifetimes */
	r = rtnl_addr_add(v->sk, a, NLM_F_REPLACE);
	rtnl_addr_put(a);
	return r == -NLE_EXIST ? 0 : r;
}

/* 1 removed, 0 was not there, < 0 a libnl error: --release reports the three apart. */
static int vip_delete_counted(struct vrrp_vips *v, const struct conf_vip *vip, unsigned ifindex)
{
	struct rtnl_addr *a = vip_build(vip, ifindex, false);
	int r;

	if (!a)
		return -NLE_NOMEM;
	r = rtnl_addr_delete(v->sk, a, 0);
	rtnl_addr_put(a);
	if (r == -NLE_NOADDR || r == -NLE_OBJ_NOTFOUND)
		return 0;
	return r < 0 ? r : 1;
}

int vrrp_vip_del(struct vrrp_vips *v, const struct conf_vip *vip, unsigned ifindex)
{
	int r = vip_delete_counted(v, vip, ifindex);

	return r < 0 ? r : 0;
}

int vrrp_vip_promote_secondaries(const char *ifname)
{
	char path[128];
	int fd, r = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/promote_secondaries", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		r = -errno;
	close(fd);
	return r;
}

int vrrp_vip_release_all(const struct conf *c, unsigned *failed)
{
	struct vrrp_vips *v;
	int removed = 0, r;
	char addr[64];

	*failed = 0;
	r = vrrp_vips_open(&v);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n_instances; i++) {
		const struct conf_instance *in = &c->instances[i];

		for (size_t k = 0; k < in->n_vips; k++) {
			const struct conf_vip *vip = &in->vips[k];
			const char *dev = vip->dev ? vip->dev : in->interface;
			unsigned idx;

			conf_addr_str(&vip->addr, addr, sizeof(addr));
			if (!dev) {
				/* only in a broken file read leniently for --release */
				log_obj(LOG_WARNING, in->name, "%s/%u: no interface named, not released",
					addr, vip->prefix);
				(*failed)++;
				continue;
			}
			idx = if_nametoindex(dev);
			if (!idx) {
				log_obj(LOG_INFO, in->name, "%s/%u: interface %s is absent, nothing to release",
					addr, vip->prefix, dev);
				continue;
			}
			r = vip_delete_counted(v, vip, idx);
			if (r > 0) {
				log_obj(LOG_NOTICE, in->name, "released %s/%u from %s", addr, vip->prefix, dev);
				removed++;
			} else if (r == 0) {
				log_obj(LOG_INFO, in->name, "%s/%u is not on %s", addr, vip->prefix, dev);
			} else {
				log_obj(LOG_ERR, in->name, "cannot remove %s/%u from %s: %s", addr, vip->prefix,
					dev, nl_geterror(r));
				(*failed)++;
			}
		}
	}
	vrrp_vips_close(v);
	return removed;
}
