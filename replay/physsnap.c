/*
 * physsnap.c - a snapshot's status and smaps against the model: the
 * memory lines of /proc/PID/status (engine/status.c renders the model's)
 * and, per VMA, smaps Rss and Anonymous.
 *
 * Lines whose value the model does not know (no faults recorded: RSS,
 * VmHWM, VmPTE, VmSwap; no executable text known: VmExe, VmLib) are not
 * compared, and smaps is compared only when the capture recorded its
 * faults.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pgtable.h"

/* The recorder walks no VMA larger (replay/record_watch.c). */
#define MR_PAGEMAP_MAX_VMA (64ull << 30)
#include "formats/maps.h"
#include "replay/loop.h"

/* The line of TEXT starting with NAME ":" (its whole line in OUT). */
static int find_line(const char *text, const char *name, char *out,
		     size_t len)
{
	size_t n = strlen(name);
	const char *l;

	for (l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, name, n) && l[n] == ':') {
			const char *e = strchr(l, '\n');
			size_t k = e ? (size_t)(e - l) : strlen(l);

			if (k >= len)
				k = len - 1;
			memcpy(out, l, k);
			out[k] = 0;
			return 1;
		}
	return 0;
}

static void add_diff(char *diff, size_t len, const char *kern,
		     const char *model)
{
	size_t at = strlen(diff);

	if (at + 8 < len)
		snprintf(diff + at, len - at, "-%s\n+%s\n", kern, model);
}

/* The status lines of snapshot PID.WHAT against MM. */
static void check_status(struct replay *r, const mr_mm *mm, int32_t pid,
			 const char *what)
{
	char *kern = mr_snap_read_ext(r->o->snapdir, pid, what, "status");
	char model[1024], diff[2048], kl[128], got[64];
	mr_status s;
	const char *l;
	size_t bad = 0;

	if (!kern)
		return;
	diff[0] = 0;
	mr_mm_status(mm, &s);
	mr_status_format(&s, model, sizeof(model));
	for (l = model; *l; l = strchr(l, '\n') + 1) {
		const char *e = strchr(l, '\n');
		char name[32], ml[128];
		size_t n = (size_t)(strchr(l, ':') - l);

		snprintf(ml, sizeof(ml), "%.*s", (int)(e - l), l);
		snprintf(name, sizeof(name), "%.*s", (int)n, l);
		if (strstr(ml, " ? kB") || !find_line(kern, name, kl, sizeof(kl)))
			continue;
		r->sum->status_lines++;
		if (!strcmp(kl, ml)) {
			r->sum->status_matched++;
			continue;
		}
		bad++;
		add_diff(diff, sizeof(diff), kl, ml);
	}
	free(kern);
	if (bad) {
		snprintf(got, sizeof(got), "%zu status lines differ", bad);
		mr_rp_report_divergence(r, "status", "snap status", got, diff);
	}
}

/* smaps Rss and Anonymous of every VMA of snapshot PID.WHAT against
 * MM's pages. */
