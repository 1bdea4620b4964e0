/*
 * revise.c - revising the assumptions about writes strace does not show
 * (docs/fidelity.md, "Revising assumptions").
 *
 * A replay that met contradictions (a result or a map count the model
 * got wrong where the VMAs involved rest on a choice) is followed by
 * model-only replays that each stop at the first such contradiction:
 * its candidate choices are tried the other way one at a time, likeliest
 * first, and a flip is kept when the next contradiction comes later than
 * the one it was tried for. A contradiction no candidate removes is
 * left, named, and the search goes on after it. Everything is in step
 * order and bounded by opts.revise replays, so the outcome is the same
 * on every machine; the final replay takes the kept choices the other
 * way.
 */
#include <stdlib.h>
#include <string.h>

#include "replay/loop.h"
#include "replay/replay.h"

static int key_cmp(const void *a, const void *b)
{
	const mr_choice_key *x = a, *y = b;

	if (x->step != y->step)
		return x->step < y->step ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int tgid_cmp(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return x < y ? -1 : x > y;
}

/* The engine's hook: memory a task of opts.stress makes writable
 * follows rule stress; the choice made now at V is taken the other way
 * when opts.flip lists it. */
static int flip_hook(void *ctx, const mr_mm *mm, const mr_vma *v, int *rule)
{
	struct replay *r = ctx;
	mr_choice_key k = {r->step, v->start};
	int32_t tid = r->cur ? r->cur->pid : mr_mm_owner(mm);

	if (*rule != MR_WR_NEVER && r->o->nstress &&
	    bsearch(&tid, r->o->stress, r->o->nstress, sizeof(tid), tgid_cmp))
		*rule = MR_WR_STRESS;
	return r->o->nflip &&
	       bsearch(&k, r->o->flip, r->o->nflip, sizeof(k), key_cmp) != NULL;
}

void mr_rp_revise_setup(struct replay *r)
{
	if (r->o->nflip || r->o->nstress)
		mr_machine_set_choice_hook(r->m, flip_hook, r);
}

void mr_rp_stress_count(struct replay *r, const mr_event *ev)
{
	struct pid_ent *pe;

	if (!r->o->stress_found || ev->kind != MR_EV_SYSCALL)
		return;
	pe = mr_rp_pid_get(r, ev->pid);
	if (!pe)
		return;
	if ((ev->sys == MR_SYS_EXECVE || ev->sys == MR_SYS_EXECVEAT) &&
	    ev->ret_kind == MR_RET_VALUE && ev->ret == 0) {
		pe->calls = pe->memcalls = 0; /* a new program */
		return;
	}
	/* a new task under a pid seen before starts afresh */
	if ((ev->sys == MR_SYS_CLONE || ev->sys == MR_SYS_CLONE3 ||
	     ev->sys == MR_SYS_FORK || ev->sys == MR_SYS_VFORK) &&
	    ev->ret_kind == MR_RET_VALUE && ev->ret > 0 &&
	    ev->ret <= INT32_MAX) {
		struct pid_ent *c = mr_rp_pid_get(r, (int32_t)ev->ret);

		pe = mr_rp_pid_get(r, ev->pid); /* (the array may move) */
		if (c)
			c->calls = c->memcalls = 0;
		if (!pe)
			return;
	}
	pe->calls++;
	/* the address-space calls: mmap through munlockall (in enum
	 * order), mseal, msync, remap_file_pages */
	if ((ev->sys >= MR_SYS_MMAP && ev->sys <= MR_SYS_MUNLOCKALL) ||
	    ev->sys == MR_SYS_MSEAL || ev->sys == MR_SYS_MSYNC ||
	    ev->sys == MR_SYS_REMAP_FILE_PAGES)
		pe->memcalls++;
}

void mr_rp_stress_list(struct replay *r)
{
	int32_t *l;
	size_t i, n = 0;

	if (!r->o->stress_found)
		return;
	*r->o->stress_found = NULL;
	*r->o->nstress_found = 0;
	l = malloc((r->npids ? r->npids : 1) * sizeof(*l));
	if (!l)
		return;
	for (i = 0; i < r->npids; i++) {
		const struct pid_ent *pe = &r->pids[i];

		if (pe->calls >= MR_STRESS_CALLS &&
		    pe->memcalls * 100 >= pe->calls * MR_STRESS_PERCENT)
			l[n++] = pe->pid;
	}
	qsort(l, n, sizeof(*l), tgid_cmp);
	*r->o->stress_found = l;
	*r->o->nstress_found = n;
}

/* One candidate: its key, and how likely its other value removes the
 * contradiction (higher first, then the later choice). */
struct cand {
	mr_choice_key k;
	uint32_t id;
	int score;
};

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->score != y->score)
		return y->score - x->score;
	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

