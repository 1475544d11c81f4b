#!/usr/bin/env bash
# Instructions per operation of a counting example (examples/sync_cost.rs,
# examples/clock_cost.rs), counted by callgrind inside its `measure_*`
# functions: a count that a loaded machine does not blur. With a revision,
# the same example (and the pod sync it shares,
# benches/common/ctxtrace_sync.rs) is built against that revision too, in a
# temporary worktree, and the ratio is printed, to show what a change cost.
#
# Usage: .ci/example_cost.sh EXAMPLE UNIT "MODE..." [REV]
#   (from anywhere; needs valgrind; .ci/sync_cost.sh and .ci/clock_cost.sh
#   call it)
set -euo pipefail
cd "$(dirname "$0")/.."
example=$1
unit=$2
read -r -a modes <<<"$3"
rev=${4:-}
ops=10000
out=$(mktemp -d)
trap 'rm -rf "$out"; if [ -n "${worktree:-}" ]; then git worktree remove --force "$worktree" >/dev/null 2>&1 || true; fi' EXIT

if ! command -v valgrind >/dev/null; then
    echo "$example: SKIPPED: valgrind is not installed"
    exit 0
fi

# Builds the example in the checkout $1 and prints the binary's path.
build() {
    (cd "$1" && cargo build --release --quiet --example "$example" -p ctxtrace &&
        cargo build --release --example "$example" -p ctxtrace --message-format=json 2>/dev/null |
        grep -o "\"executable\":\"[^\"]*$example\"" | tail -n 1 | sed 's/^"executable":"//; s/"$//')
}

# Prints the instructions per operation of mode $2 with binary $1.
per_op() {
    local file="$out/$(basename "$1").$2"
    valgrind --tool=callgrind --callgrind-out-file="$file" --toggle-collect='*measure_*' \
        "$1" "$2" "$ops" >/dev/null 2>&1
    awk -v n="$ops" '/^(summary|totals):/ { printf "%.1f", $2 / n; exit }' "$file"
}

new=$(build .)
if [ -n "$rev" ]; then
    worktree=$(mktemp -d)/old
    git worktree add --detach "$worktree" "$rev" >/dev/null
    cp "examples/$example.rs" "$worktree/examples/"
    mkdir -p "$worktree/benches/common"
    cp benches/common/ctxtrace_sync.rs "$worktree/benches/common/"
    old=$(CARGO_TARGET_DIR="$out/target-old" build "$worktree")
    printf '%-8s %12s %12s %8s\n' mode "Ir/$unit $rev" "Ir/$unit now" ratio
else
    printf '%-8s %12s\n' mode "Ir/$unit"
fi
for mode in "${modes[@]}"; do
    now=$(per_op "$new" "$mode")
    if [ -n "$rev" ]; then
        then_=$(per_op "$old" "$mode")
        awk -v m="$mode" -v a="$then_" -v b="$now" 'BEGIN { printf "%-8s %12.1f %12.1f %8.3f\n", m, a, b, b / a }'
    else
        printf '%-8s %12s\n' "$mode" "$now"
    fi
done
