/*
 * perf_trace.c - `perf trace` text (`perf trace -F all --syscalls -o F`)
 * as a trace.
 *
 *      0.405 ( 0.026 ms): comm/4193 brk(brk: 0x55fb5508790b) = 0x55fb5508790b
 *      6.029 (         ): sh/4475 vfork()                    ...
 *      6.029 ( 0.400 ms): sh/4475  ... [continued]: vfork())  = 4476
 *          ? (         ): sh/4475  ... [continued]: execve()) = 0
 *      1.560 ( 0.000 ms): ls/17987 minfault [copy_hwcaps+0x51] => ... (d.)
 *
 * A line is the call's start time in ms since the recording began, its
 * duration, COMM/TID, and the call with its arguments by name; perf
 * leaves out arguments that are zero (an address of NULL, PROT_NONE, an
 * mmap fd of an anonymous mapping) and prints flags without their
 * prefixes (READ|WRITE, PRIVATE|ANONYMOUS, MAYMOVE). A call another task
 * interrupted is printed in two lines, "..." and "[continued]".
 * Without --sort-events the lines of different CPUs come out of order:
 * events are put back in the order the calls ended, within a window of
 * MR_PT_WINDOW events (the order -ff files are merged in).
 *
 * What perf does not print is not known (docs/formats.md, "perf
 * trace"): no path of any call (perf's augmentation of string arguments
 * needs a BPF program or a kprobe this machine's perf lacks), so no
 * exec is built and no file mapping named; faults say neither read nor
 * write, and give file mappings' addresses as file offsets, so they are
 * skipped; clone3's flags are behind a pointer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errcode.h"
#include "formats/formats_int.h"
#include "formats/perf_trace.h"

/* One decoded argument of a syscall: perf's field name, the prefix
 * its symbols take in the symbol table, and its namespace (0: a plain
 * number). */
struct field {
	const char *name;
	const char *prefix;
	unsigned ns;
};

struct spec {
	const char *name; /* syscall as perf prints it */
	int nf;
	struct field f[6];
};

#define NUM(n)                                                                 \
	{                                                                      \
		n, NULL, 0                                                     \
	}

/* The syscalls decoded, with the kernel's tracepoint field names
 * (events/syscalls/sys_enter_NAME/format), in the order of the
 * event's arguments (formats/event.h). */
static const struct spec specs[] = {
	{"mmap",
	 6,
	 {NUM("addr"),
	  NUM("len"),
	  {"prot", "PROT_", MR_NS_PROT},
	  {"flags", "MAP_", MR_NS_MAP},
	  NUM("fd"),
	  NUM("off")}},
	{"munmap", 2, {NUM("addr"), NUM("len")}},
	{"mprotect",
	 3,
	 {NUM("start"), NUM("len"), {"prot", "PROT_", MR_NS_PROT}}},
	{"pkey_mprotect",
	 4,
	 {NUM("start"),
	  NUM("len"),
	  {"prot", "PROT_", MR_NS_PROT},
	  NUM("pkey")}},
	{"brk", 1, {NUM("brk")}},
	{"mremap",
	 5,
	 {NUM("addr"),
	  NUM("old_len"),
	  NUM("new_len"),
	  {"flags", "MREMAP_", MR_NS_MREMAP},
	  NUM("new_addr")}},
	{"madvise",
	 3,
	 {NUM("start"), NUM("len_in"), {"behavior", "MADV_", MR_NS_MADV}}},
	{"mlock", 2, {NUM("start"), NUM("len")}},
	{"mlock2",
	 3,
	 {NUM("start"), NUM("len"), {"flags", "MLOCK_", MR_NS_MLOCK}}},
	{"munlock", 2, {NUM("start"), NUM("len")}},
	{"mlockall", 1, {{"flags", "MCL_", MR_NS_MCL}}},
	{"munlockall", 0, {NUM("")}},
	{"clone", 1, {{"clone_flags", "CLONE_", MR_NS_CLONE}}},
	{"fork", 0, {NUM("")}},
	{"vfork", 0, {NUM("")}},
	{"exit", 1, {NUM("error_code")}},
	{"exit_group", 1, {NUM("error_code")}},
	{"close", 1, {NUM("fd")}},
	{"dup", 1, {NUM("fildes")}},
	{"dup2", 2, {NUM("oldfd"), NUM("newfd")}},
	{"dup3", 2, {NUM("oldfd"), NUM("newfd")}},
	{"mseal", 3, {NUM("start"), NUM("len"), NUM("flags")}},
	{"msync", 3, {NUM("start"), NUM("len"), {"flags", "MS_", MR_NS_MS}}},
	{"shmget", 3, {NUM("key"), NUM("size"), NUM("shmflg")}},
	{"shmat", 3, {NUM("shmid"), NUM("shmaddr"), NUM("shmflg")}},
	{"shmdt", 1, {NUM("shmaddr")}},
	{"shmctl", 2, {NUM("shmid"), NUM("cmd")}},
	{"remap_file_pages",
	 5,
	 {NUM("start"),
	  NUM("size"),
	  {"prot", "PROT_", MR_NS_PROT},
	  NUM("pgoff"),
	  NUM("flags")}},
};

