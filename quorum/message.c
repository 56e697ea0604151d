/* The quorum's wire format: encode, sign, check, decode (layout in quorum/message.h), and the
 * per-sender replay window. Pure: no I/O, no clock, no logging; the receiver counts and logs the
 * drops (DESIGN.md "Rules of the house").
 *
 * Why a MAC and a replay window are both needed: the quorum's safety rests on each vote and each
 * heartbeat ack being the voter's own answer to this term. Without the MAC anyone on the network
 * could grant votes or acks; without the window a recorded grant could be sent again later. */
#include "quorum/message.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/util.h"

#define WIRE_MAGIC0 'K'
#define WIRE_MAGIC1 'Q'
/* magic and version: all a datagram must hold to be told apart from another protocol's */
#define WIRE_HEAD 3

/* Offsets of the fixed part, as the header's table gives them. */
enum {
	WIRE_OFF_TYPE = 3,
	WIRE_OFF_TERM = 4,
	WIRE_OFF_SEQ = 12,
	WIRE_OFF_REF = 20,
	WIRE_OFF_LSN = 28,
	WIRE_OFF_TIMELINE = 36,
	WIRE_OFF_PAUSE_VER = 40,
	WIRE_OFF_FLAGS = 44,
	WIRE_OFF_PRIORITY = 46,
	WIRE_OFF_REASON = 47,
};
_Static_assert(WIRE_OFF_REASON + 1 == QUORUM_WIRE_FIXED, "the fixed part's table is off");

/* The three names, in wire order. */
enum { WIRE_FROM, WIRE_TO, WIRE_TARGET, WIRE_NAMES };

static const char *const wire_type_names[] = {
	[QUORUM_MSG_PREVOTE_REQ] = "prevote_req",
	[QUORUM_MSG_PREVOTE_RESP] = "prevote_resp",
	[QUORUM_MSG_VOTE_REQ] = "vote_req",
	[QUORUM_MSG_VOTE_RESP] = "vote_resp",
	[QUORUM_MSG_HEARTBEAT] = "heartbeat",
	[QUORUM_MSG_HEARTBEAT_ACK] = "heartbeat_ack",
	[QUORUM_MSG_TIMEOUT_NOW] = "timeout_now",
	[QUORUM_MSG_TRANSFER_REQ] = "transfer_req",
	[QUORUM_MSG_TRANSFER_RESP] = "transfer_resp",
};
_Static_assert(ARRAY_SIZE(wire_type_names) == QUORUM_MSG_TYPE_END, "a type without a name");

static const char *const wire_refusal_names[] = {
	[QUORUM_REFUSE_NONE] = "none",
	[QUORUM_REFUSE_STALE_TERM] = "stale_term",
	[QUORUM_REFUSE_VOTED] = "voted",
	[QUORUM_REFUSE_LEADER_ALIVE] = "leader_alive",
	[QUORUM_REFUSE_INELIGIBLE] = "ineligible",
	[QUORUM_REFUSE_BEHIND] = "behind",
	[QUORUM_REFUSE_PRIORITY] = "priority",
	[QUORUM_REFUSE_FITTER] = "fitter",
	[QUORUM_REFUSE_NOT_LEADER] = "not_leader",
	[QUORUM_REFUSE_BUSY] = "busy",
	[QUORUM_REFUSE_PAUSED] = "paused",
	[QUORUM_REFUSE_NO_MEMBER] = "no_member",
	[QUORUM_REFUSE_IS_LEADER] = "is_leader",
	[QUORUM_REFUSE_UNREACHABLE] = "unreachable",
	[QUORUM_REFUSE_WITNESS] = "witness",
	[QUORUM_REFUSE_UNHEALTHY] = "unhealthy",
	[QUORUM_REFUSE_NONE_ELIGIBLE] = "none_eligible",
};
_Static_assert(ARRAY_SIZE(wire_refusal_names) == QUORUM_REFUSE_END, "a refusal without a name");

/* The receiver counts drops by these names (metric labels, log words): renaming one breaks an
 * operator's dashboards and alerts. */
static const char *const wire_drop_names[] = {
	[QUORUM_DROP_NONE] = "none",
	[QUORUM_DROP_SHORT] = "short",
	[QUORUM_DROP_MAGIC] = "magic",
	[QUORUM_DROP_VERSION] = "version",
	[QUORUM_DROP_MAC] = "mac",
	[QUORUM_DROP_MALFORMED] = "malformed",
	[QUORUM_DROP_UNKNOWN] = "unknown_sender",
	[QUORUM_DROP_NOT_FOR_US] = "not_for_us",
	[QUORUM_DROP_REPLAY] = "replay",
};
_Static_assert(ARRAY_SIZE(wire_drop_names) == QUORUM_DROP_END, "a drop without a name");

