/*
 * check.h - `mmreplay check`: a replay against a golden file
 * (docs/golden.md).
 */
#ifndef MR_REPLAY_CHECK_H
#define MR_REPLAY_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* 0 equal (or the golden file written), 1 a difference, 2 bad use or
 * input. */
int mr_cmd_check(int argc, char **argv);

/* Every capture of DIR with a golden file by JOBS workers (INDEX >= 0:
 * that one alone), a summary, JUNIT (may be NULL). 0, 1 or 2. */
int mr_check_corpus(const char *dir, int jobs, long index, const char *junit);

/*
 * The first step of a replay of TRACE (snapshots SNAPDIR, may be NULL)
 * whose state differs from GOLDEN's, and its trace line (0 when the
 * replay has fewer steps than the golden file). 0 equal, 1 a difference,
 * 2 bad input (ERR says why).
 */
int mr_check_first_difference(const char *trace, const char *snapdir,
			      const char *golden, uint64_t *step,
			      uint64_t *line, char *err, size_t errlen);

#endif
