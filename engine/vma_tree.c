/*
 * vma_tree.c - AVL tree of VMAs augmented with free-gap maxima.
 *
 * The kernel keeps VMAs in a maple tree whose nodes record the largest
 * gap below them, which is what lets unmapped_area_topdown() find the
 * highest fitting hole without walking every VMA. The same augmentation on
 * a balanced binary tree gives the same answers with the same complexity.
 *
 * Like the maple tree, the tree records raw gaps (the free space between
 * two VMAs). The stack guard gap is applied afterwards, exactly as
 * unmapped_area_topdown() and unmapped_area() do: when the gap found lies
 * below a VM_GROWSDOWN VMA whose guard reaches into it, the search limit
 * moves past the guard and the search runs again.
 */
#include "engine/vma_tree.h"

#include <stddef.h>

void mr_vma_tree_init(mr_vma_tree *t, uint64_t guard_gap)
{
	t->root = NULL;
	t->count = 0;
	t->guard_gap = guard_gap;
}

static int height(const mr_vma *n)
{
	return n ? n->height : 0;
}

static uint64_t max_gap(const mr_vma *n)
{
	return n ? n->max_gap : 0;
}

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a > b ? a : b;

	return m > c ? m : c;
}

/* Recompute height and max_gap of N from its children. */
static void pull(mr_vma *n)
{
	int hl = height(n->left), hr = height(n->right);

	n->height = 1 + (hl > hr ? hl : hr);
	n->max_gap = max3(n->gap, max_gap(n->left), max_gap(n->right));
}

/*
 * Refresh max_gap from N up, as far as it changes: a node's height and
 * max_gap depend on its children's alone, so above a node whose values
 * came out as they were nothing changes.
 */
static void pull_up(mr_vma *n)
{
	for (; n; n = n->parent) {
		int oh = n->height;
		uint64_t og = n->max_gap;

		pull(n);
		if (n->height == oh && n->max_gap == og)
			return;
	}
}

mr_vma *mr_vma_next(const mr_vma *v)
{
	const mr_vma *n = v;

	if (n->right) {
		n = n->right;
		while (n->left)
			n = n->left;
		return (mr_vma *)n;
	}
	while (n->parent && n->parent->right == n)
		n = n->parent;
	return n->parent;
}

mr_vma *mr_vma_prev(const mr_vma *v)
{
	const mr_vma *n = v;

	if (n->left) {
		n = n->left;
		while (n->right)
			n = n->right;
		return (mr_vma *)n;
	}
	while (n->parent && n->parent->left == n)
		n = n->parent;
	return n->parent;
}

mr_vma *mr_vma_tree_first(const mr_vma_tree *t)
{
	mr_vma *n = t->root;

	while (n && n->left)
		n = n->left;
	return n;
}

mr_vma *mr_vma_tree_last(const mr_vma_tree *t)
{
	mr_vma *n = t->root;

	while (n && n->right)
		n = n->right;
	return n;
}

uint64_t mr_vma_start_gap(const mr_vma_tree *t, const mr_vma *v)
{
	if ((v->flags & MR_VM_GROWSDOWN) && v->start > t->guard_gap)
		return v->start - t->guard_gap;
	if (v->flags & MR_VM_GROWSDOWN)
		return 0;
	return v->start;
}

/* The gap before V: from the previous VMA's end to V's start. */
static uint64_t gap_before(const mr_vma *v)
{
	const mr_vma *p = mr_vma_prev(v);

	return v->start - (p ? p->end : 0);
}

static void set_child(mr_vma_tree *t, mr_vma *parent, mr_vma *old, mr_vma *new)
{
	if (!parent)
		t->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
	if (new)
		new->parent = parent;
}

static mr_vma *rotate_left(mr_vma_tree *t, mr_vma *x)
{
	mr_vma *y = x->right;

	set_child(t, x->parent, x, y);
	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->left = x;
	x->parent = y;
	pull(x);
	pull(y);
	return y;
}

static mr_vma *rotate_right(mr_vma_tree *t, mr_vma *x)
{
	mr_vma *y = x->left;

	set_child(t, x->parent, x, y);
	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->right = x;
	x->parent = y;
	pull(x);
	pull(y);
	return y;
}

