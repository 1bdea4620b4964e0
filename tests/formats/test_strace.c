/*
 * test_strace.c - the strace reader on real strace 6.1 lines (captured on
 * Linux 6.18; see data/README) and on broken ones.
 */
#include "tests/formats/fmt_test.h"

#include <glob.h>
#include <zstd.h>

#include "formats/formats_int.h"

#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"

/* ---- one line, all of its fields ---- */

static void test_strace_mmap__decodes_every_field(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_one(&t,
	       "3232  1795426277.666374 mmap(NULL, 1974096, PROT_READ, "
	       "MAP_PRIVATE|MAP_DENYWRITE, 3<" LIBC ">, 0) = 0x7fd97440a000 "
	       "<0.000054>",
	       &ev);
	assert_int_equal(ev.kind, MR_EV_SYSCALL);
	assert_int_equal(ev.sys, MR_SYS_MMAP);
	assert_int_equal(ev.pid, 3232);
	assert_int_equal(ev.ts_ns, 1795426277666374000ll);
	assert_int_equal(ev.line, 1);
	assert_int_equal(ev.first_line, 1);
	assert_int_equal(ev.flags, 0);
	assert_string_equal(ev.name, "mmap");
	assert_string_equal(ev.args,
			    "NULL, 1974096, PROT_READ, "
			    "MAP_PRIVATE|MAP_DENYWRITE, 3<" LIBC ">, 0");
	assert_int_equal(ev.nargs, 6);
	assert_int_equal(ev.arg[0], 0);
	assert_int_equal(ev.arg[1], 1974096);
	assert_int_equal(ev.arg[2], 0x1);
	assert_int_equal(ev.arg[3], 0x802);
	assert_int_equal(ev.arg[4], 3);
	assert_int_equal(ev.arg[5], 0);
	assert_string_equal(ev.fd_path, LIBC);
	assert_null(ev.str);
	assert_null(ev.ret_path);
	assert_int_equal(ev.ret_kind, MR_RET_VALUE);
	assert_int_equal(ev.ret, 0x7fd97440a000);
	rt_end(&t);
	assert_int_equal(mr_reader_warnings(t.rd), 0);
	assert_int_equal(mr_reader_lines(t.rd), 1);
	rt_close(&t);
}

static void test_strace_mmap__anonymous_fd_is_minus_one(void **state)
{
	static const char *const lines[] = {
		"mmap(NULL, 8192, PROT_READ|PROT_WRITE, "
		"MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7fd9745f7000",
		/* -X raw */
		"12709 mmap(NULL, 8192, 0x3, 0x22, -1, 0) = 0x7f90637bc000",
		/* -e raw=mmap */
		"12730 mmap(0, 0x2000, 0x3, 0x22, 0xffffffff, 0) = "
		"0x7f3faaea6000",
		/* -X verbose */
		"12716 mmap(NULL, 8192, 0x3 /* PROT_READ|PROT_WRITE */, 0x22 "
		"/* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0) = 0x7fc4dd391000",
	};
	struct rt t;
	mr_event ev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		rt_one(&t, lines[i], &ev);
		assert_int_equal(ev.sys, MR_SYS_MMAP);
		assert_int_equal(ev.nargs, 6);
		assert_int_equal(ev.arg[0], 0);
		assert_int_equal(ev.arg[1], 8192);
		assert_int_equal(ev.arg[2], 3);
		assert_int_equal(ev.arg[3], 0x22);
		assert_int_equal(ev.arg[4], UINT64_MAX);
		assert_int_equal(ev.arg[5], 0);
		assert_null(ev.fd_path);
		rt_close(&t);
	}
}

/* ---- results and annotations ---- */

struct res_case {
	const char *line;
	int kind;
	int64_t ret;
	uint32_t flags;
};

static void test_strace_result__every_shape(void **state)
{
	static const struct res_case cases[] = {
		{"brk(NULL)       = 0x55fc5e5f3000 <0.000059>", MR_RET_VALUE,
		 0x55fc5e5f3000, 0},
		{"close(3</etc/ld.so.cache>) = 0 <0.000042>", MR_RET_VALUE, 0,
		 0},
		{"access(\"/etc/ld.so.preload\", R_OK) = -1 ENOENT (No such "
		 "file or directory) <0.000059>",
		 MR_RET_ERROR, -2, 0},
		{"mlock(0x7f406c200000, 4096) = -1 ENOMEM (Cannot allocate "
		 "memory) <0.000071>",
		 MR_RET_ERROR, -12, 0},
		{"foo(1) = -1 (errno 123)", MR_RET_ERROR, -123, 0},
		{"getpid() = -1 EHWPOISON (Memory page has hardware error)",
		 MR_RET_ERROR, -133, 0},
		{"exit_group(0)                     = ?", MR_RET_UNKNOWN, 0, 0},
		{"read(3, 0x7ffd5f1c, 832) = ? <unavailable>", MR_RET_UNKNOWN,
		 0, 0},
		{"wait4(-1, NULL, 0, NULL) = ? ERESTARTSYS (To be restarted "
		 "if SA_RESTART is set) <0.000020>",
		 MR_RET_RESTART, -512, 0},
		{"fork() = ? ERESTARTNOINTR (To be restarted)", MR_RET_RESTART,
		 -513, 0},
		{"pause() = ? ERESTARTNOHAND (To be restarted if no handler)",
		 MR_RET_RESTART, -514, 0},
		{"clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, "
		 "tv_nsec=100000000}, NULL) = ? ERESTART_RESTARTBLOCK "
		 "(Interrupted by signal) <0.000556>",
		 MR_RET_RESTART, -516, 0},
		{"1795427149.140605 execve(\"./small\", [\"./small\"], "
		 "0x5561270c9a98 /* 37 vars */) = 0 (DELAYED)",
		 MR_RET_VALUE, 0, MR_EVF_DELAYED},
		{"1795427149.139834 mprotect(0x7f8a0dd71000, 16384, PROT_READ) "
		 "= 42 (INJECTED)",
		 MR_RET_VALUE, 42, MR_EVF_INJECTED},
		{"1795427149.392771 madvise(0x7fad491a8000, 4096, 0x66 /* "
		 "MADV_??? */) = -1 ENOMEM (Cannot allocate memory) "
		 "(INJECTED)",
		 MR_RET_ERROR, -12, MR_EVF_INJECTED},
		{"exit_group(0) = ? (DELAYED) (INJECTED) <0.250000>",
		 MR_RET_UNKNOWN, 0, MR_EVF_DELAYED | MR_EVF_INJECTED},
		{"12803 clone(0x1200011, 0, 0, 0x7f1e201f6a10, 0) = 0x3204",
		 MR_RET_VALUE, 12804, 0},
		{"fcntl(3, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)",
		 MR_RET_VALUE, 0x8002, 0},
		{"lseek(3, 0, SEEK_END) = -1", MR_RET_VALUE, -1, 0},
	};
	struct rt t;
	mr_event ev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rt_one(&t, cases[i].line, &ev);
		if (ev.ret_kind != cases[i].kind || ev.ret != cases[i].ret ||
		    ev.flags != cases[i].flags)
			fail_msg("'%s': kind %d ret %lld flags %x",
				 cases[i].line, ev.ret_kind, (long long)ev.ret,
				 ev.flags);
		rt_end(&t);
		rt_close(&t);
	}
}

static void test_strace_result__fd_path_returned(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_one(&t,
	       "3232  1795426277.665809 openat(AT_FDCWD</tmp/cap>, "
	       "\"/lib/x86_64-linux-gnu/libc.so.6\", O_RDONLY|O_CLOEXEC) = "
	       "3<" LIBC "> <0.000049>",
	       &ev);
	assert_int_equal(ev.sys, MR_SYS_OPENAT);
	assert_int_equal(ev.ret, 3);
	assert_string_equal(ev.ret_path, LIBC);
	assert_string_equal(ev.str, "/lib/x86_64-linux-gnu/libc.so.6");
	assert_string_equal(ev.fd_path, "/tmp/cap");
	assert_int_equal(ev.nargs, 2);
	assert_int_equal(ev.arg[0], (uint64_t)-100);
	assert_int_equal(ev.arg[1], 02000000);
	rt_close(&t);
}

static void test_strace_result__unknown_errno_is_corrupt(void **state)
{
	struct rt t;

	(void)state;
	rt_corrupt(&t, "foo(1) = -1 EWHATEVER (Made up)\n");
	assert_non_null(strstr(mr_reader_errmsg(t.rd), ":1:13: expected an "
						       "errno name"));
	rt_close(&t);
}

/*
 * Arguments and -y paths that contain ") = ": the real result is the last
 * one outside strings and decorations.
 */
static void test_strace_result__paren_equals_inside_arguments(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t, "12186 1795426974.538665 openat(AT_FDCWD</tmp/cap>, "
		    "\"/tmp/cap/we) = ird>\\\"name\", O_RDWR|O_CREAT, 0644) = "
		    "3</tmp/cap/we) = ird\\76\\\"name> <0.000456>\n"
		    "12186 1795426974.539248 write(3</tmp/cap/we) = "
		    "ird\\76\\\"name>, \"x) = 5\", 6) = 6 <0.000247>\n"
		    "12186 1795426974.539930 dup(3</tmp/cap/we) = "
		    "ird\\76\\\"name>(deleted)) = 4</tmp/cap/we) = "
		    "ird\\76\\\"name>(deleted) <0.000047>\n"
		    "write(1, \"a) = 1 \\\") = 2\", 14) = 14\n");
	rt_next(&t, &ev);
	assert_string_equal(ev.str, "/tmp/cap/we) = ird>\"name");
	assert_string_equal(ev.ret_path, "/tmp/cap/we) = ird>\"name");
	assert_int_equal(ev.ret, 3);
	assert_int_equal(ev.arg[1], 0102);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "write");
	assert_string_equal(ev.args,
			    "3</tmp/cap/we) = ird\\76\\\"name>, \"x) = 5\", 6");
	assert_int_equal(ev.ret, 6);
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_DUP);
	assert_int_equal(ev.arg[0], 3);
	assert_int_equal(ev.ret, 4);
	assert_string_equal(ev.fd_path, "/tmp/cap/we) = ird>\"name (deleted)");
	assert_string_equal(ev.ret_path, "/tmp/cap/we) = ird>\"name (deleted)");
	rt_next(&t, &ev);
	assert_string_equal(ev.args, "1, \"a) = 1 \\\") = 2\", 14");
	assert_int_equal(ev.ret, 14);
	rt_end(&t);
	rt_close(&t);
}

