/* A validator of the Prometheus text exposition format 0.0.4, written from the spec
 * (https://prometheus.io/docs/instrumenting/exposition_formats/) for the tests of the metrics:
 * every line a comment, a # HELP, a # TYPE or a sample `name{labels} value [timestamp]`; names
 * [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* (not __*), label values with the
 * escapes \\, \" and \n only; a family's # HELP and # TYPE at most once and before its samples,
 * its samples one group, no series twice. Stricter than the spec where keepquorum is: every
 * sample's family has a # TYPE, counters end in _total and are not negative, no empty line. */
#include "tests/unit/promcheck.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define PROMCHECK_MAX 256

struct promcheck_family {
	char name[128];
	bool help, typed, sampled, counter;
};

struct promcheck_state {
	struct promcheck_family fam[PROMCHECK_MAX];
	size_t n_fam;
	char *series[PROMCHECK_MAX];
	size_t n_series;
	const char *current;    /* the family whose samples came last */
	char why[160];
};

static struct promcheck_family *promcheck_find(struct promcheck_state *v, const char *name,
					       size_t len)
{
	for (size_t i = 0; i < v->n_fam; i++)
		if (strlen(v->fam[i].name) == len && !strncmp(v->fam[i].name, name, len))
			return &v->fam[i];
	if (v->n_fam == PROMCHECK_MAX || len >= sizeof(v->fam[0].name))
		return NULL;
	memcpy(v->fam[v->n_fam].name, name, len);
	return &v->fam[v->n_fam++];
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* (colon=true: metric names) or [a-zA-Z_][a-zA-Z0-9_]* (labels). */
static size_t promcheck_name(const char *p, bool colon)
{
	size_t n = 0;

	while (isalpha((unsigned char)p[n]) || p[n] == '_' || (colon && p[n] == ':') ||
	       (n && isdigit((unsigned char)p[n])))
		n++;
	return n;
}

static bool promcheck_value(const char *s)
{
	char *end;

	if (!strcmp(s, "NaN") || !strcmp(s, "+Inf") || !strcmp(s, "-Inf"))
		return true;
	if (!*s || isspace((unsigned char)*s))
		return false;
	strtod(s, &end);
	return !*end;
}

/* # HELP name docstring (escapes \\ and \n only) or # TYPE name type; other # lines are comments. */
static const char *promcheck_meta(struct promcheck_state *v, const char *line)
{
	bool help = !strncmp(line, "# HELP ", 7), type = !strncmp(line, "# TYPE ", 7);
	const char *p = line + 7, *rest;
	struct promcheck_family *f;
	size_t n;

	if (!help && !type)
		return NULL;
	n = promcheck_name(p, true);
	if (!n || p[n] != ' ')
		return "bad metric name in # HELP or # TYPE";
	if (!(f = promcheck_find(v, p, n)))
		return "too many families";
	rest = p + n + 1;
	if (help) {
		if (f->help)
			return "# HELP twice for one family";
		if (f->sampled)
			return "# HELP after the family's samples";
		for (const char *q = rest; *q; q++)
			if (*q == '\\' && (q[1] != '\\' && q[1] != 'n'))
				return "bad escape in # HELP";
			else if (*q == '\\')
				q++;
		f->help = true;
		return NULL;
	}
	if (f->typed)
		return "# TYPE twice for one family";
	if (f->sampled)
		return "# TYPE after the family's samples";
	if (strcmp(rest, "counter") && strcmp(rest, "gauge") && strcmp(rest, "histogram") &&
	    strcmp(rest, "summary") && strcmp(rest, "untyped"))
		return "unknown type";
	f->typed = true;
	f->counter = !strcmp(rest, "counter");
	return NULL;
}

/* {name="value",...}: returns the length read, 0 when malformed. */
static size_t promcheck_labels(const char *p)
{
	const char *s = p + 1;
	char seen[16][64];
	size_t n_seen = 0, n;

	while (*s != '}') {
		n = promcheck_name(s, false);
		if (!n || n >= sizeof(seen[0]) || s[n] != '=' || s[n + 1] != '"')
			return 0;
		if (n >= 2 && s[0] == '_' && s[1] == '_')
			return 0;  /* reserved */
		for (size_t i = 0; i < n_seen; i++)
			if (strlen(seen[i]) == n && !strncmp(seen[i], s, n))
				return 0;
		if (n_seen == ARRAY_SIZE(seen))
			return 0;
		snprintf(seen[n_seen++], sizeof(seen[0]), "%.*s", (int)n, s);
		for (s += n + 2; *s != '"'; s++) {
			if (!*s)
				return 0;
			if (*s == '\\' && s[1] != '\\' && s[1] != '"' && s[1] != 'n')
				return 0;
			if (*s == '\\')
				s++;
		}
		s++;
		if (*s == ',')
			s++;
		else if (*s != '}')
			return 0;
	}
	return (size_t)(s - p) + 1;
}

static const char *promcheck_sample(struct promcheck_state *v, const char *line)
{
	size_t n = promcheck_name(line, true), l = 0;
	const char *p = line + n, *val;
	struct promcheck_family *f;
	char *ts, *copy, *sp;
	bool ok;

	if (!n)
		return "bad metric name";
	if (*p == '{' && !(l = promcheck_labels(p)))
		return "bad labels";
	if (p[l] != ' ' && p[l] != '\t')
		return "no space before the value";
	for (size_t i = 0; i < v->n_fam; i++)
		if (strlen(v->fam[i].name) == n && !strncmp(v->fam[i].name, line, n))
			goto found;
	return "sample before its family's # TYPE";
found:
	f = promcheck_find(v, line, n);
	if (!f->typed)
		return "sample before its family's # TYPE";
	if (f->sampled && v->current != f->name)
		return "a family's samples are not one group";
	if (f->counter && (n < 6 || strncmp(line + n - 6, "_total", 6)))
		return "counter name does not end in _total";
	f->sampled = true;
	v->current = f->name;
	/* tokens are separated by blanks, one or more (the spec's own example aligns its values) */
	copy = xstrdup(p + l + strspn(p + l, " \t"));
	sp = copy + strcspn(copy, " \t");
	ts = *sp ? sp + strspn(sp, " \t") : NULL;
	*sp = '\0';
	val = copy;
	ok = promcheck_value(val) && (!f->counter || (val[0] != '-' && strcmp(val, "NaN")));
	if (ts) {
		char *end;

		strtoll(ts, &end, 10);
		ok = ok && *ts && *end == '\0';
	}
	free(copy);
	if (!ok)
		return "bad value or timestamp";
	for (size_t i = 0; i < v->n_series; i++)
		if (strlen(v->series[i]) == n + l && !strncmp(v->series[i], line, n + l))
			return "the same series twice";
	if (v->n_series < PROMCHECK_MAX)
		v->series[v->n_series++] = xstrndup(line, n + l);
	return NULL;
}

const char *promcheck(const char *text, char *why, size_t why_len)
{
	struct promcheck_state *v = xcalloc(1, sizeof(*v));
	const char *res = NULL, *p = text;
	unsigned lineno = 0;

	if (!*text || text[strlen(text) - 1] != '\n')
		res = "the text does not end in a newline";
	while (!res && *p) {
		const char *nl = strchr(p, '\n');
		char *line = xstrndup(p, (size_t)(nl - p));

		lineno++;
		if (!*line)
			res = "empty line";
		else if (line[0] == '#')
			res = promcheck_meta(v, line);
		else
			res = promcheck_sample(v, line);
		free(line);
		p = nl + 1;
	}
	if (res)
		snprintf(why, why_len, "line %u: %s", lineno, res);
	for (size_t i = 0; i < v->n_series; i++)
		free(v->series[i]);
	free(v);
	return res ? why : NULL;
}
