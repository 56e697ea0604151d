/* One VRRP instance at run time: feeds its state machine and executes what it returns (adverts,
 * VIPs, gratuitous ARP / NA, the transition's log line, counters and hooks). */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netlink/errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/log.h"
#include "vrrp/engine-int.h"


uint64_t inst_now(const struct vrrp_inst *in)
{
	uint64_t now = 0;

	sd_event_now(in->e->ev, CLOCK_MONOTONIC, &now);
	return now;
}

static const struct vrrp_link_if *inst_if(const struct vrrp_inst *in)
{
	return vrrp_link_find(in->e->link, in->c->interface);
}

/* Where adverts come from: unicast_src_ip, else the interface's primary IPv4 address or its
 * IPv6 link-local address (RFC 5798 5.1.1.1, 5.1.2.1). */
static bool inst_src(const struct vrrp_inst *in, struct conf_addr *out)
{
	const struct vrrp_link_if *li = inst_if(in);

	if (in->c->unicast_src_set) {
		*out = in->c->unicast_src;
		return true;
	}
	if (!li)
		return false;
	if (in->c->family == AF_INET && li->has_primary4) {
		*out = li->primary4;
		return true;
	}
	if (in->c->family == AF_INET6 && li->has_linklocal6) {
		*out = li->linklocal6;
		return true;
	}
	return false;
}

/* Why the instance must be in FAULT now (NULL if it need not: *block is then NULL too), what
 * status names as blocking it, and its effective priority; *waiting while a tracked object has
 * no result yet. */
static const char *inst_fault(struct vrrp_inst *in, unsigned *prio, char *buf, size_t len,
			      const char **block, struct inst_verdict *v)
{
	const struct vrrp_link_if *li = inst_if(in);
	struct conf_addr src;

	inst_tracking(in, v);
	*prio = vrrp_fsm_effective_priority(in->c->priority, v->weights);
	*block = "interface";
	if (!li)
		snprintf(buf, len, "interface %s missing", in->c->interface);
	else if (!li->up)
		snprintf(buf, len, "interface %s down", in->c->interface);
	else if (!inst_src(in, &src))
		snprintf(buf, len, "no %s address on %s", in->c->family == AF_INET ? "IPv4" : "IPv6 link-local",
			 in->c->interface);
	else if (!in->sock)
		/* without a socket it could hold VIPs without advertising them */
		snprintf(buf, len, "no VRRP socket on %s", in->c->interface);
	else if (hooks_fault(in)) {
		snprintf(buf, len, "%s", hooks_fault(in));
		*block = "promote";
	} else if (v->fault) {
		snprintf(buf, len, "%s", v->why);
		*block = v->block;
	} else {
		*block = NULL;
		return NULL;
	}
	return buf;
}

char *inst_vip_list(const struct vrrp_inst *in, const char *sep)
{
	char *s = xstrdup(""), *t, a[64];

	for (size_t i = 0; i < in->c->n_vips; i++) {
		t = xasprintf("%s%s%s/%u", s, i ? sep : "", conf_addr_str(&in->c->vips[i].addr, a, sizeof(a)),
			      in->c->vips[i].prefix);
		free(s);
		s = t;
	}
	return s;
}

static unsigned inst_vip_ifindex(const struct vrrp_inst *in, const struct conf_vip *vip)
{
	const struct vrrp_link_if *li;

	if (!vip->dev)
		return in->ifindex;
	li = vrrp_link_find(in->e->link, vip->dev);
	return li ? li->ifindex : 0;
}

