/*
 * strace_args.c - reading strace's argument text: strings, numbers, flag
 * expressions, -y decorations, and the per-syscall decoding table of
 * event.h.
 *
 * Everything works on [p, end) ranges of a line that is never written to;
 * decoded strings go to a caller-reserved arena whose capacity covers the
 * line, so no allocation happens here.
 */
#include <string.h>

#include "engine/errcode.h"
#include "formats/formats_int.h"

static const char *rskip_sp(const char *p, const char *end)
{
	while (end > p && end[-1] == ' ')
		end--;
	return end;
}

/* "/ * ... * /" at P: past its end, or END if it does not close. */
static const char *skip_comment(const char *p, const char *end)
{
	p += 2;
	while (p + 1 < end) {
		if (p[0] == '*' && p[1] == '/')
			return p + 2;
		p++;
	}
	return end;
}

static int at_comment(const char *p, const char *end)
{
	return p + 1 < end && p[0] == '/' && p[1] == '*';
}

/* The '"' closing the string opened at P, or NULL. */
static const char *close_quote(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p == end)
				return NULL;
			continue;
		}
		if (*p == '"')
			return p;
	}
	return NULL;
}

const char *mr_strace_skip_string(const char *p, const char *end)
{
	p = close_quote(p, end);
	if (!p)
		return end;
	p++;
	if (end - p >= 3 && memcmp(p, "...", 3) == 0)
		p += 3;
	return p;
}

/*
 * A "<...>" group at P: -y decorations (nested under -yy, with "[...]"
 * after ':' in socket details, where '>' may appear) and strace's own
 * "<... resuming ...>". Past the closing '>', or NULL.
 */
static const char *skip_angle(const char *p, const char *end)
{
	int depth = 0;

	while (p < end) {
		switch (*p) {
		case '\\':
			p += p + 1 < end ? 2 : 1;
			continue;
		case '<':
			depth++;
			break;
		case '>':
			if (--depth == 0)
				return p + 1;
			break;
		case '[':
			if (p[-1] == ':') {
				while (p < end && *p != ']')
					p++;
				if (p == end)
					return NULL;
			}
			break;
		}
		p++;
	}
	return NULL;
}

/*
 * If P starts something opaque to argument structure -- a string, an
 * escape, a comment, "<<" in "21<<MAP_HUGE_SHIFT", or a -y decoration --
 * return the first byte after it; else NULL. An unclosed '<' is taken
 * literally, and so is every later one (*angles drops to 0): no quadratic
 * rescans on broken lines.
 */
static int may_be_opaque(char c)
{
	return c == '"' || c == '\\' || c == '/' || c == '<';
}

static const char *skip_opaque(const char *p, const char *end, int *angles)
{
	const char *q;

	switch (*p) {
	case '"':
		return mr_strace_skip_string(p, end);
	case '\\':
		return p + (p + 1 < end ? 2 : 1);
	case '/':
		return at_comment(p, end) ? skip_comment(p, end) : NULL;
	case '<':
		if (p + 1 < end && p[1] == '<')
			return p + 2;
		q = *angles ? skip_angle(p, end) : NULL;
		if (!q)
			*angles = 0;
		return q;
	default:
		return NULL;
	}
}

/*
 * The common line, found from its end: the last ')' followed by spaces
 * and "= " is the one mr_strace_find_close() finds when nothing after it
 * can close something opaque or a bracket opened before it (no quote,
 * backslash, '/', angle or bracket from it to the end but -T's
 * " <SECONDS>" ending the line, whose '>' closes nothing opened before
 * it), it is not escaped, and no bracket, string or comment opens
 * before it (its depth is 0; a string or comment that does not close
 * would run over it). NULL when the line is not so simple: then the
 * whole line is scanned.
 */
static const char *find_close_fast(const char *p, const char *end)
{
	const char *e, *q, *tend = end;

	if (end - p < 4)
		return NULL;
	/* -T's " <0.000009>" ends the line: its angles close nothing */
	if (end[-1] == '>') {
		for (q = end - 2;
		     q > p && ((*q >= '0' && *q <= '9') || *q == '.'); q--)
			;
		if (q < end - 2 && *q == '<' && q > p && q[-1] == ' ')
			tend = q;
	}
	for (e = end - 2; e > p; e--) {
		if (e[0] != '=' || e[1] != ' ' || e[-1] != ' ')
			continue;
		for (q = e - 1; q > p && *q == ' '; q--)
			;
		if (*q != ')')
			continue;
		if (q > p && q[-1] == '\\')
			return NULL;
		for (e = q; e < tend; e++)
			switch (*e) {
			case '"':
			case '\\':
			case '/':
			case '<':
			case '>':
			case '[':
			case ']':
			case '{':
			case '}':
				return NULL;
			}
		/* and before it: a bracket it might be inside; a string or
		 * a comment that may not close (they run to the end) */
		if (memchr(p, '[', (size_t)(q - p)) ||
		    memchr(p, '{', (size_t)(q - p)) ||
		    memchr(p, '"', (size_t)(q - p)) ||
		    memchr(p, '*', (size_t)(q - p)))
			return NULL;
		return q;
	}
	return NULL;
}

