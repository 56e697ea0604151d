/* vrrp/fsm.c: every row of the transition table, the RFC 5798 timers, and keepalived's
 * behaviours (start in BACKUP, priority 0 on leaving, FAULT). Time is simulated: microseconds. */
#include <arpa/inet.h>
#include <check.h>

#include "tests/unit/testutil.h"
#include "vrrp/fsm.h"

#define SEC 1000000ULL

static struct conf_addr fsm_addr(const char *s)
{
	struct conf_addr a;

	ck_assert_int_eq(conf_addr_parse(s, &a), 0);
	return a;
}

static void fsm_make(struct vrrp_fsm *f, unsigned version, unsigned prio, unsigned adv_cs)
{
	struct vrrp_fsm_params p = {.version = version, .priority = prio, .advert_cs = adv_cs,
				    .self = fsm_addr("10.0.0.2")};

	vrrp_fsm_init(f, &p);
}

static void fsm_ev(struct vrrp_fsm *f, enum vrrp_event_kind kind, uint64_t now, struct vrrp_actions *a)
{
	struct vrrp_event ev = {.kind = kind};

	vrrp_fsm_step(f, &ev, now, a);
}

static void fsm_advert(struct vrrp_fsm *f, unsigned prio, unsigned iv_cs, const char *src, uint64_t now,
		       struct vrrp_actions *a)
{
	struct vrrp_event ev = {.kind = VRRP_EV_ADVERT, .priority = prio, .interval_cs = iv_cs,
				.src = fsm_addr(src)};

	vrrp_fsm_step(f, &ev, now, a);
}

/* The kinds of the actions, in order, as a string such as "T+GA" for assertions:
 * T transition, + add VIPs, G garp, A advert (a: priority-0 advert), - delete VIPs. */
static const char *fsm_kinds(const struct vrrp_actions *a)
{
	static char buf[VRRP_MAX_ACTIONS + 1];
	size_t i;

	for (i = 0; i < a->n; i++) {
		switch (a->v[i].kind) {
		case VRRP_ACT_TRANSITION: buf[i] = 'T'; break;
		case VRRP_ACT_ADD_VIPS: buf[i] = '+'; break;
		case VRRP_ACT_DEL_VIPS: buf[i] = '-'; break;
		case VRRP_ACT_GARP: buf[i] = 'G'; break;
		case VRRP_ACT_SEND_ADVERT: buf[i] = a->v[i].priority ? 'A' : 'a'; break;
		}
	}
	buf[i] = '\0';
	return buf;
}

START_TEST(test_timers)
{
	/* RFC 5798 6.1 at 1 s, priority 100: 3 s + 156/256 s = 3.609375 s, which is what the lab
	 * measured for keepalived (3609.6 ms). */
	ck_assert_uint_eq(vrrp_fsm_master_down_us(3, 100, 100), 3609375);
	ck_assert_uint_eq(vrrp_fsm_skew_us(3, 100, 100), 609375);
	/* v3 scales Skew_Time with the interval */
	ck_assert_uint_eq(vrrp_fsm_skew_us(3, 100, 10), 60937);
	/* v2's skew is in whole seconds' fractions, independent of the interval (RFC 3768 6.1) */
	ck_assert_uint_eq(vrrp_fsm_skew_us(2, 100, 300), 609375);
	ck_assert_uint_eq(vrrp_fsm_master_down_us(2, 255, 100), 3003906);
	ck_assert_uint_eq(vrrp_fsm_effective_priority(100, 200), 254);
	ck_assert_uint_eq(vrrp_fsm_effective_priority(100, -200), 1);
	ck_assert_uint_eq(vrrp_fsm_effective_priority(255, -50), 255);
	ck_assert_uint_eq(vrrp_fsm_effective_priority(150, -20), 130);
}
END_TEST

