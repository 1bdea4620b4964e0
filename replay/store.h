/*
 * store.h - the SQLite history of a replay.
 *
 * Tables and views are a public contract documented in docs/schema.md.
 * Rows are intervals: a VMA row lives from the step it appeared
 * (from_step) to the step it was removed or changed (to_step, NULL while
 * alive), so "state at step N" is
 *   from_step <= N AND (to_step IS NULL OR to_step > N).
 *
 * Writes go through prepared statements inside large transactions; a
 * transaction is committed every MR_STORE_COMMIT_EVERY steps (a tenth of
 * a second of a syscall capture's replay here; +5% on its time against
 * 65,536) and at mr_store_close(), so after any failure, even kill -9,
 * the file holds every step up to the last commit and is a valid
 * database. meta.finished is 0 until a finished replay closes it, and
 * meta.last_step is the last step committed. While it is written the
 * history is locked (PATH.lock, flock): a second writer is refused.
 */
#ifndef MR_REPLAY_STORE_H
#define MR_REPLAY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/buddy.h"
#include "formats/procinfo.h"
#include <stdio.h>

#include "engine/mm.h"

#define MR_STORE_COMMIT_EVERY 16384

typedef struct mr_store mr_store;

/* One row of the step table. */
typedef struct mr_step_row {
	uint64_t step;	     /* step number, from 1 */
	int32_t pid;	     /* thread group id */
	int32_t tid;	     /* the tid in the trace's pid column */
	uint64_t line;	     /* trace line of the result */
	int64_t ts;	     /* timestamp in ns, or -1 */
	const char *kind;    /* "syscall", "signal", "exit", ... */
	const char *name;    /* syscall or signal name, or NULL */
	const char *args;    /* argument text, or NULL */
	int64_t ret;	     /* recorded result */
	int has_ret;	     /* 0: ret is NULL */
	int64_t predicted;   /* predicted result */
	int has_pred;	     /* 0: predicted is NULL */
	const char *verdict; /* "match", "diverge", "unknown", "skip" */
	uint64_t digest;     /* state digest after the step */
	int64_t vmas;	     /* VMAs of the task's mm after the step, or -1 */
} mr_step_row;

/*
 * Create PATH (replacing an existing file of that name) and its schema.
 * On failure returns MR_EDB or MR_EIO and, when errbuf is given, a
 * message naming the file.
 */
int mr_store_create(mr_store **out, const char *path, char *errbuf,
		    size_t errlen);

/* Open an existing history read-only. */
int mr_store_open_ro(mr_store **out, const char *path, char *errbuf,
		     size_t errlen);

const char *mr_store_errmsg(const mr_store *st);

/* Run ST's writes on a thread of their own (replay/sqlq.h): the file
 * is the same, byte for byte; a failed write is reported by the store's
 * next call. Without it (or when the thread cannot start) they run in
 * line. */
void mr_store_writer(mr_store *st);

/* The journal hooks that record model changes into ST. */
void mr_store_journal(mr_store *st, mr_journal *j);

/* Set the step that subsequent journal changes belong to. */
void mr_store_set_step(mr_store *st, uint64_t step);

/* Choice C (an assumption about writes) made at STEP by PID. */
int mr_store_choice(mr_store *st, uint64_t step, int32_t pid,
		    const mr_choice *c);
int mr_store_meta(mr_store *st, const char *key, const char *value);

/* ---- the simulated node (store_node.c) ---- */

/* The machine the replay uses: its files (NAMES[i] holds TEXT[i], NULL
 * skipped) and the profile laid out from them. Creates the node's
 * tables; once. */
int mr_store_machine(mr_store *st, const char *source,
		     const char *const text[], const char *const names[],
		     int nfiles, const mr_buddy_profile *p);
/* The node's counts after STEP (0: the initial state, every zone), of
 * the zones in the mask ZONES (bit z: zone z; the others unchanged). */
int mr_store_node(mr_store *st, uint64_t step, const mr_buddy_counts *c,
		  unsigned zones);
