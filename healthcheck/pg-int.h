/* Between pg.c (the connection and the run, libpq's asynchronous API in the loop) and
 * pg-answer.c (the query, and what its answer means: pure, no I/O). */
#pragma once

#include <libpq-fe.h>
#include <stddef.h>

#include "healthcheck/runner.h"

/* The one query of a run (pg-answer.c says why it is written so). */
extern const char health_pg_sql[];

/* What a standby remembers from run to run: the primary's WAL end as last known (see
 * health_pg_answer), and its timeline. Zeroed: nothing known. */
struct health_pg_memory {
	bool end_known;
	uint64_t last_end;
	unsigned last_tli;
};

/* Judge a successful answer to health_pg_sql (PGRES_TUPLES_OK): fill *f (zeroed first), update
 * *m, and write the detail for people: a description ("primary, lsn 0/3000148, timeline 1") and
 * true, or what was wrong with the answer ("unexpected pg_current_wal_lsn() in the answer") and
 * false. max_lag: bytes, 0 for no limit. */
bool health_pg_answer(const PGresult *res, uint64_t max_lag, struct health_pg_memory *m,
		      struct health_pg_facts *f, char *detail, size_t n);
