/*
 * test_slub.c - the SLUB caches of engine/slub.c: random allocation and
 * free sequences on two CPUs against per-object bookkeeping, and
 * scenarios whose outcome mm/slub.c decides (a freed object of a full
 * slab puts it on the CPU partial list; a full CPU partial list drains
 * to the node; an empty node slab is kept below min_partial and
 * discarded at it; get_partial_node() takes up to cpu_partial_slabs / 2
 * more slabs; slabinfo counts only the node's free objects as free).
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
#include "engine/slub.h"
#include "tests/engine/nodes.h"

static void print(void *ctx, const char *msg)
{
	(void)ctx;
	print_message("  %s\n", msg);
}

/* A node of 64 MiB: half free (order-10 movable blocks), half
 * background; no CPU lists. */
static mr_buddy *node(void)
{
	return normal_node(16384, 4, 8, 0, 0, 0, 1);
}

/* One cache: SIZE bytes, OBJS per slab of PAGES pages, SLABS slabs of
 * which ACTIVE objects are in use (as slabinfo counts them), and a
 * cache that is not modelled. */
static void profile(mr_slab_profile *p, uint32_t size, uint32_t objs,
		    uint32_t pages, uint64_t slabs, uint64_t active)
{
	p->n = 2;
	p->v = calloc(2, sizeof(*p->v));
	assert_non_null(p->v);
	strcpy(p->v[0].name, "other");
	p->v[0].active_objs = 7;
	p->v[0].num_objs = 8;
	p->v[0].objsize = 512;
	p->v[0].objperslab = 8;
	p->v[0].pagesperslab = 1;
	p->v[0].active_slabs = p->v[0].num_slabs = 1;
	strcpy(p->v[1].name, "thing");
	p->v[1].objsize = size;
	p->v[1].objperslab = objs;
	p->v[1].pagesperslab = pages;
	p->v[1].num_slabs = p->v[1].active_slabs = slabs;
	p->v[1].num_objs = slabs * objs;
	p->v[1].active_objs = active;
}

static mr_slub *cache_sheaves(mr_buddy *b, mr_slab_profile *p, uint32_t cap)
{
	static const char *const names[] = {"thing", "absent"};
	const uint32_t caps[] = {cap, 0};
	mr_slub *s = NULL;

	assert_int_equal(mr_slub_new(&s, p, names, caps, 2, b, 2, 1u << 30), 0);
	assert_int_equal(mr_slub_cache(s, "thing"), 0);
	assert_int_equal(mr_slub_cache(s, "other"), -1);
	assert_int_equal(mr_slub_check(s, print, NULL), 0);
	return s;
}

static mr_slub *cache(mr_buddy *b, mr_slab_profile *p)
{
	return cache_sheaves(b, p, 0);
}

/* Step 0 prints the profile; the background slabs sit on slab blocks
 * of the node; random allocations and frees on two CPUs never hand out
 * an object twice, keep every invariant, and free every slab page back
 * when the objects and the node's spare slabs go. */
static void random_run(uint32_t sheaf_cap)
{
	mr_buddy *b = node();
	mr_slab_profile p;
	mr_slub *s;
	mr_slab_counts c[2];
	static int64_t live[4096];
	size_t n = 0, i;
	uint64_t bg, slab_pages;
	int step;

	profile(&p, 192, 21, 1, 10, 150);
	s = cache_sheaves(b, &p, sheaf_cap);
	mr_slub_counts(s, c);
	assert_int_equal(c[0].active_objs, 7); /* printed as profiled */
	assert_int_equal(c[1].active_objs, 150);
	assert_int_equal(c[1].num_objs, 210);
	assert_int_equal(c[1].num_slabs, 10);
	bg = mr_slub_live(s, 0);
	assert_int_equal(bg, 150);
	assert_int_equal(mr_buddy_owned(b, MR_OWN_SLAB), 10);
	for (step = 0; step < 20000; step++) {
		int cpu = (int)(rnd() & 1);

		if (n < 4096 &&
		    (n == 0 || rnd() % 100 < (step < 10000 ? 60 : 40))) {
			int64_t o = mr_slub_alloc(s, 0, cpu);

			assert_true(o >= 0);
			for (i = 0; i < n; i++)
				if (live[i] == o)
					fail_msg("step %d: object %lld handed "
						 "out twice",
						 step, (long long)o);
			live[n++] = o;
		} else {
			size_t k = rnd() % n;

			assert_int_equal(mr_slub_put(s, 0, live[k], cpu), 0);
			live[k] = live[--n];
		}
		assert_int_equal(mr_slub_live(s, 0), bg + n);
		if (step % 97 == 0 && mr_slub_check(s, print, NULL))
			fail_msg("step %d: the cache is broken", step);
		if (step % 97 == 0 && mr_buddy_check(b, print, NULL))
			fail_msg("step %d: the node is broken", step);
	}
	assert_int_equal(mr_slub_check(s, print, NULL), 0);
	mr_slub_counts(s, c);
	slab_pages = mr_buddy_owned(b, MR_OWN_SLAB);
	assert_int_equal(slab_pages, c[1].num_slabs);
	/* slabinfo: every object not free on the node's partial slabs is
	 * active, so at least the live ones */
	assert_true(c[1].active_objs >= bg + n);
	while (n) {
		n--;
		assert_int_equal(mr_slub_put(s, 0, live[n], (int)(n & 1)), 0);
	}
	assert_int_equal(mr_slub_live(s, 0), bg);
	/* a double free is refused */
	assert_int_equal(mr_slub_put(s, 0, live[0], 0), -1);
	assert_int_equal(mr_slub_check(s, print, NULL), 0);
	mr_slub_free(s);
	mr_slab_profile_free(&p);
	mr_buddy_free(b);
}

