/*
 * test_lock.c - the rules of engine/mlock.c through the public API:
 * mlock, mlock2, munlock, mlockall and munlockall (VM_LOCKED,
 * VM_LOCKONFAULT, def_flags, fork), mseal and what a seal refuses; and
 * mapped files that are unlinked (mr_machine_file_unlink()).
 *
 * Layouts are drawn in pages of the window W (P(n) is its page n):
 *
 *  0123456789
 *  AAA  BBB      A is [P(0), P(3)), B is [P(5), P(8))
 *
 * Each rule was measured on Linux 6.18 (x86-64) with small programs that
 * set up the layout with mmap at fixed addresses and read
 * /proc/self/smaps: ranges, VmFlags "lo" (VM_LOCKED), "lf"
 * (VM_LOCKONFAULT), "sl" (VM_SEALED), and the maps line of an unlinked
 * file. Limits were measured by filling the address space up to the
 * default max_map_count of 65530; the tests use a small one instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/engine/helpers.h"

#define MLOCK_ONFAULT_ 0x01
#define MCL_CURRENT_ 1
#define MCL_FUTURE_ 2
#define MCL_ONFAULT_ 4

#define LK MR_VM_LOCKED
#define LF (MR_VM_LOCKED | MR_VM_LOCKONFAULT)
#define SL MR_VM_SEALED

/* [vdso] and [vvar] as smaps shows them: "rd ex mr mw me de" and
 * "rd mr pf io de dd"; both are VM_SPECIAL. */
#define F_VDSO (F_RX | MR_VM_DONTEXPAND)
#define F_VVAR                                                                 \
	(MR_VM_READ | MR_VM_MAYREAD | MR_VM_PFNMAP | MR_VM_IO |                \
	 MR_VM_DONTEXPAND | MR_VM_DONTDUMP)
#define SPECIAL(s, e, f, kind)                                                 \
	{                                                                      \
		(s), (e), (f), 0, 0, 0, 0, (kind), 1                           \
	}

#define RW (PROT_READ | PROT_WRITE)

static int64_t mlock_(mr_mm *mm, uint64_t addr, uint64_t len)
{
	return mr_mm_mlock(mm, addr, len, 0, 0, U);
}

static int64_t mlock2_(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t flags)
{
	return mr_mm_mlock(mm, addr, len, flags, 1, U);
}

static int64_t mseal_(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t flags)
{
	return mr_mm_mseal(mm, addr, len, flags, U);
}

/* A machine whose max_map_count is MAX, with the layout S. */
static mr_mm *limited(mr_machine **mp, uint32_t max, const struct seed *s,
		      size_t n)
{
	mr_config c;

	mr_config_default(&c);
	c.max_map_count = max;
	*mp = new_machine_cfg(&c, NULL);
	return seeded(*mp, 1, s, n, 0, 0);
}

/* ---- resource limits: RLIMIT_MEMLOCK, CAP_IPC_LOCK, RLIMIT_AS/DATA ---- */

/*
 * A process without CAP_IPC_LOCK and RLIMIT_MEMLOCK of 4 pages, with a
 * writable mapping of 10 pages and the heap at 100 (the rules of
 * traces/memlock, measured there).
 */
static mr_mm *memlocked(mr_machine **mp)
{
	static const struct seed s[] = {ANON(P(0), P(10), F_RW)};
	mr_config c;
	mr_mm *mm;

	mr_config_default(&c);
	c.cap_ipc_lock = 0;
	c.rlimit[MR_RLIM_MEMLOCK] = 4 * PG;
	*mp = new_machine_cfg(&c, NULL);
	mm = seeded(*mp, 1, s, 1, P(100), P(100));
	assert_int_equal(mr_mm_rlimit(mm, MR_RLIM_MEMLOCK), 4 * PG);
	return mm;
}

/* do_mlock(): the range and locked_vm against the limit, the range's
 * pages locked already not counted twice; nothing locked on ENOMEM */
static void test_memlock__mlock_counts_against_the_limit(void **state)
{
	mr_machine *m;
	mr_mm *mm = memlocked(&m);

	(void)state;
	assert_int_equal(mlock_(mm, P(0), 3 * PG), 0);
	/* 3 locked + 3 asked, 2 of them locked: 4 */
	assert_int_equal(mlock_(mm, P(1), 3 * PG), 0);
	assert_int_equal(mlock_(mm, P(6), PG), -ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW | LK, PGOFF(P(0))},
		    {P(4), P(10), F_RW, PGOFF(P(4))});
	/* munlock frees room; mlock2 counts the same */
	assert_int_equal(mr_mm_munlock(mm, P(0), PG, U), 0);
	assert_int_equal(mlock2_(mm, P(6), PG, MLOCK_ONFAULT_), 0);
	/* the trace says the kernel locked it: applied anyway */
	assert_int_equal(mr_mm_mlock(mm, P(8), 2 * PG, 0, 0, 0), -ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(1), F_RW, PGOFF(P(0))},
		    {P(1), P(4), F_RW | LK, PGOFF(P(1))},
		    {P(4), P(6), F_RW, PGOFF(P(4))},
		    {P(6), P(7), F_RW | LF, PGOFF(P(6))},
		    {P(7), P(8), F_RW, PGOFF(P(7))},
		    {P(8), P(10), F_RW | LK, PGOFF(P(8))});
	expect_invariants(m);
	mr_machine_free(m);
}

/* mlockall(MCL_CURRENT) with VmSize over the limit; MCL_FUTURE then
 * mmap and brk: mlock_future_ok() */
static void test_memlock__mlockall_and_future_mappings(void **state)
{
	mr_machine *m;
	mr_mm *mm = memlocked(&m);

	(void)state;
	assert_int_equal(mr_mm_mlockall(mm, MCL_CURRENT_, U), -ENOMEM);
	assert_int_equal(mr_mm_mlockall(mm, MCL_FUTURE_, U), 0);
	assert_int_equal(mmap_fixed(mm, P(20), 5 * PG, RW), -EAGAIN);
	assert_int_equal(mmap_fixed(mm, P(20), 4 * PG, RW), P(20));
	/* 4 pages locked: no room for the heap to grow */
	assert_int_equal(mr_mm_brk_call(mm, P(101), U), P(100));
	assert_int_equal(mr_mm_munlockall(mm, U), 0);
	assert_int_equal(mr_mm_brk_call(mm, P(101), U), P(101));
	/* MAP_LOCKED checks the same; mremap of a locked VMA too */
	assert_int_equal(
		mr_mm_mmap(mm, P(30), 5 * PG, RW,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_LOCKED,
			   NULL, 0, U),
		-EAGAIN);
	assert_int_equal(
		mr_mm_mmap(mm, P(30), 2 * PG, RW,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_LOCKED,
			   NULL, 0, U),
		P(30));
	assert_int_equal(
		mr_mm_mremap(mm, P(30), 2 * PG, 5 * PG, MREMAP_MAYMOVE, 0, U),
		-EAGAIN);
	assert_int_equal(
		mr_mm_mremap(mm, P(30), 2 * PG, 4 * PG, MREMAP_MAYMOVE, 0, U),
		P(30));
	expect_invariants(m);
	mr_machine_free(m);
}

