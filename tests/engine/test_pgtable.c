/*
 * test_pgtable.c - the page tables against a naive map of page address
 * to entry, and free_pgd_range()'s floor and ceiling rules.
 *
 * Random sets, clears, zaps and huge leaves over pages chosen in a few
 * regions that straddle PTE-table (2 MiB), PMD-table (1 GiB) and
 * PUD-table (512 GiB) boundaries must leave exactly the naive map's
 * entries, in address order; the table counts must be the numbers of
 * distinct spans that hold entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/pgtable.h"

#define PG 0x1000ull
#define MB2 0x200000ull
#define GB1 0x40000000ull
#define GB512 0x8000000000ull

/* Region starts: 16 pages each side of a boundary of each size. */
static const uint64_t regions[] = {
	0x7f0000200000ull - 16 * PG, /* a 2 MiB boundary */
	0x7f0040000000ull - 16 * PG, /* a 1 GiB boundary */
	0x7f8000000000ull - 16 * PG, /* a 512 GiB boundary */
	0x0000555555554000ull,	     /* low */
};
#define NREG (sizeof(regions) / sizeof(regions[0]))
#define PER 32 /* pages per region */
#define NPAGES (NREG * PER)

static uint64_t page_at(size_t k)
{
	return regions[k / PER] + (k % PER) * PG;
}

/* xorshift: the same sequence on every machine */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The tables hold exactly NAIVE: get() for every page and next() in
 * address order. */
static void expect_same(const mr_pgtable *pt, const uint64_t *naive)
{
	uint64_t order[NPAGES], addr = 0, e;
	size_t k, n = 0;
	int level;

	for (k = 0; k < NPAGES; k++) {
		assert_int_equal(mr_pgtable_get(pt, page_at(k), NULL),
				 naive[k]);
		if (naive[k])
			order[n++] = page_at(k);
	}
	qsort(order, n, sizeof(*order), cmp_u64);
	for (k = 0; k < n; k++) {
		assert_true(
			mr_pgtable_next(pt, &addr, ~0ull >> 16, &e, &level));
		assert_int_equal(addr, order[k]);
		assert_int_equal(level, MR_PT_PTE);
		addr += PG;
	}
	assert_false(mr_pgtable_next(pt, &addr, ~0ull >> 16, &e, &level));
}

static void test_pgtable_random__equals_naive_map(void **state)
{
	uint64_t naive[NPAGES], s = 0x9e3779b97f4a7c15ull;
	mr_pgtable *pt;
	int round;

	(void)state;
	memset(naive, 0, sizeof(naive));
	assert_int_equal(mr_pgtable_new(&pt, NULL, NULL, NULL), 0);
	for (round = 0; round < 20000; round++) {
		size_t k = rnd(&s) % NPAGES;
		uint64_t r = rnd(&s);

		if (r % 10 < 6) {
			uint64_t v = ((r >> 8) & 0xffffff) << 12 | 0x867;

			assert_int_equal(mr_pgtable_set(pt, page_at(k), v), 0);
			naive[k] = v;
		} else if (r % 10 < 8) {
			assert_int_equal(mr_pgtable_set(pt, page_at(k), 0), 0);
			naive[k] = 0;
		} else {
			/* zap a run of pages inside the region */
			size_t len = 1 + (r >> 12) % 8, j, in = k % PER;
			uint64_t want = 0;

			if (in + len > PER)
				len = PER - in;
			for (j = k; j < k + len; j++) {
				want += naive[j] != 0;
				naive[j] = 0;
			}
			assert_int_equal(
				mr_pgtable_clear(pt, page_at(k),
						 page_at(k) + len * PG),
				want);
		}
		if (round % 997 == 0)
			expect_same(pt, naive);
	}
	expect_same(pt, naive);
	mr_pgtable_free(pt);
}

/* Tables exist for every span that ever held an entry (zaps keep them):
 * PTE tables per 2 MiB, PMD tables per 1 GiB, PUD tables per 512 GiB. */
static void test_pgtable_counts__one_table_per_span(void **state)
{
	mr_pgtable *pt;
	size_t k;

	(void)state;
	assert_int_equal(mr_pgtable_new(&pt, NULL, NULL, NULL), 0);
	for (k = 0; k < NPAGES; k++)
		assert_int_equal(mr_pgtable_set(pt, page_at(k), 0x867), 0);
	/* regions 0..2 straddle a boundary each; region 3 is one span */
	assert_int_equal(mr_pgtable_tables(pt, MR_PT_PTE), 7);
	assert_int_equal(mr_pgtable_tables(pt, MR_PT_PMD), 5);
	assert_int_equal(mr_pgtable_tables(pt, MR_PT_PUD), 3);
	assert_int_equal(mr_pgtable_bytes(pt), (7 + 5 + 3) * PG);
	assert_int_equal(mr_pgtable_clear(pt, 0, ~0ull >> 16), NPAGES);
	assert_int_equal(mr_pgtable_bytes(pt), (7 + 5 + 3) * PG);
	/* a table entry points at its table's frame */
	assert_int_equal(mr_pgtable_entry(pt, regions[3], MR_PT_PMD) & 0xfff,
			 MR_PTE_TABLE);
	mr_pgtable_free(pt);
}

