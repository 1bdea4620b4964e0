/*
 * phys.c - the pages behind an address space: page tables, the pages
 * they map and the RSS counters, driven by the faults the kernel took.
 *
 * Every mm has its x86-64 page tables (pgtable.c). A fault maps pages as
 * mm/memory.c does:
 *
 *   private anonymous  read: the shared zero page, read-only, no RSS;
 *                      write: a new zeroed page (RssAnon), or, over the
 *                      zero page, a copy; over an anonymous page after
 *                      fork, the page itself when this PTE is its only
 *                      mapper (wp_page_reuse), else a copy;
 *                      THP: with the policy, a VMA covering the aligned
 *                      2 MiB and no PTE table there yet, a 512-page folio
 *                      (RssAnon + 512) or the huge zero page, one PMD;
 *   private file       read: the page-cache page plus fault-around;
 *                      write: a private copy (RssAnon; the file page's
 *                      PTE, if present, is replaced: RssFile - 1);
 *   shared file, shmem read: fault-around then the page; write: the page,
 *                      writable and dirty; RssShmem for shmem-backed
 *                      pages (shared anonymous memory, SysV shm, tmpfs
 *                      and memfd files), RssFile otherwise;
 *   the vdso           its pages, RssFile; vvar, PFN maps: no RSS.
 *
 * Fault-around (do_fault_around(), fault_around_bytes 64 KiB) maps, for
 * a read fault of a file or shmem VMA, the pages of the 64 KiB-aligned
 * window, clipped to the VMA and the PTE table, that are in the page
 * cache and not mapped yet. Which file pages are cached no trace shows:
 * the capture's filemap:mm_filemap_map_pages events say what the kernel
 * looked at, and without them every file page is taken as cached. Shmem
 * pages are the model's own, so their window is exact.
 *
 * Zapping (munmap, MADV_DONTNEED, exit) clears PTEs, drops the counters
 * and the pages' map counts; free_pgtables() then frees the tables whose
 * whole span lies between the VMAs left. fork copies the PTEs of VMAs
 * that have an anon_vma (copy_page_range()), write-protecting private
 * writable ones on both sides. mremap moves PTEs with the VMA.
 *
 * Frames are the model's: numbered in allocation order from
 * MR_FIRST_PFN (the buddy allocator will give them later). The zero page
 * and the huge zero page have fixed frames.
 *
 * Mirrors Linux 6.18 mm/memory.c (do_anonymous_page, do_read_fault,
 * do_cow_fault, do_shared_fault, do_wp_page, do_fault_around,
 * copy_page_range, zap_pte_range, free_pgtables), mm/huge_memory.c
 * (do_huge_pmd_anonymous_page, __split_huge_pmd) and mm/filemap.c
 * (filemap_map_pages).
 */
#include "engine/buddy.h"
#include "engine/engine_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pgtable.h"

#define PF_WRITE 0x2

#define NR_PMD_PAGES 512u
#define PUD_SIZE_ (1ull << 30) /* a PMD table's span */
#define FAULT_AROUND_PAGES 16u
#define PTE_SPECIAL MR_PTE_SPECIAL

/* ---- a map of u64 to u64 (open addressing, linear probing) ---- */

static uint64_t *slot_find(const struct mr_u64map *h, uint64_t k)
{
	size_t i;

	if (!h->cap)
		return NULL;
	for (i = mr_hash64(k) & (h->cap - 1); h->k[i];
	     i = (i + 1) & (h->cap - 1))
		if (h->k[i] == k)
			return &h->v[i];
	return NULL;
}

static int map_grow(struct mr_u64map *h)
{
	size_t cap = h->cap ? h->cap * 2 : 1024, i, j;
	uint64_t *k = calloc(cap, sizeof(*k)), *v = calloc(cap, sizeof(*v));

	if (!k || !v) {
		free(k);
		free(v);
		return -1;
	}
	for (i = 0; i < h->cap; i++) {
		if (!h->k[i])
			continue;
		for (j = mr_hash64(h->k[i]) & (cap - 1); k[j];
		     j = (j + 1) & (cap - 1))
			;
		k[j] = h->k[i];
		v[j] = h->v[i];
	}
	free(h->k);
	free(h->v);
	h->k = k;
	h->v = v;
	h->cap = cap;
	return 0;
}

/* Set K (never 0) to V. 0, or -1 when out of memory. */
static int map_put(struct mr_u64map *h, uint64_t k, uint64_t v)
{
	uint64_t *s = slot_find(h, k);
	size_t i;

	if (s) {
		*s = v;
		return 0;
	}
	if ((h->n + 1) * 4 > h->cap * 3 && map_grow(h) < 0)
		return -1;
	for (i = mr_hash64(k) & (h->cap - 1); h->k[i];
	     i = (i + 1) & (h->cap - 1))
		;
	h->k[i] = k;
	h->v[i] = v;
	h->n++;
	return 0;
}

/* Remove K (backward-shift deletion keeps probes unbroken). */
static void map_del(struct mr_u64map *h, uint64_t k)
{
	size_t i, j, home;

	if (!h->cap)
		return;
	for (i = mr_hash64(k) & (h->cap - 1); h->k[i] && h->k[i] != k;
	     i = (i + 1) & (h->cap - 1))
		;
	if (!h->k[i])
		return;
	h->k[i] = 0;
	h->n--;
	for (j = (i + 1) & (h->cap - 1); h->k[j]; j = (j + 1) & (h->cap - 1)) {
		home = mr_hash64(h->k[j]) & (h->cap - 1);
		/* move j back to i unless its home lies in (i, j] */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && home <= i && home > j)) {
			h->k[i] = h->k[j];
			h->v[i] = h->v[j];
			h->k[j] = 0;
			i = j;
		}
	}
}

uint64_t *mr_u64map_find(const struct mr_u64map *h, uint64_t k)
{
	return slot_find(h, k);
}

int mr_u64map_put(struct mr_u64map *h, uint64_t k, uint64_t v)
{
	return map_put(h, k, v);
}

void mr_u64map_del(struct mr_u64map *h, uint64_t k)
{
	map_del(h, k);
}

