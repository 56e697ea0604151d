/* vrrp/packet.c: parse, check and build VRRP adverts against real keepalived adverts.
 *
 * The vectors below are keepalived 2.2.7's (Debian 12) own adverts, so they check our checksums
 * independently of our code. How they were captured (as root; reproduced with this exact recipe):
 *
 *   ip netns add kqvec
 *   ip netns exec kqvec ip link set lo up
 *   ip netns exec kqvec ip link add veth0 type veth peer name veth1
 *   ip netns exec kqvec ip link set veth0 addrgenmode none        # fe80::1 the only link-local
 *   ip netns exec kqvec ip addr add 10.66.0.1/24 dev veth0
 *   ip netns exec kqvec ip -6 addr add fe80::1/64 dev veth0 nodad
 *   ip netns exec kqvec ip link set veth0 up
 *   ip netns exec kqvec ip link set veth1 up
 *   ip netns exec kqvec tcpdump -i veth1 -U -w vrrp.pcap 'ip proto 112 or ip6 proto 112' &
 *   ip netns exec kqvec keepalived -n -l -P -f keepalived.conf -p ka.pid -r vrrp.pid &
 *   sleep 6; kill -TERM <keepalived>   # the priority-0 adverts are the ones sent on stop
 *   sleep 1; kill -TERM <tcpdump>; ip netns del kqvec
 *
 * with this keepalived.conf (no global_defs needed; vrrp_strict off):
 *
 *   vrrp_instance V51 { state MASTER  interface veth0  virtual_router_id 51  priority 150
 *                       advert_int 1  virtual_ipaddress { 10.66.0.100/24  10.66.0.101/24 } }
 *   vrrp_instance V52 { state MASTER  interface veth0  virtual_router_id 52  priority 100
 *                       advert_int 1  authentication { auth_type PASS  auth_pass secret }
 *                       virtual_ipaddress { 10.66.0.102/24 } }
 *   vrrp_instance V53 { state MASTER  interface veth0  version 3  virtual_router_id 53
 *                       priority 200  advert_int 0.5  virtual_ipaddress { 10.66.0.103/24 } }
 *   vrrp_instance V54 { state MASTER  interface veth0  virtual_router_id 54  priority 120
 *                       advert_int 1  virtual_ipaddress { fd66::100/64  fd66::101/64 } }
 *
 * (IPv6 VIPs make V54 version 3 by themselves.) The bytes are each packet's IP payload: after the
 * 20-byte IPv4 header, or the 40-byte IPv6 header, up to the IP length; source, destination and
 * TTL / hop limit are from the same IP header. The first advert of each VRID and priority. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"
#include "tests/unit/testutil.h"
#include "vrrp/packet.h"

struct vec {
	const char *hex;
	unsigned version, vrid, priority, interval_cs, auth_type;
	const char *auth;           /* PASS data, NULL: none */
	const char *src, *dst;
	const char *addrs[2];
	size_t n_addrs;
};

#define V4_SRC "10.66.0.1", "224.0.0.18"
#define V6_SRC "fe80::1", "ff02::12"
static const struct vec vecs[] = {
	{"213396020001337c0a4200640a4200650000000000000000", 2, 51, 150, 100, 0, NULL, V4_SRC,
	 {"10.66.0.100", "10.66.0.101"}, 2},
	{"213300020001c97c0a4200640a4200650000000000000000", 2, 51, 0, 100, 0, NULL, V4_SRC,
	 {"10.66.0.100", "10.66.0.101"}, 2},
	{"21346401010132d50a4200667365637265740000", 2, 52, 100, 100, 1, "secret", V4_SRC,
	 {"10.66.0.102"}, 1},
	{"21340001010196d50a4200667365637265740000", 2, 52, 0, 100, 1, "secret", V4_SRC,
	 {"10.66.0.102"}, 1},
	{"3135c8010032111c0a420067", 3, 53, 200, 50, 0, NULL, V4_SRC, {"10.66.0.103"}, 1},
	{"313500010032d91c0a420067", 3, 53, 0, 50, 0, NULL, V4_SRC, {"10.66.0.103"}, 1},
	{"3136780200645b65fd660000000000000000000000000100fd660000000000000000000000000101",
	 3, 54, 120, 100, 0, NULL, V6_SRC, {"fd66::100", "fd66::101"}, 2},
	{"313600020064d365fd660000000000000000000000000100fd660000000000000000000000000101",
	 3, 54, 0, 100, 0, NULL, V6_SRC, {"fd66::100", "fd66::101"}, 2},
};

