/*
 * test_perf_trace.c - `perf trace` text read as a trace (perf 6.1 lines
 * from captures on Linux 6.18: traces/perftrace), and broken ones.
 */
#include "tests/formats/fmt_test.h"

#include "formats/perf_trace.h"

/* Every argument perf prints by name lands in its place; the ones it
 * leaves out are zero, an anonymous mapping's fd -1. */
static void test_perf_trace__mmap_fields(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t,
		"     6.284 ( 0.042 ms): mr_workload/4193 mmap(addr: "
		"0x7fb20d709000, len: 1400832, prot: READ|EXEC, flags: "
		"PRIVATE|FIXED|DENYWRITE, fd: 4, off: 0x26000) = "
		"0x7fb20d709000\n"
		"    14.140 ( 0.037 ms): mr_workload/4193 mmap(addr: "
		"0x600000000000, len: 1073741824, flags: "
		"PRIVATE|ANONYMOUS|FIXED_NOREPLACE) = 0x600000000000\n"
		"     1.776 ( 0.032 ms): ptbin/17987 mmap(len: 45947, prot: "
		"READ, flags: PRIVATE, fd: 4) = 0x7f45b48b2000\n");
	/* in the order the calls ended: the last line's ended first */
	rt_next(&t, &ev);
	assert_int_equal(ev.pid, 17987);
	assert_int_equal(ev.line, 3);
	assert_int_equal(ev.arg[0], 0); /* no addr: NULL */
	assert_int_equal(ev.arg[3], 0x2);
	assert_int_equal(ev.arg[4], 4); /* a file mapping's fd */
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_SYSCALL);
	assert_int_equal(ev.sys, MR_SYS_MMAP);
	assert_int_equal(ev.pid, 4193);
	assert_int_equal(ev.line, 1);
	assert_int_equal(ev.ts_ns, 6284000);
	assert_int_equal(ev.dur_ns, 42000);
	assert_string_equal(ev.name, "mmap");
	assert_string_equal(ev.args,
			    "addr: 0x7fb20d709000, len: 1400832, prot: "
			    "READ|EXEC, flags: PRIVATE|FIXED|DENYWRITE, fd: 4, "
			    "off: 0x26000");
	assert_int_equal(ev.nargs, 6);
	assert_int_equal(ev.arg[0], 0x7fb20d709000);
	assert_int_equal(ev.arg[1], 1400832);
	assert_int_equal(ev.arg[2], 0x5);
	assert_int_equal(ev.arg[3], 0x812);
	assert_int_equal(ev.arg[4], 4);
	assert_int_equal(ev.arg[5], 0x26000);
	assert_int_equal(ev.ret_kind, MR_RET_VALUE);
	assert_int_equal(ev.ret, 0x7fb20d709000);
	assert_null(ev.str);
	/* no prot (PROT_NONE), no fd (anonymous: -1), no off */
	rt_next(&t, &ev);
	assert_int_equal(ev.arg[0], 0x600000000000);
	assert_int_equal(ev.arg[2], 0);
	assert_int_equal(ev.arg[3], 0x100022);
	assert_int_equal(ev.arg[4], (uint64_t)-1);
	assert_int_equal(ev.arg[5], 0);
	rt_end(&t);
	rt_close(&t);
}

