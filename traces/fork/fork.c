/*
 * fork.c - fork without exec, for a capture: the parent maps memory,
 * marks one region MADV_DONTFORK (the children do not get it) and one
 * MADV_WIPEONFORK (they get it, empty), and forks twice. Each child
 * writes to its copy, unmaps part of it, changes protections (splits)
 * and leaves with _exit; the parent waits for both, then unmaps and
 * mprotects on its own side, which the children never see.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096UL

static void child(char *a, char *w, int n)
{
	memset(a, n, 8 * PG);		  /* write: copy on write */
	w[0] = 1;			  /* the wiped region */
	munmap(a + (4 + n) * PG, 2 * PG); /* a hole */
	mprotect(a, 2 * PG, PROT_READ);	  /* split */
	mprotect(w + PG, PG, PROT_NONE);
	if (n == 2)
		munmap(w, 8 * PG);
	_exit(0);
}

int main(void)
{
	char *a = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *d = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *w = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int n;

	if (a == MAP_FAILED || d == MAP_FAILED || w == MAP_FAILED)
		return 1;
	memset(a, 1, 16 * PG);
	d[0] = w[0] = 1;
	madvise(d + 2 * PG, 4 * PG, MADV_DONTFORK); /* split in three */
	madvise(w, 8 * PG, MADV_WIPEONFORK);
	mprotect(a + 8 * PG, PG, PROT_READ); /* split before fork */
	for (n = 1; n <= 2; n++) {
		pid_t p = fork();

		if (p == 0)
			child(a, w, n);
		if (p > 0)
			waitpid(p, NULL, 0);
	}
	munmap(a + 12 * PG, 4 * PG);
	mprotect(a + 8 * PG, PG, PROT_READ | PROT_WRITE); /* merge back */
	madvise(d + 2 * PG, 4 * PG, MADV_DOFORK);
	return 0;
}
