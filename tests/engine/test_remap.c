/*
 * test_remap.c - the rules of engine/mremap.c and engine/madvise.c through
 * the public API: mremap shrinking, growing in place, moving (MAYMOVE,
 * FIXED, DONTUNMAP, the multi-VMA move of a fixed same-size remap), its
 * errors and map count limits; madvise's flag advices splitting and
 * merging VMAs, holes, errors, the split limit and page advices.
 *
 * Layouts are drawn in pages of the window W (P(n) is its page n):
 *
 *  0123456789
 *  AAA  BBB      A is [P(0), P(3)), B is [P(5), P(8))
 *
 * Where a rule was not obvious from mm/mremap.c and mm/madvise.c it was
 * measured on Linux 6.18 (x86-64) with small programs that set up the
 * layout with mmap at fixed addresses and read /proc/self/smaps (ranges,
 * offsets, VmFlags "lo", "ac", "rr", "sl"); the tests say so. A VMA's
 * anon_vma is not visible there; it was seen through merges (VMAs with
 * different anon_vmas do not merge).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/engine/helpers.h"

#define MAYMOVE MREMAP_MAYMOVE
#define FIXED (MREMAP_MAYMOVE | MREMAP_FIXED)
#define DONTUNMAP (MREMAP_MAYMOVE | MREMAP_DONTUNMAP)

static int64_t remap(mr_mm *mm, uint64_t addr, uint64_t old_len,
		     uint64_t new_len, uint64_t flags, uint64_t new_addr)
{
	return mr_mm_mremap(mm, addr, old_len, new_len, flags, new_addr, U);
}

/* The anon_vma of the VMA holding ADDR, which must exist. */
static uint32_t anon_vma_at(const mr_mm *mm, uint64_t addr)
{
	const mr_vma *v = mr_mm_find(mm, addr);

	assert_non_null(v);
	return v->anon_vma;
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

/* ---- shrink ---- */

/*
 *  0123
 *  AAAA      mremap(0, 4 pages, 2 pages)
 *  AA        the tail is unmapped; the address comes back
 */
static void test_remap_shrink__tail_unmapped(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 4 * PG, 2 * PG, 0, 0), P(0));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))});
	assert_int_equal(mr_mm_map_count(mm), 1);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A shrink may unmap across VMA boundaries: old_len is only checked
 * against the VMA at addr when the call maps something new (measured).
 *
 *  0123456789
 *  AAAA  BBBB    mremap(0, 8 pages, 2 pages)
 *  AA      BB    [2, 8) unmapped: A's tail, the hole, B's head
 */
static void test_remap_shrink__tail_spans_hole_and_next_vma(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW),
					ANON(P(6), P(10), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 8 * PG, 2 * PG, 0, 0), P(0));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(8), P(10), F_R, PGOFF(P(8))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * old_len == new_len without a destination maps nothing new, so old_len
 * is not checked against the VMA: the call returns addr and changes
 * nothing, even with MREMAP_MAYMOVE and a range past A (measured).
 */
static void test_remap_same_size__no_op_even_past_vma(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 8 * PG, 8 * PG, 0, 0), P(0));
	assert_int_equal(remap(mm, P(0), 8 * PG, 8 * PG, MAYMOVE, 0), P(0));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW, PGOFF(P(0))});
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- grow in place ---- */

/*
 *  0123456
 *  AA    B     mremap(0, 2 pages, 4 pages): the space after A is free
 *  AAAA  B     A grows where it is, keeping pgoff and anon_vma
 */
static void test_remap_grow__in_place_when_free(void **state)
{
	static const struct seed s[] = {ANON_AV(P(0), P(2), F_RW, 1001),
					ANON(P(6), P(7), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 2 * PG, 4 * PG, 0, 0), P(0));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW, PGOFF(P(0))},
		    {P(6), P(7), F_R, PGOFF(P(6))});
	assert_int_equal(anon_vma_at(mm, P(3)), 1001);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * Growing up to a compatible next VMA merges the three (vma_merge_extend()
 * is vma_merge_new_range() with next; measured with untouched mappings).
 *
 *  012345
 *  AA  BB      mremap(0, 2 pages, 4 pages)
 *  AAAAAA      one VMA
 */
