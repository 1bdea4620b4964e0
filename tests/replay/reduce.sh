#!/usr/bin/env bash
# mmreplay reduce: a trace made to diverge (one mmap result of the bundled
# pipeline capture changed) is reduced to a few lines that still diverge
# at the same original line, the model predicting the same address, with
# no problem before it and its unrelated processes gone; a golden
# difference (one mmap length changed) is reduced to a trace whose step
# there has the same effect, checked by `mmreplay diff` on both
# histories; bad use exits 2; two runs write the same files.
#   reduce.sh MMREPLAY WORK_DIR
set -uo pipefail
bin=$(realpath "$1") work=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
cap=$top/traces/pipeline
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
. "$top/tests/replay/expect.sh"
# every line of the reduced trace DIR is the original line origin.tsv names
subsequence() { # ORIGINAL DIR
	awk -F'\t' 'FNR == NR { orig[FNR] = $0; next }
		FILENAME ~ /origin/ { if (FNR > 1) want[$1] = $2; next }
		{ if (orig[want[FNR]] != $0) bad++ } END { exit bad ? 1 : 0 }' \
		"$1" "$2/origin.tsv" "$2/trace.strace"
}

zstd -dcq "$cap/trace.strace.zst" >t.strace
line=931 # sort's 8 MiB mmap (pid 26700)
grep -q '^26700 .*mmap(NULL, 8523776, .* = 0x7f5978e38000 ' <(sed -n "${line}p" t.strace)
expect "the line to change is the mmap" 0 $?

# --until-divergence: the result changed
sed "${line}s/= 0x7f5978e38000/= 0x7f5978e00000/" t.strace >bad.strace
"$bin" reduce bad.strace --snapshots "$cap/snap" -o out --until-divergence >red.out 2>red.err
expect "reduce --until-divergence" 0 $? "^target: divergence result at line $line " red.out
n=$(wc -l <out/trace.strace)
# the model's address there depends on every mapping sort made before it
[ "$n" -le 40 ]; expect "reduced to at most 40 lines (got $n of 5009)" 0 $?
grep -q "other problem" red.out; expect "no problem before the target" 1 $?
grep -q '^  model:  0x7f5978e38000$' red.out; expect "the model's value is the same" 0 $?
subsequence bad.strace out; expect "the reduced trace is original lines" 0 $?
grep -qE '^(26699|26701) ' out/trace.strace; expect "ls and tail are gone" 1 $?
grep -q '^26698 .*clone(.*= 26700\|^26698 .*clone resumed>.*= 26700' out/trace.strace
expect "sort's clone stays" 0 $?
[ -e out/snap/26700.exec.1.maps ] && [ -e out/snap/26698.exec.2.maps ]; expect "snapshots of kept tasks" 0 $?
ls out/snap | grep -qE '^(26699|26701)\.|exit'; expect "no snapshots of removed tasks, no exit ones" 1 $?
"$bin" replay out/trace.strace --db r.db >rep.out 2>rep.err
expect "the reduced trace diverges" 1 $? "^divergence: step [0-9]+, out/trace.strace line $n, pid 26700: result" rep.out
awk -F'\t' -v n="$n" -v l="$line" '$1 == n && $2 == l { ok = 1 } END { exit !ok }' out/origin.tsv
expect "origin.tsv maps the last line to $line" 0 $?

# the same run again writes the same files
"$bin" reduce bad.strace --snapshots "$cap/snap" -o out2 --until-divergence >/dev/null 2>&1
cmp -s out/trace.strace out2/trace.strace && cmp -s out/origin.tsv out2/origin.tsv
expect "deterministic" 0 $?

# --line: the problem at a given line; none there exits 1
"$bin" reduce bad.strace --snapshots "$cap/snap" -o out3 --line "$line" >l.out 2>&1
expect "reduce --line" 0 $? "^target: divergence result at line $line " l.out
"$bin" reduce bad.strace --snapshots "$cap/snap" -o out4 --line 5 >l4.out 2>&1
expect "reduce --line with no problem there" 1 $? "nothing to reduce" l4.out
[ ! -e out4 ]; expect "nothing written then" 0 $?

