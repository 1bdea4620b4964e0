/*
 * strace_ff.c - `strace -ff -o NAME` captures: one file per tid
 * (NAME.TID, or NAME.TID.zst), no pid column, merged here into one event
 * stream as if strace had written them to one file.
 *
 * Each file is read by its own strace reader with the file's tid as the
 * pid of its lines. Events come out in the order of their end: the
 * line's time plus its -T duration (the moment strace saw the syscall
 * return, which is when `-f -o FILE` would have printed it), then by tid,
 * then by file name; without -T the time alone. Files without times
 * cannot be ordered and are refused.
 *
 * Files are opened lazily: all events of a file end at or after the time
 * of its first line (its lines are in time order), so a file is opened
 * only when the merge reaches that time, and closed at its end. Open
 * files are then the threads alive at once, not every thread the trace
 * ever had.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/errcode.h"
#include "formats/formats_int.h"
#include "formats/reader.h"

struct ff_file {
	char *path;	  /* NAME.TID[.zst] */
	int32_t tid;	  /* from the name */
	int64_t first_ts; /* the first line's time */
};

struct ff_sub {
	mr_reader *rd; /* reading file f */
	size_t f;      /* index in files */
	int64_t key;   /* its peeked event's end time */
	mr_event ev;   /* the peeked event (strings lent by rd) */
};

struct mr_merge {
	char *name;		/* NAME, for messages */
	struct ff_file *files;	/* by first_ts, tid, path */
	size_t nfiles;		/* how many */
	size_t next;		/* files[next..] not opened yet */
	struct ff_sub *heap;	/* open files with a peeked event */
	size_t nheap;		/* how many */
	mr_reader *taken;	/* its event was returned: advance it next */
	size_t taken_f;		/* its file */
	mr_reader **done;	/* readers at their end, kept for counts */
	size_t ndone;		/* how many */
	mr_reader_warn_fn warn; /* installed on every reader */
	void *warn_ctx;		/* its context */
	int lenient;		/* --lenient, on every reader */
	char err[1024];		/* the error */
};

/* ---- naming ---- */

/*
 * "NAME.TID" or "NAME.TID.zst": the length of NAME and the tid, or -1
 * when BASE is not such a name.
 */
static int ff_split(const char *base, size_t *name_len, int32_t *tid)
{
	size_t n = strlen(base), e = n;
	uint64_t v = 0;
	size_t i;

	if (n > 4 && !strcmp(base + n - 4, ".zst"))
		e = n - 4;
	for (i = e; i > 0 && base[i - 1] >= '0' && base[i - 1] <= '9'; i--)
		;
	if (i == e || i < 2 || base[i - 1] != '.' || e - i > 7)
		return -1;
	for (size_t j = i; j < e; j++)
		v = v * 10 + (uint64_t)(base[j] - '0');
	if (!v || v > 4194304)
		return -1;
	*name_len = i - 1;
	*tid = (int32_t)v;
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	const struct ff_file *x = a, *y = b;

	if (x->first_ts != y->first_ts)
		return x->first_ts < y->first_ts ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int cmp_tid(const void *a, const void *b)
{
	const struct ff_file *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Later key first out of the heap? (min-heap on key, tid, file) */
static int sub_less(const struct mr_merge *m, const struct ff_sub *a,
		    const struct ff_sub *b)
{
	if (a->key != b->key)
		return a->key < b->key;
	if (m->files[a->f].tid != m->files[b->f].tid)
		return m->files[a->f].tid < m->files[b->f].tid;
	return a->f < b->f;
}

static void heap_up(struct mr_merge *m, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct ff_sub t;

		if (!sub_less(m, &m->heap[i], &m->heap[p]))
			break;
		t = m->heap[i];
		m->heap[i] = m->heap[p];
		m->heap[p] = t;
		i = p;
	}
}

static void heap_down(struct mr_merge *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i;
		struct ff_sub t;

		if (l < m->nheap && sub_less(m, &m->heap[l], &m->heap[s]))
			s = l;
		if (r < m->nheap && sub_less(m, &m->heap[r], &m->heap[s]))
			s = r;
		if (s == i)
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[s];
		m->heap[s] = t;
		i = s;
	}
}

/* ---- open ---- */

static int fail(struct mr_merge *m, int rc, const char *fmt, const char *a,
		const char *b)
{
	snprintf(m->err, sizeof(m->err), fmt, a, b);
	return rc;
}

