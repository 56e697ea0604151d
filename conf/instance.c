/* [vrrp_instance NAME]: keepalived's vrrp_instance, key for key (the keys: schema.c), defaults and
 * ranges as keepalived 2.2.7 (RFC 3768 / RFC 5798 limits). */
#include "conf/conf-int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

static const char *const instance_scopes[] = {"global", "site", "link", "host", "nowhere", NULL};

/* One VIP entry's options: dev IF, label L, brd ADDR (or broadcast), scope S. Returns how many
 * words it consumed after the address, or -1 after reporting. */
static int instance_vip_option(struct conf_reader *r, struct conf_vip *vip, char **w, size_t left)
{
	const char *opt = w[0];

	if (strcmp(opt, "dev") && strcmp(opt, "label") && strcmp(opt, "brd") &&
	    strcmp(opt, "broadcast") && strcmp(opt, "scope"))
		return 0;
	if (left < 2) {
		reader_error(r, "virtual_ipaddress", "'%s' needs a value", opt);
		return -1;
	}
	if (!strcmp(opt, "dev")) {
		free(vip->dev);
		vip->dev = xstrdup(w[1]);
	} else if (!strcmp(opt, "label")) {
		free(vip->label);
		vip->label = xstrdup(w[1]);
		if (strlen(w[1]) > 15) {
			reader_error(r, "virtual_ipaddress", "label '%s' is longer than 15 characters", w[1]);
			return -1;
		}
	} else if (!strcmp(opt, "scope")) {
		bool ok = false;

		for (const char *const *s = instance_scopes; *s && !ok; s++)
			ok = strcmp(*s, w[1]) == 0;
		if (!ok) {
			reader_error(r, "virtual_ipaddress", "scope '%s' is not global, site, link, host or nowhere",
				     w[1]);
			return -1;
		}
		free(vip->scope);
		vip->scope = xstrdup(w[1]);
	} else {
		if (conf_addr_parse(w[1], &vip->brd) < 0 || vip->brd.family != AF_INET) {
			reader_error(r, "virtual_ipaddress", "brd '%s' is not an IPv4 address", w[1]);
			return -1;
		}
		vip->brd_set = true;
	}
	return 2;
}

static void instance_vip_free(struct conf_vip *v)
{
	free(v->dev);
	free(v->label);
	free(v->scope);
	free(v->text);
}

/* "ADDR[/PREFIX] [dev IF] [label L] [brd B] [scope S], ADDR..." */
static void instance_vips(struct conf_reader *r, struct conf_instance *in)
{
	size_t n, i = 0;
	char **w;

	if (!reader_require(r, "virtual_ipaddress"))
		return;
	w = reader_list(r, "virtual_ipaddress", &n);
	in->vips = xcalloc(n, sizeof(*in->vips));
	while (i < n) {
		struct conf_vip *vip = &in->vips[in->n_vips];
		const char *why;
		bool has_prefix;
		size_t start = i;
		bool bad = false;
		int used;

		memset(vip, 0, sizeof(*vip));
		why = val_prefix(w[i], &vip->addr, &vip->prefix, &has_prefix);
		if (why) {
			reader_error(r, "virtual_ipaddress", "'%s' is %s", w[i], why);
			i++;
			continue;
		}
		/* options up to the next address; a bad one is reported and skipped with its value */
		for (i++; i < n && (used = instance_vip_option(r, vip, &w[i], n - i)) != 0; i += 2)
			bad |= used < 0;
		if (bad) {
			instance_vip_free(vip);
			continue;
		}
		vip->text = xstrdup(w[start]);
		for (size_t k = start + 1; k < i; k++) {
			char *t = xasprintf("%s %s", vip->text, w[k]);

			free(vip->text);
			vip->text = t;
		}
		in->n_vips++;
	}
	if (!n)
		reader_error(r, "virtual_ipaddress", "names no address");
	val_strv_free(w);
}

/* "NAME [weight N] [reverse], NAME ..." for track_interface, track_script and track_file. */
static struct conf_track *instance_tracks(struct conf_reader *r, const char *key, int wmax, size_t *count)
{
	struct conf_track *t;
	size_t n, i = 0;
	char **w = reader_list(r, key, &n);

