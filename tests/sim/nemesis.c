/* The nemesis: chaos phases of random faults and operator actions, between calm phases in
 * which the cluster is whole again (every link up both ways, nothing dropped or slow, no node
 * frozen, crashed, stopping or unhealthy, the cluster not paused) and must elect a leader that
 * then lasts (check.c). The first phase is calm: the cluster's first election. */
#include "tests/sim/sim.h"

#include "common/util.h"

/* A timed fault's end, void if the phase changed meanwhile (the calm undoes everything). */
void nem_later(struct sim *s, uint64_t after, enum nem_undo what, unsigned node)
{
	struct sim_event *ev = sim_push(s, s->now + after, SIM_EV_UNDO, node);

	ev->arg = (int)what;
	ev->gen = s->epoch;
}

/* A random node for which want() holds, or -1. */
static int nem_pick(struct sim *s, bool (*want)(const struct sim_node *))
{
	unsigned start = (unsigned)sim_below(s, s->n);

	for (unsigned k = 0; k < s->n; k++) {
		unsigned i = (start + k) % s->n;

		if (want(&s->node[i]))
			return (int)i;
	}
	return -1;
}

static bool nem_is_up(const struct sim_node *nd)
{
	return nd->up;
}

static bool nem_is_down(const struct sim_node *nd)
{
	return !nd->up;
}

static bool nem_is_awake(const struct sim_node *nd)
{
	return nd->up && !nd->frozen;
}

static bool nem_is_data(const struct sim_node *nd)
{
	return !nd->witness;
}

static void nem_set_links(struct sim *s, bool up)
{
	for (unsigned a = 0; a < s->n; a++)
		for (unsigned b = 0; b < s->n; b++)
			s->link[a][b] = up;
}

static void nem_heal(struct sim *s)
{
	nem_set_links(s, true);
	sim_trace(s, "nemesis: every link up");
}

static void nem_isolate(struct sim *s)
{
	unsigned i = (unsigned)sim_below(s, s->n);

	for (unsigned j = 0; j < s->n; j++)
		s->link[i][j] = s->link[j][i] = j == i;
	sim_trace(s, "nemesis: n%u isolated", i);
}

/* Two sides (a minority and a majority, or one side empty): nothing crosses. */
static void nem_split(struct sim *s)
{
	unsigned side = (unsigned)sim_below(s, 1u << s->n);

	for (unsigned a = 0; a < s->n; a++)
		for (unsigned b = 0; b < s->n; b++)
			if (((side >> a) & 1) != ((side >> b) & 1))
				s->link[a][b] = false;
	sim_trace(s, "nemesis: split, side mask %#x", side);
}

/* One link, one way, flips: cut, or back up. */
static void nem_cut(struct sim *s)
{
	unsigned a = (unsigned)sim_below(s, s->n);
	unsigned b = (a + 1 + (unsigned)sim_below(s, s->n - 1)) % s->n;

	s->link[a][b] = !s->link[a][b];
	sim_trace(s, "nemesis: n%u -> n%u %s", a, b, s->link[a][b] ? "up" : "cut (one way)");
}

/* The network's quality, and the load: an idle primary or replication on its own network
 * keeps a cut-off member level with the rest, so that only the lease stops it. */
static void nem_net(struct sim *s)
{
	static const unsigned drop[] = { 0, 0, 10000, 100000, 300000 };
	static const unsigned dup[] = { 0, 10000, 100000 };
	static const unsigned slow[] = { 0, 50000, 300000 };
	static const uint64_t writes[] = { 0, 0, 10, 4000 };

	s->drop_ppm = drop[sim_below(s, ARRAY_SIZE(drop))];
	s->dup_ppm = dup[sim_below(s, ARRAY_SIZE(dup))];
	s->slow_ppm = slow[sim_below(s, ARRAY_SIZE(slow))];
	s->write_max = writes[sim_below(s, ARRAY_SIZE(writes))];
	s->repl_apart = sim_chance(s, 500000);
	s->lan = sim_chance(s, 500000);
	sim_trace(s, "nemesis: %s drops %u ppm, duplicates %u ppm, slow %u ppm; writes %llu a "
		  "tick, replication %s", s->lan ? "LAN" : "WAN", s->drop_ppm, s->dup_ppm,
		  s->slow_ppm, (unsigned long long)s->write_max,
		  s->repl_apart ? "apart" : "on these links");
}

