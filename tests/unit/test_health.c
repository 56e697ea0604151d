/* healthcheck/health.c: keepalived's rise/fall counter, weights and reverse, tracked file values,
 * and the funnel's state changes (with the results fed in by hand). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "healthcheck/health.h"
#include "healthcheck/track.h"
#include "tests/unit/testutil.h"

/* Feed a string of results ('+' success, '-' failure) and return the states as letters:
 * O (OK) or F (FAILED). */
static const char *count_run(unsigned rise, unsigned fall, const char *results)
{
	static char out[64];
	unsigned count = rise - 1;
	size_t i;

	for (i = 0; results[i]; i++)
		out[i] = health_count(&count, rise, fall, results[i] == '+') == HEALTH_OK ? 'O' : 'F';
	out[i] = '\0';
	return out;
}

START_TEST(test_rise_fall)
{
	/* the first result decides, whatever rise and fall (keepalived starts at rise - 1) */
	ck_assert_str_eq(count_run(3, 3, "+"), "O");
	ck_assert_str_eq(count_run(3, 3, "-"), "F");
	/* fall 3: three failures in a row; a success in between starts over */
	ck_assert_str_eq(count_run(3, 3, "+---"), "OOOF");
	ck_assert_str_eq(count_run(3, 3, "+--+--"), "OOOOOO");
	/* rise 3: three successes in a row; a failure in between starts over */
	ck_assert_str_eq(count_run(3, 3, "-+++"), "FFFO");
	ck_assert_str_eq(count_run(3, 3, "-++-+++"), "FFFFFFO");
	/* rise 1 and fall 1: every result counts at once */
	ck_assert_str_eq(count_run(1, 1, "+-+-"), "OFOF");
	/* rise 2, fall 5 */
	ck_assert_str_eq(count_run(2, 5, "+----+-----"), "OOOOOOOOOOF");
	ck_assert_str_eq(count_run(2, 5, "-+-++"), "FFFFO");
}
END_TEST

struct effect_case {
	enum health_state s;
	int weight;
	bool reverse;
	bool fault;
	int delta;
};

START_TEST(test_track_effect)
{
	static const struct effect_case cases[] = {
		/* weight 0: FAULT while failing; reverse: while OK */
		{HEALTH_OK, 0, false, false, 0},
		{HEALTH_FAILED, 0, false, true, 0},
		{HEALTH_OK, 0, true, true, 0},
		{HEALTH_FAILED, 0, true, false, 0},
		/* positive: added while OK; reverse: subtracted while OK */
		{HEALTH_OK, 10, false, false, 10},
		{HEALTH_FAILED, 10, false, false, 0},
		{HEALTH_OK, 10, true, false, -10},
		{HEALTH_FAILED, 10, true, false, 0},
		/* negative: added while failing; reverse: its opposite while failing */
		{HEALTH_OK, -20, false, false, 0},
		{HEALTH_FAILED, -20, false, false, -20},
		{HEALTH_OK, -20, true, false, 0},
		{HEALTH_FAILED, -20, true, false, 20},
		/* no result yet: nothing */
		{HEALTH_INIT, 0, false, false, 0},
		{HEALTH_INIT, -20, false, false, 0},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct health_effect e = health_track_effect(cases[i].s, cases[i].weight, cases[i].reverse);

		ck_assert_msg(e.fault == cases[i].fault && e.delta == cases[i].delta,
			      "case %zu: fault %d delta %d", i, e.fault, e.delta);
	}
}
END_TEST

START_TEST(test_file_effect)
{
	struct health_effect e;

	/* weight 0: any number but 0 is a FAULT; reverse: 0 is */
	e = health_file_effect(0, 0, false);
	ck_assert(!e.fault && !e.delta);
	e = health_file_effect(3, 0, false);
	ck_assert(e.fault);
	e = health_file_effect(-1, 0, false);
	ck_assert(e.fault);
	e = health_file_effect(0, 0, true);
	ck_assert(e.fault);
	/* value times weight, negated by reverse */
	e = health_file_effect(5, 2, false);
	ck_assert(!e.fault && e.delta == 10);
	e = health_file_effect(5, 2, true);
	ck_assert(!e.fault && e.delta == -10);
	e = health_file_effect(-3, 10, false);
	ck_assert(!e.fault && e.delta == -30);
	/* below -253: FAULT (keepalived); above 253: capped */
	e = health_file_effect(-254, 1, false);
	ck_assert(e.fault);
	e = health_file_effect(-253, 1, false);
	ck_assert(!e.fault && e.delta == -253);
	e = health_file_effect(1000, 1, false);
	ck_assert(!e.fault && e.delta == 253);
	/* a huge value does not overflow */
	e = health_file_effect(9000000000000L, -254, false);
	ck_assert(e.fault);
}
END_TEST

START_TEST(test_file_parse)
{
	char d[96];

	ck_assert_int_eq(health_file_parse("42\n", d, sizeof(d)), 42);
	ck_assert_str_eq(d, "value 42");
	ck_assert_int_eq(health_file_parse("  -7 trailing words", d, sizeof(d)), -7);
	ck_assert_int_eq(health_file_parse("+3", d, sizeof(d)), 3);
	ck_assert_int_eq(health_file_parse("", d, sizeof(d)), 0);
	ck_assert_str_eq(d, "no number in the file: 0");
	ck_assert_int_eq(health_file_parse("maintenance", d, sizeof(d)), 0);
	ck_assert_int_eq(health_file_parse("-", d, sizeof(d)), 0);
	ck_assert_int_eq(health_file_parse("99999999999999999999999", d, sizeof(d)), 1000000);
}
END_TEST

