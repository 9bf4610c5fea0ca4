#!/usr/bin/env bash
# cache.type: every link type gives the right workspace content, linked
# files cannot be edited in place (or the edit is caught), and the cache
# stays intact.
source "$(dirname "$0")/lib.sh" "$@"

inode() { stat -c %i "$1"; }
object_of() { local h; h=$(xxhsum -H2 "$1" 2>/dev/null | cut -d' ' -f1); echo ".pipe/cache/v1/${h:0:2}/${h:2}"; }

# A stage with a file, a directory and an executable output.
make_pipeline() {
  cat >pipe.yaml <<'EOF'
stages:
  make:
    cmd: sh rec.sh make && mkdir -p out && echo a >out/a && echo b >out/b && echo "model $(cat in.txt)" >model.txt && printf '#!/bin/sh\necho tool\n' >tool.sh && chmod +x tool.sh
    deps: [in.txt]
    outs: [out, model.txt, tool.sh]
EOF
  echo 1 >in.txt
}

# ---------------------------------------------------------------- hardlink
new_project
make_pipeline
expect_exit 0 pipe config cache.type hardlink,copy
assert_contains "the setting is in .pipe/config" "$(cat .pipe/config)" "hardlink,copy"
expect_exit 0 pipe repro
assert_eq "hardlink: content is right" "model 1" "$(cat model.txt)"
assert_eq "hardlink: the output is the cache object" "$(inode "$(object_of model.txt)")" "$(inode model.txt)"
assert_eq "hardlink: directory files are the cache objects" "$(inode "$(object_of out/a)")" "$(inode out/a)"
assert_eq "hardlink: the output is read-only" "444" "$(stat -c %a model.txt)"
assert_eq "hardlink: an executable output is a copy of its own (modes are per inode)" "1" "$(stat -c %h tool.sh)"
assert_eq "hardlink: and stays executable" "tool" "$(./tool.sh)"

# Not even its owner can edit it in place (root ignores modes: see below).
chmod 755 "$PROJ"
chown nobody model.txt
run setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c 'echo tampered >>model.txt'
assert_ne "hardlink: an in-place edit by the file's (non-root) owner is refused" "0" "$RC"
expect_exit 0 pipe cache verify
assert_contains "hardlink: the cache is intact" "$OUT" "0 damaged"

# An editor that writes a new file and renames it breaks the link, not the cache.
sed -i 's/model/edited/' model.txt
expect_exit 1 pipe status -q
expect_exit 0 pipe cache verify
assert_contains "hardlink: a rename-style edit leaves the cache intact" "$OUT" "0 damaged"
expect_exit 0 pipe checkout --force
assert_eq "hardlink: checkout --force restores it" "model 1" "$(cat model.txt)"
assert_eq "hardlink: linked again" "$(inode "$(object_of model.txt)")" "$(inode model.txt)"

# root ignores file modes: the edit reaches the object, and pipe says so.
echo tampered >>model.txt
expect_exit 0 pipe status
assert_contains "hardlink: root's in-place edit is detected by status" "$OUT" "out modified: model.txt"
expect_exit 1 pipe cache verify
assert_contains "hardlink: and by cache verify" "$ERR" "damaged"
expect_exit 1 pipe checkout --force
assert_contains "hardlink: checkout does not pass the damaged object off as restored" "$ERR" "edited in place"

# ---------------------------------------------------------------- symlink
new_project
make_pipeline
expect_exit 0 pipe config cache.type symlink
expect_exit 0 pipe repro
assert_eq "symlink: content is right" "model 1" "$(cat model.txt)"
assert_true "symlink: the output is a link" test -L model.txt
assert_contains "symlink: into the cache" "$(readlink model.txt)" "$PROJ/.pipe/cache/v1/"
assert_true "symlink: directory files are links" test -L out/b
assert_true "symlink: an executable output is a file of its own" test ! -L tool.sh
chmod 755 "$PROJ"
chown nobody model.txt  # the object behind the link
run setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c 'echo tampered >>model.txt'
assert_ne "symlink: an in-place edit by the file's (non-root) owner is refused" "0" "$RC"
expect_exit 0 pipe status
assert_contains "symlink: the project is up to date" "$OUT" "up to date"
rm model.txt out/a
expect_exit 0 pipe checkout
assert_true "symlink: checkout restores links" test -L model.txt -a -L out/a
assert_eq "symlink: with the right content" "a" "$(cat out/a)"
echo 2 >in.txt
reset_runs
expect_exit 0 pipe repro
assert_ran "symlink: a rerun replaces the links" "make"
assert_eq "symlink: new content" "model 2" "$(cat model.txt)"
expect_exit 0 pipe cache verify --all
assert_contains "symlink: the old objects are intact" "$OUT" "0 damaged"

