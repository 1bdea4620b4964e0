/*
 * test_ipc.c - System V shared memory (shmget, shmat, shmdt, IPC_RMID),
 * msync's checks, prctl(PR_SET_VMA) and renames of mapped files. Each
 * rule was measured on Linux 6.18 (traces/shm holds the recording).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/engine/helpers.h"

#define IPC_CREAT_ 01000
#define IPC_EXCL_ 02000
#define SHM_RDONLY_ 010000
#define SHM_RND_ 020000
#define SHM_REMAP_ 040000
#define TOP 0x7f0000100000ull /* the mmap base of the layout below */
#define STACK 0x7ffff0000000ull
#define A 0x10000000ull /* a free address */

/* Flags of a read-write attach. */
#define F_SHM (MR_VM_READ | MR_VM_WRITE | MR_VM_SHARED | MR_VM_MAYSHARE | MAY)

/* A process with a library page at TOP and a stack: mmap_base is TOP. */
static mr_mm *layout(mr_machine *m, int32_t pid)
{
	static const struct seed s[] = {
		{TOP - PG, TOP, F_R, 0, 0, 0, 0, MR_VMA_PLAIN, 1},
		{STACK, STACK + 33 * PG, F_RW | MR_VM_GROWSDOWN, 0, 0, 0, 0,
		 MR_VMA_STACK, 0},
	};

	return seeded(m, pid, s, 2, 0, 0);
}

/* The maps line of the VMA holding ADDR. */
static const char *line_at(const mr_mm *mm, uint64_t addr)
{
	static char buf[512];
	const mr_vma *v = mr_mm_find(mm, addr);

	assert_non_null(v);
	mr_mm_format_vma(mm, v, buf, sizeof(buf));
	return buf;
}

/* A segment of SIZE bytes with id ID (the kernel's choice, recorded). */
static void make_seg(mr_machine *m, uint32_t key, uint64_t size, int64_t id)
{
	assert_int_equal(mr_machine_shmget(m, key, size, IPC_CREAT_ | 0600, id),
			 MR_PRED_NONE);
}

/* ---- shmat ---- */

static void shmat_maps_the_segment_top_down(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = layout(m, 1);

	(void)state;
	make_seg(m, 0, 10000, 7);
	/* 10000 bytes: three pages, below the library page */
	assert_int_equal(mr_mm_shmat(mm, 7, 0, 0, U), (int64_t)(TOP - 4 * PG));
	expect_vmas(mm, TOP - 4 * PG, TOP - PG,
		    {TOP - 4 * PG, TOP - PG, F_SHM, 0});
	assert_string_equal(line_at(mm, TOP - 4 * PG),
			    "7f00000fc000-7f00000ff000 rw-s 00000000 00:01 7  "
			    "                        /SYSV00000000 (deleted)");
	expect_invariants(m);
	mr_machine_free(m);
}

static void shmat_rdonly_refuses_write(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = layout(m, 1);
	uint64_t at = TOP - 2 * PG;

	(void)state;
	make_seg(m, 0x6d6d7231, PG, 3);
	assert_int_equal(mr_mm_shmat(mm, 3, 0, SHM_RDONLY_, U), (int64_t)at);
	/* the segment's file is opened read-only: no VM_SHARED, no
	 * VM_MAYWRITE, so mprotect cannot add PROT_WRITE */
	expect_vmas(
		mm, TOP - 2 * PG, TOP - PG,
		{TOP - 2 * PG, TOP - PG,
		 MR_VM_READ | MR_VM_MAYSHARE | MR_VM_MAYREAD | MR_VM_MAYEXEC,
		 0});
	assert_int_equal(mr_mm_mprotect(mm, at, PG, PROT_READ | PROT_WRITE, U),
			 -EACCES);
	assert_string_equal(line_at(mm, at) + 73, "/SYSV6d6d7231 (deleted)");
	mr_machine_free(m);
}

