#!/usr/bin/env bash
# Checks adapters/ctxtrace-tracing/examples/pod_sync_one_stream: the lines of
# the program (ctxtrace), of a dependency that logs with `tracing`
# (kube_client) and of one that logs with `log` (image_puller) come out as one
# JSON stream on stderr. Line by line: a JSON object with unique keys and
# `time`, `level`, `target`, `msg`; kube_client lines have their target,
# typed fields and the trace_id/span_id of a ctxtrace line of the same sync;
# image_puller lines have their target.
#
# Usage: .ci/one_stream_check.sh   (from anywhere; honours CARGO_TARGET_DIR)
set -euo pipefail

cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cargo run -q -p ctxtrace-tracing --example pod_sync_one_stream >"$tmp/out" 2>"$tmp/err" ||
    { echo "one_stream_check: FAIL: the example failed: $(head -c 2000 "$tmp/err")" >&2; exit 1; }
grep -q '^syncs: [1-9]' "$tmp/out" || { echo "one_stream_check: FAIL: no summary on stdout" >&2; exit 1; }

python3 - "$tmp/err" <<'PY'
import json, re, sys

path = sys.argv[1]
crate = "pod_sync_one_stream"
hex32, hex16 = re.compile(r"[0-9a-f]{32}"), re.compile(r"[0-9a-f]{16}")
levels = {"trace", "debug", "info", "warn", "error"}

def unique(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate keys in {keys}")
    return dict(pairs)

def fail(msg):
    sys.exit(f"one_stream_check: FAIL: {msg}")

lines = []
with open(path, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        where = f"{path}:{n}: {line[:300]!r}"
        try:
            entry = json.loads(line, object_pairs_hook=unique)
        except ValueError as e:
            fail(f"not a JSON object with unique keys ({e}): {where}")
        if not isinstance(entry, dict):
            fail(f"not a JSON object: {where}")
        if list(entry)[:4] != ["time", "level", "target", "msg"]:
            fail(f"does not start with time, level, target, msg: {where}")
        if entry["level"] not in levels or not isinstance(entry["msg"], str):
            fail(f"no valid level and msg: {where}")
        lines.append((where, entry))
if not lines:
    fail(f"{path}: no lines")

own = [e for _, e in lines if e["target"] == crate]
kube = [(w, e) for w, e in lines if e["target"] == crate + "::kube_client"]
puller = [(w, e) for w, e in lines if e["target"] == crate + "::image_puller"]
other = [w for w, e in lines if e["target"] not in (crate, crate + "::kube_client", crate + "::image_puller")]
if other:
    fail(f"unexpected target: {other[0]}")
if not own or not kube or not puller:
    fail(f"expected ctxtrace, kube_client and image_puller lines; got {len(own)}, {len(kube)}, {len(puller)}")

# The ids of the ctxtrace lines: a span of a sync, in its trace.
spans = set()
for e in own:
    if not (hex32.fullmatch(e.get("trace_id", "")) and hex16.fullmatch(e.get("span_id", ""))):
        fail(f"a ctxtrace line without ids: {e}")
    spans.add((e["trace_id"], e["span_id"]))

typed = False
for where, e in kube:
    ids = (e.get("trace_id"), e.get("span_id"))
    if ids not in spans:
        fail(f"kube_client line without the ids of a ctxtrace span of its sync: {where}")
    if any(k in e for k in ("otel.name", "fields.0", "method")):
        fail(f"kube_client line with the tracing span's own fields: {where}")
    if e["msg"].startswith("GET "):
        if not (type(e.get("attempt")) is int and isinstance(e.get("name"), str)):
            fail(f"GET line without an integer attempt and a name: {where}")
        typed = True
    if e["level"] == "warn" and not (type(e.get("status")) is int and e.get("retry") is False):
        fail(f"warn line without an integer status and a boolean retry: {where}")
if not typed:
    fail("no kube_client GET line")
if not any(e["level"] == "warn" for _, e in kube):
    fail("no kube_client warn line")

for where, e in puller:
    if type(e.get("layers")) is not int or not isinstance(e.get("image"), str):
        fail(f"image_puller line without typed key-values: {where}")
    if "trace_id" in e or "span_id" in e:
        fail(f"image_puller (log) line with ids, which log cannot carry: {where}")

print(f"one_stream_check: ok, {len(lines)} lines: {len(own)} ctxtrace, "
      f"{len(kube)} kube_client (tracing, with span ids), {len(puller)} image_puller (log)")
PY
