/*
 * node.c - the simulated node of a replay: the machine profile it is
 * laid out from (--machine DIR, else the capture's
 * snap/machine.before/, else the default machine), stored in the
 * history with the allocator's counts after every step, and its
 * invariants (docs/invariants.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/buddy.h"
#include "engine/slub.h"
#include "formats/procinfo.h"
#include "replay/loop.h"

static void say_violation(void *ctx, const char *msg)
{
	mr_rp_on_violation(ctx, NULL, "buddy", 0, msg);
}

int mr_rp_node_prepare(struct replay *r)
{
	char dir[4096];
	const char *d = r->o->machine;
	mr_buddy_profile p;
	int rc;

	if (!d && r->o->snapdir) {
		char zi[4200];

		snprintf(dir, sizeof(dir), "%s/machine.before", r->o->snapdir);
		snprintf(zi, sizeof(zi), "%s/zoneinfo", dir);
		if (access(zi, R_OK) == 0)
			d = dir;
	}
	rc = mr_machine_files_load(&r->node_files, d, r->err, r->errlen);
	if (rc)
		return -1;
	r->have_node_files = 1;
	rc = mr_machine_files_profile(&r->node_files, &p, r->err, r->errlen);
	if (!rc && mr_buddy_new(&r->node, &p) < 0) {
		snprintf(r->err, r->errlen,
			 "%s: the machine cannot be laid out (more free pages "
			 "than managed frames, zones that overlap, or out of "
			 "memory)",
			 r->node_files.source);
		rc = -1;
	}
	/* the slab caches, when the machine has its slabinfo */
	if (!rc && r->node_files.text[MR_MF_SLABINFO]) {
		char name[4200];
		const char *const *names;
		const uint32_t *caps;
		size_t nn;

		snprintf(name, sizeof(name), "%s/slabinfo",
			 r->node_files.source);
		rc = mr_slabinfo_parse(&r->slab_prof,
				       r->node_files.text[MR_MF_SLABINFO], name,
				       r->err, r->errlen);
		names = mr_kobj_cache_names(&nn, &caps);
		if (!rc && mr_slub_new(&r->slub, &r->slab_prof, names, caps, nn,
				       r->node, p.ncpus, 1ull << 40) < 0) {
			snprintf(r->err, r->errlen,
				 "%s: the slab caches cannot be laid out (out "
				 "of memory)",
				 name);
			rc = -1;
		}
	}
	return rc ? -1 : 0;
}

int mr_rp_node_attach(struct replay *r)
{
	int rc = 0;

	if (!r->node)
		return 0;
	if (r->st)
		rc = mr_store_machine(r->st, r->node_files.source,
				      (const char *const *)r->node_files.text,
				      mr_machine_file_names, MR_MF__COUNT,
				      mr_buddy_profile_of(r->node));
	if (rc) {
		snprintf(r->err, r->errlen, "%s", mr_store_errmsg(r->st));
		return -1;
	}
	mr_machine_set_buddy(r->m, r->node);
	r->node = NULL; /* the machine's now */
	if (r->slub) {
		size_t k, nn;

		mr_kobj_cache_names(&nn, NULL);
		r->slab_counts = calloc(r->slab_prof.n ? r->slab_prof.n : 1,
					sizeof(*r->slab_counts));
		if (!r->slab_counts) {
			snprintf(r->err, r->errlen, "out of memory");
			return -1;
		}
		/* by the caches' numbers (two names may share one) */
		for (k = 0; k < MR_RP_KC_MAX; k++)
			r->slab_bg[k] = mr_slub_live(r->slub, (int)k);
		if (mr_machine_set_slub(r->m, r->slub)) {
			snprintf(r->err, r->errlen,
				 "the machine has its slab caches already");
			return -1;
		}
		r->slub_gen = mr_slub_gen(r->slub);
		r->slub = NULL;
	}
	mr_rp_node_step(r, 0);
	return 0;
}

void mr_rp_node_release(struct replay *r)
{
	mr_slub_free(r->slub);
	r->slub = NULL;
	mr_slab_profile_free(&r->slab_prof);
	free(r->slab_counts);
	r->slab_counts = NULL;
	mr_buddy_free(r->node);
	r->node = NULL;
	if (r->have_node_files)
		mr_machine_files_free(&r->node_files);
	r->have_node_files = 0;
}

static void say_slab(void *ctx, const char *msg)
{
	mr_rp_on_violation(ctx, NULL, "slab", 0, msg);
}

