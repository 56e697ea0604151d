/* The quorum's core, as follower and candidate: terms, pre-vote, elections, the election timer,
 * and the step function that dispatches. The voter's half is in raft-vote.c, the leader's in
 * raft-lead.c. */
#include "quorum/raft-int.h"

#include <string.h>

#include "common/util.h"

static const char *const raft_role_names[QUORUM_ROLE_END] = {
	[QUORUM_FOLLOWER] = "follower", [QUORUM_CANDIDATE] = "candidate",
	[QUORUM_LEADER] = "leader", [QUORUM_WITNESS] = "witness",
};

const char *quorum_role_name(enum quorum_role r)
{
	return r < QUORUM_ROLE_END ? raft_role_names[r] : "?";
}

struct quorum_action *raft_act(struct quorum_actions *out, enum quorum_action_kind kind)
{
	if (out->n >= QUORUM_MAX_ACTIONS)
		util_die("quorum: more than %d actions in one step", QUORUM_MAX_ACTIONS);
	memset(&out->v[out->n], 0, sizeof(out->v[0]));
	out->v[out->n].kind = kind;
	out->v[out->n].leader = QUORUM_NONE;
	return &out->v[out->n++];
}

struct quorum_msg *raft_send(struct quorum *q, struct quorum_actions *out, unsigned to,
			     enum quorum_msg_type type)
{
	struct quorum_action *a = raft_act(out, QUORUM_ACT_SEND);
	struct quorum_msg *m = &a->msg;

	m->from = q->p.self;
	m->to = to;
	m->target = QUORUM_NONE;
	m->b.type = type;
	m->b.term = q->term;
	m->b.fit = q->self_fit;
	m->b.fit.witness = q->p.witness;
	m->b.paused = q->paused;
	m->b.pause_ver = q->pause_ver;
	return m;
}

void raft_broadcast(struct quorum *q, struct quorum_actions *out, enum quorum_msg_type type,
		    uint64_t ref, bool transfer)
{
	for (unsigned i = 0; i < q->p.n_members; i++) {
		struct quorum_msg *m;

		if (i == q->p.self)
			continue;
		m = raft_send(q, out, i, type);
		m->b.ref = ref;
		m->b.transfer = transfer;
		if (type == QUORUM_MSG_VOTE_REQ || type == QUORUM_MSG_PREVOTE_REQ)
			m->b.term = ref;
	}
}

/* One PERSIST per step is enough when nothing was sent in between: the last one wins. */
void raft_persist(struct quorum *q, struct quorum_actions *out)
{
	struct quorum_action *a;

	if (out->n && out->v[out->n - 1].kind == QUORUM_ACT_PERSIST)
		a = &out->v[out->n - 1];
	else
		a = raft_act(out, QUORUM_ACT_PERSIST);
	a->persist.term = q->term;
	a->persist.voted_for = q->voted_for;
}

void raft_set_role(struct quorum *q, enum quorum_role to, const char *reason,
		   struct quorum_actions *out)
{
	struct quorum_action *a;

	if (q->role == to)
		return;
	a = raft_act(out, QUORUM_ACT_ROLE);
	a->from = q->role;
	a->to = to;
	a->reason = reason;
	q->role = to;
}

void raft_set_leader(struct quorum *q, int leader, struct quorum_actions *out)
{
	if (q->leader == leader)
		return;
	q->leader = leader;
	raft_act(out, QUORUM_ACT_LEADER)->leader = leader;
}

int raft_db_cmp(const struct quorum_fitness *a, const struct quorum_fitness *b)
{
	if (a->lsn_known != b->lsn_known)
		return a->lsn_known ? 1 : -1;
	if (!a->lsn_known)
		return 0;
	if (a->timeline != b->timeline)
		return a->timeline > b->timeline ? 1 : -1;
	/* a primary is ahead of every standby of its timeline: they replicate from it, and a
	 * standby's LSN that looks level or ahead is only an older sample of the primary's. Left
	 * out, an idle primary's standby ties with it and may be elected -- and promoted beside
	 * it -- when a cluster starts. */
	if (a->primary != b->primary)
		return a->primary ? 1 : -1;
	return a->lsn > b->lsn ? 1 : a->lsn < b->lsn ? -1 : 0;
}