# a clean trace has nothing to reduce
"$bin" reduce t.strace --snapshots "$cap/snap" -o out5 --until-divergence >c.out 2>&1
expect "clean trace" 0 $? "nothing to reduce" c.out

# --golden: a golden of the capture, a trace whose mmap is a page longer
"$bin" check t.strace --snapshots "$cap/snap" --golden p.golden --update >/dev/null 2>&1
sed "${line}s/mmap(NULL, 8523776,/mmap(NULL, 8527872,/" t.strace >g.strace
"$bin" reduce g.strace --snapshots "$cap/snap" -o gout --golden p.golden >g.out 2>g.err
expect "reduce --golden" 0 $? "^target: step [0-9]+, the first whose state differs from p.golden, line $line " g.out
gn=$(wc -l <gout/trace.strace)
[ "$gn" -le 20 ]; expect "golden: reduced to at most 20 lines (got $gn)" 0 $?
subsequence g.strace gout; expect "golden: original lines" 0 $?
"$bin" replay g.strace --snapshots "$cap/snap" --db gfull.db -q >/dev/null 2>&1
"$bin" replay gout/trace.strace --db gred.db -q >/dev/null 2>&1
sf=$("$bin" query gfull.db "select step from step where line = $line")
sr=$("$bin" query gred.db "select step from step where line = $gn")
"$bin" diff gfull.db --from $((sf - 1)) --to "$sf" --pid 26700 | grep '^[-+] ' >full.diff
"$bin" diff gred.db --from $((sr - 1)) --to "$sr" --pid 26700 | grep '^[-+] ' >red.diff
[ -s full.diff ] && cmp -s full.diff red.diff
expect "golden: the step's maps change is the same in both" 0 $?

# bad use
"$bin" reduce bad.strace -o out --until-divergence >e.out 2>&1
expect "an existing output directory" 2 $? "exists" e.out
"$bin" reduce bad.strace -o out6 >e.out 2>&1
expect "no target option" 2 $? "until-divergence" e.out
"$bin" reduce bad.strace -o out6 --until-divergence --golden p.golden >e.out 2>&1
expect "two target options" 2 $? "until-divergence" e.out
"$bin" reduce nosuch.strace -o out6 --until-divergence >e.out 2>&1
expect "a missing trace" 2 $? "nosuch.strace" e.out
"$bin" reduce g.strace -o out6 --golden nosuch.golden >e.out 2>&1
expect "a missing golden file" 2 $? "nosuch.golden" e.out

"$bin" reduce bad.strace -o nosuchdir/out --until-divergence >e.out 2>&1
expect "an output directory in a missing directory" 2 $? "cannot make a directory beside nosuchdir/out" e.out

# a failure while writing leaves nothing: a snapshot directory whose
# machine.before cannot be read
mkdir -p broken && cp -r "$cap/snap/." broken/ && rm -rf broken/machine.before &&
	ln -s "$work/nonexistent" broken/machine.before
"$bin" reduce bad.strace --snapshots broken -o out7 --until-divergence >e.out 2>&1
expect "an unreadable snapshot entry" 2 $? "cannot copy .*machine.before" e.out
ls -d out7* 2>/dev/null | grep -q .; expect "nothing left behind" 1 $?

# --max-runs bounds the candidates' replays (the whole trace's, which finds
# the target, and the result's, which confirms it, come on top)
"$bin" reduce bad.strace --snapshots "$cap/snap" -o out8 --until-divergence --max-runs 3 >m.out 2>&1
expect "--max-runs 3" 0 $? "in 5 replays .*--max-runs reached" m.out
"$bin" replay out8/trace.strace --db m.db >rep.out 2>&1
expect "a bounded reduction still diverges there" 1 $? "^divergence: step [0-9]+, out8/trace.strace line [0-9]+, pid 26700: result" rep.out

echo "reduce: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
