/*
 * test_vma.c - the VMA rules of engine/mm.c through the public API, in the
 * manner of the kernel's tools/testing/vma: merging new ranges, modifying
 * ranges (split and merge), unmapping, the map count limit, placement,
 * mprotect and brk, the maps format, and a randomized comparison with a
 * page-granular reference model.
 *
 * Layouts are drawn in pages of the window W (P(n) is its page n):
 *
 *  0123456789
 *  AAA  BBB      A is [P(0), P(3)), B is [P(5), P(8))
 *
 * Where the real kernel's behaviour was not obvious it was measured on
 * Linux 6.18 (x86-64) with small programs reading /proc/self/maps; the
 * tests say so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/engine/helpers.h"

/* ---- merging a new range (vma_merge_new_range) ---- */

/*
 *  012345
 *  AAA         mmap [3, 5) RW
 *  AAAAA       merged into prev
 */
static void test_vma_new_range_merge__prev(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(3), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(3), 2 * PG, PROT_READ | PROT_WRITE),
			 P(3));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(5), F_RW, PGOFF(P(0))});
	assert_int_equal(mr_mm_map_count(mm), 1);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 *  0123456
 *     BBB      mmap [1, 3) RW
 *   BBBBB      merged into next, whose start and pgoff move down
 */
static void test_vma_new_range_merge__next(void **state)
{
	static const struct seed s[] = {ANON(P(3), P(6), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(1), 2 * PG, PROT_READ | PROT_WRITE),
			 P(1));
	expect_vmas(mm, 0, UINT64_MAX, {P(1), P(6), F_RW, PGOFF(P(1))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 *  012345
 *  AA  BB      mmap [2, 4) RW
 *  AAAAAA      prev extended over the range and next; next deleted
 */
static void test_vma_new_range_merge__both(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW),
					ANON(P(4), P(6), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(2), 2 * PG, PROT_READ | PROT_WRITE),
			 P(2));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
	assert_int_equal(mr_mm_map_count(mm), 1);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 *  012345
 *  AA  BB      A is r--, B r-x, the new range rw-: nothing merges
 *  AANNBB
 */
static void test_vma_new_range_merge__neither(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_R),
					ANON(P(4), P(6), F_RX)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(2), 2 * PG, PROT_READ | PROT_WRITE),
			 P(2));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_R, PGOFF(P(0))},
		    {P(2), P(4), F_RW, PGOFF(P(2))},
		    {P(4), P(6), F_RX, PGOFF(P(4))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * tools/testing/vma's mmap_region basics: four compatible mappings, the
 * last one filling the hole between two others, end as two VMAs while
 * nothing was written. When each was written as soon as it was mapped
 * (the default assume_written policy) the two sides have different
 * anon_vmas and the last mapping can only join prev: three VMAs.
 */
static void test_vma_new_range_merge__four_maps_two_vmas(void **state)
{
	const uint64_t rw = PROT_READ | PROT_WRITE;
	int written;

	(void)state;
	for (written = 0; written < 2; written++) {
		mr_config c;
		mr_machine *m;
		mr_mm *mm;

		mr_config_default(&c);
		c.assume_written = written;
		m = new_machine_cfg(&c, NULL);
		mm = seeded(m, 1, NULL, 0, 0, 0);
		assert_int_equal(mmap_fixed(mm, 0x300000, 0x3000, rw),
				 0x300000);
		assert_int_equal(mmap_fixed(mm, 0x250000, 0x3000, rw),
				 0x250000);
		assert_int_equal(mmap_fixed(mm, 0x24a000, 0x3000, rw),
				 0x24a000);
		assert_int_equal(mmap_fixed(mm, 0x24d000, 0x3000, rw),
				 0x24d000);
		if (written)
			expect_vmas(mm, 0, UINT64_MAX,
				    {0x24a000, 0x250000, F_RW, 0x24a},
				    {0x250000, 0x253000, F_RW, 0x250},
				    {0x300000, 0x303000, F_RW, 0x300});
		else
			expect_vmas(mm, 0, UINT64_MAX,
				    {0x24a000, 0x253000, F_RW, 0x24a},
				    {0x300000, 0x303000, F_RW, 0x300});
		expect_invariants(m);
		mr_machine_free(m);
	}
}

/* Anonymous pgoffs must be contiguous: prev's pgoff is not start >> 12. */
static void test_vma_new_range_merge__needs_contiguous_pgoff(void **state)
{
	static const struct seed s[] = {{P(0), P(2), F_RW, PGOFF(P(0)) + 100, 0,
					 0, 0, MR_VMA_PLAIN, 1}};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(2), 2 * PG, PROT_READ | PROT_WRITE),
			 P(2));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0)) + 100},
		    {P(2), P(4), F_RW, PGOFF(P(2))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * File mappings merge only with the same open file description and
 * contiguous file offsets.
 */
static void
test_vma_new_range_merge__file_needs_same_ofd_and_offset(void **state)
{
	mr_machine *m = new_machine();
	uint32_t file = mr_machine_file(m, "/usr/lib/libx.so", 0xfe, 0, 42);
	uint32_t ofd1 = mr_machine_new_ofd(m), ofd2 = mr_machine_new_ofd(m);
	struct seed s[] = {{P(0), P(2), F_R, 0, file, ofd1, 0, 0, 1},
			   {P(10), P(12), F_R, 0, file, ofd1, 0, 0, 1},
			   {P(20), P(22), F_R, 0, file, ofd1, 0, 0, 1}};
	mr_fileref same = {file, ofd1, 1, 0, 0}, other = {file, ofd2, 1, 0, 0};
	mr_mm *mm = seeded(m, 1, s, 3, 0, 0);

	(void)state;
	/* same struct file, offset 2 pages: merges */
	assert_int_equal(mr_mm_mmap(mm, P(2), 2 * PG, PROT_READ,
				    MAP_PRIVATE | MAP_FIXED, &same, 2 * PG, U),
			 P(2));
	/* same file opened again: a different struct file, no merge */
	assert_int_equal(mr_mm_mmap(mm, P(12), 2 * PG, PROT_READ,
				    MAP_PRIVATE | MAP_FIXED, &other, 2 * PG, U),
			 P(12));
	/* same struct file, offset 3 pages instead of 2: no merge */
	assert_int_equal(mr_mm_mmap(mm, P(22), 2 * PG, PROT_READ,
				    MAP_PRIVATE | MAP_FIXED, &same, 3 * PG, U),
			 P(22));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_R, 0},
		    {P(10), P(12), F_R, 0}, {P(12), P(14), F_R, 2},
		    {P(20), P(22), F_R, 0}, {P(22), P(24), F_R, 3});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * Neighbours with different anon_vmas: the new range may join either, but
 * not both (can_vma_merge_right() checks prev and next against each
 * other), so it joins prev.
 *
 *  012345
 *  AA  BB      A has anon_vma 1001, B 1002
 *  AAAABB
 */
static void
test_vma_new_range_merge__incompatible_anon_vmas_join_prev(void **state)
{
	static const struct seed s[] = {ANON_AV(P(0), P(2), F_RW, 1001),
					ANON_AV(P(4), P(6), F_RW, 1002)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(2), 2 * PG, PROT_READ | PROT_WRITE),
			 P(2));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW, PGOFF(P(0))},
		    {P(4), P(6), F_RW, PGOFF(P(4))});
	assert_int_equal(mr_mm_find(mm, P(2))->anon_vma, 1001);
	expect_invariants(m);
	mr_machine_free(m);
}

