/* VIP addresses, added and removed with libnl-route (rtnl_addr). */
#include "vrrp/vip.h"

#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <string.h>

#include "daemon/log.h"

static int vip_delete(struct nl_sock *sk, const struct conf_vip *vip, unsigned ifindex)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local;
	int r;

	if (!a)
		return -NLE_NOMEM;
	local = nl_addr_build(vip->addr.family, &vip->addr.u,
			      vip->addr.family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr));
	if (!local) {
		rtnl_addr_put(a);
		return -NLE_NOMEM;
	}
	nl_addr_set_prefixlen(local, (int)vip->prefix);
	rtnl_addr_set_ifindex(a, (int)ifindex);
	rtnl_addr_set_family(a, vip->addr.family);
	r = rtnl_addr_set_local(a, local);
	if (r == 0)
		r = rtnl_addr_delete(sk, a, 0);
	nl_addr_put(local);
	rtnl_addr_put(a);
	return r;
}

int vip_release_all(const struct conf *c, unsigned *failed)
{
	struct nl_sock *sk = nl_socket_alloc();
	int removed = 0, r;
	char addr[64];

	*failed = 0;
	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return -EPERM;
	}
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
			r = vip_delete(sk, vip, idx);
			if (r == 0) {
				log_obj(LOG_NOTICE, in->name, "released %s/%u from %s", addr, vip->prefix, dev);
				removed++;
			} else if (r == -NLE_NOADDR || r == -NLE_OBJ_NOTFOUND) {
				log_obj(LOG_INFO, in->name, "%s/%u is not on %s", addr, vip->prefix, dev);
			} else {
				log_obj(LOG_ERR, in->name, "cannot remove %s/%u from %s: %s", addr, vip->prefix,
					dev, nl_geterror(r));
				(*failed)++;
			}
		}
	}
	nl_socket_free(sk);
	return removed;
}
