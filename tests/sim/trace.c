/* The trace: one line per step (the event, the role after it, the actions) and per fault. The
 * last lines stay in a ring that a failure prints; -v prints every line as it happens. Real
 * time leads each line, in seconds; "t" is a term, "v" a vote. */
#include "tests/sim/sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/util.h"

static const char *const trace_msg_names[QUORUM_MSG_TYPE_END] = {
	[QUORUM_MSG_PREVOTE_REQ] = "PV?", [QUORUM_MSG_PREVOTE_RESP] = "PV!",
	[QUORUM_MSG_VOTE_REQ] = "V?", [QUORUM_MSG_VOTE_RESP] = "V!",
	[QUORUM_MSG_HEARTBEAT] = "HB", [QUORUM_MSG_HEARTBEAT_ACK] = "ACK",
	[QUORUM_MSG_TIMEOUT_NOW] = "TIMEOUT_NOW", [QUORUM_MSG_TRANSFER_REQ] = "XFER_REQ",
};

/* quorum/message.c has the long names; the simulation links only the core */
static const char *const trace_refusal_names[QUORUM_REFUSE_END] = {
	[QUORUM_REFUSE_NONE] = "none", [QUORUM_REFUSE_STALE_TERM] = "stale_term",
	[QUORUM_REFUSE_VOTED] = "voted", [QUORUM_REFUSE_LEADER_ALIVE] = "leader_alive",
	[QUORUM_REFUSE_INELIGIBLE] = "ineligible", [QUORUM_REFUSE_BEHIND] = "behind",
	[QUORUM_REFUSE_PRIORITY] = "priority", [QUORUM_REFUSE_FITTER] = "fitter",
};

const char *trace_msg_name(enum quorum_msg_type t)
{
	return t < QUORUM_MSG_TYPE_END && trace_msg_names[t] ? trace_msg_names[t] : "?";
}

static const char *trace_refusal_name(enum quorum_refusal r)
{
	return r < QUORUM_REFUSE_END ? trace_refusal_names[r] : "?";
}

__attribute__((format(printf, 3, 4))) static void trace_add(char *buf, size_t *n,
							    const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= SIM_LINE - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *n, SIM_LINE - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n += (size_t)k < SIM_LINE - *n ? (size_t)k : SIM_LINE - 1 - *n;
}

void sim_trace(struct sim *s, const char *fmt, ...)
{
	char *line = s->trace[s->trace_n++ % SIM_TRACE_LINES];
	int n = snprintf(line, SIM_LINE, "%5llu.%06llu ", (unsigned long long)(s->now / SIM_S),
			 (unsigned long long)(s->now % SIM_S));
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line + n, SIM_LINE - (size_t)n, fmt, ap);
	va_end(ap);
	if (s->verbose)
		puts(line);
}

static void trace_fit(char *buf, size_t *n, const struct quorum_fitness *f)
{
	trace_add(buf, n, "%s%s p%u", f->healthy ? "ok" : "sick", f->witness ? " witness" : "",
		  f->priority);
	if (f->lsn_known)
		trace_add(buf, n, " %u/%llu", f->timeline, (unsigned long long)f->lsn);
}

static void trace_event(char *buf, size_t *n, const struct quorum_event *ev)
{
	const struct quorum_msg *m = &ev->msg;

	switch (ev->kind) {
	case QUORUM_EV_START: trace_add(buf, n, "start"); break;
	case QUORUM_EV_TIMER: trace_add(buf, n, "timer"); break;
	case QUORUM_EV_MESSAGE:
		trace_add(buf, n, "%s<n%u t%llu r%llu%s%s%s", trace_msg_name(m->b.type), m->from,
			  (unsigned long long)m->b.term, (unsigned long long)m->b.ref,
			  m->b.granted ? " yes" : "", m->b.transfer ? " xfer" : "",
			  m->b.paused ? " paused" : "");
		trace_add(buf, n, " [");
		trace_fit(buf, n, &m->b.fit);
		trace_add(buf, n, "]");
		break;
	case QUORUM_EV_FITNESS:
		trace_add(buf, n, "fitness ");
		trace_fit(buf, n, &ev->fit);
		break;
	case QUORUM_EV_PAUSE: trace_add(buf, n, "pause %d", ev->paused); break;
	case QUORUM_EV_TRANSFER: trace_add(buf, n, "switchover to %d", ev->target); break;
	case QUORUM_EV_STOP: trace_add(buf, n, "stop"); break;
	case QUORUM_EV_RELEASED: trace_add(buf, n, "released"); break;
	default: trace_add(buf, n, "event %d", ev->kind); break;
	}
}

static void trace_action(char *buf, size_t *n, const struct quorum_action *a)
{
	switch (a->kind) {
	case QUORUM_ACT_PERSIST:
		trace_add(buf, n, " | persist t%llu v%d", (unsigned long long)a->persist.term,
			  a->persist.voted_for);
		break;
	case QUORUM_ACT_SEND:
		trace_add(buf, n, " | %s>n%u", trace_msg_name(a->msg.b.type), a->msg.to);
		if (a->msg.b.reason)
			trace_add(buf, n, " no:%s", trace_refusal_name(a->msg.b.reason));
		break;
	case QUORUM_ACT_ROLE:
		trace_add(buf, n, " | %s->%s (%s)", quorum_role_name(a->from),
			  quorum_role_name(a->to), a->reason ? a->reason : "");
		break;
	case QUORUM_ACT_LEADER: trace_add(buf, n, " | leader %d", a->leader); break;
	case QUORUM_ACT_RELEASE: trace_add(buf, n, " | RELEASE for n%d", a->leader); break;
	case QUORUM_ACT_TRANSFER:
		trace_add(buf, n, " | transfer %s %d %s", a->ok ? "ok" : "failed", a->leader,
			  a->reason ? a->reason : "");
		break;
	case QUORUM_ACT_PAUSE: trace_add(buf, n, " | paused %d", a->paused); break;
	}
}

void trace_step(struct sim *s, unsigned i, const struct quorum_event *ev,
		const struct quorum_actions *a)
{
	const struct quorum *q = &s->node[i].q;
	char buf[SIM_LINE];
	size_t n = 0;

	trace_add(buf, &n, "n%u ", i);
	trace_event(buf, &n, ev);
	trace_add(buf, &n, " => t%llu %s", (unsigned long long)q->term, quorum_role_name(q->role));
	if (q->role == QUORUM_LEADER)
		trace_add(buf, &n, " lease %llu", (unsigned long long)q->lease_until);
	for (size_t k = 0; k < a->n; k++)
		trace_action(buf, &n, &a->v[k]);
	sim_trace(s, "%s", buf);
}

void sim_fail(struct sim *s, const char *inv, const char *fmt, ...)
{
	unsigned long first = s->trace_n > SIM_TRACE_SHOW ? s->trace_n - SIM_TRACE_SHOW : 0;
	va_list ap;

	printf("FAIL seed %llu: %s, at %llu.%06llu s: ", (unsigned long long)s->seed, inv,
	       (unsigned long long)(s->now / SIM_S), (unsigned long long)(s->now % SIM_S));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!s->verbose) {
		printf("the last %lu trace lines:\n", s->trace_n - first);
		for (unsigned long k = first; k < s->trace_n; k++)
			printf("  %s\n", s->trace[k % SIM_TRACE_LINES]);
	}
	printf("replay: tests/sim/run --seed %llu --nodes %c --seconds %llu -v\n",
	       (unsigned long long)s->seed, s->shape, (unsigned long long)(s->end / SIM_S));
	fflush(stdout);
	exit(1);
}
