/*
 * check.h - `mmreplay check`: a replay against a golden file
 * (docs/golden.md).
 */
#ifndef MR_REPLAY_CHECK_H
#define MR_REPLAY_CHECK_H

/* 0 equal (or the golden file written), 1 a difference, 2 bad use or
 * input. */
int mr_cmd_check(int argc, char **argv);

#endif