/* ---- the leader: pids and times ---- */

struct ts_case {
	const char *line;
	int32_t pid;
	int64_t ts;
};

static void test_strace_leader__timestamps_and_pids(void **state)
{
	static const struct ts_case cases[] = {
		{"brk(NULL) = 0x1000", 0, -1},
		{"12667 09:44:20 brk(NULL) = 0x1000", 12667,
		 (9 * 3600 + 44 * 60 + 20) * 1000000000ll},
		{"09:09:17.311395 brk(NULL) = 0x1000", 0,
		 (9 * 3600 + 9 * 60 + 17) * 1000000000ll + 311395000},
		{"3232  1795424957.373877 brk(NULL) = 0x1000", 3232,
		 1795424957373877000ll},
		{"1795424957.496794290 brk(NULL) = 0x1000", 0,
		 1795424957496794290ll},
		{"1795424957.4 brk(NULL) = 0x1000", 0, 1795424957400000000ll},
		{"1795424957.12 brk(NULL) = 0x1000", 0, 1795424957120000000ll},
		{"1795424957.1234567891 brk(NULL) = 0x1000", 0,
		 1795424957123456789ll},
		{"1795424957 brk(NULL) = 0x1000", 0, 1795424957000000000ll},
		{"     0.000157 brk(NULL) = 0x1000", 0, 157000},
		{"12681      0.000126 brk(NULL) = 0x1000", 12681, 126000},
		{"12744 1795427061.031584 (+     0.000039) brk(NULL) = 0x1000",
		 12744, 1795427061031584000ll},
		{"12751 09:44:21.058552 (+     0.000160) brk(NULL) = 0x1000",
		 12751, (9 * 3600 + 44 * 60 + 21) * 1000000000ll + 58552000},
		{"[pid  4004] brk(NULL) = 0x1000", 4004, -1},
		{"[pid 12831] 1795424957.5 brk(NULL) = 0x1000", 12831,
		 1795424957500000000ll},
		{"12702<true> brk(NULL) = 0x1000", 12702, -1},
		{"12688 [  12] brk(NULL) = 0x1000", 12688, -1},
		{"12695 [00007f499ba64ca3] brk(NULL) = 0x1000", 12695, -1},
		{"19041<small>      0.000200 [   9] [00007f7a81e45ca3] "
		 "brk(NULL) = 0x1000",
		 19041, 200000},
	};
	struct rt t;
	mr_event ev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rt_one(&t, cases[i].line, &ev);
		if (ev.pid != cases[i].pid || ev.ts_ns != cases[i].ts ||
		    ev.sys != MR_SYS_BRK || ev.arg[0] != 0)
			fail_msg("'%s': pid %d ts %lld", cases[i].line, ev.pid,
				 (long long)ev.ts_ns);
		rt_close(&t);
	}
}

static void test_strace_leader__signal_and_exit_lines_without_pid(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t, "1795427064.253700 --- SIGCHLD {si_signo=SIGCHLD, "
		    "si_code=CLD_EXITED, si_pid=12824, si_uid=0, si_status=0, "
		    "si_utime=0, si_stime=0} ---\n"
		    "1795427064.254112 +++ exited with 0 +++\n");
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_SIGNAL);
	assert_int_equal(ev.pid, 0);
	assert_int_equal(ev.signo, 17);
	assert_int_equal(ev.si_code, 1);
	assert_int_equal(ev.ts_ns, 1795427064253700000ll);
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_EXIT);
	assert_int_equal(ev.exit_code, 0);
	rt_end(&t);
	rt_close(&t);
}

/* ---- unfinished and resumed ---- */

static void test_strace_merge__pairs_halves_by_pid(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t,
		"12186 1795426974.356566 rt_sigprocmask(SIG_BLOCK, ~[],  "
		"<unfinished ...>\n"
		"12186 1795426974.356628 clone3({flags=CLONE_VM|CLONE_FS|"
		"CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|"
		"CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, "
		"child_tid=0x7f406daa8990, parent_tid=0x7f406daa8990, "
		"exit_signal=0, stack=0x7f406d2a8000, stack_size=0x7fff80, "
		"tls=0x7f406daa86c0} <unfinished ...>\n"
		"12187 1795426974.356682 mmap(NULL, 8192, "
		"PROT_READ|PROT_WRITE, "
		"MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>\n"
		"12186 1795426974.356738 <... clone3 resumed> => "
		"{parent_tid=[12188]}, 88) = 12188 <0.000097>\n"
		"12187 1795426974.356744 <... mmap resumed>) = 0x7f0a1d1dc000 "
		"<0.000062>\n"
		"12186 1795426974.356804 rt_sigprocmask(SIG_SETMASK, [],  "
		"<unfinished ...>\n"
		"12186 1795426974.356855 <... rt_sigprocmask resumed>NULL, 8) "
		"= 0 <0.000040>\n"
		"12188 munmap(0x7f0a1d1dc000, 8192 <unfinished ...>\n"
		"12188 <... munmap resumed> )      = 0\n");
	/* the start of line 1 is never resumed: dropped at the end */
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_CLONE3);
	assert_int_equal(ev.pid, 12186);
	assert_int_equal(ev.flags, MR_EVF_MERGED);
	assert_int_equal(ev.line, 4);
	assert_int_equal(ev.first_line, 2);
	assert_int_equal(ev.ts_ns, 1795426974356628000ll);
	assert_int_equal(ev.ret, 12188);
	assert_int_equal(ev.arg[0], 0x3d0f00);
	assert_true(strstr(ev.args, "tls=0x7f406daa86c0} => "
				    "{parent_tid=[12188]}, 88") != NULL);
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_MMAP);
	assert_int_equal(ev.pid, 12187);
	assert_int_equal(ev.line, 5);
	assert_int_equal(ev.first_line, 3);
	assert_string_equal(ev.args, "NULL, 8192, PROT_READ|PROT_WRITE, "
				     "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0");
	assert_int_equal(ev.arg[1], 8192);
	assert_int_equal(ev.arg[4], UINT64_MAX);
	assert_int_equal(ev.ret, 0x7f0a1d1dc000);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "rt_sigprocmask");
	assert_string_equal(ev.args, "SIG_SETMASK, [], NULL, 8");
	assert_int_equal(ev.first_line, 6);
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_MUNMAP);
	assert_string_equal(ev.args, "0x7f0a1d1dc000, 8192");
	assert_int_equal(ev.arg[1], 8192);
	assert_int_equal(ev.ret, 0);
	rt_end(&t);
	/* one of pid 12186's calls was replaced by the next, unresumed */
	assert_int_equal(t.nwarn, 1);
	assert_non_null(strstr(t.warn, ":1:1: warning: unfinished "
				       "rt_sigprocmask call superseded"));
	rt_close(&t);
}

static void test_strace_merge__resumed_without_start_is_skipped(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t, "12186 <... wait4 resumed>NULL, 0, NULL) = 12192\n"
		    "12186 brk(NULL) = 0x1000\n");
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_BRK);
	assert_int_equal(ev.line, 2);
	rt_end(&t);
	assert_int_equal(mr_reader_warnings(t.rd), 1);
	assert_non_null(strstr(t.warn, ":1:7: warning: resumed wait4 "
				       "without an unfinished start"));
	rt_close(&t);
}

static void test_strace_merge__leftovers_reported_in_line_order(void **state)
{
	struct rt t;
	const char *a, *b, *c;

	(void)state;
	rt_open(&t,
		"300 read(0,  <unfinished ...>\n"
		"100 futex(0x1, FUTEX_WAIT, 0, NULL <unfinished ...>\n"
		"200 poll([{fd=3, events=POLLIN}], 1, -1 <unfinished ...>\n");
	rt_end(&t);
	assert_int_equal(t.nwarn, 3);
	a = strstr(t.warn, ":1:1: warning: read call never resumed");
	b = strstr(t.warn, ":2:1: warning: futex call never resumed");
	c = strstr(t.warn, ":3:1: warning: poll call never resumed");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(a < b && b < c);
	rt_end(&t);
	assert_int_equal(t.nwarn, 3);
	rt_close(&t);
}

/* A thread's execve: the leader resumes what the thread started. */
static void test_strace_merge__thread_execve_superseded(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t, "12192 1795426974.547929 pause( <unfinished ...>\n"
		    "12193 1795426974.677270 execve(\"/bin/true\", [\"true\"], "
		    "0x7ffc80416d68 /* 37 vars */ <unfinished ...>\n"
		    "12192 1795426974.677475 <... pause resumed>) = ?\n"
		    "12192 1795426974.679214 +++ superseded by execve in pid "
		    "12193 +++\n"
		    "12192 1795426974.679363 <... execve resumed>) = 0 "
		    "<0.002047>\n");
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "pause");
	assert_int_equal(ev.ret_kind, MR_RET_UNKNOWN);
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_SUPERSEDED);
	assert_int_equal(ev.pid, 12192);
	assert_int_equal(ev.exit_code, 12193);
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_EXECVE);
	assert_int_equal(ev.pid, 12192);
	assert_int_equal(ev.first_line, 2);
	assert_int_equal(ev.line, 5);
	assert_string_equal(ev.str, "/bin/true");
	assert_int_equal(ev.ret, 0);
	rt_end(&t);
	assert_int_equal(t.nwarn, 0);
	rt_close(&t);
}

/* "<pid changed to N ...>" (and no superseded line, as with -qqq). */
static void test_strace_merge__pid_changed_suffix(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t, "4301 execve(\"/bin/true\", [\"true\"], 0x7ffc80416d68 "
		    "/* 37 vars */ <pid changed to 4300 ...>\n"
		    "4300 <... execve resumed>) = 0\n");
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_EXECVE);
	assert_int_equal(ev.pid, 4300);
	assert_int_equal(ev.flags, MR_EVF_MERGED);
	assert_string_equal(ev.str, "/bin/true");
	rt_end(&t);
	assert_int_equal(t.nwarn, 0);
	rt_close(&t);
}