static struct conf_addr addr(const char *s)
{
	struct conf_addr a;

	ck_assert_int_eq(conf_addr_parse(s, &a), 0);
	return a;
}

static struct vrrp_rx rx_of(const struct vec *v, const uint8_t *buf, size_t len)
{
	struct vrrp_rx rx = {.buf = buf, .len = len, .ttl = 255};

	rx.src = addr(v->src);
	rx.dst = addr(v->dst);
	rx.family = rx.src.family;
	return rx;
}

/* Parse bytes as if received with vector v's IP header. */
static enum vrrp_drop parse_as(const struct vec *v, const uint8_t *buf, size_t len,
			       struct vrrp_advert *out)
{
	struct vrrp_rx rx = rx_of(v, buf, len);

	return vrrp_pkt_parse(&rx, out);
}

/* Rewrite the checksum at offset 6 so that only the field under test is wrong. */
static void fix_csum(const struct vec *v, uint8_t *buf, size_t len)
{
	struct conf_addr s = addr(v->src), d = addr(v->dst);
	uint32_t init = 0;
	uint16_t c;

	buf[6] = buf[7] = 0;
	if (v->version == 3) {
		const uint8_t *sp = (const uint8_t *)&s.u, *dp = (const uint8_t *)&d.u;
		size_t alen = s.family == AF_INET ? 4 : 16;

		for (size_t i = 0; i < alen; i += 2)
			init += (uint32_t)(sp[i] << 8 | sp[i + 1]) + (uint32_t)(dp[i] << 8 | dp[i + 1]);
		init += (uint32_t)len + VRRP_PROTO;
	}
	c = vrrp_pkt_csum(buf, len, init);
	buf[6] = (uint8_t)(c >> 8);
	buf[7] = (uint8_t)c;
}

static void vec_advert(const struct vec *v, struct vrrp_advert *a)
{
	memset(a, 0, sizeof(*a));
	a->version = v->version;
	a->vrid = v->vrid;
	a->priority = v->priority;
	a->interval_cs = v->interval_cs;
	a->auth_type = v->auth_type;
	if (v->auth)
		memcpy(a->auth, v->auth, strlen(v->auth));
	a->family = addr(v->src).family;
	a->n_addrs = v->n_addrs;
	for (size_t i = 0; i < v->n_addrs; i++)
		a->addrs[i] = addr(v->addrs[i]);
}

static struct vrrp_expect vec_expect(const struct vec *v)
{
	struct vrrp_expect e = {.version = v->version, .vrid = v->vrid,
				.interval_cs = v->interval_cs, .auth_pass_set = v->auth != NULL};

	e.family = addr(v->src).family;
	if (v->auth)
		memcpy(e.auth_pass, v->auth, strlen(v->auth));
	return e;
}

