/*
 * mm.h - the model's public interface: a machine, its tasks and their
 * address spaces, and the memory syscalls applied to them.
 *
 * A machine (mr_machine) owns every address space (mr_mm, the kernel's
 * mm_struct), the task table (pid -> mm), a string/file table, the
 * configuration (sysctls, THP mode) and the change journal. Every mutation
 * of the model is reported through the journal (mr_journal), which is how
 * the store learns what changed without diffing states.
 *
 * Each syscall function both predicts and applies: it computes the result
 * the kernel would return from the model's state (the prediction), then
 * applies the result the trace recorded. When the recorded result is
 * MR_RESULT_UNKNOWN the prediction is applied. Results are the kernel's:
 * >= 0 a value, < 0 a negative errno.
 *
 * Pure C: nothing but libc.
 */
#ifndef MR_ENGINE_MM_H
#define MR_ENGINE_MM_H

#include <stddef.h>
#include <stdint.h>

#include "engine/vma.h"

typedef struct mr_machine mr_machine;
typedef struct mr_mm mr_mm;

#define MR_RESULT_UNKNOWN INT64_MIN /* the trace did not say ("= ?") */
#define MR_PRED_NONE                                                           \
	(INT64_MIN + 1) /* the model cannot predict this result                \
			   (e.g. mmap_base or brk not yet known) */

enum mr_thp_mode {
	MR_THP_NEVER = 0,
	MR_THP_MADVISE,
	MR_THP_ALWAYS,
};

/* The resource limits the model checks (mm/mlock.c, may_expand_vm()). */
enum mr_rlim { MR_RLIM_MEMLOCK, MR_RLIM_AS, MR_RLIM_DATA, MR_RLIM__COUNT };
#define MR_RLIM_INFINITY UINT64_MAX

typedef struct mr_config {
	uint64_t task_size;	  /* TASK_SIZE: 0x7ffffffff000 */
	uint64_t mmap_min_addr;	  /* effective mmap_min_addr: the larger of
				     vm.mmap_min_addr and
				     CONFIG_LSM_MMAP_MIN_ADDR */
	uint32_t max_map_count;	  /* vm.max_map_count */
	uint64_t stack_guard_gap; /* stack_guard_gap in bytes (1 MiB) */
	int thp;		  /* enum mr_thp_mode */
	int assume_written;	  /* 1: a writable private VMA is taken to
				     be written (gets an anon_vma) as soon
				     as it exists; see docs/fidelity.md */
	int writes_known;	  /* 1: a fault table gives every write:
				     nothing is assumed (no mr_choice) */
	int anon_vma_name;	  /* CONFIG_ANON_VMA_NAME: prctl(PR_SET_VMA)
				     names anonymous memory; 0 (the
				     kernels measured): EINVAL */
	uint64_t stack_rlimit;	  /* RLIMIT_STACK in bytes (0: unlimited);
				     stack growth past it fails */
	uint64_t rlimit[MR_RLIM__COUNT]; /* the first process's RLIMIT_MEMLOCK,
					    RLIMIT_AS, RLIMIT_DATA in bytes
					    (MR_RLIM_INFINITY: unlimited);
					    each process's own after
					    setrlimit/prlimit64 (mr_mm) */
	int memlock_known;		 /* rlimit[MR_RLIM_MEMLOCK] is the
					    capture's: no refusal teaches
					    it */
	int cap_known;			 /* so is cap_ipc_lock */
	int cap_ipc_lock;		 /* the first process has CAP_IPC_LOCK
					    (mlock past RLIMIT_MEMLOCK) */
	uint64_t huge_avail[2];	  /* hugetlb pages free and not reserved:
				     [0] 2 MiB, [1] 1 GiB */
	int huge_known;		  /* huge_avail is the capture's (else
				     reservations are not predicted) */
	uint64_t commit_pages;	  /* the most pages one call may commit
				     (__vm_enough_memory() with
				     vm.overcommit_memory 0: RAM + swap);
				     0: no limit known */
	int phys;		  /* 1: model pages, page tables and RSS
				     (the capture recorded its faults) */
	int file_thp;		  /* 1: files are on a filesystem whose
				     mmap aligns 2 MiB of file to 2 MiB of
				     address (ext4, xfs, btrfs); tmpfs,
				     /proc, /sys, /dev and memfds never */
} mr_config;

/* Linux 6.18 x86-64 defaults, with an effective mmap_min_addr of 65536. */
void mr_config_default(mr_config *c);

/* A change reported to the journal consumer. */
typedef struct mr_journal {
	void *ctx; /* passed back to every hook */
	/* A VMA appeared; the returned value is kept in v->cookie. */
	uint64_t (*vma_add)(void *ctx, const mr_mm *mm, const mr_vma *v);
	/* A VMA disappeared (v still holds its last state and cookie). */
	void (*vma_del)(void *ctx, const mr_mm *mm, const mr_vma *v);
	/* PID now uses MM (NULL: the task is gone). */
	void (*task)(void *ctx, int32_t pid, const mr_mm *mm);
	/* An address space was created (alive=1) or torn down (alive=0), or
	 * its scalar state (brk, start_brk) changed (alive=2). */
	void (*mm)(void *ctx, const mr_mm *mm, int alive);
} mr_journal;

