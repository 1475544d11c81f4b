//! Spans kept in memory: the sync recorded by `ctxtrace`'s `MemoryTracer`
//! and by the peers' in-memory pipelines.
//!
//! - `baseline`: a recorder written for this one job (a mutex-guarded ring
//!   whose evicted spans lend their buffers to the next span).
//! - `ctxtrace`: `MemoryTracer` (capacity [`KEEP`]) with `NopLogger`.
//! - `tracing`: the `Registry` with a minimal layer that keeps name, fields,
//!   times and events in a `Vec` behind a mutex.
//! - `fastrace_root` / `fastrace_local`: fastrace with an in-memory reporter;
//!   one root span per sync, or one thread-local span per sync under a root
//!   that is renewed every 1,000 syncs (timed). fastrace assembles and
//!   reports spans on its collector thread: the wall-clock numbers show the
//!   cost on the calling thread only; `cpu-per-op` lines (printed after the
//!   groups) add the other threads.
//! - `otel_sdk`: the OpenTelemetry SDK with its in-memory exporter behind a
//!   simple (synchronous) processor. It reads `SystemTime`, so it is in the
//!   system-clock group only.
//!
//! The peers' stores are emptied every [`KEEP`] spans, outside the timed
//! region (which spares them the cost of freeing those spans), while the
//! `ctxtrace` recorder evicts and recycles inside it.
//!
//! Two groups: `record/system_clock` (each library's default clock; the
//! tracing layer reads `ctxtrace::SystemClock`), and `record/tsc_clock`,
//! where `ctxtrace`, the baseline and the tracing layer read the TSC through
//! `quanta`, like fastrace does.

mod common;

use std::hint::black_box;
use std::time::Instant;

use common::{HandRecorder, KEEP, Pod, TscClock, input, timed_chunks};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};
use ctxtrace::{Clock, Ctx, MemoryTracer, NopLogger, SystemClock};

const CHUNK: u64 = KEEP as u64;

/// The columns that take a clock: the baseline, `ctxtrace` and `tracing`.
fn clocked_columns<C: Clock + Default>(group: &mut BenchmarkGroup<'_, WallTime>, pod: &Pod) {
    let hand = HandRecorder::new(C::default());
    group.bench_function("baseline", |b| {
        b.iter_custom(|iters| {
            timed_chunks(
                iters,
                CHUNK,
                || {
                    black_box(common::sync_hand(input(&hand), input(pod)));
                },
                || {},
            )
        })
    });

    let tracer = MemoryTracer::with_clock_and_capacity(C::default(), KEEP);
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    group.bench_function("ctxtrace", |b| {
        b.iter_custom(|iters| {
            timed_chunks(
                iters,
                CHUNK,
                || {
                    black_box(common::sync_ctxtrace(input(&ctx), input(pod)));
                },
                || {},
            )
        })
    });
    // (Skipped when a filter left the column out.)
    if tracer.started() > 0 {
        assert_eq!(tracer.spans().len(), KEEP.min(tracer.started() as usize));
        assert_eq!(tracer.open(), 0);
    }

    let (dispatch, layer) = common::tracing_memory(C::default());
    group.bench_function("tracing", |b| {
        let _default = tracing::dispatcher::set_default(&dispatch);
        b.iter_custom(|iters| {
            timed_chunks(
                iters,
                CHUNK,
                || {
                    black_box(common::sync_tracing(input(pod)));
                },
                || layer.clear(),
            )
        })
    });
    // The layer keeps what the sync gave it: 4 fields and the status, 1 event.
    layer.clear();
    tracing::dispatcher::with_default(&dispatch, || common::sync_tracing(pod));
    let kept = layer.spans.lock().unwrap();
    assert_eq!(
        (kept.len(), kept[0].fields.len(), kept[0].events.len()),
        (1, 5, 1)
    );
}

