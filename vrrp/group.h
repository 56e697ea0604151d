/* keepalived's sync groups (vrrp_sync_group): the rules that make the members of a group move
 * together. Pure: the caller snapshots its members, asks what each one may do, and delivers
 * that to their state machines as GATE and FAULT events (vrrp/sync.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "vrrp/fsm.h"

/* What the rules look at in one member. */
struct vrrp_group_member {
	enum vrrp_state state;
	bool want_master;   /* BACKUP whose down timer ran out: it would be MASTER if allowed */
	bool own_fault;     /* its interface or a tracked object is down (not pulled by the group) */
};

/* What the group allows one member. */
struct vrrp_group_input {
	bool gate;          /* may be MASTER: every other member is MASTER or wants to be */
	size_t holdout;     /* when !gate: the first other member that does not want MASTER */
	bool fault;         /* pulled into FAULT: another member has a fault of its own */
	size_t culprit;     /* when fault: the first such member */
};

/* The inputs of member i among n. keepalived: the group goes MASTER only when all its members
 * want MASTER; one member with a fault puts all of them in FAULT. (One member leaving MASTER
 * takes the others with it through their gates: it no longer wants MASTER.) */
void vrrp_group_input(const struct vrrp_group_member *m, size_t n, size_t i,
		      struct vrrp_group_input *out);

/* The state of the group once its members have settled: MASTER when all are MASTER, FAULT when
 * one is in FAULT, STOP when all have stopped, else BACKUP. While they are still on their way
 * (one in INIT, some stopped but not all, MASTER mixed with others) it stays `current`. */
enum vrrp_state vrrp_group_state(const struct vrrp_group_member *m, size_t n, enum vrrp_state current);