/* A file as the maps show it. */
typedef struct mr_file {
	const char *path;   /* path as printed */
	uint32_t path_id;   /* its string id */
	uint32_t dev_major; /* device major, 0 when unknown */
	uint32_t dev_minor; /* device minor */
	uint64_t inode;	    /* inode number, 0 when unknown */
	uint8_t sysv;	    /* a SysV shared memory segment (shmat) */
	uint8_t huge_shift; /* hugetlbfs file: log2 of its page size */
	uint64_t huge_resv; /* hugetlb pages a shared mapping of it
			       reserved (given back when none maps it) */
	uint64_t size;	    /* bytes, from a stat in the trace (0: not
			       known) */
} mr_file;

/* What an fd argument refers to, resolved by the caller. */
typedef struct mr_fileref {
	uint32_t file; /* file table id */
	uint32_t ofd;  /* open file description id (struct file) */
	int readable;  /* opened for reading */
	int writable;  /* opened for writing */
	int nommap;    /* the file has no mmap (a directory, /dev/null) */
} mr_fileref;

int mr_machine_new(mr_machine **out, const mr_config *cfg,
		   const mr_journal *journal);
void mr_machine_free(mr_machine *m);
const mr_config *mr_machine_config(const mr_machine *m);

/* Intern a string; ids start at 1 and are stable for the machine's life. */
uint32_t mr_machine_intern(mr_machine *m, const char *s);
const char *mr_machine_string(const mr_machine *m, uint32_t id);

/*
 * The file table: one entry per path. Registering a known path again
 * updates its device and inode when they were unknown. Returns the id
 * (>= 1), or 0 when out of memory.
 */
uint32_t mr_machine_file(mr_machine *m, const char *path, uint32_t dev_major,
			 uint32_t dev_minor, uint64_t inode);
const mr_file *mr_machine_file_get(const mr_machine *m, uint32_t id);
/* fallocate(FALLOC_FL_PUNCH_HOLE) (EVEN_COWS 0) or a truncation
 * (EVEN_COWS 1) of file FILE over page indexes [first, last]: its pages
 * leave every mapping and the page cache, a truncation's private copies
 * too (unmap_mapping_range()). */
void mr_machine_file_punch(mr_machine *m, uint32_t file, uint64_t first,
			   uint64_t last, int even_cows);
/* The file of PATH, 0 when none was named yet. */
uint32_t mr_machine_file_find(const mr_machine *m, const char *path);
/* File ID is SIZE bytes long (a stat result): fault-around stops at its
 * end. */
void mr_machine_file_set_size(mr_machine *m, uint32_t id, uint64_t size);

/*
 * PATH was unlinked: the maps of the file now print " (deleted)" after
 * its name, and a later open of PATH is another file. A relative PATH
 * (the trace does not show the working directory) names the one file
 * whose path ends in "/PATH", when there is exactly one. Returns 1 when
 * a file was renamed.
 */
int mr_machine_file_unlink(mr_machine *m, const char *path);

/*
 * OLDP was renamed to NEWP (EXCHANGE: renameat2's RENAME_EXCHANGE, the
 * two names swap): maps of the file show the new name; a file NEWP named
 * before is deleted (replaced). A relative NEWP is taken relative to the
 * directory OLDP resolved in. Returns 1 when a known file was renamed.
 */
int mr_machine_file_rename(mr_machine *m, const char *oldp, const char *newp,
			   int exchange);

/*
 * The open file description of the shmem object a snapshot shows as
 * "/dev/zero (deleted)" with inode INO (shared anonymous memory seeded
 * from a snapshot): one per inode, its inode known. 0 when out of
 * memory.
 */
uint32_t mr_machine_shmem_ofd(mr_machine *m, uint64_t ino);

/* A fresh open file description id. */
uint32_t mr_machine_new_ofd(mr_machine *m);

/* A fresh anon_vma id (for seeding VMAs that hold anonymous pages). */
uint32_t mr_machine_new_anon_vma(mr_machine *m);

/*
 * The assumptions made about writes strace does not show (enum mr_wstate)
 * since the last mr_machine_choices_clear(), in the order made; *n gets
 * their number. The replay stores them with the step that made them.
 */
const mr_choice *mr_machine_choices(const mr_machine *m, size_t *n);
void mr_machine_choices_clear(mr_machine *m);
/*
 * Revision: FN is asked about each choice before it is made (V as it is,
 * *RULE its rule, which it may change to MR_WR_STRESS) and returns 1 to
 * take it the other way. NULL: none.
 */
typedef int (*mr_choice_fn)(void *ctx, const mr_mm *mm, const mr_vma *v,
			    int *rule);
void mr_machine_set_choice_hook(mr_machine *m, mr_choice_fn fn, void *ctx);

/* What became of the assumptions: counts over the whole replay. */
typedef struct mr_wstats {
	uint64_t made[MR_WR__COUNT]; /* choices made, by rule */
	uint64_t confirmed;	     /* a VMA taken as written shown written */
	uint64_t overturned;	     /* a VMA taken as unwritten shown
					written (its earlier merges may be
					wrong) */
} mr_wstats;
const mr_wstats *mr_machine_wstats(const mr_machine *m);
/* Limits learned from a refusal (RLIMIT_MEMLOCK from mlock's ENOMEM or
 * EPERM, docs/fidelity.md), over the whole replay. */