START_TEST(test_startup)
{
	struct vrrp_fsm f;
	struct vrrp_actions a;

	fsm_make(&f, 3, 100, 100);
	fsm_ev(&f, VRRP_EV_STARTUP, 10 * SEC, &a);
	ck_assert_str_eq(fsm_kinds(&a), "T");
	ck_assert_int_eq(a.v[0].from, VRRP_INIT);
	ck_assert_int_eq(a.v[0].to, VRRP_BACKUP);
	ck_assert_int_eq(f.state, VRRP_BACKUP);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), 10 * SEC + 3609375);
	/* the owner becomes master at once: VIPs, gratuitous ARP, advert, in that order */
	fsm_make(&f, 3, 255, 100);
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	ck_assert_str_eq(fsm_kinds(&a), "T+GA");
	ck_assert_int_eq(f.state, VRRP_MASTER);
	ck_assert_uint_eq(a.v[3].priority, 255);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), 1 * SEC);
	/* a fault at start */
	fsm_make(&f, 3, 100, 100);
	fsm_ev(&f, VRRP_EV_FAULT, 0, &a);
	ck_assert_uint_eq(a.n, 0);
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	ck_assert_int_eq(f.state, VRRP_FAULT);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), 0);
}
END_TEST

START_TEST(test_backup)
{
	struct vrrp_fsm f;
	struct vrrp_actions a;

	fsm_make(&f, 3, 100, 100);
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	/* a higher-priority master: followed, and its 50 cs interval adopted (RFC 5798 6.4.2) */
	fsm_advert(&f, 150, 50, "10.0.0.1", 1 * SEC, &a);
	ck_assert_uint_eq(a.n, 0);
	ck_assert(f.master_known);
	ck_assert_uint_eq(f.master_adv_cs, 50);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), 1 * SEC + vrrp_fsm_master_down_us(3, 100, 50));
	/* an equal priority is followed too, whatever the address ("greater than or equal",
	 * RFC 5798 6.4.2): only a MASTER breaks ties by address */
	fsm_advert(&f, 100, 50, "10.0.0.1", 1 * SEC + 500000, &a);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), 1 * SEC + 500000 + vrrp_fsm_master_down_us(3, 100, 50));
	/* priority 0: the master leaves, take over after Skew_Time only */
	fsm_advert(&f, 0, 50, "10.0.0.1", 2 * SEC, &a);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), 2 * SEC + vrrp_fsm_skew_us(3, 100, 50));
	/* a timer before the deadline does nothing; at it, MASTER */
	fsm_ev(&f, VRRP_EV_TIMER, 2 * SEC + 1, &a);
	ck_assert_uint_eq(a.n, 0);
	fsm_ev(&f, VRRP_EV_TIMER, vrrp_fsm_deadline(&f), &a);
	ck_assert_str_eq(fsm_kinds(&a), "T+GA");
	ck_assert_int_eq(f.state, VRRP_MASTER);
	/* the master sends at its own configured interval */
	ck_assert_uint_eq(vrrp_fsm_deadline(&f) - (2 * SEC + vrrp_fsm_skew_us(3, 100, 50)), 1 * SEC);
}
END_TEST

START_TEST(test_preempt)
{
	struct vrrp_fsm f;
	struct vrrp_actions a;
	uint64_t d;

	/* preempt (the default): a lower-priority master's adverts are ignored, so the down timer
	 * runs out and this router takes over */
	fsm_make(&f, 3, 150, 100);
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	d = vrrp_fsm_deadline(&f);
	fsm_advert(&f, 100, 100, "10.0.0.1", 1 * SEC, &a);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), d);
	fsm_ev(&f, VRRP_EV_TIMER, d, &a);
	ck_assert_int_eq(f.state, VRRP_MASTER);
	/* nopreempt: the lower-priority master is followed */
	fsm_make(&f, 3, 150, 100);
	f.p.nopreempt = true;
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	fsm_advert(&f, 100, 100, "10.0.0.1", 1 * SEC, &a);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), 1 * SEC + vrrp_fsm_master_down_us(3, 150, 100));
	ck_assert_int_eq(f.state, VRRP_BACKUP);
	/* preempt_delay 5 s: followed until 5 s after the first lower advert, then ignored */
	fsm_make(&f, 3, 150, 100);
	f.p.preempt_delay_us = 5 * SEC;
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	fsm_advert(&f, 100, 100, "10.0.0.1", 1 * SEC, &a);
	ck_assert_uint_eq(f.preempt_at, 6 * SEC);
	fsm_advert(&f, 100, 100, "10.0.0.1", 5 * SEC, &a);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), 5 * SEC + vrrp_fsm_master_down_us(3, 150, 100));
	d = vrrp_fsm_deadline(&f);
	fsm_advert(&f, 100, 100, "10.0.0.1", 6 * SEC, &a);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), d);
	fsm_ev(&f, VRRP_EV_TIMER, d, &a);
	ck_assert_int_eq(f.state, VRRP_MASTER);
	ck_assert_uint_eq(f.preempt_at, 0);
}
END_TEST

