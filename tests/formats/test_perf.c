/*
 * test_perf.c - `perf script` text as events: every tracepoint the
 * physical model reads, decoded from lines perf 6.1 printed on Linux
 * 6.18, and malformed lines named by file, line and column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/errcode.h"
#include "formats/perf.h"
#include "formats/perfplace.h"

/* Lines as perf script -F comm,tid,pid,cpu,time,event,trace printed
 * them (the comm of the first holds a space). */
static const char sample[] =
	"     my prog 31849/31850 [001]  5458.924070:        "
	"raw_syscalls:sys_exit: NR 59 = 0\n"
	"          strace  2721/2721  [000]  5458.924071:       "
	"raw_syscalls:sys_enter: NR 231 (0, 0, 0, 0, 0, 0)\n"
	"\n"
	"            true 31849/31849 [000]  5458.924020: "
	"exceptions:page_fault_kernel: address=0x55bd18c381e0 ip=elf_load "
	"error_code=0x2\n"
	"            true 31849/31849 [000]  5458.924085: "
	"exceptions:page_fault_user: address=0x7f42a5ee4b70 "
	"ip=0x7f42a5ee4b70 error_code=0x14\n"
	"            true 31849/31849 [000]  5458.924085: "
	"filemap:mm_filemap_map_pages: dev=254:0 ino=5125f ofs=90112-155647\n"
	"            true 31849/31849 [000]  5458.924027:     "
	"filemap:mm_filemap_fault: dev=254:0 ino=e3c94b ofs=32768\n"
	"            true 31849/31849 [000]  5458.924030:                "
	"kmem:rss_stat: mm_id=851851818 curr=1 type=MM_ANONPAGES size=8192B\n"
	"            true 31849/31849 [000]  5458.923988:           "
	"kmem:mm_page_alloc: page=0x11c13b pfn=0x11c13b order=0 "
	"migratetype=0 gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP\n"
	"            true 31849/31849 [000]  5458.924072:            "
	"kmem:mm_page_free: page=0x108d52 pfn=0x108d52 order=9\n"
	"            true 31849/31849 [000]  5458.924001:        "
	"kmem:kmem_cache_alloc: call_site=vm_area_alloc+0x1a "
	"ptr=0xffff888156092600 name=vm_area_struct bytes_req=192 "
	"bytes_alloc=192 gfp_flags=GFP_KERNEL node=-1 accounted=true\n"
	"            true 31849/31849 [000]  5458.924011:         "
	"kmem:kmem_cache_free: call_site=vms_complete_munmap_vmas+0xe1 "
	"ptr=0xffff888156092600 name=vm_area_struct\n"
	"            true 31849/31849 [000]  5458.924012:  "
	"sched:sched_switch: prev_comm=true\n";

static char path[64];

