/*
 * buddy_alloc.c - the allocation and free paths of the buddy allocator
 * (Linux 6.18 mm/page_alloc.c): get_page_from_freelist() over the
 * zonelist with watermarks and the ALLOC_NOFRAGMENT first pass,
 * rmqueue() through the per-CPU lists (orders 0-3 and 9) or the buddy
 * lists, __rmqueue()'s own type, claim and steal, and the free side
 * through free_frozen_page_commit() and free_pcppages_bulk().
 *
 * Not modelled: watermark boosting and kswapd (which would clear it),
 * the highatomic reserve, the slow path (reclaim, compaction: an
 * allocation no zone serves fails), and decay_pcp_high(), which the
 * vmstat worker runs once a second.
 */
#include "engine/buddy.h"
#include "engine/buddy_int.h"

#define SCALE_MAX 5 /* CONFIG_PCP_BATCH_SCALE_MAX */

enum { NORMAL, CLAIM, STEAL }; /* enum rmqueue_mode (no CMA) */

static const int fallbacks[MR_MT_PCPTYPES][MR_MT_PCPTYPES - 1] = {
	[MR_MT_UNMOVABLE] = {MR_MT_RECLAIMABLE, MR_MT_MOVABLE},
	[MR_MT_MOVABLE] = {MR_MT_RECLAIMABLE, MR_MT_UNMOVABLE},
	[MR_MT_RECLAIMABLE] = {MR_MT_UNMOVABLE, MR_MT_MOVABLE},
};

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int maxi(int a, int b)
{
	return a > b ? a : b;
}

static int mini(int a, int b)
{
	return a < b ? a : b;
}

/* ---- fallback: claim and steal ---- */

static int should_try_claim(unsigned order, int start_mt)
{
	return order >= MR_PAGEBLOCK_ORDER / 2 ||
	       start_mt == MR_MT_RECLAIMABLE || start_mt == MR_MT_UNMOVABLE;
}

static int area_empty(const struct bd_zone *zn, unsigned order)
{
	int mt;

	for (mt = 0; mt < MR_MT__COUNT; mt++)
		if (zn->free[order][mt].n)
			return 0;
	return 1;
}

/* find_suitable_fallback(): 1 with *OUT the type, 0 empty, -1 no claim */
static int suitable_fallback(const struct bd_zone *zn, unsigned order, int mt,
			     int claimable, int *out)
{
	int i;

	if (claimable && !should_try_claim(order, mt))
		return -1;
	if (area_empty(zn, order))
		return 0;
	for (i = 0; i < MR_MT_PCPTYPES - 1; i++)
		if (zn->free[order][fallbacks[mt][i]].n) {
			*out = fallbacks[mt][i];
			return 1;
		}
	return 0;
}

/* Whether the allocated frame PFN counts as movable to
 * prep_move_freepages_block() (PageLRU or movable ops): anonymous and
 * page-cache pages; background pages in movable pageblocks. */
static int frame_movable(const struct bd_node *b, uint64_t pfn)
{
	int own = bd_used_owner(b, pfn);

	return own == MR_OWN_ANON || own == MR_OWN_PAGECACHE ||
	       (own == MR_OWN_BACKGROUND &&
		bd_block_type(b, pfn) == MR_MT_MOVABLE);
}

/* __move_freepages_block(): every free block of the pageblock at START
 * moves to the tail of NEW's list of its order, in frame order. */
static int move_freepages_block(struct bd_node *b, int z, uint64_t start,
				int old, int new)
{
	uint64_t pfn = start, end = start + (1ull << MR_PAGEBLOCK_ORDER);

	while (pfn < end) {
		if (b->st[pfn - b->base] == BD_FREE) {
			unsigned o = b->ord[pfn - b->base];

			bd_del_free(b, z, pfn, o, old);
			if (bd_add_free(b, z, pfn, o, new, 1) < 0)
				return -1;
			pfn += 1ull << o;
		} else {
			pfn++;
		}
	}
	return 0;
}

/* try_to_claim_block(): the free block of CUR at PFN (on BLOCK_MT's
 * list) for an ORDER request of START_MT. The first frame, or BD_NONE. */
