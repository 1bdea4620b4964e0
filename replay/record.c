/*
 * record.c - `mmreplay record`: strace a command, hold it at execve exit
 * and exit_group entry, and copy /proc/TID/{maps,smaps,status,stat} while
 * it is held.
 *
 * Three actors:
 *
 *   recorder (this process, a child subreaper)
 *     └─ strace -f -o DIR/trace.strace -e inject=...:delay_exit=H ...
 *          └─ SELF record __exec PATH ARGV...   (launcher; execv(PATH))
 *               └─ CMD and everything it forks
 *
 * strace stops every tracee for H microseconds at the exit of execve and
 * execveat (and of the memory syscalls with --every-syscall) and at the
 * entry of exit_group. The recorder walks the process tree below itself
 * every millisecond (/proc/PID/task/TID/children; orphans come back to it
 * because it is a subreaper; a full /proc scan is far too slow on a busy
 * machine), running SCHED_FIFO when allowed. A task whose TracerPid is our
 * strace is held when:
 *
 *   - /proc/TID/stat says 't' (ptrace stop; read first, as reading the
 *     syscall of a running task waits for it to leave its CPU),
 *   - /proc/TID/syscall names a syscall strace delays,
 *   - /proc/TID/stack shows the delayed side: syscall_exit_work for an
 *     exit stop, syscall_trace_enter for an entry stop, and not
 *     PTRACE_EVENT_EXEC/EXIT or a signal stop. Without a readable stack
 *     (not root, or unfamiliar function names) the stop must last H/2
 *     instead, which only the delayed stops do,
 *   - it is not strace's own fork (strace probes ptrace with children
 *     that end in exit_group) nor the launcher's undelayed first exec,
 *     both told by /proc/TID/cmdline.
 *
 * One ptrace stop is one hold: a stopped task does not run, so its context
 * switch counters (voluntary + nonvoluntary, /proc/TID/status) stay fixed
 * during the stop and grow between any two stops. That sum names the stop;
 * what is read about a stop, the copies included, counts only if the task
 * is still in the same stop afterwards. Other threads of the process keep
 * running during a hold.
 *
 * After strace exits the trace is read back: the k-th hold of TID for a
 * class (exec, exit, memory call) is the k-th "(DELAYED)" call of that
 * class (any exit_group) whose result line carries TID, and the hold's
 * registers must agree with the line: zeroed arguments (what a successful
 * exec leaves) with a successful execve, the first two arguments of a
 * memory call with the decoded ones. Holds the trace has no call for are
 * dropped with a warning; calls without a matching hold fail the
 * recording.
 */
#include "replay/record.h"

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
#define POLL_NS 1000000LL
#define ZSTD_LEVEL 12

enum hold_class { HC_NONE = 0, HC_EXEC, HC_EXIT, HC_LINE };

/* The syscalls strace holds (x86-64 numbers). */
static const struct held_sys {
	int nr;		  /* x86-64 syscall number */
	const char *name; /* as strace prints it */
	int cls;	  /* enum hold_class */
} held_sys[] = {
	{59, "execve", HC_EXEC},      {322, "execveat", HC_EXEC},
	{231, "exit_group", HC_EXIT}, {9, "mmap", HC_LINE},
	{11, "munmap", HC_LINE},      {10, "mprotect", HC_LINE},
	{12, "brk", HC_LINE},	      {25, "mremap", HC_LINE},
	{28, "madvise", HC_LINE},     {149, "mlock", HC_LINE},
	{325, "mlock2", HC_LINE},     {151, "mlockall", HC_LINE},
	{150, "munlock", HC_LINE},    {152, "munlockall", HC_LINE},
};
#define LINE_SYSCALLS                                                          \
	"mmap,munmap,mprotect,brk,mremap,madvise,mlock,mlock2,mlockall,"       \
	"munlock,munlockall"

static const char *const full_files[] = {"maps", "smaps", "status", "stat",
					 NULL};
static const char *const maps_only[] = {"maps", NULL};

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
};

/* snprintf for paths: -1 (and an empty string) when it does not fit. */
__attribute__((format(printf, 3, 4))) static int pathf(char *out, size_t n,
						       const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= n) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int held_class(int nr, int every)
{
	for (size_t i = 0; i < sizeof(held_sys) / sizeof(held_sys[0]); i++) {
		if (held_sys[i].nr != nr)
			continue;
		if (held_sys[i].cls == HC_LINE && !every)
			return HC_NONE;
		return held_sys[i].cls;
	}
	return HC_NONE;
}

static int held_nr(const char *name)
{
	for (size_t i = 0; i < sizeof(held_sys) / sizeof(held_sys[0]); i++)
		if (strcmp(held_sys[i].name, name) == 0)
			return held_sys[i].nr;
	return -1;
}