/* An exit left unfinished when its process ends still happened. */
static void test_strace_merge__exit_cut_by_process_end(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t, "12189 1795426974.448777 exit(0 <unfinished ...>\n"
		    "12190 1795426974.448800 futex(0x1, FUTEX_WAIT, 0, NULL "
		    "<unfinished ...>\n"
		    "12189 1795426974.448942 +++ exited with 0 +++\n"
		    "12190 1795426974.448950 +++ killed by SIGKILL +++\n");
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_SYSCALL);
	assert_int_equal(ev.sys, MR_SYS_EXIT);
	assert_int_equal(ev.pid, 12189);
	assert_int_equal(ev.ret_kind, MR_RET_UNKNOWN);
	assert_int_equal(ev.first_line, 1);
	assert_int_equal(ev.line, 3);
	assert_int_equal(ev.nargs, 1);
	assert_int_equal(ev.arg[0], 0);
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_EXIT);
	assert_int_equal(ev.pid, 12189);
	assert_string_equal(ev.args, "exited with 0");
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_KILLED);
	assert_int_equal(ev.signo, 9);
	rt_end(&t);
	assert_int_equal(t.nwarn, 1);
	assert_non_null(strstr(t.warn, ":2:1: warning: unfinished futex call "
				       "cut by the end of its process"));
	rt_close(&t);
}

/* The proposed numbered form: "<unfinished ... #N>", "resumed #N>". */
static void test_strace_merge__numbered_halves(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t, "4300 munmap(0x7f0a1d1dc000, 8192 <unfinished ... #7>\n"
		    "4300 <... munmap resumed #7>) = 0\n");
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_MUNMAP);
	assert_int_equal(ev.flags, MR_EVF_MERGED);
	assert_int_equal(ev.arg[1], 8192);
	rt_end(&t);
	assert_int_equal(t.nwarn, 0);
	rt_close(&t);
}

/* strace -f to stderr: "[pid N]" only while several tracees live. */
static void test_strace_merge__prefix_comes_and_goes(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t, "[pid 12831] wait4(-1,  <unfinished ...>\n"
		    "[pid 12832] +++ exited with 0 +++\n"
		    "<... wait4 resumed>NULL, 0, NULL)       = 12832\n");
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_EXIT);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "wait4");
	assert_int_equal(ev.pid, 12831);
	assert_string_equal(ev.args, "-1, NULL, 0, NULL");
	assert_int_equal(ev.ret, 12832);
	rt_end(&t);
	assert_int_equal(t.nwarn, 0);
	rt_close(&t);
}

/* ---- -f to stderr, -ff files, colour ---- */

#define T0 "1796649361.000"

static void
test_strace_stderr__unprefixed_lines_are_the_live_tracees(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t,
		T0 "001 execve(\"/bin/x\", [\"x\"], 0x7ffd /* 1 var */) = 0 "
		   "<0.000100>\n" T0 "002 brk(NULL) = 0x1000 <0.000001>\n" T0
		   "003 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|"
		   "CLONE_CHILD_SETTID|SIGCHLDstrace: Process 101 attached\n"
		   ", child_tidptr=0x7f0) = 101 <0.000010>\n"
		   "[pid   101] " T0 "004 getpid() = 101 <0.000001>\n"
		   "[pid   100] " T0 "005 wait4(-1,  <unfinished ...>\n"
		   "[pid   101] " T0 "006 exit_group(0) = ?\n"
		   "[pid   101] " T0 "007 +++ exited with 0 +++\n" T0
		   "008 <... wait4 resumed>NULL, 0, NULL) = 101 <0.000003>\n" T0
		   "009 exit_group(0) = ?\n" T0 "010 +++ exited with 0 +++\n");
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "execve");
	assert_int_equal(ev.pid, 100); /* read ahead: the first "[pid N]"
					  that is not a child */
	assert_int_equal(ev.dur_ns, 100000);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "brk");
	assert_int_equal(ev.pid, 100);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "clone");
	assert_int_equal(ev.pid, 100);
	assert_int_equal(ev.line, 3);
	assert_string_equal(ev.args,
			    "child_stack=NULL, flags=CLONE_CHILD_CLEARTID|"
			    "CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0");
	assert_int_equal(ev.ret, 101);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "getpid");
	assert_int_equal(ev.pid, 101);
	assert_int_equal(ev.line, 5);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "exit_group");
	assert_int_equal(ev.pid, 101);
	assert_int_equal(ev.dur_ns, -1);
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_EXIT);
	assert_int_equal(ev.pid, 101);
	rt_next(&t, &ev); /* unprefixed again: 100 is the only one left */
	assert_string_equal(ev.name, "wait4");
	assert_int_equal(ev.pid, 100);
	assert_string_equal(ev.args, "-1, NULL, 0, NULL");
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "exit_group");
	assert_int_equal(ev.pid, 100);
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_EXIT);
	assert_int_equal(ev.pid, 100);
	rt_end(&t);
	assert_int_equal(t.nwarn, 0);
	rt_close(&t);
}

/* -q: no notices; the vfork child speaks before its parent's call
 * returns, and is not taken for the first tracee. */
static void test_strace_stderr__quiet_vfork_child_speaks_first(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t,
		T0 "001 brk(NULL) = 0x1000\n" T0 "002 vfork( <unfinished ...>\n"
		   "[pid   201] " T0 "003 getpid() = 201\n"
		   "[pid   201] " T0 "004 exit_group(0) = ?\n"
		   "[pid   200] " T0 "005 <... vfork resumed>) = 201\n"
		   "[pid   201] " T0 "006 +++ exited with 0 +++\n" T0
		   "007 getpid() = 200\n");
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "brk");
	assert_int_equal(ev.pid, 200);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "getpid");
	assert_int_equal(ev.pid, 201);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "exit_group");
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "vfork");
	assert_int_equal(ev.pid, 200);
	assert_int_equal(ev.ret, 201);
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_EXIT);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "getpid");
	assert_int_equal(ev.pid, 200);
	rt_end(&t);
	rt_close(&t);
}

/* -q: a child left alone after its parent exits speaks without a prefix;
 * it is known from its fork's result. */
static void test_strace_stderr__quiet_child_outlives_parent(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t,
		T0 "001 brk(NULL) = 0x1000\n" T0 "002 fork() = 201\n"
		   "[pid   200] " T0 "003 exit_group(0) = ?\n"
		   "[pid   200] " T0 "004 +++ exited with 0 +++\n" T0
		   "005 brk(NULL) = 0x2000\n" T0 "006 exit_group(0) = ?\n" T0
		   "007 +++ exited with 0 +++\n");
	rt_next(&t, &ev);
	assert_int_equal(ev.pid, 200);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "fork");
	assert_int_equal(ev.pid, 200);
	rt_next(&t, &ev);
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_EXIT);
	assert_int_equal(ev.pid, 200);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "brk");
	assert_int_equal(ev.pid, 201);
	rt_next(&t, &ev);
	assert_int_equal(ev.pid, 201);
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_EXIT);
	assert_int_equal(ev.pid, 201);
	rt_end(&t);
	rt_close(&t);
}

static void test_strace_stderr__tracee_output_is_cut_out(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t,
		"[pid   100] " T0
		"001 write(2</dev/pts/0>, \"two\\nlines\\n\", "
		"10 <unfinished ...>\n"
		"[pid   101] " T0 "002 brk(NULLtwo\n"
		"lines\n"
		") = 0x1000 <0.000001>\n"
		"[pid   100] " T0 "003 <... write resumed>) = 10 <0.000002>\n"
		"[pid   101] " T0 "004 write(1, \"child 1\\n\", 8child 1\n"
		" <unfinished ...>\n"
		"[pid   100] " T0 "005 write(1, \"solo\\n\", 5) = 5\n"
		"solo\n"
		"[pid   101] " T0 "006 <... write resumed>) = 8\n"
		"[pid   100] " T0 "007 getpid() = 100 <0.000001>\n");
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "brk");
	assert_int_equal(ev.pid, 101);
	assert_string_equal(ev.args, "NULL");
	assert_int_equal(ev.ret, 0x1000);
	assert_int_equal(ev.line, 2);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "write");
	assert_int_equal(ev.pid, 100);
	assert_int_equal(ev.ret, 10);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "write");
	assert_int_equal(ev.pid, 100);
	assert_int_equal(ev.ret, 5);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "write");
	assert_int_equal(ev.pid, 101);
	assert_string_equal(ev.args, "1, \"child 1\\n\", 8");
	assert_int_equal(ev.ret, 8);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "getpid");
	assert_int_equal(ev.line, 11);
	rt_end(&t);
	/* the lines that were all output are skipped and said (one inside
	 * a cut line, one between lines); the others were joined */
	assert_int_equal(t.nwarn, 2);
	assert_non_null(strstr(t.warn, ":3:1: warning: a tracee's output"));
	assert_non_null(strstr(t.warn, ":9:1: warning: a tracee's output"));
	rt_close(&t);

	/* output without a newline does not cut a line (it crashed once:
	 * found by fuzz_smoke) */
	rt_corrupt(&t, "[pid   101] " T0 "001 write(1, \"abc\", 3) = 3\n"
		       "[pid   101] " T0 "002 brk(NULLabc\n"
		       ") = 0x1000 <0.000001>\n");
	assert_non_null(strstr(mr_reader_errmsg(t.rd), ":2:"));
	rt_close(&t);

	/* a notice cut off a line that still does not parse, before a long
	 * line: the long line moved the buffer (a use after free once) */
	{
		size_t n = 600000;
		char *big = malloc(n + 200);
		size_t head;

		strcpy(big, "xyz strace: Process 5 attached\n[pid 5] getpid(");
		head = strlen(big);
		memset(big + head, '1', n);
		strcpy(big + head + n, ") = 5\n");
		rt_corrupt(&t, big);
		assert_non_null(strstr(mr_reader_errmsg(t.rd), ":1:1:"));
		rt_close(&t);
		free(big);
	}

	/* with --lenient, a line that is not the rest of the one before is
	 * read on its own: nothing is lost */
	rt_open(&t, T0 "001 write(1, \"ok\\n\", 3) = 3\n"
		       "bad line ok\n" T0 "003 brk(NULL) = 0x5555\n");
	mr_reader_set_lenient(t.rd, 1);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "write");
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "brk");
	assert_int_equal(ev.line, 3);
	rt_end(&t);
	assert_int_equal(mr_reader_malformed(t.rd), 1);
	rt_close(&t);

	/* text that no write() shows is not cut: the line is an error */
	rt_corrupt(&t, "[pid   101] " T0 "002 brk(NULLtwo\n"
		       ") = 0x1000 <0.000001>\n");
	assert_non_null(strstr(mr_reader_errmsg(t.rd), ":1:"));
	rt_close(&t);
}