static uint64_t claim_block(struct bd_node *b, int z, uint64_t pfn,
			    unsigned cur, unsigned order, int start_mt,
			    int block_mt)
{
	const struct bd_zone *zn = &b->zone[z];
	uint64_t start, end, p, free = 0, movable = 0, alike;

	if (cur >= MR_PAGEBLOCK_ORDER) {
		uint64_t i;

		bd_del_free(b, z, pfn, cur, block_mt);
		for (i = 0; i < (1ull << cur); i += 1ull << MR_PAGEBLOCK_ORDER)
			bd_set_block_type(b, pfn + i, start_mt);
		if (bd_expand(b, z, pfn, order, cur, start_mt) < 0)
			return BD_NONE;
		return pfn;
	}
	start = pfn & ~((1ull << MR_PAGEBLOCK_ORDER) - 1);
	end = start + (1ull << MR_PAGEBLOCK_ORDER);
	if (start < zn->start || end > zn->end)
		return BD_NONE;
	for (p = start; p < end;) {
		if (b->st[p - b->base] == BD_FREE) {
			free += 1ull << b->ord[p - b->base];
			p += 1ull << b->ord[p - b->base];
			continue;
		}
		movable += frame_movable(b, p);
		p++;
	}
	if (start_mt == MR_MT_MOVABLE)
		alike = movable;
	else if (block_mt == MR_MT_MOVABLE)
		alike = (1ull << MR_PAGEBLOCK_ORDER) - (free + movable);
	else
		alike = 0;
	if (free + alike < (1ull << (MR_PAGEBLOCK_ORDER - 1)))
		return BD_NONE;
	if (move_freepages_block(b, z, start, block_mt, start_mt) < 0)
		return BD_NONE;
	bd_set_block_type(b, start, start_mt);
	return bd_rmqueue_smallest(b, z, order, start_mt);
}

/* __rmqueue_claim() */
static uint64_t rmqueue_claim(struct bd_node *b, int z, unsigned order, int mt,
			      int nofragment)
{
	const struct bd_zone *zn = &b->zone[z];
	int cur, min = (int)order;

	if (order < MR_PAGEBLOCK_ORDER && nofragment)
		min = MR_PAGEBLOCK_ORDER;
	for (cur = MR_NR_ORDERS - 1; cur >= min; cur--) {
		int fmt = 0,
		    r = suitable_fallback(zn, (unsigned)cur, mt, 1, &fmt);
		uint64_t pfn;

		if (r == 0)
			continue;
		if (r < 0)
			break;
		pfn = claim_block(b, z, zn->free[cur][fmt].head, (unsigned)cur,
				  order, mt, fmt);
		if (pfn != BD_NONE)
			return pfn;
	}
	return BD_NONE;
}

/* __rmqueue_steal(): the pageblock keeps its type, the remainder goes
 * to the foreign type's lists. */
static uint64_t rmqueue_steal(struct bd_node *b, int z, unsigned order, int mt)
{
	const struct bd_zone *zn = &b->zone[z];
	unsigned cur;

	for (cur = order; cur < MR_NR_ORDERS; cur++) {
		int fmt = 0;
		uint64_t pfn;

		if (suitable_fallback(zn, cur, mt, 0, &fmt) <= 0)
			continue;
		pfn = zn->free[cur][fmt].head;
		bd_del_free(b, z, pfn, cur, fmt);
		if (bd_expand(b, z, pfn, order, cur, fmt) < 0)
			return BD_NONE;
		return pfn;
	}
	return BD_NONE;
}

/* __rmqueue() with its mode, shared by one rmqueue_bulk() */
static uint64_t rmqueue(struct bd_node *b, int z, unsigned order, int mt,
			int nofragment, int *mode)
{
	uint64_t pfn;

	if (*mode == NORMAL) {
		pfn = bd_rmqueue_smallest(b, z, order, mt);
		if (pfn != BD_NONE)
			return pfn;
	}
	if (*mode != STEAL) {
		pfn = rmqueue_claim(b, z, order, mt, nofragment);
		if (pfn != BD_NONE) {
			*mode = NORMAL;
			return pfn;
		}
	}
	if (!nofragment) {
		pfn = rmqueue_steal(b, z, order, mt);
		if (pfn != BD_NONE) {
			*mode = STEAL;
			return pfn;
		}
	}
	return BD_NONE;
}