/*
 * clone3's struct is not printed. glibc calls it for threads and for
 * posix_spawn, both sharing the address space: a child that calls
 * execve within the window is posix_spawn's (CLONE_VM | CLONE_VFORK |
 * SIGCHLD), any other a thread (pthread_create's flags).
 */
#define CLONE3_SPAWN 0x4111ull
#define CLONE3_THREAD 0x3d0f00ull

#define PT_EXECD 64

struct pt_pend {
	int32_t tid;
	uint64_t line; /* its "..." line */
	char *text;    /* "name\0args\0" */
	size_t cap;
};

struct pt_slot {
	mr_event ev;
	uint64_t key, seq; /* end time, then arrival */
	char *text;	   /* its name, args */
	size_t cap;
};

struct mr_ptrace {
	const mr_symtab *sym;
	struct pt_pend *pend;
	size_t npend, cappend;
	struct pt_slot *heap; /* min-heap of events by (key, seq) */
	size_t nheap;
	uint64_t seq;
	struct pt_slot out; /* the event last given */
	int64_t last_ts;    /* for lines whose time is '?' */
	uint64_t faults;    /* fault lines skipped */
	int clone3_said;    /* clone3's assumption was warned about */
	int summary;	    /* inside the -s summary, which ends the text */
	int32_t execd[PT_EXECD]; /* the last tids given an execve */
	size_t nexecd;
	int given;     /* a call was given (out holds it) */
	uint64_t late; /* calls that came after the window had moved on */
};

int mr_ptrace_new(struct mr_ptrace **out, const mr_symtab *sym)
{
	struct mr_ptrace *pt = calloc(1, sizeof(*pt));

	*out = pt;
	if (!pt)
		return MR_ENOMEM;
	pt->heap = calloc(MR_PT_WINDOW + 1, sizeof(*pt->heap));
	if (!pt->heap) {
		free(pt);
		*out = NULL;
		return MR_ENOMEM;
	}
	pt->sym = sym;
	return 0;
}

void mr_ptrace_free(struct mr_ptrace *pt)
{
	size_t i;

	if (!pt)
		return;
	for (i = 0; i < pt->cappend; i++)
		free(pt->pend[i].text);
	free(pt->pend);
	for (i = 0; i <= MR_PT_WINDOW; i++)
		free(pt->heap[i].text);
	free(pt->heap);
	free(pt->out.text);
	free(pt);
}

uint64_t mr_ptrace_faults(const struct mr_ptrace *pt)
{
	return pt->faults;
}

uint64_t mr_ptrace_late(const struct mr_ptrace *pt)
{
	return pt->late;
}

size_t mr_ptrace_unfinished(const struct mr_ptrace *pt)
{
	return pt->npend;
}

/*
 * "123.456" ms at *P into ns; 0 if there is none. A value beyond int64
 * ns (perf prints a negative duration as a huge unsigned one) is -1.
 */
