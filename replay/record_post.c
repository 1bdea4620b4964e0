/*
 * record_post.c - after the recorded run: pair holds with trace lines and
 * name the snapshots, pack the per-syscall ones into snap/lines.maps.zst,
 * write snap/files.tsv, compress the trace.
 */
#include "replay/record_int.h"

/* ---- after the run: read the trace, name the snapshots ---- */

int mr_rec_grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 256;
	void *np = realloc(*p, ncap * size);

	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

int mr_rec_read_trace(struct post *po, const char *trace, int every)
{
	mr_reader *rd;
	mr_event ev;
	char err[512];
	int rc;

	rc = mr_reader_open(&rd, trace, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "record: %s\n", err);
		return -1;
	}
	while ((rc = mr_reader_next(rd, &ev)) == 1) {
		if (ev.kind != MR_EV_SYSCALL)
			continue;
		if (mr_rec_grow((void **)&po->tids, &po->cap_tids, po->ntids,
				sizeof(pid_t)) < 0)
			goto out_oom;
		po->tids[po->ntids++] = ev.pid;
		if ((ev.sys == MR_SYS_FORK || ev.sys == MR_SYS_VFORK ||
		     ev.sys == MR_SYS_CLONE || ev.sys == MR_SYS_CLONE3) &&
		    ev.ret_kind == MR_RET_VALUE && ev.ret > 0 &&
		    !(ev.nargs > 0 && (ev.arg[0] & 0x10000 /* CLONE_THREAD */)))
			po->nproc++;
		if (ev.sys == MR_SYS_MMAP && ev.fd_path &&
		    ev.fd_path[0] == '/') {
			if (mr_rec_grow((void **)&po->fdpaths, &po->cap_fd,
					po->nfd, sizeof(char *)) < 0)
				goto out_oom;
			po->fdpaths[po->nfd] = strdup(ev.fd_path);
			if (!po->fdpaths[po->nfd])
				goto out_oom;
			po->nfd++;
		}
		int nr = mr_rec_held_nr(ev.name);
		int cls = mr_rec_held_class(nr, every);

		if (cls == HC_NONE)
			continue;
		int delayed = cls == HC_EXIT || (ev.flags & MR_EVF_DELAYED);

		/* exit_group never returns, so it is never marked. A
		 * successful exec strace did not hold (the launcher's) still
		 * counts in the exec.N numbering. */
		if (!delayed &&
		    !(cls == HC_EXEC && ev.ret_kind == MR_RET_VALUE))
			continue;
		if (mr_rec_grow((void **)&po->calls, &po->cap_calls, po->ncalls,
				sizeof(struct call)) < 0)
			goto out_oom;
		po->calls[po->ncalls++] =
			(struct call){.tid = ev.pid,
				      .nr = nr,
				      .line = ev.line,
				      .ok = ev.ret_kind == MR_RET_VALUE,
				      .arg = {ev.arg[0], ev.arg[1]},
				      .nargs = ev.nargs < 2 ? ev.nargs : 2,
				      .delayed = delayed};
	}
	if (rc < 0) {
		fprintf(stderr, "record: %s\n", mr_reader_errmsg(rd));
		mr_reader_free(rd);
		return -1;
	}
	po->lines = mr_reader_lines(rd);
	po->warnings = mr_reader_warnings(rd);
	mr_reader_free(rd);
	return 0;
out_oom:
	fprintf(stderr, "record: out of memory reading %s\n", trace);
	mr_reader_free(rd);
	return -1;
}

