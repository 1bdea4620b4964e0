/* reclaim: what MADV_FREE, MADV_COLD and MADV_PAGEOUT do on a machine
 * without swap, a private /dev/zero mapping, and userfaultfd answering a
 * thread's faults with UFFDIO_COPY and UFFDIO_ZEROPAGE */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#define MB (1UL << 20)
#define PG 4096UL

static char *uarea;

static void *toucher(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++)
        uarea[i * PG] = 1; /* each write waits for the main thread */
    return NULL;
}

int main(void)
{
    /* lazy-free pages: 64 written, 32 freed, 8 of those written again,
     * then paged out: the 24 still clean go */
    char *a = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) { perror("mmap"); return 1; }
    memset(a, 7, 64 * PG);
    if (madvise(a, 32 * PG, MADV_FREE)) perror("MADV_FREE");
    for (int i = 0; i < 8; i++) a[i * PG] = 9;
    if (madvise(a, 64 * PG, MADV_PAGEOUT)) perror("MADV_PAGEOUT");

    /* THPs populated (zeros), one page of the second written: COLD over
     * part of the first splits it, PAGEOUT splits the second; their
     * zero-filled pages become the zero page */
    char *t = mmap(NULL, 6 * MB, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (t == MAP_FAILED) { perror("mmap"); return 1; }
    char *h = (char *)(((uintptr_t)t + 2 * MB - 1) & ~(2 * MB - 1));
    if (madvise(h, 4 * MB, MADV_HUGEPAGE)) perror("MADV_HUGEPAGE");
    if (madvise(h, 4 * MB, MADV_POPULATE_WRITE)) perror("MADV_POPULATE_WRITE");
    h[2 * MB + 5 * PG] = 1;
    if (madvise(h, 16 * PG, MADV_COLD)) perror("MADV_COLD");
    if (madvise(h + 2 * MB, 2 * MB, MADV_PAGEOUT)) perror("MADV_PAGEOUT");

    /* a private mapping of /dev/zero is anonymous memory */
    int z = open("/dev/zero", O_RDONLY);
    if (z < 0) { perror("/dev/zero"); return 1; }
    volatile char *zp = mmap(NULL, 16 * PG, PROT_READ, MAP_PRIVATE, z, 0);
    if (zp == MAP_FAILED) { perror("mmap /dev/zero"); return 1; }
    for (int i = 0; i < 16; i += 4) (void)zp[i * PG];
    close(z);

    /* userfaultfd: a thread's faults answered by UFFDIO_COPY, ZEROPAGE */
    int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
    if (uffd < 0) { perror("userfaultfd"); return 1; }
    struct uffdio_api api = {.api = UFFD_API};
    if (ioctl(uffd, UFFDIO_API, &api)) { perror("UFFDIO_API"); return 1; }
    uarea = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct uffdio_register reg = {
        .range = {.start = (uintptr_t)uarea, .len = 16 * PG},
        .mode = UFFDIO_REGISTER_MODE_MISSING};
    if (ioctl(uffd, UFFDIO_REGISTER, &reg)) { perror("UFFDIO_REGISTER"); return 1; }
    static char src[PG] __attribute__((aligned(4096)));
    memset(src, 3, sizeof(src));
    pthread_t th;
    pthread_create(&th, NULL, toucher, NULL);
    for (int i = 0; i < 4; i++) {
        struct uffd_msg msg;
        if (read(uffd, &msg, sizeof(msg)) != sizeof(msg)) { perror("read"); return 1; }
        uintptr_t at = msg.arg.pagefault.address & ~(PG - 1);
        if (i % 2) {
            struct uffdio_zeropage zpg = {.range = {.start = at, .len = PG}};
            if (ioctl(uffd, UFFDIO_ZEROPAGE, &zpg)) perror("UFFDIO_ZEROPAGE");
        } else {
            struct uffdio_copy cp = {.dst = at, .src = (uintptr_t)src, .len = PG};
            if (ioctl(uffd, UFFDIO_COPY, &cp)) perror("UFFDIO_COPY");
        }
    }
    pthread_join(th, NULL);
    return 0;
}
