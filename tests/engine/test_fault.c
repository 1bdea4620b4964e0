/*
 * test_fault.c - the rules of engine/fault.c through the public API: which
 * page faults give a VMA an anon_vma, which are refused, how a
 * VM_GROWSDOWN VMA grows down to a fault below it (stack_guard_gap,
 * RLIMIT_STACK, no merge), and the population done by mlock, mlockall,
 * MAP_POPULATE, MADV_POPULATE_*, brk under MCL_FUTURE, mremap and
 * mprotect of locked memory.
 *
 * Layouts are drawn in pages of the window W (P(n) is its page n):
 *
 *  0123456789
 *  AAA  BBB      A is [P(0), P(3)), B is [P(5), P(8))
 *
 * The machines here have assume_written 0 (but for one test where it
 * cannot matter), so an anon_vma comes only from a fault or from
 * population.
 *
 * An anon_vma is not visible in /proc/PID/smaps; its consequence is. A
 * writable private anonymous VMA made read-only loses VM_ACCOUNT ("ac")
 * only when it has no anon_vma (mprotect_fixup()), and then merges with
 * read-only neighbours; with one it keeps "ac" and stays apart. Each rule
 * below was measured that way on Linux 6.18 (x86-64, THP "madvise",
 * use_zero_page 1) with small programs that mapped the layout at fixed
 * addresses, caught SIGSEGV, and read /proc/self/smaps (ranges, VmFlags
 * "ac", "gd", "hg"). Where smaps cannot tell, the test names the kernel
 * code it follows instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/engine/helpers.h"

/* x86 page fault error codes, as exceptions:page_fault_user reports them */
#define RD 0x4 /* user read of a page not present */
#define WR 0x6 /* user write of a page not present */

#define GD MR_VM_GROWSDOWN
#define LK MR_VM_LOCKED
#define ACC MR_VM_ACCOUNT
#define HG MR_VM_HUGEPAGE
#define RW (PROT_READ | PROT_WRITE)
#define F_RO_ACC (F_R | ACC) /* read-only, VM_ACCOUNT kept */

#define MCL_CURRENT_ 1
#define MCL_FUTURE_ 2
#define MADV_HUGEPAGE_ 14
#define MADV_DODUMP_ 17
#define MADV_POPULATE_READ_ 22
#define MADV_POPULATE_WRITE_ 23

/* A machine built from C (defaults when NULL) with assume_written 0. */
static mr_machine *machine(mr_config *c)
{
	mr_config d;

	if (!c) {
		mr_config_default(&d);
		c = &d;
	}
	c->assume_written = 0;
	return new_machine_cfg(c, NULL);
}

/* The anon_vma of the VMA holding ADDR, which must exist. */
static uint32_t anon_vma_at(const mr_mm *mm, uint64_t addr)
{
	const mr_vma *v = mr_mm_find(mm, addr);

	assert_non_null(v);
	return v->anon_vma;
}

static int64_t madvise_(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t adv)
{
	return mr_mm_madvise(mm, addr, len, adv, U);
}

static int64_t mmap_growsdown(mr_mm *mm, uint64_t addr, uint64_t len,
			      uint64_t prot)
{
	return mmap_anon(mm, addr, len, prot,
			 MAP_PRIVATE | MAP_FIXED | MAP_GROWSDOWN);
}

/* ---- the sandwich: what mprotect to read-only shows ---- */

/*
 *  012
 *  LMH       L and H read-only, M writable ("ac")
 */
static mr_mm *sandwich(mr_machine **mp)
{
	static const struct seed s[] = {ANON(P(0), P(1), F_R),
					ANON(P(1), P(2), F_RW),
					ANON(P(2), P(3), F_R)};

	*mp = machine(NULL);
	return seeded(*mp, 1, s, 3, 0, 0);
}

/*
 *  012
 *  LMH       mprotect M r--
 *  LMH       M had an anon_vma: keeps "ac", no merge
 */
#define expect_kept_apart(m, mm)                                               \
	do {                                                                   \
		assert_int_equal(mr_mm_mprotect((mm), P(1), PG, PROT_READ, U), \
				 0);                                           \
		expect_vmas((mm), 0, P(3), {P(0), P(1), F_R, PGOFF(P(0))},     \
			    {P(1), P(2), F_RO_ACC, PGOFF(P(1))},               \
			    {P(2), P(3), F_R, PGOFF(P(2))});                   \
		expect_invariants(m);                                          \
	} while (0)

/*
 *  012
 *  LMH       mprotect M r--
 *  LLL       M had none: "ac" dropped, all three merge
 */
#define expect_merged(m, mm)                                                   \
	do {                                                                   \
		assert_int_equal(mr_mm_mprotect((mm), P(1), PG, PROT_READ, U), \
				 0);                                           \
		expect_vmas((mm), 0, P(3), {P(0), P(3), F_R, PGOFF(P(0))});    \
		expect_invariants(m);                                          \
	} while (0)

/* ---- write faults ---- */

/*
 * A write to private anonymous memory (do_anonymous_page()) gives the VMA
 * an anon_vma; the VMA's range and flags do not change. A second write
 * has nothing left to do.
 */
