/* keepquorumctl's parts: the human view of the status (ctl-table.c) and the command line
 * (keepquorumctl.c). */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CTL_EXIT_OK 0
#define CTL_EXIT_REFUSED 1
#define CTL_EXIT_UNREACHABLE 2

/* The daemon's status object (SPEC.md) as tables for people. */
void ctl_print_status(FILE *f, json_object *status);
/* A duration for people: "80ms", "1.64s", "12.3s", "2m05s", "3h02m", "2d03h". */
void ctl_fmt_duration(char *buf, size_t size, int64_t ms);
