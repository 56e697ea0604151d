/* The VRRP engine: shared sockets and netlink, adverts dispatched to instances by interface,
 * family and VRID, link events, reload that keeps unchanged instances, status. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/log.h"
#include "notify/runner.h"
#include "vrrp/engine-int.h"

static uint64_t engine_now(struct vrrp_engine *e)
{
	uint64_t now = 0;

	sd_event_now(e->ev, CLOCK_MONOTONIC, &now);
	return now;
}

/* Counted always; logged at most once a minute per instance and reason (keepalived does the
 * same), and adverts for VRIDs we do not run only at debug level: a shared LAN has many. */
void engine_count_drop(struct vrrp_engine *e, struct vrrp_inst *in, enum vrrp_drop d,
		       const struct vrrp_rx *rx)
{
	struct util_ratelimit *rl = in ? &in->drop_logged[d] : &e->drop_logged[d];
	char a[64];

	if (in)
		in->drops[d]++;
	else
		e->drops[d]++;
	if (!util_ratelimit(rl, engine_now(e), UTIL_LOG_EVERY_USEC))
		return;
	log_obj(d == VRRP_DROP_VRID ? LOG_DEBUG : LOG_WARNING, in ? in->c->name : "vrrp",
		"advert from %s dropped: %s (logged once a minute)",
		conf_addr_str(&rx->src, a, sizeof(a)), vrrp_drop_name(d));
}

static struct vrrp_inst *engine_find(struct vrrp_engine *e, unsigned ifindex, int family, unsigned vrid)
{
	for (size_t i = 0; i < e->n_insts; i++) {
		struct vrrp_inst *in = e->insts[i];

		if (in->ifindex == ifindex && in->c->family == family && in->c->vrid == vrid)
			return in;
	}
	return NULL;
}

static void engine_on_advert(void *ud, const struct vrrp_rx *rx, unsigned ifindex)
{
	static struct vrrp_advert a; /* 4 KiB: not on the stack */
	struct vrrp_engine *e = ud;
	struct vrrp_expect x = {0};
	struct vrrp_inst *in;
	struct conf_addr own;
	enum vrrp_drop d;

	d = vrrp_pkt_parse(rx, &a);
	if (d == VRRP_DROP_TTL) {
		/* keepalived skips the TTL check in unicast mode, where adverts from peers on other
		 * subnets arrive routed; only unicast_peer sources are taken there */
		struct vrrp_rx routed = *rx;

		routed.ttl = VRRP_TTL;
		if (!vrrp_pkt_parse(&routed, &a) && (in = engine_find(e, ifindex, a.family, a.vrid)) &&
		    in->c->n_unicast_peers)
			d = VRRP_DROP_NONE;
	}
	if (d) {
		engine_count_drop(e, NULL, d, rx);
		return;
	}
	in = engine_find(e, ifindex, a.family, a.vrid);
	if (!in) {
		engine_count_drop(e, NULL, VRRP_DROP_VRID, rx);
		return;
	}
	x.version = in->c->version;
	x.vrid = in->c->vrid;
	x.family = in->c->family;
	x.interval_cs = in->fsm.p.advert_cs;
	x.auth_pass_set = in->c->auth_pass_set;
	memcpy(x.auth_pass, in->c->auth_pass, sizeof(x.auth_pass));
	d = vrrp_pkt_check(&a, &x);
	if (d) {
		engine_count_drop(e, in, d, rx);
		return;
	}
	/* not one of ours: multicast loop is off, and one sent to ourselves as a unicast peer
	 * would arrive on lo; so another host uses our address, or forges it */
	own = in->fsm.p.self;
	if (conf_addr_eq(&own, &rx->src)) {
		engine_count_drop(e, in, VRRP_DROP_OWN_ADDRESS, rx);
		return;
	}
	inst_advert_in(in, &a, rx);
}

struct vrrp_sock *engine_sock(struct vrrp_engine *e, unsigned ifindex, const char *ifname, int family)
{
	struct vrrp_sock *s;

	for (size_t i = 0; i < e->n_socks; i++)
		if (vrrp_sock_ifindex(e->socks[i]) == ifindex && vrrp_sock_family(e->socks[i]) == family)
			return e->socks[i];
	if (vrrp_sock_open(e->ev, family, ifindex, ifname, engine_on_advert, e, &s) < 0)
		return NULL;
	e->socks = xrealloc(e->socks, (e->n_socks + 1) * sizeof(*e->socks));
	e->socks[e->n_socks++] = s;
	return s;
}

