/*
 * maps.c - reading /proc/PID/maps, /proc/PID/smaps and /proc/PID/stat
 * snapshots (fs/proc/task_mmu.c show_map_vma() and show_smap(),
 * fs/proc/array.c do_task_stat()).
 *
 * A maps line is "start-end perms offset major:minor inode", then, after
 * padding spaces, the name, which may itself hold spaces and end in
 * " (deleted)". In smaps each such header is followed by "Key: value"
 * lines; "Anonymous:" and "VmFlags:" are kept.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errcode.h"
#include "formats/formats_int.h"
#include "formats/maps.h"

struct mp {
	mr_maps m;	  /* what was read */
	size_t cap;	  /* slots in m.v */
	const char *name; /* file name for messages */
	uint64_t lno;	  /* current line */
	const char *line; /* its text */
	const char *eol;  /* its end */
	char *errbuf;	  /* message out */
	size_t errlen;	  /* its size */
};

static int bad(struct mp *mp, const char *at, const char *expect)
{
	char f[40];
	size_t i;

	if (!at || at >= mp->eol) {
		snprintf(f, sizeof(f), "the end of the line");
	} else {
		f[0] = '\'';
		for (i = 0; i < 30 && at + i < mp->eol; i++)
			f[i + 1] = at[i] >= 0x20 && at[i] < 0x7f ? at[i] : '?';
		f[i + 1] = '\'';
		f[i + 2] = '\0';
	}
	if (mp->errbuf && mp->errlen)
		snprintf(mp->errbuf, mp->errlen,
			 "%s:%llu:%zu: expected %s, found %s", mp->name,
			 (unsigned long long)mp->lno,
			 at ? (size_t)(at - mp->line) + 1 : 1, expect, f);
	return MR_ECORRUPT;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits at *pp (at least one, at most 16). */
static int hex(const char **pp, const char *end, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;
	int d, n = 0;

	while (p < end && (d = hexval(*p)) >= 0) {
		if (++n > 16)
			return -1;
		x = x << 4 | (uint64_t)d;
		p++;
	}
	if (!n)
		return -1;
	*pp = p;
	*v = x;
	return 0;
}

static int dec(const char **pp, const char *end, uint64_t *v)
{
	const char *p = *pp;
	uint64_t x = 0;
	unsigned d;

	if (p >= end || *p < '0' || *p > '9')
		return -1;
	while (p < end && *p >= '0' && *p <= '9') {
		d = (unsigned)(*p - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
		p++;
	}
	*pp = p;
	*v = x;
	return 0;
}

static int header(struct mp *mp, const char *p, const char *end)
{
	mr_maps_entry e = {0}, *nv;
	uint64_t v;
	size_t ncap;

	if (hex(&p, end, &e.start))
		return bad(mp, p, "a start address in hex");
	if (p >= end || *p != '-')
		return bad(mp, p, "'-' between the addresses");
	p++;
	if (hex(&p, end, &e.end))
		return bad(mp, p, "an end address in hex");
	if (e.end < e.start)
		return bad(mp, p, "an end address not below the start");
	if (p >= end || *p != ' ')
		return bad(mp, p, "' ' before the permissions");
	p++;
	if (end - p < 5 || (p[0] != 'r' && p[0] != '-') ||
	    (p[1] != 'w' && p[1] != '-') || (p[2] != 'x' && p[2] != '-') ||
	    (p[3] != 'p' && p[3] != 's') || p[4] != ' ')
		return bad(mp, p, "permissions like 'r-xp'");
	memcpy(e.perms, p, 4);
	e.perms[4] = '\0';
	p += 5;
	if (hex(&p, end, &e.offset) || p >= end || *p != ' ')
		return bad(mp, p, "a file offset in hex");
	p++;
	if (hex(&p, end, &v) || v > 0xffffffffu || p >= end || *p != ':')
		return bad(mp, p, "a device 'major:minor' in hex");
	e.dev_major = (uint32_t)v;
	p++;
	if (hex(&p, end, &v) || v > 0xffffffffu || p >= end || *p != ' ')
		return bad(mp, p, "a device minor in hex");
	e.dev_minor = (uint32_t)v;
	p++;
	if (dec(&p, end, &e.inode))
		return bad(mp, p, "an inode number");
	if (p < end && *p != ' ')
		return bad(mp, p, "' ' after the inode");
	while (p < end && *p == ' ')
		p++;
	e.name = strndup(p, (size_t)(end - p));
	if (!e.name)
		return MR_ENOMEM;
	if (mp->m.n == mp->cap) {
		ncap = mp->cap ? mp->cap * 2 : 64;
		nv = realloc(mp->m.v, ncap * sizeof(*nv));
		if (!nv) {
			free(e.name);
			return MR_ENOMEM;
		}
		mp->m.v = nv;
		mp->cap = ncap;
	}
	mp->m.v[mp->m.n++] = e;
	return 0;
}

/* An smaps field the kernel prints as "N kB" (others are not checked:
 * a later kernel may add fields of other forms). */
static int kb_field(const char *key, size_t n)
{
	static const char *const kb[] = {
		"Size",
		"KernelPageSize",
		"MMUPageSize",
		"Rss",
		"Pss",
		"Pss_Dirty",
		"Pss_Anon",
		"Pss_File",
		"Pss_Shmem",
		"Shared_Clean",
		"Shared_Dirty",
		"Private_Clean",
		"Private_Dirty",
		"Referenced",
		"Anonymous",
		"KSM",
		"LazyFree",
		"AnonHugePages",
		"ShmemPmdMapped",
		"FilePmdMapped",
		"Shared_Hugetlb",
		"Private_Hugetlb",
		"Swap",
		"SwapPss",
		"Locked",
	};

	for (size_t i = 0; i < sizeof(kb) / sizeof(*kb); i++)
		if (strlen(kb[i]) == n && !memcmp(kb[i], key, n))
			return 1;
	return 0;
}

/* An smaps "Key:   value" line, after its header. */
static int smaps_field(struct mp *mp, const char *p, const char *end)
{
	const char *key = p, *v;
	mr_maps_entry *e;
	uint64_t kb;

	while (p < end && *p != ':' && *p != ' ')
		p++;
	if (p == key || p >= end || *p != ':')
		return bad(mp, key, "a maps line or an smaps 'Key:' line");
	if (!mp->m.n)
		return bad(mp, key, "a maps line before the first smaps field");
	e = &mp->m.v[mp->m.n - 1];
	v = p + 1;
	while (v < end && *v == ' ')
		v++;
	if (kb_field(key, (size_t)(p - key))) {
		const char *n = v;

		if (dec(&n, end, &kb) || end - n != 3 ||
		    memcmp(n, " kB", 3) != 0)
			return bad(mp, n, "'N kB'");
		if (p - key == 9 && memcmp(key, "Anonymous", 9) == 0)
			e->anonymous = kb;
	} else if (p - key == 7 && memcmp(key, "VmFlags", 7) == 0) {
		while (end > v && end[-1] == ' ')
			end--;
		free(e->vmflags);
		e->vmflags = strndup(v, (size_t)(end - v));
		if (!e->vmflags)
			return MR_ENOMEM;
	}
	return 0;
}

static int one_line(struct mp *mp, const char *p, size_t len)
{
	const char *end = p + len, *q = p;

	mp->lno++;
	mp->line = p;
	if (len && end[-1] == '\r')
		end--;
	mp->eol = end;
	if (p == end)
		return 0;
	if (memchr(p, '\0', len))
		return bad(mp, memchr(p, '\0', len),
			   "a maps line, not a NUL byte (binary file?)");
	while (q < end && hexval(*q) >= 0)
		q++;
	if (q > p && q < end && *q == '-')
		return header(mp, p, end);
	return smaps_field(mp, p, end);
}

static void init(struct mp *mp, const char *name, char *errbuf, size_t errlen)
{
	memset(mp, 0, sizeof(*mp));
	mp->name = name;
	mp->errbuf = errbuf;
	mp->errlen = errlen;
	if (errbuf && errlen)
		errbuf[0] = '\0';
}

static int finish(struct mp *mp, mr_maps *out, int rc)
{
	if (rc == MR_ENOMEM && mp->errbuf && mp->errlen)
		snprintf(mp->errbuf, mp->errlen, "%s:%llu: out of memory",
			 mp->name, (unsigned long long)mp->lno);
	if (rc) {
		mr_maps_release(&mp->m);
		return rc;
	}
	*out = mp->m;
	return 0;
}

int mr_maps_parse(mr_maps *out, const char *text, const char *name,
		  char *errbuf, size_t errlen)
{
	struct mp mp;
	const char *nl;
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	init(&mp, name, errbuf, errlen);
	while (*text && !rc) {
		nl = strchr(text, '\n');
		if (!nl)
			nl = text + strlen(text);
		rc = one_line(&mp, text, (size_t)(nl - text));
		text = *nl ? nl + 1 : nl;
	}
	return finish(&mp, out, rc);
}

int mr_maps_load(mr_maps *out, const char *path, char *errbuf, size_t errlen)
{
	struct mp mp;
	mr_zio *z;
	char *line;
	size_t len;
	int rc;

	out->v = NULL;
	out->n = 0;
	rc = mr_zio_open(&z, path, errbuf, errlen);
	if (rc)
		return rc;
	mr_zio_set_expect(z, "a maps line");
	init(&mp, mr_zio_path(z), errbuf, errlen);
	while ((rc = mr_zio_getline(z, &line, &len)) == 1) {
		rc = one_line(&mp, line, len);
		if (rc)
			break;
	}
	if (rc < 0 && rc != MR_ENOMEM && mp.lno < mr_zio_lineno(z) && errbuf &&
	    errlen)
		snprintf(errbuf, errlen, "%s", mr_zio_errmsg(z));
	rc = finish(&mp, out, rc);
	mr_zio_free(z);
	return rc;
}

void mr_maps_release(mr_maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].vmflags);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

#define STAT_START_BRK 47 /* field numbers of proc(5) */
#define STAT_START_STACK 28
#define STAT_START_CODE 26
#define STAT_START_DATA 45

/* Fields 28 (startstack) and 47 (start_brk) of the stat line in PATH,
 * and 26 and 27 (startcode, endcode) in CODE when not NULL. */
static int stat_parse(uint64_t *start_stack, uint64_t *start_brk,
		      uint64_t *code, const char *path, char *errbuf,
		      size_t errlen)
{
	char buf[4096], *p, *end;
	uint64_t v = 0;
	size_t n;
	FILE *f;
	int field;

	f = fopen(path, "re");
	if (!f) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: %s", path,
				 strerror(errno));
		return MR_EIO;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: read error", path);
		fclose(f);
		return MR_EIO;
	}
	fclose(f);
	buf[n] = '\0';
	end = memchr(buf, '\n', n);
	if (!end)
		end = buf + n;
	*end = '\0';
	if (memchr(buf, '\0', (size_t)(end - buf)))
		goto out_bad_nul;
	/* comm (field 2) may hold spaces and ')': the last ')' ends it. */
	p = memrchr(buf, ')', (size_t)(end - buf));
	if (!p || !memchr(buf, '(', (size_t)(p - buf)))
		goto out_bad_comm;
	p++;
	for (field = 3; field <= STAT_START_BRK; field++) {
		if (*p != ' ')
			goto out_bad_field;
		p++;
		if (field == 3) { /* state: one letter */
			if (!*p || *p == ' ')
				goto out_bad_field;
			while (*p && *p != ' ')
				p++;
			continue;
		}
		if (*p == '-')
			p++;
		if (dec((const char **)&p, end, &v))
			goto out_bad_field;
		if (*p && *p != ' ')
			goto out_bad_field;
		if (field == STAT_START_STACK)
			*start_stack = v;
		if (code && (field == STAT_START_CODE ||
			     field == STAT_START_CODE + 1))
			code[field - STAT_START_CODE] = v;
		if (code &&
		    (field == STAT_START_DATA || field == STAT_START_DATA + 1))
			code[2 + field - STAT_START_DATA] = v;
	}
	*start_brk = v;
	return 0;

