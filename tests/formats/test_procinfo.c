/*
 * test_procinfo.c - a machine profile from /proc/zoneinfo, pagetypeinfo
 * and buddyinfo (formats/procinfo.c), and the buddy allocator laid out
 * from it: step 0 prints byte for byte what the host printed
 * (tests/formats/data/machine: this machine's files, 2026-12-07).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/errcode.h"
#include "formats/procinfo.h"

#define DIR "tests/formats/data/machine/"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void print(void *ctx, const char *msg)
{
	(void)ctx;
	print_message("  %s\n", msg);
}

/* The host's three files give the profile; laid out, the node prints
 * buddyinfo and pagetypeinfo exactly as the host did. */
static void test_procinfo_host__step0_prints_the_host(void **state)
{
	char *zi = slurp(DIR "zoneinfo"), *pt = slurp(DIR "pagetypeinfo");
	char *bi = slurp(DIR "buddyinfo"), err[256], *out;
	mr_buddy_profile p;
	mr_buddy *b = NULL;
	size_t n;

	(void)state;
	assert_int_equal(mr_procinfo_parse(&p, zi, "zoneinfo", pt,
					   "pagetypeinfo", bi, "buddyinfo", err,
					   sizeof(err)),
			 0);
	assert_int_equal(p.ncpus, 2);
	assert_int_equal(p.zone[MR_ZONE_DMA].start_pfn, 1);
	assert_int_equal(p.zone[MR_ZONE_NORMAL].managed, 3342336);
	assert_int_equal(p.zone[MR_ZONE_NORMAL].wmark[1], 17137);
	assert_int_equal(p.zone[MR_ZONE_NORMAL].pcp_count[0], 52626);
	assert_int_equal(p.zone[MR_ZONE_DMA].protection[2], 16074);
	assert_int_equal(mr_buddy_new(&b, &p), 0);
	assert_int_equal(mr_buddy_check(b, print, NULL), 0);
	out = malloc(1 << 16);
	assert_non_null(out);
	n = mr_buddy_view(b, MR_BUDDY_BUDDYINFO, out, 1 << 16);
	assert_int_equal(n, strlen(bi));
	assert_string_equal(out, bi);
	n = mr_buddy_view(b, MR_BUDDY_PAGETYPEINFO, out, 1 << 16);
	assert_int_equal(n, strlen(pt));
	assert_string_equal(out, pt);
	assert_int_equal(mr_buddy_pcp_count(b, MR_ZONE_NORMAL, 1), 8120);
	/* zoneinfo's lines the allocator knows (zoneinfo.lines: those of
	 * the populated zones, picked out of the host's file) */
	free(bi);
	bi = slurp(DIR "zoneinfo.lines");
	assert_int_equal(mr_buddy_view(b, MR_BUDDY_ZONEINFO, out, 1 << 16),
			 strlen(bi));
	assert_string_equal(out, bi);
	/* the extfrag indices debugfs printed in the same moment */
	free(bi);
	bi = slurp(DIR "unusable_index");
	assert_int_equal(mr_buddy_view(b, MR_BUDDY_UNUSABLE, out, 1 << 16),
			 strlen(bi));
	assert_string_equal(out, bi);
	free(bi);
	bi = slurp(DIR "extfrag_index");
	assert_int_equal(mr_buddy_view(b, MR_BUDDY_EXTFRAG, out, 1 << 16),
			 strlen(bi));
	assert_string_equal(out, bi);
	free(bi);
	bi = slurp(DIR "buddyinfo");
	/* a short buffer still gets the full length and a terminated
	 * prefix */
	assert_int_equal(mr_buddy_view(b, MR_BUDDY_BUDDYINFO, out, 10),
			 strlen(bi));
	assert_int_equal(strlen(out), 9);
	free(out);
	mr_buddy_free(b);
	free(zi);
	free(pt);
	free(bi);
}

