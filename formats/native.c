/*
 * native.c - the .mmtr format (native.h, docs/native-format.md).
 *
 * A header (magic, version, the source's name), then sections, each a
 * 16-byte head and one zstd frame: the fault table ('F', at most one,
 * before the events), blocks of events ('E'), and the end ('Z', not
 * compressed: the counts). An event is varints and strings stored with
 * their NUL, so the reader hands out pointers into the decompressed block
 * and copies nothing. Blocks are independent: deltas and the table of
 * syscall names start again in each.
 *
 * Every length and count read is checked against what is left; a file
 * that does not hold what the layout says is an error naming its byte
 * offset, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "engine/errcode.h"
#include "formats/formats_int.h"
#include "formats/native.h"

#define HEAD_LEN 20	  /* magic, version, flags, source length */
#define SEC_LEN 16	  /* type, 3 zero bytes, count, raw, comp */
#define BLOCK_EVENTS 8192 /* events per block at most */
#define BLOCK_RAW                                                              \
	(256u << 10)	     /* raw bytes per block, about: the                \
				  block stays in the cache while               \
				  it is read */
#define MAX_RAW (512u << 20) /* a block may not say it is larger */
#define MAX_SOURCE 4096	     /* longest source name */
#define ZLEVEL 3

/* An event's first byte: its kind (3 bits) and what follows. */
#define H_TS 0x08   /* a time */
#define H_DUR 0x10  /* a -T duration */
#define H_PID 0x20  /* a pid other than the last event's */
#define H_MORE 0x40 /* a second byte (X_ bits) */
#define H_ARGS 0x80 /* decoded arguments */
/* the second byte */
#define X_RET_PATH 0x01
#define X_FD_PATH 0x02
#define X_STR 0x04
#define X_STR2 0x08
#define X_SIG 0x10
#define X_FLAGS 0x20

