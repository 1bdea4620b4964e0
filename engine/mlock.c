/*
 * mlock.c - mlock(2), mlock2(2), munlock(2), mlockall(2), munlockall(2):
 * VM_LOCKED and VM_LOCKONFAULT on VMAs (split and merge like mprotect)
 * and on mm->def_flags (MCL_FUTURE); and mseal(2), VM_SEALED, which
 * walks ranges the same way.
 *
 * Mirrors Linux 6.18 mm/mlock.c: do_mlock, apply_vma_lock_flags,
 * mlock_fixup, apply_mlockall_flags, can_do_mlock, mlock_future_ok and
 * count_mm_mlocked_page_nr, with the process's RLIMIT_MEMLOCK and
 * CAP_IPC_LOCK (mr_mm.rlim, cap_ipc_lock: the capture's kernel.tsv, then
 * its setrlimit/prlimit64 calls); and may_expand_vm() of mm/mmap.c with
 * RLIMIT_AS and RLIMIT_DATA. The population that follows a lock gives
 * private writable VMAs an anon_vma (fault.c).
 */
#include "engine/engine_int.h"

#include <errno.h>
#include <string.h>

#define MLOCK_ONFAULT_ 0x01
#define MCL_CURRENT_ 1
#define MCL_FUTURE_ 2
#define MCL_ONFAULT_ 4

#define LOCKED_MASK (MR_VM_LOCKED | MR_VM_LOCKONFAULT)

void mr_mm_limits_copy(mr_mm *dst, const mr_mm *src)
{
	memcpy(dst->rlim, src->rlim, sizeof(dst->rlim));
	dst->cap_ipc_lock = src->cap_ipc_lock;
	dst->memlock_learn = src->memlock_learn;
	dst->memlock_ok = src->memlock_ok;
}

void mr_mm_set_rlimit(mr_mm *mm, int which, uint64_t bytes)
{
	if (which >= 0 && which < MR_RLIM__COUNT)
		mm->rlim[which] = bytes;
	if (which == MR_RLIM_MEMLOCK) /* the trace shows it (not the
					 capability) */
		mm->memlock_learn &= ~MR_LEARN_LIMIT;
}

uint64_t mr_mm_rlimit(const mr_mm *mm, int which)
{
	return which >= 0 && which < MR_RLIM__COUNT ? mm->rlim[which]
						    : MR_RLIM_INFINITY;
}

/* A limit in pages, as rlimit(R) >> PAGE_SHIFT. */
static uint64_t limit_pages(const mr_mm *mm, int which)
{
	return mm->rlim[which] >> MR_PAGE_SHIFT;
}

/* mm->locked_vm: the pages of VM_LOCKED VMAs, and those it keeps
 * counting after they left (status.c's VmLck) */
static uint64_t locked_vm(const mr_mm *mm)
{
	const mr_vma *v;
	uint64_t n = mm->locked_extra;

	for (v = mr_vma_tree_first(&mm->tree); v; v = mr_vma_next(v))
		if (v->flags & MR_VM_LOCKED)
			n += mr_vma_pages(v);
	return n;
}

/* mm->data_vm: the pages of data memory (is_data_mapping()) */
static uint64_t data_vm(const mr_mm *mm)
{
	const mr_vma *v;
	uint64_t n = 0;

	for (v = mr_vma_tree_first(&mm->tree); v; v = mr_vma_next(v))
		if ((v->flags & (MR_VM_WRITE | MR_VM_SHARED |
				 MR_VM_GROWSDOWN)) == MR_VM_WRITE)
			n += mr_vma_pages(v);
	return n;
}

int mr_can_do_mlock(const mr_mm *mm)
{
	return mm->rlim[MR_RLIM_MEMLOCK] != 0 || mm->cap_ipc_lock;
}

int mr_mlock_future_ok(const mr_mm *mm, uint64_t vm_flags, uint64_t bytes)
{
	if (!(vm_flags & MR_VM_LOCKED) || mm->cap_ipc_lock ||
	    mm->rlim[MR_RLIM_MEMLOCK] == MR_RLIM_INFINITY)
		return 1;
	return (bytes >> MR_PAGE_SHIFT) + locked_vm(mm) <=
	       limit_pages(mm, MR_RLIM_MEMLOCK);
}

