/*
 * perf.c - `perf script -F comm,tid,pid,cpu,time,event,trace` text read
 * as events (see perf.h).
 *
 * The fields of each tracepoint are those its TP_printk() prints on
 * Linux 6.18 (include/trace/events/{syscalls,exceptions,filemap,kmem}.h
 * and arch/x86/include/asm/trace/exceptions.h), measured with perf 6.1:
 *
 *   raw_syscalls:sys_exit: NR 59 = 0
 *   exceptions:page_fault_user: address=0x7f.. ip=0x7f.. error_code=0x14
 *   filemap:mm_filemap_map_pages: dev=254:0 ino=5125f ofs=90112-155647
 *   kmem:rss_stat: mm_id=851851818 curr=1 type=MM_ANONPAGES size=8192B
 *   kmem:mm_page_alloc: page=0x.. pfn=0x.. order=0 migratetype=1 gfp_flags=..
 *   kmem:kmem_cache_alloc: call_site=.. ptr=0x.. name=vm_area_struct
 *                          bytes_req=192 bytes_alloc=192 ...
 */
#include "formats/perf.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errcode.h"
#include "formats/formats_int.h"
#include "formats/pipe.h"

struct mr_perf {
	mr_zio *z;	  /* the file */
	mr_pipe *pipe;	  /* read ahead on a thread (mr_perf_read_ahead) */
	uint64_t lineno;  /* ... the line of the event handed out */
	char *line;	  /* the current line */
	size_t len;	  /* its bytes (the parse writes NULs into it) */
	char errmsg[512]; /* the last error */
};

int mr_perf_open(mr_perf **out, const char *path, char *errbuf, size_t errlen)
{
	mr_perf *p = calloc(1, sizeof(*p));
	int rc;

	*out = NULL;
	if (!p) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: out of memory", path);
		return MR_ENOMEM;
	}
	rc = mr_zio_open(&p->z, path, errbuf, errlen);
	if (rc) {
		free(p);
		return rc;
	}
	mr_zio_set_expect(p->z, "a perf script line");
	*out = p;
	return 0;
}

void mr_perf_free(mr_perf *p)
{
	if (!p)
		return;
	mr_pipe_stop(p->pipe);
	mr_zio_free(p->z);
	free(p);
}

const char *mr_perf_errmsg(const mr_perf *p)
{
	return p->errmsg;
}

uint64_t mr_perf_lineno(const mr_perf *p)
{
	if (p->pipe)
		return p->lineno;
	return mr_zio_lineno(p->z);
}

/* An error at AT of the current line: file:line:col and what was wanted. */
static int bad(mr_perf *p, const char *at, const char *want)
{
	snprintf(p->errmsg, sizeof(p->errmsg), "%s:%llu:%zu: expected %s",
		 mr_zio_path(p->z), (unsigned long long)mr_zio_lineno(p->z),
		 (size_t)(at - p->line) + 1, want);
	return MR_ECORRUPT;
}

static const char *skip_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/*
 * The digits at S in BASE as strtoull() reads them (0: a 0x prefix for
 * hexadecimal, a leading 0 for octal; 16: an optional 0x; saturating at
 * UINT64_MAX), without its locale and sign handling: the first byte is
 * a digit. Returns the end.
 */
static const char *parse_u64(const char *s, int base, uint64_t *v)
{
	const char *p = s;
	uint64_t x = 0;
	int over = 0;

	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
		base = 16;
		p += 2;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (;; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'z')
			d = (unsigned)(*p - 'a') + 10;
		else if (*p >= 'A' && *p <= 'Z')
			d = (unsigned)(*p - 'A') + 10;
		else
			break;
		if (d >= (unsigned)base)
			break;
		if (__builtin_mul_overflow(x, (uint64_t)base, &x) ||
		    __builtin_add_overflow(x, (uint64_t)d, &x))
			over = 1;
	}
	*v = over ? UINT64_MAX : x;
	return p;
}

