/*
 * vma_ops.c - the VMA primitives every syscall of the model is built from:
 * bookkeeping (link, unlink, change), the merge rules, split, mapping a
 * free range with merging, and unmapping a range.
 *
 * Mirrors Linux 6.18 mm/vma.c: __split_vma, vma_merge_new_range,
 * is_mergeable_anon_vma, dup_anon_vma, anon_vma_prepare with
 * find_mergeable_anon_vma, vms_gather_munmap_vmas and
 * vms_complete_munmap_vmas.
 *
 * Every change to a VMA goes through mr_vma_link(), mr_vma_unlink_free()
 * or the mr_vma_change_begin()/mr_vma_change_end() pair, which keep the
 * tree, the digest, the journal and the invariant checker's list of
 * touched VMAs in step.
 */
#include "engine/engine_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- allocation and bookkeeping ---- */

/* vm_area_alloc() and vm_area_dup(): one vm_area_struct object */
mr_vma *mr_vma_alloc(mr_machine *m)
{
	mr_vma *v = calloc(1, sizeof(mr_vma));

	if (v) {
		m->vmas_made++;
		mr_kobj_vma_new(m, v);
	}
	return v;
}

void mr_vma_alloc_free(mr_machine *m)
{
	mr_vma tmp;

	memset(&tmp, 0, sizeof(tmp));
	m->vmas_made++;
	mr_kobj_vma_new(m, &tmp);
	m->vmas_freed++;
	mr_kobj_vma_gone(m, &tmp);
}

/* vma_is_initial_heap(): anonymous, unnamed, overlapping the brk area. */
int mr_vma_in_heap(const mr_mm *mm, const mr_vma *v)
{
	return mm->brk_known && !v->file && v->kind == MR_VMA_PLAIN &&
	       !v->name && !mr_vma_anon_shmem(v) && v->start < mm->brk &&
	       v->end > mm->start_brk;
}

static void heap_update(const mr_mm *mm, mr_vma *v)
{
	v->heap = (uint8_t)mr_vma_in_heap(mm, v);
}

/* vm_stat_account(): VmSize follows every VMA. */
static void vm_account(mr_mm *mm, const mr_vma *v, int sign)
{
	if (sign > 0)
		mm->total_vm += mr_vma_pages(v);
	else
		mm->total_vm -= mr_vma_pages(v);
}

/* Whether a hole (a NULL range of the maple tree) lies between A and B. */
static int64_t hole(const mr_vma *a, const mr_vma *b)
{
	return a && b && a->end < b->start;
}

/* The holes beside V, less the one its neighbours would have alone. */
static int64_t holes_beside(const mr_vma *v)
{
	const mr_vma *p = mr_vma_prev(v), *n = mr_vma_next(v);

	return hole(p, v) + hole(v, n) - hole(p, n);
}

/* Insert a new VMA and report it. */
void mr_vma_link(mr_mm *mm, mr_vma *v, int merge_path)
{
	mr_machine *m = mm->m;

	heap_update(mm, v);
	mr_vma_tree_insert(&mm->tree, v);
	mm->holes += holes_beside(v);
	vm_account(mm, v, 1);
	v->hash = mr_vma_hash(mm, v);
	m->sum += v->hash;
	if (m->j.vma_add)
		v->cookie = m->j.vma_add(m->j.ctx, mm, v);
	mr_machine_touch(m, mm, v->start, merge_path);
}

/* Remove a VMA, report it, and free it. */
void mr_vma_unlink_free(mr_mm *mm, mr_vma *v)
{
	mr_machine *m = mm->m;
	uint64_t hs = mr_vma_huge_size(mm, v);

	m->sum -= v->hash;
	if (m->j.vma_del)
		m->j.vma_del(m->j.ctx, mm, v);
	mm->holes -= holes_beside(v);
	mr_vma_tree_remove(&mm->tree, v);
	vm_account(mm, v, -1);
	mr_machine_mm_dirty(m, mm);
	/* hugetlb_vm_op_close(): a private mapping gives back the
	 * reservation of its pages; a shared one's belongs to the file,
	 * given back when nothing maps it any more */
	if (hs)
		mr_huge_unfault(mm, v);
	if (hs && v->huge_resv)
		m->cfg.huge_avail[hs > MR_PMD_SIZE] += (v->end - v->start) / hs;
	else if (hs && v->file && !mr_machine_file_mapped(m, v->file) &&
		 mr_machine_shm_file_removed(m, v->file))
		mr_machine_huge_release(m, v->file);
	m->vmas_freed++; /* vm_area_free() */
	mr_av_unlink(m, v);
	mr_kobj_vma_gone(m, v);
	free(v);
}

