/*
 * test_buddy.c - the buddy allocator (engine/buddy.c) alone: scenarios
 * whose outcome follows from mm/page_alloc.c (an order-3 allocation
 * from a lone order-10 block, merging back, tail placement, a claimed
 * pageblock, a steal, the per-CPU lists), and random allocation and
 * free sequences against a naive per-frame map.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/buddy.h"

#define BASE 0x100000ull /* Normal's first frame in these profiles */

static void print(void *ctx, const char *msg)
{
	(void)ctx;
	print_message("  %s\n", msg);
}

static size_t violations(const mr_buddy *b)
{
	return mr_buddy_check(b, print, NULL);
}

/*
 * One Normal zone of NBLOCKS pageblocks from BASE (movable unless
 * UNMOV of them, first, are unmovable), one CPU whose lists hold up to
 * HIGH pages (0: none), no watermarks; FREE[order][type] free blocks,
 * the rest background.
 */
static mr_buddy *node(uint64_t nblocks, uint64_t unmov, int high,
		      const uint64_t free[MR_NR_ORDERS][MR_MT__COUNT])
{
	mr_buddy_profile p;
	mr_buddy *b = NULL;
	mr_zone_profile *z = &p.zone[MR_ZONE_NORMAL];

	memset(&p, 0, sizeof(p));
	p.ncpus = 1;
	z->exists = 1;
	z->start_pfn = BASE;
	z->spanned = z->present = z->managed = nblocks << MR_PAGEBLOCK_ORDER;
	z->blocks[MR_MT_UNMOVABLE] = unmov;
	z->blocks[MR_MT_MOVABLE] = nblocks - unmov;
	memcpy(z->free, free, sizeof(z->free));
	z->pcp_high[0] = (uint32_t)high;
	z->pcp_high_min = z->pcp_high_max = (uint32_t)high;
	z->pcp_batch[0] = high ? 4 : 1;
	assert_int_equal(mr_buddy_new(&b, &p), 0);
	assert_int_equal(violations(b), 0);
	return b;
}

static uint64_t nfree(const mr_buddy *b, unsigned order, int mt)
{
	return mr_buddy_nr_free(b, MR_ZONE_NORMAL, order, mt);
}

/* expand(): an order-3 request from a lone order-10 block keeps its
 * lowest 8 frames and leaves one free block at each order 3..9; freed
 * again, everything merges back into the order-10 block. */
static void test_buddy_expand__one_block_per_order(void **state)
{
	uint64_t free[MR_NR_ORDERS][MR_MT__COUNT] = {{0}};
	mr_buddy *b;
	int64_t pfn;
	unsigned o;

	(void)state;
	free[10][MR_MT_MOVABLE] = 1;
	b = node(2, 0, 0, free);
	pfn = mr_buddy_alloc(b, MR_ZONE_NORMAL, 3, MR_MT_MOVABLE, 0,
			     MR_OWN_ANON);
	assert_int_equal(pfn, BASE);
	for (o = 0; o < MR_NR_ORDERS; o++)
		assert_int_equal(nfree(b, o, MR_MT_MOVABLE),
				 o >= 3 && o <= 9 ? 1 : 0);
	assert_int_equal(mr_buddy_owner(b, BASE + 7), MR_OWN_ANON);
	assert_int_equal(mr_buddy_owner(b, BASE + 8), -1);
	assert_int_equal(violations(b), 0);
	assert_int_equal(mr_buddy_put(b, (uint64_t)pfn, 3, 0), 0);
	for (o = 0; o < MR_NR_ORDERS; o++)
		assert_int_equal(nfree(b, o, MR_MT_MOVABLE), o == 10);
	/* a free of what is not allocated changes nothing */
	assert_int_equal(mr_buddy_put(b, BASE, 3, 0), -1);
	assert_int_equal(mr_buddy_put(b, UINT64_MAX - 1, 1, 0), -1);
	assert_int_equal(violations(b), 0);
	mr_buddy_free(b);
}

/* __free_one_page(): a block whose next-order buddy is free goes to the
 * tail of its list (buddy_merge_likely()), so the next allocation of
 * its order takes the block at the head instead. */