/* Read a whole (/proc) file into b. Returns 0 or -errno. */
static int slurp(struct buf *b, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	b->len = 0;
	for (;;) {
		if (b->cap - b->len < 4096) {
			size_t ncap = b->cap ? b->cap * 2 : 65536;
			char *np = realloc(b->p, ncap);

			if (!np) {
				err = -ENOMEM;
				break;
			}
			b->p = np;
			b->cap = ncap;
		}
		ssize_t n = read(fd, b->p + b->len, b->cap - b->len - 1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	close(fd);
	if (b->p)
		b->p[b->len] = '\0';
	return err;
}

static int write_all(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return close(fd);
}

/* stat: state letter and starttime (field 22). 0, or -1 if unreadable. */
static int parse_stat(const char *s, char *state, unsigned long long *start)
{
	const char *p = strrchr(s, ')');

	if (!p || p[1] != ' ' || !p[2])
		return -1;
	*state = p[2];
	p += 2;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	*start = strtoull(p, NULL, 10);
	return 0;
}

static unsigned long long status_field(const char *s, const char *key,
				       int *found)
{
	const char *p = strstr(s, key);

	if (!p) {
		*found = 0;
		return 0;
	}
	*found = 1;
	return strtoull(p + strlen(key), NULL, 10);
}

/* Context switches of a task: the name of its current ptrace stop. */
static int ctxt_switches(struct buf *b, pid_t tid, unsigned long long *out)
{
	char path[64];
	int f1, f2;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	if (slurp(b, path) < 0)
		return -1;
	*out = status_field(b->p, "\nvoluntary_ctxt_switches:", &f1) +
	       status_field(b->p, "\nnonvoluntary_ctxt_switches:", &f2);
	return f1 && f2 ? 0 : -1;
}

static int task_state(struct buf *b, pid_t tid, char *state)
{
	char path[64];
	unsigned long long start;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	if (slurp(b, path) < 0)
		return -1;
	return parse_stat(b->p, state, &start);
}

static struct task *task_get(struct watch *w, pid_t tid)
{
	if (w->tab_n * 2 >= w->tab_cap) {
		size_t ncap = w->tab_cap ? w->tab_cap * 2 : 256;
		struct task *nt = calloc(ncap, sizeof(*nt));

		if (!nt) {
			w->oom = 1;
			return NULL;
		}
		for (size_t i = 0; i < w->tab_cap; i++) {
			if (!w->tab[i].tid)
				continue;
			size_t j = (size_t)w->tab[i].tid * 2654435761u &
				   (ncap - 1);

			while (nt[j].tid)
				j = (j + 1) & (ncap - 1);
			nt[j] = w->tab[i];
		}
		free(w->tab);
		w->tab = nt;
		w->tab_cap = ncap;
	}
	size_t j = (size_t)tid * 2654435761u & (w->tab_cap - 1);

	while (w->tab[j].tid && w->tab[j].tid != tid)
		j = (j + 1) & (w->tab_cap - 1);
	if (!w->tab[j].tid) {
		w->tab[j].tid = tid;
		w->tab_n++;
	}
	return &w->tab[j];
}

static void push_todo(struct watch *w, pid_t pid)
{
	if (w->ntodo == w->cap_todo) {
		size_t ncap = w->cap_todo ? w->cap_todo * 2 : 64;
		pid_t *nt = realloc(w->todo, ncap * sizeof(*nt));

		if (!nt) {
			w->oom = 1;
			return;
		}
		w->todo = nt;
		w->cap_todo = ncap;
	}
	w->todo[w->ntodo++] = pid;
}

static void push_children(struct watch *w, pid_t pid, pid_t tid)
{
	char path[96];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
		 (int)tid);
	if (slurp(&w->b, path) < 0)
		return;
	for (char *p = w->b.p, *end; *p; p = end) {
		long c = strtol(p, &end, 10);

		if (end == p)
			break;
		if (c > 0)
			push_todo(w, (pid_t)c);
	}
}

/*
 * Stops that look like holds but are not: the launcher's own first exec
 * (strace does not delay it), and strace's forks before they exec (the
 * children strace probes ptrace features with end in exit_group).
 * Both are told by /proc/TID/cmdline.
 */
static int not_ours(struct watch *w, pid_t tid, int cls, int zero_args)
{
	char path[64];
	const char *a1, *a2;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)tid);
	if (slurp(&w->b2, path) < 0 || w->b2.len == 0)
		return 0;
	if (w->b2.len == w->strace_cmd_len &&
	    memcmp(w->b2.p, w->strace_cmd, w->b2.len) == 0)
		return 1;
	if (cls != HC_EXEC || !zero_args)
		return 0;
	a1 = w->b2.p + strlen(w->b2.p) + 1;
	if ((size_t)(a1 - w->b2.p) >= w->b2.len)
		return 0;
	a2 = a1 + strlen(a1) + 1;
	if ((size_t)(a2 - w->b2.p) >= w->b2.len)
		return 0;
	return strcmp(a1, "record") == 0 && strcmp(a2, HELPER_TOKEN) == 0;
}

/* All six arguments zero: the registers a successful exec leaves. */
static int args_zero(const char *sysline)
{
	const char *p = sysline;

	strtol(p, (char **)&p, 10);
	for (int i = 0; i < 6; i++) {
		unsigned long long v = strtoull(p, (char **)&p, 16);

		if (v)
			return 0;
	}
	return 1;
}

/*
 * Judge a stop of t in syscall nr (class cls) named id. Returns 1 for a
 * hold, 0 for a stop that is not one, -1 when undecided yet (fallback
 * timing).
 */
static int judge_stop(struct watch *w, struct task *t, int nr, int cls,
		      unsigned long long id, int zero_args)
{
	int want_exit = cls != HC_EXIT;
	char path[64];

	if (w->have_stack != 0) {
		snprintf(path, sizeof(path), "/proc/%d/stack", (int)t->tid);
		int rc = slurp(&w->b2, path);

		if (rc == -EACCES || rc == -EPERM || rc == -ENOENT) {
			w->have_stack = 0;
		} else if (rc < 0) {
			return -1;
		} else {
			const char *s = w->b2.p;
			int ex = strstr(s, "syscall_exit_work") ||
				 strstr(s, "syscall_slow_exit_work") ||
				 strstr(s, "report_syscall_exit");
			int en = strstr(s, "syscall_trace_enter") ||
				 strstr(s, "report_syscall_entry");

			/* PTRACE_EVENT_EXEC/EXIT or a signal stop: not ours. */
			int ev = strstr(s, "bprm_execve") ||
				 strstr(s, "exec_binprm") ||
				 strstr(s, "get_signal") ||
				 strstr(s, "do_exit");

			w->have_stack = 1;
			if (!ex && !en && ev)
				return 0;
			/* Neither (a kernel whose functions are named
			 * otherwise): time it. */
			if (ex || en) {
				if (want_exit ? !ex : !en)
					return 0;
				if (not_ours(w, t->tid, cls, zero_args))
					return 0;
				return 1;
			}
			w->unknown_stacks++;
			if (getenv("MR_RECORD_DEBUG"))
				fprintf(stderr,
					"record: stack of %d in %d:\n%s",
					(int)t->tid, nr, s);
		}
	}
	/* Fallback: only the stops strace delays last long. */
	int64_t now = now_ns();

	if (!t->cand || t->cand_id != id) {
		t->cand = 1;
		t->cand_id = id;
		t->cand_t0 = now;
		return -1;
	}
	if (now - t->cand_t0 < w->hold_ns / 2)
		return -1;
	if (not_ours(w, t->tid, cls, zero_args))
		return 0;
	return 1;
}

