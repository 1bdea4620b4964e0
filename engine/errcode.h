/*
 * errcode.h - mmreplay's C error codes, shared by every module.
 *
 * 0 is success; negative values are failures a caller may branch on.
 * Modelled syscall failures are not C errors: the model returns the
 * kernel's errno as data (-ENOMEM as a predicted result).
 */
#ifndef MR_ENGINE_ERRCODE_H
#define MR_ENGINE_ERRCODE_H

#define MR_OK 0
#define MR_ECORRUPT                                                            \
	(-1001)		  /* malformed input: file, line, column in errmsg     \
			   */
#define MR_ENOMEM (-1002) /* out of memory */
#define MR_EIO (-1003)	  /* reading or writing a file failed */
#define MR_EDB (-1004)	  /* the SQLite store failed */
#define MR_EUSAGE (-1005) /* bad arguments from the user */

#endif
