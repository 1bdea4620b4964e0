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
#include "replay/record_int.h"

/* ---- the run ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mmreplay record [-o DIR] [--every-syscall] [--faults] "
		"[--hold-ms N] [--linger-ms N] -- CMD [ARG...]\n"
		"  -o DIR           capture directory (default \"" DEFAULT_DIR
		"\")\n"
		"  --every-syscall  also snapshot maps at the exit of every "
		"memory syscall\n"
		"  --faults         also record the kernel's page-fault, "
		"RSS and allocation\n"
		"                   tracepoints (perf) into snap/perf.txt.zst\n"
		"  --hold-ms N      how long strace holds a tracee (default "
		"%d)\n"
		"  --linger-ms N    how long processes the command left "
		"running (daemons)\n"
		"                   are traced after it exits before they "
		"are ended (default %d)\n",
		DEFAULT_HOLD_MS, DEFAULT_LINGER_MS);
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

	if (strchr(cmd, '/')) {
		struct stat st;

		return stat(cmd, &st) == 0 && S_ISREG(st.st_mode) &&
				       access(cmd, X_OK) == 0
			       ? strdup(cmd)
			       : NULL;
	}
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

/*
 * The child that perf (PID) starts: strace, once perf has forked it.
 * Waits up to 10 s; -1 with errno set when there is none.
 */
static pid_t child_of(pid_t pid)
{
	char path[64], buf[64];
	int i;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	for (i = 0; i < 10000; i++) {
		FILE *f = fopen(path, "r");
		long c = 0;

		if (!f)
			break; /* perf is gone */
		if (fgets(buf, sizeof(buf), f))
			c = strtol(buf, NULL, 10);
		fclose(f);
		if (c > 0)
			return (pid_t)c;
		usleep(1000);
	}
	errno = ESRCH;
	return -1;
}

/* SIGTERM or SIGINT to the recorder: its number. */
static volatile sig_atomic_t rec_signal;

static void on_rec_signal(int sig)
{
	rec_signal = sig;
}

/*
 * strace's child that runs the command (0 until it has exec'd the
 * launcher). strace's own forks that probe ptrace features are children
 * too, short-lived, and never exec: they still have strace's cmdline.
 */
static pid_t command_pid(struct watch *w)
{
	char path[96];
	const char *p;
	char *end;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
		 (int)w->strace_pid, (int)w->strace_pid);
	if (mr_rec_slurp(&w->b, path) < 0)
		return 0;
	for (p = w->b.p;; p = end) {
		long c = strtol(p, &end, 10);

		if (end == p || c <= 0)
			return 0;
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", c);
		if (mr_rec_slurp(&w->b2, path) < 0 || w->b2.len == 0 ||
		    (w->b2.len == w->strace_cmd_len &&
		     memcmp(w->b2.p, w->strace_cmd, w->b2.len) == 0))
			continue;
		return (pid_t)c;
	}
}

/*
 * Poll until strace (or perf above it) exits; returns its wait status.
 * On SIGTERM or SIGINT the tracees are ended (SIGKILL) at once; when the
 * command itself has exited, the processes it left running (daemons) are
 * traced for linger_ns more, then ended. strace then exits as its last
 * tracee goes, and the capture is finished as usual.
 */
