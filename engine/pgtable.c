/*
 * pgtable.c - x86-64 four-level page tables (see pgtable.h).
 *
 * Mirrors Linux 6.18 mm/memory.c: __pte_alloc() and its kin make a table
 * page on the first entry below it; zap_pte_range() clears leaves and
 * keeps tables; free_pgd_range() and its free_pud/pmd/pte_range() free
 * tables with the floor and ceiling rules. The P4D level is folded, as on
 * a 4-level machine.
 */
#include "engine/pgtable.h"

#include <stdlib.h>
#include <string.h>

#define ENTRIES 512
#define PMD_SIZE_ (1ull << 21)
#define PMD_MASK_ (~(PMD_SIZE_ - 1))
#define PUD_SIZE_ (1ull << 30)
#define PUD_MASK_ (~(PUD_SIZE_ - 1))
#define PGDIR_SIZE_ (1ull << 39)
#define PGDIR_MASK_ (~(PGDIR_SIZE_ - 1))

struct table {
	uint64_t e[ENTRIES];  /* the entries, in the kernel's layout */
	struct table **child; /* the tables below (not at PTE level) */
	uint64_t pfn;	      /* this table page's frame */
	unsigned used;	      /* non-zero entries */
};

struct mr_pgtable {
	struct table *pgd;	  /* the top level */
	size_t ntables[4];	  /* table pages per level */
	mr_pt_frame_fn frame;	  /* frame of a new table */
	mr_pt_release_fn release; /* a table page freed */
	void *ctx;		  /* for frame and release */
	uint64_t next_pfn;	  /* frames numbered when no FRAME */
};

static unsigned shift_of(int level)
{
	return 39u - 9u * (unsigned)level;
}

static unsigned index_of(uint64_t addr, int level)
{
	return (unsigned)(addr >> shift_of(level)) & (ENTRIES - 1);
}

/* A huge leaf (present, or a PROT_NONE one); table entries never have
 * PSE. */
static int is_huge(uint64_t e)
{
	return (e & MR_PTE_PSE) != 0;
}

static struct table *table_new(mr_pgtable *pt, int level)
{
	struct table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (level < MR_PT_PTE) {
		t->child = calloc(ENTRIES, sizeof(*t->child));
		if (!t->child) {
			free(t);
			return NULL;
		}
	}
	t->pfn = pt->frame ? pt->frame(pt->ctx) : ++pt->next_pfn;
	pt->ntables[level]++;
	return t;
}

/* Free table T of LEVEL and everything below it. */
static void table_drop(mr_pgtable *pt, struct table *t, int level, int tell)
{
	unsigned i;

	if (!t)
		return;
	if (t->child)
		for (i = 0; i < ENTRIES; i++)
			table_drop(pt, t->child[i], level + 1, tell);
	if (tell && pt->release)
		pt->release(pt->ctx, t->pfn);
	pt->ntables[level]--;
	free(t->child);
	free(t);
}

int mr_pgtable_new(mr_pgtable **out, mr_pt_frame_fn frame,
		   mr_pt_release_fn release, void *ctx)
{
	mr_pgtable *pt = calloc(1, sizeof(*pt));

	*out = NULL;
	if (!pt)
		return -1;
	pt->frame = frame;
	pt->release = release;
	pt->ctx = ctx;
	pt->pgd = table_new(pt, MR_PT_PGD);
	if (!pt->pgd) {
		free(pt);
		return -1;
	}
	*out = pt;
	return 0;
}

void mr_pgtable_free(mr_pgtable *pt)
{
	if (!pt)
		return;
	table_drop(pt, pt->pgd, MR_PT_PGD, 1);
	free(pt);
}

/* Entry I of T (at LEVEL) now points at the new table C. */
static void link_child(struct table *t, unsigned i, struct table *c)
{
	if (!t->e[i])
		t->used++;
	t->child[i] = c;
	t->e[i] = (c->pfn << 12) | MR_PTE_TABLE;
}

/* Clear entry I of T, dropping the table below it (if any). */
static void clear_entry(mr_pgtable *pt, struct table *t, unsigned i, int level,
			int tell)
{
	if (!t->e[i])
		return;
	if (t->child && t->child[i]) {
		table_drop(pt, t->child[i], level + 1, tell);
		t->child[i] = NULL;
	}
	t->e[i] = 0;
	t->used--;
}