static void test_remap_grow__in_place_merges_compatible_next(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW),
					ANON(P(4), P(6), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 2 * PG, 4 * PG, 0, 0), P(0));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
	assert_int_equal(mr_mm_map_count(mm), 1);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * The same when both were written (different anon_vmas): A grows up to B
 * but they stay two VMAs (measured).
 */
static void
test_remap_grow__in_place_next_with_other_anon_vma_apart(void **state)
{
	static const struct seed s[] = {ANON_AV(P(0), P(2), F_RW, 1001),
					ANON_AV(P(4), P(6), F_RW, 1002)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 2 * PG, 4 * PG, 0, 0), P(0));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW, PGOFF(P(0))},
		    {P(4), P(6), F_RW, PGOFF(P(4))});
	assert_int_equal(anon_vma_at(mm, P(3)), 1001);
	assert_int_equal(anon_vma_at(mm, P(4)), 1002);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 *  01234
 *  AA BB       mremap(0, 2 pages, 4 pages) without MREMAP_MAYMOVE
 *  AA BB       -ENOMEM (measured), nothing changes
 */
static void test_remap_grow__blocked_without_maymove_is_enomem(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW),
					ANON(P(3), P(5), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 2 * PG, 4 * PG, 0, 0), -ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(3), P(5), F_R, PGOFF(P(3))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * With MREMAP_MAYMOVE the grown copy goes where mmap would put it: top
 * down below mmap_base, here the end of R. The source is gone; A never
 * faulted, so its pgoff follows the new address.
 *
 *  0123 ... 5960
 *  AAB        R     mremap(0, 2 pages, 4 pages, MAYMOVE)
 *    B    AAAAR     A at [56, 60)
 */
static void test_remap_grow__blocked_with_maymove_moves(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW),
					ANON(P(2), P(3), F_R),
					ANON(P(60), P(61), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 3, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_mmap_base(mm), P(61));
	assert_int_equal(remap(mm, P(0), 2 * PG, 4 * PG, MAYMOVE, 0), P(56));
	expect_vmas(mm, 0, UINT64_MAX, {P(2), P(3), F_R, PGOFF(P(2))},
		    {P(56), P(60), F_RW, PGOFF(P(56))},
		    {P(60), P(61), F_R, PGOFF(P(60))});
	assert_int_equal(mr_mm_map_count(mm), 3);
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- moves: what the copy keeps (copy_vma) ---- */

/*
 * Anonymous memory that never faulted (no anon_vma) takes the pgoff of
 * its new address, to merge there more easily.
 */
static void test_remap_move__anon_without_anon_vma_takes_new_pgoff(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 2 * PG, 2 * PG, FIXED, P(20)), P(20));
	expect_vmas(mm, 0, UINT64_MAX, {P(20), P(22), F_RW, PGOFF(P(20))});
	assert_int_equal(anon_vma_at(mm, P(20)), 0);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * That pgoff lets the copy merge with what it lands next to (measured): D
 * was written (mmap with the default assume_written policy gives it an
 * anon_vma), the unwritten A joins it. A written A keeps pgoff P(0) >> 12,
 * not contiguous with D's, and stays apart.
 *
 *  01 ... 18 19 20 21
 *  AA     D  D           mremap(0, 2 pages, 2 pages, FIXED, 20)
 *         D  D  D  D     (A unwritten)
 *         D  D  A  A     (A written)
 */
static void test_remap_move__unfaulted_anon_merges_at_destination(void **state)
{
	static const struct seed unwritten[] = {ANON(P(0), P(2), F_RW)};
	static const struct seed written[] = {ANON_AV(P(0), P(2), F_RW, 1001)};
	int w;

	(void)state;
	for (w = 0; w < 2; w++) {
		mr_machine *m = new_machine();
		mr_mm *mm = seeded(m, 1, w ? written : unwritten, 1, 0, 0);

		assert_int_equal(
			mmap_fixed(mm, P(18), 2 * PG, PROT_READ | PROT_WRITE),
			P(18));
		assert_int_not_equal(anon_vma_at(mm, P(18)), 0);
		assert_int_equal(remap(mm, P(0), 2 * PG, 2 * PG, FIXED, P(20)),
				 P(20));
		if (w)
			expect_vmas(mm, 0, UINT64_MAX,
				    {P(18), P(20), F_RW, PGOFF(P(18))},
				    {P(20), P(22), F_RW, PGOFF(P(0))});
		else
			expect_vmas(mm, 0, UINT64_MAX,
				    {P(18), P(22), F_RW, PGOFF(P(18))});
		expect_invariants(m);
		mr_machine_free(m);
	}
}

