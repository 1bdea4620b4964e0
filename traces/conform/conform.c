/*
 * conform.c - a conformance matrix of the kernel's memory syscalls, for a
 * capture with `mmreplay record --every-syscall`: every mmap flag, every
 * mprotect protection, every madvise advice, mlock/mlock2/munlock flags,
 * msync flags, mremap flags, mseal and munmap, each against every kind of
 * VMA where it makes sense, then boundary cases (unaligned, empty, over
 * a hole, spanning VMAs, overflowing, bad flags), mlockall and brk.
 *
 * The VMA kinds: private and shared anonymous memory; private and shared
 * file mappings, read-only and writable (the file opened O_RDONLY, or
 * O_RDWR for the shared writable one); MAP_LOCKED and mlock2(MLOCK_ONFAULT)
 * memory; sealed anonymous memory, writable and read-only; PROT_NONE
 * reservations; guard regions (MADV_GUARD_INSTALL) over anonymous and
 * shared file memory; a MAP_GROWSDOWN mapping; MAP_DROPPABLE memory; the
 * brk heap; the unused bottom pages of the main [stack]; [vdso], [vvar]
 * and [vvar_vclock] (found in /proc/self/maps); MAP_HUGETLB with reserved
 * huge pages and MAP_HUGETLB|MAP_NORESERVE.
 *
 * A fixture of each kind is mapped once per family and holds one slot per
 * case: two units (pages, or huge pages) with a unit of padding before
 * each, so that the cases do not touch each other. A case works on the
 * first unit of its slot. Advices that undo another (MADV_DOFORK after
 * MADV_DONTFORK, ...) work on their partner's slot. Exceptions: the
 * MAP_HUGETLB fixture is one slot of two huge pages, mapped anew for each
 * case; the sealed ones are made once and kept; the stack has room for
 * STACK_SLOTS slots only, reused in turn, and its cases come after all the
 * others (what they split stays split); [vdso] and [vvar] are one slot,
 * the whole VMA, and whatever a case changes there is put back.
 *
 * The mlock and mlockall families come after mseal: the huge pages mlock
 * faults into MAP_NORESERVE mappings go back to the pool at munmap, but
 * mmreplay's model keeps them taken (docs/fidelity.md), which would turn
 * every later MAP_HUGETLB fixture into a misprediction; one mmap at the
 * end asks the pool instead.
 *
 * Before each case the program writes a marker to fd -1 (EBADF, nothing
 * else happens) that strace prints in full:
 *
 *	CASE FAMILY VARIANT KIND	the calls up to the next marker
 *	SETUP FAMILY KIND		building a fixture
 *	CLEANUP FAMILY KIND		removing one or undoing a case
 *	SKIP FAMILY KIND		a kind this machine cannot make
 *
 * so that traces/conform/matrix.py can give every memory call its case.
 *
 * Deterministic and single-threaded: which calls are made depends only on
 * what the kernel answers. It touches no sysctl: the hugetlb cases
 * succeed only when vm.nr_hugepages was raised before the run (the
 * conform-huge capture). MADV_HWPOISON and MADV_SOFT_OFFLINE are given
 * only ranges that make them fail (unaligned, empty, a hole): on a page
 * they would take memory away from the machine. The files it maps are
 * created in DIR and removed at the end. All calls go through syscall(2):
 * glibc's wrappers check some arguments themselves.
 *
 * usage: conform DIR
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096UL
#define HPG (2UL << 20)
#define RW (PROT_READ | PROT_WRITE)
#define RX (PROT_READ | PROT_EXEC)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define SANON (MAP_SHARED | MAP_ANONYMOUS)
#define FAIL (-1L)
#define NR_mseal 462
#define TASK_TOP 0x7ffffffff000UL
#define FILE_PAGES 256UL
#define STACK_SLOTS 5
/* stack pages the program may use from the bottom of [stack] */
#define STACK_USE (3 * STACK_SLOTS + 1 + 6)
#define STACK_MARGIN 6

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#define MAP_HUGE_2M (21 << MAP_HUGE_SHIFT)
#define MAP_HUGE_1G (30 << MAP_HUGE_SHIFT)
#define MAP_HUGE_64K (16 << MAP_HUGE_SHIFT)
#define MAP_JUNK 0x800000
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101
#endif
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE 103

static unsigned long ncalls, ncases;
static int fd_ro = -1, fd_rw = -1, fd_wo = -1, fd_app = -1, fd_dir = -1;
static int fd_zero = -1, fd_null = -1;
static char path_data[512], path_wo[512], path_app[512];
static unsigned long stack_lo;
static char *scratch; /* a PROT_NONE reservation, MREMAP_FIXED's target */
static const char *fam = "init";
static char maps_buf[1 << 17];

/* ---- the calls, counted; all through syscall(2) ---- */

static long sys_mmap(void *a, unsigned long len, long prot, long fl, long fd,
		     unsigned long off)
{
	ncalls++;
	return syscall(SYS_mmap, a, len, prot, fl, fd, off);
}

static long sys_munmap(void *a, unsigned long len)
{
	ncalls++;
	return syscall(SYS_munmap, a, len);
}

static long sys_mprotect(void *a, unsigned long len, long prot)
{
	ncalls++;
	return syscall(SYS_mprotect, a, len, prot);
}

static long sys_madvise(void *a, unsigned long len, long adv)
{
	ncalls++;
	return syscall(SYS_madvise, a, len, adv);
}

static long sys_mremap(void *a, unsigned long ol, unsigned long nl, long fl,
		       void *na)
{
	ncalls++;
	return syscall(SYS_mremap, a, ol, nl, fl, na);
}

static long sys_mlock(void *a, unsigned long len)
{
	ncalls++;
	return syscall(SYS_mlock, a, len);
}

static long sys_mlock2(void *a, unsigned long len, long fl)
{
	ncalls++;
	return syscall(SYS_mlock2, a, len, fl);
}

static long sys_munlock(void *a, unsigned long len)
{
	ncalls++;
	return syscall(SYS_munlock, a, len);
}

static long sys_mlockall(long fl)
{
	ncalls++;
	return syscall(SYS_mlockall, fl);
}

static long sys_munlockall(void)
{
	ncalls++;
	return syscall(SYS_munlockall);
}

static long sys_msync(void *a, unsigned long len, long fl)
{
	ncalls++;
	return syscall(SYS_msync, a, len, fl);
}

static long sys_mseal(void *a, unsigned long len, long fl)
{
	ncalls++;
	return syscall(NR_mseal, a, len, fl);
}

static unsigned long sys_brk(unsigned long to)
{
	ncalls++;
	return (unsigned long)syscall(SYS_brk, to);
}

/* ---- markers ---- */

static void mark(const char *fmt, ...)
{
	char buf[240];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (!strncmp(buf, "CASE ", 5))
		ncases++;
	syscall(SYS_write, -1, buf, n);
}

static void die(const char *what)
{
	syscall(SYS_write, 2, "conform: ", 9);
	syscall(SYS_write, 2, what, strlen(what));
	syscall(SYS_write, 2, "\n", 1);
	exit(1);
}

/* ---- /proc/self/maps, read for [stack], [vdso] and [vvar] only ---- */

static int find_vma(const char *name, unsigned long *lo, unsigned long *hi,
		    int *prot)
{
	size_t got = 0, nl = strlen(name);
	char *line, *end;
	ssize_t n;
	int fd = open("/proc/self/maps", O_RDONLY);

	if (fd < 0)
		return 0;
	while ((n = read(fd, maps_buf + got, sizeof(maps_buf) - 1 - got)) > 0)
		got += n;
	close(fd);
	maps_buf[got] = 0;
	for (line = maps_buf; *line; line = end + 1) {
		char perms[8];

		end = strchr(line, '\n');
		if (!end)
			break;
		if ((size_t)(end - line) < nl || memcmp(end - nl, name, nl) ||
		    end[-nl - 1] != ' ')
			continue;
		if (sscanf(line, "%lx-%lx %7s", lo, hi, perms) != 3)
			return 0;
		*prot = (perms[0] == 'r' ? PROT_READ : 0) |
			(perms[1] == 'w' ? PROT_WRITE : 0) |
			(perms[2] == 'x' ? PROT_EXEC : 0);
		return 1;
	}
	return 0;
}

/* ---- fixtures ---- */

enum {
	K_WHOLE = 1,	/* one slot: the whole VMA ([vdso], [vvar]) */
	K_NOPAD = 2,	/* one slot, no padding: a new fixture per case */
	K_CYCLE = 4,	/* slots reused in turn (the stack, sealed) */
	K_NOTOUCH = 8,	/* never written (no pages behind it) */
	K_PERSIST = 16, /* made once, kept to the end (sealed) */
	K_STACK = 32,
	K_HEAP = 64,
};

struct fix;

struct kind {
	const char *name;
	int flags;
	int (*setup)(struct fix *f, int n);
};

struct fix {
	const struct kind *k;
	char *base;	    /* first byte */
	unsigned long size; /* length */
	unsigned long unit; /* page or huge page */
	unsigned long len1; /* what a case works on */
	unsigned long len2; /* the slot */
	int prot;	    /* its protection */
	int nslots, next;
};

static void touch(char *p, unsigned long len, unsigned long step)
{
	unsigned long i;

	for (i = 0; i < len; i += step)
		((volatile char *)p)[i] = 1;
}

static int map_fix(struct fix *f, int n, unsigned long unit, int prot, long fl,
		   int fd)
{
	long r;

	f->unit = unit;
	f->nslots = n;
	f->next = 0;
	f->prot = prot;
	f->len1 = unit;
	f->len2 = 2 * unit;
	f->size = (f->k->flags & K_NOPAD) ? 2 * unit : (3UL * n + 1) * unit;
	r = sys_mmap(NULL, f->size, prot, fl, fd, 0);
	if (r == FAIL)
		return 0;
	f->base = (char *)r;
	if ((prot & PROT_WRITE) && !(f->k->flags & K_NOTOUCH))
		touch(f->base, f->size, unit == HPG ? HPG : PG);
	return 1;
}

static int su_anon_priv(struct fix *f, int n)
{
	return map_fix(f, n, PG, RW, ANON, -1);
}

static int su_anon_shared(struct fix *f, int n)
{
	return map_fix(f, n, PG, RW, SANON, -1);
}

static int su_file_priv_ro(struct fix *f, int n)
{
	return map_fix(f, n, PG, PROT_READ, MAP_PRIVATE, fd_ro);
}

