#!/usr/bin/env bash
# Programs the model was not written for: each VM stressor of stress-ng
# (Debian's package) recorded for a short run with `mmreplay record
# --faults`, then verified. Prints one line per stressor: exit snapshots,
# results predicted, results the trace does not decide, maps lines, and
# verify's verdict. Captures go to OUT (default /tmp/stress-ng-captures);
# needs root for perf's fault tracepoints.
#   traces/stress-ng/run.sh MMREPLAY [OUT] [STRESSOR...]
set -uo pipefail
bin=$(realpath "$1") out=${2:-/tmp/stress-ng-captures}
shift 2 2>/dev/null || shift $#
command -v stress-ng >/dev/null || { echo "stress-ng is not installed (apt-get install stress-ng)"; exit 77; }
list=("$@")
[ ${#list[@]} -gt 0 ] || list=(bad-altstack bigheap brk dev-shm env madvise malloc
	mlock mlockmany mmap mmapaddr mmapfixed mmapfork mmaphuge mmapmany mprotect
	mremap msync msyncmany munmap pagemove pageswap physpage shm shm-sysv stack
	stackmmap tmpfs userfaultfd vm vm-addr vm-rw vm-splice memfd remap rmap
	mincore mcontend memthrash tlb-shootdown fork vfork clone)
mkdir -p "$out"
for s in "${list[@]}"; do
	rm -rf "${out:?}/$s"
	timeout 150 "$bin" record -o "$out/$s" --faults -- \
		stress-ng --"$s" 1 --"$s"-ops 30 --timeout 3 >"$out/$s.rec" 2>&1
	"$bin" verify "$out/$s" >"$out/$s.verify" 2>&1
	f() { sed -n "s/^$1 *//p" "$out/$s.verify" | head -1; }
	echo "$s|$(f 'exit snapshots matched')|$(f 'results predicted')|$(f '  not predicted (undecided)')|$(f 'VMA lines matched')|$(tail -1 "$out/$s.verify")"
done