/* Bad input names the file, line and column, and what was expected. */
static void test_procinfo_bad__names_line_and_column(void **state)
{
	char *zi = slurp(DIR "zoneinfo"), *pt = slurp(DIR "pagetypeinfo");
	char err[256], *bad, *bi;
	mr_buddy_profile p;

	(void)state;
	bad = strdup(zi);
	assert_non_null(bad);
	memcpy(strstr(bad, "managed  3840"), "managed  xx40", 13);
	assert_int_equal(mr_procinfo_parse(&p, bad, "zi", pt, "pt", NULL, NULL,
					   err, sizeof(err)),
			 MR_ECORRUPT);
	assert_string_equal(err, "zi:62:18: expected a number after 'managed'");
	free(bad);
	/* a capped count with no buddyinfo to resolve it */
	bad = strdup(pt);
	assert_non_null(bad);
	memcpy(strstr(bad, "     38"), ">100000", 7);
	assert_int_equal(mr_procinfo_parse(&p, zi, "zi", bad, "pt", NULL, NULL,
					   err, sizeof(err)),
			 MR_ECORRUPT);
	assert_string_equal(err, "pt: zone 2 order 0: a count printed as "
				 ">100000 needs /proc/buddyinfo");
	/* a kernel without ZONE_DEVICE prints four protection entries */
	free(bad);
	bad = strdup(zi);
	assert_non_null(bad);
	{
		char *q = strstr(bad, "(0, 3018, 16074, 16074, 16074)");

		assert_non_null(q);
		memcpy(q, "(0, 3018, 16074, 16074)       ", 30);
	}
	assert_int_equal(mr_procinfo_parse(&p, bad, "zi", pt, "pt", NULL, NULL,
					   err, sizeof(err)),
			 0);
	assert_int_equal(p.zone[MR_ZONE_DMA].nprotection, 4);
	assert_int_equal(mr_procinfo_parse(&p, "", "zi", pt, "pt", NULL, NULL,
					   err, sizeof(err)),
			 MR_ECORRUPT);
	assert_string_equal(err, "zi:1:1: no zone found");
	free(bad);
	bad = strdup(pt);
	assert_non_null(bad);
	memcpy(strstr(bad, "     38"), ">100000", 7);
	/* with buddyinfo, the capped list is the total less the others */
	bi = slurp(DIR "buddyinfo");
	assert_int_equal(mr_procinfo_parse(&p, zi, "zi", bad, "pt", bi, "bi",
					   err, sizeof(err)),
			 0);
	assert_int_equal(p.zone[MR_ZONE_NORMAL].free[0][MR_MT_UNMOVABLE], 38);
	free(bi);
	free(bad);
	assert_int_equal(mr_procinfo_parse(&p, "garbage\n", "zi", pt, "pt",
					   NULL, NULL, err, sizeof(err)),
			 MR_ECORRUPT);
	assert_string_equal(err, "zi:1:1: expected 'Node 0, zone NAME'");
	bad = strdup(pt);
	assert_non_null(bad);
	memcpy(strstr(bad, "Node    0, zone   Normal, type    Unmovable"),
	       "Node    1", 9);
	assert_int_equal(mr_procinfo_parse(&p, zi, "zi", bad, "pt", NULL, NULL,
					   err, sizeof(err)),
			 MR_ECORRUPT);
	assert_string_equal(err, "pt:15:1: only node 0 is modelled");
	free(bad);
	free(zi);
	free(pt);
}

/* slabinfo: the default machine's file parses and prints back byte for
 * byte; bad lines name line and column. */
static void test_procinfo_slabinfo__round_trip(void **state)
{
	char *text = slurp("data/machine/slabinfo"), *out, err[256], *bad;
	mr_slab_profile p;
	size_t n, i;
	int vma = 0;

	(void)state;
	assert_int_equal(mr_slabinfo_parse(&p, text, "si", err, sizeof(err)),
			 0);
	assert_true(p.n > 100);
	for (i = 0; i < p.n; i++)
		if (!strcmp(p.v[i].name, "vm_area_struct")) {
			vma = 1;
			assert_int_equal(p.v[i].objsize, 192);
			assert_int_equal(p.v[i].objperslab, 21);
			assert_int_equal(p.v[i].pagesperslab, 1);
		}
	assert_true(vma);
	n = mr_slabinfo_show(&p, NULL, NULL, 0);
	out = malloc(n + 1);
	assert_non_null(out);
	mr_slabinfo_show(&p, NULL, out, n + 1);
	assert_string_equal(out, text);
	free(out);
	mr_slab_profile_free(&p);

	bad = strdup(text);
	assert_non_null(bad);
	memcpy(strstr(bad, ": tunables    0    0    0 : slabdata      0"),
	       ": tunables    0    0    0 ; slabdata", 36);
	assert_int_equal(mr_slabinfo_parse(&p, bad, "si", err, sizeof(err)),
			 MR_ECORRUPT);
	assert_string_equal(err, "si:3:77: expected \": slabdata\"");
	assert_int_equal(mr_slabinfo_parse(&p, "slabinfo - version: 2.0\n",
					   "si", err, sizeof(err)),
			 MR_ECORRUPT);
	assert_string_equal(err,
			    "si:1:1: expected \"slabinfo - version: 2.1\"");
	free(bad);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procinfo_slabinfo__round_trip),
		cmocka_unit_test(test_procinfo_host__step0_prints_the_host),
		cmocka_unit_test(test_procinfo_bad__names_line_and_column),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
