//! The zero-cost proof: one pod sync written twice, once plain and once
//! instrumented as the README teaches, run with `Ctx<NopTracer, NopLogger>`.
//! `.ci/nop_cost.sh` counts the instructions of each under callgrind.
//!
//! ```text
//! cargo run --release --example nop_cost -- [plain|instrumented|debug_off|all] [pods] [rounds]
//! ```
//!
//! - `plain`: `sync_plain`, no instrumentation.
//! - `instrumented`: `sync_instrumented` with the nop tracer and logger.
//! - `debug_off`: `sync_debug_off`, the plain work plus one `debug!` per pod
//!   on a logger whose level is `Info`, set at run time.
//! - `user_plain` and `user_instrumented`: the same sync with a user error
//!   type that implements nothing but `std::error::Error` (its source is the
//!   io error), passed to `set_status` and `in_span` with no impl of ours.
//!
//! All of them do the same work and return the same number.

use std::error::Error;
use std::fmt;
use std::hint::black_box;
use std::io;

use ctxtrace::{Ctx, LevelFilter, Logger, MemoryLogger, NopLogger, NopTracer, Span, Tracer};

/// A pod, as much of one as a sync needs.
struct Pod {
    name: String,
    namespace: String,
    containers: Vec<String>,
    attempt: u32,
}

fn pods(n: usize) -> Vec<Pod> {
    (0..n)
        .map(|i| Pod {
            name: format!("web-{i}"),
            namespace: if i % 2 == 0 {
                "default".to_string()
            } else {
                "kube-system".to_string()
            },
            // Every seventh pod has no containers: its sync fails.
            containers: (0..i % 7).map(|c| format!("image-{c}:v{i}")).collect(),
            attempt: (i % 3) as u32 + 1,
        })
        .collect()
}

// ---- plain ----------------------------------------------------------------

#[inline(never)]
fn sync_plain(pods: &[Pod]) -> usize {
    let mut total = 0usize;
    for pod in pods {
        total = total.wrapping_add(match pod_plain(black_box(pod)) {
            Ok(n) => n,
            Err(e) => e.kind() as usize,
        });
    }
    total
}

#[inline(never)]
fn pod_plain(pod: &Pod) -> Result<usize, io::Error> {
    let n = pod.containers.len();
    image_bytes_plain(pod).map(|bytes| bytes * pod.attempt as usize + n + pod.namespace.len())
}

#[inline(never)]
fn image_bytes_plain(pod: &Pod) -> Result<usize, io::Error> {
    if pod.containers.is_empty() {
        return Err(io::Error::from(io::ErrorKind::NotFound));
    }
    Ok(pod
        .containers
        .iter()
        .map(|c| c.len().wrapping_mul(31) ^ pod.name.len())
        .sum())
}

// ---- instrumented, as the README teaches -------------------------------------

#[inline(never)]
fn sync_instrumented(ctx: &Ctx<impl Tracer, impl Logger>, pods: &[Pod]) -> usize {
    let mut total = 0usize;
    for pod in pods {
        total = total.wrapping_add(match pod_instrumented(ctx, black_box(pod)) {
            Ok(n) => n,
            Err(e) => e.kind() as usize,
        });
    }
    total
}

#[inline(never)]
fn pod_instrumented(ctx: &Ctx<impl Tracer, impl Logger>, pod: &Pod) -> Result<usize, io::Error> {
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", pod.name.as_str());
    let ctx = span.with_field(&ctx, "namespace", pod.namespace.as_str());
    let ctx = span.with_field(&ctx, "attempt", pod.attempt);
    let ctx = span.with_field(&ctx, "containers", pod.containers.len());
    let n = pod.containers.len();
    ctxtrace::info!(ctx, "syncing {} containers", n);
    let result = ctx
        .in_span("provider.image_bytes", |ctx| {
            image_bytes_instrumented(ctx, pod)
        })
        .map(|bytes| bytes * pod.attempt as usize + n + pod.namespace.len());
    span.set_status(&result);
    span.end();
    result
}

#[inline(never)]
fn image_bytes_instrumented(
    ctx: &Ctx<impl Tracer, impl Logger>,
    pod: &Pod,
) -> Result<usize, io::Error> {
    if pod.containers.is_empty() {
        ctxtrace::warn!(ctx, "no containers"; pod = pod.name.as_str());
        return Err(io::Error::from(io::ErrorKind::NotFound));
    }
    Ok(pod
        .containers
        .iter()
        .map(|c| c.len().wrapping_mul(31) ^ pod.name.len())
        .sum())
}

