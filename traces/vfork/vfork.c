/*
 * vfork.c - children that share the parent's memory until they exec, for
 * a capture: posix_spawn of /bin/true and of `sh -c` (glibc's
 * posix_spawn mmaps a stack for the child and clones it with
 * CLONE_VM | CLONE_VFORK: the child runs in the parent's mm until its
 * execve gives it a new one, then the parent unmaps the stack), a
 * vfork() whose child execs /bin/true, and a plain fork and exec, whose
 * child has its own copy of the parent's mm until the exec.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
	char *t[] = {"/bin/true", NULL};
	char *sh[] = {"sh", "-c", "/bin/true; echo spawned >/dev/null", NULL};
	char *a = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t p;

	if (a == MAP_FAILED)
		return 1;
	a[0] = 1;
	if (posix_spawn(&p, "/bin/true", NULL, NULL, t, environ) == 0)
		waitpid(p, NULL, 0);
	if (posix_spawn(&p, "/bin/sh", NULL, NULL, sh, environ) == 0)
		waitpid(p, NULL, 0);
	p = vfork();
	if (p == 0) {
		execve("/bin/true", t, environ);
		_exit(127);
	}
	if (p > 0)
		waitpid(p, NULL, 0);
	p = fork();
	if (p == 0) {
		munmap(a, 4 * 4096); /* the child's copy only */
		execve("/bin/true", t, environ);
		_exit(127);
	}
	if (p > 0)
		waitpid(p, NULL, 0);
	munmap(a, 8 * 4096);
	return 0;
}
