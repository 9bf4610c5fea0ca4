#!/usr/bin/env bash
# A full disk while committing outputs to the cache: a clear error, exit 5,
# no stage recorded, no bad object, the workspace as the stage left it.
source "$(dirname "$0")/lib.sh" "$@"

new_project
mnt="$PROJ/small"
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=2m tmpfs "$mnt" 2>/dev/null; then
  skip "ENOSPC during commit (cannot mount a small tmpfs here)"
  finish
fi
trap 'cd /; umount "$mnt" 2>/dev/null; _cleanup' EXIT
cd "$mnt"
cat >pipe.yaml <<'EOF'
stages:
  big:
    cmd: head -c 1200000 /dev/urandom > big.bin
    outs: [big.bin]
EOF
expect_exit 5 pipe repro
assert_contains "the error says the disk is full" "$ERR" "No space left on device"
assert_contains "and what to do" "$ERR" "free space and run again"
assert_file "the workspace keeps the stage's output" big.bin
assert_eq "the output is whole" 1200000 "$(stat -c %s big.bin)"
assert_true "the stage is not recorded" sh -c '! grep -q "\"big\"" pipe.lock 2>/dev/null'
assert_eq "no partial object is left in the cache" "" "$(find .pipe/cache -type f 2>/dev/null)"
rm -f big.bin
expect_exit 0 pipe cache verify --all

finish