static void test_fault_write__private_anon_gets_anon_vma(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(4), F_RW)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);
	uint32_t av;

	(void)state;
	assert_int_equal(anon_vma_at(mm, P(1)), 0);
	assert_int_equal(mr_mm_fault(mm, P(1) + 8, WR), MR_FAULT_ANON);
	av = anon_vma_at(mm, P(1));
	assert_int_not_equal(av, 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(4), F_RW, PGOFF(P(0))});
	assert_int_equal(mr_mm_fault(mm, P(3), WR), 0);
	assert_int_equal(anon_vma_at(mm, P(3)), av);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * anon_vma_prepare() takes a neighbour's anon_vma when
 * find_mergeable_anon_vma() allows it: adjacent, same file, flags that
 * differ only in access bits, contiguous pgoff; from prev or from next.
 * Seen in the kernel through the merge it allows: both halves
 * written, then B made rw-, and A and B become one VMA (measured, in
 * either order of the writes).
 *
 *  0123
 *  AABB      A rw-, B rwx; write A then B: B reuses A's anon_vma
 *  AAAA      mprotect B rw-: one VMA
 *  AABB      again, writing B then A: A reuses B's
 *  AAAA
 */
static void test_fault_write__reuses_compatible_neighbour_anon_vma(void **state)
{
	static const struct seed s[] = {
		ANON(P(0), P(2), F_RW), ANON(P(2), P(4), F_RWX),
		ANON(P(10), P(12), F_RW), ANON(P(12), P(14), F_RWX)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 4, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_fault(mm, P(0), WR), MR_FAULT_ANON);
	assert_int_equal(mr_mm_fault(mm, P(2), WR), MR_FAULT_ANON);
	assert_int_not_equal(anon_vma_at(mm, P(0)), 0);
	assert_int_equal(anon_vma_at(mm, P(2)), anon_vma_at(mm, P(0)));
	assert_int_equal(mr_mm_mprotect(mm, P(2), 2 * PG, RW, U), 0);
	expect_vmas(mm, 0, P(4), {P(0), P(4), F_RW, PGOFF(P(0))});

	assert_int_equal(mr_mm_fault(mm, P(12), WR), MR_FAULT_ANON);
	assert_int_equal(mr_mm_fault(mm, P(10), WR), MR_FAULT_ANON);
	assert_int_not_equal(anon_vma_at(mm, P(10)), 0);
	assert_int_equal(anon_vma_at(mm, P(10)), anon_vma_at(mm, P(12)));
	assert_int_not_equal(anon_vma_at(mm, P(10)), anon_vma_at(mm, P(0)));
	assert_int_equal(mr_mm_mprotect(mm, P(12), 2 * PG, RW, U), 0);
	expect_vmas(mm, P(10), P(14), {P(10), P(14), F_RW, PGOFF(P(10))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * With both neighbours holding a compatible anon_vma, next wins
 * (find_mergeable_anon_vma() looks at next first). Measured: A and C
 * written first, each with its own anon_vma, then B; made rw-, B joins
 * C, not A.
 *
 *  012345
 *  AABBCC    A rw-, B rwx, C rw-; write A, C, then B: B takes C's
 *  AABBBB    mprotect B rw-: B merges with C
 */
static void test_fault_write__next_neighbour_anon_vma_first(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW),
					ANON(P(2), P(4), F_RWX),
					ANON(P(4), P(6), F_RW)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 3, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_fault(mm, P(0), WR), MR_FAULT_ANON);
	assert_int_equal(mr_mm_fault(mm, P(4), WR), MR_FAULT_ANON);
	assert_int_not_equal(anon_vma_at(mm, P(0)), anon_vma_at(mm, P(4)));
	assert_int_equal(mr_mm_fault(mm, P(2), WR), MR_FAULT_ANON);
	assert_int_equal(anon_vma_at(mm, P(2)), anon_vma_at(mm, P(4)));
	assert_int_equal(mr_mm_mprotect(mm, P(2), 2 * PG, RW, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(6), F_RW, PGOFF(P(2))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A neighbour whose flags differ in more than access bits (here
 * VM_DONTDUMP) does not lend its anon_vma: each half gets its own, and
 * they stay apart even once the flags agree again (measured: written
 * halves, MADV_DODUMP on B, two VMAs).
 *
 *  0123
 *  AABB      B "dd"; write A then B: two anon_vmas
 *  AABB      MADV_DODUMP on B: same flags, still two VMAs
 */
static void test_fault_write__incompatible_neighbour_gives_own(void **state)
{
	static const struct seed s[] = {
		ANON(P(0), P(2), F_RW),
		ANON(P(2), P(4), F_RW | MR_VM_DONTDUMP)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_fault(mm, P(0), WR), MR_FAULT_ANON);
	assert_int_equal(mr_mm_fault(mm, P(2), WR), MR_FAULT_ANON);
	assert_int_not_equal(anon_vma_at(mm, P(0)), 0);
	assert_int_not_equal(anon_vma_at(mm, P(2)), 0);
	assert_int_not_equal(anon_vma_at(mm, P(2)), anon_vma_at(mm, P(0)));
	assert_int_equal(madvise_(mm, P(2), 2 * PG, MADV_DODUMP_), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_RW, PGOFF(P(2))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A write to shared memory goes to its shmem file (do_shared_fault()):
 * no anon_vma.
 */
static void test_fault_write__shared_gets_none(void **state)
{
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);

	(void)state;
	assert_int_equal(
		mmap_anon(mm, P(0), 2 * PG, RW, MAP_SHARED | MAP_FIXED), P(0));
	assert_int_equal(mr_mm_fault(mm, P(1), WR), 0);
	assert_int_equal(anon_vma_at(mm, P(1)), 0);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * A private file mapping: a read maps the page cache (do_read_fault()),
 * no anon_vma; a write copies the page (do_cow_fault()) into anonymous
 * memory, which needs one.
 */
static void test_fault_file__read_none_write_copies(void **state)
{
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);
	mr_fileref f = {mr_machine_file(m, "/tmp/f", 0xfe, 0, 12),
			mr_machine_new_ofd(m), 1, 0, 0};

	(void)state;
	assert_int_equal(mr_mm_mmap(mm, P(0), 4 * PG, RW,
				    MAP_PRIVATE | MAP_FIXED, &f, 0, U),
			 P(0));
	assert_int_equal(mr_mm_fault(mm, P(0), RD), 0);
	assert_int_equal(anon_vma_at(mm, P(0)), 0);
	assert_int_equal(mr_mm_fault(mm, P(2), WR), MR_FAULT_ANON);
	assert_int_not_equal(anon_vma_at(mm, P(0)), 0);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * access_error(): a write to a VMA without VM_WRITE, a read of a present
 * page (error code 0x1) and a read of a PROT_NONE VMA are refused
 * (SIGSEGV) and change nothing. Measured: after the refused write, the
 * page made rw- and then r-- again merges back, so the write left no
 * anon_vma.
 *
 *  012 45
 *  AAA N     write at 1: -EACCES
 *  AMA N     mprotect [1, 2) rw-, then r--
 *  AAA N     merged
 */
static void test_fault_write__readonly_vma_is_eacces(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(3), F_R),
					ANON(P(4), P(5), F_NONE)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_fault(mm, P(1), WR), -EACCES);
	assert_int_equal(mr_mm_fault(mm, P(1), RD | 0x1), -EACCES);
	assert_int_equal(mr_mm_fault(mm, P(4), RD), -EACCES);
	assert_int_equal(mr_mm_fault(mm, P(4), WR), -EACCES);
	assert_int_equal(anon_vma_at(mm, P(1)), 0);
	assert_int_equal(anon_vma_at(mm, P(4)), 0);
	assert_int_equal(mr_mm_mprotect(mm, P(1), PG, RW, U), 0);
	assert_int_equal(mr_mm_mprotect(mm, P(1), PG, PROT_READ, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(3), F_R, PGOFF(P(0))},
		    {P(4), P(5), F_NONE, PGOFF(P(4))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * No VMA at or above the address, or one above that does not grow down:
 * -EFAULT (SIGSEGV, SEGV_MAPERR). Past TASK_SIZE too.
 *
 *  0123456
 *  AA  BB        faults at 3, 7 and TASK_SIZE: -EFAULT
 */
static void test_fault__no_vma_is_efault(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(2), F_RW),
					ANON(P(4), P(6), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_fault(mm, P(3), WR), -EFAULT);
	assert_int_equal(mr_mm_fault(mm, P(7), RD), -EFAULT);
	assert_int_equal(mr_mm_fault(mm, 0x7ffffffff000ull, RD), -EFAULT);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(4), P(6), F_RW, PGOFF(P(4))});
	assert_int_equal(anon_vma_at(mm, P(0)), 0);
	assert_int_equal(anon_vma_at(mm, P(4)), 0);
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- read faults ---- */

/*
 * A read of private anonymous memory maps the shared zero page
 * (do_anonymous_page()): no anon_vma, and made read-only the VMA merges
 * (measured).
 */
static void test_fault_read__zero_page_gives_none(void **state)
{
	mr_machine *m;
	mr_mm *mm = sandwich(&m);

	(void)state;
	assert_int_equal(mr_mm_fault(mm, P(1) + 100, RD), 0);
	assert_int_equal(anon_vma_at(mm, P(1)), 0);
	expect_merged(m, mm);
	mr_machine_free(m);
}

/*
 * THP "always": a read of a 2 MiB block that lies wholly inside the VMA
 * takes the huge path (do_huge_pmd_anonymous_page()), which prepares the
 * anon_vma before mapping the huge zero page. A read where the block
 * sticks out of the VMA, and any read under THP "never", maps the small
 * zero page. (The machines measured run "madvise"; "always" follows
 * thp_vma_allowable_order() and is the rule the next test measured.)
 *
 *  |<- 2 MiB ->|<- 2 MiB ->|
 *  AAAAAAAAAAAAA               A: the first block and one page more
 *              ^ read: none    (partial block)
 *  ^ read: anon_vma            (whole block)
 */
static void test_fault_read__thp_always_whole_pmd_gets_anon_vma(void **state)
{
	static const struct seed s[] = {ANON(W, W + 2 * MB + PG, F_RW)};
	mr_config c;
	mr_machine *m;
	mr_mm *mm;

	(void)state;
	mr_config_default(&c);
	c.thp = MR_THP_ALWAYS;
	m = machine(&c);
	mm = seeded(m, 1, s, 1, 0, 0);
	assert_int_equal(mr_mm_fault(mm, W + 2 * MB, RD), 0);
	assert_int_equal(anon_vma_at(mm, W), 0);
	assert_int_equal(mr_mm_fault(mm, W + 5 * PG, RD), MR_FAULT_ANON);
	assert_int_not_equal(anon_vma_at(mm, W), 0);
	expect_invariants(m);
	mr_machine_free(m);

	mr_config_default(&c);
	c.thp = MR_THP_NEVER;
	m = machine(&c);
	mm = seeded(m, 1, s, 1, 0, 0);
	assert_int_equal(mr_mm_fault(mm, W + 5 * PG, RD), 0);
	assert_int_equal(anon_vma_at(mm, W), 0);
	mr_machine_free(m);
}

/*
 * THP "madvise": only a VMA with VM_HUGEPAGE (MADV_HUGEPAGE, "hg") takes
 * the huge path on a read. Measured with [2 MiB-aligned, +2 MiB) between
 * two read-only pages: read, then r--: without "hg" the three merge;
 * with "hg" it keeps "ac"; with "hg" on a VMA one page short of the
 * block it loses "ac".
 */
static void test_fault_read__thp_madvise_needs_hugepage(void **state)
{
	static const struct seed s[] = {
		ANON(W, W + 2 * MB, F_RW),
		ANON(W + 4 * MB, W + 6 * MB - PG, F_RW)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mr_machine_config(m)->thp, MR_THP_MADVISE);
	assert_int_equal(mr_mm_fault(mm, W + 5 * PG, RD), 0);
	assert_int_equal(anon_vma_at(mm, W), 0);
	assert_int_equal(madvise_(mm, W, 2 * MB, MADV_HUGEPAGE_), 0);
	expect_vmas(mm, W, W + 2 * MB, {W, W + 2 * MB, F_RW | HG, PGOFF(W)});
	assert_int_equal(mr_mm_fault(mm, W + 5 * PG, RD), MR_FAULT_ANON);
	assert_int_not_equal(anon_vma_at(mm, W), 0);

	assert_int_equal(madvise_(mm, W + 4 * MB, 2 * MB - PG, MADV_HUGEPAGE_),
			 0);
	assert_int_equal(mr_mm_fault(mm, W + 4 * MB + 5 * PG, RD), 0);
	assert_int_equal(anon_vma_at(mm, W + 4 * MB), 0);
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- stack growth ---- */

/*
 * A fault below an mmap(MAP_GROWSDOWN) VMA grows it down to the faulting
 * page (expand_downwards()), read or write, with vm_pgoff reduced by the
 * pages grown; the first growth prepares the anon_vma. Measured: a new
 * MAP_GROWSDOWN page mapped right below the grown VMA merges with it,
 * which needs the pgoff to be contiguous.
 *
 *  508 509 510 511 512..515
 *                  GGGG        mmap MAP_GROWSDOWN
 *              GGGGGGGG        write at 512 - 1 byte
 *      GGGGGGGGGGGGGGGG        read at 509
 *  GGGGGGGGGGGGGGGGGGGG        mmap MAP_GROWSDOWN [508, 509): merged
 */
static void test_fault_stack__growsdown_grows_to_page(void **state)
{
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);
	int r;

	(void)state;
	assert_int_equal(mmap_growsdown(mm, P(512), 4 * PG, RW), P(512));
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(512), P(516), F_RW | GD, PGOFF(P(512))});
	r = mr_mm_fault(mm, P(512) - 1, WR);
	assert_true(r > 0 && (r & MR_FAULT_GREW));
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(511), P(516), F_RW | GD, PGOFF(P(511))});
	assert_int_not_equal(anon_vma_at(mm, P(511)), 0);
	assert_int_equal(mr_mm_fault(mm, P(509) + 100, RD), MR_FAULT_GREW);
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(509), P(516), F_RW | GD, PGOFF(P(509))});
	assert_int_equal(mmap_growsdown(mm, P(508), PG, RW), P(508));
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(508), P(516), F_RW | GD, PGOFF(P(508))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * The initial stack grows the same way: a fault just below [stack]
 * extends it by one page, a fault a megabyte lower by a megabyte.
 */
