#!/usr/bin/env bash
# Bounded resources: peak RSS against trace length, the longest line, and
# the history's size against the trace's.
#
#  - synthetic syscall-only traces (bench/synth.awk: one process maps 64
#    pages at a fixed address, splits them with 30 mprotects and unmaps
#    them, over and over; every result is the kernel's) of 1M and 10M
#    lines, replayed in full (--mode store): peak RSS, time, history
#    bytes per step and per trace byte;
#  - one line of 256 MiB less 100 bytes (a write() of a 256 MiB buffer
#    with strace -s): read and replayed, its peak RSS;
#  - the recorded workload of bench/run.sh, when it is there: the same
#    history ratio on a real capture.
#
#   bench/resources.sh [BUILD_DIR] [BIG_LINES]   (defaults: build 10000000)
set -euo pipefail
build=${1:-build}
big=${2:-10000000}
bin=$build/replay/mmreplay
work=$build/bench/data/resources
mkdir -p "$work"
[ -x "$bin" ] || { echo "build first: cmake --build $build" >&2; exit 2; }
here=$(dirname "$0")

one() { # NAME TRACE -> prints a row
	local name=$1 trace=$2 raw
	rm -f "$work/h.db"
	/usr/bin/time -f "%e %M" -o "$work/time" \
		"$bin" replay "$trace" --db "$work/h.db" --no-snapshots -q >"$work/out" 2>&1 || [ $? = 1 ] ||
		{ echo "replay of $name failed:" >&2; cat "$work/out" >&2; exit 1; }
	read -r secs kib < <(tail -1 "$work/time")
	raw=$(zstdcat -f "$trace" | wc -c)
	steps=$(sqlite3 "$work/h.db" "select count(*) from step")
	hist=$(stat -c %s "$work/h.db")
	printf '%-22s %11s %9.1f %11.1f %12d %10.0f %8.2f\n' "$name" "$steps" "$secs" \
		"$(echo "$kib / 1024" | bc -l)" "$hist" "$(echo "$hist / $steps" | bc -l)" \
		"$(echo "$hist / $raw" | bc -l)"
}

printf '%-22s %11s %9s %11s %12s %10s %8s\n' trace steps seconds "peak MiB" "history B" "B/step" "x trace"
for n in 1000000 "$big"; do
	t=$work/synth-$n.strace.zst
	[ -f "$t" ] || awk -v N="$n" -f "$here/synth.awk" | zstd -q -1 -o "$t"
	one "synthetic $n" "$t"
done

# One line of 256 MiB less 100 bytes.
t=$work/longline.strace.zst
if [ ! -f "$t" ]; then
	len=$(( (256 << 20) - 100 - 64 ))
	{
		echo '4242 1796650000.000000 execve("/usr/bin/true", ["true"], 0x7ffd0000 /* 1 var */) = 0'
		printf '4242 1796650000.000100 write(1, "'
		head -c "$len" /dev/zero | tr '\0' 'a'
		printf '", %d) = %d\n' "$len" "$len"
		echo '4242 1796650000.000200 exit_group(0) = ?'
		echo '4242 1796650000.000200 +++ exited with 0 +++'
	} | zstd -q -1 -o "$t"
fi
one "a 256 MiB line" "$t"

wl=$build/bench/data/wl-300000/trace.strace.zst
[ -f "$wl" ] && one "workload 300000" "$wl"
exit 0
