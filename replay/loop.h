/*
 * loop.h - the event loop's state, shared by replay.c (applying events,
 * the run), procs.c (pids, fds, files), linesnap.c (per-syscall and exit
 * snapshots), faultstep.c (page faults) and ahead.c (events out of trace
 * order). Private to replay/.
 */
#ifndef MR_REPLAY_LOOP_H
#define MR_REPLAY_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "engine/errcode.h"
#include "engine/mm.h"
#include "formats/event.h"
#include "formats/faults.h"
#include "formats/maps.h"
#include "formats/perfplace.h"
#include "formats/reader.h"
#include "formats/procinfo.h"
#include "replay/replay.h"
#include "replay/replay_int.h"
#include "replay/store.h"

/* CPUs whose per-CPU RSS counter parts are followed (physstep.c). */
#define MR_PCPU_MAX 64

/* An open fd of a thread group. */
struct fd_ent {
	uint64_t key;	  /* tgid << 32 | fd */
	uint32_t file;	  /* file table id */
	uint32_t ofd;	  /* open file description */
	uint8_t readable; /* opened for reading */
	uint8_t writable; /* opened for writing */
	uint8_t nommap;	  /* a directory, pipe, socket or device whose
			     driver has no mmap: ENODEV */
};

/* What replay remembers of a pid beyond its mm. */
struct pid_ent {
	int32_t pid;	/* the pid */
	unsigned execs; /* successful execve calls so far */
	int gone;	/* the task has exited */
	char *cwd;	/* working directory -y last showed, or NULL */
	uint64_t calls; /* syscalls since its exec (rule stress) */
	uint64_t memcalls; /* ... memory-management calls */
};

/* An event held back until the clone that made its task is applied, or
 * read ahead of its turn. */
struct held {
	mr_event ev; /* deep copy */
	char *strs;  /* its strings, one allocation */
	int done;    /* read ahead, and already applied */
};