void mr_u64map_free(struct mr_u64map *h)
{
	free(h->k);
	free(h->v);
	memset(h, 0, sizeof(*h));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Room for one more in *V: 0, or -1 when out of memory. */
static int grow_u64(uint64_t **v, size_t *n, size_t *cap)
{
	uint64_t *g;

	if (*n < *cap)
		return 0;
	g = realloc(*v, (*cap ? *cap * 2 : 16) * sizeof(*g));
	if (!g)
		return -1;
	*v = g;
	*cap = *cap ? *cap * 2 : 16;
	return 0;
}

/* ---- frames ---- */

/* A page's record: its kind, flags and map count (mapcount in the low
 * 32 bits). */
#define PG_KIND_SHIFT 32
#define PG_COUNT(v) ((uint32_t)(v))
#define PG_KIND(v) ((int)((v) >> PG_KIND_SHIFT) & 0xff)
#define PG_MAKE(kind, count) ((uint64_t)(kind) << PG_KIND_SHIFT | (count))
#define PG_WITH_COUNT(v, count) (((v) & ~0xffffffffull) | (uint32_t)(count))
/* an anonymous folio MADV_FREE made lazy-free (PG_swapbacked cleared):
 * reclaim discards it while its PTE stays clean */
#define PG_LAZYFREE (1ull << 40)
/* a page of an order-9 anonymous folio mapped by PTEs (its PMD split,
 * the folio not): the folio is PFN & ~511 */
#define PG_LARGE (1ull << 41)
/* the head of an order-9 anonymous folio mapped by huge PMDs only */
#define PG_HUGE (1ull << 42)

/* A new table page: the deposited one a split hands over, else a new
 * frame. */
static uint64_t table_frame(void *ctx)
{
	mr_machine *m = ctx;
	uint64_t pfn = m->table_reuse;

	if (pfn) {
		m->table_reuse = 0;
		return pfn;
	}
	m->tables_allocated++;
	return mr_frame_alloc(m, 0, MR_OWN_PGTABLE);
}

static void table_release(void *ctx, uint64_t pfn)
{
	mr_frame_free(ctx, pfn, 0);
}

static void folio_gone(mr_machine *m, uint64_t pfn);

static int page_kind(const mr_machine *m, uint64_t pfn)
{
	const uint64_t *s = slot_find(&m->pages, pfn);

	return s ? PG_KIND(*s) : MR_PG_NONE;
}

static uint32_t page_mapcount(const mr_machine *m, uint64_t pfn)
{
	const uint64_t *s = slot_find(&m->pages, pfn);

	return s ? PG_COUNT(*s) : 0;
}

/* One more PTE (or PMD) maps PFN. */
static void page_get(mr_machine *m, uint64_t pfn, int kind)
{
	uint64_t *s = slot_find(&m->pages, pfn);

	if (s)
		*s = PG_WITH_COUNT(*s, PG_COUNT(*s) + 1);
	else if (map_put(&m->pages, pfn, PG_MAKE(kind, 1)) < 0)
		m->phys_oom = 1;
}

/* One PTE (or PMD) less maps PFN: an anonymous page no PTE maps is
 * freed (a huge folio whole; a page of a PTE-mapped one when the folio
 * has none left); page-cache pages stay cached. */
static void page_put(mr_machine *m, uint64_t pfn)
{
	uint64_t *s = slot_find(&m->pages, pfn), v;

	if (!s)
		return;
	if (PG_COUNT(*s) > 1 || PG_KIND(*s) != MR_PG_ANON) {
		*s = PG_WITH_COUNT(*s, PG_COUNT(*s) ? PG_COUNT(*s) - 1 : 0);
		return;
	}
	v = *s;
	map_del(&m->pages, pfn);
	if (v & PG_LARGE)
		folio_gone(m, pfn);
	else
		mr_frame_free(m, pfn, (v & PG_HUGE) ? MR_PAGEBLOCK_ORDER : 0);
}

/* A page of the PTE-mapped folio of PFN is no longer held: the folio is
 * freed with its last one. */
static void folio_gone(mr_machine *m, uint64_t pfn)
{
	uint64_t head = pfn & ~(uint64_t)(NR_PMD_PAGES - 1);
	uint64_t *n = slot_find(&m->folios, head);

	if (!n)
		return;
	if (*n > 1) {
		(*n)--;
		return;
	}
	map_del(&m->folios, head);
	mr_frame_free(m, head, MR_PAGEBLOCK_ORDER);
}

/* The page-cache key of page INDEX of object OBJ (a file or a shmem
 * object: see cache_obj()). */
static uint64_t cache_key(uint64_t obj, uint64_t index)
{
	return obj << 40 | (index & ((1ull << 40) - 1));
}

/* The cached page, 0 when none; with MAKE, a new one. */
static uint64_t cache_page(mr_machine *m, uint64_t obj, uint64_t index,
			   int kind, int make)
{
	uint64_t key = cache_key(obj, index), pfn;
	const uint64_t *s = slot_find(&m->pcache, key);

	if (s || !make)
		return s ? *s : 0;
	/* shmem pages are new; a file's were cached before the run */
	pfn = kind == MR_PG_SHMEM ? mr_frame_alloc(m, 0, MR_OWN_PAGECACHE)
				  : mr_frame_cached(m);
	if (map_put(&m->pcache, key, pfn) < 0 ||
	    map_put(&m->pages, pfn, PG_MAKE(kind, 0)) < 0) {
		m->phys_oom = 1;
		return 0;
	}
	return pfn;
}

/* ---- what backs a VMA ---- */

/* Whether file F lives in shmem (tmpfs, memfd, SysV shm): its pages
 * count as RssShmem. */
static int file_shmem(const mr_file *f)
{
	if (f->sysv)
		return 1;
	if (f->huge_shift)
		return 0;
	return !strncmp(f->path, "/memfd:", 7) ||
	       !strncmp(f->path, "/dev/shm/", 9) ||
	       (f->dev_major == 0 && f->dev_minor != 0 &&
		strncmp(f->path, "/proc/", 6) && strncmp(f->path, "/sys/", 5));
}

enum backing {
	B_NONE = 0, /* no pages the model tracks (vvar, PFN maps, hugetlb) */
	B_ANON,	    /* private anonymous */
	B_FILE,	    /* a file's page cache */
	B_SHMEM,    /* shmem pages */
	B_SPECIAL,  /* the vdso: its pages count as RssFile */
	B_PFN,	    /* [vvar]: PFNs inserted at fault (vmf_insert_pfn()),
		       no page, no RSS; fork copies them (VM_PFNMAP) */
};

static int backing(const mr_mm *mm, const mr_vma *v)
{
	if (v->kind == MR_VMA_VVAR || v->kind == MR_VMA_VVAR_VCLOCK)
		return B_PFN;
	if (v->flags & (MR_VM_HUGETLB | MR_VM_PFNMAP | MR_VM_IO))
		return B_NONE;
	if (v->kind == MR_VMA_VDSO)
		return B_SPECIAL;
	if (v->kind != MR_VMA_PLAIN && v->kind != MR_VMA_STACK)
		return B_NONE;
	if (v->file) {
		const mr_file *f = mr_machine_file_get(mm->m, v->file);

		/* mmap_zero(): a private mapping of /dev/zero is anonymous
		 * memory (vma_set_anonymous()) */
		if (!(v->flags & MR_VM_MAYSHARE) && !strcmp(f->path, "/dev/zero"))
			return B_ANON;
		return file_shmem(f) ? B_SHMEM : B_FILE;
	}
	if (v->flags & MR_VM_MAYSHARE)
		return B_SHMEM;
	return B_ANON;
}

/* Page-cache objects (24 bits of a cache key): a file (its id, below
 * 2^22), the shmem object of shared anonymous memory (2^22 + its open
 * file description), the vdso. */
#define OBJ_SHMEM (1ull << 22)
#define OBJ_VDSO (1ull << 23)

/* The page-cache object of a file or shmem VMA. */
static uint64_t cache_obj(const mr_vma *v)
{
	return v->file ? (uint64_t)v->file & (OBJ_SHMEM - 1)
		       : OBJ_SHMEM | (v->ofd & (OBJ_SHMEM - 1));
}

static uint64_t vma_index(const mr_vma *v, uint64_t addr)
{
	return v->pgoff + ((addr - v->start) >> MR_PAGE_SHIFT);
}

static int rss_member(int kind)
{
	switch (kind) {
	case MR_PG_ANON:
		return MR_MM_ANON;
	case MR_PG_SHMEM:
		return MR_MM_SHMEM;
	case MR_PG_FILE:
		return MR_MM_FILE;
	default:
		return -1;
	}
}

static void rss_add(mr_mm *mm, int kind, int64_t pages)
{
	int mb = rss_member(kind);

	if (mb < 0)
		return;
	mm->rss[mb] = (uint64_t)((int64_t)mm->rss[mb] + pages);
}

static void touched(mr_mm *mm, uint64_t start, uint64_t end);

/* ---- PTE values ---- */

static uint64_t pte_bits(const mr_vma *v, int writable, int dirty)
{
	uint64_t e = MR_PTE_PRESENT | MR_PTE_USER | MR_PTE_ACCESSED;

	if (writable)
		e |= MR_PTE_RW;
	if (dirty)
		e |= MR_PTE_DIRTY | MR_PTE_SOFT_DIRTY;
	if (!(v->flags & MR_VM_EXEC))
		e |= MR_PTE_NX;
	return e;
}

static uint64_t pte_pfn(uint64_t e)
{
	return (e & MR_PTE_PFN_MASK) >> MR_PAGE_SHIFT;
}

static mr_pgtable *tables(mr_mm *mm)
{
	if (!mm->pt &&
	    mr_pgtable_new(&mm->pt, table_frame, table_release, mm->m) < 0)
		mm->m->phys_oom = 1;
	return mm->pt;
}

/* mm_init(): pgd_alloc() at the address space's creation (a page table
 * page with the same gfp flags as the others on this kernel). */
void mr_phys_mm_init(mr_mm *mm)
{
	if (mm->m->cfg.phys)
		tables(mm);
}

/* Map PFN (of KIND) at ADDR with PTE bits BITS. */
static void map_page(mr_mm *mm, uint64_t addr, uint64_t pfn, int kind,
		     uint64_t bits)
{
	mr_pgtable *pt = tables(mm);

	if (!pt || mr_pgtable_set(pt, addr, pfn << MR_PAGE_SHIFT | bits) < 0) {
		mm->m->phys_oom = 1;
		return;
	}
	if (kind != MR_PG_ZERO)
		page_get(mm->m, pfn, kind);
	rss_add(mm, kind, 1);
	touched(mm, addr, addr + MR_PAGE_SIZE);
}

/* Clear the PTE at ADDR mapping E. */
static void unmap_page(mr_mm *mm, uint64_t addr, uint64_t e)
{
	uint64_t pfn = pte_pfn(e);
	int kind = (e & PTE_SPECIAL) ? MR_PG_ZERO : page_kind(mm->m, pfn);

	mr_pgtable_set(mm->pt, addr, 0);
	if (kind != MR_PG_ZERO)
		page_put(mm->m, pfn);
	rss_add(mm, kind, -1);
}

/* A new anonymous page at ADDR, writable and dirty: ZEROED for a fresh
 * one (vma_alloc_zeroed_movable_folio()), not for a copy. */
static void new_anon(mr_mm *mm, const mr_vma *v, uint64_t addr, int zeroed)
{
	if (zeroed)
		mm->m->user_allocated[0]++;
	map_page(mm, addr, mr_frame_alloc(mm->m, 0, MR_OWN_ANON), MR_PG_ANON,
		 pte_bits(v, 1, 1));
}

/* ---- huge PMDs ---- */

static int pmd_huge_at(const mr_mm *mm, uint64_t addr, uint64_t *pmd)
{
	int level = 0;
	uint64_t e;

	if (!mm->pt)
		return 0;
	e = mr_pgtable_get(mm->pt, addr, &level);
	if (!e || level != MR_PT_PMD)
		return 0;
	if (pmd)
		*pmd = e;
	return 1;
}

/*
 * __split_huge_pmd(): the huge PMD covering ADDR becomes a PTE table
 * (the deposited one) mapping the same 512 pages (the huge zero page
 * becomes 512 zero-page PTEs).
 */
void mr_phys_split_pmd(mr_mm *mm, uint64_t addr)
{
	uint64_t pmd, haddr = addr & ~(MR_PMD_SIZE - 1), pfn, bits, i;
	int zero, failed = 0;

	if (!pmd_huge_at(mm, addr, &pmd))
		return;
	pfn = pte_pfn(pmd);
	zero = (pmd & PTE_SPECIAL) != 0;
	bits = (pmd & ~MR_PTE_PFN_MASK) & ~MR_PTE_PSE;
	/* the deposited table becomes the PTE table: no page allocated */
	mm->m->table_reuse = mr_deposit_take(mm, haddr);
	mr_pgtable_set_huge(mm->pt, haddr, 0);
	for (i = 0; i < NR_PMD_PAGES; i++) {
		uint64_t a = haddr + (i << MR_PAGE_SHIFT);

		if (mr_pgtable_set(mm->pt, a,
				   zero ? MR_ZERO_PFN << MR_PAGE_SHIFT | bits
					: (pfn + i) << MR_PAGE_SHIFT | bits) <
		    0) {
			mm->m->phys_oom = 1;
			failed = 1;
			break;
		}
		/* the folio's pages are mapped one by one now */
		if (!zero && i)
			page_get(mm->m, pfn + i, MR_PG_ANON);
	}
	if (mm->m->table_reuse) { /* no table was needed after all */
		mr_frame_free(mm->m, mm->m->table_reuse, 0);
		mm->m->table_reuse = 0;
	}
	if (zero || failed)
		return;
	mm->thp_pages -= NR_PMD_PAGES;
	/* the folio stays one (split_huge_pmd() does not split it): its
	 * pages carry its lazy-free state, and it is freed when none of
	 * them is held any more */
	{
		uint64_t *h = slot_find(&mm->m->pages, pfn);
		uint64_t flags = PG_LARGE | (h ? *h & PG_LAZYFREE : 0), n = 0;

		if (h)
			*h &= ~PG_HUGE;
		for (i = 0; i < NR_PMD_PAGES; i++) {
			uint64_t *s = slot_find(&mm->m->pages, pfn + i);

			if (s) {
				*s |= flags;
				n++;
			}
		}
		/* the pages of it held now: a second split (another mm's
		 * PMD) brings back pages the first mapping had dropped */
		if (map_put(&mm->m->folios, pfn, n) < 0)
			mm->m->phys_oom = 1;
	}
}

/* A huge anonymous folio (or the huge zero page) for the PMD at HADDR,
 * with a new deposited table unless the PMD keeps its own (REUSE). */
static void map_huge(mr_mm *mm, const mr_vma *v, uint64_t haddr, int write,
		     int reuse)
{
	mr_pgtable *pt = tables(mm);
	uint64_t pfn, e;

	if (!pt)
		return;
	if (write) {
		mm->m->user_allocated[1]++;
		pfn = mr_frame_alloc(mm->m, MR_PAGEBLOCK_ORDER, MR_OWN_ANON);
		e = pfn << MR_PAGE_SHIFT | pte_bits(v, 1, 1) | MR_PTE_PSE;
	} else {
		pfn = MR_HUGE_ZERO_PFN;
		e = pfn << MR_PAGE_SHIFT | pte_bits(v, 0, 0) | MR_PTE_PSE |
		    PTE_SPECIAL;
	}
	if (mr_pgtable_set_huge(pt, haddr, e) < 0) {
		mm->m->phys_oom = 1;
		return;
	}
	if (!reuse)
		mr_deposit_new(mm, haddr); /* pgtable_trans_huge_deposit() */
	touched(mm, haddr, haddr + MR_PMD_SIZE);
	if (write) {
		uint64_t *s;

		page_get(mm->m, pfn, MR_PG_ANON);
		s = slot_find(&mm->m->pages, pfn);
		if (s)
			*s |= PG_HUGE;
		rss_add(mm, MR_PG_ANON, NR_PMD_PAGES);
		mm->thp_pages += NR_PMD_PAGES;
	}
}

/* Whether THP serves a fault at ADDR of anonymous VMA V with a PMD. */
static int thp_fault_ok(const mr_mm *mm, const mr_vma *v, uint64_t addr)
{
	uint64_t haddr = addr & ~(MR_PMD_SIZE - 1);

	if (!mr_thp_pmd_ok(mm, v, addr))
		return 0;
	/* pmd_none(): no PTE table (and no huge PMD) there yet */
	return !mm->pt || !mr_pgtable_entry(mm->pt, haddr, MR_PT_PMD);
}

/* The counters, VmPTE or VmHWM moved since last reported: the digest
 * and the history learn it (one report per operation, not per page). */
static void report(mr_mm *mm)
{
	uint64_t now[MR_MM__COUNT + 2];

	memcpy(now, mm->rss, sizeof(mm->rss));
	now[MR_MM__COUNT] = mr_mm_pte_bytes(mm);
	now[MR_MM__COUNT + 1] = mr_mm_hiwater_rss(mm);
	if (!memcmp(now, mm->rep, sizeof(now)))
		return;
	memcpy(mm->rep, now, sizeof(now));
	mr_mm_rehash(mm);
}

/* ---- faults ---- */

/* Whether CAND[0..N) holds A. */
static int holds(const uint64_t *cand, size_t n, uint64_t a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (cand[i] == a)
			return 1;
	return 0;
}

/*
 * Large page-cache folios: filemap_map_pages() maps a large folio whole
 * when it lies inside the VMA and the PTE table, past the 64 KiB window.
 * Folio sizes are the page cache's, which no trace shows: the kernel's
 * counter says how many pages the fault mapped (WANT), and the folio is
 * the smallest naturally aligned block of the file around the faulting
 * page whose unmapped pages, with the window's, make that many. Returns
 * the new count of CAND (up to 512).
 */
static size_t folio_extend(mr_mm *mm, const mr_vma *v, uint64_t addr,
			   uint64_t *cand, size_t nc, uint64_t want)
{
	uint64_t idx = vma_index(v, addr), pmd = addr & ~(MR_PMD_SIZE - 1);
	uint64_t best[NR_PMD_PAGES];
	size_t nb = 0;
	unsigned order;

	for (order = 5; order <= 9; order++) {
		uint64_t n = 1ull << order, first = idx & ~(n - 1), i;
		uint64_t a0 = addr - ((idx - first) << MR_PAGE_SHIFT);
		uint64_t tmp[NR_PMD_PAGES];
		size_t nt = nc;

		if (a0 < v->start || a0 + (n << MR_PAGE_SHIFT) > v->end ||
		    a0 < pmd || a0 + (n << MR_PAGE_SHIFT) > pmd + MR_PMD_SIZE)
			break;
		memcpy(tmp, cand, nc * sizeof(*cand));
		for (i = 0; i < n; i++) {
			uint64_t a = a0 + (i << MR_PAGE_SHIFT);

			if ((mm->pt && mr_pgtable_get(mm->pt, a, NULL)) ||
			    holds(tmp, nt, a))
				continue;
			tmp[nt++] = a;
		}
		if (nt > want)
			break;
		memcpy(best, tmp, nt * sizeof(*tmp));
		nb = nt;
		if (nt == want)
			break;
	}
	if (nb > nc)
		memcpy(cand, best, nb * sizeof(*best));
	return nb > nc ? nb : nc;
}

/*
 * The kernel's counters say a fault-around mapped more pages than the
 * model's window [FROM, TO) (PTE indexes of the table at BASE) has
 * unmapped: an earlier fault-around here left out other pages than the
 * kernel's (which cached pages were missing no event shows), and the
 * kernel's holes in this window are mapped now while the model's, next
 * to it, stay empty. The model maps its own nearest holes instead: the
 * unmapped pages of V after the window, then before it, within the PTE
 * table and 16 pages, until CAND holds WANT.
 */
static size_t left_out(mr_mm *mm, const mr_vma *v, uint64_t from,
		       uint64_t to, uint64_t base, uint64_t *cand, size_t nc,
		       uint64_t want)
{
	uint64_t i;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < FAULT_AROUND_PAGES && nc < want &&
			    nc < NR_PMD_PAGES;
		     i++) {
			uint64_t pte = pass ? from - 1 - i : to + i, a;

			if ((pass && i >= from) || pte >= NR_PMD_PAGES)
				break;
			a = base + (pte << MR_PAGE_SHIFT);
			if (a < v->start || a >= v->end)
				break;
			if (!(mm->pt && mr_pgtable_get(mm->pt, a, NULL)) &&
			    !holds(cand, nc, a))
				cand[nc++] = a;
		}
	return nc;
}

