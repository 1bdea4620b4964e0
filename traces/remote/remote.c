/* remote: process_vm_writev and process_vm_readv into a child's memory it
 * never touched (get_user_pages_remote() faults it in, no fault event),
 * and a file mapping faulted on after its page cache was dropped (the
 * fault waits for I/O and is retried) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096UL
#define MB (1UL << 20)

int main(void)
{
    char *dst = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *src = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *local = malloc(4 * MB);
    int go[2];
    if (dst == MAP_FAILED || src == MAP_FAILED || !local || pipe(go)) return 1;
    memset(local, 5, 4 * MB);
    pid_t child = fork();
    if (child == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1) _exit(1); /* until the parent is done */
        _exit(dst[MB + 100 * PG] == 5 ? 0 : 2);
    }
    close(go[0]);
    /* 1 MiB written into the child's untouched dst: anonymous pages */
    struct iovec l = {local, MB}, rv = {dst + MB, MB};
    if (process_vm_writev(child, &l, 1, &rv, 1, 0) != (ssize_t)MB) perror("process_vm_writev");
    /* 2 MiB read from the child's untouched src: the zero page */
    struct iovec l2 = {local, 2 * MB}, r2 = {src, 2 * MB};
    if (process_vm_readv(child, &l2, 1, &r2, 1, 0) != (ssize_t)(2 * MB)) perror("process_vm_readv");

    /* a file of 64 pages, its cache dropped, then read through a mapping */
    char path[] = "/tmp/remote-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 1;
    unlink(path);
    for (int i = 0; i < 64; i++)
        if (write(fd, local, PG) != (ssize_t)PG) return 1;
    fdatasync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    /* in a 2 MiB block of its own: the fault finds no PTE table, so
     * __do_fault() preallocates one, and frees it when it retries */
    char *res = mmap(NULL, 4 * MB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (res == MAP_FAILED) return 1;
    char *at = (char *)(((unsigned long)res + 2 * MB - 1) & ~(2 * MB - 1));
    volatile char *f = mmap(at, 64 * PG, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    if (f == MAP_FAILED) return 1;
    (void)f[40 * PG];
    (void)f[3 * PG];

    if (write(go[1], "x", 1) != 1) return 1;
    int st;
    waitpid(child, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 3;
}
