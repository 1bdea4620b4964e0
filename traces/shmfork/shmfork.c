/*
 * shmfork.c - shared anonymous memory split by mprotect, then a fork.
 *
 * The smallest program whose maps show what no trace can: the inode of
 * the shmem object behind MAP_SHARED|MAP_ANONYMOUS ("/dev/zero
 * (deleted)" on device 00:01), here split in two VMAs (the second at
 * file offset 0xf000) and copied into a child. mmreplay learns the inode
 * from the first snapshot that shows it and reports it apart until then.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char *p = mmap(NULL, 16 << 12, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	if (mprotect(p + (15 << 12), 4096, PROT_NONE))
		return 1;
	if (fork() == 0)
		_exit(0);
	wait(NULL);
	return 0;
}
