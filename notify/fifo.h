/* keepalived's notify_fifo: one line per transition, `INSTANCE "name" STATE PRIORITY`, written
 * without ever waiting for the reader. */
#pragma once

#include <stdint.h>

struct notify_fifo;

/* path: created (mode 0600) if missing, on first use. */
struct notify_fifo *notify_fifo_new(const char *path);
void notify_fifo_free(struct notify_fifo *f);
const char *notify_fifo_path(const struct notify_fifo *f);

/* Write one line. With no reader, or a reader that stalls (the pipe is full), the line is
 * dropped, counted and logged (at most once a minute, with the count). now: monotonic, us. */
void notify_fifo_write(struct notify_fifo *f, const char *kind, const char *name, const char *state,
		       unsigned priority, uint64_t now);
/* Lines written, and lines dropped, since the fifo was configured. */
uint64_t notify_fifo_written(const struct notify_fifo *f);
uint64_t notify_fifo_dropped(const struct notify_fifo *f);
