//! The code size of choosing a backend at start-up: one pod-sync loop,
//! generic over its `Ctx`, started from `--trace memory|off` and
//! `--log json|text|off` in two ways.
//!
//! ```text
//! cargo run --release --example either_size -- [nested|either] [memory|off] [json|text|off] [pods]
//! ```
//!
//! - `nested`: two nested generic dispatchers, one per flag, each arm calling
//!   the loop with its own backend types: 2 × 3 = 6 monomorphised copies.
//! - `either`: both flags read into one `Ctx<Either<..>, Either<..>>` type:
//!   one copy of the loop.
//!
//! Both give the same output for the same flags. `.ci/either_size.sh` builds
//! this example in release with v0 symbol names and sums, with `nm`, the code
//! each way compiles, then counts the instructions per pod of each way under
//! callgrind.

use std::io::{self, Stderr};
use std::process::ExitCode;

use ctxtrace::{
    Ctx, Either, JsonLogger, Logger, MemoryTracer, NopLogger, NopTracer, Span, TextLogger, Tracer,
};

/// A pod, as much of one as a sync needs.
struct Pod {
    name: String,
    containers: usize,
}

/// The loop every way runs: a span per pod with a field and a line, and a
/// provider call in a child span whose error sets both statuses. Kept out of
/// line, so that each monomorphised copy is one symbol.
#[inline(never)]
fn sync_loop<T: Tracer, L: Logger>(ctx: &Ctx<T, L>, pods: &[Pod]) -> usize {
    let mut synced = 0;
    for pod in pods {
        let (ctx, mut span) = ctx.start_span("sync_pod");
        let ctx = span.with_field(&ctx, "pod", pod.name.as_str());
        ctxtrace::info!(ctx, "syncing {} containers", pod.containers; attempt = 1);
        let result = ctx.in_span("provider.create_pod", |ctx| {
            if pod.containers == 0 {
                ctxtrace::warn!(ctx, "nothing to create");
                Err(io::Error::new(io::ErrorKind::NotFound, "no containers"))
            } else {
                Ok(())
            }
        });
        span.set_status(&result);
        synced += usize::from(result.is_ok());
    }
    synced
}

/// Two nested generic dispatchers: one copy of `sync_loop` per combination.
#[inline(never)]
fn run_nested(trace: &str, log: &str, pods: &[Pod]) -> usize {
    fn with_tracer<T: Tracer>(tracer: T, log: &str, pods: &[Pod]) -> usize {
        match log {
            "json" => sync_loop(&Ctx::new(tracer, JsonLogger::new(io::stderr())), pods),
            "text" => sync_loop(&Ctx::new(tracer, TextLogger::new(io::stderr())), pods),
            _ => sync_loop(&Ctx::new(tracer, NopLogger), pods),
        }
    }
    match trace {
        "memory" => with_tracer(MemoryTracer::new(), log, pods),
        _ => with_tracer(NopTracer, log, pods),
    }
}

/// The tracer of `--trace memory|off`.
type TraceFlag = Either<MemoryTracer, NopTracer>;
/// The logger of `--log json|text|off`.
type LogFlag = Either<JsonLogger<Stderr>, Either<TextLogger<Stderr>, NopLogger>>;

/// Both flags into one `Ctx` type.
#[inline(never)]
fn ctx_from_flags(trace: &str, log: &str) -> Ctx<TraceFlag, LogFlag> {
    let tracer = match trace {
        "memory" => Either::Left(MemoryTracer::new()),
        _ => Either::Right(NopTracer),
    };
    let logger = match log {
        "json" => Either::Left(JsonLogger::new(io::stderr())),
        "text" => Either::Right(Either::Left(TextLogger::new(io::stderr()))),
        _ => Either::Right(Either::Right(NopLogger)),
    };
    Ctx::new(tracer, logger)
}

/// One copy of `sync_loop`, for the `Either` type.
#[inline(never)]
fn run_either(trace: &str, log: &str, pods: &[Pod]) -> usize {
    sync_loop(&ctx_from_flags(trace, log), pods)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &'static str| args.get(i).map_or(default, String::as_str);
    let (mode, trace, log) = (arg(0, "either"), arg(1, "memory"), arg(2, "json"));
    let Ok(n) = arg(3, "8").parse::<usize>() else {
        eprintln!("either_size: [pods] must be a number");
        return ExitCode::FAILURE;
    };
    let pods: Vec<Pod> = (0..n)
        .map(|i| Pod {
            name: format!("web-{i}"),
            containers: i % 4,
        })
        .collect();
    let synced = match mode {
        "nested" => run_nested(trace, log, &pods),
        "either" => run_either(trace, log, &pods),
        other => {
            eprintln!("either_size: unknown mode {other:?} (nested|either)");
            return ExitCode::FAILURE;
        }
    };
    println!("synced {synced} of {n} pods");
    ExitCode::SUCCESS
}
