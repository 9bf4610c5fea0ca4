#!/usr/bin/env bash
# -j: independent stages overlap with -j 2 and do not with -j 1. Overlap is
# judged from timestamps the stages record, never from how long pipe took.
# Usage: bash tests/system/test_parallel.sh /abs/path/to/pipe
source "$(dirname "$0")/lib.sh" "$@"

new_project
# stamp.sh NAME: records start and end times (ns) around a 1 s sleep.
cat >stamp.sh <<'EOF'
#!/bin/sh
date +%s%N > "$1.start"
sleep 1
date +%s%N > "$1.end"
echo done > "$1.done"
EOF
cat >pipe.yaml <<'EOF'
stages:
  A:
    cmd: sh rec.sh A && sh stamp.sh A
    outs: [A.done]
  B:
    cmd: sh rec.sh B && sh stamp.sh B
    outs: [B.done]
EOF

# overlap: prints "overlap" when each stage started before the other ended,
# "serial" when one ended no later than the other started.
overlap() {
  local as ae bs be
  as=$(cat A.start 2>/dev/null) ae=$(cat A.end 2>/dev/null) bs=$(cat B.start 2>/dev/null) be=$(cat B.end 2>/dev/null)
  if [ -z "$as" ] || [ -z "$ae" ] || [ -z "$bs" ] || [ -z "$be" ]; then echo "missing timestamps"; return; fi
  if [ "$bs" -lt "$ae" ] && [ "$as" -lt "$be" ]; then echo overlap
  elif [ "$ae" -le "$bs" ] || [ "$be" -le "$as" ]; then echo serial
  else echo "unclear A=$as..$ae B=$bs..$be"; fi
}

expect_exit 0 pipe repro -j 2
assert_ran "-j 2: both stages ran" "A B"
assert_eq "-j 2: independent stages overlap (start B < end A and start A < end B)" overlap "$(overlap)"

rm -f A.start A.end B.start B.end
expect_exit 0 pipe repro -f -j 1
assert_ran "-j 1: both stages ran" "A B"
assert_eq "-j 1: stages do not overlap" serial "$(overlap)"

# A dependency chain is never parallelised, whatever -j says.
cat >pipe.yaml <<'EOF'
stages:
  A:
    cmd: sh rec.sh A && sh stamp.sh A
    outs: [A.done]
  B:
    cmd: sh rec.sh B && cat A.done > /dev/null && sh stamp.sh B
    deps: [A.done]
    outs: [B.done]
EOF
rm -f A.start A.end B.start B.end
expect_exit 0 pipe repro -f -j 2
assert_ran "-j 2 with B depending on A: both ran" "A B"
assert_eq "-j 2: a stage waits for the stage it depends on" serial "$(overlap)"

# A stage's processes should hold only their own descriptors. A copy of another
# stage's output pipe (write end) kept by a process of this stage delays that
# other stage's end until this one's processes exit; another stage's log file
# or pipe read end is a leak of the same kind (descriptors not O_CLOEXEC).
# Both stages list their descriptors (`ls` lists its own, inherited from the
# stage shell: fd 2 is the stage's own output pipe), then wait for each other,
# so both are running when either lists.
new_project
cat >fds.sh <<'EOF'
#!/bin/sh
ls -l /proc/self/fd > "$1.fds"
i=0
while [ ! -f X.fds ] || [ ! -f Y.fds ]; do
  i=$((i + 1)); [ "$i" -gt 200 ] && exit 9
  sleep 0.05
done
echo ok > "$1.out"
EOF
cat >pipe.yaml <<'EOF'
stages:
  X:
    cmd: sh fds.sh X
    outs: [X.out]
  Y:
    cmd: sh fds.sh Y
    outs: [Y.out]
EOF
# Descriptors this test script passes down to pipe (and so to every stage).
ls -l /proc/$$/fd >"$SCRATCH/baseline.fds" 2>/dev/null
expect_exit 0 pipe repro -j 2
foreign_fds() {  # STAGE OTHER: descriptors of STAGE's process that belong elsewhere
  $PY - "$1" "$2" "$SCRATCH/baseline.fds" <<'EOF'
import re, sys
me, other, baseline = sys.argv[1], sys.argv[2], sys.argv[3]
def fds(path):
    out = {}
    for line in open(path):
        m = re.search(r" (\d+) -> (.*)$", line.rstrip("\n"))
        if m:
            out[int(m.group(1))] = (line.split()[0], m.group(2))
    return out
inherited = {t for _, t in fds(baseline).values()}
mine, theirs = fds(me + ".fds"), fds(other + ".fds")
own_pipe = mine.get(2, ("", ""))[1]
their_pipe = theirs.get(2, ("", ""))[1]
for fd, (mode, target) in sorted(mine.items()):
    if target in inherited:
        continue
    if target.endswith("/.pipe/logs/%s.log" % other):
        print("%s fd %d: %s's log file %s" % (me, fd, other, target))
    elif target.startswith("pipe:") and target != own_pipe:
        kind = "WRITE end" if "w" in mode else "read end"
        whose = ("%s's output pipe" % other) if target == their_pipe else "another pipe"
        print("%s fd %d: %s of %s %s" % (me, fd, kind, whose, target))
EOF
}
name="-j 2: a stage's processes hold no descriptor of the other stage (log file, output pipe)"
if [ -f X.fds ] && [ -f Y.fds ]; then
  leaks=$(foreign_fds X Y; foreign_fds Y X)
  if [ -z "$leaks" ]; then pass "$name"; else fail "$name" "$leaks" "X.fds:" "$(cat X.fds)" "Y.fds:" "$(cat Y.fds)"; fi
else
  fail "$name" "stages did not record their descriptors" "$ALL"
fi

finish
