/*
 * test_maps.c - /proc/PID/maps, smaps and stat snapshots: real lines from
 * Linux 6.18, this process's own files, and broken input.
 */
#include "tests/formats/fmt_test.h"

#include "formats/maps.h"

static const char maps_text[] =
	"55970b501000-55970b503000 r--p 00000000 fe:00 247134                "
	"     /usr/bin/cat\n"
	"559c1ce56000-559c1ce98000 rw-p 00000000 00:00 0                    "
	"      [heap]\n"
	"7fb265fcf000-7fb266102000 rw-p 00000000 00:00 0 \n"
	"7f406c200000-7f406c201000 rw-s 00000000 00:1f 1234                 "
	"      /tmp/cap/we) = ird>\"name with spaces (deleted)\n"
	"7ffec45bd000-7ffec45de000 rw-p 00000000 00:00 0                    "
	"      [stack]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0            "
	"      [vsyscall]\n"
	"7f0000000000-7f0000001000 ---p 0001a000 103:02 18446744073709551615 "
	"/x\n";

static void test_maps_parse__real_lines(void **state)
{
	mr_maps m;
	char err[256];

	(void)state;
	assert_int_equal(mr_maps_parse(&m, maps_text, "maps", err, sizeof(err)),
			 0);
	assert_int_equal(m.n, 7);
	assert_int_equal(m.v[0].start, 0x55970b501000);
	assert_int_equal(m.v[0].end, 0x55970b503000);
	assert_string_equal(m.v[0].perms, "r--p");
	assert_int_equal(m.v[0].offset, 0);
	assert_int_equal(m.v[0].dev_major, 0xfe);
	assert_int_equal(m.v[0].dev_minor, 0);
	assert_int_equal(m.v[0].inode, 247134);
	assert_string_equal(m.v[0].name, "/usr/bin/cat");
	assert_null(m.v[0].vmflags);
	assert_int_equal(m.v[0].anonymous, 0);
	assert_string_equal(m.v[1].name, "[heap]");
	assert_string_equal(m.v[2].name, "");
	assert_string_equal(m.v[3].perms, "rw-s");
	assert_int_equal(m.v[3].dev_minor, 0x1f);
	assert_string_equal(m.v[3].name,
			    "/tmp/cap/we) = ird>\"name with spaces (deleted)");
	assert_int_equal(m.v[5].start, 0xffffffffff600000);
	assert_string_equal(m.v[5].perms, "--xp");
	assert_int_equal(m.v[6].offset, 0x1a000);
	assert_int_equal(m.v[6].dev_major, 0x103);
	assert_int_equal(m.v[6].dev_minor, 2);
	assert_int_equal(m.v[6].inode, UINT64_MAX);
	mr_maps_release(&m);
	assert_null(m.v);
	assert_int_equal(m.n, 0);
	mr_maps_release(NULL);
}

static const char smaps_text[] =
	"559c1ce56000-559c1ce98000 rw-p 00000000 00:00 0                    "
	"      [heap]\n"
	"Size:                264 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  44 kB\n"
	"Pss:                  44 kB\n"
	"Pss_Dirty:            44 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:        44 kB\n"
	"Referenced:           44 kB\n"
	"Anonymous:            44 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"ProtectionKey:         0\n"
	"VmFlags: rd wr mr mw me ac \n"
	"7fa33f852000-7fa33f8a9000 r--p 00000000 fe:00 320475               "
	"      /usr/lib/locale/C.utf8/LC_CTYPE\n"
	"Size:                348 kB\n"
	"Anonymous:             0 kB\n"
	"VmFlags: rd mr mw me sd \n";

