/*
 * shm.c - System V shared memory as address spaces see it: shmget makes a
 * segment, shmat maps it, shmdt unmaps an attach, shmctl(IPC_RMID) marks
 * it for destruction.
 *
 * A segment is a file of the kernel's internal shm mount; every attach
 * is a MAP_SHARED mapping of it with a struct file of its own, named in
 * the maps "/SYSV<key as %08x> (deleted)" with the segment's id as its
 * inode (measured on 6.18: device 00:01, as shared anonymous memory).
 *
 * The segments live in the machine (one IPC namespace). A segment marked
 * with IPC_RMID lives on while any VMA maps it (shm_nattch counts VMAs,
 * fragments included) and is gone after the last one goes.
 *
 * Mirrors Linux 6.18 ipc/shm.c: newseg, ksys_shmget, do_shmat (addresses
 * rounded with SHM_RND to SHMLBA, which is PAGE_SIZE on x86; an address
 * without SHM_REMAP must not overlap a mapping: EINVAL), ksys_shmdt (the
 * attach starting at addr, and its fragments, found by pgoff).
 */
#include "engine/engine_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IPC_CREAT_ 01000
#define IPC_EXCL_ 02000
#define SHM_HUGETLB_ 04000
#define SHM_NORESERVE_ 010000
#define SHM_RDONLY_ 010000
#define SHM_RND_ 020000
#define SHM_REMAP_ 040000
#define SHM_EXEC_ 0100000
#define SHMMIN_ 1
#define SHMMAX_ (ULLONG_MAX_ - (1ull << 24))
#define ULLONG_MAX_ 0xffffffffffffffffull

static struct mr_shmseg *seg_find(const mr_machine *m, int64_t id)
{
	size_t i;

	for (i = 0; i < m->nshm; i++)
		if (m->shm[i].id == id)
			return &m->shm[i];
	return NULL;
}

static struct mr_shmseg *seg_by_key(const mr_machine *m, uint32_t key)
{
	size_t i;

	for (i = 0; i < m->nshm; i++)
		if (m->shm[i].key == key && !m->shm[i].removed)
			return &m->shm[i];
	return NULL;
}

static uint64_t seg_hash(const struct mr_shmseg *s)
{
	uint64_t h = mr_hash64((uint64_t)s->id ^ 0x5359535600000000ull);

	h = mr_hash64(h ^ s->key);
	h = mr_hash64(h ^ s->size);
	return mr_hash64(h ^ (uint64_t)s->removed);
}

/* A segment marked for destruction is gone once nothing maps it. */
static int seg_alive(const mr_machine *m, const struct mr_shmseg *s)
{
	return !s->removed || mr_machine_file_mapped(m, s->file);
}

static struct mr_shmseg *seg_add(mr_machine *m, int64_t id, uint32_t key,
				 uint64_t size)
{
	struct mr_shmseg *s = seg_find(m, id);
	char name[64];

	if (s) { /* the id was reused after the old segment went */
		m->sum -= seg_hash(s);
	} else {
		if (m->nshm == m->capshm) {
			size_t cap = m->capshm ? m->capshm * 2 : 8;
			struct mr_shmseg *n = realloc(m->shm, cap * sizeof(*n));

			if (!n)
				return NULL;
			m->shm = n;
			m->capshm = cap;
		}
		s = &m->shm[m->nshm++];
	}
	snprintf(name, sizeof(name), "/SYSV%08x (deleted)", key);
	s->id = id;
	s->key = key;
	s->size = size;
	s->removed = 0;
	s->file = mr_machine_file_unnamed(m, name, 0, 1, (uint64_t)id);
	if (s->file)
		mr_machine_file_set_sysv(m, s->file);
	m->sum += seg_hash(s);
	return s;
}

/*
 * newseg() with SHM_HUGETLB: the SHM_HUGE_* size must exist (2 MiB or
 * 1 GiB), and without SHM_NORESERVE the pool must hold the segment's
 * pages (ENOMEM). MR_PRED_NONE (an id to come) when it may be made.
 */
static int64_t huge_check(const mr_machine *m, uint64_t size, uint64_t flags)
{
	unsigned lg = (unsigned)(flags >> 26) & 0x3f;
	uint64_t hs;

	if (lg != 0 && lg != 21 && lg != 30)
		return -EINVAL;
	hs = lg == 30 ? 1ull << 30 : MR_PMD_SIZE;
	if (!(flags & SHM_NORESERVE_) && m->cfg.huge_known &&
	    (size + hs - 1) / hs > m->cfg.huge_avail[lg == 30])
		return -ENOMEM;
	return MR_PRED_NONE;
}