/* A value off the end (or a 0 type) is a caller's bug; "?" keeps a log line printable. */
static const char *wire_name_of(const char *const *names, size_t n, unsigned i)
{
	if (i >= n || !names[i])
		return "?";
	return names[i];
}

const char *quorum_msg_type_name(enum quorum_msg_type t)
{
	return wire_name_of(wire_type_names, ARRAY_SIZE(wire_type_names), (unsigned)t);
}

const char *quorum_refusal_name(enum quorum_refusal r)
{
	return wire_name_of(wire_refusal_names, ARRAY_SIZE(wire_refusal_names), (unsigned)r);
}

const char *quorum_drop_name(enum quorum_drop d)
{
	return wire_name_of(wire_drop_names, ARRAY_SIZE(wire_drop_names), (unsigned)d);
}

/* Big-endian by hand, byte by byte: no alignment assumed, no host order leaks onto the wire. */
static void wire_put(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = bytes; i-- > 0; v >>= 8)
		p[i] = (uint8_t)(v & 0xff);
}

static uint64_t wire_get(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

/* Names end up in log lines, metric labels and comparisons with the config's: printable ASCII
 * without spaces, and without the quote and backslash conf's val_name_ok() refuses, so that every
 * name the config accepts travels and nothing that could forge a log field does. Plain ranges, not
 * isgraph(): the decoder must not depend on the locale. */
static bool wire_name_ok(const char *s, size_t n, size_t min)
{
	if (n < min || n > QUORUM_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\')
			return false;
	}
	return true;
}

/* HMAC-SHA256 of data into mac. The one-shot HMAC() is not deprecated in OpenSSL 3, keeps no
 * state between calls, and allocates nothing we must free. A NULL key with length 0 would mean
 * "the previous key" to the older HMAC_Init_ex(); an empty array says "empty key" to every
 * version. */
static bool wire_mac(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
		     uint8_t mac[QUORUM_MAC_LEN])
{
	static const uint8_t empty[1];
	unsigned int mac_len = 0;

	if (key_len > INT_MAX)
		return false;
	if (!key || !key_len)
		key = empty;
	if (!HMAC(EVP_sha256(), key, (int)key_len, data, len, mac, &mac_len))
		return false;
	return mac_len == QUORUM_MAC_LEN;
}

/* The booleans of a body as QUORUM_F_* bits, and back: the wire has one flags field, the core a
 * field per fact. */
static uint16_t wire_flags(const struct quorum_body *b)
{
	return (uint16_t)((b->fit.healthy ? QUORUM_F_HEALTHY : 0) |
			  (b->fit.lsn_known ? QUORUM_F_LSN_KNOWN : 0) |
			  (b->fit.witness ? QUORUM_F_WITNESS : 0) | (b->paused ? QUORUM_F_PAUSED : 0) |
			  (b->fit.primary ? QUORUM_F_PRIMARY : 0) |
			  (b->granted ? QUORUM_F_GRANTED : 0) | (b->transfer ? QUORUM_F_TRANSFER : 0));
}

static void wire_set_flags(struct quorum_body *b, unsigned flags)
{
	b->fit.healthy = flags & QUORUM_F_HEALTHY;
	b->fit.lsn_known = flags & QUORUM_F_LSN_KNOWN;
	b->fit.witness = flags & QUORUM_F_WITNESS;
	b->fit.primary = flags & QUORUM_F_PRIMARY;
	b->paused = flags & QUORUM_F_PAUSED;
	b->granted = flags & QUORUM_F_GRANTED;
	b->transfer = flags & QUORUM_F_TRANSFER;
}

/* Encode only what quorum_wire_decode() accepts, so that a bug in the sender shows at the sender
 * (a 0 return) rather than as a "malformed" counter on every peer. */
static bool wire_encodable(const struct quorum_wire *m, size_t lens[WIRE_NAMES])
{
	lens[WIRE_FROM] = strnlen(m->from, sizeof(m->from));
	lens[WIRE_TO] = strnlen(m->to, sizeof(m->to));
	lens[WIRE_TARGET] = strnlen(m->target, sizeof(m->target));
	if (!wire_name_ok(m->from, lens[WIRE_FROM], 1) || !wire_name_ok(m->to, lens[WIRE_TO], 1) ||
	    !wire_name_ok(m->target, lens[WIRE_TARGET], 0))
		return false;
	if (m->b.type < QUORUM_MSG_PREVOTE_REQ || m->b.type >= QUORUM_MSG_TYPE_END)
		return false;
	return (unsigned)m->b.reason < QUORUM_REFUSE_END;
}

static void wire_put_fixed(const struct quorum_wire *m, uint8_t *buf)
{
	const struct quorum_body *b = &m->b;

	buf[0] = WIRE_MAGIC0;
	buf[1] = WIRE_MAGIC1;
	buf[2] = QUORUM_WIRE_VERSION;
	buf[WIRE_OFF_TYPE] = (uint8_t)b->type;
	wire_put(buf + WIRE_OFF_TERM, b->term, 8);
	wire_put(buf + WIRE_OFF_SEQ, m->seq, 8);
	wire_put(buf + WIRE_OFF_REF, b->ref, 8);
	wire_put(buf + WIRE_OFF_LSN, b->fit.lsn, 8);
	wire_put(buf + WIRE_OFF_TIMELINE, b->fit.timeline, 4);
	wire_put(buf + WIRE_OFF_PAUSE_VER, b->pause_ver, 4);
	wire_put(buf + WIRE_OFF_FLAGS, wire_flags(b), 2);
	buf[WIRE_OFF_PRIORITY] = b->fit.priority;
	buf[WIRE_OFF_REASON] = (uint8_t)b->reason;
}

size_t quorum_wire_encode(const struct quorum_wire *m, const uint8_t *key, size_t key_len,
			  uint8_t *buf, size_t len)
{
	const char *names[WIRE_NAMES] = {m->from, m->to, m->target};
	size_t lens[WIRE_NAMES], off = QUORUM_WIRE_FIXED;

	if (!wire_encodable(m, lens))
		return 0;
	if (len < QUORUM_WIRE_FIXED + WIRE_NAMES + lens[WIRE_FROM] + lens[WIRE_TO] +
			  lens[WIRE_TARGET] + QUORUM_MAC_LEN)
		return 0;
	wire_put_fixed(m, buf);
	for (int i = 0; i < WIRE_NAMES; i++) {
		buf[off++] = (uint8_t)lens[i];
		memcpy(buf + off, names[i], lens[i]);
		off += lens[i];
	}
	if (!wire_mac(key, key_len, buf, off, buf + off))
		return 0;
	return off + QUORUM_MAC_LEN;
}

/* Find the names from their length bytes, checking the length before each read. Only framing:
 * the lengths are not believed, merely used to find where the MAC must be; a forged one can only
 * make the datagram fail here or at the MAC. Too short for its own lengths is a truncation; too
 * long is not (a truncation never adds bytes), so it is malformed. */
static enum quorum_drop wire_frame(size_t len, const uint8_t *buf, size_t off[WIRE_NAMES],
				   size_t lens[WIRE_NAMES])
{
	size_t at = QUORUM_WIRE_FIXED;

	for (int i = 0; i < WIRE_NAMES; i++) {
		if (len < at + 1)
			return QUORUM_DROP_SHORT;
		lens[i] = buf[at];
		off[i] = at + 1;
		at = off[i] + lens[i];
	}
	/* at <= 48 + 3 * 256: no overflow */
	if (len < at + QUORUM_MAC_LEN)
		return QUORUM_DROP_SHORT;
	if (len > at + QUORUM_MAC_LEN)
		return QUORUM_DROP_MALFORMED;
	return QUORUM_DROP_NONE;
}

/* Constant time (CRYPTO_memcmp): a comparison that stops at the first wrong byte would tell a
 * forger, by its timing, how many bytes of a guessed MAC are right. */
static enum quorum_drop wire_check_mac(const uint8_t *buf, size_t len, const uint8_t *key,
				       size_t key_len)
{
	uint8_t mac[QUORUM_MAC_LEN];
	size_t signed_len = len - QUORUM_MAC_LEN;

	if (!wire_mac(key, key_len, buf, signed_len, mac))
		return QUORUM_DROP_MAC;
	if (CRYPTO_memcmp(mac, buf + signed_len, QUORUM_MAC_LEN) != 0)
		return QUORUM_DROP_MAC;
	return QUORUM_DROP_NONE;
}

/* A name into its NUL-terminated field; lengths were framed and are within the datagram. */
static bool wire_get_name(char *dst, const uint8_t *src, size_t n, size_t min)
{
	if (!wire_name_ok((const char *)src, n, min))
		return false;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return true;
}

/* The fields of an authentic datagram. Authentic is not well-formed: a peer with a bug, or a
 * release that added a value without bumping the version, may sign what this one does not know,
 * and the core must never see an enum out of range. */
static enum quorum_drop wire_fields(const uint8_t *buf, const size_t off[WIRE_NAMES],
				    const size_t lens[WIRE_NAMES], struct quorum_wire *out)
{
	struct quorum_body *b = &out->b;
	unsigned type = buf[WIRE_OFF_TYPE], reason = buf[WIRE_OFF_REASON];
	unsigned flags = (unsigned)wire_get(buf + WIRE_OFF_FLAGS, 2);

	if (type < QUORUM_MSG_PREVOTE_REQ || type >= QUORUM_MSG_TYPE_END)
		return QUORUM_DROP_MALFORMED;
	if (flags & ~(unsigned)QUORUM_F_ALL)
		return QUORUM_DROP_MALFORMED;
	if (reason >= QUORUM_REFUSE_END)
		return QUORUM_DROP_MALFORMED;
	memset(out, 0, sizeof(*out));
	if (!wire_get_name(out->from, buf + off[WIRE_FROM], lens[WIRE_FROM], 1) ||
	    !wire_get_name(out->to, buf + off[WIRE_TO], lens[WIRE_TO], 1) ||
	    !wire_get_name(out->target, buf + off[WIRE_TARGET], lens[WIRE_TARGET], 0))
		return QUORUM_DROP_MALFORMED;
	b->type = (enum quorum_msg_type)type;
	b->reason = (enum quorum_refusal)reason;
	wire_set_flags(b, flags);
	b->term = wire_get(buf + WIRE_OFF_TERM, 8);
	out->seq = wire_get(buf + WIRE_OFF_SEQ, 8);
	b->ref = wire_get(buf + WIRE_OFF_REF, 8);
	b->fit.lsn = wire_get(buf + WIRE_OFF_LSN, 8);
	b->fit.timeline = (uint32_t)wire_get(buf + WIRE_OFF_TIMELINE, 4);
	b->pause_ver = (uint32_t)wire_get(buf + WIRE_OFF_PAUSE_VER, 4);
	b->fit.priority = buf[WIRE_OFF_PRIORITY];
	return QUORUM_DROP_NONE;
}

/* Magic and version first, unauthenticated: they are all a node of another version can read, and
 * telling "another version" from "tampered" is what lets the log say why two nodes never agree
 * (SPEC.md "Quorum wire protocol"). Then framing, then the MAC over everything before it, and
 * only then any field. */
enum quorum_drop quorum_wire_decode(const uint8_t *buf, size_t len, const uint8_t *key,
				    size_t key_len, struct quorum_wire *out, unsigned *version)
{
	size_t off[WIRE_NAMES], lens[WIRE_NAMES];
	enum quorum_drop d;

	if (len < WIRE_HEAD)
		return QUORUM_DROP_SHORT;
	if (buf[0] != WIRE_MAGIC0 || buf[1] != WIRE_MAGIC1)
		return QUORUM_DROP_MAGIC;
	if (version)
		*version = buf[2];
	if (buf[2] != QUORUM_WIRE_VERSION)
		return QUORUM_DROP_VERSION;
	d = wire_frame(len, buf, off, lens);
	if (d == QUORUM_DROP_NONE)
		d = wire_check_mac(buf, len, key, key_len);
	if (d == QUORUM_DROP_NONE)
		d = wire_fields(buf, off, lens, out);
	return d;
}

/* The sliding window of RFC 4303 3.4.3 (IPsec ESP's anti-replay); bit 0 stands for top itself.
 * A datagram the network reorders by up to QUORUM_REPLAY_WINDOW - 1 positions still
 * counts, a copy of any accepted one never does. */
bool quorum_replay_accept(struct quorum_replay *w, uint64_t seq)
{
	uint64_t diff;

	if (seq == 0)
		return false;
	if (seq > w->top) {
		diff = seq - w->top;
		/* a shift by 64 or more is undefined in C: the whole window is left behind */
		w->seen = diff >= QUORUM_REPLAY_WINDOW ? 1 : w->seen << diff | 1;
		w->top = seq;
		return true;
	}
	diff = w->top - seq;
	if (diff >= QUORUM_REPLAY_WINDOW)
		return false;
	if (w->seen & (UINT64_C(1) << diff))
		return false;
	w->seen |= UINT64_C(1) << diff;
	return true;
}
