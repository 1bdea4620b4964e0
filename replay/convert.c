/*
 * convert.c - `mmreplay convert IN... OUT.mmtr`: read a trace in any shape
 * the reader knows (strace -o, stderr, -ff files, or another .mmtr) and
 * write it as .mmtr, with the capture's fault table (snap/faults.tsv.zst
 * beside IN, or --faults FILE).
 *
 * OUT is written beside itself under a temporary name and renamed into
 * place when complete, so an interrupted or failed conversion leaves no
 * half file and never damages an existing one. An existing OUT is
 * replaced only when it is a .mmtr file or empty.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/errcode.h"
#include "formats/faults.h"
#include "formats/native.h"
#include "formats/reader.h"
#include "replay/convert.h"
#include "replay/nodecli.h"

#include <signal.h> /* after event.h: it defines si_addr */

/* The file being written, removed if a signal ends the conversion. */
static char tmp_path[PATH_MAX + 32];

static void on_signal(int sig)
{
	if (tmp_path[0])
		unlink(tmp_path);
	_exit(128 + sig);
}

static int usage(const char *msg)
{
	fprintf(stderr,
		"mmreplay convert: %s\n"
		"usage: mmreplay convert IN [IN...] OUT.mmtr [--faults FILE | "
		"--no-faults]\n"
		"       [--format auto|strace|strace-ff|mmtr|perf-trace]\n",
		msg);
	return 2;
}

/* May OUT be written? 0, or 2 with a message. */
static int out_ok(const char *out, char *const *in, int nin)
{
	struct stat st;

	if (!*out) {
		fprintf(stderr, "mmreplay convert: OUT is an empty name\n");
		return 2;
	}
	for (int i = 0; i < nin; i++)
		if (mr_cli_same_file(out, in[i])) {
			fprintf(stderr,
				"mmreplay convert: %s is the input itself: "
				"give another OUT\n",
				out);
			return 2;
		}
	if (stat(out, &st) != 0)
		return 0;
	if (!S_ISREG(st.st_mode) || (st.st_size && !mr_native_is(out))) {
		fprintf(stderr,
			"mmreplay convert: %s exists and is not a .mmtr file: "
			"not replaced\n",
			out);
		return 2;
	}
	return 0;
}

/* "dir/trace.strace.zst" -> "dir/snap/faults.tsv.zst", when it exists. */
static int default_faults(const char *in, char *buf, size_t len)
{
	const char *slash = strrchr(in, '/');
	int n = slash ? (int)(slash - in) + 1 : 0;

	snprintf(buf, len, "%.*ssnap/faults.tsv.zst", n, in);
	return access(buf, R_OK) == 0;
}

int mr_cmd_convert(int argc, char **argv)
{
	static const struct option opts[] = {
		{"faults", required_argument, 0, 'F'},
		{"no-faults", no_argument, 0, 'N'},
		{"format", required_argument, 0, 'T'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	const char *faults = NULL, *out;
	char err[1024], fbuf[PATH_MAX], src[PATH_MAX];
	int c, no_faults = 0, nin, rc, fmt = MR_FMT_AUTO;
	mr_reader *rd;
	mr_faults f = {0};
	mr_native_stats st;
	struct sigaction sa, old[3];

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			faults = optarg;
			break;
		case 'N':
			no_faults = 1;
			break;
		case 'T':
			if (mr_format_parse(optarg, &fmt))
				return usage("--format: expected auto, strace, "
					     "strace-ff, mmtr or perf-trace");
			break;
		case 'h':
			printf("usage: mmreplay convert IN [IN...] OUT.mmtr "
			       "[--faults FILE | --no-faults]\n"
			       "       [--format "
			       "auto|strace|strace-ff|mmtr|perf-trace]\n");
			return 0;
		default:
			return usage("bad option");
		}
	}
	nin = argc - optind - 1;
	if (nin < 1)
		return usage("expected IN and OUT.mmtr");
	if (faults && no_faults)
		return usage("--faults and --no-faults: give one");
	if (nin > 1 && fmt != MR_FMT_AUTO && fmt != MR_FMT_STRACE_FF)
		return usage("several IN files are strace -ff files");
	out = argv[argc - 1];
	if (out_ok(out, argv + optind, nin))
		return 2;
	if (!faults && !no_faults && nin == 1 &&
	    default_faults(argv[optind], fbuf, sizeof(fbuf)))
		faults = fbuf;
	if (faults && mr_faults_load(&f, faults, err, sizeof(err))) {
		fprintf(stderr, "mmreplay convert: %s\n", err);
		return 2;
	}
	rc = nin > 1 ? mr_reader_open_files(&rd,
					    (const char *const *)argv + optind,
					    (size_t)nin, err, sizeof(err))
		     : mr_reader_open_fmt(&rd, argv[optind], fmt, err,
					  sizeof(err));
	if (rc) {
		fprintf(stderr, "mmreplay convert: %s\n", err);
		mr_faults_release(&f);
		return 2;
	}
	/* the source, absolute, so reports find its lines from anywhere
	 * (a .mmtr's own source when the input is one) */
	if (nin > 1 || (mr_native_source(argv[optind], src, sizeof(src)) &&
			!realpath(argv[optind], src)))
		snprintf(src, sizeof(src), "%s", mr_reader_path(rd));
	snprintf(tmp_path, sizeof(tmp_path), "%s.tmp.%ld", out, (long)getpid());
	/* interrupted, the temporary file goes and OUT is untouched */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
	sigaction(SIGHUP, &sa, &old[2]);
	rc = mr_native_write(rd, src, faults ? &f : NULL, tmp_path, &st, err,
			     sizeof(err));
	if (!rc && rename(tmp_path, out)) {
		snprintf(err, sizeof(err), "%s: %s", out, strerror(errno));
		rc = MR_EIO;
	}
	if (rc)
		unlink(tmp_path);
	tmp_path[0] = '\0';
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
	sigaction(SIGHUP, &old[2], NULL);
	if (rc) {
		fprintf(stderr, "mmreplay convert: %s\n", err);
	} else {
		uint64_t in_bytes = mr_reader_bytes_in(rd);

		printf("%s: %llu events from %llu lines, %llu faults, %llu "
		       "bytes (%.1f%% of the %llu bytes read)\n",
		       out, (unsigned long long)st.events,
		       (unsigned long long)st.lines,
		       (unsigned long long)st.faults,
		       (unsigned long long)st.bytes,
		       in_bytes ? 100.0 * (double)st.bytes / (double)in_bytes
				: 0.0,
		       (unsigned long long)in_bytes);
		if (st.warnings)
			printf("%llu lines of the source were skipped "
			       "(warnings); the .mmtr holds their count\n",
			       (unsigned long long)st.warnings);
	}
	mr_reader_free(rd);
	mr_faults_release(&f);
	return rc ? 2 : 0;
}
