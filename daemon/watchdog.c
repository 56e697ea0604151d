/* The systemd watchdog (sd_watchdog_enabled(3)), fed only by a loop that keeps up.
 *
 * The keep-alive is a timer of the idle priority: sd-event dispatches it only when nothing else
 * is pending. A loop that is stopped, blocked in a call, or so busy that events queue up faster
 * than it handles them stops sending WATCHDOG=1; systemd then kills the daemon and runs
 * ExecStopPost=keepquorumd --release, which takes the VIPs down. A tick that comes late is
 * reported: the loop was held up for that long, and a longer hold would have cost a restart. */
#include "daemon/watchdog.h"

#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "common/util.h"
#include "daemon/log.h"

/* four keep-alives a period: one late tick costs nothing */
#define WATCHDOG_TICKS 4
/* report a tick later than this share of the period, at most once a minute */
#define WATCHDOG_LATE_SHARE 4
#define WATCHDOG_ACCURACY_USEC 1000ULL
#define WATCHDOG_REPORT_USEC (60ULL * 1000000ULL)

struct watchdog {
	sd_event_source *timer;
	uint64_t period_usec;    /* WATCHDOG_USEC */
	uint64_t tick_usec;
	uint64_t reported_usec;  /* the last late tick reported */
};

static int watchdog_on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct watchdog *w = userdata;
	uint64_t now = util_now_usec(), late = now > usec ? now - usec : 0;

	if (late > w->period_usec / WATCHDOG_LATE_SHARE &&
	    (!w->reported_usec || now - w->reported_usec >= WATCHDOG_REPORT_USEC)) {
		w->reported_usec = now;
		log_warning("the event loop was held up for %.3f s (the watchdog kills it at %.3f s)",
			    (double)(late + w->tick_usec) / 1e6, (double)w->period_usec / 1e6);
	}
	sd_notify(0, "WATCHDOG=1");
	sd_event_source_set_time(s, now + w->tick_usec);
	return 0;
}

int watchdog_start(sd_event *ev, struct watchdog **out)
{
	struct watchdog *w;
	uint64_t usec = 0;
	int r;

	*out = NULL;
	r = sd_watchdog_enabled(0, &usec);
	if (r <= 0)
		return r;
	w = xcalloc(1, sizeof(*w));
	w->period_usec = usec;
	w->tick_usec = usec / WATCHDOG_TICKS;
	if (w->tick_usec == 0)
		w->tick_usec = 1;
	r = sd_event_add_time(ev, &w->timer, CLOCK_MONOTONIC, util_now_usec() + w->tick_usec,
			      WATCHDOG_ACCURACY_USEC,
			      watchdog_on_tick, w);
	if (r < 0) {
		free(w);
		return r;
	}
	sd_event_source_set_priority(w->timer, SD_EVENT_PRIORITY_IDLE);
	sd_event_source_set_enabled(w->timer, SD_EVENT_ON);
	sd_event_source_set_description(w->timer, "watchdog");
	/* the first keep-alive now: READY=1 follows at once, and setup may have taken a while */
	sd_notify(0, "WATCHDOG=1");
	*out = w;
	return 1;
}

uint64_t watchdog_period_usec(const struct watchdog *w)
{
	return w ? w->period_usec : 0;
}

void watchdog_free(struct watchdog *w)
{
	if (!w)
		return;
	sd_event_source_disable_unref(w->timer);
	free(w);
}
