/* The daemon's life: set up, run the sd-event loop, reload, stop. Signals arrive through the loop
 * (signalfd), never in async handlers; the watchdog is fed by the loop itself (watchdog.c), so a
 * stuck loop stops feeding it and systemd kills and restarts us. */
#include "daemon/daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/caps.h"
#include "daemon/ctl.h"
#include "daemon/http.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/quorum.h"
#include "daemon/watchdog.h"
#include "healthcheck/health.h"
#include "vrrp/engine.h"

struct daemon {
	struct daemon_opts opts;
	struct conf *conf;
	sd_event *ev;
	struct ctl_server *ctl;
	struct vrrp_engine *vrrp;
	struct health *health;
	struct dquorum *quorum;     /* NULL: no [quorum] section */
	struct watchdog *watchdog;  /* NULL: no WATCHDOG_USEC */
	struct http_server *http;   /* NULL: no metrics_listen, or built without libmicrohttpd */
	sd_event_source *fitness;   /* deferred: recompute this node's fitness for the quorum */
	int pid_fd;
	unsigned long long started_usec;
	bool reload_refused;   /* the last reload was refused: say so in STATUS= */
	bool stopping;
	uint64_t stop_deadline;
};

static void daemon_want_fitness(struct daemon *d);
static void daemon_http_reload(struct daemon *d, const struct conf *c);

const struct conf *daemon_conf(const struct daemon *d)
{
	return d->conf;
}

const struct vrrp_engine *daemon_vrrp(const struct daemon *d)
{
	return d->vrrp;
}

const struct health *daemon_health(const struct daemon *d)
{
	return d->health;
}

struct quorum_node *daemon_quorum(const struct daemon *d)
{
	return dquorum_node(d->quorum);
}

struct ctl_server *daemon_ctl(const struct daemon *d)
{
	return d->ctl;
}

unsigned long long daemon_started_usec(const struct daemon *d)
{
	return d->started_usec;
}

/* The problems of a refused reload that go to the log and to keepquorumctl's answer: a file of
 * garbage has one a line, thousands, which would flood the journal and outgrow an answer;
 * keepquorumd -t lists them all. */
#define DAEMON_RELOAD_DIAGS 20

void daemon_print_diags(const struct conf_diags *diags, bool to_log)
{
	char buf[1024];

	for (size_t i = 0; i < diags->n; i++) {
		conf_diag_format(&diags->v[i], buf, sizeof(buf));
		if (!to_log) {
			fprintf(stderr, "%s\n", buf);
			continue;
		}
		if (i == DAEMON_RELOAD_DIAGS) {
			log_obj(LOG_ERR, "config", "and %zu more problems (keepquorumd -t -f FILE "
				"lists them all)", diags->n - i);
			break;
		}
		log_obj(LOG_ERR, "config", "%s", buf);
	}
}

static void daemon_notify_status(struct daemon *d, const char *extra)
{
	char *summary = status_summary(d);

	sd_notifyf(0, "%sSTATUS=%s%s", extra ? extra : "", summary,
		   d->reload_refused ? " (last reload refused, see the log)" : "");
	free(summary);
}

