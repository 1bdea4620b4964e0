/*
 * test_tree.c - the augmented AVL tree of engine/vma_tree.c against a
 * sorted array.
 *
 * Random insertions and removals of disjoint ranges in a small window are
 * mirrored in a plain sorted array. After every step the tree must list
 * the same VMAs in the same order, answer find/find_after/find_before like
 * a linear scan, keep AVL heights, parent links, gaps and max_gap exact,
 * and answer the gap searches like a literal transcription of the kernel's
 * unmapped_area_topdown() / unmapped_area() (mm/vma.c) run over the array.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/vma_tree.h"

#define PG MR_PAGE_SIZE
#define BASE 0x100000ull /* window start */
#define NPAGES 1024	 /* window size in pages */
#define GUARD (16 * PG)	 /* stack guard gap used by these tests */
#define MAXV 256	 /* VMAs alive at most */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* The reference: VMAs sorted by start. */
struct ref {
	mr_vma *v[MAXV];
	size_t n;
};

static void ref_insert(struct ref *r, mr_vma *v)
{
	size_t i = 0;

	while (i < r->n && r->v[i]->start < v->start)
		i++;
	memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(r->v[0]));
	r->v[i] = v;
	r->n++;
}

static void ref_remove(struct ref *r, size_t i)
{
	memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(r->v[0]));
	r->n--;
}

static uint64_t start_gap(const mr_vma *v)
{
	if (!(v->flags & MR_VM_GROWSDOWN))
		return v->start;
	return v->start > GUARD ? v->start - GUARD : 0;
}

/* ---- brute force, transcribed from the kernel ---- */

/* Raw gap i of the array: below r->v[i], or above the last when i == n. */
static void raw_gap(const struct ref *r, size_t i, uint64_t *lo, uint64_t *hi)
{
	*lo = i ? r->v[i - 1]->end : 0;
	*hi = i < r->n ? r->v[i]->start : UINT64_MAX;
}

/* unmapped_area_topdown() over the array. */
static int bf_topdown(const struct ref *r, uint64_t *out, uint64_t len,
		      uint64_t low, uint64_t high, uint64_t mask, uint64_t off)
{
	uint64_t length = len + mask;

	if (length < len)
		return -1;
	for (;;) {
		size_t i = r->n + 1;
		uint64_t lo, hi, a;
		int found = 0;

		if (high <= low)
			return -1;
		while (i-- > 0) {
			raw_gap(r, i, &lo, &hi);
			if (lo < low)
				lo = low;
			if (hi > high)
				hi = high;
			if (hi > lo && hi - lo >= length) {
				found = 1;
				break;
			}
		}
		if (!found)
			return -1;
		a = hi - len;
		a -= (a - off) & mask;
		if (i < r->n && (r->v[i]->flags & MR_VM_GROWSDOWN) &&
		    start_gap(r->v[i]) < hi) {
			high = start_gap(r->v[i]);
			continue;
		}
		*out = a;
		return 0;
	}
}

/* unmapped_area() over the array. */
static int bf_bottomup(const struct ref *r, uint64_t *out, uint64_t len,
		       uint64_t low, uint64_t high, uint64_t mask, uint64_t off)
{
	uint64_t length = len + mask;

	if (length < len)
		return -1;
	for (;;) {
		size_t i;
		uint64_t lo = 0, hi = 0, a;
		int found = 0;

		if (high <= low)
			return -1;
		for (i = 0; i <= r->n; i++) {
			raw_gap(r, i, &lo, &hi);
			if (lo < low)
				lo = low;
			if (hi > high)
				hi = high;
			if (hi > lo && hi - lo >= length) {
				found = 1;
				break;
			}
		}
		if (!found)
			return -1;
		a = lo + ((off - lo) & mask);
		if (i < r->n && (r->v[i]->flags & MR_VM_GROWSDOWN) &&
		    start_gap(r->v[i]) < a + length - 1) {
			low = r->v[i]->end;
			continue;
		}
		*out = a;
		return 0;
	}
}

/* ---- structural checks ---- */

static int check_node(const mr_vma *n, const mr_vma *parent)
{
	int hl, hr;
	uint64_t mg;

	if (!n)
		return 0;
	assert_ptr_equal(n->parent, parent);
	hl = check_node(n->left, n);
	hr = check_node(n->right, n);
	assert_int_equal(n->height, 1 + (hl > hr ? hl : hr));
	assert_true(hl - hr <= 1 && hr - hl <= 1);
	mg = n->gap;
	if (n->left && n->left->max_gap > mg)
		mg = n->left->max_gap;
	if (n->right && n->right->max_gap > mg)
		mg = n->right->max_gap;
	assert_int_equal(n->max_gap, mg);
	return n->height;
}

