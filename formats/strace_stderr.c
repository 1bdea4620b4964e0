/*
 * strace_stderr.c - what `strace -f` printed to a terminal or to stderr
 * holds beside its trace lines, and how the reader gets the lines back:
 *
 * - ANSI colour sequences (a capture taken through a colouring pager or
 *   terminal log) are removed;
 * - strace's own notices ("strace: Process N attached") share the stream
 *   with an open trace line and land in the middle of it; the line goes
 *   on after the notice on the next line;
 * - what the tracees write to the same terminal lands in the same way;
 *   it is recognised by the data of the write() calls the trace shows
 *   (to fd 1 or 2), which strace prints before the data can appear;
 * - "[pid N] " is printed only while more than one tracee lives: lines
 *   without it are the only live tracee's. The first tracee's pid is
 *   not printed until a second one exists, so it is found by reading
 *   ahead (a second pass over the file from that line).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/errcode.h"
#include "formats/formats_int.h"

/* ---- ANSI colour ---- */

size_t mr_strip_ansi(char *s, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		if (s[i] == '\033' && i + 1 < len && s[i + 1] == '[') {
			size_t j = i + 2;

			/* parameters and intermediates, then a final byte */
			while (j < len && (unsigned char)s[j] >= 0x20 &&
			       (unsigned char)s[j] <= 0x3f)
				j++;
			if (j < len && (unsigned char)s[j] >= 0x40 &&
			    (unsigned char)s[j] <= 0x7e) {
				i = j + 1;
				continue;
			}
		}
		s[o++] = s[i++];
	}
	s[o] = '\0';
	return o;
}

/* ---- pids alive ---- */

static size_t set_pos(const struct mr_pidset *s, int32_t pid)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int mr_pidset_add(struct mr_pidset *s, int32_t pid)
{
	size_t i = set_pos(s, pid);

	if (i < s->n && s->v[i] == pid)
		return 0;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		int32_t *nv = realloc(s->v, nc * sizeof(*nv));

		if (!nv)
			return MR_ENOMEM;
		s->v = nv;
		s->cap = nc;
	}
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = pid;
	s->n++;
	return 0;
}

void mr_pidset_del(struct mr_pidset *s, int32_t pid)
{
	size_t i = set_pos(s, pid);

	if (i < s->n && s->v[i] == pid) {
		memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
		s->n--;
	}
}

int mr_pidset_has(const struct mr_pidset *s, int32_t pid)
{
	size_t i = set_pos(s, pid);

	return i < s->n && s->v[i] == pid;
}

void mr_pidset_free(struct mr_pidset *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* ---- notices ---- */

static const char *pnum(const char *p, const char *end, int32_t *v)
{
	uint64_t x = 0;
	const char *q = p;

	while (q < end && *q >= '0' && *q <= '9' && q - p < 8)
		x = x * 10 + (uint64_t)(*q++ - '0');
	if (q == p || x == 0 || x > 4194304)
		return NULL;
	*v = (int32_t)x;
	return q;
}

int mr_notice_attached(const char *s, const char *end, int32_t *pid)
{
	const char *q;

	if ((size_t)(end - s) < 26 || memcmp(s, "strace: Process ", 16))
		return 0;
	q = pnum(s + 16, end, pid);
	return q && (size_t)(end - q) >= 9 && !memcmp(q, " attached", 9);
}

/* ---- tracee output ---- */

/*
 * Unescape the strace string starting at P (after its opening quote)
 * into DST (at most N bytes): its length; *AFTER is past its closing
 * quote (or END).
 */
static size_t unquote(const char *p, const char *end, char *dst, size_t n,
		      const char **after)
{
	size_t o = 0;

	while (p < end && *p != '"') {
		char c = *p == '\\' ? (char)mr_strace_unescape_one(&p, end)
				    : *p++;

		if (o < n)
			dst[o++] = c;
	}
	*after = p < end ? p + 1 : end;
	return o;
}

void mr_said_note(struct mr_said *r, const char *name, size_t nlen,
		  const char *args, const char *end)
{
	const char *p = args, *after;
	struct mr_said_ent *e;
	int vec = nlen == 6 && !memcmp(name, "writev", 6);

	if (!vec && (nlen != 5 || memcmp(name, "write", 5)))
		return;
	/* fd 1 or 2, with or without a -y decoration */
	if (p >= end || (*p != '1' && *p != '2') ||
	    (p + 1 < end && p[1] != ',' && p[1] != '<'))
		return;
	e = &r->ent[r->next];
	e->len = 0;
	while ((p = memchr(p, '"', (size_t)(end - p))) != NULL) {
		e->len += unquote(p + 1, end, e->text + e->len,
				  sizeof(e->text) - e->len, &after);
		p = after;
		if (!vec)
			break;
	}
	if (!e->len || !memchr(e->text, '\n', e->len)) {
		e->len = 0; /* only whole lines of output split a trace line */
		return;
	}
	r->next = (r->next + 1) % MR_SAID_N;
}

/*
 * Does LINE [0, LEN) end with the first line of a recent output (or is
 * it one of its lines, when WHOLE)? Its offset in LINE, with the entry
 * consumed (its first line, to be matched once); -1 if not.
 */
long mr_said_tail(struct mr_said *r, const char *line, size_t len, int whole)
{
	for (int k = 0; k < MR_SAID_N; k++) {
		struct mr_said_ent *e =
			&r->ent[(r->next + MR_SAID_N - 1 - k) % MR_SAID_N];
		const char *nl;
		size_t first;

		if (!e->len)
			continue;
		nl = memchr(e->text, '\n', e->len);
		first = nl ? (size_t)(nl - e->text) : e->len;
		if (first > len || (whole && first != len) ||
		    memcmp(line + len - first, e->text, first))
			continue;
		if (!whole && first == 0)
			continue;
		/* consume that line of the output */
		if (!nl) {
			e->len = 0;
		} else {
			memmove(e->text, nl + 1, e->len - first - 1);
			e->len -= first + 1;
			if (!memchr(e->text, '\n', e->len))
				e->len = 0;
		}
		return (long)(len - first);
	}
	return -1;
}

/* ---- the first tracee's pid ---- */

/* P starts a call that makes a tracee: the name, then '(' (a call) or ' '
 * (after "<... ", a resumed one). */
static int is_clone_family(const char *p, const char *end)
{
	static const char *const names[] = {"clone", "clone3", "fork", "vfork"};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		size_t n = strlen(names[i]);

		if ((size_t)(end - p) > n && !memcmp(p, names[i], n) &&
		    (p[n] == '(' || p[n] == ' '))
			return 1;
	}
	return 0;
}

