/*
 * fault.c - page faults as they change VMAs, and the population that
 * mlock, MAP_POPULATE and friends do.
 *
 * A fault changes a VMA in two ways the maps can show:
 *
 *   - below a VM_GROWSDOWN VMA it grows the VMA down to the faulting page
 *     (expand_downwards(): not closer than stack_guard_gap to an
 *     accessible VMA below, not larger than RLIMIT_STACK, not below
 *     mmap_min_addr); stack growth never merges;
 *
 *        0123456789
 *        AA     SSS   fault at 4: S grows to [4, 9)
 *        AA   SSSSS
 *
 *   - a write to private memory, and a read of anonymous memory that THP
 *     may back with a huge page, gives the VMA an anon_vma
 *     (vmf_anon_prepare(): do_anonymous_page, do_cow_fault, do_wp_page,
 *     do_huge_pmd_anonymous_page), which decides later merges.
 *
 * Population (__mm_populate(), populate_vma_page_range()) faults every
 * page of a private writable VMA for writing, so it gets an anon_vma too;
 * VM_LOCKONFAULT VMAs and VM_IO/VM_PFNMAP ones are not populated.
 *
 * Mirrors Linux 6.18 arch/x86/mm/fault.c (do_user_addr_fault,
 * access_error), mm/mmap.c (expand_downwards, acct_stack_growth),
 * mm/memory.c and mm/gup.c.
 */
#include "engine/engine_int.h"

#include <errno.h>

#define PF_PROT 0x1
#define PF_WRITE 0x2

/* Whether THP may back the PMD around ADDR of anonymous VMA V with a huge
 * page (thp_vma_allowable_order() and thp_vma_suitable_order()). */
int mr_thp_pmd_ok(const mr_mm *mm, const mr_vma *v, uint64_t addr)
{
	uint64_t haddr = addr & ~(MR_PMD_SIZE - 1);
	int mode = mm->m->cfg.thp;

	if (v->flags & (MR_VM_NOHUGEPAGE | MR_VM_SPECIAL | MR_VM_HUGETLB))
		return 0;
	if (mode == MR_THP_NEVER ||
	    (mode == MR_THP_MADVISE && !(v->flags & MR_VM_HUGEPAGE)))
		return 0;
	return haddr >= v->start && haddr + MR_PMD_SIZE <= v->end;
}

/* Whether a read of [start, end) in V meets a PMD that THP may back. */
static int thp_in_range(const mr_mm *mm, const mr_vma *v, uint64_t start,
			uint64_t end)
{
	uint64_t s = start > v->start ? start : v->start;
	uint64_t e = end < v->end ? end : v->end;
	uint64_t up = (s + MR_PMD_SIZE - 1) & ~(MR_PMD_SIZE - 1);

	return s < e &&
	       (mr_thp_pmd_ok(mm, v, s) || (up < e && mr_thp_pmd_ok(mm, v, up)));
}

/* Whether the fault handler gives V an anon_vma for this fault. */
static int fault_needs_anon(const mr_mm *mm, const mr_vma *v, uint64_t addr,
			    unsigned code)
{
	if ((v->flags & (MR_VM_SHARED | MR_VM_SPECIAL)) ||
	    v->kind != MR_VMA_PLAIN)
		return 0;
	if (code & PF_WRITE)
		return 1;
	/* a read of anonymous memory maps the (huge) zero page, but the
	 * huge path prepares the anon_vma first */
	return !v->file && mr_thp_pmd_ok(mm, v, addr);
}

/* access_error(): whether the VMA refuses this access (SIGSEGV). */
static int access_error(const mr_vma *v, unsigned code)
{
	if (code & PF_WRITE)
		return !(v->flags & MR_VM_WRITE);
	if (code & PF_PROT)
		return 1;
	return !(v->flags & MR_VM_ACCESS);
}

/*
 * expand_downwards(): grow V (VM_GROWSDOWN) down to the page of ADDR.
 * Returns 0 or a negative errno (the fault then ends in SIGSEGV).
 */