/* FNV-1a of the /proc/TID/syscall line, part of a stop's name. */
static unsigned long long line_hash(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Copy /proc/TID/... to snap/.hold.SEQ.*; 0, or -1 if a copy failed. */
static int copy_proc(struct watch *w, pid_t tid, int cls, unsigned seq)
{
	const char *const *files = cls == HC_LINE ? maps_only : full_files;
	char src[64], dst[PATH_MAX];

	for (int i = 0; files[i]; i++) {
		snprintf(src, sizeof(src), "/proc/%d/%s", (int)tid, files[i]);
		if (pathf(dst, sizeof(dst), "%s/.hold.%u.%s", w->snapdir, seq,
			  files[i]) < 0 ||
		    slurp(&w->b, src) < 0 ||
		    write_all(dst, w->b.p, w->b.len) < 0)
			return -1;
	}
	return 0;
}

static void drop_copy(struct watch *w, int cls, unsigned seq)
{
	const char *const *files = cls == HC_LINE ? maps_only : full_files;
	char dst[PATH_MAX];

	for (int i = 0; files[i]; i++)
		if (pathf(dst, sizeof(dst), "%s/.hold.%u.%s", w->snapdir, seq,
			  files[i]) == 0)
			unlink(dst);
}

/* The stop a task is in: 0 and its name, or -1 if it is not stopped. */
static int stop_of(struct watch *w, pid_t tid, unsigned long long *id)
{
	char state = 0;

	if (task_state(&w->b2, tid, &state) < 0 || state != 't')
		return -1;
	return ctxt_switches(&w->b2, tid, id);
}

/*
 * Look at one traced task. Everything read about a stop (syscall line,
 * kernel stack, the copies) is read between two readings of the stop's
 * name; if the name changed in between, nothing is concluded and the
 * next poll looks again.
 */
static void check_task(struct watch *w, struct task *t)
{
	char path[64];
	unsigned long long id, id2, key, a0, a1;
	int nr, cls, zero, v;
	char *p;
	unsigned seq = (unsigned)w->nholds;

	/* Stopped first: reading the syscall of a running task can wait
	 * for it to leave its CPU. */
	if (stop_of(w, t->tid, &id) < 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)t->tid);
	if (slurp(&w->b, path) < 0 || w->b.len == 0 || w->b.p[0] == 'r')
		return;
	nr = atoi(w->b.p);
	cls = held_class(nr, w->every);
	if (cls == HC_NONE)
		return;
	zero = args_zero(w->b.p);
	key = id ^ line_hash(w->b.p);
	p = w->b.p;
	strtol(p, &p, 10);
	a0 = strtoull(p, &p, 16);
	a1 = strtoull(p, &p, 16);
	if (t->judged && t->stop_id == key)
		return;
	v = judge_stop(w, t, nr, cls, id, zero);
	if (v < 0)
		return;
	if (v > 0 && copy_proc(w, t->tid, cls, seq) < 0) {
		drop_copy(w, cls, seq);
		return;
	}
	if (stop_of(w, t->tid, &id2) < 0 || id2 != id) {
		/* Moved on while we looked: if that was a hold, it is
		 * missed, and the trace will say so. */
		if (v > 0)
			drop_copy(w, cls, seq);
		return;
	}
	t->judged = 1;
	t->stop_id = key;
	if (v == 0)
		return;
	if (w->nholds == w->cap_holds) {
		size_t ncap = w->cap_holds ? w->cap_holds * 2 : 64;
		struct hold *nh = realloc(w->holds, ncap * sizeof(*nh));

		if (!nh) {
			w->oom = 1;
			drop_copy(w, cls, seq);
			return;
		}
		w->holds = nh;
		w->cap_holds = ncap;
	}
	w->holds[w->nholds++] = (struct hold){.tid = t->tid,
					      .nr = nr,
					      .seq = seq,
					      .arg = {a0, a1},
					      .zero = zero};
}

static void visit_task(struct watch *w, pid_t tid)
{
	struct task *t = task_get(w, tid);
	char path[64], state;
	unsigned long long start;

	if (!t)
		return;
	if (t->gen + 1 != w->gen || t->gen == 0) {
		/* New, or not seen on the last walk: (re)identify it. */
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
		if (slurp(&w->b, path) < 0 ||
		    parse_stat(w->b.p, &state, &start) < 0)
			return;
		if (t->gen == 0 || start != t->start) {
			memset(t, 0, sizeof(*t));
			t->tid = tid;
			t->start = start;
		}
	}
	if (!t->traced) {
		/* Asked again until strace has attached (a new child is
		 * untraced for a moment; only strace itself stays so). */
		int found;

		snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
		if (slurp(&w->b, path) < 0)
			return;
		t->traced =
			(pid_t)status_field(w->b.p, "\nTracerPid:", &found) ==
			w->strace_pid;
		if (t->traced)
			w->ntraced++;
	}
	t->gen = w->gen;
	if (t->traced)
		check_task(w, t);
}

