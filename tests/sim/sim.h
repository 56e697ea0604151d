/* The deterministic cluster simulation of the quorum core (DESIGN.md "How it is tested", 2).
 *
 * 3 or 5 members, or 2 and a witness, each a struct quorum driven through quorum_step() on a
 * simulated clock: real time is a number of microseconds, events wait in one queue ordered by
 * (time, sequence), and every random choice comes from one generator seeded by the seed, so a
 * seed replays byte for byte. Each node's clock runs at its own rate within 1 +- rho. The
 * network delays, drops, duplicates and reorders messages and cuts links one way or both; the
 * nemesis (nemesis.c) crashes, restarts and freezes nodes, flips their health and databases, and
 * runs switchovers, pauses and graceful stops, in chaos phases between calm ones. check.c holds
 * the invariants, checked after every step; db.c the databases whose positions the members
 * advertise. tests/sim/run runs it; tests/sim/check.sh is make check's share.
 *
 *   sim.c      the world: queue, clocks, network, the nodes' daemons and their steps
 *   db.c       the databases: writes on the primary, replication, replay, promotion, rewind
 *   nemesis.c  faults and operations, chaos and calm
 *   attack.c   faults aimed at the leader, in the shapes the lease has to hold against
 *   check.c    the invariants
 *   trace.c    the trace, and how a failure is told
 *   main.c     arguments, the seeds loop, each seed's parameters */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "quorum/raft.h"

#define SIM_MAX_NODES 5
#define SIM_HELD_MAX 256     /* a frozen node's socket buffer, in messages */
#define SIM_TRACE_LINES 64   /* the ring of recent trace lines */
#define SIM_TRACE_SHOW 40    /* how many of them a failure prints */
#define SIM_LINE 320
#define SIM_MS 1000ULL
#define SIM_S 1000000ULL
#define DB_TICK_US (50 * SIM_MS)      /* the databases move on this often */

enum sim_ev_kind {
	SIM_EV_BOOT,       /* .node's daemon starts: first start or restart */
	SIM_EV_DELIVER,    /* .msg reaches .msg.to */
	SIM_EV_TIMER,      /* .node's quorum_deadline(), unless .gen is an older timer's */
	SIM_EV_RELEASED,   /* .node's demote finished; .gen names the RELEASE it answers */
	SIM_EV_DB_TICK,    /* the databases move on */
	SIM_EV_NEMESIS,    /* the nemesis' next move */
	SIM_EV_UNDO,       /* a timed fault ends (.arg: enum nem_undo), if .gen is this phase's */
	SIM_EV_PHASE,      /* chaos to calm, or calm to chaos */
	SIM_EV_LIVENESS,   /* a calm phase's deadlines (check.c) */
};

struct sim_event {
	uint64_t at, seq;
	enum sim_ev_kind kind;
	unsigned node;
	int arg;
	uint64_t gen;
	struct quorum_msg msg;
};

/* A node's monotonic clock: since real time base_real it reads
 * base_local + (real - base_real) * (1 + ppm / 1e6), rounded down. Its rate may change (NTP
 * slews it, within rho): then the base moves to the present. It is never read before then. */
struct sim_clock {
	uint64_t base_real, base_local;
	int64_t ppm;
};

/* A member's database as the daemon's checks would see it (db.c). */
struct sim_db {
	bool healthy;          /* its checks pass */
	bool lsn_known;        /* the database answers */
	uint8_t priority;
	uint32_t tl;
	uint64_t lsn;          /* replayed (or, on the primary, written) */
	uint64_t received;     /* streamed from the primary, on tl */
	uint64_t stall_until;  /* real time: replay stalls until then */
	uint64_t rewind_at;    /* real time: it diverged, pg_rewind runs then; 0: it has not */
};

