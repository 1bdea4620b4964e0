/*
 * replay.h - the event loop: a trace and its snapshots in, a history out.
 *
 * Events are applied in trace order, except that the events of a task
 * first seen before the clone that created it returned are held back
 * until that clone is applied (strace prints a child's first lines before
 * the parent's "= PID" line). Each event is one step. For each memory
 * syscall the model predicts the result, then applies the recorded one;
 * a difference is a divergence. Exec snapshots seed address spaces; exit
 * snapshots are compared with the model. Page faults from the capture's
 * fault table are applied after the trace line they follow, each its own
 * step. Invariants are checked after every step.
 */
#ifndef MR_REPLAY_REPLAY_H
#define MR_REPLAY_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/mm.h"
#include "formats/event.h"

enum mr_replay_mode {
	MR_MODE_PARSE = 1, /* read events only */
	MR_MODE_MODEL,	   /* read and apply to the model */
	MR_MODE_STORE,	   /* read, apply and store (the default) */
};

#define MR_REVISE_DEFAULT 16
#define MR_STRESS_CALLS 500
#define MR_STRESS_PERCENT 90

/* An assumption about writes named by where it was made: stable across
 * replays of one trace up to that step (replay/revise.c). */
typedef struct mr_choice_key {
	uint64_t step;	/* the step that made it */
	uint64_t start; /* the VMA's start then */
} mr_choice_key;

/* What a probing replay found: the first contradiction after FROM whose
 * VMAs rest on choices, and those choices, likeliest first. */
#define MR_PROBE_CANDIDATES 8
typedef struct mr_probe {
	uint64_t from;				 /* ignore steps up to this */
	uint64_t step;				 /* 0: none found */
	uint64_t weight;			 /* how much differs there
						    (snapshot lines; 1) */
	size_t ncand;				 /* choices found there */
	mr_choice_key cand[MR_PROBE_CANDIDATES]; /* ... likeliest first */
} mr_probe;