static int expand_down(mr_mm *mm, mr_vma *v, uint64_t addr)
{
	const mr_config *c = &mm->m->cfg;
	const mr_vma *prev = mr_vma_prev(v);
	uint64_t grow;

	addr &= MR_PAGE_MASK;
	if (addr < c->mmap_min_addr)
		return -EPERM;
	if (prev && !(prev->flags & MR_VM_GROWSDOWN) &&
	    (prev->flags & MR_VM_ACCESS) &&
	    addr - prev->end < c->stack_guard_gap)
		return -ENOMEM;
	mr_anon_prepare(mm, v);
	grow = (v->start - addr) >> MR_PAGE_SHIFT;
	if (grow > v->pgoff)
		return -ENOMEM;
	/* acct_stack_growth(): the whole VMA against RLIMIT_STACK */
	if (c->stack_rlimit && v->end - addr > c->stack_rlimit)
		return -ENOMEM;
	mr_vma_set_range(mm, v, addr, v->end, v->pgoff - grow, 0);
	return 0;
}

int mr_mm_fault(mr_mm *mm, uint64_t addr, unsigned code)
{
	return mr_mm_fault_hint(mm, addr, code, NULL);
}

int mr_mm_fault_hint(mr_mm *mm, uint64_t addr, unsigned code,
		     const mr_fault_hint *h)
{
	mr_vma *v = mr_vma_tree_find_after(&mm->tree, addr);
	int out = 0, e;

	if (addr >= mm->m->cfg.task_size || !v)
		return -EFAULT;
	if (v->start > addr) {
		if (!(v->flags & MR_VM_GROWSDOWN))
			return -EFAULT;
		if (!v->anon_vma)
			out |= MR_FAULT_ANON; /* expand_downwards() prepares it
					       */
		e = expand_down(mm, v, addr);
		if (e)
			return e;
		out |= MR_FAULT_GREW;
	}
	if (access_error(v, code))
		return out ? out : -EACCES;
	if (!v->anon_vma && fault_needs_anon(mm, v, addr, code)) {
		mr_anon_prepare(mm, v);
		out |= MR_FAULT_ANON;
	}
	/* a write, or the anon_vma the fault gave: no longer assumed */
	if (v->anon_vma && ((code & PF_WRITE) || (out & MR_FAULT_ANON)))
		mr_wstate_known(mm, v);
	mr_phys_fault(mm, v, addr, code, h);
	return out;
}

void mr_populate(mr_mm *mm, uint64_t start, uint64_t end, int write)
{
	mr_vma *v;

	for (v = mr_vma_tree_find_after(&mm->tree, start); v && v->start < end;
	     v = mr_vma_next(v)) {
		if (v->flags & (MR_VM_IO | MR_VM_PFNMAP | MR_VM_LOCKONFAULT))
			continue;
		/* GUP refuses PROT_NONE; private writable memory is
		 * faulted for writing, the rest for reading */
		if (v->flags & MR_VM_ACCESS)
			mr_phys_populate(mm, v, start, end,
					 write && (v->flags & (MR_VM_WRITE |
							       MR_VM_SHARED)) ==
							  MR_VM_WRITE);
		/* a write fault per page breaks COW of private writable
		 * memory; other VMAs are read-faulted */
		if ((write &&
		     (v->flags & (MR_VM_WRITE | MR_VM_SHARED)) == MR_VM_WRITE &&
		     v->kind == MR_VMA_PLAIN && !(v->flags & MR_VM_SPECIAL)) ||
		    (!v->file && !(v->flags & MR_VM_SHARED) &&
		     v->kind == MR_VMA_PLAIN && (v->flags & MR_VM_ACCESS) &&
		     thp_in_range(mm, v, start, end))) {
			/* written (or a THP read): no longer assumed */
			mr_anon_prepare(mm, v);
			mr_wstate_known(mm, v);
		}
	}
}
