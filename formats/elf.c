/*
 * elf.c - the program headers execve() acts on (fs/binfmt_elf.c
 * load_elf_binary(), fs/binfmt_script.c load_script()).
 *
 * Only what places memory is read: the ELF header's type, machine and
 * program header table; PT_LOAD, PT_INTERP, PT_GNU_RELRO and
 * PT_GNU_STACK. Every offset and size is checked against the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/errcode.h"
#include "formats/elf.h"

#define PT_LOAD_ 1
#define PT_INTERP_ 3
#define PT_GNU_STACK_ 0x6474e551
#define PT_GNU_RELRO_ 0x6474e552
#define PF_X_ 1

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int fail(char *errbuf, size_t errlen, const char *path, const char *why)
{
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s: %s", path, why);
	return MR_ECORRUPT;
}

/* "#!INTERP [ARG]" as load_script() splits it. */
static int script_line(const unsigned char *b, size_t n, char *script,
		       size_t slen, char *arg, size_t alen)
{
	size_t i = 2, s, e;

	while (i < n && (b[i] == ' ' || b[i] == '\t'))
		i++;
	s = i;
	while (i < n && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i])
		i++;
	if (i == s || i - s >= slen)
		return -1;
	memcpy(script, b + s, i - s);
	script[i - s] = 0;
	while (i < n && (b[i] == ' ' || b[i] == '\t'))
		i++;
	s = i;
	while (i < n && b[i] != '\n' && b[i])
		i++;
	e = i;
	while (e > s && (b[e - 1] == ' ' || b[e - 1] == '\t'))
		e--;
	if (e - s >= alen)
		return -1;
	memcpy(arg, b + s, e - s);
	arg[e - s] = 0;
	return 0;
}

int mr_elf_read(mr_elf *out, const char *path, char *script, size_t slen,
		char *script_arg, size_t alen, char *errbuf, size_t errlen)
{
	unsigned char h[256], ph[56];
	uint64_t phoff;
	unsigned phentsize, phnum, i;
	size_t n;
	struct stat st;
	FILE *f = NULL;
	int rc = 1, fd;

	/* never block on a FIFO or a device: a regular file only */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !(f = fdopen(fd, "rb"))) {
		int e = fd < 0 || !S_ISREG(st.st_mode) ? errno : 0;

		if (fd >= 0)
			close(fd);
		if (fd >= 0 && !S_ISREG(st.st_mode))
			return fail(errbuf, errlen, path, "not a regular file");
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: %s", path,
				 strerror(e ? e : errno));
		return MR_EIO;
	}
	n = fread(h, 1, sizeof(h), f);
	if (n >= 2 && h[0] == '#' && h[1] == '!') {
		rc = script_line(h, n, script, slen, script_arg, alen)
			     ? fail(errbuf, errlen, path,
				    "a '#!' line without an interpreter")
			     : 0;
		goto out_close;
	}
	if (n < 64 || memcmp(h, "\177ELF", 4)) {
		rc = fail(errbuf, errlen, path, "neither ELF nor a script");
		goto out_close;
	}
	if (h[4] != 2 || h[5] != 1 || le(h + 18, 2) != 62) {
		rc = fail(errbuf, errlen, path,
			  "not a 64-bit little-endian x86-64 ELF file");
		goto out_close;
	}
	memset(out, 0, sizeof(*out));
	/* no PT_GNU_STACK: EXSTACK_DEFAULT, not executable for a 64-bit
	 * process (elf_read_implies_exec() holds only for 32-bit ones) */
	out->exec_stack = 0;
	switch (le(h + 16, 2)) {
	case 2:
		out->dyn = 0;
		break;
	case 3:
		out->dyn = 1;
		break;
	default:
		rc = fail(errbuf, errlen, path, "neither ET_EXEC nor ET_DYN");
		goto out_close;
	}
	phoff = le(h + 32, 8);
	phentsize = (unsigned)le(h + 54, 2);
	phnum = (unsigned)le(h + 56, 2);
	if (phentsize != sizeof(ph) || phnum == 0 || phnum > 4096) {
		rc = fail(errbuf, errlen, path, "a bad program header table");
		goto out_close;
	}
	for (i = 0; i < phnum; i++) {
		uint32_t type;

		if (fseek(f, (long)(phoff + (uint64_t)i * sizeof(ph)),
			  SEEK_SET) ||
		    fread(ph, 1, sizeof(ph), f) != sizeof(ph)) {
			rc = fail(errbuf, errlen, path,
				  "a program header past the end of the file");
			goto out_close;
		}
		type = (uint32_t)le(ph, 4);
		if (type == PT_LOAD_) {
			mr_elf_load *l;

			if (out->nload == MR_ELF_MAX_LOAD) {
				rc = fail(errbuf, errlen, path,
					  "too many PT_LOAD entries");
				goto out_close;
			}
			l = &out->load[out->nload++];
			l->flags = (uint32_t)le(ph + 4, 4);
			l->offset = le(ph + 8, 8);
			l->vaddr = le(ph + 16, 8);
			l->filesz = le(ph + 32, 8);
			l->memsz = le(ph + 40, 8);
			l->align = le(ph + 48, 8);
			if (l->filesz > l->memsz ||
			    ((l->vaddr ^ l->offset) & 0xfff) ||
			    l->vaddr + l->memsz < l->vaddr ||
			    l->vaddr + l->memsz > (1ull << 47)) {
				rc = fail(errbuf, errlen, path,
					  "a PT_LOAD the kernel refuses");
				goto out_close;
			}
		} else if (type == PT_INTERP_) {
			uint64_t off = le(ph + 8, 8), sz = le(ph + 32, 8);

			if (sz < 2 || sz > sizeof(out->interp) ||
			    fseek(f, (long)off, SEEK_SET) ||
			    fread(out->interp, 1, sz, f) != sz ||
			    out->interp[sz - 1] != 0) {
				rc = fail(errbuf, errlen, path,
					  "a bad PT_INTERP");
				goto out_close;
			}
		} else if (type == PT_GNU_RELRO_) {
			out->relro_vaddr = le(ph + 16, 8);
			out->relro_memsz = le(ph + 40, 8);
		} else if (type == PT_GNU_STACK_) {
			out->exec_stack = (le(ph + 4, 4) & PF_X_) != 0;
		}
	}
	if (!out->nload)
		rc = fail(errbuf, errlen, path, "no PT_LOAD");
out_close:
	fclose(f);
	return rc;
}
