//! A `debug!` on a live logger set to info: the cost of a line that is
//! ruled out at run time, with an argument that is costly to format.
//!
//! Every column uses one [`Costly`] value, whose `Display` counts its calls;
//! after each column the count must still be 0.
//!
//! - `ctxtrace`: `Ctx<NopTracer, JsonLogger<io::Sink>>` with
//!   `with_level(LevelFilter::Info)`.
//! - `tracing`: the fmt subscriber to `io::sink` with `LevelFilter::INFO`,
//!   set as this thread's default for the column.
//! - `slog_macro`: slog-json to `io::sink` behind a `LevelFilter(Info)`. In a
//!   release build slog's macros compile `debug!` out (its default
//!   `release_max_level_info`), so this column measures that compile-time
//!   filter, not the drain's runtime one.
//! - `slog_runtime_filter`: the same logger called through `Logger::log`
//!   with a built record, which is what the macro does when the level is
//!   compiled in: the runtime filter of slog's drain chain.
//! - `log`: the `log` facade with a global logger and `max_level` Info.

mod common;

use std::hint::black_box;
use std::io;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use common::{Costly, input};
use criterion::{Criterion, criterion_group};
use ctxtrace::{Ctx, JsonLogger, LevelFilter, NopTracer};
use slog::Drain as _;

/// The `log` crate's global logger: renders enabled records into a buffer
/// and writes it to a sink. (Not `write!` straight to `io::sink()`: `Sink`'s
/// `write_fmt` returns without formatting its arguments.)
struct SinkLog {
    buf: Mutex<Vec<u8>>,
}

impl log::Log for SinkLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        use std::io::Write as _;
        if self.enabled(record.metadata()) {
            let mut buf = self
                .buf
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            buf.clear();
            let _ = writeln!(buf, "{} {}", record.level(), record.args());
            let _ = io::sink().write_all(&buf);
        }
    }

    fn flush(&self) {}
}

fn assert_never_formatted(costly: &Costly, column: &str) {
    let n = costly.formatted.load(Ordering::Relaxed);
    assert_eq!(
        n, 0,
        "{column}: the disabled argument was formatted {n} times"
    );
}

fn disabled_level(c: &mut Criterion) {
    let costly = Costly::default();
    let mut group = c.benchmark_group("disabled_level");

    group.bench_function("baseline", |b| b.iter(|| black_box(input(&costly))));

    let logger = JsonLogger::new(io::sink()).with_level(LevelFilter::Info);
    let ctx = Ctx::new(NopTracer, logger.clone());
    group.bench_function("ctxtrace", |b| {
        b.iter(|| ctxtrace::debug!(input(&ctx), "state {}", input(&costly)))
    });
    assert_never_formatted(&costly, "ctxtrace");
    assert_eq!(logger.lines(), 0);

    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
        .with_writer(io::sink)
        .finish();
    let dispatch = tracing::Dispatch::new(subscriber);
    group.bench_function("tracing", |b| {
        let _default = tracing::dispatcher::set_default(&dispatch);
        b.iter(|| tracing::debug!("state {}", input(&costly)))
    });
    assert_never_formatted(&costly, "tracing");

    let drain = slog_json::Json::default(io::sink());
    let drain = slog::LevelFilter::new(Mutex::new(drain).fuse(), slog::Level::Info).fuse();
    let log = slog::Logger::root(drain, slog::o!());
    group.bench_function("slog_macro", |b| {
        b.iter(|| slog::debug!(input(&log), "state {}", input(&costly)))
    });
    assert_never_formatted(&costly, "slog_macro");
    group.bench_function("slog_runtime_filter", |b| {
        b.iter(|| {
            let log = input(&log);
            log.log(&slog::record!(
                slog::Level::Debug,
                "",
                &format_args!("state {}", input(&costly)),
                slog::b!()
            ));
        })
    });
    assert_never_formatted(&costly, "slog_runtime_filter");

    group.bench_function("log", |b| {
        b.iter(|| log::debug!("state {}", input(&costly)))
    });
    assert_never_formatted(&costly, "log");

    group.finish();

    // The loggers are live: an info line is formatted by each.
    let formatted = || costly.formatted.load(Ordering::Relaxed);
    ctxtrace::info!(ctx, "live {}", costly);
    assert_eq!((formatted(), logger.lines()), (1, 1), "ctxtrace info");
    tracing::dispatcher::with_default(&dispatch, || tracing::info!("live {}", costly));
    assert_eq!(formatted(), 2, "tracing info");
    slog::info!(log, "live {}", costly);
    assert_eq!(formatted(), 3, "slog info");
    log::info!("live {}", costly);
    assert_eq!(formatted(), 4, "log info");
}

fn main_with_log() {
    // A bench binary may own the process-wide logger of the `log` facade.
    log::set_boxed_logger(Box::new(SinkLog {
        buf: Mutex::new(Vec::new()),
    }))
    .expect("no other logger in this binary");
    log::set_max_level(log::LevelFilter::Info);
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = disabled_level
}

fn main() {
    main_with_log();
    benches();
    common::criterion().final_summary();
}
