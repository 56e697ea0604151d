/* The VRRP state machine: a table of (state, event) → handler. Handlers only change the struct
 * and append actions; every state change goes through fsm_transition(). */
#include "vrrp/fsm.h"

#include <string.h>

#include "common/util.h"

typedef void (*fsm_handler)(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
			    struct vrrp_actions *out);

static const char *const fsm_state_names[VRRP_STATE_COUNT] = {
	[VRRP_INIT] = "INIT", [VRRP_BACKUP] = "BACKUP", [VRRP_MASTER] = "MASTER",
	[VRRP_FAULT] = "FAULT", [VRRP_STOP] = "STOP",
};

const char *vrrp_state_name(enum vrrp_state s)
{
	return s < VRRP_STATE_COUNT ? fsm_state_names[s] : "?";
}

uint64_t vrrp_fsm_skew_us(unsigned version, unsigned priority, unsigned master_adv_cs)
{
	/* RFC 3768 6.1: (256 - Priority) / 256 seconds. RFC 5798 6.1: ((256 - Priority) *
	 * Master_Adver_Interval) / 256, the interval being in centiseconds. */
	if (version == 2)
		return (256ULL - priority) * 1000000ULL / 256;
	return (256ULL - priority) * master_adv_cs * 10000ULL / 256;
}

uint64_t vrrp_fsm_master_down_us(unsigned version, unsigned priority, unsigned master_adv_cs)
{
	return 3ULL * master_adv_cs * 10000ULL + vrrp_fsm_skew_us(version, priority, master_adv_cs);
}

unsigned vrrp_fsm_effective_priority(unsigned base, int weights)
{
	long p = (long)base + weights;

	if (base == 255)
		return 255;
	return p < 1 ? 1 : p > 254 ? 254 : (unsigned)p;
}

static void fsm_act(struct vrrp_actions *out, enum vrrp_action_kind kind, unsigned priority)
{
	if (out->n >= VRRP_MAX_ACTIONS)
		util_die("vrrp fsm: more than %d actions in one step", VRRP_MAX_ACTIONS);
	out->v[out->n++] = (struct vrrp_action){.kind = kind, .priority = priority};
}

/* The one place a state changes; the executor logs "(name) FROM -> TO (reason)", counts it
 * and queues the hooks when it meets this action. */
static void fsm_transition(struct vrrp_fsm *f, enum vrrp_state to, const char *reason,
			   struct vrrp_actions *out)
{
	fsm_act(out, VRRP_ACT_TRANSITION, f->priority);
	out->v[out->n - 1].from = f->state;
	out->v[out->n - 1].to = to;
	out->v[out->n - 1].reason = reason;
	f->state = to;
	f->want_master = false;
}

static unsigned fsm_master_interval(const struct vrrp_fsm *f)
{
	/* v3 backups time the master by its advertised interval (RFC 5798 6.4.2); v2 requires
	 * equal intervals, so the configured one serves */
	return f->p.version == 3 && f->master_adv_cs ? f->master_adv_cs : f->p.advert_cs;
}

static void fsm_arm_down(struct vrrp_fsm *f, uint64_t now)
{
	f->deadline = now + vrrp_fsm_master_down_us(f->p.version, f->priority, fsm_master_interval(f));
}

static void fsm_to_backup(struct vrrp_fsm *f, const char *reason, uint64_t now,
			  struct vrrp_actions *out)
{
	fsm_transition(f, VRRP_BACKUP, reason, out);
	fsm_arm_down(f, now);
}

static void fsm_to_master(struct vrrp_fsm *f, const char *reason, uint64_t now,
			  struct vrrp_actions *out)
{
	fsm_transition(f, VRRP_MASTER, reason, out);
	f->master = f->p.self;
	f->master_known = true;
	f->preempt_at = 0;
	fsm_act(out, VRRP_ACT_ADD_VIPS, 0);
	fsm_act(out, VRRP_ACT_GARP, 0);
	fsm_act(out, VRRP_ACT_SEND_ADVERT, f->priority);
	f->adverts_sent++;
	f->deadline = now + f->p.advert_cs * 10000ULL;
}

/* Leaving MASTER: priority 0 first so backups take over after Skew_Time (RFC 5798 6.4.3),
 * then the VIPs go. */
static void fsm_leave_master(struct vrrp_fsm *f, enum vrrp_state to, const char *reason,
			     uint64_t now, struct vrrp_actions *out)
{
	fsm_transition(f, to, reason, out);
	fsm_act(out, VRRP_ACT_SEND_ADVERT, 0);
	f->adverts_sent++;
	fsm_act(out, VRRP_ACT_DEL_VIPS, 0);
	f->master_known = false;
	if (to == VRRP_BACKUP)
		fsm_arm_down(f, now);
	else
		f->deadline = 0;
}

