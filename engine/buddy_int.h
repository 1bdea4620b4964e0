/*
 * buddy_int.h - the buddy allocator's insides, shared by buddy.c (lists,
 * merging, splitting), buddy_alloc.c (the allocation and free paths,
 * per-CPU lists, fallback) and buddy_show.c (layout, /proc views,
 * checks). Private to engine/.
 */
#ifndef MR_ENGINE_BUDDY_INT_H
#define MR_ENGINE_BUDDY_INT_H

#include "engine/buddy.h"

#define BD_NONE UINT64_MAX
#define BD_COSTLY_ORDER 3 /* PAGE_ALLOC_COSTLY_ORDER */
/* per-CPU lists: three types for orders 0..3, then THP unmovable and
 * movable (order_to_pindex()) */
#define BD_NR_LOWORDER_PCP (MR_MT_PCPTYPES * (BD_COSTLY_ORDER + 1))
#define BD_NR_PCP_LISTS (BD_NR_LOWORDER_PCP + 2)

/* Frame states (the low nibble of st[]; the high nibble is the owner of
 * an allocated block's head). */
enum {
	BD_HOLE,      /* not managed by the allocator */
	BD_FREE,      /* head of a free block in a buddy list */
	BD_FREE_TAIL, /* inside a free block */
	BD_PCP,	      /* head of a block on a per-CPU list */
	BD_PCP_TAIL,  /* inside one */
	BD_USED,      /* head of an allocated block */
	BD_USED_TAIL  /* inside one */
};

struct bd_link {
	uint64_t pfn;  /* the block's first frame (BD_NONE: empty slot) */
	uint64_t prev; /* the block before it on its list, or BD_NONE */
	uint64_t next; /* the block after it, or BD_NONE */
};

struct bd_links {
	struct bd_link *v; /* open addressing, linear probing */
	uint64_t cap;	   /* slots, a power of two (0: none yet) */
	uint64_t n;	   /* slots in use */
};

struct bd_list {
	uint64_t head; /* first block (valid when n) */
	uint64_t tail; /* last block */
	uint64_t n;    /* blocks */
};

/* struct per_cpu_pages */
struct bd_pcp {
	struct bd_list lists[BD_NR_PCP_LISTS]; /* by order_to_pindex() */
	uint64_t count;			       /* pages on the lists */
	int high;			       /* pages kept at most */
	int high_min;			       /* the range high moves in */
	int high_max;
	int batch;	  /* pages moved at once */
	int free_count;	  /* pages freed since the last allocation */
	int alloc_factor; /* refill scaling (CONFIG_PCP_BATCH_SCALE_MAX) */
	int flags;	  /* BD_PCPF_* */
};

#define BD_PCPF_PREV_FREE_HIGH_ORDER 1
#define BD_PCPF_FREE_HIGH_BATCH 2

struct bd_zone {
	int exists;	/* the zone is printed */
	uint64_t start; /* spanned frames [start, end) */
	uint64_t end;
	uint64_t managed;				 /* managed frames */
	uint64_t nr_free_pages;				 /* NR_FREE_PAGES */
	struct bd_list free[MR_NR_ORDERS][MR_MT__COUNT]; /* free_area */
	struct bd_pcp pcp[MR_BUDDY_MAX_CPUS];		 /* per CPU */
	int below_high;					 /* ZONE_BELOW_HIGH */
};

struct bd_node {
	mr_buddy_profile profile; /* what the node was laid out from */
	uint64_t base;		  /* the first frame of any zone */
	uint64_t end;		  /* past the last */
	uint8_t *st;		  /* per frame: state | owner << 4 */
	uint8_t *ord;		  /* per frame: order of a head */
	uint8_t *pbt;		  /* per pageblock: migratetype */
	struct bd_links links;	  /* list links of listed blocks */
	struct bd_zone zone[MR_ZONE__COUNT]; /* DMA, DMA32, Normal */
	int ncpus;			     /* CPUs */
	/* pageblocks per zone and type, as pagetypeinfo counts them */
	uint64_t nblocks[MR_ZONE__COUNT][MR_MT__COUNT];
	uint64_t owned[MR_OWN__COUNT]; /* pages allocated per owner */
	int laid_out;		       /* nblocks is kept from now on */
	uint64_t gen[MR_ZONE__COUNT];  /* changes of each zone's lists and
					  pageblock types */
};

struct mr_buddy {
	struct bd_node n; /* the whole node */
};

const struct bd_link *bd_link_get(const struct bd_node *b, uint64_t pfn);
int bd_list_put(struct bd_node *b, struct bd_list *l, uint64_t pfn, int tail);
void bd_list_take(struct bd_node *b, struct bd_list *l, uint64_t pfn);
void bd_mark(struct bd_node *b, uint64_t pfn, unsigned order, int head,
	     int tail);
int bd_zone_of(const struct bd_node *b, uint64_t pfn);
int bd_block_type(const struct bd_node *b, uint64_t pfn);
void bd_set_block_type(struct bd_node *b, uint64_t pfn, int mt);
int bd_state(const struct bd_node *b, uint64_t pfn);
unsigned bd_order(const struct bd_node *b, uint64_t pfn);
/* The owner of the allocated block holding PFN (inside the node), or -1
 * when PFN is not allocated. */
int bd_used_owner(const struct bd_node *b, uint64_t pfn);
int bd_add_free(struct bd_node *b, int z, uint64_t pfn, unsigned order, int mt,
		int tail);
void bd_del_free(struct bd_node *b, int z, uint64_t pfn, unsigned order,
		 int mt);
int bd_free_one(struct bd_node *b, uint64_t pfn, unsigned order, int mt,
		int to_tail);
int bd_free_block(struct bd_node *b, uint64_t pfn, unsigned order, int to_tail);
int bd_expand(struct bd_node *b, int z, uint64_t pfn, unsigned low,
	      unsigned high, int mt);
uint64_t bd_rmqueue_smallest(struct bd_node *b, int z, unsigned order, int mt);

#endif
