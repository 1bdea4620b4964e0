/*
 * physstep.c - the kernel's tracepoints in the replay (perf script text
 * placed in the trace, formats/perfplace.h): the faults they give, the
 * fault-around each fault did, the pages an execve wrote with the
 * arguments, and the kernel's RSS counters (kmem:rss_stat), checked
 * against the model's after every step.
 *
 * rss_stat names an address space by mm_id, a hash of the mm_struct's
 * address, reused when an mm_struct is. An id is tied to the model's
 * address space of the task whose event says curr=1 (its own mm), or,
 * for curr=0 events inside a fork, to the child's new mm, and inside an
 * execve, to the new mm (the old mm's teardown events keep the old id).
 * An id whose address space the model has torn down starts afresh: its
 * next address space begins with every counter at 0. The kernel's
 * counters of an address space are known from its first tied event on,
 * and every step that changes them or the model's is compared.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/buddy.h"
#include "engine/pgtable.h"
#include "replay/loop.h"

/* The perf text: the one named, else the snapshot directory's. */
int mr_rp_load_perf(struct replay *r, char *err, size_t errlen)
{
	char p[4096];
	const char *path = r->o->perf;
	size_t i, nf = 0, nc = 0;
	int rc;

	if (!path && r->o->snapdir && !r->o->no_faults) {
		snprintf(p, sizeof(p), "%s/perf.txt.zst", r->o->snapdir);
		if (access(p, R_OK) == 0)
			path = p;
	}
	if (!path)
		return 0;
	rc = mr_place_perf(&r->pl, path, r->o->trace, err, errlen);
	if (rc < 0)
		return -1;
	r->have_perf = 1;
	r->pcpu_batch = 32;
	for (i = 0; i < r->pl.n; i++) {
		const mr_pl_event *e = &r->pl.v[i];

		if (2 * ((int64_t)e->cpu + 1) > r->pcpu_batch)
			r->pcpu_batch = 2 * ((int64_t)e->cpu + 1);
		if (e->anchor == MR_PL_CALL)
			nc++;
		else if (e->group == e->seq)
			nf++;
	}
	r->faults.v = calloc(nf ? nf : 1, sizeof(*r->faults.v));
	r->calls = calloc(nc ? nc : 1, sizeof(*r->calls));
	if (!r->faults.v || !r->calls) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < r->pl.n; i++) {
		const mr_pl_event *e = &r->pl.v[i];

		if (e->anchor == MR_PL_CALL) {
			r->calls[r->ncalls++] = i;
		} else if (e->group == e->seq) {
			mr_fault *f = &r->faults.v[r->faults.n++];

			f->after_line = e->line;
			f->tid = e->tid;
			f->code = e->code;
			f->addr = e->addr;
			f->ev = i;
			f->remote = e->kind != MR_PERF_FAULT_USER &&
				    e->kind != MR_PERF_FAULT_KERNEL;
		}
	}
	return 0;
}

/* ---- the kernel's counters ---- */

/* The kernel's counters of model mm ID (NULL when out of memory). */
static struct kcnt *kcnt_of(struct replay *r, uint32_t id)
{
	if (id >= r->nkc) {
		size_t n = r->nkc ? r->nkc : 64;
		struct kcnt *k;

		while (n <= id)
			n *= 2;
		k = realloc(r->kc, n * sizeof(*k));
		if (!k)
			return NULL;
		memset(k + r->nkc, 0, (n - r->nkc) * sizeof(*k));
		r->kc = k;
		r->nkc = n;
	}
	return &r->kc[id];
}

static mr_mm *mm_by_id(const struct replay *r, uint32_t id)
{
	return id ? mr_machine_mm(r->m, id) : NULL;
}

/* The entry of rss_stat id ID, made when new (NULL: out of memory). */
/* The rss_stat mm_id ID's entry, NULL when none yet. */
static struct kmm *kmm_find(const struct replay *r, uint32_t id)
{
	size_t i;

	for (i = 0; i < r->nkmm; i++)
		if (r->kmm[i].id == id)
			return &r->kmm[i];
	return NULL;
}

/* The same, made when none yet (NULL: out of memory). */
static struct kmm *kmm_of(struct replay *r, uint32_t id)
{
	struct kmm *found = kmm_find(r, id);

	if (found)
		return found;
	if (r->nkmm == r->capkmm) {
		size_t c = r->capkmm ? r->capkmm * 2 : 16;
		struct kmm *k = realloc(r->kmm, c * sizeof(*k));

		if (!k)
			return NULL;
		r->kmm = k;
		r->capkmm = c;
	}
	memset(&r->kmm[r->nkmm], 0, sizeof(r->kmm[0]));
	r->kmm[r->nkmm].id = id;
	return &r->kmm[r->nkmm++];
}

/* percpu_counter_add_batch(): AMOUNT pages added to MEMBER on CPU, with
 * percpu_counter_batch = max(32, 2 * CPUs) (the CPUs the perf text
 * names). */