static void test_buddy_free__tail_when_merge_likely(void **state)
{
	uint64_t free[MR_NR_ORDERS][MR_MT__COUNT] = {{0}};
	mr_buddy *b;
	uint64_t i;

	(void)state;
	free[10][MR_MT_MOVABLE] = 1;
	b = node(2, 0, 0, free);
	/* order-4 blocks come out in address order: 0, 16, ..., 144 */
	for (i = 0; i < 10; i++)
		assert_int_equal(mr_buddy_alloc(b, MR_ZONE_NORMAL, 4,
						MR_MT_MOVABLE, 0, 2),
				 BASE + 16 * i);
	/* 16 comes back next to a taken buddy (0): the head of the
	 * order-4 list */
	assert_int_equal(mr_buddy_put(b, BASE + 16, 4, 0), 0);
	/* 128's buddy (144) is taken, but the order-5 buddy of 128..159
	 * (160..191) is free: the tail */
	assert_int_equal(mr_buddy_put(b, BASE + 128, 4, 0), 0);
	assert_int_equal(nfree(b, 4, MR_MT_MOVABLE), 2);
	assert_int_equal(
		mr_buddy_alloc(b, MR_ZONE_NORMAL, 4, MR_MT_MOVABLE, 0, 2),
		BASE + 16);
	assert_int_equal(
		mr_buddy_alloc(b, MR_ZONE_NORMAL, 4, MR_MT_MOVABLE, 0, 2),
		BASE + 128);
	assert_int_equal(violations(b), 0);
	mr_buddy_free(b);
}

/* At pageblock order, free buddies of different mergeable types merge
 * and the buddy's pageblock takes the freed block's type: the 512
 * background pages of a movable pageblock freed one by one next to a
 * free unmovable pageblock end as one movable order-10 block. */
static void test_buddy_free__merges_across_pageblock_types(void **state)
{
	uint64_t free[MR_NR_ORDERS][MR_MT__COUNT] = {{0}};
	mr_buddy *b;
	uint64_t i;

	(void)state;
	free[9][MR_MT_UNMOVABLE] = 1; /* pageblock 0 */
	b = node(2, 1, 0, free);
	for (i = 512; i < 1024; i++)
		assert_int_equal(mr_buddy_put(b, BASE + i, 0, 0), 0);
	assert_int_equal(nfree(b, 10, MR_MT_MOVABLE), 1);
	assert_int_equal(nfree(b, 9, MR_MT_UNMOVABLE), 0);
	assert_int_equal(mr_buddy_block_type(b, BASE), MR_MT_MOVABLE);
	assert_int_equal(violations(b), 0);
	mr_buddy_free(b);
}

/* Fallback: an unmovable request with only movable memory free claims
 * the largest block (order 10: both pageblocks change type, the
 * remainder goes to the unmovable lists); a movable order-0 request then
 * claims the unmovable pageblock back, since more than half of it is
 * free (try_to_claim_block()). */
static void test_buddy_fallback__claims(void **state)
{
	uint64_t free[MR_NR_ORDERS][MR_MT__COUNT] = {{0}};
	mr_buddy *b;
	int64_t pfn;
	unsigned o;

	(void)state;
	free[10][MR_MT_MOVABLE] = 1;
	b = node(2, 0, 0, free);
	pfn = mr_buddy_alloc(b, MR_ZONE_NORMAL, 0, MR_MT_UNMOVABLE, 0,
			     MR_OWN_PGTABLE);
	assert_int_equal(pfn, BASE);
	assert_int_equal(mr_buddy_block_type(b, BASE), MR_MT_UNMOVABLE);
	assert_int_equal(mr_buddy_block_type(b, BASE + 512), MR_MT_UNMOVABLE);
	for (o = 0; o < 10; o++)
		assert_int_equal(nfree(b, o, MR_MT_UNMOVABLE), 1);
	assert_int_equal(nfree(b, 10, MR_MT_MOVABLE), 0);
	assert_int_equal(violations(b), 0);
	/* a movable order-9 request: the NOFRAGMENT pass claims the
	 * unmovable order-9 block whole (its pageblock turns movable) */
	pfn = mr_buddy_alloc(b, MR_ZONE_NORMAL, 9, MR_MT_MOVABLE, 0,
			     MR_OWN_ANON);
	assert_int_equal(pfn, BASE + 512);
	assert_int_equal(mr_buddy_block_type(b, BASE + 512), MR_MT_MOVABLE);
	/* a movable order-0 request finds no movable block; without
	 * NOFRAGMENT it claims from order 10 down: the order-8 block's
	 * pageblock is 511 pages free, so the pageblock turns movable, its
	 * free blocks move to the movable lists, and frame 1 is taken */
	pfn = mr_buddy_alloc(b, MR_ZONE_NORMAL, 0, MR_MT_MOVABLE, 0,
			     MR_OWN_ANON);
	assert_int_equal(pfn, BASE + 1);
	assert_int_equal(mr_buddy_block_type(b, BASE), MR_MT_MOVABLE);
	for (o = 0; o < 10; o++) {
		assert_int_equal(nfree(b, o, MR_MT_UNMOVABLE), 0);
		assert_int_equal(nfree(b, o, MR_MT_MOVABLE), o >= 1 && o <= 8);
	}
	assert_int_equal(violations(b), 0);
	mr_buddy_free(b);
}

