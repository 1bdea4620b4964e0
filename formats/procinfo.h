/*
 * procinfo.h - a machine profile for the buddy allocator from the text
 * of /proc/zoneinfo, /proc/pagetypeinfo and /proc/buddyinfo.
 *
 * zoneinfo gives each zone's start_pfn, spanned, present and managed
 * frames, its watermarks, its protection (lowmem_reserve) line and each
 * CPU's pageset (count, high, batch, high_min, high_max; the CPU count
 * is the number of pagesets); pagetypeinfo the free blocks per order and
 * migratetype and the pageblocks per type; buddyinfo (optional) the
 * free blocks per order, which resolves a list pagetypeinfo printed as
 * ">100000". Zones other than DMA, DMA32 and Normal, and zones with no
 * present frames, are left out.
 */
#ifndef MR_FORMATS_PROCINFO_H
#define MR_FORMATS_PROCINFO_H

#include <stddef.h>

#include "engine/buddy.h"
#include "engine/slub.h"

/*
 * Parse the three texts (NUL-terminated; BUDDYINFO may be NULL) named
 * ZNAME, PNAME and BNAME in messages into *OUT. Returns 0, or
 * MR_ECORRUPT with ERR naming the file, line and column and what was
 * expected (*OUT is then unspecified).
 */
int mr_procinfo_parse(mr_buddy_profile *out, const char *zoneinfo,
		      const char *zname, const char *pagetypeinfo,
		      const char *pname, const char *buddyinfo,
		      const char *bname, char *err, size_t errlen);

/*
 * Parse /proc/slabinfo (version 2.1; NUL-terminated TEXT named NAME in
 * messages) into *OUT (mr_slab_profile_free() it). 0, MR_ECORRUPT with
 * ERR naming the file, line and column and what was expected, or
 * MR_ENOMEM.
 */
int mr_slabinfo_parse(mr_slab_profile *out, const char *text, const char *name,
		      char *err, size_t errlen);

/* ---- a machine's files (machinefiles.c) ---- */

/* The files a machine profile is read from, as `record` saves them in
 * snap/machine.before/ (slabinfo optional). */
enum mr_machine_file {
	MR_MF_ZONEINFO,
	MR_MF_PAGETYPEINFO,
	MR_MF_BUDDYINFO,
	MR_MF_SLABINFO,
	MR_MF__COUNT
};

extern const char *const mr_machine_file_names[MR_MF__COUNT];

/* The default machine (data/machine, compiled in). */
extern const char *const mr_default_machine[MR_MF__COUNT];

typedef struct mr_machine_files {
	char *text[MR_MF__COUNT]; /* each file's text (NULL: absent) */
	char source[4096];	  /* the directory, or "default" */
} mr_machine_files;

/*
 * Read the files of DIR (NULL: the default machine). zoneinfo and
 * pagetypeinfo must exist. 0, or MR_EIO / MR_ENOMEM with ERR naming the
 * file.
 */
int mr_machine_files_load(mr_machine_files *f, const char *dir, char *err,
			  size_t errlen);
/* Take texts given (the history's copy): F owns copies of them. */
int mr_machine_files_set(mr_machine_files *f, const char *source,
			 const char *const text[MR_MF__COUNT]);
/* The buddy profile of F (mr_procinfo_parse()); the CPU count is the
 * zoneinfo's. */
int mr_machine_files_profile(const mr_machine_files *f, mr_buddy_profile *out,
			     char *err, size_t errlen);
void mr_machine_files_free(mr_machine_files *f);

#endif
