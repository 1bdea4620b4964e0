/*
 * status.c - the memory lines of /proc/PID/status: the one renderer.
 *
 * Mirrors Linux 6.18 fs/proc/task_mmu.c task_mem(): VmPeak is the peak
 * of total_vm, VmSize total_vm, VmLck locked_vm (pages of VM_LOCKED
 * VMAs), VmPin 0 (pinned_vm: RDMA and io_uring, which no trace here
 * shows), VmHWM the RSS peak, VmRSS the three RSS counters, VmData,
 * VmStk and the executable pages split into VmExe (the executable's text,
 * start_code to end_code, at most exec_vm) and VmLib (the rest of
 * exec_vm), VmPTE the page tables, VmSwap the swap counter. Every value
 * is kB, right-aligned in 8 columns after a tab.
 *
 * The figures come as an mr_status: from a live model (mr_mm_status())
 * or from the history (the status command), rendered the same way.
 */
#include "engine/engine_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* is_data_mapping(), is_stack_mapping(), is_exec_mapping() (x86-64:
 * VM_STACK is VM_GROWSDOWN). */
void mr_status_add_vma(mr_status *s, uint64_t flags, uint64_t bytes)
{
	uint64_t kb = bytes >> 10;

	s->size += kb;
	if (flags & MR_VM_LOCKED)
		s->lck += kb;
	if ((flags & (MR_VM_WRITE | MR_VM_SHARED | MR_VM_GROWSDOWN)) ==
	    MR_VM_WRITE)
		s->data += kb;
	if (flags & MR_VM_GROWSDOWN)
		s->stk += kb;
	if ((flags & (MR_VM_EXEC | MR_VM_WRITE | MR_VM_GROWSDOWN)) ==
	    MR_VM_EXEC)
		s->exec += kb;
}

void mr_status_finish(mr_status *s, uint64_t start_code, uint64_t end_code)
{
	uint64_t text;

	s->exe_known = start_code || end_code;
	text = s->exe_known ? (MR_PAGE_ALIGN(end_code) -
			       (start_code & MR_PAGE_MASK)) >>
				      10
			    : 0;
	if (text > s->exec)
		text = s->exec;
	s->exe = text;
	s->lib = s->exec - text;
	s->rss = s->anon + s->file + s->shmem;
	if (s->peak < s->size)
		s->peak = s->size;
	if (s->hwm < s->rss)
		s->hwm = s->rss;
}

void mr_mm_status(const mr_mm *mm, mr_status *s)
{
	const mr_vma *v;

	memset(s, 0, sizeof(*s));
	for (v = mr_vma_tree_first(&mm->tree); v; v = mr_vma_next(v))
		mr_status_add_vma(s, v->flags, v->end - v->start);
	s->peak = mr_mm_hiwater_vm(mm) * 4; /* finish() takes VmSize if larger */
	s->lck += mm->locked_extra * 4;
	s->phys = mm->m->cfg.phys;
	if (s->phys) {
		s->anon = mm->rss[MR_MM_ANON] * 4;
		s->file = mm->rss[MR_MM_FILE] * 4;
		s->shmem = mm->rss[MR_MM_SHMEM] * 4;
		s->swap = mm->rss[MR_MM_SWAP] * 4;
		s->hwm = mr_mm_hiwater_rss(mm) * 4;
		s->pte = mr_mm_pte_bytes(mm) >> 10;
	}
	mr_status_finish(s, mm->start_code, mm->end_code);
}

/* "Name:\t%8" kB, or "?" where the model does not know the value. */
static size_t line(char *buf, size_t len, size_t at, const char *name,
		   uint64_t kb, int known)
{
	int n;

	if (at >= len)
		return at;
	if (known)
		n = snprintf(buf + at, len - at, "%s:\t%8" PRIu64 " kB\n", name,
			     kb);
	else
		n = snprintf(buf + at, len - at, "%s:\t%8s kB\n", name, "?");
	return n < 0 ? at : at + (size_t)n;
}

size_t mr_status_format(const mr_status *s, char *buf, size_t len)
{
	size_t at = 0;

	if (len)
		buf[0] = 0;
	at = line(buf, len, at, "VmPeak", s->peak, 1);
	at = line(buf, len, at, "VmSize", s->size, 1);
	at = line(buf, len, at, "VmLck", s->lck, 1);
	at = line(buf, len, at, "VmPin", 0, 1);
	at = line(buf, len, at, "VmHWM", s->hwm, s->phys);
	at = line(buf, len, at, "VmRSS", s->rss, s->phys);
	at = line(buf, len, at, "RssAnon", s->anon, s->phys);
	at = line(buf, len, at, "RssFile", s->file, s->phys);
	at = line(buf, len, at, "RssShmem", s->shmem, s->phys);
	at = line(buf, len, at, "VmData", s->data, 1);
	at = line(buf, len, at, "VmStk", s->stk, 1);
	at = line(buf, len, at, "VmExe", s->exe, s->exe_known);
	at = line(buf, len, at, "VmLib", s->lib, s->exe_known);
	at = line(buf, len, at, "VmPTE", s->pte, s->phys);
	at = line(buf, len, at, "VmSwap", s->swap, s->phys);
	return at < len ? at : (len ? len - 1 : 0);
}