bool raft_fresh(const struct quorum *q, unsigned i, uint64_t now)
{
	if (i == q->p.self)
		return true;
	return q->m[i].last_seen && now - q->m[i].last_seen < q->p.election_us;
}

bool raft_fit_eligible(const struct quorum_fitness *f)
{
	return f->healthy && !f->witness;
}

bool quorum_eligible(const struct quorum *q)
{
	return !q->p.witness && q->self_fit.healthy && !q->paused && !q->stopping;
}

unsigned quorum_majority(const struct quorum *q)
{
	return q->p.n_members / 2 + 1;
}

/* Fitness order for the election timers: database position, then priority. */
static int raft_fitness_cmp(const struct quorum_fitness *a, const struct quorum_fitness *b)
{
	int c = raft_db_cmp(a, b);

	if (c)
		return c;
	return a->priority > b->priority ? 1 : a->priority < b->priority ? -1 : 0;
}

static uint64_t raft_random(struct quorum *q, uint64_t below)
{
	/* xorshift64: deterministic from the seed, so that a simulation replays exactly */
	q->rng ^= q->rng << 13;
	q->rng ^= q->rng >> 7;
	q->rng ^= q->rng << 17;
	return below ? q->rng % below : 0;
}

/* Fitness-ranked election timeouts (DESIGN.md): the fittest eligible member campaigns first, the
 * others one rank step later each, so elections rarely split and the best candidate wins; equals
 * go in the cluster's order of names (p.order), as a jitter of HB/2 alone leaves equals within
 * a few ms of each other, and both win their pre-votes and split the vote. The leader does not
 * count: the timer is for when it is gone. Never less than election_timeout: a member may not
 * vote, itself included, before its promise to the last leader ran out. */
void raft_arm_election(struct quorum *q, uint64_t from)
{
	uint64_t step = q->p.election_us / 8 > q->p.heartbeat_us ? q->p.election_us / 8
								  : q->p.heartbeat_us;
	unsigned rank = 0;

	if (q->p.witness) {
		q->election_at = 0;
		return;
	}
	for (unsigned i = 0; i < q->p.n_members; i++) {
		int c;

		if (i == q->p.self || (int)i == q->leader || !q->m[i].fit_known ||
		    !raft_fit_eligible(&q->m[i].fit))
			continue;
		c = raft_fitness_cmp(&q->m[i].fit, &q->self_fit);
		if (c > 0 || (c == 0 && q->p.order[i] < q->p.order[q->p.self]))
			rank++;
	}
	q->election_at = from + q->p.election_us + rank * step +
			 raft_random(q, q->p.heartbeat_us / 2 + 1);
}

void raft_become_follower(struct quorum *q, const char *reason, uint64_t now,
			  struct quorum_actions *out)
{
	if (q->role == QUORUM_LEADER) {
		/* our own promise: we heard "a leader" (ourselves) at our last heartbeat */
		q->lease_until = 0;
		if (q->xfer == QUORUM_XFER_RELEASING)
			raft_transfer_end(q, false, QUORUM_NONE, "leadership lost during the hand-over",
					  out);
	}
	raft_set_role(q, q->p.witness ? QUORUM_WITNESS : QUORUM_FOLLOWER, reason, out);
	q->prevoting = false;
	q->transfer_vote = false;
	raft_arm_election(q, now > q->leader_contact ? now : q->leader_contact);
}

void raft_transfer_end(struct quorum *q, bool ok, int leader, const char *reason,
		       struct quorum_actions *out)
{
	struct quorum_action *a = raft_act(out, QUORUM_ACT_TRANSFER);

	a->ok = ok;
	a->leader = leader;
	a->reason = reason;
	q->xfer = QUORUM_XFER_NONE;
	q->xfer_to = QUORUM_NONE;
	q->xfer_asked = false;
}

void raft_adopt_term(struct quorum *q, uint64_t term, uint64_t now, struct quorum_actions *out)
{
	q->term = term;
	q->voted_for = QUORUM_NONE;
	raft_persist(q, out);
	/* a TIMEOUT_NOW speaks for its own term only: the leader that gave its lease up led that
	 * term. Voters of a later term would take our transfer flag as that leader's word and skip
	 * the lease rule while a leader of their own term holds a lease. (raft_start_election, the
	 * other way our term moves on, drops it too.) */
	q->xfer_pending = false;
	if (q->xfer == QUORUM_XFER_AWAIT)
		/* the successor's term, or a later one: either way someone campaigned */
		q->xfer_deadline = now + q->p.election_us;
	raft_set_leader(q, QUORUM_NONE, out);
	if (q->role == QUORUM_LEADER || q->role == QUORUM_CANDIDATE)
		raft_become_follower(q, "a higher term", now, out);
}

