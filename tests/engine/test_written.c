/*
 * test_written.c - what the model assumes about writes strace does not
 * show (engine/vma_ops.c mr_assume_written(), mr_mm_note_write()): each
 * choice is recorded with its rule, the VMAs resting on one say so,
 * evidence confirms or overturns it, and a fault table (writes_known)
 * leaves nothing to assume.
 *
 * The rule that makes the choices matter, measured on Linux 6.18: an
 * anonymous VMA made read-only keeps VM_ACCOUNT when it has an anon_vma
 * (a page was written) and loses it otherwise (mprotect_fixup()), so the
 * same calls give one VMA or two depending on one write strace cannot
 * show (traces/written, the "left alone" and "written" sandwiches).
 *
 *  0123
 *  AABB    A is [P(0), P(2)) read-write, B [P(2), P(4)) read-only
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/engine/helpers.h"

#define RW (PROT_READ | PROT_WRITE)

/* A machine with the policy given, its journal mirrored into J when
 * not NULL. */
static mr_machine *machine_with(int assume_written, int writes_known,
				struct mirror *j)
{
	mr_config c;

	mr_config_default(&c);
	c.assume_written = assume_written;
	c.writes_known = writes_known;
	return new_machine_cfg(&c, j);
}

static const mr_vma *vma_at(const mr_mm *mm, uint64_t addr)
{
	const mr_vma *v;

	for (v = mr_mm_first(mm); v; v = mr_vma_next(v))
		if (v->start <= addr && addr < v->end)
			return v;
	return NULL;
}

static size_t uncertain(const mr_mm *mm, uint32_t *oldest)
{
	return mr_mm_uncertain(mm, 0, UINT64_MAX, oldest);
}

/* Memory created writable is taken as written: an anon_vma, a choice of
 * rule created-writable, the VMA resting on it. */
static void test_created_writable(void **state)
{
	mr_machine *m = new_machine(); /* the default policy */
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);
	const mr_choice *c;
	uint32_t oldest;
	size_t n;

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(0), 2 * PG, RW), (int64_t)P(0));
	c = mr_machine_choices(m, &n);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].state, MR_WS_ASSUMED);
	assert_int_equal(c[0].rule, MR_WR_CREATED);
	assert_int_equal(c[0].start, P(0));
	assert_int_equal(c[0].end, P(2));
	assert_int_equal(c[0].mm, mr_mm_id(mm));
	assert_int_not_equal(vma_at(mm, P(0))->anon_vma, 0);
	assert_int_equal(uncertain(mm, &oldest), 1);
	assert_int_equal(oldest, c[0].id);
	assert_string_equal(mr_wrule_name(c[0].rule), "created-writable");
	mr_machine_choices_clear(m);
	c = mr_machine_choices(m, &n);
	assert_int_equal(n, 0);
	/* read-only memory cannot be written: nothing to assume */
	assert_int_equal(mmap_fixed(mm, P(4), PG, PROT_READ), (int64_t)P(4));
	c = mr_machine_choices(m, &n);
	assert_int_equal(n, 0);
	assert_int_equal(mr_mm_uncertain(mm, P(4), P(5), &oldest), 0);
	/* evidence confirms it: the VMA no longer rests on it */
	mr_mm_note_write(mm, P(1), 8);
	assert_int_equal(mr_machine_wstats(m)->confirmed, 1);
	assert_int_equal(mr_machine_wstats(m)->overturned, 0);
	assert_int_equal(uncertain(mm, &oldest), 0);
	expect_invariants(m);
	mr_machine_free(m);
}

/* Memory made writable by mprotect is taken as written too; with
 * --no-assume-written (rule never) as unwritten (no anon_vma), and a
 * later write shown in the trace overturns that: the VMA stays marked,
 * since what merged on the assumption may be wrong. */
static void test_mprotect_then_evidence(void **state)
{
	struct mirror j;
	mr_machine *m = machine_with(1, 0, &j);
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);
	const mr_choice *c;
	uint32_t oldest;
	size_t n;

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(0), 4 * PG, PROT_NONE),
			 (int64_t)P(0));
	c = mr_machine_choices(m, &n);
	assert_int_equal(n, 0);
	assert_int_equal(mr_mm_mprotect(mm, P(0), 2 * PG, RW, U), 0);
	c = mr_machine_choices(m, &n);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].state, MR_WS_ASSUMED);
	assert_int_equal(c[0].rule, MR_WR_MPROTECT);
	assert_int_not_equal(vma_at(mm, P(0))->anon_vma, 0);
	mr_machine_free(m);
	mirror_free(&j);

	m = machine_with(0, 0, &j);
	mm = seeded(m, 1, NULL, 0, 0, 0);
	assert_int_equal(mmap_fixed(mm, P(0), 4 * PG, PROT_NONE),
			 (int64_t)P(0));
	assert_int_equal(mr_mm_mprotect(mm, P(0), 2 * PG, RW, U), 0);
	c = mr_machine_choices(m, &n);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].state, MR_WS_OPEN);
	assert_int_equal(c[0].rule, MR_WR_NEVER);
	assert_int_equal(vma_at(mm, P(0))->anon_vma, 0);
	assert_int_equal(uncertain(mm, &oldest), 1);
	mr_mm_note_write(mm, P(1), 1);
	assert_int_not_equal(vma_at(mm, P(0))->anon_vma, 0);
	assert_int_equal(vma_at(mm, P(0))->wstate, MR_WS_KNOWN);
	assert_int_equal(mr_machine_wstats(m)->overturned, 1);
	assert_int_equal(uncertain(mm, &oldest), 1);
	/* evidence on memory that is not writable changes nothing */
	mr_mm_note_write(mm, P(3), 1);
	assert_int_equal(vma_at(mm, P(3))->anon_vma, 0);
	expect_invariants(m);
	mr_machine_free(m);
	mirror_free(&j);
}