static int ms_time(const char **pp, const char *end, int64_t *ns)
{
	const char *p = *pp;
	uint64_t whole = 0, frac = 0;
	int nd = 0, nf = 0, over = 0;

	for (; p < end && mr_is_digit(*p) && nd < 20; p++, nd++) {
		if (whole > (UINT64_MAX - 9) / 10)
			over = 1;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (!nd || p >= end || *p != '.')
		return 0;
	for (p++; p < end && mr_is_digit(*p) && nf < 6; p++, nf++)
		frac = frac * 10 + (uint64_t)(*p - '0');
	if (!nf || (p < end && mr_is_digit(*p)))
		return 0;
	while (nf++ < 6)
		frac *= 10;
	if (over || whole > (uint64_t)INT64_MAX / 1000000 - 1)
		*ns = -1;
	else
		*ns = (int64_t)(whole * 1000000 + frac);
	*pp = p;
	return 1;
}

/*
 * The leader "TIME (DUR ms): COMM/TID " (TIME may be '?', DUR blank):
 * where the call starts, or NULL with *EXPECT.
 */
static const char *leader(const char *p, const char *end, int64_t *ts,
			  int64_t *dur, int32_t *tid, const char **at,
			  const char **expect)
{
	const char *q, *c;
	uint64_t v;

	p = mr_skip_sp(p, end);
	*ts = -1;
	*dur = -1;
	*at = p;
	if (p < end && *p == '?')
		p++;
	else if (!ms_time(&p, end, ts)) {
		*expect = "a perf trace line (a time in ms)";
		return NULL;
	}
	p = mr_skip_sp(p, end);
	*at = p;
	if (p >= end || *p != '(') {
		*expect = "'(' and the duration";
		return NULL;
	}
	p = mr_skip_sp(p + 1, end);
	*at = p;
	if (p < end && *p != ')') {
		if (!ms_time(&p, end, dur) || !mr_starts(p, end, " ms")) {
			*at = p;
			*expect = "a duration in ms";
			return NULL;
		}
		p = mr_skip_sp(p + 3, end);
	}
	*at = p;
	if (!mr_starts(p, end, "): ")) {
		*expect = "'): ' after the duration";
		return NULL;
	}
	p += 3;
	/* COMM (which may hold spaces and '/') then "/TID " */
	for (c = p; (c = memchr(c, '/', (size_t)(end - c))) != NULL; c++) {
		for (q = c + 1, v = 0;
		     q < end && mr_is_digit(*q) && v < 1u << 23; q++)
			v = v * 10 + (uint64_t)(*q - '0');
		if (q > c + 1 && q < end && *q == ' ' && v && v < 1u << 23) {
			*tid = (int32_t)v;
			return mr_skip_sp(q, end);
		}
	}
	*at = p;
	*expect = "COMM/TID";
	return NULL;
}

/* Where the call's ')' closing ARGS (after '(') is, or NULL. */
static const char *close_paren(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '(' || *p == '[' || *p == '{')
			depth++;
		else if ((*p == ')' || *p == ']' || *p == '}') && depth-- == 0)
			return *p == ')' ? p : NULL;
	}
	return NULL;
}

/* The value of field NAME in ARGS ("a: 1, b: READ|WRITE"): its text in
 * *V and *VEND, or 0 when perf left it out. */
static int field_value(const char *args, const char *aend, const char *name,
		       const char **v, const char **vend)
{
	size_t n = strlen(name);
	const char *p = args;
	int depth = 0;

	while (p < aend) {
		const char *f = p, *q;

		while (p < aend && mr_is_ident(*p))
			p++;
		if (p == f || !mr_starts(p, aend, ": "))
			return 0;
		q = p + 2;
		for (p = q; p < aend; p++) {
			if (*p == '(' || *p == '[' || *p == '{')
				depth++;
			else if (*p == ')' || *p == ']' || *p == '}')
				depth--;
			else if (!depth && mr_starts(p, aend, ", "))
				break;
		}
		if ((size_t)(q - 2 - f) == n && !memcmp(f, name, n)) {
			*v = q;
			*vend = p;
			return 1;
		}
		p = mr_skip_sp(p + 1, aend);
	}
	return 0;
}

/* A number: decimal (maybe negative) or 0x hex, then the end or " (". */
static int number(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	int neg = 0, nd = 0;

	if (mr_starts(p, end, "0x")) {
		for (p += 2; p < end && nd < 17; p++, nd++) {
			int c = *p;

			if (mr_is_digit(c))
				v = v << 4 | (uint64_t)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v << 4 | (uint64_t)(c - 'a' + 10);
			else
				break;
		}
		if (!nd || nd > 16)
			return 0;
	} else {
		if (p < end && *p == '-') {
			neg = 1;
			p++;
		}
		for (; p < end && mr_is_digit(*p) && nd < 20; p++, nd++)
			v = v * 10 + (uint64_t)(*p - '0');
		if (!nd || nd >= 20)
			return 0;
		if (neg)
			v = (uint64_t)0 - v;
	}
	if (p < end && !mr_starts(p, end, " ("))
		return 0;
	*out = v;
	return 1;
}

