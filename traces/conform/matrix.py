#!/usr/bin/env python3
"""matrix.py CAPTURE [VERIFY_OUTPUT] - the conformance matrix of a capture
of conform.c, as a Markdown table.

CAPTURE is a capture folder (traces/conform) or its trace.strace.zst. The
trace is read with `zstd -dc`. Every memory call of the traced program
(after the launcher's execve) is given the label of the last marker
before it, which conform.c writes as write(-1, "CASE FAMILY VARIANT KIND",
N): one row per call, with the case, the VMA kind, the syscall, the
flags or advice as strace decoded them, and the kernel's result (the
value, or the errno name). Calls that build or remove fixtures carry
their SETUP or CLEANUP marker's label.

With VERIFY_OUTPUT, the output of `mmreplay verify CAPTURE`, a last column
says where the model disagreed on that trace line: `result` (with the
model's prediction), `maps` when the snapshot after the call differs in
lines no earlier snapshot's diff had (a new disagreement), `maps
(carried)` when it only repeats the previous mismatching snapshot's diff
lines, `violation` for an invariant violation. A summary follows the
table.

Options:
  --cases-only   leave out the SETUP and CLEANUP calls, and the calls of
                 the C library's start before the first marker
  --normalize    print results that are addresses as `addr`, so that two
                 captures (conform, conform-huge) can be diffed
  --grid         the matrix proper, as docs/fidelity.md keeps it: one table
                 per family (mmap, madvise, ...), a row per variant, a
                 column per VMA kind, each cell the kernel's results of
                 that case's calls (addresses as `addr`); with
                 VERIFY_OUTPUT a cell the model got wrong is marked `(!)`

The output depends on nothing but the input.
"""
import os
import re
import signal
import subprocess
import sys

MEMORY = {"mmap", "munmap", "mprotect", "madvise", "mremap", "mlock",
          "mlock2", "munlock", "mlockall", "munlockall", "msync", "brk",
          "mseal", "syscall_0x1ce", "pkey_mprotect"}
# which argument holds the flags, per syscall (mmap: prot and flags)
FLAG_ARGS = {"mmap": (2, 3), "mprotect": (2,), "madvise": (2,),
             "mremap": (3,), "mlock2": (2,), "mlockall": (0,),
             "msync": (2,), "mseal": (2,), "syscall_0x1ce": (2,),
             "pkey_mprotect": (2, 3)}
RE_LINE = re.compile(r"^(\d+)\s+\d+\.\d+\s+(.*)$")
RE_CALL = re.compile(r"^(\w+)\((.*)\) += (.*?)(?: <[\d.]+>)?$")
RE_MARK = re.compile(r'^write\(-1, "((?:CASE|SETUP|CLEANUP|SKIP|END)'
                     r'[^"]*)", \d+\)')
RE_DIV = re.compile(r"^divergence: step \d+, .* line (\d+), pid \d+: (.*)$")
RE_VIOL = re.compile(r"^violation: step \d+, line (\d+), mm \d+: (.*)$")


def split_args(text):
    """Top-level, comma-separated arguments of a call, as text."""
    out, depth, cur, quote, esc = [], 0, [], False, False
    for ch in text:
        if quote:
            cur.append(ch)
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                quote = False
            continue
        if ch == '"':
            quote = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if cur or out:
        out.append("".join(cur).strip())
    return out


def result_text(res, normalize):
    """The value, or the errno name; `addr` for addresses if asked."""
    res = res.replace(" (DELAYED)", "")
    m = re.match(r"^-1 (E[A-Z0-9]+)", res)
    if m:
        return m.group(1)
    val = res.split(" ")[0]
    if normalize and val.startswith("0x") and int(val, 16) >= 0x10000:
        return "addr"
    return val


def read_trace(path):
    if os.path.isdir(path):
        path = os.path.join(path, "trace.strace.zst")
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dc", path], check=True,
                              stdout=subprocess.PIPE).stdout.decode(
                                  "utf-8", "replace")
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def calls(text):
    """Yield (line, label, name, args, result) for the program's memory
    calls, after the launcher's execve of it."""
    label, execs = ("(startup)", "-", ""), 0
    for n, raw in enumerate(text.splitlines(), 1):
        m = RE_LINE.match(raw)
        if not m:
            continue
        body = m.group(2)
        if body.startswith("execve(") and " = 0" in body:
            execs += 1
            continue
        if execs < 2:
            continue  # the launcher's own calls
        mk = RE_MARK.match(body)
        if mk:
            f = mk.group(1).split(" ")
            if f[0] == "CASE" and len(f) >= 4:
                label = (f[1] + " " + f[2], f[3], "")
            elif f[0] in ("SETUP", "CLEANUP") and len(f) >= 3:
                label = (f[1], f[2], f[0].lower())
            elif f[0] == "END":
                label = ("(exit)", "-", "")
            continue
        c = RE_CALL.match(body)
        if not c or c.group(1) not in MEMORY:
            continue
        yield n, label, c.group(1), split_args(c.group(2)), c.group(3)


