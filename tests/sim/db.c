/* The members' databases, as far as the quorum sees them: a position (timeline, LSN) that the
 * daemon advertises as its fitness. Close enough to PostgreSQL streaming replication that the
 * positions mean what they would mean there:
 *   - the primary writes (its LSN grows) only while its gate is open, i.e. while it holds the
 *     VIP under a lease; it may also be idle, and then positions tie, so that the lease and the
 *     priorities decide elections, not the positions alone;
 *   - a new leader's database is promoted when its gate first opens, which starts a new
 *     timeline forking off at its position;
 *   - a standby streams the primary's WAL while the link from the primary is up (or always,
 *     while replication runs on a network of its own) and replays it with a lag, which the
 *     nemesis can stall;
 *   - a standby follows a newer timeline only if it has not replayed past the fork; else it
 *     has diverged, and is rewound (pg_rewind) a little later -- in a chaos phase: the calm
 *     leaves it diverged.
 * So a node's (timeline, LSN) only grows, and no standby is ever ahead of the primary on the
 * primary's timeline: "ahead" in the fitness order always means "has data the other lacks". */
#include "tests/sim/sim.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static void db_grow_timelines(struct sim *s, uint32_t tl)
{
	size_t old = s->tl_cap;

	if (tl < s->tl_cap)
		return;
	s->tl_cap = 2 * tl + 8;
	s->tl_parent = xrealloc(s->tl_parent, s->tl_cap * sizeof(*s->tl_parent));
	s->tl_fork = xrealloc(s->tl_fork, s->tl_cap * sizeof(*s->tl_fork));
	memset(s->tl_parent + old, 0, (s->tl_cap - old) * sizeof(*s->tl_parent));
	memset(s->tl_fork + old, 0, (s->tl_cap - old) * sizeof(*s->tl_fork));
}

/* Every data node starts as a standby of timeline 1, in some seeds level, in others apart. */
void db_init(struct sim *s)
{
	bool level = sim_chance(s, 500000);

	s->primary = -1;
	s->max_tl = 1;
	s->write_max = 4000;
	db_grow_timelines(s, 1);
	for (unsigned i = 0; i < s->n; i++) {
		struct sim_db *d = &s->node[i].db;

		d->healthy = d->lsn_known = !s->node[i].witness;
		d->tl = 1;
		d->lsn = d->received = 0x1000000 + (level ? 0 : sim_below(s, 100000));
	}
	sim_push(s, DB_TICK_US, SIM_EV_DB_TICK, 0);
}

void db_free(struct sim *s)
{
	free(s->tl_parent);
	free(s->tl_fork);
}

static bool db_gate_open(const struct sim *s, unsigned i)
{
	const struct sim_node *nd = &s->node[i];

	return nd->up && quorum_may_hold(&nd->q, sim_local(&nd->clk, s->now));
}

void db_fitness(const struct sim *s, unsigned i, struct quorum_fitness *f)
{
	const struct sim_db *d = &s->node[i].db;

	memset(f, 0, sizeof(*f));
	f->priority = d->priority;
	if (s->node[i].witness)
		return;
	f->healthy = d->healthy && d->lsn_known;
	f->lsn_known = d->lsn_known;
	if (d->lsn_known) {
		f->timeline = d->tl;
		f->lsn = d->lsn;
		/* promoted when its gate opened, demoted when it shut (the daemon's hooks); told at
		 * the next tick, as a pg_check would see it */
		f->primary = s->primary == (int)i && db_gate_open(s, i);
	}
}

/* pg_promote: replay what was received, then a new timeline forks off here. */
static void db_promote(struct sim *s, unsigned i)
{
	struct sim_db *d = &s->node[i].db;
	uint32_t tl = ++s->max_tl;

	db_grow_timelines(s, tl);
	if (d->received > d->lsn)
		d->lsn = d->received;
	s->tl_parent[tl] = d->tl;
	s->tl_fork[tl] = d->lsn;
	d->tl = tl;
	d->received = d->lsn;
	d->rewind_at = 0;
	s->primary = (int)i;
	s->st.promotions++;
	sim_trace(s, "n%u's database is promoted: timeline %u forks at %llu", i, tl,
		  (unsigned long long)d->lsn);
}

