/*
 * fuzz_strace.c - libFuzzer target for the strace reader (and the zstd
 * line source behind it): any input must give events, the end, or
 * MR_ECORRUPT, without a crash or a leak.
 *
 * Build: CC=clang cmake -DMR_FUZZ=ON ...; run: fuzz_strace
 * tests/fuzz/corpus/strace
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/errcode.h"
#include "tests/fuzz/fuzz_file.h"
#include "formats/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	mr_reader *rd;
	mr_event ev;
	char err[640];
	int rc;

	path = fuzz_file(data, size);
	rc = mr_reader_open(&rd, path, err, sizeof(err));
	if (rc) {
		/* only a .mmtr header (the magic, then damage) is refused at
		 * open, naming the file */
		if (rc != MR_ECORRUPT || strncmp(err, path, strlen(path)))
			abort();
		return 0;
	}
	while ((rc = mr_reader_next(rd, &ev)) == 1) {
		if (!ev.name || !ev.args || ev.first_line > ev.line)
			abort();
		if (ev.kind == MR_EV_SYSCALL &&
		    (ev.sys < 0 || ev.sys >= MR_SYS__COUNT ||
		     ev.nargs > MR_EV_NARGS))
			abort();
	}
	if (rc != 0 && rc != MR_ECORRUPT)
		abort();
	mr_reader_free(rd);
	return 0;
}
