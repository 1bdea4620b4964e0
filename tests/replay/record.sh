#!/usr/bin/env bash
# End to end on this machine's kernel: record real programs with
# `mmreplay record`, then replay each capture; the replay must be clean and
# every exit snapshot must match the model. Skips (77) without strace.
#   record.sh MMREPLAY WORK_DIR SOURCE_DIR
set -uo pipefail
bin=$(realpath "$1") work=$2 src=$(realpath "${3:-.}")
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

# --every-syscall: the snapshots after each memory call are packed in
# snap/lines.maps.zst, none for the launcher's own calls before its exec,
# and verify finds every one matched; snap/kernel.tsv names this kernel.
if "$bin" record -o every --every-syscall --hold-ms 30 -- /bin/true >every.out 2>every.err; then
	hdrs=$(zstd -dcq every/snap/lines.maps.zst | grep -c '^==> ')
	calls=$(zstd -dcq every/trace.strace.zst | awk '/execve\(.*DELAYED/{go=1} go && /^[0-9]+ +[0-9.]+ (mmap|munmap|mprotect|brk|mremap|madvise)\(/' | wc -l)
	if [ -n "$(find every/snap -name '*.line.*.maps')" ] || [ "$hdrs" -eq 0 ] || [ "$hdrs" -ne "$calls" ]; then
		echo "FAIL: every: $hdrs packed snapshots for $calls calls after the exec"; fails=$((fails + 1))
	elif ! "$bin" verify every >every.verify 2>&1; then
		echo "FAIL: verify every"; cat every.verify; fails=$((fails + 1))
	elif ! grep -qE "^per-syscall snapshots matched +$hdrs/$hdrs$" every.verify ||
	     ! grep -qx "release	$(uname -r)" every/snap/kernel.tsv; then
		echo "FAIL: every: report or kernel.tsv"; cat every.verify every/snap/kernel.tsv; fails=$((fails + 1))
	elif ! grep -q '^Node 0, zone' every/snap/machine.before/buddyinfo ||
	     ! grep -q '^Page block order: 9' every/snap/machine.after/pagetypeinfo ||
	     ! grep -q 'start_pfn:' every/snap/machine.before/zoneinfo ||
	     ! grep -qx "$(nproc)" every/snap/machine.before/ncpus; then
		echo "FAIL: every: snap/machine.before and machine.after"; ls -l every/snap/machine.*; fails=$((fails + 1))
	else
		passes=$((passes + 1))
	fi
else
	echo "FAIL: record every"; cat every.err; fails=$((fails + 1))
fi

# Which pages of a file are in the page cache no event shows: a page
# fault-around finds uncached is left out, and the model can only guess
# which (docs/fidelity.md, "Which file pages are cached"). Reading a
# program's libraries whole first caches every page, as on a machine in
# use, so the fault captures below have one answer.
warm_cache() { # PROGRAM
	local f
	for f in "$1" $(ldd "$1" | grep -o '/[^ ]*'); do
		cat "$f" >/dev/null || return 1
	done
}

# --faults: perf places the page faults in the trace. traces/written's
# program needs them (writes, population, stack growth): verify must
# match everywhere with them and differ without them.
if ! command -v perf >/dev/null || ! perf stat -e exceptions:page_fault_user true >/dev/null 2>&1; then
	echo "perf cannot trace page faults here: --faults not checked"
elif ! cc -O2 -o written "$src/traces/written/written.c"; then
	echo "FAIL: cannot build written.c"; fails=$((fails + 1))
elif ! warm_cache ./written; then
	echo "FAIL: cannot read written's libraries"; fails=$((fails + 1))
elif ! "$bin" record -o faults --every-syscall --faults --hold-ms 30 -- ./written >faults.out 2>faults.err; then
	echo "FAIL: record --faults"; cat faults.err; fails=$((fails + 1))
elif [ -e faults/perf.data ] || [ "$(zstd -dcq faults/snap/perf.txt.zst | grep -c 'exceptions:page_fault_')" -lt 50 ]; then
	echo "FAIL: faults: perf.data left or too few faults"; ls faults faults/snap; fails=$((fails + 1))
elif ! "$bin" verify faults >faults.verify 2>&1 || ! grep -qE '^page faults applied +[1-9]' faults.verify; then
	echo "FAIL: verify faults"; cat faults.verify; fails=$((fails + 1))
elif "$bin" verify --no-faults faults >faults.nofaults 2>&1; then
	echo "FAIL: faults: the capture matches without its faults"; fails=$((fails + 1))
else
	passes=$((passes + 1))
fi

# A fault at address 0 (a NULL dereference the program survives) is
# written to the fault table as 0x0, which replay reads back.
if command -v perf >/dev/null && perf stat -e exceptions:page_fault_user true >/dev/null 2>&1; then
	cat >null.c <<'EOS'
