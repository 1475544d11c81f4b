//! Threads: 8 threads × 50,000 spans, nested, into one `MemoryTracer`, and
//! 8 threads × 50,000 lines into one `JsonLogger` and one `TextLogger`.
//! 2 threads × 20 under miri.

#![cfg(feature = "std")]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::thread;

use ctxtrace::{
    Ctx, Ids, JsonLogger, Logger, MemoryTracer, NopLogger, NopTracer, Span, SpanId, TextLogger,
    Tracer,
};

#[path = "support/logfmt.rs"]
mod logfmt;

const THREADS: usize = if cfg!(miri) { 2 } else { 8 };
/// Spans, and lines, per thread.
const PER_THREAD: usize = if cfg!(miri) { 20 } else { 50_000 };
/// The real clock, so that the time checks mean something; a manual one
/// under miri, whose isolation has no wall clock.
#[cfg(not(miri))]
type Clk = ctxtrace::SystemClock;
#[cfg(miri)]
type Clk = ctxtrace::ManualClock;

fn clock() -> Clk {
    Clk::default()
}

/// Each unit of work is five spans: `item` > (`fetch`, `sync` > (`container`, `status`)).
const GROUP: usize = 5;

/// One unit of work: five spans, children of `ctx`'s span, with an event on
/// `sync` that names the thread and the item.
fn item<T: Tracer, L: Logger>(ctx: &Ctx<T, L>, thread: usize, n: usize) {
    let (ctx, mut item) = ctx.start_span("item");
    let ctx = item.with_field(&ctx, "n", n);
    drop(ctx.start_span("fetch"));
    {
        let (ctx, _sync) = ctx.start_span("sync");
        ctxtrace::info!(ctx, "synced"; thread = thread, n = n);
        drop(ctx.start_span("container"));
        drop(ctx.start_span("status"));
    }
}

/// Runs the workload: half the threads start their items under one shared
/// root span (one trace across threads), the other half as roots (a trace
/// per item). Returns the root span's id.
fn run(tracer: &MemoryTracer<Clk>) -> SpanId {
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    let (shared, root) = ctx.start_span("run");
    let root_id = shared.span_ids().unwrap().span_id;
    thread::scope(|s| {
        for t in 0..THREADS {
            let ctx = if t % 2 == 0 {
                shared.clone()
            } else {
                ctx.clone()
            };
            s.spawn(move || {
                for n in 0..PER_THREAD / GROUP {
                    item(&ctx, t, n);
                }
            });
        }
    });
    drop((shared, root));
    root_id
}

fn total() -> u64 {
    (THREADS * PER_THREAD + 1) as u64
}

#[test]
fn no_span_is_lost_below_capacity_and_every_parent_is_in_the_same_trace() {
    let tracer = MemoryTracer::with_clock_and_capacity(clock(), 1 << 20).with_ids(Ids::Sequential);
    let root_id = run(&tracer);
    assert_eq!(tracer.started(), total());
    assert_eq!(
        (tracer.dropped(), tracer.open(), tracer.late_events()),
        (0, 0, 0)
    );

    let spans = tracer.spans();
    assert_eq!(spans.len() as u64, total());
    // Ids are unique and dense: every span that started is here.
    let ids: HashSet<u64> = spans.iter().map(|s| s.span_id().0).collect();
    assert_eq!(ids.len() as u64, total());
    assert_eq!(
        (ids.iter().min(), ids.iter().max()),
        (Some(&1), Some(&total()))
    );

    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut per_thread_items: HashMap<u64, usize> = HashMap::new();
    for span in &spans {
        *names.entry(span.name()).or_default() += 1;
        match spans.parent(span) {
            Some(parent) => {
                assert_eq!(
                    parent.trace_id(),
                    span.trace_id(),
                    "{} under {}",
                    span.name(),
                    parent.name()
                );
                assert!(parent.start_unix_nanos() <= span.start_unix_nanos());
                assert!(span.end_unix_nanos() <= parent.end_unix_nanos());
                let expected_parent = match span.name() {
                    "item" => "run",
                    "fetch" | "sync" => "item",
                    "container" | "status" => "sync",
                    other => panic!("{other} has a parent"),
                };
                assert_eq!(parent.name(), expected_parent);
                if span.name() != "item" {
                    assert_eq!(parent.thread(), span.thread());
                }
            }
            None => {
                assert!(
                    span.parent_id().is_none(),
                    "a parent that is not recorded: {:?}",
                    span.parent_id()
                );
                assert!(matches!(span.name(), "run" | "item"));
            }
        }
        if span.name() == "item" {
            *per_thread_items.entry(span.thread()).or_default() += 1;
        }
        if span.name() == "sync" {
            let events: Vec<_> = span.events().collect();
            assert_eq!(events.len(), 1);
            let item = spans.parent(span).unwrap();
            assert_eq!(events[0].field("n"), item.attribute("n"));
        }
    }
    let per_kind = THREADS * PER_THREAD / GROUP;
    for name in ["item", "fetch", "sync", "container", "status"] {
        assert_eq!(names[name], per_kind, "{name}");
    }
    assert_eq!(per_thread_items.len(), THREADS);
    assert!(per_thread_items.values().all(|&n| n == PER_THREAD / GROUP));
    // Items of even threads hang under the shared root; the others are roots.
    let under_root = spans.children(spans.get(root_id).unwrap()).count();
    assert_eq!(under_root, THREADS.div_ceil(2) * PER_THREAD / GROUP);
    assert_eq!(spans.roots().count(), 1 + THREADS / 2 * PER_THREAD / GROUP);
}