static void inst_send(struct vrrp_inst *in, unsigned priority)
{
	static struct vrrp_advert a; /* 4 KiB of addresses: not on the stack */
	uint8_t buf[VRRP_PKT_MAX];
	struct conf_addr src, group;
	size_t len;
	int r;

	const struct vrrp_link_if *li = inst_if(in);

	/* a link that is down cannot carry the priority-0 advert of a MASTER going FAULT */
	if (!in->sock || !li || !li->up || !inst_src(in, &src))
		return;
	/* a gated MASTER whose lease ran out (a daemon thawed after SIGSTOP, its timers late)
	 * claims nothing: the quorum's own timer shuts the gate in this same turn of the loop */
	if (priority && !gate_may_advertise(in))
		return;
	/* the header's fields; of addrs[] only the n_addrs set below (not 5 KiB for every advert) */
	memset(&a, 0, offsetof(struct vrrp_advert, addrs));
	a.version = in->c->version;
	a.vrid = in->c->vrid;
	a.priority = priority;
	a.interval_cs = in->fsm.p.advert_cs;
	a.family = in->c->family;
	if (in->c->auth_pass_set) {
		a.auth_type = 1;
		memcpy(a.auth, in->c->auth_pass, sizeof(a.auth));
	}
	for (size_t i = 0; i < in->c->n_vips && i < VRRP_MAX_ADDRS; i++)
		a.addrs[a.n_addrs++] = in->c->vips[i].addr;
	vrrp_sock_group(a.family, &group);
	for (size_t i = 0; i < (in->c->n_unicast_peers ? in->c->n_unicast_peers : 1); i++) {
		const struct conf_addr *dst = in->c->n_unicast_peers ? &in->c->unicast_peers[i] : &group;

		len = vrrp_pkt_build(&a, &src, dst, buf, sizeof(buf));
		if (!len)
			util_die("(%s) cannot build an advert the config validated", in->c->name);
		r = vrrp_sock_send(in->sock, &src, dst, buf, len);
		if (r < 0)
			log_obj(LOG_WARNING, in->c->name, "advert not sent: %s", strerror(-r));
	}
}

void inst_vips(struct vrrp_inst *in, bool add)
{
	char a[64];
	uint32_t lft = VRRP_VIP_FOREVER;

	in->vips_deferred = false;
	if (add && !gate_vip_lifetime(in, &lft)) {
		/* gated, and the lease is too short for a lifetime of a second: at its renewal */
		in->vips_deferred = true;
		in->vips_up = false;
		return;
	}

	for (size_t i = 0; i < in->c->n_vips; i++) {
		const struct conf_vip *vip = &in->c->vips[i];
		unsigned idx = inst_vip_ifindex(in, vip);
		int r;

		if (!idx)
			continue;
		if (add) {
			vrrp_link_ignore_addr(in->e->link, &vip->addr);
			r = vrrp_vip_add(in->e->vips, vip, idx, lft, lft);
		} else {
			r = vrrp_vip_del(in->e->vips, vip, idx);
		}
		if (r < 0)
			log_obj(LOG_ERR, in->c->name, "cannot %s %s/%u: %s", add ? "add" : "remove",
				conf_addr_str(&vip->addr, a, sizeof(a)), vip->prefix, nl_geterror(r));
	}
	in->vips_up = add;
}

static void inst_garp_burst(struct vrrp_inst *in)
{
	unsigned sent = 0, failed = 0;
	int err = 0;

	for (unsigned n = 0; n < in->c->garp_master_repeat; n++) {
		for (size_t i = 0; i < in->c->n_vips; i++) {
			const struct conf_vip *vip = &in->c->vips[i];
			unsigned idx = inst_vip_ifindex(in, vip);
			int r = -ENODEV;

			if (!idx)
				continue;
			if (vip->addr.family == AF_INET && in->e->arp)
				r = vrrp_arp_send(in->e->arp, idx, &vip->addr);
			else if (vip->addr.family == AF_INET6 && in->e->ndisc)
				r = vrrp_ndisc_send(in->e->ndisc, idx, &vip->addr);
			if (r < 0) {
				failed++;
				err = r;
			} else {
				sent++;
			}
		}
	}
	in->garps_sent += sent;
	in->garps_failed += failed;
	if (failed)
		log_obj(LOG_WARNING, in->c->name, "%u gratuitous ARP/NA not sent: %s", failed, strerror(-err));
}

static void inst_garp_arm(struct vrrp_inst *in, double seconds, unsigned phase)
{
	in->garp_phase = phase;
	sd_event_source_set_time(in->garp_timer, inst_now(in) + (uint64_t)(seconds * 1e6));
	sd_event_source_set_enabled(in->garp_timer, SD_EVENT_ONESHOT);
}

/* keepalived: a burst of garp_master_repeat on becoming MASTER, another garp_master_delay
 * later, then one every garp_master_refresh (0: never). */
static int inst_on_garp(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct vrrp_inst *in = userdata;

	if (in->fsm.state != VRRP_MASTER)
		return 0;
	inst_garp_burst(in);
	if (in->c->garp_master_refresh > 0)
		inst_garp_arm(in, in->c->garp_master_refresh, 2);
	else
		in->garp_phase = 0;
	return 0;
}

