/* What an instance's tracked objects say about it: track_interface, track_script and track_file,
 * each read from the health checks (healthcheck/), with keepalived's weights. */
#include <stdio.h>

#include "vrrp/engine-int.h"

/* A sync group member's weights count as 0, as keepalived sets them: priorities that differ
 * between members would have the group re-elected again and again. */
static int track_weight(const struct vrrp_inst *in, int weight)
{
	return in->c->sync_group ? 0 : weight;
}

/* The first fault wins the reason ("WHAT NAME STATE"); every weight adds up. */
static void track_add(struct inst_verdict *v, const struct health_effect *e, const char *block,
		      const char *what, const char *name, const char *state)
{
	v->weights += e->delta;
	if (!e->fault || v->fault)
		return;
	v->fault = true;
	snprintf(v->why, sizeof(v->why), "%s %s %s", what, name, state);
	snprintf(v->block, sizeof(v->block), "%s", block);
}

static void track_wait(struct inst_verdict *v, const char *what, const char *name)
{
	if (v->waiting)
		return;
	v->waiting = true;
	snprintf(v->wait_for, sizeof(v->wait_for), "%s:%s", what, name);
}

static void track_ifs(const struct vrrp_inst *in, struct inst_verdict *v)
{
	for (size_t i = 0; i < in->c->n_track_ifs; i++) {
		const struct conf_track *t = &in->c->track_ifs[i];
		const struct health_check *c = health_find(in->e->health, HEALTH_IFACE, t->name);
		enum health_state s = c ? health_check_state(c) : HEALTH_INIT;
		struct health_effect e;

		if (s == HEALTH_INIT) {
			track_wait(v, "interface", t->name);
			continue;
		}
		e = health_track_effect(s, track_weight(in, t->weight), t->reverse);
		track_add(v, &e, "interface", "tracked interface", t->name, s == HEALTH_OK ? "up" : "down");
	}
}

static void track_scripts(const struct vrrp_inst *in, struct inst_verdict *v)
{
	char block[96];

	for (size_t i = 0; i < in->c->n_track_scripts; i++) {
		const struct conf_track *t = &in->c->track_scripts[i];
		const struct health_check *c = health_find(in->e->health, t->check->kind == CONF_CHECK_PG ?
							   HEALTH_PG : HEALTH_SCRIPT, t->name);
		enum health_state s = c ? health_check_state(c) : HEALTH_INIT;
		int weight = t->weight_set ? t->weight : t->check->weight;
		bool reverse = t->reverse || (!t->weight_set && t->check->reverse);
		struct health_effect e;

		if (s == HEALTH_INIT) {
			track_wait(v, "check", t->name);
			continue;
		}
		e = health_track_effect(s, track_weight(in, weight), reverse);
		snprintf(block, sizeof(block), "check:%s", t->name);
		track_add(v, &e, block, "check", t->name, s == HEALTH_OK ? "OK" : "FAILED");
	}
}

static void track_files(const struct vrrp_inst *in, struct inst_verdict *v)
{
	char block[96], value[48];

	for (size_t i = 0; i < in->c->n_track_files; i++) {
		const struct conf_track *t = &in->c->track_files[i];
		const struct health_check *c = health_find(in->e->health, HEALTH_FILE, t->name);
		struct health_effect e;

		if (!c || health_check_state(c) == HEALTH_INIT) {
			track_wait(v, "file", t->name);
			continue;
		}
		e = health_file_effect(health_file_value(c), track_weight(in, t->weight), t->reverse);
		snprintf(block, sizeof(block), "file:%s", t->name);
		snprintf(value, sizeof(value), "holds %ld", health_file_value(c));
		track_add(v, &e, block, "tracked file", t->name, value);
	}
}

void inst_tracking(const struct vrrp_inst *in, struct inst_verdict *v)
{
	*v = (struct inst_verdict){0};
	track_ifs(in, v);
	track_scripts(in, v);
	track_files(in, v);
}
