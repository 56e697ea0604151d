/* kq-pg-probe: the [pg_check] runner (healthcheck/pg.c) driven on its own, for tests/pg.
 *
 *   kq-pg-probe CONNINFO INTERVAL TIMEOUT [MAX_LAG]
 *
 * Starts a run every INTERVAL seconds (when the previous one is over) with a TIMEOUT in seconds
 * and MAX_LAG in bytes (default 0: no limit), in an sd_event loop, and prints one JSON object per
 * run on stdout, flushed:
 *
 *   {"seq":1,"t_ms":512,"ok":true,"timed_out":false,"detail":"primary, lsn 0/3000148, timeline 1",
 *    "duration_ms":3.2,"max_tick_gap_ms":11.0,"in_recovery":false,"lsn":"0/3000148",
 *    "receive_lsn":null,"replay_lsn":null,"lag_bytes":null,"timeline":1,"promotable":true,
 *    "receiver_streaming":false}
 *
 * The facts are null when the run did not get them (a failed run). A 10 ms repeating timer runs
 * beside the check; max_tick_gap_ms is the largest gap between two of its ticks since the last
 * line: it stays near 10 unless something blocked the loop. t_ms counts from the start. The
 * probe aborts if the runner reports from inside health_pg_run(). SIGTERM or SIGINT: exit 0.
 * KQ_LOG_LEVEL=debug shows the runner's log on stderr. */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "common/util.h"
#include "daemon/log.h"
#include "healthcheck/runner.h"

#define PROBE_TICK_US 10000ULL

struct probe {
	sd_event *ev;
	struct health_pg *pg;
	uint64_t interval_us;
	uint64_t start_us, last_tick_us, max_gap_us;
	unsigned long seq;
	bool in_run;
};

/* Milliseconds with 3 decimals, printed as such (not as the nearest double's 17 digits). */
static json_object *probe_ms(uint64_t us)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.3f", (double)us / 1000.0);
	return json_object_new_double_s((double)us / 1000.0, buf);
}

static json_object *probe_lsn(bool known, uint64_t lsn)
{
	char buf[24];

	if (!known)
		return NULL;
	snprintf(buf, sizeof(buf), "%" PRIX64 "/%" PRIX64, lsn >> 32, lsn & 0xffffffffu);
	return json_object_new_string(buf);
}

static void probe_facts(json_object *o, const struct health_pg_facts *f)
{
	bool standby = f && f->in_recovery;

	json_object_object_add(o, "in_recovery", f ? json_object_new_boolean(f->in_recovery) : NULL);
	json_object_object_add(o, "lsn", probe_lsn(f != NULL, f ? f->lsn : 0));
	json_object_object_add(o, "receive_lsn",
			       probe_lsn(standby && f->receive_known, f ? f->receive_lsn : 0));
	json_object_object_add(o, "replay_lsn", probe_lsn(standby, f ? f->replay_lsn : 0));
	json_object_object_add(o, "lag_bytes", f && f->lag_known ?
			       json_object_new_uint64(f->lag_bytes) : NULL);
	json_object_object_add(o, "timeline", f ? json_object_new_int64(f->timeline) : NULL);
	json_object_object_add(o, "promotable", f ? json_object_new_boolean(f->promotable) : NULL);
	json_object_object_add(o, "receiver_streaming",
			       f ? json_object_new_boolean(f->receiver_streaming) : NULL);
}

static void probe_done(void *userdata, const struct health_result *r)
{
	struct probe *p = userdata;
	json_object *o = json_object_new_object();

	if (p->in_run) {
		fprintf(stderr, "kq-pg-probe: the runner reported from inside health_pg_run()\n");
		abort();
	}
	json_object_object_add(o, "seq", json_object_new_uint64(++p->seq));
	json_object_object_add(o, "t_ms", json_object_new_uint64((util_now_usec() - p->start_us) / 1000));
	json_object_object_add(o, "ok", json_object_new_boolean(r->ok));
	json_object_object_add(o, "timed_out", json_object_new_boolean(r->timed_out));
	json_object_object_add(o, "detail", json_object_new_string(r->detail));
	json_object_object_add(o, "duration_ms", probe_ms(r->duration_us));
	json_object_object_add(o, "max_tick_gap_ms", probe_ms(p->max_gap_us));
	probe_facts(o, r->pg);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(o);
	p->max_gap_us = 0;
}