const char *mr_strace_find_close(const char *p, const char *end)
{
	const char *best = find_close_fast(p, end);

	return best ? best : mr_strace_find_close_scan(p, end);
}

const char *mr_strace_find_close_scan(const char *p, const char *end)
{
	const char *best = NULL, *q;
	int depth = 0, angles = 1;

	while (p < end) {
		if (may_be_opaque(*p) && (q = skip_opaque(p, end, &angles))) {
			p = q;
			continue;
		}
		switch (*p) {
		case '[':
		case '{':
			depth++;
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		case ')':
			if (depth)
				break;
			q = mr_skip_sp(p + 1, end);
			if (q + 1 < end && q > p + 1 && q[0] == '=' &&
			    q[1] == ' ')
				best = p;
			break;
		}
		p++;
	}
	return best;
}

unsigned char mr_strace_unescape_one(const char **pp, const char *end)
{
	const char *p = *pp + 1;
	unsigned v = 0;
	int n;

	if (p >= end) {
		*pp = p;
		return '\\';
	}
	switch (*p) {
	case 'n':
		v = '\n';
		break;
	case 't':
		v = '\t';
		break;
	case 'r':
		v = '\r';
		break;
	case 'v':
		v = '\v';
		break;
	case 'f':
		v = '\f';
		break;
	case 'a':
		v = '\a';
		break;
	case 'b':
		v = '\b';
		break;
	case 'x':
		for (n = 0, p++; n < 2 && p < end; n++, p++) {
			if (mr_is_digit(*p))
				v = v * 16 + (unsigned)(*p - '0');
			else if (*p >= 'a' && *p <= 'f')
				v = v * 16 + (unsigned)(*p - 'a' + 10);
			else if (*p >= 'A' && *p <= 'F')
				v = v * 16 + (unsigned)(*p - 'A' + 10);
			else
				break;
		}
		*pp = p;
		return (unsigned char)v;
	default:
		if (*p >= '0' && *p <= '7') {
			for (n = 0; n < 3 && p < end && *p >= '0' && *p <= '7';
			     n++, p++)
				v = v * 8 + (unsigned)(*p - '0');
			*pp = p;
			return (unsigned char)v;
		}
		v = (unsigned char)*p;
		break;
	}
	*pp = p + 1;
	return (unsigned char)v;
}

char *mr_strace_unescape(struct mr_arena *a, const char *p, const char *end)
{
	char *out = a->p + a->len;
	char *o = out;

	while (p < end) {
		if (*p == '\\')
			*o++ = (char)mr_strace_unescape_one(&p, end);
		else
			*o++ = *p++;
	}
	*o++ = '\0';
	a->len = (size_t)(o - a->p);
	return out;
}

const char *mr_strace_decoration(const char *p, const char *end,
				 struct mr_arena *a, const char **path)
{
	const char *close = skip_angle(p, end);
	char *out = a->p + a->len, *o = out;
	int depth = 0;

	if (!close)
		return NULL;
	for (p++; p < close - 1;) {
		if (*p == '\\') {
			unsigned char c = mr_strace_unescape_one(&p, close - 1);

			if (depth == 0)
				*o++ = (char)c;
			continue;
		}
		if (*p == '[' && p[-1] == ':') {
			/* socket details: '>' in "->" is not a close */
			while (p < close - 1 && *p != ']') {
				if (depth == 0)
					*o++ = *p;
				p++;
			}
			continue;
		}
		if (*p == '<')
			depth++;
		else if (*p == '>' && depth > 0)
			depth--;
		else if (depth == 0)
			*o++ = *p;
		p++;
	}
	p = close;
	if (end - p >= 9 && memcmp(p, "(deleted)", 9) == 0)
		p += 9;
	else if (end - p >= 10 && memcmp(p, " (deleted)", 10) == 0)
		p += 10;
	if (p != close) {
		memcpy(o, " (deleted)", 10);
		o += 10;
	}
	*o++ = '\0';
	a->len = (size_t)(o - a->p);
	*path = out;
	return p;
}