static void test_strace_stderr__ansi_colour_is_removed(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_one(&t,
	       "\033[1;32m4300\033[0m  " T0
	       "100 \033[33mmmap\033[0m(NULL, 8192, PROT_READ, "
	       "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = \033[36m0x7f00\033[m",
	       &ev);
	assert_int_equal(ev.pid, 4300);
	assert_int_equal(ev.sys, MR_SYS_MMAP);
	assert_int_equal(ev.ret, 0x7f00);
	assert_int_equal(ev.arg[1], 8192);
	rt_close(&t);
}

/* DIR/NAME with TEXT. */
static void ff_file(const char *dir, const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void ff_rm(const char *dir, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

/* The merged order of the two files below, whatever way they are named. */
static void ff_expect(mr_reader *rd)
{
	static const struct {
		const char *name;
		int32_t pid;
		uint64_t line;
	} want[] = {
		{"brk", 100, 1}, {"getpid", 101, 1}, {"exit_group", 101, 2},
		{"", 101, 3},	 {"wait4", 100, 2},  {"exit_group", 100, 3},
		{"", 100, 4},
	};
	mr_event ev;

	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		int rc = mr_reader_next(rd, &ev);

		if (rc != 1)
			fail_msg("event %zu: %d %s", i, rc,
				 mr_reader_errmsg(rd));
		assert_string_equal(ev.name, want[i].name);
		assert_int_equal(ev.pid, want[i].pid);
		assert_int_equal(ev.line, want[i].line);
	}
	assert_int_equal(mr_reader_next(rd, &ev), 0);
	assert_int_equal(mr_reader_lines(rd), 7);
}

static void test_strace_ff__files_merged_by_end_time(void **state)
{
	char dir[] = "/tmp/mr_ff_test_XXXXXX", p[256], p2[256], err[512];
	const char *files[2];
	mr_reader *rd;
	mr_event ev;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* wait4 starts first and ends last: it is placed by its end */
	ff_file(dir, "ff.100",
		T0 "100 brk(NULL) = 0x1000 <0.000001>\n" T0
		   "200 wait4(-1, NULL, 0, NULL) = 101 <0.000500>\n" T0
		   "800 exit_group(0) = ?\n" T0 "900 +++ exited with 0 +++\n");
	ff_file(dir, "ff.101",
		T0 "300 getpid() = 101 <0.000001>\n" T0
		   "400 exit_group(0) = ?\n" T0 "500 +++ exited with 0 +++\n");

	/* the directory */
	assert_int_equal(mr_reader_open(&rd, dir, err, sizeof(err)), 0);
	ff_expect(rd);
	mr_reader_free(rd);
	/* NAME */
	snprintf(p, sizeof(p), "%s/ff", dir);
	assert_int_equal(mr_reader_open(&rd, p, err, sizeof(err)), 0);
	ff_expect(rd);
	snprintf(p2, sizeof(p2), "%s/ff.*", dir);
	assert_string_equal(mr_reader_path(rd), p2);
	mr_reader_free(rd);
	/* the files */
	snprintf(p, sizeof(p), "%s/ff.101", dir);
	snprintf(p2, sizeof(p2), "%s/ff.100", dir);
	files[0] = p;
	files[1] = p2;
	assert_int_equal(mr_reader_open_files(&rd, files, 2, err, sizeof(err)),
			 0);
	ff_expect(rd);
	mr_reader_free(rd);

	/* a file that is not NAME.TID */
	files[1] = "/tmp/trace.strace";
	assert_int_equal(mr_reader_open_files(&rd, files, 2, err, sizeof(err)),
			 MR_EIO);
	assert_non_null(strstr(err, "/tmp/trace.strace: not a strace -ff "
				    "file"));

	/* one tid in two directories, whatever their first times */
	{
		char d2[] = "/tmp/mr_ff_test_XXXXXX", q1[256], q2[256];

		assert_non_null(mkdtemp(d2));
		ff_file(d2, "ff.100", T0 "999 getpid() = 100\n");
		snprintf(q1, sizeof(q1), "%s/ff.100", dir);
		snprintf(q2, sizeof(q2), "%s/ff.100", d2);
		files[0] = q1;
		files[1] = q2;
		assert_int_equal(
			mr_reader_open_files(&rd, files, 2, err, sizeof(err)),
			MR_EIO);
		assert_non_null(strstr(err, "two files of the same tid"));
		ff_rm(d2, "ff.100");
		rmdir(d2);
	}

	/* a second NAME in the directory */
	ff_file(dir, "other.7", T0 "100 getpid() = 7\n");
	assert_int_equal(mr_reader_open(&rd, dir, err, sizeof(err)), MR_EIO);
	assert_non_null(strstr(err, "more than one name"));
	ff_rm(dir, "other.7");

	/* without times: refused, named */
	ff_file(dir, "ff.101", "getpid() = 101\n");
	assert_int_equal(mr_reader_open(&rd, dir, err, sizeof(err)),
			 MR_ECORRUPT);
	assert_non_null(strstr(err, "ff.101:1:1: expected a time"));
	/* -r times are relative: refused */
	ff_file(dir, "ff.101", "     0.000012 getpid() = 101\n");
	assert_int_equal(mr_reader_open(&rd, dir, err, sizeof(err)),
			 MR_ECORRUPT);
	assert_non_null(strstr(err, "-r times are relative"));
	/* a later line without a time */
	ff_file(dir, "ff.101", T0 "300 getpid() = 101\ngetpid() = 101\n");
	assert_int_equal(mr_reader_open(&rd, dir, err, sizeof(err)), 0);
	while (mr_reader_next(rd, &ev) == 1)
		;
	assert_non_null(strstr(mr_reader_errmsg(rd), "ff.101:2:1: expected "
						     "a time"));
	mr_reader_free(rd);

	ff_rm(dir, "ff.100");
	ff_rm(dir, "ff.101");
	assert_int_equal(mr_reader_open(&rd, dir, err, sizeof(err)), MR_EIO);
	assert_non_null(strstr(err, "without strace -ff files"));
	rmdir(dir);
}

/* ---- signals and exits ---- */

struct sig_case {
	const char *line;
	int signo;
	int code;
	uint64_t addr;
	uint32_t flags;
};

static void test_strace_signal__every_shape(void **state)
{
	static const struct sig_case cases[] = {
		{"12186 --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, "
		 "si_addr=0x1234} ---",
		 11, 1, 0x1234, 0},
		{"--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_ACCERR, "
		 "si_addr=0x7f0a1d1dc000} ---",
		 11, 2, 0x7f0a1d1dc000, 0},
		{"--- SIGBUS {si_signo=SIGBUS, si_code=BUS_ADRERR, "
		 "si_addr=0x7f3c2a6e1000} ---",
		 7, 2, 0x7f3c2a6e1000, 0},
		{"--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=4004, "
		 "si_uid=0} ---",
		 15, 0, 0, 0},
		{"12186 1795426974.542743 --- SIGBUS {si_signo=SIGBUS, "
		 "si_code=SI_TKILL, si_pid=12186, si_uid=0} ---",
		 7, -6, 0, 0},
		{"19036 10:42:41.613866 --- SIGCHLD {si_signo=17, si_code=0x1, "
		 "si_pid=19037, si_uid=0, si_status=0, si_utime=0, "
		 "si_stime=0} ---",
		 17, 1, 0, 0},
		{"--- SIGCHLD {si_signo=17 /* SIGCHLD */, si_code=0x1 /* "
		 "CLD_EXITED */, si_pid=12784, si_uid=0, si_status=0, "
		 "si_utime=0, si_stime=0} ---",
		 17, 1, 0, 0},
		{"--- SIGRT_1 {si_signo=SIGRT_1, si_code=SI_TKILL, si_pid=1, "
		 "si_uid=0} ---",
		 33, -6, 0, 0},
		{"--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, "
		 "si_addr=NULL} ---",
		 11, 1, 0, 0},
		{"12194 1795426974.688643 --- stopped by SIGSTOP ---", 19, 0, 0,
		 MR_EVF_STOPPED},
	};
	struct rt t;
	mr_event ev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rt_one(&t, cases[i].line, &ev);
		if (ev.kind != MR_EV_SIGNAL || ev.signo != cases[i].signo ||
		    ev.si_code != cases[i].code ||
		    ev.si_addr != cases[i].addr || ev.flags != cases[i].flags)
			fail_msg("'%s': signo %d code %d addr %llx",
				 cases[i].line, ev.signo, ev.si_code,
				 (unsigned long long)ev.si_addr);
		rt_close(&t);
	}
	rt_one(&t, cases[0].line, &ev);
	assert_string_equal(ev.name, "SIGSEGV");
	assert_string_equal(ev.args, "{si_signo=SIGSEGV, si_code=SEGV_MAPERR, "
				     "si_addr=0x1234}");
	rt_close(&t);
}