/* One pass over the process tree below the recorder. */
static void walk(struct watch *w)
{
	char path[64];

	w->gen++;
	w->ntodo = 0;
	push_children(w, w->self, w->self);
	for (size_t guard = 0; w->ntodo > 0 && guard < 1000000; guard++) {
		pid_t pid = w->todo[--w->ntodo];
		DIR *d;
		struct dirent *de;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d)) != NULL) {
			pid_t tid = (pid_t)atoi(de->d_name);

			if (tid <= 0)
				continue;
			visit_task(w, tid);
			push_children(w, pid, tid);
		}
		closedir(d);
	}
}

/* ---- after the run: read the trace, name the snapshots ---- */

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

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 256;
	void *np = realloc(*p, ncap * size);

	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

static int read_trace(struct post *po, const char *trace, int every)
{
	mr_reader *rd;
	mr_event ev;
	char err[512];
	int rc;

	rc = mr_reader_open(&rd, trace, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "record: %s\n", err);
		return -1;
	}
	while ((rc = mr_reader_next(rd, &ev)) == 1) {
		if (ev.kind != MR_EV_SYSCALL)
			continue;
		if (grow((void **)&po->tids, &po->cap_tids, po->ntids,
			 sizeof(pid_t)) < 0)
			goto out_oom;
		po->tids[po->ntids++] = ev.pid;
		if ((ev.sys == MR_SYS_FORK || ev.sys == MR_SYS_VFORK ||
		     ev.sys == MR_SYS_CLONE || ev.sys == MR_SYS_CLONE3) &&
		    ev.ret_kind == MR_RET_VALUE && ev.ret > 0 &&
		    !(ev.nargs > 0 && (ev.arg[0] & 0x10000 /* CLONE_THREAD */)))
			po->nproc++;
		if (ev.sys == MR_SYS_MMAP && ev.fd_path &&
		    ev.fd_path[0] == '/') {
			if (grow((void **)&po->fdpaths, &po->cap_fd, po->nfd,
				 sizeof(char *)) < 0)
				goto out_oom;
			po->fdpaths[po->nfd] = strdup(ev.fd_path);
			if (!po->fdpaths[po->nfd])
				goto out_oom;
			po->nfd++;
		}
		int nr = held_nr(ev.name);
		int cls = held_class(nr, every);

		if (cls == HC_NONE)
			continue;
		int delayed = cls == HC_EXIT || (ev.flags & MR_EVF_DELAYED);

		/* exit_group never returns, so it is never marked. A
		 * successful exec strace did not hold (the launcher's) still
		 * counts in the exec.N numbering. */
		if (!delayed &&
		    !(cls == HC_EXEC && ev.ret_kind == MR_RET_VALUE))
			continue;
		if (grow((void **)&po->calls, &po->cap_calls, po->ncalls,
			 sizeof(struct call)) < 0)
			goto out_oom;
		po->calls[po->ncalls++] =
			(struct call){.tid = ev.pid,
				      .nr = nr,
				      .line = ev.line,
				      .ok = ev.ret_kind == MR_RET_VALUE,
				      .arg = {ev.arg[0], ev.arg[1]},
				      .nargs = ev.nargs < 2 ? ev.nargs : 2,
				      .delayed = delayed};
	}
	if (rc < 0) {
		fprintf(stderr, "record: %s\n", mr_reader_errmsg(rd));
		mr_reader_free(rd);
		return -1;
	}
	po->lines = mr_reader_lines(rd);
	po->warnings = mr_reader_warnings(rd);
	mr_reader_free(rd);
	return 0;
out_oom:
	fprintf(stderr, "record: out of memory reading %s\n", trace);
	mr_reader_free(rd);
	return -1;
}