/* can_do_mlock(): RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK is EPERM for
 * every lock, not for munlock; with CAP_IPC_LOCK no limit applies */
static void test_memlock__zero_limit_is_eperm_unless_capable(void **state)
{
	mr_machine *m;
	mr_mm *mm = memlocked(&m);

	(void)state;
	mr_mm_set_rlimit(mm, MR_RLIM_MEMLOCK, 0);
	assert_int_equal(mlock_(mm, P(0), PG), -EPERM);
	assert_int_equal(mlock2_(mm, P(0), PG, MLOCK_ONFAULT_), -EPERM);
	assert_int_equal(mr_mm_mlockall(mm, MCL_FUTURE_, U), -EPERM);
	assert_int_equal(
		mr_mm_mmap(mm, P(30), PG, RW,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_LOCKED,
			   NULL, 0, U),
		-EPERM);
	assert_int_equal(mr_mm_munlock(mm, P(0), PG, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(10), F_RW, PGOFF(P(0))});
	mr_machine_free(m);
	/* the recorder's default: capable, nothing refused */
	m = new_machine();
	mm = seeded(m, 1, (const struct seed[]){ANON(P(0), P(10), F_RW)}, 1, 0,
		    0);
	mr_mm_set_rlimit(mm, MR_RLIM_MEMLOCK, 0);
	assert_int_equal(mlock_(mm, P(0), 10 * PG), 0);
	mr_machine_free(m);
}

/* may_expand_vm(): RLIMIT_AS counts every page mapped (less what a
 * MAP_FIXED replaces), RLIMIT_DATA private writable memory only; a
 * fork's child keeps the limits */
static void test_memlock__address_space_and_data_limits(void **state)
{
	mr_machine *m;
	mr_mm *mm = memlocked(&m), *child;

	(void)state;
	mr_mm_set_rlimit(mm, MR_RLIM_AS, 14 * PG); /* 10 mapped */
	assert_int_equal(mmap_fixed(mm, P(20), 5 * PG, RW), -ENOMEM);
	assert_int_equal(mmap_fixed(mm, P(20), 4 * PG, RW), P(20));
	/* over mapped pages: only the new ones count */
	assert_int_equal(mmap_fixed(mm, P(8), 2 * PG, RW), P(8));
	assert_int_equal(mr_mm_brk_call(mm, P(101), U), P(100));
	assert_int_equal(
		mr_mm_mremap(mm, P(20), 4 * PG, 5 * PG, MREMAP_MAYMOVE, 0, U),
		-ENOMEM);
	mr_mm_set_rlimit(mm, MR_RLIM_AS, MR_RLIM_INFINITY);
	mr_mm_set_rlimit(mm, MR_RLIM_DATA, 16 * PG); /* 14 data pages */
	assert_int_equal(mmap_fixed(mm, P(30), 3 * PG, RW), -ENOMEM);
	assert_int_equal(mmap_fixed(mm, P(30), 3 * PG, PROT_READ), P(30));
	assert_int_equal(mmap_fixed(mm, P(40), 2 * PG, RW), P(40));
	assert_int_equal(mr_machine_clone(m, 1, 2, 0x11 /* SIGCHLD */), 0);
	child = mr_machine_task_mm(m, 2);
	assert_int_equal(mr_mm_rlimit(child, MR_RLIM_DATA), 16 * PG);
	assert_int_equal(mr_mm_rlimit(child, MR_RLIM_MEMLOCK), 4 * PG);
	expect_invariants(m);
	mr_machine_free(m);
}

/* check_data_rlimit() of brk: the heap and the data segment in bytes,
 * also when shrinking and at a limit of 0; mprotect turning memory into
 * data; MREMAP_DONTUNMAP grows the address space by its source */
static void test_memlock__brk_mprotect_dontunmap_limits(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(10), F_NONE),
					ANON(P(20), P(28), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, P(100), P(100));

	(void)state;
	mr_mm_set_data(mm, P(50), P(52)); /* two pages of data segment */
	assert_int_equal(mr_mm_brk_call(mm, P(150), U), P(150));
	/* 50 heap pages + 2: a limit of 10 pages refuses even a shrink,
	 * but not to 8 + 2 */
	mr_mm_set_rlimit(mm, MR_RLIM_DATA, 10 * PG);
	assert_int_equal(mr_mm_brk_call(mm, P(140), U), P(150));
	assert_int_equal(mr_mm_brk_call(mm, P(109), U), P(150));
	assert_int_equal(mr_mm_brk_call(mm, P(108), U), P(108)); /* 10 */
	mr_mm_set_rlimit(mm, MR_RLIM_DATA, 0);
	assert_int_equal(mr_mm_brk_call(mm, P(100), U), P(108));
	/* mprotect: 16 data pages; 10 more over a limit of 24 */
	mr_mm_set_rlimit(mm, MR_RLIM_DATA, 24 * PG);
	assert_int_equal(
		mr_mm_mprotect(mm, P(0), 10 * PG, PROT_READ | PROT_WRITE, U),
		-ENOMEM);
	assert_int_equal(mr_mm_mprotect(mm, P(0), 2 * PG, PROT_READ, U), 0);
	assert_int_equal(
		mr_mm_mprotect(mm, P(0), 2 * PG, PROT_READ | PROT_WRITE, U), 0);
	/* DONTUNMAP: the source stays, its 8 pages count again */
	mr_mm_set_rlimit(mm, MR_RLIM_DATA, MR_RLIM_INFINITY);
	mr_mm_set_rlimit(mm, MR_RLIM_AS, (mr_mm_total_vm(mm) + 7) * PG);
	assert_int_equal(mr_mm_mremap(mm, P(20), 8 * PG, 8 * PG,
				      MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0, U),
			 -ENOMEM);
	mr_mm_set_rlimit(mm, MR_RLIM_AS, (mr_mm_total_vm(mm) + 8) * PG);
	assert_true(mr_mm_mremap(mm, P(20), 8 * PG, 8 * PG,
				 MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0, U) > 0);
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- mlock, mlock2, munlock ---- */

