/*
 * test_histenc.c - the formats the history stores text as, printed back
 * by SQLite's own printf() (what the step and vma views run), and the
 * table that shares their rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "replay/histenc.h"
#include "replay/intern.h"

static sqlite3 *db;

static int setup(void **state)
{
	(void)state;
	return sqlite3_open(":memory:", &db) != SQLITE_OK;
}

static int teardown(void **state)
{
	(void)state;
	sqlite3_close(db);
	return 0;
}

/* SQL printf(FMT, the N numbers of NUM, NULL for the rest) into OUT, as
 * the step view prints args (printf of an empty text is NULL). */
static void sql_printf(const char *fmt, const int64_t *num, int n, char *out,
		       size_t cap)
{
	sqlite3_stmt *q;
	int i;

	assert_int_equal(
		sqlite3_prepare_v2(db,
				   "SELECT coalesce(printf(?, ?, ?, ?, ?), '')",
				   -1, &q, NULL),
		SQLITE_OK);
	sqlite3_bind_text(q, 1, fmt, -1, SQLITE_STATIC);
	for (i = 0; i < 4; i++) {
		if (i < n)
			sqlite3_bind_int64(q, i + 2, num[i]);
		else
			sqlite3_bind_null(q, i + 2);
	}
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(out, cap, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
}

/* ARGS gives FMT and the numbers NUM; printed back it is ARGS. */
static void check_args(const char *args, const char *fmt, int n, ...)
{
	char out[512], back[512];
	int64_t num[MR_HIST_NUMS];
	int got, i;
	size_t len = mr_hist_args_fmt(args, strlen(args), out, num, &got);
	va_list ap;

	assert_int_equal(len, strlen(out));
	assert_string_equal(out, fmt);
	assert_int_equal(got, n);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_int_equal(num[i], va_arg(ap, int64_t));
	va_end(ap);
	sql_printf(out, num, got, back, sizeof(back));
	assert_string_equal(back, args);
}

static void test_args_numbers(void **state)
{
	(void)state;
	check_args("0x7f0000001000, 8192, PROT_READ|PROT_WRITE, "
		   "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0",
		   "%#llx, %lld, PROT_READ|PROT_WRITE, "
		   "MAP_PRIVATE|MAP_ANONYMOUS, %lld, %lld",
		   4, (int64_t)0x7f0000001000, (int64_t)8192, (int64_t)-1,
		   (int64_t)0);
	/* only four are taken */
	check_args("1, 2, 3, 4, 5", "%lld, %lld, %lld, %lld, 5", 4, (int64_t)1,
		   (int64_t)2, (int64_t)3, (int64_t)4);
	/* 64-bit values print back as unsigned hex */
	check_args("0xffffffffffffffff", "%#llx", 1, (int64_t)-1);
	check_args("-9223372036854775807", "%lld", 1,
		   (int64_t)-9223372036854775807);
	/* text that the formats would not print back stays text */
	check_args("0x0, 007, 0x00ff, 0xAB, x12, 1.5, 2_b, 3x",
		   "0x0, 007, 0x00ff, 0xAB, x12, 1.5, 2_b, 3x", 0);
	/* "-0" is "-" then 0; "a-1" is "a-" then 1 */
	check_args("-0, a-1", "-%lld, a-%lld", 2, (int64_t)0, (int64_t)1);
	check_args("9223372036854775808, -9223372036854775808, "
		   "0x10000000000000000",
		   "9223372036854775808, -9223372036854775808, "
		   "0x10000000000000000",
		   0);
	/* '%' is doubled, also next to a number */
	check_args("\"100%\", 5%x", "\"%lld%%\", %lld%%x", 2, (int64_t)100,
		   (int64_t)5);
	check_args("", "", 0);
}

/* Any text over an alphabet of digits, hex, signs and '%' prints back. */
static void test_args_round_trip(void **state)
{
	static const char alpha[] = "0123456789abcdefx-%., _AZ\"|";
	char in[64], fmt[160], back[256];
	int64_t num[MR_HIST_NUMS];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int i, n, taken = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		size_t len, k, pct, flen;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		len = (size_t)(seed >> 58);
		for (k = 0; k < len; k++) {
			seed = seed * 6364136223846793005ull +
			       1442695040888963407ull;
			in[k] = alpha[(seed >> 33) % (sizeof(alpha) - 1)];
		}
		in[len] = 0;
		pct = 0;
		for (k = 0; k < len; k++)
			pct += in[k] == '%';
		flen = mr_hist_args_fmt(in, len, fmt, num, &n);
		/* within the room the header promises */
		assert_true(flen + 1 <= len + pct + MR_HIST_ARGS_MORE);
		taken += n;
		sql_printf(fmt, num, n, back, sizeof(back));
		assert_string_equal(back, in);
	}
	assert_true(taken > 20000); /* numbers were taken, not only text */
}

