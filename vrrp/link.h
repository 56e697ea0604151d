/* The interface monitor: a table of the host's interfaces kept current from rtnetlink (libmnl),
 * driven by the sd-event loop, telling the VRRP engine what changed through callbacks.
 *
 * vrrp_link_open() reads the whole table before it returns (a dump of links, then of addresses),
 * so the engine can look up its interfaces at once; callbacks only report changes after that.
 * When the kernel drops events because we fell behind (ENOBUFS), the table is read again and
 * compared with what was known, and the differences are reported as if they had been seen.
 *
 * Pointers returned by vrrp_link_find/get/at and passed to callbacks are valid until control
 * returns to the event loop or the next call into this module. Callbacks must not call
 * vrrp_link_close(). */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf/conf.h"

/* What the engine needs to know about an interface. */
struct vrrp_link_if {
	unsigned ifindex;
	char name[IFNAMSIZ];
	/* IFF_UP and IFF_RUNNING: keepalived treats an interface without carrier as down. */
	bool up;
	uint8_t mac[6];
	bool has_mac;               /* the link-layer address is 6 bytes long (Ethernet-like) */
	/* The address adverts are sent from: the first IPv4 address without IFA_F_SECONDARY that is
	 * not ignored, or failing that the first secondary one that is not ignored (a VIP added
	 * while it was alone in its subnet holds the primary slot; the host's own address added
	 * later is a secondary then). */
	struct conf_addr primary4;
	bool has_primary4;
	/* The first fe80::/10 address that is neither tentative nor failed DAD, nor ignored (VRRPv3
	 * over IPv6 sends from it, RFC 5798 5.1.2.1). */
	struct conf_addr linklocal6;
	bool has_linklocal6;
};

enum vrrp_link_change {
	VRRP_LINK_UP,      /* became up, or appeared up */
	VRRP_LINK_DOWN,    /* became down, or appeared down */
	VRRP_LINK_GONE,    /* deleted, moved to another namespace, or renamed (then it reappears
	                    * under its new name with UP or DOWN) */
	VRRP_LINK_PRIMARY, /* primary4 or linklocal6 changed, appeared or went */
};

struct vrrp_link_cbs {
	/* An interface's state or primary address changed. */
	void (*iface)(void *ud, const struct vrrp_link_if *li, enum vrrp_link_change what);
	/* An address was deleted from ifindex (the engine re-adds a VIP someone else removed). Also
	 * called for the addresses the kernel removes when an interface goes down (IPv6) or away
	 * (before its GONE): check vrrp_link_get(ifindex)->up before re-adding anything. May be NULL. */
	void (*addr_del)(void *ud, unsigned ifindex, const struct conf_addr *addr, unsigned prefix);
};

struct vrrp_link;

/* Open the netlink socket, read the table (synchronously: a local kernel socket, bounded by a
 * few seconds) and watch it on ev. No callback is made before it returns. Returns 0, or -errno
 * after logging what failed. */
int vrrp_link_open(sd_event *ev, const struct vrrp_link_cbs *cbs, void *ud, struct vrrp_link **out);
void vrrp_link_close(struct vrrp_link *l);

const struct vrrp_link_if *vrrp_link_find(const struct vrrp_link *l, const char *name);
const struct vrrp_link_if *vrrp_link_get(const struct vrrp_link *l, unsigned ifindex);
/* The i-th interface, in no particular order; NULL past the end (for listings and status). */
const struct vrrp_link_if *vrrp_link_at(const struct vrrp_link *l, size_t i);

/* Addresses never to take as an interface's primary4 or linklocal6, on any interface: the VIPs,
 * which the engine adds and which keepalived excludes too. The table is updated at once and no
 * callback is made for it: the caller knows what it changed and reads the table again. */
void vrrp_link_ignore_addr(struct vrrp_link *l, const struct conf_addr *addr);
/* Forget every ignored address (a reload registers the new set after this). */
void vrrp_link_ignore_clear(struct vrrp_link *l);
