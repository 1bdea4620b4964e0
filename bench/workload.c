/*
 * workload.c - mr_workload SEED [N]: a seeded, deterministic storm of
 * memory syscalls for recording and replaying.
 *
 * Makes N (default 300000) calls of mmap (anonymous, file private, file
 * shared; no hint, a hint, MAP_FIXED, MAP_FIXED_NOREPLACE), munmap
 * (whole, partial, spanning several mappings and holes), mprotect, brk
 * (grow, shrink), mremap (grow, shrink, move, MREMAP_FIXED) and madvise,
 * about 4% of them meant to fail (unaligned, zero length, EEXIST, bad
 * flags). Its own bookkeeping of what is mapped makes most calls act on
 * live memory, and keeps the VMA count well below 10,000.
 *
 * The decisions depend only on SEED and on the results the kernel gives:
 * fixed-address work happens in a 1 GiB window at a fixed address far
 * from everything else; kernel-placed mappings are kept in a list and
 * used by index, never by address.
 *
 *   window  0x600000000000 + 1 GiB: page map, one byte per page
 *   outside regions placed by the kernel (mmap without usable hint,
 *           mremap moves): list of [start, end)
 *   heap    brk0 .. brk0 + 64 MiB
 *
 * With --no-touch it never writes to its pages, so that a replay without
 * the model's "assume written" default (--no-assume-written) knows every
 * VMA's anon_vma state from the trace alone.
 *
 * No malloc and no stdio: glibc's allocator would share the brk heap.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PG 4096UL
#define WIN_BASE 0x600000000000UL
#define WIN_PAGES 262144UL /* 1 GiB */
#define BLK 256UL	   /* pages per summary block */
#define NBLK (WIN_PAGES / BLK)
#define FILE_PAGES 1024UL /* 4 MiB backing file */
#define HEAP_MAX (64UL << 20)
#define MAX_OUT 256   /* kernel-placed regions kept */
#define VMA_SOFT 3000 /* estimated VMAs before pruning */

/* Page byte: 0 = unmapped, else MAPPED | kind << 3 | prot. */
#define MAPPED 0x80
#define K_ANON 0
#define K_FPRIV 1
#define K_FSHARED 2

static unsigned char page[WIN_PAGES]; /* the window, one byte a page */
static unsigned blk_mapped[NBLK];     /* mapped pages per block */
static unsigned long win_mapped;      /* mapped pages in the window */

struct out {
	uintptr_t start; /* kernel-placed region [start, end) */
	uintptr_t end;
	unsigned char attr; /* page byte it would have; prot 0 if mixed */
};
static struct out outs[MAX_OUT];
static int nout;

static uintptr_t brk0, brk_cur;
static int filefd = -1;
static uint64_t rng;

static unsigned long n_calls, n_fail, n_fail_meant, n_touch, n_touch_fault;
static sigjmp_buf touch_jmp;
/* --no-touch: never write to a page (strace cannot show the writes, and
 * a written VMA gets an anon_vma that changes later merges) */
static int no_touch;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned long below(unsigned long n)
{
	return n ? (unsigned long)(rnd() % n) : 0;
}

/* Length in pages: mostly small, sometimes large. */
static unsigned long rnd_pages(void)
{
	unsigned long r = below(100);

	if (r < 60)
		return 1 + below(16);
	if (r < 90)
		return 17 + below(240);
	return 257 + below(3840);
}

static int rnd_prot(void)
{
	static const int p[] = {PROT_READ, PROT_READ | PROT_WRITE,
				PROT_READ | PROT_WRITE, PROT_NONE,
				PROT_READ | PROT_EXEC};

	return p[below(5)];
}

static int in_window(uintptr_t a, uintptr_t e)
{
	return a >= WIN_BASE && e <= WIN_BASE + WIN_PAGES * PG && a < e;
}

