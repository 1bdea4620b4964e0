/*
 * fmt_test.h - helpers shared by the formats tests: temporary files and a
 * reader whose warnings are collected for assertions.
 */
#ifndef MR_TESTS_FMT_TEST_H
#define MR_TESTS_FMT_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/errcode.h"
#include "formats/reader.h"

/* Write N bytes to a new temporary file; its path goes to PATH[64]. */
static inline void tmp_write(char *path, const void *data, size_t n)
{
	int fd;

	snprintf(path, 64, "/tmp/mr_fmt_test_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
}

/* A reader over a temporary file, with its warnings collected. */
struct rt {
	mr_reader *rd;	 /* the reader */
	char path[64];	 /* its file */
	char warn[8192]; /* warnings, one per line */
	int nwarn;	 /* how many */
};

static inline void rt_on_warn(void *ctx, const char *msg)
{
	struct rt *t = ctx;
	size_t n = strlen(t->warn);

	t->nwarn++;
	snprintf(t->warn + n, sizeof(t->warn) - n, "%s\n", msg);
}

static inline void rt_open_bytes(struct rt *t, const void *data, size_t n)
{
	char err[256];

	memset(t, 0, sizeof(*t));
	tmp_write(t->path, data, n);
	assert_int_equal(mr_reader_open(&t->rd, t->path, err, sizeof(err)), 0);
	mr_reader_set_warn(t->rd, rt_on_warn, t);
}

static inline void rt_open(struct rt *t, const char *text)
{
	rt_open_bytes(t, text, strlen(text));
}

static inline void rt_close(struct rt *t)
{
	mr_reader_free(t->rd);
	unlink(t->path);
}

/* The next event, which must exist. */
static inline void rt_next(struct rt *t, mr_event *ev)
{
	int rc = mr_reader_next(t->rd, ev);

	if (rc != 1)
		fail_msg("expected an event, got %d: %s", rc,
			 mr_reader_errmsg(t->rd));
}

static inline void rt_end(struct rt *t)
{
	mr_event ev;
	int rc = mr_reader_next(t->rd, &ev);

	if (rc != 0)
		fail_msg("expected the end, got %d (%s)", rc,
			 rc == 1 ? ev.name : mr_reader_errmsg(t->rd));
}

/* Read one line (a '\n' is added) and its single event. */
static inline void rt_one(struct rt *t, const char *line, mr_event *ev)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s\n", line);
	rt_open(t, buf);
	rt_next(t, ev);
}

/* Read TEXT until an error, which must be MR_ECORRUPT. */
static inline void rt_corrupt(struct rt *t, const char *text)
{
	mr_event ev;
	int rc;

	rt_open(t, text);
	while ((rc = mr_reader_next(t->rd, &ev)) == 1)
		;
	if (rc != MR_ECORRUPT)
		fail_msg("expected MR_ECORRUPT for '%s', got %d", text, rc);
}

#endif
