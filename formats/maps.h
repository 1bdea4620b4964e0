/*
 * maps.h - reading /proc/PID/maps and /proc/PID/smaps snapshots.
 *
 * A snapshot file is the text of /proc/PID/maps, or of /proc/PID/smaps
 * (then each VMA's VmFlags line is read too). Also reads a
 * /proc/PID/stat line for start_brk.
 */
#ifndef MR_FORMATS_MAPS_H
#define MR_FORMATS_MAPS_H

#include <stddef.h>
#include <stdint.h>

typedef struct mr_maps_entry {
	uint64_t start;	    /* first byte */
	uint64_t end;	    /* one past the last byte */
	char perms[5];	    /* "r-xp" */
	uint64_t offset;    /* file offset in bytes */
	uint32_t dev_major; /* device major */
	uint32_t dev_minor; /* device minor */
	uint64_t inode;	    /* inode number */
	char *name;	    /* path or [heap]/[stack]/..., "" if none */
	char *vmflags;	    /* smaps VmFlags text ("rd wr mr mw me ac"),
			       NULL when the file is plain maps */
	uint64_t anonymous; /* smaps "Anonymous:" in kB, 0 if absent */
} mr_maps_entry;

typedef struct mr_maps {
	mr_maps_entry *v; /* entries in file order */
	size_t n;	  /* number of entries */
} mr_maps;

/*
 * Parse the maps or smaps text in PATH. On success fills *out (free with
 * mr_maps_release). On failure returns MR_ECORRUPT (errbuf names the file,
 * line, column and what was expected) or MR_EIO / MR_ENOMEM.
 */
int mr_maps_load(mr_maps *out, const char *path, char *errbuf, size_t errlen);

/* Same, from a NUL-terminated buffer; NAME is used in messages. */
int mr_maps_parse(mr_maps *out, const char *text, const char *name,
		  char *errbuf, size_t errlen);

void mr_maps_release(mr_maps *m);

/*
 * Read start_brk (field 47) from a /proc/PID/stat file. stat does not
 * show the current break, so *brk is set to 0 ("not known from here").
 * Returns 0, MR_ECORRUPT or MR_EIO.
 */
int mr_stat_load_brk(uint64_t *start_brk, uint64_t *brk, const char *path,
		     char *errbuf, size_t errlen);

/* Fields 26 and 27 (startcode, endcode: the executable's text, which
 * VmExe of /proc/PID/status measures) into CODE[0..1], and 45 and 46
 * (start_data, end_data) into CODE[2..3]. */
int mr_stat_load_code(uint64_t code[4], const char *path, char *errbuf,
		      size_t errlen);
/* Read start_stack (field 28) from a /proc/PID/stat file, as
 * mr_stat_load_brk() reads start_brk. */
int mr_stat_load_start_stack(uint64_t *start_stack, const char *path,
			     char *errbuf, size_t errlen);

/*
 * The per-syscall snapshots of a capture as one stream (snap/lines.maps.zst,
 * see snapstream.c): read them in the order they were written.
 */
typedef struct mr_snapstream mr_snapstream;

int mr_snapstream_open(mr_snapstream **out, const char *path, char *errbuf,
		       size_t errlen);
/*
 * The next snapshot: its tid, trace line and maps text (valid until the
 * next call). Returns 1, 0 at the end, or MR_ECORRUPT / MR_EIO /
 * MR_ENOMEM (mr_snapstream_errmsg() names the file and line).
 */
int mr_snapstream_next(mr_snapstream *s, int32_t *tid, uint64_t *line,
		       const char **text);
const char *mr_snapstream_errmsg(const mr_snapstream *s);
void mr_snapstream_free(mr_snapstream *s);

#endif