/* kill -9; half the time systemd restarts it within a second, while the promises it made
 * before may still run */
static void nem_crash(struct sim *s)
{
	int i = nem_pick(s, nem_is_up);

	if (i < 0)
		return;
	sim_crash(s, (unsigned)i, "nemesis");
	if (sim_chance(s, 500000))
		nem_later(s, sim_range(s, 10 * SIM_MS, SIM_S), NEM_RESTART, (unsigned)i);
}

static void nem_restart(struct sim *s)
{
	int i = nem_pick(s, nem_is_down);

	if (i >= 0)
		sim_boot(s, (unsigned)i);
}

/* The crash that matters most for the vote: the PERSIST is durable, what follows is lost. */
static void nem_arm_crash(struct sim *s)
{
	int i = nem_pick(s, nem_is_up);

	if (i < 0)
		return;
	s->node[i].crash_at_persist = true;
	sim_trace(s, "nemesis: n%d will crash right after its next PERSIST", i);
	/* and be back soon after, if it crashed by then */
	nem_later(s, sim_range(s, SIM_MS, SIM_S), NEM_RESTART, (unsigned)i);
}

/* Mostly short stops; some outlast the election timeout, so that the lease runs out while
 * the node cannot notice. */
static void nem_freeze(struct sim *s)
{
	int i = nem_pick(s, nem_is_awake);
	uint64_t len;

	if (i < 0)
		return;
	if (sim_chance(s, 700000))
		len = sim_range(s, 10 * SIM_MS, 300 * SIM_MS);
	else
		len = sim_range(s, 300 * SIM_MS, 2 * s->p.election_us + 500 * SIM_MS);
	sim_freeze(s, (unsigned)i);
	nem_later(s, len, NEM_THAW, (unsigned)i);
}

/* Failing checks, or the database down altogether (its position unknown). */
static void nem_sicken(struct sim *s)
{
	int i = nem_pick(s, nem_is_data);
	struct sim_db *d;

	if (i < 0)
		return;
	d = &s->node[i].db;
	if (sim_chance(s, 667000))
		d->healthy = false;
	else
		d->lsn_known = false;
	sim_trace(s, "nemesis: n%d's database %s", i, d->lsn_known ? "unhealthy" : "down");
	sim_tell_fitness(s, (unsigned)i);
	nem_later(s, sim_range(s, 100 * SIM_MS, 4 * SIM_S), NEM_HEAL_DB, (unsigned)i);
}

static void nem_stall(struct sim *s)
{
	int i = nem_pick(s, nem_is_data);

	if (i < 0)
		return;
	s->node[i].db.stall_until = s->now + sim_range(s, 100 * SIM_MS, 5 * SIM_S);
	sim_trace(s, "nemesis: n%d's replay stalls", i);
}

static void nem_catch_up(struct sim *s)
{
	int i = nem_pick(s, nem_is_data);
	struct sim_db *d;

	if (i < 0 || i == s->primary)
		return;
	d = &s->node[i].db;
	d->lsn = d->received;
	d->stall_until = 0;
	sim_trace(s, "nemesis: n%d's replay catches up", i);
	sim_tell_fitness(s, (unsigned)i);
}

/* keepquorumctl switchover, at any node, to anyone (the best, a member, itself, a witness) */
static void nem_switchover(struct sim *s)
{
	int i = nem_pick(s, nem_is_awake);
	struct quorum_event ev = { .kind = QUORUM_EV_TRANSFER };

	if (i < 0)
		return;
	ev.target = sim_chance(s, 333000) ? QUORUM_NONE : (int)sim_below(s, s->n);
	sim_trace(s, "nemesis: switchover at n%d to %d", i, ev.target);
	sim_step(s, (unsigned)i, &ev);
}

