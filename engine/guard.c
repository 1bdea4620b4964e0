/*
 * guard.c - guard regions (MADV_GUARD_INSTALL): page table markers that
 * make an access fault (SIGSEGV) without changing any VMA.
 *
 * The model keeps, per address space, the guarded pages as a sorted list
 * of disjoint ranges. Mirrors Linux 6.18 mm/madvise.c
 * (madvise_guard_install/remove): markers survive MADV_DONTNEED and
 * mprotect, go with munmap (and MAP_FIXED, brk shrink, mremap's source),
 * are copied by fork for VMAs whose page tables fork copies (they have
 * an anon_vma, which an install prepares), and make population fail:
 * MADV_POPULATE_* with EFAULT, mlock with ENOMEM. mremap moving guarded
 * pages is not modelled (their markers stay at the old address).
 */
#include "engine/engine_int.h"

#include <stdlib.h>
#include <string.h>

/* Make room for one more range. */
static int guard_reserve(mr_mm *mm)
{
	if (mm->nguard == mm->capguard) {
		size_t cap = mm->capguard ? mm->capguard * 2 : 8;
		struct mr_range *n = realloc(mm->guard, cap * sizeof(*n));

		if (!n)
			return -1;
		mm->guard = n;
		mm->capguard = cap;
	}
	return 0;
}

void mr_guard_del(mr_mm *mm, uint64_t start, uint64_t end)
{
	size_t i = 0;

	while (i < mm->nguard) {
		struct mr_range *g = &mm->guard[i];

		if (g->end <= start || g->start >= end) {
			i++;
			continue;
		}
		if (g->start < start && g->end > end) {
			/* the hole splits the range in two */
			struct mr_range tail = {end, g->end};

			if (guard_reserve(mm))
				return;
			g = &mm->guard[i];
			g->end = start;
			memmove(&mm->guard[i + 2], &mm->guard[i + 1],
				(mm->nguard - i - 1) * sizeof(*g));
			mm->guard[i + 1] = tail;
			mm->nguard++;
			return;
		}
		if (g->start < start) {
			g->end = start;
			i++;
		} else if (g->end > end) {
			g->start = end;
			i++;
		} else {
			memmove(g, g + 1, (mm->nguard - i - 1) * sizeof(*g));
			mm->nguard--;
		}
	}
}

void mr_guard_add(mr_mm *mm, uint64_t start, uint64_t end)
{
	size_t i = 0, j;

	if (start >= end)
		return;
	/* absorb every range that touches [start, end) */
	while (i < mm->nguard && mm->guard[i].end < start)
		i++;
	j = i;
	while (j < mm->nguard && mm->guard[j].start <= end) {
		if (mm->guard[j].start < start)
			start = mm->guard[j].start;
		if (mm->guard[j].end > end)
			end = mm->guard[j].end;
		j++;
	}
	if (j > i) {
		memmove(&mm->guard[i + 1], &mm->guard[j],
			(mm->nguard - j) * sizeof(*mm->guard));
		mm->nguard -= j - i - 1;
	} else {
		if (guard_reserve(mm))
			return;
		memmove(&mm->guard[i + 1], &mm->guard[i],
			(mm->nguard - i) * sizeof(*mm->guard));
		mm->nguard++;
	}
	mm->guard[i].start = start;
	mm->guard[i].end = end;
}

int mr_guard_any(const mr_mm *mm, uint64_t start, uint64_t end)
{
	size_t i;

	for (i = 0; i < mm->nguard; i++)
		if (mm->guard[i].start < end && mm->guard[i].end > start)
			return 1;
	return 0;
}

void mr_guard_copy(mr_mm *dst, const mr_mm *src, uint64_t start, uint64_t end)
{
	size_t i;

	for (i = 0; i < src->nguard; i++) {
		uint64_t s = src->guard[i].start, e = src->guard[i].end;

		if (e <= start || s >= end)
			continue;
		mr_guard_add(dst, s > start ? s : start, e < end ? e : end);
	}
}

void mr_guard_free(mr_mm *mm)
{
	free(mm->guard);
	mm->guard = NULL;
	mm->nguard = mm->capguard = 0;
}