/*
 * With an anon_vma the pages keep their offsets: the copy of A's second
 * page keeps pgoff P(1) >> 12 and A's anon_vma.
 *
 *  01 ... 20
 *  AA          mremap(1, 1 page, 1 page, FIXED, 20)
 *  A       A
 */
static void test_remap_move__anon_vma_keeps_pgoff(void **state)
{
	static const struct seed s[] = {ANON_AV(P(0), P(2), F_RW, 1001)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(1), PG, PG, FIXED, P(20)), P(20));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(1), F_RW, PGOFF(P(0))},
		    {P(20), P(21), F_RW, PGOFF(P(1))});
	assert_int_equal(anon_vma_at(mm, P(0)), 1001);
	assert_int_equal(anon_vma_at(mm, P(20)), 1001);
	expect_invariants(m);
	mr_machine_free(m);
}

/* A file mapping keeps its file offset, also when it grows on the way. */
static void test_remap_move__file_keeps_pgoff(void **state)
{
	mr_machine *m = new_machine();
	uint32_t file = mr_machine_file(m, "/usr/lib/libx.so", 0xfe, 0, 42);
	uint32_t ofd = mr_machine_new_ofd(m);
	struct seed s[] = {{P(0), P(4), F_R, 5, file, ofd, 0, 0, 1}};
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);
	const mr_vma *v;

	(void)state;
	assert_int_equal(remap(mm, P(0), 4 * PG, 6 * PG, FIXED, P(20)), P(20));
	expect_vmas(mm, 0, UINT64_MAX, {P(20), P(26), F_R, 5});
	v = mr_mm_find(mm, P(20));
	assert_int_equal(v->file, file);
	assert_int_equal(v->ofd, ofd);
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- MREMAP_FIXED ---- */

/*
 *  01 ... 19 20 21 22 23
 *  AA     D  D  D  D  D     mremap(0, 2 pages, 2 pages, FIXED, 20)
 *         D  A  A  D  D     D's middle unmapped first, then A moved in
 */
static void test_remap_fixed__unmaps_destination(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW),
					ANON(P(19), P(24), F_RX)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 2 * PG, 2 * PG, FIXED, P(20)), P(20));
	expect_vmas(mm, 0, UINT64_MAX, {P(19), P(20), F_RX, PGOFF(P(19))},
		    {P(20), P(22), F_RW, PGOFF(P(20))},
		    {P(22), P(24), F_RX, PGOFF(P(22))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * old_len running past the VMA is EFAULT from check_prep_vma(), which
 * runs before mremap_to() unmaps the destination: D stays whole
 * (measured). No EFAULT can come after that unmap (the destination never
 * overlaps the source, and a shrink never unmaps addr itself), so the
 * unmap that stays done is shown with a sealed tail, below.
 *
 *  0123 ... 20..29
 *  AAAA     DDDDDDDDDD   mremap(0, 6 pages, 8 pages, FIXED, 20): EFAULT
 */
static void test_remap_fixed__old_len_past_vma_faults_before_unmap(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW),
					ANON(P(20), P(30), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 6 * PG, 8 * PG, FIXED, P(20)),
			 -EFAULT);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW, PGOFF(P(0))},
		    {P(20), P(30), F_R, PGOFF(P(20))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A fixed move that also shrinks: the destination is unmapped, then the
 * shrink's unmap of [2, 8) meets the sealed B and fails with EPERM. The
 * destination stays unmapped (measured). Only B and D are compared here:
 * what becomes of A is the next test.
 *
 *  0123456 ... 20..29
 *  AAAA  BB    DDDDDDDDDD   mremap(0, 8 pages, 2 pages, FIXED, 20)
 *  AAAA  BB      DDDDDDDD   -EPERM
 */
static void
test_remap_fixed__destination_unmap_stays_when_shrink_fails(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW),
					ANON(P(6), P(8), F_R | MR_VM_SEALED),
					ANON(P(20), P(30), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 3, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 8 * PG, 2 * PG, FIXED, P(20)), -EPERM);
	expect_vmas(mm, P(5), UINT64_MAX,
		    {P(6), P(8), F_R | MR_VM_SEALED, PGOFF(P(6))},
		    {P(22), P(30), F_R, PGOFF(P(22))});
	assert_non_null(mr_mm_find(mm, P(0)));
	assert_non_null(mr_mm_find(mm, P(3)));
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A FIXED shrink whose tail meets a sealed VMA (measured on 6.18: mremap
 * returns EPERM and /proc/self/maps shows A split at 2; a plain munmap of
 * [2, 8) with B sealed leaves the same split): vms_gather_munmap_vmas()
 * splits the first VMA at the start of the range before it walks on and
 * meets the sealed VMA, and the split is not undone.
 *
 *  0123 45 67 ... 20..29
 *  AAAA    BB     DDDDDDDDDD   mremap(0, 8 pages, 2 pages, FIXED, 20)
 *  AA|AA   BB       DDDDDDDD   (A split; the head of D unmapped first)
 */
