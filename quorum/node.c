/* This node's quorum member at run time (node.h): executes what the pure core decides -- state
 * made durable before anything that follows, datagrams sent, the gate and the leader told to
 * the daemon -- and arms the core's one timer. */
#include "quorum/node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/util.h"
#include "daemon/log.h"
#include "quorum/store.h"
#include "quorum/transport.h"

/* as large as keepquorumd -t accepts (conf/files.c) */
#define NODE_SECRET_MAX (64 * 1024)

struct quorum_node {
	sd_event *ev;
	char *node_id;               /* copied: a reload frees the config it came from */
	char *state_dir;
	struct quorum q;
	struct quorum_store st;
	struct quorum_transport *t;
	sd_event_source *timer, *sw_timer;
	struct quorum_node_ops ops;
	uint64_t gate_end;           /* the lease end last told through ops.gate (0: shut) */
	bool lifetime_ok;
	struct util_ratelimit persist_logged;
	unsigned long persist_errors;
	/* a switchover waiting for its new leader */
	quorum_node_switchover_fn sw_done;
	void *sw_ud;
	int sw_from, sw_to;
	uint64_t sw_started;
};

static uint64_t node_now(const struct quorum_node *n)
{
	return util_now_usec();
}

static int node_member_of(const struct quorum_node *n, const char *name)
{
	return name[0] ? quorum_transport_find(n->t, name) : QUORUM_NONE;
}

/* The core's numbering is the transport's: 0 is this node, the peers follow in config order. A
 * vote for a member no longer configured keeps its name on disk and a number the core sees as
 * "someone else". */
static const char *node_name(const struct quorum_node *n, int member)
{
	if (member == QUORUM_NONE)
		return NULL;
	if ((unsigned)member >= n->q.p.n_members)
		return n->st.voted_for;
	return quorum_transport_name(n->t, member);
}

static int node_persist(struct quorum_node *n, const struct quorum_persist *ps)
{
	char err[256];
	const char *who = node_name(n, ps->voted_for);
	int r;

	n->st.term = ps->term;
	snprintf(n->st.voted_for, sizeof(n->st.voted_for), "%s", who ? who : "");
	r = quorum_store_save(n->state_dir, n->node_id, &n->st, err, sizeof(err));
	if (r >= 0)
		return 0;
	n->persist_errors++;
	if (util_ratelimit(&n->persist_logged, node_now(n), UTIL_LOG_EVERY_USEC)) {
		log_obj(LOG_ERR, "quorum", "%s: this node neither votes nor campaigns until its state "
			"can be saved", err);
	}
	return r;
}

static void node_switchover_end(struct quorum_node *n, const char *why, int leader)
{
	quorum_node_switchover_fn done = n->sw_done;

	if (!done)
		return;
	n->sw_done = NULL;
	sd_event_source_set_enabled(n->sw_timer, SD_EVENT_OFF);
	if (!why && n->sw_to != QUORUM_NONE && leader != n->sw_to)
		why = "another member took over instead of the one asked for";
	done(n->sw_ud, why, why ? NULL : node_name(n, leader));
}

static void node_on_role(struct quorum_node *n, const struct quorum_action *a)
{
	log_event(a->to == QUORUM_LEADER || a->from == QUORUM_LEADER ? LOG_NOTICE : LOG_INFO,
		  "quorum", &(struct log_fields){
			.msgid = LOG_MSGID_QUORUM_ROLE, .state = quorum_role_name(a->to),
			.prev_state = quorum_role_name(a->from), .term = n->q.term},
		  "%s -> %s (%s), term %llu", quorum_role_name(a->from), quorum_role_name(a->to),
		  a->reason, (unsigned long long)n->q.term);
}

static void node_on_leader(struct quorum_node *n, const struct quorum_action *a)
{
	const char *who = node_name(n, a->leader);

	const struct log_fields f = {.msgid = LOG_MSGID_QUORUM_LEADER,
				     .state = quorum_role_name(n->q.role), .leader = who, .term = n->q.term};

	if (who)
		log_event(LOG_NOTICE, "quorum", &f, "leader is %s%s, term %llu", who,
			  a->leader == 0 ? " (this node)" : "", (unsigned long long)n->q.term);
	else
		log_event(LOG_INFO, "quorum", &f, "no leader known in term %llu",
			  (unsigned long long)n->q.term);
	if (n->sw_done && a->leader != QUORUM_NONE && a->leader != n->sw_from)
		node_switchover_end(n, NULL, a->leader);
}