static void test_strace_exit__every_shape(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t, "12191 1795426974.546334 +++ exited with 3 +++\n"
		    "12195 +++ killed by SIGKILL +++\n"
		    "12190 +++ killed by SIGSEGV (core dumped) +++\n"
		    "9880 +++ superseded by execve in pid 9883 +++\n");
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_EXIT);
	assert_int_equal(ev.pid, 12191);
	assert_int_equal(ev.exit_code, 3);
	assert_string_equal(ev.name, "");
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_KILLED);
	assert_int_equal(ev.signo, 9);
	assert_int_equal(ev.core_dumped, 0);
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_KILLED);
	assert_int_equal(ev.signo, 11);
	assert_int_equal(ev.core_dumped, 1);
	rt_next(&t, &ev);
	assert_int_equal(ev.kind, MR_EV_SUPERSEDED);
	assert_int_equal(ev.pid, 9880);
	assert_int_equal(ev.exit_code, 9883);
	rt_end(&t);
	rt_close(&t);
}

/* ---- decoding of each syscall mmreplay models ---- */

struct dec_case {
	const char *line;
	int sys;
	int nargs;
	uint64_t a[6];
};

static void test_strace_decode__every_modelled_syscall(void **state)
{
	static const struct dec_case cases[] = {
		{"munmap(0x7fd9745ec000, 41551) = 0",
		 MR_SYS_MUNMAP,
		 2,
		 {0x7fd9745ec000, 41551}},
		{"mprotect(0x7fd9745d9000, 16384, PROT_READ) = 0",
		 MR_SYS_MPROTECT,
		 3,
		 {0x7fd9745d9000, 16384, 1}},
		{"mprotect(0x7fc5d23ee000, 4096, PROT_READ|0x40000000) = -1 "
		 "EINVAL (Invalid argument)",
		 MR_SYS_MPROTECT,
		 3,
		 {0x7fc5d23ee000, 4096, 0x40000001}},
		{"mprotect(0x7f90aad72000, 4096, 0x40000001 /* "
		 "PROT_READ|0x40000000 */) = -1 EINVAL (Invalid argument)",
		 MR_SYS_MPROTECT,
		 3,
		 {0x7f90aad72000, 4096, 0x40000001}},
		{"pkey_mprotect(0x7f0000000000, 4096, "
		 "PROT_READ|PROT_WRITE|PROT_EXEC, -1) = 0",
		 MR_SYS_MPROTECT,
		 4,
		 {0x7f0000000000, 4096, 7, UINT64_MAX}},
		{"brk(0x555bfa822000) = 0x555bfa822000",
		 MR_SYS_BRK,
		 1,
		 {0x555bfa822000}},
		{"mremap(0x7f406c9a7000, 1048576, 2097152, MREMAP_MAYMOVE) = "
		 "0x7f406c600000",
		 MR_SYS_MREMAP,
		 4,
		 {0x7f406c9a7000, 1048576, 2097152, 1}},
		{"mremap(0x7f406c600000, 2097152, 2097152, "
		 "MREMAP_MAYMOVE|MREMAP_FIXED, 0x7f406c200000) = "
		 "0x7f406c200000",
		 MR_SYS_MREMAP,
		 5,
		 {0x7f406c600000, 2097152, 2097152, 3, 0x7f406c200000}},
		{"mremap(0x1000, 4096, 4096, "
		 "MREMAP_MAYMOVE|MREMAP_DONTUNMAP, 0x2000) = 0x2000",
		 MR_SYS_MREMAP,
		 5,
		 {0x1000, 4096, 4096, 5, 0x2000}},
		{"madvise(0x7f406c200000, 4096, MADV_FREE) = 0",
		 MR_SYS_MADVISE,
		 3,
		 {0x7f406c200000, 4096, 8}},
		{"madvise(0x7fc5d23ee000, 4096, 0x66 /* MADV_??? */) = 0",
		 MR_SYS_MADVISE,
		 3,
		 {0x7fc5d23ee000, 4096, 0x66}},
		{"madvise(0x7f1e203e4000, 0x1000, 0x66) = 0",
		 MR_SYS_MADVISE,
		 3,
		 {0x7f1e203e4000, 0x1000, 0x66}},
		{"mlock(0x7f406c200000, 4096) = 0",
		 MR_SYS_MLOCK,
		 2,
		 {0x7f406c200000, 4096}},
		{"mlock2(0x7f406c200000, 4096, MLOCK_ONFAULT) = 0",
		 MR_SYS_MLOCK2,
		 3,
		 {0x7f406c200000, 4096, 1}},
		{"munlock(0x7f406c200000, 4096) = 0",
		 MR_SYS_MUNLOCK,
		 2,
		 {0x7f406c200000, 4096}},
		{"mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT) = 0",
		 MR_SYS_MLOCKALL,
		 1,
		 {7}},
		{"munlockall()    = 0", MR_SYS_MUNLOCKALL, 0, {0}},
		{"clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|"
		 "CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f406e2aaa10) = "
		 "12190",
		 MR_SYS_CLONE,
		 1,
		 {0x1200011}},
		{"clone(child_stack=NULL, flags=0x1200000|17, "
		 "child_tidptr=0x7fb04af18a10) = 19037",
		 MR_SYS_CLONE,
		 1,
		 {0x1200011}},
		{"clone(child_stack=NULL, flags=0x1200000 /* "
		 "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID */|17 /* SIGCHLD */, "
		 "child_tidptr=0x7f90aab84a10) = 12784",
		 MR_SYS_CLONE,
		 1,
		 {0x1200011}},
		{"clone(0x1200011, 0, 0, 0x7f1e201f6a10, 0) = 0x3204",
		 MR_SYS_CLONE,
		 1,
		 {0x1200011}},
		{"clone(child_stack=0x7f0000001000, flags=CLONE_VM|CLONE_VFORK|"
		 "SIGCHLD) = 77",
		 MR_SYS_CLONE,
		 1,
		 {0x4111}},
		{"clone3({flags=CLONE_VM|CLONE_VFORK|CLONE_CLEAR_SIGHAND, "
		 "exit_signal=SIGCHLD, stack=0x7f6d1b4c6000, "
		 "stack_size=0x9000}, 88) = 4005",
		 MR_SYS_CLONE3,
		 1,
		 {0x100004100ull}},
		{"clone3(0x7ffd00001000, 88) = -1 EFAULT (Bad address)",
		 MR_SYS_CLONE3,
		 0,
		 {0}},
		{"fork() = 4006", MR_SYS_FORK, 0, {0}},
		{"vfork() = 4007", MR_SYS_VFORK, 0, {0}},
		{"exit(0) = ?", MR_SYS_EXIT, 1, {0}},
		{"exit_group(3)   = ?", MR_SYS_EXIT_GROUP, 1, {3}},
		{"execveat(AT_FDCWD</tmp>, \"/bin/true\", [\"true\"], "
		 "0x7ffd5e3c9f48 /* 37 vars */, AT_EMPTY_PATH) = 0",
		 MR_SYS_EXECVEAT,
		 2,
		 {(uint64_t)-100, 0x1000}},
		{"open(\"/tmp/x\", O_WRONLY|O_CREAT|O_TRUNC, 0666) = "
		 "3</tmp/x>",
		 MR_SYS_OPEN,
		 1,
		 {01101}},
		{"openat(-100 /* AT_FDCWD */</tmp/cap>, \"/etc/ld.so.cache\", "
		 "0x80000 /* O_RDONLY|O_CLOEXEC */) = 3</etc/ld.so.cache>",
		 MR_SYS_OPENAT,
		 2,
		 {(uint64_t)-100, 0x80000}},
		{"openat(AT_FDCWD, \"/tmp/t\", O_RDWR|O_TMPFILE, 0600) = 3",
		 MR_SYS_OPENAT,
		 2,
		 {(uint64_t)-100, 020200002}},
		{"close(4<TCP:[132894]>)            = 0", MR_SYS_CLOSE, 1, {4}},
		{"dup(3) = 4", MR_SYS_DUP, 1, {3}},
		{"dup2(3</tmp/x>, 10</dev/null>) = 10</tmp/x>",
		 MR_SYS_DUP2,
		 2,
		 {3, 10}},
		{"dup3(3, 11, O_CLOEXEC) = 11",
		 MR_SYS_DUP2,
		 3,
		 {3, 11, 02000000}},
		{"unlink(\"/tmp/mr-unlink/a\") = 0", MR_SYS_UNLINK, 0, {0}},
		{"unlinkat(3</tmp/mr-unlink>, \"b\", 0) = 0",
		 MR_SYS_UNLINKAT,
		 2,
		 {3, 0}},
		{"unlinkat(AT_FDCWD, \"d\", AT_REMOVEDIR) = 0",
		 MR_SYS_UNLINKAT,
		 2,
		 {(uint64_t)-100, 0x200}},
		{"mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|21<<"
		 "MAP_HUGE_SHIFT, -1, 0) = 0x7fc5d23ed000",
		 MR_SYS_MMAP,
		 6,
		 {0, 4096, 1, 0x54000022, UINT64_MAX, 0}},
		{"mmap(NULL, 2097152, 0x1 /* PROT_READ */, 0x54040022 /* "
		 "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT */, "
		 "-1, 0) = -1 ENOMEM (Cannot allocate memory)",
		 MR_SYS_MMAP,
		 6,
		 {0, 2097152, 1, 0x54040022, UINT64_MAX, 0}},
		{"mmap(0x10000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|"
		 "MAP_FIXED_NOREPLACE|MAP_STACK|MAP_GROWSDOWN, -1, 0) = "
		 "0x10000000",
		 MR_SYS_MMAP,
		 6,
		 {0x10000000, 4096, 1, 0x120122, UINT64_MAX, 0}},
		{"mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED_VALIDATE|"
		 "MAP_SYNC|MAP_LOCKED|MAP_NORESERVE|MAP_POPULATE|MAP_NONBLOCK|"
		 "MAP_EXECUTABLE|MAP_DENYWRITE|MAP_HUGETLB|MAP_UNINITIALIZED, "
		 "3</dev/dax0.0>, 0x200000) = 0x7f0000000000",
		 MR_SYS_MMAP,
		 6,
		 {0, 4096, 3, 0x40df803, 3, 0x200000}},
		{"mmap2(0xf7f00000, 8192, PROT_READ|PROT_WRITE, "
		 "MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = 0xf7f00000",
		 MR_SYS_MMAP,
		 6,
		 {0xf7f00000, 8192, 3, 0x32, UINT64_MAX, 0}},
		{"shmget(IPC_PRIVATE, 10000, IPC_CREAT|0600) = 6",
		 MR_SYS_SHMGET,
		 3,
		 {0, 10000, 01600}},
		{"shmget(0x6d6d7231, 4096, IPC_CREAT|IPC_EXCL|0600) = -1 "
		 "EEXIST "
		 "(File exists)",
		 MR_SYS_SHMGET,
		 3,
		 {0x6d6d7231, 4096, 03600}},
		{"shmat(7, 0x7f22c0cd1064, SHM_RND|SHM_RDONLY) = -1 EINVAL "
		 "(Invalid argument)",
		 MR_SYS_SHMAT,
		 3,
		 {7, 0x7f22c0cd1064, 030000}},
		{"shmat(7, NULL, SHM_REMAP|SHM_EXEC) = -1 EINVAL (Invalid "
		 "argument)",
		 MR_SYS_SHMAT,
		 3,
		 {7, 0, 0140000}},
		{"shmdt(0x7f22c0cd1000) = 0",
		 MR_SYS_SHMDT,
		 1,
		 {0x7f22c0cd1000}},
		{"shmctl(6, IPC_RMID, NULL) = 0", MR_SYS_SHMCTL, 2, {6, 0}},
		{"shmctl(6, IPC_STAT|IPC_64, 0x7ffd1000) = 0",
		 MR_SYS_SHMCTL,
		 2,
		 {6, 0x102}},
		{"msync(0x7f22c0cd0000, 4096, MS_SYNC|MS_INVALIDATE) = 0",
		 MR_SYS_MSYNC,
		 3,
		 {0x7f22c0cd0000, 4096, 6}},
		{"msync(0x7f22c0cd0000, 4096, 0x8 /* MS_??? */) = -1 EINVAL "
		 "(Invalid argument)",
		 MR_SYS_MSYNC,
		 3,
		 {0x7f22c0cd0000, 4096, 8}},
		{"prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x7f22c0cd0000, "
		 "4096, "
		 "\"buffer\") = -1 EINVAL (Invalid argument)",
		 MR_SYS_PRCTL,
		 4,
		 {0x53564d41, 0, 0x7f22c0cd0000, 4096}},
		{"prctl(PR_SET_NAME, \"worker\") = 0", MR_SYS_PRCTL, 0, {0}},
		{"rename(\"/tmp/a\", \"/tmp/b\") = 0", MR_SYS_RENAME, 0, {0}},
		{"renameat2(AT_FDCWD</w>, \"a\", 3</tmp>, \"b\", "
		 "RENAME_EXCHANGE) = 0",
		 MR_SYS_RENAMEAT,
		 3,
		 {(uint64_t)-100, 3, 2}},
		{"renameat(AT_FDCWD, \"a\", AT_FDCWD, \"b\") = 0",
		 MR_SYS_RENAMEAT,
		 2,
		 {(uint64_t)-100, (uint64_t)-100}},
	};
	struct rt t;
	mr_event ev;
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rt_one(&t, cases[i].line, &ev);
		if (ev.sys != cases[i].sys || ev.nargs != cases[i].nargs)
			fail_msg("'%s': sys %d nargs %d", cases[i].line, ev.sys,
				 ev.nargs);
		for (k = 0; k < cases[i].nargs; k++)
			if (ev.arg[k] != cases[i].a[k])
				fail_msg("'%s': arg %d is %llx", cases[i].line,
					 k, (unsigned long long)ev.arg[k]);
		rt_close(&t);
	}
}

