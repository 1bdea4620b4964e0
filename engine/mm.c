/*
 * mm.c - VMA operations of one address space: split, merge, unmap, and the
 * syscalls mmap, munmap, mprotect and brk.
 *
 * Mirrors Linux 6.18: mm/vma.c (__split_vma, vma_merge_new_range,
 * vma_merge_existing_range, vms_gather_munmap_vmas, find_mergeable_anon_vma),
 * mm/mmap.c (do_mmap, brk, do_brk_flags), mm/mprotect.c
 * (do_mprotect_pkey, mprotect_fixup) and arch/x86/kernel/sys_x86_64.c
 * (arch_get_unmapped_area_topdown).
 *
 * Every change to a VMA goes through link(), unlink() or the
 * change_begin()/change_end() pair, which keep the tree, the digest, the
 * journal and the invariant checker's list of touched VMAs in step.
 */
#include "engine/engine_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* mmap(2) flag and prot bits (uapi), as the syscall receives them. */
#define PROT_READ_ 0x1
#define PROT_WRITE_ 0x2
#define PROT_EXEC_ 0x4
#define PROT_SEM_ 0x8
#define PROT_GROWSDOWN_ 0x01000000
#define PROT_GROWSUP_ 0x02000000
#define MAP_SHARED_ 0x01
#define MAP_PRIVATE_ 0x02
#define MAP_SHARED_VALIDATE_ 0x03
#define MAP_TYPE_ 0x0f
#define MAP_FIXED_ 0x10
#define MAP_ANONYMOUS_ 0x20
#define MAP_GROWSDOWN_ 0x100
#define MAP_LOCKED_ 0x2000
#define MAP_NORESERVE_ 0x4000
#define MAP_STACK_ 0x20000
#define MAP_HUGETLB_ 0x40000
#define MAP_SYNC_ 0x80000
#define MAP_FIXED_NOREPLACE_ 0x100000

/* ---- allocation and bookkeeping ---- */

static mr_vma *vma_alloc(void)
{
	return calloc(1, sizeof(mr_vma));
}

/* vma_is_initial_heap(): anonymous, unnamed, overlapping the brk area. */
int mr_vma_in_heap(const mr_mm *mm, const mr_vma *v)
{
	return mm->brk_known && !v->file && v->kind == MR_VMA_PLAIN &&
	       !v->name && !mr_vma_anon_shmem(v) && v->start < mm->brk &&
	       v->end > mm->start_brk;
}

static void heap_update(const mr_mm *mm, mr_vma *v)
{
	v->heap = (uint8_t)mr_vma_in_heap(mm, v);
}

/* Insert a new VMA and report it. */
static void link(mr_mm *mm, mr_vma *v, int merge_path)
{
	mr_machine *m = mm->m;

	heap_update(mm, v);
	mr_vma_tree_insert(&mm->tree, v);
	v->hash = mr_vma_hash(mm, v);
	m->sum += v->hash;
	if (m->j.vma_add)
		v->cookie = m->j.vma_add(m->j.ctx, mm, v);
	mr_machine_touch(m, mm, v->start, merge_path);
}

/* Remove a VMA, report it, and free it. */
static void unlink_free(mr_mm *mm, mr_vma *v)
{
	mr_machine *m = mm->m;

	m->sum -= v->hash;
	if (m->j.vma_del)
		m->j.vma_del(m->j.ctx, mm, v);
	mr_vma_tree_remove(&mm->tree, v);
	mr_machine_mm_dirty(m, mm);
	free(v);
}

/* Before changing V in place: it leaves the history as it was. */
static void change_begin(mr_mm *mm, mr_vma *v)
{
	mr_machine *m = mm->m;

	m->sum -= v->hash;
	if (m->j.vma_del)
		m->j.vma_del(m->j.ctx, mm, v);
}

/* After changing V in place: it re-enters the history as it is now. */
static void change_end(mr_mm *mm, mr_vma *v, int merge_path)
{
	mr_machine *m = mm->m;

	heap_update(mm, v);
	mr_vma_tree_update(&mm->tree, v);
	v->hash = mr_vma_hash(mm, v);
	m->sum += v->hash;
	if (m->j.vma_add)
		v->cookie = m->j.vma_add(m->j.ctx, mm, v);
	mr_machine_touch(m, mm, v->start, merge_path);
}

static void set_range(mr_mm *mm, mr_vma *v, uint64_t start, uint64_t end,
		      uint64_t pgoff, int merge_path)
{
	change_begin(mm, v);
	v->start = start;
	v->end = end;
	v->pgoff = pgoff;
	change_end(mm, v, merge_path);
}

/* ---- address spaces ---- */

mr_mm *mr_mm_create(mr_machine *m, int32_t owner)
{
	mr_mm *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return NULL;
	mm->m = m;
	mm->id = ++m->next_mm;
	mm->owner = owner;
	mr_vma_tree_init(&mm->tree, m->cfg.stack_guard_gap);
	mm->next_mm = m->mms;
	if (m->mms)
		m->mms->prev_mm = mm;
	m->mms = mm;
	m->nmms++;
	mm->hash = mr_mm_scalar_hash(mm);
	m->sum += mm->hash;
	if (m->j.mm)
		m->j.mm(m->j.ctx, mm, 1);
	return mm;
}

/* exit_mmap(): every VMA goes, then the mm. */
void mr_mm_destroy(mr_mm *mm)
{
	mr_machine *m = mm->m;
	mr_vma *v;

	while ((v = mr_vma_tree_first(&mm->tree)))
		unlink_free(mm, v);
	m->sum -= mm->hash;
	if (m->j.mm)
		m->j.mm(m->j.ctx, mm, 0);
	if (mm->prev_mm)
		mm->prev_mm->next_mm = mm->next_mm;
	else
		m->mms = mm->next_mm;
	if (mm->next_mm)
		mm->next_mm->prev_mm = mm->prev_mm;
	m->nmms--;
	free(mm);
}

/*
 * dup_mmap() (kernel/fork.c): every VMA but VM_DONTCOPY ones is copied;
 * VM_LOCKED and VM_LOCKONFAULT are cleared in the child; a VMA with an
 * anon_vma gets a fresh anon_vma chained to the parent's (so its chain is
 * not singular); VM_WIPEONFORK copies get no anon_vma.
 */
