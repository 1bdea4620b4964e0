/*
 * slub.c - the SLUB caches the model allocates from (Linux 6.18
 * mm/slub.c, CONFIG_SLUB_CPU_PARTIAL=y): see slub.h.
 *
 * Per cache: slabs of 2^order pages holding `objects` objects, each with
 * its own freelist (a stack: a freed object goes to the head); per CPU
 * the CPU slab with the CPU's freelist (the slab's objects taken at once
 * by get_freelist()) and the CPU partial list (a stack of slabs with
 * free objects, put_cpu_partial()); the node's partial list
 * (add_partial() at the head or the tail, get_partial_node() from the
 * head).
 *
 *   alloc (slab_alloc_node, ___slab_alloc): the CPU's freelist; else the
 *   CPU slab's own freelist (objects other CPUs freed into it); else the
 *   CPU slab, now full, is dropped (a full slab is on no list) and the
 *   next CPU partial slab becomes the CPU slab; else get_partial_node()
 *   takes the node's first partial slab as the CPU slab and moves
 *   further ones to the CPU partial list until more than
 *   cpu_partial_slabs / 2 were moved; else a new slab from the buddy
 *   allocator.
 *
 *   free (do_slab_free, __slab_free): an object of the CPU slab of the
 *   CPU freeing it goes to the CPU's freelist; any other goes to its
 *   slab's freelist: a slab that was full goes to the CPU partial list
 *   (put_cpu_partial(): a list already holding cpu_partial_slabs slabs
 *   is first moved to the node's list, __put_partials(), its empty slabs
 *   discarded while the node holds min_partial); a slab on the node's
 *   list that becomes empty is discarded when the node holds min_partial
 *   partial slabs.
 *
 * The objects of a fresh slab are taken in index order
 * (CONFIG_SLAB_FREELIST_RANDOM shuffles them in the kernel: which object
 * is taken changes, no count does).
 */
#include "engine/slub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SL_NONE UINT32_MAX
#define SL_OBJ_BITS 16 /* object index bits of a handle */

enum { SL_FULL, SL_CPU, SL_CPU_PARTIAL, SL_NODE_PARTIAL, SL_UNUSED };

struct sl_slab {
	uint64_t pfn;	     /* its first frame */
	uint16_t *free;	     /* its freelist, a stack (top at nfree - 1) */
	uint8_t *given;	     /* per object: handed to a user (not in a
				sheaf, not free) */
	uint32_t nfree;	     /* objects on it */
	uint32_t inuse;	     /* objects not on it (in use, or on the
				CPU's freelist of the CPU slab) */
	uint32_t prev, next; /* list links */
	uint8_t where;	     /* SL_* */
	int16_t cpu;	     /* the CPU of a CPU slab or CPU partial slab */
};

struct sl_cpu {
	uint32_t slab;	   /* the CPU slab, SL_NONE when none */
	uint16_t *fl;	   /* the CPU's freelist (a stack) */
	uint32_t nfl;	   /* objects on it */
	uint32_t partial;  /* the CPU partial list's first slab */
	uint32_t npartial; /* slabs on it */
};

struct sl_cache {
	size_t prof;		    /* its index in the profile */
	uint32_t objects;	    /* objects per slab */
	unsigned order;		    /* pages per slab, log2 */
	uint32_t min_partial;	    /* s->min_partial */
	uint32_t cpu_partial_slabs; /* s->cpu_partial_slabs */
	int mt;			    /* migratetype of its pages */
	struct sl_slab *slabs;	    /* every slab, by index */
	uint32_t nslots, capslots;
	uint32_t unused;	       /* first unused slot (a stack by next) */
	uint32_t part_head, part_tail; /* the node's partial list */
	uint32_t nr_partial;
	uint64_t nr_slabs;     /* slabs held */
	uint64_t partial_free; /* free objects on node partial slabs */
	uint64_t live;	       /* objects the slabs hold in use (given,
				  or in sheaves) */
	uint64_t given;	       /* objects handed to users: background
				  and the model's */
	int64_t *bg;	       /* background objects not yet adopted */
	uint64_t nbg;
	uint64_t adopted; /* background objects adopted */
	/* per-CPU sheaves (sheaf_capacity > 0) */
	uint32_t sheaf_cap;
	struct sl_sheaf {
		uint32_t size;
		int64_t *obj; /* sheaf_cap handles, top at size - 1 */
	} * sheaves;	      /* every sheaf made, by index */
	uint32_t nsheaves, capsheaves;
	int32_t main[MR_BUDDY_MAX_CPUS], spare[MR_BUDDY_MAX_CPUS]; /* -1 */
	int32_t rcu[MR_BUDDY_MAX_CPUS];	 /* kfree_rcu()'s sheaf, -1: none */
	int32_t *barn_full, *barn_empty; /* stacks of sheaf indexes */
	uint32_t nfull, nempty;
	int32_t *spare_sheaves; /* sheaves freed (kfree'd), to reuse */
	uint32_t nspare_sheaves;
	struct sl_cpu cpu[MR_BUDDY_MAX_CPUS];
};

