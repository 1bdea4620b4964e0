/*
 * buddy.h - the buddy page allocator of one NUMA node (Linux 6.18
 * mm/page_alloc.c): zones DMA, DMA32 and Normal, 11 orders, a free list
 * per order and migratetype, pageblocks of 512 pages with their types,
 * fallback and stealing between types, and per-CPU page lists.
 *
 * Every frame of the node is in one state: outside the allocator (not
 * managed, a hole), free (in one buddy list, as the head or a tail page
 * of an aligned block of its order), on a CPU's list, or owned by whoever
 * allocated it (an owner kind the caller names: background, page table,
 * anonymous page, slab, ...). The allocator knows nothing of VMAs or
 * syscalls.
 *
 * Pure C: nothing but libc.
 */
#ifndef MR_ENGINE_BUDDY_H
#define MR_ENGINE_BUDDY_H

#include <stddef.h>
#include <stdint.h>

#define MR_NR_ORDERS 11	     /* orders 0..MAX_PAGE_ORDER (10) */
#define MR_PAGEBLOCK_ORDER 9 /* 512 pages */
#define MR_BUDDY_MAX_CPUS 64

/* Migratetypes, in the kernel's order (pagetypeinfo's columns). */
enum {
	MR_MT_UNMOVABLE,
	MR_MT_MOVABLE,
	MR_MT_RECLAIMABLE,
	MR_MT_HIGHATOMIC,
	MR_MT_ISOLATE,
	MR_MT__COUNT
};
#define MR_MT_PCPTYPES 3 /* the types with per-CPU lists */

enum { MR_ZONE_DMA, MR_ZONE_DMA32, MR_ZONE_NORMAL, MR_ZONE__COUNT };

/* Owners of allocated frames (the caller's words; 0 is background: the
 * pages other processes and the kernel held when the run began). */
enum {
	MR_OWN_BACKGROUND,
	MR_OWN_PGTABLE,
	MR_OWN_ANON,
	MR_OWN_SLAB,
	MR_OWN_PAGECACHE,
	MR_OWN_OTHER,
	MR_OWN__COUNT
};

/* One zone as /proc/zoneinfo and /proc/pagetypeinfo describe it. */
typedef struct mr_zone_profile {
	int exists;		/* the zone is printed */
	uint64_t start_pfn;	/* first frame */
	uint64_t spanned;	/* frames spanned */
	uint64_t present;	/* frames present */
	uint64_t managed;	/* frames the allocator manages */
	uint64_t wmark[3];	/* min, low, high */
	uint64_t protection[5]; /* lowmem_reserve, as zoneinfo prints it */
	int nprotection;	/* its entries: 4, or 5 with ZONE_DEVICE */
	/* free blocks per order and type (pagetypeinfo's first table) */
	uint64_t free[MR_NR_ORDERS][MR_MT__COUNT];
	uint64_t blocks[MR_MT__COUNT];	       /* pageblocks per type */
	uint32_t pcp_high[MR_BUDDY_MAX_CPUS];  /* per CPU: high */
	uint32_t pcp_batch[MR_BUDDY_MAX_CPUS]; /* per CPU: batch */
	uint32_t pcp_count[MR_BUDDY_MAX_CPUS]; /* per CPU: pages held */
	uint32_t pcp_high_min;		       /* high_min */
	uint32_t pcp_high_max;		       /* high_max */
} mr_zone_profile;

/* The node: its CPUs and zones. */
typedef struct mr_buddy_profile {
	int ncpus;			      /* CPUs (1..64) */
	mr_zone_profile zone[MR_ZONE__COUNT]; /* DMA, DMA32, Normal */
} mr_buddy_profile;

typedef struct mr_buddy mr_buddy;

/*
 * A node laid out from PROFILE: each zone's managed frames from its
 * start, pageblocks typed as the profile counts them, free blocks placed
 * deterministically in pageblocks of their type so that no two free
 * buddies could merge, every other managed frame owned by background,
 * and each CPU's list holding its count of background order-0 pages
 * (movable). 0, or -1 when out of memory or when the profile cannot be
 * laid out (more free pages than managed frames allow): *OUT is NULL.
 */
int mr_buddy_new(mr_buddy **out, const mr_buddy_profile *profile);
void mr_buddy_free(mr_buddy *b);

/* The profile the node was laid out from. */
const mr_buddy_profile *mr_buddy_profile_of(const mr_buddy *b);

/*
 * Allocate 2^ORDER frames of migratetype MT (MR_MT_UNMOVABLE, MOVABLE or
 * RECLAIMABLE) on CPU CPU from the zones at and below HIGHEST_ZONE, in
 * the zonelist's order (Normal, DMA32, DMA), each above its low
 * watermark plus the lowmem reserve, for OWNER. Returns the first frame,
 * or -1 when no zone can serve it (the kernel would reclaim).
 */
int64_t mr_buddy_alloc(mr_buddy *b, int highest_zone, unsigned order, int mt,
		       int cpu, int owner);

/* Free the 2^ORDER frames at PFN (as allocated) on CPU CPU. 0, or -1 when
 * PFN is not an allocated block of that order (nothing changed). */
int mr_buddy_put(mr_buddy *b, uint64_t pfn, unsigned order, int cpu);

/* split_page(): the allocated block at PFN becomes blocks of order 0,
 * each freed on its own later. 0, or -1 when PFN heads no allocated
 * block. */
int mr_buddy_split(mr_buddy *b, uint64_t pfn);

/* The first frame of the allocated block holding PFN, its order in
 * *ORDER; -1 when PFN is not allocated. */
