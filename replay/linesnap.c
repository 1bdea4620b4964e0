/*
 * linesnap.c - per-syscall snapshots (`record --every-syscall`): each is
 * compared with the model right after the call on its trace line; one
 * of a thread whose mm other tasks share is compared again after later
 * calls of those tasks until the held thread runs again (it may have
 * been copied while they ran). Exit snapshots are compared at
 * exit_group.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/loop.h"

/* The stream's snapshots kept for events applied after their line. */
#define MAX_STASH 256

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Index DIR's TID.line.L.maps files. */
int mr_rp_scan_line_snaps(struct replay *r, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		int tid, n = 0;
		unsigned long long line;

		if (sscanf(e->d_name, "%d.line.%llu.maps%n", &tid, &line, &n) !=
			    2 ||
		    e->d_name[n] || tid <= 0 || line >= (1ull << 40))
			continue;
		if (r->nlinesnaps == r->caplinesnaps) {
			size_t cap = r->caplinesnaps ? r->caplinesnaps * 2 : 64;
			uint64_t *nb = realloc(r->linesnaps, cap * sizeof(*nb));

			if (!nb) {
				closedir(d);
				return MR_ENOMEM;
			}
			r->linesnaps = nb;
			r->caplinesnaps = cap;
		}
		r->linesnaps[r->nlinesnaps++] = ((uint64_t)tid << 40) | line;
	}
	closedir(d);
	if (r->nlinesnaps)
		qsort(r->linesnaps, r->nlinesnaps, sizeof(*r->linesnaps),
		      u64_cmp);
	return 0;
}

static void stash_put(struct replay *r, uint64_t key, const char *text)
{
	char *t = strdup(text);

	if (!t)
		return;
	if (r->nstash == MAX_STASH) { /* the oldest is never wanted */
		free(r->stash[0].text);
		memmove(&r->stash[0], &r->stash[1],
			(r->nstash - 1) * sizeof(*r->stash));
		r->nstash--;
	}
	if (r->nstash == r->capstash) {
		size_t cap = r->capstash ? r->capstash * 2 : 16;
		struct stashed *n = realloc(r->stash, cap * sizeof(*n));

		if (!n) {
			free(t);
			return;
		}
		r->stash = n;
		r->capstash = cap;
	}
	r->stash[r->nstash].key = key;
	r->stash[r->nstash++].text = t;
}

/*
 * The stream's snapshot for KEY, malloc'd, or NULL when there is none.
 * Snapshots come in trace-line order, as events mostly do; those passed
 * over wait in the stash.
 */
static char *stream_take(struct replay *r, uint64_t key)
{
	size_t i;

	for (i = 0; i < r->nstash; i++)
		if (r->stash[i].key == key) {
			char *t = r->stash[i].text;

			memmove(&r->stash[i], &r->stash[i + 1],
				(r->nstash - i - 1) * sizeof(*r->stash));
			r->nstash--;
			return t;
		}
	for (;;) {
		if (!r->ls_have) {
			int32_t tid;
			uint64_t line;
			int rc;

			if (!r->ls)
				return NULL; /* the stream is done */
			rc = mr_snapstream_next(r->ls, &tid, &line,
						&r->ls_text);

			if (rc < 0) {
				snprintf(r->err, r->errlen, "%s",
					 mr_snapstream_errmsg(r->ls));
				r->bad = 1;
			}
			if (rc <= 0) {
				mr_snapstream_free(r->ls);
				r->ls = NULL;
				return NULL;
			}
			r->ls_key = ((uint64_t)(uint32_t)tid << 40) | line;
			r->ls_have = 1;
		}
		if (r->ls_key == key) {
			r->ls_have = 0;
			return strdup(r->ls_text);
		}
		if ((r->ls_key & ((1ull << 40) - 1)) >
		    (key & ((1ull << 40) - 1)))
			return NULL; /* not there yet */
		stash_put(r, r->ls_key, r->ls_text);
		r->ls_have = 0;
	}
}

/* Compare the model with the snapshot taken after EV, if there is one. */
static int late_reserve(struct replay *r)
{
	if (r->nlate == r->caplate) {
		size_t cap = r->caplate ? r->caplate * 2 : 8;
		struct late_snap *n = realloc(r->late, cap * sizeof(*n));

		if (!n)
			return -1;
		r->late = n;
		r->caplate = cap;
	}
	return 0;
}

