//! The pod sync of `examples/sync_cost.rs` (6 nested spans, 4 span fields,
//! 3 info lines with 1–2 fields, an ok status) with `ctxtrace` and with its
//! peers, for `.ci/peer_cost.sh`, which counts instructions under callgrind.
//!
//! ```text
//! cargo run --release --example peer_sync_cost -- MODE [syncs]
//! ```
//!
//! Modes, JSON lines to `io::sink()`: `json-ctxtrace` (`NopTracer` +
//! `JsonLogger`), `json-ctxtrace-unlocked` (the same through
//! `Unlocked<io::Sink>`, with no lock of the logger's, for comparison only),
//! `json-slog` (slog-json behind a `Mutex`, fields on child
//! loggers), `json-slog-buf` (the same behind a `BufWriter`),
//! `json-tracing` (tracing-subscriber's JSON fmt layer, span fields in each
//! line). Spans recorded in memory: `rec-ctxtrace`
//! (`MemoryTracer` + `NopLogger`), `rec-fastrace` (in-memory reporter on
//! its collector thread), `rec-tracing` (`Registry` + a memory layer),
//! `rec-otel` (the SDK's in-memory exporter behind a simple processor).
//! Every library reads its own default clock; `rec-ctxtrace-tsc`, for
//! comparison only, is `rec-ctxtrace` on a TSC clock (quanta), the kind
//! fastrace reads. The hand-written floors of `common`, for comparison
//! too: `json-hand` (the three lines through std's `write!`, the time as an
//! integer, nothing escaped), `rec-hand` and `rec-hand-tsc` (the six spans
//! in a store written for this one sync, on `SystemClock` and on the TSC).
//! And `rec-json-ctxtrace`, with no peer: `MemoryTracer` + `JsonLogger`,
//! spans and lines at once, as the main job's `json` backend runs, where
//! every event carries the `Ctx`'s fields.
//!
//! The process runs [`CHUNK`] syncs to warm up, then `syncs` more in chunks
//! of [`CHUNK`], each inside a call of `measured_syncs` (callgrind's
//! `--toggle-collect` target: the calling thread's cost). Before each chunk
//! the peers' stores are emptied, outside `measured_syncs`, as the benches
//! do; that freeing counts only when the whole process is counted. With
//! `syncs` a multiple of [`CHUNK`], the store holds [`CHUNK`] syncs at exit
//! whatever `syncs` is, so a run with 0 syncs costs everything except the
//! measured syncs and their share of the emptying: subtracting it leaves
//! the whole-process cost of `syncs` syncs, background threads included.

#[path = "../benches/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::io;
use std::sync::Mutex;

use common::pod_sync;
use ctxtrace::{Ctx, JsonLogger, MemoryTracer, NopLogger, NopTracer, Unlocked};
use slog::Drain as _;

/// Syncs per chunk, and syncs of the warm-up.
const CHUNK: usize = 1_000;

/// Runs syncs `from..from + n`.
fn run(sync: &impl Fn(usize), from: usize, n: usize) {
    for i in from..from + n {
        sync(i);
    }
}

/// The measured syncs: callgrind counts inside this function only when
/// asked to count the calling thread.
#[inline(never)]
fn measured_syncs(sync: &impl Fn(usize), from: usize, n: usize) {
    run(sync, from, n)
}