static void check_smaps(struct replay *r, const mr_mm *mm, int32_t pid,
			const char *what)
{
	char *kern = mr_snap_read_ext(r->o->snapdir, pid, what, "smaps");
	char diff[4096], got[64];
	const char *l, *nl;
	unsigned long long s = 0, e = 0, krss = 0, kanon = 0, a, b, v;
	int have = 0, got_rss = 0, got_anon = 0, last;
	size_t bad = 0;
	mr_maps chk;
	char path[4096];

	if (!kern)
		return;
	/* a snapshot that is not smaps stops the replay, named (exit 2) */
	mr_snap_path(path, sizeof(path), r->o->snapdir, pid, what, "smaps");
	if (mr_maps_parse(&chk, kern, path, r->err, r->errlen)) {
		r->bad = 1;
		free(kern);
		return;
	}
	mr_maps_release(&chk);
	diff[0] = 0;
	for (l = kern;; l = nl + 1) {
		nl = strchr(l, '\n');
		last = !nl;
		if (!last && sscanf(l, "%llx-%llx ", &a, &b) != 2)
			a = b = 0;
		if (last || b > a) {
			/* a VMA's block ends: compare it */
			if (have && got_rss && got_anon &&
			    e <= 0x800000000000ull) {
				uint64_t rss, anon;

				mr_mm_range_pages(mm, s, e, &rss, &anon);
				r->sum->smaps_vmas++;
				if (rss * 4 == krss && anon * 4 == kanon) {
					r->sum->smaps_matched++;
				} else {
					char k[96], m[96];

					bad++;
					snprintf(k, sizeof(k),
						 "%llx-%llx Rss %llu kB "
						 "Anonymous %llu kB",
						 s, e, krss, kanon);
					snprintf(m, sizeof(m),
						 "%llx-%llx Rss %" PRIu64
						 " kB Anonymous %" PRIu64 " kB",
						 s, e, rss * 4, anon * 4);
					add_diff(diff, sizeof(diff), k, m);
				}
			}
			if (last)
				break;
			s = a;
			e = b;
			have = 1;
			got_rss = got_anon = 0;
		} else if (sscanf(l, "Rss: %llu kB", &v) == 1) {
			krss = v;
			got_rss = 1;
		} else if (sscanf(l, "Anonymous: %llu kB", &v) == 1) {
			kanon = v;
			got_anon = 1;
		}
	}
	free(kern);
	if (bad) {
		snprintf(got, sizeof(got), "%zu VMAs' Rss or Anonymous differ",
			 bad);
		mr_rp_report_divergence(r, "smaps", "snap smaps", got, diff);
	}
}

/*
 * The pages an execve wrote with get_user_pages_remote() (arguments,
 * environment, auxiliary vector at the top of the new stack) show in no
 * fault: without the perf events that count them, the exec snapshot's
 * smaps says how many [stack] holds.
 */
void mr_rp_seed_exec_pages(struct replay *r, mr_mm *mm, int32_t pid,
			   unsigned n)
{
	char what[32], *kern;
	const char *l;
	unsigned long long s, e, rss;

	if (!r->cfg.phys || r->have_perf || !r->o->snapdir)
		return;
	snprintf(what, sizeof(what), "exec.%u", n);
	kern = mr_snap_read_ext(r->o->snapdir, pid, what, "smaps");
	if (!kern)
		return;
	for (l = kern; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);

		if (len < 7 || strncmp(l + len - 7, "[stack]", 7) ||
		    sscanf(l, "%llx-%llx", &s, &e) != 2)
			continue;
		for (l = nl ? nl + 1 : NULL; l && *l;
		     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
			if (sscanf(l, "Rss: %llu kB", &rss) == 1) {
				if (rss && rss * 1024 <= e - s)
					mr_mm_write_pages(mm, e - rss * 1024, e);
				break;
			}
		break;
	}
	free(kern);
}

/* A run of pages [s, e). */
struct run {
	uint64_t s, e;
};

/* Append [s, e) to *V, merging with the last run when adjacent. */
static int run_add(struct run **v, size_t *n, size_t *cap, uint64_t s,
		   uint64_t e)
{
	if (*n && (*v)[*n - 1].e == s) {
		(*v)[*n - 1].e = e;
		return 0;
	}
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct run *nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -1;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = (struct run){s, e};
	return 0;
}

/* Bytes two sorted run lists share. */
static uint64_t overlap_bytes(const struct run *a, size_t na,
			      const struct run *b, size_t nb)
{
	size_t i = 0, j = 0;
	uint64_t sum = 0;

	while (i < na && j < nb) {
		uint64_t lo = a[i].s > b[j].s ? a[i].s : b[j].s;
		uint64_t hi = a[i].e < b[j].e ? a[i].e : b[j].e;

		if (lo < hi)
			sum += hi - lo;
		if (a[i].e < b[j].e)
			i++;
		else
			j++;
	}
	return sum;
}

static uint64_t runs_bytes(const struct run *v, size_t n)
{
	uint64_t sum = 0;

	while (n--)
		sum += v[n].e - v[n].s;
	return sum;
}