/* Count one line snapshot's comparison in the report. */
static void count_line_snapshot(struct replay *r, const mr_snap_cmp *c)
{
	r->sum->line_snaps++;
	r->sum->vma_lines += c->klines;
	r->sum->vma_matched += c->klines - c->kmissed;
	r->sum->vma_unknown += c->unknown;
	if (!c->nlines)
		r->sum->line_matched++;
}

/* A snapshot's maps differ: say so, naming the assumptions about writes
 * the model's maps of MM rest on (none when MM is NULL). */
static void report_maps(struct replay *r, const mr_mm *mm, const char *kind,
			size_t nlines, const char *diff)
{
	char what[64], why[512];
	char *d = NULL;

	enum { MAXRG = 64 };
	uint64_t lo = UINT64_MAX, hi = 0, rg[2 * MAXRG];
	uint32_t oldest;
	size_t nrg = 0;
	const char *p;

	snprintf(what, sizeof(what), "%zu maps lines differ", nlines);
	/* the ranges the differing lines cover (a page either side), and
	 * their span */
	for (p = diff; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *e;
		uint64_t a, b;

		if (*p != '-' && *p != '+')
			continue;
		a = strtoull(p + 1, &e, 16);
		if (*e != '-')
			continue;
		b = strtoull(e + 1, NULL, 16);
		lo = a < lo ? a : lo;
		hi = b > hi ? b : hi;
		if (nrg < MAXRG) {
			rg[2 * nrg] = a > MR_PAGE_SIZE ? a - MR_PAGE_SIZE : 0;
			rg[2 * nrg + 1] = b + MR_PAGE_SIZE;
			nrg++;
		}
	}
	if (mm && lo < hi &&
	    mr_rp_name_assumption(r, mm, lo, hi, why, sizeof(why))) {
		size_t n = diff ? strlen(diff) : 0;

		d = malloc(n + strlen(why) + 1);
		if (d) {
			memcpy(d, diff ? diff : "", n);
			strcpy(d + n, why);
			r->sum->contradictions++;
		}
	}
	mr_rp_report_divergence(r, kind, "snap maps", what, d ? d : diff);
	free(d);
	/* a snapshot is a recorded result too: revision may remove it */
	if (mm && lo < hi && !r->o->no_revise_snapshots &&
	    mr_mm_uncertain(mm, lo, hi, &oldest))
		mr_rp_contradiction(r, mm, rg, nrg, nlines);
}

/* A late snapshot's final verdict: it matched no state of its window. */
static void late_fail(struct replay *r, struct late_snap *l)
{
	const mr_event *cur = r->cur;
	uint64_t step = r->step;
	int32_t tgid = r->cur_tgid;
	mr_event ev;

	/* the choices of the step now are its own, not the late one's */
	mr_rp_drain_choices(r);
	memset(&ev, 0, sizeof(ev));
	ev.pid = l->tid;
	ev.line = l->line;
	r->cur = &ev;
	r->step = l->step;
	r->cur_tgid = l->tgid;
	count_line_snapshot(r, &l->cmp);
	report_maps(r, mr_machine_mm(r->m, l->mm), "line snapshot",
		    l->cmp.nlines, l->cmp.diff);
	r->cur = cur;
	r->step = step;
	r->cur_tgid = tgid;
}

void mr_rp_late_drop(struct replay *r, size_t i)
{
	free(r->late[i].text);
	free(r->late[i].cmp.diff);
	r->late[i] = r->late[--r->nlate];
}

/*
 * After each step: a late snapshot matches when the model, after calls
 * other threads of its address space made while its thread was held,
 * equals it; it fails when its thread runs again (or at the end).
 */
void mr_rp_late_check(struct replay *r, const mr_event *ev, int at_end)
{
	mr_mm *mm = at_end ? NULL : mr_machine_task_mm(r->m, ev->pid);
	size_t i = 0;

	while (i < r->nlate) {
		struct late_snap *l = &r->late[i];
		mr_snap_cmp c = {0};

		if (!at_end && l->step == r->step) {
			i++;
			continue;
		}
		if (at_end || ev->pid == l->tid) {
			late_fail(r, l);
			mr_rp_late_drop(r, i);
			continue;
		}
		if (mm && mr_mm_id(mm) == l->mm && mr_mm_known(mm) &&
		    ev->kind == MR_EV_SYSCALL &&
		    mr_snap_compare_text(mm, l->text, &c) == 0) {
			count_line_snapshot(r, &c);
			free(c.diff);
			mr_rp_history_sample(r, mm, r->step, 1);
			mr_rp_late_drop(r, i);
			continue;
		}
		free(c.diff);
		i++;
	}
}

