/*
 * machine.c - the simulated machine: tasks, address spaces, the string and
 * file tables, and the state digest.
 *
 * The task table mirrors what kernel/fork.c and fs/exec.c do to mm
 * pointers: CLONE_VM shares an mm, fork duplicates it (dup_mmap), execve
 * replaces it, and the last task leaving an mm tears it down (exit_mmap).
 *
 * Digest: the canonical state is the set of (mm, VMA) tuples, the set of
 * (pid, mm) pairs and each mm's scalars. Each element hashes to 64 bits
 * and the digest is a mix of their sum modulo 2^64, so it is independent
 * of insertion order, pointer values and tree shape, and is updated in
 * O(1) per change.
 */
#include "engine/buddy.h"
#include "engine/slub.h"
#include "engine/engine_int.h"

#include <stdlib.h>
#include <string.h>

void mr_config_default(mr_config *c)
{
	memset(c, 0, sizeof(*c));
	c->task_size = 0x7ffffffff000ull;
	/* The kernel's mmap_min_addr is max(vm.mmap_min_addr,
	 * CONFIG_LSM_MMAP_MIN_ADDR): 4096 in /proc/sys/vm/mmap_min_addr but
	 * 65536 in effect on the machines measured (a hint of 0x1000 is
	 * raised to 0x10000). */
	c->mmap_min_addr = 65536;
	c->max_map_count = 65530;
	c->stack_guard_gap = 256 * MR_PAGE_SIZE;
	c->stack_rlimit = 8ull << 20; /* the usual default (ulimit -s 8192) */
	c->thp = MR_THP_MADVISE;      /* placement does not depend on it */
	c->assume_written = 1;
	c->anon_vma_name = 0; /* no CONFIG_ANON_VMA_NAME */
	c->file_thp = 1;
	c->huge_known = 1; /* no huge page free: MAP_HUGETLB reserves none */
	/* what a process of the recorder (root) has: no limit applies */
	c->rlimit[MR_RLIM_MEMLOCK] = 8ull << 20; /* the kernel's default */
	c->rlimit[MR_RLIM_AS] = MR_RLIM_INFINITY;
	c->rlimit[MR_RLIM_DATA] = MR_RLIM_INFINITY;
	c->cap_ipc_lock = 1;
}

/* splitmix64 finaliser: a bijective 64-bit mix. */
uint64_t mr_hash64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t hash_combine(uint64_t h, uint64_t v)
{
	return mr_hash64(h ^ mr_hash64(v));
}

uint64_t mr_vma_hash(const mr_mm *mm, const mr_vma *v)
{
	uint64_t h = mr_hash64(0x766d61ull ^ mm->id);

	h = hash_combine(h, v->start);
	h = hash_combine(h, v->end);
	h = hash_combine(h, v->pgoff);
	h = hash_combine(h, v->flags & ~MR_VM_SOFTDIRTY);
	h = hash_combine(h, v->file);
	if (v->file && v->file <= mm->m->nfiles)
		h = hash_combine(h, mm->m->files[v->file - 1].path_id);
	h = hash_combine(h, v->ofd);
	h = hash_combine(h, v->anon_vma);
	h = hash_combine(h, ((uint64_t)v->name << 16) | v->kind);
	h = hash_combine(h, ((uint64_t)v->anon_forked << 8) | v->heap);
	return h;
}

uint64_t mr_mm_scalar_hash(const mr_mm *mm)
{
	uint64_t h = mr_hash64(0x6d6dull ^ mm->id);

	h = hash_combine(h, mm->known);
	h = hash_combine(h, mm->brk_known ? mm->start_brk : ~0ull);
	h = hash_combine(h, mm->brk_known ? mm->brk : ~0ull);
	h = hash_combine(h, mm->def_flags);
	/* the physical counters (phys.c) and the peaks */
	h = hash_combine(h, mm->rep[MR_MM_FILE] | mm->rep[MR_MM_ANON] << 32);
	h = hash_combine(h, mm->rep[MR_MM_SWAP] | mm->rep[MR_MM_SHMEM] << 32);
	h = hash_combine(h, mm->rep[MR_MM__COUNT]);
	h = hash_combine(h, mm->rep[MR_MM__COUNT + 1] | mm->hiwater_vm << 32);
	h = hash_combine(h, mm->locked_extra);
	return h;
}

