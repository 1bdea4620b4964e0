/*
 * formats_int.h - private to formats/: the line source (zio.c), the
 * symbol tables (strace_sym.c) and the argument decoders (strace_args.c)
 * that strace.c builds events with.
 */
#ifndef MR_FORMATS_INT_H
#define MR_FORMATS_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "formats/event.h"

/* ---- zio.c: streaming lines from a plain or zstd-compressed file ---- */

#define MR_ZIO_MAX_LINE ((size_t)256 << 20) /* longest accepted line */

typedef struct mr_zio mr_zio;

/*
 * Open PATH. Sniffs the zstd magic (28 b5 2f fd); anything else is read
 * as plain text. Returns 0, MR_EIO or MR_ENOMEM (errbuf names the file).
 */
int mr_zio_open(mr_zio **out, const char *path, char *errbuf, size_t errlen);

/*
 * What a line of this file should be, for the message given when a NUL
 * byte is found ("a strace line"). EXPECT must outlive the zio.
 */
void mr_zio_set_expect(mr_zio *z, const char *expect);

/* Lower the line length limit (tests). */
void mr_zio_set_max_line(mr_zio *z, size_t max);

/*
 * Next line, without its '\n' and NUL-terminated; the bytes stay valid and
 * writable until the next call. Returns 1, 0 at the end, MR_ECORRUPT
 * (corrupt or truncated zstd data, a NUL byte, a line over the limit),
 * MR_EIO or MR_ENOMEM; mr_zio_errmsg() says which, naming the file.
 */
int mr_zio_getline(mr_zio *z, char **line, size_t *len);

/* The last line mr_zio_getline() gave is given again by the next call
 * (once; its bytes, as the caller left them). */
void mr_zio_unget(mr_zio *z);

const char *mr_zio_errmsg(const mr_zio *z);
const char *mr_zio_path(const mr_zio *z);
uint64_t mr_zio_lineno(const mr_zio *z);   /* lines returned so far */
uint64_t mr_zio_bytes_in(const mr_zio *z); /* bytes read from the file */
int mr_zio_is_zstd(const mr_zio *z);
int mr_zio_last_had_newline(const mr_zio *z); /* last line ended in '\n' */
void mr_zio_free(mr_zio *z);

/* ---- strace_sym.c: names strace prints for constants ---- */

enum mr_ns {
	MR_NS_PROT = 1u << 0,	  /* PROT_* */
	MR_NS_MAP = 1u << 1,	  /* MAP_* */
	MR_NS_MREMAP = 1u << 2,	  /* MREMAP_* */
	MR_NS_MADV = 1u << 3,	  /* MADV_* */
	MR_NS_MCL = 1u << 4,	  /* MCL_* */
	MR_NS_MLOCK = 1u << 5,	  /* MLOCK_* */
	MR_NS_CLONE = 1u << 6,	  /* CLONE_* */
	MR_NS_SIG = 1u << 7,	  /* SIG* (also SIGRT_n) */
	MR_NS_O = 1u << 8,	  /* O_* open flags */
	MR_NS_AT = 1u << 9,	  /* AT_* flags */
	MR_NS_FD = 1u << 10,	  /* AT_FDCWD */
	MR_NS_ERRNO = 1u << 11,	  /* E* */
	MR_NS_SICODE = 1u << 12,  /* SI_*, SEGV_*, BUS_*, ... */
	MR_NS_SYSCALL = 1u << 13, /* syscall name -> enum mr_sysno */
	MR_NS_MS = 1u << 14,	  /* MS_* msync flags */
	MR_NS_IPC = 1u << 15,	  /* IPC_PRIVATE, shmget's IPC_* and SHM_* */
	MR_NS_SHM = 1u << 16,	  /* shmat's SHM_* */
	MR_NS_SHMCTL = 1u << 17,  /* shmctl commands */
	MR_NS_PR = 1u << 18,	  /* prctl's PR_SET_VMA and its sub-options */
	MR_NS_RENAME = 1u << 19,  /* renameat2's RENAME_* */
};

typedef struct mr_symtab mr_symtab;

int mr_symtab_new(mr_symtab **out);
void mr_symtab_free(mr_symtab *t);

/* Value of the name [s, s+len) in one of the namespaces NS; 0 if found. */
int mr_sym_lookup(const mr_symtab *t, const char *s, size_t len, unsigned ns,
		  int64_t *val);

/* ---- strace_pend.c: unfinished calls by pid ---- */

