/*
 * export.c - `mmreplay export DB --format perfetto`: the history as the
 * Chrome JSON trace-event format, which the Perfetto UI and
 * chrome://tracing open: per process a name, its VMA count and its RSS
 * (anonymous, file, shmem) and VmPTE as counter tracks, each syscall as
 * an instant event of its thread, and each divergence and violation as
 * an instant event of the process. Time is the step: step N is at N
 * microseconds, so the tracks line up with the history's steps.
 */
#include "replay/export.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/query.h"
#include "replay/store_int.h"

static const char *col(sqlite3_stmt *q, int i)
{
	const char *t = (const char *)sqlite3_column_text(q, i);

	return t ? t : "";
}

/* Run SQL on ST, calling ROW for each row; -1 when it cannot be run. */
static int each(mr_store *st, const char *sql,
		void (*row)(FILE *out, sqlite3_stmt *q, int *first), FILE *out,
		int *first)
{
	sqlite3_stmt *q = NULL;

	if (sqlite3_prepare_v2(mr_store_handle(st), sql, -1, &q, NULL) !=
	    SQLITE_OK)
		return -1;
	while (sqlite3_step(q) == SQLITE_ROW)
		row(out, q, first);
	sqlite3_finalize(q);
	return 0;
}

static void sep(FILE *out, int *first)
{
	fputs(*first ? "\n" : ",\n", out);
	*first = 0;
}

/* pid, its exec's arguments */
static void process_name(FILE *out, sqlite3_stmt *q, int *first)
{
	char name[512];
	const char *args = col(q, 1);
	const char *e = args[0] == '"' ? strchr(args + 1, '"') : NULL;

	snprintf(name, sizeof(name), "pid %s%s%.*s", col(q, 0), e ? " " : "",
		 e ? (int)(e - args - 1) : 0, e ? args + 1 : "");
	sep(out, first);
	fprintf(out,
		"{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": %s, "
		"\"args\": {\"name\": ",
		col(q, 0));
	mr_json_string(out, name);
	fputs("}}", out);
}

/* step, pid, vmas: the VMA count where it changed */
static void vmas(FILE *out, sqlite3_stmt *q, int *first)
{
	sep(out, first);
	fprintf(out,
		"{\"name\": \"VMAs\", \"ph\": \"C\", \"ts\": %s, \"pid\": %s, "
		"\"args\": {\"vmas\": %s}}",
		col(q, 0), col(q, 1), col(q, 2));
}

/* from_step, pid, anon, file, shmem, pte */
static void rss(FILE *out, sqlite3_stmt *q, int *first)
{
	sep(out, first);
	fprintf(out,
		"{\"name\": \"RSS kB\", \"ph\": \"C\", \"ts\": %s, \"pid\": "
		"%s, "
		"\"args\": {\"anon\": %s, \"file\": %s, \"shmem\": %s}}",
		col(q, 0), col(q, 1), col(q, 2), col(q, 3), col(q, 4));
	sep(out, first);
	fprintf(out,
		"{\"name\": \"VmPTE kB\", \"ph\": \"C\", \"ts\": %s, \"pid\": "
		"%s, \"args\": {\"pte\": %s}}",
		col(q, 0), col(q, 1), col(q, 5));
}

/* step, pid, tid, name, line, ret */
static void syscall(FILE *out, sqlite3_stmt *q, int *first)
{
	sep(out, first);
	fprintf(out, "{\"name\": ");
	mr_json_string(out, col(q, 3));
	fprintf(out,
		", \"ph\": \"i\", \"s\": \"t\", \"ts\": %s, \"pid\": %s, "
		"\"tid\": %s, \"args\": {\"step\": %s, \"line\": %s",
		col(q, 0), col(q, 1), col(q, 2), col(q, 0), col(q, 4));
	if (sqlite3_column_type(q, 5) != SQLITE_NULL)
		fprintf(out, ", \"ret\": %s", col(q, 5));
	fputs("}}", out);
}