typedef struct mr_replay_opts {
	const char *trace;	   /* trace file (.strace or .zst), or strace
				      -ff output (a directory or NAME) */
	const char *const *traces; /* several -ff files (ntraces > 1), the
				      first of them also in trace */
	size_t ntraces;		   /* how many; 0 or 1: trace alone */
	int format;		   /* enum mr_format: MR_FMT_AUTO by content */
	const char *snapdir;	/* snapshot directory, or NULL */
	const char *db;		/* history file to write */
	int mode;		/* enum mr_replay_mode */
	int stop_on_violation;	/* stop at the first violation */
	int full_check;		/* check whole address spaces every step */
	int progress;		/* progress line on stderr */
	int show;		/* divergences/violations printed in full */
	mr_config cfg;		/* model configuration */
	int max_map_count_set;	/* cfg.max_map_count was given: snap/kernel.tsv
				   does not override it */
	const char *faults;	/* fault table (faults.h), or NULL: the
				   snapshot directory's faults.tsv.zst */
	int no_faults;		/* ignore the snapshot directory's table
				   and perf text */
	int lenient;		/* skip malformed trace lines, count them
				   by kind and report the first few at
				   the end (default: the first stops the
				   replay, exit 2) */
	int no_pages;		/* faults change VMAs only: no pages, page
				   tables or RSS (the VMA-only model) */
	const char *perf;	/* perf script text (formats/perfplace.h),
				   or NULL: the snapshot directory's
				   perf.txt.zst */
	const char *machine;	/* the machine profile's directory
				   (zoneinfo, pagetypeinfo, buddyinfo,
				   slabinfo), or NULL: the snapshot
				   directory's machine.before, else the
				   default machine (data/machine) */
	int exec_from_elf;	/* build every exec from ELF headers, even
				   when an exec snapshot exists (without a
				   snapshot directory they always are) */
	uint64_t check_history; /* also compare the history's maps with
				   the model's at every Nth step (all
				   live address spaces; 0: only where a
				   snapshot was compared) */
	FILE *out;		/* summary and reports */
	uint64_t stop_after;	/* stop once this step is applied (0: run
				   to the end) */
	/* Called after every step with the model (tests, tools), after
	 * on_step_line with the trace line of the step (0: none). */
	void (*on_step)(void *ctx, uint64_t step, const mr_machine *m);
	void (*on_step_line)(void *ctx, uint64_t step, uint64_t line);
	void *on_step_ctx; /* passed to both */
	const int *stop_request; /* when it points at non-zero after a step,
				    the replay stops there */
	/* Called at each divergence (VIOLATION 0: KIND is the divergence's
	 * kind, EXPECTED what the kernel did, GOT what the model did) and
	 * invariant violation (VIOLATION 1: KIND is the invariant, EXPECTED
	 * and GOT are ""), with the step and its trace line. */
	void (*on_problem)(void *ctx, uint64_t step, uint64_t line,
			   int violation, const char *kind,
			   const char *expected, const char *got);
	/* When it points at non-zero (a SIGINT or SIGTERM handler sets
	 * it), the replay stops before the next event and its history is
	 * closed as incomplete (summary.interrupted). */
	const volatile int *interrupt;
	/* Called once when the replay ends, the model as it ends. */
	void (*on_end)(void *ctx, const mr_machine *m);
	/* Revision (docs/fidelity.md, "Revising assumptions"): at most this
	 * many model-only replays to find choices whose other value removes
	 * the contradictions a replay met (0: none). */
	unsigned revise; /* the commands' default: MR_REVISE_DEFAULT */
	const mr_choice_key *flip; /* choices taken the other way, sorted */
	size_t nflip;
	mr_probe *probe;	 /* a probing replay: stops at the first
				    contradiction after probe->from */
	int no_revise_snapshots; /* revise on results and map counts only,
				    not on snapshots that differ */
	int quiet_warnings;	 /* print no reader warning (a revised
				    replay: the first one printed them) */
	/* Tasks (sorted tids) whose memory created writable is taken as
	 * unwritten: rule stress (docs/fidelity.md). */
	const int32_t *stress;
	size_t nstress;
	/* When not NULL, a parse-only replay lists there (malloc'd, sorted)
	 * the tasks that did little but manage their memory: at least
	 * MR_STRESS_CALLS calls since their exec, MR_STRESS_PERCENT % of
	 * them memory-management calls. */
	int32_t **stress_found;
	size_t *nstress_found;
	/* 1: everything on one thread; 2 (the default): the history's
	 * writes on a thread of their own (replay/sqlq.h). The history is
	 * the same, byte for byte. */
	int threads;
} mr_replay_opts;

/* What the model predicted of one syscall's recorded results. */
typedef struct mr_sys_stats {
	uint64_t calls;	    /* applied to a modelled address space */
	uint64_t recorded;  /* ... with a recorded result */
	uint64_t predicted; /* predicted, with a recorded result */
	uint64_t matched;   /* ... equal */
	uint64_t addrs;	    /* kernel-chosen addresses (mmap without
			       MAP_FIXED, mremap with MREMAP_MAYMOVE) */
	uint64_t addrs_ok;  /* ... predicted */
	uint64_t errnos;    /* recorded failures */
	uint64_t errnos_ok; /* ... predicted */
	uint64_t allocs;    /* calls whose page and slab allocations were
			       compared with the kernel's events */
	uint64_t allocs_ok; /* ... all equal */
} mr_sys_stats;

