/* The quorum datagram decoder (quorum/message.c), with and without a valid MAC. Input: byte 0's
 * bit 0 set: the rest is signed here with the fuzzing key (its HMAC appended), so that the
 * fuzzer reaches what lies behind the MAC; clear: the rest is the datagram as received.
 * Invariants: nothing the decoder accepts came without the key's MAC, and what it accepts
 * encodes again to a datagram that decodes to the same message. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "quorum/message.h"
#include "tests/fuzz/fuzz.h"

static const uint8_t fuzz_key[32] = "keepquorum fuzzing key, 32 bytes";

static bool same_wire(const struct quorum_wire *a, const struct quorum_wire *b)
{
	return !strcmp(a->from, b->from) && !strcmp(a->to, b->to) && !strcmp(a->target, b->target) &&
	       a->seq == b->seq && !memcmp(&a->b.fit, &b->b.fit, sizeof(a->b.fit)) &&
	       a->b.type == b->b.type && a->b.term == b->b.term && a->b.ref == b->b.ref &&
	       a->b.paused == b->b.paused && a->b.pause_ver == b->b.pause_ver &&
	       a->b.granted == b->b.granted && a->b.transfer == b->b.transfer &&
	       a->b.reason == b->b.reason;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536 + 64], again[QUORUM_WIRE_MAX];
	static struct quorum_wire m, m2;
	unsigned version = 0, mac_len = 0;
	size_t len, n;
	bool signed_here;

	if (size < 1 || size - 1 > 65536)
		return 0;
	signed_here = data[0] & 1;
	len = size - 1;
	memcpy(buf, data + 1, len);
	if (signed_here) {
		if (!HMAC(EVP_sha256(), fuzz_key, sizeof(fuzz_key), buf, len, buf + len, &mac_len))
			return 0;
		len += mac_len;
	}
	memset(&m, 0xa5, sizeof(m));
	if (quorum_wire_decode(buf, len, fuzz_key, sizeof(fuzz_key), &m, &version) != QUORUM_DROP_NONE)
		return 0;
	/* accepted: the key signed it, so the fuzzer cannot have made it up without signing */
	FUZZ_ASSERT(signed_here || len < 32 ||
		    quorum_wire_decode(buf, len, (const uint8_t *)"another key", 11, &m2, NULL) != QUORUM_DROP_NONE);
	FUZZ_ASSERT(memchr(m.from, '\0', sizeof(m.from)) && memchr(m.to, '\0', sizeof(m.to)) &&
		    memchr(m.target, '\0', sizeof(m.target)));
	n = quorum_wire_encode(&m, fuzz_key, sizeof(fuzz_key), again, sizeof(again));
	FUZZ_ASSERT(n > 0);
	memset(&m2, 0x5a, sizeof(m2));
	FUZZ_ASSERT(quorum_wire_decode(again, n, fuzz_key, sizeof(fuzz_key), &m2, NULL) == QUORUM_DROP_NONE);
	FUZZ_ASSERT(same_wire(&m, &m2));
	return 0;
}
