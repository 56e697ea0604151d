/* [pg_check]: the PostgreSQL check runner. One persistent libpq connection per check, driven by
 * libpq's asynchronous API with its socket in the event loop; one query per run, one round trip
 * (the query and the meaning of its answer: pg-answer.c).
 *
 * DNS. PQconnectStart() and PQconnectPoll() resolve host names with getaddrinfo(), which blocks
 * (libpq, "Connecting asynchronously": they do not block only if hostaddr is used so that no DNS
 * query is made). libpq resolves the first host inside PQconnectStart and the next ones inside
 * PQconnectPoll, so a name in conninfo can freeze the whole daemon (VRRP adverts, quorum
 * heartbeats, leases) for as long as the resolver takes. conninfo should therefore name a socket
 * directory (host=/run/postgresql), a numeric address, or give hostaddr=; the daemon warns at load
 * time when health_pg_conninfo_may_block() says it does not. (The same goes for GSSAPI over TCP
 * with a credential cache: gssencmode=disable avoids a KDC round trip.)
 *
 * Closing never blocks either: libpq's socket is O_NONBLOCK from the start, and we put the
 * connection in nonblocking mode as soon as it is up, so PQfinish() sends Terminate with a flush
 * that returns instead of waiting when the socket cannot take it (pqSendSome), then closes. Before
 * the connection is up libpq sends nothing at close. No shutdown() of the socket is needed. */
#include "healthcheck/pg-int.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "common/util.h"
#include "daemon/log.h"

enum health_pg_phase { HEALTH_PG_IDLE, HEALTH_PG_CONNECTING, HEALTH_PG_QUERY, HEALTH_PG_REPORTING };

struct health_pg {
	sd_event *ev;
	char *obj;                 /* "check NAME", for the log */
	char *conninfo;
	uint64_t timeout_us, max_lag;
	health_done_fn done;
	void *userdata;

	PGconn *conn;              /* the persistent connection, NULL when there is none */
	bool conn_up;              /* CONNECTION_OK and nonblocking: usable by the next run */
	bool reused;               /* this run started on a connection made by an earlier one */
	bool flushing;             /* the query is not all sent: PQflush() returned 1 */
	enum health_pg_phase phase;
	PGresult *res;             /* the query's result, until libpq says the command is done */
	sd_event_source *io, *timer, *defer;

	struct health_pg_memory mem;   /* kept from run to run, whatever the connection does */

	struct health_pg_facts facts;
	struct health_result result;
};

static void health_pg_connect(struct health_pg *p);

static void health_pg_first_line(char *dst, size_t n, const char *msg)
{
	size_t len;

	while (msg && isspace((unsigned char)*msg))
		msg++;
	if (!msg || !*msg)
		msg = "(no message)";
	len = strcspn(msg, "\n");
	snprintf(dst, n, "%.*s", (int)len, msg);
}

static void health_pg_drop(struct health_pg *p)
{
	p->io = sd_event_source_disable_unref(p->io);
	if (p->res)
		PQclear(p->res);
	p->res = NULL;
	if (p->conn)
		PQfinish(p->conn);   /* does not block: see the top of this file */
	p->conn = NULL;
	p->conn_up = false;
	p->flushing = false;
}

/* End the run; the callback runs from the loop (health_pg_on_defer), never from here, so that
 * health_pg_run() never reports and a callback may free or re-run the check. */
static void health_pg_finish(struct health_pg *p, bool ok, bool timed_out, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void health_pg_finish(struct health_pg *p, bool ok, bool timed_out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->result.detail, sizeof(p->result.detail), fmt, ap);
	va_end(ap);
	p->result.duration_us = util_now_usec() - p->result.started_us;
	if (!timed_out && p->result.duration_us >= p->timeout_us) {
		/* the answer and the timeout fell due in one turn of the loop, the answer read
		 * first: it came too late all the same, and a run never lasts its timeout and
		 * counts */
		ok = false;
		timed_out = true;
		snprintf(p->result.detail, sizeof(p->result.detail),
			 "timed out after %.1f s (the answer came as the time ran out)",
			 (double)p->timeout_us / 1e6);
	}
	p->result.ok = ok;
	p->result.timed_out = timed_out;
	p->result.pg = ok ? &p->facts : NULL;
	p->timer = sd_event_source_disable_unref(p->timer);
	if (ok)
		p->io = sd_event_source_disable_unref(p->io);   /* idle: nothing to watch */
	else
		health_pg_drop(p);   /* any error or timeout: the next run connects anew */
	p->phase = HEALTH_PG_REPORTING;
	if (sd_event_source_set_enabled(p->defer, SD_EVENT_ONESHOT) < 0)
		util_die("%s: cannot schedule the report", p->obj);
}

