/*
 * buddy_show.c - the node laid out from a profile, its /proc views
 * (buddyinfo, pagetypeinfo as mm/vmstat.c prints them) and its checks.
 *
 * Layout, per zone (deterministic, so that step 0 prints what the host
 * printed):
 *
 *   pageblocks from the zone's first, typed in runs in the kernel's
 *   type order (all Unmovable ones, then Movable, Reclaimable, ...);
 *   free blocks of each type placed from order 10 down, each at the
 *   lowest aligned place in its type's pageblocks inside the zone that
 *   is still unplaced and whose buddy is no free block of the same
 *   order (so nothing the kernel would merge lies free side by side);
 *   then each CPU's count of order-0 movable pages on its list, at the
 *   lowest unplaced frames of movable pageblocks; then background pages
 *   (owned, order 0) until the zone's managed count is reached; what is
 *   left is outside the allocator (memblock's reservations, holes).
 */
#include "engine/buddy.h"
#include "engine/buddy_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const zone_names[MR_ZONE__COUNT] = {"DMA", "DMA32",
						       "Normal"};
static const char *const type_names[MR_MT__COUNT] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate"};

/* ---- layout ---- */

/* A pageblock counts (pfn_to_online_page() finds it) when the profile
 * gave it a type; the others hold no managed frame. */
static int block_counted(const struct bd_node *b, uint64_t pfn)
{
	return bd_block_type(b, pfn) < MR_MT__COUNT;
}

#define UNPLACED BD_HOLE

/* Whether the order-ORDER slot at PFN lies in zone Z, in pageblocks of
 * type MT, unplaced (the blocks placed before are larger and aligned,
 * so the first frame tells), with no free buddy of its order. */
static int slot_ok(const struct bd_node *b, const struct bd_zone *zn,
		   uint64_t pfn, unsigned order, int mt, const uint8_t *placed)
{
	uint64_t n = 1ull << order, i, buddy = pfn ^ n;

	if (pfn < zn->start || pfn + n > zn->end)
		return 0;
	for (i = 0; i < n; i += 1ull << MR_PAGEBLOCK_ORDER)
		if (bd_block_type(b, pfn + i) != mt)
			return 0;
	if (placed[pfn - b->base])
		return 0;
	if (order >= MR_NR_ORDERS - 1) /* order 10 merges no further */
		return 1;
	return !(buddy >= b->base && buddy < b->end &&
		 b->st[buddy - b->base] == BD_FREE &&
		 b->ord[buddy - b->base] == order);
}

static int place_free(struct bd_node *b, int z, const mr_zone_profile *zp,
		      uint8_t *placed)
{
	struct bd_zone *zn = &b->zone[z];
	int mt;

	for (mt = 0; mt < MR_MT__COUNT; mt++) {
		int o;

		for (o = MR_NR_ORDERS - 1; o >= 0; o--) {
			uint64_t n = 1ull << o, want = zp->free[o][mt], got;
			uint64_t pfn = (zn->start + n - 1) & ~(n - 1);

			for (got = 0; got < want; pfn += n) {
				if (pfn + n > zn->end)
					return -1; /* no room */
				if (!slot_ok(b, zn, pfn, (unsigned)o, mt,
					     placed))
					continue;
				if (bd_add_free(b, z, pfn, (unsigned)o, mt, 1) <
				    0)
					return -1;
				memset(placed + (pfn - b->base), 1, n);
				got++;
			}
		}
	}
	return 0;
}

/* The unplaced frames of zone Z: CPU lists, then background up to the
 * managed count. */
static int place_rest(struct bd_node *b, int z, const mr_zone_profile *zp,
		      uint8_t *placed)
{
	struct bd_zone *zn = &b->zone[z];
	uint64_t used = zn->nr_free_pages, pfn = zn->start;
	int cpu;

	for (cpu = 0; cpu < b->ncpus; cpu++) {
		struct bd_pcp *p = &zn->pcp[cpu];
		uint64_t k;

		for (k = 0; k < zp->pcp_count[cpu]; k++) {
			while (pfn < zn->end &&
			       (placed[pfn - b->base] ||
				bd_block_type(b, pfn) != MR_MT_MOVABLE))
				pfn++;
			if (pfn >= zn->end)
				return -1;
			if (bd_list_put(b, &p->lists[MR_MT_MOVABLE], pfn, 1) <
			    0)
				return -1;
			bd_mark(b, pfn, 0, BD_PCP, BD_PCP_TAIL);
			placed[pfn - b->base] = 1;
			p->count++;
			used++;
		}
	}
	for (pfn = zn->start; pfn < zn->end && used < zn->managed; pfn++) {
		/* only typed pageblocks hold managed frames */
		if (placed[pfn - b->base] || !block_counted(b, pfn))
			continue;
		bd_mark(b, pfn, 0, BD_USED | MR_OWN_BACKGROUND << 4,
			BD_USED_TAIL);
		placed[pfn - b->base] = 1;
		b->owned[MR_OWN_BACKGROUND]++;
		used++;
	}
	return used == zn->managed ? 0 : -1;
}

