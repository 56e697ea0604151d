/* healthcheck/pg.c and pg-answer.c without a server: what an answer means (made-up PGresults:
 * strict LSNs, lag, the last known lag, the details), the conninfo advice, and the runner's
 * contract where no PostgreSQL answers (reports from the loop only, -EBUSY, the timeout, free
 * during a run). The runner against real servers: tests/pg/pg-check.sh. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/util.h"
#include "healthcheck/pg-int.h"
#include "tests/unit/testutil.h"

/* An answer to health_pg_sql with these 9 values (NULL: SQL NULL); n < 9 makes a wrong shape. */
static PGresult *ta_result(const char *const *v, int n)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc attrs[9];

	ck_assert_ptr_nonnull(res);
	for (int i = 0; i < n; i++)
		attrs[i] = (PGresAttDesc){.name = (char *)"c", .typid = 25, .typlen = -1};
	ck_assert(PQsetResultAttrs(res, n, attrs));
	for (int i = 0; i < n; i++)
		ck_assert(PQsetvalue(res, 0, i, (char *)v[i], v[i] ? (int)strlen(v[i]) : -1));
	return res;
}

static char ta_detail[192];

static bool ta_answer(const char *const *v, uint64_t max_lag, struct health_pg_memory *m,
		      struct health_pg_facts *f)
{
	PGresult *res = ta_result(v, 9);
	bool ok = health_pg_answer(res, max_lag, m, f, ta_detail, sizeof(ta_detail));

	PQclear(res);
	return ok;
}

#define PRIMARY(lsn, wal) ((const char *const[]){"f", lsn, wal, NULL, NULL, "f", NULL, NULL, NULL})
#define STANDBY(rx, replay, wr, status, end, tli) \
	((const char *const[]){"t", NULL, NULL, rx, replay, wr, status, end, tli})

START_TEST(test_answer_primary)
{
	static const char *const bad_lsns[] = {"", "/1", "1/", "0/3000148 ", " 0/1", "123456789/0",
					       "0x1/0", "G/0", "0/+1", "0//1", "-1/0", "1"};
	struct health_pg_memory m = {.end_known = true, .last_end = 7, .last_tli = 3};
	struct health_pg_facts f;

	ck_assert(ta_answer(PRIMARY("0/3000148", "000000010000000000000003"), 0, &m, &f));
	ck_assert_str_eq(ta_detail, "primary, lsn 0/3000148, timeline 1");
	ck_assert(!f.in_recovery && f.promotable && !f.lag_known);
	ck_assert_uint_eq(f.lsn, 0x3000148);
	ck_assert_uint_eq(f.timeline, 1);
	ck_assert(!m.end_known && m.last_tli == 0);   /* a primary forgets what it knew as a standby */
	ck_assert(ta_answer(PRIMARY("FFFFFFFF/ffffffff", "0000001A00000000000000FF"), 0, &m, &f));
	ck_assert_uint_eq(f.lsn, UINT64_MAX);
	ck_assert_str_eq(ta_detail, "primary, lsn FFFFFFFF/FFFFFFFF, timeline 26");
	for (size_t i = 0; i < sizeof(bad_lsns) / sizeof(bad_lsns[0]); i++) {
		ck_assert_msg(!ta_answer(PRIMARY(bad_lsns[i], "000000010000000000000003"), 0, &m, &f),
			      "'%s' taken for an LSN", bad_lsns[i]);
		ck_assert_str_eq(ta_detail, "unexpected pg_current_wal_lsn() in the answer");
	}
	ck_assert(!ta_answer(PRIMARY(NULL, "000000010000000000000003"), 0, &m, &f));
	ck_assert(!ta_answer(PRIMARY("0/1", "00000001000000000000003"), 0, &m, &f));
	ck_assert_str_eq(ta_detail, "unexpected pg_walfile_name() in the answer");
	ck_assert(!ta_answer(PRIMARY("0/1", "000000000000000000000003"), 0, &m, &f));
	ck_assert(!ta_answer(PRIMARY("0/1", "00000001000000000000000g"), 0, &m, &f));
	ck_assert(!ta_answer(PRIMARY("0/1", NULL), 0, &m, &f));
	ck_assert(!ta_answer(((const char *const[]){"x", "0/1", "000000010000000000000003", NULL,
						    NULL, "f", NULL, NULL, NULL}), 0, &m, &f));
	ck_assert_str_eq(ta_detail, "unexpected pg_is_in_recovery() in the answer");
}
END_TEST

