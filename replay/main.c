/*
 * main.c - the mmreplay command line: argv parsing only.
 *
 * Exit codes: 0 clean, 1 divergences or invariant violations, 2 bad
 * input or usage.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "engine/errcode.h"
#include "replay/record.h"
#include "replay/replay.h"
#include "replay/store.h"
#include "replay/check.h"
#include "replay/compare.h"
#include "formats/reader.h"
#include "replay/convert.h"
#include "replay/reduce.h"
#include "replay/export.h"
#include "replay/report.h"
#include "replay/histcli.h"
#include "replay/nodecli.h"
#include "replay/query.h"
#include "replay/verify.h"
#include "replay/views.h"

/* after formats/event.h (through replay.h): <signal.h> defines si_addr */
#include <signal.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: mmreplay <command> [options]\n"
	"\n"
	"commands:\n"
	"  replay TRACE [--snapshots DIR] [--db FILE]   replay a trace into a "
	"history\n"
	"  maps DB [--pid PID] [--at STEP]             /proc/PID/maps after a "
	"step\n"
	"  status DB [--pid PID] [--at STEP]           /proc/PID/status memory "
	"lines after a step\n"
	"  smaps DB [--pid PID] [--at STEP]            /proc/PID/smaps after a "
	"step\n"
	"  pagetable DB [--pid P] [--at N] [--addr A]  page-table walk, or "
	"present pages per VMA\n"
	"  query DB SQL [--header]                     run one read-only SQL "
	"statement\n"
	"  record [-o DIR] [--every-syscall] -- CMD    capture a program with "
	"ground truth\n"
	"  verify DIR                                  fidelity report of a "
	"capture\n"
	"  check TRACE --golden FILE [--update]        a replay against a "
	"golden file\n"
	"  reduce TRACE -o DIR --until-divergence      a small trace that "
	"still diverges\n"
	"  convert IN OUT.mmtr [--faults FILE]         the trace in mmreplay's "
	"own format\n"
	"  compare A.db B.db [--threshold M=PCT]       two runs side by side\n"
	"  export DB --format perfetto [-o FILE]       Chrome trace-event "
	"JSON\n"
	"  report DB -o FILE.html                      charts of a history, "
	"offline\n"
	"  diff DB --from A --to B [--pid P]           what changed between "
	"two steps\n"
	"  history DB --addr X [--pid P]               every VMA that covered "
	"X\n"
	"  stats DB [--pid P] [--format text|csv]      VMAs, RSS, page tables "
	"and peaks\n"
	"  buddyinfo|pagetypeinfo|zoneinfo DB [--at N] the simulated node's "
	"/proc file after a step\n"
	"  slabinfo DB [--at N]                        its /proc/slabinfo\n"
	"  unusable_index|extfrag_index DB [--at N]    its debugfs extfrag "
	"files\n"
	"  frag DB [--order K] [--format text|csv]     fragmentation over the "
	"run\n"
	"\n"
	"Run 'mmreplay <command> --help' for a command's options; "
	"docs/cli.md has them all.\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "mmreplay: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return 2;
}