int mr_may_expand_vm(const mr_mm *mm, uint64_t vm_flags, uint64_t npages)
{
	if (mm->rlim[MR_RLIM_AS] != MR_RLIM_INFINITY &&
	    mm->total_vm + npages > limit_pages(mm, MR_RLIM_AS))
		return 0;
	/* the data limit refuses (ignore_rlimit_data off), except the
	 * Valgrind workaround: a limit of 0 under an unlimited maximum,
	 * which the model takes the maximum to be */
	if (mm->rlim[MR_RLIM_DATA] != MR_RLIM_INFINITY &&
	    mm->rlim[MR_RLIM_DATA] != 0 &&
	    (vm_flags & (MR_VM_WRITE | MR_VM_SHARED | MR_VM_GROWSDOWN)) ==
		    MR_VM_WRITE &&
	    data_vm(mm) + npages > limit_pages(mm, MR_RLIM_DATA))
		return 0;
	return 1;
}

/* count_mm_mlocked_page_nr(): the pages of [start, start + len) that are
 * locked already */
static uint64_t locked_in(const mr_mm *mm, uint64_t start, uint64_t len)
{
	uint64_t end = start + len < start ? UINT64_MAX : start + len, n = 0;
	const mr_vma *v;

	for (v = mr_vma_tree_find_after(&mm->tree, start); v && v->start < end;
	     v = mr_vma_next(v)) {
		if (!(v->flags & MR_VM_LOCKED))
			continue;
		if (start > v->start)
			n -= start - v->start;
		if (end < v->end) {
			n += end - v->start;
			break;
		}
		n += v->end - v->start;
	}
	return n >> MR_PAGE_SHIFT;
}

/*
 * do_mlock()'s checks before it locks [start, start + len): EPERM
 * without the right to lock, ENOMEM past RLIMIT_MEMLOCK (the pages of
 * the range locked already not counted again), else 0.
 */
static int64_t mlock_allowed(const mr_mm *mm, uint64_t start, uint64_t len)
{
	uint64_t locked, limit;

	if (!mr_can_do_mlock(mm))
		return -EPERM;
	if (mm->cap_ipc_lock || mm->rlim[MR_RLIM_MEMLOCK] == MR_RLIM_INFINITY)
		return 0;
	limit = limit_pages(mm, MR_RLIM_MEMLOCK);
	locked = (len >> MR_PAGE_SHIFT) + locked_vm(mm);
	if (locked > limit)
		locked -= locked_in(mm, start, len);
	return locked <= limit ? 0 : -ENOMEM;
}

static int lock_populate(mr_mm *mm, uint64_t start, uint64_t len, int onfault,
			 int apply);

/*
 * A capture that does not say whether the process may lock past
 * RLIMIT_MEMLOCK, nor what the limit is: the model assumes it may, and a
 * refusal teaches otherwise (docs/fidelity.md). The pages a lock of
 * [start, start + len) would leave locked, as mlock_allowed() counts
 * them: a lock that worked shows the limit is at least that; ENOMEM
 * where the model allowed it shows the process lacks CAP_IPC_LOCK and
 * the limit is below it, EPERM that it is 0. The limit taken is the
 * largest of the usual ones (8 MiB, 64 KiB) the evidence allows, else
 * the most the process was seen to lock. Returns 1 when the refusal
 * taught it (the call then changed nothing).
 */
static int memlock_learn(mr_mm *mm, uint64_t start, uint64_t len, int onfault,
			 int64_t pred, int64_t recorded)
{
	static const uint64_t usual[] = {8ull << 20, 64ull << 10};
	uint64_t need = (len >> MR_PAGE_SHIFT) + locked_vm(mm), lim, i;

	if (!mm->memlock_learn || recorded == MR_RESULT_UNKNOWN)
		return 0;
	if (need > (len >> MR_PAGE_SHIFT))
		need -= locked_in(mm, start, len);
	if (recorded == 0) {
		if (need > mm->memlock_ok)
			mm->memlock_ok = need;
		if ((mm->memlock_learn & MR_LEARN_LIMIT) && !mm->cap_ipc_lock &&
		    mm->rlim[MR_RLIM_MEMLOCK] >> MR_PAGE_SHIFT < need)
			mm->rlim[MR_RLIM_MEMLOCK] = need << MR_PAGE_SHIFT;
		return 0;
	}
	/* a hole, a page that cannot be faulted in, or the map count
	 * explains ENOMEM too */
	if (pred != 0 || (recorded != -ENOMEM && recorded != -EPERM) ||
	    (recorded == -ENOMEM &&
	     (!mr_range_covered(mm, start, start + len, 0) ||
	      lock_populate(mm, start, len, onfault, 0) ||
	      mm->tree.count + 2 > mm->m->cfg.max_map_count)))
		return 0;
	/* the model allowed it: it took the process to hold the
	 * capability, or the limit to be higher */
	if (mm->cap_ipc_lock) {
		if (!(mm->memlock_learn & MR_LEARN_CAP))
			return 0; /* the capture says it holds it */
		mm->cap_ipc_lock = 0;
		mm->memlock_learn &= ~MR_LEARN_CAP;
	} else if (!(mm->memlock_learn & MR_LEARN_LIMIT)) {
		return 0;
	}
	if (!(mm->memlock_learn & MR_LEARN_LIMIT)) {
		lim = mm->rlim[MR_RLIM_MEMLOCK]; /* known: the capability
						    was what was missing */
	} else if (recorded == -EPERM) {
		lim = 0;
	} else {
		lim = mm->memlock_ok << MR_PAGE_SHIFT;
		for (i = 0; i < sizeof(usual) / sizeof(usual[0]); i++)
			if (usual[i] >= lim &&
			    usual[i] < need << MR_PAGE_SHIFT) {
				lim = usual[i];
				break;
			}
	}
	mm->rlim[MR_RLIM_MEMLOCK] = lim;
	mm->m->limits_learned++;
	return 1;
}