#define STACK 0x7ffffffde000ull
#define STACK_END 0x7ffffffff000ull
static void test_fault_stack__initial_stack_grows(void **state)
{
	static const struct seed s[] = {
		{STACK, STACK_END, F_RW | GD, 0, 0, 0, 0, MR_VMA_STACK, 0}};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);
	const mr_vma *v;
	int r;

	(void)state;
	r = mr_mm_fault(mm, STACK - 8, WR);
	assert_true(r > 0 && (r & MR_FAULT_GREW));
	expect_vmas(mm, 0, UINT64_MAX,
		    {STACK - PG, STACK_END, F_RW | GD, PGOFF(STACK) - 1});
	assert_int_equal(mr_mm_fault(mm, STACK - PG - MB, WR), MR_FAULT_GREW);
	expect_vmas(mm, 0, UINT64_MAX,
		    {STACK - PG - MB, STACK_END, F_RW | GD,
		     PGOFF(STACK - PG - MB)});
	v = mr_mm_find(mm, STACK);
	assert_non_null(v);
	assert_int_equal(v->kind, MR_VMA_STACK);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * stack_guard_gap (256 pages): the grown VMA may not come closer than
 * the gap to an accessible VMA below that does not grow down itself.
 * Refused (-ENOMEM), nothing changes, not even the anon_vma (the gap is
 * checked before anon_vma_prepare()): the journal hears of nothing. Measured:
 * with A's end at page 1, a write at page 1 + 255 is SIGSEGV, at 1 + 256 it
 * grows; a read-only A blocks too.
 *
 *  0 1 ... 256 257 ... 265..268
 *  A                   GGGG        fault at 1 + 255: -ENOMEM
 *  A                   GGGG        fault at 1 + 256: grows
 *  A       GGGGGGGGGGGGGGGG
 */
