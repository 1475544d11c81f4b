//! A small pod sync loop, traced with OpenTelemetry: the SDK exports to an
//! in-memory exporter, and the exported spans are printed at the end.
//!
//! Run with `cargo run -p ctxtrace-opentelemetry --example pod_sync_otel`.
//!
//! With `--otlp http://127.0.0.1:4318` the spans also go over OTLP/HTTP
//! (protobuf, through the batch span processor) to a collector, Jaeger or any
//! OTLP receiver, as service `pod-sync`. The URL is the base, as in
//! `OTEL_EXPORTER_OTLP_ENDPOINT`: `/v1/traces` is added unless it is there.

use std::fmt;
use std::process::ExitCode;

use ctxtrace::{CodedError, Ctx, Logger, MemoryLogger, Span, StatusCode, Tracer};
use ctxtrace_opentelemetry::OtelTracer;
use opentelemetry::trace::{Status, TracerProvider as _};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};

const USAGE: &str = "usage: pod_sync_otel [--otlp URL]   (URL like http://127.0.0.1:4318)";

/// The OTLP/HTTP traces endpoint given with `--otlp`, if any.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<String>, String> {
    let mut otlp = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let url = match arg.as_str() {
            "--otlp" => args.next().ok_or("--otlp needs a URL")?,
            _ => match arg.strip_prefix("--otlp=") {
                Some(url) => url.to_owned(),
                None if arg == "-h" || arg == "--help" => return Err(String::new()),
                None => return Err(format!("unknown argument {arg:?}")),
            },
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "--otlp takes an http:// or https:// URL, not {url:?}"
            ));
        }
        otlp = Some(traces_endpoint(&url));
    }
    Ok(otlp)
}

/// `http://host:4318` becomes `http://host:4318/v1/traces`; a URL that
/// already ends in `/v1/traces` is kept.
fn traces_endpoint(url: &str) -> String {
    let url = url.trim_end_matches('/');
    if url.ends_with("/v1/traces") {
        url.to_owned()
    } else {
        format!("{url}/v1/traces")
    }
}

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

fn main() -> ExitCode {
    let otlp = match parse_args(std::env::args().skip(1)) {
        Ok(otlp) => otlp,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("pod_sync_otel: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let exporter = InMemorySpanExporter::default();
    let mut builder = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .with_resource(Resource::builder().with_service_name("pod-sync").build());
    if let Some(endpoint) = &otlp {
        let otlp_exporter = match opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(endpoint.as_str())
            .build()
        {
            Ok(exporter) => exporter,
            Err(err) => {
                eprintln!("pod_sync_otel: cannot export to {endpoint}: {err}");
                return ExitCode::FAILURE;
            }
        };
        builder = builder.with_batch_exporter(otlp_exporter);
    }
    let provider = builder.build();
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
    // The batch processor sends what it holds; an unreachable collector
    // shows here, not as a silent loss.
    let flushed = provider.force_flush();
    if let Some(endpoint) = &otlp {
        match flushed {
            Ok(()) => println!("sent {} spans to {endpoint}", spans.len()),
            Err(err) => {
                eprintln!("pod_sync_otel: could not send the spans to {endpoint}: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    provider.shutdown().expect("the provider shuts down once");
    ExitCode::SUCCESS
}
