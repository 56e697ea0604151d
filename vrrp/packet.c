/* VRRP adverts: parse, check, build (RFC 5798 5 and 7.1; RFC 3768 5 and 7.1). Pure: the only
 * input is the arguments. Every read of a received packet is preceded by a length check. */
#include "vrrp/packet.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"

#define PKT_CSUM_OFF 6

static const char *const pkt_drop_names[] = {
	[VRRP_DROP_NONE] = "none",
	[VRRP_DROP_TRUNCATED] = "truncated",
	[VRRP_DROP_TTL] = "ttl",
	[VRRP_DROP_VERSION] = "version",
	[VRRP_DROP_TYPE] = "type",
	[VRRP_DROP_CHECKSUM] = "checksum",
	[VRRP_DROP_ADDR_COUNT] = "addr_count",
	[VRRP_DROP_VRID] = "vrid",
	[VRRP_DROP_AUTH_TYPE] = "auth_type",
	[VRRP_DROP_AUTH] = "auth",
	[VRRP_DROP_INTERVAL] = "interval",
	[VRRP_DROP_FAMILY] = "family",
	[VRRP_DROP_NOT_PEER] = "not_peer",
	[VRRP_DROP_OWN_ADDRESS] = "own_address",
};
_Static_assert(ARRAY_SIZE(pkt_drop_names) == VRRP_DROP_COUNT_, "a drop reason without a name");

const char *vrrp_drop_name(enum vrrp_drop d)
{
	if ((unsigned)d >= ARRAY_SIZE(pkt_drop_names))
		return "?";
	return pkt_drop_names[d];
}

/* Address length for a family, 0 for anything else. */
static size_t pkt_addr_len(int family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6)
		return 16;
	return 0;
}

/* v2 is defined for IPv4 only (RFC 3768); v3 carries either family (RFC 5798 1). */
static bool pkt_version_ok(unsigned version, int family)
{
	return version == 3 || (version == 2 && family == AF_INET);
}

/* The fixed part: header, and v2's auth data which follows the addresses whatever the auth type
 * (RFC 3768 5.1). */
static size_t pkt_fixed_len(unsigned version)
{
	return VRRP_HDR_LEN + (version == 2 ? VRRP_AUTH_LEN : 0);
}

size_t vrrp_pkt_size(unsigned version, int family, size_t n_addrs)
{
	if (!pkt_version_ok(version, family) || n_addrs > VRRP_MAX_ADDRS)
		return 0;
	if (version == 3 && n_addrs == 0)
		return 0;
	return pkt_fixed_len(version) + n_addrs * pkt_addr_len(family);
}

/* RFC 1071 sum of big-endian 16-bit words; an odd last byte is padded with a zero. 64 bits so that
 * no length the caller can pass overflows it before the fold. */
