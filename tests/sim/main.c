/* kq-sim: the deterministic cluster simulation of the quorum core (sim.h says what it is).
 *
 *   kq-sim [--seed S] [--seeds N] [--nodes 3|5|w] [--seconds T] [-v] [-q]
 *
 * Runs seeds S..S+N-1 (default 1, 1), each for T simulated seconds (default 60), with 3 or 5
 * members or 2 and a witness (default: by the seed, seed % 3). One line per seed, then a
 * summary; -q only the summary, -v the whole trace as it happens. The first seed that breaks
 * an invariant is printed with its last trace lines and the command that replays it; the exit
 * status is then 1 (2 on a usage error). A seed's output is the same byte for byte every run. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tests/sim/sim.h"

struct main_opts {
	uint64_t seed, seeds, seconds;
	char shape;   /* 0: by the seed */
	bool verbose, quiet;
};

/* heartbeat : election timeout ratios; the daemon's default first, most often */
static const uint64_t main_timing[][2] = {
	{ 100 * SIM_MS, 1 * SIM_S }, { 100 * SIM_MS, 1 * SIM_S }, { 100 * SIM_MS, 2 * SIM_S },
	{ 50 * SIM_MS, 1 * SIM_S }, { 200 * SIM_MS, 1 * SIM_S }, { 100 * SIM_MS, 500 * SIM_MS },
	{ 20 * SIM_MS, 300 * SIM_MS },
};

/* Each clock runs at 1 +- rho: at either extreme (the worst case the lease allows for) or
 * anywhere between; the offsets are arbitrary. */
static void main_clocks(struct sim *s)
{
	for (unsigned i = 0; i < s->n; i++) {
		struct sim_clock *c = &s->node[i].clk;

		switch (sim_below(s, 5)) {
		case 0: case 1: c->ppm = QUORUM_RHO_PPM; break;
		case 2: case 3: c->ppm = -QUORUM_RHO_PPM; break;
		default: c->ppm = (int64_t)sim_below(s, 2 * QUORUM_RHO_PPM + 1) - QUORUM_RHO_PPM;
		}
		c->base_local = sim_range(s, 1000 * SIM_S, 1000000 * SIM_S);
	}
}