static void set_pages(unsigned long p, unsigned long n, unsigned char v)
{
	for (unsigned long i = p; i < p + n && i < WIN_PAGES; i++) {
		if (!page[i] != !v) {
			if (v) {
				blk_mapped[i / BLK]++;
				win_mapped++;
			} else {
				blk_mapped[i / BLK]--;
				win_mapped--;
			}
		}
		page[i] = v;
	}
}

static long check(long r, int meant_to_fail)
{
	n_calls++;
	if (r < 0) {
		n_fail++;
		if (meant_to_fail)
			n_fail_meant++;
	}
	return r;
}

/* Raw syscalls: every call reaches the kernel (glibc's wrappers reject
 * some bad arguments themselves), so N calls are N trace lines. */
static long sys(long nr, unsigned long a, unsigned long b, unsigned long c,
		unsigned long d, unsigned long e, int meant_to_fail)
{
	long r = syscall(nr, a, b, c, d, e);

	return check(r == -1 ? -errno : r, meant_to_fail);
}

static long sys_mmap(uintptr_t a, unsigned long len, int prot, int flags,
		     int fd, unsigned long off, int meant_to_fail)
{
	long r = syscall(SYS_mmap, a, len, (long)prot, (long)flags, (long)fd,
			 off);

	return check(r == -1 ? -errno : r, meant_to_fail);
}

/* Forget [a, e) in the outside list (munmap, or a MAP_FIXED over it). */
static void out_remove(uintptr_t a, uintptr_t e)
{
	for (int i = 0; i < nout; i++) {
		struct out *o = &outs[i];

		if (o->end <= a || o->start >= e)
			continue;
		if (a > o->start && e < o->end && nout < MAX_OUT) {
			outs[nout] = *o; /* middle: split in two */
			outs[nout].start = e;
			o->end = a;
			nout++;
		} else if (a > o->start) {
			o->end = a;
		} else if (e < o->end) {
			o->start = e;
		} else {
			outs[i] = outs[--nout];
			i--;
		}
	}
}

/* The kernel says [a, e) is now mapped with attributes v. */
static void note_mapped(uintptr_t a, uintptr_t e, unsigned char v)
{
	if (a >= e)
		return;
	if (in_window(a, e)) {
		set_pages((a - WIN_BASE) / PG, (e - a) / PG, v);
		return;
	}
	out_remove(a, e);
	if (nout < MAX_OUT)
		outs[nout++] = (struct out){a, e, v};
	else /* no room to remember it: give it back */
		sys(SYS_munmap, a, e - a, 0, 0, 0, 0);
}

static void note_unmapped(uintptr_t a, uintptr_t e)
{
	if (a >= e)
		return;
	if (a < WIN_BASE + WIN_PAGES * PG && e > WIN_BASE) {
		uintptr_t s = a < WIN_BASE ? WIN_BASE : a;
		uintptr_t t = e > WIN_BASE + WIN_PAGES * PG
				      ? WIN_BASE + WIN_PAGES * PG
				      : e;

		set_pages((s - WIN_BASE) / PG, (t - s) / PG, 0);
	}
	out_remove(a, e);
}

/* A random mapped page of the window, or -1 if none. */
static long rnd_mapped_page(void)
{
	if (!win_mapped)
		return -1;
	unsigned long b = below(NBLK);

	for (unsigned long k = 0; k < NBLK; k++, b = (b + 1) % NBLK) {
		if (!blk_mapped[b])
			continue;
		unsigned long p = b * BLK + below(BLK);

		for (unsigned long j = 0; j < BLK; j++) {
			unsigned long q = b * BLK + (p - b * BLK + j) % BLK;

			if (page[q])
				return (long)q;
		}
	}
	return -1;
}

/* A random window page starting n free pages (searching a little). */
static long rnd_free_run(unsigned long n)
{
	for (int tries = 0; tries < 16; tries++) {
		unsigned long p = below(WIN_PAGES - n);
		unsigned long i = 0;

		while (i < n && !page[p + i])
			i++;
		if (i == n)
			return (long)p;
	}
	return -1;
}

