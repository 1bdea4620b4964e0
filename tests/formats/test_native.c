/*
 * test_native.c - the .mmtr format: every field of every event the text
 * reader gives comes back the same from the .mmtr (line numbers, times
 * to the nanosecond, values too wide for the short form, merged halves,
 * signals, exits, -ff merges); the fault table comes back; and a .mmtr
 * cut short or damaged anywhere is an error, never a crash.
 */
#include "tests/formats/fmt_test.h"

#include <sys/stat.h>

#include "formats/native.h"

static const char TEXT[] =
	"100 1796649622.000000001 execve(\"/bin/x\", [\"x\"], 0x7ffd /* 1 var "
	"*/) = 0 <0.000100>\n"
	"100 1796649622.000100 mmap(NULL, 8192, PROT_READ|PROT_WRITE, "
	"MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000 <0.000007>\n"
	"100 1796649622.000200 mmap(0x600000000000, 4096, PROT_READ, "
	"MAP_PRIVATE|MAP_FIXED, 3</tmp/a b>, 0x1000) = 0x600000000000\n"
	"100 1796649622.000300 lseek(3</tmp/a b>, 0, SEEK_END) = "
	"9223372036854775807 <0.000001234>\n"
	"100 1796649622.000301 lseek(3</tmp/a b>, 0, SEEK_END) = "
	"18446744073709551615\n"
	"100 1796649622.000400 munmap(0x600000000000, 4096 <unfinished ...>\n"
	"101 1796649622.000450 getpid() = 101\n"
	"100 1796649622.000500 <... munmap resumed>) = 0 <0.000100>\n"
	"100 1796649622.000600 mprotect(0x7f0000000000, 4096, PROT_NONE) = -1 "
	"ENOMEM (Cannot allocate memory)\n"
	"100 1796649622.000700 futex(0x1, FUTEX_WAIT, 0, NULL) = ? ERESTARTSYS "
	"(To be restarted if SA_RESTART is set)\n"
	"101 --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, "
	"si_addr=0x1234} ---\n"
	"101 +++ killed by SIGSEGV (core dumped) +++\n"
	"100 09:09:17.311395 rename(\"/tmp/a\", \"/tmp/b\") = 0\n"
	/* a path "" and a path that is a syscall's name, then that name and
	 * an exit's empty name: table strings of two kinds, never shared */
	"100 execveat(3, \"\", [\"x\"], 0x7ffd /* 1 var */, AT_EMPTY_PATH) = "
	"0\n"
	"100 open(\"brk\", O_RDONLY) = 3</tmp/brk>\n"
	"100 brk(NULL) = 0x1000\n"
	"101 +++ exited with 0 +++\n"
	"100 exit_group(3) = ?\n"
	"100 +++ exited with 3 +++\n";

static void same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Every field of the events of A and B, to the end. */
static void same_events(mr_reader *a, mr_reader *b)
{
	mr_event x, y;
	int ra, rb, n = 0;

	for (;;) {
		ra = mr_reader_next(a, &x);
		rb = mr_reader_next(b, &y);
		assert_int_equal(ra, rb);
		if (ra != 1)
			break;
		n++;
		assert_int_equal(x.kind, y.kind);
		assert_int_equal(x.sys, y.sys);
		assert_int_equal(x.pid, y.pid);
		assert_int_equal(x.flags, y.flags);
		assert_int_equal(x.line, y.line);
		assert_int_equal(x.first_line, y.first_line);
		assert_int_equal(x.ts_ns, y.ts_ns);
		assert_int_equal(x.dur_ns, y.dur_ns);
		same_str(x.name, y.name);
		same_str(x.args, y.args);
		assert_int_equal(x.nargs, y.nargs);
		for (int i = 0; i < MR_EV_NARGS; i++)
			assert_int_equal(x.arg[i], y.arg[i]);
		assert_int_equal(x.ret_kind, y.ret_kind);
		assert_int_equal(x.ret, y.ret);
		same_str(x.ret_path, y.ret_path);
		same_str(x.fd_path, y.fd_path);
		same_str(x.str, y.str);
		same_str(x.str2, y.str2);
		assert_int_equal(x.signo, y.signo);
		assert_int_equal(x.si_code, y.si_code);
		assert_int_equal(x.si_addr, y.si_addr);
		assert_int_equal(x.exit_code, y.exit_code);
		assert_int_equal(x.core_dumped, y.core_dumped);
	}
	assert_int_equal(ra, 0);
	assert_true(n > 10);
	assert_int_equal(mr_reader_lines(a), mr_reader_lines(b));
	assert_int_equal(mr_reader_warnings(a), mr_reader_warnings(b));
}

