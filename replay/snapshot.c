/*
 * snapshot.c - ground truth: seeding address spaces from exec snapshots,
 * comparing the model with exit snapshots, and the capture's file table.
 *
 * Snapshot convention (docs/capture.md): a capture directory holds
 * snap/PID.exec.N.{maps,smaps,stat,status} taken right after the Nth
 * successful execve of PID, snap/PID.exit.{maps,...} taken at the entry
 * of exit_group, and snap/files.tsv ("MAJ:MIN<TAB>INODE<TAB>PATH") giving
 * the device and inode of every mapped file, which strace does not show.
 */
#include "replay/replay_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/errcode.h"
#include "formats/maps.h"

int mr_snap_path(char *buf, size_t len, const char *dir, int32_t pid,
		 const char *what, const char *ext)
{
	int n = snprintf(buf, len, "%s/%d.%s.%s", dir, pid, what, ext);

	return n > 0 && (size_t)n < len && access(buf, R_OK) == 0;
}

/* Flags a plain maps line implies when smaps did not say. */
static uint64_t flags_from_perms(const mr_maps_entry *e, int kind)
{
	uint64_t f = MR_VM_MAYREAD | MR_VM_MAYWRITE | MR_VM_MAYEXEC;

	if (e->perms[0] == 'r')
		f |= MR_VM_READ;
	if (e->perms[1] == 'w')
		f |= MR_VM_WRITE;
	if (e->perms[2] == 'x')
		f |= MR_VM_EXEC;
	if (e->perms[3] == 's')
		f |= MR_VM_SHARED | MR_VM_MAYSHARE;
	else if (f & MR_VM_WRITE)
		f |= MR_VM_ACCOUNT;
	if (kind == MR_VMA_STACK)
		f |= MR_VM_GROWSDOWN;
	if (kind == MR_VMA_VDSO || kind == MR_VMA_VVAR ||
	    kind == MR_VMA_VVAR_VCLOCK || kind == MR_VMA_OTHER_NAMED)
		f |= MR_VM_DONTEXPAND;
	return f;
}

static int name_kind(const char *name)
{
	if (!strcmp(name, "[stack]"))
		return MR_VMA_STACK;
	if (!strcmp(name, "[vdso]"))
		return MR_VMA_VDSO;
	if (!strcmp(name, "[vvar]"))
		return MR_VMA_VVAR;
	if (!strcmp(name, "[vvar_vclock]"))
		return MR_VMA_VVAR_VCLOCK;
	return MR_VMA_PLAIN;
}

/* Load the most detailed snapshot of WHAT: smaps, else maps. */
static int load_snapshot(mr_maps *out, const char *dir, int32_t pid,
			 const char *what, char *err, size_t errlen)
{
	char p[4096];

	if (mr_snap_path(p, sizeof(p), dir, pid, what, "smaps") ||
	    mr_snap_path(p, sizeof(p), dir, pid, what, "maps"))
		return mr_maps_load(out, p, err, errlen);
	return 1;
}