struct sim_node {
	bool up;               /* the daemon runs */
	bool frozen;           /* SIGSTOP: processes nothing, its clock runs on */
	bool witness;
	bool crash_at_persist; /* crash right after the next PERSIST is durable */
	uint64_t incarnation;  /* bumped at every boot and crash */
	struct sim_clock clk;
	struct quorum q;
	struct quorum_persist ps;    /* the last PERSIST executed: all a restart keeps */
	uint64_t timer_gen;
	uint64_t timer_local;        /* the deadline the pending timer event is for; 0: none */
	unsigned timer_spin;         /* timer steps in a row at one local time */
	uint64_t spin_local;
	struct quorum_fitness told;  /* the fitness the core was last given */
	uint64_t release_id;         /* the RELEASE whose answer is due */
	bool release_held;           /* ... and fell due while frozen */
	bool release_calm;           /* ... and was asked for in a calm phase */
	bool handing_over;           /* a RELEASE began a hand-over whose end was not told yet */
	uint64_t elected_at;         /* real time it last became leader */
	struct quorum_msg held[SIM_HELD_MAX];
	unsigned n_held;
	struct sim_db db;
};

struct sim_stats {
	unsigned long steps, msgs, leaders, transfers_ok, transfers_failed, crashes, freezes,
		calm_phases, rewinds, promotions;
	uint64_t slowest_us;   /* the longest a calm phase waited for a leader */
};

struct sim {
	uint64_t seed, rng;
	unsigned n;
	char shape;                  /* '3', '5' or 'w' (2 and a witness) */
	struct quorum_params p;      /* self, witness and seed set per node at boot */
	uint64_t now, seq, end;
	bool verbose;
	struct sim_event *heap;
	size_t n_ev, cap_ev;
	struct sim_node node[SIM_MAX_NODES];
	/* the network: link[a][b] carries a's messages to b */
	bool link[SIM_MAX_NODES][SIM_MAX_NODES];
	unsigned drop_ppm, dup_ppm, slow_ppm;
	bool lan;                    /* delays of a LAN, not of a WAN */
	/* the databases: the primary (-1: none yet) and the timeline history */
	int primary;
	uint64_t write_max;          /* the primary writes up to this much a tick; 0: idle */
	bool repl_apart;             /* replication does not use the quorum's links */
	uint32_t max_tl;
	uint32_t *tl_parent;
	uint64_t *tl_fork;
	size_t tl_cap;
	/* phases (nemesis.c) and the liveness deadlines (check.c) */
	bool calm;
	uint64_t epoch;              /* bumped at every phase change: older UNDOs are void */
	uint64_t phase_end;          /* when this phase ends; a PHASE event at another time is void */
	uint64_t calm_since, elect_by, stable_from, bound_elect, bound_stable;
	bool had_leader;
	unsigned calm_failed_xfers;  /* hand-overs begun and failed in this calm phase */
	int stable;                  /* the leader that must last the calm phase; -1: not yet */
	bool pause_op;               /* the operator's pause is on */
	uint32_t moves;              /* the kinds of fault of this chaos phase (nemesis.c) */
	uint64_t move_gap;           /* ... and the longest gap between two */
	/* what was recorded for the invariants (check.c) */
	int *votes[SIM_MAX_NODES];   /* by term: voted_for + 2 (0: nothing recorded) */
	size_t votes_cap[SIM_MAX_NODES];
	int *term_leader;            /* by term: leader + 1 (0: none) */
	size_t term_leader_cap;
	/* each node's last lease, in real time: [since, end) */
	uint64_t lease_since[SIM_MAX_NODES], lease_end[SIM_MAX_NODES];
	char trace[SIM_TRACE_LINES][SIM_LINE];
	unsigned long trace_n;
	struct sim_stats st;
};