/* A violation through SAY when N is not 0: FMT with N (one %llu). */
static void say_count(struct replay *r, void (*say)(void *, const char *),
		      uint64_t n, const char *fmt)
{
	char msg[256];

	if (!n)
		return;
	snprintf(msg, sizeof(msg), fmt, (unsigned long long)n);
	say(r, msg);
}

/* The slab caches after the step: stored when they changed; checked
 * whole with --full-check (the end checks them always). */
static void slab_step(struct replay *r, int check)
{
	const mr_slub *s = mr_machine_slub(r->m);

	if (!s || (check && mr_slub_gen(s) == r->slub_gen))
		return;
	r->slub_gen = mr_slub_gen(s);
	if (check && r->o->full_check)
		mr_slub_check(s, say_slab, r);
	if (!r->st)
		return;
	mr_slub_counts(s, r->slab_counts);
	mr_store_slab(r->st, r->step, mr_slub_profile(s), r->slab_counts);
}

void mr_rp_node_step(struct replay *r, int check)
{
	const mr_buddy *b = mr_machine_buddy(r->m);
	unsigned mask = 0;
	int z;

	if (!b)
		return;
	mr_machine_kobj_step(r->m); /* maple nodes follow the step's VMAs */
	/* only the zones whose lists changed since the last step */
	for (z = 0; z < MR_ZONE__COUNT; z++) {
		uint64_t g = mr_buddy_zone_gen(b, z);

		if (check && g == r->node_gen[z])
			continue;
		r->node_gen[z] = g;
		mr_buddy_zone_counts(b, z, &r->node_counts);
		if (check)
			mr_buddy_check_zone_counts(b, z, say_violation, r);
		mask |= 1u << z;
	}
	if (r->st && mask)
		mr_store_node(r->st, r->step, &r->node_counts, mask);
	slab_step(r, check);
}

/* The caches at the end: whole, and their objects in use those of the
 * background not adopted and those the model holds. */
static void slab_end(struct replay *r)
{
	const mr_slub *s = mr_machine_slub(r->m);
	const char *const *names;
	char msg[320];
	size_t k, nn;
	int c;

	if (!s)
		return;
	mr_slub_check(s, say_slab, r);
	say_count(r, say_slab, mr_slub_short(s),
		  "slab: %llu pages of new slabs could not be allocated from "
		  "the simulated node");
	names = mr_kobj_cache_names(&nn, NULL);
	for (c = 0; c < MR_RP_KC_MAX; c++) {
		uint64_t bg, held = 0;
		const char *name = NULL;

		/* the model's objects of every name this cache serves */
		for (k = 0; k < nn; k++)
			if (mr_slub_cache(s, names[k]) == c) {
				held += mr_machine_kobjects(r->m, k);
				name = names[k];
			}
		if (!name)
			continue;
		bg = r->slab_bg[c] - mr_slub_adopted(s, c);
		if (mr_slub_live(s, c) == bg + held)
			continue;
		snprintf(msg, sizeof(msg),
			 "slab: cache %s holds %llu objects in use, the "
			 "background %llu and the model's %llu",
			 name, (unsigned long long)mr_slub_live(s, c),
			 (unsigned long long)bg, (unsigned long long)held);
		say_slab(r, msg);
	}
}

void mr_rp_node_end(struct replay *r)
{
	const mr_buddy *b = mr_machine_buddy(r->m);
	char msg[256];

	if (!b)
		return;
	mr_buddy_check(b, say_violation, r);
	say_count(r, say_violation, mr_machine_frames_short(r->m),
		  "buddy: %llu pages could not be allocated from the "
		  "simulated node (the kernel would have reclaimed)");
	say_count(r, say_violation, mr_machine_frees_bad(r->m),
		  "buddy: %llu frees of frames (or objects) the node had not "
		  "given so");
	slab_end(r);
	/* every traced process gone: background and page cache only */
	if (!mr_machine_first_mm(r->m) && (mr_buddy_owned(b, MR_OWN_ANON) ||
					   mr_buddy_owned(b, MR_OWN_PGTABLE))) {
		snprintf(msg, sizeof(msg),
			 "buddy: every address space is gone, yet %llu "
			 "anonymous and %llu page-table pages are allocated",
			 (unsigned long long)mr_buddy_owned(b, MR_OWN_ANON),
			 (unsigned long long)mr_buddy_owned(b, MR_OWN_PGTABLE));
		say_violation(r, msg);
	}
}
