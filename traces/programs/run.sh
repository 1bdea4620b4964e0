#!/usr/bin/env bash
# Everyday programs the model was not written for, recorded with
# `mmreplay record --faults` and verified: each prints one line with the
# physical checks (RSS after steps, page-table allocation steps, status
# lines, smaps VMAs, pagemap pages) and verify's verdict. Inputs are made
# under a temporary directory; captures go to OUT (default
# /tmp/program-captures). Needs root for perf's tracepoints; a program
# not installed is skipped.
#   traces/programs/run.sh MMREPLAY [OUT] [PROGRAM...]
set -uo pipefail
bin=$(realpath "$1") out=${2:-/tmp/program-captures}
shift 2 2>/dev/null || shift $#
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
# inputs: 40 MB of text, a small C file, a node and a python script
head -c 30000000 /dev/zero | tr '\0' 'a' | fold -w 77 | nl > big.txt
printf '#include <stdio.h>\nint main(void){puts("hi");return 0;}\n' > hello.c
cat > alloc.js <<'JS'
let a = []; for (let i = 0; i < 200000; i++) a.push({i, s: 'x'.repeat(i % 50)});
let m = new Map(); for (let i = 0; i < 100000; i++) m.set('k' + i, i * 2);
a = null; let b = Buffer.alloc(32 << 20, 1); console.log(b.length, m.size);
JS
cat > alloc.py <<'PY'
d = {i: str(i) * 3 for i in range(300000)}
l = [bytearray(4096) for _ in range(5000)]
del d; print(len(l))
PY
sql='create table t(a integer primary key, b text);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 200000)
insert into t select x, hex(randomblob(20)) from c;
create index tb on t(b); select count(*) from t;'
declare -A cmd=(
	[xz]="xz -T2 -k -f -6 big.txt"
	[gzip]="gzip -k -f big.txt"
	[sort]="sort -r big.txt -o sorted.txt"
	[sqlite3]="sqlite3 db.sqlite"
	[gcc]="gcc -O2 -o hello hello.c"
	[node]="node alloc.js"
	[python3]="python3 alloc.py"
	[perl]="perl -e 'my %h; \$h{\$_} = \$_ x 3 for 1 .. 300000; print scalar(keys %h), qq(\n)'"
	[git]="sh -c 'git init -q r && cp hello.c r/ && git -C r add hello.c && git -C r -c user.name=a -c user.email=a@b commit -qm x'"
)
list=("$@")
[ ${#list[@]} -gt 0 ] || list=(xz gzip sort sqlite3 gcc node python3 perl git)
for p in "${list[@]}"; do
	[ -n "${cmd[$p]:-}" ] || { echo "$p: unknown program"; continue; }
	command -v "$p" >/dev/null || { echo "$p: not installed, skipped"; continue; }
	rm -rf "${out:?}/$p"
	if [ "$p" = sqlite3 ]; then
		rm -f db.sqlite
		echo "$sql" > sql.txt
		timeout 300 "$bin" record -o "$out/$p" --faults -- sh -c 'sqlite3 db.sqlite < sql.txt' >"$out/$p.rec" 2>&1
	else
		eval "timeout 300 \"\$bin\" record -o \"\$out/\$p\" --faults -- ${cmd[$p]}" >"$out/$p.rec" 2>&1
	fi
	"$bin" verify "$out/$p" >"$out/$p.verify" 2>&1
	f() { sed -n "s/^$1 *//p" "$out/$p.verify" | head -1; }
	echo "$p|rss $(f 'rss counters after steps')|pgtable $(f 'page-table allocations')|status $(f 'status lines at snapshots')|smaps $(f 'smaps Rss, Anonymous per VMA')|pagemap $(f 'pagemap pages present in both')|$(tail -1 "$out/$p.verify")"
done
