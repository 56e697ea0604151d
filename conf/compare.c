/* Is an instance's configuration unchanged by a reload? Then it keeps its state and VIPs
 * (SPEC.md: "instances whose settings did not change keep their state and VIPs"). Every field
 * the running state machine uses is compared; anything else restarts it. The hooks are not:
 * they are read afresh at every transition. */
#include "conf/conf.h"

#include <string.h>

static bool compare_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool compare_vip(const struct conf_vip *a, const struct conf_vip *b)
{
	return conf_addr_eq(&a->addr, &b->addr) && a->prefix == b->prefix &&
	       compare_str(a->dev, b->dev) && compare_str(a->label, b->label) &&
	       a->brd_set == b->brd_set && (!a->brd_set || conf_addr_eq(&a->brd, &b->brd)) &&
	       compare_str(a->scope, b->scope);
}

static bool compare_tracks(const struct conf_track *a, size_t na, const struct conf_track *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if (!compare_str(a[i].name, b[i].name) || a[i].weight != b[i].weight ||
		    a[i].weight_set != b[i].weight_set || a[i].reverse != b[i].reverse)
			return false;
		/* a tracked check whose own settings changed changes the instance too */
		if ((a[i].check == NULL) != (b[i].check == NULL) ||
		    (a[i].check && (a[i].check->weight != b[i].check->weight ||
				    a[i].check->reverse != b[i].check->reverse)))
			return false;
	}
	return true;
}

bool conf_instance_same(const struct conf_instance *a, const struct conf_instance *b)
{
	if (!compare_str(a->name, b->name) || !compare_str(a->interface, b->interface) ||
	    a->state != b->state || a->vrid != b->vrid || a->priority != b->priority ||
	    a->advert_int != b->advert_int || a->version != b->version || a->family != b->family ||
	    a->nopreempt != b->nopreempt || a->preempt_delay != b->preempt_delay ||
	    a->quorum != b->quorum || a->garp_master_delay != b->garp_master_delay ||
	    a->garp_master_repeat != b->garp_master_repeat ||
	    a->garp_master_refresh != b->garp_master_refresh ||
	    a->auth_pass_set != b->auth_pass_set || memcmp(a->auth_pass, b->auth_pass, sizeof(a->auth_pass)) ||
	    a->unicast_src_set != b->unicast_src_set ||
	    (a->unicast_src_set && !conf_addr_eq(&a->unicast_src, &b->unicast_src)) ||
	    a->n_unicast_peers != b->n_unicast_peers || a->n_vips != b->n_vips ||
	    !compare_str(a->sync_group, b->sync_group))
		return false;
	for (size_t i = 0; i < a->n_unicast_peers; i++)
		if (!conf_addr_eq(&a->unicast_peers[i], &b->unicast_peers[i]))
			return false;
	for (size_t i = 0; i < a->n_vips; i++)
		if (!compare_vip(&a->vips[i], &b->vips[i]))
			return false;
	/* The hooks and their timeouts are not compared: they are read when a transition queues
	 * them, so a new hook applies from the next transition on. Restarting the instance for
	 * them would move the VIP and demote the database for an edit to a notify script. */
	return compare_tracks(a->track_ifs, a->n_track_ifs, b->track_ifs, b->n_track_ifs) &&
	       compare_tracks(a->track_scripts, a->n_track_scripts, b->track_scripts, b->n_track_scripts) &&
	       compare_tracks(a->track_files, a->n_track_files, b->track_files, b->n_track_files);
}

static bool compare_sockaddr(const struct conf_sockaddr *a, const struct conf_sockaddr *b)
{
	return conf_addr_eq(&a->addr, &b->addr) && a->port == b->port;
}

bool conf_quorum_same(const struct conf_quorum *a, const struct conf_quorum *b)
{
	if (!a || !b)
		return a == b;
	if (!compare_str(a->node_id, b->node_id) || !compare_sockaddr(&a->bind, &b->bind) ||
	    a->n_peers != b->n_peers || a->witness != b->witness ||
	    !compare_str(a->secret_file, b->secret_file) ||
	    a->heartbeat_interval != b->heartbeat_interval ||
	    a->election_timeout != b->election_timeout)
		return false;
	for (size_t i = 0; i < a->n_peers; i++)
		if (!compare_str(a->peers[i].id, b->peers[i].id) ||
		    !compare_sockaddr(&a->peers[i].addr, &b->peers[i].addr))
			return false;
	return true;
}
