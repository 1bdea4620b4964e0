/*
 * unlink.c - mapped files that are then unlinked, for a capture: maps
 * print " (deleted)" after such a file's name. One file is unlinked by
 * absolute path, one by unlinkat() relative to a directory fd, one by a
 * path relative to the working directory; a file of the same name made
 * afterwards is another file. A failed unlink changes nothing.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096

static void *map_new(const char *path, int prot, int flags)
{
	char page[PG] = {1};
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	void *p;

	if (fd < 0)
		return MAP_FAILED;
	for (int i = 0; i < 3; i++)
		if (write(fd, page, PG) != PG)
			return MAP_FAILED;
	p = mmap(NULL, 3 * PG, prot, flags, fd, 0);
	close(fd);
	return p;
}

int main(void)
{
	int dir;

	mkdir("/tmp/mr-unlink", 0700);
	if (chdir("/tmp/mr-unlink"))
		return 1;
	dir = open("/tmp/mr-unlink", O_RDONLY | O_DIRECTORY);
	map_new("/tmp/mr-unlink/a", PROT_READ | PROT_WRITE, MAP_SHARED);
	map_new("/tmp/mr-unlink/b", PROT_READ, MAP_PRIVATE);
	map_new("/tmp/mr-unlink/c", PROT_READ, MAP_PRIVATE);
	unlink("/tmp/mr-unlink/a");
	unlink("/tmp/mr-unlink/nothere"); /* ENOENT */
	unlinkat(dir, "b", 0);
	unlink("c");
	map_new("/tmp/mr-unlink/a", PROT_READ, MAP_SHARED); /* a new a */
	unlink("/tmp/mr-unlink/a");
	rmdir("/tmp/mr-unlink");
	return 0;
}
