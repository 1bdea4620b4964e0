/*
 * perfplace.c - perf script events placed in a strace trace (see
 * perfplace.h).
 */
#include "formats/perfplace.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errcode.h"
#include "formats/event.h"
#include "formats/reader.h"

#define NR_CLONE 56
#define NR_FORK 57
#define NR_VFORK 58
#define NR_EXECVE 59
#define NR_EXECVEAT 322
#define NR_CLONE3 435

/* One syscall result of the trace. */
struct sres {
	int32_t tid;   /* pid column */
	uint64_t line; /* line of the result */
	int64_t ret;   /* value or -errno */
	uint8_t known; /* it returned (not "= ?") */
	uint8_t exec;  /* a successful execve/execveat */
};

#define NONE ((size_t)-1)

/* Per task: where its exits are in the trace. */
struct ptask {
	int32_t tid;	   /* the task */
	size_t first, end; /* its results: res[first .. end) */
	size_t pos;	   /* next result to match */
	int started;	   /* its exits are being matched */
	int collect;	   /* first task before its exec: events after
			      the execve's entry are kept */
	uint64_t last;	   /* line of its last matched exit (0: none) */
	size_t fault;	   /* out index of its last fault while its
			      group is open, else NONE */
	size_t kfirst;	   /* its first kernel fault since its last exit
			      (NONE: none) */
	size_t pend;	   /* first of its CALL events waiting for the
			      exit (linked through next), NONE: none */
	size_t pend_last;  /* last of them */
};

/* Page-table pages a foreign task may allocate before the counter event
 * that heads its access (get_user_pages_remote() makes the target's
 * tables first). */
#define FOREIGN_PEND 4
/* kmem:mm_page_alloc's gfp_flags for a page-table page */
#define PGTABLE_GFP "GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP"
#define ANON_ZERO_GFP "GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP"

struct pstate {
	struct sres *res;
	size_t nres, capres;
	struct ptask *tasks;
	size_t ntasks;
	mr_pl_event *out;
	size_t *next; /* per out entry: the task's next pending CALL */
	uint8_t *keep; /* per out entry: placed (1) or dropped (0) */
	size_t nout, capout;
	size_t capaux; /* capacity of next[] and keep[] */
	struct foreign {	   /* a task the trace does not show */
		int32_t tid;	   /* its id */
		size_t head;	   /* out index of its open remote access
				      burst, NONE: none */
		mr_perf_event pend[FOREIGN_PEND]; /* page-table pages it
						     allocated since its
						     last other event */
		int npend;
	} * foreign;
	size_t nforeign, capforeign;
	struct lastval {	   /* rss_stat counters in stream order */
		uint32_t mm_id;
		int64_t v[4];	   /* last size per member, -1: none */
	} * lastv;
	size_t nlastv, caplastv;
	int64_t cur_prev;  /* the rss_stat event at hand: its prev */
	int32_t first_tid; /* the task of the trace's first line */
	int first_exec;	   /* the trace's first line is an execve */
	uint64_t global;   /* highest matched line so far */
	mr_placed *pl;
	const char *path; /* the perf file */
	uint64_t plineno; /* its current line */
	char *err;
	size_t errlen;
};

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *q;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 256;
	q = realloc(*p, c * size);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