static void node_on_transfer(struct quorum_node *n, const struct quorum_action *a)
{
	const struct log_fields f = {.msgid = LOG_MSGID_HANDOVER, .result = a->ok ? "ok" : "failed",
				     .leader = a->ok ? node_name(n, a->leader) : NULL, .term = n->q.term};

	if (a->ok)
		log_event(LOG_NOTICE, "quorum", &f, "leadership handed over to %s",
			  node_name(n, a->leader));
	else
		log_event(LOG_WARNING, "quorum", &f, "hand-over failed: %s", a->reason);
	node_switchover_end(n, a->ok ? NULL : a->reason, a->leader);
}

/* Execute one step's actions in order. A PERSIST that fails drops everything after it: a vote
 * or candidacy that is not on disk must not leave the node (DESIGN.md). */
static void node_execute(struct quorum_node *n, const struct quorum_actions *acts)
{
	bool notify = false;

	for (size_t i = 0; i < acts->n; i++) {
		const struct quorum_action *a = &acts->v[i];

		switch (a->kind) {
		case QUORUM_ACT_PERSIST:
			if (node_persist(n, &a->persist) < 0)
				return;
			break;
		case QUORUM_ACT_SEND: quorum_transport_send(n->t, &a->msg); break;
		case QUORUM_ACT_ROLE: node_on_role(n, a); notify = true; break;
		case QUORUM_ACT_LEADER: node_on_leader(n, a); notify = true; break;
		case QUORUM_ACT_RELEASE:
			log_event(LOG_NOTICE, "quorum", &(struct log_fields){
					.msgid = LOG_MSGID_HANDOVER, .result = "begun",
					.leader = node_name(n, a->leader), .term = n->q.term},
				  "handing leadership over to %s: the gated VIPs go down and demote "
				  "runs first", node_name(n, a->leader));
			if (n->ops.release)
				n->ops.release(n->ops.ud);
			break;
		case QUORUM_ACT_TRANSFER: node_on_transfer(n, a); break;
		case QUORUM_ACT_PAUSE:
			log_obj(LOG_NOTICE, "quorum", "the cluster is %s", a->paused ?
				"paused: no election starts until it is resumed" : "resumed");
			notify = true;
			break;
		}
	}
	if (notify && n->ops.changed)
		n->ops.changed(n->ops.ud);
}