int mr_snap_seed(mr_machine *m, mr_mm *mm, const char *dir, int32_t pid,
		 unsigned n, char *err, size_t errlen)
{
	char what[32], p[4096];
	uint64_t start_brk = 0, brk = 0, heap_start = 0, heap_end = 0;
	uint32_t last_anon = 0;
	const mr_vma *last = NULL;
	mr_maps maps;
	size_t i;
	int rc;

	snprintf(what, sizeof(what), "exec.%u", n);
	rc = load_snapshot(&maps, dir, pid, what, err, errlen);
	if (rc)
		return rc;
	for (i = 0; i < maps.n; i++) {
		const mr_maps_entry *e = &maps.v[i];
		mr_vma v;

		memset(&v, 0, sizeof(v));
		if (!strcmp(e->name, "[vsyscall]")) {
			mr_mm_seed_gate(mm, 1);
			continue;
		}
		v.start = e->start;
		v.end = e->end;
		v.kind = (uint8_t)name_kind(e->name);
		if (e->name[0] == '/' || (e->inode && e->name[0])) {
			v.file = mr_machine_file(m, e->name, e->dev_major,
						 e->dev_minor, e->inode);
			v.pgoff = e->offset >> MR_PAGE_SHIFT;
			/* One struct file per path within one exec. */
			v.ofd = v.file + 0x80000000u;
		} else {
			v.pgoff = e->start >> MR_PAGE_SHIFT;
			if (e->name[0] == '[' && v.kind == MR_VMA_PLAIN &&
			    strcmp(e->name, "[heap]")) {
				v.kind = MR_VMA_OTHER_NAMED;
				v.name = mr_machine_intern(m, e->name);
			}
			if (!strcmp(e->name, "[heap]")) {
				if (!heap_start)
					heap_start = e->start;
				heap_end = e->end;
			}
		}
		v.flags = e->vmflags ? mr_vmflags_parse(e->vmflags)
				     : flags_from_perms(e, v.kind);
		/* anon_vma: smaps says whether anonymous pages exist; plain
		 * maps fall back to the assume-written policy. */
		if (!(v.flags & MR_VM_SHARED) &&
		    (e->vmflags ? e->anonymous > 0
				: (v.flags & MR_VM_WRITE) != 0) &&
		    !(v.flags & MR_VM_SPECIAL)) {
			if (last && last_anon && last->end == v.start &&
			    last->file == v.file)
				v.anon_vma = last_anon;
			else
				v.anon_vma = mr_machine_new_anon_vma(m);
		}
		if (mr_mm_seed_vma(mm, &v)) {
			snprintf(err, errlen,
				 "%s/%d.%s.maps: line %zu: VMA %#" PRIx64
				 "-%#" PRIx64 " overlaps or is malformed",
				 dir, pid, what, i + 1, e->start, e->end);
			mr_maps_release(&maps);
			return MR_ECORRUPT;
		}
		last = mr_mm_find(mm, v.start);
		last_anon = v.anon_vma;
	}
	mr_maps_release(&maps);
	if (mr_snap_path(p, sizeof(p), dir, pid, what, "stat")) {
		uint64_t start_stack = 0;

		rc = mr_stat_load_brk(&start_brk, &brk, p, err, errlen);
		if (!rc)
			rc = mr_stat_load_start_stack(&start_stack, p, err,
						      errlen);
		if (rc)
			return rc;
		if (start_stack)
			mr_mm_set_start_stack(mm, start_stack);
		if (!rc) {
			uint64_t code[4];

			rc = mr_stat_load_code(code, p, err, errlen);
			if (rc)
				return rc;
			mr_mm_set_code(mm, code[0], code[1]);
			mr_mm_set_data(mm, code[2], code[3]);
		}
	} else if (heap_start) {
		start_brk = heap_start;
		brk = heap_end;
	}
	mr_mm_seed_done(mm, start_brk, brk);
	return 0;
}

/* Read a whole text file into a NUL-terminated buffer. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			size_t nc = cap ? cap * 2 : 65536;
			char *b = realloc(buf, nc);

			if (!b) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
			cap = nc;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
}

char *mr_snap_read(const char *dir, int32_t pid, const char *what)
{
	return mr_snap_read_ext(dir, pid, what, "maps");
}

char *mr_snap_read_ext(const char *dir, int32_t pid, const char *what,
		       const char *ext)
{
	char p[4096];
	size_t len;

	if (!mr_snap_path(p, sizeof(p), dir, pid, what, ext))
		return NULL;
	return slurp(p, &len);
}

/* Append to a growing diff text, bounded. */
static void diff_add(char **d, size_t *len, size_t *cap, char sign,
		     const char *line, size_t n)
{
	if (*len > 16384)
		return;
	if (*len + n + 3 > *cap) {
		size_t nc = (*cap + n + 3) * 2;
		char *b = realloc(*d, nc);

		if (!b)
			return;
		*d = b;
		*cap = nc;
	}
	(*d)[(*len)++] = sign;
	memcpy(*d + *len, line, n);
	*len += n;
	(*d)[(*len)++] = '\n';
	(*d)[*len] = 0;
}

/* Append line LINE (N bytes) and a newline to a growing text. */
static int text_add(char **buf, size_t *len, size_t *cap, const char *line,
		    size_t n)
{
	if (*len + n + 2 > *cap) {
		size_t nc = (*cap + n + 2) * 2;
		char *b = realloc(*buf, nc);

		if (!b)
			return -1;
		*buf = b;
		*cap = nc;
	}
	memcpy(*buf + *len, line, n);
	*len += n;
	(*buf)[(*len)++] = '\n';
	(*buf)[*len] = 0;
	return 0;
}

