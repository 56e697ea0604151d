/* The daemon: one process, one sd-event loop. main.c parses the command line and hands a loaded
 * config to daemon_run(), which owns everything until the loop ends. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "conf/conf.h"

#define DAEMON_DEFAULT_STATE_DIR "/var/lib/keepquorum"

struct daemon_opts {
	const char *config;
	const char *pidfile;     /* NULL: none */
	const char *state_dir;
	const char *ctl_socket;
};

/* Exit codes of SPEC.md. */
enum { DAEMON_EXIT_OK = 0, DAEMON_EXIT_CONFIG = 1, DAEMON_EXIT_RUNTIME = 2 };

struct daemon;

/* Runs until SIGTERM/SIGINT. Takes ownership of conf. Returns an exit code. */
int daemon_run(const struct daemon_opts *opts, struct conf *conf);

/* Reload the config file: on any problem keep the running config and return -EINVAL with
 * *error describing every problem (malloc'd). */
int daemon_reload(struct daemon *d, char **error);
const struct conf *daemon_conf(const struct daemon *d);
struct vrrp_engine;
const struct vrrp_engine *daemon_vrrp(const struct daemon *d);
struct health;
const struct health *daemon_health(const struct daemon *d);
unsigned long long daemon_started_usec(const struct daemon *d);
struct quorum_node;
/* NULL without a [quorum] section */
struct quorum_node *daemon_quorum(const struct daemon *d);
struct ctl_server;
struct ctl_server *daemon_ctl(const struct daemon *d);

/* status.c: SPEC.md's status object, and the one-line summary for sd_notify STATUS=. */
json_object *status_build(const struct daemon *d);
char *status_summary(const struct daemon *d);

/* commands.c: the control socket's dispatch. */
struct ctl_request;
json_object *commands_dispatch(void *userdata, const struct ctl_request *req, char **error);

/* pidfile.c */
int pidfile_write(const char *path, int *fd_out);
void pidfile_remove(const char *path, int fd);

/* Print the problems of a config load, one a line, on stderr or the log. */
void daemon_print_diags(const struct conf_diags *diags, bool to_log);
