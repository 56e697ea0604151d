/* The simulated world: real time, the event queue, each node's clock, the network, and each
 * node's daemon reduced to what the quorum core asks of it -- execute the actions in order
 * (a PERSIST is what a restart gets back), deliver the timer at quorum_deadline() by the node's
 * own clock, answer RELEASE once the demote is done. No wall clock anywhere: a seed replays. */
#include "tests/sim/sim.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* splitmix64: one stream for the whole run, so the seed decides everything */
uint64_t sim_rand(struct sim *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t sim_below(struct sim *s, uint64_t n)
{
	return n ? sim_rand(s) % n : 0;
}

uint64_t sim_range(struct sim *s, uint64_t lo, uint64_t hi)
{
	return lo + sim_below(s, hi - lo + 1);
}

bool sim_chance(struct sim *s, unsigned ppm)
{
	return ppm && sim_below(s, 1000000) < ppm;
}

uint64_t sim_local(const struct sim_clock *c, uint64_t real)
{
	uint64_t since = real > c->base_real ? real - c->base_real : 0;
	__int128 d = (__int128)since * c->ppm;
	__int128 q = d / 1000000;

	if (d < 0 && q * 1000000 != d)
		q--;  /* round down, also when the clock is slow */
	return (uint64_t)((__int128)c->base_local + since + q);
}

uint64_t sim_real(const struct sim_clock *c, uint64_t local)
{
	uint64_t t;

	if (local <= c->base_local)
		return c->base_real;
	t = c->base_real +
	    (uint64_t)((__int128)(local - c->base_local) * 1000000 / (1000000 + c->ppm));
	while (sim_local(c, t) < local)
		t++;
	while (t > c->base_real && sim_local(c, t - 1) >= local)
		t--;
	return t;
}

static bool sim_before(const struct sim_event *a, const struct sim_event *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

/* The returned event may be filled in (gen, arg, msg) until the next push. */
struct sim_event *sim_push(struct sim *s, uint64_t at, enum sim_ev_kind kind, unsigned node)
{
	struct sim_event ev = { .at = at, .seq = s->seq++, .kind = kind, .node = node };
	size_t i;

	if (s->n_ev == s->cap_ev) {
		s->cap_ev = s->cap_ev ? 2 * s->cap_ev : 1024;
		s->heap = xrealloc(s->heap, s->cap_ev * sizeof(*s->heap));
	}
	for (i = s->n_ev++; i && sim_before(&ev, &s->heap[(i - 1) / 2]); i = (i - 1) / 2)
		s->heap[i] = s->heap[(i - 1) / 2];
	s->heap[i] = ev;
	return &s->heap[i];
}

static void sim_pop(struct sim *s, struct sim_event *out)
{
	struct sim_event last;
	size_t i = 0, c;

	*out = s->heap[0];
	last = s->heap[--s->n_ev];
	while ((c = 2 * i + 1) < s->n_ev) {
		if (c + 1 < s->n_ev && sim_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!sim_before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->n_ev)
		s->heap[i] = last;
}

/* On a LAN messages take 50 us to 1 ms (fast enough to elect a leader within the few ms the
 * lease keeps in hand for clock drift), elsewhere 0.1-20 ms; on a slow network some take up to
 * 200 ms. Different delays are what reorders them. */
static uint64_t sim_delay(struct sim *s)
{
	if (sim_chance(s, s->slow_ppm))
		return sim_range(s, 20 * SIM_MS, 200 * SIM_MS);
	if (s->lan)
		return sim_range(s, 50, SIM_MS);
	return sim_range(s, 100, 20 * SIM_MS);
}

static void sim_send(struct sim *s, const struct quorum_msg *m)
{
	unsigned copies = sim_chance(s, s->dup_ppm) ? 2 : 1;

	s->st.msgs++;
	if (!s->link[m->from][m->to] || sim_chance(s, s->drop_ppm))
		return;
	while (copies--)
		sim_push(s, s->now + sim_delay(s), SIM_EV_DELIVER, m->to)->msg = *m;
}

/* Schedule QUORUM_EV_TIMER for when this node's clock reads quorum_deadline(). */
static void sim_arm(struct sim *s, unsigned i)
{
	struct sim_node *nd = &s->node[i];
	uint64_t d = quorum_deadline(&nd->q), at;

	if (d == nd->timer_local)
		return;  /* the pending timer event is for this very deadline */
	nd->timer_gen++;
	nd->timer_local = d;
	if (!d)
		return;
	at = sim_real(&nd->clk, d);
	sim_push(s, at > s->now ? at : s->now, SIM_EV_TIMER, i)->gen = nd->timer_gen;
}

static void sim_execute(struct sim *s, unsigned i, const struct quorum_action *a,
			uint64_t local)
{
	struct sim_node *nd = &s->node[i];

	switch (a->kind) {
	case QUORUM_ACT_PERSIST:
		check_persist(s, i, &a->persist);
		nd->ps = a->persist;
		if (nd->crash_at_persist)
			sim_crash(s, i, "right after a PERSIST");
		break;
	case QUORUM_ACT_SEND:
		check_send(s, &a->msg);
		sim_send(s, &a->msg);
		break;
	case QUORUM_ACT_ROLE:
		if (a->to == QUORUM_LEADER)
			check_new_leader(s, i, local);
		break;
	case QUORUM_ACT_RELEASE:
		check_release(s, i);
		/* the demote takes a while; only the answer to the latest RELEASE counts */
		sim_push(s, s->now + sim_below(s, 300 * SIM_MS + 1), SIM_EV_RELEASED, i)->gen =
			++nd->release_id;
		break;
	case QUORUM_ACT_TRANSFER:
		check_transfer(s, i, a);
		break;
	default:
		break;
	}
}

void sim_set_rate(struct sim *s, unsigned i, int64_t ppm)
{
	struct sim_node *nd = &s->node[i];

	nd->clk.base_local = sim_local(&nd->clk, s->now);
	nd->clk.base_real = s->now;
	nd->clk.ppm = ppm;
	if (sim_holds(s, i, s->now))
		s->lease_end[i] = sim_real(&nd->clk, nd->q.lease_until);
	if (nd->up && !nd->frozen) {
		nd->timer_local = 0;
		sim_arm(s, i);
	}
}

void sim_step(struct sim *s, unsigned i, const struct quorum_event *ev)
{
	static struct quorum_actions acts;  /* steps never nest */
	struct sim_node *nd = &s->node[i];
	uint64_t local = sim_local(&nd->clk, s->now), inc = nd->incarnation;

	check_before(s, i, ev);
	quorum_step(&nd->q, ev, local, &acts);
	s->st.steps++;
	trace_step(s, i, ev, &acts);
	for (size_t k = 0; k < acts.n; k++) {
		sim_execute(s, i, &acts.v[k], local);
		if (nd->incarnation != inc)
			return;  /* crashed: what followed the PERSIST never happened */
	}
	check_after(s, i, local);
	db_after_step(s, i);
	sim_arm(s, i);
}

static bool sim_fit_eq(const struct quorum_fitness *a, const struct quorum_fitness *b)
{
	return a->healthy == b->healthy && a->witness == b->witness &&
	       a->lsn_known == b->lsn_known && a->priority == b->priority &&
	       a->timeline == b->timeline && a->lsn == b->lsn && a->primary == b->primary;
}

void sim_tell_fitness(struct sim *s, unsigned i)
{
	struct sim_node *nd = &s->node[i];
	struct quorum_event ev = { .kind = QUORUM_EV_FITNESS };

	if (!nd->up || nd->frozen)
		return;
	db_fitness(s, i, &ev.fit);
	if (sim_fit_eq(&ev.fit, &nd->told))
		return;
	/* the model's own promise (db.c), which invariant 3 leans on */
	if (ev.fit.lsn_known && nd->told.lsn_known &&
	    (ev.fit.timeline < nd->told.timeline ||
	     (ev.fit.timeline == nd->told.timeline && ev.fit.lsn < nd->told.lsn)))
		sim_fail(s, "simulation: a database position went back", "n%u from %u/%llu to %u/%llu",
			 i, nd->told.timeline, (unsigned long long)nd->told.lsn, ev.fit.timeline,
			 (unsigned long long)ev.fit.lsn);
	nd->told = ev.fit;
	sim_step(s, i, &ev);
}

bool sim_holds(const struct sim *s, unsigned i, uint64_t real)
{
	const struct sim_node *nd = &s->node[i];

	return nd->up && nd->q.role == QUORUM_LEADER && nd->q.lease_until &&
	       sim_local(&nd->clk, real) < nd->q.lease_until;
}

/* Start (or restart) node i's daemon with only what it persisted. */
void sim_boot(struct sim *s, unsigned i)
{
	struct sim_node *nd = &s->node[i];
	struct quorum_params p = s->p;
	struct quorum_event ev = { .kind = QUORUM_EV_START };

	if (nd->up)
		return;
	p.self = i;
	p.witness = nd->witness;
	p.seed = sim_rand(s) | 1;
	db_fitness(s, i, &nd->told);
	quorum_init(&nd->q, &p, &nd->ps, &nd->told);
	nd->up = true;
	nd->incarnation++;
	nd->timer_local = 0;
	nd->timer_spin = 0;
	sim_trace(s, "n%u boots: term %llu, voted for %d", i, (unsigned long long)nd->ps.term,
		  nd->ps.voted_for);
	sim_step(s, i, &ev);
}

/* The daemon dies: its memory, its timer, its socket buffer and its demote go with it. */
void sim_crash(struct sim *s, unsigned i, const char *why)
{
	struct sim_node *nd = &s->node[i];

	if (!nd->up)
		return;
	nd->up = false;
	nd->frozen = false;
	nd->crash_at_persist = false;
	nd->n_held = 0;
	nd->release_held = false;
	nd->handing_over = false;
	nd->release_id++;
	nd->incarnation++;
	nd->timer_gen++;
	nd->timer_local = 0;
	s->st.crashes++;
	check_crashed(s, i);
	sim_trace(s, "n%u crashes (%s)", i, why);
}

void sim_freeze(struct sim *s, unsigned i)
{
	struct sim_node *nd = &s->node[i];

	if (!nd->up || nd->frozen)
		return;
	nd->frozen = true;
	s->st.freezes++;
	sim_trace(s, "n%u freezes", i);
}

/* SIGCONT: what queued up while it was stopped is handled at once, in order. */
void sim_thaw(struct sim *s, unsigned i)
{
	struct sim_node *nd = &s->node[i];
	struct quorum_event ev = { .kind = QUORUM_EV_MESSAGE };
	uint64_t inc = nd->incarnation;

	if (!nd->up || !nd->frozen)
		return;
	nd->frozen = false;
	sim_trace(s, "n%u thaws, %u messages held", i, nd->n_held);
	for (unsigned k = 0; k < nd->n_held; k++) {
		ev.msg = nd->held[k];
		sim_step(s, i, &ev);
		if (nd->incarnation != inc)
			return;
	}
	nd->n_held = 0;
	if (nd->release_held) {
		nd->release_held = false;
		ev.kind = QUORUM_EV_RELEASED;
		sim_step(s, i, &ev);
		if (nd->incarnation != inc)
			return;
	}
	sim_tell_fitness(s, i);
	if (nd->up && !nd->frozen) {
		nd->timer_local = 0;  /* its timer may have fallen due while it slept */
		sim_arm(s, i);
	}
}

static void sim_on_deliver(struct sim *s, const struct sim_event *ev)
{
	struct sim_node *nd = &s->node[ev->msg.to];
	struct quorum_event qe = { .kind = QUORUM_EV_MESSAGE, .msg = ev->msg };

	if (!nd->up)
		return;
	if (nd->frozen) {
		if (nd->n_held < SIM_HELD_MAX)
			nd->held[nd->n_held++] = ev->msg;
		return;
	}
	sim_step(s, ev->msg.to, &qe);
}

static void sim_on_timer(struct sim *s, const struct sim_event *ev)
{
	struct sim_node *nd = &s->node[ev->node];
	struct quorum_event qe = { .kind = QUORUM_EV_TIMER };
	uint64_t local = sim_local(&nd->clk, s->now);

	if (!nd->up || nd->frozen || ev->gen != nd->timer_gen)
		return;  /* superseded; a frozen node re-arms when it thaws */
	nd->timer_local = 0;
	/* a deadline that never moves on would spin the node forever at one instant */
	if (local == nd->spin_local) {
		if (++nd->timer_spin > 1000)
			sim_fail(s, "timer progress", "n%u: 1000 timer events at local time %llu, "
				 "the deadline does not move", ev->node, (unsigned long long)local);
	} else {
		nd->spin_local = local;
		nd->timer_spin = 0;
	}
	sim_step(s, ev->node, &qe);
}

static void sim_on_released(struct sim *s, const struct sim_event *ev)
{
	struct sim_node *nd = &s->node[ev->node];
	struct quorum_event qe = { .kind = QUORUM_EV_RELEASED };

	if (!nd->up || ev->gen != nd->release_id)
		return;
	if (nd->frozen)
		nd->release_held = true;
	else
		sim_step(s, ev->node, &qe);
}

static void sim_dispatch(struct sim *s, const struct sim_event *ev)
{
	switch (ev->kind) {
	case SIM_EV_BOOT: sim_boot(s, ev->node); break;
	case SIM_EV_DELIVER: sim_on_deliver(s, ev); break;
	case SIM_EV_TIMER: sim_on_timer(s, ev); break;
	case SIM_EV_RELEASED: sim_on_released(s, ev); break;
	case SIM_EV_DB_TICK: db_tick(s); break;
	case SIM_EV_NEMESIS: if (ev->gen == s->epoch) nem_move(s); break;
	case SIM_EV_UNDO: if (ev->gen == s->epoch) nem_undo(s, ev); break;
	case SIM_EV_PHASE: if (ev->at == s->phase_end) nem_phase(s); break;
	case SIM_EV_LIVENESS: check_calm_deadline(s, ev); break;
	}
}

void sim_run(struct sim *s)
{
	struct sim_event ev;

	while (s->n_ev) {
		sim_pop(s, &ev);
		if (ev.at >= s->end)
			break;
		s->now = ev.at;
		sim_dispatch(s, &ev);
	}
	s->now = s->end;
}
