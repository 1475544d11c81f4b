#!/usr/bin/env bash
# The code-size measurement of `Either`: the pod-sync loop of
# examples/either_size.rs chosen from --trace memory|off and --log
# json|text|off by two nested generic dispatchers (one copy of the loop per
# combination, 6) and by one Ctx<Either<..>, Either<..>> type (one copy).
#
# The example is built in release with v0 symbol names, which carry the type
# parameters of each copy (only the example itself is rebuilt for it). Then
# the sizes that `nm --print-size` gives are summed, each way:
#
#   loop      the copies of `sync_loop`;
#   helpers   the other functions compiled once per (tracer, logger) type:
#             for `nested`, those whose name names a tracer type and a
#             logger type; for `either`, those whose name names an `Either`;
#   dispatch  `run_nested` (with its inlined `with_tracer` copies), or
#             `run_either` and `ctx_from_flags`.
#
# What one backend alone compiles (JsonLogger::log, MemoryTracer::start_span,
# the writers) is the same code both ways and is not counted. Both ways are
# run with every pair of flags and must give the same output.
#
# Then, when valgrind is installed, the cost per pod of each way, for each
# pair of flags, in instructions (Ir) that callgrind counts inside
# `sync_loop`: a count that a loaded machine does not blur, as timings are.
#
# Fails unless nested has 6 copies, either has 1, and either's total is the
# smaller.
#
# Usage: .ci/either_size.sh [pods]   (default 1000; from anywhere; honours
# CARGO_TARGET_DIR)
set -euo pipefail

cd "$(dirname "$0")/.."
pods=${1:-1000}

build() {
    cargo rustc --release -p ctxtrace --example either_size "$@" -- -C symbol-mangling-version=v0
}
build --quiet
bin=$(build --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*either_size"' | tail -n 1 | sed 's/^"executable":"//; s/"$//')
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "either_size: cannot find the either_size binary" >&2
    exit 1
fi

for trace in memory off; do
    for log in json text off; do
        a=$("$bin" nested "$trace" "$log" 2>&1 >/dev/null | wc -l)$("$bin" nested "$trace" "$log" 2>/dev/null)
        b=$("$bin" either "$trace" "$log" 2>&1 >/dev/null | wc -l)$("$bin" either "$trace" "$log" 2>/dev/null)
        if [ "$a" != "$b" ]; then
            echo "either_size: nested and either differ for --trace $trace --log $log: $a / $b" >&2
            exit 1
        fi
    done
done

declare -A bytes=()
declare -A count=()
add() { bytes[$1]=$((${bytes[$1]:-0} + $2)); count[$1]=$((${count[$1]:-0} + 1)); }

tracer='(MemoryTracer|NopTracer)'
logger='(JsonLogger|TextLogger|NopLogger)'
while read -r _addr size _kind name; do
    size=$((16#$size))
    either=no
    [[ $name == *ctxtrace::either::Either\<* ]] && either=yes
    if [[ $name == either_size::sync_loop::\<* ]]; then
        if [ "$either" = yes ]; then add either.loop "$size"; else add nested.loop "$size"; fi
    elif [[ $name == either_size::run_nested* ]]; then
        add nested.dispatch "$size"
    elif [[ $name == either_size::run_either* || $name == either_size::ctx_from_flags* ]]; then
        add either.dispatch "$size"
    elif [ "$either" = yes ]; then
        add either.helpers "$size"
    elif [[ $name =~ $tracer ]] && [[ $name =~ $logger ]]; then
        add nested.helpers "$size"
    fi
done < <(nm -C --print-size --size-sort --defined-only "$bin")

total() { echo $((${bytes[$1.loop]:-0} + ${bytes[$1.helpers]:-0} + ${bytes[$1.dispatch]:-0})); }
nested=$(total nested)
either=$(total either)

printf '%-24s %8s %8s\n' "bytes (nm)" nested either
printf '%-24s %8s %8s\n' "copies of the loop" "${count[nested.loop]:-0}" "${count[either.loop]:-0}"
for part in loop helpers dispatch; do
    printf '%-24s %8s %8s\n' "$part" "${bytes[nested.$part]:-0}" "${bytes[either.$part]:-0}"
done
printf '%-24s %8s %8s\n' total "$nested" "$either"
awk -v n="$nested" -v e="$either" 'BEGIN { printf "either / nested:         %.2f\n", e / n }'

if command -v valgrind >/dev/null 2>&1; then
    out_dir=$(mktemp -d)
    trap 'rm -rf "$out_dir"' EXIT
    ir_per_pod() {
        local file="$out_dir/callgrind.$1.$2.$3"
        valgrind --tool=callgrind --callgrind-out-file="$file" --toggle-collect='*sync_loop*' \
            "$bin" "$1" "$2" "$3" "$pods" >/dev/null 2>&1
        awk -v n="$pods" '/^(summary|totals):/ { printf "%d", $2 / n; exit }' "$file"
    }
    echo
    printf '%-24s %8s %8s %8s\n' "Ir per pod (callgrind)" nested either extra
    for trace in memory off; do
        for log in json text off; do
            n=$(ir_per_pod nested "$trace" "$log")
            e=$(ir_per_pod either "$trace" "$log")
            printf '%-24s %8s %8s %+8d\n' "--trace $trace --log $log" "$n" "$e" "$((e - n))"
        done
    done
else
    echo "either_size: valgrind is not installed; the instruction counts are skipped"
fi

status=0
if [ "${count[nested.loop]:-0}" -ne 6 ] || [ "${count[either.loop]:-0}" -ne 1 ]; then
    echo "FAIL: expected 6 copies of the loop for nested dispatch and 1 for Either" >&2
    status=1
fi
if [ "$either" -ge "$nested" ]; then
    echo "FAIL: the Either loop is not smaller than the nested dispatch" >&2
    status=1
fi
if [ "$status" -eq 0 ]; then echo "OK"; fi
exit "$status"