static void inst_garp_start(struct vrrp_inst *in)
{
	inst_garp_burst(in);
	if (in->c->garp_master_delay > 0)
		inst_garp_arm(in, in->c->garp_master_delay, 1);
	else if (in->c->garp_master_refresh > 0)
		inst_garp_arm(in, in->c->garp_master_refresh, 2);
}

void inst_vips_up(struct vrrp_inst *in)
{
	inst_vips(in, true);
	inst_garp_start(in);
}

/* The one place a transition becomes visible: log line, counter, STATUS=; its hooks follow
 * once the step's other actions are done (hooks.c). */
static void inst_transition(struct vrrp_inst *in, const struct vrrp_action *act)
{
	log_event(LOG_NOTICE, in->c->name, &(struct log_fields){
			.msgid = LOG_MSGID_VRRP_STATE, .instance = in->c->name,
			.state = vrrp_state_name(act->to), .prev_state = vrrp_state_name(act->from)},
		  "%s -> %s (%s)", vrrp_state_name(act->from), vrrp_state_name(act->to), act->reason);
	in->transitions[act->to]++;
	if (act->from == VRRP_MASTER) {
		sd_event_source_set_enabled(in->garp_timer, SD_EVENT_OFF);
		in->garp_phase = 0;
	}
	if (in->e->changed && !in->e->quiet)
		in->e->changed(in->e->changed_ud);
}

/* How far a master's next advert may move from its time: 1/32 of its interval, at most 10 ms
 * (3 ms at 0.1 s). Its timer is armed that much early with that much accuracy, so sd-event
 * wakes within [time - slack, time] and may wake once for the adverts of many instances; and
 * when one master's timer fires, the others due within their slack send too (inst_on_timer).
 * Each advert is stepped as of its own time, so no schedule moves (sd-event wakes at the end
 * of a window unless it can share a wake-up: a window after the time would have made every
 * advert a little late, and each late one would have started its schedule again from then).
 * A wake-up, with its timer re-arm and the loop's own calls, costs more than the send: at 250
 * instances x 0.1 s it was most of the daemon's CPU. A backup waits 3 intervals and more
 * before it takes over; the master-down and skew timers stay exact (1 us), so failover times
 * do not move. */
#define INST_ADVERT_SLACK_DIV 32
#define INST_ADVERT_SLACK_MAX_US 10000ULL

static uint64_t inst_advert_slack(const struct vrrp_inst *in)
{
	uint64_t slack = in->fsm.p.advert_cs * 10000ULL / INST_ADVERT_SLACK_DIV;

	if (slack > INST_ADVERT_SLACK_MAX_US)
		slack = INST_ADVERT_SLACK_MAX_US;
	return slack ? slack : 1;
}

static void inst_arm(struct vrrp_inst *in)
{
	uint64_t d = vrrp_fsm_deadline(&in->fsm), slack;

	if (!d) {
		sd_event_source_set_enabled(in->timer, SD_EVENT_OFF);
		in->timer_on = false;
		return;
	}
	slack = in->fsm.state == VRRP_MASTER ? inst_advert_slack(in) : 1;
	if (slack != in->timer_slack) {    /* sd-event reorders its queue even for the same value */
		sd_event_source_set_time_accuracy(in->timer, slack);
		in->timer_slack = slack;
	}
	/* a master's window ends at its time (see INST_ADVERT_SLACK_DIV) */
	sd_event_source_set_time(in->timer, slack > 1 && d > slack ? d - slack : d);
	/* on, not oneshot: every event, the timer's own included, ends here with the next
	 * deadline or none, and enabling it again each time would reorder sd-event's queues */
	if (!in->timer_on) {
		sd_event_source_set_enabled(in->timer, SD_EVENT_ON);
		in->timer_on = true;
	}
}

/* A master whose schedule starts (again) at `now` -- it became MASTER, or an advert went off its
 * schedule -- brings its next advert forward to the latest next advert of another master with
 * the same interval before its own. From then on the two go in one wake-up of the daemon, and
 * of every backup, which reads a burst of adverts at once (vrrp/socket.c). Without it, masters
 * that took over one after the other lie all over the interval, and the daemon wakes once for
 * each few (INST_ADVERT_SLACK_DIV). Only the first interval is shortened, never below the
 * slack, and never lengthened: backups time out on the longest gap, and the RFC lets a master
 * send early. A master due within its slack is swept in this very wake-up, as of its time, so
 * its next advert is an interval later. */