static int cmp_hold(const void *a, const void *b)
{
	const struct hold *x = a, *y = b;
	int cx = mr_rec_held_class(x->nr, 1), cy = mr_rec_held_class(y->nr, 1);

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (cx != cy)
		return cx - cy;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_call(const void *a, const void *b)
{
	const struct call *x = a, *y = b;
	int cx = mr_rec_held_class(x->nr, 1), cy = mr_rec_held_class(y->nr, 1);

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (cx != cy)
		return cx - cy;
	return x->line < y->line ? -1 : x->line > y->line;
}

int mr_rec_cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

/* Move snap/.hold.SEQ.* to snap/NAME.*, or remove them (name NULL). */
static int settle(const char *snapdir, const struct hold *h, const char *name)
{
	const char *const *files = mr_rec_held_class(h->nr, 1) == HC_LINE
					   ? mr_rec_maps_only
					   : mr_rec_full_files;
	char from[PATH_MAX], to[PATH_MAX];
	int rc = 0;

	for (int i = 0; files[i]; i++) {
		mr_rec_pathf(from, sizeof(from), "%s/.hold.%u.%s", snapdir,
			     h->seq, files[i]);
		if (!name) {
			unlink(from);
			continue;
		}
		mr_rec_pathf(to, sizeof(to), "%s/%s.%s", snapdir, name,
			     files[i]);
		if (rename(from, to) < 0)
			rc = -1;
	}
	return rc;
}

static const char *nr_name(int nr)
{
	for (size_t i = 0; i < mr_rec_nheld_sys; i++)
		if (mr_rec_held_sys[i].nr == nr)
			return mr_rec_held_sys[i].name;
	return "?";
}

/*
 * The launcher: the first process runs `mmreplay record __exec` until its
 * execve of the command (the first delayed exec of that tid). Returns the
 * launcher's tid and sets *until to that execve's line (0 when none).
 */
static pid_t launcher_of(const struct post *po, uint64_t *until)
{
	pid_t tid = 0;
	size_t k;

	*until = 0;
	for (k = 0; k < po->ncalls && !tid; k++)
		if (mr_rec_held_class(po->calls[k].nr, 1) == HC_EXEC &&
		    !po->calls[k].delayed)
			tid = po->calls[k].tid;
	for (k = 0; k < po->ncalls && tid; k++)
		if (po->calls[k].tid == tid && po->calls[k].delayed &&
		    mr_rec_held_class(po->calls[k].nr, 1) == HC_EXEC &&
		    (!*until || po->calls[k].line < *until))
			*until = po->calls[k].line;
	return tid;
}

/* Pair holds with trace calls, group by group (tid, class). */
void mr_rec_correlate(struct watch *w, struct post *po, struct tally *ty)
{
	size_t i = 0, j = 0;
	char name[96];
	uint64_t launcher_until;
	pid_t launcher = launcher_of(po, &launcher_until);

	qsort(w->holds, w->nholds, sizeof(*w->holds), cmp_hold);
	qsort(po->calls, po->ncalls, sizeof(*po->calls), cmp_call);
	while (i < w->nholds || j < po->ncalls) {
		struct hold key = {0};
		pid_t tid;
		int cls;

		if (j < po->ncalls)
			key = (struct hold){.tid = po->calls[j].tid,
					    .nr = po->calls[j].nr,
					    .seq = 0};
		if (j >= po->ncalls ||
		    (i < w->nholds && cmp_hold(&w->holds[i], &key) < 0)) {
			tid = w->holds[i].tid;
			cls = mr_rec_held_class(w->holds[i].nr, 1);
		} else {
			tid = po->calls[j].tid;
			cls = mr_rec_held_class(po->calls[j].nr, 1);
		}
		size_t hi = i, cj = j, nexec = 0;

		while (hi < w->nholds && w->holds[hi].tid == tid &&
		       mr_rec_held_class(w->holds[hi].nr, 1) == cls)
			hi++;
		while (cj < po->ncalls && po->calls[cj].tid == tid &&
		       mr_rec_held_class(po->calls[cj].nr, 1) == cls)
			cj++;
		size_t nh = hi - i, nc = cj - j, hk = 0, ck = 0, nexit = 0;

		while (hk < nh || ck < nc) {
			struct hold *h;
			struct call *c = ck < nc ? &po->calls[j + ck] : NULL;

			if (c && !c->delayed) {
				/* The launcher's exec: numbered, not held. */
				nexec++;
				ck++;
				continue;
			}
			h = hk < nh ? &w->holds[i + hk++] : NULL;
			if (c)
				ck++;

			if (!c) {
				fprintf(stderr,
					"record: warning: %d held in %s (hold "
					"%u) has no delayed call in the trace; "
					"dropped\n",
					(int)tid, nr_name(h->nr), h->seq);
				settle(w->snapdir, h, NULL);
				ty->extra++;
				continue;
			}
			if (!h) {
				fprintf(stderr,
					"record: missed the hold of %d in %s "
					"at trace line %llu\n",
					(int)tid, nr_name(c->nr),
					(unsigned long long)c->line);
				ty->missed++;
				continue;
			}
			if (h->nr != c->nr) {
				fprintf(stderr,
					"record: hold %u of %d is in %s but "
					"trace line %llu is %s\n",
					h->seq, (int)tid, nr_name(h->nr),
					(unsigned long long)c->line,
					nr_name(c->nr));
				settle(w->snapdir, h, NULL);
				ty->missed++;
				continue;
			}
			/* The registers must agree with the trace line. */
			if ((cls == HC_EXEC && h->zero != c->ok) ||
			    (cls == HC_LINE &&
			     ((c->nargs > 0 && h->arg[0] != c->arg[0]) ||
			      (c->nargs > 1 && h->arg[1] != c->arg[1])))) {
				fprintf(stderr,
					"record: hold %u of %d (%s %#llx, "
					"%#llx) does not match trace line "
					"%llu\n",
					h->seq, (int)tid, nr_name(h->nr),
					(unsigned long long)h->arg[0],
					(unsigned long long)h->arg[1],
					(unsigned long long)c->line);
				settle(w->snapdir, h, NULL);
				ty->missed++;
				continue;
			}
			if (cls == HC_EXEC && !c->ok) {
				/* A failed execve: no snapshot. */
				settle(w->snapdir, h, NULL);
				ty->failed_exec++;
				continue;
			}
			if (cls == HC_EXEC) {
				snprintf(name, sizeof(name), "%d.exec.%zu",
					 (int)tid, ++nexec);
				ty->exec++;
			} else if (cls == HC_EXIT) {
				if (nexit++ >
				    0) { /* reused tid: keep the first */
					fprintf(stderr,
						"record: warning: %d called "
						"exit_group twice; hold %u "
						"dropped\n",
						(int)tid, h->seq);
					settle(w->snapdir, h, NULL);
					ty->extra++;
					continue;
				}
				snprintf(name, sizeof(name), "%d.exit",
					 (int)tid);
				ty->exit++;
			} else if (tid == launcher &&
				   (!launcher_until ||
				    c->line < launcher_until)) {
				/* The launcher's own calls: no model state
				 * to compare them with. */
				settle(w->snapdir, h, NULL);
				ty->launcher++;
				continue;
			} else {
				snprintf(name, sizeof(name), "%d.line.%llu",
					 (int)tid, (unsigned long long)c->line);
				ty->line++;
			}
			settle(w->snapdir, h, name);
		}
		i = hi;
		j = cj;
	}
}

/* ---- snap/files.tsv ---- */

struct fent {
	char *path;		/* as /proc/PID/maps prints it */
	unsigned maj, min;	/* device */
	unsigned long long ino; /* inode */
};

struct fents {
	struct fent *v; /* entries */
	size_t n;	/* used */
	size_t cap;	/* allocated */
};

static int fent_add(struct fents *fs, const char *path, size_t plen,
		    unsigned maj, unsigned min, unsigned long long ino)
{
	if (mr_rec_grow((void **)&fs->v, &fs->cap, fs->n, sizeof(*fs->v)) < 0)
		return -1;
	fs->v[fs->n].path = strndup(path, plen);
	if (!fs->v[fs->n].path)
		return -1;
	fs->v[fs->n].maj = maj;
	fs->v[fs->n].min = min;
	fs->v[fs->n].ino = ino;
	fs->n++;
	return 0;
}

/* Add the file-backed lines of a maps text. */
static int fent_maps(struct fents *fs, const char *s)
{
	while (*s) {
		const char *eol = strchr(s, '\n');
		unsigned long long lo, hi, off, ino;
		unsigned maj, min;
		char perms[8];
		int n = 0;

		if (!eol)
			eol = s + strlen(s);
		if (sscanf(s, "%llx-%llx %7s %llx %x:%x %llu%n", &lo, &hi,
			   perms, &off, &maj, &min, &ino, &n) == 7 &&
		    ino != 0) {
			const char *p = s + n;

			while (p < eol && *p == ' ')
				p++;
			if (p < eol && fent_add(fs, p, (size_t)(eol - p), maj,
						min, ino) < 0)
				return -1;
		}
		s = *eol ? eol + 1 : eol;
	}
	return 0;
}

static int cmp_fent(const void *a, const void *b)
{
	const struct fent *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->maj != y->maj)
		return x->maj < y->maj ? -1 : 1;
	if (x->min != y->min)
		return x->min < y->min ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int cmp_fent_path(const void *key, const void *elem)
{
	return strcmp(key, ((const struct fent *)elem)->path);
}

static void fents_free(struct fents *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->v[i].path);
	free(fs->v);
}