/* ---- per-CPU lists ---- */

static unsigned pindex_of(int mt, unsigned order)
{
	if (order > BD_COSTLY_ORDER)
		return BD_NR_LOWORDER_PCP + (mt == MR_MT_MOVABLE);
	return MR_MT_PCPTYPES * order + (unsigned)mt;
}

static unsigned order_of_pindex(unsigned pindex)
{
	return pindex >= BD_NR_LOWORDER_PCP ? MR_PAGEBLOCK_ORDER
					    : pindex / MR_MT_PCPTYPES;
}

static int pcp_order(unsigned order)
{
	return order <= BD_COSTLY_ORDER || order == MR_PAGEBLOCK_ORDER;
}

/* nr_pcp_alloc(): blocks of ORDER to pull into an empty list */
static int pcp_alloc_count(struct bd_pcp *p, const struct bd_zone *zn,
			   unsigned order)
{
	int base = p->batch, batch, high;

	high = p->high = clampi(p->high, p->high_min, p->high_max);
	if (high < base)
		return 1;
	batch = order ? base : base << p->alloc_factor;
	if (p->high_min != p->high_max && !zn->below_high)
		high = p->high = mini(high + batch, p->high_max);
	if (!order) {
		int max_nr = maxi(high - (int)p->count - base, base);

		if (batch <= max_nr && p->alloc_factor < SCALE_MAX)
			p->alloc_factor++;
		batch = mini(batch, max_nr);
	}
	if (batch > 1)
		batch = maxi(batch >> order, 2);
	return batch;
}

/* rmqueue_pcplist() */
static uint64_t pcp_take(struct bd_node *b, int z, int cpu, unsigned order,
			 int mt, int nofragment)
{
	struct bd_zone *zn = &b->zone[z];
	struct bd_pcp *p = &zn->pcp[cpu];
	struct bd_list *l = &p->lists[pindex_of(mt, order)];
	uint64_t pfn;

	p->free_count >>= 1;
	if (!l->n) {
		int n = pcp_alloc_count(p, zn, order), i, mode = NORMAL;

		for (i = 0; i < n; i++) {
			pfn = rmqueue(b, z, order, mt, nofragment, &mode);
			if (pfn == BD_NONE)
				break;
			if (bd_list_put(b, l, pfn, 1) < 0)
				return BD_NONE;
			bd_mark(b, pfn, order, BD_PCP, BD_PCP_TAIL);
			p->count += 1ull << order;
		}
		if (!l->n)
			return BD_NONE;
	}
	pfn = l->head;
	bd_list_take(b, l, pfn);
	p->count -= 1ull << order;
	return pfn;
}

/* free_pcppages_bulk(): COUNT pages back to the buddy lists, from list
 * PINDEX on, each list from its tail */
static int pcp_drain(struct bd_node *b, int z, struct bd_pcp *p, int count,
		     unsigned pindex)
{
	int pi = (int)pindex - 1;

	if ((uint64_t)count > p->count)
		count = (int)p->count;
	while (count > 0) {
		struct bd_list *l;
		unsigned order;

		do {
			if (++pi > BD_NR_PCP_LISTS - 1)
				pi = 0;
			l = &p->lists[pi];
		} while (!l->n);
		order = order_of_pindex((unsigned)pi);
		do {
			uint64_t pfn = l->tail;

			bd_list_take(b, l, pfn);
			count -= 1 << order;
			p->count -= 1ull << order;
			if (bd_free_one(b, pfn, order, bd_block_type(b, pfn),
					0) < 0)
				return -1;
		} while (count > 0 && l->n);
	}
	(void)z;
	return 0;
}

/* nr_pcp_high() (no reclaim activity is modelled) */
static int pcp_high(struct bd_pcp *p, const struct bd_zone *zn, int batch,
		    int free_high)
{
	int high = p->high = clampi(p->high, p->high_min, p->high_max);

	if (!high)
		return 0;
	if (free_high) {
		p->high = maxi(high - (batch << SCALE_MAX), p->high_min);
		return 0;
	}
	if (p->high_min == p->high_max)
		return high;
	if (zn->below_high) {
		int fc = maxi(p->free_count, batch);

		p->high = maxi(high - fc, p->high_min);
		high = maxi((int)p->count, p->high_min);
	} else if ((int)p->count >= high) {
		int need = p->free_count + batch;

		if (p->high < need)
			p->high = clampi(need, p->high_min, p->high_max);
	}
	return high;
}

