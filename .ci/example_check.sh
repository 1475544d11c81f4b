#!/usr/bin/env bash
# Checks examples/pod_sync and examples/pod_sync_async: a short run with each
# backend (exit code, the summary on stdout, every log line on stderr), flag
# errors, a run in a terminal (lines in a file, a short summary that names
# it), and the time of a default run, which must stay under 10 seconds; and
# pod_sync's --log-file. For pod_sync_async, timed-out provider calls must
# show up: Cancelled spans in the summary and its span tree, and the timeout
# errors in the log lines.
#
# Usage: .ci/example_check.sh   (from anywhere; honours CARGO_TARGET_DIR)
set -euo pipefail

cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "example_check: FAIL: $*" >&2
    exit 1
}

# `example NAME ARGS...` runs an example. `-p ctxtrace`: the adapters may
# have examples of the same name.
example() {
    local name=$1
    shift
    cargo run --release --quiet -p ctxtrace --example "$name" -- "$@"
}

# The value of `key: value` in a summary.
value() {
    sed -n "s/^$2: //p" "$1" | head -n 1
}

# Fails unless the summary's `key` is a whole number above zero.
positive() {
    local n
    n=$(value "$1" "$2")
    [[ $n =~ ^[0-9]+$ ]] && ((n > 0)) || fail "$1: expected '$2' above 0, got '${n}'"
}

# Every line of a JSON log must be an object with unique keys, `level`, a
# `target` right after it that is example $2's crate or one of its modules,
# `msg`, and the trace and span ids; between them, the lines must carry the
# pod and queue fields.
check_json_lines() {
    python3 - "$1" "$2" <<'PY'
import json, re, sys

path, crate = sys.argv[1], sys.argv[2]
ids = {"trace_id": re.compile(r"[0-9a-f]{32}"), "span_id": re.compile(r"[0-9a-f]{16}")}
levels = {"trace", "debug", "info", "warn", "error"}

def unique(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate keys in {keys}")
    return dict(pairs)

seen, n = set(), 0
with open(path, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        where = f"{path}:{n}: {line[:300]!r}"
        try:
            entry = json.loads(line, object_pairs_hook=unique)
        except ValueError as e:
            sys.exit(f"not a JSON object with unique keys ({e}): {where}")
        if not isinstance(entry, dict):
            sys.exit(f"not a JSON object: {where}")
        if entry.get("level") not in levels or not isinstance(entry.get("msg"), str):
            sys.exit(f"no valid level and msg: {where}")
        target = entry.get("target")
        if not isinstance(target, str) or not (target == crate or target.startswith(crate + "::")):
            sys.exit(f"no target in {crate}: {where}")
        keys = list(entry)
        if keys.index("target") != keys.index("level") + 1:
            sys.exit(f"target is not right after level: {where}")
        for key, pattern in ids.items():
            if not isinstance(entry.get(key), str) or not pattern.fullmatch(entry[key]):
                sys.exit(f"no valid {key}: {where}")
        seen.update(entry)
if n == 0:
    sys.exit(f"{path}: no lines")
missing = {"time", "method", "workerId", "queue", "key", "uid", "namespace", "name", "phase", "reason", "error"} - seen
if missing:
    sys.exit(f"{path}: no line carries {sorted(missing)}")
PY
}

check_text_lines() {
    [[ -s $1 ]] || fail "$1: no lines"
    local bad
    bad=$(grep -v -m 3 -E '^time=[^ ]+ level=(trace|debug|info|warn|error) ' "$1" || true)
    [[ -z $bad ]] || fail "$1: lines without time= and level=: $bad"
    bad=$(grep -v -m 3 -E ' trace_id=[0-9a-f]{32} span_id=[0-9a-f]{16} msg=' "$1" || true)
    [[ -z $bad ]] || fail "$1: lines without trace_id and span_id: $bad"
    for key in workerId queue uid namespace name phase reason error; do
        grep -q " $key=" "$1" || fail "$1: no line carries $key"
    done
}

# Short runs of example $1 with each backend.
short_runs() {
    local name=$1 backend out err rc syncs syncs_seen="" root_codes call_codes cancelled
    # The codes of the failed sync the summary shows, and of its provider
    # call: pod_sync's provider fails calls; pod_sync_async's also times out
    # some, and the summary prefers such a sync.
    case $name in
    pod_sync) root_codes='NotFound|InvalidArgument' call_codes=$root_codes ;;
    pod_sync_async) root_codes=DeadlineExceeded call_codes=Cancelled ;;
    esac
    echo "== $name: short runs (--pods 20 --iterations 20 --workers 2)"
    for backend in nop memory text json; do
        out=$tmp/$name.$backend.out err=$tmp/$name.$backend.err
        rc=0
        example "$name" --backend "$backend" --pods 20 --iterations 20 --workers 2 >"$out" 2>"$err" || rc=$?
        ((rc == 0)) || fail "$name --backend $backend exited with $rc: $(head -c 2000 "$err")"

        [[ $(value "$out" backend) == "$backend" ]] || fail "$out: wrong backend line"
        positive "$out" syncs
        positive "$out" sync_errors
        grep -q -E '^errors\.(NotFound|InvalidArgument): [1-9][0-9]*$' "$out" ||
            fail "$out: no error counted by status code"
        [[ $(value "$out" write_errors) == 0 ]] || fail "$out: write errors"

        # The same flags do the same work whatever the backend.
        syncs=$(value "$out" syncs)
        [[ -z $syncs_seen || $syncs == "$syncs_seen" ]] || fail "$name --backend $backend ran $syncs syncs, the others $syncs_seen"
        syncs_seen=$syncs

        case $backend in
        nop)
            grep -q '^failed_sync_tree: not recorded$' "$out" || fail "$out: nop should record no tree"
            [[ $(value "$out" lines_written) == 0 ]] || fail "$out: nop wrote lines"
            [[ $(value "$out" lines_to) == none ]] || fail "$out: lines_to is not none"
            ;;
        *)
            positive "$out" spans_recorded
            positive "$out" spans_recorded.Ok
            positive "$out" lines_written
            grep -A 1 '^failed_sync_tree:$' "$out" | grep -q -E "^    handleQueueItem .* \[($root_codes): " ||
                fail "$out: no failed handleQueueItem tree ($root_codes)"
            sed -n '/^failed_sync_tree:$/,/^[a-z]/p' "$out" | grep -q -E "^ +provider\.[A-Za-z]+ .* \[($call_codes): " ||
                fail "$out: the failed tree has no provider call that ended $call_codes"
            ;;
        esac

        case $backend in
        nop | memory)
            [[ ! -s $err ]] || fail "$name --backend $backend wrote to stderr: $(head -c 2000 "$err")"
            ;;
        text | json)
            [[ $(value "$out" lines_to) == stderr ]] || fail "$out: lines_to is not stderr"
            [[ $(value "$out" lines_written) == $(wc -l <"$err") ]] || fail "$out: lines_written differs from stderr"
            "check_${backend}_lines" "$err" "$name"
            ;;
        esac

        cancelled=""
        if [[ $name == pod_sync_async ]]; then
            cancelled=" cancelled_spans=$(value "$out" spans_recorded.Cancelled)"
            positive "$out" errors.DeadlineExceeded
            if [[ $backend != nop ]]; then
                positive "$out" spans_recorded.Cancelled
            fi
            # Lines carry no span status; the timeout is in the syncs' errors.
            case $backend in
            text) grep -q ' error="[^"]*timed out"' "$err" || fail "$err: no timed-out error" ;;
            json) grep -q '"error":"[^"]*timed out"' "$err" || fail "$err: no timed-out error" ;;
            esac
        fi
        echo "$backend: ok, syncs=$syncs elapsed_s=$(value "$out" elapsed_s)$cancelled"
    done
}