/*
 * Field F's value V..VEND as the kernel received it: a number, NULL,
 * CWD, or symbols joined by '|' (READ|WRITE, MADV_DONTNEED, 0x11). 0,
 * or -1 with *AT where it failed.
 */
static int value(const struct mr_ptrace *pt, const struct field *f,
		 const char *v, const char *vend, uint64_t *out,
		 const char **at)
{
	uint64_t acc = 0, x;
	char sym[64];
	int64_t sv;

	if (number(v, vend, out))
		return 0;
	if (vend - v == 4 && !memcmp(v, "NULL", 4)) {
		*out = 0;
		return 0;
	}
	if (vend - v == 3 && !memcmp(v, "CWD", 3)) {
		*out = (uint64_t)-100; /* AT_FDCWD */
		return 0;
	}
	while (v < vend) {
		const char *t = v;
		size_t n, pn;

		while (v < vend && *v != '|')
			v++;
		n = (size_t)(v - t);
		pn = f->prefix ? strlen(f->prefix) : 0;
		if (number(t, t + n, &x)) {
			acc |= x;
		} else if (f->ns && !mr_sym_lookup(pt->sym, t, n, f->ns, &sv)) {
			acc |= (uint64_t)sv;
		} else if (f->ns && pn + n < sizeof(sym)) {
			memcpy(sym, f->prefix, pn);
			memcpy(sym + pn, t, n);
			if (mr_sym_lookup(pt->sym, sym, pn + n, f->ns, &sv)) {
				*at = t;
				return -1;
			}
			acc |= (uint64_t)sv;
		} else {
			*at = t;
			return -1;
		}
		if (v < vend)
			v++;
	}
	*out = acc;
	return 0;
}

static const struct spec *spec_of(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (strlen(specs[i].name) == n &&
		    !memcmp(specs[i].name, name, n))
			return &specs[i];
	return NULL;
}

/* Decode EV's arguments (EV->name, EV->args) into EV->arg. */
static int decode(const struct mr_ptrace *pt, mr_event *ev, const char **at,
		  const char **expect, char *msg, size_t mlen)
{
	const char *aend = ev->args + strlen(ev->args), *v, *vend;
	const struct spec *s = spec_of(ev->name, strlen(ev->name));
	int64_t sys;
	int i;

	if (mr_sym_lookup(pt->sym, ev->name, strlen(ev->name), MR_NS_SYSCALL,
			  &sys))
		sys = MR_SYS_OTHER;
	ev->sys = (int)sys;
	if (ev->sys == MR_SYS_CLONE3) {
		ev->arg[0] = CLONE3_THREAD; /* until its child execs */
		ev->nargs = 1;
		return 0;
	}
	if (!s) {
		/* calls whose path perf does not print: nothing to apply
		 * (execve is applied: its address space is then unknown) */
		if (ev->sys != MR_SYS_EXECVE && ev->sys != MR_SYS_EXECVEAT)
			ev->sys = MR_SYS_OTHER;
		return 0;
	}
	for (i = 0; i < s->nf; i++) {
		ev->arg[i] = 0;
		if (!field_value(ev->args, aend, s->f[i].name, &v, &vend))
			continue; /* left out: zero */
		if (value(pt, &s->f[i], v, vend, &ev->arg[i], at)) {
			snprintf(msg, mlen, "a value of %s's %s", s->name,
				 s->f[i].name);
			*expect = msg;
			return MR_ECORRUPT;
		}
	}
	ev->nargs = (uint8_t)s->nf;
	if (ev->sys == MR_SYS_MMAP &&
	    !field_value(ev->args, aend, "fd", &v, &vend) &&
	    (ev->arg[3] & 0x20)) /* MAP_ANONYMOUS: the fd perf left out */
		ev->arg[4] = (uint64_t)-1;
	if (ev->sys == MR_SYS_MREMAP && !(ev->arg[3] & 2)) /* no FIXED */
		ev->nargs = 4;
	return 0;
}

