#!/usr/bin/env bash
# mmreplay export --format perfetto on a replay of traces/cow: the JSON
# holds the trace-event format's documented fields (the Trace Event Format
# document: name, ph, ts in microseconds, pid, tid, args; "M" metadata,
# "C" counters with numeric args, "i" instants with a scope s), one
# instant per syscall step of the history, and counters in time order.
#   export.sh MMREPLAY WORK_DIR
set -uo pipefail
bin=$(realpath "$1") work=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v python3 >/dev/null || { echo "python3 is needed"; exit 77; }
rm -rf "$work" && mkdir -p "$work" || exit 1
"$bin" replay "$top/traces/cow/trace.strace.zst" --db "$work/cow.db" -q >/dev/null 2>&1
"$bin" export "$work/cow.db" --format perfetto -o "$work/cow.json" || exit 1
calls=$("$bin" query "$work/cow.db" "select count(*) from step where kind = 'syscall'")
pids=$("$bin" query "$work/cow.db" "select count(distinct pid) from step")
python3 - "$work/cow.json" "$calls" "$pids" <<'PY'
import json, sys
path, calls, pids = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = json.load(open(path))
ev = d["traceEvents"]
bad = []
last = {}
n = {"M": 0, "C": 0, "i": 0}
for e in ev:
    if not isinstance(e.get("name"), str) or not isinstance(e.get("pid"), int):
        bad.append(("name/pid", e))
    ph = e.get("ph")
    if ph not in n:
        bad.append(("ph", e))
        continue
    n[ph] += 1
    if ph in ("C", "i"):
        if not isinstance(e.get("ts"), (int, float)) or e["ts"] < 0:
            bad.append(("ts", e))
    if ph == "C":
        if not e.get("args") or not all(isinstance(v, (int, float)) for v in e["args"].values()):
            bad.append(("counter args", e))
        k = (e["pid"], e["name"])
        if e["ts"] < last.get(k, -1):
            bad.append(("counter order", e))
        last[k] = e["ts"]
    if ph == "i" and e.get("s") not in ("t", "p", "g"):
        bad.append(("scope", e))
    if ph == "M" and e["name"] != "process_name":
        bad.append(("metadata", e))
syscalls = sum(1 for e in ev if e.get("ph") == "i" and e.get("s") == "t")
if syscalls != calls:
    bad.append(("syscall instants", syscalls, calls))
if n["M"] != pids:
    bad.append(("process names", n["M"], pids))
if not any(e["name"] == "VMAs" for e in ev if e.get("ph") == "C"):
    bad.append(("no VMA counter",))
if not any(e["name"] == "RSS kB" for e in ev if e.get("ph") == "C"):
    bad.append(("no RSS counter",))
for b in bad[:5]:
    print("FAIL:", b)
print("%d events: %s" % (len(ev), n))
sys.exit(1 if bad else 0)
PY
