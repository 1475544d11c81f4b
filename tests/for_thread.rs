//! `for_thread()`: a writer logger's clone with a reference count of its
//! own. Its lines go to the same writer, whole, with the same fields, level
//! and options, and the writer is flushed once the last logger of any
//! handle is gone.

#![cfg(feature = "std")]

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use ctxtrace::{Ctx, JsonLogger, LevelFilter, Logger, NopTracer, Span as _, TextLogger, Value};

/// A writer that keeps what it is given and counts its flushes.
#[derive(Clone, Default)]
struct Shared {
    bytes: Arc<Mutex<Vec<u8>>>,
    flushes: Arc<Mutex<usize>>,
}

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        *self.flushes.lock().unwrap() += 1;
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.bytes.lock().unwrap().clone()).unwrap()
    }
}

#[test]
fn threads_with_their_own_clones_write_whole_lines_to_one_writer() {
    let n: u32 = if cfg!(miri) { 5 } else { 1_000 };
    let out = Shared::default();
    let logger = JsonLogger::new(out.clone())
        .without_time()
        .with_level(LevelFilter::Info);
    let root = Ctx::new(NopTracer, logger.clone()).with_field("node", "n1");
    std::thread::scope(|s| {
        for worker in 0..4u32 {
            let root = &root;
            s.spawn(move || {
                let ctx = root.with_logger(root.logger().for_thread());
                let ctx = ctx.with_field("worker", worker);
                for i in 0..n {
                    let (ctx, mut span) = ctx.start_span("sync_pod");
                    let ctx = span.with_field(&ctx, "i", i);
                    ctxtrace::info!(ctx, "synced");
                    ctxtrace::debug!(ctx, "left out by the level");
                }
            });
        }
    });
    assert_eq!(logger.lines(), 4 * u64::from(n));
    assert_eq!(logger.errors(), 0);
    let text = out.text();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4 * n as usize);
    for line in &lines {
        assert_eq!(line["node"], "n1");
        assert_eq!(line["method"], "sync_pod");
        assert_eq!(line["msg"], "synced");
    }
    for worker in 0..4 {
        assert_eq!(
            lines.iter().filter(|l| l["worker"] == worker).count(),
            n as usize
        );
    }
}

#[test]
fn the_writer_is_flushed_when_the_last_handle_goes() {
    let out = Shared::default();
    let logger = TextLogger::new(out.clone()).without_time();
    let local = logger.for_thread();
    drop(logger);
    assert_eq!(*out.flushes.lock().unwrap(), 0);
    ctxtrace::info!(Ctx::new(NopTracer, local.clone()), "last");
    drop(local);
    assert_eq!(*out.flushes.lock().unwrap(), 1);
    assert!(out.text().contains("msg=last"));
}

#[test]
fn into_writer_waits_for_every_handle() {
    let logger = JsonLogger::new(Vec::new()).without_time();
    let local = logger.for_thread();
    ctxtrace::info!(Ctx::new(NopTracer, local.clone()), "from the thread");
    assert!(logger.clone().into_writer().is_none());
    drop(local);
    let bytes = logger.into_writer().unwrap();
    assert!(
        String::from_utf8(bytes)
            .unwrap()
            .contains("from the thread")
    );
}

#[test]
fn a_clone_for_a_thread_keeps_the_fields_and_counts() {
    let logger = JsonLogger::new(io::sink())
        .with_level(LevelFilter::Warn)
        .with_field_for_events("node", Value::Str("n1"));
    let local = logger.for_thread();
    let mut fields = Vec::new();
    local.for_each_field(|k, v| fields.push((k, v.to_string())));
    assert_eq!(fields, [("node", "n1".to_string())]);
    assert_eq!(local.level(), LevelFilter::Warn);
    ctxtrace::warn!(Ctx::new(NopTracer, local), "one");
    ctxtrace::warn!(Ctx::new(NopTracer, logger.clone()), "two");
    assert_eq!(logger.lines(), 2);
}

#[test]
fn a_ctx_for_a_thread_forwards_through_pairs_and_either() {
    use ctxtrace::{Either, MemoryLogger};
    let json = JsonLogger::new(Vec::new()).without_time();
    let memory = MemoryLogger::new();
    let pair = Ctx::new(NopTracer, (json.clone(), memory.clone())).with_field("node", "n1");
    let either: Ctx<NopTracer, Either<JsonLogger<Vec<u8>>, MemoryLogger>> =
        Ctx::new(NopTracer, Either::Left(json.clone()));
    std::thread::scope(|s| {
        let (pair, either) = (pair.for_thread(), either.for_thread());
        s.spawn(move || {
            ctxtrace::info!(pair, "pair");
            ctxtrace::info!(either, "either");
        });
    });
    drop((pair, either));
    assert_eq!(memory.entries()[0].field("node").unwrap().to_string(), "n1");
    let text = String::from_utf8(json.into_writer().unwrap()).unwrap();
    assert!(text.contains(r#""msg":"pair","node":"n1""#), "{text}");
    assert!(text.contains(r#""msg":"either""#), "{text}");
}

#[test]
fn lines_count_every_handle_live_or_gone() {
    let logger = JsonLogger::new(io::sink());
    let root = Ctx::new(NopTracer, logger.clone());
    let mut kept = Vec::new();
    for round in 1..=50u64 {
        let ctx = root.for_thread();
        ctxtrace::info!(ctx, "one");
        ctxtrace::info!(ctx.with_field("round", round), "two");
        // Every other handle stays alive past the next ones.
        if round % 2 == 0 {
            kept.push(ctx);
        }
        assert_eq!(logger.lines(), 2 * round);
    }
    ctxtrace::info!(root, "last");
    assert_eq!(logger.lines(), 101);
    assert_eq!(logger.for_thread().lines(), 101);
    drop(kept);
    assert_eq!(logger.lines(), 101);
}

#[test]
fn lines_stay_exact_while_threads_make_and_drop_handles() {
    const ROUNDS: u64 = if cfg!(miri) { 10 } else { 1_000 };
    let logger = JsonLogger::new(io::sink());
    let root = Ctx::new(NopTracer, logger.clone());
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                for _ in 0..ROUNDS {
                    ctxtrace::info!(root.for_thread(), "x");
                }
            });
        }
        // Meanwhile this thread makes handles too (each one folds in the
        // counts of those gone), and the count never goes back.
        let mut last = 0;
        for _ in 0..ROUNDS {
            let n = logger.for_thread().lines();
            assert!(n >= last, "{n} after {last}");
            last = n;
        }
    });
    assert_eq!(logger.lines(), 3 * ROUNDS);
}
