//! Panics and clocks.
//!
//! - A `Display` that panics while a backend formats it: the panic reaches
//!   the caller as a normal panic, no partial line or entry is kept, and the
//!   backend is not left poisoned: the next entry, from any thread, arrives.
//! - A span dropped while its thread unwinds ends with an error status.
//! - A clock that goes backwards gives a zero duration, never a panic or a
//!   wrapped-around one.
//! - `end()` then the end of scope records the span once.

#![cfg(feature = "std")]

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread;
use std::time::Duration;

use ctxtrace::{
    CodedError, Ctx, JsonLogger, Logger, ManualClock, MemoryLogger, MemoryTracer, NopLogger,
    NopTracer, Span, StatusCode, TextLogger, Value, display,
};

#[path = "support/logfmt.rs"]
mod logfmt;

const BOOM: &str = "boom in Display";

/// Writes half a value, then panics.
#[derive(Debug)]
struct Boom;

impl fmt::Display for Boom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("half a line \"")?;
        panic!("boom in Display")
    }
}

impl Error for Boom {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&ABORTED)
    }
}

/// `Boom` is `Aborted`: its chain says so.
static ABORTED: CodedError = CodedError::new(StatusCode::Aborted, "boom");

/// Runs `f`, which must panic with [`BOOM`].
fn expect_boom<R>(f: impl FnOnce() -> R) {
    let payload: Box<dyn Any + Send> = catch_unwind(AssertUnwindSafe(f))
        .err()
        .expect("the panic reaches the caller");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&BOOM));
}

/// Every way an entry can carry a panicking `Display` through `ctx`: in the
/// message, in an entry field (after a good one), and as an error field.
fn panic_every_way<T: ctxtrace::Tracer, L: Logger>(ctx: &Ctx<T, L>) {
    expect_boom(|| ctxtrace::info!(ctx, "message {}", Boom));
    expect_boom(|| ctxtrace::warn!(ctx, "field"; good = 1, bad = display(&Boom)));
    expect_boom(|| ctxtrace::error!(ctx, "error"; err = ctxtrace::error(&Boom)));
}

/// The checks shared by the two writer loggers: panics, then a line from this
/// thread, one from another thread, and one more; only the three good lines
/// are written, whole.
fn writer_survives<L: Logger + Send + Sync + 'static>(logger: L) {
    let ctx = Ctx::new(NopTracer, logger);
    ctxtrace::info!(ctx, "ok 1");
    panic_every_way(&ctx);
    // In a field added to the `Ctx`: the logger copies it there.
    expect_boom(|| ctx.with_field("bad", display(&Boom)));
    let other = ctx.clone();
    thread::spawn(move || ctxtrace::info!(other, "ok from a thread"))
        .join()
        .unwrap();
    // A thread that panics in a `Display` itself, while it holds the lock.
    let other = ctx.clone();
    assert!(
        thread::spawn(move || ctxtrace::info!(other, "{}", Boom))
            .join()
            .is_err()
    );
    ctxtrace::info!(ctx, "ok 3");
}

