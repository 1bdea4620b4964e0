/*
 * test_phys.c - pages, page tables and RSS of engine/phys.c: random
 * fault, unmap, zap and mprotect sequences against a naive map of page
 * -> what maps it; copy on write after fork; THP folios and their split;
 * file fault-around and the kernel's counters deciding it; and the
 * physical invariants catching a broken state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "engine/buddy.h"
#include "engine/engine_int.h"
#include "engine/slub.h"
#include "engine/pgtable.h"
#include "tests/engine/helpers.h"
#include "tests/engine/nodes.h"

#define NPAGES 1024 /* the window: 4 MiB */
#define PROT_RW 3
#define PF_W 0x6 /* user write */
#define PF_R 0x4 /* user read */

enum { N_NONE = 0, N_ZERO, N_ANON };

static struct mirror journal; /* the journal sees every change */

static mr_machine *phys_machine(int thp)
{
	mr_config c;

	mr_config_default(&c);
	c.phys = 1;
	c.assume_written = 0;
	c.thp = thp;
	mirror_free(&journal);
	return new_machine_cfg(&c, &journal);
}

/* Without cfg.phys no page is modelled: faults change no counter. */
static void test_phys_off__no_pages(void **state)
{
	mr_machine *m = new_machine();
	struct seed s[] = {ANON(P(0), P(8), F_RW)};
	mr_mm *mm = seeded(m, 10, s, 1, 0x555555560000ull, 0x555555561000ull);
	uint64_t rss[MR_MM__COUNT];

	(void)state;
	mr_mm_fault(mm, P(1), PF_W);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON], 0);
	assert_null(mr_mm_pgtable(mm));
	mr_machine_free(m);
}

static size_t count_violations(mr_machine *m)
{
	return mr_machine_check(m, 1, print_violation, NULL);
}

/* What the page tables map at page I of the window. */
static int mapped(const mr_mm *mm, size_t i)
{
	const mr_pgtable *pt = mr_mm_pgtable(mm);
	uint64_t e = pt ? mr_pgtable_get(pt, P(i), NULL) : 0;

	if (!e)
		return N_NONE;
	return (e >> 12 & 0xffffffffffull) == MR_ZERO_PFN ? N_ZERO : N_ANON;
}

/*
 * Random sequences over one private anonymous mapping: read and write
 * faults, munmap and re-mmap, MADV_DONTNEED, mprotect. After each step
 * the page tables equal the naive map page for page, RssAnon counts its
 * anonymous pages, and the full invariants hold.
 */
static void test_phys_random__equals_naive_map(void **state)
{
	mr_machine *m = phys_machine(MR_THP_NEVER);
	struct seed s[] = {ANON(P(0), P(NPAGES), F_RW)};
	mr_mm *mm = seeded(m, 10, s, 1, 0x555555560000ull, 0x555555561000ull);
	static uint8_t naive[NPAGES];
	uint64_t rss[MR_MM__COUNT];
	int step;

	(void)state;
	memset(naive, N_NONE, sizeof(naive));
	for (step = 0; step < 4000; step++) {
		size_t i = rnd() % NPAGES, n = 1 + rnd() % 24, k, anon = 0;
		int op = (int)(rnd() % 10);

		if (i + n > NPAGES)
			n = NPAGES - i;
		/* the VMA the page is in (the VMA rules are tested apart) */
		const mr_vma *v = mr_mm_find(mm, P(i));

		if (v && v->start > P(i))
			v = NULL;
		if (op < 4) { /* a write fault */
			mr_mm_fault(mm, P(i), PF_W);
			if (v && (v->flags & MR_VM_WRITE))
				naive[i] = N_ANON;
		} else if (op < 6) { /* a read fault */
			mr_mm_fault(mm, P(i), PF_R);
			if (v && (v->flags & MR_VM_READ) && naive[i] == N_NONE)
				naive[i] = N_ZERO;
		} else if (op == 6) { /* munmap */
			mr_mm_munmap(mm, P(i), n * PG, MR_RESULT_UNKNOWN);
			for (k = i; k < i + n; k++)
				naive[k] = N_NONE;
		} else if (op == 7) { /* mmap back over whatever is there */
			mmap_fixed(mm, P(i), n * PG, PROT_RW);
			for (k = i; k < i + n; k++)
				naive[k] = N_NONE;
		} else if (op == 8) { /* MADV_DONTNEED */
			int64_t r = mr_mm_madvise(mm, P(i), n * PG, 4,
						  MR_RESULT_UNKNOWN);

			/* holes are skipped (ENOMEM at the end) */
			for (k = i; k < i + n && (r == 0 || r == -12); k++)
				naive[k] = N_NONE;
		} else { /* mprotect read-only or read-write */
			int w = (int)(rnd() & 1);

			/* pages stay mapped whatever the protection */
			mr_mm_mprotect(mm, P(i), n * PG, w ? PROT_RW : 1,
				       MR_RESULT_UNKNOWN);
		}
		for (k = 0; k < NPAGES; k++) {
			if (mapped(mm, k) != naive[k])
				fail_msg(
					"step %d (op %d at page %zu): page %zu "
					"maps %d, the naive map says %d",
					step, op, i, k, mapped(mm, k),
					naive[k]);
			anon += naive[k] == N_ANON;
		}
		mr_mm_rss(mm, rss);
		assert_int_equal(rss[MR_MM_ANON], anon);
		if (step % 200 == 0)
			expect_invariants(m);
	}
	assert_int_equal(count_violations(m), 0);
	/* every page and table goes with the address space */
	mr_machine_exit_group(m, 10);
	assert_int_equal(count_violations(m), 0);
	mr_machine_free(m);
}

/* ---- frames from the node ---- */

static void say_buddy(void *ctx, const char *msg)
{
	(void)ctx;
	print_message("  %s\n", msg);
}

/* A node of one Normal zone of 256 MiB, every page free in order-10
 * movable blocks, two CPUs with lists. */
