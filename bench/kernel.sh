#!/usr/bin/env bash
# Replay against the kernel: for each of two captures -- the seeded
# workload of N memory syscalls (syscall-only, `mmreplay record`) and
# python writing every page of 256 MiB three times (`record --faults`:
# about 200,000 page faults) -- runs the same program natively and
# replays its capture in three modes (store: the whole model with its
# history, as `mmreplay replay` does without --revise; model; parse),
# REPS times, interleaved so that noise hits all alike. Prints per mode
# the median wall time with min..max, the median of each repetition's
# replay/kernel ratio with its spread, and the history's size against
# the uncompressed trace. With BASE_MMREPLAY (an older build's binary),
# its store mode runs in the same rounds: the ratio before and after.
#
#   bench/kernel.sh [BUILD_DIR] [N] [REPS] [BASE_MMREPLAY]
#                                              (defaults: build 300000 7)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build=${1:-build}
n=${2:-300000}
reps=${3:-7}
base=${4:-}
bench_setup "$build"
[ -z "$base" ] || [ -x "$base" ] || { echo "$base: not an executable" >&2; exit 2; }
wlcap=$(bench_workload "$n")
fcap=$(bench_faults)

secs() { # COMMAND... -> wall seconds (EPOCHREALTIME, to the microsecond)
	local t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1 || true
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.6f\n", b - a}'
}

# replay CAPTURE MODE [BINARY]: one replay of CAPTURE's trace with its
# snapshots
replay() {
	"${3:-$bin}" replay "$1/trace.strace.zst" --snapshots "$1/snap" --mode "$2" \
		--revise 0 --show 0 --db "$work/kernel.db"
}

# one CAPTURE MODE: seconds of that replay (mode base: BASE's store)
one() {
	if [ "$2" = base ]; then
		secs replay "$1" store "$base"
	else
		secs replay "$1" "$2"
	fi
}

modes="store model parse"
[ -z "$base" ] || modes="$modes base"
for c in wl faults; do
	for m in native $modes; do : >"$work/k.$c.$m"; done
done
for i in $(seq "$reps"); do
	secs "$wl" 1 "$n" >>"$work/k.wl.native"
	for m in $modes; do one "$wlcap" "$m" >>"$work/k.wl.$m"; done
	secs /usr/bin/python3 -c "$faults_py" >>"$work/k.faults.native"
	for m in $modes; do one "$fcap" "$m" >>"$work/k.faults.$m"; done
done

echo "machine: $(nproc) CPUs, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg); $reps interleaved runs"
[ -z "$base" ] || echo "base: the store mode of $base"
for c in wl faults; do
	cap=$wlcap
	what="mr_workload 1 $n (syscall-only)"
	if [ "$c" = faults ]; then
		cap=$fcap
		what="python writing 3 x 256 MiB (record --faults)"
	fi
	tb=$(zstd -dcq "$cap/trace.strace.zst" | wc -c)
	pb=0
	[ -f "$cap/snap/perf.txt.zst" ] && pb=$(zstd -dcq "$cap/snap/perf.txt.zst" | wc -c)
	replay "$cap" store >"$work/k.out" 2>&1 || true
	hb=$(stat -c %s "$work/kernel.db")
	ev=$(awk '/^events/{gsub(",", "", $2); print $2}' "$work/k.out")
	echo "$what: $ev trace events; trace $tb bytes, perf text $pb bytes; history $hb bytes ($(awk -v h="$hb" -v t="$((tb + pb))" 'BEGIN{printf "%.3f", h / t}') x the uncompressed capture)"
	read -r km klo khi < <(stats <"$work/k.$c.native")
	printf '  %-7s %8.3f s (%.3f .. %.3f)\n' kernel "$km" "$klo" "$khi"
	for m in $modes; do
		read -r mm mlo mhi < <(stats <"$work/k.$c.$m")
		read -r rm rlo rhi < <(paste "$work/k.$c.$m" "$work/k.$c.native" | awk '{print $1 / $2}' | stats)
		printf '  %-7s %8.3f s (%.3f .. %.3f)  replay/kernel %.2f (%.2f .. %.2f)\n' \
			"$m" "$mm" "$mlo" "$mhi" "$rm" "$rlo" "$rhi"
	done
done
