/*
 * faultstep.c - the capture's page faults (formats/faults.h), each applied
 * as a step of its own right after the trace line it follows; those of
 * a task not created yet wait for it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/native.h"
#include "replay/loop.h"

/* One fault of task F->tid, whose mm MM is known: a step of its own. */
static void fault_step(struct replay *r, const mr_fault *f, mr_mm *mm)
{
	mr_event at;
	char args[64];
	mr_step_row row;
	struct fault_hint_buf hint;
	int res;

	memset(&at, 0, sizeof(at)); /* where reports place the step */
	at.pid = f->tid;
	at.line = f->after_line;
	r->cur = &at;
	r->step++;
	r->cur_tgid = f->remote ? mr_mm_owner(mm)
				: mr_machine_task_tgid(r->m, f->tid);
	if (r->st)
		mr_store_set_step(r->st, r->step);
	mr_rp_perf_begin(r, mm);
	mr_rp_perf_cpu_fault(r, f);
	mr_rp_perf_fault_hint(r, f, mm, &hint);
	if (f->remote) {
		mr_rp_perf_remote(r, f);
		res = 0;
		r->sum->remote++;
	} else {
		res = mr_mm_fault_hint(mm, f->addr, f->code, &hint.h);
		r->sum->faults++;
	}
	if (res > 0) {
		r->sum->faults_grew += (res & MR_FAULT_GREW) != 0;
		r->sum->faults_anon += (res & MR_FAULT_ANON) != 0;
	} else if (res < 0) {
		r->sum->faults_nomap++;
	}
	mr_rp_perf_after_fault(r, f, mm);
	mr_machine_check(r->m, r->o->full_check, mr_rp_on_violation, r);
	r->sum->steps++;
	if (r->st) {
		if (f->remote)
			snprintf(args, sizeof(args), "by task %d",
				 (int)f->tid);
		else
			snprintf(args, sizeof(args),
				 "address=%#" PRIx64 " code=%#x", f->addr,
				 f->code);
		memset(&row, 0, sizeof(row));
		row.step = r->step;
		row.tid = f->tid;
		row.pid = r->cur_tgid;
		row.line = f->after_line;
		row.ts = -1;
		row.kind = "fault";
		row.name = f->remote	      ? "remote_access"
			   : (f->code & 0x4) ? "page_fault_user"
					     : "page_fault_kernel";
		row.args = args;
		row.has_ret = 0;
		row.has_pred = 1;
		row.predicted = res < 0 ? res : 0;
		row.verdict = "applied";
		row.digest = mr_machine_digest(r->m);
		row.vmas = (int64_t)mr_mm_map_count(mm);
		mr_store_step(r->st, &row);
	}
	mr_rp_node_step(r, 1);
	mr_rp_history_sample_all(r);
	if (r->o->on_step_line)
		r->o->on_step_line(r->o->on_step_ctx, r->step,
				   r->cur ? r->cur->line : 0);
	if (r->o->on_step)
		r->o->on_step(r->o->on_step_ctx, r->step, r->m);
	if (r->o->stop_request && *r->o->stop_request)
		r->stop = 1;
	if (r->o->stop_after && r->step >= r->o->stop_after)
		r->stop = 1;
	r->cur = NULL;
}

/* Apply fault F now, keep it for a task not created yet, or drop it. */
static void fault_one(struct replay *r, const mr_fault *f)
{
	mr_mm *mm = mr_machine_task_mm(r->m, f->tid);

	if (f->remote) {
		mm = mr_rp_perf_remote_mm(r, f);
		if (mm && mr_mm_known(mm))
			fault_step(r, f, mm);
		else
			r->sum->faults_dropped++;
	} else if (mm && mr_mm_known(mm)) {
		fault_step(r, f, mm);
	} else if (!mm && !mr_machine_task_tgid(r->m, f->tid) &&
		   !mr_rp_exited_pid(r, f->tid)) {
		if (r->nfpend == r->capfpend) {
			size_t cap = r->capfpend ? r->capfpend * 2 : 64;
			struct pend_fault *n =
				realloc(r->fpend, cap * sizeof(*n));

			if (!n) {
				r->bad = 1;
				snprintf(r->err, r->errlen, "out of memory");
				return;
			}
			r->fpend = n;
			r->capfpend = cap;
		}
		r->fpend[r->nfpend++].f = *f;
	} else {
		r->sum->faults_dropped++;
	}
}

/* The faults that follow trace line LINE. */
void mr_rp_faults_after(struct replay *r, uint64_t line)
{
	while (r->fnext < r->faults.n && !r->stop && !r->bad &&
	       r->faults.v[r->fnext].after_line <= line)
		fault_one(r, &r->faults.v[r->fnext++]);
}

/* Task PID exists now: the faults it made before trace line LIMIT (its
 * held events come in between), in order. */
void mr_rp_faults_of_task(struct replay *r, int32_t pid, uint64_t limit)
{
	size_t i = 0, k = 0;

	for (i = 0; i < r->nfpend; i++) {
		if (r->fpend[i].f.tid == pid &&
		    r->fpend[i].f.after_line < limit) {
			mr_fault f = r->fpend[i].f;
			mr_mm *mm = mr_machine_task_mm(r->m, pid);

			if (mm && mr_mm_known(mm))
				fault_step(r, &f, mm);
			else
				r->sum->faults_dropped++;
		} else {
			r->fpend[k++] = r->fpend[i];
		}
	}
	r->nfpend = k;
}

/*
 * The faults: the perf text's (physstep.c), else the fault table named,
 * else the snapshot directory's. With faults the model knows which VMAs
 * were written and stops assuming, and models pages and page tables.
 */
int mr_rp_load_faults(struct replay *r, char *err, size_t errlen)
{
	char p[4096];
	const char *path = r->o->faults;

	if (path && r->o->perf) {
		snprintf(err, errlen,
			 "--faults and --perf both name the faults: give "
			 "one");
		return -1;
	}
	if (!path) {
		if (mr_rp_load_perf(r, err, errlen))
			return -1;
		if (r->have_perf) {
			r->cfg.assume_written = 0;
			r->cfg.writes_known = 1;
			r->cfg.phys = !r->o->no_pages;
			return 0;
		}
	}

	/* a .mmtr file carries its capture's faults */
	if (!path && !r->o->no_faults && r->o->ntraces <= 1 &&
	    mr_native_is(r->o->trace)) {
		if (mr_native_faults(r->o->trace, &r->faults, err, errlen))
			return -1;
		if (r->faults.n) {
			r->cfg.assume_written = 0;
			r->cfg.writes_known = 1;
			r->cfg.phys = !r->o->no_pages;
			return 0;
		}
	}
	if (!path && r->o->snapdir && !r->o->no_faults) {
		snprintf(p, sizeof(p), "%s/faults.tsv.zst", r->o->snapdir);
		if (access(p, R_OK) == 0)
			path = p;
	}
	if (!path)
		return 0;
	if (mr_faults_load(&r->faults, path, err, errlen))
		return -1;
	r->cfg.assume_written = 0;
	r->cfg.writes_known = 1;
	r->cfg.phys = !r->o->no_pages;
	return 0;
}
