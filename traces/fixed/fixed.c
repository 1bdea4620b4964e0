/*
 * fixed.c - placement of mmap and partial munmap, for a capture: MAP_FIXED
 * over the middle, the start and the end of anonymous and file mappings
 * and over several VMAs and a hole at once (what was there is unmapped,
 * the rest split), MAP_FIXED_NOREPLACE into a hole (placed) and over a
 * mapping (EEXIST), hints that are free (taken), taken (placed elsewhere,
 * top-down), unaligned (rounded down) and below mmap_min_addr (raised),
 * and munmap of a mapping's head, tail and middle, of a range spanning
 * VMAs and holes, of a hole alone, and with bad arguments (EINVAL).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096UL
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW (PROT_READ | PROT_WRITE)

static char *map(void *at, unsigned long n, int prot, int flags)
{
	return mmap(at, n * PG, prot, ANON | flags, -1, 0);
}

int main(void)
{
	char *a = map(NULL, 32, RW, 0), *f, *h, *r;
	int fd = open("/proc/self/exe", O_RDONLY);

	if (a == MAP_FAILED || fd < 0)
		return 1;
	a[0] = 1;
	map(a + 4 * PG, 2, PROT_READ, MAP_FIXED);  /* middle: split */
	map(a, 1, PROT_NONE, MAP_FIXED);	   /* head */
	map(a + 30 * PG, 2, RW, MAP_FIXED);	   /* tail, same prot */
	map(a + 8 * PG, 4, RW, MAP_FIXED);	   /* same prot: merges? */
	munmap(a + 14 * PG, 2 * PG);		   /* a hole */
	map(a + 12 * PG, 6, PROT_EXEC, MAP_FIXED); /* over the hole too */

	/* a file mapping, overlaid in the middle by anonymous memory */
	f = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	if (f != MAP_FAILED) {
		map(f + PG, 1, RW, MAP_FIXED);
		mmap(f + 3 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd,
		     3 * PG); /* the same page again */
		mmap(f + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd,
		     0); /* another page of the file */
	}

	/* MAP_FIXED_NOREPLACE: into the hole, then over a mapping */
	munmap(a + 20 * PG, 4 * PG);
	map(a + 20 * PG, 2, RW, MAP_FIXED_NOREPLACE); /* placed */
	map(a + 21 * PG, 4, RW, MAP_FIXED_NOREPLACE); /* EEXIST */
	map(a + 22 * PG, 2, RW, MAP_FIXED_NOREPLACE); /* placed, merges */

	/* hints */
	h = map(NULL, 8, PROT_READ, 0);
	munmap(h, 8 * PG);
	map(h + 2 * PG, 2, PROT_READ, 0);	/* free: taken */
	map(h + 2 * PG, 2, PROT_READ, 0);	/* taken: elsewhere */
	map(h + 5 * PG + 123, 1, PROT_READ, 0); /* unaligned */
	map((void *)0x1000, 1, PROT_READ, 0);	/* below min_addr */
	map((void *)0x200000000UL, 4, RW, 0);	/* low and free */

	/* partial munmap */
	r = map(NULL, 24, RW, 0);
	munmap(r, PG);			 /* head */
	munmap(r + 23 * PG, PG);	 /* tail */
	munmap(r + 10 * PG, 2 * PG + 1); /* middle, length rounded */
	mprotect(r + 4 * PG, 2 * PG, PROT_READ);
	munmap(r + 3 * PG, 5 * PG);   /* over three VMAs */
	munmap(r + 2 * PG, 12 * PG);  /* over holes */
	munmap(r + 2 * PG, 4 * PG);   /* a hole: 0 */
	munmap(r + 100, PG);	      /* EINVAL: unaligned */
	munmap(r, 0);		      /* EINVAL: no length */
	map(a, 0, RW, MAP_FIXED);     /* EINVAL: no length */
	map(a + 1, 1, RW, MAP_FIXED); /* EINVAL: unaligned */
	close(fd);
	return 0;
}
