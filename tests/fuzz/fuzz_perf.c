/*
 * fuzz_perf.c - libFuzzer target for the readers of the kernel-side
 * inputs: perf script text (formats/perf.c) and the page-fault table
 * (formats/faults.c). Any input must give events (or a table), the end,
 * or MR_ECORRUPT naming the file, without a crash or a leak. Seeds:
 * tests/fuzz/corpus/perf and corpus/faults.
 *
 * Build: CC=clang cmake -DMR_FUZZ=ON ...; run: fuzz_perf DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/errcode.h"
#include "tests/fuzz/fuzz_file.h"
#include "formats/faults.h"
#include "formats/perf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	mr_perf *p;
	mr_perf_event ev;
	mr_faults f;
	char err[640];
	int rc;

	path = fuzz_file(data, size);
	if (mr_perf_open(&p, path, err, sizeof(err)))
		abort();
	while ((rc = mr_perf_next(p, &ev)) == 1)
		;
	if (rc != 0 && rc != MR_ECORRUPT)
		abort();
	if (rc && strncmp(mr_perf_errmsg(p), path, strlen(path)))
		abort();
	mr_perf_free(p);
	rc = mr_faults_load(&f, path, err, sizeof(err));
	if (rc != 0 && rc != MR_ECORRUPT)
		abort();
	for (size_t i = 1; rc == 0 && i < f.n; i++)
		if (f.v[i].after_line < f.v[i - 1].after_line)
			abort();
	mr_faults_release(&f);
	return 0;
}
