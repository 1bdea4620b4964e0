/*
 * intern.c - byte strings to ids (open addressing, FNV-1a, bounded).
 */
#include "replay/intern.h"

#include <stdlib.h>
#include <string.h>

struct slot {
	uint64_t hash; /* of the key */
	size_t off;    /* key bytes in the arena */
	size_t len;
	int64_t id; /* 0: empty */
};

struct mr_intern {
	struct slot *slots;
	size_t cap;   /* slots, a power of two, at least 2 * max */
	size_t count; /* keys */
	size_t max;   /* keys before forgetting */
	char *arena;  /* the keys' bytes */
	size_t alen, acap;
};

/* Eight bytes at a time, each word mixed by a multiply (keys are tens
 * to hundreds of bytes: a byte-wise hash was a tenth of a replay). */
static uint64_t hash_bytes(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	if (len)
		memcpy(&w, p, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	return h ^ h >> 29;
}

mr_intern *mr_intern_new(size_t max)
{
	mr_intern *t = calloc(1, sizeof(*t));
	size_t cap = 16;

	if (!t)
		return NULL;
	if (!max)
		max = 1;
	while (cap < 2 * max)
		cap *= 2;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	t->cap = cap;
	t->max = max;
	return t;
}

void mr_intern_free(mr_intern *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t->arena);
	free(t);
}

static struct slot *find(const mr_intern *t, const void *key, size_t len,
			 uint64_t h)
{
	size_t i = (size_t)h & (t->cap - 1);

	for (;; i = (i + 1) & (t->cap - 1)) {
		struct slot *s = &t->slots[i];

		if (!s->id)
			return s;
		if (s->hash == h && s->len == len &&
		    !memcmp(t->arena + s->off, key, len))
			return s;
	}
}

int64_t mr_intern_get(const mr_intern *t, const void *key, size_t len)
{
	return find(t, key, len, hash_bytes(key, len))->id;
}

static void forget(mr_intern *t)
{
	memset(t->slots, 0, t->cap * sizeof(*t->slots));
	t->count = 0;
	t->alen = 0;
}

int mr_intern_put(mr_intern *t, const void *key, size_t len, int64_t id)
{
	uint64_t h = hash_bytes(key, len);
	struct slot *s;

	if (t->count >= t->max || t->alen + len > MR_INTERN_BYTES)
		forget(t);
	if (mr_intern_reserve(&t->arena, &t->acap, t->alen + len)) {
		forget(t);
		return -1;
	}
	s = find(t, key, len, h);
	if (len)
		memcpy(t->arena + t->alen, key, len);
	s->hash = h;
	s->off = t->alen;
	s->len = len;
	s->id = id;
	t->alen += len;
	t->count++;
	return 0;
}

int mr_intern_reserve(char **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 256;
	char *b;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -1;
		n *= 2;
	}
	b = realloc(*buf, n);
	if (!b)
		return -1;
	*buf = b;
	*cap = n;
	return 0;
}

size_t mr_intern_count(const mr_intern *t)
{
	return t->count;
}
