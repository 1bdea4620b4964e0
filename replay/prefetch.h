/*
 * prefetch.h - a trace read and parsed on a thread of its own.
 *
 * The thread calls mr_reader_next() and copies each event, its strings
 * with it, into batches; mr_prefetch_next() hands them out in order,
 * with the reader's warnings at their place between them, so the
 * replay sees exactly the events, warnings and end the reader alone
 * gives. A bounded number of batches exists: the reader waits for the
 * replay, never grows.
 */
#ifndef MR_REPLAY_PREFETCH_H
#define MR_REPLAY_PREFETCH_H

#include "formats/reader.h"

typedef struct mr_prefetch mr_prefetch;

/*
 * Read RD on a new thread; its warnings go to WARN(CTX, msg) on the
 * caller's thread, from mr_prefetch_next(). RD is the thread's until
 * mr_prefetch_free(). NULL when out of memory or without a thread (then
 * read RD directly).
 */
mr_prefetch *mr_prefetch_new(mr_reader *rd, mr_reader_warn_fn warn, void *ctx);
/* As mr_reader_next(): 1 and the next event (its strings valid until
 * the next call), 0 at the end, -1 on a bad line (the reader's errmsg
 * says which). */
int mr_prefetch_next(mr_prefetch *p, mr_event *ev);
/* Stop the thread (wherever it is) and free P. */
void mr_prefetch_free(mr_prefetch *p);

#endif