static void pcpu_add(struct kcnt *c, int cpu, int member, int64_t amount,
		     int64_t batch)
{
	int64_t count;

	if (cpu < 0 || cpu >= MR_PCPU_MAX) {
		c->pcpu = 0;
		return;
	}
	count = c->local[cpu][member] + amount;
	if (count >= batch || count <= -batch) {
		c->global[member] += count;
		c->local[cpu][member] = 0;
	} else {
		c->local[cpu][member] = count;
	}
}

/* Tie entry K to model mm MM: its counters are the kernel's for MM. The
 * values so far were added on CPU. */
static void tie(struct replay *r, struct kmm *k, const mr_mm *mm, int cpu)
{
	struct kcnt *c = kcnt_of(r, mr_mm_id(mm));
	int i;

	k->mm = mr_mm_id(mm);
	memset(k->seen, 0, sizeof(k->seen));
	if (!c)
		return;
	memset(c, 0, sizeof(*c));
	c->known = 1;
	c->fresh = 1;
	/* a new address space's counters are all zero: the adds that
	 * follow are all seen */
	c->pcpu = 1;
	for (i = 0; i < MR_MM__COUNT; i++) {
		c->val[i] = k->val[i];
		pcpu_add(c, cpu, i, (int64_t)k->val[i], r->pcpu_batch);
	}
}

/* Mark model mm ID as changed in this step. */
static void touch(struct replay *r, uint32_t id)
{
	size_t i;

	for (i = 0; i < r->ntouch; i++)
		if (r->touch[i] == id)
			return;
	if (r->ntouch < sizeof(r->touch) / sizeof(r->touch[0]))
		r->touch[r->ntouch++] = id;
}

/*
 * One rss_stat event of the step. NEWMM: the address space curr=0
 * events of an id not tied yet belong to (a fork's child), or NULL;
 * ONLY: inside an execve, the id of the new mm, whose events alone are
 * the new address space's (the old mm's come before the switch with
 * curr=1 and after it as teardown), 0 elsewhere.
 */
static void rss_event(struct replay *r, const mr_pl_event *e,
		      const mr_mm *newmm, uint32_t only)
{
	struct kmm *k;
	const mr_mm *own;
	struct kcnt *c;
	uint32_t was;
	int64_t d;

	if ((only && e->mm_id != only) || e->member < 0 ||
	    e->member >= MR_MM__COUNT)
		return;
	k = kmm_of(r, e->mm_id);
	if (!k)
		return;
	/* the mm the id stood for before this event: a tie made by this
	 * event counts its value itself */
	was = k->mm;
	if (only && k->mm != mr_mm_id(newmm)) {
		memset(k->val, 0, sizeof(k->val));
		k->val[e->member] = e->size / MR_PAGE_SIZE;
		tie(r, k, newmm, e->cpu);
	}
	if (k->mm && !mm_by_id(r, k->mm)) {
		/* its address space is gone: the id starts afresh */
		memset(k->val, 0, sizeof(k->val));
		k->mm = 0;
	}
	k->val[e->member] = e->size / MR_PAGE_SIZE;
	if (e->curr) {
		own = mr_machine_task_mm(r->m, e->tid);
		if (own && k->mm != mr_mm_id(own))
			tie(r, k, own, e->cpu);
	} else if (!k->mm && newmm) {
		tie(r, k, newmm, e->cpu);
	}
	if (!k->mm)
		return;
	c = kcnt_of(r, k->mm);
	if (!c)
		return;
	c->val[e->member] = k->val[e->member];
	/* the change in stream order (events of threads at once are
	 * applied in their calls' order, not the kernel's) */
	if (was == k->mm && e->prev >= 0 && k->seen[e->member])
		d = (int64_t)(e->size / MR_PAGE_SIZE) - e->prev / 4096;
	else
		d = (int64_t)(e->size / MR_PAGE_SIZE);
	c->delta[e->member] += d;
	if (was == k->mm && c->pcpu)
		pcpu_add(c, e->cpu, e->member, d, r->pcpu_batch);
	k->seen[e->member] = 1;
	touch(r, k->mm);
}