int daemon_reload(struct daemon *d, char **error)
{
	struct conf_diags diags = {0};
	struct conf *c = NULL;
	char buf[1024];
	size_t len = 0;
	char *msg = NULL;
	int r;

	/* stopping: the instances are gone and must not come back */
	if (d->stopping) {
		log_notice("reload refused: stopping");
		*error = xstrdup("keepquorumd is stopping");
		return -ESHUTDOWN;
	}
	log_notice("reloading %s", d->opts.config);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", util_now_usec());
	r = conf_load(d->opts.config, &c, &diags);
	if (r < 0) {
		daemon_print_diags(&diags, true);
		log_event(LOG_ERR, NULL, &(struct log_fields){.msgid = LOG_MSGID_RELOAD,
							       .result = "refused"},
			  "reload refused: %zu problem%s in %s; still running the previous config",
			  diags.n, diags.n == 1 ? "" : "s", d->opts.config);
		for (size_t i = 0; i < diags.n; i++) {
			if (i == DAEMON_RELOAD_DIAGS)
				snprintf(buf, sizeof(buf), "and %zu more problems (keepquorumd -t -f %s "
					 "lists them all)", diags.n - i, d->opts.config);
			else
				conf_diag_format(&diags.v[i], buf, sizeof(buf));
			msg = xrealloc(msg, len + strlen(buf) + 2);
			len += (size_t)sprintf(msg + len, "%s%s", i ? "\n" : "", buf);
			if (i == DAEMON_RELOAD_DIAGS)
				break;
		}
		conf_diags_free(&diags);
		*error = msg;
		d->reload_refused = true;
		daemon_notify_status(d, "READY=1\n");
		return -EINVAL;
	}
	/* the checks, then the engine, move to the new config before the old one is freed: they
	 * point into it */
	health_apply(d->health, c);
	if (d->vrrp)
		vrrp_engine_reload(d->vrrp, c);
	if (!conf_quorum_same(d->conf->quorum, c->quorum))
		log_warning("the [quorum] section changed: it applies at the next start of keepquorumd; "
			    "the running quorum keeps its members, timers and key");
	daemon_want_fitness(d);
	daemon_http_reload(d, c);
	conf_free(d->conf);
	d->conf = c;
	d->reload_refused = false;
	log_event(LOG_NOTICE, NULL, &(struct log_fields){.msgid = LOG_MSGID_RELOAD, .result = "ok"},
		  "reloaded %s: %zu instance%s", d->opts.config, c->n_instances,
		  c->n_instances == 1 ? "" : "s");
	daemon_notify_status(d, "READY=1\n");
	return 0;
}

/* The hooks a stop queues (demote, notify_stop and the rest) run before the process exits: each
 * is bounded by its own timeout, and the whole wait by DAEMON_STOP_HOOKS_USEC, which stays
 * under the unit's TimeoutStopSec=60. Hooks still running then are killed. keepalived gives its
 * STOP scripts 1 s and waits for nothing else. */
#define DAEMON_STOP_HOOKS_USEC (50ULL * 1000000ULL)
#define DAEMON_STOP_POLL_USEC (20ULL * 1000ULL)

