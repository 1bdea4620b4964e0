/* thp: MADV_HUGEPAGE on 2 MiB-aligned anonymous memory, split by munmap and mprotect */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define MB (1UL << 20)
int main(void) {
    long pg = sysconf(_SC_PAGESIZE);
    char *base = mmap(NULL, 8 * MB, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) { perror("mmap"); return 1; }
    volatile char *p = (char *)(((uintptr_t)base + 2 * MB - 1) & ~(2 * MB - 1));
    if (madvise((void *)p, 4 * MB, MADV_HUGEPAGE)) perror("madvise");
    for (int b = 0; b < 3; b++) p[b * 2 * MB] = 1;
    for (unsigned long off = 0; off < 2 * MB; off += pg) p[off] = 2;
    if (munmap((void *)(p + 2 * MB + MB / 2), MB)) perror("munmap");
    if (mprotect((void *)(p + 4 * MB + 64 * 1024), 64 * 1024, PROT_READ)) perror("mprotect");
    return 0;
}
