/*
 * mm.c - address spaces (create, fork copy, seed, destroy) and the
 * syscalls mmap, munmap, mprotect and brk.
 *
 * Mirrors Linux 6.18: mm/mmap.c (do_mmap, brk, do_brk_flags),
 * mm/vma.c (vma_modify, vma_merge_existing_range), mm/mprotect.c
 * (do_mprotect_pkey, mprotect_fixup), kernel/fork.c (dup_mmap) and
 * arch/x86/kernel/sys_x86_64.c (arch_get_unmapped_area_topdown). The VMA
 * primitives they share are in vma_ops.c, mremap in mremap.c.
 */
#include "engine/engine_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- address spaces ---- */

mr_mm *mr_mm_create(mr_machine *m, int32_t owner)
{
	mr_mm *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return NULL;
	mm->m = m;
	mm->id = ++m->next_mm;
	mm->owner = owner;
	memcpy(mm->rlim, m->cfg.rlimit, sizeof(mm->rlim));
	mm->cap_ipc_lock = m->cfg.cap_ipc_lock;
	mm->memlock_learn = (m->cfg.memlock_known ? 0 : MR_LEARN_LIMIT) |
			    (m->cfg.cap_known ? 0 : MR_LEARN_CAP);
	mr_vma_tree_init(&mm->tree, m->cfg.stack_guard_gap);
	mm->next_mm = m->mms;
	if (m->mms)
		m->mms->prev_mm = mm;
	m->mms = mm;
	m->nmms++;
	mm->hash = mr_mm_scalar_hash(mm);
	m->sum += mm->hash;
	mr_kobj_mm_new(mm);
	mr_phys_mm_init(mm);
	if (m->j.mm)
		m->j.mm(m->j.ctx, mm, 1);
	return mm;
}

/* exit_mmap(): every VMA goes, then the mm. */
void mr_mm_destroy(mr_mm *mm)
{
	mr_machine *m = mm->m;
	mr_vma *v;

	mr_phys_destroy(mm);
	while ((v = mr_vma_tree_first(&mm->tree)))
		mr_vma_unlink_free(mm, v);
	m->sum -= mm->hash;
	mr_ranges_free(&mm->guard);
	mr_ranges_free(&mm->hfault);
	if (m->j.mm)
		m->j.mm(m->j.ctx, mm, 0);
	if (mm->prev_mm)
		mm->prev_mm->next_mm = mm->next_mm;
	else
		m->mms = mm->next_mm;
	if (mm->next_mm)
		mm->next_mm->prev_mm = mm->prev_mm;
	m->nmms--;
	mr_kobj_maple_drop(mm);
	mr_kobj_mm_gone(mm);
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
	mm->adopting = old->adopting;
	mm->has_gate = old->has_gate;
	mm->start_brk = old->start_brk;
	mm->brk = old->brk;
	mm->brk_known = old->brk_known;
	mm->brk_guess = old->brk_guess;
	memcpy(mm->fl, old->fl, sizeof(mm->fl)); /* exec.c's guesses */
	mm->mmap_base = old->mmap_base;
	mm->base_known = old->base_known;
	mm->def_flags = old->def_flags & ~(MR_VM_LOCKED | MR_VM_LOCKONFAULT);
	mr_mm_limits_copy(mm, old);
	mm->start_stack = old->start_stack;
	/* the peaks start afresh (measured: a child's VmPeak and VmHWM are
	 * its own) */
	mm->start_code = old->start_code;
	mm->end_code = old->end_code;
	mm->data_size = old->data_size;
	mr_mm_rehash(mm);
	for (v = mr_vma_tree_first(&old->tree); v; v = mr_vma_next(v)) {
		mr_vma *c;

		if (v->flags & MR_VM_DONTCOPY)
			continue;
		c = mr_vma_alloc(mm->m);
		if (!c) {
			mr_mm_destroy(mm);
			return NULL;
		}
		*c = *v;
		c->flags &= ~(MR_VM_LOCKED | MR_VM_LOCKONFAULT);
		c->huge_resv = 0; /* the parent owns the reservation */
		if (v->anon_vma && !(v->flags & MR_VM_WIPEONFORK)) {
			c->anon_vma = mr_av_fork(mm->m, c, v);
			c->anon_forked = 1;
			/* copy_page_range(): the markers too */
			mr_ranges_copy(&mm->guard, &old->guard, v->start,
				       v->end);
		} else {
			c->anon_vma = 0;
			c->anon_forked = 0;
		}
		if (v->flags & MR_VM_WIPEONFORK) { /* fresh: not written */
			c->wstate = MR_WS_KNOWN;
			c->wown = 0;
			c->wpin = 0;
		}
		mr_vma_link(mm, c, 0);
		mr_phys_fork_vma(mm, old, v, c);
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

size_t mr_mm_users(const mr_mm *mm)
{
	return (size_t)mm->users;
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
	v = mr_vma_alloc(mm->m);
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
	v->inferred = tmpl->inferred;
	v->anon_forked = tmpl->anon_forked;
	mr_vma_link(mm, v, 0);
	mr_av_seed(mm->m, v);
	return 0;
}

void mr_mm_set_start_stack(mr_mm *mm, uint64_t addr)
{
	mr_vma *v;

	mm->start_stack = addr;
	/* the names of the VMAs around it may change */
	for (v = mr_mm_first(mm); v; v = mr_vma_next(v))
		if (v->kind == MR_VMA_STACK ||
		    (v->start <= addr && v->end >= addr)) {
			mr_vma_change_begin(mm, v);
			mr_vma_change_end(mm, v, 0);
		}
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
			mr_vma_change_begin(mm, v);
			mr_vma_change_end(mm, v, 0);
		}
		if (v->start >= mm->brk && !v->heap)
			break;
	}
}

