/* conf_load(): file → scanner (lines, case, duplicates) + iniparser (values) → typed sections →
 * whole-file validation. All problems are collected; a config is returned only if there is none. */
#include "conf/conf-int.h"

#include <errno.h>
#include <iniparser/iniparser.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/util.h"

/* A config larger than this is not a config (and must not make us allocate without bound). */
#define LOAD_MAX_BYTES (4u << 20)

static const char *const load_hook_names[CONF_HOOK_COUNT] = {
	[CONF_HOOK_PROMOTE] = "promote",
	[CONF_HOOK_DEMOTE] = "demote",
	[CONF_HOOK_NOTIFY_MASTER] = "notify_master",
	[CONF_HOOK_NOTIFY_BACKUP] = "notify_backup",
	[CONF_HOOK_NOTIFY_FAULT] = "notify_fault",
	[CONF_HOOK_NOTIFY_STOP] = "notify_stop",
	[CONF_HOOK_NOTIFY] = "notify",
};

const char *conf_hook_name(enum conf_hook h)
{
	return h < CONF_HOOK_COUNT ? load_hook_names[h] : "?";
}

/* iniparser reports through a global printf-like callback; keep its first message. */
static char load_ini_error[512];

static int load_ini_errback(const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!load_ini_error[0])
		snprintf(load_ini_error, sizeof(load_ini_error), "%s", msg);
	return 0;
}

static void load_defaults(struct conf *c)
{
	char host[256] = "localhost";

	if (gethostname(host, sizeof(host) - 1) < 0)
		strcpy(host, "localhost");
	c->global.router_id = xstrdup(host);
	/* keepalived: scripts run as keepalived_script when that user exists, else as root. */
	c->global.script_user = xstrdup(getpwnam("keepalived_script") ? "keepalived_script" : "root");
}

static void load_section(struct conf_reader *r, struct conf *c)
{
	const struct scan_section *sec = r->sec;
	const struct conf_schema_section *schema = conf_schema_find(sec->type);

	if (!schema) {
		reader_error(r, NULL, "unknown section type '%s' (known: global, quorum, vrrp_script, "
			     "pg_check, vrrp_instance, vrrp_sync_group)", sec->type);
		return;
	}
	if (schema->named && !sec->name) {
		reader_error(r, NULL, "needs a name: [%s NAME]", sec->type);
		return;
	}
	if (schema->named && !val_name_ok(sec->name)) {
		reader_error(r, NULL, "'%s' is not a name (1 to 63 printable characters, no blanks or quotes)",
			     sec->name);
		return;
	}
	if (!schema->named && sec->name) {
		reader_error(r, NULL, "[%s] takes no name", sec->type);
		return;
	}
	reader_check_keys(r, schema->keys);
	if (!strcmp(sec->type, "global"))
		section_global(r, c);
	else if (!strcmp(sec->type, "quorum"))
		section_quorum(r, c);
	else if (!strcmp(sec->type, "vrrp_script"))
		section_check(r, c, CONF_CHECK_SCRIPT);
	else if (!strcmp(sec->type, "pg_check"))
		section_check(r, c, CONF_CHECK_PG);
	else if (!strcmp(sec->type, "vrrp_instance"))
		section_instance(r, c);
	else
		section_group(r, c);
}

/* iniparser 4.1 reads only from a path: give it the scanned text, with the lines the scanner
 * found broken blanked, through a memfd. It then reads exactly what was scanned (no second read
 * of a file that may have changed) and the rest of a broken file is still checked. */
