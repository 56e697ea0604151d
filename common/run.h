/* One run of a child process under the event loop, as check scripts and hooks both run: started
 * with child_spawn(), its stdout and stderr read line by line from a pipe, its timeout enforced
 * (SIGTERM to its process group, SIGKILL a grace later), whatever it left in its process group
 * killed when it exits, and its end reported exactly once, from the loop. A run ends when the
 * child itself exits, not when the pipe closes: a daemon it started may hold the pipe for ever. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "common/child.h"

/* The longest line handed to the line callback. */
#define CHILD_RUN_LINE_MAX 256

struct child_run_end {
	bool started;          /* false: it could not start (error says why) */
	int error;             /* -errno when !started */
	bool timed_out;        /* it was still running at the timeout (and was signalled) */
	int code;              /* when started: CLD_EXITED, CLD_KILLED or CLD_DUMPED */
	int status;            /* the exit status, or the signal */
	bool leftovers;        /* it left processes in its group; they were killed */
	uint64_t started_us;   /* CLOCK_MONOTONIC */
	uint64_t duration_us;
};

/* One line of output: printable characters only (tabs as spaces), leading and trailing blanks
 * gone, never empty, at most line_max bytes (a longer line is cut, at a character boundary).
 * Return false when no more lines are wanted: the rest of the output is read and dropped. */
typedef bool (*child_run_line_fn)(void *userdata, const char *line);
/* The end. The run frees itself after this returns: forget it here. */
typedef void (*child_run_end_fn)(void *userdata, const struct child_run_end *e);

struct child_run_params {
	const char *name;      /* the log's object for the run's own lines: "(name) ..." */
	uint64_t timeout_us;   /* > 0 */
	uint64_t grace_us;     /* from SIGTERM to SIGKILL */
	size_t line_max;       /* 1 .. CHILD_RUN_LINE_MAX */
	child_run_line_fn line; /* NULL: output is read and dropped */
	child_run_end_fn end;
	void *userdata;
};

struct child_run;

/* Start spec (its out_fd is the run's pipe; the caller's is ignored). *err: 0, or -errno when
 * it could not start. The run is returned even then: its end (started = false) is reported from
 * the loop, never from inside this call. NULL only if the loop cannot take a new source at all. */
struct child_run *child_run_start(sd_event *ev, const struct child_spec *spec,
				  const struct child_run_params *p, int *err);
/* Abandon a run before its end: SIGKILL to its process group, no report; the loop still reaps
 * the child. Not from inside the run's own callbacks. */
void child_run_free(struct child_run *r);
/* The child's pid (its process group), 0 when it did not start. */
pid_t child_run_pid(const struct child_run *r);

/* For people: "exit 0", "exit 3", "killed by signal SIGSEGV", "timed out after 2.5 s",
 * "cannot start: ...". timeout_us: the run's, for the timed-out case. */
void child_run_describe(const struct child_run_end *e, uint64_t timeout_us, char *buf, size_t len);
/* "2.5 s", "0.25 s", "0.125 s": as few decimals as the value needs (at most 3). */
void child_run_secs(char *buf, size_t len, uint64_t us);