void mr_machine_huge_release(mr_machine *m, uint32_t file)
{
	mr_file *f = file && file <= m->nfiles ? &m->files[file - 1] : NULL;

	if (!f || !f->huge_shift)
		return;
	m->cfg.huge_avail[f->huge_shift == 30] += f->huge_resv;
	f->huge_resv = 0;
}

uint64_t mr_vma_huge_size(const mr_mm *mm, const mr_vma *v)
{
	const mr_file *f;

	if (!(v->flags & MR_VM_HUGETLB) || !v->file)
		return 0;
	f = mr_machine_file_get(mm->m, v->file);
	return f && f->huge_shift ? 1ull << f->huge_shift : 0;
}

int mr_split_refused(const mr_mm *mm, const mr_vma *v, uint64_t addr)
{
	uint64_t hs = mr_vma_huge_size(mm, v);

	if (addr <= v->start || addr >= v->end)
		return 0;
	/* special_mapping_split(): the vdso and vvar pages never split */
	if (v->kind == MR_VMA_VDSO || v->kind == MR_VMA_VVAR ||
	    v->kind == MR_VMA_VVAR_VCLOCK)
		return 1;
	return hs && (addr & (hs - 1));
}

/* Before changing V in place: it leaves the history as it was. */
void mr_vma_change_begin(mr_mm *mm, mr_vma *v)
{
	mr_machine *m = mm->m;

	m->sum -= v->hash;
	if (m->j.vma_del)
		m->j.vma_del(m->j.ctx, mm, v);
	vm_account(mm, v, -1);
	mm->holes -= hole(mr_vma_prev(v), v) + hole(v, mr_vma_next(v));
}

/* After changing V in place: it re-enters the history as it is now. */
void mr_vma_change_end(mr_mm *mm, mr_vma *v, int merge_path)
{
	mr_machine *m = mm->m;

	heap_update(mm, v);
	mr_vma_tree_update(&mm->tree, v);
	mm->holes += hole(mr_vma_prev(v), v) + hole(v, mr_vma_next(v));
	vm_account(mm, v, 1);
	v->hash = mr_vma_hash(mm, v);
	m->sum += v->hash;
	if (m->j.vma_add)
		v->cookie = m->j.vma_add(m->j.ctx, mm, v);
	mr_machine_touch(m, mm, v->start, merge_path);
}

void mr_vma_set_range(mr_mm *mm, mr_vma *v, uint64_t start, uint64_t end,
		      uint64_t pgoff, int merge_path)
{
	mr_vma_change_begin(mm, v);
	v->start = start;
	v->end = end;
	v->pgoff = pgoff;
	mr_vma_change_end(mm, v, merge_path);
}

/* ---- merge rules (mm/vma.c) ---- */

/* is_mergeable_vma() */
/* The kernel knows no kinds: pieces of the initial stack merge like any
 * anonymous memory; the vdso and vvar are special (never merge). */
static int plain_kind(uint8_t kind)
{
	return kind == MR_VMA_PLAIN || kind == MR_VMA_STACK;
}

static int mergeable_attrs(const struct mr_prop *p, const mr_vma *v)
{
	return !((v->flags ^ p->flags) & ~MR_VM_SOFTDIRTY) &&
	       v->file == p->file && v->ofd == p->ofd && v->name == p->name &&
	       plain_kind(v->kind) && plain_kind(p->kind);
}

static int fork_child(const mr_vma *v)
{
	return v->anon_vma && v->anon_forked;
}

/* is_mergeable_anon_vma() as of 6.16 (commit 879bca0a2c4f). */
static int mergeable_anon(const struct mr_prop *p, const mr_vma *tgt)
{
	if (!tgt->anon_vma && p->anon_vma)
		return !p->src_forked;
	if (tgt->anon_vma && !p->anon_vma)
		return !fork_child(tgt);
	return p->anon_vma == tgt->anon_vma;
}

/* can_vma_merge_after(): P can extend PREV upwards. */
int mr_can_merge_left(const struct mr_prop *p, const mr_vma *prev)
{
	return prev && prev->end == p->start && mergeable_attrs(p, prev) &&
	       mergeable_anon(p, prev) &&
	       prev->pgoff + mr_vma_pages(prev) == p->pgoff;
}

/* can_vma_merge_before(): P can extend NEXT downwards. */
int mr_can_merge_right(const struct mr_prop *p, const mr_vma *prev,
		       const mr_vma *next, int left)
{
	if (!next || next->start != p->end || !mergeable_attrs(p, next) ||
	    !mergeable_anon(p, next) ||
	    next->pgoff != p->pgoff + ((p->end - p->start) >> MR_PAGE_SHIFT))
		return 0;
	if (!left)
		return 1;
	return !prev->anon_vma || !next->anon_vma ||
	       prev->anon_vma == next->anon_vma;
}