static void add_cand(struct replay *r, struct cand *c, size_t *n, size_t max,
		     uint32_t id, int score)
{
	size_t i;

	if (!id || id > r->nchoices || !r->choices[id - 1].step)
		return;
	for (i = 0; i < *n; i++)
		if (c[i].id == id) {
			if (score > c[i].score)
				c[i].score = score;
			return;
		}
	if (*n == max)
		return;
	c[*n].id = id;
	c[*n].score = score;
	c[*n].k.step = r->choices[id - 1].step;
	c[*n].k.start = r->choices[id - 1].start;
	++*n;
}

/* Whether [start, end) meets one of the N ranges R (pairs). */
static int in_ranges(const uint64_t *rg, size_t n, uint64_t start, uint64_t end)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (start < rg[2 * i + 1] && end > rg[2 * i])
			return 1;
	return 0;
}

void mr_rp_contradiction(struct replay *r, const mr_mm *mm, const uint64_t *rg,
			 size_t nrg, uint64_t weight)
{
	enum { MAX = 256, SCAN = 4096 };
	struct cand c[MAX];
	mr_probe *p = r->o->probe;
	const mr_vma *v;
	size_t n = 0, i, scanned;

	r->sum->revisable++;
	if (!p || p->step || r->step <= p->from)
		return;
	for (v = mr_mm_first(mm); v; v = mr_vma_next(v)) {
		if (!in_ranges(rg, nrg, v->start, v->end))
			continue;
		/* taken as written, and it would merge had it not been:
		 * likeliest; a choice of its own next; what it merely
		 * rests on last */
		if (v->wown)
			add_cand(
				r, c, &n, MAX, v->wown,
				v->wstate == MR_WS_ASSUMED &&
						mr_mm_merges_if_unwritten(mm, v)
					? 2
					: 1);
		add_cand(r, c, &n, MAX, v->wchoice, 0);
	}
	/* then the latest choices made on memory of the ranges: a merge
	 * keeps one of the choices its parts rested on */
	for (i = r->nchoices, scanned = 0; i > 0 && scanned < SCAN; i--) {
		const struct choice_at *a = &r->choices[i - 1];

		if (!a->step)
			continue;
		scanned++;
		if (in_ranges(rg, nrg, a->start, a->end))
			add_cand(r, c, &n, MAX, (uint32_t)i, 0);
	}
	qsort(c, n, sizeof(*c), cand_cmp);
	p->step = r->step;
	p->weight = weight;
	p->ncand = n < MR_PROBE_CANDIDATES ? n : MR_PROBE_CANDIDATES;
	for (i = 0; i < p->ncand; i++)
		p->cand[i] = c[i].k;
	r->stop = 1;
}

void mr_rp_quiet_opts(mr_replay_opts *q, int mode)
{
	q->mode = mode;
	q->db = NULL;
	q->out = NULL;
	q->show = 0;
	q->progress = 0;
	q->revise = 0;
	q->check_history = 0;
	q->on_step = NULL;
	q->on_step_line = NULL;
	q->on_problem = NULL;
	q->on_end = NULL;
	q->stop_after = 0;
}

