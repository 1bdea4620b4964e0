#!/usr/bin/env bash
# The command line on bad input and usage errors: exit codes, messages
# naming file:line:col, and a history that stays valid and keeps every
# step applied before the error.
#   cli.sh MMREPLAY WORK_DIR
set -uo pipefail
bin=$(realpath "$1") work=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
cap=$top/traces/pipeline
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
. "$top/tests/replay/expect.sh"
steps() { "$bin" query "$1" "select count(*) from step"; }

# A clean replay exits 0; maps prints a [stack] and the [vsyscall] line.
"$bin" replay "$cap/trace.strace.zst" --db ok.db >out 2>err; expect "clean replay" 0 $? "exit snapshots 4/4 matched" out
"$bin" maps ok.db >out 2>err; expect "maps default" 0 $? '\[vsyscall\]$' out
grep -q '\[stack\]' out; expect "maps has a stack" 0 $?
"$bin" maps ok.db --at 0 >out 2>err; expect "maps at step 0" 2 $? "not known at step 0|no address space" err
# status from the history: without faults the RSS lines are unknown ("?")
"$bin" status ok.db >out 2>err; expect "status without faults" 0 $? '^VmRSS:.* \? kB$' out
grep -q '^VmSize:' out; expect "status has VmSize" 0 $?

# status from a fault capture's history at the step before exit_group is
# the kernel's own status file at the exit hold, line for line
cow=$top/traces/cow
"$bin" replay "$cow/trace.strace.zst" --db cow.db -q >out 2>err
n=$("$bin" query cow.db "select max(step) from step where name='exit_group' and pid=(select min(pid) from task)")
p=$("$bin" query cow.db "select min(pid) from task")
"$bin" status cow.db --pid "$p" --at $((n - 1)) >out 2>err
grep -E '^(Vm|Rss)' "$cow/snap/$p.exit.status" | grep -v VmFlags >want
cmp -s out want; expect "status at exit equals the kernel's" 0 $?
"$bin" status cow.db --pid 999999 >out 2>err; expect "status of an unknown pid" 2 $? "no address space" err
# smaps, rebuilt by replaying the history's inputs: every VMA's line,
# Size, Rss, Anonymous, AnonHugePages, Locked, THPeligible and VmFlags
# are the kernel's at the exit hold
"$bin" smaps cow.db --pid "$p" --at $((n - 1)) >out 2>err; expect "smaps" 0 $?
pick='^([0-9a-f]+-|Size|Rss|Anonymous|AnonHugePages|Locked|THPeligible|VmFlags|KernelPageSize)'
grep -E "$pick" out >got; grep -E "$pick" "$cow/snap/$p.exit.smaps" >want
cmp -s got want; expect "smaps equals the kernel's" 0 $?
a=$(head -1 "$cow/snap/$p.exit.maps" | cut -d- -f1)
"$bin" pagetable cow.db --pid "$p" --at $((n - 1)) --addr "0x$a" >out 2>err
expect "pagetable walk" 0 $? '^PTE\[[ 0-9]+\] = 0x8000000[0-9a-f]+025$' out
"$bin" pagetable cow.db --pid "$p" --at $((n - 1)) >out 2>err
expect "pagetable summary" 0 $? "^VmPTE: $(sed -n 's/^VmPTE:[^0-9]*\([0-9]*\) kB/\1/p' "$cow/snap/$p.exit.status") kB$" out
"$bin" smaps cow.db --pid "$p" --at 999999 >out 2>err; expect "smaps past the end" 2 $? "no step 999999" err

# The simulated node from the history: step 0 is the default machine
# as the host printed it; frag names the steps; csv has a header and one
# row per change; a history without a node, a step past the end and a
# bad machine directory are clear errors.
"$bin" buddyinfo cow.db --at 0 >out 2>err; expect "buddyinfo at 0" 0 $?
cmp -s out "$top/data/machine/buddyinfo"; expect "buddyinfo at 0 is the machine's" 0 $?
"$bin" pagetypeinfo cow.db --at 0 >out 2>err
cmp -s out "$top/data/machine/pagetypeinfo"; expect "pagetypeinfo at 0 is the machine's" 0 $?
"$bin" zoneinfo cow.db >out 2>err; expect "zoneinfo" 0 $? '^  pages free +[0-9]+$' out
"$bin" unusable_index cow.db >out 2>err; expect "unusable_index" 0 $? '^Node 0, zone +Normal( [0-9]\.[0-9]{3}){11} $' out
"$bin" frag cow.db >out 2>err; expect "frag" 0 $? "^zone Normal: unusable" out
"$bin" frag cow.db --format csv --order 0 >out 2>err; expect "frag csv" 0 $? '^[0-9]+,Normal,0,[0-9.]+,-?[0-9.]+$' out
head -1 out | grep -qx "step,zone,order,unusable_index,fragmentation_index"; expect "frag csv header" 0 $?
"$bin" frag cow.db --order 11 >out 2>err; expect "frag bad order" 2 $? "expected an order 0..10" err
"$bin" buddyinfo cow.db --at 99999999 >out 2>err; expect "buddyinfo past the end" 2 $? "no step 99999999" err
"$bin" buddyinfo ok.db >out 2>err; expect "buddyinfo without a node" 2 $? "no simulated node" err
mkdir -p badm && echo "Node 0, zone" >badm/zoneinfo && echo x >badm/pagetypeinfo
"$bin" replay "$cow/trace.strace.zst" --db badm.db --machine badm >out 2>err; expect "bad machine directory" 2 $? "badm/(zoneinfo|pagetypeinfo):1:" err
test ! -e badm.db; expect "bad machine directory stores nothing" 0 $?
"$bin" replay "$cow/trace.strace.zst" --db badm.db --machine nosuchdir >out 2>err; expect "missing machine directory" 2 $? "nosuchdir/zoneinfo: No such file" err

# check: a golden file written and met; a digest or a VMA line changed
# in it is a difference (exit 1) naming the step, its trace line and the
# state's lines; JUnit XML says so; a golden file that does not parse is
# exit 2 naming its line
"$bin" check "$cow/trace.strace.zst" --golden g.txt --update --every 100 >out 2>err; expect "check --update" 0 $? "283 steps, 3 states written" out
"$bin" check "$cow/trace.strace.zst" --golden g.txt --junit j.xml >out 2>err; expect "check equal" 0 $? "283 steps equal" out
grep -q 'failures="0"' j.xml; expect "check junit pass" 0 $?
sed 's/^d 150 .*/d 150 0000000000000000/' g.txt >g2.txt
"$bin" check "$cow/trace.strace.zst" --golden g2.txt --junit j.xml >out 2>err; expect "check digest" 1 $? "^first difference: step 150, .* line 86: .*mmap\\(NULL, 262144" out
grep -q 'failures="1"' j.xml; expect "check junit failure" 0 $?
l=$(grep -n '^state 200' g.txt | cut -d: -f1)
awk -v s="$l" 'NR > s && !d && /^vma .* rw-p / {sub(/ rw-p /, " r--p "); d = 1} {print}' g.txt >g3.txt
"$bin" check "$cow/trace.strace.zst" --golden g3.txt >out 2>err; expect "check state" 1 $? "^\\+ vma .* rw-p " out
grep -qE "^- vma .* r--p " out; expect "check state shows the golden line" 0 $?
printf 'mmreplay golden 1\nbogus\n' >g4.txt
"$bin" check "$cow/trace.strace.zst" --golden g4.txt >out 2>err; expect "check bad golden" 2 $? "g4.txt:2:1: expected" err

