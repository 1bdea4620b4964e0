/*
 * snapstream.c - the per-syscall snapshots of a capture as one stream
 * (snap/lines.maps.zst): each snapshot is a header line
 *
 *   ==> TID.line.L <==
 *
 * followed by the maps lines /proc/TID/maps printed after the call on
 * trace line L, in increasing L. Consecutive snapshots differ in a few
 * lines, which zstd's long-distance matching turns into a few bytes each.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errcode.h"
#include "formats/formats_int.h"
#include "formats/maps.h"

struct mr_snapstream {
	mr_zio *z;	    /* the stream */
	char *text;	    /* the current snapshot's lines */
	size_t len, cap;    /* its length and allocation */
	int have_next;	    /* next_tid/next_line hold a read header */
	int32_t next_tid;   /* the header read ahead */
	uint64_t next_line; /* ... */
	char errmsg[512];   /* last error */
};

int mr_snapstream_open(mr_snapstream **out, const char *path, char *errbuf,
		       size_t errlen)
{
	mr_snapstream *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s) {
		snprintf(errbuf, errlen, "%s: out of memory", path);
		return MR_ENOMEM;
	}
	rc = mr_zio_open(&s->z, path, errbuf, errlen);
	if (rc) {
		free(s);
		return rc;
	}
	mr_zio_set_expect(s->z, "a maps line or a '==> TID.line.L <==' header");
	*out = s;
	return 0;
}

/* A header line: 1 and its fields, or 0. */
static int header(const char *l, int32_t *tid, uint64_t *line)
{
	int t, n = 0;
	unsigned long long L;

	if (sscanf(l, "==> %d.line.%llu <==%n", &t, &L, &n) != 2 || l[n] ||
	    t <= 0)
		return 0;
	*tid = t;
	*line = L;
	return 1;
}

/* Room for N more bytes and a NUL. */
static int reserve(mr_snapstream *s, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = (s->cap + n + 1) * 2;
		char *t = realloc(s->text, cap);

		if (!t)
			return MR_ENOMEM;
		s->text = t;
		s->cap = cap;
	}
	return 0;
}

static int append(mr_snapstream *s, const char *l, size_t n)
{
	if (reserve(s, n + 1))
		return MR_ENOMEM;
	memcpy(s->text + s->len, l, n);
	s->len += n;
	s->text[s->len++] = '\n';
	s->text[s->len] = 0;
	return 0;
}

int mr_snapstream_next(mr_snapstream *s, int32_t *tid, uint64_t *line,
		       const char **text)
{
	char *l;
	size_t n;
	int rc;

	if (!s->have_next) {
		rc = mr_zio_getline(s->z, &l, &n);
		if (rc <= 0) {
			if (rc < 0)
				snprintf(s->errmsg, sizeof(s->errmsg), "%s",
					 mr_zio_errmsg(s->z));
			return rc;
		}
		if (!header(l, &s->next_tid, &s->next_line)) {
			snprintf(s->errmsg, sizeof(s->errmsg),
				 "%s:%" PRIu64 ":1: expected a '==> "
				 "TID.line.L <==' header",
				 mr_zio_path(s->z), mr_zio_lineno(s->z));
			return MR_ECORRUPT;
		}
	}
	*tid = s->next_tid;
	*line = s->next_line;
	s->have_next = 0;
	s->len = 0;
	if (reserve(s, 0))
		return MR_ENOMEM;
	s->text[0] = 0;
	while ((rc = mr_zio_getline(s->z, &l, &n)) == 1) {
		if (header(l, &s->next_tid, &s->next_line)) {
			s->have_next = 1;
			break;
		}
		if (append(s, l, n))
			return MR_ENOMEM;
	}
	if (rc < 0) {
		snprintf(s->errmsg, sizeof(s->errmsg), "%s",
			 mr_zio_errmsg(s->z));
		return rc;
	}
	*text = s->text;
	return 1;
}

const char *mr_snapstream_errmsg(const mr_snapstream *s)
{
	return s->errmsg;
}

void mr_snapstream_free(mr_snapstream *s)
{
	if (!s)
		return;
	mr_zio_free(s->z);
	free(s->text);
	free(s);
}