/*
 *  012345
 *  AAAAAA      mlock [2, 4)
 *  AALLAA      three VMAs, VM_LOCKED in the middle ("lo")
 *  AAAAAA      munlock [2, 4): merged back into one
 */
static void test_mlock__middle_splits_then_munlock_merges(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(6), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mlock_(mm, P(2), 2 * PG), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_RW | LK, PGOFF(P(2))},
		    {P(4), P(6), F_RW, PGOFF(P(4))});
	assert_int_equal(mr_mm_map_count(mm), 3);
	expect_invariants(m);
	assert_int_equal(mr_mm_munlock(mm, P(2), 2 * PG, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
	assert_int_equal(mr_mm_map_count(mm), 1);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * do_mlock() rounds the start down and the end up, so an unaligned start
 * is no error: mlock(2 + 100 bytes, 1 page) locks [2, 4). Even a zero
 * length covers the start's page when the start is unaligned, and is
 * ENOMEM when that page is not mapped; an aligned zero length is nothing
 * (measured).
 *
 *  0123456
 *  AAAAAA      mlock(2 + 100, 4096); munlock(2 + 100, 4096)
 *  AALLAA
 *  AAAAAA      mlock(5, 0); mlock(5 + 5, 0); mlock(7 + 5, 0): -ENOMEM
 *  AAAAAL
 */
static void test_mlock__unaligned_range_widens_to_pages(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(6), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mlock_(mm, P(2) + 100, PG), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_RW | LK, PGOFF(P(2))},
		    {P(4), P(6), F_RW, PGOFF(P(4))});
	assert_int_equal(mr_mm_munlock(mm, P(2) + 100, PG, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
	assert_int_equal(mlock_(mm, P(5), 0), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
	assert_int_equal(mlock_(mm, P(5) + 5, 0), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(5), F_RW, PGOFF(P(0))},
		    {P(5), P(6), F_RW | LK, PGOFF(P(5))});
	assert_int_equal(mlock_(mm, P(7) + 5, 0), -ENOMEM);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A hole stops the walk with ENOMEM, and the VMAs before it stay changed
 * (measured, also for munlock). A range that starts in a hole changes
 * nothing. mlock(5 + 4095 bytes, 2 bytes) widens to [5, 7): page 5 is
 * locked before the walk meets the hole at 6 (measured).
 *
 *  0123456
 *  AA  BB      mlock [0, 6): -ENOMEM
 *  LL  BB      munlock [0, 6): -ENOMEM
 *  AA  BB      mlock [2, 6): -ENOMEM, nothing changes
 *  AA  BB      mlock(5 + 4095, 2): -ENOMEM
 *  AA  BL
 */
static void test_mlock__hole_is_enomem_after_vmas_before_it(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW),
					ANON(P(4), P(6), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mlock_(mm, P(0), 6 * PG), -ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW | LK, PGOFF(P(0))},
		    {P(4), P(6), F_R, PGOFF(P(4))});
	assert_int_equal(mr_mm_munlock(mm, P(0), 6 * PG, U), -ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(4), P(6), F_R, PGOFF(P(4))});
	assert_int_equal(mlock_(mm, P(2), 4 * PG), -ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(4), P(6), F_R, PGOFF(P(4))});
	assert_int_equal(mlock_(mm, P(5) + PG - 1, 2), -ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(4), P(5), F_R, PGOFF(P(4))},
		    {P(5), P(6), F_R | LK, PGOFF(P(5))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * mlock_fixup() leaves VM_SPECIAL VMAs alone: no VM_LOCKED, no split,
 * and no error (measured on [vvar] and [vdso]: mlock of the vdso's second
 * page, and of a range over both, return 0 and change neither). The
 * first changes nothing at all: the journal sees no VMA come or go.
 *
 *  01 23 45 67
 *  AA vv dd BB     mlock [1, 7)
 *  AL vv dd LB     A and B split; [vvar] and [vdso] untouched
 */
static void test_mlock__special_vma_skipped_without_split(void **state)
{
	static const struct seed s[] = {
		ANON(P(0), P(2), F_RW),
		SPECIAL(P(2), P(4), F_VVAR, MR_VMA_VVAR),
		SPECIAL(P(4), P(6), F_VDSO, MR_VMA_VDSO),
		ANON(P(6), P(8), F_RW),
	};
	struct mirror j;
	mr_machine *m = new_machine_cfg(NULL, &j);
	mr_mm *mm = seeded(m, 1, s, 4, 0, 0);
	long adds, dels;

	(void)state;
	adds = j.adds;
	dels = j.dels;
	assert_int_equal(mlock_(mm, P(5), PG), 0);
	assert_int_equal(j.adds, adds);
	assert_int_equal(j.dels, dels);
	assert_int_equal(mr_mm_map_count(mm), 4);
	assert_int_equal(mlock_(mm, P(1), 6 * PG), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(1), F_RW, PGOFF(P(0))},
		    {P(1), P(2), F_RW | LK, PGOFF(P(1))},
		    {P(2), P(4), F_VVAR, 0}, {P(4), P(6), F_VDSO, 0},
		    {P(6), P(7), F_RW | LK, PGOFF(P(6))},
		    {P(7), P(8), F_RW, PGOFF(P(7))});
	expect_invariants(m);
	mr_machine_free(m);
	mirror_free(&j);
}

/*
 * mlock2(MLOCK_ONFAULT) sets VM_LOCKED and VM_LOCKONFAULT ("lo lf"), a
 * flag set of its own: a plain mlock next to it makes another VMA, and
 * turning that page MLOCK_ONFAULT too merges it in (measured).
 *
 *  012345
 *  AAAAAA      mlock2 [2, 4) MLOCK_ONFAULT
 *  AAFFAA      mlock [4, 5)
 *  AAFFLA      mlock2 [4, 5) MLOCK_ONFAULT
 *  AAFFFA      munlock [2, 5)
 *  AAAAAA
 */