/*
 * The pages fault-around maps for a read fault at ADDR of V (file or
 * shmem): the window do_fault_around() computes, then, as
 * filemap_map_pages() does, every page in it that is cached and not
 * mapped. H (may be NULL) holds what the kernel's events said.
 */
static void fault_around(mr_mm *mm, const mr_vma *v, uint64_t addr, int b,
			 const mr_fault_hint *h)
{
	uint64_t pte_off = (addr >> MR_PAGE_SHIFT) & 511;
	uint64_t vma_off = (addr - v->start) >> MR_PAGE_SHIFT;
	uint64_t from, to, i, obj = cache_obj(v);
	uint64_t cand[NR_PMD_PAGES], keep = NR_PMD_PAGES;
	int kind = b == B_SHMEM ? MR_PG_SHMEM : MR_PG_FILE, own = 0;
	size_t nc = 0, c, k;
	const mr_file *f = v->file ? mr_machine_file_get(mm->m, v->file) : NULL;
	uint64_t fsize = f && !(h && h->known) ? f->size : 0;

	from = pte_off & ~(uint64_t)(FAULT_AROUND_PAGES - 1);
	if (pte_off - (pte_off < vma_off ? pte_off : vma_off) > from)
		from = pte_off - (pte_off < vma_off ? pte_off : vma_off);
	to = from + FAULT_AROUND_PAGES;
	if (to > 512)
		to = 512;
	if (to > pte_off + mr_vma_pages(v) - vma_off)
		to = pte_off + mr_vma_pages(v) - vma_off;

	for (i = from; i < to; i++) {
		uint64_t a = addr + ((i - pte_off) << MR_PAGE_SHIFT);
		uint64_t idx = vma_index(v, a);

		if (mm->pt && mr_pgtable_get(mm->pt, a, NULL))
			continue;
		/* filemap_map_pages() stops at the end of the file (its size
		 * from a stat in the trace; the faulting page itself is
		 * there, or the access would be SIGBUS) */
		if (b == B_FILE && fsize &&
		    idx >= (fsize + MR_PAGE_SIZE - 1) >> MR_PAGE_SHIFT &&
		    a != addr)
			continue;
		if (h && h->known && b == B_FILE) {
			/* the ranges filemap_map_pages() walked */
			for (k = 0; k < h->nmap; k++)
				if (idx >= h->map[k][0] && idx <= h->map[k][1])
					break;
			if (k == h->nmap)
				continue;
		} else if (b == B_SHMEM &&
			   !cache_page(mm->m, obj, idx, kind, 0)) {
			continue;
		}
		own |= a == addr;
		cand[nc++] = a;
	}
	if (h && h->pages > 0 && (uint64_t)h->pages > nc + !own)
		nc = folio_extend(mm, v, addr, cand, nc,
				  (uint64_t)h->pages - !own);
	if (h && h->pages > 0 && (uint64_t)h->pages > nc + !own)
		nc = left_out(mm, v, from, to, addr - (pte_off << MR_PAGE_SHIFT),
			      cand, nc, (uint64_t)h->pages - !own);
	/* the kernel's counters say how many it found cached (the
	 * faulting page is mapped anyway): leave out first the pages
	 * faulted on later while not present, then the window's last */
	if (h && h->pages >= 0)
		keep = (uint64_t)h->pages > (uint64_t)!own
			       ? (uint64_t)h->pages - (uint64_t)!own
			       : (uint64_t)own;
	for (k = 0; h && k < h->nlater && nc > keep; k++)
		for (c = 0; c < nc; c++)
			if (cand[c] == h->later[k] && cand[c] != addr) {
				memmove(&cand[c], &cand[c + 1],
					(nc - c - 1) * sizeof(cand[0]));
				nc--;
				break;
			}
	/* then the window's last, keeping those a later protection fault
	 * found mapped while others are left */
	for (c = nc; c-- > 0 && nc > keep;)
		if (cand[c] != addr && !(h && holds(h->kept, h->nkept, cand[c]))) {
			memmove(&cand[c], &cand[c + 1],
				(nc - c - 1) * sizeof(cand[0]));
			nc--;
		}
	for (c = nc; c-- > 0 && nc > keep;)
		if (cand[c] != addr) {
			memmove(&cand[c], &cand[c + 1],
				(nc - c - 1) * sizeof(cand[0]));
			nc--;
		}
	for (c = 0; c < nc; c++) {
		uint64_t a = cand[c], idx = vma_index(v, a), pfn;

		pfn = cache_page(mm->m, obj, idx, kind, 1);
		if (!pfn)
			continue;
		map_page(mm, a, pfn, kind,
			 pte_bits(v,
				  (v->flags & (MR_VM_SHARED | MR_VM_WRITE)) ==
						  (MR_VM_SHARED | MR_VM_WRITE) &&
					  b == B_SHMEM,
				  0));
	}
}

