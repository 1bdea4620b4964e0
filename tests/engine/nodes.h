/*
 * nodes.h - simulated nodes for the engine tests of the physical model
 * and the slab caches, and their random sequences (xorshift64, the same
 * on any machine). Include after <cmocka.h>.
 */
#ifndef MR_TESTS_ENGINE_NODES_H
#define MR_TESTS_ENGINE_NODES_H

#include <string.h>

#include "engine/buddy.h"

static uint64_t rnd_state = 88172645463325252ull;

static inline uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/*
 * A node of one Normal zone of PAGES frames from 0x100000: UNMOV
 * unmovable pageblocks first, the others movable; FREE10 free order-10
 * movable blocks, every other frame background; two CPUs whose lists
 * hold HIGH pages (between HIGH_MIN and HIGH_MAX; 0: none) and move
 * BATCH at once.
 */
static mr_buddy *normal_node(uint64_t pages, uint64_t unmov, uint64_t free10,
			     uint32_t high, uint32_t high_min,
			     uint32_t high_max, uint32_t batch)
{
	mr_buddy_profile p;
	mr_zone_profile *z = &p.zone[MR_ZONE_NORMAL];
	mr_buddy *b = NULL;

	memset(&p, 0, sizeof(p));
	p.ncpus = 2;
	z->exists = 1;
	z->start_pfn = 0x100000;
	z->spanned = z->present = z->managed = pages;
	z->blocks[MR_MT_UNMOVABLE] = unmov;
	z->blocks[MR_MT_MOVABLE] = (pages >> MR_PAGEBLOCK_ORDER) - unmov;
	z->free[MR_NR_ORDERS - 1][MR_MT_MOVABLE] = free10;
	z->pcp_high[0] = z->pcp_high[1] = high;
	z->pcp_high_min = high_min;
	z->pcp_high_max = high_max;
	z->pcp_batch[0] = z->pcp_batch[1] = batch;
	assert_int_equal(mr_buddy_new(&b, &p), 0);
	return b;
}

#endif