START_TEST(test_answer_standby)
{
	struct health_pg_memory m = {0};
	struct health_pg_facts f;

	/* never seen the receiver stream: lag unknown, not promotable */
	ck_assert(ta_answer(STANDBY("0/3000200", "0/3000148", "f", NULL, NULL, NULL), 0, &m, &f));
	ck_assert_str_eq(ta_detail, "standby, replay 0/3000148, receive 0/3000200, WAL receiver "
				    "stopped, lag unknown");
	ck_assert(f.in_recovery && !f.lag_known && !f.promotable && f.timeline == 0);
	/* streaming, but no walsender message yet */
	ck_assert(ta_answer(STANDBY("0/3000200", "0/3000148", "t", "streaming", NULL, "1"), 0, &m, &f));
	ck_assert(!f.lag_known && f.receiver_streaming && f.timeline == 1);
	/* streaming: lag up to latest_end_lsn */
	ck_assert(ta_answer(STANDBY("0/3000200", "0/3000148", "t", "streaming", "0/3000200", "1"),
			    100, &m, &f));
	ck_assert_str_eq(ta_detail, "standby, replay 0/3000148, receive 0/3000200, lag 184 bytes, "
				    "over max_lag 100, streaming");
	ck_assert(f.lag_known && f.lag_bytes == 184 && !f.promotable);
	ck_assert_uint_eq(f.lsn, 0x3000148);
	ck_assert_uint_eq(f.replay_lsn, 0x3000148);
	ck_assert_uint_eq(f.receive_lsn, 0x3000200);
	ck_assert(ta_answer(STANDBY("0/3000200", "0/3000148", "t", "streaming", "0/3000200", "1"),
			    184, &m, &f));
	ck_assert(f.promotable);
	ck_assert_str_eq(ta_detail, "standby, replay 0/3000148, receive 0/3000200, lag 184 bytes, "
				    "streaming");
	/* the receiver stops: the last known end, the last timeline */
	ck_assert(ta_answer(STANDBY("0/3000200", "0/3000148", "f", NULL, NULL, NULL), 0, &m, &f));
	ck_assert_str_eq(ta_detail, "standby, replay 0/3000148, receive 0/3000200, WAL receiver "
				    "stopped, lag 184 bytes (last known)");
	ck_assert(f.lag_known && f.lag_bytes == 184 && f.promotable && !f.receiver_streaming);
	ck_assert_uint_eq(f.timeline, 1);
	/* what it received after the last report counts: the primary had it */
	ck_assert(ta_answer(STANDBY("0/3000300", "0/3000148", "t", "stopping", NULL, NULL), 0, &m, &f));
	ck_assert_str_eq(ta_detail, "standby, replay 0/3000148, receive 0/3000300, stopping, "
				    "lag 440 bytes (last known)");
	/* replay caught up */
	ck_assert(ta_answer(STANDBY("0/3000300", "0/3000300", "f", NULL, NULL, NULL), 0, &m, &f));
	ck_assert(f.lag_known && f.lag_bytes == 0);
	/* details hidden from a role without pg_read_all_stats */
	ck_assert(ta_answer(STANDBY("0/3000300", "0/3000300", "t", NULL, NULL, NULL), 0, &m, &f));
	ck_assert_str_eq(ta_detail, "standby, replay 0/3000300, receive 0/3000300, WAL receiver "
				    "status not visible (needs pg_read_all_stats), lag 0 bytes (last known)");
	/* strict */
	ck_assert(!ta_answer(STANDBY("0/3000300", NULL, "f", NULL, NULL, NULL), 0, &m, &f));
	ck_assert_str_eq(ta_detail, "unexpected pg_last_wal_replay_lsn() in the answer");
	ck_assert(!ta_answer(STANDBY("0/30003000000", "0/1", "f", NULL, NULL, NULL), 0, &m, &f));
	ck_assert(!ta_answer(STANDBY("0/1", "0/1", "t", "streaming", "0/1/", "1"), 0, &m, &f));
	ck_assert_str_eq(ta_detail, "unexpected latest_end_lsn in the answer");
	ck_assert(!ta_answer(STANDBY("0/1", "0/1", "t", "streaming", "0/1", "1x"), 0, &m, &f));
	ck_assert_str_eq(ta_detail, "unexpected received_tli in the answer");
	ck_assert(!ta_answer(STANDBY("0/1", "0/1", "t", "streaming", "0/1", "-1"), 0, &m, &f));
	ck_assert(!ta_answer(STANDBY("0/1", "0/1", "t", "streaming", "0/1", "4294967296"), 0, &m, &f));
	/* a failed answer changes nothing remembered */
	ck_assert(m.end_known && m.last_end == 0x3000300 && m.last_tli == 1);
}
END_TEST