/* A call whose "<unfinished ...>" half was read. */
struct pend {
	int32_t pid;	     /* key: the pid column */
	int32_t target;	     /* "<pid changed to N ...>": N, else 0 */
	uint8_t used;	     /* slot holds a call */
	uint64_t first_line; /* line of the first half */
	int64_t ts_ns;	     /* its timestamp */
	char *buf;	     /* "name\0args\0"; kept when the slot empties */
	size_t cap;	     /* size of buf */
	size_t name_len;     /* strlen(name) */
	size_t args_len;     /* strlen(args) */
};

/* Open addressing on pid, linear probing, backward-shift deletion. */
struct ptab {
	struct pend *v; /* slots */
	size_t cap;	/* power of two */
	size_t n;	/* used slots */
};

/* The call pending for PID, or NULL. */
struct pend *mr_pend_find(struct ptab *t, int32_t pid);

/* Make room for one more call; may move every slot. 0 or MR_ENOMEM. */
int mr_pend_reserve(struct ptab *t);

/* A slot for PID, which must not be pending; mr_pend_reserve first. */
struct pend *mr_pend_insert(struct ptab *t, int32_t pid);

/* Empty E's slot (its buffer stays); other slots may move. */
void mr_pend_delete(struct ptab *t, struct pend *e);

/* Store "name\0args\0" in E. 0 or MR_ENOMEM. */
int mr_pend_set(struct pend *e, const char *name, size_t nlen, const char *args,
		size_t alen);

void mr_pend_release(struct ptab *t);

/* ---- strace_args.c: decoding argument text ---- */

/*
 * Where decoding stopped and why, for the caller's file:line:col message:
 * at points into the text that was being decoded.
 */
struct mr_dec_err {
	const char *at;	    /* offending byte */
	const char *expect; /* "a number", "a flag name", ... */
};

/* Output arena for strings decoded out of a line (paths, -y names). */
struct mr_arena {
	char *p;    /* storage, reserved before decoding starts */
	size_t len; /* bytes used */
	size_t cap; /* bytes reserved */
};

/*
 * Decode the arguments ARGS..END of syscall SYS into ev->arg/nargs, and
 * ev->str / ev->fd_path (copied into A). Returns 0, or MR_ECORRUPT with
 * *err filled.
 */
int mr_strace_decode_args(mr_event *ev, int sys, const char *args,
			  const char *end, const mr_symtab *t,
			  struct mr_arena *a, struct mr_dec_err *err);

/*
 * A -y decoration "<...>" starting at P (which points at '<'): its end
 * (one past the closing '>' and any "(deleted)" after it) is returned; the
 * unescaped path, without nested -yy details and with " (deleted)"
 * appended when present, is copied into A and *path set. NULL if the
 * decoration does not close before END.
 */
const char *mr_strace_decoration(const char *p, const char *end,
				 struct mr_arena *a, const char **path);

/*
 * The ')' closing the argument list in P..END (text right after "name(" or
 * "resumed>"): the last ')' outside strings, brackets, braces, comments
 * and -y decorations that is followed by spaces and "= ". NULL if none.
 */
const char *mr_strace_find_close(const char *p, const char *end);
/* The same by a scan of the whole text from its start (what
 * mr_strace_find_close() does when the line's end alone cannot tell;
 * tests compare the two). */
const char *mr_strace_find_close_scan(const char *p, const char *end);

/* Skip a quoted string at P ('"'), with a trailing "..." if any. */
const char *mr_strace_skip_string(const char *p, const char *end);

/*
 * Unescape the C-style string body P..END (\n, \\, \", octal, \x hex)
 * into A, NUL-terminated; returns its start.
 */
/* The byte an escape at *PP ('\\') stands for; *PP moves past it. */
unsigned char mr_strace_unescape_one(const char **pp, const char *end);

char *mr_strace_unescape(struct mr_arena *a, const char *p, const char *end);

/*
 * A number, NULL, constant name of namespaces NS, or a '|' / "<<"
 * expression of them, with -X verbose comments: its value in *v; returns
 * the byte after it (and after trailing spaces and comments) or NULL.
 */
const char *mr_strace_expr(const mr_symtab *t, const char *p, const char *end,
			   unsigned ns, uint64_t *v);

/* A plain number (decimal, 0x hex, 0-led octal, '-'): the byte after it. */
const char *mr_strace_number(const char *p, const char *end, uint64_t *v);

/* Signal number for a name ("SIGSEGV", "SIGRT_3", "11"); 0 if found. */
int mr_strace_signo(const mr_symtab *t, const char *s, size_t len, int *signo);

/* ---- strace.c: helpers for the -ff merge ---- */

#include "formats/reader.h"

/* ---- the text readers' small scanners ---- */

static inline int mr_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* a letter, digit or '_' */
static inline int mr_is_ident(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       mr_is_digit(c) || c == '_';
}