/* Special (VM_IO...) and specially named VMAs never merge. */
static void test_vma_merge__special_flags_block(void **state)
{
	static const struct seed s[] = {
		ANON(P(0), P(2), F_R | MR_VM_IO),
		ANON(P(2), P(4), F_RW | MR_VM_IO),
		ANON(P(10), P(12), F_R),
		ANON(P(12), P(14), F_RW),
		{P(20), P(22), F_R, 0, 0, 0, 0, MR_VMA_VVAR, 0},
	};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 5, 0, 0);

	(void)state;
	/* mprotect makes B's flags equal A's; VM_IO blocks the merge */
	assert_int_equal(mr_mm_mprotect(mm, P(2), 2 * PG, PROT_READ, U), 0);
	/* the same without VM_IO merges */
	assert_int_equal(mr_mm_mprotect(mm, P(12), 2 * PG, PROT_READ, U), 0);
	/* a plain mapping next to [vvar] stays apart */
	assert_int_equal(mmap_fixed(mm, P(22), PG, PROT_READ), P(22));
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(0), P(2), F_R | MR_VM_IO, PGOFF(P(0))},
		    {P(2), P(4), F_R | MR_VM_IO, PGOFF(P(2))},
		    {P(10), P(14), F_R, PGOFF(P(10))},
		    {P(20), P(22), F_R, PGOFF(P(20))},
		    {P(22), P(23), F_R, PGOFF(P(22))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A fork child's VMA has a non-singular anon_vma chain: a new range next
 * to it does not merge (is_mergeable_anon_vma(), 6.16+), while the same
 * operation in the parent merges.
 */
static void test_vma_new_range_merge__fork_child_anon_vma_blocks(void **state)
{
	static const struct seed s[] = {ANON_AV(P(0), P(2), F_RW, 1001)};
	mr_machine *m = new_machine();
	mr_mm *parent = seeded(m, 10, s, 1, 0, 0), *child;

	(void)state;
	assert_int_equal(mr_machine_clone(m, 10, 11, 0), 0);
	child = mr_machine_task_mm(m, 11);
	assert_non_null(child);
	assert_ptr_not_equal(child, parent);
	assert_true(mr_mm_first(child)->anon_forked);
	assert_int_not_equal(mr_mm_first(child)->anon_vma, 1001);

	assert_int_equal(
		mmap_fixed(child, P(2), 2 * PG, PROT_READ | PROT_WRITE), P(2));
	expect_vmas(child, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_RW, PGOFF(P(2))});
	assert_int_equal(
		mmap_fixed(parent, P(2), 2 * PG, PROT_READ | PROT_WRITE), P(2));
	expect_vmas(parent, 0, UINT64_MAX, {P(0), P(4), F_RW, PGOFF(P(0))});
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- modifying a range (vma_modify / vma_merge_existing_range) ---- */

/*
 *  012345
 *  AAAAAA      mprotect [2, 4) RW
 *  AABBCC      three VMAs; the middle and upper pgoffs follow the split
 */
static void test_vma_modify__middle_splits_three_ways(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(6), F_R)};
	mr_config c;
	mr_machine *m;
	mr_mm *mm;

	(void)state;
	/* never written (taken as written, the pages made writable would
	 * get an anon_vma and keep VM_ACCOUNT: test_written.c) */
	mr_config_default(&c);
	c.assume_written = 0;
	m = new_machine_cfg(&c, NULL);
	mm = seeded(m, 1, s, 1, 0, 0);
	assert_int_equal(
		mr_mm_mprotect(mm, P(2), 2 * PG, PROT_READ | PROT_WRITE, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_R, PGOFF(P(0))},
		    {P(2), P(4), F_RW, PGOFF(P(2))},
		    {P(4), P(6), F_R, PGOFF(P(4))});
	assert_int_equal(mr_mm_map_count(mm), 3);
	expect_invariants(m);
	/* and back: both sides merge again */
	assert_int_equal(mr_mm_mprotect(mm, P(2), 2 * PG, PROT_READ, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_R, PGOFF(P(0))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 *  012345
 *  PPVVVV      mprotect [2, 4) r--: the range joins prev
 *  PPPPVV      (VM_ACCOUNT goes: V never had an anon_vma)
 */
static void test_vma_modify__start_merges_into_prev(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_R),
					ANON(P(2), P(6), F_RW)};
	mr_config c;
	mr_machine *m;
	mr_mm *mm;

	(void)state;
	mr_config_default(&c);
	c.assume_written = 0;
	m = new_machine_cfg(&c, NULL);
	mm = seeded(m, 1, s, 2, 0, 0);
	assert_int_equal(mr_mm_mprotect(mm, P(2), 2 * PG, PROT_READ, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_R, PGOFF(P(0))},
		    {P(4), P(6), F_RW, PGOFF(P(4))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 *  012345
 *  VVVVNN      mprotect [2, 4) r--: the range joins next
 *  VVNNNN      next's start and pgoff move down
 */
static void test_vma_modify__end_merges_into_next(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW),
					ANON(P(4), P(6), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_mprotect(mm, P(2), 2 * PG, PROT_READ, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(6), F_R, PGOFF(P(2))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 *  012345
 *  PPVVNN      mprotect all of V r--
 *  PPPPPP      prev extended, V and next deleted
 */
static void test_vma_modify__whole_vma_merges_both(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_R),
					ANON(P(2), P(4), F_RW),
					ANON(P(4), P(6), F_R)};
	struct mirror j;
	mr_machine *m = new_machine_cfg(NULL, &j);
	mr_mm *mm = seeded(m, 1, s, 3, 0, 0);
	long dels;

	(void)state;
	dels = j.dels;
	assert_int_equal(mr_mm_mprotect(mm, P(2), 2 * PG, PROT_READ, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_R, PGOFF(P(0))});
	assert_int_equal(mr_mm_map_count(mm), 1);
	/* V and next deleted; prev left and came back changed */
	assert_int_equal(j.dels - dels, 3);
	assert_int_equal(j.vmas, 1);
	assert_int_equal(j.bad, 0);
	expect_invariants(m);
	mr_machine_free(m);
	mirror_free(&j);
}

/*
 *  012345
 *  PPVVNN      P, V, N have three different anon_vmas; V becomes r--
 *  PPVVNN      like its neighbours, but no merge is allowed
 */
static void test_vma_modify__incompatible_anon_vmas_block(void **state)
{
	static const struct seed s[] = {ANON_AV(P(0), P(2), F_R, 1001),
					ANON_AV(P(2), P(4), F_RX, 1003),
					ANON_AV(P(4), P(6), F_R, 1002)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 3, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_mprotect(mm, P(2), 2 * PG, PROT_READ, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_R, PGOFF(P(0))},
		    {P(2), P(4), F_R, PGOFF(P(2))},
		    {P(4), P(6), F_R, PGOFF(P(4))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * V without an anon_vma between P (1001) and N (1002): it may join either
 * but P and N cannot join each other, so it joins P only.
 */
static void test_vma_modify__anon_vma_of_prev_and_next_must_agree(void **state)
{
	static const struct seed s[] = {ANON_AV(P(0), P(2), F_R, 1001),
					ANON(P(2), P(4), F_RX),
					ANON_AV(P(4), P(6), F_R, 1002)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 3, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_mprotect(mm, P(2), 2 * PG, PROT_READ, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_R, PGOFF(P(0))},
		    {P(4), P(6), F_R, PGOFF(P(4))});
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- munmap ---- */

static void test_vma_munmap__splits(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(8), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	/* head */
	assert_int_equal(mr_mm_munmap(mm, P(0), 2 * PG, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(2), P(8), F_R, PGOFF(P(2))});
	/* tail, with a length that is not a page multiple */
	assert_int_equal(mr_mm_munmap(mm, P(6), PG + 1, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(2), P(6), F_R, PGOFF(P(2))});
	/* middle */
	assert_int_equal(mr_mm_munmap(mm, P(3), PG, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(2), P(3), F_R, PGOFF(P(2))},
		    {P(4), P(6), F_R, PGOFF(P(4))});
	/* holes only: success, nothing changes */
	assert_int_equal(mr_mm_munmap(mm, P(20), 4 * PG, U), 0);
	assert_int_equal(mr_mm_munmap(mm, P(3), PG, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(2), P(3), F_R, PGOFF(P(2))},
		    {P(4), P(6), F_R, PGOFF(P(4))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 *  0123456789AB
 *  AAAABBBBCCCC    munmap [2, 10)
 *  AA        CC    A and C split, B removed
 */
static void test_vma_munmap__spanning_several_vmas(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_R),
					ANON(P(4), P(8), F_RX),
					ANON(P(8), P(12), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 3, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_munmap(mm, P(2), 8 * PG, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_R, PGOFF(P(0))},
		    {P(10), P(12), F_R, PGOFF(P(10))});
	expect_invariants(m);
	mr_machine_free(m);
}

static void test_vma_munmap__bad_arguments_are_einval(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(8), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);
	const uint64_t task = mr_machine_config(m)->task_size;

	(void)state;
	assert_int_equal(mr_mm_munmap(mm, P(0) + 1, PG, U), -EINVAL);
	assert_int_equal(mr_mm_munmap(mm, P(0), 0, U), -EINVAL);
	assert_int_equal(mr_mm_munmap(mm, task + PG, PG, U), -EINVAL);
	assert_int_equal(mr_mm_munmap(mm, task - PG, 2 * PG, U), -EINVAL);
	assert_int_equal(mr_mm_munmap(mm, P(0), UINT64_MAX, U), -EINVAL);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(8), F_R, PGOFF(P(0))});
	mr_machine_free(m);
}

/* ---- vm.max_map_count ---- */

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

/*
 * map_count == max_map_count (measured): munmap and MAP_FIXED in the
 * middle of a VMA fail with ENOMEM and change nothing; munmap of a head
 * needs no new VMA and succeeds; mprotect needing any split fails.
 */
static void test_vma_max_map_count__full_refuses_splits(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(16), F_R),
					ANON(P(32), P(48), F_R)};
	mr_machine *m;
	mr_mm *mm = limited(&m, 2, s, 2);

	(void)state;
	assert_int_equal(mr_mm_munmap(mm, P(1), PG, U), -ENOMEM);
	assert_int_equal(mmap_fixed(mm, P(1), PG, PROT_READ | PROT_WRITE),
			 -ENOMEM);
	assert_int_equal(
		mr_mm_mprotect(mm, P(4), PG, PROT_READ | PROT_WRITE, U),
		-ENOMEM);
	assert_int_equal(
		mr_mm_mprotect(mm, P(0), PG, PROT_READ | PROT_WRITE, U),
		-ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(16), F_R, PGOFF(P(0))},
		    {P(32), P(48), F_R, PGOFF(P(32))});
	assert_int_equal(mr_mm_munmap(mm, P(0), PG, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(1), P(16), F_R, PGOFF(P(1))},
		    {P(32), P(48), F_R, PGOFF(P(32))});
	/* the whole of a VMA needs no split */
	assert_int_equal(
		mr_mm_mprotect(mm, P(32), 16 * PG, PROT_READ | PROT_WRITE, U),
		0);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * map_count == max_map_count - 1 (measured): a three-way mprotect does the
 * first split, then the second fails. The kernel returns ENOMEM and keeps
 * the first split; the flags are unchanged.
 *
 *  0123456789ABCDEF
 *  AAAAAAAAAAAAAAAA    mprotect [4, 5) rw-, one split allowed
 *  AAAABBBBBBBBBBBB    -ENOMEM, both r--
 */
static void test_vma_max_map_count__second_split_fails_after_first(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(16), F_R),
					ANON(P(32), P(33), F_R)};
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		mr_machine *m;
		mr_mm *mm = limited(&m, 3, s, 2);
		/* pass 0: the model decides; pass 1: a trace recorded the
		 * kernel's answer, which the dry run must predict */
		int64_t rec = pass ? -ENOMEM : U;

		assert_int_equal(mr_mm_mprotect(mm, P(4), PG,
						PROT_READ | PROT_WRITE, rec),
				 -ENOMEM);
		expect_vmas(mm, 0, P(32), {P(0), P(4), F_R, PGOFF(P(0))},
			    {P(4), P(16), F_R, PGOFF(P(4))});
		expect_invariants(m);
		mr_machine_free(m);
	}
}

/*
 * Two VMAs each needing a split, one split allowed (measured): the first
 * VMA's part is changed, the second VMA's split fails.
 *
 *  0123456789ABCDEF
 *  AAAAAAAABBBBBBBB    A r--p, B r-xs; mprotect [4, 12) rw-
 *  AAAACCCCBBBBBBBB    -ENOMEM, C rw-p
 */
static void test_vma_max_map_count__stops_in_second_vma(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(8), F_R),
					{P(8), P(16),
					 F_RX | MR_VM_SHARED | MR_VM_MAYSHARE,
					 0, 0, 0, 0, MR_VMA_PLAIN, 1},
					ANON(P(32), P(33), F_R)};
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		mr_machine *m;
		mr_mm *mm = limited(&m, 4, s, 3);
		int64_t rec = pass ? -ENOMEM : U;

		assert_int_equal(mr_mm_mprotect(mm, P(4), 8 * PG,
						PROT_READ | PROT_WRITE, rec),
				 -ENOMEM);
		expect_vmas(
			mm, 0, P(32), {P(0), P(4), F_R, PGOFF(P(0))},
			{P(4), P(8), F_RW, PGOFF(P(4))},
			{P(8), P(16), F_RX | MR_VM_SHARED | MR_VM_MAYSHARE, 0});
		expect_invariants(m);
		mr_machine_free(m);
	}
}

