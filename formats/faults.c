/*
 * faults.c - reading a capture's page-fault table (faults.h).
 *
 * The table is small next to the trace (a fault a line, a few tens of
 * bytes each), so it is read whole. Every field is checked: a line that
 * is not "AFTER_LINE TID 0xADDRESS 0xCODE" with a non-decreasing
 * AFTER_LINE is an error naming the file, line and column.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errcode.h"
#include "formats/faults.h"
#include "formats/formats_int.h"

struct fr {
	const char *path; /* for messages */
	uint64_t lno;	  /* current line */
	const char *line; /* its text */
	char *errbuf;	  /* message out */
	size_t errlen;	  /* its size */
};

static int bad(struct fr *r, const char *at, const char *expect)
{
	if (r->errbuf && r->errlen)
		snprintf(r->errbuf, r->errlen,
			 "%s:%" PRIu64 ":%zu: expected %s", r->path, r->lno,
			 (size_t)(at - r->line) + 1, expect);
	return MR_ECORRUPT;
}

/* A decimal (HEX 0) or 0x-prefixed hexadecimal number ending at a tab
 * (TAB 1) or at the end of the line (TAB 0). */
static const char *field(const char *p, int hex, int tab, uint64_t max,
			 uint64_t *v)
{
	uint64_t x = 0;
	int n = 0;

	if (hex) {
		if (p[0] != '0' || p[1] != 'x')
			return NULL;
		p += 2;
	}
	for (;; p++, n++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (hex && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else
			break;
		if (x > (max - d) / (hex ? 16 : 10))
			return NULL;
		x = x * (hex ? 16 : 10) + d;
	}
	if (!n || *p != (tab ? '\t' : '\0'))
		return NULL;
	*v = x;
	return p + tab;
}

static int parse(struct fr *r, char *l, mr_fault *f, uint64_t prev)
{
	const char *p = l, *q;
	uint64_t v;

	q = field(p, 0, 1, UINT64_MAX, &v);
	if (!q)
		return bad(r, p, "a trace line number and a tab");
	if (v < prev)
		return bad(r, p, "a trace line no lower than the line before");
	f->after_line = v;
	f->ev = SIZE_MAX;
	f->remote = 0;
	p = q;
	q = field(p, 0, 1, INT32_MAX, &v);
	if (!q || !v)
		return bad(r, p, "a task id and a tab");
	f->tid = (int32_t)v;
	p = q;
	q = field(p, 1, 1, UINT64_MAX, &v);
	if (!q)
		return bad(r, p, "an address (0x...) and a tab");
	f->addr = v;
	p = q;
	q = field(p, 1, 0, UINT32_MAX, &v);
	if (!q)
		return bad(r, p, "an error code (0x...) ending the line");
	f->code = (uint32_t)v;
	return 0;
}

int mr_faults_load(mr_faults *out, const char *path, char *errbuf,
		   size_t errlen)
{
	struct fr r = {path, 0, NULL, errbuf, errlen};
	mr_zio *z;
	size_t cap = 0, n;
	char *l;
	int rc, own = 0; /* own: the error is this file's, not zio's */

	memset(out, 0, sizeof(*out));
	rc = mr_zio_open(&z, path, errbuf, errlen);
	if (rc)
		return rc;
	mr_zio_set_expect(z, "a fault line");
	while ((rc = mr_zio_getline(z, &l, &n)) == 1) {
		r.lno = mr_zio_lineno(z);
		r.line = l;
		if (l[0] == '#' || n == 0)
			continue;
		if (out->n == cap) {
			size_t nc = cap ? cap * 2 : 1024;
			mr_fault *nv = realloc(out->v, nc * sizeof(*nv));

			if (!nv) {
				rc = MR_ENOMEM;
				own = 1;
				if (errbuf && errlen)
					snprintf(errbuf, errlen,
						 "%s: out of memory", path);
				break;
			}
			out->v = nv;
			cap = nc;
		}
		rc = parse(&r, l, &out->v[out->n],
			   out->n ? out->v[out->n - 1].after_line : 0);
		if (rc) {
			own = 1;
			break;
		}
		out->n++;
	}
	if (rc < 0 && !own && errbuf && errlen)
		snprintf(errbuf, errlen, "%s", mr_zio_errmsg(z));
	mr_zio_free(z);
	if (rc < 0) {
		mr_faults_release(out);
		return rc;
	}
	return 0;
}

void mr_faults_release(mr_faults *f)
{
	free(f->v);
	f->v = NULL;
	f->n = 0;
}