/* Recompute an mm's scalar hash after its brk or flags changed. */
void mr_mm_rehash(mr_mm *mm)
{
	mr_machine *m = mm->m;

	m->sum -= mm->hash;
	mm->hash = mr_mm_scalar_hash(mm);
	m->sum += mm->hash;
	if (m->j.mm)
		m->j.mm(m->j.ctx, mm, 2);
}

uint64_t mr_machine_digest(const mr_machine *m)
{
	return mr_hash64(m->sum ^ 0x6d6d7265706c6179ull);
}

int mr_machine_new(mr_machine **out, const mr_config *cfg,
		   const mr_journal *journal)
{
	mr_machine *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -1;
	if (cfg)
		m->cfg = *cfg;
	else
		mr_config_default(&m->cfg);
	if (journal)
		m->j = *journal;
	m->next_pfn = MR_FIRST_PFN;
	*out = m;
	return 0;
}

void mr_machine_free(mr_machine *m)
{
	uint32_t i;

	if (!m)
		return;
	memset(&m->j, 0, sizeof(m->j));
	while (m->mms)
		mr_mm_destroy(m->mms);
	for (i = 0; i < m->nstr; i++)
		free(m->str[i]);
	free(m->str);
	free(m->stridx);
	free(m->files);
	free(m->deleted);
	free(m->shmem_ino);
	mr_machine_shm_free(m);
	mr_u64map_free(&m->pages);
	mr_u64map_free(&m->pcache);
	mr_u64map_free(&m->folios);
	mr_u64map_free(&m->vma_obj);
	mr_av_free_all(m);
	mr_kobj_free_all(m);
	mr_slub_free(m->slub);
	mr_buddy_free(m->buddy);
	free(m->file_of_str);
	free(m->tasks);
	free(m->touched);
	free(m->dirty_mms);
	free(m->choice);
	free(m);
}

const mr_config *mr_machine_config(const mr_machine *m)
{
	return &m->cfg;
}

/* ---- strings ---- */

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int stridx_grow(mr_machine *m)
{
	uint32_t cap = m->stridx_cap ? m->stridx_cap * 2 : 256;
	uint32_t *idx = calloc(cap, sizeof(*idx));
	uint32_t i;

	if (!idx)
		return -1;
	for (i = 0; i < m->nstr; i++) {
		uint64_t h = str_hash(m->str[i]) & (cap - 1);

		while (idx[h])
			h = (h + 1) & (cap - 1);
		idx[h] = i + 1;
	}
	free(m->stridx);
	m->stridx = idx;
	m->stridx_cap = cap;
	return 0;
}

/* The index slot of S: its id there, or the empty slot it would take. */
static uint64_t str_slot(const mr_machine *m, const char *s)
{
	uint64_t h = str_hash(s) & (m->stridx_cap - 1);

	while (m->stridx[h] && strcmp(m->str[m->stridx[h] - 1], s))
		h = (h + 1) & (m->stridx_cap - 1);
	return h;
}

/* The id of S when it was interned, else 0. */
static uint32_t str_find(const mr_machine *m, const char *s)
{
	return m->stridx_cap ? m->stridx[str_slot(m, s)] : 0;
}

uint32_t mr_machine_intern(mr_machine *m, const char *s)
{
	uint64_t h;
	char *copy;

	if ((m->nstr + 1) * 2 > m->stridx_cap && stridx_grow(m))
		return 0;
	h = str_slot(m, s);
	if (m->stridx[h])
		return m->stridx[h];
	if (m->nstr == m->capstr) {
		uint32_t cap = m->capstr ? m->capstr * 2 : 64;
		char **n = realloc(m->str, cap * sizeof(*n));

		if (!n)
			return 0;
		m->str = n;
		m->capstr = cap;
	}
	copy = strdup(s);
	if (!copy)
		return 0;
	m->str[m->nstr++] = copy;
	m->stridx[h] = m->nstr;
	return m->nstr;
}

