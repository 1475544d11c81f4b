//! The pod sync of `examples/sync_cost.rs` (6 nested spans, 4 span fields,
//! 3 info lines with 1–2 fields each, an ok status), with `ctxtrace` and its
//! peers side by side; the syncs are written once per library in
//! `common/pod_sync.rs`, and `.ci/peer_cost.sh` counts the same syncs under
//! callgrind. One iteration is one sync.
//!
//! - `pod_sync/json`: JSON lines to `io::sink()`. A hand-written baseline
//!   (a reused buffer behind a lock, no escaping, the time as an integer),
//!   `NopTracer` + `JsonLogger`, slog-json behind a `Mutex` with the span
//!   fields on child loggers (straight to the sink, and behind a
//!   `BufWriter`, as in `json_line.rs`), and tracing-subscriber's JSON layer
//!   (each line carries the current span and the span list with their
//!   fields, its defaults).
//! - `pod_sync/record`: spans kept in memory, each library's default clock.
//!   The hand-written recorder of `common` (baseline), `MemoryTracer` +
//!   `NopLogger`, fastrace with an in-memory reporter, the tracing
//!   `Registry` with a memory layer, and the OpenTelemetry SDK with its
//!   in-memory exporter behind a simple processor. The peers' stores are
//!   emptied every [`CHUNK`] syncs outside the timed region, as in
//!   `record.rs`. fastrace assembles and reports its spans on a collector
//!   thread, which a wall-clock median does not see: `CPU_PER_OP=1` prints
//!   all-thread CPU time per sync after the groups, and `.ci/peer_cost.sh`
//!   counts the whole process.
//! - `pod_sync/two_threads`: lines per second on one shared logger, with 1
//!   and with 2 threads. Each sample runs the syncs on 1 thread and then on
//!   2, back to back, so that both halves meet the same phase of a noisy
//!   machine. Each half spawns its threads (scoped, outside the timed
//!   region) and lines them up on a barrier; each thread then reads the
//!   clock, runs its `iters` syncs and reads it again, and the half's time
//!   is from the first start to the last end: the wall time of one sync *on
//!   every thread at once*. Criterion's time is the sum of the halves (its
//!   throughput counts the lines of both, 3 + 6 an iteration). After the
//!   group the bench prints, for each logger, the medians of the two halves
//!   and the median over the samples of each one's ratio of lines per
//!   second (`2 × t₁ / t₂`; the target for `ctxtrace` is at least 1.6 on a
//!   2-core machine, and 2.0 is perfect scaling). Medians are over
//!   criterion's measured samples (its warm-up samples come first and are
//!   left out). Loggers: `JsonLogger`, the same with a `for_thread()` clone
//!   per thread, the same written through `&io::Sink` with no lock of the
//!   logger's (`Unlocked`, also with `for_thread()`), slog-json behind a
//!   `Mutex` (it formats under that lock) and tracing-subscriber's JSON
//!   layer (it formats into a buffer of the thread's own and writes through
//!   `io::sink` with no lock). The ratio means something only when the
//!   machine has a core free for the second thread: the bench prints the
//!   load average beside it.
//!
//! Run with `cargo bench --bench pod_sync -- --warm-up-time 1
//! --measurement-time 3`. On a shared machine compare the columns of one
//! run, not runs.

mod common;

use std::cell::RefCell;
use std::io;
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use common::pod_sync::{self, HandJson};
use common::{HandRecorder, KEEP, input, timed_chunks};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ctxtrace::{Ctx, JsonLogger, MemoryTracer, NopLogger, NopTracer, SystemClock, Unlocked};
use slog::Drain as _;

/// Syncs between two emptyings of a peer's store: [`KEEP`] spans.
const CHUNK: u64 = (KEEP / 6) as u64;

/// Runs `iters` syncs numbered from 0 through `sync`.
#[inline(always)]
fn syncs(iters: u64, sync: impl Fn(usize)) {
    for i in 0..iters as usize {
        sync(i);
    }
}

