/*
 * test_faults.c - the page-fault table (formats/faults.h): a table read
 * field by field, the same table through zstd, and every way a line can
 * be malformed, each named by file, line and column.
 */
#include "tests/formats/fmt_test.h"

#include <zstd.h>

#include "formats/faults.h"

/* The head of a real table (traces/written), with a comment and a blank
 * line inside and no '\n' after the last line. */
static const char table[] =
	"# mmreplay faults: after_line tid address error_code\n"
	"0\t29604\t0x7f0dcc197b70\t0x14\n"
	"1\t29604\t0x7ffc2716bfb8\t0x6\n"
	"\n"
	"# a comment between faults\n"
	"1\t29605\t0x0\t0x4\n"
	"48\t2147483647\t0xffffffffffffffff\t0xffffffff";

static void expect_table(const mr_faults *f)
{
	assert_int_equal(f->n, 4);
	assert_int_equal(f->v[0].after_line, 0);
	assert_int_equal(f->v[0].tid, 29604);
	assert_int_equal(f->v[0].addr, 0x7f0dcc197b70ull);
	assert_int_equal(f->v[0].code, 0x14);
	assert_int_equal(f->v[1].after_line, 1);
	assert_int_equal(f->v[1].tid, 29604);
	assert_int_equal(f->v[1].addr, 0x7ffc2716bfb8ull);
	assert_int_equal(f->v[1].code, 0x6);
	assert_int_equal(f->v[2].after_line, 1);
	assert_int_equal(f->v[2].tid, 29605);
	assert_int_equal(f->v[2].addr, 0);
	assert_int_equal(f->v[2].code, 0x4);
	assert_int_equal(f->v[3].after_line, 48);
	assert_int_equal(f->v[3].tid, INT32_MAX);
	assert_int_equal(f->v[3].addr, UINT64_MAX);
	assert_int_equal(f->v[3].code, UINT32_MAX);
}

static void test_faults_load__table_read_exactly(void **state)
{
	mr_faults f;
	char err[256], path[64];

	(void)state;
	tmp_write(path, table, strlen(table));
	assert_int_equal(mr_faults_load(&f, path, err, sizeof(err)), 0);
	expect_table(&f);
	mr_faults_release(&f);
	assert_null(f.v);
	assert_int_equal(f.n, 0);
	unlink(path);
}

static void test_faults_load__zstd_same_as_plain(void **state)
{
	size_t cap = ZSTD_compressBound(sizeof(table)), n;
	char *z = malloc(cap), err[256], path[64];
	mr_faults f;

	(void)state;
	assert_non_null(z);
	n = ZSTD_compress(z, cap, table, strlen(table), 3);
	assert_false(ZSTD_isError(n));
	tmp_write(path, z, n);
	assert_int_equal(mr_faults_load(&f, path, err, sizeof(err)), 0);
	expect_table(&f);
	mr_faults_release(&f);
	unlink(path);

	/* cut short inside the frame: zstd's own message, with the file */
	tmp_write(path, z, n - 4);
	assert_int_equal(mr_faults_load(&f, path, err, sizeof(err)),
			 MR_ECORRUPT);
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	assert_non_null(strstr(err, ": truncated zstd data"));
	assert_int_equal(f.n, 0);
	assert_null(f.v);
	unlink(path);
	free(z);
}

/* An empty file, and one of comments and blank lines, hold no fault. */
static void test_faults_load__empty_is_no_faults(void **state)
{
	static const char *const texts[] = {"", "# only a comment\n\n\n#\n"};
	mr_faults f;
	char err[256], path[64];
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		tmp_write(path, texts[i], strlen(texts[i]));
		assert_int_equal(mr_faults_load(&f, path, err, sizeof(err)), 0);
		assert_int_equal(f.n, 0);
		mr_faults_release(&f);
		unlink(path);
	}
}

/*
 * Each malformed table is MR_ECORRUPT, with the message
 * "FILE:LINE:COL: expected ..." where COL is the first byte of the field
 * that is wrong, and no fault handed out.
 */