/* can_merge_remove_vma(): a merge may not remove a VMA whose vm_ops has
 * a close hook: a SysV shm attach (shm_close()) or hugetlb memory
 * (hugetlb_vm_op_close()). */
static int removable(const mr_machine *m, const mr_vma *v)
{
	if (v->flags & MR_VM_HUGETLB)
		return 0;
	return !v->file || v->file > m->nfiles || !m->files[v->file - 1].sysv;
}

int mr_vma_mergeable_pair(const mr_mm *mm, const mr_vma *a, const mr_vma *b)
{
	struct mr_prop p = {
		b->start, b->end,  b->pgoff, b->flags,	  b->file,
		b->ofd,	  b->name, b->kind,  b->anon_vma, b->anon_forked,
		0,	  NULL,	   0};

	/* a merge removes one of them: not one with a close hook */
	if ((a->flags | b->flags) & MR_VM_SPECIAL || !removable(mm->m, a) ||
	    !removable(mm->m, b))
		return 0;
	return mr_can_merge_left(&p, a);
}

/* dup_anon_vma(): DST takes SRC's anon_vma when it has none (the fields
 * alone: the dry runs use it on copies). */
void mr_dup_anon(mr_vma *dst, const mr_vma *src)
{
	if (src->anon_vma && !dst->anon_vma) {
		dst->anon_vma = src->anon_vma;
		dst->anon_forked = src->anon_forked;
	}
}

/* dup_anon_vma() of a real merge: the chain is cloned too. */
static void dup_anon(mr_machine *m, mr_vma *dst, const mr_vma *src)
{
	if (src->anon_vma && !dst->anon_vma) {
		mr_dup_anon(dst, src);
		mr_av_clone(m, dst, src);
	}
}

/* ---- split ---- */

/*
 * __split_vma(): V is cut at ADDR. With NEW_BELOW the new VMA is the lower
 * part, else the upper. Returns the new VMA, or NULL out of memory.
 *
 *  0123456789
 *  VVVVVVVVVV     split at 4, new_below=0
 *  VVVVNNNNNN
 */
mr_vma *mr_vma_split(mr_mm *mm, mr_vma *v, uint64_t addr, int new_below)
{
	mr_vma *n = mr_vma_alloc(mm->m);
	uint64_t delta = (addr - v->start) >> MR_PAGE_SHIFT;

	if (!n)
		return NULL;
	/* vma_adjust_trans_huge(): a huge PMD across ADDR is split */
	if (addr & (MR_PMD_SIZE - 1))
		mr_phys_split_pmd(mm, addr);
	*n = *v;
	n->left = n->right = n->parent = NULL;
	mr_vma_change_begin(mm, v);
	if (new_below) {
		n->end = addr;
		v->start = addr;
		v->pgoff += delta;
	} else {
		n->start = addr;
		n->pgoff += delta;
		v->end = addr;
	}
	mr_vma_change_end(mm, v, 0);
	mr_vma_link(mm, n, 0);
	mr_av_clone(mm->m, n, v); /* anon_vma_clone() */
	return n;
}

/* ---- new ranges ---- */

/*
 * anon_vma_prepare() on V: reuse a neighbour's anon_vma when
 * find_mergeable_anon_vma() allows it, else allocate one.
 */
static int anon_compatible(const mr_vma *a, const mr_vma *b)
{
	return a->end == b->start && a->file == b->file && a->ofd == b->ofd &&
	       !((a->flags ^ b->flags) & ~(MR_VM_ACCESS | MR_VM_SOFTDIRTY)) &&
	       b->pgoff == a->pgoff + ((b->start - a->start) >> MR_PAGE_SHIFT);
}

void mr_anon_prepare(mr_mm *mm, mr_vma *v)
{
	mr_vma *next = mr_vma_next(v), *prev = mr_vma_prev(v);
	uint32_t av = 0, fresh = 0;

	if (v->anon_vma)
		return;
	if (next && anon_compatible(v, next) && next->anon_vma &&
	    !next->anon_forked)
		av = next->anon_vma;
	else if (prev && anon_compatible(prev, v) && prev->anon_vma &&
		 !prev->anon_forked)
		av = prev->anon_vma;
	if (!av)
		av = fresh = mr_machine_new_anon_vma(mm->m);
	mr_vma_change_begin(mm, v);
	v->anon_vma = av;
	v->anon_forked = 0;
	mr_vma_change_end(mm, v, 0);
	mr_av_prepare(mm->m, v, fresh != 0);
}

