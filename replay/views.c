/*
 * views.c - the at-step views that need every page: smaps and pagetable.
 *
 * The history keeps each address space's counters per step (the mm
 * table), not its pages. The page-level state at step N is rebuilt by
 * replaying the history's own inputs (the trace, snapshots and perf text
 * its meta names, with the same options) up to N, and it is the state
 * the history recorded: the machine digest after step N must equal the
 * step row's, or the view refuses (the inputs changed since).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pgtable.h"
#include "replay/replay.h"
#include "replay/store.h"
#include "replay/views.h"

struct view {
	int which;	     /* MR_VIEW_* */
	int32_t pid;	     /* whose address space */
	uint64_t at;	     /* after this step */
	uint64_t addr;	     /* pagetable: the address (have_addr) */
	int have_addr;	     /* ... given */
	char want[17];	     /* the history's digest at AT ("" for 0) */
	FILE *out;	     /* where the view goes */
	int done;	     /* rendered */
	char why[256];	     /* why not */
};

/* One value of the history's meta table into BUF ("" when absent). */
static int meta(mr_store *st, const char *key, char *buf, size_t len)
{
	char sql[128];
	FILE *f = fmemopen(buf, len, "w");
	int rc;

	if (!f)
		return -1;
	snprintf(sql, sizeof(sql),
		 "SELECT coalesce((SELECT value FROM meta WHERE key = '%s'),"
		 " '')",
		 key);
	rc = mr_store_query(st, f, sql, 0);
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return rc;
}

/* The path of input NAME from meta.inputs ("" when not given). */
static int inputs(mr_store *st, const char *name, char *buf, size_t len)
{
	char all[5 * 4200], key[32];
	const char *p;
	size_t k = (size_t)snprintf(key, sizeof(key), "%s=", name);

	buf[0] = 0;
	/* the value has a line per input (meta() keeps the first only) */
	{
		char sql[96];
		FILE *f = fmemopen(all, sizeof(all), "w");
		int rc;

		if (!f)
			return -1;
		snprintf(sql, sizeof(sql),
			 "SELECT coalesce((SELECT value FROM meta WHERE key = "
			 "'inputs'), '')");
		rc = mr_store_query(st, f, sql, 0);
		fclose(f);
		if (rc)
			return -1;
	}
	for (p = all; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, k)) {
			size_t n = strcspn(p + k, "\n");

			if (n >= len)
				n = len - 1;
			memcpy(buf, p + k, n);
			buf[n] = 0;
			break;
		}
	return 0;
}

