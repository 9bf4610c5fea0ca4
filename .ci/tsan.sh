#!/usr/bin/env bash
# Builds pipe's unit tests (and the pipe binary) with ThreadSanitizer, gcc,
# and runs what runs on several threads: the parallel scheduler (repro, with
# the fake runner and with LocalRunner, whose stage threads report back to
# it), the transfer engine (push and fetch through Remote::transfer_many's
# thread pool), and the threaded hashing and batch puts both use. Then the
# real binary: stages at -j 2, Ctrl-C, and push/fetch/pull to a directory,
# an HTTP server with faults and S3. Any ThreadSanitizer report fails the
# run; library false positives go in tests/tsan.supp, each with its reason.
#
#   bash .ci/tsan.sh [BUILD_DIR]          # default build-tsan/
#
# PIPE_TSAN_SYSTEM=0 leaves out the system tests and so the pipe binary
# (half the build). TSAN_JOBS (default: the core count) compilers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-tsan}
jobs=${TSAN_JOBS:-$(nproc)}
system=${PIPE_TSAN_SYSTEM:-1}
targets=(pipe_unit_tests)
[ "$system" = 0 ] || targets+=(pipe)

start=$SECONDS
# -O1 keeps TSan's slowdown down, -g1 (line tables) is enough for file:line
# in its stacks and builds a third faster than -g.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DPIPE_TSAN=ON -DPIPE_WERROR=ON -DPIPE_TESTS=ON >/dev/null
if ! ninja -C "$build" -j "$jobs" "${targets[@]}" >"$build/tsan-build.log" 2>&1; then
  grep -v '^\[' "$build/tsan-build.log" | tail -60 >&2
  echo "tsan: build failed (above)" >&2
  exit 1
fi
echo "tsan: built ${targets[*]} in $((SECONDS - start)) s (ninja -j $jobs)"

# gcc 12's TSan needs the address layout of kernels with at most 30 bits of
# mmap randomization (Debian 12 has 28); on a wider one, run with ASLR off.
run=()
if "$build/tests/pipe_unit_tests" --test-case=none 2>&1 | grep -q 'unexpected memory mapping'; then
  run=(setarch "$(uname -m)" -R)
  echo "tsan: this kernel randomizes mmap too widely for this TSan; running with ASLR off (setarch -R)"
fi

# Every process writes its reports to $reports/tsan.PID, so a report from a
# pipe run whose exit code a system test does not look at still counts.
reports="$build/tsan-reports"
rm -rf "$reports"
mkdir -p "$reports"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp:log_path=$reports/tsan"
check_reports() {  # WHAT: fails, printing them, when there are reports
  if [ -n "$(ls -A "$reports")" ]; then
    echo "tsan: ThreadSanitizer reports from $1:" >&2
    head -c 200000 "$reports"/* >&2
    exit 1
  fi
}

start=$SECONDS
# run_unit LOG-NAME DOCTEST-FILTER...
run_unit() {
  local name=$1 log="$build/tsan-unit-$1.log"
  shift
  if ! "${run[@]}" "$build/tests/pipe_unit_tests" "$@" >"$log" 2>&1; then
    check_reports "pipe_unit_tests $*"
    tail -40 "$log" >&2
    echo "tsan: pipe_unit_tests $* failed" >&2
    exit 1
  fi
  check_reports "pipe_unit_tests $*"
  echo "tsan: pipe_unit_tests $*: $(grep '^\[doctest\] test cases' "$log")"
}
# The scheduler (with the fake runner) and the remotes; hashing and batch
# puts on several threads, which repro and fetch use; MD5 proofs on several
# threads and fetches by md5, which import-dvc and pulls from DVC remotes use.
run_unit scheduler \
  --source-file='*test_repro.cpp,*test_remote.cpp,*test_artifact.cpp,*test_object_store.cpp,*test_dvc_proof.cpp,*test_dvc_fetch.cpp,*test_import_dvc.cpp'
# LocalRunner under repro, and push and fetch with 2 jobs, each also cut by a
# power cut at every sync point.
run_unit runner-transfer \
  --test-case='repro survives a power cut*,push to a directory remote survives a power cut*,fetch from a directory remote survives a power cut*'
echo "tsan: unit tests ran in $((SECONDS - start)) s"

if [ "$system" != 0 ]; then
  start=$SECONDS
  # Stages at -j 2 (LocalRunner's threads, the output sink); Ctrl-C (the
  # signal watcher signalling the runner); push, fetch and pull to a
  # directory, HTTP with faults and retries, and S3 with multipart uploads
  # on threads. The servers are those install-deps.sh installed.
  for t in test_parallel test_interrupt test_remote_local test_remote_http test_remote_faults test_remote_s3 \
           test_import_dvc_remotes; do
    rc=0
    "${run[@]}" bash "$root/tests/system/$t.sh" "$build/cli/pipe" >"$build/tsan-$t.log" 2>&1 || rc=$?
    check_reports "tests/system/$t.sh"
    if [ "$rc" = 125 ] && [ "${PIPE_ALLOW_SKIPS:-0}" = 1 ]; then
      echo "tsan: tests/system/$t.sh: skipped parts (PIPE_ALLOW_SKIPS=1): $(tail -1 "$build/tsan-$t.log")"
      continue
    elif [ "$rc" != 0 ]; then
      grep -A8 '^FAIL\|^SKIP' "$build/tsan-$t.log" | head -60 >&2 || tail -40 "$build/tsan-$t.log" >&2
      echo "tsan: tests/system/$t.sh failed (exit $rc) with the ThreadSanitizer build" >&2
      exit 1
    fi
    echo "tsan: tests/system/$t.sh: $(tail -1 "$build/tsan-$t.log")"
  done
  echo "tsan: system tests ran in $((SECONDS - start)) s"
fi