void mr_vma_set_inferred(mr_mm *mm, mr_vma *v, int inferred)
{
	if (v->inferred == (inferred != 0))
		return;
	mr_vma_change_begin(mm, v);
	v->inferred = inferred != 0;
	mr_vma_change_end(mm, v, 0);
}

int mr_range_covered(const mr_mm *mm, uint64_t start, uint64_t end,
		     uint64_t forbid)
{
	const mr_vma *v = mr_vma_tree_find_after(&mm->tree, start);
	uint64_t at = start;

	for (; v && v->start < end; v = mr_vma_next(v)) {
		if (v->start > at || (v->flags & forbid))
			return 0;
		at = v->end;
	}
	return at >= end;
}

/* Whether user space could write V's pages and give it an anon_vma. */
static int writable_private(const mr_vma *v)
{
	return !(v->flags & (MR_VM_SHARED | MR_VM_SPECIAL)) &&
	       (v->flags & MR_VM_WRITE);
}

/* List a choice (mr_machine_choices()); returns its id. Out of memory
 * the choice still gets an id and holds, unlisted. */
static uint32_t record_choice(mr_mm *mm, const mr_vma *v, int state, int rule,
			      int revised)
{
	mr_machine *m = mm->m;
	mr_choice *c;

	m->wstats.made[rule]++;
	if (m->nchoice == m->capchoice) {
		size_t cap = m->capchoice ? m->capchoice * 2 : 64;
		mr_choice *n = realloc(m->choice, cap * sizeof(*n));

		if (!n)
			return ++m->next_choice;
		m->choice = n;
		m->capchoice = cap;
	}
	c = &m->choice[m->nchoice++];
	c->id = ++m->next_choice;
	c->mm = mr_mm_id(mm);
	c->start = v->start;
	c->end = v->end;
	c->state = (uint8_t)state;
	c->rule = (uint8_t)rule;
	c->revised = (uint8_t)revised;
	return c->id;
}

/*
 * The rules for writes strace does not show (docs/fidelity.md, "Whether
 * a VMA has an anon_vma"): memory created writable, committed into a
 * reservation or made writable by mprotect is taken as written, except
 * by a task that does little but manage its memory (rule stress) or
 * with --no-assume-written (never). The choice is recorded and V rests
 * on it.
 */
void mr_assume_written(mr_mm *mm, mr_vma *v, int rule)
{
	mr_machine *m = mm->m;
	int state, revised = 0, flip;
	uint32_t id;

	if (m->cfg.writes_known || v->anon_vma || !writable_private(v))
		return;
	if (!m->cfg.assume_written)
		rule = MR_WR_NEVER;
	flip = m->choice_fn && m->choice_fn(m->choice_ctx, mm, v, &rule);
	state = rule == MR_WR_STRESS || rule == MR_WR_NEVER ? MR_WS_OPEN
							    : MR_WS_ASSUMED;
	if (flip) {
		state = state == MR_WS_ASSUMED ? MR_WS_OPEN : MR_WS_ASSUMED;
		revised = 1;
	} else if (state == MR_WS_ASSUMED && v->wpin &&
		   rule != MR_WR_MPROTECT) {
		/* the revised lineage stays unwritten as memory merges into
		 * it (memory made writable again is a new period) */
		state = MR_WS_OPEN;
		revised = 2;
	}
	if (state == MR_WS_ASSUMED)
		mr_anon_prepare(mm, v);
	id = record_choice(mm, v, state, rule, revised);
	mr_vma_change_begin(mm, v);
	v->wstate = (uint8_t)state;
	v->wpin = revised && state == MR_WS_OPEN;
	v->wown = id;
	if (!v->wchoice)
		v->wchoice = id;
	mr_vma_change_end(mm, v, 0);
}

void mr_wstate_absorb(mr_vma *dst, const mr_vma *src)
{
	int assumed =
		dst->wstate == MR_WS_ASSUMED || src->wstate == MR_WS_ASSUMED;
	int open = dst->wstate == MR_WS_OPEN || src->wstate == MR_WS_OPEN;

	if (src->wchoice && (!dst->wchoice || src->wchoice < dst->wchoice))
		dst->wchoice = src->wchoice;
	if (!dst->wown)
		dst->wown = src->wown;
	if (dst->anon_vma)
		dst->wstate = assumed ? MR_WS_ASSUMED : MR_WS_KNOWN;
	else
		dst->wstate = open ? MR_WS_OPEN : MR_WS_KNOWN;
	dst->wpin = !dst->anon_vma && (dst->wpin || src->wpin);
	if (dst->wstate == MR_WS_KNOWN)
		dst->wown = 0;
}