/* mlock_fixup() leaves V alone: nothing changes, or it cannot be locked
 * (special, hugetlb, droppable memory). */
static int lock_refused(const mr_vma *v)
{
	return (v->flags & (MR_VM_SPECIAL | MR_VM_HUGETLB | MR_VM_DROPPABLE)) !=
	       0;
}

static int lock_skips(const mr_vma *v, uint64_t nf)
{
	return nf == v->flags || lock_refused(v);
}

/*
 * apply_vma_lock_flags(): LOCK (0, VM_LOCKED, or with VM_LOCKONFAULT) on
 * [start, start + len). DRY=1 computes the result only. A hole stops the
 * walk with ENOMEM, the VMAs before it staying changed.
 */
static int64_t lock_run(mr_mm *mm, uint64_t start, uint64_t len, uint64_t lock,
			int dry)
{
	uint64_t end = start + len, nstart = start, tmp;
	mr_vma *v, *prev;
	const mr_vma *dprev; /* dry run: prev as the real run would see it */
	mr_vma sim;	     /* dry run: storage for that prev */
	size_t count = mm->tree.count;

	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	v = mr_vma_tree_find(&mm->tree, start);
	if (!v)
		return -ENOMEM;
	prev = start > v->start ? v : mr_vma_prev(v);
	dprev = prev;
	tmp = v->start;
	while (v && v->start < end) {
		uint64_t nf = (v->flags & ~LOCKED_MASK) | lock;
		uint64_t pend = v->end < end ? v->end : end;
		int e;

		if (v->start != tmp)
			return -ENOMEM;
		if (v->start > nstart)
			nstart = v->start;
		if (dry) {
			const mr_vma *last = v;

			if (lock_skips(v, nf))
				sim = *v;
			else if (mr_vma_modify_dry(mm, dprev, v, nstart, pend,
						   nf, &sim, &last, &count))
				return -ENOMEM;
			dprev = &sim;
			tmp = sim.end;
			nstart = tmp;
			v = mr_vma_next(last);
			continue;
		}
		if (lock_skips(v, nf)) {
			prev = v;
		} else {
			prev = mr_vma_modify(mm, prev, v, nstart, pend, nf, 1,
					     &e);
			if (!prev)
				return e;
		}
		tmp = prev->end;
		nstart = tmp;
		v = mr_vma_next(prev);
	}
	return tmp < end ? -ENOMEM : 0;
}

/* Predict, then apply where the kernel did what the model says. */
static int64_t lock_call(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t lock,
			 int64_t recorded)
{
	/* do_mlock(): the range widens to whole pages, never EINVAL. */
	uint64_t start = addr & MR_PAGE_MASK;
	uint64_t l = MR_PAGE_ALIGN(len + (addr & ~MR_PAGE_MASK));
	int64_t pred = (lock & MR_VM_LOCKED) ? mlock_allowed(mm, start, l) : 0;

	if ((lock & MR_VM_LOCKED) &&
	    memlock_learn(mm, start, l, (lock & MR_VM_LOCKONFAULT) != 0, pred,
			  recorded))
		return pred; /* refused before anything was locked */

	/* refused before anything is locked: nothing changes, unless the
	 * trace says the kernel locked it (then the limits the model has
	 * are not the process's: the call is applied) */
	if (pred && recorded != 0)
		return pred;
	if (pred)
		mr_range_call(lock_run, mm, start, l, lock, 0);
	else
		pred = mr_range_call(lock_run, mm, start, l, lock, recorded);

	/* then __mm_populate() of the range when the lock worked */
	if ((lock & MR_VM_LOCKED) &&
	    (recorded == MR_RESULT_UNKNOWN ? pred : recorded) == 0)
		mr_populate(mm, start, start + l, 1);
	return pred;
}

