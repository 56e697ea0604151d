/* What an instance's transitions run, in the order DESIGN.md and keepquorum.ini(5) give:
 *   becoming MASTER: adverts start at once (so no other backup promotes too), promote, and once
 *     it has succeeded the VIPs, gratuitous ARP / NA, then notify_master and notify;
 *   leaving MASTER: priority-0 advert, VIPs removed, demote, then notify_<state> and notify.
 * All of one instance's hooks go through one queue of the runner, so they never overlap and
 * run in transition order. `db` is the database's role once every queued hook has run: a
 * promote queued after a demote (or the reverse) simply waits its turn.
 * A promote that fails (or times out) puts the instance in FAULT for INST_PROMOTE_HOLD_US: its
 * VIPs never went up, its priority-0 advert hands the VIP to a backup, and the demote that
 * leaving MASTER queues fences a promotion that might still complete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/run.h"
#include "common/util.h"
#include "daemon/log.h"
#include "notify/runner.h"
#include "vrrp/engine-int.h"

/* How long a failed promote keeps the instance in FAULT before it may try again. */
#define INST_PROMOTE_HOLD_US (10ULL * 1000000ULL)

static const char *const hooks_db_names[] = {"standby", "promoting", "primary", "demoting"};

static struct notify_transition hooks_transition_of(const struct vrrp_inst *in, enum vrrp_state from,
						    enum vrrp_state to, unsigned priority, char *vips)
{
	return (struct notify_transition){
		.kind = "INSTANCE", .name = in->c->name, .state = vrrp_state_name(to),
		.prev_state = vrrp_state_name(from), .priority = priority, .vips = vips,
		.sync_group = in->c->sync_group,
	};
}

/* notify_<state>, notify and the fifo line: the transition is told. */
static void hooks_announce(struct vrrp_inst *in, enum vrrp_state from, enum vrrp_state to, unsigned priority)
{
	char *vips = inst_vip_list(in, " ");
	struct notify_transition t = hooks_transition_of(in, from, to, priority, vips);

	notify_transition(in->e->notify, in->c->hooks, &t, (uint64_t)(in->c->notify_timeout * 1e6));
	free(vips);
}

static void hooks_record(struct vrrp_inst *in, enum conf_hook h, const struct notify_outcome *o)
{
	struct inst_hook_last *l = &in->db_last[h == CONF_HOOK_PROMOTE ? 0 : 1];

	l->runs++;
	l->ok = o->ok;
	l->duration_us = o->duration_us;
	l->at_us = inst_now(in);
	snprintf(l->detail, sizeof(l->detail), "%s", o->detail);
}

static int hooks_on_hold_end(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct vrrp_inst *in = userdata;

	in->promote_failed = false;
	log_obj(LOG_NOTICE, in->c->name, "the FAULT of the failed promote is over");
	inst_link_changed(in);
	return 0;
}

static void hooks_promote_failed(struct vrrp_inst *in, const char *detail)
{
	char t[32];

	child_run_secs(t, sizeof(t), INST_PROMOTE_HOLD_US);
	snprintf(in->promote_why, sizeof(in->promote_why), "promote failed: %s", detail);
	in->promote_failed = true;
	log_obj(LOG_ERR, in->c->name, "%s: FAULT for %s, the VIPs stay down", in->promote_why, t);
	if (!in->hold_timer)
		sd_event_add_time(in->e->ev, &in->hold_timer, CLOCK_MONOTONIC, 0, 1000, hooks_on_hold_end, in);
	sd_event_source_set_time(in->hold_timer, inst_now(in) + INST_PROMOTE_HOLD_US);
	sd_event_source_set_enabled(in->hold_timer, SD_EVENT_ONESHOT);
	/* the fault is the instance's own: a MASTER leaves (demote queued), its group follows */
	inst_link_changed(in);
}

static void hooks_on_done(void *owner, enum conf_hook h, const struct notify_outcome *o)
{
	struct vrrp_inst *in = owner;

	hooks_record(in, h, o);
	if (h == CONF_HOOK_DEMOTE) {
		if (!--in->demotes_queued && in->db == INST_DB_DEMOTING)
			in->db = INST_DB_STANDBY;
		return;
	}
	/* only the last promote queued decides, and only if no demote was queued after it */
	if (--in->promotes_queued || in->db != INST_DB_PROMOTING)
		return;
	/* it may have promoted the database even when it failed: leaving MASTER demotes it */
	in->db = INST_DB_PRIMARY;
	if (!o->ok) {
		hooks_promote_failed(in, o->detail);
		return;
	}
	if (in->fsm.state != VRRP_MASTER)
		return;
	inst_vips_up(in);
	if (in->announce_pending) {
		in->announce_pending = false;
		hooks_announce(in, in->announce_from, VRRP_MASTER, in->fsm.priority);
	}
	if (in->e->changed && !in->e->quiet)
		in->e->changed(in->e->changed_ud);
	if (in->sync)
		sync_settle(in->sync);
}

