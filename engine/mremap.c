/*
 * mremap.c - mremap(2): shrink, grow in place, move (MREMAP_MAYMOVE,
 * MREMAP_FIXED, MREMAP_DONTUNMAP), and the multi-VMA move of a fixed,
 * same-size remap.
 *
 * Mirrors Linux 6.18 mm/mremap.c (do_mremap, check_mremap_params,
 * check_prep_vma, remap_move, mremap_to, mremap_at, expand_vma,
 * move_vma, dontunmap_complete) and copy_vma() in mm/vma.c.
 *
 * The prediction is a dry run of the same code (struct remap.apply == 0):
 * the kernel's later checks read state that its earlier unmaps (the
 * MREMAP_FIXED destination, the shrunk tail) cannot have changed, since
 * neither overlaps the source range, except map_count, which the dry run
 * carries along. Applying runs the code again for real, so a failure
 * after a partial change (the destination already unmapped) leaves the
 * model as it leaves the kernel.
 *
 * Limits measured on 6.18 (max_map_count lowered): a remap that names a
 * destination fails with ENOMEM when map_count + 2 >= max_map_count - 3;
 * a move fails when map_count >= max_map_count - 3; a plain shrink does
 * not check; MREMAP_DONTUNMAP keeps VM_ACCOUNT on the source.
 */
#include "engine/engine_int.h"

#include <errno.h>
#include <string.h>

#define MREMAP_MAYMOVE_ 1
#define MREMAP_FIXED_ 2
#define MREMAP_DONTUNMAP_ 4

/* One call as do_mremap() threads it through (struct vma_remap_struct). */
struct remap {
	mr_mm *mm;
	int apply;	   /* 1: change the model; 0: dry run */
	uint64_t count;	   /* map_count as the call has left it so far */
	uint64_t addr;	   /* source start */
	uint64_t old_len;  /* source length */
	uint64_t new_len;  /* new length */
	uint64_t flags;	   /* MREMAP_* */
	uint64_t new_addr; /* destination (FIXED, DONTUNMAP hint, chosen) */
};

static int names_dest(const struct remap *r)
{
	return !!(r->flags & (MREMAP_FIXED_ | MREMAP_DONTUNMAP_));
}

/* vrm_overlaps(): source and destination ranges share an address. */
static int overlaps(const struct remap *r)
{
	return r->addr + r->old_len > r->new_addr &&
	       r->new_addr + r->new_len > r->addr;
}

/* Plain anonymous memory: vma_is_anonymous() (no vm_ops). */
static int anon_private(const mr_vma *v)
{
	return !v->file && !(v->flags & MR_VM_MAYSHARE) &&
	       (v->kind == MR_VMA_PLAIN || v->kind == MR_VMA_STACK);
}

/* The change of map_count that unmapping [start, end) makes. */
static int64_t unmap_delta(const mr_mm *mm, uint64_t start, uint64_t end)
{
	const mr_vma *v = mr_vma_tree_find_after(&mm->tree, start);
	int64_t d = 0;

	if (!v || v->start >= end)
		return 0;
	if (v->start < start && v->end > end)
		return 1;
	for (; v && v->start < end; v = mr_vma_next(v))
		if (v->start >= start && v->end <= end)
			d--;
	return d;
}

/* do_vmi_munmap() of [start, end): its errors, then the unmap. */
static int64_t remap_munmap(struct remap *r, uint64_t start, uint64_t end)
{
	mr_mm *mm = r->mm;

	int e = mr_unmap_check(mm, start, end, r->count);

	if (e) {
		if (r->apply && e != -ENOMEM)
			mr_unmap_failed_split(mm, start, end);
		return e;
	}
	if (r->apply) {
		mr_unmap_range(mm, start, end);
		r->count = mm->tree.count;
	} else {
		r->count = (uint64_t)((int64_t)r->count +
				      unmap_delta(mm, start, end));
	}
	return 0;
}

