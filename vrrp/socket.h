/* Raw VRRP sockets (IP protocol 112): one per interface and address family, joined to the VRRP
 * group (224.0.0.18 / ff02::12), bound to the interface, driven by the event loop. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf/conf.h"
#include "vrrp/packet.h"

/* Received adverts are handed over as packet.h's struct vrrp_rx (the VRRP bytes after the IPv4
 * header; addresses and TTL/hop limit from the IP header or the control data). */
typedef void (*vrrp_sock_recv_fn)(void *ud, const struct vrrp_rx *rx, unsigned ifindex);

struct vrrp_sock;

int vrrp_sock_open(sd_event *ev, int family, unsigned ifindex, const char *ifname,
		   vrrp_sock_recv_fn fn, void *ud, struct vrrp_sock **out);
void vrrp_sock_close(struct vrrp_sock *s);
/* Send one advert from src (the interface's primary or link-local address, or unicast_src_ip)
 * to dst (the VRRP group or a unicast peer), TTL / hop limit 255. Never blocks: -EAGAIN when
 * the socket buffer is full. */
int vrrp_sock_send(struct vrrp_sock *s, const struct conf_addr *src, const struct conf_addr *dst,
		   const uint8_t *buf, size_t len);
unsigned vrrp_sock_ifindex(const struct vrrp_sock *s);
int vrrp_sock_family(const struct vrrp_sock *s);

/* The VRRP multicast group of a family (RFC 5798 5.1.1.2, 5.1.2.2). */
void vrrp_sock_group(int family, struct conf_addr *out);
