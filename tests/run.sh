#!/usr/bin/env bash
# Installs dependencies, builds pipe with ASan+UBSan and warnings as errors,
# and runs every test: doctest unit tests and the system suites that drive
# the real binary. Then fuzzes every parser for a bounded time
# (tests/fuzz/run.sh: clang, build-fuzz/, fails on any crash) and runs the
# parallel scheduler and the transfer engine under ThreadSanitizer
# (.ci/tsan.sh: gcc, build-tsan/, fails on any report).
# Usage: bash tests/run.sh
# CI runs all of it. For local runs only: PIPE_CI_FUZZ=0 leaves out the
# fuzzing, PIPE_CI_TSAN=0 the ThreadSanitizer step; PIPE_FUZZ_SECONDS
# (default 30) is the time per fuzz target, two targets at once on 2 cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash .ci/install-deps.sh --test
build="$root/build-test"
bash .ci/build.sh "$build" -DCMAKE_BUILD_TYPE=Debug -DPIPE_SANITIZE=ON -DPIPE_WERROR=ON -DPIPE_TESTS=ON
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$build"
log="$build/ctest.log"
ctest --output-on-failure -j "$(nproc)" --timeout 600 2>&1 | tee "$log"
# install-deps.sh installed every server the suites use, so a skipped test
# here means one could not run: that is a failure, not a pass.
# PIPE_ALLOW_SKIPS=1 lets a machine without the servers run the rest.
if grep -q '\*\*\*Skipped\|\*\*\*Not Run' "$log" && [ "${PIPE_ALLOW_SKIPS:-0}" != 1 ]; then
  echo "tests/run.sh: some tests were skipped (above); CI installs everything they need, so this fails" >&2
  exit 1
fi
echo "tests/run.sh: build and tests took $SECONDS s"
cd "$root"
if [ "${PIPE_CI_FUZZ:-1}" != 0 ]; then
  step=$SECONDS
  echo "== fuzzing each parser for ${PIPE_FUZZ_SECONDS:-30} s (tests/fuzz/run.sh)"
  FUZZ_SECONDS=${PIPE_FUZZ_SECONDS:-30} bash tests/fuzz/run.sh 2>&1
  echo "tests/run.sh: fuzzing took $((SECONDS - step)) s"
fi
if [ "${PIPE_CI_TSAN:-1}" != 0 ]; then
  step=$SECONDS
  echo "== ThreadSanitizer: parallel scheduler and transfer engine (.ci/tsan.sh)"
  bash .ci/tsan.sh 2>&1
  echo "tests/run.sh: ThreadSanitizer took $((SECONDS - step)) s"
fi
echo "tests/run.sh: all done in $SECONDS s"
