#!/usr/bin/env bash
# Checks examples/pod_sync: a short run with each backend (exit code, the
# summary on stdout, every log line on stderr), flag errors, --log-file, a run
# in a terminal (lines in a file, a short summary that names it), and the time
# of a default run, which must stay under 10 seconds.
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

# `-p ctxtrace`: the adapters may have examples of the same name.
pod_sync() {
    cargo run --release --quiet -p ctxtrace --example pod_sync -- "$@"
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

# Every line of a JSON log must be an object with unique keys, `level` and
# `msg`, and the trace and span ids; between them, the lines must carry the
# pod and queue fields.
check_json_lines() {
    python3 - "$1" <<'PY'
import json, re, sys

path = sys.argv[1]
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

cargo build --release --quiet -p ctxtrace --example pod_sync

echo "== short runs (--pods 20 --iterations 20 --workers 2)"
syncs_seen=""
for backend in nop memory text json; do
    out=$tmp/$backend.out err=$tmp/$backend.err
    rc=0
    pod_sync --backend "$backend" --pods 20 --iterations 20 --workers 2 >"$out" 2>"$err" || rc=$?
    ((rc == 0)) || fail "--backend $backend exited with $rc: $(head -c 2000 "$err")"

    [[ $(value "$out" backend) == "$backend" ]] || fail "$out: wrong backend line"
    positive "$out" syncs
    positive "$out" sync_errors
    grep -q -E '^errors\.(NotFound|InvalidArgument): [1-9][0-9]*$' "$out" ||
        fail "$out: no error counted by status code"
    [[ $(value "$out" write_errors) == 0 ]] || fail "$out: write errors"

    # The same flags do the same work whatever the backend.
    syncs=$(value "$out" syncs)
    [[ -z $syncs_seen || $syncs == "$syncs_seen" ]] || fail "$backend ran $syncs syncs, the others $syncs_seen"
    syncs_seen=$syncs

    case $backend in
    nop)
        grep -q '^failed_sync_tree: not recorded$' "$out" || fail "$out: nop should record no tree"
        [[ $(value "$out" lines_written) == 0 ]] || fail "$out: nop wrote lines"
        ;;
    *)
        positive "$out" spans_recorded
        positive "$out" lines_written
        grep -A 1 '^failed_sync_tree:$' "$out" | grep -q -E '^    handleQueueItem .* \[(NotFound|InvalidArgument): ' ||
            fail "$out: no failed handleQueueItem tree"
        grep -q -E '^            provider\.[A-Za-z]+ .* \[(NotFound|InvalidArgument): ' "$out" ||
            fail "$out: the failed tree has no failed provider call"
        ;;
    esac

    case $backend in
    nop | memory)
        [[ ! -s $err ]] || fail "--backend $backend wrote to stderr: $(head -c 2000 "$err")"
        ;;
    text | json)
        [[ $(value "$out" lines_to) == stderr ]] || fail "$out: lines_to is not stderr"
        [[ $(value "$out" lines_written) == $(wc -l <"$err") ]] || fail "$out: lines_written differs from stderr"
        "check_${backend}_lines" "$err"
        ;;
    esac
    echo "$backend: ok, syncs=$syncs elapsed_s=$(value "$out" elapsed_s) syncs_per_sec=$(value "$out" syncs_per_sec)"
done

echo "== flags"
for args in "--bogus" "--pods abc" "--pods 0" "--workers" "--backend xml" "--seconds -1" \
    "--iterations 5 --seconds 1" "stray" "--log-file" "--log-file=" "--backend nop --log-file x"; do
    rc=0
    # shellcheck disable=SC2086 # split the flags on purpose
    pod_sync $args >"$tmp/flag.out" 2>"$tmp/flag.err" || rc=$?
    ((rc == 2)) || fail "'$args' exited with $rc, not 2"
    grep -q '^Usage: pod_sync' "$tmp/flag.err" || fail "'$args': no usage on stderr"
    grep -q 'panicked' "$tmp/flag.err" && fail "'$args' panicked"
    [[ ! -s $tmp/flag.out ]] || fail "'$args' wrote to stdout"
    echo "'$args': exit 2, $(head -n 1 "$tmp/flag.err")"
