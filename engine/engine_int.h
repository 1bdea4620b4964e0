/*
 * engine_int.h - structures private to engine/.
 */
#ifndef MR_ENGINE_INT_H
#define MR_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/mm.h"
#include "engine/vma_tree.h"

/* mmap(2) flag and prot bits (uapi), as the syscall receives them. */
#define PROT_READ_ 0x1
#define PROT_WRITE_ 0x2
#define PROT_EXEC_ 0x4
#define PROT_SEM_ 0x8
#define PROT_GROWSDOWN_ 0x01000000
#define PROT_GROWSUP_ 0x02000000
#define MAP_SHARED_ 0x01
#define MAP_PRIVATE_ 0x02
#define MAP_SHARED_VALIDATE_ 0x03
#define MAP_DROPPABLE_ 0x08
#define MAP_TYPE_ 0x0f
#define MAP_FIXED_ 0x10
#define MAP_ANONYMOUS_ 0x20
#define MAP_32BIT_ 0x40
#define MAP_GROWSDOWN_ 0x100
#define MAP_LOCKED_ 0x2000
#define MAP_NORESERVE_ 0x4000
#define MAP_POPULATE_ 0x8000
#define MAP_NONBLOCK_ 0x10000
#define MAP_STACK_ 0x20000
#define MAP_HUGETLB_ 0x40000
#define MAP_HUGE_SHIFT_ 26
#define MAP_HUGE_MASK_ 0x3f
#define MAP_SYNC_ 0x80000
#define MAP_FIXED_NOREPLACE_ 0x100000
#define MAP_DENYWRITE_ 0x0800
#define MAP_EXECUTABLE_ 0x1000
#define MAP_UNINITIALIZED_ 0x4000000
/* The flags every file's mmap knows (include/linux/mman.h). */
#define LEGACY_MAP_MASK_                                                       \
	(MAP_SHARED_ | MAP_PRIVATE_ | MAP_FIXED_ | MAP_ANONYMOUS_ |            \
	 MAP_DENYWRITE_ | MAP_EXECUTABLE_ | MAP_UNINITIALIZED_ |               \
	 MAP_GROWSDOWN_ | MAP_LOCKED_ | MAP_NORESERVE_ | MAP_POPULATE_ |       \
	 MAP_NONBLOCK_ | MAP_STACK_ | MAP_HUGETLB_)

/* A range of addresses [start, end). */
struct mr_range {
	uint64_t start, end; /* [start, end) */
};

/* A set of pages as sorted, disjoint ranges (ranges.c). */
struct mr_ranges {
	struct mr_range *v; /* the ranges */
	size_t n, cap;	    /* count, capacity */
};

/* A map of u64 keys (never 0) to u64 values (phys.c). */
struct mr_u64map {
	uint64_t *k, *v; /* keys (0: empty) and values */
	size_t n, cap;	 /* entries, slots (a power of two) */
};
void mr_u64map_free(struct mr_u64map *h);
/* The value slot of K, or NULL. */
uint64_t *mr_u64map_find(const struct mr_u64map *h, uint64_t k);
/* K -> V (replacing): 0, or -1 when out of memory. */
int mr_u64map_put(struct mr_u64map *h, uint64_t k, uint64_t v);
void mr_u64map_del(struct mr_u64map *h, uint64_t k);

/* What a frame holds (phys.c). */
enum mr_page_kind {
	MR_PG_NONE = 0,
	MR_PG_ANON,  /* an anonymous page */
	MR_PG_FILE,  /* a file's page-cache page */
	MR_PG_SHMEM, /* a shmem page */
	MR_PG_ZERO,  /* the zero page (never counted) */
};

/* The model's frames: the zero page, the huge zero page (512-aligned),
 * then every page and table page in allocation order. */
#define MR_ZERO_PFN 0x1000ull
#define MR_HUGE_ZERO_PFN 0x1200ull
#define MR_FIRST_PFN 0x100000ull
#define MR_VVAR_PFN 0x1400ull /* [vvar]'s pages (PFN mapped) */

typedef struct mr_pgtable mr_pgtable;

#define MR_PTOUCH_MAX 16

/* phys.c's invariants: a violation. */
typedef void (*mr_phys_fail_fn)(void *ctx, const mr_mm *mm, const char *inv,
				uint64_t addr, const char *detail);
/* The page ranges this step changed (then forgotten). */
void mr_phys_check_step(mr_machine *m, mr_phys_fail_fn fail, void *ctx);
/* One address space whole: entries, counters, tables. */
void mr_phys_check_mm(const mr_mm *mm, mr_phys_fail_fn fail, void *ctx);
/* Every page's map count; no anonymous page once every mm is gone. */
void mr_phys_check_machine(const mr_machine *m, mr_phys_fail_fn fail,
			   void *ctx);