/* "the sending Master's primary address is greater than the local one" (RFC 5798 6.4.3) */
static bool fsm_addr_greater(const struct conf_addr *a, const struct conf_addr *b)
{
	size_t n = a->family == AF_INET ? sizeof(a->u.v4) : sizeof(a->u.v6);

	return a->family == b->family && memcmp(&a->u, &b->u, n) > 0;
}

static void fsm_init_startup(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
			     struct vrrp_actions *out)
{
	if (f->fault) {
		fsm_transition(f, VRRP_FAULT, "a tracked object is down at start", out);
		f->deadline = 0;
	} else if (f->priority == 255 && f->gate_open) {
		fsm_to_master(f, "address owner (priority 255)", now, out);
	} else {
		/* keepalived starts every instance in BACKUP; state = MASTER is only a hint */
		fsm_to_backup(f, "start", now, out);
	}
}

/* The master is accepted: follow it and restart the down timer. */
static void fsm_backup_follow(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now)
{
	if (f->p.version == 3)
		f->master_adv_cs = ev->interval_cs;
	f->master = ev->src;
	f->master_known = true;
	f->want_master = false;
	fsm_arm_down(f, now);
}

static void fsm_backup_advert(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
			      struct vrrp_actions *out)
{
	f->adverts_received++;
	if (ev->priority == 0) {
		/* the master is leaving: take over after Skew_Time only */
		f->deadline = now + vrrp_fsm_skew_us(f->p.version, f->priority, fsm_master_interval(f));
		return;
	}
	if (f->p.nopreempt || ev->priority >= f->priority) {
		f->preempt_at = 0;
		fsm_backup_follow(f, ev, now);
		return;
	}
	/* a lower-priority master, and preemption allowed: not before preempt_delay has run.
	 * Ignored for timing, but it is the master for now (status, the log's reason). */
	f->master = ev->src;
	f->master_known = true;
	if (f->p.preempt_delay_us) {
		if (!f->preempt_at)
			f->preempt_at = now + f->p.preempt_delay_us;
		if (now < f->preempt_at)
			fsm_backup_follow(f, ev, now);
	}
}

static void fsm_backup_timer(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
			     struct vrrp_actions *out)
{
	if (!f->deadline || now < f->deadline)
		return;
	if (!f->gate_open) {
		/* may not be MASTER now (sync group, quorum): it wants to, and becomes MASTER as soon
		 * as the gate opens; meanwhile it looks again after every Master_Down_Interval */
		f->want_master = true;
		fsm_arm_down(f, now);
		return;
	}
	fsm_to_master(f, f->master_known ? "master down or lower priority" : "no master seen", now, out);
}

static void fsm_master_advert(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
			      struct vrrp_actions *out)
{
	f->adverts_received++;
	if (ev->priority == 0) {
		/* a master leaving while we are master: assert ourselves at once (RFC 5798 6.4.3) */
		fsm_act(out, VRRP_ACT_SEND_ADVERT, f->priority);
		f->adverts_sent++;
		f->deadline = now + f->p.advert_cs * 10000ULL;
		return;
	}
	/* gated: this node leads the quorum with a valid lease, and no other keepquorum member may
	 * be MASTER now; an advert claiming otherwise is stale (a member not yet aware that it
	 * lost its lease) or foreign, and yielding to it would only drop the VIP */
	if (f->p.gated)
		return;
	if (ev->priority > f->priority ||
	    (ev->priority == f->priority && fsm_addr_greater(&ev->src, &f->p.self))) {
		fsm_transition(f, VRRP_BACKUP, ev->priority > f->priority ? "higher priority master"
					       : "equal priority, higher address", out);
		fsm_act(out, VRRP_ACT_DEL_VIPS, 0);
		fsm_backup_follow(f, ev, now);
	}
}

static void fsm_master_timer(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
			     struct vrrp_actions *out)
{
	if (!f->deadline || now < f->deadline)
		return;
	fsm_act(out, VRRP_ACT_SEND_ADVERT, f->priority);
	f->adverts_sent++;
	f->deadline = now + f->p.advert_cs * 10000ULL;
}

static void fsm_any_fault(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
			  struct vrrp_actions *out)
{
	f->fault = true;
	if (f->state == VRRP_MASTER) {
		fsm_leave_master(f, VRRP_FAULT, ev->reason ? ev->reason : "fault", now, out);
	} else if (f->state == VRRP_BACKUP) {
		fsm_transition(f, VRRP_FAULT, ev->reason ? ev->reason : "fault", out);
		f->deadline = 0;
	}
}

