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
#   process  no toggle, every thread from main on, minus a run with 0 measured
#            syncs (same warm-up, same store at exit): the syncs plus everything
#            they cause elsewhere, fastrace's collector thread and the freeing
#            of the peers' stores included.
# The allocations per sync (calls to malloc, calloc and realloc) are counted the
# same way as the process: on the calling thread, and in every thread.
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
if [ $((syncs % 1000)) != 0 ] || [ "$syncs" = 0 ]; then
    echo "peer_cost: PEER_COST_SYNCS must be a positive multiple of 1000" >&2
    exit 2
fi
json_modes=(json-ctxtrace json-slog json-slog-buf json-tracing)
rec_modes=(rec-ctxtrace rec-fastrace rec-tracing rec-otel)
# Not a column of the targets: the recorder on a TSC clock (quanta, as the
# benches' TscClock), the kind of clock fastrace reads. The core has no
# such clock: reading the TSC takes `unsafe`, which it forbids.
# Nor is json-ctxtrace-unlocked: the JSON logger through `Unlocked<io::Sink>`,
# which takes no lock of the logger's.
# Nor are the hand-written floors of benches/common: json-hand writes the same
# three lines with std's `write!` (the time as an integer, nothing escaped,
# the span fields written out in each format string); rec-hand and
# rec-hand-tsc keep the same spans in a store written for this one sync, on
# ctxtrace's SystemClock and on the TSC clock.
# Nor is rec-json-ctxtrace, which no peer has: the recorder and the JSON
# logger at once, as the main job's json backend, every event carrying the
# Ctx's fields.
extra_modes=(rec-ctxtrace-tsc json-ctxtrace-unlocked json-hand rec-hand rec-hand-tsc rec-json-ctxtrace)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if ! command -v valgrind >/dev/null; then
    echo "peer_cost: SKIPPED: valgrind is not installed"
    exit 0
fi

