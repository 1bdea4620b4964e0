/*
 * corpus.c - `mmreplay check --corpus DIR [-j N] [--index K]`: every
 * capture folder under DIR that has a golden file (trace.strace.zst and
 * golden.txt) checked by N worker processes, one summary in the
 * folders' order whatever order they finish in, and one JUnit file with
 * a test case per capture. `--index K` checks the K-th capture alone
 * (from 0, in name order): one index of a batch job array.
 */
#include "replay/check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "replay/junit.h"
#include "replay/nodecli.h"

struct cap {
	char *dir;	/* DIR/name */
	char *name;	/* name */
	char out[64];	/* its output file */
	pid_t pid;	/* its worker (0: not started, -1: done) */
	int rc;		/* its exit code */
	double seconds; /* its time */
	struct timespec t0;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct cap *)a)->name,
		      ((const struct cap *)b)->name);
}

static void caps_free(struct cap *caps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(caps[i].dir);
		free(caps[i].name);
	}
	free(caps);
}

/* The capture folders of DIR with a golden file, by name. */
static int list_caps(const char *dir, struct cap **out, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char t[4200], g[4200];
		struct cap *v;

		if (e->d_name[0] == '.')
			continue;
		snprintf(t, sizeof(t), "%s/%s/trace.strace.zst", dir,
			 e->d_name);
		snprintf(g, sizeof(g), "%s/%s/golden.txt", dir, e->d_name);
		if (access(t, R_OK) || access(g, R_OK))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 32;
			v = realloc(*out, cap * sizeof(*v));
			if (!v)
				break;
			*out = v;
		}
		v = &(*out)[*n];
		memset(v, 0, sizeof(*v));
		v->name = strdup(e->d_name);
		if (asprintf(&v->dir, "%s/%s", dir, e->d_name) < 0)
			v->dir = NULL;
		if (!v->name || !v->dir) {
			free(v->name);
			free(v->dir);
			break;
		}
		(*n)++;
	}
	closedir(d);
	qsort(*out, *n, sizeof(**out), by_name);
	return 0;
}

/* A worker: this program's `check` of C, its output into C->out. */
static pid_t start(struct cap *c, size_t idx, const char *tmpdir)
{
	pid_t pid;

	snprintf(c->out, sizeof(c->out), "%s/%zu.out", tmpdir, idx);
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	pid = fork();
	if (pid == 0) {
		char t[4200], g[4200];
		int fd = open(c->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0)
			_exit(2);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		snprintf(t, sizeof(t), "%s/trace.strace.zst", c->dir);
		snprintf(g, sizeof(g), "%s/golden.txt", c->dir);
		execl("/proc/self/exe", "mmreplay", "check", t, "--golden", g,
		      (char *)NULL);
		_exit(2);
	}
	return pid;
}

/* The text of FILE (malloc'd; "" when it cannot be read). */
static char *slurp(const char *file)
{
	FILE *f = fopen(file, "r");
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		if (f)
			fclose(f);
		return NULL;
	}
	while (f && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	if (f)
		fclose(f);
	fclose(m);
	return buf;
}

int mr_check_corpus(const char *dir, int jobs, long index, const char *junit)
{
	struct cap *caps;
	size_t n, i, next = 0, running = 0, failed = 0, from = 0, to;
	char tmpdir[] = "/tmp/mmreplay-corpusXXXXXX";
	mr_junit_case *cases;
	int rc = 0, tty = isatty(2);
	size_t done = 0;

	if (list_caps(dir, &caps, &n)) {
		fprintf(stderr, "mmreplay check: %s: %s\n", dir,
			strerror(errno));
		return 2;
	}
	to = n;
	if (index >= 0) { /* one capture of the array */
		if ((size_t)index >= n) {
			fprintf(stderr,
				"mmreplay check: --index %ld: %s has %zu "
				"captures with a golden file\n",
				index, dir, n);
			caps_free(caps, n);
			return 2;
		}
		from = (size_t)index;
		to = from + 1;
	}
	if (!mkdtemp(tmpdir)) {
		caps_free(caps, n);
		return 2;
	}
	next = from;
	while (next < to || running) {
		int status;
		pid_t pid;

		while (next < to && running < (size_t)jobs) {
			caps[next].pid = start(&caps[next], next, tmpdir);
			if (caps[next].pid < 0)
				caps[next].rc = 2;
			else
				running++;
			next++;
		}
		pid = wait(&status);
		if (pid < 0)
			break;
		for (i = from; i < to; i++)
			if (caps[i].pid == pid) {
				struct timespec t1;

				clock_gettime(CLOCK_MONOTONIC, &t1);
				caps[i].rc = WIFEXITED(status)
						     ? WEXITSTATUS(status)
						     : 2;
				caps[i].seconds = (double)(t1.tv_sec -
							   caps[i].t0.tv_sec) +
						  (double)(t1.tv_nsec -
							   caps[i].t0.tv_nsec) /
							  1e9;
				caps[i].pid = -1;
				running--;
				done++;
			}
		/* a progress line on a terminal, nothing when piped */
		if (tty)
			fprintf(stderr, "\r%zu/%zu captures checked", done,
				to - from);
	}
	if (tty)
		fprintf(stderr, "\r\033[K");
	cases = calloc(to - from ? to - from : 1, sizeof(*cases));
	for (i = from; i < to; i++) {
		char *text = slurp(caps[i].out);

		printf("%-24s %s\n", caps[i].name,
		       caps[i].rc == 0	 ? "equal"
		       : caps[i].rc == 1 ? "differs"
					 : "error");
		if (caps[i].rc)
			printf("%s", text ? text : "");
		failed += caps[i].rc != 0;
		if (caps[i].rc > rc)
			rc = caps[i].rc;
		if (cases) {
			cases[i - from].name = caps[i].name;
			cases[i - from].failed = caps[i].rc != 0;
			cases[i - from].message = text;
			cases[i - from].seconds = caps[i].seconds;
		} else {
			free(text);
		}
		unlink(caps[i].out);
	}
	printf("%zu of %zu captures equal to their golden files\n",
	       to - from - failed, to - from);
	if (junit && cases &&
	    mr_junit_write(junit, "mmreplay check", cases, (int)(to - from)))
		fprintf(stderr, "mmreplay check: %s: cannot write\n", junit);
	for (i = 0; cases && i < to - from; i++)
		free((char *)cases[i].message);
	free(cases);
	rmdir(tmpdir);
	caps_free(caps, n);
	return rc;
}
