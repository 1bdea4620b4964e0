/* shmem: shared anonymous mapping across fork, SysV shm, memfd shared mapping */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define KB 1024L
int main(void) {
    long pg = sysconf(_SC_PAGESIZE);
    long n = 1024 * KB / pg;
    volatile char *s = mmap(NULL, 1024 * KB, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED) { perror("mmap"); return 1; }
    for (long i = 0; i < n / 2; i++) s[i * pg] = 1;
    pid_t c = fork();
    if (c < 0) { perror("fork"); return 1; }
    if (c == 0) {
        long sum = 0;
        for (long i = 0; i < n; i++) sum += s[i * pg];
        for (long i = n / 2; i < n; i++) s[i * pg] = 2;
        _exit(sum == n / 2 ? 0 : 3);
    }
    int st;
    waitpid(c, &st, 0);

    int id = shmget(IPC_PRIVATE, 512 * KB, IPC_CREAT | 0600);
    if (id < 0) { perror("shmget"); return 1; }
    volatile char *m = shmat(id, NULL, 0);
    if (m == (void *)-1) { perror("shmat"); return 1; }
    for (long off = 0; off < 512 * KB; off += pg) m[off] = 3;
    if (shmdt((void *)m)) perror("shmdt");
    if (shmctl(id, IPC_RMID, NULL)) perror("shmctl");

    int fd = memfd_create("shmem-test", 0);
    if (fd < 0) { perror("memfd_create"); return 1; }
    if (ftruncate(fd, 256 * KB)) { perror("ftruncate"); return 1; }
    volatile char *f = mmap(NULL, 256 * KB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (f == MAP_FAILED) { perror("mmap memfd"); return 1; }
    for (long off = 0; off < 256 * KB; off += pg) f[off] = 4;
    close(fd);
    printf("child status %d, shared %d\n", WEXITSTATUS(st), s[(n - 1) * pg]);
    return 0;
}
