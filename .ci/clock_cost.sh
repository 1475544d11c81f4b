#!/usr/bin/env bash
# Instructions per operation of `SystemClock` (examples/clock_cost.rs): one
# `now()`, one span on a `MemoryTracer<SystemClock>`, one timed JSON line,
# and one recorded pod sync (6 spans, 3 events), counted by callgrind inside
# the measured function. With a revision, the same example is built against
# that revision too (in a temporary worktree) and the ratio is printed, to
# show what a change of the clock cost.
#
# Usage: .ci/clock_cost.sh [REV]   (from anywhere; needs valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-}
syncs=10000
modes=(now span json sync)
out=$(mktemp -d)
trap 'rm -rf "$out"; if [ -n "${worktree:-}" ]; then git worktree remove --force "$worktree" >/dev/null 2>&1 || true; fi' EXIT

if ! command -v valgrind >/dev/null; then
    echo "clock_cost: SKIPPED: valgrind is not installed"
    exit 0
fi

# Builds examples/clock_cost in the checkout $1 and prints the binary's path.
build() {
    (cd "$1" && cargo build --release --quiet --example clock_cost -p ctxtrace &&
        cargo build --release --example clock_cost -p ctxtrace --message-format=json 2>/dev/null |
        grep -o '"executable":"[^"]*clock_cost"' | tail -n 1 | sed 's/^"executable":"//; s/"$//')
}

# Prints the instructions per operation of mode $2 with binary $1.
per_sync() {
    local file="$out/$(basename "$1").$2"
    valgrind --tool=callgrind --callgrind-out-file="$file" --toggle-collect='*measure_*' \
        "$1" "$2" "$syncs" >/dev/null 2>&1
    awk -v n="$syncs" '/^(summary|totals):/ { printf "%.1f", $2 / n; exit }' "$file"
}

new=$(build .)
if [ -n "$rev" ]; then
    worktree=$(mktemp -d)/old
    git worktree add --detach "$worktree" "$rev" >/dev/null
    cp examples/clock_cost.rs "$worktree/examples/"
    old=$(CARGO_TARGET_DIR="$out/target-old" build "$worktree")
    printf '%-8s %12s %12s %8s\n' mode "Ir/op $rev" "Ir/op now" ratio
else
    printf '%-8s %12s\n' mode "Ir/op"
fi
for mode in "${modes[@]}"; do
    now=$(per_sync "$new" "$mode")
    if [ -n "$rev" ]; then
        then_=$(per_sync "$old" "$mode")
        awk -v m="$mode" -v a="$then_" -v b="$now" 'BEGIN { printf "%-8s %12.1f %12.1f %8.3f\n", m, a, b, b / a }'
    else
        printf '%-8s %12s\n' "$mode" "$now"
    fi
done