/* The kernel caches the model allocates from (kobjects.c). */
enum {
	MR_KC_VMA,     /* vm_area_struct */
	MR_KC_MM,      /* mm_struct */
	MR_KC_AV,      /* anon_vma */
	MR_KC_AVC,     /* anon_vma_chain */
	MR_KC_TASK,    /* task_struct */
	MR_KC_PID,     /* pid */
	MR_KC_SIGNAL,  /* signal_cache */
	MR_KC_SIGHAND, /* sighand_cache */
	MR_KC_FILES,   /* files_cache */
	MR_KC_FS,      /* fs_cache: merged into anon_vma_chain's cache */
	MR_KC_MAPLE,   /* maple_node */
	MR_KC__COUNT
};

struct mr_mm {
	mr_machine *m;	      /* owning machine */
	int64_t mm_obj;	      /* its mm_struct object (-1: none) */
	int64_t holes;	      /* gaps between consecutive VMAs */
	int64_t *maple;	      /* its maple tree's nodes (maple_node
				 objects; kobjects.c) */
	uint32_t nmaple, capmaple;
	uint32_t id;	      /* creation order, from 1 */
	int32_t owner;	      /* tgid that created it */
	int users;	      /* tasks using it */
	int known;	      /* state modelled (seeded or built) */
	int adopting;	      /* not known: VMAs are adopted from calls */
	int has_gate;	      /* print [vsyscall] */
	mr_vma_tree tree;     /* the VMAs */
	uint64_t start_brk;   /* mm->start_brk */
	uint64_t brk;	      /* mm->brk (unaligned) */
	int brk_known;	      /* start_brk/brk known */
	int brk_guess;	      /* start_brk is exec.c's guess (no ASLR) */
	uint64_t mmap_base;   /* mm->mmap_base */
	int base_known;	      /* mmap_base known */
	uint64_t def_flags;   /* mm->def_flags (VM_LOCKED from MCL_FUTURE) */
	uint64_t rlim[MR_RLIM__COUNT]; /* its process's limits (enum
					  mr_rlim; MR_RLIM_INFINITY) */
	uint64_t data_size;	       /* end_data - start_data (0: not
					  known) */
	int cap_ipc_lock;	       /* ... and CAP_IPC_LOCK */
	int memlock_learn;	       /* what a refusal may teach: LEARN_LIMIT
					  (RLIMIT_MEMLOCK is the default,
					  not the process's), LEARN_CAP
					  (so is CAP_IPC_LOCK) */
	uint64_t memlock_ok;	       /* ... pages it locked in all, the
					  most a lock that worked asked */
	uint64_t start_stack; /* mm->start_stack (0: not known) */
	/* places an ELF-built exec guessed (exec.c): [0] the PIE
	 * executable, [1] what hangs off mmap_base */
	struct mr_float {
		int on;		    /* still a guess */
		uint64_t lo, hi;    /* the VMAs it covers */
		uint64_t relro;	    /* [0]: RELRO's page at the guess */
		uint64_t relro_len; /* [0]: the mprotect's length (0: none) */
		uint64_t align;	    /* [0]: alignment of its load bias */
	} fl[2];
	struct mr_ranges guard;	 /* pages holding guard markers */
	struct mr_ranges hfault; /* huge pages faulted into MAP_NORESERVE
				    hugetlb mappings (taken from the
				    pool, given back at unmap) */
	/* physical state (phys.c) */
	mr_pgtable *pt;		      /* page tables, NULL until needed */
	uint64_t rss[MR_MM__COUNT];   /* RSS counters, in pages */
	uint64_t hiwater_rss;	      /* the largest RSS (VmHWM) */
	uint64_t pte_deposit;	      /* PTE tables deposited under huge
					 PMDs (counted in VmPTE) */
	uint64_t thp_pages;	      /* pages mapped by huge PMDs */
	uint64_t rep[MR_MM__COUNT + 2]; /* counters, VmPTE and VmHWM as
					   last reported (phys.c) */
	uint64_t approx_rss;	      /* get_mm_rss() as the kernel reads it
					 now (per-CPU parts not folded) */
	int approx_known;	      /* approx_rss was given */
	int64_t step_delta[MR_MM__COUNT]; /* the kernel's change of the
					     counters in this step */
	int step_known;			  /* step_delta was given */
	int64_t adv_keep;  /* MADV_PAGEOUT: lazy-free pages still to keep */
	int64_t adv_zero;  /* ... pages still to take as zero-filled
			      (-1: not known) */
	uint64_t total_vm;	      /* pages of all VMAs (VmSize) */
	uint64_t hiwater_vm;	      /* total_vm taken before every unmap
					 (VmPeak: this or total_vm) */
	uint64_t locked_extra;	      /* pages locked_vm counts beyond the
					 VM_LOCKED VMAs (MREMAP_DONTUNMAP) */
	uint64_t start_code, end_code; /* the executable's text (VmExe;
					  0: not known) */
	uint64_t hash;		 /* digest contribution of the scalars */
	struct mr_deposit {	      /* THP deposits (frames.c) */
		uint64_t table;	      /* the PMD table's frame */
		uint64_t pfn;	      /* the deposited table's frame */
	} * dep;
	size_t ndep, capdep;
	struct mr_mm *next_mm;	 /* machine's list of live mms */
	struct mr_mm *prev_mm;	 /* machine's list of live mms */
};

