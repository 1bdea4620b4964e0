/* mthread: 4 pthreads each malloc+write 2 MiB in 64 KiB chunks, free, mmap/munmap 1 MiB */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define CHUNK (64 * 1024)
#define NCHUNK 32 /* 2 MiB */
static void *work(void *arg) {
    long id = (long)arg;
    char *c[NCHUNK];
    for (int i = 0; i < NCHUNK; i++) {
        c[i] = malloc(CHUNK);
        if (!c[i]) return NULL;
        memset(c[i], (int)(id + i), CHUNK);
    }
    for (int i = 0; i < NCHUNK; i++) free(c[i]);
    char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED) {
        for (int off = 0; off < (1 << 20); off += 4096) m[off] = (char)id;
        munmap(m, 1 << 20);
    }
    return NULL;
}
int main(void) {
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        if (pthread_create(&t[i], NULL, work, (void *)i)) { perror("pthread_create"); return 1; }
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    puts("done");
    return 0;
}
