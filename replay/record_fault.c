/*
 * record_fault.c - `mmreplay record --faults`: the kernel's tracepoints
 * of the run, kept as `perf script` text in the capture.
 *
 * perf records, for strace and everything below it, the tracepoints the
 * physical model reads (MR_REC_PERF_EVENTS, docs/capture.md) into
 * DIR/perf.data. Afterwards `perf script -F comm,tid,pid,cpu,time,event,
 * trace --show-lost-events` turns it into text, kept compressed as
 * snap/perf.txt.zst: the same text a user who records by hand gives
 * `replay --perf`. The recording is checked the way the replay will
 * read it (formats/perfplace.h): every syscall exit of a traced task
 * must be its next trace line with the same return value, and no event
 * may be lost.
 */
#include "replay/record.h"
#include "replay/record_int.h"

#include <inttypes.h>

#include "formats/perfplace.h"

/* Run `perf script` on DATA with its text into OUT. */
static int perf_script(const char *data, const char *out)
{
	char *argv[] = {"perf",
			"script",
			"-i",
			(char *)data,
			"--show-lost-events",
			"-F",
			"comm,tid,pid,cpu,time,event,trace",
			NULL};
	int fd, st;
	pid_t pid;

	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fd);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

int mr_rec_faults(const char *data, const char *trace, const char *snapdir)
{
	char txt[PATH_MAX], zst[PATH_MAX], err[1024];
	mr_placed pl;
	int rc;

	mr_rec_pathf(txt, sizeof(txt), "%s/perf.txt", snapdir);
	mr_rec_pathf(zst, sizeof(zst), "%s/perf.txt.zst", snapdir);
	if (perf_script(data, txt) < 0) {
		fprintf(stderr, "record: faults: perf script failed on %s\n",
			data);
		unlink(txt);
		return -1;
	}
	err[0] = 0;
	rc = mr_place_perf(&pl, txt, trace, err, sizeof(err));
	if (rc < 0) {
		/* the text stays for a look at the line named */
		fprintf(stderr, "record: faults: %s\n", err);
		return -1;
	}
	fprintf(stderr,
		"record: %zu perf events placed in the trace, %zu of them page "
		"faults (%" PRIu64 " syscall exits matched to trace lines, %" PRIu64
		" events of other tasks dropped)\n",
		pl.n, pl.faults, pl.exits, pl.dropped);
	mr_placed_release(&pl);
	rc = mr_rec_compress_file(txt, zst, 1);
	unlink(txt);
	if (rc < 0)
		fprintf(stderr, "record: cannot write %s\n", zst);
	return rc;
}