static inline const char *mr_skip_sp(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

/* Whether P..END begins with LIT. */
static inline int mr_starts(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

enum mr_time_form {
	MR_TIME_NONE = 0, /* the line starts with no time */
	MR_TIME_CLOCK,	  /* -t, -tt: "09:09:17.311395", since midnight */
	MR_TIME_UNIX,	  /* -ttt: "1795424957.373877" */
	MR_TIME_RELATIVE, /* -r alone: "     0.000157", since the line
			     before (unix-form numbers under 10^8 s) */
};

/* The time at the start of LINE (after a pid column, if any) into *TS:
 * its enum mr_time_form. */
int mr_strace_line_time(const char *line, int64_t *ts);

/* Lines without a pid column are PID's (an -ff file's tid). */
void mr_reader_force_pid(mr_reader *rd, int32_t pid);

/* Free the input of a reader at its end; counts and path stay. */
void mr_reader_close_input(mr_reader *rd);

/* ---- strace_ff.c: strace -ff files merged by time ---- */

struct mr_merge;

/* Merge PATHS[0..N) (each NAME.TID[.zst]); NAME names the set in
 * messages. 0, MR_EIO, MR_ECORRUPT or MR_ENOMEM with ERRBUF set. */
int mr_merge_open(struct mr_merge **out, const char *name,
		  const char *const *paths, size_t n, char *errbuf,
		  size_t errlen);

/* The files DIR/PREFIX.TID[.zst] (every NAME.TID when PREFIX is NULL,
 * which must then be one NAME). 1 when PREFIX is given and there are
 * none (nothing written to ERRBUF). */
int mr_merge_open_dir(struct mr_merge **out, const char *dir,
		      const char *prefix, char *errbuf, size_t errlen);
int mr_merge_next(struct mr_merge *m, mr_event *ev);
const char *mr_merge_errmsg(const struct mr_merge *m);
const char *mr_merge_name(const struct mr_merge *m);
void mr_merge_set_warn(struct mr_merge *m, mr_reader_warn_fn fn, void *ctx);
void mr_merge_set_lenient(struct mr_merge *m, int on);
const mr_reader *mr_merge_reader(const struct mr_merge *m, size_t i);
size_t mr_merge_files(const struct mr_merge *m);
void mr_merge_free(struct mr_merge *m);

/* ---- strace_stderr.c: what strace printed to a terminal ---- */

/* Remove ANSI CSI sequences from S in place; the new length. */
size_t mr_strip_ansi(char *s, size_t len);

/* A set of pids (sorted). */
struct mr_pidset {
	int32_t *v;
	size_t n, cap;
};
int mr_pidset_add(struct mr_pidset *s, int32_t pid); /* 0 or MR_ENOMEM */
void mr_pidset_del(struct mr_pidset *s, int32_t pid);
int mr_pidset_has(const struct mr_pidset *s, int32_t pid);
void mr_pidset_free(struct mr_pidset *s);

/* [S, END) starts "strace: Process N attached": 1 and *pid = N. */
int mr_notice_attached(const char *s, const char *end, int32_t *pid);

/* What the tracees wrote to fd 1 and 2, whole lines, latest last. */
#define MR_SAID_N 8
struct mr_said {
	struct mr_said_ent {
		char text[512];
		size_t len;
	} ent[MR_SAID_N];
	int next;
};

/* Note the data of a write/writev call to fd 1 or 2 (ARGS: its text). */
void mr_said_note(struct mr_said *r, const char *name, size_t nlen,
		  const char *args, const char *end);

/* LINE ends with a line of recent output (is one, when WHOLE): where it
 * starts, and that output line is consumed; -1 if not. */
long mr_said_tail(struct mr_said *r, const char *line, size_t len, int whole);

/* The pid of the first tracee in a `strace -f` to stderr capture, read
 * ahead from line FROM of PATH (a regular file); 0 if not found. */
int32_t mr_stderr_first_pid(const char *path, uint64_t from_line);

/* ---- native.c: reading .mmtr files through mr_reader ---- */

struct mr_native_rd;
int mr_native_open(struct mr_native_rd **out, const char *path, char *errbuf,
		   size_t errlen);
int mr_native_next(struct mr_native_rd *r, mr_event *ev);
const char *mr_native_errmsg(const struct mr_native_rd *r);
uint64_t mr_native_lines(const struct mr_native_rd *r);
uint64_t mr_native_warnings(const struct mr_native_rd *r);
uint64_t mr_native_bytes_in(const struct mr_native_rd *r);
const char *mr_native_path(const struct mr_native_rd *r);
void mr_native_close(struct mr_native_rd *r);

#endif
