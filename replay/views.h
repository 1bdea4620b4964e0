/*
 * views.h - at-step views rebuilt by replaying a history's inputs
 * (views.c): smaps and pagetable.
 */
#ifndef MR_REPLAY_VIEWS_H
#define MR_REPLAY_VIEWS_H

#include <stdint.h>
#include <stdio.h>

enum {
	MR_VIEW_SMAPS = 1, /* /proc/PID/smaps */
	MR_VIEW_PAGETABLE, /* the walk to ADDR, or present pages per VMA */
};

/*
 * Print view WHICH of PID after step AT of history DB to OUT (ADDR: the
 * pagetable walk's address, or NULL). Returns 0, or 2 with ERR saying
 * why (no such step or address space, inputs changed, unreadable).
 */
int mr_view_run(const char *db, int which, int32_t pid, uint64_t at,
		const uint64_t *addr, FILE *out, char *err, size_t errlen);

#endif