/* Pageblock types in runs, from the zone's first pageblock. */
static void type_blocks(struct bd_node *b, const struct bd_zone *zn,
			const mr_zone_profile *zp)
{
	uint64_t pb = zn->start >> MR_PAGEBLOCK_ORDER;
	int mt;

	for (mt = 0; mt < MR_MT__COUNT; mt++) {
		uint64_t k;

		for (k = 0; k < zp->blocks[mt]; k++, pb++)
			if ((pb << MR_PAGEBLOCK_ORDER) < b->end)
				bd_set_block_type(b, pb << MR_PAGEBLOCK_ORDER,
						  mt);
	}
}

static void pcp_setup(struct bd_node *b, struct bd_zone *zn,
		      const mr_zone_profile *zp)
{
	int cpu;

	for (cpu = 0; cpu < b->ncpus; cpu++) {
		struct bd_pcp *p = &zn->pcp[cpu];

		p->high = (int)zp->pcp_high[cpu];
		p->batch = zp->pcp_batch[cpu] ? (int)zp->pcp_batch[cpu] : 1;
		p->high_min = (int)zp->pcp_high_min;
		p->high_max = (int)zp->pcp_high_max;
	}
}

/* Zones in ascending order that share no pageblock, managed <= present
 * <= spanned, pageblocks that fit, per-CPU sizes the kernel can have,
 * and at most 2^32 frames (16 TiB). */
static int profile_sane(const mr_buddy_profile *p)
{
	uint64_t end = 0;
	int z, mt;

	for (z = 0; z < MR_ZONE__COUNT; z++) {
		const mr_zone_profile *zp = &p->zone[z];
		uint64_t blocks = 0;

		if (!zp->exists)
			continue;
		/* a zone starts past the last pageblock of the one before
		 * (the layout types pageblocks per zone) */
		if (end && zp->start_pfn >> MR_PAGEBLOCK_ORDER ==
				   (end - 1) >> MR_PAGEBLOCK_ORDER)
			return 0;
		/* per-CPU sizes where the kernel's can be (batch at most 63
		 * from zone_batchsize()), so that batch <<
		 * CONFIG_PCP_BATCH_SCALE_MAX and high stay ints */
		if (zp->pcp_high_min > (1u << 30) ||
		    zp->pcp_high_max > (1u << 30))
			return 0;
		for (mt = 0; mt < p->ncpus && mt < MR_BUDDY_MAX_CPUS; mt++)
			if (zp->pcp_batch[mt] > (1u << 20) ||
			    zp->pcp_high[mt] > (1u << 30) ||
			    (zp->pcp_high_max &&
			     zp->pcp_count[mt] >
				     zp->pcp_high_max +
					     (2u << MR_PAGEBLOCK_ORDER)))
				return 0;
		if (zp->start_pfn < end || zp->spanned > (1ull << 32) ||
		    zp->start_pfn > (1ull << 32) || zp->present > zp->spanned ||
		    zp->managed > zp->present)
			return 0;
		for (mt = 0; mt < MR_MT__COUNT; mt++) {
			if (zp->blocks[mt] > (1ull << 32))
				return 0;
			blocks += zp->blocks[mt];
		}
		if ((blocks << MR_PAGEBLOCK_ORDER) >
		    zp->spanned +
			    (zp->start_pfn &
			     ((1ull << MR_PAGEBLOCK_ORDER) - 1)) +
			    (1ull << MR_PAGEBLOCK_ORDER))
			return 0;
		end = zp->start_pfn + zp->spanned;
	}
	return 1;
}