/* The result after " = ": 0, 1 (the child's side of a clone: "= "),
 * or -1 with *EXPECT. */
static int result(const struct mr_ptrace *pt, const char *p, const char *end,
		  mr_event *ev, const char **at, const char **expect)
{
	const char *e;
	uint64_t v;
	int64_t err;

	p = mr_skip_sp(p, end);
	*at = p;
	if (p == end)
		return 1;
	if (*p == '?' && mr_skip_sp(p + 1, end) == end) {
		ev->ret_kind = MR_RET_UNKNOWN;
		return 0;
	}
	if (mr_starts(p, end, "-1 E")) {
		for (e = p + 3; e < end && mr_is_ident(*e); e++)
			;
		if (mr_sym_lookup(pt->sym, p + 3, (size_t)(e - p - 3),
				  MR_NS_ERRNO, &err)) {
			*at = p + 3;
			*expect = "an errno name";
			return -1;
		}
		ev->ret_kind = MR_RET_ERROR;
		ev->ret = -err;
		return 0;
	}
	for (e = p; e < end && *e != ' '; e++)
		;
	if (!number(p, e, &v) || (e < end && !mr_starts(e, end, " ("))) {
		*expect = "a result: a number, '-1 ERRNO (text)' or '?'";
		return -1;
	}
	ev->ret_kind = MR_RET_VALUE;
	ev->ret = (int64_t)v;
	return 0;
}

static int text_set(char **buf, size_t *cap, const char *a, size_t an,
		    const char *b, size_t bn)
{
	size_t need = an + bn + 2;

	if (need > *cap) {
		char *n = realloc(*buf, need);

		if (!n)
			return MR_ENOMEM;
		*buf = n;
		*cap = need;
	}
	memcpy(*buf, a, an);
	(*buf)[an] = 0;
	memcpy(*buf + an + 1, b, bn);
	(*buf)[an + 1 + bn] = 0;
	return 0;
}

static struct pt_pend *pend_find(struct mr_ptrace *pt, int32_t tid)
{
	size_t i;

	for (i = 0; i < pt->npend; i++)
		if (pt->pend[i].tid == tid)
			return &pt->pend[i];
	return NULL;
}

static struct pt_pend *pend_add(struct mr_ptrace *pt, int32_t tid)
{
	struct pt_pend *e = pend_find(pt, tid);

	if (e)
		return e;
	if (pt->npend == pt->cappend) {
		size_t cap = pt->cappend ? pt->cappend * 2 : 16;
		struct pt_pend *n = realloc(pt->pend, cap * sizeof(*n));

		if (!n)
			return NULL;
		memset(n + pt->cappend, 0, (cap - pt->cappend) * sizeof(*n));
		pt->pend = n;
		pt->cappend = cap;
	}
	e = &pt->pend[pt->npend++];
	e->tid = tid;
	return e;
}

static void pend_del(struct mr_ptrace *pt, struct pt_pend *e)
{
	struct pt_pend last = pt->pend[--pt->npend];

	if (e != &pt->pend[pt->npend]) {
		/* keep the buffers: swap the last entry in */
		pt->pend[pt->npend] = *e;
		*e = last;
	}
}

