/* vrrp/group.c: keepalived's sync group rules, alone and driving two state machines the way
 * vrrp/sync.c does (inputs delivered as GATE and FAULT events until nothing moves). */
#include <check.h>

#include "tests/unit/testutil.h"
#include "vrrp/group.h"

#define SEC 1000000ULL

static struct vrrp_group_member mem(enum vrrp_state s, bool want, bool fault)
{
	return (struct vrrp_group_member){.state = s, .want_master = want, .own_fault = fault};
}

START_TEST(test_input)
{
	struct vrrp_group_member m[3];
	struct vrrp_group_input in;

	/* the others MASTER or wanting: the gate is open */
	m[0] = mem(VRRP_BACKUP, false, false);
	m[1] = mem(VRRP_MASTER, false, false);
	m[2] = mem(VRRP_BACKUP, true, false);
	vrrp_group_input(m, 3, 0, &in);
	ck_assert(in.gate);
	ck_assert(!in.fault);
	/* one other member neither: shut, and it is named */
	vrrp_group_input(m, 3, 1, &in);
	ck_assert(!in.gate);
	ck_assert_uint_eq(in.holdout, 0);
	/* a member's own wish or state does not count for itself */
	m[0] = mem(VRRP_MASTER, false, false);
	vrrp_group_input(m, 3, 2, &in);
	ck_assert(in.gate);
	/* INIT, FAULT and STOP members want nothing */
	m[1] = mem(VRRP_INIT, false, false);
	vrrp_group_input(m, 3, 2, &in);
	ck_assert(!in.gate);
	ck_assert_uint_eq(in.holdout, 1);
	/* a fault of its own pulls the others, not itself */
	m[1] = mem(VRRP_FAULT, false, true);
	vrrp_group_input(m, 3, 1, &in);
	ck_assert(!in.fault);
	vrrp_group_input(m, 3, 0, &in);
	ck_assert(in.fault);
	ck_assert_uint_eq(in.culprit, 1);
	/* a member in FAULT only because it was pulled pulls no one */
	m[1] = mem(VRRP_FAULT, false, false);
	vrrp_group_input(m, 3, 0, &in);
	ck_assert(!in.fault);
	/* a group of one: always allowed */
	vrrp_group_input(m, 1, 0, &in);
	ck_assert(in.gate);
	ck_assert(!in.fault);
}
END_TEST

START_TEST(test_state)
{
	struct vrrp_group_member m[2];

	m[0] = mem(VRRP_MASTER, false, false);
	m[1] = mem(VRRP_MASTER, false, false);
	ck_assert_int_eq(vrrp_group_state(m, 2, VRRP_BACKUP), VRRP_MASTER);
	/* on the way: MASTER with BACKUP, or a member still in INIT, or some stopped */
	m[1] = mem(VRRP_BACKUP, false, false);
	ck_assert_int_eq(vrrp_group_state(m, 2, VRRP_MASTER), VRRP_MASTER);
	ck_assert_int_eq(vrrp_group_state(m, 2, VRRP_BACKUP), VRRP_BACKUP);
	m[0] = mem(VRRP_INIT, false, false);
	ck_assert_int_eq(vrrp_group_state(m, 2, VRRP_INIT), VRRP_INIT);
	m[0] = mem(VRRP_STOP, false, false);
	ck_assert_int_eq(vrrp_group_state(m, 2, VRRP_MASTER), VRRP_MASTER);
	m[1] = mem(VRRP_STOP, false, false);
	ck_assert_int_eq(vrrp_group_state(m, 2, VRRP_MASTER), VRRP_STOP);
	/* settled */
	m[0] = mem(VRRP_BACKUP, true, false);
	m[1] = mem(VRRP_BACKUP, false, false);
	ck_assert_int_eq(vrrp_group_state(m, 2, VRRP_INIT), VRRP_BACKUP);
	m[1] = mem(VRRP_FAULT, false, true);
	ck_assert_int_eq(vrrp_group_state(m, 2, VRRP_BACKUP), VRRP_FAULT);
	ck_assert_int_eq(vrrp_group_state(m, 0, VRRP_BACKUP), VRRP_BACKUP);
}
END_TEST

/* Two members on one host, as vrrp/sync.c runs them. */
struct pair {
	struct vrrp_fsm f[2];
	bool own_fault[2], pulled[2];
	struct vrrp_actions last[2]; /* the actions of each member's latest step */
};

static void pair_step(struct pair *p, int i, const struct vrrp_event *ev, uint64_t now)
{
	vrrp_fsm_step(&p->f[i], ev, now, &p->last[i]);
}

