/*
 * reduce.c - `mmreplay reduce`: a diverging trace delta-debugged down to a
 * small one that still diverges (docs/golden.md, "Reducing a trace").
 *
 * The target is what must stay: the first divergence or invariant
 * violation the replay reports (--until-divergence), the first one at a
 * given trace line (--line), or the first step whose state differs from a
 * golden file's (--golden). A candidate keeps it when its replay reports
 * the same problem at the same original trace line: the same kind, the
 * kernel's and the model's values the same, and (--until-divergence) no
 * problem before it; for a golden target, when the step there has the same
 * effect on its address space (the same maps lines removed and added,
 * the same problems).
 *
 * What may go, in this order, each by ddmin (chunks of units removed
 * while the target stays): every line after the target; whole processes
 * (the clone that made one, with every line of it and of its
 * descendants) other than the target's own and its ancestors; then single
 * events other than the lifecycle ones (successful clone, fork, vfork and
 * execve; exit and exit_group; "+++" lines), a split call with both its
 * lines, and lines that are no event at all. Removing whole units keeps
 * the process structure valid: every kept task still has its clone,
 * every kept exec its snapshot (they count per task), and a candidate the
 * replay refuses is not kept anyway.
 *
 * Candidates are replayed with the model only (no history), with the
 * capture's exec snapshots and its tables (kernel.tsv, files.tsv,
 * machine.before) and nothing tied to the lines removed: no exit, line or
 * pagemap snapshots, no perf text or fault table.
 */
#include "replay/reduce.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/errcode.h"
#include "formats/reader.h"
#include "replay/check.h"
#include "replay/nodecli.h"
#include "replay/replay.h"

/* after formats/event.h: <signal.h> defines si_addr as a macro */
#include <signal.h>

#define DEFAULT_MAX_RUNS 2000

/* One event of the trace. */
struct rev {
	uint64_t first, last; /* its lines (1-based; equal unless split) */
	int32_t pid;	      /* the pid column */
	int32_t child;	      /* a successful clone/fork/vfork: the child */
	int life;	      /* a lifecycle event */
};

/* What may be removed at once: original lines (0-based). */
struct unit {
	size_t *l;
	size_t n;
};

struct red {
	char **line; /* the original lines */
	size_t nline;
	struct rev *ev;
	size_t nev;
	unsigned char *keep; /* per original line */
	char tmp[4096];	     /* the work directory */
	char cand[4200];     /* the candidate trace */
	char snap[4200];     /* the limited snapshot directory, or "" */
	uint64_t *map;	     /* candidate line (1-based) -> original */
	size_t nmap;
	/* the target */
	int golden;	  /* a golden file's first difference */
	int any_line;	  /* --line: the target is the first problem
			     at that line, not the first of the run */
	uint64_t tline;	  /* its original line */
	int tviol;	  /* an invariant violation */
	char tkind[96];	  /* the divergence's kind or the invariant */
	char tsig[512];	  /* ... with what the kernel and the model did */
	int32_t tpid;	  /* the task of the target line */
	char *teffect;	  /* golden: the step's effect */
	/* one run */
	int stop;	  /* the replay may stop */
	int hit;	  /* the target was seen */
	int first_seen;	  /* a problem was seen */
	uint64_t pline;	  /* the first problem: original line */
	int pviol;	  /*   ... a violation */
	char pkind[96];	  /*   ... its kind */
	char psig[512];	  /*   ... its signature */
	uint64_t others;  /* problems before the target */
	uint64_t tstep;	  /* golden: the step of the target line */
	char *probs;	  /* golden: problems at the target line */
	char *text;	  /* golden: the address space's text */
	int phase;	  /* golden: 1 find the step, 2 the state before */
	uint64_t runs;	  /* replays, all */
	uint64_t cand_runs; /* ... of candidates */
	uint64_t max_runs;  /* the bound on cand_runs */
	uint64_t best_others; /* the kept candidate's problems before it */
	int tty;
};

/* SIGINT or SIGTERM: stop, remove the work directory, say so. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* ---- the candidate ---- */

static int write_candidate(struct red *R)
{
	FILE *f = fopen(R->cand, "w");
	size_t i;

	if (!f)
		return -1;
	R->nmap = 0;
	for (i = 0; i < R->nline; i++)
		if (R->keep[i]) {
			fputs(R->line[i], f);
			fputc('\n', f);
			R->map[++R->nmap] = i + 1;
		}
	return fclose(f) ? -1 : 0;
}

static uint64_t orig_line(const struct red *R, uint64_t line)
{
	return line && line <= R->nmap ? R->map[line] : 0;
}

/* ---- the address space's effect (golden targets) ---- */