static void node_arm(struct quorum_node *n)
{
	uint64_t d = quorum_deadline(&n->q);

	if (!d) {
		sd_event_source_set_enabled(n->timer, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(n->timer, d);
	sd_event_source_set_enabled(n->timer, SD_EVENT_ONESHOT);
}

/* Every input goes through here: step, execute, tell the gate, re-arm. */
static void node_step(struct quorum_node *n, const struct quorum_event *ev)
{
	struct quorum_actions *acts = xmalloc(sizeof(*acts));
	uint64_t now = node_now(n), end;

	quorum_step(&n->q, ev, now, acts);
	node_execute(n, acts);
	free(acts);
	end = quorum_lease_end(&n->q, node_now(n));
	if (end != n->gate_end) {
		n->gate_end = end;
		if (n->ops.gate)
			n->ops.gate(n->ops.ud);
	}
	node_arm(n);
}

static int node_on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct quorum_node *n = userdata;
	struct quorum_event ev = {.kind = QUORUM_EV_TIMER};

	node_step(n, &ev);
	return 0;
}

static void node_on_message(void *ud, const struct quorum_msg *m)
{
	struct quorum_node *n = ud;
	struct quorum_event ev = {.kind = QUORUM_EV_MESSAGE, .msg = *m};

	node_step(n, &ev);
}

static int node_bump_epoch(void *ud, uint64_t *epoch)
{
	struct quorum_node *n = ud;
	char err[256];
	int r;

	n->st.epoch++;
	r = quorum_store_save(n->state_dir, n->node_id, &n->st, err, sizeof(err));
	if (r < 0) {
		n->st.epoch--;
		log_obj(LOG_ERR, "quorum", "%s", err);
		return r;
	}
	*epoch = n->st.epoch;
	return 0;
}

static int node_read_secret(const char *path, uint8_t **key, size_t *len, char *err,
			    size_t err_len)
{
	char *buf;
	size_t n;
	int r = util_read_regular_file(path, NODE_SECRET_MAX, &buf, &n);

	if (r < 0) {
		snprintf(err, err_len, "secret_file %s: %s", path, r == -EFBIG ?
			 "larger than 64 KiB" : util_read_error(r));
		return r;
	}
	/* a trailing newline is an editor's, not the key's */
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	*key = (uint8_t *)buf;
	*len = n;
	return 0;
}

/* Preemption follows the gated instances: allowed unless one of them says nopreempt, after the
 * longest preempt_delay among them. */
static void node_params(struct quorum_node *n, const struct conf *c, struct quorum_params *p)
{
	const struct conf_quorum *qc = c->quorum;
	double delay = 0;
	bool preempt = true;

	for (size_t i = 0; i < c->n_instances; i++) {
		if (!c->instances[i].quorum)
			continue;
		preempt = preempt && !c->instances[i].nopreempt;
		if (c->instances[i].preempt_delay > delay)
			delay = c->instances[i].preempt_delay;
	}
	memset(p, 0, sizeof(*p));
	p->n_members = (unsigned)qc->n_peers + 1;
	p->self = 0;
	p->witness = qc->witness;
	p->heartbeat_us = (uint64_t)(qc->heartbeat_interval * 1e6);
	p->election_us = (uint64_t)(qc->election_timeout * 1e6);
	p->margin_us = QUORUM_MARGIN_US;
	p->guard_us = QUORUM_GUARD_US;
	p->preempt = preempt;
	p->preempt_delay_us = (uint64_t)(delay * 1e6);
	/* each member's place among all the names, sorted: the same order on every node */
	for (unsigned i = 0; i < p->n_members; i++) {
		const char *a = i ? qc->peers[i - 1].id : qc->node_id;

		for (unsigned j = 0; j < p->n_members; j++)
			if (strcmp(j ? qc->peers[j - 1].id : qc->node_id, a) < 0)
				p->order[i]++;
	}
	if (getrandom(&p->seed, sizeof(p->seed), GRND_NONBLOCK) != sizeof(p->seed))
		p->seed = util_now_usec() ^ ((uint64_t)getpid() << 32);
}

static int node_load_state(struct quorum_node *n, char *err, size_t err_len)
{
	int r = quorum_store_load(n->state_dir, n->node_id, &n->st, err, err_len);

	if (r < 0)
		return r;
	/* a new epoch for this run's sequence numbers, durable before the first datagram */
	n->st.epoch++;
	return quorum_store_save(n->state_dir, n->node_id, &n->st, err, err_len);
}

static int node_on_switchover_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	node_switchover_end(userdata, "no new leader in time", QUORUM_NONE);
	return 0;
}

int quorum_node_start(sd_event *ev, const struct conf *c, const char *state_dir,
		      const struct quorum_fitness *fit, const struct quorum_node_ops *ops,
		      struct quorum_node **out, char *err, size_t err_len)
{
	struct quorum_node *n = xcalloc(1, sizeof(*n));
	struct quorum_transport_params tp = {.conf = c->quorum, .rx = node_on_message,
					     .bump_epoch = node_bump_epoch, .ud = n};
	struct quorum_params p;
	struct quorum_persist ps;
	struct quorum_event start = {.kind = QUORUM_EV_START};
	uint8_t *key = NULL;
	size_t key_len = 0;
	int r;