START_TEST(test_vectors)
{
	static struct vrrp_advert a, want;
	uint8_t buf[VRRP_PKT_MAX], out[VRRP_PKT_MAX];
	const struct vec *v = &vecs[_i];
	size_t len = tu_unhex(v->hex, buf, sizeof(buf));
	struct conf_addr src = addr(v->src), dst = addr(v->dst);
	struct vrrp_expect e = vec_expect(v);

	ck_assert_int_eq(parse_as(v, buf, len, &a), VRRP_DROP_NONE);
	ck_assert_uint_eq(a.version, v->version);
	ck_assert_uint_eq(a.vrid, v->vrid);
	ck_assert_uint_eq(a.priority, v->priority);
	ck_assert_uint_eq(a.interval_cs, v->interval_cs);
	ck_assert_uint_eq(a.auth_type, v->auth_type);
	ck_assert_int_eq(a.family, src.family);
	ck_assert_uint_eq(a.n_addrs, v->n_addrs);
	vec_advert(v, &want);
	for (size_t i = 0; i < v->n_addrs; i++)
		ck_assert(conf_addr_eq(&a.addrs[i], &want.addrs[i]));   /* in the sender's order */
	ck_assert(vrrp_pkt_addrs_match(&a, want.addrs, want.n_addrs));
	ck_assert_mem_eq(a.auth, want.auth, VRRP_AUTH_LEN);
	ck_assert_int_eq(vrrp_pkt_check(&a, &e), VRRP_DROP_NONE);

	/* build with the same fields gives keepalived's bytes, checksum included */
	ck_assert_uint_eq(vrrp_pkt_size(v->version, src.family, v->n_addrs), len);
	ck_assert_uint_eq(vrrp_pkt_build(&want, &src, &dst, out, sizeof(out)), len);
	ck_assert_mem_eq(out, buf, len);
	/* and from the parsed advert too, exactly as big as needed */
	memset(out, 0, sizeof(out));
	ck_assert_uint_eq(vrrp_pkt_build(&a, &src, &dst, out, len), len);
	ck_assert_mem_eq(out, buf, len);
}
END_TEST

START_TEST(test_csum)
{
	/* RFC 1071 3's example: the sum is ddf2, so the checksum is its complement */
	static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	ck_assert_uint_eq(vrrp_pkt_csum(b, sizeof(b), 0), 0x220d);
	ck_assert_uint_eq(vrrp_pkt_csum(b, 3, 0), (uint16_t)~0xf201);    /* odd: f2 padded to f200 */
	ck_assert_uint_eq(vrrp_pkt_csum(b, 0, 0x1ffff), 0xfffe);         /* initial folded */
	ck_assert_uint_eq(vrrp_pkt_csum(NULL, 0, 0), 0xffff);
}
END_TEST

/* Every reason parse gives, one byte vector each. */
START_TEST(test_parse_drops)
{
	static struct vrrp_advert a;
	uint8_t buf[64];
	size_t len;
	struct vrrp_rx rx;

	len = tu_unhex(vecs[0].hex, buf, sizeof(buf));
	rx = rx_of(&vecs[0], buf, len);
	rx.ttl = 254;
	ck_assert_int_eq(vrrp_pkt_parse(&rx, &a), VRRP_DROP_TTL);
	rx.ttl = 255;
	rx.family = AF_UNIX;
	ck_assert_int_eq(vrrp_pkt_parse(&rx, &a), VRRP_DROP_FAMILY);

	buf[0] = 0x41;                        /* version 4 */
	ck_assert_int_eq(parse_as(&vecs[0], buf, len, &a), VRRP_DROP_VERSION);
	buf[0] = 0x11;                        /* version 1 */
	ck_assert_int_eq(parse_as(&vecs[0], buf, len, &a), VRRP_DROP_VERSION);
	buf[0] = 0x22;                        /* type 2 */
	ck_assert_int_eq(parse_as(&vecs[0], buf, len, &a), VRRP_DROP_TYPE);
	buf[0] = 0x20;                        /* type 0 */
	ck_assert_int_eq(parse_as(&vecs[0], buf, len, &a), VRRP_DROP_TYPE);

	len = tu_unhex(vecs[0].hex, buf, sizeof(buf));
	buf[7] ^= 0x01;                       /* the checksum itself */
	ck_assert_int_eq(parse_as(&vecs[0], buf, len, &a), VRRP_DROP_CHECKSUM);
	buf[7] ^= 0x01;
	buf[11] ^= 0x80;                      /* an address */
	ck_assert_int_eq(parse_as(&vecs[0], buf, len, &a), VRRP_DROP_CHECKSUM);
	buf[11] ^= 0x80;
	buf[len - 1] ^= 0x01;                 /* the auth data is covered too */
	ck_assert_int_eq(parse_as(&vecs[0], buf, len, &a), VRRP_DROP_CHECKSUM);

	/* count larger than the length, checksum made right: the count is what is wrong */
	len = tu_unhex(vecs[0].hex, buf, sizeof(buf));
	buf[3] = 3;
	fix_csum(&vecs[0], buf, len);
	ck_assert_int_eq(parse_as(&vecs[0], buf, len, &a), VRRP_DROP_ADDR_COUNT);
	buf[3] = 255;
	fix_csum(&vecs[0], buf, len);
	ck_assert_int_eq(parse_as(&vecs[0], buf, len, &a), VRRP_DROP_ADDR_COUNT);
	len = tu_unhex(vecs[6].hex, buf, sizeof(buf));
	buf[3] = 3;
	fix_csum(&vecs[6], buf, len);
	ck_assert_int_eq(parse_as(&vecs[6], buf, len, &a), VRRP_DROP_ADDR_COUNT);
}
END_TEST

