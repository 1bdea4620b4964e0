/*
 * event.h - the one event type every trace source produces.
 *
 * A reader (strace, later perf and the native format) turns bytes into a
 * stream of mr_event, one per completed syscall (unfinished/resumed halves
 * already merged), signal, exit or notice. The event knows nothing of the
 * model: it carries what the trace said, decoded where mmreplay needs it.
 *
 * Strings in an event (name, args, path, ...) are lent by the reader and
 * stay valid until the next call to mr_reader_next() or mr_reader_free().
 */
#ifndef MR_FORMATS_EVENT_H
#define MR_FORMATS_EVENT_H

#include <stdint.h>

enum mr_event_kind {
	MR_EV_SYSCALL = 1, /* a syscall with its result */
	MR_EV_SIGNAL,	   /* "--- SIGSEGV {...} ---" */
	MR_EV_EXIT,	   /* "+++ exited with N +++" */
	MR_EV_KILLED,	   /* "+++ killed by SIG +++" */
	MR_EV_SUPERSEDED,  /* "+++ superseded by execve in pid N +++" */
};

/* Syscalls mmreplay decodes; everything else is MR_SYS_OTHER. */
enum mr_sysno {
	MR_SYS_OTHER = 0,
	MR_SYS_MMAP,
	MR_SYS_MUNMAP,
	MR_SYS_MPROTECT,
	MR_SYS_BRK,
	MR_SYS_MREMAP,
	MR_SYS_MADVISE,
	MR_SYS_MLOCK,
	MR_SYS_MLOCK2,
	MR_SYS_MUNLOCK,
	MR_SYS_MLOCKALL,
	MR_SYS_MUNLOCKALL,
	MR_SYS_CLONE,
	MR_SYS_CLONE3,
	MR_SYS_FORK,
	MR_SYS_VFORK,
	MR_SYS_EXECVE,
	MR_SYS_EXECVEAT,
	MR_SYS_EXIT,
	MR_SYS_EXIT_GROUP,
	MR_SYS_OPEN,	 /* open(path, flags[, mode]) */
	MR_SYS_OPENAT,	 /* openat(dirfd, path, flags[, mode]) */
	MR_SYS_CLOSE,	 /* close(fd) */
	MR_SYS_DUP,	 /* dup(fd) */
	MR_SYS_DUP2,	 /* dup2(old, new) and dup3(old, new, flags) */
	MR_SYS_UNLINK,	 /* unlink(path) */
	MR_SYS_UNLINKAT, /* unlinkat(dirfd, path, flags) */
	MR_SYS_MSEAL,	 /* mseal(addr, len, flags); strace 6.1 prints it
			    as syscall_0x1ce */
	MR_SYS_MSYNC,	 /* msync(addr, len, flags) */
	MR_SYS_SHMGET,	 /* shmget(key, size, flags) */
	MR_SYS_SHMAT,	 /* shmat(shmid, addr, flags) */
	MR_SYS_SHMDT,	 /* shmdt(addr) */
	MR_SYS_SHMCTL,	 /* shmctl(shmid, cmd, buf) */
	MR_SYS_PRCTL,	 /* prctl(option, ...): PR_SET_VMA decoded */
	MR_SYS_RENAME,	 /* rename(old, new) */
	MR_SYS_RENAMEAT, /* renameat(olddirfd, old, newdirfd, new) and
			    renameat2(..., flags) */
	MR_SYS_REMAP_FILE_PAGES, /* remap_file_pages(start, size, prot,
				    pgoff, flags) */
	MR_SYS__COUNT
};

/* How the result column read. */
enum mr_ret_kind {
	MR_RET_VALUE = 1, /* "= 0x7f..." / "= 3</path>": ret holds it */
	MR_RET_ERROR,	  /* "= -1 ENOMEM (...)": ret holds -errno */
	MR_RET_UNKNOWN,	  /* "= ?" (no return, e.g. exit) or "<unavailable>" */
	MR_RET_RESTART,	  /* "= ? ERESTARTSYS (...)": ret holds -errno */
};

