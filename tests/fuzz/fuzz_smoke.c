/*
 * fuzz_smoke.c - deterministic mutation test of the formats readers.
 *
 * Takes the seed corpus (real strace lines, maps, smaps and stat text,
 * page-fault tables), mutates it with a seeded PRNG (bit flips,
 * truncation, splicing, inserted quotes, parens, brackets, NULs, tabs and
 * strace tokens, some inputs zstd-compressed and then damaged) and checks
 * that the readers never crash, only return 1 / 0 / MR_ECORRUPT, and hand
 * out sane events and faults.
 *
 * usage: fuzz_smoke CORPUS_DIR [ITERATIONS [SEED]]
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "engine/errcode.h"
#include "tests/fuzz/fuzz_rng.h"
#include "formats/faults.h"
#include "formats/maps.h"
#include "formats/perf.h"
#include "formats/reader.h"

#define MAX_SEEDS 64
#define MAX_IN (256u << 10)

enum seed_kind {
	SEED_STRACE, /* strace output */
	SEED_MAPS,   /* maps/smaps/stat text */
	SEED_FAULTS, /* a page-fault table */
	SEED_PERF,   /* perf script text */
};

struct seed {
	char *p;  /* bytes */
	size_t n; /* length */
	int kind; /* enum seed_kind */
};

static struct seed seeds[MAX_SEEDS];
static int nseeds;

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_smoke: %s: %s\n", what, detail);
	exit(1);
}

static void load_dir(const char *dir, int kind)
{
	struct dirent **names;
	char path[4096];
	FILE *f;
	int i, n;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		die("cannot read", dir);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && nseeds < MAX_SEEDS) {
			struct seed *s = &seeds[nseeds];

			snprintf(path, sizeof(path), "%s/%s", dir,
				 names[i]->d_name);
			f = fopen(path, "rb");
			if (!f)
				die("cannot open", path);
			s->p = malloc(MAX_IN);
			s->n = fread(s->p, 1, MAX_IN, f);
			s->kind = kind;
			fclose(f);
			nseeds++;
		}
		free(names[i]);
	}
	free(names);
}

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

static void insert(char *b, size_t *n, size_t at, const char *s, size_t k)
{
	if (*n + k > MAX_IN)
		return;
	memmove(b + at + k, b + at, *n - at);
	memcpy(b + at, s, k);
	*n += k;
}

static void mutate(char *b, size_t *n, const struct seed *base)
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
		case 3: /* splice from another seed of the same kind */
		{
			const struct seed *o = &seeds[below(nseeds)];
			size_t from = below(o->n), len = below(200);

			if (o->kind != base->kind)
				break;
			if (from + len > o->n)
				len = o->n - from;
			insert(b, n, at, o->p + from, len);
			break;
		}
		case 4: /* duplicate a range: the moved bytes stay behind */
			k = below(*n - at + 1);
			if (k > 300)
				k = 300;
			if (*n + k <= MAX_IN) {
				memmove(b + at + k, b + at, *n - at);
				*n += k;
			}
			break;
		case 5: /* a NUL or a high byte */
			c = below(2) ? '\0' : (char)(0x80 + below(128));
			insert(b, n, at, &c, 1);
			break;
		case 6: /* a long run of one structural byte */
			k = 1 + below(4096);
			c = "\"(<[{\\ )>]}"[below(11)];
			if (*n + k <= MAX_IN) {
				memmove(b + at + k, b + at, *n - at);
				memset(b + at, c, k);
				*n += k;
			}
			break;
		default: /* a strace token */
		{
			const char *t = tokens[below(NTOKENS)];

			insert(b, n, at, t, strlen(t));
			break;
		}
		}
	}
}

static int fd = -1;
static char path[64];
static unsigned long nevents, nends, ncorrupt, nlenient; /* the summary */
static unsigned long nfaults, ntables;	       /* faults read, whole tables */
static unsigned long nperf;		       /* perf events read */

static void put_file(const void *p, size_t n)
{
	if (ftruncate(fd, 0) || pwrite(fd, p, n, 0) != (ssize_t)n)
		die("cannot write", path);
}