/* ---- numbers and flag expressions ---- */

/* A number: decimal, 0x hex, 0-led octal, optional '-'. */
static const char *parse_number(const char *p, const char *end, uint64_t *v)
{
	uint64_t x = 0;
	int neg = 0, nd = 0;
	unsigned d;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (p += 2; p < end; p++, nd++) {
			if (mr_is_digit(*p))
				d = (unsigned)(*p - '0');
			else if (*p >= 'a' && *p <= 'f')
				d = (unsigned)(*p - 'a' + 10);
			else if (*p >= 'A' && *p <= 'F')
				d = (unsigned)(*p - 'A' + 10);
			else
				break;
			if (x >> 60)
				return NULL;
			x = x * 16 + d;
		}
	} else if (p < end && *p == '0') {
		for (; p < end && *p >= '0' && *p <= '7'; p++, nd++) {
			if (x >> 61)
				return NULL;
			x = x * 8 + (unsigned)(*p - '0');
		}
	} else {
		for (; p < end && mr_is_digit(*p); p++, nd++) {
			d = (unsigned)(*p - '0');
			if (x > (UINT64_MAX - d) / 10)
				return NULL;
			x = x * 10 + d;
		}
	}
	if (nd == 0 || (p < end && mr_is_ident(*p)))
		return NULL;
	*v = neg ? (uint64_t)0 - x : x;
	return p;
}

/* A NAME, NULL or number. */
static const char *parse_atom(const char *p, const char *end,
			      const mr_symtab *t, unsigned ns, uint64_t *v)
{
	const char *q = p;
	int64_t val;

	if (p < end && (mr_is_digit(*p) || *p == '-'))
		return parse_number(p, end, v);
	while (q < end && mr_is_ident(*q))
		q++;
	if (q == p || mr_is_digit(*p))
		return NULL;
	if (q - p == 4 && memcmp(p, "NULL", 4) == 0) {
		*v = 0;
		return q;
	}
	if (mr_sym_lookup(t, p, (size_t)(q - p), ns, &val))
		return NULL;
	*v = (uint64_t)val;
	return q;
}

static const char *skip_sp_comments(const char *p, const char *end)
{
	for (;;) {
		p = mr_skip_sp(p, end);
		if (!at_comment(p, end))
			return p;
		p = skip_comment(p, end);
	}
}

/*
 * A flag expression: terms joined by '|', each an atom or "atom<<atom",
 * with -X verbose comments between. Stops at the first byte that cannot
 * continue it; NULL (with *bad set) if a term is malformed.
 */
static const char *parse_expr(const char *p, const char *end,
			      const mr_symtab *t, unsigned ns, uint64_t *v,
			      const char **bad)
{
	uint64_t acc = 0, a, b;
	const char *q;

	for (;;) {
		p = mr_skip_sp(p, end);
		q = parse_atom(p, end, t, ns, &a);
		if (!q) {
			*bad = p;
			return NULL;
		}
		p = q;
		if (end - p >= 2 && p[0] == '<' && p[1] == '<') {
			q = parse_atom(p + 2, end, t, ns, &b);
			if (!q || b > 63) {
				*bad = p + 2;
				return NULL;
			}
			a <<= b;
			p = q;
		}
		acc |= a;
		q = skip_sp_comments(p, end);
		if (q < end && *q == '|') {
			p = q + 1;
			continue;
		}
		*v = acc;
		return q;
	}
}

/* ---- items ---- */

struct item {
	const char *p; /* first byte, spaces trimmed */
	const char *e; /* one past the last */
};

#define MAX_ITEMS 8

/* Split P..END at top-level commas into at most MAX_ITEMS items. */
static int split(const char *p, const char *end, struct item *it)
{
	const char *s = p, *q;
	int depth = 0, n = 0, angles = 1;

	if (mr_skip_sp(p, end) == end)
		return 0;
	while (p < end) {
		if (may_be_opaque(*p) && (q = skip_opaque(p, end, &angles))) {
			p = q;
			continue;
		}
		switch (*p) {
		case '(':
		case '[':
		case '{':
			depth++;
			break;
		case ')':
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		case ',':
			if (depth)
				break;
			if (n == MAX_ITEMS)
				return n;
			it[n].p = mr_skip_sp(s, p);
			it[n].e = rskip_sp(it[n].p, p);
			n++;
			s = p + 1;
			break;
		}
		p++;
	}
	if (n < MAX_ITEMS) {
		it[n].p = mr_skip_sp(s, end);
		it[n].e = rskip_sp(it[n].p, end);
		n++;
	}
	return n;
}

