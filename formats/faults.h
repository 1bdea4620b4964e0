/*
 * faults.h - a capture's page-fault table (faults.tsv, plain or zstd).
 *
 * `mmreplay record --faults` writes it from the kernel's tracepoints
 * exceptions:page_fault_user and exceptions:page_fault_kernel, placing
 * each fault after the trace line of the last syscall that returned
 * before it (docs/capture.md). One fault a line, tab separated:
 *
 *   AFTER_LINE  TID  ADDRESS  ERROR_CODE
 *
 * AFTER_LINE is a trace line (0: before the first line), TID the task
 * that faulted, ADDRESS and ERROR_CODE hexadecimal with 0x (the x86
 * error code: 0x1 protection, 0x2 write, 0x4 user mode, 0x10
 * instruction fetch). Lines starting with '#' are comments. AFTER_LINE
 * never decreases.
 */
#ifndef MR_FORMATS_FAULTS_H
#define MR_FORMATS_FAULTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct mr_fault {
	uint64_t after_line; /* trace line it follows (0: the start) */
	int32_t tid;	     /* faulting task */
	uint32_t code;	     /* x86 page fault error code */
	uint64_t addr;	     /* faulting address */
	size_t ev;	     /* its placed perf event (formats/perfplace.h),
				SIZE_MAX when read from a fault table */
	int remote;	     /* no fault: another task's access into a
				traced address space (ev heads its
				events; TID is that task) */
} mr_fault;

typedef struct mr_faults {
	mr_fault *v; /* in file order */
	size_t n;    /* number of faults */
} mr_faults;

/*
 * Read the fault table at PATH. On success fills *out (free with
 * mr_faults_release). On failure returns MR_ECORRUPT (errbuf names the
 * file, line and column and what was expected), MR_EIO or MR_ENOMEM, and
 * *out is empty.
 */
int mr_faults_load(mr_faults *out, const char *path, char *errbuf,
		   size_t errlen);

void mr_faults_release(mr_faults *f);

#endif