static void check_event(const mr_event *ev)
{
	if (ev->kind < MR_EV_SYSCALL || ev->kind > MR_EV_SUPERSEDED)
		die("bad event", "kind");
	if (!ev->name || !ev->args)
		die("bad event", "NULL name or args");
	if (ev->kind == MR_EV_SYSCALL &&
	    (ev->sys < 0 || ev->sys >= MR_SYS__COUNT ||
	     ev->nargs > MR_EV_NARGS || ev->ret_kind < MR_RET_VALUE ||
	     ev->ret_kind > MR_RET_RESTART))
		die("bad event", "syscall fields");
	if (ev->first_line > ev->line || ev->line == 0)
		die("bad event", "line numbers");
	/* every string must be readable */
	if (strlen(ev->name) + strlen(ev->args) +
		    (ev->ret_path ? strlen(ev->ret_path) : 0) +
		    (ev->fd_path ? strlen(ev->fd_path) : 0) +
		    (ev->str ? strlen(ev->str) : 0) ==
	    (size_t)-1)
		die("bad event", "strings");
}

static void run_strace(void)
{
	mr_reader *rd;
	mr_event ev;
	char err[256];
	int rc, guard = 0;

	rc = mr_reader_open(&rd, path, err, sizeof(err));
	if (rc)
		die("open failed", err);
	while ((rc = mr_reader_next(rd, &ev)) == 1) {
		check_event(&ev);
		nevents++;
		if (++guard > 10000000)
			die("no end", path);
	}
	if (rc != 0 && rc != MR_ECORRUPT)
		die("unexpected result", mr_reader_errmsg(rd));
	if (rc == MR_ECORRUPT &&
	    strncmp(mr_reader_errmsg(rd), path, strlen(path)) != 0)
		die("message does not name the file", mr_reader_errmsg(rd));
	if (rc == 0)
		nends++;
	else
		ncorrupt++;
	if (mr_reader_next(rd, &ev) != rc)
		die("not sticky", "result after the end or an error");
	mr_reader_free(rd);
	if (rc != MR_ECORRUPT)
		return;
	/* --lenient: the same input read past its malformed lines */
	if (mr_reader_open(&rd, path, err, sizeof(err)))
		die("open failed", err);
	mr_reader_set_lenient(rd, 1);
	guard = 0;
	while ((rc = mr_reader_next(rd, &ev)) == 1) {
		check_event(&ev);
		if (++guard > 10000000)
			die("no end (lenient)", path);
	}
	/* what is left: errors of the file itself (a NUL byte, zstd) */
	if (rc != 0 && rc != MR_ECORRUPT)
		die("unexpected result (lenient)", mr_reader_errmsg(rd));
	if (rc == 0 && !mr_reader_malformed(rd))
		die("lenient: nothing skipped", path);
	nlenient++;
	mr_reader_free(rd);
}

static void run_maps(char *b, size_t n)
{
	mr_maps m;
	char err[256];
	uint64_t a, k;
	size_t i;
	int rc;

	b[n] = '\0';
	rc = mr_maps_parse(&m, b, "fuzz", err, sizeof(err));
	if (rc != 0 && rc != MR_ECORRUPT)
		die("maps: unexpected result", err);
	for (i = 0; rc == 0 && i < m.n; i++)
		if (m.v[i].start > m.v[i].end || !m.v[i].name)
			die("maps: bad entry", m.v[i].name);
	mr_maps_release(&m);
	rc = mr_maps_load(&m, path, err, sizeof(err));
	if (rc != 0 && rc != MR_ECORRUPT)
		die("maps load: unexpected result", err);
	mr_maps_release(&m);
	rc = mr_stat_load_brk(&a, &k, path, err, sizeof(err));
	if (rc != 0 && rc != MR_ECORRUPT)
		die("stat: unexpected result", err);
}

/* The table at path: read whole or refused with a message naming the
 * file; what is read is as faults.h promises. Returns the result. */
static int run_faults(void)
{
	mr_faults f;
	char err[256];
	size_t i;
	int rc;

	memset(&f, 0xa5, sizeof(f));
	err[0] = '\0';
	rc = mr_faults_load(&f, path, err, sizeof(err));
	if (rc != 0 && rc != MR_ECORRUPT)
		die("faults: unexpected result", err);
	if (rc == MR_ECORRUPT &&
	    (strncmp(err, path, strlen(path)) != 0 || f.n || f.v))
		die("faults: error leaves a table or names no file", err);
	for (i = 0; i < f.n; i++)
		if (f.v[i].tid <= 0 ||
		    (i && f.v[i].after_line < f.v[i - 1].after_line))
			die("faults: bad entry", path);
	if (rc == 0) {
		nfaults += f.n;
		ntables++;
	}
	mr_faults_release(&f);
	if (f.v || f.n)
		die("faults: release", "left a table");
	return rc;
}