/* The objects a task holds (kobjects.c): its task_struct and pid
 * (handle + 1, 0: none), and its shares of signal_struct, sighand_struct,
 * files_struct and fs_struct (indexes into the machine's pool, 0: none). */
enum { MR_TSH_SIGNAL, MR_TSH_SIGHAND, MR_TSH_FILES, MR_TSH_FS, MR_TSH__COUNT };

struct mr_task {
	int32_t pid;   /* tid */
	int32_t tgid;  /* thread group */
	mr_mm *mm;     /* NULL when gone */
	uint64_t hash; /* digest contribution */
	uint64_t task_obj, pid_obj;	/* objects + 1 */
	uint32_t share[MR_TSH__COUNT]; /* pool indexes */
};

/* One VMA touched in the current step, for the incremental check. */
struct mr_touched {
	uint32_t mm;	/* mm id */
	uint64_t start; /* VMA start when touched */
	int merge_path; /* produced by a path that tries merging */
};

struct mr_machine {
	mr_config cfg; /* sysctls and policy */
	mr_journal j;  /* change consumer (hooks may be NULL) */
	/* strings: id -> text (1-based); hash index for lookup */
	char **str;	       /* str[id - 1] */
	uint32_t nstr, capstr; /* count, capacity */
	uint32_t *stridx;      /* open addressing table of ids */
	uint32_t stridx_cap;   /* power of two */
	/* files: id -> mr_file (1-based); path id -> file id */
	mr_file *files;	       /* files[id - 1] */
	uint32_t *file_of_str; /* indexed by string id, 0 if none */
	uint32_t nfiles, capfiles, cap_file_of_str;
	/* devices and inodes known for " (deleted)" names (the capture's
	 * file table may list several files of one name) */
	struct mr_deleted {
		uint32_t path_id;	       /* the deleted name */
		uint32_t dev_major, dev_minor; /* device */
		uint64_t inode;		       /* inode */
		int used;		       /* given to an unlinked file */
	} * deleted;
	size_t ndeleted, capdeleted;
	/* SysV shared memory segments (one IPC namespace) */
	struct mr_shmseg {
		int64_t id;    /* shmid */
		uint32_t key;  /* key (0: IPC_PRIVATE) */
		uint64_t size; /* bytes; 0 when not known */
		uint32_t file; /* its file (maps name, inode = id) */
		int removed;   /* IPC_RMID: gone when nothing maps it */
	} * shm;
	size_t nshm, capshm;
	/* inodes of shmem objects (shared anonymous memory, by ofd) that
	 * a snapshot showed, sorted by ofd */
	struct mr_shmem_ino {
		uint32_t ofd;	/* the mmap's struct file */
		uint64_t inode; /* its inode */
	} * shmem_ino;
	size_t nshmem_ino, capshmem_ino;
	uint32_t next_ofd;	/* last ofd id given */
	uint32_t next_anon_vma; /* last anon_vma id given */
	/* assumptions about writes (mr_machine_choices()) */
	mr_choice *choice; /* made since the last clear */
	size_t nchoice, capchoice;
	uint32_t next_choice;	/* last mr_choice id given */
	mr_choice_fn choice_fn; /* revision's hook, or NULL */
	void *choice_ctx;
	mr_wstats wstats;
	uint64_t limits_learned; /* mr_machine_limits_learned() */
	uint32_t next_mm;	/* last mm id given */
	/* tasks, sorted by pid */
	struct mr_task *tasks; /* live tasks */
	size_t ntasks, captasks;
	mr_mm *mms;		    /* live mms, newest first */
	size_t nmms;		    /* number of live mms */
	uint64_t sum;		    /* order-independent digest accumulator */
	struct mr_touched *touched; /* VMAs changed since the last check */
	size_t ntouched, captouched;
	int touched_overflow; /* too many: check whole mms instead */
	uint32_t *dirty_mms;  /* mm ids touched since the last check */
	size_t ndirty, capdirty;
	/* frames (phys.c) */
	struct mr_u64map pages;	 /* pfn -> kind and map count */
	struct mr_u64map pcache; /* (object, index) -> pfn */
	uint64_t next_pfn;	 /* next frame to give */
	struct mr_buddy *buddy;	 /* the node's allocator (NULL: none) */
	int cpu;		 /* CPU of the current step */
	uint64_t frames_short;	 /* pages the node could not give */
	uint64_t frees_bad;	 /* frees of frames the node had not given
				    so (a bug of the model) */
	uint64_t adopt_cursor;	 /* next background frame to look at */
	uint64_t table_reuse;	 /* a withdrawn deposit the next new table
				    page takes (0: none) */
	struct mr_slub *slub;	 /* the node's SLUB caches (NULL: none) */
	int kc[MR_KC__COUNT];	 /* their numbers of the caches below */
	struct mr_u64map vma_obj; /* VMA address -> its vm_area_struct
				     object + 1 */
	int kobj_background; /* the objects being made existed before the
				run: background ones (a task the trace did
				not create) */
	/* shared task objects (kobjects.c), from index 1 */
	struct mr_tshare {
		uint64_t obj;  /* object + 1 (0: none: not modelled) */
		uint32_t refs; /* tasks holding it (0: a free slot) */
		uint8_t kc;    /* its cache (MR_KC_*) */
	} * tshare;
	uint32_t ntshare, captshare, tshare_free;
	/* anon_vmas and chains (anonvma.c) */
	struct mr_av *av;	 /* by anon_vma id */
	size_t cap_av;
	struct mr_u64map chains; /* VMA address -> its chain */
	uint64_t av_made, av_freed;   /* anon_vma objects so far */
	uint64_t avc_made, avc_freed; /* anon_vma_chain objects so far */
	struct mr_u64map folios; /* PTE-mapped THP folio head -> its pages
				    still held */
	int phys_oom;		 /* out of memory in the physical model */
	uint64_t tables_allocated; /* page-table pages allocated so far
				      (PUD, PMD, PTE, deposits) */
	uint64_t user_allocated[2]; /* user pages allocated so far: zeroed
				       small pages, THP folios */
	uint64_t vmas_made;  /* vm_area_struct objects allocated so far */
	uint64_t vmas_freed; /* ... freed */
	struct mr_ptouch {	 /* page ranges the step changed */
		uint32_t mm;
		uint64_t start, end;
	} ptouch[MR_PTOUCH_MAX];
	size_t nptouch;
	int ptouch_overflow; /* more than MR_PTOUCH_MAX: check all */
};