static void test_fault_stack__guard_gap_refuses(void **state)
{
	static const struct seed s[] = {
		ANON(P(0), P(1), F_RW), ANON(P(265), P(269), F_RW | GD),
		ANON(P(1000), P(1001), F_R), ANON(P(1017), P(1021), F_RW | GD)};
	struct mirror j;
	mr_config c;
	mr_machine *m;
	mr_mm *mm;
	long adds, dels;
	int r;

	(void)state;
	mr_config_default(&c);
	c.assume_written = 0;
	m = new_machine_cfg(&c, &j);
	mm = seeded(m, 1, s, 4, 0, 0);
	assert_int_equal(c.stack_guard_gap, 256 * PG);
	adds = j.adds;
	dels = j.dels;
	assert_int_equal(mr_mm_fault(mm, P(1 + 255), WR), -ENOMEM);
	assert_int_equal(mr_mm_fault(mm, P(1 + 255) + PG - 1, RD), -ENOMEM);
	assert_int_equal(j.adds, adds);
	assert_int_equal(j.dels, dels);
	expect_vmas(mm, 0, P(1000), {P(0), P(1), F_RW, PGOFF(P(0))},
		    {P(265), P(269), F_RW | GD, PGOFF(P(265))});
	assert_int_equal(anon_vma_at(mm, P(265)), 0);
	r = mr_mm_fault(mm, P(1 + 256), WR);
	assert_true(r > 0 && (r & MR_FAULT_GREW));
	expect_vmas(mm, 0, P(1000), {P(0), P(1), F_RW, PGOFF(P(0))},
		    {P(257), P(269), F_RW | GD, PGOFF(P(257))});

	assert_int_equal(mr_mm_fault(mm, P(1016), WR), -ENOMEM);
	expect_vmas(mm, P(1000), UINT64_MAX,
		    {P(1000), P(1001), F_R, PGOFF(P(1000))},
		    {P(1017), P(1021), F_RW | GD, PGOFF(P(1017))});
	expect_invariants(m);
	assert_int_equal(j.bad, 0);
	mr_machine_free(m);
	mirror_free(&j);
}

