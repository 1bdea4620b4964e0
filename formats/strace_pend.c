/*
 * strace_pend.c - the calls strace left "<unfinished ...>", keyed by pid
 * until their "<... name resumed>" line: open addressing on the pid,
 * linear probing, backward-shift deletion (no tombstones). A slot keeps
 * its text buffer when it empties, so steady state allocates nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/errcode.h"
#include "formats/formats_int.h"

static size_t home(const struct ptab *t, int32_t pid)
{
	return ((uint32_t)pid * 2654435761u >> 7) & (t->cap - 1);
}

struct pend *mr_pend_find(struct ptab *t, int32_t pid)
{
	size_t i;

	if (!t->cap)
		return NULL;
	for (i = home(t, pid); t->v[i].used; i = (i + 1) & (t->cap - 1))
		if (t->v[i].pid == pid)
			return &t->v[i];
	return NULL;
}

/* Make room for one more call; may move every slot. */
int mr_pend_reserve(struct ptab *t)
{
	struct ptab nt;
	size_t i, j;

	if (t->cap && (t->n + 1) * 4 <= t->cap * 3)
		return 0;
	nt.cap = t->cap ? t->cap * 2 : 16;
	nt.n = t->n;
	nt.v = calloc(nt.cap, sizeof(*nt.v));
	if (!nt.v)
		return MR_ENOMEM;
	for (i = 0; i < t->cap; i++) {
		if (!t->v[i].used) {
			free(t->v[i].buf);
			continue;
		}
		for (j = home(&nt, t->v[i].pid); nt.v[j].used;
		     j = (j + 1) & (nt.cap - 1))
			;
		nt.v[j] = t->v[i];
	}
	free(t->v);
	*t = nt;
	return 0;
}

/* A slot for PID, which must not be in the table; pend_reserve first. */
struct pend *mr_pend_insert(struct ptab *t, int32_t pid)
{
	size_t i;

	for (i = home(t, pid); t->v[i].used; i = (i + 1) & (t->cap - 1))
		;
	t->v[i].used = 1;
	t->v[i].pid = pid;
	t->v[i].target = 0;
	t->n++;
	return &t->v[i];
}

void mr_pend_delete(struct ptab *t, struct pend *e)
{
	size_t i = (size_t)(e - t->v), j = i, k, mask = t->cap - 1;
	struct pend tmp;

	t->v[i].used = 0;
	t->n--;
	for (;;) {
		j = (j + 1) & mask;
		if (!t->v[j].used)
			return;
		k = home(t, t->v[j].pid);
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		tmp = t->v[i];
		t->v[i] = t->v[j];
		t->v[j] = tmp;
		i = j;
	}
}

int mr_pend_set(struct pend *e, const char *name, size_t nlen, const char *args,
		size_t alen)
{
	size_t need = nlen + alen + 2, ncap = e->cap ? e->cap : 64;
	char *nb;

	if (need > e->cap) {
		while (ncap < need)
			ncap *= 2;
		nb = realloc(e->buf, ncap);
		if (!nb)
			return MR_ENOMEM;
		e->buf = nb;
		e->cap = ncap;
	}
	memcpy(e->buf, name, nlen);
	e->buf[nlen] = '\0';
	memcpy(e->buf + nlen + 1, args, alen);
	e->buf[nlen + 1 + alen] = '\0';
	e->name_len = nlen;
	e->args_len = alen;
	return 0;
}

void mr_pend_release(struct ptab *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->v[i].buf);
	free(t->v);
	t->v = NULL;
	t->cap = 0;
	t->n = 0;
}
