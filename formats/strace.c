/*
 * strace.c - the strace text reader: one mr_event per completed syscall,
 * signal or exit, from `strace -f -o FILE [-t|-tt|-ttt|-r] [-T] [-y|-yy]
 * [-X raw|verbose] [-n] [-i] [-Y]` output, plain or zstd-compressed.
 *
 * A line is read left to right: the leader (pid, time, -r delta, -n/-i
 * brackets), then the body. The argument list ends at the last ')' outside
 * strings, brackets, comments and -y decorations that is followed by
 * " = " (an argument may itself contain ") = "). Halves of a call split by
 * "<unfinished ...>" wait in a small table keyed by pid until their
 * "<... name resumed>" line; their texts are joined into one event.
 *
 * Per line the reader does no allocation and no copying of the line,
 * except for joined halves and decoded strings, which go to buffers that
 * only grow. Nothing depends on pointer values or hash order: leftover
 * unfinished calls are reported in line order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/errcode.h"
#include "formats/formats_int.h"
#include "formats/native.h"
#include "formats/perf_trace.h"
#include "formats/reader.h"

#define PID_MAX 4194304 /* PID_MAX_LIMIT on 64-bit */

struct mr_reader {
	mr_zio *z;		/* line source */
	mr_symtab *sym;		/* constant names */
	mr_reader_warn_fn warn; /* warning callback, or NULL */
	void *warn_ctx;		/* its context */
	uint64_t nwarn;		/* warnings so far */
	struct ptab pt;		/* unfinished calls */
	struct mr_arena arena;	/* decoded strings of the current event */
	char *join;		/* name and joined args of a merged call */
	size_t join_cap;	/* size of join */
	mr_event deferred;	/* second event produced by one line */
	int has_deferred;	/* deferred is waiting */
	uint64_t odd_pends;	/* calls ever left pending without a pid or
				   with "<pid changed to N ...>" */
	int summary;		/* inside a -c/-C summary table */
	int done;		/* end reached, leftovers reported */
	int failed;		/* error code once failed, else 0 */
	const char *line;	/* current line */
	uint64_t lno;		/* its number */
	char err[640];		/* last error */
	char wmsg[640];		/* last warning */
	char expect[64];	/* what the last error expected */
	int lenient;		/* malformed lines are skipped and counted */
	uint64_t nbad;		/* ... so many */
	struct bad_kind {	/* ... by what was expected */
		char expect[64];
		uint64_t n;
	} kinds[MR_READER_KINDS];
	size_t nkinds;
	char first[MR_READER_FIRST][640]; /* the first ones' messages */
	struct mr_merge *mg;	  /* strace -ff files: the merge reads them */
	struct mr_native_rd *nat; /* a .mmtr file: it reads it */
	int32_t force_pid;	  /* pid of lines without a pid column */
	uint64_t closed_lines;	  /* input freed at its end: its lines */
	uint64_t closed_bytes;	  /* ... and bytes */
	char *closed_path;	  /* ... and name */
	/* -f to stderr (strace_stderr.c) */
	struct mr_pidset live; /* tracees alive, by "[pid N]" lines */
	int bracketed;	       /* a "[pid N]" line was read */
	int32_t sole;	       /* the first tracee (unprefixed lines) */
	int sole_known;	       /* ... looked for */
	struct mr_said said;   /* what the tracees wrote to fd 1 and 2 */
	uint64_t nevents;      /* events given so far */
	int in_repair;	       /* a line put back together is parsed */
	char *fix;	       /* a line put back together */
	size_t fix_cap;	       /* size of fix */
	/* perf trace text (perf_trace.c) */
	struct mr_ptrace *ptr;	    /* reads it, once the text is that */
	struct mr_ptrace_err perr;  /* its last line's error or warning */
	int kind_known;		    /* the first line decided the kind */
	int perf_forced;	    /* --format perf-trace */
};

/* ---- messages ---- */

static size_t col_of(const mr_reader *rd, const char *at)
{
	if (!at || at < rd->line)
		return 1;
	return (size_t)(at - rd->line) + 1;
}

/* "found 'text'" for messages, printable bytes only. */
static void found(char *dst, size_t n, const char *at)
{
	size_t i, o = 0;

	if (!at || !*at) {
		snprintf(dst, n, "the end of the line");
		return;
	}
	dst[o++] = '\'';
	for (i = 0; i < 24 && at[i] && o + 6 < n; i++)
		dst[o++] = at[i] >= 0x20 && at[i] < 0x7f ? at[i] : '?';
	snprintf(dst + o, n - o, "%s'", at[i] ? "..." : "");
}

static int corrupt(mr_reader *rd, const char *at, const char *expect)
{
	char f[64];

	found(f, sizeof(f), at);
	snprintf(rd->expect, sizeof(rd->expect), "%s", expect);
	snprintf(rd->err, sizeof(rd->err), "%s:%llu:%zu: expected %s, found %s",
		 mr_zio_path(rd->z), (unsigned long long)rd->lno,
		 col_of(rd, at), expect, f);
	return MR_ECORRUPT;
}

static void warn(mr_reader *rd, uint64_t lno, size_t col, const char *fmt, ...)
{
	int n;
	va_list ap;

	rd->nwarn++;
	if (!rd->warn)
		return;
	n = snprintf(rd->wmsg, sizeof(rd->wmsg),
		     "%s:%llu:%zu: warning: ", mr_zio_path(rd->z),
		     (unsigned long long)lno, col);
	if (n < 0 || (size_t)n >= sizeof(rd->wmsg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(rd->wmsg + n, sizeof(rd->wmsg) - (size_t)n, fmt, ap);
	va_end(ap);
	rd->warn(rd->warn_ctx, rd->wmsg);
}

/* ---- small helpers ---- */

static int ends(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(end - p) >= n && memcmp(end - n, lit, n) == 0;
}

/* Decimal digits at *pp into *v (at most 19); 0 if none. */
static int digits(const char **pp, const char *end, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;
	int n = 0;

	while (p < end && mr_is_digit(*p) && n < 19) {
		x = x * 10 + (uint64_t)(*p - '0');
		p++;
		n++;
	}
	if (p < end && mr_is_digit(*p))
		return 0;
	*pp = p;
	*v = x;
	return n;
}

static int reserve(char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap ? *cap : 256;
	char *nb;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	nb = realloc(*buf, ncap);
	if (!nb)
		return MR_ENOMEM;
	*buf = nb;
	*cap = ncap;
	return 0;
}

/* Reserve the arena for decoding N bytes of text, and empty it. */
static int arena_for(mr_reader *rd, size_t n)
{
	rd->arena.len = 0;
	if (reserve(&rd->arena.p, &rd->arena.cap, n + 64))
		return MR_ENOMEM;
	return 0;
}

/* ---- the table of unfinished calls ---- */

static void pend_drop(mr_reader *rd, struct pend *e, const char *why)
{
	warn(rd, e->first_line, 1, "unfinished %s call %s, dropped", e->buf,
	     why);
	mr_pend_delete(&rd->pt, e);
}

/* Compare leftover calls by line, for a deterministic report. */
static int cmp_first_line(const void *a, const void *b)
{
	const struct pend *x = *(const struct pend *const *)a;
	const struct pend *y = *(const struct pend *const *)b;

	return x->first_line < y->first_line ? -1
					     : x->first_line > y->first_line;
}

static int report_leftovers(mr_reader *rd)
{
	struct pend **v;
	size_t i, n = 0;

	if (!rd->pt.n)
		return 0;
	v = malloc(rd->pt.n * sizeof(*v));
	if (!v)
		return MR_ENOMEM;
	for (i = 0; i < rd->pt.cap; i++)
		if (rd->pt.v[i].used)
			v[n++] = &rd->pt.v[i];
	qsort(v, n, sizeof(*v), cmp_first_line);
	for (i = 0; i < n; i++)
		warn(rd, v[i]->first_line, 1,
		     "%s call never resumed before the end of the input, "
		     "dropped",
		     v[i]->buf);
	free(v);
	for (i = 0; i < rd->pt.cap; i++)
		rd->pt.v[i].used = 0;
	rd->pt.n = 0;
	return 0;
}

/* ---- open / free ---- */

/* A reader around the merge of strace -ff files M (owned). */
static int open_merged(mr_reader **out, struct mr_merge *m, char *errbuf,
		       size_t errlen)
{
	mr_reader *rd = calloc(1, sizeof(*rd));

	if (!rd) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: out of memory",
				 mr_merge_name(m));
		mr_merge_free(m);
		return MR_ENOMEM;
	}
	rd->mg = m;
	*out = rd;
	return 0;
}