struct replay {
	const mr_replay_opts *o;
	struct mr_buddy *node;	     /* the node until the machine has it */
	mr_machine_files node_files; /* the machine's files */
	int have_node_files;
	mr_slab_profile slab_prof;	 /* the machine's slabinfo */
	struct mr_slub *slub;		 /* its caches until the machine
					    has them */
	mr_slab_counts *slab_counts;	 /* per profiled cache */
#define MR_RP_KC_MAX 16
	uint64_t slab_bg[MR_RP_KC_MAX];	 /* by cache number: background
					    objects of the
					    modelled caches at step 0 */
	uint64_t slub_gen;		 /* the caches' generation stored */
	mr_buddy_counts node_counts;	 /* the node's counts last stored */
	uint64_t node_gen[MR_ZONE__COUNT]; /* ... at these generations */
	mr_replay_summary *sum;
	mr_machine *m;
	mr_store *st;
	mr_reader *rd;
	struct mr_prefetch *pf; /* RD read on a thread of its own, or NULL */
	uint64_t step;
	struct choice_at {	/* each assumption (mr_choice id - 1) */
		uint64_t step;	/* the step that made it */
		uint64_t start; /* the VMA's start then */
		uint64_t end;	/* ... and end */
		uint8_t state;	/* MR_WS_ASSUMED or MR_WS_OPEN */
		uint8_t rule;	/* enum mr_wrule */
	} * choices;
	size_t nchoices, capchoices;
	struct fd_ent *fds;
	size_t nfds, capfds;
	struct pid_ent *pids;
	size_t npids, cappids;
	struct held *held;
	size_t nheld, capheld;
	int started; /* the first task was adopted */
	int stop;    /* stop requested (violation) */
	int interrupted; /* o->interrupt fired: the history is incomplete */
	/* the step being applied, for reports */
	const mr_event *cur;
	int32_t cur_tgid;
	char *err;
	size_t errlen;
	int bad;	      /* unusable input seen */
	mr_config cfg;	      /* the options' configuration, with what
				 snap/kernel.tsv says */
	mr_kernel_facts kern; /* snap/kernel.tsv */
	/* per-syscall snapshots in the snapshot directory: (tid << 40) |
	 * line, sorted */
	uint64_t *linesnaps;
	size_t nlinesnaps, caplinesnaps;
	/* ... or all of them in one stream (snap/lines.maps.zst) */
	mr_snapstream *ls;
	int ls_have;	     /* the next snapshot is read */
	uint64_t ls_key;     /* its (tid << 40) | line */
	const char *ls_text; /* its text */
	struct stashed {
		uint64_t key; /* a snapshot passed in the stream */
		char *text;   /* before its step came (held events) */
	} * stash;
	size_t nstash, capstash;
	/* line snapshots of threads sharing their mm that matched no state
	 * yet: other threads may have changed the mm during the hold */
	struct late_snap {
		char *text;	     /* the kernel's maps */
		mr_snap_cmp cmp;     /* the first comparison */
		uint64_t step, line; /* where it was taken */
		int32_t tid, tgid;   /* the held thread */
		uint32_t mm;	     /* its mm (mr_mm_id) */
	} * late;
	size_t nlate, caplate;
	/* the capture's page faults, applied after the line they follow */
	/* events read ahead of their turn (threads inside mmap at once) */
	struct held *ahead;
	size_t nahead, capahead;
	int rd_rc;	 /* the reader's last result, once it ended */
	int rd_end;	 /* it ended during a look ahead */
	int ahead_apply; /* applying an event ahead of its line */
	/* the model's maps at sampled steps, checked against the history
	 * when the run ends (histcheck.c) */
	struct hist_sample {
		uint64_t step;	 /* after this step */
		uint64_t hash;	 /* of the model's maps text */
		uint32_t mm;	 /* address space id */
		int32_t pid;	 /* its owner, for reports */
		uint32_t lines;	 /* lines in the text */
		uint8_t snap;	 /* a snapshot was compared here */
		uint8_t pending; /* hashed when its step ends */
	} * hist;
	size_t nhist, caphist;
	mr_faults faults;
	size_t fnext;	    /* the next one to apply */
	/* the capture's perf events (physstep.c) */
	mr_placed pl;	  /* placed in the trace */
	int have_perf;	  /* pl is loaded */
	size_t *calls;	  /* pl indexes of the events inside syscalls */
	size_t ncalls;	  /* ... by trace line */
	struct kmm {	  /* an rss_stat mm_id */
		uint32_t id;			/* the mm_id */
		uint32_t mm;			/* model mm it is tied to */
		uint64_t val[MR_MM__COUNT]; /* its counters, in pages */
		uint8_t seen[MR_MM__COUNT]; /* an event of the counter
					       since tied */
	} * kmm;
	size_t nkmm, capkmm;
	struct kcnt { /* the kernel's counters of a model mm (by id) */
		uint64_t val[MR_MM__COUNT];  /* in pages */
		int64_t delta[MR_MM__COUNT]; /* this step's change */
		int64_t carry[MR_MM__COUNT]; /* kernel minus model change
						since they last agreed */
		int64_t global[MR_MM__COUNT]; /* the per-CPU counters:
						 shared part */
		int64_t local[MR_PCPU_MAX][MR_MM__COUNT]; /* per CPU */
		int pcpu;		     /* 1: the per-CPU parts are
						followed (every add seen) */
		int known;		     /* tied to an mm_id */
		int fresh;		     /* tied in this step */
		int pending;		     /* steps held with a carry (threads
						at once, RACE_HOLD) */
	} * kc;
	size_t nkc;
	uint32_t step_mm;		      /* the step's own mm */
	uint64_t tables_before;		      /* the model's table pages
						 allocated before the step */
	uint64_t tables_kernel;		      /* the kernel's in the step */
	uint64_t user_before[2];	      /* the model's user pages (zeroed
						 small, THP) before the step */
	uint64_t user_kernel[2];	      /* the kernel's in the step */
	uint64_t vma_before[2];		      /* the model's vm_area_struct
						 objects made, freed */
	uint64_t rmap_before[2][2];	      /* the model's anon_vma and
						 chain objects allocated,
						 freed before the step */
	uint64_t rmap_kernel[2][2];	      /* the kernel's in the step */
	int step_compared;		      /* the step's allocations were
						 compared ... */
	int step_differs;		      /* ... and one differed */
	uint64_t vma_kernel[2];		      /* the kernel's in the step */
	int64_t pcpu_batch;		      /* percpu_counter_batch */
	int32_t exec_tid;		      /* the task whose execve was the
						 last step, its kernel faults
						 not yet over (0: none) */
	uint64_t step_before[MR_MM__COUNT]; /* its counters before */
	uint32_t touch[16]; /* model mms whose counters this step moved */
	size_t ntouch;
	struct pend_fault { /* faults of tasks not created yet */
		mr_fault f; /* the fault */
	} * fpend;
	size_t nfpend, capfpend;
};