static int su_file_priv_rw(struct fix *f, int n)
{
	return map_fix(f, n, PG, RW, MAP_PRIVATE, fd_ro);
}

static int su_file_shared_ro(struct fix *f, int n)
{
	return map_fix(f, n, PG, PROT_READ, MAP_SHARED, fd_ro);
}

static int su_file_shared_rw(struct fix *f, int n)
{
	return map_fix(f, n, PG, RW, MAP_SHARED, fd_rw);
}

static int su_locked(struct fix *f, int n)
{
	return map_fix(f, n, PG, RW, ANON | MAP_LOCKED, -1);
}

static int su_lockonfault(struct fix *f, int n)
{
	if (!map_fix(f, n, PG, RW, ANON, -1))
		return 0;
	sys_mlock2(f->base, f->size, MLOCK_ONFAULT);
	return 1;
}

static int su_sealed_rw(struct fix *f, int n)
{
	if (!map_fix(f, n, PG, RW, ANON, -1))
		return 0;
	sys_mseal(f->base, f->size, 0);
	return 1;
}

static int su_sealed_ro(struct fix *f, int n)
{
	if (!map_fix(f, n, PG, PROT_READ, ANON, -1))
		return 0;
	sys_mseal(f->base, f->size, 0);
	return 1;
}

static int su_prot_none(struct fix *f, int n)
{
	return map_fix(f, n, PG, PROT_NONE, ANON | MAP_NORESERVE, -1);
}

static int su_guard_anon(struct fix *f, int n)
{
	if (!map_fix(f, n, PG, RW, ANON, -1))
		return 0;
	sys_madvise(f->base, f->size, MADV_GUARD_INSTALL);
	return 1;
}

static int su_guard_file(struct fix *f, int n)
{
	if (!map_fix(f, n, PG, RW, MAP_SHARED, fd_rw))
		return 0;
	sys_madvise(f->base, f->size, MADV_GUARD_INSTALL);
	return 1;
}

static int su_growsdown(struct fix *f, int n)
{
	return map_fix(f, n, PG, RW, ANON | MAP_GROWSDOWN, -1);
}

static int su_droppable(struct fix *f, int n)
{
	return map_fix(f, n, PG, RW, MAP_DROPPABLE | MAP_ANONYMOUS, -1);
}

static int su_hugetlb(struct fix *f, int n)
{
	return map_fix(f, n, HPG, RW, ANON | MAP_HUGETLB, -1);
}

static int su_hugetlb_nores(struct fix *f, int n)
{
	return map_fix(f, n, HPG, RW, ANON | MAP_HUGETLB | MAP_NORESERVE, -1);
}

static int su_heap(struct fix *f, int n)
{
	unsigned long want;

	f->unit = PG;
	f->nslots = n;
	f->next = 0;
	f->prot = RW;
	f->len1 = PG;
	f->len2 = 2 * PG;
	f->size = (3UL * n + 1) * PG;
	/* from the break as it is now (an mseal case may have kept some) */
	f->base = (char *)((sys_brk(0) + PG - 1) & ~(PG - 1));
	want = (unsigned long)f->base + f->size;
	if (sys_brk(want) < want)
		return 0;
	touch(f->base, f->size, PG);
	return 1;
}

static int su_stack(struct fix *f, int n)
{
	(void)n;
	f->unit = PG;
	f->nslots = STACK_SLOTS;
	f->next = 0;
	f->prot = RW;
	f->len1 = PG;
	f->len2 = 2 * PG;
	f->base = (char *)stack_lo;
	f->size = (3UL * STACK_SLOTS + 1) * PG;
	return 1;
}

static int su_special(struct fix *f, const char *name)
{
	unsigned long lo, hi;
	int prot;

	if (!find_vma(name, &lo, &hi, &prot))
		return 0;
	f->unit = PG;
	f->nslots = 1;
	f->next = 0;
	f->prot = prot;
	f->base = (char *)lo;
	f->size = hi - lo;
	f->len1 = f->len2 = hi - lo;
	return 1;
}

static int su_vdso(struct fix *f, int n)
{
	(void)n;
	return su_special(f, "[vdso]");
}

static int su_vvar(struct fix *f, int n)
{
	(void)n;
	return su_special(f, "[vvar]");
}

static int su_vclock(struct fix *f, int n)
{
	(void)n;
	return su_special(f, "[vvar_vclock]");
}

static const struct kind kinds[] = {
	{"anon-priv", 0, su_anon_priv},
	{"anon-shared", 0, su_anon_shared},
	{"file-priv-ro", 0, su_file_priv_ro},
	{"file-priv-rw", 0, su_file_priv_rw},
	{"file-shared-ro", 0, su_file_shared_ro},
	{"file-shared-rw", 0, su_file_shared_rw},
	{"locked", 0, su_locked},
	{"lockonfault", 0, su_lockonfault},
	{"sealed-rw", K_PERSIST | K_CYCLE, su_sealed_rw},
	{"sealed-ro", K_PERSIST | K_CYCLE, su_sealed_ro},
	{"prot-none", 0, su_prot_none},
	{"guard-anon", 0, su_guard_anon},
	{"guard-file", 0, su_guard_file},
	{"growsdown", 0, su_growsdown},
	{"droppable", 0, su_droppable},
	{"heap", K_HEAP, su_heap},
	{"stack", K_STACK | K_CYCLE, su_stack},
	{"vdso", K_WHOLE | K_CYCLE, su_vdso},
	{"vvar", K_WHOLE | K_CYCLE, su_vvar},
	{"vvar_vclock", K_WHOLE | K_CYCLE, su_vclock},
	{"hugetlb", K_NOPAD, su_hugetlb},
	{"hugetlb-noreserve", K_NOTOUCH, su_hugetlb_nores},
};

#define NKINDS (int)(sizeof(kinds) / sizeof(kinds[0]))
#define PERSIST_SLOTS 40

static struct fix persist[NKINDS];

static int fix_setup(struct fix *f, int ki, int n)
{
	const struct kind *k = &kinds[ki];

	if ((k->flags & K_PERSIST) && persist[ki].base) {
		*f = persist[ki];
		return 1;
	}
	memset(f, 0, sizeof(*f));
	f->k = k;
	if (k->flags & K_PERSIST)
		n = PERSIST_SLOTS;
	if (!(k->flags & (K_STACK | K_WHOLE)))
		mark("SETUP %s %s", fam, k->name);
	if (!k->setup(f, n)) {
		mark("SKIP %s %s", fam, k->name);
		return 0;
	}
	if (k->flags & K_PERSIST)
		persist[ki] = *f;
	return 1;
}

static void fix_teardown(struct fix *f, int ki)
{
	const struct kind *k = f->k;

	if (k->flags & K_PERSIST) {
		persist[ki] = *f;
		return;
	}
	if (k->flags & (K_STACK | K_WHOLE))
		return;
	mark("CLEANUP %s %s", fam, k->name);
	if (k->flags & K_HEAP)
		sys_brk((unsigned long)f->base);
	else
		sys_munmap(f->base, f->size);
}

/* ---- the per-kind families ---- */

enum {
	V_SAME = 1,    /* the previous case's slot */
	V_NOSTACK = 2, /* not on the stack (would unmap part of it) */
	V_NOWHOLE = 4, /* not on [vdso]/[vvar] */
};

struct variant {
	const char *name;
	long arg;
	int flags;
	void (*run)(struct fix *f, char *s, long arg);
};

static const char *cur_kind;
/* The stack's cases come last: splits made by advices and locks on its
 * bottom pages stay to the end, and of a split [stack] only the part that
 * holds the start of the stack is named "[stack]". */
static int stack_pass;

static void cleanup_mark(void)
{
	mark("CLEANUP %s %s", fam, cur_kind);
}

static int special(const struct fix *f)
{
	return f->k->flags & (K_STACK | K_WHOLE);
}

static void run_family(const char *name, const struct variant *v, int nv,
		       void (*teardown)(struct fix *f, int ki, char *s))
{
	struct fix f;
	int ki, i, n;
	char *s;

	fam = name;
	mark("SETUP %s scratch", fam);
	scratch = (char *)sys_mmap(NULL, 3 * HPG, PROT_NONE,
				   ANON | MAP_NORESERVE, -1, 0);
	for (ki = 0; ki < NKINDS; ki++) {
		const struct kind *k = &kinds[ki];

		if (!(k->flags & K_STACK) != !stack_pass)
			continue;
		cur_kind = k->name;
		for (n = 0, i = 0; i < nv; i++)
			if (!(v[i].flags & V_SAME))
				n++;
		if (k->flags & K_NOPAD)
			n = 1;
		if (!fix_setup(&f, ki, n))
			continue;
		s = NULL;
		for (i = 0; i < nv; i++) {
			if (((v[i].flags & V_NOSTACK) &&
			     (k->flags & K_STACK)) ||
			    ((v[i].flags & V_NOWHOLE) && (k->flags & K_WHOLE)))
				continue;
			if (!(v[i].flags & V_SAME) || !s) {
				if (f.next >= f.nslots) {
					if (k->flags & K_CYCLE) {
						f.next = 0;
					} else {
						fix_teardown(&f, ki);
						if (!fix_setup(&f, ki, n))
							break;
					}
				}
				if (k->flags & K_WHOLE)
					s = f.base;
				else
					s = f.base +
					    (3UL * f.next + 1) * f.unit;
				if (k->flags & K_NOPAD)
					s = f.base;
				f.next++;
			}
			mark("CASE %s %s %s", fam, v[i].name, k->name);
			v[i].run(&f, s, v[i].arg);
		}
		if (f.base) {
			if (teardown)
				teardown(&f, ki, s);
			else
				fix_teardown(&f, ki);
		}
	}
	mark("CLEANUP %s scratch", fam);
	sys_munmap(scratch, 3 * HPG);
}

/* A target for MREMAP_FIXED: huge-page aligned, inside the reservation. */
static char *target(void)
{
	return (char *)(((unsigned long)scratch + HPG - 1) & ~(HPG - 1));
}

/* -- madvise -- */

static void v_madvise(struct fix *f, char *s, long adv)
{
	sys_madvise(s, f->len1, adv);
}

#define ADV(n, a, fl)                                                          \
	{                                                                      \
		n, a, fl, v_madvise                                            \
	}