static unsigned changes;
static void on_change(void *ud, const struct health_check *c)
{
	(void)ud;
	(void)c;
	changes++;
}

static void feed(const struct health_check *c, bool ok, const char *detail)
{
	struct health_result r = {.ok = ok};

	snprintf(r.detail, sizeof(r.detail), "%s", detail);
	health_done((void *)c, &r);
}

START_TEST(test_funnel)
{
	/* a script no instance tracks does not run: results are fed by hand */
	struct conf *c = NULL;
	struct conf_diags d = {0};
	sd_event *ev = NULL;
	struct health *h;
	const struct health_check *k;
	json_object *st;

	ck_assert_int_eq(tu_load("[vrrp_script chk]\nscript = /bin/true\nrise = 2\nfall = 2\n", &c, &d), 0);
	ck_assert_int_ge(sd_event_new(&ev), 0);
	h = health_new(ev, on_change, NULL);
	health_apply(h, c);
	k = health_find(h, HEALTH_SCRIPT, "chk");
	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_null(health_find(h, HEALTH_PG, "chk"));
	ck_assert_int_eq(health_check_state(k), HEALTH_INIT);
	ck_assert_str_eq(health_check_detail(k), "not run: no instance tracks it");
	changes = 0;
	feed(k, true, "fine");
	ck_assert_int_eq(health_check_state(k), HEALTH_OK);
	ck_assert_uint_eq(changes, 1);
	feed(k, false, "exit 1");
	ck_assert_int_eq(health_check_state(k), HEALTH_OK);
	ck_assert_uint_eq(changes, 1);
	feed(k, false, "exit 1");
	ck_assert_int_eq(health_check_state(k), HEALTH_FAILED);
	ck_assert_uint_eq(changes, 2);
	ck_assert_str_eq(health_check_detail(k), "exit 1");
	st = health_status(h);
	ck_assert_int_eq((int)json_object_array_length(st), 1);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(st, 0),
									 "state")), "FAILED");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(json_object_array_get_idx(st, 0),
								      "failures")), 2);
	json_object_put(st);
	/* a reload that keeps the check keeps its state; one without it drops it */
	health_apply(h, c);
	ck_assert_int_eq(health_check_state(health_find(h, HEALTH_SCRIPT, "chk")), HEALTH_FAILED);
	conf_free(c);
	ck_assert_int_eq(tu_load("[global]\nrouter_id = x\n", &c, &d), 0);
	health_apply(h, c);
	ck_assert_ptr_null(health_find(h, HEALTH_SCRIPT, "chk"));
	/* interfaces are reported by the link monitor, when tracked */
	health_iface_report(h, "eth9", false, "missing");
	ck_assert_ptr_null(health_find(h, HEALTH_IFACE, "eth9"));
	health_free(h);
	conf_free(c);
	sd_event_unref(ev);
}
END_TEST

static int check_runs(struct health *h)
{
	json_object *st = health_status(h);
	int n = json_object_get_int(json_object_object_get(json_object_array_get_idx(st, 0), "runs"));

	json_object_put(st);
	return n;
}

/* A hand-over runs the pg_checks once more and waits for a run that began after it asked: one
 * in progress when it asks does not count. */
START_TEST(test_refresh)
{
	char text[512];
	struct conf *c = NULL;
	struct conf_diags d = {0};
	sd_event *ev = NULL;
	struct health *h;
	int before;

	/* a server that is not there: each run fails at once, no waiting on a network */
	snprintf(text, sizeof(text), "[pg_check db]\nconninfo = host=%s port=1 user=postgres\n"
		 "interval = 60\ntimeout = 2\n", tu_dir());
	ck_assert_int_eq(tu_load(text, &c, &d), 0);
	ck_assert_int_ge(sd_event_new(&ev), 0);
	h = health_new(ev, NULL, NULL);
	/* not there, or not running: nothing to wait for */
	ck_assert(health_refreshed(h, HEALTH_PG, "db"));
	health_refresh(h, HEALTH_PG, "db");
	health_apply(h, c);
	/* the first run starts at once; the refresh asked while it runs waits for the next */
	ck_assert_int_ge(sd_event_run(ev, 0), 0);
	health_refresh(h, HEALTH_PG, "db");
	ck_assert(!health_refreshed(h, HEALTH_PG, "db"));
	while (check_runs(h) < 1)
		ck_assert_int_ge(sd_event_run(ev, 5000000), 0);
	ck_assert(!health_refreshed(h, HEALTH_PG, "db"));
	while (!health_refreshed(h, HEALTH_PG, "db"))
		ck_assert_int_ge(sd_event_run(ev, 5000000), 0);
	ck_assert_int_eq(check_runs(h), 2);
	/* idle: a refresh runs at once, out of its 60 s interval */
	before = check_runs(h);
	health_refresh(h, HEALTH_PG, "db");
	ck_assert(!health_refreshed(h, HEALTH_PG, "db"));
	while (!health_refreshed(h, HEALTH_PG, "db"))
		ck_assert_int_ge(sd_event_run(ev, 5000000), 0);
	ck_assert_int_eq(check_runs(h), before + 1);
	health_free(h);
	conf_free(c);
	sd_event_unref(ev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_rise_fall);
	tcase_add_test(tc, test_track_effect);
	tcase_add_test(tc, test_file_effect);
	tcase_add_test(tc, test_file_parse);
	tcase_add_test(tc, test_funnel);
	tcase_add_test(tc, test_refresh);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