# verify --junit: one test case, failed with the report when anything
# differed (mmaplock's two documented differences)
"$bin" verify "$cow" --junit jv.xml >out 2>err; expect "verify junit clean" 0 $?
grep -q 'tests="1" failures="0"' jv.xml; expect "verify junit pass" 0 $?
"$bin" verify "$top/traces/mmaplock" --junit jv.xml >out 2>err; expect "verify junit differs" 1 $?
grep -q 'failures="1"' jv.xml && grep -q '<failure message=' jv.xml && grep -q 'mismatches:' jv.xml
expect "verify junit failure text" 0 $?

# query: formats and parameters; a history in a directory nobody may
# write is readable
"$bin" query cow.db "select step, name from step where step = :n" --param n=3 --format json >out 2>err
expect "query json" 0 $? '^  \{"step": 3, "name": "mmap"\}$' out
"$bin" query cow.db "select step, name from step where step <= :n" --param n=2 --format csv >out 2>err
expect "query csv" 0 $? '^step,name' out
grep -q "^2,brk" out; expect "query csv rows" 0 $?
"$bin" query cow.db "select step, name from step where step = 3" --format table >out 2>err
expect "query table" 0 $? '^   3  mmap$' out
"$bin" query cow.db "select 1" --param nope=1 >out 2>err; expect "query unknown param" 2 $? "has no :nope" err
"$bin" query cow.db "select 1" --format xml >out 2>err; expect "query bad format" 2 $? "expected plain, table, csv or json" err
mkdir -p ro && cp cow.db ro/ && chmod 555 ro
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	su nobody -s /bin/sh -c "'$bin' query '$PWD/ro/cow.db' 'select count(*) from step'" >out 2>err
	expect "query in a read-only directory" 0 $? '^[0-9]+$' out
fi
chmod 755 ro

# diff, history, stats: the step of an mmap adds its VMA between the
# step before and it; history names that step as its maker; stats gives
# the peak VMA count the step table holds
n=$("$bin" query cow.db "select min(step) from step where name = 'mmap' and ret > 0 and step > 100")
a=$(printf '%x' "$("$bin" query cow.db "select ret from step where step = $n")")
l=$("$bin" query cow.db "select line from step where step = $n")
"$bin" diff cow.db --from $((n - 1)) --to "$n" >out 2>err; expect "diff" 0 $? "^\\+ $a-" out
grep -q "^steps $n..$n: mmap 1$" out; expect "diff names the steps" 0 $?
"$bin" history cow.db --addr "0x$a" >out 2>err; expect "history" 0 $? "from step $n \\(line $l, mmap\\)" out
"$bin" history cow.db --addr 0x10 >out 2>err; expect "history of nothing" 0 $? "no VMA ever covered 0x10" out
p=$("$bin" query cow.db "select pid from step where vmas >= 0 order by vmas desc limit 1")
v=$("$bin" query cow.db "select max(vmas) from step where pid = $p")
"$bin" stats cow.db --pid "$p" >out 2>err; expect "stats" 0 $? "^ +$p +$v " out
"$bin" stats cow.db --format csv >out 2>err; expect "stats csv" 0 $? "^step,pid,vmas,rss_anon_kb" out
"$bin" diff cow.db --from 5 >out 2>err; expect "diff needs both" 2 $? "needs --from A --to B" err

# compare: a history against itself is the same everywhere; against
# another program's, the processes are matched by place, the first
# differing call named, and a threshold passed fails (exit 1, JUnit)
"$bin" compare cow.db cow.db >out 2>err; expect "compare same" 0 $? "^  0 +A pid [0-9]+, B pid [0-9]+ .*: the same calls and VMA counts$" out
"$bin" replay "$top/traces/fork/trace.strace.zst" --db fork.db -q >/dev/null 2>&1
"$bin" compare cow.db fork.db --threshold peak_vmas=5 --threshold mmap=500 --junit jc.xml >out 2>err
expect "compare over a threshold" 1 $? "^peak_vmas .*over the threshold$" out
grep -q "first differs at its call" out; expect "compare names the first difference" 0 $?
grep -q 'tests="2" failures="1"' jc.xml; expect "compare junit" 0 $?
"$bin" compare cow.db fork.db --threshold nosuch=5 >out 2>err; expect "compare bad metric" 2 $? "expected METRIC=PERCENT" err

# check --corpus: two workers over a corpus of three captures, one whose
# golden file is wrong: the summary in name order, exit 1, a JUnit case
# each; --index K checks one capture, as one index of a job array does
mkdir -p corpus
for c in cow fork thp; do mkdir -p corpus/$c && cp -r "$top/traces/$c/." corpus/$c/; done
sed -i 's/^d 10 .*/d 10 0000000000000000/' corpus/fork/golden.txt
"$bin" check --corpus corpus -j 2 --junit jk.xml >out 2>err; expect "corpus" 1 $? "^2 of 3 captures equal to their golden files$" out
head -1 out | grep -q "^cow  *equal$"; expect "corpus in name order" 0 $?
grep -q "^fork  *differs$" out; expect "corpus names the difference" 0 $?
grep -q 'tests="3" failures="1"' jk.xml; expect "corpus junit" 0 $?
ok=0
for i in 0 1 2; do "$bin" check --corpus corpus --index $i --junit ji$i.xml >/dev/null 2>&1 || ok=$((ok + 1)); done
[ $ok -eq 1 ] && grep -q 'failures="1"' ji1.xml; expect "corpus as a job array" 0 $?
"$bin" check --corpus corpus --index 3 >out 2>err; expect "corpus index past the end" 2 $? "has 3 captures" err

# Determinism: two replays of one capture at one place store the same
# bytes; at two places (another absolute path), every table is the same
# but the one row meta.inputs (docs/schema.md)
mkdir -p da/c db/c && cp -r "$cow/." da/c/ && cp -r "$cow/." db/c/
(cd da && "$bin" replay c/trace.strace.zst --db one.db -q >/dev/null 2>&1)
(cd da && "$bin" replay c/trace.strace.zst --db two.db -q >/dev/null 2>&1)
cmp -s da/one.db da/two.db; expect "two replays, the same bytes" 0 $?
# ... whether the history's writes run on a thread of their own (the
# default) or in line; the workload's rows fill many of the queue's chunks
(cd da && "$bin" replay c/trace.strace.zst --db one1.db --threads 1 -q >/dev/null 2>&1)
cmp -s da/one.db da/one1.db; expect "writes on their own thread or in line, the same bytes" 0 $?
for t in 1 2; do
	"$bin" replay "$top/traces/workload/trace.strace.zst" --snapshots "$top/traces/workload/snap" \
		--db da/wl$t.db --threads $t --revise 0 -q >/dev/null 2>&1
done
cmp -s da/wl1.db da/wl2.db && [ "$(stat -c %s da/wl1.db)" -gt 300000 ]
expect "... and for the workload's history (400 kB)" 0 $?
"$bin" replay "$cow/trace.strace.zst" --db da/x.db --threads 3 >out 2>err
expect "--threads 3" 2 $? "expected 1 or 2" err
(cd db && "$bin" replay c/trace.strace.zst --db one.db -q >/dev/null 2>&1)
same=0
for t in $("$bin" query da/one.db "select name from sqlite_master where type='table' order by name"); do
	w=""; [ "$t" = meta ] && w=" where key <> 'inputs'"
	"$bin" query da/one.db "select * from $t$w" >ta; "$bin" query db/one.db "select * from $t$w" >tb
	cmp -s ta tb || { echo "  table $t differs"; same=1; }
done
expect "two places, the same tables but meta.inputs" 0 $same
a=$("$bin" query da/one.db "select value from meta where key = 'inputs'" | head -1)
b=$("$bin" query db/one.db "select value from meta where key = 'inputs'" | head -1)
[ "$a" != "$b" ]; expect "meta.inputs names each place" 0 $?

