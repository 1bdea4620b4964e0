/*
 * check.c - `mmreplay check`: a replay compared with a golden file.
 *
 * The golden file is text (docs/golden.md): a header, the state digest
 * after every step ("d STEP DIGEST"), and the canonical state every
 * EVERY steps and after the last ("state STEP" ... "end": the tasks, each
 * address space's maps lines and counters, the node's buddyinfo and the
 * modelled slab caches' counts). `--update` writes it; otherwise the
 * replay runs on until the first step whose digest differs, then to the
 * next state in the golden file, and the difference is printed: the step,
 * its trace line and text, and the state's lines the golden file has and
 * the replay has not ("-") and the other way round ("+").
 */
#include "replay/check.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/buddy.h"
#include "engine/slub.h"
#include "formats/reader.h"
#include "replay/junit.h"
#include "replay/nodecli.h"
#include "replay/replay.h"

#define GOLDEN_MAGIC "mmreplay golden 1"
#define DEFAULT_EVERY 250

/* The canonical state of the machine after a step, as text (malloc'd). */
static char *state_text(const mr_machine *m)
{
	char *buf = NULL, line[4096];
	size_t len = 0, i, n = 0, cap = 0;
	FILE *f = open_memstream(&buf, &len);
	const mr_mm **mms = NULL;
	const mr_mm *mm;
	const mr_buddy *b = mr_machine_buddy(m);
	const mr_slub *s = mr_machine_slub(m);

	if (!f)
		return NULL;
	for (i = 0; i < mr_machine_ntasks(m); i++) {
		int32_t pid = mr_machine_task_pid(m, i);
		const mr_mm *t = mr_machine_task_mm(m, pid);

		fprintf(f, "task %d mm %u\n", (int)pid, t ? mr_mm_id(t) : 0);
	}
	/* address spaces by id: the machine lists them newest first */
	for (mm = mr_machine_first_mm(m); mm; mm = mr_mm_next(mm)) {
		if (n == cap) {
			const mr_mm **v;

			cap = cap ? 2 * cap : 16;
			v = realloc(mms, cap * sizeof(*v));
			if (!v)
				break;
			mms = v;
		}
		mms[n++] = mm;
	}
	while (n--) {
		const mr_vma *v;
		uint64_t rss[MR_MM__COUNT];

		mm = mms[n];
		fprintf(f, "mm %u pid %d known %d\n", mr_mm_id(mm),
			(int)mr_mm_owner(mm), mr_mm_known(mm));
		for (v = mr_mm_first(mm); v; v = mr_vma_next(v)) {
			mr_mm_format_vma(mm, v, line, sizeof(line));
			fprintf(f, "vma %s\n", line);
		}
		if (mr_mm_pgtable(mm)) {
			mr_mm_rss(mm, rss);
			fprintf(f,
				"rss anon %" PRIu64 " file %" PRIu64
				" shmem %" PRIu64 " pte %" PRIu64
				" hwm %" PRIu64 "\n",
				rss[MR_MM_ANON], rss[MR_MM_FILE],
				rss[MR_MM_SHMEM], mr_mm_pte_bytes(mm) / 4096,
				mr_mm_hiwater_rss(mm));
		}
	}
	free(mms);
	if (b) {
		char *t, *p, *nl;
		size_t l = mr_buddy_view(b, MR_BUDDY_BUDDYINFO, NULL, 0) + 1;

		t = malloc(l);
		if (t) {
			mr_buddy_view(b, MR_BUDDY_BUDDYINFO, t, l);
			for (p = t; *p; p = nl + 1) {
				nl = strchr(p, '\n');
				if (!nl)
					break;
				fprintf(f, "buddy %.*s\n", (int)(nl - p), p);
			}
			free(t);
		}
	}
	if (s) {
		const mr_slab_profile *p = mr_slub_profile(s);
		mr_slab_counts *c = calloc(p->n ? p->n : 1, sizeof(*c));

		if (c) {
			mr_slub_counts(s, c);
			for (i = 0; i < p->n; i++)
				if (mr_slub_cache(s, p->v[i].name) >= 0)
					fprintf(f,
						"slab %s %" PRIu64 " %" PRIu64
						" %" PRIu64 "\n",
						p->v[i].name, c[i].active_objs,
						c[i].num_objs, c[i].num_slabs);
			free(c);
		}
	}
	fclose(f);
	return buf;
}

/* ---- the golden file ---- */

