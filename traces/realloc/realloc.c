/*
 * realloc.c - mremap through glibc's realloc and on its own, for a
 * capture. A 1 MiB block (above the mmap threshold, so glibc mmaps it)
 * is doubled with realloc up to 256 MiB and halved back to 1 MiB: glibc
 * resizes an mmapped chunk with mremap(MREMAP_MAYMOVE), which grows in
 * place when the space above is free and moves otherwise. Then mremap
 * directly: grow in place, grow with MREMAP_MAYMOVE past a blocking
 * mapping (a move), grow without it (ENOMEM), shrink (the tail is
 * unmapped), MREMAP_FIXED onto a reserved range (what was there is
 * unmapped first), MREMAP_DONTUNMAP (the source stays, empty), and a
 * move of part of a mapping (splits).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PG 4096UL
#define MiB (1UL << 20)

int main(void)
{
	char *buf = malloc(MiB), *nb, *a, *b, *r;
	unsigned long n;

	if (!buf)
		return 1;
	buf[0] = 1;
	for (n = 2 * MiB; n <= 256 * MiB; n *= 2) { /* grow */
		nb = realloc(buf, n);
		if (!nb)
			return 1;
		buf = nb;
		buf[n - 1] = 1; /* touch the new end */
	}
	for (n = 128 * MiB; n >= MiB; n /= 2) { /* shrink */
		nb = realloc(buf, n);
		if (nb)
			buf = nb;
	}
	free(buf);

	/* a: 4 pages with 4 free pages above it (then a blocker) */
	r = mmap(NULL, 16 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return 1;
	munmap(r, 16 * PG);
	a = mmap(r, 4 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	b = mmap(r + 8 * PG, 8 * PG, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		return 1;
	a[0] = 1;
	a = mremap(a, 4 * PG, 8 * PG, 0);		/* grow in place */
	mremap(a, 8 * PG, 12 * PG, 0);			/* ENOMEM: b is there */
	a = mremap(a, 8 * PG, 12 * PG, MREMAP_MAYMOVE); /* moves */
	a = mremap(a, 12 * PG, 6 * PG, 0);		/* shrink */
	/* MREMAP_FIXED onto b's range: b's pages are unmapped first */
	a = mremap(a, 6 * PG, 6 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, b + PG);
	/* MREMAP_DONTUNMAP: the pages move, the source stays mapped */
	nb = mremap(a, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	/* the middle of a mapping moves to a new place: a splits */
	nb = mremap(a + 2 * PG, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
		    r + 2 * PG);
	mremap(a, PG, PG, MREMAP_DONTUNMAP, NULL); /* EINVAL: no MAYMOVE */
	mremap(a + 1, PG, PG, 0);		   /* EINVAL: unaligned */
	return nb == MAP_FAILED;
}
