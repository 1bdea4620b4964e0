/*
 * sqlq.c - the history's writes, run by a thread of their own (sqlq.h).
 *
 * Calls are records in chunks of CHUNK bytes: a header (what, the
 * statement, the parameter, a number) and the bytes of a text. The
 * producer fills one chunk at a time; a full one joins the list the
 * writer takes from, and at most MAX_CHUNKS exist (the producer waits
 * for one to come back), so a replay whose store is slower than its
 * model is held back, never grown.
 */
#include "replay/sqlq.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (256 * 1024)
#define MAX_CHUNKS 16

enum { Q_INT, Q_NULL, Q_INTS, Q_TEXT, Q_STEP, Q_CLEAR, Q_EXEC };

struct rec {
	uint8_t op;	 /* Q_* */
	int32_t idx;	 /* the parameter */
	uint32_t len;	 /* bytes of text after the header */
	sqlite3_stmt *s; /* the statement */
	int64_t v;	 /* the number; Q_STEP: its WHAT; Q_INTS: the
			    NULL mask (the numbers follow, len bytes) */
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	unsigned char *data;
};

struct mr_sqlq {
	sqlite3 *db;
	char *path;
	pthread_mutex_t mu;
	pthread_cond_t work, done; /* a chunk to run; a chunk run */
	struct chunk *cur;	   /* the producer's */
	struct chunk *head, *tail; /* full, waiting for the writer */
	struct chunk *spare;	   /* run, to be filled again */
	int nchunks;		   /* chunks of CHUNK bytes that exist */
	int busy;		   /* the writer runs a chunk */
	int stop;		   /* the writer is to end */
	int threaded;		   /* a writer thread runs */
	pthread_t th;
	atomic_int failed;
	atomic_int claimed; /* err is being written */
	char err[512];
};

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* Record a failure (the writer's, or the caller's in line). */
static void fail(mr_sqlq *q, const char *what, const char *msg)
{
	if (atomic_exchange(&q->claimed, 1))
		return;
	snprintf(q->err, sizeof(q->err), "%s: %s: %s", q->path, what,
		 msg ? msg : "SQL error");
	atomic_store(&q->failed, 1);
}

/* Make one call on the connection. */
static void apply(mr_sqlq *q, const struct rec *r, const char *text)
{
	char *err = NULL;
	int rc;

	if (atomic_load(&q->failed)) {
		if (r->op == Q_STEP)
			sqlite3_reset(r->s);
		return;
	}
	switch (r->op) {
	case Q_INT:
		sqlite3_bind_int64(r->s, r->idx, r->v);
		break;
	case Q_NULL:
		sqlite3_bind_null(r->s, r->idx);
		break;
	case Q_INTS: {
		const int64_t *v = (const void *)text;
		uint32_t i;

		for (i = 0; i < r->len / 8; i++)
			if ((uint64_t)r->v >> i & 1)
				sqlite3_bind_null(r->s, r->idx + (int)i);
			else
				sqlite3_bind_int64(r->s, r->idx + (int)i, v[i]);
		break;
	}
	case Q_TEXT:
		sqlite3_bind_text(r->s, r->idx, text, (int)r->len,
				  SQLITE_TRANSIENT);
		break;
	case Q_CLEAR:
		sqlite3_clear_bindings(r->s);
		break;
	case Q_STEP:
		rc = sqlite3_step(r->s);
		sqlite3_reset(r->s);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			fail(q, (const char *)(intptr_t)r->v,
			     sqlite3_errmsg(q->db));
		break;
	case Q_EXEC:
		if (sqlite3_exec(q->db, text, NULL, NULL, &err) != SQLITE_OK)
			fail(q, "running SQL", err);
		sqlite3_free(err);
		break;
	}
}

static void run_chunk(mr_sqlq *q, const struct chunk *c)
{
	size_t off = 0;

	while (off < c->used) {
		const struct rec *r = (const void *)(c->data + off);

		off += sizeof(*r);
		apply(q, r, (const char *)c->data + off);
		off += ALIGN8((size_t)r->len);
	}
}

static void *writer(void *arg)
{
	mr_sqlq *q = arg;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		struct chunk *c;

		while (!q->head && !q->stop)
			pthread_cond_wait(&q->work, &q->mu);
		if (!q->head)
			break;
		c = q->head;
		q->head = c->next;
		if (!q->head)
			q->tail = NULL;
		q->busy = 1;
		pthread_mutex_unlock(&q->mu);
		run_chunk(q, c);
		pthread_mutex_lock(&q->mu);
		q->busy = 0;
		if (c->cap == CHUNK) {
			c->used = 0;
			c->next = q->spare;
			q->spare = c;
		} else { /* one record too big for a chunk */
			free(c->data);
			free(c);
		}
		pthread_cond_broadcast(&q->done);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

static struct chunk *chunk_new(size_t cap)
{
	struct chunk *c = calloc(1, sizeof(*c));

	if (c && !(c->data = malloc(cap))) {
		free(c);
		return NULL;
	}
	if (c)
		c->cap = cap;
	return c;
}

mr_sqlq *mr_sqlq_new(sqlite3 *db, const char *path, int threaded)
{
	mr_sqlq *q = calloc(1, sizeof(*q));

	if (!q || !(q->path = strdup(path))) {
		free(q);
		return NULL;
	}
	q->db = db;
	atomic_init(&q->failed, 0);
	atomic_init(&q->claimed, 0);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->done, NULL);
	if (threaded && (q->cur = chunk_new(CHUNK))) {
		q->nchunks = 1;
		q->threaded = !pthread_create(&q->th, NULL, writer, q);
	}
	return q;
}