int mr_buddy_new(mr_buddy **out, const mr_buddy_profile *profile)
{
	mr_buddy *m;
	struct bd_node *b;
	uint8_t *placed = NULL;
	uint64_t frames;
	int z;

	*out = NULL;
	if (profile->ncpus < 1 || profile->ncpus > MR_BUDDY_MAX_CPUS ||
	    !profile_sane(profile))
		return -1;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -1;
	b = &m->n;
	b->profile = *profile;
	b->ncpus = profile->ncpus;
	b->base = BD_NONE;
	for (z = 0; z < MR_ZONE__COUNT; z++) {
		const mr_zone_profile *zp = &profile->zone[z];
		struct bd_zone *zn = &b->zone[z];

		if (!zp->exists)
			continue;
		zn->exists = 1;
		zn->start = zp->start_pfn;
		zn->end = zp->start_pfn + zp->spanned;
		zn->managed = zp->managed;
		/* whole pageblocks, so that a pageblock's type byte exists */
		if (b->base == BD_NONE || zn->start < b->base)
			b->base =
				zn->start & ~((1ull << MR_PAGEBLOCK_ORDER) - 1);
		if (zn->end > b->end)
			b->end = zn->end;
	}
	if (b->base == BD_NONE)
		goto out_free;
	b->end = (b->end + (1ull << MR_NR_ORDERS) - 1) &
		 ~((1ull << (MR_NR_ORDERS - 1)) - 1);
	frames = b->end - b->base;
	b->st = calloc(frames, 1);
	b->ord = calloc(frames, 1);
	b->pbt = calloc((frames >> MR_PAGEBLOCK_ORDER) + 1, 1);
	placed = calloc(frames, 1);
	if (!b->st || !b->ord || !b->pbt || !placed)
		goto out_free;
	memset(b->pbt, MR_MT__COUNT, (frames >> MR_PAGEBLOCK_ORDER) + 1);
	for (z = 0; z < MR_ZONE__COUNT; z++) {
		const mr_zone_profile *zp = &profile->zone[z];
		struct bd_zone *zn = &b->zone[z];

		if (!zn->exists)
			continue;
		type_blocks(b, zn, zp);
		pcp_setup(b, zn, zp);
		if (place_free(b, z, zp, placed) < 0 ||
		    place_rest(b, z, zp, placed) < 0)
			goto out_free;
	}
	free(placed);
	for (z = 0; z < MR_ZONE__COUNT; z++) {
		const struct bd_zone *zn = &b->zone[z];
		uint64_t pfn;

		/* the kernel samples zone_start_pfn, then every 512 frames;
		 * pfn_to_online_page(): a block counts when its memory is
		 * initialised (here: the profile typed it) */
		for (pfn = zn->start; zn->exists && pfn < zn->end;
		     pfn += 1ull << MR_PAGEBLOCK_ORDER)
			if (block_counted(b, pfn))
				b->nblocks[z][bd_block_type(b, pfn)]++;
	}
	b->laid_out = 1;
	*out = m;
	return 0;
out_free:
	free(placed);
	mr_buddy_free(m);
	return -1;
}

void mr_buddy_free(mr_buddy *m)
{
	if (!m)
		return;
	free(m->n.st);
	free(m->n.ord);
	free(m->n.pbt);
	free(m->n.links.v);
	free(m);
}

const mr_buddy_profile *mr_buddy_profile_of(const mr_buddy *m)
{
	return &m->n.profile;
}

/* ---- queries ---- */

uint64_t mr_buddy_nr_free(const mr_buddy *m, int zone, unsigned order, int mt)
{
	if (zone < 0 || zone >= MR_ZONE__COUNT || order >= MR_NR_ORDERS ||
	    mt < 0 || mt >= MR_MT__COUNT)
		return 0;
	return m->n.zone[zone].free[order][mt].n;
}

uint64_t mr_buddy_pcp_count(const mr_buddy *m, int zone, int cpu)
{
	if (zone < 0 || zone >= MR_ZONE__COUNT || cpu < 0 || cpu >= m->n.ncpus)
		return 0;
	return m->n.zone[zone].pcp[cpu].count;
}

int mr_buddy_block_type(const mr_buddy *m, uint64_t pfn)
{
	if (pfn < m->n.base || pfn >= m->n.end)
		return -1;
	return bd_block_type(&m->n, pfn);
}

int64_t mr_buddy_block_of(const mr_buddy *m, uint64_t pfn, unsigned *order)
{
	const struct bd_node *b = &m->n;
	unsigned o;

	if (pfn < b->base || pfn >= b->end || bd_used_owner(b, pfn) < 0)
		return -1;
	for (o = 0; o < MR_NR_ORDERS; o++) {
		uint64_t h = pfn & ~((1ull << o) - 1);

		if ((b->st[h - b->base] & 0x0f) == BD_USED &&
		    b->ord[h - b->base] >= o) {
			*order = b->ord[h - b->base];
			return (int64_t)h;
		}
	}
	return -1;
}

int mr_buddy_owner(const mr_buddy *m, uint64_t pfn)
{
	if (pfn < m->n.base || pfn >= m->n.end)
		return -1;
	return bd_used_owner(&m->n, pfn);
}

