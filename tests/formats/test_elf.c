/*
 * test_elf.c - formats/elf.c: the program headers execve() acts on,
 * read from small ELF64 files written here (an ELF header and its
 * program header table, nothing else), '#!' scripts, broken files, and
 * this machine's /bin/true.
 *
 * Where the kernel's reading was not obvious it was checked on Linux
 * 6.18 x86-64 with execve() of such files; the tests say so.
 */
#include "tests/formats/fmt_test.h"

#include "formats/elf.h"

#define ET_EXEC_ 2
#define ET_DYN_ 3
#define PT_LOAD_ 1
#define PT_INTERP_ 3
#define PT_GNU_STACK_ 0x6474e551u
#define PT_GNU_RELRO_ 0x6474e552u
#define PF_X_ 1u
#define PF_W_ 2u
#define PF_R_ 4u

#define EHDR 64 /* sizeof(Elf64_Ehdr) */
#define PHDR 56 /* sizeof(Elf64_Phdr) */

/* One program header. */
struct ph {
	uint32_t type, flags;			      /* p_type, p_flags */
	uint64_t offset, vaddr, filesz, memsz, align; /* p_... */
};

/* An ELF file being written. */
struct elf_file {
	unsigned char b[0x2000]; /* its bytes */
	size_t n;		 /* how many */
};

static void put(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/*
 * An x86-64 ELF64 header of TYPE with the NPH program headers PH right
 * after it (e_phoff 64), and nothing else yet.
 */
static void elf_init(struct elf_file *f, int type, const struct ph *ph,
		     size_t nph)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, "\177ELF", 4);
	f->b[4] = 2; /* ELFCLASS64 */
	f->b[5] = 1; /* ELFDATA2LSB */
	f->b[6] = 1; /* EV_CURRENT */
	put(f->b + 16, (uint64_t)type, 2);
	put(f->b + 18, 62, 2); /* EM_X86_64 */
	put(f->b + 20, 1, 4);
	put(f->b + 32, EHDR, 8); /* e_phoff */
	put(f->b + 52, EHDR, 2); /* e_ehsize */
	put(f->b + 54, PHDR, 2); /* e_phentsize */
	put(f->b + 56, nph, 2);	 /* e_phnum */
	for (i = 0; i < nph; i++) {
		unsigned char *p = f->b + EHDR + i * PHDR;

		put(p, ph[i].type, 4);
		put(p + 4, ph[i].flags, 4);
		put(p + 8, ph[i].offset, 8);
		put(p + 16, ph[i].vaddr, 8);
		put(p + 24, ph[i].vaddr, 8); /* p_paddr */
		put(p + 32, ph[i].filesz, 8);
		put(p + 40, ph[i].memsz, 8);
		put(p + 48, ph[i].align, 8);
	}
	f->n = EHDR + nph * PHDR;
}

/* Append N bytes at offset AT (the file grows to AT + N). */
static void elf_put(struct elf_file *f, size_t at, const void *data, size_t n)
{
	assert_true(at + n <= sizeof(f->b));
	memcpy(f->b + at, data, n);
	if (at + n > f->n)
		f->n = at + n;
}

/* The result of mr_elf_read() on a file. */
struct rd {
	int rc;		 /* its return */
	mr_elf elf;	 /* *out */
	char script[64]; /* the '#!' interpreter */
	char arg[64];	 /* its argument */
	char err[256];	 /* the message */
	char path[64];	 /* the file read */
};

/* mr_elf_read() of N bytes written to a temporary file. */
static void read_bytes(struct rd *r, const void *data, size_t n)
{
	memset(r, 0, sizeof(*r));
	memset(&r->elf, 0x5a, sizeof(r->elf));
	tmp_write(r->path, data, n);
	r->rc = mr_elf_read(&r->elf, r->path, r->script, sizeof(r->script),
			    r->arg, sizeof(r->arg), r->err, sizeof(r->err));
	unlink(r->path);
}

