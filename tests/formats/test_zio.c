/*
 * test_zio.c - the line source: any line length, plain and zstd files
 * giving the same lines, and clean errors for corrupt or odd input.
 */
#include "tests/formats/fmt_test.h"

#include <zstd.h>

#include "formats/formats_int.h"

static mr_zio *zopen(const char *path)
{
	mr_zio *z;
	char err[256];

	assert_int_equal(mr_zio_open(&z, path, err, sizeof(err)), 0);
	return z;
}

/* Text whose lines have lengths 0, 1, 2, ... crossing every buffer edge. */
static char *ramp_text(size_t nlines, size_t step, size_t *len)
{
	size_t i, k, n = 0, cap = 0;
	char *t;

	for (i = 0; i < nlines; i++)
		cap += i * step + 1;
	t = malloc(cap + 1);
	assert_non_null(t);
	for (i = 0; i < nlines; i++) {
		for (k = 0; k < i * step; k++)
			t[n++] = (char)('a' + (i + k) % 26);
		t[n++] = '\n';
	}
	*len = n;
	return t;
}

static void check_ramp(const char *path, size_t nlines, size_t step)
{
	mr_zio *z = zopen(path);
	size_t i, k, len;
	char *line;

	for (i = 0; i < nlines; i++) {
		assert_int_equal(mr_zio_getline(z, &line, &len), 1);
		assert_int_equal(len, i * step);
		assert_int_equal(line[len], '\0');
		for (k = 0; k < len; k += 997)
			assert_int_equal(line[k], 'a' + (i + k) % 26);
		assert_int_equal(mr_zio_lineno(z), i + 1);
	}
	assert_int_equal(mr_zio_getline(z, &line, &len), 0);
	assert_int_equal(mr_zio_getline(z, &line, &len), 0);
	mr_zio_free(z);
}

static void test_zio_lines__any_length(void **state)
{
	size_t len;
	char *t = ramp_text(300, 4099, &len), path[64];

	(void)state;
	tmp_write(path, t, len);
	check_ramp(path, 300, 4099);
	unlink(path);
	free(t);
}

/* Streaming compression with small flushes: many blocks, two frames. */
static size_t zcompress(char *dst, size_t cap, const char *src, size_t n)
{
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_outBuffer ob = {dst, cap, 0};
	ZSTD_inBuffer ib;
	size_t half = n / 2, r, off;

	for (off = 0; off < n; off = ib.size) {
		ib.src = src;
		ib.size = off == 0 ? half : n;
		ib.pos = off;
		while (ib.pos < ib.size) {
			size_t chunk = ib.size - ib.pos > 7777
					       ? 7777
					       : ib.size - ib.pos;
			ZSTD_inBuffer part = {(const char *)src + ib.pos, chunk,
					      0};

			r = ZSTD_compressStream2(cc, &ob, &part, ZSTD_e_flush);
			assert_false(ZSTD_isError(r));
			ib.pos += part.pos;
		}
		do {
			ZSTD_inBuffer none = {NULL, 0, 0};

			r = ZSTD_compressStream2(cc, &ob, &none, ZSTD_e_end);
			assert_false(ZSTD_isError(r));
		} while (r);
	}
	ZSTD_freeCCtx(cc);
	return ob.pos;
}

static void test_zio_zstd__same_lines_as_plain(void **state)
{
	size_t len, clen;
	char *t = ramp_text(300, 4099, &len), *c, path[64];
	mr_zio *z;

	(void)state;
	c = malloc(ZSTD_compressBound(len) + 4096);
	clen = zcompress(c, ZSTD_compressBound(len) + 4096, t, len);
	tmp_write(path, c, clen);
	z = zopen(path);
	assert_true(mr_zio_is_zstd(z));
	mr_zio_free(z);
	check_ramp(path, 300, 4099);
	z = zopen(path);
	while (mr_zio_getline(z, &(char *){0}, &(size_t){0}) == 1)
		;
	assert_int_equal(mr_zio_bytes_in(z), clen);
	mr_zio_free(z);
	unlink(path);
	free(c);
	free(t);
}

