/*
 * fuzz_procinfo.c - deterministic mutation test of the machine profile
 * reader (formats/procinfo.c) and the buddy allocator laid out from what
 * it accepts.
 *
 * Mutates this machine's zoneinfo, pagetypeinfo and buddyinfo
 * (tests/formats/data/machine) with a seeded PRNG: digits changed,
 * bytes flipped, lines dropped or repeated, the text cut short. The
 * reader must return 0 or MR_ECORRUPT with a message naming the file;
 * a profile it accepts either fails to lay out (-1) or gives a node
 * whose checks hold, before and after random allocations and frees.
 * The default machine's slabinfo (data/machine) is mutated alike: the
 * reader returns 0 or MR_ECORRUPT naming the file, and what it accepts
 * prints and reads back to the same text.
 *
 * usage: fuzz_procinfo DATA_DIR [ITERATIONS [SEED]]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errcode.h"
#include "tests/fuzz/fuzz_rng.h"
#include "formats/procinfo.h"

#define MAXIN (1u << 20)

static char *slurp(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;
	char *buf = malloc(MAXIN);
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f || !buf) {
		fprintf(stderr, "fuzz_procinfo: cannot read %s\n", path);
		exit(1);
	}
	n = fread(buf, 1, MAXIN - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* One mutation of TEXT (NUL-terminated, room for MAXIN bytes). */
static void mutate(char *text)
{
	size_t n = strlen(text), at = below(n);
	char *nl;

	switch (below(6)) {
	case 0: /* a digit changed, or a number made huge */
		while (at < n && (text[at] < '0' || text[at] > '9'))
			at++;
		if (at < n)
			text[at] = (char)('0' + below(10));
		if (at < n && below(4) == 0 && n + 24 < MAXIN) {
			memmove(text + at + 20, text + at, n - at + 1);
			memset(text + at, '9', 20);
		}
		break;
	case 1: /* a byte flipped */
		if (n)
			text[at] ^= (char)(1u << below(8));
		break;
	case 2: /* a line dropped */
		nl = strchr(text + at, '\n');
		if (nl) {
			char *end = strchr(nl + 1, '\n');

			if (end)
				memmove(nl, end, strlen(end) + 1);
		}
		break;
	case 3: /* a line repeated */
		nl = strchr(text + at, '\n');
		if (nl) {
			char *end = strchr(nl + 1, '\n');
			size_t len = end ? (size_t)(end - nl) : 0;

			if (len && n + len < MAXIN) {
				memmove(nl + len, nl, strlen(nl) + 1);
				memcpy(nl + len, nl, len);
			}
		}
		break;
	case 4: /* cut short */
		text[at] = 0;
		break;
	default: /* a '>' before a number (pagetypeinfo's cap) */
		if (n + 1 < MAXIN) {
			memmove(text + at + 1, text + at, n - at + 1);
			text[at] = '>';
		}
		break;
	}
}

static void say(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "  %s\n", msg);
}

static void exercise(mr_buddy *b, int ncpus)
{
	int64_t pfns[256];
	unsigned orders[256];
	int n = 0, i;

	for (i = 0; i < 600; i++) {
		if (n < 256 && (n == 0 || below(3))) {
			unsigned o = below(5) ? 0 : (unsigned)below(11);
			int64_t p = mr_buddy_alloc(
				b, (int)below(4), o, (int)below(3),
				(int)below((size_t)ncpus), 5);

			if (p >= 0) {
				pfns[n] = p;
				orders[n++] = o;
			}
		} else {
			size_t k = below((size_t)n);

			if (mr_buddy_put(b, (uint64_t)pfns[k], orders[k],
					 (int)below((size_t)ncpus)) < 0) {
				fprintf(stderr, "fuzz_procinfo: a free of an "
						"allocated block failed\n");
				exit(1);
			}
			pfns[k] = pfns[--n];
			orders[k] = orders[n];
		}
	}
}

/* slabinfo: mutated, parsed, and what is accepted printed and parsed
 * again to the same text. */