static void read_elf(struct rd *r, const struct elf_file *f)
{
	read_bytes(r, f->b, f->n);
}

/* The read failed with MR_ECORRUPT and a message "PATH: ...". */
static void expect_corrupt_(const struct rd *r, const char *what)
{
	size_t pl = strlen(r->path);

	if (r->rc != MR_ECORRUPT)
		fail_msg("%s: expected MR_ECORRUPT, got %d", what, r->rc);
	if (strncmp(r->err, r->path, pl) || strncmp(r->err + pl, ": ", 2) ||
	    !r->err[pl + 2])
		fail_msg("%s: message '%s' does not name %s", what, r->err,
			 r->path);
}
#define expect_corrupt(r) expect_corrupt_((r), #r)

/* ---- what is read ---- */

/* t_pie's layout: PT_INTERP, four PT_LOADs, GNU_STACK RW, GNU_RELRO */
static const char ldso[] = "/lib64/ld-linux-x86-64.so.2";

static void pie_file(struct elf_file *f, uint32_t stack_flags)
{
	const struct ph ph[] = {
		{PT_INTERP_, PF_R_, 0x318, 0x318, sizeof(ldso), sizeof(ldso),
		 1},
		{PT_LOAD_, PF_R_, 0x0, 0x0, 0x5e0, 0x5e0, 0x1000},
		{PT_LOAD_, PF_R_ | PF_X_, 0x1000, 0x1000, 0x155, 0x155, 0x1000},
		{PT_LOAD_, PF_R_, 0x2000, 0x2000, 0xd0, 0xd0, 0x1000},
		{PT_LOAD_, PF_R_ | PF_W_, 0x2e00, 0x3e00, 0x214, 0x3328,
		 0x1000},
		{PT_GNU_STACK_, stack_flags, 0, 0, 0, 0, 0x10},
		{PT_GNU_RELRO_, PF_R_, 0x2e00, 0x3e00, 0x200, 0x200, 1},
	};

	elf_init(f, ET_DYN_, ph, sizeof(ph) / sizeof(ph[0]));
	elf_put(f, 0x318, ldso, sizeof(ldso));
}

static void test_elf_read__pie_fields(void **state)
{
	struct elf_file f;
	struct rd r;

	(void)state;
	pie_file(&f, PF_R_ | PF_W_);
	read_elf(&r, &f);
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.elf.dyn, 1);
	assert_string_equal(r.elf.interp, ldso);
	assert_int_equal(r.elf.nload, 4);
	assert_int_equal(r.elf.load[0].vaddr, 0);
	assert_int_equal(r.elf.load[0].flags, PF_R_);
	assert_int_equal(r.elf.load[1].vaddr, 0x1000);
	assert_int_equal(r.elf.load[1].offset, 0x1000);
	assert_int_equal(r.elf.load[1].filesz, 0x155);
	assert_int_equal(r.elf.load[1].flags, PF_R_ | PF_X_);
	assert_int_equal(r.elf.load[3].vaddr, 0x3e00);
	assert_int_equal(r.elf.load[3].offset, 0x2e00);
	assert_int_equal(r.elf.load[3].filesz, 0x214);
	assert_int_equal(r.elf.load[3].memsz, 0x3328);
	assert_int_equal(r.elf.load[3].align, 0x1000);
	assert_int_equal(r.elf.load[3].flags, PF_R_ | PF_W_);
	assert_int_equal(r.elf.relro_vaddr, 0x3e00);
	assert_int_equal(r.elf.relro_memsz, 0x200);
	assert_int_equal(r.elf.exec_stack, 0);
}

/*
 * ET_EXEC, no PT_INTERP (static), no PT_GNU_RELRO; PT_GNU_STACK with
 * PF_X: an executable stack ([stack] rwxp, measured with a
 * -z execstack build).
 */