struct mr_slub {
	mr_slab_profile prof; /* a copy of the profile */
	struct sl_cache *c;   /* the modelled caches */
	size_t nc;
	int *of;     /* profile index -> modelled cache, or -1 */
	mr_buddy *b; /* where slab pages come from (may be NULL) */
	int ncpus;
	uint64_t next_pfn;    /* frames numbered without a node */
	uint64_t adopt;	      /* the next background frame to look at */
	uint64_t gen;	      /* changes */
	uint64_t short_pages; /* pages the node could not give */
};

/* ---- sizes (calculate_sizes(), set_min_partial(), set_cpu_partial()) */

static unsigned ilog2_u(uint64_t v)
{
	unsigned r = 0;

	while (v >>= 1)
		r++;
	return r;
}

/* set_min_partial(s, ilog2(s->size) / 2), within MIN_PARTIAL (5) and
 * MAX_PARTIAL (10). */
static uint32_t min_partial_of(uint32_t size)
{
	uint32_t m = ilog2_u(size) / 2;

	return m < 5 ? 5 : m > 10 ? 10 : m;
}

/* set_cpu_partial(): objects by size, then slabs assumed half full. */
static uint32_t cpu_partial_slabs_of(uint32_t size, uint32_t objects)
{
	uint32_t nr = size >= 4096   ? 6
		      : size >= 1024 ? 24
		      : size >= 256  ? 52
				     : 120;

	return objects ? (nr * 2 + objects - 1) / objects : 0;
}

/* ---- slabs ---- */

static uint32_t slot_new(struct sl_cache *c)
{
	uint32_t i;

	if (c->unused != SL_NONE) {
		i = c->unused;
		c->unused = c->slabs[i].next;
		return i;
	}
	if (c->nslots == c->capslots) {
		/* slab numbers up to SL_NONE - 1 (a handle is the slab's
		 * number above SL_OBJ_BITS bits of object, in 64 bits) */
		uint64_t cap = c->capslots ? 2ull * c->capslots : 64;
		struct sl_slab *v;

		if (cap > SL_NONE - 1)
			cap = SL_NONE - 1;
		if (cap <= c->capslots)
			return SL_NONE;
		v = realloc(c->slabs, cap * sizeof(*v));
		if (!v)
			return SL_NONE;
		c->slabs = v;
		c->capslots = (uint32_t)cap;
	}
	i = c->nslots++;
	memset(&c->slabs[i], 0, sizeof(c->slabs[i]));
	return i;
}

/* A slab of C at frames PFN with INUSE objects in use (the others on
 * its freelist, the lowest index on top). SL_NONE when out of memory. */
static uint32_t slab_make(struct sl_cache *c, uint64_t pfn, uint32_t inuse)
{
	uint32_t i = slot_new(c), k;
	struct sl_slab *s;

	if (i == SL_NONE)
		return SL_NONE;
	s = &c->slabs[i];
	s->free = malloc(c->objects * sizeof(*s->free));
	s->given = calloc(c->objects, 1);
	if (!s->free || !s->given) {
		free(s->free);
		free(s->given);
		s->next = c->unused;
		c->unused = i;
		return SL_NONE;
	}
	s->pfn = pfn;
	s->inuse = inuse;
	s->nfree = c->objects - inuse;
	for (k = 0; k < s->nfree; k++)
		s->free[k] = (uint16_t)(c->objects - 1 - k);
	s->prev = s->next = SL_NONE;
	s->where = SL_FULL;
	s->cpu = -1;
	c->nr_slabs++;
	return i;
}

/* add_partial(): on the node's list, at the tail or the head. */
static void node_add(struct sl_cache *c, uint32_t i, int tail)
{
	struct sl_slab *s = &c->slabs[i];

	s->where = SL_NODE_PARTIAL;
	s->cpu = -1;
	s->prev = s->next = SL_NONE;
	if (c->part_head == SL_NONE) {
		c->part_head = c->part_tail = i;
	} else if (tail) {
		s->prev = c->part_tail;
		c->slabs[c->part_tail].next = i;
		c->part_tail = i;
	} else {
		s->next = c->part_head;
		c->slabs[c->part_head].prev = i;
		c->part_head = i;
	}
	c->nr_partial++;
	c->partial_free += s->nfree;
}

/* remove_partial() */
static void node_del(struct sl_cache *c, uint32_t i)
{
	struct sl_slab *s = &c->slabs[i];

	if (s->prev != SL_NONE)
		c->slabs[s->prev].next = s->next;
	else
		c->part_head = s->next;
	if (s->next != SL_NONE)
		c->slabs[s->next].prev = s->prev;
	else
		c->part_tail = s->prev;
	s->prev = s->next = SL_NONE;
	s->where = SL_FULL;
	c->nr_partial--;
	c->partial_free -= s->nfree;
}

