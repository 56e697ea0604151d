/* quorum/message.c: the signed wire format of the quorum, and the replay window.
 *
 * The fixed vector below was written byte by byte from the layout table in quorum/message.h, not
 * by our encoder, and its MAC computed by OpenSSL's command line, so it checks the encoder's
 * offsets, byte order and MAC independently of our code:
 *
 *   KEYHEX=$(printf 'kq-test-secret' | xxd -p)      # 6b712d746573742d736563726574
 *   MSG=$(printf '%s' 4b51 01 05 1122334455667788 0000000100000002 000000000000002a \
 *         000000000301a4c8 00000003 00000005 0003 96 00 03646231 03646232 00)
 *   echo -n $MSG | xxd -r -p | openssl dgst -sha256 -mac HMAC -macopt hexkey:$KEYHEX
 *   # SHA2-256(stdin)= 50bf20160d3f88162508d3af569060b77b201228d0398dc212f46d5bdd104513
 *
 * that is: magic "KQ", version 1, HEARTBEAT, term 0x1122334455667788, seq 0x100000002, ref 42,
 * lsn 0x301a4c8, timeline 3, pause_ver 5, flags HEALTHY|LSN_KNOWN, priority 150, reason 0, from
 * "db1", to "db2", no target; the MAC follows. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/util.h"
#include "quorum/message.h"
#include "tests/unit/testutil.h"

#define KEY "kq-test-secret"
#define HB_HEX                                                                                \
	"4b51010511223344556677880000000100000002000000000000002a000000000301a4c8000000030000" \
	"000500039600036462310364623200"                                                      \
	"50bf20160d3f88162508d3af569060b77b201228d0398dc212f46d5bdd104513"
/* where the three name lengths stand in the vector */
#define HB_FROM_LEN_OFF 48
#define HB_TO_LEN_OFF 52
#define HB_TARGET_LEN_OFF 56

static const uint8_t *key(void)
{
	return (const uint8_t *)KEY;
}

/* The vector's content, as the core and the edge see it. */
static struct quorum_wire hb_wire(void)
{
	struct quorum_wire m = {.from = "db1", .to = "db2", .seq = UINT64_C(0x100000002)};

	m.b.type = QUORUM_MSG_HEARTBEAT;
	m.b.term = UINT64_C(0x1122334455667788);
	m.b.ref = 42;
	m.b.fit.lsn = 0x301a4c8;
	m.b.fit.timeline = 3;
	m.b.pause_ver = 5;
	m.b.fit.healthy = true;
	m.b.fit.lsn_known = true;
	m.b.fit.priority = 150;
	return m;
}

static void assert_wire_eq(const struct quorum_wire *a, const struct quorum_wire *b)
{
	ck_assert_str_eq(a->from, b->from);
	ck_assert_str_eq(a->to, b->to);
	ck_assert_str_eq(a->target, b->target);
	ck_assert_uint_eq(a->seq, b->seq);
	ck_assert_int_eq(a->b.type, b->b.type);
	ck_assert_uint_eq(a->b.term, b->b.term);
	ck_assert_uint_eq(a->b.ref, b->b.ref);
	ck_assert_int_eq(a->b.fit.healthy, b->b.fit.healthy);
	ck_assert_int_eq(a->b.fit.witness, b->b.fit.witness);
	ck_assert_int_eq(a->b.fit.lsn_known, b->b.fit.lsn_known);
	ck_assert_int_eq(a->b.fit.primary, b->b.fit.primary);
	ck_assert_uint_eq(a->b.fit.priority, b->b.fit.priority);
	ck_assert_uint_eq(a->b.fit.timeline, b->b.fit.timeline);
	ck_assert_uint_eq(a->b.fit.lsn, b->b.fit.lsn);
	ck_assert_int_eq(a->b.paused, b->b.paused);
	ck_assert_uint_eq(a->b.pause_ver, b->b.pause_ver);
	ck_assert_int_eq(a->b.granted, b->b.granted);
	ck_assert_int_eq(a->b.transfer, b->b.transfer);
	ck_assert_int_eq(a->b.reason, b->b.reason);
}

/* Decode from a heap copy of exactly len bytes, so that ASan sees any read past the datagram. */
static enum quorum_drop decode(const uint8_t *buf, size_t len, const char *k,
			       struct quorum_wire *out, unsigned *version)
{
	uint8_t *copy = xmalloc(len ? len : 1);
	enum quorum_drop d;