int mr_reader_open_files(mr_reader **out, const char *const *paths, size_t n,
			 char *errbuf, size_t errlen)
{
	struct mr_merge *m;
	char name[4096];
	int rc;

	*out = NULL;
	if (n == 1)
		return mr_reader_open(out, paths[0], errbuf, errlen);
	snprintf(name, sizeof(name), "%s (and %zu more -ff files)", paths[0],
		 n - 1);
	rc = mr_merge_open(&m, name, paths, n, errbuf, errlen);
	return rc ? rc : open_merged(out, m, errbuf, errlen);
}

/*
 * PATH names strace -ff files when it is a directory, or when no file
 * has that name but PATH.TID files exist (or always, when FORCE): 1
 * (and the merge is opened, or failed with RC set), or 0 for a plain
 * file.
 */
static int open_ff(mr_reader **out, const char *path, int force, char *errbuf,
		   size_t errlen, int *rc)
{
	struct stat st;
	struct mr_merge *m = NULL;
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int found = stat(path, &st) == 0;

	if (found && S_ISDIR(st.st_mode)) {
		*rc = mr_merge_open_dir(&m, path, NULL, errbuf, errlen);
	} else if (force || (!found && errno == ENOENT && *path &&
			     !(slash && !slash[1]))) {
		snprintf(dir, sizeof(dir), "%.*s",
			 slash && slash > path ? (int)(slash - path) : 1,
			 slash ? (slash == path ? "/" : path) : ".");
		*rc = mr_merge_open_dir(&m, dir, slash ? slash + 1 : path,
					errbuf, errlen);
		/* neither a file nor NAME.TID files */
		if (*rc == 1) {
			*rc = MR_EIO;
			if (errbuf && errlen && force)
				snprintf(errbuf, errlen,
					 "%s: no strace -ff files %s.TID", path,
					 path);
			else if (errbuf && errlen)
				snprintf(errbuf, errlen, "%s: %s", path,
					 strerror(ENOENT));
		}
	} else {
		return 0;
	}
	if (*rc == 0)
		*rc = open_merged(out, m, errbuf, errlen);
	return 1;
}

int mr_format_parse(const char *s, int *fmt)
{
	static const char *const names[] = {
		[MR_FMT_AUTO] = "auto",
		[MR_FMT_STRACE] = "strace",
		[MR_FMT_STRACE_FF] = "strace-ff",
		[MR_FMT_MMTR] = "mmtr",
		[MR_FMT_PERF_TRACE] = "perf-trace",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(s, names[i])) {
			*fmt = (int)i;
			return 0;
		}
	return -1;
}

int mr_reader_open(mr_reader **out, const char *path, char *errbuf,
		   size_t errlen)
{
	return mr_reader_open_fmt(out, path, MR_FMT_AUTO, errbuf, errlen);
}

int mr_reader_open_fmt(mr_reader **out, const char *path, int fmt, char *errbuf,
		       size_t errlen)
{
	mr_reader *rd;
	int rc;

	*out = NULL;
	if ((fmt == MR_FMT_AUTO || fmt == MR_FMT_STRACE_FF) &&
	    open_ff(out, path, fmt == MR_FMT_STRACE_FF, errbuf, errlen, &rc))
		return rc;
	rd = calloc(1, sizeof(*rd));
	if (!rd) {
		rc = MR_ENOMEM;
		goto out_msg;
	}
	if (fmt == MR_FMT_MMTR || (fmt == MR_FMT_AUTO && mr_native_is(path))) {
		rc = mr_native_open(&rd->nat, path, errbuf, errlen);
		if (rc) {
			free(rd);
			return rc;
		}
		*out = rd;
		return 0;
	}
	rc = mr_zio_open(&rd->z, path, errbuf, errlen);
	if (rc)
		goto out_free_rd;
	mr_zio_set_expect(rd->z, "a strace line");
	rc = mr_symtab_new(&rd->sym);
	if (rc)
		goto out_free_rd_msg;
	rd->perf_forced = fmt == MR_FMT_PERF_TRACE;
	*out = rd;
	return 0;

out_free_rd_msg:
	mr_reader_free(rd);
out_msg:
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s: out of memory", path);
	return rc;
out_free_rd:
	mr_reader_free(rd);
	return rc;
}

void mr_reader_free(mr_reader *rd)
{
	if (!rd)
		return;
	mr_merge_free(rd->mg);
	mr_native_close(rd->nat);
	mr_pend_release(&rd->pt);
	free(rd->arena.p);
	free(rd->join);
	free(rd->closed_path);
	free(rd->fix);
	mr_pidset_free(&rd->live);
	mr_ptrace_free(rd->ptr);
	free(rd->perr.text);
	mr_symtab_free(rd->sym);
	mr_zio_free(rd->z);
	free(rd);
}

void mr_reader_force_pid(mr_reader *rd, int32_t pid)
{
	rd->force_pid = pid;
}

void mr_reader_close_input(mr_reader *rd)
{
	if (!rd->z)
		return;
	rd->closed_lines = mr_zio_lineno(rd->z);
	rd->closed_bytes = mr_zio_bytes_in(rd->z);
	rd->closed_path = strdup(mr_zio_path(rd->z));
	mr_zio_free(rd->z);
	rd->z = NULL;
}

void mr_reader_set_warn(mr_reader *rd, mr_reader_warn_fn fn, void *ctx)
{
	rd->warn = fn;
	rd->warn_ctx = ctx;
	if (rd->mg)
		mr_merge_set_warn(rd->mg, fn, ctx);
}

const char *mr_reader_errmsg(const mr_reader *rd)
{
	if (rd->nat)
		return mr_native_errmsg(rd->nat);
	return rd->mg && !rd->err[0] ? mr_merge_errmsg(rd->mg) : rd->err;
}