static char *mm_text(const mr_machine *m, int32_t pid)
{
	const mr_mm *mm = mr_machine_task_mm(m, pid);
	const mr_vma *v;
	char *buf = NULL, line[4096];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (v = mm ? mr_mm_first(mm) : NULL; v; v = mr_vma_next(v)) {
		mr_mm_format_vma(mm, v, line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	if (mm && mr_mm_pgtable(mm)) {
		uint64_t rss[MR_MM__COUNT];

		mr_mm_rss(mm, rss);
		fprintf(f,
			"~rss anon %" PRIu64 " file %" PRIu64 " shmem %" PRIu64
			" pte %" PRIu64 "\n",
			rss[MR_MM_ANON], rss[MR_MM_FILE], rss[MR_MM_SHMEM],
			mr_mm_pte_bytes(mm) / 4096);
	}
	fclose(f);
	return buf;
}

/* Lines of A not in B, after PREFIX (both in address order, the rss
 * line last). */
static void lines_gone(FILE *out, const char *a, const char *b,
		       const char *prefix)
{
	const char *p, *nl, *q = b, *qe;

	for (p = a; *p; p = nl + 1) {
		unsigned long long s = strtoull(p, NULL, 16);
		size_t len;
		int found = 0;

		nl = strchr(p, '\n');
		if (!nl)
			break;
		len = (size_t)(nl - p);
		while (*q && (qe = strchr(q, '\n')) && *q != '~' &&
		       strtoull(q, NULL, 16) < s && *p != '~')
			q = qe + 1;
		for (const char *r = q; *r; r = qe + 1) {
			qe = strchr(r, '\n');
			if (!qe)
				break;
			if ((size_t)(qe - r) == len && !memcmp(p, r, len)) {
				found = 1;
				break;
			}
			if (*p != '~' && (*r == '~' ||
					  strtoull(r, NULL, 16) != s))
				break;
		}
		if (!found)
			fprintf(out, "%s%.*s\n", prefix, (int)len, p);
	}
}

static char *effect(const char *before, const char *after, const char *probs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	lines_gone(f, before ? before : "", after ? after : "", "- ");
	lines_gone(f, after ? after : "", before ? before : "", "+ ");
	fputs(probs ? probs : "", f);
	fclose(f);
	return buf;
}

/* ---- one replay ---- */

static void on_line(void *ctx, uint64_t step, uint64_t line)
{
	struct red *R = ctx;

	if (R->golden && R->phase == 1 && !R->tstep &&
	    orig_line(R, line) == R->tline)
		R->tstep = step;
}

static void on_step(void *ctx, uint64_t step, const mr_machine *m)
{
	struct red *R = ctx;

	if (interrupted)
		R->stop = 1;
	if (R->golden && R->phase == 1 && R->tstep && step == R->tstep &&
	    !R->text) {
		R->text = mm_text(m, R->tpid);
		R->stop = 1;
	}
}

static void on_end(void *ctx, const mr_machine *m)
{
	struct red *R = ctx;

	if (R->golden && R->phase == 2 && !R->text)
		R->text = mm_text(m, R->tpid);
}

static void on_problem(void *ctx, uint64_t step, uint64_t line, int viol,
		       const char *kind, const char *expected, const char *got)
{
	struct red *R = ctx;
	uint64_t o = orig_line(R, line);
	char sig[512];

	(void)step;
	snprintf(sig, sizeof(sig), "%s\n%s\n%s", kind, expected, got);
	if (R->golden) {
		if (R->phase == 1 && o == R->tline) {
			size_t n = R->probs ? strlen(R->probs) : 0;
			size_t add = strlen(kind) + 32;
			char *p = realloc(R->probs, n + add);

			if (p) {
				snprintf(p + n, add, "! %s %s\n",
					 viol ? "violation" : "divergence",
					 kind);
				R->probs = p;
			}
		}
		return;
	}
	if (R->any_line && !R->tkind[0] && o == R->tline) {
		/* --line: the first problem there is the target */
		R->tviol = viol;
		snprintf(R->tkind, sizeof(R->tkind), "%s", kind);
		snprintf(R->tsig, sizeof(R->tsig), "%s", sig);
	}
	if (!R->first_seen) {
		R->first_seen = 1;
		R->pline = o;
		R->pviol = viol;
		snprintf(R->pkind, sizeof(R->pkind), "%s", kind);
		snprintf(R->psig, sizeof(R->psig), "%s", sig);
	}
	/* the target: the same problem at the same line, the model doing
	 * the same thing there (a kind alone is too easy to keep: without
	 * its setup almost any call mispredicts); for --until-divergence
	 * still the first problem, so that every call before it is still
	 * predicted as the kernel did it */
	if (!R->hit && o == R->tline && viol == R->tviol &&
	    !strcmp(sig, R->tsig) && (R->any_line || !R->others)) {
		R->hit = 1;
		R->stop = 1;
	} else if (!R->hit) {
		R->others++;
	}
	/* --until-divergence: the first problem decides */
	if (!R->any_line)
		R->stop = 1;
}

/* Replay TRACE: 0 ran, 2 refused (ERR). STOP_AFTER: 0, or stop there. */
static int run(struct red *R, const char *trace, uint64_t stop_after,
	       char *err, size_t errlen)
{
	mr_replay_opts o;
	mr_replay_summary sum;
	int rc;

	mr_replay_opts_default(&o);
	o.trace = trace;
	o.snapdir = R->snap[0] ? R->snap : NULL;
	o.mode = MR_MODE_MODEL;
	o.show = 0;
	o.no_faults = 1;
	o.out = fopen("/dev/null", "w");
	o.on_step = on_step;
	o.on_step_line = on_line;
	o.on_end = on_end;
	o.on_problem = on_problem;
	o.on_step_ctx = R;
	o.stop_request = &R->stop;
	o.stop_after = stop_after;
	R->stop = 0;
	R->runs++;
	if (!o.out) {
		snprintf(err, errlen, "/dev/null: %s", strerror(errno));
		return 2;
	}
	rc = mr_replay_run(&o, &sum, err, errlen);
	fclose(o.out);
	return rc == 2 ? 2 : 0;
}

/* The golden target's effect in the trace at R->cand: malloc'd, or NULL
 * when the target line is never a step or a run is refused. */
static char *golden_effect(struct red *R, char *err, size_t errlen)
{
	char *before, *after, *e = NULL;

	free(R->probs);
	R->probs = NULL;
	R->text = NULL;
	R->tstep = 0;
	R->phase = 1;
	if (run(R, R->cand, 0, err, errlen) || !R->tstep) {
		free(R->text);
		R->text = NULL;
		return NULL;
	}
	after = R->text;
	R->text = NULL;
	R->phase = 2;
	if (R->tstep > 1) {
		if (run(R, R->cand, R->tstep - 1, err, errlen)) {
			free(after);
			free(R->text);
			R->text = NULL;
			return NULL;
		}
		before = R->text;
	} else {
		before = NULL;
	}
	R->text = NULL;
	e = effect(before, after, R->probs);
	free(before);
	free(after);
	return e;
}

/* The replays one candidate costs. */
static uint64_t cost(const struct red *R)
{
	return R->golden ? 2 : 1;
}

/* May one more candidate be tried? */
static int budget(const struct red *R)
{
	return !interrupted && R->cand_runs + cost(R) <= R->max_runs;
}

/* Does the candidate (R->keep) keep the target? */
static int interesting(struct red *R)
{
	char err[1024];
	uint64_t before = R->runs;
	int yes;

	if (write_candidate(R))
		return 0;
	if (R->tty)
		fprintf(stderr, "\rreduce: replay %" PRIu64 ", %zu lines   ",
			R->runs + 1, R->nmap);
	if (R->golden) {
		char *e = golden_effect(R, err, sizeof(err));

		yes = e && !strcmp(e, R->teffect);
		free(e);
	} else {
		R->hit = R->first_seen = 0;
		R->others = 0;
		yes = !run(R, R->cand, 0, err, sizeof(err)) && R->hit;
		if (yes)
			R->best_others = R->others;
	}
	R->cand_runs += R->runs - before;
	return yes && !interrupted;
}

/* ---- ddmin over units ---- */

static int unit_kept(const struct red *R, const struct unit *u)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (R->keep[u->l[i]])
			return 1;
	return 0;
}

/* Remove chunks of the units while the target stays; 1 if any went. */
static int ddmin(struct red *R, struct unit *u, size_t nu)
{
	size_t *act = malloc((nu ? nu : 1) * sizeof(*act)), nact = 0, n = 2;
	unsigned char *save = malloc(R->nline ? R->nline : 1);
	int any = 0;
	size_t i, j, k;

	if (!act || !save) {
		free(act);
		free(save);
		return 0;
	}
	for (i = 0; i < nu; i++)
		if (unit_kept(R, &u[i]))
			act[nact++] = i;
	while (nact && budget(R)) {
		size_t chunk = (nact + n - 1) / n, start = 0;
		int gone = 0;

		/* one pass over the chunks; a chunk that may go goes, and
		 * the pass goes on from where it was */
		while (start < nact && budget(R)) {
			size_t end = start + chunk < nact ? start + chunk : nact;

			memcpy(save, R->keep, R->nline);
			for (j = start; j < end; j++)
				for (k = 0; k < u[act[j]].n; k++)
					R->keep[u[act[j]].l[k]] = 0;
			if (interesting(R)) {
				memmove(act + start, act + end,
					(nact - end) * sizeof(*act));
				nact -= end - start;
				gone = any = 1;
				continue;
			}
			memcpy(R->keep, save, R->nline);
			start = end;
		}
		if (gone)
			continue; /* the same chunk size once more */
		if (chunk <= 1)
			break;
		n = 2 * n < nact ? 2 * n : nact;
	}
	free(act);
	free(save);
	return any;
}

/* ---- the trace's structure ---- */

static int is_life(const mr_event *e)
{
	if (e->kind != MR_EV_SYSCALL)
		return 1; /* +++ exited, killed, superseded (signals below) */
	switch (e->sys) {
	case MR_SYS_CLONE:
	case MR_SYS_CLONE3:
	case MR_SYS_FORK:
	case MR_SYS_VFORK:
		return e->ret_kind == MR_RET_VALUE && e->ret > 0;
	case MR_SYS_EXECVE:
	case MR_SYS_EXECVEAT:
		return e->ret_kind == MR_RET_VALUE && e->ret == 0;
	case MR_SYS_EXIT:
	case MR_SYS_EXIT_GROUP:
		return 1;
	default:
		return 0;
	}
}

static int read_events(struct red *R, const char *path, char *err,
		       size_t errlen)
{
	mr_reader *rd = NULL;
	mr_event e;
	size_t cap = 0;
	int rc;

	if (mr_reader_open(&rd, path, err, errlen))
		return 2;
	while ((rc = mr_reader_next(rd, &e)) == 1) {
		struct rev *v;

		if (R->nev == cap) {
			cap = cap ? 2 * cap : 1024;
			v = realloc(R->ev, cap * sizeof(*v));
			if (!v) {
				rc = MR_ENOMEM;
				break;
			}
			R->ev = v;
		}
		v = &R->ev[R->nev++];
		v->first = e.first_line ? e.first_line : e.line;
		v->last = e.line;
		v->pid = e.pid;
		v->life = e.kind != MR_EV_SIGNAL && is_life(&e);
		v->child = e.kind == MR_EV_SYSCALL && v->life &&
				   (e.sys == MR_SYS_CLONE ||
				    e.sys == MR_SYS_CLONE3 ||
				    e.sys == MR_SYS_FORK || e.sys == MR_SYS_VFORK)
			   ? (int32_t)e.ret
			   : 0;
	}
	if (rc < 0)
		snprintf(err, errlen, "%s", mr_reader_errmsg(rd));
	mr_reader_free(rd);
	return rc < 0 ? 2 : 0;
}

/* The event that created PID (its clone), or -1. */
static long creator(const struct red *R, int32_t pid)
{
	size_t i;

	for (i = 0; i < R->nev; i++)
		if (R->ev[i].child == pid)
			return (long)i;
	return -1;
}

struct pair {
	int32_t pid;
	long ev;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->ev > y->ev) - (x->ev < y->ev);
}