/* The same calls with and without one write: one VMA or two. */
static void sandwich(int written, int nvmas)
{
	mr_machine *m = machine_with(0, 0, NULL); /* --no-assume-written */
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);
	uint32_t oldest;
	size_t n = 0;
	const mr_vma *v;

	assert_int_equal(mmap_fixed(mm, P(0), 2 * PG, RW), (int64_t)P(0));
	assert_int_equal(mmap_fixed(mm, P(2), 2 * PG, PROT_READ),
			 (int64_t)P(2));
	if (written)
		mr_mm_note_write(mm, P(0), 1);
	assert_int_equal(mr_mm_mprotect(mm, P(0), 2 * PG, PROT_READ, U), 0);
	for (v = mr_mm_first(mm); v; v = mr_vma_next(v))
		n++;
	assert_int_equal(n, (size_t)nvmas);
	if (written)
		expect_vmas(mm, P(0), P(4),
			    {P(0), P(2), F_R | MR_VM_ACCOUNT, PGOFF(P(0))},
			    {P(2), P(4), F_R, PGOFF(P(2))});
	else
		expect_vmas(mm, P(0), P(4), {P(0), P(4), F_R, PGOFF(P(0))});
	/* either way the layout rests on the choice made at the mmap */
	assert_true(uncertain(mm, &oldest) >= 1);
	assert_int_equal(oldest, 1);
	expect_invariants(m);
	mr_machine_free(m);
}

static void test_unwritten_merges(void **state)
{
	(void)state;
	sandwich(0, 1);
}

static void test_written_keeps_account(void **state)
{
	(void)state;
	sandwich(1, 2);
}

/* A mapping over PROT_NONE memory only commits a reservation: its own
 * rule, taken as written (measured on a G1 heap's side tables, whose
 * commits are written before they meet). */
static void test_commit(void **state)
{
	mr_machine *m = machine_with(1, 0, NULL);
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);
	const mr_choice *c;
	size_t n;

	(void)state;
	assert_int_equal(mmap_anon(mm, P(0), 8 * PG, PROT_NONE,
				   MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE),
			 (int64_t)P(0));
	assert_int_equal(mmap_fixed(mm, P(2), 2 * PG, RW), (int64_t)P(2));
	/* over a hole as well: an ordinary mapping */
	assert_int_equal(mmap_fixed(mm, P(7), 2 * PG, RW), (int64_t)P(7));
	c = mr_machine_choices(m, &n);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].rule, MR_WR_COMMIT);
	assert_int_equal(c[0].state, MR_WS_ASSUMED);
	assert_int_equal(c[1].rule, MR_WR_CREATED);
	mr_machine_free(m);
}

/* A moved VMA keeps the assumption it rests on. */
static void test_mremap_carries(void **state)
{
	mr_machine *m = machine_with(1, 0, NULL);
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);
	uint32_t oldest;

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(0), 2 * PG, RW), (int64_t)P(0));
	assert_int_equal(mr_mm_mremap(mm, P(0), 2 * PG, 2 * PG,
				      MREMAP_MAYMOVE | MREMAP_FIXED, P(10), U),
			 (int64_t)P(10));
	assert_int_equal(mr_mm_uncertain(mm, P(10), P(12), &oldest), 1);
	assert_int_equal(oldest, 1);
	assert_int_equal(mr_mm_uncertain(mm, P(0), P(2), &oldest), 0);
	expect_invariants(m);
	mr_machine_free(m);
}

/* With a fault table every write is known: no choice, no anon_vma until
 * a fault gives one. */
static void test_writes_known(void **state)
{
	mr_machine *m = machine_with(0, 1, NULL);
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);
	uint32_t oldest;
	size_t n;

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(0), 2 * PG, RW), (int64_t)P(0));
	mr_machine_choices(m, &n);
	assert_int_equal(n, 0);
	assert_int_equal(vma_at(mm, P(0))->anon_vma, 0);
	assert_int_equal(uncertain(mm, &oldest), 0);
	mr_machine_free(m);
}

/* Revision's hook takes the choice it names the other way, and the
 * record says so. */