/* __rmqueue_steal(): a movable order-0 request finding only a few free
 * unmovable pages (claims below order 4 are not tried for movable)
 * takes the head of the unmovable order-0 list and leaves the
 * pageblock unmovable. */
static void test_buddy_fallback__steal(void **state)
{
	uint64_t free[MR_NR_ORDERS][MR_MT__COUNT] = {{0}};
	mr_buddy *b;

	(void)state;
	free[0][MR_MT_UNMOVABLE] = 3; /* laid out at 0, 2 and 4 */
	b = node(2, 1, 0, free);
	assert_int_equal(mr_buddy_alloc(b, MR_ZONE_NORMAL, 0, MR_MT_MOVABLE, 0,
					MR_OWN_ANON),
			 BASE);
	assert_int_equal(mr_buddy_block_type(b, BASE), MR_MT_UNMOVABLE);
	assert_int_equal(nfree(b, 0, MR_MT_UNMOVABLE), 2);
	assert_int_equal(violations(b), 0);
	mr_buddy_free(b);
}

/* try_to_claim_block() below pageblock order: an unmovable request
 * finding a movable order-4 block claims its pageblock when at least
 * half of it is free or not movable (the background of a movable
 * pageblock counts as movable here, so only the free half decides). */
static void test_buddy_fallback__claim_needs_half_free(void **state)
{
	uint64_t free[MR_NR_ORDERS][MR_MT__COUNT] = {{0}};
	mr_buddy *b;
	int64_t pfn;

	(void)state;
	free[8][MR_MT_MOVABLE] = 1; /* half of the only movable pageblock */
	b = node(2, 1, 0, free);    /* pageblock 0 unmovable, 1 movable */
	pfn = mr_buddy_alloc(b, MR_ZONE_NORMAL, 0, MR_MT_UNMOVABLE, 0,
			     MR_OWN_PGTABLE);
	assert_true(pfn >= (int64_t)(BASE + 512));
	assert_int_equal(mr_buddy_block_type(b, (uint64_t)pfn),
			 MR_MT_UNMOVABLE);
	assert_int_equal(violations(b), 0);
	mr_buddy_free(b);
	/* a quarter free: no claim, and the NOFRAGMENT retry steals */
	memset(free, 0, sizeof(free));
	free[7][MR_MT_MOVABLE] = 1;
	b = node(2, 1, 0, free);
	pfn = mr_buddy_alloc(b, MR_ZONE_NORMAL, 0, MR_MT_UNMOVABLE, 0,
			     MR_OWN_PGTABLE);
	assert_true(pfn >= (int64_t)(BASE + 512));
	assert_int_equal(mr_buddy_block_type(b, (uint64_t)pfn), MR_MT_MOVABLE);
	assert_int_equal(nfree(b, 6, MR_MT_MOVABLE), 1);
	assert_int_equal(violations(b), 0);
	mr_buddy_free(b);
}

/* The per-CPU lists: an empty list is refilled with a batch from the
 * buddy lists (taken in order, queued at the tail, handed out from the
 * head); frees go to the head and are drained back from the tails when
 * the count reaches high. */
static void test_buddy_pcp__refill_and_drain(void **state)
{
	uint64_t free[MR_NR_ORDERS][MR_MT__COUNT] = {{0}};
	int64_t got[16];
	mr_buddy *b;
	int i;

	(void)state;
	free[10][MR_MT_MOVABLE] = 1;
	b = node(2, 0, 16, free); /* high 16, batch 4 */
	got[0] = mr_buddy_alloc(b, MR_ZONE_NORMAL, 0, MR_MT_MOVABLE, 0, 2);
	assert_int_equal(got[0], BASE);
	/* nr_pcp_alloc(): batch 4, the alloc factor doubling it next time;
	 * three left on the list */
	assert_int_equal(mr_buddy_pcp_count(b, MR_ZONE_NORMAL, 0), 3);
	for (i = 1; i < 4; i++)
		assert_int_equal(mr_buddy_alloc(b, MR_ZONE_NORMAL, 0,
						MR_MT_MOVABLE, 0, 2),
				 BASE + (uint64_t)i);
	assert_int_equal(mr_buddy_pcp_count(b, MR_ZONE_NORMAL, 0), 0);
	/* the next refill takes 8 (batch << alloc_factor 1) */
	got[4] = mr_buddy_alloc(b, MR_ZONE_NORMAL, 0, MR_MT_MOVABLE, 0, 2);
	assert_int_equal(got[4], BASE + 4);
	assert_int_equal(mr_buddy_pcp_count(b, MR_ZONE_NORMAL, 0), 7);
	assert_int_equal(violations(b), 0);
	/* frees go to the list until it holds high pages */
	for (i = 0; i < 4; i++)
		assert_int_equal(mr_buddy_put(b, BASE + (uint64_t)i, 0, 0), 0);
	assert_int_equal(mr_buddy_pcp_count(b, MR_ZONE_NORMAL, 0), 11);
	assert_int_equal(violations(b), 0);
	mr_buddy_free(b);
}

