/*
 * histcli.c - questions a history answers over many steps (docs/cli.md):
 * `diff` (what changed between two steps), `history` (every VMA that
 * ever covered an address) and `stats` (VMA count, RSS and page tables
 * per process, their peaks, as text or CSV).
 */
#include "replay/histcli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/nodecli.h"
#include "replay/store_int.h"

static int bad_use(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "mmreplay %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(mmreplay %s --help)\n", cmd);
	return 2;
}

static int open_hist(const char *cmd, const char *db, mr_store **st)
{
	char err[1024];

	if (mr_store_open_ro(st, db, err, sizeof(err))) {
		fprintf(stderr, "mmreplay %s: %s\n", cmd, err);
		return 2;
	}
	return 0;
}

static sqlite3_stmt *prep(mr_store *st, const char *sql)
{
	sqlite3_stmt *q = NULL;

	if (sqlite3_prepare_v2(mr_store_handle(st), sql, -1, &q, NULL) !=
	    SQLITE_OK) {
		mr_store_fail(st, "query");
		return NULL;
	}
	return q;
}

static const char *col(sqlite3_stmt *q, int i)
{
	const char *t = (const char *)sqlite3_column_text(q, i);

	return t ? t : "";
}

/* The options every command here takes: DB, then --pid, --from/--to or
 * --addr, --format. */
struct hopts {
	const char *db;
	int64_t pid; /* -1: every process */
	uint64_t from, to;
	int have_from, have_to;
	uint64_t addr;
	int have_addr;
	int csv;
};

static int parse(const char *cmd, int argc, char **argv, struct hopts *h,
		 const char *usage)
{
	static const struct option opts[] = {
		{"pid", required_argument, 0, 'p'},
		{"from", required_argument, 0, 'f'},
		{"to", required_argument, 0, 't'},
		{"addr", required_argument, 0, 'a'},
		{"format", required_argument, 0, 'F'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	uint64_t v;
	int c;

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (mr_cli_u64(optarg, &v) || v > INT32_MAX)
				return bad_use(cmd,
					       "--pid: expected a pid, not "
					       "'%s'",
					       optarg);
			h->pid = (int64_t)v;
			break;
		case 'f':
		case 't':
			if (mr_cli_u64(optarg, &v))
				return bad_use(cmd,
					       "expected a step number, not "
					       "'%s'",
					       optarg);
			if (c == 'f') {
				h->from = v;
				h->have_from = 1;
			} else {
				h->to = v;
				h->have_to = 1;
			}
			break;
		case 'a':
			if (mr_cli_u64(optarg, &v))
				return bad_use(cmd,
					       "--addr: expected an address, "
					       "not '%s'",
					       optarg);
			h->addr = v;
			h->have_addr = 1;
			break;
		case 'F':
			if (strcmp(optarg, "csv") && strcmp(optarg, "text"))
				return bad_use(
					cmd,
					"--format: expected text or csv, "
					"not '%s'",
					optarg);
			h->csv = !strcmp(optarg, "csv");
			break;
		case 'h':
			printf("%s", usage);
			return -1;
		default:
			return bad_use(cmd, "%s", "bad option");
		}
	}
	if (optind != argc - 1)
		return bad_use(cmd, "%s", "takes exactly one DB");
	h->db = argv[optind];
	return 0;
}

/* ---- diff ---- */

/* The maps lines of MM after step N, as one text (malloc'd): what
 * `mmreplay maps` prints. */
static char *maps_at(mr_store *st, int64_t mm, uint64_t n)
{
	char *buf = NULL;
	size_t len = 0;

	if (mr_store_mm_maps(st, (uint32_t)mm, n, &buf, &len))
		return NULL;
	return buf;
}

/* The start address a maps line begins with. */
static unsigned long long line_start(const char *p)
{
	return strtoull(p, NULL, 16);
}

/* Lines of A not in B after PREFIX; their number. Both are maps texts,
 * ordered by start address, so one merge. */
