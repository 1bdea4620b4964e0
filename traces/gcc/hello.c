/* The small program compiled by the gcc capture (traces/gcc/README.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct word {
	char text[16];
	unsigned count;
};

static int by_count(const void *a, const void *b)
{
	const struct word *x = a, *y = b;

	return (int)y->count - (int)x->count;
}

int main(int argc, char **argv)
{
	struct word w[64];
	size_t n = 0;

	for (int i = 1; i < argc; i++) {
		size_t j = 0;

		while (j < n && strcmp(w[j].text, argv[i]) != 0)
			j++;
		if (j == n && n < 64) {
			snprintf(w[n].text, sizeof(w[n].text), "%s", argv[i]);
			w[n++].count = 0;
		}
		if (j < 64)
			w[j].count++;
	}
	qsort(w, n, sizeof(w[0]), by_count);
	for (size_t i = 0; i < n; i++)
		printf("%u %s\n", w[i].count, w[i].text);
	return n ? EXIT_SUCCESS : EXIT_FAILURE;
}
