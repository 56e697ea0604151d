/* [pg_check]: the query of a run and what its answer means. Pure: no I/O, no clock; pg.c runs the
 * query, this judges the PGresult (and tests/unit/test_health_pg.c feeds it made-up ones). */
#include "healthcheck/pg-int.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One round trip that works on PostgreSQL 12-16, primary and standby. pg_is_in_recovery() is
 * computed once (a subquery with a volatile target list is never pulled up, so it is not
 * re-evaluated per CASE), and the functions that raise an error during recovery
 * (pg_current_wal_lsn, pg_walfile_name) are only reached through CASE on a primary. The
 * timeline of a primary is the first 8 hex digits of the WAL file name, which uses the current
 * insert timeline (pg_control_checkpoint() lags behind a promotion until the next checkpoint and
 * is not granted to everyone). pg_stat_wal_receiver shows its details (status, latest_end_lsn,
 * received_tli) only to superusers and pg_read_all_stats; to others only the pid. */
const char health_pg_sql[] =
	"SELECT r.rec,"
	" CASE WHEN NOT r.rec THEN pg_current_wal_lsn() END,"
	" CASE WHEN NOT r.rec THEN pg_walfile_name(pg_current_wal_lsn()) END,"
	" CASE WHEN r.rec THEN pg_last_wal_receive_lsn() END,"
	" CASE WHEN r.rec THEN pg_last_wal_replay_lsn() END,"
	" w.pid IS NOT NULL, w.status, w.latest_end_lsn, w.received_tli"
	" FROM (SELECT pg_is_in_recovery() AS rec) r"
	" LEFT JOIN pg_stat_wal_receiver w ON r.rec";

enum { HEALTH_PG_COL_REC, HEALTH_PG_COL_LSN, HEALTH_PG_COL_WALFILE, HEALTH_PG_COL_RECEIVE,
       HEALTH_PG_COL_REPLAY, HEALTH_PG_COL_WR, HEALTH_PG_COL_STATUS, HEALTH_PG_COL_END,
       HEALTH_PG_COL_TLI, HEALTH_PG_NCOLS };

/* 1 to max hex digits at *s (strtoull alone would also take blanks, a sign or "0x"). */
static bool health_pg_hex(const char **s, size_t max, uint64_t *out)
{
	size_t n = strspn(*s, "0123456789ABCDEFabcdef");

	if (n == 0 || n > max)
		return false;
	*out = strtoull(*s, NULL, 16);
	*s += n;
	return true;
}

/* "X/Y", each 1-8 hex digits, as pg_lsn_in accepts it: (X << 32) | Y. */
static bool health_pg_parse_lsn(const char *s, uint64_t *out)
{
	uint64_t hi, lo;

	if (!s || !health_pg_hex(&s, 8, &hi) || *s++ != '/' || !health_pg_hex(&s, 8, &lo) || *s)
		return false;
	*out = hi << 32 | lo;
	return true;
}

static void health_pg_fmt_lsn(char *buf, size_t n, uint64_t lsn)
{
	snprintf(buf, n, "%" PRIX64 "/%" PRIX64, lsn >> 32, lsn & 0xffffffffu);
}

static const char *health_pg_value(const PGresult *res, int col)
{
	return PQgetisnull(res, 0, col) ? NULL : PQgetvalue(res, 0, col);
}

static bool health_pg_bool(const PGresult *res, int col, bool *out)
{
	const char *v = health_pg_value(res, col);

	if (!v || (strcmp(v, "t") && strcmp(v, "f")))
		return false;
	*out = v[0] == 't';
	return true;
}

static bool health_pg_primary(struct health_pg_memory *m, struct health_pg_facts *f,
			      const PGresult *res, const char **bad)
{
	const char *wal = health_pg_value(res, HEALTH_PG_COL_WALFILE);
	char tli[9] = "";

	if (!health_pg_parse_lsn(health_pg_value(res, HEALTH_PG_COL_LSN), &f->lsn))
		return *bad = "pg_current_wal_lsn()", false;
	/* 24 hex digits: timeline, log, segment (8 each) */
	if (wal && strlen(wal) == 24 && strspn(wal, "0123456789ABCDEF") == 24)
		f->timeline = (unsigned)strtoul(memcpy(tli, wal, 8), NULL, 16);
	if (f->timeline == 0)
		return *bad = "pg_walfile_name()", false;
	f->promotable = true;
	*m = (struct health_pg_memory){0};   /* as a standby again, it learns anew */
	return true;
}

/* The standby's lag: bytes from its replay LSN to the primary's WAL end, as the walsender last
 * reported it (latest_end_lsn) while the receiver streams; the last such value once it stops, so
 * that after the primary dies the lag still says how far behind this standby was. Unknown until
 * a run has seen the receiver stream with a latest_end_lsn (a walsender reports it with its
 * first message: at once when there is WAL to send, else after wal_sender_timeout / 2). */
