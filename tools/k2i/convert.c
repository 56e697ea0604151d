/* keepalived.conf to keepquorum.ini (convert.h). keepquorum.ini(5) names, for every key, the
 * keepalived option it mirrors: this file is that table turned around. What keepalived's VRRP
 * side has and keepquorum has not is dropped and listed, never guessed at. */
#include "tools/k2i/convert-int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "tools/k2i/kconf-int.h"

void k2i_str_add(struct k2i_str *b, const char *s)
{
	size_t n = strlen(s);

	XGROW(b->s, b->len + n, b->cap);
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

void k2i_str_item(struct k2i_str *b, const char *s)
{
	if (b->len)
		k2i_str_add(b, ", ");
	k2i_str_add(b, s);
}

void k2i_put(struct k2i *k, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	k2i_str_add(&k->ini, s);
	free(s);
}

void k2i_drop(struct k2i *k, const struct kconf_node *n, const char *why)
{
	kconf_error_add(&k->out->dropped, n->file, n->line, "%s: %s", n->words[0], why);
}

/* The words from i on, joined by blanks. */
char *k2i_join(const struct kconf_node *n, size_t from)
{
	struct k2i_str b = {NULL, 0, 0};

	k2i_str_add(&b, "");
	for (size_t i = from; i < n->n_words; i++) {
		if (i > from)
			k2i_str_add(&b, " ");
		k2i_str_add(&b, n->words[i]);
	}
	return b.s;
}

/* "key = value" from a statement of one value; false (dropped) when it has none. */
bool k2i_one(struct k2i *k, const struct kconf_node *n, const char *key)
{
	if (n->n_words < 2) {
		k2i_drop(k, n, "has no value");
		return false;
	}
	if (n->n_words > 2)
		k2i_drop(k, n, "only its first value is converted");
	k2i_put(k, "%s = %s\n", key, n->words[1]);
	return true;
}

/* keepalived finds a command without a '/' in PATH when it loads the file; keepquorum wants the
 * absolute path: the one found here, or NULL. */
static char *k2i_which(const char *prog, size_t len)
{
	const char *path = getenv("PATH");
	char *dirs, *save = NULL, *found = NULL;

	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	dirs = xstrdup(path);
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *f = xasprintf("%s/%.*s", d, (int)len, prog);

		if (d[0] == '/' && access(f, X_OK) == 0)
			found = f;
		else
			free(f);
	}
	free(dirs);
	return found;
}

/* A command and keepalived's optional user and group after it: a check's user is its own
 * (user_key), a hook's must be script_user's (it runs as that). */
void k2i_command(struct k2i *k, const struct kconf_node *n, const char *key, const char *user_key)
{
	const char *cmd;
	size_t len;
	char *abs;

	if (n->n_words < 2) {
		k2i_drop(k, n, "has no command");
		return;
	}
	if (n->n_words > 3)
		k2i_drop(k, n, "the group after the user is not taken: scripts run with the user's own");
	if (n->n_words > 2 && user_key)
		k2i_put(k, "%s = %s\n", user_key, n->words[2]);
	else if (n->n_words > 2 && (!k->script_user || strcmp(n->words[2], k->script_user)))
		k2i_drop(k, n, "a user of its own is not taken: hooks run as script_user");
	cmd = n->words[1];
	cmd += strspn(cmd, " \t");
	len = strcspn(cmd, " \t");
	if (memchr(cmd, '/', len) || !len) {
		k2i_put(k, "%s = %s\n", key, cmd);
		return;
	}
	abs = k2i_which(cmd, len);
	if (!abs) {
		k2i_drop(k, n, "the command is not in PATH here, and keepquorum needs its absolute path");
		k2i_put(k, "%s = %s\n", key, cmd);
		return;
	}
	k2i_put(k, "%s = %s%s\n", key, abs, cmd + len);
	free(abs);
}

