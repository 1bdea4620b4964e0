/*
 * test_store.c - the SQLite history against the model it recorded.
 *
 * Replays a real bundled capture, capturing the model's maps of every
 * live task at sampled steps through the replay's per-step hook; then
 * reads the same states back from the database alone (mmreplay maps) and
 * requires them to be identical. Also: two replays store identical step
 * tables (determinism), queries are read-only, and step 0 is empty.
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

#include "engine/errcode.h"
#include "replay/replay.h"
#include "replay/replay_int.h"
#include "replay/store.h"

#include "query.h"

#define CAPTURE "traces/pipeline"
#define MAX_SAMPLES 4000

struct sample {
	uint64_t step;
	int32_t pid;
	char *maps;
};

struct samples {
	struct sample v[MAX_SAMPLES];
	size_t n;
	uint64_t steps_seen;
};

static void on_step(void *ctx, uint64_t step, const mr_machine *m)
{
	struct samples *s = ctx;
	size_t i;

	s->steps_seen = step;
	for (i = 0; i < mr_machine_ntasks(m) && s->n < MAX_SAMPLES; i++) {
		int32_t pid = mr_machine_task_pid(m, i);
		const mr_mm *mm = mr_machine_task_mm(m, pid);
		size_t len;

		if (!mm || !mr_mm_known(mm))
			continue;
		s->v[s->n].step = step;
		s->v[s->n].pid = pid;
		s->v[s->n].maps = mr_snap_model_maps(mm, &len);
		assert_non_null(s->v[s->n].maps);
		s->n++;
	}
}

static int run(const char *db, struct samples *s)
{
	mr_replay_summary sum;

	return replay_capture(CAPTURE, db, s ? on_step : NULL, s, &sum);
}

static char *db_maps(mr_store *st, int32_t pid, uint64_t step)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(mr_store_print_maps(st, f, pid, step), 0);
	fclose(f);
	return buf;
}

static void test_store_state__equals_model_state(void **state)
{
	struct samples *s = calloc(1, sizeof(*s));
	char db[] = "/tmp/mr_test_storeXXXXXX";
	int fd = mkstemp(db);
	mr_store *st;
	char err[512];
	size_t i, compared = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_non_null(s);
	assert_int_equal(run(db, s), 0);
	assert_true(s->n > 10);
	assert_int_equal(mr_store_open_ro(&st, db, err, sizeof(err)), 0);
	for (i = 0; i < s->n; i++) {
		char *got = db_maps(st, s->v[i].pid, s->v[i].step);

		if (strcmp(got, s->v[i].maps))
			fail_msg("step %llu pid %d: database says\n%s\nmodel "
				 "says\n%s",
				 (unsigned long long)s->v[i].step, s->v[i].pid,
				 got, s->v[i].maps);
		compared++;
		free(got);
		free(s->v[i].maps);
	}
	assert_int_equal(compared, s->n);
	/* Step 0 is the empty initial state. */
	{
		FILE *f = fopen("/dev/null", "w");

		assert_int_equal(mr_store_print_maps(st, f, s->v[0].pid, 0), 1);
		fclose(f);
	}
	mr_store_close(st, 0);
	unlink(db);
	free(s);
}

static void test_store_steps__identical_across_runs(void **state)
{
	char a[] = "/tmp/mr_test_aXXXXXX", b[] = "/tmp/mr_test_bXXXXXX";
	const char *q = "select step,pid,line,name,args,ret,predicted,verdict,"
			"digest,vmas from step order by step";
	char *ra, *rb;

	(void)state;
	close(mkstemp(a));
	close(mkstemp(b));
	run(a, NULL);
	run(b, NULL);
	ra = query(a, q);
	rb = query(b, q);
	assert_true(strlen(ra) > 1000);
	assert_string_equal(ra, rb);
	free(ra);
	free(rb);
	ra = query(a, "select count(*) from vma where to_step = from_step");
	assert_string_equal(ra, "0\n");
	free(ra);
	unlink(a);
	unlink(b);
}

static void test_store_query__refuses_writes(void **state)
{
	char db[] = "/tmp/mr_test_qXXXXXX";
	mr_store *st;
	char err[512];
	FILE *f = fopen("/dev/null", "w");

	(void)state;
	close(mkstemp(db));
	run(db, NULL);
	assert_int_equal(mr_store_open_ro(&st, db, err, sizeof(err)), 0);
	assert_int_equal(mr_store_query(st, f, "delete from step", 0), MR_EDB);
	mr_store_close(st, 0);
	assert_int_equal(mr_store_open_ro(&st, db, err, sizeof(err)), 0);
	assert_int_not_equal(mr_store_query(st, f, "select 1; select 2", 0), 0);
	mr_store_close(st, 0);
	fclose(f);
	unlink(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_state__equals_model_state),
		cmocka_unit_test(test_store_steps__identical_across_runs),
		cmocka_unit_test(test_store_query__refuses_writes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