# Bad perf text: exit 2 naming the perf file and line, and a history
# already there is left as it was (the perf text is read before it).
before=$(steps cow.db)
zstd -dcq "$cow/snap/perf.txt.zst" >perf.txt
"$bin" replay "$top/traces/thp/trace.strace.zst" --perf perf.txt --db cow.db >out 2>err
expect "perf of another run" 2 $? "perf\.txt:[0-9]+: .*another run" err
[ "$(steps cow.db)" = "$before" ]; expect "history kept after a refused perf file" 0 $?
ex=$(grep -n "^ *cow $p/$p .*raw_syscalls:sys_exit: NR 12 = " perf.txt | head -1 | cut -d: -f1)
sed "${ex}s/= [0-9]*\$/= 4096/" perf.txt >bad.txt
"$bin" replay "$cow/trace.strace.zst" --perf bad.txt --db bad.db >out 2>err
expect "perf sys_exit that disagrees" 2 $? "bad\.txt:$ex: task [0-9]+'s syscall 12 returned 4096, but its trace line [0-9]+ says" err
{ head -100 perf.txt; echo "   perf 1/1 [000] 1.0: PERF_RECORD_LOST lost 12"; tail -n +101 perf.txt; } >lost.txt
"$bin" replay "$cow/trace.strace.zst" --perf lost.txt --db bad.db >out 2>err
expect "perf lost events" 2 $? "lost\.txt:101: perf lost events" err
sed -E 's#^( *[^ ]+ +)[0-9]+/[0-9]+#\1 7/7#' perf.txt >alien.txt
"$bin" replay "$cow/trace.strace.zst" --perf alien.txt --db bad.db >out 2>err
expect "perf of unknown tasks only" 2 $? "no syscall exit of a task" err
head -c $(($(stat -c %s "$cow/snap/perf.txt.zst") / 2)) "$cow/snap/perf.txt.zst" >cut.txt.zst
"$bin" replay "$cow/trace.strace.zst" --perf cut.txt.zst --db bad.db >out 2>err
expect "perf .zst cut short" 2 $? "cut\.txt\.zst" err

# A .zst cut short: exit 2, the byte offset named, the steps before kept.
head -c 20000 "$cap/trace.strace.zst" >trunc.zst
"$bin" replay trunc.zst --no-snapshots --db trunc.db >out 2>err; expect "truncated zst" 2 $? "trunc.zst: truncated zstd data.*offset 20000" err
n=$(steps trunc.db); [ "$n" -gt 100 ]; expect "truncated zst keeps steps ($n)" 0 $?
"$bin" query trunc.db "pragma integrity_check" >out; expect "truncated zst db intact" 0 $? "^ok$" out

# A binary file: file:line:col and what was expected.
head -c 3000 /bin/ls >bin.strace
"$bin" replay bin.strace --db bin.db >out 2>err; expect "binary input" 2 $? "bin.strace:1:[0-9]+: expected a strace line" err

# Corrupt zstd bytes in the middle of the stream.
cp "$cap/trace.strace.zst" corrupt.zst
printf '\xff\xff\xff\xff\xff\xff\xff\xff' | dd of=corrupt.zst bs=1 seek=30000 conv=notrunc status=none
"$bin" replay corrupt.zst --no-snapshots --db corrupt.db >out 2>err; expect "corrupt zst" 2 $? "corrupt.zst" err
# (corrupt within the first block read: nothing stored; later: the
# history up to there, intact)
[ ! -e corrupt.db ] || "$bin" query corrupt.db "pragma integrity_check" >out 2>&1 || echo x >out
[ ! -e corrupt.db ] || grep -q "^ok$" out; expect "corrupt zst: nothing stored, or a db intact" 0 $?

# A resumed half with no start and an unknown syscall are skipped or
# stored; a 5 MB line is read.
{
	echo '100 1795426097.581976 <... mmap resumed>) = 0x7f0000000000'
	echo '100 1795426097.581977 syscall_0x1ce(0x7f0000000000, 4096, 0) = 0'
	printf '100 1795426097.581978 write(1, "%s", 5000000) = 5000000\n' "$(head -c 5000000 /dev/zero | tr '\0' a)"
} >odd.strace
"$bin" replay odd.strace --db odd.db >out 2>err; expect "odd lines" 0 $? "odd.strace:1:[0-9]+: .*resumed mmap without an unfinished start" err
"$bin" query odd.db "select name from step order by step" >out; expect "unknown syscall stored" 0 $? "^syscall_0x1ce$" out
grep -q '^write$' out; expect "long line stored" 0 $?

# A snapshot that is not a maps file.
mkdir -p badsnap/snap && cp "$cap/trace.strace.zst" badsnap/ && cp "$cap"/snap/* badsnap/snap/
for f in badsnap/snap/*.exec.*.smaps; do echo "hello world" >"$f"; break; done
"$bin" replay badsnap/trace.strace.zst --db badsnap.db >out 2>err; expect "bad snapshot" 2 $? "smaps:1:1: expected a maps line" err
n=$(steps badsnap.db); [ "$n" -gt 0 ]; expect "bad snapshot keeps steps ($n)" 0 $?
# An exit smaps whose Rss is not a number (read where pages are modelled,
# a capture with faults): named by its own file, line and column (it was
# skipped, and the VMA not compared).
rm -rf badrss && mkdir -p badrss/snap && cp "$top/traces/written/trace.strace.zst" badrss/ &&
	cp "$top"/traces/written/snap/* badrss/snap/
for f in badrss/snap/*.exit.smaps; do sed -i '0,/^Rss:/s/^Rss: .*/Rss:    some kB/' "$f"; break; done
"$bin" replay badrss/trace.strace.zst --db badrss.db >out 2>err; expect "bad Rss in an exit smaps" 2 $? "exit.smaps:[0-9]+:9: expected 'N kB', found 'some kB'" err