/* Sum of F over the readers of a merge. */
static uint64_t merged_sum(const mr_reader *rd,
			   uint64_t (*f)(const mr_reader *))
{
	const mr_reader *s;
	uint64_t n = 0;

	for (size_t i = 0; (s = mr_merge_reader(rd->mg, i)) != NULL; i++)
		n += f(s);
	return n;
}

uint64_t mr_reader_warnings(const mr_reader *rd)
{
	if (rd->nat)
		return mr_native_warnings(rd->nat);
	return rd->mg ? merged_sum(rd, mr_reader_warnings) : rd->nwarn;
}

uint64_t mr_reader_lines(const mr_reader *rd)
{
	if (rd->nat)
		return mr_native_lines(rd->nat);
	if (rd->mg)
		return merged_sum(rd, mr_reader_lines);
	return rd->z ? mr_zio_lineno(rd->z) : rd->closed_lines;
}

uint64_t mr_reader_bytes_in(const mr_reader *rd)
{
	if (rd->nat)
		return mr_native_bytes_in(rd->nat);
	if (rd->mg)
		return merged_sum(rd, mr_reader_bytes_in);
	return rd->z ? mr_zio_bytes_in(rd->z) : rd->closed_bytes;
}

const char *mr_reader_path(const mr_reader *rd)
{
	if (rd->nat)
		return mr_native_path(rd->nat);
	if (rd->mg)
		return mr_merge_name(rd->mg);
	if (!rd->z)
		return rd->closed_path ? rd->closed_path : "";
	return mr_zio_path(rd->z);
}

const char *mr_sysno_name(int sys)
{
	static const char *const names[MR_SYS__COUNT] = {
		[MR_SYS_OTHER] = "other",
		[MR_SYS_MMAP] = "mmap",
		[MR_SYS_MUNMAP] = "munmap",
		[MR_SYS_MPROTECT] = "mprotect",
		[MR_SYS_BRK] = "brk",
		[MR_SYS_MREMAP] = "mremap",
		[MR_SYS_MADVISE] = "madvise",
		[MR_SYS_MLOCK] = "mlock",
		[MR_SYS_MLOCK2] = "mlock2",
		[MR_SYS_MUNLOCK] = "munlock",
		[MR_SYS_MLOCKALL] = "mlockall",
		[MR_SYS_MUNLOCKALL] = "munlockall",
		[MR_SYS_CLONE] = "clone",
		[MR_SYS_CLONE3] = "clone3",
		[MR_SYS_FORK] = "fork",
		[MR_SYS_VFORK] = "vfork",
		[MR_SYS_EXECVE] = "execve",
		[MR_SYS_EXECVEAT] = "execveat",
		[MR_SYS_EXIT] = "exit",
		[MR_SYS_EXIT_GROUP] = "exit_group",
		[MR_SYS_OPEN] = "open",
		[MR_SYS_OPENAT] = "openat",
		[MR_SYS_CLOSE] = "close",
		[MR_SYS_DUP] = "dup",
		[MR_SYS_DUP2] = "dup2",
		[MR_SYS_UNLINK] = "unlink",
		[MR_SYS_UNLINKAT] = "unlinkat",
		[MR_SYS_MSEAL] = "mseal",
		[MR_SYS_MSYNC] = "msync",
		[MR_SYS_SHMGET] = "shmget",
		[MR_SYS_SHMAT] = "shmat",
		[MR_SYS_SHMDT] = "shmdt",
		[MR_SYS_SHMCTL] = "shmctl",
		[MR_SYS_PRCTL] = "prctl",
		[MR_SYS_RENAME] = "rename",
		[MR_SYS_RENAMEAT] = "renameat",
		[MR_SYS_REMAP_FILE_PAGES] = "remap_file_pages",
	};

	if (sys < 0 || sys >= MR_SYS__COUNT)
		return "?";
	return names[sys];
}

/* ---- the leader ---- */

/*
 * "HH:MM:SS[.frac]" (-t, -tt; since midnight) or "SECS[.frac]" (-ttt,
 * -r): the fraction is read by its digit count.
 */
