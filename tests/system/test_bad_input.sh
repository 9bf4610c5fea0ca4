#!/usr/bin/env bash
# Invalid pipelines, params, lock files and command lines: the right exit code,
# a message that says where (file:line:col) and what, nothing run or written,
# and bounded time and memory on hostile input.
# Usage: bash tests/system/test_bad_input.sh /abs/path/to/pipe
source "$(dirname "$0")/lib.sh" "$@"

# Every bad pipeline below starts with this valid stage (lines 1-4), so "no
# output written" is checked against a stage that would otherwise run.
OK_STAGE='stages:
  ok:
    cmd: sh rec.sh ok && echo ok > ok.txt
    outs: [ok.txt]'

# bad_pipeline NAME CODE LOCATION_ERE MESSAGE [MESSAGE...]
# In a project whose files are already written: `pipe repro` (at most 20 s)
# exits CODE, stderr matches LOCATION_ERE (skipped when empty) and contains
# each MESSAGE, nothing ran and neither pipe.lock nor ok.txt exists.
bad_pipeline() {
  local name=$1 code=$2 location=$3
  shift 3
  run timeout -k 5 20 "$PIPE" repro
  if [ "$RC" = "$code" ]; then
    pass "$name: exits $code"
  elif [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
    fail "$name: exits $code" "timed out (no answer within 20 s)" "$ERR"
  elif [ "$RC" -ge 128 ]; then
    fail "$name: exits $code" "crashed: exit $RC (signal $((RC - 128)))" "$ERR"
  else
    fail "$name: exits $code" "exit code: $RC" "stdout:" "$OUT" "stderr:" "$ERR"
  fi
  [ -n "$location" ] && assert_match "$name: message has the location" "$ERR" "$location"
  local m
  for m in "$@"; do assert_contains "$name: message says '$m'" "$ERR" "$m"; done
  local written=""
  [ -e pipe.lock ] && written+="pipe.lock "
  [ -e ok.txt ] && written+="ok.txt "
  [ -e runs.log ] && written+="runs.log($(ran)) "
  if [ -z "$written" ]; then pass "$name: nothing run or written"; else fail "$name: nothing run or written" "found: $written"; fi
}

# new_tmpdir: a temporary directory outside any project, in $TMP_DIR (removed at exit).
new_tmpdir() {
  TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pipe-outside.XXXXXX")
  _TMPDIRS+=("$TMP_DIR")
}

# ============================================================ YAML syntax
new_project
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: echo hi > a.txt
    outs: a: b
EOF
bad_pipeline "malformed YAML" 3 '^pipe: error: pipe\.yaml:7:12: ' "invalid YAML"

new_project
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: "echo hi > a.txt
    outs: [a.txt]
EOF
bad_pipeline "unterminated quoted string" 3 'pipe\.yaml:[0-9]+:[0-9]+: ' "invalid YAML"
assert_no_file "unterminated quoted string: the mangled command did not run" a.txt

new_project
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: echo one > a.txt
    cmd: echo two > a.txt
    outs: [a.txt]
EOF
bad_pipeline "duplicate key" 3 'pipe\.yaml:7:5: ' "duplicate key 'cmd'"

# ============================================================ schema
new_project
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: echo hi > a.txt
    outz: [a.txt]
EOF
bad_pipeline "unknown stage key" 3 'pipe\.yaml:7:[0-9]+: ' "'outz'" "did you mean 'outs'"

new_project
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: echo hi > a.txt
    outz:
  b:
    cmd: echo b
EOF
bad_pipeline "unknown stage key with an empty value" 3 'pipe\.yaml:7:[0-9]+: ' "did you mean 'outs'"

new_project
cat >pipe.yaml <<EOF
$OK_STAGE
  b:
    deps: [pipe.yaml]
    outs: [b.txt]
EOF
bad_pipeline "missing cmd" 3 'pipe\.yaml:(5|6):[0-9]+: ' "stage 'b' has no 'cmd'"

new_project
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: cp b.txt a.txt
    deps: [b.txt]
    outs: [a.txt]
  b:
    cmd: cp a.txt b.txt
    deps: [a.txt]
    outs: [b.txt]
EOF
bad_pipeline "cycle" 3 'pipe\.yaml:[0-9]+:[0-9]+: ' "cycle: a -> b -> a"

new_project
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: echo > a.txt
    deps: [a.txt]
    outs: [a.txt]
EOF
bad_pipeline "stage depending on its own output" 3 'pipe\.yaml:[0-9]+:[0-9]+: ' "cycle: a -> a"

new_project
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: echo a > x.txt
    outs: [x.txt]
  b:
    cmd: echo b > x.txt
    outs: [x.txt]
EOF
bad_pipeline "two stages with the same output" 3 'pipe\.yaml:(7|10):[0-9]+: ' \
  "output 'x.txt' of stage 'b' is also an output of stage 'a'"

new_project
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: mkdir -p d && echo a > d/a.txt
    outs: [d]
  b:
    cmd: echo b > d/x.txt
    outs: [d/x.txt]
EOF
bad_pipeline "overlapping outputs (file inside an output dir)" 3 'pipe\.yaml:(7|10):[0-9]+: ' \
  "'d/x.txt'" "lies inside output 'd'"

# ============================================================ paths
new_project
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: echo > ../x
    outs: [../x]
EOF
bad_pipeline "output '../x'" 3 'pipe\.yaml:7:[0-9]+: ' "'../x'" "escapes the project"

new_project
new_tmpdir
outside=$TMP_DIR
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: echo > $outside/abs.txt
    outs: [$outside/abs.txt]
EOF
bad_pipeline "absolute output path" 3 'pipe\.yaml:7:[0-9]+: ' "absolute paths are not allowed"
assert_no_file "absolute output path: nothing written outside" "$outside/abs.txt"

new_project
new_tmpdir
outside=$TMP_DIR
ln -s "$outside" linked
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: echo escaped > linked/x.txt
    outs: [linked/x.txt]
EOF
bad_pipeline "output through a symlinked dir pointing outside" 3 'pipe\.yaml:7:[0-9]+: ' \
  "'linked/x.txt'" "resolves outside the project"
assert_no_file "symlinked output dir: nothing written outside" "$outside/x.txt"

new_project
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: cat nope.txt > a.txt
    deps: [nope.txt]
    outs: [a.txt]
EOF
# A clone without its data: the graph loads (dag, status), and only repro
# of the stage that needs the dep fails, naming it, while the rest runs.
expect_exit 0 pipe dag
assert_contains "dag works with a dep missing" "$OUT" "a"
expect_exit 0 pipe status
assert_contains "status of a never-run stage with a missing dep" "$OUT" "never run"
expect_exit 1 pipe repro
assert_contains "repro names the missing dep at its line" "$ERR$OUT" \
  "pipe.yaml:7:12: dep 'nope.txt' of stage 'a' does not exist and no stage produces it"

# status reports such a dep as deleted rather than refusing: it is a change to show.
printf 'x\n' >nope.txt
expect_exit 0 pipe repro
rm nope.txt
expect_exit 0 pipe status
assert_contains "status reports a deleted source dep" "$OUT" "dep deleted: nope.txt"
expect_exit 1 pipe status -q

# ============================================================ params and interpolation
new_project
printf 'train:\n  lr: 0.1\n  epochs: 3\n' >params.yaml
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: echo \${train.lrr} > a.txt
    outs: [a.txt]
EOF
bad_pipeline "interpolating a missing key" 3 'pipe\.yaml:6:[0-9]+: ' "\${train.lrr}" "did you mean 'lr'"

new_project
printf 'train:\n  epochs: 3\n' >params.yaml
cat >pipe.yaml <<EOF
$OK_STAGE
  a:
    cmd: echo > a.txt
    params: [train.lr]
    outs: [a.txt]
EOF
bad_pipeline "tracking a param the params file lacks" 3 'pipe\.yaml:7:[0-9]+: ' "train.lr" "does not define"

new_project
printf 'train:\n  lr: [0.1\n' >params.yaml
cat >pipe.yaml <<EOF
$OK_STAGE
EOF
bad_pipeline "malformed params.yaml" 3 'params\.yaml:[0-9]+:[0-9]+: ' "invalid YAML"

# ============================================================ hostile input
new_project
{ printf '%s\n' "$OK_STAGE"; printf '  a:\n    cmd: echo\n    meta: '; head -c 10000 /dev/zero | tr '\0' '['; echo; } >pipe.yaml
bad_pipeline "10000 nested '[' (bounded, no crash)" 3 'pipe\.yaml:[0-9]+:[0-9]+: '

new_project
{ printf '%s\n' "$OK_STAGE"; printf '  a:\n    cmd: echo\n    meta: '
  head -c 10000 /dev/zero | tr '\0' '['; printf 1; head -c 10000 /dev/zero | tr '\0' ']'; echo; } >pipe.yaml
bad_pipeline "10000 nested, balanced '[...]' (bounded, no crash)" 3 'pipe\.yaml:[0-9]+:[0-9]+: '

new_project
$PY - >pipe.yaml <<'EOF'
print("stages:\n  a:\n    cmd: echo\n    meta:")
for i in range(300):
    print("      " + "  " * i + "k%d:" % i)
print("      " + "  " * 300 + "leaf")
EOF
bad_pipeline "300 levels of block mappings" 3 'pipe\.yaml:[0-9]+:[0-9]+: ' "nested more than"

# Billion laughs: 9 levels of 9 aliases each.
write_alias_bomb() {  # INDENT
  $PY - "$1" <<'EOF'
import sys
pad = sys.argv[1]
print(pad + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]")
for i in range(1, 10):
    print(pad + "a%d: &a%d [" % (i, i) + ", ".join(["*a%d" % (i - 1)] * 9) + "]")
EOF
}
new_project
{ printf '%s\n' "$OK_STAGE"; printf '  a:\n    cmd: echo\n    meta:\n'; write_alias_bomb "      "; } >pipe.yaml
bad_pipeline "YAML alias bomb in pipe.yaml (bounded, no crash)" 3 'pipe\.yaml:[0-9]+:[0-9]+: ' "alias bomb"

new_project
write_alias_bomb "" >params.yaml
printf '%s\n' "$OK_STAGE" >pipe.yaml
bad_pipeline "YAML alias bomb in params.yaml (bounded, no crash)" 3 'params\.yaml:[0-9]+:[0-9]+: ' "alias bomb"

# ============================================================ pipe.lock
new_project
printf '%s\n' "$OK_STAGE" >pipe.yaml
cat >pipe.lock <<'EOF'
schema: 1
stages:
  "ok":
    cmd: "sh rec.sh ok && echo ok > ok.txt"
    outs:
    - path: "ok.txt"
      hash: not-a-hash
      size: 3
EOF
lock_before=$(file_sum pipe.lock)
run timeout -k 5 20 "$PIPE" repro
assert_eq "corrupt pipe.lock: repro exits 3" 3 "$RC"
assert_match "corrupt pipe.lock: message has the location" "$ERR" 'pipe\.lock:7:[0-9]+: '
assert_contains "corrupt pipe.lock: message says how to recover" "$ERR" "delete it to rerun every stage"
assert_eq "corrupt pipe.lock: left as it was" "$lock_before" "$(file_sum pipe.lock)"
assert_no_file "corrupt pipe.lock: nothing ran" ok.txt

# ============================================================ expansion, size, NUL and UTF-8
new_project
{ printf '%s\n  sweep:\n    matrix:\n' "$OK_STAGE"
  for axis in a b c d e f g h i; do echo "      $axis: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"; done
  printf '    cmd: echo ${item.a}\n'; } >pipe.yaml
bad_pipeline "matrix of 9 axes x 10 values (bounded)" 3 'pipe\.yaml:7:[0-9]+: ' \
  "'matrix' in stage 'sweep' (10 x 10 x 10 x 10 x 10 x 10 x 10 x 10 x 10)" "at most 10000"
# Compared with a run that loads nothing: a sanitizer build starts at ~200 MB.
/usr/bin/time -f %M -o "$SCRATCH/rss0" "$PIPE" --version >/dev/null 2>&1
/usr/bin/time -f %M -o "$SCRATCH/rss" "$PIPE" dag >/dev/null 2>&1
grown=$(( $(tail -1 "$SCRATCH/rss") - $(tail -1 "$SCRATCH/rss0") ))
assert_true "the matrix bomb is refused in under 100 MB more than --version ($grown KB)" test "$grown" -lt 100000

new_project
"$PY" -c 'import sys; sys.stdout.write("%s\n  big:\n    cmd: \"%s\"\n" % (sys.argv[1], "x" * (100 << 20)))' "$OK_STAGE" >pipe.yaml
start=$(date +%s%N)
bad_pipeline "a 100 MB scalar" 3 'pipe\.yaml: ' "may be at most 16 MiB"
assert_true "a 100 MB file is refused in under 2 s" test $(( ($(date +%s%N) - start) / 1000000 )) -lt 2000

new_project
printf '%s\n  nul:\n    cmd: echo safe\0; rm -rf data\n' "$OK_STAGE" >pipe.yaml
bad_pipeline "a raw NUL inside cmd" 3 'pipe\.yaml:6:[0-9]+: ' "a NUL byte"
printf '%s\n  "bad\\0name":\n    cmd: echo x\n' "$OK_STAGE" >pipe.yaml
bad_pipeline "an escaped NUL in a stage name" 3 'pipe\.yaml:5:[0-9]+: ' "holds a NUL character"
printf '%s\n  nulout:\n    cmd: echo x\n    outs: ["o\\0/../../x"]\n' "$OK_STAGE" >pipe.yaml
bad_pipeline "an escaped NUL in an output path" 3 'pipe\.yaml:7:[0-9]+: ' "holds a NUL character"
printf '%s\n  caf\xe9:\n    cmd: echo x\n' "$OK_STAGE" >pipe.yaml
bad_pipeline "a Latin-1 stage name (invalid UTF-8)" 3 'pipe\.yaml:5:6: ' "invalid UTF-8 (byte 0xe9)"
printf '%s\n  s:\n    cmd: echo ${p}\n' "$OK_STAGE" >pipe.yaml
printf 'p: "\xc0\xaf"\n' >params.yaml
bad_pipeline "an overlong UTF-8 form in params.yaml" 3 'params\.yaml:1:5: ' "invalid UTF-8 (byte 0xc0)"
rm -f params.yaml

# ============================================================ pipe.lock paths
new_project
printf '%s\n' "$OK_STAGE" >pipe.yaml
expect_exit 0 pipe repro
rm -f runs.log
sed -i 's|path: "ok.txt"|path: "../../victim"|' pipe.lock
run "$PIPE" checkout --force
assert_eq "pipe.lock output '../../victim': checkout exits 3" 3 "$RC"
assert_match "pipe.lock output '../../victim': message has the location" "$ERR" 'pipe\.lock:7:[0-9]+: '
assert_contains "pipe.lock output '../../victim': says what and how to fix it" "$ERR" \
  "path '../../victim': path escapes the project directory; restore pipe.lock"
expect_exit 3 pipe status
sed -i 's|path: "../../victim"|path: "/etc/passwd"|' pipe.lock
run "$PIPE" status
assert_contains "pipe.lock output '/etc/passwd': refused" "$ERR" "absolute paths are not allowed"

# ============================================================ command line
new_project
printf '%s\n  other:\n    cmd: echo > other.txt\n    outs: [other.txt]\n' "$OK_STAGE" >pipe.yaml
expect_exit 2 pipe repro nosuch
assert_contains "unknown target: message names it" "$ERR" "no stage named 'nosuch'"
expect_exit 2 pipe repro okk
assert_contains "misspelt target: suggestion" "$ERR" "did you mean 'ok'"
assert_no_file "unknown target: nothing ran" ok.txt
assert_no_file "unknown target: no pipe.lock" pipe.lock
expect_exit 2 pipe status nosuch
expect_exit 2 pipe dag nosuch
expect_exit 2 pipe repro --no-such-flag
expect_exit 2 pipe repro -j 0
expect_exit 2 pipe frobnicate

new_tmpdir
empty=$TMP_DIR
cd "$empty" || exit 2
expect_exit 3 pipe repro
assert_contains "no pipeline file: says so" "$ERR" "not a pipe project"

finish
