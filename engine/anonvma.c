/*
 * anonvma.c - anon_vma and anon_vma_chain objects as mm/rmap.c keeps them
 * (Linux 6.18): every anon_vma with its reference count, its children,
 * its active VMAs and the chains linked into its interval tree, its
 * parent and root; every VMA's chain of anon_vma_chain entries (one per
 * anon_vma it is linked to, oldest first). The model's anon_vma ids are
 * these anon_vmas.
 *
 *   __anon_vma_prepare(): a chain entry, then an anon_vma unless a
 *   neighbour's is reused (mr_anon_prepare() decides), linked;
 *   anon_vma_clone(): one entry per entry of the source, oldest first
 *   (split, dup_anon_vma() in merges, mremap's copy);
 *   anon_vma_fork(): the clone, reusing the oldest anon_vma of the chain
 *   with no active VMA and fewer than two children, else a new anon_vma
 *   (a child of the parent's, a reference on the root) and one more
 *   entry;
 *   unlink_anon_vmas(): every entry freed; an anon_vma whose tree
 *   empties loses a child at its parent and a reference
 *   (put_anon_vma(): freed at none, then its root loses one).
 *
 * The anon_vmas and entries of an address space seeded from an exec
 * snapshot are the exec's allocations (an exec step is not compared);
 * an anon_vma the model meets without knowing it is a background one.
 * Counts of objects allocated and freed
 * are compared per step with the kernel's kmem_cache events; the
 * objects come from the machine's SLUB caches when it has them.
 */
#include "engine/engine_int.h"
#include "engine/slub.h"

#include <stdlib.h>
#include <string.h>

struct mr_av {
	uint32_t refcount; /* references: 1, plus descendants at a root */
	uint32_t children; /* num_children */
	uint32_t active;   /* num_active_vmas */
	uint32_t tree;	   /* chain entries linked to it */
	uint32_t parent, root;
	int64_t obj; /* its anon_vma object (-1: none) */
	uint8_t live;
};

struct mr_chain {
	uint32_t n, cap;
	uint32_t *av; /* oldest first */
	int64_t *obj; /* each entry's anon_vma_chain object (-1: none) */
};

static struct mr_av *av_at(mr_machine *m, uint32_t id)
{
	if (id >= m->cap_av) {
		size_t cap = m->cap_av ? 2 * m->cap_av : 256;
		struct mr_av *v;

		while (cap <= id)
			cap *= 2;
		v = realloc(m->av, cap * sizeof(*v));
		if (!v) {
			m->phys_oom = 1;
			return NULL;
		}
		memset(v + m->cap_av, 0, (cap - m->cap_av) * sizeof(*v));
		m->av = v;
		m->cap_av = cap;
	}
	return &m->av[id];
}

/* An object of cache K: new (counted), or a background one (seeded). */
static int64_t obj_new(mr_machine *m, int k, int counted)
{
	if (!m->slub || m->kc[k] < 0)
		return -1;
	return counted ? mr_slub_alloc(m->slub, m->kc[k], m->cpu)
		       : mr_slub_adopt(m->slub, m->kc[k]);
}

static void obj_free(mr_machine *m, int k, int64_t obj)
{
	if (m->slub && m->kc[k] >= 0 && obj >= 0 &&
	    mr_slub_put(m->slub, m->kc[k], obj, m->cpu))
		m->frees_bad++;
}

static struct mr_chain *chain_of(mr_machine *m, const mr_vma *v, int make)
{
	uint64_t *s = mr_u64map_find(&m->chains, (uint64_t)(uintptr_t)v);
	struct mr_chain *c;

	if (s || !make)
		return s ? (struct mr_chain *)(uintptr_t)*s : NULL;
	c = calloc(1, sizeof(*c));
	if (!c || mr_u64map_put(&m->chains, (uint64_t)(uintptr_t)v,
				(uint64_t)(uintptr_t)c) < 0) {
		free(c);
		m->phys_oom = 1;
		return NULL;
	}
	return c;
}