void mr_rp_perf_begin(struct replay *r, mr_mm *mm)
{
	const struct kcnt *c;

	if (!r->have_perf)
		return;
	r->tables_before = mr_machine_tables_allocated(r->m);
	r->tables_kernel = 0;
	r->user_before[0] = mr_machine_user_allocated(r->m, 0);
	r->user_before[1] = mr_machine_user_allocated(r->m, 1);
	r->user_kernel[0] = r->user_kernel[1] = 0;
	r->vma_before[0] = mr_machine_vma_objects(r->m, 0);
	r->vma_before[1] = mr_machine_vma_objects(r->m, 1);
	r->vma_kernel[0] = r->vma_kernel[1] = 0;
	r->step_compared = r->step_differs = 0;
	{
		int a, f;

		for (a = 0; a < 2; a++)
			for (f = 0; f < 2; f++) {
				r->rmap_before[a][f] =
					mr_machine_rmap_objects(r->m, a, f);
				r->rmap_kernel[a][f] = 0;
			}
	}
	r->step_mm = mm ? mr_mm_id(mm) : 0;
	if (!mm)
		return;
	mr_mm_set_step_delta(mm, NULL, 0);
	mr_mm_rss(mm, r->step_before);
	/* get_mm_rss() as update_hiwater_rss() will read it in this step:
	 * the shared parts of the per-CPU counters */
	c = mr_mm_id(mm) < r->nkc ? &r->kc[mr_mm_id(mm)] : NULL;
	if (c && c->known && c->pcpu)
		mr_mm_set_approx_rss(
			mm,
			(uint64_t)((c->global[MR_MM_FILE] > 0
					    ? c->global[MR_MM_FILE]
					    : 0) +
				   (c->global[MR_MM_ANON] > 0
					    ? c->global[MR_MM_ANON]
					    : 0) +
				   (c->global[MR_MM_SHMEM] > 0
					    ? c->global[MR_MM_SHMEM]
					    : 0)),
			1);
	else /* not followed: the exact RSS */
		mr_mm_set_approx_rss(mm, 0, 0);
}

static void say_counters(char *buf, size_t len, const uint64_t v[MR_MM__COUNT])
{
	snprintf(buf, len,
		 "RssAnon %" PRIu64 " kB, RssFile %" PRIu64
		 " kB, RssShmem %" PRIu64 " kB",
		 v[MR_MM_ANON] * 4, v[MR_MM_FILE] * 4, v[MR_MM_SHMEM] * 4);
}

static const int checked[] = {MR_MM_ANON, MR_MM_FILE, MR_MM_SHMEM};

/*
 * Compare the counters of every address space this step changed: the
 * change the step made (its events' in stream order, the model's across
 * the step) and, in an address space of one task, the counters
 * themselves. With several threads the counters at a step are not
 * defined: another thread's call may be under way (its events come with
 * its result line), so only changes are compared.
 */
/* How many steps of an address space of several tasks a difference may
 * be held for, waiting for the other thread's step to even it out. */
#define RACE_HOLD 64

static void check_touched(struct replay *r)
{
	size_t i, j;

	if (!r->cfg.phys) {
		r->ntouch = 0;
		return;
	}
	for (i = 0; i < r->ntouch; i++) {
		const mr_mm *mm = mm_by_id(r, r->touch[i]);
		struct kcnt *c =
			r->touch[i] < r->nkc ? &r->kc[r->touch[i]] : NULL;
		uint64_t model[MR_MM__COUNT];
		char kern[160], got[160], det[160];
		int by_delta, by_value, ok = 1;

		if (!mm || !c || !c->known || !mr_mm_known(mm))
			goto next;
		mr_mm_rss(mm, model);
		by_delta = r->touch[i] == r->step_mm && !c->fresh;
		by_value = mr_mm_users(mm) <= 1;
		if (!by_delta && !by_value)
			goto next;
		for (j = 0; j < sizeof(checked) / sizeof(checked[0]); j++) {
			int m = checked[j];

			if (by_value && model[m] != c->val[m])
				ok = 0;
			if (by_delta)
				c->carry[m] += c->delta[m] -
					       (int64_t)(model[m] -
							 r->step_before[m]);
			if (c->carry[m])
				ok = 0;
		}
		if (!ok && !by_value && c->pending < RACE_HOLD) {
			/* threads at once: two adds on two CPUs, both
			 * events reading the sum; the next steps of this
			 * address space tell (the other thread's step may
			 * come a few steps later) */
			c->pending++;
			goto next;
		}
		r->sum->rss_checks += 1 + (uint64_t)c->pending;
		if (ok) {
			r->sum->rss_matched += 1 + (uint64_t)c->pending;
			r->sum->rss_races += (uint64_t)c->pending;
			c->pending = 0;
			goto next;
		}
		c->pending = 0;
		memset(c->carry, 0, sizeof(c->carry));
		say_counters(kern, sizeof(kern), c->val);
		say_counters(got, sizeof(got), model);
		if (by_delta)
			snprintf(det, sizeof(det),
				 "  address space of pid %d; the step changed "
				 "RssAnon %+" PRId64 ", RssFile %+" PRId64
				 ", RssShmem %+" PRId64
				 " pages in the kernel, %+" PRId64 ", %+" PRId64
				 ", %+" PRId64 " in the model\n",
				 (int)mr_mm_owner(mm), c->delta[MR_MM_ANON],
				 c->delta[MR_MM_FILE], c->delta[MR_MM_SHMEM],
				 (int64_t)(model[MR_MM_ANON] -
					   r->step_before[MR_MM_ANON]),
				 (int64_t)(model[MR_MM_FILE] -
					   r->step_before[MR_MM_FILE]),
				 (int64_t)(model[MR_MM_SHMEM] -
					   r->step_before[MR_MM_SHMEM]));
		else
			snprintf(det, sizeof(det),
				 "  address space of pid %d\n",
				 (int)mr_mm_owner(mm));
		mr_rp_report_divergence(r, "rss", kern, got, det);
	next:
		if (c) {
			memset(c->delta, 0, sizeof(c->delta));
			c->fresh = 0;
		}
	}
	r->ntouch = 0;
	r->step_mm = 0;
}