#[test]
fn json_logger_survives_a_panicking_display() {
    let logger = JsonLogger::with_clock(Vec::new(), ManualClock::new(0)).without_time();
    writer_survives(logger.clone());
    assert_eq!((logger.lines(), logger.errors()), (3, 0));
    let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    assert!(!out.contains("half a line"), "{out}");
    let messages: Vec<String> = out
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["msg"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(messages, ["ok 1", "ok from a thread", "ok 3"]);
    assert!(out.ends_with('\n'));
}

#[test]
fn text_logger_survives_a_panicking_display() {
    let logger = TextLogger::with_clock(Vec::new(), ManualClock::new(0)).without_time();
    writer_survives(logger.clone());
    assert_eq!((logger.lines(), logger.errors()), (3, 0));
    let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    assert!(!out.contains("half a line"), "{out}");
    let messages: Vec<String> = out
        .lines()
        .map(|line| logfmt::parse(line).unwrap()[1].1.clone())
        .collect();
    assert_eq!(messages, ["ok 1", "ok from a thread", "ok 3"]);
}

#[test]
fn memory_logger_survives_a_panicking_display() {
    let logger = MemoryLogger::new();
    writer_survives(logger.clone());
    let entries = logger.entries();
    let messages: Vec<&str> = entries.iter().map(|e| e.message()).collect();
    assert_eq!(messages, ["ok 1", "ok from a thread", "ok 3"]);
    assert!(entries.iter().all(|e| e.fields().len() == 0));
    assert_eq!(logger.dropped(), 0);
}

#[test]
fn memory_tracer_survives_a_panicking_display() {
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    {
        let (sctx, mut span) = ctx.start_span("work");
        ctxtrace::info!(sctx, "event 1");
        // As events on the span.
        panic_every_way(&sctx);
        // As an attribute, and as a status message.
        expect_boom(|| span.with_field(&sctx, "attr", display(&Boom)));
        expect_boom(|| span.set_status(&Err::<(), _>(Boom)));
        // Still usable: events, attributes and a status after the panics.
        ctxtrace::info!(sctx, "event 2"; n = 2);
        let _ = span.with_field(&sctx, "ok", 1);
        // And from other threads meanwhile, under the same span and alone.
        thread::scope(|s| {
            for i in 0..4u64 {
                let sctx = sctx.clone();
                s.spawn(move || {
                    let (cctx, _child) = sctx.start_span("child");
                    ctxtrace::info!(cctx, "child event"; i = i);
                });
            }
        });
        span.set_status(&Ok::<(), Boom>(()));
    }
    // A panic while the recorder's lock was held (in `add_event`) did not
    // poison it for the threads that come after.
    thread::spawn({
        let ctx = ctx.clone();
        move || drop(ctx.start_span("later"))
    })
    .join()
    .unwrap();

    let spans = tracer.spans();
    assert_eq!(spans.len(), 6);
    assert_eq!(tracer.open(), 0);
    let work = spans.find("work").unwrap();
    let events: Vec<&str> = work.events().map(|e| e.message()).collect();
    assert_eq!(events, ["event 1", "event 2"]);
    assert_eq!(
        work.events().nth(1).unwrap().field("n"),
        Some(Value::U64(2))
    );
    let attributes: Vec<_> = work.attributes().collect();
    assert_eq!(attributes, [("ok", Value::U64(1))]);
    assert_eq!(work.status().code(), Some(StatusCode::Ok));
    assert_eq!(spans.children(work).count(), 4);
    for child in spans.find_all("child") {
        assert_eq!(child.events().len(), 1);
        assert_eq!(child.trace_id(), work.trace_id());
    }
    assert!(spans.find("later").is_some());
    assert!(!spans.render().contains("half a line"));
}

/// A value set again whose `Display` panics: the old value stays whole,
/// none of the partial text is kept, and the next replace (of that key or
/// another, or of the status) works. Before, the old value was released
/// before the new one was copied: a later replace counted it twice and
/// panicked, and a value at the end of the text read the partial text.
#[test]
fn a_replace_whose_display_panics_keeps_the_old_value_and_the_next_replace_works() {
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    let long = "x".repeat(10_000);
    {
        // The old value in the middle of the text, then the status.
        let (sctx, mut span) = ctx.start_span("middle");
        let _ = span.with_field(&sctx, "a", long.as_str());
        let _ = span.with_field(&sctx, "b", "y");
        expect_boom(|| span.with_field(&sctx, "a", display(&Boom)));
        let _ = span.with_field(&sctx, "a", "z");
        span.set_status_code(StatusCode::Internal, &long);
        expect_boom(|| span.set_status(&Err::<(), _>(Boom)));
        span.set_status_code(StatusCode::Unavailable, "down");
        let _ = span.with_field(&sctx, "b", "w");
    }
    {
        // The old value at the end of the text.
        let (sctx, mut span) = ctx.start_span("end");
        let _ = span.with_field(&sctx, "a", "zz");
        expect_boom(|| span.with_field(&sctx, "a", display(&Boom)));
        let _ = span.with_field(&sctx, "b", 1);
    }
    let spans = tracer.spans();
    let middle = spans.find("middle").unwrap();
    let attributes: Vec<_> = middle.attributes().collect();
    assert_eq!(attributes, [("a", Value::Str("z")), ("b", Value::Str("w"))]);
    assert_eq!(
        middle.status(),
        ctxtrace::Status::Error {
            code: StatusCode::Unavailable,
            message: "down"
        }
    );
    let end = spans.find("end").unwrap();
    let attributes: Vec<_> = end.attributes().collect();
    assert_eq!(attributes, [("a", Value::Str("zz")), ("b", Value::U64(1))]);
    assert!(!spans.render().contains("half a line"));
}

/// A logger and a tracer in one `Ctx`: the logger formats first and panics,
/// so neither keeps anything, and both go on working.
#[test]
fn recorder_and_writer_together_survive() {
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    let logger = JsonLogger::with_clock(Vec::new(), ManualClock::new(0)).without_time();
    let ctx = Ctx::new(tracer.clone(), logger.clone());
    {
        let (sctx, _span) = ctx.start_span("work");
        panic_every_way(&sctx);
        ctxtrace::info!(sctx, "fine");
    }
    drop(ctx);
    assert_eq!(tracer.spans().find("work").unwrap().events().len(), 1);
    let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    assert_eq!(out.lines().count(), 1);
    assert!(out.contains("\"msg\":\"fine\""));
}

// ---------------------------------------------------------------------------
// Spans dropped while unwinding

#[test]
fn spans_dropped_while_unwinding_end_with_an_error() {
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let (ctx, mut outer) = ctx.start_span("outer");
        outer.set_status(&Ok::<(), std::io::Error>(()));
        let (ctx, mut coded) = ctx.start_span("coded");
        coded.set_status_code(StatusCode::NotFound, "no pod");
        let (_ctx, _inner) = ctx.start_span("inner");
        panic!("worker died");
    }));
    assert!(result.is_err());
    // The same on a thread that dies of it.
    let on_thread = ctx.clone();
    assert!(
        thread::spawn(move || {
            let (_ctx, _span) = on_thread.start_span("thread");
            panic!("thread died");
        })
        .join()
        .is_err()
    );

    let spans = tracer.spans();
    assert_eq!(spans.len(), 4);
    for name in ["outer", "inner", "thread"] {
        let status = spans.find(name).unwrap().status();
        assert!(status.is_error(), "{name}: {status:?}");
        assert_eq!(status.code(), Some(StatusCode::Internal), "{name}");
    }
    // An error status set before the panic is kept.
    assert_eq!(
        spans.find("coded").unwrap().status().code(),
        Some(StatusCode::NotFound)
    );
    // Not while the thread is not panicking.
    drop(ctx.start_span("calm"));
    assert!(!tracer.spans().find("calm").unwrap().status().is_error());
}