static void test_strace_decode__strings_are_unescaped(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_one(&t,
	       "execve(\"/tmp/a \\\"b\\\"\\n\\t\\\\\\303\\251\\x41\", "
	       "[\"x\"], 0x7ffd /* 1 var */) = 0",
	       &ev);
	assert_string_equal(ev.str, "/tmp/a \"b\"\n\t\\\303\251A");
	rt_close(&t);
	rt_one(&t, "execve(0x1234, NULL, NULL) = -1 EFAULT (Bad address)", &ev);
	assert_int_equal(ev.sys, MR_SYS_EXECVE);
	assert_null(ev.str);
	rt_close(&t);
	/* rename's two paths: old in str, new in str2 */
	rt_one(&t,
	       "renameat2(3</tmp/d>, \"x\\ty\", AT_FDCWD</w>, \"/z\", 0) = 0",
	       &ev);
	assert_string_equal(ev.str, "x\ty");
	assert_string_equal(ev.str2, "/z");
	assert_string_equal(ev.fd_path, "/tmp/d");
	rt_close(&t);
	rt_one(&t,
	       "prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x1000, 4096, "
	       "NULL) = 0",
	       &ev);
	assert_null(ev.str);
	rt_close(&t);
	/* -s truncation keeps what was printed */
	rt_one(&t, "open(\"/very/long/pa\"..., O_RDONLY) = 3", &ev);
	assert_string_equal(ev.str, "/very/long/pa");
	rt_close(&t);
}

static void test_strace_decode__decorations(void **state)
{
	static const char *const cases[][2] = {
		{"close(3</dev/zero<char 1:5>>) = 0", "/dev/zero"},
		{"close(4<TCP:[127.0.0.1:42->127.0.0.1:80]>) = 0",
		 "TCP:[127.0.0.1:42->127.0.0.1:80]"},
		{"close(6<socket:[10716]>) = 0", "socket:[10716]"},
		{"close(3</tmp/x> (deleted)) = 0", "/tmp/x (deleted)"},
		{"close(3</tmp/a\\74b\\76c>) = 0", "/tmp/a<b>c"},
		{"close(3</tmp/(x)>) = 0", "/tmp/(x)"},
		{"close(3<UNIX-STREAM:[12345->12346]>) = 0",
		 "UNIX-STREAM:[12345->12346]"},
	};
	struct rt t;
	mr_event ev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rt_one(&t, cases[i][0], &ev);
		assert_int_equal(ev.sys, MR_SYS_CLOSE);
		assert_string_equal(ev.fd_path, cases[i][1]);
		rt_close(&t);
	}
}

/* Every MADV_ name of Linux 6.18 strace may print. */
static void test_strace_decode__madvise_names(void **state)
{
	static const struct {
		const char *name;
		unsigned v;
	} adv[] = {
		{"MADV_NORMAL", 0},	     {"MADV_RANDOM", 1},
		{"MADV_SEQUENTIAL", 2},	     {"MADV_WILLNEED", 3},
		{"MADV_DONTNEED", 4},	     {"MADV_FREE", 8},
		{"MADV_REMOVE", 9},	     {"MADV_DONTFORK", 10},
		{"MADV_DOFORK", 11},	     {"MADV_MERGEABLE", 12},
		{"MADV_UNMERGEABLE", 13},    {"MADV_HUGEPAGE", 14},
		{"MADV_NOHUGEPAGE", 15},     {"MADV_DONTDUMP", 16},
		{"MADV_DODUMP", 17},	     {"MADV_WIPEONFORK", 18},
		{"MADV_KEEPONFORK", 19},     {"MADV_COLD", 20},
		{"MADV_PAGEOUT", 21},	     {"MADV_POPULATE_READ", 22},
		{"MADV_POPULATE_WRITE", 23}, {"MADV_DONTNEED_LOCKED", 24},
		{"MADV_COLLAPSE", 25},	     {"MADV_HWPOISON", 100},
		{"MADV_SOFT_OFFLINE", 101},  {"MADV_GUARD_INSTALL", 102},
		{"MADV_GUARD_REMOVE", 103},
	};
	char line[128];
	struct rt t;
	mr_event ev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(adv) / sizeof(adv[0]); i++) {
		snprintf(line, sizeof(line), "madvise(0x1000, 4096, %s) = 0",
			 adv[i].name);
		rt_one(&t, line, &ev);
		assert_int_equal(ev.arg[2], adv[i].v);
		rt_close(&t);
	}
}

static void test_strace_decode__unknown_flag_is_corrupt(void **state)
{
	struct rt t;

	(void)state;
	rt_corrupt(&t, "mmap(NULL, 4096, PROT_READ|PROT_BOGUS, MAP_PRIVATE, "
		       "-1, 0) = 0x1000\n");
	assert_non_null(strstr(mr_reader_errmsg(t.rd),
			       ":1:28: expected a number or a constant name, "
			       "found 'PROT_BOGUS, MAP_PRIVATE,...'"));
	rt_close(&t);
	rt_corrupt(&t, "munmap(0x1000) = 0\n");
	assert_non_null(strstr(mr_reader_errmsg(t.rd), "more arguments"));
	rt_close(&t);
}

static void test_strace_decode__other_syscalls_kept(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t, "12186 1795426974.538476 syscall_0x1ce(0x7f406c200000, "
		    "0x1000, 0, 0xffffffff, 0, 0) = 0 <0.000060>\n"
		    "12186 restart_syscall(<... resuming interrupted "
		    "clock_nanosleep ...>) = 0 <0.099301>\n"
		    "12192 prlimit64(0, RLIMIT_STACK, NULL, "
		    "{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0\n"
		    "shmat(0, NULL, 0) = 0x7f0000000000\n");
	/* strace 6.1 does not know mseal: it prints the number and all six
	 * registers; the first three are mseal's. */
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_MSEAL);
	assert_string_equal(ev.name, "syscall_0x1ce");
	assert_string_equal(ev.args, "0x7f406c200000, 0x1000, 0, 0xffffffff, "
				     "0, 0");
	assert_int_equal(ev.nargs, 3);
	assert_int_equal(ev.arg[0], 0x7f406c200000);
	assert_int_equal(ev.arg[1], 0x1000);
	assert_int_equal(ev.arg[2], 0);
	assert_int_equal(ev.ret, 0);
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "restart_syscall");
	assert_string_equal(ev.args,
			    "<... resuming interrupted clock_nanosleep ...>");
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "prlimit64");
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "shmat");
	assert_int_equal(ev.ret, 0x7f0000000000);
	rt_end(&t);
	rt_close(&t);
}

/* ---- lines that are skipped ---- */

