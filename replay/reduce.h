/*
 * reduce.h - `mmreplay reduce`: a diverging trace delta-debugged down to
 * a small one that still diverges (docs/golden.md).
 */
#ifndef MR_REPLAY_REDUCE_H
#define MR_REPLAY_REDUCE_H

/* 0 reduced (or nothing to reduce), 1 no target at the given line or the
 * golden file has more steps, 2 bad use or input. */
int mr_cmd_reduce(int argc, char **argv);

#endif