START_TEST(test_answer_shape)
{
	struct health_pg_memory m = {0};
	struct health_pg_facts f;
	PGresult *res = ta_result(PRIMARY("0/1", "000000010000000000000003"), 8);

	ck_assert(!health_pg_answer(res, 0, &m, &f, ta_detail, sizeof(ta_detail)));
	ck_assert_str_eq(ta_detail, "unexpected shape of the result in the answer");
	PQclear(res);
	res = PQmakeEmptyPGresult(NULL, PGRES_COMMAND_OK);
	ck_assert(!health_pg_answer(res, 0, &m, &f, ta_detail, sizeof(ta_detail)));
	PQclear(res);
}
END_TEST

START_TEST(test_conninfo_may_block)
{
	unsetenv("PGHOST");
	unsetenv("PGHOSTADDR");
	unsetenv("PGSERVICE");
	ck_assert(!health_pg_conninfo_may_block("host=/run/postgresql dbname=postgres"));
	ck_assert(!health_pg_conninfo_may_block("dbname=postgres"));   /* the socket directory */
	ck_assert(!health_pg_conninfo_may_block("host=10.0.0.1 port=5432"));
	ck_assert(!health_pg_conninfo_may_block("host=fd00::1,/tmp"));
	ck_assert(!health_pg_conninfo_may_block("host=@abstract"));
	ck_assert(!health_pg_conninfo_may_block("host=db1.example hostaddr=10.0.0.1"));
	ck_assert(!health_pg_conninfo_may_block("host=db1,db2 hostaddr=10.0.0.1,10.0.0.2"));
	ck_assert(!health_pg_conninfo_may_block("postgresql://10.0.0.1:5432/postgres"));
	ck_assert(!health_pg_conninfo_may_block("postgresql://%2Frun%2Fpostgresql/postgres"));
	ck_assert(!health_pg_conninfo_may_block("postgresql://[fd00::1]/postgres"));
	ck_assert(!health_pg_conninfo_may_block("this is not a conninfo"));
	ck_assert(health_pg_conninfo_may_block("host=db1.example"));
	ck_assert(health_pg_conninfo_may_block("host=localhost"));
	ck_assert(health_pg_conninfo_may_block("host=10.0.0.1,db2 hostaddr=10.0.0.1"));
	ck_assert(health_pg_conninfo_may_block("host=db2,/tmp hostaddr=,"));
	ck_assert(health_pg_conninfo_may_block("postgresql://db1.example/postgres"));
	ck_assert(health_pg_conninfo_may_block("service=db"));
	setenv("PGHOST", "db1.example", 1);
	ck_assert(health_pg_conninfo_may_block("dbname=postgres"));
	ck_assert(!health_pg_conninfo_may_block("host=/tmp dbname=postgres"));
	unsetenv("PGHOST");
}
END_TEST