START_TEST(test_master)
{
	struct vrrp_fsm f;
	struct vrrp_actions a;

	fsm_make(&f, 3, 100, 100);
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	fsm_ev(&f, VRRP_EV_TIMER, vrrp_fsm_deadline(&f), &a);
	ck_assert_int_eq(f.state, VRRP_MASTER);
	/* adverts at every interval */
	fsm_ev(&f, VRRP_EV_TIMER, vrrp_fsm_deadline(&f), &a);
	ck_assert_str_eq(fsm_kinds(&a), "A");
	/* a lower priority, or an equal one from a lower address: ignored */
	fsm_advert(&f, 50, 100, "10.0.0.9", 5 * SEC, &a);
	ck_assert_uint_eq(a.n, 0);
	fsm_advert(&f, 100, 100, "10.0.0.1", 5 * SEC, &a);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_int_eq(f.state, VRRP_MASTER);
	/* priority 0 from another: answer at once */
	fsm_advert(&f, 0, 100, "10.0.0.1", 5 * SEC, &a);
	ck_assert_str_eq(fsm_kinds(&a), "A");
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), 6 * SEC);
	/* equal priority from a higher address: step down, VIPs go; no priority-0 advert, the
	 * other is master */
	fsm_advert(&f, 100, 100, "10.0.0.3", 7 * SEC, &a);
	ck_assert_str_eq(fsm_kinds(&a), "T-");
	ck_assert_int_eq(f.state, VRRP_BACKUP);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), 7 * SEC + 3609375);
	/* and a higher priority one */
	fsm_ev(&f, VRRP_EV_TIMER, vrrp_fsm_deadline(&f), &a);
	fsm_advert(&f, 200, 100, "10.0.0.1", 20 * SEC, &a);
	ck_assert_str_eq(fsm_kinds(&a), "T-");
	ck_assert_str_eq(a.v[0].reason, "higher priority master");
}
END_TEST

/* vrrp_fsm_advance_advert: a MASTER's next advert only ever earlier, and after now */
START_TEST(test_advance_advert)
{
	struct vrrp_fsm f;
	struct vrrp_actions a;
	uint64_t t;

	fsm_make(&f, 3, 100, 10);
	ck_assert(!vrrp_fsm_advance_advert(&f, 0, 1));            /* INIT: no */
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	ck_assert(!vrrp_fsm_advance_advert(&f, 0, 1));            /* BACKUP: no */
	t = vrrp_fsm_deadline(&f);
	fsm_ev(&f, VRRP_EV_TIMER, t, &a);
	ck_assert_int_eq(f.state, VRRP_MASTER);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), t + SEC / 10);
	ck_assert(!vrrp_fsm_advance_advert(&f, t, t));            /* not now, */
	ck_assert(!vrrp_fsm_advance_advert(&f, t, t + SEC / 10)); /* nor at its time, */
	ck_assert(!vrrp_fsm_advance_advert(&f, t, t + SEC));      /* nor later */
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), t + SEC / 10);
	ck_assert(vrrp_fsm_advance_advert(&f, t, t + 60000));
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), t + 60000);
	/* the schedule runs on from there */
	fsm_ev(&f, VRRP_EV_TIMER, t + 60000, &a);
	ck_assert_str_eq(fsm_kinds(&a), "A");
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), t + 160000);
}
END_TEST

