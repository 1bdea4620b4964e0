#!/usr/bin/env bash
# The physical model's cost: records (once) a fault-heavy capture with
# `mmreplay record --faults` -- python writing every page of 256 MiB
# buffers, about 200,000 page faults, and the workload's own syscalls --
# then replays it REPS times with the whole model (pages, page tables,
# RSS checked against rss_stat, the buddy allocator and the SLUB caches
# of the simulated node, stored per step) and with the VMA-only model
# (--no-pages: the same faults applied to VMAs only), interleaved, and
# prints per model the median wall time with the spread, the ratio of
# the medians and the median peak RSS.
#
#   bench/phys.sh [BUILD_DIR] [REPS]     (defaults: build 5)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build=${1:-build}
reps=${2:-5}
bench_setup "$build"
cap=$(bench_faults)

one() { # EXTRA-OPTION -> "seconds peak_kib"
	"$bin" replay "$cap/trace.strace.zst" --db "$work/phys.db" --show 0 $1 \
		>"$work/phys.out" 2>"$work/phys.err" || true
	awk '/^time/{for (i = 1; i <= NF; i++) if ($i == "RSS") r = $(i + 1); print $2, r}' "$work/phys.err"
}

: >"$work/p.t"; : >"$work/v.t"; : >"$work/p.r"; : >"$work/v.r"
for i in $(seq 1 "$reps"); do
	read -r t r < <(one "")
	echo "$t" >>"$work/p.t"; echo "$r" >>"$work/p.r"
	read -r t r < <(one "--no-pages")
	echo "$t" >>"$work/v.t"; echo "$r" >>"$work/v.r"
done
faults=$(awk '/^page faults/{print $3}' "$work/phys.out" | tr -d :)
"$bin" replay "$cap/trace.strace.zst" --db "$work/phys.db" --show 0 >"$work/phys.out" 2>/dev/null || true
echo "capture: $(grep -c . <(zstd -dcq "$cap/trace.strace.zst")) trace lines, $faults page faults, $reps runs per model"
grep -E '^rss counters' "$work/phys.out" | sed 's/^/  /'
read -r pm plo phi < <(stats <"$work/p.t")
read -r vm vlo vhi < <(stats <"$work/v.t")
read -r pr _ _ < <(stats <"$work/p.r")
read -r vr _ _ < <(stats <"$work/v.r")
printf '  physical  %.3f s (min %.3f, max %.3f)  peak RSS %.0f KiB\n' "$pm" "$plo" "$phi" "$pr"
printf '  VMA-only  %.3f s (min %.3f, max %.3f)  peak RSS %.0f KiB\n' "$vm" "$vlo" "$vhi" "$vr"
awk -v p="$pm" -v v="$vm" 'BEGIN{printf "  ratio of medians %.2f (target <= 2: the whole model, issue 11)\n", p / v}'