mr_mm *mr_mm_dup(mr_mm *old, int32_t owner)
{
	mr_mm *mm = mr_mm_create(old->m, owner);
	mr_vma *v;

	if (!mm)
		return NULL;
	mm->known = old->known;
	mm->has_gate = old->has_gate;
	mm->start_brk = old->start_brk;
	mm->brk = old->brk;
	mm->brk_known = old->brk_known;
	mm->mmap_base = old->mmap_base;
	mm->base_known = old->base_known;
	mm->def_flags = old->def_flags & ~(MR_VM_LOCKED | MR_VM_LOCKONFAULT);
	mr_mm_rehash(mm);
	for (v = mr_vma_tree_first(&old->tree); v; v = mr_vma_next(v)) {
		mr_vma *c;

		if (v->flags & MR_VM_DONTCOPY)
			continue;
		c = vma_alloc();
		if (!c) {
			mr_mm_destroy(mm);
			return NULL;
		}
		*c = *v;
		c->flags &= ~(MR_VM_LOCKED | MR_VM_LOCKONFAULT);
		if (v->anon_vma && !(v->flags & MR_VM_WIPEONFORK)) {
			c->anon_vma = mr_machine_new_anon_vma(mm->m);
			c->anon_forked = 1;
		} else {
			c->anon_vma = 0;
			c->anon_forked = 0;
		}
		link(mm, c, 0);
	}
	return mm;
}

uint32_t mr_mm_id(const mr_mm *mm)
{
	return mm->id;
}

int mr_mm_known(const mr_mm *mm)
{
	return mm->known;
}

int32_t mr_mm_owner(const mr_mm *mm)
{
	return mm->owner;
}

size_t mr_mm_map_count(const mr_mm *mm)
{
	return mm->tree.count;
}

uint64_t mr_mm_start_brk(const mr_mm *mm)
{
	return mm->start_brk;
}

uint64_t mr_mm_brk(const mr_mm *mm)
{
	return mm->brk;
}

int mr_mm_brk_known(const mr_mm *mm)
{
	return mm->brk_known;
}

uint64_t mr_mm_mmap_base(const mr_mm *mm)
{
	return mm->mmap_base;
}

mr_vma *mr_mm_first(const mr_mm *mm)
{
	return mr_vma_tree_first(&mm->tree);
}

mr_vma *mr_mm_find(const mr_mm *mm, uint64_t addr)
{
	return mr_vma_tree_find(&mm->tree, addr);
}

mr_machine *mr_mm_machine(const mr_mm *mm)
{
	return mm->m;
}

int mr_mm_has_gate(const mr_mm *mm)
{
	return mm->has_gate;
}

/* ---- seeding ---- */

int mr_mm_seed_vma(mr_mm *mm, const mr_vma *tmpl)
{
	mr_vma *v;

	if (tmpl->start >= tmpl->end ||
	    (tmpl->start | tmpl->end) & ~MR_PAGE_MASK)
		return -1;
	v = mr_vma_tree_find_after(&mm->tree, tmpl->start);
	if (v && v->start < tmpl->end)
		return -1;
	v = vma_alloc();
	if (!v)
		return -1;
	v->start = tmpl->start;
	v->end = tmpl->end;
	v->pgoff = tmpl->pgoff;
	v->flags = tmpl->flags;
	v->file = tmpl->file;
	v->ofd = tmpl->ofd;
	v->anon_vma = tmpl->anon_vma;
	v->name = tmpl->name;
	v->kind = tmpl->kind;
	link(mm, v, 0);
	return 0;
}

void mr_mm_seed_gate(mr_mm *mm, int has_gate)
{
	mm->has_gate = has_gate;
}

static void heap_refresh(mr_mm *mm);

void mr_mm_seed_done(mr_mm *mm, uint64_t start_brk, uint64_t brk)
{
	mr_vma *v, *base = NULL;

	mm->known = 1;
	if (start_brk) {
		mm->start_brk = start_brk;
		mm->brk = brk ? brk : start_brk;
		mm->brk_known = 1;
	}
	/* mmap_base: the end of the highest VMA below the stack. */
	for (v = mr_vma_tree_last(&mm->tree); v; v = mr_vma_prev(v)) {
		if (v->kind == MR_VMA_STACK || (v->flags & MR_VM_GROWSDOWN))
			continue;
		base = v;
		break;
	}
	if (base) {
		mm->mmap_base = base->end;
		mm->base_known = 1;
	}
	mr_mm_rehash(mm);
	heap_refresh(mm);
}

/* Re-evaluate the [heap] naming of every VMA after brk moved. */
static void heap_refresh(mr_mm *mm)
{
	mr_vma *v;

	if (!mm->brk_known)
		return;
	for (v = mr_vma_tree_find_after(&mm->tree,
					mm->start_brk ? mm->start_brk - 1 : 0);
	     v; v = mr_vma_next(v)) {
		if (mr_vma_in_heap(mm, v) != v->heap) {
			change_begin(mm, v);
			change_end(mm, v, 0);
		}
		if (v->start >= mm->brk && !v->heap)
			break;
	}
}

/* ---- merge rules (mm/vma.c) ---- */

/* A proposed VMA: a new range, or a range of an existing VMA with new
 * attributes. */
struct prop {
	uint64_t start, end; /* the range */
	uint64_t pgoff;	     /* its pgoff */
	uint64_t flags;	     /* its flags */
	uint32_t file, ofd;  /* its file */
	uint32_t name;	     /* anon name / special name */
	uint8_t kind;	     /* enum mr_vma_kind */
	uint32_t anon_vma;   /* anon_vma of the source, 0 for a new range */
	uint8_t src_forked;  /* the source is a fork child */
};

/* is_mergeable_vma() */
static int mergeable_attrs(const struct prop *p, const mr_vma *v)
{
	return !((v->flags ^ p->flags) & ~MR_VM_SOFTDIRTY) &&
	       v->file == p->file && v->ofd == p->ofd && v->name == p->name &&
	       v->kind == MR_VMA_PLAIN && p->kind == MR_VMA_PLAIN;
}