static bool engine_uses_if(const struct conf_instance *c, const char *name)
{
	if (!strcmp(c->interface, name))
		return true;
	for (size_t i = 0; i < c->n_track_ifs; i++)
		if (!strcmp(c->track_ifs[i].name, name))
			return true;
	for (size_t i = 0; i < c->n_vips; i++)
		if (c->vips[i].dev && !strcmp(c->vips[i].dev, name))
			return true;
	return false;
}

/* A tracked interface, as the link monitor sees it, into the health funnel. */
static void engine_report_iface(struct vrrp_engine *e, const char *name)
{
	const struct vrrp_link_if *li = vrrp_link_find(e->link, name);

	health_iface_report(e->health, name, li && li->up, !li ? "missing" : li->up ? "up" : "down");
}

static void engine_report_ifaces(struct vrrp_engine *e)
{
	for (size_t i = 0; i < e->conf->n_instances; i++)
		for (size_t t = 0; t < e->conf->instances[i].n_track_ifs; t++)
			engine_report_iface(e, e->conf->instances[i].track_ifs[t].name);
}

static void engine_on_iface(void *ud, const struct vrrp_link_if *li, enum vrrp_link_change what)
{
	struct vrrp_engine *e = ud;

	/* (health calls back vrrp_engine_checks_changed() when the state changes) */
	if (what != VRRP_LINK_PRIMARY)
		engine_report_iface(e, li->name);
	for (size_t i = 0; i < e->n_insts; i++)
		if (engine_uses_if(e->insts[i]->c, li->name))
			inst_link_changed(e->insts[i]);
}

static void engine_on_addr_del(void *ud, unsigned ifindex, const struct conf_addr *addr, unsigned prefix)
{
	struct vrrp_engine *e = ud;

	for (size_t i = 0; i < e->n_insts; i++)
		inst_vip_deleted(e->insts[i], ifindex, addr);
}

/* Sync groups are built before any member starts, so that none becomes MASTER (an address
 * owner at once) before its group has had a say. started[i]: instance i runs already. */
static void engine_start_new(struct vrrp_engine *e, const bool *started)
{
	sync_build(e);
	for (size_t i = 0; i < e->n_syncs; i++)
		sync_settle(e->syncs[i]);
	for (size_t i = 0; i < e->n_insts; i++)
		if (!started || !started[i])
			inst_start(e->insts[i]);
}

static void engine_start_all(struct vrrp_engine *e)
{
	e->insts = xcalloc(e->conf->n_instances ? e->conf->n_instances : 1, sizeof(*e->insts));
	for (size_t i = 0; i < e->conf->n_instances; i++)
		e->insts[e->n_insts++] = inst_new(e, &e->conf->instances[i]);
	engine_start_new(e, NULL);
}

int vrrp_engine_start(sd_event *ev, const struct conf *c, struct health *health,
		      vrrp_engine_change_fn fn, void *ud, struct vrrp_engine **out)
{
	static const struct vrrp_link_cbs cbs = {.iface = engine_on_iface, .addr_del = engine_on_addr_del};
	struct vrrp_engine *e = xcalloc(1, sizeof(*e));
	int r;

	e->ev = sd_event_ref(ev);
	e->conf = c;
	e->health = health;
	e->changed = fn;
	e->changed_ud = ud;
	r = vrrp_link_open(ev, &cbs, e, &e->link);
	if (r < 0) {
		log_error("cannot watch links and addresses (netlink): %s", strerror(-r));
		goto fail;
	}
	r = vrrp_vips_open(&e->vips);
	if (r < 0) {
		log_error("cannot open the netlink socket for addresses: %s", strerror(-r));
		goto fail;
	}
	/* gratuitous ARP / NA failing is logged and the rest still works */
	if (vrrp_arp_open(&e->arp) < 0)
		log_warning("gratuitous ARP unavailable");
	if (vrrp_ndisc_open(&e->ndisc) < 0)
		log_warning("unsolicited neighbour advertisements unavailable");
	e->notify = notify_runner_new(ev);
	notify_runner_configure(e->notify, c);
	/* the tracked interfaces' states before any instance looks at them */
	engine_report_ifaces(e);
	/* no STATUS= for every transition on the way: the daemon sends one once all have started */
	e->quiet = true;
	engine_start_all(e);
	e->quiet = false;
	*out = e;
	return 0;
fail:
	vrrp_engine_free(e);
	return r;
}

static void engine_stop_inst(struct vrrp_inst *in)
{
	struct vrrp_event ev = {.kind = VRRP_EV_SHUTDOWN};

	inst_event(in, &ev);
	inst_free(in);
}