static void nem_resume_all(struct sim *s)
{
	struct quorum_event ev = { .kind = QUORUM_EV_PAUSE, .paused = false };

	s->pause_op = false;
	for (unsigned i = 0; i < s->n; i++)
		if (s->node[i].up && !s->node[i].frozen && s->node[i].q.paused)
			sim_step(s, i, &ev);
}

static void nem_pause(struct sim *s)
{
	int i = nem_pick(s, nem_is_awake);
	struct quorum_event ev = { .kind = QUORUM_EV_PAUSE, .paused = true };

	if (i < 0 || s->pause_op)
		return;
	s->pause_op = true;
	sim_trace(s, "nemesis: pause at n%d", i);
	sim_step(s, (unsigned)i, &ev);
	nem_later(s, sim_range(s, 200 * SIM_MS, 3 * SIM_S), NEM_RESUME, 0);
}

/* systemctl stop: STOP, then the process exits a little later. */
static void nem_stop(struct sim *s)
{
	int i = nem_pick(s, nem_is_awake);
	struct quorum_event ev = { .kind = QUORUM_EV_STOP };

	if (i < 0)
		return;
	sim_trace(s, "nemesis: graceful stop of n%d", i);
	sim_step(s, (unsigned)i, &ev);
	nem_later(s, sim_below(s, 500 * SIM_MS + 1), NEM_STOP_CRASH, (unsigned)i);
}

static const struct {
	unsigned weight;
	void (*fn)(struct sim *s);
} nem_moves[] = {
	{ 10, nem_isolate }, { 8, nem_split }, { 8, nem_cut }, { 14, nem_heal }, { 4, nem_net },
	{ 6, nem_crash }, { 10, nem_restart }, { 3, nem_arm_crash }, { 6, nem_freeze },
	{ 6, nem_sicken }, { 4, nem_stall }, { 3, nem_catch_up }, { 5, nem_switchover },
	{ 1, nem_pause }, { 2, nem_stop }, { 8, nem_cut_leader }, { 3, nem_freeze_leader },
	{ 8, nem_cut_leader_one }, { 6, nem_isolate_leader }, { 6, nem_bounce },
	{ 4, nem_drift_attack }, { 4, nem_skew },
};

static unsigned nem_weight(const struct sim *s, size_t k)
{
	return (s->moves >> k) & 1 ? nem_moves[k].weight : 0;
}

void nem_move(struct sim *s)
{
	unsigned total = 0, r;
	size_t k = 0;

	for (size_t j = 0; j < ARRAY_SIZE(nem_moves); j++)
		total += nem_weight(s, j);
	r = (unsigned)sim_below(s, total);
	while (r >= nem_weight(s, k))
		r -= nem_weight(s, k++);
	nem_moves[k].fn(s);
	sim_push(s, s->now + sim_range(s, 10 * SIM_MS, s->move_gap), SIM_EV_NEMESIS, 0)->gen =
		s->epoch;
}

/* Each chaos phase is a nemesis of its own: a few kinds of fault at its own pace. Every kind
 * at once, all the time, rarely lets one condition last long enough to matter (a leader cut
 * off one way for an election timeout, a voter back from a crash within a lease). */
static void nem_choose(struct sim *s)
{
	static const uint64_t gaps[] = { 200 * SIM_MS, 700 * SIM_MS, 3 * SIM_S };
	unsigned kinds = (unsigned)sim_range(s, 1, sim_chance(s, 200000) ? 8 : 3);

	s->moves = 0;
	while (kinds--)
		s->moves |= 1u << sim_below(s, ARRAY_SIZE(nem_moves));
	s->move_gap = gaps[sim_below(s, ARRAY_SIZE(gaps))];
	sim_trace(s, "chaos: moves %#x, up to %llu ms apart", s->moves,
		  (unsigned long long)(s->move_gap / SIM_MS));
}