/* Sort PIDS with EVS beside them, by pid then event: 0, -1 (memory). */
static int sort_pairs(int32_t *pids, long *evs, size_t n)
{
	struct pair *p = malloc((n ? n : 1) * sizeof(*p));
	size_t i;

	if (!p)
		return -1;
	for (i = 0; i < n; i++) {
		p[i].pid = pids[i];
		p[i].ev = evs[i];
	}
	qsort(p, n, sizeof(*p), cmp_pair);
	for (i = 0; i < n; i++) {
		pids[i] = p[i].pid;
		evs[i] = p[i].ev;
	}
	free(p);
	return 0;
}

static void units_free(struct unit *u, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(u[i].l);
	free(u);
}

static int unit_add(struct unit *u, size_t line)
{
	size_t *l = realloc(u->l, (u->n + 1) * sizeof(*l));

	if (!l)
		return -1;
	l[u->n++] = line;
	u->l = l;
	return 0;
}

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* PID's index in the sorted PIDS[0..N), or N. */
static size_t pid_index(const int32_t *pids, size_t n, int32_t pid)
{
	const int32_t *p = bsearch(&pid, pids, n, sizeof(*pids), cmp_i32);

	return p ? (size_t)(p - pids) : n;
}

/* Add event E's lines to U. */
static int unit_add_event(struct unit *u, const struct rev *e)
{
	return unit_add(u, e->first - 1) ||
	       (e->last != e->first && unit_add(u, e->last - 1));
}