static size_t only_in(FILE *out, const char *a, const char *b,
		      const char *prefix)
{
	const char *p, *nl, *q = b;
	size_t n = 0;

	for (p = a; p && *p; p = nl + 1) {
		unsigned long long s = line_start(p);
		const char *qe;
		size_t len;
		int found = 0;

		nl = strchr(p, '\n');
		if (!nl)
			break;
		len = (size_t)(nl - p);
		/* skip B's lines that start below this one */
		while (q && *q && (qe = strchr(q, '\n')) &&
		       line_start(q) < s)
			q = qe + 1;
		/* B's lines with the same start (one, unless unordered) */
		for (const char *r = q; r && *r && line_start(r) == s;) {
			qe = strchr(r, '\n');
			if (!qe)
				break;
			if ((size_t)(qe - r) == len && !memcmp(p, r, len)) {
				found = 1;
				break;
			}
			r = qe + 1;
		}
		if (!found) {
			fprintf(out, "%s%.*s\n", prefix, (int)len, p);
			n++;
		}
	}
	return n;
}

static const char *const counters[] = {"rss_anon_kb",  "rss_file_kb",
				       "rss_shmem_kb", "hwm_kb",
				       "pte_kb",       "vm_peak_kb"};
#define NCOUNTERS (sizeof(counters) / sizeof(counters[0]))

/* The counters of MM after step N into V (-1: NULL or no row). */
static void counters_at(mr_store *st, int64_t mm, uint64_t n,
			int64_t v[NCOUNTERS])
{
	sqlite3_stmt *q = prep(st, "SELECT rss_anon_kb, rss_file_kb, "
				   "rss_shmem_kb, hwm_kb, pte_kb, vm_peak_kb "
				   "FROM (SELECT * FROM mm WHERE mm = ?1 AND "
				   "from_step <= ?2 ORDER BY from_step DESC "
				   "LIMIT 1) WHERE to_step IS NULL OR "
				   "to_step > ?2");
	size_t i;

	for (i = 0; i < NCOUNTERS; i++)
		v[i] = -1;
	if (!q)
		return;
	sqlite3_bind_int64(q, 1, mm);
	sqlite3_bind_int64(q, 2, (int64_t)n);
	if (sqlite3_step(q) == SQLITE_ROW)
		for (i = 0; i < NCOUNTERS; i++)
			if (sqlite3_column_type(q, (int)i) != SQLITE_NULL)
				v[i] = sqlite3_column_int64(q, (int)i);
	sqlite3_finalize(q);
}

int mr_cmd_diff(int argc, char **argv)
{
	struct hopts h;
	mr_store *st;
	sqlite3_stmt *q;
	int rc = parse("diff", argc, argv, &h,
		       "usage: mmreplay diff DB --from A --to B [--pid P]\n"
		       "What changed between the states after steps A and B: "
		       "the steps between,\nthen per address space the maps "
		       "lines gone (-) and new (+) and the counters.\n");
	size_t changed = 0;

	if (rc)
		return rc < 0 ? 0 : rc;
	if (!h.have_from || !h.have_to || h.from > h.to)
		return bad_use("diff", "%s",
			       "needs --from A --to B with A <= B");
	if (open_hist("diff", h.db, &st))
		return 2;
	/* the steps between */
	q = prep(st, "SELECT name, count(*) FROM step WHERE step > ?1 AND "
		     "step <= ?2 AND (?3 < 0 OR pid = ?3) GROUP BY name ORDER "
		     "BY count(*) DESC, name");
	if (q) {
		int first = 1;

		sqlite3_bind_int64(q, 1, (int64_t)h.from);
		sqlite3_bind_int64(q, 2, (int64_t)h.to);
		sqlite3_bind_int64(q, 3, h.pid);
		printf("steps %" PRIu64 "..%" PRIu64 ":", h.from + 1, h.to);
		while (sqlite3_step(q) == SQLITE_ROW) {
			printf("%s %s %lld", first ? "" : ",", col(q, 0),
			       (long long)sqlite3_column_int64(q, 1));
			first = 0;
		}
		printf("%s\n", first ? " none" : "");
		sqlite3_finalize(q);
	}
	/* every address space alive at either step */
	q = prep(st, "SELECT DISTINCT mm, pid FROM mm WHERE (?3 < 0 OR pid = "
		     "?3) AND ((from_step <= ?1 AND (to_step IS NULL OR "
		     "to_step > ?1)) OR (from_step <= ?2 AND (to_step IS NULL "
		     "OR to_step > ?2))) ORDER BY mm");
	if (!q) {
		fprintf(stderr, "mmreplay diff: %s\n", mr_store_errmsg(st));
		mr_store_close(st, 0);
		return 2;
	}
	sqlite3_bind_int64(q, 1, (int64_t)h.from);
	sqlite3_bind_int64(q, 2, (int64_t)h.to);
	sqlite3_bind_int64(q, 3, h.pid);
	while (sqlite3_step(q) == SQLITE_ROW) {
		int64_t mm = sqlite3_column_int64(q, 0);
		char *a = maps_at(st, mm, h.from), *b = maps_at(st, mm, h.to);
		int64_t ca[NCOUNTERS], cb[NCOUNTERS];
		char *buf = NULL;
		size_t len = 0, n = 0, i;
		FILE *f = open_memstream(&buf, &len);

		counters_at(st, mm, h.from, ca);
		counters_at(st, mm, h.to, cb);
		if (f) {
			n += only_in(f, a ? a : "", b ? b : "", "- ");
			n += only_in(f, b ? b : "", a ? a : "", "+ ");
			for (i = 0; i < NCOUNTERS; i++)
				if (ca[i] != cb[i] &&
				    (ca[i] >= 0 || cb[i] >= 0)) {
					fprintf(f, "  %s %lld -> %lld\n",
						counters[i], (long long)ca[i],
						(long long)cb[i]);
					n++;
				}
			fclose(f);
		}
		if (n) {
			printf("mm %lld (pid %lld):\n%s", (long long)mm,
			       (long long)sqlite3_column_int64(q, 1),
			       buf ? buf : "");
			changed++;
		}
		free(buf);
		free(a);
		free(b);
	}
	sqlite3_finalize(q);
	if (!changed)
		printf("no address space changed\n");
	mr_store_close(st, 0);
	return 0;
}