START_TEST(test_fault_and_stop)
{
	struct vrrp_fsm f;
	struct vrrp_actions a;
	struct vrrp_event ev = {.kind = VRRP_EV_FAULT, .reason = "eth0 down"};

	fsm_make(&f, 3, 255, 100);
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	/* MASTER -> FAULT: priority 0 first, then the VIPs go */
	vrrp_fsm_step(&f, &ev, 1 * SEC, &a);
	ck_assert_str_eq(fsm_kinds(&a), "Ta-");
	ck_assert_str_eq(a.v[0].reason, "eth0 down");
	ck_assert_int_eq(f.state, VRRP_FAULT);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), 0);
	/* adverts are watched, not answered */
	fsm_advert(&f, 100, 100, "10.0.0.1", 2 * SEC, &a);
	ck_assert_uint_eq(a.n, 0);
	ck_assert(f.master_known);
	/* FAULT -> BACKUP when it clears */
	fsm_ev(&f, VRRP_EV_FAULT_CLEAR, 3 * SEC, &a);
	ck_assert_str_eq(fsm_kinds(&a), "T");
	ck_assert_int_eq(f.state, VRRP_BACKUP);
	/* BACKUP -> FAULT: nothing to give up */
	vrrp_fsm_step(&f, &ev, 4 * SEC, &a);
	ck_assert_str_eq(fsm_kinds(&a), "T");
	fsm_ev(&f, VRRP_EV_FAULT_CLEAR, 5 * SEC, &a);
	/* BACKUP -> STOP: quietly */
	fsm_ev(&f, VRRP_EV_SHUTDOWN, 6 * SEC, &a);
	ck_assert_str_eq(fsm_kinds(&a), "T");
	ck_assert_int_eq(f.state, VRRP_STOP);
	/* STOP ignores everything */
	for (int k = 0; k < VRRP_EV_COUNT; k++) {
		fsm_ev(&f, (enum vrrp_event_kind)k, 7 * SEC, &a);
		ck_assert_uint_eq(a.n, 0);
	}
	/* MASTER -> STOP: priority 0 so backups wait only Skew_Time */
	fsm_make(&f, 2, 255, 100);
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	fsm_ev(&f, VRRP_EV_SHUTDOWN, 1, &a);
	ck_assert_str_eq(fsm_kinds(&a), "Ta-");
}
END_TEST

START_TEST(test_gate_and_priority)
{
	struct vrrp_fsm f;
	struct vrrp_actions a;
	struct vrrp_event closed = {.kind = VRRP_EV_GATE, .gate_open = false, .reason = "no quorum"};
	struct vrrp_event open = {.kind = VRRP_EV_GATE, .gate_open = true};
	struct vrrp_event prio = {.kind = VRRP_EV_PRIORITY, .new_priority = 80};
	uint64_t d;

	fsm_make(&f, 3, 100, 100);
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	vrrp_fsm_step(&f, &closed, 0, &a);
	/* the down timer runs out but the gate is shut: stay BACKUP, look again later */
	d = vrrp_fsm_deadline(&f);
	fsm_ev(&f, VRRP_EV_TIMER, d, &a);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_int_eq(f.state, VRRP_BACKUP);
	ck_assert(f.want_master);
	ck_assert_uint_gt(vrrp_fsm_deadline(&f), d);
	/* it wanted to be MASTER: the gate opening is enough, no second wait */
	vrrp_fsm_step(&f, &open, d + 1, &a);
	ck_assert_str_eq(fsm_kinds(&a), "T+GA");
	ck_assert_str_eq(a.v[0].reason, "may be master now");
	ck_assert_int_eq(f.state, VRRP_MASTER);
	ck_assert(!f.want_master);
	/* the gate shuts on a MASTER: it gives up with priority 0 and becomes BACKUP */
	vrrp_fsm_step(&f, &closed, 10 * SEC, &a);
	ck_assert_str_eq(fsm_kinds(&a), "Ta-");
	ck_assert_str_eq(a.v[0].reason, "no quorum");
	ck_assert_int_eq(f.state, VRRP_BACKUP);
	/* a priority change is used by the next timers and adverts */
	vrrp_fsm_step(&f, &prio, 11 * SEC, &a);
	ck_assert_uint_eq(f.priority, 80);
	fsm_advert(&f, 90, 100, "10.0.0.1", 12 * SEC, &a);
	ck_assert_uint_eq(vrrp_fsm_deadline(&f), 12 * SEC + vrrp_fsm_master_down_us(3, 80, 100));
}
END_TEST

