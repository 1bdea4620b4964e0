/*
 * frames.c - where the physical model's frames come from: the node's
 * buddy allocator when the machine has one (engine/buddy.h), frames
 * numbered in allocation order when it has none (unit tests of the page
 * tables alone).
 *
 *   anonymous pages, THP folios, copies of private file pages and shmem
 *   pages: GFP_HIGHUSER_MOVABLE, from the Normal zone down, movable;
 *   page-table pages (and the tables THP deposits): GFP_PGTABLE_USER,
 *   unmovable;
 *   page-cache pages of files: the files are taken to be cached when the
 *   run began, so a page the model caches is a background frame handed
 *   to the page cache, not an allocation (the kernel reads a file that
 *   is not cached into new pages: see docs/fidelity.md).
 *
 * Frees go back through the CPU's lists (mr_buddy_put()) at once; the
 * kernel frees page tables after an RCU grace period and batches page
 * frees in its mmu_gather, which changes which CPU list a page reaches
 * first, not the counts.
 *
 * THP deposits: pgtable_trans_huge_deposit() keeps a table per huge PMD
 * on a list of the PMD table holding it (split PMD locks), and withdraw
 * takes the latest; the model keeps them per address space, keyed by the
 * PMD table's frame.
 */
#include "engine/buddy.h"
#include "engine/engine_int.h"
#include "engine/pgtable.h"

#include <stdlib.h>
#include <string.h>

void mr_machine_set_buddy(mr_machine *m, mr_buddy *b)
{
	const mr_buddy_profile *p;
	uint64_t end = 0;
	int z;

	mr_buddy_free(m->buddy);
	m->buddy = b;
	if (!b)
		return;
	p = mr_buddy_profile_of(b);
	for (z = 0; z < MR_ZONE__COUNT; z++)
		if (p->zone[z].exists &&
		    p->zone[z].start_pfn + p->zone[z].spanned > end)
			end = p->zone[z].start_pfn + p->zone[z].spanned;
	/* frames the node could not give are numbered past its end */
	end = (end + (1ull << MR_NR_ORDERS)) & ~((1ull << MR_NR_ORDERS) - 1);
	if (m->next_pfn < end)
		m->next_pfn = end;
}

const mr_buddy *mr_machine_buddy(const mr_machine *m)
{
	return m->buddy;
}

void mr_machine_set_cpu(mr_machine *m, int cpu)
{
	const mr_buddy_profile *p =
		m->buddy ? mr_buddy_profile_of(m->buddy) : NULL;

	m->cpu = cpu >= 0 && (!p || cpu < p->ncpus) ? cpu : 0;
}

uint64_t mr_machine_frames_short(const mr_machine *m)
{
	return m->frames_short;
}

/* A frame numbered past the node. */
static uint64_t frame_number(mr_machine *m, unsigned order)
{
	uint64_t n = 1ull << order, pfn;

	pfn = (m->next_pfn + n - 1) & ~(n - 1);
	m->next_pfn = pfn + n;
	return pfn;
}

uint64_t mr_frame_alloc(mr_machine *m, unsigned order, int owner)
{
	int64_t pfn;
	int mt = owner == MR_OWN_PGTABLE || owner == MR_OWN_SLAB
			 ? MR_MT_UNMOVABLE
			 : MR_MT_MOVABLE;

	if (!m->buddy)
		return frame_number(m, order);
	pfn = mr_buddy_alloc(m->buddy, MR_ZONE_NORMAL, order, mt, m->cpu,
			     owner);
	if (pfn >= 0)
		return (uint64_t)pfn;
	/* the kernel would reclaim or fail; the node is out of free pages
	 * (counted, and said by the end-of-run check) */
	m->frames_short += 1ull << order;
	return frame_number(m, order);
}

uint64_t mr_frame_cached(mr_machine *m)
{
	int64_t pfn;

	if (!m->buddy)
		return frame_number(m, 0);
	pfn = mr_buddy_adopt(m->buddy, MR_OWN_BACKGROUND, MR_OWN_PAGECACHE,
			     &m->adopt_cursor);
	if (pfn >= 0)
		return (uint64_t)pfn;
	return mr_frame_alloc(m, 0, MR_OWN_PAGECACHE);
}

