//! The cost of `SystemClock`, for `.ci/clock_cost.sh`, which counts its
//! instructions under callgrind: one `now()`, one span started and ended on
//! a `MemoryTracer<SystemClock>`, one timed JSON line, and the pod sync of
//! `examples/sync_cost.rs` (6 spans, 3 lines as span events) recorded with
//! the system clock.
//!
//! ```text
//! cargo run --release --example clock_cost -- now|span|json|sync [n]
//! ```
//!
//! It uses only the API that every release so far has, so the script can
//! build the same file against an older revision and compare.

#[path = "../benches/common/ctxtrace_sync.rs"]
mod ctxtrace_sync;

use std::hint::black_box;

use ctxtrace::{
    Clock, Ctx, JsonLogger, Logger, MemoryTracer, NopLogger, NopTracer, SystemClock, Tracer,
};

/// One pod sync: the one of `benches/common/ctxtrace_sync.rs`.
#[inline(never)]
fn sync<T: Tracer, L: Logger>(root: &Ctx<T, L>, i: usize) {
    ctxtrace_sync::pod_sync(root, i)
}

// One function per case: callgrind counts inside `measure_*` only.
#[inline(never)]
fn measure_now(clock: &SystemClock, n: usize) -> u64 {
    let mut sum = 0u64;
    for _ in 0..n {
        sum = sum.wrapping_add(black_box(clock.now()));
    }
    sum
}
#[inline(never)]
fn measure_span(ctx: &Ctx<MemoryTracer, NopLogger>, n: usize) {
    for _ in 0..n {
        drop(black_box(ctx.start_span("sync")));
    }
}
#[inline(never)]
fn measure_json(ctx: &Ctx<NopTracer, JsonLogger<std::io::Sink>>, n: usize) {
    for i in 0..n {
        ctxtrace::info!(ctx, "synced"; i = i);
    }
}
#[inline(never)]
fn measure_sync(ctx: &Ctx<MemoryTracer, NopLogger>, n: usize) {
    for i in 0..n {
        sync(ctx, i);
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "now".to_string());
    let n: usize = args
        .next()
        .map_or(10_000, |a| a.parse().expect("n: a number"));
    // Each case warms up outside `measure_*` first.
    match mode.as_str() {
        "now" => {
            let clock = SystemClock::new();
            measure_now(&clock, 1_000);
            black_box(measure_now(black_box(&clock), black_box(n)));
        }
        "span" | "sync" => {
            let tracer = MemoryTracer::with_capacity(1024);
            let ctx = Ctx::new(tracer.clone(), NopLogger);
            let measure = if mode == "span" {
                measure_span
            } else {
                measure_sync
            };
            measure(&ctx, 1_000);
            measure(black_box(&ctx), black_box(n));
            assert!(tracer.started() >= n as u64);
        }
        "json" => {
            let ctx = Ctx::new(NopTracer, JsonLogger::new(std::io::sink()));
            measure_json(&ctx, 1_000);
            measure_json(black_box(&ctx), black_box(n));
            assert_eq!(ctx.logger().lines(), n as u64 + 1_000);
        }
        other => panic!("unknown mode {other}: now, span, json or sync"),
    }
    println!("{mode}: {n}");
}
