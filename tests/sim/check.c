/* The invariants, checked after every step (DESIGN.md "The quorum"):
 *   1. lease exclusivity in real time: no two nodes ever believe, at one real instant, that
 *      they hold a valid lease (leader, own clock short of lease_until); and the gate opens
 *      only under such a lease;
 *   2. one vote per node and term, across crashes (from the PERSISTs and from the grants
 *      sent), a grant only once its vote is durable; one leader per term;
 *   3. a node that becomes leader sees no eligible member further along (timeline, LSN);
 *   4. liveness: in a calm phase a leader holds a lease within bound_elect, and from
 *      bound_stable on the same one holds it to the end of the phase (main.c derives both);
 *      hand-overs begun in a calm phase (preemption) do not fail over and over.
 * The lease check needs no sampling: a node starts believing only in a step, so comparing
 * every node that holds after a step with every other node's belief at that real instant
 * finds any overlap. */
#include "tests/sim/sim.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* by-term tables grow on demand; 0 means nothing recorded */
static int *check_slot(int **v, size_t *cap, uint64_t term)
{
	size_t old = *cap;

	if (term >= *cap) {
		*cap = 2 * term + 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
		memset(*v + old, 0, (*cap - old) * sizeof(**v));
	}
	return &(*v)[term];
}

static void check_vote(struct sim *s, unsigned i, uint64_t term, int v, const char *how)
{
	int *slot = check_slot(&s->votes[i], &s->votes_cap[i], term);

	if (v == QUORUM_NONE)
		return;
	if (*slot && *slot != v + 2)
		sim_fail(s, "two votes by one node in one term", "n%u voted for n%d in term %llu "
			 "and now %s n%d", i, *slot - 2, (unsigned long long)term, how, v);
	*slot = v + 2;
}

void check_persist(struct sim *s, unsigned i, const struct quorum_persist *ps)
{
	if (ps->term < s->node[i].ps.term)
		sim_fail(s, "persisted term went back", "n%u persisted term %llu after %llu", i,
			 (unsigned long long)ps->term, (unsigned long long)s->node[i].ps.term);
	check_vote(s, i, ps->term, ps->voted_for, "persisted a vote for");
}

/* A grant (or our own candidacy's request) leaves only once the vote is durable. */
void check_send(struct sim *s, const struct quorum_msg *m)
{
	const struct quorum_persist *ps = &s->node[m->from].ps;
	uint64_t term = m->b.type == QUORUM_MSG_VOTE_RESP ? m->b.ref : m->b.term;
	int v;

	if (m->b.type == QUORUM_MSG_VOTE_RESP && m->b.granted)
		v = (int)m->to;
	else if (m->b.type == QUORUM_MSG_VOTE_REQ)
		v = (int)m->from;
	else
		return;
	check_vote(s, m->from, term, v, m->b.granted ? "granted a vote to" : "campaigns as");
	if (ps->term != term || ps->voted_for != v)
		sim_fail(s, "vote sent before it was durable", "n%u sent %s for n%d in term %llu, "
			 "persisted is term %llu vote %d", m->from,
			 trace_msg_name(m->b.type), v, (unsigned long long)term,
			 (unsigned long long)ps->term, ps->voted_for);
}

/* The core aborts on a heartbeat of its own term while it leads: say why first. */
void check_before(struct sim *s, unsigned i, const struct quorum_event *ev)
{
	const struct quorum *q = &s->node[i].q;

	if (ev->kind == QUORUM_EV_MESSAGE && ev->msg.b.type == QUORUM_MSG_HEARTBEAT &&
	    q->role == QUORUM_LEADER && ev->msg.b.term == q->term)
		sim_fail(s, "two leaders in one term", "n%u, leader of term %llu, got a heartbeat "
			 "of that term from n%u", i, (unsigned long long)q->term, ev->msg.from);
}

/* The design's order of database positions -- a known one ahead of an unknown one, then the
 * timeline, then the LSN -- stated here again rather than taken from the core (raft_db_cmp):
 * the judge must not share the code it judges. */
static int check_pos_cmp(const struct quorum_fitness *a, const struct quorum_fitness *b)
{
	const uint64_t ka[] = { a->lsn_known, a->lsn_known ? a->timeline : 0,
				a->lsn_known ? a->lsn : 0 };
	const uint64_t kb[] = { b->lsn_known, b->lsn_known ? b->timeline : 0,
				b->lsn_known ? b->lsn : 0 };

	for (size_t k = 0; k < ARRAY_SIZE(ka); k++)
		if (ka[k] != kb[k])
			return ka[k] > kb[k] ? 1 : -1;
	return 0;
}

/* "No data loss by choice of candidate": nobody it could see was further along. */
static void check_leader_position(struct sim *s, unsigned i, uint64_t local)
{
	const struct quorum *q = &s->node[i].q;

	for (unsigned k = 0; k < s->n; k++) {
		const struct quorum_member *m = &q->m[k];

		if (k == i || !m->fit_known || !m->last_seen ||
		    local - m->last_seen >= s->p.election_us)
			continue;
		if (m->fit.healthy && !m->fit.witness && check_pos_cmp(&m->fit, &q->self_fit) > 0)
			sim_fail(s, "new leader behind a member it could see", "n%u leads term %llu "
				 "at %u/%llu, n%u (heard %llu us ago) is at %u/%llu", i,
				 (unsigned long long)q->term, q->self_fit.timeline,
				 (unsigned long long)q->self_fit.lsn, k,
				 (unsigned long long)(local - m->last_seen), m->fit.timeline,
				 (unsigned long long)m->fit.lsn);
	}
}

