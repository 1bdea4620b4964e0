#!/usr/bin/env bash
# The shapes strace prints one run in: `-f -o FILE`, `-f` to stderr and
# `-ff -o NAME` give the same history.
#
# Bundled -o captures are turned into the other two forms by
# strace_forms.py (strace 6.1's rules), then all three are replayed:
#  - stderr form (and the same without notices, as -q prints it): the
#    same steps in the same order, every column but the line number;
#  - -ff form: each task's steps in the same order with the same calls
#    and results, and the same final state (digest, and every program's
#    maps at its end). Between tasks, -ff files are merged by the time each call
#    ended; the -o file's order is strace's, which -ff does not keep, so
#    calls that overlapped in time may be interleaved otherwise.
# Then the real stderr and -ff captures of traces/forms replay cleanly.
#
# usage: forms.sh MMREPLAY WORKDIR SRCDIR
set -u
bin=$1 work=$2 src=$3
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fails=0 passes=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

q() { sqlite3 "$1" "$2"; }
ALL="select pid,tid,kind,name,args,ret,predicted,verdict,digest,vmas from step order by step"
PERTID="select tid,kind,name,args,ret from step order by tid, step"
LAST="select digest from step order by step desc limit 1"

for t in gcc mthread pipeline vfork threads; do
	mkdir "$t"
	zstdcat "$src/traces/$t/trace.strace.zst" >"$t/o"
	if ! python3 "$src/tests/replay/strace_forms.py" "$t/o" "$t/forms"; then
		fail "$t: strace_forms.py"; continue
	fi
	for f in o forms/stderr forms/quiet forms/ff; do
		db="$t/$(basename "$f").db"
		if ! "$bin" replay "$t/$f" --no-snapshots --db "$db" -q 2>"$db.err"; then
			fail "$t: replay $f"; cat "$db.err"
		fi
	done
	[ "$(q "$t/o.db" "select count(*) from step")" -gt 50 ] || fail "$t: too few steps"
	for f in stderr quiet; do
		if [ "$(q "$t/o.db" "$ALL")" = "$(q "$t/$f.db" "$ALL")" ]; then
			passes=$((passes + 1))
		else
			fail "$t: $f form's history differs from -o's"
			diff <(q "$t/o.db" "$ALL") <(q "$t/$f.db" "$ALL") | head -5
		fi
	done
	if [ "$(q "$t/o.db" "$PERTID")" != "$(q "$t/ff.db" "$PERTID")" ]; then
		fail "$t: -ff: a task's steps differ"
		diff <(q "$t/o.db" "$PERTID") <(q "$t/ff.db" "$PERTID") | head -5
	elif [ "$(q "$t/o.db" "$LAST")" != "$(q "$t/ff.db" "$LAST")" ]; then
		fail "$t: -ff: the final state differs"
	else
		ok=1
		# every process that ran a program, at its last step (a
		# thread's last step may see another's calls either side)
		for p in $(q "$t/o.db" "select distinct pid from step where name = 'execve' and ret = 0"); do
			[ "$("$bin" maps "$t/o.db" --pid "$p" 2>&1 | sed 's/o\.db/DB/')" = \
			  "$("$bin" maps "$t/ff.db" --pid "$p" 2>&1 | sed 's/ff\.db/DB/')" ] || {
				ok=0; fail "$t: -ff: maps of $p differ"; }
		done
		[ $ok = 1 ] && passes=$((passes + 1))
	fi
done

# The real captures.
for f in stderr.strace.zst ff; do
	db="real-${f%%.*}.db"
	if ! "$bin" replay "$src/traces/forms/$f" --db "$db" >"$db.out" 2>&1; then
		fail "replay traces/forms/$f"; cat "$db.out"
	elif ! grep -q "^divergences 0, invariant violations 0" "$db.out"; then
		fail "traces/forms/$f: divergences"; cat "$db.out"
	elif [ "$(q "$db" "select count(distinct tid) || ' ' || sum(pid = 0) || ' ' || count(*) from step")" != "7 0 $(q "$db" "select count(*) from step where tid > 0")" ]; then
		fail "traces/forms/$f: tasks or pids wrong"
	else
		passes=$((passes + 1))
	fi
done
[ "$(q real-stderr.db "select count(*) from step where kind = 'syscall'")" = \
  "$(q real-ff.db "select count(*) from step where kind = 'syscall'")" ] ||
	fail "traces/forms: the two forms hold different numbers of calls"

# strace's output options (traces/forms/options): each replays cleanly,
# with real pids and the eighteen memory calls.
for f in "$src"/traces/forms/options/*.strace.zst; do
	b=$(basename "$f" .strace.zst)
	if ! "$bin" replay "$f" --no-snapshots --db "opt-$b.db" >"opt-$b.out" 2>&1; then
		fail "options/$b: replay"; cat "opt-$b.out"
	elif ! grep -q "^divergences 0, invariant violations 0, skipped lines 0$" "opt-$b.out"; then
		fail "options/$b: divergences or skipped lines"; cat "opt-$b.out"
	elif [ "$(q "opt-$b.db" "select count(*) || ' ' || sum(pid = 0) from step where name in ('mmap', 'munmap', 'mprotect', 'mremap', 'brk')")" != "18 0" ]; then
		fail "options/$b: not the eighteen memory calls of real pids"
	else
		passes=$((passes + 1))
	fi
done

# -ff files named one by one, zstd-compressed: the same history as the
# directory.
"$bin" replay "$src"/traces/forms/ff/fk.*.zst --db files.db -q 2>files.err ||
	{ fail "replay of the -ff files"; cat files.err; }
[ "$(q files.db "$ALL")" = "$(q real-ff.db "$ALL")" ] ||
	fail "-ff: the files give another history than their directory"

# --format strace-ff: NAME's files even when a file NAME exists too.
mkdir both
cp "$src"/traces/forms/ff/fk.*.zst both/
cp "$src/traces/forms/stderr.strace.zst" both/fk
"$bin" replay both/fk --format strace-ff --db both.db -q 2>both.err ||
	{ fail "--format strace-ff"; cat both.err; }
[ "$(q both.db "$ALL")" = "$(q real-ff.db "$ALL")" ] || fail "--format strace-ff: another history"
"$bin" replay both/nothing --format strace-ff --db both2.db >both2.out 2>&1; rc=$?
[ $rc = 2 ] && grep -q "both/nothing: no strace -ff files both/nothing.TID" both2.out ||
	{ fail "--format strace-ff without files: rc $rc"; cat both2.out; }

# Bad input: named, exit 2.
mkdir empty ff
"$bin" replay empty --db e.db >e.out 2>&1; rc=$?
[ $rc = 2 ] && grep -q "empty: a directory without strace -ff files" e.out || { fail "empty dir: rc $rc"; cat e.out; }
printf 'getpid() = 7\n' >ff/x.7
printf '1796649622.480700 getpid() = 8\n' >ff/x.8
"$bin" replay ff --db u.db >u.out 2>&1; rc=$?
[ $rc = 2 ] && grep -q "ff/x.7:1:1: expected a time" u.out && [ ! -e u.db ] ||
	{ fail "-ff without times: rc $rc"; cat u.out; }

echo "$passes passed, $fails failed"
[ $fails = 0 ]
