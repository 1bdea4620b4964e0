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
#include "tests/fuzz/fuzz_mut.h"
#include "formats/faults.h"
#include "formats/maps.h"
#include "formats/native.h"
#include "formats/perf.h"
#include "formats/reader.h"

#define MAX_SEEDS 64
#define MAX_IN (256u << 10)

enum seed_kind {
	SEED_STRACE, /* strace output */
	SEED_MAPS,   /* maps/smaps/stat text */
	SEED_FAULTS, /* a page-fault table */
	SEED_PERF,   /* perf script text */
	SEED_MMTR,   /* a .mmtr file (formats/native.h) */
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

/* Splices come from a seed of the same kind as the one mutated. */
static struct mut_src same_kind(void *ctx)
{
	const struct seed *base = ctx, *o = &seeds[below(nseeds)];
	struct mut_src r = {NULL, 0};

	if (o->kind == base->kind) {
		r.p = o->p;
		r.n = o->n;
	}
	return r;
}

static int fd = -1;
static char path[64];
static char ffdir[64];	  /* -ff files: ff.100, ff.101 */
static unsigned long nff; /* -ff merges read */
static unsigned long nevents, nends, ncorrupt, nlenient; /* the summary */
static unsigned long nfaults, ntables;	       /* faults read, whole tables */
static unsigned long nperf;		       /* perf events read */

static void put_file(const void *p, size_t n)
{
	if (ftruncate(fd, 0) || pwrite(fd, p, n, 0) != (ssize_t)n)
		die("cannot write", path);
}

static void check_event(const mr_event *ev);

/*
 * strace -ff files: the input's lines dealt in turn to two files of a
 * directory, read as one merge. Only the reader's contract is checked
 * (most are refused: -ff files need times).
 */
static void run_ff(const char *b, size_t n)
{
	char p[2][96];
	FILE *f[2];
	mr_reader *rd;
	mr_event ev;
	char err[512];
	size_t i, start = 0;
	int k = 0, rc;

	for (int j = 0; j < 2; j++) {
		snprintf(p[j], sizeof(p[j]), "%s/ff.%d", ffdir, 100 + j);
		f[j] = fopen(p[j], "wb");
		if (!f[j])
			die("setup", p[j]);
	}
	for (i = 0; i < n; i++)
		if (b[i] == '\n' || i + 1 == n) {
			fwrite(b + start, 1, i + 1 - start, f[k]);
			k = !k;
			start = i + 1;
		}
	fclose(f[0]);
	fclose(f[1]);
	rc = mr_reader_open(&rd, ffdir, err, sizeof(err));
	if (rc == 0) {
		while ((rc = mr_reader_next(rd, &ev)) == 1)
			check_event(&ev);
		if (rc != 0)
			snprintf(err, sizeof(err), "%s", mr_reader_errmsg(rd));
		mr_reader_free(rd);
	}
	if (rc != 0 && rc != MR_ECORRUPT && rc != MR_EIO)
		die("unexpected result (-ff)", err);
	nff++;
	unlink(p[0]);
	unlink(p[1]);
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
	if (rc == MR_ECORRUPT && !strncmp(err, path, strlen(path))) {
		ncorrupt++; /* a .mmtr whose header is damaged */
		return;
	}
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
	snprintf(dir, sizeof(dir), "%s/mmtr", argv[1]);
	load_dir(dir, SEED_MMTR);
	snprintf(ffdir, sizeof(ffdir), "/tmp/mr_fuzz_ff_XXXXXX");
	if (!mkdtemp(ffdir))
		die("setup", ffdir);
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
		mutate(b, &n, MAX_IN, same_kind, (void *)s);
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
				mutate(z, &zn, zcap, same_kind, (void *)s);
			put_file(z, zn);
		} else {
			put_file(b, n);
		}
		if (s->kind == SEED_MMTR) {
			mr_faults f;
			char err[512];
			int rc;

			put_file(b, n);
			run_strace();
			rc = mr_native_faults(path, &f, err, sizeof(err));
			if (rc != 0 && rc != MR_ECORRUPT && rc != MR_EIO)
				die("unexpected result (faults)", err);
			mr_faults_release(&f);
			continue;
		}
		if (s->kind == SEED_STRACE && below(16) == 0)
			run_ff(b, n);
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
	       "(%lu read again with --lenient), %lu -ff merges; no "
	       "failure\n",
	       iters, nseeds, nevents, nends, nfaults, ntables, nperf, ncorrupt,
	       nlenient, nff);
	rmdir(ffdir);
	close(fd);
	unlink(path);
	free(z);
	free(b);
	for (i = 0; i < nseeds; i++)
		free(seeds[i].p);
	return 0;
}
