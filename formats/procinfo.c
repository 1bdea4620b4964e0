/*
 * procinfo.c - a buddy allocator profile from /proc/zoneinfo,
 * /proc/pagetypeinfo and /proc/buddyinfo (see procinfo.h). The formats
 * are mm/vmstat.c's (zoneinfo_show_print(), pagetypeinfo_showfree_print(),
 * pagetypeinfo_showblockcount_print(), frag_show_print()).
 */
#include "formats/procinfo.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errcode.h"

struct cursor {
	const char *name; /* the file, for messages */
	const char *p;	  /* the next line */
	const char *line; /* the current line */
	const char *eol;  /* its end */
	unsigned no;	  /* its number, from 1 */
	char *err;
	size_t errlen;
};

static int next_line(struct cursor *c)
{
	if (!*c->p)
		return 0;
	c->line = c->p;
	c->eol = strchr(c->p, '\n');
	if (!c->eol)
		c->eol = c->p + strlen(c->p);
	c->p = *c->eol ? c->eol + 1 : c->eol;
	c->no++;
	return 1;
}

static int fail(struct cursor *c, const char *at, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!c->line || at < c->line || at > c->eol) /* no line read yet */
		snprintf(c->err, c->errlen, "%s:%u:1: %s", c->name,
			 c->no ? c->no : 1, what);
	else
		snprintf(c->err, c->errlen, "%s:%u:%u: %s", c->name, c->no,
			 (unsigned)(at - c->line) + 1, what);
	return MR_ECORRUPT;
}

static const char *skip_space(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* A decimal number at *S (spaces first); 0 with *V, or -1. */
static int number(const char **s, const char *end, uint64_t *v)
{
	const char *q = skip_space(*s, end);
	uint64_t n = 0;

	if (q >= end || !isdigit((unsigned char)*q)) {
		*s = q; /* messages point at what is there instead */
		return -1;
	}
	while (q < end && isdigit((unsigned char)*q)) {
		if (n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*q - '0');
		q++;
	}
	*s = q;
	*v = n;
	return 0;
}

/* The next word at *S (letters, digits, '_'); its length, 0 if none. */
static size_t word(const char **s, const char *end, const char **w)
{
	const char *q = skip_space(*s, end), *b = q;

	while (q < end && (isalnum((unsigned char)*q) || *q == '_'))
		q++;
	*w = b;
	*s = q;
	return (size_t)(q - b);
}

static int is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(w, lit, n);
}

static int zone_index(const char *w, size_t n)
{
	if (is(w, n, "DMA"))
		return MR_ZONE_DMA;
	if (is(w, n, "DMA32"))
		return MR_ZONE_DMA32;
	if (is(w, n, "Normal"))
		return MR_ZONE_NORMAL;
	return -1;
}

/* "Node N, zone NAME" at the start of the line: the zone's index (-1 for
 * a zone left out), -2 when the line is not one, -3 when N is not 0
 * (one node is modelled). *REST after it. */
static int zone_header(struct cursor *c, const char **rest)
{
	const char *s = c->line, *w;
	uint64_t node;
	size_t n;

	n = word(&s, c->eol, &w);
	if (!is(w, n, "Node") || number(&s, c->eol, &node) < 0 || s >= c->eol ||
	    *s != ',')
		return -2;
	s++;
	n = word(&s, c->eol, &w);
	if (!is(w, n, "zone"))
		return -2;
	n = word(&s, c->eol, &w);
	*rest = s;
	return node ? -3 : zone_index(w, n);
}

/* ---- zoneinfo ---- */