static void test_perf_trace__calls_and_results(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t,
		"    15.088 ( 0.030 ms): w/4193 madvise(start: 0x60002c85e000, "
		"len_in: 65536, behavior: MADV_DONTNEED) = -1 ENOMEM (Cannot "
		"allocate memory)\n"
		"    15.315 ( 0.029 ms): w/4193 mremap(addr: 0x60002c859000, "
		"old_len: 40960, new_len: 81920) = -1 EFAULT (Bad address)\n"
		"    15.400 ( 0.020 ms): w/4193 mremap(addr: "
		"0xffffffffffffffff, "
		"old_len: 65536, new_len: 65536, flags: MAYMOVE|FIXED, "
		"new_addr: 0x7f3d5c4e8000) = -1 EINVAL (Invalid argument)\n"
		"    15.500 ( 0.021 ms): w/4193 mlockall(flags: 3) = 0\n"
		"    15.600 ( 0.222 ms): voc/12478 clone(clone_flags: "
		"CHILD_CLEARTID|CHILD_SETTID|0x11, child_tidptr: "
		"0x7f3d5c5f8a10) = 12480 (voc)\n"
		"    16.000 ( 0.020 ms): voc/12478 brk() = 0x555936fdd000\n"
		"    16.100 (         ): voc/12480 exit_group(error_code: 3) "
		"= ?\n");
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_MADVISE);
	assert_int_equal(ev.arg[2], 4); /* MADV_DONTNEED, named in full */
	assert_int_equal(ev.ret_kind, MR_RET_ERROR);
	assert_int_equal(ev.ret, -12);
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_MREMAP);
	assert_int_equal(ev.nargs, 4); /* no MREMAP_FIXED: no new_addr */
	assert_int_equal(ev.arg[3], 0);
	assert_int_equal(ev.ret, -14);
	rt_next(&t, &ev);
	assert_int_equal(ev.nargs, 5);
	assert_int_equal(ev.arg[0], UINT64_MAX);
	assert_int_equal(ev.arg[3], 3);
	assert_int_equal(ev.arg[4], 0x7f3d5c4e8000);
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_MLOCKALL);
	assert_int_equal(ev.arg[0], 3);
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_CLONE);
	/* CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD */
	assert_int_equal(ev.arg[0], 0x01200011);
	assert_int_equal(ev.ret, 12480); /* "(voc)" after it */
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_BRK);
	assert_int_equal(ev.arg[0], 0);
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_EXIT_GROUP);
	assert_int_equal(ev.pid, 12480);
	assert_int_equal(ev.arg[0], 3);
	assert_int_equal(ev.ret_kind, MR_RET_UNKNOWN);
	rt_end(&t);
	assert_int_equal(t.nwarn, 0);
	rt_close(&t);
}

/* "..." and "[continued]" halves are one call with the first half's
 * arguments; the child's side of a clone is not a call; faults and the
 * command's own exec (started before perf) are as perf left them. */
static void test_perf_trace__halves_children_faults(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t,
		"         ? (         ): sh/4475  ... [continued]: execve())   "
		"                                        = 0\n"
		"     0.192 ( 0.000 ms): sh/4475 minfault [_start+0x0] => "
		"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2@0x1ab70 (d.)\n"
		"         ? (         ): sh/4476  ... [continued]: vfork())   "
		"                                         = 0\n"
		"     6.029 (         ): sh/4475 vfork()                       "
		"                                     ...\n"
		"     6.029 ( 0.400 ms): sh/4475  ... [continued]: vfork())    "
		"                                        = 4476\n"
		"     6.332 (         ): true/4476 execve(filename: "
		"0xf59948b8, "
		"argv: 0x5604f59948e0, envp: 0x56051260db98) ...\n"
		"     6.400 (18446744073617.164 ms): sh/4477  ... [continued]: "
		"clone3())                                           = 0\n"
		"     6.332 ( 0.374 ms): true/4476  ... [continued]: execve()) "
		" "
		"                                         = 0\n");
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_EXECVE);
	assert_int_equal(ev.pid, 4475);
	assert_int_equal(ev.ts_ns, 0); /* '?': the time before it */
	assert_string_equal(ev.args, "");
	assert_null(ev.str); /* no path: the exec is not built */
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_VFORK);
	assert_int_equal(ev.pid, 4475);
	assert_int_equal(ev.ret, 4476);
	assert_int_equal(ev.line, 5);
	assert_int_equal(ev.first_line, 4);
	assert_true(ev.flags & MR_EVF_MERGED);
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_EXECVE);
	assert_int_equal(ev.pid, 4476);
	assert_string_equal(ev.args, "filename: 0xf59948b8, argv: "
				     "0x5604f59948e0, envp: 0x56051260db98");
	assert_int_equal(ev.dur_ns, 374000);
	rt_end(&t);
	/* the faults are counted in one warning at the end */
	assert_int_equal(t.nwarn, 1);
	assert_non_null(strstr(t.warn, ":8:1: warning: 1 page fault lines"));
	rt_close(&t);
}

