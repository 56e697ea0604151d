/* Sync groups at run time: after any change of a member, the group's rules (group.c) are
 * applied to every member until none changes, then the group's own state is derived and its
 * hooks run, after the members' (they share one hook queue). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/log.h"
#include "notify/runner.h"
#include "vrrp/engine-int.h"

static void sync_snapshot(struct vrrp_sync *g)
{
	for (size_t i = 0; i < g->n_members; i++) {
		const struct vrrp_inst *in = g->members[i];

		g->snap[i] = (struct vrrp_group_member){
			.state = in->fsm.state, .want_master = in->fsm.want_master, .own_fault = in->own_fault,
		};
	}
}

/* One pass over the members; stops early when a member's state machine moved (g->again). */
static void sync_pass(struct vrrp_sync *g)
{
	for (size_t i = 0; i < g->n_members && !g->again; i++) {
		struct vrrp_inst *in = g->members[i];
		struct vrrp_group_input gi;
		char why[192];

		sync_snapshot(g);
		vrrp_group_input(g->snap, g->n_members, i, &gi);
		if (gi.fault)
			snprintf(why, sizeof(why), "sync group %s: %s is in FAULT", g->c->name,
				 g->members[gi.culprit]->c->name);
		if (gi.fault != in->pulled || (gi.fault && strcmp(why, in->pulled_why))) {
			in->pulled = gi.fault;
			snprintf(in->pulled_why, sizeof(in->pulled_why), "%s", gi.fault ? why : "");
			inst_apply_fault(in);
			if (g->again)
				break;
		}
		if (gi.gate)
			snprintf(why, sizeof(why), "sync group %s: every member wants MASTER", g->c->name);
		else
			snprintf(why, sizeof(why), "sync group %s: %s is %s", g->c->name,
				 g->members[gi.holdout]->c->name,
				 vrrp_state_name(g->members[gi.holdout]->fsm.state));
		inst_set_gate_group(in, gi.gate, why);
	}
}

static char *sync_vip_list(const struct vrrp_sync *g)
{
	char *s = xstrdup(""), *t, a[64];

	for (size_t i = 0; i < g->n_members; i++) {
		const struct conf_instance *c = g->members[i]->c;

		for (size_t k = 0; k < c->n_vips; k++) {
			t = xasprintf("%s%s%s/%u", s, *s ? " " : "", conf_addr_str(&c->vips[k].addr, a, sizeof(a)),
				      c->vips[k].prefix);
			free(s);
			s = t;
		}
	}
	return s;
}

/* The group's state from its members'; a change is logged, counted and announced (hooks with
 * GROUP NAME STATE 0, as keepalived). */
static void sync_state(struct vrrp_sync *g)
{
	enum vrrp_state st, prev = g->state;
	char *vips;

	sync_snapshot(g);
	st = vrrp_group_state(g->snap, g->n_members, g->state);
	if (st == prev)
		return;
	/* a member still promoting has not told its MASTER yet; the group tells its own after */
	for (size_t i = 0; st == VRRP_MASTER && i < g->n_members; i++)
		if (hooks_promoting(g->members[i]))
			return;
	g->state = st;
	g->transitions[st]++;
	log_event(LOG_NOTICE, g->label, &(struct log_fields){
			.msgid = LOG_MSGID_GROUP_STATE, .instance = g->c->name,
			.state = vrrp_state_name(st), .prev_state = vrrp_state_name(prev)},
		  "%s -> %s", vrrp_state_name(prev), vrrp_state_name(st));
	vips = sync_vip_list(g);
	notify_transition(g->e->notify, g->c->hooks, &(struct notify_transition){
		.kind = "GROUP", .name = g->c->name, .state = vrrp_state_name(st),
		.prev_state = vrrp_state_name(prev), .priority = 0, .vips = vips, .sync_group = g->c->name,
	}, (uint64_t)(g->c->notify_timeout * 1e6));
	free(vips);
	if (g->e->changed && !g->e->quiet)
		g->e->changed(g->e->changed_ud);
}