cargo build --release --quiet --example peer_sync_cost -p ctxtrace
bin=$(cargo build --release --example peer_sync_cost -p ctxtrace --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*peer_sync_cost"' | tail -n 1 | sed 's/^"executable":"//; s/"$//')

# Prints the total instructions in callgrind output files.
total() {
    awk '/^(summary|totals):/ { n += $2; nextfile } END { print n + 0 }' "$@"
}

# Prints the calls to the allocator's entry points in callgrind output files
# (function names are compressed: "(id) name" once, then "(id)"). Call counts
# are kept whether collection is on or not, so they are read from runs
# without --toggle-collect.
allocs() {
    awk '
        FNR == 1 { delete name }
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
    ' "$@"
}

# The process count starts at main: a dump on entering it ends the first part
# (FILE.1-NN), and the final part (FILE-NN, one file a thread, 01 the main
# thread) holds main and every thread it starts. Before main, fastrace's clock
# calibrates the TSC in a static constructor, spinning for a stretch of wall
# time: millions of instructions that change from run to run.
main='peer_sync_cost::main'

# Counts mode $1 three ways (in parallel) and stores, per sync, "Ir on the
# calling thread, Ir of the process, allocations on the calling thread,
# allocations in the process" in $out/$1.
count() {
    local mode=$1 f="$out/$1" pids=() pid
    valgrind --tool=callgrind --callgrind-out-file="$f.thread" \
        --toggle-collect='*measured_syncs*' "$bin" "$mode" "$syncs" >"$f.log1" 2>&1 &
    pids+=($!)
    valgrind --tool=callgrind --callgrind-out-file="$f.all" --dump-before="$main" \
        --separate-threads=yes "$bin" "$mode" "$syncs" >"$f.log2" 2>&1 &
    pids+=($!)
    valgrind --tool=callgrind --callgrind-out-file="$f.zero" --dump-before="$main" \
        --separate-threads=yes "$bin" "$mode" 0 >"$f.log3" 2>&1 &
    pids+=($!)
    for pid in "${pids[@]}"; do
        if ! wait "$pid"; then
            echo "peer_cost: $mode failed under callgrind:"
            cat "$f".log*
            exit 1
        fi
    done
    awk -v n="$syncs" -v t="$(total "$f.thread")" \
        -v a="$(total "$f.all"-[0-9]*)" -v z="$(total "$f.zero"-[0-9]*)" \
        -v ma="$(allocs "$f.all-01")" -v mz="$(allocs "$f.zero-01")" \
        -v pa="$(allocs "$f.all"-[0-9]*)" -v pz="$(allocs "$f.zero"-[0-9]*)" \
        'BEGIN { printf "%.1f %.1f %.2f %.2f\n", t / n, (a - z) / n, (ma - mz) / n, (pa - pz) / n }' >"$f"
}

for mode in "${json_modes[@]}" "${rec_modes[@]}" "${extra_modes[@]}"; do
    count "$mode"
done

echo "callgrind, $syncs syncs a run; per sync:"
printf '%-24s %14s %15s %14s %15s\n' column "Ir/sync thread" "Ir/sync process" \
    "allocs thread" "allocs process"
for mode in "${json_modes[@]}" "${rec_modes[@]}" "${extra_modes[@]}"; do
    read -r t p a b <"$out/$mode"
    printf '%-24s %14s %15s %14s %15s\n' "$mode" "$t" "$p" "$a" "$b"
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
# Not a target: slog-json serialises straight into its writer, piece by piece,
# and io::sink() drops each piece for free; behind a BufWriter it copies its
# bytes once, as in front of a real file or pipe.
awk -v c="$(field json-ctxtrace 1)" -v p="$(field json-slog-buf 1)" \
    'BEGIN { printf "%-36s %6.3f of %-14s (for comparison)\n", "JSON lines, calling thread", c / p, "json-slog-buf" }'
awk -v c="$(field json-ctxtrace-unlocked 1)" -v p="$(field json-slog 1)" \
    'BEGIN { printf "%-36s %6.3f of %-14s (for comparison, Unlocked)\n", "JSON lines, calling thread", c / p, "json-slog" }'
read -r who v <<<"$(best_peer 1)"
ratio "recording, calling thread" "$(field rec-ctxtrace 1)" "$v" "$who" 0.45 || missed=1
read -r who v <<<"$(best_peer 2)"
ratio "recording, whole process" "$(field rec-ctxtrace 2)" "$v" "$who" 0.20 || missed=1
# Not targets: the same with a TSC clock, against the same peers.
read -r who v <<<"$(best_peer 1)"
awk -v c="$(field rec-ctxtrace-tsc 1)" -v p="$v" -v who="$who" \
    'BEGIN { printf "%-36s %6.3f of %-14s (for comparison, TSC clock)\n", "recording, calling thread", c / p, who }'
read -r who v <<<"$(best_peer 2)"
awk -v c="$(field rec-ctxtrace-tsc 2)" -v p="$v" -v who="$who" \
    'BEGIN { printf "%-36s %6.3f of %-14s (for comparison, TSC clock)\n", "recording, whole process", c / p, who }'

# Not targets: the hand-written floors against the same peers, as ctxtrace's
# rows are measured. A floor above a target means that code written for this
# one sync, with no library under it, misses the target too.
awk -v c="$(field json-hand 1)" -v p="$(field json-slog 1)" \
    'BEGIN { printf "%-36s %6.3f of %-14s (for comparison, hand-written)\n", "JSON lines, calling thread", c / p, "json-slog" }'
# The TSC floor on the calling thread only: its whole-process count is within
# the run-to-run swing of the TSC clock's calibration, and can come out
# below zero.
for run in "rec-hand 1" "rec-hand 2" "rec-hand-tsc 1"; do
    read -r mode k <<<"$run"
    read -r who v <<<"$(best_peer "$k")"
    what=$([ "$k" = 1 ] && echo "calling thread" || echo "whole process")
    clock=$([ "$mode" = rec-hand-tsc ] && echo ", TSC clock" || true)
    awk -v c="$(field "$mode" "$k")" -v p="$v" -v who="$who" -v what="$what" -v clock="$clock" \
        'BEGIN { printf "%-36s %6.3f of %-14s (for comparison, hand-written%s)\n", "recording, " what, c / p, who, clock }'
done

if [ "$check" = 1 ] && [ "$missed" = 1 ]; then
    echo "peer_cost: a target is missed"
    exit 1
fi
