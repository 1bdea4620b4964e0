/*
 * compare.c - `mmreplay compare A.db B.db`: two runs of a workload side by
 * side (docs/cli.md): processes matched by their place in the process
 * tree, the first step where a matched process's memory behaviour
 * differs, a table of metrics, and thresholds that make the comparison
 * fail (exit 1), as a CI job runs it.
 */
#include "replay/compare.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/buddy.h"
#include "formats/procinfo.h"
#include "replay/junit.h"
#include "replay/nodecli.h"
#include "replay/store_int.h"

enum {
	M_PEAK_VMAS,
	M_FINAL_VMAS,
	M_PEAK_ANON,
	M_PEAK_FILE,
	M_PEAK_PTE,
	M_MMAP,
	M_MUNMAP,
	M_MPROTECT,
	M_BRK,
	M_LARGEST,
	M_FRAG,
	M__COUNT
};

static const struct {
	const char *name, *what, *sql;
} metrics[M__COUNT] = {
	{"peak_vmas", "the most VMAs one process had",
	 "SELECT max(vmas) FROM step"},
	{"final_vmas", "VMAs of every process at its last step",
	 "SELECT sum(v) FROM (SELECT (SELECT vmas FROM step s2 WHERE s2.pid = "
	 "s.pid AND s2.vmas >= 0 ORDER BY s2.step DESC LIMIT 1) AS v FROM "
	 "(SELECT DISTINCT pid FROM step) s)"},
	{"peak_rss_anon_kb", "the largest RssAnon",
	 "SELECT max(rss_anon_kb) "
	 "FROM mm"},
	{"peak_rss_file_kb", "the largest RssFile",
	 "SELECT max(rss_file_kb) "
	 "FROM mm"},
	{"peak_pte_kb", "the largest VmPTE", "SELECT max(pte_kb) FROM mm"},
	{"mmap", "mmap calls", "SELECT count(*) FROM step WHERE name = 'mmap'"},
	{"munmap", "munmap calls",
	 "SELECT count(*) FROM step WHERE name = 'munmap'"},
	{"mprotect", "mprotect calls",
	 "SELECT count(*) FROM step WHERE name = 'mprotect'"},
	{"brk", "brk calls", "SELECT count(*) FROM step WHERE name = 'brk'"},
	{"largest_mapping_kb", "the largest VMA",
	 "SELECT max(end - start) / 1024 FROM vma"},
	{"frag_order9_permille",
	 "Normal's unusable free space index for order 9 at the VMA peak",
	 NULL},
};

