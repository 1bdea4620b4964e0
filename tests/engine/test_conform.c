/*
 * test_conform.c - flags, advices and VMA kinds the conformance capture
 * (traces/conform) found the model wrong on, each checked against the
 * kernel (Linux 6.18, measured) in its smallest form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "helpers.h"

#ifndef MADV_COLD
#define MADV_COLD 20
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
#define MADV_GUARD_INSTALL_ 102
#define MADV_GUARD_REMOVE_ 103

#define F_SHRW (MR_VM_READ | MR_VM_WRITE | MR_VM_SHARED | MR_VM_MAYSHARE | MAY)

/*
 * MADV_REMOVE (madvise_remove()): a locked VMA is EINVAL, then a VMA
 * without a file (private anonymous memory) EINVAL, then one not mapped
 * shared and may-write EACCES. A shared anonymous mapping is a shmem
 * file; PROT_READ over an O_RDWR-like mapping is still may-write.
 */
static void test_conform_remove__einval_before_eacces(void **state)
{
	mr_machine *m = new_machine();
	uint32_t file = mr_machine_file(m, "/tmp/data", 0xfe, 0, 43);
	struct seed s[] = {
		ANON(P(0), P(2), F_RW),
		ANON(P(3), P(5), F_SHRW),
		ANON(P(6), P(8), (F_SHRW & ~MR_VM_WRITE)),
		{P(9), P(11), F_RW, 0, file, 7, 0, 0, 1},
		ANON(P(12), P(14), F_SHRW | MR_VM_LOCKED),
	};
	mr_mm *mm = seeded(m, 1, s, 5, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, MADV_REMOVE, U), -EINVAL);
	assert_int_equal(mr_mm_madvise(mm, P(3), PG, MADV_REMOVE, U), 0);
	assert_int_equal(mr_mm_madvise(mm, P(6), PG, MADV_REMOVE, U), 0);
	assert_int_equal(mr_mm_madvise(mm, P(9), PG, MADV_REMOVE, U), -EACCES);
	assert_int_equal(mr_mm_madvise(mm, P(12), PG, MADV_REMOVE, U), -EINVAL);
	mr_machine_free(m);
}

/* MADV_COLD and MADV_PAGEOUT refuse locked memory (can_madv_lru_vma()). */
static void test_conform_cold__locked_is_einval(void **state)
{
	static const struct seed s[] = {
		ANON(P(0), P(2), F_RW | MR_VM_LOCKED),
		ANON(P(4), P(6), F_RW),
	};
	struct mirror j = {0};
	mr_machine *m = new_machine_cfg(NULL, &j);
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, MADV_COLD, U), -EINVAL);
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, MADV_PAGEOUT, U), -EINVAL);
	assert_int_equal(mr_mm_madvise(mm, P(4), PG, MADV_COLD, U), 0);
	assert_int_equal(mr_mm_madvise(mm, P(4), PG, MADV_PAGEOUT, U), 0);
	assert_int_equal(j.adds, 2); /* page advices change no VMA */
	mr_machine_free(m);
	mirror_free(&j);
}

/*
 * MADV_GUARD_INSTALL refuses locked memory and gives the VMA an anon_vma
 * (anon_vma_prepare(): the page tables now hold markers), which decides
 * its merges from then on. MADV_GUARD_REMOVE takes locked memory.
 */