/* TEXT converted into OUT (64 bytes) with two faults. */
static void convert(char *txt, char *out, mr_native_stats *st)
{
	mr_fault fv[2] = {{3, 100, 0x6, 0x7f0000000010, SIZE_MAX, 0},
			  {9, 101, 0x4, 0x1234, SIZE_MAX, 0}};
	mr_faults f = {fv, 2};
	mr_reader *rd;
	char err[512];

	tmp_write(txt, TEXT, sizeof(TEXT) - 1);
	snprintf(out, 64, "%s.mmtr", txt);
	assert_int_equal(mr_reader_open(&rd, txt, err, sizeof(err)), 0);
	if (mr_native_write(rd, "/src/trace.strace", &f, out, st, err,
			    sizeof(err)))
		fail_msg("%s", err);
	mr_reader_free(rd);
}

static void test_native__every_field_comes_back(void **state)
{
	char txt[64], out[64], err[512], src[256];
	mr_native_stats st;
	mr_reader *a, *b;
	mr_faults f;

	(void)state;
	convert(txt, out, &st);
	assert_int_equal(st.faults, 2);
	assert_int_equal(st.lines, 19);
	assert_true(mr_native_is(out));
	assert_false(mr_native_is(txt));
	assert_int_equal(mr_reader_open(&a, txt, err, sizeof(err)), 0);
	assert_int_equal(mr_reader_open(&b, out, err, sizeof(err)), 0);
	same_events(a, b);
	mr_reader_free(a);
	mr_reader_free(b);

	assert_int_equal(mr_native_faults(out, &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.v[1].after_line, 9);
	assert_int_equal(f.v[1].tid, 101);
	assert_int_equal(f.v[0].addr, 0x7f0000000010);
	assert_int_equal(f.v[0].code, 0x6);
	mr_faults_release(&f);
	assert_int_equal(mr_native_source(out, src, sizeof(src)), 0);
	assert_string_equal(src, "/src/trace.strace");
	unlink(txt);
	unlink(out);
}

/* Cut short at every byte, or one byte changed anywhere: an error or
 * (a change inside a string) other text, never a crash or a hang. */
static void test_native__damage_anywhere_is_an_error(void **state)
{
	char txt[64], out[64], err[512], bad[80];
	mr_native_stats st;
	unsigned char *buf;
	struct stat sb;
	FILE *f;

	(void)state;
	convert(txt, out, &st);
	assert_int_equal(stat(out, &sb), 0);
	buf = malloc((size_t)sb.st_size);
	f = fopen(out, "rb");
	assert_int_equal(fread(buf, 1, (size_t)sb.st_size, f),
			 (size_t)sb.st_size);
	fclose(f);
	snprintf(bad, sizeof(bad), "%s.bad", out);
	for (off_t cut = 8; cut < sb.st_size; cut++) { /* with the magic */
		mr_reader *rd;
		mr_event ev;
		int rc;

		f = fopen(bad, "wb");
		fwrite(buf, 1, (size_t)cut, f);
		fclose(f);
		if (mr_reader_open(&rd, bad, err, sizeof(err)))
			continue; /* too short for the header, or not one */
		while ((rc = mr_reader_next(rd, &ev)) == 1)
			;
		if (rc != MR_ECORRUPT)
			fail_msg("cut at %lld: %d", (long long)cut, rc);
		assert_non_null(strstr(mr_reader_errmsg(rd), bad));
		mr_reader_free(rd);
	}
	for (off_t at = 8; at < sb.st_size; at++) {
		mr_reader *rd;
		mr_event ev;
		int rc;

		buf[at] ^= 0x5a;
		f = fopen(bad, "wb");
		fwrite(buf, 1, (size_t)sb.st_size, f);
		fclose(f);
		buf[at] ^= 0x5a;
		if (mr_reader_open(&rd, bad, err, sizeof(err)))
			continue;
		while ((rc = mr_reader_next(rd, &ev)) == 1)
			;
		assert_true(rc == 0 || rc == MR_ECORRUPT);
		mr_reader_free(rd);
	}
	free(buf);
	unlink(bad);
	unlink(txt);
	unlink(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native__every_field_comes_back),
		cmocka_unit_test(test_native__damage_anywhere_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
