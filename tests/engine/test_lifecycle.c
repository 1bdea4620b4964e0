/*
 * test_lifecycle.c - tasks and address spaces of engine/machine.c:
 * fork (dup_mmap), CLONE_VM sharing, execve, exit, and the digest and
 * journal across them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/engine/helpers.h"

#define SB 0x555555560000ull

/*
 *  0123456789AB
 *  AABBCCDD  EE    A rw-, B rw- DONTCOPY, C rw- LOCKED, D rw- WIPEONFORK,
 *                  E a file; A, C, D have anon_vmas
 */
static mr_mm *parent_layout(mr_machine *m, int32_t pid)
{
	uint32_t file = mr_machine_file(m, "/bin/true", 0xfe, 0, 77);
	struct seed s[] = {
		ANON_AV(P(0), P(2), F_RW, 1001),
		ANON_AV(P(2), P(4), F_RW | MR_VM_DONTCOPY, 1004),
		ANON_AV(P(4), P(6), F_RW | MR_VM_LOCKED | MR_VM_LOCKONFAULT,
			1002),
		ANON_AV(P(6), P(8), F_RW | MR_VM_WIPEONFORK, 1003),
		{P(10), P(12), F_RX, 3, file, 1, 0, MR_VMA_PLAIN, 1},
		ANON(SB, SB + 0x21000, F_RW),
	};

	return seeded(m, pid, s, sizeof(s) / sizeof(s[0]), SB, SB + 0x21000);
}

static void test_lifecycle_fork__copies_vmas_as_dup_mmap(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *pm = parent_layout(m, 10), *cm;
	const mr_vma *v;

	(void)state;
	assert_int_equal(mr_machine_clone(m, 10, 20, 0), 0);
	cm = mr_machine_task_mm(m, 20);
	assert_non_null(cm);
	assert_ptr_not_equal(cm, pm);
	assert_int_equal(mr_machine_task_tgid(m, 20), 20);
	assert_int_equal(mr_machine_nmms(m), 2);
	assert_int_equal(mr_machine_ntasks(m), 2);
	assert_true(mr_mm_known(cm));
	assert_int_equal(mr_mm_owner(cm), 20);
	assert_int_equal(mr_mm_start_brk(cm), SB);
	assert_int_equal(mr_mm_brk(cm), SB + 0x21000);
	assert_int_equal(mr_mm_mmap_base(cm), mr_mm_mmap_base(pm));
	/* B (DONTCOPY) is gone; C lost VM_LOCKED and VM_LOCKONFAULT */
	expect_vmas(cm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(4), P(6), F_RW, PGOFF(P(4))},
		    {P(6), P(8), F_RW | MR_VM_WIPEONFORK, PGOFF(P(6))},
		    {P(10), P(12), F_RX, 3},
		    {SB, SB + 0x21000, F_RW, PGOFF(SB)});
	/* anon_vmas: fresh and chained to the parent's; none for WIPEONFORK */
	v = mr_mm_find(cm, P(0));
	assert_true(v->anon_vma && v->anon_vma != 1001 && v->anon_forked);
	v = mr_mm_find(cm, P(4));
	assert_true(v->anon_vma && v->anon_vma != 1002 && v->anon_forked);
	v = mr_mm_find(cm, P(6));
	assert_true(!v->anon_vma && !v->anon_forked);
	assert_string_equal(mr_mm_vma_name(cm, mr_mm_find(cm, SB)), "[heap]");
	/* the parent is untouched */
	expect_vmas(pm, 0, P(8), {P(0), P(2), F_RW, PGOFF(P(0))},
		    {P(2), P(4), F_RW | MR_VM_DONTCOPY, PGOFF(P(2))},
		    {P(4), P(6), F_RW | MR_VM_LOCKED | MR_VM_LOCKONFAULT,
		     PGOFF(P(4))},
		    {P(6), P(8), F_RW | MR_VM_WIPEONFORK, PGOFF(P(6))});
	v = mr_mm_find(pm, P(0));
	assert_true(v->anon_vma == 1001 && !v->anon_forked);
	/* from now on the two address spaces are independent */
	assert_int_equal(mr_mm_munmap(cm, P(0), 2 * PG, U), 0);
	assert_non_null(mr_mm_find(pm, P(0)));
	expect_invariants(m);
	mr_machine_free(m);
}

