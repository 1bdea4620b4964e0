/* cow: 64 anonymous pages written, fork, child writes half (COW) and reads half */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define NPAGES 64
int main(void) {
    long pg = sysconf(_SC_PAGESIZE);
    volatile char *p = mmap(NULL, NPAGES * pg, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    for (int i = 0; i < NPAGES; i++) p[i * pg] = (char)i;
    pid_t c = fork();
    if (c < 0) { perror("fork"); return 1; }
    if (c == 0) {
        long sum = 0;
        for (int i = 0; i < NPAGES; i++) {
            if (i % 2 == 0) p[i * pg] = (char)(i + 100); /* copy on write */
            else sum += p[i * pg];                       /* shared read */
        }
        _exit(sum == 0 ? 3 : 0);
    }
    int st;
    waitpid(c, &st, 0);
    for (int i = 0; i < 4; i++) p[i * pg] = 1;
    printf("child status %d\n", WEXITSTATUS(st));
    return 0;
}