/*
 * Every file path of every kept snapshot's maps, plus the mmap fd paths
 * of the trace that no snapshot shows (stat()ed now). A path shown with
 * two identities (replaced during the run) gets one line per identity.
 */
int mr_rec_write_files_tsv(const char *snapdir, struct post *po, struct buf *b)
{
	struct fents fs = {0};
	char path[PATH_MAX];
	DIR *d = opendir(snapdir);
	struct dirent *de;
	FILE *f;
	int rc = -1;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l < 5 ||
		    strcmp(de->d_name + l - 5, ".maps") != 0)
			continue;
		if (mr_rec_pathf(path, sizeof(path), "%s/%s", snapdir,
				 de->d_name) < 0 ||
		    mr_rec_slurp(b, path) < 0 || fent_maps(&fs, b->p) < 0) {
			closedir(d);
			goto out_free;
		}
	}
	closedir(d);
	qsort(fs.v, fs.n, sizeof(*fs.v), cmp_fent);
	size_t nmaps = fs.n;

	for (size_t i = 0; i < po->nfd; i++) {
		const char *p = po->fdpaths[i];
		struct stat st;

		if (bsearch(p, fs.v, nmaps, sizeof(*fs.v), cmp_fent_path))
			continue;
		if (stat(p, &st) < 0)
			continue;
		if (fent_add(&fs, p, strlen(p), major(st.st_dev),
			     minor(st.st_dev),
			     (unsigned long long)st.st_ino) < 0)
			goto out_free;
	}
	qsort(fs.v, fs.n, sizeof(*fs.v), cmp_fent);
	mr_rec_pathf(path, sizeof(path), "%s/files.tsv", snapdir);
	f = fopen(path, "w");
	if (!f)
		goto out_free;
	for (size_t i = 0; i < fs.n; i++) {
		if (i > 0 && cmp_fent(&fs.v[i - 1], &fs.v[i]) == 0)
			continue;
		fprintf(f, "%02x:%02x\t%llu\t%s\n", fs.v[i].maj, fs.v[i].min,
			fs.v[i].ino, fs.v[i].path);
	}
	rc = fclose(f) == 0 ? 0 : -1;
