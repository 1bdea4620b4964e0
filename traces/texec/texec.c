/*
 * texec.c - a non-leader thread calls execve while two other threads
 * live: the kernel's de_thread() kills them, the execing thread takes
 * the leader's pid, and strace prints "+++ superseded by execve" for the
 * leader. Before that, the threads map and unmap memory of their own.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

static pthread_barrier_t ready;

static void *idle(void *arg)
{
	void *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p != MAP_FAILED)
		munmap((char *)p + 4096, 4096);
	pthread_barrier_wait(&ready);
	for (;;)
		pause();
	return NULL;
}

static void *execer(void *arg)
{
	char *argv[] = {"true", NULL};
	void *p = mmap(NULL, 5 * 4096, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p != MAP_FAILED)
		mprotect(p, 4096, PROT_NONE);
	pthread_barrier_wait(&ready);
	execv("/bin/true", argv);
	perror("execv");
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_barrier_init(&ready, NULL, 2);
	if (pthread_create(&a, NULL, idle, NULL) ||
	    pthread_create(&b, NULL, execer, NULL))
		return 1;
	for (;;)
		pause();
	return 0;
}
