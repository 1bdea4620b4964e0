/*
 * helpers.h - fixtures shared by the engine tests: machines, seeded
 * layouts, exact VMA-list expectations and a journal that mirrors every
 * change.
 *
 * Include after <cmocka.h>. Everything here is static: each test
 * executable gets its own copy.
 */
#ifndef MR_TESTS_ENGINE_HELPERS_H
#define MR_TESTS_ENGINE_HELPERS_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/mm.h"
#include "engine/vma_tree.h"

#define PG MR_PAGE_SIZE
#define MB (1ull << 20)
#define W 0x10000000ull		    /* the usual test window */
#define P(n) (W + (uint64_t)(n)*PG) /* page n of the window */
#define PGOFF(addr) ((uint64_t)(addr) >> MR_PAGE_SHIFT)

#define MAY (MR_VM_MAYREAD | MR_VM_MAYWRITE | MR_VM_MAYEXEC)
#define F_NONE (MAY)
#define F_R (MR_VM_READ | MAY)
#define F_RX (MR_VM_READ | MR_VM_EXEC | MAY)
#define F_RW (MR_VM_READ | MR_VM_WRITE | MAY | MR_VM_ACCOUNT)
#define F_RWN (MR_VM_READ | MR_VM_WRITE | MAY) /* no VM_ACCOUNT */
#define F_RWX (MR_VM_READ | MR_VM_WRITE | MR_VM_EXEC | MAY | MR_VM_ACCOUNT)

/* ---- journal mirror ---- */

/* Counts what the journal reports and checks that it pairs up. */
struct mirror {
	uint64_t next_cookie; /* last cookie handed out */
	uint8_t *live;	      /* live[cookie]: reported added, not deleted */
	size_t cap;	      /* size of live */
	long vmas;	      /* VMAs alive according to the journal */
	long adds, dels;      /* events seen */
	long mm_created, mm_destroyed, mm_changed;
	int bad; /* a delete of something not alive */
};

static uint64_t mirror_add(void *ctx, const mr_mm *mm, const mr_vma *v)
{
	struct mirror *j = ctx;
	uint64_t c = ++j->next_cookie;

	(void)mm;
	(void)v;
	if (c >= j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 1024;
		uint8_t *n = realloc(j->live, cap);

		if (!n)
			abort();
		memset(n + j->cap, 0, cap - j->cap);
		j->live = n;
		j->cap = cap;
	}
	j->live[c] = 1;
	j->vmas++;
	j->adds++;
	return c;
}

static void mirror_del(void *ctx, const mr_mm *mm, const mr_vma *v)
{
	struct mirror *j = ctx;

	(void)mm;
	if (!v->cookie || v->cookie >= j->cap || !j->live[v->cookie])
		j->bad++;
	else
		j->live[v->cookie] = 0;
	j->vmas--;
	j->dels++;
}

static void mirror_mm(void *ctx, const mr_mm *mm, int alive)
{
	struct mirror *j = ctx;

	(void)mm;
	if (alive == 1)
		j->mm_created++;
	else if (alive == 0)
		j->mm_destroyed++;
	else
		j->mm_changed++;
}

static void mirror_free(struct mirror *j)
{
	free(j->live);
	memset(j, 0, sizeof(*j));
}

/* ---- machines ---- */

static mr_machine *new_machine_cfg(const mr_config *cfg, struct mirror *j)
{
	mr_machine *m = NULL;
	mr_journal jr;

	memset(&jr, 0, sizeof(jr));
	if (j) {
		memset(j, 0, sizeof(*j));
		jr.ctx = j;
		jr.vma_add = mirror_add;
		jr.vma_del = mirror_del;
		jr.mm = mirror_mm;
	}
	assert_int_equal(mr_machine_new(&m, cfg, j ? &jr : NULL), 0);
	assert_non_null(m);
	return m;
}

static mr_machine *new_machine(void)
{
	return new_machine_cfg(NULL, NULL);
}

/* ---- seeding ---- */

/* One VMA of a seeded layout; pgoff of anonymous VMAs is start >> 12
 * unless PGOFF_SET. */
struct seed {
	uint64_t start, end, flags;
	uint64_t pgoff;
	uint32_t file, ofd, anon_vma;
	uint8_t kind;
	int pgoff_set;
};

#define ANON(s, e, f)                                                          \
	{                                                                      \
		(s), (e), (f), 0, 0, 0, 0, MR_VMA_PLAIN, 0                     \
	}
#define ANON_AV(s, e, f, av)                                                   \
	{                                                                      \
		(s), (e), (f), 0, 0, 0, (av), MR_VMA_PLAIN, 0                  \
	}

