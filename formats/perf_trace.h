/*
 * perf_trace.h - `perf trace` text as a trace (perf_trace.c), read
 * through mr_reader like strace text.
 */
#ifndef MR_FORMATS_PERF_TRACE_H
#define MR_FORMATS_PERF_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "formats/event.h"

/* Calls held to put lines of different CPUs back in order (some 5 MB). */
#define MR_PT_WINDOW 16384

struct mr_ptrace;
struct mr_symtab;

/* What a line left: an error's place and expectation, or a warning. */
struct mr_ptrace_err {
	const char *at;	    /* where the line went wrong */
	const char *expect; /* what was expected there */
	char msg[96];	    /* room for EXPECT */
	char warn[200];	    /* a warning for this line, or "" */
	char *text;	    /* scratch: a call's name and arguments */
	size_t cap;
};

int mr_ptrace_new(struct mr_ptrace **out, const struct mr_symtab *sym);
void mr_ptrace_free(struct mr_ptrace *pt);

/* Whether LINE..END starts as a perf trace line ("TIME (DUR): C/TID"). */
int mr_ptrace_is_line(const char *line, const char *end);

/*
 * Read line LNO: 1 when a call was put in the window, 0 when nothing
 * was (a fault, a first half, a blank), MR_ECORRUPT (ERR says where and
 * what was expected) or MR_ENOMEM. ERR->warn may hold a warning.
 */
int mr_ptrace_line(struct mr_ptrace *pt, const char *line, const char *end,
		   uint64_t lno, struct mr_ptrace_err *err);

/* The next call in the order calls ended: 1 and *EV (valid until the
 * next call), or 0 when the window must fill first (FINAL: the input
 * has ended, so it need not). */
int mr_ptrace_pop(struct mr_ptrace *pt, int final, mr_event *ev);

/* Fault lines skipped so far. */
uint64_t mr_ptrace_faults(const struct mr_ptrace *pt);

/* Calls that came after a call that ended later had left the window:
 * given late, out of the order they ended. */
uint64_t mr_ptrace_late(const struct mr_ptrace *pt);

/* First halves ("... ") still waiting for their "[continued]". */
size_t mr_ptrace_unfinished(const struct mr_ptrace *pt);

#endif
