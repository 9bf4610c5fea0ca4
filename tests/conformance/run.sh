#!/usr/bin/env bash
# DVC conformance suite: does pipe draw the same stage graph as DVC for
# pipelines written the way public DVC repositories write them?
#
# Usage: tests/conformance/run.sh PATH_TO_PIPE
#
# Each folder under cases/ is a small repository of its own. It is copied to
# a fresh temporary folder, given an empty .dvc/ (so it is a DVC repository
# root), and `pipe dag --json` runs there. The JSON is turned into sorted
# lines
#     stage <address>
#     edge <upstream address> -> <downstream address>
# and compared with the non-comment lines of the case's `expected` file,
# which says what DVC itself produces (see the '# derivation:' comments).
# A case whose expected file is the single line `error` passes when pipe
# exits non-zero.
#
# Cases listed in known-differences (with the reason) are expected to
# differ: they are reported as "known", and one that passes fails the run,
# so the list stays true.
#
# pipe lists data tracked by .dvc files under "data" ({file, consumers}),
# not under "stages"; DVC draws each .dvc file as a stage node of the graph,
# so each such entry becomes `stage <file>` plus `edge <file> -> <consumer>`.
set -u

if [ $# -ne 1 ]; then
    echo "usage: $0 PATH_TO_PIPE" >&2
    exit 2
fi
case "$1" in
    /*) pipe=$1 ;;
    *) pipe=$PWD/$1 ;;
esac
if [ ! -x "$pipe" ]; then
    echo "$0: '$1' is not an executable" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
tmp_root=$(mktemp -d "${TMPDIR:-/tmp}/pipe-conformance.XXXXXX") || exit 2
trap 'rm -rf "$tmp_root"' EXIT INT TERM

to_lines='
import json, sys
d = json.load(sys.stdin)
lines = set()
for s in d.get("stages") or []:
    name, f = s["name"], s.get("file") or ""
    if f in ("", "dvc.yaml", "pipe.yaml") or name.startswith(f + ":"):
        lines.add("stage " + name)
    else:
        lines.add("stage " + f + ":" + name)
for e in d.get("edges") or []:
    lines.add("edge %s -> %s" % (e["from"], e["to"]))
for t in d.get("data") or []:
    lines.add("stage " + t["file"])
    for c in t.get("consumers") or []:
        lines.add("edge %s -> %s" % (t["file"], c))
for line in sorted(lines):
    print(line)
'

known_reason() { awk -F'\t' -v c="$1" '$1 == c { print $2 }' "$here/known-differences"; }

n=0
failed=0
known=0
# report NAME OK: prints the verdict, counting a known difference as such.
report() {
    local reason
    reason=$(known_reason "$1")
    if [ "$2" = ok ] && [ -z "$reason" ]; then
        echo "ok   - $1"
    elif [ "$2" = ok ]; then
        echo "FAIL - $1 now matches DVC; delete its line from known-differences"
        failed=$((failed + 1))
    elif [ -n "$reason" ]; then
        echo "known - $1 ($reason)"
        known=$((known + 1))
        return 1
    else
        echo "FAIL - $1"
        failed=$((failed + 1))
        return 1
    fi
}

for case_dir in "$here"/cases/*/; do
    case_dir=${case_dir%/}
    name=$(basename "$case_dir")
    n=$((n + 1))
    work=$tmp_root/work/$name
    mkdir -p "$tmp_root/work"
    cp -R "$case_dir" "$work"
    rm -f "$work/expected"
    mkdir -p "$work/.dvc"

    want=$tmp_root/$name.want
    got=$tmp_root/$name.got
    err=$tmp_root/$name.err
    grep -v '^[[:space:]]*#' "$case_dir/expected" | grep -v '^[[:space:]]*$' |
        LC_ALL=C sort >"$want"

    (cd "$work" && timeout 20 "$pipe" dag --json) >"$tmp_root/$name.json" 2>"$err"
    rc=$?

    if [ "$(cat "$want")" = "error" ]; then
        if [ "$rc" -ne 0 ]; then
            report "$name" ok
        elif ! report "$name" differs; then
            echo "    DVC refuses this repository, but pipe dag exited 0 and printed:"
            "$py" -c "$to_lines" <"$tmp_root/$name.json" 2>&1 | sed 's/^/    | /'
        fi
        continue
    fi

    if [ "$rc" -ne 0 ]; then
        if ! report "$name" differs; then
            echo "    pipe dag --json exited $rc:"
            sed 's/^/    | /' "$err"
        fi
        continue
    fi
    if ! "$py" -c "$to_lines" <"$tmp_root/$name.json" >"$got.raw" 2>"$err"; then
        echo "FAIL - $name"
        echo "    could not read pipe's JSON:"
        sed 's/^/    | /' "$err"
        failed=$((failed + 1))
        continue
    fi
    LC_ALL=C sort "$got.raw" >"$got"
    if diff -u --label expected --label pipe "$want" "$got" >"$tmp_root/$name.diff"; then
        report "$name" ok
    elif ! report "$name" differs; then
        sed 's/^/    /' "$tmp_root/$name.diff"
    fi
done

echo "# $n cases: $((n - failed - known)) match DVC, $known known differences, $failed failed"
[ "$failed" -eq 0 ]
