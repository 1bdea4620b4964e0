/*
 * report.h - `mmreplay report DB -o FILE` (docs/cli.md).
 */
#ifndef MR_REPLAY_REPORT_H
#define MR_REPLAY_REPORT_H

/* 0, or 2 on bad use or input. */
int mr_cmd_report(int argc, char **argv);

#endif
