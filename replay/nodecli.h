/*
 * nodecli.h - the simulated node's views of a history (docs/cli.md):
 * buddyinfo, pagetypeinfo, zoneinfo, unusable_index and extfrag_index
 * at a step, and frag over the run.
 */
#ifndef MR_REPLAY_NODECLI_H
#define MR_REPLAY_NODECLI_H

#include <stdint.h>

/* `mmreplay NAME DB [--at N]`, NAME one of buddyinfo, pagetypeinfo,
 * zoneinfo, unusable_index, extfrag_index: 0, 2 on bad use or input. */
int mr_cmd_node_view(int argc, char **argv);
/* `mmreplay frag DB [--order K] [--zone Z] [--format text|csv]`. */
int mr_cmd_frag(int argc, char **argv);

/* A command-line number (decimal, 0x hex or 0 octal, no sign) into
 * *OUT: 0, or -1 when S is not one. */
int mr_cli_u64(const char *s, uint64_t *out);

/* Do paths A and B name the same file (device and inode)? */
int mr_cli_same_file(const char *a, const char *b);

#endif
