#!/usr/bin/env bash
# pipe config and .pipe/config: settings as DVC names them, secrets kept in
# a private file, and a cache directory shared by several projects.
source "$(dirname "$0")/lib.sh" "$@"

new_project
expect_exit 0 pipe init
expect_exit 1 pipe config cache.type
assert_eq "an unset setting prints nothing and exits 1 (as git config)" "" "$OUT"
expect_exit 0 pipe config cache.type hardlink,copy
expect_exit 0 pipe config cache.type
assert_eq "a setting reads back" "hardlink,copy" "$OUT"
expect_exit 0 pipe config remote.store.url https://example.com/cache
expect_exit 0 pipe config --local remote.store.password s3cr3t-canary
assert_eq "--local writes config.local with mode 0600" "600" "$(stat -c %a .pipe/config.local)"
assert_not_contains "the secret is not in the committed config" "$(cat .pipe/config)" "s3cr3t-canary"
assert_contains "config.local is git-ignored" "$(cat .pipe/.gitignore)" "/config.local"
expect_exit 0 pipe config --list
assert_contains "--list shows every setting" "$OUT" "remote.store.url=https://example.com/cache"
assert_contains "--list masks secrets" "$OUT" "remote.store.password=***"
assert_not_contains "and never prints them" "$ALL" "s3cr3t-canary"
expect_exit 0 pipe config remote.store.password
assert_not_contains "reading a secret back does not print it either" "$ALL" "s3cr3t-canary"
expect_exit 0 pipe config --unset remote.store.url
assert_not_contains "--unset removes the setting" "$(cat .pipe/config)" "example.com"
assert_not_contains "and the section it leaves empty" "$(cat .pipe/config)" "remote"
expect_exit 1 pipe config --unset remote.store.url
assert_contains "unsetting what is not set says so" "$ERR" "not set"

expect_exit 2 pipe config cache.typo copy
assert_contains "an unknown key is refused with the nearest one" "$ERR" "did you mean 'type'"
expect_exit 2 pipe config nosuch.key 1
assert_contains "an unknown section too" "$ERR" "unknown setting 'nosuch.key'"

# Errors in the file are located.
printf '[cache]\ntype = "copy"\ndri = "/x"\n' >.pipe/config
expect_exit 3 pipe status
assert_contains "an unknown key in .pipe/config is located" "$ERR" ".pipe/config:3:1"
assert_contains "with a suggestion" "$ERR" "did you mean 'dir'"
printf '[cache\n' >.pipe/config
expect_exit 3 pipe status
assert_contains "invalid TOML is located" "$ERR" ".pipe/config:1:"
rm .pipe/config

# ---------------------------------------------------------------- shared cache
SHARED=$SCRATCH/shared-cache
make_project() {
  new_project
  echo "same data" >data.txt
  cat >pipe.yaml <<'EOF'
stages:
  make:
    cmd: cat data.txt >out.txt && echo "$(basename "$PWD")" >>out.txt
    deps: [data.txt]
    outs: [out.txt]
EOF
  expect_exit 0 pipe config cache.dir "$SHARED"
}
make_project
A=$PROJ
expect_exit 0 pipe add data.txt
expect_exit 0 pipe repro
assert_true "objects go to the configured cache directory" test -d "$SHARED/v1"
assert_true "not to the project's own" test ! -d .pipe/cache/v1
make_project
B=$PROJ
expect_exit 0 pipe add data.txt
expect_exit 0 pipe repro
data_hash=$(xxhsum -H2 data.txt 2>/dev/null | cut -d' ' -f1)
assert_eq "identical data is stored once for both projects" "1" \
  "$(find "$SHARED/v1" -name "${data_hash:2}" | wc -l)"
rm data.txt out.txt
expect_exit 0 pipe checkout
assert_eq "checkout restores from the shared cache" "same data" "$(cat data.txt)"

# gc must not take objects another project still uses.
cd "$A" || exit 2
expect_exit 2 pipe gc --force --grace 0
assert_contains "gc --force on a shared cache asks for the other projects" "$ERR" "name every project that uses it with -p"
expect_exit 0 pipe gc --force --grace 0 -p "$B"
b_out=$(cd "$B" && xxhsum -H2 out.txt 2>/dev/null | cut -d' ' -f1)
assert_true "with -p, the other project's objects are kept" test -f "$SHARED/v1/${b_out:0:2}/${b_out:2}"
(cd "$B" && rm out.txt && "$PIPE" checkout >/dev/null)
assert_contains "and it can still check out" "$(cat "$B/out.txt")" "same data"

# A relative cache.dir is relative to .pipe/, as DVC's is to its config.
new_project
expect_exit 0 pipe init
expect_exit 0 pipe config cache.dir ../../elsewhere-cache
echo x >f.txt
expect_exit 0 pipe add f.txt
assert_true "a relative cache.dir is taken from .pipe/" test -d "$(dirname "$PROJ")/elsewhere-cache/v1"
rm -rf "$(dirname "$PROJ")/elsewhere-cache"

# Symlinks into a cache outside the project are not an escape.
make_project
expect_exit 0 pipe config cache.type symlink
expect_exit 0 pipe repro
assert_true "outputs link into the shared cache" test -L out.txt
expect_exit 0 pipe status
assert_contains "and the pipeline accepts them" "$OUT" "up to date"
echo more >>data.txt
expect_exit 0 pipe repro
assert_contains "a rerun replaces the link" "$(cat out.txt)" "more"

finish
