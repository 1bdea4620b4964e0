/*
 * thpzero.c - the huge zero page: reads of MADV_HUGEPAGE memory map it
 * with a deposited page table, a write puts a new THP in its place and
 * keeps that table (do_huge_zero_wp_pmd()); MADV_POPULATE_READ then
 * MADV_POPULATE_WRITE do the same over several blocks.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define MB (1ul << 20)
#define PMD (2 * MB)

/* LEN bytes of MADV_HUGEPAGE memory at a PMD boundary. */
static char *huge_region(size_t len)
{
	char *r = mmap(NULL, len + PMD, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a = (char *)(((uintptr_t)r + PMD - 1) & ~(PMD - 1));

	if (a > r)
		munmap(r, a - r);
	munmap(a + len, r + len + PMD - (a + len));
	madvise(a, len, MADV_HUGEPAGE);
	return a;
}

int main(void)
{
	volatile char *a = huge_region(4 * MB);
	char *b;

	(void)a[0];		/* the huge zero page */
	(void)a[PMD + 4096];	/* and again */
	a[100] = 1;		/* a THP in its place, the table kept */
	a[PMD] = 1;
	b = huge_region(16 * MB);
	madvise(b, 16 * MB, MADV_POPULATE_READ);
	madvise(b, 16 * MB, MADV_POPULATE_WRITE);
	munmap(b, 16 * MB);
	return 0;
}
