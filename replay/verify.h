/*
 * verify.h - `mmreplay verify DIR`: replay a capture made by `mmreplay
 * record` and print a fidelity report (docs/cli.md).
 */
#ifndef MR_REPLAY_VERIFY_H
#define MR_REPLAY_VERIFY_H

/* argv[0] is "verify". Exit code: 0 all matched, 1 a difference, 2 bad
 * input or usage. */
int mr_cmd_verify(int argc, char **argv);

#endif