/* check_prep_vma(): V is the VMA at r->addr (NULL if none). */
static int64_t prep(const struct remap *r, const mr_vma *v)
{
	uint64_t old_len = r->old_len, new_len = r->new_len, pgoff;

	if (!v)
		return -EFAULT;
	if (v->flags & MR_VM_SEALED)
		return -EPERM;
	if (new_len <= old_len && !names_dest(r)) {
		/* shrink (the tail unmapped: a split there may be refused)
		 * or no-op in place */
		const mr_vma *t =
			mr_vma_tree_find(&r->mm->tree, r->addr + new_len);

		if (new_len < old_len && t &&
		    mr_split_refused(r->mm, t, r->addr + new_len))
			return -EINVAL;
		return 0;
	}
	if (!old_len && !(v->flags & (MR_VM_SHARED | MR_VM_MAYSHARE)))
		return -EINVAL;
	if ((r->flags & MREMAP_DONTUNMAP_) &&
	    (v->flags & (MR_VM_DONTEXPAND | MR_VM_PFNMAP)))
		return -EINVAL;
	if (new_len < old_len)
		old_len = new_len; /* the shrunk tail may cross VMAs */
	if (old_len > v->end - r->addr)
		return -EFAULT;
	if (new_len == old_len)
		return 0;
	pgoff = v->pgoff + ((r->addr - v->start) >> MR_PAGE_SHIFT);
	if (pgoff + (new_len >> MR_PAGE_SHIFT) < pgoff)
		return -EINVAL;
	if (v->flags & (MR_VM_DONTEXPAND | MR_VM_PFNMAP))
		return -EFAULT;
	/* a locked VMA's growth must fit RLIMIT_MEMLOCK, any growth
	 * RLIMIT_AS (and data memory's RLIMIT_DATA) */
	if (!mr_mlock_future_ok(r->mm, v->flags, new_len - old_len))
		return -EAGAIN;
	if (!mr_may_expand_vm(r->mm, v->flags,
			      (new_len - old_len) >> MR_PAGE_SHIFT))
		return -ENOMEM;
	/* vrm_calc_charge(): an accounted VMA's growth is committed */
	if ((v->flags & MR_VM_ACCOUNT) &&
	    mr_commit_refused(r->mm, (new_len - old_len) >> MR_PAGE_SHIFT))
		return -ENOMEM;
	return 0;
}

/* vrm_set_new_addr(): choose the destination like mmap would. */
static int64_t set_new_addr(struct remap *r)
{
	mr_mm *mm = r->mm;
	const mr_vma *v = mr_vma_tree_find(&mm->tree, r->addr);
	uint64_t pgoff = v->pgoff + ((r->addr - v->start) >> MR_PAGE_SHIFT);
	uint64_t mflags = 0;
	mr_fileref f;
	int64_t a;

	if (r->flags & MREMAP_FIXED_)
		mflags |= MAP_FIXED_;
	if (v->flags & MR_VM_MAYSHARE)
		mflags |= MAP_SHARED_;
	memset(&f, 0, sizeof(f));
	f.file = v->file;
	f.ofd = v->ofd;
	a = mr_get_unmapped_area(mm, names_dest(r) ? r->new_addr : 0,
				 r->new_len, mflags, v->file ? &f : NULL,
				 pgoff);
	if (a >= 0)
		r->new_addr = (uint64_t)a;
	return a;
}

/*
 * copy_vma() + move_page_tables() + unmap_source_vma() or
 * dontunmap_complete(): the model's part of move_vma(), for real.
 */
