/*
 * replay_int.h - declarations private to replay/.
 */
#ifndef MR_REPLAY_INT_H
#define MR_REPLAY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/mm.h"
#include "formats/event.h"

/* exec_elf.c: build MM, new after PID's successful execve EV, from the
 * ELF headers of the file it names (relative paths against CWD). 0, or
 * -1 with WHY saying what was missing; MM then stays unknown. */
int mr_replay_exec_elf(mr_machine *m, mr_mm *mm, const mr_event *ev,
		       const char *cwd, char *why, size_t wlen);

/* snapshot.c */

/* What snap/kernel.tsv says of the kernel a capture ran on ("" or 0 when
 * it does not say). */
typedef struct mr_kernel_facts {
	char release[128];	/* uname -r */
	uint32_t max_map_count; /* vm.max_map_count */
	char mmap_min_addr[32]; /* the sysctl as read */
	char thp[16];		/* transparent_hugepage/enabled */
	char thp_shmem[16];	/* transparent_hugepage/shmem_enabled */
	uint64_t stack_rlimit;	/* RLIMIT_STACK in bytes, 0: unlimited */
	int stack_rlimit_set;	/* the capture says it */
	uint64_t huge_free[2];	/* hugetlb pages free: 2 MiB, 1 GiB */
	uint64_t huge_resv[2];	/* ... reserved */
	int huge_set;		/* the capture says them */
	uint64_t mem_total_kb;	/* MemTotal (0: not said) */
	uint64_t swap_total_kb; /* SwapTotal */
	int overcommit;		/* vm.overcommit_memory (-1: not said) */
	uint64_t rlimit[MR_RLIM__COUNT]; /* RLIMIT_MEMLOCK, _AS, _DATA of the
					    recorded command (bytes;
					    MR_RLIM_INFINITY) */
	int rlimit_set[MR_RLIM__COUNT];	 /* ... said */
	int cap_ipc_lock;		 /* CAP_IPC_LOCK (-1: not said) */
	char thp_defrag[16];		 /* transparent_hugepage/defrag */
} mr_kernel_facts;

int mr_snap_load_kernel(const char *dir, mr_kernel_facts *k, char *err,
			size_t errlen);
int mr_snap_path(char *buf, size_t len, const char *dir, int32_t pid,
		 const char *what, const char *ext);
int mr_snap_seed(mr_machine *m, mr_mm *mm, const char *dir, int32_t pid,
		 unsigned n, char *err, size_t errlen);
char *mr_snap_model_maps(const mr_mm *mm, size_t *outlen);
/* The text of DIR/PID.WHAT.maps, or NULL when absent (free it). */
char *mr_snap_read(const char *dir, int32_t pid, const char *what);
/* ... of DIR/PID.WHAT.EXT. */
char *mr_snap_read_ext(const char *dir, int32_t pid, const char *what,
		       const char *ext);
/* What comparing the model's maps with a snapshot found. */
typedef struct mr_snap_cmp {
	char *diff;	/* line diff ('-' kernel, '+' model), or NULL;
			   malloc'd: the caller frees it */
	size_t nlines;	/* differing lines */
	size_t klines;	/* the kernel's lines */
	size_t kmissed; /* ... the model did not print identically */
	size_t unknown; /* ... matched but for fields no trace shows
			   (then learned from the snapshot) */
} mr_snap_cmp;

int mr_snap_compare(mr_mm *mm, const char *dir, int32_t pid, const char *what,
		    mr_snap_cmp *out);
int mr_snap_compare_text(mr_mm *mm, const char *kern, mr_snap_cmp *out);
int mr_snap_load_files(mr_machine *m, const char *dir, char *err,
		       size_t errlen);

#endif