/* The machine's files and the node's counts after step AT: 0, 1 when the
 * history holds no node, or MR_EDB / MR_ENOMEM. */
int mr_store_node_at(mr_store *st, uint64_t at, mr_machine_files *mf,
		     mr_buddy_counts *c);
/* The slab caches' counts after STEP (C indexed as P->v; the first call
 * opens a row for every cache, later ones close and open the rows of
 * the caches whose counts changed). */
int mr_store_slab(mr_store *st, uint64_t step, const mr_slab_profile *p,
		  const mr_slab_counts *c);
/* The counts of P's caches after step AT into C: 0, 1 when the history
 * holds no slab rows. */
int mr_store_slab_at(mr_store *st, uint64_t at, const mr_slab_profile *p,
		     mr_slab_counts *c);
/* FN with the free counts after each step that changed them, in step
 * order (pageblocks and CPU lists not filled in); stops at FN's non-zero
 * result, which it returns. 1 when the history holds no node. */
int mr_store_node_walk(mr_store *st,
		       int (*fn)(void *ctx, uint64_t step,
				 const mr_buddy_counts *c),
		       void *ctx);
/* A checkpoint of the page tables: pages [start, end) of address space
 * MM (owned by PID) mapped KIND ("anon", "file", "shmem", "zero") after
 * STEP. */
int mr_store_pages(mr_store *st, uint64_t step, uint32_t mm, int32_t pid,
		   uint64_t start, uint64_t end, const char *kind);
int mr_store_step(mr_store *st, const mr_step_row *row);
int mr_store_divergence(mr_store *st, uint64_t step, int32_t pid, uint64_t line,
			const char *kind, const char *expected, const char *got,
			const char *detail);
int mr_store_violation(mr_store *st, uint64_t step, int32_t pid, uint64_t line,
		       const char *invariant, uint64_t addr, const char *detail,
		       const char *context);

/* Commit what is pending (steps up to now become durable). */
int mr_store_commit(mr_store *st);

/*
 * Finish: commit, build the indexes, and close. FINISHED=0 closes after a
 * commit only (used when input went bad mid-way). Frees ST.
 */
int mr_store_close(mr_store *st, int finished);

/* Non-zero once any write failed; mr_store_errmsg() tells why. */
int mr_store_failed(mr_store *st);

/* ---- reading ---- */

/*
 * Print the maps of PID after step N to OUT, exactly as /proc/PID/maps
 * prints them. Returns 0, 1 when PID had no known address space at that
 * step (a message is in errmsg), or MR_EDB.
 */
int mr_store_print_maps(mr_store *st, FILE *out, int32_t pid, uint64_t n);
/* The same, each line resting on an assumption about writes marked
 * "[uncertain: ...]" with the assumption (maps --uncertain). */
int mr_store_print_maps_uncertain(mr_store *st, FILE *out, int32_t pid,
				  uint64_t n);
/* The memory lines of /proc/PID/status at step N (engine/status.c), from
 * the mm and vma rows; same returns as mr_store_print_maps(). */
int mr_store_print_status(mr_store *st, FILE *out, int32_t pid, uint64_t n);

/*
 * Write every row waiting in memory into the open transaction (live rows
 * with to_step NULL), so that this connection reads the whole history up
 * to the current step; with FINAL (no VMA row will change again), also
 * build the vma_at index the at-step reads use. Returns 0 or MR_EDB.
 */
int mr_store_flush(mr_store *st, int final);

/*
 * The maps of address space MM after step N, as mr_store_print_maps()
 * prints them, into a malloc'd *OUT (free it). Returns 0, MR_ENOMEM or
 * MR_EDB.
 */
int mr_store_mm_maps(mr_store *st, uint32_t mm, uint64_t n, char **out,
		     size_t *len);

/*
 * Run one SQL statement read-only and print the rows to OUT as text, one
 * row per line, columns separated by '|' (like sqlite3's list mode), with
 * a header line when HEADER is set. Returns 0 or MR_EDB.
 */
int mr_store_query(mr_store *st, FILE *out, const char *sql, int header);

#endif
