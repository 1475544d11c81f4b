#!/usr/bin/env bash
# Checks pod_sync's --trace-out and --folded-out with what reads them:
# the Trace Event file against the format's rules (every event well formed,
# slices of a track nested) and in speedscope, a real viewer, opened in
# headless Chromium; speedscope's own export of what it imported must have
# one profile per thread, named as the file names it, and every span with
# its start and end. The folded stacks are checked line by line, and their
# total against the spans' (tests/export.rs renders them with inferno).
#
# Installs what it needs: Debian's chromium, and pinned speedscope and
# playwright-core from npm, in a cache folder.
#
# Usage: .ci/trace_export_check.sh   (from anywhere; honours CARGO_TARGET_DIR)
set -euo pipefail

cd "$(dirname "$0")/.."
start=$SECONDS

SPEEDSCOPE=1.25.0
PLAYWRIGHT=1.64.1
viewers=${XDG_CACHE_HOME:-$HOME/.cache}/ctxtrace-ci/trace-viewers-$SPEEDSCOPE-$PLAYWRIGHT

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "trace_export_check: FAIL: $*" >&2
    exit 1
}

if [[ ! -x /usr/bin/chromium ]]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
if [[ ! -d $viewers/node_modules/speedscope || ! -d $viewers/node_modules/playwright-core ]]; then
    mkdir -p "$viewers"
    (cd "$viewers" && npm install --no-save --no-audit --no-fund --loglevel=error \
        "speedscope@$SPEEDSCOPE" "playwright-core@$PLAYWRIGHT" >/dev/null)
fi
echo "installed in $((SECONDS - start))s"

cargo build --release --quiet -p ctxtrace --example pod_sync --example pod_sync_async

