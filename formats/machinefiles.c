/*
 * machinefiles.c - the /proc files a machine profile is read from: a
 * directory of them (a capture's snap/machine.before/, or --machine DIR)
 * or the default machine compiled in from data/machine.
 */
#include "formats/procinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/errcode.h"

const char *const mr_machine_file_names[MR_MF__COUNT] = {
	"zoneinfo", "pagetypeinfo", "buddyinfo", "slabinfo"};

/* The most a /proc file of a machine holds (slabinfo is the largest:
 * some tens of kB). */
#define MF_MAX (16u << 20)

/* FILE's text (NUL-terminated), or NULL with *ERRNUM set (ENOENT when
 * absent, EFBIG when too large). */
static char *slurp(const char *path, int *errnum)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		*errnum = errno;
		return NULL;
	}
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			char *nb;

			cap = cap ? 2 * cap : 65536;
			if (cap > MF_MAX + 4096) {
				*errnum = EFBIG;
				break;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				*errnum = ENOMEM;
				break;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				*errnum = EIO;
				break;
			}
			buf[n] = 0;
			fclose(f);
			if (memchr(buf, 0, n)) { /* not text */
				*errnum = EILSEQ;
				free(buf);
				return NULL;
			}
			return buf;
		}
	}
	fclose(f);
	free(buf);
	return NULL;
}

int mr_machine_files_set(mr_machine_files *f, const char *source,
			 const char *const text[MR_MF__COUNT])
{
	int i;

	memset(f, 0, sizeof(*f));
	snprintf(f->source, sizeof(f->source), "%s", source);
	for (i = 0; i < MR_MF__COUNT; i++) {
		if (!text[i])
			continue;
		f->text[i] = strdup(text[i]);
		if (!f->text[i]) {
			mr_machine_files_free(f);
			return MR_ENOMEM;
		}
	}
	return 0;
}

int mr_machine_files_load(mr_machine_files *f, const char *dir, char *err,
			  size_t errlen)
{
	int i;

	if (!dir)
		return mr_machine_files_set(f, "default", mr_default_machine);
	memset(f, 0, sizeof(*f));
	snprintf(f->source, sizeof(f->source), "%s", dir);
	for (i = 0; i < MR_MF__COUNT; i++) {
		char path[4200];
		int e = 0;

		snprintf(path, sizeof(path), "%s/%s", dir,
			 mr_machine_file_names[i]);
		f->text[i] = slurp(path, &e);
		if (f->text[i] || (e == ENOENT && i >= MR_MF_BUDDYINFO))
			continue;
		snprintf(err, errlen, "%s: %s", path,
			 e == EILSEQ  ? "binary data where /proc text was "
					"expected"
			 : e == EFBIG ? "larger than any /proc file of a "
					"machine (16 MiB)"
				      : strerror(e));
		mr_machine_files_free(f);
		return e == ENOMEM ? MR_ENOMEM : MR_EIO;
	}
	return 0;
}

int mr_machine_files_profile(const mr_machine_files *f, mr_buddy_profile *out,
			     char *err, size_t errlen)
{
	char zn[4200], pn[4200], bn[4200];

	snprintf(zn, sizeof(zn), "%s/zoneinfo", f->source);
	snprintf(pn, sizeof(pn), "%s/pagetypeinfo", f->source);
	snprintf(bn, sizeof(bn), "%s/buddyinfo", f->source);
	if (!f->text[MR_MF_ZONEINFO] || !f->text[MR_MF_PAGETYPEINFO]) {
		snprintf(err, errlen, "%s: no zoneinfo or pagetypeinfo",
			 f->source);
		return MR_ECORRUPT;
	}
	return mr_procinfo_parse(out, f->text[MR_MF_ZONEINFO], zn,
				 f->text[MR_MF_PAGETYPEINFO], pn,
				 f->text[MR_MF_BUDDYINFO], bn, err, errlen);
}

void mr_machine_files_free(mr_machine_files *f)
{
	int i;

	for (i = 0; i < MR_MF__COUNT; i++) {
		free(f->text[i]);
		f->text[i] = NULL;
	}
}
