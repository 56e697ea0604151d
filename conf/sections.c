/* [global], [quorum], [vrrp_script], [pg_check] and [vrrp_sync_group]: defaults and ranges (the
 * keys each accepts: schema.c). Defaults and ranges follow keepalived 2.2.7 where keepalived has
 * the option. */
#include "conf/conf-int.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

/* "USER [GROUP]" as keepalived's script_user and vrrp_script user; both must exist. */
static void sections_user(struct conf_reader *r, const char *key, char **user, char **group)
{
	const char *v = reader_raw(r, key);
	size_t n;
	char **w;

	*user = *group = NULL;
	if (!v)
		return;
	w = val_list(v, &n);
	if (n < 1 || n > 2)
		reader_error(r, key, "'%s' is not USER or USER GROUP", v);
	else if (!getpwnam(w[0]))
		reader_error(r, key, "no such user '%s'", w[0]);
	else if (n == 2 && !getgrnam(w[1]))
		reader_error(r, key, "no such group '%s'", w[1]);
	else {
		*user = xstrdup(w[0]);
		*group = n == 2 ? xstrdup(w[1]) : NULL;
	}
	val_strv_free(w);
}

static char *sections_abs_path(struct conf_reader *r, const char *key)
{
	const char *v = reader_raw(r, key);

	if (!v)
		return NULL;
	if (v[0] != '/') {
		reader_error(r, key, "'%s' is not an absolute path", v);
		return NULL;
	}
	return xstrdup(v);
}

void section_global(struct conf_reader *r, struct conf *c)
{
	struct conf_global *g = &c->global;
	char host[256] = "localhost";

	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "localhost");
	free(g->router_id);
	g->router_id = reader_str(r, "router_id", host);
	if (!val_name_ok(g->router_id))
		reader_error(r, "router_id", "'%s' is not a name (1 to 63 printable characters, no blanks or quotes)",
			     g->router_id);
	if (reader_raw(r, "script_user")) {
		char *user, *group;

		sections_user(r, "script_user", &user, &group);
		if (user) {
			free(g->script_user);
			g->script_user = user;
			g->script_group = group;
			g->script_user_set = true;
		}
	}
	g->enable_script_security = reader_bool(r, "enable_script_security", false);
	g->notify_fifo = sections_abs_path(r, "notify_fifo");
	g->metrics_listen_set = reader_listen(r, "metrics_listen", &g->metrics_listen);
}

static void sections_peers(struct conf_reader *r, struct conf_quorum *q)
{
	size_t n;
	char **w = reader_list(r, "peers", &n);

	if (!n)
		reader_error(r, "peers", "names no peer");
	q->peers = xcalloc(n, sizeof(*q->peers));
	for (size_t i = 0; i < n; i++) {
		char *at = strchr(w[i], '@');
		struct conf_peer *p = &q->peers[q->n_peers];
		const char *why;

		if (!at || at == w[i]) {
			reader_error(r, "peers", "'%s' is not ID@ADDRESS:PORT", w[i]);
			continue;
		}
		*at = '\0';
		if (!val_node_name_ok(w[i])) {
			reader_error(r, "peers", "'%s' is not a node name (letters, digits, '.', '_', "
				     "':' and '-', not first)", w[i]);
			continue;
		}
		why = val_sockaddr(at + 1, &p->addr);
		if (why) {
			reader_error(r, "peers", "peer '%s': '%s' is %s", w[i], at + 1, why);
			continue;
		}
		p->id = xstrdup(w[i]);
		q->n_peers++;
	}
	val_strv_free(w);
}

