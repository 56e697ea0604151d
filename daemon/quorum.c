/* The daemon's side of the quorum: quorum/node.h wired to the VRRP engine. The engine tells the
 * node this host's fitness; the node tells the engine its gate and lease; a hand-over waits
 * until the gated instances are down and their demote has run. */
#include "daemon/quorum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/log.h"
#include "quorum/message.h"
#include "quorum/node.h"
#include "vrrp/engine.h"

/* how often a hand-over looks whether the gated instances are down and demoted */
#define DQ_RELEASE_POLL_USEC (10ULL * 1000ULL)
/* the pg_checks answer within their own timeout; this only bounds a runner that would not */
#define DQ_REFRESH_MAX_USEC (30ULL * 1000000ULL)

struct dquorum {
	sd_event *ev;
	struct vrrp_engine *e;
	struct quorum_node *node;
	sd_event_source *poll;
	bool releasing;
	uint64_t refresh_until;     /* releasing, demoted: waiting for the pg_checks until then */
	void (*changed)(void *ud);
	void *ud;
};

static bool dq_may_hold(void *ud)
{
	struct dquorum *q = ud;

	return q->node && quorum_node_may_hold(q->node);
}

static uint32_t dq_lifetime(void *ud)
{
	struct dquorum *q = ud;

	return q->node ? quorum_node_vip_lifetime(q->node) : 0;
}

static const char *dq_why_shut(void *ud)
{
	struct dquorum *q = ud;

	if (!q->node)
		return "no-quorum";
	if (q->releasing)
		return "handover";
	if (quorum_node_paused(q->node) && quorum_node_role(q->node) != QUORUM_LEADER)
		return "paused";
	return "no-quorum";
}

static void dq_on_gate(void *ud)
{
	struct dquorum *q = ud;

	if (q->node)
		vrrp_engine_quorum_changed(q->e);
}

static void dq_on_changed(void *ud)
{
	struct dquorum *q = ud;

	if (!q->node)
		return;
	vrrp_engine_quorum_info(q->e, (unsigned long long)quorum_node_term(q->node),
				quorum_node_leader(q->node));
	log_set_term((unsigned long long)quorum_node_term(q->node));
	if (q->changed)
		q->changed(q->ud);
}

static void dq_poll_again(sd_event_source *s, uint64_t usec)
{
	sd_event_source_set_time(s, usec + DQ_RELEASE_POLL_USEC);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

/* A hand-over, step by step: the gated instances down and their demote run; then the pg_checks
 * run once more, so that the position passed to the successor (which campaigns only once its
 * database has caught up with it) is the one after the demote, not one interval old; then
 * RELEASED. */
static int dq_on_poll(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct dquorum *q = userdata;

	if (!q->releasing)
		return 0;
	if (!q->refresh_until) {
		if (!vrrp_engine_quorum_idle(q->e)) {
			dq_poll_again(s, usec);
			return 0;
		}
		q->refresh_until = usec + DQ_REFRESH_MAX_USEC;
		vrrp_engine_quorum_refresh(q->e);
	}
	if (!vrrp_engine_quorum_refreshed(q->e)) {
		if (usec < q->refresh_until) {
			dq_poll_again(s, usec);
			return 0;
		}
		log_obj(LOG_WARNING, "quorum", "the pg_checks did not answer after the demote: the "
			"successor is given the last position they reported");
	}
	q->releasing = false;
	q->refresh_until = 0;
	dquorum_fitness(q);
	log_obj(LOG_INFO, "quorum", "gated VIPs down and demoted: the successor may campaign");
	quorum_node_released(q->node);
	return 0;
}

/* RELEASE: the gate is shut already, so the gated instances are leaving MASTER and queueing
 * their demote; wait for them. */
static void dq_on_release(void *ud)
{
	struct dquorum *q = ud;
	uint64_t now = util_now_usec();

	q->releasing = true;
	q->refresh_until = 0;
	vrrp_engine_quorum_changed(q->e);
	sd_event_source_set_time(q->poll, now);
	sd_event_source_set_enabled(q->poll, SD_EVENT_ONESHOT);
}

int dquorum_start(sd_event *ev, const struct conf *c, const char *state_dir, struct vrrp_engine *e,
		  void (*changed)(void *ud), void *ud, struct dquorum **out, char *err,
		  size_t err_len)
{
	struct dquorum *q = xcalloc(1, sizeof(*q));
	struct quorum_node_ops ops = {.gate = dq_on_gate, .release = dq_on_release,
				      .changed = dq_on_changed, .ud = q};
	struct vrrp_quorum_gate gate = {.may_hold = dq_may_hold, .lifetime = dq_lifetime,
					.why_shut = dq_why_shut, .ud = q};
	struct quorum_fitness fit;
	int r;

	q->ev = ev;
	q->e = e;
	q->changed = changed;
	q->ud = ud;
	r = sd_event_add_time(ev, &q->poll, CLOCK_MONOTONIC, 0, 1000, dq_on_poll, q);
	if (r < 0) {
		snprintf(err, err_len, "quorum: cannot add a timer: %s", strerror(-r));
		free(q);
		return r;
	}
	sd_event_source_set_enabled(q->poll, SD_EVENT_OFF);
	vrrp_engine_quorum_fitness(e, &fit);
	r = quorum_node_start(ev, c, state_dir, &fit, &ops, &q->node, err, err_len);
	if (r < 0) {
		dquorum_free(q);
		return r;
	}
	gate.lifetime_fencing = quorum_node_lifetime_fencing(q->node);
	vrrp_engine_set_quorum(e, &gate);
	dq_on_changed(q);
	*out = q;
	return 0;
}

void dquorum_fitness(struct dquorum *q)
{
	struct quorum_fitness fit;

	if (!q || !q->node)
		return;
	vrrp_engine_quorum_fitness(q->e, &fit);
	quorum_node_set_fitness(q->node, &fit);
}

void dquorum_stop(struct dquorum *q)
{
	if (q && q->node)
		quorum_node_stop(q->node);
}

bool dquorum_handing_over(const struct dquorum *q)
{
	return q && q->releasing;
}

struct quorum_node *dquorum_node(const struct dquorum *q)
{
	return q ? q->node : NULL;
}

void dquorum_free(struct dquorum *q)
{
	if (!q)
		return;
	if (q->e)
		vrrp_engine_set_quorum(q->e, NULL);
	sd_event_source_disable_unref(q->poll);
	quorum_node_free(q->node);
	free(q);
}