/*
 * Shared anonymous memory: the kernel backs it with a shmem file
 * ("/dev/zero (deleted)" in the maps); the model has no file for it.
 */
static inline int mr_vma_anon_shmem(const mr_vma *v)
{
	return !v->file && v->kind == MR_VMA_PLAIN &&
	       (v->flags & MR_VM_MAYSHARE);
}

/* Bytes of [start, end) that V covers (V overlaps it). */
static inline uint64_t overlap(const mr_vma *v, uint64_t start, uint64_t end)
{
	return (v->end < end ? v->end : end) -
	       (v->start > start ? v->start : start);
}

/* kobjects.c: the objects of the caches above, on the machine's CPU */
void mr_kobj_vma_new(mr_machine *m, const mr_vma *v);
void mr_kobj_vma_gone(mr_machine *m, const mr_vma *v);
void mr_kobj_mm_new(mr_mm *mm);
void mr_kobj_mm_gone(mr_mm *mm);
/* A task's objects: adopted from the background (a task the trace did
 * not create), made by copy_process() from PARENT's with CLONE_FLAGS,
 * unshared at exec (de_thread(), unshare_files()), dropped at exit. */
void mr_kobj_task_adopt(mr_machine *m, struct mr_task *t);
void mr_kobj_task_clone(mr_machine *m, const struct mr_task *parent,
			struct mr_task *t, uint64_t clone_flags);
void mr_kobj_task_exec(mr_machine *m, struct mr_task *t);
void mr_kobj_task_gone(mr_machine *m, struct mr_task *t);
void mr_kobj_free_all(mr_machine *m);
/* Every address space's maple tree nodes as many as its VMAs and holes
 * call for (after each step); all of MM's freed (its teardown). */
void mr_kobj_maple_sync(mr_machine *m);
void mr_kobj_maple_drop(mr_mm *mm);

