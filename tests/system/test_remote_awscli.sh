#!/usr/bin/env bash
# Interop with the AWS CLI through the same Swift S3 API: objects pipe
# pushes are listed and downloaded intact by `aws s3`, and a remote the AWS
# CLI populates in pipe's layout is pulled by pipe.
source "$(dirname "$0")/lib.sh" "$@"

AWS=/usr/bin/aws
if ! [ -x /usr/bin/swift-proxy-server ] || ! [ -x "$AWS" ]; then
  skip "AWS CLI interop" "Swift or Debian's awscli is not installed (.ci/install-deps.sh --test installs them)"
  finish
fi
start_swift interop || finish
PORT=$SWIFT_PORT
export AWS_ACCESS_KEY_ID="pipe:tester" AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
aws() { env -u AWS_CA_BUNDLE "$AWS" --endpoint-url "http://127.0.0.1:$PORT" "$@"; }

new_project
A=$PROJ
git init -q . && git config user.email t@t && git config user.name t
expect_exit 0 pipe init
mkdir -p data && for i in 1 2 3; do echo "row $i" >"data/$i.csv"; done
head -c 200000 /dev/urandom >blob.bin
expect_exit 0 pipe add data blob.bin
expect_exit 0 pipe remote add -d s3 s3://interop/by-pipe
expect_exit 0 pipe remote modify s3 endpointurl "http://127.0.0.1:$PORT"
expect_exit 0 pipe push
run aws s3 ls --recursive s3://interop/by-pipe/
h=$(xxhsum -H2 blob.bin 2>/dev/null | cut -d' ' -f1)
assert_contains "the AWS CLI lists what pipe pushed" "$OUT" "by-pipe/v1/${h:0:2}/${h:2}"
run aws s3 cp "s3://interop/by-pipe/v1/${h:0:2}/${h:2}" "$SCRATCH/blob.from-aws"
assert_eq "and downloads it intact" "$(cksum <blob.bin)" "$(cksum <"$SCRATCH/blob.from-aws")"

# The AWS CLI fills a prefix in pipe's layout from pipe's cache; pipe pulls it.
run aws s3 sync .pipe/cache/v1 s3://interop/by-aws/v1
assert_eq "aws s3 sync uploads the cache" "0" "$RC"
git add -A && git commit -qm one
B=$SCRATCH/clone
git clone -q "$A" "$B" && cd "$B" || exit 2
expect_exit 0 pipe remote add -f -d s3 s3://interop/by-aws
expect_exit 0 pipe remote modify s3 endpointurl "http://127.0.0.1:$PORT"
expect_exit 0 pipe pull
assert_eq "pipe pulls what the AWS CLI uploaded" "$(cksum <"$A/blob.bin")" "$(cksum <blob.bin)"
assert_eq "directories too" "row 3" "$(cat data/3.csv)"

finish
