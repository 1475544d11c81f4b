#!/usr/bin/env bash
# Instructions per pod sync on each backend (examples/sync_cost.rs), counted
# by callgrind; with a revision, against that revision too.
#
# Usage: .ci/sync_cost.sh [REV]   (from anywhere; needs valgrind)
set -euo pipefail
exec bash "$(dirname "$0")/example_cost.sh" sync_cost sync "json text memory nop" "$@"
