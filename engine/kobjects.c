/*
 * kobjects.c - the kernel objects behind the model's address spaces, from
 * the node's SLUB caches (engine/slub.h) when the machine has them:
 * vm_area_struct (vm_area_alloc()/vm_area_dup() where the model makes a
 * VMA, vm_area_free() where it frees one) and mm_struct (one per address
 * space: allocate_mm() at fork and exec, freed with it). Each allocation
 * and free runs on the CPU of the step.
 */
#include "engine/engine_int.h"
#include "engine/slub.h"

#include <stdlib.h>
#include <string.h>

static const char *const kc_names[MR_KC__COUNT] = {
	"vm_area_struct", "mm_struct",	   "anon_vma",
	"anon_vma_chain", "task_struct",   "pid",
	"signal_cache",	  "sighand_cache", "files_cache",
	"anon_vma_chain", /* fs_cache is merged into it (:A-0000064) */
	"maple_node",
};

int mr_machine_set_slub(mr_machine *m, mr_slub *s)
{
	int k;

	if (m->slub)
		return -1; /* objects already come from the caches */
	m->slub = s;
	for (k = 0; k < MR_KC__COUNT; k++)
		m->kc[k] = s ? mr_slub_cache(s, kc_names[k]) : -1;
	return 0;
}

const mr_slub *mr_machine_slub(const mr_machine *m)
{
	return m->slub;
}

/* sheaf_capacity of each (mm/vma_init.c: 32 for vm_area_struct) */
static const uint32_t kc_sheaves[MR_KC__COUNT] = {
	[MR_KC_VMA] = 32, [MR_KC_MAPLE] = 32};

const char *const *mr_kobj_cache_names(size_t *n, const uint32_t **sheaf_cap)
{
	*n = MR_KC__COUNT;
	if (sheaf_cap)
		*sheaf_cap = kc_sheaves;
	return kc_names;
}

void mr_kobj_vma_new(mr_machine *m, const mr_vma *v)
{
	int64_t o;

	if (!m->slub || m->kc[MR_KC_VMA] < 0)
		return;
	o = mr_slub_alloc(m->slub, m->kc[MR_KC_VMA], m->cpu);
	if (o >= 0 && mr_u64map_put(&m->vma_obj, (uint64_t)(uintptr_t)v,
				    (uint64_t)o + 1) < 0)
		m->phys_oom = 1;
}

void mr_kobj_vma_gone(mr_machine *m, const mr_vma *v)
{
	uint64_t *o;

	if (!m->slub || m->kc[MR_KC_VMA] < 0)
		return;
	o = mr_u64map_find(&m->vma_obj, (uint64_t)(uintptr_t)v);
	if (!o)
		return;
	if (mr_slub_put(m->slub, m->kc[MR_KC_VMA], (int64_t)(*o - 1), m->cpu))
		m->frees_bad++;
	mr_u64map_del(&m->vma_obj, (uint64_t)(uintptr_t)v);
}

void mr_kobj_mm_new(mr_mm *mm)
{
	mr_machine *m = mm->m;

	mm->mm_obj = -1;
	if (m->slub && m->kc[MR_KC_MM] >= 0)
		mm->mm_obj = m->kobj_background
				     ? mr_slub_adopt(m->slub, m->kc[MR_KC_MM])
				     : mr_slub_alloc(m->slub, m->kc[MR_KC_MM],
						     m->cpu);
}

void mr_kobj_mm_gone(mr_mm *mm)
{
	mr_machine *m = mm->m;

	if (m->slub && mm->mm_obj >= 0 &&
	    mr_slub_put(m->slub, m->kc[MR_KC_MM], mm->mm_obj, m->cpu))
		m->frees_bad++;
	mm->mm_obj = -1;
}

uint64_t mr_machine_kobjects(const mr_machine *m, size_t k)
{
	const mr_mm *mm;
	uint64_t n = 0;
	size_t i;

	switch (k) {
	case MR_KC_VMA:
		return m->vma_obj.n;
	case MR_KC_MM:
		for (mm = m->mms; mm; mm = mm->next_mm)
			n += mm->mm_obj >= 0;
		return n;
	case MR_KC_AV:
		return mr_av_objects(m, 0);
	case MR_KC_AVC:
		return mr_av_objects(m, 1);
	case MR_KC_MAPLE:
		for (mm = m->mms; mm; mm = mm->next_mm)
			n += mm->nmaple;
		return n;
	case MR_KC_TASK:
	case MR_KC_PID:
		for (i = 0; i < m->ntasks; i++)
			n += (k == MR_KC_TASK ? m->tasks[i].task_obj
					      : m->tasks[i].pid_obj) != 0;
		return n;
	default:
		for (i = 1; i < m->ntshare; i++)
			n += m->tshare[i].refs && m->tshare[i].obj &&
			     m->tshare[i].kc == k;
		return n;
	}
}

