/* Sync group rules (see group.h). */
#include "vrrp/group.h"

void vrrp_group_input(const struct vrrp_group_member *m, size_t n, size_t i,
		      struct vrrp_group_input *out)
{
	*out = (struct vrrp_group_input){.gate = true};
	for (size_t j = 0; j < n; j++) {
		if (j == i)
			continue;
		if (out->gate && m[j].state != VRRP_MASTER && !m[j].want_master) {
			out->gate = false;
			out->holdout = j;
		}
		if (!out->fault && m[j].own_fault) {
			out->fault = true;
			out->culprit = j;
		}
	}
}

enum vrrp_state vrrp_group_state(const struct vrrp_group_member *m, size_t n, enum vrrp_state current)
{
	size_t count[VRRP_STATE_COUNT] = {0};

	if (!n)
		return current;
	for (size_t i = 0; i < n; i++)
		if (m[i].state < VRRP_STATE_COUNT)
			count[m[i].state]++;
	if (count[VRRP_INIT])
		return current;
	if (count[VRRP_STOP])
		return count[VRRP_STOP] == n ? VRRP_STOP : current;
	if (count[VRRP_MASTER] == n)
		return VRRP_MASTER;
	if (count[VRRP_FAULT])
		return VRRP_FAULT;
	if (count[VRRP_MASTER])
		return current;
	return VRRP_BACKUP;
}
