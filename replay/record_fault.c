/*
 * record_fault.c - `mmreplay record --faults`: the page faults of the
 * run, placed in the trace.
 *
 * perf records, for strace and everything below it, the tracepoints
 * raw_syscalls:sys_exit, exceptions:page_fault_user and
 * exceptions:page_fault_kernel into one time-ordered stream. A task's
 * syscall exits in that stream are its trace lines in the same order, so
 * the k-th exit of TID is the k-th syscall result strace printed for TID
 * (its return value must agree, or the recording fails): that gives
 * every exit its trace line. A fault is then placed after the highest
 * line whose exit came before it, of any task (the trace line order of
 * the replay).
 *
 * Particular cases:
 *   - the tracee's first exec is the launcher's (strace starts it): exits
 *     of that task before it are strace's own fork and are skipped;
 *   - a new task's first exit is the child's return from clone/fork,
 *     which strace does not print: it starts the task without a line;
 *   - calls that never return (exit, exit_group) print "= ?" and have no
 *     exit; a call cut short by another thread's execve prints "= ?"
 *     too but has one: an exit that is not the next known line's is
 *     taken as that "= ?" line's;
 *   - kernel-mode faults during a successful execve build the new
 *     address space (elf_load's bss, the stack's strings): they are
 *     placed after the execve's line, not before;
 *   - faults of tasks that never reached a trace line (strace, the
 *     launcher before its exec) are dropped.
 *
 * The table goes to snap/faults.tsv.zst (formats/faults.h).
 */
#include "replay/record.h"
#include "replay/record_int.h"

#include <inttypes.h>

/* One syscall result of the trace. */
struct sres {
	int32_t tid;   /* pid column */
	uint64_t line; /* line of the result */
	int64_t ret;   /* value or -errno */
	uint8_t known; /* it returned (not "= ?") */
	uint8_t exec;  /* a successful execve/execveat */
};

/* Per task: where its exits are in the trace. */
struct ftask {
	int32_t tid;	   /* the task */
	size_t first, end; /* its results: res[first .. end) */
	size_t pos;	   /* next result to match */
	int started;	   /* its exits are being matched */
	uint64_t last;	   /* line of its last matched exit (0: none) */
	size_t kfirst;	   /* its kernel faults since its last exit:
			      out[kfirst .. nout) of this task */
	int has_k;	   /* kfirst is set */
};

struct fout {
	uint64_t after; /* trace line it follows */
	int32_t tid;	/* the task */
	uint32_t code;	/* error code */
	uint64_t addr;	/* address */
	uint64_t seq;	/* order in the stream, for a stable sort */
};

struct fstate {
	struct sres *res;
	size_t nres, capres;
	struct ftask *tasks;
	size_t ntasks;
	struct fout *out;
	size_t nout, capout;
	int32_t launcher; /* the task of the trace's first line */
	uint64_t global;  /* highest matched line so far */
	uint64_t exits;	  /* exits matched to lines */
	char why[512];	  /* first mismatch */
};