// ---- a user error type, plain and instrumented ------------------------------

/// A user error that implements `std::error::Error` and nothing else.
#[derive(Debug)]
struct ImageMissing(io::Error);

impl fmt::Display for ImageMissing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("image missing")
    }
}

impl Error for ImageMissing {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

#[inline(never)]
fn sync_user_plain(pods: &[Pod]) -> usize {
    let mut total = 0usize;
    for pod in pods {
        total = total.wrapping_add(match pod_user_plain(black_box(pod)) {
            Ok(n) => n,
            Err(e) => e.0.kind() as usize,
        });
    }
    total
}

#[inline(never)]
fn pod_user_plain(pod: &Pod) -> Result<usize, ImageMissing> {
    let n = pod.containers.len();
    image_bytes_plain(pod)
        .map_err(ImageMissing)
        .map(|bytes| bytes * pod.attempt as usize + n + pod.namespace.len())
}

#[inline(never)]
fn sync_user_instrumented(ctx: &Ctx<impl Tracer, impl Logger>, pods: &[Pod]) -> usize {
    let mut total = 0usize;
    for pod in pods {
        total = total.wrapping_add(match pod_user_instrumented(ctx, black_box(pod)) {
            Ok(n) => n,
            Err(e) => e.0.kind() as usize,
        });
    }
    total
}

#[inline(never)]
fn pod_user_instrumented(
    ctx: &Ctx<impl Tracer, impl Logger>,
    pod: &Pod,
) -> Result<usize, ImageMissing> {
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", pod.name.as_str());
    let n = pod.containers.len();
    let result = ctx
        .in_span("provider.image_bytes", |ctx| {
            image_bytes_instrumented(ctx, pod).map_err(ImageMissing)
        })
        .map(|bytes| bytes * pod.attempt as usize + n + pod.namespace.len());
    span.set_status(&result);
    span.end();
    result
}

// ---- plain, plus a debug! line that the logger rules out at run time ---------

#[inline(never)]
fn sync_debug_off(ctx: &Ctx<NopTracer, MemoryLogger>, pods: &[Pod]) -> usize {
    let mut total = 0usize;
    for pod in pods {
        total = total.wrapping_add(match pod_debug_off(ctx, black_box(pod)) {
            Ok(n) => n,
            Err(e) => e.kind() as usize,
        });
    }
    total
}

#[inline(never)]
fn pod_debug_off(ctx: &Ctx<NopTracer, MemoryLogger>, pod: &Pod) -> Result<usize, io::Error> {
    let n = pod.containers.len();
    ctxtrace::debug!(ctx, "pod {} has {} containers", pod.name, n);
    image_bytes_plain(pod).map(|bytes| bytes * pod.attempt as usize + n + pod.namespace.len())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "all".to_string());
    let n_pods: usize = args
        .next()
        .map_or(1_000, |a| a.parse().expect("pods: a number"));
    let rounds: usize = args
        .next()
        .map_or(10, |a| a.parse().expect("rounds: a number"));
    let pods = pods(n_pods);
    let nop = Ctx::new(NopTracer, NopLogger);
    let info_only = Ctx::new(NopTracer, MemoryLogger::new().with_level(LevelFilter::Info));

    let run = |which: &str| -> usize {
        let mut total = 0usize;
        for _ in 0..rounds {
            let pods = black_box(pods.as_slice());
            total = total.wrapping_add(black_box(match which {
                "plain" => sync_plain(pods),
                "instrumented" => sync_instrumented(black_box(&nop), pods),
                "debug_off" => sync_debug_off(black_box(&info_only), pods),
                "user_plain" => sync_user_plain(pods),
                "user_instrumented" => sync_user_instrumented(black_box(&nop), pods),
                other => panic!("unknown mode {other}"),
            }));
        }
        total
    };

    let modes: &[&str] = match mode.as_str() {
        "all" => &[
            "plain",
            "instrumented",
            "debug_off",
            "user_plain",
            "user_instrumented",
        ],
        one => &[one],
    };
    // Only the modes asked for run, so that callgrind sees nothing else.
    let mut first = None;
    for mode in modes {
        let total = run(mode);
        assert_eq!(
            total,
            *first.get_or_insert(total),
            "{mode} did different work"
        );
        println!("{mode}: total {total} over {} pod syncs", n_pods * rounds);
    }
    assert!(
        info_only.logger().entries().is_empty(),
        "a debug line got through"
    );
}