static void inst_align(struct vrrp_inst *in, uint64_t now)
{
	uint64_t ai = in->fsm.p.advert_cs * 10000ULL, slack = inst_advert_slack(in), best = 0;

	for (size_t i = 0; i < in->e->n_insts; i++) {
		const struct vrrp_inst *o = in->e->insts[i];
		uint64_t next = o->fsm.deadline;

		if (o == in || o->fsm.state != VRRP_MASTER || !next ||
		    o->fsm.p.advert_cs != in->fsm.p.advert_cs)
			continue;
		if (next <= now + slack)
			next += ai;
		if (next > best && next < in->fsm.deadline)
			best = next;
	}
	if (best > now + slack)
		vrrp_fsm_advance_advert(&in->fsm, now, best);
}

/* inst_event, with the state machine stepped as of `now` */
static void inst_event_at(struct vrrp_inst *in, const struct vrrp_event *ev, uint64_t now)
{
	struct vrrp_actions acts;
	enum vrrp_state before = in->fsm.state;
	uint64_t before_deadline = in->fsm.deadline;

	vrrp_fsm_step(&in->fsm, ev, now, &acts);
	/* on schedule, a master's deadline moves by exactly one interval */
	if (in->fsm.state == VRRP_MASTER &&
	    (before != VRRP_MASTER || (in->fsm.deadline != before_deadline &&
				       in->fsm.deadline != before_deadline + in->fsm.p.advert_cs * 10000ULL)))
		inst_align(in, now);
	for (size_t i = 0; i < acts.n; i++) {
		const struct vrrp_action *a = &acts.v[i];

		switch (a->kind) {
		case VRRP_ACT_TRANSITION: inst_transition(in, a); break;
		case VRRP_ACT_SEND_ADVERT: inst_send(in, a->priority); break;
		case VRRP_ACT_ADD_VIPS:
			/* with a promote hook, the VIPs (and their GARP) wait for it to succeed */
			if (hooks_may_add_vips(in, before))
				inst_vips(in, true);
			break;
		case VRRP_ACT_DEL_VIPS: inst_vips(in, false); break;
		case VRRP_ACT_GARP:
			if (in->vips_up)
				inst_garp_start(in);
			break;
		}
	}
	for (size_t i = 0; i < acts.n; i++)
		if (acts.v[i].kind == VRRP_ACT_TRANSITION)
			hooks_transition(in, &acts.v[i]);
	inst_arm(in);
	/* the other members follow (or hold it back) before anything else happens */
	if (in->sync)
		sync_settle(in->sync);
}

void inst_event(struct vrrp_inst *in, const struct vrrp_event *ev)
{
	inst_event_at(in, ev, inst_now(in));
}

void inst_apply_fault(struct vrrp_inst *in)
{
	bool fault = in->own_fault || in->pulled;

	if (fault && !in->fsm.fault) {
		struct vrrp_event ev = {.kind = VRRP_EV_FAULT,
					.reason = in->own_fault ? in->own_why : in->pulled_why};

		inst_event(in, &ev);
	} else if (!fault && in->fsm.fault) {
		struct vrrp_event ev = {.kind = VRRP_EV_FAULT_CLEAR};

		inst_event(in, &ev);
	}
}

void inst_apply_gate(struct vrrp_inst *in)
{
	bool open = in->gate_group && (!in->c->quorum || in->gate_quorum);
	struct vrrp_event ev = {.kind = VRRP_EV_GATE, .gate_open = open, .reason = in->gate_why};

	if (open != in->fsm.gate_open)
		inst_event(in, &ev);
}

void inst_set_gate_group(struct vrrp_inst *in, bool open, const char *why)
{
	snprintf(in->gate_why, sizeof(in->gate_why), "%s", why ? why : "");
	in->gate_group = open;
	inst_apply_gate(in);
}

/* When a master's advert due at `d` goes at `now` (within its slack before d, or after it):
 * as of d, so that its schedule does not drift onto sd-event's wake-up grid (all masters would
 * end up in one burst); more than its slack late (the daemon was held up), as of now: its
 * schedule starts again from there. */
