/*
 * slub.h - the SLUB caches behind an address space (Linux 6.18
 * mm/slub.c): per cache, slabs of 2^order pages from the buddy
 * allocator, each CPU's slab and partial slabs, the node's partial
 * list, and /proc/slabinfo.
 *
 * Only the caches the model allocates from are modelled
 * (vm_area_struct, mm_struct, ...); every other cache of the profile is
 * printed as the profile gave it. The objects other processes held when
 * the run began are background objects.
 *
 * Pure C: nothing but libc.
 */
#ifndef MR_ENGINE_SLUB_H
#define MR_ENGINE_SLUB_H

#include <stddef.h>
#include <stdint.h>

#include "engine/buddy.h"

#define MR_SLAB_NAME_MAX 48

/* One cache as /proc/slabinfo (version 2.1) prints it. */
typedef struct mr_slab_cache_profile {
	char name[MR_SLAB_NAME_MAX];
	uint64_t active_objs, num_objs;
	uint32_t objsize, objperslab, pagesperslab;
	uint32_t limit, batchcount, shared; /* tunables (0 with SLUB) */
	uint64_t active_slabs, num_slabs;
	uint64_t sharedavail; /* 0 with SLUB */
} mr_slab_cache_profile;

typedef struct mr_slab_profile {
	mr_slab_cache_profile *v; /* in /proc/slabinfo's order */
	size_t n;
} mr_slab_profile;

void mr_slab_profile_free(mr_slab_profile *p);

/* The counters slabinfo prints that change, per cache. */
typedef struct mr_slab_counts {
	uint64_t active_objs, num_objs, active_slabs, num_slabs;
} mr_slab_counts;

/*
 * /proc/slabinfo (slab_common.c cache_show()) of the caches of P, each
 * with its counts from C (indexed as P->v; NULL: the profile's own),
 * into BUF (LEN bytes, NUL-terminated); returns the full length.
 */
size_t mr_slabinfo_show(const mr_slab_profile *p, const mr_slab_counts *c,
			char *buf, size_t len);

typedef struct mr_slub mr_slub;

/*
 * The caches NAMES (those of P that exist, with objects per slab and
 * pages per slab the model can hold) modelled from P's counts, each
 * with per-CPU sheaves of SHEAF_CAP[i] objects (0 or SHEAF_CAP NULL:
 * none; vm_area_struct and maple_node have 32 in 6.18): each
 * cache's slabs on background frames of B (handed to owner MR_OWN_SLAB;
 * B may be NULL: frames numbered from FIRST_PFN), the free objects
 * slabinfo counts on the node's partial slabs. NCPUS CPUs. 0, or -1
 * (out of memory).
 */
int mr_slub_new(mr_slub **out, const mr_slab_profile *p,
		const char *const *names, const uint32_t *sheaf_cap,
		size_t nnames, mr_buddy *b, int ncpus, uint64_t first_pfn);
void mr_slub_free(mr_slub *s);

/* The modelled cache NAME's number, or -1 when it is not modelled. */
int mr_slub_cache(const mr_slub *s, const char *name);
/* kmem_cache_alloc() of CACHE on CPU: the object's handle, or -1. */
int64_t mr_slub_alloc(mr_slub *s, int cache, int cpu);
/* A background object of CACHE (in use when the run began) for an object
 * of the model that existed then (a seeded address space's); -1 when
 * none is left. Adopted objects are freed with mr_slub_put(). */
int64_t mr_slub_adopt(mr_slub *s, int cache);
/* Background objects of CACHE adopted so far. */
uint64_t mr_slub_adopted(const mr_slub *s, int cache);
/* kmem_cache_free() of OBJ on CPU: 0, or -1 when OBJ is no object of
 * CACHE in use. */
int mr_slub_put(mr_slub *s, int cache, int64_t obj, int cpu);
/* kfree_rcu() of OBJ (maple tree nodes): through the CPU's rcu_free
 * sheaf in a sheaf cache. As mr_slub_put(). */
int mr_slub_put_rcu(mr_slub *s, int cache, int64_t obj, int cpu);
/* Every profiled cache's counts now (indexed as the profile). */
void mr_slub_counts(const mr_slub *s, mr_slab_counts *out);
const mr_slab_profile *mr_slub_profile(const mr_slub *s);
/* A number that changes with every allocation and free. */
uint64_t mr_slub_gen(const mr_slub *s);
/* Objects of CACHE handed out (background and allocated; not those in
 * sheaves). */
uint64_t mr_slub_live(const mr_slub *s, int cache);
/* Objects of CACHE the slabs hold in use: handed out or in sheaves. */
uint64_t mr_slub_held(const mr_slub *s, int cache);
/* Check every invariant of the caches (docs/invariants.md): slab
 * objects add up, lists intact, counts equal the lists, objects in use
 * equal the live ones, every slab on a slab block of the node. SAY per
 * violation; returns their number. */
size_t mr_slub_check(const mr_slub *s, void (*say)(void *ctx, const char *msg),
		     void *ctx);
/* Pages of new slabs the node could not give. */
uint64_t mr_slub_short(const mr_slub *s);

#endif
