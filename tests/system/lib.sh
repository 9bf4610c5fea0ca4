# Shared helpers for pipe's system tests. Each test script does
#
#   source "$(dirname "$0")/lib.sh" "$@"    # $1: absolute path to the pipe binary
#   new_project                             # mktemp -d project, cd'ed into, removed on exit
#   ... checks ...
#   finish                                  # prints a summary, exits 1 if any check failed
#
# Every check prints one line: "ok   - name", "FAIL - name" (followed by
# indented details) or "SKIP - name".

set -u

if [ $# -lt 1 ] || [ -z "${1:-}" ]; then
  echo "usage: bash $0 /abs/path/to/pipe" >&2
  exit 2
fi
PIPE=$1
case $PIPE in
  /*) ;;
  *) PIPE=$(cd "$(dirname "$PIPE")" && pwd)/$(basename "$PIPE") ;;
esac
if [ ! -x "$PIPE" ]; then
  echo "pipe binary not found or not executable: $PIPE" >&2
  exit 2
fi
export PIPE

# Stage commands use this interpreter (never PyYAML: plain python only).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

# Seconds any single pipe invocation may take before it counts as hung.
PIPE_TIMEOUT=${PIPE_TIMEOUT:-60}

CHECKS=0
FAILED=0
FAILED_NAMES=()
_TMPDIRS=()
_BGPIDS=()

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/pipe-scratch.XXXXXX")
_TMPDIRS+=("$SCRATCH")

_cleanup() {
  local pid
  for pid in "${_BGPIDS[@]+"${_BGPIDS[@]}"}"; do
    # Background jobs are started with job control on, so each leads its own
    # process group: end it and whatever it started, by id.
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
  done
  cd / || true
  local d
  for d in "${_TMPDIRS[@]+"${_TMPDIRS[@]}"}"; do
    chmod -R u+rwX "$d" 2>/dev/null
    rm -rf "$d"
  done
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- reporting

pass() {
  CHECKS=$((CHECKS + 1))
  echo "ok   - $1"
}

# fail NAME [DETAIL...]: each detail is printed indented, line by line.
fail() {
  CHECKS=$((CHECKS + 1))
  FAILED=$((FAILED + 1))
  FAILED_NAMES+=("$1")
  echo "FAIL - $1"
  shift
  local d
  for d in "$@"; do
    printf '%s\n' "$d" | head -n 40 | sed 's/^/       | /'
  done
}

# skip NAME WHY: a part of the suite that cannot run here (a server is not
# installed). The script then exits 125, which ctest reports as skipped,
# never as passed (SKIP_RETURN_CODE in tests/CMakeLists.txt).
SKIPPED=0
skip() {
  SKIPPED=$((SKIPPED + 1))
  echo "SKIP - $1${2:+ ($2)}"
}

finish() {
  echo "# $CHECKS checks, $FAILED failed$([ "$SKIPPED" -gt 0 ] && echo ", $SKIPPED parts skipped")"
  if [ "$FAILED" -gt 0 ]; then
    local n
    for n in "${FAILED_NAMES[@]}"; do echo "#   failed: $n"; done
    exit 1
  fi
  [ "$SKIPPED" -gt 0 ] && exit 125
  exit 0
}

# ---------------------------------------------------------------- assertions

assert_eq() {  # NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected: [$2]" "actual:   [$3]"; fi
}

assert_ne() {  # NAME UNEXPECTED ACTUAL
  if [ "$2" != "$3" ]; then pass "$1"; else fail "$1" "expected anything but: [$2]"; fi
}

assert_contains() {  # NAME HAYSTACK NEEDLE (fixed string)
  case $2 in
    *"$3"*) pass "$1" ;;
    *) fail "$1" "expected to contain: [$3]" "in:" "$2" ;;
  esac
}

assert_not_contains() {  # NAME HAYSTACK NEEDLE
  case $2 in
    *"$3"*) fail "$1" "expected NOT to contain: [$3]" "in:" "$2" ;;
    *) pass "$1" ;;
  esac
}

assert_match() {  # NAME HAYSTACK ERE
  if printf '%s\n' "$2" | grep -Eq -- "$3"; then pass "$1"; else fail "$1" "expected to match /$3/ in:" "$2"; fi
}

assert_file() {  # NAME PATH
  if [ -e "$2" ]; then pass "$1"; else fail "$1" "expected '$2' to exist (in $PWD)"; fi
}

assert_no_file() {  # NAME PATH
  if [ -e "$2" ] || [ -L "$2" ]; then fail "$1" "expected '$2' not to exist (in $PWD)"; else pass "$1"; fi
}

assert_true() {  # NAME CMD...: passes when CMD exits 0
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

# ---------------------------------------------------------------- running pipe

# `pipe ARGS...` runs the binary under test, with a hang guard.
pipe() {
  timeout -k 5 "$PIPE_TIMEOUT" "$PIPE" "$@"
}

# run CMD...: runs it, leaving stdout in $OUT, stderr in $ERR, both in $ALL
# and the exit code in $RC. Never fails the script.
run() {
  "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
  RC=$?
  OUT=$(cat "$SCRATCH/out")
  ERR=$(cat "$SCRATCH/err")
  ALL=$OUT${OUT:+${ERR:+$'\n'}}$ERR
  return 0
}

# expect_exit CODE CMD...: runs CMD (as `run` does) and checks its exit code.
# The check is named after the command, or $WHAT when set.
expect_exit() {
  local code=$1
  shift
  run "$@"
  local name="${WHAT:-$*} exits $code"
  if [ "$RC" = "$code" ]; then pass "$name"; else fail "$name" "exit code: $RC" "stdout:" "$OUT" "stderr:" "$ERR"; fi
}

# ---------------------------------------------------------------- projects

# new_project: a fresh temporary project directory (removed at exit), cd'ed
# into, with rec.sh. $PROJ is its absolute path.
new_project() {
  PROJ=$(mktemp -d "${TMPDIR:-/tmp}/pipe-test.XXXXXX")
  _TMPDIRS+=("$PROJ")
  cd "$PROJ" || exit 2
  # `sh rec.sh NAME` (or `sh ../rec.sh NAME` from a wdir) appends NAME to
  # runs.log in the project root, so tests can assert exactly which stages ran.
  cat >rec.sh <<'EOF'
#!/bin/sh
echo "$1" >>"$(dirname "$0")/runs.log"
EOF
}

# The stages recorded in runs.log, sorted, space-separated ("" when none).
ran() {
  if [ -f "$PROJ/runs.log" ]; then sort "$PROJ/runs.log" | tr '\n' ' ' | sed 's/ $//'; fi
}

reset_runs() {
  rm -f "$PROJ/runs.log"
}

# assert_ran NAME "stage stage ...": exactly these stages ran (each once) since
# the last reset_runs. Resets afterwards.
assert_ran() {
  local expected
  expected=$(printf '%s\n' "$2" | tr ' ' '\n' | grep -v '^$' | sort | tr '\n' ' ' | sed 's/ $//')
  local actual
  actual=$(ran)
  if [ "$expected" = "$actual" ]; then
    pass "$1"
  else
    fail "$1" "expected stages to run: [$expected]" "stages that ran:      [$actual]" "pipe output:" "$ALL"
  fi
  reset_runs
}

# A TCP port nothing listens on now, for a test server.
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Skips the whole script (exit 125) unless nginx and htpasswd are installed.
need_nginx() {
  if ! command -v nginx >/dev/null || ! command -v htpasswd >/dev/null; then
    skip "$1" "nginx-light and apache2-utils are not installed (.ci/install-deps.sh --test installs them)"
    finish
  fi
}

# Starts CMD... in the background in its own process group (job control on, so
# SIGINT is not ignored and the whole group can be cleaned up). Sets $BG_PID.
start_bg() {
  local out=$1 err=$2
  shift 2
  set -m
  "$@" >"$out" 2>"$err" &
  BG_PID=$!
  set +m
  _BGPIDS+=("$BG_PID")
}

# max_overlap FILE: the most intervals of FILE ("start end" per line, in
# seconds) that were open at one moment: how many ran at once.
max_overlap() {
  "$PY" - "$1" <<'PYEOF'
import sys
events = []
for line in open(sys.argv[1]):
    a, b = map(float, line.split())
    events += [(a, 1), (b, -1)]
now = most = 0
for _, step in sorted(events):
    now += step
    most = max(most, now)
print(most)
PYEOF
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds; returns 1
# if it never does. Only for synchronisation, never to judge speed.
wait_for() {
  local limit=$(($1 * 10)) i=0
  shift
  while ! "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -ge "$limit" ] && return 1
    sleep 0.1
  done
  return 0
}

# wait_exit PID SECONDS: waits for a background pid; sets $BG_RC. If it is
# still running after SECONDS, kills its group and sets BG_RC=hung.
wait_exit() {
  local pid=$1
  if wait_for "$2" _not_running "$pid"; then
    # (stderr: bash's own "Killed" job notice, not the job's output)
    wait "$pid" 2>/dev/null
    BG_RC=$?
  else
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    BG_RC=hung
  fi
  _forget_bg "$pid"
}

# Once reaped, a pid may be reused: stop tracking it for cleanup.
_forget_bg() {
  local keep=() p
  for p in "${_BGPIDS[@]+"${_BGPIDS[@]}"}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  _BGPIDS=("${keep[@]+"${keep[@]}"}")
}

_not_running() {
  # A zombie still answers kill -0; /proc tells them apart.
  ! kill -0 "$1" 2>/dev/null && return 0
  grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# A stage entry in pipe.lock ("  \"name\":" lines). True if present.
lock_has_stage() {
  [ -f "$PROJ/pipe.lock" ] && grep -q "^  \"$1\":" "$PROJ/pipe.lock"
}

# The hash recorded for PATH under the outs (or deps) of pipe.lock, first match.
lock_hash() {
  awk -v p="\"$1\"" '$1 == "-" && $2 == "path:" && $3 == p { getline; if ($1 == "hash:") { gsub(/"/, "", $2); print $2; exit } }' \
    "$PROJ/pipe.lock"
}

file_sum() {  # a content fingerprint, for "unchanged" checks
  if [ -f "$1" ]; then cksum <"$1"; else echo missing; fi
}

# live_procs PGREP-ARGS...: pgrep's matches that are still alive (zombies,
# already dead and only waiting to be reaped, are left out), as "pid cmdline".
live_procs() {
  local p
  for p in $(pgrep "$@" 2>/dev/null); do
    [ "$p" = "$$" ] && continue
    grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null && continue
    [ -d "/proc/$p" ] || continue
    echo "$p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
  done
}

# ---------------------------------------------------------------- servers

# start_swift: starts tests/servers/swift.sh under $SCRATCH/swift on a free
# port (its backends need PORT+100..+103 free too), makes bucket $1, and
# stops it at exit. Sets SWIFT_PORT. Returns 1 (after a failed check) when
# it cannot; the caller should then finish.
start_swift() {
  local servers
  servers=$(cd "$(dirname "${BASH_SOURCE[0]}")/../servers" && pwd)
  SWIFT_PORT=$("$PY" - <<'PYEOF'
import random, socket
for _ in range(200):
    p = random.randrange(20000, 40000)
    try:
        for q in (p, p + 100, p + 101, p + 102, p + 103):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
        print(p); break
    except OSError:
        continue
PYEOF
)
  SWIFT_DIR=$SCRATCH/swift
  trap 'bash "'"$servers"'/swift.sh" stop "$SWIFT_DIR"; _cleanup' EXIT
  bash "$servers/swift.sh" start "$SWIFT_DIR" "$SWIFT_PORT" >/dev/null || { fail "Swift starts"; return 1; }
  bash "$servers/swift.sh" bucket "$SWIFT_DIR" "$SWIFT_PORT" "$1" || { fail "a bucket can be made"; return 1; }
}