/* The model's maps of MM as text, one line per VMA plus [vsyscall]. */
char *mr_snap_model_maps(const mr_mm *mm, size_t *outlen)
{
	char *buf = NULL, line[8192];
	size_t len = 0, cap = 0, n;
	const mr_vma *v;

	for (v = mr_mm_first(mm); v; v = mr_vma_next(v)) {
		n = mr_mm_format_vma(mm, v, line, sizeof(line));
		if (text_add(&buf, &len, &cap, line, n)) {
			free(buf);
			return NULL;
		}
	}
	if (mr_mm_has_gate(mm)) {
		const char *g = mr_maps_gate_line();

		if (text_add(&buf, &len, &cap, g, strlen(g))) {
			free(buf);
			return NULL;
		}
	}
	if (!buf)
		buf = calloc(1, 1);
	*outlen = len;
	return buf;
}

/*
 * Compare MM with the maps snapshot DIR/PID.WHAT.maps (WHAT: "exit",
 * "line.L"). Returns -1 when there is no snapshot, else as
 * mr_snap_compare_text().
 */
int mr_snap_compare(mr_mm *mm, const char *dir, int32_t pid, const char *what,
		    mr_snap_cmp *out)
{
	char *kern;
	int rc;

	memset(out, 0, sizeof(*out));
	kern = mr_snap_read(dir, pid, what);
	if (!kern)
		return -1;
	rc = mr_snap_compare_text(mm, kern, out);
	free(kern);
	return rc;
}

/* One kernel maps line as fields; 0 when it is not a maps line. */
static int kern_row(const char *a, size_t al, mr_maps_row *k, char *name,
		    size_t namelen)
{
	char buf[8192];
	unsigned long long s, e, off, ino;
	unsigned maj, min;
	int n = 0;
	size_t nl;

	if (al >= sizeof(buf))
		return 0;
	memcpy(buf, a, al);
	buf[al] = 0;
	if (sscanf(buf, "%llx-%llx %4s %llx %x:%x %llu%n", &s, &e, k->perms,
		   &off, &maj, &min, &ino, &n) != 7)
		return 0;
	k->start = s;
	k->end = e;
	k->offset = off;
	k->dev_major = maj;
	k->dev_minor = min;
	k->inode = ino;
	while (buf[n] == ' ')
		n++;
	nl = strlen(buf + n);
	if (nl >= namelen)
		return 0;
	memcpy(name, buf + n, nl + 1);
	k->name = name;
	return 1;
}

/*
 * Whether kernel line K differs from the model's row M only in fields
 * the model does not know (the inode of shared anonymous memory, a
 * file's device and inode when the capture has no file table).
 */
static int differs_in_unknown(const mr_maps_row *k, const mr_maps_row *m)
{
	if (k->start != m->start || k->end != m->end ||
	    memcmp(k->perms, m->perms, 4) || k->offset != m->offset ||
	    strcmp(k->name, m->name))
		return 0;
	if (m->dev_known &&
	    (k->dev_major != m->dev_major || k->dev_minor != m->dev_minor))
		return 0;
	if (m->inode_known && k->inode != m->inode)
		return 0;
	return !m->dev_known || !m->inode_known;
}

/*
 * Same, with the kernel's maps as text KERN: a line diff resynchronised
 * on start addresses, '-' lines the kernel's, '+' lines the model's. A
 * kernel line that differs from the model's only in fields no trace
 * shows is not a difference: it is counted in out->unknown, and the
 * model learns the fields (mr_mm_learn_ids()). Returns 0 when the maps
 * match, 1 when they differ (a diff that cannot be allocated is left
 * out: out->diff stays NULL).
 */
