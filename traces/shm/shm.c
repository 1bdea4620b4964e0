/*
 * shm.c - System V shared memory, msync, prctl(PR_SET_VMA) and renames of
 * mapped files, each with the errors the kernel gives.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

#define PG 4096L

static char *map_file(const char *path, long pages)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char *p;

	if (fd < 0 || ftruncate(fd, pages * PG))
		exit(1);
	p = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

int main(void)
{
	int a = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
	int b = shmget(0x6d6d7231, 2 * PG, IPC_CREAT | 0600);
	char *pa, *pr, *pb, *m, *f1, *f2, *f3;

	if (a < 0 || b < 0)
		return 1;
	/* the same key again: the same segment; EEXIST with IPC_EXCL;
	 * EINVAL when asking for more than it has */
	shmget(0x6d6d7231, PG, 0600);
	shmget(0x6d6d7231, PG, IPC_CREAT | IPC_EXCL | 0600);
	shmget(0x6d6d7231, 4 * PG, 0600);

	pa = shmat(a, NULL, 0);
	pr = shmat(a, NULL, SHM_RDONLY);
	pb = shmat(b, NULL, 0);
	mprotect(pr, PG, PROT_READ | PROT_WRITE); /* EACCES */
	mprotect(pa + PG, PG, PROT_READ);	  /* splits the attach */
	shmat(b, pa + 100, SHM_RND);		  /* EINVAL: taken */
	shmat(b, pa + 100, 0);			  /* EINVAL: unaligned */
	shmat(b, NULL, SHM_REMAP);		  /* EINVAL: no address */
	shmat(b, pa, SHM_REMAP);		  /* over two pages of a */
	shmdt(pa + PG);				  /* EINVAL: not an attach */
	shmdt(pa);				  /* b's attach at pa */
	shmdt(pa);				  /* a's fragment (pgoff 2) */
	shmdt(pa);				  /* EINVAL: none left */
	munmap(pb + PG, PG);
	shmdt(pb);
	shmctl(a, IPC_RMID, NULL);
	pa = shmat(a, NULL, 0); /* still attached (pr): allowed */
	shmdt(pa);
	shmdt(pr);
	shmat(a, NULL, 0); /* EINVAL: the segment is gone */
	shmctl(b, IPC_RMID, NULL);

	/* msync */
	m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	msync(m, 2 * PG, MS_SYNC);
	msync(m + 1, PG, MS_SYNC);	  /* EINVAL */
	msync(m, PG, MS_SYNC | MS_ASYNC); /* EINVAL */
	msync(m, PG, 8);		  /* EINVAL */
	munmap(m + PG, PG);
	msync(m, 3 * PG, MS_SYNC);  /* ENOMEM after the walk */
	msync(m, 3 * PG, MS_ASYNC); /* ENOMEM at the hole */
	msync(m, 3 * PG, 0);	    /* ENOMEM */
	mlock(m + 2 * PG, PG);
	msync(m + 2 * PG, PG, MS_INVALIDATE); /* EBUSY */
	msync(m + 2 * PG, 0, MS_INVALIDATE);  /* 0: empty */
	msync(m + 3 * PG, PG, MS_ASYNC);

	/* anonymous VMA names: EINVAL without CONFIG_ANON_VMA_NAME */
	prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, m, PG, "buffer");

	/* renames of mapped files */
	f1 = map_file("/tmp/mmr-shm-one", 1);
	f2 = map_file("/tmp/mmr-shm-two", 2);
	f3 = map_file("/tmp/mmr-shm-three", 3);
	if (!f1 || !f2 || !f3)
		return 1;
	rename("/tmp/mmr-shm-one", "/tmp/mmr-shm-uno");
	renameat2(AT_FDCWD, "/tmp/mmr-shm-two", AT_FDCWD, "/tmp/mmr-shm-uno",
		  RENAME_EXCHANGE);
	rename("/tmp/mmr-shm-three", "/tmp/mmr-shm-uno"); /* replaces */
	munmap(m, PG);
	unlink("/tmp/mmr-shm-two");
	unlink("/tmp/mmr-shm-uno");
	return 0;
}