/* Lines of different CPUs out of order come out in the order the calls
 * ended; the same input in order gives the same events. */
static void test_perf_trace__reordered(void **state)
{
	static const char sorted[] =
		"     1.000 ( 0.010 ms): a/10 munmap(addr: 0x1000, len: 4096) "
		"= 0\n"
		"     1.005 ( 0.010 ms): b/11 munmap(addr: 0x2000, len: 4096) "
		"= 0\n"
		"     1.020 ( 0.010 ms): a/10 munmap(addr: 0x3000, len: 4096) "
		"= 0\n";
	static const char shuffled[] =
		"     1.020 ( 0.010 ms): a/10 munmap(addr: 0x3000, len: 4096) "
		"= 0\n"
		"     1.000 ( 0.010 ms): a/10 munmap(addr: 0x1000, len: 4096) "
		"= 0\n"
		"     1.005 ( 0.010 ms): b/11 munmap(addr: 0x2000, len: 4096) "
		"= 0\n";
	const char *in[2] = {sorted, shuffled};
	struct rt t;
	mr_event ev;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		rt_open(&t, in[i]);
		rt_next(&t, &ev);
		assert_int_equal(ev.arg[0], 0x1000);
		rt_next(&t, &ev);
		assert_int_equal(ev.arg[0], 0x2000);
		assert_int_equal(ev.pid, 11);
		rt_next(&t, &ev);
		assert_int_equal(ev.arg[0], 0x3000);
		rt_end(&t);
		rt_close(&t);
	}
}

/* More lines than the window holds: calls leave it as it fills, still
 * in order, each pair of lines written the wrong way round. */
static void test_perf_trace__window_slides(void **state)
{
	size_t n = MR_PT_WINDOW * 2 + 7, i, len = 0, cap = n * 96;
	char *text = malloc(cap);
	struct rt t;
	mr_event ev;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < n; i++) {
		size_t k = i ^ 1; /* 1, 0, 3, 2, ... */

		if (k >= n)
			k = i;
		len += (size_t)snprintf(text + len, cap - len,
					"%6zu.%03zu ( 0.001 ms): a/%zu munmap("
					"addr: 0x%zx000, len: 4096) = 0\n",
					k / 1000, k % 1000, 10 + k % 3, k + 1);
	}
	rt_open_bytes(&t, text, len);
	for (i = 0; i < n; i++) {
		rt_next(&t, &ev);
		assert_int_equal(ev.arg[0], (uint64_t)(i + 1) << 12);
		assert_int_equal(ev.pid, 10 + i % 3);
	}
	rt_end(&t);
	rt_close(&t);
	free(text);
}

/* A call that comes after the window moved past its time is given
 * late, and the end says how many were. */
static void test_perf_trace__late_beyond_the_window(void **state)
{
	size_t n = MR_PT_WINDOW + 10, i, len = 0, cap = (n + 1) * 96;
	char *text = malloc(cap);
	struct rt t;
	mr_event ev;

	(void)state;
	assert_non_null(text);
	for (i = 1; i <= n; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"%6zu.%03zu ( 0.001 ms): a/10 munmap("
					"addr: 0x%zx000, len: 4096) = 0\n",
					i / 1000, i % 1000, i);
	len += (size_t)snprintf(text + len, cap - len,
				"     0.000 ( 0.001 ms): b/11 munmap(addr: "
				"0x1000000, len: 4096) = 0\n");
	rt_open_bytes(&t, text, len);
	for (i = 0; i <= n; i++)
		rt_next(&t, &ev);
	rt_end(&t);
	assert_int_equal(t.nwarn, 1);
	assert_non_null(strstr(t.warn, "1 calls came more than"));
	rt_close(&t);
	free(text);
}