static int daemon_on_stop_poll(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	bool busy = (d->vrrp && vrrp_engine_hooks_pending(d->vrrp)) || dquorum_handing_over(d->quorum);

	if (!busy || usec >= d->stop_deadline) {
		if (d->vrrp && vrrp_engine_hooks_pending(d->vrrp))
			log_warning("stopping with %u hook%s still running", vrrp_engine_hooks_pending(d->vrrp),
				    vrrp_engine_hooks_pending(d->vrrp) == 1 ? "" : "s");
		sd_event_exit(d->ev, 0);
		return 0;
	}
	sd_event_source_set_time(s, usec + DAEMON_STOP_POLL_USEC);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static void daemon_stop_when_hooks_done(struct daemon *d)
{
	uint64_t now = util_now_usec();

	if (d->stopping)
		return;
	d->stopping = true;
	d->stop_deadline = now + DAEMON_STOP_HOOKS_USEC;
	if (sd_event_add_time(d->ev, NULL, CLOCK_MONOTONIC, now, 1000, daemon_on_stop_poll, d) < 0)
		sd_event_exit(d->ev, 0);
}

static int daemon_on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;
	char *error = NULL;
	json_object *st;

	switch (si->ssi_signo) {
	case SIGHUP:
		daemon_reload(d, &error);
		free(error);
		break;
	case SIGUSR2:
		/* keepalived's statistics dump; ours are served as metrics */
		log_notice("SIGUSR2: statistics are served by keepquorumctl metrics; state follows");
		/* fall through */
	case SIGUSR1:
		st = status_build(d);
		log_event(LOG_NOTICE, NULL, &(struct log_fields){.msgid = LOG_MSGID_STATE_DUMP},
			  "state: %s", json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN |
								      JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(st);
		break;
	default:
		log_notice("%s received, stopping", strsignal((int)si->ssi_signo));
		sd_notify(0, "STOPPING=1\nSTATUS=stopping");
		/* a leader hands over: its successor campaigns once this node's gated instances are
		 * down and demoted (the stop poll waits for it) */
		dquorum_stop(d->quorum);
		/* priority 0 from every MASTER, so backups take over after Skew_Time; VIPs removed */
		if (d->vrrp)
			vrrp_engine_stop(d->vrrp);
		/* no instance is left to track them: running checks are killed */
		health_free(d->health);
		d->health = NULL;
		daemon_stop_when_hooks_done(d);
		break;
	}
	return 0;
}

/* The quorum learns this node's fitness after the change that moved it, never from inside the
 * engine's or the quorum's own step (either may be what called us). */
static int daemon_on_fitness(sd_event_source *s, void *userdata)
{
	struct daemon *d = userdata;

	if (!d->stopping)
		dquorum_fitness(d->quorum);
	return 0;
}

static void daemon_want_fitness(struct daemon *d)
{
	if (d->fitness)
		sd_event_source_set_enabled(d->fitness, SD_EVENT_ONESHOT);
}

static void daemon_on_change(void *ud)
{
	struct daemon *d = ud;

	daemon_want_fitness(d);
	/* STATUS=stopping stays until the end */
	if (!d->stopping)
		daemon_notify_status(d, NULL);
}

/* A check changed (or a pg_check learned a new position): the instances that track it look
 * again (none before the engine runs), and the quorum hears of it. */
static void daemon_on_check(void *ud, const struct health_check *c)
{
	struct daemon *d = ud;

	if (d->vrrp)
		vrrp_engine_checks_changed(d->vrrp);
	daemon_want_fitness(d);
}

static int daemon_mkdir_parent(const char *path, mode_t mode)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int r = 0;

	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, mode) < 0 && errno != EEXIST)
			r = -errno;
	}
	free(dir);
	return r;
}

/* A frozen leader must be killed, and its VIPs released by ExecStopPost=, before another member
 * may be elected: that is election_timeout after the last heartbeat the others heard, which came
 * up to heartbeat_interval before the freeze; systemd kills WatchdogSec after the last keep-alive,
 * which came before the freeze too. So WatchdogSec + the kill and the release < election_timeout -
 * heartbeat_interval (keepquorumd(8), WATCHDOG). */
#define DAEMON_RELEASE_ALLOWANCE_USEC (300ULL * 1000ULL)

static void daemon_check_watchdog(struct daemon *d)
{
	const struct conf_quorum *q = d->conf->quorum;
	uint64_t wd = watchdog_period_usec(d->watchdog), bound;

	log_info("systemd watchdog: WATCHDOG=1 every %.3f s from the loop, period %.3f s",
		 (double)wd / 4e6, (double)wd / 1e6);
	if (!q)
		return;
	bound = (uint64_t)((q->election_timeout - q->heartbeat_interval) * 1e6);
	if (wd + DAEMON_RELEASE_ALLOWANCE_USEC > bound)
		log_warning("WatchdogSec=%.3f s is too long for election_timeout %.3f s: a frozen leader "
			    "would be killed and its VIPs released only after another member may be "
			    "elected; set WatchdogSec to at most %.3f s (election_timeout - "
			    "heartbeat_interval - 0.3 s)", (double)wd / 1e6, q->election_timeout,
			    bound > DAEMON_RELEASE_ALLOWANCE_USEC ?
			    (double)(bound - DAEMON_RELEASE_ALLOWANCE_USEC) / 1e6 : 0.0);
}

static char *daemon_render_metrics(void *userdata)
{
	return metrics_text(userdata);
}

#define DAEMON_NO_HTTP "metrics_listen = %s is set, but keepquorumd was built without " \
	"libmicrohttpd: nothing listens; keepquorumctl metrics prints the same text"

/* metrics_listen at start: an address that cannot be bound stops the start, as the control
 * socket does. */
