//! Nothing listens: the cost of instrumented code when no backend is set.
//!
//! Columns: the sync without instrumentation (baseline), `ctxtrace` with
//! `Ctx<NopTracer, NopLogger>`, `tracing` with no subscriber, fastrace with
//! its `enable` feature on but no reporter (and with no local parent), the
//! OpenTelemetry API's `NoopTracer`, and slog with a `Discard` drain.
//!
//! Only the pod is passed through `black_box`: the backend is configuration,
//! and seeing through it is what each library's design allows or not.
//!
//! fastrace without its `enable` feature compiles to nothing; this binary
//! cannot show that, because the dev-dependency turns `enable` on (Cargo
//! features are unified), so its columns show what a program pays when some
//! crate in its graph enabled fastrace and no reporter was set.

mod common;

use std::hint::black_box;

use common::{Pod, input};
use criterion::{Criterion, criterion_group, criterion_main};
use ctxtrace::{Ctx, NopLogger, NopTracer};

fn nop(c: &mut Criterion) {
    let pod = Pod::new();
    let mut group = c.benchmark_group("nop");

    group.bench_function("baseline", |b| {
        b.iter(|| common::sync_baseline(input(&pod)))
    });

    let ctx = Ctx::new(NopTracer, NopLogger);
    group.bench_function("ctxtrace", |b| {
        b.iter(|| common::sync_ctxtrace(&ctx, input(&pod)))
    });

    // No dispatcher was ever set in this process.
    group.bench_function("tracing_no_subscriber", |b| {
        b.iter(|| common::sync_tracing(input(&pod)))
    });

    group.bench_function("fastrace_root_no_reporter", |b| {
        b.iter(|| common::sync_fastrace_root(input(&pod)))
    });
    group.bench_function("fastrace_local_no_parent", |b| {
        b.iter(|| common::sync_fastrace_local(input(&pod)))
    });

    let tracer = opentelemetry::trace::noop::NoopTracer::new();
    group.bench_function("otel_noop_tracer", |b| {
        b.iter(|| common::sync_otel(&tracer, input(&pod)))
    });

    let log = slog::Logger::root(slog::Discard, slog::o!());
    group.bench_function("slog_discard_child_logger", |b| {
        b.iter(|| common::sync_slog_child(&log, input(&pod)))
    });
    group.bench_function("slog_discard_line_kv", |b| {
        b.iter(|| common::sync_slog_kv(&log, input(&pod)))
    });

    group.finish();
    black_box(&pod);
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = nop
}
criterion_main!(benches);