static int cmp_res(const void *a, const void *b)
{
	const struct sres *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Every syscall result of the trace, grouped by task in line order. */
static int read_results(struct pstate *ps, const char *trace)
{
	mr_reader *rd;
	mr_event ev;
	size_t i;
	int rc;

	rc = mr_reader_open(&rd, trace, ps->err, ps->errlen);
	if (rc < 0)
		return rc;
	while ((rc = mr_reader_next(rd, &ev)) == 1) {
		struct sres *s;

		if (ev.kind != MR_EV_SYSCALL)
			continue;
		if (!ps->nres) {
			ps->first_tid = ev.pid;
			ps->first_exec = ev.sys == MR_SYS_EXECVE ||
					 ev.sys == MR_SYS_EXECVEAT;
		}
		if (grow((void **)&ps->res, &ps->capres, ps->nres,
			 sizeof(*ps->res)) < 0) {
			rc = MR_ENOMEM;
			break;
		}
		s = &ps->res[ps->nres++];
		s->tid = ev.pid;
		s->line = ev.line;
		s->ret = ev.ret;
		s->known = ev.ret_kind != MR_RET_UNKNOWN;
		s->exec = (ev.sys == MR_SYS_EXECVE ||
			   ev.sys == MR_SYS_EXECVEAT) &&
			  ev.ret_kind == MR_RET_VALUE && ev.ret == 0;
	}
	if (rc < 0)
		snprintf(ps->err, ps->errlen, "%s",
			 rc == MR_ENOMEM ? "out of memory"
					 : mr_reader_errmsg(rd));
	mr_reader_free(rd);
	if (rc < 0)
		return rc;
	if (ps->nres)
		qsort(ps->res, ps->nres, sizeof(*ps->res), cmp_res);
	for (i = 0; i < ps->nres; i++)
		if (i == 0 || ps->res[i].tid != ps->res[i - 1].tid)
			ps->ntasks++;
	ps->tasks = calloc(ps->ntasks ? ps->ntasks : 1, sizeof(*ps->tasks));
	if (!ps->tasks)
		return MR_ENOMEM;
	ps->ntasks = 0;
	for (i = 0; i < ps->nres; i++) {
		struct ptask *t;

		if (i == 0 || ps->res[i].tid != ps->res[i - 1].tid) {
			t = &ps->tasks[ps->ntasks++];
			t->tid = ps->res[i].tid;
			t->first = t->pos = i;
			t->fault = t->kfirst = t->pend = t->pend_last = NONE;
		}
		ps->tasks[ps->ntasks - 1].end = i + 1;
	}
	return 0;
}

static struct ptask *task_of(struct pstate *ps, int32_t tid)
{
	size_t lo = 0, hi = ps->ntasks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ps->tasks[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ps->ntasks && ps->tasks[lo].tid == tid ? &ps->tasks[lo]
							   : NULL;
}

/* Whether task T's events are kept (it is the trace's, past strace's
 * fork). */
static int live(const struct pstate *ps, const struct ptask *t)
{
	if (t->tid == ps->first_tid && ps->first_exec)
		return t->collect || t->last;
	return t->started;
}

/* Drop task T's pending CALL events (a call that printed no result). */
static void drop_pending(struct pstate *ps, struct ptask *t)
{
	size_t i;

	for (i = t->pend; i != NONE; i = ps->next[i]) {
		ps->keep[i] = 0;
		ps->pl->dropped++;
	}
	t->pend = t->pend_last = NONE;
}

/* The exit of task T's call at result S: its pending events get the
 * line; kernel faults during a successful exec follow the exec. */
static void close_call(struct pstate *ps, struct ptask *t, const struct sres *s)
{
	size_t i;

	for (i = t->pend; i != NONE; i = ps->next[i])
		ps->out[i].line = s->line;
	t->pend = t->pend_last = NONE;
	if (s->exec && t->kfirst != NONE)
		for (i = t->kfirst; i < ps->nout; i++)
			if (ps->out[i].tid == t->tid &&
			    ps->out[i].anchor == MR_PL_FAULT &&
			    ps->out[i].kind == MR_PERF_FAULT_KERNEL)
				ps->out[i].line = s->line;
}

static int mismatch(struct pstate *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int mismatch(struct pstate *ps, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(ps->err, ps->errlen, "%s:%" PRIu64 ": ", ps->path,
			 ps->plineno);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->errlen)
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return MR_ECORRUPT;
}

/* A syscall exit of task T: NR returned RET. */
static int on_exit_ev(struct pstate *ps, struct ptask *t, int64_t nr,
		      int64_t ret)
{
	const struct sres *s;
	int exec_nr = nr == NR_EXECVE || nr == NR_EXECVEAT;
	int clone_nr = nr == NR_CLONE || nr == NR_FORK || nr == NR_VFORK ||
		       nr == NR_CLONE3;

	t->fault = NONE;
	if (!t->started) {
		if (t->tid == ps->first_tid && ps->first_exec) {
			/* strace's fork until its exec */
			if (!exec_nr || ret != 0) {
				drop_pending(ps, t);
				t->collect = 0;
				return 0;
			}
		} else if (clone_nr && ret == 0) {
			t->started = 1; /* the child's side of its clone */
			return 0;
		}
		t->started = 1;
	}
	if (t->pos < t->end && !ps->res[t->pos].known) {
		/* "= ?": a call that never returned (exit), or one cut
		 * short that the kernel still left (a pause() ended by
		 * another thread's execve returns -ERESTARTNOHAND). Skip
		 * such lines when the exit is the next known one's. */
		size_t k = t->pos;

		while (k < t->end && !ps->res[k].known)
			k++;
		if (k < t->end && ps->res[k].ret == ret)
			t->pos = k;
	}
	if (t->pos == t->end && ret < 0) {
		/* a call the task was killed in before strace printed it
		 * (a thread ended by another's execve): nothing to match */
		drop_pending(ps, t);
		return 0;
	}
	if (t->pos == t->end)
		return mismatch(ps,
				"task %d returned from syscall %" PRId64
				" (= %" PRId64 ") after its last trace line",
				(int)t->tid, nr, ret);
	s = &ps->res[t->pos];
	if (s->known && s->ret != ret)
		return mismatch(ps,
				"task %d's syscall %" PRId64
				" returned %" PRId64
				", but its trace line %" PRIu64 " says %" PRId64
				" (a perf recording of another run?)",
				(int)t->tid, nr, ret, s->line, s->ret);
	close_call(ps, t, s);
	t->kfirst = NONE;
	t->last = s->line;
	t->pos++;
	ps->pl->exits++;
	if (s->line > ps->global)
		ps->global = s->line;
	return 0;
}

/* Keep event EV of task T. */
static int keep(struct pstate *ps, struct ptask *t, const mr_perf_event *ev)
{
	mr_pl_event *o;
	int is_fault = ev->kind == MR_PERF_FAULT_USER ||
		       ev->kind == MR_PERF_FAULT_KERNEL;

	if (grow((void **)&ps->out, &ps->capout, ps->nout, sizeof(*ps->out)) <
	    0)
		return MR_ENOMEM;
	if (ps->capaux < ps->capout) {
		/* next[] and keep[] follow out[]'s capacity */
		size_t *nx = realloc(ps->next, ps->capout * sizeof(*nx));
		uint8_t *kp;

		if (!nx)
			return MR_ENOMEM;
		ps->next = nx;
		kp = realloc(ps->keep, ps->capout);
		if (!kp)
			return MR_ENOMEM;
		ps->keep = kp;
		ps->capaux = ps->capout;
	}
	o = &ps->out[ps->nout];
	memset(o, 0, sizeof(*o));
	o->seq = ps->nout;
	o->plineno = ps->plineno;
	o->kind = (uint8_t)ev->kind;
	o->tid = ev->tid;
	o->cpu = ev->cpu;
	o->code = ev->code;
	o->addr = ev->addr;
	o->dev_major = ev->dev_major;
	o->dev_minor = ev->dev_minor;
	o->ino = ev->ino;
	o->ofs = ev->ofs;
	o->ofs_end = ev->ofs_end;
	o->mm_id = ev->mm_id;
	o->curr = (int8_t)ev->curr;
	o->member = (int8_t)ev->member;
	o->size = ev->size;
	o->prev = ev->kind == MR_PERF_RSS_STAT ? ps->cur_prev : -1;
	o->pfn = ev->pfn;
	o->order = (int8_t)ev->order;
	o->migratetype = (int8_t)ev->migratetype;
	if (ev->kind == MR_PERF_PAGE_ALLOC && ev->gfp) {
		if (!strcmp(ev->gfp, PGTABLE_GFP))
			o->gfp = MR_GFP_PGTABLE;
		else if (!strcmp(ev->gfp, ANON_ZERO_GFP))
			o->gfp = MR_GFP_ANON_ZERO;
		else if (!strncmp(ev->gfp, "GFP_HIGHUSER_MOVABLE", 20) ||
			 !strncmp(ev->gfp, "GFP_TRANSHUGE", 13))
			o->gfp = MR_GFP_USER_MOV;
	}
	if ((ev->kind == MR_PERF_CACHE_ALLOC || ev->kind == MR_PERF_CACHE_FREE) &&
	    ev->cache) {
		static const char *const names[] = {
			NULL,	    "vm_area_struct", "anon_vma",
			"anon_vma_chain", "maple_node",	    "mm_struct"};
		unsigned k;

		for (k = 1; k < sizeof(names) / sizeof(names[0]); k++)
			if (!strcmp(ev->cache, names[k]))
				o->cache = (uint8_t)k;
		/* the cache anon_vma_chain is merged with others
		 * (eventpoll_pwq, fs_cache print its name): its chain
		 * entries are those of mm/rmap.c's call sites */
		if (o->cache == MR_PL_CACHE_AVC && !ev->rmap_site)
			o->cache = MR_PL_CACHE_OTHER;
	}
	ps->keep[ps->nout] = 1;
	ps->next[ps->nout] = NONE;
	if (is_fault) {
		o->anchor = MR_PL_FAULT;
		o->line = t->last > ps->global ? t->last : ps->global;
		o->group = o->seq;
		t->fault = ps->nout;
		if (ev->kind == MR_PERF_FAULT_KERNEL && t->kfirst == NONE)
			t->kfirst = ps->nout;
		ps->pl->faults++;
	} else if (t->fault != NONE) {
		o->anchor = MR_PL_FAULT;
		o->group = t->fault; /* resolved to the fault's line later */
	} else {
		o->anchor = MR_PL_CALL;
		if (t->pend == NONE)
			t->pend = ps->nout;
		else
			ps->next[t->pend_last] = ps->nout;
		t->pend_last = ps->nout;
	}
	ps->nout++;
	return 0;
}

/* The state of foreign task TID (NULL: out of memory). */
static struct foreign *foreign_of(struct pstate *ps, int32_t tid)
{
	size_t i;

	for (i = 0; i < ps->nforeign; i++)
		if (ps->foreign[i].tid == tid)
			return &ps->foreign[i];
	if (grow((void **)&ps->foreign, &ps->capforeign, ps->nforeign,
		 sizeof(*ps->foreign)) < 0)
		return NULL;
	ps->foreign[ps->nforeign].tid = tid;
	ps->foreign[ps->nforeign].head = NONE;
	ps->foreign[ps->nforeign].npend = 0;
	return &ps->foreign[ps->nforeign++];
}

/*
 * An event of a task the trace does not show (strace, perf). Kept only
 * when it changes a traced address space: an access into another mm
 * (strace reading a tracee's memory with process_vm_readv) counts the
 * pages it maps there (rss_stat, curr=0) and fault-around shows which
 * (filemap events right after it). Such a burst is placed like a fault,
 * after the highest trace line so far, its first event the head.
 */
static int on_foreign(struct pstate *ps, const mr_perf_event *ev)
{
	struct foreign *f = foreign_of(ps, ev->tid);
	mr_pl_event *o;
	int rc;

	if (!f)
		return MR_ENOMEM;
	if (ev->kind == MR_PERF_PAGE_ALLOC && f->head == NONE && ev->gfp &&
	    !strcmp(ev->gfp, PGTABLE_GFP) && f->npend < FOREIGN_PEND) {
		/* the target's page table, made before the counter event
		 * that names the target: kept with the burst it heads */
		f->pend[f->npend] = *ev;
		/* the reader's strings last until its next event only */
		f->pend[f->npend].comm = NULL;
		f->pend[f->npend].event = NULL;
		f->pend[f->npend].gfp = PGTABLE_GFP;
		f->pend[f->npend].cache = NULL;
		f->npend++;
		return 0;
	}
	if (ev->kind == MR_PERF_RSS_STAT && !ev->curr) {
		struct ptask pseudo;
		int k;

		memset(&pseudo, 0, sizeof(pseudo));
		pseudo.fault = f->head;
		pseudo.tid = ev->tid;
		pseudo.kfirst = pseudo.pend = pseudo.pend_last = NONE;
		rc = keep(ps, &pseudo, ev);
		if (rc < 0)
			return rc;
		o = &ps->out[ps->nout - 1];
		if (f->head == NONE) {
			/* a burst's head: placed like a fault */
			o->anchor = MR_PL_FAULT;
			o->group = o->seq;
			o->line = ps->global;
			f->head = ps->nout - 1;
			pseudo.fault = f->head;
			for (k = 0; k < f->npend; k++)
				if ((rc = keep(ps, &pseudo, &f->pend[k])) < 0)
					return rc;
		}
		f->npend = 0;
		return 0;
	}
	if (((ev->kind == MR_PERF_FILEMAP_MAP ||
	      ev->kind == MR_PERF_FILEMAP_FAULT) ||
	     (ev->kind == MR_PERF_PAGE_ALLOC && ev->gfp &&
	      !strcmp(ev->gfp, PGTABLE_GFP))) &&
	    f->head != NONE) {
		struct ptask pseudo;

		memset(&pseudo, 0, sizeof(pseudo));
		pseudo.fault = f->head;
		pseudo.tid = ev->tid;
		pseudo.kfirst = pseudo.pend = pseudo.pend_last = NONE;
		return keep(ps, &pseudo, ev);
	}
	f->head = NONE; /* anything else of its own ends the burst */
	ps->pl->dropped += 1 + (size_t)f->npend;
	f->npend = 0;
	return 0;
}

/* Every rss_stat event, kept or not: the counter's value before it. */
static int track_prev(struct pstate *ps, const mr_perf_event *ev)
{
	size_t i;

	for (i = 0; i < ps->nlastv && ps->lastv[i].mm_id != ev->mm_id; i++)
		;
	if (i == ps->nlastv) {
		if (grow((void **)&ps->lastv, &ps->caplastv, ps->nlastv,
			 sizeof(*ps->lastv)) < 0)
			return MR_ENOMEM;
		ps->lastv[i].mm_id = ev->mm_id;
		memset(ps->lastv[i].v, 0xff, sizeof(ps->lastv[i].v));
		ps->nlastv++;
	}
	ps->cur_prev = ps->lastv[i].v[ev->member & 3];
	ps->lastv[i].v[ev->member & 3] = (int64_t)ev->size;
	return 0;
}

static int on_event(struct pstate *ps, const mr_perf_event *ev)
{
	struct ptask *t = task_of(ps, ev->tid);

	if (ev->kind == MR_PERF_RSS_STAT && track_prev(ps, ev) < 0)
		return MR_ENOMEM;
	if (!t)
		return on_foreign(ps, ev);
	switch (ev->kind) {
	case MR_PERF_SYS_EXIT:
		return on_exit_ev(ps, t, ev->nr, ev->ret);
	case MR_PERF_SYS_ENTER:
		ps->pl->has_enter = 1;
		t->fault = NONE;
		if (!t->last && t->tid == ps->first_tid && ps->first_exec &&
		    (ev->nr == NR_EXECVE || ev->nr == NR_EXECVEAT)) {
			drop_pending(ps, t);
			t->collect = 1;
		}
		return 0;
	case MR_PERF_OTHER:
		return 0;
	case MR_PERF_RSS_STAT:
		ps->pl->has_rss = 1;
		break;
	case MR_PERF_PAGE_ALLOC:
		ps->pl->has_alloc = 1;
		break;
	case MR_PERF_CACHE_ALLOC:
		ps->pl->has_cache = 1;
		break;
	case MR_PERF_FILEMAP_FAULT:
	case MR_PERF_FILEMAP_MAP:
		ps->pl->has_filemap = 1;
		break;
	default:
		break;
	}
	if (!live(ps, t)) {
		ps->pl->dropped++;
		return 0;
	}
	return keep(ps, t, ev);
}

static int cmp_out(const void *a, const void *b)
{
	const mr_pl_event *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->anchor != y->anchor)
		return x->anchor < y->anchor ? -1 : 1;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The stream is in replay order but for a few events (5 descents in
 * 812,339 events of a fault capture): its ascending runs, when there are
 * at most MAX_RUNS, are merged in one pass into an order of indexes,
 * which then moves the events in place, cycle by cycle (4 bytes an
 * event beside them, where a sort copies them). cmp_out() is a total
 * order (seq is unique), so the result is qsort()'s. Returns 1 when
 * qsort() must do it (too many runs, or no memory).
 */
#define MAX_RUNS 16

static int merge_runs(struct pstate *ps)
{
	size_t pos[MAX_RUNS], end[MAX_RUNS], nr = 1, i, k;
	mr_pl_event *v = ps->out, tmp;
	uint32_t *ord;

	if (ps->nout > UINT32_MAX)
		return 1;
	pos[0] = 0;
	for (i = 1; i < ps->nout; i++)
		if (cmp_out(&v[i - 1], &v[i]) > 0) {
			if (nr == MAX_RUNS)
				return 1;
			end[nr - 1] = i;
			pos[nr++] = i;
		}
	end[nr - 1] = ps->nout;
	if (nr == 1)
		return 0;
	ord = malloc(ps->nout * sizeof(*ord));
	if (!ord)
		return 1;
	for (i = 0; i < ps->nout; i++) {
		size_t best = MAX_RUNS;

		for (k = 0; k < nr; k++)
			if (pos[k] < end[k] &&
			    (best == MAX_RUNS ||
			     cmp_out(&v[pos[k]], &v[pos[best]]) < 0))
				best = k;
		ord[i] = (uint32_t)pos[best]++;
	}
	/* position i takes the event at ord[i]; a done position has
	 * ord[i] == i */
	for (i = 0; i < ps->nout; i++) {
		size_t j = i;

		if (ord[i] == i)
			continue;
		tmp = v[i];
		for (;;) {
			size_t from = ord[j];

			ord[j] = (uint32_t)j;
			if (from == i) {
				v[j] = tmp;
				break;
			}
			v[j] = v[from];
			j = from;
		}
	}
	free(ord);
	return 0;
}

/* Resolve group lines, drop what never got a line, sort. */
static int finish(struct pstate *ps)
{
	size_t i, k = 0;

	for (i = 0; i < ps->ntasks; i++)
		drop_pending(ps, &ps->tasks[i]);
	for (i = 0; i < ps->nout; i++) {
		mr_pl_event *o = &ps->out[i];

		if (o->anchor == MR_PL_FAULT && o->group != o->seq) {
			o->line = ps->out[o->group].line;
			o->group = ps->out[o->group].seq;
		}
	}
	for (i = 0; i < ps->nout; i++)
		if (ps->keep[i])
			ps->out[k++] = ps->out[i];
	ps->nout = k;
	if (merge_runs(ps))
		qsort(ps->out, ps->nout, sizeof(*ps->out), cmp_out);
	ps->pl->v = ps->out;
	ps->pl->n = ps->nout;
	ps->out = NULL;
	return 0;
}

int mr_place_perf(mr_placed *out, const char *perf, const char *trace,
		  char *err, size_t errlen)
{
	struct pstate ps;
	mr_perf *p = NULL;
	mr_perf_event ev;
	char oerr[512];
	int rc, orc;

	memset(out, 0, sizeof(*out));
	memset(&ps, 0, sizeof(ps));
	ps.pl = out;
	ps.path = perf;
	ps.err = err;
	ps.errlen = errlen;
	/* the perf text is read and parsed on a thread of its own while
	 * the trace's results are read here, then while they are placed;
	 * the trace's errors come first */
	orc = mr_perf_open(&p, perf, oerr, sizeof(oerr));
	if (orc < 0)
		p = NULL;
	else
		mr_perf_read_ahead(p);
	rc = read_results(&ps, trace);
	if (rc < 0)
		goto done;
	if (orc < 0) {
		snprintf(err, errlen, "%s", oerr);
		rc = orc;
		goto done;
	}
	while ((rc = mr_perf_next(p, &ev)) == 1) {
		ps.plineno = mr_perf_lineno(p);
		rc = on_event(&ps, &ev);
		if (rc < 0)
			goto done; /* ERR is said */
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", mr_perf_errmsg(p));
		goto done;
	}
	if (!out->exits && ps.nres) {
		rc = mismatch(&ps,
			      "no syscall exit of a task of %s: a perf "
			      "recording of another run, or one without "
			      "raw_syscalls:sys_exit",
			      trace);
		goto done;
	}
	rc = finish(&ps);
done:
	if (rc == MR_ENOMEM)
		snprintf(err, errlen, "%s: out of memory", perf);
	mr_perf_free(p);
	free(ps.res);
	free(ps.tasks);
	free(ps.out);
	free(ps.next);
	free(ps.keep);
	free(ps.foreign);
	free(ps.lastv);
	if (rc < 0) {
		mr_placed_release(out);
		memset(out, 0, sizeof(*out));
	}
	return rc < 0 ? rc : 0;
}

void mr_placed_release(mr_placed *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}