struct golden {
	uint64_t *digest; /* by step (0: none) */
	size_t ndigest, capdigest;
	struct gstate {
		uint64_t step;
		char *text;
	} * states;
	size_t nstates, capstates;
	uint64_t steps; /* the last step */
	uint64_t every; /* state interval */
};

static void golden_free(struct golden *g)
{
	size_t i;

	for (i = 0; i < g->nstates; i++)
		free(g->states[i].text);
	free(g->states);
	free(g->digest);
	memset(g, 0, sizeof(*g));
}

static int put_digest(struct golden *g, uint64_t step, uint64_t d)
{
	if (step >= g->capdigest) {
		size_t cap = g->capdigest ? g->capdigest : 1024;
		uint64_t *v;

		while (cap <= step)
			cap *= 2;
		v = realloc(g->digest, cap * sizeof(*v));
		if (!v)
			return -1;
		memset(v + g->capdigest, 0, (cap - g->capdigest) * sizeof(*v));
		g->digest = v;
		g->capdigest = cap;
	}
	g->digest[step] = d;
	if (step + 1 > g->ndigest)
		g->ndigest = step + 1;
	return 0;
}

static int put_state(struct golden *g, uint64_t step, char *text)
{
	if (g->nstates == g->capstates) {
		size_t cap = g->capstates ? 2 * g->capstates : 16;
		struct gstate *v = realloc(g->states, cap * sizeof(*v));

		if (!v)
			return -1;
		g->states = v;
		g->capstates = cap;
	}
	g->states[g->nstates].step = step;
	g->states[g->nstates].text = text;
	g->nstates++;
	return 0;
}

/* Read PATH: 0, or 2 with a message naming the file, line and column. */
static int golden_read(struct golden *g, const char *path, char *err,
		       size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *state = NULL;
	size_t cap = 0, slen = 0;
	uint64_t no = 0, in_state = UINT64_MAX;
	ssize_t n;
	int rc = 0;

	memset(g, 0, sizeof(*g));
	if (!f) {
		snprintf(err, errlen, "%s: cannot read the golden file", path);
		return 2;
	}
	while (!rc && (n = getline(&line, &cap, f)) >= 0) {
		uint64_t a, d;
		char c;

		no++;
		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		if (no == 1) {
			if (strcmp(line, GOLDEN_MAGIC)) {
				snprintf(err, errlen,
					 "%s:1:1: expected \"" GOLDEN_MAGIC
					 "\"",
					 path);
				rc = 2;
			}
			continue;
		}
		if (in_state != UINT64_MAX) {
			if (!strcmp(line, "end")) {
				if (put_state(g, in_state,
					      state ? state : strdup("")))
					rc = 2;
				state = NULL;
				slen = 0;
				in_state = UINT64_MAX;
				continue;
			}
			{
				char *ns = realloc(state, slen + (size_t)n + 2);

				if (!ns) {
					rc = 2;
					break;
				}
				state = ns;
				memcpy(state + slen, line, (size_t)n);
				slen += (size_t)n;
				state[slen++] = '\n';
				state[slen] = 0;
			}
			continue;
		}
		if (sscanf(line, "d %" SCNu64 " %" SCNx64 "%c", &a, &d, &c) ==
		    2) {
			if (put_digest(g, a, d))
				rc = 2;
		} else if (sscanf(line, "state %" SCNu64 "%c", &a, &c) == 1) {
			in_state = a;
		} else if (sscanf(line, "steps %" SCNu64 "%c", &a, &c) == 1) {
			g->steps = a;
		} else if (sscanf(line, "every %" SCNu64 "%c", &a, &c) == 1) {
			g->every = a;
		} else if (strncmp(line, "trace ", 6) && line[0] != '#') {
			snprintf(err, errlen,
				 "%s:%" PRIu64
				 ":1: expected \"d STEP DIGEST\", \"state "
				 "STEP\", \"steps N\", \"every N\" or \"trace "
				 "NAME\"",
				 path, no);
			rc = 2;
		}
	}
	if (!rc && in_state != UINT64_MAX) {
		snprintf(err, errlen,
			 "%s:%" PRIu64 ":1: a state without \"end\"", path, no);
		rc = 2;
	}
	if (!rc && no == 0) {
		snprintf(err, errlen, "%s:1:1: expected \"" GOLDEN_MAGIC "\"",
			 path);
		rc = 2;
	}
	free(state);
	free(line);
	fclose(f);
	if (rc)
		golden_free(g);
	return rc;
}