out_free:
	fents_free(&fs);
	return rc;
}

/* ---- compression ---- */

int mr_rec_compress_file(const char *src, const char *dst, int long_window)
{
	char tmp[PATH_MAX];
	size_t icap = ZSTD_CStreamInSize(), ocap = ZSTD_CStreamOutSize();
	char *ib = malloc(icap), *ob = malloc(ocap);
	ZSTD_CCtx *cx = ZSTD_createCCtx();
	FILE *in = fopen(src, "rb"), *out;
	int rc = -1;

	mr_rec_pathf(tmp, sizeof(tmp), "%s.tmp", dst);
	out = fopen(tmp, "wb");
	if (!ib || !ob || !cx || !in || !out)
		goto out_close;
	ZSTD_CCtx_setParameter(cx, ZSTD_c_compressionLevel, ZSTD_LEVEL);
	if (long_window) {
		/* 128 MiB back: the default limit of every decoder */
		ZSTD_CCtx_setParameter(cx, ZSTD_c_enableLongDistanceMatching,
				       1);
		ZSTD_CCtx_setParameter(cx, ZSTD_c_windowLog, 27);
	}
	ZSTD_CCtx_setParameter(cx, ZSTD_c_checksumFlag, 1);
	for (;;) {
		size_t n = fread(ib, 1, icap, in);
		int last = n < icap;
		ZSTD_inBuffer inb = {ib, n, 0};
		size_t left;

		if (ferror(in))
			goto out_close;
		do {
			ZSTD_outBuffer outb = {ob, ocap, 0};

			left = ZSTD_compressStream2(cx, &outb, &inb,
						    last ? ZSTD_e_end
							 : ZSTD_e_continue);
			if (ZSTD_isError(left) ||
			    fwrite(ob, 1, outb.pos, out) != outb.pos)
				goto out_close;
		} while (last ? left != 0 : inb.pos < inb.size);
		if (last)
			break;
	}
	rc = 0;
out_close:
	if (out && fclose(out) != 0)
		rc = -1;
	if (in)
		fclose(in);
	ZSTD_freeCCtx(cx);
	free(ib);
	free(ob);
	if (rc == 0 && rename(tmp, dst) < 0)
		rc = -1;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* ---- snap/lines.maps.zst ---- */

struct lsnap {
	unsigned long long line; /* trace line */
	int tid;		 /* the task */
};

static int cmp_lsnap(const void *a, const void *b)
{
	const struct lsnap *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

/*
 * The per-syscall snapshots SNAPDIR/TID.line.L.maps become one stream,
 * SNAPDIR/lines.maps.zst (formats/snapstream.c): in trace-line order,
 * each after a "==> TID.line.L <==" header, compressed with a long window
 * so that the near-identical snapshots cost a few bytes each. *N gets
 * their number.
 */
int mr_rec_pack_lines(const char *snapdir, unsigned long *n)
{
	char path[PATH_MAX], plain[PATH_MAX], zst[PATH_MAX], buf[65536];
	struct lsnap *v = NULL;
	size_t nv = 0, cap = 0, k, got;
	struct dirent *e;
	DIR *d = opendir(snapdir);
	FILE *out, *in;
	int rc = -1;

	*n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		int tid, len = 0;
		unsigned long long line;

		if (sscanf(e->d_name, "%d.line.%llu.maps%n", &tid, &line,
			   &len) != 2 ||
		    e->d_name[len])
			continue;
		if (mr_rec_grow((void **)&v, &cap, nv, sizeof(*v)) < 0) {
			closedir(d);
			free(v);
			return -1;
		}
		v[nv].line = line;
		v[nv++].tid = tid;
	}
	closedir(d);
	if (!nv) {
		free(v);
		return 0;
	}
	qsort(v, nv, sizeof(*v), cmp_lsnap);
	mr_rec_pathf(plain, sizeof(plain), "%s/lines.maps", snapdir);
	mr_rec_pathf(zst, sizeof(zst), "%s/lines.maps.zst", snapdir);
	out = fopen(plain, "w");
	if (!out)
		goto out_free;
	for (k = 0; k < nv; k++) {
		mr_rec_pathf(path, sizeof(path), "%s/%d.line.%llu.maps",
			     snapdir, v[k].tid, v[k].line);
		in = fopen(path, "r");
		if (!in)
			break;
		fprintf(out, "==> %d.line.%llu <==\n", v[k].tid, v[k].line);
		while ((got = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, got, out);
		fclose(in);
	}
	if (fclose(out) != 0 || k < nv ||
	    mr_rec_compress_file(plain, zst, 1) < 0) {
		unlink(plain);
		goto out_free;
	}
	unlink(plain);
	for (k = 0; k < nv; k++) {
		mr_rec_pathf(path, sizeof(path), "%s/%d.line.%llu.maps",
			     snapdir, v[k].tid, v[k].line);
		unlink(path);
	}
	*n = nv;
	rc = 0;
out_free:
	free(v);
	return rc;
}

/* ---- snap/machine.{before,after}/ ---- */

/* Copy FROM to DIR/NAME; 0, or -1 when FROM cannot be read (left out). */
static int copy_file(const char *from, const char *dir, const char *name)
{
	char path[PATH_MAX], buf[65536];
	FILE *in = fopen(from, "r"), *out;
	size_t n;
	int rc = 0;

	if (!in)
		return -1;
	mr_rec_pathf(path, sizeof(path), "%s/%s", dir, name);
	out = fopen(path, "w");
	if (!out) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	fclose(in);
	if (fclose(out) != 0)
		rc = -1;
	return rc;
}

/* Whether two files have the same bytes. */
static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
	int ca, cb, same = fa && fb;

	while (same) {
		ca = getc(fa);
		cb = getc(fb);
		if (ca != cb)
			same = 0;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/*
 * SNAPDIR/machine.WHEN/: the allocator state of the host (zoneinfo,
 * buddyinfo, pagetypeinfo, slabinfo, meminfo, the extfrag indices when
 * debugfs shows them, and ncpus) read in one moment: /proc/buddyinfo is
 * read before and after the others, and the set is read again (up to
 * 20 times, 50 ms apart) until it did not change in between, since the
 * machine's other work moves pages all the time. Returns 0, or -1 when
 * the directory cannot be written.
 */
int mr_rec_write_machine(const char *snapdir, const char *when)
{
	static const struct {
		const char *from, *name;
	} files[] = {
		{"/proc/zoneinfo", "zoneinfo"},
		{"/proc/pagetypeinfo", "pagetypeinfo"},
		{"/proc/slabinfo", "slabinfo"},
		{"/proc/meminfo", "meminfo"},
		{"/sys/kernel/debug/extfrag/unusable_index", "unusable_index"},
		{"/sys/kernel/debug/extfrag/extfrag_index", "extfrag_index"},
		{"/proc/buddyinfo", "buddyinfo"},
	};
	char dir[PATH_MAX], first[PATH_MAX], last[PATH_MAX];
	FILE *f;
	size_t i;
	int tries;

	mr_rec_pathf(dir, sizeof(dir), "%s/machine.%s", snapdir, when);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	mr_rec_pathf(first, sizeof(first), "%s/.buddyinfo", dir);
	mr_rec_pathf(last, sizeof(last), "%s/buddyinfo", dir);
	for (tries = 0; tries < 20; tries++) {
		if (copy_file("/proc/buddyinfo", dir, ".buddyinfo") < 0)
			return -1;
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			copy_file(files[i].from, dir, files[i].name);
		if (same_file(first, last))
			break;
		usleep(50000);
	}
	unlink(first);
	mr_rec_pathf(first, sizeof(first), "%s/ncpus", dir);
	f = fopen(first, "w");
	if (!f)
		return -1;
	fprintf(f, "%ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	return fclose(f) == 0 ? 0 : -1;
}

/* ---- snap/kernel.tsv ---- */

/* The first line of FILE without its newline, or "" (a sysfs value). */
static void read_first_line(const char *file, char *out, size_t n)
{
	FILE *f = fopen(file, "r");

	out[0] = 0;
	if (!f)
		return;
	if (fgets(out, (int)n, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}

/* The bracketed choice of a sysfs list ("always [madvise] never"). */
static void selected(char *s)
{
	char *a = strchr(s, '['), *b = a ? strchr(a, ']') : NULL;

	if (a && b) {
		memmove(s, a + 1, (size_t)(b - a - 1));
		s[b - a - 1] = 0;
	}
}

/*
 * SNAPDIR/kernel.tsv: KEY<TAB>VALUE lines describing the kernel the
 * capture ran on, for the replay's configuration and the history's meta
 * table: release, vm.max_map_count, vm.mmap_min_addr, the THP modes, the
 * hugetlb pools (free and reserved pages of each size), the limits
 * (RLIMIT_STACK, _MEMLOCK, _AS, _DATA) and CAP_IPC_LOCK the command
 * inherits. Written before the command starts.
 */
int mr_rec_write_kernel(const char *snapdir)
{
	static const struct {
		const char *key, *file;
		int list;
	} facts[] = {
		{"release", "/proc/sys/kernel/osrelease", 0},
		{"max_map_count", "/proc/sys/vm/max_map_count", 0},
		{"overcommit_memory", "/proc/sys/vm/overcommit_memory", 0},
		{"mmap_min_addr", "/proc/sys/vm/mmap_min_addr", 0},
		{"thp", "/sys/kernel/mm/transparent_hugepage/enabled", 1},
		{"thp_defrag", "/sys/kernel/mm/transparent_hugepage/defrag", 1},
		{"thp_shmem",
		 "/sys/kernel/mm/transparent_hugepage/shmem_enabled", 1},
		{"hugepages_2048kB_free",
		 "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", 0},
		{"hugepages_2048kB_resv",
		 "/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages", 0},
		{"hugepages_1048576kB_free",
		 "/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages",
		 0},
		{"hugepages_1048576kB_resv",
		 "/sys/kernel/mm/hugepages/hugepages-1048576kB/resv_hugepages",
		 0},
	};
	static const struct {
		const char *key;
		int res;
	} limits[] = {
		{"rlimit_stack", RLIMIT_STACK},
		{"rlimit_memlock", RLIMIT_MEMLOCK},
		{"rlimit_as", RLIMIT_AS},
		{"rlimit_data", RLIMIT_DATA},
	};
	char path[PATH_MAX], v[256];
	struct rlimit rl;
	FILE *f;
	size_t i;

	mr_rec_pathf(path, sizeof(path), "%s/kernel.tsv", snapdir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	for (i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		read_first_line(facts[i].file, v, sizeof(v));
		if (facts[i].list)
			selected(v);
		if (v[0])
			fprintf(f, "%s\t%s\n", facts[i].key, v);
	}
	/* what one commit may take (vm.overcommit_memory 0): RAM and
	 * swap, from /proc/meminfo */
	{
		FILE *mi = fopen("/proc/meminfo", "r");
		char line[256];
		unsigned long long kb;

		while (mi && fgets(line, sizeof(line), mi)) {
			if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
				fprintf(f, "mem_total_kb\t%llu\n", kb);
			else if (sscanf(line, "SwapTotal: %llu kB", &kb) == 1)
				fprintf(f, "swap_total_kb\t%llu\n", kb);
		}
		if (mi)
			fclose(mi);
	}
	/* the recorded command inherits the recorder's limits and, run
	 * by the same user, its capabilities */
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		if (getrlimit(limits[i].res, &rl))
			continue;
		if (rl.rlim_cur == RLIM_INFINITY)
			fprintf(f, "%s\tunlimited\n", limits[i].key);
		else
			fprintf(f, "%s\t%llu\n", limits[i].key,
				(unsigned long long)rl.rlim_cur);
	}
	{
		FILE *st = fopen("/proc/self/status", "r");
		char line[256];
		unsigned long long caps;

		while (st && fgets(line, sizeof(line), st))
			if (sscanf(line, "CapEff: %llx", &caps) == 1)
				fprintf(f, "cap_ipc_lock\t%d\n",
					(int)(caps >> 14 &
					      1)); /* CAP_IPC_LOCK */
		if (st)
			fclose(st);
	}
	return fclose(f) == 0 ? 0 : -1;
}
