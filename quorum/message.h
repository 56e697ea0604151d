/* The quorum's wire format (SPEC.md "Quorum wire protocol"). Pure: no I/O, no clock.
 *
 * One datagram, big-endian, the same layout for every type (unused fields are zero):
 *
 *    0  'K' 'Q'            magic
 *    2  version            QUORUM_WIRE_VERSION
 *    3  type               enum quorum_msg_type
 *    4  term        u64    the sender's current term (requests: the term asked for)
 *   12  seq         u64    the sender's sequence number (strictly increasing per sender)
 *   20  ref         u64    heartbeat/ack: the heartbeat's id; vote responses: the term asked for
 *   28  lsn         u64    fitness: the database position (WAL LSN)
 *   36  timeline    u32    fitness: the database timeline
 *   40  pause_ver   u32    the cluster's pause register: its version (the value is a flag)
 *   44  flags       u16    QUORUM_F_*
 *   46  priority    u8     fitness: effective VRRP priority
 *   47  reason      u8     refusals: enum quorum_refusal
 *   48  from        u8 length + bytes (1..QUORUM_ID_MAX)
 *       to          u8 length + bytes (1..QUORUM_ID_MAX)
 *       target      u8 length + bytes (0..QUORUM_ID_MAX; TRANSFER_REQ only)
 *       mac         32 bytes: HMAC-SHA256 over everything before it, keyed by secret_file
 *
 * Names, not indexes, travel: each node numbers its members in its own config order. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUORUM_WIRE_VERSION 1
#define QUORUM_ID_MAX 64
#define QUORUM_MAC_LEN 32
#define QUORUM_WIRE_FIXED 48
/* the largest datagram: fixed part, three names at their longest, the MAC */
#define QUORUM_WIRE_MAX (QUORUM_WIRE_FIXED + 3 * (1 + QUORUM_ID_MAX) + QUORUM_MAC_LEN)

enum quorum_msg_type {
	QUORUM_MSG_PREVOTE_REQ = 1, /* "would you vote for me in term+1?" changes nobody's term */
	QUORUM_MSG_PREVOTE_RESP,
	QUORUM_MSG_VOTE_REQ,
	QUORUM_MSG_VOTE_RESP,
	QUORUM_MSG_HEARTBEAT,       /* the leader, every heartbeat_interval */
	QUORUM_MSG_HEARTBEAT_ACK,
	QUORUM_MSG_TIMEOUT_NOW,     /* the leader to its successor: campaign at once */
	QUORUM_MSG_TRANSFER_REQ,    /* a member to the leader: hand leadership to .target */
	QUORUM_MSG_TRANSFER_RESP,   /* to that member: refused, and why (ref: its term) */
	QUORUM_MSG_TYPE_END
};
const char *quorum_msg_type_name(enum quorum_msg_type t);

enum {
	QUORUM_F_HEALTHY = 1 << 0,   /* its checks pass: it may lead */
	QUORUM_F_LSN_KNOWN = 1 << 1, /* lsn and timeline mean something */
	QUORUM_F_WITNESS = 1 << 2,   /* votes only */
	QUORUM_F_PAUSED = 1 << 3,    /* the pause register's value */
	QUORUM_F_GRANTED = 1 << 4,   /* responses and acks: yes */
	QUORUM_F_TRANSFER = 1 << 5,  /* VOTE_REQ sent on the leader's TIMEOUT_NOW */
	QUORUM_F_PRIMARY = 1 << 6,   /* fitness: its database is a primary, not in recovery */
	QUORUM_F_ALL = (1 << 7) - 1
};

/* Why a vote (or pre-vote, or heartbeat), or a hand-over asked by another member, was refused;
 * carried for the log and for switchover's answer. */
enum quorum_refusal {
	QUORUM_REFUSE_NONE,
	QUORUM_REFUSE_STALE_TERM,   /* the request's term is behind the voter's */
	QUORUM_REFUSE_VOTED,        /* the voter already voted for another in this term */
	QUORUM_REFUSE_LEADER_ALIVE, /* the voter heard a leader less than election_timeout ago */
	QUORUM_REFUSE_INELIGIBLE,   /* the candidate is unhealthy, paused or a witness */
	QUORUM_REFUSE_BEHIND,       /* the candidate's database is behind the voter's */
	QUORUM_REFUSE_PRIORITY,     /* as far along, lower priority than an eligible voter */
	QUORUM_REFUSE_FITTER,       /* the voter sees another eligible member further along */
	/* hand-overs (TRANSFER_RESP) */
	QUORUM_REFUSE_NOT_LEADER,   /* the member asked is not the leader (of that term) */
	QUORUM_REFUSE_BUSY,         /* a hand-over is already running */
	QUORUM_REFUSE_PAUSED,       /* the cluster is paused: the successor would not campaign */
	QUORUM_REFUSE_NO_MEMBER,    /* the target is not a member */
	QUORUM_REFUSE_IS_LEADER,    /* the target is the leader already */
	QUORUM_REFUSE_UNREACHABLE,  /* the leader has not heard the target for election_timeout */
	QUORUM_REFUSE_WITNESS,      /* the target is a witness */
	QUORUM_REFUSE_UNHEALTHY,    /* the target's checks fail or its database may not be promoted */
	QUORUM_REFUSE_NONE_ELIGIBLE, /* no target named, and no member may take over */
	QUORUM_REFUSE_END
};
const char *quorum_refusal_name(enum quorum_refusal r);

