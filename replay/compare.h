/*
 * compare.h - `mmreplay compare A.db B.db` (docs/cli.md).
 */
#ifndef MR_REPLAY_COMPARE_H
#define MR_REPLAY_COMPARE_H

/* 0 within the thresholds, 1 over one, 2 bad use or input. */
int mr_cmd_compare(int argc, char **argv);

#endif
