/*
 * verify.c - `mmreplay verify DIR`: replay a recorded capture and report
 * how faithful the model was to the kernel that ran it.
 *
 * The report counts exit snapshots and per-syscall snapshots matched
 * exactly, the kernel's maps lines the model reproduced, and the results
 * it predicted: all of them, the addresses the kernel chose (mmap without
 * MAP_FIXED, mremap with MREMAP_MAYMOVE) and the errnos, per syscall.
 * Every mismatch follows, with its step, trace line and a diff of the
 * maps ('-' the kernel's lines, '+' the model's). Exit 1 when anything
 * differs or was not predicted.
 */
#include "replay/verify.h"
#include "replay/junit.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "formats/reader.h"
#include "replay/replay.h"

static const char verify_usage[] =
	"usage: mmreplay verify DIR [--db FILE] [--max-map-count N] "
	"[--no-assume-written]\n"
	"       [--revise N] [--no-revise-snapshots] [--no-faults] "
	"[--exec-from-elf]\n"
	"       [--junit FILE]\n"
	"  DIR holds trace.strace.zst and snap/ as `mmreplay record` writes "
	"them\n";

static int verify_usage_error(const char *what)
{
	fprintf(stderr, "mmreplay: %s\n%s", what, verify_usage);
	return 2;
}

static void ratio(FILE *out, const char *what, uint64_t ok, uint64_t all)
{
	fprintf(out, "%-32s %" PRIu64 "/%" PRIu64 "\n", what, ok, all);
}