/* The model's counters moved in MM during the step: compare them too. */
static void touch_mm(struct replay *r, const mr_mm *mm)
{
	if (mm)
		touch(r, mr_mm_id(mm));
}

/*
 * The page-table pages the step allocated, the kernel's (its
 * kmem:mm_page_alloc events of page tables) against the model's. An
 * execve is not compared: the kernel builds the new stack's tables at a
 * temporary top and moves them (setup_arg_pages()), which the model does
 * not.
 */
static void check_tables(struct replay *r, int skip)
{
	uint64_t model = mr_machine_tables_allocated(r->m) - r->tables_before;
	char kern[64], got[64];

	if (!r->cfg.phys || !r->pl.has_alloc || skip)
		return;
	r->sum->pgtable_checks++;
	r->step_compared = 1;
	if (model == r->tables_kernel) {
		r->sum->pgtable_matched++;
		return;
	}
	r->step_differs = 1;
	snprintf(kern, sizeof(kern), "%" PRIu64 " page-table pages allocated",
		 r->tables_kernel);
	snprintf(got, sizeof(got), "%" PRIu64 " page-table pages allocated",
		 model);
	mr_rp_report_divergence(r, "pgtable", kern, got, NULL);
}

/*
 * Two counts of the step, the kernel's KERN against the model's MODEL,
 * under *CHECKS and *MATCHED; a difference is a divergence of KIND,
 * each side printed as "PREFIX<a> WHAT0, <b> WHAT1".
 */
static void compare_pair(struct replay *r, const char *kind,
			 const uint64_t kern[2], const uint64_t model[2],
			 const char *prefix, const char *what0,
			 const char *what1, uint64_t *checks,
			 uint64_t *matched)
{
	char k[128], g[128];

	(*checks)++;
	r->step_compared = 1;
	if (model[0] == kern[0] && model[1] == kern[1]) {
		(*matched)++;
		return;
	}
	r->step_differs = 1;
	snprintf(k, sizeof(k), "%s%" PRIu64 " %s, %" PRIu64 " %s", prefix,
		 kern[0], what0, kern[1], what1);
	snprintf(g, sizeof(g), "%s%" PRIu64 " %s, %" PRIu64 " %s", prefix,
		 model[0], what0, model[1], what1);
	mr_rp_report_divergence(r, kind, k, g, NULL);
}

/*
 * The vm_area_struct objects the step allocated and freed, the kernel's
 * (kmem:kmem_cache_alloc/free of the traced tasks) against the model's.
 * Not compared in an execve (the model seeds the new address space from
 * its snapshot), in an exit (perf stops following a task as it starts
 * exiting: exit_mmap()'s frees are not seen), nor in an address space
 * the model only adopts.
 */
/* The anon_vma and anon_vma_chain objects of the step, the kernel's
 * (mm/rmap.c's kmem_cache events) against the model's: one comparison
 * of both, where vm_area_struct is compared. */
static void check_rmap(struct replay *r)
{
	uint64_t kern[2], model[2];
	char k[160], g[160];
	int a, f, same = 1;

	r->sum->rmap_checks++;
	r->step_compared = 1;
	for (a = 0; a < 2; a++)
		for (f = 0; f < 2; f++)
			if (mr_machine_rmap_objects(r->m, a, f) -
				    r->rmap_before[a][f] !=
			    r->rmap_kernel[a][f])
				same = 0;
	if (same) {
		r->sum->rmap_matched++;
		return;
	}
	r->step_differs = 1;
	for (a = 0; a < 2; a++) {
		kern[a] = r->rmap_kernel[a][0];
		model[a] = mr_machine_rmap_objects(r->m, a, 0) -
			   r->rmap_before[a][0];
	}
	snprintf(k, sizeof(k),
		 "anon_vma %" PRIu64 "+ %" PRIu64 "-, anon_vma_chain %" PRIu64
		 "+ %" PRIu64 "-",
		 kern[0], r->rmap_kernel[0][1], kern[1], r->rmap_kernel[1][1]);
	snprintf(g, sizeof(g),
		 "anon_vma %" PRIu64 "+ %" PRIu64 "-, anon_vma_chain %" PRIu64
		 "+ %" PRIu64 "-",
		 model[0],
		 mr_machine_rmap_objects(r->m, 0, 1) - r->rmap_before[0][1],
		 model[1],
		 mr_machine_rmap_objects(r->m, 1, 1) - r->rmap_before[1][1]);
	mr_rp_report_divergence(r, "slab", k, g, NULL);
}

static void check_slab(struct replay *r, int skip)
{
	uint64_t model[2];

	if (!r->pl.has_cache || skip)
		return;
	model[0] = mr_machine_vma_objects(r->m, 0) - r->vma_before[0];
	model[1] = mr_machine_vma_objects(r->m, 1) - r->vma_before[1];
	compare_pair(r, "slab", r->vma_kernel, model, "vm_area_struct: ",
		     "allocated", "freed", &r->sum->slab_checks,
		     &r->sum->slab_matched);
	check_rmap(r);
}