static void test_remap_fixed__shrink_split_stays_when_tail_sealed(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW),
					ANON(P(6), P(8), F_R | MR_VM_SEALED),
					ANON(P(20), P(30), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 3, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 8 * PG, 2 * PG, FIXED, P(20)), -EPERM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_RW, PGOFF(P(2))},
		    {P(6), P(8), F_R | MR_VM_SEALED, PGOFF(P(6))},
		    {P(22), P(30), F_R, PGOFF(P(22))});
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- MREMAP_DONTUNMAP ---- */

/*
 * Moving a whole locked VMA with MREMAP_DONTUNMAP (measured): the source
 * stays, without VM_LOCKED but with VM_ACCOUNT, and its anon_vma is
 * dropped (it then merged with a neighbour of another anon_vma); the copy
 * keeps VM_LOCKED, the pgoff and the anon_vma. One VMA more.
 *
 *  0123 ... 20..23
 *  SSSS              mremap(0, 4 pages, 4 pages, DONTUNMAP, 20)
 *  SSSS     CCCC
 */
static void test_remap_dontunmap__source_stays_unlocked(void **state)
{
	static const struct seed s[] = {
		ANON_AV(P(0), P(4), F_RW | MR_VM_LOCKED, 1001)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 4 * PG, 4 * PG, DONTUNMAP, P(20)),
			 P(20));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW, PGOFF(P(0))},
		    {P(20), P(24), F_RW | MR_VM_LOCKED, PGOFF(P(0))});
	assert_int_equal(anon_vma_at(mm, P(0)), 0);
	assert_int_equal(anon_vma_at(mm, P(20)), 1001);
	assert_int_equal(mr_mm_map_count(mm), 2);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * Moving part of the VMA (measured): the source is not split, all of it
 * loses VM_LOCKED, and it keeps its anon_vma (it did not merge with a
 * neighbour of another anon_vma).
 */
static void test_remap_dontunmap__part_keeps_anon_vma(void **state)
{
	static const struct seed s[] = {
		ANON_AV(P(0), P(4), F_RW | MR_VM_LOCKED, 1001)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 2 * PG, 2 * PG, DONTUNMAP, P(20)),
			 P(20));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW, PGOFF(P(0))},
		    {P(20), P(22), F_RW | MR_VM_LOCKED, PGOFF(P(0))});
	assert_int_equal(anon_vma_at(mm, P(0)), 1001);
	assert_int_equal(anon_vma_at(mm, P(20)), 1001);
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- the multi-VMA move (remap_move) ---- */

/*
 * MREMAP_FIXED with old_len == new_len moves every VMA of the range and
 * keeps the gaps between them (measured).
 *
 *  012345 ... 20..25
 *  AA  BB              mremap(0, 6 pages, 6 pages, FIXED, 20)
 *             AA  BB
 */