	*count = 0;
	t = xcalloc(n, sizeof(*t));
	while (i < n) {
		struct conf_track *e = &t[*count];
		long weight;

		memset(e, 0, sizeof(*e));
		e->name = xstrdup(w[i++]);
		if (!strcmp(e->name, "weight") || !strcmp(e->name, "reverse")) {
			reader_error(r, key, "'%s' must follow a name", e->name);
			free(e->name);
			continue;
		}
		if (i < n && !strcmp(w[i], "weight")) {
			const char *why = i + 1 < n ? val_long(w[i + 1], -wmax, wmax, &weight) : "missing";

			if (why) {
				reader_error(r, key, "%s: weight %s is %s (%d to %d)", e->name,
					     i + 1 < n ? w[i + 1] : "", why, -wmax, wmax);
			} else {
				e->weight = (int)weight;
				e->weight_set = true;
			}
			i += 2;
		}
		if (i < n && !strcmp(w[i], "reverse")) {
			e->reverse = true;
			i++;
		}
		(*count)++;
	}
	val_strv_free(w);
	return t;
}

static void instance_auth(struct conf_reader *r, struct conf_instance *in)
{
	const char *type = reader_raw(r, "auth_type"), *pass = reader_raw(r, "auth_pass");

	if (type && strcasecmp(type, "PASS")) {
		if (!strcasecmp(type, "AH"))
			reader_error(r, "auth_type", "AH is not supported (it is deprecated by RFC 3768 and "
				     "rarely used); use PASS or none");
		else
			reader_error(r, "auth_type", "'%s' is not PASS", type);
		return;
	}
	if (type && !pass) {
		reader_error(r, "auth_type", "auth_type PASS needs auth_pass");
		return;
	}
	if (pass && !type) {
		reader_error(r, "auth_pass", "auth_pass needs auth_type = PASS");
		return;
	}
	if (!pass)
		return;
	if (!*pass || strlen(pass) > 8) {
		reader_error(r, "auth_pass", "must be 1 to 8 characters (RFC 3768 simple text password)");
		return;
	}
	strncpy(in->auth_pass, pass, sizeof(in->auth_pass));
	in->auth_pass_set = true;
}

static void instance_unicast(struct conf_reader *r, struct conf_instance *in)
{
	size_t n;
	char **w;

	in->unicast_src_set = reader_addr(r, "unicast_src_ip", &in->unicast_src);
	w = reader_list(r, "unicast_peer", &n);
	in->unicast_peers = xcalloc(n, sizeof(*in->unicast_peers));
	for (size_t i = 0; i < n; i++) {
		if (conf_addr_parse(w[i], &in->unicast_peers[in->n_unicast_peers]) < 0)
			reader_error(r, "unicast_peer", "'%s' is not an IPv4 or IPv6 address", w[i]);
		else
			in->n_unicast_peers++;
	}
	val_strv_free(w);
}

/* The advert family and version: keepalived's default is VRRPv2; IPv6 needs v3 (RFC 5798). */
static void instance_version(struct conf_reader *r, struct conf_instance *in)
{
	bool set = reader_raw(r, "version") != NULL;

	in->family = in->n_vips ? in->vips[0].addr.family : AF_INET;
	for (size_t i = 1; i < in->n_vips; i++) {
		if (in->vips[i].addr.family != in->family) {
			reader_error(r, "virtual_ipaddress", "mixes IPv4 and IPv6 addresses; a VRRP advert "
				     "carries one family (RFC 5798 5.2.9): use one instance per family");
			break;
		}
	}
	in->version = reader_uint(r, "version", in->family == AF_INET6 ? 3 : 2, 2, 3);
	if (in->family == AF_INET6 && in->version == 2)
		reader_error(r, set ? "version" : "virtual_ipaddress", "IPv6 addresses need VRRP version 3");
	if (in->version == 3 && in->auth_pass_set)
		reader_error(r, "auth_type", "VRRPv3 has no authentication (RFC 5798 9); use version = 2");
}