/* ---- the run ---- */

struct run {
	struct golden want;  /* the golden file's (checking) */
	struct golden got;   /* the replay's (writing, or at states) */
	int update;	     /* writing */
	uint64_t every;	     /* state interval (writing) */
	uint64_t last_step;  /* the last step seen */
	uint64_t line;	     /* the trace line of the step */
	uint64_t first_bad;  /* the first step whose digest differs */
	uint64_t first_line; /* its trace line */
	uint64_t state_at;   /* the golden state the difference shows in */
	char *state_text;    /* the replay's state there */
	int stop;	     /* the replay may stop */
};

/* The golden state at or after STEP: its index, or nstates. */
static size_t state_after(const struct golden *g, uint64_t step)
{
	size_t i;

	for (i = 0; i < g->nstates; i++)
		if (g->states[i].step >= step)
			return i;
	return g->nstates;
}

static void on_line(void *ctx, uint64_t step, uint64_t line)
{
	struct run *r = ctx;

	(void)step;
	r->line = line;
}

/* The first difference: at STEP (its trace line LINE); shown in the
 * state after step AT, TEXT the replay's. */
static void found(struct run *r, uint64_t step, uint64_t line, uint64_t at,
		  char *text)
{
	r->first_bad = step;
	r->first_line = line;
	r->state_at = at;
	r->state_text = text;
}

static void on_step(void *ctx, uint64_t step, const mr_machine *m)
{
	struct run *r = ctx;
	uint64_t d = mr_machine_digest(m);
	size_t k;

	r->last_step = step;
	if (r->update) {
		if (put_digest(&r->got, step, d) ||
		    (step % r->every == 0 &&
		     put_state(&r->got, step, state_text(m))))
			r->stop = 1;
		return;
	}
	if (!r->first_bad &&
	    (step >= r->want.ndigest || r->want.digest[step] != d)) {
		k = state_after(&r->want, step);
		r->first_bad = step;
		r->first_line = r->line;
		r->state_at = k < r->want.nstates ? r->want.states[k].step
						  : UINT64_MAX;
	}
	k = state_after(&r->want, step);
	if (k == r->want.nstates || r->want.states[k].step != step)
		return;
	/* a golden state: the digest does not count the counters, the
	 * node and the caches, the state does */
	if (r->first_bad) {
		if (step == r->state_at && !r->state_text) {
			r->state_text = state_text(m);
			r->stop = 1;
		}
		return;
	}
	{
		char *t = state_text(m);

		if (t && strcmp(t, r->want.states[k].text)) {
			found(r, step, r->line, step, t);
			r->stop = 1;
		} else {
			free(t);
		}
	}
}

/* The end of the run: the state after the last step. */
static void on_end(void *ctx, const mr_machine *m)
{
	struct run *r = ctx;
	size_t n = r->update ? r->got.nstates : 0;

	if (r->update && (!n || r->got.states[n - 1].step != r->last_step) &&
	    put_state(&r->got, r->last_step, state_text(m)))
		r->stop = 1;
}

/* Lines of A not in B, each printed after PREFIX. */
static size_t lines_missing(FILE *out, const char *a, const char *b,
			    const char *prefix)
{
	const char *p = a, *nl;
	size_t n = 0;

	for (; *p; p = nl + 1) {
		const char *q = b;
		size_t len;
		int found = 0;

		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		len = (size_t)(nl - p);
		while (q && *q) {
			const char *qe = strchr(q, '\n');
			size_t ql = qe ? (size_t)(qe - q) : strlen(q);

			if (ql == len && !memcmp(p, q, len)) {
				found = 1;
				break;
			}
			q = qe ? qe + 1 : NULL;
		}
		if (!found) {
			fprintf(out, "%s%.*s\n", prefix, (int)len, p);
			n++;
		}
		if (!*nl)
			break;
	}
	return n;
}

static int write_golden(const struct run *r, const char *path,
			const char *trace, char *err, size_t errlen)
{
	char tmp[4200];
	FILE *f;
	uint64_t s;
	size_t k = 0;
	int bad;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "%s.tmp: cannot write the golden file",
			 path);
		return 2;
	}
	fprintf(f, "%s\n", GOLDEN_MAGIC);
	fprintf(f, "trace %s\n", trace);
	fprintf(f, "every %" PRIu64 "\n", r->every);
	for (s = 1; s <= r->last_step; s++) {
		fprintf(f, "d %" PRIu64 " %016" PRIx64 "\n", s,
			s < r->got.ndigest ? r->got.digest[s] : 0);
		for (; k < r->got.nstates && r->got.states[k].step == s; k++)
			fprintf(f, "state %" PRIu64 "\n%send\n", s,
				r->got.states[k].text ? r->got.states[k].text
						      : "");
	}
	fprintf(f, "steps %" PRIu64 "\n", r->last_step);
	bad = ferror(f);
	if (fclose(f) || bad || rename(tmp, path)) {
		unlink(tmp);
		snprintf(err, errlen, "%s: cannot write the golden file", path);
		return 2;
	}
	return 0;
}