int64_t mr_buddy_block_of(const mr_buddy *b, uint64_t pfn, unsigned *order);

/* The owner of the allocated frame PFN, or -1 when it is not allocated. */
int mr_buddy_owner(const mr_buddy *b, uint64_t pfn);

/* Pages allocated to OWNER (background counts the pages laid out so). */
uint64_t mr_buddy_owned(const mr_buddy *b, int owner);

/*
 * Hand an allocated order-0 frame of owner FROM to owner TO: the lowest
 * one at or above *CURSOR (which moves past it). The page cache's pages
 * of files that were cached when the run began are background frames
 * given to the page cache so. Returns the frame, or -1 when none is
 * left.
 */
int64_t mr_buddy_adopt(mr_buddy *b, int from, int to, uint64_t *cursor);

/*
 * The same for an aligned block of 2^ORDER order-0 frames of owner FROM
 * (a background slab's pages): they become one allocated block of ORDER
 * owned by TO. Returns its first frame, or -1 when none is left.
 */
int64_t mr_buddy_adopt_block(mr_buddy *b, int from, int to, unsigned order,
			     uint64_t *cursor);

/* Free blocks of ORDER and MT in ZONE (buddy lists only). */
uint64_t mr_buddy_nr_free(const mr_buddy *b, int zone, unsigned order, int mt);
/* Pages on CPU's lists of ZONE. */
uint64_t mr_buddy_pcp_count(const mr_buddy *b, int zone, int cpu);
/* The migratetype of the pageblock holding PFN. */
int mr_buddy_block_type(const mr_buddy *b, uint64_t pfn);

/*
 * The counts every view of the node is printed from: what the history
 * stores per step (docs/schema.md).
 */
typedef struct mr_buddy_counts {
	uint64_t free[MR_ZONE__COUNT][MR_NR_ORDERS][MR_MT__COUNT]; /* free
								      blocks */
	uint64_t blocks[MR_ZONE__COUNT][MR_MT__COUNT];	 /* pageblocks per type,
							    as pagetypeinfo
							    counts them */
	uint64_t pcp[MR_ZONE__COUNT][MR_BUDDY_MAX_CPUS]; /* pages on each
							    CPU's lists */
	uint64_t high[MR_ZONE__COUNT][MR_BUDDY_MAX_CPUS]; /* each list's high */
} mr_buddy_counts;

void mr_buddy_counts_of(const mr_buddy *b, mr_buddy_counts *c);
/* Only ZONE's part of *C. */
void mr_buddy_zone_counts(const mr_buddy *b, int zone, mr_buddy_counts *c);
/* A number that changes whenever ZONE's counts may have (any change of
 * its lists or pageblock types). */
uint64_t mr_buddy_zone_gen(const mr_buddy *b, int zone);

/* The views of a node, from its profile and counts, as mm/vmstat.c
 * prints them. */
enum mr_buddy_view {
	MR_BUDDY_BUDDYINFO,    /* /proc/buddyinfo */
	MR_BUDDY_PAGETYPEINFO, /* /proc/pagetypeinfo */
	MR_BUDDY_ZONEINFO,     /* the zone lines of /proc/zoneinfo the
				  allocator knows: pages free, the
				  watermarks, spanned/present/managed,
				  protection, nr_free_pages,
				  nr_free_pages_blocks, the pagesets and
				  start_pfn */
	MR_BUDDY_UNUSABLE,     /* debugfs extfrag/unusable_index */
	MR_BUDDY_EXTFRAG,      /* debugfs extfrag/extfrag_index */
};
size_t mr_buddy_show(const mr_buddy_profile *p, const mr_buddy_counts *c,
		     int view, char *buf, size_t len);
/* mr_buddy_frag() from counts. */
int mr_buddy_counts_frag(const mr_buddy_profile *p, const mr_buddy_counts *c,
			 int zone, unsigned order, int *unusable, int *frag);

/* The node's VIEW (enum mr_buddy_view) now, the kernel's text into BUF
 * (LEN bytes, NUL-terminated); returns the full length. */
size_t mr_buddy_view(const mr_buddy *b, int view, char *buf, size_t len);

/*
 * The extfrag indices of ZONE for a request of ORDER, in thousandths
 * (mm/vmstat.c unusable_free_index() and __fragmentation_index()):
 * *UNUSABLE the share of free memory in blocks too small (1000 when
 * nothing is free), *FRAG how much a failure would be due to
 * fragmentation rather than lack of memory (-1000 when a block is
 * free, 0 when nothing is). -1 for a zone that does not exist.
 */
int mr_buddy_frag(const mr_buddy *b, int zone, unsigned order, int *unusable,
		  int *frag);

/*
 * Check every invariant (docs/invariants.md): each frame in one state;
 * free blocks aligned, in the list of their order and pageblock type,
 * none with a free buddy the kernel would have merged; counts equal the
 * lists; per-CPU counts. Calls SAY (when not NULL) per violation with a
 * message; returns the number of violations.
 */
size_t mr_buddy_check(const mr_buddy *b,
		      void (*say)(void *ctx, const char *msg), void *ctx);

/*
 * The invariants that need no walk of the frames (each step): every
 * zone's free-page count equals its lists' blocks, each CPU's count its
 * lists' pages and stays within high_max and a refill. As
 * mr_buddy_check().
 */
size_t mr_buddy_check_counts(const mr_buddy *b,
			     void (*say)(void *ctx, const char *msg),
			     void *ctx);
/* The same for ZONE alone. */
size_t mr_buddy_check_zone_counts(const mr_buddy *b, int zone,
				  void (*say)(void *ctx, const char *msg),
				  void *ctx);

#endif
