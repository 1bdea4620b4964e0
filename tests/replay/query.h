/*
 * query.h - for the replay tests: a replay of a bundled capture into a
 * history file, and a read-only SQL query against one, its rows as text
 * (columns separated by '|', one row per line). Include after
 * <cmocka.h>.
 */
#ifndef MR_TESTS_REPLAY_QUERY_H
#define MR_TESTS_REPLAY_QUERY_H

#include <stdio.h>

#include "replay/replay.h"
#include "replay/store.h"

/* Replay the capture folder CAPTURE (its trace.strace.zst and snap/)
 * into DB with HOOK called after every step (may be NULL); its summary
 * in *SUM. Returns replay's result (0 clean, 1 differences). */
static inline int replay_capture(const char *capture, const char *db,
				 void (*hook)(void *, uint64_t,
					      const mr_machine *),
				 void *ctx, mr_replay_summary *sum)
{
	char trace[512], snap[512], err[1024];
	mr_replay_opts o;
	int rc;

	snprintf(trace, sizeof(trace), "%s/trace.strace.zst", capture);
	snprintf(snap, sizeof(snap), "%s/snap", capture);
	mr_replay_opts_default(&o);
	o.trace = trace;
	o.snapdir = snap;
	o.db = db;
	o.out = fopen("/dev/null", "w");
	assert_non_null(o.out);
	o.on_step = hook;
	o.on_step_ctx = ctx;
	rc = mr_replay_run(&o, sum, err, sizeof(err));
	fclose(o.out);
	if (rc == 2)
		fail_msg("replay of %s failed: %s", capture, err);
	assert_true(sum->steps > 0);
	return rc;
}

/* The rows SQL gives on DB; malloc'd. */
static char *query(const char *db, const char *sql)
{
	mr_store *st;
	char err[512], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(mr_store_open_ro(&st, db, err, sizeof(err)), 0);
	assert_int_equal(mr_store_query(st, f, sql, 0), 0);
	fclose(f);
	mr_store_close(st, 0);
	return buf;
}

#endif