/* anonvma.c: the anon_vma objects behind V->anon_vma, and V's chain */
void mr_av_seed(mr_machine *m, const mr_vma *v);
/* __anon_vma_prepare() gave V its anon_vma (IS_NEW: allocated). */
void mr_av_prepare(mr_machine *m, const mr_vma *v, int is_new);
/* anon_vma_clone(DST, SRC): DST's anon_vma is set already. */
void mr_av_clone(mr_machine *m, const mr_vma *dst, const mr_vma *src);
/* anon_vma_fork() of the parent's PV into the copy C: C's anon_vma. */
uint32_t mr_av_fork(mr_machine *m, const mr_vma *c, const mr_vma *pv);
/* unlink_anon_vmas() */
void mr_av_unlink(mr_machine *m, const mr_vma *v);
/* Whether V's chain has one entry at most. */
int mr_av_singular(const mr_machine *m, const mr_vma *v);
void mr_av_free_all(mr_machine *m);
/* anon_vma (AVC 0) or chain entry (AVC 1) objects the model holds. */
uint64_t mr_av_objects(const mr_machine *m, int avc);

/* frames.c */
uint64_t mr_frame_alloc(mr_machine *m, unsigned order, int owner);
uint64_t mr_frame_cached(mr_machine *m);
void mr_frame_free(mr_machine *m, uint64_t pfn, unsigned order);
/* The allocated block at PFN becomes order-0 pages (split_page()). */
void mr_frame_split(mr_machine *m, uint64_t pfn);
/* A new deposited table for the huge PMD at HADDR (counted allocated). */
void mr_deposit_new(mr_mm *mm, uint64_t haddr);
/* Withdraw the deposit of the huge PMD at HADDR: its frame (0: none). */
uint64_t mr_deposit_take(mr_mm *mm, uint64_t haddr);
/* Withdraw it and free it (zap_huge_pmd()). */
void mr_deposit_drop(mr_mm *mm, uint64_t haddr);
/* The huge PMD moved from FROM to TO (move_huge_pmd()). */
void mr_deposit_move(mr_mm *mm, uint64_t from, uint64_t to);
/* Free every deposit (the address space is gone). */
void mr_deposit_free_all(mr_mm *mm);

/* machine.c */
uint64_t mr_hash64(uint64_t x);
uint64_t mr_vma_hash(const mr_mm *mm, const mr_vma *v);
uint64_t mr_mm_scalar_hash(const mr_mm *mm);
void mr_mm_rehash(mr_mm *mm);
void mr_machine_touch(mr_machine *m, const mr_mm *mm, uint64_t start,
		      int merge_path);
void mr_machine_mm_dirty(mr_machine *m, const mr_mm *mm);
/* A file no path lookup finds (a SysV segment's); returns its id. */
uint32_t mr_machine_file_unnamed(mr_machine *m, const char *path,
				 uint32_t dev_major, uint32_t dev_minor,
				 uint64_t inode);
void mr_machine_file_set_sysv(mr_machine *m, uint32_t id);
/* Every VMA (of every mm) that MATCH(v, KEY) leaves (BEGIN) or
 * re-enters the history and the digest: what renders it changed. */
void mr_machine_vmas_change(mr_machine *m,
			    int (*match)(const mr_vma *v, uint32_t key),
			    uint32_t key, int begin);
/* Set the device and inode of file ID (every VMA of it re-reported). */
void mr_machine_file_set_ids(mr_machine *m, uint32_t id, uint32_t maj,
			     uint32_t min, uint64_t ino);
/* The inode of the shmem object behind ofd OFD; 0 when not known. */
uint64_t mr_machine_shmem_inode(const mr_machine *m, uint32_t ofd);
/* Remember it; 0, or -1 when out of memory. */
int mr_machine_shmem_set_inode(mr_machine *m, uint32_t ofd, uint64_t ino);
/*
 * The huge page size of hugetlb VMA V (0 for other VMAs), and whether a
 * split of V at ADDR is refused with EINVAL (vm_ops->may_split: a hugetlb
 * VMA splits only at a huge page boundary, the vdso and vvar never).
 */
uint64_t mr_vma_huge_size(const mr_mm *mm, const mr_vma *v);
int mr_split_refused(const mr_mm *mm, const mr_vma *v, uint64_t addr);
/* Whether any VMA of any address space maps file ID. */
int mr_machine_file_mapped(const mr_machine *m, uint32_t id);

/* exec.c: pin a guessed place when a call shows the real one. An
 * mmap without a hint returned REC where the model predicted PRED: the
 * distance the guess moved (0: none), which unpin takes back when the
 * call still does not fit. An mprotect(ADDR, LEN, PROT_READ): 1 when
 * the executable moved. A call that moved a guess is not counted as
 * predicted. */