/* The extfrag indices (mm/vmstat.c): four free order-0 blocks and
 * nothing larger. For order 3: all free memory is unusable (1.000), and
 * the fragmentation index is 1000 - (1000 + 4 * 1000 / 8) / 4 = 625. */
static void test_buddy_frag__indices(void **state)
{
	uint64_t free[MR_NR_ORDERS][MR_MT__COUNT] = {{0}};
	char out[512];
	mr_buddy *b;
	int u, f;

	(void)state;
	free[0][MR_MT_MOVABLE] = 4;
	b = node(2, 0, 0, free);
	assert_int_equal(mr_buddy_frag(b, MR_ZONE_NORMAL, 3, &u, &f), 0);
	assert_int_equal(u, 1000);
	assert_int_equal(f, 625);
	assert_int_equal(mr_buddy_frag(b, MR_ZONE_NORMAL, 0, &u, &f), 0);
	assert_int_equal(u, 0);
	assert_int_equal(f, -1000);
	assert_int_equal(mr_buddy_frag(b, MR_ZONE_DMA, 0, &u, &f), -1);
	mr_buddy_view(b, MR_BUDDY_EXTFRAG, out, sizeof(out));
	/* one free page: orders above 0 have negative indices, which the
	 * kernel prints with C's division and "%2d.%03d" */
	mr_buddy_free(b);
	memset(free, 0, sizeof(free));
	free[0][MR_MT_MOVABLE] = 1;
	b = node(2, 0, 0, free);
	mr_buddy_view(b, MR_BUDDY_EXTFRAG, out, sizeof(out));
	assert_string_equal(out,
			    "Node 0, zone   Normal -1.000  0.-500  0.-250  "
			    "0.-125  0.-62  0.-31  0.-15  0.-07  0.-03  "
			    "0.-01  0.000 \n");
	mr_buddy_free(b);
	memset(free, 0, sizeof(free));
	free[0][MR_MT_MOVABLE] = 4;
	b = node(2, 0, 0, free);
	mr_buddy_view(b, MR_BUDDY_EXTFRAG, out, sizeof(out));
	/* order K: 1000 - (1000 + 4000 / 2^K) / 4 */
	assert_string_equal(out, "Node 0, zone   Normal -1.000  0.250  0.500  "
				 "0.625  0.688  0.719  0.735  0.743  0.747  "
				 "0.749  0.750 \n");
	mr_buddy_free(b);
}

/* A profile the node cannot have is refused: zones overlapping or out
 * of order, more managed than present frames, pageblocks past the
 * zone. */
static void test_buddy_profile__refused(void **state)
{
	mr_buddy_profile p;
	mr_buddy *b = (mr_buddy *)&p;
	mr_zone_profile *d = &p.zone[MR_ZONE_DMA32],
			*n = &p.zone[MR_ZONE_NORMAL];

	(void)state;
	memset(&p, 0, sizeof(p));
	p.ncpus = 1;
	d->exists = n->exists = 1;
	d->start_pfn = 0x1000;
	d->spanned = d->present = d->managed = 0x1000;
	d->blocks[MR_MT_MOVABLE] = 8;
	n->start_pfn = 0x1800; /* inside DMA32 */
	n->spanned = n->present = n->managed = 0x1000;
	n->blocks[MR_MT_MOVABLE] = 8;
	assert_int_equal(mr_buddy_new(&b, &p), -1);
	assert_null(b);
	n->start_pfn = 0x2000;
	n->managed = 0x1001; /* more than present */
	assert_int_equal(mr_buddy_new(&b, &p), -1);
	n->managed = 0x1000;
	n->blocks[MR_MT_MOVABLE] = 10; /* 5 KiB pages of blocks in 4 KiB */
	assert_int_equal(mr_buddy_new(&b, &p), -1);
	n->blocks[MR_MT_MOVABLE] = 4; /* managed frames past the types */
	assert_int_equal(mr_buddy_new(&b, &p), -1);
	n->blocks[MR_MT_MOVABLE] = 8;
	n->start_pfn = 0x1f00; /* in DMA32's last pageblock */
	n->spanned = n->present = n->managed = 0x1100;
	assert_int_equal(mr_buddy_new(&b, &p), -1);
	n->start_pfn = 0x2000;
	n->spanned = n->present = n->managed = 0x1000;
	n->pcp_batch[0] = 1u << 30; /* batch << 5 would not be an int */
	assert_int_equal(mr_buddy_new(&b, &p), -1);
	n->pcp_batch[0] = 0;
	assert_int_equal(mr_buddy_new(&b, &p), 0);
	assert_int_equal(violations(b), 0);
	mr_buddy_free(b);
}

