# Sourced by the benchmark scripts: the pipe under test. $PIPE when set;
# else a Release build in $BENCH_BUILD_DIR (default build-bench/), made or
# brought up to date here, without the tests. Needs $repo.
BUILD=${BENCH_BUILD_DIR:-$repo/build-bench}
if [[ -z "${PIPE:-}" ]]; then
  [[ -f "$BUILD/build.ninja" ]] || cmake -S "$repo" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPIPE_TESTS=OFF >&2
  ninja -C "$BUILD" >&2
  PIPE=$BUILD/cli/pipe
fi