/* A fault at ADDR of V the VMA allows: map what the kernel maps. */
static void fault_pages(mr_mm *mm, const mr_vma *v, uint64_t addr,
			unsigned code, const mr_fault_hint *h)
{
	int write = (code & PF_WRITE) != 0, b = backing(mm, v), level = 0;
	uint64_t page = addr & MR_PAGE_MASK, e = 0, pfn;
	int kind;

	if (!mm->m->cfg.phys || b == B_NONE)
		return;
	if (mm->pt)
		e = mr_pgtable_get(mm->pt, page, &level);
	/* a fault that would need a new anonymous page the kernel did not
	 * allocate was cut short (and retried): it maps nothing */
	if (h && h->no_alloc && write &&
	    (b == B_ANON || !(v->flags & MR_VM_SHARED)) &&
	    (!e || (e & PTE_SPECIAL) ||
	     (!(e & MR_PTE_RW) &&
	      !(page_kind(mm->m, pte_pfn(e)) == MR_PG_ANON &&
		page_mapcount(mm->m, pte_pfn(e)) == 1))))
		return;
	if (e && level == MR_PT_PMD) {
		if (!write || (e & MR_PTE_RW))
			return; /* spurious */
		if (e & PTE_SPECIAL) {
			/* write to the huge zero page: a new folio in its
			 * place, the deposited table kept
			 * (do_huge_zero_wp_pmd()) */
			map_huge(mm, v, page & ~(MR_PMD_SIZE - 1), 1, 1);
			return;
		}
		/* a shared THP after fork: split, then a PTE fault */
		mr_phys_split_pmd(mm, page);
		e = mr_pgtable_get(mm->pt, page, &level);
	}
	if (!e) {
		if (b == B_ANON) {
			if (thp_fault_ok(mm, v, page)) {
				map_huge(mm, v, page & ~(MR_PMD_SIZE - 1),
					 write, 0);
				return;
			}
			if (write)
				new_anon(mm, v, page, 1);
			else
				map_page(mm, page, MR_ZERO_PFN, MR_PG_ZERO,
					 pte_bits(v, 0, 0) | PTE_SPECIAL);
			return;
		}
		if (b == B_PFN) {
			if (!tables(mm))
				return;
			mr_pgtable_set(mm->pt, page,
				       (MR_VVAR_PFN + vma_index(v, page) % 64)
						       << MR_PAGE_SHIFT |
					       pte_bits(v, 0, 0) | PTE_SPECIAL);
			return;
		}
		if (b == B_SPECIAL) {
			/* the vdso's pages are the kernel's, the same in
			 * every process */
			pfn = cache_page(mm->m, OBJ_VDSO, vma_index(v, page),
					 MR_PG_FILE, 1);
			map_page(mm, page, pfn, MR_PG_FILE, pte_bits(v, 0, 0));
			return;
		}
		kind = b == B_SHMEM ? MR_PG_SHMEM : MR_PG_FILE;
		if (write && !(v->flags & MR_VM_SHARED)) {
			/* do_cow_fault(): a private copy */
			new_anon(mm, v, page, 0);
			return;
		}
		if (!write)
			fault_around(mm, v, page, b, h);
		if (mr_pgtable_get(mm->pt, page, NULL))
			return;
		pfn = cache_page(mm->m, cache_obj(v), vma_index(v, page), kind,
				 1);
		map_page(mm, page, pfn, kind,
			 pte_bits(v,
				  write || ((v->flags & MR_VM_SHARED) &&
					    (v->flags & MR_VM_WRITE) &&
					    b == B_SHMEM),
				  write));
		return;
	}
	/* another thread's fault mapped the page first: this one, begun
	 * while it was not mapped, still ran fault-around, which the
	 * kernel's counters show mapping pages */
	if (!write && (b == B_FILE || b == B_SHMEM) && h && h->pages > 0 &&
	    level == MR_PT_PTE) {
		mr_fault_hint around = *h;

		around.pages++; /* fault_around() counts the faulting page
				   as mapped after it: it is, already */
		fault_around(mm, v, page, b, &around);
		return;
	}
	if (!write || (e & MR_PTE_RW))
		return; /* present: a spurious or access fault */
	/* a write to a present read-only PTE (do_wp_page) */
	pfn = pte_pfn(e);
	kind = (e & PTE_SPECIAL) ? MR_PG_ZERO : page_kind(mm->m, pfn);
	if (v->flags & MR_VM_SHARED) {
		/* wp_page_shared(): the page made writable and dirty */
		mr_pgtable_set(mm->pt, page,
			       (e & MR_PTE_PFN_MASK) | pte_bits(v, 1, 1));
		return;
	}
	if (kind == MR_PG_ANON && page_mapcount(mm->m, pfn) == 1) {
		/* wp_page_reuse(): the only mapper keeps the page */
		mr_pgtable_set(mm->pt, page,
			       (e & MR_PTE_PFN_MASK) | pte_bits(v, 1, 1));
		return;
	}
	/* wp_page_copy(): of the zero page, a zeroed page */
	unmap_page(mm, page, e);
	new_anon(mm, v, page, kind == MR_PG_ZERO);
}

void mr_phys_fault(mr_mm *mm, const mr_vma *v, uint64_t addr, unsigned code,
		   const mr_fault_hint *h)
{
	if (!mm->m->cfg.phys)
		return;
	fault_pages(mm, v, addr, code, h);
	touched(mm, addr & MR_PAGE_MASK, (addr & MR_PAGE_MASK) + MR_PAGE_SIZE);
	report(mm);
}

/* ---- zapping and freeing tables ---- */

/*
 * update_hiwater_rss(): the RSS peak is taken before every unmap and
 * zap (vms_clear_ptes(), zap_page_range_single(), MADV_FREE), not at
 * every fault; VmHWM prints the larger of it and the RSS now. The RSS
 * it takes is get_mm_rss(): the per-CPU counters' shared part only
 * (percpu_counter_read_positive()), which the caller may give
 * (mr_mm_set_approx_rss()); else the exact RSS is taken.
 */
void mr_phys_update_hiwater(mr_mm *mm)
{
	uint64_t rss = mm->rss[MR_MM_ANON] + mm->rss[MR_MM_FILE] +
		       mm->rss[MR_MM_SHMEM];

	if (mm->approx_known)
		rss = mm->approx_rss;
	if (rss > mm->hiwater_rss)
		mm->hiwater_rss = rss;
}

void mr_mm_set_approx_rss(mr_mm *mm, uint64_t pages, int known)
{
	mm->approx_rss = pages;
	mm->approx_known = known;
}

void mr_phys_zap(mr_mm *mm, uint64_t start, uint64_t end)
{
	uint64_t a = start, e;
	int level;

	if (!mm->pt || start >= end)
		return;
	mr_phys_update_hiwater(mm);
	/* huge PMDs only partly inside are split first */
	if (start & (MR_PMD_SIZE - 1))
		mr_phys_split_pmd(mm, start);
	if (end & (MR_PMD_SIZE - 1))
		mr_phys_split_pmd(mm, end - 1);
	while (mr_pgtable_next(mm->pt, &a, end, &e, &level)) {
		if (level == MR_PT_PMD) {
			uint64_t pfn = pte_pfn(e);

			mr_pgtable_set_huge(mm->pt, a, 0);
			mr_deposit_drop(mm, a);
			if (!(e & PTE_SPECIAL)) {
				page_put(mm->m, pfn);
				rss_add(mm, MR_PG_ANON, -(int64_t)NR_PMD_PAGES);
				mm->thp_pages -= NR_PMD_PAGES;
			}
			a += MR_PMD_SIZE;
			continue;
		}
		unmap_page(mm, a, e);
		a += MR_PAGE_SIZE;
	}
	touched(mm, start, end);
	report(mm);
}

/*
 * MADV_DONTNEED (reclaim_pt_is_enabled()): the PTE tables whose whole
 * span the zap covered are freed too (CONFIG_PT_RECLAIM, measured on
 * this kernel: the next fault there allocates a new one).
 */
void mr_phys_reclaim_tables(mr_mm *mm, uint64_t start, uint64_t end)
{
	if (!mm->pt || end - start < MR_PMD_SIZE)
		return;
	if (mr_pgtable_free_empty_ptes(mm->pt, start, end))
		report(mm);
}

/*
 * free_pgtables() after [start, end) was unmapped: the removed range
 * between the VMA before it and the VMA after it.
 */
void mr_phys_free_tables(mr_mm *mm, uint64_t start, uint64_t end)
{
	const mr_vma *next;
	const mr_vma *prev;
	uint64_t floor, ceiling;

	if (!mm->pt || start >= end)
		return;
	next = mr_vma_tree_find_after(&mm->tree, start);
	prev = next ? mr_vma_prev(next) : mr_vma_tree_last(&mm->tree);
	floor = prev ? prev->end : 0;
	ceiling = next ? next->start : 0;
	mr_pgtable_free_range(mm->pt, start, end, floor, ceiling);
	report(mm);
}

/* ---- fork, mremap, mprotect, exit ---- */

/*
 * copy_page_range() for V of the parent PARENT into the child CHILD
 * (whose copy is C): when the VMA has an anon_vma or is a PFN map.
 */
void mr_phys_fork_vma(mr_mm *child, mr_mm *parent, const mr_vma *v,
		      const mr_vma *c)
{
	uint64_t a = v->start, e;
	int level, cow;

	if (!parent->pt || !child->m->cfg.phys)
		return;
	if (!v->anon_vma && !(v->flags & (MR_VM_PFNMAP | MR_VM_MIXEDMAP)))
		return;
	if (c->flags & MR_VM_WIPEONFORK)
		return;
	cow = (v->flags & (MR_VM_SHARED | MR_VM_MAYWRITE)) == MR_VM_MAYWRITE;
	/* copy_pte_range() allocates the child's PTE table wherever the
	 * parent has one, entries or not */
	for (a = v->start & ~(MR_PMD_SIZE - 1);
	     mr_pgtable_next_table(parent->pt, MR_PT_PTE, &a) && a < v->end;
	     a += MR_PMD_SIZE)
		if (!tables(child) || mr_pgtable_make(child->pt, a < v->start
								   ? v->start
								   : a) < 0)
			return;
	a = v->start;
	while (mr_pgtable_next(parent->pt, &a, v->end, &e, &level)) {
		uint64_t ce = e & ~MR_PTE_ACCESSED, pfn = pte_pfn(e);
		int kind = (e & PTE_SPECIAL) ? MR_PG_ZERO
					     : page_kind(parent->m, pfn);

		if (cow && (e & MR_PTE_RW)) {
			/* both sides write-protected */
			e &= ~MR_PTE_RW;
			ce &= ~MR_PTE_RW;
			if (level == MR_PT_PMD)
				mr_pgtable_set_huge(parent->pt, a, e);
			else
				mr_pgtable_set(parent->pt, a, e);
		}
		if (v->flags & MR_VM_SHARED)
			ce &= ~(MR_PTE_DIRTY);
		if (!tables(child))
			return;
		if (level == MR_PT_PMD) {
			if (mr_pgtable_set_huge(child->pt, a, ce) < 0) {
				child->m->phys_oom = 1;
				return;
			}
			mr_deposit_new(child, a);
			if (!(e & PTE_SPECIAL)) {
				page_get(child->m, pfn, MR_PG_ANON);
				rss_add(child, MR_PG_ANON, NR_PMD_PAGES);
				child->thp_pages += NR_PMD_PAGES;
			}
			a += MR_PMD_SIZE;
			continue;
		}
		if (mr_pgtable_set(child->pt, a, ce) < 0) {
			child->m->phys_oom = 1;
			return;
		}
		if (kind != MR_PG_ZERO)
			page_get(child->m, pfn, kind);
		rss_add(child, kind, 1);
		a += MR_PAGE_SIZE;
	}
	touched(parent, v->start, v->end);
	touched(child, v->start, v->end);
	report(child);
}