static void test_remap_move_multi__keeps_gaps(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW),
					ANON(P(4), P(6), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 6 * PG, 6 * PG, FIXED, P(20)), P(20));
	expect_vmas(mm, 0, UINT64_MAX, {P(20), P(22), F_RW, PGOFF(P(20))},
		    {P(24), P(26), F_R, PGOFF(P(24))});
	assert_int_equal(mr_mm_map_count(mm), 2);
	expect_invariants(m);
	mr_machine_free(m);
}

/* The range must start inside a VMA (measured: EFAULT). */
static void test_remap_move_multi__start_in_hole_is_efault(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW),
					ANON(P(4), P(6), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(2), 4 * PG, 4 * PG, FIXED, P(20)),
			 -EFAULT);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(4), P(6), F_R, PGOFF(P(4))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A hole at the end of the range is no error here, unlike the EFAULT of a
 * resizing fixed move (measured: mremap(0, 6 pages, 6 pages, FIXED, 20)
 * of a four-page A returns 20 and moves A).
 */
static void test_remap_move_multi__trailing_hole_is_skipped(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW),
					ANON(P(20), P(30), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 6 * PG, 6 * PG, FIXED, P(20)), P(20));
	expect_vmas(mm, 0, UINT64_MAX, {P(20), P(24), F_RW, PGOFF(P(20))},
		    {P(24), P(30), F_R, PGOFF(P(24))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A failure at a later VMA keeps what was done for the earlier ones
 * (measured): A moved, D's head unmapped, then the sealed B is EPERM.
 *
 *  012345 ... 20..29
 *  AA  BB     DDDDDDDDDD   mremap(0, 6 pages, 6 pages, FIXED, 20)
 *      BB     AADDDDDDDD   -EPERM
 */
static void
test_remap_move_multi__later_failure_keeps_earlier_moves(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW),
					ANON(P(4), P(6), F_R | MR_VM_SEALED),
					ANON(P(20), P(30), F_RX)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 3, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 6 * PG, 6 * PG, FIXED, P(20)), -EPERM);
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(4), P(6), F_R | MR_VM_SEALED, PGOFF(P(4))},
		    {P(20), P(22), F_RW, PGOFF(P(20))},
		    {P(22), P(30), F_RX, PGOFF(P(22))});
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- errors ---- */

/* check_mremap_params() (all measured EINVAL); nothing changes. */
static void test_remap_errors__einval(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	/* unknown flag */
	assert_int_equal(remap(mm, P(0), PG, PG, 8, 0), -EINVAL);
	/* unaligned addr */
	assert_int_equal(remap(mm, P(0) + 1, PG, PG, 0, 0), -EINVAL);
	/* new_len 0 */
	assert_int_equal(remap(mm, P(0), PG, 0, 0, 0), -EINVAL);
	/* MREMAP_FIXED without MREMAP_MAYMOVE */
	assert_int_equal(remap(mm, P(0), PG, PG, MREMAP_FIXED, P(20)), -EINVAL);
	/* MREMAP_DONTUNMAP with old_len != new_len */
	assert_int_equal(remap(mm, P(0), PG, 2 * PG, DONTUNMAP, P(20)),
			 -EINVAL);
	/* source and destination overlap */
	assert_int_equal(remap(mm, P(0), 4 * PG, 4 * PG, FIXED, P(2)), -EINVAL);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW, PGOFF(P(0))});
	expect_invariants(m);
	mr_machine_free(m);
}

/* No VMA at addr (measured): EFAULT, for a shrink and for a move. */
static void test_remap_errors__no_vma_is_efault(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(10), 2 * PG, PG, 0, 0), -EFAULT);
	assert_int_equal(remap(mm, P(10), PG, 2 * PG, MAYMOVE, 0), -EFAULT);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW, PGOFF(P(0))});
	mr_machine_free(m);
}

/* A sealed VMA refuses every mremap (measured: shrink and grow EPERM). */
static void test_remap_errors__sealed_is_eperm(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_R | MR_VM_SEALED)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(remap(mm, P(0), 4 * PG, 2 * PG, 0, 0), -EPERM);
	assert_int_equal(remap(mm, P(0), 4 * PG, 8 * PG, MAYMOVE, 0), -EPERM);
	assert_int_equal(remap(mm, P(0), 2 * PG, 3 * PG, FIXED, P(20)), -EPERM);
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(0), P(4), F_R | MR_VM_SEALED, PGOFF(P(0))});
	mr_machine_free(m);
}