static int cmp_hold(const void *a, const void *b)
{
	const struct hold *x = a, *y = b;
	int cx = held_class(x->nr, 1), cy = held_class(y->nr, 1);

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (cx != cy)
		return cx - cy;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_call(const void *a, const void *b)
{
	const struct call *x = a, *y = b;
	int cx = held_class(x->nr, 1), cy = held_class(y->nr, 1);

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (cx != cy)
		return cx - cy;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

/* Move snap/.hold.SEQ.* to snap/NAME.*, or remove them (name NULL). */
static int settle(const char *snapdir, const struct hold *h, const char *name)
{
	const char *const *files =
		held_class(h->nr, 1) == HC_LINE ? maps_only : full_files;
	char from[PATH_MAX], to[PATH_MAX];
	int rc = 0;

	for (int i = 0; files[i]; i++) {
		pathf(from, sizeof(from), "%s/.hold.%u.%s", snapdir, h->seq,
		      files[i]);
		if (!name) {
			unlink(from);
			continue;
		}
		pathf(to, sizeof(to), "%s/%s.%s", snapdir, name, files[i]);
		if (rename(from, to) < 0)
			rc = -1;
	}
	return rc;
}

struct tally {
	unsigned long exec, exit, line; /* snapshots kept */
	unsigned long failed_exec;	/* failed-execve holds dropped */
	unsigned long extra;		/* holds without a trace call */
	unsigned long missed;		/* trace calls without a good hold */
};

static const char *nr_name(int nr)
{
	for (size_t i = 0; i < sizeof(held_sys) / sizeof(held_sys[0]); i++)
		if (held_sys[i].nr == nr)
			return held_sys[i].name;
	return "?";
}

/* Pair holds with trace calls, group by group (tid, class). */
static void correlate(struct watch *w, struct post *po, struct tally *ty)
{
	size_t i = 0, j = 0;
	char name[96];

	qsort(w->holds, w->nholds, sizeof(*w->holds), cmp_hold);
	qsort(po->calls, po->ncalls, sizeof(*po->calls), cmp_call);
	while (i < w->nholds || j < po->ncalls) {
		struct hold key = {0};
		pid_t tid;
		int cls;

		if (j < po->ncalls)
			key = (struct hold){.tid = po->calls[j].tid,
					    .nr = po->calls[j].nr,
					    .seq = 0};
		if (j >= po->ncalls ||
		    (i < w->nholds && cmp_hold(&w->holds[i], &key) < 0)) {
			tid = w->holds[i].tid;
			cls = held_class(w->holds[i].nr, 1);
		} else {
			tid = po->calls[j].tid;
			cls = held_class(po->calls[j].nr, 1);
		}
		size_t hi = i, cj = j, nexec = 0;

		while (hi < w->nholds && w->holds[hi].tid == tid &&
		       held_class(w->holds[hi].nr, 1) == cls)
			hi++;
		while (cj < po->ncalls && po->calls[cj].tid == tid &&
		       held_class(po->calls[cj].nr, 1) == cls)
			cj++;
		size_t nh = hi - i, nc = cj - j, hk = 0, ck = 0, nexit = 0;

		while (hk < nh || ck < nc) {
			struct hold *h;
			struct call *c = ck < nc ? &po->calls[j + ck] : NULL;

			if (c && !c->delayed) {
				/* The launcher's exec: numbered, not held. */
				nexec++;
				ck++;
				continue;
			}
			h = hk < nh ? &w->holds[i + hk++] : NULL;
			if (c)
				ck++;

			if (!c) {
				fprintf(stderr,
					"record: warning: %d held in %s (hold "
					"%u) has no delayed call in the trace; "
					"dropped\n",
					(int)tid, nr_name(h->nr), h->seq);
				settle(w->snapdir, h, NULL);
				ty->extra++;
				continue;
			}
			if (!h) {
				fprintf(stderr,
					"record: missed the hold of %d in %s "
					"at trace line %llu\n",
					(int)tid, nr_name(c->nr),
					(unsigned long long)c->line);
				ty->missed++;
				continue;
			}
			if (h->nr != c->nr) {
				fprintf(stderr,
					"record: hold %u of %d is in %s but "
					"trace line %llu is %s\n",
					h->seq, (int)tid, nr_name(h->nr),
					(unsigned long long)c->line,
					nr_name(c->nr));
				settle(w->snapdir, h, NULL);
				ty->missed++;
				continue;
			}
			/* The registers must agree with the trace line. */
			if ((cls == HC_EXEC && h->zero != c->ok) ||
			    (cls == HC_LINE &&
			     ((c->nargs > 0 && h->arg[0] != c->arg[0]) ||
			      (c->nargs > 1 && h->arg[1] != c->arg[1])))) {
				fprintf(stderr,
					"record: hold %u of %d (%s %#llx, "
					"%#llx) does not match trace line "
					"%llu\n",
					h->seq, (int)tid, nr_name(h->nr),
					(unsigned long long)h->arg[0],
					(unsigned long long)h->arg[1],
					(unsigned long long)c->line);
				settle(w->snapdir, h, NULL);
				ty->missed++;
				continue;
			}
			if (cls == HC_EXEC && !c->ok) {
				/* A failed execve: no snapshot. */
				settle(w->snapdir, h, NULL);
				ty->failed_exec++;
				continue;
			}
			if (cls == HC_EXEC) {
				snprintf(name, sizeof(name), "%d.exec.%zu",
					 (int)tid, ++nexec);
				ty->exec++;
			} else if (cls == HC_EXIT) {
				if (nexit++ >
				    0) { /* reused tid: keep the first */
					fprintf(stderr,
						"record: warning: %d called "
						"exit_group twice; hold %u "
						"dropped\n",
						(int)tid, h->seq);
					settle(w->snapdir, h, NULL);
					ty->extra++;
					continue;
				}
				snprintf(name, sizeof(name), "%d.exit",
					 (int)tid);
				ty->exit++;
			} else {
				snprintf(name, sizeof(name), "%d.line.%llu",
					 (int)tid, (unsigned long long)c->line);
				ty->line++;
			}
			settle(w->snapdir, h, name);
		}
		i = hi;
		j = cj;
	}
}

/* ---- snap/files.tsv ---- */

struct fent {
	char *path;		/* as /proc/PID/maps prints it */
	unsigned maj, min;	/* device */
	unsigned long long ino; /* inode */
};

struct fents {
	struct fent *v; /* entries */
	size_t n;	/* used */
	size_t cap;	/* allocated */
};

static int fent_add(struct fents *fs, const char *path, size_t plen,
		    unsigned maj, unsigned min, unsigned long long ino)
{
	if (grow((void **)&fs->v, &fs->cap, fs->n, sizeof(*fs->v)) < 0)
		return -1;
	fs->v[fs->n].path = strndup(path, plen);
	if (!fs->v[fs->n].path)
		return -1;
	fs->v[fs->n].maj = maj;
	fs->v[fs->n].min = min;
	fs->v[fs->n].ino = ino;
	fs->n++;
	return 0;
}

/* Add the file-backed lines of a maps text. */
static int fent_maps(struct fents *fs, const char *s)
{
	while (*s) {
		const char *eol = strchr(s, '\n');
		unsigned long long lo, hi, off, ino;
		unsigned maj, min;
		char perms[8];
		int n = 0;

		if (!eol)
			eol = s + strlen(s);
		if (sscanf(s, "%llx-%llx %7s %llx %x:%x %llu%n", &lo, &hi,
			   perms, &off, &maj, &min, &ino, &n) == 7 &&
		    ino != 0) {
			const char *p = s + n;

			while (p < eol && *p == ' ')
				p++;
			if (p < eol && fent_add(fs, p, (size_t)(eol - p), maj,
						min, ino) < 0)
				return -1;
		}
		s = *eol ? eol + 1 : eol;
	}
	return 0;
}

static int cmp_fent(const void *a, const void *b)
{
	const struct fent *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->maj != y->maj)
		return x->maj < y->maj ? -1 : 1;
	if (x->min != y->min)
		return x->min < y->min ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int cmp_fent_path(const void *key, const void *elem)
{
	return strcmp(key, ((const struct fent *)elem)->path);
}

static void fents_free(struct fents *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->v[i].path);
	free(fs->v);
}

/*
 * Every file path of every kept snapshot's maps, plus the mmap fd paths
 * of the trace that no snapshot shows (stat()ed now). A path shown with
 * two identities (replaced during the run) gets one line per identity.
 */
static int write_files_tsv(const char *snapdir, struct post *po, struct buf *b)
{
	struct fents fs = {0};
	char path[PATH_MAX];
	DIR *d = opendir(snapdir);
	struct dirent *de;
	FILE *f;
	int rc = -1;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l < 5 ||
		    strcmp(de->d_name + l - 5, ".maps") != 0)
			continue;
		if (pathf(path, sizeof(path), "%s/%s", snapdir, de->d_name) <
			    0 ||
		    slurp(b, path) < 0 || fent_maps(&fs, b->p) < 0) {
			closedir(d);
			goto out_free;
		}
	}
	closedir(d);
	qsort(fs.v, fs.n, sizeof(*fs.v), cmp_fent);
	size_t nmaps = fs.n;

	for (size_t i = 0; i < po->nfd; i++) {
		const char *p = po->fdpaths[i];
		struct stat st;

		if (bsearch(p, fs.v, nmaps, sizeof(*fs.v), cmp_fent_path))
			continue;
		if (stat(p, &st) < 0)
			continue;
		if (fent_add(&fs, p, strlen(p), major(st.st_dev),
			     minor(st.st_dev),
			     (unsigned long long)st.st_ino) < 0)
			goto out_free;
	}
	qsort(fs.v, fs.n, sizeof(*fs.v), cmp_fent);
	pathf(path, sizeof(path), "%s/files.tsv", snapdir);
	f = fopen(path, "w");
	if (!f)
		goto out_free;
	for (size_t i = 0; i < fs.n; i++) {
		if (i > 0 && cmp_fent(&fs.v[i - 1], &fs.v[i]) == 0)
			continue;
		fprintf(f, "%02x:%02x\t%llu\t%s\n", fs.v[i].maj, fs.v[i].min,
			fs.v[i].ino, fs.v[i].path);
	}
	rc = fclose(f) == 0 ? 0 : -1;