uint64_t mr_machine_limits_learned(const mr_machine *m);

/* Digest of the whole canonical model state (order independent). */
uint64_t mr_machine_digest(const mr_machine *m);

/* ---- tasks and address spaces ---- */

/* The mm PID uses, or NULL when PID is unknown or has exited. */
mr_mm *mr_machine_task_mm(const mr_machine *m, int32_t pid);

/* Thread group id of PID, or 0 when unknown. */
int32_t mr_machine_task_tgid(const mr_machine *m, int32_t pid);

/*
 * Make PID a task of its own with a new address space whose state is
 * unknown (the first process of a trace, or a task first seen
 * mid-trace). Returns the mm or NULL when out of memory.
 */
mr_mm *mr_machine_task_adopt(mr_machine *m, int32_t pid);

/*
 * clone/fork/vfork: CHILD starts as a copy of PARENT. CLONE_VM shares the
 * mm; without it the mm is duplicated as dup_mmap() does. CLONE_THREAD
 * puts the child in the parent's thread group. Returns 0, or -1 when the
 * parent is unknown (the child is then adopted with an unknown mm).
 */
#define MR_CLONE_VM 0x00000100ull
#define MR_CLONE_VFORK 0x00004000ull
#define MR_CLONE_THREAD 0x00010000ull
int mr_machine_clone(mr_machine *m, int32_t parent, int32_t child,
		     uint64_t clone_flags);

/*
 * A successful execve by PID: the thread group's other tasks are gone,
 * PID gets a new empty mm whose state is unknown until seeded. Returns
 * the new mm.
 */
mr_mm *mr_machine_exec(mr_machine *m, int32_t pid);

/* exit_group or a fatal signal: every task of PID's thread group exits. */
void mr_machine_exit_group(mr_machine *m, int32_t pid);

/* One task exits (exit, or "+++ exited" of a thread). */
void mr_machine_task_exit(mr_machine *m, int32_t pid);

/* The live address space with id ID (mr_mm_id()), or NULL. */
mr_mm *mr_machine_mm(const mr_machine *m, uint32_t id);

/* Number of live tasks and address spaces. */
size_t mr_machine_ntasks(const mr_machine *m);
/* The pid of the Ith live task, in pid order (I < mr_machine_ntasks()). */
int32_t mr_machine_task_pid(const mr_machine *m, size_t i);
size_t mr_machine_nmms(const mr_machine *m);

/* ---- one address space ---- */

uint32_t mr_mm_id(const mr_mm *mm);
int mr_mm_known(const mr_mm *mm);     /* 1 when the state is modelled */
int32_t mr_mm_owner(const mr_mm *mm); /* tgid that created it */
size_t mr_mm_users(const mr_mm *mm);  /* tasks using it */
size_t mr_mm_map_count(const mr_mm *mm);
uint64_t mr_mm_start_brk(const mr_mm *mm);
uint64_t mr_mm_brk(const mr_mm *mm);
int mr_mm_brk_known(const mr_mm *mm);
uint64_t mr_mm_mmap_base(const mr_mm *mm);
mr_vma *mr_mm_first(const mr_mm *mm);
mr_vma *mr_mm_find(const mr_mm *mm, uint64_t addr);
mr_machine *mr_mm_machine(const mr_mm *mm);

/*
 * Seeding from a snapshot: add V (start, end, pgoff, flags, file, ofd,
 * anon_vma, kind, name, inferred, anon_forked are used) to an mm being
 * built, then mr_mm_seed_done().
 * Returns 0, or -1 when V overlaps or is malformed.
 */
int mr_mm_seed_vma(mr_mm *mm, const mr_vma *v);
/*
 * mm->start_stack (/proc/PID/stat field 28): maps names "[stack]" the VMA
 * that contains it, whatever split the initial stack; while it is not
 * known, every piece of the initial stack is named so.
 */
void mr_mm_set_start_stack(mr_mm *mm, uint64_t addr);
/* Mark whether the snapshot showed the [vsyscall] gate. */
void mr_mm_seed_gate(mr_mm *mm, int has_gate);
/*
 * Finish seeding: the mm becomes known. START_BRK/BRK may be 0 when not
 * known (the first brk(NULL) then teaches them). mmap_base is taken as
 * the end of the highest VMA below the stack.
 */
void mr_mm_seed_done(mr_mm *mm, uint64_t start_brk, uint64_t brk);

/*
 * An address space whose start the trace does not show (strace -p, an
 * exec whose file cannot be read) stays unknown, but calls can still be
 * applied to what they prove exists: mr_mm_adopt() marks MM so, and
 * mr_mm_adopt_range() adds the holes of [start, end) as inferred
 * anonymous private VMAs with PROT (merging like new mappings). Nothing
 * in such an mm is predicted.
 */
void mr_mm_adopt(mr_mm *mm);
int mr_mm_adopting(const mr_mm *mm);
void mr_mm_adopt_range(mr_mm *mm, uint64_t start, uint64_t end, uint64_t prot);

