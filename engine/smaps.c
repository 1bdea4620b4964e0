/*
 * smaps.c - /proc/PID/smaps and the page-table walk as the model knows
 * them: the one renderer of a VMA's smaps block and of VmFlags.
 *
 * Mirrors Linux 6.18 fs/proc/task_mmu.c show_smap(): the maps line, then
 * Size .. THPeligible in kB (%8lu after the name padded to 16 columns),
 * then VmFlags, the two-letter mnemonics of the VMA's flags in bit order.
 * The page figures walk the VMA's page tables: Rss the mapped pages
 * (the zero pages are no one's), Pss each page divided by its map count,
 * Shared_* the pages mapped more than once, Dirty an anonymous page or a
 * dirty entry, Referenced every mapped page (entries are made young),
 * Anonymous the anonymous pages, AnonHugePages those of huge PMDs,
 * Locked the Pss of a VM_LOCKED VMA. A lazy-free page (MADV_FREE) whose
 * entry is still clean is LazyFree, clean, and unreferenced while its
 * entry is old. Approximated, and so documented: a page-cache page dirty
 * in the cache but not through this mapping counts as clean (no trace
 * shows the cache's dirtiness), and a lazy-free page written or read
 * since counts as untouched (no fault shows it); Swap, KSM, the hugetlb
 * lines and the PMD-mapped shmem and file pages are 0.
 */
#include "engine/engine_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "engine/pgtable.h"

/* show_smap_vma_flags()'s mnemonics, by bit. */
static const struct {
	char m[3];
	uint64_t bit;
} vmflag_names[] = {
	{"rd", MR_VM_READ},	   {"wr", MR_VM_WRITE},
	{"ex", MR_VM_EXEC},	   {"sh", MR_VM_SHARED},
	{"mr", MR_VM_MAYREAD},	   {"mw", MR_VM_MAYWRITE},
	{"me", MR_VM_MAYEXEC},	   {"ms", MR_VM_MAYSHARE},
	{"gd", MR_VM_GROWSDOWN},   {"um", MR_VM_UFFD_MISSING},
	{"pf", MR_VM_PFNMAP},	   {"uw", MR_VM_UFFD_WP},
	{"lo", MR_VM_LOCKED},	   {"io", MR_VM_IO},
	{"sr", MR_VM_SEQ_READ},	   {"rr", MR_VM_RAND_READ},
	{"dc", MR_VM_DONTCOPY},	   {"de", MR_VM_DONTEXPAND},
	{"lf", MR_VM_LOCKONFAULT}, {"ac", MR_VM_ACCOUNT},
	{"nr", MR_VM_NORESERVE},   {"ht", MR_VM_HUGETLB},
	{"sf", MR_VM_SYNC},	   {"ar", MR_VM_ARCH_1},
	{"wf", MR_VM_WIPEONFORK},  {"dd", MR_VM_DONTDUMP},
	{"sd", MR_VM_SOFTDIRTY},   {"mm", MR_VM_MIXEDMAP},
	{"hg", MR_VM_HUGEPAGE},	   {"nh", MR_VM_NOHUGEPAGE},
	{"mg", MR_VM_MERGEABLE},   {"sl", MR_VM_SEALED},
	{"dp", MR_VM_DROPPABLE},
};

#define NFLAGS (sizeof(vmflag_names) / sizeof(vmflag_names[0]))

uint64_t mr_vmflags_parse(const char *s)
{
	uint64_t f = 0;
	size_t i;

	while (*s) {
		while (*s == ' ')
			s++;
		if (!s[0] || !s[1])
			break;
		for (i = 0; i < NFLAGS; i++)
			if (s[0] == vmflag_names[i].m[0] &&
			    s[1] == vmflag_names[i].m[1])
				f |= vmflag_names[i].bit;
		s += 2;
	}
	return f;
}

