/*
 * buddy.c - the buddy page allocator of one node (see buddy.h).
 *
 * Mirrors Linux 6.18 mm/page_alloc.c: __rmqueue_smallest() takes the
 * head of the first non-empty list from the order asked upward and
 * expand() puts the upper halves back at the heads of the lists below;
 * __free_one_page() merges with free buddies (across pageblocks only
 * between mergeable types) and puts the result at the head, or at the
 * tail when the next-order buddy is free too (buddy_merge_likely());
 * a type whose lists are empty claims a whole pageblock of another
 * (__rmqueue_claim(), try_to_claim_block()) or steals a block without
 * its pageblock (__rmqueue_steal()).
 *
 * State: a byte per frame (its state, and the owner of an allocated
 * block), a byte per frame for the order of a block's head, a byte per
 * pageblock for its type, and the list links of free and per-CPU blocks
 * in a hash keyed by frame (lists are short next to the frames).
 */
#include "engine/buddy.h"
#include "engine/buddy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the link hash: frame -> prev, next ---- */

static uint64_t hash_of(uint64_t pfn)
{
	pfn *= 0x9e3779b97f4a7c15ull;
	return pfn ^ (pfn >> 29);
}

static struct bd_link *link_find(const struct bd_links *h, uint64_t pfn)
{
	uint64_t i;

	if (!h->cap)
		return NULL;
	for (i = hash_of(pfn) & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
		if (h->v[i].pfn == BD_NONE)
			return NULL;
		if (h->v[i].pfn == pfn)
			return &h->v[i];
	}
}

static int links_grow(struct bd_links *h)
{
	struct bd_links n;
	uint64_t i;

	n.cap = h->cap ? h->cap * 2 : 1024;
	n.n = 0;
	n.v = malloc(n.cap * sizeof(*n.v));
	if (!n.v)
		return -1;
	for (i = 0; i < n.cap; i++)
		n.v[i].pfn = BD_NONE;
	for (i = 0; i < h->cap; i++) {
		uint64_t j;

		if (h->v[i].pfn == BD_NONE)
			continue;
		for (j = hash_of(h->v[i].pfn) & (n.cap - 1);
		     n.v[j].pfn != BD_NONE; j = (j + 1) & (n.cap - 1))
			;
		n.v[j] = h->v[i];
		n.n++;
	}
	free(h->v);
	*h = n;
	return 0;
}

static struct bd_link *link_add(struct bd_links *h, uint64_t pfn)
{
	uint64_t i;

	if ((h->n + 1) * 4 > h->cap * 3 && links_grow(h) < 0)
		return NULL;
	for (i = hash_of(pfn) & (h->cap - 1); h->v[i].pfn != BD_NONE;
	     i = (i + 1) & (h->cap - 1))
		;
	h->v[i].pfn = pfn;
	h->v[i].prev = h->v[i].next = BD_NONE;
	h->n++;
	return &h->v[i];
}

/* Remove PFN (backward-shift deletion keeps probes unbroken). */
static void link_del(struct bd_links *h, uint64_t pfn)
{
	struct bd_link *l = link_find(h, pfn);
	uint64_t i, j;

	if (!l)
		return;
	i = (uint64_t)(l - h->v);
	h->v[i].pfn = BD_NONE;
	h->n--;
	for (j = (i + 1) & (h->cap - 1); h->v[j].pfn != BD_NONE;
	     j = (j + 1) & (h->cap - 1)) {
		uint64_t home = hash_of(h->v[j].pfn) & (h->cap - 1);

		/* move j back to i unless its home lies in (i, j] */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			h->v[i] = h->v[j];
			h->v[j].pfn = BD_NONE;
			i = j;
		}
	}
}

const struct bd_link *bd_link_get(const struct bd_node *b, uint64_t pfn)
{
	return link_find(&b->links, pfn);
}

/* ---- lists ---- */

/* Put PFN on L, at its head or TAIL. -1 when out of memory. */
/* A list of zone Z changed (lists live in their zone's struct). */
static void list_changed(struct bd_node *b, const struct bd_list *l)
{
	int z;

	for (z = 0; z < MR_ZONE__COUNT; z++)
		if ((const char *)l >= (const char *)&b->zone[z] &&
		    (const char *)l < (const char *)(&b->zone[z] + 1)) {
			b->gen[z]++;
			return;
		}
}

int bd_list_put(struct bd_node *b, struct bd_list *l, uint64_t pfn, int tail)
{
	struct bd_link *k = link_add(&b->links, pfn);

	if (!k)
		return -1;
	if (!l->n) {
		l->head = l->tail = pfn;
	} else if (tail) {
		k->prev = l->tail;
		link_find(&b->links, l->tail)->next = pfn;
		l->tail = pfn;
	} else {
		k->next = l->head;
		link_find(&b->links, l->head)->prev = pfn;
		l->head = pfn;
	}
	l->n++;
	list_changed(b, l);
	return 0;
}