/* step, pid, kind, expected, got, what ("divergence" or "violation") */
static void problem(FILE *out, sqlite3_stmt *q, int *first)
{
	char name[160];

	snprintf(name, sizeof(name), "%s: %s", col(q, 5), col(q, 2));
	sep(out, first);
	fputs("{\"name\": ", out);
	mr_json_string(out, name);
	fprintf(out,
		", \"ph\": \"i\", \"s\": \"p\", \"ts\": %s, \"pid\": %s, "
		"\"args\": {\"expected\": ",
		col(q, 0), col(q, 1));
	mr_json_string(out, col(q, 3));
	fputs(", \"got\": ", out);
	mr_json_string(out, col(q, 4));
	fputs("}}", out);
}

int mr_cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, 0, 'f'},
		{"output", required_argument, 0, 'o'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	const char *format = NULL, *path = NULL;
	char err[1024];
	mr_store *st;
	FILE *out;
	int c, first = 1, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			path = optarg;
			break;
		case 'h':
			printf("usage: mmreplay export DB --format perfetto "
			       "[-o "
			       "FILE]\n"
			       "The history as the Chrome JSON trace-event "
			       "format (Perfetto, chrome://tracing).\n");
			return 0;
		default:
			fprintf(stderr, "mmreplay export: bad option (mmreplay "
					"export --help)\n");
			return 2;
		}
	}
	if (optind != argc - 1 || !format || strcmp(format, "perfetto")) {
		fprintf(stderr, "mmreplay export: takes one DB and --format "
				"perfetto (mmreplay export --help)\n");
		return 2;
	}
	if (mr_store_open_ro(&st, argv[optind], err, sizeof(err))) {
		fprintf(stderr, "mmreplay export: %s\n", err);
		return 2;
	}
	out = path ? fopen(path, "w") : stdout;
	if (!out) {
		fprintf(stderr, "mmreplay export: %s: cannot write\n", path);
		mr_store_close(st, 0);
		return 2;
	}
	fputs("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [", out);
	if (each(st,
		 "SELECT p.pid, (SELECT args FROM step e WHERE e.pid = p.pid "
		 "AND e.name IN ('execve', 'execveat') AND e.ret = 0 ORDER BY "
		 "e.step DESC LIMIT 1) FROM (SELECT DISTINCT pid FROM step) p "
		 "ORDER BY p.pid",
		 process_name, out, &first) ||
	    each(st,
		 "SELECT step, pid, vmas FROM step s WHERE vmas >= 0 AND vmas "
		 "IS NOT (SELECT p.vmas FROM step p WHERE p.pid = s.pid AND "
		 "p.step < s.step AND p.vmas >= 0 ORDER BY p.step DESC LIMIT "
		 "1) "
		 "ORDER BY step",
		 vmas, out, &first) ||
	    each(st,
		 "SELECT from_step, pid, rss_anon_kb, rss_file_kb, "
		 "rss_shmem_kb, pte_kb FROM mm WHERE rss_anon_kb IS NOT NULL "
		 "ORDER BY from_step, mm",
		 rss, out, &first) ||
	    each(st,
		 "SELECT step, pid, tid, name, line, ret FROM step WHERE kind "
		 "= "
		 "'syscall' ORDER BY step",
		 syscall, out, &first) ||
	    each(st,
		 "SELECT step, pid, kind, expected, got, 'divergence' FROM "
		 "divergence UNION ALL SELECT step, pid, invariant, detail, "
		 "'', 'violation' FROM violation ORDER BY 1",
		 problem, out, &first)) {
		fprintf(stderr, "mmreplay export: %s: a query failed: %s\n",
			argv[optind], sqlite3_errmsg(mr_store_handle(st)));
		rc = 2;
	}
	fputs("\n]}\n", out);
	if (path && fclose(out))
		rc = 2;
	mr_store_close(st, 0);
	return rc;
}
