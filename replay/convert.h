/*
 * convert.h - `mmreplay convert`: a trace in mmreplay's own format
 * (.mmtr, formats/native.h, docs/native-format.md).
 */
#ifndef MR_REPLAY_CONVERT_H
#define MR_REPLAY_CONVERT_H

/* 0 written, 2 bad use or input (nothing written). */
int mr_cmd_convert(int argc, char **argv);

#endif