/* v3 count 0 is dropped (RFC 5798 5.2.5), v2 count 0 accepted; v2 over IPv6 is a version error. */
START_TEST(test_count_zero_and_v2_over_v6)
{
	static struct vrrp_advert a;
	uint8_t buf[64];
	size_t len;

	len = tu_unhex(vecs[4].hex, buf, sizeof(buf));
	buf[3] = 0;
	fix_csum(&vecs[4], buf, len - 4);
	ck_assert_int_eq(parse_as(&vecs[4], buf, len - 4, &a), VRRP_DROP_ADDR_COUNT);

	/* v2 header + 8 bytes of auth data, no address */
	len = tu_unhex("2133960000010000" "0000000000000000", buf, sizeof(buf));
	fix_csum(&vecs[0], buf, len);
	ck_assert_int_eq(parse_as(&vecs[0], buf, len, &a), VRRP_DROP_NONE);
	ck_assert_uint_eq(a.n_addrs, 0);
	ck_assert(!vrrp_pkt_addrs_match(&a, NULL, 1) && vrrp_pkt_addrs_match(&a, NULL, 0));

	len = tu_unhex(vecs[6].hex, buf, sizeof(buf));
	buf[0] = 0x21;
	fix_csum(&vecs[0], buf, len);         /* v2's checksum: without pseudo-header */
	ck_assert_int_eq(parse_as(&vecs[6], buf, len, &a), VRRP_DROP_VERSION);
}
END_TEST

/* Every prefix of a valid advert is refused for its length, without reading past it (ASan). */
START_TEST(test_truncated)
{
	static const size_t which[] = {0, 2, 4, 6};
	static struct vrrp_advert a, canary;
	const struct vec *v = &vecs[which[_i]];
	uint8_t full[64];
	size_t len = tu_unhex(v->hex, full, sizeof(full));

	memset(&canary, 0xa5, sizeof(canary));
	for (size_t n = 0; n < len; n++) {
		uint8_t *p = xmalloc(n ? n : 1);
		enum vrrp_drop d;

		memcpy(p, full, n);
		memcpy(&a, &canary, sizeof(a));
		d = parse_as(v, n ? p : NULL, n, &a);
		ck_assert_msg(d == VRRP_DROP_TRUNCATED || d == VRRP_DROP_ADDR_COUNT,
			      "vector %zu cut at %zu: %s", which[_i], n, vrrp_drop_name(d));
		/* TRUNCATED for the fixed part, ADDR_COUNT when only addresses are missing */
		ck_assert_int_eq(d, n < (v->version == 2 ? 16u : 8u) ? VRRP_DROP_TRUNCATED
								      : VRRP_DROP_ADDR_COUNT);
		ck_assert_mem_eq(&a, &canary, sizeof(a));  /* *out untouched */
		free(p);
	}
}
END_TEST