static void test_faults_load__errors_name_line_and_column(void **state)
{
	static const struct {
		const char *text; /* the table */
		size_t len;	  /* its length when it holds a NUL, else 0 */
		const char *msg;  /* the message after "FILE:" */
	} cases[] = {
		/* too few columns */
		{"12\t100\t0x1000\n", 0,
		 "1:8: expected an address (0x...) and a tab"},
		{"12\t100\n", 0, "1:4: expected a task id and a tab"},
		{"12\n", 0, "1:1: expected a trace line number and a tab"},
		/* too many */
		{"12\t100\t0x1000\t0x6\t7\n", 0,
		 "1:15: expected an error code (0x...) ending the line"},
		/* spaces for tabs */
		{"12 100 0x1000 0x6\n", 0,
		 "1:1: expected a trace line number and a tab"},
		/* an empty field */
		{"12\t\t0x1000\t0x6\n", 0, "1:4: expected a task id and a tab"},
		/* no 0x */
		{"12\t100\t1000\t0x6\n", 0,
		 "1:8: expected an address (0x...) and a tab"},
		{"12\t100\t0x1000\t6\n", 0,
		 "1:15: expected an error code (0x...) ending the line"},
		{"12\t100\t0x\t0x6\n", 0,
		 "1:8: expected an address (0x...) and a tab"},
		/* not hexadecimal / not decimal */
		{"12\t100\t0x10g0\t0x6\n", 0,
		 "1:8: expected an address (0x...) and a tab"},
		{"12\t100\t0x1000\t0x6z\n", 0,
		 "1:15: expected an error code (0x...) ending the line"},
		{"1a\t100\t0x1000\t0x6\n", 0,
		 "1:1: expected a trace line number and a tab"},
		{"-1\t100\t0x1000\t0x6\n", 0,
		 "1:1: expected a trace line number and a tab"},
		{"12\t0x64\t0x1000\t0x6\n", 0,
		 "1:4: expected a task id and a tab"},
		/* tid 0 */
		{"12\t0\t0x1000\t0x6\n", 0,
		 "1:4: expected a task id and a tab"},
		/* AFTER_LINE going down, after a comment */
		{"12\t100\t0x1000\t0x6\n# c\n11\t100\t0x1000\t0x6\n", 0,
		 "3:1: expected a trace line no lower than the line before"},
		/* trailing junk, and a CR of a CRLF line end */
		{"12\t100\t0x1000\t0x6 \n", 0,
		 "1:15: expected an error code (0x...) ending the line"},
		{"12\t100\t0x1000\t0x6\r\n", 0,
		 "1:15: expected an error code (0x...) ending the line"},
		/* numbers one past their limit */
		{"18446744073709551616\t100\t0x1000\t0x6\n", 0,
		 "1:1: expected a trace line number and a tab"},
		{"12\t2147483648\t0x1000\t0x6\n", 0,
		 "1:4: expected a task id and a tab"},
		{"12\t100\t0x10000000000000000\t0x6\n", 0,
		 "1:8: expected an address (0x...) and a tab"},
		{"12\t100\t0x1000\t0x100000000\n", 0,
		 "1:15: expected an error code (0x...) ending the line"},
		/* a NUL byte */
		{"12\t100\t0x10\0000\t0x6\n", 18,
		 "1:12: expected a fault line, found a NUL byte (binary "
		 "file?)"},
		/* the line counts blank lines and comments */
		{"# c\n\n1\t1\t0x1\t0x6\nbad\n", 0,
		 "4:1: expected a trace line number and a tab"},
	};
	char err[256], want[512], path[64];
	mr_faults f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len =
			cases[i].len ? cases[i].len : strlen(cases[i].text);

		tmp_write(path, cases[i].text, len);
		memset(err, 0, sizeof(err));
		if (mr_faults_load(&f, path, err, sizeof(err)) != MR_ECORRUPT)
			fail_msg("case %zu: not MR_ECORRUPT", i);
		snprintf(want, sizeof(want), "%s:%s", path, cases[i].msg);
		if (strcmp(err, want) != 0)
			fail_msg("case %zu: got '%s'\nwant '%s'", i, err, want);
		assert_int_equal(f.n, 0);
		assert_null(f.v);
		unlink(path);
	}
}

static void test_faults_load__missing_file_is_eio(void **state)
{
	mr_faults f;
	char err[256];

	(void)state;
	assert_int_equal(
		mr_faults_load(&f, "/nonexistent/faults.tsv", err, sizeof(err)),
		MR_EIO);
	assert_string_equal(
		err, "/nonexistent/faults.tsv: No such file or directory");
	assert_int_equal(f.n, 0);
	assert_null(f.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faults_load__table_read_exactly),
		cmocka_unit_test(test_faults_load__zstd_same_as_plain),
		cmocka_unit_test(test_faults_load__empty_is_no_faults),
		cmocka_unit_test(test_faults_load__errors_name_line_and_column),
		cmocka_unit_test(test_faults_load__missing_file_is_eio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
