/* Checks that need the whole file: defaults that depend on other sections, names that must be
 * unique, references between sections, the quorum's shape, and the files scripts name. */
#include "conf/conf-int.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

struct validate {
	const struct conf *c;
	const struct scan *s;
	struct conf_diags *diags;
};

static const struct scan_section *validate_sec(const struct validate *v, const char *type,
					       const char *name)
{
	for (size_t i = 0; i < v->s->n_secs; i++) {
		const struct scan_section *sec = &v->s->secs[i];

		if (strcmp(sec->type, type) == 0 &&
		    ((!name && !sec->name) || (name && sec->name && strcmp(sec->name, name) == 0)))
			return sec;
	}
	return NULL;
}

__attribute__((format(printf, 5, 6)))
static void validate_error(struct validate *v, const char *type, const char *name, const char *key,
			   const char *fmt, ...)
{
	const struct scan_section *sec = validate_sec(v, type, name);
	unsigned line = sec ? sec->line : 0;
	va_list ap;
	char *msg;

	for (size_t i = 0; sec && key && i < sec->n_keys; i++)
		if (strcmp(sec->keys[i].key, key) == 0)
			line = sec->keys[i].line;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	conf_diags_add(v->diags, v->c->path, line, sec ? sec->written : type, sec ? key : NULL, "%s", msg);
	free(msg);
}

static bool validate_is_root(const char *user)
{
	struct passwd *pw = getpwnam(user);

	return !pw || pw->pw_uid == 0;
}

static void validate_cmd(struct validate *v, const char *type, const char *name, const char *key,
			 const struct conf_cmd *cmd, const char *user)
{
	char buf[512];
	const char *why;

	if (!cmd->argv)
		return;
	why = files_check_script(cmd, v->c->global.enable_script_security, validate_is_root(user), buf,
				 sizeof(buf));
	if (why)
		validate_error(v, type, name, key, "%s", why);
}

static void validate_quorum(struct validate *v)
{
	const struct conf_quorum *q = v->c->quorum;
	char buf[512];
	const char *why;

	if (!q)
		return;
	for (size_t i = 0; i < q->n_peers; i++) {
		if (strcmp(q->peers[i].id, q->node_id) == 0)
			validate_error(v, "quorum", NULL, "peers", "peer '%s' is this node's own node_id",
				       q->peers[i].id);
		for (size_t k = 0; k < i; k++) {
			if (strcmp(q->peers[i].id, q->peers[k].id) == 0)
				validate_error(v, "quorum", NULL, "peers", "peer '%s' is named twice",
					       q->peers[i].id);
			else if (conf_addr_eq(&q->peers[i].addr.addr, &q->peers[k].addr.addr) &&
				 q->peers[i].addr.port == q->peers[k].addr.port)
				validate_error(v, "quorum", NULL, "peers", "peers '%s' and '%s' have the same "
					       "address", q->peers[k].id, q->peers[i].id);
		}
	}
	/* DESIGN.md: two voters cannot keep a majority when one fails, so a 2-node quorum would
	 * lose the VIP on any failure; a witness is the fix. */
	if (q->n_peers == 1)
		validate_error(v, "quorum", NULL, "peers", "a quorum of 2 members cannot survive the loss "
			       "of either (a majority of 2 is 2): add a witness node (witness = yes on a "
			       "third host) and list it in peers");
	if (q->secret_file && (why = files_check_secret(q->secret_file, buf, sizeof(buf))))
		validate_error(v, "quorum", NULL, "secret_file", "%s", why);
}

static void validate_checks(struct validate *v)
{
	const struct conf *c = v->c;

	for (size_t i = 0; i < c->n_checks; i++) {
		const struct conf_check *k = &c->checks[i];
		const char *type = k->kind == CONF_CHECK_SCRIPT ? "vrrp_script" : "pg_check";

		for (size_t j = 0; j < i; j++)
			if (strcmp(c->checks[j].name, k->name) == 0)
				validate_error(v, type, k->name, NULL, "the name is also used by [%s %s]; "
					       "track_script needs unique names",
					       c->checks[j].kind == CONF_CHECK_SCRIPT ? "vrrp_script" : "pg_check",
					       k->name);
		if (k->kind == CONF_CHECK_SCRIPT)
			validate_cmd(v, type, k->name, "script", &k->script,
				     k->user ? k->user : c->global.script_user);
	}
}

