#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <errno.h>
#include <string.h>
/*
 * hugetlb.c - MAP_HUGETLB mappings and what the other memory calls do to
 * them: huge page sizes (MAP_HUGE_2MB, MAP_HUGE_1GB, a size that does not
 * exist), reservations (with and without MAP_NORESERVE: ENOMEM when the
 * pool has no free page), splits only at huge page boundaries (mprotect,
 * madvise flag advices, munmap, MAP_FIXED), MADV_DONTNEED and MADV_FREE,
 * mlock populating a page the pool cannot give, mremap that may only
 * shrink. Each call's result is printed.
 */
#define E(x)                                                                   \
	do {                                                                   \
		errno = 0;                                                     \
		long r = (long)(x);                                            \
		printf("%-50s -> %ld %s\n", #x, r,                             \
		       r < 0 || r == -1 ? strerror(errno) : "");               \
	} while (0)
int main(void)
{
	int F = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_NORESERVE;
	char *p = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE, F, -1, 0);
	printf("p=%p\n", p);
	E(mprotect(p, 4096, PROT_READ));
	E(mprotect(p + 4096, 4096, PROT_READ));
	E(mprotect(p, 2 << 20, PROT_READ));
	E(mprotect(p + (2 << 20), 4096, PROT_READ));
	E(madvise(p, 4096, MADV_NORMAL));
	E(madvise(p + (4 << 20), 4096, MADV_RANDOM));
	E(madvise(p + (4 << 20), 2 << 20, MADV_SEQUENTIAL));
	E(madvise(p + 4096, 4096, MADV_DONTNEED));
	E(madvise(p, 4096, MADV_DONTNEED));
	E(madvise(p, 4096, MADV_FREE));
	E(mlock(p, 4096));
	E(munlock(p, 4096));
	E(mremap(p + (6 << 20), 2 << 20, 4 << 20, 0));
	E(mremap(p + (6 << 20), 2 << 20, 4096, 0));
	E(mremap(p + (6 << 20), 4096, 4096, MREMAP_MAYMOVE));
	E(munmap(p + (6 << 20), 4096));
	E(munmap(p + (6 << 20), 2 << 20));
	E(mmap(p + 4096, 2 << 20, PROT_READ, F | MAP_FIXED, -1, 0));
	E(mmap(NULL, 4096, PROT_READ,
	       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (30 << 26), -1, 0));
	E(mmap(NULL, 4096, PROT_READ,
	       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_NORESERVE |
		       (30 << 26),
	       -1, 0));
	E(mmap(NULL, 4096, PROT_READ,
	       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (25 << 26), -1, 0));
	E(mmap(NULL, 0, PROT_READ, F, -1, 0));
	E(mmap(NULL, 4096, PROT_READ, F | MAP_GROWSDOWN, -1, 0));
	E(mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
	       MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
	E(mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
	       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
	E(mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
	       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0));
	return 0;
}
