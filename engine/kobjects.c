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

static const char *const kc_names[MR_KC__COUNT] = {
	"vm_area_struct", "mm_struct", "anon_vma", "anon_vma_chain"};

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
static const uint32_t kc_sheaves[MR_KC__COUNT] = {32, 0, 0, 0};

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
		mm->mm_obj = mr_slub_alloc(m->slub, m->kc[MR_KC_MM], m->cpu);
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
	default:
		return 0;
	}
}
