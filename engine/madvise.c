/*
 * madvise.c - madvise(2): the advices that change vm_flags (and so split
 * and merge VMAs like mprotect) and the checks of those that only act on
 * pages (DONTNEED, FREE, REMOVE, WILLNEED, COLD, PAGEOUT, ...), which
 * change no VMA here.
 *
 * Mirrors Linux 6.18 mm/madvise.c: madvise_do_behavior,
 * madvise_walk_vmas (holes are skipped and reported as ENOMEM at the end),
 * madvise_vma_behavior (a failed split is EAGAIN), ksm_madvise and
 * hugepage_madvise.
 */
#include "engine/engine_int.h"

#include <errno.h>

enum {
	MADV_NORMAL_ = 0,
	MADV_RANDOM_ = 1,
	MADV_SEQUENTIAL_ = 2,
	MADV_WILLNEED_ = 3,
	MADV_DONTNEED_ = 4,
	MADV_FREE_ = 8,
	MADV_REMOVE_ = 9,
	MADV_DONTFORK_ = 10,
	MADV_DOFORK_ = 11,
	MADV_MERGEABLE_ = 12,
	MADV_UNMERGEABLE_ = 13,
	MADV_HUGEPAGE_ = 14,
	MADV_NOHUGEPAGE_ = 15,
	MADV_DONTDUMP_ = 16,
	MADV_DODUMP_ = 17,
	MADV_WIPEONFORK_ = 18,
	MADV_KEEPONFORK_ = 19,
	MADV_COLD_ = 20,
	MADV_PAGEOUT_ = 21,
	MADV_POPULATE_READ_ = 22,
	MADV_POPULATE_WRITE_ = 23,
	MADV_DONTNEED_LOCKED_ = 24,
	MADV_COLLAPSE_ = 25,
	MADV_GUARD_INSTALL_ = 102,
	MADV_GUARD_REMOVE_ = 103,
};

/* madvise_behavior_valid() on this kernel's configuration. */
static int advice_valid(uint64_t adv)
{
	return adv <= MADV_DONTNEED_ ||
	       (adv >= MADV_FREE_ && adv <= MADV_COLLAPSE_) ||
	       adv == MADV_GUARD_INSTALL_ || adv == MADV_GUARD_REMOVE_;
}

/* Advices that discard pages: refused on sealed read-only anonymous. */
static int advice_discards(uint64_t adv)
{
	return adv == MADV_DONTNEED_ || adv == MADV_FREE_ ||
	       adv == MADV_REMOVE_ || adv == MADV_DONTNEED_LOCKED_ ||
	       adv == MADV_DONTFORK_ || adv == MADV_WIPEONFORK_ ||
	       adv == MADV_GUARD_INSTALL_;
}

static int vma_anonymous(const mr_vma *v)
{
	return !v->file && !(v->flags & MR_VM_MAYSHARE) &&
	       (v->kind == MR_VMA_PLAIN || v->kind == MR_VMA_STACK);
}

/*
 * thp_vma_allowable_order() for MADV_COLLAPSE (TVA_FORCED_COLLAPSE):
 * THP not refused (VM_NOHUGEPAGE, VM_NO_KHUGEPAGED), an aligned 2 MiB
 * block inside the VMA (thp_vma_suitable_order() at the VMA's end; for
 * a file, its offset lined up too), and anonymous memory
 * that has an anon_vma, or shmem. Other files would need
 * CONFIG_READ_ONLY_THP_FOR_FS.
 */
static int collapse_allowed(const mr_vma *v)
{
	uint64_t haddr;

	if (v->flags & (MR_VM_NOHUGEPAGE | MR_VM_SPECIAL | MR_VM_HUGETLB))
		return 0;
	if (v->end < MR_PMD_SIZE)
		return 0;
	haddr = (v->end - MR_PMD_SIZE) & ~(MR_PMD_SIZE - 1);
	if (haddr < v->start)
		return 0;
	/* the file offset must line up (anonymous memory: no check) */
	if (!vma_anonymous(v) && (((v->start >> MR_PAGE_SHIFT) - v->pgoff) &
				  ((MR_PMD_SIZE >> MR_PAGE_SHIFT) - 1)))
		return 0;
	if (vma_anonymous(v))
		return v->anon_vma != 0;
	return mr_vma_anon_shmem(v);
}

/*
 * madvise_vma_behavior() for [start, end) of V: *nf gets the new flags
 * (equal to the old ones when the advice changes none); returns 0 or an
 * errno (MR_PRED_NONE when the outcome depends on pages the model does
 * not know).
 */