const char *mr_machine_string(const mr_machine *m, uint32_t id)
{
	return id && id <= m->nstr ? m->str[id - 1] : "";
}

/* ---- files ---- */

static int is_deleted(const char *p)
{
	size_t n = strlen(p);

	return n >= 10 && !strcmp(p + n - 10, " (deleted)");
}

/* Remember a device and inode known for a deleted name. */
static void deleted_note(mr_machine *m, uint32_t sid, uint32_t major,
			 uint32_t minor, uint64_t inode)
{
	size_t i;

	for (i = 0; i < m->ndeleted; i++)
		if (m->deleted[i].path_id == sid &&
		    m->deleted[i].inode == inode)
			return;
	if (m->ndeleted == m->capdeleted) {
		size_t cap = m->capdeleted ? m->capdeleted * 2 : 16;
		struct mr_deleted *n = realloc(m->deleted, cap * sizeof(*n));

		if (!n)
			return;
		m->deleted = n;
		m->capdeleted = cap;
	}
	m->deleted[m->ndeleted].path_id = sid;
	m->deleted[m->ndeleted].dev_major = major;
	m->deleted[m->ndeleted].dev_minor = minor;
	m->deleted[m->ndeleted].inode = inode;
	m->deleted[m->ndeleted].used = 0;
	m->ndeleted++;
}

/* Make room in file_of_str for string id SID; 0 or -1. */
static int file_of_str_fit(mr_machine *m, uint32_t sid)
{
	uint32_t cap = m->cap_file_of_str ? m->cap_file_of_str : 64;
	uint32_t *n;

	if (sid < m->cap_file_of_str)
		return 0;
	while (cap <= sid)
		cap *= 2;
	n = realloc(m->file_of_str, cap * sizeof(*n));
	if (!n)
		return -1;
	memset(n + m->cap_file_of_str, 0,
	       (cap - m->cap_file_of_str) * sizeof(*n));
	m->file_of_str = n;
	m->cap_file_of_str = cap;
	return 0;
}

/* Append a file named by string SID; returns its id, 0 when out of
 * memory. */
static uint32_t file_new(mr_machine *m, uint32_t sid, uint32_t dev_major,
			 uint32_t dev_minor, uint64_t inode)
{
	mr_file *f;

	if (m->nfiles == m->capfiles) {
		uint32_t cap = m->capfiles ? m->capfiles * 2 : 64;
		mr_file *n = realloc(m->files, cap * sizeof(*n));

		if (!n)
			return 0;
		m->files = n;
		m->capfiles = cap;
	}
	f = &m->files[m->nfiles++];
	memset(f, 0, sizeof(*f));
	f->path = m->str[sid - 1];
	f->path_id = sid;
	f->dev_major = dev_major;
	f->dev_minor = dev_minor;
	f->inode = inode;
	return m->nfiles;
}

/* Whether a file other than ID with ID's device and inode is mapped:
 * then ID, not mapped itself, cannot be that inode now. */
static int inode_taken(const mr_machine *m, uint32_t id, uint32_t major,
		       uint32_t minor, uint64_t inode)
{
	uint32_t i;

	for (i = 1; i <= m->nfiles; i++) {
		const mr_file *o = &m->files[i - 1];

		if (i != id && o->inode == inode && o->dev_major == major &&
		    o->dev_minor == minor && mr_machine_file_mapped(m, i))
			return 1;
	}
	return 0;
}

/*
 * The trace names file ID by a path that held several files during the
 * capture (the file table knows more than one inode for it). While ID is
 * not mapped, its inode is the lowest known for the path that no other
 * mapped file has: files made one after another get increasing inode
 * numbers (a guess, see docs/fidelity.md).
 */