static const struct variant madv_variants[] = {
	ADV("MADV_NORMAL", MADV_NORMAL, 0),
	ADV("MADV_RANDOM", MADV_RANDOM, 0),
	ADV("MADV_SEQUENTIAL", MADV_SEQUENTIAL, 0),
	ADV("MADV_WILLNEED", MADV_WILLNEED, 0),
	ADV("MADV_DONTNEED", MADV_DONTNEED, 0),
	ADV("MADV_FREE", MADV_FREE, 0),
	ADV("MADV_REMOVE", MADV_REMOVE, 0),
	ADV("MADV_DONTFORK", MADV_DONTFORK, 0),
	ADV("MADV_DOFORK", MADV_DOFORK, V_SAME),
	ADV("MADV_MERGEABLE", MADV_MERGEABLE, 0),
	ADV("MADV_UNMERGEABLE", MADV_UNMERGEABLE, V_SAME),
	ADV("MADV_HUGEPAGE", MADV_HUGEPAGE, 0),
	ADV("MADV_NOHUGEPAGE", MADV_NOHUGEPAGE, V_SAME),
	ADV("MADV_DONTDUMP", MADV_DONTDUMP, 0),
	ADV("MADV_DODUMP", MADV_DODUMP, V_SAME),
	ADV("MADV_WIPEONFORK", MADV_WIPEONFORK, 0),
	ADV("MADV_KEEPONFORK", MADV_KEEPONFORK, V_SAME),
	ADV("MADV_COLD", MADV_COLD, 0),
	ADV("MADV_PAGEOUT", MADV_PAGEOUT, 0),
	ADV("MADV_POPULATE_READ", MADV_POPULATE_READ, 0),
	ADV("MADV_POPULATE_WRITE", MADV_POPULATE_WRITE, 0),
	ADV("MADV_DONTNEED_LOCKED", MADV_DONTNEED_LOCKED, 0),
	ADV("MADV_COLLAPSE", MADV_COLLAPSE, 0),
	ADV("MADV_GUARD_INSTALL", MADV_GUARD_INSTALL, 0),
	ADV("MADV_GUARD_REMOVE", MADV_GUARD_REMOVE, V_SAME),
};

/* -- mprotect -- */

/* Put back what a case changed on the stack or [vdso]/[vvar]. */
static void restore_prot(struct fix *f, char *s)
{
	if (f->k->flags & K_STACK) {
		cleanup_mark();
		/* PROT_GROWSDOWN reaches down to the VMA's start */
		sys_mprotect(f->base, s + f->len1 - f->base, RW);
	} else if (f->k->flags & K_WHOLE) {
		cleanup_mark();
		sys_mprotect(s, f->len1, f->prot);
	}
}

static void v_mprotect(struct fix *f, char *s, long prot)
{
	if (sys_mprotect(s, f->len1, prot) == 0)
		restore_prot(f, s);
}

static void v_mprotect_back(struct fix *f, char *s, long prot)
{
	sys_mprotect(s, f->len1, prot);
	sys_mprotect(s, f->len1, f->prot);
}

#define PROT(n, p)                                                             \
	{                                                                      \
		n, p, 0, v_mprotect                                            \
	}

static const struct variant mprot_variants[] = {
	PROT("PROT_NONE", PROT_NONE),
	PROT("PROT_READ", PROT_READ),
	PROT("PROT_WRITE", PROT_WRITE),
	PROT("PROT_READ|PROT_WRITE", RW),
	PROT("PROT_EXEC", PROT_EXEC),
	PROT("PROT_READ|PROT_EXEC", RX),
	PROT("PROT_WRITE|PROT_EXEC", PROT_WRITE | PROT_EXEC),
	PROT("PROT_READ|PROT_WRITE|PROT_EXEC", RW | PROT_EXEC),
	PROT("PROT_READ|PROT_GROWSDOWN", PROT_READ | PROT_GROWSDOWN),
	PROT("PROT_READ|PROT_WRITE|PROT_GROWSDOWN", RW | PROT_GROWSDOWN),
	{"PROT_NONE-and-back", PROT_NONE, 0, v_mprotect_back},
};

/* -- mlock, mlock2, munlock -- */

static void unlock_stack(struct fix *f, char *s)
{
	if (f->k->flags & K_STACK) {
		cleanup_mark();
		sys_munlock(s, f->len1);
	}
}

static void v_mlock(struct fix *f, char *s, long arg)
{
	(void)arg;
	if (sys_mlock(s, f->len1) == 0)
		unlock_stack(f, s);
}

static void v_mlock2(struct fix *f, char *s, long fl)
{
	if (sys_mlock2(s, f->len1, fl) == 0)
		unlock_stack(f, s);
}

static void v_munlock(struct fix *f, char *s, long arg)
{
	(void)arg;
	sys_munlock(s, f->len1);
}

static void v_mlock_munlock(struct fix *f, char *s, long arg)
{
	(void)arg;
	sys_mlock(s, f->len1);
	sys_munlock(s, f->len1);
}

static void v_onfault_then_mlock(struct fix *f, char *s, long arg)
{
	(void)arg;
	sys_mlock2(s, f->len1, MLOCK_ONFAULT);
	if (sys_mlock(s, f->len1) == 0)
		unlock_stack(f, s);
}

static const struct variant mlock_variants[] = {
	{"mlock", 0, 0, v_mlock},
	{"mlock2-0", 0, 0, v_mlock2},
	{"mlock2-MLOCK_ONFAULT", MLOCK_ONFAULT, 0, v_mlock2},
	{"munlock", 0, 0, v_munlock},
	{"mlock-then-munlock", 0, 0, v_mlock_munlock},
	{"MLOCK_ONFAULT-then-mlock", 0, 0, v_onfault_then_mlock},
};

/* -- msync (no snapshot: not a call that changes maps) -- */

static void v_msync(struct fix *f, char *s, long fl)
{
	sys_msync(s, f->len1, fl);
}

#define SYNC(n, fl)                                                            \
	{                                                                      \
		n, fl, 0, v_msync                                              \
	}

static const struct variant msync_variants[] = {
	SYNC("MS_ASYNC", MS_ASYNC),
	SYNC("MS_SYNC", MS_SYNC),
	SYNC("MS_INVALIDATE", MS_INVALIDATE),
	SYNC("MS_ASYNC|MS_INVALIDATE", MS_ASYNC | MS_INVALIDATE),
	SYNC("MS_SYNC|MS_INVALIDATE", MS_SYNC | MS_INVALIDATE),
	SYNC("MS_ASYNC|MS_SYNC", MS_ASYNC | MS_SYNC),
	SYNC("0", 0),
	SYNC("0x8", 8),
};

/* -- mremap -- */

/* Undo a case that moved the slot's first unit to NEW: move it back on
 * the stack and [vdso]/[vvar], unmap it elsewhere. */
static void undo_move(struct fix *f, char *s, long r, unsigned long len,
		      int back)
{
	if (r == FAIL)
		return;
	cleanup_mark();
	if (back && special(f))
		sys_mremap((void *)r, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
			   s);
	else
		sys_munmap((void *)r, len);
}

static void v_mr_shrink(struct fix *f, char *s, long arg)
{
	(void)arg;
	sys_mremap(s, f->len2, f->len2 - f->unit, 0, NULL);
}

static void v_mr_grow_mid(struct fix *f, char *s, long arg)
{
	(void)arg;
	sys_mremap(s, f->len1, f->len1 + f->unit, 0, NULL);
}

static void v_mr_grow_end(struct fix *f, char *s, long arg)
{
	(void)arg;
	if (!(f->k->flags & K_NOPAD))
		sys_munmap(s + f->len2, f->unit); /* the padding after it */
	sys_mremap(s, f->len2, f->len2 + f->unit, 0, NULL);
}

static void v_mr_grow_move(struct fix *f, char *s, long arg)
{
	long r;

	(void)arg;
	r = sys_mremap(s, f->len1, f->len1 + f->unit, MREMAP_MAYMOVE, NULL);
	undo_move(f, s, r, f->len1 + f->unit, 0);
}

static void v_mr_move_fixed(struct fix *f, char *s, long fl)
{
	long r = sys_mremap(s, f->len1, f->len1, fl, target());

	undo_move(f, s, r, f->len1, !(fl & MREMAP_DONTUNMAP));
}

static void v_mr_dontunmap(struct fix *f, char *s, long arg)
{
	long r;

	(void)arg;
	r = sys_mremap(s, f->len1, f->len1, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
		       NULL);
	undo_move(f, s, r, f->len1, 0);
}

static void v_mr_old0(struct fix *f, char *s, long arg)
{
	long r;

	(void)arg;
	r = sys_mremap(s, 0, f->len1, MREMAP_MAYMOVE, NULL);
	undo_move(f, s, r, f->len1, 0);
}

static const struct variant mremap_variants[] = {
	{"shrink", 0, V_NOSTACK, v_mr_shrink},
	{"grow-in-place-blocked", 0, 0, v_mr_grow_mid},
	{"grow-in-place", 0, V_NOSTACK | V_NOWHOLE, v_mr_grow_end},
	{"MREMAP_MAYMOVE-grow", 0, V_NOSTACK, v_mr_grow_move},
	{"MREMAP_MAYMOVE|MREMAP_FIXED", MREMAP_MAYMOVE | MREMAP_FIXED, 0,
	 v_mr_move_fixed},
	{"MREMAP_DONTUNMAP", 0, 0, v_mr_dontunmap},
	{"MREMAP_DONTUNMAP|MREMAP_FIXED",
	 MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, 0, v_mr_move_fixed},
	{"old_len-0", 0, 0, v_mr_old0},
};

/* -- munmap and mmap over a slot -- */

static void v_munmap(struct fix *f, char *s, long arg)
{
	(void)arg;
	sys_munmap(s, f->len1);
}

static void v_mmap_over(struct fix *f, char *s, long fl)
{
	sys_mmap(s, f->len1, RW, ANON | fl, -1, 0);
}

static const struct variant unmap_variants[] = {
	{"munmap-slot", 0, V_NOSTACK | V_NOWHOLE, v_munmap},
	{"MAP_FIXED-over", MAP_FIXED, V_NOSTACK | V_NOWHOLE, v_mmap_over},
	{"MAP_FIXED_NOREPLACE-over", MAP_FIXED_NOREPLACE, 0, v_mmap_over},
};

/* -- mseal, then what it refuses -- */

static void v_seal(struct fix *f, char *s, long arg)
{
	(void)arg;
	sys_mseal(s, f->len1, 0);
}

static void v_seal_munmap(struct fix *f, char *s, long arg)
{
	(void)arg;
	sys_munmap(s, f->len1);
}

static void v_seal_mprotect(struct fix *f, char *s, long arg)
{
	(void)arg;
	sys_mprotect(s, f->len1, PROT_READ);
}

