/* daemon/metrics.c: the exposition of a status object, checked line by line by a validator of
 * the text format 0.0.4 written from the spec (promcheck.c), itself tested first. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "common/util.h"
#include "daemon/metrics.h"
#include "notify/runner.h"
#include "tests/unit/promcheck.h"
#include "tests/unit/testutil.h"

static const char *check_text(const char *text)
{
	static char why[200];

	return promcheck(text, why, sizeof(why));
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
