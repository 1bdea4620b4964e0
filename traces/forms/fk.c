#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
static void *th(void *a) { char *p = mmap(NULL, 1 << 20, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); memset(p, 1, 4096); munmap(p, 1<<20); return a; }
int main(void) {
  for (int r = 0; r < 3; r++) {
    pid_t c = fork();
    if (c == 0) { char *p = mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); p[0] = 1; mprotect(p, 4096, PROT_READ); fprintf(stderr, "child %d\n", r); _exit(0); }
    pthread_t t; pthread_create(&t, NULL, th, NULL);
    char *q = mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); q[0] = 1;
    pthread_join(t, NULL); waitpid(c, NULL, 0); munmap(q, 8192);
  }
  return 0;
}
