/*
 * format.c - VMAs printed as /proc/PID/maps prints them.
 *
 * Mirrors fs/proc/task_mmu.c show_map_vma(): the header
 * "start-end perms offset MAJ:MIN inode " padded to 72 columns, then a
 * space and the name; anonymous VMAs without a name end after the inode
 * and its trailing space.
 */
#include "engine/engine_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *mr_mm_vma_name(const mr_mm *mm, const mr_vma *v)
{
	const mr_file *f;

	if (v->file) {
		f = mr_machine_file_get(mm->m, v->file);
		return f ? f->path : "";
	}
	if (mr_vma_anon_shmem(v))
		return "/dev/zero (deleted)";
	switch (v->kind) {
	case MR_VMA_VDSO:
		return "[vdso]";
	case MR_VMA_VVAR:
		return "[vvar]";
	case MR_VMA_VVAR_VCLOCK:
		return "[vvar_vclock]";
	case MR_VMA_OTHER_NAMED:
		return mr_machine_string(mm->m, v->name);
	default:
		break;
	}
	if (v->heap)
		return "[heap]";
	if (v->kind == MR_VMA_STACK)
		return "[stack]";
	if (v->name)
		return mr_machine_string(mm->m, v->name);
	return "";
}

size_t mr_mm_format_vma(const mr_mm *mm, const mr_vma *v, char *buf, size_t len)
{
	const mr_file *f = v->file ? mr_machine_file_get(mm->m, v->file) : NULL;
	const char *name = mr_mm_vma_name(mm, v);
	/* Shared anonymous memory is a shmem file on the internal shm mount
	 * (device 00:01 on the machines measured); its inode number is not
	 * known to the model and prints as 0. */
	static const mr_file shm = {"/dev/zero (deleted)", 0, 0, 1, 0, 0};
	int n;

	if (!f && mr_vma_anon_shmem(v))
		f = &shm;
	n = snprintf(buf, len,
		     "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64
		     " %02x:%02x %" PRIu64 " ",
		     v->start, v->end, v->flags & MR_VM_READ ? 'r' : '-',
		     v->flags & MR_VM_WRITE ? 'w' : '-',
		     v->flags & MR_VM_EXEC ? 'x' : '-',
		     v->flags & MR_VM_MAYSHARE ? 's' : 'p',
		     f ? v->pgoff << MR_PAGE_SHIFT : (uint64_t)0,
		     f ? f->dev_major : 0u, f ? f->dev_minor : 0u,
		     f ? f->inode : (uint64_t)0);
	if (n < 0 || (size_t)n >= len)
		return len ? strlen(buf) : 0;
	if (*name) {
		size_t used = (size_t)n;

		while (used < 72 && used + 1 < len)
			buf[used++] = ' ';
		n = snprintf(buf + used, len - used, " %s", name);
		if (n < 0)
			return used;
		return used + (size_t)n < len ? used + (size_t)n : len - 1;
	}
	return (size_t)n;
}

const char *mr_maps_gate_line(void)
{
	/* x86-64's gate VMA: not in the mm, printed last by show_map(). */
	return "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0"
	       "                  [vsyscall]";
}
