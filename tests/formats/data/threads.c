#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <setjmp.h>
#include <sys/wait.h>
#include <sys/syscall.h>
static sigjmp_buf jb;
static void h(int s)
{
	(void)s;
	siglongjmp(jb, 1);
}
static void *thr(void *a)
{
	for (int i = 0; i < 6; i++) {
		void *p = mmap(NULL, 8192 * (i % 7 + 1), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		mprotect(p, 4096, PROT_READ);
		madvise(p, 8192, MADV_DONTNEED);
		munmap(p, 8192 * (i % 7 + 1));
	}
	if (a) {
		char *argv[] = {"true", NULL};
		execv("/bin/true", argv);
	}
	return NULL;
}
int main(int argc, char **argv)
{
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, thr, NULL);
	thr(NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	void *p =
		mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE,
		     -1, 0);
	p = mremap(p, 1 << 20, 2 << 20, MREMAP_MAYMOVE);
	void *q = mmap(NULL, 4 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	mremap(p, 2 << 20, 2 << 20, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	madvise(q, 4096, MADV_FREE);
	madvise(q, 4096, 25);
	madvise(q, 4096, 102);
	madvise(q, 4096, 0x66);
	mlock(q, 4096);
	mlock2(q, 4096, MLOCK_ONFAULT);
	munlock(q, 4096);
	mlockall(MCL_CURRENT | MCL_FUTURE);
	munlockall();
	mmap(NULL, 4096, PROT_READ | 0x40000000,
	     MAP_PRIVATE | MAP_ANONYMOUS | (21 << 26), -1, 0);
	mmap((void *)0x10000000, 4096, PROT_READ,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_STACK |
		     MAP_GROWSDOWN,
	     -1, 0);
	mmap(NULL, 1UL << 50, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	syscall(462, q, 4096, 0); /* mseal */
	int fd = open("/tmp/cap/we) = ird>\"name", O_CREAT | O_RDWR, 0644);
	write(fd, "x) = 5", 6);
	mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	unlink("/tmp/cap/we) = ird>\"name");
	mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	dup(fd);
	dup2(fd, 10);
	dup3(fd, 11, O_CLOEXEC);
	close(fd);
	open("/dev/zero", O_RDONLY);
	brk(0);
	signal(SIGSEGV, h);
	if (!sigsetjmp(jb, 1))
		*(volatile int *)0x1234 = 1;
	signal(SIGBUS, h);
	if (!sigsetjmp(jb, 1))
		raise(SIGBUS);
	pid_t c = fork();
	if (c == 0) {
		signal(SIGSEGV, SIG_DFL);
		*(volatile int *)8 = 0;
		_exit(9);
	}
	waitpid(c, NULL, 0);
	c = vfork();
	if (c == 0)
		_exit(3);
	waitpid(c, NULL, 0);
	c = fork();
	if (c == 0) {
		pthread_t tt;
		pthread_create(&tt, NULL, thr, (void *)1);
		pause();
	}
	waitpid(c, NULL, 0);
	c = fork();
	if (c == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	usleep(100000);
	kill(c, SIGCONT);
	waitpid(c, NULL, 0);
	c = fork();
	if (c == 0) {
		pause();
	}
	usleep(100000);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	return 0;
}
