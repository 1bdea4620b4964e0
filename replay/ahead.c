/*
 * ahead.c - events applied out of their trace order: those of a task
 * whose creating clone has not returned yet are held until it does, and
 * calls of other threads that the kernel must have served before an
 * mmap printed earlier are read ahead and applied first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/loop.h"

/* The hold's bounds: events held at once, and lines the oldest may wait
 * (a vfork child's lines before the parent's "= PID" are a few hundred). */
#define HOLD_MAX 65536
#define HOLD_LINES 1000000

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

/*
 * Apply the held events of PID in their order (its clone was applied, or
 * it is adopted: the first of them adopts it). One pass takes them out
 * of the hold; the others keep their order.
 */
void mr_rp_flush_held(struct replay *r, int32_t pid)
{
	struct held *mine;
	size_t i, w, n = 0;

	for (i = 0; i < r->nheld; i++)
		n += r->held[i].ev.pid == pid;
	if (!n) {
		if (r->nfpend)
			mr_rp_faults_of_task(r, pid, UINT64_MAX);
		return;
	}
	mine = malloc(n * sizeof(*mine));
	if (!mine) {
		r->bad = 1;
		snprintf(r->err, r->errlen, "out of memory");
		return;
	}
	for (i = w = n = 0; i < r->nheld; i++)
		if (r->held[i].ev.pid == pid)
			mine[n++] = r->held[i];
		else
			r->held[w++] = r->held[i];
	r->nheld = w;
	/* applying them may hold or flush others (a clone among them):
	 * r->held changes, MINE does not */
	for (i = 0; i < n; i++) {
		if (!r->stop && !r->bad) {
			if (r->nfpend) /* its faults from before this line */
				mr_rp_faults_of_task(r, pid, mine[i].ev.line);
			mr_rp_apply(r, &mine[i].ev);
		}
		free(mine[i].strs);
	}
	free(mine);
	if (r->nfpend && !r->stop && !r->bad)
		mr_rp_faults_of_task(r, pid, UINT64_MAX);
}

/* Read events ahead of their turn until N wait (or the trace ends). */
static void ahead_fill(struct replay *r, size_t n)
{
	mr_event ev;
	struct held *h;

	while (r->nahead < n && !r->rd_end) {
		r->rd_rc = mr_rp_next(r, &ev);
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
	pred = mr_mm_mmap(mm, 0, ev->arg[1], ev->arg[2], ev->arg[3],
			  mr_rp_resolve_fd(r,
					   mr_machine_task_tgid(r->m, ev->pid),
					   ev, &fref),
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
		mr_rp_apply(r, &h->ev);
		r->ahead_apply = 0;
		h->done = 1;
		moved++;
	}
	r->sum->reordered += moved;
	mr_rp_apply(r, &me.ev);
	free(me.strs);
	return 1;
}

void mr_rp_dispatch(struct replay *r, const mr_event *ev)
{
	if (!r->started) {
		r->started = 1;
		mr_rp_apply(r, ev);
		return;
	}
	/* A task's last words after its group exited: nothing to hold. */
	if (!mr_machine_task_tgid(r->m, ev->pid) &&
	    (ev->kind == MR_EV_SYSCALL || ev->kind == MR_EV_SIGNAL) &&
	    !mr_rp_exited_pid(r, ev->pid)) {
		if (hold(r, ev))
			r->bad = 1;
		/* a clone that has not returned after HOLD_MAX held events
		 * or HOLD_LINES lines never will: adopt the oldest's task
		 * (memory and time stay linear) */
		else if (r->nheld > HOLD_MAX ||
			 ev->line - r->held[0].ev.line > HOLD_LINES)
			mr_rp_flush_held(r, r->held[0].ev.pid);
		return;
	}
	if (!reorder(r, ev))
		mr_rp_apply(r, ev);
}