static int daemon_http_start(struct daemon *d)
{
	const struct conf_global *g = &d->conf->global;
	char addr[80], err[256];
	int r;

	if (!g->metrics_listen_set)
		return 0;
	conf_sockaddr_str(&g->metrics_listen, addr, sizeof(addr));
	if (!http_available()) {
		log_warning(DAEMON_NO_HTTP, addr);
		return 0;
	}
	r = http_server_new(d->ev, &g->metrics_listen, daemon_render_metrics, d, &d->http, err,
			    sizeof(err));
	if (r < 0) {
		fprintf(stderr, "keepquorumd: metrics_listen %s: %s\n", addr, err);
		return r;
	}
	log_info("metrics served at http://%s/metrics", addr);
	return 0;
}

/* On reload a changed metrics_listen moves the listener. A new address that cannot be bound
 * leaves the old listener serving (the rest of the reload applies): a typo must not cost the
 * scrapes that work. */
static void daemon_http_reload(struct daemon *d, const struct conf *c)
{
	const struct conf_sockaddr *want = &c->global.metrics_listen;
	struct conf_sockaddr old = {0};
	struct http_server *h = NULL;
	char addr[80], was[80] = "nothing", err[256];
	int r;

	if (!c->global.metrics_listen_set) {
		if (d->http)
			log_notice("metrics_listen removed: the HTTP endpoint is closed");
		http_server_free(d->http);
		d->http = NULL;
		return;
	}
	conf_sockaddr_str(want, addr, sizeof(addr));
	if (!http_available()) {
		log_warning(DAEMON_NO_HTTP, addr);
		return;
	}
	if (d->http) {
		old = *http_server_addr(d->http);
		if (conf_sockaddr_eq(&old, want))
			return;
		conf_sockaddr_str(&old, was, sizeof(was));
	}
	r = http_server_new(d->ev, want, daemon_render_metrics, d, &h, err, sizeof(err));
	if (r == -EADDRINUSE && d->http && old.port == want->port) {
		/* the old listener may be what holds the port (0.0.0.0 after 127.0.0.1): let it go,
		 * and take it back if the new address still cannot be bound */
		http_server_free(d->http);
		d->http = NULL;
		r = http_server_new(d->ev, want, daemon_render_metrics, d, &h, err, sizeof(err));
		if (r < 0) {
			char err2[256];

			if (http_server_new(d->ev, &old, daemon_render_metrics, d, &d->http, err2,
					    sizeof(err2)) < 0) {
				log_error("metrics_listen %s: %s; and the old %s cannot be bound again: "
					  "%s; nothing listens", addr, err, was, err2);
				return;
			}
		}
	}
	if (r < 0) {
		log_error("metrics_listen %s: %s; still serving on %s", addr, err, was);
		return;
	}
	http_server_free(d->http);
	d->http = h;
	log_notice("metrics served at http://%s/metrics (before: %s)", addr, was);
}

