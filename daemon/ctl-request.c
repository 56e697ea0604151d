/* Parsing control requests: pure, bounded, every field checked. */
#include "daemon/ctl.h"

#include <errno.h>
#include <string.h>

#include "common/ctlproto.h"
#include "common/util.h"

static const char *const ctl_names[] = {
	[CTL_CMD_STATUS] = "status", [CTL_CMD_RELOAD] = "reload", [CTL_CMD_SWITCHOVER] = "switchover",
	[CTL_CMD_PAUSE] = "pause", [CTL_CMD_RESUME] = "resume", [CTL_CMD_METRICS] = "metrics",
};

const char *ctl_command_name(enum ctl_command c)
{
	return (size_t)c < ARRAY_SIZE(ctl_names) ? ctl_names[c] : "?";
}

static int ctl_fields(json_object *obj, struct ctl_request *req, const char **why)
{
	json_object_object_foreach(obj, key, val) {
		if (strcmp(key, "command") == 0)
			continue;
		if (strcmp(key, "to") == 0 && req->command == CTL_CMD_SWITCHOVER) {
			const char *to;

			if (!json_object_is_type(val, json_type_string)) {
				*why = "\"to\" must be a string";
				return -EINVAL;
			}
			to = json_object_get_string(val);
			if (!*to || strlen(to) >= sizeof(req->to)) {
				*why = "\"to\" must be a node name of 1 to 63 characters";
				return -EINVAL;
			}
			strcpy(req->to, to);
			continue;
		}
		*why = "unknown field in request";
		return -EINVAL;
	}
	return 0;
}

int ctl_request_parse(const char *buf, size_t len, struct ctl_request *req, const char **why)
{
	struct json_tokener *tok;
	json_object *obj, *cmd;
	int r = -EINVAL;

	memset(req, 0, sizeof(*req));
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0 || len > CTL_MAX_REQUEST) {
		*why = len ? "request too large" : "empty request";
		return -EINVAL;
	}
	if (memchr(buf, '\0', len)) {
		*why = "request contains a NUL byte";
		return -EINVAL;
	}
	tok = json_tokener_new_ex(8);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		*why = "request is not one JSON object";
		goto out;
	}
	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, "command", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		*why = "request has no \"command\" string";
		goto out;
	}
	*why = "unknown command";
	for (size_t i = 0; i < ARRAY_SIZE(ctl_names); i++) {
		if (strcmp(json_object_get_string(cmd), ctl_names[i]) == 0) {
			req->command = (enum ctl_command)i;
			r = ctl_fields(obj, req, why);
			break;
		}
	}
out:
	json_object_put(obj);
	json_tokener_free(tok);
	return r;
}