static void test_slub_random__equals_bookkeeping(void **state)
{
	(void)state;
	random_run(0);
}

/* The same with per-CPU sheaves of 32 (vm_area_struct's in 6.18). */
static void test_slub_random__sheaves_equal_bookkeeping(void **state)
{
	(void)state;
	random_run(32);
}

/* Sheaves: the first allocation on a CPU refills its sheaf with 32
 * objects from the slabs (all active for slabinfo); a free goes back to
 * the sheaf, not the slabs; frees past two sheaves fill the barn, and
 * past MAX_FULL_SHEAVES (10) full ones in the barn the spare is flushed
 * to the slabs. */
static void test_slub_sheaves__refill_and_flush(void **state)
{
	mr_buddy *b = node();
	mr_slab_profile p;
	mr_slub *s;
	int64_t o, objs[200];
	int k;

	(void)state;
	profile(&p, 192, 21, 1, 10, 10); /* 200 objects free */
	s = cache_sheaves(b, &p, 32);
	o = mr_slub_alloc(s, 0, 0);
	assert_true(o >= 0);
	assert_int_equal(mr_slub_live(s, 0), 11);
	assert_int_equal(mr_slub_held(s, 0), 10 + 32);
	assert_int_equal(mr_slub_put(s, 0, o, 0), 0);
	assert_int_equal(mr_slub_held(s, 0), 10 + 32);
	assert_int_equal(mr_slub_check(s, print, NULL), 0);
	mr_slub_free(s);
	mr_slab_profile_free(&p);

	/* sheaves of 2: 60 objects taken on CPU 0, freed on CPU 1 */
	profile(&p, 192, 21, 1, 10, 10);
	s = cache_sheaves(b, &p, 2);
	for (k = 0; k < 60; k++)
		objs[k] = mr_slub_alloc(s, 0, 0);
	for (k = 0; k < 60; k++)
		assert_int_equal(mr_slub_put(s, 0, objs[k], 1), 0);
	/* CPU 0's main sheaf holds nothing (each refill of 2 was used);
	 * CPU 1: main and spare full, ten full sheaves in the barn: the
	 * rest went back to the slabs */
	assert_int_equal(mr_slub_live(s, 0), 10);
	assert_int_equal(mr_slub_held(s, 0), 10 + 2 + 2 + 10 * 2);
	assert_int_equal(mr_slub_check(s, print, NULL), 0);
	mr_slub_free(s);
	mr_slab_profile_free(&p);
	mr_buddy_free(b);
}

#define H(slab, obj) ((int64_t)(slab) << 16 | (obj))

static mr_slab_counts counts(const mr_slub *s)
{
	mr_slab_counts c[2];

	mr_slub_counts(s, c);
	return c[1];
}

/* A free into a full slab puts it on the CPU's partial list, which the
 * CPU takes before a new slab when its slab runs out; slabinfo counts
 * the objects of CPU and CPU partial slabs as active. */