int64_t mr_exec_pin_mmap(mr_mm *mm, int64_t pred, int64_t rec);
void mr_exec_unpin_mmap(mr_mm *mm, int64_t delta);
int mr_exec_pin_relro(mr_mm *mm, uint64_t addr, uint64_t len);

/* fault.c */
/* THP may back the PMD around ADDR of V (mode, VM_HUGEPAGE, the VMA
 * covering the aligned 2 MiB). */
int mr_thp_pmd_ok(const mr_mm *mm, const mr_vma *v, uint64_t addr);
/* Fault in every page of [start, end): with WRITE as __mm_populate()
 * does (private writable VMAs are written), else for reading
 * (MADV_POPULATE_READ). Gives VMAs the anon_vma the faults would. */
void mr_populate(mr_mm *mm, uint64_t start, uint64_t end, int write);

/*
 * security_vm_enough_memory_mm() for PAGES newly accounted pages: with
 * vm.overcommit_memory 0 (the heuristic) a single commit larger than RAM
 * and swap fails (ENOMEM); other modes are not modelled (no limit).
 */
static inline int mr_commit_refused(const mr_mm *mm, uint64_t pages)
{
	return mm->m->cfg.commit_pages && pages > mm->m->cfg.commit_pages;
}

/* mlock.c: the limits of mm/mlock.c and may_expand_vm() */
void mr_mm_limits_copy(mr_mm *dst, const mr_mm *src);
/* can_do_mlock(): 0 means EPERM */
int mr_can_do_mlock(const mr_mm *mm);
/* mlock_future_ok(): BYTES more of memory with VM_FLAGS fit
 * RLIMIT_MEMLOCK (always when not VM_LOCKED or with CAP_IPC_LOCK) */
int mr_mlock_future_ok(const mr_mm *mm, uint64_t vm_flags, uint64_t bytes);
/* may_expand_vm(): NPAGES more of memory with VM_FLAGS fit RLIMIT_AS
 * and, for data memory, RLIMIT_DATA */
int mr_may_expand_vm(const mr_mm *mm, uint64_t vm_flags, uint64_t npages);

/* ranges.c: sets of pages (guard markers, faulted huge pages) */
void mr_ranges_add(struct mr_ranges *rs, uint64_t start, uint64_t end);
void mr_ranges_del(struct mr_ranges *rs, uint64_t start, uint64_t end);
/* How many bytes of [start, end) the set holds. */
uint64_t mr_ranges_bytes(const struct mr_ranges *rs, uint64_t start,
			 uint64_t end);
/* DST gets SRC's pages in [start, end) (fork). */
void mr_ranges_copy(struct mr_ranges *dst, const struct mr_ranges *src,
		    uint64_t start, uint64_t end);
void mr_ranges_free(struct mr_ranges *rs);
/* The pages of [from, from + len) move to TO (mremap moves page tables). */
void mr_ranges_move(struct mr_ranges *rs, uint64_t from, uint64_t to,
		    uint64_t len);
/*
 * Fault in the huge pages of [start, end) in MAP_NORESERVE hugetlb VMA V
 * (population): each page not faulted in yet takes one from the pool,
 * in order; when none is left the fault is SIGBUS: returns 1, the pages
 * before it taken. 0 for other VMAs, or when the pool is unknown. A dry
 * run passes TAKEN, the pages earlier VMAs of the call would take (per
 * page size), and changes nothing but it.
 */
int mr_huge_populate(mr_mm *mm, const mr_vma *v, uint64_t start, uint64_t end,
		     uint64_t *taken);
/* V is unmapped: its faulted huge pages go back to the pool. */
void mr_huge_unfault(mr_mm *mm, const mr_vma *v);

/* phys.c: the pages behind the VMAs (no-ops unless cfg.phys) */
void mr_phys_fault(mr_mm *mm, const mr_vma *v, uint64_t addr, unsigned code,
		   const mr_fault_hint *h);
void mr_phys_populate(mr_mm *mm, const mr_vma *v, uint64_t start, uint64_t end,
		      int write);
void mr_phys_update_hiwater(mr_mm *mm);
void mr_phys_lazyfree(mr_mm *mm, uint64_t start, uint64_t end);
/* What frame PFN holds (enum mr_page_kind) and its map count. */
int mr_phys_page_kind(const mr_machine *m, uint64_t pfn);
uint32_t mr_phys_page_mapcount(const mr_machine *m, uint64_t pfn);
/* Whether anonymous page PFN is lazy-free (MADV_FREE). */
int mr_phys_page_lazyfree(const mr_machine *m, uint64_t pfn);
/* Unmap the pages of [start, end) (zap_page_range(): tables stay). */
void mr_phys_zap(mr_mm *mm, uint64_t start, uint64_t end);
/* MADV_PAGEOUT over [start, end). */
void mr_phys_pageout(mr_mm *mm, uint64_t start, uint64_t end);
/* MADV_COLD over [start, end): large folios it cuts are split. */
void mr_phys_cold(mr_mm *mm, uint64_t start, uint64_t end);
/* Before the VMAs of a MADV_FREE, COLD or PAGEOUT call over [start,
 * end): how many pages the call may drop (PAGEOUT: lazy-free pages
 * first), from the step's kernel counters. */
