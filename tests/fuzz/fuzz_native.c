/*
 * fuzz_native.c - libFuzzer target for the .mmtr reader (formats/native.c):
 * any input read as a .mmtr, its events and its fault table, must give
 * events, the end, or an error naming the file, without a crash or a
 * leak. Seeds: tests/fuzz/corpus/mmtr.
 *
 * Build: CC=clang cmake -DMR_FUZZ=ON ...; run: fuzz_native DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/errcode.h"
#include "tests/fuzz/fuzz_file.h"
#include "formats/native.h"
#include "formats/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	mr_reader *rd;
	mr_event ev;
	mr_faults f;
	char err[640];
	int rc;

	path = fuzz_file(data, size);
	rc = mr_reader_open_fmt(&rd, path, MR_FMT_MMTR, err, sizeof(err));
	if (rc) {
		if (rc != MR_ECORRUPT || strncmp(err, path, strlen(path)))
			abort();
	} else {
		while ((rc = mr_reader_next(rd, &ev)) == 1)
			if (!ev.name || !ev.args || ev.first_line > ev.line ||
			    !ev.line || ev.sys < 0 || ev.sys >= MR_SYS__COUNT ||
			    ev.nargs > MR_EV_NARGS)
				abort();
		if (rc != 0 && rc != MR_ECORRUPT)
			abort();
		if (rc && strncmp(mr_reader_errmsg(rd), path, strlen(path)))
			abort();
		mr_reader_free(rd);
	}
	rc = mr_native_faults(path, &f, err, sizeof(err));
	if (rc != 0 && rc != MR_ECORRUPT)
		abort();
	mr_faults_release(&f);
	return 0;
}