/* sim.c */
uint64_t sim_rand(struct sim *s);
uint64_t sim_below(struct sim *s, uint64_t n);
uint64_t sim_range(struct sim *s, uint64_t lo, uint64_t hi);  /* lo..hi, both included */
bool sim_chance(struct sim *s, unsigned ppm);
uint64_t sim_local(const struct sim_clock *c, uint64_t real);
/* The first real time at which the clock reads `local` or more. */
uint64_t sim_real(const struct sim_clock *c, uint64_t local);
/* Node i's clock runs at 1 + ppm / 1e6 from now on; its timer follows. */
void sim_set_rate(struct sim *s, unsigned i, int64_t ppm);
struct sim_event *sim_push(struct sim *s, uint64_t at, enum sim_ev_kind kind, unsigned node);
void sim_boot(struct sim *s, unsigned i);
void sim_crash(struct sim *s, unsigned i, const char *why);
void sim_freeze(struct sim *s, unsigned i);
void sim_thaw(struct sim *s, unsigned i);
/* Step node i (up, not frozen) with ev at the current real time. */
void sim_step(struct sim *s, unsigned i, const struct quorum_event *ev);
/* Give node i its database's fitness if the core does not have it yet. */
void sim_tell_fitness(struct sim *s, unsigned i);
/* Node i believes it holds a valid lease at real time `real`: leader, its clock short of
 * lease_until (the raw lease, not the gate). */
bool sim_holds(const struct sim *s, unsigned i, uint64_t real);
/* Run one seed to s->end; returns only if every check held. */
void sim_run(struct sim *s);

/* db.c */
void db_init(struct sim *s);
void db_free(struct sim *s);
void db_fitness(const struct sim *s, unsigned i, struct quorum_fitness *f);
/* Writes, replication, replay, rewinds; then the changed fitnesses are told. */
void db_tick(struct sim *s);
/* After each step of node i: its gate opened, so its database becomes the primary. */
void db_after_step(struct sim *s, unsigned i);

/* nemesis.c */
/* .node: the node; for NEM_LINK_UP from * SIM_MAX_NODES + to; for NEM_BOUNCE the node
 * that must not bounce */
enum nem_undo { NEM_THAW, NEM_HEAL_DB, NEM_RESUME, NEM_STOP_CRASH, NEM_RESTART, NEM_LINK_UP,
		NEM_BOUNCE };
void nem_start(struct sim *s);
void nem_later(struct sim *s, uint64_t after, enum nem_undo what, unsigned node);

/* attack.c: moves aimed at the leader (nem_leader(): the lowest numbered one, or -1) */
int nem_leader(const struct sim *s);
void nem_cut_leader(struct sim *s);
void nem_cut_leader_one(struct sim *s);
void nem_isolate_leader(struct sim *s);
void nem_bounce(struct sim *s);
/* crash and at once restart a follower, never `spare` */
void nem_bounce_one(struct sim *s, int spare);
void nem_drift_attack(struct sim *s);
void nem_skew(struct sim *s);
void nem_freeze_leader(struct sim *s);
void nem_move(struct sim *s);
void nem_undo(struct sim *s, const struct sim_event *ev);
void nem_phase(struct sim *s);
/* In a calm phase: undo what the calm forbids that came back (a stale pause register). */
void nem_keep_calm(struct sim *s);

/* check.c, trace.c */
__attribute__((format(printf, 2, 3))) void sim_trace(struct sim *s, const char *fmt, ...);
__attribute__((noreturn, format(printf, 3, 4))) void sim_fail(struct sim *s, const char *inv,
							       const char *fmt, ...);
void check_persist(struct sim *s, unsigned i, const struct quorum_persist *ps);
void check_send(struct sim *s, const struct quorum_msg *m);
void check_before(struct sim *s, unsigned i, const struct quorum_event *ev);
void check_new_leader(struct sim *s, unsigned i, uint64_t local);
void check_after(struct sim *s, unsigned i, uint64_t local);
void check_crashed(struct sim *s, unsigned i);
void check_release(struct sim *s, unsigned i);
void check_transfer(struct sim *s, unsigned i, const struct quorum_action *a);
/* A LIVENESS event: .arg 0 at elect_by, 1 at stable_from (void if the window moved). */
void check_calm_deadline(struct sim *s, const struct sim_event *ev);
const char *trace_msg_name(enum quorum_msg_type t);
void trace_step(struct sim *s, unsigned i, const struct quorum_event *ev,
		const struct quorum_actions *a);
void check_free(struct sim *s);
