#!/usr/bin/env bash
# End to end on this machine's kernel: record real programs with
# `mmreplay record`, then replay each capture; the replay must be clean and
# every exit snapshot must match the model. Skips (77) without strace.
#   record.sh MMREPLAY WORK_DIR
set -uo pipefail
bin=$(realpath "$1") work=$2
command -v strace >/dev/null || { echo "strace not installed: skipped"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fails=0 passes=0

check() { # NAME CMD...
	local name=$1
	shift
	if ! "$bin" record -o "$name" -- "$@" >"$name.out" 2>"$name.err"; then
		echo "FAIL: record $name"; cat "$name.err"; fails=$((fails + 1)); return
	fi
	local ex
	ex=$(find "$name/snap" -name '*.exit.maps' | wc -l)
	if [ ! -f "$name/trace.strace.zst" ] || [ ! -f "$name/snap/files.tsv" ] ||
	   [ -z "$(find "$name/snap" -name '*.exec.*.maps')" ] || [ "$ex" -eq 0 ]; then
		echo "FAIL: $name: capture incomplete"; ls -R "$name"; fails=$((fails + 1)); return
	fi
	if ! "$bin" replay "$name/trace.strace.zst" --db "$name.db" >"$name.replay" 2>&1; then
		echo "FAIL: replay $name"; cat "$name.replay"; fails=$((fails + 1)); return
	fi
	if ! grep -q "exit snapshots $ex/$ex matched" "$name.replay"; then
		echo "FAIL: $name: exit snapshots"; cat "$name.replay"; fails=$((fails + 1)); return
	fi
	passes=$((passes + 1))
}

check true /bin/true
check pipeline sh -c 'ls / | sort | head -3 >/dev/null'

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