static int fork_child(const mr_vma *v)
{
	return v->anon_vma && v->anon_forked;
}

/* is_mergeable_anon_vma() as of 6.16 (commit 879bca0a2c4f). */
static int mergeable_anon(const struct prop *p, const mr_vma *tgt)
{
	if (!tgt->anon_vma && p->anon_vma)
		return !p->src_forked;
	if (tgt->anon_vma && !p->anon_vma)
		return !fork_child(tgt);
	return p->anon_vma == tgt->anon_vma;
}

/* can_vma_merge_after(): P can extend PREV upwards. */
static int can_merge_left(const struct prop *p, const mr_vma *prev)
{
	return prev && prev->end == p->start && mergeable_attrs(p, prev) &&
	       mergeable_anon(p, prev) &&
	       prev->pgoff + mr_vma_pages(prev) == p->pgoff;
}

/* can_vma_merge_before(): P can extend NEXT downwards. */
static int can_merge_right(const struct prop *p, const mr_vma *prev,
			   const mr_vma *next, int left)
{
	if (!next || next->start != p->end || !mergeable_attrs(p, next) ||
	    !mergeable_anon(p, next) ||
	    next->pgoff != p->pgoff + ((p->end - p->start) >> MR_PAGE_SHIFT))
		return 0;
	if (!left)
		return 1;
	return !prev->anon_vma || !next->anon_vma ||
	       prev->anon_vma == next->anon_vma;
}

int mr_vma_mergeable_pair(const mr_mm *mm, const mr_vma *a, const mr_vma *b)
{
	struct prop p = {b->start,    b->end,	     b->pgoff, b->flags,
			 b->file,     b->ofd,	     b->name,  b->kind,
			 b->anon_vma, b->anon_forked};

	(void)mm;
	if ((a->flags | b->flags) & MR_VM_SPECIAL)
		return 0;
	return can_merge_left(&p, a);
}

/* dup_anon_vma(): DST takes SRC's anon_vma when it has none. */
static void dup_anon(mr_vma *dst, const mr_vma *src)
{
	if (src->anon_vma && !dst->anon_vma) {
		dst->anon_vma = src->anon_vma;
		dst->anon_forked = src->anon_forked;
	}
}

/* ---- split ---- */

/*
 * __split_vma(): V is cut at ADDR. With NEW_BELOW the new VMA is the lower
 * part, else the upper. Returns the new VMA, or NULL out of memory.
 *
 *  0123456789
 *  VVVVVVVVVV     split at 4, new_below=0
 *  VVVVNNNNNN
 */
static mr_vma *split(mr_mm *mm, mr_vma *v, uint64_t addr, int new_below)
{
	mr_vma *n = vma_alloc();
	uint64_t delta = (addr - v->start) >> MR_PAGE_SHIFT;

	if (!n)
		return NULL;
	*n = *v;
	n->left = n->right = n->parent = NULL;
	change_begin(mm, v);
	if (new_below) {
		n->end = addr;
		v->start = addr;
		v->pgoff += delta;
	} else {
		n->start = addr;
		n->pgoff += delta;
		v->end = addr;
	}
	change_end(mm, v, 0);
	link(mm, n, 0);
	return n;
}

/* ---- new ranges ---- */

/*
 * anon_vma_prepare() on V: reuse a neighbour's anon_vma when
 * find_mergeable_anon_vma() allows it, else allocate one.
 */
static int anon_compatible(const mr_vma *a, const mr_vma *b)
{
	return a->end == b->start && a->file == b->file && a->ofd == b->ofd &&
	       !((a->flags ^ b->flags) & ~(MR_VM_ACCESS | MR_VM_SOFTDIRTY)) &&
	       b->pgoff == a->pgoff + ((b->start - a->start) >> MR_PAGE_SHIFT);
}

static void anon_prepare(mr_mm *mm, mr_vma *v)
{
	mr_vma *next = mr_vma_next(v), *prev = mr_vma_prev(v);
	uint32_t av = 0;

	if (v->anon_vma)
		return;
	if (next && anon_compatible(v, next) && next->anon_vma &&
	    !next->anon_forked)
		av = next->anon_vma;
	else if (prev && anon_compatible(prev, v) && prev->anon_vma &&
		 !prev->anon_forked)
		av = prev->anon_vma;
	if (!av)
		av = mr_machine_new_anon_vma(mm->m);
	change_begin(mm, v);
	v->anon_vma = av;
	v->anon_forked = 0;
	change_end(mm, v, 0);
}

/* Whether the default policy takes V as written to (see mr_config). */
static void assume_written(mr_mm *mm, mr_vma *v)
{
	if (mm->m->cfg.assume_written && !(v->flags & MR_VM_SHARED) &&
	    (v->flags & MR_VM_WRITE) && !(v->flags & MR_VM_SPECIAL))
		anon_prepare(mm, v);
}

/*
 * vma_merge_new_range() then, failing a merge, a new VMA: map P into the
 * free range [p->start, p->end). JUST_EXPAND only tries prev (brk).
 * Returns the VMA now covering the range.
 */
static mr_vma *map_range(mr_mm *mm, const struct prop *p, int just_expand)
{
	mr_vma *prev = mr_vma_tree_find_before(&mm->tree, p->start);
	mr_vma *next = mr_vma_tree_find_after(&mm->tree, p->start);
	int left = 0, right = 0;
	mr_vma *v;

	if (prev && prev->end > p->start)
		prev = NULL; /* cannot happen: the range is free */
	if (!(p->flags & MR_VM_SPECIAL) && (prev || next)) {
		left = can_merge_left(p, prev);
		right = !just_expand && can_merge_right(p, prev, next, left);
	}
	if (left && right) {
		/*  PPP...NNN  ->  PPPPPPPPP  */
		uint64_t end = next->end;

		dup_anon(prev, next);
		unlink_free(mm, next);
		set_range(mm, prev, prev->start, end, prev->pgoff, 1);
		return prev;
	}
	if (left) {
		set_range(mm, prev, prev->start, p->end, prev->pgoff, 1);
		return prev;
	}
	if (right) {
		set_range(mm, next, p->start, next->end, p->pgoff, 1);
		return next;
	}
	v = vma_alloc();
	if (!v)
		return NULL;
	v->start = p->start;
	v->end = p->end;
	v->pgoff = p->pgoff;
	v->flags = p->flags;
	v->file = p->file;
	v->ofd = p->ofd;
	v->name = p->name;
	v->kind = p->kind;
	link(mm, v, 1);
	return v;
}

