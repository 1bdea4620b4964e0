#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
static void *th(void *a) { void *p = mmap(0, 1<<20, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); munmap(p, 1<<20); return a; }
int main(void) {
	char *p = mmap(0, 65536, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0);
	mprotect(p, 4096, PROT_READ|PROT_WRITE|PROT_EXEC);
	mprotect(p, 4096, PROT_NONE);
	mlock(p, 4096); munlock(p, 4096);
	syscall(SYS_mlock2, p, 4096, 1);
	mlockall(MCL_CURRENT|MCL_FUTURE); munlockall();
	msync(p, 4096, MS_SYNC|MS_INVALIDATE); msync(p, 4096, MS_ASYNC);
	madvise(p, 4096, MADV_DONTNEED); madvise(p, 8192, MADV_HUGEPAGE); madvise(p, 4096, MADV_DONTDUMP);
	char *q = mremap(p, 65536, 131072, MREMAP_MAYMOVE);
	char *r = mmap(0, 1<<20, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
	mremap(q, 65536, 65536, MREMAP_MAYMOVE|MREMAP_FIXED, r);
	int fd = open("/tmp/pt/voc.c", O_RDONLY);
	void *f = mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 0);
	int d = dup(fd); dup2(fd, 20); close(d); close(20);
	munmap(f, 4096); close(fd);
	int id = shmget(IPC_PRIVATE, 8192, IPC_CREAT|0600); void *s = shmat(id, 0, SHM_RDONLY); shmdt(s); shmctl(id, IPC_RMID, 0);
	prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, r, 4096, "voc");
	syscall(462, r + 8192, 4096, 0);
	pthread_t t; pthread_create(&t, 0, th, 0); pthread_join(t, 0);
	pid_t c = fork(); if (!c) { mmap(0, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE, -1, 0); _exit(3); }
	waitpid(c, 0, 0);
	if (!vfork()) { execl("/bin/true", "true", (char*)0); _exit(1); }
	wait(0);
	sbrk(8192);
	return 0;
}