/* ---- syscalls: each returns the predicted result ---- */

/*
 * mmap. F is NULL for MAP_ANONYMOUS or when the fd is not open (then
 * EBADF is predicted for a file mapping).
 */
int64_t mr_mm_mmap(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t prot,
		   uint64_t flags, const mr_fileref *f, uint64_t off,
		   int64_t recorded);
int64_t mr_mm_munmap(mr_mm *mm, uint64_t addr, uint64_t len, int64_t recorded);
/*
 * remap_file_pages(start, size, prot, pgoff, flags), emulated since
 * Linux 4.0 (mm/mmap.c): PROT must be 0 and FLAGS but MAP_NONBLOCK are
 * ignored;
 * the VMA at START must be shared and [start, start + size) covered by
 * it and neighbours of the same file and flags; then the range is mapped
 * again, MAP_SHARED|MAP_FIXED|MAP_POPULATE (MAP_LOCKED when the VMA is
 * locked), from page PGOFF of the file with the VMA's protection.
 */
int64_t mr_mm_remap_file_pages(mr_mm *mm, uint64_t start, uint64_t size,
			       uint64_t prot, uint64_t pgoff, uint64_t flags,
			       int64_t recorded);
int64_t mr_mm_mprotect(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t prot,
		       int64_t recorded);
int64_t mr_mm_brk_call(mr_mm *mm, uint64_t addr, int64_t recorded);
/*
 * Evidence in the trace that [addr, addr + len) was written (a call that
 * writes user memory there, or one that shows user space wrote it): the
 * private writable VMAs there get an anon_vma, and what the model had
 * assumed about them is confirmed or overturned (mr_wstats).
 */
void mr_mm_note_write(mr_mm *mm, uint64_t addr, uint64_t len);
/*
 * The VMAs of MM overlapping [start, end) (all: 0, UINT64_MAX) whose
 * boundaries or flags rest on an assumption about writes; *oldest gets
 * the earliest such choice id (0 when none).
 */
size_t mr_mm_uncertain(const mr_mm *mm, uint64_t start, uint64_t end,
		       uint32_t *oldest);
/*
 * Whether V, taken as written, would merge with a neighbour had it not
 * been written: no anon_vma, VM_ACCOUNT dropped if it was made read-only
 * (mprotect_fixup()), the pgoff of its place if it moved (copy_vma()).
 * Revision tries such choices first.
 */
int mr_mm_merges_if_unwritten(const mr_mm *mm, const mr_vma *v);
/* A short name of an enum mr_wrule ("created-writable", ...). */
const char *mr_wrule_name(int rule);
/* madvise: flag advices split and merge; page advices only check. */
int64_t mr_mm_madvise(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t advice,
		      int64_t recorded);
/*
 * mlock (HAS_FLAGS 0) and mlock2 (FLAGS: MLOCK_ONFAULT), munlock,
 * mlockall (MCL_*), munlockall.
 */
int64_t mr_mm_mlock(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t flags,
		    int has_flags, int64_t recorded);
int64_t mr_mm_munlock(mr_mm *mm, uint64_t addr, uint64_t len, int64_t recorded);
int64_t mr_mm_mlockall(mr_mm *mm, uint64_t flags, int64_t recorded);
int64_t mr_mm_munlockall(mr_mm *mm, int64_t recorded);
/* mseal(addr, len, flags). */
int64_t mr_mm_mseal(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t flags,
		    int64_t recorded);
/*
 * pkey_mprotect. The machines measured have no protection keys (no
 * "pku" in /proc/cpuinfo), so no key is ever allocated, not even 0:
 * pkey -1 acts like mprotect, any other is EINVAL (measured).
 */
int64_t mr_mm_pkey_mprotect(mr_mm *mm, uint64_t addr, uint64_t len,
			    uint64_t prot, int64_t pkey, int64_t recorded);
/*
 * mremap. NEW_ADDR is read only with MREMAP_FIXED or MREMAP_DONTUNMAP.
 * A recorded address that differs from the prediction is applied as a
 * resize in place (when it is ADDR) or a move there.
 */
int64_t mr_mm_mremap(mr_mm *mm, uint64_t addr, uint64_t old_len,
		     uint64_t new_len, uint64_t flags, uint64_t new_addr,
		     int64_t recorded);

/*
 * msync(addr, len, flags): checks only (EINVAL, ENOMEM for holes, EBUSY
 * for MS_INVALIDATE on locked memory); nothing to apply.
 */
int64_t mr_mm_msync(mr_mm *mm, uint64_t addr, uint64_t len, uint64_t flags);
/*
 * prctl(PR_SET_VMA, OPTION, addr, len, name): EINVAL without
 * cfg.anon_vma_name; otherwise not predicted (MR_PRED_NONE).
 */
int64_t mr_mm_set_vma_name(mr_mm *mm, uint64_t option, uint64_t addr,
			   uint64_t len);

/* ---- System V shared memory (one IPC namespace per machine) ---- */

/*
 * shmget(key, size, flags). Segment ids are the kernel's to choose: the
 * prediction is an errno, the id of a segment the model knows by its
 * key, or MR_PRED_NONE. A recorded id makes (or refreshes) the segment.
 */
