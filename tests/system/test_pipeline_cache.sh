#!/usr/bin/env bash
# .pipe/pipelines.cache: the expanded stages of each pipeline file, reused by
# the next command only while everything they came from is unchanged
# (engine/pipeline_cache.h). Edits that keep size and mtime are still seen.
source "$(dirname "$0")/lib.sh" "$@"

new_project
git init -q .
expect_exit 0 pipe init
mkdir -p sub
cat >sub/dvc.yaml <<'EOF2'
vars: [vars.yaml]
stages:
  train:
    foreach: ${models}
    do:
      cmd: echo ${item} ${seed} >m_${item}.txt
      outs: ["m_${item}.txt"]
EOF2
printf 'models: [a, b]\n' >sub/params.yaml
printf 'seed: 1\n' >sub/vars.yaml

expect_exit 0 pipe dag --json
assert_file "the first load writes the cache" .pipe/pipelines.cache
assert_true "git ignores it" git check-ignore -q .pipe/pipelines.cache
expect_exit 0 pipe status --json
assert_contains "two stages" "$OUT" '"sub/dvc.yaml:train@b"'

# Same size, same mtime: only the content says it changed.
stamp=$(stat -c %y sub/params.yaml)
printf 'models: [a, c]\n' >sub/params.yaml
touch -d "$stamp" sub/params.yaml
expect_exit 0 pipe dag --json
assert_contains "an edited params file is expanded again" "$OUT" '"sub/dvc.yaml:train@c"'
assert_not_contains "and the old stage is gone" "$OUT" '"sub/dvc.yaml:train@b"'

stamp=$(stat -c %y sub/vars.yaml)
printf 'seed: 2\n' >sub/vars.yaml
touch -d "$stamp" sub/vars.yaml
expect_exit 0 pipe repro -P
assert_eq "an edited vars file reaches the command" "c 2" "$(cat sub/m_c.txt)"

# A pipeline file edited in place, same size and mtime.
stamp=$(stat -c %y sub/dvc.yaml)
sed -i 's/echo \${item} \${seed}/echo \${seed} \${item}/' sub/dvc.yaml
touch -d "$stamp" sub/dvc.yaml
expect_exit 1 pipe status -q
WHAT="repro after the edit" expect_exit 0 pipe repro -P
assert_eq "the edited command ran" "2 c" "$(cat sub/m_c.txt)"

# A damaged cache is a miss, not an error.
head -c 100 /dev/urandom >.pipe/pipelines.cache
expect_exit 0 pipe status -q
assert_ne "and it is rewritten" "100" "$(stat -c %s .pipe/pipelines.cache)"

# A bad edit is reported from the file, not hidden by the cache.
printf 'models: [a, c\n' >sub/params.yaml
expect_exit 3 pipe status
assert_contains "the params file's error is located" "$ERR" "sub/params.yaml:"

finish