/* The same mprotect with room for both splits succeeds. */
static void test_vma_max_map_count__room_for_two_splits(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(16), F_R)};
	mr_machine *m;
	mr_mm *mm = limited(&m, 3, s, 1);

	(void)state;
	assert_int_equal(
		mr_mm_mprotect(mm, P(4), PG, PROT_READ | PROT_WRITE, -ENOMEM),
		0);
	mr_machine_free(m);
	mm = limited(&m, 3, s, 1);
	assert_int_equal(
		mr_mm_mprotect(mm, P(4), PG, PROT_READ | PROT_WRITE, U), 0);
	assert_int_equal(mr_mm_map_count(mm), 3);
	mr_machine_free(m);
}

/*
 * A sealed VMA (mseal) refuses munmap and MAP_FIXED with EPERM, but the
 * map count is checked first (measured: at the limit, unmapping the
 * middle of a sealed VMA gives ENOMEM).
 */
static void test_vma_max_map_count__checked_before_sealing(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(16), F_R | MR_VM_SEALED)};
	mr_machine *m;
	mr_mm *mm = limited(&m, 1, s, 1);

	(void)state;
	assert_int_equal(mr_mm_munmap(mm, P(4), PG, U), -ENOMEM);
	assert_int_equal(mmap_fixed(mm, P(4), PG, PROT_READ), -ENOMEM);
	assert_int_equal(mr_mm_munmap(mm, P(0), PG, U), -EPERM);
	mr_machine_free(m);
	mm = limited(&m, 65530, s, 1);
	assert_int_equal(mr_mm_munmap(mm, P(4), PG, U), -EPERM);
	assert_int_equal(mmap_fixed(mm, P(4), PG, PROT_READ), -EPERM);
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(0), P(16), F_R | MR_VM_SEALED, PGOFF(P(0))});
	mr_machine_free(m);
}

/* mmap refuses only when map_count > max_map_count (measured). */
static void test_vma_max_map_count__mmap_needs_count_above_max(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(1), F_R),
					ANON(P(2), P(3), F_R),
					ANON(P(4), P(5), F_R)};
	mr_machine *m;
	mr_mm *mm = limited(&m, 2, s, 3);

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(8), PG, PROT_READ | PROT_EXEC),
			 -ENOMEM);
	expect_no_vmas(mm, P(8), P(9));
	mr_machine_free(m);
	mm = limited(&m, 3, s, 3);
	assert_int_equal(mmap_fixed(mm, P(8), PG, PROT_READ | PROT_EXEC), P(8));
	assert_int_equal(mr_mm_map_count(mm), 4);
	/* at count > max the checker still accepts: max + 1 is reachable */
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- placement (arch_get_unmapped_area_topdown) ---- */

/*
 * The top of a static binary's address space without ASLR (measured with
 * setarch -R): [vvar], [vvar_vclock], [vdso] just below mmap_base, the
 * stack above, the heap low.
 */
#define VVAR 0x7ffff7ff7000ull
#define VCLOCK 0x7ffff7ffb000ull
#define VDSO 0x7ffff7ffd000ull
#define BASE 0x7ffff7fff000ull
#define STACK 0x7ffffffde000ull
#define STACK_END 0x7ffffffff000ull
#define START_BRK 0x4da000ull

static mr_mm *static_layout(mr_machine *m, int32_t pid)
{
	static const struct seed s[] = {
		ANON(0x4c5000, START_BRK, F_RW),
		ANON(START_BRK, 0x4fc000, F_RW),
		{VVAR, VCLOCK,
		 MR_VM_READ | MR_VM_MAYREAD | MR_VM_IO | MR_VM_PFNMAP |
			 MR_VM_DONTEXPAND,
		 0, 0, 0, 0, MR_VMA_VVAR, 1},
		{VCLOCK, VDSO,
		 MR_VM_READ | MR_VM_MAYREAD | MR_VM_IO | MR_VM_PFNMAP |
			 MR_VM_DONTEXPAND,
		 0, 0, 0, 0, MR_VMA_VVAR_VCLOCK, 1},
		{VDSO, BASE, F_RX | MR_VM_DONTEXPAND, 0, 0, 0, 0, MR_VMA_VDSO,
		 1},
		{STACK, STACK_END, F_RW | MR_VM_GROWSDOWN, 0, 0, 0, 0,
		 MR_VMA_STACK, 0},
	};
	mr_mm *mm = seeded(m, pid, s, sizeof(s) / sizeof(s[0]), START_BRK,
			   0x4fc000);

	assert_int_equal(mr_mm_mmap_base(mm), BASE);
	return mm;
}

/*
 * Replays a measured sequence: a VM_GROWSDOWN VMA G with a two-page hole
 * above it. A four-page mapping cannot use the hole and must stay a guard
 * gap (1 MiB) below G. Then a VMA Y is put inside G's guard zone; the
 * kernel still searches below the whole guard zone (not just below Y).
 * A two-page mapping finally fills the hole above G exactly.
 *
 * Kernel result (/proc/self/maps):
 *   7ffff7ee4000-7ffff7ee8000 r-xp
 *   7ffff7ee8000-7ffff7eec000 r--p
 *   7ffff7fdb000-7ffff7fdc000 r--p       Y
 *   7ffff7fec000-7ffff7ff4000 rw-p       G
 *   7ffff7ff4000-7ffff7ff6000 rwxp
 *   7ffff7ff6000-7ffff7ff7000 r--p       X
 */