/*
 * The user pages the step allocated by order and kind, the kernel's
 * (kmem:mm_page_alloc of zeroed anonymous pages, order 0, and of THP
 * folios, order 9 movable) against the model's. Not compared where
 * page tables are not (an execve).
 */
static void check_user_pages(struct replay *r, int skip)
{
	uint64_t model[2];

	if (!r->cfg.phys || !r->pl.has_alloc || skip)
		return;
	model[0] = mr_machine_user_allocated(r->m, 0) - r->user_before[0];
	model[1] = mr_machine_user_allocated(r->m, 1) - r->user_before[1];
	compare_pair(r, "page_alloc", r->user_kernel, model, "",
		     "zeroed anonymous pages", "THP folios allocated",
		     &r->sum->palloc_checks, &r->sum->palloc_matched);
}

static int freed_in_group(const struct replay *r, size_t i, uint64_t seq);

/* Count the step's kernel allocations the checks compare: vm_area_struct
 * objects allocated and freed, and page-table pages, zeroed anonymous
 * pages and THP folios allocated, not one FREED again in the step
 * (__do_fault()'s preallocated PTE table, given back when the fault is
 * retried after waiting for I/O). */
static void count_alloc(struct replay *r, const mr_pl_event *e, int freed)
{
	if ((e->kind == MR_PERF_CACHE_ALLOC || e->kind == MR_PERF_CACHE_FREE) &&
	    e->cache == MR_PL_CACHE_VMA)
		r->vma_kernel[e->kind == MR_PERF_CACHE_FREE]++;
	if ((e->kind == MR_PERF_CACHE_ALLOC || e->kind == MR_PERF_CACHE_FREE) &&
	    (e->cache == MR_PL_CACHE_ANON_VMA || e->cache == MR_PL_CACHE_AVC))
		r->rmap_kernel[e->cache == MR_PL_CACHE_AVC]
			      [e->kind == MR_PERF_CACHE_FREE]++;
	if (e->kind != MR_PERF_PAGE_ALLOC || freed)
		return;
	if (e->gfp == MR_GFP_PGTABLE)
		r->tables_kernel++;
	else if (e->gfp == MR_GFP_ANON_ZERO && e->order == 0)
		r->user_kernel[0]++;
	else if ((e->gfp == MR_GFP_USER_MOV || e->gfp == MR_GFP_ANON_ZERO) &&
		 e->order == MR_PAGEBLOCK_ORDER && e->migratetype == 1)
		r->user_kernel[1]++;
}

/* ---- faults ---- */

/* x86 page fault error code: the entry was present */
#define PF_PRESENT 0x1u