/* discard_slab(): its pages go back to the node. */
static void discard(mr_slub *sl, struct sl_cache *c, uint32_t i, int cpu)
{
	struct sl_slab *s = &c->slabs[i];

	if (sl->b)
		mr_buddy_put(sl->b, s->pfn, c->order, cpu);
	free(s->free);
	free(s->given);
	s->free = NULL;
	s->given = NULL;
	s->where = SL_UNUSED;
	s->next = c->unused;
	c->unused = i;
	c->nr_slabs--;
}

/* __put_partials(): the CPU partial list LIST to the node (tail), its
 * empty slabs discarded while the node holds min_partial. */
static void put_partials(mr_slub *sl, struct sl_cache *c, uint32_t list,
			 int cpu)
{
	while (list != SL_NONE) {
		uint32_t i = list;
		struct sl_slab *s = &c->slabs[i];

		list = s->next;
		s->next = SL_NONE;
		if (!s->inuse && c->nr_partial >= c->min_partial)
			discard(sl, c, i, cpu);
		else
			node_add(c, i, 1);
	}
}

/* put_cpu_partial(): slab I on CPU's partial list; with DRAIN, a full
 * list goes to the node first. */
static void cpu_partial_put(mr_slub *sl, struct sl_cache *c, uint32_t i,
			    int cpu, int drain)
{
	struct sl_cpu *p = &c->cpu[cpu];
	struct sl_slab *s = &c->slabs[i];

	if (p->partial != SL_NONE && drain &&
	    p->npartial >= c->cpu_partial_slabs) {
		uint32_t old = p->partial;

		p->partial = SL_NONE;
		p->npartial = 0;
		s->where = SL_CPU_PARTIAL;
		s->cpu = (int16_t)cpu;
		s->next = SL_NONE;
		p->partial = i;
		p->npartial = 1;
		put_partials(sl, c, old, cpu);
		return;
	}
	s->where = SL_CPU_PARTIAL;
	s->cpu = (int16_t)cpu;
	s->next = p->partial;
	p->partial = i;
	p->npartial++;
}

/* Slab I becomes CPU's slab: its freelist is the CPU's (get_freelist(),
 * freeze_slab()). */
static void make_cpu_slab(struct sl_cache *c, uint32_t i, int cpu)
{
	struct sl_cpu *p = &c->cpu[cpu];
	struct sl_slab *s = &c->slabs[i];

	p->slab = i;
	memcpy(p->fl, s->free, s->nfree * sizeof(*s->free));
	p->nfl = s->nfree;
	s->inuse += s->nfree;
	s->nfree = 0;
	s->where = SL_CPU;
	s->cpu = (int16_t)cpu;
}

/* get_partial_node() */
static int from_node(struct sl_cache *c, int cpu, mr_slub *sl)
{
	uint32_t first = SL_NONE, moved = 0;

	while (c->part_head != SL_NONE) {
		uint32_t i = c->part_head;

		node_del(c, i);
		if (first == SL_NONE) {
			first = i;
			if (!c->cpu_partial_slabs)
				break;
		} else {
			cpu_partial_put(sl, c, i, cpu, 0);
			if (++moved > c->cpu_partial_slabs / 2)
				break;
		}
	}
	if (first == SL_NONE)
		return 0;
	make_cpu_slab(c, first, cpu);
	return 1;
}

/* new_slab(): 2^order pages of the cache's migratetype. */
static int fresh_slab(mr_slub *sl, struct sl_cache *c, int cpu)
{
	int64_t pfn = -1;
	uint32_t i;

	if (sl->b)
		pfn = mr_buddy_alloc(sl->b, MR_ZONE_NORMAL, c->order, c->mt,
				     cpu, MR_OWN_SLAB);
	if (pfn < 0) {
		uint64_t n = 1ull << c->order;

		if (sl->b)
			sl->short_pages += n;
		pfn = (int64_t)((sl->next_pfn + n - 1) & ~(n - 1));
		sl->next_pfn = (uint64_t)pfn + n;
	}
	i = slab_make(c, (uint64_t)pfn, 0);
	if (i == SL_NONE)
		return 0;
	make_cpu_slab(c, i, cpu);
	return 1;
}

static int32_t sheaf_new(struct sl_cache *c);

/* ---- the node ---- */

/* The background state of cache C from its profile line: num_slabs
 * slabs on background frames; the free objects the profile's
 * active_objs leaves (those slabinfo counts free: on the node's partial
 * slabs) on as few partial slabs as hold them with one object in use
 * each; every other slab full; no CPU slab. */
