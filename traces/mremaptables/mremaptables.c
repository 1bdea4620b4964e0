/*
 * mremaptables.c - how move_page_tables() allocates page tables: starts
 * equally misaligned aligned down first (try_realign_addr()) or not, and
 * an empty PTE table made by one move carried whole by the next, and a
 * gigabyte moved by its PMD table.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#define MB (1ul << 20)
#define PMD (2 * MB)
static char *aligned_hole(size_t len)
{
	char *r = mmap(NULL, len + 2 * PMD, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a = (char *)(((uintptr_t)r + PMD - 1) & ~(PMD - 1));
	munmap(r, len + 2 * PMD);
	return a;
}
/* A free gigabyte-aligned range of LEN bytes. */
static char *gig_hole(size_t len)
{
	size_t g = 1ul << 30;
	char *r = mmap(NULL, len + 2 * g, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a = (char *)(((uintptr_t)r + g - 1) & ~(g - 1));
	munmap(r, len + 2 * g);
	return a;
}
static char *filled(char *at, size_t len)
{
	char *p = mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	return p;
}
int main(void)
{
	/* 1: mutually misaligned by one page, nothing below either start */
	char *x = aligned_hole(8 * MB), *y;
	char *a = filled(x + 4096, 4 * MB - 4096);
	y = aligned_hole(8 * MB);
	mremap(a, 4 * MB - 4096, 4 * MB - 4096, MREMAP_MAYMOVE | MREMAP_FIXED, y + 4096);
	/* 2: the same, but a page mapped just below the destination */
	x = aligned_hole(8 * MB);
	a = filled(x + 4096, 4 * MB - 4096);
	y = aligned_hole(8 * MB);
	filled(y, 4096);
	mremap(a, 4 * MB - 4096, 4 * MB - 4096, MREMAP_MAYMOVE | MREMAP_FIXED, y + 4096);
	/* 3: too short to reach the next boundary */
	x = aligned_hole(8 * MB);
	a = filled(x + 4096, 64 * 4096);
	y = aligned_hole(8 * MB);
	mremap(a, 64 * 4096, 64 * 4096, MREMAP_MAYMOVE | MREMAP_FIXED, y + 4096);
	/* 4: misaligned by 16 pages, the source VMA starting lower (no realign) */
	x = aligned_hole(8 * MB);
	a = filled(x + 4096, 4 * MB);
	y = aligned_hole(8 * MB);
	mremap(a + 15 * 4096, 2 * MB, 2 * MB, MREMAP_MAYMOVE | MREMAP_FIXED, y + 16 * 4096);
	/* 5: realign with a grown destination (new_len > old_len) */
	x = aligned_hole(16 * MB);
	a = filled(x + 8 * 4096, 4 * MB);
	y = aligned_hole(16 * MB);
	mremap(a, 4 * MB, 6 * MB, MREMAP_MAYMOVE | MREMAP_FIXED, y + 8 * 4096);
	/* 6: 4 MiB with one written page moved one page below a PMD
	 * boundary: the rest of the page's table span gives the destination
	 * an empty PTE table, which an aligned move then carries whole and
	 * an unaligned move makes two tables of again */
	x = aligned_hole(8 * MB);
	filled(x, 4096);
	mmap(x + 4096, 4 * MB - 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	y = aligned_hole(8 * MB);
	mremap(x, 4 * MB, 4 * MB, MREMAP_MAYMOVE | MREMAP_FIXED, y + 2 * MB - 4096);
	x = aligned_hole(8 * MB);
	mremap(y + 2 * MB, 2 * MB, 2 * MB, MREMAP_MAYMOVE | MREMAP_FIXED, x);
	y = aligned_hole(8 * MB);
	mremap(x, 2 * MB, 2 * MB, MREMAP_MAYMOVE | MREMAP_FIXED, y + 2 * MB - 4096);
	/* 7: a gigabyte between gigabyte boundaries, two pages written:
	 * its PMD table moves whole (move_normal_pud()) */
	x = gig_hole(1ul << 30);
	a = mmap(x, 1ul << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	a[0] = a[512 * MB] = 1;
	y = gig_hole(1ul << 30);
	mremap(a, 1ul << 30, 1ul << 30, MREMAP_MAYMOVE | MREMAP_FIXED, y);
	return 0;
}