/*
 * free_pgd_range(): a PTE table goes only when its whole 2 MiB lies
 * between FLOOR and CEILING; a PMD table only for its whole 1 GiB; the
 * tables of the unmapped range otherwise stay for the neighbours.
 */
static void test_pgtable_free__floor_and_ceiling(void **state)
{
	const uint64_t a = 0x7f0000400000ull; /* 2 MiB aligned */
	mr_pgtable *pt;

	(void)state;
	assert_int_equal(mr_pgtable_new(&pt, NULL, NULL, NULL), 0);
	/* the only VMA: every table goes */
	assert_int_equal(mr_pgtable_set(pt, a + PG, 0x867), 0);
	mr_pgtable_clear(pt, a, a + 4 * PG);
	mr_pgtable_free_range(pt, a, a + 4 * PG, 0, 0);
	assert_int_equal(mr_pgtable_bytes(pt), 0);

	/* a next VMA in the same 2 MiB keeps the PTE table (and above) */
	assert_int_equal(mr_pgtable_set(pt, a + PG, 0x867), 0);
	assert_int_equal(mr_pgtable_set(pt, a + 0x100000, 0x867), 0);
	mr_pgtable_clear(pt, a, a + 4 * PG);
	mr_pgtable_free_range(pt, a, a + 4 * PG, 0, a + 0x100000);
	assert_int_equal(mr_pgtable_tables(pt, MR_PT_PTE), 1);
	assert_int_equal(mr_pgtable_get(pt, a + 0x100000, NULL), 0x867);

	/* a previous VMA ending in the same 2 MiB: kept too */
	mr_pgtable_free_range(pt, a + 0x100000, a + 0x101000, a + 0x2000, 0);
	assert_int_equal(mr_pgtable_tables(pt, MR_PT_PTE), 1);

	/* with neighbours in the next 2 MiB but not this one: the PTE
	 * table goes, the PMD table (shared 1 GiB) stays */
	assert_int_equal(mr_pgtable_set(pt, a + MB2, 0x867), 0);
	mr_pgtable_clear(pt, a, a + MB2);
	mr_pgtable_free_range(pt, a, a + MB2, a - MB2, a + MB2);
	assert_int_equal(mr_pgtable_tables(pt, MR_PT_PTE), 1);
	assert_int_equal(mr_pgtable_tables(pt, MR_PT_PMD), 1);
	assert_int_equal(mr_pgtable_get(pt, a + MB2, NULL), 0x867);

	/* nothing else in its 512 GiB: PMD and PUD tables go as well */
	mr_pgtable_clear(pt, a + MB2, a + MB2 + PG);
	mr_pgtable_free_range(pt, a + MB2, a + MB2 + PG, a - GB512, 0);
	assert_int_equal(mr_pgtable_bytes(pt), 0);
	mr_pgtable_free(pt);
}

/* A huge PMD leaf: one entry for 2 MiB, no PTE table; a 4 KiB entry set
 * inside it replaces it with a PTE table. */
static void test_pgtable_huge__pmd_leaf(void **state)
{
	const uint64_t a = 0x7f0000400000ull;
	uint64_t addr = a - PG, e;
	mr_pgtable *pt;
	int level;

	(void)state;
	assert_int_equal(mr_pgtable_new(&pt, NULL, NULL, NULL), 0);
	assert_int_equal(mr_pgtable_set_huge(pt, a, 0x1000000ull | 0x8e7), 0);
	assert_int_equal(mr_pgtable_tables(pt, MR_PT_PTE), 0);
	assert_int_equal(mr_pgtable_get(pt, a + 0x12345, &level),
			 0x1000000ull | 0x8e7);
	assert_int_equal(level, MR_PT_PMD);
	assert_true(mr_pgtable_next(pt, &addr, a + MB2, &e, &level));
	assert_int_equal(addr, a);
	assert_int_equal(level, MR_PT_PMD);
	/* a zap of part of it leaves it (the caller splits first) */
	assert_int_equal(mr_pgtable_clear(pt, a, a + PG), 0);
	assert_int_equal(mr_pgtable_clear(pt, a, a + MB2), 512);
	assert_int_equal(mr_pgtable_set_huge(pt, a, 0x1000000ull | 0x8e7), 0);
	assert_int_equal(mr_pgtable_set(pt, a + PG, 0x867), 0);
	assert_int_equal(mr_pgtable_tables(pt, MR_PT_PTE), 1);
	assert_int_equal(mr_pgtable_get(pt, a, NULL), 0);
	assert_int_equal(mr_pgtable_get(pt, a + PG, &level), 0x867);
	assert_int_equal(level, MR_PT_PTE);
	mr_pgtable_free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pgtable_random__equals_naive_map),
		cmocka_unit_test(test_pgtable_counts__one_table_per_span),
		cmocka_unit_test(test_pgtable_free__floor_and_ceiling),
		cmocka_unit_test(test_pgtable_huge__pmd_leaf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
