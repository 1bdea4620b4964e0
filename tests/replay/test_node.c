/*
 * test_node.c - the simulated node of a replay against its history.
 *
 * Replays a bundled fault capture (THP folios, their deposits, page
 * tables) on the default machine, keeping the allocator's counts after
 * every step through the replay's per-step hook; then reads each step
 * back from the database alone and requires the same counts. Step 0
 * prints the default machine's buddyinfo and pagetypeinfo byte for
 * byte; the run allocates and frees (the counts move), and once the
 * process has exited the node holds no anonymous or table page.
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

#include "engine/buddy.h"
#include "engine/slub.h"
#include "formats/procinfo.h"
#include "replay/replay.h"
#include "replay/store.h"

#include "query.h"

#define CAPTURE "traces/thp"
#define MAX_STEPS 4096

#define MAX_CACHES 512

struct seen {
	mr_buddy_counts c[MAX_STEPS];	 /* after each step */
	mr_slab_counts *slab[MAX_STEPS]; /* every cache after each step */
	size_t ncaches;
	uint64_t anon[MAX_STEPS];   /* anonymous pages allocated */
	uint64_t tables[MAX_STEPS]; /* table pages allocated */
	uint64_t last;		    /* the last step seen */
};

static void on_step(void *ctx, uint64_t step, const mr_machine *m)
{
	struct seen *s = ctx;
	const mr_buddy *b = mr_machine_buddy(m);

	assert_non_null(b);
	assert_true(step < MAX_STEPS);
	mr_buddy_counts_of(b, &s->c[step]);
	assert_non_null(mr_machine_slub(m));
	s->ncaches = mr_slub_profile(mr_machine_slub(m))->n;
	s->slab[step] = calloc(s->ncaches, sizeof(mr_slab_counts));
	assert_non_null(s->slab[step]);
	mr_slub_counts(mr_machine_slub(m), s->slab[step]);
	s->anon[step] = mr_buddy_owned(b, MR_OWN_ANON);
	s->tables[step] = mr_buddy_owned(b, MR_OWN_PGTABLE);
	s->last = step;
}

static char *show(const mr_buddy_profile *p, const mr_buddy_counts *c, int view)
{
	size_t n = mr_buddy_show(p, c, view, NULL, 0) + 1;
	char *buf = malloc(n);

	assert_non_null(buf);
	mr_buddy_show(p, c, view, buf, n);
	return buf;
}

static void test_node_history__equals_model(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	char db[] = "/tmp/mr_test_nodeXXXXXX", err[1024];
	mr_replay_summary sum;
	mr_machine_files mf;
	mr_buddy_profile p;
	mr_buddy_counts c;
	mr_slab_profile sp;
	mr_slab_counts *k;
	mr_store *st;
	uint64_t step, moved = 0, peak = 0, slab_moved = 0;
	int fd = mkstemp(db);
	char *text;

	(void)state;
	assert_non_null(s);
	assert_true(fd >= 0);
	close(fd);
	replay_capture(CAPTURE, db, on_step, s, &sum);
	assert_int_equal(sum.violations, 0);
	assert_true(s->last > 100);

	assert_int_equal(mr_store_open_ro(&st, db, err, sizeof(err)), 0);
	assert_int_equal(mr_store_node_at(st, 0, &mf, &c), 0);
	assert_int_equal(mr_slabinfo_parse(&sp, mf.text[MR_MF_SLABINFO], "si",
					   err, sizeof(err)),
			 0);
	assert_int_equal(sp.n, s->ncaches);
	mr_machine_files_free(&mf);
	k = calloc(sp.n, sizeof(*k));
	assert_non_null(k);
	for (step = 1; step <= s->last; step++) {
		assert_int_equal(mr_store_node_at(st, step, &mf, &c), 0);
		mr_machine_files_free(&mf);
		if (memcmp(&c, &s->c[step], sizeof(c)))
			fail_msg("step %llu: the history's counts differ from "
				 "the model's",
				 (unsigned long long)step);
		assert_int_equal(mr_store_slab_at(st, step, &sp, k), 0);
		if (memcmp(k, s->slab[step], sp.n * sizeof(*k)))
			fail_msg("step %llu: the history's slab counts differ "
				 "from the model's",
				 (unsigned long long)step);
		if (s->slab[step - 1])
			slab_moved += memcmp(s->slab[step], s->slab[step - 1],
					     sp.n * sizeof(*k)) != 0;
		moved += memcmp(&s->c[step], &s->c[step - 1], sizeof(c)) != 0;
		if (s->anon[step] > peak)
			peak = s->anon[step];
	}
	/* the run moved the counts, THP folios among its pages, and the
	 * slab caches */
	assert_true(moved > 10);
	assert_true(slab_moved > 0);
	free(k);
	mr_slab_profile_free(&sp);
	for (step = 0; step <= s->last; step++)
		free(s->slab[step]);
	assert_true(peak >= 512);
	assert_int_equal(s->anon[s->last], 0);
	assert_int_equal(s->tables[s->last], 0);

	/* step 0: the default machine as the host printed it */
	assert_int_equal(mr_store_node_at(st, 0, &mf, &c), 0);
	assert_string_equal(mf.source, "default");
	assert_string_equal(mf.text[MR_MF_BUDDYINFO],
			    mr_default_machine[MR_MF_BUDDYINFO]);
	assert_int_equal(mr_machine_files_profile(&mf, &p, err, sizeof(err)),
			 0);
	text = show(&p, &c, MR_BUDDY_BUDDYINFO);
	assert_string_equal(text, mr_default_machine[MR_MF_BUDDYINFO]);
	free(text);
	text = show(&p, &c, MR_BUDDY_PAGETYPEINFO);
	assert_string_equal(text, mr_default_machine[MR_MF_PAGETYPEINFO]);
	free(text);
	mr_machine_files_free(&mf);
	mr_store_close(st, 0);
	unlink(db);
	free(s);
}

/* Replay CAPTURE into DB (no hook). */
static void run(const char *db)
{
	mr_replay_summary sum;

	replay_capture(CAPTURE, db, NULL, NULL, &sum);
}

/* Two replays store the same node and slab rows, byte for byte. */
static void test_node_history__deterministic(void **state)
{
	static const char *const q[] = {
		"SELECT * FROM buddy_free ORDER BY rowid",
		"SELECT * FROM buddy_pcp ORDER BY rowid",
		"SELECT * FROM buddy_blocks ORDER BY rowid",
		"SELECT * FROM slab ORDER BY rowid",
		"SELECT * FROM machine ORDER BY file",
	};
	char a[] = "/tmp/mr_test_nodeaXXXXXX", b[] = "/tmp/mr_test_nodebXXXXXX";
	int fa = mkstemp(a), fb = mkstemp(b);
	size_t i;

	(void)state;
	assert_true(fa >= 0 && fb >= 0);
	close(fa);
	close(fb);
	run(a);
	run(b);
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		char *x = query(a, q[i]), *y = query(b, q[i]);

		assert_true(strlen(x) > 0);
		assert_string_equal(x, y);
		free(x);
		free(y);
	}
	unlink(a);
	unlink(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_history__equals_model),
		cmocka_unit_test(test_node_history__deterministic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
