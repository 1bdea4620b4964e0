#!/usr/bin/env bash
# Throughput benchmark: records (once) a large seeded workload with
# `mmreplay record`, then replays it REPS times in each mode -- parse only,
# parse+model, parse+model+store -- and prints, per mode, the median
# events/s with the spread (min..max), the median peak RSS, and the
# history's size. A second, shorter workload shows whether peak RSS grows
# with trace length. Modes are interleaved within each repetition so that
# machine noise hits them alike; compare ratios from one run.
#
#   bench/run.sh [BUILD_DIR] [N] [REPS]     (defaults: build 300000 5)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build=${1:-build}
n=${2:-300000}
reps=${3:-5}
bench_setup "$build"
bench_workload "$n" >/dev/null
small=$((n / 3))
bench_workload "$small" >/dev/null

# one run: prints "events seconds peak_kib"
one() { # MODE CAPTURE DB
	"$bin" replay "$2/trace.strace.zst" --snapshots "$2/snap" --mode "$1" \
		--db "$3" --show 0 >"$work/one.out" 2>"$work/one.err" || true
	local ev
	ev=$(awk '/^events/{gsub(",","",$2); print $2}' "$work/one.out")
	awk -v ev="$ev" '/^time/{for (i = 1; i <= NF; i++) if ($i == "RSS") r = $(i + 1); print ev, $2, r}' "$work/one.err"
}


for cap in "$work/wl-$n" "$work/wl-$small"; do
	events=""
	for mode in parse model store; do : >"$work/$mode.rate"; : >"$work/$mode.rss"; done
	for i in $(seq 1 "$reps"); do
		for mode in parse model store; do
			read -r ev secs rss < <(one "$mode" "$cap" "$work/bench.db")
			events=$ev
			awk -v e="$ev" -v s="$secs" 'BEGIN{printf "%.0f\n", e/s}' >>"$work/$mode.rate"
			echo "$rss" >>"$work/$mode.rss"
		done
	done
	echo "capture $(basename "$cap"): $events events, $reps runs per mode"
	for mode in parse model store; do
		read -r med lo hi < <(stats <"$work/$mode.rate")
		read -r rss _ _ < <(stats <"$work/$mode.rss")
		printf '  %-6s %9.0f events/s (min %.0f, max %.0f)  peak RSS %6.0f KiB\n' \
			"$mode" "$med" "$lo" "$hi" "$rss"
	done
	"$bin" replay "$cap/trace.strace.zst" --no-snapshots --db "$work/size.db" -q 2>/dev/null || true
	echo "  history size $(du -k "$work/size.db" | cut -f1) KiB"
done
