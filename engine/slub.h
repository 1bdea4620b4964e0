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

#endif
