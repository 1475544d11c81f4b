//! The spans, attributes, events and statuses that `OtelTracer` exports,
//! read back from the SDK's in-memory exporter.

use std::any::type_name;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ctxtrace::{
    Ctx, Field, Level, LevelFilter, MemoryLogger, MemoryTracer, NopLogger, Span, StatusCode, Tracer,
};
use ctxtrace_opentelemetry::OtelTracer;
use opentelemetry::trace::{SpanId, Status, TraceId, TracerProvider as _};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::{
    InMemorySpanExporter, Sampler, SdkTracer, SdkTracerProvider, SpanData,
};

/// An exporter and a tracer that exports to it as each span ends.
fn setup() -> (InMemorySpanExporter, OtelTracer<SdkTracer>) {
    setup_with(Sampler::AlwaysOn)
}

fn setup_with(sampler: Sampler) -> (InMemorySpanExporter, OtelTracer<SdkTracer>) {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .with_sampler(sampler)
        .build();
    (exporter, OtelTracer::new(provider.tracer("ctxtrace-test")))
}

fn finished(exporter: &InMemorySpanExporter) -> Vec<SpanData> {
    exporter
        .get_finished_spans()
        .expect("the exporter is not shut down")
}

fn find<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span {name}"))
}

fn attr<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn string(s: &str) -> Value {
    Value::String(s.to_owned().into())
}

/// The `status.code` attribute of a span.
fn status_code(span: &SpanData) -> Option<&Value> {
    attr(&span.attributes, "status.code")
}

#[derive(Debug)]
struct ProviderError {
    source: io::Error,
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "create pod: {}", self.source)
    }
}

impl std::error::Error for ProviderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// handle_queue_item → sync_pod → provider.create_pod, as the pod sync loop does.
fn handle_queue_item(ctx: &Ctx<impl Tracer, impl ctxtrace::Logger>) -> Result<(), ProviderError> {
    let (ctx, mut span) = ctx.start_span("handle_queue_item");
    let ctx = span.with_field(&ctx, "key", "default/web-1");
    let result = sync_pod(&ctx);
    span.set_status(&result);
    result
}

fn sync_pod(ctx: &Ctx<impl Tracer, impl ctxtrace::Logger>) -> Result<(), ProviderError> {
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_fields(
        &ctx,
        &[
            Field::new("pod", "web-1"),
            Field::new("namespace", "default"),
        ],
    );
    ctxtrace::info!(ctx, "syncing {} containers", 2; attempt = 1u32);
    let result = ctx.in_span("provider.create_pod", |ctx| {
        ctxtrace::warn!(ctx, "image pull failed"; image = "nginx:1.27");
        Err(ProviderError {
            source: io::Error::new(io::ErrorKind::NotFound, "image not found"),
        })
    });
    span.set_status(&result);
    result
}

#[test]
fn nested_spans_share_the_trace_and_name_their_parent() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    assert!(handle_queue_item(&ctx).is_err());

    let spans = finished(&exporter);
    assert_eq!(spans.len(), 3);
    let root = find(&spans, "handle_queue_item");
    let sync = find(&spans, "sync_pod");
    let create = find(&spans, "provider.create_pod");
    assert_eq!(root.parent_span_id, SpanId::INVALID);
    assert_eq!(sync.parent_span_id, root.span_context.span_id());
    assert_eq!(create.parent_span_id, sync.span_context.span_id());
    assert!(!sync.parent_span_is_remote);
    let trace_id = root.span_context.trace_id();
    assert_ne!(trace_id, TraceId::INVALID);
    assert!(spans.iter().all(|s| s.span_context.trace_id() == trace_id));
    // Spans end innermost first.
    let names: Vec<&str> = spans.iter().map(|s| &*s.name).collect();
    assert_eq!(
        names,
        ["provider.create_pod", "sync_pod", "handle_queue_item"]
    );
}

#[test]
fn two_root_spans_start_two_traces() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    drop(ctx.start_span("a"));
    drop(ctx.start_span("b"));
    let spans = finished(&exporter);
    assert_ne!(
        spans[0].span_context.trace_id(),
        spans[1].span_context.trace_id()
    );
}

