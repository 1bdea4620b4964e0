/*
 * elf.h - what execve() reads of an executable: the ELF64 program
 * headers (PT_LOAD, PT_INTERP, PT_GNU_RELRO, PT_GNU_STACK) of an x86-64
 * file, or the "#!" line of a script.
 */
#ifndef MR_FORMATS_ELF_H
#define MR_FORMATS_ELF_H

#include <stddef.h>
#include <stdint.h>

#define MR_ELF_MAX_LOAD 32 /* PT_LOAD entries kept */

typedef struct mr_elf_load {
	uint64_t vaddr;	 /* p_vaddr */
	uint64_t offset; /* p_offset */
	uint64_t filesz; /* p_filesz */
	uint64_t memsz;	 /* p_memsz */
	uint64_t align;	 /* p_align */
	uint32_t flags;	 /* p_flags: PF_X 1, PF_W 2, PF_R 4 */
} mr_elf_load;

typedef struct mr_elf {
	int dyn;			   /* ET_DYN (1) or ET_EXEC (0) */
	mr_elf_load load[MR_ELF_MAX_LOAD]; /* PT_LOAD in file order */
	size_t nload;			   /* how many */
	char interp[4096];		   /* PT_INTERP, "" when none */
	uint64_t relro_vaddr;		   /* PT_GNU_RELRO p_vaddr */
	uint64_t relro_memsz;		   /* ... p_memsz, 0 when none */
	int exec_stack;			   /* PT_GNU_STACK has PF_X */
} mr_elf;

/*
 * Read the program headers of PATH. Returns 1 when PATH is an ELF64
 * x86-64 executable or shared object (*out filled), 0 when it is a
 * script ("#!": *out untouched, SCRIPT gets the interpreter path and
 * SCRIPT_ARG its one optional argument, both NUL-terminated), or
 * MR_EIO (cannot read) / MR_ECORRUPT (neither, or malformed); errbuf
 * then says why, naming the file.
 */
int mr_elf_read(mr_elf *out, const char *path, char *script, size_t slen,
		char *script_arg, size_t alen, char *errbuf, size_t errlen);

#endif