/* ---- unmapping ---- */

/*
 * Remove [start, end): split the first and last VMAs as needed, drop the
 * ones in between (vms_gather_munmap_vmas + vms_complete_munmap_vmas).
 * No limit checks: the caller has decided the unmap happens.
 */
static void unmap_range(mr_mm *mm, uint64_t start, uint64_t end)
{
	mr_vma *v = mr_vma_tree_find_after(&mm->tree, start);

	if (!v || v->start >= end)
		return;
	if (v->start < start)
		split(mm, v, start, 1);
	while (v && v->start < end) {
		mr_vma *next;

		if (v->end > end)
			split(mm, v, end, 0);
		next = mr_vma_next(v);
		unlink_free(mm, v);
		v = next;
	}
}

/* Whether unmapping [start, end) would fail the map_count check. */
static int unmap_would_fail(const mr_mm *mm, uint64_t start, uint64_t end)
{
	const mr_vma *v = mr_vma_tree_find_after(&mm->tree, start);

	return v && v->start < start && end < v->end &&
	       mm->tree.count >= mm->m->cfg.max_map_count;
}

static int range_sealed(const mr_mm *mm, uint64_t start, uint64_t end)
{
	const mr_vma *v = mr_vma_tree_find_after(&mm->tree, start);

	for (; v && v->start < end; v = mr_vma_next(v))
		if (v->flags & MR_VM_SEALED)
			return 1;
	return 0;
}

/* ---- mmap ---- */

static uint64_t prot_bits(uint64_t prot)
{
	return (prot & PROT_READ_ ? MR_VM_READ : 0) |
	       (prot & PROT_WRITE_ ? MR_VM_WRITE : 0) |
	       (prot & PROT_EXEC_ ? MR_VM_EXEC : 0);
}

/*
 * arch_get_unmapped_area_topdown() without MAP_FIXED: the hint ADDR (page
 * aligned, already raised to mmap_min_addr) when [addr, addr + len) is
 * free and clear of the guard gap of a stack above it; otherwise the
 * highest fitting gap below mmap_base, falling back to a bottom-up search
 * from TASK_UNMAPPED_BASE. Returns the address or a negative errno.
 */
static int64_t get_area(const mr_mm *mm, uint64_t addr, uint64_t len)
{
	const mr_config *c = &mm->m->cfg;
	uint64_t low = c->mmap_min_addr > MR_PAGE_SIZE ? c->mmap_min_addr
						       : MR_PAGE_SIZE;
	uint64_t out;

	if (len > c->task_size)
		return -ENOMEM;
	if (addr && c->task_size - len >= addr) {
		const mr_vma *next = mr_vma_tree_find_after(&mm->tree, addr);

		if (!next || addr + len <= mr_vma_start_gap(&mm->tree, next))
			return (int64_t)addr;
	}
	if (!mm->base_known)
		return MR_PRED_NONE; /* no mmap_base yet */
	if (mr_vma_tree_gap_topdown(&mm->tree, &out, len, low, mm->mmap_base, 0,
				    0) == 0)
		return (int64_t)out;
	/* arch_get_unmapped_area(): bottom-up from TASK_UNMAPPED_BASE (its
	 * random offset is not modelled); the hint was tried above. */
	if (mr_vma_tree_gap_bottomup(&mm->tree, &out, len,
				     MR_PAGE_ALIGN(c->task_size / 3),
				     c->task_size, 0, 0) == 0)
		return (int64_t)out;
	return -ENOMEM;
}

/*
 * Whether the file F lives where mmap aligns large mappings the way ext4,
 * xfs and btrfs do (their get_unmapped_area is thp_get_unmapped_area()).
 * The model does not know filesystems: with cfg.file_thp every file does
 * but those on the usual tmpfs, proc and device mounts, and memfds.
 */
static int file_thp(const mr_mm *mm, const mr_fileref *f)
{
	static const char *const skip[] = {"/dev/", "/run/",   "/proc/",
					   "/sys/", "/memfd:", "/SYSV"};
	const mr_file *file = mr_machine_file_get(mm->m, f->file);
	size_t i;

	if (!mm->m->cfg.file_thp || !file)
		return 0;
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strncmp(file->path, skip[i], strlen(skip[i])))
			return 0;
	return 1;
}

/*
 * __thp_get_unmapped_area() for a mapping of LEN bytes at file offset OFF
 * (0 for anonymous memory): when [off, off + len) holds a whole aligned
 * 2 MiB of the file, search for len + 2 MiB (the hint too is tried with
 * that length) and place the mapping so that the file's 2 MiB boundaries
 * fall on 2 MiB boundaries; when the padded area comes back aligned, its
 * top 2 MiB-aligned slot is used. Returns 0 when it does not apply or the
 * padded search fails (the caller then searches normally), MR_PRED_NONE
 * when the model cannot tell.
 */
static int64_t thp_area(const mr_mm *mm, uint64_t addr, uint64_t len,
			uint64_t off)
{
	uint64_t off_align = (off + MR_PMD_SIZE - 1) & ~(MR_PMD_SIZE - 1);
	uint64_t sub;
	int64_t r;

	if (off + len <= off_align || off + len - off_align < MR_PMD_SIZE ||
	    len + MR_PMD_SIZE < len)
		return 0;
	r = get_area(mm, addr, len + MR_PMD_SIZE);
	if (r == MR_PRED_NONE)
		return r;
	if (r < 0)
		return 0;
	if ((uint64_t)r == addr)
		return r;
	sub = (off - (uint64_t)r) & (MR_PMD_SIZE - 1);
	return r + (int64_t)(sub ? sub : MR_PMD_SIZE);
}