static uintptr_t pa(unsigned long p)
{
	return WIN_BASE + p * PG;
}

static unsigned char attr_of(int kind, int prot)
{
	return (unsigned char)(MAPPED | kind << 3 | prot);
}

/* mmap with a random kind; returns the page byte it will get. */
static unsigned char pick_kind(int *flags, int *fd, unsigned long *off,
			       unsigned long n, int prot)
{
	unsigned long r = below(10);
	int kind = r < 5 ? K_ANON : r < 8 ? K_FPRIV : K_FSHARED;

	*fd = -1;
	*off = 0;
	if (kind == K_ANON) {
		*flags = MAP_PRIVATE | MAP_ANONYMOUS;
	} else {
		*flags = kind == K_FPRIV ? MAP_PRIVATE : MAP_SHARED;
		*fd = filefd;
		*off = n < FILE_PAGES ? below(FILE_PAGES - n) * PG : 0;
	}
	return attr_of(kind, prot);
}

static void op_mmap(int how)
{
	unsigned long n = rnd_pages(), off;
	int prot = rnd_prot(), flags, fd;
	unsigned char v = pick_kind(&flags, &fd, &off, n, prot);
	uintptr_t hint = 0;
	long r;

	if (how == 1) { /* hint: free window place, or an occupied one */
		long p = below(4) ? rnd_free_run(n) : rnd_mapped_page();

		hint = p >= 0 && (unsigned long)p + n <= WIN_PAGES ? pa(p) : 0;
	} else if (how == 2 || how == 3) { /* MAP_FIXED(_NOREPLACE) */
		long p = how == 3 && below(2) ? rnd_free_run(n)
					      : (long)below(WIN_PAGES - n);

		if (p < 0)
			p = (long)below(WIN_PAGES - n);
		hint = pa(p);
		flags |= how == 2 ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	}
	r = sys_mmap(hint, n * PG, prot, flags, fd, off, 0);
	if (r >= 0)
		note_mapped((uintptr_t)r, (uintptr_t)r + n * PG, v);
}

/* [a, a+n pages) around a mapped page: partial, whole, or spanning. */
static int rnd_target(uintptr_t *a, unsigned long *n)
{
	if (nout > 0 && below(4) == 0) {
		struct out *o = &outs[below(nout)];
		unsigned long np = (o->end - o->start) / PG;
		unsigned long s = below(3) ? below(np) : 0;

		*a = o->start + s * PG;
		*n = below(3) ? np - s : 1 + below(np - s);
		return 0;
	}
	long p = rnd_mapped_page();

	if (p < 0)
		return -1;
	unsigned long back = below(4) ? below(8) : 0;

	if ((unsigned long)p < back)
		back = (unsigned long)p;
	*a = pa(p - back);
	*n = rnd_pages();
	if ((*a - WIN_BASE) / PG + *n > WIN_PAGES)
		*n = WIN_PAGES - (*a - WIN_BASE) / PG;
	return 0;
}

static void op_munmap(void)
{
	uintptr_t a;
	unsigned long n;

	if (rnd_target(&a, &n) < 0) {
		op_mmap(0);
		return;
	}
	if (sys(SYS_munmap, a, n * PG, 0, 0, 0, 0) == 0)
		note_unmapped(a, a + n * PG);
}

static void op_mprotect(void)
{
	uintptr_t a;
	unsigned long n;
	int prot = rnd_prot();
	long r;

	if (rnd_target(&a, &n) < 0) {
		op_mmap(0);
		return;
	}
	r = sys(SYS_mprotect, a, n * PG, (unsigned long)prot, 0, 0, 0);
	if (r == -EACCES)
		return;
	/* The kernel changes the mapped prefix even when a hole ends it
	 * with ENOMEM. Outside regions: prot unknown from now on. */
	for (unsigned long i = 0; i < n; i++) {
		uintptr_t x = a + i * PG;

		if (!in_window(x, x + PG))
			break;
		unsigned char *b = &page[(x - WIN_BASE) / PG];

		if (!*b)
			break;
		*b = (unsigned char)((*b & ~7) | prot);
	}
	for (int i = 0; i < nout; i++)
		if (outs[i].start < a + n * PG && outs[i].end > a)
			outs[i].attr &= (unsigned char)~7;
}