static int parse_zoneinfo(mr_buddy_profile *out, struct cursor *c)
{
	int z = -1, cpu = -1, seen = 0;

	while (next_line(c)) {
		const char *s = c->line, *w, *rest;
		uint64_t v = 0, *dst = NULL;
		uint32_t *dst32 = NULL;
		size_t n;
		int h = zone_header(c, &rest), colon;

		if (h == -3)
			return fail(c, c->line, "only node 0 is modelled");
		if (h != -2) {
			z = h;
			cpu = -1;
			seen = 1;
			if (z >= 0) {
				memset(&out->zone[z], 0, sizeof(out->zone[z]));
				out->zone[z].exists = 1;
			}
			continue;
		}
		if (!seen)
			return fail(c, s, "expected 'Node 0, zone NAME'");
		n = word(&s, c->eol, &w);
		colon = s < c->eol && *s == ':';
		if (colon)
			s++;
		if (z < 0 || !n)
			continue;
		if (is(w, n, "pages")) { /* "pages free N" */
			const char *w2;

			word(&s, c->eol, &w2);
			continue;
		}
		if (colon && is(w, n, "cpu")) {
			if (number(&s, c->eol, &v) < 0 ||
			    v >= MR_BUDDY_MAX_CPUS)
				return fail(c, s,
					    "expected a CPU number below %d",
					    MR_BUDDY_MAX_CPUS);
			cpu = (int)v;
			if (cpu + 1 > out->ncpus)
				out->ncpus = cpu + 1;
			continue;
		}
		if (colon && is(w, n, "protection")) {
			int i;

			s = skip_space(s, c->eol);
			if (s >= c->eol || *s != '(')
				return fail(c, s,
					    "expected '(' after 'protection:'");
			s++;
			for (i = 0; i < 5; i++) {
				if (number(&s, c->eol,
					   &out->zone[z].protection[i]) < 0)
					return fail(c, s,
						    "expected a number in the "
						    "protection list");
				s = skip_space(s, c->eol);
				if (s < c->eol && *s == ')')
					break;
				if (s >= c->eol || *s != ',')
					return fail(c, s,
						    "expected ',' or ')' in "
						    "the protection list");
				s++;
			}
			if (i < 3 || i > 4 || s >= c->eol || *s != ')')
				return fail(c, s,
					    "expected 4 or 5 protection "
					    "entries and ')'");
			out->zone[z].nprotection = i + 1;
			continue;
		}
		if (!colon && is(w, n, "min"))
			dst = &out->zone[z].wmark[0];
		else if (!colon && is(w, n, "low"))
			dst = &out->zone[z].wmark[1];
		else if (!colon && is(w, n, "high"))
			dst = &out->zone[z].wmark[2];
		else if (!colon && is(w, n, "spanned"))
			dst = &out->zone[z].spanned;
		else if (!colon && is(w, n, "present"))
			dst = &out->zone[z].present;
		else if (!colon && is(w, n, "managed"))
			dst = &out->zone[z].managed;
		else if (colon && is(w, n, "start_pfn"))
			dst = &out->zone[z].start_pfn;
		else if (colon && cpu >= 0 && is(w, n, "count"))
			dst32 = &out->zone[z].pcp_count[cpu];
		else if (colon && cpu >= 0 && is(w, n, "high"))
			dst32 = &out->zone[z].pcp_high[cpu];
		else if (colon && cpu >= 0 && is(w, n, "batch"))
			dst32 = &out->zone[z].pcp_batch[cpu];
		else if (colon && cpu >= 0 && is(w, n, "high_min"))
			dst32 = &out->zone[z].pcp_high_min;
		else if (colon && cpu >= 0 && is(w, n, "high_max"))
			dst32 = &out->zone[z].pcp_high_max;
		else
			continue;
		if (number(&s, c->eol, &v) < 0)
			return fail(c, s, "expected a number after '%.*s'",
				    (int)n, w);
		if (dst)
			*dst = v;
		else if (v > UINT32_MAX)
			return fail(c, s, "number too large");
		else
			*dst32 = (uint32_t)v;
	}
	if (!seen)
		return fail(c, c->p, "no zone found");
	return 0;
}

/* ---- pagetypeinfo and buddyinfo ---- */

static int type_index(const char *w, size_t n)
{
	static const char *const names[MR_MT__COUNT] = {
		"Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate"};
	int i;

	for (i = 0; i < MR_MT__COUNT; i++)
		if (is(w, n, names[i]))
			return i;
	return -1;
}

/* The free-block lines and the block-count lines. CAPPED marks lists
 * printed as ">100000". */
