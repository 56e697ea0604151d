/* What each control command does. A command whose subsystem is not there (the quorum without a
 * [quorum] section) refuses with a reason (keepquorumctl exits 1): never a pretended success. */
#include "daemon/daemon.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/util.h"
#include "daemon/ctl.h"
#include "daemon/metrics.h"
#include "quorum/node.h"

struct commands_wait {
	struct daemon *d;
	unsigned long long client;
	uint64_t started;
};

static void commands_switchover_done(void *ud, const char *why, const char *leader)
{
	struct commands_wait *w = ud;
	json_object *o = NULL;
	char *msg = NULL, secs[32];

	if (why) {
		msg = xasprintf("switchover failed: %s", why);
	} else {
		o = json_object_new_object();
		json_object_object_add(o, "leader", json_object_new_string(leader));
		json_object_object_add(o, "term", json_object_new_int64(
			(int64_t)quorum_node_term(daemon_quorum(w->d))));
		snprintf(secs, sizeof(secs), "%.3f", (double)(util_now_usec() - w->started) / 1e6);
		json_object_object_add(o, "seconds", json_object_new_double_s(atof(secs), secs));
	}
	ctl_server_answer(daemon_ctl(w->d), w->client, o, msg);
	free(msg);
	free(w);
}

/* Answered once a new leader is known (or it cannot be): CTL_DEFERRED. */
static json_object *commands_switchover(struct daemon *d, const struct ctl_request *req,
					char **error)
{
	struct commands_wait *w = xcalloc(1, sizeof(*w));
	const char *why = NULL;

	w->d = d;
	w->client = req->client;
	w->started = util_now_usec();
	if (quorum_node_switchover(daemon_quorum(d), req->to, commands_switchover_done, w, &why) < 0) {
		*error = xasprintf("switchover refused: %s%s%s", why, req->to[0] ? ": " : "", req->to);
		free(w);
		return NULL;
	}
	return CTL_DEFERRED;
}

static json_object *commands_pause(struct daemon *d, bool paused)
{
	json_object *o = json_object_new_object();
	const char *leader;

	quorum_node_pause(daemon_quorum(d), paused);
	leader = quorum_node_leader(daemon_quorum(d));
	json_object_object_add(o, "paused", json_object_new_boolean(paused));
	json_object_object_add(o, "leader", leader ? json_object_new_string(leader) : NULL);
	/* the register travels with every quorum message: the others learn it within a heartbeat */
	json_object_object_add(o, "note", json_object_new_string(paused ?
		"no election starts while paused; the leader keeps its lease and VIPs" :
		"elections may start again"));
	return o;
}

/* {"text": the exposition}: keepquorumctl prints the text as it is, not JSON-quoted. */
static json_object *commands_metrics(const struct daemon *d)
{
	json_object *o = json_object_new_object();
	char *text = metrics_text(d);

	json_object_object_add(o, "text", json_object_new_string(text));
	free(text);
	return o;
}

json_object *commands_dispatch(void *userdata, const struct ctl_request *req, char **error)
{
	struct daemon *d = userdata;
	json_object *o;

	switch (req->command) {
	case CTL_CMD_STATUS:
		return status_build(d);
	case CTL_CMD_RELOAD:
		if (daemon_reload(d, error) < 0)
			return NULL;
		o = json_object_new_object();
		json_object_object_add(o, "reloaded", json_object_new_boolean(1));
		json_object_object_add(o, "instances", json_object_new_int((int)daemon_conf(d)->n_instances));
		return o;
	case CTL_CMD_SWITCHOVER:
	case CTL_CMD_PAUSE:
	case CTL_CMD_RESUME:
		if (!daemon_quorum(d)) {
			*error = xasprintf("%s needs the quorum: this node runs no [quorum] section, so "
					   "its VIPs follow VRRP alone, as with keepalived",
					   ctl_command_name(req->command));
			return NULL;
		}
		if (req->command == CTL_CMD_SWITCHOVER)
			return commands_switchover(d, req, error);
		return commands_pause(d, req->command == CTL_CMD_PAUSE);
	case CTL_CMD_METRICS:
		return commands_metrics(d);
	}
	*error = xstrdup("unknown command");
	return NULL;
}