/* The [vsyscall] page's smaps block (it is no VMA). */
static void gate_smaps(FILE *out)
{
	static const char *const zero[] = {
		"Rss:",		  "Pss:",	     "Pss_Dirty:",
		"Shared_Clean:",  "Shared_Dirty:",   "Private_Clean:",
		"Private_Dirty:", "Referenced:",     "Anonymous:",
		"KSM:",		  "LazyFree:",	     "AnonHugePages:",
		"ShmemPmdMapped:", "FilePmdMapped:", "Shared_Hugetlb:",
		"Private_Hugetlb:", "Swap:",	     "SwapPss:",
		"Locked:"};
	char line[256];
	mr_maps_row r;
	size_t i;

	mr_maps_gate_row(&r);
	mr_maps_row_format(&r, line, sizeof(line));
	fprintf(out, "%s\n%-16s%8d kB\n%-16s%8d kB\n%-16s%8d kB\n", line,
		"Size:", 4, "KernelPageSize:", 4, "MMUPageSize:", 4);
	for (i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		fprintf(out, "%-16s%8d kB\n", zero[i], 0);
	fprintf(out, "THPeligible:    %8d\nVmFlags: ex \n", 0);
}

/* One run of mapped pages, indented under its VMA. */
static void print_run(void *ctx, uint64_t start, uint64_t end, int kind)
{
	fprintf(ctx, "  %" PRIx64 "-%" PRIx64 " %" PRIu64 " %s\n", start, end,
		(end - start) >> MR_PAGE_SHIFT, mr_page_kind_name(kind));
}

static void render(struct view *w, const mr_mm *mm)
{
	char buf[4096];
	const mr_vma *v;

	if (w->which == MR_VIEW_PAGETABLE && w->have_addr) {
		mr_mm_format_walk(mm, w->addr, buf, sizeof(buf));
		fputs(buf, w->out);
		return;
	}
	for (v = mr_mm_first(mm); v; v = mr_vma_next(v)) {
		if (w->which == MR_VIEW_SMAPS) {
			mr_mm_format_smaps(mm, v, buf, sizeof(buf));
			fputs(buf, w->out);
		} else {
			mr_mm_format_vma(mm, v, buf, sizeof(buf));
			fprintf(w->out, "%s\n", buf);
			mr_mm_page_runs(mm, v->start, v->end, print_run,
					w->out);
		}
	}
	if (w->which == MR_VIEW_SMAPS && mr_mm_has_gate(mm))
		gate_smaps(w->out);
	if (w->which == MR_VIEW_PAGETABLE)
		fprintf(w->out, "VmPTE: %" PRIu64 " kB\n",
			mr_mm_pte_bytes(mm) >> 10);
}

static void on_step(void *ctx, uint64_t step, const mr_machine *m)
{
	struct view *w = ctx;
	const mr_mm *mm;
	char have[17];

	if (step != w->at || w->done)
		return;
	w->done = 1;
	snprintf(have, sizeof(have), "%016" PRIx64, mr_machine_digest(m));
	if (!w->want[0] || strcmp(have, w->want)) {
		snprintf(w->why, sizeof(w->why),
			 "the replay's state after step %" PRIu64
			 " (digest %s) is not the history's (%s): its inputs "
			 "changed since it was written",
			 step, have, w->want[0] ? w->want : "no such step");
		return;
	}
	mm = mr_machine_task_mm(m, w->pid);
	if (!mm || !mr_mm_known(mm)) {
		snprintf(w->why, sizeof(w->why),
			 "pid %d has no known address space at step %" PRIu64,
			 (int)w->pid, step);
		return;
	}
	render(w, mm);
}

/* The numbers SQL prints from the history (plain, no header: any
 * character but a digit separates them), malloc'd; NULL with *N 0 when
 * there are none or it fails (a history without the table). */
static uint64_t *query_numbers(mr_store *st, const char *sql, size_t *n)
{
	char *buf = NULL, *p, *e;
	size_t len = 0, cap = 1;
	uint64_t *v = NULL;
	FILE *f = open_memstream(&buf, &len);

	*n = 0;
	if (!f)
		return NULL;
	if (mr_store_query(st, f, sql, 0)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	for (p = buf; p && *p; p++)
		cap += !isdigit((unsigned char)*p);
	v = buf ? malloc(cap * sizeof(*v)) : NULL;
	for (p = buf; v && p && *p && *n < cap; p = e) {
		p += strcspn(p, "0123456789");
		if (!*p)
			break;
		v[(*n)++] = strtoull(p, &e, 10);
	}
	free(buf);
	return v;
}

/* The choices the history's replay took the other way (choice.revised
 * = 1, docs/fidelity.md "Revising assumptions"), in the order opts.flip
 * wants; none in a history without them. */
static mr_choice_key *revised_flips(mr_store *st, size_t *n)
{
	size_t m, i;
	uint64_t *v = query_numbers(st,
				    "SELECT step, start FROM choice"
				    " WHERE revised = 1 ORDER BY step, start",
				    &m);
	mr_choice_key *k = m >= 2 ? malloc(m / 2 * sizeof(*k)) : NULL;

	*n = 0;
	for (i = 0; k && i + 1 < m; i += 2, ++*n) {
		k[*n].step = v[i];
		k[*n].start = v[i + 1];
	}
	free(v);
	return k;
}

/* The tasks the history's replay gave rule stress (meta.stress_tasks,
 * sorted). */
static int32_t *stress_pids(mr_store *st, size_t *n)
{
	size_t m, i;
	uint64_t *v = query_numbers(
		st, "SELECT value FROM meta WHERE key = 'stress_tasks'", &m);
	int32_t *l = m ? malloc(m * sizeof(*l)) : NULL;

	*n = 0;
	for (i = 0; l && i < m; i++)
		l[(*n)++] = (int32_t)v[i];
	free(v);
	return l;
}

int mr_view_run(const char *db, int which, int32_t pid, uint64_t at,
		const uint64_t *addr, FILE *out, char *err, size_t errlen)
{
	char trace[4096], snap[4096], perf[4096], faults[4096], machine[4096],
	    flags[16];
	char mmc[32], mma[32], sql[96];
	struct view w;
	mr_replay_opts o;
	mr_replay_summary sum;
	mr_choice_key *flips;
	int32_t *stress;
	size_t nflip, nstress;
	mr_store *st;
	FILE *sink, *f;
	char rerr[1024];
	int rc;

	memset(&w, 0, sizeof(w));
	w.which = which;
	w.pid = pid;
	w.at = at;
	w.out = out;
	if (addr) {
		w.addr = *addr;
		w.have_addr = 1;
	}
	if (mr_store_open_ro(&st, db, err, errlen))
		return 2;
	snprintf(sql, sizeof(sql),
		 "SELECT coalesce((SELECT digest FROM step WHERE step = %" PRIu64
		 "), '')",
		 at);
	f = fmemopen(w.want, sizeof(w.want), "w");
	rc = !f || mr_store_query(st, f, sql, 0);
	if (f)
		fclose(f);
	w.want[strcspn(w.want, "\n")] = 0;
	if (rc || inputs(st, "trace", trace, sizeof(trace)) ||
	    inputs(st, "snapshots", snap, sizeof(snap)) ||
	    inputs(st, "perf", perf, sizeof(perf)) ||
	    inputs(st, "faults", faults, sizeof(faults)) ||
	    inputs(st, "machine", machine, sizeof(machine)) ||
	    meta(st, "replay_flags", flags, sizeof(flags)) ||
	    meta(st, "max_map_count", mmc, sizeof(mmc)) ||
	    meta(st, "mmap_min_addr", mma, sizeof(mma))) {
		snprintf(err, errlen, "%s", mr_store_errmsg(st));
		mr_store_close(st, 0);
		return 2;
	}
	flips = revised_flips(st, &nflip);
	stress = stress_pids(st, &nstress);
	mr_store_close(st, 0);
	if (!trace[0] || strlen(flags) != 4) {
		snprintf(err, errlen,
			 "%s: the history does not name its inputs (written "
			 "by an older mmreplay): replay the trace again",
			 db);
		free(flips);
		free(stress);
		return 2;
	}
	mr_replay_opts_default(&o);
	o.trace = trace;
	o.snapdir = snap[0] ? snap : NULL;
	o.perf = perf[0] ? perf : NULL;
	o.faults = faults[0] ? faults : NULL;
	o.machine = machine[0] ? machine : NULL;
	o.no_faults = flags[0] == '1';
	o.no_pages = flags[1] == '1';
	o.exec_from_elf = flags[2] == '1';
	o.cfg.assume_written = flags[3] == '1';
	o.cfg.max_map_count = (uint32_t)strtoul(mmc, NULL, 10);
	o.max_map_count_set = 1;
	o.cfg.mmap_min_addr = strtoull(mma, NULL, 10);
	o.mode = MR_MODE_MODEL;
	o.show = 0;
	o.flip = flips;
	o.nflip = nflip;
	o.stress = stress;
	o.nstress = nstress;
	o.stop_after = at;
	o.on_step = on_step;
	o.on_step_ctx = &w;
	sink = fopen("/dev/null", "w");
	if (!sink) {
		snprintf(err, errlen, "cannot open /dev/null");
		free(flips);
		free(stress);
		return 2;
	}
	o.out = sink;
	rc = mr_replay_run(&o, &sum, rerr, sizeof(rerr));
	fclose(sink);
	free(flips);
	free(stress);
	if (rc == 2) {
		snprintf(err, errlen, "replaying %s again: %s", trace, rerr);
		return 2;
	}
	if (!w.done)
		snprintf(w.why, sizeof(w.why),
			 "the history has no step %" PRIu64, at);
	if (w.why[0]) {
		snprintf(err, errlen, "%s: %s", db, w.why);
		return 2;
	}
	return 0;
}