/* Row R's line printed back from its format and numbers. */
static void check_line(const mr_maps_row *r, uint64_t pgoff, int shown)
{
	char line[512], fmt[1200], back[512];
	int64_t num[4];
	int got_shown = -1;
	size_t n = mr_maps_row_format(r, line, sizeof(line));

	assert_int_equal(mr_hist_line_fmt(r, line, n, pgoff, fmt, sizeof(fmt),
					  &got_shown),
			 0);
	assert_int_equal(got_shown, shown);
	num[0] = (int64_t)r->start;
	num[1] = (int64_t)r->end;
	num[2] = shown ? (int64_t)(pgoff << 12) : 0;
	num[3] = r->has_file && r->inode_known ? (int64_t)r->inode : 0;
	sql_printf(fmt, num, 4, back, sizeof(back));
	assert_string_equal(back, line);
}

static void test_line(void **state)
{
	mr_maps_row r;
	char line[256], fmt[600];
	int shown;
	size_t n;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.start = 0x7f0000000000;
	r.end = 0x7f0000003000;
	memcpy(r.perms, "rw-p", 5);
	r.name = "";
	check_line(&r, 0x7f0000000, 0); /* anonymous: offset 0 shown */
	r.name = "[heap]";
	r.start = 0x1000;
	r.end = 0x5000; /* fewer than 8 digits: padded */
	check_line(&r, 1, 0);
	r.name = "/usr/lib/x86_64-linux-gnu/libc.so.6 100%";
	r.has_file = r.dev_known = r.inode_known = 1;
	r.dev_major = 0xfe;
	r.dev_minor = 1;
	r.inode = 1234567;
	r.offset = 0x28000;
	memcpy(r.perms, "r-xp", 5);
	check_line(&r, 0x28, 1);
	r.inode_known = 0; /* unknown: the model's row says 0 */
	r.inode = 0;
	check_line(&r, 0x28, 1);
	/* a row whose line shows an inode its column will not hold */
	r.inode = 99;
	n = mr_maps_row_format(&r, line, sizeof(line));
	assert_int_equal(
		mr_hist_line_fmt(&r, line, n, 0x28, fmt, sizeof(fmt), &shown),
		-1);
	r.inode_known = 1;
	/* a line that is not the row's: no format */
	n = mr_maps_row_format(&r, line, sizeof(line));
	line[0] = line[0] == '0' ? '1' : '0';
	assert_int_equal(
		mr_hist_line_fmt(&r, line, n, 0x28, fmt, sizeof(fmt), &shown),
		-1);
	/* an offset that is neither pgoff's nor 0 */
	line[0] = line[0] == '0' ? '1' : '0';
	assert_int_equal(
		mr_hist_line_fmt(&r, line, n, 0x29, fmt, sizeof(fmt), &shown),
		-1);
	/* too small an output */
	assert_int_equal(mr_hist_line_fmt(&r, line, n, 0x28, fmt, 40, &shown),
			 -1);
}

static void test_intern(void **state)
{
	mr_intern *t = mr_intern_new(3);
	char k[16];
	int i;

	(void)state;
	assert_non_null(t);
	assert_int_equal(mr_intern_get(t, "ab", 2), 0);
	assert_int_equal(mr_intern_put(t, "ab", 2, 7), 0);
	assert_int_equal(mr_intern_put(t, "abc", 3, 8), 0);
	assert_int_equal(mr_intern_put(t, "", 0, 9), 0);
	assert_int_equal(mr_intern_get(t, "ab", 2), 7);
	assert_int_equal(mr_intern_get(t, "abc", 3), 8);
	assert_int_equal(mr_intern_get(t, "", 0), 9);
	assert_int_equal(mr_intern_get(t, "a", 1), 0);
	assert_int_equal(mr_intern_count(t), 3);
	/* full: everything is forgotten before the fourth */
	assert_int_equal(mr_intern_put(t, "x", 1, 10), 0);
	assert_int_equal(mr_intern_count(t), 1);
	assert_int_equal(mr_intern_get(t, "ab", 2), 0);
	assert_int_equal(mr_intern_get(t, "x", 1), 10);
	mr_intern_free(t);
	/* bounded in bytes too: 5,000 keys of 4,000 bytes are more than
	 * MR_INTERN_BYTES, so the first are forgotten */
	t = mr_intern_new(100000);
	{
		static char big[4000];

		for (i = 0; i < 5000; i++) {
			memset(big, 'a' + i % 26, sizeof(big));
			memcpy(big, &i, sizeof(i));
			assert_int_equal(
				mr_intern_put(t, big, sizeof(big), i + 1), 0);
		}
		assert_true(mr_intern_count(t) < 5000);
		assert_true(mr_intern_count(t) * sizeof(big) <=
			    MR_INTERN_BYTES);
		assert_int_equal(mr_intern_get(t, big, sizeof(big)), 5000);
	}
	mr_intern_free(t);
	/* many keys, each found */
	t = mr_intern_new(5000);
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(mr_intern_put(t, k, strlen(k), i + 1), 0);
	}
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(mr_intern_get(t, k, strlen(k)), i + 1);
	}
	mr_intern_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_numbers),
		cmocka_unit_test(test_args_round_trip),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_intern),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