static void shmat_address_errors(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = layout(m, 1);
	uint64_t a;

	(void)state;
	make_seg(m, 0, 2 * PG, 1);
	make_seg(m, 0, PG, 2);
	a = (uint64_t)mr_mm_shmat(mm, 1, 0, 0, U);
	/* unaligned without SHM_RND */
	assert_int_equal(mr_mm_shmat(mm, 2, a + 100, 0, U), -EINVAL);
	/* SHM_RND rounds onto a taken page: EINVAL, not EEXIST */
	assert_int_equal(mr_mm_shmat(mm, 2, a + 100, SHM_RND_, U), -EINVAL);
	/* SHM_REMAP needs an address */
	assert_int_equal(mr_mm_shmat(mm, 2, 0, SHM_REMAP_, U), -EINVAL);
	/* SHM_RND to a free page works */
	assert_int_equal(mr_mm_shmat(mm, 2, 0x10000123, SHM_RND_, U),
			 0x10000000);
	/* a removed segment nothing maps is gone */
	mr_machine_shm_rmid(m, 2);
	assert_int_equal(mr_mm_shmdt(mm, 0x10000000, U), 0);
	assert_int_equal(mr_mm_shmat(mm, 2, 0, 0, U), -EINVAL);
	mr_machine_free(m);
}

static void shmat_of_unknown_segment_is_inferred(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = layout(m, 1);

	(void)state;
	/* made before the trace: no prediction, one page, inferred */
	assert_int_equal(mr_mm_shmat(mm, 9, 0, 0, 0x20000000), MR_PRED_NONE);
	assert_true(mr_mm_find(mm, 0x20000000)->inferred);
	expect_vmas(mm, 0x20000000, 0x30000000,
		    {0x20000000, 0x20000000 + PG, F_SHM, 0});
	/* a recorded failure applies nothing */
	assert_int_equal(mr_mm_shmat(mm, 10, 0, 0, -EINVAL), MR_PRED_NONE);
	mr_machine_free(m);
}

/* ---- shmdt ---- */

static void shmdt_after_remap_removes_fragments(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = layout(m, 1);
	const uint64_t a = A;

	(void)state;
	make_seg(m, 0, 3 * PG, 1);
	make_seg(m, 0x1234, 2 * PG, 2);
	assert_int_equal(mr_mm_shmat(mm, 1, a, 0, U), (int64_t)a);
	/* segment 2 over the first two pages of segment 1's attach */
	assert_int_equal(mr_mm_shmat(mm, 2, a, 0, U), -EINVAL);
	assert_int_equal(mr_mm_shmat(mm, 2, a, SHM_REMAP_, U), (int64_t)a);
	expect_vmas(mm, A, A + 3 * PG, {A, A + 2 * PG, F_SHM, 0},
		    {A + 2 * PG, A + 3 * PG, F_SHM, 2});
	/* a page that starts no attach */
	assert_int_equal(mr_mm_shmdt(mm, a + PG, U), -EINVAL);
	assert_int_equal(mr_mm_shmdt(mm, a + 1, U), -EINVAL);
	/* segment 2's attach; then segment 1's fragment, whose pgoff 2
	 * says it starts its attach at a */
	assert_int_equal(mr_mm_shmdt(mm, a, U), 0);
	expect_vmas(mm, A, A + 3 * PG, {A + 2 * PG, A + 3 * PG, F_SHM, 2});
	assert_int_equal(mr_mm_shmdt(mm, a, U), 0);
	expect_no_vmas(mm, a, a + 3 * PG);
	assert_int_equal(mr_mm_shmdt(mm, a, U), -EINVAL);
	expect_invariants(m);
	mr_machine_free(m);
}

static void shmdt_takes_split_attach_whole(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = layout(m, 1);
	const uint64_t a = A;

	(void)state;
	make_seg(m, 0, 4 * PG, 5);
	assert_int_equal(mr_mm_shmat(mm, 5, a, 0, U), (int64_t)a);
	assert_int_equal(mr_mm_mprotect(mm, a + PG, PG, PROT_READ, U), 0);
	assert_int_equal(mr_mm_munmap(mm, a + 2 * PG, PG, U), 0);
	expect_vmas(mm, A, A + 4 * PG, {A, A + PG, F_SHM, 0},
		    {A + PG, A + 2 * PG, F_SHM & ~MR_VM_WRITE, 1},
		    {A + 3 * PG, A + 4 * PG, F_SHM, 3});
	assert_int_equal(mr_mm_shmdt(mm, a, U), 0);
	expect_no_vmas(mm, a, a + 4 * PG);
	mr_machine_free(m);
}

/* ---- shmget and IPC_RMID ---- */