/*
 * A PROT_NONE VMA below is no obstacle (vma_is_accessible()): the stack
 * grows right up to it (measured).
 *
 *  01234567
 *  N   GGGG      fault at 1
 *  NGGGGGGG
 */
static void test_fault_stack__prot_none_below_does_not_block(void **state)
{
	static const struct seed s[] = {ANON(P(4), P(8), F_RW | GD)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);
	int r;

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(0), PG, PROT_NONE), P(0));
	r = mr_mm_fault(mm, P(1), WR);
	assert_true(r > 0 && (r & MR_FAULT_GREW));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(1), F_NONE, PGOFF(P(0))},
		    {P(1), P(8), F_RW | GD, PGOFF(P(1))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * Growth never merges: grown up against a VM_GROWSDOWN VMA below (which
 * the gap does not guard), with the same flags and contiguous pgoff, the
 * two stay two VMAs (measured with two MAP_GROWSDOWN mappings).
 *
 *  012345
 *  LL  GG        fault at 2
 *  LLGGGG        two VMAs
 */
static void test_fault_stack__growth_never_merges(void **state)
{
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);
	int r;

	(void)state;
	assert_int_equal(mmap_growsdown(mm, P(0), 2 * PG, RW), P(0));
	assert_int_equal(mmap_growsdown(mm, P(4), 2 * PG, RW), P(4));
	expect_invariants(m); /* each replay step is checked on its own */
	r = mr_mm_fault(mm, P(2), WR);
	assert_true(r > 0 && (r & MR_FAULT_GREW));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW | GD, PGOFF(P(0))},
		    {P(2), P(6), F_RW | GD, PGOFF(P(2))});
	assert_int_equal(mr_mm_map_count(mm), 2);
	assert_int_equal(anon_vma_at(mm, P(0)), 0);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * RLIMIT_STACK bounds the whole VMA after growth (acct_stack_growth()):
 * with a 16-page limit a 4-page VMA grows to 16 pages but not to 17
 * (measured with setrlimit). The refused growth has already prepared the
 * anon_vma (expand_downwards() does that before acct_stack_growth()).
 *
 *  88 ... 99 100..103
 *            GGGG        fault at 87: 17 pages, -ENOMEM
 *            GGGG        fault at 88: 16 pages
 *  GGGGGGGGGGGGGG
 */