/* ---- /proc views ---- */

struct out {
	char *buf;
	size_t len;
	size_t at;
};

static void say(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->at < o->len ? o->buf + o->at : NULL,
		      o->at < o->len ? o->len - o->at : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->at += (size_t)n;
}

static size_t done(struct out *o)
{
	if (o->len)
		o->buf[o->at < o->len ? o->at : o->len - 1] = 0;
	return o->at;
}

uint64_t mr_buddy_owned(const mr_buddy *m, int owner)
{
	return owner >= 0 && owner < MR_OWN__COUNT ? m->n.owned[owner] : 0;
}

int64_t mr_buddy_adopt(mr_buddy *m, int from, int to, uint64_t *cursor)
{
	struct bd_node *b = &m->n;
	uint64_t pfn = *cursor < b->base ? b->base : *cursor;

	if (from < 0 || from >= MR_OWN__COUNT || to < 0 || to >= MR_OWN__COUNT)
		return -1;
	for (; pfn < b->end; pfn++) {
		uint8_t *st = &b->st[pfn - b->base];

		if ((*st & 0x0f) != BD_USED || *st >> 4 != from ||
		    b->ord[pfn - b->base] != 0)
			continue;
		*st = (uint8_t)(BD_USED | to << 4);
		b->owned[from]--;
		b->owned[to]++;
		*cursor = pfn + 1;
		return (int64_t)pfn;
	}
	*cursor = pfn;
	return -1;
}

int64_t mr_buddy_adopt_block(mr_buddy *m, int from, int to, unsigned order,
			     uint64_t *cursor)
{
	struct bd_node *b = &m->n;
	uint64_t n = 1ull << order, pfn, i;

	if (from < 0 || from >= MR_OWN__COUNT || to < 0 ||
	    to >= MR_OWN__COUNT || order >= MR_NR_ORDERS)
		return -1;
	pfn = (*cursor < b->base ? b->base : *cursor);
	for (pfn = (pfn + n - 1) & ~(n - 1); pfn + n <= b->end; pfn += n) {
		for (i = 0; i < n; i++) {
			uint8_t st = b->st[pfn + i - b->base];

			if ((st & 0x0f) != BD_USED || st >> 4 != from ||
			    b->ord[pfn + i - b->base] != 0)
				break;
		}
		if (i < n)
			continue;
		bd_mark(b, pfn, order, BD_USED | to << 4, BD_USED_TAIL);
		b->owned[from] -= n;
		b->owned[to] += n;
		*cursor = pfn + n;
		return (int64_t)pfn;
	}
	*cursor = pfn;
	return -1;
}

void mr_buddy_zone_counts(const mr_buddy *m, int z, mr_buddy_counts *c)
{
	const struct bd_node *b = &m->n;
	const struct bd_zone *zn;
	int mt, cpu;
	unsigned o;

	if (z < 0 || z >= MR_ZONE__COUNT)
		return;
	zn = &b->zone[z];
	memset(c->free[z], 0, sizeof(c->free[z]));
	memset(c->blocks[z], 0, sizeof(c->blocks[z]));
	memset(c->pcp[z], 0, sizeof(c->pcp[z]));
	memset(c->high[z], 0, sizeof(c->high[z]));
	if (!zn->exists)
		return;
	for (o = 0; o < MR_NR_ORDERS; o++)
		for (mt = 0; mt < MR_MT__COUNT; mt++)
			c->free[z][o][mt] = zn->free[o][mt].n;
	for (mt = 0; mt < MR_MT__COUNT; mt++)
		c->blocks[z][mt] = b->nblocks[z][mt];
	for (cpu = 0; cpu < b->ncpus; cpu++) {
		c->pcp[z][cpu] = zn->pcp[cpu].count;
		c->high[z][cpu] = (uint64_t)zn->pcp[cpu].high;
	}
}

void mr_buddy_counts_of(const mr_buddy *m, mr_buddy_counts *c)
{
	int z;

	for (z = 0; z < MR_ZONE__COUNT; z++)
		mr_buddy_zone_counts(m, z, c);
}

uint64_t mr_buddy_zone_gen(const mr_buddy *m, int zone)
{
	return zone >= 0 && zone < MR_ZONE__COUNT ? m->n.gen[zone] : 0;
}

/* NR_FREE_PAGES of zone Z: every free block's pages. */
static uint64_t free_pages(const mr_buddy_counts *c, int z)
{
	uint64_t n = 0;
	unsigned o;
	int mt;

	for (o = 0; o < MR_NR_ORDERS; o++)
		for (mt = 0; mt < MR_MT__COUNT; mt++)
			n += c->free[z][o][mt] << o;
	return n;
}

