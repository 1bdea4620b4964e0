/*
 * pgtable.h - x86-64 four-level page tables of one address space.
 *
 * A PGD of 512 entries, then PUD, PMD and PTE tables of 512 entries
 * each, every table one 4 KiB page, allocated when an entry below it is
 * first set. Entries hold the kernel's own bit layout (arch/x86): a leaf
 * PTE is whatever the caller sets (pfn << 12 | flags); a PMD may be a
 * huge leaf (MR_PTE_PSE, 2 MiB). A table entry points at its table's
 * frame: pfn << 12 | _PAGE_TABLE (0x67).
 *
 * The tables know nothing of VMAs: callers say which ranges to clear
 * (zap) and which tables to free (free_pgd_range() with its floor and
 * ceiling, mm/memory.c). Table pages are counted as VmPTE counts them:
 * PTE, PMD and PUD tables, not the PGD.
 *
 * Pure C: nothing but libc.
 */
#ifndef MR_ENGINE_PGTABLE_H
#define MR_ENGINE_PGTABLE_H

#include <stddef.h>
#include <stdint.h>

#define MR_PTE_PRESENT 0x001ull
#define MR_PTE_RW 0x002ull
#define MR_PTE_USER 0x004ull
#define MR_PTE_PWT 0x008ull
#define MR_PTE_PCD 0x010ull
#define MR_PTE_ACCESSED 0x020ull
#define MR_PTE_DIRTY 0x040ull
#define MR_PTE_PSE 0x080ull /* a huge leaf in a PMD */
#define MR_PTE_GLOBAL 0x100ull
#define MR_PTE_PROTNONE MR_PTE_GLOBAL /* _PAGE_PROTNONE: a PROT_NONE page
					 still mapped, not present */
#define MR_PTE_SPECIAL 0x200ull	      /* _PAGE_SPECIAL (software bit 9):
					 no struct page (zero page, PFNs) */
#define MR_PTE_SOFT_DIRTY 0x800ull
#define MR_PTE_NX 0x8000000000000000ull
#define MR_PTE_PFN_MASK 0x000ffffffffff000ull
/* _PAGE_TABLE: what a PGD, PUD or PMD entry pointing at a table holds */
#define MR_PTE_TABLE                                                           \
	(MR_PTE_PRESENT | MR_PTE_RW | MR_PTE_USER | MR_PTE_ACCESSED |          \
	 MR_PTE_DIRTY)

/* Levels, as the walk meets them. */
enum mr_pt_level {
	MR_PT_PGD = 0,
	MR_PT_PUD,
	MR_PT_PMD,
	MR_PT_PTE,
};

typedef struct mr_pgtable mr_pgtable;

/*
 * The frame a new table page gets (the buddy allocator's, later): CTX is
 * passed back. NULL: frames are numbered from 1 in allocation order.
 */
typedef uint64_t (*mr_pt_frame_fn)(void *ctx);
/* A table page freed (its frame). */
typedef void (*mr_pt_release_fn)(void *ctx, uint64_t pfn);

/* An empty address space: the PGD alone. Returns 0 or -1 (no memory). */
int mr_pgtable_new(mr_pgtable **out, mr_pt_frame_fn frame,
		   mr_pt_release_fn release, void *ctx);
/* Frees every table, RELEASE called for each (the PGD last). */
void mr_pgtable_free(mr_pgtable *pt);

/*
 * Set the leaf entry for the page at ADDR to PTE (0 clears it), making
 * the tables on the way. A huge PMD leaf covering ADDR is replaced by a
 * PTE table (its other entries empty). Returns 0, or -1 when out of
 * memory (nothing changed).
 */
int mr_pgtable_set(mr_pgtable *pt, uint64_t addr, uint64_t pte);
/*
 * Set the PMD entry for the 2 MiB block at ADDR (aligned) to the huge
 * leaf PMD (MR_PTE_PSE set): a PTE table there is dropped (its entries
 * with it). Returns 0, or -1 when out of memory.
 */
int mr_pgtable_set_huge(mr_pgtable *pt, uint64_t addr, uint64_t pmd);

/*
 * The leaf entry mapping ADDR (0: none) and its level (MR_PT_PTE, or
 * MR_PT_PMD for a huge leaf) in *LEVEL when not NULL.
 */
uint64_t mr_pgtable_get(const mr_pgtable *pt, uint64_t addr, int *level);
/* The entry at LEVEL on the walk to ADDR (0 when the walk ends above). */
uint64_t mr_pgtable_entry(const mr_pgtable *pt, uint64_t addr, int level);

/*
 * The first leaf (present, or a PROT_NONE one) at or after *ADDR and
 * below END: 1 with *ADDR
 * its address, *ENTRY its value and *LEVEL its level; 0 when none.
 */
int mr_pgtable_next(const mr_pgtable *pt, uint64_t *addr, uint64_t end,
		    uint64_t *entry, int *level);

/*
 * Clear every leaf in [start, end) (zap_page_range: tables stay). A huge
 * leaf only partly inside is left for the caller to split first.
 * Returns the number of 4 KiB pages the cleared leaves mapped.
 */
uint64_t mr_pgtable_clear(mr_pgtable *pt, uint64_t start, uint64_t end);

/*
 * free_pgd_range(): free the tables that only [addr, end) used, keeping
 * those that may still serve addresses below FLOOR or at and above
 * CEILING (0: the top of the address space): a PTE table whose 2 MiB, a
 * PMD table whose 1 GiB, a PUD table whose 512 GiB lies inside the
 * range clipped so. Their entries are dropped with them.
 */
void mr_pgtable_free_range(mr_pgtable *pt, uint64_t addr, uint64_t end,
			   uint64_t floor, uint64_t ceiling);

/*
 * The first table page at LEVEL (MR_PT_PUD, MR_PT_PMD or MR_PT_PTE)
 * whose span (512 GiB, 1 GiB, 2 MiB) starts at or after *ADDR: 1 with
 * *ADDR its span's start, 0 when none.
 */
int mr_pgtable_next_table(const mr_pgtable *pt, int level, uint64_t *addr);
/* Make the tables down to the PTE table for ADDR (no entry set): 0, or
 * -1 when out of memory. */
int mr_pgtable_make(mr_pgtable *pt, uint64_t addr);
/*
 * move_normal_pmd() (LEVEL MR_PT_PTE) and move_normal_pud() (MR_PT_PMD):
 * the table at LEVEL covering FROM (a PTE table's 2 MiB, a PMD table's
 * 1 GiB), entries and all, empty or not, becomes the table covering TO,
 * whose entry above must be empty; the tables above TO are made on the
 * way. No page is allocated or freed for the table itself. Returns 0,
 * 1 when FROM has no such table or TO's entry is taken (nothing
 * changed), or -1 when out of memory.
 */
int mr_pgtable_move_table(mr_pgtable *pt, int level, uint64_t from,
			  uint64_t to);
/*
 * Free the PTE tables whose whole 2 MiB lies in [start, end) and that
 * map nothing (the page-table reclaim of MADV_DONTNEED: zap_pte_range()
 * reclaims when its range is the whole table, mm/pt_reclaim.c). Returns
 * how many.
 */
size_t mr_pgtable_free_empty_ptes(mr_pgtable *pt, uint64_t start, uint64_t end);
/* Table pages at LEVEL (MR_PT_PUD, MR_PT_PMD or MR_PT_PTE). */
size_t mr_pgtable_tables(const mr_pgtable *pt, int level);
/* VmPTE in bytes: 4 KiB per PUD, PMD and PTE table. */
uint64_t mr_pgtable_bytes(const mr_pgtable *pt);

#endif