/* A member we can hear is eligible and further along: it should lead, not us (no data loss by
 * choice of candidate). */
static bool raft_member_ahead(const struct quorum *q, uint64_t now)
{
	for (unsigned i = 0; i < q->p.n_members; i++)
		if (i != q->p.self && raft_fresh(q, i, now) && q->m[i].fit_known &&
		    raft_fit_eligible(&q->m[i].fit) && raft_db_cmp(&q->m[i].fit, &q->self_fit) > 0)
			return true;
	return false;
}

/* May this node start a (pre-)election now? */
static bool raft_may_campaign(const struct quorum *q, uint64_t now)
{
	if (!quorum_eligible(q))
		return false;
	/* our own promise to the last leader (or our start) */
	if (now < q->leader_contact + q->p.election_us)
		return false;
	return !raft_member_ahead(q, now);
}

static void raft_clear_grants(struct quorum *q)
{
	for (unsigned i = 0; i < q->p.n_members; i++)
		q->m[i].granted = i == q->p.self;
}

static void raft_start_prevote(struct quorum *q, uint64_t now, struct quorum_actions *out)
{
	raft_set_role(q, QUORUM_CANDIDATE, "no leader for election_timeout", out);
	q->prevoting = true;
	q->transfer_vote = false;
	raft_clear_grants(q);
	q->election_at = now + q->p.election_us + raft_random(q, q->p.heartbeat_us / 2 + 1);
	raft_broadcast(q, out, QUORUM_MSG_PREVOTE_REQ, q->term + 1, false);
}

/* The real election: a new term, our own vote durable before the requests leave. */
static void raft_start_election(struct quorum *q, bool transfer, uint64_t now,
				struct quorum_actions *out)
{
	q->term++;
	q->voted_for = (int)q->p.self;
	raft_persist(q, out);
	q->xfer_pending = false;  /* its term is over (raft_adopt_term) */
	raft_set_leader(q, QUORUM_NONE, out);
	raft_set_role(q, QUORUM_CANDIDATE, transfer ? "leadership handed to us" : "pre-vote won",
		      out);
	q->prevoting = false;
	q->transfer_vote = transfer;
	q->elections++;
	raft_clear_grants(q);
	/* Should this round fail, it is mostly a vote split between candidates of equal fitness
	 * (their ranks tie; pre-votes do not conflict, so all of them got here), and they began
	 * together: a retry jitter of HB/2 keeps them in step wherever the network takes longer
	 * than that, round after round. Spread over half an election timeout, as in Raft, the
	 * first to try again wins. */
	q->election_at = now + q->p.election_us + raft_random(q, q->p.election_us / 2 + 1);
	raft_broadcast(q, out, QUORUM_MSG_VOTE_REQ, q->term, transfer);
	if (quorum_majority(q) == 1)
		raft_become_leader(q, now, out);
}

static unsigned raft_count_grants(const struct quorum *q)
{
	unsigned n = 0;

	for (unsigned i = 0; i < q->p.n_members; i++)
		n += q->m[i].granted;
	return n;
}

static void raft_on_vote_resp(struct quorum *q, const struct quorum_msg *m, uint64_t now,
			      struct quorum_actions *out)
{
	bool pre = m->b.type == QUORUM_MSG_PREVOTE_RESP;

	if (q->role != QUORUM_CANDIDATE || q->prevoting != pre || !m->b.granted)
		return;
	if (m->b.ref != (pre ? q->term + 1 : q->term))
		return;  /* an answer to an earlier round */
	q->m[m->from].granted = true;
	if (raft_count_grants(q) < quorum_majority(q))
		return;
	/* the round's answers carry the voters' positions, refusals too: one that is further
	 * along than we are (it refused us, say, while its last leader's promise ran) rules us out
	 * as raft_may_campaign would have, had we known it when the round began */
	if (raft_member_ahead(q, now)) {
		raft_become_follower(q, "a member is further along", now, out);
		return;
	}
	if (pre)
		raft_start_election(q, false, now, out);
	else
		raft_become_leader(q, now, out);
}