static int lay_out(mr_slub *sl, struct sl_cache *c,
		   const mr_slab_cache_profile *p)
{
	uint64_t left = p->num_objs - p->active_objs, k;

	for (k = 0; k < p->num_slabs; k++) {
		uint64_t pfn;
		uint32_t i, nfree = 0;
		int64_t got = -1;

		if (left && c->objects > 1) {
			nfree = left < c->objects - 1 ? (uint32_t)left
						      : c->objects - 1;
			left -= nfree;
		}
		if (sl->b)
			got = mr_buddy_adopt_block(sl->b, MR_OWN_BACKGROUND,
						   MR_OWN_SLAB, c->order,
						   &sl->adopt);
		if (got >= 0) {
			pfn = (uint64_t)got;
		} else {
			uint64_t n = 1ull << c->order;

			pfn = (sl->next_pfn + n - 1) & ~(n - 1);
			sl->next_pfn = pfn + n;
		}
		i = slab_make(c, pfn, c->objects - nfree);
		if (i == SL_NONE)
			return -1;
		c->live += c->objects - nfree;
		c->given += c->objects - nfree;
		/* the objects in use are those not on the freelist: the
		 * lowest indexes */
		memset(c->slabs[i].given, 1, c->objects - nfree);
		{
			uint32_t o;
			int64_t *nb =
				realloc(c->bg, (c->nbg + c->objects - nfree) *
						       sizeof(*nb));

			if (!nb)
				return -1;
			c->bg = nb;
			/* adopted from the last laid out, its highest
			 * index first */
			for (o = 0; o < c->objects - nfree; o++)
				c->bg[c->nbg++] =
					(int64_t)((uint64_t)i << SL_OBJ_BITS |
						  o);
		}
		if (nfree)
			node_add(c, i, 1);
	}
	return 0;
}

int mr_slub_new(mr_slub **out, const mr_slab_profile *p,
		const char *const *names, const uint32_t *sheaf_cap,
		size_t nnames, mr_buddy *b, int ncpus, uint64_t first_pfn)
{
	mr_slub *sl = calloc(1, sizeof(*sl));
	size_t i, k;

	*out = NULL;
	if (!sl || ncpus < 1 || ncpus > MR_BUDDY_MAX_CPUS)
		goto fail;
	sl->b = b;
	sl->ncpus = ncpus;
	sl->next_pfn = first_pfn;
	sl->prof.n = p->n;
	sl->prof.v = malloc((p->n ? p->n : 1) * sizeof(*p->v));
	sl->of = malloc((p->n ? p->n : 1) * sizeof(*sl->of));
	sl->c = calloc(nnames ? nnames : 1, sizeof(*sl->c));
	if (!sl->prof.v || !sl->of || !sl->c)
		goto fail;
	memcpy(sl->prof.v, p->v, p->n * sizeof(*p->v));
	for (i = 0; i < p->n; i++)
		sl->of[i] = -1;
	for (k = 0; k < nnames; k++) {
		struct sl_cache *c;
		const mr_slab_cache_profile *cp = NULL;
		int cpu;

		for (i = 0; i < p->n && !cp; i++)
			if (!strcmp(p->v[i].name, names[k]))
				cp = &p->v[i];
		if (!cp || sl->of[cp - p->v] >= 0 || !cp->objperslab ||
		    cp->objperslab >= (1u << SL_OBJ_BITS) ||
		    !cp->pagesperslab ||
		    (cp->pagesperslab & (cp->pagesperslab - 1)) ||
		    cp->pagesperslab > (1u << (MR_NR_ORDERS - 1)) ||
		    cp->num_objs != cp->num_slabs * cp->objperslab)
			continue; /* not modelled: printed as profiled */
		c = &sl->c[sl->nc];
		c->prof = (size_t)(cp - p->v);
		c->objects = cp->objperslab;
		c->order = ilog2_u(cp->pagesperslab);
		c->min_partial = min_partial_of(cp->objsize);
		c->cpu_partial_slabs =
			cpu_partial_slabs_of(cp->objsize, c->objects);
		c->mt = MR_MT_UNMOVABLE;
		c->unused = c->part_head = c->part_tail = SL_NONE;
		/* counted first: mr_slub_free() frees what follows */
		sl->of[c->prof] = (int)sl->nc++;
		for (cpu = 0; cpu < MR_BUDDY_MAX_CPUS; cpu++) {
			c->cpu[cpu].slab = c->cpu[cpu].partial = SL_NONE;
			if (cpu < ncpus &&
			    !(c->cpu[cpu].fl =
				      malloc(c->objects * sizeof(uint16_t))))
				goto fail;
		}
		c->sheaf_cap = sheaf_cap ? sheaf_cap[k] : 0;
		for (cpu = 0; cpu < MR_BUDDY_MAX_CPUS; cpu++) {
			c->main[cpu] = c->spare[cpu] = c->rcu[cpu] = -1;
			/* init_percpu_sheaves(): an empty main each */
			if (c->sheaf_cap && cpu < ncpus &&
			    (c->main[cpu] = sheaf_new(c)) < 0)
				goto fail;
		}
		if (lay_out(sl, c, cp) < 0)
			goto fail;
	}
	*out = sl;
	return 0;
fail:
	mr_slub_free(sl);
	return -1;
}

void mr_slub_free(mr_slub *sl)
{
	size_t k;
	uint32_t i;
	int cpu;

	if (!sl)
		return;
	for (k = 0; k < sl->nc; k++) {
		struct sl_cache *c = &sl->c[k];

		for (i = 0; i < c->nslots; i++)
			if (c->slabs[i].where != SL_UNUSED) {
				free(c->slabs[i].free);
				free(c->slabs[i].given);
			}
		free(c->slabs);
		for (cpu = 0; cpu < MR_BUDDY_MAX_CPUS; cpu++)
			free(c->cpu[cpu].fl);
		for (i = 0; i < c->nsheaves; i++)
			free(c->sheaves[i].obj);
		free(c->sheaves);
		free(c->spare_sheaves);
		free(c->bg);
		free(c->barn_full);
		free(c->barn_empty);
	}
	free(sl->c);
	free(sl->of);
	free(sl->prof.v);
	free(sl);
}

