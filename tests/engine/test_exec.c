/*
 * test_exec.c - engine/exec.c: the address space execve() leaves, built
 * from ELF program headers (mr_mm_exec_elf), and the pinning of its
 * guessed places by the first mmap(NULL) and by ld.so's mprotect of the
 * executable's PT_GNU_RELRO.
 *
 * The expectations are /proc/PID/maps captured on Linux 6.18.44 x86-64
 * (4-level paging, ext4, ulimit -s 8192 unless a test says otherwise)
 * right after execve, before the first user instruction, by a ptrace
 * probe that stops at the exec SIGTRAP and reads /proc/PID/maps, smaps
 * and stat:
 *
 *   cd /tmp/execlayout && setarch -R env -i ./atexec ./t_pie
 *
 * With "env -i" the strings at the stack's top are only the execfn and
 * argv[0], "./t_pie" twice: 16 bytes (stat arg_start 0x7fffffffefe8 =
 * 0x7ffffffff000 - 8 - 16). The segment tables are those of
 * `readelf -lW` of the same files; the device and inode numbers are the
 * capture's, registered with the files so that whole maps lines compare.
 *
 * The test programs are one C file (a 100-byte and a 12 KiB bss) built
 * by gcc 12 as t_pie (default PIE), t_static (-static), t_spie
 * (-static-pie) and t_pie2m (-z max-page-size=0x200000); t_seg_exec
 * and t_segx come from a linker script (see their tables).
 *
 * The guessed places: the stack, ld.so, the vdso block and a PIE are
 * marked inferred until a call pins them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/engine/helpers.h"

#define TASK 0x7ffffffff000ull	    /* TASK_SIZE, the stack's top */
#define MMAP_BASE 0x7ffff7fff000ull /* mmap_base for an 8 MiB rlimit */
#define R_ 1u			    /* mr_exec_seg.prot: PROT_READ */
#define W_ 2u			    /* PROT_WRITE */
#define X_ 4u			    /* PROT_EXEC */
#define STR_PIE 16		    /* "./t_pie" as execfn and argv[0] */

#define LDSO "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
#define LDSO_INO 332383ull

/* ---- the capture's headers (readelf -lW) ---- */

/* /tmp/execlayout/t_pie: gcc -O2 PIE; RELRO 0x3e00 + 0x200 */
static const mr_exec_seg pie_seg[] = {
	{0x0, 0x0, 0x5e0, 0x5e0, R_},
	{0x1000, 0x1000, 0x155, 0x155, R_ | X_},
	{0x2000, 0x2000, 0xd0, 0xd0, R_},
	{0x3e00, 0x2e00, 0x214, 0x3328, R_ | W_},
};

/* t_pie2m: the same, linked with -z max-page-size=0x200000 */
static const mr_exec_seg pie2m_seg[] = {
	{0x0, 0x0, 0x5e0, 0x5e0, R_},
	{0x200000, 0x200000, 0x155, 0x155, R_ | X_},
	{0x400000, 0x400000, 0xd0, 0xd0, R_},
	{0x7ffe00, 0x5ffe00, 0x214, 0x3328, R_ | W_},
};

/* /lib64/ld-linux-x86-64.so.2 of glibc 2.36 (Debian 12) */
static const mr_exec_seg ldso_seg[] = {
	{0x0, 0x0, 0xd58, 0xd58, R_},
	{0x1000, 0x1000, 0x25111, 0x25111, R_ | X_},
	{0x27000, 0x27000, 0x9c7c, 0x9c7c, R_},
	{0x31900, 0x31900, 0x2810, 0x29d8, R_ | W_},
};

/* t_static: gcc -static (ET_EXEC, no PT_INTERP) */
static const mr_exec_seg static_seg[] = {
	{0x400000, 0x0, 0x518, 0x518, R_},
	{0x401000, 0x1000, 0x77b41, 0x77b41, R_ | X_},
	{0x479000, 0x79000, 0x26f3e, 0x26f3e, R_},
	{0x4a06d8, 0xa06d8, 0x5b98, 0xe4a8, R_ | W_},
};

/* t_spie: gcc -static-pie (ET_DYN, no PT_INTERP) */
static const mr_exec_seg spie_seg[] = {
	{0x0, 0x0, 0x8020, 0x8020, R_},
	{0x9000, 0x9000, 0x78b81, 0x78b81, R_ | X_},
	{0x82000, 0x82000, 0x291c6, 0x291c6, R_},
	{0xac518, 0xab518, 0x5d58, 0xe628, R_ | W_},
};

/* t_spie2m: t_spie linked with -z max-page-size=0x200000 */
static const mr_exec_seg spie2m_seg[] = {
	{0x0, 0x0, 0x8020, 0x8020, R_},
	{0x200000, 0x200000, 0x78b81, 0x78b81, R_ | X_},
	{0x400000, 0x400000, 0x291c6, 0x291c6, R_},
	{0x7fc518, 0x5fc518, 0x5d58, 0xe628, R_ | W_},
};

/*
 * t_seg_exec: a linker script's ET_EXEC whose R segment has memsz >
 * filesz, and a last PT_LOAD with p_filesz 0 after a 4 MiB hole.
 */
static const mr_exec_seg segexec_seg[] = {
	{0x400000, 0x0, 0x161, 0x161, R_ | X_},
	{0x401123, 0x1123, 0xc, 0x250c, R_},
	{0x404456, 0x1456, 0x18, 0x1818, R_ | W_},
	{0x800789, 0x789, 0x0, 0x3000, R_ | W_},
};

/* t_segx: t_seg_exec with its second segment R E instead of R */
static const mr_exec_seg segx_seg[] = {
	{0x400000, 0x0, 0x161, 0x161, R_ | X_},
	{0x401123, 0x1123, 0xc, 0x250c, R_ | X_},
	{0x404456, 0x1456, 0x18, 0x1818, R_ | W_},
	{0x800789, 0x789, 0x0, 0x3000, R_ | W_},
};

#define NSEG(s) (sizeof(s) / sizeof((s)[0]))