/*
 * Evidence the trace shows that [addr, addr + len) was written (a call
 * that writes user memory, or one that shows user space wrote it): each
 * private writable VMA there was, and has an anon_vma. An assumption it
 * confirms no longer counts; one it overturns is counted, and what rested
 * on it stays marked.
 */
void mr_mm_note_write(mr_mm *mm, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;
	mr_vma *v;

	if (mm->m->cfg.writes_known || !len || end < addr)
		return;
	v = mr_vma_tree_find_after(&mm->tree, addr);
	for (; v && v->start < end; v = mr_vma_next(v)) {
		if (!writable_private(v))
			continue;
		mr_anon_prepare(mm, v);
		mr_wstate_known(mm, v);
	}
}

size_t mr_mm_uncertain(const mr_mm *mm, uint64_t start, uint64_t end,
		       uint32_t *oldest)
{
	const mr_vma *v = mr_vma_tree_find_after(&mm->tree, start);
	size_t n = 0;

	*oldest = 0;
	for (; v && v->start < end; v = mr_vma_next(v)) {
		if (!v->wchoice)
			continue;
		n++;
		if (!*oldest || v->wchoice < *oldest)
			*oldest = v->wchoice;
	}
	return n;
}

int mr_mm_merges_if_unwritten(const mr_mm *mm, const mr_vma *v)
{
	mr_vma c = *v;
	const mr_vma *prev = mr_vma_prev(v), *next = mr_vma_next(v);

	if (!v->anon_vma || (v->flags & (MR_VM_SHARED | MR_VM_SPECIAL)))
		return 0;
	c.anon_vma = 0;
	c.anon_forked = 0;
	if (!c.file && c.kind == MR_VMA_PLAIN) {
		c.pgoff = c.start >> MR_PAGE_SHIFT;
		if (!(c.flags & MR_VM_WRITE))
			c.flags &= ~MR_VM_ACCOUNT;
	}
	return (prev && mr_vma_mergeable_pair(mm, prev, &c)) ||
	       (next && mr_vma_mergeable_pair(mm, &c, next));
}

const char *mr_wrule_name(int rule)
{
	static const char *const names[MR_WR__COUNT] = {
		"",	 "created-writable", "commit", "mprotect", "never",
		"stress"};

	return rule > 0 && rule < MR_WR__COUNT ? names[rule] : "?";
}

void mr_wstate_known(mr_mm *mm, mr_vma *v)
{
	if (v->wstate == MR_WS_KNOWN)
		return;
	if (v->wstate == MR_WS_ASSUMED)
		mm->m->wstats.confirmed++;
	else
		mm->m->wstats.overturned++;
	mr_vma_change_begin(mm, v);
	if (v->wstate == MR_WS_ASSUMED && v->wchoice == v->wown)
		v->wchoice = 0;
	v->wstate = MR_WS_KNOWN;
	v->wown = 0;
	v->wpin = 0;
	mr_vma_change_end(mm, v, 0);
}

/*
 * vma_merge_new_range() then, failing a merge, a new VMA: map P into the
 * free range [p->start, p->end). JUST_EXPAND only tries prev (brk).
 * Returns the VMA now covering the range.
 */