static void test_elf_read__exec_static_with_exec_stack(void **state)
{
	static const struct ph ph[] = {
		{PT_LOAD_, PF_R_ | PF_X_, 0x0, 0x400000, 0x161, 0x161, 0x1000},
		{PT_LOAD_, PF_R_ | PF_W_, 0x1456, 0x404456, 0x18, 0x1818,
		 0x200000},
		{PT_GNU_STACK_, PF_R_ | PF_W_ | PF_X_, 0, 0, 0, 0, 0x10},
	};
	struct elf_file f;
	struct rd r;

	(void)state;
	elf_init(&f, ET_EXEC_, ph, 3);
	f.n = 0x2000;
	read_elf(&r, &f);
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.elf.dyn, 0);
	assert_string_equal(r.elf.interp, "");
	assert_int_equal(r.elf.nload, 2);
	assert_int_equal(r.elf.load[1].vaddr, 0x404456);
	assert_int_equal(r.elf.load[1].align, 0x200000);
	assert_int_equal(r.elf.relro_memsz, 0);
	assert_int_equal(r.elf.exec_stack, 1);
}

/*
 * No PT_GNU_STACK: on x86-64 the stack is NOT executable. Measured on
 * 6.18: t_seg_exec's linker script without its PT_GNU_STACK PHDR gives
 * "7ffffffde000-7ffffffff000 rw-p ... [stack]" (with and without
 * setarch -R); elf_read_implies_exec() holds only for 32-bit processes,
 * so EXSTACK_DEFAULT keeps VM_STACK_DEFAULT_FLAGS without VM_EXEC.
 */
static void test_elf_read__no_gnu_stack_is_not_exec_stack(void **state)
{
	static const struct ph ph[] = {
		{PT_LOAD_, PF_R_ | PF_X_, 0x0, 0x400000, 0x129, 0x129, 0x1000},
	};
	struct elf_file f;
	struct rd r;

	(void)state;
	elf_init(&f, ET_EXEC_, ph, 1);
	f.n = 0x1000;
	read_elf(&r, &f);
	assert_int_equal(r.rc, 1);
	assert_int_equal(r.elf.exec_stack, 0);
}

/* ---- scripts (fs/binfmt_script.c) ---- */

/*
 * "#!INTERP [ARG]": blanks before INTERP are skipped, everything after
 * the blanks that follow it up to the newline is the one argument, its
 * trailing blanks dropped. Measured: a script "#! \t/x/showargs   -x  y
 * \t \n" runs showargs with argv [/x/showargs] [-x  y] [script].
 */