/* The v3 checksum covers the pseudo-header: a different source or destination breaks it. */
START_TEST(test_pseudo_header)
{
	static struct vrrp_advert a;
	uint8_t buf[64];
	struct vrrp_rx rx;
	size_t len;

	for (size_t i = 4; i < 8; i += 2) {
		len = tu_unhex(vecs[i].hex, buf, sizeof(buf));
		rx = rx_of(&vecs[i], buf, len);
		rx.src = addr(i == 4 ? "10.66.0.2" : "fe80::2");
		ck_assert_int_eq(vrrp_pkt_parse(&rx, &a), VRRP_DROP_CHECKSUM);
		rx = rx_of(&vecs[i], buf, len);
		rx.dst = addr(i == 4 ? "10.66.0.2" : "fe80::2");   /* unicast, not the group */
		ck_assert_int_eq(vrrp_pkt_parse(&rx, &a), VRRP_DROP_CHECKSUM);
	}
	/* v2 has no pseudo-header: the addresses do not matter */
	len = tu_unhex(vecs[0].hex, buf, sizeof(buf));
	rx = rx_of(&vecs[0], buf, len);
	rx.src = addr("192.0.2.9");
	ck_assert_int_eq(vrrp_pkt_parse(&rx, &a), VRRP_DROP_NONE);
}
END_TEST

/* Bytes after the packet: accepted when the checksum covers them, ignored when decoding. */
START_TEST(test_trailing)
{
	static struct vrrp_advert a;
	uint8_t buf[64];
	size_t len;

	len = tu_unhex(vecs[2].hex, buf, sizeof(buf));
	memset(buf + len, 0, 5);              /* zeros add nothing to a v2 sum */
	ck_assert_int_eq(parse_as(&vecs[2], buf, len + 5, &a), VRRP_DROP_NONE);
	ck_assert_mem_eq(a.auth, "secret\0\0", 8);   /* auth data right after the addresses */
	buf[len + 2] = 0x42;                  /* not covered by the sender's checksum */
	ck_assert_int_eq(parse_as(&vecs[2], buf, len + 5, &a), VRRP_DROP_CHECKSUM);
	fix_csum(&vecs[2], buf, len + 5);
	ck_assert_int_eq(parse_as(&vecs[2], buf, len + 5, &a), VRRP_DROP_NONE);
	ck_assert_uint_eq(a.n_addrs, 1);

	/* v3: the pseudo-header length is the received length */
	len = tu_unhex(vecs[6].hex, buf, sizeof(buf));
	memset(buf + len, 0, 3);
	ck_assert_int_eq(parse_as(&vecs[6], buf, len + 3, &a), VRRP_DROP_CHECKSUM);
	fix_csum(&vecs[6], buf, len + 3);
	ck_assert_int_eq(parse_as(&vecs[6], buf, len + 3, &a), VRRP_DROP_NONE);
	ck_assert_uint_eq(a.n_addrs, 2);
}
END_TEST

/* Reserved bits are ignored on reception (RFC 5798 5.2.6). */
START_TEST(test_reserved_bits)
{
	static struct vrrp_advert a;
	uint8_t buf[64];
	size_t len = tu_unhex(vecs[4].hex, buf, sizeof(buf));

	buf[4] |= 0xf0;
	fix_csum(&vecs[4], buf, len);
	ck_assert_int_eq(parse_as(&vecs[4], buf, len, &a), VRRP_DROP_NONE);
	ck_assert_uint_eq(a.interval_cs, 50);
}
END_TEST