void db_after_step(struct sim *s, unsigned i)
{
	if (s->node[i].q.gate_open && s->primary != (int)i)
		db_promote(s, i);
}

/* May a standby at (d->tl, d->lsn) follow timeline `tl`? Only if its timeline is an ancestor
 * of tl and it has not replayed past the point where tl's history left it. */
static bool db_can_follow(const struct sim *s, const struct sim_db *d, uint32_t tl)
{
	uint32_t c = tl;

	if (d->tl == tl)
		return true;
	while (c && s->tl_parent[c] != d->tl)
		c = s->tl_parent[c];
	return c && d->lsn <= s->tl_fork[c];
}

/* Divergence is repaired a few seconds after it is found (the demote hook's pg_rewind, or the
 * operator), at the cost of the standby's own extra WAL: it restarts from a point of the
 * primary's history. Not in a calm phase, where nobody touches anything: a diverged standby
 * then stays one, healthy, behind on the timeline, as it may for long in real life. */
static void db_rewind(struct sim *s, unsigned k, const struct sim_db *pd)
{
	struct sim_db *d = &s->node[k].db;

	d->tl = pd->tl;
	if (d->lsn > pd->lsn)
		d->lsn = pd->lsn;
	d->received = d->lsn;
	d->rewind_at = 0;
	s->st.rewinds++;
	sim_trace(s, "n%u's database is rewound onto timeline %u at %llu", k, d->tl,
		  (unsigned long long)d->lsn);
}

static void db_stream(struct sim *s, unsigned k)
{
	struct sim_db *d = &s->node[k].db;
	const struct sim_db *pd;

	if (s->primary < 0 || s->primary == (int)k || !d->lsn_known)
		return;
	pd = &s->node[s->primary].db;
	if (!pd->lsn_known || (!s->repl_apart && !s->link[s->primary][k]))
		return;
	if (!db_can_follow(s, d, pd->tl)) {
		if (!d->rewind_at)
			d->rewind_at = s->now + sim_range(s, 500 * SIM_MS, 5 * SIM_S);
		else if (s->now >= d->rewind_at && !s->calm)
			db_rewind(s, k, pd);
		return;
	}
	if (d->tl != pd->tl) {
		d->tl = pd->tl;
		d->received = d->lsn;
	}
	d->rewind_at = 0;
	if (pd->lsn > d->received)
		d->received = pd->lsn;
}

/* Replay closes half the gap a tick, at least 20000, unless stalled. */
static void db_replay(struct sim *s, unsigned k)
{
	struct sim_db *d = &s->node[k].db;
	uint64_t gap = d->received - d->lsn, step;

	if (!d->lsn_known || s->now < d->stall_until || !gap)
		return;
	step = gap / 2 > 20000 ? gap / 2 : 20000;
	d->lsn += step < gap ? sim_range(s, step / 2, step) : gap;
}

void db_tick(struct sim *s)
{
	int p = s->primary;

	if (p >= 0 && db_gate_open(s, (unsigned)p) && s->node[p].db.lsn_known) {
		s->node[p].db.lsn += sim_range(s, 0, s->write_max);
		s->node[p].db.received = s->node[p].db.lsn;
	}
	for (unsigned k = 0; k < s->n; k++) {
		if (s->node[k].witness || (int)k == p)
			continue;
		db_stream(s, k);
		db_replay(s, k);
	}
	for (unsigned k = 0; k < s->n; k++)
		sim_tell_fitness(s, k);
	if (s->calm)
		nem_keep_calm(s);
	sim_push(s, s->now + DB_TICK_US, SIM_EV_DB_TICK, 0);
}