/* nr_pcp_free() */
static int pcp_free_count(const struct bd_pcp *p, int batch, int high,
			  int free_high)
{
	if (free_high)
		return mini((int)p->count, batch << SCALE_MAX);
	if (high < batch)
		return 1;
	return clampi(p->free_count, batch, high - batch);
}

static int watermark_ok(const struct bd_zone *zn, unsigned order, uint64_t mark,
			int highest, uint64_t reserve);
static uint64_t zn_wmark(const struct bd_node *b, int z, int w);
static uint64_t reserve_of(const struct bd_node *b, int z, int highest);

/* free_frozen_page_commit() */
static int pcp_put(struct bd_node *b, int z, int cpu, uint64_t pfn,
		   unsigned order, int mt)
{
	struct bd_zone *zn = &b->zone[z];
	struct bd_pcp *p = &zn->pcp[cpu];
	unsigned pindex = pindex_of(mt, order);
	int batch = p->batch, free_high = 0, high, to_free;

	p->alloc_factor >>= 1;
	if (bd_list_put(b, &p->lists[pindex], pfn, 0) < 0)
		return -1;
	bd_mark(b, pfn, order, BD_PCP, BD_PCP_TAIL);
	p->count += 1ull << order;
	if (order && order <= BD_COSTLY_ORDER) {
		free_high = p->free_count >= batch + p->high_min / 2 &&
			    (p->flags & BD_PCPF_PREV_FREE_HIGH_ORDER) &&
			    (!(p->flags & BD_PCPF_FREE_HIGH_BATCH) ||
			     (int)p->count >= batch);
		p->flags |= BD_PCPF_PREV_FREE_HIGH_ORDER;
	} else {
		p->flags &= ~BD_PCPF_PREV_FREE_HIGH_ORDER;
	}
	if (p->free_count < (batch << SCALE_MAX))
		p->free_count += 1 << order;
	high = pcp_high(p, zn, batch, free_high);
	if ((int)p->count < high)
		return 0;
	to_free = pcp_free_count(p, batch, high, free_high);
	while (to_free > 0 && p->count > 0) {
		int n = mini(to_free, batch);

		if (pcp_drain(b, z, p, n, pindex) < 0)
			return -1;
		to_free -= n;
	}
	/* zone_watermark_ok(zone, 0, high, ZONE_MOVABLE, 0) */
	if (zn->below_high &&
	    watermark_ok(zn, 0, zn_wmark(b, z, 2), 3, reserve_of(b, z, 3)))
		zn->below_high = 0;
	return 0;
}

/* ---- watermarks ---- */

static uint64_t zn_wmark(const struct bd_node *b, int z, int w)
{
	return b->profile.zone[z].wmark[w];
}

/* __zone_watermark_ok() with the exact free count (no highatomic
 * reserve is modelled); HIGHEST is the request's highest zone index
 * (3: ZONE_MOVABLE) for the lowmem reserve */
static int watermark_ok(const struct bd_zone *zn, unsigned order, uint64_t mark,
			int highest, uint64_t reserve)
{
	int64_t free = (int64_t)zn->nr_free_pages - ((1 << order) - 1);
	unsigned o;
	int mt;

	(void)highest;
	if (free <= (int64_t)(mark + reserve))
		return 0;
	if (!order)
		return 1;
	for (o = order; o < MR_NR_ORDERS; o++)
		for (mt = 0; mt < MR_MT_PCPTYPES; mt++)
			if (zn->free[o][mt].n)
				return 1;
	return 0;
}

static uint64_t reserve_of(const struct bd_node *b, int z, int highest)
{
	return highest >= 0 && highest < 5
		       ? b->profile.zone[z].protection[highest]
		       : 0;
}

/* rmqueue(): the per-CPU lists for their orders, else the buddy lists */
static uint64_t zone_take(struct bd_node *b, int z, int cpu, unsigned order,
			  int mt, int nofragment)
{
	int mode = NORMAL;

	if (pcp_order(order)) {
		uint64_t pfn = pcp_take(b, z, cpu, order, mt, nofragment);

		if (pfn != BD_NONE)
			return pfn;
	}
	return rmqueue(b, z, order, mt, nofragment, &mode);
}

