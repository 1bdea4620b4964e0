/*
 * fuzz_file.h - the libFuzzer targets' input as a file: the readers take
 * paths, so each input is written to one memfd, reused, named by its
 * /proc/self/fd path.
 */
#ifndef MR_TESTS_FUZZ_FILE_H
#define MR_TESTS_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* DATA (SIZE bytes) as the memfd's whole content; its path. */
static const char *fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];

	if (fd < 0) {
		fd = memfd_create("fuzz", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	return path;
}

#endif
