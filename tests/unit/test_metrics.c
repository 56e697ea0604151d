/* daemon/metrics.c: the exposition of a status object, checked line by line by a validator of
 * the text format 0.0.4 written here from the spec
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), itself tested first. */
#include <check.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "common/util.h"
#include "daemon/metrics.h"
#include "notify/runner.h"
#include "tests/unit/testutil.h"

/* --- the validator --------------------------------------------------------------------------- */

#define V_MAX 256

struct v_family {
	char name[128];
	bool help, typed, sampled, counter;
};

struct v_state {
	struct v_family fam[V_MAX];
	size_t n_fam;
	char *series[V_MAX];
	size_t n_series;
	const char *current;    /* the family whose samples came last */
	char why[160];
};

static struct v_family *v_find(struct v_state *v, const char *name, size_t len)
{
	for (size_t i = 0; i < v->n_fam; i++)
		if (strlen(v->fam[i].name) == len && !strncmp(v->fam[i].name, name, len))
			return &v->fam[i];
	if (v->n_fam == V_MAX || len >= sizeof(v->fam[0].name))
		return NULL;
	memcpy(v->fam[v->n_fam].name, name, len);
	return &v->fam[v->n_fam++];
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* (colon=true: metric names) or [a-zA-Z_][a-zA-Z0-9_]* (labels). */
static size_t v_name(const char *p, bool colon)
{
	size_t n = 0;

	while (isalpha((unsigned char)p[n]) || p[n] == '_' || (colon && p[n] == ':') ||
	       (n && isdigit((unsigned char)p[n])))
		n++;
	return n;
}

static bool v_value(const char *s)
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
static const char *v_meta(struct v_state *v, const char *line)
{
	bool help = !strncmp(line, "# HELP ", 7), type = !strncmp(line, "# TYPE ", 7);
	const char *p = line + 7, *rest;
	struct v_family *f;
	size_t n;

	if (!help && !type)
		return NULL;
	n = v_name(p, true);
	if (!n || p[n] != ' ')
		return "bad metric name in # HELP or # TYPE";
	if (!(f = v_find(v, p, n)))
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
static size_t v_labels(const char *p)
{
	const char *s = p + 1;
	char seen[16][64];
	size_t n_seen = 0, n;

	while (*s != '}') {
		n = v_name(s, false);
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

static const char *v_sample(struct v_state *v, const char *line)
{
	size_t n = v_name(line, true), l = 0;
	const char *p = line + n, *val;
	struct v_family *f;
	char *ts, *copy, *sp;
	bool ok;

	if (!n)
		return "bad metric name";
	if (*p == '{' && !(l = v_labels(p)))
		return "bad labels";
	if (p[l] != ' ' && p[l] != '\t')
		return "no space before the value";
	for (size_t i = 0; i < v->n_fam; i++)
		if (strlen(v->fam[i].name) == n && !strncmp(v->fam[i].name, line, n))
			goto found;
	return "sample before its family's # TYPE";
found:
	f = v_find(v, line, n);
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
	ok = v_value(val) && (!f->counter || (val[0] != '-' && strcmp(val, "NaN")));
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
	if (v->n_series < V_MAX)
		v->series[v->n_series++] = xstrndup(line, n + l);
	return NULL;
}

/* NULL when text is a valid exposition, else "line N: why". */
static const char *prom_check(const char *text, char *why, size_t why_len)
{
	struct v_state *v = xcalloc(1, sizeof(*v));
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
			res = v_meta(v, line);
		else
			res = v_sample(v, line);
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

static const char *check_text(const char *text)
{
	static char why[200];

	return prom_check(text, why, sizeof(why));
}

START_TEST(test_validator_accepts)
{
	ck_assert_ptr_null(check_text(
		"# A comment\n"
		"# HELP http_requests_total The total number of HTTP requests.\n"
		"# TYPE http_requests_total counter\n"
		"http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
		"http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"));
	ck_assert_ptr_null(check_text(
		"# TYPE metric_without_timestamp_and_labels gauge\n"
		"metric_without_timestamp_and_labels 12.47\n"
		"# TYPE msdos_file_access_time_seconds gauge\n"
		"msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
		"# HELP g A \\\\ help\\nline.\n# TYPE g gauge\ng +Inf\ng{a=\"b\"} NaN\ng{a=\"c\",} -1\n"));
}
END_TEST

static const struct {
	const char *text, *why;
} invalid[] = {
	{"", "does not end in a newline"},
	{"# TYPE a gauge\na 1", "does not end in a newline"},
	{"# TYPE a gauge\n\na 1\n", "line 2: empty line"},
	{"a 1\n", "line 1: sample before its family's # TYPE"},
	{"# TYPE a gauge\n# TYPE a gauge\n", "line 2: # TYPE twice"},
	{"# HELP a x\n# HELP a y\n", "line 2: # HELP twice"},
	{"# TYPE a gauge\na 1\n# HELP a late\n", "line 3: # HELP after"},
	{"# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x=\"1\"} 2\n", "line 5: a family's samples are not one group"},
	{"# TYPE a gauge\na 1\na 2\n", "line 3: the same series twice"},
	{"# TYPE a gauge\nb 1\n", "line 2: sample before"},
	{"# TYPE 1a gauge\n", "line 1: bad metric name"},
	{"# TYPE a-b gauge\n", "line 1: bad metric name"},
	{"# TYPE a gauge\na{x=\"\\t\"} 1\n", "line 2: bad labels"},
	{"# TYPE a gauge\na{x=\"a\"b\"} 1\n", "line 2: bad labels"},
	{"# TYPE a gauge\na{x=\"a} 1\n", "line 2: bad labels"},
	{"# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n", "line 2: bad labels"},
	{"# TYPE a gauge\na{__x=\"1\"} 1\n", "line 2: bad labels"},
	{"# TYPE a gauge\na{1x=\"1\"} 1\n", "line 2: bad labels"},
	{"# TYPE a gauge\na one\n", "line 2: bad value"},
	{"# TYPE a gauge\na 1 now\n", "line 2: bad value"},
	{"# TYPE a gauge\na\n", "line 2: no space"},
	{"# TYPE a thing\n", "line 1: unknown type"},
	{"# TYPE a counter\na 1\n", "line 2: counter name does not end in _total"},
	{"# TYPE a_total counter\na_total -1\n", "line 2: bad value"},
	{"# HELP a bad \\t escape\n", "line 1: bad escape"},
};

START_TEST(test_validator_rejects)
{
	const char *why = check_text(invalid[_i].text);

	ck_assert_msg(why && strstr(why, invalid[_i].why), "case %d: got %s, want %s", _i,
		      why ? why : "valid", invalid[_i].why);
}
END_TEST

/* --- the renderer ---------------------------------------------------------------------------- */

/* An instance whose name needs every escape: we"ird\na<newline>me. */
static const char *const full_status =
	"{\"node\":\"db1\",\"paused\":false,"
	"\"quorum\":{\"role\":\"leader\",\"term\":7,\"leader\":\"db1\",\"has_quorum\":true,"
	"  \"elections\":3},"
	"\"instances\":["
	" {\"name\":\"db_write\",\"state\":\"MASTER\",\"counters\":{\"adverts_sent\":120,"
	"  \"adverts_received\":4,\"transitions\":{\"BACKUP\":1,\"MASTER\":1,\"FAULT\":0,\"STOP\":0},"
	"  \"dropped\":{\"ttl\":3}}},"
	" {\"name\":\"we\\\"ird\\\\na\\nme\",\"state\":\"FAULT\",\"counters\":{\"adverts_sent\":0,"
	"  \"adverts_received\":0,\"transitions\":{\"BACKUP\":0,\"MASTER\":0,\"FAULT\":1,\"STOP\":0},"
	"  \"dropped\":{\"checksum\":1}}}],"
	"\"vrrp_dropped\":{\"ttl\":2,\"vrid\":9},"
	"\"checks\":[{\"name\":\"pg\",\"type\":\"postgres\",\"ok\":true,\"duration_ms\":12.5},"
	"  {\"name\":\"maint\",\"type\":\"file\",\"ok\":false}],"
	"\"hooks\":{\"running\":0,\"queued\":0,\"runs\":{\"promote\":{\"ok\":1,\"failed\":0,"
	"  \"timeout\":0,\"error\":0},\"notify_master\":{\"ok\":2,\"failed\":1,\"timeout\":0,\"error\":0}}}}";

static char *render(const char *status_json)
{
	json_object *st = json_tokener_parse(status_json);
	char *text;

	ck_assert_ptr_nonnull(st);
	text = metrics_render(st);
	json_object_put(st);
	return text;
}

static void assert_line(const char *text, const char *line)
{
	char *want = xasprintf("\n%s\n", line);

	ck_assert_msg(strstr(text, want), "no line \"%s\" in:\n%s", line, text);
	free(want);
}

START_TEST(test_render_full)
{
	char *text = render(full_status);
	const char *why = check_text(text);

	ck_assert_msg(!why, "%s in:\n%s", why, text);
	assert_line(text, "keepquorum_vrrp_state{instance=\"db_write\"} 2");
	assert_line(text, "keepquorum_vrrp_state{instance=\"we\\\"ird\\\\na\\nme\"} 3");
	assert_line(text, "keepquorum_vrrp_transitions_total{instance=\"db_write\",to=\"MASTER\"} 1");
	assert_line(text, "keepquorum_vrrp_transitions_total{instance=\"we\\\"ird\\\\na\\nme\",to=\"FAULT\"} 1");
	assert_line(text, "keepquorum_vrrp_adverts_sent_total{instance=\"db_write\"} 120");
	assert_line(text, "keepquorum_vrrp_adverts_received_total{instance=\"db_write\"} 4");
	/* the engine's drops and the instances' add up; reasons that never happened say 0 */
	assert_line(text, "keepquorum_vrrp_packets_dropped_total{reason=\"ttl\"} 5");
	assert_line(text, "keepquorum_vrrp_packets_dropped_total{reason=\"vrid\"} 9");
	assert_line(text, "keepquorum_vrrp_packets_dropped_total{reason=\"checksum\"} 1");
	assert_line(text, "keepquorum_vrrp_packets_dropped_total{reason=\"auth\"} 0");
	assert_line(text, "# TYPE keepquorum_quorum_term gauge");
	assert_line(text, "keepquorum_quorum_term 7");
	assert_line(text, "keepquorum_quorum_is_leader 1");
	assert_line(text, "keepquorum_quorum_has_quorum 1");
	assert_line(text, "keepquorum_quorum_elections_total 3");
	assert_line(text, "keepquorum_check_up{check=\"pg\"} 1");
	assert_line(text, "keepquorum_check_up{check=\"maint\"} 0");
	assert_line(text, "keepquorum_check_duration_seconds{check=\"pg\"} 0.012500");
	ck_assert_ptr_null(strstr(text, "keepquorum_check_duration_seconds{check=\"maint\"}"));
	assert_line(text, "keepquorum_hook_runs_total{hook=\"promote\",result=\"ok\"} 1");
	assert_line(text, "keepquorum_hook_runs_total{hook=\"notify_master\",result=\"failed\"} 1");
	free(text);
}
END_TEST

/* Every family of SPEC.md "Metrics (Prometheus)", with its type. */
static const char *const spec_families[] = {
	"vrrp_state gauge", "vrrp_transitions_total counter", "vrrp_adverts_sent_total counter",
	"vrrp_adverts_received_total counter", "vrrp_packets_dropped_total counter",
	"quorum_term gauge", "quorum_is_leader gauge", "quorum_has_quorum gauge",
	"quorum_elections_total counter", "check_up gauge", "check_duration_seconds gauge",
	"hook_runs_total counter",
};

START_TEST(test_every_spec_family)
{
	char *text = render(full_status);

	for (size_t i = 0; i < ARRAY_SIZE(spec_families); i++) {
		char *want = xasprintf("# TYPE keepquorum_%s", spec_families[i]);

		assert_line(text, want);
		free(want);
	}
	free(text);
}
END_TEST

/* No [quorum] section: the quorum families are left out altogether; a follower says 0. */
START_TEST(test_render_quorum)
{
	char *text = render("{\"quorum\":null,\"instances\":[],\"checks\":[],\"hooks\":null}");

	ck_assert_ptr_null(check_text(text));
	ck_assert_ptr_null(strstr(text, "keepquorum_quorum_"));
	assert_line(text, "# TYPE keepquorum_vrrp_state gauge");
	assert_line(text, "# TYPE keepquorum_hook_runs_total counter");
	free(text);
	text = render("{\"quorum\":{\"role\":\"follower\",\"term\":9,\"has_quorum\":false,"
		      "\"elections\":0}}");
	ck_assert_ptr_null(check_text(text));
	assert_line(text, "keepquorum_quorum_is_leader 0");
	assert_line(text, "keepquorum_quorum_has_quorum 0");
	assert_line(text, "keepquorum_quorum_term 9");
	free(text);
	text = render("{}");
	ck_assert_ptr_null(check_text(text));
	free(text);
}
END_TEST

/* The hook runner's own status object renders: its keys are the ones metrics.c reads. */
START_TEST(test_render_notify_status)
{
	sd_event *ev = NULL;
	struct notify_runner *r;
	json_object *st = json_object_new_object();
	char *text;

	ck_assert_int_ge(sd_event_new(&ev), 0);
	r = notify_runner_new(ev);
	json_object_object_add(st, "hooks", notify_status(r));
	text = metrics_render(st);
	ck_assert_ptr_null(check_text(text));
	assert_line(text, "keepquorum_hook_runs_total{hook=\"promote\",result=\"ok\"} 0");
	assert_line(text, "keepquorum_hook_runs_total{hook=\"demote\",result=\"timeout\"} 0");
	free(text);
	json_object_put(st);
	notify_runner_free(r);
	sd_event_unref(ev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_validator_accepts);
	tcase_add_loop_test(tc, test_validator_rejects, 0, (int)ARRAY_SIZE(invalid));
	tcase_add_test(tc, test_render_full);
	tcase_add_test(tc, test_every_spec_family);
	tcase_add_test(tc, test_render_quorum);
	tcase_add_test(tc, test_render_notify_status);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