/*
 * A fork that failed after dup_mmap() (copy_namespaces() refusing a
 * CLONE_NEW* flag): the kernel built the child's page tables as
 * copy_page_range() does and tore the child down at once. Its tables
 * count as allocated (the child's PGD, a PTE table wherever the parent
 * has one in a VMA fork copies, the upper tables above them, a deposit
 * per huge PMD), and the parent's copy-on-write entries stay
 * write-protected.
 */
void mr_mm_fork_aborted(mr_mm *parent)
{
	mr_pgtable *pt = NULL;
	const mr_vma *v;

	/* dup_mmap() copied every VMA fork copies (vm_area_dup()), and the
	 * child's teardown freed them */
	for (v = mr_vma_tree_first(&parent->tree); v; v = mr_vma_next(v))
		if (!(v->flags & MR_VM_DONTCOPY)) {
			mr_vma tmp = *v;

			parent->m->vmas_made++;
			parent->m->vmas_freed++;
			mr_kobj_vma_new(parent->m, &tmp);
			/* anon_vma_fork(), then unlink_anon_vmas() */
			if (v->anon_vma && !(v->flags & MR_VM_WIPEONFORK)) {
				tmp.anon_vma = mr_av_fork(parent->m, &tmp, v);
				mr_av_unlink(parent->m, &tmp);
			}
			mr_kobj_vma_gone(parent->m, &tmp);
		}
	if (!parent->m->cfg.phys || !parent->pt)
		return;
	if (mr_pgtable_new(&pt, table_frame, table_release, parent->m) < 0) {
		parent->m->phys_oom = 1;
		return;
	}
	for (v = mr_vma_tree_first(&parent->tree); v; v = mr_vma_next(v)) {
		uint64_t a, e;
		int level, cow;

		if ((v->flags & (MR_VM_DONTCOPY | MR_VM_WIPEONFORK)) ||
		    (!v->anon_vma &&
		     !(v->flags & (MR_VM_PFNMAP | MR_VM_MIXEDMAP))))
			continue;
		for (a = v->start & ~(MR_PMD_SIZE - 1);
		     mr_pgtable_next_table(parent->pt, MR_PT_PTE, &a) &&
		     a < v->end;
		     a += MR_PMD_SIZE)
			if (mr_pgtable_make(pt, a < v->start ? v->start : a) < 0)
				parent->m->phys_oom = 1;
		cow = (v->flags & (MR_VM_SHARED | MR_VM_MAYWRITE)) ==
		      MR_VM_MAYWRITE;
		a = v->start;
		while (mr_pgtable_next(parent->pt, &a, v->end, &e, &level)) {
			if (cow && (e & MR_PTE_RW)) {
				if (level == MR_PT_PMD)
					mr_pgtable_set_huge(parent->pt, a,
							    e & ~MR_PTE_RW);
				else
					mr_pgtable_set(parent->pt, a,
						       e & ~MR_PTE_RW);
			}
			if (level == MR_PT_PMD) {
				/* the child's PMD, and its deposit (freed
				 * again at once) */
				if (mr_pgtable_set_huge(pt, a, e) < 0)
					parent->m->phys_oom = 1;
				parent->m->tables_allocated++;
				mr_frame_free(parent->m,
					      mr_frame_alloc(parent->m, 0,
							     MR_OWN_PGTABLE),
					      0);
				a += MR_PMD_SIZE;
			} else {
				a += MR_PAGE_SIZE;
			}
		}
		touched(parent, v->start, v->end);
	}
	mr_pgtable_free(pt);
}

/* move_page_tables(): the PTEs of [from, from + len) move to TO. */
/* The entries of [a, end) move to DST + (address - a). */
static void move_entries(mr_mm *mm, uint64_t a, uint64_t end, uint64_t dst)
{
	uint64_t from = a, e;
	int level;

	while (mr_pgtable_next(mm->pt, &a, end, &e, &level)) {
		mr_pgtable_set(mm->pt, a, 0);
		if (mr_pgtable_set(mm->pt, dst + (a - from), e) < 0)
			mm->m->phys_oom = 1;
		a += MR_PAGE_SIZE;
	}
}

/*
 * move_page_tables(): [from, from + len) moves to TO, extent by extent
 * (no extent crosses a PMD boundary on either side). An extent whose
 * source has no PMD entry moves nothing; a huge PMD moves whole when
 * both sides are aligned (move_huge_pmd()), and so does a whole PTE
 * table (move_normal_pmd(): the table itself changes place, no page is
 * allocated), and a whole PMD table where both sides are at gigabyte
 * boundaries with a gigabyte to go (move_normal_pud()); otherwise the
 * destination gets a PTE table, entries or not, and the entries move
 * (move_ptes()). Starts equally misaligned
 * may first be aligned down (try_realign_addr()).
 */
/* can_align_down(): ADDR starts its VMA and nothing is mapped between
 * the PMD boundary below it and it. */
static int aligns_down(const mr_mm *mm, uint64_t addr)
{
	const mr_vma *v = mr_vma_tree_find(&mm->tree, addr);
	const mr_vma *prev = v ? mr_vma_prev(v) : NULL;

	return v && v->start == addr &&
	       (!prev || prev->end <= (addr & ~(MR_PMD_SIZE - 1)));
}

void mr_phys_move(mr_mm *mm, uint64_t from, uint64_t to, uint64_t len)
{
	uint64_t a, next, end = from + len, off = from & (MR_PMD_SIZE - 1);
	uint64_t dst = to;

	if (!mm->pt || !len)
		return;
	/* try_realign_addr(): both starts equally far past a PMD boundary,
	 * the range reaching the next one, and nothing below either start
	 * down to its boundary: the move starts at the boundaries, so the
	 * first PTE table moves whole (measured: no table allocated) */
	if (off && off == (to & (MR_PMD_SIZE - 1)) &&
	    len >= MR_PMD_SIZE - off && aligns_down(mm, from) &&
	    aligns_down(mm, to)) {
		from -= off;
		to -= off;
	}
	if (from & (MR_PMD_SIZE - 1))
		mr_phys_split_pmd(mm, from);
	if (end & (MR_PMD_SIZE - 1))
		mr_phys_split_pmd(mm, end - 1);
	for (a = from; a < end; a = next) {
		uint64_t d = to + (a - from), pmd;
		uint64_t ext = MR_PMD_SIZE - (a & (MR_PMD_SIZE - 1));
		int whole;

		/* move_normal_pud(): a whole gigabyte between gigabyte
		 * boundaries moves its PMD table, unless the destination
		 * has one */
		if (!(a & (PUD_SIZE_ - 1)) && !(d & (PUD_SIZE_ - 1)) &&
		    end - a >= PUD_SIZE_) {
			int r = mr_pgtable_move_table(mm->pt, MR_PT_PMD, a, d);

			if (r < 0)
				mm->m->phys_oom = 1;
			if (r == 0) {
				next = a + PUD_SIZE_;
				continue;
			}
		}

		if (MR_PMD_SIZE - (d & (MR_PMD_SIZE - 1)) < ext)
			ext = MR_PMD_SIZE - (d & (MR_PMD_SIZE - 1));
		if (end - a < ext)
			ext = end - a;
		next = a + ext;
		pmd = mr_pgtable_entry(mm->pt, a, MR_PT_PMD);
		if (!pmd)
			continue;
		whole = ext == MR_PMD_SIZE && !(a & (MR_PMD_SIZE - 1)) &&
			!(d & (MR_PMD_SIZE - 1)) &&
			!mr_pgtable_entry(mm->pt, d, MR_PT_PMD);
		if (pmd & MR_PTE_PSE) {
			if (whole) {
				mr_pgtable_set_huge(mm->pt, a, 0);
				if (mr_pgtable_set_huge(mm->pt, d, pmd) < 0)
					mm->m->phys_oom = 1;
				mr_deposit_move(mm, a, d);
				continue;
			}
			mr_phys_split_pmd(mm, a);
		}
		/* the table itself changes place, empty or not */
		if (whole && mr_pgtable_move_table(mm->pt, MR_PT_PTE, a, d) < 0)
			mm->m->phys_oom = 1;
		if (whole)
			continue;
		if (mr_pgtable_make(mm->pt, d) < 0)
			mm->m->phys_oom = 1;
		move_entries(mm, a, next, d);
	}
	touched(mm, dst, dst + len);
	report(mm);
}

/*
 * change_protection() over [start, end) of V (its new flags): PTEs lose write access
 * with VM_WRITE; with it, a dirty shared page, or a dirty anonymous page
 * this PTE alone maps, is made writable at once
 * (can_change_pte_writable()); NX follows VM_EXEC.
 */
void mr_phys_protect(mr_mm *mm, const mr_vma *v, uint64_t start,
		     uint64_t end)
{
	uint64_t a = start, e;
	int level;

	if (!mm->pt)
		return;
	touched(mm, start, end);
	while (mr_pgtable_next(mm->pt, &a, end, &e, &level)) {
		uint64_t n = e & ~(MR_PTE_RW | MR_PTE_NX | MR_PTE_PRESENT |
				   MR_PTE_PROTNONE);
		uint64_t pfn = pte_pfn(e);
		int dirty = (e & MR_PTE_DIRTY) != 0;

		if (!(v->flags & MR_VM_EXEC))
			n |= MR_PTE_NX;
		/* PROT_NONE: mapped, but not present (_PAGE_PROTNONE) */
		n |= (v->flags & MR_VM_ACCESS) ? MR_PTE_PRESENT
					       : MR_PTE_PROTNONE;
		if ((v->flags & MR_VM_WRITE) && dirty && !(e & PTE_SPECIAL) &&
		    ((v->flags & MR_VM_SHARED) ||
		     (page_kind(mm->m, pfn) == MR_PG_ANON &&
		      page_mapcount(mm->m, pfn) == 1)))
			n |= MR_PTE_RW;
		if (level == MR_PT_PMD) {
			mr_pgtable_set_huge(mm->pt, a, n);
			a += MR_PMD_SIZE;
		} else {
			mr_pgtable_set(mm->pt, a, n);
			a += MR_PAGE_SIZE;
		}
	}
}

/* exit_mmap(): every page unmapped, every table freed. */
void mr_phys_destroy(mr_mm *mm)
{
	if (!mm->pt)
		return;
	mr_phys_zap(mm, 0, mm->m->cfg.task_size);
	mr_pgtable_free(mm->pt);
	mm->pt = NULL;
	mr_deposit_free_all(mm);
}

/* Population of [start, end) of V (__mm_populate()): every page faulted
 * as the kernel's GUP does, for writing when WRITE. */