	n->ev = ev;
	n->node_id = xstrdup(c->quorum->node_id);
	n->ops = *ops;
	n->state_dir = xstrdup(state_dir);
	n->sw_from = n->sw_to = QUORUM_NONE;
	r = node_read_secret(c->quorum->secret_file, &key, &key_len, err, err_len);
	if (r < 0)
		goto fail;
	r = node_load_state(n, err, err_len);
	if (r < 0)
		goto fail;
	tp.key = key;
	tp.key_len = key_len;
	tp.epoch = n->st.epoch;
	r = quorum_transport_open(ev, &tp, &n->t, err, err_len);
	if (r < 0)
		goto fail;
	/* accuracy 1 us: sd-event's default (250 ms) would coalesce heartbeats and elections */
	if ((r = sd_event_add_time(ev, &n->timer, CLOCK_MONOTONIC, 0, 1, node_on_timer, n)) < 0 ||
	    (r = sd_event_add_time(ev, &n->sw_timer, CLOCK_MONOTONIC, 0, 0,
				   node_on_switchover_timeout, n)) < 0) {
		snprintf(err, err_len, "quorum timer: %s", strerror(-r));
		goto fail;
	}
	sd_event_source_set_enabled(n->timer, SD_EVENT_OFF);
	sd_event_source_set_enabled(n->sw_timer, SD_EVENT_OFF);
	node_params(n, c, &p);
	/* DESIGN.md: the VIP's kernel lifetime (whole seconds, at least one) must end before the
	 * lease, even when the lease was renewed a heartbeat late */
	n->lifetime_ok = p.election_us - p.election_us * 2 * QUORUM_RHO_PPM / 1000000 >=
			 p.margin_us + p.heartbeat_us + QUORUM_KERNEL_SLACK_US + 1000000ULL;
	if (!n->lifetime_ok)
		log_obj(LOG_WARNING, "quorum", "election_timeout %.2f s is too short for a VIP lifetime "
			"of 1 s to end before the lease (it needs election_timeout x 0.98 >= 1.51 s + "
			"heartbeat_interval): gated VIPs are permanent, and only the systemd watchdog "
			"fences a frozen daemon", c->quorum->election_timeout);
	ps.term = n->st.term;
	ps.voted_for = n->st.voted_for[0] ? node_member_of(n, n->st.voted_for) : QUORUM_NONE;
	if (n->st.voted_for[0] && ps.voted_for == QUORUM_NONE)
		ps.voted_for = (int)p.n_members;
	quorum_init(&n->q, &p, &ps, fit);
	free(key);
	key = NULL;
	log_obj(LOG_NOTICE, "quorum", "member %s of %u%s, term %llu, bound to the quorum socket",
		n->node_id, p.n_members, p.witness ? " (witness)" : "",
		(unsigned long long)n->st.term);
	*out = n;
	node_step(n, &start);
	return 0;
fail:
	if (key)
		explicit_bzero(key, key_len);
	free(key);
	quorum_node_free(n);
	return r;
}

void quorum_node_free(struct quorum_node *n)
{
	if (!n)
		return;
	sd_event_source_disable_unref(n->timer);
	sd_event_source_disable_unref(n->sw_timer);
	quorum_transport_free(n->t);
	free(n->state_dir);
	free(n->node_id);
	free(n);
}

void quorum_node_set_fitness(struct quorum_node *n, const struct quorum_fitness *fit)
{
	struct quorum_event ev = {.kind = QUORUM_EV_FITNESS, .fit = *fit};

	if (n->q.self_fit.healthy == fit->healthy &&
	    n->q.self_fit.lsn == fit->lsn && n->q.self_fit.lsn_known == fit->lsn_known &&
	    n->q.self_fit.timeline == fit->timeline && n->q.self_fit.priority == fit->priority)
		return;
	node_step(n, &ev);
}

bool quorum_node_may_hold(const struct quorum_node *n)
{
	return quorum_may_hold(&n->q, node_now(n));
}

uint32_t quorum_node_vip_lifetime(const struct quorum_node *n)
{
	uint64_t now = node_now(n), end = quorum_lease_end(&n->q, now);

	if (!end || end < now + QUORUM_KERNEL_SLACK_US + 1000000ULL)
		return 0;
	return (uint32_t)((end - now - QUORUM_KERNEL_SLACK_US) / 1000000ULL);
}

bool quorum_node_lifetime_fencing(const struct quorum_node *n)
{
	return n->lifetime_ok;
}

void quorum_node_released(struct quorum_node *n)
{
	struct quorum_event ev = {.kind = QUORUM_EV_RELEASED};

	node_step(n, &ev);
}

int quorum_node_switchover(struct quorum_node *n, const char *to, quorum_node_switchover_fn done,
			   void *ud, const char **why)
{
	struct quorum_event ev = {.kind = QUORUM_EV_TRANSFER, .target = QUORUM_NONE};
	/* demote may take its timeout, the successor an election timeout to catch up and one to
	 * be elected */
	uint64_t wait = 4 * n->q.p.election_us + 65ULL * 1000000ULL;

	if (n->sw_done) {
		*why = "a switchover is already running";
		return -EBUSY;
	}
	if (to && to[0] && (ev.target = node_member_of(n, to)) == QUORUM_NONE) {
		*why = "no member of that name";
		return -EINVAL;
	}
	n->sw_done = done;
	n->sw_ud = ud;
	n->sw_to = ev.target;
	n->sw_from = n->q.leader;
	n->sw_started = node_now(n);
	sd_event_source_set_time(n->sw_timer, n->sw_started + wait);
	sd_event_source_set_enabled(n->sw_timer, SD_EVENT_ONESHOT);
	node_step(n, &ev);
	return 0;
}

