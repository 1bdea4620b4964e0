/*
 * procinfo.h - a machine profile for the buddy allocator from the text
 * of /proc/zoneinfo, /proc/pagetypeinfo and /proc/buddyinfo.
 *
 * zoneinfo gives each zone's start_pfn, spanned, present and managed
 * frames, its watermarks, its protection (lowmem_reserve) line and each
 * CPU's pageset (count, high, batch, high_min, high_max; the CPU count
 * is the number of pagesets); pagetypeinfo the free blocks per order and
 * migratetype and the pageblocks per type; buddyinfo (optional) the
 * free blocks per order, which resolves a list pagetypeinfo printed as
 * ">100000". Zones other than DMA, DMA32 and Normal, and zones with no
 * present frames, are left out.
 */
#ifndef MR_FORMATS_PROCINFO_H
#define MR_FORMATS_PROCINFO_H

#include <stddef.h>

#include "engine/buddy.h"

/*
 * Parse the three texts (NUL-terminated; BUDDYINFO may be NULL) named
 * ZNAME, PNAME and BNAME in messages into *OUT. Returns 0, or
 * MR_ECORRUPT with ERR naming the file, line and column and what was
 * expected (*OUT is then unspecified).
 */
int mr_procinfo_parse(mr_buddy_profile *out, const char *zoneinfo,
		      const char *zname, const char *pagetypeinfo,
		      const char *pname, const char *buddyinfo,
		      const char *bname, char *err, size_t errlen);

#endif
