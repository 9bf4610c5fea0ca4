#!/usr/bin/env bash
# Builds pipe and its unit tests with ThreadSanitizer and runs what uses
# threads: the parallel scheduler (repro with -j and a real LocalRunner),
# the transfer engine (parallel push and fetch), the threaded object store
# and hasher. Any data race fails the run.
#   bash tests/tsan.sh [BUILD_DIR]        # default build-tsan/
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-tsan}
start=$(date +%s)
bash "$root/.ci/build.sh" "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPIPE_TSAN=ON -DPIPE_WERROR=ON -DPIPE_TESTS=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
echo "tsan: built in $(($(date +%s) - start)) s"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 exitcode=66 suppressions=$root/tests/tsan.supp"
cd "$build"
# The unit tests whose code runs on several threads.
./tests/pipe_unit_tests --source-file='*test_repro.cpp,*test_remote.cpp,*test_object_store.cpp,*test_artifact.cpp,*test_crash_safety.cpp,*test_lineage.cpp' \
  | tail -3
# The real binary: parallel stages, and parallel transfers to a directory remote.
for t in test_parallel test_remote_local; do
  if ! bash "$root/tests/system/$t.sh" "$build/cli/pipe" >"$build/$t.log" 2>&1; then
    echo "tsan: $t failed under ThreadSanitizer:" >&2
    grep -B2 -A40 'WARNING: ThreadSanitizer' "$build/$t.log" | head -80 >&2 || tail -40 "$build/$t.log" >&2
    exit 1
  fi
  echo "tsan: $t: $(tail -1 "$build/$t.log")"
done
echo "tsan: done in $(($(date +%s) - start)) s"
