/*
 * format.c - VMAs as /proc/PID/maps prints them: the one renderer.
 *
 * Mirrors fs/proc/task_mmu.c show_map_vma(): the header
 * "start-end perms offset MAJ:MIN inode " padded to 72 columns, then a
 * space and the name; anonymous VMAs without a name end after the inode
 * and its trailing space. A VMA becomes a row of fields first
 * (mr_mm_maps_row()), which says which fields the model does not know;
 * every maps line printed anywhere, the history's included, is that row
 * rendered by mr_maps_row_format().
 */
#include "engine/engine_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*
 * Shared anonymous memory is a shmem file on the kernel's internal shm
 * mount (shmem_zero_setup()): device 00:01 on the machines measured, an
 * inode number no trace shows (learned from a snapshot).
 */
#define SHMEM_DEV_MAJOR 0u
#define SHMEM_DEV_MINOR 1u

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
	/* vma_is_initial_stack(): the VMA holding mm->start_stack */
	if (mm->start_stack
		    ? v->start <= mm->start_stack && v->end >= mm->start_stack
		    : v->kind == MR_VMA_STACK)
		return "[stack]";
	if (v->name)
		return mr_machine_string(mm->m, v->name);
	return "";
}

void mr_mm_maps_row(const mr_mm *mm, const mr_vma *v, mr_maps_row *out)
{
	const mr_file *f = v->file ? mr_machine_file_get(mm->m, v->file) : NULL;

	memset(out, 0, sizeof(*out));
	out->start = v->start;
	out->end = v->end;
	out->perms[0] = v->flags & MR_VM_READ ? 'r' : '-';
	out->perms[1] = v->flags & MR_VM_WRITE ? 'w' : '-';
	out->perms[2] = v->flags & MR_VM_EXEC ? 'x' : '-';
	out->perms[3] = v->flags & MR_VM_MAYSHARE ? 's' : 'p';
	out->name = mr_mm_vma_name(mm, v);
	if (f) {
		/* A file's device and inode come together (the capture's
		 * file table or a snapshot); inode 0 is "not known". */
		out->has_file = 1;
		out->offset = v->pgoff << MR_PAGE_SHIFT;
		out->dev_major = f->dev_major;
		out->dev_minor = f->dev_minor;
		out->inode = f->inode;
		out->dev_known = out->inode_known = f->inode != 0;
	} else if (mr_vma_anon_shmem(v)) {
		out->has_file = 1;
		out->offset = v->pgoff << MR_PAGE_SHIFT;
		out->dev_major = SHMEM_DEV_MAJOR;
		out->dev_minor = SHMEM_DEV_MINOR;
		out->dev_known = 1;
		out->inode = mr_machine_shmem_inode(mm->m, v->ofd);
		out->inode_known = out->inode != 0;
	} else {
		out->dev_known = out->inode_known = 1; /* 00:00 0 */
	}
}

void mr_maps_gate_row(mr_maps_row *out)
{
	/* x86-64's gate VMA: not in the mm, printed last by show_map(). */
	memset(out, 0, sizeof(*out));
	out->start = 0xffffffffff600000ull;
	out->end = 0xffffffffff601000ull;
	memcpy(out->perms, "--xp", 5);
	out->dev_known = out->inode_known = 1;
	out->name = "[vsyscall]";
}

size_t mr_maps_dev_format(uint32_t major, uint32_t minor, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%02x:%02x", major, minor);

	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : (len ? len - 1 : 0);
}

/* V in lower-case hex, at least MIN digits, at P; returns the end. */
char *mr_fmt_hex(char *p, uint64_t v, int min)
{
	char tmp[16];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	while (n < min)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* V in decimal at P; returns the end. */
char *mr_fmt_dec(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

size_t mr_maps_row_format(const mr_maps_row *r, char *buf, size_t len)
{
	/* "%08lx-%08lx %.4s %08lx %02x:%02x %lu " at most 127 bytes */
	char head[160], *p = head;
	size_t n;

	if (!len)
		return 0;
	p = mr_fmt_hex(p, r->start, 8);
	*p++ = '-';
	p = mr_fmt_hex(p, r->end, 8);
	*p++ = ' ';
	memcpy(p, r->perms, 4);
	p += 4;
	*p++ = ' ';
	p = mr_fmt_hex(p, r->offset, 8);
	*p++ = ' ';
	p = mr_fmt_hex(p, r->dev_major, 2);
	*p++ = ':';
	p = mr_fmt_hex(p, r->dev_minor, 2);
	*p++ = ' ';
	p = mr_fmt_dec(p, r->inode);
	*p++ = ' ';
	n = (size_t)(p - head);
	if (n >= len) {
		memcpy(buf, head, len - 1);
		buf[len - 1] = 0;
		return len - 1;
	}
	memcpy(buf, head, n);
	buf[n] = 0;
	if (r->name && *r->name) {
		int m;
		size_t used = (size_t)n;

		while (used < 72 && used + 1 < len)
			buf[used++] = ' ';
		buf[used] = 0;
		m = snprintf(buf + used, len - used, " %s", r->name);
		if (m < 0)
			return used;
		return used + (size_t)m < len ? used + (size_t)m : len - 1;
	}
	return n;
}

size_t mr_mm_format_vma(const mr_mm *mm, const mr_vma *v, char *buf, size_t len)
{
	mr_maps_row r;

	mr_mm_maps_row(mm, v, &r);
	return mr_maps_row_format(&r, buf, len);
}

const char *mr_maps_gate_line(void)
{
	static char line[128];

	if (!line[0]) {
		mr_maps_row r;

		mr_maps_gate_row(&r);
		mr_maps_row_format(&r, line, sizeof(line));
	}
	return line;
}

/* ---- what a snapshot teaches ---- */

static int of_shmem(const mr_vma *v, uint32_t ofd)
{
	return v->ofd == ofd && mr_vma_anon_shmem(v);
}

/* Every VMA of shmem object OFD leaves (BEGIN) or re-enters the history
 * and the digest. */
static void shmem_vmas_change(mr_machine *m, uint32_t ofd, int begin)
{
	mr_machine_vmas_change(m, of_shmem, ofd, begin);
}

int mr_mm_learn_ids(mr_mm *mm, const mr_vma *v, uint32_t maj, uint32_t min,
		    uint64_t ino)
{
	mr_machine *m = mm->m;

	if (!ino)
		return 0;
	if (v->file) {
		const mr_file *f = mr_machine_file_get(m, v->file);

		if (!f || f->inode)
			return 0;
		mr_machine_file_set_ids(m, v->file, maj, min, ino);
		return 1;
	}
	if (!mr_vma_anon_shmem(v) || !v->ofd ||
	    mr_machine_shmem_inode(m, v->ofd) || maj != SHMEM_DEV_MAJOR ||
	    min != SHMEM_DEV_MINOR)
		return 0;
	shmem_vmas_change(m, v->ofd, 1);
	if (mr_machine_shmem_set_inode(m, v->ofd, ino)) {
		shmem_vmas_change(m, v->ofd, 0);
		return 0;
	}
	shmem_vmas_change(m, v->ofd, 0);
	return 1;
}