static int is_dir(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* "dir/trace.strace.zst" -> "trace.db" in the current directory. */
static char *default_db(const char *trace)
{
	const char *base = strrchr(trace, '/');
	char *db;
	size_t n;

	base = base ? base + 1 : trace;
	n = strcspn(base, ".");
	if (!n)
		n = strlen(base);
	db = malloc(n + 4);
	if (!db)
		return NULL;
	memcpy(db, base, n);
	memcpy(db + n, ".db", 4);
	return db;
}

/* "dir/trace.strace.zst" -> "dir/snap" when that directory exists. */
static char *default_snapdir(const char *trace)
{
	const char *slash = strrchr(trace, '/');
	size_t n = slash ? (size_t)(slash - trace) + 1 : 0;
	char *p = malloc(n + 5);

	if (!p)
		return NULL;
	memcpy(p, trace, n);
	memcpy(p + n, "snap", 5);
	if (!is_dir(p)) {
		free(p);
		return NULL;
	}
	return p;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Are A and B the same file (both exist)? */
/* SIGINT or SIGTERM during a replay: its number; the replay stops at
 * the next event and closes its history as incomplete. */
static volatile int interrupt_sig;

static void on_interrupt(int sig)
{
	interrupt_sig = sig;
}

static int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{"snapshots", required_argument, 0, 's'},
		{"no-snapshots", no_argument, 0, 'S'},
		{"db", required_argument, 0, 'd'},
		{"lenient", no_argument, 0, 'L'},
		{"format", required_argument, 0, 'T'},
		{"stop-on-violation", no_argument, 0, 'x'},
		{"full-check", no_argument, 0, 'f'},
		{"mode", required_argument, 0, 'm'},
		{"show", required_argument, 0, 'n'},
		{"max-map-count", required_argument, 0, 'M'},
		{"mmap-min-addr", required_argument, 0, 'A'},
		{"no-assume-written", no_argument, 0, 'W'},
		{"revise", required_argument, 0, 'R'},
		{"no-revise-snapshots", no_argument, 0, 'V'},
		{"faults", required_argument, 0, 'F'},
		{"no-faults", no_argument, 0, 'N'},
		{"perf", required_argument, 0, 'P'},
		{"machine", required_argument, 0, 'C'},
		{"no-pages", no_argument, 0, 'G'},
		{"exec-from-elf", no_argument, 0, 'E'},
		{"check-history", required_argument, 0, 'H'},
		{"threads", required_argument, 0, 'j'},
		{"quiet", no_argument, 0, 'q'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	mr_replay_opts o;
	mr_replay_summary s;
	char err[1024], *db = NULL, *snap = NULL;
	int c, rc, no_snap = 0, quiet = 0;
	uint64_t v;
	double t0;

	mr_replay_opts_default(&o);
	o.progress = 1;
	o.revise = MR_REVISE_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:d:q", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o.snapdir = optarg;
			break;
		case 'S':
			no_snap = 1;
			break;
		case 'd':
			o.db = optarg;
			break;
		case 'x':
			o.stop_on_violation = 1;
			break;
		case 'f':
			o.full_check = 1;
			break;
		case 'm':
			if (!strcmp(optarg, "parse"))
				o.mode = MR_MODE_PARSE;
			else if (!strcmp(optarg, "model"))
				o.mode = MR_MODE_MODEL;
			else if (!strcmp(optarg, "store"))
				o.mode = MR_MODE_STORE;
			else
				return usage_error("--mode: expected parse, "
						   "model or store, not '%s'",
						   optarg);
			break;
		case 'n':
			if (mr_cli_u64(optarg, &v) || v > 1000000)
				return usage_error("--show: expected a count, "
						   "not '%s'",
						   optarg);
			o.show = (int)v;
			break;
		case 'M':
			if (mr_cli_u64(optarg, &v) || v > UINT32_MAX)
				return usage_error("--max-map-count: expected "
						   "a number, not '%s'",
						   optarg);
			o.cfg.max_map_count = (uint32_t)v;
			o.max_map_count_set = 1;
			break;
		case 'A':
			if (mr_cli_u64(optarg, &v))
				return usage_error("--mmap-min-addr: expected "
						   "a number, not '%s'",
						   optarg);
			o.cfg.mmap_min_addr = v;
			break;
		case 'W':
			o.cfg.assume_written = 0;
			break;
		case 'R':
			if (mr_cli_u64(optarg, &v) || v > 100000)
				return usage_error(
					"--revise: expected a number "
					"of replays (0 to 100000), "
					"not '%s'",
					optarg);
			o.revise = (unsigned)v;
			break;
		case 'V':
			o.no_revise_snapshots = 1;
			break;
		case 'F':
			o.faults = optarg;
			break;
		case 'N':
			o.no_faults = 1;
			break;
		case 'P':
			o.perf = optarg;
			break;
		case 'C':
			o.machine = optarg;
			break;
		case 'G':
			o.no_pages = 1;
			break;
		case 'E':
			o.exec_from_elf = 1;
			break;
		case 'H':
			if (mr_cli_u64(optarg, &v) || !v)
				return usage_error("--check-history: expected "
						   "a number of steps, not "
						   "'%s'",
						   optarg);
			o.check_history = v;
			break;
		case 'j':
			if (mr_cli_u64(optarg, &v) || v < 1 || v > 2)
				return usage_error(
					"--threads: expected 1 or 2, "
					"not '%s'",
					optarg);
			o.threads = (int)v;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'L':
			o.lenient = 1;
			break;
		case 'T':
			if (mr_format_parse(optarg, &o.format))
				return usage_error("--format: expected auto, "
						   "strace, strace-ff, mmtr or "
						   "perf-trace, not '%s'",
						   optarg);
			break;
		case 'h':
			printf("usage: mmreplay replay TRACE|-ff FILES... "
			       "[--snapshots DIR] "
			       "[--no-snapshots] [--db FILE]\n"
			       "       [--stop-on-violation] [--full-check] "
			       "[--mode parse|model|store]\n"
			       "       [--show N] [--max-map-count N] "
			       "[--mmap-min-addr N]\n"
			       "       [--no-assume-written] [--revise N] "
			       "[--no-revise-snapshots]\n"
			       "       [--faults FILE] [--perf FILE] "
			       "[--no-faults]\n"
			       "       [--no-pages] [--exec-from-elf] "
			       "[--check-history N] [--machine DIR] [-q]\n"
			       "       [--threads 1|2] [--lenient] [--format "
			       "auto|strace|strace-ff|mmtr|perf-trace]\n");
			return 0;
		default:
			return usage_error("%s", "bad option for replay");
		}
	}
	if (optind >= argc)
		return usage_error("%s", "replay takes a TRACE (or several "
					 "strace -ff files)");
	o.trace = argv[optind];
	o.traces = (const char *const *)&argv[optind];
	o.ntraces = (size_t)(argc - optind);
	if (o.ntraces > 1 && o.format != MR_FMT_AUTO &&
	    o.format != MR_FMT_STRACE_FF)
		return usage_error("%s", "several TRACE files are strace -ff "
					 "files: --format strace-ff or none");
	if (!o.db)
		o.db = db = default_db(o.trace);
	if (!o.snapdir && !no_snap)
		o.snapdir = snap = default_snapdir(o.trace);
	if (no_snap)
		o.snapdir = NULL;
	if (quiet)
		o.show = 0;
	if (o.mode == MR_MODE_STORE && !*o.db) {
		fprintf(stderr, "mmreplay: --db: an empty file name\n");
		free(db);
		free(snap);
		return 2;
	}
	for (int i = optind; i < argc && o.mode == MR_MODE_STORE; i++)
		if (mr_cli_same_file(o.db, argv[i])) {
			fprintf(stderr,
				"mmreplay: --db %s is the trace itself: give "
				"another file\n",
				o.db);
			free(db);
			free(snap);
			return 2;
		}
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_interrupt;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		o.interrupt = &interrupt_sig;
	}
	t0 = now_s();
	rc = mr_replay_run(&o, &s, err, sizeof(err));
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (interrupt_sig && !s.steps) {
		fprintf(stderr, "mmreplay: interrupted (%s) before any step\n",
			interrupt_sig == SIGTERM ? "SIGTERM" : "SIGINT");
		rc = 128 + interrupt_sig;
	} else if (s.interrupted) {
		fprintf(stderr,
			"mmreplay: interrupted (%s) after %" PRIu64
			" steps%s%s%s\n",
			interrupt_sig == SIGTERM ? "SIGTERM" : "SIGINT", s.steps,
			o.mode == MR_MODE_STORE ? "; " : "",
			o.mode == MR_MODE_STORE ? o.db : "",
			o.mode == MR_MODE_STORE
				? " keeps them and says it is incomplete"
				: "");
		rc = 128 + interrupt_sig;
	}
	if (rc == 2) {
		fprintf(stderr, "mmreplay: %s\n", err);
		if (s.store_failed) {
			/* what the file holds is what its last commit
			 * wrote: opening it says which steps */
			mr_store *h = NULL;

			if (!mr_store_open_ro(&h, o.db, NULL, 0))
				mr_store_close(h, 0);
		} else if (s.steps && o.mode == MR_MODE_STORE) {
			fprintf(stderr,
				"mmreplay: %s keeps the %" PRIu64
				" steps applied before the error\n",
				o.db, s.steps);
		}
	}
	if ((!quiet || rc) && s.events)
		mr_replay_print_summary(stdout, &s);
	if (!quiet) {
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr,
			"time %.3f s, %" PRIu64 " lines, peak RSS %ld KiB, "
			"history %s\n",
			now_s() - t0, s.lines, ru.ru_maxrss,
			o.mode == MR_MODE_STORE ? o.db : "(not stored)");
	}
	free(db);
	free(snap);
	return rc;
}