/* The first line's time of file F, or an error naming it. */
static int first_time(struct mr_merge *m, struct ff_file *f)
{
	char line[512];
	int form;

	if (mr_trace_line(f->path, 1, line, sizeof(line)) < 0)
		return fail(m, MR_EIO, "%s: cannot read its first line (%s)",
			    f->path,
			    errno ? strerror(errno) : "the file is empty");
	form = mr_strace_line_time(line, &f->first_ts);
	if (form == MR_TIME_CLOCK || form == MR_TIME_UNIX)
		return 0;
	return fail(m, MR_ECORRUPT,
		    "%s:1:1: expected a time (-t, -tt or -ttt) at the start "
		    "of the line: strace -ff files are merged by time, "
		    "%s",
		    f->path,
		    form == MR_TIME_RELATIVE
			    ? "and -r times are relative to each file's "
			      "previous line"
			    : "and this one has none");
}

int mr_merge_open(struct mr_merge **out, const char *name,
		  const char *const *paths, size_t n, char *errbuf,
		  size_t errlen)
{
	struct mr_merge *m;
	int rc = MR_ENOMEM;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		goto out_nomem;
	m->name = strdup(name);
	m->files = calloc(n ? n : 1, sizeof(*m->files));
	m->heap = calloc(n ? n : 1, sizeof(*m->heap));
	m->done = calloc(n ? n : 1, sizeof(*m->done));
	if (!m->name || !m->files || !m->heap || !m->done)
		goto out_free;
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(paths[i], '/');
		struct ff_file *f = &m->files[m->nfiles];
		size_t nl;

		base = base ? base + 1 : paths[i];
		if (ff_split(base, &nl, &f->tid)) {
			rc = fail(m, MR_EIO,
				  "%s: not a strace -ff file: expected a "
				  "name ending in .TID (NAME.TID or "
				  "NAME.TID.zst)%s",
				  paths[i], "");
			goto out_free;
		}
		f->path = strdup(paths[i]);
		if (!f->path)
			goto out_free;
		m->nfiles++;
		rc = first_time(m, f);
		if (rc)
			goto out_free;
	}
	/* by tid first, to find two files of one tid */
	qsort(m->files, m->nfiles, sizeof(*m->files), cmp_tid);
	for (size_t i = 1; i < m->nfiles; i++)
		if (m->files[i].tid == m->files[i - 1].tid) {
			rc = fail(m, MR_EIO,
				  "%s and %s: two files of the same tid",
				  m->files[i - 1].path, m->files[i].path);
			goto out_free;
		}
	qsort(m->files, m->nfiles, sizeof(*m->files), cmp_file);
	*out = m;
	return 0;

out_nomem:
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s: out of memory", name);
	return MR_ENOMEM;
out_free:
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s",
			 m->err[0] ? m->err : "out of memory");
	mr_merge_free(m);
	return rc;
}

/* Files NAME.TID[.zst] of directory DIR whose NAME is PREFIX (any NAME
 * when PREFIX is NULL; then they must all share one). */
int mr_merge_open_dir(struct mr_merge **out, const char *dir,
		      const char *prefix, char *errbuf, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **paths = NULL, *name = NULL;
	size_t n = 0, cap = 0, nl, name_len = 0;
	int32_t tid;
	int rc = MR_ENOMEM;

	*out = NULL;
	if (!d && prefix)
		return 1;
	if (!d) {
		snprintf(errbuf, errlen, "%s: %s", dir, strerror(errno));
		return MR_EIO;
	}
	while ((de = readdir(d)) != NULL) {
		if (ff_split(de->d_name, &nl, &tid))
			continue;
		if (prefix &&
		    (nl != strlen(prefix) || memcmp(de->d_name, prefix, nl)))
			continue;
		if (!prefix && name &&
		    (nl != name_len || memcmp(de->d_name, name, nl))) {
			snprintf(errbuf, errlen,
				 "%s: holds strace -ff files of more than one "
				 "name (%s.TID and %.*s.TID): name one, as "
				 "%s/NAME",
				 dir, name, (int)nl, de->d_name, dir);
			rc = MR_EIO;
			goto out;
		}
		if (!name) {
			name = strndup(de->d_name, nl);
			name_len = nl;
			if (!name)
				goto out_nomem;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			char **np = realloc(paths, nc * sizeof(*np));

			if (!np)
				goto out_nomem;
			paths = np;
			cap = nc;
		}
		paths[n] = malloc(strlen(dir) + strlen(de->d_name) + 2);
		if (!paths[n])
			goto out_nomem;
		sprintf(paths[n], "%s/%s", dir, de->d_name);
		n++;
	}
	if (!n) {
		rc = prefix ? 1 : MR_EIO;
		if (!prefix)
			snprintf(errbuf, errlen,
				 "%s: a directory without strace -ff files "
				 "(NAME.TID)",
				 dir);
		goto out;
	}
	{
		char disp[4096];

		snprintf(disp, sizeof(disp), "%s/%s.*", dir,
			 prefix ? prefix : name);
		rc = mr_merge_open(out, disp, (const char *const *)paths, n,
				   errbuf, errlen);
	}
	goto out;

out_nomem:
	snprintf(errbuf, errlen, "%s: out of memory", dir);
	rc = MR_ENOMEM;
out:
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(name);
	closedir(d);
	return rc;
}