static void file_pick_inode(mr_machine *m, uint32_t id)
{
	mr_file *f = &m->files[id - 1];
	const struct mr_deleted *best = NULL;
	size_t i;

	for (i = 0; i < m->ndeleted; i++) {
		const struct mr_deleted *d = &m->deleted[i];

		if (d->path_id == f->path_id &&
		    !inode_taken(m, id, d->dev_major, d->dev_minor, d->inode) &&
		    (!best || d->inode < best->inode))
			best = d;
	}
	if (!best || best->inode == f->inode ||
	    !inode_taken(m, id, f->dev_major, f->dev_minor, f->inode) ||
	    mr_machine_file_mapped(m, id))
		return;
	f->dev_major = best->dev_major;
	f->dev_minor = best->dev_minor;
	f->inode = best->inode;
}

uint32_t mr_machine_file(mr_machine *m, const char *path, uint32_t dev_major,
			 uint32_t dev_minor, uint64_t inode)
{
	uint32_t sid = mr_machine_intern(m, path);
	mr_file *f;

	if (!sid || file_of_str_fit(m, sid))
		return 0;
	if (inode && is_deleted(path))
		deleted_note(m, sid, dev_major, dev_minor, inode);
	if (m->file_of_str[sid]) {
		uint32_t id = m->file_of_str[sid];

		f = &m->files[id - 1];
		if (!f->inode && inode) {
			mr_machine_file_set_ids(m, id, dev_major, dev_minor,
						inode);
		} else if (inode && f->inode != inode) {
			/* The name held several files in the capture: keep
			 * every inode known for it. */
			deleted_note(m, sid, f->dev_major, f->dev_minor,
				     f->inode);
			deleted_note(m, sid, dev_major, dev_minor, inode);
		} else if (!inode) {
			file_pick_inode(m, id);
		}
		return id;
	}
	if (!file_new(m, sid, dev_major, dev_minor, inode))
		return 0;
	m->file_of_str[sid] = m->nfiles;
	return m->nfiles;
}

uint32_t mr_machine_file_unnamed(mr_machine *m, const char *path,
				 uint32_t dev_major, uint32_t dev_minor,
				 uint64_t inode)
{
	uint32_t sid = mr_machine_intern(m, path);

	return sid ? file_new(m, sid, dev_major, dev_minor, inode) : 0;
}

void mr_machine_file_set_sysv(mr_machine *m, uint32_t id)
{
	if (id && id <= m->nfiles)
		m->files[id - 1].sysv = 1;
}

uint32_t mr_machine_file_find(const mr_machine *m, const char *path)
{
	uint32_t sid = str_find(m, path);

	return sid && sid < m->cap_file_of_str ? m->file_of_str[sid] : 0;
}

void mr_machine_file_set_size(mr_machine *m, uint32_t id, uint64_t size)
{
	if (id && id <= m->nfiles)
		m->files[id - 1].size = size;
}

/* The file a path names: absolute, or the unique "/PATH" suffix. */
static uint32_t file_named(mr_machine *m, const char *path)
{
	size_t n = strlen(path), i;
	uint32_t id = 0;

	if (path[0] == '/')
		return mr_machine_file_find(m, path);
	for (i = 0; i < m->nfiles; i++) {
		const char *p = m->files[i].path;
		size_t pl = strlen(p);

		if (pl > n && p[pl - n - 1] == '/' &&
		    !strcmp(p + pl - n, path) && !is_deleted(p)) {
			if (id)
				return 0; /* more than one: cannot tell */
			id = (uint32_t)i + 1;
		}
	}
	return id;
}

void mr_machine_vmas_change(mr_machine *m,
			    int (*match)(const mr_vma *v, uint32_t key),
			    uint32_t key, int begin)
{
	mr_mm *mm;
	mr_vma *v;

	for (mm = m->mms; mm; mm = mm->next_mm)
		for (v = mr_vma_tree_first(&mm->tree); v; v = mr_vma_next(v))
			if (match(v, key)) {
				if (begin)
					mr_vma_change_begin(mm, v);
				else
					mr_vma_change_end(mm, v, 0);
			}
}

static int of_file(const mr_vma *v, uint32_t id)
{
	return v->file == id;
}

/* Every VMA of file ID, in every mm, leaves (BEGIN) or re-enters the
 * history and the digest. */