/*
 * Restore the AVL balance (and max_gap) from N up, N's children having
 * changed: up to the first place whose node, rotated or not, has the
 * height and max_gap the node there had (its parent's view is then
 * right, and so is everything above).
 */
static void rebalance(mr_vma_tree *t, mr_vma *n)
{
	while (n) {
		int bal, oh = n->height;
		uint64_t og = n->max_gap;

		pull(n);
		bal = height(n->left) - height(n->right);
		if (bal > 1) {
			if (height(n->left->left) < height(n->left->right))
				rotate_left(t, n->left);
			n = rotate_right(t, n);
		} else if (bal < -1) {
			if (height(n->right->right) < height(n->right->left))
				rotate_right(t, n->right);
			n = rotate_left(t, n);
		}
		if (n->height == oh && n->max_gap == og)
			return;
		n = n->parent;
	}
}

static void refresh_gap(mr_vma_tree *t, mr_vma *v)
{
	if (!v)
		return;
	(void)t;
	v->gap = gap_before(v);
	pull_up(v);
}

void mr_vma_tree_insert(mr_vma_tree *t, mr_vma *v)
{
	mr_vma *p = NULL, **link = &t->root;

	while (*link) {
		p = *link;
		link = v->start < p->start ? &p->left : &p->right;
	}
	v->left = v->right = NULL;
	v->parent = p;
	v->height = 1;
	v->gap = 0;
	v->max_gap = 0;
	*link = v;
	t->count++;
	rebalance(t, p); /* P's child changed: V's own values are right */
	refresh_gap(t, v);
	refresh_gap(t, mr_vma_next(v));
}

void mr_vma_tree_remove(mr_vma_tree *t, mr_vma *v)
{
	mr_vma *next = mr_vma_next(v);
	mr_vma *fix;

	if (v->left && v->right) {
		/* Replace V by its successor S (which has no left child). */
		mr_vma *s = next;
		mr_vma *sp = s->parent;
		mr_vma *sr = s->right;

		if (sp != v) {
			set_child(t, sp, s, sr);
			s->right = v->right;
			s->right->parent = s;
			fix = sp;
		} else {
			fix = s;
		}
		set_child(t, v->parent, v, s);
		s->left = v->left;
		s->left->parent = s;
		/* S has V's place, and the values V's parent knew there */
		s->height = v->height;
		s->max_gap = v->max_gap;
		rebalance(t, fix);
	} else {
		mr_vma *c = v->left ? v->left : v->right;

		fix = v->parent;
		set_child(t, v->parent, v, c);
		rebalance(t, fix);
	}
	v->left = v->right = v->parent = NULL;
	t->count--;
	refresh_gap(t, next);
}

void mr_vma_tree_update(mr_vma_tree *t, mr_vma *v)
{
	refresh_gap(t, v);
	refresh_gap(t, mr_vma_next(v));
}