void mr_merge_free(struct mr_merge *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nheap; i++)
		mr_reader_free(m->heap[i].rd);
	mr_reader_free(m->taken);
	for (size_t i = 0; i < m->ndone; i++)
		mr_reader_free(m->done[i]);
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i].path);
	free(m->files);
	free(m->heap);
	free(m->done);
	free(m->name);
	free(m);
}

/* ---- reading ---- */

static int64_t end_key(const mr_event *ev)
{
	return ev->ts_ns + (ev->dur_ns > 0 ? ev->dur_ns : 0);
}

/*
 * Read RD's next event into the heap as file F's; at its end keep RD for
 * its counts. 0 or an error.
 */
static int advance(struct mr_merge *m, mr_reader *rd, size_t f)
{
	struct ff_sub *s = &m->heap[m->nheap];
	int rc = mr_reader_next(rd, &s->ev);

	if (rc == 0) {
		mr_reader_close_input(rd);
		m->done[m->ndone++] = rd;
		return 0;
	}
	if (rc < 0) {
		snprintf(m->err, sizeof(m->err), "%s", mr_reader_errmsg(rd));
		m->done[m->ndone++] = rd;
		return rc;
	}
	if (s->ev.ts_ns < 0) {
		snprintf(m->err, sizeof(m->err),
			 "%s:%llu:1: expected a time at the start of the "
			 "line: strace -ff files are merged by time",
			 m->files[f].path, (unsigned long long)s->ev.line);
		m->done[m->ndone++] = rd;
		return MR_ECORRUPT;
	}
	s->rd = rd;
	s->f = f;
	s->key = end_key(&s->ev);
	m->nheap++;
	heap_up(m, m->nheap - 1);
	return 0;
}

/* Open file F and peek its first event. */
static int open_file(struct mr_merge *m, size_t f)
{
	mr_reader *rd;
	int rc = mr_reader_open(&rd, m->files[f].path, m->err, sizeof(m->err));

	if (rc)
		return rc;
	mr_reader_force_pid(rd, m->files[f].tid);
	mr_reader_set_warn(rd, m->warn, m->warn_ctx);
	mr_reader_set_lenient(rd, m->lenient);
	return advance(m, rd, f);
}

int mr_merge_next(struct mr_merge *m, mr_event *ev)
{
	int rc;

	if (m->taken) {
		mr_reader *rd = m->taken;

		m->taken = NULL;
		rc = advance(m, rd, m->taken_f);
		if (rc)
			return rc;
	}
	/* Open every file that may hold an event before the earliest. */
	while (m->next < m->nfiles &&
	       (!m->nheap || m->files[m->next].first_ts <= m->heap[0].key)) {
		rc = open_file(m, m->next++);
		if (rc)
			return rc;
	}
	if (!m->nheap)
		return 0;
	*ev = m->heap[0].ev;
	m->taken = m->heap[0].rd;
	m->taken_f = m->heap[0].f;
	m->heap[0] = m->heap[--m->nheap];
	heap_down(m, 0);
	return 1;
}

const char *mr_merge_errmsg(const struct mr_merge *m)
{
	return m->err;
}

const char *mr_merge_name(const struct mr_merge *m)
{
	return m->name;
}

void mr_merge_set_warn(struct mr_merge *m, mr_reader_warn_fn fn, void *ctx)
{
	m->warn = fn;
	m->warn_ctx = ctx;
	for (size_t i = 0; i < m->nheap; i++)
		mr_reader_set_warn(m->heap[i].rd, fn, ctx);
	if (m->taken)
		mr_reader_set_warn(m->taken, fn, ctx);
}

void mr_merge_set_lenient(struct mr_merge *m, int on)
{
	m->lenient = on;
	for (size_t i = 0; i < m->nheap; i++)
		mr_reader_set_lenient(m->heap[i].rd, on);
	if (m->taken)
		mr_reader_set_lenient(m->taken, on);
}

/* Every reader opened so far, one by one (I from 0), then NULL. */
const mr_reader *mr_merge_reader(const struct mr_merge *m, size_t i)
{
	if (i < m->ndone)
		return m->done[i];
	i -= m->ndone;
	if (i < m->nheap)
		return m->heap[i].rd;
	i -= m->nheap;
	return i == 0 && m->taken ? m->taken : NULL;
}

size_t mr_merge_files(const struct mr_merge *m)
{
	return m->nfiles;
}
