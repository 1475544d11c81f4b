//! The cost of one pod sync on each backend, for `.ci/sync_cost.sh`, which
//! counts its instructions under callgrind: 6 nested spans, 4 span fields
//! (two strings, a `u32`, a `usize`), 3 `info!` lines with 1–2 fields each,
//! and an ok status.
//!
//! ```text
//! cargo run --release --example sync_cost -- json|text|memory|nop [syncs]
//! ```
//!
//! It uses only the API that every release so far has, so the script can
//! build the same file against an older revision and compare.

#[path = "../benches/common/ctxtrace_sync.rs"]
mod ctxtrace_sync;

use std::hint::black_box;

use ctxtrace::{
    Ctx, JsonLogger, Logger, ManualClock, MemoryTracer, NopLogger, NopTracer, TextLogger, Tracer,
};

/// One pod sync: the one of `benches/common/ctxtrace_sync.rs`.
#[inline(never)]
fn sync<T: Tracer, L: Logger>(root: &Ctx<T, L>, i: usize) {
    ctxtrace_sync::pod_sync(root, i)
}

fn run<T: Tracer, L: Logger>(ctx: &Ctx<T, L>, n: usize) {
    for i in 0..n {
        sync(ctx, i);
    }
}

// One function per backend: callgrind counts inside `measure_*` only.
#[inline(never)]
fn measure_json(ctx: &Ctx<NopTracer, JsonLogger<std::io::Sink>>, n: usize) {
    run(ctx, n)
}
#[inline(never)]
fn measure_text(ctx: &Ctx<NopTracer, TextLogger<std::io::Sink>>, n: usize) {
    run(ctx, n)
}
#[inline(never)]
fn measure_memory(ctx: &Ctx<MemoryTracer<ManualClock>, NopLogger>, n: usize) {
    run(ctx, n)
}
#[inline(never)]
fn measure_nop(ctx: &Ctx<NopTracer, NopLogger>, n: usize) {
    run(ctx, n)
}

/// Warms the backend up outside `measure_*`, then runs the measured syncs.
fn bench<T: Tracer, L: Logger>(ctx: &Ctx<T, L>, n: usize, measure: fn(&Ctx<T, L>, usize)) {
    run(ctx, 1_000);
    measure(black_box(ctx), black_box(n));
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "json".to_string());
    let n: usize = args
        .next()
        .map_or(10_000, |a| a.parse().expect("syncs: a number"));
    match mode.as_str() {
        "json" => {
            let ctx = Ctx::new(NopTracer, JsonLogger::new(std::io::sink()).without_time());
            bench(&ctx, n, measure_json);
            assert_eq!(ctx.logger().lines(), 3 * (n as u64 + 1_000));
        }
        "text" => {
            let ctx = Ctx::new(NopTracer, TextLogger::new(std::io::sink()).without_time());
            bench(&ctx, n, measure_text);
            assert_eq!(ctx.logger().lines(), 3 * (n as u64 + 1_000));
        }
        "memory" => {
            let tracer = MemoryTracer::with_clock_and_capacity(ManualClock::new(0), 1024);
            bench(&Ctx::new(tracer.clone(), NopLogger), n, measure_memory);
            assert_eq!(tracer.started(), 6 * (n as u64 + 1_000));
        }
        "nop" => bench(&Ctx::new(NopTracer, NopLogger), n, measure_nop),
        other => panic!("unknown mode {other}: json, text, memory or nop"),
    }
    println!("{mode}: {n} syncs");
}