/* frag_show_print() */
static void show_buddyinfo(struct out *o, const mr_buddy_profile *p,
			   const mr_buddy_counts *c)
{
	int z;

	for (z = 0; z < MR_ZONE__COUNT; z++) {
		unsigned order;

		if (!p->zone[z].exists)
			continue;
		say(o, "Node %d, zone %8s ", 0, zone_names[z]);
		for (order = 0; order < MR_NR_ORDERS; order++) {
			uint64_t n = 0;
			int mt;

			for (mt = 0; mt < MR_MT__COUNT; mt++)
				n += c->free[z][order][mt];
			say(o, "%6lu ", (unsigned long)n);
		}
		say(o, "\n");
	}
}

/* pagetypeinfo_showfree_print(), pagetypeinfo_showblockcount_print() */
static void show_pagetypeinfo(struct out *o, const mr_buddy_profile *p,
			      const mr_buddy_counts *c)
{
	unsigned order;
	int z, mt;

	say(o, "Page block order: %d\n", MR_PAGEBLOCK_ORDER);
	say(o, "Pages per block:  %lu\n", 1ul << MR_PAGEBLOCK_ORDER);
	say(o, "\n");
	say(o, "%-43s ", "Free pages count per migrate type at order");
	for (order = 0; order < MR_NR_ORDERS; order++)
		say(o, "%6d ", order);
	say(o, "\n");
	for (z = 0; z < MR_ZONE__COUNT; z++) {
		if (!p->zone[z].exists)
			continue;
		for (mt = 0; mt < MR_MT__COUNT; mt++) {
			say(o, "Node %4d, zone %8s, type %12s ", 0,
			    zone_names[z], type_names[mt]);
			for (order = 0; order < MR_NR_ORDERS; order++) {
				uint64_t n = c->free[z][order][mt];

				/* the kernel stops counting a list there */
				if (n >= 100000)
					say(o, ">%6lu ", 100000ul);
				else
					say(o, "%6lu ", (unsigned long)n);
			}
			say(o, "\n");
		}
	}
	say(o, "\n%-23s", "Number of blocks type ");
	for (mt = 0; mt < MR_MT__COUNT; mt++)
		say(o, "%12s ", type_names[mt]);
	say(o, "\n");
	for (z = 0; z < MR_ZONE__COUNT; z++) {
		if (!p->zone[z].exists)
			continue;
		say(o, "Node %d, zone %8s ", 0, zone_names[z]);
		for (mt = 0; mt < MR_MT__COUNT; mt++)
			say(o, "%12lu ", (unsigned long)c->blocks[z][mt]);
		say(o, "\n");
	}
}

/* ---- checks ---- */

struct checker {
	void (*say)(void *ctx, const char *msg);
	void *ctx;
	size_t n;
};

static void bad(struct checker *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	c->n++;
	if (!c->say)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->say(c->ctx, msg);
}

/* The blocks on list L, walked from its head: their number, or
 * BD_NONE when the links are broken. Each must head a block of STATE
 * and ORDER (order < 0: any). */
static uint64_t walk_list(const struct bd_node *b, const struct bd_list *l,
			  int state, int order)
{
	uint64_t pfn = l->n ? l->head : BD_NONE, prev = BD_NONE, n = 0;

	while (pfn != BD_NONE) {
		const struct bd_link *k = bd_link_get(b, pfn);

		if (!k || k->prev != prev || pfn < b->base || pfn >= b->end ||
		    (b->st[pfn - b->base] & 0x0f) != state ||
		    (order >= 0 && b->ord[pfn - b->base] != order) || n > l->n)
			return BD_NONE;
		prev = pfn;
		pfn = k->next;
		n++;
	}
	return prev == (l->n ? l->tail : BD_NONE) ? n : BD_NONE;
}

/* The zone's free-page count against FREEP, what its WHAT hold. */
static void free_pages_check(struct checker *c, int z,
			     const struct bd_zone *zn, uint64_t freep,
			     const char *what)
{
	if (freep != zn->nr_free_pages)
		bad(c, "buddy: zone %s counts %llu free pages, its %s hold %llu",
		    zone_names[z], (unsigned long long)zn->nr_free_pages, what,
		    (unsigned long long)freep);
}

/* A CPU's count against the pages on its lists (SUM), and within
 * high_max: a refill may pass high by what one nr_pcp_alloc() adds (at
 * least two blocks of its order). */
