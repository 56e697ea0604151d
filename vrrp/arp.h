/* Gratuitous ARP: announce an IPv4 VIP on its link when this node becomes MASTER (RFC 5798
 * 6.4.1, 6.4.2; keepalived's garp_master_delay / _repeat / _refresh). When and how often to send
 * is the caller's business; this only sends one packet per call, without ever blocking. */
#pragma once

#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>

#include "conf/conf.h"

struct vrrp_arp; /* one AF_PACKET socket, shared by every instance and interface */

/* 0 or -errno (logged; *out is then NULL). */
int vrrp_arp_open(struct vrrp_arp **out);
void vrrp_arp_close(struct vrrp_arp *a);

/* Send one gratuitous ARP for addr (AF_INET) on ifindex: an ARP request (RFC 5227 3, "ARP
 * Announcement") with sender and target protocol address both addr, sender hardware address the
 * interface's MAC as it is now, target hardware address zero, to the Ethernet broadcast.
 * Returns 0 or -errno, logs nothing (the caller counts and rate-limits):
 *   -EAGAIN       the socket buffer is full (never blocks)
 *   -EAFNOSUPPORT addr is not IPv4
 *   -ENODEV       no interface ifindex (any more)
 *   -EOPNOTSUPP   the interface is not Ethernet-like (loopback, tun, wireguard, infiniband)
 *   -EADDRNOTAVAIL its MAC is all zeros (a bond without slaves): nothing true to announce
 *   -ENETDOWN, -ENOBUFS, ...  from sendto() */
int vrrp_arp_send(struct vrrp_arp *a, unsigned ifindex, const struct conf_addr *addr);

/* The name and MAC of interface ifindex, read with ioctls on fd (any socket). Errors as
 * vrrp_arp_send's -ENODEV, -EOPNOTSUPP and -EADDRNOTAVAIL. Shared with ndisc.c, whose Target
 * Link-Layer Address option carries the same MAC. */
int vrrp_arp_ifhwaddr(int fd, unsigned ifindex, char name[IF_NAMESIZE], uint8_t mac[ETH_ALEN]);