static void test_slub_free__full_slab_to_cpu_partial(void **state)
{
	mr_buddy *b = node();
	mr_slab_profile p;
	mr_slub *s;
	int64_t o = -1;
	int k;

	(void)state;
	profile(&p, 192, 21, 1, 2, 42); /* two full slabs */
	s = cache(b, &p);
	assert_true(mr_slub_alloc(s, 0, 0) >> 16 == 2); /* a new slab */
	assert_int_equal(counts(s).num_slabs, 3);
	assert_int_equal(mr_slub_put(s, 0, H(0, 5), 0), 0);
	assert_int_equal(counts(s).active_objs, 63); /* not on the node */
	for (k = 0; k < 21; k++)
		o = mr_slub_alloc(s, 0, 0);
	/* 20 from the new slab, then the CPU partial slab's free object */
	assert_int_equal(o, H(0, 5));
	assert_int_equal(counts(s).num_slabs, 3);
	assert_int_equal(mr_slub_check(s, print, NULL), 0);
	mr_slub_free(s);
	mr_slab_profile_free(&p);
	mr_buddy_free(b);
}

/* cpu_partial_slabs of a 192-byte cache of 21 objects a slab: 120
 * objects, slabs taken as half full, ceil(240 / 21) = 12. The 13th slab
 * put on a full list drains the 12 to the node's list. */
static void test_slub_free__full_cpu_partial_drains(void **state)
{
	mr_buddy *b = node();
	mr_slab_profile p;
	mr_slub *s;
	int k;

	(void)state;
	profile(&p, 192, 21, 1, 14, 14 * 21);
	s = cache(b, &p);
	for (k = 0; k < 12; k++)
		assert_int_equal(mr_slub_put(s, 0, H(k, 0), 0), 0);
	assert_int_equal(counts(s).active_objs, 14 * 21);
	assert_int_equal(mr_slub_put(s, 0, H(12, 0), 0), 0);
	/* the twelve on the node now: one free object each */
	assert_int_equal(counts(s).active_objs, 14 * 21 - 12);
	assert_int_equal(mr_slub_check(s, print, NULL), 0);
	mr_slub_free(s);
	mr_slab_profile_free(&p);
	mr_buddy_free(b);
}

/* An empty slab on the node's list is discarded while the node holds
 * min_partial (5 for 192 bytes: ilog2(192) / 2 = 3, raised to 5)
 * partial slabs, kept below it. */
static void test_slub_free__empty_slab_kept_below_min_partial(void **state)
{
	mr_buddy *b = node();
	mr_slab_profile p;
	mr_slub *s;
	uint64_t pages;
	int k;

	(void)state;
	profile(&p, 192, 21, 1, 8, 8); /* eight slabs, one object in use */
	s = cache(b, &p);
	pages = mr_buddy_owned(b, MR_OWN_SLAB);
	for (k = 0; k < 8; k++)
		assert_int_equal(mr_slub_put(s, 0, H(k, 0), 1), 0);
	assert_int_equal(counts(s).num_slabs, 4);
	assert_int_equal(counts(s).active_objs, 0);
	assert_int_equal(mr_buddy_owned(b, MR_OWN_SLAB), pages - 4);
	assert_int_equal(mr_slub_check(s, print, NULL), 0);
	assert_int_equal(mr_buddy_check(b, print, NULL), 0);
	mr_slub_free(s);
	mr_slab_profile_free(&p);
	mr_buddy_free(b);
}

/* get_partial_node(): the node's first partial slab becomes the CPU
 * slab and the next ones go to the CPU partial list until more than
 * cpu_partial_slabs / 2 (6) were moved. */
static void test_slub_alloc__partial_node_refills_cpu(void **state)
{
	mr_buddy *b = node();
	mr_slab_profile p;
	mr_slub *s;

	(void)state;
	profile(&p, 192, 21, 1, 10, 10);
	s = cache(b, &p);
	assert_int_equal(counts(s).active_objs, 10);
	assert_true(mr_slub_alloc(s, 0, 0) >= 0);
	/* 1 + 7 slabs left the node; 2 remain with 20 free each */
	assert_int_equal(counts(s).active_objs, 210 - 40);
	assert_int_equal(counts(s).num_slabs, 10);
	assert_int_equal(mr_slub_check(s, print, NULL), 0);
	mr_slub_free(s);
	mr_slab_profile_free(&p);
	mr_buddy_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slub_free__full_slab_to_cpu_partial),
		cmocka_unit_test(test_slub_free__full_cpu_partial_drains),
		cmocka_unit_test(
			test_slub_free__empty_slab_kept_below_min_partial),
		cmocka_unit_test(test_slub_alloc__partial_node_refills_cpu),
		cmocka_unit_test(test_slub_random__sheaves_equal_bookkeeping),
		cmocka_unit_test(test_slub_sheaves__refill_and_flush),
		cmocka_unit_test(test_slub_random__equals_bookkeeping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