struct dec {
	const mr_symtab *t;	/* names */
	struct mr_arena *a;	/* decoded strings */
	struct mr_dec_err *err; /* where it failed */
};

static int bad(struct dec *d, const char *at, const char *expect)
{
	d->err->at = at;
	d->err->expect = expect;
	return MR_ECORRUPT;
}

/*
 * A whole item: a flag expression (numbers and NULL included), then
 * optionally a -y decoration whose path goes to *path when PATH is set.
 */
static int value(struct dec *d, const struct item *it, unsigned ns, uint64_t *v,
		 const char **path)
{
	const char *p, *bad_at = it->p, *ignored;

	p = parse_expr(it->p, it->e, d->t, ns, v, &bad_at);
	if (!p)
		return bad(d, bad_at, "a number or a constant name");
	if (p < it->e && *p == '<') {
		p = mr_strace_decoration(p, it->e, d->a,
					 path ? path : &ignored);
		if (!p)
			return bad(d, it->p, "a closed <path> decoration");
		p = mr_skip_sp(p, it->e);
	}
	if (p != it->e)
		return bad(d, p, "',' or ')' after the value");
	return 0;
}

/* An fd: 32-bit, so -X raw's 0xffffffff is -1 like "-1". */
static int fd_value(struct dec *d, const struct item *it, uint64_t *v,
		    const char **path)
{
	int rc = value(d, it, MR_NS_FD, v, path);

	if (rc == 0 && *v <= 0xffffffffu)
		*v = (uint64_t)(int64_t)(int32_t)(uint32_t)*v;
	return rc;
}

/* A path argument: a quoted string (str set) or a pointer (str NULL). */
static int path_value(struct dec *d, const struct item *it, const char **str)
{
	const char *q;
	uint64_t ignored;

	*str = NULL;
	if (it->p < it->e && *it->p == '"') {
		q = close_quote(it->p, it->e);
		if (!q || (q + 1 != it->e &&
			   !(it->e - q == 4 && memcmp(q + 1, "...", 3) == 0)))
			return bad(d, it->p, "a quoted path");
		*str = mr_strace_unescape(d->a, it->p + 1, q);
		return 0;
	}
	return value(d, it, 0, &ignored, NULL);
}

/* The value of "KEY=" inside item P..E (a struct or a keyed argument). */
static const char *find_key(const char *p, const char *e, const char *key)
{
	size_t n = strlen(key);

	for (; e - p >= (ptrdiff_t)n; p++) {
		if (memcmp(p, key, n) == 0 &&
		    (p[-1] == '{' || p[-1] == ' ' || p[-1] == ','))
			return p + n;
	}
	return NULL;
}

static int clone_flags(struct dec *d, mr_event *ev, struct item *it, int n)
{
	const char *v = NULL, *q, *bad_at;
	int i;

	for (i = 0; i < n && !v; i++)
		if (it[i].e - it[i].p > 6 && memcmp(it[i].p, "flags=", 6) == 0)
			v = it[i].p + 6;
	if (!v) {
		/* -e raw=clone: positional, flags first on x86-64 */
		if (n < 1 || memchr(it[0].p, '=', (size_t)(it[0].e - it[0].p)))
			return bad(d, it[0].p, "a flags= argument");
		v = it[0].p;
		i = 1;
	}
	bad_at = v;
	q = parse_expr(v, it[i - 1].e, d->t, MR_NS_CLONE | MR_NS_SIG,
		       &ev->arg[0], &bad_at);
	if (!q || q != it[i - 1].e)
		return bad(d, q ? q : bad_at, "CLONE_* flags");
	ev->nargs = 1;
	return 0;
}

static int clone3_flags(struct dec *d, mr_event *ev, struct item *it, int n)
{
	const char *v, *q, *bad_at;

	if (n < 1 || it[0].p == it[0].e || *it[0].p != '{')
		return 0; /* struct not read by strace: nothing to decode */
	v = find_key(it[0].p + 1, it[0].e, "flags=");
	if (!v)
		return bad(d, it[0].p, "a flags= field");
	bad_at = v;
	q = parse_expr(v, it[0].e, d->t, MR_NS_CLONE | MR_NS_SIG, &ev->arg[0],
		       &bad_at);
	if (!q || (q < it[0].e && *q != ',' && *q != '}'))
		return bad(d, q ? q : bad_at, "CLONE_* flags");
	ev->nargs = 1;
	return 0;
}