static const char *parse_time(const char *p, const char *end, int64_t *ts)
{
	uint64_t a, m, s, frac = 0;
	int nd;

	nd = digits(&p, end, &a);
	if (!nd || nd > 10)
		return NULL;
	if (p < end && *p == ':') {
		p++;
		if (digits(&p, end, &m) != 2 || p >= end || *p != ':')
			return NULL;
		p++;
		if (digits(&p, end, &s) != 2 || a > 99 || m > 59 || s > 60)
			return NULL;
		a = (a * 60 + m) * 60 + s;
	}
	if (a > 9000000000ull)
		return NULL;
	if (p < end && *p == '.') {
		for (p++, nd = 0; p < end && mr_is_digit(*p); p++, nd++)
			if (nd < 9)
				frac = frac * 10 + (uint64_t)(*p - '0');
		if (nd == 0)
			return NULL;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (p < end && *p != ' ')
		return NULL;
	*ts = (int64_t)(a * 1000000000ull + frac);
	return p;
}

int mr_strace_line_time(const char *line, int64_t *ts)
{
	const char *end = line + strlen(line), *p, *q;
	uint64_t v;

	p = mr_skip_sp(line, end);
	if (mr_starts(p, end, "[pid ")) {
		q = memchr(p, ']', (size_t)(end - p));
		p = q ? mr_skip_sp(q + 1, end) : end;
	} else {
		q = p;
		if (digits(&q, end, &v) && v <= PID_MAX && q < end &&
		    *q == ' ') {
			q = mr_skip_sp(q, end);
			if (q < end && mr_is_digit(*q))
				p = q;
		}
	}
	if (p == end || !mr_is_digit(*p))
		return MR_TIME_NONE;
	q = parse_time(p, end, ts);
	if (!q)
		return MR_TIME_NONE;
	if (memchr(p, ':', (size_t)(q - p)))
		return MR_TIME_CLOCK;
	return *ts >= 100000000LL * 1000000000LL ? MR_TIME_UNIX
						 : MR_TIME_RELATIVE;
}

/* "[   9]" (-n), "[00007f...]" or "[????????????????]" (-i). */
static const char *skip_bracket_field(const char *p, const char *end)
{
	const char *q = p + 1;

	while (q < end && (mr_is_digit(*q) || (*q >= 'a' && *q <= 'f') ||
			   *q == ' ' || *q == '?'))
		q++;
	if (q == end || *q != ']' || q == p + 1 || q + 1 == end || q[1] != ' ')
		return NULL;
	return q + 2;
}

/*
 * The pid of a line without one. Under -f to stderr, "[pid N] " is
 * printed only while several tracees live, so such a line is the only
 * live one's; before any "[pid N]" line, the first tracee's, found by
 * reading ahead. Without -f (no "[pid N]" anywhere), 0.
 */
static int32_t unprefixed_pid(mr_reader *rd)
{
	if (rd->bracketed && rd->live.n == 1)
		return rd->live.v[0];
	if (!rd->sole_known) {
		rd->sole_known = 1;
		rd->sole = mr_stderr_first_pid(mr_zio_path(rd->z), rd->lno);
	}
	return rd->sole;
}

/* -Y's "<comm>" after a pid (a comm has no '>'): past it, or END. */
static const char *skip_comm(const char *q, const char *end)
{
	while (q < end && *q != '>')
		q++;
	return q < end ? q + 1 : end;
}

/* Leader: pid, time, -r delta, -n/-i fields. Returns the body. */
static const char *parse_leader(mr_reader *rd, const char *p, const char *end,
				mr_event *ev, int *rc)
{
	const char *q;
	uint64_t v;
	int nd, i, had_pid = 0;

	ev->pid = rd->force_pid;
	p = mr_skip_sp(p, end);
	if (mr_starts(p, end, "[pid ")) {
		q = mr_skip_sp(p + 5, end);
		nd = digits(&q, end, &v);
		if (q < end && *q == '<') /* -Y: "[pid  4004<ls>]" */
			q = skip_comm(q, end);
		if (!nd || v > PID_MAX || q >= end || *q != ']') {
			*rc = corrupt(rd, q, "a pid and ']'");
			return NULL;
		}
		ev->pid = (int32_t)v;
		p = mr_skip_sp(q + 1, end);
		rd->bracketed = 1;
		if (mr_pidset_add(&rd->live, ev->pid)) {
			*rc = MR_ENOMEM;
			return NULL;
		}
		had_pid = 1;
	} else if (p < end && mr_is_digit(*p)) {
		q = p;
		nd = digits(&q, end, &v);
		if (nd && v <= PID_MAX && q < end && (*q == ' ' || *q == '<')) {
			ev->pid = (int32_t)v;
			had_pid = 1;
			if (*q == '<') { /* -Y: "1234<comm>" */
				q = skip_comm(q, end);
				if (q == end) {
					*rc = corrupt(rd, p, "'pid<comm>'");
					return NULL;
				}
			}
			p = mr_skip_sp(q, end);
		}
	}
	if (p < end && mr_is_digit(*p)) {
		q = parse_time(p, end, &ev->ts_ns);
		if (!q) {
			*rc = corrupt(rd, p, "a timestamp");
			return NULL;
		}
		p = mr_skip_sp(q, end);
		if (mr_starts(p, end,
			      "(+")) { /* -r with -t: "(+     0.000039)" */
			q = memchr(p, ')', (size_t)(end - p));
			if (!q) {
				*rc = corrupt(rd, p, "'(+ delta)'");
				return NULL;
			}
			p = mr_skip_sp(q + 1, end);
		}
	}
	for (i = 0; i < 2 && p < end && *p == '['; i++) {
		q = skip_bracket_field(p, end);
		if (!q)
			break;
		p = mr_skip_sp(q, end);
	}
	if (!had_pid && !rd->force_pid && p < end)
		ev->pid = unprefixed_pid(rd);
	return p;
}

/* ---- results ---- */

/* -T: " <0.000021>" ending the line, in ns; -1 when there is none. */
static int64_t duration(const char *p, const char *end)
{
	const char *q;
	int64_t d;

	if (end - p < 4 || end[-1] != '>')
		return -1;
	q = memrchr(p, '<', (size_t)(end - p));
	if (!q || q == p || q[-1] != ' ' || !mr_is_digit(q[1]))
		return -1;
	if (parse_time(q + 1, end - 1, &d) != end - 1)
		return -1;
	return d;
}

/*
 * The result after "= ": value, -errno, "?"; a -y path; annotations.
 * Returns 0 or MR_ECORRUPT.
 */
static int parse_result(mr_reader *rd, const char *p, const char *end,
			mr_event *ev)
{
	const char *q, *n;
	uint64_t v;
	int64_t e;

	if (p < end && *p == '?') {
		ev->ret_kind = MR_RET_UNKNOWN;
		ev->ret = 0;
		p = mr_skip_sp(p + 1, end);
		if (p < end && *p == 'E') {
			for (n = p; n < end && mr_is_ident(*n); n++)
				;
			if (mr_sym_lookup(rd->sym, p, (size_t)(n - p),
					  MR_NS_ERRNO, &e))
				return corrupt(rd, p, "an errno name");
			ev->ret_kind = MR_RET_RESTART;
			ev->ret = -e;
			p = n;
		}
	} else {
		q = mr_strace_number(p, end, &v);
		if (!q || (q < end && *q != ' ' && *q != '<'))
			return corrupt(rd, p, "a return value");
		ev->ret_kind = MR_RET_VALUE;
		ev->ret = (int64_t)v;
		if (q < end && *q == '<') {
			q = mr_strace_decoration(q, end, &rd->arena,
						 &ev->ret_path);
			if (!q)
				return corrupt(rd, p, "a closed <path>");
		}
		p = mr_skip_sp(q, end);
		if (v == (uint64_t)-1 && p < end && *p == 'E') {
			for (n = p; n < end && mr_is_ident(*n); n++)
				;
			if (mr_sym_lookup(rd->sym, p, (size_t)(n - p),
					  MR_NS_ERRNO, &e))
				return corrupt(rd, p, "an errno name");
			ev->ret_kind = MR_RET_ERROR;
			ev->ret = -e;
			p = n;
		} else if (v == (uint64_t)-1 && mr_starts(p, end, "(errno ")) {
			q = p + 7;
			if (!digits(&q, end, &v) || q >= end || *q != ')' ||
			    v > 4095)
				return corrupt(rd, p, "'(errno N)'");
			ev->ret_kind = MR_RET_ERROR;
			ev->ret = -(int64_t)v;
			p = q + 1;
		}
	}
	/* The rest: "(strerror)", auxiliary text, annotations, "<dur>". */
	for (q = p; (q = memchr(q, '(', (size_t)(end - q))) != NULL; q++) {
		if (mr_starts(q, end, "(DELAYED)"))
			ev->flags |= MR_EVF_DELAYED;
		else if (mr_starts(q, end, "(INJECTED)"))
			ev->flags |= MR_EVF_INJECTED;
	}
	ev->dur_ns = duration(p - 1, end); /* p - 1: the space after '=' */
	return 0;
}

/* ---- line kinds ---- */

static int decode(mr_reader *rd, mr_event *ev, const char *args,
		  const char *args_end, int merged)
{
	struct mr_dec_err de = {NULL, NULL};
	char msg[160];
	int64_t sys;
	int rc;

	if (mr_sym_lookup(rd->sym, ev->name, strlen(ev->name), MR_NS_SYSCALL,
			  &sys))
		sys = MR_SYS_OTHER;
	ev->sys = (int)sys;
	rc = mr_strace_decode_args(ev, ev->sys, args, args_end, rd->sym,
				   &rd->arena, &de);
	if (rc == 0)
		return 0;
	if (!merged)
		return corrupt(rd, de.at, de.expect);
	snprintf(msg, sizeof(msg), "%s in the joined arguments of %s",
		 de.expect, ev->name);
	return corrupt(rd, NULL, msg);
}

/*
 * " <MARK>" ending the line, also in the proposed " <MARK #N>" form:
 * where it starts, or NULL.
 */
static const char *tail_mark(const char *p, const char *end, const char *mark)
{
	size_t n = strlen(mark);
	const char *q;

	if ((size_t)(end - p) < n + 3 || end[-1] != '>')
		return NULL;
	q = memrchr(p, '<', (size_t)(end - p));
	if (!q || q == p || q[-1] != ' ' || (size_t)(end - q) < n + 2 ||
	    memcmp(q + 1, mark, n) != 0)
		return NULL;
	p = q + 1 + n;
	if (end - p > 2 && p[0] == ' ' && p[1] == '#')
		for (p += 2; p < end && mr_is_digit(*p); p++)
			;
	return p == end - 1 ? q - 1 : NULL;
}

static int syscall_line(mr_reader *rd, char *p, char *end, mr_event *ev)
{
	char *name = p, *args, *close;
	const char *sfx;
	struct pend *e;
	uint64_t target = 0;
	int rc;

	while (p < end && mr_is_ident(*p))
		p++;
	if (p == name || p == end || *p != '(' || mr_is_digit(*name))
		return corrupt(rd, name,
			       "a strace line (a syscall name and '(')");
	args = p + 1;
	if (!rd->in_repair) /* its first reading noted it */
		mr_said_note(&rd->said, name, (size_t)(p - name), args, end);

	sfx = tail_mark(args, end, "unfinished ...");
	if (!sfx && ends(args, end, " ...>") &&
	    (sfx = strstr(args, " <pid changed to ")) != NULL) {
		const char *q = sfx + 17;

		if (!digits(&q, end, &target) || target > PID_MAX ||
		    q != end - 5)
			return corrupt(rd, sfx, "'<pid changed to N ...>'");
	}
	if (!sfx && tail_mark(args, end, "detached ...")) {
		warn(rd, rd->lno, 1,
		     "%.*s call cut by strace detaching, skipped",
		     (int)(p - name), name);
		return 0;
	}
	if (sfx) {
		/* First half: wait for "<... name resumed>". */
		if (mr_pend_reserve(&rd->pt))
			return MR_ENOMEM;
		e = mr_pend_find(&rd->pt, ev->pid);
		if (e)
			pend_drop(rd, e, "superseded by a new call of its pid");
		e = mr_pend_insert(&rd->pt, ev->pid);
		e->target = (int32_t)target;
		if (target || ev->pid == 0)
			rd->odd_pends++;
		e->first_line = rd->lno;
		e->ts_ns = ev->ts_ns;
		if (mr_pend_set(e, name, (size_t)(p - name), args,
				(size_t)(sfx - args)))
			return MR_ENOMEM;
		return 0;
	}

	close = (char *)mr_strace_find_close(args, end);
	if (!close)
		return corrupt(rd, end, "')' and ' = ' and a result");
	if (arena_for(rd, (size_t)(end - name)))
		return MR_ENOMEM;
	p = (char *)mr_skip_sp(close + 1, end) + 2;
	rc = parse_result(rd, p, end, ev);
	if (rc)
		return rc;
	args[-1] = '\0'; /* the '(' */
	*close = '\0';
	ev->kind = MR_EV_SYSCALL;
	ev->name = name;
	ev->args = args;
	ev->line = rd->lno;
	ev->first_line = rd->lno;
	rc = decode(rd, ev, args, close, 0);
	return rc ? rc : 1;
}

static int is_exit_call(const char *name)
{
	return strcmp(name, "exit") == 0 || strcmp(name, "exit_group") == 0;
}

/* The unfinished call a "<... NAME resumed>" line of PID completes. */
static struct pend *resume_lookup(mr_reader *rd, int32_t pid, const char *name,
				  size_t nlen)
{
	struct pend *e = mr_pend_find(&rd->pt, pid), *s, *best = NULL;
	int exec = (nlen == 6 && memcmp(name, "execve", 6) == 0) ||
		   (nlen == 8 && memcmp(name, "execveat", 8) == 0);
	size_t i;

	if (e)
		return e;
	if (!exec && pid != 0 && !rd->odd_pends)
		return NULL; /* the usual -f -o capture: no scan */
	/*
	 * Not under its own pid: a thread's execve resumed by the leader
	 * ("<pid changed to N ...>", or "+++ superseded" suppressed by -qqq),
	 * or lines of strace -f to stderr, where the "[pid N]" prefix comes
	 * and goes with the number of tracees. Oldest match wins.
	 */
	for (i = 0; i < rd->pt.cap; i++) {
		s = &rd->pt.v[i];
		if (!s->used || s->name_len != nlen ||
		    memcmp(s->buf, name, nlen) != 0)
			continue;
		if ((pid && s->target == pid) || exec || pid == 0 ||
		    s->pid == 0)
			if (!best || s->first_line < best->first_line)
				best = s;
	}
	return best;
}

static int resumed_line(mr_reader *rd, char *p, char *end, mr_event *ev)
{
	char *name = p + 5, *n = name, *rest, *close, *j;
	struct pend *e;
	size_t nlen, alen, need;
	int rc;

	while (n < end && mr_is_ident(*n))
		n++;
	nlen = (size_t)(n - name);
	if (!nlen || !mr_starts(n, end, " resumed"))
		return corrupt(rd, n, "'<... name resumed>'");
	rest = memchr(n, '>', (size_t)(end - n)); /* also "resumed #N>" */
	if (!rest)
		return corrupt(rd, n, "'>' after 'resumed'");
	rest++;
	e = resume_lookup(rd, ev->pid, name, nlen);
	if (tail_mark(rest, end, "detached ...")) {
		if (e)
			pend_drop(rd, e, "cut by strace detaching");
		return 0;
	}
	if (!e) {
		warn(rd, rd->lno, col_of(rd, p),
		     "resumed %.*s without an unfinished start, skipped",
		     (int)nlen, name);
		return 0;
	}
	if (e->name_len != nlen || memcmp(e->buf, name, nlen) != 0) {
		warn(rd, rd->lno, col_of(rd, p),
		     "resumed %.*s but pid %d left %s unfinished (line %llu), "
		     "skipped",
		     (int)nlen, name, (int)ev->pid, e->buf,
		     (unsigned long long)e->first_line);
		return 0;
	}
	close = (char *)mr_strace_find_close(rest, end);
	if (!close)
		return corrupt(rd, end, "')' and ' = ' and a result");

	/* "name\0" + first half's args + the rest of them + "\0" */
	alen = e->args_len + (size_t)(close - rest);
	need = nlen + alen + 2;
	if (reserve(&rd->join, &rd->join_cap, need) ||
	    arena_for(rd, need + (size_t)(end - rest)))
		return MR_ENOMEM;
	j = rd->join;
	memcpy(j, e->buf, nlen + 1 + e->args_len);
	memcpy(j + nlen + 1 + e->args_len, rest, (size_t)(close - rest));
	while (alen && j[nlen + alen] == ' ') /* old "<... resumed> )" */
		alen--;
	j[nlen + 1 + alen] = '\0';

	rc = parse_result(rd, mr_skip_sp(close + 1, end) + 2, end, ev);
	if (rc)
		return rc;
	ev->kind = MR_EV_SYSCALL;
	ev->name = j;
	ev->args = j + nlen + 1;
	ev->line = rd->lno;
	ev->first_line = e->first_line;
	ev->flags |= MR_EVF_MERGED;
	if (e->ts_ns >= 0)
		ev->ts_ns = e->ts_ns;
	if (ev->pid == 0)
		ev->pid = e->pid;
	mr_pend_delete(&rd->pt, e);
	rc = decode(rd, ev, ev->args, ev->args + alen, 1);
	return rc ? rc : 1;
}

/* "--- SIGSEGV {si_signo=..., si_code=..., si_addr=...} ---" */
static int signal_line(mr_reader *rd, char *p, char *end, mr_event *ev)
{
	char *name = p + 4, *n, *inner;
	const char *v;
	uint64_t x;

	ev->kind = MR_EV_SIGNAL;
	if (!ends(name, end, " ---"))
		return corrupt(rd, end, "' ---' closing the signal line");
	end -= 4;
	if (mr_starts(name, end, "stopped by ")) {
		ev->flags |= MR_EVF_STOPPED;
		name += 11;
	}
	for (n = name; n < end && mr_is_ident(*n); n++)
		;
	if (mr_strace_signo(rd->sym, name, (size_t)(n - name), &ev->signo))
		return corrupt(rd, name, "a signal name");
	inner = (char *)mr_skip_sp(n, end);
	if (!(ev->flags & MR_EVF_STOPPED)) {
		v = memmem(inner, (size_t)(end - inner), "si_code=", 8);
		if (v) {
			if (!mr_strace_expr(rd->sym, v + 8, end, MR_NS_SICODE,
					    &x))
				return corrupt(rd, v + 8, "an si_code value");
			ev->si_code = (int)(int64_t)x;
		}
		v = memmem(inner, (size_t)(end - inner), "si_addr=", 8);
		if (v) {
			if (!mr_strace_expr(rd->sym, v + 8, end, 0, &x))
				return corrupt(rd, v + 8, "an si_addr value");
			ev->si_addr = x;
		}
	}
	*end = '\0';
	*n = '\0';
	ev->name = name;
	ev->args = inner;
	ev->line = rd->lno;
	ev->first_line = rd->lno;
	return 1;
}

/* Move the unfinished call of pid FROM to pid TO (a thread's execve). */
static int pend_move(mr_reader *rd, int32_t from, int32_t to)
{
	struct pend *src, *dst, tmp;

	if (mr_pend_reserve(&rd->pt))
		return MR_ENOMEM;
	if (from == to || !mr_pend_find(&rd->pt, from))
		return 0;
	dst = mr_pend_find(&rd->pt, to);
	if (dst)
		pend_drop(rd, dst, "left behind by a thread's execve");
	src = mr_pend_find(&rd->pt, from);
	dst = mr_pend_insert(&rd->pt, to);
	tmp = *dst;
	*dst = *src;
	dst->pid = to;
	dst->target = 0;
	src->buf = tmp.buf;
	src->cap = tmp.cap;
	mr_pend_delete(&rd->pt, src);
	return 0;
}

/* "+++ exited with 3 +++", "+++ killed by SIGKILL +++", "+++ superseded" */
static int exit_line(mr_reader *rd, char *p, char *end, mr_event *ev)
{
	char *in = p + 4, *q;
	const char *c;
	struct pend *e;
	uint64_t v;
	int rc;

	if (!ends(in, end, " +++"))
		return corrupt(rd, end, "' +++' closing the exit line");
	end -= 4;
	if (mr_starts(in, end, "exited with ")) {
		c = in + 12;
		if (c < end && *c == '-')
			c++;
		if (!digits(&c, end, &v) || c != end || v > 0xffffffffu)
			return corrupt(rd, in + 12, "an exit status");
		ev->kind = MR_EV_EXIT;
		ev->exit_code = in[12] == '-' ? -(int)v : (int)v;
	} else if (mr_starts(in, end, "killed by ")) {
		q = in + 10;
		while (q < end && mr_is_ident(*q))
			q++;
		if (mr_strace_signo(rd->sym, in + 10, (size_t)(q - in - 10),
				    &ev->signo))
			return corrupt(rd, in + 10, "a signal name");
		if (mr_starts(q, end, " (core dumped)")) {
			ev->core_dumped = 1;
			q += 14;
		}
		if (q != end)
			return corrupt(rd, q, "' +++' after the signal");
		ev->kind = MR_EV_KILLED;
	} else if (mr_starts(in, end, "superseded by execve in pid ")) {
		c = in + 28;
		if (!digits(&c, end, &v) || c != end || v > PID_MAX)
			return corrupt(rd, in + 28, "a pid");
		ev->kind = MR_EV_SUPERSEDED;
		ev->exit_code = (int)v;
	} else {
		return corrupt(rd, in,
			       "'exited with', 'killed by' or 'superseded by'");
	}
	*end = '\0';
	ev->name = in + (end - in); /* "" */
	ev->args = in;
	ev->line = rd->lno;
	ev->first_line = rd->lno;
	if (ev->kind == MR_EV_SUPERSEDED) {
		rc = pend_move(rd, ev->exit_code, ev->pid);
		return rc ? rc : 1;
	}

	e = mr_pend_find(&rd->pt, ev->pid);
	if (!e)
		return 1;
	if (!is_exit_call(e->buf)) {
		pend_drop(rd, e, "cut by the end of its process");
		return 1;
	}
	/* exit/exit_group never resumed: it completed, with "= ?". */
	rd->deferred = *ev;
	rd->has_deferred = 1;
	if (reserve(&rd->join, &rd->join_cap, e->name_len + e->args_len + 2) ||
	    arena_for(rd, e->args_len))
		return MR_ENOMEM;
	memcpy(rd->join, e->buf, e->name_len + e->args_len + 2);
	ev->kind = MR_EV_SYSCALL;
	ev->name = rd->join;
	ev->args = rd->join + e->name_len + 1;
	ev->first_line = e->first_line;
	ev->ts_ns = e->ts_ns;
	ev->ret_kind = MR_RET_UNKNOWN;
	ev->exit_code = 0;
	ev->signo = 0;
	ev->core_dumped = 0;
	mr_pend_delete(&rd->pt, e);
	rc = decode(rd, ev, ev->args, ev->args + strlen(ev->args), 1);
	return rc ? rc : 1;
}

static int parse_line(mr_reader *rd, char *s, char *end, mr_event *ev)
{
	char *p;
	int rc = 0;

	if (rd->summary)
		return 0;
	p = (char *)parse_leader(rd, s, end, ev, &rc);
	if (!p)
		return rc;
	if (p == end)
		return 0; /* blank */
	switch (*p) {
	case '-':
		if (mr_starts(p, end, "--- "))
			return signal_line(rd, p, end, ev);
		break;
	case '+':
		if (mr_starts(p, end, "+++ ")) {
			const mr_event *x;

			rc = exit_line(rd, p, end, ev);
			x = rd->has_deferred ? &rd->deferred : ev;
			if (rc == 1)
				mr_pidset_del(&rd->live,
					      x->kind == MR_EV_SUPERSEDED
						      ? x->exit_code
						      : x->pid);
			return rc;
		}
		break;
	case '<':
		if (mr_starts(p, end, "<... "))
			return resumed_line(rd, p, end, ev);
		if (mr_starts(p, end, "<detached ...>")) {
			struct pend *e = mr_pend_find(&rd->pt, ev->pid);

			if (e)
				pend_drop(rd, e, "cut by strace detaching");
			return 0;
		}
		break;
	case 's':
		if (mr_starts(p, end, "strace: ")) {
			int32_t v;

			/* "strace: Process N attached" */
			if (mr_notice_attached(p, end, &v) &&
			    mr_pidset_add(&rd->live, v))
				return MR_ENOMEM;
			return 0;
		}
		break;
	case '[':
		if (mr_starts(p, end, "[ Process PID=")) {
			warn(rd, rd->lno, col_of(rd, p),
			     "personality change (%s), skipped: calls of "
			     "other ABIs are not decoded",
			     p);
			return 0;
		}
		break;
	case '>':
		if (mr_starts(p, end, "> "))
			return 0; /* -k stack frame */
		break;
	case '%':
		if (mr_starts(p, end, "% time")) {
			rd->summary = 1;
			warn(rd, rd->lno, 1,
			     "strace -c summary table, skipped to the end");
			return 0;
		}
		break;
	}
	return syscall_line(rd, p, end, ev);
}

/*
 * A line that did not parse (the error is set) may have been cut by
 * something else written to the same terminal: strace's own notice
 * ("strace: Process N attached") or a tracee's output (the data of a
 * write() to fd 1 or 2 the trace showed). Cut that off the end, join the
 * next line (the rest of the trace line) and parse again; a line that is
 * all tracee output is skipped. Returns parse_line()'s result, or the
 * first error when this does not explain the line.
 */
static int repair(mr_reader *rd, char *line, size_t len, mr_event *ev)
{
	char err[sizeof(rd->err)], expect[sizeof(rd->expect)];
	const char *q = mr_skip_sp(line, line + len);
	uint64_t lno = rd->lno, v64;
	int rc = MR_ECORRUPT;

	/* only where strace shared a stream with others: not in a file of
	 * -o (a pid column) or -ff */
	if (rd->force_pid || (digits(&q, line + len, &v64) && q < line + len &&
			      (*q == ' ' || *q == '<')))
		return MR_ECORRUPT;
	memcpy(err, rd->err, sizeof(err));
	memcpy(expect, rd->expect, sizeof(expect));
	if (mr_said_tail(&rd->said, line, len, 1) == 0) {
		warn(rd, lno, 1,
		     "a tracee's output, not a trace line: skipped");
		return 0;
	}
	for (int round = 0; round < 4 && rc == MR_ECORRUPT; round++) {
		const char *s, *end = line + len, *notice = NULL;
		long cut;
		char *next;
		size_t nlen;
		int32_t v;

		for (s = line;
		     (s = memmem(s, (size_t)(end - s), "strace: ", 8)) != NULL;
		     s += 8)
			notice = s;
		if (notice && notice > line &&
		    mr_starts(notice, end, "strace: Process ")) {
			cut = notice - line;
			if (mr_notice_attached(notice, end, &v) &&
			    mr_pidset_add(&rd->live, v))
				return MR_ENOMEM;
		} else {
			cut = mr_said_tail(&rd->said, line, len, 0);
		}
		if (cut <= 0)
			break;
		if (reserve(&rd->fix, &rd->fix_cap, (size_t)cut + 1))
			return MR_ENOMEM;
		memmove(rd->fix, line, (size_t)cut);
		/* the rest of the line, after whole lines of output */
		for (;;) {
			rc = mr_zio_getline(rd->z, &next, &nlen);
			if (rc != 1) {
				rc = MR_ECORRUPT;
				goto out;
			}
			if (memchr(next, '\033', nlen))
				nlen = mr_strip_ansi(next, nlen);
			if (mr_said_tail(&rd->said, next, nlen, 1) != 0)
				break;
			warn(rd, mr_zio_lineno(rd->z), 1,
			     "a tracee's output, not a trace line: skipped");
		}
		if (reserve(&rd->fix, &rd->fix_cap, (size_t)cut + nlen + 1))
			return MR_ENOMEM;
		memcpy(rd->fix + cut, next, nlen);
		rd->fix[cut + nlen] = '\0';
		line = rd->fix;
		len = (size_t)cut + nlen;
		rd->line = line;
		rd->lno = lno;
		memset(ev, 0, sizeof(*ev));
		ev->ts_ns = -1;
		ev->dur_ns = -1;
		rd->in_repair = 1;
		rc = parse_line(rd, line, line + len, ev);
		rd->in_repair = 0;
		if (rc == MR_ECORRUPT && round == 0) {
			/* not the rest of this line after all: the next line
			 * is read again on its own */
			mr_zio_unget(rd->z);
			break;
		}
	}
out:
	if (rc == MR_ECORRUPT) {
		memcpy(rd->err, err, sizeof(err));
		memcpy(rd->expect, expect, sizeof(expect));
		rd->lno = lno;
	}
	return rc;
}

/*
 * The first line is not strace's: say what it is when it is another
 * tool's text that users give by mistake.
 */
static void name_other_format(mr_reader *rd, const char *line, size_t len)
{
	const char *p = mr_skip_sp(line, line + len);
	size_t n = strlen(rd->err);

	/* perf script: "comm tid/pid [cpu] time: event: fields" */
	if (memmem(p, len, "] ", 2) &&
	    (memmem(p, len, " raw_syscalls:", 14) ||
	     memmem(p, len, " exceptions:", 12) ||
	     memmem(p, len, " kmem:", 6) || memmem(p, len, " filemap:", 9)) &&
	    n + 16 < sizeof(rd->err))
		snprintf(rd->err + n, sizeof(rd->err) - n,
			 " (this is `perf script` text: give it with --perf "
			 "FILE beside the strace trace it goes with)");
}

/* --lenient: count the malformed line just read, by what was expected,
 * and keep the first messages. */
static void skip_bad(mr_reader *rd)
{
	size_t i;

	if (rd->nbad < MR_READER_FIRST)
		snprintf(rd->first[rd->nbad], sizeof(rd->first[0]), "%s",
			 rd->err);
	rd->nbad++;
	for (i = 0; i < rd->nkinds; i++)
		if (!strcmp(rd->kinds[i].expect, rd->expect))
			break;
	if (i == MR_READER_KINDS) {
		i = MR_READER_KINDS - 1; /* the last slot counts the rest */
	} else if (i == rd->nkinds) {
		snprintf(rd->kinds[i].expect, sizeof(rd->kinds[i].expect), "%s",
			 i == MR_READER_KINDS - 1 ? "something else (more kinds)"
						  : rd->expect);
		rd->nkinds++;
	}
	rd->kinds[i].n++;
}

void mr_reader_set_lenient(mr_reader *rd, int on)
{
	rd->lenient = on;
	if (rd->mg)
		mr_merge_set_lenient(rd->mg, on);
}

uint64_t mr_reader_malformed(const mr_reader *rd)
{
	return rd->mg ? merged_sum(rd, mr_reader_malformed) : rd->nbad;
}

void mr_reader_malformed_report(const mr_reader *rd, FILE *out)
{
	struct bad_kind kinds[MR_READER_KINDS];
	const mr_reader *s;
	size_t i, j, nk = 0, nfirst = 0;
	uint64_t total = mr_reader_malformed(rd);

	if (!total)
		return;
	fprintf(out, "malformed lines skipped (--lenient): %llu\n",
		(unsigned long long)total);
	if (!rd->mg) {
		for (i = 0; i < rd->nkinds; i++)
			fprintf(out, "  %llu expected %s\n",
				(unsigned long long)rd->kinds[i].n,
				rd->kinds[i].expect);
		for (i = 0; i < rd->nbad && i < MR_READER_FIRST; i++)
			fprintf(out, "  %s\n", rd->first[i]);
		return;
	}
	/* -ff files: kinds summed over the files, first messages in the
	 * order the files were opened */
	for (j = 0; (s = mr_merge_reader(rd->mg, j)) != NULL; j++)
		for (i = 0; i < s->nkinds; i++) {
			size_t k;

			for (k = 0; k < nk; k++)
				if (!strcmp(kinds[k].expect,
					    s->kinds[i].expect))
					break;
			if (k == nk && nk == MR_READER_KINDS)
				k = nk - 1;
			else if (k == nk)
				kinds[nk++] = (struct bad_kind){.n = 0};
			if (!kinds[k].n)
				memcpy(kinds[k].expect, s->kinds[i].expect,
				       sizeof(kinds[k].expect));
			kinds[k].n += s->kinds[i].n;
		}
	for (i = 0; i < nk; i++)
		fprintf(out, "  %llu expected %s\n",
			(unsigned long long)kinds[i].n, kinds[i].expect);
	for (j = 0; (s = mr_merge_reader(rd->mg, j)) != NULL; j++)
		for (i = 0; i < s->nbad && i < MR_READER_FIRST &&
			    nfirst < MR_READER_FIRST;
		     i++, nfirst++)
			fprintf(out, "  %s\n", s->first[i]);
}

/*
 * perf trace text: line LINE is read into the window of perf_trace.c;
 * 1 and *EV when the window gives a call, 0 when it gives none yet.
 */
static int perf_line(mr_reader *rd, char *line, size_t len, mr_event *ev)
{
	int rc = mr_ptrace_line(rd->ptr, line, line + len, rd->lno, &rd->perr);

	if (rd->perr.warn[0])
		warn(rd, rd->lno, 1, "%s", rd->perr.warn);
	if (rc == MR_ECORRUPT)
		return corrupt(rd, rd->perr.at, rd->perr.expect);
	if (rc < 0)
		return rc;
	if (rc == 1 && mr_ptrace_pop(rd->ptr, 0, ev)) {
		rd->nevents++;
		return 1;
	}
	return 0;
}

/* The end of perf trace text: the window's calls, then 0. */
static int perf_end(mr_reader *rd, mr_event *ev)
{
	if (mr_ptrace_pop(rd->ptr, 1, ev)) {
		rd->nevents++;
		return 1;
	}
	if (!rd->done) {
		rd->done = 1;
		if (mr_ptrace_faults(rd->ptr))
			warn(rd, rd->lno, 1,
			     "%llu page fault lines of perf trace skipped: "
			     "they say neither read nor write (docs/formats.md)",
			     (unsigned long long)mr_ptrace_faults(rd->ptr));
		if (mr_ptrace_unfinished(rd->ptr))
			warn(rd, rd->lno, 1,
			     "%zu calls of perf trace left unfinished at the "
			     "end ('...' with no '[continued]'), skipped",
			     mr_ptrace_unfinished(rd->ptr));
		if (mr_ptrace_late(rd->ptr))
			warn(rd, rd->lno, 1,
			     "%llu calls came more than %d calls after their "
			     "turn and were applied late: record with perf "
			     "trace --sort-events (docs/formats.md)",
			     (unsigned long long)mr_ptrace_late(rd->ptr),
			     MR_PT_WINDOW);
	}
	return 0;
}

int mr_reader_next(mr_reader *rd, mr_event *ev)
{
	char *line;
	size_t len;
	int rc;

	if (rd->failed)
		return rd->failed;
	if (rd->mg || rd->nat) {
		rc = rd->mg ? mr_merge_next(rd->mg, ev)
			    : mr_native_next(rd->nat, ev);
		if (rc < 0)
			rd->failed = rc;
		return rc;
	}
	if (rd->has_deferred) {
		*ev = rd->deferred;
		rd->has_deferred = 0;
		return 1;
	}
	for (;;) {
		rc = mr_zio_getline(rd->z, &line, &len);
		if (rc < 0) {
			snprintf(rd->err, sizeof(rd->err), "%s",
				 mr_zio_errmsg(rd->z));
			rd->failed = rc;
			return rc;
		}
		if (rc == 0) {
			if (rd->ptr)
				return perf_end(rd, ev);
			if (!rd->done) {
				rd->done = 1;
				rc = report_leftovers(rd);
				if (rc)
					goto out_nomem;
			}
			return 0;
		}
		if (memchr(line, '\033', len))
			len = mr_strip_ansi(line, len);
		rd->line = line;
		rd->lno = mr_zio_lineno(rd->z);
		if (!rd->kind_known &&
		    mr_skip_sp(line, line + len) < line + len) {
			rd->kind_known = 1;
			if ((rd->perf_forced ||
			     mr_ptrace_is_line(line, line + len)) &&
			    mr_ptrace_new(&rd->ptr, rd->sym))
				goto out_nomem;
		}
		if (rd->ptr) {
			rc = perf_line(rd, line, len, ev);
			if (rc == 1)
				return 1;
			if (rc == 0)
				continue;
			goto bad;
		}
		memset(ev, 0, sizeof(*ev));
		ev->ts_ns = -1;
		ev->dur_ns = -1;
		rc = parse_line(rd, line, line + len, ev);
		if (rc == MR_ECORRUPT && !rd->nevents)
			name_other_format(rd, line, len);
		if (rc == MR_ECORRUPT)
			rc = repair(rd, line, len, ev);
		if (rc == 1) {
			rd->nevents++;
			/* a child is alive from its clone's return (-q prints
			 * no notice of it) */
			if (ev->kind == MR_EV_SYSCALL &&
			    ev->ret_kind == MR_RET_VALUE && ev->ret > 0 &&
			    ev->ret <= PID_MAX &&
			    (ev->sys == MR_SYS_CLONE ||
			     ev->sys == MR_SYS_CLONE3 ||
			     ev->sys == MR_SYS_FORK ||
			     ev->sys == MR_SYS_VFORK) &&
			    mr_pidset_add(&rd->live, (int32_t)ev->ret))
				goto out_nomem;
			return 1;
		}
		if (rc == 0)
			continue;
	bad:
		rd->has_deferred = 0;
		if (rc == MR_ECORRUPT && rd->lno > 1 &&
		    !mr_zio_last_had_newline(rd->z)) {
			warn(rd, rd->lno, 1, "truncated last line skipped (%s)",
			     rd->err);
			continue;
		}
		if (rc == MR_ENOMEM)
			goto out_nomem;
		if (rc == MR_ECORRUPT && rd->lenient) {
			skip_bad(rd);
			continue;
		}
		rd->failed = rc;
		return rc;
	}

out_nomem:
	snprintf(rd->err, sizeof(rd->err), "%s:%llu: out of memory",
		 mr_zio_path(rd->z), (unsigned long long)rd->lno);
	rd->failed = MR_ENOMEM;
	return MR_ENOMEM;
}