out_free:
	fents_free(&fs);
	return rc;
}

/* ---- compression ---- */

static int compress_file(const char *src, const char *dst)
{
	char tmp[PATH_MAX];
	size_t icap = ZSTD_CStreamInSize(), ocap = ZSTD_CStreamOutSize();
	char *ib = malloc(icap), *ob = malloc(ocap);
	ZSTD_CCtx *cx = ZSTD_createCCtx();
	FILE *in = fopen(src, "rb"), *out;
	int rc = -1;

	pathf(tmp, sizeof(tmp), "%s.tmp", dst);
	out = fopen(tmp, "wb");
	if (!ib || !ob || !cx || !in || !out)
		goto out_close;
	ZSTD_CCtx_setParameter(cx, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	ZSTD_CCtx_setParameter(cx, ZSTD_c_checksumFlag, 1);
	for (;;) {
		size_t n = fread(ib, 1, icap, in);
		int last = n < icap;
		ZSTD_inBuffer inb = {ib, n, 0};
		size_t left;

		if (ferror(in))
			goto out_close;
		do {
			ZSTD_outBuffer outb = {ob, ocap, 0};

			left = ZSTD_compressStream2(cx, &outb, &inb,
						    last ? ZSTD_e_end
							 : ZSTD_e_continue);
			if (ZSTD_isError(left) ||
			    fwrite(ob, 1, outb.pos, out) != outb.pos)
				goto out_close;
		} while (last ? left != 0 : inb.pos < inb.size);
		if (last)
			break;
	}
	rc = 0;
out_close:
	if (out && fclose(out) != 0)
		rc = -1;
	if (in)
		fclose(in);
	ZSTD_freeCCtx(cx);
	free(ib);
	free(ob);
	if (rc == 0 && rename(tmp, dst) < 0)
		rc = -1;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* ---- the run ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mmreplay record [-o DIR] [--every-syscall] [--hold-ms "
		"N] -- CMD [ARG...]\n"
		"  -o DIR           capture directory (default \"" DEFAULT_DIR
		"\")\n"
		"  --every-syscall  also snapshot maps at the exit of every "
		"memory syscall\n"
		"  --hold-ms N      how long strace holds a tracee (default "
		"%d)\n",
		DEFAULT_HOLD_MS);
}

/* The launcher: `record __exec PATH ARGV0 ARG...`. */
static int launcher(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "record: %s needs PATH and ARGV\n",
			HELPER_TOKEN);
		return 2;
	}
	execv(argv[2], argv + 3);
	fprintf(stderr, "record: cannot execute %s: %s\n", argv[2],
		strerror(errno));
	return 127;
}

/* CMD through $PATH, as execvp would find it. Returns a malloc'd path. */
static char *resolve_cmd(const char *cmd)
{
	const char *path = getenv("PATH");

	if (strchr(cmd, '/'))
		return access(cmd, X_OK) == 0 ? strdup(cmd) : NULL;
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *end = strchr(path, ':');
		size_t dl = end ? (size_t)(end - path) : strlen(path);
		char *cand = NULL;
		struct stat st;

		if (asprintf(&cand, "%.*s%s%s", (int)dl, path, dl ? "/" : "",
			     cmd) < 0)
			return NULL;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0)
			return cand;
		free(cand);
		path += dl;
		if (*path == ':')
			path++;
	}
	return NULL;
}