/*
 * Phase A's units: per clone of a process other than the target's task
 * and its ancestors, that clone and every event of the child and its
 * descendants. One pass: each event joins the unit of every process on
 * its line of descent.
 */
static struct unit *process_units(struct red *R, size_t *nout)
{
	int32_t *pids = NULL, *parent_of = NULL;
	long *made = NULL; /* per pid, the event that created it */
	unsigned char *own = NULL; /* per pid: the target's line of descent */
	size_t np = 0, i, j, depth;
	struct unit *u = NULL;
	int ok = 0;

	*nout = 0;
	pids = malloc((R->nev + 1) * sizeof(*pids));
	parent_of = calloc(R->nev + 1, sizeof(*parent_of));
	made = malloc((R->nev + 1) * sizeof(*made));
	own = calloc(R->nev + 1, 1);
	if (!pids || !parent_of || !made || !own)
		goto out;
	/* the children, each with the first clone that returned it */
	for (i = 0; i < R->nev; i++)
		if (R->ev[i].child > 0) {
			pids[np] = R->ev[i].child;
			made[np++] = (long)i;
		}
	if (sort_pairs(pids, made, np))
		goto out;
	for (i = j = 0; i < np; i++) /* unique, the first creator */
		if (!j || pids[j - 1] != pids[i]) {
			pids[j] = pids[i];
			made[j++] = made[i];
		}
	np = j;
	for (i = 0; i < np; i++)
		parent_of[i] = R->ev[made[i]].pid;
	/* the target's task and its ancestors keep their clones */
	for (i = pid_index(pids, np, R->tpid), depth = 0; i < np && depth < np;
	     i = pid_index(pids, np, parent_of[i]), depth++)
		own[i] = 1;
	u = calloc(np ? np : 1, sizeof(*u));
	if (!u)
		goto out;
	for (i = 0; i < np; i++)
		if (!own[i] && unit_add_event(&u[i], &R->ev[made[i]]))
			goto out;
	for (j = 0; j < R->nev; j++)
		for (i = pid_index(pids, np, R->ev[j].pid), depth = 0;
		     i < np && depth < np;
		     i = pid_index(pids, np, parent_of[i]), depth++)
			if (!own[i] && unit_add_event(&u[i], &R->ev[j]))
				goto out;
	*nout = np;
	ok = 1;
out:
	if (!ok && u) {
		units_free(u, np);
		u = NULL;
	}
	free(pids);
	free(parent_of);
	free(made);
	free(own);
	return u;
}