void bd_list_take(struct bd_node *b, struct bd_list *l, uint64_t pfn)
{
	struct bd_link *k = link_find(&b->links, pfn);
	uint64_t prev = k->prev, next = k->next;

	if (prev != BD_NONE)
		link_find(&b->links, prev)->next = next;
	else
		l->head = next;
	if (next != BD_NONE)
		link_find(&b->links, next)->prev = prev;
	else
		l->tail = prev;
	l->n--;
	link_del(&b->links, pfn);
	list_changed(b, l);
}

/* ---- frames ---- */

int bd_zone_of(const struct bd_node *b, uint64_t pfn)
{
	int z;

	for (z = MR_ZONE__COUNT - 1; z >= 0; z--) {
		const struct bd_zone *zn = &b->zone[z];

		if (zn->exists && pfn >= zn->start && pfn < zn->end)
			return z;
	}
	return -1;
}

int bd_block_type(const struct bd_node *b, uint64_t pfn)
{
	return b->pbt[(pfn - b->base) >> MR_PAGEBLOCK_ORDER];
}

/* The frame pagetypeinfo samples for the pageblock holding PFN (the
 * zone's first frame, then every 512), or BD_NONE when none is. */
static uint64_t block_sample(const struct bd_node *b, uint64_t pfn, int *zone)
{
	uint64_t bs = pfn & ~((1ull << MR_PAGEBLOCK_ORDER) - 1), step, s;
	int z = bd_zone_of(b, pfn);

	if (z < 0)
		return BD_NONE;
	step = 1ull << MR_PAGEBLOCK_ORDER;
	s = bs <= b->zone[z].start
		    ? b->zone[z].start
		    : b->zone[z].start +
			      (bs - b->zone[z].start + step - 1) / step * step;
	*zone = z;
	return s < bs + step && s < b->zone[z].end ? s : BD_NONE;
}

void bd_set_block_type(struct bd_node *b, uint64_t pfn, int mt)
{
	uint8_t *t = &b->pbt[(pfn - b->base) >> MR_PAGEBLOCK_ORDER];
	int z;

	if (b->laid_out && *t != mt && *t < MR_MT__COUNT && mt < MR_MT__COUNT &&
	    block_sample(b, pfn, &z) != BD_NONE) {
		b->nblocks[z][*t]--;
		b->nblocks[z][mt]++;
		b->gen[z]++;
	}
	*t = (uint8_t)mt;
}

/* Mark the 2^ORDER frames at PFN: the head HEAD, the others TAIL. */
void bd_mark(struct bd_node *b, uint64_t pfn, unsigned order, int head,
	     int tail)
{
	uint64_t i, n = 1ull << order, at = pfn - b->base;

	b->st[at] = (uint8_t)head;
	b->ord[at] = (uint8_t)order;
	for (i = 1; i < n; i++)
		b->st[at + i] = (uint8_t)tail;
}

int bd_state(const struct bd_node *b, uint64_t pfn)
{
	return pfn >= b->base && pfn < b->end ? b->st[pfn - b->base] & 0x0f
					      : BD_HOLE;
}

int bd_used_owner(const struct bd_node *b, uint64_t pfn)
{
	uint64_t h = pfn;
	unsigned o;

	/* a tail: its head is the aligned start of the order holding it */
	if ((b->st[pfn - b->base] & 0x0f) == BD_USED_TAIL)
		for (o = 1; o < MR_NR_ORDERS; o++) {
			uint64_t a = pfn & ~((1ull << o) - 1);

			if ((b->st[a - b->base] & 0x0f) == BD_USED &&
			    b->ord[a - b->base] >= o) {
				h = a;
				break;
			}
		}
	if ((b->st[h - b->base] & 0x0f) != BD_USED)
		return -1;
	return b->st[h - b->base] >> 4;
}

unsigned bd_order(const struct bd_node *b, uint64_t pfn)
{
	return b->ord[pfn - b->base];
}

/* ---- the buddy lists ---- */

/* __add_to_free_list(): a free block of ORDER at PFN on its list. */
int bd_add_free(struct bd_node *b, int z, uint64_t pfn, unsigned order, int mt,
		int tail)
{
	struct bd_zone *zn = &b->zone[z];

	if (bd_list_put(b, &zn->free[order][mt], pfn, tail) < 0)
		return -1;
	bd_mark(b, pfn, order, BD_FREE, BD_FREE_TAIL);
	zn->nr_free_pages += 1ull << order;
	return 0;
}

