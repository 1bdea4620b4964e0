/*
 * engine_int.h - structures private to engine/.
 */
#ifndef MR_ENGINE_INT_H
#define MR_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/mm.h"
#include "engine/vma_tree.h"

struct mr_mm {
	mr_machine *m;	       /* owning machine */
	uint32_t id;	       /* creation order, from 1 */
	int32_t owner;	       /* tgid that created it */
	int users;	       /* tasks using it */
	int known;	       /* state modelled (seeded or built) */
	int has_gate;	       /* print [vsyscall] */
	mr_vma_tree tree;      /* the VMAs */
	uint64_t start_brk;    /* mm->start_brk */
	uint64_t brk;	       /* mm->brk (unaligned) */
	int brk_known;	       /* start_brk/brk known */
	uint64_t mmap_base;    /* mm->mmap_base */
	int base_known;	       /* mmap_base known */
	uint64_t def_flags;    /* mm->def_flags (VM_LOCKED from MCL_FUTURE) */
	uint64_t hash;	       /* digest contribution of the scalars */
	struct mr_mm *next_mm; /* machine's list of live mms */
	struct mr_mm *prev_mm; /* machine's list of live mms */
};

struct mr_task {
	int32_t pid;   /* tid */
	int32_t tgid;  /* thread group */
	mr_mm *mm;     /* NULL when gone */
	uint64_t hash; /* digest contribution */
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
	uint32_t next_ofd;	/* last ofd id given */
	uint32_t next_anon_vma; /* last anon_vma id given */
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

/* machine.c */
uint64_t mr_hash64(uint64_t x);
uint64_t mr_vma_hash(const mr_mm *mm, const mr_vma *v);
uint64_t mr_mm_scalar_hash(const mr_mm *mm);
void mr_mm_rehash(mr_mm *mm);
void mr_machine_touch(mr_machine *m, const mr_mm *mm, uint64_t start,
		      int merge_path);
void mr_machine_mm_dirty(mr_machine *m, const mr_mm *mm);

/* mm.c */
mr_mm *mr_mm_create(mr_machine *m, int32_t owner);
void mr_mm_destroy(mr_mm *mm);
mr_mm *mr_mm_dup(mr_mm *old, int32_t owner);
int mr_vma_in_heap(const mr_mm *mm, const mr_vma *v);
int mr_vma_mergeable_pair(const mr_mm *mm, const mr_vma *a, const mr_vma *b);

#endif