/* ---- history ---- */

int mr_cmd_history(int argc, char **argv)
{
	struct hopts h;
	mr_store *st;
	sqlite3_stmt *q;
	int rc = parse("history", argc, argv, &h,
		       "usage: mmreplay history DB --addr X [--pid P]\n"
		       "Every VMA that ever covered address X: its steps, "
		       "its maps line, and the\nsteps (trace line, call) that "
		       "made it and ended it.\n");
	int64_t last_mm = -1;
	size_t n = 0;

	if (rc)
		return rc < 0 ? 0 : rc;
	if (!h.have_addr)
		return bad_use("history", "%s", "needs --addr X");
	if (open_hist("history", h.db, &st))
		return 2;
	q = prep(st,
		 "SELECT v.mm, v.pid, v.from_step, v.to_step, v.line, "
		 "s1.line, s1.name, s2.line, s2.name FROM vma v LEFT JOIN "
		 "step s1 ON s1.step = v.from_step LEFT JOIN step s2 ON "
		 "s2.step = v.to_step WHERE v.start <= ?1 AND v.end > ?1 AND "
		 "(?2 < 0 OR v.pid = ?2) ORDER BY v.mm, v.from_step");
	if (!q) {
		fprintf(stderr, "mmreplay history: %s\n", mr_store_errmsg(st));
		mr_store_close(st, 0);
		return 2;
	}
	sqlite3_bind_int64(q, 1, (int64_t)h.addr);
	sqlite3_bind_int64(q, 2, h.pid);
	while (sqlite3_step(q) == SQLITE_ROW) {
		int64_t mm = sqlite3_column_int64(q, 0);

		if (mm != last_mm)
			printf("mm %lld (pid %lld):\n", (long long)mm,
			       (long long)sqlite3_column_int64(q, 1));
		last_mm = mm;
		printf("  steps %lld..%s  %s\n",
		       (long long)sqlite3_column_int64(q, 2),
		       sqlite3_column_type(q, 3) == SQLITE_NULL ? "end"
								: col(q, 3),
		       col(q, 4));
		if (sqlite3_column_type(q, 5) != SQLITE_NULL)
			printf("    from step %lld (line %s, %s)",
			       (long long)sqlite3_column_int64(q, 2), col(q, 5),
			       col(q, 6));
		else
			printf("    from the start");
		if (sqlite3_column_type(q, 3) != SQLITE_NULL)
			printf(", until step %s (line %s, %s)\n", col(q, 3),
			       col(q, 7), col(q, 8));
		else
			printf(", to the end\n");
		n++;
	}
	sqlite3_finalize(q);
	if (!n)
		printf("no VMA ever covered %#" PRIx64 "\n", h.addr);
	mr_store_close(st, 0);
	return 0;
}