static int open_db(mr_store **st, const char *path)
{
	char err[1024];

	if (mr_store_open_ro(st, path, err, sizeof(err))) {
		fprintf(stderr, "mmreplay: %s\n", err);
		return 2;
	}
	return 0;
}

/* The first pid of the trace, and the last step it had an mm. */
static int maps_defaults(mr_store *st, int64_t *pid, int have_pid, uint64_t *at,
			 int have_at)
{
	char buf[64], sql[256];
	FILE *f;
	int rc;

	if (!have_pid) {
		f = fmemopen(buf, sizeof(buf), "w");
		if (!f)
			return -1;
		rc = mr_store_query(st, f,
				    "SELECT pid FROM task ORDER BY from_step, "
				    "rowid LIMIT 1",
				    0);
		fclose(f);
		if (rc || sscanf(buf, "%" SCNd64, pid) != 1)
			return -1;
	}
	if (!have_at) {
		snprintf(sql, sizeof(sql),
			 "SELECT coalesce(max(coalesce(to_step - 1, "
			 "(SELECT max(step) FROM step))), 0) FROM task "
			 "WHERE pid = %" PRId64,
			 *pid);
		f = fmemopen(buf, sizeof(buf), "w");
		if (!f)
			return -1;
		rc = mr_store_query(st, f, sql, 0);
		fclose(f);
		if (rc || sscanf(buf, "%" SCNu64, at) != 1)
			return -1;
	}
	return 0;
}