static void test_conform_guard__install_prepares_anon_vma(void **state)
{
	static const struct seed s[] = {
		ANON(P(0), P(2), F_RW | MR_VM_LOCKED),
		ANON(P(4), P(6), F_RWN),
	};
	mr_config c;
	mr_machine *m;
	mr_mm *mm;

	(void)state;
	mr_config_default(&c);
	c.assume_written = 0;
	m = new_machine_cfg(&c, NULL);
	mm = seeded(m, 1, s, 2, 0, 0);
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, MADV_GUARD_INSTALL_, U),
			 -EINVAL);
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, MADV_GUARD_REMOVE_, U), 0);
	assert_int_equal(mr_mm_find(mm, P(4))->anon_vma, 0);
	assert_int_equal(mr_mm_madvise(mm, P(4), PG, MADV_GUARD_INSTALL_, U),
			 0);
	assert_int_not_equal(mr_mm_find(mm, P(4))->anon_vma, 0);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * MAP_32BIT: the legacy bottom-up search between 1 GiB and 2 GiB from a
 * start drawn at random under ASLR: a free hint is taken, anything else
 * is not predicted (applied where the kernel put it), and a window with
 * no room is ENOMEM.
 */
static void test_conform_map32__below_2g(void **state)
{
	static const struct seed s[] = {
		ANON(0x7ffff7fd0000, 0x7ffff7fff000, F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);
	uint64_t fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT;

	(void)state;
	assert_int_equal(
		mr_mm_mmap(mm, 0, PG, PROT_READ, fl, NULL, 0, 0x40123000),
		MR_PRED_NONE);
	expect_vmas(mm, 0x40000000, 0x80000000,
		    {0x40123000, 0x40124000, F_R, PGOFF(0x40123000)});
	assert_int_equal(
		mr_mm_mmap(mm, 0x50000000, PG, PROT_READ, fl, NULL, 0, U),
		0x50000000);
	/* a hint the window cannot hold is ignored */
	assert_int_equal(mr_mm_mmap(mm, 0x7ffff000, 2 * PG, PROT_READ, fl, NULL,
				    0, 0x40124000),
			 MR_PRED_NONE);
	/* fill the window: nothing fits */
	assert_int_equal(mmap_fixed(mm, 0x40000000, 0x40000000, PROT_READ),
			 0x40000000);
	assert_int_equal(mr_mm_mmap(mm, 0, PG, PROT_READ, fl, NULL, 0, U),
			 -ENOMEM);
	mr_machine_free(m);
}

/*
 * MAP_HUGETLB: lengths in whole huge pages, placed 2 MiB aligned, never
 * accounted; a reservation needs a free page of the pool (ENOMEM), and
 * an unmap gives it back; MAP_NORESERVE needs none. A split off a huge
 * page boundary is EINVAL (munmap, mprotect); mremap cannot grow it.
 */
static void test_conform_hugetlb__pool_and_splits(void **state)
{
	static const struct seed s[] = {
		ANON(0x7ffff7fd0000, 0x7ffff7fff000, F_RW)};
	uint64_t fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB;
	uint64_t hf = MR_VM_READ | MR_VM_WRITE | MAY | MR_VM_HUGETLB |
		      MR_VM_DONTEXPAND;
	mr_config c;
	mr_machine *m;
	mr_mm *mm;
	int64_t a, b;

	(void)state;
	mr_config_default(&c);
	c.huge_avail[0] = 1;
	m = new_machine_cfg(&c, NULL);
	mm = seeded(m, 1, s, 1, 0, 0);
	a = mr_mm_mmap(mm, 0, PG, PROT_READ | PROT_WRITE, fl, NULL, 0, U);
	assert_true(a > 0);
	assert_int_equal(a & (MB * 2 - 1), 0);
	assert_int_equal(mr_mm_find(mm, (uint64_t)a)->end, a + 2 * MB);
	assert_int_equal(mr_mm_find(mm, (uint64_t)a)->flags, hf);
	{
		/* the reservation is refused after mmap_region() allocated
		 * the VMA: one vm_area_struct made and freed */
		uint64_t made = mr_machine_vma_objects(m, 0);
		uint64_t freed = mr_machine_vma_objects(m, 1);

		assert_int_equal(mr_mm_mmap(mm, 0, PG, PROT_READ | PROT_WRITE,
					    fl, NULL, 0, U),
				 -ENOMEM);
		assert_int_equal(mr_machine_vma_objects(m, 0), made + 1);
		assert_int_equal(mr_machine_vma_objects(m, 1), freed + 1);
	}
	b = mr_mm_mmap(mm, 0, 4 * MB, PROT_READ | PROT_WRITE,
		       fl | MAP_NORESERVE, NULL, 0, U);
	assert_true(b > 0);
	assert_int_equal(mr_mm_munmap(mm, (uint64_t)b, PG, U), -EINVAL);
	assert_int_equal(mr_mm_mprotect(mm, (uint64_t)b + PG, PG, PROT_READ, U),
			 -EINVAL);
	assert_int_equal(mr_mm_mprotect(mm, (uint64_t)b, 2 * MB, PROT_READ, U),
			 0);
	assert_int_equal(mr_mm_mremap(mm, (uint64_t)b, 2 * MB, 4 * MB, 0, 0, U),
			 -EINVAL);
	assert_int_equal(mr_mm_munmap(mm, (uint64_t)a, 2 * MB, U), 0);
	assert_true(mr_mm_mmap(mm, 0, PG, PROT_READ, fl, NULL, 0, U) > 0);
	/* a size the machine has no pages of: no hstate */
	{
		uint64_t made = mr_machine_vma_objects(m, 0);

		assert_int_equal(mr_mm_mmap(mm, 0, PG, PROT_READ,
					    fl | (25ull << 26), NULL, 0, U),
				 -EINVAL);
		/* refused before any VMA was made */
		assert_int_equal(mr_machine_vma_objects(m, 0), made);
	}
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * SHM_HUGETLB segments (newseg()): the SHM_HUGE_* size must exist, the
 * segment reserves its pages at shmget (ENOMEM from an empty pool, not
 * with SHM_NORESERVE) and gives them back when destroyed; an attach is a
 * hugetlb mapping, placed on a huge page boundary.
 */
static void test_conform_shm_hugetlb__reserves_at_shmget(void **state)
{
	static const struct seed s[] = {
		ANON(0x7ffff7fd0000, 0x7ffff7fff000, F_RW)};
	uint64_t fl = 01000 | 04000 | 0600; /* IPC_CREAT|SHM_HUGETLB */
	mr_config c;
	mr_machine *m;
	mr_mm *mm;
	int64_t a;

	(void)state;
	mr_config_default(&c);
	c.huge_avail[0] = 4;
	m = new_machine_cfg(&c, NULL);
	mm = seeded(m, 1, s, 1, 0, 0);
	assert_int_equal(mr_machine_shmget(m, 0x11, MB, fl | (25ull << 26), U),
			 -EINVAL);
	assert_int_equal(mr_machine_shmget(m, 0x11, 10 * MB, fl, U), -ENOMEM);
	assert_int_equal(mr_machine_shmget(m, 0x11, 10 * MB, fl | 010000, U),
			 MR_PRED_NONE);
	assert_int_equal(mr_machine_shmget(m, 0x12, 6 * MB, fl, 7),
			 MR_PRED_NONE);
	assert_int_equal(mr_machine_shmget(m, 0x13, 4 * MB, fl, U), -ENOMEM);
	a = mr_mm_shmat(mm, 7, 0, 0, U);
	assert_true(a > 0);
	assert_int_equal(a & (2 * MB - 1), 0);
	assert_int_equal(mr_mm_find(mm, (uint64_t)a)->end,
			 (uint64_t)a + 6 * MB);
	assert_true(mr_mm_find(mm, (uint64_t)a)->flags & MR_VM_HUGETLB);
	mr_machine_shm_rmid(m, 7);
	assert_int_equal(mr_machine_shmget(m, 0x13, 4 * MB, fl, U), -ENOMEM);
	assert_int_equal(mr_mm_shmdt(mm, (uint64_t)a, U), 0);
	assert_int_equal(mr_machine_shmget(m, 0x13, 4 * MB, fl, U),
			 MR_PRED_NONE);
	mr_machine_free(m);
}

/*
 * MAP_DROPPABLE: anonymous only, never with MAP_LOCKED; the VMA is
 * droppable, unreserved, wiped on fork, left out of core dumps; MADV_
 * KEEPONFORK and MADV_DODUMP refuse it, MADV_MERGEABLE and mlock leave it
 * alone (no split).
 */
static void test_conform_droppable__flags_and_refusals(void **state)
{
	static const struct seed s[] = {
		ANON(0x7ffff7fd0000, 0x7ffff7fff000, F_RW)};
	uint64_t dflags = MR_VM_READ | MR_VM_WRITE | MAY | MR_VM_DROPPABLE |
			  MR_VM_NORESERVE | MR_VM_WIPEONFORK | MR_VM_DONTDUMP;
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);
	int64_t a;

	(void)state;
	assert_int_equal(mr_mm_mmap(mm, 0, 4 * PG, PROT_READ | PROT_WRITE,
				    0x08 | MAP_ANONYMOUS | MAP_LOCKED, NULL, 0,
				    U),
			 -EINVAL);
	a = mr_mm_mmap(mm, 0, 4 * PG, PROT_READ | PROT_WRITE,
		       0x08 | MAP_ANONYMOUS, NULL, 0, U);
	assert_true(a > 0);
	assert_int_equal(mr_mm_find(mm, (uint64_t)a)->flags, dflags);
	assert_int_equal(
		mr_mm_madvise(mm, (uint64_t)a + PG, PG, MADV_KEEPONFORK, U),
		-EINVAL);
	assert_int_equal(
		mr_mm_madvise(mm, (uint64_t)a + PG, PG, MADV_DODUMP, U),
		-EINVAL);
	assert_int_equal(
		mr_mm_madvise(mm, (uint64_t)a + PG, PG, MADV_MERGEABLE, U), 0);
	assert_int_equal(mr_mm_mlock(mm, (uint64_t)a + PG, PG, 0, 0, U), 0);
	assert_int_equal(mr_mm_find(mm, (uint64_t)a)->end,
			 (uint64_t)a + 4 * PG);
	mr_machine_free(m);
}

/*
 * Population fails where a page cannot be faulted in: a guard marker
 * (MADV_POPULATE_* EFAULT, mlock ENOMEM), PROT_NONE memory (mlock
 * ENOMEM; MLOCK_ONFAULT does not populate). munmap takes the guards
 * away.
 */
static void test_conform_populate__guards_and_prot_none(void **state)
{
	static const struct seed s[] = {
		ANON(P(0), P(8), F_RW),
		ANON(P(10), P(12), F_NONE),
	};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_madvise(mm, P(2), PG, MADV_GUARD_INSTALL_, U),
			 0);
	assert_int_equal(mr_mm_madvise(mm, P(0), 4 * PG, MADV_POPULATE_READ, U),
			 -EFAULT);
	assert_int_equal(mr_mm_madvise(mm, P(3), PG, MADV_POPULATE_WRITE, U),
			 0);
	assert_int_equal(mr_mm_mlock(mm, P(2), PG, 0, 0, U), -ENOMEM);
	assert_int_equal(mr_mm_madvise(mm, P(2), PG, MADV_GUARD_REMOVE_, U), 0);
	assert_int_equal(mr_mm_mlock(mm, P(2), PG, 0, 0, U), 0);
	assert_int_equal(mr_mm_madvise(mm, P(5), PG, MADV_GUARD_INSTALL_, U),
			 0);
	assert_int_equal(mr_mm_munmap(mm, P(5), PG, U), 0);
	assert_int_equal(mmap_fixed(mm, P(5), PG, PROT_READ | PROT_WRITE),
			 (int64_t)P(5));
	assert_int_equal(mr_mm_madvise(mm, P(5), PG, MADV_POPULATE_WRITE, U),
			 0);
	assert_int_equal(mr_mm_mlock(mm, P(10), PG, 0, 0, U), -ENOMEM);
	assert_int_equal(mr_mm_mlock(mm, P(11), PG, 1, 1, U), 0); /* ONFAULT */
	mr_machine_free(m);
}