# Divergences: a recorded result the model does not predict, and an exit
# snapshot that differs, make replay exit 1 and are stored.
tru=$top/traces/true
mkdir -p div/snap && cp "$tru"/snap/* div/snap/
zstd -dc "$tru/trace.strace.zst" >div/plain.strace
last=$(grep -n 'mmap(NULL' div/plain.strace | tail -1 | cut -d: -f1)
sed "${last}s/= 0x\([0-9a-f]*\)000 /= 0x\1000000 /" div/plain.strace >div/trace.strace
cmp -s div/plain.strace div/trace.strace; expect "trace tampered" 1 $?
"$bin" replay div/trace.strace --snapshots div/snap --db div.db >out 2>err; expect "result divergence" 1 $? "^divergence: .* line $last, pid [0-9]+: result" out
"$bin" query div.db "select count(*) from step where verdict = 'diverge' and line = $last" >out; expect "divergence stored" 0 $? "^1$" out
cp div/plain.strace div/trace.strace
ex=$(ls div/snap/*.exit.maps)
sed -i '1s/ r--p / rw-p /' "$ex"
"$bin" replay div/trace.strace --snapshots div/snap --db div2.db >out 2>err; expect "snapshot divergence" 1 $? "exit snapshot" out
"$bin" query div2.db "select kind from divergence" >out; expect "snapshot divergence stored" 0 $? "^exit snapshot$" out

# verify: a capture with per-syscall snapshots matches everywhere (exit 0,
# the figures counted); a snapshot changed to disagree makes it exit 1 and
# name the step, the trace line and the differing maps lines.
ml=$top/traces/mlock
"$bin" verify "$ml" >out 2>err; expect "verify clean" 0 $? "^per-syscall snapshots matched +29/29$" out
grep -qE "^errnos predicted +4/4$" out; expect "verify counts errnos" 0 $?
grep -qE "^mlockall +3 +3/3 +0/0 +1/1 +0/0$" out; expect "verify per syscall" 0 $?
# a fault capture: the allocations column counts the calls compared with
# the kernel's kmem events, all equal on this one
"$bin" verify "$cow" >out 2>err
awk '/^syscall/{t=1; next} t && NF==6 {split($6, a, "/"); n+=a[2]; if (a[1]!=a[2]) bad=1} END{exit !(n>0 && !bad)}' out
expect "verify allocations per syscall" 0 $?
mkdir -p vbad && cp -r "$ml/snap" vbad/ && cp "$ml/trace.strace.zst" vbad/
zstd -dcq vbad/snap/lines.maps.zst >vbad/lines.maps
hdr=$(grep -n '^==> ' vbad/lines.maps | tail -1)
lline=$(echo "$hdr" | sed 's/.*\.line\.\([0-9]*\) <==$/\1/')
n=$(echo "$hdr" | cut -d: -f1)
sed -i "$((n + 1))s/ r--p / rw-p /" vbad/lines.maps
rm vbad/snap/lines.maps.zst && zstd -q --long=27 vbad/lines.maps -o vbad/snap/lines.maps.zst
"$bin" verify vbad >out 2>err; expect "verify mismatch" 1 $? "^per-syscall snapshots matched +28/29$" out
grep -qE "^divergence: step [0-9]+, .* line $lline, pid [0-9]+: line snapshot" out; expect "verify names the line" 0 $?
grep -qE "^-.* rw-p " out; expect "verify shows the kernel line" 0 $?
# The same snapshots as separate files are read too.
mkdir -p vfiles && cp -r "$ml/snap" vfiles/ && cp "$ml/trace.strace.zst" vfiles/ && rm vfiles/snap/lines.maps.zst
awk '/^==> /{f="vfiles/snap/" $2 ".maps"; next} {print > f}' vbad/lines.maps
"$bin" verify vfiles >out 2>err; expect "verify reads line files" 1 $? "^per-syscall snapshots matched +28/29$" out
# A stream that is not one.
echo "7f0000000000-7f0000001000 r--p 00000000 00:00 0" | zstd -q >vfiles/snap/lines.maps.zst
"$bin" verify vfiles >out 2>err; expect "verify bad stream" 2 $? "lines.maps.zst:1:1: expected a '==> TID.line.L <==' header" err
"$bin" verify >out 2>err; expect "verify without DIR" 2 $? "exactly one DIR" err
"$bin" verify /nonexistent >out 2>err; expect "verify missing capture" 2 $? "/nonexistent/trace.strace.zst" err

# snap/kernel.tsv: the recorded kernel's max_map_count is the model's
# unless an option says otherwise; the THP mode and release go to meta.
mkdir -p kt/snap && cp "$tru"/snap/* kt/snap/ && cp "$tru/trace.strace.zst" kt/
printf 'release\t6.18.0-test\nmax_map_count\t4321\nthp\tnever\n' >kt/snap/kernel.tsv
"$bin" replay kt/trace.strace.zst --db kt.db -q >out 2>err; expect "kernel.tsv read" 0 $?
"$bin" query kt.db "select value from meta where key in ('max_map_count', 'thp', 'kernel_release') order by key" >out
expect "kernel.tsv in meta" 0 $? "^6.18.0-test$" out
grep -qx 4321 out && grep -qx never out; expect "kernel.tsv max_map_count and thp" 0 $?
"$bin" replay kt/trace.strace.zst --db kt2.db --max-map-count 999 -q >out 2>err
"$bin" query kt2.db "select value from meta where key = 'max_map_count'" >out; expect "option overrides kernel.tsv" 0 $? "^999$" out
printf 'max_map_count\tlots\n' >kt/snap/kernel.tsv
"$bin" replay kt/trace.strace.zst --db kt3.db >out 2>err; expect "bad kernel.tsv" 2 $? "kernel.tsv:1:15: expected a number" err
printf 'release\t6.18\nhugepages_2048kB_free\t4x\n' >kt/snap/kernel.tsv
"$bin" replay kt/trace.strace.zst --db kt4.db >out 2>err; expect "bad hugetlb pool" 2 $? "kernel.tsv:2:23: expected a number of pages" err
printf 'mem_total_kb\t\n' >kt/snap/kernel.tsv
"$bin" replay kt/trace.strace.zst --db kt5.db >out 2>err; expect "bad MemTotal" 2 $? "kernel.tsv:1:1: expected KEY<TAB>VALUE" err
printf 'swap_total_kb\t-1\n' >kt/snap/kernel.tsv
"$bin" replay kt/trace.strace.zst --db kt6.db >out 2>err; expect "bad SwapTotal" 2 $? "kernel.tsv:1:15: expected a number" err

# A trace that starts after its process's exec (as `strace -p` gives):
# the address space is not known, but what successful calls act on is
# adopted as inferred memory and the calls are applied.
zstd -dcq "$top/traces/true/trace.strace.zst" | tail -n +33 >mid.strace
"$bin" replay mid.strace --no-snapshots --db mid.db -q >out 2>err; expect "mid-trace replay" 0 $?
"$bin" query mid.db "select count(*) from step where verdict = 'adopted'" >out
expect "calls adopted" 0 $? "^[1-9][0-9]*$" out
"$bin" query mid.db "select perms, inferred from vma where start = $((0x7f6316112000)) and end = $((0x7f6316116000))" >out
expect "mprotect'ed range adopted" 0 $? "^r--p\|1$" out

# Regressions, each the smallest trace that showed a bug; execs are built
# from /usr/bin/true's ELF headers.
if [ -x /usr/bin/true ]; then
	ex='100 1.000001 execve("/usr/bin/true", ["true"], 0x7ffd00000000 /* 1 vars */) = 0 <0.000100>'
	thr='CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM'
	mm1='mmap(0x700000000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x700000000000 <0.000100>'
	# A fault placed after line 5, whose event is held (its task is
	# a fork child not created yet), comes before line 6's mprotect:
	# the written page keeps VM_ACCOUNT when made read-only.
	cat >r1.strace <<-EOF
	$ex
	100 1.000002 clone(child_stack=0x7f0000000000, flags=$thr) = 101 <0.000100>
	100 1.000003 $mm1
	100 1.000004 fork( <unfinished ...>
	200 1.000005 getpid() = 200 <0.000100>
	101 1.000006 mprotect(0x700000000000, 8192, PROT_READ) = 0 <0.000100>
	100 1.000007 <... fork resumed>) = 200 <0.000100>
	100 1.000008 exit_group(0) = ?
	EOF
	printf '5\t101\t0x700000000000\t0x6\n' >r1.faults
	"$bin" replay r1.strace --faults r1.faults --db r1.db -q >out 2>err; expect "fault before a held line" 0 $?
	"$bin" query r1.db "select flags & $((0x100000)) from vma where start = $((0x700000000000)) and perms = 'r--p'" >out
	expect "written page keeps VM_ACCOUNT" 0 $? "^$((0x100000))$" out
	# A new thread's fault after its held mmap: applied after the mmap.
	cat >r2.strace <<-EOF
	$ex
	100 1.000002 fork() = 200 <0.000100>
	100 1.000003 clone(child_stack=0x7f0000000000, flags=$thr <unfinished ...>
	101 1.000004 $mm1
	200 1.000005 getpid() = 200 <0.000100>
	100 1.000006 <... clone resumed>) = 101 <0.000100>
	100 1.000007 exit_group(0) = ?
	EOF
	"$bin" replay r2.strace --faults r1.faults --db r2.db -q >out 2>err
	"$bin" query r2.db "select predicted from step where kind = 'fault'" >out
	expect "fault after its task's held mmap" 0 $? "^0$" out
	# A fork child before the first mmap(NULL) keeps the guesses of the
	# ELF-built exec: its first mmap(NULL) moves them, the next is
	# predicted.
	mn='mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)'
	cat >r3.strace <<-EOF
	$ex
	100 1.000002 fork() = 200 <0.000100>
	200 1.000003 $mn = 0x7f1234560000 <0.000100>
	200 1.000004 $mn = 0x7f123455e000 <0.000100>
	100 1.000005 $mn = 0x7f1234560000 <0.000100>
	100 1.000006 $mn = 0x7f123455e000 <0.000100>
	200 1.000007 exit_group(0) = ?
	100 1.000008 exit_group(0) = ?
	EOF
	"$bin" replay r3.strace --db r3.db >out 2>err; expect "fork keeps exec guesses" 0 $? "divergences 0" out
	# Guessed places are inferred in the history too; a huge shm
	# segment maps nothing the kernel could not have mapped.
	cat >r4.strace <<-EOF
	$ex
	100 1.000002 shmget(IPC_PRIVATE, 18446744073709547520, IPC_CREAT|0600) = 5 <0.000100>
	100 1.000003 shmat(5, NULL, 0) = 0x7f0000000000 <0.000100>
	100 1.000004 shmat(7, NULL, 0) = 0x7e0000000000 <0.000100>
	100 1.000006 exit_group(0) = ?
	EOF
	"$bin" replay r4.strace --db r4.db >out 2>err; expect "huge segment" 1 $? "invariant violations 0" out
	"$bin" query r4.db "select path, inferred from vma where path in ('[stack]', '/SYSV00000000 (deleted)') order by path" >out
	grep -qx '/SYSV00000000 (deleted)|1' out && grep -qx '\[stack\]|1' out; expect "inferred rows" 0 $?
