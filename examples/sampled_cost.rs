//! The cost of one pod sync under a trace that `Sampled` left out, for
//! `.ci/sampled_cost.sh`, which counts its instructions under callgrind:
//! the sync of `benches/common/ctxtrace_sync.rs` (6 nested spans, 4 span
//! fields, 3 `info!` lines, an ok status), each span unsampled, keeping its
//! ids and recording nothing. `.ci/sync_cost.sh` counts the same sync
//! recorded (`memory`) and with nothing listening (`nop`).
//!
//! ```text
//! cargo run --release --example sampled_cost -- unsampled|unsampled-ref [syncs]
//! ```
//!
//! - `unsampled`: `Ctx<Sampled<MemoryTracer>, NopLogger>`, the sampler
//!   owned by the `Ctx` (a reference count per `Ctx`);
//! - `unsampled-ref`: `Ctx<&Sampled<MemoryTracer>, NopLogger>`, borrowed.

#[path = "../benches/common/ctxtrace_sync.rs"]
mod ctxtrace_sync;

use std::hint::black_box;

use ctxtrace::{Ctx, ManualClock, MemoryTracer, NopLogger, Sampled, Tracer};

type Recorder = MemoryTracer<ManualClock>;

/// One pod sync: the one of `benches/common/ctxtrace_sync.rs`.
#[inline(never)]
fn sync<T: Tracer>(root: &Ctx<T, NopLogger>, i: usize) {
    ctxtrace_sync::pod_sync(root, i)
}

fn run<T: Tracer>(ctx: &Ctx<T, NopLogger>, n: usize) {
    for i in 0..n {
        sync(ctx, i);
    }
}

// One function per mode: callgrind counts inside `measure_*` only.
#[inline(never)]
fn measure_unsampled(ctx: &Ctx<Sampled<Recorder>, NopLogger>, n: usize) {
    run(ctx, n)
}
#[inline(never)]
fn measure_unsampled_ref(ctx: &Ctx<&Sampled<Recorder>, NopLogger>, n: usize) {
    run(ctx, n)
}

/// Warms up outside `measure_*`, then runs the measured syncs under a root
/// span that the sampler left out: every span of the sync follows it.
fn bench<T: Tracer>(root: Ctx<T, NopLogger>, n: usize, measure: fn(&Ctx<T, NopLogger>, usize)) {
    let (ctx, _span) = root.start_span("handle_queue_item");
    run(&ctx, 1_000);
    measure(black_box(&ctx), black_box(n));
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "unsampled".to_string());
    let n: usize = args
        .next()
        .map_or(10_000, |a| a.parse().expect("syncs: a number"));
    let recorder = MemoryTracer::with_clock_and_capacity(ManualClock::new(0), 1024);
    let sampler = Sampled::new(recorder.clone(), 0.0);
    match mode.as_str() {
        "unsampled" => bench(Ctx::new(sampler.clone(), NopLogger), n, measure_unsampled),
        "unsampled-ref" => bench(Ctx::new(&sampler, NopLogger), n, measure_unsampled_ref),
        other => panic!("unknown mode {other}: unsampled or unsampled-ref"),
    }
    assert_eq!(recorder.started(), 0, "the sampler recorded a span");
    println!("{mode}: {n} syncs");
}