START_TEST(test_check)
{
	static struct vrrp_advert a, b;
	uint8_t buf[64];
	size_t len = tu_unhex(vecs[2].hex, buf, sizeof(buf));
	struct vrrp_expect e = vec_expect(&vecs[2]), x;

	ck_assert_int_eq(parse_as(&vecs[2], buf, len, &a), VRRP_DROP_NONE);
	ck_assert_int_eq(vrrp_pkt_check(&a, &e), VRRP_DROP_NONE);
	x = e, x.vrid = 53;
	ck_assert_int_eq(vrrp_pkt_check(&a, &x), VRRP_DROP_VRID);
	x = e, x.version = 3;
	ck_assert_int_eq(vrrp_pkt_check(&a, &x), VRRP_DROP_VERSION);
	x = e, x.family = AF_INET6;
	ck_assert_int_eq(vrrp_pkt_check(&a, &x), VRRP_DROP_FAMILY);
	x = e, x.interval_cs = 200;
	ck_assert_int_eq(vrrp_pkt_check(&a, &x), VRRP_DROP_INTERVAL);
	x = e, x.auth_pass_set = false;
	ck_assert_int_eq(vrrp_pkt_check(&a, &x), VRRP_DROP_AUTH_TYPE);
	x = e, x.auth_pass[5] = 'T';
	ck_assert_int_eq(vrrp_pkt_check(&a, &x), VRRP_DROP_AUTH);
	x = e, x.auth_pass[6] = 'x';          /* the zero padding is compared too */
	ck_assert_int_eq(vrrp_pkt_check(&a, &x), VRRP_DROP_AUTH);

	/* no auth expected, PASS received; and AH (2) is never expected */
	len = tu_unhex(vecs[0].hex, buf, sizeof(buf));
	ck_assert_int_eq(parse_as(&vecs[0], buf, len, &b), VRRP_DROP_NONE);
	e = vec_expect(&vecs[0]);
	ck_assert_int_eq(vrrp_pkt_check(&a, &(struct vrrp_expect){.version = 2, .vrid = 52,
		.family = AF_INET, .interval_cs = 100}), VRRP_DROP_AUTH_TYPE);
	b.auth_type = 2;
	ck_assert_int_eq(vrrp_pkt_check(&b, &e), VRRP_DROP_AUTH_TYPE);
	x = e, x.auth_pass_set = true;
	ck_assert_int_eq(vrrp_pkt_check(&b, &x), VRRP_DROP_AUTH_TYPE);

	/* v3: the interval is the master's to set (RFC 5798 6.4.2), auth does not exist */
	len = tu_unhex(vecs[6].hex, buf, sizeof(buf));
	ck_assert_int_eq(parse_as(&vecs[6], buf, len, &b), VRRP_DROP_NONE);
	e = vec_expect(&vecs[6]);
	e.interval_cs = 300;
	ck_assert_int_eq(vrrp_pkt_check(&b, &e), VRRP_DROP_NONE);
	e.family = AF_INET;
	ck_assert_int_eq(vrrp_pkt_check(&b, &e), VRRP_DROP_FAMILY);
}
END_TEST