static void shmget_rules(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = layout(m, 1);

	(void)state;
	assert_int_equal(mr_machine_shmget(m, 0, 0, IPC_CREAT_, U), -EINVAL);
	make_seg(m, 0x99, 2 * PG, 4);
	/* the key again: its id; EEXIST with IPC_EXCL; more is EINVAL */
	assert_int_equal(mr_machine_shmget(m, 0x99, PG, 0, U), 4);
	assert_int_equal(mr_machine_shmget(m, 0x99, 0, IPC_CREAT_, U), 4);
	assert_int_equal(
		mr_machine_shmget(m, 0x99, PG, IPC_CREAT_ | IPC_EXCL_, U),
		-EEXIST);
	assert_int_equal(mr_machine_shmget(m, 0x99, 3 * PG, 0, U), -EINVAL);
	/* a key never seen may exist: no prediction */
	assert_int_equal(mr_machine_shmget(m, 0x98, PG, 0, U), MR_PRED_NONE);
	/* removed: the key is free again, the attach still works */
	assert_true(mr_mm_shmat(mm, 4, 0, 0, U) > 0);
	mr_machine_shm_rmid(m, 4);
	assert_int_equal(mr_machine_shmget(m, 0x99, PG, 0, U), MR_PRED_NONE);
	assert_true(mr_mm_shmat(mm, 4, 0, 0, U) > 0);
	mr_machine_free(m);
}

static void shm_attaches_survive_fork(void **state)
{
	struct mirror j;
	mr_machine *m = new_machine_cfg(NULL, &j);
	mr_mm *mm = layout(m, 1), *child;
	uint64_t a;

	(void)state;
	make_seg(m, 0, PG, 6);
	a = (uint64_t)mr_mm_shmat(mm, 6, 0, 0, U);
	mr_machine_shm_rmid(m, 6);
	assert_int_equal(mr_machine_clone(m, 1, 2, 0x11), 0);
	child = mr_machine_task_mm(m, 2);
	assert_int_equal(mr_mm_shmdt(mm, a, U), 0);
	/* the child's copy keeps the segment alive */
	assert_true(mr_mm_shmat(mm, 6, 0, 0, U) > 0);
	assert_int_equal(mr_mm_shmdt(child, a, U), 0);
	assert_int_equal(mr_mm_shmdt(mm, a, U), 0);
	assert_int_equal(mr_mm_shmat(mm, 6, 0, 0, U), -EINVAL);
	/* the journal saw every attach come and go: two layouts left */
	assert_int_equal(j.bad, 0);
	assert_int_equal(j.vmas, 4);
	mr_machine_free(m);
	mirror_free(&j);
}

/* ---- msync ---- */

static void msync_errors(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = layout(m, 1);
	uint64_t a = 0x10000000;

	(void)state;
	assert_int_equal(mmap_fixed(mm, a, 4 * PG, PROT_READ | PROT_WRITE),
			 (int64_t)a);
	assert_int_equal(mr_mm_msync(mm, a, 2 * PG, MS_SYNC), 0);
	assert_int_equal(mr_mm_msync(mm, a + 1, PG, MS_SYNC), -EINVAL);
	assert_int_equal(mr_mm_msync(mm, a, PG, MS_SYNC | MS_ASYNC), -EINVAL);
	assert_int_equal(mr_mm_msync(mm, a, PG, 8), -EINVAL);
	assert_int_equal(mr_mm_msync(mm, a, 0, MS_SYNC), 0);
	assert_int_equal(mr_mm_msync(mm, a, -PG, MS_SYNC), -ENOMEM);
	assert_int_equal(mr_mm_munmap(mm, a + PG, PG, U), 0);
	/* holes: ENOMEM, with or without a mapped part after them */
	assert_int_equal(mr_mm_msync(mm, a, 3 * PG, MS_SYNC), -ENOMEM);
	assert_int_equal(mr_mm_msync(mm, a, 3 * PG, MS_ASYNC), -ENOMEM);
	assert_int_equal(mr_mm_msync(mm, a + PG, PG, MS_SYNC), -ENOMEM);
	assert_int_equal(mr_mm_msync(mm, a + 3 * PG, 2 * PG, 0), -ENOMEM);
	/* MS_INVALIDATE on locked memory */
	assert_int_equal(mr_mm_mlock(mm, a + 2 * PG, PG, 0, 0, U), 0);
	assert_int_equal(mr_mm_msync(mm, a + 2 * PG, PG, MS_INVALIDATE),
			 -EBUSY);
	assert_int_equal(mr_mm_msync(mm, a + 2 * PG, PG, MS_SYNC), 0);
	mr_machine_free(m);
}