/// fastrace's columns: it always reads the TSC.
fn fastrace_columns(group: &mut BenchmarkGroup<'_, WallTime>, pod: &Pod) {
    group.bench_function("fastrace_root", |b| {
        b.iter_custom(|iters| {
            timed_chunks(
                iters,
                CHUNK,
                || {
                    black_box(common::sync_fastrace_root(input(pod)));
                },
                || {},
            )
        })
    });
    group.bench_function("fastrace_local", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            common::fastrace_local_n(iters, || {
                black_box(common::sync_fastrace_local(input(pod)));
            });
            start.elapsed()
        })
    });
}

fn record(c: &mut Criterion) {
    let pod = Pod::new();
    let fastrace_spans = common::fastrace_memory();

    let mut group = c.benchmark_group("record/system_clock");
    clocked_columns::<SystemClock>(&mut group, &pod);
    fastrace_columns(&mut group, &pod);
    let (_provider, otel, exporter) = common::otel_memory();
    group.bench_function("otel_sdk", |b| {
        b.iter_custom(|iters| {
            timed_chunks(
                iters,
                CHUNK,
                || {
                    black_box(common::sync_otel(input(&otel), input(&pod)));
                },
                || exporter.reset(),
            )
        })
    });
    group.finish();

    let mut group = c.benchmark_group("record/tsc_clock");
    clocked_columns::<TscClock>(&mut group, &pod);
    fastrace_columns(&mut group, &pod);
    group.finish();

    // fastrace reports on its collector thread: give it a moment.
    fastrace::flush();
    std::thread::sleep(std::time::Duration::from_millis(100));
    let reported = fastrace_spans.lock().unwrap().len();
    println!("fastrace: {reported} span records in the reporter's store");

    // All-thread CPU time per sync, printed when asked (`CPU_PER_OP=1`): it
    // runs every column again, outside criterion's filter.
    if std::env::var_os("CPU_PER_OP").is_some() {
        cpu_per_op(&pod);
    }
}

/// Wall and all-thread CPU time per sync, outside criterion.
fn cpu_per_op(pod: &Pod) {
    const N: u64 = 400_000;
    println!();
    let ctx = Ctx::new(
        MemoryTracer::with_clock_and_capacity(SystemClock::new(), KEEP),
        NopLogger,
    );
    common::print_cpu_per_op(
        "ctxtrace (system clock)",
        N,
        |n| {
            (0..n).for_each(|_| {
                black_box(common::sync_ctxtrace(input(&ctx), input(pod)));
            })
        },
        || {},
    );
    let ctx = Ctx::new(
        MemoryTracer::with_clock_and_capacity(TscClock::new(), KEEP),
        NopLogger,
    );
    common::print_cpu_per_op(
        "ctxtrace (tsc clock)",
        N,
        |n| {
            (0..n).for_each(|_| {
                black_box(common::sync_ctxtrace(input(&ctx), input(pod)));
            })
        },
        || {},
    );
    let (dispatch, layer) = common::tracing_memory(SystemClock::new());
    tracing::dispatcher::with_default(&dispatch, || {
        common::print_cpu_per_op(
            "tracing (system clock)",
            N,
            |n| {
                (0..n).for_each(|_| {
                    black_box(common::sync_tracing(input(pod)));
                })
            },
            || layer.clear(),
        );
    });
    common::print_cpu_per_op(
        "fastrace_root",
        N,
        |n| {
            (0..n).for_each(|_| {
                black_box(common::sync_fastrace_root(input(pod)));
            })
        },
        || {},
    );
    common::print_cpu_per_op(
        "fastrace_local",
        N,
        |n| {
            common::fastrace_local_n(n, || {
                black_box(common::sync_fastrace_local(input(pod)));
            })
        },
        || {},
    );
    let (_provider, otel, exporter) = common::otel_memory();
    common::print_cpu_per_op(
        "otel_sdk",
        N,
        |n| {
            (0..n).for_each(|_| {
                black_box(common::sync_otel(input(&otel), input(pod)));
            })
        },
        || exporter.reset(),
    );
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = record
}
criterion_main!(benches);
