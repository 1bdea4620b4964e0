/*
 * perfplace.h - the kernel's tracepoints (perf script text, perf.h)
 * placed in a strace trace: which step of the replay each event belongs
 * to.
 *
 * A task's syscall exits in the perf stream are its trace lines in the
 * same order, so the k-th raw_syscalls:sys_exit of TID is the k-th
 * syscall result strace printed for TID; their return values must agree,
 * or the file is refused with the line that disagrees. That gives every
 * exit its trace line. Then:
 *
 *   - a page fault (page_fault_user, page_fault_kernel) is a step of its
 *     own, placed after the highest trace line whose exit came before it,
 *     of any task (the trace order of the replay). Kernel-mode faults
 *     during a successful execve build the new address space: they are
 *     placed after the execve's line;
 *   - every other event of a task belongs to the fault the task took
 *     last when no syscall entry or exit of the task came between them
 *     (the fault's "group": its fault-around, page allocations, counter
 *     changes); otherwise to the syscall the task was in, whose exit
 *     gives it that call's trace line. Without sys_enter events, events
 *     between a fault and the next syscall exit are the fault's;
 *   - events of tasks the trace never shows (strace, perf), of the
 *     recorder's launcher before it execs the command (strace's fork),
 *     and of calls that never printed a result are dropped (counted).
 *
 * Particular cases (measured on Linux 6.18): a new task's first exit is
 * the child's return from clone/fork, which strace does not print;
 * calls that never return (exit, exit_group) print "= ?" and have no
 * exit, and a call cut short by another thread's execve prints "= ?"
 * too but has one: an exit that is not the next known line's is taken
 * as that "= ?" line's.
 */
#ifndef MR_FORMATS_PERFPLACE_H
#define MR_FORMATS_PERFPLACE_H

#include <stddef.h>
#include <stdint.h>

#include "formats/perf.h"

/* Where an event belongs. */
enum mr_pl_anchor {
	MR_PL_CALL = 0, /* inside the syscall of trace line `line` */
	MR_PL_FAULT,	/* a fault step after trace line `line`, or an
			   event of that fault's group */
};

/* gfp classes of kmem:mm_page_alloc the model tells apart. */
enum mr_pl_gfp {
	MR_GFP_OTHER = 0,
	MR_GFP_PGTABLE,	 /* GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP:
			    a page-table page */
	MR_GFP_USER_MOV, /* GFP_HIGHUSER_MOVABLE... or GFP_TRANSHUGE...: a
			    user page or THP folio */
	MR_GFP_ANON_ZERO, /* GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP: a
			     zeroed anonymous page */
};

/* The slab caches the model tells apart (kmem_cache_alloc/free). */
enum mr_pl_cache {
	MR_PL_CACHE_OTHER = 0,
	MR_PL_CACHE_VMA,      /* vm_area_struct */
	MR_PL_CACHE_ANON_VMA, /* anon_vma */
	MR_PL_CACHE_AVC,      /* anon_vma_chain */
	MR_PL_CACHE_MAPLE,    /* maple_node */
	MR_PL_CACHE_MM,	      /* mm_struct */
};

/* One placed event: the perf event's numbers, without its strings. */
typedef struct mr_pl_event {
	uint64_t line;	   /* CALL: the call's trace line; FAULT: the line
			      the fault step follows (0: before the first) */
	uint64_t seq;	   /* order in the perf stream */
	uint64_t group;	   /* FAULT: seq of the fault it belongs to (the
			      fault's own seq for the fault) */
	uint64_t plineno;  /* line of the perf text */
	uint8_t anchor;	   /* enum mr_pl_anchor */
	uint8_t kind;	   /* enum mr_perf_kind */
	uint8_t gfp;	   /* enum mr_pl_gfp (page alloc) */
	int8_t curr;	   /* rss_stat: the task's own mm */
	int8_t member;	   /* rss_stat: enum mr_rss_member */
	int8_t order;	   /* page alloc/free: order */
	int8_t migratetype; /* page alloc: migratetype */
	uint8_t cache;	   /* kmem_cache_alloc/free: enum mr_pl_cache */
	int32_t tid;	   /* the task */
	int32_t cpu;	   /* its CPU */
	uint32_t code;	   /* fault: x86 error code */
	uint32_t mm_id;	   /* rss_stat: hash of the mm */
	uint32_t dev_major, dev_minor; /* filemap: device */
	uint64_t ino;		       /* filemap: inode */
	uint64_t addr;		       /* fault: address */
	uint64_t ofs, ofs_end;	       /* filemap: byte range (last byte) */
	uint64_t size;		       /* rss_stat: counter in bytes */
	int64_t prev;		       /* rss_stat: the same counter of the
					  same mm_id before, in stream order
					  (-1: its first event) */
	uint64_t pfn;		       /* page alloc/free */
} mr_pl_event;

typedef struct mr_placed {
	mr_pl_event *v;	   /* in replay order: by line, then CALL before
			      FAULT, then group, then seq */
	size_t n;	   /* events kept */
	size_t faults;	   /* of them page faults */
	uint64_t exits;	   /* syscall exits matched to trace lines */
	uint64_t dropped;  /* events of tasks or calls the trace does not
			      show */
	int has_enter;	   /* the file has sys_enter events */
	int has_rss;	   /* ... kmem:rss_stat events */
	int has_alloc;	   /* ... kmem:mm_page_alloc events */
	int has_filemap;   /* ... filemap events */
	int has_cache;	   /* ... kmem:kmem_cache_alloc events */
} mr_placed;

/*
 * Place the events of the perf script text PERF in the strace trace
 * TRACE. The trace's first task is the one strace started: its exits
 * before its first successful execve are strace's fork's, and its events
 * count from the sys_enter of that execve (from its exit without
 * sys_enter events). Returns 0, or MR_ECORRUPT (ERR names the perf file and line and what
 * disagreed with which trace line), MR_EIO, MR_ENOMEM. On failure *OUT
 * is empty.
 */
int mr_place_perf(mr_placed *out, const char *perf, const char *trace,
		  char *err, size_t errlen);

void mr_placed_release(mr_placed *p);

#endif