static void test_fault_stack__rlimit_caps_size(void **state)
{
	static const struct seed s[] = {ANON(P(100), P(104), F_RW | GD)};
	mr_config c;
	mr_machine *m;
	mr_mm *mm;

	(void)state;
	mr_config_default(&c);
	c.stack_rlimit = 16 * PG;
	m = machine(&c);
	mm = seeded(m, 1, s, 1, 0, 0);
	assert_int_equal(mr_mm_fault(mm, P(87), WR), -ENOMEM);
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(100), P(104), F_RW | GD, PGOFF(P(100))});
	assert_int_not_equal(anon_vma_at(mm, P(100)), 0);
	assert_int_equal(mr_mm_fault(mm, P(88), WR), MR_FAULT_GREW);
	expect_vmas(mm, 0, UINT64_MAX,
		    {P(88), P(104), F_RW | GD, PGOFF(P(88))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * The VMA grows before the access is checked (lock_mm_and_find_vma()
 * then access_error()): a write below a read-only VM_GROWSDOWN VMA grows
 * it and then fails with SIGSEGV (measured: r--p, "gd", one page lower).
 * The model reports the growth.
 *
 *  0123
 *   GG       write at 0
 *  GGG       grown; the write itself refused
 */
static void test_fault_stack__readonly_grows_before_refusal(void **state)
{
	static const struct seed s[] = {ANON(P(1), P(3), F_R | GD)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);
	int r;

	(void)state;
	r = mr_mm_fault(mm, P(0), WR);
	assert_true(r > 0 && (r & MR_FAULT_GREW));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(3), F_R | GD, PGOFF(P(0))});
	assert_int_equal(mr_mm_fault(mm, P(0), WR), -EACCES);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * MR_FAULT_ANON means "the VMA got an anon_vma" (mm.h), and the first
 * growth of a VMA without one gives it one: the result should carry both
 * bits.
 */
static void test_fault_stack__first_growth_reports_anon_vma(void **state)
{
	static const struct seed s[] = {ANON(P(4), P(8), F_RW | GD)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 1, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_fault(mm, P(3), WR),
			 MR_FAULT_GREW | MR_FAULT_ANON);
	assert_int_not_equal(anon_vma_at(mm, P(3)), 0);
	mr_machine_free(m);
}

/* ---- the written VMA made read-only ---- */

/*
 * A write fault gives M an anon_vma: made read-only it keeps "ac" and
 * stays apart (measured).
 */
static void test_fault_written__readonly_keeps_account(void **state)
{
	mr_machine *m;
	mr_mm *mm = sandwich(&m);

	(void)state;
	assert_int_equal(mr_mm_fault(mm, P(1), WR), MR_FAULT_ANON);
	expect_kept_apart(m, mm);
	mr_machine_free(m);
}

/* Not even touched: M merges (measured). */
static void test_fault_untouched__readonly_merges(void **state)
{
	mr_machine *m;
	mr_mm *mm = sandwich(&m);

	(void)state;
	expect_merged(m, mm);
	mr_machine_free(m);
}

/* ---- population ---- */

/*
 * mlock populates the range (__mm_populate()) with write faults, since M
 * is private and writable: locked and unlocked again, then r--, M keeps
 * "ac" (measured).
 */
static void test_populate_mlock__readonly_keeps_account(void **state)
{
	mr_machine *m;
	mr_mm *mm = sandwich(&m);

	(void)state;
	assert_int_equal(mr_mm_mlock(mm, P(1), PG, 0, 0, U), 0);
	assert_int_not_equal(anon_vma_at(mm, P(1)), 0);
	assert_int_equal(mr_mm_munlock(mm, P(1), PG, U), 0);
	expect_kept_apart(m, mm);
	mr_machine_free(m);
}

/*
 * mlock2(MLOCK_ONFAULT) locks without populating (VM_LOCKONFAULT): no
 * anon_vma.
 */
static void test_populate_mlock_onfault__none(void **state)
{
	mr_machine *m;
	mr_mm *mm = sandwich(&m);

	(void)state;
	assert_int_equal(mr_mm_mlock(mm, P(1), PG, 1, 1, U), 0);
	assert_int_equal(anon_vma_at(mm, P(1)), 0);
	assert_int_equal(mr_mm_munlock(mm, P(1), PG, U), 0);
	expect_merged(m, mm);
	mr_machine_free(m);
}

/*
 * mmap(MAP_POPULATE) of writable private memory populates it for
 * writing (measured: mapped between two read-only pages, then r--, it
 * keeps "ac").
 *
 *  012
 *  L H       mmap [1, 2) rw- MAP_POPULATE
 *  LMH
 */
static void test_populate_map_populate__readonly_keeps_account(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(1), F_R),
					ANON(P(2), P(3), F_R)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mmap_anon(mm, P(1), PG, RW,
				   MAP_PRIVATE | MAP_FIXED | MAP_POPULATE),
			 P(1));
	assert_int_not_equal(anon_vma_at(mm, P(1)), 0);
	expect_kept_apart(m, mm);
	mr_machine_free(m);
}

/* MAP_POPULATE with MAP_NONBLOCK populates nothing: M merges (measured). */
static void test_populate_map_nonblock__readonly_merges(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(1), F_R),
					ANON(P(2), P(3), F_R)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mmap_anon(mm, P(1), PG, RW,
				   MAP_PRIVATE | MAP_FIXED | MAP_POPULATE |
					   MAP_NONBLOCK),
			 P(1));
	assert_int_equal(anon_vma_at(mm, P(1)), 0);
	expect_merged(m, mm);
	mr_machine_free(m);
}

/* MADV_POPULATE_WRITE write-faults every page: "ac" kept (measured). */
static void test_populate_madv_write__readonly_keeps_account(void **state)
{
	mr_machine *m;
	mr_mm *mm = sandwich(&m);

	(void)state;
	assert_int_equal(madvise_(mm, P(1), PG, MADV_POPULATE_WRITE_), 0);
	assert_int_not_equal(anon_vma_at(mm, P(1)), 0);
	expect_kept_apart(m, mm);
	mr_machine_free(m);
}

/* MADV_POPULATE_READ read-faults: the zero page, M merges (measured). */
static void test_populate_madv_read__readonly_merges(void **state)
{
	mr_machine *m;
	mr_mm *mm = sandwich(&m);

	(void)state;
	assert_int_equal(madvise_(mm, P(1), PG, MADV_POPULATE_READ_), 0);
	assert_int_equal(anon_vma_at(mm, P(1)), 0);
	expect_merged(m, mm);
	mr_machine_free(m);
}

/*
 * MADV_POPULATE_* refuses memory it may not fault that way
 * (faultin_page_range(): "incompatible mappings / permissions"):
 * POPULATE_WRITE of a read-only VMA, private or shared, and either
 * advice on a PROT_NONE VMA, are -EINVAL (measured).
 *
 *  0 2 4
 *  R S N     R r-- private, S r-- shared, N ---
 */