static void test_lifecycle_clone_vm__shares_the_mm(void **state)
{
	struct mirror j;
	mr_machine *m = new_machine_cfg(NULL, &j);
	mr_mm *pm = parent_layout(m, 10);

	(void)state;
	/* a thread */
	assert_int_equal(
		mr_machine_clone(m, 10, 11, MR_CLONE_VM | MR_CLONE_THREAD), 0);
	assert_ptr_equal(mr_machine_task_mm(m, 11), pm);
	assert_int_equal(mr_machine_task_tgid(m, 11), 10);
	/* a vfork child: shares the mm, is its own thread group */
	assert_int_equal(
		mr_machine_clone(m, 11, 12, MR_CLONE_VM | MR_CLONE_VFORK), 0);
	assert_ptr_equal(mr_machine_task_mm(m, 12), pm);
	assert_int_equal(mr_machine_task_tgid(m, 12), 12);
	assert_int_equal(mr_machine_nmms(m), 1);
	assert_int_equal(mr_machine_ntasks(m), 3);
	assert_int_equal(j.mm_created, 1);
	/* a change through one task is seen through the others */
	assert_int_equal(
		mmap_fixed(mr_machine_task_mm(m, 11), P(20), PG, PROT_READ),
		P(20));
	assert_non_null(mr_mm_find(mr_machine_task_mm(m, 12), P(20)));
	/* the thread exits: the mm stays */
	mr_machine_task_exit(m, 11);
	assert_null(mr_machine_task_mm(m, 11));
	assert_ptr_equal(mr_machine_task_mm(m, 10), pm);
	assert_int_equal(j.mm_destroyed, 0);
	/* the vfork child execs: it gets a new mm, the parent keeps its own */
	assert_non_null(mr_machine_exec(m, 12));
	assert_ptr_equal(mr_machine_task_mm(m, 10), pm);
	assert_ptr_not_equal(mr_machine_task_mm(m, 12), pm);
	assert_int_equal(mr_machine_nmms(m), 2);
	assert_int_equal(j.mm_destroyed, 0);
	expect_invariants(m);
	mr_machine_free(m);
	mirror_free(&j);
}

/*
 * execve: the other threads of the group are gone, the task has a new,
 * empty mm whose state is unknown, and the old mm (its last user gone) is
 * torn down VMA by VMA through the journal.
 */
static void test_lifecycle_exec__empty_unknown_mm(void **state)
{
	struct mirror j;
	mr_machine *m = new_machine_cfg(NULL, &j);
	mr_mm *pm = parent_layout(m, 10), *nm;
	long vmas = (long)mr_mm_map_count(pm), dels = j.dels;

	(void)state;
	assert_int_equal(
		mr_machine_clone(m, 10, 11, MR_CLONE_VM | MR_CLONE_THREAD), 0);
	nm = mr_machine_exec(m, 11);
	assert_non_null(nm);
	assert_ptr_equal(mr_machine_task_mm(m, 11), nm);
	assert_null(mr_machine_task_mm(m, 10));
	assert_int_equal(mr_machine_ntasks(m), 1);
	assert_int_equal(mr_machine_nmms(m), 1);
	assert_false(mr_mm_known(nm));
	assert_false(mr_mm_brk_known(nm));
	assert_null(mr_mm_first(nm));
	assert_int_equal(mr_mm_map_count(nm), 0);
	assert_int_equal(j.dels - dels, vmas);
	assert_int_equal(j.vmas, 0);
	assert_int_equal(j.bad, 0);
	assert_int_equal(j.mm_destroyed, 1);
	assert_int_equal(j.mm_created, 2);
	expect_invariants(m);
	mr_machine_free(m);
	mirror_free(&j);
}

