/*
 * physsnap.c - a snapshot's status and smaps against the model: the
 * memory lines of /proc/PID/status (engine/status.c renders the model's)
 * and, per VMA, smaps Rss and Anonymous.
 *
 * Lines whose value the model does not know (no faults recorded: RSS,
 * VmHWM, VmPTE, VmSwap; no executable text known: VmExe, VmLib) are not
 * compared, and smaps is compared only when the capture recorded its
 * faults.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/loop.h"

/* The line of TEXT starting with NAME ":" (its whole line in OUT). */
static int find_line(const char *text, const char *name, char *out,
		     size_t len)
{
	size_t n = strlen(name);
	const char *l;

	for (l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, name, n) && l[n] == ':') {
			const char *e = strchr(l, '\n');
			size_t k = e ? (size_t)(e - l) : strlen(l);

			if (k >= len)
				k = len - 1;
			memcpy(out, l, k);
			out[k] = 0;
			return 1;
		}
	return 0;
}

static void add_diff(char *diff, size_t len, const char *kern,
		     const char *model)
{
	size_t at = strlen(diff);

	if (at + 8 < len)
		snprintf(diff + at, len - at, "-%s\n+%s\n", kern, model);
}

/* The status lines of snapshot PID.WHAT against MM. */
static void check_status(struct replay *r, const mr_mm *mm, int32_t pid,
			 const char *what)
{
	char *kern = mr_snap_read_ext(r->o->snapdir, pid, what, "status");
	char model[1024], diff[2048], kl[128], got[64];
	mr_status s;
	const char *l;
	size_t bad = 0;

	if (!kern)
		return;
	diff[0] = 0;
	mr_mm_status(mm, &s);
	mr_status_format(&s, model, sizeof(model));
	for (l = model; *l; l = strchr(l, '\n') + 1) {
		const char *e = strchr(l, '\n');
		char name[32], ml[128];
		size_t n = (size_t)(strchr(l, ':') - l);

		snprintf(ml, sizeof(ml), "%.*s", (int)(e - l), l);
		snprintf(name, sizeof(name), "%.*s", (int)n, l);
		if (strstr(ml, " ? kB") || !find_line(kern, name, kl, sizeof(kl)))
			continue;
		r->sum->status_lines++;
		if (!strcmp(kl, ml)) {
			r->sum->status_matched++;
			continue;
		}
		bad++;
		add_diff(diff, sizeof(diff), kl, ml);
	}
	free(kern);
	if (bad) {
		snprintf(got, sizeof(got), "%zu status lines differ", bad);
		mr_rp_report_divergence(r, "status", "snap status", got, diff);
	}
}

/* smaps Rss and Anonymous of every VMA of snapshot PID.WHAT against
 * MM's pages. */
static void check_smaps(struct replay *r, const mr_mm *mm, int32_t pid,
			const char *what)
{
	char *kern = mr_snap_read_ext(r->o->snapdir, pid, what, "smaps");
	char diff[4096], got[64];
	const char *l, *nl;
	unsigned long long s = 0, e = 0, krss = 0, kanon = 0, a, b, v;
	int have = 0, got_rss = 0, got_anon = 0, last;
	size_t bad = 0;

	if (!kern)
		return;
	diff[0] = 0;
	for (l = kern;; l = nl + 1) {
		nl = strchr(l, '\n');
		last = !nl;
		if (!last && sscanf(l, "%llx-%llx ", &a, &b) != 2)
			a = b = 0;
		if (last || b > a) {
			/* a VMA's block ends: compare it */
			if (have && got_rss && got_anon &&
			    e <= 0x800000000000ull) {
				uint64_t rss, anon;

				mr_mm_range_pages(mm, s, e, &rss, &anon);
				r->sum->smaps_vmas++;
				if (rss * 4 == krss && anon * 4 == kanon) {
					r->sum->smaps_matched++;
				} else {
					char k[96], m[96];

					bad++;
					snprintf(k, sizeof(k),
						 "%llx-%llx Rss %llu kB "
						 "Anonymous %llu kB",
						 s, e, krss, kanon);
					snprintf(m, sizeof(m),
						 "%llx-%llx Rss %" PRIu64
						 " kB Anonymous %" PRIu64 " kB",
						 s, e, rss * 4, anon * 4);
					add_diff(diff, sizeof(diff), k, m);
				}
			}
			if (last)
				break;
			s = a;
			e = b;
			have = 1;
			got_rss = got_anon = 0;
		} else if (sscanf(l, "Rss: %llu kB", &v) == 1) {
			krss = v;
			got_rss = 1;
		} else if (sscanf(l, "Anonymous: %llu kB", &v) == 1) {
			kanon = v;
			got_anon = 1;
		}
	}
	free(kern);
	if (bad) {
		snprintf(got, sizeof(got), "%zu VMAs' Rss or Anonymous differ",
			 bad);
		mr_rp_report_divergence(r, "smaps", "snap smaps", got, diff);
	}
}

/*
 * The pages an execve wrote with get_user_pages_remote() (arguments,
 * environment, auxiliary vector at the top of the new stack) show in no
 * fault: without the perf events that count them, the exec snapshot's
 * smaps says how many [stack] holds.
 */
void mr_rp_seed_exec_pages(struct replay *r, mr_mm *mm, int32_t pid,
			   unsigned n)
{
	char what[32], *kern;
	const char *l;
	unsigned long long s, e, rss;

	if (!r->cfg.phys || r->have_perf || !r->o->snapdir)
		return;
	snprintf(what, sizeof(what), "exec.%u", n);
	kern = mr_snap_read_ext(r->o->snapdir, pid, what, "smaps");
	if (!kern)
		return;
	for (l = kern; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);

		if (len < 7 || strncmp(l + len - 7, "[stack]", 7) ||
		    sscanf(l, "%llx-%llx", &s, &e) != 2)
			continue;
		for (l = nl ? nl + 1 : NULL; l && *l;
		     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
			if (sscanf(l, "Rss: %llu kB", &rss) == 1) {
				if (rss && rss * 1024 <= e - s)
					mr_mm_write_pages(mm, e - rss * 1024, e);
				break;
			}
		break;
	}
	free(kern);
}

void mr_rp_check_phys_snapshot(struct replay *r, const mr_mm *mm, int32_t pid,
			       const char *what)
{
	if (!r->o->snapdir || !mm || !mr_mm_known(mm))
		return;
	check_status(r, mm, pid, what);
	if (r->cfg.phys)
		check_smaps(r, mm, pid, what);
}
