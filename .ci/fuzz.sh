#!/usr/bin/env bash
# Fuzzes the writer loggers: runs each cargo-fuzz target in fuzz/ for
# FUZZ_SECONDS (default 60) seconds. Needs the nightly toolchain and
# cargo-fuzz; installs cargo-fuzz from crates.io when it is missing. When
# either cannot be had, it says so and exits 0: fuzzing is then skipped, not
# failed. A crash fails the run; libFuzzer prints the input, and it is kept
# under fuzz/artifacts/<target>/ (add it to tests/reliability_hostile.rs as a
# regression test once fixed).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
targets=(json_line logfmt_line)

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz: SKIPPED: no nightly toolchain (cargo fuzz needs one)"
    exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz: cargo-fuzz is not installed; installing it from crates.io"
    if ! cargo install --locked cargo-fuzz; then
        echo "fuzz: SKIPPED: cargo-fuzz could not be installed"
        exit 0
    fi
fi

for target in "${targets[@]}"; do
    echo "fuzz: ${target} for ${seconds} s"
    log="$(mktemp)"
    set +e
    cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" >"$log" 2>&1
    status=$?
    set -e
    grep -v '# Uses:' "$log" | tail -n 25
    summary="$(grep -E '^Done [0-9]+ runs' "$log" || true)"
    rm -f "$log"
    if [ "$status" -ne 0 ]; then
        echo "fuzz: ${target} FAILED (exit ${status}); see fuzz/artifacts/${target}/"
        exit "$status"
    fi
    echo "fuzz: ${target} passed: ${summary:-no summary}, no crash"
done