# Bad flags exit 2 with the usage on stderr; --help prints it on stdout.
flag_checks() {
    local name=$1 args rc
    echo "== $name: flags"
    for args in "--bogus" "--pods abc" "--pods 0" "--workers" "--backend xml" "--seconds -1" \
        "--iterations 5 --seconds 1" "stray" "--log-file" "--log-file=" "--backend nop --log-file x" \
        "--trace-out" "--folded-out=" "--backend nop --trace-out x" "--backend nop --folded-out x" \
        "--deterministic-ids=yes"; do
        rc=0
        # shellcheck disable=SC2086 # split the flags on purpose
        example "$name" $args >"$tmp/flag.out" 2>"$tmp/flag.err" || rc=$?
        ((rc == 2)) || fail "$name '$args' exited with $rc, not 2"
        grep -q "^Usage: $name " "$tmp/flag.err" || fail "$name '$args': no usage on stderr"
        grep -q 'panicked' "$tmp/flag.err" && fail "$name '$args' panicked"
        [[ ! -s $tmp/flag.out ]] || fail "$name '$args' wrote to stdout"
        echo "'$args': exit 2, $(head -n 1 "$tmp/flag.err")"
    done
    example "$name" --help >"$tmp/help.out" || fail "$name --help failed"
    grep -q "^Usage: $name " "$tmp/help.out" || fail "$name --help printed no usage"
}