/* ---- little-endian words ---- */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint64_t zz(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzz(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* ---- writing ---- */

struct wbuf {
	uint8_t *p;
	size_t n, cap;
	int oom;
};

static uint8_t *wb_room(struct wbuf *b, size_t n)
{
	if (b->oom)
		return NULL;
	if (b->cap - b->n < n) {
		size_t nc = b->cap ? b->cap : 1 << 16;
		uint8_t *np;

		while (nc - b->n < n)
			nc *= 2;
		np = realloc(b->p, nc);
		if (!np) {
			b->oom = 1;
			return NULL;
		}
		b->p = np;
		b->cap = nc;
	}
	return b->p + b->n;
}

static void wb_u8(struct wbuf *b, unsigned v)
{
	uint8_t *p = wb_room(b, 1);

	if (p) {
		*p = (uint8_t)v;
		b->n++;
	}
}

static void wb_var(struct wbuf *b, uint64_t v)
{
	uint8_t *p = wb_room(b, 10);

	if (!p)
		return;
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
		b->n++;
	}
	*p = (uint8_t)v;
	b->n++;
}

/* A string: its length, its bytes, a NUL. */
static void wb_str(struct wbuf *b, const char *s)
{
	size_t n = strlen(s);
	uint8_t *p;

	wb_var(b, n);
	p = wb_room(b, n + 1);
	if (p) {
		memcpy(p, s, n + 1);
		b->n += n + 1;
	}
}

struct writer {
	FILE *f;
	const char *out;
	struct wbuf raw; /* the block being built */
	uint8_t *comp;	 /* its compressed form */
	size_t comp_cap;
	ZSTD_CCtx *cctx;
	uint32_t count;	    /* events in the block */
	uint64_t prev_line; /* deltas, from 0 in each block */
	int64_t prev_ts;
	int32_t prev_pid;
	uint64_t prev_arg0;
	char **names;  /* the block's table of strings */
	int *name_sys; /* ... a syscall name's number, or -1
			  for a path (never shared) */
	size_t nnames, names_cap;
	uint64_t bytes; /* written so far */
	char *errbuf;
	size_t errlen;
};

static int w_io(struct writer *w)
{
	snprintf(w->errbuf, w->errlen, "%s: %s", w->out,
		 errno ? strerror(errno) : "write failed");
	return MR_EIO;
}

/* Compress RAW as section TYPE holding COUNT items, and write it. */
static int w_section(struct writer *w, char type, uint32_t count,
		     const struct wbuf *raw)
{
	uint8_t head[SEC_LEN] = {0};
	size_t bound = ZSTD_compressBound(raw->n), c;

	if (raw->oom)
		return MR_ENOMEM;
	if (raw->n > MAX_RAW) {
		snprintf(w->errbuf, w->errlen,
			 "%s: a section of %zu bytes, over the format's %u: "
			 "too many faults for one .mmtr",
			 w->out, raw->n, MAX_RAW);
		return MR_EIO;
	}
	if (bound > w->comp_cap) {
		uint8_t *np = realloc(w->comp, bound);

		if (!np)
			return MR_ENOMEM;
		w->comp = np;
		w->comp_cap = bound;
	}
	c = ZSTD_compressCCtx(w->cctx, w->comp, bound, raw->p ? raw->p : head,
			      raw->n, ZLEVEL);
	if (ZSTD_isError(c)) {
		snprintf(w->errbuf, w->errlen, "%s: zstd: %s", w->out,
			 ZSTD_getErrorName(c));
		return MR_EIO;
	}
	head[0] = (uint8_t)type;
	put32(head + 4, count);
	put32(head + 8, (uint32_t)raw->n);
	put32(head + 12, (uint32_t)c);
	if (fwrite(head, 1, SEC_LEN, w->f) != SEC_LEN ||
	    fwrite(w->comp, 1, c, w->f) != c)
		return w_io(w);
	w->bytes += SEC_LEN + c;
	return 0;
}

static void w_names_reset(struct writer *w)
{
	for (size_t i = 0; i < w->nnames; i++)
		free(w->names[i]);
	w->nnames = 0;
}

static int w_flush(struct writer *w)
{
	int rc;

	if (!w->count)
		return 0;
	rc = w_section(w, 'E', w->count, &w->raw);
	w->raw.n = 0;
	w->count = 0;
	w->prev_line = 0;
	w->prev_ts = 0;
	w->prev_pid = 0;
	w->prev_arg0 = 0;
	w_names_reset(w);
	return rc;
}

/*
 * A string that repeats (a syscall name, a path): its index + 1 in the
 * block's table, or 0 and the string, which joins the table.
 */
static int w_name(struct writer *w, const char *name, int sys)
{
	for (size_t i = 0; i < w->nnames; i++)
		if (w->names[i][0] == name[0] &&
		    (w->name_sys[i] < 0) == (sys < 0) &&
		    !strcmp(w->names[i], name)) {
			wb_var(&w->raw, i + 1);
			return 0;
		}
	wb_var(&w->raw, 0);
	wb_str(&w->raw, name);
	if (sys >= 0)
		wb_var(&w->raw, (uint64_t)sys);
	if (w->nnames == w->names_cap) {
		size_t nc = w->names_cap ? w->names_cap * 2 : 64;
		char **np = realloc(w->names, nc * sizeof(*np));
		int *ns;

		if (!np)
			return MR_ENOMEM;
		w->names = np;
		ns = realloc(w->name_sys, nc * sizeof(*ns));
		if (!ns)
			return MR_ENOMEM;
		w->name_sys = ns;
		w->names_cap = nc;
	}
	w->name_sys[w->nnames] = sys < 0 ? -1 : sys;
	w->names[w->nnames] = strdup(name);
	if (!w->names[w->nnames])
		return MR_ENOMEM;
	w->nnames++;
	return 0;
}

/* A time in ns: whole microseconds (strace's -ttt and -T print them),
 * then the nanoseconds left, if any. */
static void wb_ns(struct wbuf *b, int64_t d)
{
	wb_var(b, zz(d / 1000) << 1 | (d % 1000 != 0));
	if (d % 1000)
		wb_var(b, zz(d % 1000));
}

static int w_event(struct writer *w, const mr_event *ev)
{
	struct wbuf *b = &w->raw;
	unsigned head = (unsigned)ev->kind, x = 0;
	int64_t a0 = ev->nargs ? (int64_t)ev->arg[0] : 0;
	uint64_t rv, rd, base;

	x |= ev->ret_path ? X_RET_PATH : 0;
	x |= ev->fd_path ? X_FD_PATH : 0;
	x |= ev->str ? X_STR : 0;
	x |= ev->str2 ? X_STR2 : 0;
	x |= ev->signo || ev->si_code || ev->si_addr || ev->exit_code ||
			     ev->core_dumped
		     ? X_SIG
		     : 0;
	x |= ev->flags ? X_FLAGS : 0;
	head |= ev->ts_ns >= 0 ? H_TS : 0;
	head |= ev->dur_ns >= 0 ? H_DUR : 0;
	head |= ev->pid != w->prev_pid ? H_PID : 0;
	head |= x ? H_MORE : 0;
	head |= ev->nargs ? H_ARGS : 0;
	wb_u8(b, head);
	if (x)
		wb_u8(b, x);
	if (x & X_FLAGS)
		wb_var(b, ev->flags);
	if (head & H_PID)
		wb_var(b, zz((int64_t)ev->pid - w->prev_pid));
	w->prev_pid = ev->pid;
	/* the line: mostly the next one, where the call started */
	wb_var(b, zz((int64_t)(ev->line - w->prev_line - 1)) << 1 |
			  (ev->first_line != ev->line));
	if (ev->first_line != ev->line)
		wb_var(b, zz((int64_t)(ev->line - ev->first_line)));
	w->prev_line = ev->line;
	if (head & H_TS) {
		wb_ns(b, ev->ts_ns - w->prev_ts);
		w->prev_ts = ev->ts_ns;
	}
	if (head & H_DUR)
		wb_ns(b, ev->dur_ns);
	if (w_name(w, ev->name ? ev->name : "", ev->sys))
		return MR_ENOMEM;
	wb_str(b, ev->args ? ev->args : "");
	if (head & H_ARGS) {
		wb_u8(b, ev->nargs);
		/* the first argument (an address, mostly) from the last */
		wb_var(b, zz((int64_t)((uint64_t)a0 - w->prev_arg0)));
		w->prev_arg0 = (uint64_t)a0;
		for (int i = 1; i < ev->nargs && i < MR_EV_NARGS; i++)
			wb_var(b, zz((int64_t)ev->arg[i])); /* -1: one byte */
	}
	/* the result, from 0 or from the first argument (mmap's hint, brk's
	 * address), whichever is shorter; with its kind */
	rv = zz(ev->ret);
	rd = zz((int64_t)((uint64_t)ev->ret - (uint64_t)a0));
	base = rd < rv;
	if (base)
		rv = rd;
	if (rv >> 59) { /* too wide: kind 7, then the kind and the value */
		wb_var(b, 7 << 1);
		wb_u8(b, (unsigned)(ev->ret_kind & 7));
		wb_var(b, zz(ev->ret));
	} else {
		wb_var(b, rv << 4 | (uint64_t)(ev->ret_kind & 7) << 1 | base);
	}
	if (((x & X_RET_PATH) && w_name(w, ev->ret_path, -1)) ||
	    ((x & X_FD_PATH) && w_name(w, ev->fd_path, -1)) ||
	    ((x & X_STR) && w_name(w, ev->str, -1)) ||
	    ((x & X_STR2) && w_name(w, ev->str2, -1)))
		return MR_ENOMEM;
	if (x & X_SIG) {
		wb_var(b, zz(ev->signo));
		wb_var(b, zz(ev->si_code));
		wb_var(b, ev->si_addr);
		wb_var(b, zz(ev->exit_code));
		wb_u8(b, ev->core_dumped ? 1 : 0);
	}
	if (b->oom)
		return MR_ENOMEM;
	w->count++;
	if (w->count >= BLOCK_EVENTS || b->n >= BLOCK_RAW)
		return w_flush(w);
	return 0;
}

static int w_faults(struct writer *w, const mr_faults *f)
{
	struct wbuf b = {0};
	uint64_t prev = 0;
	int rc;

	for (size_t i = 0; i < f->n; i++) {
		wb_var(&b, f->v[i].after_line - prev);
		prev = f->v[i].after_line;
		wb_var(&b, zz(f->v[i].tid));
		wb_var(&b, f->v[i].addr);
		wb_var(&b, f->v[i].code);
	}
	rc = w_section(w, 'F', (uint32_t)f->n, &b);
	free(b.p);
	return rc;
}

int mr_native_write(mr_reader *rd, const char *source, const mr_faults *f,
		    const char *out, mr_native_stats *st, char *errbuf,
		    size_t errlen)
{
	struct writer w = {.out = out, .errbuf = errbuf, .errlen = errlen};
	uint8_t head[HEAD_LEN], end[SEC_LEN + 24] = {0};
	size_t slen = strlen(source);
	mr_event ev;
	int rc;

	memset(st, 0, sizeof(*st));
	if (slen > MAX_SOURCE)
		slen = MAX_SOURCE;
	w.cctx = ZSTD_createCCtx();
	if (!w.cctx)
		return MR_ENOMEM;
	{ /* a new file, never through a link */
		int fd = open(out,
			      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				      O_CLOEXEC,
			      0644);

		w.f = fd < 0 ? NULL : fdopen(fd, "wb");
		if (!w.f) {
			if (fd >= 0)
				close(fd);
			rc = w_io(&w);
			goto out;
		}
	}
	memcpy(head, MR_NATIVE_MAGIC, 8);
	put32(head + 8, MR_NATIVE_VERSION);
	put32(head + 12, 0);
	put32(head + 16, (uint32_t)slen);
	if (fwrite(head, 1, HEAD_LEN, w.f) != HEAD_LEN ||
	    fwrite(source, 1, slen, w.f) != slen) {
		rc = w_io(&w);
		goto out;
	}
	w.bytes = HEAD_LEN + slen;
	if (f && f->n) {
		rc = w_faults(&w, f);
		if (rc)
			goto out;
		st->faults = f->n;
	}
	while ((rc = mr_reader_next(rd, &ev)) == 1) {
		rc = w_event(&w, &ev);
		if (rc)
			goto out;
		st->events++;
	}
	if (rc < 0) {
		snprintf(errbuf, errlen, "%s", mr_reader_errmsg(rd));
		goto out;
	}
	rc = w_flush(&w);
	if (rc)
		goto out;
	st->lines = mr_reader_lines(rd);
	st->warnings = mr_reader_warnings(rd);
	end[0] = 'Z';
	put32(end + 12, 24);
	put64(end + SEC_LEN, st->events);
	put64(end + SEC_LEN + 8, st->lines);
	put64(end + SEC_LEN + 16, st->warnings);
	if (fwrite(end, 1, sizeof(end), w.f) != sizeof(end) || fflush(w.f) ||
	    fsync(fileno(w.f))) {
		rc = w_io(&w);
		goto out;
	}
	w.bytes += sizeof(end);
	st->bytes = w.bytes;
out:
	if (rc == MR_ENOMEM)
		snprintf(errbuf, errlen, "%s: out of memory", out);
	if (w.f && fclose(w.f) && !rc)
		rc = w_io(&w);
	w_names_reset(&w);
	free(w.names);
	free(w.name_sys);
	free(w.raw.p);
	free(w.comp);
	ZSTD_freeCCtx(w.cctx);
	return rc;
}

/* ---- reading ---- */

struct mr_native_rd {
	FILE *f;
	char *path;
	char source[MAX_SOURCE + 1];
	uint64_t off; /* file offset of the next section */
	uint8_t *raw; /* the current block, decompressed */
	size_t raw_cap, raw_len, pos;
	uint8_t *comp; /* ... as read */
	size_t comp_cap;
	ZSTD_DCtx *dctx;    /* one for every block */
	uint64_t block_off; /* where the block's section starts */
	uint32_t left;	    /* events left in the block */
	uint64_t prev_line;
	int64_t prev_ts;
	int32_t prev_pid;
	uint64_t prev_arg0;
	struct nat_name { /* the block's table of strings */
		const char *s;
		int sys; /* a syscall name's enum mr_sysno */
	} * names;
	size_t nnames, names_cap;
	uint64_t last_line;		  /* of the last event */
	uint64_t events, lines, warnings; /* the end's counts */
	int ended;
	int failed;
	char err[640];
};

static int r_bad(struct mr_native_rd *r, uint64_t off, const char *expect)
{
	snprintf(r->err, sizeof(r->err),
		 "%s: byte %llu: expected %s (a corrupt or truncated .mmtr "
		 "file)",
		 r->path, (unsigned long long)off, expect);
	r->failed = MR_ECORRUPT;
	return MR_ECORRUPT;
}

static int r_read(struct mr_native_rd *r, void *dst, size_t n)
{
	if (fread(dst, 1, n, r->f) != n)
		return -1;
	r->off += n;
	return 0;
}

int mr_native_is(const char *path)
{
	struct stat st;
	char m[8];
	FILE *f;
	int is;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	f = fopen(path, "rb");
	if (!f)
		return 0;
	is = fread(m, 1, 8, f) == 8 && !memcmp(m, MR_NATIVE_MAGIC, 8);
	fclose(f);
	return is;
}

void mr_native_close(struct mr_native_rd *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->path);
	free(r->raw);
	free(r->comp);
	free(r->names);
	ZSTD_freeDCtx(r->dctx);
	free(r);
}

