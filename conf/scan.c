/* The line scanner. iniparser gives values but neither line numbers nor the case names were
 * written in, and it silently merges duplicate sections and keys. This reads the text with
 * iniparser 4.1's own rules (comments, sections, key = value, backslash continuations, the
 * 1024-byte line buffer) and records where everything is, so that every problem can be reported
 * as FILE:LINE and nothing written twice is quietly lost. */
#include "conf/conf-int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

/* iniparser 4.1 reads with fgets(line, ASCIILINESZ = 1024): 1022 bytes and the newline fit; a
 * statement joined from continuation lines must fit in the same buffer. */
#define SCAN_LINE_MAX 1022

struct scan_state {
	const char *file;
	unsigned first, last; /* lines of the statement being read */
	struct scan *out;
	struct conf_diags *diags;
	size_t secs_cap, keys_cap;
	int errors;
};

static char *scan_trim(char *s)
{
	char *e;

	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void scan_lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void scan_mark_bad(struct scan_state *st)
{
	struct scan *out = st->out;

	out->bad = xgrow(out->bad, &out->bad_cap, out->n_bad + 1, sizeof(*out->bad));
	out->bad[out->n_bad][0] = st->first;
	out->bad[out->n_bad][1] = st->last;
	out->n_bad++;
}

static void scan_verror(struct scan_state *st, bool blank, unsigned line, const char *section,
			const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);

	conf_diags_add(st->diags, st->file, line, section, NULL, "%s", msg);
	free(msg);
	st->errors++;
	if (blank)
		scan_mark_bad(st);
}

/* A broken statement: reported, and blanked for iniparser. */
__attribute__((format(printf, 4, 5)))
static void scan_error(struct scan_state *st, unsigned line, const char *section, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	scan_verror(st, true, line, section, fmt, ap);
	va_end(ap);
}

/* A problem iniparser can still read through. */
__attribute__((format(printf, 4, 5)))
static void scan_error_keep(struct scan_state *st, unsigned line, const char *section, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	scan_verror(st, false, line, section, fmt, ap);
	va_end(ap);
}

/* Two sections are the same when type and name match ignoring case and blanks: iniparser
 * lower-cases both, and "[vrrp_instance  A]" is surely meant as "[vrrp_instance A]". */
static bool scan_same(const struct scan_section *a, const char *type, const char *name)
{
	return strcasecmp(a->type, type) == 0 &&
	       ((!a->name && !name) || (a->name && name && strcasecmp(a->name, name) == 0));
}

static void scan_section(struct scan_state *st, char *inner, unsigned line)
{
	struct scan *out = st->out;
	struct scan_section *sec;
	char *text = scan_trim(inner), *written = xstrdup(text), *sp, *name = NULL;
	bool duplicate = false;

	sp = strpbrk(text, " \t");
	if (sp) {
		*sp = '\0';
		name = scan_trim(sp + 1);
		if (!*name)
			name = NULL;
	}
	for (size_t i = 0; i < out->n_secs && !duplicate; i++) {
		if (scan_same(&out->secs[i], text, name)) {
			/* not blanked: iniparser merges it into the first, which is reported anyway */
			scan_error_keep(st, line, written, "defined twice (first at line %u%s)",
					out->secs[i].line, strcmp(out->secs[i].written, written) ?
					"; names are compared ignoring case" : "");
			duplicate = true;
		}
	}
	XGROW(out->secs, out->n_secs, st->secs_cap);
	st->keys_cap = 0;
	sec = &out->secs[out->n_secs++];
	memset(sec, 0, sizeof(*sec));
	sec->written = written;
	sec->line = line;
	sec->duplicate = duplicate;
	sec->type = xstrdup(text);
	scan_lower(sec->type);
	sec->name = xstrdup(name);
}

/* iniparser 4.1 takes a quoted value up to its closing quote and drops what follows: refuse
 * anything but a comment there, so nothing written is silently lost. */
static void scan_quoted(struct scan_state *st, unsigned line, const char *section, const char *key,
			const char *value)
{
	const char *end;

	while (isspace((unsigned char)*value))
		value++;
	if (*value != '"' && *value != '\'')
		return;
	end = strchr(value + 1, *value);
	if (!end)
		return;
	for (end++; isspace((unsigned char)*end); end++)
		;
	if (*end && *end != ';' && *end != '#') {
		conf_diags_add(st->diags, st->file, line, section, key,
			       "text after the closing quote ('%s') would be ignored", end);
		st->errors++;
	}
}

