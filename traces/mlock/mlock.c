/*
 * mlock.c - the lock syscalls on real mappings, for a capture: mlock of
 * part of a mapping (split), mlock2(MLOCK_ONFAULT), munlock back (merge),
 * mlock over a hole (ENOMEM), mlockall(MCL_FUTURE) then a new mapping
 * born locked, mlockall(MCL_CURRENT | MCL_ONFAULT), munlockall, and bad
 * flags (EINVAL).
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096UL

int main(void)
{
	char *a = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *b;

	if (a == MAP_FAILED)
		return 1;
	mlock(a + 4 * PG, 4 * PG);		     /* split in three */
	syscall(SYS_mlock2, a + 10 * PG, 2 * PG, 1); /* MLOCK_ONFAULT */
	munlock(a + 4 * PG, 4 * PG);		     /* merge back */
	mlock(a + 1, PG);			     /* unaligned start */
	munmap(a + 14 * PG, PG);		     /* a hole */
	mlock(a + 12 * PG, 4 * PG);		     /* over it: ENOMEM */
	syscall(SYS_mlock2, a, PG, 8);		     /* EINVAL */
	mlockall(MCL_FUTURE);
	b = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munlockall();
	mlockall(MCL_CURRENT | MCL_ONFAULT);
	mlockall(MCL_ONFAULT); /* EINVAL */
	munlock(b, 4 * PG);
	munlockall();
	mlock(a, 16 * PG); /* ENOMEM at the hole */
	return 0;
}