static bool health_pg_standby(struct health_pg_memory *m, uint64_t max_lag,
			      struct health_pg_facts *f, const PGresult *res, const char **bad)
{
	const char *status = health_pg_value(res, HEALTH_PG_COL_STATUS);
	const char *receive = health_pg_value(res, HEALTH_PG_COL_RECEIVE);
	const char *endv = health_pg_value(res, HEALTH_PG_COL_END);
	const char *tliv = health_pg_value(res, HEALTH_PG_COL_TLI);
	uint64_t end = 0, tli = 0;
	char *e;

	if (!health_pg_parse_lsn(health_pg_value(res, HEALTH_PG_COL_REPLAY), &f->replay_lsn))
		return *bad = "pg_last_wal_replay_lsn()", false;
	if (receive && !health_pg_parse_lsn(receive, &f->receive_lsn))
		return *bad = "pg_last_wal_receive_lsn()", false;
	if (endv && !health_pg_parse_lsn(endv, &end))
		return *bad = "latest_end_lsn", false;
	errno = 0;
	if (tliv && (!isdigit((unsigned char)*tliv) || (tli = strtoull(tliv, &e, 10), *e) || errno ||
		     tli > UINT32_MAX))
		return *bad = "received_tli", false;
	f->lsn = f->replay_lsn;
	f->receive_known = receive != NULL;
	f->receiver_streaming = status && strcmp(status, "streaming") == 0;
	if (f->receiver_streaming && end > 0) {
		m->end_known = true;
		m->last_end = end;
	}
	/* The primary had at least what we received: when it shuts down, its last WAL (the
	 * shutdown checkpoint) comes after the last latest_end_lsn a run could see. */
	if (m->end_known && f->receive_known && f->receive_lsn > m->last_end)
		m->last_end = f->receive_lsn;
	if (tli > 0)
		m->last_tli = (unsigned)tli;
	f->timeline = m->last_tli;   /* the receiver's, or the last one it reported */
	f->lag_known = m->end_known;
	f->lag_bytes = m->end_known && m->last_end > f->replay_lsn ? m->last_end - f->replay_lsn : 0;
	f->promotable = f->lag_known && (max_lag == 0 || f->lag_bytes <= max_lag);
	return true;
}

static void health_pg_describe(const struct health_pg_facts *f, uint64_t max_lag,
			       const PGresult *res, char *detail, size_t n)
{
	const char *status = health_pg_value(res, HEALTH_PG_COL_STATUS), *rx;
	char a[24], b[24] = "none", lag[64] = "lag unknown", over[48] = "";
	bool wr = false;

	health_pg_fmt_lsn(a, sizeof(a), f->lsn);
	if (!f->in_recovery) {
		snprintf(detail, n, "primary, lsn %s, timeline %u", a, f->timeline);
		return;
	}
	if (f->receive_known)
		health_pg_fmt_lsn(b, sizeof(b), f->receive_lsn);
	(void)health_pg_bool(res, HEALTH_PG_COL_WR, &wr);
	if (f->receiver_streaming)
		rx = "streaming";
	else if (!wr)
		rx = "WAL receiver stopped";
	else if (!status)
		rx = "WAL receiver status not visible (needs pg_read_all_stats)";
	else
		rx = status;   /* starting, waiting, restarting, stopping */
	if (f->lag_known)
		snprintf(lag, sizeof(lag), "lag %" PRIu64 " bytes%s", f->lag_bytes,
			 f->receiver_streaming ? "" : " (last known)");
	if (f->lag_known && !f->promotable)
		snprintf(over, sizeof(over), ", over max_lag %" PRIu64, max_lag);
	if (f->receiver_streaming)
		snprintf(detail, n, "standby, replay %s, receive %s, %s%s, %s", a, b, lag, over, rx);
	else
		snprintf(detail, n, "standby, replay %s, receive %s, %s, %s%s", a, b, rx, lag, over);
}

bool health_pg_answer(const PGresult *res, uint64_t max_lag, struct health_pg_memory *m,
		      struct health_pg_facts *f, char *detail, size_t n)
{
	const char *bad = NULL;
	bool ok;

	memset(f, 0, sizeof(*f));
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQnfields(res) != HEALTH_PG_NCOLS)
		bad = "shape of the result";
	else if (!health_pg_bool(res, HEALTH_PG_COL_REC, &f->in_recovery))
		bad = "pg_is_in_recovery()";
	if (bad)
		ok = false;
	else if (f->in_recovery)
		ok = health_pg_standby(m, max_lag, f, res, &bad);
	else
		ok = health_pg_primary(m, f, res, &bad);
	if (ok)
		health_pg_describe(f, max_lag, res, detail, n);
	else
		snprintf(detail, n, "unexpected %s in the answer", bad);
	return ok;
}
