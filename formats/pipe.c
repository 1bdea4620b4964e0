/*
 * pipe.c - items made on a thread of their own, taken in order
 * (pipe.h).
 *
 * A batch holds up to NEV items and their strings in one arena. While
 * the body fills it, an item's strings are offsets into the arena (which
 * may move as it grows); they become pointers when the batch is handed
 * over. Batches are used round robin: the body fills b[fill], the
 * consumer reads b[take], and nfull counts those handed over and not
 * yet given back.
 */
#include "formats/pipe.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NEV 2048
#define NBATCH 4
#define MAX_STRS 8
#define ARENA_MAX (1u << 20) /* a batch is handed over past this */

struct batch {
	unsigned char *items; /* NEV items */
	size_t n, pos;	      /* items; the next to hand out */
	char *arena;	      /* their strings */
	size_t alen, acap;    /* bytes used, allocated */
	int end;	      /* the body ended after these items */
	int rc;		      /* ... with this */
};

struct mr_pipe {
	size_t size;	       /* bytes of an item */
	size_t strs[MAX_STRS]; /* offsets of its string fields */
	size_t nstrs;
	mr_pipe_body body;
	void *ctx;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a batch handed over or given back, or stop */
	struct batch b[NBATCH];
	size_t fill, take; /* the body's batch, the consumer's */
	size_t nfull;	   /* handed over, not yet given back */
	int stop;
	int taking; /* the consumer holds b[take] */
};

static const char **field(const mr_pipe *p, void *item, size_t k)
{
	return (const char **)(void *)((unsigned char *)item + p->strs[k]);
}

/* The strings of B's items become pointers: B is handed over. */
static void to_ptrs(mr_pipe *p, struct batch *b)
{
	size_t i, k;

	for (i = 0; i < b->n; i++)
		for (k = 0; k < p->nstrs; k++) {
			const char **f = field(p, b->items + i * p->size, k);
			uintptr_t o = (uintptr_t)*f;

			*f = o ? b->arena + (o - 1) : NULL;
		}
}

/* Hand b[fill] over and wait for the next one to be free; 0, or -1
 * when told to stop. */
static int hand_over(mr_pipe *p)
{
	struct batch *b;
	int rc = 0;

	to_ptrs(p, &p->b[p->fill]);
	pthread_mutex_lock(&p->mu);
	p->nfull++;
	pthread_cond_broadcast(&p->cv);
	while (!p->stop && p->nfull == NBATCH)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->stop)
		rc = -1;
	pthread_mutex_unlock(&p->mu);
	p->fill = (p->fill + 1) % NBATCH;
	b = &p->b[p->fill];
	b->n = b->pos = b->alen = 0;
	b->end = 0;
	return rc;
}

void *mr_pipe_slot(mr_pipe *p)
{
	struct batch *b = &p->b[p->fill];

	if ((b->n == NEV || b->alen > ARENA_MAX) && hand_over(p))
		return NULL;
	b = &p->b[p->fill];
	return b->items + b->n * p->size;
}

/* Append S to B's arena: its offset + 1, or 0 when out of memory. */
static uintptr_t put_str(struct batch *b, const char *s)
{
	size_t n = strlen(s) + 1, at;

	if (b->alen + n > b->acap) {
		size_t cap = b->acap ? b->acap : 65536;
		char *a;

		while (cap < b->alen + n)
			cap *= 2;
		a = realloc(b->arena, cap);
		if (!a)
			return 0;
		b->arena = a;
		b->acap = cap;
	}
	at = b->alen;
	memcpy(b->arena + at, s, n);
	b->alen += n;
	return (uintptr_t)at + 1;
}

int mr_pipe_put(mr_pipe *p)
{
	struct batch *b = &p->b[p->fill];
	void *item = b->items + b->n * p->size;
	size_t k;

	for (k = 0; k < p->nstrs; k++) {
		const char **f = field(p, item, k);
		uintptr_t o = 0;

		if (*f && !(o = put_str(b, *f)))
			return -1;
		*f = (const char *)o;
	}
	b->n++;
	return 0;
}

static void *run(void *arg)
{
	mr_pipe *p = arg;
	int rc = p->body(p->ctx, p);

	p->b[p->fill].end = 1;
	p->b[p->fill].rc = rc;
	hand_over(p);
	return NULL;
}

mr_pipe *mr_pipe_start(size_t size, const size_t *strs, size_t nstrs,
		       mr_pipe_body body, void *ctx)
{
	mr_pipe *p;
	size_t i;

	if (nstrs > MAX_STRS || !(p = calloc(1, sizeof(*p))))
		return NULL;
	p->size = size;
	memcpy(p->strs, strs, nstrs * sizeof(*strs));
	p->nstrs = nstrs;
	p->body = body;
	p->ctx = ctx;
	for (i = 0; i < NBATCH; i++)
		if (!(p->b[i].items = malloc(NEV * size)))
			goto fail;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (!pthread_create(&p->th, NULL, run, p))
		return p;
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
fail:
	for (i = 0; i < NBATCH; i++)
		free(p->b[i].items);
	free(p);
	return NULL;
}

int mr_pipe_take(mr_pipe *p, const void **item)
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
			*item = b->items + b->pos++ * p->size;
			return 1;
		}
		if (b->end) /* stays: later calls end again */
			return b->rc;
		/* B is done with: the body may fill it again */
		pthread_mutex_lock(&p->mu);
		p->nfull--;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		p->taking = 0;
		p->take = (p->take + 1) % NBATCH;
	}
}

void mr_pipe_stop(mr_pipe *p)
{
	size_t i;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->th, NULL);
	for (i = 0; i < NBATCH; i++) {
		free(p->b[i].items);
		free(p->b[i].arena);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}