/* ---- stats ---- */

int mr_cmd_stats(int argc, char **argv)
{
	struct hopts h;
	mr_store *st;
	sqlite3_stmt *q;
	int rc = parse("stats", argc, argv, &h,
		       "usage: mmreplay stats DB [--pid P] [--format "
		       "text|csv]\n"
		       "Per process: its VMA count, RSS and page tables, with "
		       "their peaks (text),\nor after every step of it (csv: "
		       "step,pid,vmas,rss_anon_kb,rss_file_kb,\n"
		       "rss_shmem_kb,pte_kb).\n");

	if (rc)
		return rc < 0 ? 0 : rc;
	if (open_hist("stats", h.db, &st))
		return 2;
	if (h.csv) {
		q = prep(st,
			 "SELECT s.step, s.pid, s.vmas, m.rss_anon_kb, "
			 "m.rss_file_kb, m.rss_shmem_kb, m.pte_kb FROM step s "
			 "LEFT JOIN task t ON t.pid = s.pid AND t.from_step <= "
			 "s.step AND (t.to_step IS NULL OR t.to_step > s.step) "
			 "LEFT JOIN mm m ON m.mm = t.mm AND m.from_step <= "
			 "s.step AND (m.to_step IS NULL OR m.to_step > s.step) "
			 "WHERE s.vmas >= 0 AND (?1 < 0 OR s.pid = ?1) ORDER "
			 "BY s.step");
		if (q) {
			int i;

			sqlite3_bind_int64(q, 1, h.pid);
			printf("step,pid,vmas,rss_anon_kb,rss_file_kb,"
			       "rss_shmem_kb,pte_kb\n");
			while (sqlite3_step(q) == SQLITE_ROW) {
				for (i = 0; i < 7; i++)
					printf("%s%s", i ? "," : "", col(q, i));
				printf("\n");
			}
			sqlite3_finalize(q);
		}
	} else {
		/* per process: its peak VMA count and the step, its last,
		 * and the peaks of its address spaces' counters */
		q = prep(
			st,
			"SELECT p.pid, (SELECT max(vmas) FROM step WHERE pid "
			"= p.pid), (SELECT step FROM step WHERE pid = p.pid "
			"ORDER BY vmas DESC, step LIMIT 1), (SELECT vmas FROM "
			"step WHERE pid = p.pid AND vmas >= 0 ORDER BY step "
			"DESC LIMIT 1), (SELECT max(rss_anon_kb) FROM mm WHERE "
			"pid = p.pid), (SELECT max(rss_file_kb) FROM mm WHERE "
			"pid = p.pid), (SELECT max(pte_kb) FROM mm WHERE pid "
			"= p.pid), (SELECT count(*) FROM step WHERE pid = "
			"p.pid AND kind = 'syscall') FROM (SELECT DISTINCT "
			"pid FROM step WHERE vmas >= 0 AND (?1 < 0 OR pid = "
			"?1)) p ORDER BY p.pid");
		if (q) {
			sqlite3_bind_int64(q, 1, h.pid);
			printf("%8s %10s %10s %10s %14s %14s %10s %10s\n",
			       "pid", "peak vmas", "at step", "last vmas",
			       "peak anon kB", "peak file kB", "peak pte kB",
			       "syscalls");
			while (sqlite3_step(q) == SQLITE_ROW)
				printf("%8s %10s %10s %10s %14s %14s %10s "
				       "%10s\n",
				       col(q, 0), col(q, 1), col(q, 2),
				       col(q, 3), col(q, 4), col(q, 5),
				       col(q, 6), col(q, 7));
			sqlite3_finalize(q);
		}
	}
	rc = mr_store_failed(st);
	if (rc)
		fprintf(stderr, "mmreplay stats: %s\n", mr_store_errmsg(st));
	mr_store_close(st, 0);
	return rc ? 2 : 0;
}