/* The last task leaving an mm destroys it; every VMA is reported gone. */
static void test_lifecycle_exit__last_user_destroys_mm(void **state)
{
	struct mirror j;
	mr_machine *m = new_machine_cfg(NULL, &j);
	mr_mm *pm = parent_layout(m, 10);
	long vmas = (long)mr_mm_map_count(pm), dels;

	(void)state;
	assert_int_equal(
		mr_machine_clone(m, 10, 11, MR_CLONE_VM | MR_CLONE_THREAD), 0);
	assert_int_equal(
		mr_machine_clone(m, 10, 12, MR_CLONE_VM | MR_CLONE_THREAD), 0);
	assert_int_equal(mr_machine_clone(m, 10, 20, 0), 0);
	dels = j.dels;
	/* exit_group from a thread takes the whole group */
	mr_machine_exit_group(m, 12);
	assert_null(mr_machine_task_mm(m, 10));
	assert_null(mr_machine_task_mm(m, 11));
	assert_null(mr_machine_task_mm(m, 12));
	assert_int_equal(mr_machine_ntasks(m), 1);
	assert_int_equal(mr_machine_nmms(m), 1);
	assert_int_equal(j.dels - dels, vmas);
	assert_int_equal(j.mm_destroyed, 1);
	/* the fork child is alone now */
	assert_non_null(mr_machine_task_mm(m, 20));
	mr_machine_task_exit(m, 20);
	assert_int_equal(mr_machine_ntasks(m), 0);
	assert_int_equal(mr_machine_nmms(m), 0);
	assert_int_equal(j.vmas, 0);
	assert_int_equal(j.adds, j.dels);
	assert_int_equal(j.bad, 0);
	assert_int_equal(j.mm_destroyed, 2);
	/* exiting an unknown task is harmless */
	mr_machine_exit_group(m, 99);
	mr_machine_task_exit(m, 99);
	mr_machine_free(m);
	mirror_free(&j);
}

/* fork, work in the child, exit: the machine digest is what it was. */
static void test_lifecycle_digest__returns_after_fork_and_exit(void **state)
{
	mr_machine *m = new_machine();
	uint64_t d0, d1;
	mr_mm *cm;

	(void)state;
	parent_layout(m, 10);
	d0 = mr_machine_digest(m);
	assert_int_equal(mr_machine_clone(m, 10, 20, 0), 0);
	d1 = mr_machine_digest(m);
	assert_int_not_equal(d1, d0);
	cm = mr_machine_task_mm(m, 20);
	assert_int_equal(mmap_fixed(cm, P(30), 3 * PG, PROT_READ), P(30));
	assert_int_equal(mr_mm_brk_call(cm, SB + 0x40000, U), SB + 0x40000);
	assert_int_not_equal(mr_machine_digest(m), d1);
	mr_machine_exit_group(m, 20);
	assert_int_equal(mr_machine_digest(m), d0);
	/* a thread coming and going too */
	assert_int_equal(
		mr_machine_clone(m, 10, 11, MR_CLONE_VM | MR_CLONE_THREAD), 0);
	assert_int_not_equal(mr_machine_digest(m), d0);
	mr_machine_task_exit(m, 11);
	assert_int_equal(mr_machine_digest(m), d0);
	mr_machine_free(m);
}

/* Two machines built by the same steps have the same digest. */
static void test_lifecycle_digest__deterministic(void **state)
{
	uint64_t d[2];
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		mr_machine *m = new_machine();

		parent_layout(m, 10);
		assert_int_equal(mr_machine_clone(m, 10, 20, 0), 0);
		assert_int_equal(mmap_fixed(mr_machine_task_mm(m, 20), P(30),
					    PG, PROT_READ | PROT_WRITE),
				 P(30));
		assert_non_null(mr_machine_exec(m, 20));
		d[i] = mr_machine_digest(m);
		mr_machine_free(m);
	}
	assert_int_equal(d[0], d[1]);
}

/* clone from a task the machine does not know: the child is adopted. */
static void test_lifecycle_clone__unknown_parent_adopts_child(void **state)
{
	mr_machine *m = new_machine();

	(void)state;
	assert_int_equal(mr_machine_clone(m, 5, 6, 0), -1);
	assert_non_null(mr_machine_task_mm(m, 6));
	assert_false(mr_mm_known(mr_machine_task_mm(m, 6)));
	assert_int_equal(mr_machine_task_tgid(m, 6), 6);
	assert_null(mr_machine_task_mm(m, 5));
	assert_int_equal(mr_machine_task_tgid(m, 5), 0);
	mr_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle_fork__copies_vmas_as_dup_mmap),
		cmocka_unit_test(test_lifecycle_clone_vm__shares_the_mm),
		cmocka_unit_test(test_lifecycle_exec__empty_unknown_mm),
		cmocka_unit_test(test_lifecycle_exit__last_user_destroys_mm),
		cmocka_unit_test(
			test_lifecycle_digest__returns_after_fork_and_exit),
		cmocka_unit_test(test_lifecycle_digest__deterministic),
		cmocka_unit_test(
			test_lifecycle_clone__unknown_parent_adopts_child),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