int mr_slub_cache(const mr_slub *sl, const char *name)
{
	size_t k;

	for (k = 0; k < sl->nc; k++)
		if (!strcmp(sl->prof.v[sl->c[k].prof].name, name))
			return (int)k;
	return -1;
}

/* slab_alloc_node() without sheaves: one object from the slabs. */
static int64_t slab_alloc(mr_slub *sl, struct sl_cache *c, int cpu)
{
	struct sl_cpu *p = &c->cpu[cpu];

	for (;;) {
		if (p->nfl) {
			uint16_t o = p->fl[--p->nfl];

			c->live++;
			return (int64_t)((uint64_t)p->slab << SL_OBJ_BITS | o);
		}
		if (p->slab != SL_NONE) {
			struct sl_slab *s = &c->slabs[p->slab];

			if (s->nfree) { /* what others freed into it */
				make_cpu_slab(c, p->slab, cpu);
				continue;
			}
			s->where = SL_FULL; /* full: on no list */
			s->cpu = -1;
			p->slab = SL_NONE;
		}
		if (p->partial != SL_NONE) {
			uint32_t i = p->partial;

			p->partial = c->slabs[i].next;
			p->npartial--;
			c->slabs[i].next = SL_NONE;
			make_cpu_slab(c, i, cpu);
			continue;
		}
		if (from_node(c, cpu, sl))
			continue;
		if (!fresh_slab(sl, c, cpu))
			return -1;
	}
}

/* Whether OBJ names an object of C's slabs that may be in use. */
static int obj_ok(const struct sl_cache *c, int64_t obj)
{
	uint32_t i = (uint32_t)((uint64_t)obj >> SL_OBJ_BITS);
	uint32_t o = (uint32_t)obj & ((1u << SL_OBJ_BITS) - 1);

	return obj >= 0 && i < c->nslots && o < c->objects &&
	       c->slabs[i].where != SL_UNUSED && c->slabs[i].inuse;
}

/* do_slab_free() of OBJ (obj_ok()) to the slabs. */
static void slab_free(mr_slub *sl, struct sl_cache *c, int64_t obj, int cpu)
{
	uint32_t i = (uint32_t)((uint64_t)obj >> SL_OBJ_BITS);
	uint32_t o = (uint32_t)obj & ((1u << SL_OBJ_BITS) - 1);
	struct sl_slab *s = &c->slabs[i];
	int was_full;

	c->live--;
	if (s->where == SL_CPU && s->cpu == cpu) { /* do_slab_free() */
		/* the CPU's freelist counts as in use (inuse unchanged) */
		c->cpu[cpu].fl[c->cpu[cpu].nfl++] = (uint16_t)o;
		return;
	}
	was_full = s->nfree == 0;
	s->free[s->nfree++] = (uint16_t)o;
	s->inuse--;
	if (s->where == SL_NODE_PARTIAL)
		c->partial_free++;
	if (s->where == SL_CPU) /* another CPU's slab: frozen */
		return;
	if (s->where == SL_FULL && was_full) {
		cpu_partial_put(sl, c, i, cpu, 1);
		return;
	}
	if (s->where == SL_NODE_PARTIAL && !s->inuse &&
	    c->nr_partial >= c->min_partial) {
		node_del(c, i);
		discard(sl, c, i, cpu);
	}
}

/* ---- per-CPU sheaves (6.18, opt-in: sheaf_capacity) ---- */

#define MAX_FULL_SHEAVES 10 /* a barn's full sheaves before a flush */

/* alloc_empty_sheaf(): a new empty sheaf's index, or -1. */
static int32_t sheaf_new(struct sl_cache *c)
{
	if (c->nspare_sheaves) { /* a sheaf freed before: its memory again */
		int32_t i = c->spare_sheaves[--c->nspare_sheaves];

		c->sheaves[i].size = 0;
		return i;
	}
	if (c->nsheaves == c->capsheaves) {
		uint32_t cap = c->capsheaves ? 2 * c->capsheaves : 16;
		struct sl_sheaf *v = realloc(c->sheaves, cap * sizeof(*v));
		int32_t *f, *e;

		if (!v)
			return -1;
		c->sheaves = v;
		f = realloc(c->barn_full, cap * sizeof(*f));
		if (f)
			c->barn_full = f;
		e = realloc(c->barn_empty, cap * sizeof(*e));
		if (e)
			c->barn_empty = e;
		if (!f || !e)
			return -1;
		e = realloc(c->spare_sheaves, cap * sizeof(*e));
		if (!e)
			return -1;
		c->spare_sheaves = e;
		c->capsheaves = cap;
	}
	c->sheaves[c->nsheaves].size = 0;
	c->sheaves[c->nsheaves].obj = malloc(c->sheaf_cap * sizeof(int64_t));
	if (!c->sheaves[c->nsheaves].obj)
		return -1;
	return (int32_t)c->nsheaves++;
}