static const struct variant mseal_variants[] = {
	{"mseal", 0, 0, v_seal},
	{"munmap-sealed", 0, V_SAME, v_seal_munmap},
	{"mprotect-sealed", 0, V_SAME, v_seal_mprotect},
	{"MADV_DONTNEED-sealed", MADV_DONTNEED, V_SAME, v_madvise},
	{"MREMAP_FIXED-sealed", MREMAP_MAYMOVE | MREMAP_FIXED, V_SAME,
	 v_mr_move_fixed},
};

/* After mseal: unmap the fixture around the sealed unit, which stays. */
static void seal_teardown(struct fix *f, int ki, char *s)
{
	char *end = f->base + f->size;

	if (f->k->flags & (K_PERSIST | K_STACK | K_WHOLE)) {
		fix_teardown(f, ki);
		return;
	}
	mark("CLEANUP %s %s", fam, f->k->name);
	if (f->k->flags & K_HEAP) {
		sys_brk((unsigned long)f->base); /* refused below the seal */
		return;
	}
	if (s > f->base)
		sys_munmap(f->base, s - f->base);
	if (s + f->len1 < end)
		sys_munmap(s + f->len1, end - (s + f->len1));
}

#define NV(a) (int)(sizeof(a) / sizeof((a)[0]))

static char *free_at, *occ;
static void try_map(const char *var, const char *kind, void *a,
		    unsigned long len, long prot, long fl, int fd,
		    unsigned long off, unsigned long unmap);

/* ---- boundary cases, on fresh anonymous memory ---- */

static char *fresh(const char *kind, unsigned long pages, int prot)
{
	long r;

	mark("SETUP %s %s", fam, kind);
	r = sys_mmap(NULL, pages * PG, prot, ANON, -1, 0);
	if (r == FAIL)
		die("mmap failed");
	if (prot & PROT_WRITE)
		touch((char *)r, pages * PG, PG);
	return (char *)r;
}

/* N pages whose pages 1 and 3 (of 0..N-1) differ: [RW][R][RW][R]... */
static char *striped(const char *kind, unsigned long pages)
{
	char *p = fresh(kind, pages, RW);
	unsigned long i;

	for (i = 1; i < pages; i += 2)
		sys_mprotect(p + i * PG, PG, PROT_READ);
	return p;
}

/* N pages with a hole at page H */
static char *holed(const char *kind, unsigned long pages, unsigned long h)
{
	char *p = fresh(kind, pages, RW);

	sys_munmap(p + h * PG, PG);
	return p;
}

static void drop(const char *kind, char *p, unsigned long len)
{
	mark("CLEANUP %s %s", fam, kind);
	sys_munmap(p, len);
}

#define CASE(var, kind) mark("CASE %s %s %s", fam, var, kind)
#define BCASE(where, what) mark("CASE %s %s/%s anon-priv", fam, where, what)

static void boundary_madvise(void)
{
	static const struct {
		const char *name;
		long adv;
	} advs[] = {
		{"MADV_DONTNEED", MADV_DONTNEED},
		{"MADV_WILLNEED", MADV_WILLNEED},
		{"MADV_DONTFORK", MADV_DONTFORK},
		{"MADV_COLD", MADV_COLD},
		{"MADV_POPULATE_WRITE", MADV_POPULATE_WRITE},
		{"MADV_GUARD_INSTALL", MADV_GUARD_INSTALL},
		{"ADV_26", 26},
		{"MADV_HWPOISON", MADV_HWPOISON},
		{"MADV_SOFT_OFFLINE", MADV_SOFT_OFFLINE},
	};
	static const long unknown[] = {5, 6, 7, 26, 99, 104};
	char *p, *h, *t, name[16];
	int i;

	fam = "madvise";
	p = striped("anon-priv", 8);
	h = holed("anon-priv", 4, 2);
	for (i = 0; i < NV(advs); i++) {
		int poison = advs[i].adv == MADV_HWPOISON ||
			     advs[i].adv == MADV_SOFT_OFFLINE;

		BCASE("unaligned-start", advs[i].name);
		sys_madvise(p + 1, PG, advs[i].adv);
		BCASE("zero-length", advs[i].name);
		sys_madvise(p, 0, advs[i].adv);
		BCASE("hole", advs[i].name);
		sys_madvise(h + 2 * PG, PG, advs[i].adv);
		BCASE("overflow", advs[i].name);
		sys_madvise(p, -PG, advs[i].adv);
		if (poison)
			continue; /* only ranges that make it fail */
		BCASE("unaligned-length", advs[i].name);
		sys_madvise(p + 6 * PG, 1, advs[i].adv);
		BCASE("spanning-vmas", advs[i].name);
		sys_madvise(p, 4 * PG, advs[i].adv);
		BCASE("spanning-hole", advs[i].name);
		sys_madvise(h, 4 * PG, advs[i].adv);
		if (advs[i].adv == MADV_GUARD_INSTALL) {
			BCASE("spanning-vmas", "MADV_GUARD_REMOVE");
			sys_madvise(p, 4 * PG, MADV_GUARD_REMOVE);
			BCASE("spanning-hole", "MADV_GUARD_REMOVE");
			sys_madvise(h, 4 * PG, MADV_GUARD_REMOVE);
		}
	}
	for (i = 0; i < NV(unknown); i++) {
		snprintf(name, sizeof(name), "ADV_%ld", unknown[i]);
		BCASE("mapped", name);
		sys_madvise(p + 6 * PG, PG, unknown[i]);
	}
	drop("anon-priv", p, 8 * PG);
	drop("anon-priv", h, 4 * PG);

	/* MADV_COLLAPSE and MADV_HUGEPAGE on an aligned 2 MiB range */
	t = fresh("anon-priv", 1024, RW);
	p = (char *)(((unsigned long)t + HPG - 1) & ~(HPG - 1));
	CASE("MADV_HUGEPAGE", "anon-priv-2M");
	sys_madvise(p, HPG, MADV_HUGEPAGE);
	CASE("MADV_COLLAPSE", "anon-priv-2M");
	sys_madvise(p, HPG, MADV_COLLAPSE);
	CASE("MADV_NOHUGEPAGE", "anon-priv-2M");
	sys_madvise(p, HPG, MADV_NOHUGEPAGE);
	CASE("MADV_COLLAPSE", "anon-priv-2M-nohugepage");
	sys_madvise(p, HPG, MADV_COLLAPSE);
	drop("anon-priv", t, 1024 * PG);

	/* guard regions: installed, then what happens over them */
	t = fresh("anon-priv", 4, RW);
	CASE("MADV_GUARD_INSTALL", "anon-priv-middle");
	sys_madvise(t + PG, 2 * PG, MADV_GUARD_INSTALL);
	CASE("MADV_DONTNEED", "guard-anon-keeps-guard");
	sys_madvise(t, 4 * PG, MADV_DONTNEED);
	CASE("mprotect-PROT_READ", "guard-anon-middle");
	sys_mprotect(t + PG, PG, PROT_READ);
	CASE("MADV_GUARD_REMOVE", "guard-anon-split");
	sys_madvise(t, 4 * PG, MADV_GUARD_REMOVE);
	drop("anon-priv", t, 4 * PG);
}

static void boundary_mprotect(void)
{
	char *p, *h, *g;

	fam = "mprotect";
	p = striped("anon-priv", 8);
	h = holed("anon-priv", 4, 2);
	CASE("unaligned-start", "anon-priv");
	sys_mprotect(p + 1, PG, PROT_READ);
	CASE("zero-length", "anon-priv");
	sys_mprotect(p, 0, PROT_READ);
	CASE("unaligned-length", "anon-priv");
	sys_mprotect(p + 6 * PG, 1, PROT_NONE);
	CASE("spanning-vmas", "anon-priv");
	sys_mprotect(p, 4 * PG, RW);
	CASE("hole", "anon-priv");
	sys_mprotect(h + 2 * PG, PG, PROT_READ);
	CASE("spanning-hole", "anon-priv");
	sys_mprotect(h, 4 * PG, PROT_READ);
	CASE("overflow", "anon-priv");
	sys_mprotect(p, -PG, PROT_READ);
	CASE("above-task-size", "anon-priv");
	sys_mprotect((void *)TASK_TOP, PG, PROT_READ);
	CASE("PROT_READ|PROT_SEM", "anon-priv");
	sys_mprotect(p + 6 * PG, PG, PROT_READ | PROT_SEM);
	CASE("PROT_READ|PROT_WRITE|PROT_GROWSUP", "anon-priv");
	sys_mprotect(p + 6 * PG, PG, RW | PROT_GROWSUP);
	CASE("PROT_GROWSDOWN|PROT_GROWSUP", "anon-priv");
	sys_mprotect(p + 6 * PG, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP);
	CASE("PROT_READ|0x10", "anon-priv");
	sys_mprotect(p + 6 * PG, PG, PROT_READ | 0x10);
	CASE("PROT_READ|0x80000000", "anon-priv");
	sys_mprotect(p + 6 * PG, PG, PROT_READ | 0x80000000L);
	drop("anon-priv", p, 8 * PG);
	drop("anon-priv", h, 4 * PG);

	/* PROT_GROWSDOWN in the middle of a MAP_GROWSDOWN mapping */
	mark("SETUP %s growsdown", fam);
	g = (char *)sys_mmap(NULL, 8 * PG, RW, ANON | MAP_GROWSDOWN, -1, 0);
	if (g == (char *)FAIL)
		die("growsdown");
	CASE("PROT_READ|PROT_GROWSDOWN", "growsdown-middle");
	sys_mprotect(g + 4 * PG, PG, PROT_READ | PROT_GROWSDOWN);
	CASE("PROT_READ|PROT_WRITE|PROT_GROWSDOWN", "growsdown-top");
	sys_mprotect(g + 7 * PG, PG, RW | PROT_GROWSDOWN);
	CASE("PROT_READ|PROT_GROWSUP", "growsdown");
	sys_mprotect(g + 7 * PG, PG, PROT_READ | PROT_GROWSUP);
	CASE("PROT_GROWSDOWN|PROT_GROWSUP", "growsdown");
	sys_mprotect(g + 7 * PG, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP);
	drop("growsdown", g, 8 * PG);
}

