//! A small pod sync loop, logged through the `log` facade. A tiny `log`
//! logger that prints each record with its key-values stands in for
//! env_logger or any other.
//!
//! Run with `cargo run -p ctxtrace-log --example pod_sync_log`.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use ctxtrace::{CodedError, Ctx, Logger, MemoryTracer, Span, StatusCode, Tracer};
use ctxtrace_log::LogLogger;

/// Prints `LEVEL target: message k=v ...` to stdout and counts the records.
struct Stdout {
    records: AtomicUsize,
}

struct Pairs(String);

impl<'kvs> log::kv::VisitSource<'kvs> for Pairs {
    fn visit_pair(
        &mut self,
        key: log::kv::Key<'kvs>,
        value: log::kv::Value<'kvs>,
    ) -> Result<(), log::kv::Error> {
        self.0.push_str(&format!(" {key}={value}"));
        Ok(())
    }
}

impl log::Log for Stdout {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let mut pairs = Pairs(String::new());
        let _ = record.key_values().visit(&mut pairs);
        println!(
            "{:5} {}: {}{}",
            record.level(),
            record.target(),
            record.args(),
            pairs.0
        );
        self.records.fetch_add(1, Ordering::Relaxed);
    }

    fn flush(&self) {}
}

static STDOUT: Stdout = Stdout {
    records: AtomicUsize::new(0),
};

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
    log::set_logger(&STDOUT).expect("no other logger is installed");
    log::set_max_level(log::LevelFilter::Debug);

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

    // Spans recorded in memory, so entries carry trace and span ids; each
    // entry goes to `log` under its own target, this example's module
    // (`pod_sync_log`).
    let tracer = MemoryTracer::new();
    let ctx = Ctx::new(tracer.clone(), LogLogger::new()).with_field("worker", 1);
    for pod in &queue {
        let _ = handle_queue_item(&ctx, pod);
    }

    println!("spans:");
    print!("{}", tracer.spans().render());
    assert_eq!(STDOUT.records.load(Ordering::Relaxed), 6);
    let spans = tracer.spans();
    assert_eq!(
        spans
            .find_all("sync_pod")
            .filter(|s| s.status().is_error())
            .count(),
        1
    );
}