/* What an at-step view prints: maps, status (from the history), smaps,
 * pagetable (print NULL: replayed again, replay/views.c). */
typedef int (*at_printer)(mr_store *st, FILE *out, int32_t pid, uint64_t n);

static int at_view(int argc, char **argv, const char *name, at_printer print,
		   int view);

static int cmd_maps(int argc, char **argv)
{
	return at_view(argc, argv, "maps", mr_store_print_maps, 0);
}

static int cmd_status(int argc, char **argv)
{
	return at_view(argc, argv, "status", mr_store_print_status, 0);
}

static int cmd_smaps(int argc, char **argv)
{
	return at_view(argc, argv, "smaps", NULL, MR_VIEW_SMAPS);
}

static int cmd_pagetable(int argc, char **argv)
{
	return at_view(argc, argv, "pagetable", NULL, MR_VIEW_PAGETABLE);
}

/* NAME DB [--pid PID] [--at STEP]: PRINT the view of PID at STEP (by
 * default the trace's first pid at its last step). */
static int at_view(int argc, char **argv, const char *name, at_printer print,
		   int view)
{
	static const struct option opts[] = {
		{"pid", required_argument, 0, 'p'},
		{"at", required_argument, 0, 'a'},
		{"addr", required_argument, 0, 'A'},
		{"uncertain", no_argument, 0, 'U'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	mr_store *st;
	int64_t pid = 0;
	uint64_t at = 0, v, addr = 0;
	int c, rc, have_pid = 0, have_at = 0, have_addr = 0;
	int is_maps = print == mr_store_print_maps;
	char err[1024];

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:a:", opts, NULL)) != -1) {
		switch (c) {
		case 'A':
			if (view != MR_VIEW_PAGETABLE || mr_cli_u64(optarg, &v))
				return usage_error("--addr: expected an "
						   "address (pagetable only), "
						   "not '%s'",
						   optarg);
			addr = v;
			have_addr = 1;
			break;
		case 'p':
			if (mr_cli_u64(optarg, &v) || v > INT32_MAX)
				return usage_error("--pid: expected a pid, not "
						   "'%s'",
						   optarg);
			pid = (int64_t)v;
			have_pid = 1;
			break;
		case 'a':
			if (mr_cli_u64(optarg, &v))
				return usage_error("--at: expected a step "
						   "number, not '%s'",
						   optarg);
			at = v;
			have_at = 1;
			break;
		case 'U':
			if (!is_maps)
				return usage_error("--uncertain: %s",
						   "maps only");
			print = mr_store_print_maps_uncertain;
			break;
		case 'h':
			printf("usage: mmreplay %s DB [--pid PID] [--at "
			       "STEP]%s\n",
			       name,
			       view == MR_VIEW_PAGETABLE ? " [--addr A]"
			       : is_maps		 ? " [--uncertain]"
							 : "");
			return 0;
		default:
			return usage_error("bad option for %s", name);
		}
	}
	if (optind != argc - 1)
		return usage_error("%s takes exactly one DB", name);
	if (open_db(&st, argv[optind]))
		return 2;
	if (maps_defaults(st, &pid, have_pid, &at, have_at)) {
		fprintf(stderr, "mmreplay: %s: the history has no tasks\n",
			argv[optind]);
		mr_store_close(st, 0);
		return 2;
	}
	if (!print) {
		mr_store_close(st, 0);
		rc = mr_view_run(argv[optind], view, (int32_t)pid, at,
				 have_addr ? &addr : NULL, stdout, err,
				 sizeof(err));
		if (rc)
			fprintf(stderr, "mmreplay: %s\n", err);
		return rc;
	}
	rc = print(st, stdout, (int32_t)pid, at);
	if (rc)
		fprintf(stderr, "mmreplay: %s\n", mr_store_errmsg(st));
	mr_store_close(st, 0);
	return rc ? 2 : 0;
}

static int cmd_query(int argc, char **argv)
{
	static const struct option opts[] = {
		{"header", no_argument, 0, 'H'},
		{"format", required_argument, 0, 'f'},
		{"param", required_argument, 0, 'p'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	static const char *const formats[] = {"plain", "table", "csv",
					      "json"};
	const char **params = calloc((size_t)argc + 1, sizeof(*params));
	mr_store *st;
	int c, rc, header = 0, format = MR_QUERY_PLAIN, np = 0, i;

	if (!params)
		return 2;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			header = 1;
			break;
		case 'f':
			for (i = 0, format = -1; i < 4; i++)
				if (!strcmp(optarg, formats[i]))
					format = i;
			if (format < 0) {
				free(params);
				return usage_error("--format: expected plain, "
						   "table, csv or json, not "
						   "'%s'",
						   optarg);
			}
			break;
		case 'p':
			params[np++] = optarg;
			break;
		case 'h':
			printf("usage: mmreplay query DB SQL [--header] "
			       "[--format plain|table|csv|json]\n"
			       "       [--param NAME=VALUE ...]\n");
			free(params);
			return 0;
		default:
			free(params);
			return usage_error("%s", "bad option for query");
		}
	}
	if (optind != argc - 2) {
		free(params);
		return usage_error("%s", "query takes a DB and one SQL string");
	}
	if (open_db(&st, argv[optind])) {
		free(params);
		return 2;
	}
	rc = mr_store_query_fmt(st, stdout, argv[optind + 1], format, header,
				params, np);
	if (rc)
		fprintf(stderr, "mmreplay: %s\n", mr_store_errmsg(st));
	mr_store_close(st, 0);
	free(params);
	return rc ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "a command is needed");
	if (!strcmp(argv[1], "replay"))
		return cmd_replay(argc - 1, argv + 1);
	if (!strcmp(argv[1], "maps"))
		return cmd_maps(argc - 1, argv + 1);
	if (!strcmp(argv[1], "status"))
		return cmd_status(argc - 1, argv + 1);
	if (!strcmp(argv[1], "smaps"))
		return cmd_smaps(argc - 1, argv + 1);
	if (!strcmp(argv[1], "pagetable"))
		return cmd_pagetable(argc - 1, argv + 1);
	if (!strcmp(argv[1], "query"))
		return cmd_query(argc - 1, argv + 1);
	if (!strcmp(argv[1], "verify"))
		return mr_cmd_verify(argc - 1, argv + 1);
	if (!strcmp(argv[1], "buddyinfo") || !strcmp(argv[1], "pagetypeinfo") ||
	    !strcmp(argv[1], "zoneinfo") ||
	    !strcmp(argv[1], "unusable_index") ||
	    !strcmp(argv[1], "extfrag_index") ||
	    !strcmp(argv[1], "slabinfo"))
		return mr_cmd_node_view(argc - 1, argv + 1);
	if (!strcmp(argv[1], "frag"))
		return mr_cmd_frag(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return mr_cmd_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return mr_cmd_report(argc - 1, argv + 1);
	if (!strcmp(argv[1], "export"))
		return mr_cmd_export(argc - 1, argv + 1);
	if (!strcmp(argv[1], "reduce"))
		return mr_cmd_reduce(argc - 1, argv + 1);
	if (!strcmp(argv[1], "convert"))
		return mr_cmd_convert(argc - 1, argv + 1);
	if (!strcmp(argv[1], "compare"))
		return mr_cmd_compare(argc - 1, argv + 1);
	if (!strcmp(argv[1], "diff"))
		return mr_cmd_diff(argc - 1, argv + 1);
	if (!strcmp(argv[1], "history"))
		return mr_cmd_history(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stats"))
		return mr_cmd_stats(argc - 1, argv + 1);
	if (!strcmp(argv[1], "record"))
		return mr_record_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	return usage_error("unknown command '%s'", argv[1]);
}
