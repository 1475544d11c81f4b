//! End to end over the wire: ctxtrace spans, exported by `opentelemetry-otlp`
//! (HTTP/protobuf, batch span processor) to a real OTLP/HTTP receiver on
//! loopback, read back from what the receiver decoded.
//!
//! The receiver is `tests/otlp/receiver.py`, on the `opentelemetry-proto`
//! package. The tests are ignored unless it runs: `.ci/otlp_e2e.sh` starts it
//! and runs them with
//!
//! ```text
//! CTXTRACE_OTLP_RECEIVER=http://127.0.0.1:PORT   # where it listens
//! CTXTRACE_OTLP_RECEIVED=path/to/received.jsonl  # the file it appends to
//! cargo test -p ctxtrace-opentelemetry --test otlp_e2e -- --ignored
//! ```
//!
//! Run with `--ignored` but without the variables, they fail: they never pass
//! without having sent anything.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use ctxtrace::{Ctx, Field, NopLogger, Span};
use ctxtrace_opentelemetry::OtelTracer;
use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider};
use serde_json::Value as Json;

/// Where the receiver listens and where it writes what it received.
struct Receiver {
    traces_url: String,
    received: PathBuf,
}

fn receiver() -> Receiver {
    receiver_from(|name| std::env::var(name).ok())
}

/// The receiver that the variables name; a test without them fails here.
fn receiver_from(lookup: impl Fn(&str) -> Option<String>) -> Receiver {
    let var = |name: &str| {
        lookup(name).unwrap_or_else(|| {
            panic!(
                "{name} is not set: start tests/otlp/receiver.py and set \
                 CTXTRACE_OTLP_RECEIVER (its URL) and CTXTRACE_OTLP_RECEIVED (its --out file), \
                 or run .ci/otlp_e2e.sh"
            )
        })
    };
    let base = var("CTXTRACE_OTLP_RECEIVER");
    Receiver {
        traces_url: format!("{}/v1/traces", base.trim_end_matches('/')),
        received: PathBuf::from(var("CTXTRACE_OTLP_RECEIVED")),
    }
}

/// A `service.name` that no other test, and no earlier run, uses.
fn unique_service(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_nanos();
    format!("ctxtrace-otlp-e2e-{test}-{}-{nanos}", std::process::id())
}

/// A provider that exports to the receiver through the batch span processor.
fn provider(receiver: &Receiver, service: &str, max_queue_size: usize) -> SdkTracerProvider {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(receiver.traces_url.as_str())
        .build()
        .expect("the OTLP exporter builds");
    let processor = BatchSpanProcessor::builder(exporter)
        .with_batch_config(
            BatchConfigBuilder::default()
                .with_max_queue_size(max_queue_size)
                .with_max_export_batch_size(512)
                .build(),
        )
        .build();
    let resource = Resource::builder_empty()
        .with_service_name(service.to_owned())
        .with_attribute(KeyValue::new("deployment.environment", "e2e"))
        .build();
    SdkTracerProvider::builder()
        .with_span_processor(processor)
        .with_resource(resource)
        .build()
}

/// An attribute value as the receiver decoded it, with its OTLP type.
#[derive(Debug, Clone, PartialEq)]
enum Attr {
    Str(String),
    Int(i64),
    Bool(bool),
    Double(f64),
    Other(String, Json),
}

fn attributes(list: &Json) -> BTreeMap<String, Attr> {
    let mut out = BTreeMap::new();
    for kv in list.as_array().expect("attributes are a list") {
        let key = kv["key"].as_str().expect("a key is a string").to_owned();
        let value = &kv["value"];
        let attr = match kv["type"].as_str().expect("a type is a string") {
            "string" => Attr::Str(value.as_str().expect("a string").to_owned()),
            "int" => Attr::Int(value.as_i64().expect("an int")),
            "bool" => Attr::Bool(value.as_bool().expect("a bool")),
            "double" => Attr::Double(value.as_f64().expect("a double")),
            other => Attr::Other(other.to_owned(), value.clone()),
        };
        assert!(
            out.insert(key.clone(), attr).is_none(),
            "the key {key} is repeated"
        );
    }
    out
}