static uint64_t inst_advert_time(const struct vrrp_inst *in, uint64_t d, uint64_t now)
{
	return d + inst_advert_slack(in) >= now ? d : now;
}

static int inst_on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct vrrp_inst *in = userdata;
	struct vrrp_engine *e = in->e;
	struct vrrp_event ev = {.kind = VRRP_EV_TIMER};
	uint64_t now = inst_now(in), d = in->fsm.deadline;

	if (in->fsm.state == VRRP_MASTER && d && d <= now + inst_advert_slack(in))
		inst_event_at(in, &ev, inst_advert_time(in, d, now));
	else
		inst_event(in, &ev);
	if (e->quiet)
		return 0;
	/* the other masters whose advert is due within their slack send now too */
	for (size_t i = 0; i < e->n_insts; i++) {
		struct vrrp_inst *o = e->insts[i];

		d = o->fsm.deadline;
		if (o != in && o->fsm.state == VRRP_MASTER && d && d <= now + inst_advert_slack(o))
			inst_event_at(o, &ev, inst_advert_time(o, d, now));
	}
	return 0;
}

static void inst_startup(struct vrrp_inst *in)
{
	struct vrrp_event startup = {.kind = VRRP_EV_STARTUP};

	in->started = true;
	in->wait_for[0] = '\0';
	inst_event(in, &startup);
}

void inst_link_changed(struct vrrp_inst *in)
{
	const struct vrrp_link_if *li = inst_if(in);
	char buf[192];
	const char *why, *block;
	unsigned prio;
	struct conf_addr src;
	struct inst_verdict v;

	in->ifindex = li ? li->ifindex : 0;
	if (li && (!in->sock || vrrp_sock_ifindex(in->sock) != li->ifindex))
		in->sock = engine_sock(in->e, li->ifindex, li->name, in->c->family);
	if (!li)
		in->sock = NULL;
	if (inst_src(in, &src))
		in->fsm.p.self = src;
	why = inst_fault(in, &prio, buf, sizeof(buf), &block, &v);
	if (prio != in->fsm.priority) {
		struct vrrp_event ev = {.kind = VRRP_EV_PRIORITY, .new_priority = prio};

		log_obj(LOG_INFO, in->c->name, "effective priority %u -> %u", in->fsm.priority, prio);
		inst_event(in, &ev);
	}
	in->own_fault = why != NULL;
	snprintf(in->own_why, sizeof(in->own_why), "%s", why ? why : "");
	snprintf(in->own_block, sizeof(in->own_block), "%s", block ? block : "");
	inst_apply_fault(in);
	if (in->start_wanted && !in->started) {
		/* keepalived holds an instance in INIT until its checks have said something */
		snprintf(in->wait_for, sizeof(in->wait_for), "%s", v.waiting ? v.wait_for : "");
		if (!v.waiting)
			inst_startup(in);
		return;
	}
	/* the other members are pulled into FAULT, or let go, even when this one's state stays */
	if (in->sync)
		sync_settle(in->sync);
}

void inst_vip_deleted(struct vrrp_inst *in, unsigned ifindex, const struct conf_addr *addr)
{
	char a[64];

	uint32_t lft;

	if (in->fsm.state != VRRP_MASTER || !in->vips_up)
		return;
	/* a gated VIP the kernel expired: its lease was not renewed in time, it stays gone */
	if (!gate_vip_lifetime(in, &lft))
		return;
	for (size_t i = 0; i < in->c->n_vips; i++) {
		const struct conf_vip *vip = &in->c->vips[i];

		if (conf_addr_eq(&vip->addr, addr) && inst_vip_ifindex(in, vip) == ifindex) {
			log_obj(LOG_WARNING, in->c->name, "VIP %s/%u was removed by someone else; restoring it",
				conf_addr_str(addr, a, sizeof(a)), vip->prefix);
			vrrp_vip_add(in->e->vips, vip, ifindex, lft, lft);
		}
	}
}