static void test_populate_madv__inaccessible_is_einval(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(1), F_R),
					ANON(P(4), P(5), F_NONE)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(
		mmap_anon(mm, P(2), PG, PROT_READ, MAP_SHARED | MAP_FIXED),
		P(2));
	assert_int_equal(madvise_(mm, P(0), PG, MADV_POPULATE_WRITE_), -EINVAL);
	assert_int_equal(madvise_(mm, P(2), PG, MADV_POPULATE_WRITE_), -EINVAL);
	assert_int_equal(madvise_(mm, P(4), PG, MADV_POPULATE_READ_), -EINVAL);
	assert_int_equal(madvise_(mm, P(4), PG, MADV_POPULATE_WRITE_), -EINVAL);
	assert_int_equal(madvise_(mm, P(0), PG, MADV_POPULATE_READ_), 0);
	/* reading needs VM_READ: write-only and exec-only refuse it */
	assert_int_equal(
		mmap_anon(mm, P(6), PG, PROT_WRITE, MAP_PRIVATE | MAP_FIXED),
		P(6));
	assert_int_equal(madvise_(mm, P(6), PG, MADV_POPULATE_READ_), -EINVAL);
	assert_int_equal(madvise_(mm, P(6), PG, MADV_POPULATE_WRITE_), 0);
	assert_int_equal(
		mmap_anon(mm, P(8), PG, PROT_EXEC, MAP_PRIVATE | MAP_FIXED),
		P(8));
	assert_int_equal(madvise_(mm, P(8), PG, MADV_POPULATE_READ_), -EINVAL);
	mr_machine_free(m);
}

/*
 * MADV_POPULATE_WRITE faults in page after page and stops at the first
 * it cannot: what came before stays populated. Measured: over a writable
 * VMA and the hole after it (-ENOMEM), and over a writable VMA and a
 * read-only one after it (-EINVAL), the writable VMA made r-- keeps "ac".
 *
 *  012   4567
 *  LM    LMH     POPULATE_WRITE [1, 3): -ENOMEM; [5, 7): -EINVAL
 *  LM    LMH     M made r--: keeps "ac" in both
 */
static void test_populate_madv_write__failure_keeps_pages_before(void **state)
{
	static const struct seed s[] = {
		ANON(P(0), P(1), F_R), ANON(P(1), P(2), F_RW),
		ANON(P(4), P(5), F_R), ANON(P(5), P(6), F_RW),
		ANON(P(6), P(7), F_R)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 5, 0, 0);

	(void)state;
	assert_int_equal(madvise_(mm, P(1), 2 * PG, MADV_POPULATE_WRITE_),
			 -ENOMEM);
	assert_int_not_equal(anon_vma_at(mm, P(1)), 0);
	assert_int_equal(madvise_(mm, P(5), 2 * PG, MADV_POPULATE_WRITE_),
			 -EINVAL);
	assert_int_not_equal(anon_vma_at(mm, P(5)), 0);
	assert_int_equal(mr_mm_mprotect(mm, P(1), PG, PROT_READ, U), 0);
	assert_int_equal(mr_mm_mprotect(mm, P(5), PG, PROT_READ, U), 0);
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(1), F_R, PGOFF(P(0))},
		    {P(1), P(2), F_RO_ACC, PGOFF(P(1))},
		    {P(4), P(5), F_R, PGOFF(P(4))},
		    {P(5), P(6), F_RO_ACC, PGOFF(P(5))},
		    {P(6), P(7), F_R, PGOFF(P(6))});
	mr_machine_free(m);
}

/*
 * MADV_POPULATE_READ of a page in a 2 MiB block THP may back takes the
 * huge path like a read fault: anon_vma (measured under THP "madvise"
 * with "hg": r-- keeps "ac"; without "hg" the VMA merges).
 */
