//! A small pod sync loop, written to a `tracing` subscriber: first with
//! `TracingLogger` (entries only), then with `TracingTracer` (spans, and the
//! entries inside them).
//!
//! Run with `cargo run -p ctxtrace-tracing --example pod_sync_tracing`.

use std::fmt;

use ctxtrace::{CodedError, Ctx, Logger, NopLogger, NopTracer, Span, StatusCode, Tracer};
use ctxtrace_tracing::{TracingLogger, TracingTracer};
use tracing_subscriber::fmt::format::FmtSpan;

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

fn main() {
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

    // The program's own subscriber: here, `fmt` to stdout, with a line when
    // each span closes.
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(std::io::stdout)
        .with_ansi(false)
        .without_time()
        .finish();

    tracing::subscriber::with_default(subscriber, || {
        println!("== TracingLogger: entries as tracing events");
        let ctx = Ctx::new(NopTracer, TracingLogger::new()).with_field("worker", 1);
        for pod in &queue {
            let _ = handle_queue_item(&ctx, pod);
        }

        println!("== TracingTracer: ctxtrace spans as tracing spans");
        let ctx = Ctx::new(TracingTracer::new(), NopLogger);
        let failed = queue
            .iter()
            .filter(|pod| handle_queue_item(&ctx, pod).is_err())
            .count();
        assert_eq!(failed, 1);
    });
}
