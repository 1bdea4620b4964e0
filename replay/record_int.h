/*
 * record_int.h - declarations shared by the recorder's files:
 * record.c (the run and its options), record_watch.c (the watcher that
 * takes snapshots while strace holds a tracee) and record_post.c (after
 * the run: pairing holds with trace lines, files.tsv, compression).
 */
#ifndef MR_REPLAY_RECORD_INT_H
#define MR_REPLAY_RECORD_INT_H

/* Before the libc headers: <signal.h> defines si_addr as a macro, which
 * would rename mr_event's field of that name. */
#include "engine/errcode.h"
#include "formats/reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#define HELPER_TOKEN "__exec"
#define DEFAULT_DIR "capture"
#define DEFAULT_HOLD_MS 100
#define DEFAULT_LINGER_MS 2000 /* daemons traced after the command exits */
#define POLL_NS 1000000LL
#define ZSTD_LEVEL 12

enum hold_class { HC_NONE = 0, HC_EXEC, HC_EXIT, HC_LINE };

/* The syscalls strace holds (x86-64 numbers). */
struct held_sys {
	int nr;		  /* x86-64 syscall number */
	const char *name; /* as strace prints it */
	int cls;	  /* enum hold_class */
};
extern const struct held_sys mr_rec_held_sys[];
extern const size_t mr_rec_nheld_sys;
#define LINE_SYSCALLS                                                          \
	"mmap,munmap,mprotect,brk,mremap,madvise,mlock,mlock2,mlockall,"       \
	"munlock,munlockall"

extern const char *const mr_rec_full_files[];
extern const char *const mr_rec_maps_only[];

struct buf {
	char *p;    /* NUL-terminated contents */
	size_t len; /* bytes used, without the NUL */
	size_t cap; /* bytes allocated */
};

struct task {
	pid_t tid;		    /* 0: empty slot */
	int traced;		    /* TracerPid is our strace */
	unsigned long long start;   /* starttime, to notice tid reuse */
	unsigned gen;		    /* last walk that saw the task */
	int judged;		    /* stop_id names a stop already judged */
	unsigned long long stop_id; /* context switches ^ syscall line hash */
	int cand;		    /* fallback: cand_id is being timed */
	unsigned long long cand_id; /* fallback: stop under observation */
	int64_t cand_t0;	    /* fallback: when it was first seen */
};

struct hold {
	pid_t tid;	 /* task that was held */
	int nr;		 /* syscall number it was held in */
	unsigned seq;	 /* order of observation; names snap/.hold.SEQ.* */
	uint64_t arg[2]; /* first arguments in /proc/TID/syscall */
	int zero;	 /* all arguments zero: a successful exec */
};

struct call {
	pid_t tid;	 /* pid column of the result line */
	int nr;		 /* syscall number */
	uint64_t line;	 /* line of the result */
	int ok;		 /* returned a value (not an error) */
	uint64_t arg[2]; /* first decoded arguments */
	int nargs;	 /* how many of them the reader decoded (max 2) */
	int delayed;	 /* strace held it: "(DELAYED)", or exit_group */
};

struct watch {
	pid_t self;	       /* the recorder */
	pid_t strace_pid;      /* our strace */
	pid_t wait_pid;	       /* our child: strace, or perf above it */
	const char *snapdir;   /* DIR/snap */
	int every;	       /* --every-syscall */
	int64_t hold_ns;       /* H */
	int have_stack;	       /* /proc/TID/stack: -1 untried, 0 no, 1 yes */
	struct task *tab;      /* open-addressing table keyed by tid */
	size_t tab_cap;	       /* slots, a power of two */
	size_t tab_n;	       /* slots used */
	unsigned gen;	       /* walk counter */
	struct hold *holds;    /* in order of observation */
	size_t nholds;	       /* holds used */
	size_t cap_holds;      /* holds allocated */
	pid_t *todo;	       /* walk stack of processes */
	size_t ntodo;	       /* entries used */
	size_t cap_todo;       /* entries allocated */
	unsigned long ntraced; /* distinct traced tasks seen */
	struct buf b;	       /* scratch for /proc reads */
	struct buf b2;	       /* scratch for re-checks */
	unsigned long unknown_stacks; /* stops judged by timing instead */
	char *strace_cmd;      /* strace's argv, NUL-separated as in cmdline */
	size_t strace_cmd_len; /* its length */
	int realtime;	       /* the watcher runs SCHED_FIFO */
	int oom;	       /* an allocation failed */
	pid_t top;	       /* strace's child: the command itself */
	int64_t linger_ns;     /* --linger: how long its processes may
				  outlive it */
	unsigned long ended;   /* tracees ended (signal, or lingering) */
};

struct post {
	struct call *calls;  /* held calls from the trace */
	size_t ncalls;	     /* used */
	size_t cap_calls;    /* allocated */
	char **fdpaths;	     /* -y paths of mmap fds */
	size_t nfd;	     /* used */
	size_t cap_fd;	     /* allocated */
	pid_t *tids;	     /* pid column values */
	size_t ntids;	     /* used */
	size_t cap_tids;     /* allocated */
	unsigned long nproc; /* processes: 1 + forks */
	uint64_t lines;	     /* trace lines */
	uint64_t warnings;   /* reader warnings */
};

struct tally {
	unsigned long exec, exit, line; /* snapshots kept */
	unsigned long failed_exec;	/* failed-execve holds dropped */
	unsigned long extra;		/* holds without a trace call */
	unsigned long launcher;		/* line holds of the launcher */
	unsigned long missed;		/* trace calls without a good hold */
};

int64_t mr_rec_now_ns(void);
__attribute__((format(printf, 3, 4))) int mr_rec_pathf(char *out, size_t n,
						       const char *fmt, ...);
void mr_rec_walk(struct watch *w);

/* Traced tasks alive at the last walk (threads counted once each). */
size_t mr_rec_live_traced(const struct watch *w);

/* SIGKILL every traced task alive at the last walk (each thread group
 * once: kill() of a thread's tid ends its group); how many were sent. */
unsigned long mr_rec_end_tracees(struct watch *w);
int mr_rec_held_class(int nr, int every);
int mr_rec_held_nr(const char *name);
int mr_rec_slurp(struct buf *b, const char *path);
int mr_rec_compress_file(const char *src, const char *dst, int long_window);
int mr_rec_pack_lines(const char *snapdir, unsigned long *n);
int mr_rec_write_kernel(const char *snapdir);
/* SNAPDIR/machine.WHEN/ ("before", "after"): the host's allocator
 * files of one moment (record_post.c). */
int mr_rec_write_machine(const char *snapdir, const char *when);
void mr_rec_correlate(struct watch *w, struct post *po, struct tally *ty);
int mr_rec_read_trace(struct post *po, const char *trace, int every);
int mr_rec_write_files_tsv(const char *snapdir, struct post *po, struct buf *b);
int mr_rec_cmp_pid(const void *a, const void *b);
/* Room for element N of the array *P (doubling *CAP): 0, or -1 when out
 * of memory (the array is left as it was). */
int mr_rec_grow(void **p, size_t *cap, size_t n, size_t size);
/* record_fault.c: turn perf's recording DATA into SNAPDIR/perf.txt.zst
 * after checking that its events place in TRACE's lines. Returns 0 or
 * -1 (said on stderr). */
int mr_rec_faults(const char *data, const char *trace, const char *snapdir);

#endif
