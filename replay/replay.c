/*
 * replay.c - the event loop.
 *
 * Owns the order in which events reach the model, the per-process state
 * that is not memory (fd tables, exec counts), the predict/compare step,
 * the invariant check after each step, and the link to the store.
 */
#include "replay/replay.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/errcode.h"
#include "formats/faults.h"
#include "formats/maps.h"
#include "formats/reader.h"
#include "replay/loop.h"
#include "replay/prefetch.h"

#define CLONE_VM_ 0x00000100ull
#define CLONE_VFORK_ 0x00004000ull
#define SIGCHLD_ 17

void mr_replay_opts_default(mr_replay_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = MR_MODE_STORE;
	o->show = 5;
	o->out = stdout;
	o->threads = 2;
	mr_config_default(&o->cfg);
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

void mr_rp_report_divergence(struct replay *r, const char *kind,
			     const char *expected, const char *got,
			     const char *detail)
{
	const mr_event *ev = r->cur;

	r->sum->divergences++;
	if (r->o->on_problem)
		r->o->on_problem(r->o->on_step_ctx, r->step, ev->line, 0, kind,
				 expected ? expected : "", got ? got : "");
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

void mr_rp_drain_choices(struct replay *r)
{
	size_t n, i;
	const mr_choice *c = mr_machine_choices(r->m, &n);

	for (i = 0; i < n; i++) {
		struct choice_at *a;

		if (c[i].id > r->capchoices) {
			size_t cap = r->capchoices ? r->capchoices : 256;
			struct choice_at *g;

			while (cap < c[i].id)
				cap *= 2;
			g = realloc(r->choices, cap * sizeof(*g));
			if (!g)
				continue; /* then named without its step */
			memset(g + r->capchoices, 0,
			       (cap - r->capchoices) * sizeof(*g));
			r->choices = g;
			r->capchoices = cap;
		}
		a = &r->choices[c[i].id - 1];
		a->step = r->step;
		a->start = c[i].start;
		a->end = c[i].end;
		a->state = c[i].state;
		a->rule = c[i].rule;
		if (c[i].id > r->nchoices)
			r->nchoices = c[i].id;
		if (c[i].state == MR_WS_ASSUMED)
			r->sum->assumed_written++;
		else
			r->sum->assumed_unwritten++;
		if (r->st)
			mr_store_choice(r->st, r->step,
					r->cur_tgid
						? r->cur_tgid
						: (r->cur ? r->cur->pid : 0),
					&c[i]);
	}
	mr_machine_choices_clear(r->m);
}

size_t mr_rp_name_assumption(struct replay *r, const mr_mm *mm, uint64_t start,
			     uint64_t end, char *buf, size_t len)
{
	uint32_t oldest;
	size_t n;
	const struct choice_at *a;

	buf[0] = 0;
	if (!mm || !mr_mm_known(mm))
		return 0;
	mr_rp_drain_choices(r);
	n = mr_mm_uncertain(mm, start, end, &oldest);
	if (!n)
		return 0;
	a = oldest <= r->nchoices ? &r->choices[oldest - 1] : NULL;
	if (a && a->step)
		snprintf(buf, len,
			 "  %zu of the model's VMAs here rest on assumptions "
			 "about writes strace does not show; the oldest, #%u "
			 "(step %" PRIu64 "), took a VMA as %s (rule %s)\n",
			 n, oldest, a->step,
			 a->state == MR_WS_ASSUMED ? "written" : "unwritten",
			 mr_wrule_name(a->rule));
	else
		snprintf(buf, len,
			 "  %zu of the model's VMAs here rest on assumptions "
			 "about writes strace does not show (oldest #%u)\n",
			 n, oldest);
	return n;
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

void mr_rp_on_violation(void *ctx, const mr_mm *mm, const char *inv,
			uint64_t addr, const char *detail)
{
	struct replay *r = ctx;
	char around[2048], why[512];

	/* A count over max_map_count the kernel did not reach may come
	 * from VMAs the model keeps apart on an assumption: a
	 * contradiction with it, named, not a broken rule. */
	if (mm && !strcmp(inv, "map-count") &&
	    mr_rp_name_assumption(r, (mr_mm *)mm, 0, UINT64_MAX, why,
				  sizeof(why))) {
		char d[1024];

		snprintf(d, sizeof(d), "  %s\n%s", detail, why);
		r->sum->contradictions++;
		mr_rp_report_divergence(r, "contradiction",
					"a map count the "
					"kernel allowed",
					"over max_map_count", d);
		static const uint64_t all[2] = {0, UINT64_MAX};

		mr_rp_contradiction(r, mm, all, 1, 1);
		return;
	}
	r->sum->violations++;
	if (r->o->on_problem)
		r->o->on_problem(r->o->on_step_ctx, r->step,
				 r->cur ? r->cur->line : 0, 1, inv, "", "");
	around[0] = 0;
	if (mm) /* NULL: a machine-wide invariant (page map counts) */
		context_around(mm, addr, around, sizeof(around));
	if (r->st)
		mr_store_violation(r->st, r->step, r->cur_tgid,
				   r->cur ? r->cur->line : 0, inv, addr, detail,
				   around);
	if (r->sum->violations <= (uint64_t)r->o->show)
		fprintf(r->o->out,
			"violation: step %" PRIu64 ", line %" PRIu64
			", mm %u: %s at %#" PRIx64 ": %s\n%s",
			r->step, r->cur ? r->cur->line : 0,
			mm ? mr_mm_id(mm) : 0, inv,
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

/* Apply the events held for PID now that its task exists. */
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
		f = mr_rp_resolve_fd(r, tgid, ev, &fref);
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
	case MR_SYS_REMAP_FILE_PAGES:
		pred = mr_mm_remap_file_pages(mm, ev->arg[0], ev->arg[1],
					      ev->arg[2], ev->arg[3],
					      ev->arg[4], rec);
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
	uint64_t learned = mr_machine_limits_learned(r->m);

	if (engine_call(r, ev, mm, rec, &pred))
		return "ignored";
	*pred_out = pred;
	/* interrupted by a signal ("= ? ERESTARTSYS"): no result the
	 * program saw, and none the model could predict */
	if (ev->ret_kind == MR_RET_RESTART)
		return "interrupted";
	count_prediction(r, ev, pred, rec);
	if (pred == MR_PRED_NONE || rec == MR_RESULT_UNKNOWN)
		return "unpredicted";
	r->sum->predicted++;
	if (pred == rec) {
		r->sum->matched++;
		return "match";
	} else {
		char e[64], g[64], d[512];

		char why[512];
		uint64_t lo = 0, hi = UINT64_MAX;
		int n;

		fmt_result(e, sizeof(e), rec);
		fmt_result(g, sizeof(g), pred);
		n = snprintf(d, sizeof(d), "  %s(%.300s)\n", ev->name,
			     ev->args ? ev->args : "");
		/* a call on a range: the VMAs there and their neighbours */
		if (ev->nargs >= 2 && ev->sys != MR_SYS_BRK &&
		    ev->sys != MR_SYS_MLOCKALL && ev->sys != MR_SYS_SHMAT &&
		    pred != -ENOMEM && rec != -ENOMEM) {
			/* (ENOMEM may be the map count: all of it) */
			lo = ev->arg[0] > MR_PAGE_SIZE
				     ? ev->arg[0] - MR_PAGE_SIZE
				     : 0;
			hi = ev->arg[0] + ev->arg[1] + MR_PAGE_SIZE;
			if (hi < lo)
				hi = UINT64_MAX;
		}
		if (mr_machine_limits_learned(r->m) != learned) {
			/* a refusal taught the limit: not an assumption
			 * about writes */
			snprintf(d + n, sizeof(d) - (size_t)n,
				 "  learned: no CAP_IPC_LOCK, RLIMIT_MEMLOCK "
				 "%" PRIu64 " KiB\n",
				 mr_mm_rlimit(mm, MR_RLIM_MEMLOCK) >> 10);
			mr_rp_report_divergence(r, "result", e, g, d);
		} else if (mr_rp_name_assumption(r, mm, lo, hi, why,
						 sizeof(why))) {
			r->sum->contradictions++;
			snprintf(d + n, sizeof(d) - (size_t)n, "%s", why);
			mr_rp_report_divergence(r, "contradiction", e, g, d);
			uint64_t rg[2] = {lo, hi};

			mr_rp_contradiction(r, mm, rg, 1, 1);
		} else {
			mr_rp_report_divergence(r, "result", e, g, d);
		}
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

/* ---- exec and the working directory ---- */

/*
 * A stat of a file the trace names (`N</path>` with -y, or an absolute
 * path argument) tells its size: where fault-around stops without filemap
 * events (filemap_map_pages() clips at the end of the file).
 */
static void note_file_size(struct replay *r, const char *args)
{
	const char *sz = strstr(args, "st_size="), *p, *e;
	char path[4096];
	uint32_t id;
	size_t n;

	if (!sz)
		return;
	p = strchr(args, '<');
	e = p ? strchr(p, '>') : NULL;
	if (!p || !e || e > sz || strchr(args, ',') < p) {
		/* stat("/abs/path", ...) or newfstatat(AT_FDCWD, "/abs", ...) */
		p = strstr(args, "\"/");
		e = p ? strchr(p + 1, '"') : NULL;
		if (!p || !e || e > sz)
			return;
	}
	n = (size_t)(e - p - 1);
	if (n >= sizeof(path))
		return;
	memcpy(path, p + 1, n);
	path[n] = 0;
	id = mr_machine_file_find(r->m, path);
	if (id)
		mr_machine_file_set_size(r->m, id,
					 strtoull(sz + 8, NULL, 10));
}

/* The file an fd argument names (`N</path>`, or `N</path>(deleted)`),
 * 0 when not known. */
static uint32_t fd_arg_file(struct replay *r, const char *args)
{
	const char *p = strchr(args, '<'), *e = p ? strchr(p, '>') : NULL;
	char path[4096];
	size_t n;
	uint32_t id;

	if (!p || !e || strchr(args, ',') < p)
		return 0;
	n = (size_t)(e - p - 1);
	if (n + 11 >= sizeof(path))
		return 0;
	memcpy(path, p + 1, n);
	path[n] = 0;
	/* a deleted file's maps name carries " (deleted)" */
	if (!strncmp(e + 1, "(deleted)", 9))
		memcpy(path + n, " (deleted)", 11);
	id = mr_machine_file_find(r->m, path);
	if (!id && path[n]) {
		path[n] = 0;
		id = mr_machine_file_find(r->m, path);
	}
	return id;
}

/* fallocate(fd, FALLOC_FL_PUNCH_HOLE..., offset, len): the pages in the
 * hole leave the file and every mapping of it. */
static void on_punch(struct replay *r, const char *args)
{
	uint32_t file = fd_arg_file(r, args);
	const char *m = strstr(args, "FALLOC_FL_PUNCH_HOLE"), *p;
	unsigned long long off, len, first, end;

	if (!file || !m)
		return;
	p = strchr(m, ',');
	if (!p || sscanf(p + 1, " %llu, %llu", &off, &len) != 2 || !len)
		return;
	/* whole pages only: a partial page is zeroed, not removed */
	if (off + len < off)
		return;
	first = (off + MR_PAGE_SIZE - 1) / MR_PAGE_SIZE;
	end = (off + len) / MR_PAGE_SIZE;
	if (end > first)
		mr_machine_file_punch(r->m, file, first, end - 1, 0);
}

/* ftruncate(fd, size): the file's pages past its new end leave every
 * mapping (private copies too) and the cache; its size is known. */
static void on_truncate(struct replay *r, const char *args)
{
	uint32_t file = fd_arg_file(r, args);
	const char *p = strrchr(args, ',');
	unsigned long long size;

	if (!file || !p || sscanf(p + 1, " %llu", &size) != 1)
		return;
	mr_machine_file_punch(r->m, file,
			      (size + MR_PAGE_SIZE - 1) / MR_PAGE_SIZE,
			      UINT64_MAX >> MR_PAGE_SHIFT, 1);
	mr_machine_file_set_size(r->m, file, size);
}

static void on_exec(struct replay *r, const mr_event *ev)
{
	struct pid_ent *p = mr_rp_pid_get(r, ev->pid), *tg;
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
		if (rc == 0) {
			r->sum->seeded++;
			mr_rp_seed_exec_pages(r, mm, ev->pid, p->execs);
		} else if (rc < 0)
			r->bad = 1;
		return;
	}
	tg = mr_rp_pid_get(r, r->cur_tgid ? r->cur_tgid : ev->pid);
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

/* INT_MAX & PAGE_MASK: what one read, write or process_vm_readv/writev
 * moves at most */
#define MAX_RW_COUNT 0x7ffff000ll

/* CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWPID, NEWNET, NEWTIME: the
 * namespaces copy_namespaces() makes, after copy_mm(); an EPERM with
 * CLONE_NEWUSER may come from copy_creds(), before it */
#define CLONE_NS_AFTER_MM 0x6e020080ull
#define CLONE_NEWUSER_ 0x10000000ull

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

/* The number after KEY ("dst=") in TEXT, or DEF when absent. */
static int64_t arg_field(const char *text, const char *key, int64_t def)
{
	const char *p = text ? strstr(text, key) : NULL;
	char *end;
	long long v;

	if (!p)
		return def;
	p += strlen(key);
	v = strtoll(p, &end, 0);
	return end == p ? def : (int64_t)v;
}

/* Where top-level argument N (from 0) of TEXT starts, or NULL: commas
 * inside brackets, braces and quoted strings do not count. */
static const char *arg_start(const char *text, int n)
{
	int depth = 0, quoted = 0;
	const char *p;

	if (!text)
		return NULL;
	for (p = text; *p && n > 0; p++) {
		if (quoted) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				quoted = 0;
		} else if (*p == '"') {
			quoted = 1;
		} else if (*p == '[' || *p == '{') {
			depth++;
		} else if ((*p == ']' || *p == '}') && depth > 0) {
			depth--;
		} else if (*p == ',' && !depth) {
			n--;
		}
	}
	while (*p == ' ')
		p++;
	return n ? NULL : p;
}

/*
 * process_vm_readv/writev into another traced address space: the remote
 * side is read or written with get_user_pages_remote(), which faults
 * pages in with no fault event (a write allocates, a read maps the zero
 * page or file pages). The remote iovecs (the fourth argument) are walked
 * for as many bytes as the call returned. The whole call is applied at
 * its result line; the kernel pins the remote side a batch at a time
 * between the copy's own faults, so the page-table pages of a long read
 * fall in other steps (docs/fidelity.md).
 */
static void process_vm_remote(struct replay *r, const mr_event *ev)
{
	int write = !strcmp(ev->name, "process_vm_writev");
	const char *p = arg_start(ev->args, 3), *end;
	mr_mm *rmm;
	int64_t left;

	char *pe;
	long pid;

	if ((!write && strcmp(ev->name, "process_vm_readv")) || !p ||
	    *p != '[' || ev->ret_kind != MR_RET_VALUE || ev->ret <= 0)
		return;
	pid = strtol(ev->args, &pe, 10);
	if (pe == ev->args || pid <= 0 || pid > INT32_MAX)
		return;
	rmm = mr_machine_task_mm(r->m, (int32_t)pid);
	if (!rmm || !mr_mm_known(rmm))
		return;
	end = arg_start(ev->args, 4);
	/* the kernel moves at most MAX_RW_COUNT bytes a call */
	left = ev->ret < MAX_RW_COUNT ? ev->ret : MAX_RW_COUNT;
	while (left > 0 && (p = strstr(p, "iov_base=")) && (!end || p < end)) {
		int64_t base = arg_field(p, "iov_base=", -1);
		int64_t len = arg_field(p, "iov_len=", -1);

		p += 9;
		if (base < 0 || len <= 0)
			continue;
		if (len > left)
			len = left;
		mr_mm_touch_pages(rmm, (uint64_t)base,
				  (uint64_t)base + (uint64_t)len, write);
		if (write)
			mr_mm_note_write(rmm, (uint64_t)base, (uint64_t)len);
		left -= len;
	}
}

/* The number at the start of TEXT (strace's first argument), or -1. */
static int64_t first_arg(const char *text)
{
	char *end;
	unsigned long long v = strtoull(text, &end, 0);

	return end == text || (*end && *end != ',') ? -1 : (int64_t)v;
}

/*
 * Calls whose arguments show an address that user space or the kernel
 * wrote (docs/fidelity.md, "Evidence of writes"): the private writable
 * VMA there was written, whatever the model had assumed. In the caller's
 * address space, before the call is applied (a clone's child shares it
 * or copies it after).
 */
static void write_evidence(mr_mm *mm, const mr_event *ev)
{
	const char *n = ev->name, *a = ev->args;
	uint64_t at[4] = {0, 0, 0, 0}; /* 0: none */
	size_t i;

	/* (the numbers are the trace's: arithmetic on them is unsigned,
	 * and an address past the user range finds no VMA) */
	if (!strcmp(n, "futex") || !strcmp(n, "set_tid_address") ||
	    !strcmp(n, "set_robust_list") || !strcmp(n, "rseq")) {
		at[0] = (uint64_t)first_arg(a);
	} else if (!strcmp(n, "arch_prctl")) {
		if (!strncmp(a, "ARCH_SET_FS, ", 13))
			at[0] = (uint64_t)first_arg(a + 13);
	} else if (!strcmp(n, "clone")) {
		/* glibc stores the function and its argument at the top
		 * of the child's stack before the call */
		uint64_t st = (uint64_t)arg_field(a, "child_stack=", 0);

		at[0] = st > 16 ? st - 16 : 0;
		at[1] = (uint64_t)arg_field(a, "tls=", 0);
		at[2] = (uint64_t)arg_field(a, "child_tidptr=", 0);
	} else if (!strcmp(n, "clone3")) {
		uint64_t st = (uint64_t)arg_field(a, "stack=", 0);
		uint64_t sz = (uint64_t)arg_field(a, "stack_size=", 0);

		/* the child's first push, in the memory it shares */
		if (st && sz > 8 && st + sz > st)
			at[0] = st + sz - 8;
		at[1] = (uint64_t)arg_field(a, "tls=", 0);
		at[2] = (uint64_t)arg_field(a, "child_tid=", 0);
	}
	for (i = 0; i < 4; i++)
		if (at[i] && at[i] != UINT64_MAX)
			mr_mm_note_write(mm, at[i], 1);
}

/*
 * A userfaultfd's UFFDIO_COPY or UFFDIO_ZEROPAGE filled pages in the
 * caller's address space: the bytes it reports done ("copy=",
 * "zeropage=", which strace prints after the call) from "dst=" or the
 * range's "start=". The fault it answers maps nothing itself (the
 * kernel frees the page it allocated and hands the fault to userland).
 */
static void uffd_ioctl(const mr_event *ev, mr_mm *mm)
{
	const char *a = ev->args;
	int64_t start, done;
	int zero;

	if (!a || ev->ret_kind != MR_RET_VALUE)
		return;
	a = arg_start(a, 1); /* the request */
	if (!a)
		return;
	if (!strncmp(a, "UFFDIO_COPY,", 12)) {
		zero = 0;
		start = arg_field(a, "dst=", -1);
		done = arg_field(a, "copy=", 0);
	} else if (!strncmp(a, "UFFDIO_ZEROPAGE,", 16)) {
		zero = 1;
		start = arg_field(a, "start=", -1);
		done = arg_field(a, "zeropage=", 0);
	} else {
		return;
	}
	/* the model fills page by page: a report of more than MAX_RW_COUNT
	 * bytes in one call is taken as corrupt and not applied */
	if (start >= 0 && done > 0 && done <= MAX_RW_COUNT)
		mr_mm_uffd_fill(mm, (uint64_t)start,
				(uint64_t)start + (uint64_t)done, zero);
}

void mr_rp_apply(struct replay *r, const mr_event *ev)
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
		mr_rp_faults_after(r, ev->line - 1);
	if (!mm && !mr_machine_task_tgid(r->m, ev->pid) &&
	    (ev->kind == MR_EV_SYSCALL || ev->kind == MR_EV_SIGNAL)) {
		mm = mr_machine_task_adopt(r->m, ev->pid);
		mr_rp_pid_get(r, ev->pid);
	}
	ntasks_before = mr_machine_ntasks(r->m);
	mr_rp_perf_begin(r, mm);
	mr_rp_perf_cpu_call(r, ev);
	mr_rp_perf_step_delta(r, ev, mm);
	r->step++;
	r->cur = ev;
	r->cur_tgid = mr_machine_task_tgid(r->m, ev->pid);
	if (r->st)
		mr_store_set_step(r->st, r->step);
	memset(&row, 0, sizeof(row));
	if (ev->kind == MR_EV_SYSCALL && ev->sys == MR_SYS_OTHER &&
	    ev->ret_kind == MR_RET_VALUE && ev->ret == 0 && ev->name &&
	    (!strcmp(ev->name, "chdir") || !strcmp(ev->name, "fchdir")))
		mr_rp_forget_cwd(r,
				 ev); /* known again at the next AT_FDCWD</…> */
	if (ev->kind == MR_EV_SYSCALL && ev->sys == MR_SYS_OTHER && ev->name &&
	    !strcmp(ev->name, "ioctl") && mm && mr_mm_known(mm))
		uffd_ioctl(ev, mm);
	if (ev->kind == MR_EV_SYSCALL && ev->sys == MR_SYS_OTHER && ev->name &&
	    !strncmp(ev->name, "process_vm_", 11))
		process_vm_remote(r, ev);
	if (ev->kind == MR_EV_SYSCALL && ev->name && ev->args && mm &&
	    mr_mm_known(mm) &&
	    (ev->sys == MR_SYS_OTHER || ev->sys == MR_SYS_CLONE ||
	     ev->sys == MR_SYS_CLONE3))
		write_evidence(mm, ev);
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
		case MR_SYS_REMAP_FILE_PAGES:
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
			/* copy_namespaces() refuses a CLONE_NEW* flag (not
			 * CLONE_NEWUSER, refused earlier) after copy_mm() */
			if (ev->ret_kind == MR_RET_ERROR && ev->ret == -1 /* EPERM */ &&
			    mm && mr_mm_known(mm) &&
			    !(clone_flags_of(ev) &
			      (MR_CLONE_VM | CLONE_NEWUSER_)) &&
			    (clone_flags_of(ev) & CLONE_NS_AFTER_MM)) {
				mr_mm_fork_aborted(mm);
				verdict = "applied";
			}
			if (ev->ret_kind == MR_RET_VALUE && ev->ret > 0) {
				int32_t child = (int32_t)ev->ret;
				uint64_t fl = clone_flags_of(ev);

				struct pid_ent *pe;

				mr_machine_clone(r->m, ev->pid, child, fl);
				if (!(fl & MR_CLONE_THREAD))
					mr_rp_fd_copy(r, r->cur_tgid, child);
				const struct pid_ent *par =
					mr_rp_pid_get(r, r->cur_tgid);
				char *cwd = par && par->cwd ? strdup(par->cwd)
							    : NULL;

				pe = mr_rp_pid_get(r, child);
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
			/* the pages as exit_group found them (the step
			 * before it, as the exit snapshot) */
			mr_rp_pages_checkpoint(r, mm, r->step - 1);
			mr_rp_check_exit_snapshot(r, ev, mm);
			if (mm && mr_mm_known(mm)) {
				uint32_t oldest;

				r->sum->exit_vmas += mr_mm_map_count(mm);
				r->sum->exit_uncertain += mr_mm_uncertain(
					mm, 0, UINT64_MAX, &oldest);
			}
			mr_machine_exit_group(r->m, ev->pid);
			verdict = "applied";
			break;
		case MR_SYS_EXIT:
			mr_machine_task_exit(r->m, ev->pid);
			verdict = "applied";
			break;
		case MR_SYS_OPEN:
		case MR_SYS_OPENAT:
			mr_rp_note_cwd(r, ev);
			mr_rp_on_open(r, r->cur_tgid, ev);
			break;
		case MR_SYS_CLOSE:
			if (ev->ret_kind == MR_RET_VALUE && ev->ret == 0)
				mr_rp_fd_del(r, r->cur_tgid,
					     (int64_t)(int32_t)ev->arg[0]);
			break;
		case MR_SYS_DUP:
		case MR_SYS_DUP2:
			mr_rp_on_dup(r, r->cur_tgid, ev);
			break;
		case MR_SYS_UNLINK:
		case MR_SYS_UNLINKAT:
			mr_rp_on_unlink(r, ev);
			break;
		case MR_SYS_RENAME:
		case MR_SYS_RENAMEAT:
			mr_rp_on_rename(r, ev);
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
			if (ev->ret_kind == MR_RET_VALUE && ev->ret == 0 &&
			    ev->name && ev->args &&
			    (!strcmp(ev->name, "fstat") ||
			     !strcmp(ev->name, "newfstatat") ||
			     !strcmp(ev->name, "stat") ||
			     !strcmp(ev->name, "lstat")))
				note_file_size(r, ev->args);
			else if (ev->ret_kind == MR_RET_VALUE && ev->ret == 0 &&
				 ev->name && ev->args &&
				 !strcmp(ev->name, "fallocate"))
				on_punch(r, ev->args);
			else if (ev->ret_kind == MR_RET_VALUE && ev->ret == 0 &&
				 ev->name && ev->args &&
				 !strcmp(ev->name, "ftruncate"))
				on_truncate(r, ev->args);
			else if (ev->name && strstr(ev->name, "rlimit"))
				mr_rp_on_rlimit(r,
						ev); /* set, get, prlimit64 */
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
	if (r->have_perf && ev->kind == MR_EV_SYSCALL &&
	    ev->ret_kind != MR_RET_UNKNOWN)
		mr_rp_perf_call(r, ev);
	if (ev->kind == MR_EV_SYSCALL)
		mr_rp_check_line_snapshot(r, ev);
	if (r->nlate)
		mr_rp_late_check(r, ev, 0);
	if (mr_machine_ntasks(r->m) < ntasks_before)
		mr_rp_mark_gone(r);
	mr_rp_drain_choices(r);
	mr_machine_check(r->m, r->o->full_check, mr_rp_on_violation, r);
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
	mr_rp_node_step(r, 1);
	mr_rp_history_sample_all(r);
	if (r->o->on_step_line)
		r->o->on_step_line(r->o->on_step_ctx, r->step,
				   r->cur ? r->cur->line : 0);
	if (r->o->on_step)
		r->o->on_step(r->o->on_step_ctx, r->step, r->m);
	if (r->o->stop_request && *r->o->stop_request)
		r->stop = 1;
	if (r->o->stop_after && r->step >= r->o->stop_after)
		r->stop = 1;
	r->cur = NULL;
	if (ev->kind == MR_EV_SYSCALL &&
	    (ev->sys == MR_SYS_CLONE || ev->sys == MR_SYS_CLONE3 ||
	     ev->sys == MR_SYS_FORK || ev->sys == MR_SYS_VFORK) &&
	    ev->ret_kind == MR_RET_VALUE && ev->ret > 0)
		mr_rp_flush_held(r, (int32_t)ev->ret);
	if (r->faults.n && !r->ahead_apply)
		mr_rp_faults_after(r, ev->line);
}

/* ---- the run ---- */

int mr_rp_next(struct replay *r, mr_event *ev)
{
	return r->pf ? mr_prefetch_next(r->pf, ev) : mr_reader_next(r->rd, ev);
}

static void warn_cb(void *ctx, const char *msg)
{
	struct replay *r = ctx;

	if (r->sum->warnings++ < (uint64_t)r->o->show && !r->o->quiet_warnings)
		fprintf(stderr, "mmreplay: %s\n", msg);
}

/* Meta KEY: PATH made absolute ("" when none). */
/*
 * meta.inputs: the absolute paths of the inputs, a line each ("trace=",
 * "snapshots=", "perf=", "faults=", "machine="), for the views that
 * replay again. The one row that differs between histories of the same
 * capture replayed at two places (docs/schema.md).
 */
static void meta_inputs(struct replay *r)
{
	const char *const keys[] = {"trace", "snapshots", "perf", "faults",
				    "machine"};
	const char *paths[] = {r->o->trace, r->o->snapdir, r->o->perf,
			       r->o->faults, r->o->machine};
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *abs = paths[i] ? realpath(paths[i], NULL) : NULL;

		fprintf(f, "%s=%s\n", keys[i], abs ? abs : "");
		free(abs);
	}
	fclose(f);
	mr_store_meta(r->st, "inputs", buf);
	free(buf);
}

/* The faults and perf events, whatever of them was loaded. */
static void release_faults(struct replay *r)
{
	mr_faults_release(&r->faults);
	mr_placed_release(&r->pl);
	free(r->calls);
	r->calls = NULL;
}

static int store_meta(struct replay *r)
{
	char buf[64];
	int i;
	const mr_config *c = &r->cfg;
	static const char *const thp[] = {"never", "madvise", "always"};

	mr_store_meta(r->st, "format", "mmreplay-history-2");
	mr_store_meta(r->st, "trace", r->o->trace);
	mr_store_meta(r->st, "snapshots", r->o->snapdir ? r->o->snapdir : "");
	/* what a view that replays again (smaps, pagetable) needs */
	meta_inputs(r);
	snprintf(buf, sizeof(buf), "%d%d%d%d", r->o->no_faults,
		 r->o->no_pages, r->o->exec_from_elf,
		 r->o->cfg.assume_written);
	mr_store_meta(r->st, "replay_flags", buf);
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
	for (i = 0; i < MR_RLIM__COUNT; i++) {
		static const char *const keys[MR_RLIM__COUNT] = {
			"rlimit_memlock", "rlimit_as", "rlimit_data"};

		if (c->rlimit[i] == MR_RLIM_INFINITY)
			snprintf(buf, sizeof(buf), "unlimited");
		else
			snprintf(buf, sizeof(buf), "%" PRIu64, c->rlimit[i]);
		mr_store_meta(r->st, keys[i], buf);
	}
	mr_store_meta(r->st, "cap_ipc_lock", c->cap_ipc_lock ? "1" : "0");
	if (r->kern.thp_defrag[0])
		mr_store_meta(r->st, "thp_defrag", r->kern.thp_defrag);
	if (r->o->nstress) { /* the tasks under rule stress, for views */
		size_t k, n = 0, cap = r->o->nstress * 12 + 1;
		char *l = malloc(cap);

		if (l) {
			l[0] = 0;
			for (k = 0; k < r->o->nstress; k++)
				n += (size_t)snprintf(l + n, cap - n, "%s%d",
						      k ? "," : "",
						      (int)r->o->stress[k]);
			mr_store_meta(r->st, "stress_tasks", l);
			free(l);
		}
	}
	snprintf(buf, sizeof(buf), "%d", c->assume_written);
	return mr_store_meta(r->st, "assume_written", buf);
}
/* "WHAT M/N steps equal the kernel's (HOW)", when anything was compared. */
static void steps_line(FILE *out, const char *what, uint64_t matched,
		       uint64_t checks, const char *how)
{
	if (checks)
		fprintf(out,
			"%s %" PRIu64 "/%" PRIu64
			" steps equal the kernel's (%s)\n",
			what, matched, checks, how);
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
	if (s->vma_unknown)
		fprintf(out,
			"maps lines matched but for a field no trace shows "
			"(learned from the snapshot) %" PRIu64 "\n",
			s->vma_unknown);
	if (s->hist_checks)
		fprintf(out,
			"history: maps equal to the model's at %" PRIu64
			"/%" PRIu64 " checks (%" PRIu64 " at snapshot steps)\n",
			s->hist_matched, s->hist_checks, s->hist_snaps);
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
	if (s->remote)
		fprintf(out,
			"remote accesses %" PRIu64
			" (other tasks faulting pages into traced address "
			"spaces)\n",
			s->remote);
	if (s->status_lines)
		fprintf(out,
			"status lines at snapshots %" PRIu64 "/%" PRIu64
			" equal; smaps Rss and Anonymous %" PRIu64 "/%" PRIu64
			" VMAs equal\n",
			s->status_matched, s->status_lines, s->smaps_matched,
			s->smaps_vmas);
	if (s->pagemap_pages)
		fprintf(out,
			"pagemap pages at snapshots %" PRIu64 "/%" PRIu64
			" present in both\n",
			s->pagemap_matched, s->pagemap_pages);
	steps_line(out, "page-table allocations", s->pgtable_matched,
		   s->pgtable_checks, "kmem:mm_page_alloc");
	steps_line(out, "slab objects", s->slab_matched, s->slab_checks,
		   "vm_area_struct");
	steps_line(out, "slab objects", s->rmap_matched, s->rmap_checks,
		   "anon_vma, anon_vma_chain");
	steps_line(out, "user page allocations", s->palloc_matched,
		   s->palloc_checks, "zeroed pages, THP folios");
	if (s->rss_checks)
		fprintf(out,
			"rss counters %" PRIu64 "/%" PRIu64
			" equal the kernel's (kmem:rss_stat; %" PRIu64
			" of threads at once, equal in sum)\n",
			s->rss_matched, s->rss_checks, s->rss_races);
	if (s->assumed_written || s->assumed_unwritten)
		fprintf(out,
			"assumptions about writes %" PRIu64 " (%" PRIu64
			" taken as written, %" PRIu64 " as not; %" PRIu64
			" confirmed, %" PRIu64 " overturned by evidence); VMAs "
			"resting on one at exits %" PRIu64 "/%" PRIu64
			"; contradictions %" PRIu64 "\n",
			s->assumed_written + s->assumed_unwritten,
			s->assumed_written, s->assumed_unwritten,
			s->assumed_confirmed, s->assumed_overturned,
			s->exit_uncertain, s->exit_vmas, s->contradictions);
	if (s->revise_runs)
		fprintf(out,
			"revision: %" PRIu64 " choices taken the other way "
			"after %" PRIu64 " model-only replays, %" PRIu64
			" contradictions left; %" PRIu64
			" tasks under rule stress\n",
			s->revised, s->revise_runs, s->revise_unresolved,
			s->stress_processes);
	fprintf(out,
		"divergences %" PRIu64 ", invariant violations %" PRIu64
		", skipped lines %" PRIu64 "\n",
		s->divergences, s->violations, s->warnings);
}

/* Whether the trace can be read more than once (files, not a pipe or a
 * FIFO): revision and the pass before it read it again. */
static int rereadable(const mr_replay_opts *o)
{
	struct stat sb;
	size_t i;

	if (!o->trace || !strcmp(o->trace, "-"))
		return 0;
	/* (a NAME of strace -ff files is no file itself) */
	if (!stat(o->trace, &sb) &&
	    !(S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode)))
		return 0;
	for (i = 0; i < o->ntraces; i++)
		if (o->traces[i] && !stat(o->traces[i], &sb) &&
		    !S_ISREG(sb.st_mode))
			return 0;
	return 1;
}

static int interrupted(const mr_replay_opts *o)
{
	return o->interrupt && *o->interrupt;
}

/* Write LEN bytes of BUF (a replay's report held back) to OUT. */
static void flush_report(FILE *out, const char *buf, size_t len)
{
	if (out && len)
		fwrite(buf, 1, len, out);
}

/* The history file a revised replay writes before it replaces DB, or
 * NULL when there is none to keep apart (no history, or in memory). */
static char *revised_path(const char *db)
{
	size_t n;
	char *p;

	if (!db || !strcmp(db, ":memory:"))
		return NULL;
	n = strlen(db) + sizeof(".revising");
	p = malloc(n);
	if (p)
		snprintf(p, n, "%s.revising", db);
	return p;
}

/*
 * The revised replay of Q (its flips set) against the first one's
 * summary FIRST and held-back report BUF: kept, replacing the first's
 * history and report, only when it finished with no more divergences
 * and violations; otherwise the first stands. Returns the exit code of
 * the one kept.
 */
static int revised_replay(mr_replay_opts *q, const mr_replay_opts *o,
			  int first_rc, const mr_replay_summary *first,
			  const char *buf, size_t len, mr_replay_summary *sum,
			  int *kept, char *err, size_t errlen)
{
	char *tmp = revised_path(o->db), *buf2 = NULL;
	size_t len2 = 0;
	mr_replay_summary fin;
	FILE *mem = o->out ? open_memstream(&buf2, &len2) : NULL;
	int rc, keep;

	*kept = 0;
	if ((o->out && !mem) || (o->db && strcmp(o->db, ":memory:") && !tmp)) {
		if (mem)
			fclose(mem);
		free(buf2);
		free(tmp);
		flush_report(o->out, buf, len);
		*sum = *first;
		return first_rc;
	}
	q->out = mem;
	q->db = tmp ? tmp : o->db;
	q->quiet_warnings = 1; /* the first replay said them */
	rc = mr_replay_run_once(q, &fin, err, errlen);
	if (mem)
		fclose(mem);
	keep = rc != 2 && !fin.interrupted &&
	       fin.divergences + fin.violations <=
		       first->divergences + first->violations;
	if (keep && tmp && rename(tmp, o->db)) {
		snprintf(err, errlen, "%s: replacing it with %s failed", o->db,
			 tmp);
		keep = 0;
	}
	if (tmp && !keep)
		unlink(tmp);
	free(tmp);
	if (keep) {
		flush_report(o->out, buf2, len2);
		*sum = fin;
		*kept = 1;
	} else {
		flush_report(o->out, buf, len);
		*sum = *first;
		rc = first_rc;
	}
	free(buf2);
	return rc;
}

int mr_replay_run(const mr_replay_opts *o, mr_replay_summary *sum, char *err,
		  size_t errlen)
{
	mr_replay_summary rs, first;
	mr_choice_key *flips = NULL;
	int32_t *stress = NULL;
	size_t nflip = 0, len = 0, nstress = 0;
	mr_replay_opts q;
	char *buf = NULL;
	FILE *mem;
	int rc, kept;

	/* (callbacks would see the replays revision makes: none then) */
	if (!o->revise || o->probe || o->nflip || o->nstress ||
	    o->mode == MR_MODE_PARSE || !rereadable(o) || o->on_step ||
	    o->on_step_line || o->on_problem || o->on_end)
		return mr_replay_run_once(o, sum, err, errlen);
	/* the tasks that do little but manage their memory, from the
	 * trace alone (rule stress) */
	q = *o;
	mr_rp_quiet_opts(&q, MR_MODE_PARSE);
	q.stress_found = &stress;
	q.nstress_found = &nstress;
	/* (bad input: the replay below meets it too, and keeps every step
	 * before it) */
	mr_replay_run_once(&q, sum, err, errlen);
	/* The replay's report waits: a revised replay may replace it (and
	 * its history) when it met contradictions. */
	mem = o->out ? open_memstream(&buf, &len) : NULL;
	q = *o;
	q.stress = stress;
	q.nstress = nstress;
	if (o->out && !mem) {
		q.revise = 0;
		rc = mr_replay_run_once(&q, sum, err, errlen);
		free(stress);
		return rc;
	}
	q.out = mem;
	rc = mr_replay_run_once(&q, sum, err, errlen);
	if (mem)
		fclose(mem);
	sum->stress_processes = nstress;
	if (rc == 2 || !sum->revisable || sum->interrupted || interrupted(o)) {
		flush_report(o->out, buf, len);
		free(buf);
		free(stress);
		return rc;
	}
	first = *sum;
	memset(&rs, 0, sizeof(rs));
	mr_replay_revise(&q, &flips, &nflip, &rs);
	first.revise_runs = rs.revise_runs;
	first.revise_unresolved = first.revisable;
	if (!nflip || interrupted(o)) {
		/* nothing to take the other way: the first replay stands */
		flush_report(o->out, buf, len);
		*sum = first;
	} else {
		q.flip = flips;
		q.nflip = nflip;
		rc = revised_replay(&q, o, rc, &first, buf, len, sum, &kept,
				    err, errlen);
		if (kept) {
			sum->revised = nflip;
			sum->revise_runs = rs.revise_runs;
			sum->revise_unresolved = sum->revisable;
			sum->stress_processes = nstress;
		}
	}
	free(buf);
	free(flips);
	free(stress);
	return rc;
}

int mr_replay_run_once(const mr_replay_opts *o, mr_replay_summary *sum,
		       char *err, size_t errlen)
{
	struct replay r;
	mr_journal j;
	mr_event ev, first;
	int rc, ret = 0, i, have_first = 0;
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
	for (i = 0; i < MR_RLIM__COUNT; i++)
		if (r.kern.rlimit_set[i])
			r.cfg.rlimit[i] = r.kern.rlimit[i];
	if (r.kern.cap_ipc_lock >= 0)
		r.cfg.cap_ipc_lock = r.kern.cap_ipc_lock;
	/* the capture says whether the process may lock, and how much */
	if (r.kern.rlimit_set[MR_RLIM_MEMLOCK])
		r.cfg.memlock_known = 1;
	if (r.kern.cap_ipc_lock >= 0)
		r.cfg.cap_known = 1;
	/* the overcommit heuristic: one commit may not exceed RAM + swap */
	if (r.kern.overcommit == 0 && r.kern.mem_total_kb)
		r.cfg.commit_pages =
			(r.kern.mem_total_kb + r.kern.swap_total_kb) / 4;
	/* hugetlb pools: what MAP_HUGETLB can reserve; a capture that does
	 * not say leaves reservations unpredicted */
	r.cfg.huge_known = r.kern.huge_set;
	for (i = 0; i < 2; i++)
		r.cfg.huge_avail[i] =
			r.kern.huge_free[i] > r.kern.huge_resv[i]
				? r.kern.huge_free[i] - r.kern.huge_resv[i]
				: 0;
	/* which faults THP serves decides anon_vmas */
	if (!strcmp(r.kern.thp, "always"))
		r.cfg.thp = MR_THP_ALWAYS;
	else if (!strcmp(r.kern.thp, "madvise"))
		r.cfg.thp = MR_THP_MADVISE;
	else if (!strcmp(r.kern.thp, "never"))
		r.cfg.thp = MR_THP_NEVER;
	if (mr_rp_load_faults(&r, err, errlen)) {
		release_faults(&r);
		return 2;
	}
	/* the machine is read before anything is stored */
	if (r.cfg.phys && o->mode != MR_MODE_PARSE && mr_rp_node_prepare(&r)) {
		mr_rp_node_release(&r);
		release_faults(&r);
		return 2;
	}
	{
		struct stat sb;

		if (!stat(o->trace, &sb) && S_ISFIFO(sb.st_mode))
			fprintf(stderr,
				"mmreplay: %s is a FIFO: waiting for a writer\n",
				o->trace);
	}
	rc = o->ntraces > 1 ? mr_reader_open_files(&r.rd, o->traces, o->ntraces,
						   err, errlen)
			    : mr_reader_open_fmt(&r.rd, o->trace, o->format,
						 err, errlen);
	if (rc) {
		mr_rp_node_release(&r);
		release_faults(&r);
		return 2;
	}
	mr_reader_set_warn(r.rd, warn_cb, &r);
	mr_reader_set_lenient(r.rd, o->lenient);
	/* parsing on a thread of its own: the same events, in order */
	if (o->threads > 1)
		r.pf = mr_prefetch_new(r.rd, warn_cb, &r);
	/* The first event is read before anything is stored: an empty
	 * trace, or one whose first line is malformed, stores nothing (and
	 * replaces no history). */
	rc = mr_rp_next(&r, &first);
	if (rc <= 0) {
		mr_prefetch_free(r.pf);
		if (rc < 0)
			snprintf(err, errlen, "%s", mr_reader_errmsg(r.rd));
		else if (!mr_reader_lines(r.rd))
			snprintf(err, errlen,
				 "%s: an empty trace: nothing to replay",
				 o->trace);
		else
			snprintf(err, errlen,
				 "%s: no event in its %" PRIu64
				 " lines (every line was skipped: "
				 "docs/formats.md, \"Skipped lines\")",
				 o->trace, mr_reader_lines(r.rd));
		mr_reader_free(r.rd);
		mr_rp_node_release(&r);
		release_faults(&r);
		return 2;
	}
	have_first = 1;
	if (o->mode == MR_MODE_STORE) {
		rc = mr_store_create(&r.st, o->db, err, errlen);
		if (rc) {
			mr_prefetch_free(r.pf);
			mr_reader_free(r.rd);
			mr_rp_node_release(&r);
			release_faults(&r);
			return 2;
		}
		if (o->threads > 1)
			mr_store_writer(r.st);
		mr_store_journal(r.st, &j);
		store_meta(&r);
	}
	if (mr_machine_new(&r.m, &r.cfg, &j)) {
		snprintf(err, errlen, "out of memory");
		ret = 2;
		goto out;
	}
	mr_rp_revise_setup(&r);
	if (o->snapdir &&
	    (rc = mr_snap_load_files(r.m, o->snapdir, err, errlen))) {
		ret = 2;
		goto out;
	}
	/* the node the physical model takes its frames from */
	if (mr_rp_node_attach(&r)) {
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
		} else if (mr_rp_scan_line_snaps(&r, o->snapdir)) {
			snprintf(err, errlen, "out of memory");
			ret = 2;
			goto out;
		}
	}
	for (rc = 1; !r.stop && !r.bad;) {
		if (o->interrupt && *o->interrupt) {
			r.interrupted = 1;
			break;
		}
		if (r.nahead) {
			/* events read ahead come first, in their order */
			struct held h = r.ahead[0];

			memmove(&r.ahead[0], &r.ahead[1],
				(r.nahead - 1) * sizeof(*r.ahead));
			r.nahead--;
			if (!h.done)
				mr_rp_dispatch(&r, &h.ev);
			free(h.strs);
			continue;
		}
		if (r.rd_end) {
			rc = r.rd_rc;
			break;
		}
		if (have_first) { /* read before the history was made */
			ev = first;
			have_first = 0;
		} else {
			rc = mr_rp_next(&r, &ev);
			if (rc != 1)
				break;
		}
		sum->events++;
		if (tty && !(sum->events & 0xffff))
			fprintf(stderr,
				"\r%" PRIu64 " lines, %" PRIu64 " steps",
				ev.line, sum->steps);
		if (o->mode == MR_MODE_PARSE) {
			mr_rp_stress_count(&r, &ev);
			continue;
		}
		mr_rp_dispatch(&r, &ev);
	}
	/* the reader is the replay's again: at the trace's end, or where
	 * the replay stopped (what the thread read ahead of that is not
	 * applied; after an early stop nothing reads on) */
	mr_prefetch_free(r.pf);
	r.pf = NULL;
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (r.interrupted) {
		/* what was applied is stored; no end-of-run checks */
		sum->interrupted = 1;
		sum->lines = mr_reader_lines(r.rd);
		goto out;
	}
	if (!r.bad && !r.stop && rc < 0) {
		snprintf(err, errlen, "%s", mr_reader_errmsg(r.rd));
		r.bad = 1;
	}
	/* Tasks whose creating clone never appeared: apply in order. */
	while (!r.bad && !r.stop && r.nheld)
		mr_rp_flush_held(&r, r.held[0].ev.pid);
	if (!r.bad)
		mr_rp_late_check(&r, NULL, 1);
	/* faults after the last line, and of tasks never created */
	if (!r.bad && !r.stop && r.faults.n)
		mr_rp_faults_after(&r, UINT64_MAX);
	sum->faults_dropped += r.nfpend;
	if (!r.bad && o->mode != MR_MODE_PARSE) {
		mr_machine_check(r.m, 1, mr_rp_on_violation, &r);
		mr_rp_node_end(&r);
	}
	if (!r.bad && o->on_end)
		o->on_end(o->on_step_ctx, r.m);
	if (!r.bad && r.st) {
		/* the address spaces still alive at the end */
		mr_mm *lm;

		for (lm = mr_machine_first_mm(r.m); lm; lm = mr_mm_next(lm))
			mr_rp_pages_checkpoint(&r, lm, r.step);
	}
	if (!r.bad)
		mr_rp_history_check(&r);
	if (!r.bad)
		mr_rp_stress_list(&r);
	{
		const mr_wstats *w = mr_machine_wstats(r.m);

		sum->assumed_confirmed = w->confirmed;
		sum->assumed_overturned = w->overturned;
		sum->limits_learned = mr_machine_limits_learned(r.m);
	}
	/* sum->warnings: counted by warn_cb, as the replay met them */
	sum->lines = mr_reader_lines(r.rd);
	if (r.bad)
		ret = 2;
	else if (sum->divergences || sum->violations)
		ret = 1;
out:
	if (r.st) {
		if (mr_store_failed(r.st) && !r.bad) {
			snprintf(err, errlen, "%s", mr_store_errmsg(r.st));
			sum->store_failed = 1;
			ret = 2;
		}
		if (mr_store_close(r.st, !r.bad && !r.interrupted) && !ret) {
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
	mr_rp_node_release(&r);
	mr_snapstream_free(r.ls);
	while (r.nstash)
		free(r.stash[--r.nstash].text);
	free(r.stash);
	while (r.nlate)
		mr_rp_late_drop(&r, r.nlate - 1);
	free(r.late);
	release_faults(&r);
	free(r.kmm);
	free(r.kc);
	free(r.fpend);
	free(r.hist);
	free(r.choices);
	mr_machine_free(r.m);
	mr_prefetch_free(r.pf);
	sum->malformed = mr_reader_malformed(r.rd);
	if (o->out)
		mr_reader_malformed_report(r.rd, o->out);
	mr_reader_free(r.rd);
	return ret;
}