#[derive(Debug)]
struct Event {
    name: String,
    attributes: BTreeMap<String, Attr>,
}

/// A span as the receiver decoded it, with its resource and scope.
#[derive(Debug)]
struct Received {
    resource: BTreeMap<String, Attr>,
    scope: String,
    trace_id: String,
    span_id: String,
    parent_span_id: String,
    name: String,
    kind: String,
    attributes: BTreeMap<String, Attr>,
    events: Vec<Event>,
    status_code: String,
    status_message: String,
}

/// Every span of `service` that reached the receiver, and in how many
/// export requests.
fn received(receiver: &Receiver, service: &str) -> (Vec<Received>, usize) {
    let text = fs::read_to_string(&receiver.received).unwrap_or_else(|err| {
        panic!(
            "cannot read the receiver's output {}: {err}",
            receiver.received.display()
        )
    });
    let mut spans = Vec::new();
    let mut requests = 0;
    for line in text.lines() {
        let document: Json = serde_json::from_str(line).expect("the receiver writes JSON lines");
        let mut ours = false;
        for rs in document["resource_spans"].as_array().expect("a list") {
            let resource = attributes(&rs["resource"]["attributes"]);
            if resource.get("service.name") != Some(&Attr::Str(service.to_owned())) {
                continue;
            }
            ours = true;
            for ss in rs["scope_spans"].as_array().expect("a list") {
                let scope = ss["scope"]["name"].as_str().expect("a name").to_owned();
                for span in ss["spans"].as_array().expect("a list") {
                    let text = |key: &str| span[key].as_str().expect("a string").to_owned();
                    spans.push(Received {
                        resource: resource.clone(),
                        scope: scope.clone(),
                        trace_id: text("trace_id"),
                        span_id: text("span_id"),
                        parent_span_id: text("parent_span_id"),
                        name: text("name"),
                        kind: text("kind"),
                        attributes: attributes(&span["attributes"]),
                        events: span["events"]
                            .as_array()
                            .expect("a list")
                            .iter()
                            .map(|event| Event {
                                name: event["name"].as_str().expect("a name").to_owned(),
                                attributes: attributes(&event["attributes"]),
                            })
                            .collect(),
                        status_code: span["status"]["code"].as_str().expect("a code").to_owned(),
                        status_message: span["status"]["message"]
                            .as_str()
                            .expect("a message")
                            .to_owned(),
                    });
                }
            }
        }
        requests += usize::from(ours);
    }
    (spans, requests)
}

fn find<'a>(spans: &'a [Received], name: &str) -> &'a Received {
    let mut found = spans.iter().filter(|s| s.name == name);
    let span = found
        .next()
        .unwrap_or_else(|| panic!("no span {name} reached the receiver"));
    assert!(found.next().is_none(), "more than one span {name}");
    span
}

fn string(value: &str) -> Attr {
    Attr::Str(value.to_owned())
}