/*
 * A snapshot's text must be maps lines: anything else (binary data, a
 * truncated line) stops the replay with the snapshot's name, line and
 * column (exit 2), never a divergence with raw bytes. LINE 0: the exit
 * snapshot of PID.
 */
static int snapshot_text_ok(struct replay *r, const char *text, int32_t pid,
			    uint64_t line)
{
	char name[4300], err[1024];
	mr_maps m;

	if (line && (r->ls || r->nstash || !r->nlinesnaps))
		snprintf(name, sizeof(name),
			 "%s/lines.maps.zst (the snapshot of %d after line "
			 "%" PRIu64 ")",
			 r->o->snapdir ? r->o->snapdir : ".", (int)pid, line);
	else if (line)
		snprintf(name, sizeof(name), "%s/%d.line.%" PRIu64 ".maps",
			 r->o->snapdir ? r->o->snapdir : ".", (int)pid, line);
	else
		snprintf(name, sizeof(name), "%s/%d.exit.maps",
			 r->o->snapdir ? r->o->snapdir : ".", (int)pid);
	if (mr_maps_parse(&m, text, name, err, sizeof(err))) {
		snprintf(r->err, r->errlen, "%s", err);
		r->bad = 1;
		return 0;
	}
	mr_maps_release(&m);
	return 1;
}

void mr_rp_check_line_snapshot(struct replay *r, const mr_event *ev)
{
	uint64_t key = ((uint64_t)(uint32_t)ev->pid << 40) | ev->line;
	mr_mm *mm = mr_machine_task_mm(r->m, ev->pid);
	char what[64], *text;
	mr_snap_cmp c;

	if (r->ls || r->nstash) {
		text = stream_take(r, key);
	} else {
		if (!r->nlinesnaps || !mm || !mr_mm_known(mm) ||
		    !bsearch(&key, r->linesnaps, r->nlinesnaps, sizeof(key),
			     u64_cmp))
			return;
		snprintf(what, sizeof(what), "line.%" PRIu64, ev->line);
		text = mr_snap_read(r->o->snapdir, ev->pid, what);
	}
	if (!text)
		return;
	if (!snapshot_text_ok(r, text, ev->pid, ev->line)) {
		free(text);
		return;
	}
	if (!mm || !mr_mm_known(mm) || mr_snap_compare_text(mm, text, &c) < 0) {
		free(text);
		return;
	}
	if (c.nlines && mr_mm_users(mm) > 1 && late_reserve(r) == 0) {
		/* Other threads ran while this one was held for the
		 * snapshot: judge it against the states that follow. */
		struct late_snap *l = &r->late[r->nlate++];

		l->text = text;
		l->cmp = c;
		l->step = r->step;
		l->line = ev->line;
		l->tid = ev->pid;
		l->tgid = r->cur_tgid;
		l->mm = mr_mm_id(mm);
		return;
	}
	free(text);
	count_line_snapshot(r, &c);
	mr_rp_history_sample(r, mm, r->step, 1);
	if (c.nlines)
		report_maps(r, mm, "line snapshot", c.nlines, c.diff);
	free(c.diff);
}

void mr_rp_check_exit_snapshot(struct replay *r, const mr_event *ev, mr_mm *mm)
{
	char p[4096];
	mr_snap_cmp c;
	int rc;

	if (!r->o->snapdir || !mm || !mr_mm_known(mm) ||
	    !mr_snap_path(p, sizeof(p), r->o->snapdir, ev->pid, "exit", "maps"))
		return;
	/* The history shows the state at exit_group's entry at the step
	 * before it (exit_group takes the address space away): sampled
	 * before the comparison teaches the model anything. */
	if (r->step > 1)
		mr_rp_history_sample(r, mm, r->step - 1, 1);
	{
		char *kern = mr_snap_read(r->o->snapdir, ev->pid, "exit");
		int ok = !kern || snapshot_text_ok(r, kern, ev->pid, 0);

		free(kern);
		if (!ok)
			return;
	}
	rc = mr_snap_compare(mm, r->o->snapdir, ev->pid, "exit", &c);
	if (rc < 0)
		return;
	mr_rp_check_phys_snapshot(r, mm, ev->pid, "exit");
	r->sum->snapshots++;
	r->sum->vma_lines += c.klines;
	r->sum->vma_matched += c.klines - c.kmissed;
	r->sum->vma_unknown += c.unknown;
	if (rc == 0) {
		r->sum->snap_matched++;
	} else {
		report_maps(r, mm, "exit snapshot", c.nlines, c.diff);
	}
	free(c.diff);
}
