/* clonens: forks refused for a namespace (CLONE_NEWUTS, CLONE_NEWIPC as
 * nobody, without CAP_SYS_ADMIN): the kernel copied the address space's
 * page tables before copy_namespaces() said no; then a plain fork */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    char *a = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) return 1;
    memset(a, 1, 8 << 20); /* page tables for fork to copy */
    /* without CAP_SYS_ADMIN (as nobody) a new namespace is refused */
    if (setgid(65534) || setuid(65534)) { perror("setuid"); return 1; }
    long r = syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
    if (r == 0) _exit(0);
    if (r > 0) { waitpid((pid_t)r, NULL, 0); printf("NEWUTS allowed\n"); }
    else printf("NEWUTS: %s\n", strerror(errno));
    r = syscall(SYS_clone, CLONE_NEWIPC | SIGCHLD, 0, 0, 0, 0);
    if (r == 0) _exit(0);
    if (r > 0) waitpid((pid_t)r, NULL, 0);
    pid_t p = fork();
    if (p == 0) { a[0] = 2; _exit(0); }
    waitpid(p, NULL, 0);
    return 0;
}