void quorum_node_pause(struct quorum_node *n, bool paused)
{
	struct quorum_event ev = {.kind = QUORUM_EV_PAUSE, .paused = paused};

	node_step(n, &ev);
}

bool quorum_node_paused(const struct quorum_node *n)
{
	return n->q.paused;
}

void quorum_node_stop(struct quorum_node *n)
{
	struct quorum_event ev = {.kind = QUORUM_EV_STOP};

	node_step(n, &ev);
}

uint64_t quorum_node_term(const struct quorum_node *n)
{
	return n->q.term;
}

const char *quorum_node_leader(const struct quorum_node *n)
{
	if (n->q.role == QUORUM_LEADER)
		return node_name(n, 0);
	/* a follower names the leader it heard within election_timeout, no older one */
	return quorum_has_quorum(&n->q, node_now(n)) ? node_name(n, n->q.leader) : NULL;
}

enum quorum_role quorum_node_role(const struct quorum_node *n)
{
	return n->q.role;
}

static json_object *node_lsn(const struct quorum_fitness *f)
{
	char buf[32];

	if (!f->lsn_known)
		return NULL;
	snprintf(buf, sizeof(buf), "%X/%X", (unsigned)(f->lsn >> 32), (unsigned)f->lsn);
	return json_object_new_string(buf);
}

static json_object *node_members(const struct quorum_node *n, uint64_t now)
{
	json_object *a = json_object_new_array();

	for (unsigned i = 1; i < n->q.p.n_members; i++) {
		const struct quorum_member *m = &n->q.m[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_string(node_name(n, (int)i)));
		json_object_object_add(o, "reachable", json_object_new_boolean(
			m->last_seen && now - m->last_seen < n->q.p.election_us));
		json_object_object_add(o, "last_seen_ms", m->last_seen ?
			json_object_new_int64((int64_t)((now - m->last_seen) / 1000)) : NULL);
		json_object_object_add(o, "healthy", json_object_new_boolean(m->fit_known &&
									     m->fit.healthy));
		json_object_object_add(o, "lsn", m->fit_known ? node_lsn(&m->fit) : NULL);
		json_object_object_add(o, "witness", json_object_new_boolean(m->fit.witness));
		json_object_object_add(o, "priority", json_object_new_int(m->fit.priority));
		json_object_array_add(a, o);
	}
	return a;
}

json_object *quorum_node_status(const struct quorum_node *n)
{
	uint64_t now = node_now(n);
	const char *leader = quorum_node_leader(n);
	json_object *o = json_object_new_object();

	json_object_object_add(o, "role", json_object_new_string(quorum_role_name(n->q.role)));
	json_object_object_add(o, "term", json_object_new_int64((int64_t)n->q.term));
	json_object_object_add(o, "leader", leader ? json_object_new_string(leader) : NULL);
	json_object_object_add(o, "has_quorum", json_object_new_boolean(quorum_has_quorum(&n->q, now)));
	json_object_object_add(o, "lease_remaining_ms", json_object_new_int64(
		n->q.role == QUORUM_LEADER && n->q.lease_until > now ?
		(int64_t)((n->q.lease_until - now) / 1000) : 0));
	json_object_object_add(o, "members", node_members(n, now));
	json_object_object_add(o, "healthy", json_object_new_boolean(n->q.self_fit.healthy));
	json_object_object_add(o, "lsn", node_lsn(&n->q.self_fit));
	json_object_object_add(o, "priority", json_object_new_int(n->q.self_fit.priority));
	json_object_object_add(o, "fencing", json_object_new_string(n->lifetime_ok ?
		"kernel-lifetime" : "watchdog"));
	json_object_object_add(o, "vip_lifetime_s", json_object_new_int64(
		(int64_t)quorum_node_vip_lifetime(n)));
	json_object_object_add(o, "elections", json_object_new_int64((int64_t)n->q.elections));
	json_object_object_add(o, "dropped", quorum_transport_drops(n->t));
	json_object_object_add(o, "send_errors", json_object_new_int64(
		(int64_t)quorum_transport_send_errors(n->t)));
	json_object_object_add(o, "persist_errors", json_object_new_int64((int64_t)n->persist_errors));
	return o;
}