/* The hole before a later error: plain MS_ASYNC stops at the hole, the
 * others walk on to the locked VMA. */
static void msync_hole_then_locked(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = layout(m, 1);
	uint64_t a = 0x10000000;

	(void)state;
	assert_int_equal(mmap_fixed(mm, a + PG, PG, PROT_READ),
			 (int64_t)(a + PG));
	assert_int_equal(mr_mm_mlock(mm, a + PG, PG, 0, 0, U), 0);
	assert_int_equal(mr_mm_msync(mm, a, 2 * PG, MS_ASYNC), -ENOMEM);
	assert_int_equal(mr_mm_msync(mm, a, 2 * PG, MS_ASYNC | MS_INVALIDATE),
			 -EBUSY);
	mr_machine_free(m);
}

/* ---- prctl(PR_SET_VMA) ---- */

static void set_vma_name_needs_config(void **state)
{
	mr_config c;
	mr_machine *m;
	mr_mm *mm;

	(void)state;
	mr_config_default(&c);
	m = new_machine_cfg(&c, NULL);
	mm = layout(m, 1);
	assert_int_equal(mr_mm_set_vma_name(mm, 0, TOP - PG, PG), -EINVAL);
	mr_machine_free(m);
	c.anon_vma_name = 1;
	m = new_machine_cfg(&c, NULL);
	mm = layout(m, 1);
	assert_int_equal(mr_mm_set_vma_name(mm, 0, TOP - PG, PG), MR_PRED_NONE);
	assert_int_equal(mr_mm_set_vma_name(mm, 1, TOP - PG, PG), -EINVAL);
	mr_machine_free(m);
}

/* ---- renames ---- */

/* Map file PATH (PAGES pages) shared at ADDR. */
static uint32_t map_path(mr_machine *m, mr_mm *mm, const char *path,
			 uint64_t addr, uint64_t pages)
{
	mr_fileref f;

	memset(&f, 0, sizeof(f));
	f.file = mr_machine_file(m, path, 0, 0, 0);
	f.ofd = mr_machine_new_ofd(m);
	f.readable = f.writable = 1;
	assert_int_equal(mr_mm_mmap(mm, addr, pages * PG,
				    PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_FIXED, &f, 0, U),
			 (int64_t)addr);
	return f.file;
}

static void rename_shows_new_name(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = layout(m, 1);

	(void)state;
	map_path(m, mm, "/tmp/d/one", 0x10000000, 1);
	assert_int_equal(
		mr_machine_file_rename(m, "/tmp/d/one", "/tmp/d/uno", 0), 1);
	assert_string_equal(line_at(mm, 0x10000000) + 73, "/tmp/d/uno");
	/* relative names: the new one lives where the old one resolved */
	assert_int_equal(mr_machine_file_rename(m, "uno", "eins", 0), 1);
	assert_string_equal(line_at(mm, 0x10000000) + 73, "/tmp/d/eins");
	/* a later open of the old name is another file */
	assert_int_not_equal(mr_machine_file(m, "/tmp/d/one", 0, 0, 0),
			     mr_mm_find(mm, 0x10000000)->file);
	assert_int_equal(mr_machine_file_rename(m, "/tmp/d/none", "/x", 0), 0);
	expect_invariants(m);
	mr_machine_free(m);
}

static void rename_replaces_and_exchanges(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = layout(m, 1);

	(void)state;
	map_path(m, mm, "/tmp/a", 0x10000000, 1);
	map_path(m, mm, "/tmp/b", 0x10002000, 1);
	map_path(m, mm, "/tmp/c", 0x10004000, 1);
	/* RENAME_EXCHANGE: the names swap */
	assert_int_equal(mr_machine_file_rename(m, "/tmp/a", "/tmp/b", 1), 1);
	assert_string_equal(line_at(mm, 0x10000000) + 73, "/tmp/b");
	assert_string_equal(line_at(mm, 0x10002000) + 73, "/tmp/a");
	/* onto a mapped file: that one is deleted */
	assert_int_equal(mr_machine_file_rename(m, "/tmp/c", "/tmp/b", 0), 1);
	assert_string_equal(line_at(mm, 0x10004000) + 73, "/tmp/b");
	assert_string_equal(line_at(mm, 0x10000000) + 73, "/tmp/b (deleted)");
	mr_machine_free(m);
}