void sync_settle(struct vrrp_sync *g)
{
	/* a bound that is never reached: each pass either changes nothing or moves a member one
	 * step toward all-MASTER, all-BACKUP or all-FAULT */
	size_t limit = 4 * g->n_members + 4;

	if (g->settling) {
		g->again = true;
		return;
	}
	g->settling = true;
	for (size_t round = 0; !g->e->stopping; round++) {
		if (round == limit) {
			log_obj(LOG_ERR, g->label, "members still changing after %zu passes", limit);
			break;
		}
		g->again = false;
		sync_pass(g);
		if (!g->again)
			break;
	}
	g->settling = false;
	sync_state(g);
}

static void sync_free(struct vrrp_sync *g)
{
	if (!g)
		return;
	free(g->members);
	free(g->snap);
	free(g);
}

void sync_detach(struct vrrp_engine *e)
{
	for (size_t i = 0; i < e->n_insts; i++)
		if (e->insts[i])
			e->insts[i]->sync = NULL;
}

void sync_build(struct vrrp_engine *e)
{
	const struct conf *c = e->conf;
	struct vrrp_sync **old = e->syncs;
	size_t n_old = e->n_syncs;

	sync_detach(e);
	e->syncs = xcalloc(c->n_groups ? c->n_groups : 1, sizeof(*e->syncs));
	e->n_syncs = 0;
	for (size_t i = 0; i < c->n_groups; i++) {
		struct vrrp_sync *g = xcalloc(1, sizeof(*g));

		g->e = e;
		g->c = &c->groups[i];
		snprintf(g->label, sizeof(g->label), "group %s", g->c->name);
		g->state = VRRP_INIT;
		for (size_t k = 0; k < n_old; k++)
			if (!strcmp(old[k]->label, g->label)) {
				g->state = old[k]->state;
				memcpy(g->transitions, old[k]->transitions, sizeof(g->transitions));
			}
		g->members = xcalloc(g->c->n_members ? g->c->n_members : 1, sizeof(*g->members));
		g->snap = xcalloc(g->c->n_members ? g->c->n_members : 1, sizeof(*g->snap));
		for (size_t m = 0; m < g->c->n_members; m++)
			for (size_t k = 0; k < e->n_insts; k++)
				if (e->insts[k] && !strcmp(e->insts[k]->c->name, g->c->members[m])) {
					g->members[g->n_members++] = e->insts[k];
					e->insts[k]->sync = g;
				}
		e->syncs[e->n_syncs++] = g;
	}
	/* an instance that left its group (it restarts then, but be sure) is pulled by nothing */
	for (size_t k = 0; k < e->n_insts; k++) {
		struct vrrp_inst *in = e->insts[k];

		if (!in || in->sync)
			continue;
		if (in->pulled) {
			in->pulled = false;
			inst_apply_fault(in);
		}
		inst_set_gate_group(in, true, "no longer in a sync group");
	}
	for (size_t k = 0; k < n_old; k++)
		sync_free(old[k]);
	free(old);
}

void sync_free_all(struct vrrp_engine *e)
{
	sync_detach(e);
	for (size_t i = 0; i < e->n_syncs; i++)
		sync_free(e->syncs[i]);
	free(e->syncs);
	e->syncs = NULL;
	e->n_syncs = 0;
}

json_object *sync_status(const struct vrrp_sync *g)
{
	json_object *o = json_object_new_object(), *m = json_object_new_array(), *t = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(g->c->name));
	json_object_object_add(o, "state", json_object_new_string(vrrp_state_name(g->state)));
	for (size_t i = 0; i < g->n_members; i++)
		json_object_array_add(m, json_object_new_string(g->members[i]->c->name));
	json_object_object_add(o, "members", m);
	for (int s = VRRP_BACKUP; s < VRRP_STATE_COUNT; s++)
		json_object_object_add(t, vrrp_state_name((enum vrrp_state)s),
				       json_object_new_int64((int64_t)g->transitions[s]));
	json_object_object_add(o, "transitions", t);
	return o;
}