/*
 * prctl: the option, and for PR_SET_VMA its sub-option, range and name
 * (a quoted string or NULL). Other options are left undecoded.
 */
static int prctl_args(struct dec *d, mr_event *ev, struct item *it, int n)
{
	int64_t opt, sub;
	int i;

	if (n < 1 ||
	    mr_sym_lookup(d->t, it[0].p, (size_t)(it[0].e - it[0].p), MR_NS_PR,
			  &opt) ||
	    opt != 0x53564d41)
		return 0;
	ev->arg[0] = (uint64_t)opt;
	ev->nargs = 1;
	if (n < 4)
		return bad(d, it[n - 1].e, "PR_SET_VMA's four arguments");
	if (mr_sym_lookup(d->t, it[1].p, (size_t)(it[1].e - it[1].p), MR_NS_PR,
			  &sub)) {
		int rc = value(d, &it[1], 0, &ev->arg[1], NULL);

		if (rc)
			return rc;
	} else {
		ev->arg[1] = (uint64_t)sub;
	}
	for (i = 2; i < 4; i++) {
		int rc = value(d, &it[i], 0, &ev->arg[i], NULL);

		if (rc)
			return rc;
	}
	ev->nargs = 4;
	return n > 4 ? path_value(d, &it[4], &ev->str) : 0;
}

/* How many items each decoded syscall needs, and their kinds. */
enum {
	N_ = 0,
	NUM,
	FD,
	PROT,
	MAP,
	MREMAP,
	MADV,
	MCL,
	MLOCK,
	OFL,
	ATFL,
	PATH,
	MSF,
	IPCF,
	SHMF,
	SHMC,
	RENF
};

struct shape {
	uint8_t need;	 /* items required */
	uint8_t kind[6]; /* per item; N_ = skipped */
	int8_t out[6];	 /* ev->arg index, -1 = not stored */
};

static const struct shape shapes[MR_SYS__COUNT] = {
	[MR_SYS_MMAP] = {6, {NUM, NUM, PROT, MAP, FD, NUM}, {0, 1, 2, 3, 4, 5}},
	[MR_SYS_MUNMAP] = {2, {NUM, NUM}, {0, 1}},
	[MR_SYS_MPROTECT] = {3, {NUM, NUM, PROT, NUM}, {0, 1, 2, 3}},
	[MR_SYS_BRK] = {1, {NUM}, {0}},
	[MR_SYS_MREMAP] = {4, {NUM, NUM, NUM, MREMAP, NUM}, {0, 1, 2, 3, 4}},
	[MR_SYS_MADVISE] = {3, {NUM, NUM, MADV}, {0, 1, 2}},
	[MR_SYS_MLOCK] = {2, {NUM, NUM}, {0, 1}},
	[MR_SYS_MLOCK2] = {3, {NUM, NUM, MLOCK}, {0, 1, 2}},
	[MR_SYS_MUNLOCK] = {2, {NUM, NUM}, {0, 1}},
	[MR_SYS_MLOCKALL] = {1, {MCL}, {0}},
	[MR_SYS_MUNLOCKALL] = {0, {N_}, {-1}},
	[MR_SYS_FORK] = {0, {N_}, {-1}},
	[MR_SYS_VFORK] = {0, {N_}, {-1}},
	[MR_SYS_EXECVE] = {1, {PATH}, {-1}},
	[MR_SYS_EXECVEAT] = {5, {FD, PATH, N_, N_, ATFL}, {0, -1, -1, -1, 1}},
	[MR_SYS_EXIT] = {1, {NUM}, {0}},
	[MR_SYS_EXIT_GROUP] = {1, {NUM}, {0}},
	[MR_SYS_OPEN] = {2, {PATH, OFL}, {-1, 0}},
	[MR_SYS_OPENAT] = {3, {FD, PATH, OFL}, {0, -1, 1}},
	[MR_SYS_CLOSE] = {1, {FD}, {0}},
	[MR_SYS_DUP] = {1, {FD}, {0}},
	[MR_SYS_DUP2] = {2, {FD, FD, OFL}, {0, 1, 2}},
	[MR_SYS_UNLINK] = {1, {PATH}, {-1}},
	[MR_SYS_UNLINKAT] = {2, {FD, PATH, ATFL}, {0, -1, 1}},
	[MR_SYS_MSEAL] = {3, {NUM, NUM, NUM}, {0, 1, 2}},
	[MR_SYS_MSYNC] = {3, {NUM, NUM, MSF}, {0, 1, 2}},
	[MR_SYS_SHMGET] = {3, {IPCF, NUM, IPCF}, {0, 1, 2}},
	[MR_SYS_SHMAT] = {3, {NUM, NUM, SHMF}, {0, 1, 2}},
	[MR_SYS_SHMDT] = {1, {NUM}, {0}},
	[MR_SYS_SHMCTL] = {2, {NUM, SHMC}, {0, 1}},
	[MR_SYS_RENAME] = {2, {PATH, PATH}, {-1, -1}},
	[MR_SYS_RENAMEAT] = {4, {FD, PATH, FD, PATH, RENF}, {0, -1, 1, -1, 2}},
	[MR_SYS_REMAP_FILE_PAGES] = {5,
				     {NUM, NUM, PROT, NUM, MAP},
				     {0, 1, 2, 3, 4}},
};