static void test_elf_script__interpreter_and_argument(void **state)
{
	static const struct {
		const char *text, *interp, *arg;
	} c[] = {
		{"#!/bin/sh\necho hi\n", "/bin/sh", ""},
		{"#!/bin/sh", "/bin/sh", ""},
		{"#!/usr/bin/env python3\n", "/usr/bin/env", "python3"},
		{"#! \t/x/showargs   -x  y \t \nrest\n", "/x/showargs",
		 "-x  y"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct rd r;
		unsigned char untouched[sizeof(r.elf)];

		read_bytes(&r, c[i].text, strlen(c[i].text));
		if (r.rc != 0)
			fail_msg("'%s': %d %s", c[i].text, r.rc, r.err);
		assert_string_equal(r.script, c[i].interp);
		assert_string_equal(r.arg, c[i].arg);
		/* *out is left as it was */
		memset(untouched, 0x5a, sizeof(untouched));
		assert_memory_equal(&r.elf, untouched, sizeof(untouched));
	}
}

/* "#!" and blanks only: execve() fails with ENOEXEC (measured). */
static void test_elf_script__no_interpreter_is_corrupt(void **state)
{
	struct rd r;

	(void)state;
	read_bytes(&r, "#!   \n", 6);
	expect_corrupt(&r);
}

/* ---- errors ---- */

static void test_elf_errors__header(void **state)
{
	struct elf_file f;
	struct rd r;

	(void)state;
	/* truncated: 40 of the header's 64 bytes */
	pie_file(&f, PF_R_ | PF_W_);
	read_bytes(&r, f.b, 40);
	expect_corrupt(&r);
	/* ELFCLASS32 */
	pie_file(&f, PF_R_ | PF_W_);
	f.b[4] = 1;
	read_elf(&r, &f);
	expect_corrupt(&r);
	/* EM_AARCH64 */
	pie_file(&f, PF_R_ | PF_W_);
	put(f.b + 18, 183, 2);
	read_elf(&r, &f);
	expect_corrupt(&r);
	/* a plain text file */
	read_bytes(&r,
		   "hello world, this is not a program at all\n"
		   "hello world, this is not a program at all\n",
		   84);
	expect_corrupt(&r);
}

static void test_elf_errors__program_headers(void **state)
{
	static const struct ph load = {PT_LOAD_, PF_R_, 0,     0,
				       0x100,	 0x100, 0x1000};
	struct ph ph[2];
	struct elf_file f;
	struct rd r;

	(void)state;
	/* two program headers announced, the file ends after one */
	ph[0] = ph[1] = load;
	elf_init(&f, ET_DYN_, ph, 2);
	f.n = EHDR + PHDR;
	read_elf(&r, &f);
	expect_corrupt(&r);
	/* p_filesz > p_memsz */
	ph[0] = load;
	ph[0].filesz = 0x200;
	elf_init(&f, ET_DYN_, ph, 1);
	read_elf(&r, &f);
	expect_corrupt(&r);
	/* a PT_INTERP without its NUL */
	ph[0] = load;
	ph[1] = (struct ph){PT_INTERP_, PF_R_, 0x200, 0x200, 4, 4, 1};
	elf_init(&f, ET_DYN_, ph, 2);
	elf_put(&f, 0x200, "/abc", 4);
	read_elf(&r, &f);
	expect_corrupt(&r);
	/* the same with its NUL is read */
	ph[1].filesz = 5;
	elf_init(&f, ET_DYN_, ph, 2);
	elf_put(&f, 0x200, "/abc", 5);
	read_elf(&r, &f);
	assert_int_equal(r.rc, 1);
	assert_string_equal(r.elf.interp, "/abc");
	/* no PT_LOAD */
	ph[0] = (struct ph){PT_GNU_STACK_, PF_R_ | PF_W_, 0, 0, 0, 0, 0x10};
	elf_init(&f, ET_DYN_, ph, 1);
	read_elf(&r, &f);
	expect_corrupt(&r);
}

static void test_elf_errors__missing_file_is_eio(void **state)
{
	mr_elf e;
	char s[64], a[64], err[256];
	const char *path = "/nonexistent/mr_elf_test";

	(void)state;
	assert_int_equal(mr_elf_read(&e, path, s, sizeof(s), a, sizeof(a), err,
				     sizeof(err)),
			 MR_EIO);
	assert_true(!strncmp(err, path, strlen(path)));
	assert_non_null(strstr(err, ": "));
}

/* ---- a real file ---- */

/* /bin/true of a PIE distribution: ET_DYN with an interpreter. */
static void test_elf_read__bin_true(void **state)
{
	mr_elf e;
	char s[64], a[64], err[256];

	(void)state;
	if (access("/bin/true", R_OK))
		skip();
	assert_int_equal(mr_elf_read(&e, "/bin/true", s, sizeof(s), a,
				     sizeof(a), err, sizeof(err)),
			 1);
	assert_int_equal(e.dyn, 1);
	assert_true(e.interp[0] == '/');
	assert_true(e.nload >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_read__pie_fields),
		cmocka_unit_test(test_elf_read__exec_static_with_exec_stack),
		cmocka_unit_test(test_elf_read__no_gnu_stack_is_not_exec_stack),
		cmocka_unit_test(test_elf_script__interpreter_and_argument),
		cmocka_unit_test(test_elf_script__no_interpreter_is_corrupt),
		cmocka_unit_test(test_elf_errors__header),
		cmocka_unit_test(test_elf_errors__program_headers),
		cmocka_unit_test(test_elf_errors__missing_file_is_eio),
		cmocka_unit_test(test_elf_read__bin_true),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