static void test_mlock2__onfault_splits_then_merges(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(6), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mlock2_(mm, P(2), 2 * PG, MLOCK_ONFAULT_), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_RW | LF, PGOFF(P(2))},
		    {P(4), P(6), F_RW, PGOFF(P(4))});
	assert_int_equal(mlock_(mm, P(4), PG), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_RW | LF, PGOFF(P(2))},
		    {P(4), P(5), F_RW | LK, PGOFF(P(4))},
		    {P(5), P(6), F_RW, PGOFF(P(5))});
	assert_int_equal(mlock2_(mm, P(4), PG, MLOCK_ONFAULT_), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(5), F_RW | LF, PGOFF(P(2))},
		    {P(5), P(6), F_RW, PGOFF(P(5))});
	assert_int_equal(mr_mm_munlock(mm, P(2), 3 * PG, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
	expect_invariants(m);
	mr_machine_free(m);
}

/* mlock2 knows MLOCK_ONFAULT only: flags 2 and 3 are EINVAL (measured). */
static void test_mlock2__unknown_flags_are_einval(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(6), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mlock2_(mm, P(2), 2 * PG, 2), -EINVAL);
	assert_int_equal(mlock2_(mm, P(2), 2 * PG, 3), -EINVAL);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
	mr_machine_free(m);
}

/*
 * A split at max_map_count fails with ENOMEM (split_vma(); mlock does not
 * turn it into EAGAIN as madvise does). Measured at 65530 VMAs: nothing
 * changes; at 65529 the split at the start stays and the lock is not
 * applied; at 65528 the lock works. A lock of the head needs one split
 * and fails at the limit too. Pass 1 gives the recorded result, which the
 * dry run must predict.
 *
 *  012345
 *  AAAAAA      mlock [2, 4), max 1: -ENOMEM
 *  AABBBB      max 2: -ENOMEM, split at 2
 *  AALLAA      max 3: 0
 */
static void test_mlock_limit__split_is_enomem(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(6), F_RW)};
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		int64_t rec = pass ? -ENOMEM : U;
		mr_machine *m;
		mr_mm *mm = limited(&m, 1, s, 1);

		assert_int_equal(mr_mm_mlock(mm, P(2), 2 * PG, 0, 0, rec),
				 -ENOMEM);
		expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
		assert_int_equal(mr_mm_mlock(mm, P(0), 2 * PG, 0, 0, rec),
				 -ENOMEM);
		assert_int_equal(
			mr_mm_mlock(mm, P(2), 2 * PG, MLOCK_ONFAULT_, 1, rec),
			-ENOMEM);
		expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
		mr_machine_free(m);

		mm = limited(&m, 2, s, 1);
		assert_int_equal(mr_mm_mlock(mm, P(2), 2 * PG, 0, 0, rec),
				 -ENOMEM);
		expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
			    {P(2), P(6), F_RW, PGOFF(P(2))});
		expect_invariants(m);
		mr_machine_free(m);
	}
	{
		mr_machine *m;
		mr_mm *mm = limited(&m, 3, s, 1);

		assert_int_equal(mlock_(mm, P(2), 2 * PG), 0);
		expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
			    {P(2), P(4), F_RW | LK, PGOFF(P(2))},
			    {P(4), P(6), F_RW, PGOFF(P(4))});
		mr_machine_free(m);
	}
}

/* ---- mlockall, munlockall ---- */

/*
 * MCL_CURRENT gives every VMA VM_LOCKED, whole VMAs merging where only
 * the lock told them apart; VM_SPECIAL ones are skipped. Without
 * MCL_FUTURE a later mmap is not locked. munlockall unlocks every VMA
 * (measured).
 *
 *  012345 89 ... 12 13
 *  AALLAA RR     dd dd     mlockall(MCL_CURRENT)
 *  LLLLLL LL     dd dd     [vdso] untouched
 *  AAAAAA RR     dd dd     munlockall()
 */
static void test_mlockall__current_locks_every_vma(void **state)
{
	static const struct seed s[] = {
		ANON(P(0), P(2), F_RW),
		ANON(P(2), P(4), F_RW | LK),
		ANON(P(4), P(6), F_RW),
		ANON(P(8), P(10), F_R),
		SPECIAL(P(12), P(14), F_VDSO, MR_VMA_VDSO),
	};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 5, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_mlockall(mm, MCL_CURRENT_, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW | LK, PGOFF(P(0))},
		    {P(8), P(10), F_R | LK, PGOFF(P(8))},
		    {P(12), P(14), F_VDSO, 0});
	expect_invariants(m);
	assert_int_equal(mmap_fixed(mm, P(20), 2 * PG, RW), P(20));
	expect_vmas(mm, P(20), P(22), {P(20), P(22), F_RW, PGOFF(P(20))});
	assert_int_equal(mr_mm_munlockall(mm, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))},
		    {P(8), P(10), F_R, PGOFF(P(8))}, {P(12), P(14), F_VDSO, 0},
		    {P(20), P(22), F_RW, PGOFF(P(20))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * MCL_FUTURE alone locks no VMA there is, but puts VM_LOCKED in
 * mm->def_flags: later mmap and brk VMAs are locked (measured: "lo" on
 * a new mapping and on the [heap] after brk grew it).
 *
 *  01 ... 20 21 ... 100 101
 *  AA                          mlockall(MCL_FUTURE)
 *  AA     LL        HH         mmap [20, 22), brk to 102
 */
static void test_mlockall__future_locks_later_mmap_and_brk(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, P(100), P(100));

	(void)state;
	assert_int_equal(mr_mm_mlockall(mm, MCL_FUTURE_, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))});
	assert_int_equal(mmap_fixed(mm, P(20), 2 * PG, RW), P(20));
	assert_int_equal(mr_mm_brk_call(mm, P(102), U), P(102));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(20), P(22), F_RW | LK, PGOFF(P(20))},
		    {P(100), P(102), F_RW | LK, PGOFF(P(100))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * MCL_ONFAULT adds VM_LOCKONFAULT to what MCL_CURRENT and MCL_FUTURE set
 * ("lo lf"); MCL_FUTURE without MCL_CURRENT leaves the VMAs there are as
 * they are, even locked ones (measured).
 *
 *  01 23 45
 *  AA          mlockall(MCL_FUTURE | MCL_ONFAULT), mmap [2, 4)
 *  AA FF       mlockall(MCL_CURRENT | MCL_ONFAULT)
 *  FF FF       mlockall(MCL_FUTURE), mmap [4, 6)
 *  FF FF LL
 */
static void test_mlockall__onfault_adds_lockonfault(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_mlockall(mm, MCL_FUTURE_ | MCL_ONFAULT_, U), 0);
	assert_int_equal(mmap_fixed(mm, P(2), 2 * PG, RW), P(2));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_R, PGOFF(P(0))},
		    {P(2), P(4), F_RW | LF, PGOFF(P(2))});
	assert_int_equal(mr_mm_mlockall(mm, MCL_CURRENT_ | MCL_ONFAULT_, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_R | LF, PGOFF(P(0))},
		    {P(2), P(4), F_RW | LF, PGOFF(P(2))});
	assert_int_equal(mr_mm_mlockall(mm, MCL_FUTURE_, U), 0);
	assert_int_equal(mmap_fixed(mm, P(4), 2 * PG, PROT_READ), P(4));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_R | LF, PGOFF(P(0))},
		    {P(2), P(4), F_RW | LF, PGOFF(P(2))},
		    {P(4), P(6), F_R | LK, PGOFF(P(4))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * munlockall clears VM_LOCKED and VM_LOCKONFAULT from the VMAs and from
 * def_flags: a later mmap is not locked (measured).
 */
static void test_munlockall__clears_vmas_and_def_flags(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(
		mr_mm_mlockall(mm, MCL_CURRENT_ | MCL_FUTURE_ | MCL_ONFAULT_,
			       U),
		0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW | LF, PGOFF(P(0))});
	assert_int_equal(mr_mm_munlockall(mm, U), 0);
	assert_int_equal(mmap_fixed(mm, P(4), 2 * PG, RW), P(4));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(4), P(6), F_RW, PGOFF(P(4))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * mlockall needs MCL_CURRENT or MCL_FUTURE and no unknown bit: 0, 8,
 * MCL_ONFAULT alone and MCL_FUTURE | 8 are EINVAL (measured), and the
 * last sets no def_flags: a later mmap is not locked.
 */
static void test_mlockall__bad_flags_are_einval(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_mlockall(mm, 0, U), -EINVAL);
	assert_int_equal(mr_mm_mlockall(mm, 8, U), -EINVAL);
	assert_int_equal(mr_mm_mlockall(mm, MCL_ONFAULT_, U), -EINVAL);
	assert_int_equal(mr_mm_mlockall(mm, MCL_ONFAULT_ | 8, U), -EINVAL);
	assert_int_equal(mr_mm_mlockall(mm, MCL_FUTURE_ | 8, U), -EINVAL);
	assert_int_equal(mmap_fixed(mm, P(4), 2 * PG, RW), P(4));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(4), P(6), F_RW, PGOFF(P(4))});
	mr_machine_free(m);
}

