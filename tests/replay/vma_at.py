#!/usr/bin/env python3
"""vma_at, the index of the at-step reads (docs/schema.md, "Indexes and
cost"): on replays of bundled captures, the documented query through it
gives, for every step and every address space, the rows the scan of the
vma table gives, also past the last step; `mmreplay maps` and `status`
print the same through it as on a copy of the history without it.

  vma_at.py MMREPLAY WORK_DIR
"""
import os, shutil, sqlite3, subprocess, sys

binary, work = sys.argv[1], sys.argv[2]
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

AT = """SELECT v.id FROM vma v WHERE v.id IN (
  SELECT a.id FROM vma_at a WHERE a.mm = ?1 AND a.span IN (
    SELECT ((min(?2, last) >> level) - back) << 6 | level FROM vma_at_probe
     WHERE (min(?2, last) >> level) >= back))
 AND v.mm = ?1 AND v.from_step <= ?2 AND (v.to_step IS NULL OR v.to_step > ?2)
 ORDER BY v.start"""
SCAN = """SELECT id FROM vma WHERE mm = ?1 AND from_step <= ?2
 AND (to_step IS NULL OR to_step > ?2) ORDER BY start"""

fails = 0
for name in ("workload", "maxmap", "fork", "mremap"):
    cap = os.path.join(top, "traces", name)
    db = os.path.join(work, name + ".db")
    subprocess.run([binary, "replay", os.path.join(cap, "trace.strace.zst"),
                    "--snapshots", os.path.join(cap, "snap"), "--db", db,
                    "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    last = con.execute("SELECT max(step) FROM step").fetchone()[0]
    mms = [r[0] for r in con.execute("SELECT DISTINCT mm FROM vma")]
    rows = con.execute("SELECT count(*) FROM vma").fetchone()[0]
    checked = nonempty = 0
    for n in list(range(0, last + 1)) + [last + 1, last + 1000, 1 << 45]:
        for mm in mms:
            a = con.execute(AT, (mm, n)).fetchall()
            b = con.execute(SCAN, (mm, n)).fetchall()
            checked += 1
            nonempty += bool(b)
            if a != b:
                fails += 1
                if fails < 10:
                    print("FAIL: %s step %d mm %d: vma_at gives %d rows, "
                          "the scan %d" % (name, n, mm, len(a), len(b)))
    if rows < 20 or nonempty < last // 2:
        print("FAIL: %s: too small to test (%d rows, %d answers)" % (name, rows, nonempty))
        fails += 1
    # the views through vma_at and by the scan (a copy without it)
    bare = os.path.join(work, name + "-bare.db")
    shutil.copy(db, bare)
    c2 = sqlite3.connect(bare)
    c2.executescript("DROP TABLE vma_at; DROP VIEW vma_at_probe;")
    c2.close()
    pids = [r[0] for r in con.execute(
        "SELECT pid FROM task GROUP BY pid ORDER BY min(from_step) LIMIT 3")]
    for pid in pids:
        span = con.execute("SELECT min(from_step), max(coalesce(to_step, ?))"
                           " FROM task WHERE pid = ?", (last + 1, pid)).fetchone()
        for n in sorted({span[0], (span[0] + span[1]) // 2, span[1] - 1}):
            for view in ("maps", "status"):
                out = [subprocess.run([binary, view, d, "--pid", str(pid),
                                       "--at", str(n)], capture_output=True,
                                      text=True) for d in (db, bare)]
                if (out[0].returncode, out[0].stdout) != (out[1].returncode, out[1].stdout):
                    fails += 1
                    print("FAIL: %s %s --pid %d --at %d differs without vma_at"
                          % (name, view, pid, n))
    print("%s: %d steps, %d rows, %d (step, address space) answers equal"
          % (name, last, rows, checked))
sys.exit(1 if fails else 0)