static void test_zio_lines__edges(void **state)
{
	static const struct {
		const char *text;
		int n;
		const char *last;
		int last_nl;
	} cases[] = {
		{"", 0, NULL, 0},
		{"ab", 1, "ab", 0},
		{"\n", 1, "", 1},
		{"a\n\nb", 3, "b", 0},
		{"a\r\n", 1, "a\r", 1},
		{"\x28\xb5\x2f", 1, "\x28\xb5\x2f", 0}, /* short: plain */
	};
	char path[64], *line, *last = NULL;
	size_t i, len;
	mr_zio *z;
	int n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tmp_write(path, cases[i].text, strlen(cases[i].text));
		z = zopen(path);
		for (n = 0; mr_zio_getline(z, &line, &len) == 1; n++) {
			free(last);
			last = strdup(line);
		}
		assert_int_equal(n, cases[i].n);
		if (cases[i].last) {
			assert_string_equal(last, cases[i].last);
			assert_int_equal(mr_zio_last_had_newline(z),
					 cases[i].last_nl);
		}
		assert_false(mr_zio_is_zstd(z));
		mr_zio_free(z);
		unlink(path);
	}
	free(last);
}

static void test_zio_limit__line_too_long(void **state)
{
	char path[64], *line, text[200];
	size_t len;
	mr_zio *z;

	(void)state;
	memset(text, 'x', sizeof(text));
	memcpy(text, "short\n", 6);
	tmp_write(path, text, sizeof(text));
	z = zopen(path);
	mr_zio_set_max_line(z, 100);
	assert_int_equal(mr_zio_getline(z, &line, &len), 1);
	assert_string_equal(line, "short");
	assert_int_equal(mr_zio_getline(z, &line, &len), MR_ECORRUPT);
	assert_non_null(strstr(mr_zio_errmsg(z), path));
	assert_non_null(strstr(mr_zio_errmsg(z), ":2:1: expected a line of "
						 "text, found a line longer "
						 "than the 100-byte limit"));
	mr_zio_free(z);
	unlink(path);
}

/* The real 256 MiB limit, on a small zstd file of one endless line. */
static void test_zio_limit__256_mib(void **state)
{
	size_t n = MR_ZIO_MAX_LINE + (1u << 20), chunk = 1u << 20, clen = 0;
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	char *src = malloc(chunk), *dst = malloc(1u << 20), path[64], *line;
	size_t cap = 1u << 20, r, done, len;
	mr_zio *z;

	(void)state;
	memset(src, 'y', chunk);
	for (done = 0; done < n; done += chunk) {
		ZSTD_outBuffer ob = {dst + clen, cap - clen, 0};
		ZSTD_inBuffer ib = {src, chunk, 0};

		r = ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_continue);
		assert_false(ZSTD_isError(r));
		clen += ob.pos;
	}
	do {
		ZSTD_outBuffer ob = {dst + clen, cap - clen, 0};
		ZSTD_inBuffer ib = {NULL, 0, 0};

		r = ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_end);
		assert_false(ZSTD_isError(r));
		clen += ob.pos;
	} while (r);
	tmp_write(path, dst, clen);
	z = zopen(path);
	assert_int_equal(mr_zio_getline(z, &line, &len), MR_ECORRUPT);
	assert_non_null(strstr(mr_zio_errmsg(z), ":1:1: expected a line of "
						 "text, found a line longer "
						 "than the 268435456-byte "
						 "limit"));
	mr_zio_free(z);
	unlink(path);
	ZSTD_freeCCtx(cc);
	free(src);
	free(dst);
}