/*
 * A fork child's mm starts without the parent's def_flags (mm_init()
 * keeps VM_NOHUGEPAGE only) and its VMAs lose VM_LOCKED (dup_mmap()), the
 * copies staying as many as the parent's: fork never merges (measured:
 * the child shows three unlocked VMAs, and its mmap is not locked).
 *
 *  012345 89
 *  AALLAA        parent: mlock [2, 4), mlockall(MCL_FUTURE); fork
 *  AAAAAA        child: three VMAs, none locked
 *  AAAAAA  NN    child: mmap [8, 10) not locked
 *  AALLAA  LL    parent: mmap [8, 10) locked
 */
static void test_mlock_fork__child_unlocked_without_def_flags(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(6), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0), *child;

	(void)state;
	assert_int_equal(mlock_(mm, P(2), 2 * PG), 0);
	assert_int_equal(mr_mm_mlockall(mm, MCL_FUTURE_, U), 0);
	assert_int_equal(mr_machine_clone(m, 1, 2, 0x11), 0);
	child = mr_machine_task_mm(m, 2);
	assert_non_null(child);
	assert_ptr_not_equal(child, mm);
	expect_vmas(child, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_RW, PGOFF(P(2))},
		    {P(4), P(6), F_RW, PGOFF(P(4))});
	assert_int_equal(mmap_fixed(child, P(8), 2 * PG, RW), P(8));
	expect_vmas(child, P(6), UINT64_MAX, {P(8), P(10), F_RW, PGOFF(P(8))});
	assert_int_equal(mmap_fixed(mm, P(8), 2 * PG, RW), P(8));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_RW | LK, PGOFF(P(2))},
		    {P(4), P(6), F_RW, PGOFF(P(4))},
		    {P(8), P(10), F_RW | LK, PGOFF(P(8))});
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- mseal ---- */

/*
 * do_mseal()'s checks (measured): flags must be 0, the start aligned, the
 * length not a small negative rounded up to 0 nor past the end of the
 * address space (EINVAL); a zero length is 0. None changes a VMA.
 */
static void test_mseal_args__einval(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(6), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mseal_(mm, P(2), 2 * PG, 1), -EINVAL);
	assert_int_equal(mseal_(mm, P(2) + 100, 2 * PG, 0), -EINVAL);
	assert_int_equal(mseal_(mm, P(2), UINT64_MAX, 0), -EINVAL);
	assert_int_equal(mseal_(mm, P(2), -PG, 0), -EINVAL);
	assert_int_equal(mseal_(mm, P(2), 0, 0), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
	mr_machine_free(m);
}

/*
 * VM_SEALED splits and merges like mprotect; the length is rounded up
 * (measured "sl").
 *
 *  012345
 *  AAAAAA      mseal(2, 1 page + 1 byte)
 *  AASSAA      mseal [0, 2)
 *  SSSSAA      mseal [4, 6)
 *  SSSSSS      mseal [0, 6) again: 0, nothing to do
 */
static void test_mseal__splits_and_merges_like_mprotect(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(6), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mseal_(mm, P(2), PG + 1, 0), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_RW | SL, PGOFF(P(2))},
		    {P(4), P(6), F_RW, PGOFF(P(4))});
	expect_invariants(m);
	assert_int_equal(mseal_(mm, P(0), 2 * PG, 0), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW | SL, PGOFF(P(0))},
		    {P(4), P(6), F_RW, PGOFF(P(4))});
	assert_int_equal(mseal_(mm, P(4), 2 * PG, 0), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW | SL, PGOFF(P(0))});
	assert_int_equal(mseal_(mm, P(0), 6 * PG, 0), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW | SL, PGOFF(P(0))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * range_contains_unmapped() runs before anything changes: a hole
 * anywhere in the range, or at its start, is ENOMEM and no VMA is sealed
 * (measured; compare mlock, which locks up to the hole).
 *
 *  012345
 *  AA  BB      mseal [0, 6), [2, 6), [0, 3): -ENOMEM each
 */
static void test_mseal__hole_is_enomem_before_any_change(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW),
					ANON(P(4), P(6), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mseal_(mm, P(0), 6 * PG, 0), -ENOMEM);
	assert_int_equal(mseal_(mm, P(2), 4 * PG, 0), -ENOMEM);
	assert_int_equal(mseal_(mm, P(0), 3 * PG, 0), -ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(4), P(6), F_R, PGOFF(P(4))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A split that mseal needs at max_map_count fails with ENOMEM from
 * vma_modify_flags() in mseal_apply(), after range_contains_unmapped()
 * passed (measured at 65530 VMAs: ENOMEM, nothing changes; at 65529:
 * ENOMEM, the split at the start stays). Pass 1 gives the recorded
 * result, which the dry run must predict and whose first split must be
 * applied.
 *
 *  012345
 *  AAAAAA      mseal [2, 4), max 1: -ENOMEM
 *  AABBBB      max 2: -ENOMEM, split at 2
 */
static void test_mseal_limit__split_is_enomem(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(6), F_RW)};
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		int64_t rec = pass ? -ENOMEM : U;
		mr_machine *m;
		mr_mm *mm = limited(&m, 1, s, 1);

		assert_int_equal(mr_mm_mseal(mm, P(2), 2 * PG, 0, rec),
				 -ENOMEM);
		expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
		mr_machine_free(m);

		mm = limited(&m, 2, s, 1);
		assert_int_equal(mr_mm_mseal(mm, P(2), 2 * PG, 0, rec),
				 -ENOMEM);
		expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
			    {P(2), P(6), F_RW, PGOFF(P(2))});
		expect_invariants(m);
		mr_machine_free(m);
	}
}

