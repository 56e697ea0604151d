/* The VRRP engine: every configured instance, its sockets, VIPs, gratuitous ARPs, the link
 * monitor, driven by the daemon's event loop. The state machine (fsm.c) decides; the engine
 * turns I/O into events and executes the actions. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
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

/* The quorum as the engine sees it (the daemon wires quorum/node.h to it). */
struct vrrp_quorum_gate {
	bool (*may_hold)(void *ud);          /* leader with a valid lease, not handing over */
	uint32_t (*lifetime)(void *ud);      /* whole seconds a VIP may live now; 0: none */
	bool lifetime_fencing;               /* false: permanent VIPs (watchdog-only fencing) */
	const char *(*why_shut)(void *ud);   /* status blocked_by while shut: "no-quorum", ... */
	void *ud;
};
struct quorum_fitness;
/* Attach the quorum (NULL: none); the gated instances follow its gate from now on. */
void vrrp_engine_set_quorum(struct vrrp_engine *e, const struct vrrp_quorum_gate *g);
/* The gate opened or shut, or the lease was renewed: gated instances follow, and the VIPs of a
 * gated MASTER get their lifetime renewed. */
void vrrp_engine_quorum_changed(struct vrrp_engine *e);
/* This node's fitness for the quorum: healthy when it has gated instances, none of them in
 * FAULT and its PostgreSQL (a pg_check they track) promotable; their highest priority; the
 * database's position. */
void vrrp_engine_quorum_fitness(const struct vrrp_engine *e, struct quorum_fitness *fit);
/* The quorum's term and leader, for the hooks queued from now on. */
void vrrp_engine_quorum_info(struct vrrp_engine *e, unsigned long long term, const char *leader);
/* No gated instance is MASTER, and none has a hook queued or running: a hand-over may go on. */
bool vrrp_engine_quorum_idle(const struct vrrp_engine *e);
/* Run the pg_checks the gated instances track once more, and say when all have answered: the
 * position a hand-over passes on is the one after the demote, not one interval old. */
void vrrp_engine_quorum_refresh(struct vrrp_engine *e);
bool vrrp_engine_quorum_refreshed(const struct vrrp_engine *e);

/* SPEC.md's "instances" array, the sync groups' array ("sync_groups": name, state, members,
 * transitions), and the state of one instance by name (NULL if unknown). */
json_object *vrrp_engine_status(const struct vrrp_engine *e);
json_object *vrrp_engine_groups_status(const struct vrrp_engine *e);
/* Adverts dropped before an instance could be found for them (bad checksum, TTL or length,
 * a VRID no instance runs): reason -> count, reasons without drops left out. */
json_object *vrrp_engine_drops(const struct vrrp_engine *e);
const char *vrrp_engine_state(const struct vrrp_engine *e, const char *name);
