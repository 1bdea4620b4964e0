/*
 * slub_show.c - /proc/slabinfo as mm/slab_common.c prints it
 * (slab_show(), cache_show(), print_slabinfo_header()).
 */
#include "engine/slub.h"

#include <stdio.h>
#include <stdlib.h>

void mr_slab_profile_free(mr_slab_profile *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

size_t mr_slabinfo_show(const mr_slab_profile *p, const mr_slab_counts *c,
			char *buf, size_t len)
{
	size_t at = 0, i;
	int n;

#define SAY(...)                                                               \
	do {                                                                   \
		n = snprintf(at < len ? buf + at : NULL,                       \
			     at < len ? len - at : 0, __VA_ARGS__);            \
		if (n > 0)                                                     \
			at += (size_t)n;                                       \
	} while (0)
	SAY("slabinfo - version: 2.1\n");
	SAY("# name            <active_objs> <num_objs> <objsize> "
	    "<objperslab> <pagesperslab>");
	SAY(" : tunables <limit> <batchcount> <sharedfactor>");
	SAY(" : slabdata <active_slabs> <num_slabs> <sharedavail>");
	SAY("\n");
	for (i = 0; i < p->n; i++) {
		const mr_slab_cache_profile *s = &p->v[i];
		mr_slab_counts k = {s->active_objs, s->num_objs,
				    s->active_slabs, s->num_slabs};

		if (c)
			k = c[i];
		SAY("%-17s %6lu %6lu %6u %4u %4d", s->name,
		    (unsigned long)k.active_objs, (unsigned long)k.num_objs,
		    s->objsize, s->objperslab, (int)s->pagesperslab);
		SAY(" : tunables %4u %4u %4u", s->limit, s->batchcount,
		    s->shared);
		SAY(" : slabdata %6lu %6lu %6lu", (unsigned long)k.active_slabs,
		    (unsigned long)k.num_slabs, (unsigned long)s->sharedavail);
		SAY("\n");
	}
#undef SAY
	if (len)
		buf[at < len ? at : len - 1] = 0;
	return at;
}
