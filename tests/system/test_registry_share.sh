#!/usr/bin/env bash
# The model registry shared through a remote, with two clones promoting at
# once: against nginx (WebDAV, listing by PROPFIND) and Swift's S3 API.
# Both clones end with the same history in the same order, the chains
# verify, a rollback travels, and a fresh clone that only fetched answers
# `model show --stage` now and at a point in time.
source "$(dirname "$0")/lib.sh" "$@"

SERVERS=$(cd "$(dirname "$0")/../servers" && pwd)
need_nginx "registry over HTTP"
if ! [ -x /usr/bin/swift-proxy-server ] || ! command -v memcached >/dev/null; then
  skip "registry over S3" "Swift is not installed (.ci/install-deps.sh --test installs it)"
  finish
fi
NGINX=$SCRATCH/nginx
NGINX_PORT=$(free_port)
start_swift registry || finish
trap 'bash "$SERVERS/nginx.sh" stop "$NGINX"; bash "$SERVERS/swift.sh" stop "$SWIFT_DIR"; _cleanup' EXIT
bash "$SERVERS/nginx.sh" start "$NGINX" "$NGINX_PORT" alice s3cret-REG-canary || { fail "nginx starts"; finish; }
export AWS_ACCESS_KEY_ID="pipe:tester" AWS_SECRET_ACCESS_KEY=testing

# The uids of a clone's events in its registry order.
history_uids() { pipe model history clf --json | "$PY" -c 'import json,sys; print(" ".join(e["uid"] for e in json.load(sys.stdin)))'; }

# add_remote KIND: the shared remote, in the first project (clones get it
# from git); credentials KIND: the secrets each clone keeps to itself.
add_remote() {
  case $1 in
    http) expect_exit 0 pipe remote add -d shared "http://127.0.0.1:$NGINX_PORT/team" ;;
    s3)
      expect_exit 0 pipe remote add -d shared "s3://registry/team"
      expect_exit 0 pipe remote modify shared endpointurl "http://127.0.0.1:$SWIFT_PORT"
      expect_exit 0 pipe remote modify shared region us-east-1 ;;
  esac
  credentials "$1"
}
credentials() {
  if [ "$1" = http ]; then
    expect_exit 0 pipe remote modify --local shared user alice
    expect_exit 0 pipe remote modify --local shared password s3cret-REG-canary
  fi
}

