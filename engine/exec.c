/*
 * exec.c - the address space execve() builds, from the ELF headers of
 * the executable and its interpreter, for an exec the capture has no
 * snapshot of.
 *
 * Mirrors Linux 6.18 fs/binfmt_elf.c load_elf_binary(), elf_load(),
 * load_elf_interp(), fs/exec.c setup_arg_pages(), arch/x86/mm/mmap.c
 * mmap_base() and arch/x86/entry/vdso/vma.c map_vdso(), in their order:
 *
 *   1. mmap_base from RLIMIT_STACK: TASK_SIZE - clamp(rlimit + 1 MiB,
 *      128 MiB, 5/6 TASK_SIZE);
 *   2. the stack: its top at TASK_SIZE, the pages holding the strings
 *      plus 128 KiB (at most RLIMIT_STACK);
 *   3. the executable: ET_EXEC at its addresses; a PIE with an
 *      interpreter at ELF_ET_DYN_BASE aligned down to its largest
 *      p_align; one without (static-pie) top-down below mmap_base. Each
 *      PT_LOAD maps its file pages; the rest of memsz past the last file
 *      page is anonymous rw memory (rwx for an executable segment); the
 *      holes between segments stay unmapped;
 *   4. the interpreter top-down below mmap_base (its p_align ignored);
 *   5. [vvar] (4 pages), [vvar_vclock] (2) and [vdso] (2), one top-down
 *      block of 32 KiB.
 *
 * That is the layout with ASLR off (measured on 6.18: identical maps).
 * With ASLR mmap_base, the PIE's load bias, the stack top and brk are
 * random, and the trace shows them later or never: the first
 * mmap(NULL) lands just below the vdso block (it moves ld.so, the vdso
 * and mmap_base), ld.so's mprotect of the executable's PT_GNU_RELRO
 * gives the load bias (it moves the executable), brk(NULL) gives
 * start_brk (guessed as the end of the bss until then). The stack's
 * place stays a guess (inferred).
 *
 *   0x7ffffffff000 [stack] | mmap_base | ld.so | vdso block | ... mmaps
 *   0x555555554000 the PIE, then brk
 */
#include "engine/engine_int.h"

#include <string.h>

#define ELF_ET_DYN_BASE_ 0x555555554aaaull
#define STACK_EXPAND_ (128ull << 10) /* setup_arg_pages() */
#define VVAR_LEN_ (4 * MR_PAGE_SIZE) /* VDSO_NR_PAGES */
#define VCLOCK_LEN_ (2 * MR_PAGE_SIZE)
#define VDSO_LEN_ (2 * MR_PAGE_SIZE) /* the vdso image, measured */

enum { FL_EXE = 0, FL_MMAP = 1 };

/* arch/x86/mm/mmap.c mmap_base() without randomisation. */
static uint64_t mmap_base_of(const mr_config *c)
{
	uint64_t task = c->task_size, gap, min = 128ull << 20;
	uint64_t max = task / 6 * 5;

	gap = c->stack_rlimit ? c->stack_rlimit : ~0ull;
	if (gap + c->stack_guard_gap > gap)
		gap += c->stack_guard_gap;
	if (gap < min)
		gap = min;
	else if (gap > max)
		gap = max;
	return MR_PAGE_ALIGN(task - gap);
}

/* The lowest page and the end of the highest PT_LOAD (the kernel takes
 * the minimum and maximum over all of them). */
static void image_span(const mr_exec_image *img, uint64_t *lo, uint64_t *hi)
{
	size_t i;

	*lo = ~0ull;
	*hi = 0;
	for (i = 0; i < img->nseg; i++) {
		const mr_exec_seg *s = &img->seg[i];

		if ((s->vaddr & MR_PAGE_MASK) < *lo)
			*lo = s->vaddr & MR_PAGE_MASK;
		if (s->vaddr + s->memsz > *hi)
			*hi = s->vaddr + s->memsz;
	}
}

/* total_mapping_size(): the lowest PT_LOAD's page to the highest end. */
static uint64_t total_size(const mr_exec_image *img)
{
	uint64_t lo, hi;

	image_span(img, &lo, &hi);
	return MR_PAGE_ALIGN(hi - lo);
}