else
	echo "no /usr/bin/true: ELF-built regressions skipped"
fi

# Usage errors exit 2.
"$bin" >out 2>err; expect "no command" 2 $? "usage" err
"$bin" frob >out 2>err; expect "unknown command" 2 $? "unknown command 'frob'" err
"$bin" replay >out 2>err; expect "replay without trace" 2 $? "replay takes a TRACE" err
"$bin" replay /nonexistent.strace >out 2>err; expect "missing trace" 2 $? "/nonexistent.strace" err
"$bin" maps ok.db --at x >out 2>err; expect "bad --at" 2 $? "--at: expected a step number" err
"$bin" query ok.db "delete from meta" >out 2>err; expect "query writes" 2 $? "read-only" err
"$bin" query ok.db "delete from step" >out 2>err; expect "query writes a view" 2 $? "cannot modify step" err
"$bin" query nothere.db "select 1" >out 2>err; expect "query missing db" 2 $? "nothere.db" err

# Files an mmap cannot map (ENODEV): a directory, /dev/null; but an
# O_TMPFILE file (whose flags include O_DIRECTORY's bit) maps. The exec
# is built from /bin/true's ELF headers, so the results are predicted.
cat >nodev.strace <<'EOS'
100 1.000000 execve("/bin/true", ["/bin/true"], 0x7ffc0000 /* 1 var */) = 0
100 1.000100 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000ffe000
100 1.000200 openat(AT_FDCWD</tmp>, ".", O_RDWR|O_TMPFILE, 0600) = 3</tmp/#123>(deleted)
100 1.000300 mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE, 3</tmp/#123>(deleted), 0) = 0x7f0000fee000
100 1.000400 openat(AT_FDCWD</tmp>, "/tmp", O_RDONLY|O_DIRECTORY) = 4</tmp>
100 1.000500 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 4</tmp>, 0) = -1 ENODEV (No such device)
100 1.000600 openat(AT_FDCWD</tmp>, "/dev/null", O_RDWR) = 5</dev/null>
100 1.000700 mmap(NULL, 4096, PROT_READ, MAP_SHARED, 5</dev/null>, 0) = -1 ENODEV (No such device)
100 1.000800 exit_group(0)             = ?
100 1.000900 +++ exited with 0 +++
EOS
"$bin" replay nodev.strace --no-snapshots --db nodev.db >out 2>err; expect "mmap of files without mmap" 0 $? "divergences 0" out
"$bin" query nodev.db "select line, verdict from step where name = 'mmap' and line > 2 order by line" >out
expect "O_TMPFILE maps, a directory and /dev/null do not" 0 $? "^4\|match" out
grep -q '^6|match' out && grep -q '^8|match' out; expect "ENODEV predicted" 0 $?

# A call a signal interrupted (= ? ERESTARTSYS) has no result to
# predict and changes nothing.
cat >restart.strace <<'EOS'
200 1.000000 execve("/bin/true", ["/bin/true"], 0x7ffc0000 /* 1 var */) = 0
200 1.000100 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000ffe000
200 1.000200 mremap(0x7f0000ffe000, 8192, 16384, MREMAP_MAYMOVE) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)
200 1.000300 --- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---
200 1.000400 exit_group(0)             = ?
200 1.000500 +++ exited with 0 +++
EOS
"$bin" replay restart.strace --no-snapshots --db restart.db >out 2>err; expect "interrupted call" 0 $? "divergences 0" out
"$bin" query restart.db "select verdict from step where line = 3" >out; expect "interrupted verdict" 0 $? "^interrupted$" out
"$bin" maps restart.db --pid 200 --at 3 >out; expect "interrupted call applied nothing" 0 $? "^7f0000ffe000-7f0001000000 rw-p" out

# --db never removes what is not a history: a text file stays as it was
echo "my notes" >notes.txt
"$bin" replay "$cap/trace.strace.zst" --db notes.txt >out 2>err
expect "--db onto a text file" 2 $? "notes.txt exists and is not an mmreplay history" err
[ "$(cat notes.txt)" = "my notes" ]; expect "the text file is untouched" 0 $?
mkdir -p adir
"$bin" replay "$cap/trace.strace.zst" --db adir >out 2>err
expect "--db onto a directory" 2 $? "adir exists and is not an mmreplay history" err
[ -d adir ]; expect "the directory stays" 0 $?
: >empty.db
"$bin" replay "$cap/trace.strace.zst" --db empty.db >out 2>err; expect "--db onto an empty file" 0 $?
"$bin" replay "$cap/trace.strace.zst" --db empty.db >out 2>err; expect "--db onto a history replaces it" 0 $?

# Inputs that hold nothing, or garbage, store nothing
: >empty.strace
"$bin" replay empty.strace --db empty-trace.db >out 2>err
expect "an empty trace" 2 $? "empty.strace: an empty trace: nothing to replay" err
[ ! -e empty-trace.db ]; expect "an empty trace stores nothing" 0 $?
printf '\001\002\003 binary\n' >garbage.strace
"$bin" replay garbage.strace --db garbage.db >out 2>err
expect "a garbage first line" 2 $? "garbage.strace:1:1: expected a strace line" err
[ ! -e garbage.db ]; expect "a garbage trace stores nothing" 0 $?
# a FIFO with no writer says it waits; SIGTERM ends the wait
mkfifo wait.fifo
"$bin" replay wait.fifo --db fifo.db >out 2>err & rp=$!
for _ in $(seq 1 100); do grep -q "waiting for a writer" err && break; sleep 0.05; done
kill -TERM $rp; wait $rp
expect "a FIFO with no writer" 143 $? "wait.fifo is a FIFO: waiting for a writer" err
# binary snapshots: an error naming the file, line and column, not a
# divergence with raw bytes
mkdir -p binsnap && cp -r "$top/traces/fork/." binsnap/
head -c 200 /dev/zero | tr '\0' '\001' >binsnap/snap/27249.exit.maps
"$bin" replay binsnap/trace.strace.zst --db binsnap.db >out 2>err
expect "a binary exit snapshot" 2 $? "binsnap/snap/27249.exit.maps:1:1: expected a maps line" err
grep -q "^divergence:" out; expect "no divergence printed for it" 1 $?
cp "$top/traces/fork/snap/27249.exit.maps" binsnap/snap/
zstd -dcq "$top/traces/fork/snap/lines.maps.zst" | awk 'NR == 2 { print "\001\002 binary"; next } { print }' |
	zstd -q -f -o binsnap/snap/lines.maps.zst