/* anon_vma_chain_link(): an entry of V for anon_vma ID, with object OBJ. */
static void link_entry(mr_machine *m, const mr_vma *v, uint32_t id, int64_t obj)
{
	struct mr_chain *c = chain_of(m, v, 1);
	struct mr_av *a = av_at(m, id);

	if (!c || !a)
		return;
	if (c->n == c->cap) {
		uint32_t cap = c->cap ? 2 * c->cap : 2;
		uint32_t *na = realloc(c->av, cap * sizeof(*na));
		int64_t *no;

		if (na)
			c->av = na;
		no = na ? realloc(c->obj, cap * sizeof(*no)) : NULL;
		if (!no) {
			m->phys_oom = 1;
			return;
		}
		c->obj = no;
		c->cap = cap;
	}
	c->av[c->n] = id;
	c->obj[c->n] = obj;
	c->n++;
	a->tree++;
}

/* anon_vma_alloc(): a new anon_vma ID, its own root. */
static void av_alloc(mr_machine *m, uint32_t id, int counted)
{
	struct mr_av *a = av_at(m, id);

	if (!a)
		return;
	memset(a, 0, sizeof(*a));
	a->refcount = 1;
	a->parent = a->root = id;
	a->live = 1;
	a->obj = obj_new(m, MR_KC_AV, counted);
	if (counted)
		m->av_made++;
}

void mr_av_seed(mr_machine *m, const mr_vma *v)
{
	struct mr_av *a;

	if (!v->anon_vma || !(a = av_at(m, v->anon_vma)))
		return;
	/* made by the exec whose snapshot seeds V: new objects */
	if (!a->live) {
		av_alloc(m, v->anon_vma, 1);
		a = av_at(m, v->anon_vma);
		a->children = 1; /* the self-parent link of a root */
	}
	m->avc_made++;
	link_entry(m, v, v->anon_vma, obj_new(m, MR_KC_AVC, 1));
	a->active++;
}

void mr_av_prepare(mr_machine *m, const mr_vma *v, int is_new)
{
	int64_t avc = obj_new(m, MR_KC_AVC, 1); /* the entry first */
	struct mr_av *a;

	m->avc_made++;
	if (is_new) {
		av_alloc(m, v->anon_vma, 1);
		if ((a = av_at(m, v->anon_vma)))
			a->children++; /* self-parent link for a new root */
	} else if ((a = av_at(m, v->anon_vma)) && !a->live) {
		av_alloc(m, v->anon_vma, 0); /* a neighbour's, not known */
		a = av_at(m, v->anon_vma);
		a->children = 1;
	}
	link_entry(m, v, v->anon_vma, avc);
	if ((a = av_at(m, v->anon_vma)))
		a->active++;
}

void mr_av_clone(mr_machine *m, const mr_vma *dst, const mr_vma *src)
{
	struct mr_chain *c = chain_of(m, src, 0);
	struct mr_av *a;
	uint32_t i, n = c ? c->n : 0;

	for (i = 0; i < n; i++) {
		m->avc_made++;
		link_entry(m, dst, c->av[i], obj_new(m, MR_KC_AVC, 1));
	}
	if (dst->anon_vma && (a = av_at(m, dst->anon_vma)))
		a->active++;
}

uint32_t mr_av_fork(mr_machine *m, const mr_vma *c, const mr_vma *pv)
{
	struct mr_chain *pc = chain_of(m, pv, 0);
	uint32_t i, reuse = 0, id, n = pc ? pc->n : 0, root;
	struct mr_av *a;

	if (!pv->anon_vma)
		return 0;
	for (i = 0; i < n; i++) {
		uint32_t e = pc->av[i];

		m->avc_made++;
		link_entry(m, c, e, obj_new(m, MR_KC_AVC, 1));
		a = av_at(m, e);
		if (!reuse && a && a->children < 2 && !a->active)
			reuse = e;
	}
	if (reuse) {
		av_at(m, reuse)->active++;
		return reuse;
	}
	id = mr_machine_new_anon_vma(m);
	av_alloc(m, id, 1);
	a = av_at(m, id);
	if (!a)
		return id;
	a->active = 1;
	a->parent = pv->anon_vma;
	root = av_at(m, pv->anon_vma) && m->av[pv->anon_vma].live
		       ? m->av[pv->anon_vma].root
		       : pv->anon_vma;
	m->av[id].root = root;
	if (av_at(m, root))
		m->av[root].refcount++;
	m->avc_made++;
	link_entry(m, c, id, obj_new(m, MR_KC_AVC, 1));
	if (av_at(m, pv->anon_vma))
		m->av[pv->anon_vma].children++;
	return id;
}