int mr_native_open(struct mr_native_rd **out, const char *path, char *errbuf,
		   size_t errlen)
{
	struct mr_native_rd *r = calloc(1, sizeof(*r));
	uint8_t head[HEAD_LEN];
	uint32_t slen;

	*out = NULL;
	if (!r || !(r->path = strdup(path))) {
		free(r);
		snprintf(errbuf, errlen, "%s: out of memory", path);
		return MR_ENOMEM;
	}
	r->f = fopen(path, "rb");
	if (!r->f) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		mr_native_close(r);
		return MR_EIO;
	}
	if (r_read(r, head, HEAD_LEN) || memcmp(head, MR_NATIVE_MAGIC, 8)) {
		snprintf(errbuf, errlen, "%s: expected a .mmtr header", path);
		mr_native_close(r);
		return MR_ECORRUPT;
	}
	if (get32(head + 8) != MR_NATIVE_VERSION) {
		snprintf(errbuf, errlen,
			 "%s: .mmtr version %u, this mmreplay reads version "
			 "%d: convert the text trace again",
			 path, get32(head + 8), MR_NATIVE_VERSION);
		mr_native_close(r);
		return MR_ECORRUPT;
	}
	slen = get32(head + 16);
	if (slen > MAX_SOURCE || r_read(r, r->source, slen)) {
		snprintf(errbuf, errlen,
			 "%s: byte 16: expected the source's name (at most "
			 "%d bytes)",
			 path, MAX_SOURCE);
		mr_native_close(r);
		return MR_ECORRUPT;
	}
	r->source[slen] = '\0';
	*out = r;
	return 0;
}

