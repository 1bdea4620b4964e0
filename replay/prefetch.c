/*
 * prefetch.c - a trace read and parsed on a thread of its own
 * (prefetch.h), through a pipe (formats/pipe.h) of items that are each
 * an event or one of the reader's warnings, in the order the reader
 * gave them.
 */
#include "replay/prefetch.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "formats/pipe.h"

struct item {
	mr_event ev; /* a warning: its text in ev.args */
	int warn;
};

struct mr_prefetch {
	mr_reader *rd;
	mr_reader_warn_fn warn;
	void *ctx;
	mr_pipe *pipe;	/* the consumer's handle */
	mr_pipe *wpipe; /* the same, as the body sees it (its thread's) */
};

/* The reader's warnings, in line with its events (on the pipe's
 * thread). */
static void on_warn(void *ctx, const char *msg)
{
	mr_prefetch *p = ctx;
	struct item *it = mr_pipe_slot(p->wpipe);

	if (!it)
		return;
	memset(it, 0, sizeof(*it));
	it->warn = 1;
	it->ev.args = msg;
	mr_pipe_put(p->wpipe);
}

static int body(void *ctx, mr_pipe *pipe)
{
	mr_prefetch *p = ctx;

	p->wpipe = pipe;
	for (;;) {
		mr_event ev;
		struct item *it;
		int rc = mr_reader_next(p->rd, &ev);

		if (rc != 1)
			return rc;
		if (!(it = mr_pipe_slot(pipe)))
			return 0; /* stopped: nobody takes it */
		it->warn = 0;
		it->ev = ev;
		if (mr_pipe_put(pipe))
			return -1;
	}
}

mr_prefetch *mr_prefetch_new(mr_reader *rd, mr_reader_warn_fn warn, void *ctx)
{
	static const size_t strs[] = {offsetof(struct item, ev.name),
				      offsetof(struct item, ev.args),
				      offsetof(struct item, ev.ret_path),
				      offsetof(struct item, ev.fd_path),
				      offsetof(struct item, ev.str),
				      offsetof(struct item, ev.str2)};
	mr_prefetch *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->rd = rd;
	p->warn = warn;
	p->ctx = ctx;
	/* the warnings go through the pipe from before its first event */
	mr_reader_set_warn(rd, on_warn, p);
	p->pipe = mr_pipe_start(sizeof(struct item), strs,
				sizeof(strs) / sizeof(strs[0]), body, p);
	if (!p->pipe) {
		mr_reader_set_warn(rd, warn, ctx);
		free(p);
		return NULL;
	}
	return p;
}

int mr_prefetch_next(mr_prefetch *p, mr_event *ev)
{
	for (;;) {
		const void *v;
		const struct item *it;
		int rc = mr_pipe_take(p->pipe, &v);

		if (rc != 1)
			return rc;
		it = v;
		if (!it->warn) {
			*ev = it->ev;
			return 1;
		}
		if (p->warn)
			p->warn(p->ctx, it->ev.args);
	}
}

void mr_prefetch_free(mr_prefetch *p)
{
	if (!p)
		return;
	mr_pipe_stop(p->pipe);
	mr_reader_set_warn(p->rd, p->warn, p->ctx);
	free(p);
}