static void check_tree(const mr_vma_tree *t, const struct ref *r)
{
	const mr_vma *v;
	size_t i = 0;

	assert_int_equal(t->count, r->n);
	check_node(t->root, NULL);
	for (v = mr_vma_tree_first(t); v; v = mr_vma_next(v), i++) {
		assert_true(i < r->n);
		assert_ptr_equal(v, r->v[i]);
		/* the gap is the raw free space before the VMA */
		assert_int_equal(v->gap, v->start - (i ? r->v[i - 1]->end : 0));
	}
	assert_int_equal(i, r->n);
	for (v = mr_vma_tree_last(t); v; v = mr_vma_prev(v))
		assert_ptr_equal(v, r->v[--i]);
	assert_int_equal(i, 0);
}

static void check_lookups(const mr_vma_tree *t, const struct ref *r,
			  uint64_t addr)
{
	const mr_vma *in = NULL, *after = NULL, *before = NULL;
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (r->v[i]->start <= addr && addr < r->v[i]->end)
			in = r->v[i];
		if (!after && r->v[i]->end > addr)
			after = r->v[i];
		if (r->v[i]->start < addr)
			before = r->v[i];
	}
	assert_ptr_equal(mr_vma_tree_find(t, addr), in);
	assert_ptr_equal(mr_vma_tree_find_after(t, addr), after);
	assert_ptr_equal(mr_vma_tree_find_before(t, addr), before);
}

static void check_searches(const mr_vma_tree *t, const struct ref *r)
{
	static const uint64_t masks[] = {0, 0, 0, 0xf000, 0x1f000, 0x1ff000};
	uint64_t len = (1 + rnd_below(48)) * PG;
	uint64_t low = BASE + (rnd_below(NPAGES + 64) * PG) - 32 * PG;
	uint64_t high = low + (1 + rnd_below(NPAGES)) * PG;
	uint64_t mask = masks[rnd_below(6)];
	uint64_t off = rnd_below(512) * PG;
	uint64_t a = 0, b = 0;
	int ra, rb;

	if (rnd_below(8) == 0) {
		low = 0;
		high = UINT64_MAX & MR_PAGE_MASK;
	}
	ra = mr_vma_tree_gap_topdown(t, &a, len, low, high, mask, off);
	rb = bf_topdown(r, &b, len, low, high, mask, off);
	assert_int_equal(ra, rb);
	if (!ra)
		assert_int_equal(a, b);
	ra = mr_vma_tree_gap_bottomup(t, &a, len, low, high, mask, off);
	rb = bf_bottomup(r, &b, len, low, high, mask, off);
	assert_int_equal(ra, rb);
	if (!ra)
		assert_int_equal(a, b);
}

/* A free page range of 1..MAXLEN pages in the window, or 0. */
static int pick_free(const mr_vma_tree *t, uint64_t *start, uint64_t *end)
{
	int tries;

	for (tries = 0; tries < 20; tries++) {
		uint64_t s = BASE + rnd_below(NPAGES) * PG;
		uint64_t e = s + (1 + rnd_below(12)) * PG;
		const mr_vma *v = mr_vma_tree_find_after(t, s);

		if (e > BASE + NPAGES * PG)
			continue;
		if (v && v->start < e)
			continue;
		*start = s;
		*end = e;
		return 1;
	}
	return 0;
}