fn json(c: &mut Criterion) {
    let mut group = c.benchmark_group("pod_sync/json");

    let hand = HandJson::new();
    group.bench_function("baseline", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            syncs(iters, |i| pod_sync::hand_json(input(&hand), i));
            start.elapsed()
        })
    });

    let logger = JsonLogger::new(io::sink());
    let ctx = Ctx::new(NopTracer, logger.clone());
    group.bench_function("ctxtrace", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            syncs(iters, |i| pod_sync::ctxtrace(input(&ctx), i));
            start.elapsed()
        })
    });
    // (Skipped when a filter left the column out.)
    assert_eq!(logger.errors(), 0);
    assert_eq!(logger.lines() % 3, 0);

    let drain = Mutex::new(slog_json::Json::default(io::sink())).fuse();
    let log = slog::Logger::root(drain, slog::o!());
    group.bench_function("slog_json", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            syncs(iters, |i| pod_sync::slog(input(&log), i));
            start.elapsed()
        })
    });

    let json = slog_json::Json::default(io::BufWriter::new(io::sink()));
    let log = slog::Logger::root(Mutex::new(json).fuse(), slog::o!());
    group.bench_function("slog_json_bufwriter", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            syncs(iters, |i| pod_sync::slog(input(&log), i));
            start.elapsed()
        })
    });

    let dispatch = tracing_json();
    group.bench_function("tracing_json", |b| {
        let _default = tracing::dispatcher::set_default(&dispatch);
        b.iter_custom(|iters| {
            let start = Instant::now();
            syncs(iters, pod_sync::tracing);
            start.elapsed()
        })
    });
    group.finish();
}

/// tracing-subscriber's JSON formatter with its defaults, to `io::sink()`.
fn tracing_json() -> tracing::Dispatch {
    tracing::Dispatch::new(
        tracing_subscriber::fmt()
            .json()
            .with_writer(io::sink)
            .finish(),
    )
}

fn record(c: &mut Criterion) {
    let fastrace_spans = common::fastrace_memory();
    let mut group = c.benchmark_group("pod_sync/record");

    let hand = HandRecorder::new(SystemClock::new());
    group.bench_function("baseline", |b| {
        b.iter_custom(|iters| {
            let mut i = 0;
            timed_chunks(
                iters,
                CHUNK,
                || {
                    pod_sync::hand_record(input(&hand), i);
                    i += 1;
                },
                || {},
            )
        })
    });

    let tracer = MemoryTracer::with_capacity(KEEP);
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    group.bench_function("ctxtrace", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            syncs(iters, |i| pod_sync::ctxtrace(input(&ctx), i));
            start.elapsed()
        })
    });
    if tracer.started() > 0 {
        assert_eq!(tracer.open(), 0);
        assert_eq!(tracer.spans().len(), KEEP.min(tracer.started() as usize));
    }

    group.bench_function("fastrace", |b| {
        b.iter_custom(|iters| {
            let mut i = 0;
            timed_chunks(
                iters,
                CHUNK,
                || {
                    pod_sync::fastrace(i);
                    i += 1;
                },
                || {},
            )
        })
    });

    let (dispatch, layer) = common::tracing_memory(SystemClock::new());
    group.bench_function("tracing", |b| {
        let _default = tracing::dispatcher::set_default(&dispatch);
        b.iter_custom(|iters| {
            let mut i = 0;
            timed_chunks(
                iters,
                CHUNK,
                || {
                    pod_sync::tracing(i);
                    i += 1;
                },
                || layer.clear(),
            )
        })
    });

    let (_provider, otel, exporter) = common::otel_memory();
    group.bench_function("otel_sdk", |b| {
        b.iter_custom(|iters| {
            let mut i = 0;
            timed_chunks(
                iters,
                CHUNK,
                || {
                    pod_sync::otel(input(&otel), i);
                    i += 1;
                },
                || exporter.reset(),
            )
        })
    });
    group.finish();

    // fastrace reports on its collector thread: give it a moment.
    fastrace::flush();
    std::thread::sleep(Duration::from_millis(100));
    let reported = fastrace_spans.lock().map_or(0, |s| s.len());
    println!("fastrace: {reported} span records in the reporter's store");

    // All-thread CPU time per sync, printed when asked (`CPU_PER_OP=1`): it
    // runs the recorded columns again, outside criterion's filter.
    if std::env::var_os("CPU_PER_OP").is_some() {
        const N: u64 = 100_000;
        println!();
        let each = |n: u64, sync: &dyn Fn(usize)| syncs(n, sync);
        common::print_cpu_per_op(
            "ctxtrace",
            N,
            |n| each(n, &|i| pod_sync::ctxtrace(input(&ctx), i)),
            || {},
        );
        common::print_cpu_per_op("fastrace", N, |n| each(n, &pod_sync::fastrace), || {});
        tracing::dispatcher::with_default(&dispatch, || {
            common::print_cpu_per_op(
                "tracing",
                N,
                |n| each(n, &pod_sync::tracing),
                || layer.clear(),
            );
        });
        common::print_cpu_per_op(
            "otel_sdk",
            N,
            |n| each(n, &|i| pod_sync::otel(input(&otel), i)),
            || exporter.reset(),
        );
    }
}