static void fsm_any_fault_clear(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
				struct vrrp_actions *out)
{
	f->fault = false;
	if (f->state == VRRP_FAULT)
		fsm_to_backup(f, "fault cleared", now, out);
}

static void fsm_any_priority(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
			     struct vrrp_actions *out)
{
	f->priority = ev->new_priority;
}

static void fsm_any_gate(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
			 struct vrrp_actions *out)
{
	f->gate_open = ev->gate_open;
	if (!f->gate_open && f->state == VRRP_MASTER)
		fsm_leave_master(f, VRRP_BACKUP, ev->reason ? ev->reason : "may not be master", now, out);
	else if (f->gate_open && f->state == VRRP_BACKUP && (f->want_master || f->p.gated))
		/* its down timer ran out while the gate was shut: nothing left to wait for; or the
		 * quorum made this node leader, which is the election that counts */
		fsm_to_master(f, ev->reason ? ev->reason : "may be master now", now, out);
}

static void fsm_any_shutdown(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
			     struct vrrp_actions *out)
{
	if (f->state == VRRP_MASTER) {
		fsm_leave_master(f, VRRP_STOP, "shutdown", now, out);
	} else {
		fsm_transition(f, VRRP_STOP, "shutdown", out);
		f->deadline = 0;
	}
}

static void fsm_fault_advert(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
			     struct vrrp_actions *out)
{
	/* not taking part, but status shows who is master */
	f->adverts_received++;
	f->master = ev->src;
	f->master_known = ev->priority != 0;
}

/* The transition table. A missing entry: the event means nothing in that state. */
static const fsm_handler fsm_table[VRRP_STATE_COUNT][VRRP_EV_COUNT] = {
	[VRRP_INIT] = {
		[VRRP_EV_STARTUP] = fsm_init_startup,
		[VRRP_EV_FAULT] = fsm_any_fault,
		[VRRP_EV_FAULT_CLEAR] = fsm_any_fault_clear,
		[VRRP_EV_PRIORITY] = fsm_any_priority,
		[VRRP_EV_GATE] = fsm_any_gate,
		[VRRP_EV_SHUTDOWN] = fsm_any_shutdown,
	},
	[VRRP_BACKUP] = {
		[VRRP_EV_ADVERT] = fsm_backup_advert,
		[VRRP_EV_TIMER] = fsm_backup_timer,
		[VRRP_EV_FAULT] = fsm_any_fault,
		[VRRP_EV_PRIORITY] = fsm_any_priority,
		[VRRP_EV_GATE] = fsm_any_gate,
		[VRRP_EV_SHUTDOWN] = fsm_any_shutdown,
	},
	[VRRP_MASTER] = {
		[VRRP_EV_ADVERT] = fsm_master_advert,
		[VRRP_EV_TIMER] = fsm_master_timer,
		[VRRP_EV_FAULT] = fsm_any_fault,
		[VRRP_EV_PRIORITY] = fsm_any_priority,
		[VRRP_EV_GATE] = fsm_any_gate,
		[VRRP_EV_SHUTDOWN] = fsm_any_shutdown,
	},
	[VRRP_FAULT] = {
		[VRRP_EV_ADVERT] = fsm_fault_advert,
		[VRRP_EV_FAULT] = fsm_any_fault,
		[VRRP_EV_FAULT_CLEAR] = fsm_any_fault_clear,
		[VRRP_EV_PRIORITY] = fsm_any_priority,
		[VRRP_EV_GATE] = fsm_any_gate,
		[VRRP_EV_SHUTDOWN] = fsm_any_shutdown,
	},
	[VRRP_STOP] = {NULL},  /* stopped: nothing moves it */
};

void vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_params *p)
{
	memset(f, 0, sizeof(*f));
	f->p = *p;
	f->state = VRRP_INIT;
	f->priority = p->priority;
	/* a gated instance waits for the quorum's word */
	f->gate_open = !p->gated;
}

void vrrp_fsm_step(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
		   struct vrrp_actions *out)
{
	fsm_handler h;

	out->n = 0;
	if (f->state >= VRRP_STATE_COUNT || ev->kind >= VRRP_EV_COUNT)
		util_die("vrrp fsm: state %d, event %d out of range", f->state, ev->kind);
	h = fsm_table[f->state][ev->kind];
	if (h)
		h(f, ev, now, out);
}

uint64_t vrrp_fsm_deadline(const struct vrrp_fsm *f)
{
	return f->deadline;
}

bool vrrp_fsm_advance_advert(struct vrrp_fsm *f, uint64_t now, uint64_t at)
{
	if (f->state != VRRP_MASTER || !f->deadline || at <= now || at >= f->deadline)
		return false;
	f->deadline = at;
	return true;
}
