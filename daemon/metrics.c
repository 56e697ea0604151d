/* The Prometheus text exposition (format 0.0.4,
 * https://prometheus.io/docs/instrumenting/exposition_formats/) of SPEC.md's metrics.
 *
 * Rendered from the status object (status.c) and nothing else: a metric and the status field it
 * mirrors cannot disagree, and no module keeps a second set of counters for the scrape. Each
 * family is written as one group: its # HELP and # TYPE once, then its samples. Counters end in
 * _total and only grow while the daemon runs (a reload keeps an unchanged instance's counters;
 * a restarted instance starts again from 0, which Prometheus' rate() reads as a counter reset).
 *
 * Without a [quorum] section the four quorum families are left out, # HELP and # TYPE included,
 * as status says "quorum": null: a 0 would tell an alert on keepquorum_quorum_has_quorum == 0
 * that this node lost its quorum, when it never had one to lose. An absent series is
 * Prometheus' way to say "not applicable" (absent() finds it if an operator wants to).
 * Every other family is always declared, even with no sample yet (no instance, no check). */
#include "daemon/metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/daemon.h"
#include "vrrp/fsm.h"
#include "vrrp/packet.h"

#define METRICS_PREFIX "keepquorum_"

static json_object *metrics_get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static int64_t metrics_int(json_object *o, const char *key)
{
	return json_object_get_int64(metrics_get(o, key));
}

static size_t metrics_len(json_object *arr)
{
	return arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
}

/* The # HELP and # TYPE of a family; help holds neither a backslash nor a newline. */
static void metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP " METRICS_PREFIX "%s %s\n# TYPE " METRICS_PREFIX "%s %s\n",
		name, help, name, type);
}

/* A label value, escaped as the format says: backslash, double quote and newline. */
static void metrics_value_escaped(FILE *f, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\')
			fputs("\\\\", f);
		else if (*v == '"')
			fputs("\\\"", f);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* name{k1="v1",k2="v2"} value; k2 NULL for one label, k1 NULL for none. */
static void metrics_sample(FILE *f, const char *name, const char *k1, const char *v1,
			   const char *k2, const char *v2, const char *value)
{
	fprintf(f, METRICS_PREFIX "%s", name);
	if (k1) {
		fprintf(f, "{%s=\"", k1);
		metrics_value_escaped(f, v1);
		if (k2) {
			fprintf(f, "\",%s=\"", k2);
			metrics_value_escaped(f, v2);
		}
		fputs("\"}", f);
	}
	fprintf(f, " %s\n", value);
}

static void metrics_sample_int(FILE *f, const char *name, const char *k1, const char *v1,
			       const char *k2, const char *v2, int64_t value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, value);
	metrics_sample(f, name, k1, v1, k2, v2, buf);
}

/* SPEC.md's numbering: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 4 STOP (enum vrrp_state's). */
static int metrics_state_number(const char *state)
{
	for (int s = 0; state && s < VRRP_STATE_COUNT; s++)
		if (!strcmp(state, vrrp_state_name((enum vrrp_state)s)))
			return s;
	return VRRP_INIT;
}

static void metrics_vrrp_state(FILE *f, json_object *insts)
{
	metrics_family(f, "vrrp_state", "gauge",
		       "VRRP state of an instance: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 4 STOP.");
	for (size_t i = 0; i < metrics_len(insts); i++) {
		json_object *in = json_object_array_get_idx(insts, i);

		metrics_sample_int(f, "vrrp_state", "instance",
				   json_object_get_string(metrics_get(in, "name")), NULL, NULL,
				   metrics_state_number(json_object_get_string(metrics_get(in, "state"))));
	}
}

static void metrics_vrrp_transitions(FILE *f, json_object *insts)
{
	metrics_family(f, "vrrp_transitions_total", "counter",
		       "VRRP state changes of an instance, by the state entered.");
	for (size_t i = 0; i < metrics_len(insts); i++) {
		json_object *in = json_object_array_get_idx(insts, i);
		json_object *t = metrics_get(metrics_get(in, "counters"), "transitions");
		const char *name = json_object_get_string(metrics_get(in, "name"));

		if (!t || !json_object_is_type(t, json_type_object))
			continue;
		json_object_object_foreach(t, to, n)
			metrics_sample_int(f, "vrrp_transitions_total", "instance", name, "to", to,
					   json_object_get_int64(n));
	}
}

/* A per-instance counter of status' "counters" object. */
static void metrics_vrrp_counter(FILE *f, json_object *insts, const char *name, const char *key,
				 const char *help)
{
	metrics_family(f, name, "counter", help);
	for (size_t i = 0; i < metrics_len(insts); i++) {
		json_object *in = json_object_array_get_idx(insts, i);

		metrics_sample_int(f, name, "instance", json_object_get_string(metrics_get(in, "name")),
				   NULL, NULL, metrics_int(metrics_get(in, "counters"), key));
	}
}

/* Every reason, with 0 for those that never happened: a counter that appears only at its first
 * drop makes rate() miss that drop. The node's count is the engine's (adverts no instance
 * could take) plus each instance's. */