#[test]
fn fields_become_typed_attributes() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let err = io::Error::new(io::ErrorKind::TimedOut, "kubelet timed out");
    let addr = std::net::Ipv4Addr::new(10, 0, 0, 7);
    let _ctx = span.with_fields(
        &ctx,
        &[
            Field::new("pod", "web-1"),
            Field::new("restarts", &-2i32),
            Field::new("containers", &3u64),
            Field::new("generation", &u64::MAX),
            Field::new("cpu", &0.25f64),
            Field::new("ready", &true),
            Field::new("host_ip", &ctxtrace::display(&addr)),
            Field::new("last_error", &ctxtrace::error(&err)),
        ],
    );
    drop(span);

    let spans = finished(&exporter);
    let attributes = &spans[0].attributes;
    assert_eq!(attr(attributes, "pod"), Some(&string("web-1")));
    assert_eq!(attr(attributes, "restarts"), Some(&Value::I64(-2)));
    assert_eq!(attr(attributes, "containers"), Some(&Value::I64(3)));
    assert_eq!(
        attr(attributes, "generation"),
        Some(&string("18446744073709551615"))
    );
    assert_eq!(attr(attributes, "cpu"), Some(&Value::F64(0.25)));
    assert_eq!(attr(attributes, "ready"), Some(&Value::Bool(true)));
    assert_eq!(attr(attributes, "host_ip"), Some(&string("10.0.0.7")));
    assert_eq!(
        attr(attributes, "last_error"),
        Some(&string("kubelet timed out"))
    );
    // The span name is not repeated as a `method` attribute.
    assert_eq!(attr(attributes, "method"), None);
    assert_eq!(attributes.len(), 8);
}

#[test]
fn entries_become_events_with_level_and_fields() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    assert!(handle_queue_item(&ctx).is_err());

    let spans = finished(&exporter);
    let sync = find(&spans, "sync_pod");
    assert_eq!(sync.events.len(), 2, "the entry and the exception");
    let event = &sync.events[0];
    assert_eq!(event.name, "syncing 2 containers");
    assert_eq!(event.attributes[0], KeyValue::new("level", "info"));
    assert_eq!(attr(&event.attributes, "attempt"), Some(&Value::I64(1)));
    assert_eq!(event.attributes.len(), 2);

    let create = find(&spans, "provider.create_pod");
    let event = &create.events[0];
    assert_eq!(event.name, "image pull failed");
    assert_eq!(attr(&event.attributes, "level"), Some(&string("warn")));
    assert_eq!(
        attr(&event.attributes, "image"),
        Some(&string("nginx:1.27"))
    );
}

#[test]
fn an_ok_status_is_ok_with_no_exception() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    let result: Result<(), io::Error> = ctx.in_span("provider.get_pod", |_| Ok(()));
    assert!(result.is_ok());
    let spans = finished(&exporter);
    assert_eq!(spans[0].status, Status::Ok);
    assert!(spans[0].events.is_empty());
}

#[test]
fn a_span_with_no_status_is_unset() {
    let (exporter, tracer) = setup();
    // The tracer is kept: the provider shuts down, and the in-memory exporter
    // forgets its spans, when the last tracer is dropped.
    let ctx = Ctx::new(tracer, NopLogger);
    drop(ctx.start_span("idle"));
    assert_eq!(finished(&exporter)[0].status, Status::Unset);
}

#[test]
fn an_error_status_has_its_message_a_code_attribute_and_an_exception_event() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    assert!(handle_queue_item(&ctx).is_err());

    let spans = finished(&exporter);
    for name in ["handle_queue_item", "sync_pod", "provider.create_pod"] {
        let span = find(&spans, name);
        // The description is the message alone; the code, found from the
        // io::Error down the source chain, is an attribute.
        assert_eq!(
            span.status,
            Status::error("create pod: image not found"),
            "{name}"
        );
        assert_eq!(status_code(span), Some(&string("NotFound")), "{name}");
        let exception = span
            .events
            .iter()
            .find(|e| e.name == "exception")
            .expect("an exception event");
        assert_eq!(
            exception.attributes,
            [
                KeyValue::new("exception.message", "create pod: image not found"),
                KeyValue::new("exception.type", type_name::<ProviderError>()),
            ]
        );
    }
}