/// Runs `iters` syncs on each of `threads` scoped threads at once and
/// returns the wall time from the first thread's start to the last one's
/// end. Each thread reads its own clock after the barrier: the spawning
/// thread may be descheduled for a while once it lets them go.
/// `enter` runs on each thread before it starts (to set a dispatcher).
fn on_threads<G>(
    threads: usize,
    iters: u64,
    enter: impl Fn() -> G + Sync,
    sync: impl Fn(&G, usize) + Sync,
) -> Duration {
    let barrier = Barrier::new(threads);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let entered = enter();
                    barrier.wait();
                    let start = Instant::now();
                    syncs(iters, |i| sync(&entered, i));
                    (start, Instant::now())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a sync thread panicked"))
            .collect()
    });
    let start = spans.iter().map(|s| s.0).min().expect("one thread");
    let end = spans.iter().map(|s| s.1).max().expect("one thread");
    end - start
}

/// Per sample that criterion took with one column, in order: the
/// nanoseconds per sync with 1 thread and with 2 threads, run back to back.
/// The last `SAMPLES` are its measured samples.
type Samples = RefCell<Vec<(f64, f64)>>;

/// How many samples criterion measures (`common::criterion()`).
const SAMPLES: usize = 50;

/// The median of `values`.
fn median_of(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// Over the measured samples (the last [`SAMPLES`]): the median time per
/// sync with 1 thread, with 2, and the median of each sample's ratio of
/// lines per second (`2 × t₁ / t₂`).
fn medians(samples: &Samples) -> Option<(f64, f64, f64)> {
    let samples = samples.borrow();
    let measured = &samples[samples.len().saturating_sub(SAMPLES)..];
    Some((
        median_of(measured.iter().map(|s| s.0).collect())?,
        median_of(measured.iter().map(|s| s.1).collect())?,
        median_of(measured.iter().map(|s| 2.0 * s.0 / s.1).collect())?,
    ))
}

fn two_threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("pod_sync/two_threads");
    let mut ratios = Vec::new();

    let logger = JsonLogger::new(io::sink());
    let ctx = Ctx::new(NopTracer, logger.clone());
    let unlocked = Ctx::new(NopTracer, JsonLogger::new(Unlocked::new(io::sink())));
    let drain = Mutex::new(slog_json::Json::default(io::sink())).fuse();
    let log = slog::Logger::root(drain, slog::o!());
    let dispatch = tracing_json();

    // Each sample runs the syncs on 1 thread, then on 2, back to back, so
    // that both see the same phase of a noisy machine; criterion's time is
    // their sum, and its throughput counts the lines of both (3 + 6).
    group.throughput(Throughput::Elements(9));
    let mut column = |name: &str, run: &dyn Fn(usize, u64) -> Duration| {
        let samples = Samples::default();
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let one = run(1, iters);
                let two = run(2, iters);
                let per_sync = |d: Duration| d.as_nanos() as f64 / iters as f64;
                samples.borrow_mut().push((per_sync(one), per_sync(two)));
                one + two
            })
        });
        if let Some(m) = medians(&samples) {
            ratios.push((name.to_string(), m));
        }
    };

    column("ctxtrace", &|threads, iters| {
        on_threads(threads, iters, || (), |_, i| pod_sync::ctxtrace(&ctx, i))
    });
    // Each thread's loggers count their references on a handle of the
    // thread's own (`JsonLogger::for_thread`), made before the clock starts.
    column("ctxtrace_for_thread", &|threads, iters| {
        on_threads(
            threads,
            iters,
            || ctx.with_logger(ctx.logger().for_thread()),
            pod_sync::ctxtrace,
        )
    });
    // The same, written through `&io::Sink` with no lock of the logger's
    // (`Unlocked`), as tracing-subscriber's `with_writer(io::sink)` is.
    column("ctxtrace_unlocked", &|threads, iters| {
        on_threads(
            threads,
            iters,
            || unlocked.with_logger(unlocked.logger().for_thread()),
            pod_sync::ctxtrace,
        )
    });
    column("slog_json", &|threads, iters| {
        on_threads(threads, iters, || (), |_, i| pod_sync::slog(&log, i))
    });
    column("tracing_json", &|threads, iters| {
        on_threads(
            threads,
            iters,
            || tracing::dispatcher::set_default(&dispatch),
            |_, i| pod_sync::tracing(i),
        )
    });
    group.finish();
    assert_eq!(logger.errors(), 0);

    // A second thread speeds lines up only when a second core is free: the
    // load average says whether it was.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_else(|_| "n/a".to_string());
    println!(
        "two_threads: {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    for (name, (one, two, ratio)) in ratios {
        println!(
            "two_threads {name:<20} 1 thread {one:>8.0} ns/sync, 2 threads {two:>8.0} ns/sync each \
             (medians); lines per second with 2 threads over 1, median of the samples: {ratio:.2}x"
        );
    }
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = json, record, two_threads
}
criterion_main!(benches);
