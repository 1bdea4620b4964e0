#!/usr/bin/env python3
"""At-step views on a long history: the query `mmreplay maps --at N` runs
(through vma_at) against a scan of every VMA row, and the whole
`mmreplay maps`, `status` and `diff` processes, at nine steps spread
across the history (10%..90%), REPS runs each. Every answer through
vma_at is checked equal to the scan's. Prints medians with min and max.

  bench/views.py DB MMREPLAY PID [REPS]
"""
import os, sqlite3, statistics, subprocess, sys, time

db, binary, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
reps = int(sys.argv[4]) if len(sys.argv) > 4 else 5
con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
last = con.execute("SELECT max(step) FROM step").fetchone()[0]
steps = [last * k // 10 for k in range(1, 10)]

# the query docs/schema.md gives ("Indexes and cost")
AT = """SELECT v.line FROM vma v WHERE v.id IN (
  SELECT a.id FROM vma_at a WHERE a.mm = ?1 AND a.span IN (
    SELECT ((min(?2, last) >> level) - back) << 6 | level FROM vma_at_probe
     WHERE (min(?2, last) >> level) >= back))
 AND v.mm = ?1 AND v.from_step <= ?2 AND (v.to_step IS NULL OR v.to_step > ?2)
 ORDER BY v.start"""
SCAN = """SELECT line FROM maps_line WHERE mm = ?1 AND from_step <= ?2
 AND (to_step IS NULL OR to_step > ?2) ORDER BY start"""


def mm_at(n):
    return con.execute("SELECT mm FROM task WHERE pid = ? AND from_step <= ?"
                       " AND (to_step IS NULL OR to_step > ?)",
                       (pid, n, n)).fetchone()[0]


def timed(f):
    t = time.perf_counter()
    f()
    return (time.perf_counter() - t) * 1000


def query(sql):
    ts = []
    for n in steps:
        m = mm_at(n)
        for _ in range(reps):
            ts.append(timed(lambda: con.execute(sql, (m, n)).fetchall()))
    return ts


def process(*args):
    ts = []
    for n in steps:
        sub = {"N": str(n), "M": str(max(0, n - 1000))}
        argv = [binary] + [sub.get(a, a) for a in args]
        for _ in range(reps):
            ts.append(timed(lambda: subprocess.run(
                argv, stdout=subprocess.DEVNULL, check=True)))
    return ts


def show(name, ts):
    print("  %-34s median %7.2f ms (min %.2f, max %.2f)"
          % (name, statistics.median(ts), min(ts), max(ts)))


rows = con.execute("SELECT count(*) FROM vma").fetchone()[0]
print("history %s: %d steps, %d VMA rows, %.1f MB"
      % (db, last, rows, os.path.getsize(db) / 1e6))
answers = []
for n in steps:
    a = con.execute(SCAN, (mm_at(n), n)).fetchall()
    b = con.execute(AT, (mm_at(n), n)).fetchall()
    if a != b:
        sys.exit("step %d: vma_at gives %d lines, the scan %d" % (n, len(b), len(a)))
    answers.append(len(a))
print("answers (VMAs of pid %d at 10%%..90%%): %s" % (pid, answers))
show("query through vma_at", query(AT))
show("query, scan of the vma rows", query(SCAN))
show("mmreplay maps --at N (a process)", process("maps", db, "--pid", str(pid), "--at", "N"))
show("mmreplay status --at N", process("status", db, "--pid", str(pid), "--at", "N"))
show("mmreplay diff --from N-1000 --to N",
     process("diff", db, "--pid", str(pid), "--from", "M", "--to", "N"))
