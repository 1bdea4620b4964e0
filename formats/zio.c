/*
 * zio.c - a streaming line source over a plain or zstd-compressed file.
 *
 * One text buffer holds the current line and whatever was read past it.
 * It only grows when a single line does not fit (up to the line limit),
 * so memory is bounded by the longest line, never by the file. zstd
 * frames are decompressed with ZSTD_decompressStream into the same buffer.
 *
 * Invariants: start <= scan <= end <= cap; buf[start, scan) holds no '\n'.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "engine/errcode.h"
#include "formats/formats_int.h"
#include "formats/native.h"
#include "formats/reader.h"

#define INIT_CAP ((size_t)256 << 10)

static const unsigned char zstd_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};

struct mr_zio {
	int fd;		    /* the open file */
	char *path;	    /* for messages */
	const char *expect; /* what a line should be, for messages */
	int is_zstd;	    /* zstd frames rather than plain text */
	ZSTD_DStream *ds;   /* decompression state when is_zstd */
	unsigned char *zin; /* compressed input */
	size_t zin_cap;	    /* its size */
	size_t zin_pos;	    /* next unread compressed byte */
	size_t zin_len;	    /* compressed bytes held */
	size_t zret;	    /* last ZSTD_decompressStream hint; 0 at a
			       frame boundary */
	int file_eof;	    /* read() returned 0 */
	int text_eof;	    /* no more text will come */
	char *buf;	    /* text */
	size_t cap;	    /* its size */
	size_t start;	    /* first byte of the next line */
	size_t scan;	    /* bytes before this hold no '\n' */
	size_t end;	    /* one past the last text byte */
	size_t max_line;    /* line length limit */
	uint64_t lineno;    /* lines returned */
	uint64_t bytes_in;  /* bytes read from the file */
	int last_nl;	    /* last line ended in '\n' */
	char *last;	    /* the last line returned */
	size_t last_len;    /* its length */
	int again;	    /* mr_zio_unget(): return it again */
	char err[512];	    /* last error */
};

static int fail(mr_zio *z, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(z->err, sizeof(z->err), fmt, ap);
	va_end(ap);
	return code;
}

static ssize_t read_some(mr_zio *z, void *dst, size_t n)
{
	ssize_t r;

	do {
		r = read(z->fd, dst, n);
	} while (r < 0 && errno == EINTR);
	if (r > 0)
		z->bytes_in += (uint64_t)r;
	return r;
}

int mr_zio_open(mr_zio **out, const char *path, char *errbuf, size_t errlen)
{
	mr_zio *z;
	ssize_t r;
	size_t got = 0;

	*out = NULL;
	z = calloc(1, sizeof(*z));
	if (!z)
		goto out_nomem;
	z->fd = -1;
	z->expect = "a line of text";
	z->max_line = MR_ZIO_MAX_LINE;
	z->path = strdup(path);
	z->zin_cap = ZSTD_DStreamInSize();
	z->zin = malloc(z->zin_cap);
	z->cap = INIT_CAP;
	z->buf = malloc(z->cap);
	if (!z->path || !z->zin || !z->buf)
		goto out_free_z;

	z->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (z->fd < 0)
		goto out_io;
	/* Sniff the magic: gather at least 4 bytes or reach the end. */
	while (got < sizeof(zstd_magic)) {
		r = read_some(z, z->zin + got, z->zin_cap - got);
		if (r < 0)
			goto out_io;
		if (r == 0) {
			z->file_eof = 1;
			break;
		}
		got += (size_t)r;
	}
	if (got >= sizeof(zstd_magic) &&
	    memcmp(z->zin, zstd_magic, sizeof(zstd_magic)) == 0) {
		z->is_zstd = 1;
		z->ds = ZSTD_createDStream();
		if (!z->ds)
			goto out_free_z;
		ZSTD_initDStream(z->ds);
		z->zin_len = got;
		z->zret = 1;
	} else {
		memcpy(z->buf, z->zin, got);
		z->end = got;
		if (z->file_eof)
			z->text_eof = 1;
	}
	*out = z;
	return 0;

out_io:
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
	mr_zio_free(z);
	return MR_EIO;
out_free_z:
	mr_zio_free(z);
out_nomem:
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s: out of memory", path);
	return MR_ENOMEM;
}

void mr_zio_set_expect(mr_zio *z, const char *expect)
{
	z->expect = expect;
}

void mr_zio_set_max_line(mr_zio *z, size_t max)
{
	z->max_line = max;
}

/* Offset of the next compressed byte to be consumed, for messages. */
static uint64_t zoff(const mr_zio *z)
{
	return z->bytes_in - (uint64_t)(z->zin_len - z->zin_pos);
}