/// virtual-kubelet's `TestSpanSetStatus`, re-expressed: an error whose
/// message is "fake msg" and that names no code.
#[test]
fn an_error_with_no_code_is_described_by_its_message_alone() {
    #[derive(Debug)]
    struct Fake;
    impl std::fmt::Display for Fake {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("fake msg")
        }
    }
    impl std::error::Error for Fake {}

    let (exporter, tracer) = setup();
    let (_ctx, mut span) = Ctx::new(tracer, NopLogger).start_span("sync");
    span.set_status(&Err::<(), _>(Fake));
    drop(span);
    let spans = finished(&exporter);
    assert_eq!(spans[0].status, Status::error("fake msg"));
    assert_eq!(status_code(&spans[0]), Some(&string("Unknown")));
    assert_eq!(
        attr(&spans[0].events[0].attributes, "exception.type"),
        Some(&string(type_name::<Fake>()))
    );
}

#[test]
fn an_error_with_no_message_is_described_by_its_code() {
    let (exporter, tracer) = setup();
    let (_ctx, mut span) = Ctx::new(tracer, NopLogger).start_span("provider.delete_pod");
    span.set_status_code(StatusCode::DeadlineExceeded, "");
    drop(span);
    let spans = finished(&exporter);
    assert_eq!(spans[0].status, Status::error("DeadlineExceeded"));
    assert_eq!(status_code(&spans[0]), Some(&string("DeadlineExceeded")));
    // A code given with set_status_code names no type.
    assert_eq!(
        spans[0].events[0].attributes,
        [KeyValue::new("exception.message", "DeadlineExceeded")]
    );
}

#[test]
fn set_error_classifies_any_error() {
    let (exporter, tracer) = setup();
    let (_ctx, mut span) = Ctx::new(tracer, NopLogger).start_span("load");
    let err: Box<dyn std::error::Error + Send + Sync> =
        Box::new(io::Error::from(io::ErrorKind::PermissionDenied));
    span.set_error(&*err);
    drop(span);
    let spans = finished(&exporter);
    assert_eq!(spans[0].status, Status::error("permission denied"));
    assert_eq!(status_code(&spans[0]), Some(&string("PermissionDenied")));
}

#[test]
fn the_exception_type_is_the_errors_type_when_it_is_known() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    let io_error = || io::Error::new(io::ErrorKind::NotFound, "no such pod");

    let (_c, mut span) = ctx.start_span("concrete");
    span.set_status(&Err::<(), _>(io_error()));
    drop(span);
    let (_c, mut span) = ctx.start_span("set_error");
    span.set_error(&io_error());
    drop(span);
    // Behind a trait object the concrete type is not known.
    let (_c, mut span) = ctx.start_span("boxed");
    span.set_status(&Err::<(), _>(boxed(io_error())));
    drop(span);
    let (_c, mut span) = ctx.start_span("dyn");
    let err: &(dyn std::error::Error + 'static) = &io_error();
    span.set_error(err);
    drop(span);

    let spans = finished(&exporter);
    let exception_type = |name: &str| {
        let span = find(&spans, name);
        assert_eq!(span.status, Status::error("no such pod"), "{name}");
        assert_eq!(status_code(span), Some(&string("NotFound")), "{name}");
        attr(&span.events[0].attributes, "exception.type").cloned()
    };
    let io_type = Some(string(type_name::<io::Error>()));
    assert_eq!(exception_type("concrete"), io_type);
    assert_eq!(exception_type("set_error"), io_type);
    assert_eq!(exception_type("boxed"), None);
    assert_eq!(exception_type("dyn"), None);
}