static mr_buddy *small_node(void)
{
	return normal_node(65536, 0, 64, 200, 50, 400, 15);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The naive reference of what the node must hold: the allocated block
 * of every anonymous frame a page table of MMS maps, each counted once
 * (a huge PMD's folio, a PTE-mapped folio whole while any of its pages
 * is mapped, a small page), and one table page per page table of each
 * address space (VmPTE's and the PGD).
 */
static void expect_node(const mr_machine *m, mr_mm *const *mms, size_t nmms,
			int step)
{
	const mr_buddy *b = mr_machine_buddy(m);
	static uint64_t heads[1 << 16];
	uint64_t anon = 0, tables = 0;
	size_t n = 0, i, k;

	for (k = 0; k < nmms; k++) {
		const mr_pgtable *pt = mr_mm_pgtable(mms[k]);
		uint64_t a = 0, e;
		int level;

		if (!pt)
			continue;
		tables += mr_mm_pte_bytes(mms[k]) / PG + 1;
		while (mr_pgtable_next(pt, &a, UINT64_MAX >> 16, &e, &level)) {
			uint64_t pfn = (e & MR_PTE_PFN_MASK) >> 12;
			unsigned order = 0;
			int64_t h;

			a += level == MR_PT_PMD ? MR_PMD_SIZE : PG;
			if (e & MR_PTE_SPECIAL)
				continue;
			h = mr_buddy_block_of(b, pfn, &order);
			if (h < 0)
				fail_msg("step %d: mapped frame %#llx is not "
					 "allocated",
					 step, (unsigned long long)pfn);
			assert_int_equal(mr_buddy_owner(b, pfn), MR_OWN_ANON);
			assert_true(n < sizeof(heads) / sizeof(heads[0]));
			heads[n++] = (uint64_t)h << 4 | order;
		}
	}
	qsort(heads, n, sizeof(heads[0]), cmp_u64);
	for (i = 0; i < n; i++)
		if (!i || heads[i] != heads[i - 1])
			anon += 1ull << (heads[i] & 15);
	if (mr_buddy_owned(b, MR_OWN_ANON) != anon ||
	    mr_buddy_owned(b, MR_OWN_PGTABLE) != tables)
		fail_msg("step %d: the node holds %llu anonymous and %llu "
			 "table pages, the page tables %llu and %llu",
			 step,
			 (unsigned long long)mr_buddy_owned(b, MR_OWN_ANON),
			 (unsigned long long)mr_buddy_owned(b, MR_OWN_PGTABLE),
			 (unsigned long long)anon, (unsigned long long)tables);
	assert_int_equal(mr_machine_frees_bad(m), 0);
	assert_int_equal(mr_machine_frames_short(m), 0);
}

/* The holes the engine counts between VMAs are those of a walk. */
static void expect_holes(const mr_mm *mm, int step)
{
	const mr_vma *v, *p = NULL;
	int64_t n = 0;

	for (v = mr_vma_tree_first(&mm->tree); v; p = v, v = mr_vma_next(v))
		n += p && p->end < v->start;
	if (n != mm->holes)
		fail_msg("step %d: %lld holes counted, %lld between the VMAs",
			 step, (long long)mm->holes, (long long)n);
}

/*
 * Every frame comes from the node and goes back to it: random faults
 * (THP always), unmaps, DONTNEED, PAGEOUT, mprotects, mremap moves,
 * forks and child exits, checked at every step against the naive
 * reference and the allocator's own invariants; when the last address
 * space is gone, the node holds no anonymous or table page.
 */
static void test_phys_node__frames_come_back(void **state)
{
	uint64_t base = 0x40000000ull, len = 8 * MR_PMD_SIZE;
	size_t npages = len / PG;
	mr_machine *m = phys_machine(MR_THP_ALWAYS);
	struct seed s[] = {ANON(base, base + len, F_RW)};
	mr_mm *mm, *mms[2] = {NULL, NULL};
	const mr_buddy *b;
	int step, child = 0;

	(void)state;
	mr_machine_set_buddy(m, small_node());
	b = mr_machine_buddy(m);
	mms[0] = mm = seeded(m, 10, s, 1, 0x555555560000ull, 0x555555561000ull);
	for (step = 0; step < 3000; step++) {
		size_t i = rnd() % npages, n = 1 + rnd() % 700;
		uint64_t a = base + i * PG;
		int op = (int)(rnd() % 16);

		mr_machine_set_cpu(m, (int)(rnd() & 1));
		if (i + n > npages)
			n = npages - i;
		if (op < 6) {
			mr_mm_fault(mm, a, PF_W);
		} else if (op == 6) {
			mr_mm_fault(mm, a, PF_R);
		} else if (op == 7) {
			mr_mm_munmap(mm, a, n * PG, MR_RESULT_UNKNOWN);
		} else if (op == 8) {
			mmap_fixed(mm, a, n * PG, PROT_RW);
		} else if (op == 9) {
			mr_mm_madvise(mm, a, n * PG, 4, MR_RESULT_UNKNOWN);
		} else if (op == 10) {
			mr_mm_madvise(mm, a, n * PG, 21, MR_RESULT_UNKNOWN);
		} else if (op == 11) {
			mr_mm_mprotect(mm, a, n * PG, (rnd() & 1) ? PROT_RW : 1,
				       MR_RESULT_UNKNOWN);
		} else if (op == 12) { /* move a piece elsewhere */
			uint64_t to = base + (rnd() % npages) * PG;

			mr_mm_mremap(mm, a, n * PG, n * PG,
				     3 /* MAYMOVE | FIXED */, to,
				     MR_RESULT_UNKNOWN);
		} else if (op == 13 && !child) {
			assert_int_equal(mr_machine_clone(m, 10, 20, 0), 0);
			mms[1] = mr_machine_task_mm(m, 20);
			child = 1;
		} else if (op == 14 && child) {
			mr_mm_fault(mms[1], a, PF_W);
		} else if (op == 15 && child) {
			mr_machine_exit_group(m, 20);
			mms[1] = NULL;
			child = 0;
		}
		expect_node(m, mms, child ? 2 : 1, step);
		expect_holes(mm, step);
		if (mr_buddy_check(b, say_buddy, NULL))
			fail_msg("step %d (op %d): the allocator is broken",
				 step, op);
	}
	if (child)
		mr_machine_exit_group(m, 20);
	mr_machine_exit_group(m, 10);
	assert_int_equal(mr_buddy_owned(b, MR_OWN_ANON), 0);
	assert_int_equal(mr_buddy_owned(b, MR_OWN_PGTABLE), 0);
	assert_int_equal(mr_buddy_check(b, say_buddy, NULL), 0);
	assert_int_equal(mr_machine_frees_bad(m), 0);
	mr_machine_free(m);
}

/* A THP folio both processes map after a fork: the parent splits its PMD
 * and drops all but the first page, then the child splits its own and
 * drops one page: the folio stays allocated while the child maps the
 * rest (each split counts the pages held anew), and goes with the last. */
static void test_phys_node__shared_folio_split(void **state)
{
	uint64_t base = 0x40000000ull;
	mr_machine *m = phys_machine(MR_THP_ALWAYS);
	struct seed s[] = {ANON(base, base + MR_PMD_SIZE, F_RW)};
	mr_mm *mms[2];

	(void)state;
	mr_machine_set_buddy(m, small_node());
	mms[0] = seeded(m, 10, s, 1, 0x555555560000ull, 0x555555561000ull);
	mr_mm_fault(mms[0], base, PF_W);
	assert_int_equal(mr_buddy_owned(mr_machine_buddy(m), MR_OWN_ANON), 512);
	assert_int_equal(mr_machine_clone(m, 10, 20, 0), 0);
	mms[1] = mr_machine_task_mm(m, 20);
	assert_int_equal(mr_mm_munmap(mms[0], base + PG, MR_PMD_SIZE - PG, U),
			 0);
	expect_node(m, mms, 2, 1);
	assert_int_equal(mr_mm_munmap(mms[1], base + 5 * PG, PG, U), 0);
	expect_node(m, mms, 2, 2);
	assert_int_equal(mr_buddy_owned(mr_machine_buddy(m), MR_OWN_ANON), 512);
	mr_machine_exit_group(m, 20);
	mr_machine_exit_group(m, 10);
	assert_int_equal(mr_buddy_owned(mr_machine_buddy(m), MR_OWN_ANON), 0);
	assert_int_equal(mr_machine_frees_bad(m), 0);
	mr_machine_free(m);
}

/* A slab profile of the task caches, each with N objects in use on two
 * full slabs' worth. */
static void task_caches(mr_slab_profile *p)
{
	static const char *const names[] = {"task_struct",    "pid",
					    "signal_cache",   "sighand_cache",
					    "files_cache",    "anon_vma_chain",
					    "vm_area_struct", "mm_struct",
					    "anon_vma",	      "maple_node"};
	size_t i;

	p->n = sizeof(names) / sizeof(names[0]);
	p->v = calloc(p->n, sizeof(*p->v));
	assert_non_null(p->v);
	for (i = 0; i < p->n; i++) {
		mr_slab_cache_profile *c = &p->v[i];

		strcpy(c->name, names[i]);
		c->objsize = 256;
		c->objperslab = 16;
		c->pagesperslab = 1;
		c->num_slabs = c->active_slabs = 4;
		c->num_objs = 64;
		c->active_objs = 40;
	}
}

/* Objects of the cache NAME handed out. */
static uint64_t objs(const mr_machine *m, const char *name)
{
	const mr_slub *s = mr_machine_slub(m);

	return mr_slub_live(s, mr_slub_cache(s, name));
}

/* copy_process() makes a task_struct and a pid for every task, and a
 * signal_struct, sighand_struct, files_struct and fs_struct (in
 * anon_vma_chain's merged cache) unless the clone flags share them; an
 * exit gives back what only it held, an exec unshares a shared file
 * table and sighand. */
static void test_phys_node__task_objects(void **state)
{
	static const char *const each[] = {"task_struct", "pid", "signal_cache",
					   "sighand_cache", "files_cache"};
	uint64_t thread = MR_CLONE_VM | MR_CLONE_THREAD | 0x200 | 0x400 |
			  0x800; /* CLONE_FS, CLONE_FILES, CLONE_SIGHAND */
	mr_machine *m = phys_machine(MR_THP_NEVER);
	mr_slab_profile p;
	mr_slub *sl = NULL;
	uint64_t before[5], fs;
	const char *const *names;
	const uint32_t *caps;
	size_t nn, i;

	(void)state;
	mr_machine_set_buddy(m, small_node());
	task_caches(&p);
	names = mr_kobj_cache_names(&nn, &caps);
	assert_int_equal(mr_slub_new(&sl, &p, names, caps, nn,
				     (mr_buddy *)mr_machine_buddy(m), 2,
				     1ull << 40),
			 0);
	assert_int_equal(mr_machine_set_slub(m, sl), 0);
	mr_machine_task_adopt(m, 10); /* background objects: none new */
	for (i = 0; i < 5; i++) {
		before[i] = objs(m, each[i]);
		assert_int_equal(before[i], 40);
	}
	fs = objs(m, "anon_vma_chain");
	assert_int_equal(mr_machine_clone(m, 10, 20, 0), 0); /* fork */
	for (i = 0; i < 5; i++)
		assert_int_equal(objs(m, each[i]), before[i] + 1);
	assert_int_equal(objs(m, "anon_vma_chain"), fs + 1);
	assert_int_equal(mr_machine_clone(m, 20, 21, thread), 0);
	assert_int_equal(objs(m, "task_struct"), before[0] + 2);
	assert_int_equal(objs(m, "pid"), before[1] + 2);
	assert_int_equal(objs(m, "files_cache"), before[4] + 1);
	/* an exec of 21: the other thread (20) leaves, and the file
	 * table and sighand 21 shared with it are its own from then on */
	assert_non_null(mr_machine_exec(m, 21));
	assert_int_equal(objs(m, "task_struct"), before[0] + 1);
	assert_int_equal(objs(m, "files_cache"), before[4] + 1);
	assert_int_equal(objs(m, "sighand_cache"), before[3] + 1);
	mr_machine_exit_group(m, 21);
	for (i = 0; i < 5; i++)
		assert_int_equal(objs(m, each[i]), before[i]);
	assert_int_equal(objs(m, "anon_vma_chain"), fs);
	/* a process sharing 10's file table (CLONE_FILES alone) gets its own
	 * at exec (unshare_files()) */
	assert_int_equal(mr_machine_clone(m, 10, 30, 0x400), 0);
	assert_int_equal(objs(m, "files_cache"), before[4]);
	assert_non_null(mr_machine_exec(m, 30));
	assert_int_equal(objs(m, "files_cache"), before[4] + 1);
	mr_machine_exit_group(m, 30);
	assert_int_equal(objs(m, "files_cache"), before[4]);
	assert_int_equal(mr_slub_check(mr_machine_slub(m), NULL, NULL), 0);
	/* maple nodes: one root leaf for a few ranges; 100 VMAs with holes
	 * between them are 201 ranges: 23 leaves of 9, 4 internal nodes
	 * of 6 children and the root */
	{
		mr_mm *mm = mr_machine_task_mm(m, 10);
		uint64_t base = objs(m, "maple_node");

		assert_int_equal(mmap_fixed(mm, 0x40000000, PG, 3), 0x40000000);
		mr_machine_kobj_step(m);
		assert_int_equal(objs(m, "maple_node"), base + 1);
		for (i = 1; i < 100; i++)
			mmap_fixed(mm, 0x40000000 + 2 * i * PG, PG, 3);
		mr_machine_kobj_step(m);
		assert_int_equal(objs(m, "maple_node"), base + 28);
		assert_int_equal(mr_mm_munmap(mm, 0x40000000, 200 * PG, U), 0);
		mr_machine_kobj_step(m);
		assert_int_equal(objs(m, "maple_node"), base);
		assert_int_equal(mr_slub_check(mr_machine_slub(m), NULL, NULL),
				 0);
	}
	mr_slab_profile_free(&p);
	mr_machine_free(m);
}

/* fork write-protects both sides; the second writer of a page reuses it,
 * the first copies. */
static void test_phys_fork__copy_on_write(void **state)
{
	mr_machine *m = phys_machine(MR_THP_NEVER);
	struct seed s[] = {ANON(P(0), P(8), F_RW)};
	mr_mm *pm = seeded(m, 10, s, 1, 0x555555560000ull, 0x555555561000ull);
	mr_mm *cm;
	uint64_t rss[MR_MM__COUNT], before, after;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		mr_mm_fault(pm, P(i), PF_W);
	before = mr_pgtable_get(mr_mm_pgtable(pm), P(0), NULL);
	assert_true(before & MR_PTE_RW);
	/* a fork refused after dup_mmap(): the child's PGD, PUD, PMD and
	 * PTE tables were made and freed; the parent's entries stay
	 * write-protected, and a write reuses its page */
	{
		uint64_t t = mr_machine_tables_allocated(m);
		uint64_t f1 = mr_pgtable_get(mr_mm_pgtable(pm), P(1), NULL) &
			      MR_PTE_PFN_MASK;

		mr_mm_fork_aborted(pm);
		assert_int_equal(mr_machine_tables_allocated(m) - t, 4);
		assert_false(mr_pgtable_get(mr_mm_pgtable(pm), P(1), NULL) &
			     MR_PTE_RW);
		mr_mm_fault(pm, P(1), PF_W);
		assert_int_equal(mr_pgtable_get(mr_mm_pgtable(pm), P(1), NULL) &
					 MR_PTE_PFN_MASK,
				 f1);
		assert_true(mr_pgtable_get(mr_mm_pgtable(pm), P(1), NULL) &
			    MR_PTE_RW);
		mr_mm_rss(pm, rss);
		assert_int_equal(rss[MR_MM_ANON], 4);
		mr_mm_fault(pm, P(0), PF_W); /* writable again for below */
	}
	before = mr_pgtable_get(mr_mm_pgtable(pm), P(0), NULL);
	assert_int_equal(mr_machine_clone(m, 10, 20, 0), 0);
	cm = mr_machine_task_mm(m, 20);
	mr_mm_rss(cm, rss);
	assert_int_equal(rss[MR_MM_ANON], 4); /* the pages are shared */
	/* both sides read-only now, the same frame */
	assert_false(mr_pgtable_get(mr_mm_pgtable(pm), P(0), NULL) & MR_PTE_RW);
	assert_int_equal(mr_pgtable_get(mr_mm_pgtable(cm), P(0), NULL) >> 12,
			 mr_pgtable_get(mr_mm_pgtable(pm), P(0), NULL) >> 12);
	/* the child writes: a copy, a new frame */
	mr_mm_fault(cm, P(0), PF_W);
	assert_int_not_equal(mr_pgtable_get(mr_mm_pgtable(cm), P(0), NULL) >>
				     12,
			     before >> 12);
	/* the parent, now the only mapper of its page, reuses it */
	mr_mm_fault(pm, P(0), PF_W);
	after = mr_pgtable_get(mr_mm_pgtable(pm), P(0), NULL);
	assert_int_equal(after >> 12, before >> 12);
	assert_true(after & MR_PTE_RW);
	mr_mm_rss(pm, rss);
	assert_int_equal(rss[MR_MM_ANON], 4);
	expect_vmas(cm, 0, UINT64_MAX, {P(0), P(8), F_RW, PGOFF(P(0))});
	assert_int_equal(count_violations(m), 0);
	/* the child exits: the parent's pages lose their second mapper */
	mr_machine_exit_group(m, 20);
	assert_int_equal(count_violations(m), 0);
	mr_machine_free(m);
}

/* MADV_FREE makes pages lazy-free and clean; MADV_PAGEOUT (no swap)
 * discards those this mapping alone maps, keeps other anonymous pages,
 * and, given the kernel's change of RssAnon, discards only that many. */
static void test_phys_lazyfree__pageout_discards(void **state)
{
	mr_machine *m = phys_machine(MR_THP_NEVER);
	struct seed s[] = {ANON(P(0), P(8), F_RW)};
	mr_mm *pm = seeded(m, 10, s, 1, 0x555555560000ull, 0x555555561000ull);
	int64_t d[MR_MM__COUNT] = {0};
	uint64_t rss[MR_MM__COUNT];
	size_t i;

	(void)state;
	for (i = 0; i < 8; i++)
		mr_mm_fault(pm, P(i), PF_W);
	assert_true(mr_pgtable_get(mr_mm_pgtable(pm), P(0), NULL) &
		    MR_PTE_DIRTY);
	/* pages 0..3 lazy-free: clean and old, still mapped */
	assert_int_equal(mr_mm_madvise(pm, P(0), 4 * 4096, 8, 0), 0);
	assert_false(mr_pgtable_get(mr_mm_pgtable(pm), P(0), NULL) &
		     (MR_PTE_DIRTY | MR_PTE_ACCESSED));
	mr_mm_rss(pm, rss);
	assert_int_equal(rss[MR_MM_ANON], 8);
	/* no swap: pages 4..7 stay; of 2..3, with the kernel saying one
	 * went, the higher goes and the lower is taken as written again
	 * (dirty, no longer lazy-free) */
	d[MR_MM_ANON] = -1;
	mr_mm_set_step_delta(pm, d, 1);
	assert_int_equal(mr_mm_madvise(pm, P(2), 6 * 4096, 21, 0), 0);
	mr_mm_rss(pm, rss);
	assert_int_equal(rss[MR_MM_ANON], 7);
	assert_int_equal(mr_pgtable_get(mr_mm_pgtable(pm), P(3), NULL), 0);
	assert_true(mr_pgtable_get(mr_mm_pgtable(pm), P(2), NULL) &
		    MR_PTE_DIRTY);
	/* without the kernel's change, every clean lazy-free page goes */
	mr_mm_set_step_delta(pm, NULL, 0);
	assert_int_equal(mr_mm_madvise(pm, P(0), 8 * 4096, 21, 0), 0);
	mr_mm_rss(pm, rss);
	assert_int_equal(rss[MR_MM_ANON], 5);
	assert_int_equal(mr_pgtable_get(mr_mm_pgtable(pm), P(0), NULL), 0);
	assert_true(mr_pgtable_get(mr_mm_pgtable(pm), P(2), NULL) != 0);
	assert_true(mr_pgtable_get(mr_mm_pgtable(pm), P(4), NULL) != 0);
	/* a lazy-free page shared with a child is not reclaimed */
	assert_int_equal(mr_mm_madvise(pm, P(4), 4096, 8, 0), 0);
	assert_int_equal(mr_machine_clone(m, 10, 20, 0), 0);
	assert_int_equal(mr_mm_madvise(pm, P(4), 4096, 21, 0), 0);
	mr_mm_rss(pm, rss);
	assert_int_equal(rss[MR_MM_ANON], 5);
	assert_int_equal(count_violations(m), 0);
	mr_machine_exit_group(m, 20);
	assert_int_equal(count_violations(m), 0);
	mr_machine_free(m);
}

/* One MADV_PAGEOUT over two VMAs shares the step's count between them;
 * a MADV_FREE from the middle of a huge PMD makes lazy-free only the
 * pages from its start; lazy-free pages of a split folio are PAGEOUT's
 * to discard, the count left over going to zero-filled pages. */
static void test_phys_lazyfree__counts_span_the_call(void **state)
{
	mr_machine *m = phys_machine(MR_THP_ALWAYS);
	uint64_t base = 0x40000000ull;
	struct seed s[] = {ANON(P(0), P(8), F_RW), ANON(P(8), P(16), F_R | 0),
			   ANON(base, base + 2 * MR_PMD_SIZE, F_RW)};
	mr_mm *mm = seeded(m, 10, s, 3, 0x555555560000ull, 0x555555561000ull);
	int64_t d[MR_MM__COUNT] = {0};
	uint64_t rss[MR_MM__COUNT], e;
	size_t i;
	int level = 0;

	(void)state;
	/* two VMAs that do not merge (the second read-only after its
	 * writes) */
	mr_mm_mprotect(mm, P(8), 8 * PG, PROT_RW, MR_RESULT_UNKNOWN);
	for (i = 0; i < 16; i++)
		mr_mm_fault(mm, P(i), PF_W);
	mr_mm_mprotect(mm, P(8), 8 * PG, 1, MR_RESULT_UNKNOWN);
	assert_int_equal(mr_mm_madvise(mm, P(4), 8 * PG, 8, 0), 0);
	d[MR_MM_ANON] = -2;
	mr_mm_set_step_delta(mm, d, 1);
	assert_int_equal(mr_mm_madvise(mm, P(0), 16 * PG, 21, 0), 0);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON], 14);

	/* a THP freed from its middle: the first half stays dirty */
	mr_mm_fault(mm, base, PF_W);
	mr_mm_set_step_delta(mm, NULL, 0);
	assert_int_equal(mr_mm_madvise(mm, base + 256 * PG, 256 * PG, 8, 0), 0);
	e = mr_pgtable_get(mr_mm_pgtable(mm), base, NULL);
	assert_true(e & MR_PTE_DIRTY);
	assert_false(mr_pgtable_get(mr_mm_pgtable(mm), base + 300 * PG, NULL) &
		     MR_PTE_DIRTY);

	/* a second THP, its PMD split (not its folio), then freed whole:
	 * a PAGEOUT of 10 of its pages told of 20 discards the 10 and
	 * takes 10 other pages as zero-filled */
	mr_mm_fault(mm, base + MR_PMD_SIZE, PF_W);
	mr_mm_mprotect(mm, base + 2 * MR_PMD_SIZE - PG, PG, 1,
		       MR_RESULT_UNKNOWN);
	mr_mm_mprotect(mm, base + 2 * MR_PMD_SIZE - PG, PG, PROT_RW,
		       MR_RESULT_UNKNOWN);
	mr_pgtable_get(mr_mm_pgtable(mm), base + MR_PMD_SIZE, &level);
	assert_int_equal(level, MR_PT_PTE);
	assert_int_equal(
		mr_mm_madvise(mm, base + MR_PMD_SIZE, MR_PMD_SIZE, 8, 0), 0);
	mr_mm_rss(mm, rss);
	{
		uint64_t before = rss[MR_MM_ANON];

		d[MR_MM_ANON] = -20;
		mr_mm_set_step_delta(mm, d, 1);
		assert_int_equal(
			mr_mm_madvise(mm, base + MR_PMD_SIZE, 10 * PG, 21, 0),
			0);
		mr_mm_rss(mm, rss);
		assert_int_equal(rss[MR_MM_ANON], before - 20);
		for (i = 0; i < 10; i++)
			assert_int_equal(
				mr_pgtable_get(mr_mm_pgtable(mm),
					       base + MR_PMD_SIZE + i * PG,
					       NULL),
				0);
	}
	assert_int_equal(count_violations(m), 0);
	mr_machine_free(m);
}