static int64_t behavior(const mr_mm *mm, const mr_vma *v, uint64_t adv,
			uint64_t start, uint64_t end, uint64_t *nf)
{
	uint64_t f = v->flags;

	if ((f & MR_VM_SEALED) && advice_discards(adv) && vma_anonymous(v) &&
	    !(f & MR_VM_WRITE))
		return -EPERM; /* can_madvise_modify() */
	switch (adv) {
	case MADV_NORMAL_:
		f &= ~(MR_VM_RAND_READ | MR_VM_SEQ_READ);
		break;
	case MADV_SEQUENTIAL_:
		f = (f & ~MR_VM_RAND_READ) | MR_VM_SEQ_READ;
		break;
	case MADV_RANDOM_:
		f = (f & ~MR_VM_SEQ_READ) | MR_VM_RAND_READ;
		break;
	case MADV_DONTFORK_:
		f |= MR_VM_DONTCOPY;
		break;
	case MADV_DOFORK_:
		if (f & MR_VM_IO)
			return -EINVAL;
		f &= ~MR_VM_DONTCOPY;
		break;
	case MADV_WIPEONFORK_:
		if (v->file || (f & MR_VM_SHARED))
			return -EINVAL;
		f |= MR_VM_WIPEONFORK;
		break;
	case MADV_KEEPONFORK_:
		if (f & MR_VM_DROPPABLE)
			return -EINVAL;
		f &= ~MR_VM_WIPEONFORK;
		break;
	case MADV_DONTDUMP_:
		f |= MR_VM_DONTDUMP;
		break;
	case MADV_DODUMP_:
		if ((!(f & MR_VM_HUGETLB) && (f & MR_VM_SPECIAL)) ||
		    (f & MR_VM_DROPPABLE))
			return -EINVAL;
		f &= ~MR_VM_DONTDUMP;
		break;
	case MADV_MERGEABLE_:
		/* vma_ksm_compatible(): not shared, not special */
		if (!(f & (MR_VM_SHARED | MR_VM_MAYSHARE | MR_VM_SPECIAL |
			   MR_VM_HUGETLB | MR_VM_DROPPABLE)))
			f |= MR_VM_MERGEABLE;
		break;
	case MADV_UNMERGEABLE_:
		f &= ~MR_VM_MERGEABLE;
		break;
	case MADV_HUGEPAGE_:
		f = (f & ~MR_VM_NOHUGEPAGE) | MR_VM_HUGEPAGE;
		break;
	case MADV_NOHUGEPAGE_:
		f = (f & ~MR_VM_HUGEPAGE) | MR_VM_NOHUGEPAGE;
		break;
	case MADV_DONTNEED_:
	case MADV_DONTNEED_LOCKED_:
	case MADV_FREE_:
		/* madvise_dontneed_free_valid_vma(): a hugetlb VMA takes
		 * DONTNEED from a huge page boundary only, FREE never */
		if (f & MR_VM_HUGETLB) {
			uint64_t hs = mr_vma_huge_size(mm, v);

			if (adv == MADV_FREE_ || (hs && (start & (hs - 1))))
				return -EINVAL;
		} else if (f & (MR_VM_PFNMAP |
				(adv != MADV_DONTNEED_LOCKED_ ? MR_VM_LOCKED
							      : 0))) {
			return -EINVAL;
		}
		/* madvise_free_single_vma(): anonymous memory only */
		if (adv == MADV_FREE_ && !vma_anonymous(v))
			return -EINVAL;
		break;
	case MADV_REMOVE_:
		/* madvise_remove(): not locked, a file (shmem included),
		 * mapped shared and may-write */
		if (f & MR_VM_LOCKED)
			return -EINVAL;
		if (!v->file && !mr_vma_anon_shmem(v))
			return -EINVAL;
		if ((f & (MR_VM_SHARED | MR_VM_MAYWRITE)) !=
		    (MR_VM_SHARED | MR_VM_MAYWRITE))
			return -EACCES;
		break;
	case MADV_COLD_:
	case MADV_PAGEOUT_:
		/* can_madv_lru_vma() */
		if (f & (MR_VM_LOCKED | MR_VM_PFNMAP | MR_VM_HUGETLB))
			return -EINVAL;
		break;
	case MADV_COLLAPSE_:
		/* madvise_collapse(): refused VMAs are EINVAL; a range
		 * holding no aligned 2 MiB block collapses nothing (0);
		 * otherwise the outcome depends on the pages there */
		if (!collapse_allowed(v))
			return -EINVAL;
		if (((start + MR_PMD_SIZE - 1) & ~(MR_PMD_SIZE - 1)) <
		    (end & ~(MR_PMD_SIZE - 1)))
			return MR_PRED_NONE;
		break;
	case MADV_GUARD_INSTALL_:
		/* is_valid_guard_vma(vma, false) */
		if (f & (MR_VM_SPECIAL | MR_VM_HUGETLB | MR_VM_LOCKED))
			return -EINVAL;
		break;
	case MADV_GUARD_REMOVE_:
		if (f & (MR_VM_SPECIAL | MR_VM_HUGETLB))
			return -EINVAL;
		break;
	default:
		break; /* advices on pages only */
	}
	*nf = f;
	return 0;
}

