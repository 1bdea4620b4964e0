/*
 * ranges.c - sets of pages an address space holds something on, as
 * sorted lists of disjoint ranges: the guard markers of MADV_GUARD_INSTALL
 * and the huge pages faulted into MAP_NORESERVE hugetlb mappings.
 *
 * Guard regions (Linux 6.18 mm/madvise.c madvise_guard_install/remove)
 * are page table markers that make an access fault without changing any
 * VMA: they survive MADV_DONTNEED and mprotect, go with munmap (and
 * MAP_FIXED, brk shrink, mremap's source), are copied by fork for VMAs
 * whose page tables fork copies (they have an anon_vma, which an install
 * prepares), move with their pages (mremap), and make population fail:
 * MADV_POPULATE_* with EFAULT, mlock with ENOMEM.
 */
#include "engine/engine_int.h"

#include <stdlib.h>
#include <string.h>

/* Make room for one more range. */
static int ranges_reserve(struct mr_ranges *rs)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 8;
		struct mr_range *n = realloc(rs->v, cap * sizeof(*n));

		if (!n)
			return -1;
		rs->v = n;
		rs->cap = cap;
	}
	return 0;
}

void mr_ranges_del(struct mr_ranges *rs, uint64_t start, uint64_t end)
{
	size_t i = 0;

	if (start >= end)
		return;
	while (i < rs->n) {
		struct mr_range *g = &rs->v[i];

		if (g->end <= start || g->start >= end) {
			i++;
			continue;
		}
		if (g->start < start && g->end > end) {
			/* the hole splits the range in two */
			struct mr_range tail = {end, g->end};

			if (ranges_reserve(rs))
				return;
			g = &rs->v[i];
			g->end = start;
			memmove(&rs->v[i + 2], &rs->v[i + 1],
				(rs->n - i - 1) * sizeof(*g));
			rs->v[i + 1] = tail;
			rs->n++;
			return;
		}
		if (g->start < start) {
			g->end = start;
			i++;
		} else if (g->end > end) {
			g->start = end;
			i++;
		} else {
			memmove(g, g + 1, (rs->n - i - 1) * sizeof(*g));
			rs->n--;
		}
	}
}

void mr_ranges_add(struct mr_ranges *rs, uint64_t start, uint64_t end)
{
	size_t i = 0, j;

	if (start >= end)
		return;
	/* absorb every range that touches [start, end) */
	while (i < rs->n && rs->v[i].end < start)
		i++;
	j = i;
	while (j < rs->n && rs->v[j].start <= end) {
		if (rs->v[j].start < start)
			start = rs->v[j].start;
		if (rs->v[j].end > end)
			end = rs->v[j].end;
		j++;
	}
	if (j > i) {
		memmove(&rs->v[i + 1], &rs->v[j], (rs->n - j) * sizeof(*rs->v));
		rs->n -= j - i - 1;
	} else {
		if (ranges_reserve(rs))
			return;
		memmove(&rs->v[i + 1], &rs->v[i], (rs->n - i) * sizeof(*rs->v));
		rs->n++;
	}
	rs->v[i].start = start;
	rs->v[i].end = end;
}

uint64_t mr_ranges_bytes(const struct mr_ranges *rs, uint64_t start,
			 uint64_t end)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->v[i].start < end && rs->v[i].end > start)
			n += (rs->v[i].end < end ? rs->v[i].end : end) -
			     (rs->v[i].start > start ? rs->v[i].start : start);
	return n;
}

void mr_ranges_copy(struct mr_ranges *dst, const struct mr_ranges *src,
		    uint64_t start, uint64_t end)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		uint64_t s = src->v[i].start, e = src->v[i].end;

		if (e <= start || s >= end)
			continue;
		mr_ranges_add(dst, s > start ? s : start, e < end ? e : end);
	}
}

void mr_ranges_free(struct mr_ranges *rs)
{
	free(rs->v);
	rs->v = NULL;
	rs->n = rs->cap = 0;
}

/* ---- huge pages faulted into MAP_NORESERVE hugetlb mappings ---- */

int mr_huge_populate(mr_mm *mm, const mr_vma *v, uint64_t start, uint64_t end,
		     uint64_t *taken)
{
	uint64_t hs = mr_vma_huge_size(mm, v), *avail, left, lo, hi, at;
	int i;

	if (!hs || !(v->flags & MR_VM_NORESERVE) || !mm->m->cfg.huge_known)
		return 0;
	lo = (v->start > start ? v->start : start) & ~(hs - 1);
	hi = v->end < end ? v->end : end;
	hi = (hi + hs - 1) & ~(hs - 1);
	i = hs > MR_PMD_SIZE;
	avail = &mm->m->cfg.huge_avail[i];
	left = taken ? (*avail > taken[i] ? *avail - taken[i] : 0) : *avail;
	/* page by page, in order: each not faulted in yet takes one from
	 * the pool, and the first that finds none is SIGBUS */
	for (at = lo; at < hi; at += hs) {
		if (mr_ranges_bytes(&mm->hfault, at, at + hs))
			continue;
		if (!left)
			return 1;
		left--;
		if (taken) {
			taken[i]++;
		} else {
			--*avail;
			mr_ranges_add(&mm->hfault, at, at + hs);
		}
	}
	return 0;
}

void mr_huge_unfault(mr_mm *mm, const mr_vma *v)
{
	uint64_t hs = mr_vma_huge_size(mm, v);

	if (!hs)
		return;
	mm->m->cfg.huge_avail[hs > MR_PMD_SIZE] +=
		mr_ranges_bytes(&mm->hfault, v->start, v->end) / hs;
	mr_ranges_del(&mm->hfault, v->start, v->end);
}

void mr_ranges_move(struct mr_ranges *rs, uint64_t from, uint64_t to,
		    uint64_t len)
{
	struct mr_ranges moved = {NULL, 0, 0};
	size_t i;

	mr_ranges_copy(&moved, rs, from, from + len);
	mr_ranges_del(rs, from, from + len);
	for (i = 0; i < moved.n; i++)
		mr_ranges_add(rs, moved.v[i].start - from + to,
			      moved.v[i].end - from + to);
	mr_ranges_free(&moved);
}