/* ---- vm.max_map_count (measured with the limit set relative to the
 * process's map count) ---- */

/*
 * A remap naming a destination fails up front when map_count + 2 >=
 * max_map_count - 3: with max 10, five VMAs are too many, four are not.
 */
static void test_remap_limit__naming_destination(void **state)
{
	static const struct seed s[] = {
		ANON(P(0), P(1), F_R), ANON(P(2), P(3), F_R),
		ANON(P(4), P(5), F_R), ANON(P(6), P(7), F_R),
		ANON(P(8), P(9), F_R)};
	mr_machine *m;
	mr_mm *mm = limited(&m, 10, s, 5);

	(void)state;
	assert_int_equal(remap(mm, P(0), PG, PG, FIXED, P(40)), -ENOMEM);
	assert_int_equal(remap(mm, P(0), PG, PG, DONTUNMAP, P(40)), -ENOMEM);
	expect_vmas(mm, P(0), P(1), {P(0), P(1), F_R, PGOFF(P(0))});
	expect_no_vmas(mm, P(40), P(41));
	assert_int_equal(mr_mm_munmap(mm, P(8), PG, U), 0);
	assert_int_equal(remap(mm, P(0), PG, PG, FIXED, P(40)), P(40));
	expect_vmas(mm, 0, UINT64_MAX, {P(2), P(3), F_R, PGOFF(P(2))},
		    {P(4), P(5), F_R, PGOFF(P(4))},
		    {P(6), P(7), F_R, PGOFF(P(6))},
		    {P(40), P(41), F_R, PGOFF(P(40))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A move without a named destination fails when map_count >=
 * max_map_count - 3: with max 10, seven VMAs are too many, six are not.
 *
 *  0123 ... 36 ... 40 ... 48
 *  AAB             X X X X X    A blocked by B; the copy goes below X
 */
static void test_remap_limit__move(void **state)
{
	static const struct seed s[] = {
		ANON(P(0), P(2), F_RW),	 ANON(P(2), P(3), F_R),
		ANON(P(40), P(41), F_R), ANON(P(42), P(43), F_R),
		ANON(P(44), P(45), F_R), ANON(P(46), P(47), F_R),
		ANON(P(48), P(49), F_R)};
	mr_machine *m;
	mr_mm *mm = limited(&m, 10, s, 7);

	(void)state;
	assert_int_equal(remap(mm, P(0), 2 * PG, 4 * PG, MAYMOVE, 0), -ENOMEM);
	expect_vmas(mm, 0, P(3), {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(3), F_R, PGOFF(P(2))});
	assert_int_equal(mr_mm_munmap(mm, P(48), PG, U), 0);
	assert_int_equal(remap(mm, P(0), 2 * PG, 4 * PG, MAYMOVE, 0), P(36));
	expect_vmas(mm, 0, P(41), {P(2), P(3), F_R, PGOFF(P(2))},
		    {P(36), P(40), F_RW, PGOFF(P(36))},
		    {P(40), P(41), F_R, PGOFF(P(40))});
	assert_int_equal(mr_mm_map_count(mm), 6);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A plain shrink has no limit of its own: at map_count == max_map_count a
 * shrink that needs no split succeeds; one that splits the VMA fails in
 * its munmap (measured).
 *
 *  01234567
 *  AAAAAAAA    shrink to 6 pages: AAAAAA
 *              then [0, 4) to 2 pages would leave AA__AA: -ENOMEM
 */
static void test_remap_limit__shrink_unchecked(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(8), F_R),
					ANON(P(20), P(21), F_R)};
	mr_machine *m;
	mr_mm *mm = limited(&m, 2, s, 2);

	(void)state;
	assert_int_equal(remap(mm, P(0), 8 * PG, 6 * PG, 0, 0), P(0));
	assert_int_equal(remap(mm, P(0), 4 * PG, 2 * PG, 0, 0), -ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_R, PGOFF(P(0))},
		    {P(20), P(21), F_R, PGOFF(P(20))});
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- madvise: advices that change vm_flags ---- */

/*
 *  012345
 *  AAAAAA      MADV_RANDOM on [2, 4)
 *  AARRAA      three VMAs, VM_RAND_READ in the middle (measured "rr")
 *  AAAAAA      MADV_NORMAL on [2, 4): merged back into one
 */
static void test_madvise_flags__middle_splits_then_merges(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(6), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_madvise(mm, P(2), 2 * PG, MADV_RANDOM, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_RW | MR_VM_RAND_READ, PGOFF(P(2))},
		    {P(4), P(6), F_RW, PGOFF(P(4))});
	assert_int_equal(mr_mm_map_count(mm), 3);
	expect_invariants(m);
	assert_int_equal(mr_mm_madvise(mm, P(2), 2 * PG, MADV_NORMAL, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
	assert_int_equal(mr_mm_map_count(mm), 1);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A hole in the range is ENOMEM, reported after the mapped parts on both
 * sides of it were changed (measured).
 *
 *  012345
 *  AA  BB      MADV_RANDOM on [0, 6): -ENOMEM, A and B both "rr"
 */
static void test_madvise_hole__enomem_after_changing_mapped_parts(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW),
					ANON(P(4), P(6), F_R)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_madvise(mm, P(0), 6 * PG, MADV_RANDOM, U),
			 -ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(0), P(2), F_RW | MR_VM_RAND_READ, PGOFF(P(0))},
		    {P(4), P(6), F_R | MR_VM_RAND_READ, PGOFF(P(4))});
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- madvise: errors ---- */

/* MADV_DONTNEED on a VM_LOCKED VMA is EINVAL (measured). */
static void test_madvise_errors__dontneed_locked_is_einval(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW | MR_VM_LOCKED)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, MADV_DONTNEED, U),
			 -EINVAL);
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(0), P(4), F_RW | MR_VM_LOCKED, PGOFF(P(0))});
	mr_machine_free(m);
}

