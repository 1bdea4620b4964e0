/*
 * written.c - what writes, reads and population do to VMAs: which
 * anonymous VMAs get an anon_vma (and so keep VM_ACCOUNT when made
 * read-only, and refuse to merge), and stacks that grow on faults.
 * Recorded with `mmreplay record --every-syscall --faults`.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096ul

static volatile char sink;

/* Three pages: [lo RO][mid RW][hi RO] with MID touched as told, then
 * MID made read-only: it merges with both only if never written. */
static void sandwich(int how)
{
	char *a = mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	mprotect(a + PG, PG, PROT_READ | PROT_WRITE);
	switch (how) {
	case 1: /* written */
		a[PG] = 1;
		break;
	case 2: /* only read: the zero page, no anon_vma */
		sink = a[PG];
		break;
	case 3: /* locked: populated for writing */
		mlock(a + PG, PG);
		munlock(a + PG, PG);
		break;
	case 4: /* populated for reading */
		madvise(a + PG, PG, MADV_POPULATE_READ);
		break;
	case 5: /* populated for writing */
		madvise(a + PG, PG, MADV_POPULATE_WRITE);
		break;
	}
	mprotect(a + PG, PG, PROT_READ);
}

/* Deep recursion: the stack grows on faults below it. */
static int deep(int n)
{
	volatile char pad[4000];

	pad[0] = (char)n;
	if (n == 0)
		return pad[0];
	return deep(n - 1) + pad[0];
}

int main(void)
{
	char path[] = "/tmp/mmr-written-XXXXXX";
	int fd, i;
	char *f, *g, *p, *q;

	for (i = 0; i <= 5; i++)
		sandwich(i);

	/* MAP_POPULATE of writable private memory, then made read-only
	 * next to a read-only neighbour */
	p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p + PG, PG);
	q = mmap(p + PG, PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE, -1, 0);
	mprotect(q, PG, PROT_READ);

	/* a private file mapping: reads share the page cache, a write
	 * copies (anon_vma) */
	fd = mkstemp(path);
	ftruncate(fd, 4 * PG);
	f = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	sink = f[0];
	f[2 * PG] = 1;
	mprotect(f, 2 * PG, PROT_READ);
	mprotect(f + 2 * PG, 2 * PG, PROT_READ);
	mprotect(f, 4 * PG, PROT_READ | PROT_WRITE);
	unlink(path);

	/* two written anonymous mappings moved side by side by mremap:
	 * different anon_vmas, no merge */
	p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p + 2 * PG, 4 * PG);
	p[0] = 1;
	p[6 * PG] = 1;
	mremap(p + 6 * PG, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
	       p + 2 * PG);

	/* a MAP_GROWSDOWN mapping touched below its start grows */
	g = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	g[-1] = 1;
	g[-3 * (long)PG] = 1;
	mprotect(g - 3 * PG, PG, PROT_READ | PROT_WRITE | PROT_GROWSDOWN);

	/* the main stack grows by about a megabyte */
	deep(250);
	write(1, "", 0);
	close(fd);
	return 0;
}