#[test]
fn a_later_status_replaces_an_earlier_one() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);

    let (_c, mut span) = ctx.start_span("ok_then_error");
    span.set_status_code(StatusCode::Ok, "");
    span.set_status_code(StatusCode::Unavailable, "node not ready");
    drop(span);

    let (_c, mut span) = ctx.start_span("error_then_ok");
    span.set_status_code(StatusCode::Unavailable, "node not ready");
    span.set_status_code(StatusCode::Ok, "");
    drop(span);

    let (_c, mut span) = ctx.start_span("error_then_error");
    span.set_status_code(StatusCode::Unavailable, "node not ready");
    span.set_status_code(StatusCode::Aborted, "gave up");
    drop(span);

    let spans = finished(&exporter);
    let failed = find(&spans, "ok_then_error");
    assert_eq!(failed.status, Status::error("node not ready"));
    assert_eq!(status_code(failed), Some(&string("Unavailable")));
    let retried = find(&spans, "error_then_ok");
    assert_eq!(retried.status, Status::Ok);
    // An ok status has no code attribute; the failure that happened on the
    // way is still recorded.
    assert_eq!(status_code(retried), None);
    assert_eq!(retried.events[0].name, "exception");
    let twice = find(&spans, "error_then_error");
    assert_eq!(twice.status, Status::error("gave up"));
    assert_eq!(status_code(twice), Some(&string("Aborted")));
    let codes = twice
        .attributes
        .iter()
        .filter(|kv| kv.key.as_str() == "status.code");
    assert_eq!(codes.count(), 1);
}

#[test]
fn a_span_dropped_in_a_panic_ends_with_an_internal_error() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let (_ctx, mut span) = ctx.start_span("sync_pod");
        span.set_status_code(StatusCode::Ok, "");
        panic!("boom");
    }));
    assert!(outcome.is_err());
    let spans = finished(&exporter);
    assert_eq!(
        spans[0].status,
        Status::error("panicked while the span was open")
    );
    assert_eq!(status_code(&spans[0]), Some(&string("Internal")));
    assert_eq!(spans[0].events[0].name, "exception");
}

#[test]
fn a_panic_keeps_an_error_status_already_set() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let (_ctx, mut span) = ctx.start_span("sync_pod");
        span.set_status_code(StatusCode::NotFound, "gone");
        panic!("boom");
    }));
    assert!(outcome.is_err());
    let spans = finished(&exporter);
    assert_eq!(spans[0].status, Status::error("gone"));
    assert_eq!(status_code(&spans[0]), Some(&string("NotFound")));
}

#[test]
fn loggers_see_the_opentelemetry_ids() {
    let (exporter, tracer) = setup();
    let logger = MemoryLogger::new();
    let ctx = Ctx::new(tracer, logger.clone());
    ctxtrace::info!(ctx, "before any span");
    assert!(handle_queue_item(&ctx).is_err());

    let spans = finished(&exporter);
    let entries = logger.entries();
    assert_eq!(entries[0].span_ids(), None);

    let syncing = entries
        .iter()
        .find(|e| e.message() == "syncing 2 containers")
        .unwrap();
    let sync = find(&spans, "sync_pod");
    let ids = syncing.span_ids().expect("ids under a span");
    assert_eq!(
        ids.trace_id.0,
        u128::from_be_bytes(sync.span_context.trace_id().to_bytes())
    );
    assert_eq!(
        ids.span_id.0,
        u64::from_be_bytes(sync.span_context.span_id().to_bytes())
    );
    assert_eq!(
        ids.trace_id.to_string(),
        sync.span_context.trace_id().to_string()
    );
    assert_eq!(
        ids.span_id.to_string(),
        sync.span_context.span_id().to_string()
    );
    // The logger has the span fields and the method; the span has them as
    // attributes and its name.
    assert_eq!(syncing.method(), Some("sync_pod"));
    assert_eq!(syncing.field("pod").unwrap().to_string(), "web-1");

    let pulled = entries
        .iter()
        .find(|e| e.message() == "image pull failed")
        .unwrap();
    let create = find(&spans, "provider.create_pod");
    assert_eq!(
        pulled.span_ids().unwrap().span_id.to_string(),
        create.span_context.span_id().to_string()
    );
}

#[test]
fn the_event_level_leaves_out_verbose_entries() {
    let (exporter, tracer) = setup();
    let logger = MemoryLogger::new();
    let ctx = Ctx::new(tracer.with_event_level(LevelFilter::Info), logger.clone());
    let (ctx, span) = ctx.start_span("sync_pod");
    ctxtrace::debug!(ctx, "probe ok");
    ctxtrace::error!(ctx, "probe failed");
    drop(span);
    let events = &finished(&exporter)[0].events;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].name, "probe failed");
    assert_eq!(logger.entries().len(), 2, "the logger still gets both");
}