out_bad_nul:
	if (errbuf && errlen)
		snprintf(errbuf, errlen,
			 "%s:1:%zu: expected a stat line, found a NUL byte",
			 path, (size_t)((char *)memchr(buf, 0, n) - buf) + 1);
	return MR_ECORRUPT;
out_bad_comm:
	if (errbuf && errlen)
		snprintf(errbuf, errlen,
			 "%s:1:1: expected 'pid (comm) state ...', found no "
			 "'(comm)'",
			 path);
	return MR_ECORRUPT;
out_bad_field:
	if (errbuf && errlen)
		snprintf(errbuf, errlen,
			 "%s:1:%zu: expected field %d (a number), found %s",
			 path, (size_t)(p - buf) + 1, field,
			 *p ? "other text" : "the end of the line");
	return MR_ECORRUPT;
}

int mr_stat_load_brk(uint64_t *start_brk, uint64_t *brk, const char *path,
		     char *errbuf, size_t errlen)
{
	uint64_t stack;

	/* The kernel does not print mm->brk in stat: field 48 is arg_start.
	 * The break, page-aligned, is the end of the [heap] line of maps. */
	*brk = 0;
	return stat_parse(&stack, start_brk, NULL, path, errbuf, errlen);
}

int mr_stat_load_start_stack(uint64_t *start_stack, const char *path,
			     char *errbuf, size_t errlen)
{
	uint64_t brk;

	return stat_parse(start_stack, &brk, NULL, path, errbuf, errlen);
}

int mr_stat_load_code(uint64_t code[4], const char *path, char *errbuf,
		      size_t errlen)
{
	uint64_t stack, brk;

	memset(code, 0, 4 * sizeof(*code));
	return stat_parse(&stack, &brk, code, path, errbuf, errlen);
}
