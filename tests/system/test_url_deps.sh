#!/usr/bin/env bash
# Deps by URL, as DVC's external deps: an https:// (here http://) object on
# a real nginx and an s3:// object on a real Swift. The digest is what the
# server says (ETag, version id), read with HEAD; a new object at the URL
# reruns the stage, as a cron job needs. Credentials come from the remote
# the URL lies under and appear nowhere in pipe.lock or messages.
source "$(dirname "$0")/lib.sh" "$@"

SERVERS=$(cd "$(dirname "$0")/../servers" && pwd)
need_nginx "deps by URL"
WEB=$SCRATCH/nginx
PORT=$(free_port)
trap 'bash "$SERVERS/nginx.sh" stop "$WEB"; _cleanup' EXIT
bash "$SERVERS/nginx.sh" start "$WEB" "$PORT" feeder url-DEP-canary || { fail "nginx starts"; finish; }
mkdir -p "$WEB/data/feeds"
echo "day 1" >"$WEB/data/feeds/daily.csv"
URL="http://127.0.0.1:$PORT/feeds/daily.csv"
HAVE_SWIFT=0
if [ -x /usr/bin/swift-proxy-server ] && command -v memcached >/dev/null; then
  HAVE_SWIFT=1
  # Before any cd: start_swift finds its script from here.
  start_swift url-bucket || finish
  trap 'bash "$SERVERS/nginx.sh" stop "$WEB"; bash "$SERVERS/swift.sh" stop "$SWIFT_DIR"; _cleanup' EXIT
fi

# ------------------------------------------------------------ https:// (nginx)
new_project
expect_exit 0 pipe init
cat >pipe.yaml <<EOF
stages:
  ingest:
    cmd: sh rec.sh ingest && echo ingested >ingested.txt
    deps: [$URL]
    outs: [ingested.txt]
EOF
WHAT="repro without credentials" expect_exit 1 pipe repro
assert_contains "a server that refuses says so, naming the URL" "$ERR" "cannot check dep '$URL'"
assert_contains "and the HTTP status" "$ERR" "HTTP 401"
expect_exit 0 pipe remote add feeds "http://127.0.0.1:$PORT/feeds"
expect_exit 0 pipe remote modify --local feeds user feeder
expect_exit 0 pipe remote modify --local feeds password url-DEP-canary
expect_exit 0 pipe repro
assert_ran "a stage with a dep by URL runs, with the credentials of the remote the URL lies under" "ingest"
assert_contains "the lock records the URL as written" "$(cat pipe.lock)" "path: \"$URL\""
assert_not_contains "and no password" "$(cat pipe.lock)" "url-DEP-canary"
expect_exit 0 pipe status
assert_contains "nothing changed on the server: up to date" "$OUT" "Data and pipelines are up to date."
expect_exit 0 pipe repro
assert_ran "and repro runs nothing" ""
echo "day 2, more rows" >"$WEB/data/feeds/daily.csv"
expect_exit 0 pipe status
assert_contains "a new object at the URL is a modified dep" "$OUT" "dep modified: $URL"
expect_exit 0 pipe repro
assert_ran "and the stage runs again, as a cron job needs" "ingest"
rm "$WEB/data/feeds/daily.csv"
expect_exit 0 pipe status
assert_contains "an object gone from the server is a deleted dep" "$OUT" "dep deleted: $URL"
WHAT="repro of a stage whose URL dep is gone" expect_exit 1 pipe repro -f
assert_contains "fails saying where" "$ERR" "pipe.yaml:4:12: dep '$URL' of stage 'ingest' does not exist on its server"
echo "day 3" >"$WEB/data/feeds/daily.csv"
expect_exit 0 pipe remote modify --local feeds password wrong
WHAT="status with a wrong password" expect_exit 1 pipe status
assert_contains "fails as an authentication error" "$ERR" "HTTP 401"
assert_not_contains "that does not show the password" "$ERR" "wrong"
expect_exit 0 pipe remote modify --local feeds password url-DEP-canary
expect_exit 0 pipe dag
assert_contains "dag needs no server" "$OUT" "ingest"

# An audit checks a URL dep at its server: pipe keeps no copy of it.
cat >>pipe.yaml <<EOF
models:
  feed:
    path: ingested.txt
EOF
git init -q . && git config user.email t@t && git config user.name t
git add -A && git commit -qm feed  # reproduce takes rec.sh from git
expect_exit 0 pipe repro
git add -A && git commit -qm ran
expect_exit 0 pipe audit verify feed
assert_contains "audit verify asks the server for the version the run read" "$OUT" "ok       $URL"
assert_contains "and says it is external" "$OUT" "external URL, the server reports the version the run read"
expect_exit 0 pipe audit reproduce feed
assert_contains "reproduce reads a URL dep where it is" "$OUT" "external input $URL: read as it is now"
assert_contains "and the version reproduces" "$OUT" "feed 1.0.0: reproduced"
assert_not_contains "the remote's password appears nowhere" "$OUT$ERR" "url-DEP-canary"
assert_eq "and no scratch workspace is left behind" "" "$(ls .pipe/reproduce 2>/dev/null)"
echo "day 4, another size" >"$WEB/data/feeds/daily.csv"
WHAT="audit verify after the server's object changed" expect_exit 1 pipe audit verify feed
assert_contains "a new version at the URL is reported altered" "$OUT" "ALTERED  $URL"

# ------------------------------------------------------------ s3:// (Swift)
if [ "$HAVE_SWIFT" = 0 ]; then
  skip "deps by s3:// URL" "Swift is not installed (.ci/install-deps.sh --test installs it)"
  finish
fi
token() {
  curl -s -D - -o /dev/null -H 'X-Auth-User: pipe:tester' -H 'X-Auth-Key: testing' \
    "http://127.0.0.1:$SWIFT_PORT/auth/v1.0" | tr -d '\r' | sed -n 's/^[Xx]-[Aa]uth-[Tt]oken: //p'
}
upload() {  # KEY TEXT: a new object in the bucket, through Swift's own API
  printf '%s' "$2" | curl -s -f -X PUT -T - -H "X-Auth-Token: $(token)" \
    "http://127.0.0.1:$SWIFT_PORT/v1/AUTH_pipe/url-bucket/$1" >/dev/null
}
upload "landing/batch.csv" "batch 1"
new_project
expect_exit 0 pipe init
expect_exit 0 pipe remote add store s3://url-bucket/cache
expect_exit 0 pipe remote modify store endpointurl "http://127.0.0.1:$SWIFT_PORT"
expect_exit 0 pipe remote modify store region us-east-1
expect_exit 0 pipe remote modify --local store access_key_id pipe:tester
expect_exit 0 pipe remote modify --local store secret_access_key testing
cat >pipe.yaml <<'EOF'
stages:
  load:
    cmd: sh rec.sh load && echo loaded >loaded.txt
    deps: [s3://url-bucket/landing/batch.csv]
    outs: [loaded.txt]
EOF
expect_exit 0 pipe repro
assert_ran "an s3:// dep is checked with the bucket's remote settings (SigV4, checked by Swift)" "load"
expect_exit 0 pipe repro
assert_ran "unchanged, nothing runs" ""
upload "landing/batch.csv" "batch 2"
expect_exit 0 pipe status --json
assert_contains "a new object in the bucket is a modified dep" "$OUT" '"subject": "s3://url-bucket/landing/batch.csv"'
expect_exit 0 pipe repro
assert_ran "and the stage runs again" "load"
run grep -r -l -a "testing" pipe.lock .pipe/logs
assert_eq "the secret is in no lock or log" "" "$OUT"

finish
