#!/usr/bin/env bash
# Instructions per operation of `SystemClock` (examples/clock_cost.rs): one
# `now()`, one span on a `MemoryTracer<SystemClock>`, one timed JSON line,
# and one recorded pod sync (6 spans, 3 events), counted by callgrind; with
# a revision, against that revision too.
#
# Usage: .ci/clock_cost.sh [REV]   (from anywhere; needs valgrind)
set -euo pipefail
exec bash "$(dirname "$0")/example_cost.sh" clock_cost op "now span json sync" "$@"
