/* The quorum's core, as leader: heartbeats, the lease they earn, stepping down when it cannot
 * be renewed, and handing leadership over (switchover, graceful stop, failing checks,
 * preemption). The follower's half is in raft.c. */
#include "quorum/raft-int.h"

#include <string.h>

#include "common/util.h"

/* How long a majority's ack of a heartbeat sent at t keeps the lease: election_timeout
 * shortened by 2 rho for clock rates (a member's promise lasts at least ET / (1 + rho) of real
 * time, our lease at most ET (1 - 2 rho) / (1 - rho), which is less), and by the margin. */
uint64_t raft_lease_span(const struct quorum *q)
{
	uint64_t et = q->p.election_us;
	uint64_t span = et - et * 2 * QUORUM_RHO_PPM / 1000000;

	return span > q->p.margin_us ? span - q->p.margin_us : 0;
}

static void lead_heartbeat(struct quorum *q, uint64_t now, struct quorum_actions *out)
{
	uint64_t id = ++q->hb_next;
	struct quorum_hb *hb = &q->hbs[id % QUORUM_HB_RING];

	hb->id = id;
	hb->sent = now;
	hb->acks = 1u << q->p.self;
	q->leader_contact = now;  /* our own promise, should we step down */
	q->heartbeat_at = now + q->p.heartbeat_us;
	raft_broadcast(q, out, QUORUM_MSG_HEARTBEAT, id, false);
	if (quorum_majority(q) == 1)
		q->lease_until = now + raft_lease_span(q);
}

void raft_become_leader(struct quorum *q, uint64_t now, struct quorum_actions *out)
{
	raft_set_role(q, QUORUM_LEADER, q->transfer_vote ? "elected on a hand-over" :
				        "won the election", out);
	raft_set_leader(q, (int)q->p.self, out);
	q->prevoting = false;
	q->transfer_vote = false;
	q->election_at = 0;
	q->leader_since = now;
	q->lease_until = 0;
	if (q->xfer == QUORUM_XFER_AWAIT)
		/* our successor never took over, we did: the hand-over ended and whoever asked for
		 * it (keepquorumctl switchover) waits for its result */
		raft_transfer_end(q, false, QUORUM_NONE, "the successor did not take over; this node "
				  "was elected again", out);
	q->xfer = QUORUM_XFER_NONE;
	q->xfer_to = QUORUM_NONE;
	q->xfer_pending = false;
	q->floor_known = false;
	q->mark_lsn = q->self_fit.lsn;
	q->mark_tl = q->self_fit.timeline;
	q->mark_at = now;
	memset(q->hbs, 0, sizeof(q->hbs));
	for (unsigned i = 0; i < q->p.n_members; i++)
		q->m[i].fitter_since = 0;
	/* the lease starts with the first heartbeat a majority acknowledges */
	lead_heartbeat(q, now, out);
}

void raft_on_ack(struct quorum *q, const struct quorum_msg *m, uint64_t now,
		 struct quorum_actions *out)
{
	struct quorum_hb *hb = &q->hbs[m->b.ref % QUORUM_HB_RING];
	unsigned n;
	uint64_t until;

	(void)now;
	(void)out;
	if (q->role != QUORUM_LEADER || m->b.term != q->term || !m->b.granted || !m->b.ref ||
	    hb->id != m->b.ref)
		return;
	hb->acks |= 1u << m->from;
	n = (unsigned)__builtin_popcount(hb->acks);
	if (n < quorum_majority(q))
		return;
	/* counted from when the heartbeat was sent, not when the ack came: each member's promise
	 * started after that */
	until = hb->sent + raft_lease_span(q);
	if (until > q->lease_until)
		q->lease_until = until;
}

/* Member i's database is on an older timeline than ours: it has not followed our promotion (it
 * may have diverged), and the hand-over's catch-up could never end. */
static bool lead_older_timeline(const struct quorum *q, unsigned i)
{
	const struct quorum_fitness *f = &q->m[i].fit;

	return f->lsn_known && q->self_fit.lsn_known && f->timeline < q->self_fit.timeline;
}

static bool lead_candidate_ok(const struct quorum *q, unsigned i, uint64_t now)
{
	return i != q->p.self && raft_fresh(q, i, now) && q->m[i].fit_known &&
	       raft_fit_eligible(&q->m[i].fit) && !lead_older_timeline(q, i);
}

