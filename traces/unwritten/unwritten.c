/*
 * unwritten.c - memory whose written state strace does not show, in the
 * three shapes the model must infer (traces/unwritten/README.md):
 *
 * 1. commits into a PROT_NONE reservation: 16 pages reserved, pages
 *    committed read-write with MAP_FIXED in a scattered order, every
 *    other one written before its neighbours arrive, then the whole
 *    reservation made read-only;
 * 2. read() into freshly mapped buffers: four 2-page read-write buffers
 *    side by side (mapped high to low so that each merges), a file read
 *    into the first and third only (the kernel's copy_to_user() writes
 *    them), then each made read-only;
 * 3. mremap of unwritten memory: a never-written 4-page mapping moved
 *    next to a fresh one (its pgoff becomes its place's, and they merge)
 *    and a written one moved the same way (they do not).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096ul

static void touch(char *p)
{
	*(volatile char *)p = 1;
}

int main(int argc, char **argv)
{
	static const int order[] = {2, 9, 5, 3, 12, 10, 4, 6, 11, 1};
	char *res, *buf, *a, *b, *c, *d;
	int fd, i;

	(void)argc;
	/* 1. commits into a reservation */
	res = mmap(NULL, 16 * PG, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return 1;
	for (i = 0; i < 10; i++) {
		char *p = mmap(res + order[i] * PG, PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

		if (p == MAP_FAILED)
			return 1;
		if (i % 2 == 0)
			touch(p);
	}
	mprotect(res, 16 * PG, PROT_READ);

	/* 2. read() into fresh buffers */
	fd = open(argv[0], O_RDONLY);
	if (fd < 0)
		return 1;
	buf = mmap(NULL, 16 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	munmap(buf, 16 * PG);
	for (i = 3; i >= 0; i--)
		mmap(buf + i * 2 * PG, 2 * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (read(fd, buf, 2 * PG) < 0 || pread(fd, buf + 4 * PG, PG, 0) < 0)
		return 1;
	for (i = 0; i < 4; i++)
		mprotect(buf + i * 2 * PG, 2 * PG, PROT_READ);
	close(fd);

	/* 3. mremap of unwritten and of written memory */
	a = mmap(NULL, 32 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(a, 32 * PG);
	b = mmap(a + 4 * PG, 4 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	c = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mremap(c, 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, a);
	d = mmap(a + 20 * PG, 4 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	c = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	touch(c);
	mremap(c, 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, a + 16 * PG);
	(void)b;
	(void)d;
	return 0;
}