void mr_phys_populate(mr_mm *mm, const mr_vma *v, uint64_t start, uint64_t end,
		      int write)
{
	uint64_t a;

	if (!mm->m->cfg.phys)
		return;
	if (start < v->start)
		start = v->start;
	if (end > v->end)
		end = v->end;
	for (a = start & MR_PAGE_MASK; a < end; a += MR_PAGE_SIZE)
		mr_phys_fault(mm, v, a, write ? PF_WRITE : 0, NULL);
}

void mr_mm_touch_pages(mr_mm *mm, uint64_t start, uint64_t end, int write)
{
	const mr_vma *v;

	for (v = mr_vma_tree_find_after(&mm->tree, start); v && v->start < end;
	     v = mr_vma_next(v))
		mr_phys_populate(mm, v, start, end, write);
}

void mr_mm_write_pages(mr_mm *mm, uint64_t start, uint64_t end)
{
	mr_mm_touch_pages(mm, start, end, 1);
}

/*
 * UFFDIO_COPY (ZERO 0) or UFFDIO_ZEROPAGE (ZERO 1) filled [start, end)
 * of private anonymous memory (mfill_atomic()): each page not mapped gets
 * a new anonymous page, or the zero page, one PTE each (no THP: the
 * range is a userfaultfd's, whose huge faults go to userland).
 */
void mr_mm_uffd_fill(mr_mm *mm, uint64_t start, uint64_t end, int zero)
{
	uint64_t a;

	if (!mm->m->cfg.phys)
		return;
	for (a = start & MR_PAGE_MASK; a < end; a += MR_PAGE_SIZE) {
		const mr_vma *v = mr_vma_tree_find(&mm->tree, a);

		if (!v || backing(mm, v) != B_ANON ||
		    (mm->pt && mr_pgtable_get(mm->pt, a, NULL)))
			continue;
		if (zero)
			map_page(mm, a, MR_ZERO_PFN, MR_PG_ZERO,
				 pte_bits(v, 0, 0) | PTE_SPECIAL);
		else
			new_anon(mm, v, a, 0); /* a copy: not zeroed */
	}
	report(mm);
}

uint32_t mr_machine_file_by_ids(const mr_machine *m, uint32_t maj, uint32_t min,
				uint64_t ino)
{
	uint32_t i;

	for (i = 0; ino && i < m->nfiles; i++)
		if (m->files[i].inode == ino && m->files[i].dev_major == maj &&
		    m->files[i].dev_minor == min)
			return i + 1;
	return 0;
}

mr_mm *mr_machine_first_mm(const mr_machine *m)
{
	return m->mms;
}

mr_mm *mr_mm_next(const mr_mm *mm)
{
	return mm->next_mm;
}

/* ---- lazy freeing, cold and pageout (mm/madvise.c, mm/vmscan.c) ---- */

/*
 * What no trace shows about these advices: a program writes a lazy-free
 * page (dirtying its PTE again) and fills its pages without a fault, so
 * neither which lazy-free pages reclaim may discard nor which pages of a
 * split folio hold only zeros is known. When the kernel's change of
 * RssAnon in the step is given (mr_mm_set_step_delta()), that many go:
 * lazy-free pages first, keeping those of lowest address (the ones an
 * allocator reuses first, as jemalloc's lowest-address-first extents
 * do), then zero-filled pages, the first in address order. Without it
 * every clean lazy-free page is discarded and no page is taken as
 * zero-filled.
 */
static int64_t anon_budget(const mr_mm *mm)
{
	int64_t d = mm->step_delta[MR_MM_ANON];

	if (!mm->step_known)
		return -1; /* unbounded */
	return d < 0 && d > INT64_MIN ? -d : 0;
}

/* Take one page from *BUDGET: whether one was left. */
static int budget_take(int64_t *budget)
{
	if (*budget == 0)
		return 0;
	if (*budget > 0)
		(*budget)--;
	return 1;
}

/* Whether the PTE-mapped large folio of page PFN is this mm's alone
 * (no page of it mapped twice). */
static int folio_exclusive(const mr_machine *m, uint64_t pfn)
{
	uint64_t head = pfn & ~(uint64_t)(NR_PMD_PAGES - 1), i;

	for (i = 0; i < NR_PMD_PAGES; i++)
		if (page_mapcount(m, head + i) > 1)
			return 0;
	return 1;
}

/* How many PTEs from ADDR (before END and the PTE table's end) map the
 * large folio's pages in order (folio_pte_batch()). */
static uint64_t folio_batch(const mr_mm *mm, uint64_t addr, uint64_t end,
			    uint64_t pfn)
{
	uint64_t head = pfn & ~(uint64_t)(NR_PMD_PAGES - 1);
	uint64_t tend = (addr | (MR_PMD_SIZE - 1)) + 1, n = 0;
	int level;

	if (end > tend)
		end = tend;
	for (; addr < end && pfn < head + NR_PMD_PAGES;
	     addr += MR_PAGE_SIZE, pfn++, n++) {
		uint64_t e = mr_pgtable_get(mm->pt, addr, &level);

		if (!e || level != MR_PT_PTE || (e & PTE_SPECIAL) ||
		    pte_pfn(e) != pfn)
			break;
	}
	return n;
}

/* Whether PTE E (at PTE level) maps a lazy-free page PAGEOUT would
 * discard: this mapping's alone, the entry still clean. */
static int lazy_clean(const mr_machine *m, uint64_t e)
{
	const uint64_t *s;

	if (e & (PTE_SPECIAL | MR_PTE_DIRTY))
		return 0;
	s = slot_find(&m->pages, pte_pfn(e));
	return s && PG_KIND(*s) == MR_PG_ANON && PG_COUNT(*s) == 1 &&
	       (*s & PG_LAZYFREE);
}

/*
 * split_folio() of the PTE-mapped large folio whose page PFN is mapped at
 * ADDR: its pages become folios of their own, and remap_page() with
 * RMP_USE_SHARED_ZEROPAGE maps each subpage holding only zeros to the
 * shared zero page (try_to_map_unused_to_zeropage(): RssAnon - 1; not
 * in a VM_LOCKED VMA), as many as *BUDGET allows. The folio's pages are
 * looked for where they would lie were it mapped in one piece.
 */
static void folio_split(mr_mm *mm, uint64_t addr, uint64_t pfn,
			uint64_t start, uint64_t end, int64_t *budget)
{
	uint64_t head = pfn & ~(uint64_t)(NR_PMD_PAGES - 1), i;
	uint64_t base = addr - ((pfn - head) << MR_PAGE_SHIFT);
	int level;

	/* the folio's pages no longer held are freed now, the others
	 * become folios of their own */
	if (slot_find(&mm->m->folios, head)) {
		map_del(&mm->m->folios, head);
		mr_frame_split(mm->m, head);
		for (i = 0; i < NR_PMD_PAGES; i++)
			if (!slot_find(&mm->m->pages, head + i))
				mr_frame_free(mm->m, head + i, 0);
	}
	for (i = 0; i < NR_PMD_PAGES; i++) {
		uint64_t *s = slot_find(&mm->m->pages, head + i);
		uint64_t a = base + (i << MR_PAGE_SHIFT), e;
		const mr_vma *v;

		if (!s)
			continue;
		*s &= ~PG_LARGE;
		if (a < base || *budget <= 0) /* none, or not known */
			continue;
		e = mr_pgtable_get(mm->pt, a, &level);
		v = mr_vma_tree_find(&mm->tree, a);
		/* a lazy-free page still clean in the advice's range is
		 * PAGEOUT's to discard (its count is set apart for it), not
		 * a zero page */
		if (!e || level != MR_PT_PTE || (e & PTE_SPECIAL) ||
		    pte_pfn(e) != head + i || !v || (v->flags & MR_VM_LOCKED) ||
		    (a >= start && a < end && lazy_clean(mm->m, e)) ||
		    !budget_take(budget))
			continue;
		unmap_page(mm, a, e);
		map_page(mm, a, MR_ZERO_PFN, MR_PG_ZERO,
			 pte_bits(v, 0, 0) | PTE_SPECIAL);
	}
}

/* A huge PMD at ADDR split, and its folio: see folio_split(). */
static void huge_split(mr_mm *mm, uint64_t addr, uint64_t start,
		       uint64_t end, int64_t *budget)
{
	uint64_t haddr = addr & ~(MR_PMD_SIZE - 1), pmd;

	if (!pmd_huge_at(mm, haddr, &pmd) || (pmd & PTE_SPECIAL))
		return;
	mr_phys_split_pmd(mm, haddr);
	folio_split(mm, haddr, pte_pfn(pmd), start, end, budget);
}

enum { ADV_FREE, ADV_COLD, ADV_PAGEOUT };


void mr_phys_advise_begin(mr_mm *mm, uint64_t start, uint64_t end,
			  int pageout)
{
	int64_t budget = anon_budget(mm), lazy = 0;
	uint64_t a = start, e;
	int level;

	mm->adv_keep = 0;
	mm->adv_zero = budget;
	if (!pageout || budget < 0 || !mm->pt)
		return;
	/* the lazy-free pages the kernel kept (written again) */
	while (mr_pgtable_next(mm->pt, &a, end, &e, &level)) {
		lazy += level == MR_PT_PTE && lazy_clean(mm->m, e);
		a += level == MR_PT_PMD ? MR_PMD_SIZE : MR_PAGE_SIZE;
	}
	mm->adv_keep = lazy > budget ? lazy - budget : 0;
	mm->adv_zero = budget - (lazy - mm->adv_keep);
}

/*
 * MADV_PAGEOUT or MADV_COLD dropped more anonymous pages than the
 * model's lazy-free pages and large folios explain: small pages
 * khugepaged collapsed into a THP in the background (no event of the
 * traced tasks shows it; a MADV_HUGEPAGE region populated page by page
 * is its prey), split again by reclaim, or by COLD cutting it (a part
 * mremap moved away), with their zero-filled pages mapped to the zero
 * page. As
 * many as *BUDGET of the range's anonymous pages this mapping alone
 * maps become the zero page, in address order (stress-ng mremap). On a
 * machine with swap the same fall would be pages swapped out, which the
 * model does not follow (VmSwap). Whether the model changed anything.
 */
static int collapsed(mr_mm *mm, uint64_t start, uint64_t end,
		     int64_t *budget)
{
	uint64_t a = start, e;
	int level, changed = 0;

	while (*budget > 0 && mr_pgtable_next(mm->pt, &a, end, &e, &level)) {
		const uint64_t *s = (e & PTE_SPECIAL)
					    ? NULL
					    : slot_find(&mm->m->pages, pte_pfn(e));
		const mr_vma *v = mr_vma_tree_find(&mm->tree, a);

		if (level == MR_PT_PTE && s && PG_KIND(*s) == MR_PG_ANON &&
		    PG_COUNT(*s) == 1 && v && !(v->flags & MR_VM_LOCKED)) {
			unmap_page(mm, a, e);
			map_page(mm, a, MR_ZERO_PFN, MR_PG_ZERO,
				 pte_bits(v, 0, 0) | PTE_SPECIAL);
			(*budget)--;
			changed = 1;
		}
		a += level == MR_PT_PMD ? MR_PMD_SIZE : MR_PAGE_SIZE;
	}
	return changed;
}

