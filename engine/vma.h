/*
 * vma.h - one virtual memory area, as the kernel's vm_area_struct.
 *
 * Flag values are the kernel's own VM_* bits (include/linux/mm.h), so a
 * stored flags column reads like /proc/PID/smaps VmFlags.
 */
#ifndef MR_ENGINE_VMA_H
#define MR_ENGINE_VMA_H

#include <stdint.h>

#define MR_PAGE_SHIFT 12
#define MR_PAGE_SIZE (1ull << MR_PAGE_SHIFT)
#define MR_PAGE_MASK (~(MR_PAGE_SIZE - 1))
#define MR_PAGE_ALIGN(x) (((x) + MR_PAGE_SIZE - 1) & MR_PAGE_MASK)
#define MR_PMD_SIZE (1ull << 21)

#define MR_VM_READ 0x00000001ull
#define MR_VM_WRITE 0x00000002ull
#define MR_VM_EXEC 0x00000004ull
#define MR_VM_SHARED 0x00000008ull
#define MR_VM_MAYREAD 0x00000010ull
#define MR_VM_MAYWRITE 0x00000020ull
#define MR_VM_MAYEXEC 0x00000040ull
#define MR_VM_MAYSHARE 0x00000080ull
#define MR_VM_GROWSDOWN 0x00000100ull
#define MR_VM_UFFD_MISSING 0x00000200ull
#define MR_VM_PFNMAP 0x00000400ull
#define MR_VM_UFFD_WP 0x00001000ull
#define MR_VM_LOCKED 0x00002000ull
#define MR_VM_IO 0x00004000ull
#define MR_VM_SEQ_READ 0x00008000ull
#define MR_VM_RAND_READ 0x00010000ull
#define MR_VM_DONTCOPY 0x00020000ull
#define MR_VM_DONTEXPAND 0x00040000ull
#define MR_VM_LOCKONFAULT 0x00080000ull
#define MR_VM_ACCOUNT 0x00100000ull
#define MR_VM_NORESERVE 0x00200000ull
#define MR_VM_HUGETLB 0x00400000ull
#define MR_VM_SYNC 0x00800000ull
#define MR_VM_ARCH_1 0x01000000ull
#define MR_VM_WIPEONFORK 0x02000000ull
#define MR_VM_DONTDUMP 0x04000000ull
#define MR_VM_SOFTDIRTY 0x08000000ull
#define MR_VM_MIXEDMAP 0x10000000ull
#define MR_VM_HUGEPAGE 0x20000000ull
#define MR_VM_NOHUGEPAGE 0x40000000ull
#define MR_VM_MERGEABLE 0x80000000ull
#define MR_VM_SEALED 0x4000000000ull
#define MR_VM_DROPPABLE 0x10000000000ull /* MAP_DROPPABLE (smaps "dp") */

#define MR_VM_ACCESS (MR_VM_READ | MR_VM_WRITE | MR_VM_EXEC)
#define MR_VM_SPECIAL                                                          \
	(MR_VM_IO | MR_VM_DONTEXPAND | MR_VM_PFNMAP | MR_VM_MIXEDMAP)

/* What names a VMA in /proc/PID/maps when it has no file. */
enum mr_vma_kind {
	MR_VMA_PLAIN = 0,   /* anonymous, or a file */
	MR_VMA_STACK,	    /* the initial stack: "[stack]" */
	MR_VMA_VDSO,	    /* "[vdso]" */
	MR_VMA_VVAR,	    /* "[vvar]" */
	MR_VMA_VVAR_VCLOCK, /* "[vvar_vclock]" */
	MR_VMA_OTHER_NAMED, /* another bracketed name read from a snapshot */
};

/*
 * Whether a private VMA was written: the kernel gives it an anon_vma at
 * its first write fault, and merges, mprotect's VM_ACCOUNT and mremap's
 * pgoff turn on it. strace shows no writes, so without a fault table the
 * model takes it by a rule and says so (docs/fidelity.md).
 */
enum mr_wstate {
	MR_WS_KNOWN = 0, /* known: faults, a population, evidence, a
			    snapshot, or it cannot have been written */
	MR_WS_ASSUMED,	 /* taken as written by a rule: it has an anon_vma */
	MR_WS_OPEN,	 /* taken as not written (yet) by a rule: no
			    anon_vma, though a page may have been written */
};

/* The rule a choice followed (enum order is the history's rule column). */
enum mr_wrule {
	MR_WR_CREATED = 1, /* created writable (mmap, brk): written */
	MR_WR_COMMIT,	   /* MAP_FIXED over PROT_NONE memory only (a
			      reservation committed): written */
	MR_WR_MPROTECT,	   /* made writable by mprotect: written */
	MR_WR_NEVER,	   /* --no-assume-written: unwritten */
	MR_WR_STRESS,	   /* made writable by a task that does little but
			      manage its memory: unwritten */
	MR_WR__COUNT
};

/* One choice: the VMA [start, end) of address space MM taken as written
 * (MR_WS_ASSUMED) or not (MR_WS_OPEN) by RULE. */
typedef struct mr_choice {
	uint32_t id; /* 1-based, in the order made */
	uint32_t mm; /* mr_mm_id() */
	uint64_t start, end;
	uint8_t state;	 /* MR_WS_ASSUMED or MR_WS_OPEN */
	uint8_t rule;	 /* enum mr_wrule */
	uint8_t revised; /* the rule said the other: 1 revision took it
			    so, 2 it follows a revised VMA it joined */
} mr_choice;

typedef struct mr_vma mr_vma;

struct mr_vma {
	uint64_t start;	     /* vm_start */
	uint64_t end;	     /* vm_end, exclusive */
	uint64_t pgoff;	     /* vm_pgoff, in pages */
	uint64_t flags;	     /* vm_flags, MR_VM_* */
	uint32_t file;	     /* file table id; 0 for anonymous memory */
	uint32_t ofd;	     /* open file description (struct file) id */
	uint32_t anon_vma;   /* anon_vma id; 0 when none */
	uint32_t name;	     /* string id of a bracketed name, 0 if none */
	uint32_t wchoice;    /* the earliest assumption (mr_choice id) its
				boundaries or flags rest on; 0: none */
	uint32_t wown;	     /* the assumption about its own writes, 0:
				none (wstate is MR_WS_KNOWN) */
	uint8_t kind;	     /* enum mr_vma_kind */
	uint8_t anon_forked; /* anon_vma_chain not singular (fork) */
	uint8_t inferred;    /* adopted from evidence, not modelled */
	uint8_t heap;	     /* overlaps [start_brk, brk): "[heap]" */
	uint8_t huge_resv;   /* private hugetlb: holds a reservation of
				its pages (not a fork copy) */
	uint8_t wstate;	     /* enum mr_wstate */
	uint8_t wpin;	     /* revision took it as unwritten: the rule's
				later choices on it for memory merged in
				(not mprotect's) follow until evidence
				shows a write */
	uint64_t cookie;     /* owned by the journal consumer */
	uint64_t hash;	     /* digest contribution (engine private) */
	/* tree linkage: private to vma_tree.c */
	mr_vma *left, *right, *parent; /* AVL links */
	uint64_t gap;		       /* free bytes before this VMA */
	uint64_t max_gap;	       /* largest gap in this subtree */
	int height;		       /* AVL height */
};

/* The VMA after / before V in its address space, or NULL. */
mr_vma *mr_vma_next(const mr_vma *v);
mr_vma *mr_vma_prev(const mr_vma *v);

static inline uint64_t mr_vma_pages(const mr_vma *v)
{
	return (v->end - v->start) >> MR_PAGE_SHIFT;
}

#endif