/*
 * __mm_populate() after mlock, VMA by VMA, stopping at the first fault
 * that fails, which mlock reports as ENOMEM (__mlock_posix_error_return()
 * turns EFAULT into ENOMEM). A VMA locked on fault (MLOCK_ONFAULT) is not
 * populated, nor are VM_IO/VM_PFNMAP ones; an inaccessible one
 * (PROT_NONE) fails (no FOLL_FORCE); hugetlb memory never gets
 * VM_LOCKONFAULT and is populated even then: a MAP_NORESERVE mapping has
 * no page set aside, and each huge page not faulted in yet takes one from
 * the pool (APPLY), SIGBUS when it is empty (mr_huge_populate()).
 * Returns 1 when it fails.
 */
static int lock_populate(mr_mm *mm, uint64_t start, uint64_t len, int onfault,
			 int apply)
{
	uint64_t end = MR_PAGE_ALIGN(start + len), taken[2] = {0, 0};
	const mr_vma *v;

	start &= MR_PAGE_MASK;
	for (v = mr_vma_tree_find_after(&mm->tree, start); v && v->start < end;
	     v = mr_vma_next(v)) {
		/* a VMA mlock leaves alone never got VM_LOCKONFAULT: it is
		 * populated even then */
		if ((onfault && !lock_refused(v)) ||
		    (v->flags & (MR_VM_IO | MR_VM_PFNMAP)))
			continue;
		/* no FOLL_FORCE on PROT_NONE; a guard marker's fault fails;
		 * hugetlb memory may find no page */
		if (!(v->flags & MR_VM_ACCESS) ||
		    mr_ranges_bytes(&mm->guard,
				    v->start > start ? v->start : start,
				    v->end < end ? v->end : end) ||
		    mr_huge_populate(mm, v, start, end, apply ? NULL : taken))
			return 1;
	}
	return 0;
}

int64_t mr_mm_mlock(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t flags,
		    int has_flags, int64_t recorded)
{
	uint64_t lock = MR_VM_LOCKED;
	int64_t pred;
	int onfault;

	if (has_flags) { /* mlock2() */
		if (flags & ~(uint64_t)MLOCK_ONFAULT_)
			return -EINVAL;
		if (flags & MLOCK_ONFAULT_)
			lock |= MR_VM_LOCKONFAULT;
	}
	onfault = (lock & MR_VM_LOCKONFAULT) != 0;
	pred = lock_call(mm, addr, len, lock, recorded);
	if (pred == 0 && lock_populate(mm, addr, len, onfault, 0))
		pred = -ENOMEM;
	if (recorded == 0 || (recorded == MR_RESULT_UNKNOWN && pred == 0))
		lock_populate(mm, addr, len, onfault, 1);
	return pred;
}

int64_t mr_mm_munlock(mr_mm *mm, uint64_t addr, uint64_t len, int64_t recorded)
{
	return lock_call(mm, addr, len, 0, recorded);
}

/*
 * apply_mlockall_flags(): mm->def_flags for MCL_FUTURE, then, unless only
 * MCL_FUTURE was given, every VMA gets the new lock bits (munlockall:
 * none). Errors (a merge cannot fail here: whole VMAs never split) are
 * ignored, as the kernel ignores them.
 */
static void lockall_apply(mr_mm *mm, uint64_t flags)
{
	uint64_t add = 0;
	mr_vma *v, *prev = NULL;

	mm->def_flags &= ~LOCKED_MASK;
	if (flags & MCL_FUTURE_) {
		mm->def_flags |= MR_VM_LOCKED;
		if (flags & MCL_ONFAULT_)
			mm->def_flags |= MR_VM_LOCKONFAULT;
		if (!(flags & MCL_CURRENT_)) {
			mr_mm_rehash(mm);
			return;
		}
	}
	mr_mm_rehash(mm);
	if (flags & MCL_CURRENT_) {
		add = MR_VM_LOCKED;
		if (flags & MCL_ONFAULT_)
			add |= MR_VM_LOCKONFAULT;
	}
	for (v = mr_vma_tree_first(&mm->tree); v;) {
		uint64_t nf = (v->flags & ~LOCKED_MASK) | add;
		mr_vma *n;
		int e;

		if (lock_skips(v, nf)) {
			prev = v;
		} else {
			n = mr_vma_modify(mm, prev, v, v->start, v->end, nf, 1,
					  &e);
			prev = n ? n : v;
		}
		v = mr_vma_next(prev);
	}
}

