/*
 * histcheck.c - the history answers what the model knew.
 *
 * At every step where a snapshot was compared with the model (and, with
 * mr_replay_opts.check_history = N, at every Nth step for every live
 * address space) the model's maps text is hashed when the step ends (a
 * later comparison in the same step may still teach the model a field). When
 * the run ends the same maps are read back from the history through the
 * maps_line view, with the very query `mmreplay maps` uses, and must be
 * byte-identical: a snapshot the model matched is then matched by the history
 * too. A difference is a divergence of kind "history".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/loop.h"

/* FNV-1a of TEXT (LEN bytes); how many lines it has in *lines. */
static uint64_t text_hash(const char *text, size_t len, uint32_t *lines)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	*lines = 0;
	for (i = 0; i < len; i++) {
		h = (h ^ (unsigned char)text[i]) * 1099511628211ull;
		*lines += text[i] == '\n';
	}
	return h;
}

/* Hash the model's maps of MM into sample H. */
static void sample_hash(struct hist_sample *h, const mr_mm *mm)
{
	size_t len;
	char *text = mr_snap_model_maps(mm, &len);

	h->hash = text ? text_hash(text, len, &h->lines) : 0;
	h->pending = 0;
	free(text);
}

void mr_rp_history_sample(struct replay *r, const mr_mm *mm, uint64_t step,
			  int snap)
{
	struct hist_sample *h;
	size_t i;

	if (!r->st || !mm || !mr_mm_known(mm) || !step)
		return;
	for (i = r->nhist; i-- > 0 && r->hist[i].step == step;)
		if (r->hist[i].mm == mr_mm_id(mm)) {
			r->hist[i].snap |= (uint8_t)snap;
			return;
		}
	if (r->nhist == r->caphist) {
		size_t cap = r->caphist ? r->caphist * 2 : 256;
		struct hist_sample *n = realloc(r->hist, cap * sizeof(*n));

		if (!n)
			return;
		r->hist = n;
		r->caphist = cap;
	}
	h = &r->hist[r->nhist++];
	h->step = step;
	h->mm = mr_mm_id(mm);
	h->pid = mr_mm_owner(mm);
	h->snap = (uint8_t)snap;
	h->lines = 0;
	/* this step's state is hashed when the step ends */
	h->pending = step == r->step;
	if (!h->pending)
		sample_hash(h, mm);
}

void mr_rp_history_settle(struct replay *r)
{
	size_t i;

	/* this step's samples are among the last (an exit snapshot's is
	 * of the step before) */
	for (i = r->nhist; i-- > 0 && r->hist[i].step + 1 >= r->step;) {
		const mr_mm *mm;

		if (!r->hist[i].pending)
			continue;
		mm = mr_machine_mm(r->m, r->hist[i].mm);
		if (mm && mr_mm_known(mm))
			sample_hash(&r->hist[i], mm);
		else
			r->hist[i].mm = 0; /* gone within its step */
		r->hist[i].pending = 0;
	}
}

void mr_rp_history_sample_all(struct replay *r)
{
	size_t i;

	if (r->st && r->o->check_history && !(r->step % r->o->check_history))
		for (i = 0; i < mr_machine_ntasks(r->m); i++)
			mr_rp_history_sample(
				r,
				mr_machine_task_mm(
					r->m, mr_machine_task_pid(r->m, i)),
				r->step, 0);
	mr_rp_history_settle(r);
}

/* Report one sample the history does not reproduce. */
static void history_differs(struct replay *r, const struct hist_sample *h,
			    const char *text)
{
	char got[160];

	r->sum->divergences++;
	snprintf(got, sizeof(got),
		 "%" PRIu32 " lines, hash %016" PRIx64 " (the model's)",
		 h->lines, h->hash);
	mr_store_divergence(r->st, h->step, h->pid, 0, "history",
			    "the history's maps", got, text);
	if (r->sum->divergences <= (uint64_t)r->o->show)
		fprintf(r->o->out,
			"divergence: step %" PRIu64 ", address space %" PRIu32
			" (pid %d): the history's maps differ from the "
			"model's (%" PRIu32 " lines); the history says:\n%s",
			h->step, h->mm, h->pid, h->lines, text ? text : "");
}

void mr_rp_history_check(struct replay *r)
{
	size_t i;

	if (!r->st || !r->nhist)
		return;
	/* the rows are final: the reads go through vma_at, the index every
	 * later at-step read uses, so the check covers it too */
	if (mr_store_flush(r->st, 1))
		return;
	for (i = 0; i < r->nhist; i++) {
		const struct hist_sample *h = &r->hist[i];
		char *text = NULL;
		size_t len = 0;
		uint32_t lines;

		if (!h->mm)
			continue;
		if (mr_store_mm_maps(r->st, h->mm, h->step, &text, &len))
			break;
		r->sum->hist_checks++;
		r->sum->hist_snaps += h->snap;
		if (text_hash(text, len, &lines) == h->hash &&
		    lines == h->lines)
			r->sum->hist_matched++;
		else
			history_differs(r, h, text);
		free(text);
	}
}