void vrrp_engine_reload(struct vrrp_engine *e, const struct conf *c)
{
	struct vrrp_inst **keep = xcalloc(c->n_instances ? c->n_instances : 1, sizeof(*keep));
	bool *started = xcalloc(c->n_instances ? c->n_instances : 1, sizeof(*started));
	size_t n_kept = 0;

	e->quiet = true;
	/* the groups are rebuilt once the instance list is; until then no member pulls another */
	sync_detach(e);

	/* first every instance that goes or changes lets go of its VIPs, so that a new instance
	 * with the same VIPs does not race its predecessor */
	for (size_t i = 0; i < e->n_insts; i++) {
		struct vrrp_inst *in = e->insts[i];
		const struct conf_instance *nc = conf_instance_find(c, in->c->name);

		if (nc && conf_instance_same(in->c, nc)) {
			keep[nc - c->instances] = in;
			started[nc - c->instances] = true;
			in->c = nc;
			n_kept++;
		} else {
			log_obj(LOG_NOTICE, in->c->name, nc ? "settings changed: restarting" : "removed");
			engine_stop_inst(in);
		}
	}
	free(e->insts);
	e->insts = keep;
	e->n_insts = c->n_instances;
	e->conf = c;
	notify_runner_configure(e->notify, c);
	engine_report_ifaces(e);
	for (size_t i = 0; i < c->n_instances; i++)
		if (!e->insts[i])
			e->insts[i] = inst_new(e, &c->instances[i]);
	engine_start_new(e, started);
	free(started);
	e->quiet = false;
	log_info("reload: %zu instance%s kept as they were, %zu started", n_kept, n_kept == 1 ? "" : "s",
		 c->n_instances - n_kept);
	if (e->changed)
		e->changed(e->changed_ud);
}

void vrrp_engine_stop(struct vrrp_engine *e)
{
	struct vrrp_event ev = {.kind = VRRP_EV_SHUTDOWN};

	e->quiet = true;
	/* the daemon frees the checks once the instances are gone: no link event may report to
	 * them while it waits for the STOP hooks */
	e->health = NULL;
	/* every member stops on its own; its group goes STOP (and says so) after the last one */
	e->stopping = true;
	for (size_t i = 0; i < e->n_insts; i++)
		inst_event(e->insts[i], &ev);
	for (size_t i = 0; i < e->n_insts; i++)
		inst_free(e->insts[i]);
	e->n_insts = 0;
	sync_free_all(e);
}

void vrrp_engine_free(struct vrrp_engine *e)
{
	if (!e)
		return;
	sync_free_all(e);
	for (size_t i = 0; i < e->n_insts; i++)
		inst_free(e->insts[i]);
	free(e->insts);
	for (size_t i = 0; i < e->n_socks; i++)
		vrrp_sock_close(e->socks[i]);
	free(e->socks);
	vrrp_link_close(e->link);
	vrrp_vips_close(e->vips);
	vrrp_arp_close(e->arp);
	vrrp_ndisc_close(e->ndisc);
	notify_runner_free(e->notify);
	sd_event_unref(e->ev);
	free(e);
}

unsigned vrrp_engine_hooks_pending(const struct vrrp_engine *e)
{
	return e->notify ? notify_pending(e->notify) : 0;
}

json_object *vrrp_engine_hooks_status(const struct vrrp_engine *e)
{
	return notify_status(e->notify);
}

json_object *vrrp_engine_status(const struct vrrp_engine *e)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < e->n_insts; i++)
		json_object_array_add(a, inst_status(e->insts[i]));
	return a;
}

json_object *vrrp_engine_groups_status(const struct vrrp_engine *e)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < e->n_syncs; i++)
		json_object_array_add(a, sync_status(e->syncs[i]));
	return a;
}

void vrrp_engine_checks_changed(struct vrrp_engine *e)
{
	/* few instances and few checks: each one looks again at what it tracks */
	for (size_t i = 0; i < e->n_insts; i++)
		if (e->insts[i])
			inst_link_changed(e->insts[i]);
}

json_object *vrrp_engine_drops(const struct vrrp_engine *e)
{
	json_object *d = json_object_new_object();

	for (int r = 1; r < VRRP_DROP_COUNT_; r++)
		if (e->drops[r])
			json_object_object_add(d, vrrp_drop_name((enum vrrp_drop)r),
					       json_object_new_int64((int64_t)e->drops[r]));
	return d;
}

const char *vrrp_engine_state(const struct vrrp_engine *e, const char *name)
{
	for (size_t i = 0; i < e->n_insts; i++)
		if (!strcmp(e->insts[i]->c->name, name))
			return vrrp_state_name(e->insts[i]->fsm.state);
	return NULL;
}