/* The number after the last " = " of [p, end), or 0. */
static int32_t result_pid(const char *p, const char *end)
{
	const char *q = NULL, *s;
	int32_t v;

	for (s = p; (s = memmem(s, (size_t)(end - s), " = ", 3)) != NULL;
	     s += 3)
		q = s + 3;
	return q && pnum(q, end, &v) ? v : 0;
}

/* Spaces, a time (any form) and spaces. */
static const char *skip_time(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	while (p < end && ((*p >= '0' && *p <= '9') || *p == '.' || *p == ':'))
		p++;
	while (p < end && *p == ' ')
		p++;
	return p;
}

int32_t mr_stderr_first_pid(const char *path, uint64_t from_line)
{
	struct stat st;
	struct mr_pidset kids = {0};
	mr_zio *z;
	char *line, err[16];
	size_t len;
	int32_t found = 0, first_seen = 0;
	int cloning = 0; /* an unprefixed clone is unfinished */

	if (stat(path, &st) || !S_ISREG(st.st_mode) ||
	    mr_zio_open(&z, path, err, sizeof(err)))
		return 0;
	while (!found && mr_zio_getline(z, &line, &len) == 1) {
		const char *p = line, *end = line + len, *s;
		int32_t v;

		if (mr_zio_lineno(z) < from_line)
			continue;
		len = mr_strip_ansi(line, len);
		end = line + len;
		for (s = p;
		     (s = memmem(s, (size_t)(end - s), "strace: ", 8)) != NULL;
		     s += 8)
			if (mr_notice_attached(s, end, &v) &&
			    mr_pidset_add(&kids, v))
				goto out;
		while (p < end && *p == ' ')
			p++;
		if ((size_t)(end - p) > 5 && !memcmp(p, "[pid ", 5)) {
			s = p + 5;
			while (s < end && *s == ' ')
				s++;
			s = pnum(s, end, &v);
			if (s && s < end && *s == '<') /* -Y: "<comm>" */
				while (s < end && *s++ != '>')
					;
			if (!s || s >= end || *s != ']')
				continue;
			p = skip_time(s + 1, end);
			/* the parent resuming its unprefixed clone */
			if ((size_t)(end - p) > 5 && !memcmp(p, "<... ", 5) &&
			    is_clone_family(p + 5, end))
				found = v;
			else if (!mr_pidset_has(&kids, v) && !cloning)
				found = v;
			else if (!first_seen && !mr_pidset_has(&kids, v))
				first_seen = v;
			continue;
		}
		/* a clone-family call names a child */
		p = skip_time(p, end);
		if (!is_clone_family(p, end))
			continue;
		/* without notices (-q) a child unannounced may speak before
		 * its parent's clone returns: wait for the return then */
		if (len > 16 && !memcmp(end - 16, "<unfinished ...>", 16))
			cloning = 1;
		else if ((v = result_pid(p, end)) && mr_pidset_add(&kids, v))
			goto out;
	}
	if (!found)
		found = first_seen;
out:
	mr_pidset_free(&kids);
	mr_zio_free(z);
	return found;
}
