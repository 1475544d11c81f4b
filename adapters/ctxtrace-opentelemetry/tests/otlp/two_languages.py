#!/usr/bin/env python3
"""One trace across two languages, checked at the receiver.

A Python client on the official OpenTelemetry SDK starts a trace and calls
the Rust example `traceparent_service` with a `traceparent` header. The Rust
side continues the trace with ctxtrace and its OpenTelemetry adapter. Both
export over OTLP/HTTP to the same receiver (receiver.py), and this checks
what the receiver decoded: one trace, whose Rust root has the Python span as
its parent.

Usage::

    two_languages.py --service target/debug/examples/traceparent_service \\
        --receiver http://127.0.0.1:PORT --received received.jsonl
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

import received

TIMEOUT = 60
# OTLP's span flags: whether the parent's is-remote bit is known, and set.
HAS_IS_REMOTE = 0x100
IS_REMOTE = 0x200


def parse_traceparent(value):
    """(trace id, parent id, flags) of a version-00 traceparent, or None."""
    parts = (value or "").split("-")
    if len(parts) != 4 or parts[0] != "00":
        return None
    try:
        return parts[1], parts[2], int(parts[3], 16)
    except ValueError:
        return None


def start_service(binary, receiver, service_name):
    """The Rust service and the address it listens on."""
    process = subprocess.Popen(
        [binary, "--listen", "127.0.0.1:0", "--otlp", receiver, "--service-name", service_name],
        stdout=subprocess.PIPE,
        text=True,
    )
    # readline() blocks; a timer ends a service that never says where it is.
    timer = threading.Timer(TIMEOUT, process.kill)
    timer.start()
    line = process.stdout.readline()
    timer.cancel()
    prefix = "listening on "
    if not line.startswith(prefix):
        process.kill()
        raise SystemExit(f"FAILED: {binary} did not say where it listens (it printed {line!r})")
    return process, line[len(prefix):].strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", required=True, help="the traceparent_service binary")
    parser.add_argument("--receiver", required=True, help="the receiver's base URL")
    parser.add_argument("--received", required=True, help="the receiver's --out file")
    args = parser.parse_args()

    # Names no other run shares, so the receiver's file can hold other runs.
    run = f"{os.getpid()}-{time.time_ns()}"
    python_service = f"python-client-{run}"
    rust_service = f"node-agent-{run}"

    process, address = start_service(args.service, args.receiver, rust_service)

    provider = TracerProvider(resource=Resource.create({"service.name": python_service}))
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{args.receiver}/v1/traces"))
    )
    tracer = provider.get_tracer("two-languages")
    with tracer.start_as_current_span("api.sync_pod", kind=SpanKind.CLIENT) as span:
        span.set_attribute("pod", "default/web-1")
        headers = {"Content-Type": "application/json"}
        TraceContextTextMapPropagator().inject(headers)
        # The span has no tracestate of its own; add an entry as a vendor on
        # the way would, to see it handed on.
        headers.setdefault("tracestate", "python=t61rcWkgMzE")
        request = urllib.request.Request(
            f"{address}/sync", data=b'{"pod":"default/web-1"}', headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            answer = json.loads(response.read())
            answered_traceparent = response.headers.get("traceparent")
            answered_tracestate = response.headers.get("tracestate")
        context = span.get_span_context()
    trace_id = format_trace_id(context.trace_id)
    python_span_id = format_span_id(context.span_id)
    # Shutting down flushes the batch processor.
    provider.shutdown()
    try:
        code = process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise SystemExit("FAILED: traceparent_service did not exit after answering")

    failures = []

    def check(condition, message):
        if not condition:
            failures.append(message)

    check(code == 0, f"traceparent_service exited with {code}")
    sent = parse_traceparent(headers.get("traceparent"))
    check(
        sent is not None and sent[:2] == (trace_id, python_span_id) and sent[2] & 1,
        f"the Python SDK sent the sampled traceparent of its span, got {headers.get('traceparent')!r}",
    )

    python_spans = received.spans(args.received, service=python_service)
    rust_spans = received.spans(args.received, service=rust_service)
    print(f"the receiver saw, for trace {trace_id}:")
    print(received.tree(python_spans + rust_spans))

    check(len(python_spans) == 1, f"one Python span, got {len(python_spans)}")
    check(len(rust_spans) == 3, f"three Rust spans, got {len(rust_spans)}")
    both = python_spans + rust_spans
    traces = {s["trace_id"] for s in both}
    check(traces == {trace_id}, f"one trace, {trace_id}, got {sorted(traces)}")
    for s in python_spans:
        check(s["span_id"] == python_span_id, "the Python span is the one the client started")
        check(s["parent_span_id"] == "", "the Python span is the trace's root")
        check(s["kind"] == "SPAN_KIND_CLIENT", f"the Python span is a client span, got {s['kind']}")
    rust_ids = {s["span_id"] for s in rust_spans}
    rust_roots = [s for s in rust_spans if s["parent_span_id"] not in rust_ids]
    check(len(rust_roots) == 1, f"one Rust root, got {[s['name'] for s in rust_roots]}")
    for root in rust_roots:
        check(root["name"] == "handle_sync_request", f"the Rust root is {root['name']}")
        check(
            root["parent_span_id"] == python_span_id,
            f"the Rust root's parent is the Python span {python_span_id}, "
            f"got {root['parent_span_id']!r}",
        )
        check(
            root["attributes"].get("url.path") == ("string", "/sync"),
            f"the Rust root has url.path=/sync, got {root['attributes'].get('url.path')}",
        )
        check(
            answer.get("span_id") == root["span_id"] and answer.get("trace_id") == trace_id,
            f"the service answered with its root's ids, got {answer}",
        )
        # The answer hands the trace on from the Rust root, with the flags
        # and the tracestate that came in.
        answered = parse_traceparent(answered_traceparent)
        check(
            answered is not None
            and sent is not None
            and answered == (trace_id, root["span_id"], sent[2]),
            f"the answer's traceparent is the Rust root's, with the flags sent "
            f"({headers.get('traceparent')!r}), got {answered_traceparent!r}",
        )
        check(
            answered_tracestate == headers["tracestate"],
            f"the answer's tracestate is the one sent, got {answered_tracestate!r}",
        )
        check(
            root["flags"] & (HAS_IS_REMOTE | IS_REMOTE) == HAS_IS_REMOTE | IS_REMOTE,
            f"the Rust root was exported with a remote parent, got flags {root['flags']:#x}",
        )
        check(
            root["trace_state"] == headers["tracestate"],
            f"the Rust root was exported with the tracestate, got {root['trace_state']!r}",
        )
    by_id = {s["span_id"]: s for s in rust_spans}
    parents = {
        s["name"]: by_id[s["parent_span_id"]]["name"]
        for s in rust_spans
        if s["parent_span_id"] in by_id
    }
    check(
        parents == {"sync_pod": "handle_sync_request", "provider.create_pod": "sync_pod"},
        f"the Rust spans nest, got {parents}",
    )

    for failure in failures:
        print(f"FAILED: two languages: {failure}")
    print(f"two languages: {len(both)} spans in {len(traces)} trace(s), {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