static void op_brk(void)
{
	uintptr_t want;

	if (below(2) || brk_cur <= brk0)
		want = brk_cur + below(64) * PG + below(PG);
	else
		want = brk_cur - below(brk_cur - brk0 + 1);
	if (want > brk0 + HEAP_MAX)
		want = brk0;
	long r = check(syscall(SYS_brk, want), 0);

	if (r > 0)
		brk_cur = (uintptr_t)r;
}

static void op_mremap(void)
{
	uintptr_t a, dst = 0;
	unsigned long n, nn;
	int flags = 0;
	unsigned char v;
	long r;

	if (rnd_target(&a, &n) < 0) {
		op_mmap(0);
		return;
	}
	if (in_window(a, a + PG))
		v = page[(a - WIN_BASE) / PG];
	else
		v = 0;
	for (int i = 0; i < nout; i++)
		if (a >= outs[i].start && a < outs[i].end)
			v = outs[i].attr;
	switch (below(4)) {
	case 0: /* shrink */
		nn = n > 1 ? 1 + below(n - 1) : 1;
		break;
	case 1: /* grow in place if it can */
		nn = n + 1 + below(16);
		break;
	case 2: /* grow, may move */
		nn = n + 1 + below(64);
		flags = MREMAP_MAYMOVE;
		break;
	default: { /* move to a free window place */
		long p = rnd_free_run(n);

		nn = n;
		if (p < 0) {
			op_munmap();
			return;
		}
		dst = pa(p);
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
	}
	}
	r = sys(SYS_mremap, a, n * PG, nn * PG, (unsigned long)flags, dst, 0);
	if (r < 0)
		return;
	if ((uintptr_t)r == a) {
		if (nn < n)
			note_unmapped(a + nn * PG, a + n * PG);
		else
			note_mapped(a + n * PG, a + nn * PG, v);
		return;
	}
	note_unmapped(a, a + n * PG);
	note_mapped((uintptr_t)r, (uintptr_t)r + nn * PG, v);
}

static void op_madvise(void)
{
	static const int adv[] = {MADV_DONTNEED, MADV_WILLNEED, MADV_NORMAL,
				  MADV_RANDOM, MADV_FREE};
	uintptr_t a;
	unsigned long n;

	if (rnd_target(&a, &n) < 0) {
		op_mmap(0);
		return;
	}
	sys(SYS_madvise, a, n * PG, (unsigned long)adv[below(5)], 0, 0, 0);
}

/* Calls that must fail. */
static void op_bad(void)
{
	long p = rnd_mapped_page();
	uintptr_t a = p >= 0 ? pa(p) : WIN_BASE;

	switch (below(6)) {
	case 0: /* unaligned munmap: EINVAL */
		sys(SYS_munmap, a + 123, PG, 0, 0, 0, 1);
		break;
	case 1: /* zero length mmap: EINVAL */
		sys_mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0,
			 1);
		break;
	case 2: /* unaligned mprotect: EINVAL */
		sys(SYS_mprotect, a + 1, PG, PROT_READ, 0, 0, 1);
		break;
	case 3: /* NOREPLACE over a live page: EEXIST */
		if (p < 0) {
			op_mmap(0);
			return;
		}
		sys_mmap(a, PG, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
			 0, 1);
		break;
	case 4: /* mremap with a bad flag: EINVAL */
		sys(SYS_mremap, a, PG, PG, 0x40000000, 0, 1);
		break;
	default: /* unaligned file offset: EINVAL */
		sys_mmap(0, PG, PROT_READ, MAP_PRIVATE, filefd, 100, 1);
		break;
	}
}

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(touch_jmp, 1);
}