/*
 * The page walk of MADV_FREE, MADV_COLD and MADV_PAGEOUT over [start,
 * end) of one VMA (madvise_free_pte_range(),
 * madvise_cold_or_pageout_pte_range(), then reclaim_pages() for
 * PAGEOUT), on a machine without swap:
 *
 *   a large anonymous folio (huge PMD, or PTEs of a split one) only
 *   partly in the range is split, unless another mm maps it; one wholly
 *   in it is left whole by FREE (lazy-free, huge PMDs not modelled) and
 *   COLD, and split by PAGEOUT's reclaim (no swap for it: split_folio_to_
 *   list() falls back to small pages);
 *   FREE makes each anonymous page lazy-free, its PTE old and clean;
 *   PAGEOUT unmaps each page-cache or shmem page this mapping alone maps
 *   (folio_maybe_mapped_shared() keeps the others) and discards each
 *   lazy-free page this mapping alone maps whose PTE is still clean
 *   (try_to_unmap_one(): RssAnon - 1); other anonymous pages stay
 *   (add_to_swap() fails).
 *
 * A machine with swap would swap anonymous pages out: VmSwap is not
 * modelled.
 */
static void advise_pages(mr_mm *mm, uint64_t start, uint64_t end, int adv)
{
	uint64_t a = start, e, i;
	int level, changed = 0;
	int64_t *budget = &mm->adv_zero, *keep = &mm->adv_keep;

	if (!mm->pt)
		return;
	while (mr_pgtable_next(mm->pt, &a, end, &e, &level)) {
		uint64_t pfn = pte_pfn(e);
		uint64_t *s = (e & PTE_SPECIAL) ? NULL
						: slot_find(&mm->m->pages, pfn);
		int kind = s ? PG_KIND(*s) : MR_PG_ZERO;

		if (level == MR_PT_PMD) {
			int whole = (a & ~(MR_PMD_SIZE - 1)) >= start &&
				    (a & ~(MR_PMD_SIZE - 1)) + MR_PMD_SIZE <=
					    end;

			if (s && kind == MR_PG_ANON && PG_COUNT(*s) == 1 &&
			    (!whole || adv == ADV_PAGEOUT)) {
				huge_split(mm, a, start, end, budget);
				changed = 1;
				if (a < start) /* the PMD's base */
					a = start;
				continue; /* its PTEs are walked now */
			}
			a = (a & ~(MR_PMD_SIZE - 1)) + MR_PMD_SIZE;
			continue;
		}
		if (s && kind == MR_PG_ANON && (*s & PG_LARGE) &&
		    folio_exclusive(mm->m, pfn)) {
			if (adv == ADV_PAGEOUT ||
			    folio_batch(mm, a, end, pfn) < NR_PMD_PAGES) {
				folio_split(mm, a, pfn, start, end, budget);
				changed = 1;
				continue; /* this PTE again */
			}
			/* wholly in the range (from its first page): FREE
			 * makes the folio lazy-free, COLD leaves it */
			for (i = 0; adv == ADV_FREE && i < NR_PMD_PAGES; i++) {
				uint64_t *t = slot_find(&mm->m->pages, pfn + i);

				e = mr_pgtable_get(mm->pt, a + i * MR_PAGE_SIZE,
						   &level);
				if (t)
					*t |= PG_LAZYFREE;
				mr_pgtable_set(mm->pt, a + i * MR_PAGE_SIZE,
					       e & ~(MR_PTE_DIRTY |
						     MR_PTE_ACCESSED));
			}
			a += (uint64_t)NR_PMD_PAGES * MR_PAGE_SIZE;
			continue;
		}
		if (s && kind == MR_PG_ANON && adv == ADV_FREE) {
			*s |= PG_LAZYFREE;
			mr_pgtable_set(mm->pt, a,
				       e & ~(MR_PTE_DIRTY | MR_PTE_ACCESSED));
		} else if (adv == ADV_PAGEOUT && s && PG_COUNT(*s) == 1 &&
			   (kind == MR_PG_FILE || kind == MR_PG_SHMEM)) {
			unmap_page(mm, a, e);
			changed = 1;
		} else if (adv == ADV_PAGEOUT && lazy_clean(mm->m, e)) {
			if (*keep > 0) {
				(*keep)--; /* written again: swap-backed again */
				*s &= ~PG_LAZYFREE;
				mr_pgtable_set(mm->pt, a, e | MR_PTE_DIRTY);
			} else {
				unmap_page(mm, a, e);
				changed = 1;
			}
		}
		a += MR_PAGE_SIZE;
	}
	if (adv != ADV_FREE && *budget > 0)
		changed |= collapsed(mm, start, end, budget);
	if (changed) {
		touched(mm, start, end);
		report(mm);
	}
}

/* MADV_FREE over [start, end): the pages stay until reclaim; the RSS
 * peak is taken first (update_hiwater_rss()). */
void mr_phys_lazyfree(mr_mm *mm, uint64_t start, uint64_t end)
{
	mr_phys_update_hiwater(mm);
	report(mm);
	advise_pages(mm, start, end, ADV_FREE);
}

void mr_phys_cold(mr_mm *mm, uint64_t start, uint64_t end)
{
	advise_pages(mm, start, end, ADV_COLD);
}

void mr_phys_pageout(mr_mm *mm, uint64_t start, uint64_t end)
{
	advise_pages(mm, start, end, ADV_PAGEOUT);
}

void mr_mm_set_step_delta(mr_mm *mm, const int64_t delta[MR_MM__COUNT],
			  int known)
{
	if (known)
		memcpy(mm->step_delta, delta, sizeof(mm->step_delta));
	mm->step_known = known;
}

/*
 * fallocate(PUNCH_HOLE) or a truncation of file FILE over page indexes
 * [first, last]: truncate_inode_pages_range() and unmap_mapping_range()
 * take its page-cache pages out of every mapping (private copies stay)
 * and out of the cache.
 */
void mr_machine_file_punch(mr_machine *m, uint32_t file, uint64_t first,
			   uint64_t last, int even_cows)
{
	mr_mm *mm;
	uint64_t i;

	if (!m->cfg.phys || last < first)
		return;
	for (mm = m->mms; mm; mm = mm->next_mm) {
		const mr_vma *v;
		int changed = 0;

		if (!mm->pt)
			continue;
		for (v = mr_vma_tree_first(&mm->tree); v; v = mr_vma_next(v)) {
			uint64_t lo, hi, a, e;
			int level;

			if (v->file != file || v->pgoff > last ||
			    v->pgoff + mr_vma_pages(v) <= first)
				continue;
			lo = v->start + ((first > v->pgoff ? first - v->pgoff
							   : 0)
					 << MR_PAGE_SHIFT);
			hi = last - v->pgoff >= mr_vma_pages(v)
				     ? v->end
				     : v->start + ((last + 1 - v->pgoff)
						   << MR_PAGE_SHIFT);
			for (a = lo; mr_pgtable_next(mm->pt, &a, hi, &e, &level);
			     a += level == MR_PT_PMD ? MR_PMD_SIZE : MR_PAGE_SIZE) {
				int kind = (e & PTE_SPECIAL)
						   ? MR_PG_ZERO
						   : page_kind(m, pte_pfn(e));

				if (level == MR_PT_PTE &&
				    (kind == MR_PG_FILE || kind == MR_PG_SHMEM ||
				     (even_cows && kind == MR_PG_ANON))) {
					unmap_page(mm, a, e);
					changed = 1;
				}
			}
			if (changed)
				touched(mm, lo, hi);
		}
		if (changed)
			report(mm);
	}
	/* the cache's pages of the range (the map is walked, not the
	 * range: a truncation's range is unbounded); gathered first, as a
	 * deletion moves other keys */
	{
		uint64_t *gone = NULL;
		size_t n = 0, cap = 0, k;

		for (i = 0; i < m->pcache.cap; i++) {
			uint64_t key = m->pcache.k[i];
			uint64_t idx = key & ((1ull << 40) - 1);

			if (!key || key >> 40 != file || idx < first ||
			    idx > last)
				continue;
			if (grow_u64(&gone, &n, &cap) < 0) {
				m->phys_oom = 1;
				break;
			}
			gone[n++] = key;
		}
		for (k = 0; k < n; k++) {
			const uint64_t *s = slot_find(&m->pcache, gone[k]);

			if (s && !page_mapcount(m, *s)) {
				map_del(&m->pages, *s);
				mr_frame_free(m, *s, 0);
			}
			map_del(&m->pcache, gone[k]);
		}
		free(gone);
	}
}

/* ---- what users see ---- */

const char *mr_page_kind_name(int kind)
{
	static const char *const names[] = {"?", "anon", "file", "shmem",
					    "zero"};

	return kind >= 0 && kind <= MR_PG_ZERO ? names[kind] : "?";
}

void mr_mm_page_runs(const mr_mm *mm, uint64_t start, uint64_t end,
		     mr_page_run_fn fn, void *ctx)
{
	uint64_t a = start, e, run = 0, stop = 0;
	int level, kind = -1, k;

	while (mm->pt && mr_pgtable_next(mm->pt, &a, end, &e, &level)) {
		uint64_t size = level == MR_PT_PMD ? MR_PMD_SIZE : MR_PAGE_SIZE;

		k = mr_mm_page_kind(mm, e);
		if (kind >= 0 && (k != kind || a != stop)) {
			fn(ctx, run, stop, kind);
			kind = -1;
		}
		if (kind < 0) {
			kind = k;
			run = a;
		}
		stop = a + size;
		a += size;
	}
	if (kind >= 0)
		fn(ctx, run, stop, kind);
}

int mr_mm_page_kind(const mr_mm *mm, uint64_t entry)
{
	if (entry & PTE_SPECIAL)
		return MR_PG_ZERO;
	return page_kind(mm->m, pte_pfn(entry));
}

int mr_phys_page_kind(const mr_machine *m, uint64_t pfn)
{
	return pfn == MR_ZERO_PFN || pfn == MR_HUGE_ZERO_PFN ? MR_PG_ZERO
							     : page_kind(m, pfn);
}

uint32_t mr_phys_page_mapcount(const mr_machine *m, uint64_t pfn)
{
	return page_mapcount(m, pfn);
}

int mr_phys_page_lazyfree(const mr_machine *m, uint64_t pfn)
{
	const uint64_t *s = slot_find(&m->pages, pfn);

	return s && (*s & PG_LAZYFREE);
}