static void boundary_mlock(void)
{
	char *p, *h;

	fam = "mlock";
	p = striped("anon-priv", 8);
	h = holed("anon-priv", 4, 2);
	CASE("mlock-unaligned-start", "anon-priv");
	sys_mlock(p + 6 * PG + 1, PG);
	CASE("munlock-unaligned-start", "anon-priv");
	sys_munlock(p + 6 * PG + 1, PG);
	CASE("mlock-zero-length", "anon-priv");
	sys_mlock(p, 0);
	CASE("mlock-spanning-vmas", "anon-priv");
	sys_mlock(p, 4 * PG);
	CASE("munlock-spanning-vmas", "anon-priv");
	sys_munlock(p, 4 * PG);
	CASE("mlock-hole", "anon-priv");
	sys_mlock(h + 2 * PG, PG);
	CASE("mlock-spanning-hole", "anon-priv");
	sys_mlock(h, 4 * PG);
	CASE("munlock-spanning-hole", "anon-priv");
	sys_munlock(h, 4 * PG);
	CASE("mlock2-spanning-hole-ONFAULT", "anon-priv");
	sys_mlock2(h, 4 * PG, MLOCK_ONFAULT);
	CASE("mlock-overflow", "anon-priv");
	sys_mlock(p, -PG);
	CASE("mlock2-0x2", "anon-priv");
	sys_mlock2(p + 6 * PG, PG, 2);
	CASE("mlock2-0x3", "anon-priv");
	sys_mlock2(p + 6 * PG, PG, 3);
	drop("anon-priv", p, 8 * PG);
	drop("anon-priv", h, 4 * PG);
}

static void family_mlockall(void)
{
	char *a, *b, *c, *d;
	unsigned long h, hb;

	fam = "mlockall";
	mark("SETUP %s heap", fam);
	h = (sys_brk(0) + PG - 1) & ~(PG - 1);
	a = fresh("anon-priv", 4, RW);
	mark("SETUP %s file-shared-rw", fam);
	b = (char *)sys_mmap(NULL, 4 * PG, RW, MAP_SHARED, fd_rw, 0);
	mark("SETUP %s prot-none", fam);
	c = (char *)sys_mmap(NULL, 4 * PG, PROT_NONE, ANON, -1, 0);
	mark("SETUP %s hugetlb-noreserve", fam);
	d = (char *)sys_mmap(NULL, HPG, RW, ANON | MAP_HUGETLB | MAP_NORESERVE,
			     -1, 0);

	CASE("MCL_CURRENT", "all");
	sys_mlockall(MCL_CURRENT);
	CASE("munlock-part", "anon-priv");
	sys_munlock(a + PG, PG);
	CASE("munlockall", "all");
	sys_munlockall();

	CASE("MCL_FUTURE", "all");
	sys_mlockall(MCL_FUTURE);
	try_map("mmap-after-MCL_FUTURE", "anon-priv", 0, 4 * PG, RW, ANON, -1,
		0, 0);
	try_map("mmap-after-MCL_FUTURE", "prot-none", 0, 4 * PG, PROT_NONE,
		ANON, -1, 0, 0);
	try_map("mmap-after-MCL_FUTURE", "hugetlb-noreserve", 0, HPG, RW,
		ANON | MAP_HUGETLB | MAP_NORESERVE, -1, 0, 0);
	CASE("brk-after-MCL_FUTURE", "heap");
	hb = sys_brk(h + 2 * PG);
	CASE("mprotect-after-MCL_FUTURE", "heap");
	if (hb >= h + 2 * PG)
		sys_mprotect((void *)h, PG, PROT_READ);
	CASE("munlockall", "all");
	sys_munlockall();
	CASE("brk-after-munlockall", "heap");
	sys_brk(h + 4 * PG);
	mark("CLEANUP %s heap", fam);
	sys_brk(h);

	CASE("MCL_CURRENT|MCL_ONFAULT", "all");
	sys_mlockall(MCL_CURRENT | MCL_ONFAULT);
	CASE("munlockall", "all");
	sys_munlockall();
	CASE("MCL_FUTURE|MCL_ONFAULT", "all");
	sys_mlockall(MCL_FUTURE | MCL_ONFAULT);
	try_map("mmap-after-MCL_FUTURE|MCL_ONFAULT", "anon-priv", 0, 4 * PG, RW,
		ANON, -1, 0, 0);
	CASE("munlockall", "all");
	sys_munlockall();
	CASE("MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT", "all");
	sys_mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT);
	CASE("munlockall", "all");
	sys_munlockall();
	CASE("munlockall-nothing-locked", "all");
	sys_munlockall();
	CASE("MCL_ONFAULT", "all");
	sys_mlockall(MCL_ONFAULT);
	CASE("0", "all");
	sys_mlockall(0);
	CASE("0x8", "all");
	sys_mlockall(8);
	CASE("MCL_CURRENT|0x8", "all");
	sys_mlockall(MCL_CURRENT | 8);

	drop("anon-priv", a, 4 * PG);
	drop("file-shared-rw", b, 4 * PG);
	drop("prot-none", c, 4 * PG);
	if (d != (char *)FAIL)
		drop("hugetlb-noreserve", d, HPG);

	/* the pool after MAP_NORESERVE pages were faulted in and unmapped */
	try_map("MAP_HUGETLB-after-NORESERVE-pages-freed", "hugetlb", 0, HPG,
		RW, ANON | MAP_HUGETLB, -1, 0, 0);
}

static void boundary_msync(void)
{
	char *p, *h, *l, *f;

	fam = "msync";
	p = striped("anon-priv", 8);
	h = holed("anon-priv", 4, 2);
	CASE("unaligned-start", "anon-priv");
	sys_msync(p + 1, PG, MS_SYNC);
	CASE("zero-length", "anon-priv");
	sys_msync(p, 0, MS_SYNC);
	CASE("unaligned-length", "anon-priv");
	sys_msync(p, 1, MS_SYNC);
	CASE("spanning-vmas", "anon-priv");
	sys_msync(p, 4 * PG, MS_SYNC);
	CASE("hole-MS_SYNC", "anon-priv");
	sys_msync(h + 2 * PG, PG, MS_SYNC);
	CASE("hole-MS_ASYNC", "anon-priv");
	sys_msync(h + 2 * PG, PG, MS_ASYNC);
	CASE("spanning-hole-MS_SYNC", "anon-priv");
	sys_msync(h, 4 * PG, MS_SYNC);
	CASE("spanning-hole-MS_INVALIDATE", "anon-priv");
	sys_msync(h, 4 * PG, MS_INVALIDATE);
	CASE("overflow", "anon-priv");
	sys_msync(p, -PG, MS_SYNC);
	drop("anon-priv", p, 8 * PG);
	drop("anon-priv", h, 4 * PG);

	/* MS_INVALIDATE over locked memory next to file memory */
	mark("SETUP %s file-shared-rw", fam);
	f = (char *)sys_mmap(NULL, 4 * PG, RW, MAP_SHARED, fd_rw, 0);
	l = f + PG;
	sys_mlock(l, PG);
	CASE("MS_INVALIDATE-locked-in-range", "file-shared-rw");
	sys_msync(f, 4 * PG, MS_INVALIDATE);
	CASE("MS_SYNC-locked-in-range", "file-shared-rw");
	sys_msync(f, 4 * PG, MS_SYNC);
	drop("file-shared-rw", f, 4 * PG);
}

static void boundary_mremap(void)
{
	char *p, *q, *h;
	long r;

	fam = "mremap";
	p = fresh("anon-priv", 8, RW);
	CASE("unaligned-old", "anon-priv");
	sys_mremap(p + 1, PG, PG, MREMAP_MAYMOVE, NULL);
	CASE("unaligned-new-addr", "anon-priv");
	sys_mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, p + 5 * PG + 1);
	CASE("MREMAP_FIXED-overlapping", "anon-priv");
	sys_mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, p + PG);
	CASE("MREMAP_DONTUNMAP-without-MAYMOVE", "anon-priv");
	sys_mremap(p, PG, PG, MREMAP_DONTUNMAP, NULL);
	CASE("MREMAP_DONTUNMAP-resize", "anon-priv");
	sys_mremap(p, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	CASE("shrink-unaligned-new-len", "anon-priv");
	sys_mremap(p + 6 * PG, 2 * PG, PG + 1, 0, NULL);
	CASE("grow-huge", "anon-priv");
	sys_mremap(p, PG, 1UL << 46, MREMAP_MAYMOVE, NULL);
	CASE("grow-overflow", "anon-priv");
	sys_mremap(p, PG, -PG, MREMAP_MAYMOVE, NULL);
	CASE("MREMAP_FIXED-without-MAYMOVE", "anon-priv");
	sys_mremap(p, PG, PG, MREMAP_FIXED, p + 6 * PG);
	CASE("new_len-0", "anon-priv");
	sys_mremap(p, PG, 0, MREMAP_MAYMOVE, NULL);
	CASE("flags-0x10", "anon-priv");
	sys_mremap(p, PG, PG, 0x10, NULL);
	CASE("flags-0x8", "anon-priv");
	sys_mremap(p, PG, PG, 0x8, NULL);
	CASE("MREMAP_FIXED-over-mapping", "anon-priv");
	sys_mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, p + 4 * PG);
	drop("anon-priv", p, 8 * PG);

	/* ranges over holes and VMAs */
	p = striped("anon-priv", 8);
	h = holed("anon-priv", 4, 2);
	CASE("old-spanning-vmas", "anon-priv");
	sys_mremap(p, 2 * PG, 4 * PG, MREMAP_MAYMOVE, NULL);
	CASE("old-in-hole", "anon-priv");
	sys_mremap(h + 2 * PG, PG, 2 * PG, MREMAP_MAYMOVE, NULL);
	CASE("old-spanning-hole", "anon-priv");
	sys_mremap(h, 4 * PG, PG, 0, NULL);
	CASE("grow-in-place-into-hole", "anon-priv");
	sys_mremap(h, 2 * PG, 3 * PG, 0, NULL);
	drop("anon-priv", p, 8 * PG);
	drop("anon-priv", h, 4 * PG);

	/* grow in place at the end of a mapping, then move it back */
	q = fresh("anon-priv", 4, RW);
	mark("SETUP %s anon-priv", fam);
	sys_munmap(q + 2 * PG, 2 * PG);
	CASE("grow-in-place-at-end", "anon-priv");
	sys_mremap(q, 2 * PG, 4 * PG, 0, NULL);
	CASE("shrink-to-one-page", "anon-priv");
	sys_mremap(q, 4 * PG, PG, 0, NULL);
	CASE("MREMAP_FIXED-back-next-to-itself", "anon-priv");
	r = sys_mremap(q, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, q + 2 * PG);
	drop("anon-priv", q, 4 * PG);
	(void)r;
}