/*
 * madvise_walk_vmas(). DRY=1 computes the result only. Holes are skipped
 * and reported as ENOMEM at the end; any other error stops the walk where
 * it happens, the VMAs before it staying changed.
 */
static int64_t madvise_run(mr_mm *mm, uint64_t start, uint64_t len_in,
			   uint64_t adv, int dry)
{
	uint64_t end;
	mr_vma *v, *prev;
	const mr_vma *dprev; /* dry run: prev as the real run would see it */
	mr_vma sim;	     /* dry run: storage for that prev */
	size_t count = mm->tree.count;
	int64_t unmapped = 0;
	int ok;

	if (!advice_valid(adv))
		return -EINVAL;
	ok = mr_range_args(start, len_in, &end);
	if (ok <= 0)
		return ok;
	v = mr_vma_tree_find_after(&mm->tree, start);
	prev = v && start > v->start ? v : (v ? mr_vma_prev(v) : NULL);
	dprev = prev;
	/* the pages the whole call may drop, shared by its VMAs */
	if (!dry && (adv == MADV_FREE_ || adv == MADV_COLD_ ||
		     adv == MADV_PAGEOUT_))
		mr_phys_advise_begin(mm, start, end, adv == MADV_PAGEOUT_);
	for (;;) {
		const mr_vma *last;
		uint64_t nf, rend;
		int64_t e;
		int err;

		if (!v)
			return -ENOMEM;
		if (start < v->start) {
			unmapped = -ENOMEM;
			start = v->start;
			if (start >= end)
				break;
		}
		rend = v->end < end ? v->end : end;
		e = behavior(mm, v, adv, start, rend, &nf);
		if (e)
			return e;
		/* zap_page_range_single(): the pages go, and DONTNEED's
		 * page-table reclaim frees the PTE tables left empty */
		if (!dry && (adv == MADV_DONTNEED_ ||
			     adv == MADV_DONTNEED_LOCKED_ ||
			     adv == MADV_REMOVE_ ||
			     adv == MADV_GUARD_INSTALL_)) {
			mr_phys_zap(mm, start, rend);
			if (adv == MADV_DONTNEED_ ||
			    adv == MADV_DONTNEED_LOCKED_)
				mr_phys_reclaim_tables(mm, start, rend);
		} else if (!dry && adv == MADV_FREE_) {
			mr_phys_lazyfree(mm, start, rend);
		} else if (!dry && adv == MADV_PAGEOUT_) {
			mr_phys_pageout(mm, start, rend);
		} else if (!dry && adv == MADV_COLD_) {
			mr_phys_cold(mm, start, rend);
		}
		/* madvise_guard_install(): markers in the page tables make
		 * the VMA one with an anon_vma (anon_vma_prepare()) */
		if (!dry && adv == MADV_GUARD_INSTALL_) {
			mr_anon_prepare(mm, v);
			mr_ranges_add(&mm->guard, start, rend);
		} else if (!dry && adv == MADV_GUARD_REMOVE_) {
			mr_ranges_del(&mm->guard, start, rend);
		}
		last = v;
		if (dry) {
			if (nf == v->flags) {
				sim = *v;
			} else if ((err = mr_vma_modify_dry(mm, dprev, v, start,
							    rend, nf, &sim,
							    &last, &count))) {
				return err == -ENOMEM ? -EAGAIN : err;
			}
			dprev = &sim;
			rend = sim.end;
		} else {
			if (nf != v->flags) {
				mr_vma *n = mr_vma_modify(mm, prev, v, start,
							  rend, nf, 1, &err);

				if (!n)
					return err == -ENOMEM ? -EAGAIN : err;
				last = n;
			}
			prev = (mr_vma *)last;
			rend = last->end;
		}
		if (rend >= end)
			break;
		v = mr_vma_tree_find_after(&mm->tree, rend);
		start = rend;
	}
	return unmapped;
}

