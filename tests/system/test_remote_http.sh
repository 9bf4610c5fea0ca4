#!/usr/bin/env bash
# The HTTP remote against a real nginx with WebDAV PUT and basic auth:
# push, status -c, pull into a fresh clone, wrong credentials, and a
# GET-only server used as a read-only remote.
source "$(dirname "$0")/lib.sh" "$@"

SERVERS=$(cd "$(dirname "$0")/../servers" && pwd)
need_nginx "HTTP remote"
RW=$SCRATCH/nginx-rw
RO=$SCRATCH/nginx-ro
PORT=$(free_port)
RO_PORT=$(free_port)
stop_servers() { bash "$SERVERS/nginx.sh" stop "$RW"; bash "$SERVERS/nginx.sh" stop "$RO"; }
trap 'stop_servers; _cleanup' EXIT
bash "$SERVERS/nginx.sh" start "$RW" "$PORT" alice s3cret-HTTP-canary || { fail "nginx starts"; finish; }
URL="http://127.0.0.1:$PORT/cache"

new_project
A=$PROJ
git init -q . && git config user.email t@t && git config user.name t
mkdir -p data && for i in 1 2 3; do echo "sample $i" >"data/$i.txt"; done
printf '%s' "name with spaces" >"data/with space.txt"
cat >pipe.yaml <<'EOF'
stages:
  count:
    cmd: wc -l data/*.txt >count.txt
    deps: [data]
    outs: [count.txt]
EOF
expect_exit 0 pipe add data
expect_exit 0 pipe repro
expect_exit 0 pipe remote add -d web "http://alice:s3cret-HTTP-canary@127.0.0.1:$PORT/cache"
assert_not_contains "the password is not in the committed config" "$(cat .pipe/config)" "s3cret-HTTP-canary"
expect_exit 0 pipe status -c
assert_contains "status -c over HTTP: not pushed" "$OUT" "count.txt: not pushed"
expect_exit 0 pipe push
assert_match "push over HTTP uploads the objects" "$OUT" "Pushed [1-9][0-9]* objects"
h=$(xxhsum -H2 count.txt 2>/dev/null | cut -d' ' -f1)
assert_eq "nginx holds the object, byte for byte" "$(cat count.txt)" "$(cat "$RW/data/cache/v1/${h:0:2}/${h:2}")"
expect_exit 0 pipe status -c
assert_contains "status -c after push: in sync" "$OUT" "in sync"
expect_exit 0 pipe push
assert_match "a no-op push uploads nothing" "$OUT" "Pushed 0 objects"

# Many objects over few connections: libcurl's multi interface keeps at
# most -j connections open and reuses them for HEADs and PUTs alike.
mkdir -p many && for i in $(seq 1 60); do echo "object $i" >"many/$i"; done
expect_exit 0 pipe add many
: >"$RW/logs/access.log"
expect_exit 0 pipe push -j 4 many.pipe
assert_match "60 small objects are pushed" "$OUT" "Pushed 61 objects"
requests=$(grep -c -E ' (HEAD|PUT) ' "$RW/logs/access.log")
connections=$(grep -E ' (HEAD|PUT) ' "$RW/logs/access.log" | cut -d' ' -f1 | sort -u | wc -l)
assert_true "over 100 requests ($requests) were made" test "$requests" -gt 100
assert_true "on at most 16 connections ($connections), not one each" test "$connections" -le 16
run grep -r -l -a "s3cret-HTTP-canary" .pipe --exclude=config.local
assert_eq "the password appears nowhere in .pipe/ but config.local" "" "$OUT"
git add -A && git commit -qm one

# A fresh clone pulls over HTTP.
B=$SCRATCH/clone
git clone -q "$A" "$B" && cd "$B" || exit 2
expect_exit 1 pipe pull
assert_contains "without the password, a clear authentication error" "$ERR" "HTTP 401"
assert_contains "that says what to do" "$ERR" "check the remote's user and password"
assert_not_contains "and no password in it" "$ERR" "s3cret"
expect_exit 0 pipe remote modify --local web password wrong-password
expect_exit 1 pipe pull
assert_contains "wrong credentials fail clearly" "$ERR" "authentication failed"
expect_exit 0 pipe remote modify --local web password s3cret-HTTP-canary
expect_exit 0 pipe pull
assert_eq "pull over HTTP restores outputs byte for byte" "$(cat "$A/count.txt")" "$(cat count.txt)"
assert_eq "and tracked data, names with spaces too" "name with spaces" "$(cat "data/with space.txt")"
PROJ=$B expect_exit 0 pipe repro
assert_contains "after pull nothing needs to run" "$OUT" "up to date"

# A GET-only server: a read-only remote pulls, and refuses pushes clearly.
mkdir -p "$RO/data" && cp -r "$RW/data/cache" "$RO/data/cache"
bash "$SERVERS/nginx.sh" start "$RO" "$RO_PORT" alice s3cret-HTTP-canary readonly || { fail "read-only nginx starts"; finish; }
cd "$A" || exit 2
expect_exit 0 pipe remote add ro "http://127.0.0.1:$RO_PORT/cache"
expect_exit 0 pipe remote modify ro user alice
expect_exit 0 pipe remote modify ro password s3cret-HTTP-canary
rm -rf .pipe/cache count.txt data
expect_exit 0 pipe pull -r ro
assert_eq "a read-only remote serves pulls" "sample 2" "$(cat data/2.txt)"
echo "sample 4" >data/4.txt
expect_exit 0 pipe add data
expect_exit 1 pipe push -r ro
assert_contains "and a push to it says the server does not accept uploads" "$ERR" "does not accept uploads"

finish
