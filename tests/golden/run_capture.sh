#!/usr/bin/env bash
# Golden replay of one bundled capture: the replay must be clean (exit 0),
# every exit snapshot must match the model exactly, the history's maps
# must equal the model's own rendering after every step that had a
# snapshot and at every 5th step (every live address space), `mmreplay verify` must
# find every snapshot, maps line, result, address and errno matched, and
# two runs must give byte-identical summaries and step tables (digests
# included). A capture with perf events must have its RSS counters
# compared. CAPTURE_DIR/known-differences lists differences with the
# kernel that are explained in docs/fidelity.md, one "KIND COUNT" per
# line (# comments): the replay must then find exactly those, by kind.
#   run_capture.sh MMREPLAY CAPTURE_DIR WORK_DIR
set -euo pipefail
bin=$1 cap=$2 work=$3
name=$(basename "$cap")
# CAPTURE_DIR/replay-options: options the capture needs (one line, e.g.
# --max-map-count 200 for a capture made under a lowered limit)
opts=()
[ -f "$cap/replay-options" ] && read -r -a opts <"$cap/replay-options"
mkdir -p "$work"
out1="$work/$name.1.out" out2="$work/$name.2.out"
db1="$work/$name.1.db" db2="$work/$name.2.db"

set +e
"$bin" replay "$cap/trace.strace.zst" --snapshots "$cap/snap" --db "$db1" --check-history 5 "${opts[@]}" >"$out1" 2>"$work/$name.1.err"
rc=$?
set -e
cat "$out1"
known=""
[ -f "$cap/known-differences" ] && known=$(sed 's/#.*//' "$cap/known-differences" | awk 'NF {print $1, $2}' | sort)
found=$("$bin" query "$db1" "select kind, count(*) from divergence group by kind order by kind" 2>/dev/null | tr '|' ' ' | sort)
if [ -n "$known" ] && [ "$rc" -eq 1 ] && [ "$found" = "$known" ]; then
	echo "known differences (docs/fidelity.md): $(echo $known)"
	rc=0
fi
if [ "$rc" -ne 0 ]; then
	echo "FAIL: replay of $cap exited $rc"
	[ -n "$found" ] && echo "differences by kind: $(echo $found); known: $(echo ${known:-none})"
	cat "$work/$name.1.err"
	exit 1
fi
if [ -f "$cap/snap/perf.txt.zst" ] && ! grep -qE '^rss counters [1-9][0-9]*/' "$out1"; then
	echo "FAIL: $cap has perf events but no RSS counters were compared"
	exit 1
fi
want=$(find "$cap/snap" -name '*.exit.maps' | wc -l)
if [ "$want" -eq 0 ]; then
	echo "FAIL: $cap has no exit snapshots"
	exit 1
fi
if ! grep -q "exit snapshots $want/$want matched" "$out1"; then
	echo "FAIL: expected all $want exit snapshots to match"
	exit 1
fi
hist=$(sed -n 's|^history: maps equal to the model.s at \([0-9]*\)/\([0-9]*\) checks.*|\1 \2|p' "$out1")
read -r hok hall <<<"${hist:-0 1}"
if [ "$hall" -lt "$want" ] || [ "$hok" != "$hall" ]; then
	echo "FAIL: the history's maps must equal the model's at every check (got ${hist:-none})"
	exit 1
fi
"$bin" replay "$cap/trace.strace.zst" --snapshots "$cap/snap" --db "$db2" --check-history 5 "${opts[@]}" >"$out2" 2>/dev/null || [ -n "$known" ]
cmp "$out1" "$out2" || { echo "FAIL: summaries differ between runs"; exit 1; }
q='select step,pid,tid,line,ts,kind,name,args,ret,predicted,verdict,digest,vmas from step order by step'
cmp <("$bin" query "$db1" "$q") <("$bin" query "$db2" "$q") ||
	{ echo "FAIL: step tables differ between runs"; exit 1; }
set +e
"$bin" verify "$cap" "${opts[@]}" >"$work/$name.verify" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ] && [ -z "$known" ]; then
	cat "$work/$name.verify"
	echo "FAIL: verify of $cap exited $rc"
	exit 1
fi
sed -n '1,8p' "$work/$name.verify"
echo "ok: $name, $want/$want exit snapshots"