/*
 * A private file mapping (measured): MADV_FREE is for anonymous memory
 * only, MADV_WIPEONFORK refuses files; both EINVAL, no flag set.
 */
static void test_madvise_errors__file_refuses_free_and_wipeonfork(void **state)
{
	mr_machine *m = new_machine();
	uint32_t file = mr_machine_file(m, "/tmp/data", 0xfe, 0, 43);
	uint32_t ofd = mr_machine_new_ofd(m);
	struct seed s[] = {{P(0), P(4), F_RW, 0, file, ofd, 0, 0, 1}};
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, MADV_FREE, U), -EINVAL);
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, MADV_WIPEONFORK, U),
			 -EINVAL);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW, 0});
	mr_machine_free(m);
}

/* Advice 5 does not exist (measured EINVAL); nor does 1000. */
static void test_madvise_errors__invalid_advice_is_einval(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, 5, U), -EINVAL);
	assert_int_equal(mr_mm_madvise(mm, P(0), PG, 1000, U), -EINVAL);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW, PGOFF(P(0))});
	mr_machine_free(m);
}

/*
 * A split at max_map_count fails, and madvise reports EAGAIN (measured).
 * At map_count == max nothing changes; with room for one split the first
 * split stays and the flags do not change. Pass 1 gives the recorded
 * result, which the dry run must predict.
 *
 *  012345
 *  AAAAAA      MADV_RANDOM on [2, 4), one split allowed
 *  AABBBB      -EAGAIN
 */
static void test_madvise_limit__split_is_eagain(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(6), F_RW)};
	int pass;

	(void)state;
	for (pass = 0; pass < 2; pass++) {
		int64_t rec = pass ? -EAGAIN : U;
		mr_machine *m;
		mr_mm *mm = limited(&m, 1, s, 1);

		assert_int_equal(
			mr_mm_madvise(mm, P(2), 2 * PG, MADV_RANDOM, rec),
			-EAGAIN);
		expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
		mr_machine_free(m);

		mm = limited(&m, 2, s, 1);
		assert_int_equal(
			mr_mm_madvise(mm, P(2), 2 * PG, MADV_RANDOM, rec),
			-EAGAIN);
		expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
			    {P(2), P(6), F_RW, PGOFF(P(2))});
		expect_invariants(m);
		mr_machine_free(m);
	}
}