/* Write to a page we believe is writable anonymous memory. */
static void touch(void)
{
	long p = rnd_mapped_page();

	if (p < 0 || (page[p] & (3 << 3)) != K_ANON << 3 ||
	    !(page[p] & PROT_WRITE))
		return;
	n_touch++;
	if (sigsetjmp(touch_jmp, 1) == 0)
		*(volatile char *)pa(p) = 1;
	else
		n_touch_fault++;
}

/* Lower bound of the VMAs we own: runs of equal page bytes. */
static unsigned long vma_estimate(void)
{
	unsigned long runs = 0;

	for (unsigned long i = 0; i < WIN_PAGES; i++)
		if (page[i] && (i == 0 || page[i] != page[i - 1]))
			runs++;
	return runs + (unsigned long)nout;
}

static void prune(void)
{
	/* Unmap a large slice of the window. */
	unsigned long p = below(WIN_PAGES - 16384);

	if (sys(SYS_munmap, pa(p), 16384 * PG, 0, 0, 0, 0) == 0)
		note_unmapped(pa(p), pa(p + 16384));
}

static void put(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(2, s, n);

		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

int main(int argc, char **argv)
{
	char path[256], msg[512];
	unsigned long n = 300000, since_check = 0;
	const char *tmp = getenv("TMPDIR");
	struct sigaction sa;

	if (argc < 2 || argc > 4 ||
	    (argc == 4 && strcmp(argv[3], "--no-touch"))) {
		put("usage: mr_workload SEED [N [--no-touch]]\n");
		return 2;
	}
	rng = strtoull(argv[1], NULL, 0);
	if (argc >= 3)
		n = strtoul(argv[2], NULL, 0);
	no_touch = argc == 4;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	snprintf(path, sizeof(path), "%s/mr_workload.%s.%d",
		 tmp && *tmp ? tmp : "/tmp", argv[1], (int)getpid());
	filefd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (filefd < 0 || ftruncate(filefd, (off_t)(FILE_PAGES * PG)) < 0) {
		put("mr_workload: cannot create the backing file\n");
		return 1;
	}
	/* The window must be free: claim and release it once. */
	void *w =
		mmap((void *)WIN_BASE, WIN_PAGES * PG, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (w != (void *)WIN_BASE) {
		put("mr_workload: the window at 0x600000000000 is not free\n");
		return 1;
	}
	munmap(w, WIN_PAGES * PG);
	brk0 = brk_cur = (uintptr_t)syscall(SYS_brk, 0);

	while (n_calls < n) {
		unsigned long r = below(100);

		if (++since_check >= 512) {
			since_check = 0;
			while (vma_estimate() > VMA_SOFT && n_calls < n)
				prune();
			if (n_calls >= n)
				break;
		}
		if (nout > MAX_OUT * 3 / 4) {
			struct out *o = &outs[below((unsigned long)nout)];
			uintptr_t a = o->start, e = o->end;

			if (sys(SYS_munmap, a, e - a, 0, 0, 0, 0) == 0)
				note_unmapped(a, e);
		} else if (r < 8)
			op_mmap(0);
		else if (r < 16)
			op_mmap(1);
		else if (r < 26)
			op_mmap(2);
		else if (r < 32)
			op_mmap(3);
		else if (r < 50)
			op_munmap();
		else if (r < 65)
			op_mprotect();
		else if (r < 73)
			op_brk();
		else if (r < 85)
			op_mremap();
		else if (r < 92)
			op_madvise();
		else if (r < 96)
			op_bad();
		else if (!no_touch)
			touch();
	}
	unlink(path);
	snprintf(msg, sizeof(msg),
		 "mr_workload: %lu calls, %lu failed (%lu on purpose), %lu "
		 "touches (%lu faulted), ~%lu VMAs in use\n",
		 n_calls, n_fail, n_fail_meant, n_touch, n_touch_fault,
		 vma_estimate());
	put(msg);
	return 0;
}