/* A number in BASE (0: 0x for hexadecimal) ending at a space, a NUL or
 * one of STOPS. NULL when there is none. */
static const char *number(const char *s, int base, const char *stops,
			  uint64_t *v)
{
	const char *end;

	if (base == 16 ? !isxdigit((unsigned char)*s)
		       : !isdigit((unsigned char)*s))
		return NULL;
	end = parse_u64(s, base, v);
	if (end == s || (*end && *end != ' ' && !strchr(stops, *end)))
		return NULL;
	return end;
}

/* The value of KEY= in the fields TRACE (NULL when absent). */
static const char *field(const char *trace, const char *key)
{
	size_t n = strlen(key);
	const char *s = trace;

	while ((s = strstr(s, key))) {
		if ((s == trace || s[-1] == ' ') && s[n] == '=')
			return s + n + 1;
		s += n;
	}
	return NULL;
}

/* A number field KEY=VALUE of TRACE. */
static int num_field(mr_perf *p, const char *trace, const char *key, int base,
		     uint64_t *v, const char *want)
{
	const char *s = field(trace, key);

	if (!s || !number(s, base, "", v))
		return bad(p, s ? s : trace, want);
	return 0;
}

/* COMM PID/TID [CPU] SECONDS.MICROS: EVENT: (sets *trace) */
static int header(mr_perf *p, char *l, mr_perf_event *ev, const char **trace)
{
	char *cpu = l, *s, *slash, *e;
	uint64_t v, frac;
	size_t digits;

	/* the CPU field: " [digits] " (the comm may hold spaces and
	 * brackets, never this) */
	for (;;) {
		cpu = strstr(cpu, " [");
		if (!cpu)
			return bad(p, l, "COMM PID/TID [CPU] TIME: EVENT: ...");
		s = cpu + 2;
		while (isdigit((unsigned char)*s))
			s++;
		if (s > cpu + 2 && s[0] == ']' && s[1] == ' ')
			break;
		cpu++;
	}
	ev->cpu = atoi(cpu + 2);
	/* PID/TID ends just before it (perf pads the columns to the
	 * widest pid of the file) */
	e = cpu;
	while (e > l && e[-1] == ' ')
		e--;
	s = e;
	while (s > l && s[-1] != ' ')
		s--;
	slash = strchr(s, '/');
	if (!slash || slash > e || !number(s, 10, "/", &v) || v > INT32_MAX)
		return bad(p, s, "PID/TID before the [CPU]");
	ev->pid = (int32_t)v;
	if (!number(slash + 1, 10, "", &v) || v > INT32_MAX || !v)
		return bad(p, slash + 1, "a task id after PID/");
	ev->tid = (int32_t)v;
	e = s;
	while (e > l && e[-1] == ' ')
		e--;
	*e = 0;
	ev->comm = skip_spaces(l);
	/* SECONDS.MICROS: */
	s = (char *)skip_spaces(cpu + (strchr(cpu, ']') - cpu) + 1);
	if (!number(s, 10, ".", &v) || !(s = strchr(s, '.')) ||
	    !isdigit((unsigned char)s[1]))
		return bad(p, s ? s : l, "a time SECONDS.MICROS:");
	e = s + 1;
	slash = (char *)parse_u64(e, 10, &frac);
	if (*slash != ':' || slash - e > 9)
		return bad(p, e, "a time SECONDS.MICROS:");
	for (digits = (size_t)(slash - e); digits < 9; digits++)
		frac *= 10;
	ev->ts_ns = v * 1000000000ull + frac;
	/* SYSTEM:NAME: */
	s = (char *)skip_spaces(slash + 1);
	e = strchr(s, ' ');
	if (!e)
		e = s + strlen(s);
	if (e - s < 4 || e[-1] != ':' || !memchr(s, ':', (size_t)(e - s - 1)))
		return bad(p, s, "an event SYSTEM:NAME:");
	e[-1] = 0;
	ev->event = s;
	*trace = *e ? skip_spaces(e + 1) : e;
	return 0;
}