/* replay.c */
void mr_rp_apply(struct replay *r, const mr_event *ev);
/* One replay, without revision (mr_replay_run() revises around it). */
int mr_replay_run_once(const mr_replay_opts *o, mr_replay_summary *sum,
		       char *err, size_t errlen);
/* revise.c: the engine's hook for opts.flip; a contradiction met where
 * the VMAs of MM in the NRG ranges RG (start, end pairs) rest on
 * choices, WEIGHT how much differs
 * (a probing replay stops there with its candidates); the revision
 * search. */
void mr_rp_revise_setup(struct replay *r);
/* Q as a replay of its own that nobody watches: MODE, no history, no
 * output, no callbacks, no revision (the passes revision makes). */
void mr_rp_quiet_opts(mr_replay_opts *q, int mode);
/* Counting each task's calls for opts.stress_found (a parse-only
 * replay), and the list at the end. */
void mr_rp_stress_count(struct replay *r, const mr_event *ev);
void mr_rp_stress_list(struct replay *r);
void mr_rp_contradiction(struct replay *r, const mr_mm *mm, const uint64_t *rg,
			 size_t nrg, uint64_t weight);
int mr_replay_revise(const mr_replay_opts *o, mr_choice_key **out, size_t *nout,
		     mr_replay_summary *sum);
/* The assumptions the model made in this step: remembered with it and
 * stored in the history. */
void mr_rp_drain_choices(struct replay *r);
/*
 * When VMAs of MM in [start, end) rest on assumptions about writes, a
 * sentence naming the oldest into BUF (else BUF is empty); returns how
 * many rest on one.
 */
size_t mr_rp_name_assumption(struct replay *r, const mr_mm *mm, uint64_t start,
			     uint64_t end, char *buf, size_t len);
void mr_rp_report_divergence(struct replay *r, const char *kind,
			     const char *expected, const char *got,
			     const char *detail);
void mr_rp_on_violation(void *ctx, const mr_mm *mm, const char *inv,
			uint64_t addr, const char *detail);

/* procs.c */
struct pid_ent *mr_rp_pid_get(struct replay *r, int32_t pid);
int mr_rp_exited_pid(const struct replay *r, int32_t pid);
const mr_fileref *mr_rp_resolve_fd(struct replay *r, int32_t tgid,
				   const mr_event *ev, mr_fileref *out);
void mr_rp_fd_copy(struct replay *r, int32_t from, int32_t to);
void mr_rp_fd_del(struct replay *r, int32_t tgid, int64_t fd);
void mr_rp_on_open(struct replay *r, int32_t tgid, const mr_event *ev);
void mr_rp_on_dup(struct replay *r, int32_t tgid, const mr_event *ev);
void mr_rp_on_unlink(struct replay *r, const mr_event *ev);
void mr_rp_on_rename(struct replay *r, const mr_event *ev);
void mr_rp_note_cwd(struct replay *r, const mr_event *ev);
/* setrlimit(), getrlimit(), prlimit64(): what they show of a process's
 * RLIMIT_MEMLOCK, _AS, _DATA. */
void mr_rp_on_rlimit(struct replay *r, const mr_event *ev);
void mr_rp_forget_cwd(struct replay *r, const mr_event *ev);
void mr_rp_mark_gone(struct replay *r);