/*
 * The present pages of snapshot PID.WHAT's pagemap summary against the
 * pages MM maps (PROT_NONE pages count: pagemap's present bit is
 * pte_present()). PFN maps ([vvar]) are left out on both sides, and so
 * are VMAs the recorder did not walk (larger than 64 GiB).
 */
static void check_pagemap(struct replay *r, const mr_mm *mm, int32_t pid,
			  const char *what)
{
	char *kern = mr_snap_read_ext(r->o->snapdir, pid, what, "pagemap");
	const mr_pgtable *pt = mr_mm_pgtable(mm);
	struct run *k = NULL, *m = NULL;
	size_t nk = 0, ck = 0, nm = 0, cm = 0;
	const char *l;
	uint64_t a = 0, e, both, kb, mb;
	int level, bad = 0;
	char got[96], exp[96];

	if (!kern)
		return;
	for (l = kern; *l && !bad; l = strchr(l, '\n') ? strchr(l, '\n') + 1
						       : l + strlen(l)) {
		unsigned long long s, en;
		const mr_vma *v;

		if (*l == '#' || sscanf(l, "%llx-%llx", &s, &en) != 2)
			continue;
		v = mr_mm_find(mm, s);
		if (v && v->start <= s && (v->flags & MR_VM_PFNMAP))
			continue;
		bad = run_add(&k, &nk, &ck, s, en);
	}
	free(kern);
	while (!bad && pt &&
	       mr_pgtable_next(pt, &a, mr_machine_config(r->m)->task_size, &e,
			       &level)) {
		uint64_t size = level == MR_PT_PMD ? MR_PMD_SIZE : MR_PAGE_SIZE;
		const mr_vma *v = mr_mm_find(mm, a);

		if (!v || v->start > a ||
		    (!(v->flags & MR_VM_PFNMAP) &&
		     v->end - v->start <= MR_PAGEMAP_MAX_VMA))
			bad = run_add(&m, &nm, &cm, a, a + size);
		a += size;
	}
	if (!bad) {
		both = overlap_bytes(k, nk, m, nm);
		kb = runs_bytes(k, nk);
		mb = runs_bytes(m, nm);
		r->sum->pagemap_pages += (kb > mb ? kb : mb) >> MR_PAGE_SHIFT;
		r->sum->pagemap_matched += both >> MR_PAGE_SHIFT;
		if (both != kb || both != mb) {
			snprintf(exp, sizeof(exp), "%" PRIu64 " pages present",
				 kb >> MR_PAGE_SHIFT);
			snprintf(got, sizeof(got),
				 "%" PRIu64 " pages present, %" PRIu64
				 " of them the kernel's",
				 mb >> MR_PAGE_SHIFT, both >> MR_PAGE_SHIFT);
			mr_rp_report_divergence(r, "pagemap", exp, got, NULL);
		}
	}
	free(k);
	free(m);
}

struct pages_ctx {
	struct replay *r;
	uint64_t step;
	const mr_mm *mm;
};

static void store_run(void *ctx, uint64_t start, uint64_t end, int kind)
{
	struct pages_ctx *c = ctx;

	mr_store_pages(c->r->st, c->step, mr_mm_id(c->mm), mr_mm_owner(c->mm),
		       start, end, mr_page_kind_name(kind));
}

void mr_rp_pages_checkpoint(struct replay *r, const mr_mm *mm, uint64_t step)
{
	struct pages_ctx c = {r, step, mm};

	if (!r->st || !r->cfg.phys || !mm || !mr_mm_known(mm))
		return;
	mr_mm_page_runs(mm, 0, mr_machine_config(r->m)->task_size, store_run,
			&c);
}

void mr_rp_check_phys_snapshot(struct replay *r, const mr_mm *mm, int32_t pid,
			       const char *what)
{
	if (!r->o->snapdir || !mm || !mr_mm_known(mm))
		return;
	check_status(r, mm, pid, what);
	if (r->cfg.phys) {
		check_smaps(r, mm, pid, what);
		check_pagemap(r, mm, pid, what);
	}
}