static uint64_t vm_prot(uint32_t prot)
{
	return (prot & 1 ? MR_VM_READ : 0) | (prot & 2 ? MR_VM_WRITE : 0) |
	       (prot & 4 ? MR_VM_EXEC : 0);
}

/* elf_load(): one PT_LOAD at BIAS. Returns 0 or -1 (no room). */
static int map_seg(mr_mm *mm, const mr_exec_image *img, const mr_exec_seg *s,
		   uint64_t bias, uint32_t ofd)
{
	uint64_t addr = bias + s->vaddr;
	uint64_t zs = addr & MR_PAGE_MASK, ze = MR_PAGE_ALIGN(addr + s->memsz);
	struct mr_prop p;
	mr_vma *v;

	/* the kernel refuses addresses below mmap_min_addr (EPERM) */
	if (ze > mm->m->cfg.task_size || ze < zs ||
	    zs < mm->m->cfg.mmap_min_addr)
		return -1;
	if (s->filesz) {
		memset(&p, 0, sizeof(p));
		p.start = zs;
		p.end = MR_PAGE_ALIGN(addr + s->filesz);
		p.pgoff = (s->offset & MR_PAGE_MASK) >> MR_PAGE_SHIFT;
		p.flags = vm_prot(s->prot) | MR_VM_MAYREAD | MR_VM_MAYWRITE |
			  MR_VM_MAYEXEC;
		if (s->prot & 2)
			p.flags |= MR_VM_ACCOUNT;
		p.file = img->file;
		p.ofd = ofd;
		mr_unmap_range(mm, p.start, p.end);
		v = mr_map_range(mm, &p, 0);
		if (!v)
			return -1;
		/* padzero(): the rest of the last file page is cleared,
		 * a write into a writable private page */
		if (s->memsz > s->filesz && (s->prot & 2) &&
		    ((addr + s->filesz) & ~MR_PAGE_MASK))
			mr_anon_prepare(mm, v);
		zs = p.end;
	}
	if (ze > zs) {
		/* vm_brk_flags(): anonymous, rw (and x for PF_X) */
		memset(&p, 0, sizeof(p));
		p.start = zs;
		p.end = ze;
		p.pgoff = zs >> MR_PAGE_SHIFT;
		p.flags = MR_VM_READ | MR_VM_WRITE | MR_VM_MAYREAD |
			  MR_VM_MAYWRITE | MR_VM_MAYEXEC | MR_VM_ACCOUNT |
			  (s->prot & 4 ? MR_VM_EXEC : 0);
		mr_unmap_range(mm, p.start, p.end);
		if (!mr_map_range(mm, &p, 1))
			return -1;
	}
	return 0;
}

/* Every PT_LOAD of IMG at BIAS; its range in *lo, *hi. */
static int map_image(mr_mm *mm, const mr_exec_image *img, uint64_t bias,
		     uint64_t *lo, uint64_t *hi)
{
	uint32_t ofd = img->file + 0x80000000u; /* as seeding names it */
	size_t i;

	for (i = 0; i < img->nseg; i++)
		if (map_seg(mm, img, &img->seg[i], bias, ofd))
			return -1;
	image_span(img, lo, hi);
	*lo += bias;
	*hi = MR_PAGE_ALIGN(*hi + bias);
	return 0;
}

/* A top-down place for IMG below mmap_base (a hint-0 elf_map()). */
static int64_t top_down(mr_mm *mm, const mr_exec_image *img)
{
	mr_fileref f;

	memset(&f, 0, sizeof(f));
	f.file = img->file;
	f.readable = 1;
	return mr_get_unmapped_area(mm, 0, total_size(img), MAP_PRIVATE_, &f,
				    img->seg[0].offset >> MR_PAGE_SHIFT);
}

static int add_special(mr_mm *mm, uint64_t start, uint64_t len, uint64_t flags,
		       int kind)
{
	mr_vma v;

	memset(&v, 0, sizeof(v));
	v.start = start;
	v.end = start + len;
	v.pgoff = start >> MR_PAGE_SHIFT;
	v.flags = flags;
	v.kind = (uint8_t)kind;
	return mr_mm_seed_vma(mm, &v);
}