#[test]
fn entries_after_the_span_ended_are_dropped() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    let (child, span) = ctx.start_span("sync_pod");
    ctxtrace::info!(child, "inside");
    span.end();
    ctxtrace::info!(child, "too late");
    // A child of an ended span still names it as its parent.
    let (_grandchild, late) = child.start_span("cleanup");
    drop(late);

    let spans = finished(&exporter);
    let sync = find(&spans, "sync_pod");
    assert_eq!(sync.events.len(), 1);
    assert_eq!(sync.events[0].name, "inside");
    assert_eq!(
        find(&spans, "cleanup").parent_span_id,
        sync.span_context.span_id()
    );
}

#[test]
fn sampled_out_spans_export_nothing_and_still_have_ids() {
    let (exporter, tracer) = setup_with(Sampler::AlwaysOff);
    let logger = MemoryLogger::new();
    let ctx = Ctx::new(tracer, logger.clone());
    assert!(handle_queue_item(&ctx).is_err());
    assert!(finished(&exporter).is_empty());
    let (ctx, span) = ctx.start_span("sync_pod");
    assert!(!ctx.span_ref().as_ref().unwrap().is_recording());
    assert!(!span.is_recording(), "the span says so too");
    ctxtrace::info!(ctx, "still logged");
    assert!(logger.entries().iter().all(|e| e.span_ids().is_some()));
}

#[test]
fn children_of_a_sampled_out_span_are_sampled_out() {
    let (exporter, tracer) = setup_with(Sampler::ParentBased(Box::new(Sampler::AlwaysOff)));
    let ctx = Ctx::new(tracer, NopLogger);
    let (ctx, root) = ctx.start_span("root");
    let (_ctx, child) = ctx.start_span("child");
    drop((child, root));
    assert!(finished(&exporter).is_empty());
}

#[test]
fn a_noop_opentelemetry_tracer_gives_no_ids() {
    let tracer = OtelTracer::new(opentelemetry::trace::noop::NoopTracer::new());
    let logger = MemoryLogger::new();
    let ctx = Ctx::new(tracer, logger.clone());
    assert!(handle_queue_item(&ctx).is_err());
    assert!(logger.entries().iter().all(|e| e.span_ids().is_none()));
    assert!(!logger.entries().is_empty());
}

#[test]
fn spans_started_on_other_threads_keep_their_parent() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    let (ctx, root) = ctx.start_span("handle_queue");
    std::thread::scope(|s| {
        for _ in 0..4 {
            let ctx = ctx.clone();
            s.spawn(move || {
                let (ctx, span) = ctx.start_span("worker");
                for i in 0..10 {
                    ctxtrace::info!(ctx, "tick"; i = i);
                }
                drop(span);
                ctxtrace::info!(ctx, "done");
            });
        }
    });
    drop(root);
    let spans = finished(&exporter);
    let root = find(&spans, "handle_queue");
    let workers: Vec<&SpanData> = spans.iter().filter(|s| s.name == "worker").collect();
    assert_eq!(workers.len(), 4);
    for worker in workers {
        assert_eq!(worker.parent_span_id, root.span_context.span_id());
        assert_eq!(worker.events.len(), 10);
    }
}

#[test]
fn a_ctx_over_the_sdk_tracer_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Ctx<OtelTracer<SdkTracer>, MemoryLogger>>();
    assert_send_sync::<ctxtrace_opentelemetry::OtelSpan<opentelemetry_sdk::trace::Span>>();
}

#[test]
fn fan_out_to_a_memory_recorder_keeps_the_opentelemetry_ids_for_loggers() {
    let (exporter, tracer) = setup();
    let memory = MemoryTracer::new();
    let logger = MemoryLogger::new();
    let ctx = Ctx::new((tracer, memory.clone()), logger.clone());
    assert!(handle_queue_item(&ctx).is_err());

    let exported = finished(&exporter);
    let recorded = memory.spans();
    assert_eq!(exported.len(), 3);
    assert_eq!(recorded.len(), 3);
    let sync = recorded.find("sync_pod").unwrap();
    assert_eq!(sync.status().code(), Some(StatusCode::NotFound));
    let entry = logger
        .entries()
        .into_iter()
        .find(|e| e.level() == Level::Info)
        .unwrap();
    let otel_sync = find(&exported, "sync_pod");
    assert_eq!(
        entry.span_ids().unwrap().span_id.to_string(),
        otel_sync.span_context.span_id().to_string()
    );
}