/* An empty sheaf from the barn, else a new one. */
static int32_t empty_sheaf(struct sl_cache *c)
{
	return c->nempty ? c->barn_empty[--c->nempty] : sheaf_new(c);
}

/* refill_sheaf(): the sheaf filled from the slabs (__kmem_cache_alloc_
 * bulk(): one object after another down the CPU slab path). */
static void refill(mr_slub *sl, struct sl_cache *c, int32_t sh, int cpu)
{
	struct sl_sheaf *f = &c->sheaves[sh];

	while (f->size < c->sheaf_cap) {
		int64_t o = slab_alloc(sl, c, cpu);

		if (o < 0)
			break;
		f->obj[f->size++] = o;
	}
}

/* sheaf_flush_unused(): every object of the sheaf back to the slabs, from
 * the top (build_detached_freelist() walks the array from its end). */
static void flush(mr_slub *sl, struct sl_cache *c, int32_t sh, int cpu)
{
	struct sl_sheaf *f = &c->sheaves[sh];

	while (f->size)
		slab_free(sl, c, f->obj[--f->size], cpu);
}

/* alloc_from_pcs() with __pcs_replace_empty_main(). */
static int64_t pcs_alloc(mr_slub *sl, struct sl_cache *c, int cpu)
{
	int32_t m = c->main[cpu], sp = c->spare[cpu];
	struct sl_sheaf *f;

	if (m < 0)
		return slab_alloc(sl, c, cpu);
	if (!c->sheaves[m].size) {
		if (sp >= 0 && c->sheaves[sp].size) { /* swap with spare */
			c->main[cpu] = sp;
			c->spare[cpu] = m;
		} else if (c->nfull) { /* barn_replace_empty_sheaf() */
			c->main[cpu] = c->barn_full[--c->nfull];
			c->barn_empty[c->nempty++] = m;
		} else { /* refill the spare or an empty sheaf */
			int32_t e = sp >= 0 ? sp : empty_sheaf(c);

			if (e < 0)
				return slab_alloc(sl, c, cpu);
			if (sp >= 0)
				c->spare[cpu] = -1;
			refill(sl, c, e, cpu);
			c->barn_empty[c->nempty++] = m;
			c->main[cpu] = e;
		}
	}
	f = &c->sheaves[c->main[cpu]];
	return f->size ? f->obj[--f->size] : slab_alloc(sl, c, cpu);
}

/* free_to_pcs() with __pcs_replace_full_main(). */
static void pcs_free(mr_slub *sl, struct sl_cache *c, int64_t obj, int cpu)
{
	int32_t m = c->main[cpu], sp = c->spare[cpu];

	if (m < 0) {
		slab_free(sl, c, obj, cpu);
		return;
	}
	if (c->sheaves[m].size == c->sheaf_cap) {
		if (sp < 0) { /* the full main becomes the spare */
			int32_t e = empty_sheaf(c);

			if (e < 0) {
				slab_free(sl, c, obj, cpu);
				return;
			}
			c->spare[cpu] = m;
			c->main[cpu] = e;
		} else if (c->sheaves[sp].size < c->sheaf_cap) {
			c->main[cpu] = sp;
			c->spare[cpu] = m;
		} else if (c->nfull >= MAX_FULL_SHEAVES) {
			/* BARN_PUT_FAIL: the spare flushed to the slabs
			 * becomes the main, the full main the spare */
			flush(sl, c, sp, cpu);
			c->spare[cpu] = m;
			c->main[cpu] = sp;
		} else { /* barn_replace_full_sheaf() */
			int32_t e = empty_sheaf(c);

			if (e < 0) {
				slab_free(sl, c, obj, cpu);
				return;
			}
			c->barn_full[c->nfull++] = m;
			c->main[cpu] = e;
		}
	}
	m = c->main[cpu];
	c->sheaves[m].obj[c->sheaves[m].size++] = obj;
}

int64_t mr_slub_alloc(mr_slub *sl, int cache, int cpu)
{
	struct sl_cache *c;
	int64_t o;
	uint32_t i;

	if (cache < 0 || (size_t)cache >= sl->nc || cpu < 0 || cpu >= sl->ncpus)
		return -1;
	c = &sl->c[cache];
	sl->gen++;
	o = c->sheaf_cap ? pcs_alloc(sl, c, cpu) : slab_alloc(sl, c, cpu);
	if (o < 0)
		return -1;
	i = (uint32_t)((uint64_t)o >> SL_OBJ_BITS);
	c->slabs[i].given[(uint64_t)o & ((1u << SL_OBJ_BITS) - 1)] = 1;
	c->given++;
	return o;
}

/* Take OBJ back from its user: 0, or -1 when it is no object of CACHE
 * handed out. */
