/*
 * intern.h - byte strings to ids, for the history's shared rows.
 *
 * The history stores each distinct call shape and VMA kind once
 * (step_op, vma_kind: docs/schema.md) and refers to it by id. This table
 * remembers which ids were given to which keys. It is bounded: when it
 * holds MAX keys or MR_INTERN_BYTES of them it forgets them all and
 * starts again, so memory does not grow with the trace; a key seen again
 * after that gets a new row, which costs space, never correctness.
 */
#ifndef MR_REPLAY_INTERN_H
#define MR_REPLAY_INTERN_H

#include <stddef.h>
#include <stdint.h>

typedef struct mr_intern mr_intern;

#define MR_INTERN_BYTES (16u << 20) /* keys' bytes kept at most */

/* A table that remembers at most MAX keys (at least 1). NULL: no memory. */
mr_intern *mr_intern_new(size_t max);
void mr_intern_free(mr_intern *t);

/* The id remembered for the LEN bytes at KEY, or 0. */
int64_t mr_intern_get(const mr_intern *t, const void *key, size_t len);

/*
 * Remember KEY (LEN bytes, not already there) as ID (not 0), first
 * forgetting everything when the table is full. 0, or -1 out of memory
 * (the table is then empty and still usable).
 */
int mr_intern_put(mr_intern *t, const void *key, size_t len, int64_t id);

/* Keys remembered now. */
size_t mr_intern_count(const mr_intern *t);

/*
 * Make *BUF (malloc'd, *CAP bytes, may be NULL and 0) hold at least NEED
 * bytes, doubling from 256: 0, or -1 out of memory (*BUF unchanged).
 */
int mr_intern_reserve(char **buf, size_t *cap, size_t need);

#endif
