/* mmapread: 8 MiB file read through a private read-only mapping, MADV_DONTNEED on half */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SZ (8L << 20)
int main(void) {
    char path[] = "/tmp/mmapread.XXXXXX";
    long pg = sysconf(_SC_PAGESIZE);
    int fd = mkstemp(path);
    if (fd < 0) { perror("mkstemp"); return 1; }
    static char buf[1 << 20];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)(i * 7 + 1);
    for (long off = 0; off < SZ; off += sizeof buf)
        if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) { perror("write"); return 1; }
    close(fd);
    fd = open(path, O_RDONLY);
    if (fd < 0) { perror("open"); return 1; }
    volatile unsigned char *p = mmap(NULL, SZ, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    close(fd);
    long sum = 0;
    for (long off = 0; off < SZ; off += pg) sum += p[off];
    if (madvise((void *)p, SZ / 2, MADV_DONTNEED)) perror("madvise");
    for (long off = 0; off < SZ / 4; off += pg) sum += p[off];
    munmap((void *)p, SZ);
    unlink(path);
    printf("sum %ld\n", sum);
    return 0;
}