/*
 * The overcommit heuristic: one commit larger than RAM and swap is
 * ENOMEM (mmap of accountable memory, brk, mremap growth); unaccounted
 * memory (MAP_NORESERVE, read-only) is not committed.
 */
static void
test_conform_overcommit__one_commit_at_most_ram_and_swap(void **state)
{
	static const struct seed s[] = {
		ANON(0x7ffff7fd0000, 0x7ffff7fff000, F_RW)};
	uint64_t fl = MAP_PRIVATE | MAP_ANONYMOUS;
	mr_config c;
	mr_machine *m;
	mr_mm *mm;
	int64_t a;

	(void)state;
	mr_config_default(&c);
	c.commit_pages = 1024; /* 4 MiB */
	m = new_machine_cfg(&c, NULL);
	mm = seeded(m, 1, s, 1, 0x555555559000, 0x555555559000);
	assert_int_equal(mr_mm_mmap(mm, 0, 8 * MB, PROT_READ | PROT_WRITE, fl,
				    NULL, 0, U),
			 -ENOMEM);
	assert_true(mr_mm_mmap(mm, 0, 8 * MB, PROT_READ, fl, NULL, 0, U) > 0);
	assert_true(mr_mm_mmap(mm, 0, 8 * MB, PROT_READ | PROT_WRITE,
			       fl | MAP_NORESERVE, NULL, 0, U) > 0);
	a = mr_mm_mmap(mm, 0, 2 * MB, PROT_READ | PROT_WRITE, fl, NULL, 0, U);
	assert_true(a > 0);
	assert_int_equal(mr_mm_mremap(mm, (uint64_t)a, 2 * MB, 8 * MB, 1, 0, U),
			 -ENOMEM);
	assert_int_equal(mr_mm_brk_call(mm, 0x555555559000 + 8 * MB, U),
			 0x555555559000);
	mr_machine_free(m);
}

