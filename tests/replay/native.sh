#!/usr/bin/env bash
# .mmtr, mmreplay's own trace format: every bundled capture converted and
# replayed gives the same history as its text (every column of every
# step, the VMAs, the checks), with its faults carried inside; broken,
# truncated or misnamed files are refused (exit 2) and never replace
# anything.
#
# usage: native.sh MMREPLAY WORKDIR SRCDIR
set -u
bin=$1 work=$2 src=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fails=0 passes=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
q() { sqlite3 "$1" "$2"; }
SAME="select * from step order by step;
      select * from vma order by rowid;
      select * from violation order by rowid"

n=0
for t in "$src"/traces/*/trace.strace.zst; do
	d=$(dirname "$t") name=$(basename "$(dirname "$t")")
	n=$((n + 1))
	if ! "$bin" convert "$t" "$name.mmtr" >"$name.conv" 2>&1; then
		fail "$name: convert"; cat "$name.conv"; continue
	fi
	"$bin" replay "$t" --db "$name.t.db" -q >/dev/null 2>&1; a=$?
	"$bin" replay "$name.mmtr" --snapshots "$d/snap" --db "$name.n.db" -q >/dev/null 2>&1; b=$?
	if [ $a != $b ]; then
		fail "$name: exit $a from the text, $b from the .mmtr"
	elif [ "$(q "$name.t.db" "$SAME")" != "$(q "$name.n.db" "$SAME")" ]; then
		fail "$name: the .mmtr's history differs from the text's"
		diff <(q "$name.t.db" "$SAME") <(q "$name.n.db" "$SAME") | head -4
	elif [ -e "$d/snap/faults.tsv.zst" ] &&
	     ! grep -q " [1-9][0-9]* faults," "$name.conv"; then
		fail "$name: its faults are not in the .mmtr"; cat "$name.conv"
	else
		passes=$((passes + 1))
	fi
done
[ $n -ge 30 ] || fail "only $n captures found"

# The faults inside are used without the snapshot directory: the same
# history as the text with its fault table named.
t=$src/traces/written
"$bin" replay "$t/trace.strace.zst" --no-snapshots --faults "$t/snap/faults.tsv.zst" --db w1.db -q >/dev/null 2>&1
"$bin" replay written.mmtr --no-snapshots --db w2.db -q >/dev/null 2>&1
[ "$(q w1.db "$SAME")" = "$(q w2.db "$SAME")" ] &&
	[ "$(q w2.db "select count(*) from step where kind = 'fault'")" -gt 10 ] ||
	fail "written: the faults carried in the .mmtr are not replayed"

# -ff files and the stderr form convert too.
"$bin" convert "$src/traces/forms/ff" ff.mmtr >/dev/null &&
"$bin" replay "$src/traces/forms/ff" --db ff.t.db -q >/dev/null 2>&1 &&
"$bin" replay ff.mmtr --db ff.n.db -q >/dev/null 2>&1 &&
[ "$(q ff.t.db "$SAME")" = "$(q ff.n.db "$SAME")" ] || fail "-ff files through .mmtr"

# Broken files: exit 2, named, the history there kept.
cp gcc.n.db keep.db
sz=$(stat -c %s gcc.mmtr)
head -c $((sz / 2)) gcc.mmtr >half.mmtr
"$bin" replay half.mmtr --no-snapshots --db keep.db >half.out 2>&1; rc=$?
[ $rc = 2 ] && grep -q "half.mmtr: byte [0-9]*: expected .*truncated .mmtr" half.out &&
	cmp -s keep.db gcc.n.db || { fail "a truncated .mmtr: rc $rc"; cat half.out; }
cp gcc.mmtr flip.mmtr
printf '\377\377\377\377' | dd of=flip.mmtr bs=1 seek=$((sz - 40)) conv=notrunc status=none
"$bin" replay flip.mmtr --no-snapshots --db flip.db >flip.out 2>&1; rc=$?
[ $rc = 2 ] && grep -q "flip.mmtr: " flip.out || { fail "a damaged .mmtr: rc $rc"; cat flip.out; }
printf 'MMTR\r\n\032\n\002\000\000\000\000\000\000\000\000\000\000\000' >v2.mmtr
"$bin" replay v2.mmtr --db v2.db >v2.out 2>&1; rc=$?
[ $rc = 2 ] && grep -q "version 2, this mmreplay reads version 1" v2.out || { fail "another version: rc $rc"; cat v2.out; }

# convert never writes over what is not a .mmtr, nor over its input.
echo "keep me" >note.txt
"$bin" convert "$src/traces/gcc/trace.strace.zst" note.txt >c1.out 2>&1; rc=$?
[ $rc = 2 ] && [ "$(cat note.txt)" = "keep me" ] && grep -q "not a .mmtr file: not replaced" c1.out ||
	{ fail "convert over a text file: rc $rc"; cat c1.out; }
cp gcc.mmtr again.mmtr
"$bin" convert again.mmtr again.mmtr >c2.out 2>&1; rc=$?
[ $rc = 2 ] && cmp -s again.mmtr gcc.mmtr || { fail "convert onto its input: rc $rc"; cat c2.out; }
"$bin" convert "$src/traces/gcc/trace.strace.zst" again.mmtr >/dev/null 2>&1 && cmp -s again.mmtr gcc.mmtr ||
	fail "convert over a .mmtr: not replaced, or not deterministic"
# a .mmtr converted again is the same file: same events, same source
"$bin" convert gcc.mmtr gcc2.mmtr >/dev/null 2>&1 && cmp -s gcc.mmtr gcc2.mmtr ||
	fail "a .mmtr converted again differs"
printf 'hello world\n' >bad.strace
"$bin" convert bad.strace bad.mmtr >c3.out 2>&1; rc=$?
[ $rc = 2 ] && [ ! -e bad.mmtr ] && grep -q "bad.strace:1:1: expected" c3.out &&
	[ -z "$(ls bad.mmtr.tmp.* 2>/dev/null)" ] || { fail "convert of a bad trace: rc $rc"; cat c3.out; }

# --format: a .mmtr through a FIFO (content cannot be sniffed there),
# a bad name, and other tools' text named.
mkfifo pipe.mmtr
cat gcc.mmtr >pipe.mmtr &
"$bin" replay pipe.mmtr --format mmtr --snapshots "$src/traces/gcc/snap" --db fifo.db -q >fifo.out 2>&1 ||
	{ fail "--format mmtr from a FIFO"; cat fifo.out; }
wait
[ "$(q fifo.db "$SAME")" = "$(q gcc.n.db "$SAME")" ] || fail "--format mmtr from a FIFO: another history"
"$bin" replay gcc.mmtr --format text --db x.db >fmt.out 2>&1; rc=$?
[ $rc = 2 ] && grep -q "expected auto, strace, strace-ff, mmtr or perf-trace, not 'text'" fmt.out || { fail "--format text: rc $rc"; cat fmt.out; }
"$bin" replay gcc.mmtr --format strace --db x.db >fmt2.out 2>&1; rc=$?
[ $rc = 2 ] && grep -q "gcc.mmtr:1:.*expected" fmt2.out || { fail "--format strace on a .mmtr: rc $rc"; cat fmt2.out; }
printf '     0.405 ( 0.026 ms): ptbin/17987 brk()                                  = 0x55a203f22000\n' >pt.txt
"$bin" replay pt.txt --db x.db >pt.out 2>&1; rc=$?
[ $rc = 0 ] && [ "$(q x.db "select name, ret from step")" = "brk|94154339262464" ] ||
	{ fail "perf trace text is read: rc $rc"; cat pt.out; }
printf 'strace 24108/24108 [000] 1796649622.480700: raw_syscalls:sys_exit: NR 12 = 0\n' >ps.txt
"$bin" replay ps.txt --db x.db >ps.out 2>&1; rc=$?
[ $rc = 2 ] && grep -q "this is .perf script. text: give it with --perf" ps.out || { fail "perf script text: rc $rc"; cat ps.out; }

echo "$passes passed, $fails failed"
[ $fails = 0 ]