static void pcp_sum_check(struct checker *c, int z, int cpu,
			  const struct bd_pcp *p, uint64_t sum)
{
	if (sum != p->count)
		bad(c,
		    "buddy: zone %s cpu %d counts %llu per-CPU pages, its "
		    "lists "
		    "hold %llu",
		    zone_names[z], cpu, (unsigned long long)p->count,
		    (unsigned long long)sum);
	if (p->high_max &&
	    p->count > (uint64_t)p->high_max + (2ull << MR_PAGEBLOCK_ORDER))
		bad(c,
		    "buddy: zone %s cpu %d holds %llu per-CPU pages, above "
		    "high_max %d and a refill",
		    zone_names[z], cpu, (unsigned long long)p->count,
		    p->high_max);
}

size_t mr_buddy_check(const mr_buddy *m,
		      void (*say_fn)(void *ctx, const char *msg), void *ctx)
{
	const struct bd_node *b = &m->n;
	struct checker c = {say_fn, ctx, 0};
	int z;

	for (z = 0; z < MR_ZONE__COUNT; z++) {
		const struct bd_zone *zn = &b->zone[z];
		uint64_t heads[MR_NR_ORDERS][MR_MT__COUNT] = {{0}};
		uint64_t pcp = 0, freep = 0, pfn, listed = 0;
		unsigned o;
		int mt, cpu;

		if (!zn->exists)
			continue;
		for (pfn = zn->start; pfn < zn->end;) {
			int st = b->st[pfn - b->base] & 0x0f, tail;
			uint64_t n, i;

			if (st == BD_HOLE) {
				pfn++;
				continue;
			}
			if (st == BD_FREE_TAIL || st == BD_PCP_TAIL ||
			    st == BD_USED_TAIL) {
				bad(&c,
				    "buddy: frame %#llx is a tail without a "
				    "head",
				    (unsigned long long)pfn);
				pfn++;
				continue;
			}
			o = b->ord[pfn - b->base];
			n = 1ull << o;
			tail = st + 1;
			if (!block_counted(b, pfn))
				bad(&c,
				    "buddy: frame %#llx is managed in a "
				    "pageblock with no type",
				    (unsigned long long)pfn);
			if (o >= MR_NR_ORDERS || (pfn & (n - 1)) ||
			    pfn + n > zn->end) {
				bad(&c,
				    "buddy: block %#llx of order %u is not "
				    "aligned in its zone",
				    (unsigned long long)pfn, o);
				pfn++;
				continue;
			}
			for (i = 1; i < n; i++)
				if ((b->st[pfn + i - b->base] & 0x0f) != tail) {
					bad(&c,
					    "buddy: frame %#llx inside block "
					    "%#llx is in another state",
					    (unsigned long long)(pfn + i),
					    (unsigned long long)pfn);
					break;
				}
			if (st == BD_FREE) {
				uint64_t buddy = pfn ^ n;
				int bt = bd_block_type(b, pfn);

				if (bt >= MR_MT__COUNT)
					bad(&c,
					    "buddy: free block %#llx in a "
					    "pageblock with no type",
					    (unsigned long long)pfn);
				else
					heads[o][bt]++;
				freep += n;
				if (o < MR_NR_ORDERS - 1 &&
				    buddy >= zn->start &&
				    buddy + n <= zn->end &&
				    b->st[buddy - b->base] == BD_FREE &&
				    b->ord[buddy - b->base] == o &&
				    (o < MR_PAGEBLOCK_ORDER ||
				     (bt < MR_MT_PCPTYPES &&
				      bd_block_type(b, buddy) <
					      MR_MT_PCPTYPES)))
					bad(&c,
					    "buddy: free blocks %#llx and "
					    "%#llx of order %u are unmerged "
					    "buddies",
					    (unsigned long long)(pfn & buddy),
					    (unsigned long long)(pfn | n), o);
			} else if (st == BD_PCP) {
				pcp += n;
			}
			pfn += n;
		}
		for (o = 0; o < MR_NR_ORDERS; o++)
			for (mt = 0; mt < MR_MT__COUNT; mt++) {
				const struct bd_list *l = &zn->free[o][mt];
				uint64_t w = walk_list(b, l, BD_FREE, (int)o);

				if (w == BD_NONE || w != l->n)
					bad(&c,
					    "buddy: zone %s order %u %s list "
					    "is broken",
					    zone_names[z], o, type_names[mt]);
				if (heads[o][mt] != l->n)
					bad(&c,
					    "buddy: zone %s order %u %s: %llu "
					    "free blocks, the list holds %llu",
					    zone_names[z], o, type_names[mt],
					    (unsigned long long)heads[o][mt],
					    (unsigned long long)l->n);
				listed += l->n;
			}
		free_pages_check(&c, z, zn, freep, "blocks");
		for (cpu = 0; cpu < b->ncpus; cpu++) {
			const struct bd_pcp *p = &zn->pcp[cpu];
			uint64_t sum = 0;
			unsigned pi;

			for (pi = 0; pi < BD_NR_PCP_LISTS; pi++) {
				uint64_t w =
					walk_list(b, &p->lists[pi], BD_PCP, -1);

				if (w == BD_NONE)
					bad(&c,
					    "buddy: zone %s cpu %d per-CPU "
					    "list %u is broken",
					    zone_names[z], cpu, pi);
				else
					sum += w
					       << (pi >= BD_NR_LOWORDER_PCP
							   ? MR_PAGEBLOCK_ORDER
							   : pi / MR_MT_PCPTYPES);
			}
			pcp_sum_check(&c, z, cpu, p, sum);
		}
		(void)listed;
		(void)pcp;
	}
	return c.n;
}