#[test]
fn the_root_context_continues_a_remote_trace() {
    use opentelemetry::Context;
    use opentelemetry::trace::{SpanContext, TraceContextExt as _, TraceFlags, TraceState};

    let (exporter, tracer) = setup();
    let remote = SpanContext::new(
        TraceId::from(0x4bf92f3577b34da6a3ce929d0e0e4736_u128),
        SpanId::from(0x00f067aa0ba902b7_u64),
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    );
    let tracer = tracer.with_root_context(Context::new().with_remote_span_context(remote.clone()));
    let ctx = Ctx::new(tracer, NopLogger);
    assert!(handle_queue_item(&ctx).is_err());

    let spans = finished(&exporter);
    let root = find(&spans, "handle_queue_item");
    assert_eq!(root.parent_span_id, remote.span_id());
    assert!(root.parent_span_is_remote);
    assert!(
        spans
            .iter()
            .all(|s| s.span_context.trace_id() == remote.trace_id())
    );
    assert!(!find(&spans, "sync_pod").parent_span_is_remote);
}

#[test]
fn the_span_ref_gives_a_context_for_propagation() {
    use opentelemetry::trace::TraceContextExt as _;

    let (_exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    let (ctx, span) = ctx.start_span("sync_pod");
    let span_ref = ctx.span_ref().as_ref().unwrap();
    assert_eq!(
        span_ref.context().span().span_context(),
        span.span_context()
    );
    // Built once.
    assert!(std::ptr::eq(span_ref.context(), span_ref.context()));
    assert_eq!(span_ref.span_context(), span.span_context());
}

#[test]
fn redacted_values_reach_opentelemetry_as_the_placeholder_only() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    let (ctx, mut span) = ctx.start_span("login");
    let ctx = span.with_field(&ctx, "token", ctxtrace::Redacted("s3cr3t"));
    ctxtrace::info!(ctx, "authenticated"; password = ctxtrace::Redacted("hunter2"));
    drop(span);

    let spans = finished(&exporter);
    let login = find(&spans, "login");
    assert_eq!(
        attr(&login.attributes, "token"),
        Some(&string("[redacted]"))
    );
    let event = &login.events.events[0];
    assert_eq!(
        attr(&event.attributes, "password"),
        Some(&string("[redacted]"))
    );
    assert!(!format!("{spans:?}").contains("s3cr3t"));
    assert!(!format!("{spans:?}").contains("hunter2"));
}

/// A reconcile that spawns a task per pod: one bound on each of `T` and `L`.
async fn reconcile_all<T: ctxtrace::SendTracer, L: ctxtrace::SendLogger>(
    ctx: &Ctx<T, L>,
    pods: &[&'static str],
) -> usize {
    let (ctx, _span) = ctx.start_span("reconcile_all");
    let mut tasks = Vec::new();
    for &pod in pods {
        let ctx = ctx.clone();
        tasks.push(tokio::spawn(async move {
            ctx.in_span_async("reconcile", |ctx| async move {
                let ctx = ctx.with_field("pod", pod);
                ctxtrace::info!(ctx, "reconciling");
                tokio::task::yield_now().await;
                if pod == "gone" {
                    Err(boxed(io::Error::new(
                        io::ErrorKind::NotFound,
                        "no such pod",
                    )))
                } else {
                    Ok(())
                }
            })
            .await
        }));
    }
    let mut failed = 0;
    for task in tasks {
        failed += usize::from(task.await.unwrap().is_err());
    }
    failed
}

/// A boxed error, as a dependency's fallible API returns it.
fn boxed(err: io::Error) -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(err)
}

