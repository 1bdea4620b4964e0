/*
 * fuzz_maps.c - libFuzzer target for the maps/smaps and stat readers:
 * any input must parse or give MR_ECORRUPT, without a crash or a leak.
 *
 * Build: CC=clang cmake -DMR_FUZZ=ON ...; run: fuzz_maps tests/fuzz/corpus/maps
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/errcode.h"
#include "tests/fuzz/fuzz_file.h"
#include "formats/maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	char err[256], *text;
	uint64_t a, b;
	mr_maps m;
	size_t i;
	int rc;

	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	rc = mr_maps_parse(&m, text, "fuzz", err, sizeof(err));
	if (rc != 0 && rc != MR_ECORRUPT)
		abort();
	for (i = 0; i < m.n; i++)
		if (m.v[i].start > m.v[i].end || !m.v[i].name)
			abort();
	mr_maps_release(&m);
	free(text);

	path = fuzz_file(data, size);
	rc = mr_maps_load(&m, path, err, sizeof(err));
	if (rc != 0 && rc != MR_ECORRUPT)
		abort();
	mr_maps_release(&m);
	rc = mr_stat_load_brk(&a, &b, path, err, sizeof(err));
	if (rc != 0 && rc != MR_ECORRUPT)
		abort();
	return 0;
}