two_clones() {
  local kind=$1
  new_project
  local A=$PROJ B=$SCRATCH/$kind-bob C=$SCRATCH/$kind-carol
  git init -q . && git config user.email t@t && git config user.name t
  echo "1,2,3" >data.csv
  cat >pipe.yaml <<'EOF'
stages:
  train:
    cmd: cat data.csv >model.bin
    deps: [data.csv]
    outs: [model.bin]
models:
  clf:
    path: model.bin
    gates:
      staging: []
      production: []
EOF
  export PIPE_USER=alice
  expect_exit 0 pipe repro
  echo "4,5,6" >>data.csv
  expect_exit 0 pipe repro
  assert_contains "$kind: alice makes clf 1.1.0" "$OUT$ERR" "clf 1.1.0"
  add_remote "$kind"
  git add -A && git commit -qm one
  expect_exit 0 pipe model promote clf@1.0.0 --to staging --reason "first look"
  expect_exit 0 pipe push
  assert_contains "$kind: push shares the runs and the event in one pack" "$OUT" "Shared 3 lineage records"

  git clone -q "$A" "$B" && cd "$B" && PROJ=$B
  export PIPE_USER=bob
  credentials "$kind"
  expect_exit 0 pipe fetch
  assert_contains "$kind: bob's fetch imports the registry event" "$OUT" "Imported 1 model registry events"
  expect_exit 0 pipe model show clf --stage staging
  assert_contains "$kind: bob sees staging as alice left it" "$OUT" "clf staging now: 1.0.0"

  # Concurrent promotions: neither has seen the other's.
  cd "$A" && PROJ=$A && export PIPE_USER=alice
  expect_exit 0 pipe model promote clf@1.0.0 --to production --reason "alice ships 1.0"
  sleep 1.1
  T_BETWEEN=$(date -u +%Y-%m-%dT%H:%M:%S)
  sleep 1.1
  cd "$B" && PROJ=$B && export PIPE_USER=bob
  expect_exit 0 pipe model promote clf@1.1.0 --to production --reason "bob ships 1.1"
  expect_exit 0 pipe push
  assert_contains "$kind: bob pushes only his event" "$OUT" "Shared 1 lineage records"
  cd "$A" && PROJ=$A && export PIPE_USER=alice
  expect_exit 0 pipe push
  expect_exit 0 pipe fetch
  assert_contains "$kind: alice's fetch merges bob's concurrent event" "$OUT" "merged events made concurrently"
  assert_contains "$kind: naming both" "$OUT" "promote 1.1.0 -> production by bob@"
  cd "$B" && PROJ=$B
  expect_exit 0 pipe fetch
  assert_contains "$kind: bob's fetch merges alice's" "$OUT" "promote 1.0.0 -> production by alice@"
  local hist_b hist_a
  hist_b=$(history_uids)
  cd "$A" && PROJ=$A
  hist_a=$(history_uids)
  assert_eq "$kind: both clones hold the same three events" "3" "$(echo "$hist_a" | wc -w)"
  assert_eq "$kind: in the same order" "$hist_a" "$hist_b"
  expect_exit 0 pipe model show clf --stage production
  assert_contains "$kind: the later promotion holds production (time order)" "$OUT" "clf production now: 1.1.0"
  expect_exit 0 pipe model history clf
  assert_contains "$kind: history says who, where, and that two were concurrent" "$OUT" "by bob@"
  assert_contains "$kind: marked concurrent" "$OUT" "[concurrent"

  # A rollback travels; the next event joins the fork.
  expect_exit 0 pipe model rollback clf --stage production --reason "incident 7"
  assert_contains "$kind: alice rolls back to 1.0.0" "$OUT" "back to 1.0.0"
  expect_exit 0 pipe push
  cd "$B" && PROJ=$B
  expect_exit 0 pipe fetch
  assert_not_contains "$kind: a rollback after the merge forks nothing" "$OUT" "merged events"
  expect_exit 0 pipe model show clf --stage production
  assert_contains "$kind: bob sees the rollback" "$OUT" "clf production now: 1.0.0"
  hist_b=$(history_uids)
  cd "$A" && PROJ=$A
  assert_eq "$kind: histories still agree" "$(history_uids)" "$hist_b"
  expect_exit 0 pipe audit verify
  assert_contains "$kind: alice's chains verify" "$OUT" "4 model events"
  cd "$B" && PROJ=$B
  expect_exit 0 pipe audit verify
  assert_contains "$kind: bob's too" "$OUT" "4 model events"

  # A fresh clone that only fetched.
  git clone -q "$A" "$C" && cd "$C" && PROJ=$C
  credentials "$kind"
  expect_exit 0 pipe fetch
  expect_exit 0 pipe model show clf --stage production
  assert_contains "$kind: a fresh clone answers who holds production" "$OUT" "clf production now: 1.0.0"
  assert_contains "$kind: and since when, by whom" "$OUT" "rollback by alice@"
  expect_exit 0 pipe model show clf --stage production --at "$T_BETWEEN"
  assert_contains "$kind: and at a point in time" "$OUT" "clf production at $T_BETWEEN"
  assert_contains "$kind: when alice's 1.0.0 held it" "$OUT" ": 1.0.0"
  assert_eq "$kind: the fresh clone's history is the same" "$hist_b" "$(history_uids)"
  expect_exit 0 pipe fetch
  assert_not_contains "$kind: a second fetch reads nothing new" "$OUT" "Imported"
  unset PIPE_USER
}

two_clones http
two_clones s3

# A plain HTTP server that cannot list: the registry is not shared, and
# push says so instead of pretending.
PLAIN=$SCRATCH/nginx-plain
PLAIN_PORT=$(free_port)
NGINX_NO_PROPFIND=1 bash "$SERVERS/nginx.sh" start "$PLAIN" "$PLAIN_PORT" alice pw || { fail "plain nginx starts"; finish; }
new_project
git init -q .
echo x >data.csv
printf 'stages:\n  s:\n    cmd: cat data.csv >out\n    deps: [data.csv]\n    outs: [out]\n' >pipe.yaml
expect_exit 0 pipe repro
expect_exit 0 pipe remote add -d plain "http://alice:pw@127.0.0.1:$PLAIN_PORT/x"
expect_exit 0 pipe push
assert_contains "a server without PROPFIND: push warns that the registry was not shared" "$ERR" "the model registry was not pushed"
assert_contains "saying how to fix it" "$ERR" "PROPFIND"
assert_not_contains "without the password" "$ERR" "alice:pw"
bash "$SERVERS/nginx.sh" stop "$PLAIN"
finish