#[test]
fn paired_tracers_both_see_the_unwinding() {
    let (a, b) = (
        MemoryTracer::with_clock(ManualClock::new(0)),
        MemoryTracer::with_clock(ManualClock::new(0)),
    );
    let ctx = Ctx::new((a.clone(), b.clone()), NopLogger);
    assert!(
        catch_unwind(AssertUnwindSafe(|| {
            let (_ctx, _span) = ctx.start_span("both");
            panic!("unwinding");
        }))
        .is_err()
    );
    for tracer in [a, b] {
        assert_eq!(
            tracer.spans().find("both").unwrap().status().code(),
            Some(StatusCode::Internal)
        );
    }
}

// ---------------------------------------------------------------------------
// Clocks

#[test]
fn a_clock_that_goes_backwards_gives_a_zero_duration() {
    let clock = ManualClock::new(1_000);
    let tracer = MemoryTracer::with_clock(clock.clone());
    let ctx = Ctx::new(tracer.clone(), NopLogger);

    let (_, span) = ctx.start_span("backwards");
    clock.set(10);
    drop(span);

    clock.set(u64::MAX);
    let (_, span) = ctx.start_span("from_the_end_of_time");
    clock.set(0);
    drop(span);

    let (_, span) = ctx.start_span("the_whole_range");
    clock.set(u64::MAX);
    drop(span);

    let spans = tracer.spans();
    let back = spans.find("backwards").unwrap();
    // A span ends at its start plus the (here zero) time it was open.
    assert_eq!(
        (back.start_unix_nanos(), back.end_unix_nanos()),
        (1_000, 1_000)
    );
    assert_eq!(back.duration(), Duration::ZERO);
    assert_eq!(
        spans.find("from_the_end_of_time").unwrap().duration(),
        Duration::ZERO
    );
    assert_eq!(
        spans.find("the_whole_range").unwrap().duration(),
        Duration::from_nanos(u64::MAX)
    );
    assert!(spans.render().contains("backwards 0ns"));

    // Writers just print the time they are given, whatever its order.
    clock.set(u64::MAX);
    let logger = JsonLogger::with_clock(Vec::new(), clock.clone());
    let log = Ctx::new(NopTracer, logger.clone());
    ctxtrace::info!(log, "late");
    clock.set(0);
    ctxtrace::info!(log, "early");
    drop(log);
    let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    let times: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["time"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        times,
        [
            "2554-07-21T23:34:33.709551615Z",
            "1970-01-01T00:00:00.000000000Z"
        ]
    );
}

/// `end()` consumes the span, so it can end only once (calling it twice
/// does not compile), and the end of scope does not record it again. An entry
/// logged through its `Ctx` afterwards is counted as late, not kept.
#[test]
fn end_then_scope_end_records_the_span_once() {
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    {
        let (sctx, span) = ctx.start_span("once");
        span.end();
        ctxtrace::info!(sctx, "after the end");
    }
    let _: Result<(), std::io::Error> = ctx.in_span("in_span", |_| Ok(()));
    let spans = tracer.spans();
    assert_eq!(spans.len(), 2);
    assert_eq!(spans.find_all("once").count(), 1);
    assert_eq!(spans.find("once").unwrap().events().len(), 0);
    assert_eq!(tracer.late_events(), 1);
    assert_eq!(
        (tracer.started(), tracer.dropped(), tracer.open()),
        (2, 0, 0)
    );
}