/* linesnap.c */
int mr_rp_scan_line_snaps(struct replay *r, const char *dir);
void mr_rp_check_line_snapshot(struct replay *r, const mr_event *ev);
void mr_rp_check_exit_snapshot(struct replay *r, const mr_event *ev, mr_mm *mm);
void mr_rp_late_check(struct replay *r, const mr_event *ev, int at_end);
void mr_rp_late_drop(struct replay *r, size_t i);

/* faultstep.c */
int mr_rp_load_faults(struct replay *r, char *err, size_t errlen);
void mr_rp_faults_after(struct replay *r, uint64_t line);
void mr_rp_faults_of_task(struct replay *r, int32_t pid, uint64_t limit);

/* physstep.c */
int mr_rp_load_perf(struct replay *r, char *err, size_t errlen);
/* What the perf events say of fault F of MM. */
struct fault_hint_buf {
	mr_fault_hint h;     /* the hint */
	uint64_t map[16][2]; /* its ranges */
	uint64_t later[16];  /* its later faults on pages not present */
	uint64_t kept[16];   /* ... on pages present (protection faults) */
};
void mr_rp_perf_fault_hint(struct replay *r, const mr_fault *f,
			   const mr_mm *mm, struct fault_hint_buf *hb);
void mr_rp_perf_after_fault(struct replay *r, const mr_fault *f, mr_mm *mm);
/* Remote access F: the pages another task's access mapped. */
void mr_rp_perf_remote(struct replay *r, const mr_fault *f);
mr_mm *mr_rp_perf_remote_mm(struct replay *r, const mr_fault *f);
/* physsnap.c: the exec's argument pages from exec snapshot N's smaps
 * (captures without perf events). */
void mr_rp_seed_exec_pages(struct replay *r, mr_mm *mm, int32_t pid,
			   unsigned n);
/* physsnap.c: MM's mapped pages after STEP into the history's pages
 * table (at every exit, and at the end for the address spaces left). */
void mr_rp_pages_checkpoint(struct replay *r, const mr_mm *mm, uint64_t step);
/* physsnap.c: snapshot PID.WHAT's status and smaps against MM. */
void mr_rp_check_phys_snapshot(struct replay *r, const mr_mm *mm, int32_t pid,
			       const char *what);
/* A step of MM begins (NULL: none): its counters before. */
void mr_rp_perf_begin(struct replay *r, mr_mm *mm);
/* node.c: the simulated node: read and laid out before anything is
 * stored (-1 with r->err), given to the machine and stored (-1), after
 * each step (stored; its counts checked when CHECK), at the end (every
 * invariant), released. */
int mr_rp_node_prepare(struct replay *r);
int mr_rp_node_attach(struct replay *r);
void mr_rp_node_release(struct replay *r);
void mr_rp_node_step(struct replay *r, int check);
void mr_rp_node_end(struct replay *r);
/* The CPU of the step (mr_machine_set_cpu()): a call's, a fault's. */
void mr_rp_perf_cpu_call(struct replay *r, const mr_event *ev);
void mr_rp_perf_cpu_fault(struct replay *r, const mr_fault *f);
/* The kernel's change of MM's counters in syscall EV, given to the
 * model before the step. */
void mr_rp_perf_step_delta(struct replay *r, const mr_event *ev, mr_mm *mm);
/* After syscall EV was applied: its events. */
void mr_rp_perf_call(struct replay *r, const mr_event *ev);

/* histcheck.c */
void mr_rp_history_sample(struct replay *r, const mr_mm *mm, uint64_t step,
			  int snap);
/* End of a step: the every-Nth-step samples, then this step's hashes. */
void mr_rp_history_sample_all(struct replay *r);
void mr_rp_history_settle(struct replay *r);
void mr_rp_history_check(struct replay *r);

/* ahead.c */
void mr_rp_dispatch(struct replay *r, const mr_event *ev);
void mr_rp_flush_held(struct replay *r, int32_t pid);

/* The next event of the trace (through r->pf when there is one), as
 * mr_reader_next(). */
int mr_rp_next(struct replay *r, mr_event *ev);

#endif