static void run_random(uint64_t seed, int steps, int growsdown_pct)
{
	mr_vma_tree t;
	struct ref r = {{0}, 0};
	static mr_vma pool[MAXV];
	mr_vma *freel[MAXV];
	size_t nfree = MAXV, i;
	int step, q;

	for (i = 0; i < MAXV; i++)
		freel[i] = &pool[MAXV - 1 - i];
	rng_state = seed;
	mr_vma_tree_init(&t, GUARD);
	for (step = 0; step < steps; step++) {
		unsigned op = (unsigned)rnd_below(100);

		if (op < 55 && nfree > 0) {
			uint64_t s, e;
			mr_vma *v;

			if (!pick_free(&t, &s, &e))
				continue;
			v = freel[--nfree];
			memset(v, 0, sizeof(*v));
			v->start = s;
			v->end = e;
			if ((int)rnd_below(100) < growsdown_pct)
				v->flags = MR_VM_GROWSDOWN;
			mr_vma_tree_insert(&t, v);
			ref_insert(&r, v);
		} else if (op < 92 && r.n > 0) {
			size_t k = rnd_below(r.n);

			mr_vma_tree_remove(&t, r.v[k]);
			freel[nfree++] = r.v[k];
			ref_remove(&r, k);
		} else if (r.n > 0) {
			/* change a VMA in place: flags, or shrink/grow */
			size_t k = rnd_below(r.n);
			mr_vma *v = r.v[k];
			uint64_t lim = k + 1 < r.n ? r.v[k + 1]->start
						   : BASE + NPAGES * PG;

			switch (rnd_below(3)) {
			case 0:
				v->flags ^= MR_VM_GROWSDOWN;
				break;
			case 1:
				if (v->end - v->start > PG)
					v->end -= PG;
				else if (v->end < lim)
					v->end += PG;
				break;
			default:
				if (v->end < lim)
					v->end += PG;
				if (v->end - v->start > PG)
					v->start += PG;
				break;
			}
			mr_vma_tree_update(&t, v);
		}
		check_tree(&t, &r);
		for (q = 0; q < 8; q++) {
			uint64_t a =
				BASE - 4 * PG + rnd_below((NPAGES + 8) * PG);

			check_lookups(&t, &r, a);
		}
		if (r.n) {
			/* boundaries are where off-by-ones live */
			const mr_vma *v = r.v[rnd_below(r.n)];

			check_lookups(&t, &r, v->start);
			check_lookups(&t, &r, v->start - 1);
			check_lookups(&t, &r, v->end);
			check_lookups(&t, &r, v->end - 1);
		}
		for (q = 0; q < 6; q++)
			check_searches(&t, &r);
	}
	while (r.n) {
		mr_vma_tree_remove(&t, r.v[0]);
		ref_remove(&r, 0);
		check_tree(&t, &r);
	}
	assert_null(t.root);
}

static void test_tree_random__matches_sorted_array(void **state)
{
	(void)state;
	run_random(0x5eed0001ull, 4000, 0);
}

/* Many short histories: each removal and rebalance stops going up where
 * nothing changes, which only exact values everywhere can show right. */
static void test_tree_random__many_seeds(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= 32; seed++)
		run_random(0x7ee00000ull + seed, 1500, (int)(seed % 3) * 20);
}

static void test_tree_random_growsdown__gaps_match_kernel_search(void **state)
{
	(void)state;
	run_random(0x5eed0002ull, 4000, 25);
	run_random(0x5eed0003ull, 2000, 60);
}

/* Build T from (start, end, flags) triples given in pages. */
static void build(mr_vma_tree *t, mr_vma *vs, const uint64_t (*spec)[3],
		  size_t n)
{
	size_t i;

	mr_vma_tree_init(t, GUARD);
	for (i = 0; i < n; i++) {
		memset(&vs[i], 0, sizeof(vs[i]));
		vs[i].start = spec[i][0] * PG;
		vs[i].end = spec[i][1] * PG;
		vs[i].flags = spec[i][2];
		mr_vma_tree_insert(t, &vs[i]);
	}
}

/*
 *  page  100      110       200   210                 300
 *        PPPPPPPPPP ........ QQQQQ ................... SSSS (GROWSDOWN)
 *
 * The guard gap of S (16 pages) ends at page 284, inside the free range
 * [210, 300). A 50-page request fits [210, 300) but not below 284 + the
 * retry keeps the search under 284, so it lands at 284 - 50 = 234.
 */
static void test_tree_topdown__shortens_gap_below_growsdown(void **state)
{
	static const uint64_t spec[][3] = {
		{100, 110, 0}, {200, 210, 0}, {300, 310, MR_VM_GROWSDOWN}};
	mr_vma vs[3];
	mr_vma_tree t;
	uint64_t a = 0;

	(void)state;
	build(&t, vs, spec, 3);
	assert_int_equal(
		mr_vma_tree_gap_topdown(&t, &a, 50 * PG, PG, 300 * PG, 0, 0),
		0);
	assert_int_equal(a, 234 * PG);
	/* 80 pages no longer fit above 210 once the guard is taken off */
	assert_int_equal(
		mr_vma_tree_gap_topdown(&t, &a, 80 * PG, PG, 300 * PG, 0, 0),
		0);
	assert_int_equal(a, 120 * PG);
	/* bottom-up from 210: [210, 284) holds 74 pages, not 80 */
	assert_int_equal(mr_vma_tree_gap_bottomup(&t, &a, 80 * PG, 210 * PG,
						  1000 * PG, 0, 0),
			 0);
	assert_int_equal(a, 310 * PG);
	assert_int_equal(mr_vma_tree_gap_bottomup(&t, &a, 74 * PG, 210 * PG,
						  1000 * PG, 0, 0),
			 0);
	assert_int_equal(a, 210 * PG);
	/* one page more and the mapping would touch the guard gap */
	assert_int_equal(mr_vma_tree_gap_bottomup(&t, &a, 75 * PG, 210 * PG,
						  1000 * PG, 0, 0),
			 0);
	assert_int_equal(a, 310 * PG);
}

