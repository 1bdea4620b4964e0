/*
 * exec_elf.c - an execve the capture has no snapshot of: the address
 * space is built from the ELF headers of the executable and its
 * interpreter, read from this machine's files (formats/elf.c), by
 * mr_mm_exec_elf() (engine/exec.c).
 *
 * The path is the one execve was given: absolute, or relative to the
 * working directory the trace last showed for the process (strace's -y
 * prints it as AT_FDCWD</cwd>). A "#!" script execs its interpreter
 * (load_script(), at most four levels). Maps name a file by its
 * resolved path (/bin/true is /usr/bin/true when /bin links to
 * usr/bin), and show the device and inode of the capture's file table
 * (00:00 0 without one). Paths under /proc and /dev would name the
 * replaying process's own files: such an exec is not built.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/elf.h"
#include "replay/replay_int.h"

#define MAX_SCRIPTS 4 /* BINPRM_MAX_RECURSION */

struct image {
	mr_elf elf;			  /* the headers */
	mr_exec_seg seg[MR_ELF_MAX_LOAD]; /* as the engine takes them */
	mr_exec_image img;		  /* ... */
};

/* PATH made absolute against CWD; NULL when it cannot be. */
static char *absolute(const char *path, const char *cwd)
{
	char *p;

	if (!path || !*path)
		return NULL;
	if (path[0] == '/')
		return strdup(path);
	if (!cwd || cwd[0] != '/')
		return NULL;
	if (asprintf(&p, "%s/%s", cwd, path) < 0)
		return NULL;
	return p;
}

/* The file table entry of PATH, by its resolved name (its device and
 * inode are the capture's file table's, never this machine's). */
static uint32_t file_of(mr_machine *m, const char *path)
{
	char *real = realpath(path, NULL);
	uint32_t id = mr_machine_file(m, real ? real : path, 0, 0, 0);

	free(real);
	return id;
}

/* Paths that name the replaying process's own files, not the traced
 * program's: /proc/self/exe, /dev/fd/N, ... */
static int foreign(const char *path)
{
	return !strncmp(path, "/proc/", 6) || !strncmp(path, "/dev/", 5);
}

/* Read PATH's headers into IM; 1 done, 0 a script (INTERP set), -1. */
static int load(mr_machine *m, struct image *im, const char *path, char *interp,
		size_t ilen, char *why, size_t wlen)
{
	char arg[256];
	uint64_t align = 0;
	size_t i;
	int rc = mr_elf_read(&im->elf, path, interp, ilen, arg, sizeof(arg),
			     why, wlen);

	if (rc <= 0)
		return rc == 0 ? 0 : -1;
	for (i = 0; i < im->elf.nload; i++) {
		const mr_elf_load *l = &im->elf.load[i];

		im->seg[i] = (mr_exec_seg){
			l->vaddr, l->offset, l->filesz, l->memsz,
			(l->flags & 4 ? 1u : 0) | (l->flags & 2 ? 2u : 0) |
				(l->flags & 1 ? 4u : 0)};
		/* maximum_alignment(): powers of two only */
		if (l->align && !(l->align & (l->align - 1)) &&
		    l->align > align)
			align = l->align;
	}
	memset(&im->img, 0, sizeof(im->img));
	im->img.file = file_of(m, path);
	im->img.dyn = im->elf.dyn;
	im->img.align = align;
	im->img.seg = im->seg;
	im->img.nseg = im->elf.nload;
	im->img.relro_vaddr = im->elf.relro_vaddr;
	im->img.relro_memsz = im->elf.relro_memsz;
	return 1;
}

/*
 * Bytes of the strings setup_arg_pages() finds at the stack's top: the
 * path, the argument strings (from the trace's argv text) and the
 * environment, which strace shows only as a count ("/ * 37 vars * /"):
 * taken as 40 bytes a variable.
 */
static uint64_t strings_of(const mr_event *ev)
{
	const char *a = ev->args ? ev->args : "", *p, *q;
	uint64_t n = (ev->str ? strlen(ev->str) : 0) + 1, vars = 0;

	p = strchr(a, '[');
	q = p ? strstr(p, "], ") : NULL;
	if (p && q)
		n += (uint64_t)(q - p); /* quotes and commas for the NULs */
	q = strstr(a, "/* ");
	if (q)
		vars = strtoull(q + 3, NULL, 10);
	return n + vars * 40;
}

int mr_replay_exec_elf(mr_machine *m, mr_mm *mm, const mr_event *ev,
		       const char *cwd, char *why, size_t wlen)
{
	struct image *exe = calloc(2, sizeof(*exe)), *interp = exe + 1;
	char *path = absolute(ev->str, cwd), next[4096];
	int rc = -1, depth, exec_stack = 0;

	why[0] = 0;
	if (!exe || !path) {
		if (!why[0])
			snprintf(why, wlen,
				 "%s: not an absolute path or one "
				 "the working directory resolves",
				 ev->str ? ev->str : "(unreadable path)");
		goto out_free;
	}
	for (depth = 0;; depth++) {
		if (foreign(path)) {
			snprintf(why, wlen,
				 "%s: names the replaying process's own file",
				 path);
			rc = -1;
			break;
		}
		rc = load(m, exe, path, next, sizeof(next), why, wlen);
		if (rc != 0)
			break;
		free(path);
		path = absolute(next, cwd);
		if (depth == MAX_SCRIPTS || !path) {
			snprintf(why, wlen, "%s: too many '#!' levels", next);
			rc = -1;
			break;
		}
	}
	if (rc < 0)
		goto out_free;
	exec_stack = exe->elf.exec_stack;
	if (exe->elf.interp[0]) {
		rc = load(m, interp, exe->elf.interp, next, sizeof(next), why,
			  wlen);
		if (rc <= 0) {
			rc = -1;
			goto out_free;
		}
	}
	rc = mr_mm_exec_elf(mm, &exe->img,
			    exe->elf.interp[0] ? &interp->img : NULL,
			    strings_of(ev), exec_stack);
	if (rc)
		snprintf(why, wlen, "%s: its segments do not fit", path);
out_free:
	free(path);
	free(exe);
	return rc;
}