void check_new_leader(struct sim *s, unsigned i, uint64_t local)
{
	const struct quorum *q = &s->node[i].q;
	int *slot = check_slot(&s->term_leader, &s->term_leader_cap, q->term);

	if (*slot && *slot != (int)i + 1)
		sim_fail(s, "two leaders in one term", "n%u and n%d both won term %llu", i,
			 *slot - 1, (unsigned long long)q->term);
	*slot = (int)i + 1;
	s->st.leaders++;
	s->node[i].elected_at = s->now;
	check_leader_position(s, i, local);
	if (s->calm && s->stable >= 0 && (int)i != s->stable)
		sim_fail(s, "calm: the leader changed", "n%u elected in term %llu, but n%d was to "
			 "lead to the end of the calm phase", i, (unsigned long long)q->term,
			 s->stable);
}

static void check_overlap(struct sim *s, unsigned i)
{
	for (unsigned j = 0; j < s->n; j++) {
		if (j == i || !sim_holds(s, j, s->now))
			continue;
		sim_fail(s, "two leases at once", "n%u (term %llu) holds a lease over real "
			 "[%llu, %llu) us and n%u (term %llu) over [%llu, %llu) us", i,
			 (unsigned long long)s->node[i].q.term,
			 (unsigned long long)s->lease_since[i], (unsigned long long)s->lease_end[i],
			 j, (unsigned long long)s->node[j].q.term,
			 (unsigned long long)s->lease_since[j], (unsigned long long)s->lease_end[j]);
	}
}

void check_after(struct sim *s, unsigned i, uint64_t local)
{
	const struct quorum *q = &s->node[i].q;
	bool holds = sim_holds(s, i, s->now);

	if (quorum_may_hold(q, local) && !holds)
		sim_fail(s, "gate open without a lease", "n%u: role %s, lease_until %llu, now %llu",
			 i, quorum_role_name(q->role), (unsigned long long)q->lease_until,
			 (unsigned long long)local);
	if (holds) {
		/* the lease's real interval: where it ends by this node's clock, in real time */
		if (s->lease_end[i] <= s->now)
			s->lease_since[i] = s->now;
		s->lease_end[i] = sim_real(&s->node[i].clk, q->lease_until);
		check_overlap(s, i);
		if (s->calm && !s->had_leader) {
			s->had_leader = true;
			if (s->now - s->calm_since > s->st.slowest_us)
				s->st.slowest_us = s->now - s->calm_since;
		}
	} else if (s->lease_end[i] > s->now) {
		s->lease_end[i] = s->now;  /* cut short: it stepped down */
	}
	if (s->calm && s->stable >= 0 && !sim_holds(s, (unsigned)s->stable, s->now))
		sim_fail(s, "calm: the leader lost its lease", "n%d was to hold it to the end of "
			 "the calm phase", s->stable);
}

/* raft.h: a hand-over begins with RELEASE and ends with one TRANSFER (its result, which
 * keepquorumctl switchover waits for), unless the node dies first. */
void check_release(struct sim *s, unsigned i)
{
	struct sim_node *nd = &s->node[i];

	if (nd->handing_over)
		sim_fail(s, "a hand-over never ended", "n%u begins a hand-over while the result of "
			 "its last one was never told", i);
	nd->handing_over = true;
	/* a leader of the calm, not a stale one a late message of the chaos moved */
	nd->release_calm = s->calm && nd->elected_at >= s->calm_since;
}

/* In a calm phase the only hand-over a leader of the calm begins is preemption (requests of
 * the chaos name older terms), to a member that is reachable, healthy and follows the
 * leader's timeline. One may still fail on a race no node can see -- a preemption right after
 * the promotion, whose new timeline the standbys already follow while the leader's own
 * fitness and so its final position in TIMEOUT_NOW do not show it yet -- and an election
 * follows. A second is the leader handing over, again and again, to a member that cannot
 * take over: a demote and an election each time, for nothing. */
void check_transfer(struct sim *s, unsigned i, const struct quorum_action *a)
{
	struct sim_node *nd = &s->node[i];

	if (a->ok)
		s->st.transfers_ok++;
	else
		s->st.transfers_failed++;
	if (!a->ok && s->calm && nd->release_calm && nd->handing_over && s->calm_failed_xfers++)
		sim_fail(s, "calm: hand-overs fail again and again", "n%u: %s", i,
			 a->reason ? a->reason : "");
	nd->release_calm = false;
	nd->handing_over = false;
}

void check_crashed(struct sim *s, unsigned i)
{
	if (s->lease_end[i] > s->now)
		s->lease_end[i] = s->now;
	if (s->calm && (int)i == s->stable)
		sim_fail(s, "calm: the leader crashed", "n%u (a simulation bug: nothing crashes "
			 "in a calm phase)", i);
}

void check_calm_deadline(struct sim *s, const struct sim_event *ev)
{
	if (!s->calm)
		return;
	if (ev->arg == 0 && ev->at == s->elect_by && !s->had_leader)
		sim_fail(s, "liveness", "no leader held a lease within %llu ms of the calm",
			 (unsigned long long)(s->bound_elect / SIM_MS));
	if (ev->arg != 1 || ev->at != s->stable_from)
		return;
	for (unsigned i = 0; i < s->n; i++)
		if (sim_holds(s, i, s->now))
			s->stable = (int)i;
	if (s->stable < 0)
		sim_fail(s, "liveness", "no leader holds a lease %llu ms into the calm",
			 (unsigned long long)(s->bound_stable / SIM_MS));
	sim_trace(s, "calm: n%d must lead to the end of the phase", s->stable);
}

void check_free(struct sim *s)
{
	for (unsigned i = 0; i < SIM_MAX_NODES; i++)
		free(s->votes[i]);
	free(s->term_leader);
}