static void hooks_queue(struct vrrp_inst *in, enum conf_hook h, enum vrrp_state from, enum vrrp_state to)
{
	char *vips = inst_vip_list(in, " ");
	struct notify_transition t = hooks_transition_of(in, from, to, in->fsm.priority, vips);
	double timeout = h == CONF_HOOK_PROMOTE ? in->c->promote_timeout : in->c->demote_timeout;

	notify_hook(in->e->notify, h, &in->c->hooks[h], &t, (uint64_t)(timeout * 1e6), hooks_on_done, in);
	free(vips);
}

bool hooks_may_add_vips(struct vrrp_inst *in, enum vrrp_state from)
{
	if (!in->c->hooks[CONF_HOOK_PROMOTE].argv || in->db == INST_DB_PRIMARY) {
		/* nothing to run first; a demote runs when it leaves */
		in->db = INST_DB_PRIMARY;
		return true;
	}
	/* standby, or a demote still to run: the promote waits its turn after it */
	in->db = INST_DB_PROMOTING;
	in->promotes_queued++;
	log_obj(LOG_INFO, in->c->name, "promote queued: the VIPs wait for it");
	hooks_queue(in, CONF_HOOK_PROMOTE, from, VRRP_MASTER);
	return false;
}

void hooks_transition(struct vrrp_inst *in, const struct vrrp_action *act)
{
	if (act->to == VRRP_MASTER && in->db == INST_DB_PROMOTING) {
		/* told once the promote has succeeded and the VIPs are up */
		in->announce_pending = true;
		in->announce_from = act->from;
		return;
	}
	if (act->from == VRRP_MASTER) {
		in->announce_pending = false;
		if (in->db == INST_DB_PROMOTING || in->db == INST_DB_PRIMARY) {
			if (in->c->hooks[CONF_HOOK_DEMOTE].argv) {
				in->db = INST_DB_DEMOTING;
				in->demotes_queued++;
				hooks_queue(in, CONF_HOOK_DEMOTE, act->from, act->to);
			} else {
				/* nothing can demote it: the next MASTER promotes again */
				in->db = INST_DB_STANDBY;
			}
		}
	}
	hooks_announce(in, act->from, act->to, act->priority);
}

void hooks_forget(struct vrrp_inst *in)
{
	notify_forget(in->e->notify, in);
	sd_event_source_disable_unref(in->hold_timer);
	in->hold_timer = NULL;
}

const char *hooks_fault(const struct vrrp_inst *in)
{
	return in->promote_failed ? in->promote_why : NULL;
}

bool hooks_promoting(const struct vrrp_inst *in)
{
	return in->db == INST_DB_PROMOTING && in->fsm.state == VRRP_MASTER && !in->vips_up;
}

static json_object *hooks_last(const struct vrrp_inst *in, const struct inst_hook_last *l)
{
	json_object *o;

	if (!l->runs)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(l->ok));
	json_object_object_add(o, "detail", json_object_new_string(l->detail));
	json_object_object_add(o, "runs", json_object_new_int64((int64_t)l->runs));
	json_object_object_add(o, "duration_ms", json_object_new_int64((int64_t)(l->duration_us / 1000)));
	json_object_object_add(o, "ago_ms", json_object_new_int64((int64_t)((inst_now(in) - l->at_us) / 1000)));
	return o;
}

json_object *hooks_status(const struct vrrp_inst *in)
{
	json_object *o;

	if (!in->c->hooks[CONF_HOOK_PROMOTE].argv && !in->c->hooks[CONF_HOOK_DEMOTE].argv &&
	    !in->db_last[0].runs && !in->db_last[1].runs)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "role", json_object_new_string(hooks_db_names[in->db]));
	json_object_object_add(o, "promote", hooks_last(in, &in->db_last[0]));
	json_object_object_add(o, "demote", hooks_last(in, &in->db_last[1]));
	return o;
}