static int watch_run(struct watch *w)
{
	int64_t next = mr_rec_now_ns(), gone_at = 0;
	int status = 0, signalled = 0;

	for (;;) {
		pid_t p;
		int st, done = 0;

		mr_rec_walk(w);
		if (!w->top)
			w->top = command_pid(w);
		if (rec_signal && !signalled) {
			w->ended += mr_rec_end_tracees(w);
			signalled = 1;
		}
		if (w->top && !gone_at && kill(w->top, 0) < 0 && errno == ESRCH)
			gone_at = mr_rec_now_ns();
		if (gone_at && !signalled &&
		    mr_rec_now_ns() - gone_at >= w->linger_ns &&
		    mr_rec_live_traced(w)) {
			w->ended += mr_rec_end_tracees(w);
			signalled = 1;
		}
		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			if (p == w->wait_pid) {
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
		int64_t now = mr_rec_now_ns();

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
	int faults;	 /* --faults */
	long hold_ms;	 /* --hold-ms */
	long linger_ms;	 /* --linger-ms */
	char **cmd;	 /* CMD ARG... (NULL-terminated) */
};

/*
 * ARGV[*I] is NAME N or NAME=N (N milliseconds, LO..HI): 1 and *OUT set
 * (*I past it), -1 with a message when N is not one, 0 when ARGV[*I] is
 * another option.
 */
static int ms_option(int argc, char **argv, int *i, const char *name, long lo,
		     long hi, long *out)
{
	const char *a = argv[*i], *v;
	size_t n = strlen(name);
	char *end;

	if (strncmp(a, name, n) || (a[n] && a[n] != '='))
		return 0;
	v = a[n] == '=' ? a + n + 1 : NULL;
	if (!v) {
		if (++*i >= argc)
			return -1;
		v = argv[*i];
	}
	errno = 0;
	*out = strtol(v, &end, 10);
	if (errno || end == v || *end || *out < lo || *out > hi) {
		fprintf(stderr, "record: %s wants %ld..%ld, not '%s'\n", name,
			lo, hi, v);
		return -1;
	}
	return 1;
}

static int parse_opts(struct opts *o, int argc, char **argv)
{
	int i = 1, rc;

	o->dir = DEFAULT_DIR;
	o->every = 0;
	o->faults = 0;
	o->hold_ms = DEFAULT_HOLD_MS;
	o->linger_ms = DEFAULT_LINGER_MS;
	for (; i < argc; i++) {
		const char *a = argv[i];

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
		} else if (strcmp(a, "--faults") == 0) {
			o->faults = 1;
		} else if ((rc = ms_option(argc, argv, &i, "--hold-ms", 1,
					   60000, &o->hold_ms)) != 0 ||
			   (rc = ms_option(argc, argv, &i, "--linger-ms", 0,
					   3600000, &o->linger_ms)) != 0) {
			if (rc < 0)
				return -1;
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
	mr_rec_pathf(zst, sizeof(zst), "%s.zst", trace);
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
	char hold_exec[64], hold_exit[64], hold_line[128], perfdata[PATH_MAX];
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit,
			 old_term;
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
		struct stat cs;

		if (strchr(o.cmd[0], '/') && stat(o.cmd[0], &cs) == 0)
			fprintf(stderr, "record: %s: %s\n", o.cmd[0],
				S_ISDIR(cs.st_mode) ? "is a directory"
						    : "not executable");
		else
			fprintf(stderr, "record: %s: command not found\n",
				o.cmd[0]);
		return 2; /* bad use: nothing is recorded */
	}
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl <= 0) {
		fprintf(stderr, "record: cannot find my own binary\n");
		free(path);
		return 1;
	}
	self[sl] = '\0';
	if (mr_rec_pathf(trace, sizeof(trace), "%s/trace.strace", o.dir) < 0 ||
	    mr_rec_pathf(snap, sizeof(snap), "%s/snap", o.dir) < 0 ||
	    mr_rec_pathf(zst, sizeof(zst), "%s/trace.strace.zst", o.dir) < 0 ||
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

	if (o.faults) {
		/* perf above strace follows it and every tracee (the
		 * tracepoints are per task, inherited) */
		static const char *const pre[] = {
			"perf",
			"record",
			"-q",
			"-N",
			"-B",
			"-m",
			"64M",
			"-e",
			"raw_syscalls:sys_enter",
			"-e",
			"raw_syscalls:sys_exit",
			"-e",
			"exceptions:page_fault_user",
			"-e",
			"exceptions:page_fault_kernel",
			"-e",
			"filemap:mm_filemap_fault",
			"-e",
			"filemap:mm_filemap_map_pages",
			"-e",
			"kmem:rss_stat",
			"-e",
			"kmem:mm_page_alloc",
			"-e",
			"kmem:mm_page_free",
			"-e",
			"kmem:kmem_cache_alloc",
			"-e",
			"kmem:kmem_cache_free",
			"-o",
			NULL};
		size_t np = sizeof(pre) / sizeof(pre[0]) - 1;
		char **pa = calloc(np + 3 + (size_t)k, sizeof(*pa));

		mr_rec_pathf(perfdata, sizeof(perfdata), "%s/perf.data", o.dir);
		if (!pa) {
			code = 1;
			goto out_free_args;
		}
		for (size_t i = 0; i < np; i++)
			pa[i] = (char *)pre[i];
		pa[np] = perfdata;
		pa[np + 1] = "--";
		memcpy(pa + np + 2, args, (size_t)k * sizeof(*pa));
		free(args);
		args = pa;
	}
	w.self = getpid();
	if (mr_rec_write_kernel(snap) < 0)
		fprintf(stderr, "record: cannot write %s/kernel.tsv\n", snap);
	if (mr_rec_write_machine(snap, "before") < 0)
		fprintf(stderr, "record: cannot write %s/machine.before\n",
			snap);
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
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_rec_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	}
	sigaction(SIGQUIT, &ign, &old_quit);
	w.linger_ns = o.linger_ms * 1000000LL;
	w.wait_pid = spawn_strace(args);
	w.strace_pid = w.wait_pid;
	if (w.wait_pid >= 0 && o.faults)
		w.strace_pid = child_of(w.wait_pid);
	if (w.wait_pid < 0 || w.strace_pid < 0) {
		fprintf(stderr, "record: cannot run %s: %s\n",
			o.faults ? "perf" : "strace", strerror(errno));
		if (w.wait_pid > 0) {
			kill(w.wait_pid, SIGKILL);
			waitpid(w.wait_pid, NULL, 0);
		}
		rmdir(snap);
		rmdir(o.dir); /* only if it is empty */
		code = 1;
		goto out_restore;
	}
	status = watch_run(&w);
	/* perf above strace: if perf ended first, strace (now our child,
	 * we are its subreaper) may still be writing the trace */
	if (o.faults && w.strace_pid > 0)
		while (waitpid(w.strace_pid, NULL, 0) < 0 && errno == EINTR)
			;
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
	if (mr_rec_read_trace(&po, trace, o.every) < 0) {
		fprintf(stderr,
			"record: cannot verify the snapshots; they stay in %s "
			"as .hold.*\n",
			snap);
		failed = 1;
	} else {
		mr_rec_correlate(&w, &po, &ty);
		if (ty.missed)
			failed = 1;
	}
	if (mr_rec_write_files_tsv(snap, &po, &w.b) < 0) {
		fprintf(stderr, "record: cannot write %s/files.tsv\n", snap);
		failed = 1;
	}
	if (mr_rec_write_machine(snap, "after") < 0) {
		fprintf(stderr, "record: cannot write %s/machine.after\n",
			snap);
		failed = 1;
	}
	if (o.every && mr_rec_pack_lines(snap, &ty.line) < 0) {
		fprintf(stderr, "record: cannot write %s/lines.maps.zst\n",
			snap);
		failed = 1;
	}
	if (o.faults) {
		if (mr_rec_faults(perfdata, trace, snap) < 0)
			failed = 1;
		else
			unlink(perfdata);
	}
	if (mr_rec_compress_file(trace, zst, 0) < 0) {
		fprintf(stderr, "record: cannot write %s\n", zst);
		failed = 1;
	} else {
		unlink(trace);
	}

	/* Tasks of the trace the watcher never saw (short-lived threads). */
	unsigned long ntasks = 0, unseen = 0;

	qsort(po.tids, po.ntids, sizeof(pid_t), mr_rec_cmp_pid);
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
		"%lu failed-execve holds and %lu of the launcher's own calls "
		"dropped, %lu unmatched%s\n",
		o.cmd[0], code, po.nproc, ntasks, unseen,
		(unsigned long long)po.lines, w.nholds, ty.exec, ty.exit,
		ty.line, ty.failed_exec, ty.launcher, ty.extra,
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
	if (rec_signal) {
		fprintf(stderr,
			"record: %s: the command was ended (%lu processes); %s "
			"holds its run up to then\n",
			rec_signal == SIGTERM ? "SIGTERM" : "SIGINT", w.ended,
			o.dir);
		code = 128 + rec_signal;
	} else if (w.ended) {
		fprintf(stderr,
			"record: the command exited and left %lu processes "
			"running (daemons): traced %ld ms more (--linger-ms), "
			"then ended\n",
			w.ended, o.linger_ms);
	}
	for (size_t i = 0; i < po.nfd; i++)
		free(po.fdpaths[i]);
	free(po.fdpaths);
	free(po.calls);
	free(po.tids);
out_restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	free(w.tab);
	free(w.holds);
	free(w.todo);
	free(w.b.p);
	free(w.b2.p);
out_free_args:
	free(w.strace_cmd);
	free(args);
	free(path);
	return code;
}