/*
 * A sealed VMA refuses with EPERM (measured): munmap of it or of a range
 * reaching into it, mprotect (even to the protection it has), mremap
 * (move, grow, shrink) and a MAP_FIXED mapping over it. Nothing changes.
 *
 *  012345
 *  AASSAA
 */
static void test_mseal__sealed_refuses_unmap_protect_remap_fixed(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(6), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mseal_(mm, P(2), 2 * PG, 0), 0);
	assert_int_equal(mr_mm_munmap(mm, P(2), PG, U), -EPERM);
	assert_int_equal(mr_mm_munmap(mm, P(3), 2 * PG, U), -EPERM);
	assert_int_equal(mr_mm_mprotect(mm, P(2), PG, PROT_NONE, U), -EPERM);
	assert_int_equal(mr_mm_mprotect(mm, P(2), PG, PROT_READ, U), -EPERM);
	assert_int_equal(mr_mm_mremap(mm, P(2), PG, PG,
				      MREMAP_MAYMOVE | MREMAP_FIXED, P(20), U),
			 -EPERM);
	assert_int_equal(
		mr_mm_mremap(mm, P(2), 2 * PG, 4 * PG, MREMAP_MAYMOVE, 0, U),
		-EPERM);
	assert_int_equal(mr_mm_mremap(mm, P(2), 2 * PG, PG, 0, 0, U), -EPERM);
	assert_int_equal(mmap_fixed(mm, P(3), PG, PROT_READ), -EPERM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_R, PGOFF(P(0))},
		    {P(2), P(4), F_R | SL, PGOFF(P(2))},
		    {P(4), P(6), F_R, PGOFF(P(4))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * mprotect walks the range VMA by VMA: the ones before the sealed VMA are
 * changed, then EPERM (measured: [0, 2) became "rw-p").
 *
 *  0123
 *  AASS        mprotect [0, 3) PROT_READ|PROT_WRITE: -EPERM
 *  WWSS
 */
static void test_mseal__mprotect_changes_vmas_before_sealed(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_R),
					ANON(P(2), P(4), F_R | SL)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_mprotect(mm, P(0), 3 * PG, RW, U), -EPERM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_R | SL, PGOFF(P(2))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A seal does not stop mlock or a flag advice: they split the sealed VMA
 * like any other (measured on [2, 3) of a sealed [2, 4): "lo rr sl", then
 * [3, 4) "sl").
 *
 *  0123
 *  SSSS        mlock [0, 1), MADV_RANDOM [0, 1)
 *  LSSS
 */
static void test_mseal__mlock_and_flag_advice_still_split(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_R | SL)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mlock_(mm, P(0), PG), 0);
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, MADV_RANDOM, U), 0);
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(0), P(1), F_R | SL | LK | MR_VM_RAND_READ, PGOFF(P(0))},
		    {P(1), P(4), F_R | SL, PGOFF(P(1))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * can_madvise_modify(): on sealed anonymous memory the process cannot
 * write, the discarding advices (MADV_DONTNEED, MADV_FREE) are EPERM;
 * MADV_WILLNEED is not one of them. Sealed writable anonymous memory and
 * a sealed read-only private file mapping allow MADV_DONTNEED (measured).
 */
static void test_mseal__madvise_discard_of_readonly_anon_is_eperm(void **state)
{
	mr_machine *m = new_machine();
	uint32_t file = mr_machine_file(m, "/tmp/f", 0xfe, 0, 44);
	uint32_t ofd = mr_machine_new_ofd(m);
	struct seed s[] = {ANON(P(0), P(2), F_R | SL),
			   ANON(P(4), P(6), F_RW | SL),
			   {P(8), P(10), F_R | SL, 0, file, ofd, 0, 0, 1}};
	mr_mm *mm = seeded(m, 1, s, 3, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, MADV_DONTNEED, U), -EPERM);
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, MADV_FREE, U), -EPERM);
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, MADV_WILLNEED, U), 0);
	assert_int_equal(mr_mm_madvise(mm, P(4), PG, MADV_DONTNEED, U), 0);
	assert_int_equal(mr_mm_madvise(mm, P(8), PG, MADV_DONTNEED, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_R | SL, PGOFF(P(0))},
		    {P(4), P(6), F_RW | SL, PGOFF(P(4))},
		    {P(8), P(10), F_R | SL, 0});
	mr_machine_free(m);
}

/*
 * An unmap that a seal stops is not atomic: vms_gather_munmap_vmas()
 * split the first VMA at the start of the range before it met the sealed
 * one, and the split stays. The same for munmap and for a MAP_FIXED
 * mapping over the range (measured: EPERM, A in two).
 *
 *  01234567
 *  AAAA  SS    munmap [2, 8), or mmap [2, 8) MAP_FIXED: -EPERM
 *  AABB  SS
 */
static void test_mseal__stopped_unmap_keeps_first_split(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW),
					ANON(P(6), P(8), F_R | SL)};
	int fixed;

	(void)state;
	for (fixed = 0; fixed < 2; fixed++) {
		mr_machine *m = new_machine();
		mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

		if (fixed)
			assert_int_equal(
				mmap_fixed(mm, P(2), 6 * PG, PROT_READ),
				-EPERM);
		else
			assert_int_equal(mr_mm_munmap(mm, P(2), 6 * PG, U),
					 -EPERM);
		expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
			    {P(2), P(4), F_RW, PGOFF(P(2))},
			    {P(6), P(8), F_R | SL, PGOFF(P(6))});
		expect_invariants(m);
		mr_machine_free(m);
	}
}