/* THP always: a write to an aligned 2 MiB block maps a 512-page folio
 * with one PMD (and a deposited PTE table in VmPTE); unmapping one page
 * splits it. */
static void test_phys_thp__folio_and_split(void **state)
{
	mr_machine *m = phys_machine(MR_THP_ALWAYS);
	uint64_t base = 0x40000000ull;
	struct seed s[] = {ANON(base, base + 2 * MR_PMD_SIZE, F_RW)};
	mr_mm *mm = seeded(m, 10, s, 1, 0x555555560000ull, 0x555555561000ull);
	uint64_t rss[MR_MM__COUNT], pte, made;
	int level = 0;

	(void)state;
	mr_mm_fault(mm, base + 5 * PG, PF_W);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON], 512);
	assert_int_equal(mr_mm_anon_huge(mm), 512);
	mr_pgtable_get(mr_mm_pgtable(mm), base, &level);
	assert_int_equal(level, MR_PT_PMD);
	/* PUD and PMD tables, and the deposit */
	pte = mr_mm_pte_bytes(mm);
	assert_int_equal(pte, 3 * PG);
	mr_mm_munmap(mm, base + 100 * PG, PG, MR_RESULT_UNKNOWN);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON], 511);
	mr_pgtable_get(mr_mm_pgtable(mm), base, &level);
	assert_int_equal(level, MR_PT_PTE);
	assert_int_equal(mr_mm_pte_bytes(mm), pte); /* the deposit became the
						       PTE table */
	/* a read of the second block maps the huge zero page: no RSS */
	mr_mm_fault(mm, base + MR_PMD_SIZE, PF_R);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON], 511);
	/* a write there puts a new folio in its place, keeping the table
	 * deposited with it (do_huge_zero_wp_pmd()): none allocated */
	pte = mr_mm_pte_bytes(mm);
	made = mr_machine_tables_allocated(m);
	mr_mm_fault(mm, base + MR_PMD_SIZE + 7 * PG, PF_W);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON], 1023);
	assert_int_equal(mr_machine_tables_allocated(m), made);
	assert_int_equal(mr_mm_pte_bytes(mm), pte);
	assert_int_equal(count_violations(m), 0);
	mr_machine_free(m);
}