typedef struct mr_replay_summary {
	uint64_t events;       /* events read */
	uint64_t steps;	       /* steps applied */
	uint64_t processes;    /* distinct pids */
	uint64_t predicted;    /* results the model predicted */
	uint64_t matched;      /* ... equal to the recorded ones */
	uint64_t divergences;  /* result and snapshot divergences */
	uint64_t violations;   /* invariant violations */
	uint64_t snapshots;    /* exit snapshots compared */
	uint64_t snap_matched; /* ... that matched */
	uint64_t seeded;       /* exec snapshots used */
	uint64_t elf_built;    /* execs built from ELF headers */
	uint64_t elf_failed;   /* ... that could not be (file not readable) */
	uint64_t warnings;     /* skipped input lines */
	uint64_t lines;	       /* trace lines read */
	uint64_t line_snaps;   /* per-syscall snapshots compared */
	uint64_t line_matched; /* ... that matched */
	uint64_t vma_lines;    /* kernel maps lines in the snapshots compared */
	uint64_t vma_matched;  /* ... that the model had */
	uint64_t vma_unknown;  /* ... matched but for fields no trace
				  shows (learned from the snapshot) */
	uint64_t hist_checks;  /* (step, address space) pairs whose maps
				  were read back from the history */
	uint64_t hist_matched; /* ... equal to the model's */
	uint64_t hist_snaps;   /* of those, steps a snapshot was compared */
	mr_sys_stats sys[MR_SYS__COUNT]; /* per memory syscall */
	uint64_t reordered;	 /* calls applied ahead of their line: another
				    thread's mmap needed them served first */
	uint64_t faults;	 /* page faults applied */
	uint64_t faults_grew;	 /* ... that grew a stack */
	uint64_t faults_anon;	 /* ... that gave a VMA an anon_vma */
	uint64_t faults_nomap;	 /* ... at no VMA or refused (SIGSEGV) */
	uint64_t faults_dropped; /* of tasks not modelled */
	uint64_t remote;	 /* other tasks' accesses into traced
				    address spaces (perf) */
	uint64_t rss_checks;	 /* (step, address space) pairs whose RSS
				    counters were compared with rss_stat */
	uint64_t rss_matched;	 /* ... equal */
	uint64_t status_lines;	 /* status lines compared at snapshots */
	uint64_t status_matched; /* ... equal */
	uint64_t smaps_vmas;	 /* smaps VMAs whose Rss and Anonymous
				    were compared */
	uint64_t smaps_matched;	 /* ... equal */
	uint64_t pagemap_pages;	 /* pages present at snapshots (the larger
				    of the kernel's pagemap and the model's) */
	uint64_t pagemap_matched; /* ... present in both */
	uint64_t pgtable_checks;  /* steps whose page-table allocations were
				     compared with kmem:mm_page_alloc */
	uint64_t pgtable_matched; /* ... equal */
	uint64_t palloc_checks;	  /* steps whose zeroed anonymous pages and
				     THP folios were compared */
	uint64_t palloc_matched;  /* ... equal */
	uint64_t slab_checks;	  /* steps whose vm_area_struct allocations
				     and frees were compared */
	uint64_t slab_matched;	  /* ... equal */
	uint64_t rmap_checks;	  /* steps whose anon_vma and anon_vma_chain
				     allocations and frees were compared */
	uint64_t rmap_matched;	  /* ... equal */
	uint64_t malformed;	 /* trace lines skipped by --lenient */
	int store_failed;	 /* a write to the history failed: it
				    holds the steps of its last commit */
	int interrupted;	 /* stopped by opts.interrupt: the history
				    keeps the steps before, as incomplete */
	uint64_t rss_races;	 /* of those, pairs of steps of threads
				    whose counter changes the kernel read
				    at once: equal in sum only */
	/* writes strace does not show (docs/fidelity.md) */
	uint64_t assumed_written;    /* VMAs taken as written by a rule */
	uint64_t assumed_unwritten;  /* ... as not written */
	uint64_t assumed_confirmed;  /* evidence then showed written */
	uint64_t assumed_overturned; /* evidence then showed written what
					was taken as not */
	uint64_t exit_vmas;	     /* VMAs at the processes' exits */
	uint64_t exit_uncertain;     /* ... resting on an assumption */
	uint64_t contradictions;     /* divergences and violations the model's
					assumptions may explain (counted in
					divergences) */
	uint64_t revisable;	     /* ... of results and map counts, which
					revision tries to remove */
	uint64_t revised;	     /* choices revision took the other way */
	uint64_t revise_runs;	     /* model-only replays it took */
	uint64_t revise_unresolved;  /* contradictions no candidate removed */
	uint64_t stress_processes;   /* tasks replayed with rule stress */
	uint64_t limits_learned;     /* RLIMIT_MEMLOCK learned from refusals */
} mr_replay_summary;

void mr_replay_opts_default(mr_replay_opts *o);

/*
 * Run a replay. Returns 0 when clean, 1 when divergences or violations
 * were found, 2 on unusable input (ERR names file, line and column; the
 * history keeps every step up to the last complete one).
 */
int mr_replay_run(const mr_replay_opts *o, mr_replay_summary *sum, char *err,
		  size_t errlen);

/* Print the summary (deterministic: no times). */
void mr_replay_print_summary(FILE *out, const mr_replay_summary *s);

#endif