static int take_back(mr_slub *sl, int cache, int64_t obj, int cpu)
{
	struct sl_cache *c;
	uint8_t *g;

	if (cache < 0 || (size_t)cache >= sl->nc || cpu < 0 ||
	    cpu >= sl->ncpus || !obj_ok(&sl->c[cache], obj))
		return -1;
	c = &sl->c[cache];
	g = &c->slabs[(uint64_t)obj >> SL_OBJ_BITS]
		     .given[(uint64_t)obj & ((1u << SL_OBJ_BITS) - 1)];
	if (!*g)
		return -1; /* not handed out: a double free */
	*g = 0;
	c->given--;
	sl->gen++;
	return 0;
}

#define MAX_EMPTY_SHEAVES 10

/*
 * kfree_rcu() of a sheaf cache's object (__kfree_rcu_sheaf()): into the
 * CPU's rcu_free sheaf (the empty spare, else an empty sheaf); a full one
 * goes, once the grace period is over (at once in the model), to the
 * barn while it holds fewer than MAX_FULL_SHEAVES full ones, else its
 * objects back to the slabs (rcu_free_sheaf()). Without sheaves: freed.
 */
int mr_slub_put_rcu(mr_slub *sl, int cache, int64_t obj, int cpu)
{
	struct sl_cache *c;
	int32_t r;

	if (take_back(sl, cache, obj, cpu))
		return -1;
	c = &sl->c[cache];
	if (!c->sheaf_cap) {
		slab_free(sl, c, obj, cpu);
		return 0;
	}
	r = c->rcu[cpu];
	if (r < 0) {
		int32_t sp = c->spare[cpu];

		if (sp >= 0 && !c->sheaves[sp].size) {
			r = sp;
			c->spare[cpu] = -1;
		} else {
			r = empty_sheaf(c);
		}
		if (r < 0) {
			slab_free(sl, c, obj, cpu);
			return 0;
		}
		c->rcu[cpu] = r;
	}
	c->sheaves[r].obj[c->sheaves[r].size++] = obj;
	if (c->sheaves[r].size < c->sheaf_cap)
		return 0;
	c->rcu[cpu] = -1;
	if (c->nfull < MAX_FULL_SHEAVES) {
		c->barn_full[c->nfull++] = r;
	} else {
		flush(sl, c, r, cpu);
		if (c->nempty < MAX_EMPTY_SHEAVES)
			c->barn_empty[c->nempty++] = r;
		else /* the sheaf is freed */
			c->spare_sheaves[c->nspare_sheaves++] = r;
	}
	return 0;
}

int mr_slub_put(mr_slub *sl, int cache, int64_t obj, int cpu)
{
	struct sl_cache *c;

	if (take_back(sl, cache, obj, cpu))
		return -1;
	c = &sl->c[cache];
	if (c->sheaf_cap)
		pcs_free(sl, c, obj, cpu);
	else
		slab_free(sl, c, obj, cpu);
	return 0;
}

void mr_slub_counts(const mr_slub *sl, mr_slab_counts *out)
{
	size_t i;

	for (i = 0; i < sl->prof.n; i++) {
		const mr_slab_cache_profile *p = &sl->prof.v[i];
		int k = sl->of[i];

		if (k < 0) {
			out[i].active_objs = p->active_objs;
			out[i].num_objs = p->num_objs;
			out[i].active_slabs = p->active_slabs;
			out[i].num_slabs = p->num_slabs;
			continue;
		}
		/* get_slabinfo(): every object but those free on the node's
		 * partial slabs is active */
		out[i].num_slabs = out[i].active_slabs = sl->c[k].nr_slabs;
		out[i].num_objs = sl->c[k].nr_slabs * sl->c[k].objects;
		out[i].active_objs = out[i].num_objs - sl->c[k].partial_free;
	}
}

const mr_slab_profile *mr_slub_profile(const mr_slub *sl)
{
	return &sl->prof;
}

uint64_t mr_slub_gen(const mr_slub *sl)
{
	return sl->gen;
}

uint64_t mr_slub_short(const mr_slub *sl)
{
	return sl->short_pages;
}

/* ---- checks ---- */

struct sl_checker {
	void (*say)(void *ctx, const char *msg);
	void *ctx;
	size_t n;
};

static void sl_bad(struct sl_checker *k, const struct mr_slub *sl,
		   const struct sl_cache *c, const char *what)
{
	char msg[256];

	k->n++;
	if (!k->say)
		return;
	snprintf(msg, sizeof(msg), "slab: cache %s: %s",
		 sl->prof.v[c->prof].name, what);
	k->say(k->ctx, msg);
}