#[test]
#[ignore = "needs the OTLP receiver: .ci/otlp_e2e.sh runs it"]
fn span_tree_attributes_events_statuses_and_resource_arrive() {
    let receiver = receiver();
    let service = unique_service("tree");
    let provider = provider(&receiver, &service, 2048);
    let ctx = Ctx::new(OtelTracer::new(provider.tracer("pod-sync")), NopLogger);

    {
        let (ctx, mut root) = ctx.start_span("handle_queue_item");
        let ctx = root.with_fields(
            &ctx,
            &[
                Field::new("key", "default/web-1"),
                Field::new("attempt", &2i64),
                Field::new("ready", &true),
                Field::new("cpu", &0.25f64),
                Field::new("generation", &u64::MAX),
            ],
        );
        ctxtrace::info!(ctx, "syncing {} containers", 2; image = "nginx:1.27", replicas = 3u32, dry_run = false, ratio = 0.5f64);
        let result: Result<(), io::Error> = ctx.in_span("sync_pod", |ctx| {
            ctx.in_span("provider.create_pod", |ctx| {
                ctxtrace::warn!(ctx, "image missing"; retry = true);
                Err(io::Error::new(io::ErrorKind::NotFound, "image not found"))
            })
        });
        let (_ctx, mut ok) = ctx.start_span("status_ok");
        ok.set_status(&Ok::<(), io::Error>(()));
        ok.end();
        let (_ctx, unset) = ctx.start_span("status_unset");
        drop(unset);
        root.set_status(&result);
    }
    provider.force_flush().expect("every span is exported");
    let (spans, _) = received(&receiver, &service);
    provider.shutdown().expect("the provider shuts down once");

    assert_eq!(spans.len(), 5, "{spans:#?}");
    let root = find(&spans, "handle_queue_item");
    let sync = find(&spans, "sync_pod");
    let create = find(&spans, "provider.create_pod");
    let ok = find(&spans, "status_ok");
    let unset = find(&spans, "status_unset");

    // The tree: one trace, parents as the Ctx values passed them on.
    assert!(root.parent_span_id.is_empty(), "the root has no parent");
    assert_eq!(sync.parent_span_id, root.span_id);
    assert_eq!(create.parent_span_id, sync.span_id);
    assert_eq!(ok.parent_span_id, root.span_id);
    assert_eq!(unset.parent_span_id, root.span_id);
    for span in &spans {
        assert_eq!(
            span.trace_id, root.trace_id,
            "{} is in the trace",
            span.name
        );
        assert_eq!(span.trace_id.len(), 32);
        assert_eq!(span.span_id.len(), 16);
        assert_eq!(span.kind, "SPAN_KIND_INTERNAL");
        assert_eq!(span.scope, "pod-sync");
        // The resource, as the provider was given it.
        assert_eq!(span.resource.get("service.name"), Some(&string(&service)));
        assert_eq!(
            span.resource.get("deployment.environment"),
            Some(&string("e2e"))
        );
    }
    let ids: BTreeSet<&str> = spans.iter().map(|s| s.span_id.as_str()).collect();
    assert_eq!(ids.len(), 5, "span ids are distinct");

    // Attributes keep their types over the wire.
    let expected = BTreeMap::from([
        ("key".to_owned(), string("default/web-1")),
        ("attempt".to_owned(), Attr::Int(2)),
        ("ready".to_owned(), Attr::Bool(true)),
        ("cpu".to_owned(), Attr::Double(0.25)),
        // Past i64, as the adapter documents: the decimal string.
        ("generation".to_owned(), string(&u64::MAX.to_string())),
        ("status.code".to_owned(), string("NotFound")),
    ]);
    assert_eq!(root.attributes, expected);

    // Events: the message, the level and the entry's fields, typed.
    assert_eq!(root.events[0].name, "syncing 2 containers");
    assert_eq!(
        root.events[0].attributes,
        BTreeMap::from([
            ("level".to_owned(), string("info")),
            ("image".to_owned(), string("nginx:1.27")),
            ("replicas".to_owned(), Attr::Int(3)),
            ("dry_run".to_owned(), Attr::Bool(false)),
            ("ratio".to_owned(), Attr::Double(0.5)),
        ])
    );
    assert_eq!(create.events[0].name, "image missing");
    assert_eq!(
        create.events[0].attributes,
        BTreeMap::from([
            ("level".to_owned(), string("warn")),
            ("retry".to_owned(), Attr::Bool(true)),
        ])
    );
    // The error status adds an exception event.
    let exception = create
        .events
        .iter()
        .find(|e| e.name == "exception")
        .expect("an exception event");
    assert_eq!(
        exception.attributes.get("exception.message"),
        Some(&string("image not found"))
    );
    assert_eq!(
        exception.attributes.get("exception.type"),
        Some(&string("std::io::error::Error"))
    );

    // Status codes and descriptions.
    for span in [root, sync, create] {
        assert_eq!(span.status_code, "STATUS_CODE_ERROR", "{}", span.name);
        assert_eq!(span.status_message, "image not found", "{}", span.name);
        assert_eq!(
            span.attributes.get("status.code"),
            Some(&string("NotFound"))
        );
    }
    assert_eq!(ok.status_code, "STATUS_CODE_OK");
    assert_eq!(ok.status_message, "");
    assert!(ok.attributes.is_empty() && ok.events.is_empty());
    assert_eq!(unset.status_code, "STATUS_CODE_UNSET");
    assert_eq!(unset.status_message, "");
}