void k2i_other(struct k2i *k, enum k2i_where where, const struct kconf_node *n, const char *dflt)
{
	const struct k2i_compat *c = k2i_compat_find(where, n->words[0]);

	if (!c)
		k2i_drop(k, n, dflt);
	else if (c->verdict == K2I_NO)
		k2i_drop(k, n, c->note);
	else if (strcmp(c->ini, "-"))
		k2i_drop(k, n, "has no value"); /* a key it becomes, but not written: malformed */
}

/* keepalived's mail and SNMP settings, not all of them in compat.def */
static bool k2i_mail_or_snmp(const char *kw)
{
	return !strncmp(kw, "smtp_", 5) || !strncmp(kw, "notification_email", 18) ||
	       !strncmp(kw, "enable_snmp", 11) || !strcmp(kw, "enable_traps");
}

static void k2i_global(struct k2i *k, const struct kconf_node *g)
{
	k2i_put(k, "[global]\n");
	for (size_t i = 0; i < g->n_kids; i++) {
		const struct kconf_node *n = &g->kids[i];
		const char *kw = n->words[0];

		if (!strcmp(kw, "router_id"))
			k2i_one(k, n, "router_id");
		else if (!strcmp(kw, "script_user")) {
			if (n->n_words > 2)
				k2i_drop(k, n, "the group is not taken: scripts run with the user's own");
			if (n->n_words > 1) {
				k2i_put(k, "script_user = %s\n", n->words[1]);
				k->script_user = n->words[1];
			}
		} else if (!strcmp(kw, "enable_script_security"))
			k2i_put(k, "enable_script_security = yes\n");
		else if (!strcmp(kw, "notify_fifo") || !strcmp(kw, "vrrp_notify_fifo")) {
			if (n->n_words > 2)
				k2i_drop(k, n, "the user and group after the path are not taken");
			if (n->n_words > 1)
				k2i_put(k, "notify_fifo = %s\n", n->words[1]);
		} else if (!strcmp(kw, "vrrp_version") && n->n_words > 1)
			k->version = n->words[1];
		else if (!strcmp(kw, "vrrp_garp_master_delay") && n->n_words > 1)
			k->garp_delay = n->words[1];
		else if (!strcmp(kw, "vrrp_garp_master_repeat") && n->n_words > 1)
			k->garp_repeat = n->words[1];
		else if (!strcmp(kw, "vrrp_garp_master_refresh") && n->n_words > 1)
			k->garp_refresh = n->words[1];
		else
			k2i_other(k, K2I_GLOBAL, n, k2i_mail_or_snmp(kw) ?
				  "keepquorum sends no mail and has no SNMP: it logs to the journal "
				  "and serves metrics" : "keepquorum has no such setting");
	}
	k2i_put(k, "\n");
}

static void k2i_script(struct k2i *k, const struct kconf_node *s)
{
	static const char *const same[] = {"interval", "timeout", "rise", "fall", NULL};

	if (s->n_words != 2) {
		k2i_drop(k, s, "needs exactly one name");
		return;
	}
	k2i_put(k, "[vrrp_script %s]\n", s->words[1]);
	for (size_t i = 0; i < s->n_kids; i++) {
		const struct kconf_node *n = &s->kids[i];
		const char *kw = n->words[0];
		bool done = false;

		for (size_t j = 0; same[j] && !done; j++)
			if (!strcmp(kw, same[j]))
				done = k2i_one(k, n, kw) || true;
		if (done)
			continue;
		if (!strcmp(kw, "script"))
			k2i_command(k, n, "script", kconf_find(s, "user") ? NULL : "user");
		else if (!strcmp(kw, "weight")) {
			char *w = k2i_join(n, 1);

			k2i_put(k, "weight = %s\n", w);
			free(w);
		} else if (!strcmp(kw, "user")) {
			if (n->n_words > 2)
				k2i_drop(k, n, "the group is not taken: the script runs with the user's own");
			if (n->n_words > 1)
				k2i_put(k, "user = %s\n", n->words[1]);
		} else
			k2i_other(k, K2I_SCRIPT, n, "keepquorum's [vrrp_script] has no such option");
	}
	k2i_put(k, "\n");
}

