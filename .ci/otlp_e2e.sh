#!/usr/bin/env bash
# OTLP end to end, against a real OTLP/HTTP receiver on loopback:
#   1. a Python virtual environment under the target directory, with the
#      pinned packages of adapters/ctxtrace-opentelemetry/tests/otlp/requirements.txt
#      (made again only when that file changes);
#   2. the receiver (tests/otlp/receiver.py, on opentelemetry-proto) on a
#      free port, stopped on exit;
#   3. the adapter's ignored OTLP tests (tests/otlp_e2e.rs);
#   4. pod_sync_otel --otlp, checked at the receiver;
#   5. one trace across Python (the OpenTelemetry SDK) and Rust
#      (the traceparent_service example), checked at the receiver.
# Usage: bash .ci/otlp_e2e.sh   (PYTHON=python3.12 to pick the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
python=${PYTHON:-python3}
# No __pycache__ beside the test scripts in the source tree.
export PYTHONDONTWRITEBYTECODE=1
otlp=adapters/ctxtrace-opentelemetry/tests/otlp
target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target=$PWD/$target ;; esac
venv=$target/otlp-venv
work=$target/otlp-e2e
mkdir -p "$work"

say() {
    printf -- '--- %s (at %ss)\n' "$*" "$((SECONDS - start))"
}

fail() {
    printf 'FAILED: %s\n' "$*" >&2
    exit 1
}

say "Python packages ($venv)"
if [ -x "$venv/bin/python" ] && cmp -s "$otlp/requirements.txt" "$venv/requirements.installed"; then
    echo "the virtual environment is up to date"
else
    rm -rf "$venv"
    command -v "$python" >/dev/null || fail "no $python on PATH: the OTLP tests need Python 3 with venv and pip"
    "$python" -m venv "$venv" >"$work/venv.log" 2>&1 || {
        cat "$work/venv.log" >&2
        fail "$python -m venv could not make $venv (on Debian: apt-get install python3-venv)"
    }
    if ! "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q \
        -r "$otlp/requirements.txt" >"$work/pip.log" 2>&1; then
        tail -n 25 "$work/pip.log" >&2
        rm -rf "$venv"
        fail "pip could not install the pinned packages of $otlp/requirements.txt" \
            "(the lines above are the end of its log, $work/pip.log): the OTLP end-to-end tests did not run"
    fi
    cp "$otlp/requirements.txt" "$venv/requirements.installed"
    echo "installed: $("$venv/bin/python" -m pip freeze --disable-pip-version-check | tr '\n' ' ')"
fi
py=$venv/bin/python

say "build the OTLP tests and examples"
cargo test -q -p ctxtrace-opentelemetry --test otlp_e2e --no-run
cargo build -q -p ctxtrace-opentelemetry --example pod_sync_otel --example traceparent_service

say "start the receiver"
received=$work/received.jsonl
rm -f "$received"
"$py" "$otlp/receiver.py" --port 0 --out "$received" >"$work/receiver.log" 2>&1 &
receiver_pid=$!
stop_receiver() {
    if kill -0 "$receiver_pid" 2>/dev/null; then
        kill -TERM "$receiver_pid"
        wait "$receiver_pid" || true
    fi
}
trap stop_receiver EXIT
url=
for _ in $(seq 100); do
    url=$(sed -n 's/^listening on //p' "$work/receiver.log")
    [ -n "$url" ] && break
    kill -0 "$receiver_pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$url" ]; then
    cat "$work/receiver.log" >&2
    fail "the receiver did not start"
fi
echo "receiver at $url, writing $received"

say "the adapter's OTLP tests (otlp_e2e, --ignored)"
CTXTRACE_OTLP_RECEIVER=$url CTXTRACE_OTLP_RECEIVED=$received \
    cargo test -p ctxtrace-opentelemetry --test otlp_e2e -- --ignored 2>&1 | tee "$work/cargo_test.log" ||
    fail "the adapter's OTLP tests"
# They must have run, not been filtered or skipped.
grep -Eq '^test result: ok\. [1-9][0-9]* passed; 0 failed; 0 ignored' "$work/cargo_test.log" ||
    fail "the ignored OTLP tests did not all run and pass"

say "pod_sync_otel --otlp $url"
cargo run -q -p ctxtrace-opentelemetry --example pod_sync_otel -- --otlp "$url" >"$work/pod_sync_otel.log" ||
    { cat "$work/pod_sync_otel.log"; fail "pod_sync_otel --otlp"; }
tail -n 1 "$work/pod_sync_otel.log"
"$py" "$otlp/check_pod_sync.py" "$received" || fail "pod_sync_otel --otlp: the receiver did not see the pod sync"

say "one trace across Python and Rust"
"$py" "$otlp/two_languages.py" --service "$target/debug/examples/traceparent_service" \
    --receiver "$url" --received "$received" || fail "one trace across Python and Rust"

say "stop the receiver"
stop_receiver
trap - EXIT
summary=$(sed -n 's/^received //p' "$work/receiver.log")
echo "the receiver received $summary"
case $summary in
*", 0 rejected") ;;
*) fail "the receiver rejected requests or did not stop cleanly: $(cat "$work/receiver.log")" ;;
esac

say "OTLP end to end passed in $((SECONDS - start))s"