START_TEST(test_addrs_match)
{
	static struct vrrp_advert a;
	uint8_t buf[64];
	size_t len = tu_unhex(vecs[6].hex, buf, sizeof(buf));
	struct conf_addr in_order[] = {addr("fd66::100"), addr("fd66::101")};
	struct conf_addr reversed[] = {addr("fd66::101"), addr("fd66::100")};
	struct conf_addr other[] = {addr("fd66::100"), addr("fd66::102")};
	struct conf_addr twice[] = {addr("fd66::100"), addr("fd66::100")};
	struct conf_addr three[] = {addr("fd66::100"), addr("fd66::101"), addr("fd66::102")};
	struct conf_addr v4[] = {addr("10.66.0.100"), addr("10.66.0.101")};

	ck_assert_int_eq(parse_as(&vecs[6], buf, len, &a), VRRP_DROP_NONE);
	ck_assert(vrrp_pkt_addrs_match(&a, in_order, 2));
	ck_assert(vrrp_pkt_addrs_match(&a, reversed, 2));
	ck_assert(!vrrp_pkt_addrs_match(&a, other, 2));
	ck_assert(!vrrp_pkt_addrs_match(&a, in_order, 1));    /* one missing from the config */
	ck_assert(!vrrp_pkt_addrs_match(&a, three, 3));       /* one missing from the advert */
	ck_assert(!vrrp_pkt_addrs_match(&a, twice, 2));
	ck_assert(!vrrp_pkt_addrs_match(&a, v4, 2));
	a.addrs[1] = a.addrs[0];                              /* advert {100, 100} */
	ck_assert(!vrrp_pkt_addrs_match(&a, in_order, 2));
	ck_assert(vrrp_pkt_addrs_match(&a, twice, 2));
}
END_TEST

