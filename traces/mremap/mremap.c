/* mremap: grow populated memory (MAYMOVE), shrink, move onto a PROT_NONE reservation (FIXED), DONTUNMAP */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#define KB 1024UL
int main(void) {
    long pg = sysconf(_SC_PAGESIZE);
    char *a = mmap(NULL, 256 * KB, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) { perror("mmap"); return 1; }
    for (unsigned long off = 0; off < 256 * KB; off += pg) a[off] = 1;
    char *b = mremap(a, 256 * KB, 1024 * KB, MREMAP_MAYMOVE);
    if (b == MAP_FAILED) { perror("mremap grow"); return 1; }
    for (unsigned long off = 256 * KB; off < 1024 * KB; off += pg) b[off] = 2;
    char *c = mremap(b, 1024 * KB, 128 * KB, 0, NULL);
    if (c == MAP_FAILED) { perror("mremap shrink"); return 1; }
    char *res = mmap(NULL, 512 * KB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (res == MAP_FAILED) { perror("mmap reserve"); return 1; }
    char *d = mremap(c, 128 * KB, 128 * KB, MREMAP_MAYMOVE | MREMAP_FIXED, res + 128 * KB);
    if (d == MAP_FAILED) { perror("mremap fixed"); return 1; }
    char *e = mmap(NULL, 64 * KB, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (e == MAP_FAILED) { perror("mmap 64k"); return 1; }
    memset(e, 5, 64 * KB);
    char *f = mremap(e, 64 * KB, 64 * KB, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
    if (f == MAP_FAILED) { perror("mremap dontunmap"); return 1; }
    printf("%d %d %d %d\n", d[0], d[127 * KB], f[0], e[0]);
    return 0;
}