/* The frame the page at ADDR maps (0: none). */
static uint64_t pfn_at(const mr_mm *mm, uint64_t addr)
{
	return (mr_pgtable_get(mr_mm_pgtable(mm), addr, NULL) &
		MR_PTE_PFN_MASK) >>
	       12;
}

/* madvise ADV over 50 pages at START in a step the kernel counted
 * RssAnon DELTA for; RssAnon is ANON after it. */
static void advise_told(mr_mm *mm, uint64_t start, int adv, int64_t delta,
			uint64_t anon)
{
	int64_t d[MR_MM__COUNT] = {0};
	uint64_t rss[MR_MM__COUNT];

	d[MR_MM_ANON] = delta;
	mr_mm_set_step_delta(mm, d, 1);
	assert_int_equal(mr_mm_madvise(mm, start, 50 * PG, adv, 0), 0);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON], anon);
}

/* A THP folio split by MADV_COLD (cut) or MADV_PAGEOUT (any) maps its
 * zero-filled pages to the zero page: as many as the kernel's RssAnon
 * fell; without that change none. A folio split by munmap's PMD split
 * stays one until then. */
static void test_phys_thp__split_maps_zero_pages(void **state)
{
	mr_machine *m = phys_machine(MR_THP_ALWAYS);
	uint64_t base = 0x40000000ull, e;
	struct seed s[] = {ANON(base, base + 2 * MR_PMD_SIZE, F_RW)};
	mr_mm *mm = seeded(m, 10, s, 1, 0x555555560000ull, 0x555555561000ull);
	int64_t d[MR_MM__COUNT] = {0};
	uint64_t rss[MR_MM__COUNT];
	int level = 0;

	(void)state;
	mr_mm_fault(mm, base, PF_W);
	mr_mm_fault(mm, base + MR_PMD_SIZE, PF_W);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON], 1024);
	/* COLD over a whole huge PMD: nothing */
	d[MR_MM_ANON] = -3;
	mr_mm_set_step_delta(mm, d, 1);
	assert_int_equal(mr_mm_madvise(mm, base, MR_PMD_SIZE, 20, 0), 0);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON], 1024);
	mr_pgtable_get(mr_mm_pgtable(mm), base, &level);
	assert_int_equal(level, MR_PT_PMD);
	/* COLD over part of it: split, three zero pages */
	assert_int_equal(mr_mm_madvise(mm, base, 4 * PG, 20, 0), 0);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON], 1021);
	assert_int_equal(mr_mm_anon_huge(mm), 512);
	e = mr_pgtable_get(mr_mm_pgtable(mm), base, &level);
	assert_int_equal(level, MR_PT_PTE);
	assert_int_equal((e & MR_PTE_PFN_MASK) >> 12, MR_ZERO_PFN);
	assert_false(e & MR_PTE_RW);
	assert_int_equal(count_violations(m), 0);
	/* munmap of one page splits the second PMD, not its folio; a
	 * PAGEOUT without the kernel's change takes no page for zeros */
	mr_mm_munmap(mm, base + MR_PMD_SIZE + 100 * PG, PG, MR_RESULT_UNKNOWN);
	mr_mm_set_step_delta(mm, NULL, 0);
	assert_int_equal(mr_mm_madvise(mm, base + MR_PMD_SIZE, 8 * PG, 21, 0),
			 0);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON], 1020);
	/* the folio is split now: a PAGEOUT told of 5 pages finds no large
	 * folio; the pages were collapsed again behind the trace's back
	 * (khugepaged), and the first 5 of the range become the zero page */
	advise_told(mm, base + MR_PMD_SIZE, 21, -5, 1015);
	assert_int_equal(pfn_at(mm, base + MR_PMD_SIZE + 4 * PG), MR_ZERO_PFN);
	assert_true(pfn_at(mm, base + MR_PMD_SIZE + 5 * PG) != MR_ZERO_PFN);
	/* so does a COLD the kernel counted -2 for (a collapsed folio it
	 * cut): the next two anonymous pages of its range */
	advise_told(mm, base + MR_PMD_SIZE, 20, -2, 1013);
	assert_int_equal(pfn_at(mm, base + MR_PMD_SIZE + 6 * PG), MR_ZERO_PFN);
	assert_int_equal(count_violations(m), 0);
	mr_machine_free(m);
}