# ---------------------------------------------------------------- copy
new_project
make_pipeline
expect_exit 0 pipe config cache.type copy
expect_exit 0 pipe repro
assert_eq "copy: the output is a file of its own" "1" "$(stat -c %h model.txt)"
assert_true "copy: and writable" test -w model.txt
echo edit >>model.txt
expect_exit 0 pipe cache verify
assert_contains "copy: editing it leaves the cache intact" "$OUT" "0 damaged"
rm -rf out tool.sh
expect_exit 0 pipe checkout out tool.sh
assert_eq "copy: checkout restores a directory" "b" "$(cat out/b)"
assert_eq "copy: an executable file comes back executable" "tool" "$(./tool.sh)"

# The default, reflink then copy: whatever this filesystem supports.
new_project
make_pipeline
expect_exit 0 pipe repro
assert_eq "default: content is right" "model 1" "$(cat model.txt)"
assert_true "default: the output is writable (a reflink or a copy)" test -w model.txt
assert_true "default: not a symlink" test ! -L model.txt

# ---------------------------------------------------------------- switching
new_project
make_pipeline
expect_exit 0 pipe config cache.type hardlink
expect_exit 0 pipe repro
expect_exit 0 pipe config cache.type copy
expect_exit 0 pipe checkout
assert_eq "switching to copy: checkout turns links into files of their own" "1" "$(stat -c %h model.txt)"
assert_true "switching to copy: writable again" test -w model.txt
expect_exit 0 pipe config cache.type symlink
expect_exit 0 pipe checkout
assert_true "switching to symlink: checkout links them" test -L out/a

# ---------------------------------------------------------------- unprotect
new_project
make_pipeline
expect_exit 0 pipe config cache.type hardlink
expect_exit 0 pipe repro
expect_exit 0 pipe unprotect model.txt out
assert_contains "unprotect says what it did" "$OUT" "out: 2 files made writable"
assert_eq "unprotect: a file of its own" "1" "$(stat -c %h model.txt)"
echo edit >>model.txt
echo edit >>out/a
expect_exit 0 pipe cache verify
assert_contains "unprotect: editing afterwards leaves the cache intact" "$OUT" "0 damaged"

# A persist output is updated in place by its stage: never through a link.
new_project
cat >pipe.yaml <<'EOF'
stages:
  grow:
    cmd: echo "$(cat in.txt)" >>log.txt
    deps: [in.txt]
    outs:
    - log.txt:
        persist: true
EOF
expect_exit 0 pipe config cache.type hardlink
echo 1 >in.txt
expect_exit 0 pipe repro
first=$(object_of log.txt)
echo 2 >in.txt
expect_exit 0 pipe repro
assert_eq "persist: the stage appended" "$(printf '1\n2')" "$(cat log.txt)"
assert_eq "persist: the first version's object is untouched" "1" "$(cat "$first")"
expect_exit 0 pipe cache verify --all
assert_contains "persist: the cache is intact" "$OUT" "0 damaged"

# ---------------------------------------------------------------- pipe add
new_project
expect_exit 0 pipe init
mkdir data && for i in 1 2 3; do echo "row $i" >"data/$i.csv"; done
expect_exit 0 pipe config cache.type hardlink
expect_exit 0 pipe add data
assert_eq "add with hardlink: the data is linked to the cache" "$(inode "$(object_of data/2.csv)")" "$(inode data/2.csv)"
expect_exit 0 pipe add data
assert_contains "add with hardlink: adding again finds it unchanged" "$OUT" "unchanged"
expect_exit 0 pipe cache verify --all
assert_contains "add with hardlink: the cache is intact" "$OUT" "0 damaged"

# ---------------------------------------------------------------- bad config
new_project
make_pipeline
expect_exit 2 pipe config cache.type hardlnk
assert_contains "a misspelt link type is refused with a suggestion" "$ERR" "did you mean 'hardlink'"
printf '[cache]\ntype = "hardlink,copy,hardlink"\n' >.pipe/config
expect_exit 3 pipe repro
assert_contains "a bad cache.type in the file is located" "$ERR" ".pipe/config:2:"
assert_contains "and explained" "$ERR" "listed twice"

finish