/*
 * The vdso and vvar never split (special_mapping_split()): munmap,
 * mprotect and an mremap shrink inside them are EINVAL; whole, they
 * unmap.
 */
static void test_conform_special__never_split(void **state)
{
	struct seed s[] = {ANON(P(0), P(2), F_R | MR_VM_DONTEXPAND),
			   ANON(P(4), P(6), F_RX | MR_VM_DONTEXPAND)};
	mr_machine *m = new_machine();
	mr_mm *mm;

	(void)state;
	s[0].kind = MR_VMA_VVAR;
	s[1].kind = MR_VMA_VDSO;
	mm = seeded(m, 1, s, 2, 0, 0);
	assert_int_equal(mr_mm_munmap(mm, P(4), PG, U), -EINVAL);
	assert_int_equal(mr_mm_mprotect(mm, P(4), PG, PROT_READ, U), -EINVAL);
	assert_int_equal(mr_mm_mremap(mm, P(0), 2 * PG, PG, 0, 0, U), -EINVAL);
	assert_int_equal(mr_mm_munmap(mm, P(4), 2 * PG, U), 0);
	expect_vmas(mm, P(0), P(8),
		    {P(0), P(2), F_R | MR_VM_DONTEXPAND, PGOFF(P(0))});
	mr_machine_free(m);
}

