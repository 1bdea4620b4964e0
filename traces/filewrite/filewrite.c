/* filewrite: shared writable file mapping (read all, write every other page, msync), then private COW writes */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SZ (256 * 1024L)
int main(void) {
    long pg = sysconf(_SC_PAGESIZE);
    char path[] = "/tmp/filewrite.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) { perror("mkstemp"); return 1; }
    static char buf[SZ];
    memset(buf, 'a', sizeof buf);
    if (write(fd, buf, SZ) != SZ) { perror("write"); return 1; }
    volatile char *s = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (s == MAP_FAILED) { perror("mmap shared"); return 1; }
    long sum = 0;
    for (long off = 0; off < SZ; off += pg) sum += s[off];
    for (long off = 0; off < SZ; off += 2 * pg) s[off] = 'b';
    if (msync((void *)s, SZ, MS_SYNC)) perror("msync");
    munmap((void *)s, SZ);
    volatile char *p = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) { perror("mmap private"); return 1; }
    for (long i = 0; i < 4; i++) p[i * 3 * pg] = 'c';
    sum += p[pg] + p[0];
    close(fd);
    unlink(path);
    printf("sum %ld\n", sum);
    return 0;
}
