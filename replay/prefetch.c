/*
 * prefetch.c - a trace read and parsed on a thread of its own
 * (prefetch.h).
 *
 * A batch holds up to NEV items (an event or a warning) and their
 * strings in one arena. While the reader fills it the strings are
 * offsets into the arena (which may move as it grows); they become
 * pointers when the batch is handed over. NBATCH batches exist.
 */
#include "replay/prefetch.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NEV 2048
#define NBATCH 4
#define ARENA_MAX (1u << 20) /* a batch is handed over past this */

struct item {
	mr_event ev; /* a warning: its text in ev.args */
	int warn;
};

struct batch {
	struct item it[NEV];
	size_t n, pos;	   /* items; the next to hand out */
	char *arena;	   /* the strings */
	size_t alen, acap; /* bytes used, allocated */
	int end;	   /* the reader ended after these items */
	int rc;		   /* ... with this (0, -1) */
};

struct mr_prefetch {
	mr_reader *rd;
	mr_reader_warn_fn warn;
	void *ctx;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a batch filled, or one freed, or stop */
	struct batch b[NBATCH];
	size_t fill, take; /* the reader's batch, the replay's (mod NBATCH) */
	size_t nfull;	   /* batches handed over, not yet given back */
	int stop;
	int taking;	   /* the replay holds b[take] */
};

/* Append S (NULL: none) to B's arena; its offset + 1 (0: NULL), or
 * SIZE_MAX when out of memory. */
static size_t put_str(struct batch *b, const char *s)
{
	size_t n, at;

	if (!s)
		return 0;
	n = strlen(s) + 1;
	if (b->alen + n > b->acap) {
		size_t cap = b->acap ? b->acap : 65536;
		char *a;

		while (cap < b->alen + n)
			cap *= 2;
		a = realloc(b->arena, cap);
		if (!a)
			return SIZE_MAX;
		b->arena = a;
		b->acap = cap;
	}
	at = b->alen;
	memcpy(b->arena + at, s, n);
	b->alen += n;
	return at + 1;
}

static const char *as_ptr(const struct batch *b, const char *off)
{
	uintptr_t o = (uintptr_t)off;

	return o ? b->arena + (o - 1) : NULL;
}

/* The strings of B's items become pointers: B is handed over. */
static void to_ptrs(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		mr_event *e = &b->it[i].ev;

		e->name = as_ptr(b, e->name);
		e->args = as_ptr(b, e->args);
		e->ret_path = as_ptr(b, e->ret_path);
		e->fd_path = as_ptr(b, e->fd_path);
		e->str = as_ptr(b, e->str);
		e->str2 = as_ptr(b, e->str2);
	}
}

/* Hand b[fill] over and wait for the next one to be free; 0, or -1
 * when told to stop. */
static int hand_over(mr_prefetch *p)
{
	int rc = 0;

	to_ptrs(&p->b[p->fill]);
	pthread_mutex_lock(&p->mu);
	p->nfull++;
	pthread_cond_broadcast(&p->cv);
	while (!p->stop && p->nfull == NBATCH)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->stop)
		rc = -1;
	pthread_mutex_unlock(&p->mu);
	p->fill = (p->fill + 1) % NBATCH;
	p->b[p->fill].n = p->b[p->fill].pos = p->b[p->fill].alen = 0;
	return rc;
}

/* Item slot for the reader: the current batch's next, handing the batch
 * over when full. NULL when told to stop. */
static struct item *slot(mr_prefetch *p)
{
	struct batch *b = &p->b[p->fill];

	if ((b->n == NEV || b->alen > ARENA_MAX) && hand_over(p))
		return NULL;
	b = &p->b[p->fill];
	return &b->it[b->n];
}

/* Copy EV's strings as offsets; 0 or -1 when out of memory. */
static int copy_strs(struct batch *b, mr_event *e)
{
	const char **f[6] = {&e->name,	  &e->args, &e->ret_path,
			     &e->fd_path, &e->str,  &e->str2};
	int i;

	for (i = 0; i < 6; i++) {
		size_t o = put_str(b, *f[i]);

		if (o == SIZE_MAX)
			return -1;
		*f[i] = (const char *)(uintptr_t)o;
	}
	return 0;
}

/* The reader's warnings, in line with its events. */
static void on_warn(void *ctx, const char *msg)
{
	mr_prefetch *p = ctx;
	struct item *it = slot(p);
	struct batch *b = &p->b[p->fill];

	if (!it)
		return;
	memset(it, 0, sizeof(*it));
	it->warn = 1;
	it->ev.args = msg;
	if (copy_strs(b, &it->ev) == 0)
		b->n++;
}

static void *reader(void *arg)
{
	mr_prefetch *p = arg;
	int rc = 0;

	for (;;) {
		mr_event ev;
		struct item *it;
		struct batch *b;

		rc = mr_reader_next(p->rd, &ev);
		if (rc != 1)
			break;
		if (!(it = slot(p)))
			return NULL;
		b = &p->b[p->fill];
		it->warn = 0;
		it->ev = ev;
		if (copy_strs(b, &it->ev)) {
			rc = -1;
			break;
		}
		b->n++;
	}
	p->b[p->fill].end = 1;
	p->b[p->fill].rc = rc;
	hand_over(p);
	return NULL;
}

mr_prefetch *mr_prefetch_new(mr_reader *rd, mr_reader_warn_fn warn, void *ctx)
{
	mr_prefetch *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->rd = rd;
	p->warn = warn;
	p->ctx = ctx;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	mr_reader_set_warn(rd, on_warn, p);
	if (pthread_create(&p->th, NULL, reader, p)) {
		mr_reader_set_warn(rd, warn, ctx);
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->cv);
		free(p);
		return NULL;
	}
	return p;
}

int mr_prefetch_next(mr_prefetch *p, mr_event *ev)
{
	for (;;) {
		struct batch *b;

		if (!p->taking) {
			pthread_mutex_lock(&p->mu);
			while (!p->nfull)
				pthread_cond_wait(&p->cv, &p->mu);
			pthread_mutex_unlock(&p->mu);
			p->taking = 1;
		}
		b = &p->b[p->take];
		if (b->pos < b->n) {
			const struct item *it = &b->it[b->pos++];

			if (it->warn) {
				if (p->warn)
					p->warn(p->ctx, it->ev.args);
				continue;
			}
			*ev = it->ev;
			return 1;
		}
		if (b->end) /* stays: later calls end again */
			return b->rc;
		/* B is done with: the reader may fill it again */
		pthread_mutex_lock(&p->mu);
		p->nfull--;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		p->taking = 0;
		p->take = (p->take + 1) % NBATCH;
	}
}

void mr_prefetch_free(mr_prefetch *p)
{
	size_t i;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->th, NULL);
	mr_reader_set_warn(p->rd, p->warn, p->ctx);
	for (i = 0; i < NBATCH; i++)
		free(p->b[i].arena);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}