# With stderr a terminal, the lines go to a file in the temporary directory,
# and the summary names it and shows its first 3 lines.
terminal_run() {
    local name=$1 out=$tmp/$1.tty.out rc=0 log
    echo "== $name: in a terminal"
    script -qec "cargo run --release --quiet -p ctxtrace --example $name -- --seconds 1" /dev/null \
        </dev/null | tr -d '\r' >"$out" || rc=$?
    ((rc == 0)) || fail "$name in a terminal exited with $rc: $(head -c 2000 "$out")"
    (($(wc -l <"$out") < 60)) || fail "$name in a terminal printed $(wc -l <"$out") lines"
    log=$(value "$out" lines_to)
    [[ $log =~ /ctxtrace-$name-[0-9]+\.log$ && -f $log ]] || fail "$out: lines_to names no log file: '$log'"
    mv "$log" "$tmp/$name.tty.log" # into $tmp, which is removed on exit
    grep -q -F "the json lines go to $log" "$out" || fail "$out: no notice of the log file"
    [[ $(value "$out" lines_written) == $(wc -l <"$tmp/$name.tty.log") ]] ||
        fail "$name in a terminal: lines_written differs from $log"
    [[ $(grep -A 3 '^line_samples:$' "$out" | grep -c '^    {"time":') == 3 ]] ||
        fail "$out: no 3 sample lines"
    check_json_lines "$tmp/$name.tty.log" "$name"
    echo "terminal: ok, $(wc -l <"$out") lines on the terminal, $(wc -l <"$tmp/$name.tty.log") in $log"
}

# A default run: json lines on stderr, under 10 seconds.
default_run() {
    local name=$1 out=$tmp/$1.default.out err=$tmp/$1.default.err start ms
    echo "== $name: default run"
    start=$(date +%s%N)
    example "$name" >"$out" 2>"$err" || fail "$name's default run failed: $(head -c 2000 "$err")"
    ms=$((($(date +%s%N) - start) / 1000000))
    positive "$out" syncs
    [[ $(value "$out" backend) == json ]] || fail "$name: the default backend is not json"
    [[ $(value "$out" lines_written) == $(wc -l <"$err") ]] ||
        fail "$name's default run: lines_written differs from stderr"
    check_json_lines "$err" "$name"
    sed 's/^/    /' "$out"
    echo "$name default run: ${ms} ms (limit 10000 ms)"
    ((ms < 10000)) || fail "$name's default run took ${ms} ms"
}

cargo build --release --quiet -p ctxtrace --example pod_sync --example pod_sync_async

for name in pod_sync pod_sync_async; do
    short_runs "$name"
    flag_checks "$name"
done

echo "== pod_sync: --log-file"
log=$tmp/lines.log
example pod_sync --backend text --pods 20 --iterations 20 --log-file "$log" >"$tmp/file.out" 2>"$tmp/file.err" ||
    fail "--log-file failed: $(head -c 2000 "$tmp/file.err")"
[[ ! -s $tmp/file.err ]] || fail "--log-file wrote to stderr: $(head -c 2000 "$tmp/file.err")"
[[ $(value "$tmp/file.out" lines_to) == "$log" ]] || fail "$tmp/file.out: lines_to is not $log"
[[ $(value "$tmp/file.out" lines_written) == $(wc -l <"$log") ]] || fail "--log-file: lines_written differs from the file"
check_text_lines "$log"
echo "--log-file: ok, $(wc -l <"$log") lines in the file"

echo "== pod_sync: ids"
# Random W3C ids by default; counters from 1 with --deterministic-ids.
for ids in random counters; do
    flag=""
    [[ $ids == counters ]] && flag=--deterministic-ids
    example pod_sync --backend json --pods 5 --iterations 2 --workers 1 $flag >/dev/null 2>"$tmp/ids.$ids" ||
        fail "pod_sync $flag failed: $(head -c 2000 "$tmp/ids.$ids")"
done
python3 - "$tmp/ids.random" "$tmp/ids.counters" <<'PY' || fail "pod_sync: ids are not as the flag says"
import json, sys
def ids(path):
    with open(path, encoding="utf-8") as f:
        return [(int(e["trace_id"], 16), int(e["span_id"], 16)) for e in map(json.loads, f)]
random, counters = ids(sys.argv[1]), ids(sys.argv[2])
traces = {t for t, _ in random}
# Random: 128-bit trace ids, never zero; counters: the first trace is 1.
if len(traces) < 2 or any(t >> 64 == 0 for t in traces) or any(s == 0 for _, s in random):
    sys.exit(f"random ids look like counters: {sorted(traces)[:3]}")
if counters[0][0] != 1 or max(t for t, _ in counters) > len(counters) or min(s for _, s in counters) < 1:
    sys.exit(f"--deterministic-ids gave {counters[:3]}")
PY
echo "ids: random by default, counters with --deterministic-ids"

if command -v script >/dev/null && script --version 2>/dev/null | grep -q util-linux; then
    terminal_run pod_sync
    terminal_run pod_sync_async
else
    echo "NOTE: util-linux script not found: the runs in a terminal are not checked"
fi

default_run pod_sync
default_run pod_sync_async

echo "example_check: ok"
