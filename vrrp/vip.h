/* Virtual addresses on interfaces, through libnl-route (rtnl_addr). */
#pragma once

#include <stdint.h>

#include "conf/conf.h"

/* A lifetime of "forever" for vrrp_vip_add (the kernel's INFINITY_LIFE_TIME). */
#define VRRP_VIP_FOREVER 0xffffffffu

struct vrrp_vips;

int vrrp_vips_open(struct vrrp_vips **out);
void vrrp_vips_close(struct vrrp_vips *v);

/* Add one virtual_ipaddress entry (label, brd, scope as configured) to ifindex. valid_lft and
 * preferred_lft are seconds (VRRP_VIP_FOREVER: permanent); the quorum uses a finite lifetime
 * so that the kernel drops the VIP of a frozen daemon. An address already there is refreshed.
 * Returns 0 or a negative libnl error (nl_geterror). */
int vrrp_vip_add(struct vrrp_vips *v, const struct conf_vip *vip, unsigned ifindex,
		 uint32_t valid_lft, uint32_t preferred_lft);
/* Remove it; an address that is not there is not an error. */
int vrrp_vip_del(struct vrrp_vips *v, const struct conf_vip *vip, unsigned ifindex);

/* net.ipv4.conf.IF.promote_secondaries = 1: removing a VIP that happens to be the primary of its
 * subnet must not take the host's other addresses in that subnet with it (keepalived sets it too). */
int vrrp_vip_promote_secondaries(const char *ifname);

/* keepquorumd --release: remove every VIP the config names from its interface, whoever added it.
 * Addresses that are not there are skipped. Returns the number removed, or -errno when the
 * netlink socket cannot be opened; per-address failures are logged and counted in *failed. */
int vrrp_vip_release_all(const struct conf *c, unsigned *failed);