static void scan_key(struct scan_state *st, const char *stmt, unsigned line)
{
	struct scan_section *sec;
	const char *eq = strchr(stmt, '=');
	char *key, *t;

	if (!eq || eq == stmt) {
		scan_error(st, line, NULL, "syntax error: expected [section] or key = value, got '%s'",
			   stmt);
		return;
	}
	key = xstrndup(stmt, (size_t)(eq - stmt));
	t = scan_trim(key);
	memmove(key, t, strlen(t) + 1);
	if (!st->out->n_secs) {
		scan_error(st, line, NULL, "key '%s' is outside any [section]", key);
		free(key);
		return;
	}
	sec = &st->out->secs[st->out->n_secs - 1];
	scan_lower(key);
	for (size_t i = 0; i < sec->n_keys; i++) {
		if (strcmp(sec->keys[i].key, key) == 0) {
			char msg[64];

			snprintf(msg, sizeof(msg), "set twice (first at line %u)", sec->keys[i].line);
			conf_diags_add(st->diags, st->file, line, sec->written, key, "%s", msg);
			st->errors++;
			scan_mark_bad(st);
			free(key);
			return;
		}
	}
	scan_quoted(st, line, sec->written, key, eq + 1);
	XGROW(sec->keys, sec->n_keys, st->keys_cap);
	sec->keys[sec->n_keys].key = key;
	sec->keys[sec->n_keys].line = line;
	sec->n_keys++;
}

/* One logical statement (continuations joined), classified as iniparser does. */
static void scan_statement(struct scan_state *st, char *stmt, unsigned line)
{
	size_t len;

	stmt = scan_trim(stmt);
	len = strlen(stmt);
	if (len == 0 || stmt[0] == '#' || stmt[0] == ';')
		return;
	if (stmt[0] == '[' && stmt[len - 1] == ']') {
		stmt[len - 1] = '\0';
		if (!*scan_trim(stmt + 1) || strchr(stmt + 1, ']'))
			scan_error(st, line, NULL, "bad section header '[%s]'", stmt + 1);
		else
			scan_section(st, stmt + 1, line);
		return;
	}
	if (stmt[0] == '[') {
		scan_error(st, line, NULL, "bad section header '%s' (no closing ']')", stmt);
		return;
	}
	scan_key(st, stmt, line);
}

int scan_text(const char *file, const char *text, struct scan *out, struct conf_diags *diags)
{
	struct scan_state st = {.file = file, .out = out, .diags = diags};
	char *stmt = NULL;
	size_t stmt_len = 0;
	unsigned lineno = 0, stmt_line = 0;
	const char *p = text;

	memset(out, 0, sizeof(*out));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line;

		lineno++;
		if (n > SCAN_LINE_MAX) {
			st.first = st.last = lineno;
			scan_error(&st, lineno, NULL, "line is %zu bytes long; at most %d are allowed", n,
				   SCAN_LINE_MAX);
			p += n + (nl ? 1 : 0);
			continue;
		}
		line = xstrndup(p, n);
		p += n + (nl ? 1 : 0);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		/* trailing blanks, then a backslash continues the statement on the next line */
		while (n && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		if (!stmt_len)
			stmt_line = lineno;
		stmt = xrealloc(stmt, stmt_len + n + 1);
		memcpy(stmt + stmt_len, line, n + 1);
		stmt_len += n;
		free(line);
		if (stmt_len && stmt[stmt_len - 1] == '\\') {
			stmt[--stmt_len] = '\0';
			continue;
		}
		st.first = stmt_line;
		st.last = lineno;
		if (stmt_len > SCAN_LINE_MAX)
			scan_error(&st, stmt_line, NULL, "statement continued over lines %u-%u is %zu bytes "
				   "long; at most %d are allowed", stmt_line, lineno, stmt_len, SCAN_LINE_MAX);
		else
			scan_statement(&st, stmt, stmt_line);
		stmt_len = 0;
	}
	if (stmt_len) {
		st.first = stmt_line;
		st.last = lineno;
		scan_statement(&st, stmt, stmt_line);
	}
	free(stmt);
	return st.errors;
}

char *scan_dict_name(const struct scan_section *sec)
{
	char *s = xstrdup(sec->written);

	scan_lower(s);
	return s;
}

void scan_free(struct scan *s)
{
	for (size_t i = 0; i < s->n_secs; i++) {
		struct scan_section *sec = &s->secs[i];

		for (size_t k = 0; k < sec->n_keys; k++)
			free(sec->keys[k].key);
		free(sec->keys);
		free(sec->written);
		free(sec->type);
		free(sec->name);
	}
	free(s->secs);
	free(s->bad);
	memset(s, 0, sizeof(*s));
}

char *scan_clean_text(const struct scan *s, const char *text)
{
	size_t len = strlen(text);
	char *out = xmalloc(len + 1), *o = out;
	unsigned line = 1;

	for (const char *p = text; *p; p++) {
		bool bad = false;

		for (size_t i = 0; i < s->n_bad && !bad; i++)
			bad = line >= s->bad[i][0] && line <= s->bad[i][1];
		if (*p == '\n') {
			line++;
			*o++ = '\n';
		} else if (!bad) {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}