void inst_advert_in(struct vrrp_inst *in, const struct vrrp_advert *a, const struct vrrp_rx *rx)
{
	struct vrrp_event ev = {.kind = VRRP_EV_ADVERT, .priority = a->priority,
				.interval_cs = a->interval_cs, .src = rx->src};
	uint64_t now = inst_now(in);
	char addr[64];

	if (in->c->n_unicast_peers) {
		bool peer = false;

		for (size_t i = 0; i < in->c->n_unicast_peers && !peer; i++)
			peer = conf_addr_eq(&in->c->unicast_peers[i], &rx->src);
		if (!peer) {
			engine_count_drop(in->e, in, VRRP_DROP_NOT_PEER, rx);
			return;
		}
	}
	/* RFC 5798 7.1: a different address list MAY be dropped and SHOULD be logged; keepalived
	 * outside strict mode accepts it, and so do we, logging it once a minute */
	{
		struct conf_addr list[VRRP_MAX_ADDRS];
		size_t n = 0;

		for (size_t i = 0; i < in->c->n_vips && n < VRRP_MAX_ADDRS; i++)
			list[n++] = in->c->vips[i].addr;
		if (!vrrp_pkt_addrs_match(a, list, n) &&
		    util_ratelimit(&in->mismatch_logged, now, UTIL_LOG_EVERY_USEC))
			log_obj(LOG_WARNING, in->c->name, "advert from %s lists other addresses than ours "
				"(accepted, as keepalived does)", conf_addr_str(&rx->src, addr, sizeof(addr)));
	}
	inst_event(in, &ev);
}

static bool inst_has_weights(const struct conf_instance *c)
{
	for (size_t i = 0; i < c->n_track_ifs; i++)
		if (c->track_ifs[i].weight)
			return true;
	for (size_t i = 0; i < c->n_track_scripts; i++)
		if (c->track_scripts[i].weight_set ? c->track_scripts[i].weight : c->track_scripts[i].check->weight)
			return true;
	for (size_t i = 0; i < c->n_track_files; i++)
		if (c->track_files[i].weight)
			return true;
	return false;
}

static unsigned inst_advert_cs(const struct conf_instance *c)
{
	return (unsigned)lround(c->advert_int * 100);
}

struct vrrp_inst *inst_new(struct vrrp_engine *e, const struct conf_instance *c)
{
	struct vrrp_inst *in = xcalloc(1, sizeof(*in));
	struct vrrp_fsm_params p = {
		.version = c->version, .priority = c->priority, .advert_cs = inst_advert_cs(c),
		.nopreempt = c->nopreempt, .preempt_delay_us = (uint64_t)(c->preempt_delay * 1e6),
		.gated = c->quorum,
	};
	in->e = e;
	in->c = c;
	in->gate_group = true;
	vrrp_fsm_init(&in->fsm, &p);
	sd_event_add_time(e->ev, &in->timer, CLOCK_MONOTONIC, 0, 1, inst_on_timer, in);
	sd_event_source_set_enabled(in->timer, SD_EVENT_OFF);
	sd_event_add_time(e->ev, &in->garp_timer, CLOCK_MONOTONIC, 0, 1000, inst_on_garp, in);
	sd_event_source_set_enabled(in->garp_timer, SD_EVENT_OFF);
	inst_link_changed(in);
	if (c->sync_group && inst_has_weights(c))
		log_obj(LOG_NOTICE, c->name, "in sync group %s: track weights count as 0 (a tracked "
			"object down is a FAULT of the group), as keepalived does", c->sync_group);
	return in;
}

void inst_start(struct vrrp_inst *in)
{
	if (in->ifindex && in->c->family == AF_INET)
		vrrp_vip_promote_secondaries(in->c->interface);
	/* VIPs a previous run left behind (killed with SIGKILL, say) are not ours to keep */
	inst_vips(in, false);
	in->start_wanted = true;
	inst_link_changed(in);
	if (!in->started)
		log_obj(LOG_INFO, in->c->name, "waiting in INIT for the first result of %s", in->wait_for);
}

void inst_free(struct vrrp_inst *in)
{
	if (!in)
		return;
	hooks_forget(in);
	sd_event_source_disable_unref(in->timer);
	sd_event_source_disable_unref(in->garp_timer);
	free(in);
}