void mr_phys_advise_begin(mr_mm *mm, uint64_t start, uint64_t end,
			  int pageout);
/* MADV_DONTNEED's page-table reclaim over [start, end). */
void mr_phys_reclaim_tables(mr_mm *mm, uint64_t start, uint64_t end);
/* free_pgtables() for [start, end), just unmapped. */
void mr_phys_free_tables(mr_mm *mm, uint64_t start, uint64_t end);
/* A huge PMD covering ADDR becomes a PTE table (VMA split there). */
void mr_phys_split_pmd(mr_mm *mm, uint64_t addr);
void mr_phys_fork_vma(mr_mm *child, mr_mm *parent, const mr_vma *v,
		      const mr_vma *c);
void mr_phys_move(mr_mm *mm, uint64_t from, uint64_t to, uint64_t len);
void mr_phys_protect(mr_mm *mm, const mr_vma *v, uint64_t start,
		     uint64_t end);
void mr_phys_destroy(mr_mm *mm);
void mr_phys_mm_init(mr_mm *mm);

/* shm.c */
void mr_machine_shm_free(mr_machine *m);
/* Whether file ID is no SysV segment, or one marked IPC_RMID. */
int mr_machine_shm_file_removed(const mr_machine *m, uint32_t file);

/* vma_ops.c: the hugetlb pages file ID reserved go back to the pool. */
void mr_machine_huge_release(mr_machine *m, uint32_t file);

/* vma_ops.c: the primitives the syscalls are built from. */
/* A proposed VMA: a new range, or a range of an existing VMA with new
 * attributes. */
struct mr_prop {
	uint64_t start, end; /* the range */
	uint64_t pgoff;	     /* its pgoff */
	uint64_t flags;	     /* its flags */
	uint32_t file, ofd;  /* its file */
	uint32_t name;	     /* anon name / special name */
	uint8_t kind;	     /* enum mr_vma_kind */
	uint32_t anon_vma;   /* anon_vma of the source, 0 for a new range */
	uint8_t src_forked;  /* the source is a fork child */
	uint8_t copied;	     /* mremap's copy of a VMA: the new VMA keeps
				the source's anon_vma; merge checks see no
				source VMA (copy_vma()) */
	const mr_vma *src;   /* the copy's source (its chain is cloned),
				NULL when none */
	uint8_t resv_check;  /* mmap_check() reached the hugetlb
				reservation, made after vm_area_alloc() */
};

mr_vma *mr_vma_alloc(mr_machine *m);
/* A vm_area_struct allocated and freed again (a mapping refused after
 * mmap_region() made its VMA). */
void mr_vma_alloc_free(mr_machine *m);
/* Insert a new VMA / remove and free one, reporting either. */
void mr_vma_link(mr_mm *mm, mr_vma *v, int merge_path);
void mr_vma_unlink_free(mr_mm *mm, mr_vma *v);
/* Bracket an in-place change of V (flags, range, anon_vma). */
void mr_vma_change_begin(mr_mm *mm, mr_vma *v);
void mr_vma_change_end(mr_mm *mm, mr_vma *v, int merge_path);
void mr_vma_set_range(mr_mm *mm, mr_vma *v, uint64_t start, uint64_t end,
		      uint64_t pgoff, int merge_path);
/* can_vma_merge_after() / can_vma_merge_before() for proposal P. */
int mr_can_merge_left(const struct mr_prop *p, const mr_vma *prev);
int mr_can_merge_right(const struct mr_prop *p, const mr_vma *prev,
		       const mr_vma *next, int left);
void mr_dup_anon(mr_vma *dst, const mr_vma *src);
/* __split_vma(): returns the new piece, NULL when out of memory. */
mr_vma *mr_vma_split(mr_mm *mm, mr_vma *v, uint64_t addr, int new_below);
void mr_anon_prepare(mr_mm *mm, mr_vma *v);
/* Mark V inferred (adopted from evidence, or a guess) or not. */
void mr_vma_set_inferred(mr_mm *mm, mr_vma *v, int inferred);
/* Whether [start, end) is mapped without a hole by VMAs that have none
 * of FORBID's flags. */
