#!/usr/bin/env bash
# What revising assumptions about writes costs (docs/fidelity.md,
# "Revising assumptions"): the seeded workload recorded as a plain strace
# capture (bench/run.sh's, recorded here if missing) replayed REPS times
# with its history, with revision off (--revise 0), on results only
# (--no-revise-snapshots: a parse-only pass that finds the tasks under
# rule stress, then revision when a result contradicts) and on its exit
# snapshot too (the default), interleaved so that noise hits them alike;
# and a model-only replay, which is what each revision trial costs.
# Prints per variant the median wall time with min..max, and the ratios
# of the medians.
#
#   bench/revise.sh [BUILD_DIR] [N] [REPS]     (defaults: build 300000 5)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build=${1:-build}
n=${2:-300000}
reps=${3:-5}
bench_setup "$build"
cap=$(bench_workload "$n")

one() { # LABEL ARGS... -> seconds
	local t0 t1
	shift
	t0=$(date +%s.%N)
	"$bin" replay "$cap/trace.strace.zst" --snapshots "$cap/snap" --show 0 "$@" \
		>"$work/rev.out" 2>"$work/rev.err" || true
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f\n", b - a}'
}

: >"$work/off.t"; : >"$work/res.t"; : >"$work/on.t"; : >"$work/model.t"
for i in $(seq 1 "$reps"); do
	one off --db "$work/rev.db" --revise 0 >>"$work/off.t"
	one res --db "$work/rev.db" --no-revise-snapshots >>"$work/res.t"
	grep -E "^revision|under rule stress" "$work/rev.out" >"$work/res.line" || true
	one on --db "$work/rev.db" >>"$work/on.t"
	grep -E "^revision|under rule stress" "$work/rev.out" >"$work/rev.line" || true
	one model --mode model --revise 0 >>"$work/model.t"
done
read -r off olo ohi < <(stats <"$work/off.t")
read -r res rlo rhi < <(stats <"$work/res.t")
read -r on nlo nhi < <(stats <"$work/on.t")
read -r mo mlo mhi < <(stats <"$work/model.t")
echo "capture wl-$n (plain strace, no fault table): $reps runs each, interleaved"
printf '  %-40s %7.3f s (min %.3f, max %.3f)\n' "replay, --revise 0" "$off" "$olo" "$ohi"
printf '  %-40s %7.3f s (min %.3f, max %.3f)\n' "replay, revising on results only" "$res" "$rlo" "$rhi"
printf '  %-40s %7.3f s (min %.3f, max %.3f)\n' "replay, revising on the exit snapshot too" "$on" "$nlo" "$nhi"
printf '  %-40s %7.3f s (min %.3f, max %.3f)\n' "model-only replay (one trial)" "$mo" "$mlo" "$mhi"
awk -v a="$on" -v r="$res" -v b="$off" -v m="$mo" 'BEGIN{printf "  ratios to --revise 0: results only %.2f, with the snapshot %.2f, one trial %.2f\n", r / b, a / b, m / b}'
sed 's/^/  results only: /' "$work/res.line"
sed 's/^/  with the snapshot: /' "$work/rev.line"