/* A second half with no first of a call the model applies is skipped
 * (its arguments are not known); a first half never continued is said
 * at the end; times at the edge of int64 do not overflow. */
static void test_perf_trace__orphans_and_edges(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t, "     1.000 ( 0.010 ms): a/10  ... [continued]: mmap())"
		    " = 0x7f0000000000\n"
		    "     1.100 ( 0.010 ms): a/10  ... [continued]: read())"
		    " = 5\n"
		    "     1.200 (         ): b/11 munmap(addr: 0x1000, len: "
		    "4096) ...\n"
		    "9223372036853.000 (9223372036853.000 ms): a/1 brk(brk: "
		    "0x1000) = 0\n");
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "read"); /* not applied: kept */
	assert_int_equal(ev.sys, MR_SYS_OTHER);
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_BRK);
	assert_int_equal(ev.ts_ns, 9223372036853000000ll);
	rt_end(&t);
	assert_int_equal(t.nwarn, 2);
	assert_non_null(strstr(t.warn, ":1:1: warning: mmap continued "
				       "without its first half"));
	assert_non_null(strstr(t.warn, "1 calls of perf trace left "
				       "unfinished"));
	rt_close(&t);
}

static void test_perf_trace__summary_lost_and_broken(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t, "     1.000 ( 0.010 ms): a/10 munmap(addr: 0x1000, len: "
		    "4096) = 0\n"
		    "LOST 3 events!\n"
		    "\n"
		    " Summary of events:\n"
		    "   syscall  calls  errors  total\n");
	rt_next(&t, &ev);
	rt_end(&t);
	assert_int_equal(t.nwarn, 2);
	assert_non_null(strstr(t.warn, "perf lost events"));
	assert_non_null(strstr(t.warn, "summary (-s), skipped"));
	rt_close(&t);
	/* broken lines: file:line:col and what was expected */
	rt_corrupt(&t, "     1.000 ( 0.010 ms): a/10 munmap(addr: 0x1000, "
		       "len: 4096) = 0\n"
		       "     1.100 ( 0.010 ms): a/10 mprotect(start: 0x1000, "
		       "len: 4096, prot: READ|BOGUS) = 0\n");
	assert_non_null(strstr(mr_reader_errmsg(t.rd),
			       ":2:76: expected a value of mprotect's prot"));
	rt_close(&t);
	rt_corrupt(&t, "     1.000 ( 0.010 ms): a/10 munmap(addr: 0x1000, "
		       "len: 4096) = 0\n"
		       "     1.100 ( 0.010 ms a/10 brk() = 0\n");
	assert_non_null(strstr(mr_reader_errmsg(t.rd),
			       ":2:23: expected '): ' after the duration"));
	rt_close(&t);
	rt_corrupt(&t, "     1.000 ( 0.010 ms): a/10 munmap(addr: 0x1000, "
		       "len: 4096) = 0\n"
		       "     1.100 ( 0.010 ms): a/10 brk() = what\n");
	assert_non_null(
		strstr(mr_reader_errmsg(t.rd), ":2:38: expected a result"));
	rt_close(&t);
	rt_corrupt(&t, "     1.000 ( 0.010 ms): a/10 munmap(addr: 0x1000, "
		       "len: 4096) = 0\n"
		       "     1.100 ( 0.010 ms): nothing here\n");
	assert_non_null(
		strstr(mr_reader_errmsg(t.rd), ":2:25: expected COMM/TID"));
	rt_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_trace__mmap_fields),
		cmocka_unit_test(test_perf_trace__calls_and_results),
		cmocka_unit_test(test_perf_trace__halves_children_faults),
		cmocka_unit_test(test_perf_trace__reordered),
		cmocka_unit_test(test_perf_trace__window_slides),
		cmocka_unit_test(test_perf_trace__late_beyond_the_window),
		cmocka_unit_test(test_perf_trace__orphans_and_edges),
		cmocka_unit_test(test_perf_trace__summary_lost_and_broken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