void section_quorum(struct conf_reader *r, struct conf *c)
{
	struct conf_quorum *q = xcalloc(1, sizeof(*q));

	c->quorum = q;
	q->node_id = reader_raw(r, "node_id") ? reader_str(r, "node_id", NULL) : NULL;
	if (q->node_id && !val_node_name_ok(q->node_id))
		reader_error(r, "node_id", "'%s' is not a node name (letters, digits, '.', '_', ':' "
			     "and '-', not first)", q->node_id);
	if (reader_require(r, "bind"))
		reader_sockaddr(r, "bind", &q->bind);
	if (reader_require(r, "peers"))
		sections_peers(r, q);
	q->witness = reader_bool(r, "witness", false);
	if (reader_require(r, "secret_file"))
		q->secret_file = sections_abs_path(r, "secret_file");
	q->heartbeat_interval = reader_seconds(r, "heartbeat_interval", 0.2, 0.01, 10);
	q->election_timeout = reader_seconds(r, "election_timeout", 2, 0.05, 120);
	if (q->election_timeout < 3 * q->heartbeat_interval)
		reader_error(r, reader_raw(r, "election_timeout") ? "election_timeout" : "heartbeat_interval",
			     "election_timeout (%g s) must be at least 3 x heartbeat_interval (%g s), so that "
			     "one lost heartbeat does not start an election",
			     q->election_timeout, q->heartbeat_interval);
}

/* keepalived's "weight N [reverse]". */
static void sections_weight(struct conf_reader *r, struct conf_check *k)
{
	const char *v = reader_raw(r, "weight"), *why;
	size_t n;
	char **w;
	long out;

	if (!v)
		return;
	w = val_list(v, &n);
	if (n < 1 || n > 2 || (n == 2 && strcmp(w[1], "reverse"))) {
		reader_error(r, "weight", "'%s' is not a weight (-253 to 253, optionally followed by reverse)", v);
	} else if ((why = val_long(w[0], -253, 253, &out))) {
		reader_error(r, "weight", "'%s' is %s (-253 to 253)", w[0], why);
	} else {
		k->weight = (int)out;
		k->reverse = n == 2;
	}
	val_strv_free(w);
}

static void sections_pg(struct conf_reader *r, struct conf_check *k)
{
	char *err = NULL;
	PQconninfoOption *opts;

	if (reader_require(r, "conninfo")) {
		k->conninfo = reader_str(r, "conninfo", NULL);
		opts = PQconninfoParse(k->conninfo, &err);
		if (!opts) {
			char *nl = err ? strchr(err, '\n') : NULL;

			if (nl)
				*nl = '\0';
			reader_error(r, "conninfo", "libpq cannot parse it: %s", err ? err : "out of memory");
		}
		PQconninfoFree(opts);
		PQfreemem(err);
	}
	k->max_lag = reader_bytes(r, "max_lag", 0);
}

void section_check(struct conf_reader *r, struct conf *c, enum conf_check_kind kind)
{
	struct conf_check *k;

	k = XAPPEND(c->checks, c->n_checks);
	k->kind = kind;
	k->name = xstrdup(r->sec->name);
	k->interval = reader_seconds(r, "interval", 1, 0.01, 3600);
	k->timeout = reader_seconds(r, "timeout", kind == CONF_CHECK_PG ? 2 : 0, 0, 3600);
	k->rise = reader_uint(r, "rise", 1, 1, 1000);
	k->fall = reader_uint(r, "fall", kind == CONF_CHECK_PG ? 3 : 1, 1, 1000);
	sections_weight(r, k);
	if (kind == CONF_CHECK_SCRIPT) {
		if (reader_require(r, "script"))
			reader_cmd(r, "script", &k->script);
		sections_user(r, "user", &k->user, &k->group);
	} else {
		sections_pg(r, k);
	}
}

void section_group(struct conf_reader *r, struct conf *c)
{
	static const enum conf_hook hooks[] = {CONF_HOOK_NOTIFY_MASTER, CONF_HOOK_NOTIFY_BACKUP,
					       CONF_HOOK_NOTIFY_FAULT, CONF_HOOK_NOTIFY_STOP,
					       CONF_HOOK_NOTIFY};
	struct conf_group *g;

	g = XAPPEND(c->groups, c->n_groups);
	g->name = xstrdup(r->sec->name);
	if (reader_require(r, "group")) {
		g->members = reader_list(r, "group", &g->n_members);
		if (!g->n_members)
			reader_error(r, "group", "names no instance");
	}
	reader_hooks(r, hooks, ARRAY_SIZE(hooks), g->hooks);
	g->notify_timeout = reader_seconds(r, "notify_timeout", 10, 0.1, 3600);
}