#define KIND(s, k)                                                             \
	{                                                                      \
		s, sizeof(s) - 1, k                                            \
	}
static const struct {
	const char *name;
	size_t len;
	int kind;
} kinds[] = {
	KIND("raw_syscalls:sys_enter", MR_PERF_SYS_ENTER),
	KIND("raw_syscalls:sys_exit", MR_PERF_SYS_EXIT),
	KIND("exceptions:page_fault_user", MR_PERF_FAULT_USER),
	KIND("exceptions:page_fault_kernel", MR_PERF_FAULT_KERNEL),
	KIND("filemap:mm_filemap_fault", MR_PERF_FILEMAP_FAULT),
	KIND("filemap:mm_filemap_map_pages", MR_PERF_FILEMAP_MAP),
	KIND("kmem:rss_stat", MR_PERF_RSS_STAT),
	KIND("kmem:mm_page_alloc", MR_PERF_PAGE_ALLOC),
	KIND("kmem:mm_page_free", MR_PERF_PAGE_FREE),
	KIND("kmem:kmem_cache_alloc", MR_PERF_CACHE_ALLOC),
	KIND("kmem:kmem_cache_free", MR_PERF_CACHE_FREE),
};

/* perf's note that events were lost, on the current line: the message
 * says so. */
static int lost(mr_perf *p)
{
	static const char note[] = "PERF_RECORD_LOST";

	if (!memmem(p->line, p->len, note, sizeof(note) - 1))
		return 0;
	snprintf(p->errmsg, sizeof(p->errmsg),
		 "%s:%llu: perf lost events here: the recording is "
		 "incomplete (record again with a larger -m buffer)",
		 mr_zio_path(p->z), (unsigned long long)mr_zio_lineno(p->z));
	return 1;
}

/* NR n = ret / NR n (args) */
static int syscall_fields(mr_perf *p, const char *t, mr_perf_event *ev)
{
	const char *s;
	char *end;

	if (strncmp(t, "NR ", 3))
		return bad(p, t, "NR followed by the syscall number");
	s = t + 3;
	ev->nr = strtoll(s, &end, 10);
	if (end == s || (*end && *end != ' '))
		return bad(p, s, "a syscall number");
	if (ev->kind == MR_PERF_SYS_ENTER)
		return 0;
	s = skip_spaces(end);
	if (s[0] != '=' || s[1] != ' ')
		return bad(p, s, "= and the return value");
	s += 2;
	ev->ret = strtoll(s, &end, 10);
	if (end == s || *end)
		return bad(p, s, "a return value ending the line");
	return 0;
}

/* dev=MAJ:MIN ino=HEX ofs=DEC[-DEC] */
static int filemap_fields(mr_perf *p, const char *t, mr_perf_event *ev)
{
	const char *s = field(t, "dev"), *q;
	uint64_t v;

	if (!s || !(q = number(s, 10, ":", &v)) || *q != ':' || v > 0xfff)
		return bad(p, s ? s : t, "dev=MAJOR:MINOR");
	ev->dev_major = (uint32_t)v;
	if (!number(q + 1, 10, "", &v) || v > 0xfffff)
		return bad(p, q + 1, "a minor device number");
	ev->dev_minor = (uint32_t)v;
	if (num_field(p, t, "ino", 16, &ev->ino, "ino=HEX"))
		return MR_ECORRUPT;
	s = field(t, "ofs");
	if (!s || !(q = number(s, 10, "-", &ev->ofs)))
		return bad(p, s ? s : t, "ofs=BYTES");
	ev->ofs_end = ev->ofs;
	if (ev->kind == MR_PERF_FILEMAP_MAP &&
	    (*q != '-' || !number(q + 1, 10, "", &ev->ofs_end) ||
	     ev->ofs_end < ev->ofs))
		return bad(p, q, "ofs=FIRST-LAST");
	return 0;
}