/* Fault-around of a file read: the 16-page window clipped to the VMA;
 * with the kernel's count, only that many, the faulting page kept. */
static void test_phys_file__fault_around(void **state)
{
	mr_machine *m = phys_machine(MR_THP_NEVER);
	uint32_t file = mr_machine_file(m, "/usr/lib/libz.so", 0xfe, 0, 9);
	struct seed s[] = {{P(0), P(40), F_R, 0, file, 1, 0, MR_VMA_PLAIN, 1}};
	mr_mm *mm = seeded(m, 10, s, 1, 0x555555560000ull, 0x555555561000ull);
	mr_fault_hint h;
	uint64_t rss[MR_MM__COUNT];

	(void)state;
	mr_mm_fault(mm, P(20), PF_R);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_FILE], 16);
	assert_non_null(mr_pgtable_get(mr_mm_pgtable(mm), P(16), NULL));
	assert_int_equal(mr_pgtable_get(mr_mm_pgtable(mm), P(15), NULL), 0);
	memset(&h, 0, sizeof(h));
	h.pages = 3;
	mr_mm_fault_hint(mm, P(37), PF_R, &h);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_FILE], 19);
	assert_true(mr_pgtable_get(mr_mm_pgtable(mm), P(37), NULL) != 0);
	/* another thread mapped P(37) first: this fault, begun before,
	 * still ran fault-around (the kernel's counters say 2 pages) */
	h.pages = 2;
	mr_mm_fault_hint(mm, P(37), PF_R, &h);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_FILE], 21);
	/* without the counters, a fault on a mapped page maps nothing */
	mr_mm_fault(mm, P(37), PF_R);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_FILE], 21);
	/* a window of 16 (P(0)..P(15)) of which the kernel mapped 15: the
	 * last is left out, unless a later protection fault found it
	 * mapped; then the one before it */
	{
		static const uint64_t kept[] = {P(15)};

		memset(&h, 0, sizeof(h));
		h.pages = 15;
		h.kept = kept;
		h.nkept = 1;
		mr_mm_fault_hint(mm, P(8), PF_R, &h);
		assert_true(mr_pgtable_get(mr_mm_pgtable(mm), P(15), NULL) !=
			    0);
		assert_int_equal(mr_pgtable_get(mr_mm_pgtable(mm), P(14), NULL),
				 0);
		mr_mm_rss(mm, rss);
		assert_int_equal(rss[MR_MM_FILE], 36);
	}
	/* a file of 5 pages (a stat said): fault-around stops at its end */
	mr_machine_file_set_size(m, file, 5 * PG - 100);
	assert_int_equal(mr_mm_mmap(mm, P(128), 16 * PG, 1,
				    0x12 /* MAP_PRIVATE|MAP_FIXED */,
				    &(mr_fileref){file, 1, 1, 0, 0}, 0,
				    MR_RESULT_UNKNOWN),
			 P(128));
	mr_mm_fault(mm, P(130), PF_R);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_FILE], 36 + 5);
	assert_true(mr_pgtable_get(mr_mm_pgtable(mm), P(132), NULL) != 0);
	assert_int_equal(mr_pgtable_get(mr_mm_pgtable(mm), P(133), NULL), 0);
	mr_mm_munmap(mm, P(128), 16 * PG, MR_RESULT_UNKNOWN);
	/* a private write of a mapped file page: RssFile - 1, RssAnon + 1 */
	mr_mm_mprotect(mm, P(0), 40 * PG, PROT_RW, MR_RESULT_UNKNOWN);
	mr_mm_fault(mm, P(20), PF_W);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_FILE], 35);
	assert_int_equal(rss[MR_MM_ANON], 1);
	assert_int_equal(count_violations(m), 0);
	mr_machine_free(m);
}