/*
 * Decompress into buf[end, cap). Returns bytes produced (> 0), 0 at a clean
 * end of the last frame, or an error.
 */
static int fill_zstd(mr_zio *z, size_t *got)
{
	ZSTD_outBuffer ob = {z->buf + z->end, z->cap - z->end, 0};
	ZSTD_inBuffer ib;
	size_t ret;
	ssize_t r;

	while (ob.pos == 0) {
		if (z->zin_pos == z->zin_len && !z->file_eof) {
			r = read_some(z, z->zin, z->zin_cap);
			if (r < 0)
				return fail(z, MR_EIO, "%s: %s", z->path,
					    strerror(errno));
			z->zin_pos = 0;
			z->zin_len = (size_t)r;
			if (r == 0)
				z->file_eof = 1;
		}
		ib.src = z->zin;
		ib.size = z->zin_len;
		ib.pos = z->zin_pos;
		ret = ZSTD_decompressStream(z->ds, &ob, &ib);
		if (ZSTD_isError(ret))
			return fail(z, MR_ECORRUPT,
				    "%s: corrupt zstd data at compressed byte "
				    "offset %llu (after line %llu): %s",
				    z->path, (unsigned long long)zoff(z),
				    (unsigned long long)z->lineno,
				    ZSTD_getErrorName(ret));
		/* An empty call between frames says nothing new. */
		if (ret == 0 || ib.pos > z->zin_pos || ob.pos > 0)
			z->zret = ret;
		z->zin_pos = ib.pos;
		if (ob.pos == 0 && z->file_eof && z->zin_pos == z->zin_len) {
			if (z->zret != 0)
				return fail(z, MR_ECORRUPT,
					    "%s: truncated zstd data: the "
					    "file ends inside a frame at "
					    "compressed byte offset %llu "
					    "(after line %llu)",
					    z->path,
					    (unsigned long long)z->bytes_in,
					    (unsigned long long)z->lineno);
			break;
		}
	}
	*got = ob.pos;
	return 0;
}

static int fill(mr_zio *z)
{
	size_t got = 0;
	ssize_t r;
	int rc;

	if (z->is_zstd) {
		rc = fill_zstd(z, &got);
		if (rc)
			return rc;
	} else {
		r = read_some(z, z->buf + z->end, z->cap - z->end);
		if (r < 0)
			return fail(z, MR_EIO, "%s: %s", z->path,
				    strerror(errno));
		got = (size_t)r;
	}
	if (got == 0)
		z->text_eof = 1;
	z->end += got;
	return 0;
}

/* Make room after end: slide the partial line down, or grow. */
static int make_room(mr_zio *z)
{
	size_t ncap;
	char *nb;

	if (z->start > 0 && (z->start >= z->cap / 2 || z->end == z->cap)) {
		memmove(z->buf, z->buf + z->start, z->end - z->start);
		z->end -= z->start;
		z->scan -= z->start;
		z->start = 0;
	}
	if (z->end < z->cap)
		return 0;
	/* The buffer holds one partial line: it must grow. */
	ncap = z->cap * 2;
	if (ncap > z->max_line + 2)
		ncap = z->max_line + 2;
	if (ncap <= z->cap)
		ncap = z->cap + 1;
	nb = realloc(z->buf, ncap);
	if (!nb)
		return fail(z, MR_ENOMEM,
			    "%s:%llu: out of memory for a %zu-byte line",
			    z->path, (unsigned long long)z->lineno + 1,
			    z->end - z->start);
	z->buf = nb;
	z->cap = ncap;
	return 0;
}

static int check_line(mr_zio *z, const char *line, size_t len)
{
	const char *nul;

	if (len > z->max_line)
		return fail(z, MR_ECORRUPT,
			    "%s:%llu:1: expected %s, found a line longer than "
			    "the %zu-byte limit",
			    z->path, (unsigned long long)z->lineno, z->expect,
			    z->max_line);
	nul = memchr(line, '\0', len);
	if (nul)
		return fail(z, MR_ECORRUPT,
			    "%s:%llu:%zu: expected %s, found a NUL byte "
			    "(binary file?)",
			    z->path, (unsigned long long)z->lineno,
			    (size_t)(nul - line) + 1, z->expect);
	return 1;
}

static int getline_once(mr_zio *z, char **line, size_t *len);

int mr_zio_getline(mr_zio *z, char **line, size_t *len)
{
	int rc = getline_once(z, line, len);

	if (rc == 1) {
		z->last = *line;
		z->last_len = *len;
	}
	return rc;
}