static void move_apply(struct remap *r)
{
	mr_mm *mm = r->mm;
	mr_vma *v = mr_vma_tree_find(&mm->tree, r->addr);
	struct mr_prop p;
	mr_vma *nv;
	int resv;

	if (!v)
		return;
	memset(&p, 0, sizeof(p));
	p.start = r->new_addr;
	p.end = r->new_addr + r->new_len;
	/* An anonymous VMA that never faulted takes the pgoff of its new
	 * place; everything else keeps its offset. */
	if (anon_private(v) && !v->anon_vma)
		p.pgoff = r->new_addr >> MR_PAGE_SHIFT;
	else
		p.pgoff = v->pgoff + ((r->addr - v->start) >> MR_PAGE_SHIFT);
	p.flags = v->flags;
	p.file = v->file;
	p.ofd = v->ofd;
	p.name = v->name;
	/* [stack] names the VMA holding the stack start; a copy elsewhere
	 * is plain anonymous memory. */
	p.kind = v->kind == MR_VMA_STACK ? MR_VMA_PLAIN : v->kind;
	p.anon_vma = v->anon_vma;
	p.src_forked = v->anon_forked;
	p.copied = 1;
	p.src = v;
	nv = mr_map_range(mm, &p, 0);
	/* move_page_tables(): the pages, guard markers and faulted huge
	 * pages go with them */
	mr_phys_move(mm, r->addr, r->new_addr, r->old_len);
	mr_ranges_move(&mm->guard, r->addr, r->new_addr, r->old_len);
	mr_ranges_move(&mm->hfault, r->addr, r->new_addr, r->old_len);
	resv = v->huge_resv;
	if (r->flags & MREMAP_DONTUNMAP_) {
		v = mr_vma_tree_find(&mm->tree, r->addr);
		if (v && v != nv) {
			int whole = v->start == r->addr &&
				    v->end == r->addr + r->old_len;

			/* "we won't unmap, so we don't touch locked_vm":
			 * the source VMA, all of it (it is not split), loses
			 * VM_LOCKED and stays counted in VmLck (measured: a
			 * one-page DONTUNMAP out of an 11-page locked VMA
			 * leaves 44 kB) */
			if (v->flags & MR_VM_LOCKED) {
				mm->locked_extra += mr_vma_pages(v);
				mr_mm_rehash(mm);
			}
			mr_vma_change_begin(mm, v);
			v->flags &= ~(MR_VM_LOCKED | MR_VM_LOCKONFAULT);
			if (whole) { /* unlink_anon_vmas() */
				mr_av_unlink(mm->m, v);
				v->anon_vma = v->anon_forked = 0;
			}
			mr_vma_change_end(mm, v, 0);
		}
	} else {
		/* move_vma() puts hiwater_vm back after unmapping the
		 * source: the moment both exist is no peak */
		uint64_t hw = mm->hiwater_vm;

		mr_unmap_range(mm, r->addr, r->addr + r->old_len);
		if (mm->hiwater_vm != hw) {
			mm->hiwater_vm = hw;
			mr_mm_rehash(mm);
		}
	}
	/* a private hugetlb mapping's reservation moves with it (the
	 * unmap above gave the source's back) */
	if (resv && nv && mr_vma_huge_size(mm, nv)) {
		uint64_t hs = mr_vma_huge_size(mm, nv);
		uint64_t *av = &mm->m->cfg.huge_avail[hs > MR_PMD_SIZE];
		uint64_t n = (nv->end - nv->start) / hs;

		nv->huge_resv = 1;
		*av = *av > n ? *av - n : 0;
	}
	r->count = mm->tree.count;
}

/* move_vma(): prep_move_vma()'s limit, then the move. */
static int64_t move(struct remap *r)
{
	mr_mm *mm = r->mm;
	uint64_t max = mm->m->cfg.max_map_count;

	if (r->count + 3 >= max)
		return -ENOMEM;
	if (r->apply) {
		move_apply(r);
	} else {
		r->count++; /* the copy, when it does not merge */
		if (!(r->flags & MREMAP_DONTUNMAP_))
			r->count =
				(uint64_t)((int64_t)r->count +
					   unmap_delta(mm, r->addr,
						       r->addr + r->old_len));
	}
	return (int64_t)r->new_addr;
}

/* mremap_to(): a move to a named destination. */
static int64_t remap_to(struct remap *r)
{
	int64_t rc;

	if (r->flags & MREMAP_FIXED_) {
		rc = remap_munmap(r, r->new_addr, r->new_addr + r->new_len);
		if (rc)
			return rc;
		if (!mr_vma_tree_find(&r->mm->tree, r->addr))
			return -EFAULT;
	}
	if (r->new_len < r->old_len) {
		rc = remap_munmap(r, r->addr + r->new_len,
				  r->addr + r->old_len);
		if (rc)
			return rc;
		if (!mr_vma_tree_find(&r->mm->tree, r->addr))
			return -EFAULT;
		r->old_len = r->new_len;
	}
	/* the source stays mapped: the address space grows by it */
	if (r->flags & MREMAP_DONTUNMAP_) {
		const mr_vma *v = mr_vma_tree_find(&r->mm->tree, r->addr);

		if (v && !mr_may_expand_vm(r->mm, v->flags,
					   r->old_len >> MR_PAGE_SHIFT))
			return -ENOMEM;
	}
	rc = set_new_addr(r);
	if (rc < 0)
		return rc;
	return move(r);
}