static int health_pg_on_defer(sd_event_source *s, void *userdata)
{
	struct health_pg *p = userdata;
	struct health_pg_facts facts = p->facts;
	struct health_result r = p->result;

	r.pg = r.pg ? &facts : NULL;
	p->phase = HEALTH_PG_IDLE;
	p->done(p->userdata, &r);   /* last: it may free p or start the next run */
	return 0;
}

static int health_pg_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/* Watch libpq's socket for `events`. While connecting, libpq may close its socket and open
 * another one (next address, next host, SSL or GSS fallback), possibly under the same number:
 * epoll forgets a closed descriptor, so a source kept on the old number would never fire. The
 * source is therefore made anew after every PQconnectPoll() step (renew). */
static bool health_pg_watch(struct health_pg *p, uint32_t events, bool renew)
{
	int fd = PQsocket(p->conn);

	if (fd < 0)
		return false;
	if (p->io && !renew)
		return sd_event_source_set_io_events(p->io, events) >= 0;
	p->io = sd_event_source_disable_unref(p->io);
	return sd_event_add_io(p->ev, &p->io, fd, events, health_pg_on_io, p) >= 0;
}

static void health_pg_connect_failed(struct health_pg *p)
{
	char msg[160];

	health_pg_first_line(msg, sizeof(msg), p->conn ? PQerrorMessage(p->conn) : "out of memory");
	health_pg_finish(p, false, false, "cannot connect: %s", msg);
}

static void health_pg_on_notice(void *arg, const PGresult *res)
{
	struct health_pg *p = arg;
	char msg[160];

	health_pg_first_line(msg, sizeof(msg), PQresultErrorMessage(res));
	log_obj(LOG_INFO, p->obj, "server says: %s", msg);
}

static void health_pg_query_failed(struct health_pg *p, const char *msg)
{
	/* A connection made by an earlier run may have died in between (server restarted, backend
	 * terminated): that says nothing about the server now, so connect once more, within this
	 * run's timeout, and report what that finds. */
	if (p->reused && PQstatus(p->conn) == CONNECTION_BAD) {
		log_obj(LOG_DEBUG, p->obj, "connection lost since the last run (%s); reconnecting", msg);
		health_pg_drop(p);
		p->reused = false;
		health_pg_connect(p);
		return;
	}
	health_pg_finish(p, false, false, "query failed: %s", msg);
}

static void health_pg_conn_failed(struct health_pg *p)
{
	char msg[160];

	health_pg_first_line(msg, sizeof(msg), PQerrorMessage(p->conn));
	health_pg_query_failed(p, msg);
}

static void health_pg_send(struct health_pg *p)
{
	int r = -1;

	p->phase = HEALTH_PG_QUERY;
	if (!PQsendQuery(p->conn, health_pg_sql) || (r = PQflush(p->conn)) < 0) {
		health_pg_conn_failed(p);
		return;
	}
	/* While output is pending, libpq wants read-ready too (the server may be waiting for us to
	 * read before it reads more: libpq, "Asynchronous Command Processing", PQflush). */
	p->flushing = r == 1;
	if (!health_pg_watch(p, EPOLLIN | (p->flushing ? EPOLLOUT : 0), false))
		health_pg_finish(p, false, false, "query failed: cannot watch the connection's socket");
}