void nem_undo(struct sim *s, const struct sim_event *ev)
{
	struct sim_node *nd = ev->arg == NEM_LINK_UP ? NULL : &s->node[ev->node];

	switch ((enum nem_undo)ev->arg) {
	case NEM_THAW:
		sim_thaw(s, ev->node);
		break;
	case NEM_HEAL_DB:
		nd->db.healthy = nd->db.lsn_known = !nd->witness;
		sim_tell_fitness(s, ev->node);
		break;
	case NEM_RESUME:
		nem_resume_all(s);
		break;
	case NEM_RESTART:
		sim_boot(s, ev->node);
		break;
	case NEM_BOUNCE:
		/* during a non-transitive cut: a voter that refused the cut-off node */
		nem_bounce_one(s, (int)ev->node);
		break;
	case NEM_LINK_UP:
		s->link[ev->node / SIM_MAX_NODES][ev->node % SIM_MAX_NODES] = true;
		break;
	case NEM_STOP_CRASH:
		if (nd->up && nd->q.stopping)
			sim_crash(s, ev->node, "stopped");
		break;
	}
}

/* The calm's deadlines count from `from` (check.c checks them). */
static void nem_calm_window(struct sim *s, uint64_t from)
{
	s->calm_since = from;
	s->calm_failed_xfers = 0;
	s->stable = -1;
	s->had_leader = false;
	for (unsigned i = 0; i < s->n; i++)
		s->had_leader |= sim_holds(s, i, from);
	s->elect_by = from + s->bound_elect;
	s->stable_from = from + s->bound_stable;
	sim_push(s, s->elect_by, SIM_EV_LIVENESS, 0)->arg = 0;
	sim_push(s, s->stable_from, SIM_EV_LIVENESS, 0)->arg = 1;
	s->phase_end = s->stable_from + sim_range(s, 2 * SIM_S, 8 * SIM_S);
	sim_push(s, s->phase_end, SIM_EV_PHASE, 0);
}

static void nem_enter_calm(struct sim *s)
{
	s->calm = true;
	s->calm_since = s->now;  /* already, for what the thaws below deliver */
	s->st.calm_phases++;
	s->drop_ppm = s->dup_ppm = s->slow_ppm = 0;
	nem_set_links(s, true);
	sim_trace(s, "calm: every link up, nothing dropped, every node up and healthy");
	for (unsigned i = 0; i < s->n; i++) {
		struct sim_node *nd = &s->node[i];

		nd->crash_at_persist = false;
		nd->db.healthy = nd->db.lsn_known = !nd->witness;
		nd->db.stall_until = 0;
		if (nd->up && nd->q.stopping)
			sim_crash(s, i, "stopped");
		if (!nd->up)
			sim_boot(s, i);
		sim_thaw(s, i);
	}
	nem_resume_all(s);
	for (unsigned i = 0; i < s->n; i++)
		sim_tell_fitness(s, i);
	nem_calm_window(s, s->now);
}

static void nem_enter_chaos(struct sim *s)
{
	s->calm = false;
	s->stable = -1;
	nem_choose(s);
	nem_net(s);
	s->phase_end = s->now + sim_range(s, 3 * SIM_S, 20 * SIM_S);
	sim_push(s, s->phase_end, SIM_EV_PHASE, 0);
	sim_push(s, s->now + sim_range(s, 10 * SIM_MS, 500 * SIM_MS), SIM_EV_NEMESIS, 0)->gen =
		s->epoch;
}

void nem_phase(struct sim *s)
{
	s->epoch++;
	if (s->calm)
		nem_enter_chaos(s);
	else
		nem_enter_calm(s);
}

/* A pause register value that only a message in flight still carried (its writer crashed)
 * can pause the cluster again after the calm resumed it: the operator resumes it, and the
 * calm's deadlines count from then. */
void nem_keep_calm(struct sim *s)
{
	bool paused = false;

	for (unsigned i = 0; i < s->n; i++)
		paused |= s->node[i].up && s->node[i].q.paused;
	if (!paused)
		return;
	sim_trace(s, "calm: the cluster is paused again (a stale register); resumed");
	nem_resume_all(s);
	nem_calm_window(s, s->now);
}

void nem_start(struct sim *s)
{
	uint64_t last = 0;

	nem_set_links(s, true);
	for (unsigned i = 0; i < s->n; i++) {
		uint64_t at = sim_below(s, 300 * SIM_MS);

		sim_push(s, at, SIM_EV_BOOT, i);
		if (at > last)
			last = at;
	}
	s->calm = true;
	s->st.calm_phases++;
	nem_calm_window(s, last);
}