START_TEST(test_want_master)
{
	struct vrrp_fsm f;
	struct vrrp_actions a;
	struct vrrp_event closed = {.kind = VRRP_EV_GATE, .gate_open = false};
	struct vrrp_event open = {.kind = VRRP_EV_GATE, .gate_open = true, .reason = "sync group"};

	/* a gate that opens on a BACKUP whose timer has not run out changes nothing */
	fsm_make(&f, 3, 100, 100);
	vrrp_fsm_step(&f, &closed, 0, &a);
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	ck_assert(!f.want_master);
	vrrp_fsm_step(&f, &open, 1 * SEC, &a);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_int_eq(f.state, VRRP_BACKUP);
	/* wanting, then a master it accepts (higher priority) appears: it no longer wants */
	vrrp_fsm_step(&f, &closed, 1 * SEC, &a);
	fsm_ev(&f, VRRP_EV_TIMER, vrrp_fsm_deadline(&f), &a);
	ck_assert(f.want_master);
	fsm_advert(&f, 150, 100, "10.0.0.9", 5 * SEC, &a);
	ck_assert(!f.want_master);
	vrrp_fsm_step(&f, &open, 5 * SEC, &a);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_int_eq(f.state, VRRP_BACKUP);
	/* a lower-priority master is no reason to stop wanting (preemption) */
	vrrp_fsm_step(&f, &closed, 6 * SEC, &a);
	fsm_ev(&f, VRRP_EV_TIMER, vrrp_fsm_deadline(&f), &a);
	ck_assert(f.want_master);
	fsm_advert(&f, 50, 100, "10.0.0.9", 20 * SEC, &a);
	ck_assert(f.want_master);
	/* nor is a master leaving (priority 0) */
	fsm_advert(&f, 0, 100, "10.0.0.9", 20 * SEC, &a);
	ck_assert(f.want_master);
	vrrp_fsm_step(&f, &open, 20 * SEC, &a);
	ck_assert_str_eq(a.v[0].reason, "sync group");
	ck_assert_int_eq(f.state, VRRP_MASTER);
	/* FAULT forgets the wish */
	vrrp_fsm_step(&f, &closed, 21 * SEC, &a);
	fsm_ev(&f, VRRP_EV_TIMER, vrrp_fsm_deadline(&f), &a);
	ck_assert(f.want_master);
	fsm_ev(&f, VRRP_EV_FAULT, 30 * SEC, &a);
	ck_assert(!f.want_master);
	fsm_ev(&f, VRRP_EV_FAULT_CLEAR, 31 * SEC, &a);
	vrrp_fsm_step(&f, &open, 31 * SEC, &a);
	ck_assert_int_eq(f.state, VRRP_BACKUP);
}
END_TEST

/* quorum = yes: the gate starts shut, its opening is the election (MASTER at once, no down
 * timer to wait for), and no advert takes MASTER away -- only the gate does. */