/* map_vdso(): the 32 KiB block top-down; its start, or -1. */
static int64_t map_vdso(mr_mm *mm)
{
	const uint64_t vv = MR_VM_READ | MR_VM_MAYREAD | MR_VM_PFNMAP |
			    MR_VM_IO | MR_VM_DONTEXPAND | MR_VM_DONTDUMP;
	int64_t a = mr_get_unmapped_area(
		mm, 0, VVAR_LEN_ + VCLOCK_LEN_ + VDSO_LEN_, 0, NULL, 0);

	if (a < 0 || add_special(mm, (uint64_t)a, VVAR_LEN_, vv, MR_VMA_VVAR) ||
	    add_special(mm, (uint64_t)a + VVAR_LEN_, VCLOCK_LEN_, vv,
			MR_VMA_VVAR_VCLOCK) ||
	    add_special(mm, (uint64_t)a + VVAR_LEN_ + VCLOCK_LEN_, VDSO_LEN_,
			MR_VM_READ | MR_VM_EXEC | MR_VM_MAYREAD |
				MR_VM_MAYWRITE | MR_VM_MAYEXEC |
				MR_VM_DONTEXPAND,
			MR_VMA_VDSO))
		return -1;
	return a;
}

/* setup_arg_pages(): the stack VMA under TOP. */
static int map_stack(mr_mm *mm, uint64_t top, uint64_t strings, int exec_stack)
{
	const mr_config *c = &mm->m->cfg;
	uint64_t size = top - ((top - 8 - strings) & MR_PAGE_MASK);
	uint64_t rlim =
		c->stack_rlimit ? c->stack_rlimit & MR_PAGE_MASK : ~0ull;
	mr_vma v;

	memset(&v, 0, sizeof(v));
	v.end = top;
	v.start = size + STACK_EXPAND_ > rlim ? top - rlim
					      : top - size - STACK_EXPAND_;
	v.pgoff = v.start >> MR_PAGE_SHIFT;
	v.flags = MR_VM_READ | MR_VM_WRITE | MR_VM_MAYREAD | MR_VM_MAYWRITE |
		  MR_VM_MAYEXEC | MR_VM_GROWSDOWN | MR_VM_ACCOUNT |
		  (exec_stack ? MR_VM_EXEC : 0);
	v.kind = MR_VMA_STACK;
	v.anon_vma = mr_machine_new_anon_vma(mm->m); /* the strings */
	v.inferred = 1; /* its place is never shown */
	/* argc sits below the strings: inside the VMA's top page or so */
	mm->start_stack = v.end - strings - 8;
	return mr_mm_seed_vma(mm, &v);
}

/* Mark the VMAs of [lo, hi) inferred (a guess) or not. */
static void mark(mr_mm *mm, uint64_t lo, uint64_t hi, int inferred)
{
	mr_vma *v;

	for (v = mr_vma_tree_find_after(&mm->tree, lo); v && v->start < hi;
	     v = mr_vma_next(v))
		mr_vma_set_inferred(mm, v, inferred);
}