/* A model-only replay of O with FLIPS, probing after FROM. */
static int probe_run(const mr_replay_opts *o, const mr_choice_key *flips,
		     size_t nflip, uint64_t from, mr_probe *p, uint64_t *runs)
{
	mr_replay_opts q = *o;
	mr_replay_summary s;
	char err[256];
	int rc;

	memset(p, 0, sizeof(*p));
	p->from = from;
	mr_rp_quiet_opts(&q, MR_MODE_MODEL);
	q.flip = flips;
	q.nflip = nflip;
	q.probe = p;
	rc = mr_replay_run_once(&q, &s, err, sizeof(err));
	++*runs;
	/* (interrupted: no answer, and the search stops) */
	return rc == 2 || s.interrupted ? -1 : 0;
}

/* FLIPS with K added in order, in a new array (NULL out of memory). */
static mr_choice_key *with(const mr_choice_key *flips, size_t n,
			   mr_choice_key k)
{
	mr_choice_key *t = malloc((n + 1) * sizeof(*t));

	if (!t)
		return NULL;
	if (n)
		memcpy(t, flips, n * sizeof(*t));
	t[n] = k;
	qsort(t, n + 1, sizeof(*t), key_cmp);
	return t;
}

/* A set of flips waiting to be tried, and how many it adds to the kept
 * ones. */
struct trial {
	mr_choice_key *f;
	size_t n;
	int depth;
};

#define TRIALS_PER 8  /* replays tried for one contradiction */
#define TRIAL_DEPTH 3 /* choices taken together at most */
#define QUEUE_MAX 64

int mr_replay_revise(const mr_replay_opts *o, mr_choice_key **out, size_t *nout,
		     mr_replay_summary *sum)
{
	mr_choice_key *flips = NULL;
	size_t nflip = 0, i;
	uint64_t runs = 0, from = 0, unresolved = 0;
	struct trial q[QUEUE_MAX];
	size_t qh, qt;
	mr_probe p, t;
	int have = 0;

	while (runs < o->revise) {
		int kept = 0, tried = 0;

		if (!have && probe_run(o, flips, nflip, from, &p, &runs))
			break;
		have = 0;
		if (!p.step)
			break; /* no contradiction left after FROM */
		/* breadth first: each candidate alone, then with the
		 * candidates a trial met at the same step */
		qh = qt = 0;
		for (i = 0; i < p.ncand && qt < QUEUE_MAX; i++) {
			if (nflip && bsearch(&p.cand[i], flips, nflip,
					     sizeof(*flips), key_cmp))
				continue;
			q[qt].f = with(flips, nflip, p.cand[i]);
			if (!q[qt].f)
				break;
			q[qt].n = nflip + 1;
			q[qt++].depth = 1;
		}
		while (qh < qt && tried < TRIALS_PER && runs < o->revise) {
			struct trial *x = &q[qh++];

			tried++;
			if (probe_run(o, x->f, x->n, from, &t, &runs))
				break;
			/* kept when the first contradiction comes later, or
			 * at the same step smaller (a snapshot with fewer
			 * lines differing) */
			if (!t.step || t.step > p.step ||
			    (t.step == p.step && t.weight < p.weight)) {
				free(flips);
				flips = x->f;
				nflip = x->n;
				x->f = NULL;
				p = t; /* the next contradiction, known */
				have = 1;
				kept = 1;
				break;
			}
			if (t.step != p.step || x->depth >= TRIAL_DEPTH)
				continue;
			for (i = 0; i < t.ncand && qt < QUEUE_MAX; i++) {
				if (bsearch(&t.cand[i], x->f, x->n,
					    sizeof(*x->f), key_cmp))
					continue;
				q[qt].f = with(x->f, x->n, t.cand[i]);
				if (!q[qt].f)
					break;
				q[qt].n = x->n + 1;
				q[qt++].depth = x->depth + 1;
			}
		}
		for (i = 0; i < qt; i++)
			free(q[i].f);
		if (!kept) {
			unresolved++;
			from = p.step; /* left, named; look after it */
		}
	}
	sum->revise_runs = runs;
	sum->revise_unresolved = unresolved;
	*out = flips;
	*nout = nflip;
	return 0;
}
