/*
 * record_watch.c - the recorder's watcher: finds tracees strace holds and
 * copies their /proc files while they are held (see record.c).
 */
#include "replay/record_int.h"

const struct held_sys mr_rec_held_sys[] = {
	{59, "execve", HC_EXEC},      {322, "execveat", HC_EXEC},
	{231, "exit_group", HC_EXIT}, {9, "mmap", HC_LINE},
	{11, "munmap", HC_LINE},      {10, "mprotect", HC_LINE},
	{12, "brk", HC_LINE},	      {25, "mremap", HC_LINE},
	{28, "madvise", HC_LINE},     {149, "mlock", HC_LINE},
	{325, "mlock2", HC_LINE},     {151, "mlockall", HC_LINE},
	{150, "munlock", HC_LINE},    {152, "munlockall", HC_LINE},
};
const size_t mr_rec_nheld_sys =
	sizeof(mr_rec_held_sys) / sizeof(mr_rec_held_sys[0]);

const char *const mr_rec_full_files[] = {"maps",    "smaps", "status",
					 "stat",    "pagemap", NULL};
const char *const mr_rec_maps_only[] = {"maps", NULL};

/* snprintf for paths: -1 (and an empty string) when it does not fit. */
__attribute__((format(printf, 3, 4))) int mr_rec_pathf(char *out, size_t n,
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

int64_t mr_rec_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int mr_rec_held_class(int nr, int every)
{
	for (size_t i = 0; i < mr_rec_nheld_sys; i++) {
		if (mr_rec_held_sys[i].nr != nr)
			continue;
		if (mr_rec_held_sys[i].cls == HC_LINE && !every)
			return HC_NONE;
		return mr_rec_held_sys[i].cls;
	}
	return HC_NONE;
}

int mr_rec_held_nr(const char *name)
{
	for (size_t i = 0; i < mr_rec_nheld_sys; i++)
		if (strcmp(mr_rec_held_sys[i].name, name) == 0)
			return mr_rec_held_sys[i].nr;
	return -1;
}

/* Read a whole (/proc) file into b. Returns 0 or -errno. */
int mr_rec_slurp(struct buf *b, const char *path)
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
	if (mr_rec_slurp(b, path) < 0)
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
	if (mr_rec_slurp(b, path) < 0)
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
	if (mr_rec_slurp(&w->b, path) < 0)
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
	if (mr_rec_slurp(&w->b2, path) < 0 || w->b2.len == 0)
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
		int rc = mr_rec_slurp(&w->b2, path);

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
	int64_t now = mr_rec_now_ns();

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

/* Larger VMAs are not walked in the pagemap summary (a reservation of
 * terabytes would take minutes to read). */
#define PAGEMAP_MAX_VMA (64ull << 30)

/* One run of the summary: pages [a, b) present, exclusively mapped or
 * not. */
static int run_out(FILE *f, unsigned long long a, unsigned long long b,
		   int excl)
{
	return fprintf(f, "%llx-%llx %llu %c\n", a, b, (b - a) >> 12,
		       excl ? 'x' : 's') < 0
		       ? -1
		       : 0;
}

/*
 * DST: the present pages of /proc/TID/pagemap, as runs per VMA of the
 * maps in MAPS (docs/capture.md): "START-END PAGES x|s" (x: bit 56,
 * exclusively mapped).
 */
static int pagemap_summary(pid_t tid, const char *maps, const char *dst)
{
	char path[64];
	FILE *f = fopen(dst, "w");
	int fd, rc = 0;
	const char *l;

	if (!f)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fclose(f);
		return -1;
	}
	fprintf(f, "# mmreplay pagemap: present pages, START-END PAGES "
		   "x(exclusive)|s(shared)\n");
	for (l = maps; *l && !rc; l = strchr(l, '\n') ? strchr(l, '\n') + 1
						  : l + strlen(l)) {
		unsigned long long s, e, a, run = 0;
		int excl = 0, have = 0;
		uint64_t ent[512];

		if (sscanf(l, "%llx-%llx", &s, &e) != 2 || e <= s ||
		    e > 0x800000000000ull || e - s > PAGEMAP_MAX_VMA)
			continue;
		for (a = s; a < e && !rc;) {
			size_t n = (size_t)((e - a) >> 12), i;
			ssize_t got;

			if (n > 512)
				n = 512;
			got = pread(fd, ent, n * 8, (off_t)(a >> 12) * 8);
			if (got <= 0) {
				rc = -1; /* a summary cut short is no ground
					    truth */
				break;
			}
			n = (size_t)got / 8;
			for (i = 0; i < n && !rc; i++, a += 4096) {
				int p = (int)(ent[i] >> 63) & 1;
				int x = (int)(ent[i] >> 56) & 1;

				if (have && (!p || x != excl)) {
					rc = run_out(f, run, a, excl);
					have = 0;
				}
				if (p && !have) {
					run = a;
					excl = x;
					have = 1;
				}
			}
		}
		if (have && !rc)
			rc = run_out(f, run, a, excl);
	}
	close(fd);
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* Copy /proc/TID/... to snap/.hold.SEQ.*; 0, or -1 if a copy failed. */
static int copy_proc(struct watch *w, pid_t tid, int cls, unsigned seq)
{
	const char *const *files =
		cls == HC_LINE ? mr_rec_maps_only : mr_rec_full_files;
	char src[64], dst[PATH_MAX];
	char *maps = NULL;
	int rc = 0;

	for (int i = 0; files[i] && !rc; i++) {
		snprintf(src, sizeof(src), "/proc/%d/%s", (int)tid, files[i]);
		if (mr_rec_pathf(dst, sizeof(dst), "%s/.hold.%u.%s", w->snapdir,
				 seq, files[i]) < 0) {
			rc = -1;
		} else if (!strcmp(files[i], "pagemap")) {
			rc = maps ? pagemap_summary(tid, maps, dst) : -1;
		} else if (mr_rec_slurp(&w->b, src) < 0 ||
			   write_all(dst, w->b.p, w->b.len) < 0) {
			rc = -1;
		} else if (!strcmp(files[i], "maps") && !maps &&
			   cls != HC_LINE) {
			maps = strdup(w->b.p ? w->b.p : "");
			if (!maps)
				rc = -1;
		}
	}
	free(maps);
	return rc;
}

static void drop_copy(struct watch *w, int cls, unsigned seq)
{
	const char *const *files =
		cls == HC_LINE ? mr_rec_maps_only : mr_rec_full_files;
	char dst[PATH_MAX];

	for (int i = 0; files[i]; i++)
		if (mr_rec_pathf(dst, sizeof(dst), "%s/.hold.%u.%s", w->snapdir,
				 seq, files[i]) == 0)
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
	if (mr_rec_slurp(&w->b, path) < 0 || w->b.len == 0 || w->b.p[0] == 'r')
		return;
	nr = atoi(w->b.p);
	cls = mr_rec_held_class(nr, w->every);
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
		/* New, or not seen on the last mr_rec_walk: (re)identify it. */
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
		if (mr_rec_slurp(&w->b, path) < 0 ||
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
		if (mr_rec_slurp(&w->b, path) < 0)
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
void mr_rec_walk(struct watch *w)
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

size_t mr_rec_live_traced(const struct watch *w)
{
	size_t i, n = 0;

	for (i = 0; i < w->tab_cap; i++)
		n += w->tab[i].tid && w->tab[i].traced &&
		     w->tab[i].gen == w->gen;
	return n;
}

unsigned long mr_rec_end_tracees(struct watch *w)
{
	size_t i;
	unsigned long n = 0;

	for (i = 0; i < w->tab_cap; i++)
		if (w->tab[i].tid && w->tab[i].traced &&
		    w->tab[i].gen == w->gen &&
		    kill(w->tab[i].tid, SIGKILL) == 0)
			n++;
	return n;
}
