/*
 * nodecli.c - the simulated node's views of a history: the kernel's
 * /proc and debugfs files at a step (printed from the counts the
 * history stores, engine/buddy.h mr_buddy_show()), and the extfrag
 * indices over the run with the steps where they rose.
 */
#include "replay/nodecli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/buddy.h"
#include "formats/procinfo.h"
#include "replay/store_int.h"

static const struct {
	const char *name;
	int view;
} views[] = {
	{"buddyinfo", MR_BUDDY_BUDDYINFO},
	{"pagetypeinfo", MR_BUDDY_PAGETYPEINFO},
	{"zoneinfo", MR_BUDDY_ZONEINFO},
	{"unusable_index", MR_BUDDY_UNUSABLE},
	{"extfrag_index", MR_BUDDY_EXTFRAG},
	{"slabinfo", 100},
};

#define VIEW_SLABINFO 100

static const char *const zone_names[MR_ZONE__COUNT] = {"DMA", "DMA32",
						       "Normal"};

static int bad_use(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "mmreplay %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(mmreplay %s --help)\n", cmd);
	return 2;
}

int mr_cli_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return -1;
	*out = v;
	return 0;
}

int mr_cli_same_file(const char *a, const char *b)
{
	struct stat x, y;

	return !stat(a, &x) && !stat(b, &y) && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

/* The last step of the history (0 when it has none). */
static uint64_t last_step(mr_store *st)
{
	sqlite3_stmt *s = NULL;
	uint64_t n = 0;

	if (sqlite3_prepare_v2(mr_store_handle(st),
			       "SELECT coalesce(max(step), 0) FROM step", -1,
			       &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = (uint64_t)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* Open DB and read the machine's profile and the counts after AT.
 * 0, or 2 with a message printed. */
static int load(const char *cmd, const char *db, mr_store **st, uint64_t *at,
		int have_at, mr_buddy_profile *p, mr_buddy_counts *c,
		mr_machine_files *keep)
{
	char err[1024];
	mr_machine_files mf;
	uint64_t last;
	int rc;

	if (mr_store_open_ro(st, db, err, sizeof(err))) {
		fprintf(stderr, "mmreplay: %s\n", err);
		return 2;
	}
	last = last_step(*st);
	if (!have_at)
		*at = last;
	else if (*at > last) {
		fprintf(stderr,
			"mmreplay %s: %s: the history has no step %" PRIu64
			" (its last is %" PRIu64 ")\n",
			cmd, db, *at, last);
		return 2;
	}
	rc = mr_store_node_at(*st, *at, &mf, c);
	if (rc && rc != 1)
		mr_machine_files_free(&mf); /* what was read of the machine */
	if (rc == 1) {
		fprintf(stderr,
			"mmreplay %s: %s: the history has no simulated node "
			"(the replay had no faults, or ran with --no-pages)\n",
			cmd, db);
		return 2;
	}
	if (rc) {
		fprintf(stderr, "mmreplay %s: %s\n", cmd, mr_store_errmsg(*st));
		return 2;
	}
	rc = mr_machine_files_profile(&mf, p, err, sizeof(err));
	if (keep && !rc)
		*keep = mf;
	else
		mr_machine_files_free(&mf);
	if (rc) {
		fprintf(stderr, "mmreplay %s: %s: the stored machine: %s\n",
			cmd, db, err);
		return 2;
	}
	return 0;
}

/* slabinfo after step AT: the stored machine's slabinfo with the counts
 * the history holds. */
static int show_slabinfo(const char *db, uint64_t at, int have_at)
{
	mr_buddy_profile *p = calloc(1, sizeof(*p));
	mr_buddy_counts *c = calloc(1, sizeof(*c));
	mr_machine_files mf;
	mr_slab_profile sp = {0};
	mr_slab_counts *k = NULL;
	mr_store *st = NULL;
	char err[1024], name[4200];
	int rc;

	if (!p || !c) {
		free(p);
		free(c);
		fprintf(stderr, "mmreplay slabinfo: out of memory\n");
		return 2;
	}
	rc = load("slabinfo", db, &st, &at, have_at, p, c, &mf);
	free(p);
	free(c);
	if (rc) {
		mr_store_close(st, 0);
		return rc;
	}
	snprintf(name, sizeof(name), "%s: the stored slabinfo", db);
	if (!mf.text[MR_MF_SLABINFO]) {
		fprintf(stderr,
			"mmreplay slabinfo: %s: the machine has no slabinfo\n",
			db);
		rc = 2;
	} else if (mr_slabinfo_parse(&sp, mf.text[MR_MF_SLABINFO], name, err,
				     sizeof(err))) {
		fprintf(stderr, "mmreplay slabinfo: %s\n", err);
		rc = 2;
	} else if (!(k = calloc(sp.n ? sp.n : 1, sizeof(*k)))) {
		fprintf(stderr, "mmreplay slabinfo: out of memory\n");
		rc = 2;
	} else if (mr_store_slab_at(st, at, &sp, k)) {
		fprintf(stderr,
			"mmreplay slabinfo: %s: the history has no slab "
			"caches\n",
			db);
		rc = 2;
	} else {
		size_t len = mr_slabinfo_show(&sp, k, NULL, 0) + 1;
		char *buf = malloc(len);

		if (buf) {
			mr_slabinfo_show(&sp, k, buf, len);
			fputs(buf, stdout);
			free(buf);
		} else {
			rc = 2;
		}
	}
	free(k);
	mr_slab_profile_free(&sp);
	mr_machine_files_free(&mf);
	mr_store_close(st, 0);
	return rc;
}

int mr_cmd_node_view(int argc, char **argv)
{
	static const struct option opts[] = {
		{"at", required_argument, 0, 'a'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	const char *cmd = argv[0];
	mr_buddy_profile *p = NULL;
	mr_buddy_counts *c = NULL;
	mr_store *st = NULL;
	uint64_t at = 0;
	int ch, have_at = 0, view = -1, rc;
	size_t i, len;
	char *buf;

	for (i = 0; i < sizeof(views) / sizeof(views[0]); i++)
		if (!strcmp(cmd, views[i].name))
			view = views[i].view;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "a:", opts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (mr_cli_u64(optarg, &at))
				return bad_use(cmd,
					       "--at: expected a step number, "
					       "not '%s'",
					       optarg);
			have_at = 1;
			break;
		case 'h':
			printf("usage: mmreplay %s DB [--at STEP]\n"
			       "The simulated node's %s after STEP (default: "
			       "the last), as the kernel prints it.\n",
			       cmd, cmd);
			return 0;
		default:
			return bad_use(cmd, "%s", "bad option");
		}
	}
	if (view < 0 || optind != argc - 1)
		return bad_use(cmd, "%s", "takes exactly one DB");
	p = calloc(1, sizeof(*p));
	c = calloc(1, sizeof(*c));
	if (!p || !c) {
		free(p);
		free(c);
		fprintf(stderr, "mmreplay %s: out of memory\n", cmd);
		return 2;
	}
	if (view == VIEW_SLABINFO)
		rc = show_slabinfo(argv[optind], at, have_at);
	else
		rc = load(cmd, argv[optind], &st, &at, have_at, p, c, NULL);
	if (!rc && view != VIEW_SLABINFO) {
		len = mr_buddy_show(p, c, view, NULL, 0) + 1;
		buf = malloc(len);
		if (buf) {
			mr_buddy_show(p, c, view, buf, len);
			fputs(buf, stdout);
			free(buf);
		} else {
			fprintf(stderr, "mmreplay %s: out of memory\n", cmd);
			rc = 2;
		}
	}
	mr_store_close(st, 0);
	free(p);
	free(c);
	return rc;
}

/* ---- frag ---- */

#define TOP 10 /* rises listed per zone */

struct rise {
	uint64_t step;	   /* the step after which the index rose */
	int before, after; /* thousandths */
};

struct frag {
	const mr_buddy_profile *p;
	int zone;  /* -1: every zone */
	int order; /* -1: every order (csv), else the order */
	int csv;   /* print CSV */
	int have[MR_ZONE__COUNT][MR_NR_ORDERS];	   /* a value was printed */
	int last[MR_ZONE__COUNT][MR_NR_ORDERS][2]; /* ... the last one */
	int first[MR_ZONE__COUNT][2];		   /* text: at step 0 */
	int peak[MR_ZONE__COUNT];		   /* text: highest unusable */
	uint64_t peak_step[MR_ZONE__COUNT];
	struct rise top[MR_ZONE__COUNT][TOP]; /* text: largest rises */
	int ntop[MR_ZONE__COUNT];
};

/* Keep RISE among the zone's TOP largest (ties: the earlier step). */
static void keep_rise(struct frag *f, int z, struct rise r)
{
	int i, n = f->ntop[z];

	for (i = n;
	     i > 0 && r.after - r.before >
			      f->top[z][i - 1].after - f->top[z][i - 1].before;
	     i--)
		if (i < TOP)
			f->top[z][i] = f->top[z][i - 1];
	if (i < TOP) {
		f->top[z][i] = r;
		if (n < TOP)
			f->ntop[z]++;
	}
}

static int on_counts(void *ctx, uint64_t step, const mr_buddy_counts *c)
{
	struct frag *f = ctx;
	int z, o;

	for (z = 0; z < MR_ZONE__COUNT; z++) {
		if (!f->p->zone[z].exists || (f->zone >= 0 && z != f->zone))
			continue;
		for (o = 0; o < MR_NR_ORDERS; o++) {
			int u, x;

			if (f->order >= 0 && o != f->order)
				continue;
			mr_buddy_counts_frag(f->p, c, z, (unsigned)o, &u, &x);
			if (f->have[z][o] && f->last[z][o][0] == u &&
			    f->last[z][o][1] == x)
				continue;
			if (f->csv)
				printf("%" PRIu64 ",%s,%d,%.3f,%.3f\n", step,
				       zone_names[z], o, u / 1000.0,
				       x / 1000.0);
			else if (!f->have[z][o]) {
				f->first[z][0] = u;
				f->first[z][1] = x;
				f->peak[z] = u;
				f->peak_step[z] = step;
			} else {
				struct rise r = {step, f->last[z][o][0], u};

				if (u > f->last[z][o][0])
					keep_rise(f, z, r);
				if (u > f->peak[z]) {
					f->peak[z] = u;
					f->peak_step[z] = step;
				}
			}
			f->have[z][o] = 1;
			f->last[z][o][0] = u;
			f->last[z][o][1] = x;
		}
	}
	return 0;
}

/* "line L, name" of STEP, or "" when the history has no such step. */
static void step_where(mr_store *st, uint64_t step, char *buf, size_t len)
{
	sqlite3_stmt *s = NULL;

	buf[0] = 0;
	if (sqlite3_prepare_v2(mr_store_handle(st),
			       "SELECT line, pid, name FROM step WHERE step=?",
			       -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, (int64_t)step);
		if (sqlite3_step(s) == SQLITE_ROW)
			snprintf(buf, len, "line %lld, pid %lld, %s",
				 (long long)sqlite3_column_int64(s, 0),
				 (long long)sqlite3_column_int64(s, 1),
				 sqlite3_column_text(s, 2)
					 ? (const char *)sqlite3_column_text(s,
									     2)
					 : "?");
	}
	sqlite3_finalize(s);
}

static void print_text(mr_store *st, const struct frag *f)
{
	char where[256];
	int z, i, o = f->order;

	printf("unusable free space index and fragmentation index for an "
	       "order-%d request (debugfs extfrag)\n",
	       o);
	for (z = 0; z < MR_ZONE__COUNT; z++) {
		if (!f->have[z][o])
			continue;
		printf("\nzone %s: unusable %.3f at step 0, %.3f at the end; "
		       "fragmentation index %.3f at step 0, %.3f at the end\n",
		       zone_names[z], f->first[z][0] / 1000.0,
		       f->last[z][o][0] / 1000.0, f->first[z][1] / 1000.0,
		       f->last[z][o][1] / 1000.0);
		step_where(st, f->peak_step[z], where, sizeof(where));
		printf("  highest unusable index %.3f after step %" PRIu64
		       "%s%s%s\n",
		       f->peak[z] / 1000.0, f->peak_step[z],
		       where[0] ? " (" : "", where, where[0] ? ")" : "");
		if (!f->ntop[z]) {
			printf("  no step raised it\n");
			continue;
		}
		printf("  the steps that raised it most:\n");
		for (i = 0; i < f->ntop[z]; i++) {
			const struct rise *r = &f->top[z][i];

			step_where(st, r->step, where, sizeof(where));
			printf("    step %-8" PRIu64 " %.3f -> %.3f  %s\n",
			       r->step, r->before / 1000.0, r->after / 1000.0,
			       where);
		}
	}
}

int mr_cmd_frag(int argc, char **argv)
{
	static const struct option opts[] = {
		{"order", required_argument, 0, 'o'},
		{"zone", required_argument, 0, 'z'},
		{"format", required_argument, 0, 'f'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	struct frag *f = calloc(1, sizeof(*f));
	mr_buddy_profile p;
	mr_buddy_counts c;
	mr_store *st = NULL;
	uint64_t at = 0, v;
	int ch, rc, have_order = 0, z;

	if (!f) {
		fprintf(stderr, "mmreplay frag: out of memory\n");
		return 2;
	}
	f->zone = -1;
	f->order = MR_PAGEBLOCK_ORDER;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if (mr_cli_u64(optarg, &v) || v >= MR_NR_ORDERS) {
				free(f);
				return bad_use("frag",
					       "--order: expected an order "
					       "0..10, not '%s'",
					       optarg);
			}
			f->order = (int)v;
			have_order = 1;
			break;
		case 'z':
			for (z = 0; z < MR_ZONE__COUNT; z++)
				if (!strcmp(optarg, zone_names[z]))
					f->zone = z;
			if (f->zone < 0) {
				free(f);
				return bad_use("frag",
					       "--zone: expected DMA, DMA32 or "
					       "Normal, not '%s'",
					       optarg);
			}
			break;
		case 'f':
			if (strcmp(optarg, "csv") && strcmp(optarg, "text")) {
				free(f);
				return bad_use(
					"frag",
					"--format: expected text or csv, "
					"not '%s'",
					optarg);
			}
			f->csv = !strcmp(optarg, "csv");
			break;
		case 'h':
			printf("usage: mmreplay frag DB [--order K] [--zone "
			       "DMA|DMA32|Normal] [--format text|csv]\n"
			       "The extfrag indices of the simulated node over "
			       "the run: text, for order K (default 9), the "
			       "steps that raised the unusable index most;\n"
			       "csv, every change of either index (all orders "
			       "unless --order).\n");
			free(f);
			return 0;
		default:
			free(f);
			return bad_use("frag", "%s", "bad option");
		}
	}
	if (optind != argc - 1) {
		free(f);
		return bad_use("frag", "%s", "takes exactly one DB");
	}
	if (f->csv && !have_order)
		f->order = -1;
	rc = load("frag", argv[optind], &st, &at, 0, &p, &c, NULL);
	if (!rc) {
		f->p = &p;
		if (f->csv)
			printf("step,zone,order,unusable_index,"
			       "fragmentation_index\n");
		rc = mr_store_node_walk(st, on_counts, f);
		if (rc) {
			fprintf(stderr, "mmreplay frag: %s\n",
				mr_store_errmsg(st));
			rc = 2;
		} else if (!f->csv) {
			print_text(st, f);
		}
	}
	mr_store_close(st, 0);
	free(f);
	return rc;
}
