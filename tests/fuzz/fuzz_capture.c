/*
 * fuzz_capture.c - whole captures, damaged, through the whole replay:
 * reader, snapshots, fault table, perf events, machine profile, model,
 * invariants and history.
 *
 * Each iteration takes one bundled capture (the trace and every file of
 * its snap/, decompressed), mutates one of its files (the trace most
 * often) with the mutations of fuzz_mut.h, writes the capture into a
 * temporary directory and replays it in-process. The replay must end
 * with 0 (clean), 1 (divergences or violations) or 2 (unusable input,
 * with a message), never crash, hang or leak (run it under ASan); a
 * history it stored must open and hold its meta.
 *
 * usage: fuzz_capture ITERATIONS SEED CAPTURE_DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zstd.h>

#include "engine/errcode.h"
#include "replay/replay.h"
#include "tests/fuzz/fuzz_mut.h"

#define MAX_FILES 96
#define MAX_SIZE (4u << 20) /* a file's room once mutated */

struct file {
	char *name; /* "trace.strace" or "snap/NAME" (without .zst) */
	char *p;    /* its bytes, decompressed */
	size_t n;
};

struct capture {
	const char *dir;
	struct file f[MAX_FILES];
	int nf;
};

static struct capture *caps;
static int ncaps;

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_capture: %s: %s\n", what, detail);
	exit(1);
}

/* PATH's bytes, decompressed when they are zstd frames. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p = malloc(MAX_SIZE), *d;
	size_t got;
	unsigned long long want;

	if (!f || !p)
		die("cannot read", path);
	got = fread(p, 1, MAX_SIZE, f);
	fclose(f);
	if (got < 4 || memcmp(p, "\x28\xb5\x2f\xfd", 4)) {
		*n = got;
		return p;
	}
	want = ZSTD_getFrameContentSize(p, got);
	d = malloc(MAX_SIZE);
	if (!d)
		die("out of memory", path);
	if (want != ZSTD_CONTENTSIZE_UNKNOWN &&
	    want != ZSTD_CONTENTSIZE_ERROR && want <= MAX_SIZE / 2) {
		size_t r = ZSTD_decompress(d, MAX_SIZE, p, got);

		if (!ZSTD_isError(r)) {
			free(p);
			*n = r;
			return d;
		}
	}
	{ /* streamed frames: decompress as a stream */
		ZSTD_DStream *z = ZSTD_createDStream();
		ZSTD_inBuffer in = {p, got, 0};
		ZSTD_outBuffer out = {d, MAX_SIZE / 2, 0};

		while (in.pos < in.size && out.pos < out.size) {
			size_t r = ZSTD_decompressStream(z, &out, &in);

			if (ZSTD_isError(r))
				die("bad zstd in a bundled capture", path);
			if (r == 0 && in.pos == in.size)
				break;
		}
		ZSTD_freeDStream(z);
		*n = out.pos;
	}
	free(p);
	return d;
}

static void add(struct capture *c, const char *name, const char *path)
{
	struct file *f;
	size_t l = strlen(name);

	if (c->nf == MAX_FILES)
		return;
	f = &c->f[c->nf++];
	f->name = strdup(name);
	if (l > 4 && !strcmp(f->name + l - 4, ".zst"))
		f->name[l - 4] = '\0';
	f->p = slurp(path, &f->n);
}

static void load(struct capture *c, const char *dir)
{
	char path[4096], name[512];
	struct dirent **names;
	int n;

	c->dir = dir;
	snprintf(path, sizeof(path), "%s/trace.strace.zst", dir);
	add(c, "trace.strace", path);
	snprintf(path, sizeof(path), "%s/snap", dir);
	n = scandir(path, &names, NULL, alphasort); /* sorted: determinism */
	for (int i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/snap/%s", dir,
			 names[i]->d_name);
		if (!stat(path, &st) && S_ISREG(st.st_mode) &&
		    st.st_size < (off_t)MAX_SIZE / 4) {
			snprintf(name, sizeof(name), "snap/%s",
				 names[i]->d_name);
			add(c, name, path);
		}
		free(names[i]);
	}
	if (n > 0)
		free(names);
}