size_t mr_buddy_check_zone_counts(const mr_buddy *m, int z,
				  void (*say_fn)(void *ctx, const char *msg),
				  void *ctx)
{
	const struct bd_node *b = &m->n;
	struct checker c = {say_fn, ctx, 0};
	int mt, cpu;
	unsigned o, pi;

	if (z >= 0 && z < MR_ZONE__COUNT && b->zone[z].exists) {
		const struct bd_zone *zn = &b->zone[z];
		uint64_t freep = 0;

		for (o = 0; o < MR_NR_ORDERS; o++)
			for (mt = 0; mt < MR_MT__COUNT; mt++)
				freep += zn->free[o][mt].n << o;
		free_pages_check(&c, z, zn, freep, "lists");
		for (cpu = 0; cpu < b->ncpus; cpu++) {
			const struct bd_pcp *p = &zn->pcp[cpu];
			uint64_t sum = 0;

			for (pi = 0; pi < BD_NR_PCP_LISTS; pi++)
				sum += p->lists[pi].n
				       << (pi >= BD_NR_LOWORDER_PCP
						   ? MR_PAGEBLOCK_ORDER
						   : pi / MR_MT_PCPTYPES);
			pcp_sum_check(&c, z, cpu, p, sum);
		}
	}
	return c.n;
}

size_t mr_buddy_check_counts(const mr_buddy *m,
			     void (*say_fn)(void *ctx, const char *msg),
			     void *ctx)
{
	size_t n = 0;
	int z;

	for (z = 0; z < MR_ZONE__COUNT; z++)
		n += mr_buddy_check_zone_counts(m, z, say_fn, ctx);
	return n;
}

/* ---- fragmentation and zoneinfo ---- */

/* fill_contig_page_info() */
static void contig_info(const mr_buddy_counts *c, int z, unsigned suitable,
			uint64_t *free_pages, uint64_t *total,
			uint64_t *suitable_blocks)
{
	unsigned o;
	int mt;

	*free_pages = *total = *suitable_blocks = 0;
	for (o = 0; o < MR_NR_ORDERS; o++) {
		uint64_t blocks = 0;

		for (mt = 0; mt < MR_MT__COUNT; mt++)
			blocks += c->free[z][o][mt];
		*total += blocks;
		*free_pages += blocks << o;
		if (o >= suitable)
			*suitable_blocks += blocks << (o - suitable);
	}
}

int mr_buddy_counts_frag(const mr_buddy_profile *p, const mr_buddy_counts *c,
			 int zone, unsigned order, int *unusable, int *frag)
{
	uint64_t fp, total, suit;

	if (zone < 0 || zone >= MR_ZONE__COUNT || order >= MR_NR_ORDERS ||
	    !p->zone[zone].exists)
		return -1;
	contig_info(c, zone, order, &fp, &total, &suit);
	*unusable = fp ? (int)((fp - (suit << order)) * 1000 / fp) : 1000;
	if (!total)
		*frag = 0;
	else if (suit)
		*frag = -1000;
	else
		*frag = (int)(1000 -
			      (1000 + fp * 1000 / (1ull << order)) / total);
	return 0;
}

int mr_buddy_frag(const mr_buddy *m, int zone, unsigned order, int *unusable,
		  int *frag)
{
	mr_buddy_counts c;

	mr_buddy_counts_of(m, &c);
	return mr_buddy_counts_frag(&m->n.profile, &c, zone, order, unusable,
				    frag);
}