size_t mr_vmflags_format(uint64_t flags, char *buf, size_t len)
{
	size_t at = 0, i;

	if (!len)
		return 0;
	buf[0] = 0;
	for (i = 0; i < NFLAGS && at + 4 < len; i++)
		if (flags & vmflag_names[i].bit) {
			memcpy(buf + at, vmflag_names[i].m, 2);
			buf[at + 2] = ' ';
			at += 3;
		}
	buf[at] = 0;
	return at;
}

/* What a walk of one VMA's pages adds up (bytes; pss in bytes << 12). */
struct smaps_sum {
	uint64_t rss, pss, pss_dirty, shared_clean, shared_dirty;
	uint64_t private_clean, private_dirty, referenced, anon, anon_huge;
	uint64_t lazyfree;
};

static void account(struct smaps_sum *s, uint64_t size, uint32_t mapcount,
		    int dirty, int anon, int huge, int young)
{
	uint64_t pss = (size << 12) / (mapcount ? mapcount : 1);

	s->rss += size;
	if (young)
		s->referenced += size;
	s->pss += pss;
	if (dirty)
		s->pss_dirty += pss;
	if (mapcount >= 2) {
		if (dirty)
			s->shared_dirty += size;
		else
			s->shared_clean += size;
	} else if (dirty) {
		s->private_dirty += size;
	} else {
		s->private_clean += size;
	}
	if (anon)
		s->anon += size;
	if (anon && huge)
		s->anon_huge += size;
}

static void walk(const mr_mm *mm, const mr_vma *v, struct smaps_sum *s)
{
	uint64_t a = v->start, e;
	int level;

	memset(s, 0, sizeof(*s));
	if (!mm->pt)
		return;
	while (mr_pgtable_next(mm->pt, &a, v->end, &e, &level)) {
		uint64_t size = level == MR_PT_PMD ? MR_PMD_SIZE : MR_PAGE_SIZE;
		uint64_t pfn = (e & MR_PTE_PFN_MASK) >> MR_PAGE_SHIFT;
		int kind = mr_phys_page_kind(mm->m, pfn);

		/* lazy-free: PG_swapbacked and the entry's dirty and young
		 * bits cleared by MADV_FREE */
		int lazy = kind == MR_PG_ANON && !(e & MR_PTE_DIRTY) &&
			   mr_phys_page_lazyfree(mm->m, pfn);

		if (!(e & MR_PTE_SPECIAL) && kind != MR_PG_NONE)
			account(s, size, mr_phys_page_mapcount(mm->m, pfn),
				(kind == MR_PG_ANON && !lazy) ||
					(e & MR_PTE_DIRTY),
				kind == MR_PG_ANON, level == MR_PT_PMD,
				!lazy || (e & MR_PTE_ACCESSED));
		if (lazy && !(e & MR_PTE_SPECIAL))
			s->lazyfree += size;
		a += size;
	}
}

/* thp_vma_allowable_orders() for smaps: THP may back a PMD of V. */
static int thp_eligible(const mr_mm *mm, const mr_vma *v)
{
	int mode = mm->m->cfg.thp;
	uint64_t up = (v->start + MR_PMD_SIZE - 1) & ~(MR_PMD_SIZE - 1);

	if (v->file || (v->flags & (MR_VM_SHARED | MR_VM_NOHUGEPAGE |
				    MR_VM_SPECIAL | MR_VM_HUGETLB)) ||
	    v->kind != MR_VMA_PLAIN)
		return 0;
	if (mode == MR_THP_NEVER ||
	    (mode == MR_THP_MADVISE && !(v->flags & MR_VM_HUGEPAGE)))
		return 0;
	return up + MR_PMD_SIZE <= v->end;
}

static size_t kb_line(char *buf, size_t len, size_t at, const char *name,
		      uint64_t bytes)
{
	int n;

	if (at >= len)
		return at;
	n = snprintf(buf + at, len - at, "%-16s%8" PRIu64 " kB\n", name,
		     bytes >> 10);
	return n < 0 ? at : at + (size_t)n;
}