int mr_mm_exec_elf(mr_mm *mm, const mr_exec_image *exe,
		   const mr_exec_image *interp, uint64_t strings,
		   int exec_stack)
{
	const mr_config *c = &mm->m->cfg;
	uint64_t lo, hi, bias, mlo, brk_end;
	int64_t a;

	if (mm->known || mr_vma_tree_first(&mm->tree) || !exe->nseg ||
	    (interp && !interp->nseg))
		return -1;
	memset(mm->fl, 0, sizeof(mm->fl));
	mm->mmap_base = mmap_base_of(c);
	mm->base_known = 1;
	if (map_stack(mm, c->task_size, strings, exec_stack))
		goto out_fail;
	mlo = mm->mmap_base;
	if (!exe->dyn) {
		bias = 0;
	} else if (interp) {
		bias = ELF_ET_DYN_BASE_;
		if (exe->align > MR_PAGE_SIZE)
			bias &= ~(exe->align - 1);
		bias = (bias - exe->seg[0].vaddr) & MR_PAGE_MASK;
	} else {
		/* static-pie: top-down, then aligned down to p_align */
		a = top_down(mm, exe);
		if (a < 0)
			goto out_fail;
		if (exe->align > MR_PAGE_SIZE)
			a &= ~(int64_t)(exe->align - 1);
		bias = (uint64_t)a - (exe->seg[0].vaddr & MR_PAGE_MASK);
	}
	if (map_image(mm, exe, bias, &lo, &hi))
		goto out_fail;
	brk_end = hi;
	/* load_elf_binary(): start_code and end_code span the executable
	 * segments' file contents (VmExe) */
	{
		uint64_t sc = ~0ull, ec = 0;
		size_t i;

		for (i = 0; i < exe->nseg; i++) {
			const mr_exec_seg *sg = &exe->seg[i];

			if (!(sg->prot & 4))
				continue;
			if (sg->vaddr < sc)
				sc = sg->vaddr;
			if (sg->vaddr + sg->filesz > ec)
				ec = sg->vaddr + sg->filesz;
		}
		if (ec)
			mr_mm_set_code(mm, bias + sc, bias + ec);
		/* start_data: the last segment's start; end_data: the
		 * furthest end of a segment's file contents */
		for (sc = ec = 0, i = 0; i < exe->nseg; i++) {
			const mr_exec_seg *sg = &exe->seg[i];

			if (sg->vaddr > sc)
				sc = sg->vaddr;
			if (sg->vaddr + sg->filesz > ec)
				ec = sg->vaddr + sg->filesz;
		}
		if (ec)
			mr_mm_set_data(mm, bias + sc, bias + ec);
	}
	if (exe->dyn && interp) {
		mm->fl[FL_EXE] = (struct mr_float){1, lo, hi, 0, 0, 0};
		mm->fl[FL_EXE].align =
			exe->align > MR_PAGE_SIZE ? exe->align : MR_PAGE_SIZE;
		if (exe->relro_memsz) {
			uint64_t rs = (bias + exe->relro_vaddr) & MR_PAGE_MASK;
			uint64_t re =
				(bias + exe->relro_vaddr + exe->relro_memsz) &
				MR_PAGE_MASK;

			mm->fl[FL_EXE].relro = rs;
			mm->fl[FL_EXE].relro_len = re - rs;
		}
		mark(mm, lo, hi, 1);
	} else if (exe->dyn) {
		mlo = lo;
	}
	if (interp) {
		if (interp->dyn) {
			a = top_down(mm, interp);
			if (a < 0)
				goto out_fail;
			bias = (uint64_t)a -
			       (interp->seg[0].vaddr & MR_PAGE_MASK);
		} else {
			bias = 0;
		}
		if (map_image(mm, interp, bias, &lo, &hi))
			goto out_fail;
		if (interp->dyn && lo < mlo)
			mlo = lo;
	}
	a = map_vdso(mm);
	if (a < 0)
		goto out_fail;
	if ((uint64_t)a < mlo)
		mlo = (uint64_t)a;
	/* start_brk: the end of the bss, or ELF_ET_DYN_BASE for an ET_DYN
	 * without interpreter (brk_moved); ASLR adds a page and up to
	 * 1 GiB, which the first brk call shows */
	mm->start_brk =
		exe->dyn && !interp ? MR_PAGE_ALIGN(ELF_ET_DYN_BASE_) : brk_end;
	mm->brk = mm->start_brk;
	mm->brk_known = 1;
	mm->brk_guess = 1;
	mm->fl[FL_MMAP] = (struct mr_float){1, mlo, mm->mmap_base, 0, 0, 0};
	mark(mm, mlo, mm->mmap_base, 1);
	mm->has_gate = 1;
	mm->known = 1;
	mr_mm_rehash(mm);
	return 0;
out_fail:
	while (mr_vma_tree_first(&mm->tree))
		mr_vma_unlink_free(mm, mr_vma_tree_first(&mm->tree));
	memset(mm->fl, 0, sizeof(mm->fl));
	mm->base_known = 0;
	mm->brk_known = 0;
	mm->brk_guess = 0;
	return -1;
}