	memcpy(copy, buf, len);
	d = quorum_wire_decode(copy, len, (const uint8_t *)k, strlen(k), out, version);
	free(copy);
	return d;
}

/* Sign body_len arbitrary bytes as a peer holding the key would: what lets the tests below make
 * datagrams that are authentic yet malformed, which our encoder refuses to write. */
static size_t sign(uint8_t *buf, size_t body_len)
{
	unsigned int n = 0;

	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), KEY, (int)strlen(KEY), buf, body_len,
				   buf + body_len, &n));
	ck_assert_uint_eq(n, QUORUM_MAC_LEN);
	return body_len + n;
}

/* The vector's fixed part followed by three names written as given, unchecked, and signed. */
static size_t raw_names(uint8_t *buf, const char *from, const char *to, const char *target)
{
	const char *names[] = {from, to, target};
	size_t off = QUORUM_WIRE_FIXED;

	tu_unhex(HB_HEX, buf, QUORUM_WIRE_MAX);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);

		buf[off++] = (uint8_t)n;
		memcpy(buf + off, names[i], n);
		off += n;
	}
	return sign(buf, off);
}

START_TEST(test_vector)
{
	uint8_t want[QUORUM_WIRE_MAX], got[QUORUM_WIRE_MAX];
	size_t n = tu_unhex(HB_HEX, want, sizeof(want));
	struct quorum_wire m = hb_wire(), out;
	unsigned version = 0;

	ck_assert_uint_eq(n, 89);
	ck_assert_uint_eq(quorum_wire_encode(&m, key(), strlen(KEY), got, sizeof(got)), n);
	ck_assert_mem_eq(got, want, n);
	ck_assert_int_eq(decode(want, n, KEY, &out, &version), QUORUM_DROP_NONE);
	assert_wire_eq(&out, &m);
}
END_TEST

/* Every type, every flag, every field at a value whose bytes are all different. */
START_TEST(test_round_trip)
{
	enum quorum_msg_type type = (enum quorum_msg_type)_i;

	for (unsigned flags = 0; flags <= QUORUM_F_ALL; flags++) {
		struct quorum_wire m = {.from = "node-a.example:1", .to = "node_b", .seq = ~0ull - flags};
		struct quorum_wire out;
		uint8_t buf[QUORUM_WIRE_MAX];
		size_t n;

		if (type == QUORUM_MSG_TRANSFER_REQ)
			strcpy(m.target, "node-c");
		m.b.type = type;
		m.b.term = UINT64_C(0x8000000000000001) + flags;
		m.b.ref = UINT64_C(0xfedcba9876543210);
		m.b.fit.lsn = UINT64_C(0xa1b2c3d4e5f60718);
		m.b.fit.timeline = 0xdeadbeef;
		m.b.fit.priority = 255;
		m.b.pause_ver = 0x80000001;
		m.b.reason = (enum quorum_refusal)((flags + _i) % QUORUM_REFUSE_END);
		m.b.fit.healthy = flags & QUORUM_F_HEALTHY;
		m.b.fit.lsn_known = flags & QUORUM_F_LSN_KNOWN;
		m.b.fit.witness = flags & QUORUM_F_WITNESS;
		m.b.fit.primary = flags & QUORUM_F_PRIMARY;
		m.b.paused = flags & QUORUM_F_PAUSED;
		m.b.granted = flags & QUORUM_F_GRANTED;
		m.b.transfer = flags & QUORUM_F_TRANSFER;
		n = quorum_wire_encode(&m, key(), strlen(KEY), buf, sizeof(buf));
		ck_assert_uint_gt(n, 0);
		ck_assert_uint_eq(buf[44] << 8 | buf[45], flags);
		ck_assert_int_eq(decode(buf, n, KEY, &out, NULL), QUORUM_DROP_NONE);
		assert_wire_eq(&out, &m);
	}
}
END_TEST

