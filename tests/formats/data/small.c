#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
int main(void)
{
	void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(p, 4096, PROT_READ | 0x40000000);
	madvise(p, 4096, 0x66);
	mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | (21 << 26),
	     -1, 0);
	mmap(NULL, 2 << 20, PROT_READ,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << 26), -1, 0);
	int fd = open("/dev/zero", O_RDONLY);
	mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	close(s);
	if (fork() == 0) {
		execl("/bin/true", "true", (char *)0);
	}
	wait(NULL);
	return 0;
}