/* One PQconnectPoll() step; libpq asks what to wait for next. */
static void health_pg_connect_step(struct health_pg *p)
{
	switch (PQconnectPoll(p->conn)) {
	case PGRES_POLLING_READING:
		if (!health_pg_watch(p, EPOLLIN, true))
			health_pg_connect_failed(p);
		return;
	case PGRES_POLLING_WRITING:
		if (!health_pg_watch(p, EPOLLOUT, true))
			health_pg_connect_failed(p);
		return;
	case PGRES_POLLING_OK:
		if (PQsetnonblocking(p->conn, 1) != 0) {
			health_pg_connect_failed(p);
			return;
		}
		p->conn_up = true;
		log_obj(LOG_DEBUG, p->obj, "connected");
		health_pg_send(p);
		return;
	default:
		health_pg_connect_failed(p);
		return;
	}
}

static void health_pg_connect(struct health_pg *p)
{
	/* conninfo may be key=value or a URI (expand_dbname); the application name tells the
	 * server's admin who holds this connection, unless conninfo names one itself. */
	const char *const keys[] = {"dbname", "fallback_application_name", NULL};
	const char *const values[] = {p->conninfo, "keepquorum", NULL};

	p->phase = HEALTH_PG_CONNECTING;
	p->conn = PQconnectStartParams(keys, values, 1);
	if (!p->conn || PQstatus(p->conn) == CONNECTION_BAD) {
		health_pg_connect_failed(p);
		return;
	}
	PQsetNoticeReceiver(p->conn, health_pg_on_notice, p);
	/* Just after PQconnectStart, behave as if PQconnectPoll had returned PGRES_POLLING_WRITING. */
	if (!health_pg_watch(p, EPOLLOUT, true))
		health_pg_connect_failed(p);
}

/* The command is complete: judge what came back. */
static void health_pg_complete(struct health_pg *p)
{
	PGresult *res = p->res;
	char msg[sizeof(p->result.detail)];
	bool ok;

	p->res = NULL;
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

		health_pg_first_line(msg, sizeof(msg), m ? m : res ? PQresultErrorMessage(res)
								   : PQerrorMessage(p->conn));
		PQclear(res);
		health_pg_query_failed(p, msg);
		return;
	}
	ok = health_pg_answer(res, p->max_lag, &p->mem, &p->facts, msg, sizeof(msg));
	PQclear(res);
	if (ok)
		health_pg_finish(p, true, false, "%s", msg);
	else
		health_pg_finish(p, false, false, "query failed: %s", msg);
}

/* Take every result libpq has parsed; PQgetResult() is only called when it will not block. */
static void health_pg_collect(struct health_pg *p)
{
	while (!PQisBusy(p->conn)) {
		PGresult *r = PQgetResult(p->conn);

		if (!r) {
			health_pg_complete(p);
			return;
		}
		/* keep the first result, or the first error after it */
		if (!p->res || (PQresultStatus(p->res) == PGRES_TUPLES_OK &&
				PQresultStatus(r) != PGRES_TUPLES_OK)) {
			PQclear(p->res);
			p->res = r;
		} else {
			PQclear(r);
		}
	}
}

static void health_pg_query_io(struct health_pg *p, uint32_t revents)
{
	int r;

	/* On a lost connection PQconsumeInput fails, but what the server said before (a FATAL
	 * message) is still parsed by PQisBusy/PQgetResult: that is the better detail. */
	if ((revents & (EPOLLIN | EPOLLERR | EPOLLHUP)) && !PQconsumeInput(p->conn) &&
	    PQisBusy(p->conn)) {
		health_pg_conn_failed(p);
		return;
	}
	if (p->flushing) {
		r = PQflush(p->conn);
		if (r < 0) {
			health_pg_conn_failed(p);
			return;
		}
		p->flushing = r == 1;
		if (!p->flushing && !health_pg_watch(p, EPOLLIN, false)) {
			health_pg_finish(p, false, false, "query failed: cannot watch the socket");
			return;
		}
	}
	health_pg_collect(p);
}

static int health_pg_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct health_pg *p = userdata;

	if (p->phase == HEALTH_PG_CONNECTING)
		health_pg_connect_step(p);
	else if (p->phase == HEALTH_PG_QUERY)
		health_pg_query_io(p, revents);
	return 0;
}