int64_t mr_mm_mlockall(mr_mm *mm, uint64_t flags, int64_t recorded)
{
	int64_t pred = 0;

	if (!flags ||
	    (flags & ~(uint64_t)(MCL_CURRENT_ | MCL_FUTURE_ | MCL_ONFAULT_)) ||
	    flags == MCL_ONFAULT_)
		pred = -EINVAL;
	else if (!mr_can_do_mlock(mm))
		pred = -EPERM;
	else if ((flags & MCL_CURRENT_) && !mm->cap_ipc_lock &&
		 mm->rlim[MR_RLIM_MEMLOCK] != MR_RLIM_INFINITY &&
		 mm->total_vm > limit_pages(mm, MR_RLIM_MEMLOCK))
		pred = -ENOMEM;
	if (recorded == MR_RESULT_UNKNOWN)
		recorded = pred;
	if (recorded == 0) {
		lockall_apply(mm, flags);
		if (flags & MCL_CURRENT_) /* mm_populate(0, TASK_SIZE) */
			mr_populate(mm, 0, mm->m->cfg.task_size, 1);
	}
	return pred;
}

int64_t mr_mm_munlockall(mr_mm *mm, int64_t recorded)
{
	if (recorded == MR_RESULT_UNKNOWN || recorded == 0)
		lockall_apply(mm, 0);
	return 0;
}

/* ---- mseal ---- */

/*
 * mseal(2) (mm/mseal.c do_mseal): VM_SEALED on every VMA of
 * [start, start + len), which must hold no hole; VMAs split and merge like
 * mprotect. Sealed VMAs then refuse munmap, mprotect, mremap, MAP_FIXED
 * over them and the discarding madvise advices on read-only anonymous
 * memory. The seal is set, never cleared.
 */
static int64_t mseal_run(mr_mm *mm, uint64_t start, uint64_t len_in,
			 uint64_t flags, int dry)
{
	uint64_t end, cur, prev_end;
	mr_vma *v, *prev;
	const mr_vma *dprev; /* dry run: prev as the real run would see it */
	mr_vma sim;	     /* dry run: storage for that prev */
	size_t count = mm->tree.count;
	int e;

	if (flags)
		return -EINVAL;
	e = mr_range_args(start, len_in, &end);
	if (e <= 0)
		return e;
	/* range_contains_unmapped() */
	prev_end = start;
	for (v = mr_vma_tree_find_after(&mm->tree, start); v && v->start < end;
	     v = mr_vma_next(v)) {
		if (v->start > prev_end)
			return -ENOMEM;
		prev_end = v->end;
	}
	if (prev_end < end)
		return -ENOMEM;
	/* mseal_apply(): a split at max_map_count is ENOMEM, the VMAs
	 * before it staying sealed (and split) */
	v = mr_vma_tree_find(&mm->tree, start);
	prev = start > v->start ? v : mr_vma_prev(v);
	dprev = prev;
	cur = start;
	while (v && v->start < end) {
		uint64_t cend = v->end < end ? v->end : end;
		uint64_t nf = v->flags | MR_VM_SEALED;

		if (dry) {
			const mr_vma *last = v;

			if (nf == v->flags)
				sim = *v;
			else if ((e = mr_vma_modify_dry(mm, dprev, v, cur, cend,
							nf, &sim, &last,
							&count)))
				return e;
			dprev = &sim;
			cur = sim.end;
			v = mr_vma_next(last);
			continue;
		}
		if (nf != v->flags) {
			v = mr_vma_modify(mm, prev, v, cur, cend, nf, 1, &e);
			if (!v)
				return e;
		}
		prev = v;
		cur = cend;
		v = mr_vma_next(v);
	}
	return 0;
}

int64_t mr_mm_mseal(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t flags,
		    int64_t recorded)
{
	return mr_range_call(mseal_run, mm, addr, len, flags, recorded);
}