/* A top-level track_file block: its file and weight are taken where an instance names it. */
static void k2i_track_file_block(struct k2i *k, const struct kconf_node *tf)
{
	for (size_t i = 0; i < tf->n_kids; i++) {
		const char *kw = tf->kids[i].words[0];

		if (strcmp(kw, "file") && strcmp(kw, "weight"))
			k2i_other(k, K2I_TRACKFILE, &tf->kids[i],
				  "keepquorum's track_file has no such option");
	}
}

static int k2i_track_file_cmp(const void *a, const void *b)
{
	const struct kconf_node *x = *(const struct kconf_node *const *)a;
	const struct kconf_node *y = *(const struct kconf_node *const *)b;
	int c = strcmp(x->words[1], y->words[1]);

	/* the root's kids are one array: their addresses are the file order */
	return c ? c : (x > y) - (x < y);
}

/* Sorted once, so that an instance's many track_file items do not each scan the whole file
 * (vrrp_track_file is keepalived's older name of the block). */
static void k2i_track_files_index(struct k2i *k)
{
	const struct kconf_node *root = &k->t->root;

	for (size_t i = 0; i < root->n_kids; i++) {
		const struct kconf_node *n = &root->kids[i];

		if ((!strcmp(n->words[0], "track_file") || !strcmp(n->words[0], "vrrp_track_file")) &&
		    n->n_words > 1)
			*XAPPEND(k->track_files, k->n_track_files) = n;
	}
	if (k->n_track_files)
		qsort(k->track_files, k->n_track_files, sizeof(*k->track_files), k2i_track_file_cmp);
}

const struct kconf_node *k2i_track_file_find(const struct k2i *k, const char *name)
{
	size_t lo = 0, hi = k->n_track_files;

	/* the lowest index whose name is not below name */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(k->track_files[mid]->words[1], name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < k->n_track_files && !strcmp(k->track_files[lo]->words[1], name)
		       ? k->track_files[lo] : NULL;
}

void k2i_convert(const struct kconf_tree *t, const char *source, struct k2i_result *out)
{
	struct k2i k = {.t = t, .out = out};
	const struct kconf_node *root = &t->root, *g = kconf_find(root, "global_defs");

	memset(out, 0, sizeof(*out));
	k2i_track_files_index(&k);
	k2i_put(&k, "; converted by keepalived-to-ini %s from %s\n; the quorum is not configured "
		"(keepalived had none): keepalived-to-ini(1) shows how to add [quorum]\n\n",
		PACKAGE_VERSION, source);
	/* global_defs first: its vrrp_version and vrrp_garp_* apply to the instances */
	if (g)
		k2i_global(&k, g);
	for (size_t i = 0; i < root->n_kids; i++) {
		const struct kconf_node *n = &root->kids[i];
		const char *kw = n->words[0];

		if (!strcmp(kw, "global_defs"))
			continue;
		if (!strcmp(kw, "vrrp_script"))
			k2i_script(&k, n);
		else if (!strcmp(kw, "vrrp_instance"))
			k2i_instance(&k, n);
		else if (!strcmp(kw, "vrrp_sync_group"))
			k2i_group(&k, n);
		else if (!strcmp(kw, "track_file") || !strcmp(kw, "vrrp_track_file"))
			k2i_track_file_block(&k, n);
		else
			k2i_other(&k, K2I_TOP, n, "keepquorum has no such section");
	}
	out->ini = k.ini.s;
	free(k.track_files);
}

void k2i_result_free(struct k2i_result *r)
{
	free(r->ini);
	kconf_errors_free(&r->dropped);
	r->ini = NULL;
}