mr_vma *mr_map_range(mr_mm *mm, const struct mr_prop *p, int just_expand)
{
	mr_vma *prev = mr_vma_tree_find_before(&mm->tree, p->start);
	mr_vma *next = mr_vma_tree_find_after(&mm->tree, p->start);
	struct mr_prop chk = *p;
	int left = 0, right = 0;
	mr_vma *v;

	if (prev && prev->end > p->start)
		prev = NULL; /* cannot happen: the range is free */
	if (p->copied)
		chk.src_forked = 0; /* vma_had_uncowed_parents(NULL) */
	if (!(p->flags & MR_VM_SPECIAL) && (prev || next)) {
		left = mr_can_merge_left(&chk, prev);
		right = !just_expand &&
			mr_can_merge_right(&chk, prev, next, left);
		/* vma_merge_new_range(): merging both would remove next */
		if (left && right && !removable(mm->m, next))
			right = 0;
	}
	/* A copy's anon_vma goes to the VMA that takes it in
	 * (vma_merge_copied_range(): dup_anon_vma from copied_from). */
	if (p->copied && p->anon_vma && (left || right)) {
		mr_vma *t = left ? prev : next;

		if (!t->anon_vma) {
			t->anon_vma = p->anon_vma;
			t->anon_forked = p->src_forked;
			if (p->src)
				mr_av_clone(mm->m, t, p->src);
		}
	}
	if (p->copied && p->src && (left || right))
		mr_wstate_absorb(left ? prev : next, p->src);
	if (left && right) {
		/*  PPP...NNN  ->  PPPPPPPPP  */
		uint64_t end = next->end;

		dup_anon(mm->m, prev, next);
		mr_wstate_absorb(prev, next);
		mr_vma_unlink_free(mm, next);
		mr_vma_set_range(mm, prev, prev->start, end, prev->pgoff, 1);
		return prev;
	}
	if (left) {
		mr_vma_set_range(mm, prev, prev->start, p->end, prev->pgoff, 1);
		return prev;
	}
	if (right) {
		mr_vma_set_range(mm, next, p->start, next->end, p->pgoff, 1);
		return next;
	}
	v = mr_vma_alloc(mm->m);
	if (!v)
		return NULL;
	v->start = p->start;
	v->end = p->end;
	v->pgoff = p->pgoff;
	v->flags = p->flags;
	v->file = p->file;
	v->ofd = p->ofd;
	v->name = p->name;
	v->kind = p->kind;
	if (p->copied) {
		v->anon_vma = p->anon_vma;
		v->anon_forked = p->src_forked;
	}
	if (p->copied && p->src) { /* the assumptions go with the pages */
		v->wstate = p->src->wstate;
		v->wchoice = p->src->wchoice;
		v->wown = p->src->wown;
		v->wpin = p->src->wpin;
	}
	mr_vma_link(mm, v, 1);
	if (p->copied && p->src) /* copy_vma(): anon_vma_clone() */
		mr_av_clone(mm->m, v, p->src);
	return v;
}

/* ---- modifying ranges (mprotect, madvise, mlock) ---- */

/* What vma_merge_existing_range() would do to [start, end) of V. */
struct plan {
	int ml;		    /* merge into prev */
	int mrt;	    /* merge into next */
	const mr_vma *next; /* the VMA after V when right_side */
};

/*
 * The merge decision of vma_modify() for [start, end) of V with NEWFLAGS.
 * PREV is the VMA before the range (V itself when start is inside V, NULL
 * when none); it is only read, so the dry run may pass a copy holding the
 * state a previous step would have left.
 */
static void modify_plan(const mr_machine *m, const mr_vma *prev,
			const mr_vma *v, uint64_t start, uint64_t end,
			uint64_t newflags, struct plan *pl)
{
	int left_side = start == v->start, right_side = end == v->end;
	struct mr_prop p = {start,
			    end,
			    v->pgoff + ((start - v->start) >> MR_PAGE_SHIFT),
			    newflags,
			    v->file,
			    v->ofd,
			    v->name,
			    v->kind,
			    v->anon_vma,
			    v->anon_forked,
			    0,
			    NULL,
			    0};

	pl->ml = pl->mrt = 0;
	pl->next = NULL;
	if (!(newflags & MR_VM_SPECIAL) && (left_side || right_side)) {
		if (left_side && prev != v)
			pl->ml = mr_can_merge_left(&p, prev);
		if (right_side) {
			pl->next = mr_vma_next(v);
			pl->mrt =
				mr_can_merge_right(&p, prev, pl->next, pl->ml);
		}
	}
	/* vma_merge_existing_range(): V merged whole would be removed; a
	 * merge of both sides also removes next, which without a close
	 * hook falls back to merging prev alone */
	if ((pl->ml || pl->mrt) && left_side && right_side && !removable(m, v))
		pl->ml = pl->mrt = 0;
	if (pl->ml && pl->mrt && !removable(m, pl->next))
		pl->mrt = 0;
}

/*
 * vma_modify(): give [start, end) of V (prev is PREV, possibly V itself
 * when start is inside V) new flags. Tries vma_merge_existing_range() and
 * otherwise splits. Returns the VMA now holding the range; *err gets
 * -ENOMEM when a split hits max_map_count (CHECK_LIMIT); a split done
 * before the failing one stays, as in the kernel.
 */