size_t mr_mm_format_smaps(const mr_mm *mm, const mr_vma *v, char *buf,
			  size_t len)
{
	struct smaps_sum s;
	uint64_t page = mr_vma_huge_size(mm, v);
	char flags[160];
	size_t at;
	int n;

	if (!len)
		return 0;
	at = mr_mm_format_vma(mm, v, buf, len);
	if (at + 1 < len) {
		buf[at++] = '\n';
		buf[at] = 0;
	}
	walk(mm, v, &s);
	if (!page)
		page = MR_PAGE_SIZE;
	at = kb_line(buf, len, at, "Size:", v->end - v->start);
	at = kb_line(buf, len, at, "KernelPageSize:", page);
	at = kb_line(buf, len, at, "MMUPageSize:", page);
	at = kb_line(buf, len, at, "Rss:", s.rss);
	at = kb_line(buf, len, at, "Pss:", s.pss >> 12);
	at = kb_line(buf, len, at, "Pss_Dirty:", s.pss_dirty >> 12);
	at = kb_line(buf, len, at, "Shared_Clean:", s.shared_clean);
	at = kb_line(buf, len, at, "Shared_Dirty:", s.shared_dirty);
	at = kb_line(buf, len, at, "Private_Clean:", s.private_clean);
	at = kb_line(buf, len, at, "Private_Dirty:", s.private_dirty);
	at = kb_line(buf, len, at, "Referenced:", s.referenced);
	at = kb_line(buf, len, at, "Anonymous:", s.anon);
	at = kb_line(buf, len, at, "KSM:", 0);
	at = kb_line(buf, len, at, "LazyFree:", s.lazyfree);
	at = kb_line(buf, len, at, "AnonHugePages:", s.anon_huge);
	at = kb_line(buf, len, at, "ShmemPmdMapped:", 0);
	at = kb_line(buf, len, at, "FilePmdMapped:", 0);
	at = kb_line(buf, len, at, "Shared_Hugetlb:", 0);
	at = kb_line(buf, len, at, "Private_Hugetlb:", 0);
	at = kb_line(buf, len, at, "Swap:", 0);
	at = kb_line(buf, len, at, "SwapPss:", 0);
	at = kb_line(buf, len, at, "Locked:",
		     (v->flags & MR_VM_LOCKED) ? s.pss >> 12 : 0);
	mr_vmflags_format(v->flags, flags, sizeof(flags));
	if (at < len) {
		n = snprintf(buf + at, len - at,
			     "THPeligible:    %8d\nVmFlags: %s\n",
			     thp_eligible(mm, v), flags);
		if (n > 0)
			at += (size_t)n;
	}
	return at < len ? at : len - 1;
}

/* One level of the walk to ADDR: "PGD[i] = 0x...". */
size_t mr_mm_format_walk(const mr_mm *mm, uint64_t addr, char *buf, size_t len)
{
	static const char *const names[] = {"PGD", "PUD", "PMD", "PTE"};
	static const unsigned shifts[] = {39, 30, 21, 12};
	size_t at = 0;
	int lv, n;

	if (!len)
		return 0;
	buf[0] = 0;
	for (lv = MR_PT_PGD; lv <= MR_PT_PTE; lv++) {
		uint64_t e = mm->pt ? mr_pgtable_entry(mm->pt, addr, lv) : 0;

		n = snprintf(buf + at, len - at,
			     "%s[%3u] = 0x%016" PRIx64 "%s\n", names[lv],
			     (unsigned)(addr >> shifts[lv]) & 511, e,
			     !e			       ? "  (none)"
			     : (lv == MR_PT_PMD && (e & MR_PTE_PSE)) ? "  (huge)"
								       : "");
		if (n < 0 || (size_t)n >= len - at)
			break;
		at += (size_t)n;
		if (!e || (lv == MR_PT_PMD && (e & MR_PTE_PSE)))
			break;
	}
	return at;
}