/*
 *  page  100   110  120    130                   134 (GROWSDOWN)
 *        PPPPPP .... QQQQQQ ...................... SSSS
 *
 * S's guard gap (16 pages) reaches down to 118, below Q's end (130). The
 * kernel finds the raw gap [130, 134) first when it fits, sees the guard,
 * and retries below 118, so even the gap [110, 120) is cut at 118.
 */
static void
test_tree_topdown__guard_covering_a_vma_lowers_the_limit(void **state)
{
	static const uint64_t spec[][3] = {
		{100, 110, 0}, {120, 130, 0}, {134, 140, MR_VM_GROWSDOWN}};
	mr_vma vs[3];
	mr_vma_tree t;
	uint64_t a = 0;

	(void)state;
	build(&t, vs, spec, 3);
	assert_int_equal(mr_vma_tree_gap_topdown(&t, &a, 2 * PG, 90 * PG,
						 134 * PG, 0, 0),
			 0);
	assert_int_equal(a, 116 * PG);
	/* 5 pages do not fit [130, 134): no retry, [110, 120) is whole */
	assert_int_equal(mr_vma_tree_gap_topdown(&t, &a, 5 * PG, 90 * PG,
						 134 * PG, 0, 0),
			 0);
	assert_int_equal(a, 115 * PG);
	/* and 11 pages only fit below page 100 */
	assert_int_equal(mr_vma_tree_gap_topdown(&t, &a, 11 * PG, 80 * PG,
						 134 * PG, 0, 0),
			 0);
	assert_int_equal(a, 89 * PG);
}

static void test_tree_search__honours_alignment_and_limits(void **state)
{
	static const uint64_t spec[][3] = {{0x100, 0x101, 0},
					   {0x3ff, 0x400, 0}};
	mr_vma vs[2];
	mr_vma_tree t;
	uint64_t a = 0;

	(void)state;
	build(&t, vs, spec, 2);
	/* top-down in [0x101, 0x3ff) pages with a 16-page alignment */
	assert_int_equal(mr_vma_tree_gap_topdown(&t, &a, 4 * PG, 0, 0x800 * PG,
						 0xf000, 0),
			 0);
	assert_int_equal(a, 0x7f0 * PG);
	assert_int_equal(mr_vma_tree_gap_topdown(&t, &a, 4 * PG, 0, 0x3ff * PG,
						 0xf000, 0),
			 0);
	assert_int_equal(a, 0x3f0 * PG);
	/* an offset shifts the alignment */
	assert_int_equal(mr_vma_tree_gap_topdown(&t, &a, 4 * PG, 0, 0x3ff * PG,
						 0xf000, 3 * PG),
			 0);
	assert_int_equal(a, 0x3f3 * PG);
	assert_int_equal(mr_vma_tree_gap_bottomup(&t, &a, 4 * PG, 0x101 * PG,
						  0x3ff * PG, 0xf000, 0),
			 0);
	assert_int_equal(a, 0x110 * PG);
	/* low limit inside the first gap */
	assert_int_equal(mr_vma_tree_gap_bottomup(&t, &a, 4 * PG, 0x20 * PG,
						  0x3ff * PG, 0, 0),
			 0);
	assert_int_equal(a, 0x20 * PG);
	/* nothing fits */
	assert_int_equal(mr_vma_tree_gap_topdown(&t, &a, 0x300 * PG, 0x101 * PG,
						 0x3ff * PG, 0, 0),
			 -1);
	assert_int_equal(mr_vma_tree_gap_bottomup(&t, &a, 0x2fe * PG,
						  0x101 * PG, 0x3ff * PG, 0, 0),
			 0);
	assert_int_equal(a, 0x101 * PG);
	assert_int_equal(mr_vma_tree_gap_bottomup(&t, &a, 0x2ff * PG,
						  0x101 * PG, 0x3ff * PG, 0, 0),
			 -1);
	/* empty tree */
	mr_vma_tree_init(&t, GUARD);
	assert_int_equal(
		mr_vma_tree_gap_topdown(&t, &a, PG, PG, 0x10 * PG, 0, 0), 0);
	assert_int_equal(a, 0xf * PG);
	assert_int_equal(
		mr_vma_tree_gap_bottomup(&t, &a, PG, PG, 0x10 * PG, 0, 0), 0);
	assert_int_equal(a, PG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_random__matches_sorted_array),
		cmocka_unit_test(test_tree_random__many_seeds),
		cmocka_unit_test(
			test_tree_random_growsdown__gaps_match_kernel_search),
		cmocka_unit_test(
			test_tree_topdown__shortens_gap_below_growsdown),
		cmocka_unit_test(
			test_tree_topdown__guard_covering_a_vma_lowers_the_limit),
		cmocka_unit_test(
			test_tree_search__honours_alignment_and_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