/* mm_id=N curr=0|1 type=MM_* size=NB */
static int rss_fields(mr_perf *p, const char *t, mr_perf_event *ev)
{
	static const char *const types[] = {"MM_FILEPAGES", "MM_ANONPAGES",
					    "MM_SWAPENTS", "MM_SHMEMPAGES"};
	const char *s;
	uint64_t v;
	size_t i;

	if (num_field(p, t, "mm_id", 10, &v, "mm_id=NUMBER") || v > UINT32_MAX)
		return bad(p, t, "mm_id=NUMBER");
	ev->mm_id = (uint32_t)v;
	if (num_field(p, t, "curr", 10, &v, "curr=0 or 1") || v > 1)
		return bad(p, t, "curr=0 or 1");
	ev->curr = (int)v;
	s = field(t, "type");
	for (i = 0; s && i < sizeof(types) / sizeof(types[0]); i++) {
		size_t n = strlen(types[i]);

		if (!strncmp(s, types[i], n) && (s[n] == ' ' || !s[n]))
			break;
	}
	if (!s || i == sizeof(types) / sizeof(types[0]))
		return bad(p, s ? s : t,
			   "type=MM_FILEPAGES, MM_ANONPAGES, "
			   "MM_SWAPENTS or MM_SHMEMPAGES");
	ev->member = (int)i;
	s = field(t, "size");
	if (!s || !(s = number(s, 10, "B", &ev->size)) || *s != 'B')
		return bad(p, field(t, "size") ? field(t, "size") : t,
			   "size=BYTESB");
	return 0;
}

/* The name=, ptr= of a kmem_cache event (a copy of the name in NAME). */
static int cache_fields(mr_perf *p, char *t, mr_perf_event *ev)
{
	static const char *const rmap[] = {
		"anon_vma_clone+",   "anon_vma_fork+", "__anon_vma_prepare+",
		"unlink_anon_vmas+", "__put_anon_vma+", "put_anon_vma+"};
	char *s = (char *)field(t, "name"), *e;
	const char *cs = field(t, "call_site");
	uint64_t v;
	size_t k;

	ev->rmap_site = 0;
	for (k = 0; cs && k < sizeof(rmap) / sizeof(rmap[0]); k++)
		if (!strncmp(cs, rmap[k], strlen(rmap[k])))
			ev->rmap_site = 1;
	if (num_field(p, t, "ptr", 0, &ev->ptr, "ptr=0x..."))
		return MR_ECORRUPT;
	if (!s || !*s || *s == ' ')
		return bad(p, s ? s : t, "name=CACHE");
	e = strchr(s, ' ');
	if (ev->kind == MR_PERF_CACHE_ALLOC) {
		if (num_field(p, t, "bytes_alloc", 10, &v,
			      "bytes_alloc=NUMBER"))
			return MR_ECORRUPT;
		ev->bytes_alloc = v;
	}
	if (e)
		*e = 0;
	ev->cache = s;
	return 0;
}

