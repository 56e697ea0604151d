/* The VRRP engine: every configured instance, its sockets, VIPs, gratuitous ARPs, the link
 * monitor, driven by the daemon's event loop. The state machine (fsm.c) decides; the engine
 * turns I/O into events and executes the actions. */
#pragma once

#include <json-c/json.h>
#include <systemd/sd-event.h>

#include "conf/conf.h"

struct vrrp_engine;

/* Called after every state change, for the daemon's STATUS= line. */
typedef void (*vrrp_engine_change_fn)(void *ud);

struct health;

/* Opens the link monitor and the shared sockets, removes VIPs a previous run left behind and
 * starts every instance. health: the checks instances track (track_script, track_file), and
 * where the tracked interfaces' states are reported; NULL for none. Returns 0 or -errno
 * (reported). */
int vrrp_engine_start(sd_event *ev, const struct conf *c, struct health *health,
		      vrrp_engine_change_fn fn, void *ud, struct vrrp_engine **out);
/* A check's state or a tracked file's value changed: the instances look again. */
void vrrp_engine_checks_changed(struct vrrp_engine *e);
/* A new config: instances whose settings did not change keep their state and VIPs; changed
 * ones restart; removed ones stop (priority 0, VIPs removed); new ones start. */
void vrrp_engine_reload(struct vrrp_engine *e, const struct conf *c);
/* Graceful stop: priority-0 adverts from every MASTER, VIPs removed, notify_stop. */
void vrrp_engine_stop(struct vrrp_engine *e);
void vrrp_engine_free(struct vrrp_engine *e);
/* Hooks running or queued (after stop: the STOP hooks still to finish). */
unsigned vrrp_engine_hooks_pending(const struct vrrp_engine *e);
/* The hook runner's status: runs per hook and result, running and queued, the fifo. */
json_object *vrrp_engine_hooks_status(const struct vrrp_engine *e);

/* SPEC.md's "instances" array, the sync groups' array ("sync_groups": name, state, members,
 * transitions), and the state of one instance by name (NULL if unknown). */
json_object *vrrp_engine_status(const struct vrrp_engine *e);
json_object *vrrp_engine_groups_status(const struct vrrp_engine *e);
/* Adverts dropped before an instance could be found for them (bad checksum, TTL or length,
 * a VRID no instance runs): reason -> count, reasons without drops left out. */
json_object *vrrp_engine_drops(const struct vrrp_engine *e);
const char *vrrp_engine_state(const struct vrrp_engine *e, const char *name);