/* Our database position an election timeout or more ago (and less than two), in floor_lsn: a
 * standby that replicates from us reaches it well within that; one whose WAL receiver stopped,
 * or that follows someone else, falls behind it and stays there. A new timeline (our
 * promotion) starts over: nobody can have followed it for that long. */
static void lead_track_position(struct quorum *q, uint64_t now)
{
	if (!q->self_fit.lsn_known || q->self_fit.timeline != q->mark_tl) {
		q->floor_known = false;
		q->mark_lsn = q->self_fit.lsn;
		q->mark_tl = q->self_fit.timeline;
		q->mark_at = now;
	} else if (now - q->mark_at >= q->p.election_us) {
		q->floor_known = true;
		q->floor_lsn = q->mark_lsn;
		q->mark_lsn = q->self_fit.lsn;
		q->mark_at = now;
	}
}

/* Member i's database follows ours: on our timeline, at or past where we were an election
 * timeout ago. Unknown until we have led that long; true when neither side has a database
 * position to compare (priorities alone decide, as in keepalived). */
static bool lead_following(const struct quorum *q, unsigned i, bool unknown)
{
	const struct quorum_fitness *f = &q->m[i].fit;

	if (!f->lsn_known || !q->self_fit.lsn_known)
		return !f->lsn_known && !q->self_fit.lsn_known;
	if (f->timeline != q->self_fit.timeline)
		return false;
	return q->floor_known ? f->lsn >= q->floor_lsn : unknown;
}

/* The successor when none is named: the furthest along, then the highest priority. */
static int lead_pick(const struct quorum *q, uint64_t now)
{
	int best = QUORUM_NONE;

	for (unsigned i = 0; i < q->p.n_members; i++) {
		const struct quorum_fitness *f = &q->m[i].fit, *b;
		int c;

		if (!lead_candidate_ok(q, i, now))
			continue;
		if (best == QUORUM_NONE) {
			best = (int)i;
			continue;
		}
		b = &q->m[best].fit;
		c = raft_db_cmp(f, b);
		if (c > 0 || (c == 0 && f->priority > b->priority))
			best = (int)i;
	}
	return best;
}

static enum quorum_refusal lead_why_not(const struct quorum *q, int target, uint64_t now)
{
	if (target < 0 || (unsigned)target >= q->p.n_members)
		return QUORUM_REFUSE_NO_MEMBER;
	if ((unsigned)target == q->p.self)
		return QUORUM_REFUSE_IS_LEADER;
	if (!raft_fresh(q, (unsigned)target, now) || !q->m[target].fit_known)
		return QUORUM_REFUSE_UNREACHABLE;
	if (q->m[target].fit.witness)
		return QUORUM_REFUSE_WITNESS;
	if (!q->m[target].fit.healthy)
		return QUORUM_REFUSE_UNHEALTHY;
	if (lead_older_timeline(q, (unsigned)target) || !lead_following(q, (unsigned)target, true))
		return QUORUM_REFUSE_BEHIND;
	return QUORUM_REFUSE_NONE;
}

const char *raft_transfer_refusal_text(enum quorum_refusal why)
{
	switch (why) {
	case QUORUM_REFUSE_NOT_LEADER: return "the member asked is not the leader";
	case QUORUM_REFUSE_BUSY: return "a hand-over is already running";
	case QUORUM_REFUSE_PAUSED: return "the cluster is paused: resume it first";
	case QUORUM_REFUSE_NO_MEMBER: return "no such member";
	case QUORUM_REFUSE_IS_LEADER: return "that member is already the leader";
	case QUORUM_REFUSE_UNREACHABLE: return "that member is unreachable from the leader";
	case QUORUM_REFUSE_WITNESS: return "that member is a witness";
	case QUORUM_REFUSE_UNHEALTHY:
		return "that member is not healthy (its checks fail, or its database may not be "
		       "promoted)";
	case QUORUM_REFUSE_BEHIND:
		return "that member's database does not follow the leader's (an older timeline, or "
		       "not where the leader was an election timeout ago): it could not catch up";
	case QUORUM_REFUSE_NONE_ELIGIBLE:
		return "no other member is eligible (healthy, reachable, not a witness)";
	default: return quorum_refusal_name(why);
	}
}

enum quorum_refusal raft_start_transfer(struct quorum *q, int target, uint64_t now,
					struct quorum_actions *out)
{
	enum quorum_refusal why;

