/*
 * histenc.h - how the history stores text it can rebuild exactly.
 *
 * A step's argument text and a VMA row's maps line are stored as a
 * printf format shared by many rows (step_op.fmt, vma_kind.fmt) and the
 * numbers that differ from row to row; the views step and vma rebuild
 * the text with SQLite's printf() (docs/schema.md, "How the rows are
 * stored"). The formats use only %%, %lld, %#llx and %08llx, whose
 * output for 64-bit integers is the same in C's printf and SQLite's, and
 * each is made so that printing it gives back the text byte for byte.
 */
#ifndef MR_REPLAY_HISTENC_H
#define MR_REPLAY_HISTENC_H

#include <stddef.h>
#include <stdint.h>

#include "engine/mm.h"

#define MR_HIST_NUMS 4 /* numbers taken out of an argument text */
/* a format is at most this longer than its text and its '%'s, with its
 * NUL: "%lld" for "1" is 3 more per number ("%#llx" for "0x1" 2) */
#define MR_HIST_ARGS_MORE (MR_HIST_NUMS * 3 + 1)

/*
 * The format of argument text ARGS (LEN bytes) into OUT, which has room
 * for LEN + (the number of '%' in ARGS) + MR_HIST_ARGS_MORE bytes: each
 * '%' doubled, and up to MR_HIST_NUMS
 * integers written as strace prints them (decimal without leading zeros,
 * or 0x and lower-case hex digits without leading zeros, not part of a
 * longer word) replaced by %lld or %#llx and stored in NUM. Returns the
 * format's length; *NNUM is how many numbers were taken.
 */
size_t mr_hist_args_fmt(const char *args, size_t len, char *out,
			int64_t num[MR_HIST_NUMS], int *nnum);

/*
 * The format of maps line LINE of row R into OUT (CAP bytes), whose
 * arguments are start, end, offset and inode: the offset argument is
 * PGOFF << 12 when *SHOWN_OFF is 1, else 0, and the inode 0 when R's is
 * not known. -1 when LINE is not R's fields in the kernel's layout (the
 * line is then stored as it is) or OUT is too small.
 */
int mr_hist_line_fmt(const mr_maps_row *r, const char *line, size_t len,
		     uint64_t pgoff, char *out, size_t cap, int *shown_off);

#endif
