/*
 * threads.c - four pthreads working on memory at once, for a capture:
 * each thread mallocs and frees small blocks (its own malloc arena, which
 * glibc reserves as a 64 MiB-aligned PROT_NONE region and opens with
 * mprotect as it grows) and large ones (above the mmap threshold: an
 * mmap and a munmap each), and maps, writes and unmaps pages of its own.
 * The threads' stacks are mmapped with a guard page by pthread_create.
 * main joins them and returns.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PG 4096UL
#define NTHREADS 4

static void *work(void *arg)
{
	unsigned long id = (unsigned long)arg;
	void *small[64];
	int i, round;

	for (round = 0; round < 4; round++) {
		/* small blocks: the thread's arena grows by mprotect */
		for (i = 0; i < 64; i++) {
			small[i] = malloc(512 + 256 * i);
			if (small[i])
				memset(small[i], i, 512);
		}
		/* a large block: mmap and munmap of its own */
		char *big = malloc((1 + id + round) << 20);
		if (big)
			memset(big, 1, 4096);
		free(big);
		for (i = 0; i < 64; i += 2)
			free(small[i]);
		/* pages of its own, written, then half of them unmapped */
		char *p = mmap(NULL, (8 + id) * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			p[0] = 1;
			munmap(p + 4 * PG, 4 * PG);
			munmap(p, 4 * PG);
			if (id > 0)
				munmap(p + 8 * PG, id * PG);
		}
		for (i = 1; i < 64; i += 2)
			free(small[i]);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	unsigned long i;

	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, work, (void *)i))
			return 1;
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	return 0;
}