/* vma_expandable(): [end of V, + delta) is free and below TASK_SIZE. */
static int expandable(const mr_mm *mm, const mr_vma *v, uint64_t delta)
{
	uint64_t end = v->end + delta;
	const mr_vma *next = mr_vma_next(v);

	if (end < v->end || end > mm->m->cfg.task_size)
		return 0;
	return !next || next->start >= end;
}

/* expand_vma_in_place(): vma_merge_extend() of V by DELTA. */
static void expand_apply(mr_mm *mm, mr_vma *v, uint64_t delta)
{
	struct mr_prop p;

	memset(&p, 0, sizeof(p));
	p.start = v->end;
	p.end = v->end + delta;
	p.pgoff = v->pgoff + mr_vma_pages(v);
	p.flags = v->flags;
	p.file = v->file;
	p.ofd = v->ofd;
	p.name = v->name;
	p.kind = v->kind;
	p.anon_vma = v->anon_vma;
	p.src_forked = v->anon_forked;
	p.copied = 1; /* no source VMA in the merge checks */
	mr_map_range(mm, &p, 0);
}

/* mremap_at(): resize where it is, or move anywhere (MREMAP_MAYMOVE). */
static int64_t remap_at(struct remap *r)
{
	mr_mm *mm = r->mm;
	mr_vma *v;
	int64_t rc;

	if (r->new_len == r->old_len)
		return (int64_t)r->addr;
	if (r->new_len < r->old_len) {
		rc = remap_munmap(r, r->addr + r->new_len,
				  r->addr + r->old_len);
		return rc ? rc : (int64_t)r->addr;
	}
	v = mr_vma_tree_find(&mm->tree, r->addr);
	if (v->end - r->addr == r->old_len &&
	    expandable(mm, v, r->new_len - r->old_len)) {
		if (r->apply)
			expand_apply(mm, v, r->new_len - r->old_len);
		return (int64_t)r->addr;
	}
	if (!(r->flags & MREMAP_MAYMOVE_))
		return -ENOMEM;
	rc = set_new_addr(r);
	if (rc < 0)
		return rc;
	return move(r);
}

/*
 * remap_move(): MREMAP_FIXED with old_len == new_len moves every VMA in
 * the source range, keeping the gaps between them; the range must start
 * inside a VMA. Returns the first piece's new address.
 */
static int64_t remap_move(struct remap *r)
{
	uint64_t start = r->addr, end = r->addr + r->old_len;
	uint64_t target = r->new_addr, last_end = 0, cursor = start;
	int64_t res = -EFAULT;
	int seen = 0;
	mr_vma *v;

	while (cursor < end &&
	       (v = mr_vma_tree_find_after(&r->mm->tree, cursor)) &&
	       v->start < end) {
		uint64_t a = v->start > start ? v->start : start;
		uint64_t len = (v->end < end ? v->end : end) - a;
		uint64_t offset = seen ? v->start - last_end : 0;
		struct remap sub = *r;
		int64_t rc;

		if (!seen && start < v->start)
			return -EFAULT;
		last_end = v->end;
		sub.addr = a;
		sub.new_addr = target + offset;
		sub.old_len = sub.new_len = len;
		rc = prep(&sub, v);
		if (!rc)
			rc = remap_to(&sub);
		r->count = sub.count;
		if (rc < 0)
			return rc;
		if (!seen)
			res = rc;
		seen = 1;
		target = (uint64_t)rc + len;
		cursor = a + len;
	}
	return res;
}