static mr_exec_image image(uint32_t file, int dyn, uint64_t align,
			   const mr_exec_seg *seg, size_t nseg,
			   uint64_t relro_vaddr, uint64_t relro_memsz)
{
	mr_exec_image img;

	memset(&img, 0, sizeof(img));
	img.file = file;
	img.dyn = dyn;
	img.align = align;
	img.seg = seg;
	img.nseg = nseg;
	img.relro_vaddr = relro_vaddr;
	img.relro_memsz = relro_memsz;
	return img;
}

static mr_exec_image pie_image(mr_machine *m)
{
	return image(
		mr_machine_file(m, "/tmp/execlayout/t_pie", 0xfe, 0, 10952978),
		1, 0x1000, pie_seg, NSEG(pie_seg), 0x3e00, 0x200);
}

static mr_exec_image ldso_image(mr_machine *m)
{
	return image(mr_machine_file(m, LDSO, 0xfe, 0, LDSO_INO), 1, 0x1000,
		     ldso_seg, NSEG(ldso_seg), 0x31900, 0x1700);
}

static mr_exec_image static_image(mr_machine *m)
{
	return image(mr_machine_file(m, "/tmp/execlayout/t_static", 0xfe, 0,
				     10953070),
		     0, 0x1000, static_seg, NSEG(static_seg), 0x4a06d8, 0x3928);
}

/* A machine whose RLIMIT_STACK is RLIM (0: unlimited). */
static mr_machine *machine_rlimit(uint64_t rlim, struct mirror *j)
{
	mr_config c;

	mr_config_default(&c);
	c.stack_rlimit = rlim;
	return new_machine_cfg(&c, j);
}

/* A new unknown mm for pid 1. */
static mr_mm *fresh_mm(mr_machine *m)
{
	mr_mm *mm = mr_machine_task_adopt(m, 1);

	assert_non_null(mm);
	assert_false(mr_mm_known(mm));
	return mm;
}

/* t_pie with ld.so, built in a fresh mm of M. */
static mr_mm *exec_pie(mr_machine *m)
{
	mr_mm *mm = fresh_mm(m);
	mr_exec_image exe = pie_image(m), ld = ldso_image(m);

	assert_int_equal(mr_mm_exec_elf(mm, &exe, &ld, STR_PIE, 0), 0);
	assert_true(mr_mm_known(mm));
	return mm;
}

/* ---- comparing with /proc/PID/maps ---- */

/* MM printed as /proc/PID/maps prints it, into BUF. */
static void format_maps(const mr_mm *mm, char *buf, size_t len)
{
	const mr_vma *v;
	size_t n = 0;

	buf[0] = 0;
	for (v = mr_mm_first(mm); v && n + 1 < len; v = mr_vma_next(v)) {
		n += mr_mm_format_vma(mm, v, buf + n, len - n);
		if (n + 1 < len)
			buf[n++] = '\n';
		buf[n] = 0;
	}
	if (mr_mm_has_gate(mm))
		snprintf(buf + n, len - n, "%s\n", mr_maps_gate_line());
}

#define expect_maps(mm, text)                                                  \
	do {                                                                   \
		char got_[8192];                                               \
		format_maps((mm), got_, sizeof(got_));                         \
		if (strcmp(got_, (text))) {                                    \
			fprintf(stderr,                                        \
				"%s:%d: maps differ. Expected:\n%s"            \
				"got:\n%s",                                    \
				__FILE__, __LINE__, (text), got_);             \
			fail_msg("maps differ");                               \
		}                                                              \
	} while (0)

/* The VMA at ADDR starts at ADDR and has FLAGS (VM_SOFTDIRTY aside). */
static void expect_flags_(const mr_mm *mm, uint64_t addr, uint64_t flags,
			  const char *file, int line)
{
	const mr_vma *v = mr_mm_find(mm, addr);

	if (!v || v->start != addr)
		fail_msg("%s:%d: no VMA starts at %#" PRIx64, file, line, addr);
	if ((v->flags & ~MR_VM_SOFTDIRTY) != flags)
		fail_msg("%s:%d: VMA at %#" PRIx64 ": flags %#" PRIx64
			 ", expected %#" PRIx64,
			 file, line, addr, v->flags, flags);
}
#define expect_flags(mm, addr, flags)                                          \
	expect_flags_((mm), (addr), (flags), __FILE__, __LINE__)

/* A VMA [START, END) of KIND with FLAGS. */
static void expect_vma_(const mr_mm *mm, uint64_t start, uint64_t end,
			uint64_t flags, int kind, const char *file, int line)
{
	const mr_vma *v;

	expect_flags_(mm, start, flags, file, line);
	v = mr_mm_find(mm, start);
	if (v->end != end || v->kind != kind)
		fail_msg("%s:%d: VMA at %#" PRIx64 " ends at %#" PRIx64
			 ", kind %d; expected %#" PRIx64 ", kind %d",
			 file, line, start, v->end, v->kind, end, kind);
}
#define expect_vma(mm, start, end, flags, kind)                                \
	expect_vma_((mm), (start), (end), (flags), (kind), __FILE__, __LINE__)

/* smaps VmFlags of [vvar] and [vvar_vclock]: rd mr pf io de dd */
#define F_VVAR                                                                 \
	(MR_VM_READ | MR_VM_MAYREAD | MR_VM_PFNMAP | MR_VM_IO |                \
	 MR_VM_DONTEXPAND | MR_VM_DONTDUMP)
/* ... of [vdso]: rd ex mr mw me de */
#define F_VDSO (MR_VM_READ | MR_VM_EXEC | MAY | MR_VM_DONTEXPAND)
/* ... of [stack]: rd wr mr mw me gd ac */
#define F_STACK (F_RW | MR_VM_GROWSDOWN)

/* The vdso block at A: [vvar] 4 pages, [vvar_vclock] 2, [vdso] 2. */
#define expect_vdso_block(mm, a)                                               \
	do {                                                                   \
		expect_vma((mm), (a), (a) + 0x4000, F_VVAR, MR_VMA_VVAR);      \
		expect_vma((mm), (a) + 0x4000, (a) + 0x6000, F_VVAR,           \
			   MR_VMA_VVAR_VCLOCK);                                \
		expect_vma((mm), (a) + 0x6000, (a) + 0x8000, F_VDSO,           \
			   MR_VMA_VDSO);                                       \
	} while (0)

