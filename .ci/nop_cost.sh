#!/usr/bin/env bash
# The zero-cost proof: counts, under callgrind, the instructions (Ir) of a pod
# sync without instrumentation and of the same sync instrumented with
# Ctx<NopTracer, NopLogger> (examples/nop_cost.rs). Fails if the instrumented
# one costs more than 1% over the plain one, or if a debug! line that the
# logger rules out at run time costs more than 10 instructions a call. The
# same 1% rule holds for a sync whose error is a user type that implements
# nothing but std::error::Error, given to set_status and in_span.
#
# Usage: .ci/nop_cost.sh [pods] [rounds]     (defaults: 1000 10)
set -euo pipefail

cd "$(dirname "$0")/.."
pods=${1:-1000}
rounds=${2:-10}
calls=$((pods * rounds))
max_ratio=1.01
max_extra_per_call=10

if ! command -v valgrind >/dev/null 2>&1; then
    echo "nop_cost: installing valgrind" >&2
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq valgrind >/dev/null
fi

# Build, and ask cargo where the binary is (it honours CARGO_TARGET_DIR).
cargo build --release --example nop_cost
bin=$(cargo build --release --example nop_cost --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*nop_cost"' | tail -n 1 | sed 's/^"executable":"//; s/"$//')
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "nop_cost: cannot find the nop_cost binary" >&2
    exit 1
fi

out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT

# Runs one mode under callgrind and prints its Ir. Collection is on only
# inside the sync_* functions (and what they call). All three patterns are
# given every time: if the compiler folds two identical functions into one
# symbol, the name callgrind shows may be either, and only the mode asked for
# runs anyway.
ir_of() {
    local mode=$1 file="$out_dir/callgrind.$1"
    valgrind --tool=callgrind --callgrind-out-file="$file" \
        --toggle-collect='*sync_plain*' \
        --toggle-collect='*sync_instrumented*' \
        --toggle-collect='*sync_debug_off*' \
        --toggle-collect='*sync_user_plain*' \
        --toggle-collect='*sync_user_instrumented*' \
        "$bin" "$mode" "$pods" "$rounds" >"$out_dir/$mode.stdout" 2>"$out_dir/$mode.stderr" || {
        echo "nop_cost: callgrind run of $mode failed:" >&2
        cat "$out_dir/$mode.stderr" >&2
        exit 1
    }
    local ir
    ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$file")
    if [ -z "$ir" ] || [ "$ir" -eq 0 ]; then
        echo "nop_cost: no instructions collected for $mode (was sync_$mode inlined or renamed?)" >&2
        exit 1
    fi
    echo "$ir"
}

plain=$(ir_of plain)
instrumented=$(ir_of instrumented)
debug_off=$(ir_of debug_off)
user_plain=$(ir_of user_plain)
user_instrumented=$(ir_of user_instrumented)

# The modes must have done the same work.
totals=$(for m in plain instrumented debug_off user_plain user_instrumented; do sed -n 's/.*total \([0-9]*\) .*/\1/p' "$out_dir/$m.stdout"; done | sort -u | wc -l)
if [ "$totals" -ne 1 ]; then
    echo "nop_cost: the modes returned different totals:" >&2
    cat "$out_dir"/*.stdout >&2
    exit 1
fi

# Whether the compiler emitted the two syncs as one piece of code.
same_code=""
if command -v nm >/dev/null 2>&1; then
    # awk reads all of nm's output: exiting early would end nm with SIGPIPE,
    # which pipefail turns into a failure of the whole script.
    a=$(nm "$bin" | awk '/sync_plain/ && a == "" { a = $1 } END { print a }')
    b=$(nm "$bin" | awk '/sync_instrumented/ && b == "" { b = $1 } END { print b }')
    if [ -n "$a" ] && [ "$a" = "$b" ]; then same_code=" (the compiler folded both into one function)"; fi
fi

echo
echo "pod syncs per run:         $calls ($pods pods x $rounds rounds)"
echo "plain Ir:                  $plain"
echo "nop-instrumented Ir:       $instrumented$same_code"
awk -v p="$plain" -v i="$instrumented" 'BEGIN {
    printf "instrumented / plain:      %.6f (%+.4f%%, %+d Ir)\n", i / p, (i - p) * 100 / p, i - p }'
echo "debug! ruled out Ir:       $debug_off"
awk -v p="$plain" -v d="$debug_off" -v c="$calls" 'BEGIN {
    printf "debug! ruled out, extra:   %+d Ir, %.2f Ir per call\n", d - p, (d - p) / c }'
echo "user error, plain Ir:      $user_plain"
echo "user error, nop Ir:        $user_instrumented"
awk -v p="$user_plain" -v i="$user_instrumented" 'BEGIN {
    printf "user error, nop / plain:   %.6f (%+.4f%%, %+d Ir)\n", i / p, (i - p) * 100 / p, i - p }'

status=0
if ! awk -v p="$plain" -v i="$instrumented" -v r="$max_ratio" 'BEGIN { exit !(i <= p * r) }'; then
    echo "FAIL: the nop-instrumented sync costs more than ${max_ratio}x the plain one" >&2
    status=1
fi
if ! awk -v p="$user_plain" -v i="$user_instrumented" -v r="$max_ratio" 'BEGIN { exit !(i <= p * r) }'; then
    echo "FAIL: the nop-instrumented sync with a user error type costs more than ${max_ratio}x the plain one" >&2
    status=1
fi
if ! awk -v p="$plain" -v d="$debug_off" -v c="$calls" -v m="$max_extra_per_call" 'BEGIN { exit !((d - p) / c <= m) }'; then
    echo "FAIL: a debug! line ruled out at run time costs more than $max_extra_per_call Ir per call" >&2
    status=1
fi
if [ "$status" -eq 0 ]; then echo "OK"; fi
exit "$status"