/*
 * Hugetlb bookkeeping the review found: a mapping the kernel made where
 * the model predicted ENOMEM (an empty pool) is still hugetlb memory; a
 * moved private mapping keeps its reservation; population over two
 * MAP_NORESERVE mappings needs a page for each; a seal is checked before
 * a split is refused.
 */
static void test_conform_hugetlb__review_cases(void **state)
{
	static const struct seed s[] = {
		ANON(0x7ffff7fd0000, 0x7ffff7fff000, F_RW)};
	uint64_t fl = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB;
	mr_config c;
	mr_machine *m;
	mr_mm *mm;
	int64_t a, b;

	(void)state;
	mr_config_default(&c);
	m = new_machine_cfg(&c, NULL);
	mm = seeded(m, 1, s, 1, 0, 0);
	/* the pool is empty, the kernel mapped it anyway */
	assert_int_equal(mr_mm_mmap(mm, 0, 2 * MB, PROT_READ, fl, NULL, 0,
				    0x7f0000000000),
			 -ENOMEM);
	assert_true(mr_mm_find(mm, 0x7f0000000000)->flags & MR_VM_HUGETLB);
	assert_int_equal(mr_mm_munmap(mm, 0x7f0000000000, 2 * MB, U), 0);
	mr_machine_free(m);

	c.huge_avail[0] = 2;
	m = new_machine_cfg(&c, NULL);
	mm = seeded(m, 1, s, 1, 0, 0);
	a = mr_mm_mmap(mm, 0, 2 * MB, PROT_READ, fl, NULL, 0, U);
	assert_true(a > 0);
	b = mr_mm_mremap(mm, (uint64_t)a, 2 * MB, 2 * MB, 3 /* MAYMOVE|FIXED */,
			 0x7e0000000000, U);
	assert_int_equal(b, 0x7e0000000000);
	/* one page reserved by the moved mapping, one left */
	assert_true(mr_mm_mmap(mm, 0, 2 * MB, PROT_READ, fl, NULL, 0, U) > 0);
	assert_int_equal(mr_mm_mmap(mm, 0, 2 * MB, PROT_READ, fl, NULL, 0, U),
			 -ENOMEM);
	mr_machine_free(m);

	c.huge_avail[0] = 1;
	m = new_machine_cfg(&c, NULL);
	mm = seeded(m, 1, s, 1, 0, 0);
	assert_int_equal(mr_mm_mmap(mm, 0x7d0000000000, 2 * MB,
				    PROT_READ | PROT_WRITE,
				    fl | MAP_NORESERVE | MAP_FIXED, NULL, 0, U),
			 0x7d0000000000);
	assert_int_equal(mr_mm_mmap(mm, 0x7d0000200000, 2 * MB,
				    PROT_READ | PROT_WRITE,
				    fl | MAP_NORESERVE | MAP_FIXED, NULL, 0, U),
			 0x7d0000200000);
	assert_int_equal(mr_mm_madvise(mm, 0x7d0000000000, 4 * MB,
				       MADV_POPULATE_WRITE, U),
			 -EFAULT);
	/* the first page was taken before the second failed */
	assert_int_equal(mr_mm_madvise(mm, 0x7d0000000000, 2 * MB,
				       MADV_POPULATE_WRITE, U),
			 0);
	assert_int_equal(mr_mm_mseal(mm, 0x7d0000000000, 2 * MB, 0, U), 0);
	assert_int_equal(mr_mm_munmap(mm, 0x7d0000000000 + PG, PG, U), -EPERM);
	mr_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conform_remove__einval_before_eacces),
		cmocka_unit_test(test_conform_cold__locked_is_einval),
		cmocka_unit_test(test_conform_guard__install_prepares_anon_vma),
		cmocka_unit_test(test_conform_map32__below_2g),
		cmocka_unit_test(test_conform_hugetlb__pool_and_splits),
		cmocka_unit_test(test_conform_shm_hugetlb__reserves_at_shmget),
		cmocka_unit_test(test_conform_droppable__flags_and_refusals),
		cmocka_unit_test(test_conform_populate__guards_and_prot_none),
		cmocka_unit_test(
			test_conform_overcommit__one_commit_at_most_ram_and_swap),
		cmocka_unit_test(test_conform_special__never_split),
		cmocka_unit_test(test_conform_hugetlb__review_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