/* Three names at their longest make the largest datagram, which must fit QUORUM_WIRE_MAX. */
START_TEST(test_longest)
{
	struct quorum_wire m = hb_wire(), out;
	uint8_t buf[QUORUM_WIRE_MAX];

	m.b.type = QUORUM_MSG_TRANSFER_REQ;
	memset(m.from, 'f', QUORUM_ID_MAX);
	memset(m.to, 't', QUORUM_ID_MAX);
	memset(m.target, 'g', QUORUM_ID_MAX);
	ck_assert_uint_eq(quorum_wire_encode(&m, key(), strlen(KEY), buf, sizeof(buf)),
			  QUORUM_WIRE_MAX);
	ck_assert_uint_eq(quorum_wire_encode(&m, key(), strlen(KEY), buf, sizeof(buf) - 1), 0);
	ck_assert_int_eq(decode(buf, QUORUM_WIRE_MAX, KEY, &out, NULL), QUORUM_DROP_NONE);
	assert_wire_eq(&out, &m);
}
END_TEST

START_TEST(test_truncated)
{
	uint8_t buf[QUORUM_WIRE_MAX];
	size_t n = tu_unhex(HB_HEX, buf, sizeof(buf));
	struct quorum_wire out;

	for (size_t len = 0; len < n; len++)
		ck_assert_int_eq(decode(buf, len, KEY, &out, NULL), QUORUM_DROP_SHORT);
}
END_TEST

/* A flip in magic or version is told apart; in a name length it breaks the framing; anywhere
 * else, the MAC catches it. Never accepted. */
START_TEST(test_bit_flips)
{
	uint8_t buf[QUORUM_WIRE_MAX];
	size_t n = tu_unhex(HB_HEX, buf, sizeof(buf));
	struct quorum_wire out;

	for (size_t i = 0; i < n; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			enum quorum_drop d;

			buf[i] ^= (uint8_t)(1u << bit);
			d = decode(buf, n, KEY, &out, NULL);
			buf[i] ^= (uint8_t)(1u << bit);
			if (i < 2)
				ck_assert_int_eq(d, QUORUM_DROP_MAGIC);
			else if (i == 2)
				ck_assert_int_eq(d, QUORUM_DROP_VERSION);
			else if (i == HB_FROM_LEN_OFF || i == HB_TO_LEN_OFF || i == HB_TARGET_LEN_OFF)
				ck_assert(d == QUORUM_DROP_SHORT || d == QUORUM_DROP_MALFORMED);
			else
				ck_assert_int_eq(d, QUORUM_DROP_MAC);
		}
	}
	ck_assert_int_eq(decode(buf, n, KEY, &out, NULL), QUORUM_DROP_NONE);
}
END_TEST

START_TEST(test_header_drops)
{
	uint8_t buf[QUORUM_WIRE_MAX + 1];
	size_t n = tu_unhex(HB_HEX, buf, sizeof(buf));
	struct quorum_wire out;
	unsigned version = 0;

	ck_assert_int_eq(decode(buf, n, "kq-test-secreT", &out, NULL), QUORUM_DROP_MAC);
	ck_assert_int_eq(decode(buf, n, "", &out, NULL), QUORUM_DROP_MAC);
	/* a trailing byte: no truncation adds one, so the lengths are wrong, not the transport */
	buf[n] = 0;
	ck_assert_int_eq(decode(buf, n + 1, KEY, &out, NULL), QUORUM_DROP_MALFORMED);
	buf[2] = 2;
	ck_assert_int_eq(decode(buf, n, KEY, &out, &version), QUORUM_DROP_VERSION);
	ck_assert_uint_eq(version, 2);
	buf[2] = 0;
	ck_assert_int_eq(decode(buf, 3, KEY, &out, &version), QUORUM_DROP_VERSION);
	ck_assert_uint_eq(version, 0);
	buf[2] = 1;
	memcpy(buf, "QK", 2);
	ck_assert_int_eq(decode(buf, n, KEY, &out, NULL), QUORUM_DROP_MAGIC);
	ck_assert_int_eq(decode(buf, 2, KEY, &out, NULL), QUORUM_DROP_SHORT);
}
END_TEST

/* Authentic, signed with the right key, and still refused: the core never sees an enum out of
 * range. */