/* __del_page_from_free_list() */
void bd_del_free(struct bd_node *b, int z, uint64_t pfn, unsigned order, int mt)
{
	struct bd_zone *zn = &b->zone[z];

	bd_list_take(b, &zn->free[order][mt], pfn);
	zn->nr_free_pages -= 1ull << order;
	b->st[pfn - b->base] = BD_FREE_TAIL; /* no longer a head */
}

/* The free block of ORDER at PFN: its list type (the pageblock's). */
static int free_list_type(const struct bd_node *b, uint64_t pfn)
{
	return bd_block_type(b, pfn);
}

/* page_is_buddy(): PFN heads a free block of ORDER in zone Z. */
static int is_free_buddy(const struct bd_node *b, uint64_t pfn, unsigned order,
			 int z)
{
	return pfn >= b->base && pfn < b->end &&
	       b->st[pfn - b->base] == BD_FREE &&
	       b->ord[pfn - b->base] == order && bd_zone_of(b, pfn) == z;
}

/* buddy_merge_likely(): the buddy of the next order is free too. */
static int merge_likely(const struct bd_node *b, uint64_t pfn, unsigned order,
			int z)
{
	uint64_t higher, hbuddy;

	if (order >= MR_NR_ORDERS - 2)
		return 0;
	higher = pfn & ~((2ull << order) - 1);
	hbuddy = higher ^ (2ull << order);
	return is_free_buddy(b, hbuddy, order + 1, z);
}

static int mergeable(int mt)
{
	return mt < MR_MT_PCPTYPES;
}

/*
 * __free_one_page(): the 2^ORDER frames at PFN (not on any list) merge
 * with their free buddies upward and go on the free list of MT, at the
 * tail when the next-order buddy is free too.
 */
int bd_free_one(struct bd_node *b, uint64_t pfn, unsigned order, int mt,
		int to_tail)
{
	int z = bd_zone_of(b, pfn);

	while (order < MR_NR_ORDERS - 1) {
		uint64_t buddy = pfn ^ (1ull << order);
		int bmt = mt;

		if (!is_free_buddy(b, buddy, order, z))
			break;
		if (order >= MR_PAGEBLOCK_ORDER) {
			bmt = bd_block_type(b, buddy);
			if (mt != bmt && (!mergeable(mt) || !mergeable(bmt)))
				break;
		} else {
			bmt = free_list_type(b, buddy);
		}
		bd_del_free(b, z, buddy, order, bmt);
		if (bmt != mt)
			/* match the buddy's type, so that an expand()
			 * later puts the halves on the right lists */
			bd_set_block_type(b, buddy, mt);
		pfn &= buddy;
		order++;
	}
	if (!to_tail)
		to_tail = merge_likely(b, pfn, order, z);
	return bd_add_free(b, z, pfn, order, mt, to_tail);
}

/*
 * split_large_buddy(): a block above pageblock order is freed one
 * pageblock at a time, each with its own pageblock's type.
 */
int bd_free_block(struct bd_node *b, uint64_t pfn, unsigned order, int to_tail)
{
	uint64_t end = pfn + (1ull << order);
	unsigned o = order > MR_PAGEBLOCK_ORDER ? MR_PAGEBLOCK_ORDER : order;

	for (; pfn < end; pfn += 1ull << o)
		if (bd_free_one(b, pfn, o, bd_block_type(b, pfn), to_tail) < 0)
			return -1;
	return 0;
}

/*
 * expand(): a block of HIGH at PFN, taken off its list, is cut down to
 * LOW; each upper half goes to the head of the free list one order
 * lower, of type MT. The caller keeps the lowest 2^LOW frames.
 */
int bd_expand(struct bd_node *b, int z, uint64_t pfn, unsigned low,
	      unsigned high, int mt)
{
	while (high > low) {
		high--;
		if (bd_add_free(b, z, pfn + (1ull << high), high, mt, 0) < 0)
			return -1;
	}
	return 0;
}

/* __rmqueue_smallest(): the head of the first non-empty list of MT from
 * ORDER up, split down to ORDER. The first frame, or BD_NONE. */
uint64_t bd_rmqueue_smallest(struct bd_node *b, int z, unsigned order, int mt)
{
	struct bd_zone *zn = &b->zone[z];
	unsigned o;

	for (o = order; o < MR_NR_ORDERS; o++) {
		uint64_t pfn = zn->free[o][mt].head;

		if (!zn->free[o][mt].n)
			continue;
		bd_del_free(b, z, pfn, o, mt);
		if (bd_expand(b, z, pfn, order, o, mt) < 0)
			return BD_NONE;
		return pfn;
	}
	return BD_NONE;
}
