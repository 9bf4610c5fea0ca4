#!/usr/bin/env bash
# The HTTP and S3 backends are a module, pipe-net.so, loaded only by the
# commands that talk to a server (remotes/net_backends.h): the binary does
# not link libcurl, local commands run without the module, and a missing or
# foreign module is a clear error naming where pipe looked.
source "$(dirname "$0")/lib.sh" "$@"

MODULE=$(dirname "$PIPE")/pipe-net.so
assert_file "the module is built beside the binary" "$MODULE"
assert_not_contains "the binary does not load libcurl" "$(ldd "$PIPE")" "libcurl"
assert_contains "the module does" "$(ldd "$MODULE")" "libcurl"

new_project
expect_exit 0 pipe init
echo hello >a.txt
expect_exit 0 pipe add a.txt
# Port 9 (discard) has no server: the backend is loaded and fails to connect.
expect_exit 0 pipe remote add -d web http://127.0.0.1:9/cache

WHAT="status with no module" expect_exit 0 env PIPE_NET_MODULE=/nonexistent/pipe-net.so "$PIPE" status
WHAT="checkout with no module" expect_exit 0 env PIPE_NET_MODULE=/nonexistent/pipe-net.so "$PIPE" checkout
WHAT="push with no module" expect_exit 70 env PIPE_NET_MODULE=/nonexistent/pipe-net.so "$PIPE" push
assert_contains "the error names the module" "$ERR" "cannot load pipe-net.so, which holds the HTTP and S3 remotes"
assert_contains "and where pipe looked" "$ERR" "/nonexistent/pipe-net.so: not there"

echo "not a shared object" >"$SCRATCH/bogus.so"
WHAT="push with a damaged module" expect_exit 70 env PIPE_NET_MODULE="$SCRATCH/bogus.so" "$PIPE" push
assert_contains "the loader's reason is given" "$ERR" "$SCRATCH/bogus.so:"

WHAT="push with a relative PIPE_NET_MODULE" expect_exit 70 env PIPE_NET_MODULE=pipe-net.so "$PIPE" push
assert_contains "is refused: it would depend on where pipe runs" "$ERR" "PIPE_NET_MODULE must be an absolute path"

# A module of another build: the right entry point and version, other headers.
if command -v cc >/dev/null; then
  cat >"$SCRATCH/other.c" <<'EOF2'
struct table { int version; const char* abi; void* http; void* s3; };
static const struct table t = {1, "headers of another build", 0, 0};
const struct table* pipe_net_backends(void) { return &t; }
EOF2
  cc -shared -fPIC -o "$SCRATCH/other.so" "$SCRATCH/other.c"
  WHAT="push with another build's module" expect_exit 70 env PIPE_NET_MODULE="$SCRATCH/other.so" "$PIPE" push
  assert_contains "is refused, never called" "$ERR" "$SCRATCH/other.so: from another build of pipe"
else
  skip "a module of another build" "no C compiler"
fi

# An installed layout: bin/pipe and lib/pipe/pipe-net.so.
mkdir -p "$SCRATCH/prefix/bin" "$SCRATCH/prefix/lib/pipe"
cp "$PIPE" "$SCRATCH/prefix/bin/pipe"
cp "$MODULE" "$SCRATCH/prefix/lib/pipe/pipe-net.so"
WHAT="push from an installed layout" expect_exit 1 timeout 60 "$SCRATCH/prefix/bin/pipe" push
assert_contains "the backend ran (and found no server)" "$ERR" "127.0.0.1:9"
assert_not_contains "the module was found under lib/pipe" "$ERR" "cannot load"

finish