static void validate_tracks(struct validate *v, struct conf_instance *in)
{
	for (size_t t = 0; t < in->n_track_scripts; t++) {
		struct conf_track *tr = &in->track_scripts[t];

		tr->check = conf_check_find(v->c, tr->name);
		if (!tr->check)
			validate_error(v, "vrrp_instance", in->name, "track_script", "'%s' is not a defined "
				       "[vrrp_script] or [pg_check]", tr->name);
		if (in->priority == 255 && tr->check && (tr->weight_set ? tr->weight : tr->check->weight))
			validate_error(v, "vrrp_instance", in->name, "track_script", "priority 255 (address "
				       "owner) cannot be changed by weights; '%s' has a weight", tr->name);
	}
	for (size_t t = 0; t < in->n_track_ifs; t++)
		if (in->priority == 255 && in->track_ifs[t].weight)
			validate_error(v, "vrrp_instance", in->name, "track_interface", "priority 255 (address "
				       "owner) cannot be changed by weights");
	for (size_t t = 0; t < in->n_track_files; t++)
		if (in->priority == 255 && in->track_files[t].weight)
			validate_error(v, "vrrp_instance", in->name, "track_file", "priority 255 (address "
				       "owner) cannot be changed by weights");
	for (size_t t = 0; t < in->n_track_files; t++)
		if (in->track_files[t].name[0] != '/')
			validate_error(v, "vrrp_instance", in->name, "track_file", "'%s' is not an absolute "
				       "path", in->track_files[t].name);
}

static void validate_unicast(struct validate *v, const struct conf_instance *in)
{
	char buf[64];

	if (in->unicast_src_set && in->unicast_src.family != in->family)
		validate_error(v, "vrrp_instance", in->name, "unicast_src_ip", "%s is not of the VIPs' "
			       "address family", conf_addr_str(&in->unicast_src, buf, sizeof(buf)));
	for (size_t p = 0; p < in->n_unicast_peers; p++)
		if (in->unicast_peers[p].family != in->family)
			validate_error(v, "vrrp_instance", in->name, "unicast_peer", "%s is not of the VIPs' "
				       "address family", conf_addr_str(&in->unicast_peers[p], buf, sizeof(buf)));
}

static void validate_instance(struct validate *v, size_t i)
{
	struct conf_instance *in = &((struct conf *)v->c)->instances[i];
	const struct conf *c = v->c;

	for (size_t j = 0; j < i; j++) {
		const struct conf_instance *o = &c->instances[j];

		if (in->vrid && o->vrid == in->vrid && o->family == in->family && o->interface && in->interface &&
		    strcmp(o->interface, in->interface) == 0)
			validate_error(v, "vrrp_instance", in->name, "virtual_router_id", "VRID %u on %s "
				       "(IPv%d) is also used by instance '%s'", in->vrid, in->interface,
				       in->family == AF_INET ? 4 : 6, o->name);
	}
	if (in->nopreempt && in->state == CONF_STATE_MASTER)
		validate_error(v, "vrrp_instance", in->name, "nopreempt", "nopreempt needs state = BACKUP "
			       "(as keepalived)");
	if (in->quorum && !c->quorum)
		validate_error(v, "vrrp_instance", in->name, "quorum", "quorum = yes needs a [quorum] section");
	if (in->quorum && c->quorum && c->quorum->witness)
		validate_error(v, "vrrp_instance", in->name, "quorum", "this node is a witness (votes only, "
			       "holds no VIP); it cannot run a gated instance");
	validate_tracks(v, in);
	validate_unicast(v, in);
	for (size_t h = 0; h < CONF_HOOK_COUNT; h++)
		validate_cmd(v, "vrrp_instance", in->name, conf_hook_name(h), &in->hooks[h],
			     c->global.script_user);
}

static void validate_groups(struct validate *v)
{
	struct conf *c = (struct conf *)v->c;

	for (size_t g = 0; g < c->n_groups; g++) {
		struct conf_group *gr = &c->groups[g];

		for (size_t m = 0; m < gr->n_members; m++) {
			struct conf_instance *in = (struct conf_instance *)conf_instance_find(c, gr->members[m]);

			if (!in)
				validate_error(v, "vrrp_sync_group", gr->name, "group", "'%s' is not a defined "
					       "[vrrp_instance]", gr->members[m]);
			else if (in->sync_group)
				validate_error(v, "vrrp_sync_group", gr->name, "group", "instance '%s' is "
					       "already in group '%s'", in->name, in->sync_group);
			else
				in->sync_group = xstrdup(gr->name);
		}
		for (size_t h = 0; h < CONF_HOOK_COUNT; h++)
			validate_cmd(v, "vrrp_sync_group", gr->name, conf_hook_name(h), &gr->hooks[h],
				     c->global.script_user);
	}
}

void validate_conf(struct conf *c, const struct scan *s, struct conf_diags *diags)
{
	struct validate v = {.c = c, .s = s, .diags = diags};

	if (c->quorum && !c->quorum->node_id) {
		c->quorum->node_id = xstrdup(c->global.router_id);
		if (!val_node_name_ok(c->quorum->node_id))
			validate_error(&v, "quorum", NULL, "node_id", "router_id '%s' cannot name a quorum "
				       "member (letters, digits, '.', '_', ':' and '-', not first): set "
				       "node_id", c->quorum->node_id);
	}
	validate_quorum(&v);
	validate_checks(&v);
	for (size_t i = 0; i < c->n_instances; i++)
		validate_instance(&v, i);
	validate_groups(&v);
}
