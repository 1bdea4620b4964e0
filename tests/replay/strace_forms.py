#!/usr/bin/env python3
"""Write a `strace -f -o FILE -ttt -T` capture in the two other shapes
strace prints the same run in, following strace 6.1's rules:

  strace_forms.py TRACE OUTDIR

OUTDIR/ff.TID   -ff -o OUTDIR/ff: one file per tid, no pid column; a call
                split by <unfinished ...> / <... resumed> is one line
                (strace splits a call only when another tid's line comes
                between its halves, which cannot happen in a file of one
                tid), at the start's time, with the whole call's -T.
OUTDIR/quiet    the same with -q: no notices.
OUTDIR/stderr   -f to stderr: "[pid N] " only while more than one tracee
                lives; "strace: Process N attached" when a clone returns
                its child, spliced into the clone's line where the entry
                half ends (as strace's own notice lands mid-line on a
                shared stderr); and what the tracees wrote to fd 2 spliced
                into the next call's line before its closing ')'.

The three shapes hold the same calls; replaying them must give the same
history (tests/replay/forms.sh).
"""
import os
import re
import sys

LEAD = re.compile(r'^(\d+) +(.*)$')
RESUMED = re.compile(r'^(\S+) <\.\.\. (\w+) resumed>(.*)$')
UNFIN = re.compile(r'^(\S+) (.*) <unfinished \.\.\.>$')
RESULT = re.compile(r'^(.*\)) += (.*)$')
CLONE_RET = re.compile(r'^\S+ (clone|clone3|fork|vfork)\(.*\) += (\d+)')
WRITE2 = re.compile(r'^\S+ write\(2(<[^>]*>)?, "((?:[^"\\]|\\.)*)", \d+')


def unescape(s):
    return bytes(s, 'latin-1').decode('unicode_escape')


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    lines = []
    with open(src, encoding='latin-1') as f:
        for raw in f:
            m = LEAD.match(raw.rstrip('\n'))
            if not m:
                sys.exit('%s: expected a pid column: %r' % (src, raw))
            lines.append((int(m.group(1)), m.group(2)))

    # -ff: per tid, halves joined.
    per = {}
    pend = {}
    for pid, body in lines:
        f = per.setdefault(pid, [])
        u = UNFIN.match(body)
        if u:
            pend[pid] = (len(f), u.group(1), u.group(2))
            f.append(None)
            continue
        r = RESUMED.match(body)
        if r and pid in pend:
            at, ts, head = pend.pop(pid)
            f[at] = '%s %s%s' % (ts, head, r.group(3))
            continue
        f.append(body)
    for pid, f in per.items():
        with open(os.path.join(out, 'ff.%d' % pid), 'w',
                  encoding='latin-1') as o:
            for body in f:
                if body is not None:
                    o.write(body + '\n')

    write_stderr(lines, os.path.join(out, 'stderr'), True)
    write_stderr(lines, os.path.join(out, 'quiet'), False)


def write_stderr(lines, path, notices):
    """-f to stderr; with -q (NOTICES false) strace says nothing of the
    tasks it attaches."""
    # prefixes while several tracees live, spliced notices and tracee
    # output.
    live = set()
    announced = set()  # pids strace said it attached
    said = []          # text written to fd 2, not yet spliced
    with open(path, 'w', encoding='latin-1') as o:
        for pid, body in lines:
            if pid not in live and live and pid not in announced:
                # a child whose clone has not returned yet: strace
                # announces it when it first stops
                if notices:
                    o.write('strace: Process %d attached\n' % pid)
            announced.add(pid)
            live.add(pid)
            pre = '[pid %5d] ' % pid if len(live) > 1 else ''
            text = pre + body
            c = CLONE_RET.match(body)
            if c and int(c.group(2)) not in announced:
                child = int(c.group(2))
                live.add(child)
                announced.add(child)
                note = 'strace: Process %d attached\n' % child \
                    if notices else ''
                cut = text.find(', child_tidptr=')
                if cut < 0:
                    cut = text.rfind(') = ')
                text = text[:cut] + note + text[cut:]
            elif said and RESULT.match(body) and \
                    not body.split(' ', 1)[1].startswith('<...'):
                cut = text.rfind(') = ')
                if cut > 0:
                    text = text[:cut] + said.pop(0) + text[cut:]
            w = WRITE2.match(body)
            if w and unescape(w.group(2)).endswith('\n'):
                said.append(unescape(w.group(2)))
            o.write(text + '\n')
            if body.split(' ', 1)[1].startswith('+++ '):
                live.discard(pid)


if __name__ == '__main__':
    main()