static void metrics_vrrp_drops(FILE *f, json_object *status, json_object *insts)
{
	metrics_family(f, "vrrp_packets_dropped_total", "counter",
		       "VRRP adverts dropped, by reason (the same words as status' counters).");
	for (int r = VRRP_DROP_NONE + 1; r < VRRP_DROP_COUNT_; r++) {
		const char *reason = vrrp_drop_name((enum vrrp_drop)r);
		int64_t n = metrics_int(metrics_get(status, "vrrp_dropped"), reason);

		for (size_t i = 0; i < metrics_len(insts); i++)
			n += metrics_int(metrics_get(metrics_get(json_object_array_get_idx(insts, i),
								 "counters"), "dropped"), reason);
		metrics_sample_int(f, "vrrp_packets_dropped_total", "reason", reason, NULL, NULL, n);
	}
}

static void metrics_quorum(FILE *f, json_object *q)
{
	json_object *role = metrics_get(q, "role");

	if (!q || !json_object_is_type(q, json_type_object))
		return;   /* no [quorum] section: the families are left out (see the top) */
	metrics_family(f, "quorum_term", "gauge", "The quorum's current term as this node knows it.");
	metrics_sample_int(f, "quorum_term", NULL, NULL, NULL, NULL, metrics_int(q, "term"));
	metrics_family(f, "quorum_is_leader", "gauge", "1 when this node is the quorum's leader.");
	metrics_sample_int(f, "quorum_is_leader", NULL, NULL, NULL, NULL,
			   role && !strcmp(json_object_get_string(role), "leader"));
	metrics_family(f, "quorum_has_quorum", "gauge",
		       "1 when this node holds the lease or heard a leader within election_timeout.");
	metrics_sample_int(f, "quorum_has_quorum", NULL, NULL, NULL, NULL,
			   json_object_get_boolean(metrics_get(q, "has_quorum")));
	metrics_family(f, "quorum_elections_total", "counter",
		       "Candidacies this node began (pre-votes won).");
	metrics_sample_int(f, "quorum_elections_total", NULL, NULL, NULL, NULL,
			   metrics_int(q, "elections"));
}

static void metrics_checks(FILE *f, json_object *checks)
{
	metrics_family(f, "check_up", "gauge", "1 when a health check passes (as status' ok).");
	for (size_t i = 0; i < metrics_len(checks); i++) {
		json_object *c = json_object_array_get_idx(checks, i);

		metrics_sample_int(f, "check_up", "check", json_object_get_string(metrics_get(c, "name")),
				   NULL, NULL, json_object_get_boolean(metrics_get(c, "ok")));
	}
	/* only checks that run something (script, postgres) and have run once have a duration */
	metrics_family(f, "check_duration_seconds", "gauge", "How long a check's last run took.");
	for (size_t i = 0; i < metrics_len(checks); i++) {
		json_object *c = json_object_array_get_idx(checks, i), *ms = metrics_get(c, "duration_ms");
		char buf[48];

		if (!ms)
			continue;
		snprintf(buf, sizeof(buf), "%.6f", json_object_get_double(ms) / 1000.0);
		metrics_sample(f, "check_duration_seconds", "check",
			       json_object_get_string(metrics_get(c, "name")), NULL, NULL, buf);
	}
}

/* status' hooks.runs: {"promote": {"ok": N, "failed": N, "timeout": N, "error": N}, ...}. */
static void metrics_hooks(FILE *f, json_object *hooks)
{
	json_object *runs = metrics_get(hooks, "runs");

	metrics_family(f, "hook_runs_total", "counter",
		       "Hooks run, by hook and result (error: it could not start).");
	if (!runs || !json_object_is_type(runs, json_type_object))
		return;
	json_object_object_foreach(runs, hook, per) {
		if (!json_object_is_type(per, json_type_object))
			continue;
		json_object_object_foreach(per, result, n)
			metrics_sample_int(f, "hook_runs_total", "hook", hook, "result", result,
					   json_object_get_int64(n));
	}
}

char *metrics_render(json_object *status)
{
	json_object *insts = metrics_get(status, "instances");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		util_die("metrics: open_memstream: out of memory");
	metrics_vrrp_state(f, insts);
	metrics_vrrp_transitions(f, insts);
	metrics_vrrp_counter(f, insts, "vrrp_adverts_sent_total", "adverts_sent",
			     "VRRP adverts an instance sent.");
	metrics_vrrp_counter(f, insts, "vrrp_adverts_received_total", "adverts_received",
			     "Valid VRRP adverts an instance received.");
	metrics_vrrp_drops(f, status, insts);
	metrics_quorum(f, metrics_get(status, "quorum"));
	metrics_checks(f, metrics_get(status, "checks"));
	metrics_hooks(f, metrics_get(status, "hooks"));
	if (fclose(f) != 0 || !text)
		util_die("metrics: rendering failed: out of memory");
	return text;
}

char *metrics_text(const struct daemon *d)
{
	json_object *status = status_build(d);
	char *text = metrics_render(status);

	json_object_put(status);
	return text;
}