static void test_vma_place__topdown_respects_stack_guard_gap(void **state)
{
	const uint64_t X = VVAR - PG, G = X - 10 * PG, Y = G - 17 * PG;
	mr_machine *m = new_machine();
	mr_mm *mm = static_layout(m, 1);

	(void)state;
	assert_int_equal(mmap_fixed(mm, X, PG, PROT_READ), X);
	assert_int_equal(mmap_anon(mm, G, 8 * PG, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_FIXED | MAP_GROWSDOWN),
			 G);
	assert_int_equal(mmap_anon(mm, 0, 4 * PG, PROT_READ, MAP_PRIVATE),
			 0x7ffff7ee8000);
	assert_int_equal(mmap_fixed(mm, Y, PG, PROT_READ), Y);
	assert_int_equal(
		mmap_anon(mm, 0, 4 * PG, PROT_READ | PROT_EXEC, MAP_PRIVATE),
		0x7ffff7ee4000);
	assert_int_equal(mmap_anon(mm, 0, 2 * PG,
				   PROT_READ | PROT_WRITE | PROT_EXEC,
				   MAP_PRIVATE),
			 0x7ffff7ff4000);
	expect_vmas(mm, 0x7ff000000000, VVAR,
		    {0x7ffff7ee4000, 0x7ffff7ee8000, F_RX, 0x7ffff7ee4},
		    {0x7ffff7ee8000, 0x7ffff7eec000, F_R, 0x7ffff7ee8},
		    {0x7ffff7fdb000, 0x7ffff7fdc000, F_R, 0x7ffff7fdb},
		    {0x7ffff7fec000, 0x7ffff7ff4000, F_RW | MR_VM_GROWSDOWN,
		     0x7ffff7fec},
		    {0x7ffff7ff4000, 0x7ffff7ff6000, F_RWX, 0x7ffff7ff4},
		    {0x7ffff7ff6000, 0x7ffff7ff7000, F_R, 0x7ffff7ff6});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * Measured: MAP_GROWSDOWN without MAP_FIXED reserves no guard gap for
 * itself (only shadow stacks get a start gap), so it takes the top of an
 * eight-page hole; the next plain mapping fits the four pages left, but
 * they lie in the new VMA's guard gap, so it goes below the guard zone.
 */
static void test_vma_place__growsdown_mapping_then_guard(void **state)
{
	const uint64_t X = VVAR - PG, Y = X - 9 * PG;
	mr_machine *m = new_machine();
	mr_mm *mm = static_layout(m, 1);

	(void)state;
	assert_int_equal(mmap_fixed(mm, X, PG, PROT_READ), X);
	assert_int_equal(mmap_fixed(mm, Y, PG, PROT_READ | PROT_EXEC), Y);
	assert_int_equal(mmap_anon(mm, 0, 4 * PG, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_GROWSDOWN),
			 X - 4 * PG);
	assert_int_equal(mmap_anon(mm, 0, 4 * PG, PROT_READ, MAP_PRIVATE),
			 X - 4 * PG - MB - 4 * PG);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * Consecutive top-down mappings stack downwards from mmap_base and merge
 * when compatible (the second one merges into the first as its next).
 */
static void test_vma_place__topdown_below_mmap_base(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = static_layout(m, 1);

	(void)state;
	assert_int_equal(
		mmap_anon(mm, 0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE),
		VVAR - 3 * PG);
	assert_int_equal(
		mmap_anon(mm, 0, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE),
		VVAR - 5 * PG);
	assert_int_equal(mmap_anon(mm, 0, PG, PROT_READ, MAP_PRIVATE),
			 VVAR - 6 * PG);
	expect_vmas(mm, 0x7ff000000000, VVAR,
		    {VVAR - 6 * PG, VVAR - 5 * PG, F_R, PGOFF(VVAR - 6 * PG)},
		    {VVAR - 5 * PG, VVAR, F_RW, PGOFF(VVAR - 5 * PG)});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * Hints (measured): used when free; ignored when occupied; a non-zero hint
 * below mmap_min_addr is raised to it (65536 in effect on 6.18 with
 * CONFIG_LSM_MMAP_MIN_ADDR, although /proc/sys/vm/mmap_min_addr reads
 * 4096); a hint is page-masked down, so 0x100 means "no hint".
 */
static void test_vma_place__hints(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = static_layout(m, 1);

	(void)state;
	assert_int_equal(mr_machine_config(m)->mmap_min_addr, 0x10000);
	assert_int_equal(
		mmap_anon(mm, 0x20000000, 2 * PG, PROT_READ, MAP_PRIVATE),
		0x20000000);
	assert_int_equal(mmap_anon(mm, 0x20001000, PG, PROT_READ, MAP_PRIVATE),
			 VVAR - PG);
	assert_int_equal(mmap_anon(mm, 0x1000, PG, PROT_READ, MAP_PRIVATE),
			 0x10000);
	assert_int_equal(
		mmap_anon(mm, 0x100, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE),
		VVAR - 2 * PG);
	assert_int_equal(mmap_anon(mm, 0x30000123, PG, PROT_READ, MAP_PRIVATE),
			 0x30000000);
	/* masked to 0x30001000, free, and it merges with the last one */
	assert_int_equal(mmap_anon(mm, 0x30001fff, PG, PROT_READ, MAP_PRIVATE),
			 0x30001000);
	expect_vmas(mm, 0x10000, 0x20000, {0x10000, 0x11000, F_R, 0x10});
	expect_vmas(mm, 0x20000000, 0x40000000,
		    {0x20000000, 0x20002000, F_R, 0x20000},
		    {0x30000000, 0x30002000, F_R, 0x30000});
	/* a hint above TASK_SIZE - len is not valid */
	assert_int_equal(mmap_anon(mm, 0x7ffffffff000 - PG, 2 * PG, PROT_READ,
				   MAP_PRIVATE),
			 VVAR - 4 * PG);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A hint must leave the guard gap below a VM_GROWSDOWN VMA free
 * (measured: G - 4K and G - 1M are refused, G - 1M - 4K is used).
 */
static void test_vma_place__hint_respects_stack_guard_gap(void **state)
{
	const uint64_t G = 0x600000000000;
	mr_machine *m = new_machine();
	mr_mm *mm = static_layout(m, 1);

	(void)state;
	assert_int_equal(mmap_anon(mm, G, 8 * PG, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_FIXED | MAP_GROWSDOWN),
			 G);
	assert_int_equal(mmap_fixed(mm, G - 2 * MB, PG, PROT_READ), G - 2 * MB);
	assert_int_equal(mmap_anon(mm, G - PG, PG, PROT_READ, MAP_PRIVATE),
			 VVAR - PG);
	assert_int_equal(mmap_anon(mm, G - MB, PG, PROT_READ, MAP_PRIVATE),
			 VVAR - 2 * PG);
	assert_int_equal(mmap_anon(mm, G - MB - PG, PG, PROT_READ, MAP_PRIVATE),
			 G - MB - PG);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * THP alignment (measured): an anonymous private mapping without a hint
 * whose length is a multiple of 2 MiB is 2 MiB aligned, at the top of a
 * padded search; the sysfs THP mode does not matter ("never" aligns too).
 * Not for 2 MiB + 4 KiB, not for shared anonymous memory (shmem THP off),
 * not when a hint was given.
 */
static void test_vma_place__thp_aligns_anonymous_2mib_multiples(void **state)
{
	int mode;

	(void)state;
	for (mode = MR_THP_NEVER; mode <= MR_THP_ALWAYS; mode++) {
		mr_config c;
		mr_machine *m;
		mr_mm *mm;

		mr_config_default(&c);
		c.thp = mode;
		m = new_machine_cfg(&c, NULL);
		mm = static_layout(m, 1);
		/* padded area [VVAR - 4M, VVAR), aligned up */
		assert_int_equal(mmap_anon(mm, 0, 2 * MB,
					   PROT_READ | PROT_WRITE, MAP_PRIVATE),
				 0x7ffff7c00000);
		/* the next one: the padded area's start is aligned already,
		 * so the result is its top 2 MiB */
		assert_int_equal(
			mmap_anon(mm, 0, 2 * MB, PROT_READ, MAP_PRIVATE),
			0x7ffff7a00000);
		assert_int_equal(mmap_anon(mm, 0, 4 * MB, PROT_READ,
					   MAP_PRIVATE | MAP_STACK),
				 0x7ffff7600000);
		/* the 0x1f7000 bytes above the first are free, and used */
		assert_int_equal(
			mmap_anon(mm, 0, 2 * MB + PG, PROT_READ, MAP_PRIVATE),
			0x7ffff7600000 - 2 * MB - PG);
		assert_int_equal(mmap_anon(mm, 0, 2 * MB,
					   PROT_READ | PROT_WRITE, MAP_SHARED),
				 0x7ffff7600000 - 4 * MB - PG);
		/* a hint that is taken: no alignment search */
		assert_int_equal(mmap_anon(mm, 0x40001000, 2 * MB, PROT_READ,
					   MAP_PRIVATE),
				 0x40001000);
		/* an occupied hint: the plain search */
		assert_int_equal(mmap_anon(mm, 0x40001000, 2 * MB,
					   PROT_READ | PROT_EXEC, MAP_PRIVATE),
				 0x7ffff7600000 - 6 * MB - PG);
		expect_invariants(m);
		mr_machine_free(m);
	}
}

/*
 * Files on ext4 (measured, the same steps as here): a mapping whose file
 * range holds an aligned 2 MiB of the file is placed so that file offset
 * and address agree modulo 2 MiB, even when the hint has room for the
 * mapping itself (the hint is tried with the padded length); shared
 * mappings too. tmpfs files and the file_thp switch turned off give the
 * plain search.
 */
static void test_vma_place__thp_aligns_large_file_mappings(void **state)
{
	const uint64_t big = VVAR - 64 * MB - PG;
	int pass;

	(void)state;
	for (pass = 0; pass < 3; pass++) {
		mr_config c;
		mr_machine *m;
		mr_mm *mm;
		uint32_t file;
		mr_fileref f;
		int aligned = pass == 0;

		mr_config_default(&c);
		c.file_thp = pass != 2;
		m = new_machine_cfg(&c, NULL);
		mm = static_layout(m, 1);
		file = mr_machine_file(
			m, pass == 1 ? "/dev/shm/f8m" : "/tmp/kexp/f8m", 0xfe,
			0, 99);
		f = (mr_fileref){file, mr_machine_new_ofd(m), 1, 0, 0};
		assert_int_equal(
			mmap_anon(mm, 0, 64 * MB + PG, PROT_NONE, MAP_PRIVATE),
			big);
		/* a 4 MiB hole inside big, one page above its start */
		assert_int_equal(mr_mm_munmap(mm, big + PG, 4 * MB, U), 0);
		assert_int_equal(mr_mm_mmap(mm, big + PG, 4 * MB, PROT_READ,
					    MAP_PRIVATE, &f, 0, U),
				 aligned ? 0x7ffff3a00000 : big + PG);
		if (!aligned) {
			expect_invariants(m);
			mr_machine_free(m);
			continue;
		}
		assert_int_equal(mr_mm_mmap(mm, big + 2 * PG, 4 * MB, PROT_READ,
					    MAP_PRIVATE, &f, 0, U),
				 0x7ffff3600000);
		/* [4K, 2M + 12K) holds no aligned 2 MiB: plain search */
		assert_int_equal(mr_mm_mmap(mm, 0, 2 * MB + 2 * PG, PROT_READ,
					    MAP_PRIVATE, &f, PG, U),
				 big + PG + 4 * MB - 2 * MB - 2 * PG);
		assert_int_equal(mr_mm_mmap(mm, 0, 2 * MB, PROT_READ,
					    MAP_SHARED, &f, 0, U),
				 0x7ffff3400000);
		/* the file's 2 MiB boundary at offset 2 MiB is aligned */
		assert_int_equal(mr_mm_mmap(mm, 0, 3 * MB, PROT_READ,
					    MAP_PRIVATE, &f, MB, U) %
					 (2 * MB),
				 MB);
		expect_invariants(m);
		mr_machine_free(m);
	}
}

/* MAP_FIXED replaces what is there, and the new range merges. */
static void test_vma_place__map_fixed_replaces_and_merges(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(8), F_RW),
					ANON(P(10), P(12), F_RX)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(2), 2 * PG, PROT_READ), P(2));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_R, PGOFF(P(2))},
		    {P(4), P(8), F_RW, PGOFF(P(4))},
		    {P(10), P(12), F_RX, PGOFF(P(10))});
	expect_invariants(m);
	assert_int_equal(mmap_fixed(mm, P(2), 2 * PG, PROT_READ | PROT_WRITE),
			 P(2));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(8), F_RW, PGOFF(P(0))},
		    {P(10), P(12), F_RX, PGOFF(P(10))});
	expect_invariants(m);
	/* over several VMAs and a hole */
	assert_int_equal(mmap_fixed(mm, P(6), 5 * PG, PROT_READ | PROT_EXEC),
			 P(6));
	/* the rest of B lines up with the new range and joins it */
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))},
		    {P(6), P(12), F_RX, PGOFF(P(6))});
	expect_invariants(m);
	mr_machine_free(m);
}

static void test_vma_place__map_fixed_noreplace_is_eexist(void **state)
{
	static const struct seed s[] = {ANON(P(4), P(8), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mmap_anon(mm, P(2), 3 * PG, PROT_READ,
				   MAP_PRIVATE | MAP_FIXED_NOREPLACE),
			 -EEXIST);
	assert_int_equal(mmap_anon(mm, P(7), PG, PROT_READ,
				   MAP_PRIVATE | MAP_FIXED_NOREPLACE),
			 -EEXIST);
	assert_int_equal(mmap_anon(mm, P(0), 4 * PG, PROT_READ,
				   MAP_PRIVATE | MAP_FIXED_NOREPLACE),
			 P(0));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_R, PGOFF(P(0))},
		    {P(4), P(8), F_RW, PGOFF(P(4))});
	mr_machine_free(m);
}

/* ---- mmap: flags and errors ---- */

static void test_vma_mmap__vm_flags(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = static_layout(m, 1);
	uint32_t file = mr_machine_file(m, "/etc/passwd", 0xfe, 0, 861);
	mr_fileref ro = {file, mr_machine_new_ofd(m), 1, 0, 0};
	mr_fileref rw = {file, mr_machine_new_ofd(m), 1, 1, 0};
	const uint64_t rw_ = PROT_READ | PROT_WRITE;

	(void)state;
	assert_int_equal(mmap_anon(mm, P(0), PG, rw_, MAP_PRIVATE | MAP_FIXED),
			 P(0));
	assert_int_equal(mmap_anon(mm, P(2), PG, rw_,
				   MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE),
			 P(2));
	assert_int_equal(mmap_anon(mm, P(4), PG, rw_, MAP_SHARED | MAP_FIXED),
			 P(4));
	assert_int_equal(mmap_anon(mm, P(6), PG, rw_,
				   MAP_PRIVATE | MAP_FIXED | MAP_STACK),
			 P(6));
	assert_int_equal(mmap_anon(mm, P(8), PG, rw_,
				   MAP_PRIVATE | MAP_FIXED | MAP_LOCKED),
			 P(8));
	assert_int_equal(mr_mm_mmap(mm, P(10), PG, PROT_READ,
				    MAP_SHARED | MAP_FIXED, &ro, 0, U),
			 P(10));
	assert_int_equal(mr_mm_mmap(mm, P(12), PG, rw_, MAP_SHARED | MAP_FIXED,
				    &rw, 3 * PG, U),
			 P(12));
	assert_int_equal(mr_mm_mmap(mm, P(14), PG, rw_, MAP_PRIVATE | MAP_FIXED,
				    &ro, PG, U),
			 P(14));
	expect_vmas(
		mm, W, P(16), {P(0), P(1), F_RW, PGOFF(P(0))},
		{P(2), P(3), F_RWN | MR_VM_NORESERVE, PGOFF(P(2))},
		{P(4), P(5), F_RWN | MR_VM_SHARED | MR_VM_MAYSHARE, 0},
		{P(6), P(7), F_RW | MR_VM_NOHUGEPAGE, PGOFF(P(6))},
		{P(8), P(9), F_RW | MR_VM_LOCKED, PGOFF(P(8))},
		{P(10), P(11),
		 MR_VM_READ | MR_VM_MAYREAD | MR_VM_MAYEXEC | MR_VM_MAYSHARE,
		 0},
		{P(12), P(13), F_RWN | MR_VM_SHARED | MR_VM_MAYSHARE, 3},
		{P(14), P(15), F_RW, 1});
	expect_invariants(m);
	mr_machine_free(m);
}

