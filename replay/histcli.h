/*
 * histcli.h - `mmreplay diff`, `history` and `stats` (docs/cli.md).
 */
#ifndef MR_REPLAY_HISTCLI_H
#define MR_REPLAY_HISTCLI_H

/* 0, or 2 on bad use or input. */
int mr_cmd_diff(int argc, char **argv);
int mr_cmd_history(int argc, char **argv);
int mr_cmd_stats(int argc, char **argv);

#endif