int64_t mr_machine_shmget(mr_machine *m, uint64_t key, uint64_t size,
			  uint64_t flags, int64_t recorded);
/* shmctl(shmid, IPC_RMID) succeeded: gone once nothing maps it. */
void mr_machine_shm_rmid(mr_machine *m, int64_t shmid);
/*
 * shmat(shmid, addr, flags): a MAP_SHARED mapping of the segment named
 * "/SYSV<key> (deleted)". A segment the trace did not create has no
 * known size: one page is mapped, marked inferred, and MR_PRED_NONE is
 * returned.
 */
int64_t mr_mm_shmat(mr_mm *mm, int64_t shmid, uint64_t addr, uint64_t flags,
		    int64_t recorded);
/* shmdt(addr): the attach that starts at addr and its fragments. */
int64_t mr_mm_shmdt(mr_mm *mm, uint64_t addr, int64_t recorded);

/* ---- execve without a snapshot: the ELF headers ---- */

/* One PT_LOAD, as load_elf_binary() reads it. */
typedef struct mr_exec_seg {
	uint64_t vaddr;	 /* p_vaddr */
	uint64_t offset; /* p_offset */
	uint64_t filesz; /* p_filesz */
	uint64_t memsz;	 /* p_memsz */
	uint32_t prot;	 /* PROT_READ 1 | PROT_WRITE 2 | PROT_EXEC 4 */
} mr_exec_seg;

/* An executable or interpreter. */
typedef struct mr_exec_image {
	uint32_t file;		/* file table id */
	int dyn;		/* ET_DYN (PIE, shared object) */
	uint64_t align;		/* maximum_alignment(): the largest
				   power-of-two p_align of the PT_LOADs */
	const mr_exec_seg *seg; /* PT_LOADs in file order */
	size_t nseg;		/* how many (>= 1) */
	uint64_t relro_vaddr;	/* PT_GNU_RELRO p_vaddr */
	uint64_t relro_memsz;	/* ... p_memsz (0: none) */
} mr_exec_image;

/*
 * Build the address space a successful execve leaves (load_elf_binary()
 * on Linux 6.18 x86-64) in MM, which must be new and unknown: the stack
 * (STRINGS bytes of execfn, environment and argument strings at its top;
 * EXEC_STACK for PT_GNU_STACK with PF_X), the executable EXE, the
 * interpreter INTERP (NULL for a static program), [vvar], [vvar_vclock]
 * and [vdso]. Randomisation is not known: everything is placed as with
 * ASLR off, and the places later calls prove wrong are moved there (see
 * mr_mm_mmap and mr_mm_mprotect): ld.so, the vdso and mmap_base by the
 * first mmap(NULL), a PIE executable by ld.so's mprotect of its RELRO.
 * Until then those VMAs, and the stack always, are marked inferred.
 * start_brk is the end of the bss (ELF_ET_DYN_BASE for a static-pie)
 * until the first brk call shows otherwise. Returns 0, or -1 when the
 * images do not fit (MM is then left unknown and empty).
 */
int mr_mm_exec_elf(mr_mm *mm, const mr_exec_image *exe,
		   const mr_exec_image *interp, uint64_t strings,
		   int exec_stack);

/* ---- page faults ---- */

#define MR_FAULT_GREW 0x1 /* a VM_GROWSDOWN VMA grew down to the page */
#define MR_FAULT_ANON 0x2 /* the VMA got an anon_vma */

/*
 * A page fault at ADDR with the x86 error code CODE (0x1 protection,
 * 0x2 write, 0x4 user mode, 0x10 instruction fetch), as the tracepoints
 * exceptions:page_fault_user and page_fault_kernel report it. Grows a
 * VM_GROWSDOWN VMA when ADDR is below it, and gives the VMA an anon_vma
 * when the kernel would. Returns MR_FAULT_* bits (0: nothing changed),
 * or -EFAULT (no VMA: SIGSEGV), -EACCES (the VMA refuses the access),
 * -ENOMEM/-EPERM (the stack could not grow). A stack that grew keeps
 * its growth when the access is then refused: the result is
 * MR_FAULT_GREW (the task still gets SIGSEGV); a growth that failed
 * after the anon_vma was prepared keeps the anon_vma and returns the
 * errno.
 */
/*
 * What the kernel's tracepoints said of one fault (perf, formats/
 * perfplace.h): the file pages filemap_map_pages() walked for its
 * fault-around. KNOWN: the capture recorded filemap events, so a file
 * page outside MAP was not mapped; otherwise every file page of the
 * window is taken as cached.
 */
typedef struct mr_fault_hint {
	int known;		 /* filemap events were recorded */
	size_t nmap;		 /* ranges in MAP */
	const uint64_t (*map)[2]; /* [first, last] file page indexes */
	int64_t pages;		 /* file or shmem pages the fault mapped, by
				    the kernel's counters (-1: not known):
				    which cached pages fault-around found
				    (filemap_map_pages() skips pages under
				    readahead, locked or not uptodate) no
				    event shows */
	const uint64_t *later;	 /* pages the address space faulted on
				    later: fault-around did not map them */
	size_t nlater;		 /* ... how many */
	const uint64_t *kept;	 /* pages whose first later fault found
				    them present (a write to a read-only
				    entry): fault-around mapped them */
	size_t nkept;		 /* ... how many */
	int no_alloc;		 /* the kernel allocated no user page in
				    this fault (kmem:mm_page_alloc was
				    recorded): a fault cut short and
				    retried, which maps no new page */
} mr_fault_hint;