static void test_maps_parse__smaps_fields(void **state)
{
	mr_maps m;
	char err[256];

	(void)state;
	assert_int_equal(
		mr_maps_parse(&m, smaps_text, "smaps", err, sizeof(err)), 0);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.v[0].name, "[heap]");
	assert_int_equal(m.v[0].anonymous, 44);
	assert_string_equal(m.v[0].vmflags, "rd wr mr mw me ac");
	assert_string_equal(m.v[1].name, "/usr/lib/locale/C.utf8/LC_CTYPE");
	assert_int_equal(m.v[1].anonymous, 0);
	assert_string_equal(m.v[1].vmflags, "rd mr mw me sd");
	mr_maps_release(&m);
}

struct bad_case {
	const char *text;
	const char *msg;
};

static void test_maps_parse__errors_name_line_and_column(void **state)
{
	static const struct bad_case cases[] = {
		{"00400000-00401000 r-xq 00000000 00:00 0\n",
		 "snap:1:19: expected permissions like 'r-xp', found "
		 "'r-xq 00000000 00:00 0'"},
		{"00400000-00401000 r-xp 00000000 00:00 0 /a\n"
		 "00400000 00401000 r-xp\n",
		 "snap:2:1: expected a maps line or an smaps 'Key:' line, "
		 "found '00400000 00401000 r-xp'"},
		{"Size: 4 kB\n",
		 "snap:1:1: expected a maps line before the first smaps field"},
		{"00401000-00400000 r-xp 00000000 00:00 0\n",
		 "snap:1:18: expected an end address not below the start"},
		{"00400000-00401000 r-xp 00000000 00-00 0\n",
		 "snap:1:35: expected a device 'major:minor' in hex"},
		{"00400000-00401000 r-xp 00000000 00:00 x\n",
		 "snap:1:39: expected an inode number"},
		{"00400000-00401000 r-xp 00000000 00:00 0\n"
		 "Anonymous: lots\n",
		 "snap:2:12: expected 'N kB', found 'lots'"},
		{"00400000-00401000 r-xp 00000000 00:00 0\n"
		 "Anonymous: 4 MB\n",
		 "snap:2:13: expected 'N kB', found ' MB'"},
		{"10000000000000000-1 r-xp 00000000 00:00 0\n",
		 "snap:1:1: expected a start address in hex"},
	};
	mr_maps m;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(mr_maps_parse(&m, cases[i].text, "snap", err,
					       sizeof(err)),
				 MR_ECORRUPT);
		if (strncmp(err, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("got '%s'\nwant '%s'", err, cases[i].msg);
		assert_null(m.v);
		assert_int_equal(m.n, 0);
	}
}

/* This very process's maps and smaps, read from /proc. */
static void test_maps_load__own_proc_files(void **state)
{
	mr_maps m, s;
	char err[256];
	size_t i, stack = 0;

	(void)state;
	assert_int_equal(mr_maps_load(&m, "/proc/self/maps", err, sizeof(err)),
			 0);
	assert_int_equal(mr_maps_load(&s, "/proc/self/smaps", err, sizeof(err)),
			 0);
	assert_true(m.n > 5);
	for (i = 0; i < m.n; i++) {
		assert_true(m.v[i].start < m.v[i].end);
		assert_null(m.v[i].vmflags);
		if (strcmp(m.v[i].name, "[stack]") == 0)
			stack = i + 1;
	}
	assert_true(stack > 0);
	for (i = 0; i < s.n; i++)
		assert_non_null(s.v[i].vmflags);
	for (i = 0; i < s.n; i++)
		if (strcmp(s.v[i].name, "[stack]") == 0)
			break;
	assert_true(i < s.n);
	assert_non_null(strstr(s.v[i].vmflags, "rd wr"));
	assert_true(s.v[i].anonymous > 0);
	mr_maps_release(&m);
	mr_maps_release(&s);
}

static void test_maps_load__errors(void **state)
{
	static const char bin[] = "00400000-00401000 r-xp 0\0\n";
	mr_maps m;
	char err[256], path[64];

	(void)state;
	assert_int_equal(
		mr_maps_load(&m, "/nonexistent/maps", err, sizeof(err)),
		MR_EIO);
	assert_string_equal(err, "/nonexistent/maps: No such file or "
				 "directory");
	tmp_write(path, bin, sizeof(bin) - 1);
	assert_int_equal(mr_maps_load(&m, path, err, sizeof(err)), MR_ECORRUPT);
	assert_non_null(strstr(err, ":1:25: expected a maps line, found a NUL "
				    "byte"));
	assert_int_equal(m.n, 0);
	unlink(path);
	tmp_write(path, maps_text, strlen(maps_text));
	assert_int_equal(mr_maps_load(&m, path, err, sizeof(err)), 0);
	assert_int_equal(m.n, 7);
	mr_maps_release(&m);
	unlink(path);
}

/* 52 fields; comm "(a) b (c))" holds spaces and ')'. */
static const char stat_text[] =
	"14380 (a) b (c)) R 14374 14374 2302 0 -1 4194304 99 0 0 0 0 0 0 0 "
	"20 0 1 0 118540 3133440 409 18446744073709551615 94897185800192 "
	"94897185820073 140726771845984 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 "
	"94897185836080 94897185837696 94897952837632 140726771849867 "
	"140726771849887 140726771849887 140726771851243 0\n";

static void test_stat_brk__fields(void **state)
{
	uint64_t start_brk = 1, brk = 1;
	char err[256], path[64];

	(void)state;
	tmp_write(path, stat_text, strlen(stat_text));
	assert_int_equal(
		mr_stat_load_brk(&start_brk, &brk, path, err, sizeof(err)), 0);
	assert_int_equal(start_brk, 94897952837632ull);
	/* field 48 is arg_start: the kernel does not show brk here */
	assert_int_equal(brk, 0);
	unlink(path);
}

static void test_stat_brk__own_process(void **state)
{
	uint64_t start_brk = 0, brk = 1;
	char err[256];
	mr_maps m;
	size_t i;
	void *p = malloc(100);

	(void)state;
	assert_int_equal(mr_stat_load_brk(&start_brk, &brk, "/proc/self/stat",
					  err, sizeof(err)),
			 0);
	assert_true(start_brk > 0);
	assert_int_equal(mr_maps_load(&m, "/proc/self/maps", err, sizeof(err)),
			 0);
	for (i = 0; i < m.n; i++)
		if (strcmp(m.v[i].name, "[heap]") == 0)
			assert_int_equal(m.v[i].start, start_brk);
	mr_maps_release(&m);
	free(p);
}

static void test_stat_brk__errors(void **state)
{
	static const struct bad_case cases[] = {
		{"14380 cat R 1 2\n", ":1:1: expected 'pid (comm) state ...'"},
		{"14380 (cat) R 1 2 3\n",
		 ":1:20: expected field 7 (a number), found the end"},
		{"14380 (cat) R 1 x 3\n",
		 ":1:17: expected field 5 (a number), found other text"},
		{"14380 (cat)\n", ":1:12: expected field 3"},
	};
	uint64_t a, b;
	char err[256], path[64];
	size_t i;

	(void)state;
	assert_int_equal(
		mr_stat_load_brk(&a, &b, "/nonexistent/stat", err, sizeof(err)),
		MR_EIO);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tmp_write(path, cases[i].text, strlen(cases[i].text));
		assert_int_equal(
			mr_stat_load_brk(&a, &b, path, err, sizeof(err)),
			MR_ECORRUPT);
		if (!strstr(err, cases[i].msg))
			fail_msg("got '%s'\nwant '%s'", err, cases[i].msg);
		unlink(path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_parse__real_lines),
		cmocka_unit_test(test_maps_parse__smaps_fields),
		cmocka_unit_test(test_maps_parse__errors_name_line_and_column),
		cmocka_unit_test(test_maps_load__own_proc_files),
		cmocka_unit_test(test_maps_load__errors),
		cmocka_unit_test(test_stat_brk__fields),
		cmocka_unit_test(test_stat_brk__own_process),
		cmocka_unit_test(test_stat_brk__errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