START_TEST(test_malformed_fields)
{
	uint8_t buf[QUORUM_WIRE_MAX];
	struct quorum_wire out;
	static const struct {
		size_t off;
		uint8_t val;
	} bytes[] = {
		{3, 0},
		{3, QUORUM_MSG_TYPE_END},
		{3, 0xff},
		{45, 0x83}, /* HEALTHY|LSN_KNOWN and the first unknown bit */
		{44, 0x80},
		{47, QUORUM_REFUSE_END},
		{47, 0xff},
	};

	for (size_t i = 0; i < ARRAY_SIZE(bytes); i++) {
		size_t n = tu_unhex(HB_HEX, buf, sizeof(buf)) - QUORUM_MAC_LEN;

		buf[bytes[i].off] = bytes[i].val;
		n = sign(buf, n);
		ck_assert_int_eq(decode(buf, n, KEY, &out, NULL), QUORUM_DROP_MALFORMED);
	}
}
END_TEST

#define X8 "xxxxxxxx"
#define X64 X8 X8 X8 X8 X8 X8 X8 X8
/* Names as a peer with the key might sign them: nothing that could forge a log field or a
 * metric label gets through (the quote, backslash and apostrophe are those conf refuses). */
static const struct {
	const char *from, *to, *target;
	enum quorum_drop want;
} name_cases[] = {
	{"db1", "db2", "", QUORUM_DROP_NONE},
	{X64, "db2", X64, QUORUM_DROP_NONE},
	{"", "db2", "", QUORUM_DROP_MALFORMED},
	{"db1", "", "", QUORUM_DROP_MALFORMED},
	{X64 "x", "db2", "", QUORUM_DROP_MALFORMED},
	{"db1", "db2", X64 "x", QUORUM_DROP_MALFORMED},
	{"db 1", "db2", "", QUORUM_DROP_MALFORMED},
	{"db1", "db2\n", "", QUORUM_DROP_MALFORMED},
	{"db1", "db2", "d\"b3", QUORUM_DROP_MALFORMED},
	{"db1", "d\\b2", "", QUORUM_DROP_MALFORMED},
	{"db'1", "db2", "", QUORUM_DROP_MALFORMED},
	{"db1", "db2", "db\xc3\xa9", QUORUM_DROP_MALFORMED},
	{"db1", "db2\x7f", "", QUORUM_DROP_MALFORMED},
};

START_TEST(test_malformed_names)
{
	uint8_t buf[QUORUM_WIRE_MAX + 8];
	struct quorum_wire out;
	size_t n = raw_names(buf, name_cases[_i].from, name_cases[_i].to, name_cases[_i].target);

	ck_assert_int_eq(decode(buf, n, KEY, &out, NULL), name_cases[_i].want);
}
END_TEST

