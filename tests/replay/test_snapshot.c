/*
 * test_snapshot.c - comparing the model with the kernel's maps, and
 * fields no trace shows.
 *
 * A shared anonymous mapping's shmem inode is unknown until a snapshot
 * shows it: a kernel line that differs only there is not a mismatch, it
 * teaches the model (every VMA of the same mapping, the split piece
 * included); once known, a different inode is a mismatch like any other
 * field. The history of traces/shmfork, replayed with its exit snapshots
 * only, stores NULL before the snapshot that taught the inode and the
 * inode after, and every maps_line is the model's own rendering (the
 * second piece at offset 0000f000).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/mm.h"
#include "replay/replay.h"
#include "replay/replay_int.h"
#include "replay/store.h"

#include "query.h"

#define A 0x7f0000000000ull

/* A known, empty address space with a 16-page shared anonymous mapping
 * at A whose last page is PROT_NONE (two VMAs). */
static mr_mm *shared_split(mr_machine **m)
{
	mr_mm *mm;

	assert_int_equal(mr_machine_new(m, NULL, NULL), 0);
	mm = mr_machine_task_adopt(*m, 100);
	assert_non_null(mm);
	mr_mm_seed_done(mm, 0, 0);
	assert_int_equal(
		mr_mm_mmap(mm, A, 16 << 12, 3, 0x31, NULL, 0, (int64_t)A),
		(int64_t)A);
	assert_int_equal(mr_mm_mprotect(mm, A + (15 << 12), 4096, 0, 0), 0);
	return mm;
}

static const char kern69[] = "7f0000000000-7f000000f000 rw-s 00000000 00:01 69"
			     "                         /dev/zero (deleted)\n"
			     "7f000000f000-7f0000010000 ---s 0000f000 00:01 69"
			     "                         /dev/zero (deleted)\n";

static void test_snapshot_shmem__unknown_inode_is_learned(void **state)
{
	mr_machine *m;
	mr_mm *mm = shared_split(&m);
	mr_snap_cmp c;
	mr_maps_row r;
	char line[256];

	(void)state;
	mr_mm_maps_row(mm, mr_mm_first(mm), &r);
	assert_true(r.dev_known);
	assert_false(r.inode_known);
	mr_mm_format_vma(mm, mr_vma_next(mr_mm_first(mm)), line, sizeof(line));
	assert_string_equal(line, "7f000000f000-7f0000010000 ---s 0000f000 "
				  "00:01 0                          "
				  "/dev/zero (deleted)");
	assert_int_equal(mr_snap_compare_text(mm, kern69, &c), 0);
	assert_int_equal(c.klines, 2);
	assert_int_equal(c.kmissed, 0);
	assert_int_equal(c.unknown, 1); /* the second line: already known */
	assert_null(c.diff);
	mr_mm_maps_row(mm, mr_vma_next(mr_mm_first(mm)), &r);
	assert_true(r.inode_known);
	assert_int_equal(r.inode, 69);
	mr_machine_free(m);
}

static void test_snapshot_shmem__other_fields_still_differ(void **state)
{
	static const char bad_off[] =
		"7f0000000000-7f000000f000 rw-s 00000000 00:01 69"
		"                         /dev/zero (deleted)\n"
		"7f000000f000-7f0000010000 ---s 00000000 00:01 69"
		"                         /dev/zero (deleted)\n";
	static const char other_ino[] =
		"7f0000000000-7f000000f000 rw-s 00000000 00:01 70"
		"                         /dev/zero (deleted)\n"
		"7f000000f000-7f0000010000 ---s 0000f000 00:01 70"
		"                         /dev/zero (deleted)\n";
	mr_machine *m;
	mr_mm *mm = shared_split(&m);
	mr_snap_cmp c;

	(void)state;
	/* an offset the model does know is a mismatch */
	assert_int_equal(mr_snap_compare_text(mm, bad_off, &c), 1);
	assert_int_equal(c.nlines, 1);
	assert_int_equal(c.kmissed, 1);
	assert_non_null(strstr(c.diff, "-7f000000f000-7f0000010000 ---s "
				       "00000000"));
	free(c.diff);
	/* once learned, another inode is a mismatch */
	assert_int_equal(mr_snap_compare_text(mm, kern69, &c), 0);
	assert_int_equal(mr_snap_compare_text(mm, other_ino, &c), 1);
	assert_int_equal(c.kmissed, 2);
	assert_int_equal(c.unknown, 0);
	free(c.diff);
	mr_machine_free(m);
}

/* DIR gets links to the files of CAPTURE/snap whose names hold one of
 * KEEP[0..N). */