/* fork+exec strace; -1 if it could not be started. */
static pid_t spawn_strace(char **args)
{
	int pfd[2], e = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		prctl(PR_SET_CHILD_SUBREAPER, 0);
		close(pfd[0]);
		execvp(args[0], args);
		e = errno;
		if (write(pfd[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	ssize_t n;

	do
		n = read(pfd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == (ssize_t)sizeof(e)) {
		waitpid(pid, NULL, 0);
		errno = e;
		return -1;
	}
	return pid;
}

/* Poll until strace exits; returns its wait status. */
static int watch_run(struct watch *w)
{
	int64_t next = now_ns();
	int status = 0;

	for (;;) {
		pid_t p;
		int st, done = 0;

		walk(w);
		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			if (p == w->strace_pid) {
				status = st;
				done = 1;
			}
		}
		if (p < 0 && errno == ECHILD && !done) {
			/* strace is gone and was reaped elsewhere. */
			return -1;
		}
		if (done)
			return status;
		next += POLL_NS;
		int64_t now = now_ns();

		if (next < now)
			next = now + POLL_NS / 4;
		struct timespec ts = {.tv_sec = next / 1000000000LL,
				      .tv_nsec = next % 1000000000LL};

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
	}
}

static const struct task *task_find(const struct watch *w, pid_t tid)
{
	if (!w->tab_cap)
		return NULL;
	size_t j = (size_t)tid * 2654435761u & (w->tab_cap - 1);

	while (w->tab[j].tid && w->tab[j].tid != tid)
		j = (j + 1) & (w->tab_cap - 1);
	return w->tab[j].tid ? &w->tab[j] : NULL;
}

struct opts {
	const char *dir; /* -o */
	int every;	 /* --every-syscall */
	long hold_ms;	 /* --hold-ms */
	char **cmd;	 /* CMD ARG... (NULL-terminated) */
};

static int parse_opts(struct opts *o, int argc, char **argv)
{
	int i = 1;

	o->dir = DEFAULT_DIR;
	o->every = 0;
	o->hold_ms = DEFAULT_HOLD_MS;
	for (; i < argc; i++) {
		const char *a = argv[i];
		char *end;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "-o") == 0) {
			if (++i >= argc)
				return -1;
			o->dir = argv[i];
		} else if (strncmp(a, "-o", 2) == 0 && a[2]) {
			o->dir = a + 2;
		} else if (strcmp(a, "--every-syscall") == 0) {
			o->every = 1;
		} else if (strcmp(a, "--hold-ms") == 0 ||
			   strncmp(a, "--hold-ms=", 10) == 0) {
			const char *v = a[9] == '=' ? a + 10 : NULL;

			if (!v) {
				if (++i >= argc)
					return -1;
				v = argv[i];
			}
			errno = 0;
			o->hold_ms = strtol(v, &end, 10);
			if (errno || end == v || *end || o->hold_ms < 1 ||
			    o->hold_ms > 60000) {
				fprintf(stderr,
					"record: --hold-ms wants 1..60000, not "
					"'%s'\n",
					v);
				return -1;
			}
		} else if (a[0] == '-') {
			fprintf(stderr, "record: unknown option '%s'\n", a);
			return -1;
		} else {
			break;
		}
	}
	if (i >= argc || !*o->dir)
		return -1;
	o->cmd = argv + i;
	return 0;
}

static int make_dirs(const char *dir, const char *trace, const char *snap)
{
	char zst[PATH_MAX];
	struct stat st;

	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "record: cannot create %s: %s\n", dir,
			strerror(errno));
		return -1;
	}
	pathf(zst, sizeof(zst), "%s.zst", trace);
	if (stat(trace, &st) == 0 || stat(zst, &st) == 0 ||
	    mkdir(snap, 0777) < 0) {
		fprintf(stderr,
			"record: %s already holds a capture (or cannot create "
			"%s)\n",
			dir, snap);
		return -1;
	}
	return 0;
}

