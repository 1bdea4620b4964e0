/*
 * vma_tree.h - the ordered set of VMAs of one address space.
 *
 * An AVL tree keyed by vm_start, augmented with the largest free gap in
 * each subtree, so that lookup, insertion, removal and the top-down gap
 * search of unmapped_area_topdown() (mm/vma.c) are all O(log n). It plays
 * the part of the kernel's maple tree (mm->mm_mt).
 *
 * The gap recorded before a VMA is the raw free space between it and the
 * previous VMA, as in the maple tree. The searches apply the stack guard
 * gap of VM_GROWSDOWN VMAs the way the kernel does (see the functions).
 *
 * Invariants: VMAs are disjoint and sorted; every node's max_gap is the
 * maximum of its own gap and its children's max_gap; the heights are
 * AVL-balanced.
 */
#ifndef MR_ENGINE_VMA_TREE_H
#define MR_ENGINE_VMA_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/vma.h"

typedef struct mr_vma_tree {
	mr_vma *root;	    /* NULL when empty */
	size_t count;	    /* number of VMAs */
	uint64_t guard_gap; /* stack_guard_gap in bytes */
} mr_vma_tree;

void mr_vma_tree_init(mr_vma_tree *t, uint64_t guard_gap);

/* Insert V, which must not overlap any VMA in T. */
void mr_vma_tree_insert(mr_vma_tree *t, mr_vma *v);

/* Unlink V from T (V is not freed). */
void mr_vma_tree_remove(mr_vma_tree *t, mr_vma *v);

/*
 * Call after changing V's start or end in place (the order among VMAs
 * must be unchanged): refreshes the gap of V and of its successor.
 */
void mr_vma_tree_update(mr_vma_tree *t, mr_vma *v);

/* The VMA containing ADDR, or NULL. */
mr_vma *mr_vma_tree_find(const mr_vma_tree *t, uint64_t addr);

/* The first VMA with end > ADDR (the kernel's find_vma()), or NULL. */
mr_vma *mr_vma_tree_find_after(const mr_vma_tree *t, uint64_t addr);

/* The last VMA with start < ADDR, or NULL. */
mr_vma *mr_vma_tree_find_before(const mr_vma_tree *t, uint64_t addr);

mr_vma *mr_vma_tree_first(const mr_vma_tree *t);
mr_vma *mr_vma_tree_last(const mr_vma_tree *t);

/* vm_start_gap(): start lowered by the guard gap for VM_GROWSDOWN. */
uint64_t mr_vma_start_gap(const mr_vma_tree *t, const mr_vma *v);

/*
 * unmapped_area_topdown(): take the highest free gap that, clipped to
 * [low, high), holds len + align_mask bytes; the result is its top minus
 * len, aligned down so that (A - align_offset) & align_mask == 0. When the
 * VMA above that gap is VM_GROWSDOWN and its guard gap reaches into it,
 * high drops to the guard's start and the search runs again (so the whole
 * guard zone is avoided, even gaps in it below other VMAs). Returns 0 and
 * sets *out, or -1 when no gap fits.
 */
int mr_vma_tree_gap_topdown(const mr_vma_tree *t, uint64_t *out, uint64_t len,
			    uint64_t low, uint64_t high, uint64_t align_mask,
			    uint64_t align_offset);

/*
 * unmapped_area(): the lowest such gap; the result is its start aligned
 * up. When the VMA above is VM_GROWSDOWN and its guard gap starts below
 * A + len + align_mask - 1, low moves past that VMA and the search runs
 * again.
 */
int mr_vma_tree_gap_bottomup(const mr_vma_tree *t, uint64_t *out, uint64_t len,
			     uint64_t low, uint64_t high, uint64_t align_mask,
			     uint64_t align_offset);

#endif