/*
 * get_page_from_freelist() on the fast path (ALLOC_WMARK_LOW): the
 * zones from HIGHEST down; a zone passing the high watermark is tried at
 * once, one below it marked ZONE_BELOW_HIGH and tried only above the
 * low one. A request whose preferred zone is Normal first goes round
 * with ALLOC_NOFRAGMENT (no stealing, claims of whole pageblocks only),
 * then again without.
 */
int64_t mr_buddy_alloc(mr_buddy *m, int highest_zone, unsigned order, int mt,
		       int cpu, int owner)
{
	struct bd_node *b = &m->n;
	int top = highest_zone > MR_ZONE_NORMAL ? MR_ZONE_NORMAL : highest_zone;
	int pref = -1, nofragment, z;

	if (order >= MR_NR_ORDERS || mt < 0 || mt >= MR_MT_PCPTYPES ||
	    cpu < 0 || cpu >= b->ncpus || top < 0 || owner < 0 ||
	    owner >= MR_OWN__COUNT)
		return -1;
	for (z = top; z >= 0 && pref < 0; z--)
		if (b->zone[z].exists)
			pref = z;
	if (pref < 0)
		return -1;
	nofragment = pref == MR_ZONE_NORMAL;
	for (;;) {
		for (z = pref; z >= 0; z--) {
			struct bd_zone *zn = &b->zone[z];
			uint64_t res = reserve_of(b, z, highest_zone), pfn;

			if (!zn->exists)
				continue;
			if (zn->below_high ||
			    !watermark_ok(zn, order, zn_wmark(b, z, 2),
					  highest_zone, res)) {
				zn->below_high = 1;
				if (!watermark_ok(zn, order, zn_wmark(b, z, 1),
						  highest_zone, res))
					continue;
			}
			pfn = zone_take(b, z, cpu, order, mt, nofragment);
			if (pfn == BD_NONE)
				continue;
			bd_mark(b, pfn, order, BD_USED | owner << 4,
				BD_USED_TAIL);
			b->owned[owner] += 1ull << order;
			return (int64_t)pfn;
		}
		if (!nofragment)
			return -1;
		nofragment = 0;
	}
}

/* __free_frozen_pages(): the per-CPU list of the block's type for pcp
 * orders (HighAtomic blocks to the movable list, Isolate ones straight
 * back), else free_one_page() */
int mr_buddy_put(mr_buddy *m, uint64_t pfn, unsigned order, int cpu)
{
	struct bd_node *b = &m->n;
	int z, mt;

	if (order >= MR_NR_ORDERS || cpu < 0 || cpu >= b->ncpus ||
	    pfn < b->base || pfn >= b->end || (1ull << order) > b->end - pfn ||
	    (pfn & ((1ull << order) - 1)) ||
	    (b->st[pfn - b->base] & 0x0f) != BD_USED ||
	    b->ord[pfn - b->base] != order)
		return -1;
	z = bd_zone_of(b, pfn);
	if (z < 0)
		return -1;
	b->owned[b->st[pfn - b->base] >> 4] -= 1ull << order;
	mt = bd_block_type(b, pfn);
	if (!pcp_order(order) || mt == MR_MT_ISOLATE)
		return bd_free_block(b, pfn, order, 0);
	if (mt >= MR_MT_PCPTYPES)
		mt = MR_MT_MOVABLE;
	return pcp_put(b, z, cpu, pfn, order, mt);
}

int mr_buddy_split(mr_buddy *m, uint64_t pfn)
{
	struct bd_node *b = &m->n;
	uint64_t i, n;
	uint8_t head;

	if (pfn < b->base || pfn >= b->end ||
	    (b->st[pfn - b->base] & 0x0f) != BD_USED)
		return -1;
	head = b->st[pfn - b->base];
	n = 1ull << b->ord[pfn - b->base];
	for (i = 0; i < n; i++) {
		b->st[pfn + i - b->base] = head;
		b->ord[pfn + i - b->base] = 0;
	}
	return 0;
}