/* Phase B's units: every event but the lifecycle ones and the target,
 * and every line that is no event. */
static struct unit *event_units(struct red *R, size_t *nout)
{
	unsigned char *in_event = calloc(R->nline + 1, 1);
	struct unit *u = calloc(R->nev + R->nline + 1, sizeof(*u));
	size_t i, nu = 0;

	*nout = 0;
	if (!in_event || !u) {
		free(in_event);
		free(u);
		return NULL;
	}
	for (i = 0; i < R->nev; i++) {
		const struct rev *e = &R->ev[i];

		if (e->first <= R->nline)
			in_event[e->first - 1] = 1;
		if (e->last <= R->nline)
			in_event[e->last - 1] = 1;
		if (e->life || e->last == R->tline)
			continue;
		if (unit_add(&u[nu], e->first - 1) ||
		    (e->last != e->first && unit_add(&u[nu], e->last - 1))) {
			units_free(u, nu + 1);
			free(in_event);
			return NULL;
		}
		nu++;
	}
	for (i = 0; i < R->nline; i++)
		if (!in_event[i] && i + 1 != R->tline) {
			if (unit_add(&u[nu], i)) {
				units_free(u, nu + 1);
				free(in_event);
				return NULL;
			}
			nu++;
		}
	free(in_event);
	*nout = nu;
	return u;
}

/* Keep nothing after the target but the clones of its line of descent
 * (strace may print a child's first lines before its clone returns). */
static void truncate_after(struct red *R)
{
	int32_t chain[64];
	size_t i, j, nchain = 0;
	int32_t p = R->tpid;

	/* the target's task and its ancestors, nearest first */
	while (p && nchain < sizeof(chain) / sizeof(chain[0])) {
		long c = creator(R, p);

		chain[nchain++] = p;
		p = c >= 0 ? R->ev[c].pid : 0;
	}
	for (i = R->tline; i < R->nline; i++)
		R->keep[i] = 0;
	for (i = 0; i < R->nev; i++) {
		const struct rev *e = &R->ev[i];

		if (e->last > R->tline && e->first <= R->tline &&
		    e->last != R->tline)
			R->keep[e->first - 1] = 0; /* a half without its end */
		if (e->child > 0 && e->last > R->tline)
			for (j = 0; j < nchain; j++)
				if (chain[j] == e->child) {
					R->keep[e->first - 1] = 1;
					R->keep[e->last - 1] = 1;
				}
	}
}

/* ---- the snapshot directory ---- */

/* A/B into BUF: 0, or -1 when it does not fit. */
static int join(char *buf, size_t len, const char *a, const char *b)
{
	int n = snprintf(buf, len, "%s/%s", a, b);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}


/* Exec snapshots and the tables, not what is tied to removed lines. */
static int wanted_snap(const char *name)
{
	int32_t pid;
	unsigned n;
	char rest[16];
	int used = 0;

	if (!strcmp(name, "kernel.tsv") || !strcmp(name, "files.tsv") ||
	    !strcmp(name, "machine.before"))
		return 1;
	if (sscanf(name, "%d.exec.%u.%15s%n", &pid, &n, rest, &used) == 3 &&
	    !name[used])
		return !strcmp(rest, "maps") || !strcmp(rest, "smaps") ||
		       !strcmp(rest, "status") || !strcmp(rest, "stat");
	return 0;
}

/* Symlinks in DST to SRC's wanted files. */
static int link_snapshots(const char *src, const char *dst)
{
	DIR *d = opendir(src);
	struct dirent *de;
	char from[8400], to[8400], abs[4096];

	if (!d)
		return -1;
	if (!realpath(src, abs) || mkdir(dst, 0700)) {
		closedir(d);
		return -1;
	}
	while ((de = readdir(d)))
		if (wanted_snap(de->d_name)) {
			if (join(from, sizeof(from), abs, de->d_name) ||
			    join(to, sizeof(to), dst, de->d_name) ||
			    symlink(from, to)) {
				closedir(d);
				return -1;
			}
		}
	closedir(d);
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b = a ? fopen(to, "wb") : NULL;
	char buf[65536];
	size_t n;
	int rc = 0;

	if (!a || !b) {
		if (a)
			fclose(a);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), a)) > 0)
		if (fwrite(buf, 1, n, b) != n)
			rc = -1;
	if (ferror(a))
		rc = -1;
	fclose(a);
	if (fclose(b))
		rc = -1;
	return rc;
}

/* Copy SRC (a file, or a directory of files) to DST. */
static int copy_entry(const char *src, const char *dst)
{
	struct stat sb;
	DIR *d;
	struct dirent *de;
	char a[8400], b[8400];
	int rc = 0;

	if (stat(src, &sb))
		return -1;
	if (!S_ISDIR(sb.st_mode))
		return copy_file(src, dst);
	if (mkdir(dst, 0755) || !(d = opendir(src)))
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			if (join(a, sizeof(a), src, de->d_name) ||
			    join(b, sizeof(b), dst, de->d_name) ||
			    copy_file(a, b))
				rc = -1;
		}
	closedir(d);
	return rc;
}

