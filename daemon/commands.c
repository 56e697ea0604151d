/* What each control command does. A command whose subsystem does not exist yet refuses with a
 * reason (keepquorumctl exits 1): never a pretended success. */
#include "daemon/daemon.h"

#include <stdlib.h>

#include "common/util.h"
#include "daemon/ctl.h"

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
		*error = xasprintf("%s is not available yet in keepquorum %s: it needs the quorum, "
				   "which this version does not run", ctl_command_name(req->command),
				   PACKAGE_VERSION);
		return NULL;
	case CTL_CMD_METRICS:
		*error = xasprintf("metrics are not available yet in keepquorum %s", PACKAGE_VERSION);
		return NULL;
	}
	*error = xstrdup("unknown command");
	return NULL;
}