struct tp {
	int reports;
	bool in_run;
	struct health_result r;
	char detail[sizeof(((struct health_result *)0)->detail)];
};

static void tp_done(void *userdata, const struct health_result *r)
{
	struct tp *t = userdata;

	ck_assert_msg(!t->in_run, "reported from inside health_pg_run()");
	t->reports++;
	t->r = *r;
	memcpy(t->detail, r->detail, sizeof(t->detail));
}

/* One run to its report; returns how long it took (µs). */
static unsigned long long tp_run(sd_event *ev, struct health_pg *pg, struct tp *t)
{
	unsigned long long start = util_now_usec();
	int before = t->reports;

	t->in_run = true;
	ck_assert_int_eq(health_pg_run(pg), 0);
	t->in_run = false;
	ck_assert(health_pg_busy(pg));
	ck_assert_int_eq(health_pg_run(pg), -EBUSY);
	while (t->reports == before)
		ck_assert_int_ge(sd_event_run(ev, 5000000), 0);
	ck_assert_int_eq(t->reports, before + 1);
	ck_assert(!health_pg_busy(pg));
	return util_now_usec() - start;
}

START_TEST(test_cannot_connect)
{
	char conninfo[256];
	struct health_pg_params p = {.name = "t", .conninfo = conninfo, .timeout_us = 2000000};
	struct tp t = {0};
	sd_event *ev;
	struct health_pg *pg;

	snprintf(conninfo, sizeof(conninfo), "host=%s port=1 user=postgres", tu_dir());
	ck_assert_int_ge(sd_event_new(&ev), 0);
	pg = health_pg_new(ev, &p, tp_done, &t);
	tp_run(ev, pg, &t);
	ck_assert(!t.r.ok && !t.r.timed_out && t.r.pg == NULL);
	ck_assert_msg(strncmp(t.detail, "cannot connect: connection to server on socket", 46) == 0,
		      "%s", t.detail);
	ck_assert_ptr_null(strchr(t.detail, '\n'));
	tp_run(ev, pg, &t);   /* and again: a failed run leaves the runner ready */
	ck_assert_int_eq(t.reports, 2);
	health_pg_free(pg);
	sd_event_unref(ev);
}
END_TEST

/* A socket that listens and never accepts: connect() succeeds, the startup packet is never
 * answered; the run times out, connecting. */
START_TEST(test_timeout_connecting)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char conninfo[256];
	struct health_pg_params p = {.name = "t", .conninfo = conninfo, .timeout_us = 300000};
	struct tp t = {0};
	unsigned long long took;
	struct health_pg *pg;
	sd_event *ev;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/.s.PGSQL.2", tu_dir());
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	snprintf(conninfo, sizeof(conninfo), "host=%s port=2 user=postgres", tu_dir());
	ck_assert_int_ge(sd_event_new(&ev), 0);
	pg = health_pg_new(ev, &p, tp_done, &t);
	took = tp_run(ev, pg, &t);
	ck_assert(!t.r.ok && t.r.timed_out && t.r.pg == NULL);
	ck_assert_str_eq(t.detail, "timed out after 0.3 s (connecting)");
	ck_assert_uint_ge(t.r.duration_us, 300000);
	ck_assert_uint_lt(took, 1300000);
	/* freed during a run: no report, nothing left behind (ASan) */
	t.in_run = true;
	ck_assert_int_eq(health_pg_run(pg), 0);
	t.in_run = false;
	health_pg_free(pg);
	while (sd_event_run(ev, 100000) > 0)
		;
	ck_assert_int_eq(t.reports, 1);
	sd_event_unref(ev);
	close(fd);
	unlink(sa.sun_path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("health_pg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_answer_primary);
	tcase_add_test(tc, test_answer_standby);
	tcase_add_test(tc, test_answer_shape);
	tcase_add_test(tc, test_conninfo_may_block);
	tcase_add_test(tc, test_cannot_connect);
	tcase_add_test(tc, test_timeout_connecting);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