static int decode(mr_perf *p, char *t, mr_perf_event *ev)
{
	uint64_t v;
	char *s;

	switch (ev->kind) {
	case MR_PERF_SYS_ENTER:
	case MR_PERF_SYS_EXIT:
		return syscall_fields(p, t, ev);
	case MR_PERF_FAULT_USER:
	case MR_PERF_FAULT_KERNEL:
		if (num_field(p, t, "address", 0, &ev->addr, "address=0x...") ||
		    num_field(p, t, "error_code", 0, &v, "error_code=0x...") ||
		    v > UINT32_MAX)
			return bad(p, t, "address=0x... and error_code=0x...");
		ev->code = (uint32_t)v;
		return 0;
	case MR_PERF_FILEMAP_FAULT:
	case MR_PERF_FILEMAP_MAP:
		return filemap_fields(p, t, ev);
	case MR_PERF_RSS_STAT:
		return rss_fields(p, t, ev);
	case MR_PERF_PAGE_ALLOC:
	case MR_PERF_PAGE_FREE:
		if (num_field(p, t, "pfn", 0, &ev->pfn, "pfn=0x...") ||
		    num_field(p, t, "order", 10, &v, "order=NUMBER") || v > 63)
			return bad(p, t, "pfn=0x... and order=NUMBER");
		ev->order = (int)v;
		if (ev->kind == MR_PERF_PAGE_FREE)
			return 0;
		if (num_field(p, t, "migratetype", 10, &v,
			      "migratetype=NUMBER") ||
		    v > 15)
			return bad(p, t, "migratetype=NUMBER");
		ev->migratetype = (int)v;
		s = (char *)field(t, "gfp_flags");
		if (!s)
			return bad(p, t, "gfp_flags=...");
		ev->gfp = s;
		if ((s = strchr(s, ' ')))
			*s = 0;
		return 0;
	case MR_PERF_CACHE_ALLOC:
	case MR_PERF_CACHE_FREE:
		return cache_fields(p, t, ev);
	default:
		return 0;
	}
}

static int next_here(mr_perf *p, mr_perf_event *ev)
{
	const char *trace;
	size_t n, i;
	int rc;

	for (;;) {
		rc = mr_zio_getline(p->z, &p->line, &p->len);
		if (rc <= 0) {
			if (rc < 0)
				snprintf(p->errmsg, sizeof(p->errmsg), "%s",
					 mr_zio_errmsg(p->z));
			return rc;
		}
		if (*skip_spaces(p->line))
			break; /* blank lines carry nothing */
	}
	memset(ev, 0, sizeof(*ev));
	/* a line of a known event is not perf's note of lost events; any
	 * other is looked at (before the header, which it need not have) */
	rc = header(p, p->line, ev, &trace);
	if (!rc) {
		n = strlen(ev->event);
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (kinds[i].len == n &&
			    !memcmp(ev->event, kinds[i].name, n))
				ev->kind = kinds[i].kind;
	}
	if ((rc || !ev->kind) && lost(p))
		return MR_ECORRUPT;
	if (rc)
		return rc;
	rc = decode(p, (char *)trace, ev);
	return rc ? rc : 1;
}

/* An event and its line, as the pipe carries them. */
struct pitem {
	mr_perf_event ev;
	uint64_t lineno;
};

static int ahead_body(void *ctx, mr_pipe *pipe)
{
	mr_perf *p = ctx;

	for (;;) {
		struct pitem *it = mr_pipe_slot(pipe);
		int rc;

		if (!it)
			return 0; /* stopped: nobody takes it */
		rc = next_here(p, &it->ev);
		if (rc != 1)
			return rc;
		it->lineno = mr_zio_lineno(p->z);
		if (mr_pipe_put(pipe)) {
			snprintf(p->errmsg, sizeof(p->errmsg),
				 "%s: out of memory", mr_zio_path(p->z));
			return MR_ENOMEM;
		}
	}
}

int mr_perf_read_ahead(mr_perf *p)
{
	static const size_t strs[] = {offsetof(struct pitem, ev.comm),
				      offsetof(struct pitem, ev.event),
				      offsetof(struct pitem, ev.gfp),
				      offsetof(struct pitem, ev.cache)};

	if (!p->pipe)
		p->pipe = mr_pipe_start(sizeof(struct pitem), strs,
					sizeof(strs) / sizeof(strs[0]),
					ahead_body, p);
	return p->pipe ? 0 : -1;
}

int mr_perf_next(mr_perf *p, mr_perf_event *ev)
{
	const void *v;
	int rc;

	if (!p->pipe)
		return next_here(p, ev);
	rc = mr_pipe_take(p->pipe, &v);
	if (rc == 1) {
		const struct pitem *it = v;

		*ev = it->ev;
		p->lineno = it->lineno;
	}
	return rc;
}
