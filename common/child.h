/* Spawning a child process the way every script of the daemon runs: check scripts now, notify
 * hooks later. The child gets a clean slate whatever the daemon's own state: its own process
 * group (so the whole tree it makes can be signalled as one), stdin /dev/null, stdout and stderr
 * to one fd, no other fd, an empty signal mask and default signal dispositions (the daemon blocks
 * SIGCHLD, SIGTERM... for sd-event and ignores SIGPIPE), and optionally another user. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct child_spec {
	char *const *argv;  /* argv[0] is the path executed (no PATH search) */
	char *const *envp;  /* NULL: the daemon's environ */
	bool set_ids;       /* run as uid/gid, with uid's supplementary groups */
	uid_t uid;
	gid_t gid;
	/* those groups, from child_groups(); NULL: looked up at each spawn (NSS may be slow: a
	 * caller that spawns often looks them up once) */
	const gid_t *groups;
	size_t n_groups;
	int out_fd;         /* stdout and stderr; -1: /dev/null */
};

/* Start the child; *pid is also its process group ID. Returns 0 or -errno (fork failed). What
 * fails in the child (changing user, exec) makes it exit 127 after one line on its stderr, e.g.
 * "cannot execute /x: Permission denied". The caller reaps it (sd_event_add_child). */
int child_spawn(const struct child_spec *s, pid_t *pid);

/* The environment a child of the daemon gets: the daemon's own (a NULL-terminated copy) without
 * NOTIFY_SOCKET and WATCHDOG_* (a script must not send READY=1 or feed the watchdog for the
 * daemon) and without KEEPQUORUM_* (only what the daemon sets for it counts), with `room` free
 * slots after the copied entries; *n is the number copied. Free each string and the array. */
char **child_environ(size_t room, size_t *n);

/* uid's supplementary groups plus gid, as initgroups() would set them (*out malloc'd). */
int child_groups(uid_t uid, gid_t gid, gid_t **out, size_t *n);

/* The uid of user (NULL: root) and the gid of group, or of the user's primary group when group
 * is NULL: -ENOENT when either does not exist. */
int child_user_ids(const char *user, const char *group, uid_t *uid, gid_t *gid);

/* Whom children run as, looked up once for many spawns. */
struct child_ids {
	uid_t uid;
	gid_t gid;
	gid_t *groups;      /* NULL: looked up at each spawn */
	size_t n_groups;
};
/* child_user_ids() and the user's groups. */
int child_ids_lookup(const char *user, const char *group, struct child_ids *ids);
/* ids with their groups (copied), from uid and gid. */
void child_ids_from(uid_t uid, gid_t gid, struct child_ids *ids);
void child_ids_free(struct child_ids *ids);
/* The spec runs as ids: ids are changed when the daemon is privileged, or when they are not its
 * own (the child then fails, saying why, as it should). */
void child_ids_apply(const struct child_ids *ids, struct child_spec *spec);

/* kill(-pgid, sig): 1 if something was signalled, 0 if the group is empty, -errno otherwise.
 * The kernel does not hand out a number still in use as a process group ID, so after the leader
 * is reaped this reaches only what it left in its group (or, when nothing is left, nothing). */
int child_kill_group(pid_t pgid, int sig);