/* ---- unlinked files ---- */

/* The maps line of the VMA holding ADDR. */
static const char *line_at(const mr_mm *mm, uint64_t addr)
{
	static char buf[512];
	const mr_vma *v = mr_mm_find(mm, addr);

	assert_non_null(v);
	mr_mm_format_vma(mm, v, buf, sizeof(buf));
	return buf;
}

/* A maps line: HEAD, padded so that NAME starts at column 73 as
 * show_map_vma() pads it (measured: the name of an unlinked file starts
 * at offset 73). */
static const char *maps_line(const char *head, const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%-73s%s", head, name);
	return buf;
}

/* Map the file PATH (registered with INODE on fe:00, or unknown when 0)
 * shared, one page at ADDR; returns its file id. */
static uint32_t map_path(mr_machine *m, mr_mm *mm, const char *path,
			 uint64_t inode, uint64_t addr)
{
	mr_fileref f;

	memset(&f, 0, sizeof(f));
	f.file = mr_machine_file(m, path, inode ? 0xfe : 0, 0, inode);
	f.ofd = mr_machine_new_ofd(m);
	f.readable = f.writable = 1;
	assert_int_equal(
		mr_mm_mmap(mm, addr, PG, RW, MAP_SHARED | MAP_FIXED, &f, 0, U),
		(int64_t)addr);
	return f.file;
}

/*
 * After an unlink the maps line of a mapped file ends in " (deleted)",
 * as d_path() prints it; device and inode stay (measured).
 */
static void test_unlink__maps_line_ends_in_deleted(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);

	(void)state;
	map_path(m, mm, "/tmp/d/f", 42, P(0));
	assert_string_equal(
		line_at(mm, P(0)),
		maps_line("10000000-10001000 rw-s 00000000 fe:00 42",
			  "/tmp/d/f"));
	assert_int_equal(mr_machine_file_unlink(m, "/tmp/d/f"), 1);
	assert_string_equal(
		line_at(mm, P(0)),
		maps_line("10000000-10001000 rw-s 00000000 fe:00 42",
			  "/tmp/d/f (deleted)"));
	/* the name is gone: unlinking it again finds nothing */
	assert_int_equal(mr_machine_file_unlink(m, "/tmp/d/f"), 0);
	assert_int_equal(mr_machine_file_unlink(m, "/tmp/d/none"), 0);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A later open of the unlinked path is another file (measured: a new
 * inode, printed without " (deleted)" next to the old mapping); unlinking
 * that one deletes it and leaves the first as it was.
 */
static void test_unlink__later_open_is_another_file(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);
	uint32_t first, second;

	(void)state;
	first = map_path(m, mm, "/tmp/d/f", 0, P(0));
	assert_int_equal(mr_machine_file_unlink(m, "/tmp/d/f"), 1);
	second = mr_machine_file(m, "/tmp/d/f", 0, 0, 0);
	assert_int_not_equal(second, first);
	assert_int_equal(map_path(m, mm, "/tmp/d/f", 0, P(2)), second);
	assert_int_equal(mr_mm_find(mm, P(0))->file, first);
	assert_string_equal(line_at(mm, P(0)) + 73, "/tmp/d/f (deleted)");
	assert_string_equal(line_at(mm, P(2)) + 73, "/tmp/d/f");
	assert_int_equal(mr_machine_file_unlink(m, "/tmp/d/f"), 1);
	assert_string_equal(line_at(mm, P(0)) + 73, "/tmp/d/f (deleted)");
	assert_string_equal(line_at(mm, P(2)) + 73, "/tmp/d/f (deleted)");
	assert_int_equal(mr_mm_find(mm, P(2))->file, second);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * The trace does not show the working directory: a relative path names
 * the one file whose path ends in "/PATH" (a whole last component: "g"
 * is not the end of "/tmp/e/xg").
 */
static void test_unlink__relative_path_names_the_one_match(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);

	(void)state;
	map_path(m, mm, "/tmp/e/g", 0, P(0));
	map_path(m, mm, "/tmp/e/xg", 0, P(2));
	assert_int_equal(mr_machine_file_unlink(m, "g"), 1);
	assert_string_equal(line_at(mm, P(0)) + 73, "/tmp/e/g (deleted)");
	assert_string_equal(line_at(mm, P(2)) + 73, "/tmp/e/xg");
	assert_int_equal(mr_machine_file_unlink(m, "e/xg"), 1);
	assert_string_equal(line_at(mm, P(2)) + 73, "/tmp/e/xg (deleted)");
	expect_invariants(m);
	mr_machine_free(m);
}

/* Two mapped files end in "/f": a relative "f" names neither; "a/f"
 * names one. */
static void test_unlink__relative_path_matching_two_names_none(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);

	(void)state;
	map_path(m, mm, "/tmp/a/f", 0, P(0));
	map_path(m, mm, "/tmp/b/f", 0, P(2));
	assert_int_equal(mr_machine_file_unlink(m, "f"), 0);
	assert_string_equal(line_at(mm, P(0)) + 73, "/tmp/a/f");
	assert_string_equal(line_at(mm, P(2)) + 73, "/tmp/b/f");
	assert_int_equal(mr_machine_file_unlink(m, "a/f"), 1);
	assert_string_equal(line_at(mm, P(0)) + 73, "/tmp/a/f (deleted)");
	assert_string_equal(line_at(mm, P(2)) + 73, "/tmp/b/f");
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * The capture's file table (snap/files.tsv) lists each deleted name the
 * snapshots showed, with its device and inode; a name deleted twice is
 * listed twice. An unlinked file whose inode is not known takes one of
 * them, the lowest not given yet: the first file unlinked gets 200, the
 * second 300, whatever order the table gave them in.
 */
static void test_unlink__inode_from_deleted_entries_in_order(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);

	(void)state;
	mr_machine_file(m, "/tmp/u/a (deleted)", 0xfe, 0, 300);
	mr_machine_file(m, "/tmp/u/a (deleted)", 0xfe, 0, 200);
	map_path(m, mm, "/tmp/u/a", 0, P(0));
	assert_string_equal(line_at(mm, P(0)),
			    maps_line("10000000-10001000 rw-s 00000000 00:00 0",
				      "/tmp/u/a"));
	assert_int_equal(mr_machine_file_unlink(m, "/tmp/u/a"), 1);
	assert_string_equal(
		line_at(mm, P(0)),
		maps_line("10000000-10001000 rw-s 00000000 fe:00 200",
			  "/tmp/u/a (deleted)"));
	map_path(m, mm, "/tmp/u/a", 0, P(2));
	assert_int_equal(mr_machine_file_unlink(m, "/tmp/u/a"), 1);
	assert_string_equal(
		line_at(mm, P(2)),
		maps_line("10002000-10003000 rw-s 00000000 fe:00 300",
			  "/tmp/u/a (deleted)"));
	assert_string_equal(
		line_at(mm, P(0)),
		maps_line("10000000-10001000 rw-s 00000000 fe:00 200",
			  "/tmp/u/a (deleted)"));
	expect_invariants(m);
	mr_machine_free(m);
}