/* Two shared anonymous mappings are two shmem files: never merged, even
 * when their pgoffs line up. */
static void test_vma_mmap__shared_anonymous_never_merges(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = static_layout(m, 1);
	const uint64_t rw = PROT_READ | PROT_WRITE;

	(void)state;
	assert_int_equal(
		mmap_anon(mm, P(0), 4 * PG, rw, MAP_SHARED | MAP_FIXED), P(0));
	/* the upper half keeps pgoff 2 */
	assert_int_equal(mr_mm_munmap(mm, P(0), 2 * PG, U), 0);
	assert_int_equal(
		mmap_anon(mm, P(0), 2 * PG, rw, MAP_SHARED | MAP_FIXED), P(0));
	expect_vmas(mm, W, P(8),
		    {P(0), P(2), F_RWN | MR_VM_SHARED | MR_VM_MAYSHARE, 0},
		    {P(2), P(4), F_RWN | MR_VM_SHARED | MR_VM_MAYSHARE, 2});
	/* but the pieces of one mapping merge back after mprotect */
	assert_int_equal(mr_mm_mprotect(mm, P(2), PG, PROT_READ, U), 0);
	assert_int_equal(mr_mm_mprotect(mm, P(2), PG, rw, U), 0);
	expect_vmas(mm, W, P(8),
		    {P(0), P(2), F_RWN | MR_VM_SHARED | MR_VM_MAYSHARE, 0},
		    {P(2), P(4), F_RWN | MR_VM_SHARED | MR_VM_MAYSHARE, 2});
	assert_int_equal(mr_mm_map_count(mm), 8);
	expect_invariants(m);
	mr_machine_free(m);
}

/* Errors measured on 6.18, in the order the kernel checks. */
static void test_vma_mmap__errors(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = static_layout(m, 1);
	uint32_t file = mr_machine_file(m, "/etc/passwd", 0xfe, 0, 861);
	mr_fileref ro = {file, mr_machine_new_ofd(m), 1, 0, 0};
	mr_fileref wo = {file, mr_machine_new_ofd(m), 0, 1, 0};
	size_t before = mr_mm_map_count(mm);
	const uint64_t r = PROT_READ;

	(void)state;
	assert_int_equal(mmap_anon(mm, 0, 0, r, MAP_PRIVATE), -EINVAL);
	assert_int_equal(mr_mm_mmap(mm, 0, PG, r, MAP_PRIVATE | MAP_ANONYMOUS,
				    NULL, 1, U),
			 -EINVAL);
	assert_int_equal(mr_mm_mmap(mm, 0, PG, r, MAP_PRIVATE, NULL, 0, U),
			 -EBADF);
	assert_int_equal(mr_mm_mmap(mm, 0, PG, r, 0x0f, NULL, 0, U), -EBADF);
	assert_int_equal(mmap_anon(mm, 0, UINT64_MAX, r, MAP_PRIVATE), -ENOMEM);
	assert_int_equal(mmap_anon(mm, 0, PG, r, MAP_SHARED_VALIDATE), -EINVAL);
	assert_int_equal(mmap_anon(mm, 0, PG, r, MAP_SHARED | MAP_GROWSDOWN),
			 -EINVAL);
	assert_int_equal(mmap_anon(mm, 0, PG, r, 0), -EINVAL);
	assert_int_equal(mr_mm_mmap(mm, 0, PG, r, 0, &ro, 0, U), -EINVAL);
	assert_int_equal(mr_mm_mmap(mm, 0, PG, r, MAP_PRIVATE | MAP_GROWSDOWN,
				    &ro, 0, U),
			 -EINVAL);
	assert_int_equal(
		mr_mm_mmap(mm, 0, PG, r | PROT_WRITE, MAP_SHARED, &ro, 0, U),
		-EACCES);
	assert_int_equal(mr_mm_mmap(mm, 0, PG, r, MAP_PRIVATE, &wo, 0, U),
			 -EACCES);
	assert_int_equal(
		mmap_anon(mm, P(0) + 1, PG, r, MAP_PRIVATE | MAP_FIXED),
		-EINVAL);
	assert_int_equal(mmap_anon(mm, 0x7ffffffff000 - PG, 2 * PG, r,
				   MAP_PRIVATE | MAP_FIXED),
			 -ENOMEM);
	assert_int_equal(mr_mm_map_count(mm), before);
	mr_machine_free(m);
}

/* ---- mprotect ---- */

/*
 *  0123
 *  AA B        mprotect [0, 4) rw-: -ENOMEM at the hole (measured),
 *  CC B        the part before it changed
 */
static void
test_vma_mprotect__hole_is_enomem_after_changing_before(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_R),
					ANON(P(3), P(4), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(
		mr_mm_mprotect(mm, P(0), 4 * PG, PROT_READ | PROT_WRITE, U),
		-ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(3), P(4), F_R, PGOFF(P(3))});
	/* starting in the hole changes nothing */
	assert_int_equal(mr_mm_mprotect(mm, P(2), 2 * PG, PROT_READ, U),
			 -ENOMEM);
	assert_int_equal(mr_mm_mprotect(mm, P(0) - PG, 2 * PG, PROT_READ, U),
			 -ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(3), P(4), F_R, PGOFF(P(3))});
	expect_invariants(m);
	mr_machine_free(m);
}