/* The same, with pages and page tables when cfg.phys (H may be NULL). */
int mr_mm_fault_hint(mr_mm *mm, uint64_t addr, unsigned code,
		     const mr_fault_hint *h);
int mr_mm_fault(mr_mm *mm, uint64_t addr, unsigned code);

/* ---- pages, page tables, RSS (cfg.phys) ---- */

/*
 * get_mm_rss() as the kernel would read it now, in pages: the RSS
 * counters are per-CPU counters whose reads without a sum miss the
 * per-CPU parts (up to a batch of 32 per CPU and counter). VmHWM's peak
 * is taken from it; the caller that knows the kernel's adds per CPU
 * (kmem:rss_stat) gives it before each step.
 */
void mr_mm_set_approx_rss(mr_mm *mm, uint64_t pages, int known);

/* The RSS counters of rss_stat (include/linux/mm_types_task.h). */
enum mr_mm_counter {
	MR_MM_FILE = 0, /* MM_FILEPAGES: RssFile */
	MR_MM_ANON,	/* MM_ANONPAGES: RssAnon */
	MR_MM_SWAP,	/* MM_SWAPENTS: VmSwap */
	MR_MM_SHMEM,	/* MM_SHMEMPAGES: RssShmem */
	MR_MM__COUNT,
};

/* The kernel's change of RssAnon, RssFile and RssShmem in the step about
 * to be applied (from rss_stat), or not KNOWN: what a step whose effect
 * no trace decides (MADV_PAGEOUT of lazy-free pages) follows. */
void mr_mm_set_step_delta(mr_mm *mm, const int64_t delta[MR_MM__COUNT],
			  int known);

/*
 * Write-fault every page of [start, end) into MM's page tables (pages
 * the kernel wrote without a fault: an execve's arguments).
 */
void mr_mm_write_pages(mr_mm *mm, uint64_t start, uint64_t end);
/* The same for reads (WRITE 0) or writes: what get_user_pages() faults
 * in, with no fault event (process_vm_readv/writev's remote side). */
void mr_mm_touch_pages(mr_mm *mm, uint64_t start, uint64_t end, int write);
/* A fork of MM that failed after copying its page tables (a CLONE_NEW*
 * flag refused): the child's VMAs and tables were allocated and freed. */
void mr_mm_fork_aborted(mr_mm *mm);
/* UFFDIO_COPY (ZERO 0) or UFFDIO_ZEROPAGE (ZERO 1) filled [start, end):
 * a new anonymous page, or the zero page, at each page not mapped. */
void mr_mm_uffd_fill(mr_mm *mm, uint64_t start, uint64_t end, int zero);
/* The file with device MAJ:MIN and inode INO, 0 when none. */
uint32_t mr_machine_file_by_ids(const mr_machine *m, uint32_t maj, uint32_t min,
				uint64_t ino);
/* Page-table pages (the PGD of every address space made, PUD, PMD and
 * PTE tables, the PTE tables deposited for huge PMDs) allocated since the
 * machine began: what kmem:mm_page_alloc shows as
 * GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP. */
uint64_t mr_machine_tables_allocated(const mr_machine *m);
/* User pages allocated since the machine began: THP 0 gives the zeroed small
 * anonymous pages (kmem:mm_page_alloc's
 * GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP), 1 the THP folios (order 9,
 * movable). Copies (copy on write of a page that is not the zero page,
 * a private file page's copy, UFFDIO_COPY) are not counted: the
 * kernel's events of those cannot be told from page-cache pages. */
uint64_t mr_machine_user_allocated(const mr_machine *m, int thp);
/* vm_area_struct objects allocated (FREED 0) or freed (FREED 1) since
 * the machine began: where the kernel calls vm_area_alloc()/vm_area_dup()
 * and vm_area_free(). */
uint64_t mr_machine_vma_objects(const mr_machine *m, int freed);
/* The live address spaces, newest first. */
mr_mm *mr_machine_first_mm(const mr_machine *m);
mr_mm *mr_mm_next(const mr_mm *mm);

/* VmSize, and hiwater_vm: total_vm as taken before the last unmap
 * (VmPeak is the larger of the two), in pages. */
uint64_t mr_mm_total_vm(const mr_mm *mm);
uint64_t mr_mm_hiwater_vm(const mr_mm *mm);
/* Pages VmLck counts beyond the VM_LOCKED VMAs: an MREMAP_DONTUNMAP of
 * locked memory leaves the source counted in locked_vm. */
uint64_t mr_mm_locked_extra(const mr_mm *mm);
/* The executable's text [start, end) (/proc/PID/stat startcode and
 * endcode; VmExe), 0 and 0 when not known. */
void mr_mm_code(const mr_mm *mm, uint64_t *start, uint64_t *end);
void mr_mm_set_code(mr_mm *mm, uint64_t start, uint64_t end);
/* start_data and end_data: what brk's RLIMIT_DATA check counts besides
 * the heap (check_data_rlimit()). */
