/*
 * native.h - mmreplay's own trace format (.mmtr): the events a text
 * trace gives, already decoded, in zstd-compressed blocks, with the
 * capture's page-fault table. docs/native-format.md gives the byte layout.
 *
 * Writing: mr_native_write() reads any trace mr_reader_open() reads and
 * writes OUT. Reading: mr_reader_open() recognises the magic and reads
 * .mmtr files like text ones (same events, same line numbers).
 */
#ifndef MR_FORMATS_NATIVE_H
#define MR_FORMATS_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#include "formats/faults.h"
#include "formats/reader.h"

#define MR_NATIVE_MAGIC "MMTR\r\n\032\n" /* 8 bytes */
#define MR_NATIVE_VERSION 1

/* What a conversion did. */
typedef struct mr_native_stats {
	uint64_t events;   /* events written */
	uint64_t lines;	   /* lines of the source read */
	uint64_t faults;   /* faults written */
	uint64_t bytes;	   /* size of the output */
	uint64_t warnings; /* the source's warnings (skipped lines) */
} mr_native_stats;

/*
 * Write the events of the open reader RD (its source is SOURCE, kept in
 * the header for messages and reports) and the faults F (may be NULL) to
 * the file OUT, which must not exist (it is created, never through a
 * link, and synced to disk). 0, or MR_ECORRUPT / MR_EIO /
 * MR_ENOMEM with a message in ERRBUF (a reader error is the reader's
 * message).
 */
int mr_native_write(mr_reader *rd, const char *source, const mr_faults *f,
		    const char *out, mr_native_stats *st, char *errbuf,
		    size_t errlen);

/* Does PATH start with the .mmtr magic? */
int mr_native_is(const char *path);

/*
 * The fault table of the .mmtr file PATH into *OUT (empty when it has
 * none). 0, or MR_ECORRUPT / MR_EIO / MR_ENOMEM with a message.
 */
int mr_native_faults(const char *path, mr_faults *out, char *errbuf,
		     size_t errlen);

/* The text trace the .mmtr file PATH was made from, into BUF: 0, or -1
 * when PATH is not one. */
int mr_native_source(const char *path, char *buf, size_t len);

#endif