/* Read the next section's head and its body (decompressed into raw). */
static int r_section(struct mr_native_rd *r, char *type, uint32_t *count)
{
	uint8_t h[SEC_LEN];
	uint32_t raw_len, comp_len;
	size_t got;

	r->block_off = r->off;
	if (r_read(r, h, SEC_LEN))
		return r_bad(r, r->block_off,
			     "a section (the file ends before "
			     "its end section)");
	*type = (char)h[0];
	*count = get32(h + 4);
	raw_len = get32(h + 8);
	comp_len = get32(h + 12);
	if (*type == 'Z') {
		uint8_t t[24];

		if (comp_len != 24 || r_read(r, t, 24))
			return r_bad(r, r->block_off,
				     "the end section's counts");
		r->events = get64(t);
		r->lines = get64(t + 8);
		r->warnings = get64(t + 16);
		r->raw_len = 0;
		return 0;
	}
	if ((*type != 'E' && *type != 'F') || h[1] || h[2] || h[3] ||
	    raw_len > MAX_RAW || comp_len > ZSTD_compressBound(raw_len))
		return r_bad(r, r->block_off,
			     "a section head ('F', 'E' or 'Z', three zero "
			     "bytes, sizes)");
	if (comp_len > r->comp_cap) {
		uint8_t *np = realloc(r->comp, comp_len);

		if (!np)
			return MR_ENOMEM;
		r->comp = np;
		r->comp_cap = comp_len;
	}
	if (raw_len + 1 > r->raw_cap) {
		uint8_t *np = realloc(r->raw, raw_len + 1);

		if (!np)
			return MR_ENOMEM;
		r->raw = np;
		r->raw_cap = raw_len + 1;
	}
	if (r_read(r, r->comp, comp_len))
		return r_bad(r, r->block_off + SEC_LEN,
			     "the section's compressed bytes");
	if (!r->dctx && !(r->dctx = ZSTD_createDCtx()))
		return MR_ENOMEM;
	got = ZSTD_decompressDCtx(r->dctx, r->raw, raw_len, r->comp, comp_len);
	if (ZSTD_isError(got) || got != raw_len)
		return r_bad(r, r->block_off + SEC_LEN,
			     "a zstd frame of the section's size");
	r->raw[raw_len] = 0;
	r->raw_len = raw_len;
	r->pos = 0;
	return 0;
}

