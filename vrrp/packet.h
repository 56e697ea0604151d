/* VRRP advertisements on the wire: parse, check and build, v2 (RFC 3768) and v3 (RFC 5798).
 *
 * Pure: no I/O, no clock, no globals. The socket code hands parse what recvmsg gave and counts the
 * returned reason (metric label vrrp_drop_name()); the state machine gets only accepted adverts.
 *
 * Wire format (RFC 5798 5.1, RFC 3768 5.1), all fields big-endian:
 *   0 version(4) type(4) | 1 VRID | 2 priority | 3 count of addresses
 *   4..5  v2: auth type(8), adver int(8, seconds) | v3: reserved(4), max adver int(12, centiseconds)
 *   6..7  checksum
 *   8..   count addresses, 4 bytes (IPv4) or 16 (IPv6) each
 *   v2 only: 8 bytes of authentication data, present whatever the auth type (RFC 3768 5.3.10)
 *
 * Decisions, where the RFCs leave room (the why is at each check in packet.c):
 * - Bytes after the addresses (and v2's auth data) are accepted and ignored, but the checksum covers
 *   the whole VRRP payload as received, as RFC 5798 5.2.8 ("the entire VRRP message") says. A sender
 *   that appends bytes must checksum them; keepalived never sends any.
 * - Count 0: dropped in v3 (RFC 5798 5.2.5: "Its minimum value is 1"); accepted in v2, which sets no
 *   minimum and which keepalived sends for an instance without VIPs. vrrp_pkt_addrs_match() then
 *   reports the mismatch.
 * - v2 over IPv6 is dropped as VRRP_DROP_VERSION: RFC 3768 is IPv4 only, so 2 is not a version
 *   this family has. (keepalived has a private v2-over-IPv6 format without auth data; config
 *   validation refuses it too.)
 * - The TTL / hop limit is always checked here (RFC 5798 7.1); the engine lets an advert for
 *   an instance with unicast peers through without it, as keepalived does.
 * - Not here, because it needs the instance's state: RFC 5798 7.1's "the local router is not the
 *   address owner" (priority 255 ignores adverts) belongs to the state machine. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

#define VRRP_PROTO 112          /* IP protocol number (RFC 5798 5.1.1.4) */
#define VRRP_TTL 255            /* IPv4 TTL and IPv6 hop limit, sent and required (RFC 5798 5.1.1.3) */
#define VRRP_TYPE_ADVERT 1
#define VRRP_HDR_LEN 8
#define VRRP_AUTH_LEN 8         /* v2 authentication data */
#define VRRP_MAX_ADDRS 255      /* the count is one byte */
#define VRRP_V3_MAX_INTERVAL 4095 /* centiseconds: 12 bits */
/* The largest advert build can write: v3, 255 IPv6 addresses (4088 bytes, over a 1500 MTU; whether
 * it fits the link is the sender's problem). v2 with 255 IPv4 addresses is 1036 bytes. */
#define VRRP_PKT_MAX (VRRP_HDR_LEN + VRRP_MAX_ADDRS * 16)

/* Why an advert was dropped; VRRP_DROP_NONE means accepted. */
enum vrrp_drop {
	VRRP_DROP_NONE = 0,
	VRRP_DROP_TRUNCATED,     /* shorter than the 8-byte header, or v2 without room for auth data */
	VRRP_DROP_TTL,           /* IPv4 TTL / IPv6 hop limit is not 255 (RFC 5798 7.1) */
	VRRP_DROP_VERSION,       /* not 2 or 3, 2 over IPv6, or not the instance's version (check) */
	VRRP_DROP_TYPE,          /* type is not 1 (ADVERTISEMENT) */
	VRRP_DROP_CHECKSUM,
	VRRP_DROP_ADDR_COUNT,    /* the count's addresses do not fit the length, or v3 count 0 */
	VRRP_DROP_VRID,          /* not the instance's VRID (check) */
	VRRP_DROP_AUTH_TYPE,     /* v2: auth type differs from the instance's (none/PASS); AH unsupported */
	VRRP_DROP_AUTH,          /* v2: PASS data differs */
	VRRP_DROP_INTERVAL,      /* v2: advert interval differs from the instance's (RFC 3768 7.1) */
	VRRP_DROP_FAMILY,        /* address family differs from the instance's, or is neither v4 nor v6 */
	/* Never returned here: the caller's checks, listed so that every advert drop has one label
	 * set. The source is not a unicast_peer (keepalived's check_unicast_src); the source is the
	 * instance's own address, which it did not send (multicast loop is off, and a unicast
	 * advert to ourselves arrives on lo): an address conflict or a forgery. */
	VRRP_DROP_NOT_PEER,
	VRRP_DROP_OWN_ADDRESS,
	VRRP_DROP_COUNT_
};
/* Stable metric label values: "none", "truncated", "ttl", "version", "type", "checksum",
 * "addr_count", "vrid", "auth_type", "auth", "interval", "family", "not_peer",
 * "own_address"; "?" out of range. */