/* The report proper; returns 1 when anything was missed. */
static int report(FILE *out, const char *dir, const mr_replay_summary *s)
{
	uint64_t res = 0, res_ok = 0, addr = 0, addr_ok = 0, err = 0;
	uint64_t err_ok = 0, res_pred = 0;
	int i, missed;

	for (i = 0; i < MR_SYS__COUNT; i++) {
		const mr_sys_stats *t = &s->sys[i];

		res += t->recorded;
		res_ok += t->matched;
		res_pred += t->predicted;
		addr += t->addrs;
		addr_ok += t->addrs_ok;
		err += t->errnos;
		err_ok += t->errnos_ok;
	}
	fprintf(out,
		"fidelity of %s: %" PRIu64 " events, %" PRIu64
		" processes, %" PRIu64 " steps\n",
		dir, s->events, s->processes, s->steps);
	ratio(out, "exit snapshots matched", s->snap_matched, s->snapshots);
	ratio(out, "per-syscall snapshots matched", s->line_matched,
	      s->line_snaps);
	ratio(out, "VMA lines matched", s->vma_matched, s->vma_lines);
	fprintf(out, "%-32s %" PRIu64 "\n", "  of them with a field unknown",
		s->vma_unknown);
	ratio(out, "history maps equal the model's", s->hist_matched,
	      s->hist_checks);
	ratio(out, "results predicted", res_ok, res);
	fprintf(out, "%-32s %" PRIu64 "\n", "  not predicted (undecided)",
		res - res_pred);
	ratio(out, "addresses predicted", addr_ok, addr);
	ratio(out, "errnos predicted", err_ok, err);
	fprintf(out, "%-32s %" PRIu64 "\n", "invariant violations",
		s->violations);
	if (s->limits_learned)
		fprintf(out, "%-32s %" PRIu64 "\n",
			"limits learned from refusals", s->limits_learned);
	if (s->assumed_written || s->assumed_unwritten) {
		fprintf(out,
			"%-32s %" PRIu64 " (%" PRIu64 " written, %" PRIu64
			" not; %" PRIu64 " confirmed, %" PRIu64
			" overturned)\n",
			"assumptions about writes",
			s->assumed_written + s->assumed_unwritten,
			s->assumed_written, s->assumed_unwritten,
			s->assumed_confirmed, s->assumed_overturned);
		ratio(out, "  VMAs resting on one at exits", s->exit_uncertain,
		      s->exit_vmas);
		fprintf(out, "%-32s %" PRIu64 "\n", "  contradictions named",
			s->contradictions);
		if (s->stress_processes)
			fprintf(out, "%-32s %" PRIu64 "\n",
				"  tasks under rule stress",
				s->stress_processes);
		if (s->revise_runs)
			fprintf(out,
				"%-32s %" PRIu64 " (%" PRIu64
				" model-only replays, %" PRIu64
				" contradictions left)\n",
				"  choices revised", s->revised, s->revise_runs,
				s->revise_unresolved);
	}
	if (s->reordered)
		fprintf(out, "%-32s %" PRIu64 "\n",
			"calls served before their line", s->reordered);
	if (s->faults)
		fprintf(out,
			"%-32s %" PRIu64 " (%" PRIu64 " grew a stack, %" PRIu64
			" gave an anon_vma, %" PRIu64 " at no VMA)\n",
			"page faults applied", s->faults, s->faults_grew,
			s->faults_anon, s->faults_nomap);
	if (s->remote)
		fprintf(out, "%-32s %" PRIu64 "\n", "remote accesses applied",
			s->remote);
	if (s->rss_checks)
		ratio(out, "rss counters after steps", s->rss_matched,
		      s->rss_checks);
	if (s->pgtable_checks)
		ratio(out, "page-table allocations", s->pgtable_matched,
		      s->pgtable_checks);
	if (s->slab_checks)
		ratio(out, "slab objects (vm_area_struct)", s->slab_matched,
		      s->slab_checks);
	if (s->rmap_checks)
		ratio(out, "slab objects (anon_vma, chains)", s->rmap_matched,
		      s->rmap_checks);
	if (s->palloc_checks)
		ratio(out, "user page allocations", s->palloc_matched,
		      s->palloc_checks);
	if (s->status_lines)
		ratio(out, "status lines at snapshots", s->status_matched,
		      s->status_lines);
	if (s->smaps_vmas)
		ratio(out, "smaps Rss, Anonymous per VMA", s->smaps_matched,
		      s->smaps_vmas);
	if (s->pagemap_pages)
		ratio(out, "pagemap pages present in both", s->pagemap_matched,
		      s->pagemap_pages);
	fprintf(out, "\n%-14s %8s %17s %17s %17s %17s\n", "syscall", "calls",
		"results", "addresses", "errnos", "allocations");
	for (i = 0; i < MR_SYS__COUNT; i++) {
		const mr_sys_stats *t = &s->sys[i];
		char a[4][40];

		if (!t->calls && !t->allocs)
			continue;
		snprintf(a[0], sizeof(a[0]), "%" PRIu64 "/%" PRIu64, t->matched,
			 t->recorded);
		snprintf(a[1], sizeof(a[1]), "%" PRIu64 "/%" PRIu64,
			 t->addrs_ok, t->addrs);
		snprintf(a[2], sizeof(a[2]), "%" PRIu64 "/%" PRIu64,
			 t->errnos_ok, t->errnos);
		snprintf(a[3], sizeof(a[3]), "%" PRIu64 "/%" PRIu64,
			 t->allocs_ok, t->allocs);
		fprintf(out, "%-14s %8" PRIu64 " %17s %17s %17s %17s\n",
			mr_sysno_name(i), t->calls, a[0], a[1], a[2], a[3]);
	}
	/* results the trace does not decide (verdict unpredicted) are
	 * reported above, not counted against the model */
	missed = s->snap_matched != s->snapshots ||
		 s->line_matched != s->line_snaps ||
		 s->vma_matched != s->vma_lines || res_ok != res_pred ||
		 s->hist_matched != s->hist_checks || s->violations ||
		 s->divergences;
	if (missed)
		fprintf(out, "\nverdict: the model differs from the kernel\n");
	else if (res_pred != res)
		fprintf(out,
			"\nverdict: the model matches the kernel wherever the "
			"trace decides (%" PRIu64 " results undecided)\n",
			res - res_pred);
	else
		fprintf(out,
			"\nverdict: the model matches the kernel everywhere\n");
	return missed;
}