static const unsigned kind_ns[] = {
	[NUM] = 0,
	[PROT] = MR_NS_PROT,
	[MAP] = MR_NS_MAP,
	[MREMAP] = MR_NS_MREMAP,
	[MADV] = MR_NS_MADV,
	[MCL] = MR_NS_MCL,
	[MLOCK] = MR_NS_MLOCK,
	[OFL] = MR_NS_O,
	[ATFL] = MR_NS_AT,
	[MSF] = MR_NS_MS,
	[IPCF] = MR_NS_IPC,
	[SHMF] = MR_NS_SHM,
	[SHMC] = MR_NS_SHMCTL,
	[RENF] = MR_NS_RENAME,
};

int mr_strace_decode_args(mr_event *ev, int sys, const char *args,
			  const char *end, const mr_symtab *t,
			  struct mr_arena *a, struct mr_dec_err *err)
{
	struct dec d = {t, a, err};
	struct item it[MAX_ITEMS];
	const struct shape *sh;
	const char **path;
	uint64_t v;
	int n, i, rc;

	ev->nargs = 0;
	if (sys <= MR_SYS_OTHER || sys >= MR_SYS__COUNT)
		return 0;
	n = split(args, end, it);
	if (sys == MR_SYS_CLONE)
		return clone_flags(&d, ev, it, n);
	if (sys == MR_SYS_CLONE3)
		return clone3_flags(&d, ev, it, n);
	if (sys == MR_SYS_PRCTL)
		return prctl_args(&d, ev, it, n);
	sh = &shapes[sys];
	if (n < sh->need)
		return bad(&d, end, "more arguments");
	if (n > 6)
		n = 6;
	for (i = 0; i < n; i++) {
		switch (sh->kind[i]) {
		case N_:
			continue;
		case PATH:
			rc = path_value(&d, &it[i],
					ev->str ? &ev->str2 : &ev->str);
			break;
		case FD:
			path = ev->fd_path ? NULL : &ev->fd_path;
			rc = fd_value(&d, &it[i], &v, path);
			break;
		default:
			rc = value(&d, &it[i], kind_ns[sh->kind[i]], &v, NULL);
			break;
		}
		if (rc)
			return rc;
		if (sh->out[i] >= 0) {
			ev->arg[sh->out[i]] = v;
			if (ev->nargs < sh->out[i] + 1)
				ev->nargs = (uint8_t)(sh->out[i] + 1);
		}
	}
	return 0;
}

const char *mr_strace_number(const char *p, const char *end, uint64_t *v)
{
	return parse_number(p, end, v);
}

const char *mr_strace_expr(const mr_symtab *t, const char *p, const char *end,
			   unsigned ns, uint64_t *v)
{
	const char *bad_at;

	return parse_expr(p, end, t, ns, v, &bad_at);
}

int mr_strace_signo(const mr_symtab *t, const char *s, size_t len, int *signo)
{
	uint64_t v;
	int64_t val;
	const char *q;

	if (len && mr_is_digit(*s)) {
		q = parse_number(s, s + len, &v);
		if (q != s + len || v > 128)
			return -1;
		*signo = (int)v;
		return 0;
	}
	if (mr_sym_lookup(t, s, len, MR_NS_SIG, &val))
		return -1;
	*signo = (int)val;
	return 0;
}