const char *vrrp_drop_name(enum vrrp_drop d);

/* One advertisement, decoded. */
struct vrrp_advert {
	unsigned version;        /* 2 or 3 */
	unsigned vrid, priority;
	unsigned interval_cs;    /* centiseconds: v3's Max Adver Int; v2's seconds x 100 */
	unsigned auth_type;      /* v2 only: 0 none, 1 PASS (RFC 2338 5.3.6) */
	uint8_t auth[VRRP_AUTH_LEN]; /* v2 PASS data, zero-padded; as received whatever the type */
	int family;              /* AF_INET / AF_INET6, of the addresses and of the IP header */
	size_t n_addrs;
	struct conf_addr addrs[VRRP_MAX_ADDRS]; /* beyond n_addrs: unspecified */
};

/* What recvmsg gave: the VRRP bytes (IPv4: after the IP header, which the caller strips; IPv6: the
 * payload), the source and destination addresses and TTL/hop limit from the IP header or the
 * control data. src and dst are only read for v3's pseudo-header, as rx->family addresses. */
struct vrrp_rx {
	const uint8_t *buf;
	size_t len;
	int family;
	struct conf_addr src, dst;
	int ttl;
};

/* The checks that need no configuration, in RFC 5798 7.1's order: TTL 255, length of the fixed
 * header, version, type, the complete packet (count of addresses against the length), checksum
 * (v3: with the IPv4/IPv6 pseudo-header, RFC 5798 5.2.8; v2: the VRRP packet only, RFC 3768
 * 5.3.8). Reads nothing beyond rx->len. Fills *out only when it returns VRRP_DROP_NONE. */
enum vrrp_drop vrrp_pkt_parse(const struct vrrp_rx *rx, struct vrrp_advert *out);

/* What an instance expects, for the checks that need configuration. */
struct vrrp_expect {
	unsigned version, vrid;
	int family;
	unsigned interval_cs;    /* v2: must match (RFC 3768 7.1); v3: not checked (RFC 5798 6.4.2) */
	bool auth_pass_set;      /* v2: PASS expected; otherwise auth type 0 */
	uint8_t auth_pass[VRRP_AUTH_LEN];
};
/* RFC 5798 / 3768 7.1's checks against the instance: version, family, VRID, then for v2 the auth
 * type, the PASS data and the advert interval. */
enum vrrp_drop vrrp_pkt_check(const struct vrrp_advert *a, const struct vrrp_expect *e);

/* True when the advert's address list is exactly the instance's, in any order (the same addresses
 * the same number of times). RFC 5798 7.1 makes this a MAY with "SHOULD log": a mismatch is logged
 * by the caller but the advert is not dropped, as keepalived does outside strict mode. */
bool vrrp_pkt_addrs_match(const struct vrrp_advert *a, const struct conf_addr *addrs, size_t n);

/* Bytes an advert takes on the wire, or 0 when version/family/count are not valid. */
size_t vrrp_pkt_size(unsigned version, int family, size_t n_addrs);

/* Build an advert into buf (cap bytes). src and dst (the IP header's, of a->family) are needed for
 * v3's checksum and ignored for v2 (may be NULL). Reserved bits are sent as 0, v2 auth data as 0
 * unless auth type is PASS. Returns the length written, or 0 (buf untouched) when cap is too small
 * or the advert is not one parse would accept: version 2 (IPv4) or 3, VRID 1-255, priority 0-255,
 * 0-255 addresses all of a->family (at least 1 for v3), v2 interval whole seconds 1-255 and auth
 * type 0 or 1, v3 interval 1-4095 cs. */
size_t vrrp_pkt_build(const struct vrrp_advert *a, const struct conf_addr *src,
		      const struct conf_addr *dst, uint8_t *buf, size_t cap);

/* The Internet checksum (RFC 1071) over buf, plus `initial`, a sum of 16-bit words (a
 * pseudo-header's) in the same big-endian convention. The result goes big-endian at offset 6;
 * over a packet whose checksum is right, the result is 0. */
uint16_t vrrp_pkt_csum(const void *buf, size_t len, uint32_t initial);