/* ld.so's four VMAs at base B (pgoff as its p_offset pages). */
#define expect_ldso(mm, b)                                                     \
	expect_vmas((mm), (b), (b) + 0x35000, {(b), (b) + 0x1000, F_R, 0},     \
		    {(b) + 0x1000, (b) + 0x27000, F_RX, 1},                    \
		    {(b) + 0x27000, (b) + 0x31000, F_R, 0x27},                 \
		    {(b) + 0x31000, (b) + 0x35000, F_RW, 0x31})

/* Whether every VMA overlapping [lo, hi) is inferred (1) or none (0). */
static void expect_inferred_(const mr_mm *mm, uint64_t lo, uint64_t hi,
			     int inferred, const char *file, int line)
{
	const mr_vma *v;
	int n = 0;

	for (v = mr_mm_first(mm); v; v = mr_vma_next(v)) {
		if (v->end <= lo || v->start >= hi)
			continue;
		n++;
		if (v->inferred != inferred)
			fail_msg("%s:%d: VMA %#" PRIx64 "-%#" PRIx64
				 " inferred %d, expected %d",
				 file, line, v->start, v->end, v->inferred,
				 inferred);
	}
	if (!n)
		fail_msg("%s:%d: no VMA in %#" PRIx64 "-%#" PRIx64, file, line,
			 lo, hi);
}
#define expect_inferred(mm, lo, hi, inferred)                                  \
	expect_inferred_((mm), (lo), (hi), (inferred), __FILE__, __LINE__)

/* The lines shared by every 8 MiB-rlimit dynamic capture. */
#define MAPS_LDSO_8M                                                           \
	"7ffff7fc2000-7ffff7fc6000 r--p 00000000 00:00 0                    "  \
	"      [vvar]\n"                                                       \
	"7ffff7fc6000-7ffff7fc8000 r--p 00000000 00:00 0                    "  \
	"      [vvar_vclock]\n"                                                \
	"7ffff7fc8000-7ffff7fca000 r-xp 00000000 00:00 0                    "  \
	"      [vdso]\n"                                                       \
	"7ffff7fca000-7ffff7fcb000 r--p 00000000 fe:00 332383               "  \
	"      " LDSO "\n"                                                     \
	"7ffff7fcb000-7ffff7ff1000 r-xp 00001000 fe:00 332383               "  \
	"      " LDSO "\n"                                                     \
	"7ffff7ff1000-7ffff7ffb000 r--p 00027000 fe:00 332383               "  \
	"      " LDSO "\n"                                                     \
	"7ffff7ffb000-7ffff7fff000 rw-p 00031000 fe:00 332383               "  \
	"      " LDSO "\n"
#define MAPS_STACK_GATE                                                        \
	"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                    "  \
	"      [stack]\n"                                                      \
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0            "  \
	"      [vsyscall]\n"
#define MAPS_VDSO_TOP                                                          \
	"7ffff7ff7000-7ffff7ffb000 r--p 00000000 00:00 0                    "  \
	"      [vvar]\n"                                                       \
	"7ffff7ffb000-7ffff7ffd000 r--p 00000000 00:00 0                    "  \
	"      [vvar_vclock]\n"                                                \
	"7ffff7ffd000-7ffff7fff000 r-xp 00000000 00:00 0                    "  \
	"      [vdso]\n"

/* ---- the layout ---- */

/*
 * A PIE with an interpreter (load_elf_binary(), elf_load()): the PIE
 * at ELF_ET_DYN_BASE 0x555555554aaa page-aligned down, its bss
 * past the last file page anonymous; ld.so ending at mmap_base; the
 * 32 KiB vdso block just below ld.so; 132 KiB of stack.
 *   setarch -R env -i ./atexec ./t_pie
 */
static void test_exec_pie__maps_of_setarch_run(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = exec_pie(m);

	(void)state;
	expect_maps(mm,
		    "555555554000-555555555000 r--p 00000000 fe:00 10952978 "
		    "                  /tmp/execlayout/t_pie\n"
		    "555555555000-555555556000 r-xp 00001000 fe:00 10952978 "
		    "                  /tmp/execlayout/t_pie\n"
		    "555555556000-555555557000 r--p 00002000 fe:00 10952978 "
		    "                  /tmp/execlayout/t_pie\n"
		    "555555557000-555555559000 rw-p 00002000 fe:00 10952978 "
		    "                  /tmp/execlayout/t_pie\n"
		    "555555559000-55555555c000 rw-p 00000000 00:00 0 "
		    "\n" MAPS_LDSO_8M MAPS_STACK_GATE);
	assert_int_equal(mr_mm_map_count(mm), 13);
	assert_int_equal(mr_mm_mmap_base(mm), MMAP_BASE);
	/* start_brk is the end of the bss, as without ASLR (measured:
	 * /proc/PID/stat field 47 is 55555555c000), until a brk call
	 * shows otherwise */
	assert_true(mr_mm_brk_known(mm));
	assert_int_equal(mr_mm_start_brk(mm), 0x55555555c000ull);
	assert_int_equal(mr_mm_brk(mm), 0x55555555c000ull);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * The VmFlags smaps shows for the same run, and the anon_vmas: only the
 * VMAs with Anonymous pages at exec have one (the stack's strings and
 * the two partial pages padzero() cleared).
 *   rd mr mw me       file R          rd ex mr mw me     file R E
 *   rd wr mr mw me ac file RW, bss    rd wr mr mw me gd ac  [stack]
 *   rd mr pf io de dd [vvar]          rd ex mr mw me de  [vdso]
 */
static void test_exec_pie__flags_and_anon_vmas_of_smaps(void **state)
{
	static const struct {
		uint64_t start, flags;
		int anon;
	} e[] = {
		{0x555555554000, F_R, 0},     {0x555555555000, F_RX, 0},
		{0x555555556000, F_R, 0},     {0x555555557000, F_RW, 1},
		{0x555555559000, F_RW, 0},    {0x7ffff7fc2000, F_VVAR, 0},
		{0x7ffff7fc6000, F_VVAR, 0},  {0x7ffff7fc8000, F_VDSO, 0},
		{0x7ffff7fca000, F_R, 0},     {0x7ffff7fcb000, F_RX, 0},
		{0x7ffff7ff1000, F_R, 0},     {0x7ffff7ffb000, F_RW, 1},
		{0x7ffffffde000, F_STACK, 1},
	};
	mr_machine *m = new_machine();
	mr_mm *mm = exec_pie(m);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		expect_flags(mm, e[i].start, e[i].flags);
		assert_int_equal(mr_mm_find(mm, e[i].start)->anon_vma != 0,
				 e[i].anon);
	}
	mr_machine_free(m);
}

