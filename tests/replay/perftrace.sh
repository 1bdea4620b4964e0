#!/usr/bin/env bash
# perf trace text as a trace (docs/formats.md, "perf trace"): the bundled
# captures of traces/perftrace replay; threads share their process's
# address space and a fork's child has its own; the lines of different
# tasks put out of order (as perf trace prints them without
# --sort-events) give the same history.
#   perftrace.sh MMREPLAY WORK_DIR SOURCE_DIR
set -uo pipefail
bin=$(realpath "$1") work=$2 top=$3
cap=$top/traces/perftrace
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
. "$top/tests/replay/expect.sh"
q() { "$bin" query "$1" "$2"; }

for f in mthread.perf.txt mthread.sorted.perf.txt voc.perf.txt; do
	"$bin" replay "$cap/$f.zst" --db "$f.db" >out 2>err
	expect "$f replays" 0 $? "adopted" <(q "$f.db" "select verdict from step")
	grep -q "page fault lines of perf trace skipped" err
	expect "$f: its faults are counted" 0 $?
done
# mthread: four threads (clone3) in the process of the first task
expect "mthread: one process" 0 0 "^1\|5$" <(q mthread.perf.txt.db "select count(distinct pid), count(distinct tid) from step")
expect "mthread: threads adopt memory in its one address space" 0 0 "^1$" \
	<(q mthread.perf.txt.db "select count(distinct mm) from task where from_step > (select min(step) from step where name = 'clone3')")
# voc: clone (fork) and vfork children are processes of their own; the
# summary perf trace -S printed at the end is skipped
expect "voc: three processes" 0 0 "^3$" <(q voc.perf.txt.db "select count(distinct pid) from step")
"$bin" replay "$cap/voc.perf.txt.zst" --db v2.db >out 2>err
grep -q "perf trace summary (-s), skipped" err; expect "voc: the summary is skipped" 0 $?
# a call cut in two ("..." and "[continued]") keeps its first half's
# arguments and its first line
expect "voc: vfork joined" 0 0 "^vfork\|\|[0-9]+\|1$" <(q voc.perf.txt.db "select name, args, ret, line > (select min(line) from step where name = 'vfork') - 1 from step where name = 'vfork'")

# out of order: the sorted capture's lines moved among other tasks' lines
# (each task's own order kept) replay to the same history, step by step
python3 - "$cap/mthread.sorted.perf.txt.zst" shuffled.txt <<'PY'
import random, re, subprocess, sys
lines = subprocess.run(["zstd", "-dcq", sys.argv[1]], capture_output=True, text=True).stdout.splitlines(True)
tid = [m.group(1) if (m := re.search(r"\): .*?/(\d+) ", l)) else None for l in lines]
rng = random.Random(7)
order = sorted(range(len(lines)), key=lambda i: i + rng.randint(0, 300))
slots = {}
for pos, i in enumerate(order):
    slots.setdefault(tid[i], []).append(pos)
out = [None] * len(lines)
for t, pos in slots.items():
    mine = [i for i in range(len(lines)) if tid[i] == t]
    for p, i in zip(pos, mine):
        out[p] = lines[i]
open(sys.argv[2], "w").write("".join(out))
PY
zstd -dcq "$cap/mthread.sorted.perf.txt.zst" >sorted.txt
cmp -s sorted.txt shuffled.txt; expect "the shuffle moved lines" 1 $?
"$bin" replay shuffled.txt --db shuffled.db >/dev/null 2>&1
"$bin" replay sorted.txt --db sorted.db >/dev/null 2>&1
for v in "select step, tid, name, args, ret, verdict, digest from step order by step" \
	"select digest from step where step = (select max(step) from step)" \
	"select mm, line from maps_line where to_step is null order by mm, start" \
	"select count(*) from vma"; do
	q sorted.db "$v" >a; q shuffled.db "$v" >b
	cmp -s a b; expect "out of order, the same: $v" 0 $?
done

# its .mmtr (convert) gives the same history
"$bin" convert "$cap/voc.perf.txt.zst" voc.mmtr >/dev/null 2>&1; expect "convert perf trace text" 0 $?
"$bin" replay voc.mmtr --db voc.mmtr.db >/dev/null 2>&1
for v in "select * from step" "select * from vma"; do
	q voc.perf.txt.db "$v" >a; q voc.mmtr.db "$v" >b
	cmp -s a b; expect "its .mmtr, the same: $v" 0 $?
done

# --format perf-trace reads a file whose first line is not perf's
{ echo "LOST 2 events!"; zstd -dcq "$cap/voc.perf.txt.zst"; } >lost.txt
"$bin" replay lost.txt --db lost.db >out 2>err; expect "a first line not perf's: strace" 2 $? "lost.txt:1:1: expected" err
"$bin" replay lost.txt --db lost.db --format perf-trace >out 2>err
expect "--format perf-trace" 0 $? "perf lost events" err

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