/* Whether V[0..N) holds X. */
static int listed(const uint64_t *v, size_t n, uint64_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

/* How far ahead later faults are looked for. */
#define LATER_EVENTS 65536

/* Whether the page event I allocated is freed again by a later event of
 * the same fault group SEQ: do_anonymous_page() allocates before it
 * finds a userfaultfd-registered VMA, then frees the page and hands the
 * fault to userland (the page the fault ends with comes from
 * UFFDIO_COPY); __do_fault() preallocates a PTE table and frees it when
 * the fault is retried. */
static int freed_in_group(const struct replay *r, size_t i, uint64_t seq)
{
	size_t j;

	for (j = i + 1; j < r->pl.n && r->pl.v[j].group == seq &&
			r->pl.v[j].anchor == MR_PL_FAULT;
	     j++)
		if (r->pl.v[j].kind == MR_PERF_PAGE_FREE &&
		    r->pl.v[j].pfn == r->pl.v[i].pfn)
			return 1;
	return 0;
}

void mr_rp_perf_fault_hint(struct replay *r, const mr_fault *f,
			   const mr_mm *mm, struct fault_hint_buf *hb)
{
	mr_fault_hint *h = &hb->h;
	const mr_pl_event *fe;
	const struct kcnt *c;
	int64_t before[MR_MM__COUNT], after[MR_MM__COUNT];
	int32_t tgid = mr_machine_task_tgid(r->m, f->tid);
	uint64_t span;
	size_t i, m;

	memset(h, 0, sizeof(*h));
	h->pages = -1;
	h->map = (const uint64_t(*)[2])hb->map;
	h->later = hb->later;
	h->kept = hb->kept;
	if (!r->have_perf || f->ev == SIZE_MAX)
		return;
	fe = &r->pl.v[f->ev];
	h->known = r->pl.has_filemap;
	h->no_alloc = r->pl.has_alloc;
	c = mr_mm_id(mm) < r->nkc ? &r->kc[mr_mm_id(mm)] : NULL;
	for (m = 0; m < MR_MM__COUNT; m++)
		before[m] = after[m] = c && c->known ? (int64_t)c->val[m] : -1;
	for (i = f->ev + 1; i < r->pl.n && r->pl.v[i].group == fe->seq &&
			    r->pl.v[i].anchor == MR_PL_FAULT;
	     i++) {
		const mr_pl_event *e = &r->pl.v[i];

		if (e->kind == MR_PERF_RSS_STAT && e->curr && e->member >= 0 &&
		    e->member < MR_MM__COUNT)
			after[e->member] = (int64_t)(e->size / MR_PAGE_SIZE);
		if (e->kind == MR_PERF_PAGE_ALLOC &&
		    (e->gfp == MR_GFP_USER_MOV || e->gfp == MR_GFP_ANON_ZERO) &&
		    !freed_in_group(r, i, fe->seq))
			h->no_alloc = 0;
		if ((e->kind != MR_PERF_FILEMAP_MAP &&
		     e->kind != MR_PERF_FILEMAP_FAULT) ||
		    h->nmap == sizeof(hb->map) / sizeof(hb->map[0]))
			continue;
		hb->map[h->nmap][0] = e->ofs / MR_PAGE_SIZE;
		hb->map[h->nmap][1] = e->ofs_end / MR_PAGE_SIZE;
		h->nmap++;
	}
	/* the file or shmem pages the kernel's counters say it mapped */
	for (m = 0; m < MR_MM__COUNT; m++)
		if (m != MR_MM_ANON && m != MR_MM_SWAP && before[m] >= 0 &&
		    after[m] > before[m])
			h->pages = after[m] - before[m];
	if (h->pages < 0 && c && c->known)
		h->pages = 0;
	/* pages of the fault-around window this address space faulted
	 * on later: looked for only when the kernel mapped fewer pages than
	 * the ranges it walked (it left some out) */
	span = 0;
	for (m = 0; m < h->nmap; m++)
		span += hb->map[m][1] - hb->map[m][0] + 1;
	if (h->pages < 0 || (uint64_t)h->pages >= span)
		return;
	for (; h->nmap && i < r->pl.n && i < f->ev + LATER_EVENTS &&
	       h->nlater < sizeof(hb->later) / sizeof(hb->later[0]) &&
	       h->nkept < sizeof(hb->kept) / sizeof(hb->kept[0]);
	     i++) {
		const mr_pl_event *e = &r->pl.v[i];
		uint64_t pg = e->addr & MR_PAGE_MASK;

		if ((e->kind != MR_PERF_FAULT_USER &&
		     e->kind != MR_PERF_FAULT_KERNEL) ||
		    pg + 16 * MR_PAGE_SIZE <= f->addr ||
		    pg >= f->addr + 16 * MR_PAGE_SIZE ||
		    mr_machine_task_tgid(r->m, e->tid) != tgid ||
		    listed(hb->later, h->nlater, pg) ||
		    listed(hb->kept, h->nkept, pg))
			continue;
		/* the page's first later fault tells: not present, it was
		 * left out; present (a write to a read-only entry), it was
		 * mapped */
		if (e->code & PF_PRESENT)
			hb->kept[h->nkept++] = pg;
		else
			hb->later[h->nlater++] = pg;
	}
}

void mr_rp_perf_after_fault(struct replay *r, const mr_fault *f, mr_mm *mm)
{
	size_t i;

	if (!r->have_perf || f->ev == SIZE_MAX)
		return;
	touch_mm(r, mm);
	for (i = f->ev + !f->remote; i < r->pl.n && r->pl.v[i].group == r->pl.v[f->ev].seq &&
			    r->pl.v[i].anchor == MR_PL_FAULT;
	     i++) {
		if (r->pl.v[i].kind == MR_PERF_RSS_STAT)
			rss_event(r, &r->pl.v[i], NULL, 0);
		count_alloc(r, &r->pl.v[i],
				  r->pl.v[i].kind == MR_PERF_PAGE_ALLOC &&
					  freed_in_group(r, i,
							 r->pl.v[f->ev].seq));
	}
	check_touched(r);
	/* kernel-mode faults of an execve (the ELF loader's, the new
	 * stack's) share their events with the rest of the execve's work:
	 * like the execve, not compared for page-table pages */
	if (f->tid != r->exec_tid || (f->code & 4))
		r->exec_tid = 0;
	check_tables(r, r->exec_tid != 0);
	check_user_pages(r, r->exec_tid != 0);
	check_slab(r, r->exec_tid != 0);
}

/*
 * Another task's access into a traced address space (strace reading a
 * tracee's strings with process_vm_readv): get_user_pages_remote()
 * faults pages in without a fault event. The rss_stat heading the
 * burst names the address space; its filemap events name the file
 * pages, mapped where that file is mapped, as many as the counter grew.
 */
mr_mm *mr_rp_perf_remote_mm(struct replay *r, const mr_fault *f)
{
	const struct kmm *k = kmm_find(r, r->pl.v[f->ev].mm_id);

	return k && k->mm ? mm_by_id(r, k->mm) : NULL;
}

/* The page of window W (file page indexes) of V that the access faulted
 * on: one the model holds unmapped (the kernel faults only there), the
 * first; the window's first when all are mapped. */
static uint64_t remote_page(const mr_mm *mm, const mr_vma *v,
			    const uint64_t w[2])
{
	uint64_t first = v->start + ((w[0] - v->pgoff) << MR_PAGE_SHIFT), a;
	const struct mr_pgtable *pt = mr_mm_pgtable(mm);

	for (a = first; pt && a < v->end &&
			w[0] + ((a - first) >> MR_PAGE_SHIFT) <= w[1];
	     a += MR_PAGE_SIZE)
		if (!mr_pgtable_get(pt, a, NULL))
			return a;
	return first;
}

void mr_rp_perf_remote(struct replay *r, const mr_fault *f)
{
	const mr_pl_event *head = &r->pl.v[f->ev];
	struct fault_hint_buf hb;
	mr_mm *mm = mr_rp_perf_remote_mm(r, f);
	const struct kcnt *c;
	size_t i;

	if (!mm || !mr_mm_known(mm)) {
		r->sum->faults_dropped++;
		return;
	}
	c = mr_mm_id(mm) < r->nkc ? &r->kc[mr_mm_id(mm)] : NULL;
	memset(&hb, 0, sizeof(hb));
	hb.h.map = (const uint64_t(*)[2])hb.map;
	hb.h.known = 1;
	hb.h.pages = -1;
	for (i = f->ev; i < r->pl.n && r->pl.v[i].group == head->seq &&
			r->pl.v[i].anchor == MR_PL_FAULT;
	     i++) {
		const mr_pl_event *e = &r->pl.v[i];
		uint32_t file;
		const mr_vma *v;

		if (e->kind == MR_PERF_RSS_STAT && e->mm_id == head->mm_id &&
		    c && c->known && e->member >= 0 &&
		    e->member < MR_MM__COUNT &&
		    e->size / MR_PAGE_SIZE > c->val[e->member])
			hb.h.pages =
				(int64_t)(e->size / MR_PAGE_SIZE -
					  c->val[e->member]);
		if (e->kind != MR_PERF_FILEMAP_MAP)
			continue;
		file = mr_machine_file_by_ids(r->m, e->dev_major, e->dev_minor,
					      e->ino);
		hb.map[0][0] = e->ofs / MR_PAGE_SIZE;
		hb.map[0][1] = e->ofs_end / MR_PAGE_SIZE;
		hb.h.nmap = 1;
		for (v = file ? mr_mm_first(mm) : NULL; v; v = mr_vma_next(v))
			if (v->file == file && hb.map[0][0] >= v->pgoff &&
			    hb.map[0][0] < v->pgoff + mr_vma_pages(v))
				break;
		if (v)
			mr_mm_fault_hint(mm, remote_page(mm, v, hb.map[0]), 0,
					 &hb.h);
	}
}

/* ---- syscalls ---- */

/* The first CALL event of trace line LINE (r->ncalls when none). */
static size_t first_call(const struct replay *r, uint64_t line)
{
	size_t lo = 0, hi = r->ncalls;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r->pl.v[r->calls[mid]].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The CPU the step's allocations run on: that of its first page
 * allocation the perf text shows, else of its first event (the call's
 * events, or the fault's); CPU 0 without a perf text.
 */
static void step_cpu(struct replay *r, const mr_pl_event *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i]->kind == MR_PERF_PAGE_ALLOC) {
			mr_machine_set_cpu(r->m, (int)v[i]->cpu);
			return;
		}
	mr_machine_set_cpu(r->m, n ? (int)v[0]->cpu : 0);
}

#define CPU_LOOK 64 /* events of a step looked at for its CPU */

void mr_rp_perf_cpu_call(struct replay *r, const mr_event *ev)
{
	const mr_pl_event *v[CPU_LOOK];
	size_t i = r->have_perf ? first_call(r, ev->line) : r->ncalls, n = 0;

	for (; i < r->ncalls && n < CPU_LOOK &&
	       r->pl.v[r->calls[i]].line == ev->line;
	     i++)
		v[n++] = &r->pl.v[r->calls[i]];
	step_cpu(r, v, n);
}

void mr_rp_perf_cpu_fault(struct replay *r, const mr_fault *f)
{
	const mr_pl_event *v[CPU_LOOK];
	size_t i, n = 0;

	if (r->have_perf && f->ev != SIZE_MAX)
		for (i = f->ev; i < r->pl.n && n < CPU_LOOK &&
				r->pl.v[i].group == r->pl.v[f->ev].seq;
		     i++)
			v[n++] = &r->pl.v[i];
	step_cpu(r, v, n);
}

/*
 * The kernel's change of MM's counters in syscall EV, from its rss_stat
 * events (each against the event before it in stream order), given to
 * the model before the step: what it follows where the trace does not
 * decide (which lazy-free pages MADV_PAGEOUT discarded). Not given for
 * an address space the events are not tied to yet, or with events of a
 * counter seen for the first time.
 */
void mr_rp_perf_step_delta(struct replay *r, const mr_event *ev, mr_mm *mm)
{
	int64_t d[MR_MM__COUNT] = {0};
	size_t i;
	int known = 1;

	if (!r->have_perf || !mm || ev->kind != MR_EV_SYSCALL ||
	    ev->ret_kind == MR_RET_UNKNOWN)
		return;
	for (i = first_call(r, ev->line);
	     i < r->ncalls && r->pl.v[r->calls[i]].line == ev->line; i++) {
		const mr_pl_event *e = &r->pl.v[r->calls[i]];
		const struct kmm *k;

		if (e->kind != MR_PERF_RSS_STAT || e->member < 0 ||
		    e->member >= MR_MM__COUNT)
			continue;
		k = kmm_find(r, e->mm_id);
		if (!k || k->mm != mr_mm_id(mm))
			continue;
		if (e->prev < 0)
			known = 0;
		else
			d[e->member] += (int64_t)(e->size / MR_PAGE_SIZE) -
					e->prev / MR_PAGE_SIZE;
	}
	mr_mm_set_step_delta(mm, d, known);
}


/*
 * An execve wrote its arguments, environment and auxiliary vector at the
 * top of the new stack with get_user_pages_remote(): pages no fault
 * shows. Their number is the new mm's anonymous counter at the end of
 * the execve's events; they lie at the top of [stack].
 */
static void exec_pages(struct replay *r, mr_mm *mm, size_t from, size_t to,
		       uint32_t id)
{
	uint64_t anon = 0, top = 0;
	const mr_vma *v;
	size_t i;

	for (i = from; i < to; i++) {
		const mr_pl_event *e = &r->pl.v[r->calls[i]];

		if (e->kind == MR_PERF_RSS_STAT && e->mm_id == id &&
		    e->member == MR_RSS_ANON)
			anon = e->size / MR_PAGE_SIZE;
	}
	for (v = mr_mm_first(mm); v; v = mr_vma_next(v))
		if (v->kind == MR_VMA_STACK)
			top = v->end;
	if (anon && top)
		mr_mm_write_pages(mm, top - anon * MR_PAGE_SIZE, top);
}

/* The new mm's id in an execve's events: the first curr=0 event is
 * get_user_pages_remote() writing the arguments there. */
static uint32_t exec_new_id(const struct replay *r, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		const mr_pl_event *e = &r->pl.v[r->calls[i]];

		if (e->kind == MR_PERF_RSS_STAT && !e->curr)
			return e->mm_id;
	}
	return 0;
}