/*
 * The table at LEVEL on the walk to ADDR, made on the way when MAKE
 * (a huge PMD leaf in the way is replaced); NULL when absent (or out of
 * memory with MAKE).
 */
static struct table *walk(mr_pgtable *pt, uint64_t addr, int level, int make)
{
	struct table *t = pt->pgd;
	int l;

	for (l = MR_PT_PGD; l < level; l++) {
		unsigned i = index_of(addr, l);
		struct table *c = t->child[i];

		if (!c) {
			if (!make)
				return NULL;
			if (t->e[i]) /* a huge leaf: an empty table instead */
				clear_entry(pt, t, i, l, 1);
			c = table_new(pt, l + 1);
			if (!c)
				return NULL;
			link_child(t, i, c);
		}
		t = c;
	}
	return t;
}

int mr_pgtable_set(mr_pgtable *pt, uint64_t addr, uint64_t pte)
{
	struct table *t = walk(pt, addr, MR_PT_PTE, pte != 0);
	unsigned i = index_of(addr, MR_PT_PTE);

	if (!t)
		return pte ? -1 : 0;
	if (!t->e[i] && pte)
		t->used++;
	else if (t->e[i] && !pte)
		t->used--;
	t->e[i] = pte;
	return 0;
}

int mr_pgtable_set_huge(mr_pgtable *pt, uint64_t addr, uint64_t pmd)
{
	struct table *t = walk(pt, addr, MR_PT_PMD, pmd != 0);
	unsigned i = index_of(addr, MR_PT_PMD);

	if (!t)
		return pmd ? -1 : 0;
	clear_entry(pt, t, i, MR_PT_PMD, 1);
	if (pmd) {
		t->e[i] = pmd | MR_PTE_PSE;
		t->used++;
	}
	return 0;
}

uint64_t mr_pgtable_get(const mr_pgtable *pt, uint64_t addr, int *level)
{
	const struct table *t = pt->pgd;
	int l;

	for (l = MR_PT_PGD; l < MR_PT_PTE; l++) {
		unsigned i = index_of(addr, l);

		if (l == MR_PT_PMD && is_huge(t->e[i])) {
			if (level)
				*level = MR_PT_PMD;
			return t->e[i];
		}
		if (!t->child[i])
			return 0;
		t = t->child[i];
	}
	if (level)
		*level = MR_PT_PTE;
	return t->e[index_of(addr, MR_PT_PTE)];
}

uint64_t mr_pgtable_entry(const mr_pgtable *pt, uint64_t addr, int level)
{
	const struct table *t = pt->pgd;
	int l;

	for (l = MR_PT_PGD; l < level; l++) {
		unsigned i = index_of(addr, l);

		if (!t->child || !t->child[i])
			return 0;
		t = t->child[i];
	}
	return t->e[index_of(addr, level)];
}

/* The first present leaf in [*addr, end) under T at LEVEL. */
static int next_in(const struct table *t, int level, uint64_t *addr,
		   uint64_t end, uint64_t *entry, int *lvl)
{
	uint64_t size = 1ull << shift_of(level);
	unsigned i;

	for (i = index_of(*addr, level); i < ENTRIES && *addr < end; i++) {
		uint64_t base = *addr & ~(size - 1);

		if (t->e[i] && level == MR_PT_PTE) {
			*entry = t->e[i];
			*lvl = MR_PT_PTE;
			return 1;
		}
		if (t->e[i] && level == MR_PT_PMD && is_huge(t->e[i])) {
			*entry = t->e[i];
			*lvl = MR_PT_PMD;
			*addr = base;
			return 1;
		}
		if (t->e[i] && t->child && t->child[i] &&
		    next_in(t->child[i], level + 1, addr, end, entry, lvl))
			return 1;
		*addr = base + size;
		if (!*addr) /* wrapped past the top */
			return 0;
	}
	return 0;
}

