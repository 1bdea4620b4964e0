/*
 * reader.h - streaming trace readers.
 *
 * mr_reader_open() sniffs the file: zstd frames (magic 28 b5 2f fd) are
 * decompressed on the fly; the text inside is read as strace output
 * (`strace -f -o FILE` with -t/-tt/-ttt/-r, -T, -y/-yy, -X raw/verbose,
 * -n, -i). The reader never holds the whole file: memory is bounded by
 * the longest line and the number of calls left unfinished at once.
 *
 * Lines mmreplay cannot use but that are not errors are skipped and
 * counted as warnings (documented in docs/formats.md): a resumed half with
 * no unfinished start, strace notices, "<detached ...>".
 */
#ifndef MR_FORMATS_READER_H
#define MR_FORMATS_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "formats/event.h"

typedef struct mr_reader mr_reader;

/*
 * Line LINE (from 1) of the text file PATH (plain or zstd) into BUF
 * (LEN bytes, NUL-terminated, cut short if longer): 0, or -1 when the
 * file cannot be read or is shorter.
 */
int mr_trace_line(const char *path, uint64_t line, char *buf, size_t len);

/*
 * Every line of the text file PATH (plain or zstd) into *OUT (*NOUT
 * lines, without their newlines; free with mr_trace_lines_free): 0, or
 * MR_EIO / MR_ENOMEM with a message naming the file in ERRBUF.
 */
int mr_trace_lines(const char *path, char ***out, size_t *nout, char *errbuf,
		   size_t errlen);
void mr_trace_lines_free(char **lines, size_t n);

/* Called once per skipped line with a message naming file:line:col. */
typedef void (*mr_reader_warn_fn)(void *ctx, const char *msg);

/*
 * Open PATH for reading. On success *out owns the reader (free with
 * mr_reader_free). On failure returns MR_EIO, MR_ECORRUPT or MR_ENOMEM,
 * *out is NULL and, when errbuf is not NULL, a message naming the file is
 * written there.
 *
 * PATH may also name `strace -ff -o NAME` output: a directory holding
 * NAME.TID files (of one NAME), or NAME itself when no file has that name
 * but NAME.TID files exist. They are read as one trace, merged by the
 * time each call ended (see strace_ff.c).
 */
int mr_reader_open(mr_reader **out, const char *path, char *errbuf,
		   size_t errlen);

/* The format of a trace, when its content should not decide it. */
enum mr_format {
	MR_FMT_AUTO = 0,  /* by content: .mmtr magic, -ff files, else text */
	MR_FMT_STRACE,	  /* strace text (-o or stderr), plain or zstd */
	MR_FMT_STRACE_FF, /* strace -ff files: a directory or NAME */
	MR_FMT_MMTR,	  /* mmreplay's own format (also from a FIFO) */
	MR_FMT_PERF_TRACE, /* `perf trace` text (perf_trace.c) */
};

/* "auto", "strace", "strace-ff", "mmtr", "perf-trace": 0 and *FMT, or
 * -1. */
int mr_format_parse(const char *s, int *fmt);

/* mr_reader_open() with the format given (enum mr_format). */
int mr_reader_open_fmt(mr_reader **out, const char *path, int fmt, char *errbuf,
		       size_t errlen);

/* Several files: one is mr_reader_open(); more are strace -ff files
 * (each NAME.TID or NAME.TID.zst), merged. */
int mr_reader_open_files(mr_reader **out, const char *const *paths, size_t n,
			 char *errbuf, size_t errlen);

/* Install a warning callback (default: warnings are only counted). */
void mr_reader_set_warn(mr_reader *rd, mr_reader_warn_fn fn, void *ctx);

/*
 * Read the next event into *ev. Returns 1 when an event was produced, 0 at
 * the end of the input, MR_ECORRUPT on malformed input (mr_reader_errmsg
 * names file, line and column and what was expected), MR_EIO or
 * MR_ENOMEM. After an error the reader must not be used again except to
 * free it. Calls left unfinished at the end of the input are dropped with
 * a warning each.
 */
int mr_reader_next(mr_reader *rd, mr_event *ev);

/*
 * Lenient reading (replay --lenient): a malformed line is skipped,
 * counted by what was expected, and the first MR_READER_FIRST messages
 * kept, instead of failing. mr_reader_malformed_report() prints the
 * count, the kinds (at most MR_READER_KINDS) and those messages.
 */
#define MR_READER_KINDS 16
#define MR_READER_FIRST 5
void mr_reader_set_lenient(mr_reader *rd, int on);
uint64_t mr_reader_malformed(const mr_reader *rd);
void mr_reader_malformed_report(const mr_reader *rd, FILE *out);

const char *mr_reader_errmsg(const mr_reader *rd);
uint64_t mr_reader_warnings(const mr_reader *rd);
uint64_t mr_reader_lines(const mr_reader *rd);	  /* lines read so far */
uint64_t mr_reader_bytes_in(const mr_reader *rd); /* compressed bytes read */
const char *mr_reader_path(const mr_reader *rd);

void mr_reader_free(mr_reader *rd);

/* Name of an mr_sysno ("mmap"), for messages. */
const char *mr_sysno_name(int sys);

/* The name strace prints for errno E ("ENOMEM"), or NULL if unknown. */
const char *mr_errno_name(int e);

#endif
