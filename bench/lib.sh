# Sourced by the benchmarks: the binaries of a build, its data folder,
# the seeded workload recorded once, and the median with its spread.

# bench_setup BUILD_DIR: sets bin, wl and work (made), or exits 2 when
# the build lacks mmreplay or mr_workload.
bench_setup() {
	bin=$1/replay/mmreplay
	wl=$1/bench/mr_workload
	work=$1/bench/data
	mkdir -p "$work"
	[ -x "$bin" ] && [ -x "$wl" ] || { echo "build first: cmake --build $1" >&2; exit 2; }
}

# bench_workload N: records the workload of N calls (seed 1) into
# $work/wl-N unless it is there, and prints that folder.
bench_workload() {
	local cap=$work/wl-$1
	[ -f "$cap/trace.strace.zst" ] || "$bin" record -o "$cap" -- "$wl" 1 "$1" >/dev/null
	echo "$cap"
}

# The fault-heavy program: python writing one byte of every page of a
# 256 MiB buffer, three times (about 200,000 page faults).
faults_py='
n = 256 << 20
for r in range(3):
    b = bytearray(n)
    b[::4096] = b"\x01" * (n // 4096)
    del b
'

# bench_faults: records faults_py with `record --faults` into
# $work/faults unless it is there, and prints that folder.
bench_faults() {
	local cap=$work/faults
	if [ ! -f "$cap/snap/perf.txt.zst" ]; then
		rm -rf "$cap"
		"$bin" record -o "$cap" --faults -- /usr/bin/python3 -c "$faults_py" >/dev/null
	fi
	echo "$cap"
}

stats() { # values on stdin -> "median min max"
	sort -g | awk '{v[NR]=$1} END{m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; print m, v[1], v[NR]}'
}