/* The kernel's counters say a fault-around mapped more pages than the
 * model's window holds unmapped: the model's holes next to it (left out
 * by an earlier fault-around) are the ones mapped. */
static void test_phys_file__holes_next_to_the_window(void **state)
{
	mr_machine *m = phys_machine(MR_THP_NEVER);
	uint32_t file = mr_machine_file(m, "/usr/lib/libq.so", 0xfe, 0, 11);
	struct seed s[] = {{P(4), P(40), F_R, 4, file, 1, 0, MR_VMA_PLAIN, 1}};
	mr_mm *mm = seeded(m, 10, s, 1, 0x555555560000ull, 0x555555561000ull);
	mr_fault_hint h;
	uint64_t rss[MR_MM__COUNT];

	(void)state;
	memset(&h, 0, sizeof(h));
	h.pages = 16; /* window P(4)..P(19), clamped to the VMA */
	mr_mm_fault_hint(mm, P(5), PF_R, &h);
	h.pages = 10; /* window P(16)..P(31): 20 and 9 more, 30, 31 left */
	mr_mm_fault_hint(mm, P(20), PF_R, &h);
	assert_int_equal(mr_pgtable_get(mr_mm_pgtable(mm), P(31), NULL), 0);
	assert_int_equal(mr_mm_madvise(mm, P(10), PG, 4, 0), 0);
	h.pages = 3; /* the window holds one hole: its neighbours' two */
	mr_mm_fault_hint(mm, P(10), PF_R, &h);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_FILE], 16 + 10 - 1 + 3);
	assert_true(mr_pgtable_get(mr_mm_pgtable(mm), P(30), NULL) != 0);
	assert_true(mr_pgtable_get(mr_mm_pgtable(mm), P(31), NULL) != 0);
	assert_int_equal(count_violations(m), 0);
	mr_machine_free(m);
}

