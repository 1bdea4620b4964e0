/*
 * sqlq.h - the history's writes, run by a thread of their own.
 *
 * The store binds parameters and steps prepared statements through this
 * queue instead of calling SQLite: each call is recorded (text copied)
 * into a chunk, full chunks go to a writer thread that makes the same
 * SQLite calls in the same order on the one connection. The file is
 * therefore byte for byte what the calls made in line would have made,
 * whatever the scheduling. A bounded number of chunks is in flight, so
 * memory does not grow with the trace.
 *
 * A failed statement fails the queue: later calls are dropped, and the
 * producer learns of it at its next mr_sqlq_failed() or mr_sqlq_sync().
 * Anything that uses the connection directly first calls mr_sqlq_sync(),
 * which returns once every recorded call has run. Without a thread
 * (mr_sqlq_new() with THREADED 0, or after mr_sqlq_stop()) calls run at
 * once.
 */
#ifndef MR_REPLAY_SQLQ_H
#define MR_REPLAY_SQLQ_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mr_sqlq mr_sqlq;

/* A queue writing to DB; errors name PATH. NULL when out of memory. */
mr_sqlq *mr_sqlq_new(sqlite3 *db, const char *path, int threaded);
/* Run what is queued, stop the thread (later calls run at once) and
 * free Q. */
void mr_sqlq_free(mr_sqlq *q);

void mr_sqlq_int(mr_sqlq *q, sqlite3_stmt *s, int i, int64_t v);
void mr_sqlq_null(mr_sqlq *q, sqlite3_stmt *s, int i);
/* N numbers (N <= 64) from parameter FIRST: V[i], or NULL where bit i
 * of NULLS is set. One record: cheaper than N calls of the above. */
void mr_sqlq_ints(mr_sqlq *q, sqlite3_stmt *s, int first, const int64_t *v,
		  uint64_t nulls, int n);
/* TEXT of LEN bytes (LEN < 0: up to its NUL), copied. */
void mr_sqlq_text(mr_sqlq *q, sqlite3_stmt *s, int i, const char *t, int len);
/* Step S to its end and reset it; a failure names WHAT. */
void mr_sqlq_step(mr_sqlq *q, sqlite3_stmt *s, const char *what);
void mr_sqlq_clear(mr_sqlq *q, sqlite3_stmt *s);
/* Run the statements of SQL (copied), as sqlite3_exec() does. */
void mr_sqlq_exec(mr_sqlq *q, const char *sql);

/* Wait until every recorded call has run. Returns non-zero when one
 * failed. */
int mr_sqlq_sync(mr_sqlq *q);
/* Sync and end the thread: later calls run at once. Returns what
 * mr_sqlq_sync() returns. */
int mr_sqlq_stop(mr_sqlq *q);
/* Non-zero once a recorded call failed (does not wait). */
int mr_sqlq_failed(mr_sqlq *q);
/* What failed: "PATH: WHAT: SQLite's message", or "" (after a sync). */
const char *mr_sqlq_errmsg(mr_sqlq *q);

#endif