static void file_vmas_change(mr_machine *m, uint32_t id, int begin)
{
	mr_machine_vmas_change(m, of_file, id, begin);
}

int mr_machine_file_unlink(mr_machine *m, const char *path)
{
	uint32_t id, dsid, old;
	char *dn;
	size_t n;
	mr_file *f;

	if (!path || !*path || !(id = file_named(m, path)))
		return 0;
	f = &m->files[id - 1];
	if (is_deleted(f->path))
		return 0;
	n = strlen(f->path);
	dn = malloc(n + 11);
	if (!dn)
		return 0;
	memcpy(dn, f->path, n);
	memcpy(dn + n, " (deleted)", 11);
	/* The capture's file table may know the deleted name's device and
	 * inode (files.tsv): the entry becomes this file's. */
	old = mr_machine_file(m, dn, 0, 0, 0);
	free(dn);
	if (!old)
		return 0;
	f = &m->files[id - 1];
	dsid = m->files[old - 1].path_id;
	if (!f->inode) {
		/* Of the inodes known for the deleted name, the lowest not
		 * given yet: files made one after another get increasing
		 * inode numbers (a guess, see docs/fidelity.md). */
		struct mr_deleted *best = NULL;
		size_t i;

		for (i = 0; i < m->ndeleted; i++) {
			struct mr_deleted *d = &m->deleted[i];

			if (d->path_id == dsid && !d->used &&
			    (!best || d->inode < best->inode))
				best = d;
		}
		if (best) {
			best->used = 1;
			f->dev_major = best->dev_major;
			f->dev_minor = best->dev_minor;
			f->inode = best->inode;
		}
	}
	file_vmas_change(m, id, 1);
	m->file_of_str[f->path_id] = 0;
	m->file_of_str[dsid] = id;
	f->path = m->str[dsid - 1];
	f->path_id = dsid;
	file_vmas_change(m, id, 0);
	return 1;
}

int mr_machine_file_mapped(const mr_machine *m, uint32_t id)
{
	const mr_mm *mm;
	const mr_vma *v;

	for (mm = m->mms; mm; mm = mm->next_mm)
		for (v = mr_vma_tree_first(&mm->tree); v; v = mr_vma_next(v))
			if (v->file == id)
				return 1;
	return 0;
}

/* Give file ID the name of string SID, and the device and inode of file
 * SRC when it has none (SRC 0: none). */
static void file_rename(mr_machine *m, uint32_t id, uint32_t sid, uint32_t src)
{
	mr_file *f = &m->files[id - 1];

	file_vmas_change(m, id, 1);
	if (src && !f->inode) {
		f->dev_major = m->files[src - 1].dev_major;
		f->dev_minor = m->files[src - 1].dev_minor;
		f->inode = m->files[src - 1].inode;
	}
	if (m->file_of_str[f->path_id] == id)
		m->file_of_str[f->path_id] = 0;
	m->file_of_str[sid] = id;
	f->path = m->str[sid - 1];
	f->path_id = sid;
	file_vmas_change(m, id, 0);
}

int mr_machine_file_rename(mr_machine *m, const char *oldp, const char *newp,
			   int exchange)
{
	char buf[4096];
	uint32_t id, other, sid, osid, name_only = 0;
	const mr_file *f;
	size_t ol, nl, pl;

	if (!oldp || !newp || !*oldp || !*newp || !(id = file_named(m, oldp)))
		return 0;
	f = &m->files[id - 1];
	if (is_deleted(f->path))
		return 0;
	if (newp[0] != '/') {
		/* Both names are relative to one working directory: the
		 * old one's resolved path shows it (when OLDP is relative
		 * too). */
		ol = strlen(oldp);
		pl = strlen(f->path);
		nl = strlen(newp);
		if (oldp[0] == '/' || pl <= ol ||
		    pl - ol + nl + 1 > sizeof(buf))
			return 0;
		memcpy(buf, f->path, pl - ol);
		memcpy(buf + pl - ol, newp, nl + 1);
		newp = buf;
	}
	if (!strcmp(newp, f->path))
		return 0;
	other = file_named(m, newp);
	if (other && !mr_machine_file_mapped(m, other)) {
		/* A name only (the capture's file table lists the file by
		 * the name it has at the end): its device and inode are
		 * this file's. */
		name_only = other;
		other = 0;
	}
	if (other && !exchange) {
		mr_machine_file_unlink(m, newp); /* replaced: deleted */
		other = 0;
	}
	sid = mr_machine_intern(m, newp);
	if (!sid || file_of_str_fit(m, sid))
		return 0;
	osid = m->files[id - 1].path_id;
	file_rename(m, id, sid, name_only);
	if (other) /* RENAME_EXCHANGE: the names swap */
		file_rename(m, other, osid, 0);
	return 1;
}