/* perf script text at path: events until the end, or refused with a
 * message naming the file. Returns the last result. */
static int run_perf(void)
{
	mr_perf_event ev;
	char err[256];
	mr_perf *p;
	int rc;

	if (mr_perf_open(&p, path, err, sizeof(err)))
		die("perf: cannot open", err);
	while ((rc = mr_perf_next(p, &ev)) == 1) {
		if (ev.tid <= 0 || !ev.comm || !ev.event)
			die("perf: bad event", path);
		nperf++;
	}
	if (rc != 0 && rc != MR_ECORRUPT)
		die("perf: unexpected result", mr_perf_errmsg(p));
	if (rc == MR_ECORRUPT &&
	    strncmp(mr_perf_errmsg(p), path, strlen(path)) != 0)
		die("perf: error names no file", mr_perf_errmsg(p));
	mr_perf_free(p);
	return rc;
}

int main(int argc, char **argv)
{
	char dir[4096], *b = malloc(MAX_IN + 1), *z;
	long iters = argc > 2 ? atol(argv[2]) : 60000;
	size_t n, zn, zcap = ZSTD_compressBound(MAX_IN);
	long i;

	if (argc < 2)
		die("usage", "fuzz_smoke CORPUS_DIR [ITERATIONS [SEED]]");
	rng = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x6d6d7265706c6179ull;
	snprintf(dir, sizeof(dir), "%s/strace", argv[1]);
	load_dir(dir, SEED_STRACE);
	snprintf(dir, sizeof(dir), "%s/maps", argv[1]);
	load_dir(dir, SEED_MAPS);
	snprintf(dir, sizeof(dir), "%s/faults", argv[1]);
	load_dir(dir, SEED_FAULTS);
	snprintf(dir, sizeof(dir), "%s/perf", argv[1]);
	load_dir(dir, SEED_PERF);
	if (!nseeds)
		die("empty corpus", argv[1]);
	snprintf(path, sizeof(path), "/dev/shm/mr_fuzz_smoke_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/mr_fuzz_smoke_XXXXXX");
		fd = mkstemp(path);
	}
	z = malloc(zcap);
	if (fd < 0 || !b || !z)
		die("setup", path);
	/* the fault and perf seeds themselves are good input */
	for (i = 0; i < nseeds; i++) {
		if (seeds[i].kind != SEED_FAULTS && seeds[i].kind != SEED_PERF)
			continue;
		put_file(seeds[i].p, seeds[i].n);
		if ((seeds[i].kind == SEED_FAULTS ? run_faults() : run_perf()))
			die("seed does not load", path);
	}

	for (i = 0; i < iters; i++) {
		const struct seed *s = &seeds[below(nseeds)];

		memcpy(b, s->p, s->n);
		n = s->n;
		mutate(b, &n, s);
		if (s->kind == SEED_MAPS) {
			put_file(b, n);
			run_maps(b, n);
			continue;
		}
		if (below(8) == 0) {
			/* through zstd, sometimes damaged after compression */
			zn = ZSTD_compress(z, zcap, b, n, 1);
			if (ZSTD_isError(zn))
				die("zstd", ZSTD_getErrorName(zn));
			if (below(2))
				mutate(z, &zn, s);
			put_file(z, zn);
		} else {
			put_file(b, n);
		}
		if (s->kind == SEED_FAULTS || s->kind == SEED_PERF) {
			if ((s->kind == SEED_FAULTS
				     ? run_faults()
				     : run_perf()) == MR_ECORRUPT)
				ncorrupt++;
			continue;
		}
		run_strace();
	}
	printf("fuzz_smoke: %ld inputs from %d seeds: %lu events, %lu ends, "
	       "%lu faults in %lu tables, %lu perf events, %lu MR_ECORRUPT "
	       "(%lu read again with --lenient); no failure\n",
	       iters, nseeds, nevents, nends, nfaults, ntables, nperf,
	       ncorrupt, nlenient);
	close(fd);
	unlink(path);
	free(z);
	free(b);
	for (i = 0; i < nseeds; i++)
		free(seeds[i].p);
	return 0;
}
