/* Unsolicited Neighbour Advertisement: announce an IPv6 VIP on its link when this node becomes
 * MASTER (RFC 5798 6.4.1, 6.4.2; keepalived's garp_master_* apply to NAs too). When and how often
 * to send is the caller's business; this only sends one packet per call, without ever blocking. */
#pragma once

#include "conf/conf.h"

struct vrrp_ndisc; /* one raw ICMPv6 socket, shared by every instance and interface */

/* 0 or -errno (logged; *out is then NULL). */
int vrrp_ndisc_open(struct vrrp_ndisc **out);
void vrrp_ndisc_close(struct vrrp_ndisc *n);

/* Send one unsolicited Neighbour Advertisement (RFC 4861 4.4, 7.2.6) for addr (AF_INET6) on
 * ifindex: to ff02::1 with hop limit 255, from the address the kernel picks on that interface
 * (its link-local one), Override set, Solicited clear, Router set only if the interface forwards
 * IPv6, target addr, and a Target Link-Layer Address option with the interface's MAC as it is
 * now. Returns 0 or -errno, logs nothing (the caller counts and rate-limits):
 *   -EAGAIN        the socket buffer is full (never blocks)
 *   -EAFNOSUPPORT  addr is not IPv6
 *   -ENODEV, -EOPNOTSUPP, -EADDRNOTAVAIL  as vrrp_arp_send (no interface, not Ethernet-like,
 *                  MAC all zeros)
 *   -EADDRNOTAVAIL also when the interface has no usable IPv6 address to send from
 *   -ENETDOWN, -ENETUNREACH, -ENOBUFS, ...  from sendto() */
int vrrp_ndisc_send(struct vrrp_ndisc *n, unsigned ifindex, const struct conf_addr *addr);