const mr_file *mr_machine_file_get(const mr_machine *m, uint32_t id)
{
	return id && id <= m->nfiles ? &m->files[id - 1] : NULL;
}

mr_mm *mr_machine_mm(const mr_machine *m, uint32_t id)
{
	mr_mm *mm;

	for (mm = m->mms; mm; mm = mm->next_mm)
		if (mm->id == id)
			return mm;
	return NULL;
}

uint32_t mr_machine_new_ofd(mr_machine *m)
{
	return ++m->next_ofd;
}

void mr_machine_file_set_ids(mr_machine *m, uint32_t id, uint32_t maj,
			     uint32_t min, uint64_t ino)
{
	mr_file *f;

	if (!id || id > m->nfiles)
		return;
	f = &m->files[id - 1];
	if (f->dev_major == maj && f->dev_minor == min && f->inode == ino)
		return;
	file_vmas_change(m, id, 1);
	f->dev_major = maj;
	f->dev_minor = min;
	f->inode = ino;
	file_vmas_change(m, id, 0);
}

/* The slot of OFD in the sorted shmem inode table (or where it goes). */
static size_t shmem_slot(const mr_machine *m, uint32_t ofd)
{
	size_t lo = 0, hi = m->nshmem_ino;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->shmem_ino[mid].ofd < ofd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t mr_machine_shmem_inode(const mr_machine *m, uint32_t ofd)
{
	size_t i = shmem_slot(m, ofd);

	return i < m->nshmem_ino && m->shmem_ino[i].ofd == ofd
		       ? m->shmem_ino[i].inode
		       : 0;
}

int mr_machine_shmem_set_inode(mr_machine *m, uint32_t ofd, uint64_t ino)
{
	size_t i = shmem_slot(m, ofd);

	if (i < m->nshmem_ino && m->shmem_ino[i].ofd == ofd) {
		m->shmem_ino[i].inode = ino;
		return 0;
	}
	if (m->nshmem_ino == m->capshmem_ino) {
		size_t cap = m->capshmem_ino ? m->capshmem_ino * 2 : 16;
		struct mr_shmem_ino *n =
			realloc(m->shmem_ino, cap * sizeof(*n));

		if (!n)
			return -1;
		m->shmem_ino = n;
		m->capshmem_ino = cap;
	}
	memmove(&m->shmem_ino[i + 1], &m->shmem_ino[i],
		(m->nshmem_ino - i) * sizeof(*m->shmem_ino));
	m->shmem_ino[i].ofd = ofd;
	m->shmem_ino[i].inode = ino;
	m->nshmem_ino++;
	return 0;
}

uint32_t mr_machine_shmem_ofd(mr_machine *m, uint64_t ino)
{
	uint32_t ofd;
	size_t i;

	for (i = 0; i < m->nshmem_ino; i++)
		if (m->shmem_ino[i].inode == ino)
			return m->shmem_ino[i].ofd;
	ofd = mr_machine_new_ofd(m);
	return mr_machine_shmem_set_inode(m, ofd, ino) ? 0 : ofd;
}

uint32_t mr_machine_new_anon_vma(mr_machine *m)
{
	return ++m->next_anon_vma;
}

const mr_choice *mr_machine_choices(const mr_machine *m, size_t *n)
{
	*n = m->nchoice;
	return m->choice;
}

void mr_machine_choices_clear(mr_machine *m)
{
	m->nchoice = 0;
}

void mr_machine_set_choice_hook(mr_machine *m, mr_choice_fn fn, void *ctx)
{
	m->choice_fn = fn;
	m->choice_ctx = ctx;
}

const mr_wstats *mr_machine_wstats(const mr_machine *m)
{
	return &m->wstats;
}

uint64_t mr_machine_limits_learned(const mr_machine *m)
{
	return m->limits_learned;
}

/* ---- change tracking for the incremental invariant check ---- */

void mr_machine_mm_dirty(mr_machine *m, const mr_mm *mm)
{
	size_t i;

	for (i = 0; i < m->ndirty; i++)
		if (m->dirty_mms[i] == mm->id)
			return;
	if (m->ndirty == m->capdirty) {
		size_t cap = m->capdirty ? m->capdirty * 2 : 8;
		uint32_t *n = realloc(m->dirty_mms, cap * sizeof(*n));

		if (!n)
			return;
		m->dirty_mms = n;
		m->capdirty = cap;
	}
	m->dirty_mms[m->ndirty++] = mm->id;
}

void mr_machine_touch(mr_machine *m, const mr_mm *mm, uint64_t start,
		      int merge_path)
{
	mr_machine_mm_dirty(m, mm);
	if (m->touched_overflow)
		return;
	if (m->ntouched == m->captouched) {
		size_t cap = m->captouched ? m->captouched * 2 : 16;
		struct mr_touched *n;

		if (cap > 4096) {
			m->touched_overflow = 1;
			return;
		}
		n = realloc(m->touched, cap * sizeof(*n));
		if (!n) {
			m->touched_overflow = 1;
			return;
		}
		m->touched = n;
		m->captouched = cap;
	}
	m->touched[m->ntouched].mm = mm->id;
	m->touched[m->ntouched].start = start;
	m->touched[m->ntouched].merge_path = merge_path;
	m->ntouched++;
}

/* ---- tasks ---- */

static struct mr_task *task_find(const mr_machine *m, int32_t pid)
{
	size_t lo = 0, hi = m->ntasks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->tasks[mid].pid == pid)
			return &m->tasks[mid];
		if (m->tasks[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static uint64_t task_hash(const struct mr_task *t)
{
	uint64_t h = mr_hash64(0x7461736bull ^ (uint32_t)t->pid);

	h = hash_combine(h, (uint32_t)t->tgid);
	return hash_combine(h, t->mm ? t->mm->id : 0);
}

static void mm_put(mr_machine *m, mr_mm *mm)
{
	if (mm && --mm->users == 0)
		mr_mm_destroy(mm);
	(void)m;
}

static void task_detach(mr_machine *m, struct mr_task *t)
{
	mr_mm *mm = t->mm;
	size_t i = (size_t)(t - m->tasks);

	m->sum -= t->hash;
	if (m->j.task)
		m->j.task(m->j.ctx, t->pid, NULL);
	mr_kobj_task_gone(m, t);
	memmove(&m->tasks[i], &m->tasks[i + 1],
		(m->ntasks - i - 1) * sizeof(*t));
	m->ntasks--;
	mm_put(m, mm);
}

/* Attach PID (tgid TGID) to MM, replacing what it had. */
static int task_set(mr_machine *m, int32_t pid, int32_t tgid, mr_mm *mm)
{
	struct mr_task *t = task_find(m, pid);
	mr_mm *old = NULL;

	if (t) {
		old = t->mm;
		m->sum -= t->hash;
	} else {
		size_t i = 0;

		if (m->ntasks == m->captasks) {
			size_t cap = m->captasks ? m->captasks * 2 : 16;
			struct mr_task *n = realloc(m->tasks, cap * sizeof(*n));

			if (!n)
				return -1;
			m->tasks = n;
			m->captasks = cap;
		}
		while (i < m->ntasks && m->tasks[i].pid < pid)
			i++;
		memmove(&m->tasks[i + 1], &m->tasks[i],
			(m->ntasks - i) * sizeof(*t));
		m->ntasks++;
		t = &m->tasks[i];
		memset(t, 0, sizeof(*t));
		t->pid = pid;
	}
	t->tgid = tgid;
	t->mm = mm;
	mm->users++;
	t->hash = task_hash(t);
	m->sum += t->hash;
	if (m->j.task)
		m->j.task(m->j.ctx, pid, mm);
	mm_put(m, old);
	return 0;
}

mr_mm *mr_machine_task_mm(const mr_machine *m, int32_t pid)
{
	struct mr_task *t = task_find(m, pid);

	return t ? t->mm : NULL;
}

int32_t mr_machine_task_tgid(const mr_machine *m, int32_t pid)
{
	struct mr_task *t = task_find(m, pid);

	return t ? t->tgid : 0;
}

mr_mm *mr_machine_task_adopt(mr_machine *m, int32_t pid)
{
	mr_mm *mm;

	/* a process the trace did not create: its mm_struct existed */
	m->kobj_background = 1;
	mm = mr_mm_create(m, pid);
	m->kobj_background = 0;

	if (!mm)
		return NULL;
	if (task_set(m, pid, pid, mm)) {
		mr_mm_destroy(mm);
		return NULL;
	}
	mr_kobj_task_adopt(m, task_find(m, pid));
	return mm;
}

int mr_machine_clone(mr_machine *m, int32_t parent, int32_t child,
		     uint64_t clone_flags)
{
	struct mr_task *p = task_find(m, parent);
	int32_t tgid = child;
	mr_mm *mm;

	if (!p || !p->mm) {
		mr_machine_task_adopt(m, child);
		return -1;
	}
	if (clone_flags & MR_CLONE_THREAD)
		tgid = p->tgid;
	if (clone_flags & MR_CLONE_VM) {
		mm = p->mm;
	} else {
		mm = mr_mm_dup(p->mm, child);
		if (!mm)
			return -1;
	}
	if (task_set(m, child, tgid, mm)) {
		if (!(clone_flags & MR_CLONE_VM))
			mr_mm_destroy(mm);
		return -1;
	}
	/* task_set() may have moved the parent's entry */
	mr_kobj_task_clone(m, task_find(m, parent), task_find(m, child),
			   clone_flags);
	return 0;
}

/* Every task of thread group TGID other than KEEP leaves. */
static void kill_group(mr_machine *m, int32_t tgid, int32_t keep)
{
	size_t i = 0;

	while (i < m->ntasks) {
		if (m->tasks[i].tgid == tgid && m->tasks[i].pid != keep)
			task_detach(m, &m->tasks[i]);
		else
			i++;
	}
}

mr_mm *mr_machine_exec(mr_machine *m, int32_t pid)
{
	struct mr_task *t = task_find(m, pid);
	int32_t tgid = t ? t->tgid : pid;
	mr_mm *mm;

	kill_group(m, tgid, pid);
	mm = mr_mm_create(m, tgid);
	if (!mm)
		return NULL;
	if (t && t->mm) /* the process keeps its limits across exec */
		mr_mm_limits_copy(mm, t->mm);
	if (task_set(m, pid, tgid, mm)) {
		mr_mm_destroy(mm);
		return NULL;
	}
	if (t)
		mr_kobj_task_exec(m, task_find(m, pid));
	else
		mr_kobj_task_adopt(m, task_find(m, pid));
	return mm;
}

void mr_machine_exit_group(mr_machine *m, int32_t pid)
{
	struct mr_task *t = task_find(m, pid);

	if (!t)
		return;
	kill_group(m, t->tgid, 0);
}

void mr_machine_task_exit(mr_machine *m, int32_t pid)
{
	struct mr_task *t = task_find(m, pid);

	if (t)
		task_detach(m, t);
}

size_t mr_machine_ntasks(const mr_machine *m)
{
	return m->ntasks;
}

int32_t mr_machine_task_pid(const mr_machine *m, size_t i)
{
	return i < m->ntasks ? m->tasks[i].pid : 0;
}

size_t mr_machine_nmms(const mr_machine *m)
{
	return m->nmms;
}