START_TEST(test_encode_refuses)
{
	struct quorum_wire m = hb_wire();
	uint8_t buf[QUORUM_WIRE_MAX];

	ck_assert_uint_eq(quorum_wire_encode(&m, key(), strlen(KEY), buf, sizeof(buf)), 89);
	ck_assert_uint_eq(quorum_wire_encode(&m, key(), strlen(KEY), buf, 88), 0);
	/* 65 bytes and no NUL: the field holds no string at all */
	memset(m.from, 'a', sizeof(m.from));
	ck_assert_uint_eq(quorum_wire_encode(&m, key(), strlen(KEY), buf, sizeof(buf)), 0);
	m = hb_wire();
	memset(m.target, 'a', sizeof(m.target));
	ck_assert_uint_eq(quorum_wire_encode(&m, key(), strlen(KEY), buf, sizeof(buf)), 0);
	m = hb_wire();
	m.to[0] = '\0';
	ck_assert_uint_eq(quorum_wire_encode(&m, key(), strlen(KEY), buf, sizeof(buf)), 0);
	m = hb_wire();
	strcpy(m.from, "db 1");
	ck_assert_uint_eq(quorum_wire_encode(&m, key(), strlen(KEY), buf, sizeof(buf)), 0);
	m = hb_wire();
	m.b.type = QUORUM_MSG_TYPE_END;
	ck_assert_uint_eq(quorum_wire_encode(&m, key(), strlen(KEY), buf, sizeof(buf)), 0);
	m = hb_wire();
	m.b.reason = QUORUM_REFUSE_END;
	ck_assert_uint_eq(quorum_wire_encode(&m, key(), strlen(KEY), buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_replay)
{
	struct quorum_replay w = {0};

	ck_assert(!quorum_replay_accept(&w, 0));
	for (uint64_t s = 1; s <= 100; s++)
		ck_assert(quorum_replay_accept(&w, s));
	ck_assert(!quorum_replay_accept(&w, 100));
	ck_assert(!quorum_replay_accept(&w, 37));
	/* reordered: 200 first, then the 63 before it, each once; 64 below is out of the window */
	ck_assert(quorum_replay_accept(&w, 200));
	for (uint64_t s = 199; s > 200 - QUORUM_REPLAY_WINDOW; s--)
		ck_assert(quorum_replay_accept(&w, s));
	for (uint64_t s = 199; s > 200 - QUORUM_REPLAY_WINDOW; s--)
		ck_assert(!quorum_replay_accept(&w, s));
	ck_assert(!quorum_replay_accept(&w, 200 - QUORUM_REPLAY_WINDOW));
	ck_assert(!quorum_replay_accept(&w, 1));
	/* a jump by 1000 leaves the whole window behind: only the new top is seen */
	ck_assert(quorum_replay_accept(&w, 1200));
	ck_assert(!quorum_replay_accept(&w, 200));
	ck_assert(quorum_replay_accept(&w, 1199));
	ck_assert(quorum_replay_accept(&w, 1200 - QUORUM_REPLAY_WINDOW + 1));
	ck_assert(!quorum_replay_accept(&w, 1200));
	/* a jump by exactly the window keeps nothing either; by one less keeps the old top */
	ck_assert(quorum_replay_accept(&w, 1200 + QUORUM_REPLAY_WINDOW));
	ck_assert(quorum_replay_accept(&w, 1199 + QUORUM_REPLAY_WINDOW));
	ck_assert(!quorum_replay_accept(&w, 0));
	ck_assert(quorum_replay_accept(&w, UINT64_MAX));
	ck_assert(!quorum_replay_accept(&w, UINT64_MAX));
	ck_assert(quorum_replay_accept(&w, UINT64_MAX - 1));
}
END_TEST

/* Every name exactly: the drop names are metric labels, the others words in log lines an
 * operator greps for. */
START_TEST(test_names)
{
	static const char *const types[] = {"?", "prevote_req", "prevote_resp", "vote_req",
					    "vote_resp", "heartbeat", "heartbeat_ack",
					    "timeout_now", "transfer_req", "transfer_resp", "?"};
	static const char *const refusals[] = {"none", "stale_term", "voted", "leader_alive",
					       "ineligible", "behind", "priority", "fitter",
					       "not_leader", "busy", "paused", "no_member",
					       "is_leader", "unreachable", "witness", "unhealthy",
					       "none_eligible", "?"};
	static const char *const drops[] = {"none", "short", "magic", "version", "mac",
					    "malformed", "unknown_sender", "not_for_us", "replay",
					    "?"};

	ck_assert_uint_eq(ARRAY_SIZE(types), QUORUM_MSG_TYPE_END + 1);
	ck_assert_uint_eq(ARRAY_SIZE(refusals), QUORUM_REFUSE_END + 1);
	ck_assert_uint_eq(ARRAY_SIZE(drops), QUORUM_DROP_END + 1);
	for (unsigned i = 0; i < ARRAY_SIZE(types); i++)
		ck_assert_str_eq(quorum_msg_type_name((enum quorum_msg_type)i), types[i]);
	for (unsigned i = 0; i < ARRAY_SIZE(refusals); i++)
		ck_assert_str_eq(quorum_refusal_name((enum quorum_refusal)i), refusals[i]);
	for (unsigned i = 0; i < ARRAY_SIZE(drops); i++)
		ck_assert_str_eq(quorum_drop_name((enum quorum_drop)i), drops[i]);
	ck_assert_str_eq(quorum_drop_name((enum quorum_drop)-1), "?");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("quorum_message");
	TCase *tc = tcase_create("message");

	tcase_add_test(tc, test_vector);
	tcase_add_loop_test(tc, test_round_trip, QUORUM_MSG_PREVOTE_REQ, QUORUM_MSG_TYPE_END);
	tcase_add_test(tc, test_longest);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_bit_flips);
	tcase_add_test(tc, test_header_drops);
	tcase_add_test(tc, test_malformed_fields);
	tcase_add_loop_test(tc, test_malformed_names, 0, (int)ARRAY_SIZE(name_cases));
	tcase_add_test(tc, test_encode_refuses);
	tcase_add_test(tc, test_replay);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
