#!/usr/bin/env bash
# Instructions per pod sync for ctxtrace and its peers (examples/peer_sync_cost.rs),
# counted by callgrind, with the ratios against the speed targets:
#
#   JSON lines:  ctxtrace <= 0.40 of slog-json's instructions (calling thread)
#   recording:   ctxtrace <= 0.45 of the best peer on the calling thread,
#                ctxtrace <= 0.20 of the best peer for the whole process
#
# Each column is counted two ways:
#   thread   --toggle-collect on the measured function: the calling thread only
#            (callgrind's collection state is per thread, so a peer's collector
#            thread is not counted);
#   process  no toggle, every thread, minus a run with 0 measured syncs (same
#            warm-up, same store at exit): the syncs plus everything they cause
#            elsewhere, fastrace's collector thread and the freeing of the peers'
#            stores included.
# allocs/sync counts the calls to malloc, calloc and realloc inside the measured
# function (calling thread).
#
# Usage: .ci/peer_cost.sh [--check]   (from anywhere; needs valgrind)
#   --check  exit 1 when a target is missed (without it, only print)
#   PEER_COST_SYNCS=N  measured syncs per run (a multiple of 1000; default 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
for arg in "$@"; do
    case $arg in
        --check) check=1 ;;
        *) echo "usage: $0 [--check]" >&2; exit 2 ;;
    esac
done
syncs=${PEER_COST_SYNCS:-2000}
json_modes=(json-ctxtrace json-slog json-tracing)
rec_modes=(rec-ctxtrace rec-fastrace rec-tracing rec-otel)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if ! command -v valgrind >/dev/null; then
    echo "peer_cost: SKIPPED: valgrind is not installed"
    exit 0
fi

cargo build --release --quiet --example peer_sync_cost -p ctxtrace
bin=$(cargo build --release --example peer_sync_cost -p ctxtrace --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*peer_sync_cost"' | tail -n 1 | sed 's/^"executable":"//; s/"$//')

# Prints the total instructions of a callgrind output file.
total() {
    awk '/^(summary|totals):/ { print $2; exit }' "$1"
}

# Prints the calls to the allocator's entry points recorded in a callgrind
# output file (names are compressed: "(id) name" once, then "(id)").
allocs() {
    awk '
        match($0, /^c?fn=\([0-9]+\)/) {
            id = substr($0, index($0, "(") + 1, index($0, ")") - index($0, "(") - 1)
            rest = substr($0, RLENGTH + 2)
            if (rest != "") name[id] = rest
            callee = ($0 ~ /^cfn=/) ? id : ""
            next
        }
        /^calls=/ {
            split(substr($0, 7), f, " ")
            if (callee != "" && name[callee] ~ /^(malloc|calloc|realloc|aligned_alloc|posix_memalign|memalign)$/)
                n += f[1]
        }
        END { print n + 0 }
    ' "$1"
}

# Counts mode $1 three ways (in parallel, one job a core) and stores
# "thread process allocs" per sync in $out/$1.
count() {
    local mode=$1 f="$out/$1"
    valgrind --tool=callgrind --callgrind-out-file="$f.thread" \
        --toggle-collect='*measured_syncs*' "$bin" "$mode" "$syncs" >/dev/null 2>&1 &
    valgrind --tool=callgrind --callgrind-out-file="$f.all" "$bin" "$mode" "$syncs" >/dev/null 2>&1 &
    valgrind --tool=callgrind --callgrind-out-file="$f.zero" "$bin" "$mode" 0 >/dev/null 2>&1 &
    wait
    awk -v n="$syncs" -v t="$(total "$f.thread")" -v a="$(total "$f.all")" \
        -v z="$(total "$f.zero")" -v m="$(allocs "$f.thread")" \
        'BEGIN { printf "%.1f %.1f %.2f\n", t / n, (a - z) / n, m / n }' >"$f"
}

for mode in "${json_modes[@]}" "${rec_modes[@]}"; do
    count "$mode"
done

printf '%-14s %14s %15s %12s\n' column "Ir/sync thread" "Ir/sync process" "allocs/sync"
for mode in "${json_modes[@]}" "${rec_modes[@]}"; do
    read -r t p a <"$out/$mode"
    printf '%-14s %14s %15s %12s\n' "$mode" "$t" "$p" "$a"
done
echo

# Prints the ratio line for one target and exits 1 from awk when it is missed.
# $1 label, $2 ctxtrace's count, $3 the peer's count, $4 the peer's name, $5 the target.
ratio() {
    awk -v l="$1" -v c="$2" -v p="$3" -v who="$4" -v t="$5" 'BEGIN {
        r = c / p
        printf "%-36s %6.3f of %-14s target <= %.2f  %s\n", l, r, who, t, (r <= t ? "met" : "MISSED")
        exit (r <= t ? 0 : 1)
    }'
}

# The peer with the fewest instructions in field $1 (1 thread, 2 process).
best_peer() {
    local best="" bestv=""
    for mode in "${rec_modes[@]:1}"; do
        v=$(awk -v k="$1" '{ print $k }' "$out/$mode")
        if [ -z "$bestv" ] || awk -v a="$v" -v b="$bestv" 'BEGIN { exit !(a < b) }'; then
            best=$mode bestv=$v
        fi
    done
    echo "$best $bestv"
}

missed=0
field() { awk -v k="$2" '{ print $k }' "$out/$1"; }
ratio "JSON lines, calling thread" "$(field json-ctxtrace 1)" "$(field json-slog 1)" json-slog 0.40 || missed=1
read -r who v <<<"$(best_peer 1)"
ratio "recording, calling thread" "$(field rec-ctxtrace 1)" "$v" "$who" 0.45 || missed=1
read -r who v <<<"$(best_peer 2)"
ratio "recording, whole process" "$(field rec-ctxtrace 2)" "$v" "$who" 0.20 || missed=1

if [ "$check" = 1 ] && [ "$missed" = 1 ]; then
    echo "peer_cost: a target is missed"
    exit 1
fi