/* A private mapping of /dev/zero is anonymous memory: a read maps the
 * zero page, a write a new anonymous page. UFFDIO_COPY and
 * UFFDIO_ZEROPAGE fill the pages not mapped, one PTE each. */
static void test_phys_anon__dev_zero_and_userfaultfd(void **state)
{
	mr_machine *m = phys_machine(MR_THP_ALWAYS);
	uint32_t zero = mr_machine_file(m, "/dev/zero", 0, 6, 4);
	uint64_t base = 0x40000000ull;
	struct seed s[] = {
		{base, base + 16 * PG, F_RW, 0, zero, 1, 0, MR_VMA_PLAIN, 1},
		ANON(base + MR_PMD_SIZE, base + 2 * MR_PMD_SIZE, F_RW)};
	mr_mm *mm = seeded(m, 10, s, 2, 0x555555560000ull, 0x555555561000ull);
	uint64_t rss[MR_MM__COUNT];
	int level = 0;

	(void)state;
	mr_mm_fault(mm, base, PF_R);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON] + rss[MR_MM_FILE] + rss[MR_MM_SHMEM],
			 0);
	assert_int_equal((mr_pgtable_get(mr_mm_pgtable(mm), base, NULL) &
			  MR_PTE_PFN_MASK) >>
				 12,
			 MR_ZERO_PFN);
	mr_mm_fault(mm, base + PG, PF_W);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON], 1);
	assert_int_equal(rss[MR_MM_SHMEM], 0);
	/* in a THP-eligible block: small pages, not a huge PMD */
	mr_mm_uffd_fill(mm, base + MR_PMD_SIZE, base + MR_PMD_SIZE + 2 * PG, 0);
	mr_mm_uffd_fill(mm, base + MR_PMD_SIZE, base + MR_PMD_SIZE + 4 * PG, 1);
	mr_mm_rss(mm, rss);
	assert_int_equal(rss[MR_MM_ANON], 3);
	mr_pgtable_get(mr_mm_pgtable(mm), base + MR_PMD_SIZE, &level);
	assert_int_equal(level, MR_PT_PTE);
	assert_int_equal((mr_pgtable_get(mr_mm_pgtable(mm),
					 base + MR_PMD_SIZE + 3 * PG, NULL) &
			  MR_PTE_PFN_MASK) >>
				 12,
			 MR_ZERO_PFN);
	assert_int_equal(count_violations(m), 0);
	mr_machine_free(m);
}

/* The invariants notice a counter that disagrees with the page tables
 * and an entry outside every VMA. */
static void test_phys_check__catches_broken_state(void **state)
{
	mr_machine *m = phys_machine(MR_THP_NEVER);
	struct seed s[] = {ANON(P(0), P(8), F_RW)};
	mr_mm *mm = seeded(m, 10, s, 1, 0x555555560000ull, 0x555555561000ull);

	(void)state;
	mr_mm_fault(mm, P(1), PF_W);
	assert_int_equal(count_violations(m), 0);
	mm->rss[MR_MM_ANON]++;
	assert_true(count_violations(m) > 0);
	mm->rss[MR_MM_ANON]--;
	assert_int_equal(
		mr_pgtable_set(mm->pt, P(100), 0x1234000ull | MR_PTE_PRESENT),
		0);
	assert_true(count_violations(m) > 0);
	mr_machine_free(m);
}

/*
 * move_page_tables(): an unaligned move gives the destination a PTE
 * table wherever the source has one, entries or not, so an empty table
 * can be made; an aligned move then carries that table whole
 * (move_normal_pmd(), nothing allocated for it), and a later unaligned
 * move of the block allocates the destination's tables again.
 */