static void boundary_munmap(void)
{
	char *p, *h;

	fam = "munmap";
	p = fresh("anon-priv", 16, RW);
	CASE("unaligned-start", "anon-priv");
	sys_munmap(p + 1, PG);
	CASE("zero-length", "anon-priv");
	sys_munmap(p, 0);
	CASE("overflow", "anon-priv");
	sys_munmap(p, -PG);
	CASE("above-task-size", "anon-priv");
	sys_munmap((void *)TASK_TOP, PG);
	CASE("end-above-task-size", "anon-priv");
	sys_munmap((void *)(TASK_TOP - PG), 2 * PG);
	CASE("head", "anon-priv");
	sys_munmap(p, PG);
	CASE("tail", "anon-priv");
	sys_munmap(p + 15 * PG, PG);
	CASE("middle-split", "anon-priv");
	sys_munmap(p + 7 * PG, PG);
	CASE("unaligned-length", "anon-priv");
	sys_munmap(p + 3 * PG, 1);
	CASE("hole", "anon-priv");
	sys_munmap(p + 7 * PG, PG);
	CASE("spanning-vmas-and-holes", "anon-priv");
	sys_munmap(p + 2 * PG, 8 * PG);
	drop("anon-priv", p, 16 * PG);

	h = fresh("anon-priv", 4, RW);
	mark("SETUP %s anon-priv", fam);
	sys_mprotect(h + PG, PG, PROT_READ);
	CASE("spanning-two-vmas", "anon-priv");
	sys_munmap(h, 2 * PG);
	drop("anon-priv", h, 4 * PG);
}

static void boundary_mseal(void)
{
	char *p, *q;

	fam = "mseal";
	p = fresh("anon-priv", 16, RW);
	mark("SETUP %s anon-priv", fam);
	sys_mprotect(p + 9 * PG, PG, PROT_READ);
	sys_munmap(p + 13 * PG, PG);
	CASE("flags-0x1", "anon-priv");
	sys_mseal(p, PG, 1);
	CASE("unaligned-start", "anon-priv");
	sys_mseal(p + 1, PG, 0);
	CASE("zero-length", "anon-priv");
	sys_mseal(p, 0, 0);
	CASE("overflow", "anon-priv");
	sys_mseal(p, -PG, 0);
	CASE("hole", "anon-priv");
	sys_mseal(p + 13 * PG, PG, 0);
	CASE("spanning-hole", "anon-priv");
	sys_mseal(p + 12 * PG, 3 * PG, 0);
	CASE("unaligned-length", "anon-priv");
	sys_mseal(p + PG, 1, 0);
	CASE("spanning-vmas", "anon-priv");
	sys_mseal(p + 8 * PG, 3 * PG, 0);
	CASE("munmap-over-sealed-and-not", "anon-priv");
	sys_munmap(p, 4 * PG);
	CASE("mremap-shrink-sealed", "anon-priv");
	sys_mremap(p + 8 * PG, 3 * PG, PG, 0, NULL);
	CASE("mremap-grow-sealed", "anon-priv");
	sys_mremap(p + 10 * PG, PG, 2 * PG, MREMAP_MAYMOVE, NULL);
	CASE("mremap-onto-sealed", "anon-priv");
	sys_mremap(p + 2 * PG, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, p + PG);
	CASE("mprotect-sealed-readonly", "anon-priv");
	sys_mprotect(p + 9 * PG, PG, RW);
	CASE("MADV_DONTNEED-sealed-readonly", "anon-priv");
	sys_madvise(p + 9 * PG, PG, MADV_DONTNEED);
	CASE("MADV_DONTNEED-sealed-writable", "anon-priv");
	sys_madvise(p + 8 * PG, PG, MADV_DONTNEED);
	CASE("msync-sealed", "anon-priv");
	sys_msync(p + 8 * PG, 3 * PG, MS_SYNC);
	mark("CLEANUP %s anon-priv", fam);
	sys_munmap(p + 2 * PG, 6 * PG);

	/* PROT_NONE sealed, and a seal that grows over its neighbour */
	mark("SETUP %s prot-none", fam);
	q = (char *)sys_mmap(NULL, 4 * PG, PROT_NONE, ANON, -1, 0);
	CASE("mseal", "prot-none");
	sys_mseal(q, 2 * PG, 0);
	CASE("mseal-grow", "prot-none");
	sys_mseal(q, 4 * PG, 0);
	CASE("mprotect-sealed", "prot-none");
	sys_mprotect(q, PG, PROT_READ);
}

/* ---- mmap: every flag, hint and bad argument ---- */

static void try_map(const char *var, const char *kind, void *a,
		    unsigned long len, long prot, long fl, int fd,
		    unsigned long off, unsigned long unmap)
{
	long r;

	if (!unmap)
		unmap = len;
	mark("CASE %s %s %s", fam, var, kind);
	r = sys_mmap(a, len, prot, fl, fd, off);
	if (r == FAIL)
		return;
	mark("CLEANUP %s %s", fam, kind);
	sys_munmap((void *)r, unmap);
	/* it took part of occ: put occ back */
	if (occ && (char *)r < occ + 4 * PG && (char *)r + unmap > occ)
		sys_mmap(occ, 4 * PG, RW, ANON | MAP_FIXED, -1, 0);
}

