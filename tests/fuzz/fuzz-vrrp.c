/* The VRRP advert parser (vrrp/packet.c), v2 and v3, over IPv4 and IPv6, as recvmsg gives it.
 * Input: byte 0 picks the family (bit 0: IPv6) and whether the TTL is 255 (bit 1) or byte 1;
 * then the source and destination addresses (4 or 16 bytes each); the rest is the VRRP packet.
 * Invariants: an accepted advert is checked against expectations without harm, and when build
 * can write it again, the packet it writes parses to the same advert. */
#include <netinet/in.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vrrp/packet.h"

static bool same_advert(const struct vrrp_advert *a, const struct vrrp_advert *b)
{
	if (a->version != b->version || a->vrid != b->vrid || a->priority != b->priority ||
	    a->interval_cs != b->interval_cs || a->family != b->family || a->n_addrs != b->n_addrs)
		return false;
	if (a->version == 2 && (a->auth_type != b->auth_type ||
				(a->auth_type == 1 && memcmp(a->auth, b->auth, VRRP_AUTH_LEN))))
		return false;
	for (size_t i = 0; i < a->n_addrs; i++)
		if (!conf_addr_eq(&a->addrs[i], &b->addrs[i]))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vrrp_advert a, again;
	static uint8_t out[VRRP_PKT_MAX + VRRP_AUTH_LEN];
	struct vrrp_rx rx = {0};
	struct vrrp_expect e = {0};
	size_t alen, n;

	if (size < 2)
		return 0;
	rx.family = data[0] & 1 ? AF_INET6 : AF_INET;
	rx.ttl = data[0] & 2 ? data[1] : VRRP_TTL;
	alen = rx.family == AF_INET6 ? 16 : 4;
	if (size < 2 + 2 * alen)
		return 0;
	rx.src.family = rx.dst.family = rx.family;
	memcpy(&rx.src.u, data + 2, alen);
	memcpy(&rx.dst.u, data + 2 + alen, alen);
	rx.buf = data + 2 + 2 * alen;
	rx.len = size - 2 - 2 * alen;
	if (vrrp_pkt_parse(&rx, &a) != VRRP_DROP_NONE)
		return 0;
	FUZZ_ASSERT(a.family == rx.family && (a.version == 2 || a.version == 3));
	FUZZ_ASSERT(a.n_addrs <= VRRP_MAX_ADDRS);
	/* the checks that need an instance: one that expects this advert, one that expects another */
	e.version = a.version;
	e.vrid = a.vrid;
	e.family = a.family;
	e.interval_cs = a.interval_cs;
	e.auth_pass_set = a.version == 2 && a.auth_type == 1;
	memcpy(e.auth_pass, a.auth, VRRP_AUTH_LEN);
	/* (a v2 auth type other than none or PASS is refused whatever the instance expects) */
	FUZZ_ASSERT((a.version == 2 && a.auth_type > 1) || vrrp_pkt_check(&a, &e) == VRRP_DROP_NONE);
	e.vrid = (a.vrid % 255) + 1;
	FUZZ_ASSERT(vrrp_pkt_check(&a, &e) != VRRP_DROP_NONE);
	FUZZ_ASSERT(vrrp_pkt_addrs_match(&a, a.addrs, a.n_addrs));
	/* the round trip */
	n = vrrp_pkt_build(&a, &rx.src, &rx.dst, out, sizeof(out));
	if (n) {
		struct vrrp_rx rx2 = rx;

		rx2.buf = out;
		rx2.len = n;
		rx2.ttl = VRRP_TTL;
		FUZZ_ASSERT(vrrp_pkt_parse(&rx2, &again) == VRRP_DROP_NONE);
		FUZZ_ASSERT(same_advert(&a, &again));
	}
	return 0;
}
