//! What a sampled-out span costs: the pod sync of `common::sync_ctxtrace`
//! (one span, four fields, one `info!`, an ok status) under a parent that
//! `Sampled` did not sample, beside the same sync with nothing listening and
//! with the memory recorder.
//!
//! Columns: `Ctx<NopTracer, NopLogger>` (the floor), `Sampled<MemoryTracer>`
//! under an unsampled parent (the span keeps its ids, and nothing else),
//! the same with the sampler borrowed (`Ctx<&Sampled<_>, _>`, no reference
//! count per `Ctx`),
//! an unsampled root (a trace id drawn and the decision made from it), a
//! sampled span (the wrapper over the recorder), the OpenTelemetry SDK's
//! span under an unsampled parent (parent-based sampler, ratio 0), and the
//! plain `MemoryTracer`. The recorders keep `KEEP` spans, as in `record.rs`.

mod common;

use common::{KEEP, Pod, input};
use criterion::{Criterion, criterion_group, criterion_main};
use ctxtrace::{Ctx, ManualClock, MemoryTracer, NopLogger, NopTracer, Sampled};

fn recorder() -> MemoryTracer<ManualClock> {
    MemoryTracer::with_clock_and_capacity(ManualClock::new(0), KEEP)
}

fn sampled(c: &mut Criterion) {
    let pod = Pod::new();
    let mut group = c.benchmark_group("sampled");

    let nop = Ctx::new(NopTracer, NopLogger);
    group.bench_function("nop", |b| {
        b.iter(|| common::sync_ctxtrace(&nop, input(&pod)))
    });

    let none = Ctx::new(Sampled::new(recorder(), 0.0), NopLogger);
    let (under_unsampled, _root) = none.start_span("handle_queue_item");
    group.bench_function("unsampled_child", |b| {
        b.iter(|| common::sync_ctxtrace(&under_unsampled, input(&pod)))
    });
    let sampler = Sampled::new(recorder(), 0.0);
    let (under_borrowed, _root) = Ctx::new(&sampler, NopLogger).start_span("handle_queue_item");
    group.bench_function("unsampled_child_borrowed", |b| {
        b.iter(|| common::sync_ctxtrace(&under_borrowed, input(&pod)))
    });
    group.bench_function("unsampled_root", |b| {
        b.iter(|| common::sync_ctxtrace(&none, input(&pod)))
    });

    let all = Ctx::new(Sampled::new(recorder(), 1.0), NopLogger);
    let (under_sampled, _root) = all.start_span("handle_queue_item");
    group.bench_function("sampled_child", |b| {
        b.iter(|| common::sync_ctxtrace(&under_sampled, input(&pod)))
    });

    // The peer: OpenTelemetry's SDK, parent-based on a ratio of 0, its
    // child under an unsampled parent made current on this thread.
    let (provider, otel) = otel_unsampled();
    {
        use opentelemetry::trace::{TraceContextExt as _, Tracer as _};
        let parent = otel.start("handle_queue_item");
        let _current = opentelemetry::Context::current_with_span(parent).attach();
        group.bench_function("otel_unsampled_child", |b| {
            b.iter(|| common::sync_otel(&otel, input(&pod)))
        });
    }
    drop(provider);

    let memory = Ctx::new(recorder(), NopLogger);
    let (under_memory, _root) = memory.start_span("handle_queue_item");
    group.bench_function("memory_child", |b| {
        b.iter(|| common::sync_ctxtrace(&under_memory, input(&pod)))
    });
    group.finish();
}

/// An SDK tracer that samples no root (parent-based, ratio 0), exporting to
/// memory, so that nothing it makes is recorded.
fn otel_unsampled() -> (
    opentelemetry_sdk::trace::SdkTracerProvider,
    opentelemetry_sdk::trace::SdkTracer,
) {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::trace::Sampler;
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            0.0,
        ))))
        .with_simple_exporter(opentelemetry_sdk::trace::InMemorySpanExporter::default())
        .build();
    let tracer = provider.tracer("bench");
    (provider, tracer)
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = sampled
}
criterion_main!(benches);