void mr_zio_unget(mr_zio *z)
{
	if (z->last && !z->again) {
		z->again = 1;
		z->lineno--;
	}
}

static int getline_once(mr_zio *z, char **line, size_t *len)
{
	char *nl;
	int rc;

	if (z->again) { /* its bytes are where they were: nothing was read */
		z->again = 0;
		z->lineno++;
		*line = z->last;
		*len = z->last_len;
		return 1;
	}
	for (;;) {
		nl = memchr(z->buf + z->scan, '\n', z->end - z->scan);
		if (nl) {
			*line = z->buf + z->start;
			*len = (size_t)(nl - *line);
			*nl = '\0';
			z->start = (size_t)(nl - z->buf) + 1;
			z->scan = z->start;
			z->lineno++;
			z->last_nl = 1;
			return check_line(z, *line, *len);
		}
		z->scan = z->end;
		if (z->end - z->start > z->max_line) {
			z->lineno++;
			return check_line(z, z->buf + z->start,
					  z->end - z->start);
		}
		if (z->text_eof) {
			if (z->start == z->end)
				return 0;
			/* A last line without '\n'; room for its NUL. */
			if (z->end == z->cap) {
				rc = make_room(z);
				if (rc)
					return rc;
			}
			*line = z->buf + z->start;
			*len = z->end - z->start;
			z->buf[z->end] = '\0';
			z->start = z->end;
			z->scan = z->end;
			z->lineno++;
			z->last_nl = 0;
			return check_line(z, *line, *len);
		}
		rc = make_room(z);
		if (rc)
			return rc;
		rc = fill(z);
		if (rc)
			return rc;
	}
}

const char *mr_zio_errmsg(const mr_zio *z)
{
	return z->err;
}

const char *mr_zio_path(const mr_zio *z)
{
	return z->path;
}

uint64_t mr_zio_lineno(const mr_zio *z)
{
	return z->lineno;
}

uint64_t mr_zio_bytes_in(const mr_zio *z)
{
	return z->bytes_in;
}

int mr_zio_is_zstd(const mr_zio *z)
{
	return z->is_zstd;
}

int mr_zio_last_had_newline(const mr_zio *z)
{
	return z->last_nl;
}

void mr_zio_free(mr_zio *z)
{
	if (!z)
		return;
	if (z->fd >= 0)
		close(z->fd);
	ZSTD_freeDStream(z->ds);
	free(z->zin);
	free(z->buf);
	free(z->path);
	free(z);
}

/* A .mmtr file's lines are its source's (when that is still there). */
static const char *text_of(const char *path, char *src, size_t len)
{
	if (mr_native_source(path, src, len) == 0 && !mr_native_is(src))
		return src;
	return path;
}

int mr_trace_line(const char *path, uint64_t line, char *buf, size_t len)
{
	mr_zio *z = NULL;
	char *l, src[4200];
	size_t n;
	int rc = -1;

	path = text_of(path, src, sizeof(src));
	if (!len || !line || mr_zio_open(&z, path, NULL, 0))
		return -1;
	while (mr_zio_getline(z, &l, &n) == 1)
		if (mr_zio_lineno(z) == line) {
			if (n >= len)
				n = len - 1;
			memcpy(buf, l, n);
			buf[n] = 0;
			rc = 0;
			break;
		}
	mr_zio_free(z);
	return rc;
}

int mr_trace_lines(const char *path, char ***out, size_t *nout, char *errbuf,
		   size_t errlen)
{
	mr_zio *z = NULL;
	char **v = NULL, *l, src[4200];
	size_t n, cnt = 0, cap = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	path = text_of(path, src, sizeof(src));
	if ((rc = mr_zio_open(&z, path, errbuf, errlen)))
		return rc;
	while ((rc = mr_zio_getline(z, &l, &n)) == 1) {
		char *s;

		if (cnt == cap) {
			size_t nc = cap ? 2 * cap : 1024;
			char **nv = realloc(v, nc * sizeof(*nv));

			if (!nv) {
				rc = MR_ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		s = malloc(n + 1);
		if (!s) {
			rc = MR_ENOMEM;
			break;
		}
		memcpy(s, l, n);
		s[n] = 0;
		v[cnt++] = s;
	}
	if (rc < 0 && errbuf && errlen)
		snprintf(errbuf, errlen, "%s",
			 rc == MR_ENOMEM ? "out of memory" : mr_zio_errmsg(z));
	mr_zio_free(z);
	if (rc < 0) {
		mr_trace_lines_free(v, cnt);
		return rc;
	}
	*out = v;
	*nout = cnt;
	return 0;
}

void mr_trace_lines_free(char **lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}