# `check NAME THREADS` runs example NAME with --trace-out and --folded-out,
# and checks both files; THREADS is the track names it must have, one per
# line, or empty for the default names.
check() {
    local name=$1 threads=$2 out=$tmp/$1
    mkdir -p "$out"
    cargo run --release --quiet -p ctxtrace --example "$name" -- --backend memory --pods 20 --iterations 20 \
        --workers 2 --trace-out "$out/run.json" --folded-out "$out/run.folded" >"$out/summary" ||
        fail "$name with --trace-out failed"
    grep -q "^trace_out: $out/run.json$" "$out/summary" || fail "$name: the summary names no trace file"
    grep -q "^trace_out_view: open $out/run.json in https://ui.perfetto.dev" "$out/summary" ||
        fail "$name: the summary says not how to view the trace"
    grep -q "^folded_out_view: inferno-flamegraph < $out/run.folded > $out/run.svg" "$out/summary" ||
        fail "$name: the summary says not how to draw the flame graph"

    NODE_PATH=$viewers/node_modules node .ci/trace_export_speedscope.cjs "$out/run.json" "$out/speedscope.json" ||
        fail "$name: speedscope did not open the trace"

    echo -n "$name: "
    THREADS=$threads python3 - "$out/run.json" "$out/speedscope.json" "$out/run.folded" <<'PY'
import json, os, re, sys
from collections import defaultdict

trace_path, speedscope_path, folded_path = sys.argv[1:]

def unique(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate keys in {keys}")
    return dict(pairs)

with open(trace_path, encoding="utf-8") as f:
    doc = json.load(f, object_pairs_hook=unique)

# The format's rules (Trace Event Format, JSON Object Format).
events = doc["traceEvents"]
assert isinstance(events, list) and events, "no traceEvents"
names, spans, instants = {}, [], 0
for e in events:
    ph = e["ph"]
    assert isinstance(e["name"], str) and isinstance(e["pid"], int), e
    if ph == "M":
        assert e["name"] in ("process_name", "thread_name", "thread_sort_index"), e
        if e["name"] == "thread_name":
            names[e["tid"]] = e["args"]["name"]
        continue
    assert isinstance(e["tid"], int) and isinstance(e["ts"], (int, float)) and e["ts"] >= 0, e
    assert e["cat"] in ("span", "span,error", "event", "event,error"), e
    assert ("cname" in e) == e["cat"].endswith(",error"), e
    if ph == "X":
        assert isinstance(e["dur"], (int, float)) and e["dur"] >= 0, e
        args = e["args"]
        assert re.fullmatch(r"[0-9a-f]{16}", args["span_id"]), e
        assert re.fullmatch(r"[0-9a-f]{32}", args["trace_id"]), e
        assert args["status"] in ("unset", "ok", "error"), e
        assert (args["status"] == "error") == (e["cat"] == "span,error"), e
        assert isinstance(args["attributes"], dict), e
        spans.append(e)
    elif ph == "i":
        assert e["s"] == "t" and isinstance(e["args"]["fields"], dict), e
        instants += 1
    else:
        raise AssertionError(f"unexpected phase {ph}: {e}")
assert isinstance(doc["otherData"]["origin_unix_nanos"], int)
assert doc["otherData"]["spans"] == len(spans)
by_tid = defaultdict(list)
for e in spans:
    by_tid[e["tid"]].append(e)
assert set(by_tid) == set(names), (set(by_tid), names)
threads = os.environ["THREADS"].split("\n") if os.environ["THREADS"] else None
if threads:
    assert sorted(names.values()) == threads, names
else:
    assert all(re.fullmatch(r"thread \d+( \(\d+\))?", n) for n in names.values()), names
# Slices of one track nest, as viewers require of complete events.
for tid, slices in by_tid.items():
    open_ends = []
    for e in sorted(slices, key=lambda e: (e["ts"], -e["dur"])):
        while open_ends and open_ends[-1] <= e["ts"]:
            open_ends.pop()
        end = e["ts"] + e["dur"]
        assert not open_ends or end <= open_ends[-1] + 1e-9, f"tid {tid}: {e['name']} overlaps its neighbour"
        open_ends.append(end)
errors = sum(e["cat"] == "span,error" for e in spans)
assert errors > 0, "no error span in a run that fails calls"

# What speedscope imported: a profile per thread, named as the file names
# it, and every span as a frame opened at its ts and closed at ts + dur.
with open(speedscope_path, encoding="utf-8") as f:
    ss = json.load(f)
frames = ss["shared"]["frames"]
profiles = ss["profiles"]
assert len(profiles) == len(names), [p["name"] for p in profiles]
for profile in profiles:
    tid = int(re.search(r"\(tid (\d+)\)$", profile["name"]).group(1))
    assert names[tid] in profile["name"], (profile["name"], names[tid])
    assert profile["unit"] == "microseconds", profile["unit"]
    want = {e["args"]["span_id"]: e for e in by_tid[tid]}
    # speedscope counts from the profile's first event.
    first = min(e["ts"] for e in by_tid[tid])
    seen = {}
    for ev in profile["events"]:
        frame = frames[ev["frame"]]["name"]
        name, _, args = frame.partition(" ")
        span_id = json.loads(args)["span_id"]
        assert want[span_id]["name"] == name, (frame, want[span_id])
        seen.setdefault(span_id, {})[ev["type"]] = ev["at"]
    assert set(seen) == set(want), f"tid {tid}: speedscope lost {len(set(want) - set(seen))} spans"
    for span_id, at in seen.items():
        e = want[span_id]
        opened, closed = at["O"] + first, at["C"] + first
        assert abs(opened - e["ts"]) < 1e-6 and abs(closed - (e["ts"] + e["dur"])) < 1e-6, (at, e)

# Folded stacks: `frame;frame N` lines, whose total is the roots' time.
total = 0
with open(folded_path, encoding="utf-8") as f:
    lines = f.read().splitlines()
for line in lines:
    m = re.fullmatch(r"([^;\s][^;]*(?:;[^;]+)*) (\d+)", line)
    assert m, f"not a folded line: {line!r}"
    total += int(m.group(2))
roots = sum(e["dur"] for e in spans if "parent_id" not in e["args"])
if threads:
    # Sequential children: the self times add up to the roots' time.
    assert abs(total - roots) <= len(lines), (total, roots)
else:
    # Concurrent children (tasks) can add up to more than their parent.
    assert total >= roots - len(lines), (total, roots)
print(f"trace: {len(spans)} spans ({errors} errors) and {instants} events on {len(names)} threads; "
      f"speedscope imported {len(profiles)} profiles and {len(frames)} frames; "
      f"folded: {len(lines)} stacks, {total} µs")
PY
}

check pod_sync "main: informer, status sync
worker 0
worker 1"
check pod_sync_async ""
echo "trace_export_check: ok in $((SECONDS - start))s"