static uint64_t pkt_sum(const uint8_t *p, size_t len, uint64_t sum)
{
	for (; len >= 2; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t vrrp_pkt_csum(const void *buf, size_t len, uint32_t initial)
{
	uint64_t sum = pkt_sum(buf, len, initial);

	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The sum of v3's pseudo-header (RFC 5798 5.2.8): for IPv6 RFC 2460 8.1's (source, destination,
 * 32-bit upper-layer length, next header 112); for IPv4 the same fields in RFC 768's layout
 * (source, destination, zero, protocol, 16-bit length), which is what keepalived and the
 * captured adverts use. Both sum to the same words but for the length's width; a VRRP payload is
 * far below 64 KiB, so one formula serves both. */
static uint32_t pkt_pseudo(int family, const struct conf_addr *src, const struct conf_addr *dst,
			   size_t len)
{
	size_t alen = pkt_addr_len(family);
	uint64_t sum = 0;

	sum = pkt_sum((const uint8_t *)&src->u, alen, sum);
	sum = pkt_sum((const uint8_t *)&dst->u, alen, sum);
	sum += ((uint32_t)len >> 16) + ((uint32_t)len & 0xffff);
	sum += VRRP_PROTO;
	return (uint32_t)sum;
}

/* TTL, the fixed header, version and type: RFC 5798 7.1's first checks, and RFC 3768 5.3.2
 * ("A packet with unknown type MUST be discarded"). */
static enum vrrp_drop pkt_parse_header(const struct vrrp_rx *rx, unsigned *version)
{
	/* RFC 5798 7.1: a router cannot forward an advert without decrementing it, so TTL 255 proves
	 * the sender is on the link. */
	if (rx->ttl != VRRP_TTL)
		return VRRP_DROP_TTL;
	if (rx->len < VRRP_HDR_LEN)
		return VRRP_DROP_TRUNCATED;
	*version = rx->buf[0] >> 4;
	if (!pkt_version_ok(*version, rx->family))
		return VRRP_DROP_VERSION;
	if ((rx->buf[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return VRRP_DROP_TYPE;
	return VRRP_DROP_NONE;
}

/* RFC 5798 / 3768 7.1: "MUST verify that the received packet contains the complete VRRP packet
 * (including fixed fields, IP address(es) [and Authentication Data])". Contains, not equals:
 * trailing bytes are allowed, and covered by the checksum (pkt_parse_csum). Count 0 is refused
 * in v3 only, whose 5.2.5 says "Its minimum value is 1"; RFC 3768 sets no minimum and keepalived
 * sends 0 for an instance without VIPs. */
static enum vrrp_drop pkt_parse_length(const struct vrrp_rx *rx, unsigned version)
{
	size_t fixed = pkt_fixed_len(version), count;

	if (rx->len < fixed)
		return VRRP_DROP_TRUNCATED;
	count = rx->buf[3];
	if (version == 3 && count == 0)
		return VRRP_DROP_ADDR_COUNT;
	/* divided, not multiplied: no product of untrusted numbers */
	if ((rx->len - fixed) / pkt_addr_len(rx->family) < count)
		return VRRP_DROP_ADDR_COUNT;
	return VRRP_DROP_NONE;
}

/* Over the whole VRRP payload as received: RFC 5798 5.2.8 checksums "the entire VRRP message" and
 * the pseudo-header carries the IP payload length, so no other span is consistent; for the
 * adverts keepalived sends the two are the same. v2 has no pseudo-header (RFC 3768 5.3.8). */
static enum vrrp_drop pkt_parse_csum(const struct vrrp_rx *rx, unsigned version)
{
	uint32_t initial = 0;

	if (version == 3)
		initial = pkt_pseudo(rx->family, &rx->src, &rx->dst, rx->len);
	if (vrrp_pkt_csum(rx->buf, rx->len, initial) != 0)
		return VRRP_DROP_CHECKSUM;
	return VRRP_DROP_NONE;
}

/* Decode a packet that passed every check: all reads below are within the checked length. */
static void pkt_decode(const struct vrrp_rx *rx, unsigned version, struct vrrp_advert *out)
{
	const uint8_t *p = rx->buf;
	size_t alen = pkt_addr_len(rx->family);

	/* the header's fields; of addrs[] only the n_addrs decoded (not 5 KiB for every advert) */
	memset(out, 0, offsetof(struct vrrp_advert, addrs));
	out->version = version;
	out->vrid = p[1];
	out->priority = p[2];
	out->n_addrs = p[3];
	out->family = rx->family;
	if (version == 2) {
		out->auth_type = p[4];
		out->interval_cs = p[5] * 100u;
		memcpy(out->auth, p + VRRP_HDR_LEN + out->n_addrs * alen, VRRP_AUTH_LEN);
	} else {
		/* RFC 5798 5.2.6: the 4 reserved bits are ignored on reception */
		out->interval_cs = (p[4] & 0x0fu) << 8 | p[5];
	}
	for (size_t i = 0; i < out->n_addrs; i++) {
		memset(&out->addrs[i], 0, sizeof(out->addrs[i]));
		out->addrs[i].family = rx->family;
		memcpy(&out->addrs[i].u, p + VRRP_HDR_LEN + i * alen, alen);
	}
}

enum vrrp_drop vrrp_pkt_parse(const struct vrrp_rx *rx, struct vrrp_advert *out)
{
	unsigned version = 0;
	enum vrrp_drop d;

	/* the socket layer's business, but a parser must not index by an unknown family */
	if (!pkt_addr_len(rx->family))
		return VRRP_DROP_FAMILY;
	d = pkt_parse_header(rx, &version);
	if (d == VRRP_DROP_NONE)
		d = pkt_parse_length(rx, version);
	if (d == VRRP_DROP_NONE)
		d = pkt_parse_csum(rx, version);
	if (d == VRRP_DROP_NONE)
		pkt_decode(rx, version, out);
	return d;
}

/* RFC 3768 7.1: the auth type must be the configured one; PASS data must match (RFC 2338 5.3.6.2
 * compares all 8 bytes, zero-padded); and "MUST verify that the Adver Interval in the packet is
 * the same as the locally configured", else two masters with different intervals coexist. */
static enum vrrp_drop pkt_check_v2(const struct vrrp_advert *a, const struct vrrp_expect *e)
{
	unsigned want = e->auth_pass_set ? 1 : 0;

	if (a->auth_type != want)
		return VRRP_DROP_AUTH_TYPE;
	if (want && memcmp(a->auth, e->auth_pass, VRRP_AUTH_LEN) != 0)
		return VRRP_DROP_AUTH;
	if (a->interval_cs != e->interval_cs)
		return VRRP_DROP_INTERVAL;
	return VRRP_DROP_NONE;
}

/* Family before VRID: VRIDs are per family (RFC 5798 1: the two families' virtual routers "are a
 * domain unto themselves"). v3's interval is not checked: a backup adopts the master's (RFC 5798
 * 6.4.2). */
enum vrrp_drop vrrp_pkt_check(const struct vrrp_advert *a, const struct vrrp_expect *e)
{
	if (a->version != e->version)
		return VRRP_DROP_VERSION;
	if (a->family != e->family)
		return VRRP_DROP_FAMILY;
	if (a->vrid != e->vrid)
		return VRRP_DROP_VRID;
	if (a->version == 2)
		return pkt_check_v2(a, e);
	return VRRP_DROP_NONE;
}

/* Each advert address claims a distinct equal configured one; with equal counts that is a
 * one-to-one match. n <= 255, so the quadratic walk is at most 65025 comparisons. */
bool vrrp_pkt_addrs_match(const struct vrrp_advert *a, const struct conf_addr *addrs, size_t n)
{
	bool used[VRRP_MAX_ADDRS] = {0};

	if (a->n_addrs != n || n > VRRP_MAX_ADDRS)
		return false;
	for (size_t i = 0; i < a->n_addrs; i++) {
		size_t k;

		for (k = 0; k < n; k++) {
			if (!used[k] && conf_addr_eq(&a->addrs[i], &addrs[k]))
				break;
		}
		if (k == n)
			return false;
		used[k] = true;
	}
	return true;
}

/* Build only what vrrp_pkt_parse() and a keepalived peer accept. */
static bool pkt_buildable(const struct vrrp_advert *a, const struct conf_addr *src,
			  const struct conf_addr *dst)
{
	if (!vrrp_pkt_size(a->version, a->family, a->n_addrs))
		return false;
	if (a->vrid < 1 || a->vrid > 255 || a->priority > 255)
		return false;
	for (size_t i = 0; i < a->n_addrs; i++) {
		if (a->addrs[i].family != a->family)
			return false;
	}
	if (a->version == 2)
		return a->auth_type <= 1 && a->interval_cs % 100 == 0 &&
		       a->interval_cs >= 100 && a->interval_cs <= 255 * 100;
	/* the pseudo-header needs both addresses, of the advert's family */
	if (!src || !dst || src->family != a->family || dst->family != a->family)
		return false;
	return a->interval_cs >= 1 && a->interval_cs <= VRRP_V3_MAX_INTERVAL;
}

size_t vrrp_pkt_build(const struct vrrp_advert *a, const struct conf_addr *src,
		      const struct conf_addr *dst, uint8_t *buf, size_t cap)
{
	size_t alen = pkt_addr_len(a->family), len;
	uint32_t initial = 0;
	uint16_t csum;

	if (!pkt_buildable(a, src, dst))
		return 0;
	len = vrrp_pkt_size(a->version, a->family, a->n_addrs);
	if (cap < len)
		return 0;
	buf[0] = (uint8_t)(a->version << 4 | VRRP_TYPE_ADVERT);
	buf[1] = (uint8_t)a->vrid;
	buf[2] = (uint8_t)a->priority;
	buf[3] = (uint8_t)a->n_addrs;
	if (a->version == 2) {
		buf[4] = (uint8_t)a->auth_type;
		buf[5] = (uint8_t)(a->interval_cs / 100);
	} else {
		/* RFC 5798 5.2.6: reserved bits MUST be zero on transmission */
		buf[4] = (uint8_t)(a->interval_cs >> 8 & 0x0f);
		buf[5] = (uint8_t)(a->interval_cs & 0xff);
	}
	buf[PKT_CSUM_OFF] = buf[PKT_CSUM_OFF + 1] = 0;
	for (size_t i = 0; i < a->n_addrs; i++)
		memcpy(buf + VRRP_HDR_LEN + i * alen, &a->addrs[i].u, alen);
	if (a->version == 2) {
		/* RFC 3768 5.3.10: zero unless there is something to authenticate with */
		uint8_t *auth = buf + VRRP_HDR_LEN + a->n_addrs * alen;

		if (a->auth_type == 1)
			memcpy(auth, a->auth, VRRP_AUTH_LEN);
		else
			memset(auth, 0, VRRP_AUTH_LEN);
	} else {
		initial = pkt_pseudo(a->family, src, dst, len);
	}
	csum = vrrp_pkt_csum(buf, len, initial);
	buf[PKT_CSUM_OFF] = (uint8_t)(csum >> 8);
	buf[PKT_CSUM_OFF + 1] = (uint8_t)(csum & 0xff);
	return len;
}