/* Is PID's pid column in a kept line of the reduced trace? */
static int pid_kept(const struct red *R, int32_t pid)
{
	size_t i;

	for (i = 0; i < R->nev; i++)
		if (R->ev[i].pid == pid && R->keep[R->ev[i].last - 1])
			return 1;
	return 0;
}

/* OUT/snap: the limited directory's entries the kept tasks use. 0, or
 * -1 with ERR naming what could not be read or written. */
static int write_snapshots(const struct red *R, const char *out, size_t *nf,
			   char *err, size_t errlen)
{
	DIR *d;
	struct dirent *de;
	char dst[8400], src[8400], snapdir[4200];
	int rc = 0;

	*nf = 0;
	if (!R->snap[0])
		return 0;
	if (join(snapdir, sizeof(snapdir), out, "snap") ||
	    mkdir(snapdir, 0755) || !(d = opendir(R->snap))) {
		snprintf(err, errlen, "cannot make %s/snap", out);
		return -1;
	}
	while (!rc && (de = readdir(d))) {
		int32_t pid;

		if (de->d_name[0] == '.' ||
		    (sscanf(de->d_name, "%d.", &pid) == 1 &&
		     !pid_kept(R, pid)))
			continue;
		if (join(src, sizeof(src), R->snap, de->d_name) ||
		    join(dst, sizeof(dst), snapdir, de->d_name) ||
		    copy_entry(src, dst)) {
			char real[4096];

			snprintf(err, errlen, "cannot copy %.480s to %.480s",
				 realpath(src, real) ? real : src, dst);
			rc = -1;
		}
		(*nf)++;
	}
	closedir(d);
	return rc;
}

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char p[8400];

	if (d) {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
				struct stat sb;

				if (join(p, sizeof(p), path, de->d_name))
					continue;
				if (!lstat(p, &sb) && S_ISDIR(sb.st_mode))
					remove_tree(p);
				else
					unlink(p);
			}
		closedir(d);
	}
	rmdir(path);
}

/* ---- the target ---- */

/* The base run: the first problem, or the first at LINE. 0 found, 1 none,
 * 2 refused. */
static int find_target(struct red *R, const char *trace, uint64_t line,
		       char *err, size_t errlen)
{
	size_t i;

	/* the base run reads the trace itself: lines map to themselves */
	R->nmap = R->nline;
	for (i = 0; i < R->nline; i++)
		R->map[i + 1] = i + 1;
	if (line) {
		/* any problem at LINE: the first one seen there */
		R->any_line = 1;
		R->tline = line;
		R->tkind[0] = 0;
	}
	R->first_seen = R->hit = 0;
	R->tviol = -1; /* nothing is the target yet */
	if (run(R, trace, 0, err, errlen))
		return 2;
	if (line)
		return R->hit ? 0 : 1;
	if (!R->first_seen)
		return 1;
	R->tline = R->pline;
	R->tviol = R->pviol;
	snprintf(R->tkind, sizeof(R->tkind), "%s", R->pkind);
	snprintf(R->tsig, sizeof(R->tsig), "%s", R->psig);
	return 0;
}

static int32_t pid_at(const struct red *R, uint64_t line)
{
	size_t i;

	for (i = 0; i < R->nev; i++)
		if (R->ev[i].last == line || R->ev[i].first == line)
			return R->ev[i].pid;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "mmreplay reduce: takes one TRACE, -o DIR and "
			"--until-divergence, --line N or --golden FILE "
			"(mmreplay reduce --help)\n");
	return 2;
}