"$bin" replay binsnap/trace.strace.zst --db binsnap.db >out 2>err
expect "a binary line snapshot" 2 $? "lines.maps.zst \(the snapshot of 27249 after line 58\):1:1: expected a maps line" err

# --lenient: malformed lines skipped, counted by kind, the first shown
zstd -dcq "$top/traces/fork/trace.strace.zst" |
	awk 'NR == 20 { print "garbage line here" } NR == 40 { print "1234 mmap(NULL, 4096" }
	     NR == 60 { print "--- SIGX ---" } NR == 61 { print "more garbage" } { print }' >len.strace
"$bin" replay len.strace --no-snapshots --db len.db >out 2>err
expect "strict: the first malformed line stops" 2 $? "len.strace:20:1: expected a strace line .*found 'garbage line here'" err
"$bin" replay len.strace --no-snapshots --db len.db --lenient >out 2>err
expect "--lenient" 0 $? "^malformed lines skipped \(--lenient\): 4$" out
grep -q "^  2 expected a strace line" out; expect "--lenient counts by kind" 0 $?
grep -q "^  len.strace:62:5: expected a signal name, found 'SIGX ---'$" out; expect "--lenient shows the first ones" 0 $?
"$bin" replay "$top/traces/fork/trace.strace.zst" --no-snapshots --db len2.db >out 2>&1
[ "$("$bin" query len.db "select group_concat(digest) from step")" = "$("$bin" query len2.db "select group_concat(digest) from step")" ]
expect "--lenient: the same history as without the garbage" 0 $?

# record: a command that cannot run is bad use (exit 2), nothing written
"$bin" record -o rec-missing -- ./no-such-command >out 2>err
expect "record: a missing command" 2 $? "no-such-command: command not found" err
: >not-executable.sh
"$bin" record -o rec-noexec -- ./not-executable.sh >out 2>err
expect "record: a file that is not executable" 2 $? "not-executable.sh: not executable" err
[ ! -e rec-missing ] && [ ! -e rec-noexec ]; expect "record: nothing written" 0 $?

# A per-syscall snapshot stream set aside and then exhausted (it crashed)
mkdir -p exhausted/snap
printf '100 getpid() = 100\n100 getpid() = 100\n' >exhausted/trace.strace
printf '==> 999.line.1 <==\n7f0000000000-7f0000001000 r--p 00000000 00:00 0\n' | zstd -q >exhausted/snap/lines.maps.zst
"$bin" replay exhausted/trace.strace --db exhausted.db -q >out 2>err; expect "an exhausted snapshot stream" 0 $?
zstd -dcq "$top/traces/fixed/trace.strace.zst" | awk 'NR == 8 { print } { print }' >dup.strace
"$bin" replay dup.strace --snapshots "$top/traces/fixed/snap" --db dup.db -q >out 2>err; expect "a duplicated line beside line snapshots" 1 $?

# A task whose clone never appears: its 200,000 lines are adopted once the
# hold is full, not kept to the end and drained one memmove each (that
# took minutes; the timeout only guards against a hang)
awk 'BEGIN { print "100 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 1 var */) = 0";
	for (i = 0; i < 200000; i++) print "200 getpid() = 200" }' >orphan.strace
timeout 60 "$bin" replay orphan.strace --no-snapshots --db orphan.db -q >out 2>err
expect "a task never created" 0 $?
[ "$("$bin" query orphan.db "select count(*) from step where pid = 200")" = 200000 ]
expect "all its lines applied" 0 $?
[ "$("$bin" query orphan.db "select count(*) from step where pid = 200 and line != step")" = 0 ]
expect "in trace order" 0 $?

# Never lose a history. A long trace: 2,000,000 MAP_FIXED maps and unmaps.
awk 'BEGIN { print "100 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 1 var */) = 0";
	for (i = 0; i < 1000000; i++) { a = sprintf("0x7f%010x", 4096 * (i % 50000));
		print "100 mmap(" a ", 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = " a;
		print "100 munmap(" a ", 4096) = 0" } }' >long.strace
# started: wait for its first commit of steps
started() {
	for _ in $(seq 1 400); do
		[ "$("$bin" query "$1" "select count(*) from step" 2>/dev/null || echo 0)" -gt 0 ] && return 0
		sleep 0.05
	done
	return 1
}
# SIGINT: every applied step is kept, and the history says it is incomplete
rm -f int.db; "$bin" replay long.strace --no-snapshots --db int.db -q >out 2>err & rp=$!
started int.db; kill -INT $rp; wait $rp
expect "SIGINT stops the replay" 130 $? "interrupted \(SIGINT\) after [0-9]+ steps; int.db keeps them" err
n=$(sed -n 's/.*after \([0-9]*\) steps.*/\1/p' err)
[ "$("$bin" query int.db "select count(*) from step" 2>/dev/null)" = "$n" ]; expect "all $n steps kept" 0 $?
[ "$("$bin" query int.db "select value from meta where key = 'finished'" 2>/dev/null)" = 0 ]; expect "meta.finished is 0" 0 $?
[ "$("$bin" query int.db "select value from meta where key = 'last_step'" 2>/dev/null)" = "$n" ]; expect "meta.last_step is $n" 0 $?
"$bin" maps int.db >out 2>err; expect "maps says the history is incomplete" 0 $? "int.db is incomplete: .* holds steps 1 to $n" err
"$bin" query int.db "select 1" >out 2>err; expect "query says it too" 0 $? "int.db is incomplete" err
# kill -9: the steps up to the last commit, a valid database that says so
rm -f k9.db; "$bin" replay long.strace --no-snapshots --db k9.db -q >out 2>err & rp=$!
started k9.db; kill -KILL $rp; wait $rp 2>/dev/null
k=$("$bin" query k9.db "select count(*) from step" 2>/dev/null)
[ "$k" -gt 0 ] && [ $((k % 16384)) -eq 0 ]; expect "kill -9 keeps whole commits ($k steps)" 0 $?
[ "$("$bin" query k9.db "select value from meta where key = 'last_step'" 2>/dev/null)" = "$k" ]; expect "kill -9: meta.last_step is the steps kept" 0 $?
"$bin" query k9.db "select 1" >out 2>err; expect "kill -9: incomplete" 0 $? "k9.db is incomplete" err
# a write that fails (the file may not grow past 3 MB: ulimit -f, with
# SIGXFSZ ignored), on the writer's thread: exit 2 naming the file, and
# the history keeps its last commit and says which steps it holds
rm -f full.db*
( trap '' XFSZ; ulimit -f 6000; exec "$bin" replay long.strace --no-snapshots --db full.db -q ) >out 2>err
expect "a failed write: exit 2" 2 $? "full.db: .*I/O error" err
k=$("$bin" query full.db "select count(*) from step" 2>/dev/null)
[ -n "$k" ] && [ "$k" -gt 0 ] && [ $((k % 16384)) -eq 0 ]; expect "... the history keeps whole commits ($k steps)" 0 $?
grep -q "full.db is incomplete: .* holds steps 1 to $k\$" err; expect "... and says which steps it holds" 0 $?
# readers of a history being written (mmreplay query in a loop) never
# make the replay fail: it waits for their locks, at creation (the
# switch to WAL) and at the end (back to one file)
busy=0
for i in 1 2 3 4 5 6 7 8; do
	rm -f rd.db*
	( for _ in $(seq 1 40); do "$bin" query rd.db "select count(*) from step" >/dev/null 2>&1; done ) & qp=$!
	"$bin" replay "$top/traces/fork/trace.strace.zst" --no-snapshots --db rd.db -q >/dev/null 2>rd.err || busy=$((busy + 1))
	wait $qp
