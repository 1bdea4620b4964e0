/*
 * pipe.h - items made on a thread of their own, taken in order.
 *
 * A body runs on the pipe's thread and puts items (structs of one size
 * whose string fields, at the offsets given, point at text that is
 * copied with them) into batches; the consumer takes them in the order
 * they were put, then the body's result. At most NBATCH batches exist:
 * the body waits for the consumer, never grows. Readers of traces use
 * it to parse while the replay models (replay/prefetch.c, perf.c).
 */
#ifndef MR_FORMATS_PIPE_H
#define MR_FORMATS_PIPE_H

#include <stddef.h>

typedef struct mr_pipe mr_pipe;

/* The producer's work: puts items, returns what the consumer gets at
 * the end (0, or a negative error). */
typedef int (*mr_pipe_body)(void *ctx, mr_pipe *p);

/*
 * Start BODY(CTX) on a new thread, for items of SIZE bytes whose NSTRS
 * string fields (const char *, possibly NULL) are at offsets STRS. NULL
 * when out of memory or without a thread.
 */
mr_pipe *mr_pipe_start(size_t size, const size_t *strs, size_t nstrs,
		       mr_pipe_body body, void *ctx);

/* The body's next item to fill, or NULL when the pipe is being stopped
 * (the body then returns). */
void *mr_pipe_slot(mr_pipe *p);
/* The slot is filled: its strings are copied. 0, or -1 when out of
 * memory (the body should end with an error). */
int mr_pipe_put(mr_pipe *p);

/* The consumer's next item (valid until the next call): 1; else the
 * body's result, again at every later call. */
int mr_pipe_take(mr_pipe *p, const void **item);

/* Stop the body wherever it is, wait for it and free P. */
void mr_pipe_stop(mr_pipe *p);

#endif