/* A capture that does not say the limits: the process is taken to hold
 * CAP_IPC_LOCK until a refusal the model did not predict teaches it does
 * not, and the limit (the most it was seen to lock, or a usual value
 * the evidence allows); the refused call changes nothing. A hole is not
 * such a refusal. */
static void test_memlock_learned(void **state)
{
	mr_machine *m = new_machine(); /* memlock_known 0: learnable */
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(0), 32 * PG, RW), (int64_t)P(0));
	/* a hole: ENOMEM for another reason, nothing learned */
	assert_int_equal(mmap_fixed(mm, P(40), 4 * PG, RW), (int64_t)P(40));
	assert_int_equal(mr_mm_mlock(mm, P(33), 2 * PG, 0, 0, -ENOMEM),
			 -ENOMEM);
	assert_int_equal(mr_machine_limits_learned(m), 0);
	assert_int_equal(mr_mm_mlock(mm, P(0), 4 * PG, 0, 0, 0), 0);
	/* refused where the model allowed it: learned, nothing locked */
	assert_int_equal(mr_mm_mlock(mm, P(4), 8 * PG, 0, 0, -ENOMEM), 0);
	assert_int_equal(mr_machine_limits_learned(m), 1);
	assert_int_equal(mr_mm_rlimit(mm, MR_RLIM_MEMLOCK), 4 * PG);
	expect_vmas(mm, P(0), P(32), {P(0), P(4), F_RW | LK, PGOFF(P(0))},
		    {P(4), P(32), F_RW, PGOFF(P(4))});
	/* now predicted: one page more is refused, the same pages not */
	assert_int_equal(mr_mm_mlock(mm, P(4), PG, 0, 0, U), -ENOMEM);
	assert_int_equal(mr_mm_mlock(mm, P(0), 4 * PG, 0, 0, U), 0);
	/* a lock that works past it raises it */
	assert_int_equal(mr_mm_mlock(mm, P(4), 2 * PG, 0, 0, 0), -ENOMEM);
	assert_int_equal(mr_mm_rlimit(mm, MR_RLIM_MEMLOCK), 6 * PG);
	mr_machine_free(m);

	/* EPERM: a limit of 0; a usual value between what worked and what
	 * was refused is taken */
	m = new_machine();
	mm = seeded(m, 1, NULL, 0, 0, 0);
	assert_int_equal(mmap_fixed(mm, P(0), 32 * PG, RW), (int64_t)P(0));
	assert_int_equal(mr_mm_mlock(mm, P(0), 12 * PG, 0, 0, 0), 0);
	assert_int_equal(mr_mm_mlock(mm, P(12), 8 * PG, 0, 0, -ENOMEM), 0);
	assert_int_equal(mr_mm_rlimit(mm, MR_RLIM_MEMLOCK), 64 << 10);
	mr_machine_free(m);
	m = new_machine();
	mm = seeded(m, 1, NULL, 0, 0, 0);
	assert_int_equal(mmap_fixed(mm, P(0), 4 * PG, RW), (int64_t)P(0));
	assert_int_equal(mr_mm_mlock(mm, P(0), PG, 0, 0, -EPERM), 0);
	assert_int_equal(mr_mm_rlimit(mm, MR_RLIM_MEMLOCK), 0);
	assert_int_equal(mr_mm_mlock(mm, P(0), PG, 0, 0, U), -EPERM);
	mr_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memlock_learned),
		cmocka_unit_test(test_memlock__mlock_counts_against_the_limit),
		cmocka_unit_test(test_memlock__mlockall_and_future_mappings),
		cmocka_unit_test(
			test_memlock__zero_limit_is_eperm_unless_capable),
		cmocka_unit_test(test_memlock__address_space_and_data_limits),
		cmocka_unit_test(test_memlock__brk_mprotect_dontunmap_limits),
		cmocka_unit_test(test_mlock__middle_splits_then_munlock_merges),
		cmocka_unit_test(test_mlock__unaligned_range_widens_to_pages),
		cmocka_unit_test(
			test_mlock__hole_is_enomem_after_vmas_before_it),
		cmocka_unit_test(test_mlock__special_vma_skipped_without_split),
		cmocka_unit_test(test_mlock2__onfault_splits_then_merges),
		cmocka_unit_test(test_mlock2__unknown_flags_are_einval),
		cmocka_unit_test(test_mlock_limit__split_is_enomem),
		cmocka_unit_test(test_mlockall__current_locks_every_vma),
		cmocka_unit_test(
			test_mlockall__future_locks_later_mmap_and_brk),
		cmocka_unit_test(test_mlockall__onfault_adds_lockonfault),
		cmocka_unit_test(test_munlockall__clears_vmas_and_def_flags),
		cmocka_unit_test(test_mlockall__bad_flags_are_einval),
		cmocka_unit_test(
			test_mlock_fork__child_unlocked_without_def_flags),
		cmocka_unit_test(test_mseal_args__einval),
		cmocka_unit_test(test_mseal__splits_and_merges_like_mprotect),
		cmocka_unit_test(test_mseal__hole_is_enomem_before_any_change),
		cmocka_unit_test(
			test_mseal__sealed_refuses_unmap_protect_remap_fixed),
		cmocka_unit_test(
			test_mseal__mprotect_changes_vmas_before_sealed),
		cmocka_unit_test(test_mseal__mlock_and_flag_advice_still_split),
		cmocka_unit_test(
			test_mseal__madvise_discard_of_readonly_anon_is_eperm),
		cmocka_unit_test(test_mseal__stopped_unmap_keeps_first_split),
		cmocka_unit_test(test_unlink__maps_line_ends_in_deleted),
		cmocka_unit_test(test_unlink__later_open_is_another_file),
		cmocka_unit_test(
			test_unlink__relative_path_names_the_one_match),
		cmocka_unit_test(
			test_unlink__relative_path_matching_two_names_none),
		cmocka_unit_test(
			test_unlink__inode_from_deleted_entries_in_order),
		cmocka_unit_test(test_mseal_limit__split_is_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
