#!/usr/bin/env bash
# At-step views on a long history: records (once) the seeded workload of
# 300,000 memory syscalls (as bench/run.sh does), replays it, and runs
# bench/views.py: the query `mmreplay maps --at N` runs through vma_at
# against a scan of the vma rows, and the whole maps, status and diff
# processes, at nine steps spread across the history, REPS runs each
# (median, min, max). With BASE_MMREPLAY (a build without vma_at), it
# also replays the capture REPS times with each binary, interleaved, and
# prints the replay times and history sizes: vma_at's cost.
#
#   bench/views.sh [BUILD_DIR] [REPS] [BASE_MMREPLAY]   (defaults: build 5)
set -euo pipefail
build=${1:-build}
reps=${2:-5}
base=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bench_setup "$build"
cap=$(bench_workload 300000)

one() { # BINARY DB -> seconds
	rm -f "$2"
	"$1" replay "$cap/trace.strace.zst" --snapshots "$cap/snap" --db "$2" \
		--show 0 >/dev/null 2>"$work/views.err" || true
	awk '/^time/{print $2}' "$work/views.err"
}

db=$work/views.db
if [ -n "$base" ]; then
	: >"$work/n.t"; : >"$work/b.t"
	for _ in $(seq 1 "$reps"); do
		one "$base" "$work/views-base.db" >>"$work/b.t"
		one "$bin" "$db" >>"$work/n.t"
	done
	read -r nm nlo nhi < <(stats <"$work/n.t")
	read -r bm blo bhi < <(stats <"$work/b.t")
	printf 'replay with vma_at  %.3f s (min %.3f, max %.3f), history %d bytes\n' \
		"$nm" "$nlo" "$nhi" "$(stat -c %s "$db")"
	printf 'replay without      %.3f s (min %.3f, max %.3f), history %d bytes\n' \
		"$bm" "$blo" "$bhi" "$(stat -c %s "$work/views-base.db")"
	awk -v n="$nm" -v b="$bm" 'BEGIN{printf "ratio of medians %.3f\n", n / b}'
else
	one "$bin" "$db" >/dev/null
fi
pid=$(sqlite3 -readonly "$db" 'SELECT pid FROM vma GROUP BY pid ORDER BY count(*) DESC LIMIT 1' 2>/dev/null ||
	python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT pid FROM vma GROUP BY pid ORDER BY count(*) DESC LIMIT 1").fetchone()[0])' "$db")
python3 "$here/views.py" "$db" "$bin" "$pid" "$reps"
