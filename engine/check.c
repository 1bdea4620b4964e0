/*
 * check.c - the model's invariants, checked after every step.
 *
 * docs/invariants.md lists them. In incremental mode only the VMAs that
 * the step added or changed are checked, with their neighbours; address
 * spaces of up to FULL_BELOW VMAs, and every address space in full mode,
 * are checked whole, including the count and the tree's own augmentation.
 */
#include "engine/engine_int.h"

#include <inttypes.h>
#include <stdio.h>

#define FULL_BELOW 256

struct ctx {
	mr_machine *m;		/* the machine */
	mr_violation_fn report; /* caller's hook */
	void *rctx;		/* its context */
	size_t n;		/* violations found */
};

static void fail(struct ctx *c, const mr_mm *mm, const char *inv, uint64_t addr,
		 const char *detail)
{
	c->n++;
	if (c->report)
		c->report(c->rctx, mm, inv, addr, detail);
}

/* The checks that concern one VMA and its neighbours. */
static void check_vma(struct ctx *c, const mr_mm *mm, const mr_vma *v,
		      int merge_path)
{
	const mr_config *cfg = &c->m->cfg;
	const mr_vma *prev = mr_vma_prev(v), *next = mr_vma_next(v);
	char d[160];

	if (v->start >= v->end)
		fail(c, mm, "vma-nonempty", v->start, "start >= end");
	if ((v->start | v->end) & ~MR_PAGE_MASK)
		fail(c, mm, "vma-aligned", v->start, "not page aligned");
	/* below mmap_min_addr only a privileged task maps (CAP_SYS_RAWIO),
	 * and the trace shows when one did */
	if (v->end > cfg->task_size) {
		snprintf(d, sizeof(d), "outside [0, %#" PRIx64 ")",
			 cfg->task_size);
		fail(c, mm, "vma-bounds", v->start, d);
	}
	if (prev && prev->end > v->start)
		fail(c, mm, "vma-sorted", v->start,
		     "overlaps or precedes the previous VMA");
	if (next && v->end > next->start)
		fail(c, mm, "vma-sorted", v->end - 1,
		     "overlaps or follows the next VMA");
	if (merge_path) {
		if (prev && mr_vma_mergeable_pair(mm, prev, v))
			fail(c, mm, "vma-merged", v->start,
			     "mergeable with the previous VMA");
		if (next && mr_vma_mergeable_pair(mm, v, next))
			fail(c, mm, "vma-merged", v->end,
			     "mergeable with the next VMA");
	}
	if (mm->brk_known && mr_vma_in_heap(mm, v) != v->heap)
		fail(c, mm, "heap-name", v->start,
		     "[heap] naming disagrees with brk");
}

/* The raw free space before V, as vma_tree.c records it. */
static uint64_t gap_of(const mr_vma *v)
{
	const mr_vma *p = mr_vma_prev(v);
	uint64_t lo = p ? p->end : 0;

	return v->start > lo ? v->start - lo : 0;
}

static void check_mm_full(struct ctx *c, const mr_mm *mm)
{
	const mr_vma *v;
	size_t count = 0;

	for (v = mr_vma_tree_first(&mm->tree); v; v = mr_vma_next(v)) {
		uint64_t mg = v->gap;

		count++;
		check_vma(c, mm, v, 0);
		if (v->gap != gap_of(v))
			fail(c, mm, "tree-gap", v->start, "stale gap");
		if (v->left && v->left->max_gap > mg)
			mg = v->left->max_gap;
		if (v->right && v->right->max_gap > mg)
			mg = v->right->max_gap;
		if (v->max_gap != mg)
			fail(c, mm, "tree-gap", v->start, "stale max_gap");
	}
	if (count != mm->tree.count)
		fail(c, mm, "map-count", 0, "map_count differs from VMAs");
}

static void check_mm_scalars(struct ctx *c, const mr_mm *mm)
{
	char d[96];

	if (mm->tree.count > (size_t)c->m->cfg.max_map_count + 1) {
		snprintf(d, sizeof(d), "map_count %zu > max_map_count + 1",
			 mm->tree.count);
		fail(c, mm, "map-count", 0, d);
	}
	if (mm->brk_known && mm->brk < mm->start_brk)
		fail(c, mm, "brk", mm->brk, "brk below start_brk");
}

static const mr_mm *mm_by_id(const mr_machine *m, uint32_t id)
{
	const mr_mm *mm;

	for (mm = m->mms; mm; mm = mm->next_mm)
		if (mm->id == id)
			return mm;
	return NULL;
}

/* phys.c's violations, through the same hook. */
static void phys_fail(void *ctx, const mr_mm *mm, const char *inv,
		      uint64_t addr, const char *detail)
{
	fail(ctx, mm, inv, addr, detail);
}

/*
 * The pages and page tables: after every step the entries of the ranges
 * the step changed; in full mode every address space whole (entries,
 * counters, table placement, VmPTE) and every page's map count.
 */
static void check_phys(struct ctx *c, int full)
{
	const mr_mm *mm;

	if (!c->m->cfg.phys)
		return;
	if (!full) {
		mr_phys_check_step(c->m, phys_fail, c);
		return;
	}
	for (mm = c->m->mms; mm; mm = mm->next_mm)
		mr_phys_check_mm(mm, phys_fail, c);
	mr_phys_check_machine(c->m, phys_fail, c);
	c->m->nptouch = 0;
	c->m->ptouch_overflow = 0;
}

size_t mr_machine_check(mr_machine *m, int full, mr_violation_fn report,
			void *rctx)
{
	struct ctx c = {m, report, rctx, 0};
	size_t i;

	check_phys(&c, full);
	if (full) {
		const mr_mm *mm;

		for (mm = m->mms; mm; mm = mm->next_mm) {
			check_mm_full(&c, mm);
			check_mm_scalars(&c, mm);
		}
	} else {
		for (i = 0; i < m->ndirty; i++) {
			const mr_mm *mm = mm_by_id(m, m->dirty_mms[i]);

			if (!mm)
				continue;
			check_mm_scalars(&c, mm);
			if (m->touched_overflow || mm->tree.count < FULL_BELOW)
				check_mm_full(&c, mm);
		}
	}
	for (i = 0; i < m->ntouched; i++) {
		const struct mr_touched *t = &m->touched[i];
		const mr_mm *mm = mm_by_id(m, t->mm);
		const mr_vma *v =
			mm ? mr_vma_tree_find(&mm->tree, t->start) : NULL;

		if (!v || v->start != t->start)
			continue;
		if (t->merge_path || (!full && mm->tree.count >= FULL_BELOW))
			check_vma(&c, mm, v, t->merge_path);
	}
	m->ntouched = 0;
	m->ndirty = 0;
	m->touched_overflow = 0;
	return c.n;
}
