#!/usr/bin/env bash
# Runs the W3C Trace Context test suite (w3c/trace-context, test/test.py, at
# Level 2 and strictness 2) against examples/w3c_service.rs: makes a virtual
# environment under the target directory with pinned aiohttp, starts the
# service, runs test.py, and stops the service. Fails if any case fails.
#
# The suite itself is not part of this repository. Point W3C_SUITE at the
# test/ folder of a checkout of w3c/trace-context (default:
# <target>/w3c-trace-context/test); when there is none, the script says so
# and exits 0 without running anything. tests/w3c.rs has every case as a
# Rust test either way.
#
# Usage: .ci/w3c_suite.sh     (honours CARGO_TARGET_DIR, W3C_SUITE, W3C_PORT)
set -euo pipefail

cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
suite=${W3C_SUITE:-$target/w3c-trace-context/test}
port=${W3C_PORT:-5000}
harness_port=${HARNESS_PORT:-7777}
# Pinned: aiohttp and what it pulls in, as tested.
pins=(aiohttp==3.14.3 multidict==6.9.1 yarl==1.25.1 frozenlist==1.8.0 aiosignal==1.4.0
    attrs==26.1.0 propcache==0.5.4 aiohappyeyeballs==2.7.1 idna==3.20)

if [ ! -f "$suite/test.py" ]; then
    echo "w3c_suite: SKIPPED: no W3C suite at $suite (set W3C_SUITE to the test/ folder of w3c/trace-context)"
    exit 0
fi

mkdir -p "$target"
venv=$(cd "$target" && pwd)/w3c-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import aiohttp' 2>/dev/null; then
    if ! "$venv/bin/pip" install -q "${pins[@]}"; then
        echo "w3c_suite: FAIL: pip could not install ${pins[*]}" >&2
        exit 1
    fi
fi

cargo build --release -q -p ctxtrace --example w3c_service
bin=$(cargo build --release -p ctxtrace --example w3c_service --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*w3c_service"' | tail -n 1 | sed 's/^"executable":"//; s/"$//')

"$bin" --listen "127.0.0.1:$port" &
service=$!
trap 'kill "$service" 2>/dev/null || true; wait "$service" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
done

start=$SECONDS
(
    cd "$suite"
    SPEC_LEVEL=2 STRICT_LEVEL=2 HARNESS_PORT=$harness_port \
        "$venv/bin/python" test.py "http://127.0.0.1:$port/test"
)
echo "w3c_suite: passed in $((SECONDS - start))s"