static int cmp_res(const void *a, const void *b)
{
	const struct sres *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Every syscall result of the trace, grouped by task in line order. */
static int read_results(struct fstate *fs, const char *trace)
{
	mr_reader *rd;
	mr_event ev;
	char err[512];
	size_t i;
	int rc;

	if (mr_reader_open(&rd, trace, err, sizeof(err)) < 0) {
		fprintf(stderr, "record: %s\n", err);
		return -1;
	}
	while ((rc = mr_reader_next(rd, &ev)) == 1) {
		struct sres *s;

		if (ev.kind != MR_EV_SYSCALL)
			continue;
		if (!fs->nres)
			fs->launcher = ev.pid;
		if (mr_rec_grow((void **)&fs->res, &fs->capres, fs->nres,
				sizeof(*fs->res)) < 0) {
			rc = MR_ENOMEM;
			break;
		}
		s = &fs->res[fs->nres++];
		s->tid = ev.pid;
		s->line = ev.line;
		s->ret = ev.ret;
		s->known = ev.ret_kind != MR_RET_UNKNOWN;
		s->exec = (ev.sys == MR_SYS_EXECVE ||
			   ev.sys == MR_SYS_EXECVEAT) &&
			  ev.ret_kind == MR_RET_VALUE && ev.ret == 0;
	}
	if (rc < 0)
		fprintf(stderr, "record: %s\n",
			rc == MR_ENOMEM ? "out of memory"
					: mr_reader_errmsg(rd));
	mr_reader_free(rd);
	if (rc < 0)
		return -1;
	qsort(fs->res, fs->nres, sizeof(*fs->res), cmp_res);
	for (i = 0; i < fs->nres; i++)
		if (i == 0 || fs->res[i].tid != fs->res[i - 1].tid)
			fs->ntasks++;
	fs->tasks = calloc(fs->ntasks ? fs->ntasks : 1, sizeof(*fs->tasks));
	if (!fs->tasks)
		return -1;
	fs->ntasks = 0;
	for (i = 0; i < fs->nres; i++) {
		if (i == 0 || fs->res[i].tid != fs->res[i - 1].tid) {
			fs->tasks[fs->ntasks].tid = fs->res[i].tid;
			fs->tasks[fs->ntasks].first = i;
			fs->ntasks++;
		}
		fs->tasks[fs->ntasks - 1].end = i + 1;
	}
	for (i = 0; i < fs->ntasks; i++)
		fs->tasks[i].pos = fs->tasks[i].first;
	return 0;
}

static struct ftask *task_of(struct fstate *fs, int32_t tid)
{
	size_t lo = 0, hi = fs->ntasks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (fs->tasks[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < fs->ntasks && fs->tasks[lo].tid == tid ? &fs->tasks[lo]
							   : NULL;
}

/* A syscall exit of task T: NR returned RET. Returns -1 on a mismatch. */
static int on_exit_ev(struct fstate *fs, struct ftask *t, int nr, int64_t ret)
{
	const struct sres *s;
	int exec_nr = nr == 59 || nr == 322;
	int clone_nr = nr == 56 || nr == 57 || nr == 58 || nr == 435;

	if (!t->started) {
		if (t->tid == fs->launcher) {
			/* the launcher: strace's fork until its exec */
			if (!exec_nr || ret != 0)
				return 0;
		} else if (clone_nr && ret == 0) {
			t->started = 1; /* the child's side of its clone */
			return 0;
		}
		t->started = 1;
	}
	if (t->pos < t->end && !fs->res[t->pos].known) {
		/* "= ?": a call that never returned (exit), or one cut
		 * short that the kernel still left (a pause() ended by
		 * another thread's execve returns -ERESTARTNOHAND). Skip
		 * such lines when the exit is the next known one's. */
		size_t k = t->pos;

		while (k < t->end && !fs->res[k].known)
			k++;
		if (k < t->end && fs->res[k].ret == ret)
			t->pos = k;
	}
	if (t->pos == t->end && ret < 0) {
		/* a call the task was killed in before strace printed it
		 * (a thread ended by another's execve): nothing to match */
		return 0;
	}
	if (t->pos == t->end) {
		snprintf(fs->why, sizeof(fs->why),
			 "task %d returned from syscall %d (= %" PRId64
			 ") after its last trace line",
			 (int)t->tid, nr, ret);
		return -1;
	}
	s = &fs->res[t->pos];
	if (s->known && s->ret != ret) {
		snprintf(fs->why, sizeof(fs->why),
			 "task %d, line %" PRIu64 ": the trace says %" PRId64
			 ", the kernel's syscall %d returned %" PRId64,
			 (int)t->tid, s->line, s->ret, nr, ret);
		return -1;
	}
	/* kernel faults during a successful exec belong to the new mm */
	if (s->exec && t->has_k) {
		size_t i;

		for (i = t->kfirst; i < fs->nout; i++)
			if (fs->out[i].tid == t->tid && !(fs->out[i].code & 4))
				fs->out[i].after = s->line;
	}
	t->has_k = 0;
	t->last = s->line;
	t->pos++;
	fs->exits++;
	if (s->line > fs->global)
		fs->global = s->line;
	return 0;
}

static int on_fault_ev(struct fstate *fs, struct ftask *t, uint64_t addr,
		       uint32_t code)
{
	struct fout *o;

	if (!t->started || (t->tid == fs->launcher && !t->last))
		return 0; /* strace's fork, before the launcher's exec */
	if (mr_rec_grow((void **)&fs->out, &fs->capout, fs->nout,
			sizeof(*fs->out)) < 0)
		return -1;
	o = &fs->out[fs->nout];
	o->after = t->last > fs->global ? t->last : fs->global;
	o->tid = t->tid;
	o->code = code;
	o->addr = addr;
	o->seq = fs->nout;
	if (!(code & 4) && !t->has_k) {
		t->has_k = 1;
		t->kfirst = fs->nout;
	}
	fs->nout++;
	return 0;
}

/* Hex after "KEY=0x" in S. */
static int field_hex(const char *s, const char *key, uint64_t *v)
{
	const char *p = strstr(s, key);
	char *end;

	if (!p)
		return -1;
	p += strlen(key);
	*v = strtoull(p, &end, 16);
	return end == p ? -1 : 0;
}

/* One line of `perf script -F tid,event,trace`. Returns -1 to stop. */
static int perf_line(struct fstate *fs, const char *l)
{
	char *end;
	long tid = strtol(l, &end, 10);
	struct ftask *t;
	const char *ev;

	if (strstr(l, "LOST")) {
		snprintf(fs->why, sizeof(fs->why), "perf lost events: %.200s",
			 l);
		return -1;
	}
	if (end == l || tid <= 0)
		return 0;
	ev = end + strspn(end, " ");
	t = task_of(fs, (int32_t)tid);
	if (!t)
		return 0; /* strace, or a task the trace never shows */
	if (!strncmp(ev, "raw_syscalls:sys_exit:", 22)) {
		long nr;
		long long ret;

		if (sscanf(ev + 22, " NR %ld = %lld", &nr, &ret) != 2)
			return 0;
		return on_exit_ev(fs, t, (int)nr, (int64_t)ret);
	}
	if (!strncmp(ev, "exceptions:page_fault_", 22)) {
		uint64_t addr, code;

		if (field_hex(ev, "address=0x", &addr) ||
		    field_hex(ev, "error_code=0x", &code))
			return 0;
		if (on_fault_ev(fs, t, addr, (uint32_t)code) < 0) {
			snprintf(fs->why, sizeof(fs->why), "out of memory");
			return -1;
		}
	}
	return 0;
}

static int cmp_out(const void *a, const void *b)
{
	const struct fout *x = a, *y = b;

	if (x->after != y->after)
		return x->after < y->after ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Run `perf script` on DATA, feeding its lines to perf_line(). */
static int read_perf(struct fstate *fs, const char *data)
{
	char *argv[] = {"perf",
			"script",
			"-i",
			(char *)data,
			"--show-lost-events",
			"-F",
			"tid,event,trace",
			NULL};
	int pfd[2], st, bad = 0;
	char *line = NULL;
	size_t cap = 0;
	FILE *in;
	pid_t pid;

	if (pipe(pfd) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(pfd[1], 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	in = fdopen(pfd[0], "r");
	if (!in) {
		close(pfd[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	while (getline(&line, &cap, in) > 0)
		if (!bad && perf_line(fs, line) < 0)
			bad = 1; /* keep reading: perf must not block */
	free(line);
	fclose(in);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		if (!fs->why[0])
			snprintf(fs->why, sizeof(fs->why),
				 "perf script failed on %s", data);
		return -1;
	}
	return bad ? -1 : 0;
}

static int write_table(struct fstate *fs, const char *snapdir)
{
	char tsv[PATH_MAX], zst[PATH_MAX];
	FILE *f;
	size_t i;
	int rc;

	qsort(fs->out, fs->nout, sizeof(*fs->out), cmp_out);
	mr_rec_pathf(tsv, sizeof(tsv), "%s/faults.tsv", snapdir);
	mr_rec_pathf(zst, sizeof(zst), "%s/faults.tsv.zst", snapdir);
	f = fopen(tsv, "w");
	if (!f)
		return -1;
	fprintf(f, "# mmreplay faults: after_line tid address error_code\n");
	for (i = 0; i < fs->nout; i++)
		fprintf(f, "%" PRIu64 "\t%d\t0x%" PRIx64 "\t0x%x\n",
			fs->out[i].after, (int)fs->out[i].tid, fs->out[i].addr,
			fs->out[i].code);
	if (fclose(f) != 0) {
		unlink(tsv);
		return -1;
	}
	rc = mr_rec_compress_file(tsv, zst, 0);
	unlink(tsv);
	return rc;
}

int mr_rec_faults(const char *data, const char *trace, const char *snapdir)
{
	struct fstate fs;
	int rc = -1;

	memset(&fs, 0, sizeof(fs));
	if (read_results(&fs, trace) < 0)
		goto out_free;
	if (read_perf(&fs, data) < 0) {
		fprintf(stderr, "record: faults: %s\n",
			fs.why[0] ? fs.why : "cannot run perf script");
		goto out_free;
	}
	if (write_table(&fs, snapdir) < 0) {
		fprintf(stderr, "record: cannot write %s/faults.tsv.zst\n",
			snapdir);
		goto out_free;
	}
	fprintf(stderr,
		"record: %zu page faults placed in the trace (%" PRIu64
		" syscall exits matched to trace lines)\n",
		fs.nout, fs.exits);
	rc = 0;
out_free:
	free(fs.res);
	free(fs.tasks);
	free(fs.out);
	return rc;
}