int mr_range_covered(const mr_mm *mm, uint64_t start, uint64_t end,
		     uint64_t forbid);

/* mr_mm.memlock_learn */
#define MR_LEARN_LIMIT 1
#define MR_LEARN_CAP 2

/* V was made writable (or created so) by a call: take it as written or
 * not by RULE (enum mr_wrule) and record the choice. */
void mr_assume_written(mr_mm *mm, mr_vma *v, int rule);
/* V got an anon_vma from a write (or a population) the model saw: what
 * was assumed about it is confirmed or overturned (mr_wstats). */
void mr_wstate_known(mr_mm *mm, mr_vma *v);
/* The absorbed VMA SRC's assumptions go to DST, which now covers it. */
void mr_wstate_absorb(mr_vma *dst, const mr_vma *src);
/* Map proposal P into its free range, merging; returns the VMA. */
mr_vma *mr_map_range(mr_mm *mm, const struct mr_prop *p, int just_expand);
/*
 * vma_modify(): give [start, end) of V new flags, merging with PREV (V
 * itself when start is inside V) or the next VMA, or splitting. Returns
 * the VMA holding the range; NULL with *err = -ENOMEM when a split hits
 * max_map_count (CHECK_LIMIT).
 */
mr_vma *mr_vma_modify(mr_mm *mm, mr_vma *prev, mr_vma *v, uint64_t start,
		      uint64_t end, uint64_t newflags, int check_limit,
		      int *err);
/*
 * Dry run of mr_vma_modify(): PREV as the real run would see it; fills
 * *after with the VMA that would hold the range, *last with the last real
 * VMA used up, and updates *count. Returns -ENOMEM as the split would.
 */
int mr_vma_modify_dry(const mr_mm *mm, const mr_vma *prev, const mr_vma *v,
		      uint64_t start, uint64_t end, uint64_t newflags,
		      mr_vma *after, const mr_vma **last, size_t *count);
/* Remove [start, end), splitting the VMAs at its ends. */
void mr_unmap_range(mr_mm *mm, uint64_t start, uint64_t end);
/*
 * A syscall that walks [start, start + len) (madvise, mlock): RUN with
 * DRY=1 predicts, RUN with DRY=0 applies, stopping where the kernel
 * stops. Applied when the kernel did what the model says, succeeded, or
 * stopped at a hole (ENOMEM); the prediction is returned. With no
 * recorded result the real run is the prediction.
 */
typedef int64_t (*mr_range_run)(mr_mm *mm, uint64_t start, uint64_t len,
				uint64_t arg, int dry);
int64_t mr_range_call(mr_range_run run, mr_mm *mm, uint64_t start, uint64_t len,
		      uint64_t arg, int64_t recorded);
/*
 * The range checks madvise and mseal share: START page aligned, LEN
 * rounded up to pages without wrapping. Returns -EINVAL, 0 for an empty
 * range (the call does nothing) or 1 with *END set.
 */
int mr_range_args(uint64_t start, uint64_t len_in, uint64_t *end);
/*
 * vms_gather_munmap_vmas()'s checks for unmapping [start, end) with COUNT
 * VMAs, in the kernel's order: the map count before a split inside one
 * VMA (ENOMEM), then VMA after VMA a seal (EPERM) and a split the VMA
 * refuses (EINVAL). 0 when the unmap goes through.
 */
int mr_unmap_check(const mr_mm *mm, uint64_t start, uint64_t end, size_t count);
/* The split an unmap of [start, end) that failed past its first VMA
 * leaves (the first VMA's split was done). */
void mr_unmap_failed_split(mr_mm *mm, uint64_t start, uint64_t end);
/* Whether a VMA in [start, end) is sealed. */
int mr_range_sealed(const mr_mm *mm, uint64_t start, uint64_t end);

/* mm.c */
/*
 * __get_unmapped_area() for LEN bytes: MAP_FIXED, the hint ADDR, THP
 * alignment, top-down search. F is the file (NULL for anonymous memory),
 * PGOFF its page offset. Returns the address or a negative errno.
 */
int64_t mr_get_unmapped_area(const mr_mm *mm, uint64_t addr, uint64_t len,
			     uint64_t flags, const mr_fileref *f,
			     uint64_t pgoff);
mr_mm *mr_mm_create(mr_machine *m, int32_t owner);
void mr_mm_destroy(mr_mm *mm);
mr_mm *mr_mm_dup(mr_mm *old, int32_t owner);
int mr_vma_in_heap(const mr_mm *mm, const mr_vma *v);
int mr_vma_mergeable_pair(const mr_mm *mm, const mr_vma *a, const mr_vma *b);

#endif
