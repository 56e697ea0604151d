/* The status object of SPEC.md ("keepquorumctl status --json"), built from what the daemon knows.
 * Fields that no running subsystem backs say so honestly (null) rather than inventing a value. */
#include "daemon/daemon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "healthcheck/health.h"
#include "quorum/node.h"
#include "vrrp/engine.h"

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
	json_object_object_add(o, "paused", json_object_new_boolean(
		daemon_quorum(d) && quorum_node_paused(daemon_quorum(d))));
	json_object_object_add(o, "quorum", daemon_quorum(d) ? quorum_node_status(daemon_quorum(d))
							       : NULL);
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
	if (daemon_quorum(d)) {
		const struct quorum_node *q = daemon_quorum(d);
		const char *leader = quorum_node_leader(q);

		t = xasprintf("%s, term %llu, %s%s%s", s, (unsigned long long)quorum_node_term(q),
			      leader ? "leader " : "no leader", leader ? leader : "",
			      quorum_node_paused(q) ? ", paused" : "");
		free(s);
		s = t;
	}
	return s;
}