static int slot_less(const struct pt_slot *a, const struct pt_slot *b)
{
	return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static void swap_slots(struct pt_slot *a, struct pt_slot *b)
{
	struct pt_slot t = *a;

	*a = *b;
	*b = t;
}

/* Put EV (its name and args copied) in the window. */
static int push(struct mr_ptrace *pt, const mr_event *ev)
{
	struct pt_slot *s = &pt->heap[pt->nheap];
	size_t i = pt->nheap, an = strlen(ev->name), bn = strlen(ev->args);
	int64_t end = ev->ts_ns, dur = ev->dur_ns > 0 ? ev->dur_ns : 0;

	if (text_set(&s->text, &s->cap, ev->name, an, ev->args, bn))
		return MR_ENOMEM;
	s->ev = *ev;
	s->ev.name = s->text;
	s->ev.args = s->text + an + 1;
	/* each is below 2^63: their sum fits in 64 bits unsigned */
	s->key = (end < 0 ? 0 : (uint64_t)end) + (uint64_t)dur;
	s->seq = pt->seq++;
	if (pt->given && s->key < pt->out.key)
		pt->late++; /* after calls that ended later: out of window */
	pt->nheap++;
	while (i && slot_less(&pt->heap[i], &pt->heap[(i - 1) / 2])) {
		swap_slots(&pt->heap[i], &pt->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	return 0;
}

static int is_exec(const mr_event *ev)
{
	return ev->sys == MR_SYS_EXECVE || ev->sys == MR_SYS_EXECVEAT;
}

/* Whether TID calls execve in the window or did just before (a vfork
 * child's exec ends before its parent's clone3 returns). */
static int child_execs(const struct mr_ptrace *pt, int32_t tid)
{
	size_t i;

	for (i = 0; i < pt->nheap; i++)
		if (pt->heap[i].ev.pid == tid && is_exec(&pt->heap[i].ev))
			return 1;
	for (i = 0; i < PT_EXECD && i < pt->nexecd; i++)
		if (pt->execd[i] == tid)
			return 1;
	return 0;
}

int mr_ptrace_pop(struct mr_ptrace *pt, int final, mr_event *ev)
{
	size_t i = 0;

	if (!pt->nheap || (!final && pt->nheap < MR_PT_WINDOW))
		return 0;
	swap_slots(&pt->out, &pt->heap[0]);
	pt->nheap--;
	swap_slots(&pt->heap[0], &pt->heap[pt->nheap]);
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < pt->nheap && slot_less(&pt->heap[l], &pt->heap[m]))
			m = l;
		if (l + 1 < pt->nheap &&
		    slot_less(&pt->heap[l + 1], &pt->heap[m]))
			m = l + 1;
		if (m == i)
			break;
		swap_slots(&pt->heap[i], &pt->heap[m]);
		i = m;
	}
	*ev = pt->out.ev;
	pt->given = 1;
	if (is_exec(ev))
		pt->execd[pt->nexecd++ % PT_EXECD] = ev->pid;
	if (ev->sys == MR_SYS_CLONE3 && ev->ret_kind == MR_RET_VALUE &&
	    ev->ret > 0 && child_execs(pt, (int32_t)ev->ret))
		ev->arg[0] = CLONE3_SPAWN;
	return 1;
}

int mr_ptrace_is_line(const char *p, const char *end)
{
	int64_t ts, dur;
	int32_t tid;
	const char *at, *expect;

	return leader(p, end, &ts, &dur, &tid, &at, &expect) != NULL ||
	       mr_starts(mr_skip_sp(p, end), end, "Summary of events:");
}

int mr_ptrace_line(struct mr_ptrace *pt, const char *line, const char *end,
		   uint64_t lno, struct mr_ptrace_err *err)
{
	const char *p, *name, *args, *close;
	size_t nlen, alen;
	mr_event ev;
	struct pt_pend *e;
	int rc, joined;

	memset(&ev, 0, sizeof(ev));
	err->at = line;
	err->warn[0] = 0;
	if (mr_skip_sp(line, end) == end)
		return 0;
	if (pt->summary)
		return 0;
	if (mr_starts(mr_skip_sp(line, end), end, "Summary of events:")) {
		pt->summary = 1; /* perf trace -s: its tables end the text */
		snprintf(err->warn, sizeof(err->warn),
			 "perf trace summary (-s), skipped to the end");
		return 0;
	}
	if (mr_starts(mr_skip_sp(line, end), end, "LOST ")) {
		snprintf(err->warn, sizeof(err->warn),
			 "perf lost events here (%.*s): the calls it lost are "
			 "not in the trace",
			 (int)(end - line > 60 ? 60 : end - line), line);
		return 0;
	}
	p = leader(line, end, &ev.ts_ns, &ev.dur_ns, &ev.pid, &err->at,
		   &err->expect);
	if (!p)
		return MR_ECORRUPT;
	if (ev.ts_ns < 0)
		ev.ts_ns = pt->last_ts;
	else
		pt->last_ts = ev.ts_ns;
	if (mr_starts(p, end, "minfault ") || mr_starts(p, end, "majfault ")) {
		pt->faults++;
		return 0;
	}
	ev.kind = MR_EV_SYSCALL;
	ev.line = lno;
	ev.first_line = lno;
	if (mr_starts(p, end, "... [continued]: ")) {
		name = p + 17;
		for (p = name; p < end && mr_is_ident(*p); p++)
			;
		if (p == name || !mr_starts(p, end, "())")) {
			err->at = p;
			err->expect = "'NAME())' after '[continued]: '";
			return MR_ECORRUPT;
		}
		nlen = (size_t)(p - name);
		close = p + 2;
		e = pend_find(pt, ev.pid);
		if (e &&
		    (strlen(e->text) != nlen || memcmp(e->text, name, nlen))) {
			snprintf(err->warn, sizeof(err->warn),
				 "%.*s continued but tid %d left %s "
				 "unfinished (line %llu): that call is lost",
				 (int)(p - name), name, (int)ev.pid, e->text,
				 (unsigned long long)e->line);
			pend_del(pt, e);
			e = NULL;
		}
		if (!e && ((nlen == 5 && !memcmp(name, "clone", 5)) ||
			   (nlen == 6 && !memcmp(name, "clone3", 6)) ||
			   (nlen == 4 && !memcmp(name, "fork", 4)) ||
			   (nlen == 5 && !memcmp(name, "vfork", 5))))
			return 0; /* the child's side: its parent's call */
		if (!e && spec_of(name, nlen)) {
			/* a call the model applies, with no arguments to
			 * apply: skipped, said */
			snprintf(err->warn, sizeof(err->warn),
				 "%.*s continued without its first half: its "
				 "arguments are not known, skipped",
				 (int)nlen, name);
			return 0;
		}
		args = e ? e->text + nlen + 1 : "";
		alen = strlen(args);
		ev.first_line = e ? e->line : lno;
		ev.flags |= e ? MR_EVF_MERGED : 0;
	} else {
		name = p;
		while (p < end && mr_is_ident(*p))
			p++;
		if (p == name || p == end || *p != '(' || mr_is_digit(*name)) {
			err->at = name;
			err->expect = "a syscall name and '(' (perf trace)";
			return MR_ECORRUPT;
		}
		nlen = (size_t)(p - name);
		args = p + 1;
		close = close_paren(args, end);
		if (!close) {
			err->at = end;
			err->expect = "')' closing the arguments";
			return MR_ECORRUPT;
		}
		alen = (size_t)(close - args);
		p = mr_skip_sp(close + 1, end);
		if (mr_starts(p, end, "...") && mr_skip_sp(p + 3, end) == end) {
			/* the first half: its arguments wait for the rest */
			e = pend_add(pt, ev.pid);
			if (!e ||
			    text_set(&e->text, &e->cap, name, nlen, args, alen))
				return MR_ENOMEM;
			e->line = lno;
			return 0;
		}
		e = NULL;
	}
	p = mr_skip_sp(close + 1, end);
	if (!mr_starts(p, end, "=")) {
		err->at = p;
		err->expect = "' = ' and a result";
		return MR_ECORRUPT;
	}
	rc = result(pt, p + 1, end, &ev, &err->at, &err->expect);
	if (rc < 0)
		return MR_ECORRUPT;
	/* the name and args, joined in the slot by push() */
	if (text_set(&err->text, &err->cap, name, nlen, args, alen))
		return MR_ENOMEM;
	joined = e != NULL;
	if (e)
		pend_del(pt, e);
	if (rc == 1) /* "= ": a child's side left with no value */
		return 0;
	ev.name = err->text;
	ev.args = err->text + nlen + 1;
	rc = decode(pt, &ev, &err->at, &err->expect, err->msg,
		    sizeof(err->msg));
	if (rc) {
		/* the place in this line (the first half's is elsewhere) */
		err->at = joined ? line : args + (err->at - ev.args);
		return rc;
	}
	if (!strcmp(ev.name, "clone3") && !pt->clone3_said) {
		pt->clone3_said = 1;
		snprintf(err->warn, sizeof(err->warn),
			 "clone3 prints no flags: its child is taken as a "
			 "thread, "
			 "or as posix_spawn's when it calls execve soon "
			 "(docs/formats.md)");
	}
	return push(pt, &ev) ? MR_ENOMEM : 1;
}
