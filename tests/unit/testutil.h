/* Helpers for the unit tests: configs written to a private temp dir and loaded. */
#pragma once

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/conf.h"

/* The per-process temp dir (created on first use, removed at exit). */
const char *tu_dir(void);
/* Write `text` to tu_dir()/name with `mode`; returns the path (static buffer per call site ok). */
char *tu_write(const char *name, const char *text, unsigned mode);
/* The same for bytes that may hold NULs. */
char *tu_write_bytes(const char *name, const void *data, size_t len, unsigned mode);
/* Load `text` as a config file; returns conf_load's result. */
int tu_load(const char *text, struct conf **c, struct conf_diags *d);
/* Every problem, formatted, one per line (malloc'd). */
char *tu_diags(const struct conf_diags *d);
/* Live processes (zombies do not count: they are dead) in process group pgid. */
int tu_group_alive(pid_t pgid);
/* Fails unless the group has no live member within 3 s (SIGKILL acts when the target runs). */
void tu_assert_group_gone(pid_t pgid);
/* A test vector's hex digits into bytes (at most cap, else the test fails); returns the length. */
size_t tu_unhex(const char *hex, uint8_t *buf, size_t cap);
/* Run a suite in this process (the temp dir's atexit cleanup must run once); exit status. */
int tu_run(Suite *s);