static void test_vma_mprotect__errors(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = static_layout(m, 1);
	uint32_t file = mr_machine_file(m, "/etc/passwd", 0xfe, 0, 861);
	mr_fileref ro = {file, mr_machine_new_ofd(m), 1, 0, 0};

	(void)state;
	assert_int_equal(mr_mm_mmap(mm, P(0), 2 * PG, PROT_READ,
				    MAP_SHARED | MAP_FIXED, &ro, 0, U),
			 P(0));
	assert_int_equal(mmap_fixed(mm, P(4), 2 * PG, PROT_READ), P(4));
	/* PROT_WRITE beyond VM_MAYWRITE (measured) */
	assert_int_equal(
		mr_mm_mprotect(mm, P(0), PG, PROT_READ | PROT_WRITE, U),
		-EACCES);
	assert_int_equal(mr_mm_mprotect(mm, P(4), PG, 0x10, U), -EINVAL);
	assert_int_equal(mr_mm_mprotect(mm, P(4) + 0x800, PG, PROT_READ, U),
			 -EINVAL);
	assert_int_equal(
		mr_mm_mprotect(mm, P(4), PG,
			       PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP, U),
		-EINVAL);
	assert_int_equal(
		mr_mm_mprotect(mm, P(4), PG, PROT_READ | PROT_GROWSDOWN, U),
		-EINVAL);
	assert_int_equal(mr_mm_mprotect(mm, P(4), 0, PROT_NONE, U), 0);
	expect_vmas(
		mm, W, P(8),
		{P(0), P(2),
		 MR_VM_READ | MR_VM_MAYREAD | MR_VM_MAYEXEC | MR_VM_MAYSHARE,
		 0},
		{P(4), P(6), F_R, PGOFF(P(4))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * VM_ACCOUNT (measured with smaps "ac"): making a private mapping writable
 * adds it; making it read-only again drops it only while it has no
 * anon_vma (never written); MAP_NORESERVE never gets it.
 */
static void test_vma_mprotect__vm_account(void **state)
{
	mr_config c;
	mr_machine *m;
	mr_mm *mm;

	(void)state;
	mr_config_default(&c);
	c.assume_written = 0;
	m = new_machine_cfg(&c, NULL);
	mm = static_layout(m, 1);
	assert_int_equal(mmap_fixed(mm, P(0), PG, PROT_READ), P(0));
	assert_int_equal(mr_mm_find(mm, P(0))->flags, F_R);
	assert_int_equal(
		mr_mm_mprotect(mm, P(0), PG, PROT_READ | PROT_WRITE, U), 0);
	assert_int_equal(mr_mm_find(mm, P(0))->flags, F_RW);
	assert_int_equal(mr_mm_mprotect(mm, P(0), PG, PROT_READ, U), 0);
	assert_int_equal(mr_mm_find(mm, P(0))->flags, F_R);
	assert_int_equal(mmap_anon(mm, P(2), PG, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE),
			 P(2));
	assert_int_equal(mr_mm_mprotect(mm, P(2), PG, PROT_READ, U), 0);
	assert_int_equal(
		mr_mm_mprotect(mm, P(2), PG, PROT_READ | PROT_WRITE, U), 0);
	assert_int_equal(mr_mm_find(mm, P(2))->flags, F_RWN | MR_VM_NORESERVE);
	mr_machine_free(m);

	/* written memory (the default policy: writable means written) */
	m = new_machine();
	mm = static_layout(m, 1);
	assert_int_equal(mmap_fixed(mm, P(0), PG, PROT_READ | PROT_WRITE),
			 P(0));
	assert_int_not_equal(mr_mm_find(mm, P(0))->anon_vma, 0);
	assert_int_equal(mr_mm_mprotect(mm, P(0), PG, PROT_READ, U), 0);
	assert_int_equal(mr_mm_find(mm, P(0))->flags, F_R | MR_VM_ACCOUNT);
	mr_machine_free(m);
}

/* PROT_GROWSDOWN extends the range down to the start of the VMA. */
static void test_vma_mprotect__growsdown_extends_to_vma_start(void **state)
{
	static const struct seed s[] = {
		ANON(P(0), P(8), F_RW | MR_VM_GROWSDOWN)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_mprotect(mm, P(4), PG,
					PROT_READ | PROT_EXEC | PROT_GROWSDOWN,
					U),
			 0);
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(0), P(5), F_RX | MR_VM_GROWSDOWN, PGOFF(P(0))},
		    {P(5), P(8), F_RW | MR_VM_GROWSDOWN, PGOFF(P(5))});
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- brk ---- */

#define SB 0x55555555a000ull /* start_brk */

static mr_mm *brk_layout(mr_machine *m)
{
	static const struct seed s[] = {ANON(SB - 0x3000, SB - 0x1000, F_RW)};

	return seeded(m, 1, s, 1, SB, SB);
}

static void test_vma_brk__grow_shrink(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = brk_layout(m);

	(void)state;
	assert_int_equal(mr_mm_brk_call(mm, 0, U), SB);
	assert_int_equal(mr_mm_brk_call(mm, SB + 0x2100, U), SB + 0x2100);
	assert_int_equal(mr_mm_brk(mm), SB + 0x2100);
	expect_vmas(mm, SB, UINT64_MAX, {SB, SB + 0x3000, F_RW, PGOFF(SB)});
	assert_string_equal(mr_mm_vma_name(mm, mr_mm_find(mm, SB)), "[heap]");
	/* growth merges into the heap */
	assert_int_equal(mr_mm_brk_call(mm, SB + 0x5000, U), SB + 0x5000);
	expect_vmas(mm, SB, UINT64_MAX, {SB, SB + 0x5000, F_RW, PGOFF(SB)});
	/* the same page: only brk moves */
	assert_int_equal(mr_mm_brk_call(mm, SB + 0x4001, U), SB + 0x4001);
	assert_int_equal(mr_mm_brk(mm), SB + 0x4001);
	expect_vmas(mm, SB, UINT64_MAX, {SB, SB + 0x5000, F_RW, PGOFF(SB)});
	/* shrink */
	assert_int_equal(mr_mm_brk_call(mm, SB + 0x1001, U), SB + 0x1001);
	expect_vmas(mm, SB, UINT64_MAX, {SB, SB + 0x2000, F_RW, PGOFF(SB)});
	/* below start_brk: nothing, the old brk comes back */
	assert_int_equal(mr_mm_brk_call(mm, SB - 0x1000, U), SB + 0x1001);
	assert_int_equal(mr_mm_brk(mm), SB + 0x1001);
	/* the VMA below start_brk ends a page short: not touched */
	expect_vmas(mm, 0, SB,
		    {SB - 0x3000, SB - 0x1000, F_RW, PGOFF(SB - 0x3000)});
	/* back to empty */
	assert_int_equal(mr_mm_brk_call(mm, SB, U), SB);
	expect_no_vmas(mm, SB, UINT64_MAX);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * Growth fails when the next VMA would come closer than a page (measured:
 * with a VMA at top + 3 pages, brk may reach top + 2 pages, not one byte
 * more); a failed brk returns the old value.
 */
static void test_vma_brk__fails_within_a_page_of_next(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = brk_layout(m);

	(void)state;
	assert_int_equal(mmap_fixed(mm, SB + 0x3000, PG, PROT_READ),
			 SB + 0x3000);
	assert_int_equal(mr_mm_brk_call(mm, SB + 0x2000, U), SB + 0x2000);
	assert_int_equal(mr_mm_brk_call(mm, SB + 0x2001, U), SB + 0x2000);
	assert_int_equal(mr_mm_brk_call(mm, SB + 0x2fff, U), SB + 0x2000);
	assert_int_equal(mr_mm_brk(mm), SB + 0x2000);
	expect_vmas(mm, SB, UINT64_MAX, {SB, SB + 0x2000, F_RW, PGOFF(SB)},
		    {SB + 0x3000, SB + 0x4000, F_R, PGOFF(SB + 0x3000)});
	expect_invariants(m);
	mr_machine_free(m);
}

/* Below a VM_GROWSDOWN VMA the guard gap counts as well. */
static void test_vma_brk__respects_stack_guard_gap(void **state)
{
	const uint64_t G = SB + 4 * MB;
	mr_machine *m = new_machine();
	mr_mm *mm = brk_layout(m);

	(void)state;
	assert_int_equal(mmap_anon(mm, G, PG, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_FIXED | MAP_GROWSDOWN),
			 G);
	assert_int_equal(mr_mm_brk_call(mm, G - MB - PG + 1, U), SB);
	assert_int_equal(mr_mm_brk_call(mm, G - MB - PG, U), G - MB - PG);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A VMA ending exactly at start_brk (an anonymous bss) is not extended:
 * the heap is a VMA of its own (measured: setarch -R, 1 MiB bss).
 */
static void test_vma_brk__does_not_extend_vma_ending_at_start_brk(void **state)
{
	static const struct seed s[] = {ANON(SB - 0x100000, SB, F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, SB, SB);

	(void)state;
	assert_int_equal(mr_mm_brk_call(mm, SB + 0x23000, U), SB + 0x23000);
	expect_vmas(mm, 0, UINT64_MAX,
		    {SB - 0x100000, SB, F_RW, PGOFF(SB - 0x100000)},
		    {SB, SB + 0x23000, F_RW, PGOFF(SB)});
	assert_string_equal(mr_mm_vma_name(mm, mr_mm_find(mm, SB - PG)), "");
	assert_string_equal(mr_mm_vma_name(mm, mr_mm_find(mm, SB)), "[heap]");
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- recorded results that differ from the prediction ---- */

/*
 * The trace is the authority: a recorded result is applied whatever the
 * model predicted, and the prediction is what the call returns.
 */
static void test_vma_recorded__mmap_applies_the_recorded_address(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = static_layout(m, 1);
	mr_mm *unknown_base;

	(void)state;
	assert_int_equal(mr_mm_mmap(mm, 0, 2 * PG, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0,
				    0x7f0000000000),
			 VVAR - 2 * PG);
	expect_vmas(mm, 0x7e0000000000, VVAR,
		    {0x7f0000000000, 0x7f0000002000, F_RW, 0x7f0000000});
	/* a recorded failure maps nothing */
	assert_int_equal(mr_mm_mmap(mm, 0, 2 * PG, PROT_READ,
				    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0,
				    -ENOMEM),
			 VVAR - 2 * PG);
	expect_vmas(mm, 0x7e0000000000, VVAR,
		    {0x7f0000000000, 0x7f0000002000, F_RW, 0x7f0000000});
	expect_invariants(m);
	/* without an mmap_base the model cannot predict: with no recorded
	 * result nothing happens, with one it is applied */
	unknown_base = seeded(m, 2, NULL, 0, 0, 0);
	assert_int_equal(mr_mm_mmap(unknown_base, 0, PG, PROT_READ,
				    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, U),
			 MR_PRED_NONE);
	assert_int_equal(mr_mm_mmap(unknown_base, 0, 2 * MB, PROT_READ,
				    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, U),
			 MR_PRED_NONE);
	expect_no_vmas(unknown_base, 0, UINT64_MAX);
	/* a free hint needs no mmap_base */
	assert_int_equal(mr_mm_mmap(unknown_base, 0x20000000, PG, PROT_READ,
				    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0, U),
			 0x20000000);
	assert_int_equal(mr_mm_munmap(unknown_base, 0x20000000, PG, U), 0);
	assert_int_equal(mr_mm_mmap(unknown_base, 0, PG, PROT_READ,
				    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0,
				    0x7f0000000000),
			 MR_PRED_NONE);
	expect_vmas(unknown_base, 0, UINT64_MAX,
		    {0x7f0000000000, 0x7f0000001000, F_R, 0x7f0000000});
	expect_invariants(m);
	mr_machine_free(m);
}

static void test_vma_recorded__munmap_and_mprotect_apply_success(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_R),
					ANON(P(3), P(8), F_R)};
	mr_machine *m;
	mr_mm *mm = limited(&m, 2, s, 2);

	(void)state;
	/* the model says the limit refuses; the kernel did it */
	assert_int_equal(mr_mm_munmap(mm, P(5), PG, 0), -ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_R, PGOFF(P(0))},
		    {P(3), P(5), F_R, PGOFF(P(3))},
		    {P(6), P(8), F_R, PGOFF(P(6))});
	/* the model sees a hole; the kernel reported success: every
	 * mapped part changes */
	assert_int_equal(
		mr_mm_mprotect(mm, P(0), 8 * PG, PROT_READ | PROT_EXEC, 0),
		-ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RX, PGOFF(P(0))},
		    {P(3), P(5), F_RX, PGOFF(P(3))},
		    {P(6), P(8), F_RX, PGOFF(P(6))});
	/* a recorded failure the model did not expect changes nothing */
	assert_int_equal(mr_mm_mprotect(mm, P(0), 2 * PG, PROT_READ, -EACCES),
			 0);
	assert_int_equal(mr_mm_munmap(mm, P(0), 2 * PG, -EINVAL), 0);
	expect_vmas(mm, 0, P(3), {P(0), P(2), F_RX, PGOFF(P(0))});
	mr_machine_free(m);
}

static void test_vma_recorded__brk(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);

	(void)state;
	/* start_brk unknown: brk(NULL) teaches it */
	assert_false(mr_mm_brk_known(mm));
	assert_int_equal(mr_mm_brk_call(mm, 0, U), MR_PRED_NONE);
	assert_false(mr_mm_brk_known(mm));
	assert_int_equal(mr_mm_brk_call(mm, 0, SB), MR_PRED_NONE);
	assert_true(mr_mm_brk_known(mm));
	assert_int_equal(mr_mm_start_brk(mm), SB);
	assert_int_equal(mr_mm_brk(mm), SB);
	/* the model predicts a failure (a VMA in the way), the kernel grew */
	assert_int_equal(mmap_fixed(mm, SB + PG, PG, PROT_READ), SB + PG);
	assert_int_equal(mr_mm_brk_call(mm, SB + 2 * PG, SB + 2 * PG), SB);
	assert_int_equal(mr_mm_brk(mm), SB + 2 * PG);
	expect_vmas(mm, 0, UINT64_MAX, {SB, SB + 2 * PG, F_RW, PGOFF(SB)});
	/* a recorded failure leaves brk alone */
	assert_int_equal(mr_mm_brk_call(mm, SB + 4 * PG, SB + 2 * PG),
			 SB + 4 * PG);
	assert_int_equal(mr_mm_brk(mm), SB + 2 * PG);
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- /proc/PID/maps lines ---- */

static void expect_line(const mr_mm *mm, const mr_vma *v, const char *want)
{
	char buf[256];
	size_t n = mr_mm_format_vma(mm, v, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

/* Lines copied from /proc/self/maps on 6.18. */
static void test_vma_format__matches_proc_maps(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = mr_machine_task_adopt(m, 1);
	uint32_t passwd = mr_machine_file(m, "/etc/passwd", 0xfe, 0, 861);
	uint32_t libc = mr_machine_file(
		m, "/usr/lib/x86_64-linux-gnu/libc.so.6", 0xfe, 0, 332835);
	struct seed s[] = {
		ANON(0x10000, 0x11000, F_R),
		{0x55cab4383000, 0x55cab43c5000, F_RW, 0, 0, 0, 0, 0, 0},
		{0x7f3562901000, 0x7f3562a57000, F_RX & ~MR_VM_MAYWRITE, 0x26,
		 libc, 1, 0, 0, 1},
		{0x7f4251caa000, 0x7f4251cab000,
		 MR_VM_READ | MR_VM_MAYREAD | MR_VM_MAYEXEC | MR_VM_MAYSHARE, 0,
		 passwd, 2, 0, 0, 1},
		{0x7f4251cab000, 0x7f4251cad000,
		 F_RWN | MR_VM_SHARED | MR_VM_MAYSHARE, 0, 0, 0, 0, 0, 1},
		{0x7f28bfe33000, 0x7f28bfe35000, MR_VM_READ | MR_VM_IO, 0, 0, 0,
		 0, MR_VMA_VVAR_VCLOCK, 1},
		{0x7f28bfe35000, 0x7f28bfe37000, F_RX, 0, 0, 0, 0, MR_VMA_VDSO,
		 1},
		{0x7ffe602d3000, 0x7ffe602f4000, F_RW | MR_VM_GROWSDOWN, 0, 0,
		 0, 0, MR_VMA_STACK, 1},
	};
	char small[12];

	(void)state;
	seed_vmas(mm, s, sizeof(s) / sizeof(s[0]));
	mr_mm_seed_done(mm, 0x55cab4383000, 0x55cab43c5000);
	expect_line(mm, mr_mm_find(mm, 0x10000),
		    "00010000-00011000 r--p 00000000 00:00 0 ");
	expect_line(mm, mr_mm_find(mm, 0x55cab4383000),
		    "55cab4383000-55cab43c5000 rw-p 00000000 00:00 0          "
		    "                [heap]");
	expect_line(mm, mr_mm_find(mm, 0x7f3562901000),
		    "7f3562901000-7f3562a57000 r-xp 00026000 fe:00 332835     "
		    "                /usr/lib/x86_64-linux-gnu/libc.so.6");
	expect_line(mm, mr_mm_find(mm, 0x7f4251caa000),
		    "7f4251caa000-7f4251cab000 r--s 00000000 fe:00 861        "
		    "                /etc/passwd");
	/* the real line has the shmem inode (25) where the model has 0 */
	expect_line(mm, mr_mm_find(mm, 0x7f4251cab000),
		    "7f4251cab000-7f4251cad000 rw-s 00000000 00:01 0          "
		    "                /dev/zero (deleted)");
	expect_line(mm, mr_mm_find(mm, 0x7f28bfe33000),
		    "7f28bfe33000-7f28bfe35000 r--p 00000000 00:00 0          "
		    "                [vvar_vclock]");
	expect_line(mm, mr_mm_find(mm, 0x7f28bfe35000),
		    "7f28bfe35000-7f28bfe37000 r-xp 00000000 00:00 0          "
		    "                [vdso]");
	expect_line(mm, mr_mm_find(mm, 0x7ffe602d3000),
		    "7ffe602d3000-7ffe602f4000 rw-p 00000000 00:00 0          "
		    "                [stack]");
	/* a short buffer: truncated, NUL-terminated */
	assert_int_equal(mr_mm_format_vma(mm, mr_mm_find(mm, 0x10000), small,
					  sizeof(small)),
			 sizeof(small) - 1);
	assert_string_equal(small, "00010000-00");
	mr_machine_free(m);
}

/* ---- randomized comparison with a page-granular reference ---- */

#define RPAGES 64 /* the window, in pages */

/* What the reference knows of one page. */
struct rpage {
	uint8_t mapped; /* some VMA covers it */
	uint8_t prot;	/* PROT_READ/WRITE/EXEC (the same bits as VM_*) */
	uint8_t shared; /* VM_MAYSHARE */
	uint32_t file;	/* file id, 0 for anonymous memory */
	uint32_t ofd;	/* open file description, for files */
	uint64_t pgoff; /* the page's vm_pgoff */
};

struct rworld {
	mr_machine *a, *b; /* a decides; b is told a's results */
	mr_mm *ma, *mb;	   /* their address spaces */
	struct mirror ja;  /* a's journal */
	struct rpage pg[RPAGES];
	mr_fileref refs[3]; /* file 1 read-only, file 1 rw, file 2 rw */
	int limited;	    /* small max_map_count */
	uint64_t rng;	    /* xorshift state */
	long n_enomem;	    /* operations refused by the limit */
};

static uint64_t rrnd(struct rworld *w, uint64_t n)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng % n;
}

static mr_mm *rworld_mm(mr_machine *m, mr_fileref *refs)
{
	uint32_t f1 = mr_machine_file(m, "/data/one", 8, 1, 11);
	uint32_t f2 = mr_machine_file(m, "/data/two", 8, 1, 12);
	mr_mm *mm = mr_machine_task_adopt(m, 1);

	assert_non_null(mm);
	mr_mm_seed_done(mm, 0, 0);
	refs[0] = (mr_fileref){f1, mr_machine_new_ofd(m), 1, 0, 0};
	refs[1] = (mr_fileref){f1, mr_machine_new_ofd(m), 1, 1, 0};
	refs[2] = (mr_fileref){f2, mr_machine_new_ofd(m), 1, 1, 0};
	return mm;
}

static void rworld_init(struct rworld *w, uint64_t seed, int limited)
{
	mr_config c;
	mr_fileref refs_b[3];

	memset(w, 0, sizeof(*w));
	w->rng = seed;
	w->limited = limited;
	mr_config_default(&c);
	if (limited)
		c.max_map_count = 10;
	w->a = new_machine_cfg(&c, &w->ja);
	w->b = new_machine_cfg(&c, NULL);
	w->ma = rworld_mm(w->a, w->refs);
	w->mb = rworld_mm(w->b, refs_b);
	assert_memory_equal(w->refs, refs_b, sizeof(refs_b));
}

static void rworld_free(struct rworld *w)
{
	mr_machine_free(w->a);
	mr_machine_free(w->b);
	mirror_free(&w->ja);
}

/* The model's address space, page by page, equals the reference. */
static void rworld_compare(const struct rworld *w, int step)
{
	int i;

	for (i = 0; i < RPAGES; i++) {
		const struct rpage *r = &w->pg[i];
		const mr_vma *v = mr_mm_find(w->ma, P(i));
		int ok;

		if (!r->mapped) {
			ok = v == NULL;
		} else {
			ok = v && (v->flags & MR_VM_ACCESS) == r->prot &&
			     !!(v->flags & MR_VM_MAYSHARE) == r->shared &&
			     v->file == r->file &&
			     (!r->file || v->ofd == r->ofd) &&
			     v->pgoff + PGOFF(P(i) - v->start) == r->pgoff;
		}
		if (!ok) {
			fprintf(stderr,
				"step %d: page %d: reference mapped %d prot %d "
				"shared %d file %u ofd %u pgoff %#" PRIx64 "\n",
				step, i, r->mapped, r->prot, r->shared, r->file,
				r->ofd, r->pgoff);
			dump_vmas(w->ma, P(0), P(RPAGES));
			fail_msg("model differs from the reference");
		}
	}
	/* nothing outside the window */
	expect_no_vmas(w->ma, 0, P(0));
	expect_no_vmas(w->ma, P(RPAGES), UINT64_MAX);
}

static const uint64_t rprots[] = {
	PROT_NONE,
	PROT_READ,
	PROT_READ | PROT_WRITE,
	PROT_READ | PROT_EXEC,
	PROT_READ | PROT_WRITE | PROT_EXEC,
};

/* One random operation on both machines; returns a's result. */
static void rworld_step(struct rworld *w, int step)
{
	struct rpage before[RPAGES];
	uint64_t digest = mr_machine_digest(w->a);
	unsigned op = (unsigned)rrnd(w, 10);
	int s = (int)rrnd(w, RPAGES), n = 1 + (int)rrnd(w, 10), i;
	uint64_t prot = rprots[rrnd(w, 5)];
	int64_t got, told, want;

	if (s + n > RPAGES)
		n = RPAGES - s;
	memcpy(before, w->pg, sizeof(before));
	if (op < 4) {
		/* mmap MAP_FIXED (or MAP_FIXED_NOREPLACE) */
		unsigned kind = (unsigned)rrnd(w, 10);
		uint64_t flags = rrnd(w, 10) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
		const mr_fileref *f = NULL;
		uint64_t off = 0;
		int busy = 0;

		if (kind < 7) {
			flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		} else if (kind == 7) {
			flags |= MAP_SHARED | MAP_ANONYMOUS;
		} else {
			f = &w->refs[rrnd(w, 3)];
			off = rrnd(w, 16) * PG;
			flags |= (f->writable && rrnd(w, 2)) ? MAP_SHARED
							     : MAP_PRIVATE;
		}
		for (i = s; i < s + n; i++)
			busy |= w->pg[i].mapped;
		want = (flags & MAP_FIXED_NOREPLACE) && busy ? -EEXIST
							     : (int64_t)P(s);
		got = mr_mm_mmap(w->ma, P(s), (uint64_t)n * PG, prot, flags, f,
				 off, U);
		told = mr_mm_mmap(w->mb, P(s), (uint64_t)n * PG, prot, flags, f,
				  off, got);
		if (got == want && want >= 0) {
			for (i = 0; i < n; i++) {
				struct rpage *r = &w->pg[s + i];

				r->mapped = 1;
				r->prot = (uint8_t)prot;
				r->shared = !!(flags & MAP_SHARED);
				r->file = f ? f->file : 0;
				r->ofd = f ? f->ofd : 0;
				if (f)
					r->pgoff = off / PG + (uint64_t)i;
				else if (flags & MAP_SHARED)
					r->pgoff = (uint64_t)i;
				else
					r->pgoff = PGOFF(P(s)) + (uint64_t)i;
			}
		}
	} else if (op < 7) {
		want = 0;
		got = mr_mm_munmap(w->ma, P(s), (uint64_t)n * PG, U);
		told = mr_mm_munmap(w->mb, P(s), (uint64_t)n * PG, got);
		if (got == want)
			for (i = s; i < s + n; i++)
				memset(&w->pg[i], 0, sizeof(w->pg[i]));
	} else {
		want = 0;
		got = mr_mm_mprotect(w->ma, P(s), (uint64_t)n * PG, prot, U);
		told = mr_mm_mprotect(w->mb, P(s), (uint64_t)n * PG, prot, got);
		/* the pages up to the first hole change */
		for (i = s; i < s + n; i++) {
			if (!w->pg[i].mapped) {
				want = -ENOMEM;
				break;
			}
		}
		if (!w->limited || got == 0) {
			for (i = s; i < s + n && w->pg[i].mapped; i++)
				w->pg[i].prot = (uint8_t)prot;
		} else {
			/* the limit may have stopped it anywhere before the
			 * first hole: each page has the old or the new
			 * protection (rworld_compare checks the rest) */
			assert_int_equal(got, -ENOMEM);
			for (i = s; i < s + n && w->pg[i].mapped; i++) {
				const mr_vma *v = mr_mm_find(w->ma, P(i));

				assert_non_null(v);
				if ((v->flags & MR_VM_ACCESS) == prot)
					w->pg[i].prot = (uint8_t)prot;
			}
		}
	}
	if (got != want) {
		/* only the map count limit may refuse, and then nothing
		 * changes (mprotect: handled above) */
		if (!w->limited || got != -ENOMEM)
			fail_msg("step %d: op %u at page %d x %d: got %" PRId64
				 ", want %" PRId64,
				 step, op, s, n, got, want);
		w->n_enomem++;
	}
	/* b predicts from its own state what a did: dry run == real run */
	assert_int_equal(told, got);
	rworld_compare(w, step);
	expect_invariants(w->a);
	assert_int_equal(mr_machine_digest(w->a), mr_machine_digest(w->b));
	if (memcmp(before, w->pg, sizeof(before)))
		assert_int_not_equal(mr_machine_digest(w->a), digest);
	assert_int_equal(w->ja.vmas, (long)mr_mm_map_count(w->ma));
	assert_int_equal(w->ja.bad, 0);
}

static void run_rworld(uint64_t seed, int limited, int steps)
{
	struct rworld w;
	int step;

	rworld_init(&w, seed, limited);
	for (step = 0; step < steps; step++)
		rworld_step(&w, step);
	if (limited)
		assert_true(w.n_enomem > 0);
	/* and a state that differs gives a different digest */
	for (step = 0; step < RPAGES; step++) {
		if (w.pg[step].mapped) {
			/* a whole VMA: no split, whatever the limit */
			const mr_vma *v = mr_mm_find(w.mb, P(step));
			uint64_t p = w.pg[step].prot == PROT_READ ? PROT_NONE
								  : PROT_READ;

			assert_int_equal(mr_mm_mprotect(w.mb, v->start,
							v->end - v->start, p,
							U),
					 0);
			assert_int_not_equal(mr_machine_digest(w.a),
					     mr_machine_digest(w.b));
			break;
		}
	}
	rworld_free(&w);
}

static void test_vma_random__matches_page_reference(void **state)
{
	(void)state;
	run_rworld(0x243f6a8885a308d3ull, 0, 3000);
	run_rworld(0x13198a2e03707344ull, 0, 3000);
}

static void test_vma_random_limited__dry_run_predicts_real_run(void **state)
{
	(void)state;
	run_rworld(0xa4093822299f31d0ull, 1, 3000);
	run_rworld(0x082efa98ec4e6c89ull, 1, 3000);
}

/* remap_file_pages(): a page of a shared file mapping mapped again from
 * another file page splits the VMA around it (do_mmap() with MAP_FIXED
 * and the VMA's protection); a private mapping, a PROT or a range
 * running past the mapping is EINVAL; shared anonymous memory is not
 * predicted. */
static void test_vma_remap_file_pages__splits_at_the_new_offset(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = static_layout(m, 1);
	uint32_t file = mr_machine_file(m, "/tmp/rfp", 0xfe, 0, 77);
	mr_fileref f = {file, mr_machine_new_ofd(m), 1, 1, 0};
	const mr_vma *v;

	(void)state;
	assert_int_equal(mr_mm_mmap(mm, P(0), 8 * PG, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_FIXED, &f, 0, U),
			 (int64_t)P(0));
	assert_int_equal(mr_mm_remap_file_pages(mm, P(2), PG, 0, 7, 0, U), 0);
	v = mr_mm_find(mm, P(2));
	assert_non_null(v);
	assert_int_equal(v->start, P(2));
	assert_int_equal(v->end, P(3));
	assert_int_equal(v->pgoff, 7);
	assert_true(v->flags & MR_VM_WRITE);
	assert_int_equal(mr_mm_find(mm, P(0))->end, P(2));
	assert_int_equal(mr_mm_find(mm, P(3))->pgoff, 3);
	assert_int_equal(mr_mm_remap_file_pages(mm, P(2), PG, PROT_READ, 7, 0,
						U),
			 -EINVAL);
	assert_int_equal(mr_mm_remap_file_pages(mm, P(6), 4 * PG, 0, 1, 0, U),
			 -EINVAL);
	assert_int_equal(mmap_anon(mm, P(20), 2 * PG, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_FIXED),
			 (int64_t)P(20));
	assert_int_equal(mr_mm_remap_file_pages(mm, P(20), PG, 0, 1, 0, U),
			 -EINVAL);
	assert_int_equal(mmap_anon(mm, P(30), 2 * PG, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_FIXED),
			 (int64_t)P(30));
	/* shared anonymous memory: its shmem file mapped again at the
	 * offset; offsets 1 and 1 do not continue each other, 0 and 1 do
	 * (one VMA again) */
	assert_int_equal(mr_mm_remap_file_pages(mm, P(30), PG, 0, 1, 0, U), 0);
	v = mr_mm_find(mm, P(30));
	assert_int_equal(v->end, P(31));
	assert_int_equal(v->pgoff, 1);
	assert_int_equal(mr_mm_find(mm, P(31))->pgoff, 1);
	assert_int_equal(mr_mm_find(mm, P(31))->ofd, v->ofd);
	assert_int_equal(mr_mm_remap_file_pages(mm, P(30), PG, 0, 0, 0, U), 0);
	v = mr_mm_find(mm, P(30));
	assert_int_equal(v->end, P(32));
	assert_int_equal(v->pgoff, 0);
	expect_invariants(m);
	mr_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vma_new_range_merge__prev),
		cmocka_unit_test(test_vma_new_range_merge__next),
		cmocka_unit_test(test_vma_new_range_merge__both),
		cmocka_unit_test(test_vma_new_range_merge__neither),
		cmocka_unit_test(test_vma_new_range_merge__four_maps_two_vmas),
		cmocka_unit_test(
			test_vma_new_range_merge__needs_contiguous_pgoff),
		cmocka_unit_test(
			test_vma_new_range_merge__file_needs_same_ofd_and_offset),
		cmocka_unit_test(
			test_vma_new_range_merge__incompatible_anon_vmas_join_prev),
		cmocka_unit_test(test_vma_merge__special_flags_block),
		cmocka_unit_test(
			test_vma_new_range_merge__fork_child_anon_vma_blocks),
		cmocka_unit_test(test_vma_modify__middle_splits_three_ways),
		cmocka_unit_test(test_vma_modify__start_merges_into_prev),
		cmocka_unit_test(test_vma_modify__end_merges_into_next),
		cmocka_unit_test(test_vma_modify__whole_vma_merges_both),
		cmocka_unit_test(test_vma_modify__incompatible_anon_vmas_block),
		cmocka_unit_test(
			test_vma_modify__anon_vma_of_prev_and_next_must_agree),
		cmocka_unit_test(test_vma_munmap__splits),
		cmocka_unit_test(test_vma_munmap__spanning_several_vmas),
		cmocka_unit_test(test_vma_munmap__bad_arguments_are_einval),
		cmocka_unit_test(test_vma_max_map_count__full_refuses_splits),
		cmocka_unit_test(
			test_vma_max_map_count__second_split_fails_after_first),
		cmocka_unit_test(test_vma_max_map_count__stops_in_second_vma),
		cmocka_unit_test(test_vma_max_map_count__room_for_two_splits),
		cmocka_unit_test(
			test_vma_max_map_count__checked_before_sealing),
		cmocka_unit_test(
			test_vma_max_map_count__mmap_needs_count_above_max),
		cmocka_unit_test(
			test_vma_place__topdown_respects_stack_guard_gap),
		cmocka_unit_test(test_vma_place__growsdown_mapping_then_guard),
		cmocka_unit_test(test_vma_place__topdown_below_mmap_base),
		cmocka_unit_test(test_vma_place__hints),
		cmocka_unit_test(test_vma_place__hint_respects_stack_guard_gap),
		cmocka_unit_test(
			test_vma_place__thp_aligns_anonymous_2mib_multiples),
		cmocka_unit_test(
			test_vma_place__thp_aligns_large_file_mappings),
		cmocka_unit_test(test_vma_place__map_fixed_replaces_and_merges),
		cmocka_unit_test(test_vma_place__map_fixed_noreplace_is_eexist),
		cmocka_unit_test(test_vma_mmap__vm_flags),
		cmocka_unit_test(test_vma_mmap__shared_anonymous_never_merges),
		cmocka_unit_test(test_vma_mmap__errors),
		cmocka_unit_test(
			test_vma_mprotect__hole_is_enomem_after_changing_before),
		cmocka_unit_test(test_vma_mprotect__errors),
		cmocka_unit_test(test_vma_mprotect__vm_account),
		cmocka_unit_test(
			test_vma_mprotect__growsdown_extends_to_vma_start),
		cmocka_unit_test(test_vma_brk__grow_shrink),
		cmocka_unit_test(test_vma_brk__fails_within_a_page_of_next),
		cmocka_unit_test(test_vma_brk__respects_stack_guard_gap),
		cmocka_unit_test(
			test_vma_brk__does_not_extend_vma_ending_at_start_brk),
		cmocka_unit_test(
			test_vma_recorded__mmap_applies_the_recorded_address),
		cmocka_unit_test(
			test_vma_recorded__munmap_and_mprotect_apply_success),
		cmocka_unit_test(test_vma_recorded__brk),
		cmocka_unit_test(test_vma_format__matches_proc_maps),
		cmocka_unit_test(test_vma_remap_file_pages__splits_at_the_new_offset),
		cmocka_unit_test(test_vma_random__matches_page_reference),
		cmocka_unit_test(
			test_vma_random_limited__dry_run_predicts_real_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
