#!/usr/bin/env python3
"""Checks that `pod_sync_otel --otlp URL` reached the receiver.

Usage: check_pod_sync.py RECEIVED.jsonl

The receiver's file must be fresh for this run: every span of service
`pod-sync` in it is taken to be from one run of the example, which syncs two
pods (web-1 succeeds, web-2's image is missing).
"""

import sys
from collections import Counter

import received


def main(path):
    spans = received.spans(path, service="pod-sync")
    print(received.tree(spans))
    failures = []

    def check(condition, message):
        if not condition:
            failures.append(message)

    names = Counter(s["name"] for s in spans)
    check(
        names == Counter({"handle_queue_item": 2, "sync_pod": 2, "provider.create_pod": 2}),
        f"expected two of each pod sync span, got {dict(names)}",
    )
    by_id = {s["span_id"]: s for s in spans}
    parent_name = {"sync_pod": "handle_queue_item", "provider.create_pod": "sync_pod"}
    for s in spans:
        parent = by_id.get(s["parent_span_id"])
        if s["name"] == "handle_queue_item":
            check(not s["parent_span_id"], f"{s['name']} {s['span_id']} is a root")
        else:
            check(
                parent is not None and parent["name"] == parent_name.get(s["name"]),
                f"{s['name']} {s['span_id']} has the parent {parent_name.get(s['name'])}",
            )
        if parent is not None:
            check(s["trace_id"] == parent["trace_id"], f"{s['name']} is in its parent's trace")
    check(len({s["trace_id"] for s in spans}) == 2, "one trace per pod")
    keys = sorted(
        s["attributes"]["key"][1] for s in spans if s["name"] == "handle_queue_item"
    )
    check(keys == ["default/web-1", "default/web-2"], f"the queue keys, got {keys}")
    errors = [s for s in spans if s["status"]["code"] == "STATUS_CODE_ERROR"]
    check(len(errors) == 3, f"three error spans (web-2's), got {len(errors)}")
    for s in errors:
        check(
            s["status"]["message"] == "image nginx:missing not found",
            f"{s['name']}: the error's message, got {s['status']['message']!r}",
        )
        check(
            s["attributes"].get("status.code") == ("string", "NotFound"),
            f"{s['name']}: status.code NotFound, got {s['attributes'].get('status.code')}",
        )
    for s in spans:
        check(s["scope"] == "pod-sync", f"{s['name']}: the scope pod-sync, got {s['scope']}")
    # Entries at info and above are events, with their typed fields.
    created = [e for s in spans for e in s["events"] if e["name"] == "pod created"]
    check(len(created) == 1, f"one 'pod created' event (web-1), got {len(created)}")
    for e in created:
        fields = received.attribute_map(e["attributes"])
        check(
            fields.get("ready") == ("bool", True) and fields.get("cpu") == ("double", 0.25),
            f"'pod created' carries ready=true and cpu=0.25, got {fields}",
        )
    syncing = [e for s in spans for e in s["events"] if e["name"].startswith("syncing ")]
    check(len(syncing) == 2, f"a 'syncing' event per pod, got {len(syncing)}")
    for e in syncing:
        fields = received.attribute_map(e["attributes"])
        check(fields.get("generation") == ("int", 3), f"'syncing' has generation=3, got {fields}")

    for failure in failures:
        print(f"FAILED: pod_sync_otel --otlp: {failure}")
    print(f"pod_sync_otel --otlp: {len(spans)} spans of service pod-sync, "
          f"{len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
