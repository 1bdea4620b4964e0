#!/usr/bin/env python3
"""check_capture.py DIR... - check a capture made by `mmreplay record`.

Independent of the recorder's own matching: reads DIR/trace.strace.zst
with its own small strace parser and checks that

  - every successful delayed execve/execveat of TID has snap/TID.exec.N.*,
    N counting every successful execve/execveat of TID in trace order (the
    launcher's undelayed first one is 1 and has none), and nothing else is
    named exec;
  - every exit_group of TID has snap/TID.exit.*;
  - with --every-syscall captures, every delayed memory call but the
    launcher's own (before it execs the command) has its line snapshot,
    snap/TID.line.L.maps or a part of snap/lines.maps.zst (which must be
    in trace-line order);
  - every snapshot has its four files (maps, smaps, status, stat; line
    snapshots: maps), no .hold.* leftovers remain;
  - an exec snapshot shows the state right after exec: no [heap], no
    libc yet for a binary that loads it, and the Pid in status is TID;
  - an exit snapshot shows the state at exit: its [heap] ends at the
    last brk the trace recorded for that process, when it called brk;
  - a line snapshot after a successful mmap contains the returned address,
    after munmap holds nothing of the range, after mprotect shows the new
    permissions over the range;
  - snap/files.tsv is sorted, and agrees with every maps line.

Prints one summary line per capture; exits 1 if anything is wrong.
"""
import os
import re
import subprocess
import sys

LINE_CALLS = {"mmap", "munmap", "mprotect", "brk", "mremap", "madvise",
              "mlock", "mlock2", "mlockall", "munlock", "munlockall"}
RE_LEAD = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(.*)$")
RE_RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>")
RE_CALL = re.compile(r"^(\w+)\(")


def result_of(body):
    """(ret, delayed) from the text after the last ' = '."""
    i = body.rfind(" = ")
    if i < 0:
        return None, False
    rest = body[i + 3:]
    return rest.split(" ")[0], "(DELAYED)" in rest


def args_of(body):
    """Top-level arguments of a simple call line, as text."""
    i, j = body.find("("), body.rfind(") = ")
    if i < 0 or j < i:
        return []
    return [a.strip() for a in body[i + 1:j].split(",")]


def parse(trace_text):
    """Yield (line, pid, name, ret, delayed, body) for completed calls."""
    pending = {}
    for n, raw in enumerate(trace_text.splitlines(), 1):
        m = RE_LEAD.match(raw)
        if not m:
            continue
        pid, body = int(m.group(1)), m.group(3)
        if body.startswith(("+++", "---")):
            continue
        if body.endswith("<unfinished ...>"):
            c = RE_CALL.match(body)
            if c:
                pending[pid] = c.group(1)
                if c.group(1) == "exit_group":
                    yield n, pid, "exit_group", "?", False, body
            continue
        r = RE_RESUMED.match(body)
        if r:
            name = r.group(1)
            pending.pop(pid, None)
            if name == "exit_group":
                continue  # counted at its start
        else:
            c = RE_CALL.match(body)
            if not c:
                continue
            name = c.group(1)
        ret, delayed = result_of(body)
        yield n, pid, name, ret, delayed, body


def maps_lines(path, text=None):
    if text is None:
        with open(path) as f:
            text = f.read()
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) < 5:
            continue
        lo, hi = (int(x, 16) for x in parts[0].split("-"))
        name = parts[5].rstrip("\n") if len(parts) > 5 else ""
        yield lo, hi, parts[3], int(parts[4]), name, parts[1]


def read_stream(path):
    """snap/lines.maps.zst: {"TID.line.L": maps text}, in stream order."""
    text = subprocess.run(["zstd", "-dc", path], check=True,
                          capture_output=True, text=True).stdout
    out, cur, order = {}, None, []
    for line in text.splitlines(keepends=True):
        m = re.match(r"^==> (\d+\.line\.\d+) <==$", line.rstrip("\n"))
        if m:
            cur = m.group(1)
            out[cur] = ""
            order.append(int(cur.split(".")[2]))
            continue
        if cur is None:
            raise ValueError("%s: data before the first header" % path)
        out[cur] += line
    return out, order