static void test_populate_madv_read__thp_block_gets_anon_vma(void **state)
{
	static const struct seed s[] = {ANON(W, W + 2 * MB, F_RW | HG),
					ANON(W + 4 * MB, W + 6 * MB, F_RW)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(madvise_(mm, W + 5 * PG, PG, MADV_POPULATE_READ_), 0);
	assert_int_not_equal(anon_vma_at(mm, W), 0);
	assert_int_equal(
		madvise_(mm, W + 4 * MB + 5 * PG, PG, MADV_POPULATE_READ_), 0);
	assert_int_equal(anon_vma_at(mm, W + 4 * MB), 0);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * mlockall(MCL_CURRENT) populates every VMA (mm_populate(0, TASK_SIZE)):
 * M, writable, is write-faulted; the read-only L and H are only read
 * (measured: after munlockall and r--, M keeps "ac").
 */
static void test_populate_mlockall_current__readonly_keeps_account(void **state)
{
	mr_machine *m;
	mr_mm *mm = sandwich(&m);

	(void)state;
	assert_int_equal(mr_mm_mlockall(mm, MCL_CURRENT_, U), 0);
	assert_int_not_equal(anon_vma_at(mm, P(1)), 0);
	assert_int_equal(anon_vma_at(mm, P(0)), 0);
	assert_int_equal(anon_vma_at(mm, P(2)), 0);
	assert_int_equal(mr_mm_munlockall(mm, U), 0);
	expect_kept_apart(m, mm);
	mr_machine_free(m);
}

/*
 * mprotect of a locked private VMA to writable populates it to break COW
 * (mprotect_fixup(): populate_vma_page_range()). Measured: M locked
 * while r--, made rw-, unlocked, made r-- again: it keeps "ac". Without
 * the lock the same mprotects merge it back.
 *
 *  012
 *  LLL       mlock [1, 2); mprotect [1, 2) rw-; munlock; mprotect r--
 *  LMH       M keeps "ac"
 */
static void test_populate_mprotect_locked__writable_populated(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(3), F_R),
					ANON(P(10), P(13), F_R)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_mlock(mm, P(1), PG, 0, 0, U), 0);
	assert_int_equal(anon_vma_at(mm, P(1)), 0);
	assert_int_equal(mr_mm_mprotect(mm, P(1), PG, RW, U), 0);
	assert_int_not_equal(anon_vma_at(mm, P(1)), 0);
	assert_int_equal(mr_mm_munlock(mm, P(1), PG, U), 0);
	expect_kept_apart(m, mm);

	assert_int_equal(mr_mm_mprotect(mm, P(11), PG, RW, U), 0);
	assert_int_equal(anon_vma_at(mm, P(11)), 0);
	assert_int_equal(mr_mm_mprotect(mm, P(11), PG, PROT_READ, U), 0);
	expect_vmas(mm, P(10), UINT64_MAX, {P(10), P(13), F_R, PGOFF(P(10))});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * brk under mlockall(MCL_FUTURE) populates the new heap (do_brk_flags()
 * then mm_populate()), so it gets an anon_vma; without the lock it does
 * not. Measured: after munlockall, the first heap page made r-- keeps
 * "ac" only when brk ran under MCL_FUTURE.
 */
static void test_populate_brk_mcl_future__heap_populated(void **state)
{
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, NULL, 0, P(100), P(100));

	(void)state;
	assert_int_equal(mr_mm_brk_call(mm, P(102), U), P(102));
	assert_int_equal(anon_vma_at(mm, P(100)), 0);
	assert_int_equal(mr_mm_mlockall(mm, MCL_FUTURE_, U), 0);
	assert_int_equal(mr_mm_brk_call(mm, P(104), U), P(104));
	assert_int_not_equal(anon_vma_at(mm, P(102)), 0);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * mremap growing a locked VMA populates the new part (do_mremap():
 * mm_populate(new_addr + old_len, new_len - old_len)). A live locked
 * writable VMA already has its anon_vma from mlock, so the kernel shows
 * nothing new; the model is seeded with one that has none, as a
 * snapshot would seed it.
 *
 *  012
 *  K         K: rw-, locked, no anon_vma; mremap to 2 pages in place
 *  KK        the VMA has an anon_vma
 */
static void test_populate_mremap_locked__growth_populated(void **state)
{
	static const struct seed s[] = {ANON(P(0), P(1), F_RW | LK),
					ANON(P(10), P(11), F_RW)};
	mr_machine *m = machine(NULL);
	mr_mm *mm = seeded(m, 1, s, 2, 0, 0);

	(void)state;
	assert_int_equal(mr_mm_mremap(mm, P(0), PG, 2 * PG, 0, 0, U), P(0));
	expect_vmas(mm, 0, P(2), {P(0), P(2), F_RW | LK, PGOFF(P(0))});
	assert_int_not_equal(anon_vma_at(mm, P(0)), 0);
	assert_int_equal(mr_mm_mremap(mm, P(10), PG, 2 * PG, 0, 0, U), P(10));
	assert_int_equal(anon_vma_at(mm, P(10)), 0);
	expect_invariants(m);
	mr_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_write__private_anon_gets_anon_vma),
		cmocka_unit_test(
			test_fault_write__reuses_compatible_neighbour_anon_vma),
		cmocka_unit_test(
			test_fault_write__next_neighbour_anon_vma_first),
		cmocka_unit_test(
			test_fault_write__incompatible_neighbour_gives_own),
		cmocka_unit_test(test_fault_write__shared_gets_none),
		cmocka_unit_test(test_fault_file__read_none_write_copies),
		cmocka_unit_test(test_fault_write__readonly_vma_is_eacces),
		cmocka_unit_test(test_fault__no_vma_is_efault),
		cmocka_unit_test(test_fault_read__zero_page_gives_none),
		cmocka_unit_test(
			test_fault_read__thp_always_whole_pmd_gets_anon_vma),
		cmocka_unit_test(test_fault_read__thp_madvise_needs_hugepage),
		cmocka_unit_test(test_fault_stack__growsdown_grows_to_page),
		cmocka_unit_test(test_fault_stack__initial_stack_grows),
		cmocka_unit_test(test_fault_stack__guard_gap_refuses),
		cmocka_unit_test(
			test_fault_stack__prot_none_below_does_not_block),
		cmocka_unit_test(test_fault_stack__growth_never_merges),
		cmocka_unit_test(test_fault_stack__rlimit_caps_size),
		cmocka_unit_test(
			test_fault_stack__readonly_grows_before_refusal),
		cmocka_unit_test(test_fault_written__readonly_keeps_account),
		cmocka_unit_test(test_fault_untouched__readonly_merges),
		cmocka_unit_test(test_populate_mlock__readonly_keeps_account),
		cmocka_unit_test(test_populate_mlock_onfault__none),
		cmocka_unit_test(
			test_populate_map_populate__readonly_keeps_account),
		cmocka_unit_test(test_populate_map_nonblock__readonly_merges),
		cmocka_unit_test(
			test_populate_madv_write__readonly_keeps_account),
		cmocka_unit_test(test_populate_madv_read__readonly_merges),
		cmocka_unit_test(
			test_populate_madv_read__thp_block_gets_anon_vma),
		cmocka_unit_test(
			test_populate_mlockall_current__readonly_keeps_account),
		cmocka_unit_test(
			test_populate_mprotect_locked__writable_populated),
		cmocka_unit_test(test_populate_brk_mcl_future__heap_populated),
		cmocka_unit_test(test_populate_mremap_locked__growth_populated),
		cmocka_unit_test(
			test_fault_stack__first_growth_reports_anon_vma),
		cmocka_unit_test(test_populate_madv__inaccessible_is_einval),
		cmocka_unit_test(
			test_populate_madv_write__failure_keeps_pages_before),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
