#!/usr/bin/env python3
"""An OTLP/HTTP trace receiver for end-to-end tests.

It accepts ``POST /v1/traces`` with an ``application/x-protobuf`` body,
decodes it as an ``ExportTraceServiceRequest`` with the official
``opentelemetry-proto`` package, appends what it received to a file as one
JSON document per line, and answers with an ``ExportTraceServiceResponse``.
``GET /received`` returns every document received so far as a JSON array.

The JSON keeps the protobuf field names, with ids as lower-case hex, enums by
name, and each attribute value with its OTLP type beside it::

    {"key": "attempt", "type": "int", "value": 2}

Usage::

    receiver.py --port 0 --out received.jsonl

It prints ``listening on http://127.0.0.1:PORT`` once it accepts requests;
port 0 asks the system for a free port. It stops on SIGTERM or SIGINT, and
then prints ``received N requests, M spans, R rejected`` (R counts the POSTs
it answered with an error).
"""

import argparse
import gzip
import json
import signal
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1 import trace_pb2

PROTOBUF = "application/x-protobuf"
# A bound on one request body, so a runaway client cannot exhaust memory.
MAX_BODY = 64 * 1024 * 1024


def any_value(value):
    """An OTLP AnyValue as {"type": ..., "value": ...}."""
    kind = value.WhichOneof("value")
    if kind is None:
        return {"type": "empty", "value": None}
    if kind == "string_value":
        return {"type": "string", "value": value.string_value}
    if kind == "bool_value":
        return {"type": "bool", "value": value.bool_value}
    if kind == "int_value":
        return {"type": "int", "value": value.int_value}
    if kind == "double_value":
        return {"type": "double", "value": value.double_value}
    if kind == "bytes_value":
        return {"type": "bytes", "value": value.bytes_value.hex()}
    if kind == "array_value":
        return {"type": "array", "value": [any_value(v) for v in value.array_value.values]}
    if kind == "kvlist_value":
        return {"type": "kvlist", "value": attributes(value.kvlist_value.values)}
    return {"type": kind, "value": None}


def attributes(key_values):
    """A repeated KeyValue as a list of {"key", "type", "value"}, in order."""
    return [{"key": kv.key, **any_value(kv.value)} for kv in key_values]


def span_json(span):
    return {
        "trace_id": span.trace_id.hex(),
        "span_id": span.span_id.hex(),
        "parent_span_id": span.parent_span_id.hex(),
        "trace_state": span.trace_state,
        "flags": span.flags,
        "name": span.name,
        "kind": trace_pb2.Span.SpanKind.Name(span.kind),
        "start_time_unix_nano": span.start_time_unix_nano,
        "end_time_unix_nano": span.end_time_unix_nano,
        "attributes": attributes(span.attributes),
        "dropped_attributes_count": span.dropped_attributes_count,
        "events": [
            {
                "name": event.name,
                "time_unix_nano": event.time_unix_nano,
                "attributes": attributes(event.attributes),
                "dropped_attributes_count": event.dropped_attributes_count,
            }
            for event in span.events
        ],
        "dropped_events_count": span.dropped_events_count,
        "links": [
            {
                "trace_id": link.trace_id.hex(),
                "span_id": link.span_id.hex(),
                "trace_state": link.trace_state,
                "attributes": attributes(link.attributes),
            }
            for link in span.links
        ],
        "dropped_links_count": span.dropped_links_count,
        "status": {
            "code": trace_pb2.Status.StatusCode.Name(span.status.code),
            "message": span.status.message,
        },
    }


def request_json(request):
    """An ExportTraceServiceRequest as a JSON-ready dict."""
    return {
        "resource_spans": [
            {
                "resource": {"attributes": attributes(rs.resource.attributes)},
                "schema_url": rs.schema_url,
                "scope_spans": [
                    {
                        "scope": {
                            "name": ss.scope.name,
                            "version": ss.scope.version,
                            "attributes": attributes(ss.scope.attributes),
                        },
                        "schema_url": ss.schema_url,
                        "spans": [span_json(span) for span in ss.spans],
                    }
                    for ss in rs.scope_spans
                ],
            }
            for rs in request.resource_spans
        ]
    }


class Store:
    """What was received: kept in memory and appended to the output file."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.documents = []
        self.rejected = 0
        self.out = open(path, "a", encoding="utf-8")

    def add(self, document):
        line = json.dumps(document, separators=(",", ":"))
        with self.lock:
            self.documents.append(document)
            # Written and flushed before the response goes out, so a client
            # whose export returned can read the file at once.
            self.out.write(line + "\n")
            self.out.flush()

    def reject(self):
        with self.lock:
            self.rejected += 1

    def all(self):
        with self.lock:
            return list(self.documents)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ctxtrace-otlp-receiver"

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        # One line per request on stderr is noise across 10,000 spans.
        pass

    def reply(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def reply_text(self, status, text):
        if self.command == "POST":
            self.server.store.reject()
        self.reply(status, "text/plain; charset=utf-8", text.encode("utf-8") + b"\n")

    def do_GET(self):
        if self.path == "/received":
            body = json.dumps(self.server.store.all()).encode("utf-8")
            self.reply(200, "application/json", body)
        else:
            self.reply_text(404, "not found")

    def do_POST(self):
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self.close_connection = True
            self.reply_text(411, "a Content-Length is required")
            return
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self.reply_text(413, "body too large")
            return
        body = self.rfile.read(length)
        if self.path != "/v1/traces":
            self.reply_text(404, "only /v1/traces is served")
            return
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != PROTOBUF:
            self.reply_text(415, f"expected {PROTOBUF}, got {content_type or 'none'}")
            return
        encoding = self.headers.get("Content-Encoding", "identity").strip().lower()
        try:
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            elif encoding != "identity":
                self.reply_text(415, f"unsupported Content-Encoding {encoding}")
                return
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
        except (DecodeError, OSError, zlib.error, EOFError) as err:
            self.reply_text(400, f"not an ExportTraceServiceRequest: {err}")
            return
        self.server.store.add(request_json(request))
        self.reply(200, PROTOBUF, ExportTraceServiceResponse().SerializeToString())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4318, help="port; 0 picks a free one")
    parser.add_argument("--out", required=True, help="file to append one JSON line per request to")
    args = parser.parse_args()

    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.store = Store(args.out)

    def stop(signum, frame):
        # shutdown() waits for serve_forever(), so it runs on another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    print(f"listening on http://{host}:{port}", flush=True)
    server.serve_forever()
    server.server_close()
    total = sum(
        len(ss["spans"])
        for doc in server.store.all()
        for rs in doc["resource_spans"]
        for ss in rs["scope_spans"]
    )
    print(
        f"received {len(server.store.all())} requests, {total} spans, "
        f"{server.store.rejected} rejected",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