/*
 * What the model guesses is marked inferred: the stack, the PIE, ld.so
 * and the vdso block. An ET_EXEC's segments are at their p_vaddr and
 * are not a guess.
 */
static void test_exec_inferred__only_guessed_places(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = exec_pie(m), *sm;
	mr_exec_image st;

	(void)state;
	expect_inferred(mm, 0, TASK, 1);
	sm = mr_machine_exec(m, 1);
	st = static_image(m);
	assert_int_equal(mr_mm_exec_elf(sm, &st, NULL, 16, 0), 0);
	expect_inferred(sm, 0x400000, 0x4af000, 0);
	expect_inferred(sm, 0x7ffff7ff7000, TASK, 1);
	mr_machine_free(m);
}

/*
 * p_align 2 MiB (maximum_alignment()): the load bias is ELF_ET_DYN_BASE
 * aligned down to 2 MiB even without randomisation, 0x555555400000; the
 * holes between the segments stay unmapped.
 *   setarch -R env -i ./atexec ./t_pie2m
 */
static void test_exec_pie__bias_aligned_to_p_align(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = fresh_mm(m);
	mr_exec_image exe =
		image(mr_machine_file(m, "/tmp/execlayout/t_pie2m", 0xfe, 0,
				      10953072),
		      1, 0x200000, pie2m_seg, NSEG(pie2m_seg), 0x7ffe00, 0x200);
	mr_exec_image ld = ldso_image(m);

	(void)state;
	/* "./t_pie2m" twice */
	assert_int_equal(mr_mm_exec_elf(mm, &exe, &ld, 20, 0), 0);
	expect_maps(mm,
		    "555555400000-555555401000 r--p 00000000 fe:00 10953072 "
		    "                  /tmp/execlayout/t_pie2m\n"
		    "555555600000-555555601000 r-xp 00200000 fe:00 10953072 "
		    "                  /tmp/execlayout/t_pie2m\n"
		    "555555800000-555555801000 r--p 00400000 fe:00 10953072 "
		    "                  /tmp/execlayout/t_pie2m\n"
		    "555555bff000-555555c01000 rw-p 005ff000 fe:00 10953072 "
		    "                  /tmp/execlayout/t_pie2m\n"
		    "555555c01000-555555c04000 rw-p 00000000 00:00 0 "
		    "\n" MAPS_LDSO_8M MAPS_STACK_GATE);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * ET_EXEC (load bias 0): every segment at its p_vaddr; the whole
 * pages of memsz past the file are an anonymous VMA, rw-p even for the
 * R-only segment; a p_filesz 0 segment is anonymous only; no
 * interpreter, so the vdso block ends at mmap_base.
 *   setarch -R env -i ./atexec ./t_seg_exec
 *
 *   0x400000 r-x file | 0x401000 r-- file | 0x402000 rw- bss (R seg)
 *   0x404000 rw- file | 0x405000 rw- bss  | 0x800000 rw- filesz 0
 */
static void test_exec_exec__fixed_with_rw_bss_for_r_segment(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = fresh_mm(m);
	mr_exec_image exe =
		image(mr_machine_file(m, "/tmp/execlayout/t_seg_exec", 0xfe, 0,
				      10952729),
		      0, 0x1000, segexec_seg, NSEG(segexec_seg), 0, 0);

	(void)state;
	/* "./t_seg_exec" twice */
	assert_int_equal(mr_mm_exec_elf(mm, &exe, NULL, 26, 0), 0);
	expect_maps(mm,
		    "00400000-00401000 r-xp 00000000 fe:00 10952729         "
		    "                  /tmp/execlayout/t_seg_exec\n"
		    "00401000-00402000 r--p 00001000 fe:00 10952729         "
		    "                  /tmp/execlayout/t_seg_exec\n"
		    "00402000-00404000 rw-p 00000000 00:00 0 \n"
		    "00404000-00405000 rw-p 00001000 fe:00 10952729         "
		    "                  /tmp/execlayout/t_seg_exec\n"
		    "00405000-00406000 rw-p 00000000 00:00 0 \n"
		    "00800000-00804000 rw-p 00000000 00:00 0 \n" MAPS_VDSO_TOP
			    MAPS_STACK_GATE);
	/* smaps: rd wr mr mw me ac, and pgoff is the address's page */
	expect_vmas(mm, 0x402000, 0x404000,
		    {0x402000, 0x404000, F_RW, PGOFF(0x402000)});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * The bss of a PF_X segment is rwxp (vm_brk_flags() with VM_EXEC; smaps
 * "rd wr ex mr mw me ac"). The two R E file parts, same file with
 * contiguous offsets, are one VMA.
 *   t_segx: t_seg_exec's linker script with the second PHDR FLAGS(5);
 *   setarch -R env -i ./atexec ./t_segx
 */
static void test_exec_exec__rwx_bss_for_x_segment(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = fresh_mm(m);
	mr_exec_image exe = image(
		mr_machine_file(m, "/tmp/exec_tests/t_segx", 0xfe, 0, 10961569),
		0, 0x1000, segx_seg, NSEG(segx_seg), 0, 0);

	(void)state;
	/* "./t_segx" twice */
	assert_int_equal(mr_mm_exec_elf(mm, &exe, NULL, 18, 0), 0);
	expect_maps(mm,
		    "00400000-00402000 r-xp 00000000 fe:00 10961569         "
		    "                  /tmp/exec_tests/t_segx\n"
		    "00402000-00404000 rwxp 00000000 00:00 0 \n"
		    "00404000-00405000 rw-p 00001000 fe:00 10961569         "
		    "                  /tmp/exec_tests/t_segx\n"
		    "00405000-00406000 rw-p 00000000 00:00 0 \n"
		    "00800000-00804000 rw-p 00000000 00:00 0 \n" MAPS_VDSO_TOP
			    MAPS_STACK_GATE);
	expect_flags(mm, 0x402000, F_RWX);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * Static non-PIE (map_vdso()): nothing is placed top-down before the
 * vdso, so its block ends at mmap_base 0x7ffff7fff000.
 *   setarch -R env -i ./atexec ./t_static
 */
static void test_exec_static__vdso_ends_at_mmap_base(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = fresh_mm(m);
	mr_exec_image exe = static_image(m);

	(void)state;
	/* "./t_static" twice */
	assert_int_equal(mr_mm_exec_elf(mm, &exe, NULL, 22, 0), 0);
	expect_maps(mm,
		    "00400000-00401000 r--p 00000000 fe:00 10953070         "
		    "                  /tmp/execlayout/t_static\n"
		    "00401000-00479000 r-xp 00001000 fe:00 10953070         "
		    "                  /tmp/execlayout/t_static\n"
		    "00479000-004a0000 r--p 00079000 fe:00 10953070         "
		    "                  /tmp/execlayout/t_static\n"
		    "004a0000-004a7000 rw-p 000a0000 fe:00 10953070         "
		    "                  /tmp/execlayout/t_static\n"
		    "004a7000-004af000 rw-p 00000000 00:00 0 \n" MAPS_VDSO_TOP
			    MAPS_STACK_GATE);
	assert_int_equal(mr_mm_mmap_base(mm), MMAP_BASE);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * Static-pie (ET_DYN without PT_INTERP): the image is placed
 * top-down and ends at mmap_base; the vdso block goes just below it.
 *   setarch -R env -i ./atexec ./t_spie
 */
static void test_exec_static_pie__image_ends_at_mmap_base(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = fresh_mm(m);
	mr_exec_image exe = image(
		mr_machine_file(m, "/tmp/execlayout/t_spie", 0xfe, 0, 10953071),
		1, 0x1000, spie_seg, NSEG(spie_seg), 0xac518, 0x3ae8);

	(void)state;
	/* "./t_spie" twice */
	assert_int_equal(mr_mm_exec_elf(mm, &exe, NULL, 18, 0), 0);
	expect_maps(mm,
		    "7ffff7f3c000-7ffff7f40000 r--p 00000000 00:00 0        "
		    "                  [vvar]\n"
		    "7ffff7f40000-7ffff7f42000 r--p 00000000 00:00 0        "
		    "                  [vvar_vclock]\n"
		    "7ffff7f42000-7ffff7f44000 r-xp 00000000 00:00 0        "
		    "                  [vdso]\n"
		    "7ffff7f44000-7ffff7f4d000 r--p 00000000 fe:00 10953071 "
		    "                  /tmp/execlayout/t_spie\n"
		    "7ffff7f4d000-7ffff7fc6000 r-xp 00009000 fe:00 10953071 "
		    "                  /tmp/execlayout/t_spie\n"
		    "7ffff7fc6000-7ffff7ff0000 r--p 00082000 fe:00 10953071 "
		    "                  /tmp/execlayout/t_spie\n"
		    "7ffff7ff0000-7ffff7ff7000 rw-p 000ab000 fe:00 10953071 "
		    "                  /tmp/execlayout/t_spie\n"
		    "7ffff7ff7000-7ffff7fff000 rw-p 00000000 00:00 0 "
		    "\n" MAPS_STACK_GATE);
	/* the image is in the mmap area: a guess like ld.so */
	expect_inferred(mm, 0x7ffff7f3c000, TASK, 1);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * Static-pie with p_align 2 MiB: placed top-down, then aligned down to
 * 2 MiB (mapped, unmapped and mapped again there); the 0x1f4000 left
 * under mmap_base takes the vdso block, which ends at mmap_base.
 *   setarch -R env -i ./atexec ./t_spie2m
 */
static void test_exec_static_pie__p_align_2m_aligned_down(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = fresh_mm(m);
	mr_exec_image exe = image(mr_machine_file(m, "/tmp/execlayout/t_spie2m",
						  0xfe, 0, 10953076),
				  1, 0x200000, spie2m_seg, NSEG(spie2m_seg),
				  0x7fc518, 0x3ae8);

	(void)state;
	/* "./t_spie2m" twice */
	assert_int_equal(mr_mm_exec_elf(mm, &exe, NULL, 22, 0), 0);
	expect_maps(mm,
		    "7ffff7600000-7ffff7609000 r--p 00000000 fe:00 10953076 "
		    "                  /tmp/execlayout/t_spie2m\n"
		    "7ffff7800000-7ffff7879000 r-xp 00200000 fe:00 10953076 "
		    "                  /tmp/execlayout/t_spie2m\n"
		    "7ffff7a00000-7ffff7a2a000 r--p 00400000 fe:00 10953076 "
		    "                  /tmp/execlayout/t_spie2m\n"
		    "7ffff7dfc000-7ffff7e03000 rw-p 005fc000 fe:00 10953076 "
		    "                  /tmp/execlayout/t_spie2m\n"
		    "7ffff7e03000-7ffff7e0b000 rw-p 00000000 00:00 0 "
		    "\n" MAPS_VDSO_TOP MAPS_STACK_GATE);
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- the stack (setup_arg_pages()) ---- */

/* The [stack] VMA of MM. */
static const mr_vma *stack_of(const mr_mm *mm)
{
	const mr_vma *v = mr_mm_find(mm, TASK - PG);

	assert_non_null(v);
	assert_int_equal(v->kind, MR_VMA_STACK);
	assert_int_equal(v->end, TASK);
	return v;
}

/* t_static built in a fresh mm of a machine with RLIM, STRINGS bytes. */
static mr_machine *exec_static(uint64_t rlim, uint64_t strings, mr_mm **out)
{
	mr_machine *m = machine_rlimit(rlim, NULL);
	mr_exec_image exe = static_image(m);

	*out = fresh_mm(m);
	assert_int_equal(mr_mm_exec_elf(*out, &exe, NULL, strings, 0), 0);
	return m;
}

/*
 * The stack is the pages holding the strings plus 128 KiB. The 8 bytes
 * under the top are unused, so 4088 bytes of strings fill one page
 * (arg_start 0x7fffffffe000) and 4089 need two:
 *   setarch -R env -i B=<4063 a> ./atexec ./t_static -> 7ffffffde000
 *   setarch -R env -i B=<4064 a> ./atexec ./t_static -> 7ffffffdd000
 */
static void test_exec_stack__strings_crossing_page_give_136k(void **state)
{
	mr_mm *mm;
	mr_machine *m;

	(void)state;
	m = exec_static(8 * MB, 4088, &mm);
	assert_int_equal(stack_of(mm)->start, 0x7ffffffde000);
	mr_machine_free(m);
	m = exec_static(8 * MB, 4089, &mm);
	assert_int_equal(stack_of(mm)->start, 0x7ffffffdd000);
	assert_int_equal(TASK - stack_of(mm)->start, 136 << 10);
	expect_flags(mm, 0x7ffffffdd000, F_STACK);
	mr_machine_free(m);
}

/*
 * A small RLIMIT_STACK caps the stack, taken page-aligned down:
 *   ulimit -s 132, 4089 bytes of strings: 132 KiB, not 136;
 *   ulimit -s 133: 133 KiB & PAGE_MASK = 132 KiB;
 *   ulimit -s 64: 64 KiB (measured with t_pie, 16 bytes).
 * mmap_base does not follow below 128 MiB: still 0x7ffff7fff000.
 */
static void test_exec_stack__rlimit_caps(void **state)
{
	mr_mm *mm;
	mr_machine *m;

	(void)state;
	m = exec_static(132 << 10, 4089, &mm);
	assert_int_equal(stack_of(mm)->start, TASK - (132 << 10));
	mr_machine_free(m);
	m = exec_static(133 << 10, 4089, &mm);
	assert_int_equal(stack_of(mm)->start, TASK - (132 << 10));
	mr_machine_free(m);
	m = exec_static(64 << 10, STR_PIE, &mm);
	assert_int_equal(stack_of(mm)->start, 0x7ffffffef000);
	assert_int_equal(mr_mm_mmap_base(mm), MMAP_BASE);
	mr_machine_free(m);
}

/*
 * PT_GNU_STACK with PF_X: the stack is rwxp, nothing else changes.
 *   setarch -R env -i ./atexec ./t_execstack
 */
static void test_exec_stack__exec_stack_is_rwx(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = fresh_mm(m);
	mr_exec_image exe = pie_image(m), ld = ldso_image(m);

	(void)state;
	assert_int_equal(mr_mm_exec_elf(mm, &exe, &ld, STR_PIE, 1), 0);
	expect_flags(mm, 0x7ffffffde000, F_RWX | MR_VM_GROWSDOWN);
	mr_machine_free(m);
}

/* ---- mmap_base (arch/x86/mm/mmap.c mmap_base()) ---- */

/*
 * ulimit -s unlimited: the gap is 5/6 of TASK_SIZE, mmap_base
 * 0x155555556000 (no legacy bottom-up layout); the stack keeps 132 KiB.
 *   ulimit -s unlimited; setarch -R env -i ./atexec ./t_pie
 *   -> [vdso] 15555551f000-155555521000
 */
static void test_exec_mmap_base__rlimit_unlimited(void **state)
{
	mr_machine *m = machine_rlimit(0, NULL);
	mr_mm *mm = exec_pie(m);

	(void)state;
	assert_int_equal(mr_mm_mmap_base(mm), 0x155555556000);
	expect_vdso_block(mm, 0x155555519000ull);
	expect_ldso(mm, 0x155555521000ull);
	assert_int_equal(stack_of(mm)->start, 0x7ffffffde000);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * ulimit -s 262144: gap 256 MiB + 1 MiB, mmap_base 0x7fffefeff000.
 *   ulimit -s 262144; setarch -R env -i ./atexec ./t_pie
 *   -> [vdso] 7fffefec8000-7fffefeca000
 */
static void test_exec_mmap_base__rlimit_256m(void **state)
{
	mr_machine *m = machine_rlimit(256 * MB, NULL);
	mr_mm *mm = exec_pie(m);

	(void)state;
	assert_int_equal(mr_mm_mmap_base(mm), 0x7fffefeff000);
	expect_vdso_block(mm, 0x7fffefec2000ull);
	expect_ldso(mm, 0x7fffefeca000ull);
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- pinning the guesses ---- */

#define RW (PROT_READ | PROT_WRITE)
#define PA (MAP_PRIVATE | MAP_ANONYMOUS)
#define FIRST_MMAP 0x7ffff7fc0000ull /* 8 KiB just below [vvar] */
#define D_PIN 0x10000000ull
#define REC_PIN (FIRST_MMAP - D_PIN)

/*
 * ld.so's first mmap(NULL, 8192) lands just below [vvar]; with ASLR
 * mmap_base, ld.so and the vdso block move together (ld.so and the
 * vdso are the first two top-down placements below mmap_base).
 * A result 0x10000000 lower than predicted moves all three by that
 * much; the call returns MR_PRED_NONE; the moved VMAs are no longer a
 * guess; later mmap(NULL)s follow the new place.
 */
static void test_exec_pin_mmap__lower_address_moves_ldso_vdso_base(void **state)
{
	const uint64_t d = D_PIN, rec = REC_PIN;
	struct mirror j;
	mr_machine *m = new_machine_cfg(NULL, &j);
	mr_mm *mm = exec_pie(m);
	uint32_t ld = ldso_image(m).file;

	(void)state;
	assert_int_equal(mr_mm_mmap(mm, 0, 8192, RW, PA, NULL, 0, (int64_t)rec),
			 MR_PRED_NONE);
	assert_int_equal(mr_mm_mmap_base(mm), MMAP_BASE - d);
	/* the 8 KiB, the vdso block and ld.so, 0x10000000 lower */
	expect_vmas(mm, REC_PIN, REC_PIN + 0x2000,
		    {REC_PIN, REC_PIN + 0x2000, F_RW, PGOFF(REC_PIN)});
	expect_vdso_block(mm, 0x7fffe7fc2000ull);
	expect_ldso(mm, 0x7fffe7fca000ull);
	/* nothing left at the guessed places, the stack stays */
	expect_no_vmas(mm, 0x7fffe7fff000, 0x7ffffffde000);
	expect_vma(mm, 0x7ffffffde000, TASK, F_STACK, MR_VMA_STACK);
	assert_int_equal(mr_mm_find(mm, 0x7fffe7fca000)->file, ld);
	expect_inferred(mm, 0x7fffe7fc2000, 0x7fffe7fff000, 0);
	/* the PIE and the stack are still guesses */
	expect_inferred(mm, 0x555555554000, 0x55555555c000, 1);
	expect_inferred(mm, 0x7ffffffde000, TASK, 1);
	/* the next mmap(NULL) goes just below the first */
	assert_int_equal(mmap_anon(mm, 0, 0x3000, RW, MAP_PRIVATE),
			 rec - 0x3000);
	/* pinned: another surprise is applied, nothing more moves */
	assert_int_equal(
		mr_mm_mmap(mm, 0, 0x1000, RW, PA, NULL, 0, 0x7f0000000000),
		rec - 0x4000);
	assert_int_equal(mr_mm_mmap_base(mm), MMAP_BASE - d);
	assert_int_equal(mr_mm_find(mm, 0x7fffe7fca000)->start, 0x7fffe7fca000);
	assert_non_null(mr_mm_find(mm, 0x7f0000000000));
	assert_int_equal(j.bad, 0);
	assert_int_equal(j.vmas, (long)mr_mm_map_count(mm));
	expect_invariants(m);
	mirror_free(&j);
	mr_machine_free(m);
}

/*
 * Only an mmap without an address shows mmap_base: a MAP_FIXED one
 * before it is applied where it asks and moves nothing.
 */
static void test_exec_pin_mmap__fixed_mmap_moves_nothing(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = exec_pie(m);

	(void)state;
	assert_int_equal(mmap_fixed(mm, W, 0x2000, RW), W);
	assert_int_equal(mr_mm_mmap_base(mm), MMAP_BASE);
	expect_ldso(mm, 0x7ffff7fca000ull);
	expect_inferred(mm, 0x7ffff7fc2000, MMAP_BASE, 1);
	/* the first mmap(NULL) still pins */
	assert_int_equal(
		mr_mm_mmap(mm, 0, 8192, RW, PA, NULL, 0, (int64_t)REC_PIN),
		MR_PRED_NONE);
	expect_ldso(mm, 0x7fffe7fca000ull);
	mr_machine_free(m);
}

/* The first mmap(NULL) where predicted confirms the guess, moves nothing. */
static void test_exec_pin_mmap__equal_address_confirms(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = exec_pie(m);

	(void)state;
	assert_int_equal(
		mr_mm_mmap(mm, 0, 8192, RW, PA, NULL, 0, (int64_t)FIRST_MMAP),
		FIRST_MMAP);
	assert_int_equal(mr_mm_mmap_base(mm), MMAP_BASE);
	expect_vmas(mm, FIRST_MMAP, 0x7ffff7fc2000,
		    {FIRST_MMAP, FIRST_MMAP + 0x2000, F_RW, PGOFF(FIRST_MMAP)});
	assert_int_equal(mr_mm_find(mm, 0x7ffff7fca000)->start, 0x7ffff7fca000);
	expect_inferred(mm, 0x7ffff7fc2000, MMAP_BASE, 0);
	expect_inferred(mm, 0x555555554000, 0x55555555c000, 1);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * start_brk is guessed as without ASLR: a first brk(NULL) that returns
 * it is predicted; one that returns another break (ASLR: the end of the
 * bss plus a page plus up to 1 GiB) is taken as start_brk and not
 * counted as predicted; later calls are predicted from it.
 */
static void test_exec_brk__guess_confirmed_or_taken(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = exec_pie(m);

	(void)state;
	assert_int_equal(mr_mm_brk_call(mm, 0, 0x55555555c000), 0x55555555c000);
	assert_int_equal(mr_mm_brk_call(mm, 0x55555557d000, 0x55555557d000),
			 0x55555557d000);
	mr_machine_free(m);

	m = new_machine();
	mm = exec_pie(m);
	assert_int_equal(mr_mm_brk_call(mm, 0, 0x555556a3e000), MR_PRED_NONE);
	assert_int_equal(mr_mm_start_brk(mm), 0x555556a3e000ull);
	assert_int_equal(mr_mm_brk_call(mm, 0x555556a5f000, 0x555556a5f000),
			 0x555556a5f000);
	expect_vmas(mm, 0x555556a3e000, 0x555556a5f000,
		    {0x555556a3e000, 0x555556a5f000, F_RW | MR_VM_ACCOUNT,
		     PGOFF(0x555556a3e000)});
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * ld.so's mprotect(X, 4096, PROT_READ) of t_pie's RELRO (p_vaddr 0x3e00,
 * memsz 0x200: the page 0x3000, one page) at a place the model has
 * nothing at gives the load bias X - 0x3000. The PIE moves
 * there with its bss, the mprotect is applied, MR_PRED_NONE is
 * returned. X from an ASLR run of t_pie, whose maps at exec were
 *   55bea6ef8000-55bea6ef9000 r--p 00000000 ... t_pie
 *   ...
 *   55bea6efb000-55bea6efd000 rw-p 00002000 ... t_pie
 *   55bea6efd000-55bea6f00000 rw-p 00000000 00:00 0
 */
#define B_ASLR 0x55bea6ef8000ull /* t_pie's load bias in an ASLR run */
static void test_exec_pin_relro__shifted_address_moves_pie(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = exec_pie(m);
	uint32_t exe = pie_image(m).file;

	(void)state;
	assert_int_equal(
		mr_mm_mprotect(mm, B_ASLR + 0x3000, 4096, PROT_READ, 0),
		MR_PRED_NONE);
	expect_no_vmas(mm, 0x555555554000, 0x55555555c000);
	expect_vmas(mm, 0x500000000000, 0x600000000000,
		    {B_ASLR, B_ASLR + 0x1000, F_R, 0},
		    {B_ASLR + 0x1000, B_ASLR + 0x2000, F_RX, 1},
		    {B_ASLR + 0x2000, B_ASLR + 0x3000, F_R, 2},
		    {B_ASLR + 0x3000, B_ASLR + 0x4000, F_R | MR_VM_ACCOUNT, 2},
		    {B_ASLR + 0x4000, B_ASLR + 0x5000, F_RW, 3},
		    {B_ASLR + 0x5000, B_ASLR + 0x8000, F_RW,
		     PGOFF(B_ASLR + 0x5000)});
	assert_int_equal(mr_mm_find(mm, B_ASLR)->file, exe);
	assert_int_equal(mr_mm_find(mm, B_ASLR + 0x5000)->file, 0);
	expect_inferred(mm, B_ASLR, B_ASLR + 0x8000, 0);
	/* ld.so and the vdso are still guesses */
	expect_inferred(mm, 0x7ffff7fc2000, MMAP_BASE, 1);
	expect_invariants(m);
	mr_machine_free(m);
}

/*
 * Other PROT_READ mprotects move nothing: ld.so's own RELRO (8 KiB at
 * 0x31000 of ld.so) and one of the RELRO's length at an address the
 * model maps. The first is an ordinary mprotect (returns 0).
 */
static void test_exec_pin_relro__other_mprotect_moves_nothing(void **state)
{
	mr_machine *m = new_machine();
	mr_mm *mm = exec_pie(m);

	(void)state;
	assert_int_equal(
		mr_mm_mprotect(mm, 0x7ffff7ffb000, 0x2000, PROT_READ, 0), 0);
	expect_flags(mm, 0x7ffff7ffb000, F_R | MR_VM_ACCOUNT);
	assert_int_equal(
		mr_mm_mprotect(mm, 0x7ffff7fcb000, 0x1000, PROT_READ, 0), 0);
	expect_vmas(
		mm, 0x555555554000, 0x55555555c000,
		{0x555555554000, 0x555555555000, F_R, 0},
		{0x555555555000, 0x555555556000, F_RX, 1},
		{0x555555556000, 0x555555557000, F_R, 2},
		{0x555555557000, 0x555555559000, F_RW, 2},
		{0x555555559000, 0x55555555c000, F_RW, PGOFF(0x555555559000)});
	expect_inferred(mm, 0x555555554000, 0x55555555c000, 1);
	expect_invariants(m);
	mr_machine_free(m);
}

/* ---- failure ---- */

/*
 * A segment past TASK_SIZE: -1, and the mm is left empty and unknown
 * (the stack and the first segment mapped before are gone, the journal
 * saw each removed).
 */
static void test_exec_fail__beyond_task_size_leaves_mm_empty(void **state)
{
	static const mr_exec_seg seg[] = {
		{0x400000, 0x0, 0x1000, 0x1000, R_ | X_},
		{TASK, 0x1000, 0x1000, 0x1000, R_},
	};
	struct mirror j;
	mr_machine *m = new_machine_cfg(NULL, &j);
	mr_mm *mm = fresh_mm(m);
	mr_exec_image exe = image(mr_machine_file(m, "/x", 0, 0, 0), 0, 0x1000,
				  seg, NSEG(seg), 0, 0);

	(void)state;
	assert_int_equal(mr_mm_exec_elf(mm, &exe, NULL, 16, 0), -1);
	assert_false(mr_mm_known(mm));
	assert_null(mr_mm_first(mm));
	assert_int_equal(mr_mm_map_count(mm), 0);
	assert_int_equal(j.vmas, 0);
	assert_int_equal(j.bad, 0);
	/* the same mm can still be built */
	exe.nseg = 1;
	assert_int_equal(mr_mm_exec_elf(mm, &exe, NULL, 16, 0), 0);
	assert_true(mr_mm_known(mm));
	mirror_free(&j);
	mr_machine_free(m);
}

/*
 * Only a new, unknown mm is built: a known one (seeded from a snapshot)
 * is refused and left as it was.
 */
static void test_exec_fail__known_mm_is_refused(void **state)
{
	static const struct seed sd[] = {ANON(P(0), P(2), F_RW)};
	mr_machine *m = new_machine();
	mr_mm *mm = seeded(m, 1, sd, 1, 0, 0);
	mr_exec_image exe = static_image(m);

	(void)state;
	assert_int_equal(mr_mm_exec_elf(mm, &exe, NULL, 16, 0), -1);
	assert_true(mr_mm_known(mm));
	expect_vmas(mm, 0, UINT64_MAX, {P(0), P(2), F_RW, PGOFF(P(0))});
	mr_machine_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_pie__maps_of_setarch_run),
		cmocka_unit_test(test_exec_pie__flags_and_anon_vmas_of_smaps),
		cmocka_unit_test(test_exec_inferred__only_guessed_places),
		cmocka_unit_test(test_exec_pie__bias_aligned_to_p_align),
		cmocka_unit_test(
			test_exec_exec__fixed_with_rw_bss_for_r_segment),
		cmocka_unit_test(test_exec_exec__rwx_bss_for_x_segment),
		cmocka_unit_test(test_exec_static__vdso_ends_at_mmap_base),
		cmocka_unit_test(test_exec_static_pie__image_ends_at_mmap_base),
		cmocka_unit_test(test_exec_static_pie__p_align_2m_aligned_down),
		cmocka_unit_test(
			test_exec_stack__strings_crossing_page_give_136k),
		cmocka_unit_test(test_exec_stack__rlimit_caps),
		cmocka_unit_test(test_exec_stack__exec_stack_is_rwx),
		cmocka_unit_test(test_exec_mmap_base__rlimit_unlimited),
		cmocka_unit_test(test_exec_mmap_base__rlimit_256m),
		cmocka_unit_test(
			test_exec_pin_mmap__lower_address_moves_ldso_vdso_base),
		cmocka_unit_test(test_exec_pin_mmap__fixed_mmap_moves_nothing),
		cmocka_unit_test(test_exec_pin_mmap__equal_address_confirms),
		cmocka_unit_test(test_exec_brk__guess_confirmed_or_taken),
		cmocka_unit_test(
			test_exec_pin_relro__shifted_address_moves_pie),
		cmocka_unit_test(
			test_exec_pin_relro__other_mprotect_moves_nothing),
		cmocka_unit_test(
			test_exec_fail__beyond_task_size_leaves_mm_empty),
		cmocka_unit_test(test_exec_fail__known_mm_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
