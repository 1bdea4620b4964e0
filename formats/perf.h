/*
 * perf.h - the kernel's tracepoints as `perf script` prints them.
 *
 * Reads the text of `perf script -F comm,tid,pid,cpu,time,event,trace`
 * (plain or zstd), one event a line:
 *
 *   COMM PID/TID [CPU] SECONDS.MICROS: SYSTEM:EVENT: FIELDS
 *
 * and decodes the events the physical model uses (docs/formats.md):
 * raw_syscalls:sys_enter/sys_exit, exceptions:page_fault_user/kernel,
 * filemap:mm_filemap_fault/mm_filemap_map_pages, kmem:rss_stat,
 * kmem:mm_page_alloc/mm_page_free, kmem:kmem_cache_alloc/free. Other
 * events are returned as MR_PERF_OTHER with their common fields.
 */
#ifndef MR_FORMATS_PERF_H
#define MR_FORMATS_PERF_H

#include <stddef.h>
#include <stdint.h>

enum mr_perf_kind {
	MR_PERF_OTHER = 0,
	MR_PERF_SYS_ENTER,     /* raw_syscalls:sys_enter: nr */
	MR_PERF_SYS_EXIT,      /* raw_syscalls:sys_exit: nr, ret */
	MR_PERF_FAULT_USER,    /* exceptions:page_fault_user: addr, code */
	MR_PERF_FAULT_KERNEL,  /* exceptions:page_fault_kernel: addr, code */
	MR_PERF_FILEMAP_FAULT, /* filemap:mm_filemap_fault: dev, ino, ofs */
	MR_PERF_FILEMAP_MAP,   /* filemap:mm_filemap_map_pages: dev, ino,
				  ofs..ofs_end */
	MR_PERF_RSS_STAT,      /* kmem:rss_stat: mm_id, curr, member, size */
	MR_PERF_PAGE_ALLOC,    /* kmem:mm_page_alloc: pfn, order,
				  migratetype, gfp */
	MR_PERF_PAGE_FREE,     /* kmem:mm_page_free: pfn, order */
	MR_PERF_CACHE_ALLOC,   /* kmem:kmem_cache_alloc: cache, ptr, bytes */
	MR_PERF_CACHE_FREE,    /* kmem:kmem_cache_free: cache, ptr */
};

/* rss_stat's counters (include/linux/mm_types_task.h). */
enum mr_rss_member {
	MR_RSS_FILE = 0, /* MM_FILEPAGES */
	MR_RSS_ANON,	 /* MM_ANONPAGES */
	MR_RSS_SWAP,	 /* MM_SWAPENTS */
	MR_RSS_SHMEM,	 /* MM_SHMEMPAGES */
};

typedef struct mr_perf_event {
	int kind;	   /* enum mr_perf_kind */
	const char *comm;  /* task name (valid until the next event) */
	int32_t pid, tid;  /* thread group and task */
	int cpu;	   /* CPU */
	uint64_t ts_ns;	   /* time in ns */
	const char *event; /* "system:name" (valid until the next event) */
	int64_t nr, ret;   /* syscall number; sys_exit's return value */
	uint64_t addr;	   /* faulting address */
	uint32_t code;	   /* x86 page fault error code */
	uint32_t dev_major, dev_minor; /* filemap: the file's device */
	uint64_t ino;		       /* ... inode */
	uint64_t ofs, ofs_end;	       /* ... byte offset (map_pages: the
					  last byte of the range) */
	uint32_t mm_id;		       /* rss_stat: hash of the mm */
	int curr;		       /* ... the task's own mm */
	int member;		       /* ... enum mr_rss_member */
	uint64_t size;		       /* ... the counter in bytes */
	uint64_t pfn;		       /* page alloc/free: first frame */
	int order;		       /* ... order */
	int migratetype;	       /* ... migratetype (alloc) */
	const char *gfp;	       /* ... gfp_flags text (alloc) */
	const char *cache;	       /* kmem_cache_*: the cache's name */
	uint64_t ptr;		       /* ... object address */
	uint64_t bytes_alloc;	       /* ... object size (alloc) */
	uint8_t rmap_site;	       /* ... call_site is mm/rmap.c's anon_vma
					  code (anon_vma_clone, anon_vma_fork,
					  __anon_vma_prepare,
					  unlink_anon_vmas, put_anon_vma) */
} mr_perf_event;

typedef struct mr_perf mr_perf;

/* Open PATH. Returns 0, MR_EIO or MR_ENOMEM (errbuf names the file). */
int mr_perf_open(mr_perf **out, const char *path, char *errbuf, size_t errlen);
/*
 * The next event. Returns 1, 0 at the end, or MR_ECORRUPT (a line that
 * is not an event, or a known event whose fields are not what the
 * tracepoint prints: mr_perf_errmsg() names file, line and column and
 * what was expected), MR_EIO or MR_ENOMEM.
 */
int mr_perf_next(mr_perf *p, mr_perf_event *ev);
/*
 * Read and parse on a thread of its own from now on: mr_perf_next()
 * gives the same events (their strings valid until the next call) and
 * the same end; mr_perf_lineno() the line of the event it gave. 0, or
 * -1 when no thread could start (then P reads in line).
 */
int mr_perf_read_ahead(mr_perf *p);
const char *mr_perf_errmsg(const mr_perf *p);
uint64_t mr_perf_lineno(const mr_perf *p);
void mr_perf_free(mr_perf *p);

#endif