static void link_snapshots(const char *dir, const char *capture,
			   const char *const *keep, size_t n)
{
	char cmd[1024];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd),
			 "for f in \"$PWD\"/%s/snap/*%s*; do "
			 "ln -s \"$f\" %s/; done",
			 capture, keep[i], dir);
		assert_int_equal(system(cmd), 0);
	}
}

/* Replay CAPTURE/trace.strace.zst with the snapshots in DIR. */
static int replay_with(const char *capture, const char *dir, const char *db,
		       mr_replay_summary *s)
{
	char trace[256], err[1024];
	mr_replay_opts o;
	int rc;

	snprintf(trace, sizeof(trace), "%s/trace.strace.zst", capture);
	mr_replay_opts_default(&o);
	o.trace = trace;
	o.snapdir = dir;
	o.db = db;
	o.out = fopen("/dev/null", "w");
	rc = mr_replay_run(&o, s, err, sizeof(err));
	fclose(o.out);
	return rc;
}

static void remove_dir(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -r %s", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * Without the capture's file table the files ld.so maps have no known
 * device and inode: every exit snapshot still matches, those lines are
 * counted apart, and the history agrees with the model.
 */
static void test_snapshot_files__unknown_without_file_table(void **state)
{
	static const char *const keep[] = {".exec.", ".exit.", "kernel.tsv"};
	char dir[] = "/tmp/mr_test_nofilesXXXXXX";
	char db[] = "/tmp/mr_test_nofiles_dbXXXXXX";
	mr_replay_summary s, with;

	(void)state;
	close(mkstemp(db));
	assert_non_null(mkdtemp(dir));
	link_snapshots(dir, "traces/pipeline", keep, 3);
	assert_int_equal(replay_with("traces/pipeline", dir, db, &s), 0);
	assert_int_equal(s.snap_matched, s.snapshots);
	assert_true(s.snapshots >= 4);
	assert_true(s.vma_unknown > 0);
	assert_int_equal(s.hist_matched, s.hist_checks);
	assert_int_equal(replay_with("traces/pipeline", "traces/pipeline/snap",
				     db, &with),
			 0);
	assert_int_equal(with.vma_unknown, 0);
	unlink(db);
	remove_dir(dir);
}

static void test_snapshot_history__null_until_shown(void **state)
{
	static const char *const keep[] = {".exec.", ".exit.", "files.tsv",
					   "kernel.tsv"};
	char db[] = "/tmp/mr_test_snapXXXXXX", *t;
	char dir[] = "/tmp/mr_test_snapdirXXXXXX";
	mr_replay_summary s;

	(void)state;
	close(mkstemp(db));
	assert_non_null(mkdtemp(dir));
	link_snapshots(dir, "traces/shmfork", keep, 4);
	assert_int_equal(replay_with("traces/shmfork", dir, db, &s), 0);
	assert_int_equal(s.snap_matched, 2);
	assert_int_equal(s.vma_unknown, 1); /* the child's exit, first */
	assert_int_equal(s.hist_checks, 2);
	assert_int_equal(s.hist_matched, s.hist_checks);
	/* the parent's two pieces and the child's copies, before the
	 * child's exit snapshot showed the inode */
	t = query(db, "select count(*), min(dev), max(dev) from vma where "
		      "path = '/dev/zero (deleted)' and inode is null");
	assert_string_equal(t, "5|00:01|00:01\n");
	free(t);
	t = query(db, "select count(distinct inode) from vma where path = "
		      "'/dev/zero (deleted)' and inode is not null");
	assert_string_equal(t, "1\n");
	free(t);
	/* the split piece, in parent and child, as the kernel prints it */
	t = query(db, "select count(*) from maps_line where line like "
		      "'% ---s 0000f000 00:01 1025 %/dev/zero (deleted)'");
	assert_string_equal(t, "1\n"); /* the parent's, after */
	free(t);
	t = query(db, "select count(*) from maps_line where line like "
		      "'% ---s 0000f000 00:01 0 %/dev/zero (deleted)'");
	assert_string_equal(t, "2\n"); /* parent's and child's, before */
	free(t);
	t = query(db, "select count(*) from vma join maps_line using (mm,"
		      " start, from_step) where vma.line <> maps_line.line");
	assert_string_equal(t, "0\n");
	free(t);
	unlink(db);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_shmem__unknown_inode_is_learned),
		cmocka_unit_test(
			test_snapshot_shmem__other_fields_still_differ),
		cmocka_unit_test(test_snapshot_history__null_until_shown),
		cmocka_unit_test(
			test_snapshot_files__unknown_without_file_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
