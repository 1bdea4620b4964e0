/*
 * seal.c - mseal(2) and pkey_mprotect(2) on real mappings, for a capture:
 * sealing the middle of a mapping (split), then munmap, mprotect, mremap,
 * MAP_FIXED and MADV_DONTNEED over sealed memory (EPERM), a seal over a
 * hole (ENOMEM), bad flags (EINVAL), sealing what is sealed; and
 * pkey_mprotect with pkey -1, 0 and an unallocated key (this CPU has no
 * protection keys: EINVAL), and pkey_alloc (ENOSPC).
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096UL
#define NR_mseal 462

static long seal(void *a, unsigned long len, unsigned long flags)
{
	return syscall(NR_mseal, a, len, flags);
}

int main(void)
{
	char *a = mmap(NULL, 16 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	char *b = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (a == MAP_FAILED || b == MAP_FAILED)
		return 1;
	seal(a + 4 * PG, 4 * PG, 0);			    /* split in three */
	munmap(a + 5 * PG, PG);				    /* EPERM */
	munmap(a, 16 * PG);				    /* EPERM, nothing */
	mprotect(a + 4 * PG, PG, PROT_NONE);		    /* EPERM */
	mremap(a + 4 * PG, 4 * PG, 8 * PG, MREMAP_MAYMOVE); /* EPERM */
	mmap(a + 6 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
	     -1, 0);				/* EPERM */
	madvise(a + 4 * PG, PG, MADV_DONTNEED); /* EPERM */
	madvise(a + 4 * PG, PG, MADV_RANDOM);	/* allowed */
	seal(a + 4 * PG, 8 * PG, 0);		/* grows the seal */
	munmap(a + 14 * PG, PG);
	seal(a + 12 * PG, 4 * PG, 0); /* ENOMEM: hole */
	seal(a, PG, 1);		      /* EINVAL */
	seal(a + 1, PG, 0);	      /* EINVAL */
	seal(b, 0, 0);		      /* nothing */
	syscall(SYS_pkey_mprotect, b, 2 * PG, PROT_READ, -1);
	syscall(SYS_pkey_mprotect, b + 4 * PG, 2 * PG, PROT_READ, 0);
	syscall(SYS_pkey_mprotect, b, PG, PROT_NONE, 3); /* EINVAL */
	syscall(SYS_pkey_alloc, 0, 0);			 /* ENOSPC */
	munmap(b, 8 * PG);
	return 0;
}