/* ---- madvise: advices on pages ---- */

/*
 * MADV_DONTNEED (and the other advices on pages) change no VMA: no split
 * around the range (measured), same flags and anon_vma.
 */
static void test_madvise_page__dontneed_changes_no_vma(void **state)
{
	static const struct seed s[] = {ANON_AV(P(0), P(6), F_RW, 1001)};
	struct mirror j;
	mr_machine *m = new_machine_cfg(NULL, &j);
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);
	long adds, dels;

	(void)state;
	adds = j.adds;
	dels = j.dels;
	assert_int_equal(mr_mm_madvise(mm, P(2), 2 * PG, MADV_DONTNEED, U), 0);
	assert_int_equal(mr_mm_madvise(mm, P(2), 2 * PG, MADV_WILLNEED, U), 0);
	assert_int_equal(mr_mm_madvise(mm, P(2), 2 * PG, MADV_COLD, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(6), F_RW, PGOFF(P(0))});
	assert_int_equal(anon_vma_at(mm, P(0)), 1001);
	assert_int_equal(j.adds, adds);
	assert_int_equal(j.dels, dels);
	expect_invariants(m);
	mr_machine_free(m);
	mirror_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remap_shrink__tail_unmapped),
		cmocka_unit_test(
			test_remap_shrink__tail_spans_hole_and_next_vma),
		cmocka_unit_test(test_remap_same_size__no_op_even_past_vma),
		cmocka_unit_test(test_remap_grow__in_place_when_free),
		cmocka_unit_test(
			test_remap_grow__in_place_merges_compatible_next),
		cmocka_unit_test(
			test_remap_grow__in_place_next_with_other_anon_vma_apart),
		cmocka_unit_test(
			test_remap_grow__blocked_without_maymove_is_enomem),
		cmocka_unit_test(test_remap_grow__blocked_with_maymove_moves),
		cmocka_unit_test(
			test_remap_move__anon_without_anon_vma_takes_new_pgoff),
		cmocka_unit_test(
			test_remap_move__unfaulted_anon_merges_at_destination),
		cmocka_unit_test(test_remap_move__anon_vma_keeps_pgoff),
		cmocka_unit_test(test_remap_move__file_keeps_pgoff),
		cmocka_unit_test(test_remap_fixed__unmaps_destination),
		cmocka_unit_test(
			test_remap_fixed__old_len_past_vma_faults_before_unmap),
		cmocka_unit_test(
			test_remap_fixed__destination_unmap_stays_when_shrink_fails),
		cmocka_unit_test(
			test_remap_fixed__shrink_split_stays_when_tail_sealed),
		cmocka_unit_test(test_remap_dontunmap__source_stays_unlocked),
		cmocka_unit_test(test_remap_dontunmap__part_keeps_anon_vma),
		cmocka_unit_test(test_remap_move_multi__keeps_gaps),
		cmocka_unit_test(
			test_remap_move_multi__start_in_hole_is_efault),
		cmocka_unit_test(
			test_remap_move_multi__trailing_hole_is_skipped),
		cmocka_unit_test(
			test_remap_move_multi__later_failure_keeps_earlier_moves),
		cmocka_unit_test(test_remap_errors__einval),
		cmocka_unit_test(test_remap_errors__no_vma_is_efault),
		cmocka_unit_test(test_remap_errors__sealed_is_eperm),
		cmocka_unit_test(test_remap_limit__naming_destination),
		cmocka_unit_test(test_remap_limit__move),
		cmocka_unit_test(test_remap_limit__shrink_unchecked),
		cmocka_unit_test(test_madvise_flags__middle_splits_then_merges),
		cmocka_unit_test(
			test_madvise_hole__enomem_after_changing_mapped_parts),
		cmocka_unit_test(
			test_madvise_errors__dontneed_locked_is_einval),
		cmocka_unit_test(
			test_madvise_errors__file_refuses_free_and_wipeonfork),
		cmocka_unit_test(test_madvise_errors__invalid_advice_is_einval),
		cmocka_unit_test(test_madvise_limit__split_is_eagain),
		cmocka_unit_test(test_madvise_page__dontneed_changes_no_vma),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