void mr_mm_range_pages(const mr_mm *mm, uint64_t start, uint64_t end,
		       uint64_t *rss, uint64_t *anon)
{
	uint64_t a = start, e;
	int level;

	*rss = *anon = 0;
	if (!mm->pt)
		return;
	while (mr_pgtable_next(mm->pt, &a, end, &e, &level)) {
		uint64_t size = level == MR_PT_PMD ? MR_PMD_SIZE : MR_PAGE_SIZE;
		uint64_t lo = a < start ? start : a;
		uint64_t hi = a + size > end ? end : a + size;
		uint64_t n = (hi - lo) >> MR_PAGE_SHIFT;

		/* vm_normal_page(): the zero pages are no one's */
		if (!(e & PTE_SPECIAL)) {
			*rss += n;
			if (page_kind(mm->m, pte_pfn(e)) == MR_PG_ANON)
				*anon += n;
		}
		a += size;
	}
}

void mr_mm_rss(const mr_mm *mm, uint64_t rss[MR_MM__COUNT])
{
	memcpy(rss, mm->rss, sizeof(mm->rss));
}

uint64_t mr_machine_tables_allocated(const mr_machine *m)
{
	return m->tables_allocated;
}

uint64_t mr_machine_user_allocated(const mr_machine *m, int thp)
{
	return m->user_allocated[thp != 0];
}

uint64_t mr_machine_vma_objects(const mr_machine *m, int freed)
{
	return freed ? m->vmas_freed : m->vmas_made;
}

uint64_t mr_mm_total_vm(const mr_mm *mm)
{
	return mm->total_vm;
}

uint64_t mr_mm_hiwater_vm(const mr_mm *mm)
{
	return mm->hiwater_vm;
}

uint64_t mr_mm_locked_extra(const mr_mm *mm)
{
	return mm->locked_extra;
}

void mr_mm_code(const mr_mm *mm, uint64_t *start, uint64_t *end)
{
	*start = mm->start_code;
	*end = mm->end_code;
}

void mr_mm_set_code(mr_mm *mm, uint64_t start, uint64_t end)
{
	mm->start_code = start;
	mm->end_code = end;
}

void mr_mm_set_data(mr_mm *mm, uint64_t start, uint64_t end)
{
	mm->data_size = end > start ? end - start : 0;
}

uint64_t mr_mm_hiwater_rss(const mr_mm *mm)
{
	uint64_t rss = mm->rss[MR_MM_ANON] + mm->rss[MR_MM_FILE] +
		       mm->rss[MR_MM_SHMEM];

	return rss > mm->hiwater_rss ? rss : mm->hiwater_rss;
}

uint64_t mr_mm_pte_bytes(const mr_mm *mm)
{
	return (mm->pt ? mr_pgtable_bytes(mm->pt) : 0) +
	       mm->pte_deposit * MR_PAGE_SIZE;
}

const mr_pgtable *mr_mm_pgtable(const mr_mm *mm)
{
	return mm->pt;
}

uint64_t mr_mm_anon_huge(const mr_mm *mm)
{
	return mm->thp_pages;
}

/* ---- invariants (docs/invariants.md), called by check.c ---- */

/* Remember that the step changed MM's pages in [start, end). */
static void touched(mr_mm *mm, uint64_t start, uint64_t end)
{
	mr_machine *m = mm->m;
	size_t i;

	for (i = 0; i < m->nptouch; i++)
		if (m->ptouch[i].mm == mm->id && start <= m->ptouch[i].end &&
		    end >= m->ptouch[i].start) {
			if (start < m->ptouch[i].start)
				m->ptouch[i].start = start;
			if (end > m->ptouch[i].end)
				m->ptouch[i].end = end;
			return;
		}
	if (m->nptouch == MR_PTOUCH_MAX) {
		m->ptouch_overflow = 1;
		return;
	}
	m->ptouch[m->nptouch].mm = mm->id;
	m->ptouch[m->nptouch].start = start;
	m->ptouch[m->nptouch].end = end;
	m->nptouch++;
}

/* Every mapped entry of [start, end) lies in a VMA of MM that allows
 * it: writable only in a VM_WRITE VMA, executable only in a VM_EXEC
 * one, present only in an accessible one. */
static void check_entries(const mr_mm *mm, uint64_t start, uint64_t end,
			  mr_phys_fail_fn fail, void *ctx)
{
	uint64_t a = start, e;
	const mr_vma *v = NULL;
	int level;

	if (!mm->pt)
		return;

	while (mr_pgtable_next(mm->pt, &a, end, &e, &level)) {
		uint64_t size = level == MR_PT_PMD ? MR_PMD_SIZE : MR_PAGE_SIZE;

		if (!v || a < v->start || a >= v->end)
			v = mr_vma_tree_find(&mm->tree, a);
		if (!v)
			fail(ctx, mm, "pte-in-vma", a,
			     "a page table entry maps no VMA's address");
		else if (((e & MR_PTE_RW) && !(v->flags & MR_VM_WRITE)) ||
			 (!(e & MR_PTE_NX) && !(v->flags & MR_VM_EXEC)) ||
			 ((e & MR_PTE_PRESENT) && !(v->flags & MR_VM_ACCESS)))
			fail(ctx, mm, "pte-permission", a,
			     "a page table entry allows more than its VMA");
		a += size;
	}
}

void mr_phys_check_step(mr_machine *m, mr_phys_fail_fn fail, void *ctx)
{
	size_t i;

	if (m->ptouch_overflow) {
		const mr_mm *mm;

		for (mm = m->mms; mm; mm = mm->next_mm)
			check_entries(mm, 0, m->cfg.task_size, fail, ctx);
	} else {
		for (i = 0; i < m->nptouch; i++) {
			const mr_mm *mm = mr_machine_mm(m, m->ptouch[i].mm);

			if (mm)
				check_entries(mm, m->ptouch[i].start,
					      m->ptouch[i].end, fail, ctx);
		}
	}
	m->nptouch = 0;
	m->ptouch_overflow = 0;
}

void mr_phys_check_mm(const mr_mm *mm, mr_phys_fail_fn fail, void *ctx)
{
	uint64_t a = 0, e, n[MR_MM__COUNT] = {0}, tables = 0, span;
	int level, lv, mb;
	char d[160];

	if (!mm->pt)
		return;
	check_entries(mm, 0, mm->m->cfg.task_size, fail, ctx);
	/* the counters are the mapped pages by kind */
	while (mr_pgtable_next(mm->pt, &a, mm->m->cfg.task_size, &e, &level)) {
		uint64_t pages = level == MR_PT_PMD ? NR_PMD_PAGES : 1;

		mb = (e & PTE_SPECIAL) ? -1
				       : rss_member(page_kind(mm->m, pte_pfn(e)));
		if (mb >= 0)
			n[mb] += pages;
		a += pages << MR_PAGE_SHIFT;
	}
	for (mb = 0; mb < MR_MM__COUNT; mb++)
		if (n[mb] != mm->rss[mb]) {
			snprintf(d, sizeof(d),
				 "counter %d is %" PRIu64
				 " pages, the page tables map %" PRIu64,
				 mb, mm->rss[mb], n[mb]);
			fail(ctx, mm, "rss-counters", 0, d);
		}
	/* a table exists only where a VMA needed it: its span meets a VMA
	 * (free_pgtables() frees those that meet none) */
	for (lv = MR_PT_PUD; lv <= MR_PT_PTE; lv++) {
		span = lv == MR_PT_PTE ? MR_PMD_SIZE
				       : lv == MR_PT_PMD ? 1ull << 30 : 1ull << 39;
		for (a = 0; mr_pgtable_next_table(mm->pt, lv, &a); a += span) {
			const mr_vma *v = mr_vma_tree_find_after(&mm->tree, a);

			tables++;
			if (!v || v->start >= a + span) {
				snprintf(d, sizeof(d),
					 "a level-%d table for [%#" PRIx64
					 ", %#" PRIx64 ") that no VMA meets",
					 lv, a, a + span);
				fail(ctx, mm, "pgtable-placement", a, d);
			}
			if (a + span < a)
				break;
		}
	}
	if (tables * MR_PAGE_SIZE + mm->pte_deposit * MR_PAGE_SIZE !=
	    mr_mm_pte_bytes(mm))
		fail(ctx, mm, "vmpte", 0,
		     "VmPTE differs from the live table pages");
}

void mr_phys_check_machine(const mr_machine *m, mr_phys_fail_fn fail,
			   void *ctx)
{
	struct mr_u64map seen;
	const mr_mm *mm;
	size_t i, nbad = 0, capbad = 0;
	uint64_t *bad = NULL;
	char d[128];

	memset(&seen, 0, sizeof(seen));
	/* map counts are the entries that map each page */
	for (mm = m->mms; mm; mm = mm->next_mm) {
		uint64_t a = 0, e;
		int level;

		if (!mm->pt)
			continue;
		while (mr_pgtable_next(mm->pt, &a, m->cfg.task_size, &e,
				       &level)) {
			if (!(e & PTE_SPECIAL)) {
				uint64_t *s = slot_find(&seen, pte_pfn(e));

				if (s)
					(*s)++;
				else if (map_put(&seen, pte_pfn(e), 1) < 0) {
					/* out of memory: nothing said */
					mr_u64map_free(&seen);
					return;
				}
			}
			a += level == MR_PT_PMD ? MR_PMD_SIZE : MR_PAGE_SIZE;
		}
	}
	/* the frames that break a rule, reported in frame order (the hash
	 * order is no order) */
	for (i = 0; i < m->pages.cap; i++) {
		const uint64_t *s;
		uint64_t want;

		if (!m->pages.k[i])
			continue;
		s = slot_find(&seen, m->pages.k[i]);
		want = s ? *s : 0;
		if ((PG_COUNT(m->pages.v[i]) != want ||
		     (!m->mms && PG_KIND(m->pages.v[i]) == MR_PG_ANON)) &&
		    grow_u64(&bad, &nbad, &capbad) == 0)
			bad[nbad++] = m->pages.k[i];
	}
	if (nbad) /* qsort() wants an array, even of none */
		qsort(bad, nbad, sizeof(*bad), cmp_u64);
	for (i = 0; i < nbad; i++) {
		const uint64_t *s = slot_find(&seen, bad[i]);
		uint64_t v = *slot_find(&m->pages, bad[i]);
		uint64_t want = s ? *s : 0;

		if (PG_COUNT(v) != want) {
			snprintf(d, sizeof(d),
				 "frame %#" PRIx64 ": map count %u, mapped by "
				 "%" PRIu64 " entries",
				 bad[i], PG_COUNT(v), want);
			fail(ctx, NULL, "page-mapcount", bad[i], d);
		}
		/* when every process has exited no anonymous page is left */
		if (!m->mms && PG_KIND(v) == MR_PG_ANON)
			fail(ctx, NULL, "pages-freed", bad[i],
			     "an anonymous page outlived every process");
	}
	free(bad);
	mr_u64map_free(&seen);
}