done
expect "replays read while written: none failed" 0 $busy
# the lock a killed writer left does not stop the next one
"$bin" replay "$cap/trace.strace.zst" --db k9.db -q >out 2>err; expect "a stale lock file" 0 $?
"$bin" query k9.db "select value from meta where key = 'finished'" >out 2>err; expect "finished is 1" 0 $? "^1$" out
grep -q incomplete err; expect "a finished history says nothing" 1 $?
# a second writer is refused and the first one's history is whole
flock two.db.lock sleep 2 & fp=$!
for _ in $(seq 1 100); do flock -n two.db.lock true || break; sleep 0.05; done
"$bin" replay "$cap/trace.strace.zst" --db two.db -q >out 2>err
expect "a second writer" 2 $? "two.db is being written by another mmreplay" err
[ ! -e two.db ]; expect "the second writer wrote nothing" 0 $?
wait $fp
# an output that is the input, or no name at all
cp "$cap/trace.strace.zst" self.strace.zst
"$bin" replay self.strace.zst --db self.strace.zst >out 2>err; expect "--db the trace" 2 $? "is the trace itself" err
zstd -q -t self.strace.zst; expect "the trace is untouched" 0 $?
"$bin" replay self.strace.zst --db "" >out 2>err; expect "--db ''" 2 $? "an empty file name" err

# A history of format 1 (tests/replay/data/fork-format1.db.zst: traces/fork
# replayed by the mmreplay of before the compact layout) reads as the new
# one does: maps and status of every task at every step, and the views.
fork=$top/traces/fork
zstd -dcq "$top/tests/replay/data/fork-format1.db.zst" >f1.db
"$bin" replay "$fork/trace.strace.zst" --snapshots "$fork/snap" --db f2.db -q >/dev/null 2>&1
"$bin" query f1.db "select value from meta where key = 'format'" >out 2>&1
expect "the old history is of format 1" 0 $? "^mmreplay-history-1$" out
same=0 checked=0
last=$("$bin" query f2.db "select max(step) from step")
for p in $("$bin" query f2.db "select distinct pid from task"); do
	for n in $(seq 0 "$last"); do
		"$bin" maps f1.db --pid "$p" --at "$n" >a 2>&1; ra=$?
		"$bin" maps f2.db --pid "$p" --at "$n" >b 2>&1; rb=$?
		sed -i 's/f[12]\.db/F.db/' a b
		{ [ $ra = $rb ] && cmp -s a b; } || { echo "  maps of $p at $n differ"; same=1; }
		[ $ra = 0 ] && checked=$((checked + 1))
		"$bin" status f1.db --pid "$p" --at "$n" >a 2>&1
		"$bin" status f2.db --pid "$p" --at "$n" >b 2>&1
		sed -i 's/f[12]\.db/F.db/' a b
		cmp -s a b || { echo "  status of $p at $n differs"; same=1; }
	done
done
[ "$checked" -gt 50 ]; expect "format 1: maps answered ($checked)" 0 $?
expect "format 1: maps and status as of format 2" 0 $same
# (a VMA row of format 2 also closes where only its assumption about
# writes changed, which format 1 did not record: rows that continue one
# another unchanged are joined before comparing)
coalesce() { awk -F'|' '{ k = $1; for (i = 2; i <= 13; i++) k = k "|" $i
	if (k == pk && $14 == pto) { pto = $15; next }
	if (NR > 1) print pk "|" pfrom "|" pto; pk = k; pfrom = $14; pto = $15 }
	END { if (NR) print pk "|" pfrom "|" pto }'; }
vq="select mm, pid, start, end, perms, flags, pgoff, path, dev, inode,"
vq="$vq anon_vma, inferred, line, from_step, coalesce(to_step, -1) from vma"
vq="$vq order by mm, start, from_step"
"$bin" query f1.db "$vq" | coalesce >a; "$bin" query f2.db "$vq" | coalesce >b
cmp -s a b; expect "format 1 and 2: the vma view's rows" 0 $?
for v in "select * from step order by step"; do
	"$bin" query f1.db "$v" >a; "$bin" query f2.db "$v" >b
	cmp -s a b; expect "format 1 and 2: $v" 0 $?
done

# The limits strace shows: traces/memlock with its set of RLIMIT_MEMLOCK
# (line 87) turned into reads of the value it set, by getrlimit and by
# prlimit64's old value: the model learns the limit from what was read
# and every result still matches; with the line gone, mlock mispredicts.
ml=$top/traces/memlock
for form in "getrlimit(RLIMIT_MEMLOCK, {rlim_cur=64*1024, rlim_max=8192*1024})" \
	"prlimit64(0, RLIMIT_MEMLOCK, NULL, {rlim_cur=64*1024, rlim_max=8192*1024})" \
	"gone(RLIMIT_MEMLOCK)"; do
	rm -rf rl && mkdir rl && cp -r "$ml/snap" rl/
	zstd -dcq "$ml/trace.strace.zst" |
		awk -v f="$form" 'NR == 87 { sub(/prlimit64\(.*\) = 0/, f " = 0") } { print }' |
		zstd -q -o rl/trace.strace.zst
	"$bin" verify rl --db rl.db >out 2>&1; rc=$?
	case $form in
	gone*) expect "memlock, the limit not shown: mispredicted" 1 $rc "results predicted +[0-9]+/42" out
		grep -q "results predicted *42/42" out; expect "... not all 42" 1 $? ;;
	*) expect "memlock, the limit read by ${form%%(*}" 0 $rc "results predicted +42/42" out ;;
	esac
done

# Assumptions about writes strace does not show: a replay without faults
# records each choice (table choice, counted in the summary), the VMAs
# resting on one carry it (vma.assumption), maps --uncertain marks them
# and prints nothing else differently; a result or snapshot that
# disagrees names the assumption. A history made before they were
# recorded says so.
wl=$top/traces/workload
"$bin" replay "$wl/trace.strace.zst" --snapshots "$wl/snap" --no-faults --revise 0 --db wl.db --show 2000 >out 2>&1
expect "workload without faults: assumptions counted" 1 $? "^assumptions about writes [0-9]+ " out
made=$(sed -n 's/^assumptions about writes \([0-9]*\) .*/\1/p' out)
"$bin" query wl.db "select count(*) from choice" >q 2>&1
expect "every assumption is in the choice table" 0 $? "^$made\$" q
grep -q "rest on assumptions about writes strace does not show; the oldest, #[0-9]* (step [0-9]*), took a VMA as" out
expect "a snapshot that differs names the assumption" 0 $?
"$bin" maps wl.db --at 600 >plain 2>&1 && "$bin" maps wl.db --at 600 --uncertain >unc 2>&1
expect "maps --uncertain" 0 $? "  \[uncertain: assumption #[0-9]+, step [0-9]+: taken as (written|unwritten) \((created-writable|mprotect)\)\]$" unc
sed 's/  \[uncertain: [^]]*\]$//' unc | cmp -s - plain
expect "maps --uncertain adds only the marks" 0 $?
n=$("$bin" query wl.db "select count(*) from vma where from_step <= 600 and (to_step is null or to_step > 600) and assumption is not null")
expect "as many marks as VMAs resting on one ($n)" 0 $(( $(grep -c '\[uncertain:' unc) == n && n > 0 ? 0 : 1 ))
"$bin" replay "$wl/trace.strace.zst" --snapshots "$wl/snap" --db wlf.db -q >out 2>&1
expect "with its faults nothing is assumed" 0 $?
"$bin" query wlf.db "select count(*) from choice" >q 2>&1
expect "... no choice" 0 $? "^0$" q
"$bin" maps f1.db --uncertain >out 2>err
expect "a history without assumptions says so" 2 $? "keeps no assumptions about writes" err
"$bin" status wl.db --uncertain >out 2>err
expect "--uncertain is for maps" 2 $? "maps only" err