static void test_zio_nul__names_line_and_column(void **state)
{
	static const char text[] = "ok\nab\0cd\n";
	char path[64], *line;
	size_t len;
	mr_zio *z;

	(void)state;
	tmp_write(path, text, sizeof(text) - 1);
	z = zopen(path);
	mr_zio_set_expect(z, "a strace line");
	assert_int_equal(mr_zio_getline(z, &line, &len), 1);
	assert_int_equal(mr_zio_getline(z, &line, &len), MR_ECORRUPT);
	assert_non_null(strstr(mr_zio_errmsg(z),
			       ":2:3: expected a strace line, found a NUL "
			       "byte (binary file?)"));
	mr_zio_free(z);
	unlink(path);
}

static void test_zio_zstd__corrupt_truncated_trailing(void **state)
{
	size_t len, clen, bound;
	char *t = ramp_text(100, 101, &len), *c, path[64], *line;
	mr_zio *z;
	int rc;

	(void)state;
	bound = ZSTD_compressBound(len) + 64;
	c = malloc(bound);
	clen = ZSTD_compress(c, bound, t, len, 1);
	assert_false(ZSTD_isError(clen));

	/* only the magic */
	tmp_write(path, c, 4);
	z = zopen(path);
	assert_int_equal(mr_zio_getline(z, &line, &len), MR_ECORRUPT);
	assert_non_null(strstr(mr_zio_errmsg(z), "truncated zstd data"));
	mr_zio_free(z);
	unlink(path);

	/* one byte short */
	tmp_write(path, c, clen - 1);
	z = zopen(path);
	while ((rc = mr_zio_getline(z, &line, &len)) == 1)
		;
	assert_int_equal(rc, MR_ECORRUPT);
	assert_non_null(strstr(mr_zio_errmsg(z), "truncated zstd data: the "
						 "file ends inside a frame "
						 "at compressed byte offset"));
	mr_zio_free(z);
	unlink(path);

	/* garbage after a complete frame */
	memcpy(c + clen, "garbage!", 8);
	tmp_write(path, c, clen + 8);
	z = zopen(path);
	while ((rc = mr_zio_getline(z, &line, &len)) == 1)
		;
	assert_int_equal(rc, MR_ECORRUPT);
	assert_non_null(strstr(mr_zio_errmsg(z), "corrupt zstd data at "
						 "compressed byte offset"));
	assert_non_null(strstr(mr_zio_errmsg(z), "(after line 100)"));
	mr_zio_free(z);
	unlink(path);

	/* a flipped byte in the compressed data */
	c[clen / 2] ^= 0x5a;
	c[clen / 2 + 1] ^= 0xa5;
	tmp_write(path, c, clen);
	z = zopen(path);
	while ((rc = mr_zio_getline(z, &line, &len)) == 1)
		;
	assert_int_equal(rc, MR_ECORRUPT);
	assert_non_null(strstr(mr_zio_errmsg(z), "zstd data"));
	mr_zio_free(z);
	unlink(path);
	free(c);
	free(t);
}

static void test_zio_open__errors(void **state)
{
	mr_zio *z;
	char err[256];

	(void)state;
	assert_int_equal(mr_zio_open(&z, "/nonexistent/f", err, sizeof(err)),
			 MR_EIO);
	assert_null(z);
	assert_string_equal(err, "/nonexistent/f: No such file or directory");
	assert_int_equal(mr_zio_open(&z, "/", err, sizeof(err)), MR_EIO);
	assert_string_equal(err, "/: Is a directory");
	mr_zio_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zio_lines__any_length),
		cmocka_unit_test(test_zio_zstd__same_lines_as_plain),
		cmocka_unit_test(test_zio_lines__edges),
		cmocka_unit_test(test_zio_limit__line_too_long),
		cmocka_unit_test(test_zio_limit__256_mib),
		cmocka_unit_test(test_zio_nul__names_line_and_column),
		cmocka_unit_test(test_zio_zstd__corrupt_truncated_trailing),
		cmocka_unit_test(test_zio_open__errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