#[test]
fn above_capacity_dropped_plus_kept_is_started() {
    let capacity = if cfg!(miri) { 7 } else { 10_000 };
    let tracer = MemoryTracer::with_clock_and_capacity(clock(), capacity);
    run(&tracer);
    let spans = tracer.spans();
    assert_eq!(spans.len(), capacity);
    assert_eq!(tracer.started(), total());
    assert_eq!(tracer.dropped() + spans.len() as u64, tracer.started());
    assert_eq!(tracer.open(), 0);
    // What is kept is whole: the last span to end is the shared root.
    assert_eq!(spans.iter().last().unwrap().name(), "run");
    for span in &spans {
        if let Some(parent) = spans.parent(span) {
            assert_eq!(parent.trace_id(), span.trace_id());
        }
    }
}

/// Logs `PER_THREAD` lines from each of `THREADS` threads into `logger`,
/// each line's own fields naming the thread and the line.
fn log_lines<L: Logger + Send + Sync>(logger: &L) {
    thread::scope(|s| {
        for t in 0..THREADS {
            let ctx = Ctx::new(NopTracer, logger.clone()).with_field("thread", t);
            s.spawn(move || {
                for n in 0..PER_THREAD {
                    ctxtrace::info!(ctx, "line {n} of thread {t}"; n = n, note = "a \"quoted\" value\n");
                }
            });
        }
    });
}

/// Checks that each thread's lines all arrived, once, in order.
fn check_sequences(seen: impl Iterator<Item = (u64, u64)>) {
    let mut next = [0u64; THREADS];
    let mut count = 0;
    for (t, n) in seen {
        assert_eq!(n, next[t as usize], "thread {t}");
        next[t as usize] += 1;
        count += 1;
    }
    assert_eq!(count, THREADS * PER_THREAD);
    assert!(next.iter().all(|&n| n == PER_THREAD as u64));
}

#[test]
fn json_lines_from_many_threads_are_whole() {
    let logger = JsonLogger::with_clock(Vec::new(), clock());
    log_lines(&logger);
    assert_eq!(
        (logger.lines(), logger.errors()),
        ((THREADS * PER_THREAD) as u64, 0)
    );
    let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    assert_eq!(out.matches('\n').count(), THREADS * PER_THREAD);
    check_sequences(out.lines().map(|line| {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let (t, n) = (v["thread"].as_u64().unwrap(), v["n"].as_u64().unwrap());
        assert_eq!(v["msg"], format!("line {n} of thread {t}"));
        assert_eq!(v["note"], "a \"quoted\" value\n");
        (t, n)
    }));
}

#[test]
fn logfmt_lines_from_many_threads_are_whole() {
    let logger = TextLogger::with_clock(Vec::new(), clock());
    log_lines(&logger);
    assert_eq!(
        (logger.lines(), logger.errors()),
        ((THREADS * PER_THREAD) as u64, 0)
    );
    let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    assert_eq!(out.matches('\n').count(), THREADS * PER_THREAD);
    check_sequences(out.lines().map(|line| {
        let pairs = logfmt::parse(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["time", "level", "msg", "thread", "n", "note"]);
        let (t, n) = (pairs[3].1.parse().unwrap(), pairs[4].1.parse().unwrap());
        assert_eq!(pairs[2].1, format!("line {n} of thread {t}"));
        assert_eq!(pairs[5].1, "a \"quoted\" value\n");
        (t, n)
    }));
}

/// A `Ctx` shared by reference across threads (it is `Sync`), spans ended
/// on another thread than the one that started them, and events logged on a
/// third: all recorded once, under the right span.
#[test]
fn spans_cross_threads() {
    let tracer = MemoryTracer::with_clock(clock());
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    let spans = Arc::new(Mutex::new(Vec::new()));
    let n = if cfg!(miri) { 4 } else { 1_000 };
    thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..n {
                let started = ctx.start_span("handed_over");
                spans.lock().unwrap().push(started);
            }
        });
    });
    thread::scope(|s| {
        s.spawn(|| {
            for (sctx, _) in spans.lock().unwrap().iter() {
                ctxtrace::info!(sctx, "from another thread");
            }
        });
    });
    thread::spawn(move || drop(Arc::try_unwrap(spans).ok().unwrap()))
        .join()
        .unwrap();
    let recorded = tracer.spans();
    assert_eq!(recorded.len(), n);
    for span in &recorded {
        let messages: Vec<&str> = span.events().map(|e| e.message()).collect();
        assert_eq!(messages, ["from another thread"]);
    }
    assert_eq!(tracer.late_events(), 0);
}