static void test_strace_skip__notices_and_extras(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open(&t, "strace: Process 9772 attached\n"
		    "\n"
		    "9772  brk(NULL) = 0x1000\n"
		    "[ Process PID=6241 runs in 32 bit mode. ]\n"
		    "6241  read(0,  <detached ...>\n"
		    " > /usr/lib/x86_64-linux-gnu/libc.so.6(__munmap+0xb) "
		    "[0x10a3cb]\n"
		    "9772  munmap(0x1000, 4096) = 0\n"
		    "% time     seconds  usecs/call     calls    errors "
		    "syscall\n"
		    "------ ----------- ----------- --------- --------- "
		    "----------------\n"
		    " 28.57    0.000090          90         1           "
		    "execve\n");
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_BRK);
	assert_int_equal(ev.line, 3);
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_MUNMAP);
	assert_int_equal(ev.line, 7);
	rt_end(&t);
	assert_int_equal(mr_reader_lines(t.rd), 10);
	assert_int_equal(t.nwarn, 3);
	assert_non_null(strstr(t.warn, ":4:1: warning: personality change"));
	assert_non_null(strstr(t.warn, ":5:1: warning: read call cut by "
				       "strace detaching"));
	assert_non_null(strstr(t.warn, ":8:1: warning: strace -c summary"));
	rt_close(&t);
}

/* ---- broken input ---- */

static void test_strace_broken__garbage_names_line_and_column(void **state)
{
	struct rt t;

	(void)state;
	rt_corrupt(&t, "brk(NULL) = 0x1000\nhello world\n");
	assert_string_equal(strstr(mr_reader_errmsg(t.rd), ":2:"),
			    ":2:1: expected a strace line (a syscall name and "
			    "'('), found 'hello world'");
	assert_int_equal(mr_reader_next(t.rd, &(mr_event){0}), MR_ECORRUPT);
	rt_close(&t);

	rt_corrupt(&t, "brk(NULL)\n");
	assert_non_null(strstr(mr_reader_errmsg(t.rd),
			       ":1:10: expected ')' and ' = ' and a result"));
	rt_close(&t);
	rt_corrupt(&t, "12:3x brk(NULL) = 0\n");
	assert_non_null(
		strstr(mr_reader_errmsg(t.rd), ":1:1: expected a timestamp"));
	rt_close(&t);
	rt_corrupt(&t, "--- SIGSEGV {si_signo=SIGSEGV, si_co\n");
	rt_close(&t);
	rt_corrupt(&t, "--- SIGWHAT {} ---\n");
	assert_non_null(strstr(mr_reader_errmsg(t.rd), "a signal name"));
	rt_close(&t);
	rt_corrupt(&t, "+++ exited with x +++\n");
	rt_close(&t);
	rt_corrupt(&t, "+++ vanished +++\n");
	rt_close(&t);
	rt_corrupt(&t, "brk(NULL) = zz\n");
	rt_close(&t);
	rt_corrupt(&t, "<... mmap resumed\n");
	rt_close(&t);
}

static void test_strace_broken__truncated_lines(void **state)
{
	struct rt t;
	mr_event ev;

	(void)state;
	/* in the middle: an error */
	rt_corrupt(&t, "brk(NULL) = 0x1000\nmmap(NULL, 81\nbrk(NULL) = 0\n");
	assert_non_null(strstr(mr_reader_errmsg(t.rd), ":2:14: expected"));
	rt_close(&t);
	/* the last line, without its '\n' (strace killed): a warning */
	rt_open(&t, "brk(NULL) = 0x1000\nmmap(NULL, 81");
	rt_next(&t, &ev);
	rt_end(&t);
	assert_int_equal(t.nwarn, 1);
	assert_non_null(strstr(t.warn, ":2:1: warning: truncated last line"));
	rt_close(&t);
	/* a complete last line without '\n' is read */
	rt_open(&t, "brk(NULL) = 0x1000\nbrk(NULL) = 0x2000");
	rt_next(&t, &ev);
	rt_next(&t, &ev);
	assert_int_equal(ev.ret, 0x2000);
	rt_end(&t);
	rt_close(&t);
}

static void test_strace_broken__binary_file(void **state)
{
	static const unsigned char elf[] = {
		0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\n'};
	struct rt t;
	mr_event ev;

	(void)state;
	rt_open_bytes(&t, elf, sizeof(elf));
	assert_int_equal(mr_reader_next(t.rd, &ev), MR_ECORRUPT);
	assert_non_null(strstr(mr_reader_errmsg(t.rd),
			       ":1:8: expected a strace line, found a NUL "
			       "byte"));
	assert_int_equal(
		strncmp(mr_reader_errmsg(t.rd), t.path, strlen(t.path)), 0);
	rt_close(&t);
	/* no NUL, but nothing like strace either */
	rt_open(&t, "\x89PNG\r\n\x1a\n");
	assert_int_equal(mr_reader_next(t.rd, &ev), MR_ECORRUPT);
	assert_non_null(
		strstr(mr_reader_errmsg(t.rd), ":1:1: expected a strace line"));
	rt_close(&t);
}

/* A write of several MB, as strace -s prints it, on one line. */
static void test_strace_broken__huge_line_is_read(void **state)
{
	size_t n = 6u << 20, i;
	char *text = malloc(n + 256), *p = text;
	struct rt t;
	mr_event ev;

	(void)state;
	assert_non_null(text);
	p += sprintf(p, "4300  write(1</dev/null>, \"");
	for (i = 0; i < n / 4; i++, p += 4)
		memcpy(p, "\\x41", 4);
	p += sprintf(p, "\", %zu) = %zu\n4300  brk(NULL) = 0x1000\n", n / 4,
		     n / 4);
	rt_open_bytes(&t, text, (size_t)(p - text));
	rt_next(&t, &ev);
	assert_string_equal(ev.name, "write");
	assert_int_equal(ev.ret, (int64_t)(n / 4));
	assert_int_equal(strlen(ev.args),
			 n + strlen("1</dev/null>, \"\", ") + 7);
	rt_next(&t, &ev);
	assert_int_equal(ev.sys, MR_SYS_BRK);
	rt_end(&t);
	rt_close(&t);
	free(text);
}

static void test_strace_open__missing_file(void **state)
{
	mr_reader *rd = (mr_reader *)1;
	char err[256];

	(void)state;
	assert_int_equal(
		mr_reader_open(&rd, "/nonexistent/x.strace", err, sizeof(err)),
		MR_EIO);
	assert_null(rd);
	assert_string_equal(err, "/nonexistent/x.strace: No such file or "
				 "directory");
	mr_reader_free(NULL);
}

/* ---- whole real captures ---- */

struct counts {
	int kinds[8]; /* per mr_event_kind */
	int sys[MR_SYS__COUNT];
	int merged;
	uint64_t hash; /* FNV-1a over every event field and string */
};

static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		*h = (*h ^ c[i]) * 1099511628211ull;
}

static void hash_str(uint64_t *h, const char *s)
{
	if (s)
		hash_bytes(h, s, strlen(s) + 1);
	else
		hash_bytes(h, "\377", 1);
}

static void count_events(const char *path, struct counts *c)
{
	mr_reader *rd;
	mr_event ev;
	char err[256];
	int rc;

	memset(c, 0, sizeof(*c));
	c->hash = 14695981039346656037ull;
	assert_int_equal(mr_reader_open(&rd, path, err, sizeof(err)), 0);
	while ((rc = mr_reader_next(rd, &ev)) == 1) {
		c->kinds[ev.kind]++;
		if (ev.kind == MR_EV_SYSCALL)
			c->sys[ev.sys]++;
		if (ev.flags & MR_EVF_MERGED)
			c->merged++;
		hash_bytes(&c->hash, &ev.kind, sizeof(ev.kind));
		hash_bytes(&c->hash, &ev.sys, sizeof(ev.sys));
		hash_bytes(&c->hash, &ev.pid, sizeof(ev.pid));
		hash_bytes(&c->hash, &ev.flags, sizeof(ev.flags));
		hash_bytes(&c->hash, &ev.line, sizeof(ev.line));
		hash_bytes(&c->hash, &ev.first_line, sizeof(ev.first_line));
		hash_bytes(&c->hash, &ev.ts_ns, sizeof(ev.ts_ns));
		hash_bytes(&c->hash, ev.arg, sizeof(ev.arg[0]) * ev.nargs);
		hash_bytes(&c->hash, &ev.ret_kind, sizeof(ev.ret_kind));
		hash_bytes(&c->hash, &ev.ret, sizeof(ev.ret));
		hash_bytes(&c->hash, &ev.signo, sizeof(ev.signo));
		hash_bytes(&c->hash, &ev.si_code, sizeof(ev.si_code));
		hash_bytes(&c->hash, &ev.si_addr, sizeof(ev.si_addr));
		hash_bytes(&c->hash, &ev.exit_code, sizeof(ev.exit_code));
		hash_str(&c->hash, ev.name);
		hash_str(&c->hash, ev.args);
		hash_str(&c->hash, ev.ret_path);
		hash_str(&c->hash, ev.fd_path);
		hash_str(&c->hash, ev.str);
	}
	if (rc != 0)
		fail_msg("%s: %s", path, mr_reader_errmsg(rd));
	assert_int_equal(mr_reader_warnings(rd), 0);
	mr_reader_free(rd);
}

static void test_strace_capture__threads(void **state)
{
	struct counts c;

	(void)state;
	count_events("tests/formats/data/threads.strace", &c);
	/* 450 lines: 137 calls split in two halves */
	assert_int_equal(c.merged, 137);
	assert_int_equal(c.kinds[MR_EV_SYSCALL] + c.kinds[MR_EV_SIGNAL] +
				 c.kinds[MR_EV_EXIT] + c.kinds[MR_EV_KILLED] +
				 c.kinds[MR_EV_SUPERSEDED],
			 450 - 137);
	assert_int_equal(c.kinds[MR_EV_SUPERSEDED], 1);
	assert_int_equal(c.kinds[MR_EV_KILLED], 2);
	assert_int_equal(c.sys[MR_SYS_MREMAP], 2);
	assert_int_equal(c.sys[MR_SYS_MLOCKALL], 1);
	assert_int_equal(c.sys[MR_SYS_CLONE3], 4);
	assert_int_equal(c.sys[MR_SYS_EXECVE], 2);
}