def check(cap):
    errs = []
    snap = os.path.join(cap, "snap")
    text = subprocess.run(["zstd", "-dc", os.path.join(cap, "trace.strace.zst")],
                          check=True, capture_output=True, text=True).stdout
    files = set(os.listdir(snap))
    stream = {}
    if "lines.maps.zst" in files:
        files.discard("lines.maps.zst")
        stream, order = read_stream(os.path.join(snap, "lines.maps.zst"))
        if order != sorted(order):
            errs.append("lines.maps.zst is not in trace-line order")
    want = {}        # snapshot base name -> kind
    launcher = None  # the first process, before it execs the command
    launched = False
    exec_path = {}   # TID.exec.N -> path from the trace
    last_brk = {}    # pid -> last brk result
    execs = exits = lines = failed = 0
    nexec = {}
    pending_path = {}
    for n, pid, name, ret, delayed, body in parse(text):
        if name in ("execve", "execveat"):
            if launcher is None:
                launcher = pid
            if pid == launcher and delayed and ret == "0":
                launched = True
            if ret == "0":
                # Numbered among all successful ones; the launcher's
                # (strace's undelayed start) has no snapshot.
                nexec[pid] = nexec.get(pid, 0) + 1
                last_brk.pop(pid, None)
                if delayed:
                    want["%d.exec.%d" % (pid, nexec[pid])] = "exec"
                    execs += 1
            elif delayed:
                failed += 1
        elif name == "exit_group":
            want["%d.exit" % pid] = "exit"
            exits += 1
        elif name in LINE_CALLS and delayed and \
                not (pid == launcher and not launched):
            want["%d.line.%d" % (pid, n)] = ("line", name, ret, args_of(body))
            lines += 1
        if name == "brk" and ret and ret.startswith("0x"):
            last_brk[pid] = int(ret, 16)
    have = {}
    for f in files:
        if f in ("files.tsv", "kernel.tsv"):
            continue
        if f.startswith("."):
            errs.append("leftover %s" % f)
            continue
        base, ext = f.rsplit(".", 1)
        have.setdefault(base, set()).add(ext)
    for base in stream:
        have.setdefault(base, set()).add("maps")
    for base, kind in sorted(want.items()):
        exts = {"maps"} if kind != "exec" and kind != "exit" else \
            {"maps", "smaps", "status", "stat"}
        if base not in have:
            errs.append("missing snapshot %s" % base)
        elif have[base] != exts:
            errs.append("%s has %s, wants %s" % (base, sorted(have[base]), sorted(exts)))
    for base in sorted(set(have) - set(want)):
        errs.append("unexpected snapshot %s" % base)

    for base, kind in want.items():
        if base not in have:
            continue
        mp = os.path.join(snap, base + ".maps")
        ml = list(maps_lines(mp, stream.get(base)))
        tid = int(base.split(".")[0])
        if kind == "exec":
            names = [x[4] for x in ml]
            if "[heap]" in names:
                errs.append("%s: [heap] right after exec" % base)
            if any("/libc.so" in x for x in names):
                errs.append("%s: libc already loaded right after exec" % base)
            with open(os.path.join(snap, base + ".status")) as f:
                st = f.read()
            if not re.search(r"^Pid:\s+%d$" % tid, st, re.M):
                errs.append("%s: status is not of %d" % (base, tid))
        elif kind == "exit":
            heap = [x for x in ml if x[4] == "[heap]"]
            if tid in last_brk and heap and heap[-1][1] != (last_brk[tid] + 4095) & ~4095:
                errs.append("%s: [heap] ends at %#x, last brk %#x" %
                            (base, heap[-1][1], last_brk[tid]))
        else:
            _, name, ret, args = kind
            if name == "mmap" and ret and ret.startswith("0x"):
                a = int(ret, 16)
                if not any(lo <= a < hi for lo, hi, _, _, _, _ in ml):
                    errs.append("%s: mmap result %#x not mapped" % (base, a))
            if name == "munmap" and ret == "0" and len(args) >= 2:
                a, ln = int(args[0].replace("NULL", "0"), 0), int(args[1], 0)
                e = a + ((ln + 4095) & ~4095)
                if any(lo < e and hi > a for lo, hi, _, _, _, _ in ml):
                    errs.append("%s: [%#x, %#x) still mapped after munmap" % (base, a, e))
            if name == "mprotect" and ret == "0" and len(args) >= 3:
                a, ln = int(args[0].replace("NULL", "0"), 0), int(args[1], 0)
                want_p = ("r" if "PROT_READ" in args[2] else "-") + \
                    ("w" if "PROT_WRITE" in args[2] else "-") + \
                    ("x" if "PROT_EXEC" in args[2] else "-")
                for lo, hi, _, _, _, perms in ml:
                    if lo < a + ln and hi > a and perms[:3] != want_p:
                        errs.append("%s: %#x-%#x is %s after mprotect %s" %
                                    (base, lo, hi, perms, want_p))
                        break

    tsv = os.path.join(snap, "files.tsv")
    rows = []
    with open(tsv) as f:
        for line in f:
            dev, ino, path = line.rstrip("\n").split("\t")
            rows.append((path, dev, int(ino)))
    if rows != sorted(rows):
        errs.append("files.tsv is not sorted")
    known = {(p, d, i) for p, d, i in rows}
    for base in have:
        if "maps" not in have[base]:
            continue
        for lo, hi, dev, ino, name, _ in maps_lines(os.path.join(snap, base + ".maps"),
                                                     stream.get(base)):
            if ino and (name, dev, ino) not in known:
                errs.append("files.tsv lacks %s %s %d" % (name, dev, ino))
                break
    nsnap = len(have)
    print("%s: %d lines, %d exec + %d exit + %d line snapshots expected, %d present, "
          "%d failed execve; %s" % (cap, text.count("\n"), execs, exits, lines, nsnap,
                                     failed, "OK" if not errs else "%d problems" % len(errs)))
    for e in errs[:20]:
        print("  " + e)
    return not errs


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[0])
        return 2
    ok = all([check(d.rstrip("/")) for d in sys.argv[1:]])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
