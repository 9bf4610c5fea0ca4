#!/usr/bin/env bash
# Pulling an imported DVC repository's data from DVC-layout remotes served
# by real servers: nginx (HTTP, basic auth) and Swift's S3 API (SigV4
# checked strictly), a 1,000-file directory among the objects, into fresh
# clones that have neither the data nor DVC's cache. The credentials come
# from .dvc/config.local and must not leak.
source "$(dirname "$0")/lib.sh" "$@"

SERVERS=$(cd "$(dirname "$0")/../servers" && pwd)
MAKE="$PY $(cd "$(dirname "$0")/../dvc" && pwd)/make_repo.py"
need_nginx "DVC remotes over HTTP and S3"
if ! [ -x /usr/bin/swift-proxy-server ] || ! command -v memcached >/dev/null || ! [ -x /usr/bin/aws ]; then
  skip "DVC remote over S3" "Swift or awscli is not installed (.ci/install-deps.sh --test installs them)"
  finish
fi

# The data as DVC pushed it: one repository written once, its objects in DVC's layout.
ORIG=$SCRATCH/orig
$MAKE "$ORIG" --images 1000 --remote "$SCRATCH/dvcstore" >/dev/null
same_as_orig() {  # NAME: every pulled file is byte-identical to the original
  local diff
  diff=$(cd "$ORIG" && find data/data.xml data/images data/prepared model.pkl stats evaluate/report.txt -type f |
    sort | while read -r f; do cmp -s "$f" "$PROJ/$f" || echo "$f"; done)
  assert_eq "$1" "" "$diff"
}

# --- HTTP: nginx serving the DVC remote, basic auth from config.local ------------
NG=$SCRATCH/nginx
PORT=$(free_port)
start_swift pipe-dvc || finish
trap 'bash "$SERVERS/nginx.sh" stop "$NG"; bash "$SERVERS/swift.sh" stop "$SWIFT_DIR"; _cleanup' EXIT
bash "$SERVERS/nginx.sh" start "$NG" "$PORT" dvcuser http-canary-Pass || { fail "nginx starts"; finish; }
mkdir -p "$NG/data/dvcstore" && cp -r "$SCRATCH/dvcstore/." "$NG/data/dvcstore/"
new_project
$MAKE "$PROJ" --images 1000 --no-workspace --no-cache --url "http://127.0.0.1:$PORT/dvcstore" \
  --user dvcuser --password http-canary-Pass
expect_exit 0 pipe import-dvc
assert_contains "the HTTP remote is imported" "$OUT" "remote.storage.url = http://127.0.0.1:$PORT/dvcstore"
assert_contains "its password goes to config.local" "$OUT" "remote.storage.password = *** (in .pipe/config.local)"
expect_exit 0 pipe pull
assert_match "pull over HTTP fetches every object by md5" "$OUT" "Fetched 10[0-9][0-9] objects .* 0 failed"
same_as_orig "the HTTP pull is byte-identical, 1,000-file directory included"
expect_exit 0 pipe status
assert_eq "status after the HTTP pull: only the cache: false metric is missing" \
  "$(printf 'train:\n    out deleted: metrics.json')" "$OUT"
leaks=$(grep -rl http-canary-Pass . | grep -v -e '^./.dvc/config.local$' -e '^./.pipe/config.local$')
assert_eq "the HTTP password is only in the two config.local files" "" "$leaks"
expect_exit 0 pipe pull
assert_match "a second pull asks nginx for nothing" "$OUT" "Fetched 0 objects"

# --- S3: Swift's S3 API, SigV4, keys from config.local ---------------------------
S3URL="http://127.0.0.1:$SWIFT_PORT"
AWS_ACCESS_KEY_ID="pipe:tester" AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
  env -u AWS_CA_BUNDLE /usr/bin/aws --endpoint-url "$S3URL" s3 cp --recursive --quiet "$SCRATCH/dvcstore" \
  s3://pipe-dvc/team/dvcstore || fail "the DVC remote's objects upload to Swift"
new_project
$MAKE "$PROJ" --images 1000 --no-workspace --no-cache --url s3://pipe-dvc/team/dvcstore --endpoint "$S3URL" \
  --key-id "pipe:tester" --secret testing
expect_exit 0 pipe import-dvc
assert_contains "the S3 endpoint is imported" "$(cat .pipe/config)" "endpointurl = '$S3URL'"
assert_not_contains "the S3 secret is not in the committed config" "$(cat .pipe/config)" "testing"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
expect_exit 0 pipe status -c
assert_contains "status -c sees DVC's objects on S3" "$OUT" "model.pkl: not fetched"
expect_exit 0 pipe pull -j 16
assert_match "pull from S3 fetches every object by md5" "$OUT" "Fetched 10[0-9][0-9] objects .* 0 failed"
same_as_orig "the S3 pull is byte-identical, 1,000-file directory included"
expect_exit 0 pipe status
assert_eq "status after the S3 pull: only the cache: false metric is missing" \
  "$(printf 'train:\n    out deleted: metrics.json')" "$OUT"
expect_exit 0 pipe pull
assert_match "a second pull asks S3 for nothing" "$OUT" "Fetched 0 objects .* already there"

finish