START_TEST(test_gated)
{
	struct vrrp_fsm f;
	struct vrrp_actions a;
	struct vrrp_fsm_params p = {.version = 3, .priority = 255, .advert_cs = 100,
				    .self = fsm_addr("10.0.0.2"), .gated = true};
	struct vrrp_event closed = {.kind = VRRP_EV_GATE, .gate_open = false, .reason = "lease lost"};
	struct vrrp_event open = {.kind = VRRP_EV_GATE, .gate_open = true, .reason = "leads"};

	/* even the address owner waits for the quorum */
	vrrp_fsm_init(&f, &p);
	ck_assert(!f.gate_open);
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	ck_assert_str_eq(fsm_kinds(&a), "T");
	ck_assert_int_eq(f.state, VRRP_BACKUP);
	/* a master is heard and followed; the gate opening does not wait for it to go */
	fsm_advert(&f, 100, 100, "10.0.0.9", 1 * SEC, &a);
	ck_assert_int_eq(f.state, VRRP_BACKUP);
	vrrp_fsm_step(&f, &open, 1 * SEC + 10, &a);
	ck_assert_str_eq(fsm_kinds(&a), "T+GA");
	ck_assert_str_eq(a.v[0].reason, "leads");
	ck_assert_int_eq(f.state, VRRP_MASTER);
	/* a higher-priority advert (a stale leader, a foreign router) changes nothing */
	p.priority = 100;
	vrrp_fsm_init(&f, &p);
	fsm_ev(&f, VRRP_EV_STARTUP, 0, &a);
	vrrp_fsm_step(&f, &open, 0, &a);
	ck_assert_int_eq(f.state, VRRP_MASTER);
	fsm_advert(&f, 250, 100, "10.0.0.9", 2 * SEC, &a);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_int_eq(f.state, VRRP_MASTER);
	ck_assert_uint_eq(f.adverts_received, 1);
	/* the gate shutting is what ends it */
	vrrp_fsm_step(&f, &closed, 3 * SEC, &a);
	ck_assert_str_eq(fsm_kinds(&a), "Ta-");
	ck_assert_str_eq(a.v[0].reason, "lease lost");
	ck_assert_int_eq(f.state, VRRP_BACKUP);
	/* its down timer running out with the gate shut makes no MASTER */
	fsm_ev(&f, VRRP_EV_TIMER, vrrp_fsm_deadline(&f), &a);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_int_eq(f.state, VRRP_BACKUP);
}
END_TEST

START_TEST(test_every_cell)
{
	/* No (state, event) pair crashes or produces an action list the executor cannot run. */
	for (int s = 0; s < VRRP_STATE_COUNT; s++) {
		for (int k = 0; k < VRRP_EV_COUNT; k++) {
			struct vrrp_fsm f;
			struct vrrp_actions a;
			struct vrrp_event ev = {.kind = (enum vrrp_event_kind)k, .priority = 100,
						.interval_cs = 100, .src = fsm_addr("10.0.0.1"),
						.new_priority = 120, .gate_open = true};

			fsm_make(&f, 3, 100, 100);
			f.state = (enum vrrp_state)s;
			f.deadline = 5 * SEC;
			vrrp_fsm_step(&f, &ev, 5 * SEC, &a);
			ck_assert_uint_le(a.n, VRRP_MAX_ACTIONS);
			for (size_t i = 0; i < a.n; i++)
				if (a.v[i].kind == VRRP_ACT_TRANSITION)
					ck_assert_int_eq(a.v[i].to, f.state);
		}
	}
	ck_assert_str_eq(vrrp_state_name(VRRP_FAULT), "FAULT");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vrrp_fsm");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_timers);
	tcase_add_test(tc, test_startup);
	tcase_add_test(tc, test_backup);
	tcase_add_test(tc, test_preempt);
	tcase_add_test(tc, test_master);
	tcase_add_test(tc, test_fault_and_stop);
	tcase_add_test(tc, test_gate_and_priority);
	tcase_add_test(tc, test_gated);
	tcase_add_test(tc, test_want_master);
	tcase_add_test(tc, test_every_cell);
	tcase_add_test(tc, test_advance_advert);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
