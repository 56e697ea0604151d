/* keepquorumctl's parts: the client of the control socket (ctl-client.c), the human view of the
 * status (ctl-table.c), the refreshing view (ctl-watch.c) and the command line
 * (keepquorumctl.c). */
#pragma once

#include <json-c/json.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CTL_EXIT_OK 0
#define CTL_EXIT_REFUSED 1
#define CTL_EXIT_UNREACHABLE 2

/* Send one request on the socket at path, wait up to wait_ms for the whole answer, and return
 * it: a JSON object with a boolean "ok". NULL when the daemon cannot be reached or what answers
 * is not keepquorumd; then *why says so for people, naming the path once (free it). */
json_object *ctl_call(const char *path, json_object *req, int wait_ms, char **why);
/* For status --watch: the caller blocks its stop signals, whose handler sets *stop; from now on
 * ctl_call waits with wait_mask (those signals unblocked) and gives up, *why "interrupted", as
 * soon as *stop is set. No signal can slip in between the test of *stop and the wait. */
void ctl_call_stoppable(volatile sig_atomic_t *stop, const sigset_t *wait_mask);

/* The daemon's status object (SPEC.md) as tables for people. */
void ctl_print_status(FILE *f, json_object *status);
/* A duration for people: "80ms", "1.64s", "12.3s", "2m05s", "3h02m", "2d03h". */
void ctl_fmt_duration(char *buf, size_t size, int64_t ms);

/* status --watch: refresh every interval_ms until SIGINT or SIGTERM (then 0). */
int ctl_watch(const char *path, int64_t interval_ms, bool json, int wait_ms);
