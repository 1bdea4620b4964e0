/* populate: MAP_POPULATE (anon and file), mlock, mlockall/munlockall, MADV_POPULATE_{READ,WRITE} */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif
#define KB 1024UL
int main(void) {
    char *a = mmap(NULL, 1024 * KB, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (a == MAP_FAILED) { perror("mmap anon"); return 1; }

    char path[] = "/tmp/populate.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) { perror("mkstemp"); return 1; }
    static char buf[1024 * KB];
    memset(buf, 'x', sizeof buf);
    if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) { perror("write"); return 1; }
    char *f = mmap(NULL, 1024 * KB, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (f == MAP_FAILED) { perror("mmap file"); return 1; }
    close(fd);

    char *l = mmap(NULL, 256 * KB, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (l == MAP_FAILED) { perror("mmap lock"); return 1; }
    if (mlock(l, 256 * KB)) perror("mlock");
    if (mlockall(MCL_CURRENT)) perror("mlockall");
    if (munlockall()) perror("munlockall");

    char *r = mmap(NULL, 256 * KB, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *w = mmap(NULL, 256 * KB, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED || w == MAP_FAILED) { perror("mmap"); return 1; }
    if (madvise(r, 256 * KB, MADV_POPULATE_READ)) perror("MADV_POPULATE_READ");
    if (madvise(w, 256 * KB, MADV_POPULATE_WRITE)) perror("MADV_POPULATE_WRITE");
    unlink(path);
    printf("%c\n", f[4096]);
    return 0;
}