START_TEST(test_build_refuses)
{
	static struct vrrp_advert a, bad;
	struct conf_addr s4 = addr("10.66.0.1"), d4 = addr("224.0.0.18"), s6 = addr("fe80::1");
	uint8_t buf[64];

	vec_advert(&vecs[0], &a);
	memset(buf, 0x5a, sizeof(buf));
	ck_assert_uint_eq(vrrp_pkt_build(&a, NULL, NULL, buf, 23), 0);   /* needs 24 */
	ck_assert_uint_eq(vrrp_pkt_build(&a, NULL, NULL, buf, 0), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0x5a);                          /* nothing written */
	ck_assert_uint_eq(vrrp_pkt_build(&a, NULL, NULL, buf, 24), 24);  /* v2: no addresses needed */

#define REFUSED(field, value) \
	(bad = a, bad.field = (value), vrrp_pkt_build(&bad, &s4, &d4, buf, sizeof(buf)) == 0)
	ck_assert(REFUSED(version, 4));
	ck_assert(REFUSED(version, 1));
	ck_assert(REFUSED(vrid, 0));
	ck_assert(REFUSED(vrid, 256));
	ck_assert(REFUSED(priority, 256));
	ck_assert(REFUSED(n_addrs, VRRP_MAX_ADDRS + 1));
	ck_assert(REFUSED(interval_cs, 150));        /* v2: whole seconds */
	ck_assert(REFUSED(interval_cs, 0));
	ck_assert(REFUSED(interval_cs, 25600));
	ck_assert(REFUSED(auth_type, 2));
	ck_assert(REFUSED(family, AF_INET6));        /* v2 over IPv6 */
	ck_assert(REFUSED(addrs[1], s6));            /* mixed families */
	vec_advert(&vecs[4], &a);
	ck_assert(REFUSED(n_addrs, 0));              /* v3 minimum 1 */
	ck_assert(REFUSED(interval_cs, 0));
	ck_assert(REFUSED(interval_cs, 4096));
#undef REFUSED
	ck_assert_uint_eq(vrrp_pkt_build(&a, &s4, &d4, buf, sizeof(buf)), 12);
	ck_assert_uint_eq(vrrp_pkt_build(&a, NULL, &d4, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(vrrp_pkt_build(&a, &s6, &d4, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(vrrp_pkt_size(2, AF_INET6, 1), 0);
	ck_assert_uint_eq(vrrp_pkt_size(3, AF_INET, 0), 0);
	ck_assert_uint_eq(vrrp_pkt_size(2, AF_INET, 0), 16);
}
END_TEST

/* 255 addresses, the most a count can say: v2 1036 bytes, v3 IPv6 4088 (= VRRP_PKT_MAX). */
START_TEST(test_max_addrs)
{
	static const struct {
		unsigned version;
		int family;
		size_t len;
	} cases[] = {{2, AF_INET, 1036}, {3, AF_INET, 1028}, {3, AF_INET6, VRRP_PKT_MAX}};
	static struct vrrp_advert a, b;
	static uint8_t buf[VRRP_PKT_MAX + 1];
	struct conf_addr src = addr(cases[_i].family == AF_INET ? "10.66.0.1" : "fe80::1");
	struct conf_addr dst = addr(cases[_i].family == AF_INET ? "224.0.0.18" : "ff02::12");
	struct vrrp_rx rx = {.buf = buf, .family = cases[_i].family, .src = src, .dst = dst,
			     .ttl = 255};

	memset(&a, 0, sizeof(a));
	a.version = cases[_i].version;
	a.vrid = 255;
	a.priority = 255;
	a.interval_cs = a.version == 2 ? 25500 : VRRP_V3_MAX_INTERVAL;
	a.family = cases[_i].family;
	a.n_addrs = VRRP_MAX_ADDRS;
	for (size_t i = 0; i < VRRP_MAX_ADDRS; i++) {
		char s[64];

		if (a.family == AF_INET)
			snprintf(s, sizeof(s), "10.1.%zu.%zu", i, i + 1);
		else
			snprintf(s, sizeof(s), "fd00::%zx:%zx", i, i + 1);
		a.addrs[i] = addr(s);
	}
	ck_assert_uint_eq(vrrp_pkt_build(&a, &src, &dst, buf, cases[_i].len - 1), 0);
	rx.len = vrrp_pkt_build(&a, &src, &dst, buf, sizeof(buf));
	ck_assert_uint_eq(rx.len, cases[_i].len);
	ck_assert_int_eq(vrrp_pkt_parse(&rx, &b), VRRP_DROP_NONE);
	ck_assert_uint_eq(b.n_addrs, VRRP_MAX_ADDRS);
	ck_assert_uint_eq(b.interval_cs, a.interval_cs);
	ck_assert_uint_eq(b.vrid, 255);
	ck_assert_uint_eq(b.priority, 255);
	ck_assert(vrrp_pkt_addrs_match(&b, a.addrs, a.n_addrs));
	ck_assert(conf_addr_eq(&b.addrs[254], &a.addrs[254]));
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(vrrp_drop_name(VRRP_DROP_NONE), "none");
	ck_assert_str_eq(vrrp_drop_name(VRRP_DROP_TRUNCATED), "truncated");
	ck_assert_str_eq(vrrp_drop_name(VRRP_DROP_ADDR_COUNT), "addr_count");
	ck_assert_str_eq(vrrp_drop_name(VRRP_DROP_FAMILY), "family");
	ck_assert_str_eq(vrrp_drop_name(VRRP_DROP_NOT_PEER), "not_peer");
	ck_assert_str_eq(vrrp_drop_name(VRRP_DROP_OWN_ADDRESS), "own_address");
	ck_assert_str_eq(vrrp_drop_name(VRRP_DROP_COUNT_), "?");
	for (int i = 0; i < VRRP_DROP_COUNT_; i++) {
		for (int k = 0; k < i; k++)
			ck_assert_str_ne(vrrp_drop_name(i), vrrp_drop_name(k));
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vrrp_packet");
	TCase *tc = tcase_create("packet");

	tcase_add_loop_test(tc, test_vectors, 0, (int)ARRAY_SIZE(vecs));
	tcase_add_test(tc, test_csum);
	tcase_add_test(tc, test_parse_drops);
	tcase_add_test(tc, test_count_zero_and_v2_over_v6);
	tcase_add_loop_test(tc, test_truncated, 0, 4);
	tcase_add_test(tc, test_pseudo_header);
	tcase_add_test(tc, test_trailing);
	tcase_add_test(tc, test_reserved_bits);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_addrs_match);
	tcase_add_test(tc, test_build_refuses);
	tcase_add_loop_test(tc, test_max_addrs, 0, 3);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