#include <setjmp.h>
#include <signal.h>
static sigjmp_buf env;
static void on_segv(int sig) { (void)sig; siglongjmp(env, 1); }
int main(void)
{
	volatile int *p = 0;
	signal(SIGSEGV, on_segv);
	if (!sigsetjmp(env, 1))
		return *p;
	return 0;
}
EOS
	if ! cc -O0 -o null null.c || ! warm_cache ./null || ! "$bin" record -o nullcap --faults -- ./null >null.out 2>null.err; then
		echo "FAIL: record null"; cat null.err; fails=$((fails + 1))
	elif [ "$(zstd -dcq nullcap/snap/perf.txt.zst | grep -c 'page_fault_user: address=0x0 ')" -lt 1 ]; then
		echo "FAIL: null: no fault at 0x0 in the perf text"; fails=$((fails + 1))
	elif ! "$bin" verify nullcap >null.verify 2>&1; then
		echo "FAIL: verify null"; cat null.verify; fails=$((fails + 1))
	else
		passes=$((passes + 1))
	fi
fi

# Execs built from ELF headers instead of the exec snapshots. Without
# ASLR (setarch -R) and with a small environment the build is the
# kernel's layout: every result is predicted (brk and mmap_base
# included) and every exit snapshot matches. With ASLR the places are
# pinned by later calls; only the stack's stays a guess, so the [stack]
# lines are the only ones that may differ.
if ! command -v setarch >/dev/null; then
	echo "setarch missing: ELF-built execs not checked"
elif ! env -i PATH=/usr/bin:/bin setarch -R "$bin" record -o elfnr -- sh -c 'ls / | sort | head -3 >/dev/null' >elfnr.out 2>elfnr.err; then
	echo "FAIL: record elfnr"; cat elfnr.err; fails=$((fails + 1))
else
	"$bin" verify --exec-from-elf elfnr >elfnr.verify 2>&1
	vrc=$?
	n=$(find elfnr/snap -name '*.exit.maps' | wc -l)
	if [ "$vrc" -ne 0 ] || ! grep -qE "^exit snapshots matched +$n/$n$" elfnr.verify ||
	   ! "$bin" replay --exec-from-elf elfnr/trace.strace.zst --db elfnr.db 2>&1 |
	     grep -qE "^execs built from ELF headers [1-9]"; then
		echo "FAIL: elfnr: execs built from ELF headers"; cat elfnr.verify; fails=$((fails + 1))
	elif ! "$bin" record -o elf -- sh -c 'ls / | sort | head -3 >/dev/null' >elf.out 2>elf.err; then
		echo "FAIL: record elf"; cat elf.err; fails=$((fails + 1))
	else
		"$bin" verify --exec-from-elf elf >elf.verify 2>&1
		if grep -E '^[-+][0-9a-f]+-[0-9a-f]+ ' elf.verify | grep -qv '\[stack\]$'; then
			echo "FAIL: elf: lines other than the stack differ"; cat elf.verify; fails=$((fails + 1))
		else
			passes=$((passes + 1))
		fi
	fi
fi

# A daemon the command leaves running is traced --linger-ms more, then
# ended: record returns (it waited forever), the capture replays.
"$bin" record -o daemon --linger-ms 300 -- sh -c 'sleep 300 & echo started' >daemon.out 2>daemon.err &
rp=$!
for _ in $(seq 1 200); do kill -0 $rp 2>/dev/null || break; sleep 0.1; done
if kill -0 $rp 2>/dev/null; then
	echo "FAIL: daemon: record still waits after 20 s"; kill -TERM $rp; fails=$((fails + 1))
elif ! wait $rp; then
	echo "FAIL: daemon: record failed"; cat daemon.err; fails=$((fails + 1))
elif ! grep -q "left 1 processes running (daemons): traced 300 ms more" daemon.err ||
	! "$bin" replay daemon/trace.strace.zst --db daemon.db >daemon.replay 2>&1; then
	echo "FAIL: daemon"; cat daemon.err daemon.replay; fails=$((fails + 1))
else
	passes=$((passes + 1))
fi

# SIGTERM to record ends the command, finishes the capture, exits 143.
"$bin" record -o term -- sleep 300 >term.out 2>term.err &
rp=$!
for _ in $(seq 1 100); do [ -n "$(find term/snap -name '*.exec.*.maps' 2>/dev/null)" ] && break; sleep 0.1; done
kill -TERM $rp
wait $rp
rc=$?
if [ $rc -ne 143 ] || ! grep -q "record: SIGTERM: the command was ended (1 processes); term holds its run up to then" term.err; then
	echo "FAIL: SIGTERM: exit $rc"; cat term.err; fails=$((fails + 1))
elif ! "$bin" replay term/trace.strace.zst --db term.db >term.replay 2>&1 ||
	! zstd -dcq term/trace.strace.zst | tail -1 | grep -q 'killed by SIGKILL'; then
	echo "FAIL: SIGTERM: the capture"; cat term.replay; fails=$((fails + 1))
else
	passes=$((passes + 1))
fi

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
