/*
 * record.h - `mmreplay record`: capture a command's syscalls with strace
 * and take ground-truth /proc snapshots at execve exit and exit_group
 * entry (and, on request, at the exit of every memory syscall).
 *
 *   mmreplay record [-o DIR] [--every-syscall] [--hold-ms N] -- CMD [ARG...]
 *
 * DIR (default "capture") receives, following the snapshot convention of
 * DESIGN.md:
 *
 *   trace.strace.zst            strace -f -ttt -T -y -s 256 output
 *   snap/TID.exec.N.{maps,smaps,status,stat}
 *                               right after the Nth successful execve or
 *                               execveat whose result line carries TID
 *                               (the launcher's exec is the first one of
 *                               the first process and has no snapshot:
 *                               CMD's own exec is its exec.2)
 *   snap/TID.exit.{maps,smaps,status,stat}
 *                               at entry of exit_group by TID
 *   snap/TID.line.L.maps        (--every-syscall) at the exit of the
 *                               mmap, munmap, mprotect, brk, mremap,
 *                               madvise, mlock* or munlock* call whose
 *                               result is on trace line L
 *   snap/files.tsv              MAJ:MIN<TAB>INODE<TAB>PATH of every file
 *                               seen mapped, sorted by path
 *
 * How: strace holds each tracee for --hold-ms (default 100) with
 * `-e inject=...:delay_exit=` / `delay_enter=`; the recorder polls the
 * tracees' /proc/TID/syscall every millisecond and copies /proc while a
 * tracee is held. Holds are matched to trace lines afterwards (the k-th
 * hold of a TID is its k-th "(DELAYED)" call). A hold that was missed makes
 * the recording fail.
 *
 * CMD is started through a launcher: strace runs this same binary as
 * `SELF record __exec PATH ARGV0 ARG...`, which only calls execv(PATH,
 * ARGV), so that CMD's own execve is held and snapshotted. The caller's
 * main() must therefore hand `SELF record ...` to mr_record_main() with
 * argv[0] = "record" before doing anything else. PATH is CMD resolved
 * through $PATH by the recorder. The launcher's few pre-exec syscalls stay
 * in the trace.
 */
#ifndef MR_REPLAY_RECORD_H
#define MR_REPLAY_RECORD_H

/*
 * Run the `record` subcommand; argv[0] is "record". Returns the process
 * exit code: CMD's exit status (128+signal if it was killed), 1 when the
 * recording failed (strace could not run, a hold was missed, the trace
 * could not be read or written), 2 on a usage error, 127 when CMD is not
 * found. Messages go to stderr.
 */
int mr_record_main(int argc, char **argv);

#endif