void mr_mm_set_data(mr_mm *mm, uint64_t start, uint64_t end);

/* The memory lines of /proc/PID/status, in kB (engine/status.c). */
typedef struct mr_status {
	uint64_t peak, size, lck, hwm, rss, anon, file, shmem; /* VmPeak .. */
	uint64_t data, stk, exe, lib, pte, swap;	       /* VmData .. */
	uint64_t exec;	/* exec_vm: VmExe + VmLib */
	int phys;	/* RSS, VmHWM, VmPTE and VmSwap are modelled */
	int exe_known;	/* start_code and end_code are known */
} mr_status;

/* A VMA of FLAGS and BYTES counted into S (VmSize, VmLck, VmData,
 * VmStk, exec_vm). */
void mr_status_add_vma(mr_status *s, uint64_t flags, uint64_t bytes);
/* After the VMAs and counters: VmExe and VmLib from the executable's
 * text, VmRSS, and the peaks at least the values. */
void mr_status_finish(mr_status *s, uint64_t start_code, uint64_t end_code);
/* MM's status lines now. */
void mr_mm_status(const mr_mm *mm, mr_status *s);
/* The fifteen lines VmPeak .. VmSwap as the kernel prints them ("?" for
 * values not modelled). Returns the length. */
size_t mr_status_format(const mr_status *s, char *buf, size_t len);

/* Pages of [start, end) MM maps (smaps Rss) and of them anonymous
 * (Anonymous), in pages; huge PMDs count their pages in the range. */
void mr_mm_range_pages(const mr_mm *mm, uint64_t start, uint64_t end,
		       uint64_t *rss, uint64_t *anon);

/* smaps VmFlags: FLAGS as the kernel's mnemonics ("rd wr mr ", bit
 * order), and back. */
size_t mr_vmflags_format(uint64_t flags, char *buf, size_t len);
uint64_t mr_vmflags_parse(const char *s);
/* V's /proc/PID/smaps block (engine/smaps.c). Returns the length. */
size_t mr_mm_format_smaps(const mr_mm *mm, const mr_vma *v, char *buf,
			  size_t len);
/* The page-table walk to ADDR, one line per level with the entry in the
 * kernel's bit layout. Returns the length. */
size_t mr_mm_format_walk(const mr_mm *mm, uint64_t addr, char *buf,
			 size_t len);

/* What the page-table ENTRY of MM maps: 1 an anonymous page, 2 a file's
 * page-cache page, 3 a shmem page, 4 a zero page, 0 not known. */
int mr_mm_page_kind(const mr_mm *mm, uint64_t entry);

/* The mapped pages of MM in [start, end) as runs of one kind
 * (mr_mm_page_kind()) and contiguous addresses, in address order: FN is
 * called for each. */
typedef void (*mr_page_run_fn)(void *ctx, uint64_t start, uint64_t end,
			       int kind);
void mr_mm_page_runs(const mr_mm *mm, uint64_t start, uint64_t end,
		     mr_page_run_fn fn, void *ctx);
/* The name of a page kind: "anon", "file", "shmem", "zero" ("?"). */
const char *mr_page_kind_name(int kind);

/* MM's page tables (engine/pgtable.h), NULL before its first page. */
const struct mr_pgtable *mr_mm_pgtable(const mr_mm *mm);

/* MM's counters, in pages. */
void mr_mm_rss(const mr_mm *mm, uint64_t rss[MR_MM__COUNT]);
/* VmHWM in pages: the RSS peak taken at the last unmap or zap, or the
 * RSS now when larger. */
uint64_t mr_mm_hiwater_rss(const mr_mm *mm);
/* VmPTE in bytes: PTE, PMD and PUD tables, and the PTE tables deposited
 * for huge PMDs. */
uint64_t mr_mm_pte_bytes(const mr_mm *mm);
/* Pages mapped by huge PMDs (AnonHugePages). */
uint64_t mr_mm_anon_huge(const mr_mm *mm);

/* ---- limits ---- */

/*
 * setrlimit()/prlimit64() of MM's process: RLIMIT_MEMLOCK, RLIMIT_AS or
 * RLIMIT_DATA (enum mr_rlim) is now BYTES (MR_RLIM_INFINITY: unlimited).
 * A fork's child and an exec's new address space inherit them.
 */
void mr_mm_set_rlimit(mr_mm *mm, int which, uint64_t bytes);
uint64_t mr_mm_rlimit(const mr_mm *mm, int which);

/* ---- formatting ---- */

/*
 * One /proc/PID/maps line as fields: what the model knows of a VMA's
 * line, and which fields no trace can show. Every maps line the project
 * prints (the model's comparisons, the history's maps_line view, the
 * maps command) is rendered from one of these by mr_maps_row_format().
 */