static int parse_pagetypeinfo(mr_buddy_profile *out, struct cursor *c,
			      uint8_t capped[MR_ZONE__COUNT][MR_NR_ORDERS])
{
	int blocks = 0, ntypes = 0, order_lines = 0;
	int cols[MR_MT__COUNT];

	while (next_line(c)) {
		const char *s = c->line, *rest, *w;
		int z = zone_header(c, &rest), mt, i;
		size_t n;

		if (z == -3)
			return fail(c, c->line, "only node 0 is modelled");
		if (z == -2) {
			n = word(&s, c->eol, &w);
			if (is(w, n, "Free"))
				order_lines++;
			if (is(w, n, "Number")) { /* the block-count header */
				const char *t = s;

				blocks = 1;
				word(&t, c->eol, &w); /* of */
				word(&t, c->eol, &w); /* blocks */
				word(&t, c->eol, &w); /* type */
				for (ntypes = 0; ntypes < MR_MT__COUNT;) {
					n = word(&t, c->eol, &w);
					if (!n)
						break;
					if ((cols[ntypes] = type_index(w, n)) <
					    0)
						return fail(
							c, w,
							"unknown migratetype "
							"'%.*s'",
							(int)n, w);
					ntypes++;
				}
			}
			continue;
		}
		s = rest;
		if (!blocks) {
			/* "Node 0, zone DMA, type Unmovable  n n ..." */
			if (s >= c->eol || *s != ',')
				return fail(c, s, "expected ', type NAME'");
			s++;
			n = word(&s, c->eol, &w);
			if (!is(w, n, "type"))
				return fail(c, w, "expected 'type'");
			n = word(&s, c->eol, &w);
			mt = type_index(w, n);
			if (mt < 0)
				return fail(c, w, "unknown migratetype '%.*s'",
					    (int)n, w);
			for (i = 0; i < MR_NR_ORDERS; i++) {
				uint64_t v;
				int cap = 0;

				s = skip_space(s, c->eol);
				if (s < c->eol && *s == '>') {
					cap = 1;
					s++;
				}
				if (number(&s, c->eol, &v) < 0)
					return fail(c, s,
						    "expected the free count "
						    "of order %d",
						    i);
				if (z >= 0) {
					out->zone[z].free[i][mt] = v;
					if (cap)
						capped[z][i] |=
							(uint8_t)(1u << mt);
				}
			}
			continue;
		}
		for (i = 0; i < ntypes; i++) {
			uint64_t v;

			if (number(&s, c->eol, &v) < 0)
				return fail(c, s,
					    "expected the pageblock count of a "
					    "type");
			if (z >= 0)
				out->zone[z].blocks[cols[i]] = v;
		}
	}
	if (!order_lines || !blocks)
		return fail(c, c->p,
			    "expected the free-page table and the block-count "
			    "table");
	return 0;
}

static int parse_buddyinfo(struct cursor *c,
			   uint64_t total[MR_ZONE__COUNT][MR_NR_ORDERS])
{
	while (next_line(c)) {
		const char *rest;
		int z = zone_header(c, &rest), i;

		if (z == -3)
			return fail(c, c->line, "only node 0 is modelled");
		if (z == -2)
			return fail(c, c->line, "expected 'Node 0, zone NAME'");
		for (i = 0; i < MR_NR_ORDERS; i++) {
			uint64_t v;

			if (number(&rest, c->eol, &v) < 0)
				return fail(
					c, rest,
					"expected the free count of order %d",
					i);
			if (z >= 0)
				total[z][i] = v;
		}
	}
	return 0;
}

int mr_procinfo_parse(mr_buddy_profile *out, const char *zoneinfo,
		      const char *zname, const char *pagetypeinfo,
		      const char *pname, const char *buddyinfo,
		      const char *bname, char *err, size_t errlen)
{
	struct cursor c;
	uint8_t capped[MR_ZONE__COUNT][MR_NR_ORDERS];
	uint64_t total[MR_ZONE__COUNT][MR_NR_ORDERS];
	int rc, z, o, mt;

	memset(out, 0, sizeof(*out));
	memset(capped, 0, sizeof(capped));
	memset(total, 0, sizeof(total));
	memset(&c, 0, sizeof(c));
	c.err = err;
	c.errlen = errlen;
	c.name = zname;
	c.p = zoneinfo;
	rc = parse_zoneinfo(out, &c);
	if (rc < 0)
		return rc;
	c.name = pname;
	c.p = pagetypeinfo;
	c.no = 0;
	rc = parse_pagetypeinfo(out, &c, capped);
	if (rc < 0)
		return rc;
	if (buddyinfo) {
		c.name = bname;
		c.p = buddyinfo;
		c.no = 0;
		rc = parse_buddyinfo(&c, total);
		if (rc < 0)
			return rc;
	}
	for (z = 0; z < MR_ZONE__COUNT; z++) {
		if (!out->zone[z].present)
			out->zone[z].exists = 0;
		for (o = 0; o < MR_NR_ORDERS; o++) {
			uint64_t others = 0;
			int n = 0, which = 0;

			if (!capped[z][o])
				continue;
			for (mt = 0; mt < MR_MT__COUNT; mt++)
				if (capped[z][o] & (1u << mt)) {
					n++;
					which = mt;
				} else {
					others += out->zone[z].free[o][mt];
				}
			if (!buddyinfo || n > 1 || total[z][o] < others) {
				snprintf(err, errlen,
					 "%s: zone %d order %d: a count "
					 "printed as >100000 needs %s",
					 pname, z, o,
					 buddyinfo ? "a single capped list"
						   : "/proc/buddyinfo");
				return MR_ECORRUPT;
			}
			out->zone[z].free[o][which] = total[z][o] - others;
		}
	}
	if (out->ncpus < 1) {
		snprintf(err, errlen, "%s: no per-CPU pagesets found", zname);
		return MR_ECORRUPT;
	}
	return 0;
}

/* ---- slabinfo ---- */

