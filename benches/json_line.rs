//! One log line with four fields (`pod`, `namespace` as strings, `attempt`,
//! `containers` as integers) and a message with one argument, written to
//! `io::sink()`: the cost of rendering a line.
//!
//! Group `json_line`: a hand-written line (baseline: `write!` into a reused
//! buffer, no escaping, the time as an integer, the target that `JsonLogger`
//! and tracing-subscriber write by default), `JsonLogger`,
//! tracing-subscriber's JSON formatter, and slog-json (straight to
//! `io::sink()`, and behind a `BufWriter`).
//! Group `text_line`: a hand-written logfmt line, `TextLogger`,
//! tracing-subscriber's default ("full") formatter without ANSI colours, and
//! slog-term's full format with a plain decorator.
//!
//! Every column writes the time: `ctxtrace` its RFC 3339 UTC time with
//! nanoseconds from its default clock; tracing-subscriber RFC 3339 UTC with
//! microseconds from `SystemTime`; slog-json RFC 3339 UTC from the `time`
//! crate; slog-term its UTC timestamp format (milliseconds). The
//! `ctxtrace_without_time` columns show the share of the time stamp.

mod common;

use std::hint::black_box;
use std::io::{self, Write as _};
use std::sync::{Mutex, PoisonError};

use common::{Pod, input};
use criterion::{Criterion, criterion_group, criterion_main};
use ctxtrace::{Clock, Ctx, JsonLogger, NopTracer, SystemClock, TextLogger};
use slog::Drain as _;

/// The hand-written line: a reused buffer behind a lock, one `write_all`.
struct HandLine {
    clock: SystemClock,
    buf: Mutex<Vec<u8>>,
}

impl HandLine {
    fn new() -> Self {
        HandLine {
            clock: SystemClock::new(),
            buf: Mutex::new(Vec::with_capacity(256)),
        }
    }

    fn json(&self, pod: &Pod) {
        let time = self.clock.now();
        let mut buf = self.buf.lock().unwrap_or_else(PoisonError::into_inner);
        buf.clear();
        let _ = writeln!(
            buf,
            r#"{{"time":{time},"level":"info","target":"json_line","msg":"syncing {} containers","pod":"{}","namespace":"{}","attempt":{},"containers":{}}}"#,
            pod.containers, pod.name, pod.namespace, pod.attempt, pod.containers
        );
        let _ = io::sink().write_all(&buf);
    }

    fn text(&self, pod: &Pod) {
        let time = self.clock.now();
        let mut buf = self.buf.lock().unwrap_or_else(PoisonError::into_inner);
        buf.clear();
        let _ = writeln!(
            buf,
            r#"time={time} level=info msg="syncing {} containers" pod={} namespace={} attempt={} containers={}"#,
            pod.containers, pod.name, pod.namespace, pod.attempt, pod.containers
        );
        let _ = io::sink().write_all(&buf);
    }
}

macro_rules! ctxtrace_line {
    ($ctx:expr, $pod:expr) => {{
        let pod = $pod;
        ctxtrace::info!($ctx, "syncing {} containers", pod.containers;
            pod = pod.name.as_str(),
            namespace = pod.namespace.as_str(),
            attempt = pod.attempt,
            containers = pod.containers)
    }};
}

fn tracing_line(pod: &Pod) {
    tracing::info!(
        pod = pod.name.as_str(),
        namespace = pod.namespace.as_str(),
        attempt = pod.attempt,
        containers = pod.containers,
        "syncing {} containers",
        pod.containers
    );
}

fn slog_line(log: &slog::Logger, pod: &Pod) {
    slog::info!(log, "syncing {} containers", pod.containers;
        "pod" => pod.name.as_str(),
        "namespace" => pod.namespace.as_str(),
        "attempt" => pod.attempt,
        "containers" => pod.containers,
    );
}

fn json_line(c: &mut Criterion) {
    let pod = Pod::new();
    let hand = HandLine::new();
    let mut group = c.benchmark_group("json_line");

    group.bench_function("baseline", |b| b.iter(|| hand.json(input(&pod))));

    let logger = JsonLogger::new(io::sink());
    let ctx = Ctx::new(NopTracer, logger.clone());
    group.bench_function("ctxtrace", |b| {
        b.iter(|| ctxtrace_line!(input(&ctx), input(&pod)))
    });
    assert!(logger.lines() > 0 && logger.errors() == 0);

    let ctx = Ctx::new(NopTracer, JsonLogger::new(io::sink()).without_time());
    group.bench_function("ctxtrace_without_time", |b| {
        b.iter(|| ctxtrace_line!(input(&ctx), input(&pod)))
    });

    let dispatch = tracing::Dispatch::new(
        tracing_subscriber::fmt()
            .json()
            .with_writer(io::sink)
            .finish(),
    );
    group.bench_function("tracing_json", |b| {
        let _default = tracing::dispatcher::set_default(&dispatch);
        b.iter(|| tracing_line(input(&pod)))
    });

    let drain = Mutex::new(slog_json::Json::default(io::sink())).fuse();
    let log = slog::Logger::root(drain, slog::o!());
    group.bench_function("slog_json", |b| {
        b.iter(|| slog_line(input(&log), input(&pod)))
    });

    // slog-json serialises straight into its writer, piece by piece, and
    // `io::Sink` drops each piece for free; every other column renders the
    // whole line into a buffer first. Behind a `BufWriter` it copies its
    // bytes once too, as it would in front of a real file or pipe.
    let drain = Mutex::new(slog_json::Json::default(io::BufWriter::new(io::sink()))).fuse();
    let log = slog::Logger::root(drain, slog::o!());
    group.bench_function("slog_json_bufwriter", |b| {
        b.iter(|| slog_line(input(&log), input(&pod)))
    });
    group.finish();

    let mut group = c.benchmark_group("text_line");

    group.bench_function("baseline", |b| b.iter(|| hand.text(input(&pod))));

    let logger = TextLogger::new(io::sink());
    let ctx = Ctx::new(NopTracer, logger.clone());
    group.bench_function("ctxtrace", |b| {
        b.iter(|| ctxtrace_line!(input(&ctx), input(&pod)))
    });
    assert!(logger.lines() > 0 && logger.errors() == 0);

    let ctx = Ctx::new(NopTracer, TextLogger::new(io::sink()).without_time());
    group.bench_function("ctxtrace_without_time", |b| {
        b.iter(|| ctxtrace_line!(input(&ctx), input(&pod)))
    });

    let dispatch = tracing::Dispatch::new(
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(io::sink)
            .finish(),
    );
    group.bench_function("tracing_full", |b| {
        let _default = tracing::dispatcher::set_default(&dispatch);
        b.iter(|| tracing_line(input(&pod)))
    });

    let decorator = slog_term::PlainSyncDecorator::new(io::sink());
    let drain = slog_term::FullFormat::new(decorator)
        .use_utc_timestamp()
        .build()
        .fuse();
    let log = slog::Logger::root(drain, slog::o!());
    group.bench_function("slog_term", |b| {
        b.iter(|| slog_line(input(&log), input(&pod)))
    });
    group.finish();

    black_box(&pod);
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = json_line
}
criterion_main!(benches);