/* Write TEXT to a new temporary file named into BUF. */
static void write_named(char *buf, size_t len, const char *text)
{
	int fd;

	snprintf(buf, len, "/tmp/mr_test_perfXXXXXX");
	fd = mkstemp(buf);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void write_file(const char *text)
{
	write_named(path, sizeof(path), text);
}

static void test_perf_read__every_tracepoint(void **state)
{
	char err[256];
	mr_perf *p;
	mr_perf_event ev;

	(void)state;
	write_file(sample);
	assert_int_equal(mr_perf_open(&p, path, err, sizeof(err)), 0);

	assert_int_equal(mr_perf_next(p, &ev), 1);
	assert_int_equal(ev.kind, MR_PERF_SYS_EXIT);
	assert_string_equal(ev.comm, "my prog");
	assert_int_equal(ev.pid, 31849);
	assert_int_equal(ev.tid, 31850);
	assert_int_equal(ev.cpu, 1);
	assert_int_equal(ev.ts_ns, 5458924070000ull);
	assert_int_equal(ev.nr, 59);
	assert_int_equal(ev.ret, 0);

	/* columns padded to the file's widest pid */
	assert_int_equal(mr_perf_next(p, &ev), 1);
	assert_int_equal(ev.kind, MR_PERF_SYS_ENTER);
	assert_string_equal(ev.comm, "strace");
	assert_int_equal(ev.pid, 2721);
	assert_int_equal(ev.tid, 2721);
	assert_int_equal(ev.nr, 231);

	assert_int_equal(mr_perf_next(p, &ev), 1); /* the blank line skipped */
	assert_int_equal(ev.kind, MR_PERF_FAULT_KERNEL);
	assert_int_equal(ev.addr, 0x55bd18c381e0ull);
	assert_int_equal(ev.code, 2);

	assert_int_equal(mr_perf_next(p, &ev), 1);
	assert_int_equal(ev.kind, MR_PERF_FAULT_USER);
	assert_int_equal(ev.addr, 0x7f42a5ee4b70ull);
	assert_int_equal(ev.code, 0x14);

	assert_int_equal(mr_perf_next(p, &ev), 1);
	assert_int_equal(ev.kind, MR_PERF_FILEMAP_MAP);
	assert_int_equal(ev.dev_major, 254);
	assert_int_equal(ev.dev_minor, 0);
	assert_int_equal(ev.ino, 0x5125f);
	assert_int_equal(ev.ofs, 90112);
	assert_int_equal(ev.ofs_end, 155647);

	assert_int_equal(mr_perf_next(p, &ev), 1);
	assert_int_equal(ev.kind, MR_PERF_FILEMAP_FAULT);
	assert_int_equal(ev.ino, 0xe3c94b);
	assert_int_equal(ev.ofs, 32768);

	assert_int_equal(mr_perf_next(p, &ev), 1);
	assert_int_equal(ev.kind, MR_PERF_RSS_STAT);
	assert_int_equal(ev.mm_id, 851851818u);
	assert_int_equal(ev.curr, 1);
	assert_int_equal(ev.member, MR_RSS_ANON);
	assert_int_equal(ev.size, 8192);

	assert_int_equal(mr_perf_next(p, &ev), 1);
	assert_int_equal(ev.kind, MR_PERF_PAGE_ALLOC);
	assert_int_equal(ev.pfn, 0x11c13b);
	assert_int_equal(ev.order, 0);
	assert_int_equal(ev.migratetype, 0);
	assert_string_equal(ev.gfp, "GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP");

	assert_int_equal(mr_perf_next(p, &ev), 1);
	assert_int_equal(ev.kind, MR_PERF_PAGE_FREE);
	assert_int_equal(ev.pfn, 0x108d52);
	assert_int_equal(ev.order, 9);

	assert_int_equal(mr_perf_next(p, &ev), 1);
	assert_int_equal(ev.kind, MR_PERF_CACHE_ALLOC);
	assert_string_equal(ev.cache, "vm_area_struct");
	assert_int_equal(ev.ptr, 0xffff888156092600ull);
	assert_int_equal(ev.bytes_alloc, 192);

	assert_int_equal(mr_perf_next(p, &ev), 1);
	assert_int_equal(ev.kind, MR_PERF_CACHE_FREE);
	assert_string_equal(ev.cache, "vm_area_struct");

	assert_int_equal(mr_perf_next(p, &ev), 1);
	assert_int_equal(ev.kind, MR_PERF_OTHER);
	assert_string_equal(ev.event, "sched:sched_switch");

	assert_int_equal(mr_perf_next(p, &ev), 0);
	assert_int_equal(mr_perf_lineno(p), 13);
	mr_perf_free(p);
	unlink(path);
}

/* One bad line: mr_perf_next() fails with MR_ECORRUPT and a message
 * holding WANT (file:line:col and what was expected). */
static void expect_bad(const char *line, const char *want)
{
	char err[256];
	mr_perf *p;
	mr_perf_event ev;

	write_file(line);
	assert_int_equal(mr_perf_open(&p, path, err, sizeof(err)), 0);
	if (mr_perf_next(p, &ev) != MR_ECORRUPT)
		fail_msg("accepted: %s", line);
	if (!strstr(mr_perf_errmsg(p), want))
		fail_msg("message '%s' lacks '%s'", mr_perf_errmsg(p), want);
	assert_non_null(strstr(mr_perf_errmsg(p), path));
	mr_perf_free(p);
	unlink(path);
}

static void test_perf_bad__named_by_line_and_column(void **state)
{
	(void)state;
	expect_bad("hello world\n", ":1:1: expected COMM PID/TID [CPU]");
	expect_bad("x 12/ [000] 1.5: a:b: c\n", ":1:6: expected a task id");
	expect_bad("x 12/13 [000] 1: a:b: c\n", "expected a time");
	expect_bad("x 12/13 [000] 1.5: ab c\n", ":1:20: expected an event");
	expect_bad("x 1/2 [000] 1.5: raw_syscalls:sys_exit: NR 9 = x\n",
		   ":1:48: expected a return value");
	expect_bad("x 1/2 [000] 1.5: exceptions:page_fault_user: "
		   "address=zz error_code=0x2\n",
		   "expected address=0x");
	expect_bad("x 1/2 [000] 1.5: kmem:rss_stat: mm_id=1 curr=1 "
		   "type=MM_X size=1B\n",
		   ":1:53: expected type=MM_FILEPAGES");
	expect_bad("x 1/2 [000] 1.5: filemap:mm_filemap_map_pages: "
		   "dev=254:0 ino=1 ofs=5\n",
		   "expected ofs=FIRST-LAST");
	expect_bad("x 1/2 [000] 1.5: kmem:kmem_cache_free: ptr=0x1 name=\n",
		   "expected name=CACHE");
	expect_bad("x 1/2 [000] 1.5: PERF_RECORD_LOST lost 12\n",
		   ":1: perf lost events here");
	/* ... also where the line reads as an event of no known kind */
	expect_bad("x 1/2 [000] 1.5: perf:PERF_RECORD_LOST: lost 12\n",
		   ":1: perf lost events here");
	expect_bad("PERF_RECORD_LOST lost 12\n", ":1: perf lost events here");
}

/* The numbers read as strtoull() reads them: hexadecimal after 0x in
 * either case, an inode in hexadecimal with or without 0x, values that
 * overflow 64 bits saturated, a time's fraction of fewer than 9 digits
 * scaled. */
static void test_perf_read__numbers_as_strtoull(void **state)
{
	static const char *const addr[] = {"0x7f42a5ee4b70",
					   "0X7F42A5EE4B70",
					   "0xffffffffffffffff",
					   "0x1ffffffffffffffff",
					   "0",
					   "0x0",
					   "18446744073709551616"};
	char err[256], line[256];
	mr_perf *p;
	mr_perf_event ev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(addr) / sizeof(addr[0]); i++) {
		snprintf(line, sizeof(line),
			 "x 1/2 [000] 7.25: exceptions:page_fault_user: "
			 "address=%s ip=0x1 error_code=0x14\n",
			 addr[i]);
		write_file(line);
		assert_int_equal(mr_perf_open(&p, path, err, sizeof(err)), 0);
		assert_int_equal(mr_perf_next(p, &ev), 1);
		assert_true(ev.addr == strtoull(addr[i], NULL, 0));
		assert_int_equal(ev.code, 0x14);
		assert_true(ev.ts_ns == 7250000000ull);
		mr_perf_free(p);
		unlink(path);
	}
	write_file("x 1/2 [000] 1.5: filemap:mm_filemap_fault: dev=254:0 "
		   "ino=0x5125F ofs=32768\n");
	assert_int_equal(mr_perf_open(&p, path, err, sizeof(err)), 0);
	assert_int_equal(mr_perf_next(p, &ev), 1);
	assert_true(ev.ino == 0x5125f);
	assert_true(ev.ofs == 32768);
	mr_perf_free(p);
	unlink(path);
}