static dictionary *load_dict(const struct scan *scan, const char *text)
{
	char *clean = scan_clean_text(scan, text), fdpath[64];
	size_t len = strlen(clean), done = 0;
	dictionary *dict = NULL;
	int fd;

	fd = memfd_create("keepquorum.ini", MFD_CLOEXEC);
	if (fd < 0)
		goto out;
	while (done < len) {
		ssize_t n = write(fd, clean + done, len - done);

		if (n <= 0)
			goto out_close;
		done += (size_t)n;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	load_ini_error[0] = '\0';
	iniparser_set_error_callback(load_ini_errback);
	dict = iniparser_load(fdpath);
	iniparser_set_error_callback(NULL);
out_close:
	close(fd);
out:
	free(clean);
	return dict;
}

static int load_text(const char *path, const char *text, struct conf *c, struct conf_diags *diags)
{
	struct scan scan;
	dictionary *dict;
	int before = (int)diags->n;

	scan_text(path, text, &scan, diags);
	dict = load_dict(&scan, text);
	if (!dict) {
		/* The scanner reads as iniparser does, so it has normally said why already. */
		if ((int)diags->n == before)
			conf_diags_add(diags, path, 0, NULL, NULL, "iniparser cannot read it: %s",
				       load_ini_error[0] ? load_ini_error : strerror(errno));
		scan_free(&scan);
		return -EINVAL;
	}
	/* [global] first: other sections' defaults depend on it. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < scan.n_secs; i++) {
			struct conf_reader r = {.file = path, .dict = dict, .sec = &scan.secs[i],
						.diags = diags};

			if (!scan.secs[i].duplicate &&
			    (strcmp(scan.secs[i].type, "global") == 0) == (pass == 0))
				load_section(&r, c);
		}
	}
	validate_conf(c, &scan, diags);
	iniparser_freedict(dict);
	scan_free(&scan);
	return (int)diags->n == before ? 0 : -EINVAL;
}

struct load_order {
	unsigned line;
	size_t idx;
};

static int load_cmp_line(const void *a, const void *b)
{
	const struct load_order *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Problems in file order; those of one line keep the order they were found in. */
static void load_sort(struct conf_diags *diags)
{
	struct load_order *o;
	struct conf_diag *v;

	if (diags->n < 2)
		return;
	o = xcalloc(diags->n, sizeof(*o));
	for (size_t i = 0; i < diags->n; i++)
		o[i] = (struct load_order){.line = diags->v[i].line, .idx = i};
	qsort(o, diags->n, sizeof(*o), load_cmp_line);
	v = xcalloc(diags->n, sizeof(*v));
	for (size_t i = 0; i < diags->n; i++)
		v[i] = diags->v[o[i].idx];
	memcpy(diags->v, v, diags->n * sizeof(*v));
	free(v);
	free(o);
}

int conf_load(const char *path, struct conf **out, struct conf_diags *diags)
{
	return conf_load_flags(path, 0, out, diags);
}

int conf_load_flags(const char *path, unsigned flags, struct conf **out, struct conf_diags *diags)
{
	struct conf *c;
	size_t len = 0;
	char *text, *nul;
	int r;

	*out = NULL;
	r = util_read_regular_file(path, LOAD_MAX_BYTES, &text, &len);
	if (r < 0) {
		conf_diags_add(diags, path, 0, NULL, NULL, "cannot read: %s",
			       r == -EFBIG ? "larger than 4 MiB, not a config file" : util_read_error(r));
		return r == -EFBIG ? -EINVAL : r;
	}
	nul = memchr(text, '\0', len);
	if (nul) {
		unsigned line = 1;

		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		conf_diags_add(diags, path, line, NULL, NULL, "contains a NUL byte: not a text file");
		free(text);
		return -EINVAL;
	}
	c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	load_defaults(c);
	r = load_text(path, text, c, diags);
	free(text);
	load_sort(diags);
	if (r < 0 && !(flags & CONF_LOAD_PARTIAL)) {
		conf_free(c);
		return r;
	}
	*out = c;
	return r;
}

const struct conf_instance *conf_instance_find(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_instances; i++)
		if (strcmp(c->instances[i].name, name) == 0)
			return &c->instances[i];
	return NULL;
}

const struct conf_check *conf_check_find(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_checks; i++)
		if (strcmp(c->checks[i].name, name) == 0)
			return &c->checks[i];
	return NULL;
}

static void load_free_check(struct conf_check *k)
{
	free(k->name);
	conf_cmd_free(&k->script);
	free(k->user);
	free(k->group);
	free(k->conninfo);
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->global.router_id);
	free(c->global.script_user);
	free(c->global.script_group);
	free(c->global.notify_fifo);
	if (c->quorum) {
		free(c->quorum->node_id);
		for (size_t i = 0; i < c->quorum->n_peers; i++)
			free(c->quorum->peers[i].id);
		free(c->quorum->peers);
		free(c->quorum->secret_file);
		free(c->quorum);
	}
	for (size_t i = 0; i < c->n_checks; i++)
		load_free_check(&c->checks[i]);
	free(c->checks);
	for (size_t i = 0; i < c->n_instances; i++)
		conf_instance_free(&c->instances[i]);
	free(c->instances);
	for (size_t i = 0; i < c->n_groups; i++) {
		free(c->groups[i].name);
		val_strv_free(c->groups[i].members);
		for (size_t h = 0; h < CONF_HOOK_COUNT; h++)
			conf_cmd_free(&c->groups[i].hooks[h]);
	}
	free(c->groups);
	free(c);
}