/* do_mremap(). */
static int64_t do_mremap(struct remap *r)
{
	const mr_config *c = &r->mm->m->cfg;
	uint64_t max = c->max_map_count;
	int64_t rc;

	r->old_len = MR_PAGE_ALIGN(r->old_len);
	r->new_len = MR_PAGE_ALIGN(r->new_len);
	/* check_mremap_params() */
	if (r->flags &
	    ~(uint64_t)(MREMAP_MAYMOVE_ | MREMAP_FIXED_ | MREMAP_DONTUNMAP_))
		return -EINVAL;
	if (r->addr & ~MR_PAGE_MASK)
		return -EINVAL;
	if (!r->new_len || r->new_len > c->task_size)
		return -EINVAL;
	if (names_dest(r)) {
		if (r->new_addr > c->task_size - r->new_len)
			return -EINVAL;
		if (r->new_addr & ~MR_PAGE_MASK)
			return -EINVAL;
		if (!(r->flags & MREMAP_MAYMOVE_))
			return -EINVAL;
		if ((r->flags & MREMAP_DONTUNMAP_) && r->old_len != r->new_len)
			return -EINVAL;
		if (overlaps(r))
			return -EINVAL;
		if (r->count + 2 + 3 >= max)
			return -ENOMEM;
	}
	{
		/* a hugetlb VMA: lengths in whole huge pages, addresses on
		 * huge page boundaries, and no growth (its reservation
		 * cannot be split) */
		const mr_vma *v = mr_vma_tree_find(&r->mm->tree, r->addr);
		uint64_t hs = v ? mr_vma_huge_size(r->mm, v) : 0;

		if (hs) {
			r->old_len = (r->old_len + hs - 1) & ~(hs - 1);
			r->new_len = (r->new_len + hs - 1) & ~(hs - 1);
			if ((r->addr & (hs - 1)) ||
			    (names_dest(r) && (r->new_addr & (hs - 1))))
				return -EINVAL;
			if (r->new_len > r->old_len)
				return -EINVAL;
		}
	}
	if ((r->flags & MREMAP_FIXED_) && r->old_len == r->new_len)
		return remap_move(r);
	rc = prep(r, mr_vma_tree_find(&r->mm->tree, r->addr));
	if (rc)
		return rc;
	return names_dest(r) ? remap_to(r) : remap_at(r);
}

/*
 * The kernel did something else than predicted and returned RES: make the
 * model hold what a remap to RES leaves, as far as it can be known.
 */
static void force_apply(mr_mm *mm, struct remap *r, uint64_t res)
{
	uint64_t ol = MR_PAGE_ALIGN(r->old_len), nl = MR_PAGE_ALIGN(r->new_len);
	mr_vma *v = mr_vma_tree_find(&mm->tree, r->addr);

	if (!v || !nl)
		return;
	if (ol > v->end - r->addr)
		ol = v->end - r->addr;
	if (nl < ol) {
		mr_unmap_range(mm, r->addr + nl, r->addr + ol);
		ol = nl;
	}
	if (res == r->addr) {
		/* resized where it was */
		if (nl > ol) {
			mr_unmap_range(mm, r->addr + ol, r->addr + nl);
			v = mr_vma_tree_find(&mm->tree, r->addr);
			if (v)
				expand_apply(mm, v, r->addr + nl - v->end);
		}
		return;
	}
	if (r->addr + ol > res && res + nl > r->addr)
		return; /* cannot be: the kernel refuses overlaps */
	mr_unmap_range(mm, res, res + nl);
	r->apply = 1;
	r->old_len = ol;
	r->new_len = nl;
	r->new_addr = res;
	move_apply(r);
}

int64_t mr_mm_mremap(mr_mm *mm, uint64_t addr, uint64_t old_len,
		     uint64_t new_len, uint64_t flags, uint64_t new_addr,
		     int64_t recorded)
{
	struct remap r0 = {mm,	    0,	     mm->tree.count, addr,
			   old_len, new_len, flags,	     new_addr};
	struct remap r = r0;
	int64_t pred = do_mremap(&r);

	if (recorded == MR_RESULT_UNKNOWN)
		recorded = pred;
	if (recorded == pred && pred != MR_PRED_NONE) {
		r = r0;
		r.apply = 1;
		do_mremap(&r);
	} else if (recorded >= 0) {
		r = r0;
		force_apply(mm, &r, (uint64_t)recorded);
	}
	/* do_mremap(): a locked VMA that grew has its new part populated */
	if (recorded >= 0 && recorded != MR_PRED_NONE &&
	    MR_PAGE_ALIGN(new_len) > MR_PAGE_ALIGN(old_len)) {
		uint64_t from = (uint64_t)recorded + MR_PAGE_ALIGN(old_len);
		const mr_vma *v = mr_vma_tree_find(&mm->tree, from);

		if (v && (v->flags & MR_VM_LOCKED))
			mr_populate(mm, from,
				    (uint64_t)recorded + MR_PAGE_ALIGN(new_len),
				    1);
	}
	return pred;
}