#[test]
fn otel_spans_cross_tokio_spawn_and_cancel() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, NopLogger);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let failed =
        runtime.block_on({
            let ctx = ctx.clone();
            async move {
                tokio::spawn(async move { reconcile_all(&ctx, &["web-1", "gone"]).await }).await
            }
        });
    assert_eq!(failed.unwrap(), 1);
    runtime.block_on(async {
        let slow = ctx.in_span_async("provider.slow", |_ctx| async {
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            Ok::<_, io::Error>(())
        });
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(5), slow)
                .await
                .is_err()
        );
    });

    let spans = finished(&exporter);
    let root = find(&spans, "reconcile_all");
    let reconciles: Vec<_> = spans.iter().filter(|s| s.name == "reconcile").collect();
    assert_eq!(reconciles.len(), 2);
    for span in &reconciles {
        assert_eq!(span.parent_span_id, root.span_context.span_id());
        assert_eq!(span.span_context.trace_id(), root.span_context.trace_id());
        assert!(span.events.iter().any(|e| e.name == "reconciling"));
    }
    let statuses: Vec<_> = reconciles.iter().map(|s| s.status.clone()).collect();
    assert!(statuses.contains(&Status::Ok));
    assert!(statuses.iter().any(
        |s| matches!(s, Status::Error { description } if description.contains("no such pod"))
    ));
    let slow = find(&spans, "provider.slow");
    assert_eq!(
        slow.status,
        Status::error("cancelled: the future was dropped before it completed")
    );
    assert_eq!(status_code(slow), Some(&string("Cancelled")));
}

/// A `Display` that counts how often it is formatted.
struct Counting(std::sync::atomic::AtomicUsize);

impl std::fmt::Display for Counting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        f.write_str("costly")
    }
}

#[test]
fn one_value_per_key_and_ctx_fields_on_events() {
    let (exporter, tracer) = setup();
    let ctx = Ctx::new(tracer, MemoryLogger::new());
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "phase", "Pending");
    let ctx = ctx.with_field("worker", 3);
    let ctx = span.with_field(&ctx, "phase", "Running");
    ctxtrace::info!(ctx, "synced"; worker = 4, attempt = 1, attempt = 2);
    ctxtrace::info!(ctx, "again");
    drop(span);

    let spans = finished(&exporter);
    let sync = find(&spans, "sync_pod");
    // Set twice: one attribute, the latest.
    let phases: Vec<_> = sync
        .attributes
        .iter()
        .filter(|kv| kv.key.as_str() == "phase")
        .collect();
    assert_eq!(phases.len(), 1);
    assert_eq!(attr(&sync.attributes, "phase"), Some(&string("Running")));
    // Events carry the `Ctx`'s fields; the entry's win; no key twice.
    let events: Vec<_> = sync.events.iter().collect();
    let keys: Vec<&str> = events[0]
        .attributes
        .iter()
        .map(|kv| kv.key.as_str())
        .collect();
    assert_eq!(keys, ["level", "phase", "worker", "attempt"]);
    assert_eq!(attr(&events[0].attributes, "worker"), Some(&Value::I64(4)));
    assert_eq!(attr(&events[0].attributes, "attempt"), Some(&Value::I64(2)));
    assert_eq!(attr(&events[1].attributes, "worker"), Some(&Value::I64(3)));
    assert_eq!(
        attr(&events[1].attributes, "phase"),
        Some(&string("Running"))
    );
}

#[test]
fn a_ruled_out_level_evaluates_nothing_and_makes_no_event() {
    let (exporter, tracer) = setup();
    assert_eq!(tracer.event_level(), LevelFilter::Info);
    let logger = MemoryLogger::new().with_level(LevelFilter::Info);
    let (ctx, span) = Ctx::new(tracer, logger.clone()).start_span("sync_pod");
    let costly = Counting(std::sync::atomic::AtomicUsize::new(0));
    for _ in 0..100 {
        ctxtrace::trace!(ctx, "poll {}", costly);
        ctxtrace::debug!(ctx, "detail"; v = ctxtrace::display(&costly));
    }
    assert!(!ctx.enabled(Level::Debug));
    drop(span);
    assert_eq!(costly.0.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert!(find(&finished(&exporter), "sync_pod").events.is_empty());
    assert!(logger.entries().is_empty());
}