static void raft_on_heartbeat(struct quorum *q, const struct quorum_msg *m, uint64_t now,
			      struct quorum_actions *out)
{
	if (m->b.term < q->term) {
		/* a deposed leader: the answer's term tells it so */
		raft_reply(q, out, m, QUORUM_MSG_HEARTBEAT_ACK, QUORUM_REFUSE_STALE_TERM);
		return;
	}
	if (q->role == QUORUM_LEADER)
		/* one vote per term makes two leaders of one term impossible */
		util_die("quorum: two leaders in term %llu (members %u and %u)",
			 (unsigned long long)q->term, q->p.self, m->from);
	q->leader_contact = now;
	raft_set_leader(q, (int)m->from, out);
	if (q->role == QUORUM_CANDIDATE)
		raft_become_follower(q, "a leader was elected", now, out);
	else
		raft_arm_election(q, now);
	if (q->xfer == QUORUM_XFER_AWAIT && q->leader != (int)q->p.self)
		raft_transfer_end(q, true, q->leader, NULL, out);
	raft_reply(q, out, m, QUORUM_MSG_HEARTBEAT_ACK, QUORUM_REFUSE_NONE);
}

/* The successor campaigns once its database has caught up with the old leader's final
 * position, so that the hand-over loses nothing. */
static void raft_try_transfer_campaign(struct quorum *q, uint64_t now,
				       struct quorum_actions *out)
{
	if (!q->xfer_pending)
		return;
	if (!quorum_eligible(q) || now >= q->xfer_deadline) {
		q->xfer_pending = false;
		return;
	}
	if (raft_db_cmp(&q->self_fit, &q->xfer_fit) < 0)
		return;
	q->xfer_pending = false;
	raft_start_election(q, true, now, out);
}

static void raft_on_timeout_now(struct quorum *q, const struct quorum_msg *m, uint64_t now,
				struct quorum_actions *out)
{
	if (m->b.term != q->term || q->leader != (int)m->from || q->role == QUORUM_LEADER)
		return;
	if (!quorum_eligible(q))
		return;  /* the old leader's wait runs out and it reports the failure */
	q->xfer_pending = true;
	q->xfer_fit = m->b.fit;
	q->xfer_deadline = now + q->p.election_us;
	raft_try_transfer_campaign(q, now, out);
}

/* A member asks us to hand over (its operator typed switchover there): it hears back only when
 * we refuse; otherwise it sees the new leader. */
static void raft_on_transfer_req(struct quorum *q, const struct quorum_msg *m, uint64_t now,
				 struct quorum_actions *out)
{
	enum quorum_refusal why = QUORUM_REFUSE_NOT_LEADER;

	if (q->role == QUORUM_LEADER && m->b.term == q->term)
		why = raft_start_transfer(q, m->target, now, out);
	if (why != QUORUM_REFUSE_NONE)
		raft_reply(q, out, m, QUORUM_MSG_TRANSFER_RESP, why);
}

static void raft_on_transfer_resp(struct quorum *q, const struct quorum_msg *m,
				  struct quorum_actions *out)
{
	if (!q->xfer_asked || m->b.granted || m->b.ref != q->term)
		return;
	raft_transfer_end(q, false, QUORUM_NONE, raft_transfer_refusal_text(m->b.reason), out);
}

/* The cluster's pause register: last writer wins by version, "paused" on a tie (the safe side). */
static void raft_merge_pause(struct quorum *q, const struct quorum_body *b,
			     struct quorum_actions *out)
{
	if (b->pause_ver < q->pause_ver || (b->pause_ver == q->pause_ver && !b->paused))
		return;
	q->pause_ver = b->pause_ver;
	if (q->paused == b->paused)
		return;
	q->paused = b->paused;
	raft_act(out, QUORUM_ACT_PAUSE)->paused = q->paused;
}

static void raft_on_message(struct quorum *q, const struct quorum_msg *m, uint64_t now,
			    struct quorum_actions *out)
{
	enum quorum_msg_type t = m->b.type;

