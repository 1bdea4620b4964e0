/*
 * fuzz_mut.h - the mutations of the deterministic fuzzers (fuzz_smoke,
 * fuzz_capture): bit flips, truncation, deleted and duplicated ranges,
 * splices from other inputs, NULs and high bytes, long runs of one
 * structural byte, and the tokens of strace, /proc and perf text. Driven
 * by fuzz_rng.h, so a seed gives the same inputs on any machine.
 */
#ifndef MR_TESTS_FUZZ_MUT_H
#define MR_TESTS_FUZZ_MUT_H

#include <stddef.h>
#include <string.h>

#include "tests/fuzz/fuzz_rng.h"

/* Bytes to splice from: another input of the same kind (P NULL: none). */
struct mut_src {
	const char *p;
	size_t n;
};
typedef struct mut_src (*mut_pick)(void *ctx);

static const char *const tokens[] = {
	"\"",
	"\\",
	"(",
	")",
	"[",
	"]",
	"{",
	"}",
	"<",
	">",
	"<<",
	"/*",
	"*/",
	" = ",
	") = ",
	" = ?",
	" = -1 ENOMEM (Cannot allocate memory)",
	" = -1 (errno 99999999999)",
	" = ? ERESTARTSYS (x)",
	" <unfinished ...>",
	" <pid changed to 1 ...>",
	" <detached ...>",
	"<... mmap resumed>",
	"<... execve resumed>) = 0",
	"+++ exited with 1 +++",
	"+++ superseded by execve in pid 1 +++",
	"--- SIGSEGV {si_code=SEGV_MAPERR, si_addr=0x1} ---",
	"--- stopped by SIGSTOP ---",
	"(DELAYED)",
	"(INJECTED)",
	"3</a\\76b>(deleted)",
	"<char 1:5>",
	":[1->2]",
	"0x",
	"0xffffffffffffffffff",
	"-1",
	"99999999999999999999",
	"NULL",
	"MAP_PRIVATE|",
	"21<<MAP_HUGE_SHIFT",
	"flags=",
	"\n",
	"\r\n",
	"\n12345 ",
	"[pid 1] ",
	"1795424957.123456789 ",
	"09:09:17.3 ",
	"(+ 0.1) ",
	"% time",
	"strace: ",
	" (deleted)",
	"Anonymous: 4 kB\n",
	"VmFlags: rd wr\n",
	"-",
	":",
	" ",
	")",
	"\t",
	"\t0x",
	"#",
};

#define NTOKENS (sizeof(tokens) / sizeof(tokens[0]))

static void insert(char *b, size_t *n, size_t cap, size_t at, const char *s,
		   size_t k)
{
	if (*n + k > cap)
		return;
	memmove(b + at + k, b + at, *n - at);
	memcpy(b + at, s, k);
	*n += k;
}

/* Mutate B (N bytes, room for CAP) one to eight times. */
static void mutate(char *b, size_t *n, size_t cap, mut_pick pick, void *ctx)
{
	int i, rounds = 1 + (int)below(8);
	size_t at, k;
	char c;

	for (i = 0; i < rounds; i++) {
		at = below(*n + 1);
		switch (below(10)) {
		case 0: /* bit flips */
			if (*n)
				b[below(*n)] ^= (char)(1u << below(8));
			break;
		case 1: /* truncate */
			*n = at;
			break;
		case 2: /* delete a range */
			k = below(*n - at + 1);
			if (k > 64)
				k = below(64);
			memmove(b + at, b + at + k, *n - at - k);
			*n -= k;
			break;
		case 3: /* splice from another input of the same kind */
		{
			struct mut_src o = pick(ctx);
			size_t from = below(o.n), len = below(200);

			if (!o.p)
				break;
			if (from + len > o.n)
				len = o.n - from;
			insert(b, n, cap, at, o.p + from, len);
			break;
		}
		case 4: /* duplicate a range: the moved bytes stay behind */
			k = below(*n - at + 1);
			if (k > 300)
				k = 300;
			if (*n + k <= cap) {
				memmove(b + at + k, b + at, *n - at);
				*n += k;
			}
			break;
		case 5: /* a NUL or a high byte */
			c = below(2) ? '\0' : (char)(0x80 + below(128));
			insert(b, n, cap, at, &c, 1);
			break;
		case 6: /* a long run of one structural byte */
			k = 1 + below(4096);
			c = "\"(<[{\\ )>]}"[below(11)];
			if (*n + k <= cap) {
				memmove(b + at + k, b + at, *n - at);
				memset(b + at, c, k);
				*n += k;
			}
			break;
		default: /* a strace token */
		{
			const char *t = tokens[below(NTOKENS)];

			insert(b, n, cap, at, t, strlen(t));
			break;
		}
		}
	}
}

#endif