size_t mr_slub_check(const mr_slub *sl, void (*say)(void *ctx, const char *msg),
		     void *ctx)
{
	struct sl_checker k = {say, ctx, 0};
	size_t ci;

	for (ci = 0; ci < sl->nc; ci++) {
		const struct sl_cache *c = &sl->c[ci];
		uint64_t held = 0, slabs = 0, pfree = 0, npart = 0;
		uint32_t i, prev = SL_NONE;
		int cpu;

		for (i = 0; i < c->nslots; i++) {
			const struct sl_slab *s = &c->slabs[i];

			if (s->where == SL_UNUSED)
				continue;
			slabs++;
			if (s->inuse + s->nfree != c->objects)
				sl_bad(&k, sl, c,
				       "a slab's objects in use and free do "
				       "not add up to its objects");
			held += s->inuse;
			if (s->where == SL_FULL && s->nfree)
				sl_bad(&k, sl, c,
				       "a slab on no list has free objects");
			/* frames past the node (none was left for it)
			 * belong to no block */
			if (sl->b && mr_buddy_block_type(sl->b, s->pfn) >= 0 &&
			    (mr_buddy_owner(sl->b, s->pfn) != MR_OWN_SLAB ||
			     mr_buddy_block_of(sl->b, s->pfn, &(unsigned){0}) !=
				     (int64_t)s->pfn))
				sl_bad(&k, sl, c,
				       "a slab's pages are no slab block of "
				       "the node");
		}
		for (i = c->part_head; i != SL_NONE && npart <= c->nslots;
		     i = c->slabs[i].next) {
			const struct sl_slab *s = &c->slabs[i];

			if (s->where != SL_NODE_PARTIAL || s->prev != prev)
				sl_bad(&k, sl, c,
				       "the node's partial list is broken");
			if (!s->nfree)
				sl_bad(&k, sl, c,
				       "a full slab is on the node's partial "
				       "list");
			pfree += s->nfree;
			npart++;
			prev = i;
		}
		if (npart != c->nr_partial || prev != c->part_tail ||
		    pfree != c->partial_free)
			sl_bad(&k, sl, c,
			       "the node's partial counts differ from its "
			       "list");
		if (slabs != c->nr_slabs)
			sl_bad(&k, sl, c,
			       "the slab count differs from the slabs");
		for (cpu = 0; cpu < sl->ncpus; cpu++) {
			const struct sl_cpu *p = &c->cpu[cpu];
			uint32_t n = 0;

			held -= p->nfl;
			if (p->slab != SL_NONE &&
			    (c->slabs[p->slab].where != SL_CPU ||
			     c->slabs[p->slab].cpu != cpu))
				sl_bad(&k, sl, c,
				       "a CPU slab is not marked so");
			if (p->slab == SL_NONE && p->nfl)
				sl_bad(&k, sl, c,
				       "a CPU freelist without a CPU slab");
			for (i = p->partial; i != SL_NONE && n <= c->nslots;
			     i = c->slabs[i].next, n++)
				if (c->slabs[i].where != SL_CPU_PARTIAL ||
				    c->slabs[i].cpu != cpu)
					sl_bad(&k, sl, c,
					       "a CPU partial list is broken");
			if (n != p->npartial)
				sl_bad(&k, sl, c,
				       "a CPU partial count differs from its "
				       "list");
			if (p->npartial > 2 * c->cpu_partial_slabs &&
			    c->cpu_partial_slabs)
				sl_bad(&k, sl, c,
				       "a CPU partial list is longer than "
				       "cpu_partial_slabs allows");
		}
		if (held != c->live)
			sl_bad(&k, sl, c,
			       "the objects the slabs hold in use differ from "
			       "the live objects");
		{
			uint64_t in_sheaves = 0;
			uint32_t h, j;

			for (h = 0; h < c->nsheaves; h++)
				for (j = 0; j < c->sheaves[h].size; j++) {
					int64_t o = c->sheaves[h].obj[j];

					in_sheaves++;
					if (!obj_ok(c, o) ||
					    c->slabs[(uint64_t)o >> SL_OBJ_BITS]
						    .given[(uint64_t)o &
							   ((1u
							     << SL_OBJ_BITS) -
							    1)])
						sl_bad(&k, sl, c,
						       "a sheaf holds an "
						       "object "
						       "in use or free");
				}
			if (c->live != c->given + in_sheaves)
				sl_bad(&k, sl, c,
				       "objects in use differ from those given "
				       "plus those in sheaves");
		}
	}
	return k.n;
}

uint64_t mr_slub_live(const mr_slub *sl, int cache)
{
	return cache >= 0 && (size_t)cache < sl->nc ? sl->c[cache].given : 0;
}

uint64_t mr_slub_held(const mr_slub *sl, int cache)
{
	return cache >= 0 && (size_t)cache < sl->nc ? sl->c[cache].live : 0;
}

int64_t mr_slub_adopt(mr_slub *sl, int cache)
{
	struct sl_cache *c;

	if (cache < 0 || (size_t)cache >= sl->nc)
		return -1;
	c = &sl->c[cache];
	while (c->nbg) {
		int64_t o = c->bg[--c->nbg];

		/* still a background object in use (not freed meanwhile) */
		if (obj_ok(c, o) &&
		    c->slabs[(uint64_t)o >> SL_OBJ_BITS]
			    .given[(uint64_t)o & ((1u << SL_OBJ_BITS) - 1)]) {
			c->adopted++;
			return o;
		}
	}
	return -1;
}

uint64_t mr_slub_adopted(const mr_slub *sl, int cache)
{
	return cache >= 0 && (size_t)cache < sl->nc ? sl->c[cache].adopted : 0;
}