/// Warms up, then runs `syncs` measured syncs in chunks, calling `reset`
/// before each chunk; returns the number of syncs of the last chunk (or of
/// the warm-up), whose records are still in the store.
fn drive(syncs: usize, sync: impl Fn(usize), mut reset: impl FnMut()) -> usize {
    run(&sync, 0, CHUNK);
    let (mut done, mut last) = (0, CHUNK);
    while done < syncs {
        reset();
        last = CHUNK.min(syncs - done);
        measured_syncs(black_box(&sync), CHUNK + done, last);
        done += last;
    }
    last
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "json-ctxtrace".to_string());
    let syncs: usize = args
        .next()
        .map_or(10_000, |a| a.parse().expect("syncs: a number"));
    let total = (CHUNK + syncs) as u64;
    let kept = match mode.as_str() {
        "json-ctxtrace" => {
            let logger = JsonLogger::new(io::sink());
            let ctx = Ctx::new(NopTracer, logger.clone());
            drive(syncs, |i| pod_sync::ctxtrace(&ctx, i), || {});
            assert_eq!((logger.lines(), logger.errors()), (3 * total, 0));
            logger.lines()
        }
        "json-ctxtrace-unlocked" => {
            let logger = JsonLogger::new(Unlocked::new(io::sink()));
            let ctx = Ctx::new(NopTracer, logger.clone());
            drive(syncs, |i| pod_sync::ctxtrace(&ctx, i), || {});
            assert_eq!((logger.lines(), logger.errors()), (3 * total, 0));
            logger.lines()
        }
        "json-hand" => {
            // The hand-written lines of `common`, for comparison only.
            let hand = pod_sync::HandJson::new();
            drive(syncs, |i| pod_sync::hand_json(&hand, i), || {});
            3 * total
        }
        "rec-hand" => {
            // As many spans as `rec-ctxtrace` keeps, for the same reason.
            let rec = common::HandRecorder::with_capacity(ctxtrace::SystemClock::new(), 6 * CHUNK);
            drive(syncs, |i| pod_sync::hand_record(&rec, i), || {});
            6 * total
        }
        "rec-hand-tsc" => {
            let rec = common::HandRecorder::with_capacity(common::TscClock::new(), 6 * CHUNK);
            drive(syncs, |i| pod_sync::hand_record(&rec, i), || {});
            6 * total
        }
        "json-slog" => {
            let drain = Mutex::new(slog_json::Json::default(io::sink())).fuse();
            let log = slog::Logger::root(drain, slog::o!());
            drive(syncs, |i| pod_sync::slog(&log, i), || {});
            3 * total
        }
        "json-slog-buf" => {
            let json = slog_json::Json::default(io::BufWriter::new(io::sink()));
            let log = slog::Logger::root(Mutex::new(json).fuse(), slog::o!());
            drive(syncs, |i| pod_sync::slog(&log, i), || {});
            3 * total
        }
        "json-tracing" => {
            let subscriber = tracing_subscriber::fmt()
                .json()
                .with_writer(io::sink)
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
            drive(syncs, pod_sync::tracing, || {});
            3 * total
        }
        "rec-ctxtrace" => {
            // One chunk of spans, as the peers keep between resets: the
            // warm-up fills it, so the measured spans recycle evicted ones.
            let tracer = MemoryTracer::with_capacity(6 * CHUNK);
            let ctx = Ctx::new(tracer.clone(), NopLogger);
            drive(syncs, |i| pod_sync::ctxtrace(&ctx, i), || {});
            assert_eq!(tracer.started(), 6 * total);
            tracer.spans().len() as u64
        }
        "rec-json-ctxtrace" => {
            let tracer = MemoryTracer::with_capacity(6 * CHUNK);
            let logger = JsonLogger::new(io::sink());
            let ctx = Ctx::new(tracer.clone(), logger.clone());
            drive(syncs, |i| pod_sync::ctxtrace(&ctx, i), || {});
            assert_eq!(tracer.started(), 6 * total);
            assert_eq!(logger.lines(), 3 * total);
            tracer.spans().len() as u64
        }
        "rec-ctxtrace-tsc" => {
            // The same on a TSC clock, as fastrace reads: for comparison.
            let tracer = MemoryTracer::with_clock_and_capacity(common::TscClock::new(), 6 * CHUNK);
            let ctx = Ctx::new(tracer.clone(), NopLogger);
            drive(syncs, |i| pod_sync::ctxtrace(&ctx, i), || {});
            assert_eq!(tracer.started(), 6 * total);
            tracer.spans().len() as u64
        }
        "rec-fastrace" => {
            let spans = common::fastrace_memory();
            drive(syncs, pod_sync::fastrace, || {});
            fastrace::flush();
            let kept = spans.lock().map_or(0, |s| s.len());
            assert!(kept > 0, "fastrace reported no span");
            kept as u64
        }
        "rec-tracing" => {
            let (dispatch, layer) = common::tracing_memory(ctxtrace::SystemClock::new());
            tracing::dispatcher::set_global_default(dispatch).expect("the only dispatcher");
            let last = drive(syncs, pod_sync::tracing, || layer.clear());
            assert_eq!(layer.len(), 6 * last);
            layer.len() as u64
        }
        "rec-otel" => {
            let (provider, tracer, exporter) = common::otel_memory();
            let last = drive(syncs, |i| pod_sync::otel(&tracer, i), || exporter.reset());
            let recorded = exporter.get_finished_spans().map_or(0, |s| s.len());
            assert_eq!(recorded, 6 * last);
            drop(provider);
            recorded as u64
        }
        other => panic!(
            "unknown mode {other}: json-ctxtrace, json-ctxtrace-unlocked, json-slog, json-slog-buf, json-tracing, rec-ctxtrace-tsc, \
             rec-ctxtrace, rec-fastrace, rec-tracing, rec-otel, rec-json-ctxtrace, json-hand, rec-hand or rec-hand-tsc"
        ),
    };
    println!("{mode}: {syncs} measured syncs ({kept} lines or spans)");
}