	if (m->from >= q->p.n_members || m->from == q->p.self || m->to != q->p.self)
		return;
	q->m[m->from].fit = m->b.fit;
	q->m[m->from].fit_known = true;
	q->m[m->from].last_seen = now ? now : 1;
	raft_merge_pause(q, &m->b, out);
	/* Raft: any higher term makes us follow it -- but a (pre-)vote request only once it passes
	 * the lease rule, and a pre-vote's term is only a proposal */
	if (m->b.term > q->term && t != QUORUM_MSG_PREVOTE_REQ && t != QUORUM_MSG_VOTE_REQ)
		raft_adopt_term(q, m->b.term, now, out);
	switch (t) {
	case QUORUM_MSG_PREVOTE_REQ: raft_on_prevote_req(q, m, now, out); break;
	case QUORUM_MSG_VOTE_REQ: raft_on_vote_req(q, m, now, out); break;
	case QUORUM_MSG_PREVOTE_RESP:
	case QUORUM_MSG_VOTE_RESP: raft_on_vote_resp(q, m, now, out); break;
	case QUORUM_MSG_HEARTBEAT: raft_on_heartbeat(q, m, now, out); break;
	case QUORUM_MSG_HEARTBEAT_ACK: raft_on_ack(q, m, now, out); break;
	case QUORUM_MSG_TIMEOUT_NOW: raft_on_timeout_now(q, m, now, out); break;
	case QUORUM_MSG_TRANSFER_REQ: raft_on_transfer_req(q, m, now, out); break;
	case QUORUM_MSG_TRANSFER_RESP: raft_on_transfer_resp(q, m, out); break;
	default: break;
	}
}

static void raft_timer(struct quorum *q, uint64_t now, struct quorum_actions *out)
{
	if (q->role == QUORUM_LEADER) {
		raft_leader_timer(q, now, out);
		return;
	}
	if (q->xfer == QUORUM_XFER_AWAIT && now >= q->xfer_deadline)
		raft_transfer_end(q, false, QUORUM_NONE, "the successor did not take over in time",
				  out);
	raft_try_transfer_campaign(q, now, out);
	if (!q->election_at || now < q->election_at)
		return;
	if (q->role == QUORUM_CANDIDATE && !raft_may_campaign(q, now)) {
		raft_become_follower(q, "may not campaign now", now, out);
	} else if (raft_may_campaign(q, now)) {
		raft_start_prevote(q, now, out);
	} else {
		raft_arm_election(q, now > q->leader_contact + q->p.election_us ?
					     now - q->p.election_us : q->leader_contact);
		/* not while a member further along may still campaign: look again a heartbeat on,
		 * not at every jitter's whim */
		if (q->election_at < now + q->p.heartbeat_us)
			q->election_at = now + q->p.heartbeat_us;
	}
}

static void raft_on_fitness(struct quorum *q, const struct quorum_fitness *f, uint64_t now,
			    struct quorum_actions *out)
{
	q->self_fit = *f;
	q->self_fit.witness = q->p.witness;
	q->m[q->p.self].fit = q->self_fit;
	/* a leader whose checks now fail hands over at its next heartbeat (raft-lead.c) */
	if (q->role == QUORUM_CANDIDATE && !quorum_eligible(q))
		raft_become_follower(q, "no longer eligible", now, out);
	raft_try_transfer_campaign(q, now, out);
}

static void raft_on_pause(struct quorum *q, bool paused, struct quorum_actions *out)
{
	if (q->paused == paused)
		return;
	q->pause_ver++;
	q->paused = paused;
	raft_act(out, QUORUM_ACT_PAUSE)->paused = paused;
}

static void raft_on_transfer(struct quorum *q, int target, uint64_t now,
			     struct quorum_actions *out)
{
	enum quorum_refusal why;
	struct quorum_msg *m;

	if (q->role == QUORUM_LEADER) {
		why = raft_start_transfer(q, target, now, out);
		if (why != QUORUM_REFUSE_NONE)
			raft_transfer_end(q, false, QUORUM_NONE, raft_transfer_refusal_text(why), out);
		return;
	}
	if (q->leader == QUORUM_NONE || q->leader == (int)q->p.self ||
	    now >= q->leader_contact + q->p.election_us) {
		raft_transfer_end(q, false, QUORUM_NONE, "there is no leader to hand over from", out);
		return;
	}
	/* ask the leader; the caller watches the leader change, or hears its refusal */
	m = raft_send(q, out, (unsigned)q->leader, QUORUM_MSG_TRANSFER_REQ);
	m->target = target;
	q->xfer_asked = true;
}

