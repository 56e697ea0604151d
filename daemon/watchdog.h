/* The systemd watchdog: WATCHDOG=1 from an idle-priority timer of the loop, a quarter of
 * WATCHDOG_USEC apart, so that only a loop that keeps up feeds it (watchdog.c). */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

struct watchdog;

/* 1 and *out set: WATCHDOG_USEC asks for keep-alives (for this process, WATCHDOG_PID), the first
 * is sent now; 0: no watchdog; < 0: an error. */
int watchdog_start(sd_event *ev, struct watchdog **out);
/* WATCHDOG_USEC, or 0 without a watchdog */
uint64_t watchdog_period_usec(const struct watchdog *w);
void watchdog_free(struct watchdog *w);