static int flip_all(void *ctx, const mr_mm *mm, const mr_vma *v, int *rule)
{
	(void)mm;
	(void)v;
	(void)rule;
	++*(int *)ctx;
	return 1;
}

static void test_choice_hook(void **state)
{
	mr_machine *m = machine_with(1, 0, NULL);
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);
	const mr_choice *c;
	int asked = 0;
	size_t n;

	(void)state;
	mr_machine_set_choice_hook(m, flip_all, &asked);
	assert_int_equal(mmap_fixed(mm, P(0), 2 * PG, RW), (int64_t)P(0));
	assert_int_equal(mmap_fixed(mm, P(2), 2 * PG, PROT_READ),
			 (int64_t)P(2));
	c = mr_machine_choices(m, &n);
	assert_int_equal(asked, 1);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].state, MR_WS_OPEN);
	assert_int_equal(c[0].revised, 1);
	assert_int_equal(vma_at(mm, P(0))->anon_vma, 0);
	/* taken as unwritten, made read-only, it merges (sandwich(0)) */
	assert_int_equal(mr_mm_mprotect(mm, P(0), 2 * PG, PROT_READ, U), 0);
	expect_vmas(mm, P(0), P(4), {P(0), P(4), F_R, PGOFF(P(0))});
	expect_invariants(m);
	mr_machine_free(m);
}

/* A hook may put a choice under rule stress: taken as unwritten. */
static int to_stress(void *ctx, const mr_mm *mm, const mr_vma *v, int *rule)
{
	(void)ctx;
	(void)mm;
	(void)v;
	if (*rule == MR_WR_CREATED)
		*rule = MR_WR_STRESS;
	return 0;
}

static void test_stress_rule(void **state)
{
	mr_machine *m = machine_with(1, 0, NULL);
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);
	const mr_choice *c;
	size_t n;

	(void)state;
	mr_machine_set_choice_hook(m, to_stress, NULL);
	assert_int_equal(mmap_fixed(mm, P(0), 2 * PG, RW), (int64_t)P(0));
	c = mr_machine_choices(m, &n);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].rule, MR_WR_STRESS);
	assert_int_equal(c[0].state, MR_WS_OPEN);
	assert_int_equal(c[0].revised, 0);
	assert_string_equal(mr_wrule_name(c[0].rule), "stress");
	assert_int_equal(vma_at(mm, P(0))->anon_vma, 0);
	mr_machine_free(m);
}

/* Memory made writable again is a new choice, even on a VMA already
 * taken as unwritten: each writable period may be written. */
static void test_each_period_a_choice(void **state)
{
	mr_machine *m = machine_with(0, 0, NULL);
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);
	size_t n;

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(0), 3 * PG, PROT_READ),
			 (int64_t)P(0));
	assert_int_equal(mr_mm_mprotect(mm, P(1), PG, RW, U), 0);
	assert_int_equal(mr_mm_mprotect(mm, P(1), PG, PROT_READ, U), 0);
	assert_int_equal(mr_mm_mprotect(mm, P(1), PG, RW, U), 0);
	mr_machine_choices(m, &n);
	assert_int_equal(n, 2);
	mr_machine_free(m);
}

/* The candidate revision tries first: a VMA taken as written that would
 * merge with a neighbour had it not been written. */
static void test_merges_if_unwritten(void **state)
{
	mr_machine *m = machine_with(1, 0, NULL);
	mr_mm *mm = seeded(m, 1, NULL, 0, 0, 0);

	(void)state;
	assert_int_equal(mmap_fixed(mm, P(0), 2 * PG, RW), (int64_t)P(0));
	assert_int_equal(mmap_fixed(mm, P(2), 2 * PG, PROT_READ),
			 (int64_t)P(2));
	/* still writable: VM_WRITE differs from its neighbour's */
	assert_false(mr_mm_merges_if_unwritten(mm, vma_at(mm, P(0))));
	assert_int_equal(mr_mm_mprotect(mm, P(0), 2 * PG, PROT_READ, U), 0);
	/* read-only and kept apart by VM_ACCOUNT alone */
	expect_vmas(mm, P(0), P(4),
		    {P(0), P(2), F_R | MR_VM_ACCOUNT, PGOFF(P(0))},
		    {P(2), P(4), F_R, PGOFF(P(2))});
	assert_true(mr_mm_merges_if_unwritten(mm, vma_at(mm, P(0))));
	/* a VMA without an anon_vma is not a candidate */
	assert_false(mr_mm_merges_if_unwritten(mm, vma_at(mm, P(2))));
	mr_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_created_writable),
		cmocka_unit_test(test_mprotect_then_evidence),
		cmocka_unit_test(test_unwritten_merges),
		cmocka_unit_test(test_written_keeps_account),
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_mremap_carries),
		cmocka_unit_test(test_writes_known),
		cmocka_unit_test(test_choice_hook),
		cmocka_unit_test(test_merges_if_unwritten),
		cmocka_unit_test(test_stress_rule),
		cmocka_unit_test(test_each_period_a_choice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