/* Hand the producer's chunk to the writer (the lock held). */
static void submit_locked(mr_sqlq *q)
{
	struct chunk *c = q->cur;

	if (!c || !c->used)
		return;
	c->next = NULL;
	if (q->tail)
		q->tail->next = c;
	else
		q->head = c;
	q->tail = c;
	q->cur = NULL;
	pthread_cond_signal(&q->work);
}

/* A chunk with room for a record of NEED bytes as q->cur, or NULL. */
static struct chunk *room(mr_sqlq *q, size_t need)
{
	struct chunk *c = q->cur;

	if (c && c->cap - c->used >= need)
		return c;
	pthread_mutex_lock(&q->mu);
	submit_locked(q);
	if (need > CHUNK) {
		c = chunk_new(need);
	} else {
		while (!q->spare && q->nchunks >= MAX_CHUNKS)
			pthread_cond_wait(&q->done, &q->mu);
		if (q->spare) {
			c = q->spare;
			q->spare = c->next;
		} else if ((c = chunk_new(CHUNK))) {
			q->nchunks++;
		}
	}
	pthread_mutex_unlock(&q->mu);
	if (!c)
		fail(q, "queueing a write", "out of memory");
	q->cur = c;
	return c;
}

static void put(mr_sqlq *q, int op, sqlite3_stmt *s, int idx, int64_t v,
		const char *text, size_t len)
{
	struct rec r;
	struct chunk *c;
	size_t need = sizeof(r) + ALIGN8(len);

	memset(&r, 0, sizeof(r));
	r.op = (uint8_t)op;
	r.idx = idx;
	r.len = (uint32_t)len;
	r.s = s;
	r.v = v;
	if (!q->threaded) {
		apply(q, &r, text);
		return;
	}
	if (atomic_load(&q->failed) || !(c = room(q, need)))
		return;
	memcpy(c->data + c->used, &r, sizeof(r));
	if (len)
		memcpy(c->data + c->used + sizeof(r), text, len);
	c->used += need;
}

/* A record without text into the producer's chunk when it has room
 * (most calls): 1, else 0 (put() then does it). */
static int put_fast(mr_sqlq *q, int op, sqlite3_stmt *s, int idx, int64_t v)
{
	struct chunk *c = q->cur;
	struct rec *r;

	if (!q->threaded || !c || c->cap - c->used < sizeof(*r))
		return 0;
	r = (struct rec *)(void *)(c->data + c->used);
	r->op = (uint8_t)op;
	r->idx = idx;
	r->len = 0;
	r->s = s;
	r->v = v;
	c->used += sizeof(*r);
	return 1;
}

void mr_sqlq_int(mr_sqlq *q, sqlite3_stmt *s, int i, int64_t v)
{
	if (!put_fast(q, Q_INT, s, i, v))
		put(q, Q_INT, s, i, v, NULL, 0);
}

void mr_sqlq_null(mr_sqlq *q, sqlite3_stmt *s, int i)
{
	if (!put_fast(q, Q_NULL, s, i, 0))
		put(q, Q_NULL, s, i, 0, NULL, 0);
}

void mr_sqlq_ints(mr_sqlq *q, sqlite3_stmt *s, int first, const int64_t *v,
		  uint64_t nulls, int n)
{
	put(q, Q_INTS, s, first, (int64_t)nulls, (const char *)v,
	    (size_t)n * sizeof(*v));
}

void mr_sqlq_text(mr_sqlq *q, sqlite3_stmt *s, int i, const char *t, int len)
{
	size_t n = len < 0 ? strlen(t) : (size_t)len;

	if (n > UINT32_MAX - 8) {
		fail(q, "queueing a write", "a text too long");
		return;
	}
	put(q, Q_TEXT, s, i, 0, t, n);
}

void mr_sqlq_step(mr_sqlq *q, sqlite3_stmt *s, const char *what)
{
	put(q, Q_STEP, s, 0, (int64_t)(intptr_t)what, NULL, 0);
}

void mr_sqlq_clear(mr_sqlq *q, sqlite3_stmt *s)
{
	put(q, Q_CLEAR, s, 0, 0, NULL, 0);
}

void mr_sqlq_exec(mr_sqlq *q, const char *sql)
{
	put(q, Q_EXEC, NULL, 0, 0, sql, strlen(sql) + 1);
}

int mr_sqlq_sync(mr_sqlq *q)
{
	if (q->threaded) {
		pthread_mutex_lock(&q->mu);
		submit_locked(q);
		while (q->head || q->busy)
			pthread_cond_wait(&q->done, &q->mu);
		pthread_mutex_unlock(&q->mu);
	}
	return atomic_load(&q->failed);
}

int mr_sqlq_failed(mr_sqlq *q)
{
	return atomic_load(&q->failed);
}

const char *mr_sqlq_errmsg(mr_sqlq *q)
{
	return atomic_load(&q->failed) ? q->err : "";
}

int mr_sqlq_stop(mr_sqlq *q)
{
	mr_sqlq_sync(q);
	if (q->threaded) {
		pthread_mutex_lock(&q->mu);
		q->stop = 1;
		pthread_cond_signal(&q->work);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->th, NULL);
		q->threaded = 0;
	}
	return atomic_load(&q->failed);
}

void mr_sqlq_free(mr_sqlq *q)
{
	struct chunk *c;

	if (!q)
		return;
	mr_sqlq_stop(q);
	while ((c = q->spare)) {
		q->spare = c->next;
		free(c->data);
		free(c);
	}
	if (q->cur) {
		free(q->cur->data);
		free(q->cur);
	}
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->done);
	free(q->path);
	free(q);
}