mr_vma *mr_vma_modify(mr_mm *mm, mr_vma *prev, mr_vma *v, uint64_t start,
		      uint64_t end, uint64_t newflags, int check_limit,
		      int *err)
{
	int left_side = start == v->start, right_side = end == v->end;
	struct plan pl;
	mr_vma *next;
	int ml, mrt;

	*err = 0;
	modify_plan(mm->m, prev, v, start, end, newflags, &pl);
	ml = pl.ml;
	mrt = pl.mrt;
	next = (mr_vma *)pl.next;
	if (ml && mrt) {
		/*  PPPVVVNNN  ->  PPPPPPPPP  */
		uint64_t nend = next->end;

		dup_anon(mm->m, prev, next->anon_vma ? next : v);
		mr_wstate_absorb(prev, v);
		mr_wstate_absorb(prev, next);
		mr_vma_unlink_free(mm, v);
		mr_vma_unlink_free(mm, next);
		mr_vma_set_range(mm, prev, prev->start, nend, prev->pgoff, 1);
		return prev;
	}
	if (ml) {
		/*  PPPVVVVV  ->  PPPPPPVV (or PPPPPPPP)  */
		dup_anon(mm->m, prev, v);
		mr_wstate_absorb(prev, v);
		if (right_side) {
			mr_vma_unlink_free(mm, v);
		} else {
			mr_vma_set_range(
				mm, v, end, v->end,
				v->pgoff + ((end - v->start) >> MR_PAGE_SHIFT),
				0);
		}
		mr_vma_set_range(mm, prev, prev->start, end, prev->pgoff, 1);
		return prev;
	}
	if (mrt) {
		/*  VVVVVNNN  ->  VVNNNNNN (or NNNNNNNN)  */
		dup_anon(mm->m, next, v);
		mr_wstate_absorb(next, v);
		if (left_side) {
			uint64_t pg =
				next->pgoff - ((end - start) >> MR_PAGE_SHIFT);

			mr_vma_unlink_free(mm, v);
			mr_vma_set_range(mm, next, start, next->end, pg, 1);
		} else {
			mr_vma_set_range(mm, v, v->start, start, v->pgoff, 0);
			mr_vma_set_range(
				mm, next, start, next->end,
				next->pgoff - ((end - start) >> MR_PAGE_SHIFT),
				1);
		}
		return next;
	}
	/* No merge: split off what is outside [start, end); split_vma()
	 * checks the map count, then the VMA's may_split (hugetlb). */
	if (v->start < start) {
		if (check_limit && mm->tree.count >= mm->m->cfg.max_map_count) {
			*err = -ENOMEM;
			return NULL;
		}
		if (mr_split_refused(mm, v, start)) {
			*err = -EINVAL;
			return NULL;
		}
		mr_vma_split(mm, v, start, 1);
	}
	if (v->end > end) {
		if (check_limit && mm->tree.count >= mm->m->cfg.max_map_count) {
			*err = -ENOMEM;
			return NULL;
		}
		if (mr_split_refused(mm, v, end)) {
			*err = -EINVAL;
			return NULL;
		}
		mr_vma_split(mm, v, end, 0);
	}
	mr_vma_change_begin(mm, v);
	v->flags = newflags;
	mr_vma_change_end(mm, v, 1);
	return v;
}

/*
 * The dry run of modify(): what it would do to the map count, without
 * changing anything. PREV is the VMA before the range as the real run
 * would see it by then (possibly a copy). On success *after gets the VMA
 * that would then hold the range, *last the last real VMA it would use up,
 * and *count the new map count; returns -ENOMEM where a split would hit
 * max_map_count (split_vma() checks before each of the up to two splits).
 */
int mr_vma_modify_dry(const mr_mm *mm, const mr_vma *prev, const mr_vma *v,
		      uint64_t start, uint64_t end, uint64_t newflags,
		      mr_vma *after, const mr_vma **last, size_t *count)
{
	int left_side = start == v->start, right_side = end == v->end;
	size_t max = mm->m->cfg.max_map_count;
	struct plan pl;

	modify_plan(mm->m, prev, v, start, end, newflags, &pl);
	*last = v;
	if (pl.ml) {
		mr_vma tmp = *prev;

		mr_dup_anon(&tmp, pl.mrt && pl.next->anon_vma ? pl.next : v);
		tmp.end = pl.mrt ? pl.next->end : end;
		*count -= (size_t)right_side + (size_t)pl.mrt;
		if (pl.mrt)
			*last = pl.next;
		*after = tmp;
		return 0;
	}
	if (pl.mrt) {
		mr_vma tmp = *pl.next;

		mr_dup_anon(&tmp, v);
		tmp.pgoff -= (end - start) >> MR_PAGE_SHIFT;
		tmp.start = start;
		*count -= (size_t)left_side;
		*last = pl.next;
		*after = tmp;
		return 0;
	}
	if (v->start < start) {
		if (*count >= max)
			return -ENOMEM;
		if (mr_split_refused(mm, v, start))
			return -EINVAL;
		++*count;
	}
	if (v->end > end) {
		if (*count >= max)
			return -ENOMEM;
		if (mr_split_refused(mm, v, end))
			return -EINVAL;
		++*count;
	}
	*after = *v;
	after->pgoff += (start - v->start) >> MR_PAGE_SHIFT;
	after->start = start;
	after->end = end;
	after->flags = newflags;
	return 0;
}

