/* The quorum's core, as voter: whom this node backs in a pre-vote or an election, and when it
 * backs no one. Every refusal here keeps a safety property of DESIGN.md "The quorum": one vote
 * per term (two leaders of a term impossible), the lease promise (no new leader while a lease
 * may run), and no candidate behind on the database (no data loss by choice of candidate). */
#include "quorum/raft-int.h"

#include "common/util.h"

/* Would this voter back candidate `c` (fitness f)? DESIGN.md: eligible, and not behind --
 * database position first, then priority. */
static enum quorum_refusal raft_judge(const struct quorum *q, unsigned c,
				      const struct quorum_body *b, bool transfer, uint64_t now)
{
	const struct quorum_fitness *f = &b->fit;
	int cmp = raft_db_cmp(f, &q->self_fit);

	if (!raft_fit_eligible(f) || b->paused || q->paused)
		return QUORUM_REFUSE_INELIGIBLE;
	if (cmp < 0)
		return QUORUM_REFUSE_BEHIND;
	if (transfer)
		/* the operator (or the leader) chose it; it caught up with the old leader first */
		return QUORUM_REFUSE_NONE;
	if (cmp == 0 && quorum_eligible(q) && q->self_fit.priority > f->priority)
		return QUORUM_REFUSE_PRIORITY;
	for (unsigned i = 0; i < q->p.n_members; i++)
		if (i != q->p.self && i != c && raft_fresh(q, i, now) && q->m[i].fit_known &&
		    raft_fit_eligible(&q->m[i].fit) && raft_db_cmp(&q->m[i].fit, f) > 0)
			return QUORUM_REFUSE_FITTER;
	return QUORUM_REFUSE_NONE;
}

void raft_reply(struct quorum *q, struct quorum_actions *out, const struct quorum_msg *m,
		enum quorum_msg_type type, enum quorum_refusal why)
{
	struct quorum_msg *r = raft_send(q, out, m->from, type);

	r->b.ref = m->b.type == QUORUM_MSG_HEARTBEAT ? m->b.ref : m->b.term;
	r->b.granted = why == QUORUM_REFUSE_NONE;
	r->b.reason = why;
}

/* The lease rule: a member that heard a leader less than election_timeout ago votes for no one
 * else -- the promise the leader's lease stands on. A hand-over is the exception: the leader
 * of our term gave its lease up before it sent TIMEOUT_NOW, and only it can send one. */
static bool raft_leader_alive(const struct quorum *q, const struct quorum_body *b, uint64_t now,
			      bool *transfer)
{
	*transfer = b->transfer && b->term == q->term + 1 && q->leader != QUORUM_NONE;
	return !*transfer && now < q->leader_contact + q->p.election_us;
}

void raft_on_prevote_req(struct quorum *q, const struct quorum_msg *m, uint64_t now,
			 struct quorum_actions *out)
{
	bool transfer;
	enum quorum_refusal why;

	/* b.term is the term the candidate would start; nothing here changes ours */
	if (m->b.term <= q->term)
		why = QUORUM_REFUSE_STALE_TERM;
	else if (raft_leader_alive(q, &m->b, now, &transfer))
		why = QUORUM_REFUSE_LEADER_ALIVE;
	else
		why = raft_judge(q, m->from, &m->b, false, now);
	raft_reply(q, out, m, QUORUM_MSG_PREVOTE_RESP, why);
}

void raft_on_vote_req(struct quorum *q, const struct quorum_msg *m, uint64_t now,
		      struct quorum_actions *out)
{
	bool transfer;
	enum quorum_refusal why;

	if (m->b.term < q->term) {
		why = QUORUM_REFUSE_STALE_TERM;
	} else if (raft_leader_alive(q, &m->b, now, &transfer)) {
		/* not even its term is taken: a returning node must not disrupt a live leader */
		why = QUORUM_REFUSE_LEADER_ALIVE;
	} else {
		if (m->b.term > q->term)
			raft_adopt_term(q, m->b.term, now, out);
		if (q->voted_for != QUORUM_NONE && q->voted_for != (int)m->from)
			why = QUORUM_REFUSE_VOTED;   /* one vote per term, even across restarts */
		else
			why = raft_judge(q, m->from, &m->b, transfer, now);
		if (why == QUORUM_REFUSE_NONE) {
			q->voted_for = (int)m->from;
			raft_persist(q, out);  /* durable before the grant leaves */
			if (q->role == QUORUM_CANDIDATE)
				raft_become_follower(q, "voted for another candidate", now, out);
			else
				raft_arm_election(q, now);
		}
	}
	raft_reply(q, out, m, QUORUM_MSG_VOTE_RESP, why);
}