/*
 * madvise_populate(): fault in every page of the range, as a write for
 * MADV_POPULATE_WRITE, VMA after VMA. A hole stops it with ENOMEM, a
 * VMA that refuses the access (VM_IO/VM_PFNMAP, not writable for a
 * write, not readable for a read) with EINVAL (measured: a write-only
 * or exec-only VMA refuses MADV_POPULATE_READ); the VMAs before keep what
 * was populated. DRY=1 computes the result only.
 */
static int64_t populate_run(mr_mm *mm, uint64_t start, uint64_t len_in,
			    uint64_t write, int dry)
{
	uint64_t end, at, to, taken[2] = {0, 0};
	const mr_vma *v;
	int ok = mr_range_args(start, len_in, &end);

	if (ok <= 0)
		return ok;
	for (at = start; at < end; at = to) {
		v = mr_vma_tree_find_after(&mm->tree, at);
		if (!v || v->start > at)
			return -ENOMEM;
		if ((v->flags & (MR_VM_IO | MR_VM_PFNMAP)) ||
		    !(v->flags & (write ? MR_VM_WRITE : MR_VM_READ)))
			return -EINVAL;
		to = v->end < end ? v->end : end;
		/* a guard marker's fault, or hugetlb memory with no page
		 * for it (SIGBUS), is EFAULT */
		if (mr_ranges_bytes(&mm->guard, at, to) ||
		    mr_huge_populate(mm, v, at, to, dry ? taken : NULL))
			return -EFAULT;
		if (!dry)
			mr_populate(mm, at, to, (int)write);
	}
	return 0;
}

int64_t mr_mm_madvise(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t adv,
		      int64_t recorded)
{
	/* MADV_HWPOISON and MADV_SOFT_OFFLINE exist only with
	 * CONFIG_MEMORY_FAILURE, which the kernels measured lack: invalid
	 * advices (EINVAL), as advice_valid() has them. */
	if (adv == MADV_POPULATE_READ_ || adv == MADV_POPULATE_WRITE_)
		return mr_range_call(populate_run, mm, addr, len,
				     adv == MADV_POPULATE_WRITE_, recorded);
	return mr_range_call(madvise_run, mm, addr, len, adv, recorded);
}

/* ---- msync ---- */

#define MS_ASYNC_ 1
#define MS_INVALIDATE_ 2
#define MS_SYNC_ 4

/*
 * msync() (mm/msync.c): checks only; the write-back itself changes no
 * VMA. A hole gives ENOMEM after the rest is walked, except with plain
 * MS_ASYNC, which stops there; MS_INVALIDATE on a locked VMA is EBUSY.
 * The fsync of a shared file mapping is taken to succeed.
 */
int64_t mr_mm_msync(mr_mm *mm, uint64_t start, uint64_t len, uint64_t flags)
{
	const mr_vma *v;
	int64_t unmapped = 0;
	uint64_t end;

	if ((flags & ~(uint64_t)(MS_ASYNC_ | MS_INVALIDATE_ | MS_SYNC_)) ||
	    (start & ~MR_PAGE_MASK) ||
	    ((flags & MS_ASYNC_) && (flags & MS_SYNC_)))
		return -EINVAL;
	len = MR_PAGE_ALIGN(len);
	end = start + len;
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	v = mr_vma_tree_find_after(&mm->tree, start);
	for (;;) {
		if (!v)
			return -ENOMEM;
		if (start < v->start) {
			if (flags == MS_ASYNC_)
				return -ENOMEM;
			start = v->start;
			if (start >= end)
				return -ENOMEM;
			unmapped = -ENOMEM;
		}
		if ((flags & MS_INVALIDATE_) && (v->flags & MR_VM_LOCKED))
			return -EBUSY;
		start = v->end;
		if (start >= end)
			return unmapped;
		v = mr_vma_tree_find_after(&mm->tree, start);
	}
}

/* ---- prctl(PR_SET_VMA) ---- */

#define PR_SET_VMA_ANON_NAME_ 0

/*
 * prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len, name): without
 * CONFIG_ANON_VMA_NAME (the kernels measured) every call is EINVAL.
 * With it, naming splits and merges like a flag advice; that is not
 * modelled (no kernel here to check it against): no prediction, and the
 * VMAs keep the names the model gives them.
 */
int64_t mr_mm_set_vma_name(mr_mm *mm, uint64_t option, uint64_t addr,
			   uint64_t len)
{
	(void)addr;
	(void)len;
	if (!mm->m->cfg.anon_vma_name || option != PR_SET_VMA_ANON_NAME_)
		return -EINVAL;
	return MR_PRED_NONE;
}