mr_vma *mr_vma_tree_find_after(const mr_vma_tree *t, uint64_t addr)
{
	mr_vma *n = t->root, *best = NULL;

	while (n) {
		if (n->end > addr) {
			best = n;
			if (n->start <= addr)
				return n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

mr_vma *mr_vma_tree_find(const mr_vma_tree *t, uint64_t addr)
{
	mr_vma *v = mr_vma_tree_find_after(t, addr);

	return v && v->start <= addr ? v : NULL;
}

mr_vma *mr_vma_tree_find_before(const mr_vma_tree *t, uint64_t addr)
{
	mr_vma *n = t->root, *best = NULL;

	while (n) {
		if (n->start < addr) {
			best = n;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best;
}

/* The usable part of a gap [lo, hi) clipped to [low, high). */
static int clip(uint64_t *lo, uint64_t *hi, uint64_t low, uint64_t high)
{
	if (*lo < low)
		*lo = low;
	if (*hi > high)
		*hi = high;
	return *hi > *lo;
}

struct gap_query {
	uint64_t length;    /* len + align_mask */
	uint64_t low, high; /* search window */
	uint64_t lo, hi;    /* the gap found, clipped to the window */
	const mr_vma *next; /* the VMA above that gap, NULL for the top */
};

/* Take the gap [lo, hi) before N if, clipped, it holds q->length. */
static int try_gap(struct gap_query *q, const mr_vma *n, uint64_t lo,
		   uint64_t hi)
{
	if (n->gap < q->length || !clip(&lo, &hi, q->low, q->high) ||
	    hi - lo < q->length)
		return 0;
	q->lo = lo;
	q->hi = hi;
	q->next = n;
	return 1;
}

/*
 * Highest gap of at least q->length in the subtree N; 1 when found. Gaps
 * in the right subtree start at or above n->end; gaps in the left subtree
 * end at or below the previous VMA's end, which is where N's gap starts.
 */
static int search_down(struct gap_query *q, const mr_vma *n)
{
	uint64_t lo;

	if (!n || n->max_gap < q->length)
		return 0;
	if (n->end < q->high && search_down(q, n->right))
		return 1;
	lo = n->start - n->gap;
	if (try_gap(q, n, lo, n->start))
		return 1;
	if (lo <= q->low)
		return 0;
	return search_down(q, n->left);
}

/* Lowest gap of at least q->length in the subtree N; 1 when found. */
static int search_up(struct gap_query *q, const mr_vma *n)
{
	uint64_t lo;

	if (!n || n->max_gap < q->length)
		return 0;
	lo = n->start - n->gap;
	if (lo > q->low && search_up(q, n->left))
		return 1;
	if (try_gap(q, n, lo, n->start))
		return 1;
	if (n->end >= q->high)
		return 0;
	return search_up(q, n->right);
}

/* The free space above the last VMA, clipped; 1 when it fits. */
static int top_gap(const mr_vma_tree *t, struct gap_query *q)
{
	const mr_vma *last = mr_vma_tree_last(t);
	uint64_t lo = last ? last->end : 0, hi = UINT64_MAX;

	if (!clip(&lo, &hi, q->low, q->high) || hi - lo < q->length)
		return 0;
	q->lo = lo;
	q->hi = hi;
	q->next = NULL;
	return 1;
}

static int is_growsdown(const mr_vma *v)
{
	return v && (v->flags & MR_VM_GROWSDOWN);
}

int mr_vma_tree_gap_topdown(const mr_vma_tree *t, uint64_t *out, uint64_t len,
			    uint64_t low, uint64_t high, uint64_t align_mask,
			    uint64_t align_offset)
{
	struct gap_query q = {len + align_mask, low, high, 0, 0, NULL};
	uint64_t a;

	if (q.length < len)
		return -1;
	for (;;) {
		if (q.high <= q.low)
			return -1;
		if (!top_gap(t, &q) && !search_down(&q, t->root))
			return -1;
		/* The guard gap of a stack above cuts into the gap: search
		 * again below it (each retry lowers the limit). */
		if (is_growsdown(q.next) &&
		    mr_vma_start_gap(t, q.next) < q.hi) {
			q.high = mr_vma_start_gap(t, q.next);
			continue;
		}
		break;
	}
	a = q.hi - len;
	a -= (a - align_offset) & align_mask;
	*out = a;
	return 0;
}

int mr_vma_tree_gap_bottomup(const mr_vma_tree *t, uint64_t *out, uint64_t len,
			     uint64_t low, uint64_t high, uint64_t align_mask,
			     uint64_t align_offset)
{
	struct gap_query q = {len + align_mask, low, high, 0, 0, NULL};
	uint64_t a;

	if (q.length < len)
		return -1;
	for (;;) {
		if (q.high <= q.low)
			return -1;
		if (!search_up(&q, t->root) && !top_gap(t, &q))
			return -1;
		a = q.lo + ((align_offset - q.lo) & align_mask);
		/* Too close to a stack's guard gap: search above it. */
		if (is_growsdown(q.next) &&
		    mr_vma_start_gap(t, q.next) < a + q.length - 1) {
			q.low = q.next->end;
			continue;
		}
		break;
	}
	*out = a;
	return 0;
}