/* ---- the objects of tasks ---- */

/* An object of cache K: a new one, or a background one (ADOPT). */
static uint64_t tobj_new(mr_machine *m, int k, int adopt)
{
	int64_t o;

	if (!m->slub || m->kc[k] < 0)
		return 0;
	o = adopt ? mr_slub_adopt(m->slub, m->kc[k])
		  : mr_slub_alloc(m->slub, m->kc[k], m->cpu);
	return o >= 0 ? (uint64_t)o + 1 : 0;
}

static void tobj_free(mr_machine *m, int k, uint64_t obj)
{
	if (obj && m->slub && m->kc[k] >= 0 &&
	    mr_slub_put(m->slub, m->kc[k], (int64_t)(obj - 1), m->cpu))
		m->frees_bad++;
}

/* A new shared object of cache K held once: its pool index (0: none). */
static uint32_t share_new(mr_machine *m, int k, int adopt)
{
	uint32_t i;

	if (m->tshare_free) {
		i = m->tshare_free;
		m->tshare_free = (uint32_t)m->tshare[i].obj;
	} else {
		if (!m->ntshare)
			m->ntshare = 1; /* index 0 is none */
		if (m->ntshare >= m->captshare) {
			uint32_t cap = m->captshare ? 2 * m->captshare : 64;
			struct mr_tshare *v =
				realloc(m->tshare, cap * sizeof(*v));

			if (!v) {
				m->phys_oom = 1;
				return 0;
			}
			m->tshare = v;
			m->captshare = cap;
		}
		i = m->ntshare++;
	}
	m->tshare[i].obj = tobj_new(m, k, adopt);
	m->tshare[i].refs = 1;
	m->tshare[i].kc = (uint8_t)k;
	return i;
}

static void share_put(mr_machine *m, uint32_t i)
{
	struct mr_tshare *s;

	if (!i || i >= m->ntshare || !m->tshare[i].refs)
		return;
	s = &m->tshare[i];
	if (--s->refs)
		return;
	tobj_free(m, s->kc, s->obj);
	s->obj = m->tshare_free; /* the free list runs through obj */
	m->tshare_free = i;
}

static const int tsh_kc[MR_TSH__COUNT] = {MR_KC_SIGNAL, MR_KC_SIGHAND,
					  MR_KC_FILES, MR_KC_FS};

void mr_kobj_task_adopt(mr_machine *m, struct mr_task *t)
{
	int k;

	mr_kobj_task_gone(m, t);
	t->task_obj = tobj_new(m, MR_KC_TASK, 1);
	t->pid_obj = tobj_new(m, MR_KC_PID, 1);
	for (k = 0; k < MR_TSH__COUNT; k++)
		t->share[k] = share_new(m, tsh_kc[k], 1);
}

void mr_kobj_task_clone(mr_machine *m, const struct mr_task *parent,
			struct mr_task *t, uint64_t fl)
{
	/* the flag that shares each of signal, sighand, files, fs */
	static const uint64_t shares[MR_TSH__COUNT] = {
		0x00010000 /* CLONE_THREAD */, 0x00000800 /* CLONE_SIGHAND */,
		0x00000400 /* CLONE_FILES */, 0x00000200 /* CLONE_FS */};
	static const int order[MR_TSH__COUNT] = {MR_TSH_FILES, MR_TSH_FS,
						 MR_TSH_SIGHAND, MR_TSH_SIGNAL};
	uint32_t keep[MR_TSH__COUNT];
	int j;

	memcpy(keep, parent->share, sizeof(keep));
	mr_kobj_task_gone(m, t);
	/* copy_process(): dup_task_struct(), copy_files(), copy_fs(),
	 * copy_sighand(), copy_signal(), alloc_pid() */
	t->task_obj = tobj_new(m, MR_KC_TASK, 0);
	for (j = 0; j < MR_TSH__COUNT; j++) {
		int k = order[j];

		if ((fl & shares[k]) && keep[k] && keep[k] < m->ntshare &&
		    m->tshare[keep[k]].refs) {
			t->share[k] = keep[k];
			m->tshare[keep[k]].refs++;
		} else {
			t->share[k] = share_new(m, tsh_kc[k], 0);
		}
	}
	t->pid_obj = tobj_new(m, MR_KC_PID, 0);
}