void mr_frame_free(mr_machine *m, uint64_t pfn, unsigned order)
{
	/* frames numbered past the node go nowhere; a frame of the node
	 * that is not an allocated block of ORDER is a bug of the model */
	if (m->buddy && mr_buddy_put(m->buddy, pfn, order, m->cpu) < 0 &&
	    mr_buddy_block_type(m->buddy, pfn) >= 0)
		m->frees_bad++;
}

uint64_t mr_machine_frees_bad(const mr_machine *m)
{
	return m->frees_bad;
}

void mr_frame_split(mr_machine *m, uint64_t pfn)
{
	if (m->buddy)
		mr_buddy_split(m->buddy, pfn);
}

/* ---- THP deposits ---- */

/* The frame of the PMD table holding the PMD of ADDR (0: none). */
static uint64_t pmd_table(const mr_mm *mm, uint64_t addr)
{
	uint64_t e = mm->pt ? mr_pgtable_entry(mm->pt, addr, MR_PT_PUD) : 0;

	return (e & MR_PTE_PFN_MASK) >> MR_PAGE_SHIFT;
}

static int deposit_push(mr_mm *mm, uint64_t table, uint64_t pfn)
{
	if (mm->ndep == mm->capdep) {
		size_t cap = mm->capdep ? 2 * mm->capdep : 16;
		struct mr_deposit *v = realloc(mm->dep, cap * sizeof(*v));

		if (!v)
			return -1;
		mm->dep = v;
		mm->capdep = cap;
	}
	mm->dep[mm->ndep].table = table;
	mm->dep[mm->ndep].pfn = pfn;
	mm->ndep++;
	return 0;
}

void mr_deposit_new(mr_mm *mm, uint64_t haddr)
{
	uint64_t pfn = mr_frame_alloc(mm->m, 0, MR_OWN_PGTABLE);

	mm->m->tables_allocated++;
	mm->pte_deposit++;
	if (deposit_push(mm, pmd_table(mm, haddr), pfn) < 0)
		mm->m->phys_oom = 1;
}

uint64_t mr_deposit_take(mr_mm *mm, uint64_t haddr)
{
	uint64_t table = pmd_table(mm, haddr), pfn;
	size_t i;

	if (!mm->ndep)
		return 0;
	mm->pte_deposit--;
	for (i = mm->ndep; i-- > 0;)
		if (mm->dep[i].table == table)
			break;
	/* none under this table (not expected): the latest */
	if (i == SIZE_MAX)
		i = mm->ndep - 1;
	pfn = mm->dep[i].pfn;
	memmove(&mm->dep[i], &mm->dep[i + 1],
		(mm->ndep - i - 1) * sizeof(*mm->dep));
	mm->ndep--;
	return pfn;
}

void mr_deposit_drop(mr_mm *mm, uint64_t haddr)
{
	uint64_t pfn = mr_deposit_take(mm, haddr);

	if (pfn)
		mr_frame_free(mm->m, pfn, 0);
}

void mr_deposit_move(mr_mm *mm, uint64_t from, uint64_t to)
{
	uint64_t pfn;

	if (pmd_table(mm, from) == pmd_table(mm, to))
		return;
	pfn = mr_deposit_take(mm, from);
	if (!pfn)
		return;
	mm->pte_deposit++;
	if (deposit_push(mm, pmd_table(mm, to), pfn) < 0)
		mm->m->phys_oom = 1;
}

void mr_deposit_free_all(mr_mm *mm)
{
	size_t i;

	for (i = 0; i < mm->ndep; i++)
		mr_frame_free(mm->m, mm->dep[i].pfn, 0);
	free(mm->dep);
	mm->dep = NULL;
	mm->ndep = mm->capdep = 0;
	mm->pte_deposit = 0;
}
