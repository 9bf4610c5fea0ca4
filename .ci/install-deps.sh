#!/usr/bin/env bash
# Installs pipe's build (and, with --test, test) dependencies from Debian's
# packages, skipping what is already present. Safe to run repeatedly.
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config
  libyaml-cpp-dev libboost-graph-dev libboost-filesystem-dev libboost-dev
  libsqlite3-dev libcurl4-openssl-dev libssl-dev libxxhash-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libtomlplusplus-dev
  doctest-dev libbenchmark-dev)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(xxhash python3 procps util-linux python3-jsonschema python3-yaml sqlite3 git openssl nginx-light libnginx-mod-http-dav-ext apache2-utils curl swift-proxy swift-object swift-container swift-account memcached awscli chromium fonts-dejavu-core
    slurm-wlm munge slurmdbd mariadb-server)
  # tests/fuzz/run.sh: clang, with libFuzzer and clang's sanitizer runtimes
  # (libclang-rt-14-dev, only recommended by clang, so not pulled in below)
  # and llvm-symbolizer-14 (llvm-14), without which crash stacks are bare
  # addresses. gcc's ThreadSanitizer runtime (libtsan2) comes with gcc.
  packages+=(clang libclang-rt-14-dev llvm-14)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
