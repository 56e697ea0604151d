/* Shared by quorum/raft.c (terms, followers and candidates), quorum/raft-vote.c (the voter) and
 * quorum/raft-lead.c (the leader: heartbeats, the lease, hand-over). Not for other modules. */
#pragma once

#include "quorum/raft.h"

struct quorum_action *raft_act(struct quorum_actions *out, enum quorum_action_kind kind);
/* A message from this node to member `to`, carrying our term, fitness and pause register. */
struct quorum_msg *raft_send(struct quorum *q, struct quorum_actions *out, unsigned to,
			     enum quorum_msg_type type);
/* The same to every other member; ref and flags as given. */
void raft_broadcast(struct quorum *q, struct quorum_actions *out, enum quorum_msg_type type,
		    uint64_t ref, bool transfer);
void raft_persist(struct quorum *q, struct quorum_actions *out);
void raft_set_role(struct quorum *q, enum quorum_role to, const char *reason,
		   struct quorum_actions *out);
void raft_set_leader(struct quorum *q, int leader, struct quorum_actions *out);
/* Follower (or witness) of the current term; the election timer restarts from now. */
void raft_become_follower(struct quorum *q, const char *reason, uint64_t now,
			  struct quorum_actions *out);
void raft_arm_election(struct quorum *q, uint64_t from);
/* -1, 0, 1: is a's database behind, level with, or ahead of b's (timeline, then a primary ahead
 * of a standby, then LSN; a known position is ahead of an unknown one). */
int raft_db_cmp(const struct quorum_fitness *a, const struct quorum_fitness *b);
/* A member we heard from within election_timeout. */
bool raft_fresh(const struct quorum *q, unsigned i, uint64_t now);
bool raft_fit_eligible(const struct quorum_fitness *f);
void raft_transfer_end(struct quorum *q, bool ok, int leader, const char *reason,
		       struct quorum_actions *out);
/* A higher term seen: Raft's rule, every role follows it (and the vote is cleared, durably). */
void raft_adopt_term(struct quorum *q, uint64_t term, uint64_t now, struct quorum_actions *out);
/* The answer to m -- a vote, a pre-vote, a heartbeat ack, a hand-over refused -- granted unless
 * `why` says otherwise; its ref is the heartbeat answered, or the term asked in. */
void raft_reply(struct quorum *q, struct quorum_actions *out, const struct quorum_msg *m,
		enum quorum_msg_type type, enum quorum_refusal why);

/* raft-vote.c */
void raft_on_prevote_req(struct quorum *q, const struct quorum_msg *m, uint64_t now,
			 struct quorum_actions *out);
void raft_on_vote_req(struct quorum *q, const struct quorum_msg *m, uint64_t now,
		      struct quorum_actions *out);

/* raft-lead.c */
void raft_become_leader(struct quorum *q, uint64_t now, struct quorum_actions *out);
void raft_leader_timer(struct quorum *q, uint64_t now, struct quorum_actions *out);
void raft_on_ack(struct quorum *q, const struct quorum_msg *m, uint64_t now,
		 struct quorum_actions *out);
/* Hand leadership over: to `target`, or to the best member (QUORUM_NONE). Returns
 * QUORUM_REFUSE_NONE when the hand-over began (or a stopping leader with nobody to hand to
 * stepped down), else why not -- and nothing changed. */
enum quorum_refusal raft_start_transfer(struct quorum *q, int target, uint64_t now,
					struct quorum_actions *out);
/* A refused hand-over's reason, as a sentence for the operator. */
const char *raft_transfer_refusal_text(enum quorum_refusal why);
void raft_on_released(struct quorum *q, uint64_t now, struct quorum_actions *out);
uint64_t raft_lease_span(const struct quorum *q);