/* The capture's file table lists a name by what it held at the end: a
 * file renamed onto it takes that inode; an open of a name listed with
 * several inodes gets one no other mapped file has. */
static void file_table_inodes_follow_renames(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = layout(m, 1);

	(void)state;
	mr_machine_file(m, "/tmp/end", 0xfe, 0, 500);
	mr_machine_file(m, "/tmp/two", 0xfe, 0, 100);
	mr_machine_file(m, "/tmp/two", 0xfe, 0, 200);
	mr_machine_file(m, "/tmp/one", 0xfe, 0, 100);
	map_path(m, mm, "/tmp/one", 0x10000000, 1);
	map_path(m, mm, "/tmp/new", 0x10002000, 1);
	assert_int_equal(mr_machine_file_rename(m, "/tmp/new", "/tmp/end", 0),
			 1);
	assert_string_equal(line_at(mm, 0x10002000),
			    "10002000-10003000 rw-s 00000000 fe:00 500  "
			    "                              /tmp/end");
	/* inode 100 is /tmp/one's, which is mapped */
	map_path(m, mm, "/tmp/two", 0x10004000, 1);
	assert_int_equal(mr_mm_find(mm, 0x10004000)->file,
			 mr_machine_file(m, "/tmp/two", 0, 0, 0));
	assert_int_equal(
		mr_machine_file_get(m, mr_mm_find(mm, 0x10004000)->file)->inode,
		200);
	mr_machine_free(m);
}

/* A merge may not remove a VMA with a close hook (shm_close()): the
 * middle page of an attach locked and unlocked again stays a VMA of its
 * own, where anonymous memory would merge back (can_merge_remove_vma()).
 * Each split and the kernel's refusal show in vm_area_struct counts. */
static void shm_pieces_do_not_merge_back(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = layout(m, 1);
	uint64_t at, made, freed;

	(void)state;
	make_seg(m, 0, 3 * PG, 9);
	at = (uint64_t)mr_mm_shmat(mm, 9, 0, 0, U);
	assert_int_equal(mr_mm_mlock(mm, at + PG, PG, 0, 0, U), 0);
	assert_int_equal(mr_mm_find(mm, at + PG)->end, at + 2 * PG);
	made = mr_machine_vma_objects(m, 0);
	freed = mr_machine_vma_objects(m, 1);
	assert_int_equal(mr_mm_munlock(mm, at + PG, PG, U), 0);
	assert_int_equal(mr_mm_find(mm, at)->end, at + PG);
	assert_int_equal(mr_mm_find(mm, at + PG)->end, at + 2 * PG);
	assert_int_equal(mr_machine_vma_objects(m, 1), freed);
	assert_int_equal(mr_machine_vma_objects(m, 0), made);
	/* the same on anonymous shared memory merges back: two freed */
	assert_int_equal(mr_mm_mmap(mm, P(40), 3 * PG, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
				    NULL, 0, U),
			 (int64_t)P(40));
	assert_int_equal(mr_mm_mlock(mm, P(41), PG, 0, 0, U), 0);
	freed = mr_machine_vma_objects(m, 1);
	assert_int_equal(mr_mm_munlock(mm, P(41), PG, U), 0);
	assert_int_equal(mr_mm_find(mm, P(40))->end, P(43));
	assert_int_equal(mr_machine_vma_objects(m, 1), freed + 2);
	expect_invariants(m);
	mr_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shmat_maps_the_segment_top_down),
		cmocka_unit_test(shm_pieces_do_not_merge_back),
		cmocka_unit_test(shmat_rdonly_refuses_write),
		cmocka_unit_test(shmat_address_errors),
		cmocka_unit_test(shmat_of_unknown_segment_is_inferred),
		cmocka_unit_test(shmdt_after_remap_removes_fragments),
		cmocka_unit_test(shmdt_takes_split_attach_whole),
		cmocka_unit_test(shmget_rules),
		cmocka_unit_test(shm_attaches_survive_fork),
		cmocka_unit_test(msync_errors),
		cmocka_unit_test(msync_hole_then_locked),
		cmocka_unit_test(set_vma_name_needs_config),
		cmocka_unit_test(rename_shows_new_name),
		cmocka_unit_test(rename_replaces_and_exchanges),
		cmocka_unit_test(file_table_inodes_follow_renames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
