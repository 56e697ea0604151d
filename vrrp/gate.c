/* The quorum's gate on the VRRP side (DESIGN.md, SPEC.md quorum = yes): a gated instance may be
 * MASTER only while this node leads the quorum with a valid lease; its VIPs carry a kernel
 * lifetime that ends before the lease and is renewed with it, so a daemon that is killed,
 * frozen or cut off loses them by itself. What the engine tells the quorum in return: this
 * node's fitness, and when a hand-over may go on. */
#include "vrrp/engine-int.h"

#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "daemon/log.h"
#include "notify/runner.h"
#include "quorum/message.h"

static bool gate_open(const struct vrrp_engine *e)
{
	return e->quorum.may_hold && e->quorum.may_hold(e->quorum.ud);
}

bool gate_vip_lifetime(const struct vrrp_inst *in, uint32_t *lft)
{
	const struct vrrp_engine *e = in->e;

	*lft = VRRP_VIP_FOREVER;
	if (!in->c->quorum)
		return true;
	if (!gate_open(e))
		return false;
	if (!e->quorum.lifetime_fencing)
		return true;
	*lft = e->quorum.lifetime(e->quorum.ud);
	return *lft > 0;
}

bool gate_may_advertise(const struct vrrp_inst *in)
{
	return !in->c->quorum || in->fsm.state != VRRP_MASTER || gate_open(in->e);
}

const char *gate_blocked(const struct vrrp_inst *in)
{
	const struct vrrp_engine *e = in->e;

	if (!in->c->quorum || in->gate_quorum)
		return NULL;
	return e->quorum.why_shut ? e->quorum.why_shut(e->quorum.ud) : "no-quorum";
}

void vrrp_engine_set_quorum(struct vrrp_engine *e, const struct vrrp_quorum_gate *g)
{
	if (g)
		e->quorum = *g;
	else
		memset(&e->quorum, 0, sizeof(e->quorum));
	vrrp_engine_quorum_changed(e);
}

/* The lease was renewed: the VIPs of a MASTER get a new lifetime (the kernel's timer restarts
 * from now), or go up now if they waited for a long enough lease. */
static void gate_renew(struct vrrp_inst *in)
{
	if (in->fsm.state != VRRP_MASTER)
		return;
	if (in->vips_up)
		inst_vips(in, true);
	else if (in->vips_deferred)
		inst_vips_up(in);
}

void vrrp_engine_quorum_changed(struct vrrp_engine *e)
{
	bool open = gate_open(e);

	for (size_t i = 0; i < e->n_insts; i++) {
		struct vrrp_inst *in = e->insts[i];

		if (!in->c->quorum)
			continue;
		if (in->gate_quorum != open) {
			in->gate_quorum = open;
			if (in->gate_group || !open)
				snprintf(in->gate_why, sizeof(in->gate_why), "%s", open ?
					 "this node leads the quorum" : "quorum lease lost or handed over");
			if (in->started)
				inst_apply_gate(in);
		}
		if (open)
			gate_renew(in);
	}
}

/* The database position a pg_check tracked by a gated instance knows: a primary's current LSN,
 * a standby's furthest of received and replayed (promotion replays all it received). */
static void gate_pg_fitness(const struct vrrp_inst *in, struct quorum_fitness *fit)
{
	for (size_t i = 0; i < in->c->n_track_scripts; i++) {
		const struct conf_track *t = &in->c->track_scripts[i];
		const struct health_check *c;
		const struct health_pg_facts *f;

		if (t->check->kind != CONF_CHECK_PG || !in->e->health)
			continue;
		c = health_find(in->e->health, HEALTH_PG, t->check->name);
		f = c ? health_pg_facts(c) : NULL;
		if (!f) {
			fit->healthy = false;  /* its database was never reached: it may not lead */
			continue;
		}
		fit->healthy = fit->healthy && f->promotable;
		if (fit->lsn_known)
			continue;
		fit->lsn_known = true;
		fit->timeline = f->timeline;
		fit->lsn = f->lsn;
		/* a primary now: a server stopped by demote answers no more, and its facts are
		 * the last it gave */
		fit->primary = !f->in_recovery && health_check_last_ok(c);
		if (f->in_recovery && f->receive_known && f->receive_lsn > fit->lsn)
			fit->lsn = f->receive_lsn;
	}
}

void vrrp_engine_quorum_fitness(const struct vrrp_engine *e, struct quorum_fitness *fit)
{
	unsigned n = 0;

	memset(fit, 0, sizeof(*fit));
	fit->healthy = true;
	for (size_t i = 0; i < e->n_insts; i++) {
		const struct vrrp_inst *in = e->insts[i];

		if (!in->c->quorum)
			continue;
		n++;
		if (!in->started || in->own_fault || hooks_fault(in) || e->stopping)
			fit->healthy = false;
		if (in->fsm.priority > fit->priority)
			fit->priority = (uint8_t)in->fsm.priority;
		gate_pg_fitness(in, fit);
	}
	/* a node with nothing to hold must not lead: the VIP would be nowhere */
	if (!n)
		fit->healthy = false;
}

bool vrrp_engine_quorum_idle(const struct vrrp_engine *e)
{
	/* stopping: the instances are gone, their demote may still run */
	if (e->stopping)
		return !vrrp_engine_hooks_pending(e);
	for (size_t i = 0; i < e->n_insts; i++) {
		const struct vrrp_inst *in = e->insts[i];

		if (!in->c->quorum)
			continue;
		if (in->fsm.state == VRRP_MASTER || in->vips_up || in->promotes_queued ||
		    in->demotes_queued)
			return false;
	}
	return true;
}

/* Every pg_check a gated instance tracks, to f (with the engine's health). Returns false as soon
 * as f does. */
static bool gate_each_pg(const struct vrrp_engine *e,
			 bool (*f)(struct health *h, const char *name))
{
	if (!e->health)
		return true;
	for (size_t i = 0; i < e->n_insts; i++) {
		const struct vrrp_inst *in = e->insts[i];

		if (!in->c->quorum)
			continue;
		for (size_t j = 0; j < in->c->n_track_scripts; j++) {
			const struct conf_check *k = in->c->track_scripts[j].check;

			if (k->kind == CONF_CHECK_PG && !f(e->health, k->name))
				return false;
		}
	}
	return true;
}

static bool gate_refresh_one(struct health *h, const char *name)
{
	health_refresh(h, HEALTH_PG, name);
	return true;
}

static bool gate_refreshed_one(struct health *h, const char *name)
{
	return health_refreshed(h, HEALTH_PG, name);
}

void vrrp_engine_quorum_refresh(struct vrrp_engine *e)
{
	gate_each_pg(e, gate_refresh_one);
}

bool vrrp_engine_quorum_refreshed(const struct vrrp_engine *e)
{
	return gate_each_pg(e, gate_refreshed_one);
}

void vrrp_engine_quorum_info(struct vrrp_engine *e, unsigned long long term, const char *leader)
{
	notify_runner_quorum(e->notify, term, leader);
}