/* What a member tells of itself in every message. */
struct quorum_fitness {
	bool healthy;
	bool witness;
	bool lsn_known;
	bool primary;        /* with lsn_known: the database is a primary (not in recovery) */
	uint8_t priority;
	uint32_t timeline;
	uint64_t lsn;
};

/* The part of a message the core sees (quorum/raft.h); names are the edge's business. */
struct quorum_body {
	enum quorum_msg_type type;
	uint64_t term;
	uint64_t ref;
	struct quorum_fitness fit;
	bool paused;
	uint32_t pause_ver;
	bool granted;
	bool transfer;
	enum quorum_refusal reason;
};

/* A whole datagram's content. */
struct quorum_wire {
	char from[QUORUM_ID_MAX + 1];
	char to[QUORUM_ID_MAX + 1];
	char target[QUORUM_ID_MAX + 1]; /* "" unless TRANSFER_REQ (and "" there: any member) */
	uint64_t seq;
	struct quorum_body b;
};

/* Why a datagram was dropped. The decoder finds the first five; the receiver (which knows the
 * members and the sequence windows) the others. */
enum quorum_drop {
	QUORUM_DROP_NONE,
	QUORUM_DROP_SHORT,      /* truncated: shorter than its own lengths say */
	QUORUM_DROP_MAGIC,      /* not a keepquorum datagram */
	QUORUM_DROP_VERSION,    /* another protocol version */
	QUORUM_DROP_MAC,        /* bad HMAC: wrong key or tampered */
	QUORUM_DROP_MALFORMED,  /* authentic, yet a field is out of range (type, flags, names);
				 * also longer than its own lengths say (found before the MAC) */
	QUORUM_DROP_UNKNOWN,    /* the sender is not a member */
	QUORUM_DROP_NOT_FOR_US, /* addressed to another member */
	QUORUM_DROP_REPLAY,     /* a sequence number seen before, or older than the window */
	QUORUM_DROP_END
};
/* "short", "magic", "version", "mac", "malformed", "unknown_sender", "not_for_us", "replay" */
const char *quorum_drop_name(enum quorum_drop d);

/* Encode m into buf (at least QUORUM_WIRE_MAX bytes) and sign it. Returns the length, or 0 when
 * m holds what quorum_wire_decode() would refuse (a caller's bug, not the network's): from or to
 * empty; a name longer than QUORUM_ID_MAX, or with a byte that is not printable ASCII or is a
 * space, '"', '\'' or '\\' (what conf refuses in node names); a type or reason out of range.
 * Also 0 when len is too small for this message. */
size_t quorum_wire_encode(const struct quorum_wire *m, const uint8_t *key, size_t key_len,
			  uint8_t *buf, size_t len);
/* Check and decode one datagram. The length is checked before every read; the MAC (compared in
 * constant time) before any field but magic and version is believed. (The three name lengths are
 * read before it, only to find where the MAC is: lengths that do not add up to the datagram's size
 * are SHORT or MALFORMED, not MAC.) On a drop *out is unspecified; *version (which may be NULL) is
 * the datagram's version when the drop is QUORUM_DROP_VERSION. */
enum quorum_drop quorum_wire_decode(const uint8_t *buf, size_t len, const uint8_t *key,
				    size_t key_len, struct quorum_wire *out, unsigned *version);

/* Replay protection for one sender: the highest sequence number accepted and a bitmap of the
 * QUORUM_REPLAY_WINDOW numbers below it, so that datagrams reordered by the network still count. */
#define QUORUM_REPLAY_WINDOW 64
struct quorum_replay {
	uint64_t top;    /* 0: nothing accepted yet */
	uint64_t seen;   /* bit i: top - i was accepted */
};
/* true (and recorded) when seq is new; false when seen before or below the window. seq 0 is
 * never valid. */
bool quorum_replay_accept(struct quorum_replay *w, uint64_t seq);
