#!/usr/bin/env bash
# The library's unit and integration tests under miri, two test binaries at a
# time (one per core), each binary in one process.
#
# Miri takes about two seconds to start a test process. Running every test
# in a process of its own, as `cargo nextest` does, spent most of this step
# starting processes (532 tests, 1,094 s); one process per binary starts 33.
# Within a binary the tests run one after another (`--test-threads=1`), as
# they would one process each: miri runs a process's threads on one core
# anyway, and timing-sensitive tests see no other test beside them.
#
# The two allocation-count binaries count allocations over hundreds of
# warm-up rounds (190 s and 165 s under miri); the library paths they drive
# run under miri in the other tests, so they are left out. The doc examples
# are left out too: each is a program of its own, and compiling two hundred
# of them under miri would take longer than the rest of CI.
#
# Usage: .ci/miri.sh   (from anywhere; needs the nightly toolchain with miri)
set -euo pipefail
cd "$(dirname "$0")/.."
# Isolation is off because the system clock is read.
export MIRIFLAGS="-Zmiri-disable-isolation"
skip=" alloc alloc_counts "
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cargo +nightly miri test -p ctxtrace --all-features --lib --tests --no-run

# The slowest binaries first, so that the two lanes end together; the rest
# in name order.
heavy="reliability_hostile json writer text values lib reliability_memory reliability_panics w3c"
targets=()
for name in $heavy; do
    targets+=("$name")
done
for file in tests/*.rs; do
    name=$(basename "$file" .rs)
    case "$skip $heavy " in *" $name "*) continue ;; esac
    targets+=("$name")
done

# Runs one binary ($1: a test name, or lib) and keeps its output.
run_one() {
    local name=$1 which
    if [ "$name" = lib ]; then which=(--lib); else which=(--test "$name"); fi
    local start=$SECONDS
    if cargo +nightly miri test -p ctxtrace --all-features "${which[@]}" -- --test-threads=1 \
        >"$out/$name.log" 2>&1; then
        echo "miri: $name passed ($((SECONDS - start)) s): $(grep -E '^test result' "$out/$name.log" | tail -n 1)"
    else
        echo "miri: $name FAILED ($((SECONDS - start)) s):"
        cat "$out/$name.log"
        return 1
    fi
}
export -f run_one
export out

start=$SECONDS
if printf '%s\n' "${targets[@]}" | xargs -P 2 -I{} bash -c 'run_one "$@"' _ {}; then
    echo "miri: ${#targets[@]} binaries passed in $((SECONDS - start)) s"
else
    echo "miri: a binary failed (above)"
    exit 1
fi