int mr_pgtable_next(const mr_pgtable *pt, uint64_t *addr, uint64_t end,
		    uint64_t *entry, int *level)
{
	uint64_t a = *addr & ~0xfffull;
	int lvl = MR_PT_PTE;

	if (a >= end || !next_in(pt->pgd, MR_PT_PGD, &a, end, entry, &lvl) ||
	    a >= end)
		return 0;
	*addr = a;
	if (level)
		*level = lvl;
	return 1;
}

/* zap_*_range(): clear the leaves of [start, end) under T at LEVEL. */
static uint64_t clear_in(mr_pgtable *pt, struct table *t, int level,
			 uint64_t start, uint64_t end)
{
	uint64_t size = 1ull << shift_of(level), n = 0, a = start;
	unsigned i;

	for (i = index_of(a, level); i < ENTRIES && a < end; i++) {
		uint64_t base = a & ~(size - 1), next = base + size;

		if (next > end || !next)
			next = end;
		if (t->e[i] && level == MR_PT_PTE) {
			t->e[i] = 0;
			t->used--;
			n++;
		} else if (t->e[i] && level == MR_PT_PMD && is_huge(t->e[i])) {
			if (a == base && next - base == size) {
				t->e[i] = 0;
				t->used--;
				n += size >> 12;
			}
		} else if (t->e[i] && t->child && t->child[i]) {
			n += clear_in(pt, t->child[i], level + 1, a, next);
		}
		a = next;
	}
	return n;
}

uint64_t mr_pgtable_clear(mr_pgtable *pt, uint64_t start, uint64_t end)
{
	return start < end ? clear_in(pt, pt->pgd, MR_PT_PGD, start, end) : 0;
}

/* The end of the span of size SIZE holding ADDR, or END if sooner. */
static uint64_t span_end(uint64_t addr, uint64_t end, uint64_t size)
{
	uint64_t b = (addr + size) & ~(size - 1);

	return b - 1 < end - 1 ? b : end;
}

/*
 * The floor and ceiling test free_pmd_range() and free_pud_range() end
 * with: the table whose span (MASK) holds START may go only when that
 * span lies at or above FLOOR and, clipped to END, below CEILING.
 */
static int span_free(uint64_t start, uint64_t end, uint64_t floor,
		     uint64_t ceiling, uint64_t mask)
{
	start &= mask;
	if (start < floor)
		return 0;
	if (ceiling) {
		ceiling &= mask;
		if (!ceiling)
			return 0;
	}
	return end - 1 <= ceiling - 1;
}

/* free_pmd_range(): the PTE tables of [addr, end) under PUD entry I of
 * PUDT, then the PMD table itself if floor and ceiling allow. */
static void free_pmd_range(mr_pgtable *pt, struct table *pudt, unsigned pi,
			   uint64_t addr, uint64_t end, uint64_t floor,
			   uint64_t ceiling)
{
	struct table *pmdt = pudt->child[pi];
	uint64_t start = addr, next;

	do {
		unsigned i = index_of(addr, MR_PT_PMD);

		next = span_end(addr, end, PMD_SIZE_);
		clear_entry(pt, pmdt, i, MR_PT_PMD, 1); /* free_pte_range() */
		addr = next;
	} while (addr != end);
	if (span_free(start, end, floor, ceiling, PUD_MASK_))
		clear_entry(pt, pudt, pi, MR_PT_PUD, 1);
}

/* free_pud_range() (under the folded P4D): the PMD tables of [addr, end)
 * under PGD entry GI, then the PUD table if floor and ceiling allow. */
static void free_pud_range(mr_pgtable *pt, unsigned gi, uint64_t addr,
			   uint64_t end, uint64_t floor, uint64_t ceiling)
{
	struct table *pudt = pt->pgd->child[gi];
	uint64_t start = addr, next;

	do {
		unsigned i = index_of(addr, MR_PT_PUD);

		next = span_end(addr, end, PUD_SIZE_);
		if (pudt->child[i])
			free_pmd_range(pt, pudt, i, addr, next, floor, ceiling);
		else
			clear_entry(pt, pudt, i, MR_PT_PUD, 1);
		addr = next;
	} while (addr != end);
	if (span_free(start, end, floor, ceiling, PGDIR_MASK_))
		clear_entry(pt, pt->pgd, gi, MR_PT_PGD, 1);
}