static void family_mmap(void)
{
	char *fr, *ov;

	fam = "mmap";
	/* a free place: mapped and unmapped; occ: an occupied one in it */
	mark("SETUP mmap anon-priv");
	free_at = (char *)sys_mmap(NULL, 64 * PG, PROT_NONE, ANON, -1, 0);
	sys_munmap(free_at, 64 * PG);
	occ = free_at + 32 * PG;
	sys_mmap(occ, 4 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
	fr = free_at + 8 * PG;
	ov = occ + 2 * PG;

	/* map types */
	try_map("MAP_PRIVATE", "anon-priv", 0, 4 * PG, RW, ANON, -1, 0, 0);
	try_map("MAP_SHARED", "anon-shared", 0, 4 * PG, RW, SANON, -1, 0, 0);
	try_map("MAP_SHARED_VALIDATE", "anon-shared", 0, 4 * PG, RW,
		MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0, 0);
	try_map("no-type", "anon", 0, 4 * PG, RW, MAP_ANONYMOUS, -1, 0, 0);
	try_map("type-0xf", "anon", 0, 4 * PG, RW, 0xf | MAP_ANONYMOUS, -1, 0,
		0);
	try_map("MAP_DROPPABLE", "anon-droppable", 0, 4 * PG, RW,
		MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0, 0);
	try_map("MAP_DROPPABLE", "file-rw", 0, 4 * PG, RW, MAP_DROPPABLE, fd_rw,
		0, 0);
	try_map("MAP_DROPPABLE|MAP_LOCKED", "anon-droppable", 0, 4 * PG, RW,
		MAP_DROPPABLE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0, 0);
	try_map("MAP_SHARED_VALIDATE", "file-shared-rw", 0, 4 * PG, RW,
		MAP_SHARED_VALIDATE, fd_rw, 0, 0);
	try_map("MAP_SHARED_VALIDATE|0x800000", "file-shared-rw", 0, 4 * PG, RW,
		MAP_SHARED_VALIDATE | MAP_JUNK, fd_rw, 0, 0);
	try_map("MAP_SHARED|0x800000", "file-shared-rw", 0, 4 * PG, RW,
		MAP_SHARED | MAP_JUNK, fd_rw, 0, 0);
	try_map("MAP_PRIVATE|0x800000", "anon-priv", 0, 4 * PG, RW,
		ANON | MAP_JUNK, -1, 0, 0);
	try_map("MAP_SHARED_VALIDATE|MAP_SYNC", "file-shared-rw", 0, 4 * PG, RW,
		MAP_SHARED_VALIDATE | MAP_SYNC, fd_rw, 0, 0);
	try_map("MAP_SHARED|MAP_SYNC", "file-shared-rw", 0, 4 * PG, RW,
		MAP_SHARED | MAP_SYNC, fd_rw, 0, 0);
	try_map("MAP_PRIVATE|MAP_SYNC", "file-priv-rw", 0, 4 * PG, RW,
		MAP_PRIVATE | MAP_SYNC, fd_ro, 0, 0);
	try_map("MAP_SHARED_VALIDATE|MAP_HUGE_2MB", "file-shared-rw", 0, 4 * PG,
		RW, MAP_SHARED_VALIDATE | MAP_HUGE_2M, fd_rw, 0, 0);

	/* placement */
	try_map("MAP_FIXED-free", "anon-priv", fr, 4 * PG, RW, ANON | MAP_FIXED,
		-1, 0, 0);
	try_map("MAP_FIXED-over-mapping", "anon-priv", ov, 4 * PG, PROT_READ,
		ANON | MAP_FIXED, -1, 0, 0);
	try_map("MAP_FIXED-unaligned", "anon-priv", fr + 1, 4 * PG, RW,
		ANON | MAP_FIXED, -1, 0, 0);
	try_map("MAP_FIXED_NOREPLACE-free", "anon-priv", fr, 4 * PG, RW,
		ANON | MAP_FIXED_NOREPLACE, -1, 0, 0);
	try_map("MAP_FIXED_NOREPLACE-taken", "anon-priv", occ, 4 * PG, RW,
		ANON | MAP_FIXED_NOREPLACE, -1, 0, 0);
	try_map("MAP_FIXED_NOREPLACE-overlapping", "anon-priv", ov, 4 * PG, RW,
		ANON | MAP_FIXED_NOREPLACE, -1, 0, 0);
	try_map("MAP_FIXED_NOREPLACE-unaligned", "anon-priv", fr + 1, 4 * PG,
		RW, ANON | MAP_FIXED_NOREPLACE, -1, 0, 0);
	try_map("MAP_FIXED|MAP_FIXED_NOREPLACE-taken", "anon-priv", occ, 4 * PG,
		RW, ANON | MAP_FIXED | MAP_FIXED_NOREPLACE, -1, 0, 0);
	try_map("MAP_FIXED-at-0", "anon-priv", 0, PG, RW, ANON | MAP_FIXED, -1,
		0, 0);
	try_map("MAP_FIXED-at-0x1000", "anon-priv", (void *)0x1000, PG, RW,
		ANON | MAP_FIXED, -1, 0, 0);
	try_map("MAP_FIXED-at-0x10000", "anon-priv", (void *)0x10000, PG, RW,
		ANON | MAP_FIXED, -1, 0, 0);
	try_map("MAP_FIXED-end-above-task-size", "anon-priv",
		(void *)(TASK_TOP - PG), 2 * PG, RW, ANON | MAP_FIXED, -1, 0,
		0);
	try_map("MAP_FIXED-at-task-size", "anon-priv", (void *)TASK_TOP, PG, RW,
		ANON | MAP_FIXED, -1, 0, 0);
	try_map("MAP_FIXED_NOREPLACE-top-page", "anon-priv",
		(void *)(TASK_TOP - PG), PG, RW, ANON | MAP_FIXED_NOREPLACE, -1,
		0, 0);
	try_map("hint-free", "anon-priv", fr, 4 * PG, RW, ANON, -1, 0, 0);
	try_map("hint-unaligned", "anon-priv", fr + 0x123, 4 * PG, RW, ANON, -1,
		0, 0);
	try_map("hint-0x1000", "anon-priv", (void *)0x1000, PG, RW, ANON, -1, 0,
		0);
	try_map("hint-0x10000", "anon-priv", (void *)0x10000, PG, RW, ANON, -1,
		0, 0);
	try_map("hint-taken", "anon-priv", occ, 4 * PG, RW, ANON, -1, 0, 0);
	try_map("hint-overlapping", "anon-priv", ov, 4 * PG, RW, ANON, -1, 0,
		0);
	try_map("hint-above-47-bits", "anon-priv", (void *)(1UL << 50), PG, RW,
		ANON, -1, 0, 0);
	try_map("hint-top-page", "anon-priv", (void *)(TASK_TOP - PG), PG, RW,
		ANON, -1, 0, 0);

	/* flags */
	try_map("MAP_32BIT", "anon-priv", 0, 4 * PG, RW, ANON | MAP_32BIT, -1,
		0, 0);
	try_map("MAP_GROWSDOWN", "anon-priv", 0, 4 * PG, RW,
		ANON | MAP_GROWSDOWN, -1, 0, 0);
	try_map("MAP_GROWSDOWN", "anon-shared", 0, 4 * PG, RW,
		SANON | MAP_GROWSDOWN, -1, 0, 0);
	try_map("MAP_GROWSDOWN", "file-priv-ro", 0, 4 * PG, PROT_READ,
		MAP_PRIVATE | MAP_GROWSDOWN, fd_ro, 0, 0);
	try_map("MAP_DENYWRITE", "file-priv-ro", 0, 4 * PG, PROT_READ,
		MAP_PRIVATE | MAP_DENYWRITE, fd_ro, 0, 0);
	try_map("MAP_EXECUTABLE", "file-priv-ro", 0, 4 * PG, RX,
		MAP_PRIVATE | MAP_EXECUTABLE, fd_ro, 0, 0);
	try_map("MAP_DENYWRITE|MAP_EXECUTABLE", "anon-priv", 0, 4 * PG, RW,
		ANON | MAP_DENYWRITE | MAP_EXECUTABLE, -1, 0, 0);
	try_map("MAP_LOCKED", "anon-priv", 0, 4 * PG, RW, ANON | MAP_LOCKED, -1,
		0, 0);
	try_map("MAP_LOCKED", "file-shared-rw", 0, 4 * PG, RW,
		MAP_SHARED | MAP_LOCKED, fd_rw, 0, 0);
	try_map("MAP_LOCKED", "prot-none", 0, 4 * PG, PROT_NONE,
		ANON | MAP_LOCKED, -1, 0, 0);
	try_map("MAP_NORESERVE", "anon-priv", 0, 4 * PG, RW,
		ANON | MAP_NORESERVE, -1, 0, 0);
	try_map("MAP_NORESERVE", "anon-shared", 0, 4 * PG, RW,
		SANON | MAP_NORESERVE, -1, 0, 0);
	try_map("MAP_POPULATE", "anon-priv", 0, 4 * PG, RW, ANON | MAP_POPULATE,
		-1, 0, 0);
	try_map("MAP_POPULATE", "file-shared-rw", 0, 4 * PG, RW,
		MAP_SHARED | MAP_POPULATE, fd_rw, 0, 0);
	try_map("MAP_POPULATE", "file-priv-ro", 0, 4 * PG, PROT_READ,
		MAP_PRIVATE | MAP_POPULATE, fd_ro, 0, 0);
	try_map("MAP_POPULATE", "prot-none", 0, 4 * PG, PROT_NONE,
		ANON | MAP_POPULATE, -1, 0, 0);
	try_map("MAP_POPULATE|MAP_NONBLOCK", "anon-priv", 0, 4 * PG, RW,
		ANON | MAP_POPULATE | MAP_NONBLOCK, -1, 0, 0);
	try_map("MAP_NONBLOCK", "anon-priv", 0, 4 * PG, RW, ANON | MAP_NONBLOCK,
		-1, 0, 0);
	try_map("MAP_STACK", "anon-priv", 0, 4 * PG, RW, ANON | MAP_STACK, -1,
		0, 0);
	try_map("MAP_UNINITIALIZED", "anon-priv", 0, 4 * PG, RW,
		ANON | MAP_UNINITIALIZED, -1, 0, 0);
	try_map("MAP_HUGE_2MB-without-MAP_HUGETLB", "anon-priv", 0, 4 * PG, RW,
		ANON | MAP_HUGE_2M, -1, 0, 0);

	/* hugetlb */
	try_map("MAP_HUGETLB", "hugetlb", 0, HPG, RW, ANON | MAP_HUGETLB, -1, 0,
		0);
	try_map("MAP_HUGETLB", "hugetlb-shared", 0, HPG, RW,
		SANON | MAP_HUGETLB, -1, 0, 0);
	try_map("MAP_HUGETLB|MAP_NORESERVE", "hugetlb-noreserve", 0, HPG, RW,
		ANON | MAP_HUGETLB | MAP_NORESERVE, -1, 0, 0);
	try_map("MAP_HUGETLB|MAP_HUGE_2MB", "hugetlb", 0, HPG, RW,
		ANON | MAP_HUGETLB | MAP_HUGE_2M, -1, 0, 0);
	try_map("MAP_HUGETLB|MAP_HUGE_1GB", "hugetlb-1G", 0, 1UL << 30, RW,
		ANON | MAP_HUGETLB | MAP_HUGE_1G, -1, 0, 0);
	try_map("MAP_HUGETLB|MAP_HUGE_1GB|MAP_NORESERVE", "hugetlb-1G", 0,
		1UL << 30, RW, ANON | MAP_HUGETLB | MAP_HUGE_1G | MAP_NORESERVE,
		-1, 0, 0);
	try_map("MAP_HUGETLB|MAP_HUGE_64KB", "hugetlb", 0, HPG, RW,
		ANON | MAP_HUGETLB | MAP_HUGE_64K, -1, 0, 0);
	try_map("MAP_HUGETLB-length-4096", "hugetlb-noreserve", 0, PG, RW,
		ANON | MAP_HUGETLB | MAP_NORESERVE, -1, 0, HPG);
	try_map("MAP_HUGETLB-hint-unaligned", "hugetlb-noreserve", fr, HPG, RW,
		ANON | MAP_HUGETLB | MAP_NORESERVE, -1, 0, 0);
	try_map("MAP_HUGETLB", "file-shared-rw", 0, HPG, RW,
		MAP_SHARED | MAP_HUGETLB, fd_rw, 0, 0);
	try_map("MAP_HUGETLB|MAP_POPULATE", "hugetlb", 0, HPG, RW,
		ANON | MAP_HUGETLB | MAP_POPULATE, -1, 0, 0);
	try_map("MAP_HUGETLB|MAP_GROWSDOWN", "hugetlb-noreserve", 0, HPG, RW,
		ANON | MAP_HUGETLB | MAP_NORESERVE | MAP_GROWSDOWN, -1, 0, 0);
	try_map("MAP_HUGETLB|MAP_LOCKED", "hugetlb", 0, HPG, RW,
		ANON | MAP_HUGETLB | MAP_LOCKED, -1, 0, 0);

	/* lengths and offsets */
	try_map("length-0", "anon-priv", 0, 0, RW, ANON, -1, 0, 0);
	try_map("length-minus-page", "anon-priv", 0, -PG, RW, ANON, -1, 0, 0);
	try_map("length-2^47", "anon-priv", 0, 1UL << 47, RW, ANON, -1, 0, 0);
	try_map("length-unaligned", "anon-priv", 0, 5000, RW, ANON, -1, 0, 0);
	try_map("offset-unaligned", "file-priv-ro", 0, 4 * PG, PROT_READ,
		MAP_PRIVATE, fd_ro, 1, 0);
	try_map("offset-unaligned", "anon-priv", 0, 4 * PG, RW, ANON, -1, 1, 0);
	try_map("offset-page", "anon-priv", 0, 4 * PG, RW, ANON, -1, PG, 0);
	try_map("offset-overflow", "file-priv-ro", 0, 4 * PG, PROT_READ,
		MAP_PRIVATE, fd_ro, -PG, 0);
	try_map("offset-beyond-eof", "file-priv-ro", 0, 4 * PG, PROT_READ,
		MAP_PRIVATE, fd_ro, 2 * FILE_PAGES * PG, 0);
	try_map("length-beyond-eof", "file-shared-rw", 0, 2 * FILE_PAGES * PG,
		RW, MAP_SHARED, fd_rw, 0, 0);

	/* file descriptors and protections */
	try_map("fd-999", "file", 0, 4 * PG, PROT_READ, MAP_PRIVATE, 999, 0, 0);
	try_map("fd-minus-1", "file", 0, 4 * PG, PROT_READ, MAP_PRIVATE, -1, 0,
		0);
	try_map("MAP_ANONYMOUS-with-fd", "anon-priv", 0, 4 * PG, RW, ANON,
		fd_rw, 0, 0);
	try_map("PROT_READ-write-only-fd", "file-shared-wo", 0, 4 * PG,
		PROT_READ, MAP_SHARED, fd_wo, 0, 0);
	try_map("PROT_NONE-write-only-fd", "file-priv-wo", 0, 4 * PG, PROT_NONE,
		MAP_PRIVATE, fd_wo, 0, 0);
	try_map("PROT_WRITE-MAP_SHARED-read-only-fd", "file-shared-ro", 0,
		4 * PG, RW, MAP_SHARED, fd_ro, 0, 0);
	try_map("PROT_WRITE-MAP_SHARED_VALIDATE-read-only-fd", "file-shared-ro",
		0, 4 * PG, RW, MAP_SHARED_VALIDATE, fd_ro, 0, 0);
	try_map("PROT_READ-MAP_SHARED-read-only-fd", "file-shared-ro", 0,
		4 * PG, PROT_READ, MAP_SHARED, fd_ro, 0, 0);
	try_map("PROT_WRITE-MAP_PRIVATE-read-only-fd", "file-priv-rw", 0,
		4 * PG, RW, MAP_PRIVATE, fd_ro, 0, 0);
	try_map("PROT_WRITE-MAP_SHARED-append-fd", "file-shared-append", 0,
		4 * PG, RW, MAP_SHARED, fd_app, 0, 0);
	try_map("directory-fd", "dir", 0, 4 * PG, PROT_READ, MAP_PRIVATE,
		fd_dir, 0, 0);
	try_map("MAP_PRIVATE", "devzero", 0, 4 * PG, RW, MAP_PRIVATE, fd_zero,
		0, 0);
	try_map("MAP_SHARED", "devzero", 0, 4 * PG, RW, MAP_SHARED, fd_zero, 0,
		0);
	try_map("MAP_SHARED", "devnull", 0, 4 * PG, RW, MAP_SHARED, fd_null, 0,
		0);
	try_map("PROT_EXEC", "anon-priv", 0, 4 * PG, PROT_EXEC, ANON, -1, 0, 0);
	try_map("PROT_READ|PROT_EXEC", "file-priv-ro", 0, 4 * PG, RX,
		MAP_PRIVATE, fd_ro, 0, 0);
	try_map("PROT_READ|PROT_EXEC", "file-shared-ro", 0, 4 * PG, RX,
		MAP_SHARED, fd_ro, 0, 0);
	try_map("PROT_READ|PROT_WRITE|PROT_EXEC", "anon-priv", 0, 4 * PG,
		RW | PROT_EXEC, ANON, -1, 0, 0);
	try_map("PROT_NONE", "anon-priv", 0, 4 * PG, PROT_NONE, ANON, -1, 0, 0);
	try_map("PROT_WRITE", "anon-priv", 0, 4 * PG, PROT_WRITE, ANON, -1, 0,
		0);
	try_map("PROT_READ|PROT_SEM", "anon-priv", 0, 4 * PG,
		PROT_READ | PROT_SEM, ANON, -1, 0, 0);
	try_map("PROT_READ|PROT_GROWSDOWN", "anon-priv", 0, 4 * PG,
		PROT_READ | PROT_GROWSDOWN, ANON | MAP_GROWSDOWN, -1, 0, 0);
	try_map("PROT_READ|0x10", "anon-priv", 0, 4 * PG, PROT_READ | 0x10,
		ANON, -1, 0, 0);
	try_map("PROT_READ|0x80000000", "anon-priv", 0, 4 * PG,
		PROT_READ | 0x80000000L, ANON, -1, 0, 0);

	/* over special mappings */
	try_map("MAP_FIXED_NOREPLACE-over", "stack", (void *)stack_lo, PG, RW,
		ANON | MAP_FIXED_NOREPLACE, -1, 0, 0);
	try_map("hint-at", "stack", (void *)stack_lo, PG, RW, ANON, -1, 0, 0);
	{
		unsigned long lo, hi;
		int prot;

		if (find_vma("[vdso]", &lo, &hi, &prot)) {
			try_map("MAP_FIXED_NOREPLACE-over", "vdso", (void *)lo,
				PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0, 0);
			try_map("hint-at", "vdso", (void *)lo, PG, RW, ANON, -1,
				0, 0);
		}
	}
	mark("CLEANUP mmap anon-priv");
	sys_munmap(occ, 4 * PG);
	occ = NULL;
}

/* ---- brk ---- */

static void family_brk(void)
{
	unsigned long b0, m;

	fam = "brk";
	CASE("query", "heap");
	b0 = sys_brk(0);
	CASE("grow-4-pages", "heap");
	sys_brk(b0 + 4 * PG);
	CASE("grow-unaligned", "heap");
	sys_brk(b0 + 6 * PG + 100);
	CASE("shrink-unaligned", "heap");
	sys_brk(b0 + 2 * PG + 100);
	CASE("shrink-within-page", "heap");
	sys_brk(b0 + 2 * PG + 50);
	CASE("shrink", "heap");
	sys_brk(b0 + PG);
	CASE("shrink-to-start", "heap");
	sys_brk(b0);
	CASE("below-start", "heap");
	sys_brk(b0 - PG);
	CASE("far-below-start", "heap");
	sys_brk(PG);
	CASE("huge", "heap");
	sys_brk(b0 + (1UL << 40));

	/* a mapping 16 pages above the break */
	m = b0 + 16 * PG;
	mark("SETUP brk anon-priv");
	if (sys_mmap((void *)m, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0) !=
	    (long)m)
		die("brk neighbour");
	CASE("grow-to-page-before-mapping", "heap");
	sys_brk(m - PG);
	CASE("grow-to-mapping-start", "heap");
	sys_brk(m);
	CASE("grow-into-mapping", "heap");
	sys_brk(m + 4 * PG);
	CASE("grow-unaligned-near-mapping", "heap");
	sys_brk(m - PG + 1);
	mark("CLEANUP brk anon-priv");
	sys_munmap((void *)m, PG);
	CASE("grow-where-mapping-was", "heap");
	sys_brk(m + 4 * PG);

	/* the heap split by mprotect and munmap, then moved by brk */
	CASE("mprotect-heap-middle", "heap");
	sys_mprotect((void *)(b0 + 4 * PG), PG, PROT_READ);
	CASE("munmap-heap-middle", "heap");
	sys_munmap((void *)(b0 + 8 * PG), PG);
	CASE("shrink-across-split", "heap");
	sys_brk(b0 + 6 * PG);
	CASE("grow-after-split", "heap");
	sys_brk(b0 + 10 * PG);
	CASE("mprotect-heap-top", "heap");
	sys_mprotect((void *)(b0 + 9 * PG), PG, PROT_READ);
	CASE("grow-above-readonly-top", "heap");
	sys_brk(b0 + 12 * PG);
	CASE("mmap-MAP_FIXED-in-heap", "heap");
	sys_mmap((void *)(b0 + 10 * PG), PG, RW, ANON | MAP_FIXED, -1, 0);
	CASE("shrink-over-mmap", "heap");
	sys_brk(b0 + 9 * PG);
	CASE("shrink-to-start", "heap");
	sys_brk(b0);
	CASE("query", "heap");
	sys_brk(0);
}

/* ---- last: what cannot be undone on the stack ---- */

static void family_stack_last(void)
{
	char *s = (char *)stack_lo + (3UL * STACK_SLOTS + 1) * PG;

	fam = "stack";
	CASE("mremap-shrink", "stack");
	sys_mremap(s, 2 * PG, PG, 0, NULL);
	CASE("munmap", "stack");
	sys_munmap(s + 3 * PG, PG);
	CASE("MAP_FIXED-over", "stack");
	sys_mmap(s + 5 * PG, PG, RW, ANON | MAP_FIXED, -1, 0);
	CASE("mprotect-PROT_GROWSDOWN-below-hole", "stack");
	sys_mprotect(s - PG, PG, RW | PROT_GROWSDOWN);
}

/* ---- files ---- */

static int make_file(char *path, size_t len, const char *dir, const char *name,
		     int flags)
{
	int fd;

	snprintf(path, len, "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, FILE_PAGES * PG) < 0)
		die("cannot create a file");
	close(fd);
	fd = open(path, flags);
	if (fd < 0)
		die("cannot open a file");
	return fd;
}

int main(int argc, char **argv)
{
	unsigned long hi, sp = (unsigned long)&argc;
	char msg[160];
	int prot, n;

	if (argc != 2)
		die("usage: conform DIR");
	mkdir(argv[1], 0700);
	fd_ro = make_file(path_data, sizeof(path_data), argv[1], "data",
			  O_RDONLY);
	fd_rw = open(path_data, O_RDWR);
	fd_wo = make_file(path_wo, sizeof(path_wo), argv[1], "wo", O_WRONLY);
	fd_app = make_file(path_app, sizeof(path_app), argv[1], "append",
			   O_RDWR | O_APPEND);
	fd_dir = open(argv[1], O_RDONLY | O_DIRECTORY);
	fd_zero = open("/dev/zero", O_RDWR);
	fd_null = open("/dev/null", O_RDWR);
	if (fd_rw < 0 || fd_dir < 0 || fd_zero < 0 || fd_null < 0)
		die("cannot open");
	if (!find_vma("[stack]", &stack_lo, &hi, &prot))
		die("no [stack]");
	if (sp - stack_lo < (STACK_USE + STACK_MARGIN) * PG)
		die("too little of the stack is unused");

	mark("SETUP init heap");
	sys_brk(0);

	family_mmap();
	boundary_munmap();
	run_family("madvise", madv_variants, NV(madv_variants), NULL);
	boundary_madvise();
	run_family("mprotect", mprot_variants, NV(mprot_variants), NULL);
	boundary_mprotect();
	run_family("msync", msync_variants, NV(msync_variants), NULL);
	boundary_msync();
	run_family("mremap", mremap_variants, NV(mremap_variants), NULL);
	boundary_mremap();
	run_family("munmap", unmap_variants, NV(unmap_variants), NULL);
	family_brk();
	boundary_mseal();
	run_family("mseal", mseal_variants, NV(mseal_variants), seal_teardown);
	/* late: the pages mlock faults into MAP_NORESERVE hugetlb mappings */
	run_family("mlock", mlock_variants, NV(mlock_variants), NULL);
	boundary_mlock();
	family_mlockall();

	stack_pass = 1;
	run_family("madvise", madv_variants, NV(madv_variants), NULL);
	run_family("mprotect", mprot_variants, NV(mprot_variants), NULL);
	run_family("mlock", mlock_variants, NV(mlock_variants), NULL);
	run_family("msync", msync_variants, NV(msync_variants), NULL);
	run_family("mremap", mremap_variants, NV(mremap_variants), NULL);
	run_family("munmap", unmap_variants, NV(unmap_variants), NULL);
	run_family("mseal", mseal_variants, NV(mseal_variants), seal_teardown);
	family_stack_last();

	mark("END");
	close(fd_ro);
	close(fd_rw);
	close(fd_wo);
	close(fd_app);
	close(fd_dir);
	close(fd_zero);
	close(fd_null);
	unlink(path_data);
	unlink(path_wo);
	unlink(path_app);
	rmdir(argv[1]);
	n = snprintf(msg, sizeof(msg), "conform: %lu cases, %lu memory calls\n",
		     ncases, ncalls);
	syscall(SYS_write, 1, msg, n);
	return 0;
}
