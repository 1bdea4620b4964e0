/* memlock.c: the limits mlock, mmap, brk and mremap answer to, run
 * without CAP_IPC_LOCK (traces/memlock/README.md). It sets its own
 * soft limits, so the trace shows them. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* the soft limit, the one the kernel checks; the hard one stays */
static void limit(int res, rlim_t v)
{
	struct rlimit rl;

	getrlimit(res, &rl);
	rl.rlim_cur = v;
	setrlimit(res, &rl);
}

int main(void)
{
	char *a, *b, *c;

	limit(RLIMIT_MEMLOCK, 65536); /* 16 pages */
	a = mmap(NULL, 1 << 20, RW, ANON, -1, 0);
	mlock(a, 32768);		   /* 8 pages: 0 */
	mlock(a + 16384, 32768);	   /* 4 of them locked already: 0 */
	mlock(a + 65536, 32768);	   /* 12 + 8 > 16: ENOMEM */
	syscall(SYS_mlock2, a + 65536, 8192, 1); /* 14 pages: 0 */
	munlock(a, 1 << 20);
	mlockall(MCL_CURRENT);		   /* VmSize > 16 pages: ENOMEM */
	mlockall(MCL_FUTURE);		   /* 0 */
	b = mmap(NULL, 131072, RW, ANON, -1, 0); /* 32 pages: EAGAIN */
	b = mmap(NULL, 32768, RW, ANON, -1, 0);	 /* 8 pages: locked */
	sbrk(1 << 20);			   /* locked growth: brk fails */
	munlockall();
	munmap(b, 32768);
	b = mmap(NULL, 32768, RW, ANON | MAP_LOCKED, -1, 0);  /* 0 */
	c = mmap(NULL, 131072, RW, ANON | MAP_LOCKED, -1, 0); /* EAGAIN */
	c = mremap(b, 32768, 131072, MREMAP_MAYMOVE); /* EAGAIN */
	limit(RLIMIT_MEMLOCK, 0);
	mlock(a, 4096);			    /* EPERM */
	c = mmap(NULL, 4096, RW, ANON | MAP_LOCKED, -1, 0); /* EPERM */
	mlockall(MCL_FUTURE);		    /* EPERM */
	munlock(b, 32768);		    /* munlock needs no right */
	limit(RLIMIT_AS, 64 << 20);
	c = mmap(NULL, 128 << 20, PROT_READ, ANON, -1, 0); /* ENOMEM */
	c = mmap(NULL, 1 << 20, PROT_READ, ANON, -1, 0);   /* 0 */
	c = mremap(c, 1 << 20, 200 << 20, MREMAP_MAYMOVE); /* ENOMEM */
	sbrk(100 << 20);				   /* fails */
	limit(RLIMIT_AS, RLIM_INFINITY);
	limit(RLIMIT_DATA, 16 << 20);
	c = mmap(NULL, 64 << 20, RW, ANON, -1, 0);	   /* ENOMEM */
	c = mmap(NULL, 64 << 20, PROT_READ, ANON, -1, 0);  /* not data: 0 */
	c = mmap(NULL, 64 << 20, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0); /* 0 */
	c = mmap(NULL, 1 << 20, RW, ANON, -1, 0);	   /* 0 */
	return 0;
}