void mr_pgtable_free_range(mr_pgtable *pt, uint64_t addr, uint64_t end,
			   uint64_t floor, uint64_t ceiling)
{
	uint64_t next;

	addr &= PMD_MASK_;
	if (addr < floor) {
		addr += PMD_SIZE_;
		if (!addr)
			return;
	}
	if (ceiling) {
		ceiling &= PMD_MASK_;
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		end -= PMD_SIZE_;
	if (addr > end - 1)
		return;
	do {
		unsigned i = index_of(addr, MR_PT_PGD);

		next = span_end(addr, end, PGDIR_SIZE_);
		if (pt->pgd->child[i])
			free_pud_range(pt, i, addr, next, floor, ceiling);
		addr = next;
	} while (addr != end);
}

size_t mr_pgtable_tables(const mr_pgtable *pt, int level)
{
	return level > MR_PT_PGD && level <= MR_PT_PTE ? pt->ntables[level] : 0;
}

uint64_t mr_pgtable_bytes(const mr_pgtable *pt)
{
	return (uint64_t)(pt->ntables[MR_PT_PUD] + pt->ntables[MR_PT_PMD] +
			  pt->ntables[MR_PT_PTE])
	       << 12;
}

/* The first table at LEVEL under T (at level TL, covering from BASE)
 * whose span starts at or after *ADDR. */
static int next_table_in(const struct table *t, int tl, uint64_t base,
			 int level, uint64_t *addr)
{
	uint64_t size = 1ull << shift_of(tl);
	unsigned i;

	for (i = 0; i < ENTRIES; i++) {
		uint64_t a = base + (uint64_t)i * size;

		if (a + size <= *addr || !t->e[i] || is_huge(t->e[i]) ||
		    !t->child || !t->child[i])
			continue;
		if (tl + 1 == level) {
			if (a < *addr)
				continue;
			*addr = a;
			return 1;
		}
		if (next_table_in(t->child[i], tl + 1, a, level, addr))
			return 1;
	}
	return 0;
}

int mr_pgtable_next_table(const mr_pgtable *pt, int level, uint64_t *addr)
{
	if (level <= MR_PT_PGD || level > MR_PT_PTE)
		return 0;
	return next_table_in(pt->pgd, MR_PT_PGD, 0, level, addr);
}

size_t mr_pgtable_free_empty_ptes(mr_pgtable *pt, uint64_t start, uint64_t end)
{
	uint64_t a;
	size_t n = 0;

	for (a = (start + PMD_SIZE_ - 1) & PMD_MASK_;
	     a + PMD_SIZE_ <= end && a + PMD_SIZE_ > a; a += PMD_SIZE_) {
		struct table *pmdt = walk(pt, a, MR_PT_PMD, 0);
		unsigned i = index_of(a, MR_PT_PMD);

		if (pmdt && pmdt->child && pmdt->child[i] &&
		    !pmdt->child[i]->used) {
			clear_entry(pt, pmdt, i, MR_PT_PMD, 1);
			n++;
		}
	}
	return n;
}

int mr_pgtable_make(mr_pgtable *pt, uint64_t addr)
{
	return walk(pt, addr, MR_PT_PTE, 1) ? 0 : -1;
}

int mr_pgtable_move_table(mr_pgtable *pt, int level, uint64_t from,
			  uint64_t to)
{
	struct table *src, *dst, *c;
	unsigned si, di;

	if (level != MR_PT_PTE && level != MR_PT_PMD)
		return 1;
	si = index_of(from, level - 1);
	di = index_of(to, level - 1);
	src = walk(pt, from, level - 1, 0);
	if (!src || !src->child[si])
		return 1;
	dst = walk(pt, to, level - 1, 0);
	if (dst && dst->e[di])
		return 1;
	if (!dst && !(dst = walk(pt, to, level - 1, 1)))
		return -1;
	/* making DST's tables may not move SRC's table: it is below an
	 * entry that was already set */
	c = src->child[si];
	src->child[si] = NULL;
	src->e[si] = 0;
	src->used--;
	link_child(dst, di, c);
	return 0;
}