static void show_frag(struct out *o, const mr_buddy_profile *p,
		      const mr_buddy_counts *c, int which)
{
	int z;

	for (z = 0; z < MR_ZONE__COUNT; z++) {
		unsigned order;

		if (!p->zone[z].exists)
			continue;
		say(o, "Node %d, zone %8s ", 0, zone_names[z]);
		for (order = 0; order < MR_NR_ORDERS; order++) {
			int u, f, v;

			mr_buddy_counts_frag(p, c, z, order, &u, &f);
			v = which ? f : u;
			/* C division, as the kernel prints it: -1000 is
			 * -1.000, -500 is " 0.-500" */
			if (which)
				say(o, "%2d.%03d ", v / 1000, v % 1000);
			else
				say(o, "%d.%03d ", v / 1000, v % 1000);
		}
		say(o, "\n");
	}
}

/* zoneinfo_show_print(), the allocator's lines: the per-node and other
 * vmstat lines are left out, as is the watermark boost (0). */
static void show_zoneinfo(struct out *o, const mr_buddy_profile *p,
			  const mr_buddy_counts *c)
{
	int z, cpu, i;

	for (z = 0; z < MR_ZONE__COUNT; z++) {
		const mr_zone_profile *zp = &p->zone[z];
		uint64_t blocks = 0, nfree = free_pages(c, z);
		unsigned order;

		if (!zp->exists)
			continue;
		for (order = MR_PAGEBLOCK_ORDER; order < MR_NR_ORDERS; order++)
			for (i = 0; i < MR_MT_ISOLATE; i++)
				blocks += c->free[z][order][i] << order;
		say(o, "Node %d, zone %8s", 0, zone_names[z]);
		say(o,
		    "\n  pages free     %lu\n        boost    %lu"
		    "\n        min      %lu\n        low      %lu"
		    "\n        high     %lu\n        promo    %lu"
		    "\n        spanned  %lu\n        present  %lu"
		    "\n        managed  %lu\n        cma      %lu",
		    (unsigned long)nfree, 0ul, (unsigned long)zp->wmark[0],
		    (unsigned long)zp->wmark[1], (unsigned long)zp->wmark[2],
		    (unsigned long)(zp->wmark[2] + zp->wmark[2] - zp->wmark[1]),
		    (unsigned long)zp->spanned, (unsigned long)zp->present,
		    (unsigned long)zp->managed, 0ul);
		say(o, "\n        protection: (%ld", (long)zp->protection[0]);
		for (i = 1; i < (zp->nprotection ? zp->nprotection : 5); i++)
			say(o, ", %ld", (long)zp->protection[i]);
		say(o, ")");
		say(o, "\n      %-12s %lu", "nr_free_pages",
		    (unsigned long)nfree);
		say(o, "\n      %-12s %lu", "nr_free_pages_blocks",
		    (unsigned long)blocks);
		say(o, "\n  pagesets");
		for (cpu = 0; cpu < p->ncpus && cpu < MR_BUDDY_MAX_CPUS; cpu++)
			say(o,
			    "\n    cpu: %i\n              count:    %i"
			    "\n              high:     %i"
			    "\n              batch:    %i"
			    "\n              high_min: %i"
			    "\n              high_max: %i",
			    cpu, (int)c->pcp[z][cpu], (int)c->high[z][cpu],
			    zp->pcp_batch[cpu] ? (int)zp->pcp_batch[cpu] : 1,
			    (int)zp->pcp_high_min, (int)zp->pcp_high_max);
		say(o, "\n  start_pfn:           %lu\n",
		    (unsigned long)zp->start_pfn);
	}
}

size_t mr_buddy_view(const mr_buddy *m, int view, char *buf, size_t len)
{
	mr_buddy_counts c;

	mr_buddy_counts_of(m, &c);
	return mr_buddy_show(&m->n.profile, &c, view, buf, len);
}

size_t mr_buddy_show(const mr_buddy_profile *p, const mr_buddy_counts *c,
		     int view, char *buf, size_t len)
{
	struct out o = {buf, len, 0};

	switch (view) {
	case MR_BUDDY_BUDDYINFO:
		show_buddyinfo(&o, p, c);
		break;
	case MR_BUDDY_PAGETYPEINFO:
		show_pagetypeinfo(&o, p, c);
		break;
	case MR_BUDDY_ZONEINFO:
		show_zoneinfo(&o, p, c);
		break;
	case MR_BUDDY_UNUSABLE:
	case MR_BUDDY_EXTFRAG:
		show_frag(&o, p, c, view == MR_BUDDY_EXTFRAG);
		break;
	default:
		break;
	}
	return done(&o);
}