/* ---- decoding a block ---- */

static int d_var_long(struct mr_native_rd *r, uint64_t *v)
{
	uint64_t x = 0;

	if (r->raw_len - r->pos >= 10) { /* no bound to check per byte */
		const uint8_t *p = r->raw + r->pos;
		uint64_t w, stop;

		/* up to 8 bytes at once: where the first byte without its
		 * top bit is, then the 7-bit groups put together */
		memcpy(&w, p, 8);
		w = le64toh(w);
		stop = ~w & 0x8080808080808080ull;
		if (stop) {
			int n = __builtin_ctzll(stop) / 8 + 1;

			if (n < 8)
				w &= (1ull << (8 * n)) - 1;
			x = (w & 0x7f) | (w & 0x7f00) >> 1 |
			    (w & 0x7f0000) >> 2 | (w & 0x7f000000) >> 3 |
			    (w & 0x7f00000000) >> 4 |
			    (w & 0x7f0000000000) >> 5 |
			    (w & 0x7f000000000000) >> 6 |
			    (w & 0x7f00000000000000) >> 7;
			r->pos += (size_t)n;
			*v = x;
			return 0;
		}
		for (int i = 0; i < 10; i++) {
			x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
			if (!(p[i] & 0x80)) {
				r->pos += (size_t)i + 1;
				*v = x;
				return 0;
			}
		}
		return -1;
	}
	for (int s = 0; s < 64; s += 7) {
		uint8_t c;

		if (r->pos >= r->raw_len)
			return -1;
		c = r->raw[r->pos++];
		x |= (uint64_t)(c & 0x7f) << s;
		if (!(c & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/* A varint; most are one byte. */
static inline int d_var(struct mr_native_rd *r, uint64_t *v)
{
	if (r->pos < r->raw_len && r->raw[r->pos] < 0x80) {
		*v = r->raw[r->pos++];
		return 0;
	}
	return d_var_long(r, v);
}

static int d_u8(struct mr_native_rd *r, unsigned *v)
{
	if (r->pos >= r->raw_len)
		return -1;
	*v = r->raw[r->pos++];
	return 0;
}

static int d_str(struct mr_native_rd *r, const char **s)
{
	uint64_t n;

	/* a NUL inside only cuts the string short */
	if (d_var(r, &n) || n >= r->raw_len - r->pos ||
	    r->raw[r->pos + n] != '\0')
		return -1;
	*s = (const char *)r->raw + r->pos;
	r->pos += n + 1;
	return 0;
}

/*
 * A table string: an index + 1, or 0 and the string (then added, with
 * its syscall number when SYS is not NULL).
 */
static int d_name(struct mr_native_rd *r, const char **s, int *sys)
{
	uint64_t idx, v = 0;

	if (d_var(r, &idx))
		return -1;
	if (idx > r->nnames)
		return -1;
	if (idx) {
		/* a syscall name refers to a syscall name, a path to a path */
		if ((r->names[idx - 1].sys >= 0) != (sys != NULL))
			return -1;
		*s = r->names[idx - 1].s;
		if (sys)
			*sys = r->names[idx - 1].sys;
		return 0;
	}
	if (d_str(r, s) || (sys && (d_var(r, &v) || v >= MR_SYS__COUNT)))
		return -1;
	if (r->nnames == r->names_cap) {
		size_t nc = r->names_cap ? r->names_cap * 2 : 64;
		struct nat_name *np = realloc(r->names, nc * sizeof(*np));

		if (!np)
			return MR_ENOMEM;
		r->names = np;
		r->names_cap = nc;
	}
	r->names[r->nnames].s = *s;
	r->names[r->nnames].sys = sys ? (int)v : -1;
	r->nnames++;
	if (sys)
		*sys = (int)v;
	return 0;
}

static int d_ns(struct mr_native_rd *r, int64_t *d)
{
	uint64_t v, ns = 0;

	if (d_var(r, &v) || ((v & 1) && d_var(r, &ns)))
		return -1;
	*d = (int64_t)((uint64_t)unzz(v >> 1) * 1000 + (uint64_t)unzz(ns));
	return 0;
}

static int d_event(struct mr_native_rd *r, mr_event *ev)
{
	uint64_t v;
	unsigned head, x = 0, nargs = 0;
	int64_t d;
	int rc;

	/* every field is set below (no memset: this is the hot path) */
	ev->ts_ns = -1;
	ev->dur_ns = -1;
	ev->ret_path = ev->fd_path = ev->str = ev->str2 = NULL;
	ev->signo = ev->si_code = ev->exit_code = ev->core_dumped = 0;
	ev->si_addr = 0;
	ev->flags = 0;
	if (d_u8(r, &head) || (head & 7) < MR_EV_SYSCALL ||
	    (head & 7) > MR_EV_SUPERSEDED)
		return -1;
	ev->kind = (int)(head & 7);
	if ((head & H_MORE) && (d_u8(r, &x) || !x || (x & ~0x3fu)))
		return -1;
	if (x & X_FLAGS) {
		if (d_var(r, &v) || v > UINT32_MAX)
			return -1;
		ev->flags = (uint32_t)v;
	}
	if (head & H_PID) {
		if (d_var(r, &v))
			return -1;
		r->prev_pid =
			(int32_t)(uint32_t)((uint64_t)(int64_t)r->prev_pid +
					    (uint64_t)unzz(v));
	}
	ev->pid = r->prev_pid;
	if (d_var(r, &v))
		return -1;
	ev->line = r->prev_line + 1 + (uint64_t)unzz(v >> 1);
	r->prev_line = ev->line;
	if (!ev->line) /* lines count from 1 */
		return -1;
	ev->first_line = ev->line;
	if (v & 1) {
		if (d_var(r, &v) || unzz(v) < 0 || (uint64_t)unzz(v) > ev->line)
			return -1;
		ev->first_line = ev->line - (uint64_t)unzz(v);
	}
	if (head & H_TS) {
		if (d_ns(r, &d))
			return -1;
		ev->ts_ns = (int64_t)((uint64_t)r->prev_ts + (uint64_t)d);
		if (ev->ts_ns < 0) /* times are not before 1970 */
			return -1;
		r->prev_ts = ev->ts_ns;
	}
	if ((head & H_DUR) && (d_ns(r, &ev->dur_ns) || ev->dur_ns < 0))
		return -1;
	if ((rc = d_name(r, &ev->name, &ev->sys)) != 0)
		return rc;
	if (d_str(r, &ev->args))
		return -1;
	if (head & H_ARGS) {
		if (d_u8(r, &nargs) || !nargs || nargs > MR_EV_NARGS ||
		    d_var(r, &v))
			return -1;
		r->prev_arg0 += (uint64_t)unzz(v);
		ev->arg[0] = r->prev_arg0;
		for (unsigned i = 1; i < nargs; i++) {
			if (d_var(r, &v))
				return -1;
			ev->arg[i] = (uint64_t)unzz(v);
		}
	}
	ev->nargs = (uint8_t)nargs;
	for (unsigned i = nargs; i < MR_EV_NARGS; i++)
		ev->arg[i] = 0;
	if (d_var(r, &v))
		return -1;
	ev->ret_kind = (int)(v >> 1 & 7);
	if (ev->ret_kind == 7 && v == 7 << 1) { /* a wide value */
		unsigned k;

		if (d_u8(r, &k) || k > MR_RET_RESTART || d_var(r, &v) ||
		    (ev->kind == MR_EV_SYSCALL) != (k != 0))
			return -1;
		ev->ret_kind = (int)k;
		ev->ret = unzz(v);
		goto paths;
	}
	if (ev->ret_kind > MR_RET_RESTART ||
	    (ev->kind == MR_EV_SYSCALL) != (ev->ret_kind != 0))
		return -1; /* a syscall has a result, nothing else has */
	ev->ret = (int64_t)((uint64_t)unzz(v >> 4) +
			    (v & 1 && nargs ? ev->arg[0] : 0));
paths:
	if (((x & X_RET_PATH) && (rc = d_name(r, &ev->ret_path, NULL))) ||
	    ((x & X_FD_PATH) && (rc = d_name(r, &ev->fd_path, NULL))) ||
	    ((x & X_STR) && (rc = d_name(r, &ev->str, NULL))) ||
	    ((x & X_STR2) && (rc = d_name(r, &ev->str2, NULL))))
		return rc;
	if (x & X_SIG) {
		unsigned core;

		if (d_var(r, &v))
			return -1;
		ev->signo = (int)unzz(v);
		if (d_var(r, &v))
			return -1;
		ev->si_code = (int)unzz(v);
		if (d_var(r, &ev->si_addr) || d_var(r, &v))
			return -1;
		ev->exit_code = (int)unzz(v);
		if (d_u8(r, &core) || core > 1)
			return -1;
		ev->core_dumped = (int)core;
	}
	return 0;
}

int mr_native_next(struct mr_native_rd *r, mr_event *ev)
{
	int rc;

	if (r->failed)
		return r->failed;
	while (!r->left) {
		char type;
		uint32_t count;

		if (r->ended)
			return 0;
		rc = r_section(r, &type, &count);
		if (rc == MR_ENOMEM) {
			snprintf(r->err, sizeof(r->err), "%s: out of memory",
				 r->path);
			return r->failed = rc;
		}
		if (rc)
			return rc;
		if (type == 'Z') {
			r->ended = 1;
			if (fgetc(r->f) != EOF)
				return r_bad(
					r, r->off,
					"the end of the file after the end "
					"section");
			return 0;
		}
		if (type == 'E') {
			if (!count)
				return r_bad(r, r->block_off,
					     "a block of at least one event");
			r->left = count;
			r->prev_line = 0;
			r->prev_ts = 0;
			r->prev_pid = 0;
			r->prev_arg0 = 0;
			r->nnames = 0;
		}
	}
	rc = d_event(r, ev);
	if (rc == MR_ENOMEM) {
		snprintf(r->err, sizeof(r->err), "%s: out of memory", r->path);
		return r->failed = rc;
	}
	if (rc) {
		snprintf(r->err, sizeof(r->err),
			 "%s: the block at byte %llu: expected an event at its "
			 "byte %zu (a corrupt .mmtr file)",
			 r->path, (unsigned long long)r->block_off, r->pos);
		return r->failed = MR_ECORRUPT;
	}
	if (--r->left == 0 && r->pos != r->raw_len)
		return r_bad(r, r->block_off,
			     "a block that ends with its last event");
	r->last_line = ev->line;
	return 1;
}

const char *mr_native_errmsg(const struct mr_native_rd *r)
{
	return r->err;
}

uint64_t mr_native_lines(const struct mr_native_rd *r)
{
	return r->ended ? r->lines : r->last_line;
}

uint64_t mr_native_warnings(const struct mr_native_rd *r)
{
	return r->ended ? r->warnings : 0;
}

uint64_t mr_native_bytes_in(const struct mr_native_rd *r)
{
	return r->off;
}

const char *mr_native_path(const struct mr_native_rd *r)
{
	return r->path;
}

int mr_native_source(const char *path, char *buf, size_t len)
{
	struct mr_native_rd *r;
	char err[64];

	if (!mr_native_is(path) || mr_native_open(&r, path, err, sizeof(err)))
		return -1;
	snprintf(buf, len, "%s", r->source);
	mr_native_close(r);
	return 0;
}

int mr_native_faults(const char *path, mr_faults *out, char *errbuf,
		     size_t errlen)
{
	struct mr_native_rd *r;
	char type;
	uint32_t count;
	uint64_t v, line = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mr_native_open(&r, path, errbuf, errlen);
	if (rc)
		return rc;
	rc = r_section(r, &type, &count);
	if (rc || type != 'F')
		goto out;
	if (count > r->raw_len / 4) {
		rc = r_bad(r, r->block_off, "a fault count the section holds");
		goto out;
	}
	out->v = calloc(count ? count : 1, sizeof(*out->v));
	if (!out->v) {
		rc = MR_ENOMEM;
		snprintf(r->err, sizeof(r->err), "%s: out of memory", path);
		goto out;
	}
	for (uint32_t i = 0; i < count; i++) {
		mr_fault *f = &out->v[i];

		if (d_var(r, &v)) {
			rc = r_bad(r, r->block_off, "a fault");
			goto out;
		}
		line += v;
		f->after_line = line;
		if (d_var(r, &v)) {
			rc = r_bad(r, r->block_off, "a fault");
			goto out;
		}
		f->tid = (int32_t)unzz(v);
		if (d_var(r, &f->addr) || d_var(r, &v) || v > UINT32_MAX) {
			rc = r_bad(r, r->block_off, "a fault");
			goto out;
		}
		f->code = (uint32_t)v;
		f->ev = SIZE_MAX;
		out->n++;
	}
out:
	if (rc) {
		snprintf(errbuf, errlen, "%s", r->err);
		mr_faults_release(out);
	}
	mr_native_close(r);
	return rc;
}