void mr_kobj_task_exec(mr_machine *m, struct mr_task *t)
{
	int k;

	/* de_thread(): a sighand still shared is copied; unshare_files(): so
	 * is a shared file table */
	for (k = MR_TSH_SIGHAND; k <= MR_TSH_FILES; k++) {
		uint32_t i = t->share[k];

		if (i && i < m->ntshare && m->tshare[i].refs > 1) {
			share_put(m, i);
			t->share[k] = share_new(m, tsh_kc[k], 0);
		}
	}
}

void mr_kobj_task_gone(mr_machine *m, struct mr_task *t)
{
	int k;

	/* exit_files(), exit_fs(), then what release_task() and the last
	 * put_task_struct() free (the kernel after the parent's wait and an
	 * RCU grace period; the model at the exit) */
	for (k = MR_TSH__COUNT - 1; k >= 0; k--) {
		share_put(m, t->share[k]);
		t->share[k] = 0;
	}
	tobj_free(m, MR_KC_PID, t->pid_obj);
	tobj_free(m, MR_KC_TASK, t->task_obj);
	t->pid_obj = t->task_obj = 0;
}

void mr_kobj_free_all(mr_machine *m)
{
	free(m->tshare);
	m->tshare = NULL;
	m->ntshare = m->captshare = m->tshare_free = 0;
}

/* ---- maple tree nodes ---- */

/*
 * The nodes of a maple tree holding MM's VMAs (mm->mm_mt, an allocation
 * tree): its ranges are the VMAs and the holes between them, with one
 * below the first and one above the last; a leaf (maple_range_64) has
 * 16 slots, an internal node (maple_arange_64) 10. The model does not
 * build the tree: it takes leaves as a split leaves them, about 9 ranges
 * each (a full leaf is split in halves and appends fill the right one),
 * internal nodes 6 children each, and one root leaf up to 16 ranges.
 * docs/fidelity.md says what this leaves out.
 */
static uint32_t maple_nodes(const mr_mm *mm)
{
	uint64_t n = mm->tree.count, r, level, total;

	if (!n)
		return 0;
	r = n + (uint64_t)(mm->holes > 0 ? mm->holes : 0) + 2;
	if (r <= 16)
		return 1;
	level = total = (r + 8) / 9;
	while (level > 1) {
		level = (level + 5) / 6;
		total += level;
	}
	return (uint32_t)(total < UINT32_MAX ? total : UINT32_MAX);
}

void mr_machine_kobj_step(mr_machine *m)
{
	mr_kobj_maple_sync(m);
}

void mr_kobj_maple_sync(mr_machine *m)
{
	mr_mm *mm;

	if (!m->slub || m->kc[MR_KC_MAPLE] < 0)
		return;
	for (mm = m->mms; mm; mm = mm->next_mm) {
		uint32_t want = maple_nodes(mm);

		while (mm->nmaple < want) {
			int64_t o = mr_slub_alloc(m->slub, m->kc[MR_KC_MAPLE],
						  m->cpu);

			if (o < 0)
				break;
			if (mm->nmaple == mm->capmaple) {
				uint32_t cap =
					mm->capmaple ? 2 * mm->capmaple : 16;
				int64_t *v =
					realloc(mm->maple, cap * sizeof(*v));

				if (!v) {
					mr_slub_put(m->slub, m->kc[MR_KC_MAPLE],
						    o, m->cpu);
					m->phys_oom = 1;
					break;
				}
				mm->maple = v;
				mm->capmaple = cap;
			}
			mm->maple[mm->nmaple++] = o;
		}
		/* ma_free_rcu(): kfree_rcu() batches them in sheaves */
		while (mm->nmaple > want)
			if (mr_slub_put_rcu(m->slub, m->kc[MR_KC_MAPLE],
					    mm->maple[--mm->nmaple], m->cpu))
				m->frees_bad++;
	}
}

void mr_kobj_maple_drop(mr_mm *mm)
{
	mr_machine *m = mm->m;

	while (m->slub && m->kc[MR_KC_MAPLE] >= 0 && mm->nmaple)
		if (mr_slub_put_rcu(m->slub, m->kc[MR_KC_MAPLE],
				    mm->maple[--mm->nmaple], m->cpu))
			m->frees_bad++;
	free(mm->maple);
	mm->maple = NULL;
	mm->nmaple = mm->capmaple = 0;
}