static void seed_vmas(mr_mm *mm, const struct seed *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		mr_vma v;

		memset(&v, 0, sizeof(v));
		v.start = s[i].start;
		v.end = s[i].end;
		v.flags = s[i].flags;
		v.pgoff = s[i].pgoff_set || s[i].file ? s[i].pgoff
						      : PGOFF(s[i].start);
		v.file = s[i].file;
		v.ofd = s[i].ofd;
		v.anon_vma = s[i].anon_vma;
		v.kind = s[i].kind;
		assert_int_equal(mr_mm_seed_vma(mm, &v), 0);
	}
}

/* A known mm for PID built from S. */
static mr_mm *seeded(mr_machine *m, int32_t pid, const struct seed *s, size_t n,
		     uint64_t start_brk, uint64_t brk)
{
	mr_mm *mm = mr_machine_task_adopt(m, pid);

	assert_non_null(mm);
	seed_vmas(mm, s, n);
	mr_mm_seed_done(mm, start_brk, brk);
	assert_true(mr_mm_known(mm));
	return mm;
}

/* ---- expectations ---- */

struct ex {
	uint64_t start, end, flags, pgoff;
};

static void dump_vmas(const mr_mm *mm, uint64_t lo, uint64_t hi)
{
	const mr_vma *v;

	for (v = mr_mm_first(mm); v; v = mr_vma_next(v)) {
		if (v->end <= lo || v->start >= hi)
			continue;
		fprintf(stderr,
			"    {%#" PRIx64 ", %#" PRIx64 ", flags %#" PRIx64
			", pgoff %#" PRIx64 ", anon_vma %u%s}\n",
			v->start, v->end, v->flags, v->pgoff, v->anon_vma,
			v->anon_forked ? " forked" : "");
	}
}

/*
 * The VMAs of MM overlapping [lo, hi) are exactly E (start, end, full
 * flags ignoring VM_SOFTDIRTY, pgoff).
 */
static void expect_vmas_(const mr_mm *mm, uint64_t lo, uint64_t hi,
			 const struct ex *e, size_t n, const char *file,
			 int line)
{
	const mr_vma *v;
	size_t i = 0;
	int ok = 1;

	for (v = mr_mm_first(mm); v; v = mr_vma_next(v)) {
		if (v->end <= lo || v->start >= hi)
			continue;
		if (i >= n || v->start != e[i].start || v->end != e[i].end ||
		    (v->flags & ~MR_VM_SOFTDIRTY) != e[i].flags ||
		    v->pgoff != e[i].pgoff)
			ok = 0;
		i++;
	}
	if (i != n)
		ok = 0;
	if (!ok) {
		fprintf(stderr,
			"%s:%d: VMAs in [%#" PRIx64 ", %#" PRIx64
			") differ. Expected:\n",
			file, line, lo, hi);
		for (i = 0; i < n; i++)
			fprintf(stderr,
				"    {%#" PRIx64 ", %#" PRIx64
				", flags %#" PRIx64 ", pgoff %#" PRIx64 "}\n",
				e[i].start, e[i].end, e[i].flags, e[i].pgoff);
		fprintf(stderr, "  got:\n");
		dump_vmas(mm, lo, hi);
		fail_msg("VMA list mismatch");
	}
}

#define expect_vmas(mm, lo, hi, ...)                                           \
	do {                                                                   \
		static const struct ex e_[] = {__VA_ARGS__};                   \
		expect_vmas_((mm), (lo), (hi), e_, sizeof(e_) / sizeof(e_[0]), \
			     __FILE__, __LINE__);                              \
	} while (0)

#define expect_no_vmas(mm, lo, hi)                                             \
	expect_vmas_((mm), (lo), (hi), NULL, 0, __FILE__, __LINE__)

/* ---- invariants ---- */

static void print_violation(void *ctx, const mr_mm *mm, const char *inv,
			    uint64_t addr, const char *detail)
{
	(void)ctx;
	fprintf(stderr, "  violation in mm %u: %s at %#" PRIx64 ": %s\n",
		mm ? mr_mm_id(mm) : 0, inv, addr, detail);
}

/* The incremental and full invariant checks both pass. */
#define expect_invariants(m)                                                   \
	do {                                                                   \
		assert_int_equal(                                              \
			mr_machine_check((m), 0, print_violation, NULL), 0);   \
		assert_int_equal(                                              \
			mr_machine_check((m), 1, print_violation, NULL), 0);   \
	} while (0)

/* ---- syscalls with the outcome left to the model ---- */

#define U MR_RESULT_UNKNOWN

static int64_t mmap_anon(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t prot,
			 uint64_t flags)
{
	return mr_mm_mmap(mm, addr, len, prot, flags | MAP_ANONYMOUS, NULL, 0,
			  U);
}

static int64_t mmap_fixed(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t prot)
{
	return mmap_anon(mm, addr, len, prot, MAP_PRIVATE | MAP_FIXED);
}

#endif