int mr_record_main(int argc, char **argv)
{
	struct opts o;
	char trace[PATH_MAX], snap[PATH_MAX], zst[PATH_MAX], self[PATH_MAX];
	char hold_exec[64], hold_exit[64], hold_line[128];
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	struct watch w = {0};
	struct post po = {.nproc = 1};
	struct tally ty = {0};
	char *path;
	char **args;
	int status, code, nargs = 0, failed = 0;
	ssize_t sl;

	if (argc >= 2 && strcmp(argv[1], HELPER_TOKEN) == 0)
		return launcher(argc, argv);
	if (argc >= 2 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (parse_opts(&o, argc, argv) < 0) {
		usage(stderr);
		return 2;
	}
	path = resolve_cmd(o.cmd[0]);
	if (!path) {
		fprintf(stderr, "record: %s: command not found\n", o.cmd[0]);
		return 127;
	}
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl <= 0) {
		fprintf(stderr, "record: cannot find my own binary\n");
		free(path);
		return 1;
	}
	self[sl] = '\0';
	if (pathf(trace, sizeof(trace), "%s/trace.strace", o.dir) < 0 ||
	    pathf(snap, sizeof(snap), "%s/snap", o.dir) < 0 ||
	    pathf(zst, sizeof(zst), "%s/trace.strace.zst", o.dir) < 0 ||
	    strlen(snap) > PATH_MAX - 128) {
		fprintf(stderr, "record: %s: path too long\n", o.dir);
		free(path);
		return 2;
	}
	if (make_dirs(o.dir, trace, snap) < 0) {
		free(path);
		return 2;
	}

	long hus = o.hold_ms * 1000;

	snprintf(hold_exec, sizeof(hold_exec),
		 "inject=execve,execveat:delay_exit=%ld", hus);
	snprintf(hold_exit, sizeof(hold_exit),
		 "inject=exit_group:delay_enter=%ld", hus);
	snprintf(hold_line, sizeof(hold_line),
		 "inject=" LINE_SYSCALLS ":delay_exit=%ld", hus);
	for (nargs = 0; o.cmd[nargs]; nargs++)
		;
	args = calloc((size_t)nargs + 24, sizeof(*args));
	if (!args) {
		free(path);
		return 1;
	}
	int k = 0;
	const char *fixed[] = {"strace",  "-f", "-o",	   trace, "-ttt",
			       "-T",	  "-y", "-s",	   "256", "-e",
			       hold_exec, "-e", hold_exit, NULL};

	for (int i = 0; fixed[i]; i++)
		args[k++] = (char *)fixed[i];
	if (o.every) {
		args[k++] = "-e";
		args[k++] = hold_line;
	}
	args[k++] = "--";
	args[k++] = self;
	args[k++] = "record";
	args[k++] = HELPER_TOKEN;
	args[k++] = path;
	for (int i = 0; i < nargs; i++)
		args[k++] = o.cmd[i];
	args[k] = NULL;
	for (int i = 0; i < k; i++)
		w.strace_cmd_len += strlen(args[i]) + 1;
	w.strace_cmd = malloc(w.strace_cmd_len);
	if (!w.strace_cmd) {
		free(args);
		free(path);
		return 1;
	}
	for (int i = 0, off = 0; i < k; i++) {
		memcpy(w.strace_cmd + off, args[i], strlen(args[i]) + 1);
		off += (int)strlen(args[i]) + 1;
	}

	w.self = getpid();
	w.snapdir = snap;
	w.every = o.every;
	w.hold_ns = o.hold_ms * 1000000LL;
	w.have_stack = -1;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* Poll on time even on a busy machine: real-time while watching
	 * (when allowed), not inherited by strace and its tracees. */
	struct sched_param rtp = {.sched_priority = 1};

	w.realtime = sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK,
					&rtp) == 0;
	if (!w.realtime && setpriority(PRIO_PROCESS, 0, -10) < 0)
		errno = 0;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	w.strace_pid = spawn_strace(args);
	if (w.strace_pid < 0) {
		fprintf(stderr, "record: cannot run strace: %s\n",
			strerror(errno));
		rmdir(snap);
		rmdir(o.dir); /* only if it is empty */
		code = 1;
		goto out_restore;
	}
	status = watch_run(&w);
	rtp.sched_priority = 0;
	sched_setscheduler(0, SCHED_OTHER, &rtp);
	if (status < 0) {
		fprintf(stderr, "record: lost track of strace\n");
		code = 1;
		goto out_restore;
	}
	code = WIFEXITED(status)     ? WEXITSTATUS(status)
	       : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
				     : 1;
	if (w.oom) {
		fprintf(stderr, "record: out of memory while watching\n");
		failed = 1;
	}

	/* Match holds with the trace and name the snapshots. */
	if (read_trace(&po, trace, o.every) < 0) {
		fprintf(stderr,
			"record: cannot verify the snapshots; they stay in %s "
			"as .hold.*\n",
			snap);
		failed = 1;
	} else {
		correlate(&w, &po, &ty);
		if (ty.missed)
			failed = 1;
	}
	if (write_files_tsv(snap, &po, &w.b) < 0) {
		fprintf(stderr, "record: cannot write %s/files.tsv\n", snap);
		failed = 1;
	}
	if (compress_file(trace, zst) < 0) {
		fprintf(stderr, "record: cannot write %s\n", zst);
		failed = 1;
	} else {
		unlink(trace);
	}

	/* Tasks of the trace the watcher never saw (short-lived threads). */
	unsigned long ntasks = 0, unseen = 0;

	qsort(po.tids, po.ntids, sizeof(pid_t), cmp_pid);
	for (size_t i = 0; i < po.ntids; i++) {
		if (i > 0 && po.tids[i] == po.tids[i - 1])
			continue;
		ntasks++;
		const struct task *t = task_find(&w, po.tids[i]);

		if (!t || !t->traced)
			unseen++;
	}
	fprintf(stderr,
		"record: %s: exit %d; %lu processes, %lu tasks (%lu never seen "
		"by the watcher); "
		"%llu trace lines; %zu holds: %lu exec + %lu exit + %lu line "
		"snapshots, "
		"%lu failed-execve holds dropped, %lu unmatched%s\n",
		o.cmd[0], code, po.nproc, ntasks, unseen,
		(unsigned long long)po.lines, w.nholds, ty.exec, ty.exit,
		ty.line, ty.failed_exec, ty.extra,
		w.have_stack == 0
			? " (holds told apart by length: no /proc/TID/stack)"
			: "");
	if (w.unknown_stacks)
		fprintf(stderr,
			"record: %lu stops had an unfamiliar kernel stack and "
			"were judged by their length\n",
			w.unknown_stacks);
	if (po.warnings)
		fprintf(stderr, "record: the trace reader skipped %llu lines\n",
			(unsigned long long)po.warnings);
	if (failed || ty.missed) {
		fprintf(stderr,
			"record: FAILED: %lu holds missed; %s is not complete "
			"ground truth\n",
			ty.missed, o.dir);
		code = 1;
	}
	for (size_t i = 0; i < po.nfd; i++)
		free(po.fdpaths[i]);
	free(po.fdpaths);
	free(po.calls);
	free(po.tids);
out_restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	free(w.tab);
	free(w.holds);
	free(w.todo);
	free(w.b.p);
	free(w.b2.p);
	free(w.strace_cmd);
	free(args);
	free(path);
	return code;
}