static int probe_on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct probe *p = userdata;
	uint64_t now = util_now_usec();

	if (p->last_tick_us && now - p->last_tick_us > p->max_gap_us)
		p->max_gap_us = now - p->last_tick_us;
	p->last_tick_us = now;
	if (sd_event_source_set_time(s, now + PROBE_TICK_US) < 0 ||
	    sd_event_source_set_enabled(s, SD_EVENT_ON) < 0)
		util_die("kq-pg-probe: cannot re-arm the tick timer");
	return 0;
}

static int probe_on_interval(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct probe *p = userdata;
	int r;

	if (!health_pg_busy(p->pg)) {
		p->in_run = true;
		r = health_pg_run(p->pg);
		p->in_run = false;
		if (r < 0)
			util_die("kq-pg-probe: health_pg_run: %s", strerror(-r));
	}
	if (sd_event_source_set_time(s, usec + p->interval_us) < 0 ||
	    sd_event_source_set_enabled(s, SD_EVENT_ON) < 0)
		util_die("kq-pg-probe: cannot re-arm the interval timer");
	return 0;
}

static int probe_on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

static double probe_seconds(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 3600)
		util_die("kq-pg-probe: bad %s '%s' (seconds, > 0)", what, s);
	return v;
}

int main(int argc, char **argv)
{
	struct probe p = {0};
	struct health_pg_params params = {.name = "probe"};
	const char *level = getenv("KQ_LOG_LEVEL");
	sigset_t ss;
	char *end;
	int r;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: kq-pg-probe CONNINFO INTERVAL TIMEOUT [MAX_LAG]\n");
		return 2;
	}
	log_open(true);
	if (level && log_level_parse(level) >= 0)
		log_set_level(log_level_parse(level));
	params.conninfo = argv[1];
	p.interval_us = (uint64_t)(probe_seconds(argv[2], "interval") * 1e6);
	params.timeout_us = (uint64_t)(probe_seconds(argv[3], "timeout") * 1e6);
	if (argc == 5) {
		errno = 0;
		params.max_lag = strtoull(argv[4], &end, 10);
		if (errno || end == argv[4] || *end)
			util_die("kq-pg-probe: bad max_lag '%s' (bytes)", argv[4]);
	}
	if (health_pg_conninfo_may_block(params.conninfo))
		fprintf(stderr, "kq-pg-probe: warning: this conninfo may block on DNS\n");

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	r = sd_event_default(&p.ev);
	if (r < 0)
		util_die("kq-pg-probe: sd_event_default: %s", strerror(-r));
	p.start_us = util_now_usec();
	if (sd_event_add_signal(p.ev, NULL, SIGTERM, probe_on_signal, NULL) < 0 ||
	    sd_event_add_signal(p.ev, NULL, SIGINT, probe_on_signal, NULL) < 0 ||
	    sd_event_add_time(p.ev, NULL, CLOCK_MONOTONIC, p.start_us, 1, probe_on_tick, &p) < 0 ||
	    sd_event_add_time(p.ev, NULL, CLOCK_MONOTONIC, p.start_us, 1, probe_on_interval, &p) < 0)
		util_die("kq-pg-probe: cannot set up the event loop");
	p.pg = health_pg_new(p.ev, &params, probe_done, &p);
	r = sd_event_loop(p.ev);
	health_pg_free(p.pg);
	sd_event_unref(p.ev);
	return r < 0 ? 1 : 0;
}