/*
 * Random allocations and frees of every order, type and CPU on a
 * 64-pageblock zone, against a naive map of frame -> allocated: after
 * each step every allocated frame is owned and no other is, the free
 * blocks plus per-CPU pages plus allocated frames make the zone, and
 * the allocator's own checks hold.
 */
static void test_buddy_random__equals_naive_map(void **state)
{
	enum { NB = 64, FR = NB << MR_PAGEBLOCK_ORDER, MAXN = 4096 };
	uint64_t free[MR_NR_ORDERS][MR_MT__COUNT] = {{0}};
	static uint8_t naive[FR];
	static int64_t pfns[MAXN];
	static unsigned orders[MAXN];
	uint64_t s = 0x2545f4914f6cdd1dull;
	mr_buddy *b;
	int n = 0, step;

	(void)state;
	free[10][MR_MT_MOVABLE] = NB / 2;
	b = node(NB, 0, 32, free);
	memset(naive, 0, sizeof(naive));
	for (step = 0; step < 20000; step++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		if (n < MAXN && (n == 0 || s % 3)) {
			unsigned o = s % 7 == 0 ? (unsigned)(s >> 8) % 11
						: (unsigned)(s >> 8) % 2;
			int mt = (int)((s >> 16) % 3);
			int64_t p = mr_buddy_alloc(b, MR_ZONE_NORMAL, o, mt, 0,
						   MR_OWN_OTHER);
			uint64_t i;

			if (p < 0)
				continue;
			assert_true(p >= (int64_t)BASE &&
				    p + (1 << o) <= (int64_t)(BASE + FR));
			assert_int_equal(p & ((1 << o) - 1), 0);
			for (i = 0; i < (1ull << o); i++) {
				assert_int_equal(naive[p - BASE + i], 0);
				naive[p - BASE + i] = 1;
			}
			pfns[n] = p;
			orders[n++] = o;
		} else {
			int k = (int)((s >> 24) % (uint64_t)n);
			uint64_t i;

			assert_int_equal(mr_buddy_put(b, (uint64_t)pfns[k],
						      orders[k], 0),
					 0);
			for (i = 0; i < (1ull << orders[k]); i++)
				naive[pfns[k] - BASE + i] = 0;
			pfns[k] = pfns[--n];
			orders[k] = orders[n];
		}
		if (step % 500 == 0) {
			uint64_t f,
				sum = mr_buddy_pcp_count(b, MR_ZONE_NORMAL, 0),
				owned = 0;
			unsigned o;
			int mt;

			for (f = 0; f < FR; f++) {
				int own = mr_buddy_owner(b, BASE + f);

				if (naive[f])
					assert_int_equal(own, MR_OWN_OTHER);
				else
					assert_true(own < 0 ||
						    own == MR_OWN_BACKGROUND);
				owned += own >= 0;
			}
			for (o = 0; o < MR_NR_ORDERS; o++)
				for (mt = 0; mt < MR_MT__COUNT; mt++)
					sum += nfree(b, o, mt) << o;
			assert_int_equal(sum + owned, FR);
			assert_int_equal(violations(b), 0);
		}
	}
	assert_int_equal(violations(b), 0);
	mr_buddy_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buddy_expand__one_block_per_order),
		cmocka_unit_test(test_buddy_free__tail_when_merge_likely),
		cmocka_unit_test(
			test_buddy_free__merges_across_pageblock_types),
		cmocka_unit_test(test_buddy_fallback__claims),
		cmocka_unit_test(test_buddy_fallback__steal),
		cmocka_unit_test(test_buddy_fallback__claim_needs_half_free),
		cmocka_unit_test(test_buddy_pcp__refill_and_drain),
		cmocka_unit_test(test_buddy_frag__indices),
		cmocka_unit_test(test_buddy_profile__refused),
		cmocka_unit_test(test_buddy_random__equals_naive_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