# Revision: traces/maxmap never writes its pages; without its fault table
# the default takes one page as written that the kernel merged, and
# results and the map count disagree from step 291 on. Revision finds
# that one choice and the replay then matches everywhere; without it the
# disagreements are contradictions, named, not violations.
mx=$top/traces/maxmap
"$bin" verify "$mx" --no-faults --db mx.db >out 2>&1
expect "maxmap without faults, revised: matches everywhere" 0 $? "the model matches the kernel everywhere" out
grep -qE "choices revised +1 \([0-9]+ model-only replays, 0 contradictions left\)" out
expect "... by one choice" 0 $?
"$bin" query mx.db "select assumed || ' ' || rule || ' ' || revised from choice where revised" >q 2>&1
expect "... recorded as revised" 0 $? "^unwritten created-writable 1$" q
[ "$(wc -l <q)" = 1 ]; expect "... and only it" 0 $?
"$bin" verify "$mx" --no-faults --revise 0 >out 2>&1
expect "maxmap without faults, not revised" 1 $? "results predicted +220/223" out
grep -qE "^invariant violations +0$" out; expect "... no violation" 0 $?
grep -qE "contradictions named +[1-9]" out; expect "... contradictions named" 0 $?
"$bin" verify "$mx" --revise x >out 2>&1
expect "--revise needs a number" 2 $? "--revise: expected a number" out
# Snapshots are recorded results too: traces/written without its faults
# takes the pages its sandwiches make writable by mprotect as written;
# three were left alone, and the kernel merged them: revision on the
# line snapshots takes those choices the other way and all 48 match; on
# results alone (which all match) it finds nothing.
wr=$top/traces/written
"$bin" verify "$wr" --no-faults --db wr.db >out 2>&1
expect "written without faults, revised on snapshots" 1 $? "per-syscall snapshots matched +48/48" out
grep -qE "choices revised +3 " out; expect "... three choices" 0 $?
"$bin" verify "$wr" --no-faults --no-revise-snapshots >out 2>&1
expect "... on results alone" 1 $? "per-syscall snapshots matched +15/48" out
# the views that replay again take the revised choices: smaps's VMAs
# are the history's maps, line for line
"$bin" smaps wr.db --at 100 >out 2>&1
expect "smaps of a history with revised choices" 0 $? "^Anonymous:" out
grep -E '^[0-9a-f]+-[0-9a-f]+ ' out | grep -v vsyscall >a
"$bin" maps wr.db --at 100 | grep -v vsyscall >b
cmp -s a b; expect "... its VMAs the history's" 0 $?
# revision is deterministic: the same choices, the same digests
"$bin" verify "$wr" --no-faults --db wr2.db >/dev/null 2>&1
for t in "select group_concat(digest) from step" "select * from choice order by id"; do
	"$bin" query wr.db "$t" >a; "$bin" query wr2.db "$t" >b
	cmp -s a b && [ -s a ]; expect "revision is deterministic: $t" 0 $?
done
# traces/unwritten without faults: on results alone a committed page
# never written stays apart (22/43 line snapshots); revising on the
# snapshots takes one choice the other way and all 43 match.
uw=$top/traces/unwritten
"$bin" verify "$uw" --no-faults --no-revise-snapshots >out 2>&1
expect "unwritten without faults, results alone" 1 $? "per-syscall snapshots matched +22/43" out
"$bin" verify "$uw" --no-faults >out 2>&1
expect "... revised on its snapshots" 0 $? "per-syscall snapshots matched +43/43" out
# Rule stress: traces/workload's process makes 97% memory-management
# calls; the memory it makes writable is taken as unwritten (it writes a
# page now and then, which the other rules take as everything written):
# every line snapshot matches without revising on them; without the
# pass that finds it (--revise 0) 441 of them.
"$bin" verify "$wl" --no-faults --no-revise-snapshots >out 2>&1
expect "workload without faults, rule stress" 0 $? "per-syscall snapshots matched +2016/2016" out
grep -qE "tasks under rule stress +1$" out; expect "... for its one process" 0 $?
"$bin" verify "$wl" --no-faults --revise 0 >out 2>&1
expect "... not without it" 1 $? "per-syscall snapshots matched +441/2016" out
# the views that replay again take the history's rule stress too
"$bin" verify "$wl" --no-faults --db r1.db >/dev/null 2>&1
"$bin" smaps r1.db --at 2000 >out 2>&1
expect "smaps of a history under rule stress" 0 $? "^Anonymous:" out
grep -E '^[0-9a-f]+-[0-9a-f]+ ' out | grep -v vsyscall >a
"$bin" maps r1.db --at 2000 | grep -v vsyscall >b
cmp -s a b; expect "... its VMAs the history's" 0 $?

# A limit learned from a refusal: traces/memlock with its kernel.tsv's
# rlimit_memlock and cap_ipc_lock removed and its prlimit64 calls of
# RLIMIT_MEMLOCK gone: the model takes the process to hold CAP_IPC_LOCK
# until the first ENOMEM (64 KiB learned) and EPERM (0); those two are
# mispredicted, every other result and every snapshot match.
rm -rf hl && mkdir hl && cp -r "$ml/snap" hl/
grep -v "^rlimit_memlock\|^cap_ipc_lock" "$ml/snap/kernel.tsv" >hl/snap/kernel.tsv
zstd -dcq "$ml/trace.strace.zst" |
	awk '/prlimit64\(0, RLIMIT_MEMLOCK/ { print $1 " " $2 " getpid() = " $1 " <0.000001>"; next } { print }' |
	zstd -q -o hl/trace.strace.zst
"$bin" verify hl >out 2>&1
expect "memlock with its limits hidden: learned" 1 $? "results predicted +40/42" out
grep -qE "^limits learned from refusals +2$" out; expect "... twice" 0 $?
grep -q "learned: no CAP_IPC_LOCK, RLIMIT_MEMLOCK 64 KiB" out; expect "... 64 KiB" 0 $?
grep -qE "per-syscall snapshots matched +42/42" out; expect "... every snapshot" 0 $?
# with only the capability hidden (its limit read by prlimit64): the
# first refusal teaches that it lacks CAP_IPC_LOCK, under the limit it
# read
rm -rf hc && mkdir hc && cp -r "$ml/snap" hc/ && cp "$ml/trace.strace.zst" hc/
grep -v "^cap_ipc_lock" "$ml/snap/kernel.tsv" >hc/snap/kernel.tsv
"$bin" verify hc >out 2>&1
expect "memlock with CAP_IPC_LOCK hidden: learned" 1 $? "results predicted +41/42" out
grep -qE "^limits learned from refusals +1$" out; expect "... once" 0 $?

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