/* put_anon_vma() */
static void av_put(mr_machine *m, uint32_t id)
{
	struct mr_av *a = av_at(m, id);
	uint32_t root;

	if (!a || !a->live || --a->refcount)
		return;
	root = a->root;
	a->live = 0;
	obj_free(m, MR_KC_AV, a->obj);
	m->av_freed++;
	if (root != id && (a = av_at(m, root)) && a->live && !--a->refcount) {
		a->live = 0;
		obj_free(m, MR_KC_AV, a->obj);
		m->av_freed++;
	}
}

void mr_av_unlink(mr_machine *m, const mr_vma *v)
{
	struct mr_chain *c = chain_of(m, v, 0);
	struct mr_av *a;
	uint32_t i;

	if (c) {
		uint8_t *empty = calloc(c->n ? c->n : 1, 1);

		for (i = c->n; i-- > 0;) {
			a = av_at(m, c->av[i]);
			if (a && a->tree && !--a->tree) {
				uint32_t id = c->av[i];

				if (av_at(m, a->parent) &&
				    m->av[a->parent].children)
					m->av[a->parent].children--;
				if (empty) {
					empty[i] = 1;
					continue;
				}
				av_put(m, id); /* no memory for a second pass */
			}
			obj_free(m, MR_KC_AVC, c->obj[i]);
			m->avc_freed++;
		}
		if (v->anon_vma && (a = av_at(m, v->anon_vma)) && a->active)
			a->active--;
		for (i = c->n; empty && i-- > 0;)
			if (empty[i]) {
				av_put(m, c->av[i]);
				obj_free(m, MR_KC_AVC, c->obj[i]);
				m->avc_freed++;
			}
		free(empty);
		free(c->av);
		free(c->obj);
		free(c);
		mr_u64map_del(&m->chains, (uint64_t)(uintptr_t)v);
	} else if (v->anon_vma && (a = av_at(m, v->anon_vma)) && a->active) {
		a->active--;
	}
}

int mr_av_singular(const mr_machine *m, const mr_vma *v)
{
	const uint64_t *s = mr_u64map_find(&m->chains, (uint64_t)(uintptr_t)v);

	return !s || ((const struct mr_chain *)(uintptr_t)*s)->n <= 1;
}

void mr_av_free_all(mr_machine *m)
{
	size_t i;

	for (i = 0; i < m->chains.cap; i++)
		if (m->chains.k[i]) {
			struct mr_chain *c =
				(struct mr_chain *)(uintptr_t)m->chains.v[i];

			free(c->av);
			free(c->obj);
			free(c);
		}
	mr_u64map_free(&m->chains);
	free(m->av);
	m->av = NULL;
	m->cap_av = 0;
}

uint64_t mr_machine_rmap_objects(const mr_machine *m, int avc, int freed)
{
	if (avc)
		return freed ? m->avc_freed : m->avc_made;
	return freed ? m->av_freed : m->av_made;
}

uint64_t mr_av_objects(const mr_machine *m, int avc)
{
	uint64_t n = 0;
	size_t i;

	if (!avc) {
		for (i = 0; i < m->cap_av; i++)
			n += m->av[i].live && m->av[i].obj >= 0;
		return n;
	}
	for (i = 0; i < m->chains.cap; i++)
		if (m->chains.k[i]) {
			const struct mr_chain *c =
				(const struct mr_chain *)(uintptr_t)
					m->chains.v[i];
			uint32_t j;

			for (j = 0; j < c->n; j++)
				n += c->obj[j] >= 0;
		}
	return n;
}
