#define _GNU_SOURCE
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>
int main(void){ char *p = mmap(NULL, 1<<20, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); memset(p, 1, 65536); mprotect(p, 4096, PROT_NONE); p = mremap(p, 1<<20, 2<<20, MREMAP_MAYMOVE); munmap(p, 2<<20); if (fork()==0) { char *q = mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); q[0]=1; _exit(0);} sleep(0); return 0; }