int64_t mr_machine_shmget(mr_machine *m, uint64_t key, uint64_t size,
			  uint64_t flags, int64_t recorded)
{
	uint32_t k = (uint32_t)key;
	struct mr_shmseg *s = k ? seg_by_key(m, k) : NULL;
	int64_t pred = MR_PRED_NONE; /* ids are the kernel's to choose */

	if (s && !seg_alive(m, s))
		s = NULL;
	if (s) {
		/* ksys_shmget() finding the key: shm_more_checks() */
		if ((flags & (IPC_CREAT_ | IPC_EXCL_)) ==
		    (IPC_CREAT_ | IPC_EXCL_))
			pred = -EEXIST;
		else if (s->size && size > s->size)
			pred = -EINVAL;
		else
			pred = s->id;
	} else if (!k || (flags & IPC_CREAT_)) {
		/* newseg() */
		if (size < SHMMIN_ || size > SHMMAX_)
			pred = -EINVAL;
		else if (flags & SHM_HUGETLB_)
			pred = huge_check(m, size, flags);
	}
	/* A key the model has not seen may name a segment made before the
	 * trace: no prediction then, unless it is created here. */
	if (recorded == MR_RESULT_UNKNOWN)
		recorded = pred;
	if (recorded < 0 || recorded == MR_PRED_NONE)
		return pred;
	if (s && s->id != recorded)
		mr_machine_shm_rmid(m, s->id); /* the key names another now */
	if (!s || s->id != recorded) {
		/* Created here (or made before the trace, size unknown when
		 * the call asked for none). */
		s = seg_add(m, recorded, k,
			    (!k || (flags & IPC_CREAT_)) ? size : 0);
		if (s && s->file && (flags & SHM_HUGETLB_) &&
		    (!k || (flags & IPC_CREAT_))) {
			/* newseg(): a file on the hugetlbfs mount of the
			 * SHM_HUGE_* size, whose device and inode (not the
			 * shmid) no trace shows */
			unsigned lg = (unsigned)(flags >> 26) & 0x3f;
			mr_file *f = &m->files[s->file - 1];

			f->huge_shift = (uint8_t)(lg == 30 ? 30 : 21);
			f->dev_minor = 0;
			f->inode = 0;
			if (!(flags & SHM_NORESERVE_)) {
				/* hugetlb_reserve_pages() for the segment */
				uint64_t hs = 1ull << f->huge_shift;
				uint64_t n = (size + hs - 1) / hs;
				uint64_t *av = &m->cfg.huge_avail[lg == 30];

				f->huge_resv = n;
				*av = *av > n ? *av - n : 0;
			}
		}
	}
	return pred;
}

void mr_machine_shm_rmid(mr_machine *m, int64_t shmid)
{
	struct mr_shmseg *s = seg_find(m, shmid);

	if (!s || s->removed)
		return;
	m->sum -= seg_hash(s);
	s->removed = 1;
	m->sum += seg_hash(s);
	if (s->file && !mr_machine_file_mapped(m, s->file))
		mr_machine_huge_release(m, s->file);
}

int mr_machine_shm_file_removed(const mr_machine *m, uint32_t file)
{
	size_t i;

	for (i = 0; i < m->nshm; i++)
		if (m->shm[i].file == file)
			return m->shm[i].removed;
	return 1;
}