def read_verify(path):
    """{line: [(kind, kernel, model, detail lines)]} from verify's output."""
    out, cur = {}, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            m = RE_DIV.match(line)
            v = RE_VIOL.match(line)
            if m or v:
                cur = {"kind": m.group(2) if m else "violation",
                       "what": "" if m else v.group(2), "kernel": "",
                       "model": "", "detail": []}
                out.setdefault(int((m or v).group(1)), []).append(cur)
                continue
            if cur is None:
                continue
            if line.startswith("  kernel: "):
                cur["kernel"] = line[10:]
            elif line.startswith("  model:  "):
                cur["model"] = line[10:]
            elif line.startswith(("-", "+")):
                cur["detail"].append(line)
            elif not line.strip():
                cur = None
    return out


def model_column(entries, prev_diff):
    """The model column's text and the diff lines it leaves behind."""
    words, diff = [], prev_diff
    for e in entries:
        if e["kind"] == "result":
            words.append("result: model %s" % e["model"])
        elif e["kind"] == "line snapshot":
            d = set(e["detail"])
            words.append("maps (carried)" if d <= prev_diff else
                         "maps: %d lines" % len([x for x in d
                                                 if x not in prev_diff]))
            diff = d
        elif e["kind"] == "violation":
            words.append("violation")
        else:
            words.append(e["kind"])
    return "; ".join(words) or "ok", diff


def cell(s):
    return s.replace("|", "\\|") if s else "-"


def grid(trace, verify):
    """Print one table per family: variants x kinds -> results."""
    fams, order = {}, []
    for n, (case, kind, role), name, a, res in calls(trace):
        if role or case.startswith("("):
            continue
        fam, variant = case.split(" ", 1)
        if fam not in fams:
            fams[fam] = {"rows": [], "kinds": [], "cells": {}}
            order.append(fam)
        f = fams[fam]
        if variant not in f["rows"]:
            f["rows"].append(variant)
        if kind not in f["kinds"]:
            f["kinds"].append(kind)
        text = result_text(res, True)
        if verify is not None and any(
                e["kind"] in ("result", "violation") or
                (e["kind"] == "line snapshot" and e["detail"])
                for e in verify.get(n, [])):
            text += " (!)"
        f["cells"].setdefault((variant, kind), []).append(text)
    for fam in order:
        f = fams[fam]
        print("#### %s\n" % fam)
        print("| %s | %s |" % (fam, " | ".join(f["kinds"])))
        print("|---|" + "---|" * len(f["kinds"]))
        for v in f["rows"]:
            cells = [" / ".join(f["cells"].get((v, k), [])) or " "
                     for k in f["kinds"]]
            print("| %s | %s |" % (cell(v), " | ".join(cell(c) if c != " "
                                                      else " "
                                                      for c in cells)))
        print()
    return 0


def main(argv):
    opts = [a for a in argv[1:] if a.startswith("--")]
    args = [a for a in argv[1:] if not a.startswith("--")]
    if not args or len(args) > 2 or set(opts) - {"--cases-only",
                                                  "--normalize", "--grid"}:
        sys.stderr.write(__doc__)
        return 2
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    normalize = "--normalize" in opts
    verify = read_verify(args[1]) if len(args) == 2 else None
    if "--grid" in opts:
        return grid(read_trace(args[0]), verify)
    head = ["line", "case", "kind", "syscall", "flags", "result"]
    if verify is not None:
        head.append("model")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    rows = cases = 0
    seen, new, carried, results = set(), 0, 0, 0
    prev_diff = set()
    for n, (case, kind, role), name, a, res in calls(read_trace(args[0])):
        if (role or case.startswith("(")) and "--cases-only" in opts:
            continue
        flags = " ".join(a[i] for i in FLAG_ARGS.get(name, ()) if i < len(a))
        row = [str(n), (role + ": " if role else "") + case, kind,
               "mseal" if name == "syscall_0x1ce" else name, flags,
               result_text(res, normalize)]
        if verify is not None:
            text, diff = model_column(verify.get(n, []), prev_diff)
            # a matching snapshot clears the carried diff
            if n not in verify and name not in ("msync", "mseal",
                                                "syscall_0x1ce"):
                diff = set()
            for e in verify.get(n, []):
                if e["kind"] == "result":
                    results += 1
            if text.startswith("maps: ") or "; maps: " in text:
                new += 1
            elif "maps (carried)" in text:
                carried += 1
            prev_diff = diff
            row.append(text)
        print("| " + " | ".join(cell(x) for x in row) + " |")
        rows += 1
        if not role and (case, kind) not in seen:
            seen.add((case, kind))
            cases += 1
    print()
    print("%d calls, %d cases (case label x kind)." % (rows, cases))
    if verify is not None:
        print("model: %d results mispredicted, %d snapshots with new "
              "differences, %d with carried ones." % (results, new,
                                                       carried))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