int mr_cmd_reduce(int argc, char **argv)
{
	static const struct option opts[] = {
		{"snapshots", required_argument, 0, 's'},
		{"no-snapshots", no_argument, 0, 'S'},
		{"until-divergence", no_argument, 0, 'u'},
		{"line", required_argument, 0, 'l'},
		{"golden", required_argument, 0, 'g'},
		{"output", required_argument, 0, 'o'},
		{"max-runs", required_argument, 0, 'm'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	const char *snap = NULL, *golden = NULL, *out = NULL, *trace;
	char defsnap[4200], err[1024], path[8400], text[512], stage[4200] = "";
	struct sigaction sa, old_int, old_term;
	struct red *R;
	uint64_t v, line = 0, gstep = 0;
	int c, until = 0, no_snap = 0, rc = 2;
	size_t nf = 0, i, kept;
	struct unit *u;
	size_t nu;
	struct timespec t0, t1;
	FILE *f;

	optind = 1;
	R = calloc(1, sizeof(*R));
	if (!R)
		return 2;
	R->max_runs = DEFAULT_MAX_RUNS;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			snap = optarg;
			break;
		case 'S':
			no_snap = 1;
			break;
		case 'u':
			until = 1;
			break;
		case 'g':
			golden = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'l':
		case 'm':
			if (mr_cli_u64(optarg, &v) || !v) {
				fprintf(stderr,
					"mmreplay reduce: --%s: expected a "
					"positive number, not '%s'\n",
					c == 'l' ? "line" : "max-runs", optarg);
				free(R);
				return 2;
			}
			if (c == 'l')
				line = v;
			else
				R->max_runs = v;
			break;
		case 'h':
			printf("usage: mmreplay reduce TRACE [--snapshots DIR | "
			       "--no-snapshots] -o DIR\n"
			       "       (--until-divergence | --line N | "
			       "--golden FILE) [--max-runs N]\n"
			       "Delta-debugs TRACE down to a small trace that "
			       "still shows the problem: the first\n"
			       "divergence or invariant violation "
			       "(--until-divergence), the first one at trace\n"
			       "line N (--line), or the first step whose "
			       "state differs from FILE (--golden).\n"
			       "Writes DIR/trace.strace, DIR/origin.tsv (each "
			       "line's original line) and DIR/snap\n"
			       "(the exec snapshots it needs); at most N "
			       "replays of candidates (default %d).\n"
			       "docs/golden.md, \"Reducing a trace\".\n",
			       DEFAULT_MAX_RUNS);
			free(R);
			return 0;
		default:
			free(R);
			fprintf(stderr, "mmreplay reduce: bad option "
					"(mmreplay reduce --help)\n");
			return 2;
		}
	}
	if (optind != argc - 1 || !out || (!!until + !!line + !!golden) != 1) {
		free(R);
		return usage();
	}
	trace = argv[optind];
	if (!access(out, F_OK)) {
		fprintf(stderr,
			"mmreplay reduce: %s exists: give a new directory\n",
			out);
		free(R);
		return 2;
	}
	/* the output is made beside OUT and renamed to it when complete:
	 * a bad place is found now, and a failure leaves nothing */
	if ((size_t)snprintf(stage, sizeof(stage), "%s.reduce-XXXXXX", out) >=
		    sizeof(stage) ||
	    !mkdtemp(stage)) {
		fprintf(stderr, "mmreplay reduce: cannot make a directory "
				"beside %s: %s\n",
			out, strerror(errno));
		free(R);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (!snap && !no_snap) { /* snap/ beside the trace */
		const char *sl = strrchr(trace, '/');

		snprintf(defsnap, sizeof(defsnap), "%.*ssnap",
			 sl ? (int)(sl - trace + 1) : 0, trace);
		if (access(defsnap, R_OK) == 0)
			snap = defsnap;
	}
	R->tty = isatty(2);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (mr_trace_lines(trace, &R->line, &R->nline, err, sizeof(err)) ||
	    read_events(R, trace, err, sizeof(err))) {
		fprintf(stderr, "mmreplay reduce: %s\n", err);
		goto done;
	}
	R->keep = malloc(R->nline + 1);
	R->map = malloc((R->nline + 2) * sizeof(*R->map));
	if (!R->keep || !R->map)
		goto done;
	memset(R->keep, 1, R->nline + 1);
	{
		const char *tmpd = getenv("TMPDIR");

		snprintf(R->tmp, sizeof(R->tmp), "%s/mmreplay-reduce.XXXXXX",
			 tmpd && *tmpd ? tmpd : "/tmp");
	}
	if (!mkdtemp(R->tmp)) {
		fprintf(stderr, "mmreplay reduce: cannot make %s: %s\n",
			R->tmp, strerror(errno));
		R->tmp[0] = 0;
		goto done;
	}
	snprintf(R->cand, sizeof(R->cand), "%s/trace.strace", R->tmp);
	if (snap) {
		snprintf(R->snap, sizeof(R->snap), "%s/snap", R->tmp);
		if (link_snapshots(snap, R->snap)) {
			fprintf(stderr, "mmreplay reduce: %s: cannot read the "
					"snapshots\n",
				snap);
			goto done;
		}
	}

	/* the target */
	if (golden) {
		uint64_t gline;
		int g = mr_check_first_difference(trace, snap, golden, &gstep,
						  &gline, err, sizeof(err));

		if (g == 2) {
			fprintf(stderr, "mmreplay reduce: %s\n", err);
			goto done;
		}
		if (g == 0 || !gline) {
			printf("%s: %s; nothing to reduce\n", trace,
			       g == 0 ? "every step equal to the golden file"
				      : "the replay ends before the golden "
					"file does");
			rc = g == 0 ? 0 : 1;
			goto done;
		}
		R->golden = 1;
		R->tline = gline;
		R->tpid = pid_at(R, gline);
		err[0] = 0;
		if (write_candidate(R) ||
		    !(R->teffect = golden_effect(R, err, sizeof(err)))) {
			if (err[0])
				fprintf(stderr, "mmreplay reduce: %s\n", err);
			else
				fprintf(stderr,
					"mmreplay reduce: %s line %" PRIu64
					": not a step of the replay without "
					"the capture's exit and line "
					"snapshots\n",
					trace, gline);
			goto done;
		}
	} else {
		int t = find_target(R, trace, line, err, sizeof(err));

		if (t == 2) {
			fprintf(stderr, "mmreplay reduce: %s\n", err);
			goto done;
		}
		if (t == 1 && !line) {
			printf("%s: no divergence and no invariant violation "
			       "(with its exec snapshots only); nothing to "
			       "reduce\n",
			       trace);
			rc = 0;
			goto done;
		}
		if (t == 1) {
			printf("%s: no divergence and no invariant violation "
			       "at line %" PRIu64 " (with its exec snapshots "
			       "only); nothing to reduce\n",
			       trace, line);
			rc = 1;
			goto done;
		}
		if (!R->tline) {
			printf("%s: the first problem (%s %s) was found when "
			       "the replay ended, at no trace line: nothing "
			       "to reduce to\n",
			       trace,
			       R->tviol ? "invariant violation" : "divergence",
			       R->tkind);
			rc = 1;
			goto done;
		}
		R->tpid = pid_at(R, R->tline);
		R->best_others = R->others;
	}

	/* after the target: nothing is needed */
	memset(R->keep, 1, R->nline);
	truncate_after(R);
	if (!budget(R) || !interesting(R))
		memset(R->keep, 1, R->nline); /* it was: keep them */
	for (i = 0; i < 2; i++) {
		int changed = 0;

		u = process_units(R, &nu);
		if (u) {
			changed |= ddmin(R, u, nu);
			units_free(u, nu);
		}
		u = event_units(R, &nu);
		if (u) {
			changed |= ddmin(R, u, nu);
			units_free(u, nu);
		}
		if (!changed)
			break;
	}
	if (R->tty)
		fputs("\r\033[K", stderr);
	if (interrupted) {
		fprintf(stderr, "mmreplay reduce: interrupted; %s not "
				"written\n",
			out);
		rc = 130;
		goto done;
	}
	/* the result: KEEP is the last candidate that kept the target;
	 * replayed once more to confirm it (not a candidate) */
	{
		uint64_t spent = R->cand_runs;
		int yes = interesting(R);

		R->cand_runs = spent;
		if (!yes && !interrupted) {
			fprintf(stderr,
				"mmreplay reduce: the reduced trace lost the "
				"target when replayed again (a bug: please "
				"report it); kept in %s\n",
				R->cand);
			R->tmp[0] = 0; /* keep the work directory */
			goto done;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	snprintf(path, sizeof(path), "%s/trace.strace", stage);
	if (copy_file(R->cand, path)) {
		fprintf(stderr, "mmreplay reduce: cannot write %s\n", path);
		goto done;
	}
	snprintf(path, sizeof(path), "%s/origin.tsv", stage);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "mmreplay reduce: cannot write %s\n", path);
		goto done;
	}
	fprintf(f, "line\toriginal_line\n");
	for (i = 1; i <= R->nmap; i++)
		fprintf(f, "%zu\t%" PRIu64 "\n", i, R->map[i]);
	if (fclose(f)) {
		fprintf(stderr, "mmreplay reduce: cannot write %s\n", path);
		goto done;
	}
	if (write_snapshots(R, stage, &nf, err, sizeof(err))) {
		fprintf(stderr, "mmreplay reduce: %s\n", err);
		goto done;
	}
	if (rename(stage, out)) {
		fprintf(stderr, "mmreplay reduce: cannot make %s: %s\n", out,
			strerror(errno));
		goto done;
	}
	stage[0] = 0;
	for (kept = 0, i = 1; i <= R->nmap; i++)
		if (R->map[i] == R->tline)
			kept = i;
	snprintf(text, sizeof(text), "%s",
		 R->tline <= R->nline ? R->line[R->tline - 1] : "");
	printf("%s: %zu lines reduced to %zu in %" PRIu64
	       " replays (%.1f s)%s\n",
	       trace, R->nline, R->nmap, R->runs,
	       (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       R->cand_runs + cost(R) > R->max_runs
		       ? "; --max-runs reached: it may reduce further"
		       : "");
	if (R->golden)
		printf("target: step %" PRIu64 ", the first whose state "
		       "differs from %s, line %" PRIu64 " (line %zu of the "
		       "reduced trace): %s\nits effect on the address space "
		       "of pid %d (- removed, + added):\n%s",
		       gstep, golden, R->tline, kept, text, (int)R->tpid,
		       *R->teffect ? R->teffect : "  (none)\n");
	else {
		const char *e = strchr(R->tsig, '\n'), *g = e ? strchr(e + 1, '\n') : NULL;

		printf("target: %s %s at line %" PRIu64
		       " (line %zu of the reduced trace): %s\n",
		       R->tviol ? "invariant violation" : "divergence",
		       R->tkind, R->tline, kept, text);
		if (!R->tviol && e && g)
			printf("  kernel: %.*s\n  model:  %s\n",
			       (int)(g - e - 1), e + 1, g + 1);
		if (R->best_others)
			printf("the reduced trace reports %" PRIu64
			       " other problem%s before it\n",
			       R->best_others,
			       R->best_others == 1 ? "" : "s");
	}
	printf("wrote %s/trace.strace, %s/origin.tsv and %zu snapshot "
	       "files in %s/snap\n",
	       out, out, nf, out);
	rc = 0;
done:
	if (R->tmp[0])
		remove_tree(R->tmp);
	if (stage[0])
		remove_tree(stage);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	free(R->teffect);
	free(R->probs);
	free(R->text);
	free(R->keep);
	free(R->map);
	free(R->ev);
	mr_trace_lines_free(R->line, R->nline);
	free(R);
	return rc;
}
