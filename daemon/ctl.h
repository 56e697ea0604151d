/* The control socket: a UNIX stream socket driven by the event loop. One request per connection,
 * parsed by ctl_request_parse(), answered by the daemon's dispatch function. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

enum ctl_command {
	CTL_CMD_STATUS,
	CTL_CMD_RELOAD,
	CTL_CMD_SWITCHOVER,
	CTL_CMD_PAUSE,
	CTL_CMD_RESUME,
	CTL_CMD_METRICS,
};

struct ctl_request {
	enum ctl_command command;
	char to[64];   /* switchover --to NODE; empty when not given */
	unsigned long long client; /* set by the server: the id ctl_server_answer() takes */
};

/* Pure: parse one request. Returns 0, or -EINVAL with *why set to a static reason. */
int ctl_request_parse(const char *buf, size_t len, struct ctl_request *req, const char **why);
const char *ctl_command_name(enum ctl_command c);

/* Answer a request: return the "result" object on success, or NULL with *error set (malloc'd),
 * or CTL_DEFERRED to answer later with ctl_server_answer() (switchover waits for its leader). */
extern const char ctl_deferred_tag;
#define CTL_DEFERRED ((json_object *)(void *)&ctl_deferred_tag)
typedef json_object *(*ctl_dispatch_fn)(void *userdata, const struct ctl_request *req, char **error);

struct ctl_server;

/* Bind PATH (mode 0660; a stale socket is replaced, a live one is an error). Returns 0 or -errno
 * with *what describing the step that failed. */
int ctl_server_new(sd_event *ev, const char *path, ctl_dispatch_fn fn, void *userdata,
		   struct ctl_server **out, const char **what);
void ctl_server_free(struct ctl_server *s);
/* The answer to a deferred request: result on success, else error. A client that left (or
 * timed out, after CTL_DEFER_TIMEOUT_USEC) is not there to hear it: the result is freed. */
void ctl_server_answer(struct ctl_server *s, unsigned long long client, json_object *result,
		       const char *error);