static struct mut_src any_trace(void *ctx)
{
	const struct capture *c = &caps[below((size_t)ncaps)];
	struct mut_src r = {c->f[0].p, c->f[0].n};

	(void)ctx;
	return r;
}

static void put(const char *dir, const char *name, const char *p, size_t n)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f))
		die("cannot write", path);
}

/* The history left must open and say whether it finished. */
static void check_db(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	struct stat sb;

	if (stat(path, &sb) || sb.st_size == 0)
		return; /* nothing stored: input refused before the first step
			 */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ||
	    sqlite3_prepare_v2(db,
			       "SELECT value FROM meta WHERE key = 'finished'",
			       -1, &st, NULL))
		die("history does not open", sqlite3_errmsg(db));
	if (sqlite3_step(st) != SQLITE_ROW)
		die("history without meta.finished", path);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/mr_fuzz_capture_XXXXXX", snap[64], db[64];
	char trace[64], *buf = malloc(MAX_SIZE), err[1024];
	long iters;
	unsigned long rcs[3] = {0};
	FILE *devnull = fopen("/dev/null", "w");

	if (argc < 4)
		die("usage", "fuzz_capture ITERATIONS SEED CAPTURE_DIR...");
	iters = atol(argv[1]);
	/* any seed, 0 too, gives a state that is not 0 */
	rng = (strtoull(argv[2], NULL, 0) * 0x9e3779b97f4a7c15ull) | 1;
	ncaps = argc - 3;
	caps = calloc((size_t)ncaps, sizeof(*caps));
	if (!caps || !buf || !devnull || !mkdtemp(tmp))
		die("setup", tmp);
	for (int i = 0; i < ncaps; i++)
		load(&caps[i], argv[3 + i]);
	snprintf(snap, sizeof(snap), "%s/snap", tmp);
	snprintf(db, sizeof(db), "%s/h.db", tmp);
	snprintf(trace, sizeof(trace), "%s/trace.strace", tmp);
	mkdir(snap, 0755);

	for (long it = 0; it < iters; it++) {
		struct capture *c = &caps[below((size_t)ncaps)];
		int victim = below(10) < 6 ? 0 : (int)below((size_t)c->nf);
		mr_replay_opts o;
		mr_replay_summary s;
		int rc;

		for (int i = 0; i < c->nf; i++) {
			if (i != victim) {
				put(tmp, c->f[i].name, c->f[i].p, c->f[i].n);
				continue;
			}
			size_t n = c->f[i].n;

			memcpy(buf, c->f[i].p, n);
			mutate(buf, &n, MAX_SIZE, any_trace, NULL);
			put(tmp, c->f[i].name, buf, n);
		}
		mr_replay_opts_default(&o);
		o.trace = trace;
		o.snapdir = snap;
		o.db = db;
		o.show = 0;
		o.progress = 0;
		o.out = devnull;
		err[0] = '\0';
		rc = mr_replay_run(&o, &s, err, sizeof(err));
		if (rc < 0 || rc > 2) {
			fprintf(stderr, "iteration %ld, %s, file %s\n", it,
				c->dir, c->f[victim].name);
			die("replay returned", err);
		}
		if (rc == 2 && !err[0])
			die("exit 2 without a message", c->f[victim].name);
		rcs[rc]++;
		check_db(db);
		unlink(db);
		for (int i = 0; i < c->nf; i++) {
			char p[4200];

			snprintf(p, sizeof(p), "%s/%s", tmp, c->f[i].name);
			unlink(p);
		}
	}
	printf("fuzz_capture: %ld damaged captures replayed: %lu clean, %lu "
	       "with divergences or violations, %lu refused; no failure\n",
	       iters, rcs[0], rcs[1], rcs[2]);
	rmdir(snap);
	rmdir(tmp);
	for (int i = 0; i < ncaps; i++)
		for (int j = 0; j < caps[i].nf; j++) {
			free(caps[i].f[j].name);
			free(caps[i].f[j].p);
		}
	free(caps);
	free(buf);
	fclose(devnull);
	return 0;
}