/*
 * __get_unmapped_area(): the address the kernel would choose; < 0 is an
 * errno. ADDR is the hint after round_hint_to_min().
 *
 * An anonymous private mapping without a hint whose length is a multiple
 * of 2 MiB goes through thp_get_unmapped_area_vmflags(), as does every
 * mapping of a file on ext4 and the like (see file_thp()). This depends on
 * CONFIG_TRANSPARENT_HUGEPAGE only, not on the sysfs THP mode (measured:
 * 6.18 aligns with transparent_hugepage/enabled = never). Shared anonymous
 * memory is shmem, aligned only when shmem THP is enabled (not modelled:
 * shmem_enabled is "never" on the machines measured).
 */
static int64_t place(const mr_mm *mm, uint64_t addr, uint64_t len,
		     uint64_t flags, const mr_fileref *f, uint64_t pgoff)
{
	const mr_config *c = &mm->m->cfg;
	int64_t r = 0;

	if (len > c->task_size)
		return -ENOMEM;
	if (flags & MAP_FIXED_) {
		if (addr > c->task_size - len)
			return -ENOMEM;
		if (addr & ~MR_PAGE_MASK)
			return -EINVAL;
		return (int64_t)addr;
	}
	if (f && file_thp(mm, f))
		r = thp_area(mm, addr, len, pgoff << MR_PAGE_SHIFT);
	else if (!f && !(flags & MAP_SHARED_) && !addr &&
		 !(len & (MR_PMD_SIZE - 1)))
		r = thp_area(mm, 0, len, 0);
	if (r)
		return r;
	return get_area(mm, addr, len);
}

