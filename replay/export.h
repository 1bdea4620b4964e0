/*
 * export.h - `mmreplay export DB --format perfetto` (docs/cli.md).
 */
#ifndef MR_REPLAY_EXPORT_H
#define MR_REPLAY_EXPORT_H

/* 0, or 2 on bad use or input. */
int mr_cmd_export(int argc, char **argv);

#endif