/* ---- pinning a guess ---- */

/*
 * Move the VMAs of group G by DELTA (a page multiple) when the place
 * they go to is free. Anonymous VMAs take the pgoff of their new place,
 * as they would have had there from the start. Returns 0 or -1.
 */
static int shift(mr_mm *mm, int g, int64_t delta)
{
	struct mr_float *f = &mm->fl[g];
	uint64_t nlo = f->lo + (uint64_t)delta, nhi = f->hi + (uint64_t)delta;
	mr_vma *v, *n, saved[64];
	size_t k = 0, i;

	if (nlo >= nhi || nhi > mm->m->cfg.task_size ||
	    nlo < mm->m->cfg.mmap_min_addr)
		return -1;
	for (v = mr_vma_tree_find_after(&mm->tree, nlo); v && v->start < nhi;
	     v = mr_vma_next(v))
		if (v->end <= f->lo || v->start >= f->hi)
			return -1; /* something else is there */
	for (v = mr_vma_tree_find_after(&mm->tree, f->lo);
	     v && v->start < f->hi; v = mr_vma_next(v))
		if (++k > sizeof(saved) / sizeof(saved[0]))
			return -1;
	k = 0;
	for (v = mr_vma_tree_find_after(&mm->tree, f->lo);
	     v && v->start < f->hi; v = n) {
		n = mr_vma_next(v);
		saved[k++] = *v;
		mr_vma_unlink_free(mm, v);
	}
	for (i = 0; i < k; i++) {
		mr_vma *o = &saved[i];

		o->start += (uint64_t)delta;
		o->end += (uint64_t)delta;
		if (!o->file)
			o->pgoff = o->start >> MR_PAGE_SHIFT;
		mr_mm_seed_vma(mm, o); /* the place is free: checked above */
	}
	f->lo = nlo;
	f->hi = nhi;
	if (g == FL_EXE && f->relro_len)
		f->relro += (uint64_t)delta;
	if (g == FL_MMAP)
		mm->mmap_base += (uint64_t)delta;
	return 0;
}

static void pinned(mr_mm *mm, int g)
{
	mark(mm, mm->fl[g].lo, mm->fl[g].hi, 0);
	mm->fl[g].on = 0;
}

int64_t mr_exec_pin_mmap(mr_mm *mm, int64_t pred, int64_t rec)
{
	int64_t delta;

	if (!mm->fl[FL_MMAP].on || pred < 0 || rec < 0)
		return 0;
	delta = rec - pred; /* both addresses below TASK_SIZE */
	if (delta & (int64_t)~MR_PAGE_MASK)
		return 0;
	if (!delta) {
		pinned(mm, FL_MMAP);
		return 0;
	}
	if (shift(mm, FL_MMAP, delta))
		return 0;
	pinned(mm, FL_MMAP);
	return delta;
}

void mr_exec_unpin_mmap(mr_mm *mm, int64_t delta)
{
	struct mr_float *f = &mm->fl[FL_MMAP];

	if (shift(mm, FL_MMAP, -delta))
		return;
	f->on = 1;
	mark(mm, f->lo, f->hi, 1);
}

int mr_exec_pin_relro(mr_mm *mm, uint64_t addr, uint64_t len)
{
	struct mr_float *f = &mm->fl[FL_EXE];
	int64_t delta = (int64_t)(addr - f->relro);
	const mr_vma *v;

	if (!f->on || !f->relro_len || len != f->relro_len)
		return 0;
	if (!delta) {
		pinned(mm, FL_EXE);
		return 0;
	}
	if (delta & (int64_t)(f->align - 1))
		return 0;
	/* the range must be one the model does not have yet */
	v = mr_vma_tree_find_after(&mm->tree, addr);
	if (v && v->start < addr + len)
		return 0;
	if (shift(mm, FL_EXE, delta))
		return 0;
	pinned(mm, FL_EXE);
	return 1;
}