typedef struct mr_maps_row {
	uint64_t start, end;	       /* [start, end) */
	char perms[5];		       /* "r-xp" */
	uint64_t offset;	       /* bytes (0 for anonymous memory) */
	uint32_t dev_major, dev_minor; /* device (0:0 when unknown) */
	uint64_t inode;		       /* inode (0 when unknown) */
	uint8_t has_file;	       /* backed by a file (shmem included):
					  device and inode are the file's */
	uint8_t dev_known;	       /* the device is known */
	uint8_t inode_known;	       /* the inode is known */
	const char *name;	       /* name column ("" for none); lives as
					  long as the machine */
} mr_maps_row;

/* The maps row of V. */
void mr_mm_maps_row(const mr_mm *mm, const mr_vma *v, mr_maps_row *out);
/* The [vsyscall] gate line as a row. */
void mr_maps_gate_row(mr_maps_row *out);
/*
 * The line R prints as (no newline), as fs/proc/task_mmu.c
 * show_map_vma() does; an unknown device or inode prints as 0. Returns
 * its length (truncated to LEN - 1).
 */
size_t mr_maps_row_format(const mr_maps_row *r, char *buf, size_t len);
/* V in lower-case hex, at least MIN digits (MIN <= 16), at P; and V in
 * decimal (%lu): the end of what was written (no NUL). */
char *mr_fmt_hex(char *p, uint64_t v, int min);
char *mr_fmt_dec(char *p, uint64_t v);
/* A device as maps prints it ("fe:01"). Returns its length. */
size_t mr_maps_dev_format(uint32_t major, uint32_t minor, char *buf,
			  size_t len);

/* The /proc/PID/maps line of V (no newline). Returns its length. */
size_t mr_mm_format_vma(const mr_mm *mm, const mr_vma *v, char *buf,
			size_t len);
/* The name column of V ("" for plain anonymous memory). */
const char *mr_mm_vma_name(const mr_mm *mm, const mr_vma *v);
/* Whether to print the [vsyscall] line after the VMAs. */
int mr_mm_has_gate(const mr_mm *mm);
/* The [vsyscall] gate line as maps prints it (no newline). */
const char *mr_maps_gate_line(void);

/*
 * A snapshot showed V with device MAJ:MIN and inode INO where the model
 * did not know them (mr_maps_row's dev_known / inode_known): the device
 * and inode of V's file, or the inode of the shmem object behind shared
 * anonymous memory (every VMA split, forked or moved from the same
 * mmap). Every VMA of that file or object shows them from now on (the
 * journal sees each change). Returns 1 when something was learned.
 */
int mr_mm_learn_ids(mr_mm *mm, const mr_vma *v, uint32_t maj, uint32_t min,
		    uint64_t ino);

/* ---- the simulated node (frames.c) ---- */

typedef struct mr_buddy mr_buddy;

/*
 * Give the machine its node: every frame the physical model uses comes
 * from B's allocator from now on (page-cache pages of files from its
 * background frames). The machine owns B (NULL: frames are numbered in
 * allocation order, with no allocator).
 */
void mr_machine_set_buddy(mr_machine *m, mr_buddy *b);
const mr_buddy *mr_machine_buddy(const mr_machine *m);
/* The CPU the next allocations and frees run on (the perf record's CPU
 * column; 0 when not known). */
void mr_machine_set_cpu(mr_machine *m, int cpu);
/*
 * Give the machine its SLUB caches (engine/slub.h; laid out on the
 * machine's node): vm_area_struct and mm_struct objects come from them
 * from now on. The machine owns S. -1 when it already has caches.
 */
typedef struct mr_slub mr_slub;
int mr_machine_set_slub(mr_machine *m, mr_slub *s);
const mr_slub *mr_machine_slub(const mr_machine *m);
/* The end of a step: each address space's maple tree nodes follow its
 * VMAs (docs/fidelity.md, "The SLUB caches"). */
void mr_machine_kobj_step(mr_machine *m);
/* The names of the caches the model allocates from (N of them), and
 * their sheaf capacities in *SHEAF_CAP (when not NULL). */
const char *const *mr_kobj_cache_names(size_t *n, const uint32_t **sheaf_cap);

/* Objects of the K-th cache of mr_kobj_cache_names() the model holds
 * (allocated, or adopted from the background) now. */
uint64_t mr_machine_kobjects(const mr_machine *m, size_t k);

/* anon_vma (AVC 0) or anon_vma_chain (AVC 1) objects allocated so far
 * (FREED: freed so far), as the kernel's kmem_cache events count them. */
uint64_t mr_machine_rmap_objects(const mr_machine *m, int avc, int freed);

/* Pages the node could not give (numbered past its end instead). */
uint64_t mr_machine_frames_short(const mr_machine *m);
/* Frees of frames the node had not given as that block (each a bug of
 * the model; the end-of-run check reports them). */
uint64_t mr_machine_frees_bad(const mr_machine *m);

/* ---- invariants ---- */

/*
 * Check the invariants of docs/invariants.md over the whole mm (full=1)
 * or around the VMAs changed since the last call (full=0). Calls REPORT
 * for each violation with a one-line description and the address it
 * concerns (MM is NULL for a machine-wide invariant: a page's map
 * count); returns the number of violations.
 */
typedef void (*mr_violation_fn)(void *ctx, const mr_mm *mm, const char *inv,
				uint64_t addr, const char *detail);
size_t mr_machine_check(mr_machine *m, int full, mr_violation_fn report,
			void *ctx);

#endif