/* Preemption wants distinct priorities; otherwise all level or a little apart. */
static void main_priorities(struct sim *s)
{
	unsigned order[SIM_MAX_NODES] = { 0, 1, 2, 3, 4 };
	bool level = sim_chance(s, 667000);

	for (unsigned i = s->n - 1; i > 0; i--) {
		unsigned j = (unsigned)sim_below(s, i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (unsigned i = 0; i < s->n; i++)
		s->node[i].db.priority = (uint8_t)(s->p.preempt ? 100 + 10 * order[i] :
						   level ? 100 : sim_range(s, 90, 110));
}

/* The calm's deadlines, from the core's timer rules (raft.c raft_arm_election, raft_timer):
 *  - messages of the chaos arrive up to 200 ms late, and a stale leader hears it was deposed
 *    within a heartbeat and a round trip: then no promise is renewed but to a live leader;
 *  - each member's promise to the last leader ends within ET of its clock, and its election
 *    timer fires at most ET + (n-1) rank steps + HB/2 after its last contact;
 *  - a round can fail once on what the chaos left behind (a higher term learnt from the
 *    answers, a split vote, a voter whose promise outlasted the candidate's): the next attempt
 *    comes ET + HB/2 later (ET + ET/2 after a split vote, raft_start_election), after a term
 *    adoption ET + (n-1) steps + HB/2;
 *  - clocks run up to 1 % slow: timer spans take up to 2 rho longer in real time;
 *  - then a second of slack for the rounds themselves (ms each) and replay catching up.
 * Preemption waits for its target to follow the leader's timeline (a database tick or two
 * after the promotion; a diverged standby never does in a calm phase) and to reach where the
 * leader was an election timeout before (raft-lead.c lead_following: known from ET to 2 ET
 * after the promotion, noticed at a heartbeat), then adds its delay, a heartbeat to notice,
 * up to 300 ms of demote, the successor's catch-up and its election. */
static void main_bounds(struct sim *s)
{
	uint64_t et = s->p.election_us, hb = s->p.heartbeat_us;
	uint64_t step = et / 8 > hb ? et / 8 : hb;
	uint64_t timers = 3 * et + et / 2 + 2 * (s->n - 1) * step + 2 * hb;

	s->bound_elect = 300 * SIM_MS + hb + timers + timers * 2 * QUORUM_RHO_PPM / 1000000 + SIM_S;
	s->bound_stable = s->bound_elect;
	if (s->p.preempt)
		s->bound_stable += 2 * DB_TICK_US + 2 * et + hb + s->p.preempt_delay_us + hb +
				   300 * SIM_MS + et + SIM_S;
}

static void main_setup(struct sim *s, uint64_t seed, char shape, uint64_t seconds)
{
	const uint64_t *t;

	s->seed = seed;
	s->rng = seed;
	s->shape = shape ? shape : "35w"[seed % 3];
	s->n = s->shape == '5' ? 5 : 3;
	s->node[2].witness = s->shape == 'w';
	s->end = seconds * SIM_S;
	t = main_timing[sim_below(s, ARRAY_SIZE(main_timing))];
	s->p.n_members = s->n;
	/* members are numbered alike on every simulated node: their numbers are the order */
	for (unsigned i = 0; i < s->n; i++)
		s->p.order[i] = i;
	s->p.heartbeat_us = t[0];
	s->p.election_us = t[1];
	s->p.margin_us = 5 * SIM_MS;
	s->p.guard_us = 20 * SIM_MS;
	s->p.preempt = sim_chance(s, 333000);
	s->p.preempt_delay_us = s->p.preempt ? sim_below(s, 3) * 500 * SIM_MS : 0;
	main_clocks(s);
	db_init(s);
	main_priorities(s);
	main_bounds(s);
	nem_start(s);
}

static void main_seed(const struct main_opts *o, uint64_t seed)
{
	struct sim *s = xcalloc(1, sizeof(*s));

	s->verbose = o->verbose;
	main_setup(s, seed, o->shape, o->seconds);
	sim_run(s);
	if (!o->quiet)
		printf("seed %llu: %c, hb %llu ms, et %llu ms%s: %lu steps, %lu messages, %lu leaders, "
		       "%lu/%lu switchovers, %lu crashes, %lu freezes, %lu promotions, %lu rewinds, "
		       "%lu calm phases, a leader within %llu of %llu ms: ok\n",
		       (unsigned long long)seed, s->shape,
		       (unsigned long long)(s->p.heartbeat_us / SIM_MS),
		       (unsigned long long)(s->p.election_us / SIM_MS),
		       s->p.preempt ? ", preempt" : "", s->st.steps, s->st.msgs, s->st.leaders,
		       s->st.transfers_ok, s->st.transfers_ok + s->st.transfers_failed,
		       s->st.crashes, s->st.freezes, s->st.promotions, s->st.rewinds,
		       s->st.calm_phases, (unsigned long long)(s->st.slowest_us / SIM_MS),
		       (unsigned long long)(s->bound_elect / SIM_MS));
	db_free(s);
	check_free(s);
	free(s->heap);
	free(s);
}

static void main_usage(FILE *f)
{
	fputs("usage: kq-sim [--seed S] [--seeds N] [--nodes 3|5|w] [--seconds T] [-v] [-q]\n",
	      f);
}

static uint64_t main_number(const char *arg, const char *what)
{
	char *end;
	unsigned long long v = strtoull(arg, &end, 10);

	if (!*arg || *end || *arg == '-') {
		fprintf(stderr, "kq-sim: %s: '%s' is not a number\n", what, arg);
		exit(2);
	}
	return v;
}

static void main_parse(int argc, char **argv, struct main_opts *o)
{
	static const struct option longs[] = {
		{ "seed", required_argument, NULL, 's' }, { "seeds", required_argument, NULL, 'n' },
		{ "nodes", required_argument, NULL, 'N' },
		{ "seconds", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "vqh", longs, NULL)) != -1) {
		switch (c) {
		case 's': o->seed = main_number(optarg, "--seed"); break;
		case 'n': o->seeds = main_number(optarg, "--seeds"); break;
		case 't': o->seconds = main_number(optarg, "--seconds"); break;
		case 'N':
			if (strcmp(optarg, "3") && strcmp(optarg, "5") && strcmp(optarg, "w")) {
				fprintf(stderr, "kq-sim: --nodes: 3, 5 or w, not '%s'\n", optarg);
				exit(2);
			}
			o->shape = optarg[0];
			break;
		case 'v': o->verbose = true; break;
		case 'q': o->quiet = true; break;
		case 'h': main_usage(stdout); exit(0);
		default: main_usage(stderr); exit(2);
		}
	}
	if (optind < argc || !o->seconds) {
		main_usage(stderr);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct main_opts o = { .seed = 1, .seeds = 1, .seconds = 60 };

	main_parse(argc, argv, &o);
	for (uint64_t k = 0; k < o.seeds; k++)
		main_seed(&o, o.seed + k);
	printf("%llu seeds, %llu simulated seconds each: ok\n", (unsigned long long)o.seeds,
	       (unsigned long long)o.seconds);
	return 0;
}
