/* Reading typed values of one section. Every getter reports its own problem at the key's line
 * and returns the default, so a section's parser reads straight through and all problems of a
 * file are reported in one pass. */
#include "conf/conf-int.h"

#include <iniparser/iniparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

unsigned reader_key_line(const struct conf_reader *r, const char *key)
{
	for (size_t i = 0; i < r->sec->n_keys; i++)
		if (strcmp(r->sec->keys[i].key, key) == 0)
			return r->sec->keys[i].line;
	return r->sec->line;
}

void reader_error(struct conf_reader *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	conf_diags_add(r->diags, r->file, key ? reader_key_line(r, key) : r->sec->line,
		       r->sec->written, key, "%s", msg);
	free(msg);
	r->errors++;
}

void reader_check_keys(struct conf_reader *r, const char *const *known)
{
	for (size_t i = 0; i < r->sec->n_keys; i++) {
		const char *k = r->sec->keys[i].key;
		bool ok = false;

		for (const char *const *p = known; *p && !ok; p++)
			ok = strcmp(*p, k) == 0;
		if (!ok)
			reader_error(r, k, "unknown key in [%s]", r->sec->type);
	}
}

const char *reader_raw(const struct conf_reader *r, const char *key)
{
	char *sec = scan_dict_name(r->sec), *full = xasprintf("%s:%s", sec, key);
	const char *v = NULL;
	bool present = false;

	for (size_t i = 0; i < r->sec->n_keys && !present; i++)
		present = strcmp(r->sec->keys[i].key, key) == 0;
	if (present)
		v = iniparser_getstring((dictionary *)r->dict, full, NULL);
	free(full);
	free(sec);
	return v;
}

bool reader_require(struct conf_reader *r, const char *key)
{
	const char *v = reader_raw(r, key);

	if (v && *v)
		return true;
	if (v)
		reader_error(r, key, "must not be empty");
	else
		reader_error(r, NULL, "required key '%s' is missing", key);
	return false;
}

char *reader_str(struct conf_reader *r, const char *key, const char *def)
{
	const char *v = reader_raw(r, key);

	if (v && !*v) {
		reader_error(r, key, "must not be empty");
		v = NULL;
	}
	return xstrdup(v ? v : def);
}

bool reader_bool(struct conf_reader *r, const char *key, bool def)
{
	const char *v = reader_raw(r, key), *why;
	bool out;

	if (!v)
		return def;
	why = val_bool(v, &out);
	if (why) {
		reader_error(r, key, "'%s' is %s", v, why);
		return def;
	}
	return out;
}

int reader_int(struct conf_reader *r, const char *key, int def, int min, int max)
{
	const char *v = reader_raw(r, key), *why;
	long out;

	if (!v)
		return def;
	why = val_long(v, min, max, &out);
	if (why) {
		reader_error(r, key, "'%s' is %s (%d to %d)", v, why, min, max);
		return def;
	}
	return (int)out;
}

unsigned reader_uint(struct conf_reader *r, const char *key, unsigned def, unsigned min, unsigned max)
{
	return (unsigned)reader_int(r, key, (int)def, (int)min, (int)max);
}

double reader_seconds(struct conf_reader *r, const char *key, double def, double min, double max)
{
	const char *v = reader_raw(r, key), *why;
	double out;

	if (!v)
		return def;
	why = val_seconds(v, min, max, &out);
	if (why) {
		reader_error(r, key, "'%s' is %s (%g to %g seconds)", v, why, min, max);
		return def;
	}
	return out;
}

uint64_t reader_bytes(struct conf_reader *r, const char *key, uint64_t def)
{
	const char *v = reader_raw(r, key), *why;
	uint64_t out;

	if (!v)
		return def;
	why = val_bytes(v, &out);
	if (why) {
		reader_error(r, key, "'%s' is %s", v, why);
		return def;
	}
	return out;
}

bool reader_sockaddr(struct conf_reader *r, const char *key, struct conf_sockaddr *out)
{
	const char *v = reader_raw(r, key), *why;

	if (!v)
		return false;
	why = val_sockaddr(v, out);
	if (why) {
		reader_error(r, key, "'%s' is %s", v, why);
		return false;
	}
	return true;
}

bool reader_listen(struct conf_reader *r, const char *key, struct conf_sockaddr *out)
{
	const char *v = reader_raw(r, key), *why;

	if (!v)
		return false;
	why = val_listen(v, out);
	if (why) {
		reader_error(r, key, "'%s' is %s", v, why);
		return false;
	}
	return true;
}

bool reader_addr(struct conf_reader *r, const char *key, struct conf_addr *out)
{
	const char *v = reader_raw(r, key);

	if (!v)
		return false;
	if (conf_addr_parse(v, out) < 0) {
		reader_error(r, key, "'%s' is not an IPv4 or IPv6 address", v);
		return false;
	}
	return true;
}

bool reader_cmd(struct conf_reader *r, const char *key, struct conf_cmd *out)
{
	const char *v = reader_raw(r, key), *why;

	memset(out, 0, sizeof(*out));
	if (!v)
		return false;
	why = val_words(v, &out->argv, &out->argc);
	if (why) {
		reader_error(r, key, "'%s': %s", v, why);
		return false;
	}
	if (out->argv[0][0] != '/') {
		reader_error(r, key, "'%s' must start with an absolute path", out->argv[0]);
		val_strv_free(out->argv);
		out->argv = NULL;
		out->argc = 0;
		return false;
	}
	out->text = xstrdup(v);
	return true;
}

void reader_hooks(struct conf_reader *r, const enum conf_hook *which, size_t n, struct conf_cmd *cmds)
{
	for (size_t i = 0; i < n; i++)
		reader_cmd(r, conf_hook_name(which[i]), &cmds[which[i]]);
}

char **reader_list(struct conf_reader *r, const char *key, size_t *n)
{
	const char *v = reader_raw(r, key);

	*n = 0;
	if (!v)
		return NULL;
	return val_list(v, n);
}

void conf_cmd_free(struct conf_cmd *c)
{
	free(c->text);
	val_strv_free(c->argv);
	memset(c, 0, sizeof(*c));
}