int mr_snap_compare_text(mr_mm *mm, const char *kern, mr_snap_cmp *out)
{
	size_t dlen = 0, dcap = 0;
	char *d = NULL, line[8192], kname[8192];
	const mr_vma *v = mr_mm_first(mm);
	int gate = mr_mm_has_gate(mm);
	const char *a = kern;

	memset(out, 0, sizeof(*out));
	while (*a || v || gate) {
		const char *ae = strchr(a, '\n');
		size_t al = ae ? (size_t)(ae - a) : strlen(a), bl = 0;
		mr_maps_row mrow, krow;
		int have_m = v || gate, have_k = *a != 0;
		uint64_t as = have_k ? strtoull(a, NULL, 16) : 0;

		if (v)
			mr_mm_maps_row(mm, v, &mrow);
		else if (gate)
			mr_maps_gate_row(&mrow);
		if (have_m)
			bl = mr_maps_row_format(&mrow, line, sizeof(line));
		if (have_k)
			out->klines++;
		if (have_k && have_m && as == mrow.start &&
		    ((al == bl && !memcmp(a, line, al)) ||
		     (kern_row(a, al, &krow, kname, sizeof(kname)) &&
		      differs_in_unknown(&krow, &mrow)))) {
			if (al != bl || memcmp(a, line, al)) {
				out->unknown++;
				if (v)
					mr_mm_learn_ids(mm, v, krow.dev_major,
							krow.dev_minor,
							krow.inode);
			}
			a += al + (ae ? 1 : 0);
			if (v)
				v = mr_vma_next(v);
			else
				gate = 0;
			continue;
		}
		out->nlines++;
		if (have_k && (!have_m || as <= mrow.start)) {
			out->kmissed++;
			diff_add(&d, &dlen, &dcap, '-', a, al);
			a += al + (ae ? 1 : 0);
			if (!have_m || as != mrow.start)
				continue;
		} else if (have_k) {
			out->klines--; /* counted again on the next round */
		}
		diff_add(&d, &dlen, &dcap, '+', line, bl);
		if (v)
			v = mr_vma_next(v);
		else
			gate = 0;
	}
	out->diff = d;
	return out->nlines ? 1 : 0;
}

/*
 * DIR/NAME whole into a malloc'd buffer (its path in P). NULL with *rc 0
 * when the capture has no such file, MR_EIO (ERR says it) when it cannot
 * be read.
 */
static char *slurp_snap(const char *dir, const char *name, char *p, size_t plen,
			int *rc, char *err, size_t errlen)
{
	size_t len;
	char *buf;

	*rc = 0;
	if (snprintf(p, plen, "%s/%s", dir, name) >= (int)plen ||
	    access(p, R_OK))
		return NULL;
	buf = slurp(p, &len);
	if (!buf) {
		snprintf(err, errlen, "%s: cannot read: %s", p,
			 strerror(errno));
		*rc = MR_EIO;
	}
	return buf;
}

int mr_snap_load_files(mr_machine *m, const char *dir, char *err, size_t errlen)
{
	char p[4096], *buf, *line, *save = NULL;
	size_t lineno = 0;
	int rc;

	buf = slurp_snap(dir, "files.tsv", p, sizeof(p), &rc, err, errlen);
	if (!buf)
		return rc;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		unsigned long long ino;
		int off = 0;

		lineno++;
		if (sscanf(line, "%x:%x\t%llu\t%n", &maj, &min, &ino, &off) !=
			    3 ||
		    !off || !line[off]) {
			snprintf(
				err, errlen,
				"%s:%zu:1: expected MAJ:MIN<TAB>INODE<TAB>PATH",
				p, lineno);
			free(buf);
			return MR_ECORRUPT;
		}
		if (!mr_machine_file(m, line + off, maj, min, ino)) {
			free(buf);
			snprintf(err, errlen, "%s: out of memory", p);
			return MR_ENOMEM;
		}
	}
	free(buf);
	return 0;
}