/* do_mmap() up to the choice of address; fills the VMA proposal. */
static int64_t mmap_check(const mr_mm *mm, uint64_t *addr, uint64_t *len,
			  uint64_t prot, uint64_t *flagsp, const mr_fileref *f,
			  uint64_t off, struct prop *p)
{
	const mr_config *c = &mm->m->cfg;
	uint64_t flags = *flagsp, vmf, pgoff = off >> MR_PAGE_SHIFT;
	int anon = !!(flags & MAP_ANONYMOUS_);
	int64_t a;

	if (off & ~MR_PAGE_MASK)
		return -EINVAL;
	if (!anon && !f)
		return -EBADF;
	if (anon)
		f = NULL;
	if (flags & MAP_FIXED_NOREPLACE_)
		flags |= MAP_FIXED_;
	*flagsp = flags;
	if (!*len)
		return -EINVAL;
	if (!(flags & MAP_FIXED_)) {
		/* round_hint_to_min(): a hint is page masked; a non-zero hint
		 * below mmap_min_addr is raised to it; 0 stays "no hint". */
		*addr &= MR_PAGE_MASK;
		if (*addr && *addr < c->mmap_min_addr)
			*addr = MR_PAGE_ALIGN(c->mmap_min_addr);
	}
	*len = MR_PAGE_ALIGN(*len);
	if (!*len)
		return -ENOMEM;
	if (pgoff + (*len >> MR_PAGE_SHIFT) < pgoff)
		return -EOVERFLOW;
	if (mm->tree.count > c->max_map_count)
		return -ENOMEM;
	a = place(mm, *addr, *len, flags, f, pgoff);
	if (a < 0)
		return a;
	if (flags & MAP_FIXED_NOREPLACE_) {
		const mr_vma *v = mr_vma_tree_find_after(&mm->tree, a);

		if (v && v->start < (uint64_t)a + *len)
			return -EEXIST;
	}
	vmf = prot_bits(prot) | mm->def_flags | MR_VM_MAYREAD | MR_VM_MAYWRITE |
	      MR_VM_MAYEXEC;
	if (flags & MAP_GROWSDOWN_)
		vmf |= MR_VM_GROWSDOWN;
	if (flags & MAP_LOCKED_)
		vmf |= MR_VM_LOCKED;
	/* calc_vm_flag_bits(): unconditional with CONFIG_TRANSPARENT_HUGEPAGE
	 * (measured: smaps shows "nh" with THP "never" too). */
	if (flags & MAP_STACK_)
		vmf |= MR_VM_NOHUGEPAGE;
	memset(p, 0, sizeof(*p));
	if (f) {
		switch (flags & MAP_TYPE_) {
		case MAP_SHARED_:
		case MAP_SHARED_VALIDATE_:
			if ((prot & PROT_WRITE_) && !f->writable)
				return -EACCES;
			vmf |= MR_VM_SHARED | MR_VM_MAYSHARE;
			if (!f->writable)
				vmf &= ~(MR_VM_MAYWRITE | MR_VM_SHARED);
			/* fall through */
		case MAP_PRIVATE_:
			if (!f->readable)
				return -EACCES;
			if (vmf & MR_VM_GROWSDOWN)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
		p->file = f->file;
		p->ofd = f->ofd;
	} else {
		/* Anonymous memory knows MAP_SHARED and MAP_PRIVATE (and
		 * MAP_DROPPABLE, not modelled); MAP_SHARED_VALIDATE is
		 * EINVAL (measured). */
		switch (flags & MAP_TYPE_) {
		case MAP_SHARED_:
			if (vmf & MR_VM_GROWSDOWN)
				return -EINVAL;
			pgoff = 0;
			vmf |= MR_VM_SHARED | MR_VM_MAYSHARE;
			break;
		case MAP_PRIVATE_:
			pgoff = (uint64_t)a >> MR_PAGE_SHIFT;
			break;
		default:
			return -EINVAL;
		}
	}
	if (flags & MAP_NORESERVE_)
		vmf |= MR_VM_NORESERVE;
	/* accountable_mapping() */
	if ((vmf & (MR_VM_NORESERVE | MR_VM_SHARED | MR_VM_WRITE)) ==
	    MR_VM_WRITE)
		vmf |= MR_VM_ACCOUNT;
	p->start = (uint64_t)a;
	p->end = (uint64_t)a + *len;
	p->pgoff = pgoff;
	p->flags = vmf;
	if ((flags & MAP_FIXED_) && !(flags & MAP_FIXED_NOREPLACE_)) {
		if (unmap_would_fail(mm, p->start, p->end))
			return -ENOMEM;
		if (range_sealed(mm, p->start, p->end))
			return -EPERM;
	}
	return a;
}

int64_t mr_mm_mmap(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t prot,
		   uint64_t flags, const mr_fileref *f, uint64_t off,
		   int64_t recorded)
{
	uint64_t a = addr, l = len, fl = flags;
	struct prop p;
	int64_t pred = mmap_check(mm, &a, &l, prot, &fl, f, off, &p);
	mr_vma *v;

	if (recorded == MR_RESULT_UNKNOWN)
		recorded = pred;
	/* A failure, or nothing known (MR_PRED_NONE): nothing to apply. */
	if (recorded < 0)
		return pred;
	if (pred != recorded) {
		/* Apply what happened: recompute the proposal at the
		 * recorded address as a MAP_FIXED mapping would be. */
		uint64_t a2 = (uint64_t)recorded, l2 = len;
		uint64_t fl2 = (flags & ~MAP_FIXED_NOREPLACE_) | MAP_FIXED_;
		int64_t r = mmap_check(mm, &a2, &l2, prot, &fl2, f, off, &p);

		if (r < 0) {
			/* The model cannot even describe it: map anonymous
			 * private memory of the recorded size there. */
			memset(&p, 0, sizeof(p));
			p.start = (uint64_t)recorded;
			p.end = p.start + MR_PAGE_ALIGN(len);
			p.pgoff = p.start >> MR_PAGE_SHIFT;
			p.flags = prot_bits(prot) | MR_VM_MAYREAD |
				  MR_VM_MAYWRITE | MR_VM_MAYEXEC;
		}
	}
	/* Shared anonymous memory is a new shmem file each time: its own
	 * struct file, so it never merges with another mapping's. */
	if (!p.file && (p.flags & MR_VM_MAYSHARE))
		p.ofd = mr_machine_new_ofd(mm->m);
	unmap_range(mm, p.start, p.end);
	v = map_range(mm, &p, 0);
	if (v)
		assume_written(mm, v);
	return pred;
}

/* ---- munmap ---- */

int64_t mr_mm_munmap(mr_mm *mm, uint64_t addr, uint64_t len, int64_t recorded)
{
	const mr_config *c = &mm->m->cfg;
	uint64_t end;
	int64_t pred = 0;

	if ((addr & ~MR_PAGE_MASK) || addr > c->task_size ||
	    len > c->task_size - addr)
		pred = -EINVAL;
	else if (MR_PAGE_ALIGN(len) == 0)
		pred = -EINVAL;
	end = addr + MR_PAGE_ALIGN(len);
	/* vms_gather_munmap_vmas() checks the map count before sealing
	 * (measured: a sealed VMA unmapped in the middle at the limit gives
	 * ENOMEM, with room EPERM). */
	if (!pred && unmap_would_fail(mm, addr, end))
		pred = -ENOMEM;
	else if (!pred && range_sealed(mm, addr, end))
		pred = -EPERM;
	if (recorded == MR_RESULT_UNKNOWN)
		recorded = pred;
	if (recorded == 0 && !(addr & ~MR_PAGE_MASK) && end > addr)
		unmap_range(mm, addr, end);
	return pred;
}

/* ---- modifying ranges (mprotect, later madvise/mlock) ---- */

/* What vma_merge_existing_range() would do to [start, end) of V. */
struct plan {
	int ml;		    /* merge into prev */
	int mrt;	    /* merge into next */
	const mr_vma *next; /* the VMA after V when right_side */
};

/*
 * The merge decision of vma_modify() for [start, end) of V with NEWFLAGS.
 * PREV is the VMA before the range (V itself when start is inside V, NULL
 * when none); it is only read, so the dry run may pass a copy holding the
 * state a previous step would have left.
 */
static void modify_plan(const mr_vma *prev, const mr_vma *v, uint64_t start,
			uint64_t end, uint64_t newflags, struct plan *pl)
{
	int left_side = start == v->start, right_side = end == v->end;
	struct prop p = {start,
			 end,
			 v->pgoff + ((start - v->start) >> MR_PAGE_SHIFT),
			 newflags,
			 v->file,
			 v->ofd,
			 v->name,
			 v->kind,
			 v->anon_vma,
			 v->anon_forked};

	pl->ml = pl->mrt = 0;
	pl->next = NULL;
	if (!(newflags & MR_VM_SPECIAL) && (left_side || right_side)) {
		if (left_side && prev != v)
			pl->ml = can_merge_left(&p, prev);
		if (right_side) {
			pl->next = mr_vma_next(v);
			pl->mrt = can_merge_right(&p, prev, pl->next, pl->ml);
		}
	}
}

/*
 * vma_modify(): give [start, end) of V (prev is PREV, possibly V itself
 * when start is inside V) new flags. Tries vma_merge_existing_range() and
 * otherwise splits. Returns the VMA now holding the range; *err gets
 * -ENOMEM when a split hits max_map_count (CHECK_LIMIT); a split done
 * before the failing one stays, as in the kernel.
 */
static mr_vma *modify(mr_mm *mm, mr_vma *prev, mr_vma *v, uint64_t start,
		      uint64_t end, uint64_t newflags, int check_limit,
		      int *err)
{
	int left_side = start == v->start, right_side = end == v->end;
	struct plan pl;
	mr_vma *next;
	int ml, mrt;

	*err = 0;
	modify_plan(prev, v, start, end, newflags, &pl);
	ml = pl.ml;
	mrt = pl.mrt;
	next = (mr_vma *)pl.next;
	if (ml && mrt) {
		/*  PPPVVVNNN  ->  PPPPPPPPP  */
		uint64_t nend = next->end;

		dup_anon(prev, next->anon_vma ? next : v);
		unlink_free(mm, v);
		unlink_free(mm, next);
		set_range(mm, prev, prev->start, nend, prev->pgoff, 1);
		return prev;
	}
	if (ml) {
		/*  PPPVVVVV  ->  PPPPPPVV (or PPPPPPPP)  */
		dup_anon(prev, v);
		if (right_side) {
			unlink_free(mm, v);
		} else {
			set_range(mm, v, end, v->end,
				  v->pgoff +
					  ((end - v->start) >> MR_PAGE_SHIFT),
				  0);
		}
		set_range(mm, prev, prev->start, end, prev->pgoff, 1);
		return prev;
	}
	if (mrt) {
		/*  VVVVVNNN  ->  VVNNNNNN (or NNNNNNNN)  */
		dup_anon(next, v);
		if (left_side) {
			uint64_t pg =
				next->pgoff - ((end - start) >> MR_PAGE_SHIFT);

			unlink_free(mm, v);
			set_range(mm, next, start, next->end, pg, 1);
		} else {
			set_range(mm, v, v->start, start, v->pgoff, 0);
			set_range(mm, next, start, next->end,
				  next->pgoff -
					  ((end - start) >> MR_PAGE_SHIFT),
				  1);
		}
		return next;
	}
	/* No merge: split off what is outside [start, end). */
	if (v->start < start) {
		if (check_limit && mm->tree.count >= mm->m->cfg.max_map_count) {
			*err = -ENOMEM;
			return NULL;
		}
		split(mm, v, start, 1);
	}
	if (v->end > end) {
		if (check_limit && mm->tree.count >= mm->m->cfg.max_map_count) {
			*err = -ENOMEM;
			return NULL;
		}
		split(mm, v, end, 0);
	}
	change_begin(mm, v);
	v->flags = newflags;
	change_end(mm, v, 1);
	return v;
}

/*
 * The dry run of modify(): what it would do to the map count, without
 * changing anything. PREV is the VMA before the range as the real run
 * would see it by then (possibly a copy). On success *after gets the VMA
 * that would then hold the range, *last the last real VMA it would use up,
 * and *count the new map count; returns -ENOMEM where a split would hit
 * max_map_count (split_vma() checks before each of the up to two splits).
 */
static int modify_dry(const mr_mm *mm, const mr_vma *prev, const mr_vma *v,
		      uint64_t start, uint64_t end, uint64_t newflags,
		      mr_vma *after, const mr_vma **last, size_t *count)
{
	int left_side = start == v->start, right_side = end == v->end;
	size_t max = mm->m->cfg.max_map_count;
	struct plan pl;

	modify_plan(prev, v, start, end, newflags, &pl);
	*last = v;
	if (pl.ml) {
		mr_vma tmp = *prev;

		dup_anon(&tmp, pl.mrt && pl.next->anon_vma ? pl.next : v);
		tmp.end = pl.mrt ? pl.next->end : end;
		*count -= (size_t)right_side + (size_t)pl.mrt;
		if (pl.mrt)
			*last = pl.next;
		*after = tmp;
		return 0;
	}
	if (pl.mrt) {
		mr_vma tmp = *pl.next;

		dup_anon(&tmp, v);
		tmp.pgoff -= (end - start) >> MR_PAGE_SHIFT;
		tmp.start = start;
		*count -= (size_t)left_side;
		*last = pl.next;
		*after = tmp;
		return 0;
	}
	if (v->start < start) {
		if (*count >= max)
			return -ENOMEM;
		++*count;
	}
	if (v->end > end) {
		if (*count >= max)
			return -ENOMEM;
		++*count;
	}
	*after = *v;
	after->pgoff += (start - v->start) >> MR_PAGE_SHIFT;
	after->start = start;
	after->end = end;
	after->flags = newflags;
	return 0;
}

/* ---- mprotect ---- */

/* mprotect_fixup()'s flag computation: the new flags, or an errno. */
static int64_t mprotect_flags(const mr_vma *v, uint64_t prot, uint64_t *out)
{
	uint64_t nf = prot_bits(prot) | (v->flags & ~MR_VM_ACCESS);

	if ((nf & ~(nf >> 4)) & MR_VM_ACCESS)
		return -EACCES;
	if (nf != v->flags) {
		if (nf & MR_VM_WRITE) {
			if (!(v->flags &
			      (MR_VM_ACCOUNT | MR_VM_WRITE | MR_VM_HUGETLB |
			       MR_VM_SHARED | MR_VM_NORESERVE)))
				nf |= MR_VM_ACCOUNT;
		} else if ((v->flags & MR_VM_ACCOUNT) && !v->file &&
			   !v->anon_vma && v->kind == MR_VMA_PLAIN) {
			nf &= ~MR_VM_ACCOUNT;
		}
	}
	*out = nf;
	return 0;
}

/*
 * do_mprotect_pkey(). DRY=1 only computes the result; DRY=0 applies it,
 * stopping where the kernel stops. FORCE applies the change to every
 * mapped part of the range whatever the checks say.
 */
static int64_t mprotect_run(mr_mm *mm, uint64_t start, uint64_t len,
			    uint64_t prot, int dry, int force)
{
	uint64_t grows = prot & (PROT_GROWSDOWN_ | PROT_GROWSUP_);
	uint64_t end, nstart, tmp;
	mr_vma *v, *prev;
	const mr_vma *dprev; /* dry run: prev as the real run would see it */
	mr_vma sim;	     /* dry run: storage for that prev */
	size_t count = mm->tree.count; /* dry run: map_count */
	int64_t err = 0;

	prot &= ~(uint64_t)(PROT_GROWSDOWN_ | PROT_GROWSUP_);
	if (grows == (PROT_GROWSDOWN_ | PROT_GROWSUP_))
		return -EINVAL;
	if (start & ~MR_PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = MR_PAGE_ALIGN(len);
	end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot &
	    ~(uint64_t)(PROT_READ_ | PROT_WRITE_ | PROT_EXEC_ | PROT_SEM_))
		return -EINVAL;
	v = mr_vma_tree_find_after(&mm->tree, start);
	if (!v || v->start >= end)
		return -ENOMEM;
	if (grows & PROT_GROWSDOWN_) {
		start = v->start;
		if (!(v->flags & MR_VM_GROWSDOWN))
			return -EINVAL;
	} else if (v->start > start && !force) {
		return -ENOMEM;
	}
	prev = start > v->start ? v : mr_vma_prev(v);
	dprev = prev;
	nstart = start > v->start ? start : v->start;
	tmp = v->start;
	while (v && v->start < end) {
		uint64_t nf, pend;
		int e;

		if (v->start != tmp && !force) {
			err = -ENOMEM;
			break;
		}
		if (mprotect_flags(v, prot, &nf)) {
			if (!force) {
				err = -EACCES;
				break;
			}
			nf = prot_bits(prot) | (v->flags & ~MR_VM_ACCESS);
		}
		if ((v->flags & MR_VM_SEALED) && !force) {
			err = -EPERM;
			break;
		}
		pend = v->end < end ? v->end : end;
		if (v->start > nstart)
			nstart = v->start;
		if (dry) {
			const mr_vma *last = v;

			if (nf == v->flags) {
				sim = *v;
			} else if (modify_dry(mm, dprev, v, nstart, pend, nf,
					      &sim, &last, &count)) {
				err = -ENOMEM;
				break;
			}
			dprev = &sim;
			tmp = sim.end;
			nstart = tmp;
			v = mr_vma_next(last);
			continue;
		}
		if (nf == v->flags) {
			prev = v;
		} else {
			prev = modify(mm, prev, v, nstart, pend, nf, !force,
				      &e);
			if (!prev) {
				err = e;
				break;
			}
		}
		tmp = prev->end;
		nstart = tmp;
		v = mr_vma_next(prev);
	}
	if (!err && tmp < end && !force)
		err = -ENOMEM;
	return err;
}

int64_t mr_mm_mprotect(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t prot,
		       int64_t recorded)
{
	int64_t pred;

	/* Unknown outcome: the real run is the prediction. */
	if (recorded == MR_RESULT_UNKNOWN)
		return mprotect_run(mm, addr, len, prot, 0, 0);
	pred = mprotect_run(mm, addr, len, prot, 1, 0);
	if (recorded == pred)
		mprotect_run(mm, addr, len, prot, 0, 0);
	else if (recorded == 0)
		mprotect_run(mm, addr, len, prot, 0, 1);
	return pred;
}

/* ---- brk ---- */

/* do_brk_flags(): map [addr, addr + len) as heap, expanding BRKVMA. */
static void brk_expand(mr_mm *mm, mr_vma *brkvma, uint64_t addr, uint64_t len)
{
	struct prop p;
	mr_vma *v;

	memset(&p, 0, sizeof(p));
	p.start = addr;
	p.end = addr + len;
	p.pgoff = addr >> MR_PAGE_SHIFT;
	p.flags = MR_VM_READ | MR_VM_WRITE | MR_VM_MAYREAD | MR_VM_MAYWRITE |
		  MR_VM_MAYEXEC | MR_VM_ACCOUNT | mm->def_flags;
	if (brkvma && brkvma->end == addr && can_merge_left(&p, brkvma)) {
		set_range(mm, brkvma, brkvma->start, p.end, brkvma->pgoff, 1);
		v = brkvma;
	} else {
		v = vma_alloc();
		if (!v)
			return;
		v->start = p.start;
		v->end = p.end;
		v->pgoff = p.pgoff;
		v->flags = p.flags;
		link(mm, v, 0);
	}
	assume_written(mm, v);
}

/* The VMA below OLDBRK that brk may expand: vma_prev_limit(start_brk). */
static mr_vma *brk_vma(const mr_mm *mm, uint64_t oldbrk)
{
	mr_vma *v = mr_vma_tree_find_before(&mm->tree, oldbrk);

	return v && v->end > mm->start_brk ? v : NULL;
}

/* The brk syscall's own computation; *apply says whether it changes. */
static uint64_t brk_predict(const mr_mm *mm, uint64_t brk)
{
	uint64_t newbrk, oldbrk;
	const mr_vma *next;

	if (brk < mm->start_brk)
		return mm->brk;
	newbrk = MR_PAGE_ALIGN(brk);
	oldbrk = MR_PAGE_ALIGN(mm->brk);
	if (oldbrk == newbrk)
		return brk;
	if (brk <= mm->brk) {
		const mr_vma *v = mr_vma_tree_find_after(&mm->tree, newbrk);

		if (!v || v->start >= oldbrk)
			return mm->brk;
		if (v->start < newbrk && oldbrk < v->end &&
		    mm->tree.count >= mm->m->cfg.max_map_count)
			return mm->brk;
		return brk;
	}
	next = mr_vma_tree_find_after(&mm->tree, oldbrk);
	if (next &&
	    next->start < newbrk + MR_PAGE_SIZE + mm->m->cfg.stack_guard_gap &&
	    newbrk + MR_PAGE_SIZE > mr_vma_start_gap(&mm->tree, next))
		return mm->brk;
	if (mm->tree.count > mm->m->cfg.max_map_count)
		return mm->brk;
	return brk;
}

int64_t mr_mm_brk_call(mr_mm *mm, uint64_t brk, int64_t recorded)
{
	uint64_t pred, rec, newbrk, oldbrk;

	if (!mm->brk_known) {
		/* The first brk teaches start_brk: brk(NULL) returns it. */
		if (recorded == MR_RESULT_UNKNOWN || recorded <= 0)
			return MR_PRED_NONE;
		if (brk == 0 || (uint64_t)recorded != brk) {
			mm->start_brk = (uint64_t)recorded;
			mm->brk = (uint64_t)recorded;
			mm->brk_known = 1;
			mr_mm_rehash(mm);
		}
		return MR_PRED_NONE;
	}
	pred = brk_predict(mm, brk);
	rec = recorded == MR_RESULT_UNKNOWN ? pred : (uint64_t)recorded;
	if (rec == mm->brk)
		return (int64_t)pred;
	newbrk = MR_PAGE_ALIGN(rec);
	oldbrk = MR_PAGE_ALIGN(mm->brk);
	if (newbrk < oldbrk) {
		mm->brk = rec;
		unmap_range(mm, newbrk, oldbrk);
	} else if (newbrk > oldbrk) {
		mr_vma *bv = brk_vma(mm, oldbrk);

		unmap_range(mm, oldbrk, newbrk); /* only on divergence */
		brk_expand(mm, bv, oldbrk, newbrk - oldbrk);
		mm->brk = rec;
	} else {
		mm->brk = rec;
	}
	mr_mm_rehash(mm);
	heap_refresh(mm);
	return (int64_t)pred;
}
