/*
 * histenc.c - argument texts and maps lines as formats and numbers.
 */
#include "replay/histenc.h"

#include <string.h>

static int word_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}

static int hex_digit(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/*
 * A number at P (END its bound) printed so that %lld or %#llx prints it
 * back: its length, its value in *V and whether it is hex in *HEX; 0
 * when there is none.
 */
static size_t number_at(const char *p, const char *end, int64_t *v, int *hex)
{
	const char *q = p;
	uint64_t u = 0;
	int neg = 0;

	if (end - q > 2 && q[0] == '0' && q[1] == 'x') {
		q += 2;
		if (!hex_digit((unsigned char)*q) || *q == '0')
			return 0;
		while (q < end && hex_digit((unsigned char)*q)) {
			if (q - p >= 18) /* more than 16 digits */
				return 0;
			u = u << 4 |
			    (uint64_t)(*q <= '9' ? *q - '0' : *q - 'a' + 10);
			q++;
		}
		if (q < end && word_char((unsigned char)*q))
			return 0;
		*v = (int64_t)u;
		*hex = 1;
		return (size_t)(q - p);
	}
	if (q < end && *q == '-') {
		neg = 1;
		q++;
	}
	if (q >= end || *q < '0' || *q > '9' || (*q == '0' && neg))
		return 0;
	if (*q == '0') {
		q++;
	} else {
		while (q < end && *q >= '0' && *q <= '9') {
			unsigned d = (unsigned)(*q - '0');

			if (u > (UINT64_C(9223372036854775807) - d) / 10)
				return 0; /* beyond int64 (also -2^63) */
			u = u * 10 + d;
			q++;
		}
	}
	if (q < end && word_char((unsigned char)*q))
		return 0;
	*v = neg ? -(int64_t)u : (int64_t)u;
	*hex = 0;
	return (size_t)(q - p);
}

size_t mr_hist_args_fmt(const char *args, size_t len, char *out,
			int64_t num[MR_HIST_NUMS], int *nnum)
{
	const char *p = args, *end = args + len, *run;
	char *o = out;
	int n = 0;

	while (p < end) {
		size_t k;
		int hex;

		/* a run of bytes that start no number and need no escape */
		for (run = p; p < end && *p != '%' && *p != '-' &&
			      (*p < '0' || *p > '9' || n == MR_HIST_NUMS);
		     p++)
			;
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (p == end)
			break;
		if (*p != '%' && n < MR_HIST_NUMS &&
		    (p == args || !word_char((unsigned char)p[-1])) &&
		    (k = number_at(p, end, &num[n], &hex))) {
			memcpy(o, hex ? "%#llx" : "%lld", hex ? 5 : 4);
			o += hex ? 5 : 4;
			p += k;
			n++;
			continue;
		}
		if (*p == '%')
			*o++ = '%';
		*o++ = *p++;
	}
	*o = 0;
	*nnum = n;
	return (size_t)(o - out);
}

/* Append the LEN bytes at S to *O (bounded by END), each '%' doubled. */
static int put_escaped(char **o, char *end, const char *s, size_t len)
{
	while (len) {
		const char *pc = memchr(s, '%', len);
		size_t run = pc ? (size_t)(pc - s) : len;

		if ((size_t)(end - *o) < run + 3)
			return -1;
		memcpy(*o, s, run);
		*o += run;
		s += run;
		len -= run;
		if (pc) {
			*(*o)++ = '%';
			*(*o)++ = '%';
			s++;
			len--;
		}
	}
	return 0;
}

int mr_hist_line_fmt(const mr_maps_row *r, const char *line, size_t len,
		     uint64_t pgoff, char *out, size_t cap, int *shown_off)
{
	char head[96], ino[24], *h = head;
	const char *p = line, *lend = line + len, *dev;
	char *o = out, *oend = out + cap;
	size_t n, m;

	if (pgoff > UINT64_MAX >> 12 || memchr(r->perms, '%', 4) ||
	    memchr(r->perms, 0, 4))
		return -1;
	/* start, end, perms and offset as the kernel prints them */
	*shown_off = r->offset == pgoff << 12;
	if (!*shown_off && r->offset)
		return -1;
	h = mr_fmt_hex(h, r->start, 8);
	*h++ = '-';
	h = mr_fmt_hex(h, r->end, 8);
	*h++ = ' ';
	memcpy(h, r->perms, 4);
	h += 4;
	*h++ = ' ';
	h = mr_fmt_hex(h, r->offset, 8);
	*h++ = ' ';
	n = (size_t)(h - head);
	if (len < n || memcmp(line, head, n))
		return -1;
	p += n;
	/* the device as printed, up to its space */
	dev = p;
	while (p < lend && *p != ' ')
		p++;
	if (p == lend)
		return -1;
	p++;
	m = (size_t)(mr_fmt_dec(ino,
				r->has_file && r->inode_known ? r->inode : 0) -
		     ino);
	if ((size_t)(lend - p) < m || memcmp(p, ino, m) ||
	    (p + m < lend && p[m] != ' '))
		return -1;
	if (cap < 40)
		return -1;
	memcpy(o, "%08llx-%08llx ", 14);
	o += 14;
	memcpy(o, r->perms, 4);
	o += 4;
	memcpy(o, " %08llx ", 8);
	o += 8;
	if (put_escaped(&o, oend, dev, (size_t)(p - dev)))
		return -1;
	if (oend - o < 6)
		return -1;
	memcpy(o, "%llu", 4);
	o += 4;
	p += m;
	if (put_escaped(&o, oend, p, (size_t)(lend - p)))
		return -1;
	*o = 0;
	return 0;
}
