#!/usr/bin/env bash
# Transfers through a server that fails on purpose (tests/servers/faulty_http.py):
# transient faults are retried, corrupt data is never cached, and a fault
# that does not go away ends in a clear error after the retry budget.
source "$(dirname "$0")/lib.sh" "$@"

SERVERS=$(cd "$(dirname "$0")/../servers" && pwd)
PORT=$(free_port)
STORE=$SCRATCH/store
PLAN=$SCRATCH/plan.json
LOG=$SCRATCH/faults.log
mkdir -p "$STORE"
echo '{}' >"$PLAN"
"$PY" "$SERVERS/faulty_http.py" "$STORE" "$PORT" "$PLAN" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; _cleanup' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
plan() { echo "$1" >"$PLAN"; : >"$LOG"; }

new_project
A=$PROJ
git init -q . && git config user.email t@t && git config user.name t
echo "one" >a.txt
echo "two" >b.txt
cat >pipe.yaml <<'EOF'
stages:
  make:
    cmd: cat a.txt b.txt >both.txt && head -c 300000 /dev/urandom >big.bin
    deps: [a.txt, b.txt]
    outs: [both.txt, big.bin]
EOF
expect_exit 0 pipe repro
expect_exit 0 pipe remote add -d flaky "http://127.0.0.1:$PORT"
expect_exit 0 pipe remote modify flaky read_timeout 2
expect_exit 0 pipe remote modify flaky connect_timeout 2

plan '{"PUT": ["503", "429", "500"]}'
expect_exit 0 pipe push -j 1
assert_match "push retries 503, 429 and 500, and gets everything there" "$OUT" "Pushed [0-9]+ objects .*, 0 already there, 0 failed"
assert_eq "the server saw the three faults" "3" "$(grep -c -E 'PUT (503|429|500)' "$LOG")"

# A push killed half way: the next one uploads only what did not arrive.
mkdir -p many && for i in $(seq 1 40); do echo "object $i" >"many/$i"; done
expect_exit 0 pipe add many
base=$(find "$STORE/v1" -type f | wc -l)
plan '{"always": {"PUT": "slow"}}'
# Killed once the first object has arrived (polled, not a fixed sleep: a
# loaded machine may take longer to start the uploads).
(
  "$PIPE" push -j 2 many.pipe >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 200); do
    [ "$(find "$STORE/v1" -type f | wc -l)" -gt "$base" ] && break
    sleep 0.1
  done
  kill -KILL $pid
  wait $pid
) 2>/dev/null
sleep 0.5  # the server finishes the uploads that were in flight
arrived=$(($(find "$STORE/v1" -type f | wc -l) - base))
assert_true "the killed push got some objects there ($arrived) but not all" test "$arrived" -gt 0 -a "$arrived" -lt 41
plan '{}'
expect_exit 0 pipe push -j 2 many.pipe
assert_match "the resumed push skips what arrived" "$OUT" "already there, 0 failed"
resent=$(grep -c '^PUT' "$LOG")
assert_eq "and uploads only the rest" "$((41 - arrived))" "$resent"
git add -A && git commit -qm one

B=$SCRATCH/clone
git clone -q "$A" "$B" && cd "$B" || exit 2
# Each object gets 4 attempts; the faults come in two rounds so that no
# object meets more than 3 (curl itself also retries a reset connection once).
plan '{"GET": ["503", "truncate", "flip"]}'
expect_exit 0 pipe pull -j 1
assert_eq "pull survives a 503, a truncated body and a flipped byte" "$(cat "$A/both.txt")" "$(cat both.txt)"
assert_eq "and the big file is whole" "$(cksum <"$A/big.bin")" "$(cksum <big.bin)"
assert_eq "every fault was served" "3" "$(grep -c -E 'GET (503|truncate|flip)' "$LOG")"
rm -rf .pipe/cache both.txt big.bin
plan '{"GET": ["reset", "stall", "429"]}'
expect_exit 0 pipe pull -j 1
assert_eq "and a reset connection, a stall past read_timeout and a 429" "$(cksum <"$A/big.bin")" "$(cksum <big.bin)"
assert_eq "every fault was served" "3" "$(grep -c -E 'GET (reset|stall|429)' "$LOG")"
expect_exit 0 pipe cache verify --all
assert_contains "nothing corrupt was cached" "$OUT" "0 damaged"

# Corrupt every time: rejected, never cached, and a clear error.
rm -rf .pipe/cache both.txt big.bin
plan '{"always": {"GET": "flip"}}'
expect_exit 1 pipe fetch -j 1
assert_contains "a byte flipped on every attempt is rejected" "$ERR" "does not match its name"
assert_contains "after the retry budget" "$ERR" "gave up after 4 attempts"
assert_eq "and nothing of it is cached" "0" "$(find .pipe/cache/v1 -type f 2>/dev/null | wc -l)"

# A server error that does not go away.
plan '{"always": {"GET": "500"}}'
expect_exit 1 pipe fetch -j 1
assert_contains "a lasting 500 ends in a clear error" "$ERR" "HTTP 500 (gave up after 4 attempts)"
assert_match "with the summary counting the failures" "$OUT" "Fetched 0 objects .* [1-9] failed"

# A redirect to another host name: followed, but the password stays behind.
plan '{"GET": ["redirect"]}'
rm -rf .pipe/cache
expect_exit 0 pipe remote modify --local flaky user alice
expect_exit 0 pipe remote modify --local flaky password redirect-canary
expect_exit 0 pipe fetch -j 1
assert_contains "a redirect is followed" "$(cat "$LOG")" "GET ok host=localhost:$PORT"
assert_contains "the first host got the credentials" "$(cat "$LOG")" "GET redirect host=127.0.0.1:$PORT auth=yes"
assert_contains "the other host did not" "$(cat "$LOG")" "GET ok host=localhost:$PORT auth=no"
assert_not_contains "nor any request to it" "$(grep "host=localhost" "$LOG")" "auth=yes"
expect_exit 0 pipe remote modify --local --unset flaky user
expect_exit 0 pipe remote modify --local --unset flaky password

# A 404 is not retried: a missing object is reported once.
plan '{}'
rm -rf .pipe/cache
rm -f "$STORE"/v1/*/*
expect_exit 1 pipe fetch -j 1
assert_contains "an object the remote lacks is reported" "$ERR" "not found"
assert_eq "without retrying it" "" "$(grep -o 'GET .*path=/v1/.*' "$LOG" | sed 's/.*path=//' | sort | uniq -d)"

finish