/* The literal LIT next at *S (spaces first): 0, or -1. */
static int literal(const char **s, const char *end, const char *lit)
{
	const char *q = skip_space(*s, end);
	size_t n = strlen(lit);

	*s = q;
	if ((size_t)(end - q) < n || memcmp(q, lit, n))
		return -1;
	*s = q + n;
	return 0;
}

static int slab_number(struct cursor *c, const char **s, uint64_t *v,
		       uint64_t max, const char *what)
{
	if (number(s, c->eol, v) < 0 || *v > max)
		return fail(c, *s, "expected %s", what);
	return 0;
}

int mr_slabinfo_parse(mr_slab_profile *out, const char *text, const char *name,
		      char *err, size_t errlen)
{
	struct cursor c = {name, text, NULL, NULL, 0, err, errlen};
	size_t cap = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!next_line(&c) ||
	    (size_t)(c.eol - c.line) != strlen("slabinfo - version: 2.1") ||
	    memcmp(c.line, "slabinfo - version: 2.1", (size_t)(c.eol - c.line)))
		return fail(&c, c.line ? c.line : text,
			    "expected \"slabinfo - version: 2.1\"");
	if (!next_line(&c) || c.line == c.eol || *c.line != '#')
		return fail(&c, c.line ? c.line : text,
			    "expected the \"# name ...\" header line");
	while (!rc && next_line(&c)) {
		mr_slab_cache_profile *k;
		const char *s = c.line, *nb;
		uint64_t v[11];
		size_t nl;

		if (c.line == c.eol && !*c.p)
			break; /* the last newline */
		nb = s;
		while (s < c.eol && *s != ' ' && *s != '\t')
			s++;
		nl = (size_t)(s - nb);
		if (!nl || nl >= MR_SLAB_NAME_MAX) {
			rc = fail(&c, nb,
				  "expected a cache name of 1 to %d characters",
				  MR_SLAB_NAME_MAX - 1);
			break;
		}
		if (slab_number(&c, &s, &v[0], UINT64_MAX, "<active_objs>") ||
		    slab_number(&c, &s, &v[1], UINT64_MAX, "<num_objs>") ||
		    slab_number(&c, &s, &v[2], UINT32_MAX, "<objsize>") ||
		    slab_number(&c, &s, &v[3], UINT32_MAX, "<objperslab>") ||
		    slab_number(&c, &s, &v[4], 1u << 20, "<pagesperslab>")) {
			rc = MR_ECORRUPT;
			break;
		}
		if (literal(&s, c.eol, ": tunables") < 0) {
			rc = fail(&c, s, "expected \": tunables\"");
			break;
		}
		if (slab_number(&c, &s, &v[5], UINT32_MAX, "<limit>") ||
		    slab_number(&c, &s, &v[6], UINT32_MAX, "<batchcount>") ||
		    slab_number(&c, &s, &v[7], UINT32_MAX, "<sharedfactor>")) {
			rc = MR_ECORRUPT;
			break;
		}
		if (literal(&s, c.eol, ": slabdata") < 0) {
			rc = fail(&c, s, "expected \": slabdata\"");
			break;
		}
		if (slab_number(&c, &s, &v[8], UINT64_MAX, "<active_slabs>") ||
		    slab_number(&c, &s, &v[9], UINT64_MAX, "<num_slabs>") ||
		    slab_number(&c, &s, &v[10], UINT64_MAX, "<sharedavail>")) {
			rc = MR_ECORRUPT;
			break;
		}
		s = skip_space(s, c.eol);
		if (s != c.eol) {
			rc = fail(&c, s, "expected the end of the line");
			break;
		}
		if (v[0] > v[1] || v[8] > v[9]) {
			rc = fail(&c, nb,
				  "expected no more active objects or slabs "
				  "than there are");
			break;
		}
		if (out->n == cap) {
			size_t nc = cap ? 2 * cap : 256;
			mr_slab_cache_profile *nv =
				realloc(out->v, nc * sizeof(*nv));

			if (!nv) {
				rc = MR_ENOMEM;
				break;
			}
			out->v = nv;
			cap = nc;
		}
		k = &out->v[out->n++];
		memset(k, 0, sizeof(*k));
		memcpy(k->name, nb, nl);
		k->active_objs = v[0];
		k->num_objs = v[1];
		k->objsize = (uint32_t)v[2];
		k->objperslab = (uint32_t)v[3];
		k->pagesperslab = (uint32_t)v[4];
		k->limit = (uint32_t)v[5];
		k->batchcount = (uint32_t)v[6];
		k->shared = (uint32_t)v[7];
		k->active_slabs = v[8];
		k->num_slabs = v[9];
		k->sharedavail = v[10];
	}
	if (rc) {
		if (rc == MR_ENOMEM)
			snprintf(err, errlen, "%s: out of memory", name);
		mr_slab_profile_free(out);
	}
	return rc;
}
