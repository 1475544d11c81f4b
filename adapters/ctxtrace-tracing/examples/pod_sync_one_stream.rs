//! One log stream for a program and its dependencies: a small pod controller
//! logs with ctxtrace, a fake `kube_client` logs with `tracing`, a fake
//! `image_puller` logs with `log`, and every line comes out of one
//! `JsonLogger` on stderr, with the same keys (`time`, `level`, `target`,
//! `msg`, then the fields), each line's own target and typed fields.
//!
//! - The controller's spans go to `(MemoryTracer, TracingTracer)`: the
//!   memory tracer gives the trace and span ids, and the `tracing` span that
//!   `Ctx::in_span` enters carries them, so `kube_client`'s `tracing` lines
//!   carry the `trace_id` and `span_id` of the ctxtrace span they ran in.
//! - `tracing` events reach the logger through `CtxtraceLayer`, `log`
//!   records through `ctxtrace_log::LogBridge`, both over clones of the same
//!   `JsonLogger`.
//! - `log` has no spans, so `image_puller`'s lines carry no ids and no span
//!   fields: only their target, message and key-values.
//!
//! A summary goes to stdout.
//!
//! Run with `cargo run -p ctxtrace-tracing --example pod_sync_one_stream`.

use std::io::{self, Stderr};

use ctxtrace::{Ctx, JsonLogger, LevelFilter, MemoryTracer, Span, Tracer};
use ctxtrace_log::LogBridge;
use ctxtrace_tracing::{CtxtraceLayer, TracingTracer};
use tracing_subscriber::layer::SubscriberExt as _;

/// A dependency that logs with `tracing`, as kube-rs does.
mod kube_client {
    /// Fetches a pod; fails for pods named `*-missing`.
    pub fn get_pod(namespace: &str, name: &str, attempt: u32) -> std::io::Result<u64> {
        tracing::info!(
            namespace,
            name,
            attempt,
            "GET /api/v1/namespaces/{namespace}/pods/{name}"
        );
        if name.ends_with("-missing") {
            tracing::warn!(status = 404u16, retry = false, "pod {name} not found");
            let message = format!("pod {namespace}/{name} not found");
            return Err(std::io::Error::new(std::io::ErrorKind::NotFound, message));
        }
        Ok(name.len() as u64 * 7)
    }

    /// Writes a pod's status.
    pub fn patch_status(name: &str, phase: &str) {
        tracing::info!(name, phase, bytes = 212u64, "PATCH status");
    }
}

/// A dependency that logs with `log`, with key-values.
mod image_puller {
    /// Pulls an image.
    pub fn pull(image: &str) {
        log::info!(image, layers = 3; "pulled {image}");
    }
}

struct Pod {
    namespace: &'static str,
    name: &'static str,
    image: &'static str,
}

const PODS: [Pod; 3] = [
    Pod {
        namespace: "default",
        name: "web-1",
        image: "nginx:1.27",
    },
    Pod {
        namespace: "default",
        name: "db-missing",
        image: "postgres:17",
    },
    Pod {
        namespace: "batch",
        name: "job-7",
        image: "busybox:1.37",
    },
];

type Logger = JsonLogger<Stderr>;

fn sync_pod(ctx: &Ctx<impl Tracer, Logger>, pod: &Pod, round: u32) -> io::Result<()> {
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_fields(
        &ctx,
        &[
            ctxtrace::Field::new("namespace", pod.namespace),
            ctxtrace::Field::new("pod", pod.name),
            ctxtrace::Field::new("round", &round),
        ],
    );
    ctxtrace::info!(ctx, "syncing pod");
    let result = ctx.in_span("kube.get_pod", |ctx| {
        ctxtrace::info!(ctx, "fetching pod");
        let version = kube_client::get_pod(pod.namespace, pod.name, round)?;
        ctxtrace::debug!(ctx, "got pod"; resource_version = version);
        Ok::<_, io::Error>(version)
    });
    let result = result.and_then(|version| {
        ctx.in_span("pull_and_patch", |ctx| {
            image_puller::pull(pod.image);
            kube_client::patch_status(pod.name, "Running");
            ctxtrace::info!(ctx, "pod running"; resource_version = version);
            Ok(())
        })
    });
    if let Err(err) = &result {
        ctxtrace::warn!(ctx, "sync failed, requeue"; error = ctxtrace::error(err), backoff_ms = 500u32);
    }
    span.set_status(&result);
    result
}

fn main() -> io::Result<()> {
    let logger: Logger = JsonLogger::new(io::stderr());
    let memory = MemoryTracer::new();
    // The tracing tracer makes no events of ctxtrace entries: the logger
    // writes those itself, and `CtxtraceLayer` would write them again.
    let tracing_tracer = TracingTracer::new().with_event_level(LevelFilter::Off);
    let ctx = Ctx::new((memory.clone(), tracing_tracer), logger.clone());

    // `log` records from dependencies: one logger for the process.
    LogBridge::new(logger.clone())
        .install()
        .map_err(io::Error::other)?;
    // `tracing` events from dependencies, in this thread.
    let subscriber = tracing_subscriber::registry().with(CtxtraceLayer::new(logger.clone()));
    let _guard = tracing::subscriber::set_default(subscriber);

    let (mut syncs, mut failed) = (0, 0);
    for round in 1..=2 {
        for pod in &PODS {
            syncs += 1;
            if sync_pod(&ctx, pod, round).is_err() {
                failed += 1;
            }
        }
    }
    logger.flush()?;

    println!("syncs: {syncs}");
    println!("sync_errors: {failed}");
    println!("spans_recorded: {}", memory.spans().len());
    println!("lines_written: {}", logger.lines());
    println!("write_errors: {}", logger.errors());
    println!("lines_to: stderr");
    Ok(())
}
