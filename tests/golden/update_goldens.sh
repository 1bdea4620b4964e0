#!/usr/bin/env bash
# Regenerate the golden file of every capture that has one
# (traces/*/golden.txt) after an intended change of the model, and say
# per capture what changed: "unchanged", or the first difference
# `mmreplay check` found before the file was written again.
#   tests/golden/update_goldens.sh [MMREPLAY] [NAME...]
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$top/build/replay/mmreplay}
shift || true
cd "$top" || exit 2
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for g in traces/*/golden.txt; do names+=("$(basename "$(dirname "$g")")"); done
fi
changed=0
for n in "${names[@]}"; do
	t=traces/$n/trace.strace.zst g=traces/$n/golden.txt
	if [ -f "$g" ] && out=$("$bin" check "$t" --golden "$g" 2>&1); then
		echo "$n: unchanged"
		continue
	fi
	[ -f "$g" ] && echo "$n: changed: $(echo "$out" | head -1)"
	[ -f "$g" ] || echo "$n: new"
	"$bin" check "$t" --golden "$g" --update >/dev/null || exit 2
	changed=$((changed + 1))
done
echo "$changed of ${#names[@]} golden files written"
