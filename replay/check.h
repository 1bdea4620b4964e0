/*
 * check.h - `mmreplay check`: a replay against a golden file
 * (docs/golden.md).
 */
#ifndef MR_REPLAY_CHECK_H
#define MR_REPLAY_CHECK_H

/* 0 equal (or the golden file written), 1 a difference, 2 bad use or
 * input. */
int mr_cmd_check(int argc, char **argv);

/* Every capture of DIR with a golden file by JOBS workers (INDEX >= 0:
 * that one alone), a summary, JUNIT (may be NULL). 0, 1 or 2. */
int mr_check_corpus(const char *dir, int jobs, long index, const char *junit);

#endif