static json_object *inst_counters(const struct vrrp_inst *in)
{
	json_object *o = json_object_new_object(), *t = json_object_new_object(), *d = json_object_new_object();

	json_object_object_add(o, "adverts_sent", json_object_new_int64((int64_t)in->fsm.adverts_sent));
	json_object_object_add(o, "adverts_received", json_object_new_int64((int64_t)in->fsm.adverts_received));
	json_object_object_add(o, "garps_sent", json_object_new_int64((int64_t)in->garps_sent));
	json_object_object_add(o, "garps_failed", json_object_new_int64((int64_t)in->garps_failed));
	for (int s = VRRP_BACKUP; s < VRRP_STATE_COUNT; s++)
		json_object_object_add(t, vrrp_state_name((enum vrrp_state)s),
				       json_object_new_int64((int64_t)in->transitions[s]));
	json_object_object_add(o, "transitions", t);
	for (int r = 1; r < VRRP_DROP_COUNT_; r++)
		if (in->drops[r])
			json_object_object_add(d, vrrp_drop_name((enum vrrp_drop)r),
					       json_object_new_int64((int64_t)in->drops[r]));
	json_object_object_add(o, "dropped", d);
	return o;
}

json_object *inst_status(const struct vrrp_inst *in)
{
	json_object *o = json_object_new_object(), *vips = json_object_new_array();
	char a[64], buf[128], blocked_buf[96];
	const char *fault = NULL, *blocked = NULL;
	struct conf_addr src;

	for (size_t i = 0; i < in->c->n_vips; i++) {
		snprintf(buf, sizeof(buf), "%s/%u", conf_addr_str(&in->c->vips[i].addr, a, sizeof(a)),
			 in->c->vips[i].prefix);
		json_object_array_add(vips, json_object_new_string(buf));
	}
	snprintf(blocked_buf, sizeof(blocked_buf), "sync_group:%s", in->c->sync_group ? in->c->sync_group : "");
	if (in->fsm.state == VRRP_FAULT && in->own_fault) {
		fault = in->own_why;
		blocked = in->own_block;
	} else if (in->fsm.state == VRRP_INIT && in->wait_for[0]) {
		blocked = in->wait_for;
	} else if (in->fsm.state == VRRP_FAULT && in->pulled) {
		fault = in->pulled_why;
		blocked = blocked_buf;
	} else if (in->fsm.state == VRRP_BACKUP && in->fsm.want_master && !in->gate_group) {
		/* it would be MASTER but another member of its group does not want to be */
		blocked = blocked_buf;
	} else if (in->fsm.state == VRRP_BACKUP && gate_blocked(in)) {
		blocked = gate_blocked(in);
	} else if (hooks_promoting(in)) {
		/* MASTER, its VIPs waiting for the database's promote */
		blocked = "promote";
	}
	json_object_object_add(o, "name", json_object_new_string(in->c->name));
	json_object_object_add(o, "state", json_object_new_string(vrrp_state_name(in->fsm.state)));
	json_object_object_add(o, "vrid", json_object_new_int((int)in->c->vrid));
	json_object_object_add(o, "interface", json_object_new_string(in->c->interface));
	json_object_object_add(o, "version", json_object_new_int((int)in->c->version));
	json_object_object_add(o, "priority", json_object_new_int((int)in->c->priority));
	json_object_object_add(o, "effective_priority", json_object_new_int((int)in->fsm.priority));
	json_object_object_add(o, "vips", vips);
	json_object_object_add(o, "vips_up", json_object_new_boolean(in->vips_up));
	if (in->fsm.state == VRRP_MASTER && inst_src(in, &src))
		json_object_object_add(o, "master_ip", json_object_new_string(conf_addr_str(&src, a, sizeof(a))));
	else if (in->fsm.master_known)
		json_object_object_add(o, "master_ip", json_object_new_string(conf_addr_str(&in->fsm.master, a, sizeof(a))));
	else
		json_object_object_add(o, "master_ip", NULL);
	json_object_object_add(o, "quorum_gated", json_object_new_boolean(in->c->quorum));
	/* what keeps it from being MASTER: its interfaces, checks, sync group, quorum or promote */
	json_object_object_add(o, "blocked_by", blocked ? json_object_new_string(blocked) : NULL);
	json_object_object_add(o, "fault_reason", fault ? json_object_new_string(fault) : NULL);
	json_object_object_add(o, "sync_group", in->c->sync_group ? json_object_new_string(in->c->sync_group) : NULL);
	json_object_object_add(o, "db", hooks_status(in));
	json_object_object_add(o, "counters", inst_counters(in));
	return o;
}