/* One number from SQL on ST (-1: NULL or none). */
static int64_t one(mr_store *st, const char *sql)
{
	sqlite3_stmt *q = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(mr_store_handle(st), sql, -1, &q, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW &&
	    sqlite3_column_type(q, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

/* The unusable free space index (thousandths) of order 9 in Normal after
 * the step of the VMA peak, -1 without a node. */
static int64_t frag_at_peak(mr_store *st)
{
	int64_t step = one(st, "SELECT step FROM step ORDER BY vmas DESC, step "
			       "LIMIT 1");
	mr_machine_files mf;
	mr_buddy_profile p;
	mr_buddy_counts c;
	char err[256];
	int u, f;
	int64_t v = -1;

	if (step < 0 || mr_store_node_at(st, (uint64_t)step, &mf, &c))
		return -1;
	if (!mr_machine_files_profile(&mf, &p, err, sizeof(err)) &&
	    !mr_buddy_counts_frag(&p, &c, MR_ZONE_NORMAL, 9, &u, &f))
		v = u;
	mr_machine_files_free(&mf);
	return v;
}

/* ---- the process tree ---- */

struct proc {
	int64_t pid;
	char key[256]; /* place in the tree: "0", "0.1", ... */
	char exe[256]; /* the last exec's path ("" when none) */
};

struct procs {
	struct proc *v;
	size_t n;
};

/* Each process of ST with its place in the tree: the first process is
 * "0", the k-th child (by creation) of process P is "P.k". */
static int load_procs(mr_store *st, struct procs *ps)
{
	sqlite3_stmt *q = NULL;
	size_t cap = 0;

	memset(ps, 0, sizeof(*ps));
	/* processes in creation order, with the pid that created them */
	if (sqlite3_prepare_v2(
		    mr_store_handle(st),
		    "SELECT t.pid, (SELECT s.pid FROM step s WHERE s.name IN "
		    "('clone', 'clone3', 'fork', 'vfork') AND s.ret = t.pid "
		    "LIMIT 1), (SELECT args FROM step e WHERE e.pid = t.pid "
		    "AND e.name IN ('execve', 'execveat') AND e.ret = 0 ORDER "
		    "BY e.step DESC LIMIT 1) FROM (SELECT pid, min(from_step) "
		    "AS f FROM task GROUP BY pid) t ORDER BY t.f, t.pid",
		    -1, &q, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(q) == SQLITE_ROW) {
		struct proc *p;
		int64_t parent = sqlite3_column_type(q, 1) == SQLITE_NULL
					 ? -1
					 : sqlite3_column_int64(q, 1);
		const char *args = (const char *)sqlite3_column_text(q, 2);
		size_t i, kids = 0;
		const char *pk = NULL;

		if (ps->n == cap) {
			struct proc *v;

			cap = cap ? 2 * cap : 32;
			v = realloc(ps->v, cap * sizeof(*v));
			if (!v)
				break;
			ps->v = v;
		}
		p = &ps->v[ps->n];
		memset(p, 0, sizeof(*p));
		p->pid = sqlite3_column_int64(q, 0);
		for (i = 0; i < ps->n; i++)
			if (ps->v[i].pid == parent)
				pk = ps->v[i].key;
		if (pk) { /* the k-th child of its parent */
			size_t pl = strlen(pk);

			for (i = 0; i < ps->n; i++)
				if (!strncmp(ps->v[i].key, pk, pl) &&
				    ps->v[i].key[pl] == '.' &&
				    !strchr(ps->v[i].key + pl + 1, '.'))
					kids++;
			snprintf(p->key, sizeof(p->key), "%.200s.%zu", pk,
				 kids);
		} else {
			size_t roots = 0;

			for (i = 0; i < ps->n; i++)
				roots += !strchr(ps->v[i].key, '.');
			snprintf(p->key, sizeof(p->key), "%zu", roots);
		}
		/* the exec's path: its first argument, quoted */
		if (args && args[0] == '"') {
			const char *e = strchr(args + 1, '"');
			size_t l = e ? (size_t)(e - args - 1) : 0;

			if (l >= sizeof(p->exe))
				l = sizeof(p->exe) - 1;
			memcpy(p->exe, args + 1, l);
		}
		ps->n++;
	}
	sqlite3_finalize(q);
	return 0;
}

/* The first step of pid P, at or after index I of its steps, whose call
 * or VMA count differs between A and B: -1 when none within both. */
static int64_t first_diff(mr_store *a, int64_t pa, mr_store *b, int64_t pb,
			  int64_t *sa, int64_t *sb, int64_t *la, int64_t *lb)
{
	const char *sql = "SELECT step, line, name, vmas, ret < 0 FROM step "
			  "WHERE pid = ?1 AND kind = 'syscall' ORDER BY step";
	sqlite3_stmt *qa = NULL, *qb = NULL;
	int64_t i = 0, found = -1;

	if (sqlite3_prepare_v2(mr_store_handle(a), sql, -1, &qa, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(mr_store_handle(b), sql, -1, &qb, NULL) !=
		    SQLITE_OK) {
		sqlite3_finalize(qa);
		return -1;
	}
	sqlite3_bind_int64(qa, 1, pa);
	sqlite3_bind_int64(qb, 1, pb);
	for (;; i++) {
		int ra = sqlite3_step(qa), rb = sqlite3_step(qb);

		if (ra != SQLITE_ROW && rb != SQLITE_ROW)
			break;
		if (ra != rb ||
		    strcmp((const char *)sqlite3_column_text(qa, 2),
			   (const char *)sqlite3_column_text(qb, 2)) ||
		    sqlite3_column_int64(qa, 3) !=
			    sqlite3_column_int64(qb, 3) ||
		    sqlite3_column_int64(qa, 4) !=
			    sqlite3_column_int64(qb, 4)) {
			*sa = ra == SQLITE_ROW ? sqlite3_column_int64(qa, 0)
					       : -1;
			*sb = rb == SQLITE_ROW ? sqlite3_column_int64(qb, 0)
					       : -1;
			*la = ra == SQLITE_ROW ? sqlite3_column_int64(qa, 1)
					       : -1;
			*lb = rb == SQLITE_ROW ? sqlite3_column_int64(qb, 1)
					       : -1;
			found = i;
			break;
		}
	}
	sqlite3_finalize(qa);
	sqlite3_finalize(qb);
	return found;
}

int mr_cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{"threshold", required_argument, 0, 't'},
		{"junit", required_argument, 0, 'j'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	double limit[M__COUNT];
	const char *junit = NULL;
	mr_store *st[2] = {NULL, NULL};
	struct procs ps[2];
	int64_t val[2][M__COUNT];
	mr_junit_case cases[M__COUNT];
	char msgs[M__COUNT][160];
	int c, k, i, over = 0, ncases = 0;
	size_t x, y;
	char err[1024];

	for (k = 0; k < M__COUNT; k++)
		limit[k] = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			const char *eq = strchr(optarg, '=');
			char *end;
			double pct;

			for (k = 0; eq && k < M__COUNT; k++)
				if (strlen(metrics[k].name) ==
					    (size_t)(eq - optarg) &&
				    !strncmp(metrics[k].name, optarg,
					     (size_t)(eq - optarg)))
					break;
			pct = eq ? strtod(eq + 1, &end) : -1;
			if (!eq || k == M__COUNT || end == eq + 1 || *end ||
			    pct < 0) {
				fprintf(stderr,
					"mmreplay compare: --threshold: "
					"expected METRIC=PERCENT with a metric "
					"of the table, not '%s'\n",
					optarg);
				return 2;
			}
			limit[k] = pct;
			break;
		}
		case 'j':
			junit = optarg;
			break;
		case 'h':
			printf("usage: mmreplay compare A.db B.db [--threshold "
			       "METRIC=PERCENT ...] [--junit FILE]\n"
			       "Two runs side by side: processes matched by "
			       "their place in the process tree,\nthe first "
			       "call where one's memory behaviour differs, and "
			       "the metrics:\n");
			for (k = 0; k < M__COUNT; k++)
				printf("  %-22s %s\n", metrics[k].name,
				       metrics[k].what);
			return 0;
		default:
			fprintf(stderr, "mmreplay compare: bad option "
					"(mmreplay compare --help)\n");
			return 2;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr, "mmreplay compare: takes two histories "
				"(mmreplay compare --help)\n");
		return 2;
	}
	for (i = 0; i < 2; i++)
		if (mr_store_open_ro(&st[i], argv[optind + i], err,
				     sizeof(err))) {
			fprintf(stderr, "mmreplay compare: %s\n", err);
			mr_store_close(st[0], 0);
			return 2;
		}
	for (i = 0; i < 2; i++) {
		for (k = 0; k < M__COUNT; k++)
			val[i][k] = metrics[k].sql ? one(st[i], metrics[k].sql)
						   : frag_at_peak(st[i]);
		load_procs(st[i], &ps[i]);
	}
	/* processes, matched by place */
	printf("processes (A %s, B %s):\n", argv[optind], argv[optind + 1]);
	for (x = 0; x < ps[0].n; x++) {
		const struct proc *p = &ps[0].v[x], *q = NULL;

		for (y = 0; y < ps[1].n && !q; y++)
			if (!strcmp(ps[1].v[y].key, p->key))
				q = &ps[1].v[y];
		if (!q) {
			printf("  %-8s A pid %lld %s: not in B\n", p->key,
			       (long long)p->pid, p->exe);
			continue;
		}
		{
			int64_t sa = -1, sb = -1, la = -1, lb = -1;
			int64_t d = first_diff(st[0], p->pid, st[1], q->pid,
					       &sa, &sb, &la, &lb);

			printf("  %-8s A pid %lld, B pid %lld %s%s", p->key,
			       (long long)p->pid, (long long)q->pid, p->exe,
			       strcmp(p->exe, q->exe) ? " (B: another exec)"
						      : "");
			if (d < 0)
				printf(": the same calls and VMA counts\n");
			else
				printf(": first differs at its call %lld (A "
				       "step %lld line %lld, B step %lld line "
				       "%lld)\n",
				       (long long)d + 1, (long long)sa,
				       (long long)la, (long long)sb,
				       (long long)lb);
		}
	}
	for (y = 0; y < ps[1].n; y++) {
		const struct proc *q = &ps[1].v[y];

		for (x = 0; x < ps[0].n; x++)
			if (!strcmp(ps[0].v[x].key, q->key))
				break;
		if (x == ps[0].n)
			printf("  %-8s B pid %lld %s: not in A\n", q->key,
			       (long long)q->pid, q->exe);
	}
	/* the metrics */
	printf("\n%-22s %14s %14s %9s\n", "metric", "A", "B", "change");
	for (k = 0; k < M__COUNT; k++) {
		int64_t a = val[0][k], b = val[1][k];
		double pct = a > 0 ? 100.0 * (double)(b - a) / (double)a
				   : (b > 0 ? INFINITY : 0);
		int bad = limit[k] >= 0 && a >= 0 && b >= 0 &&
			  fabs(pct) > limit[k];
		char pa[32], pb[32], pc[32];

		snprintf(pa, sizeof(pa), a < 0 ? "-" : "%lld", (long long)a);
		snprintf(pb, sizeof(pb), b < 0 ? "-" : "%lld", (long long)b);
		if (a < 0 || b < 0)
			snprintf(pc, sizeof(pc), "-");
		else if (isinf(pct))
			snprintf(pc, sizeof(pc), "new");
		else
			snprintf(pc, sizeof(pc), "%+.1f%%", pct);
		printf("%-22s %14s %14s %9s%s\n", metrics[k].name, pa, pb, pc,
		       bad ? "  over the threshold" : "");
		over += bad;
		if (limit[k] >= 0) {
			snprintf(msgs[ncases], sizeof(msgs[ncases]),
				 "%s: %s -> %s (%s), threshold %.1f%%",
				 metrics[k].name, pa, pb, pc, limit[k]);
			cases[ncases].name = metrics[k].name;
			cases[ncases].failed = bad;
			cases[ncases].message = msgs[ncases];
			cases[ncases].seconds = 0;
			ncases++;
		}
	}
	if (junit && mr_junit_write(junit, "mmreplay compare", cases, ncases))
		fprintf(stderr, "mmreplay compare: %s: cannot write\n", junit);
	if (over)
		printf("\n%d metric%s over %s threshold\n", over,
		       over > 1 ? "s" : "", over > 1 ? "their" : "its");
	for (i = 0; i < 2; i++) {
		free(ps[i].v);
		mr_store_close(st[i], 0);
	}
	return over ? 1 : 0;
}
