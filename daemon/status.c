/* The status object of SPEC.md ("keepquorumctl status --json"), built from what the daemon knows.
 * Fields that no running subsystem backs yet say so honestly (null, not run yet) rather than
 * inventing a value. */
#include "daemon/daemon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "healthcheck/health.h"
#include "vrrp/engine.h"

static json_object *status_quorum(const struct conf_quorum *q)
{
	json_object *o = json_object_new_object(), *members = json_object_new_array();

	json_object_object_add(o, "role", json_object_new_string(q->witness ? "witness" : "follower"));
	json_object_object_add(o, "term", json_object_new_int(0));
	json_object_object_add(o, "leader", NULL);
	json_object_object_add(o, "has_quorum", json_object_new_boolean(0));
	json_object_object_add(o, "lease_remaining_ms", json_object_new_int(0));
	for (size_t i = 0; i < q->n_peers; i++) {
		json_object *m = json_object_new_object();

		json_object_object_add(m, "id", json_object_new_string(q->peers[i].id));
		json_object_object_add(m, "reachable", json_object_new_boolean(0));
		json_object_object_add(m, "last_seen_ms", NULL);
		json_object_object_add(m, "healthy", NULL);
		json_object_object_add(m, "lsn", NULL);
		json_object_array_add(members, m);
	}
	json_object_object_add(o, "members", members);
	return o;
}

json_object *status_build(const struct daemon *d)
{
	const struct conf *c = daemon_conf(d);
	json_object *o = json_object_new_object();

	json_object_object_add(o, "node", json_object_new_string(c->quorum ? c->quorum->node_id
									     : c->global.router_id));
	json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "config", json_object_new_string(c->path));
	json_object_object_add(o, "uptime_ms", json_object_new_int64(
		(int64_t)((util_now_usec() - daemon_started_usec(d)) / 1000)));
	json_object_object_add(o, "paused", json_object_new_boolean(0));
	json_object_object_add(o, "quorum", c->quorum ? status_quorum(c->quorum) : NULL);
	json_object_object_add(o, "instances", daemon_vrrp(d) ? vrrp_engine_status(daemon_vrrp(d))
								: json_object_new_array());
	json_object_object_add(o, "sync_groups", daemon_vrrp(d) ? vrrp_engine_groups_status(daemon_vrrp(d))
								  : json_object_new_array());
	json_object_object_add(o, "vrrp_dropped", daemon_vrrp(d) ? vrrp_engine_drops(daemon_vrrp(d))
								   : json_object_new_object());
	json_object_object_add(o, "checks", health_status(daemon_health(d)));
	json_object_object_add(o, "hooks", daemon_vrrp(d) ? vrrp_engine_hooks_status(daemon_vrrp(d)) : NULL);
	return o;
}

char *status_summary(const struct daemon *d)
{
	const struct conf *c = daemon_conf(d);
	char *s = xstrdup(""), *t;

	for (size_t i = 0; i < c->n_instances && i < 3; i++) {
		const char *st = daemon_vrrp(d) ? vrrp_engine_state(daemon_vrrp(d), c->instances[i].name) : NULL;

		t = xasprintf("%s%s%s %s", s, i ? ", " : "", c->instances[i].name, st ? st : "INIT");
		free(s);
		s = t;
	}
	if (c->n_instances > 3) {
		t = xasprintf("%s and %zu more", s, c->n_instances - 3);
		free(s);
		s = t;
	}
	if (!c->n_instances) {
		free(s);
		s = xstrdup("no instances");
	}
	if (c->quorum) {
		t = xasprintf("%s, term 0, no leader", s);
		free(s);
		s = t;
	}
	return s;
}