void quorum_init(struct quorum *q, const struct quorum_params *p, const struct quorum_persist *ps,
		 const struct quorum_fitness *fit)
{
	if (!p->n_members || p->n_members > QUORUM_MAX_MEMBERS || p->self >= p->n_members ||
	    !p->election_us || !p->heartbeat_us)
		util_die("quorum: bad parameters (%u members, self %u)", p->n_members, p->self);
	memset(q, 0, sizeof(*q));
	q->p = *p;
	q->role = p->witness ? QUORUM_WITNESS : QUORUM_FOLLOWER;
	q->term = ps->term;
	q->voted_for = ps->voted_for;
	q->leader = QUORUM_NONE;
	q->xfer_to = QUORUM_NONE;
	q->self_fit = *fit;
	q->self_fit.witness = p->witness;
	q->m[p->self].fit = q->self_fit;
	q->m[p->self].fit_known = true;
	q->rng = p->seed ? p->seed : 0x9e3779b97f4a7c15ULL;
}

void quorum_step(struct quorum *q, const struct quorum_event *ev, uint64_t now,
		 struct quorum_actions *out)
{
	out->n = 0;
	switch (ev->kind) {
	case QUORUM_EV_START:
		/* DESIGN.md: a restart counts as contact with a leader, so a node that crashed right
		 * after acking a heartbeat still keeps its promise */
		q->leader_contact = now;
		raft_arm_election(q, now);
		break;
	case QUORUM_EV_TIMER: raft_timer(q, now, out); break;
	case QUORUM_EV_MESSAGE: raft_on_message(q, &ev->msg, now, out); break;
	case QUORUM_EV_FITNESS: raft_on_fitness(q, &ev->fit, now, out); break;
	case QUORUM_EV_PAUSE: raft_on_pause(q, ev->paused, out); break;
	case QUORUM_EV_TRANSFER: raft_on_transfer(q, ev->target, now, out); break;
	case QUORUM_EV_STOP:
		q->stopping = true;
		q->election_at = 0;
		if (q->role == QUORUM_LEADER && q->xfer == QUORUM_XFER_NONE)
			(void)raft_start_transfer(q, QUORUM_NONE, now, out);
		else if (q->role == QUORUM_CANDIDATE)
			raft_become_follower(q, "stopping", now, out);
		break;
	case QUORUM_EV_RELEASED: raft_on_released(q, now, out); break;
	default: util_die("quorum: event %d out of range", ev->kind);
	}
	if (q->stopping)
		q->election_at = 0;
	q->gate_open = quorum_may_hold(q, now);
}

uint64_t quorum_deadline(const struct quorum *q)
{
	uint64_t d[5] = {0}, min = 0;

	if (q->role == QUORUM_LEADER) {
		d[0] = q->heartbeat_at;
		d[1] = q->lease_until ? q->lease_until : q->leader_since + q->p.election_us;
		if (q->gate_open)
			d[2] = q->lease_until - q->p.guard_us;
	} else {
		d[0] = q->election_at;
	}
	if (q->xfer == QUORUM_XFER_AWAIT || q->xfer_pending)
		d[3] = q->xfer_deadline;
	for (size_t i = 0; i < ARRAY_SIZE(d); i++)
		if (d[i] && (!min || d[i] < min))
			min = d[i];
	return min;
}

bool quorum_may_hold(const struct quorum *q, uint64_t now)
{
	return q->role == QUORUM_LEADER && q->xfer == QUORUM_XFER_NONE && !q->stopping &&
	       q->lease_until > q->p.guard_us && now < q->lease_until - q->p.guard_us;
}

uint64_t quorum_lease_end(const struct quorum *q, uint64_t now)
{
	return quorum_may_hold(q, now) ? q->lease_until : 0;
}

bool quorum_has_quorum(const struct quorum *q, uint64_t now)
{
	if (q->role == QUORUM_LEADER)
		return q->lease_until && now < q->lease_until;
	return q->leader != QUORUM_NONE && q->leader != (int)q->p.self &&
	       now < q->leader_contact + q->p.election_us;
}
