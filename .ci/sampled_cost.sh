#!/usr/bin/env bash
# Instructions per pod sync under a trace that the sampler left out
# (examples/sampled_cost.rs), owned and borrowed, counted by callgrind.
# .ci/sync_cost.sh counts the same sync recorded (memory) and with nothing
# listening (nop). With a revision, against that revision too (one that has
# the sampler and borrowed tracers).
#
# Usage: .ci/sampled_cost.sh [REV]   (from anywhere; needs valgrind)
set -euo pipefail
exec bash "$(dirname "$0")/example_cost.sh" sampled_cost sync "unsampled unsampled-ref" "$@"