/* ---- mmap ---- */

static uint64_t prot_bits(uint64_t prot)
{
	return (prot & PROT_READ_ ? MR_VM_READ : 0) |
	       (prot & PROT_WRITE_ ? MR_VM_WRITE : 0) |
	       (prot & PROT_EXEC_ ? MR_VM_EXEC : 0);
}

/* The lowest address a search may return: mmap_min_addr, at least a
 * page. */
static uint64_t search_low(const mr_config *c)
{
	return c->mmap_min_addr > MR_PAGE_SIZE ? c->mmap_min_addr
					       : MR_PAGE_SIZE;
}

/* Whether the hint ADDR (not 0) can take LEN bytes below LIMIT: free and
 * clear of the guard gap of a stack above it. */
static int hint_fits(const mr_mm *mm, uint64_t addr, uint64_t len,
		     uint64_t limit)
{
	const mr_vma *next;

	if (!addr || len > limit || limit - len < addr)
		return 0;
	next = mr_vma_tree_find_after(&mm->tree, addr);
	return !next || addr + len <= mr_vma_start_gap(&mm->tree, next);
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
	uint64_t out;

	if (len > c->task_size)
		return -ENOMEM;
	if (hint_fits(mm, addr, len, c->task_size))
		return (int64_t)addr;
	if (!mm->base_known)
		return MR_PRED_NONE; /* no mmap_base yet */
	if (mr_vma_tree_gap_topdown(&mm->tree, &out, len, search_low(c),
				    mm->mmap_base, 0, 0) == 0)
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
 * MAP_32BIT (arch_get_unmapped_area() with find_start_end()): the legacy
 * bottom-up search between 1 GiB and 2 GiB. Under ASLR the search starts
 * at a random page of the first 32 MiB of that window, drawn at every
 * call, which no trace shows: the address is predicted only when the
 * hint is taken, the errno when nothing fits anywhere in the window.
 */
#define MAP32_BEGIN 0x40000000ull
#define MAP32_END 0x80000000ull
#define MAP32_RANDOM 0x02000000ull

static int64_t area_32bit(const mr_mm *mm, uint64_t addr, uint64_t len)
{
	uint64_t out;

	if (len > MAP32_END)
		return -ENOMEM;
	if (hint_fits(mm, MR_PAGE_ALIGN(addr), len, MAP32_END))
		return (int64_t)MR_PAGE_ALIGN(addr);
	if (mr_vma_tree_gap_bottomup(&mm->tree, &out, len, MAP32_BEGIN,
				     MAP32_END, 0, 0))
		return -ENOMEM;
	return MR_PRED_NONE;
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
int64_t mr_get_unmapped_area(const mr_mm *mm, uint64_t addr, uint64_t len,
			     uint64_t flags, const mr_fileref *f,
			     uint64_t pgoff)
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
	if (flags & MAP_32BIT_)
		return area_32bit(mm, addr, len);
	if (f && file_thp(mm, f))
		r = thp_area(mm, addr, len, pgoff << MR_PAGE_SHIFT);
	else if (!f && !(flags & MAP_SHARED_) && !addr &&
		 !(len & (MR_PMD_SIZE - 1)))
		r = thp_area(mm, 0, len, 0);
	if (r)
		return r;
	return get_area(mm, addr, len);
}

/*
 * MAP_HUGETLB of anonymous memory (ksys_mmap_pgoff()): a file on the
 * internal hugetlbfs mount of the page size the MAP_HUGE_* bits name (0:
 * the default 2 MiB; 21 and 30 exist on x86-64, any other is EINVAL),
 * the length rounded up to whole huge pages. Returns the page size's
 * log2, or -EINVAL.
 */
static int huge_shift(uint64_t flags)
{
	unsigned lg = (unsigned)(flags >> MAP_HUGE_SHIFT_) & MAP_HUGE_MASK_;

	if (lg == 0 || lg == 21)
		return 21;
	if (lg == 30)
		return 30;
	return -EINVAL;
}

/*
 * hugetlb_get_unmapped_area(): a MAP_FIXED address must be huge page
 * aligned; a hint is rounded up to a huge page and taken when free;
 * otherwise the top-down search, aligned to the huge page size.
 */
static int64_t huge_area(const mr_mm *mm, uint64_t addr, uint64_t len,
			 uint64_t flags, uint64_t hs)
{
	const mr_config *c = &mm->m->cfg;
	uint64_t out;

	if (len > c->task_size)
		return -ENOMEM;
	if (flags & MAP_FIXED_) {
		if (addr & (hs - 1))
			return -EINVAL;
		return addr > c->task_size - len ? -ENOMEM : (int64_t)addr;
	}
	if (hint_fits(mm, (addr + hs - 1) & ~(hs - 1), len, c->task_size))
		return (int64_t)((addr + hs - 1) & ~(hs - 1));
	if (!mm->base_known)
		return MR_PRED_NONE;
	if (mr_vma_tree_gap_topdown(&mm->tree, &out, len, search_low(c),
				    mm->mmap_base, hs - 1, 0) == 0)
		return (int64_t)out;
	return -ENOMEM;
}

#define FILE_MAX_ 0x7fffffffffffffffull /* MAX_LFS_FILESIZE */

/* Pages of accounted (VM_ACCOUNT) VMAs in [start, end). */
static uint64_t accounted(const mr_mm *mm, uint64_t start, uint64_t end)
{
	const mr_vma *v;
	uint64_t n = 0;

	for (v = mr_vma_tree_find_after(&mm->tree, start); v && v->start < end;
	     v = mr_vma_next(v))
		if (v->flags & MR_VM_ACCOUNT)
			n += overlap(v, start, end) >> MR_PAGE_SHIFT;
	return n;
}

/* Pages of [start, end) mapped now (vms.nr_pages: what a MAP_FIXED
 * mapping replaces). */
static uint64_t mapped(const mr_mm *mm, uint64_t start, uint64_t end)
{
	const mr_vma *v;
	uint64_t n = 0;

	for (v = mr_vma_tree_find_after(&mm->tree, start); v && v->start < end;
	     v = mr_vma_next(v))
		n += overlap(v, start, end) >> MR_PAGE_SHIFT;
	return n;
}

/* Hugetlb pages the private VMAs in [start, end) hold reserved: a
 * MAP_FIXED over them gives them back before it reserves its own. */
static uint64_t huge_reserved(const mr_mm *mm, uint64_t start, uint64_t end)
{
	const mr_vma *v;
	uint64_t n = 0, hs;

	for (v = mr_vma_tree_find_after(&mm->tree, start); v && v->start < end;
	     v = mr_vma_next(v))
		if (v->huge_resv && (hs = mr_vma_huge_size(mm, v)))
			n += overlap(v, start, end) / hs;
	return n;
}

/*
 * The proposal of a mapping of LEN bytes at A; a MAP_FIXED one first
 * unmaps what is there: the errno that unmap would fail with (unless
 * FORCE), else 0.
 */
static int64_t prop_fill(const mr_mm *mm, struct mr_prop *p, uint64_t a,
			 uint64_t len, uint64_t pgoff, uint64_t vmf,
			 uint64_t flags, int force)
{
	p->start = a;
	p->end = a + len;
	p->pgoff = pgoff;
	p->flags = vmf;
	if (force || !(flags & MAP_FIXED_) || (flags & MAP_FIXED_NOREPLACE_))
		return 0;
	return mr_unmap_check(mm, p->start, p->end, mm->tree.count);
}

/*
 * do_mmap() up to the choice of address; fills the VMA proposal. FORCE:
 * the kernel did map it (at a MAP_FIXED address): skip the checks of
 * resources and of what the model knows of the file, which the model
 * may have wrong.
 */
static int64_t mmap_check(const mr_mm *mm, uint64_t *addr, uint64_t *len,
			  uint64_t prot, uint64_t *flagsp, const mr_fileref *f,
			  uint64_t off, struct mr_prop *p, int force)
{
	const mr_config *c = &mm->m->cfg;
	uint64_t flags = *flagsp, vmf, pgoff = off >> MR_PAGE_SHIFT;
	int anon = !!(flags & MAP_ANONYMOUS_);
	int hshift = 0;
	uint64_t hs = 0;
	int64_t a, e;

	if (off & ~MR_PAGE_MASK)
		return -EINVAL;
	if (!anon && !f)
		return -EBADF;
	if (anon)
		f = NULL;
	if (f && mr_machine_file_get(mm->m, f->file) &&
	    mr_machine_file_get(mm->m, f->file)->huge_shift) {
		/* a hugetlbfs file (a SHM_HUGETLB segment) */
		hshift = mr_machine_file_get(mm->m, f->file)->huge_shift;
	} else if (flags & MAP_HUGETLB_) {
		/* a file not on hugetlbfs refuses MAP_HUGETLB */
		if (!anon)
			return -EINVAL;
		hshift = huge_shift(flags);
		if (hshift < 0)
			return hshift;
	}
	if (hshift) {
		hs = 1ull << hshift;
		*len = *len + hs - 1 < *len ? 0 : (*len + hs - 1) & ~(hs - 1);
	}
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
	if (!force && mm->tree.count > c->max_map_count)
		return -ENOMEM;
	a = hs ? huge_area(mm, *addr, *len, flags, hs)
	       : mr_get_unmapped_area(mm, *addr, *len, flags, f, pgoff);
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
	/* do_mmap(): MAP_LOCKED needs the right to lock, and what would be
	 * locked (also under mlockall(MCL_FUTURE)) must fit RLIMIT_MEMLOCK */
	if (!force && (flags & MAP_LOCKED_) && !mr_can_do_mlock(mm))
		return -EPERM;
	if (!force && !mr_mlock_future_ok(mm, vmf, *len))
		return -EAGAIN;
	memset(p, 0, sizeof(*p));
	if (hs) {
		/* the hugetlbfs file's mapping: no VM_ACCOUNT (hugetlb
		 * reserves its own pages), never merged (VM_DONTEXPAND) */
		switch (flags & MAP_TYPE_) {
		case MAP_SHARED_:
		case MAP_SHARED_VALIDATE_:
			if (f && (prot & PROT_WRITE_) && !f->writable)
				return -EACCES;
			vmf |= MR_VM_SHARED | MR_VM_MAYSHARE;
			if (f && !f->writable)
				vmf &= ~(MR_VM_MAYWRITE | MR_VM_SHARED);
			/* fall through */
		case MAP_PRIVATE_:
			if (vmf & MR_VM_GROWSDOWN)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
		if (f) {
			p->file = f->file;
			p->ofd = f->ofd;
		}
		vmf |= MR_VM_HUGETLB | MR_VM_DONTEXPAND;
		/* __mmap_complete(): hugetlb memory is never VM_LOCKED
		 * (MAP_LOCKED, mlockall(MCL_FUTURE)) */
		vmf &= ~(MR_VM_LOCKED | MR_VM_LOCKONFAULT);
		if (flags & MAP_NORESERVE_)
			vmf |= MR_VM_NORESERVE;
		e = prop_fill(mm, p, (uint64_t)a, *len, pgoff, vmf, flags,
			      force);
		if (e)
			return e;
		if (!force &&
		    !mr_may_expand_vm(mm, vmf,
				      (*len >> MR_PAGE_SHIFT) -
					      mapped(mm, p->start, p->end)))
			return -ENOMEM;
		/* hugetlb_reserve_pages(): without MAP_NORESERVE the pages
		 * must be free and not reserved (a SysV segment reserved
		 * them at shmget) */
		if (!force && !f && !(flags & MAP_NORESERVE_)) {
			p->resv_check = 1; /* after vm_area_alloc() */
			if (!c->huge_known)
				return MR_PRED_NONE;
			if (c->huge_avail[hshift == 30] +
				    huge_reserved(mm, p->start, p->end) <
			    *len >> hshift)
				return -ENOMEM;
		}
		return a;
	}
	if (f) {
		/* file_mmap_ok(): the file's largest offset (a regular
		 * file's MAX_LFS_FILESIZE) bounds the mapping */
		if (!force &&
		    (*len > FILE_MAX_ || pgoff > (FILE_MAX_ - *len) >> 12))
			return -EOVERFLOW;
		/* MAP_SYNC needs a DAX file (none is modelled): refused
		 * whatever the map type (measured) */
		if (!force && (flags & MAP_SYNC_))
			return -EOPNOTSUPP;
		switch (flags & MAP_TYPE_) {
		case MAP_SHARED_VALIDATE_:
			/* the MAP_HUGE_* size bits pass (measured) */
			if (!force &&
			    (flags & ~(uint64_t)LEGACY_MAP_MASK_ &
			     ~(uint64_t)MAP_TYPE_ &
			     ~((uint64_t)MAP_HUGE_MASK_ << MAP_HUGE_SHIFT_)))
				return -EOPNOTSUPP;
			/* fall through */
		case MAP_SHARED_:
			if (!force && (prot & PROT_WRITE_) && !f->writable)
				return -EACCES;
			vmf |= MR_VM_SHARED | MR_VM_MAYSHARE;
			if (!f->writable)
				vmf &= ~(MR_VM_MAYWRITE | MR_VM_SHARED);
			/* fall through */
		case MAP_PRIVATE_:
			if (!force && !f->readable)
				return -EACCES;
			if (!force && f->nommap)
				return -ENODEV;
			if (vmf & MR_VM_GROWSDOWN)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
		p->file = f->file;
		p->ofd = f->ofd;
		/* mmap_zero(): a shared mapping of /dev/zero is shared
		 * anonymous memory (shmem_zero_setup()) */
		if ((vmf & MR_VM_MAYSHARE) &&
		    mr_machine_file_get(mm->m, f->file) &&
		    !strcmp(mr_machine_file_get(mm->m, f->file)->path,
			    "/dev/zero")) {
			p->file = 0;
			p->ofd = 0;
		}
	} else {
		/* Anonymous memory knows MAP_SHARED, MAP_PRIVATE and
		 * MAP_DROPPABLE; MAP_SHARED_VALIDATE is EINVAL (measured). */
		switch (flags & MAP_TYPE_) {
		case MAP_SHARED_:
			if (vmf & MR_VM_GROWSDOWN)
				return -EINVAL;
			pgoff = 0;
			vmf |= MR_VM_SHARED | MR_VM_MAYSHARE;
			break;
		case MAP_DROPPABLE_:
			/* pages the kernel may drop: never locked, no stack,
			 * nothing reserved, not kept over fork or in a core
			 * dump */
			if ((flags & MAP_LOCKED_) || (vmf & MR_VM_GROWSDOWN))
				return -EINVAL;
			vmf |= MR_VM_DROPPABLE | MR_VM_NORESERVE |
			       MR_VM_WIPEONFORK | MR_VM_DONTDUMP;
			pgoff = (uint64_t)a >> MR_PAGE_SHIFT;
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
	e = prop_fill(mm, p, (uint64_t)a, *len, pgoff, vmf, flags, force);
	if (e)
		return e;
	/* __mmap_region(): the address space may grow by what the
	 * mapping does not replace (RLIMIT_AS, RLIMIT_DATA) */
	if (!force && !mr_may_expand_vm(mm, vmf,
					(*len >> MR_PAGE_SHIFT) -
						mapped(mm, p->start, p->end)))
		return -ENOMEM;
	/* an accountable mapping is committed (less what the accounted
	 * VMAs it replaces had) */
	if (!force && (vmf & MR_VM_ACCOUNT) &&
	    mr_commit_refused(mm, (*len >> MR_PAGE_SHIFT) -
					  accounted(mm, p->start, p->end)))
		return -ENOMEM;
	return a;
}

/*
 * A hugetlb mapping is its own hugetlbfs file ("/anon_hugepage
 * (deleted)", device and inode unknown until a snapshot shows them), and
 * reserves its pages unless MAP_NORESERVE: a private mapping's VMA holds
 * the reservation, a shared one's file does.
 */
static void huge_file(mr_mm *mm, struct mr_prop *p, uint64_t flags)
{
	mr_machine *m = mm->m;
	int sh = huge_shift(flags);
	uint32_t id;

	if (sh < 0)
		sh = 21;
	id = mr_machine_file_unnamed(m, "/anon_hugepage (deleted)", 0, 0, 0);
	if (!id)
		return;
	m->files[id - 1].huge_shift = (uint8_t)sh;
	p->file = id;
	p->ofd = mr_machine_new_ofd(m);
}

static void huge_reserve(mr_mm *mm, mr_vma *v, uint64_t flags)
{
	mr_machine *m = mm->m;
	uint64_t hs = mr_vma_huge_size(mm, v), pages, *avail;

	if (!hs || (v->flags & MR_VM_NORESERVE))
		return;
	pages = (v->end - v->start) / hs;
	avail = &m->cfg.huge_avail[hs > MR_PMD_SIZE];
	*avail = *avail > pages ? *avail - pages : 0;
	if (v->flags & MR_VM_MAYSHARE)
		m->files[v->file - 1].huge_resv += pages;
	else
		v->huge_resv = 1;
	(void)flags;
}

int64_t mr_mm_mmap(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t prot,
		   uint64_t flags, const mr_fileref *f, uint64_t off,
		   int64_t recorded)
{
	uint64_t a = addr, l = len, fl = flags;
	int reserve = 0, rule;
	struct mr_prop p;
	int64_t pred;
	mr_vma *v;

	memset(&p, 0, sizeof(p)); /* mmap_check() may fail before it does */
	pred = mmap_check(mm, &a, &l, prot, &fl, f, off, &p, 0);

	if (recorded == MR_RESULT_UNKNOWN)
		recorded = pred;
	/* An exec built from ELF headers guessed mmap_base: the first
	 * mmap(NULL) shows it (exec.c). */
	if (mm->fl[1].on && !addr && !(fl & MAP_FIXED_)) {
		int64_t delta = mr_exec_pin_mmap(mm, pred, recorded);

		if (delta) {
			a = addr;
			l = len;
			fl = flags;
			if (mmap_check(mm, &a, &l, prot, &fl, f, off, &p, 0) !=
			    recorded) {
				mr_exec_unpin_mmap(mm, delta);
				a = addr;
				l = len;
				fl = flags;
				mmap_check(mm, &a, &l, prot, &fl, f, off, &p,
					   0);
			}
			pred = MR_PRED_NONE;
		}
	}
	/* A MAP_FIXED whose unmap failed past its first VMA (a seal, a
	 * split refused) leaves that VMA's split. */
	if ((recorded == -EPERM || recorded == -EINVAL) && pred == recorded &&
	    (fl & MAP_FIXED_) && !(fl & MAP_FIXED_NOREPLACE_))
		mr_unmap_failed_split(mm, p.start, p.end);
	/* hugetlbfs_file_mmap() refused the reservation: mmap_region() had
	 * allocated the VMA, and frees it (measured: a failed MAP_HUGETLB
	 * mmap allocates and frees one vm_area_struct) */
	if (recorded == -ENOMEM && p.resv_check &&
	    (pred == -ENOMEM || pred == MR_PRED_NONE))
		mr_vma_alloc_free(mm->m);
	/* A failure, or nothing known (MR_PRED_NONE): nothing to apply. */
	if (recorded < 0)
		return pred;
	if (pred != recorded) {
		/* Apply what happened: recompute the proposal at the
		 * recorded address as a MAP_FIXED mapping would be. */
		uint64_t a2 = (uint64_t)recorded, l2 = len;
		uint64_t fl2 = (flags & ~MAP_FIXED_NOREPLACE_) | MAP_FIXED_;
		int64_t r = mmap_check(mm, &a2, &l2, prot, &fl2, f, off, &p, 1);

		if (r < 0) {
			/* The model cannot even describe it: map anonymous
			 * private memory of the recorded size there. */
			memset(&p, 0, sizeof(p));
			p.start = (uint64_t)recorded;
			p.end = p.start + MR_PAGE_ALIGN(len);
			if (p.end <= p.start || p.end > mm->m->cfg.task_size)
				return pred; /* not a mapping the kernel
						could have made */
			p.pgoff = p.start >> MR_PAGE_SHIFT;
			p.flags = prot_bits(prot) | MR_VM_MAYREAD |
				  MR_VM_MAYWRITE | MR_VM_MAYEXEC;
		}
	}
	/* Shared anonymous memory is a new shmem file each time: its own
	 * struct file, so it never merges with another mapping's. */
	if ((p.flags & MR_VM_HUGETLB) && !p.file) {
		huge_file(mm, &p, flags);
		reserve = 1;
	} else if (!p.file && (p.flags & MR_VM_MAYSHARE)) {
		p.ofd = mr_machine_new_ofd(mm->m);
	}
	/* over PROT_NONE memory only: a reservation committed (the JVM's
	 * heap, glibc's arenas) */
	rule = mr_range_covered(mm, p.start, p.end, MR_VM_ACCESS)
		       ? MR_WR_COMMIT
		       : MR_WR_CREATED;
	mr_unmap_range(mm, p.start, p.end);
	v = mr_map_range(mm, &p, 0);
	if (v && reserve)
		huge_reserve(mm, v, flags);
	if (v)
		mr_assume_written(mm, v, rule);
	/* do_mmap()'s *populate: locked memory, or MAP_POPULATE without
	 * MAP_NONBLOCK */
	if (v && ((p.flags & MR_VM_LOCKED) ||
		  (flags & (MAP_POPULATE_ | MAP_NONBLOCK_)) == MAP_POPULATE_))
		mr_populate(mm, p.start, p.end, 1);
	return pred;
}

/* ---- remap_file_pages ---- */

int64_t mr_mm_remap_file_pages(mr_mm *mm, uint64_t start, uint64_t size,
			       uint64_t prot, uint64_t pgoff, uint64_t flags,
			       int64_t recorded)
{
	const mr_vma *v, *n;
	uint64_t mprot = 0, mflags;
	mr_fileref f;
	int64_t r;

	start &= MR_PAGE_MASK;
	size &= MR_PAGE_MASK;
	if (prot || start + size <= start ||
	    pgoff + (size >> MR_PAGE_SHIFT) < pgoff)
		return -EINVAL;
	v = mr_vma_tree_find(&mm->tree, start);
	if (!v || !(v->flags & MR_VM_SHARED))
		return -EINVAL;
	/* the range may run over neighbours of the same file and flags,
	 * with no hole */
	for (n = v; n && n->end < start + size; n = mr_vma_next(n)) {
		const mr_vma *next = mr_vma_next(n);

		if (!next || next->start != n->end || next->file != v->file ||
		    (!v->file && next->ofd != v->ofd) ||
		    next->flags != v->flags)
			return -EINVAL;
	}
	/* shared anonymous memory: its shmem file (the model's VMAs of one
	 * shared mmap share the struct file) is mapped again there with
	 * the offset, as do_mmap() maps a file: MAP_FIXED, the VMA's
	 * protection and lock, populated */
	if (!v->file) {
		struct mr_prop p;

		if (!mr_vma_anon_shmem(v))
			return -EINVAL;
		memset(&p, 0, sizeof(p));
		p.start = start;
		p.end = start + size;
		p.pgoff = pgoff;
		p.flags = v->flags;
		p.ofd = v->ofd;
		p.kind = MR_VMA_PLAIN;
		mr_unmap_range(mm, p.start, p.end);
		if (!mr_map_range(mm, &p, 0))
			return -ENOMEM;
		if (!(flags & MAP_NONBLOCK_))
			mr_populate(mm, p.start, p.end, 1);
		return 0;
	}
	if (v->flags & MR_VM_READ)
		mprot |= 1;
	if (v->flags & MR_VM_WRITE)
		mprot |= 2;
	if (v->flags & MR_VM_EXEC)
		mprot |= 4;
	mflags = (flags & MAP_NONBLOCK_) | MAP_SHARED_ | MAP_FIXED_ |
		 MAP_POPULATE_;
	if (v->flags & MR_VM_LOCKED)
		mflags |= MAP_LOCKED_;
	/* the VMA's own struct file: it was opened as the mapping needs */
	memset(&f, 0, sizeof(f));
	f.file = v->file;
	f.ofd = v->ofd;
	f.readable = 1;
	f.writable = (v->flags & MR_VM_MAYWRITE) != 0;
	r = mr_mm_mmap(mm, start, size, mprot, mflags, &f,
		       pgoff << MR_PAGE_SHIFT,
		       recorded == 0 ? (int64_t)start : recorded);
	return r >= 0 ? 0 : r;
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
	 * ENOMEM, with room EPERM), then each VMA's seal and split. */
	if (!pred)
		pred = mr_unmap_check(mm, addr, end, mm->tree.count);
	if (recorded == MR_RESULT_UNKNOWN)
		recorded = pred;
	if (recorded == 0 && !(addr & ~MR_PAGE_MASK) && end > addr)
		mr_unmap_range(mm, addr, end);
	else if ((recorded == -EPERM || recorded == -EINVAL) &&
		 recorded == pred)
		mr_unmap_failed_split(mm, addr, end);
	return pred;
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
	} else if ((grows & PROT_GROWSUP_) && !force) {
		/* no VMA grows up on x86-64 (VM_GROWSUP is 0) */
		return -EINVAL;
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
		/* mprotect_fixup(): memory turning into data must fit
		 * RLIMIT_DATA */
		if (!force && (nf & MR_VM_WRITE) &&
		    !mr_may_expand_vm(mm, nf,
				      (pend - nstart) >> MR_PAGE_SHIFT) &&
		    mr_may_expand_vm(mm, v->flags,
				     (pend - nstart) >> MR_PAGE_SHIFT)) {
			err = -ENOMEM;
			break;
		}
		if (dry) {
			const mr_vma *last = v;

			if (nf == v->flags) {
				sim = *v;
			} else if ((e = mr_vma_modify_dry(mm, dprev, v, nstart,
							  pend, nf, &sim, &last,
							  &count))) {
				err = e;
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
			uint64_t of = v->flags;

			prev = mr_vma_modify(mm, prev, v, nstart, pend, nf,
					     !force, &e);
			if (!prev) {
				err = e;
				break;
			}
			mr_phys_protect(mm, prev, nstart, pend);
			/* mprotect_fixup(): a private locked VMA made
			 * writable is populated to break COW */
			if ((of & (MR_VM_WRITE | MR_VM_SHARED |
				   MR_VM_LOCKED)) == MR_VM_LOCKED &&
			    (nf & MR_VM_WRITE))
				mr_populate(mm, nstart, pend, 1);
			if (!(of & MR_VM_WRITE) && (nf & MR_VM_WRITE))
				mr_assume_written(mm, prev, MR_WR_MPROTECT);
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

	/* An exec built from ELF headers guessed the PIE's place: ld.so's
	 * mprotect of its RELRO shows it (exec.c). */
	if (mm->fl[0].on && prot == PROT_READ_ && recorded == 0 &&
	    mr_exec_pin_relro(mm, addr, MR_PAGE_ALIGN(len))) {
		mprotect_run(mm, addr, len, prot, 0, 0);
		return MR_PRED_NONE;
	}

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
	struct mr_prop p;
	mr_vma *v;

	memset(&p, 0, sizeof(p));
	p.start = addr;
	p.end = addr + len;
	p.pgoff = addr >> MR_PAGE_SHIFT;
	p.flags = MR_VM_READ | MR_VM_WRITE | MR_VM_MAYREAD | MR_VM_MAYWRITE |
		  MR_VM_MAYEXEC | MR_VM_ACCOUNT | mm->def_flags;
	if (brkvma && brkvma->end == addr && mr_can_merge_left(&p, brkvma)) {
		mr_vma_set_range(mm, brkvma, brkvma->start, p.end,
				 brkvma->pgoff, 1);
		v = brkvma;
	} else {
		v = mr_vma_alloc(mm->m);
		if (!v)
			return;
		v->start = p.start;
		v->end = p.end;
		v->pgoff = p.pgoff;
		v->flags = p.flags;
		mr_vma_link(mm, v, 0);
	}
	mr_assume_written(mm, v, MR_WR_CREATED);
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
	/* check_data_rlimit(): the heap and the data segment, in bytes,
	 * within RLIMIT_DATA, shrinking too (a limit of 0 as well) */
	if (mm->rlim[MR_RLIM_DATA] != MR_RLIM_INFINITY &&
	    brk - mm->start_brk + mm->data_size > mm->rlim[MR_RLIM_DATA])
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
		/* do_vmi_align_munmap() refuses sealed memory */
		if (mr_range_sealed(mm, newbrk, oldbrk))
			return mm->brk;
		return brk;
	}
	next = mr_vma_tree_find_after(&mm->tree, oldbrk);
	if (next &&
	    next->start < newbrk + MR_PAGE_SIZE + mm->m->cfg.stack_guard_gap &&
	    newbrk + MR_PAGE_SIZE > mr_vma_start_gap(&mm->tree, next))
		return mm->brk;
	/* check_brk_limits(): locked growth (mlockall(MCL_FUTURE)) must
	 * fit RLIMIT_MEMLOCK */
	if (!mr_mlock_future_ok(mm, mm->def_flags, newbrk - oldbrk))
		return mm->brk;
	if (mm->tree.count > mm->m->cfg.max_map_count)
		return mm->brk;
	/* do_brk_flags(): RLIMIT_AS and RLIMIT_DATA (the heap is data),
	 * then the growth is committed */
	if (!mr_may_expand_vm(mm, MR_VM_READ | MR_VM_WRITE | mm->def_flags,
			      (newbrk - oldbrk) >> MR_PAGE_SHIFT) ||
	    mr_commit_refused(mm, (newbrk - oldbrk) >> MR_PAGE_SHIFT))
		return mm->brk;
	return brk;
}

int64_t mr_mm_brk_call(mr_mm *mm, uint64_t brk, int64_t recorded)
{
	uint64_t pred, rec, newbrk, oldbrk;

	if (mm->brk_guess && recorded != MR_RESULT_UNKNOWN && recorded > 0) {
		/* An exec built from ELF headers guessed start_brk as
		 * without ASLR: the first brk shows whether it was so. */
		mm->brk_guess = 0;
		pred = brk_predict(mm, brk);
		if ((int64_t)pred != recorded) {
			mm->brk_known = 0;
			mr_mm_brk_call(mm, brk, recorded);
			return MR_PRED_NONE;
		}
	}
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
		mr_unmap_range(mm, newbrk, oldbrk);
	} else if (newbrk > oldbrk) {
		mr_vma *bv = brk_vma(mm, oldbrk);

		mr_unmap_range(mm, oldbrk, newbrk); /* only on divergence */
		brk_expand(mm, bv, oldbrk, newbrk - oldbrk);
		mm->brk = rec;
		if (mm->def_flags & MR_VM_LOCKED) /* mm_populate() */
			mr_populate(mm, oldbrk, newbrk, 1);
	} else {
		mm->brk = rec;
	}
	mr_mm_rehash(mm);
	heap_refresh(mm);
	return (int64_t)pred;
}

int64_t mr_mm_pkey_mprotect(mr_mm *mm, uint64_t addr, uint64_t len,
			    uint64_t prot, int64_t pkey, int64_t recorded)
{
	if (pkey != -1)
		return -EINVAL; /* mm_pkey_is_allocated(): no key without PKU */
	return mr_mm_mprotect(mm, addr, len, prot, recorded);
}

/* ---- address spaces whose start the trace never showed ---- */

void mr_mm_adopt(mr_mm *mm)
{
	if (!mm->known)
		mm->adopting = 1;
}

int mr_mm_adopting(const mr_mm *mm)
{
	return mm->adopting && !mm->known;
}

void mr_mm_adopt_range(mr_mm *mm, uint64_t start, uint64_t end, uint64_t prot)
{
	struct mr_prop p;
	uint64_t at;
	mr_vma *v;

	start &= MR_PAGE_MASK;
	end = MR_PAGE_ALIGN(end);
	if (!mr_mm_adopting(mm) || end <= start || end > mm->m->cfg.task_size)
		return;
	for (at = start; at < end;) {
		v = mr_vma_tree_find_after(&mm->tree, at);
		if (v && v->start <= at) {
			at = v->end;
			continue;
		}
		memset(&p, 0, sizeof(p));
		p.start = at;
		p.end = v && v->start < end ? v->start : end;
		p.pgoff = at >> MR_PAGE_SHIFT;
		p.flags = prot_bits(prot) | MR_VM_MAYREAD | MR_VM_MAYWRITE |
			  MR_VM_MAYEXEC;
		if (prot & PROT_WRITE_)
			p.flags |= MR_VM_ACCOUNT;
		at = p.end;
		v = mr_map_range(mm, &p, 0);
		if (v)
			mr_vma_set_inferred(mm, v, 1);
	}
}