int mr_snap_load_kernel(const char *dir, mr_kernel_facts *k, char *err,
			size_t errlen)
{
	char p[4096], *buf, *line, *save = NULL;
	size_t lineno = 0;
	int rc;

	memset(k, 0, sizeof(*k));
	k->overcommit = -1;
	k->cap_ipc_lock = -1;
	buf = slurp_snap(dir, "kernel.tsv", p, sizeof(p), &rc, err, errlen);
	if (!buf)
		return rc;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t'), *end;
		unsigned long long v;

		lineno++;
		if (!tab || tab == line || !tab[1]) {
			snprintf(err, errlen,
				 "%s:%zu:1: expected KEY<TAB>VALUE", p, lineno);
			free(buf);
			return MR_ECORRUPT;
		}
		*tab++ = 0;
		if (!strcmp(line, "max_map_count")) {
			v = strtoull(tab, &end, 10);
			if (*end || v > UINT32_MAX) {
				snprintf(err, errlen,
					 "%s:%zu:%zu: expected a number", p,
					 lineno, (size_t)(tab - line) + 1);
				free(buf);
				return MR_ECORRUPT;
			}
			k->max_map_count = (uint32_t)v;
		} else if (!strncmp(line, "rlimit_", 7)) {
			/* the limits: bytes or unlimited */
			static const char *const keys[] = {
				"rlimit_memlock", "rlimit_as", "rlimit_data",
				"rlimit_stack"};
			int w = 0;

			while (w < 4 && strcmp(line, keys[w]))
				w++;
			v = strtoull(tab, &end, 10);
			if (!strcmp(tab, "unlimited")) {
				v = MR_RLIM_INFINITY;
			} else if (*end || end == tab || *tab == '-') {
				snprintf(err, errlen,
					 "%s:%zu:%zu: expected a number of "
					 "bytes or 'unlimited'",
					 p, lineno, (size_t)(tab - line) + 1);
				free(buf);
				return MR_ECORRUPT;
			}
			if (w == 3) { /* RLIMIT_STACK: 0 is unlimited */
				k->stack_rlimit = v == MR_RLIM_INFINITY ? 0 : v;
				k->stack_rlimit_set = 1;
			} else if (w < 3) {
				k->rlimit[w] = v;
				k->rlimit_set[w] = 1;
			}
		} else if (!strcmp(line, "cap_ipc_lock")) {
			if (strcmp(tab, "0") && strcmp(tab, "1")) {
				snprintf(err, errlen,
					 "%s:%zu:%zu: expected 0 or 1", p,
					 lineno, (size_t)(tab - line) + 1);
				free(buf);
				return MR_ECORRUPT;
			}
			k->cap_ipc_lock = tab[0] == '1';
		} else if (!strcmp(line, "thp_defrag")) {
			snprintf(k->thp_defrag, sizeof(k->thp_defrag), "%s",
				 tab);
		} else if (!strcmp(line, "mem_total_kb") ||
			   !strcmp(line, "swap_total_kb") ||
			   !strcmp(line, "overcommit_memory")) {
			v = strtoull(tab, &end, 10);
			if (*end || end == tab || *tab == '-') {
				snprintf(err, errlen,
					 "%s:%zu:%zu: expected a number", p,
					 lineno, (size_t)(tab - line) + 1);
				free(buf);
				return MR_ECORRUPT;
			}
			if (line[0] == 'm')
				k->mem_total_kb = v;
			else if (line[0] == 's')
				k->swap_total_kb = v;
			else
				k->overcommit = (int)(v > 2 ? 2 : v);
		} else if (!strncmp(line, "hugepages_", 10)) {
			static const char *const keys[4] = {
				"hugepages_2048kB_free",
				"hugepages_2048kB_resv",
				"hugepages_1048576kB_free",
				"hugepages_1048576kB_resv"};
			int i;

			v = strtoull(tab, &end, 10);
			if (*end || end == tab || *tab == '-') {
				snprintf(err, errlen,
					 "%s:%zu:%zu: expected a number of "
					 "pages",
					 p, lineno, (size_t)(tab - line) + 1);
				free(buf);
				return MR_ECORRUPT;
			}
			for (i = 0; i < 4; i++)
				if (!strcmp(line, keys[i])) {
					if (i & 1)
						k->huge_resv[i / 2] = v;
					else
						k->huge_free[i / 2] = v;
					k->huge_set = 1;
				}
		} else if (!strcmp(line, "release")) {
			snprintf(k->release, sizeof(k->release), "%s", tab);
		} else if (!strcmp(line, "thp")) {
			snprintf(k->thp, sizeof(k->thp), "%s", tab);
		} else if (!strcmp(line, "thp_shmem")) {
			snprintf(k->thp_shmem, sizeof(k->thp_shmem), "%s", tab);
		} else if (!strcmp(line, "mmap_min_addr")) {
			snprintf(k->mmap_min_addr, sizeof(k->mmap_min_addr),
				 "%s", tab);
		} /* other keys: for people, not the model */
	}
	free(buf);
	return 0;
}