static void test_phys_mremap__empty_table_moves_whole(void **state)
{
	mr_machine *m = phys_machine(MR_THP_NEVER);
	uint64_t base = 0x40000000ull, d = 0x80000000ull - PG;
	struct seed s[] = {ANON(base, base + 2 * MR_PMD_SIZE, F_RW)};
	mr_mm *mm = seeded(m, 10, s, 1, 0x555555560000ull, 0x555555561000ull);
	const mr_pgtable *pt;
	uint64_t bytes, made;

	(void)state;
	mr_mm_fault(mm, base, PF_W);
	/* page 0 goes to D's block, the rest of the source table's span to
	 * the next block: a table there with no entry */
	assert_int_equal(mr_mm_mremap(mm, base, 2 * MR_PMD_SIZE,
				      2 * MR_PMD_SIZE, 3, d, MR_RESULT_UNKNOWN),
			 (int64_t)d);
	pt = mr_mm_pgtable(mm);
	assert_true(mr_pgtable_get(pt, d, NULL) != 0);
	assert_true(mr_pgtable_entry(pt, d + PG, MR_PT_PMD) != 0);
	assert_int_equal(mr_pgtable_get(pt, d + PG, NULL), 0);
	/* aligned to aligned: the empty table moves; only the PMD table of
	 * the new gigabyte is allocated */
	bytes = mr_mm_pte_bytes(mm);
	made = mr_machine_tables_allocated(m);
	assert_int_equal(mr_mm_mremap(mm, d + PG, MR_PMD_SIZE, MR_PMD_SIZE, 3,
				      0xc0000000ull, MR_RESULT_UNKNOWN),
			 0xc0000000);
	pt = mr_mm_pgtable(mm);
	assert_true(mr_pgtable_entry(pt, 0xc0000000ull, MR_PT_PMD) != 0);
	assert_int_equal(mr_pgtable_entry(pt, d + PG, MR_PT_PMD), 0);
	assert_int_equal(mr_machine_tables_allocated(m) - made, 1);
	assert_int_equal(mr_mm_pte_bytes(mm), bytes + PG);
	/* aligned to one page below a gigabyte: two PTE tables and the next
	 * gigabyte's PMD table, though nothing is mapped */
	made = mr_machine_tables_allocated(m);
	assert_int_equal(mr_mm_mremap(mm, 0xc0000000ull, MR_PMD_SIZE,
				      MR_PMD_SIZE, 3, 0x100000000ull - PG,
				      MR_RESULT_UNKNOWN),
			 (int64_t)(0x100000000ull - PG));
	assert_int_equal(mr_machine_tables_allocated(m) - made, 3);
	assert_int_equal(count_violations(m), 0);
	mr_machine_free(m);
}

/*
 * try_realign_addr(): a move whose source and destination start equally
 * far past a PMD boundary, with nothing mapped below either start, moves
 * the first PTE table whole; with a page mapped below the destination it
 * allocates one there.
 */
static void test_phys_mremap__realign(void **state)
{
	mr_machine *m = phys_machine(MR_THP_NEVER);
	uint64_t base = 0x40000000ull, len = 2 * MR_PMD_SIZE - PG, made, i;
	struct seed s[] = {ANON(base + PG, base + 2 * MR_PMD_SIZE, F_RW),
			   ANON(0x80000000ull, 0x80000000ull + PG, F_RW)};
	mr_mm *mm = seeded(m, 10, s, 2, 0x555555560000ull, 0x555555561000ull);

	(void)state;
	for (i = 1; i < 2 * MR_PMD_SIZE / PG; i++)
		mr_mm_fault(mm, base + i * PG, PF_W);
	/* nothing below 0xc0001000 down to 0xc0000000: both tables move */
	made = mr_machine_tables_allocated(m);
	assert_int_equal(mr_mm_mremap(mm, base + PG, len, len, 3,
				      0xc0000000ull + PG, MR_RESULT_UNKNOWN),
			 0xc0000000 + PG);
	assert_int_equal(mr_machine_tables_allocated(m) - made, 1); /* PMD */
	assert_true(mr_pgtable_get(mr_mm_pgtable(mm), 0xc0000000ull + PG,
				   NULL) != 0);
	/* 0x80000000 is mapped: no realign, a PTE table for the first
	 * extent (and the gigabyte's PMD table), the second moves whole */
	made = mr_machine_tables_allocated(m);
	assert_int_equal(mr_mm_mremap(mm, 0xc0000000ull + PG, len, len, 3,
				      0x80000000ull + PG, MR_RESULT_UNKNOWN),
			 0x80000000 + PG);
	assert_int_equal(mr_machine_tables_allocated(m) - made, 2);
	assert_int_equal(count_violations(m), 0);
	mr_machine_free(m);
}

/*
 * move_normal_pud(): a gigabyte between gigabyte boundaries moves its
 * PMD table, nothing allocated. Less than a gigabyte into a gigabyte
 * that has a PMD table already: each PTE table moves whole into it
 * (move_normal_pmd()), nothing allocated either.
 */
static void test_phys_mremap__gigabyte_moves_its_pmd_table(void **state)
{
	mr_machine *m = phys_machine(MR_THP_NEVER);
	uint64_t g = 1ull << 30, base = 4 * g, made;
	struct seed s[] = {ANON(base, base + g, F_RW),
			   ANON(9 * g - PG, 9 * g, F_RW)};
	mr_mm *mm = seeded(m, 10, s, 2, 0x555555560000ull, 0x555555561000ull);
	const mr_pgtable *pt;

	(void)state;
	mr_mm_fault(mm, base, PF_W);
	mr_mm_fault(mm, base + g / 2, PF_W);
	mr_mm_fault(mm, 9 * g - PG, PF_W); /* a PMD table at 8 GiB */
	made = mr_machine_tables_allocated(m);
	assert_int_equal(
		mr_mm_mremap(mm, base, g, g, 3, 6 * g, MR_RESULT_UNKNOWN),
		(int64_t)(6 * g));
	assert_int_equal(mr_machine_tables_allocated(m) - made, 0);
	pt = mr_mm_pgtable(mm);
	assert_true(mr_pgtable_get(pt, 6 * g + g / 2, NULL) != 0);
	assert_int_equal(mr_pgtable_entry(pt, base, MR_PT_PUD), 0);
	/* half a gigabyte and a block into 8 GiB, whose PMD table is
	 * there: both PTE tables move into it */
	assert_int_equal(mr_mm_mremap(mm, 6 * g, g / 2 + MR_PMD_SIZE,
				      g / 2 + MR_PMD_SIZE, 3, 8 * g,
				      MR_RESULT_UNKNOWN),
			 (int64_t)(8 * g));
	assert_int_equal(mr_machine_tables_allocated(m) - made, 0);
	assert_true(mr_pgtable_get(mr_mm_pgtable(mm), 8 * g + g / 2, NULL) !=
		    0);
	assert_int_equal(count_violations(m), 0);
	mr_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phys_random__equals_naive_map),
		cmocka_unit_test(test_phys_node__frames_come_back),
		cmocka_unit_test(test_phys_node__task_objects),
		cmocka_unit_test(test_phys_node__shared_folio_split),
		cmocka_unit_test(test_phys_fork__copy_on_write),
		cmocka_unit_test(test_phys_lazyfree__pageout_discards),
		cmocka_unit_test(test_phys_lazyfree__counts_span_the_call),
		cmocka_unit_test(test_phys_thp__folio_and_split),
		cmocka_unit_test(test_phys_thp__split_maps_zero_pages),
		cmocka_unit_test(test_phys_file__fault_around),
		cmocka_unit_test(test_phys_file__holes_next_to_the_window),
		cmocka_unit_test(test_phys_anon__dev_zero_and_userfaultfd),
		cmocka_unit_test(test_phys_mremap__empty_table_moves_whole),
		cmocka_unit_test(test_phys_mremap__realign),
		cmocka_unit_test(
			test_phys_mremap__gigabyte_moves_its_pmd_table),
		cmocka_unit_test(test_phys_check__catches_broken_state),
		cmocka_unit_test(test_phys_off__no_pages),
	};
	int rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	mirror_free(&journal);
	return rc;
}