/* ---- unmapping ---- */

/*
 * Remove [start, end): split the first and last VMAs as needed, drop the
 * ones in between (vms_gather_munmap_vmas + vms_complete_munmap_vmas).
 * No limit checks: the caller has decided the unmap happens.
 */
void mr_unmap_range(mr_mm *mm, uint64_t start, uint64_t end)
{
	mr_vma *v = mr_vma_tree_find_after(&mm->tree, start);

	/* an empty range unmaps nothing (mremap's old_len 0 keeps its
	 * source whole) */
	if (start >= end)
		return;
	mr_ranges_del(&mm->guard, start, end); /* the page tables go too */
	if (!v || v->start >= end)
		return;
	/* update_hiwater_vm() before total_vm drops: VmPeak */
	if (mm->total_vm > mm->hiwater_vm) {
		mm->hiwater_vm = mm->total_vm;
		mr_mm_rehash(mm);
	}
	if (v->start < start)
		mr_vma_split(mm, v, start, 1);
	/* unmap_vmas() then free_pgtables(): the removed VMAs' pages, then
	 * their tables, VMAs less than a PMD apart freed in one range */
	mr_phys_zap(mm, start, end);
	while (v && v->start < end) {
		mr_vma *next;
		uint64_t gstart = v->start, gend;

		while (v && v->start < end) {
			if (v->end > end)
				mr_vma_split(mm, v, end, 0);
			next = mr_vma_next(v);
			gend = v->end;
			mr_vma_unlink_free(mm, v);
			v = next;
			if (!v || v->start >= end ||
			    v->start > gend + MR_PMD_SIZE)
				break;
		}
		mr_phys_free_tables(mm, gstart, gend);
	}
}

int mr_range_sealed(const mr_mm *mm, uint64_t start, uint64_t end)
{
	const mr_vma *v = mr_vma_tree_find_after(&mm->tree, start);

	for (; v && v->start < end; v = mr_vma_next(v))
		if (v->flags & MR_VM_SEALED)
			return 1;
	return 0;
}

/*
 * What an unmap of [start, end) that a sealed VMA stopped with EPERM
 * leaves (vms_gather_munmap_vmas()): when the range starts inside its
 * first VMA and that one is not sealed, it was split at START before the
 * walk met the sealed one, and the split is not undone.
 */
int mr_unmap_check(const mr_mm *mm, uint64_t start, uint64_t end, size_t count)
{
	const mr_vma *v = mr_vma_tree_find_after(&mm->tree, start);

	if (!v || v->start >= end)
		return 0;
	if (v->start < start) {
		if (v->end > end && count >= mm->m->cfg.max_map_count)
			return -ENOMEM;
		/* no split of a VMA that cannot be unmapped anyway */
		if (v->flags & MR_VM_SEALED)
			return -EPERM;
		if (mr_split_refused(mm, v, start))
			return -EINVAL;
	}
	for (; v && v->start < end; v = mr_vma_next(v)) {
		if (v->flags & MR_VM_SEALED)
			return -EPERM;
		if (v->end > end && mr_split_refused(mm, v, end))
			return -EINVAL;
	}
	return 0;
}

void mr_unmap_failed_split(mr_mm *mm, uint64_t start, uint64_t end)
{
	mr_vma *v = mr_vma_tree_find_after(&mm->tree, start);

	/* the first VMA passed its checks and was split before a later
	 * VMA failed */
	if (v && v->start < start && v->end > start &&
	    !(v->flags & MR_VM_SEALED) && !mr_split_refused(mm, v, start) &&
	    mr_unmap_check(mm, start, end, 0) < 0)
		mr_vma_split(mm, v, start, 1);
}

int64_t mr_range_call(mr_range_run run, mr_mm *mm, uint64_t start, uint64_t len,
		      uint64_t arg, int64_t recorded)
{
	int64_t pred;

	if (recorded == MR_RESULT_UNKNOWN)
		return run(mm, start, len, arg, 0);
	pred = run(mm, start, len, arg, 1);
	/* The real run stops where the kernel stops; a recorded failure
	 * the model did not predict changes nothing. */
	if (recorded == pred || recorded == 0 || recorded == -ENOMEM)
		run(mm, start, len, arg, 0);
	return pred;
}

int mr_range_args(uint64_t start, uint64_t len_in, uint64_t *end)
{
	uint64_t len = MR_PAGE_ALIGN(len_in);

	if (start & ~MR_PAGE_MASK)
		return -EINVAL;
	if (len_in && !len)
		return -EINVAL; /* rounded up from a small negative */
	*end = start + len;
	if (*end < start)
		return -EINVAL;
	return *end != start;
}