int mr_cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, 0, 'd'},
		{"max-map-count", required_argument, 0, 'M'},
		{"no-assume-written", no_argument, 0, 'W'},
		{"revise", required_argument, 0, 'R'},
		{"no-revise-snapshots", no_argument, 0, 'V'},
		{"no-faults", no_argument, 0, 'F'},
		{"exec-from-elf", no_argument, 0, 'E'},
		{"junit", required_argument, 0, 'j'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	mr_replay_opts o;
	mr_replay_summary s;
	char err[1024], *trace = NULL, *snap = NULL, *mis = NULL;
	const char *junit = NULL;
	size_t mislen = 0;
	struct timespec t0, t1;
	FILE *mf;
	int c, rc, missed;
	unsigned long long v;
	char *end;

	mr_replay_opts_default(&o);
	/* The report is read through a history: in memory unless --db. */
	o.mode = MR_MODE_STORE;
	o.db = ":memory:";
	o.show = 1000000000;
	o.revise = MR_REVISE_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.db = optarg;
			break;
		case 'M':
			v = strtoull(optarg, &end, 0);
			if (*end || end == optarg || v > UINT32_MAX ||
			    *optarg == '-')
				return verify_usage_error(
					"--max-map-count: expected a number");
			o.cfg.max_map_count = (uint32_t)v;
			o.max_map_count_set = 1;
			break;
		case 'W':
			o.cfg.assume_written = 0;
			break;
		case 'R':
			v = strtoull(optarg, &end, 0);
			if (*end || end == optarg || v > 100000 ||
			    *optarg == '-')
				return verify_usage_error("--revise: expected "
							  "a number of replays "
							  "(0 to 100000)");
			o.revise = (unsigned)v;
			break;
		case 'V':
			o.no_revise_snapshots = 1;
			break;
		case 'F':
			o.no_faults = 1;
			break;
		case 'E':
			o.exec_from_elf = 1;
			break;
		case 'j':
			junit = optarg;
			break;
		case 'h':
			printf("%s", verify_usage);
			return 0;
		default:
			return verify_usage_error("bad option for verify");
		}
	}
	if (optind != argc - 1)
		return verify_usage_error("verify takes exactly one DIR");
	if (asprintf(&trace, "%s/trace.strace.zst", argv[optind]) < 0 ||
	    asprintf(&snap, "%s/snap", argv[optind]) < 0) {
		free(trace);
		fprintf(stderr, "mmreplay: out of memory\n");
		return 2;
	}
	o.trace = trace;
	o.snapdir = snap;
	/* Mismatches are reported after the figures. */
	mf = open_memstream(&mis, &mislen);
	if (!mf) {
		free(trace);
		free(snap);
		fprintf(stderr, "mmreplay: out of memory\n");
		return 2;
	}
	o.out = mf;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = mr_replay_run(&o, &s, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fclose(mf);
	if (rc == 2) {
		fprintf(stderr, "mmreplay: %s\n", err);
		free(mis);
		free(trace);
		free(snap);
		return 2;
	}
	missed = report(stdout, argv[optind], &s);
	if (mislen)
		printf("\nmismatches (%" PRIu64 "):\n%s", s.divergences, mis);
	if (junit) {
		/* the report again, as the failure's text */
		char *text = NULL;
		size_t tl = 0;
		FILE *tf = open_memstream(&text, &tl);
		mr_junit_case jc = {argv[optind], missed, NULL,
				    (double)(t1.tv_sec - t0.tv_sec) +
					    (double)(t1.tv_nsec - t0.tv_nsec) /
						    1e9};

		if (tf) {
			report(tf, argv[optind], &s);
			if (mislen)
				fprintf(tf, "\nmismatches:\n%s", mis);
			fclose(tf);
		}
		jc.message = text;
		if (mr_junit_write(junit, "mmreplay verify", &jc, 1))
			fprintf(stderr, "mmreplay: %s: cannot write\n", junit);
		free(text);
	}
	free(mis);
	free(trace);
	free(snap);
	return missed ? 1 : 0;
}
