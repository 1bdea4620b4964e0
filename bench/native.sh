#!/usr/bin/env bash
# Ingest benchmark of the native format: the workload's strace text and
# its .mmtr (mmreplay convert), each read REPS times by `replay --mode
# parse` (reading and decoding only) and by a full replay (--mode store),
# interleaved so that machine noise hits both alike. Prints per input the
# median events/s with min..max, the median ratio .mmtr/text of the
# runs' CPU times, and the sizes. Needs perf (linux-perf).
#
#   bench/native.sh [BUILD_DIR] [N] [REPS]     (defaults: build 300000 7)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build=${1:-build}
n=${2:-300000}
reps=${3:-7}
bench_setup "$build"
cap=$(bench_workload "$n")
t0=$(date +%s.%N)
"$bin" convert "$cap/trace.strace.zst" "$work/wl-$n.mmtr" >"$work/conv.out"
t1=$(date +%s.%N)

# one run: "events seconds", the seconds being the process's CPU time
# (perf stat's task-clock, to the microsecond: the replay's own clock
# prints milliseconds, too coarse for a 50 ms run)
one() { # MODE INPUT
	perf stat -x, -e task-clock -o "$work/one.stat" \
		"$bin" replay "$2" --snapshots "$cap/snap" --mode "$1" --db "$work/native.db" \
		--show 0 >"$work/one.out" 2>"$work/one.err" || true
	awk '/^events/{gsub(",","",$2); e=$2} END{printf "%s ", e}' "$work/one.out"
	awk -F, '/task-clock/{print $1 / 1000}' "$work/one.stat"
}
stats() { sort -g | awk '{v[NR]=$1} END{m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%.0f %.0f %.0f\n", m, v[1], v[NR]}'; }
stats3() { sort -g | awk '{v[NR]=$1} END{m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%.2f %.2f %.2f\n", m, v[1], v[NR]}'; }

for mode in parse store; do
	: >"$work/t.$mode" ; : >"$work/m.$mode"; : >"$work/r.$mode"
	for i in $(seq "$reps"); do
		read -r et st < <(one "$mode" "$cap/trace.strace.zst")
		read -r em sm < <(one "$mode" "$work/wl-$n.mmtr")
		[ "$et" = "$em" ] || { echo "event counts differ: $et vs $em" >&2; exit 1; }
		awk -v e="$et" -v s="$st" 'BEGIN{print e / s}' >>"$work/t.$mode"
		awk -v e="$em" -v s="$sm" 'BEGIN{print e / s}' >>"$work/m.$mode"
		awk -v a="$st" -v b="$sm" 'BEGIN{print a / b}' >>"$work/r.$mode"
	done
done

echo "workload: $n calls, $(cat "$work/conv.out")"
printf 'convert: %.2f s; text %d bytes, .mmtr %d bytes\n' "$(echo "$t1 - $t0" | bc)" \
	"$(stat -c %s "$cap/trace.strace.zst")" "$(stat -c %s "$work/wl-$n.mmtr")"
printf '%-6s %-6s %28s %28s\n' mode input "events/s median (min..max)" ""
for mode in parse store; do
	read -r m lo hi < <(stats <"$work/t.$mode")
	printf '%-6s %-6s %12s (%s..%s)\n' "$mode" text "$m" "$lo" "$hi"
	read -r m lo hi < <(stats <"$work/m.$mode")
	printf '%-6s %-6s %12s (%s..%s)\n' "$mode" .mmtr "$m" "$lo" "$hi"
	read -r m lo hi < <(stats3 <"$work/r.$mode")
	printf '%-6s speed-up .mmtr/text: %s (%s..%s), over %d interleaved pairs\n' "$mode" "$m" "$lo" "$hi" "$reps"
done