	if (q->role != QUORUM_LEADER)
		return QUORUM_REFUSE_NOT_LEADER;
	if (q->xfer != QUORUM_XFER_NONE)
		return QUORUM_REFUSE_BUSY;
	/* a paused successor would not campaign: the cluster would be left without a leader */
	if (q->paused && !q->stopping)
		return QUORUM_REFUSE_PAUSED;
	if (target == QUORUM_NONE) {
		target = lead_pick(q, now);
		if (target == QUORUM_NONE) {
			if (!q->stopping)
				return QUORUM_REFUSE_NONE_ELIGIBLE;
			raft_become_follower(q, "stopping, with no member to hand over to", now, out);
			return QUORUM_REFUSE_NONE;
		}
	} else if ((why = lead_why_not(q, target, now)) != QUORUM_REFUSE_NONE) {
		return why;
	}
	/* the gate shuts at once; the caller takes the VIPs down, demotes, then says RELEASED, and
	 * only then does the successor hear from us: our lease is given up before its election */
	q->xfer = QUORUM_XFER_RELEASING;
	q->xfer_to = target;
	raft_act(out, QUORUM_ACT_RELEASE)->leader = target;
	return QUORUM_REFUSE_NONE;
}

void raft_on_released(struct quorum *q, uint64_t now, struct quorum_actions *out)
{
	unsigned to = (unsigned)q->xfer_to;

	if (q->role != QUORUM_LEADER || q->xfer != QUORUM_XFER_RELEASING)
		return;
	/* our database is demoted now, whatever its last check said: were it still to count as
	 * the primary, the successor -- a standby -- could never catch up with it */
	q->self_fit.primary = false;
	q->m[q->p.self].fit.primary = false;
	/* our final position travels with it: the successor campaigns once it has caught up */
	raft_send(q, out, to, QUORUM_MSG_TIMEOUT_NOW);
	q->xfer = QUORUM_XFER_AWAIT;
	q->xfer_deadline = now + 2 * q->p.election_us;
	q->leader_contact = now;
	/* we stay the known leader of this term: that is what lets the members (and us) vote for
	 * the successor before our promise runs out */
	raft_become_follower(q, "handing leadership over", now, out);
	q->preempt_hold = now + 5 * q->p.election_us;
}

/* A member of higher priority, healthy and reachable for preempt_delay, takes over (keepalived's
 * preemption, applied to the quorum). It must follow our timeline (lead_candidate_ok): a standby
 * always lags the primary a little, which the hand-over's catch-up closes, but one still on an
 * older timeline cannot catch up -- handing over to it would only demote us, fail, and start
 * again after preempt_hold, over and over. */
static void lead_preempt(struct quorum *q, uint64_t now, struct quorum_actions *out)
{
	int best = QUORUM_NONE;

	for (unsigned i = 0; i < q->p.n_members; i++) {
		struct quorum_member *m = &q->m[i];

		/* and it must be following us: the hand-over demotes us before the successor
		 * catches up, and one that cannot would leave no primary at all */
		if (!lead_candidate_ok(q, i, now) || m->fit.priority <= q->self_fit.priority ||
		    !lead_following(q, i, false)) {
			m->fitter_since = 0;
			continue;
		}
		if (!m->fitter_since)
			m->fitter_since = now;
		if (now - m->fitter_since >= q->p.preempt_delay_us &&
		    (best == QUORUM_NONE || m->fit.priority > q->m[best].fit.priority))
			best = (int)i;
	}
	if (best != QUORUM_NONE)
		(void)raft_start_transfer(q, best, now, out);
}

void raft_leader_timer(struct quorum *q, uint64_t now, struct quorum_actions *out)
{
	uint64_t end = q->lease_until ? q->lease_until : q->leader_since + q->p.election_us;
	int to;

	if (now >= end) {
		/* no majority acknowledged a heartbeat for a whole lease: someone else may be
		 * elected from now on, so we are leader no more */
		raft_set_leader(q, QUORUM_NONE, out);
		raft_become_follower(q, "lease lost: no majority acknowledged the heartbeats", now,
				     out);
		return;
	}
	if (now < q->heartbeat_at)
		return;
	lead_heartbeat(q, now, out);
	lead_track_position(q, now);
	if (q->xfer != QUORUM_XFER_NONE || q->stopping)
		return;
	if (q->paused) {
		/* paused: no automatic hand-over either */
	} else if (!q->self_fit.healthy) {
		/* our own checks fail: the best healthy member takes over, if there is one */
		to = lead_pick(q, now);
		if (to != QUORUM_NONE)
			(void)raft_start_transfer(q, to, now, out);
	} else if (q->p.preempt && now >= q->preempt_hold) {
		lead_preempt(q, now, out);
	}
}