static void test_strace_capture__raw_and_verbose_agree(void **state)
{
	struct counts raw, verbose;

	(void)state;
	count_events("tests/formats/data/small_raw.strace", &raw);
	count_events("tests/formats/data/small_verbose.strace", &verbose);
	assert_memory_equal(raw.kinds, verbose.kinds, sizeof(raw.kinds));
	assert_memory_equal(raw.sys, verbose.sys, sizeof(raw.sys));
	assert_int_equal(raw.sys[MR_SYS_MMAP], 20);
}

/* The same text through zstd gives the very same events. */
static void test_strace_capture__zstd_identical(void **state)
{
	const char *src = "tests/formats/data/threads.strace";
	struct counts plain, z;
	char zpath[64], *text, *comp;
	size_t n, bound, clen;
	FILE *f;

	(void)state;
	f = fopen(src, "rb");
	assert_non_null(f);
	text = malloc(1 << 20);
	n = fread(text, 1, 1 << 20, f);
	fclose(f);
	bound = ZSTD_compressBound(n);
	comp = malloc(bound);
	clen = ZSTD_compress(comp, bound, text, n, 3);
	assert_false(ZSTD_isError(clen));
	tmp_write(zpath, comp, clen);
	count_events(src, &plain);
	count_events(zpath, &z);
	assert_memory_equal(&plain, &z, sizeof(plain));
	unlink(zpath);
	free(comp);
	free(text);
}

static void test_strace_zstd__corrupt_and_truncated(void **state)
{
	const char *line = "4300  brk(NULL) = 0x55fc5e5f3000 <0.000059>\n";
	char *text, *comp, path[64];
	size_t n = 0, bound, clen;
	mr_reader *rd;
	mr_event ev;
	char err[256];
	int rc, events = 0;

	(void)state;
	text = malloc(1 << 20);
	while (n + strlen(line) < (1 << 20)) {
		memcpy(text + n, line, strlen(line));
		n += strlen(line);
	}
	bound = ZSTD_compressBound(n);
	comp = malloc(bound);
	clen = ZSTD_compress(comp, bound, text, n, 1);
	assert_false(ZSTD_isError(clen));

	/* cut in the middle */
	tmp_write(path, comp, clen / 2);
	assert_int_equal(mr_reader_open(&rd, path, err, sizeof(err)), 0);
	while ((rc = mr_reader_next(rd, &ev)) == 1)
		events++;
	assert_int_equal(rc, MR_ECORRUPT);
	assert_true(events > 0);
	assert_non_null(strstr(mr_reader_errmsg(rd), path));
	assert_non_null(strstr(mr_reader_errmsg(rd), "truncated zstd data"));
	assert_non_null(strstr(mr_reader_errmsg(rd), "compressed byte offset"));
	mr_reader_free(rd);
	unlink(path);

	/* garbage in the middle of the frame */
	memset(comp + clen / 3, 0x55, 64);
	tmp_write(path, comp, clen);
	assert_int_equal(mr_reader_open(&rd, path, err, sizeof(err)), 0);
	while ((rc = mr_reader_next(rd, &ev)) == 1)
		;
	assert_int_equal(rc, MR_ECORRUPT);
	assert_non_null(strstr(mr_reader_errmsg(rd), "zstd"));
	assert_non_null(strstr(mr_reader_errmsg(rd), "offset"));
	assert_non_null(strstr(mr_reader_errmsg(rd), "after line"));
	mr_reader_free(rd);
	unlink(path);
	free(comp);
	free(text);
}

static void test_strace_sysno_name__names(void **state)
{
	(void)state;
	assert_string_equal(mr_sysno_name(MR_SYS_MMAP), "mmap");
	assert_string_equal(mr_sysno_name(MR_SYS_EXIT_GROUP), "exit_group");
	assert_string_equal(mr_sysno_name(MR_SYS_DUP2), "dup2");
	assert_string_equal(mr_sysno_name(MR_SYS_UNLINKAT), "unlinkat");
	assert_string_equal(mr_sysno_name(MR_SYS_OTHER), "other");
	assert_string_equal(mr_sysno_name(-1), "?");
	assert_string_equal(mr_sysno_name(MR_SYS__COUNT), "?");
}

static void test_strace_errno_name__names(void **state)
{
	(void)state;
	assert_string_equal(mr_errno_name(12), "ENOMEM");
	assert_string_equal(mr_errno_name(17), "EEXIST");
	/* Aliases: the name strace prints comes first. */
	assert_string_equal(mr_errno_name(11), "EAGAIN");
	assert_string_equal(mr_errno_name(35), "EDEADLK");
	assert_string_equal(mr_errno_name(512), "ERESTARTSYS");
	assert_null(mr_errno_name(0));
	assert_null(mr_errno_name(9999));
}

/* The result's ')' found from the line's end is the one the scan from
 * its start finds: on random text of the characters that matter, and
 * on every line of every bundled trace. */
static void test_strace_find_close__end_agrees_with_scan(void **state)
{
	/* every character that matters; then each kind alone among the
	 * ordinary ones, so that the end often decides */
	static const char *const abc[] = {
		"()= \"\\/<>[]{}*:a0", "()=  a0.<>", "()=  a[]{}",
		"()=  a\"\\",	       "()=  a/*",   "()=  a0\\<>"};
	char buf[48], err[256];
	uint64_t x = 42;
	size_t i, k, n, lines = 0, found = 0;
	glob_t g;

	(void)state;
	for (i = 0; i < 600000; i++) {
		const char *a = abc[i % (sizeof(abc) / sizeof(abc[0]))];
		size_t len, na = strlen(a);
		const char *got;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		len = (size_t)(x >> 59) + (size_t)(x >> 58 & 16);
		for (k = 0; k < len;) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			if ((x >> 40) % 5 == 0 && k + 4 <= len) {
				memcpy(buf + k, ") = ", 4); /* a result's */
				k += 4;
			} else {
				buf[k++] = a[(x >> 33) % na];
			}
		}
		got = mr_strace_find_close_scan(buf, buf + len);
		if (mr_strace_find_close(buf, buf + len) != got)
			fail_msg("differ on '%.*s'", (int)len, buf);
		found += got != NULL;
	}
	assert_true(found > 10000);
	assert_int_equal(glob("traces/*/trace.strace.zst", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		char **l;

		assert_int_equal(
			mr_trace_lines(g.gl_pathv[i], &l, &n, err, sizeof(err)),
			0);
		for (k = 0; k < n; k++) {
			const char *open = strchr(l[k], '('),
				   *end = l[k] + strlen(l[k]);

			if (!open)
				continue;
			lines++;
			if (mr_strace_find_close(open + 1, end) !=
			    mr_strace_find_close_scan(open + 1, end))
				fail_msg("%s:%zu: differ", g.gl_pathv[i],
					 k + 1);
		}
		mr_trace_lines_free(l, n);
	}
	globfree(&g);
	assert_true(lines > 30000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strace_mmap__decodes_every_field),
		cmocka_unit_test(test_strace_find_close__end_agrees_with_scan),
		cmocka_unit_test(test_strace_mmap__anonymous_fd_is_minus_one),
		cmocka_unit_test(test_strace_result__every_shape),
		cmocka_unit_test(test_strace_result__fd_path_returned),
		cmocka_unit_test(test_strace_result__unknown_errno_is_corrupt),
		cmocka_unit_test(
			test_strace_result__paren_equals_inside_arguments),
		cmocka_unit_test(test_strace_leader__timestamps_and_pids),
		cmocka_unit_test(
			test_strace_leader__signal_and_exit_lines_without_pid),
		cmocka_unit_test(test_strace_merge__pairs_halves_by_pid),
		cmocka_unit_test(
			test_strace_merge__resumed_without_start_is_skipped),
		cmocka_unit_test(
			test_strace_merge__leftovers_reported_in_line_order),
		cmocka_unit_test(test_strace_merge__thread_execve_superseded),
		cmocka_unit_test(test_strace_merge__pid_changed_suffix),
		cmocka_unit_test(test_strace_merge__exit_cut_by_process_end),
		cmocka_unit_test(test_strace_merge__numbered_halves),
		cmocka_unit_test(test_strace_merge__prefix_comes_and_goes),
		cmocka_unit_test(
			test_strace_stderr__unprefixed_lines_are_the_live_tracees),
		cmocka_unit_test(
			test_strace_stderr__quiet_vfork_child_speaks_first),
		cmocka_unit_test(
			test_strace_stderr__quiet_child_outlives_parent),
		cmocka_unit_test(test_strace_stderr__tracee_output_is_cut_out),
		cmocka_unit_test(test_strace_stderr__ansi_colour_is_removed),
		cmocka_unit_test(test_strace_ff__files_merged_by_end_time),
		cmocka_unit_test(test_strace_signal__every_shape),
		cmocka_unit_test(test_strace_exit__every_shape),
		cmocka_unit_test(test_strace_decode__every_modelled_syscall),
		cmocka_unit_test(test_strace_decode__strings_are_unescaped),
		cmocka_unit_test(test_strace_decode__decorations),
		cmocka_unit_test(test_strace_decode__madvise_names),
		cmocka_unit_test(test_strace_decode__unknown_flag_is_corrupt),
		cmocka_unit_test(test_strace_decode__other_syscalls_kept),
		cmocka_unit_test(test_strace_skip__notices_and_extras),
		cmocka_unit_test(
			test_strace_broken__garbage_names_line_and_column),
		cmocka_unit_test(test_strace_broken__truncated_lines),
		cmocka_unit_test(test_strace_broken__binary_file),
		cmocka_unit_test(test_strace_broken__huge_line_is_read),
		cmocka_unit_test(test_strace_open__missing_file),
		cmocka_unit_test(test_strace_capture__threads),
		cmocka_unit_test(test_strace_capture__raw_and_verbose_agree),
		cmocka_unit_test(test_strace_capture__zstd_identical),
		cmocka_unit_test(test_strace_zstd__corrupt_and_truncated),
		cmocka_unit_test(test_strace_sysno_name__names),
		cmocka_unit_test(test_strace_errno_name__names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