int mr_check_first_difference(const char *trace, const char *snapdir,
			       const char *golden, uint64_t *step,
			       uint64_t *line, char *err, size_t errlen)
{
	struct run *r = calloc(1, sizeof(*r));
	mr_replay_opts o;
	mr_replay_summary sum;
	int rc;

	*step = *line = 0;
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return 2;
	}
	if (golden_read(&r->want, golden, err, errlen)) {
		free(r);
		return 2;
	}
	mr_replay_opts_default(&o);
	o.trace = trace;
	o.snapdir = snapdir;
	o.mode = MR_MODE_MODEL;
	o.show = 0;
	o.out = fopen("/dev/null", "w");
	o.on_step = on_step;
	o.on_step_line = on_line;
	o.on_step_ctx = r;
	o.stop_request = &r->stop;
	rc = o.out ? mr_replay_run(&o, &sum, err, errlen) : 2;
	if (o.out)
		fclose(o.out);
	if (rc != 2) {
		if (!r->first_bad && r->last_step != r->want.steps)
			r->first_bad = r->last_step + 1;
		*step = r->first_bad;
		*line = r->first_line;
		rc = r->first_bad ? 1 : 0;
	}
	free(r->state_text);
	golden_free(&r->want);
	free(r);
	return rc;
}

int mr_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{"snapshots", required_argument, 0, 's'},
		{"no-snapshots", no_argument, 0, 'S'},
		{"golden", required_argument, 0, 'g'},
		{"update", no_argument, 0, 'u'},
		{"every", required_argument, 0, 'e'},
		{"junit", required_argument, 0, 'U'},
		{"corpus", required_argument, 0, 'c'},
		{"jobs", required_argument, 0, 'j'},
		{"index", required_argument, 0, 'i'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	const char *golden = NULL, *junit = NULL, *snap = NULL, *corpus = NULL;
	long jobs = 1, index = -1;
	struct run *r = calloc(1, sizeof(*r));
	mr_replay_opts o;
	mr_replay_summary sum;
	char err[1024], defsnap[4200], *report = NULL;
	size_t replen = 0;
	FILE *rep;
	int c, rc, no_snap = 0, failed;
	uint64_t v;
	struct timespec t0, t1;

	if (!r)
		return 2;
	r->every = DEFAULT_EVERY;
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			corpus = optarg;
			break;
		case 'j':
		case 'i':
			if (mr_cli_u64(optarg, &v) || v > 4096 ||
			    (c == 'j' && !v)) {
				fprintf(stderr,
					"mmreplay check: expected a number, "
					"not "
					"'%s'\n",
					optarg);
				free(r);
				return 2;
			}
			if (c == 'j')
				jobs = (long)v;
			else
				index = (long)v;
			break;
		case 's':
			snap = optarg;
			break;
		case 'S':
			no_snap = 1;
			break;
		case 'g':
			golden = optarg;
			break;
		case 'u':
			r->update = 1;
			break;
		case 'e':
			if (mr_cli_u64(optarg, &v) || !v) {
				fprintf(stderr,
					"mmreplay check: --every: expected a "
					"number of steps, not '%s'\n",
					optarg);
				free(r);
				return 2;
			}
			r->every = v;
			break;
		case 'U':
			junit = optarg;
			break;
		case 'h':
			printf("usage: mmreplay check TRACE [--snapshots DIR | "
			       "--no-snapshots] --golden FILE\n"
			       "       [--update [--every N]] [--junit FILE]\n"
			       "       mmreplay check --corpus DIR [-j N] "
			       "[--index K] "
			       "[--junit FILE]\n"
			       "Replays TRACE and compares every step's state "
			       "digest, and the state every N steps\n"
			       "(default %d) and at the end, with FILE "
			       "(docs/golden.md); --update writes FILE.\n",
			       DEFAULT_EVERY);
			free(r);
			return 0;
		default:
			free(r);
			fprintf(stderr, "mmreplay check: bad option "
					"(mmreplay check --help)\n");
			return 2;
		}
	}
	if (corpus) {
		free(r);
		if (optind != argc || golden) {
			fprintf(stderr, "mmreplay check: --corpus DIR takes no "
					"TRACE or --golden (mmreplay check "
					"--help)\n");
			return 2;
		}
		return mr_check_corpus(corpus, (int)jobs, index, junit);
	}
	if (optind != argc - 1 || !golden) {
		free(r);
		fprintf(stderr, "mmreplay check: takes one TRACE and --golden "
				"FILE (mmreplay check --help)\n");
		return 2;
	}
	if (!r->update && golden_read(&r->want, golden, err, sizeof(err))) {
		fprintf(stderr, "mmreplay check: %s\n", err);
		free(r);
		return 2;
	}
	if (!snap && !no_snap) { /* snap/ beside the trace */
		const char *t = argv[optind], *sl = strrchr(t, '/');

		snprintf(defsnap, sizeof(defsnap), "%.*ssnap",
			 sl ? (int)(sl - t + 1) : 0, t);
		if (access(defsnap, R_OK) == 0)
			snap = defsnap;
	}
	mr_replay_opts_default(&o);
	o.trace = argv[optind];
	o.snapdir = snap;
	o.mode = MR_MODE_MODEL;
	o.show = 0;
	o.progress = 1; /* on a terminal only */
	o.out = fopen("/dev/null", "w");
	o.on_step = on_step;
	o.on_step_line = on_line;
	o.on_end = on_end;
	o.on_step_ctx = r;
	o.stop_request = &r->stop;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = o.out ? mr_replay_run(&o, &sum, err, sizeof(err)) : 2;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (o.out)
		fclose(o.out);
	if (rc == 2) {
		fprintf(stderr, "mmreplay check: %s\n", err);
		golden_free(&r->want);
		golden_free(&r->got);
		free(r);
		return 2;
	}
	if (r->update) {
		rc = write_golden(r, golden, o.trace, err, sizeof(err));
		if (rc)
			fprintf(stderr, "mmreplay check: %s\n", err);
		else
			printf("%s: %" PRIu64 " steps, %zu states written\n",
			       golden, r->last_step, r->got.nstates);
		golden_free(&r->got);
		free(r);
		return rc;
	}
	rep = open_memstream(&report, &replen);
	if (!rep) {
		free(r);
		return 2;
	}
	if (!r->first_bad && r->last_step != r->want.steps) {
		r->first_bad = r->last_step + 1;
		fprintf(rep,
			"the replay has %" PRIu64
			" steps, the golden file %" PRIu64 "\n",
			r->last_step, r->want.steps);
	}
	failed = r->first_bad != 0;
	if (r->first_bad && r->first_bad <= r->last_step) {
		char text[512] = "";

		if (r->first_line)
			mr_trace_line(o.trace, r->first_line, text,
				      sizeof(text));
		fprintf(rep,
			"first difference: step %" PRIu64 ", %s line %" PRIu64
			": %s\n",
			r->first_bad, o.trace, r->first_line, text);
		if (r->state_text) {
			size_t k = state_after(&r->want, r->state_at);

			fprintf(rep,
				"the state after step %" PRIu64
				" (- golden, + replay):\n",
				r->state_at);
			if (!lines_missing(rep, r->want.states[k].text,
					   r->state_text, "- ") +
				    !lines_missing(rep, r->state_text,
						   r->want.states[k].text,
						   "+ ") ==
			    2)
				fprintf(rep, "  (the same lines: the "
					     "difference is in what a digest "
					     "counts and the state does not "
					     "print)\n");
		}
	}
	fclose(rep);
	if (failed)
		fputs(report, stdout);
	else
		printf("%s: %" PRIu64 " steps equal to %s\n", o.trace,
		       r->last_step, golden);
	if (junit) {
		mr_junit_case jc = {o.trace, failed, report,
				    (double)(t1.tv_sec - t0.tv_sec) +
					    (double)(t1.tv_nsec - t0.tv_nsec) /
						    1e9};

		if (mr_junit_write(junit, "mmreplay check", &jc, 1))
			fprintf(stderr, "mmreplay check: %s: cannot write\n",
				junit);
	}
	free(report);
	free(r->state_text);
	golden_free(&r->want);
	golden_free(&r->got);
	free(r);
	return failed ? 1 : 0;
}
