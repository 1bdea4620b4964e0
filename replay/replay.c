/*
 * replay.c - the event loop.
 *
 * Owns the order in which events reach the model, the per-process state
 * that is not memory (fd tables, exec counts), the predict/compare step,
 * the invariant check after each step, and the link to the store.
 */
#include "replay/replay.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/errcode.h"
#include "formats/faults.h"
#include "formats/maps.h"
#include "formats/reader.h"
#include "replay/replay_int.h"
#include "replay/store.h"

#define CLONE_VM_ 0x00000100ull
#define CLONE_VFORK_ 0x00004000ull
#define SIGCHLD_ 17
#define O_ACCMODE_ 3

/* An open fd of a thread group. */
struct fd_ent {
	uint64_t key;	  /* tgid << 32 | fd */
	uint32_t file;	  /* file table id */
	uint32_t ofd;	  /* open file description */
	uint8_t readable; /* opened for reading */
	uint8_t writable; /* opened for writing */
};

/* What replay remembers of a pid beyond its mm. */
struct pid_ent {
	int32_t pid;	/* the pid */
	unsigned execs; /* successful execve calls so far */
	int gone;	/* the task has exited */
	char *cwd;	/* working directory -y last showed, or NULL */
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
	mr_replay_summary *sum;
	mr_machine *m;
	mr_store *st;
	mr_reader *rd;
	uint64_t step;
	struct fd_ent *fds;
	size_t nfds, capfds;
	struct pid_ent *pids;
	size_t npids, cappids;
	struct held *held;
	size_t nheld, capheld;
	int started; /* the first task was adopted */
	int stop;    /* stop requested (violation) */
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
		char *text, *diff;   /* the kernel's maps; the first diff */
		size_t nl, kl, km;   /* the first comparison's figures */
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
	mr_faults faults;
	size_t fnext;	    /* the next one to apply */
	struct pend_fault { /* faults of tasks not created yet */
		mr_fault f; /* the fault */
	} * fpend;
	size_t nfpend, capfpend;
};

void mr_replay_opts_default(mr_replay_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MR_MODE_STORE;
	o->show = 5;
	o->out = stdout;
	mr_config_default(&o->cfg);
}

/* ---- small tables ---- */