done
pod_sync --help >"$tmp/help.out" || fail "--help failed"
grep -q '^Usage: pod_sync' "$tmp/help.out" || fail "--help printed no usage"

echo "== --log-file"
log=$tmp/lines.log
pod_sync --backend text --pods 20 --iterations 20 --log-file "$log" >"$tmp/file.out" 2>"$tmp/file.err" ||
    fail "--log-file failed: $(head -c 2000 "$tmp/file.err")"
[[ ! -s $tmp/file.err ]] || fail "--log-file wrote to stderr: $(head -c 2000 "$tmp/file.err")"
[[ $(value "$tmp/file.out" lines_to) == "$log" ]] || fail "$tmp/file.out: lines_to is not $log"
[[ $(value "$tmp/file.out" lines_written) == $(wc -l <"$log") ]] || fail "--log-file: lines_written differs from the file"
check_text_lines "$log"
echo "--log-file: ok, $(wc -l <"$log") lines in the file"

echo "== in a terminal"
# With stderr a terminal, the lines go to a file in the temporary directory,
# and the summary names it and shows its first 3 lines.
if command -v script >/dev/null && script --version 2>/dev/null | grep -q util-linux; then
    tty_out=$tmp/tty.out
    rc=0
    script -qec "cargo run --release --quiet -p ctxtrace --example pod_sync -- --seconds 1" /dev/null \
        </dev/null | tr -d '\r' >"$tty_out" || rc=$?
    ((rc == 0)) || fail "the run in a terminal exited with $rc: $(head -c 2000 "$tty_out")"
    (($(wc -l <"$tty_out") < 60)) || fail "the run in a terminal printed $(wc -l <"$tty_out") lines"
    tty_log=$(value "$tty_out" lines_to)
    [[ $tty_log =~ /ctxtrace-pod_sync-[0-9]+\.log$ && -f $tty_log ]] ||
        fail "$tty_out: lines_to names no log file: '$tty_log'"
    trap 'rm -rf "$tmp" "$tty_log"' EXIT
    grep -q -F "the json lines go to $tty_log" "$tty_out" || fail "$tty_out: no notice of the log file"
    [[ $(value "$tty_out" lines_written) == $(wc -l <"$tty_log") ]] || fail "terminal run: lines_written differs from $tty_log"
    [[ $(grep -A 3 '^line_samples:$' "$tty_out" | grep -c '^    {"time":') == 3 ]] ||
        fail "$tty_out: no 3 sample lines"
    check_json_lines "$tty_log"
    echo "terminal: ok, $(wc -l <"$tty_out") lines on the terminal, $(wc -l <"$tty_log") in $tty_log"
else
    echo "NOTE: util-linux script not found: the run in a terminal is not checked"
fi

echo "== default run"
start=$(date +%s%N)
pod_sync >"$tmp/default.out" 2>"$tmp/default.err" || fail "the default run failed: $(head -c 2000 "$tmp/default.err")"
ms=$((($(date +%s%N) - start) / 1000000))
positive "$tmp/default.out" syncs
[[ $(value "$tmp/default.out" backend) == json ]] || fail "the default backend is not json"
[[ $(value "$tmp/default.out" lines_written) == $(wc -l <"$tmp/default.err") ]] ||
    fail "default run: lines_written differs from stderr"
check_json_lines "$tmp/default.err"
sed 's/^/    /' "$tmp/default.out"
echo "default run: ${ms} ms (limit 10000 ms)"
((ms < 10000)) || fail "the default run took ${ms} ms"

echo "example_check: ok"