#[test]
#[ignore = "needs the OTLP receiver: .ci/otlp_e2e.sh runs it"]
fn ten_thousand_spans_through_the_batch_processor_all_arrive() {
    const TRACES: usize = 100;
    const PER_TRACE: usize = 100;
    const SPANS: usize = TRACES * PER_TRACE;
    const BATCH: usize = 512;
    let receiver = receiver();
    let service = unique_service("bulk");
    // The queue holds every span, so none is dropped however fast they come.
    let provider = provider(&receiver, &service, 16_384);
    let ctx = Ctx::new(OtelTracer::new(provider.tracer("bulk")), NopLogger);

    let mut index = 0i64;
    for _ in 0..TRACES {
        let (ctx, mut root) = ctx.start_span("root");
        let _ = root.with_field(&ctx, "index", index);
        index += 1;
        for _ in 1..PER_TRACE {
            let (_ctx, mut child) = ctx.start_span("child");
            let _ = child.with_field(&ctx, "index", index);
            index += 1;
        }
    }
    provider.force_flush().expect("every span is exported");
    let (spans, requests) = received(&receiver, &service);
    provider.shutdown().expect("the provider shuts down once");

    assert_eq!(spans.len(), SPANS, "every span arrived");
    let indexes: BTreeSet<i64> = spans
        .iter()
        .map(|s| match s.attributes.get("index") {
            Some(Attr::Int(i)) => *i,
            other => panic!("{} has index {other:?}", s.span_id),
        })
        .collect();
    assert_eq!(indexes, (0..SPANS as i64).collect(), "each one once");
    let span_ids: BTreeSet<&str> = spans.iter().map(|s| s.span_id.as_str()).collect();
    assert_eq!(span_ids.len(), SPANS, "span ids are distinct");

    // 100 traces of one root and 99 children each.
    let roots: BTreeMap<&str, &Received> = spans
        .iter()
        .filter(|s| s.name == "root")
        .map(|s| (s.span_id.as_str(), s))
        .collect();
    assert_eq!(roots.len(), TRACES);
    let mut children = BTreeMap::<&str, usize>::new();
    for span in spans.iter().filter(|s| s.name == "child") {
        let root = roots
            .get(span.parent_span_id.as_str())
            .unwrap_or_else(|| panic!("the parent of {} is a root", span.span_id));
        assert_eq!(span.trace_id, root.trace_id);
        *children.entry(root.span_id.as_str()).or_default() += 1;
    }
    assert!(
        children.values().all(|&n| n == PER_TRACE - 1),
        "{children:?}"
    );
    let traces: BTreeSet<&str> = spans.iter().map(|s| s.trace_id.as_str()).collect();
    assert_eq!(traces.len(), TRACES);

    // They came in batches of at most 512.
    assert!(
        requests >= SPANS.div_ceil(BATCH),
        "{requests} requests for {SPANS} spans in batches of {BATCH}"
    );
}

#[test]
#[should_panic(expected = "CTXTRACE_OTLP_RECEIVER is not set")]
fn without_a_receiver_the_tests_fail_instead_of_passing() {
    let _ = receiver_from(|_| None);
}