/* strace reading a tracee's memory (process_vm_readv): the page table
 * get_user_pages_remote() makes in the tracee comes before the counter
 * event that names the tracee; both are placed in one remote-access
 * burst, a fault-like group after the highest trace line so far. */
static void test_place__remote_burst_keeps_its_page_table(void **state)
{
	static const char trace[] =
		"100 1.000000 execve(\"/bin/true\", [\"true\"], 0x7ffd0 /* 1 "
		"var */) = 0 <0.000100>\n"
		"100 1.000200 getpid() = 100 <0.000010>\n"
		"100 1.000300 exit_group(0) = ?\n"
		"100 1.000400 +++ exited with 0 +++\n";
	static const char perf[] =
		"true 100/100 [000] 1.000100: raw_syscalls:sys_exit: NR 59 = "
		"0\n"
		"strace 7/7 [001] 1.000110: raw_syscalls:sys_enter: NR 310 "
		"(64, 0, 1, 0, 1, 0)\n"
		"strace 7/7 [001] 1.000111: kmem:mm_page_alloc: page=0x5 "
		"pfn=0x5 order=0 migratetype=0 "
		"gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP\n"
		"strace 7/7 [001] 1.000112: kmem:rss_stat: mm_id=42 curr=0 "
		"type=MM_FILEPAGES size=65536B\n"
		"strace 7/7 [001] 1.000113: filemap:mm_filemap_map_pages: "
		"dev=254:0 ino=9 ofs=0-65535\n"
		"strace 7/7 [001] 1.000114: raw_syscalls:sys_exit: NR 310 = "
		"4096\n"
		"strace 7/7 [001] 1.000115: kmem:mm_page_alloc: page=0x6 "
		"pfn=0x6 order=0 migratetype=0 "
		"gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP\n"
		"true 100/100 [000] 1.000210: raw_syscalls:sys_exit: NR 39 = "
		"100\n";
	char tpath[64], ppath[64], err[256];
	mr_placed pl;
	size_t i, head = SIZE_MAX, tables = 0;

	(void)state;
	write_named(tpath, sizeof(tpath), trace);
	write_named(ppath, sizeof(ppath), perf);
	memset(&pl, 0, sizeof(pl));
	assert_int_equal(mr_place_perf(&pl, ppath, tpath, err, sizeof(err)), 0);
	for (i = 0; i < pl.n; i++)
		if (pl.v[i].kind == MR_PERF_RSS_STAT && !pl.v[i].curr)
			head = i;
	assert_true(head != SIZE_MAX);
	assert_int_equal(pl.v[head].anchor, MR_PL_FAULT);
	assert_int_equal(pl.v[head].group, pl.v[head].seq);
	for (i = 0; i < pl.n; i++)
		if (pl.v[i].kind == MR_PERF_PAGE_ALLOC &&
		    pl.v[i].gfp == MR_GFP_PGTABLE) {
			tables++;
			/* the one before the head is in its burst; the one
			 * after strace's own sys_exit is not kept */
			assert_int_equal(pl.v[i].pfn, 5);
			assert_int_equal(pl.v[i].group, pl.v[head].seq);
			assert_int_equal(pl.v[i].anchor, MR_PL_FAULT);
		}
	assert_int_equal(tables, 1);
	mr_placed_release(&pl);
	unlink(tpath);
	unlink(ppath);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_read__every_tracepoint),
		cmocka_unit_test(test_perf_read__numbers_as_strtoull),
		cmocka_unit_test(test_perf_bad__named_by_line_and_column),
		cmocka_unit_test(test_place__remote_burst_keeps_its_page_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