static int health_pg_on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct health_pg *p = userdata;

	health_pg_finish(p, false, true, "timed out after %.1f s (%s)", (double)p->timeout_us / 1e6,
			 p->phase == HEALTH_PG_CONNECTING ? "connecting" : "query");
	return 0;
}

/* --- the interface --------------------------------------------------------------------------- */

struct health_pg *health_pg_new(sd_event *ev, const struct health_pg_params *params,
				health_done_fn done, void *userdata)
{
	struct health_pg *p = xcalloc(1, sizeof(*p));

	p->ev = sd_event_ref(ev);
	p->obj = xasprintf("check %s", params->name);
	p->conninfo = xstrdup(params->conninfo);
	p->timeout_us = params->timeout_us;
	p->max_lag = params->max_lag;
	p->done = done;
	p->userdata = userdata;
	if (sd_event_add_defer(ev, &p->defer, health_pg_on_defer, p) < 0 ||
	    sd_event_source_set_enabled(p->defer, SD_EVENT_OFF) < 0)
		util_die("%s: cannot add an event source", p->obj);
	return p;
}

int health_pg_run(struct health_pg *p)
{
	if (p->phase != HEALTH_PG_IDLE)
		return -EBUSY;
	memset(&p->result, 0, sizeof(p->result));
	p->result.started_us = util_now_usec();
	if (sd_event_add_time(p->ev, &p->timer, CLOCK_MONOTONIC,
			      p->result.started_us + p->timeout_us, 1000, health_pg_on_timeout, p) < 0)
		util_die("%s: cannot add a timer", p->obj);
	p->reused = p->conn_up;
	if (p->conn_up)
		health_pg_send(p);
	else
		health_pg_connect(p);
	return 0;
}

bool health_pg_busy(const struct health_pg *p)
{
	return p->phase != HEALTH_PG_IDLE;
}

void health_pg_free(struct health_pg *p)
{
	if (!p)
		return;
	health_pg_drop(p);
	sd_event_source_disable_unref(p->timer);
	sd_event_source_disable_unref(p->defer);
	sd_event_unref(p->ev);
	free(p->obj);
	free(p->conninfo);
	free(p);
}

/* --- load-time advice ------------------------------------------------------------------------ */

static bool health_pg_entry_may_block(const char *host, size_t hlen, const char *addr, size_t alen)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST}, *ai = NULL;
	char *h;
	bool named;

	if (alen > 0 || hlen == 0 || host[0] == '/' || host[0] == '@')
		return false;   /* hostaddr, the default socket directory, a path, an abstract socket */
	h = xstrndup(host, hlen);
	named = getaddrinfo(h, NULL, &hints, &ai) != 0;   /* never resolves with AI_NUMERICHOST */
	if (ai)
		freeaddrinfo(ai);
	free(h);
	return named;
}

bool health_pg_conninfo_may_block(const char *conninfo)
{
	const char *host = NULL, *addr = NULL, *service = NULL;
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &err), *o;
	bool may = false;

	if (!opts) {
		PQfreemem(err);
		return false;   /* not a conninfo at all: validation says so, not this */
	}
	for (o = opts; o->keyword; o++) {
		if (!o->val || !*o->val)
			continue;
		if (!strcmp(o->keyword, "host"))
			host = o->val;
		else if (!strcmp(o->keyword, "hostaddr"))
			addr = o->val;
		else if (!strcmp(o->keyword, "service"))
			service = o->val;
	}
	/* What conninfo leaves out, libpq takes from the service file, then the environment. A
	 * service file may name any host: without a host of our own we cannot tell. */
	if (!host && (service || getenv("PGSERVICE")))
		may = true;
	host = host ? host : getenv("PGHOST");
	addr = addr ? addr : getenv("PGHOSTADDR");
	/* host and hostaddr are comma-separated lists, matched by position */
	while (!may && host) {
		size_t hl = strcspn(host, ","), al = addr ? strcspn(addr, ",") : 0;

		may = health_pg_entry_may_block(host, hl, addr, al);
		host = host[hl] ? host + hl + 1 : NULL;
		addr = addr && addr[al] ? addr + al + 1 : NULL;
	}
	PQconninfoFree(opts);
	return may;
}