/* Annotations after the result. */
#define MR_EVF_DELAYED 0x1u  /* "(DELAYED)" */
#define MR_EVF_INJECTED 0x2u /* "(INJECTED)" */
#define MR_EVF_MERGED 0x4u   /* built from <unfinished ...> + resumed */
#define MR_EVF_STOPPED                                                         \
	0x8u /* "--- stopped by SIGSTOP ---": a group                          \
		stop, not a signal delivery */

#define MR_EV_NARGS 6

typedef struct mr_event {
	int kind;	     /* enum mr_event_kind */
	int sys;	     /* enum mr_sysno for MR_EV_SYSCALL */
	int32_t pid;	     /* pid column (a tid under -f), 0 if none */
	uint32_t flags;	     /* MR_EVF_* */
	uint64_t line;	     /* 1-based line carrying the result */
	uint64_t first_line; /* line where the call started */
	int64_t ts_ns;	     /* timestamp in ns (-ttt: since epoch, -t/-tt:
				since midnight); -1 when absent */
	int64_t dur_ns;	     /* -T duration in ns ("<0.000021>"), -1 when
				absent */
	const char *name;    /* syscall name as printed ("mmap") */
	const char *args;    /* argument text between the parentheses,
				halves joined for merged calls */
	uint64_t arg[MR_EV_NARGS]; /* decoded arguments (see below) */
	uint8_t nargs;		   /* number of decoded arguments */
	int ret_kind;		   /* enum mr_ret_kind */
	int64_t ret;		   /* value, or -errno */
	const char *ret_path;	   /* -y path of a returned fd, or NULL */
	const char *fd_path;	   /* -y path of the fd argument (mmap's fd,
				      close's fd, dup's old fd), or NULL */
	const char *str;	   /* decoded string argument: the path of
				      execve/open/openat/unlink, rename's
				      old path, PR_SET_VMA's name; NULL
				      otherwise */
	const char *str2;	   /* rename's new path, or NULL */
	int signo;	  /* MR_EV_SIGNAL, MR_EV_KILLED: signal number */
	int si_code;	  /* MR_EV_SIGNAL: si_code value, 0 if absent */
	uint64_t si_addr; /* MR_EV_SIGNAL: si_addr, 0 if absent */
	int exit_code;	  /* MR_EV_EXIT: status; MR_EV_SUPERSEDED: pid */
	int core_dumped;  /* MR_EV_KILLED: "(core dumped)" */
} mr_event;

/*
 * Decoded arguments, in the syscall's own order, numbers as the kernel
 * receives them (symbolic flags turned to their values, -1 fds as
 * 0xffffffffffffffff):
 *   mmap        addr len prot flags fd off
 *   munmap      addr len
 *   mprotect    addr len prot (pkey_mprotect: pkey as well)
 *   brk         addr
 *   mremap      old_addr old_len new_len flags [new_addr]
 *   madvise     addr len advice
 *   mlock       addr len            mlock2 addr len flags
 *   munlock     addr len
 *   mlockall    flags               munlockall (none)
 *   clone       flags (the CLONE_* bits and the exit signal)
 *   clone3      flags (from the struct's flags= field)
 *   fork, vfork (none)
 *   execve      (none; str = path)  execveat dirfd (str = path) flags
 *   exit, exit_group status
 *   open        flags (str = path)  openat dirfd flags (str = path)
 *   close, dup  fd                  dup2/dup3 oldfd newfd
 *   unlink      (str = path)        unlinkat dirfd (str = path) flags
 *   mseal       addr len flags
 *   msync       addr len flags
 *   shmget      key size flags      shmat shmid addr flags
 *   shmdt       addr                shmctl shmid cmd
 *   prctl       option; for PR_SET_VMA: option sub addr len (str = name)
 *   rename      (str = old, str2 = new)
 *   renameat    olddirfd newdirfd [flags] (str = old, str2 = new)
 */

#endif
