#!/usr/bin/env bash
# Configures and builds pipe: .ci/build.sh BUILD_DIR [extra cmake args...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: build.sh BUILD_DIR [cmake args]}
shift
cmake -S "$here" -B "$build" -G Ninja "$@" >/dev/null
ninja -C "$build" -j "$(nproc)"