/* Deliver the group's inputs until nothing changes. */
static void pair_settle(struct pair *p, uint64_t now)
{
	for (int round = 0; round < 10; round++) {
		bool moved = false;

		for (int i = 0; i < 2; i++) {
			struct vrrp_group_member m[2];
			struct vrrp_group_input in;

			for (int k = 0; k < 2; k++)
				m[k] = mem(p->f[k].state, p->f[k].want_master, p->own_fault[k]);
			vrrp_group_input(m, 2, (size_t)i, &in);
			p->pulled[i] = in.fault;
			if ((p->own_fault[i] || p->pulled[i]) != p->f[i].fault) {
				struct vrrp_event ev = {.kind = p->f[i].fault ? VRRP_EV_FAULT_CLEAR : VRRP_EV_FAULT};

				pair_step(p, i, &ev, now);
				moved = true;
			} else if (in.gate != p->f[i].gate_open) {
				struct vrrp_event ev = {.kind = VRRP_EV_GATE, .gate_open = in.gate};

				pair_step(p, i, &ev, now);
				moved = true;
			}
		}
		if (!moved)
			return;
	}
	ck_abort_msg("the pair did not settle");
}

static void pair_timer(struct pair *p, int i)
{
	struct vrrp_event ev = {.kind = VRRP_EV_TIMER};
	uint64_t now = vrrp_fsm_deadline(&p->f[i]);

	pair_step(p, i, &ev, now);
	pair_settle(p, now);
}

START_TEST(test_members_move_together)
{
	struct pair p = {0};
	struct vrrp_fsm_params prm = {.version = 3, .priority = 100, .advert_cs = 100};
	struct vrrp_event startup = {.kind = VRRP_EV_STARTUP};
	struct vrrp_event higher = {.kind = VRRP_EV_ADVERT, .priority = 200, .interval_cs = 100};

	ck_assert_int_eq(conf_addr_parse("10.0.0.9", &higher.src), 0);
	for (int i = 0; i < 2; i++)
		vrrp_fsm_init(&p.f[i], &prm);
	pair_settle(&p, 0);
	for (int i = 0; i < 2; i++) {
		pair_step(&p, i, &startup, 0);
		pair_settle(&p, 0);
	}
	ck_assert_int_eq(p.f[0].state, VRRP_BACKUP);
	ck_assert_int_eq(p.f[1].state, VRRP_BACKUP);
	/* member 0's timer runs out first: it wants MASTER but waits for member 1 */
	pair_timer(&p, 0);
	ck_assert_int_eq(p.f[0].state, VRRP_BACKUP);
	ck_assert(p.f[0].want_master);
	/* member 1's runs out: both become MASTER */
	pair_timer(&p, 1);
	ck_assert_int_eq(p.f[0].state, VRRP_MASTER);
	ck_assert_int_eq(p.f[1].state, VRRP_MASTER);
	/* a higher priority master for member 1: member 0 gives up too, priority 0 then the VIPs */
	pair_step(&p, 1, &higher, 20 * SEC);
	pair_settle(&p, 20 * SEC);
	ck_assert_int_eq(p.f[1].state, VRRP_BACKUP);
	ck_assert_int_eq(p.f[0].state, VRRP_BACKUP);
	ck_assert_uint_eq(p.last[0].n, 3);
	ck_assert_int_eq(p.last[0].v[1].kind, VRRP_ACT_SEND_ADVERT);
	ck_assert_uint_eq(p.last[0].v[1].priority, 0);
	ck_assert_int_eq(p.last[0].v[2].kind, VRRP_ACT_DEL_VIPS);
	/* member 0's timer runs out again, but member 1 follows its master: no MASTER */
	pair_timer(&p, 0);
	ck_assert_int_eq(p.f[0].state, VRRP_BACKUP);
	ck_assert(p.f[0].want_master);
	/* a fault of member 1's own: member 0 is pulled into FAULT, and out again with it */
	p.own_fault[1] = true;
	pair_settle(&p, 30 * SEC);
	ck_assert_int_eq(p.f[1].state, VRRP_FAULT);
	ck_assert_int_eq(p.f[0].state, VRRP_FAULT);
	ck_assert(p.pulled[0]);
	p.own_fault[1] = false;
	pair_settle(&p, 31 * SEC);
	ck_assert_int_eq(p.f[1].state, VRRP_BACKUP);
	ck_assert_int_eq(p.f[0].state, VRRP_BACKUP);
	/* from MASTER, a fault of one pulls the other out of MASTER as well */
	pair_timer(&p, 0);
	pair_timer(&p, 1);
	ck_assert_int_eq(p.f[0].state, VRRP_MASTER);
	p.own_fault[0] = true;
	pair_settle(&p, 60 * SEC);
	ck_assert_int_eq(p.f[0].state, VRRP_FAULT);
	ck_assert_int_eq(p.f[1].state, VRRP_FAULT);
	ck_assert_uint_eq(p.last[1].v[1].priority, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vrrp_group");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_input);
	tcase_add_test(tc, test_state);
	tcase_add_test(tc, test_members_move_together);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