void mr_rp_perf_call(struct replay *r, const mr_event *ev)
{
	size_t i = first_call(r, ev->line), end = i;
	mr_mm *mm = mr_machine_task_mm(r->m, ev->pid);
	mr_mm *newmm = NULL;
	uint32_t only = 0;

	while (end < r->ncalls && r->pl.v[r->calls[end]].line == ev->line)
		end++;
	if ((ev->sys == MR_SYS_EXECVE || ev->sys == MR_SYS_EXECVEAT) &&
	    ev->ret_kind == MR_RET_VALUE && ev->ret == 0 && mm) {
		only = exec_new_id(r, i, end);
		newmm = mm;
		if (!only)
			newmm = NULL, end = i; /* no telling whose */
		else if (mr_mm_known(mm))
			exec_pages(r, mm, i, end, only);
	} else if ((ev->sys == MR_SYS_CLONE || ev->sys == MR_SYS_CLONE3 ||
		    ev->sys == MR_SYS_FORK || ev->sys == MR_SYS_VFORK) &&
		   ev->ret_kind == MR_RET_VALUE && ev->ret > 0) {
		newmm = mr_machine_task_mm(r->m, (int32_t)ev->ret);
		if (newmm == mm)
			newmm = NULL; /* CLONE_VM: no new address space */
	}
	touch_mm(r, mm);
	if (newmm)
		touch_mm(r, newmm);
	r->exec_tid = only ? ev->pid : 0;
	for (; i < end; i++) {
		const mr_pl_event *e = &r->pl.v[r->calls[i]];

		if (e->kind == MR_PERF_RSS_STAT)
			rss_event(r, e, newmm, only);
		count_alloc(r, e, 0);
	}
	check_touched(r);
	check_tables(r, ev->sys == MR_SYS_EXECVE || ev->sys == MR_SYS_EXECVEAT);
	check_user_pages(r,
			 ev->sys == MR_SYS_EXECVE || ev->sys == MR_SYS_EXECVEAT);
	/* an address space the model adopts (no snapshot yet: the
	 * recorder's launcher before its exec) has VMAs only as calls
	 * revealed them, not as the kernel split and merged them */
	check_slab(r, ev->sys == MR_SYS_EXECVE || ev->sys == MR_SYS_EXECVEAT ||
			      ev->sys == MR_SYS_EXIT_GROUP ||
			      ev->sys == MR_SYS_EXIT || (mm && !mr_mm_known(mm)));
	if (r->step_compared && ev->sys < MR_SYS__COUNT) {
		r->sum->sys[ev->sys].allocs++;
		r->sum->sys[ev->sys].allocs_ok += !r->step_differs;
	}
}
