/* Internals shared by engine.c (sockets, dispatch, link events, reload, status) and
 * instance.c (one instance: state machine, timers, actions). */
#pragma once

#include "vrrp/arp.h"
#include "vrrp/engine.h"
#include "vrrp/fsm.h"
#include "vrrp/link.h"
#include "vrrp/ndisc.h"
#include "vrrp/packet.h"
#include "vrrp/socket.h"
#include "vrrp/vip.h"

struct notify_runner;
struct vrrp_inst;

struct vrrp_engine {
	sd_event *ev;
	const struct conf *conf;
	struct vrrp_link *link;
	struct vrrp_vips *vips;
	struct vrrp_arp *arp;
	struct vrrp_ndisc *ndisc;
	struct notify_runner *notify;
	struct vrrp_sock **socks;
	size_t n_socks;
	struct vrrp_inst **insts;
	size_t n_insts;
	unsigned long drops[VRRP_DROP_COUNT_]; /* adverts no instance could take */
	uint64_t drop_logged[VRRP_DROP_COUNT_];
	vrrp_engine_change_fn changed;
	void *changed_ud;
	bool quiet;  /* reload or stop in progress: the instance list is being rebuilt */
};

struct vrrp_inst {
	struct vrrp_engine *e;
	const struct conf_instance *c;
	struct vrrp_fsm fsm;
	struct vrrp_sock *sock;           /* NULL while the interface is missing */
	unsigned ifindex;
	sd_event_source *timer;
	sd_event_source *garp_timer;
	unsigned garp_phase;              /* 0 none, 1 waiting for the delayed burst, 2 refreshing */
	bool vips_up;
	unsigned long garps_sent, garps_failed;
	unsigned long transitions[VRRP_STATE_COUNT];
	unsigned long drops[VRRP_DROP_COUNT_];
	uint64_t drop_logged[VRRP_DROP_COUNT_]; /* rate limit: last log per reason */
	uint64_t mismatch_logged;
};

/* instance.c */
struct vrrp_inst *inst_new(struct vrrp_engine *e, const struct conf_instance *c);
void inst_free(struct vrrp_inst *in);
void inst_event(struct vrrp_inst *in, const struct vrrp_event *ev);
void inst_advert_in(struct vrrp_inst *in, const struct vrrp_advert *a, const struct vrrp_rx *rx);
/* Re-read the interface (link events): fault, primary address, socket, track weights. */
void inst_link_changed(struct vrrp_inst *in);
void inst_vip_deleted(struct vrrp_inst *in, unsigned ifindex, const struct conf_addr *addr);
json_object *inst_status(const struct vrrp_inst *in);
uint64_t inst_now(const struct vrrp_inst *in);

/* engine.c */
struct vrrp_sock *engine_sock(struct vrrp_engine *e, unsigned ifindex, const char *ifname, int family);
void engine_count_drop(struct vrrp_engine *e, struct vrrp_inst *in, enum vrrp_drop d,
		       const struct vrrp_rx *rx);
