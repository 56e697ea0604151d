/* The nemesis' attacks on the leader: the moves that build, on purpose, the few shapes in
 * which the lease is all that keeps two leaders apart -- a partition that is not transitive,
 * a voter that restarts within the lease, clocks drifting apart as far as rho allows, a leader
 * stopped past its lease. Random faults alone reach them too rarely (nemesis.c has those). */
#include "tests/sim/sim.h"

/* The leader, if any (the lowest numbered of them: stale leaders of old terms exist). */
int nem_leader(const struct sim *s)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->node[i].up && s->node[i].q.role == QUORUM_LEADER)
			return (int)i;
	return -1;
}

/* The leader hears everyone but its heartbeats reach only some, or the other way round:
 * the followers cut off stop hearing it while it may still hold its lease. */
void nem_cut_leader(struct sim *s)
{
	int l = nem_leader(s);
	bool out = sim_chance(s, 500000);

	if (l < 0)
		return;
	for (unsigned j = 0; j < s->n; j++) {
		if (j == (unsigned)l || sim_chance(s, 300000))
			continue;
		if (out)
			s->link[l][j] = false;
		else
			s->link[j][l] = false;
	}
	sim_trace(s, "nemesis: leader n%d's %s links cut", l, out ? "outgoing" : "incoming");
}

/* The lease's own case, a partition that is not transitive: the leader and one follower lose
 * each other (mostly both ways: one way, the follower's requests reach the leader, whose term
 * then moves on) for one to three election timeouts, while both still reach the others. The
 * leader keeps its lease through the others' acks; the follower campaigns, and the others
 * must refuse it. */
void nem_cut_leader_one(struct sim *s)
{
	int l = nem_leader(s);
	unsigned c;
	uint64_t len = sim_range(s, s->p.election_us, 3 * s->p.election_us);
	bool both = sim_chance(s, 800000);

	if (l < 0)
		return;
	c = ((unsigned)l + 1 + (unsigned)sim_below(s, s->n - 1)) % s->n;
	s->link[l][c] = false;
	nem_later(s, len, NEM_LINK_UP, (unsigned)l * SIM_MAX_NODES + c);
	if (both) {
		s->link[c][l] = false;
		nem_later(s, len, NEM_LINK_UP, c * SIM_MAX_NODES + (unsigned)l);
	}
	sim_trace(s, "nemesis: n%d and n%u lose each other (%s) for a while", l, c,
		  both ? "both ways" : "one way");
	if (s->n > 2 && sim_chance(s, 500000))
		nem_later(s, sim_below(s, len), NEM_BOUNCE, c);
}

/* Clock drift's case: the leader gone at once, the others elect as soon as they may. */
void nem_isolate_leader(struct sim *s)
{
	int l = nem_leader(s);

	if (l < 0)
		return;
	for (unsigned j = 0; j < s->n; j++)
		s->link[l][j] = s->link[j][l] = j == (unsigned)l;
	sim_trace(s, "nemesis: leader n%d isolated", l);
}

/* Crash node f (never the leader, never `spare`) and restart it at once: its promise to
 * the leader is forgotten with its memory, so the restart must count as a contact. */
void nem_bounce_one(struct sim *s, int spare)
{
	int l = nem_leader(s);
	unsigned f = (unsigned)sim_below(s, s->n);

	for (unsigned k = 0; k < s->n && ((int)f == l || (int)f == spare); k++)
		f = (f + 1) % s->n;
	if ((int)f == l || (int)f == spare || !s->node[f].up)
		return;
	sim_crash(s, f, "bounced");
	nem_later(s, sim_range(s, SIM_MS, s->p.election_us / 2), NEM_RESTART, f);
}

void nem_bounce(struct sim *s)
{
	nem_bounce_one(s, -1);
}

/* Clock drift's case: the leader's clock as slow as rho allows, the others' as fast, then the
 * leader gone at once -- its lease and their promises end within a few ms of each other, and
 * on a LAN an election fits in between unless the lease keeps its 2 rho in hand. */
void nem_drift_attack(struct sim *s)
{
	int l = nem_leader(s);

	if (l < 0)
		return;
	for (unsigned j = 0; j < s->n; j++)
		sim_set_rate(s, j, j == (unsigned)l ? -QUORUM_RHO_PPM : QUORUM_RHO_PPM);
	sim_trace(s, "nemesis: n%d's clock slow, the others' fast", l);
	nem_isolate_leader(s);
}

/* NTP slews a clock: any rate within rho. */
void nem_skew(struct sim *s)
{
	unsigned i = (unsigned)sim_below(s, s->n);
	int64_t ppm = (int64_t)sim_below(s, 2 * QUORUM_RHO_PPM + 1) - QUORUM_RHO_PPM;

	sim_set_rate(s, i, ppm);
	sim_trace(s, "nemesis: n%u's clock runs at %+lld ppm", i, (long long)ppm);
}

/* A leader stopped for longer than its lease: it must not believe in it when it wakes. */
void nem_freeze_leader(struct sim *s)
{
	int l = nem_leader(s);

	if (l < 0 || s->node[l].frozen)
		return;
	sim_freeze(s, (unsigned)l);
	nem_later(s, sim_range(s, s->p.election_us / 2, 3 * s->p.election_us), NEM_THAW,
		  (unsigned)l);
}