/* Lower bound of PID in the sorted pid table. */
static size_t pid_pos(const struct replay *r, int32_t pid)
{
	size_t lo = 0, hi = r->npids;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->pids[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct pid_ent *pid_get(struct replay *r, int32_t pid)
{
	size_t lo = pid_pos(r, pid);

	if (lo < r->npids && r->pids[lo].pid == pid)
		return &r->pids[lo];
	if (r->npids == r->cappids) {
		size_t cap = r->cappids ? r->cappids * 2 : 16;
		struct pid_ent *n = realloc(r->pids, cap * sizeof(*n));

		if (!n)
			return NULL;
		r->pids = n;
		r->cappids = cap;
	}
	memmove(&r->pids[lo + 1], &r->pids[lo],
		(r->npids - lo) * sizeof(*r->pids));
	r->npids++;
	r->pids[lo].pid = pid;
	r->pids[lo].execs = 0;
	r->pids[lo].gone = 0;
	r->pids[lo].cwd = NULL;
	r->sum->processes++;
	return &r->pids[lo];
}

static size_t fd_pos(const struct replay *r, uint64_t key)
{
	size_t lo = 0, hi = r->nfds;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->fds[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static uint64_t fd_key(int32_t tgid, int64_t fd)
{
	return ((uint64_t)(uint32_t)tgid << 32) | (uint32_t)fd;
}

static struct fd_ent *fd_find(struct replay *r, int32_t tgid, int64_t fd)
{
	uint64_t key = fd_key(tgid, fd);
	size_t i = fd_pos(r, key);

	return i < r->nfds && r->fds[i].key == key ? &r->fds[i] : NULL;
}

static struct fd_ent *fd_put(struct replay *r, int32_t tgid, int64_t fd)
{
	uint64_t key = fd_key(tgid, fd);
	size_t i = fd_pos(r, key);

	if (i < r->nfds && r->fds[i].key == key)
		return &r->fds[i];
	if (r->nfds == r->capfds) {
		size_t cap = r->capfds ? r->capfds * 2 : 64;
		struct fd_ent *n = realloc(r->fds, cap * sizeof(*n));

		if (!n)
			return NULL;
		r->fds = n;
		r->capfds = cap;
	}
	memmove(&r->fds[i + 1], &r->fds[i], (r->nfds - i) * sizeof(*r->fds));
	r->nfds++;
	memset(&r->fds[i], 0, sizeof(r->fds[i]));
	r->fds[i].key = key;
	return &r->fds[i];
}

static void fd_del(struct replay *r, int32_t tgid, int64_t fd)
{
	uint64_t key = fd_key(tgid, fd);
	size_t i = fd_pos(r, key);

	if (i < r->nfds && r->fds[i].key == key) {
		memmove(&r->fds[i], &r->fds[i + 1],
			(r->nfds - i - 1) * sizeof(*r->fds));
		r->nfds--;
	}
}

/* fork without CLONE_FILES: the child's table is a copy. */
static void fd_copy(struct replay *r, int32_t from, int32_t to)
{
	size_t i = fd_pos(r, fd_key(from, 0));

	while (i < r->nfds && (r->fds[i].key >> 32) == (uint32_t)from) {
		struct fd_ent e = r->fds[i];
		struct fd_ent *n = fd_put(r, to, (int64_t)(e.key & 0xffffffff));

		if (!n)
			return;
		e.key = n->key;
		*n = e;
		i = fd_pos(r, fd_key(from, (int64_t)(e.key & 0xffffffff))) + 1;
	}
}

/* ---- reporting ---- */

static void fmt_result(char *buf, size_t len, int64_t v)
{
	const char *n;

	if (v == MR_RESULT_UNKNOWN)
		snprintf(buf, len, "?");
	else if (v == MR_PRED_NONE)
		snprintf(buf, len, "(unpredicted)");
	else if (v < 0 && v > -4096 && (n = mr_errno_name((int)-v)))
		snprintf(buf, len, "-1 %s", n);
	else if (v < 0 && v > -4096)
		snprintf(buf, len, "-1 (errno %" PRId64 ")", -v);
	else if (v >= 4096)
		snprintf(buf, len, "%#" PRIx64, (uint64_t)v);
	else
		snprintf(buf, len, "%" PRId64, v);
}

static void report_divergence(struct replay *r, const char *kind,
			      const char *expected, const char *got,
			      const char *detail)
{
	const mr_event *ev = r->cur;

	r->sum->divergences++;
	if (r->st)
		mr_store_divergence(r->st, r->step, r->cur_tgid, ev->line, kind,
				    expected, got, detail);
	if (r->sum->divergences <= (uint64_t)r->o->show)
		fprintf(r->o->out,
			"divergence: step %" PRIu64 ", %s line %" PRIu64
			", pid %d: %s\n  kernel: %s\n  model:  %s\n%s%s",
			r->step, mr_reader_path(r->rd), ev->line, ev->pid, kind,
			expected, got, detail ? detail : "",
			detail && *detail && detail[strlen(detail) - 1] != '\n'
				? "\n"
				: "");
}

/* Lines of the model's maps around ADDR, for violation reports. */
static void context_around(const mr_mm *mm, uint64_t addr, char *buf,
			   size_t len)
{
	const mr_vma *v = mr_mm_first(mm), *from;
	size_t used = 0;
	int i;

	buf[0] = 0;
	while (v && mr_vma_next(v) && mr_vma_next(v)->start <= addr)
		v = mr_vma_next(v);
	from = v;
	for (i = 0; from && i < 1 && mr_vma_prev(from); i++)
		from = mr_vma_prev(from);
	for (i = 0, v = from; v && i < 3 && used + 2 < len;
	     i++, v = mr_vma_next(v)) {
		used += mr_mm_format_vma(mm, v, buf + used, len - used - 1);
		buf[used++] = '\n';
		buf[used] = 0;
	}
}

static void on_violation(void *ctx, const mr_mm *mm, const char *inv,
			 uint64_t addr, const char *detail)
{
	struct replay *r = ctx;
	char around[2048];

	r->sum->violations++;
	context_around(mm, addr, around, sizeof(around));
	if (r->st)
		mr_store_violation(r->st, r->step, r->cur_tgid,
				   r->cur ? r->cur->line : 0, inv, addr, detail,
				   around);
	if (r->sum->violations <= (uint64_t)r->o->show)
		fprintf(r->o->out,
			"violation: step %" PRIu64 ", line %" PRIu64
			", mm %u: %s at %#" PRIx64 ": %s\n%s",
			r->step, r->cur ? r->cur->line : 0, mr_mm_id(mm), inv,
			addr, detail, around);
	if (r->o->stop_on_violation)
		r->stop = 1;
}

/* ---- applying one event ---- */

static int64_t recorded_of(const mr_event *ev)
{
	switch (ev->ret_kind) {
	case MR_RET_VALUE:
	case MR_RET_ERROR:
	case MR_RET_RESTART:
		return ev->ret;
	default:
		return MR_RESULT_UNKNOWN;
	}
}

/* The file an mmap's fd refers to, or NULL when the fd is not open. */
static const mr_fileref *resolve_fd(struct replay *r, int32_t tgid,
				    const mr_event *ev, mr_fileref *out)
{
	int64_t fd = (int64_t)(int32_t)ev->arg[4];
	struct fd_ent *e = fd < 0 ? NULL : fd_find(r, tgid, fd);
	uint32_t file;

	if (fd < 0)
		return NULL;
	if (ev->fd_path) {
		file = mr_machine_file(r->m, ev->fd_path, 0, 0, 0);
		if (!e || e->file != file) {
			/* Opened before the trace, or without -y at open. */
			e = fd_put(r, tgid, fd);
			if (!e)
				return NULL;
			e->file = file;
			e->ofd = mr_machine_new_ofd(r->m);
			e->readable = 1;
			e->writable = 1;
		}
	}
	if (!e)
		return NULL;
	out->file = e->file;
	out->ofd = e->ofd;
	out->readable = e->readable;
	out->writable = e->writable;
	return out;
}

static void on_open(struct replay *r, int32_t tgid, const mr_event *ev)
{
	uint64_t flags = ev->sys == MR_SYS_OPENAT ? ev->arg[1] : ev->arg[0];
	const char *path = ev->ret_path ? ev->ret_path : ev->str;
	struct fd_ent *e;

	if (ev->ret_kind != MR_RET_VALUE || ev->ret < 0 || !path)
		return;
	e = fd_put(r, tgid, ev->ret);
	if (!e)
		return;
	e->file = mr_machine_file(r->m, path, 0, 0, 0);
	e->ofd = mr_machine_new_ofd(r->m);
	e->readable = (flags & O_ACCMODE_) != 1;
	e->writable = (flags & O_ACCMODE_) != 0;
}

/* PATH resolved against its dirfd, whose path -y gives as FD_PATH (also
 * for AT_FDCWD: "AT_FDCWD</cwd>"). */
static const char *at_path(const char *path, const char *fd_path, char *buf,
			   size_t len)
{
	if (!path || path[0] == '/')
		return path;
	if (!fd_path || fd_path[0] != '/' ||
	    (size_t)snprintf(buf, len, "%s/%s", fd_path, path) >= len)
		return path; /* left to the machine's suffix match */
	return buf;
}

/* unlink/unlinkat of a file: its mappings print " (deleted)". */
static void on_unlink(struct replay *r, const mr_event *ev)
{
	char buf[4096];
	const char *path = ev->str;

	if (ev->ret_kind != MR_RET_VALUE || ev->ret != 0 || !path ||
	    (ev->sys == MR_SYS_UNLINKAT && (ev->arg[1] & 0x200)))
		return; /* failed, or AT_REMOVEDIR */
	if (ev->sys == MR_SYS_UNLINKAT)
		path = at_path(path, ev->fd_path, buf, sizeof(buf));
	mr_machine_file_unlink(r->m, path);
}

/* rename/renameat/renameat2 of a file: its mappings show the new name. */
static void on_rename(struct replay *r, const mr_event *ev)
{
	char ob[4096], nb[4096];
	const char *oldp = ev->str, *newp = ev->str2;
	uint64_t flags = 0;

	if (ev->ret_kind != MR_RET_VALUE || ev->ret != 0)
		return;
	if (ev->sys == MR_SYS_RENAMEAT) {
		/* -y names the first dirfd only: the second is known when
		 * it is AT_FDCWD or the same descriptor */
		oldp = at_path(oldp, ev->fd_path, ob, sizeof(ob));
		newp = at_path(newp,
			       ev->arg[1] == ev->arg[0] ? ev->fd_path : NULL,
			       nb, sizeof(nb));
		flags = ev->arg[2];
	}
	mr_machine_file_rename(r->m, oldp, newp, (flags & 2) != 0);
}

static void on_dup(struct replay *r, int32_t tgid, const mr_event *ev)
{
	struct fd_ent *old, *n, copy;

	if (ev->ret_kind != MR_RET_VALUE || ev->ret < 0)
		return;
	old = fd_find(r, tgid, (int64_t)(int32_t)ev->arg[0]);
	if (!old) {
		fd_del(r, tgid, ev->ret);
		return;
	}
	copy = *old;
	n = fd_put(r, tgid, ev->ret);
	if (n) {
		copy.key = n->key;
		*n = copy;
	}
}

/* Apply the events held for PID now that its task exists. */
/* Whether PID existed and has exited. */
static int exited_pid(const struct replay *r, int32_t pid)
{
	size_t i = pid_pos(r, pid);

	return i < r->npids && r->pids[i].pid == pid && r->pids[i].gone;
}

/* After an exit: every known pid without a task is gone. */
static void mark_gone(struct replay *r)
{
	size_t i;

	for (i = 0; i < r->npids; i++)
		if (!r->pids[i].gone &&
		    !mr_machine_task_tgid(r->m, r->pids[i].pid))
			r->pids[i].gone = 1;
}

static void flush_held(struct replay *r, int32_t pid);
static void apply(struct replay *r, const mr_event *ev);
static void faults_after(struct replay *r, uint64_t line);
static void faults_of_task(struct replay *r, int32_t pid, uint64_t limit);

/* Per-syscall figures for the fidelity report. */
static void count_prediction(struct replay *r, const mr_event *ev, int64_t pred,
			     int64_t rec)
{
	mr_sys_stats *s = &r->sum->sys[ev->sys];
	int ok = pred == rec && pred != MR_PRED_NONE;

	s->calls++;
	if (rec == MR_RESULT_UNKNOWN)
		return;
	/* A new segment's id depends on every segment the machine ever
	 * made (ipc_idr_alloc's sequence): not a result to predict. */
	if (ev->sys == MR_SYS_SHMGET && rec >= 0 && pred == MR_PRED_NONE)
		return;
	s->recorded++;
	if (pred != MR_PRED_NONE)
		s->predicted++;
	s->matched += (uint64_t)ok;
	if (rec < 0 && rec > -4096) {
		s->errnos++;
		s->errnos_ok += (uint64_t)ok;
	} else if ((ev->sys == MR_SYS_MMAP && !(ev->arg[3] & 0x100010)) ||
		   (ev->sys == MR_SYS_MREMAP && (ev->arg[3] & 1) &&
		    !(ev->arg[3] & 2)) ||
		   (ev->sys == MR_SYS_SHMAT && !ev->arg[1])) {
		/* mmap without MAP_FIXED or MAP_FIXED_NOREPLACE, mremap
		 * with MREMAP_MAYMOVE and without MREMAP_FIXED, shmat
		 * without an address */
		s->addrs++;
		s->addrs_ok += (uint64_t)ok;
	}
}

/*
 * The engine call for memory syscall EV with recorded result REC: 0 and
 * the prediction in *PRED, or -1 when the model does not cover it.
 */
static int engine_call(struct replay *r, const mr_event *ev, mr_mm *mm,
		       int64_t rec, int64_t *pred_out)
{
	int32_t tgid = r->cur_tgid;
	int64_t pred;
	mr_fileref fref;
	const mr_fileref *f;

	switch (ev->sys) {
	case MR_SYS_MMAP:
		f = resolve_fd(r, tgid, ev, &fref);
		pred = mr_mm_mmap(mm, ev->arg[0], ev->arg[1], ev->arg[2],
				  ev->arg[3], f, ev->arg[5], rec);
		break;
	case MR_SYS_MUNMAP:
		pred = mr_mm_munmap(mm, ev->arg[0], ev->arg[1], rec);
		break;
	case MR_SYS_MPROTECT:
		if (ev->nargs > 3) /* pkey_mprotect */
			pred = mr_mm_pkey_mprotect(
				mm, ev->arg[0], ev->arg[1], ev->arg[2],
				(int64_t)(int32_t)ev->arg[3], rec);
		else
			pred = mr_mm_mprotect(mm, ev->arg[0], ev->arg[1],
					      ev->arg[2], rec);
		break;
	case MR_SYS_BRK:
		pred = mr_mm_brk_call(mm, ev->arg[0], rec);
		break;
	case MR_SYS_MADVISE:
		pred = mr_mm_madvise(mm, ev->arg[0], ev->arg[1], ev->arg[2],
				     rec);
		break;
	case MR_SYS_MLOCK:
	case MR_SYS_MLOCK2:
		pred = mr_mm_mlock(mm, ev->arg[0], ev->arg[1], ev->arg[2],
				   ev->sys == MR_SYS_MLOCK2, rec);
		break;
	case MR_SYS_MUNLOCK:
		pred = mr_mm_munlock(mm, ev->arg[0], ev->arg[1], rec);
		break;
	case MR_SYS_MLOCKALL:
		pred = mr_mm_mlockall(mm, ev->arg[0], rec);
		break;
	case MR_SYS_MUNLOCKALL:
		pred = mr_mm_munlockall(mm, rec);
		break;
	case MR_SYS_MSEAL:
		pred = mr_mm_mseal(mm, ev->arg[0], ev->arg[1], ev->arg[2], rec);
		break;
	case MR_SYS_MREMAP:
		pred = mr_mm_mremap(mm, ev->arg[0], ev->arg[1], ev->arg[2],
				    ev->arg[3], ev->arg[4], rec);
		break;
	case MR_SYS_MSYNC:
		pred = mr_mm_msync(mm, ev->arg[0], ev->arg[1], ev->arg[2]);
		break;
	case MR_SYS_PRCTL:
		if (!ev->nargs)
			return -1; /* not PR_SET_VMA */
		pred = mr_mm_set_vma_name(mm, ev->arg[1], ev->arg[2],
					  ev->arg[3]);
		break;
	case MR_SYS_SHMGET:
		pred = mr_machine_shmget(r->m, ev->arg[0], ev->arg[1],
					 ev->arg[2], rec);
		break;
	case MR_SYS_SHMAT:
		pred = mr_mm_shmat(mm, (int64_t)(int32_t)ev->arg[0], ev->arg[1],
				   ev->arg[2], rec);
		break;
	case MR_SYS_SHMDT:
		pred = mr_mm_shmdt(mm, ev->arg[0], rec);
		break;
	default:
		return -1;
	}
	*pred_out = pred;
	return 0;
}

static const char *memory_syscall(struct replay *r, const mr_event *ev,
				  mr_mm *mm, int64_t *pred_out)
{
	int64_t rec = recorded_of(ev), pred;

	if (engine_call(r, ev, mm, rec, &pred))
		return "ignored";
	*pred_out = pred;
	count_prediction(r, ev, pred, rec);
	if (pred == MR_PRED_NONE || rec == MR_RESULT_UNKNOWN)
		return "unpredicted";
	r->sum->predicted++;
	if (pred == rec) {
		r->sum->matched++;
		return "match";
	} else {
		char e[64], g[64], d[512];

		fmt_result(e, sizeof(e), rec);
		fmt_result(g, sizeof(g), pred);
		snprintf(d, sizeof(d), "  %s(%.400s)\n", ev->name,
			 ev->args ? ev->args : "");
		report_divergence(r, "result", e, g, d);
		return "diverge";
	}
}

/*
 * A call that succeeded in an address space the model does not know:
 * the range it acted on existed (adopted as inferred memory), and what
 * it did is applied. Nothing is predicted or counted.
 */
static void adopt_call(struct replay *r, const mr_event *ev, mr_mm *mm)
{
	uint64_t prot = 3; /* PROT_READ | PROT_WRITE */
	int64_t pred;

	mr_mm_adopt(mm);
	switch (ev->sys) {
	case MR_SYS_MPROTECT:
		prot = ev->arg[2] & 7;
		/* fall through */
	case MR_SYS_MADVISE:
	case MR_SYS_MLOCK:
	case MR_SYS_MLOCK2:
	case MR_SYS_MUNLOCK:
	case MR_SYS_MSYNC:
	case MR_SYS_MSEAL:
	case MR_SYS_MREMAP:
		mr_mm_adopt_range(mm, ev->arg[0], ev->arg[0] + ev->arg[1],
				  prot);
		break;
	default:
		break;
	}
	engine_call(r, ev, mm, recorded_of(ev), &pred);
}

/* ---- per-syscall snapshots ---- */

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Index DIR's TID.line.L.maps files. */
static int scan_line_snaps(struct replay *r, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		int tid, n = 0;
		unsigned long long line;

		if (sscanf(e->d_name, "%d.line.%llu.maps%n", &tid, &line, &n) !=
			    2 ||
		    e->d_name[n] || tid <= 0 || line >= (1ull << 40))
			continue;
		if (r->nlinesnaps == r->caplinesnaps) {
			size_t cap = r->caplinesnaps ? r->caplinesnaps * 2 : 64;
			uint64_t *nb = realloc(r->linesnaps, cap * sizeof(*nb));

			if (!nb) {
				closedir(d);
				return MR_ENOMEM;
			}
			r->linesnaps = nb;
			r->caplinesnaps = cap;
		}
		r->linesnaps[r->nlinesnaps++] = ((uint64_t)tid << 40) | line;
	}
	closedir(d);
	if (r->nlinesnaps)
		qsort(r->linesnaps, r->nlinesnaps, sizeof(*r->linesnaps),
		      u64_cmp);
	return 0;
}

/* The stream's snapshots kept for events applied after their line. */
#define MAX_STASH 256

static void stash_put(struct replay *r, uint64_t key, const char *text)
{
	char *t = strdup(text);

	if (!t)
		return;
	if (r->nstash == MAX_STASH) { /* the oldest is never wanted */
		free(r->stash[0].text);
		memmove(&r->stash[0], &r->stash[1],
			(r->nstash - 1) * sizeof(*r->stash));
		r->nstash--;
	}
	if (r->nstash == r->capstash) {
		size_t cap = r->capstash ? r->capstash * 2 : 16;
		struct stashed *n = realloc(r->stash, cap * sizeof(*n));

		if (!n) {
			free(t);
			return;
		}
		r->stash = n;
		r->capstash = cap;
	}
	r->stash[r->nstash].key = key;
	r->stash[r->nstash++].text = t;
}

/*
 * The stream's snapshot for KEY, malloc'd, or NULL when there is none.
 * Snapshots come in trace-line order, as events mostly do; those passed
 * over wait in the stash.
 */
static char *stream_take(struct replay *r, uint64_t key)
{
	size_t i;

	for (i = 0; i < r->nstash; i++)
		if (r->stash[i].key == key) {
			char *t = r->stash[i].text;

			memmove(&r->stash[i], &r->stash[i + 1],
				(r->nstash - i - 1) * sizeof(*r->stash));
			r->nstash--;
			return t;
		}
	for (;;) {
		if (!r->ls_have) {
			int32_t tid;
			uint64_t line;
			int rc = mr_snapstream_next(r->ls, &tid, &line,
						    &r->ls_text);

			if (rc < 0) {
				snprintf(r->err, r->errlen, "%s",
					 mr_snapstream_errmsg(r->ls));
				r->bad = 1;
			}
			if (rc <= 0) {
				mr_snapstream_free(r->ls);
				r->ls = NULL;
				return NULL;
			}
			r->ls_key = ((uint64_t)(uint32_t)tid << 40) | line;
			r->ls_have = 1;
		}
		if (r->ls_key == key) {
			r->ls_have = 0;
			return strdup(r->ls_text);
		}
		if ((r->ls_key & ((1ull << 40) - 1)) >
		    (key & ((1ull << 40) - 1)))
			return NULL; /* not there yet */
		stash_put(r, r->ls_key, r->ls_text);
		r->ls_have = 0;
	}
}

/* Compare the model with the snapshot taken after EV, if there is one. */
static int late_reserve(struct replay *r)
{
	if (r->nlate == r->caplate) {
		size_t cap = r->caplate ? r->caplate * 2 : 8;
		struct late_snap *n = realloc(r->late, cap * sizeof(*n));

		if (!n)
			return -1;
		r->late = n;
		r->caplate = cap;
	}
	return 0;
}

/* Count one line snapshot's comparison in the report. */
static void count_line_snapshot(struct replay *r, size_t nl, size_t kl,
				size_t km)
{
	r->sum->line_snaps++;
	r->sum->vma_lines += kl;
	r->sum->vma_matched += kl - km;
	if (!nl)
		r->sum->line_matched++;
}

/* A late snapshot's final verdict: it matched no state of its window. */
static void late_fail(struct replay *r, struct late_snap *l)
{
	const mr_event *cur = r->cur;
	uint64_t step = r->step;
	int32_t tgid = r->cur_tgid;
	mr_event ev;
	char what[64];

	memset(&ev, 0, sizeof(ev));
	ev.pid = l->tid;
	ev.line = l->line;
	r->cur = &ev;
	r->step = l->step;
	r->cur_tgid = l->tgid;
	count_line_snapshot(r, l->nl, l->kl, l->km);
	snprintf(what, sizeof(what), "%zu maps lines differ", l->nl);
	report_divergence(r, "line snapshot", "snap maps", what, l->diff);
	r->cur = cur;
	r->step = step;
	r->cur_tgid = tgid;
}

static void late_drop(struct replay *r, size_t i)
{
	free(r->late[i].text);
	free(r->late[i].diff);
	r->late[i] = r->late[--r->nlate];
}

/*
 * After each step: a late snapshot matches when the model, after calls
 * other threads of its address space made while its thread was held,
 * equals it; it fails when its thread runs again (or at the end).
 */
static void late_check(struct replay *r, const mr_event *ev, int at_end)
{
	mr_mm *mm = at_end ? NULL : mr_machine_task_mm(r->m, ev->pid);
	size_t i = 0;

	while (i < r->nlate) {
		struct late_snap *l = &r->late[i];
		char *diff = NULL;
		size_t nl = 0, kl = 0, km = 0;

		if (!at_end && l->step == r->step) {
			i++;
			continue;
		}
		if (at_end || ev->pid == l->tid) {
			late_fail(r, l);
			late_drop(r, i);
			continue;
		}
		if (mm && mr_mm_id(mm) == l->mm && mr_mm_known(mm) &&
		    ev->kind == MR_EV_SYSCALL &&
		    mr_snap_compare_text(mm, l->text, &diff, &nl, &kl, &km) >=
			    0 &&
		    !nl) {
			count_line_snapshot(r, 0, kl, km);
			free(diff);
			late_drop(r, i);
			continue;
		}
		free(diff);
		i++;
	}
}

static void check_line_snapshot(struct replay *r, const mr_event *ev)
{
	uint64_t key = ((uint64_t)(uint32_t)ev->pid << 40) | ev->line;
	mr_mm *mm = mr_machine_task_mm(r->m, ev->pid);
	char what[64], *diff = NULL, *text;
	size_t nl = 0, kl = 0, km = 0;

	if (r->ls || r->nstash) {
		text = stream_take(r, key);
	} else {
		if (!r->nlinesnaps || !mm || !mr_mm_known(mm) ||
		    !bsearch(&key, r->linesnaps, r->nlinesnaps, sizeof(key),
			     u64_cmp))
			return;
		snprintf(what, sizeof(what), "line.%" PRIu64, ev->line);
		text = mr_snap_read(r->o->snapdir, ev->pid, what);
	}
	if (!text)
		return;
	if (!mm || !mr_mm_known(mm) ||
	    mr_snap_compare_text(mm, text, &diff, &nl, &kl, &km) < 0) {
		free(text);
		return;
	}
	if (nl && mr_mm_users(mm) > 1 && late_reserve(r) == 0) {
		/* Other threads ran while this one was held for the
		 * snapshot: judge it against the states that follow. */
		struct late_snap *l = &r->late[r->nlate++];

		l->text = text;
		l->diff = diff;
		l->nl = nl;
		l->kl = kl;
		l->km = km;
		l->step = r->step;
		l->line = ev->line;
		l->tid = ev->pid;
		l->tgid = r->cur_tgid;
		l->mm = mr_mm_id(mm);
		return;
	}
	free(text);
	count_line_snapshot(r, nl, kl, km);
	if (nl) {
		snprintf(what, sizeof(what), "%zu maps lines differ", nl);
		report_divergence(r, "line snapshot", "snap maps", what, diff);
	}
	free(diff);
}

static void check_exit_snapshot(struct replay *r, const mr_event *ev, mr_mm *mm)
{
	char *diff = NULL, what[64];
	size_t nl = 0, kl = 0, km = 0;
	int rc;

	if (!r->o->snapdir || !mm || !mr_mm_known(mm))
		return;
	rc = mr_snap_compare(mm, r->o->snapdir, ev->pid, "exit", &diff, &nl,
			     &kl, &km);
	if (rc < 0)
		return;
	r->sum->snapshots++;
	r->sum->vma_lines += kl;
	r->sum->vma_matched += kl - km;
	if (rc == 0) {
		r->sum->snap_matched++;
	} else {
		snprintf(what, sizeof(what), "%zu maps lines differ", nl);
		report_divergence(r, "exit snapshot", "snap maps", what, diff);
	}
	free(diff);
}

static void on_exec(struct replay *r, const mr_event *ev)
{
	struct pid_ent *p = pid_get(r, ev->pid), *tg;
	mr_mm *mm = mr_machine_exec(r->m, ev->pid);
	char why[512];
	int rc;

	if (!p || !mm)
		return;
	p->execs++;
	if (r->o->snapdir && !r->o->exec_from_elf) {
		/* a capture: an exec without a snapshot (the launcher's)
		 * stays unknown */
		rc = mr_snap_seed(r->m, mm, r->o->snapdir, ev->pid, p->execs,
				  r->err, r->errlen);
		if (rc == 0)
			r->sum->seeded++;
		else if (rc < 0)
			r->bad = 1;
		return;
	}
	tg = pid_get(r, r->cur_tgid ? r->cur_tgid : ev->pid);
	if (mr_replay_exec_elf(r->m, mm, ev, tg ? tg->cwd : NULL, why,
			       sizeof(why)) == 0) {
		r->sum->elf_built++;
	} else {
		if (r->sum->elf_failed++ < (uint64_t)r->o->show)
			fprintf(r->o->out,
				"note: line %" PRIu64 ": exec of pid %d not "
				"modelled: %s\n",
				ev->line, ev->pid, why);
	}
}

static void forget_cwd(struct replay *r, const mr_event *ev)
{
	struct pid_ent *p = pid_get(r, r->cur_tgid ? r->cur_tgid : ev->pid);

	if (p) {
		free(p->cwd);
		p->cwd = NULL;
	}
}

/* AT_FDCWD</cwd> of a *at call: the process's working directory. */
static void note_cwd(struct replay *r, const mr_event *ev)
{
	struct pid_ent *p;

	if (ev->nargs < 1 || ev->arg[0] != (uint64_t)-100 || !ev->fd_path ||
	    ev->fd_path[0] != '/')
		return;
	p = pid_get(r, r->cur_tgid ? r->cur_tgid : ev->pid);
	if (!p || (p->cwd && !strcmp(p->cwd, ev->fd_path)))
		return;
	free(p->cwd);
	p->cwd = strdup(ev->fd_path);
}

static uint64_t clone_flags_of(const mr_event *ev)
{
	switch (ev->sys) {
	case MR_SYS_FORK:
		return SIGCHLD_;
	case MR_SYS_VFORK:
		return CLONE_VM_ | CLONE_VFORK_ | SIGCHLD_;
	default:
		return ev->arg[0];
	}
}

static void apply(struct replay *r, const mr_event *ev)
{
	mr_mm *mm = mr_machine_task_mm(r->m, ev->pid);
	mr_step_row row;
	int64_t pred = 0;
	const char *verdict = "ignored";
	const char *kind = "syscall";
	size_t ntasks_before;

	/* the faults placed before this line, when earlier lines were
	 * held back or applied ahead of their turn */
	if (r->faults.n && !r->ahead_apply && ev->line)
		faults_after(r, ev->line - 1);
	if (!mm && !mr_machine_task_tgid(r->m, ev->pid) &&
	    (ev->kind == MR_EV_SYSCALL || ev->kind == MR_EV_SIGNAL)) {
		mm = mr_machine_task_adopt(r->m, ev->pid);
		pid_get(r, ev->pid);
	}
	ntasks_before = mr_machine_ntasks(r->m);
	r->step++;
	r->cur = ev;
	r->cur_tgid = mr_machine_task_tgid(r->m, ev->pid);
	if (r->st)
		mr_store_set_step(r->st, r->step);
	memset(&row, 0, sizeof(row));
	if (ev->kind == MR_EV_SYSCALL && ev->sys == MR_SYS_OTHER &&
	    ev->ret_kind == MR_RET_VALUE && ev->ret == 0 && ev->name &&
	    (!strcmp(ev->name, "chdir") || !strcmp(ev->name, "fchdir")))
		forget_cwd(r, ev); /* known again at the next AT_FDCWD</…> */
	switch (ev->kind) {
	case MR_EV_SYSCALL:
		switch (ev->sys) {
		case MR_SYS_MMAP:
		case MR_SYS_MUNMAP:
		case MR_SYS_MPROTECT:
		case MR_SYS_BRK:
		case MR_SYS_MREMAP:
		case MR_SYS_MADVISE:
		case MR_SYS_MLOCK:
		case MR_SYS_MLOCK2:
		case MR_SYS_MUNLOCK:
		case MR_SYS_MLOCKALL:
		case MR_SYS_MUNLOCKALL:
		case MR_SYS_MSEAL:
		case MR_SYS_MSYNC:
		case MR_SYS_PRCTL:
		case MR_SYS_SHMAT:
		case MR_SYS_SHMDT:
			if (mm && mr_mm_known(mm)) {
				verdict = memory_syscall(r, ev, mm, &pred);
				row.has_pred = pred != MR_PRED_NONE;
			} else if (mm && ev->ret_kind == MR_RET_VALUE) {
				adopt_call(r, ev, mm);
				verdict = "adopted";
			} else {
				verdict = "unknown";
			}
			break;
		case MR_SYS_CLONE:
		case MR_SYS_CLONE3:
		case MR_SYS_FORK:
		case MR_SYS_VFORK:
			if (ev->ret_kind == MR_RET_VALUE && ev->ret > 0) {
				int32_t child = (int32_t)ev->ret;
				uint64_t fl = clone_flags_of(ev);

				struct pid_ent *pe;

				mr_machine_clone(r->m, ev->pid, child, fl);
				if (!(fl & MR_CLONE_THREAD))
					fd_copy(r, r->cur_tgid, child);
				const struct pid_ent *par =
					pid_get(r, r->cur_tgid);
				char *cwd = par && par->cwd ? strdup(par->cwd)
							    : NULL;

				pe = pid_get(r, child);
				if (pe) { /* a reused pid starts afresh */
					pe->gone = 0;
					pe->execs = 0;
					free(pe->cwd);
					pe->cwd = cwd; /* the parent's */
				} else {
					free(cwd);
				}
				verdict = "applied";
			}
			break;
		case MR_SYS_EXECVE:
		case MR_SYS_EXECVEAT:
			if (ev->ret_kind == MR_RET_VALUE && ev->ret == 0) {
				on_exec(r, ev);
				verdict = "applied";
			}
			break;
		case MR_SYS_EXIT_GROUP:
			check_exit_snapshot(r, ev, mm);
			mr_machine_exit_group(r->m, ev->pid);
			verdict = "applied";
			break;
		case MR_SYS_EXIT:
			mr_machine_task_exit(r->m, ev->pid);
			verdict = "applied";
			break;
		case MR_SYS_OPEN:
		case MR_SYS_OPENAT:
			note_cwd(r, ev);
			on_open(r, r->cur_tgid, ev);
			break;
		case MR_SYS_CLOSE:
			if (ev->ret_kind == MR_RET_VALUE && ev->ret == 0)
				fd_del(r, r->cur_tgid,
				       (int64_t)(int32_t)ev->arg[0]);
			break;
		case MR_SYS_DUP:
		case MR_SYS_DUP2:
			on_dup(r, r->cur_tgid, ev);
			break;
		case MR_SYS_UNLINK:
		case MR_SYS_UNLINKAT:
			on_unlink(r, ev);
			break;
		case MR_SYS_RENAME:
		case MR_SYS_RENAMEAT:
			on_rename(r, ev);
			break;
		case MR_SYS_SHMGET:
			/* the IPC namespace is the machine's: known or not,
			 * the caller's mm plays no part */
			verdict = memory_syscall(r, ev, mm, &pred);
			row.has_pred = pred != MR_PRED_NONE;
			break;
		case MR_SYS_SHMCTL:
			if (ev->ret_kind == MR_RET_VALUE && ev->ret == 0 &&
			    (ev->arg[1] & 0xff) == 0) /* IPC_RMID */
				mr_machine_shm_rmid(
					r->m, (int64_t)(int32_t)ev->arg[0]);
			break;
		default:
			break;
		}
		break;
	case MR_EV_SIGNAL:
		kind = "signal";
		break;
	case MR_EV_EXIT:
		kind = "exit";
		mr_machine_task_exit(r->m, ev->pid);
		verdict = "applied";
		break;
	case MR_EV_KILLED:
		kind = "killed";
		mr_machine_exit_group(r->m, ev->pid);
		verdict = "applied";
		break;
	case MR_EV_SUPERSEDED:
		kind = "superseded";
		/* de_thread(): the thread whose execve succeeds takes the
		 * leader's pid (the line's), and its own pid is gone; the
		 * leader's task lives on until the execve returns under
		 * its pid. */
		if (ev->exit_code != ev->pid && r->cur_tgid &&
		    mr_machine_task_tgid(r->m, ev->exit_code) == r->cur_tgid)
			mr_machine_task_exit(r->m, ev->exit_code);
		else
			mr_machine_task_exit(r->m, ev->pid);
		verdict = "applied";
		break;
	default:
		break;
	}
	if (ev->kind == MR_EV_SYSCALL)
		check_line_snapshot(r, ev);
	if (r->nlate)
		late_check(r, ev, 0);
	if (mr_machine_ntasks(r->m) < ntasks_before)
		mark_gone(r);
	mr_machine_check(r->m, r->o->full_check, on_violation, r);
	r->sum->steps++;
	if (r->st) {
		row.step = r->step;
		row.pid = r->cur_tgid ? r->cur_tgid : ev->pid;
		row.tid = ev->pid;
		row.line = ev->line;
		row.ts = ev->ts_ns;
		row.kind = kind;
		row.name = ev->kind == MR_EV_SYSCALL ? ev->name : NULL;
		row.args = ev->args;
		row.has_ret = ev->kind == MR_EV_SYSCALL &&
			      ev->ret_kind != MR_RET_UNKNOWN;
		row.ret = ev->ret;
		if (ev->kind == MR_EV_EXIT || ev->kind == MR_EV_KILLED) {
			row.has_ret = 1;
			row.ret = ev->kind == MR_EV_EXIT ? ev->exit_code
							 : ev->signo;
		}
		row.predicted = pred;
		row.verdict = verdict;
		row.digest = mr_machine_digest(r->m);
		mm = mr_machine_task_mm(r->m, ev->pid);
		row.vmas = mm && mr_mm_known(mm) ? (int64_t)mr_mm_map_count(mm)
						 : -1;
		mr_store_step(r->st, &row);
	}
	if (r->o->on_step)
		r->o->on_step(r->o->on_step_ctx, r->step, r->m);
	r->cur = NULL;
	if (ev->kind == MR_EV_SYSCALL &&
	    (ev->sys == MR_SYS_CLONE || ev->sys == MR_SYS_CLONE3 ||
	     ev->sys == MR_SYS_FORK || ev->sys == MR_SYS_VFORK) &&
	    ev->ret_kind == MR_RET_VALUE && ev->ret > 0)
		flush_held(r, (int32_t)ev->ret);
	if (r->faults.n && !r->ahead_apply)
		faults_after(r, ev->line);
}

/* ---- page faults ---- */

/* One fault of task F->tid, whose mm MM is known: a step of its own. */
static void fault_step(struct replay *r, const mr_fault *f, mr_mm *mm)
{
	mr_event at;
	char args[64];
	mr_step_row row;
	int res;

	memset(&at, 0, sizeof(at)); /* where reports place the step */
	at.pid = f->tid;
	at.line = f->after_line;
	r->cur = &at;
	r->step++;
	r->cur_tgid = mr_machine_task_tgid(r->m, f->tid);
	if (r->st)
		mr_store_set_step(r->st, r->step);
	res = mr_mm_fault(mm, f->addr, f->code);
	r->sum->faults++;
	if (res > 0) {
		r->sum->faults_grew += (res & MR_FAULT_GREW) != 0;
		r->sum->faults_anon += (res & MR_FAULT_ANON) != 0;
	} else if (res < 0) {
		r->sum->faults_nomap++;
	}
	mr_machine_check(r->m, r->o->full_check, on_violation, r);
	r->sum->steps++;
	if (r->st) {
		snprintf(args, sizeof(args), "address=%#" PRIx64 " code=%#x",
			 f->addr, f->code);
		memset(&row, 0, sizeof(row));
		row.step = r->step;
		row.tid = f->tid;
		row.pid = mr_machine_task_tgid(r->m, f->tid);
		row.line = f->after_line;
		row.ts = -1;
		row.kind = "fault";
		row.name = (f->code & 0x4) ? "page_fault_user"
					   : "page_fault_kernel";
		row.args = args;
		row.has_ret = 0;
		row.has_pred = 1;
		row.predicted = res < 0 ? res : 0;
		row.verdict = "applied";
		row.digest = mr_machine_digest(r->m);
		row.vmas = (int64_t)mr_mm_map_count(mm);
		mr_store_step(r->st, &row);
	}
	if (r->o->on_step)
		r->o->on_step(r->o->on_step_ctx, r->step, r->m);
	r->cur = NULL;
}

/* Apply fault F now, keep it for a task not created yet, or drop it. */
static void fault_one(struct replay *r, const mr_fault *f)
{
	mr_mm *mm = mr_machine_task_mm(r->m, f->tid);

	if (mm && mr_mm_known(mm)) {
		fault_step(r, f, mm);
	} else if (!mm && !mr_machine_task_tgid(r->m, f->tid) &&
		   !exited_pid(r, f->tid)) {
		if (r->nfpend == r->capfpend) {
			size_t cap = r->capfpend ? r->capfpend * 2 : 64;
			struct pend_fault *n =
				realloc(r->fpend, cap * sizeof(*n));

			if (!n) {
				r->bad = 1;
				snprintf(r->err, r->errlen, "out of memory");
				return;
			}
			r->fpend = n;
			r->capfpend = cap;
		}
		r->fpend[r->nfpend++].f = *f;
	} else {
		r->sum->faults_dropped++;
	}
}

/* The faults that follow trace line LINE. */
static void faults_after(struct replay *r, uint64_t line)
{
	while (r->fnext < r->faults.n && !r->stop && !r->bad &&
	       r->faults.v[r->fnext].after_line <= line)
		fault_one(r, &r->faults.v[r->fnext++]);
}

/* Task PID exists now: the faults it made before trace line LIMIT (its
 * held events come in between), in order. */
static void faults_of_task(struct replay *r, int32_t pid, uint64_t limit)
{
	size_t i = 0, k = 0;

	for (i = 0; i < r->nfpend; i++) {
		if (r->fpend[i].f.tid == pid &&
		    r->fpend[i].f.after_line < limit) {
			mr_fault f = r->fpend[i].f;
			mr_mm *mm = mr_machine_task_mm(r->m, pid);

			if (mm && mr_mm_known(mm))
				fault_step(r, &f, mm);
			else
				r->sum->faults_dropped++;
		} else {
			r->fpend[k++] = r->fpend[i];
		}
	}
	r->nfpend = k;
}

/* ---- events held for tasks not yet created ---- */

static char *dup_into(char **p, const char *s)
{
	char *d = *p;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	memcpy(d, s, n);
	*p += n;
	return d;
}

/* A deep copy of EV in H (its strings in one allocation). */
static int ev_copy(struct held *h, const mr_event *ev)
{
	const char *strs[6] = {ev->name,    ev->args, ev->ret_path,
			       ev->fd_path, ev->str,  ev->str2};
	size_t need = 0, i;
	char *p;

	for (i = 0; i < 6; i++)
		need += strs[i] ? strlen(strs[i]) + 1 : 0;
	h->strs = malloc(need ? need : 1);
	if (!h->strs)
		return MR_ENOMEM;
	h->ev = *ev;
	h->done = 0;
	p = h->strs;
	h->ev.name = dup_into(&p, ev->name);
	h->ev.args = dup_into(&p, ev->args);
	h->ev.ret_path = dup_into(&p, ev->ret_path);
	h->ev.fd_path = dup_into(&p, ev->fd_path);
	h->ev.str = dup_into(&p, ev->str);
	h->ev.str2 = dup_into(&p, ev->str2);
	return 0;
}

/* Room for one more in a held-event array. */
static struct held *held_slot(struct held **v, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct held *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return NULL;
		*v = nv;
		*cap = nc;
	}
	return &(*v)[*n];
}

static int hold(struct replay *r, const mr_event *ev)
{
	struct held *h = held_slot(&r->held, &r->nheld, &r->capheld);

	if (!h || ev_copy(h, ev))
		return MR_ENOMEM;
	r->nheld++;
	return 0;
}

static void flush_held(struct replay *r, int32_t pid)
{
	size_t i = 0;

	while (i < r->nheld && !r->stop) {
		struct held h = r->held[i];

		if (h.ev.pid != pid) {
			i++;
			continue;
		}
		memmove(&r->held[i], &r->held[i + 1],
			(r->nheld - i - 1) * sizeof(*r->held));
		r->nheld--;
		if (r->nfpend) /* its faults from before this line */
			faults_of_task(r, pid, h.ev.line);
		apply(r, &h.ev);
		free(h.strs);
	}
	if (r->nfpend)
		faults_of_task(r, pid, UINT64_MAX);
}

/* ---- threads inside mmap at once ---- */

/* Read events ahead of their turn until N wait (or the trace ends). */
static void ahead_fill(struct replay *r, size_t n)
{
	mr_event ev;
	struct held *h;

	while (r->nahead < n && !r->rd_end) {
		r->rd_rc = mr_reader_next(r->rd, &ev);
		if (r->rd_rc != 1) {
			r->rd_end = 1;
			break;
		}
		r->sum->events++;
		h = held_slot(&r->ahead, &r->nahead, &r->capahead);
		if (!h || ev_copy(h, &ev)) {
			r->bad = 1;
			snprintf(r->err, r->errlen, "out of memory");
			return;
		}
		r->nahead++;
	}
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * Whether call F, of another thread of the mm, must have been served
 * before mmap E: F unmapped memory that E's result (REC, LEN bytes)
 * covers, or F's mapping took the place the model gives E (PRED).
 */
static int served_before(const mr_event *f, uint64_t rec, uint64_t pred,
			 uint64_t len)
{
	if (f->ret_kind != MR_RET_VALUE || f->nargs < 2)
		return 0;
	switch (f->sys) {
	case MR_SYS_MUNMAP:
	case MR_SYS_MREMAP:
		return overlaps(f->arg[0], f->arg[1], rec, len);
	case MR_SYS_MMAP:
		return f->ret >= 0 &&
		       overlaps((uint64_t)f->ret, MR_PAGE_ALIGN(f->arg[1]),
				pred, len);
	default:
		return 0;
	}
}

/*
 * An mmap without an address, of a thread whose mm other tasks share,
 * that the model places elsewhere than the kernel did: the kernel may
 * have served another thread's call first (they wait for mmap_lock in
 * an order strace does not show). Calls of the other threads that were
 * under way when E returned (their start line is before E's result
 * line) and that must have come first are applied now, ahead of their
 * line; then E. Returns 1 when it applied E.
 */
static int reorder(struct replay *r, const mr_event *ev)
{
	mr_mm *mm = mr_machine_task_mm(r->m, ev->pid);
	uint64_t len = MR_PAGE_ALIGN(ev->arg[1]);
	mr_fileref fref;
	struct held me;
	int64_t pred;
	size_t i, moved = 0;

	if (ev->kind != MR_EV_SYSCALL || ev->sys != MR_SYS_MMAP ||
	    ev->ret_kind != MR_RET_VALUE || ev->arg[0] ||
	    (ev->arg[3] & 0x100010) || !mm || !mr_mm_known(mm) ||
	    mr_mm_users(mm) < 2)
		return 0;
	pred = mr_mm_mmap(
		mm, 0, ev->arg[1], ev->arg[2], ev->arg[3],
		resolve_fd(r, mr_machine_task_tgid(r->m, ev->pid), ev, &fref),
		ev->arg[5], MR_PRED_NONE);
	if (pred == ev->ret || pred < 0)
		return 0;
	if (ev_copy(&me, ev)) {
		r->bad = 1;
		return 1;
	}
	ahead_fill(r, 64);
	for (i = 0; i < r->nahead && !r->bad && !r->stop; i++) {
		struct held *h = &r->ahead[i];

		if (h->done || h->ev.kind != MR_EV_SYSCALL ||
		    h->ev.pid == me.ev.pid || h->ev.first_line >= me.ev.line ||
		    mr_machine_task_mm(r->m, h->ev.pid) != mm ||
		    !served_before(&h->ev, (uint64_t)me.ev.ret, (uint64_t)pred,
				   len))
			continue;
		r->ahead_apply = 1;
		apply(r, &h->ev);
		r->ahead_apply = 0;
		h->done = 1;
		moved++;
	}
	r->sum->reordered += moved;
	apply(r, &me.ev);
	free(me.strs);
	return 1;
}

static void dispatch(struct replay *r, const mr_event *ev)
{
	if (!r->started) {
		r->started = 1;
		apply(r, ev);
		return;
	}
	/* A task's last words after its group exited: nothing to hold. */
	if (!mr_machine_task_tgid(r->m, ev->pid) &&
	    (ev->kind == MR_EV_SYSCALL || ev->kind == MR_EV_SIGNAL) &&
	    !exited_pid(r, ev->pid)) {
		if (hold(r, ev))
			r->bad = 1;
		return;
	}
	if (!reorder(r, ev))
		apply(r, ev);
}

/* ---- the run ---- */

static void warn_cb(void *ctx, const char *msg)
{
	struct replay *r = ctx;

	if (r->sum->warnings++ < (uint64_t)r->o->show)
		fprintf(stderr, "mmreplay: %s\n", msg);
}

static int store_meta(struct replay *r)
{
	char buf[64];
	const mr_config *c = &r->cfg;
	static const char *const thp[] = {"never", "madvise", "always"};

	mr_store_meta(r->st, "format", "mmreplay-history-1");
	mr_store_meta(r->st, "trace", r->o->trace);
	mr_store_meta(r->st, "snapshots", r->o->snapdir ? r->o->snapdir : "");
	snprintf(buf, sizeof(buf), "%#" PRIx64, c->task_size);
	mr_store_meta(r->st, "task_size", buf);
	snprintf(buf, sizeof(buf), "%" PRIu64, c->mmap_min_addr);
	mr_store_meta(r->st, "mmap_min_addr", buf);
	snprintf(buf, sizeof(buf), "%u", c->max_map_count);
	mr_store_meta(r->st, "max_map_count", buf);
	mr_store_meta(r->st, "thp",
		      r->kern.thp[0] ? r->kern.thp : thp[c->thp % 3]);
	if (r->kern.release[0])
		mr_store_meta(r->st, "kernel_release", r->kern.release);
	if (r->kern.thp_shmem[0])
		mr_store_meta(r->st, "thp_shmem", r->kern.thp_shmem);
	if (r->kern.mmap_min_addr[0])
		mr_store_meta(r->st, "sysctl_mmap_min_addr",
			      r->kern.mmap_min_addr);
	snprintf(buf, sizeof(buf), "%zu", r->faults.n);
	mr_store_meta(r->st, "faults", buf);
	snprintf(buf, sizeof(buf), "%" PRIu64, c->stack_rlimit);
	mr_store_meta(r->st, "stack_rlimit", buf);
	snprintf(buf, sizeof(buf), "%d", c->assume_written);
	return mr_store_meta(r->st, "assume_written", buf);
}

void mr_replay_print_summary(FILE *out, const mr_replay_summary *s)
{
	fprintf(out,
		"events %" PRIu64 ", processes %" PRIu64 ", steps %" PRIu64
		"\n",
		s->events, s->processes, s->steps);
	fprintf(out,
		"predicted %" PRIu64 " results, %" PRIu64 " matched; exec "
		"snapshots used %" PRIu64 "; exit snapshots %" PRIu64
		"/%" PRIu64 " matched\n",
		s->predicted, s->matched, s->seeded, s->snap_matched,
		s->snapshots);
	if (s->elf_built || s->elf_failed)
		fprintf(out,
			"execs built from ELF headers %" PRIu64
			", not buildable %" PRIu64 "\n",
			s->elf_built, s->elf_failed);
	if (s->line_snaps)
		fprintf(out,
			"per-syscall snapshots %" PRIu64 "/%" PRIu64
			" matched\n",
			s->line_matched, s->line_snaps);
	if (s->reordered)
		fprintf(out,
			"calls applied ahead of their line (another thread's "
			"mmap was served after them) %" PRIu64 "\n",
			s->reordered);
	if (s->faults || s->faults_dropped)
		fprintf(out,
			"page faults %" PRIu64 ": %" PRIu64 " grew a stack, "
			"%" PRIu64 " gave an anon_vma, %" PRIu64
			" found no VMA or were refused; %" PRIu64
			" of tasks not modelled\n",
			s->faults, s->faults_grew, s->faults_anon,
			s->faults_nomap, s->faults_dropped);
	fprintf(out,
		"divergences %" PRIu64 ", invariant violations %" PRIu64
		", skipped lines %" PRIu64 "\n",
		s->divergences, s->violations, s->warnings);
}

/*
 * The fault table: the one named, else the snapshot directory's. With
 * faults the model knows which VMAs were written and stops assuming.
 */
static int load_faults(struct replay *r, char *err, size_t errlen)
{
	char p[4096];
	const char *path = r->o->faults;

	if (!path && r->o->snapdir && !r->o->no_faults) {
		snprintf(p, sizeof(p), "%s/faults.tsv.zst", r->o->snapdir);
		if (access(p, R_OK) == 0)
			path = p;
	}
	if (!path)
		return 0;
	if (mr_faults_load(&r->faults, path, err, errlen))
		return -1;
	r->cfg.assume_written = 0;
	return 0;
}

int mr_replay_run(const mr_replay_opts *o, mr_replay_summary *sum, char *err,
		  size_t errlen)
{
	struct replay r;
	mr_journal j;
	mr_event ev;
	int rc, ret = 0;
	int tty = o->progress && isatty(2);

	memset(sum, 0, sizeof(*sum));
	memset(&r, 0, sizeof(r));
	memset(&j, 0, sizeof(j));
	r.o = o;
	r.sum = sum;
	r.err = err;
	r.errlen = errlen;
	err[0] = 0;
	r.cfg = o->cfg;
	if (o->snapdir && mr_snap_load_kernel(o->snapdir, &r.kern, err, errlen))
		return 2;
	if (r.kern.max_map_count && !o->max_map_count_set)
		r.cfg.max_map_count = r.kern.max_map_count;
	if (r.kern.stack_rlimit_set)
		r.cfg.stack_rlimit = r.kern.stack_rlimit;
	/* which faults THP serves decides anon_vmas */
	if (!strcmp(r.kern.thp, "always"))
		r.cfg.thp = MR_THP_ALWAYS;
	else if (!strcmp(r.kern.thp, "madvise"))
		r.cfg.thp = MR_THP_MADVISE;
	else if (!strcmp(r.kern.thp, "never"))
		r.cfg.thp = MR_THP_NEVER;
	if (load_faults(&r, err, errlen))
		return 2;
	rc = mr_reader_open(&r.rd, o->trace, err, errlen);
	if (rc) {
		mr_faults_release(&r.faults);
		return 2;
	}
	mr_reader_set_warn(r.rd, warn_cb, &r);
	if (o->mode == MR_MODE_STORE) {
		rc = mr_store_create(&r.st, o->db, err, errlen);
		if (rc) {
			mr_reader_free(r.rd);
			mr_faults_release(&r.faults);
			return 2;
		}
		mr_store_journal(r.st, &j);
		store_meta(&r);
	}
	if (mr_machine_new(&r.m, &r.cfg, &j)) {
		snprintf(err, errlen, "out of memory");
		ret = 2;
		goto out;
	}
	if (o->snapdir &&
	    (rc = mr_snap_load_files(r.m, o->snapdir, err, errlen))) {
		ret = 2;
		goto out;
	}
	if (o->snapdir) {
		char lp[4096];

		snprintf(lp, sizeof(lp), "%s/lines.maps.zst", o->snapdir);
		if (access(lp, R_OK) == 0) {
			if (mr_snapstream_open(&r.ls, lp, err, errlen)) {
				ret = 2;
				goto out;
			}
		} else if (scan_line_snaps(&r, o->snapdir)) {
			snprintf(err, errlen, "out of memory");
			ret = 2;
			goto out;
		}
	}
	for (rc = 1; !r.stop && !r.bad;) {
		if (r.nahead) {
			/* events read ahead come first, in their order */
			struct held h = r.ahead[0];

			memmove(&r.ahead[0], &r.ahead[1],
				(r.nahead - 1) * sizeof(*r.ahead));
			r.nahead--;
			if (!h.done)
				dispatch(&r, &h.ev);
			free(h.strs);
			continue;
		}
		if (r.rd_end) {
			rc = r.rd_rc;
			break;
		}
		rc = mr_reader_next(r.rd, &ev);
		if (rc != 1)
			break;
		sum->events++;
		if (tty && !(sum->events & 0xffff))
			fprintf(stderr,
				"\r%" PRIu64 " lines, %" PRIu64 " steps",
				mr_reader_lines(r.rd), sum->steps);
		if (o->mode == MR_MODE_PARSE)
			continue;
		dispatch(&r, &ev);
	}
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (!r.bad && !r.stop && rc < 0) {
		snprintf(err, errlen, "%s", mr_reader_errmsg(r.rd));
		r.bad = 1;
	}
	/* Tasks whose creating clone never appeared: apply in order. */
	while (!r.bad && !r.stop && r.nheld) {
		int32_t pid = r.held[0].ev.pid;

		apply(&r, &r.held[0].ev);
		free(r.held[0].strs);
		memmove(&r.held[0], &r.held[1],
			(r.nheld - 1) * sizeof(*r.held));
		r.nheld--;
		flush_held(&r, pid);
	}
	if (!r.bad)
		late_check(&r, NULL, 1);
	/* faults after the last line, and of tasks never created */
	if (!r.bad && !r.stop && r.faults.n)
		faults_after(&r, UINT64_MAX);
	sum->faults_dropped += r.nfpend;
	if (!r.bad && o->mode != MR_MODE_PARSE)
		mr_machine_check(r.m, 1, on_violation, &r);
	sum->warnings = mr_reader_warnings(r.rd);
	sum->lines = mr_reader_lines(r.rd);
	if (r.bad)
		ret = 2;
	else if (sum->divergences || sum->violations)
		ret = 1;
out:
	if (r.st) {
		if (mr_store_failed(r.st) && !r.bad) {
			snprintf(err, errlen, "%s", mr_store_errmsg(r.st));
			ret = 2;
		}
		if (mr_store_close(r.st, !r.bad) && !ret) {
			snprintf(err, errlen, "%s: closing the history failed",
				 o->db);
			ret = 2;
		}
		r.st = NULL;
	}
	while (r.nheld)
		free(r.held[--r.nheld].strs);
	free(r.held);
	while (r.nahead)
		free(r.ahead[--r.nahead].strs);
	free(r.ahead);
	free(r.fds);
	while (r.npids)
		free(r.pids[--r.npids].cwd);
	free(r.pids);
	free(r.linesnaps);
	mr_snapstream_free(r.ls);
	while (r.nstash)
		free(r.stash[--r.nstash].text);
	free(r.stash);
	while (r.nlate)
		late_drop(&r, r.nlate - 1);
	free(r.late);
	mr_faults_release(&r.faults);
	free(r.fpend);
	mr_machine_free(r.m);
	mr_reader_free(r.rd);
	return ret;
}