static int daemon_setup(struct daemon *d)
{
	static const int sigs[] = {SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGUSR2};
	const char *what = NULL;
	char caps_err[512];
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(&mask, sigs[i]);
	/* sd-event reaps hook processes through a signalfd: SIGCHLD must be blocked */
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* a notify_fifo whose reader left must cost a dropped line, not the daemon */
	signal(SIGPIPE, SIG_IGN);
	r = sd_event_default(&d->ev);
	if (r < 0) {
		fprintf(stderr, "keepquorumd: cannot create the event loop: %s\n", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		r = sd_event_add_signal(d->ev, NULL, sigs[i], daemon_on_signal, d);
		if (r < 0) {
			fprintf(stderr, "keepquorumd: cannot watch signal %d: %s\n", sigs[i], strerror(-r));
			return r;
		}
	}
	if (daemon_caps_check(d->conf, caps_err, sizeof(caps_err)) < 0) {
		fprintf(stderr, "keepquorumd: missing capabilities: %s\n", caps_err);
		return -EPERM;
	}
	/* The quorum's term and vote live here (written before they are acted on). */
	if (d->conf->quorum && mkdir(d->opts.state_dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		fprintf(stderr, "keepquorumd: cannot create state directory %s: %s\n", d->opts.state_dir,
			strerror(errno));
		return r;
	}
	if (d->opts.pidfile && (r = pidfile_write(d->opts.pidfile, &d->pid_fd)) < 0) {
		fprintf(stderr, "keepquorumd: pid file %s: %s\n", d->opts.pidfile,
			r == -EADDRINUSE ? "locked by another running keepquorumd" : strerror(-r));
		return r;
	}
	daemon_mkdir_parent(d->opts.ctl_socket, 0755);
	r = ctl_server_new(d->ev, d->opts.ctl_socket, commands_dispatch, d, &d->ctl, &what);
	if (r < 0) {
		fprintf(stderr, "keepquorumd: control socket %s: %s: %s\n", d->opts.ctl_socket, what,
			strerror(-r));
		return r;
	}
	r = daemon_http_start(d);
	if (r < 0)
		return r;
	/* the checks first: their first runs start now, and the instances wait for them */
	d->health = health_new(d->ev, daemon_on_check, d);
	health_apply(d->health, d->conf);
	r = vrrp_engine_start(d->ev, d->conf, d->health, daemon_on_change, d, &d->vrrp);
	if (r < 0) {
		fprintf(stderr, "keepquorumd: cannot start VRRP: %s\n", strerror(-r));
		return r;
	}
	if (sd_event_add_defer(d->ev, &d->fitness, daemon_on_fitness, d) >= 0)
		sd_event_source_set_enabled(d->fitness, SD_EVENT_OFF);
	if (d->conf->quorum) {
		char err[512];

		r = dquorum_start(d->ev, d->conf, d->opts.state_dir, d->vrrp, daemon_on_change, d,
				  &d->quorum, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "keepquorumd: %s\n", err);
			return r;
		}
	}
	r = watchdog_start(d->ev, &d->watchdog);
	if (r < 0)
		log_warning("cannot enable the systemd watchdog: %s", strerror(-r));
	else if (r > 0)
		daemon_check_watchdog(d);
	return 0;
}

int daemon_run(const struct daemon_opts *opts, struct conf *conf)
{
	struct daemon d = {.opts = *opts, .conf = conf, .pid_fd = -1};
	int r, code = DAEMON_EXIT_OK;

	d.started_usec = util_now_usec();
	log_set_node(conf->quorum ? conf->quorum->node_id : conf->global.router_id);
	r = daemon_setup(&d);
	if (r < 0) {
		code = DAEMON_EXIT_RUNTIME;
		goto out;
	}
	log_event(LOG_NOTICE, NULL, &(struct log_fields){.msgid = LOG_MSGID_STARTED},
		  "keepquorumd %s started: %s, %zu instance%s, node %s", PACKAGE_VERSION, opts->config,
		  conf->n_instances, conf->n_instances == 1 ? "" : "s",
		  conf->quorum ? conf->quorum->node_id : conf->global.router_id);
	daemon_notify_status(&d, "READY=1\n");
	r = sd_event_loop(d.ev);
	if (r < 0) {
		log_error("event loop failed: %s", strerror(-r));
		code = DAEMON_EXIT_RUNTIME;
	}
	log_event(LOG_NOTICE, NULL, &(struct log_fields){.msgid = LOG_MSGID_STOPPED,
							  .result = code == DAEMON_EXIT_OK ? "ok" : "failed"},
		  "stopped");
out:
	watchdog_free(d.watchdog);
	dquorum_free(d.quorum);
	sd_event_source_disable_unref(d.fitness);
	vrrp_engine_free(d.vrrp);
	health_free(d.health);
	http_server_free(d.http);
	ctl_server_free(d.ctl);
	pidfile_remove(opts->pidfile, d.pid_fd);
	sd_event_unref(d.ev);
	conf_free(d.conf);
	return code;
}