int64_t mr_mm_shmat(mr_mm *mm, int64_t shmid, uint64_t addr, uint64_t flags,
		    int64_t recorded)
{
	mr_machine *m = mm->m;
	struct mr_shmseg *s = seg_find(m, shmid);
	uint64_t prot = PROT_READ_, mflags = MAP_SHARED_, size;
	mr_fileref f;
	const mr_vma *v;
	int64_t pred, gone = 0;

	if (shmid < 0)
		return -EINVAL;
	if (addr) {
		if (addr & ~MR_PAGE_MASK) {
			if (!(flags & SHM_RND_))
				return -EINVAL;
			addr &= MR_PAGE_MASK; /* SHMLBA is PAGE_SIZE */
			if (!addr && (flags & SHM_REMAP_))
				return -EINVAL;
		}
		mflags |= MAP_FIXED_;
	} else if (flags & SHM_REMAP_) {
		return -EINVAL;
	}
	if (s && !seg_alive(m, s)) {
		gone = -EINVAL; /* shm_obtain_object_check() */
		s = NULL;
	}
	if (!s) {
		/* A segment the trace did not create: it may exist or not,
		 * and its size is not known. */
		if (recorded < 0)
			return gone ? gone : MR_PRED_NONE;
		s = seg_add(m, shmid, 0, 0);
		if (!s)
			return MR_PRED_NONE;
	}
	if (!(flags & SHM_RDONLY_))
		prot |= PROT_WRITE_;
	if (flags & SHM_EXEC_)
		prot |= PROT_EXEC_;
	size = s->size ? s->size : MR_PAGE_SIZE;
	if (addr && !(flags & SHM_REMAP_)) {
		if (addr + size < addr)
			return -EINVAL;
		v = mr_vma_tree_find_after(&mm->tree, addr);
		if (v && v->start < addr + size)
			return -EINVAL;
	}
	memset(&f, 0, sizeof(f));
	f.file = s->file;
	f.ofd = mr_machine_new_ofd(m); /* shm_file_data's own file */
	f.readable = 1;
	f.writable = !(flags & SHM_RDONLY_);
	pred = mr_mm_mmap(mm, addr, size, prot, mflags, &f, 0, recorded);
	if (!s->size) {
		/* The size is not known: what was mapped is a guess. */
		mr_vma *nv = recorded >= 0 && recorded != MR_RESULT_UNKNOWN
				     ? mr_vma_tree_find(&mm->tree,
							(uint64_t)recorded)
				     : NULL;

		if (nv && nv->file == s->file)
			mr_vma_set_inferred(mm, nv, 1);
		return gone ? gone : MR_PRED_NONE;
	}
	return gone ? gone : pred;
}

/* Whether V is an attach of a segment starting at ADDR (its pgoff says
 * how far into the segment it starts). */
static int shm_attach_at(const mr_machine *m, const mr_vma *v, uint64_t addr)
{
	const mr_file *f = mr_machine_file_get(m, v->file);

	return f && f->sysv && !(v->flags & MR_VM_SEALED) &&
	       (v->start - addr) / MR_PAGE_SIZE == v->pgoff;
}

/*
 * ksys_shmdt(): the first VMA at or after ADDR that is an attach starting
 * at ADDR (in pgoff terms) is unmapped, and then its fragments up to the
 * segment's size. DRY=1 only says whether one is found.
 */
static int64_t shmdt_run(mr_mm *mm, uint64_t addr, int dry)
{
	mr_machine *m = mm->m;
	mr_vma *v, *next;
	uint64_t size = 0;
	uint32_t file = 0;
	int found = 0;

	if (addr & ~MR_PAGE_MASK)
		return -EINVAL;
	for (v = mr_vma_tree_find_after(&mm->tree, addr); v; v = next) {
		next = mr_vma_next(v);
		if (shm_attach_at(m, v, addr)) {
			const struct mr_shmseg *s;
			size_t i;

			file = v->file;
			for (i = 0, s = NULL; i < m->nshm && !s; i++)
				if (m->shm[i].file == file)
					s = &m->shm[i];
			size = s && s->size ? s->size : v->end - v->start;
			found = 1;
			if (dry)
				return 0;
			mr_unmap_range(mm, v->start, v->end);
			v = next;
			break;
		}
	}
	if (!found)
		return -EINVAL;
	size = MR_PAGE_ALIGN(size);
	while (v && v->end - addr <= size) {
		next = mr_vma_next(v);
		if (v->file == file && shm_attach_at(m, v, addr))
			mr_unmap_range(mm, v->start, v->end);
		v = next;
	}
	return 0;
}

int64_t mr_mm_shmdt(mr_mm *mm, uint64_t addr, int64_t recorded)
{
	int64_t pred = shmdt_run(mm, addr, 1);

	if (recorded == MR_RESULT_UNKNOWN)
		recorded = pred;
	if (recorded == 0)
		shmdt_run(mm, addr, 0);
	return pred;
}

void mr_machine_shm_free(mr_machine *m)
{
	free(m->shm);
	m->shm = NULL;
	m->nshm = m->capshm = 0;
}