static void instance_timers(struct conf_reader *r, struct conf_instance *in)
{
	double iv = reader_seconds(r, "advert_int", 1, 0.01, 255);

	if (in->version == 2 && (iv < 1 || iv != floor(iv)))
		reader_error(r, "advert_int", "VRRPv2 advertises whole seconds (1 to 255); use version = 3 "
			     "for %g s", iv);
	else if (in->version == 3 && iv > 40.95)
		reader_error(r, "advert_int", "VRRPv3 allows at most 40.95 s (RFC 5798 5.2.7)");
	else if (in->version == 3 && fabs(iv * 100 - round(iv * 100)) > 1e-6)
		reader_error(r, "advert_int", "VRRPv3 advertises centiseconds; %g s is not a multiple of 0.01", iv);
	in->advert_int = iv;
	in->nopreempt = reader_bool(r, "nopreempt", false);
	in->preempt_delay = reader_seconds(r, "preempt_delay", 0, 0, 1000);
	in->garp_master_delay = reader_seconds(r, "garp_master_delay", 5, 0, 3600);
	in->garp_master_repeat = reader_uint(r, "garp_master_repeat", 5, 1, 1000);
	in->garp_master_refresh = reader_seconds(r, "garp_master_refresh", 0, 0, 86400);
}

void section_instance(struct conf_reader *r, struct conf *c)
{
	static const enum conf_hook hooks[] = {CONF_HOOK_PROMOTE, CONF_HOOK_DEMOTE,
		CONF_HOOK_NOTIFY_MASTER, CONF_HOOK_NOTIFY_BACKUP, CONF_HOOK_NOTIFY_FAULT,
		CONF_HOOK_NOTIFY_STOP, CONF_HOOK_NOTIFY};
	struct conf_instance *in;
	const char *state;

	in = XAPPEND(c->instances, c->n_instances);
	in->name = xstrdup(r->sec->name);
	state = reader_raw(r, "state");
	if (state && strcasecmp(state, "MASTER") && strcasecmp(state, "BACKUP"))
		reader_error(r, "state", "'%s' is not MASTER or BACKUP", state);
	in->state = state && !strcasecmp(state, "MASTER") ? CONF_STATE_MASTER : CONF_STATE_BACKUP;
	if (reader_require(r, "interface"))
		in->interface = reader_str(r, "interface", NULL);
	if (reader_require(r, "virtual_router_id"))
		in->vrid = reader_uint(r, "virtual_router_id", 0, 1, 255);
	in->priority = reader_uint(r, "priority", 100, 1, 255);
	instance_vips(r, in);
	instance_auth(r, in);
	instance_version(r, in);
	instance_timers(r, in);
	instance_unicast(r, in);
	/* keepalived's ranges: interface and file weights -254..254, script weights -253..253 */
	in->track_ifs = instance_tracks(r, "track_interface", 254, &in->n_track_ifs);
	in->track_scripts = instance_tracks(r, "track_script", 253, &in->n_track_scripts);
	in->track_files = instance_tracks(r, "track_file", 254, &in->n_track_files);
	in->quorum = reader_bool(r, "quorum", false);
	reader_hooks(r, hooks, ARRAY_SIZE(hooks), in->hooks);
	/* SPEC.md: 30 s for the database's hooks, 10 s for keepalived's */
	in->promote_timeout = reader_seconds(r, "promote_timeout", 30, 0.1, 3600);
	in->demote_timeout = reader_seconds(r, "demote_timeout", 30, 0.1, 3600);
	in->notify_timeout = reader_seconds(r, "notify_timeout", 10, 0.1, 3600);
}

void conf_instance_free(struct conf_instance *in)
{
	free(in->name);
	free(in->interface);
	for (size_t i = 0; i < in->n_vips; i++)
		instance_vip_free(&in->vips[i]);
	free(in->vips);
	free(in->unicast_peers);
	for (size_t i = 0; i < in->n_track_ifs; i++)
		free(in->track_ifs[i].name);
	for (size_t i = 0; i < in->n_track_scripts; i++)
		free(in->track_scripts[i].name);
	for (size_t i = 0; i < in->n_track_files; i++)
		free(in->track_files[i].name);
	free(in->track_ifs);
	free(in->track_scripts);
	free(in->track_files);
	for (size_t i = 0; i < CONF_HOOK_COUNT; i++)
		conf_cmd_free(&in->hooks[i]);
	free(in->sync_group);
}