static int slab_rounds(long iters)
{
	char *orig = slurp("data/machine", "slabinfo"), *text = malloc(MAXIN);
	char err[512], *out = NULL, *again = NULL;
	long it, accepted = 0;

	if (!text)
		return -1;
	for (it = 0; it < iters; it++) {
		mr_slab_profile p, q;
		size_t n;
		int k, rc;

		memcpy(text, orig, strlen(orig) + 1);
		for (k = 1 + (int)below(3); k > 0; k--)
			mutate(text);
		rc = mr_slabinfo_parse(&p, text, "slabinfo", err, sizeof(err));
		if (rc && (rc != MR_ECORRUPT || strncmp(err, "slabinfo:", 9))) {
			fprintf(stderr,
				"fuzz_procinfo: slabinfo iteration %ld: rc %d, "
				"%s\n",
				it, rc, err);
			return -1;
		}
		if (rc)
			continue;
		accepted++;
		n = mr_slabinfo_show(&p, NULL, NULL, 0) + 1;
		out = malloc(n);
		again = malloc(n);
		if (!out || !again)
			return -1;
		mr_slabinfo_show(&p, NULL, out, n);
		if (mr_slabinfo_parse(&q, out, "printed", err, sizeof(err))) {
			fprintf(stderr,
				"fuzz_procinfo: slabinfo iteration %ld: what "
				"was printed does not parse: %s\n",
				it, err);
			return -1;
		}
		mr_slabinfo_show(&q, NULL, again, n);
		if (strcmp(out, again)) {
			fprintf(stderr,
				"fuzz_procinfo: slabinfo iteration %ld: "
				"printed twice, two texts\n",
				it);
			return -1;
		}
		mr_slab_profile_free(&p);
		mr_slab_profile_free(&q);
		free(out);
		free(again);
	}
	printf("fuzz_procinfo: slabinfo %ld iterations, %ld accepted\n", iters,
	       accepted);
	free(orig);
	free(text);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const names[3] = {"zoneinfo", "pagetypeinfo",
					     "buddyinfo"};
	char *orig[3], *text[3], err[512];
	long iters = argc > 2 ? atol(argv[2]) : 400, it;
	long accepted = 0, laid = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr,
			"usage: fuzz_procinfo DATA_DIR [ITERATIONS [SEED]]\n");
		return 2;
	}
	rng = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x9e3779b97f4a7c15ull;
	for (i = 0; i < 3; i++) {
		orig[i] = slurp(argv[1], names[i]);
		text[i] = malloc(MAXIN);
		if (!text[i])
			return 1;
	}
	for (it = 0; it < iters; it++) {
		mr_buddy_profile p;
		mr_buddy *b = NULL;
		int k, rc;

		for (i = 0; i < 3; i++)
			memcpy(text[i], orig[i], strlen(orig[i]) + 1);
		for (k = 1 + (int)below(3); k > 0; k--)
			mutate(text[below(3)]);
		rc = mr_procinfo_parse(&p, text[0], names[0], text[1], names[1],
				       below(4) ? text[2] : NULL, names[2], err,
				       sizeof(err));
		if (rc != 0 && rc != MR_ECORRUPT) {
			fprintf(stderr, "fuzz_procinfo: iteration %ld: rc %d\n",
				it, rc);
			return 1;
		}
		if (rc) {
			if (strncmp(err, "zoneinfo", 8) &&
			    strncmp(err, "pagetypeinfo", 12) &&
			    strncmp(err, "buddyinfo", 9)) {
				fprintf(stderr,
					"fuzz_procinfo: iteration %ld: message "
					"names no file: %s\n",
					it, err);
				return 1;
			}
			continue;
		}
		accepted++;
		if (mr_buddy_new(&b, &p) < 0)
			continue;
		laid++;
		if (mr_buddy_check(b, NULL, NULL)) {
			fprintf(stderr,
				"fuzz_procinfo: iteration %ld: a fresh layout "
				"breaks the checks\n",
				it);
			mr_buddy_check(b, say, NULL);
			return 1;
		}
		exercise(b, p.ncpus);
		if (mr_buddy_check(b, NULL, NULL)) {
			fprintf(stderr,
				"fuzz_procinfo: iteration %ld: checks fail "
				"after allocations\n",
				it);
			mr_buddy_check(b, say, NULL);
			return 1;
		}
		mr_buddy_free(b);
	}
	if (slab_rounds(iters) < 0)
		return 1;
	printf("fuzz_procinfo: %ld iterations, %ld profiles accepted, %ld laid "
	       "out\n",
	       iters, accepted, laid);
	for (i = 0; i < 3; i++) {
		free(orig[i]);
		free(text[i]);
	}
	return 0;
}
