/*
 * maxmap.c - running into vm.max_map_count, for a capture made with the
 * limit lowered to 200. One-page anonymous mappings with alternating
 * protections (neighbours do not merge: each is a VMA of its own) are
 * made until mmap fails with ENOMEM, which leaves the map count one above
 * the limit. At the limit: an mprotect and a munmap that would split one
 * VMA in three fail with ENOMEM, a munmap across the boundary of two VMAs
 * works (its splits may pass the limit for a moment), an mremap that has
 * to move fails, brk cannot grow the heap, and an mprotect that merges a
 * page with both neighbours works. Then some pages are unmapped, the
 * splits work, and more pages are mapped until mmap fails again.
 *
 * The program never writes to its own mappings, so none of them gets an
 * anon_vma: a page that was PROT_READ|PROT_WRITE loses VM_ACCOUNT when
 * mprotect makes it read-only (mprotect_fixup() drops it from an
 * anonymous VMA without an anon_vma) and then merges with read-only
 * neighbours. The capture's replay-options (--no-assume-written) tells
 * the model so.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096UL
#define MAX 1024

static char *page[MAX];

static char *map1(int i)
{
	return mmap(NULL, PG, i % 2 ? PROT_READ | PROT_WRITE : PROT_READ,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

int main(void)
{
	char *big = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int n, i, more;

	if (big == MAP_FAILED)
		return 1;
	mprotect(big + 8 * PG, 8 * PG, PROT_READ); /* two VMAs */
	for (n = 0; n < MAX; n++) {		   /* fill to the limit */
		page[n] = map1(n);
		if (page[n] == MAP_FAILED)
			break;
	}
	mprotect(big + 2 * PG, PG, PROT_READ);	  /* split: ENOMEM */
	munmap(big + 4 * PG, PG);		  /* split: ENOMEM */
	munmap(big + 6 * PG, 4 * PG);		  /* across: works */
	mremap(big, PG, 64 * PG, MREMAP_MAYMOVE); /* a move: ENOMEM */
	sbrk(PG);				  /* brk: no growth */
	mprotect(page[n / 2 | 1], PG, PROT_READ); /* merges: works */
	for (i = 10; i < 20 && i < n; i++)	  /* make some room */
		munmap(page[i], PG);
	mprotect(big + 2 * PG, PG, PROT_READ); /* split: works */
	munmap(big + 4 * PG, PG);	       /* split: works */
	sbrk(PG);			       /* brk grows */
	for (more = 0; more < 40; more++)      /* to the limit again */
		if (map1(more) == MAP_FAILED)
			break;
	return n == MAX;
}
