//! A small pod sync loop, traced with OpenTelemetry: the SDK exports to an
//! in-memory exporter, and the exported spans are printed at the end.
//!
//! Run with `cargo run -p ctxtrace-opentelemetry --example pod_sync_otel`.

use std::fmt;

use ctxtrace::{CodedError, Ctx, Logger, MemoryLogger, Span, StatusCode, Tracer};
use ctxtrace_opentelemetry::OtelTracer;
use opentelemetry::trace::{Status, TracerProvider as _};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};

struct Pod {
    namespace: &'static str,
    name: &'static str,
    image: &'static str,
    containers: u32,
}

#[derive(Debug)]
enum ProviderError {
    ImageNotFound(&'static str),
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderError::ImageNotFound(image) => write!(f, "image {image} not found"),
        }
    }
}

/// The code of a missing image, found in the error's chain.
static IMAGE_NOT_FOUND: CodedError = CodedError::new(StatusCode::NotFound, "image not found");

impl std::error::Error for ProviderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProviderError::ImageNotFound(_) => Some(&IMAGE_NOT_FOUND),
        }
    }
}

fn handle_queue_item(ctx: &Ctx<impl Tracer, impl Logger>, pod: &Pod) -> Result<(), ProviderError> {
    let (ctx, mut span) = ctx.start_span("handle_queue_item");
    let key = format!("{}/{}", pod.namespace, pod.name);
    let ctx = span.with_field(&ctx, "key", key.as_str());
    let result = sync_pod(&ctx, pod);
    if let Err(err) = &result {
        ctxtrace::warn!(ctx, "requeue"; error = ctxtrace::error(err), backoff_ms = 500u32);
    }
    span.set_status(&result);
    result
}

fn sync_pod(ctx: &Ctx<impl Tracer, impl Logger>, pod: &Pod) -> Result<(), ProviderError> {
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_fields(
        &ctx,
        &[
            ctxtrace::Field::new("pod", pod.name),
            ctxtrace::Field::new("namespace", pod.namespace),
        ],
    );
    ctxtrace::info!(ctx, "syncing {} containers", pod.containers; generation = 3u64);
    let result = ctx.in_span("provider.create_pod", |ctx| create_pod(ctx, pod));
    span.set_status(&result);
    result
}

fn create_pod(ctx: &Ctx<impl Tracer, impl Logger>, pod: &Pod) -> Result<(), ProviderError> {
    ctxtrace::debug!(ctx, "pulling image"; image = pod.image);
    if pod.image.ends_with(":missing") {
        return Err(ProviderError::ImageNotFound(pod.image));
    }
    ctxtrace::info!(ctx, "pod created"; ready = true, cpu = 0.25f64);
    Ok(())
}

fn print_span(span: &SpanData) {
    let parent = if span.parent_span_id == opentelemetry::trace::SpanId::INVALID {
        "-".to_owned()
    } else {
        span.parent_span_id.to_string()
    };
    let status = match &span.status {
        Status::Unset => "Unset".to_owned(),
        Status::Ok => "Ok".to_owned(),
        Status::Error { description } => format!("Error({description})"),
    };
    println!(
        "{} trace={} span={} parent={parent} status={status}",
        span.name,
        span.span_context.trace_id(),
        span.span_context.span_id()
    );
    for attribute in &span.attributes {
        println!("    attribute {} = {}", attribute.key, attribute.value);
    }
    for event in span.events.iter() {
        let attributes: Vec<String> = event
            .attributes
            .iter()
            .map(|kv| format!("{}={}", kv.key, kv.value))
            .collect();
        println!("    event {:?} {}", event.name, attributes.join(" "));
    }
}

fn main() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let logger = MemoryLogger::new();
    let ctx = Ctx::new(OtelTracer::new(provider.tracer("pod-sync")), logger.clone())
        .with_field("worker", 1);

    let queue = [
        Pod {
            namespace: "default",
            name: "web-1",
            image: "nginx:1.27",
            containers: 2,
        },
        Pod {
            namespace: "default",
            name: "web-2",
            image: "nginx:missing",
            containers: 1,
        },
    ];
    for pod in &queue {
        let _ = handle_queue_item(&ctx, pod);
    }

    let spans = exporter
        .get_finished_spans()
        .expect("the exporter is running");
    println!("exported spans ({}):", spans.len());
    for span in &spans {
        print_span(span);
    }
    println!("log entries, with the OpenTelemetry ids:");
    for entry in logger.entries() {
        let ids = entry
            .span_ids()
            .map(|ids| format!("trace={} span={}", ids.trace_id, ids.span_id));
        println!(
            "    {:5} {:30} {}",
            entry.level(),
            entry.message(),
            ids.unwrap_or_default()
        );
    }

    assert_eq!(spans.len(), 6);
    let failed = spans
        .iter()
        .filter(|s| matches!(s.status, Status::Error { .. }))
        .count();
    assert_eq!(
        failed, 3,
        "create_pod, sync_pod and handle_queue_item of web-2"
    );
    provider.shutdown().expect("the provider shuts down once");
}
