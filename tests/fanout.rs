//! Fan-out pairs `(A, B)`: tracers, spans and loggers that send everything
//! to both parts, with the wider compile-time level and each part's own
//! checks, span ids from the first part that has them, and two nops still
//! zero-sized.
#![cfg(feature = "std")]

mod support;

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ctxtrace::{
    Ctx, Field, JsonLogger, Level, LevelFilter, Logger, ManualClock, MemoryLogger, MemoryTracer,
    NopLogger, NopTracer, OwnedValue, Record, Span, SpanIds, Status, StatusCode, Tracer, Value,
};
use support::{Capture, json_members, json_raw, json_string};

/// A recorder that keeps events at every level.
fn memory_tracer() -> MemoryTracer<ManualClock> {
    MemoryTracer::with_clock(ManualClock::new(0)).with_event_level(ctxtrace::LevelFilter::Trace)
}

// ---------------------------------------------------------------------------
// Test backends with fixed compile-time levels

trait Cap {
    const LEVEL: LevelFilter;
}

struct UpToWarn;
impl Cap for UpToWarn {
    const LEVEL: LevelFilter = LevelFilter::Warn;
}

struct UpToDebug;
impl Cap for UpToDebug {
    const LEVEL: LevelFilter = LevelFilter::Debug;
}

/// A logger whose compile-time level is `C::LEVEL` and whose runtime check
/// always says yes, so only the compile-time level filters it.
struct Capped<C> {
    seen: Arc<Mutex<Vec<(Level, String)>>>,
    cap: PhantomData<C>,
}

impl<C> Capped<C> {
    fn new() -> Self {
        Capped {
            seen: Arc::default(),
            cap: PhantomData,
        }
    }

    fn seen(&self) -> Vec<(Level, String)> {
        self.seen.lock().unwrap().clone()
    }
}

impl<C> Clone for Capped<C> {
    fn clone(&self) -> Self {
        Capped {
            seen: Arc::clone(&self.seen),
            cap: PhantomData,
        }
    }
}

impl<C: Cap> Logger for Capped<C> {
    const MAX_LEVEL: LevelFilter = C::LEVEL;

    fn enabled(&self, _level: Level) -> bool {
        true
    }

    fn with_field(&self, _key: &'static str, _value: Value<'_>) -> Self {
        self.clone()
    }

    fn log(&self, record: &Record<'_>) {
        self.seen
            .lock()
            .unwrap()
            .push((record.level(), record.message().to_string()));
    }
}

/// A tracer that notes when its spans end and which events it is given, and
/// takes events only up to `Warn`.
#[derive(Clone)]
struct Noting {
    name: &'static str,
    notes: Arc<Mutex<Vec<String>>>,
}

struct NotingSpan {
    tracer: Noting,
    span: &'static str,
}

impl Tracer for Noting {
    type Span = NotingSpan;
    type SpanRef = ();
    const MAX_EVENT_LEVEL: LevelFilter = LevelFilter::Warn;

    fn start_span(&self, _parent: &(), name: &'static str) -> NotingSpan {
        NotingSpan {
            tracer: self.clone(),
            span: name,
        }
    }

    fn add_event<L: ctxtrace::Logger>(&self, _span: &(), record: &Record<'_>, _context: &L) {
        self.notes.lock().unwrap().push(format!(
            "{}: event {} {}",
            self.name,
            record.level(),
            record.message()
        ));
    }
}

impl Span for NotingSpan {
    type Ref = ();

    fn span_ref(&self) {}

    fn set_attribute(&mut self, _key: &'static str, _value: Value<'_>) {}

    fn record_status(&mut self, _code: StatusCode, _message: &dyn fmt::Display) {}
}

impl Drop for NotingSpan {
    fn drop(&mut self) {
        self.tracer
            .notes
            .lock()
            .unwrap()
            .push(format!("{}: end {}", self.tracer.name, self.span));
    }
}

// ---------------------------------------------------------------------------
// Tracers

#[test]
fn a_tracer_pair_records_the_same_tree_in_both() {
    let (t1, t2) = (memory_tracer(), memory_tracer());
    let root = Ctx::new((t1.clone(), t2.clone()), NopLogger);
    let (outer_ctx, mut outer) = root.start_span("handle_queue_item");
    let outer_ctx = outer.with_field(&outer_ctx, "queue", "pods");
    let (inner_ctx, mut inner) = outer_ctx.start_span("sync_pod");
    let _ = inner.with_fields(
        &inner_ctx,
        &[Field::new("pod", "web-1"), Field::new("attempt", &2u8)],
    );
    let (_, sibling) = outer_ctx.start_span("sync_status");
    let result: Result<(), io::Error> = Err(io::ErrorKind::NotFound.into());
    inner.set_status(&result);
    outer.set_status(&Ok::<(), io::Error>(()));
    drop((sibling, inner, outer));

    for tracer in [&t1, &t2] {
        let spans = tracer.spans();
        assert_eq!(spans.len(), 3);
        let outer = spans.find("handle_queue_item").unwrap();
        let inner = spans.find("sync_pod").unwrap();
        let sibling = spans.find("sync_status").unwrap();
        assert_eq!(outer.parent_id(), None);
        assert_eq!(spans.parent(inner).unwrap().name(), "handle_queue_item");
        assert_eq!(spans.parent(sibling).unwrap().name(), "handle_queue_item");
        assert_eq!(outer.attribute("queue"), Some(Value::Str("pods")));
        let attributes: Vec<(&str, Value<'_>)> = inner.attributes().collect();
        assert_eq!(
            attributes,
            [("pod", Value::Str("web-1")), ("attempt", Value::U64(2))]
        );
        assert_eq!(inner.status().code(), Some(StatusCode::NotFound));
        assert!(matches!(
            inner.status(),
            Status::Error {
                message: "entity not found",
                ..
            }
        ));
        assert_eq!(outer.status(), Status::Ok);
        assert_eq!(sibling.status(), Status::Unset);
    }
}

#[test]
fn entries_become_events_on_both_spans() {
    let (t1, t2) = (memory_tracer(), memory_tracer());
    let logger = MemoryLogger::new();
    let (ctx, span) = Ctx::new((t1.clone(), t2.clone()), logger.clone()).start_span("sync");
    ctxtrace::warn!(ctx, "slow {}", 3; ms = 250);
    ctxtrace::trace!(ctx, "polled");
    drop(span);
    for tracer in [&t1, &t2] {
        let spans = tracer.spans();
        let events: Vec<(Level, String, Option<Value<'_>>)> = spans
            .find("sync")
            .unwrap()
            .events()
            .map(|e| (e.level(), e.message().to_owned(), e.field("ms")))
            .collect();
        assert_eq!(
            events,
            [
                (Level::Warn, "slow 3".to_owned(), Some(Value::U64(250))),
                (Level::Trace, "polled".to_owned(), None)
            ]
        );
    }
    assert_eq!(logger.entries().len(), 2);
}

#[test]
fn each_tracer_keeps_its_own_event_level() {
    let notes = Arc::new(Mutex::new(Vec::new()));
    let noting = Noting {
        name: "noting",
        notes: Arc::clone(&notes),
    };
    let memory = memory_tracer();
    type Pair = (MemoryTracer<ManualClock>, Noting);
    assert_eq!(<Pair as Tracer>::MAX_EVENT_LEVEL, LevelFilter::Trace);
    let (ctx, span) = Ctx::new((memory.clone(), noting), NopLogger).start_span("s");
    ctxtrace::info!(ctx, "info");
    ctxtrace::error!(ctx, "error");
    drop(span);
    assert_eq!(
        *notes.lock().unwrap(),
        ["noting: event error error", "noting: end s"]
    );
    let messages: Vec<String> = memory
        .spans()
        .find("s")
        .unwrap()
        .events()
        .map(|e| e.message().to_owned())
        .collect();
    assert_eq!(messages, ["info", "error"]);
}

#[test]
fn dropping_or_ending_a_span_pair_ends_the_first_part_first() {
    let notes = Arc::new(Mutex::new(Vec::new()));
    let a = Noting {
        name: "a",
        notes: Arc::clone(&notes),
    };
    let b = Noting {
        name: "b",
        notes: Arc::clone(&notes),
    };
    let ctx = Ctx::new((a, b), NopLogger);
    let (_, dropped) = ctx.start_span("dropped");
    drop(dropped);
    let (_, ended) = ctx.start_span("ended");
    ended.end();
    assert_eq!(
        *notes.lock().unwrap(),
        [
            "a: end dropped",
            "b: end dropped",
            "a: end ended",
            "b: end ended"
        ]
    );
}

#[test]
fn a_span_pair_dropped_in_a_panic_ends_with_an_error_in_both() {
    let (t1, t2) = (memory_tracer(), memory_tracer());
    let ctx = Ctx::new((t1.clone(), t2.clone()), NopLogger);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let (_ctx, _span) = ctx.start_span("doomed");
        panic!("inside the span");
    }));
    assert!(result.is_err());
    for tracer in [&t1, &t2] {
        assert_eq!(
            tracer.spans().find("doomed").unwrap().status().code(),
            Some(StatusCode::Internal)
        );
    }
}

#[test]
fn span_ids_come_from_the_first_tracer_that_has_them() {
    let (t1, t2) = (memory_tracer(), memory_tracer());
    // Move the second tracer's counters on, so the two give different ids.
    for _ in 0..5 {
        drop(Ctx::new(t2.clone(), NopLogger).start_span("warm-up"));
    }
    let ids = |ctx_ids: Option<SpanIds>, tracer: &MemoryTracer<ManualClock>| {
        let recorded = tracer.spans().find("s").map(|s| s.ids());
        tracer.clear();
        assert_eq!(ctx_ids, recorded);
        recorded
    };

    let (ctx, span) = Ctx::new((t1.clone(), t2.clone()), NopLogger).start_span("s");
    let got = ctx.span_ids();
    drop(span);
    let first = ids(got, &t1);
    t2.clear();

    let (ctx, span) = Ctx::new((NopTracer, t2.clone()), NopLogger).start_span("s");
    let got = ctx.span_ids();
    drop(span);
    let second = ids(got, &t2);
    assert_ne!(first, second);

    let (ctx, span) = Ctx::new((t1.clone(), NopTracer), NopLogger).start_span("s");
    let got = ctx.span_ids();
    drop(span);
    ids(got, &t1);

    let (ctx, _span) = Ctx::new((NopTracer, NopTracer), NopLogger).start_span("s");
    assert_eq!(ctx.span_ids(), None);
}

#[test]
fn a_logger_under_a_tracer_pair_writes_the_first_tracers_ids() {
    let (t1, t2) = (memory_tracer(), memory_tracer());
    drop(Ctx::new(t2.clone(), NopLogger).start_span("warm-up"));
    let capture = Capture::new();
    let logger = JsonLogger::new(capture.clone()).without_time();
    let (ctx, span) = Ctx::new((t1.clone(), t2.clone()), logger).start_span("s");
    ctxtrace::info!(ctx, "m");
    drop(span);
    let members = json_members(&capture.line());
    let first = t1.spans().find("s").unwrap().ids();
    let second = t2.spans().find("s").unwrap().ids();
    assert_ne!(first, second);
    assert_eq!(
        json_string(json_raw(&members, "trace_id")),
        first.trace_id.to_string()
    );
    assert_eq!(
        json_string(json_raw(&members, "span_id")),
        first.span_id.to_string()
    );
}

// ---------------------------------------------------------------------------
// Loggers

#[test]
fn a_logger_pair_writes_to_both() {
    let (l1, l2) = (MemoryLogger::new(), MemoryLogger::new());
    let tracer = memory_tracer();
    let root = Ctx::new(tracer.clone(), (l1.clone(), l2.clone())).with_field("zone", "a");
    let (ctx, mut span) = root.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", "web-1");
    ctxtrace::info!(ctx, "synced"; attempt = 2);
    let ids = ctx.span_ids();
    drop(span);
    assert!(ids.is_some());
    for logger in [&l1, &l2] {
        let entries = logger.entries();
        assert_eq!(entries.len(), 1);
        let entry = &entries[0];
        assert_eq!((entry.level(), entry.message()), (Level::Info, "synced"));
        let fields: Vec<(&str, String)> = entry.fields().map(|(k, v)| (k, v.to_string())).collect();
        assert_eq!(
            fields,
            [
                ("zone", "a".to_owned()),
                ("pod", "web-1".to_owned()),
                ("attempt", "2".to_owned())
            ]
        );
        assert_eq!(entry.span_ids(), ids);
    }
}

#[test]
fn a_json_logger_and_a_memory_logger_see_the_same_entry() {
    let capture = Capture::new();
    let memory = MemoryLogger::new();
    let json = JsonLogger::new(capture.clone()).without_time();
    let (ctx, _span) = Ctx::new(NopTracer, (json.clone(), memory.clone()))
        .with_field("zone", "a")
        .start_span("sync");
    ctxtrace::warn!(ctx, "slow \"{}\"", "pod"; ms = 250, ok = false);
    assert_eq!(
        capture.line(),
        r#"{"level":"warn","target":"fanout","msg":"slow \"pod\"","method":"sync","zone":"a","ms":250,"ok":false}"#
    );
    let entries = memory.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].message(), "slow \"pod\"");
    assert_eq!(entries[0].field("ms"), Some(&OwnedValue::U64(250)));
    assert_eq!(entries[0].method(), Some("sync"));
    assert_eq!(json.lines(), 1);
}

#[test]
fn the_pairs_compile_time_level_is_the_wider_of_the_two() {
    type WarnThenDebug = (Capped<UpToWarn>, Capped<UpToDebug>);
    type DebugThenWarn = (Capped<UpToDebug>, Capped<UpToWarn>);
    assert_eq!(<Capped<UpToWarn> as Logger>::MAX_LEVEL, LevelFilter::Warn);
    assert_eq!(<WarnThenDebug as Logger>::MAX_LEVEL, LevelFilter::Debug);
    assert_eq!(<DebugThenWarn as Logger>::MAX_LEVEL, LevelFilter::Debug);
    assert_eq!(
        <(NopLogger, Capped<UpToWarn>) as Logger>::MAX_LEVEL,
        LevelFilter::Warn
    );
    assert_eq!(
        <(Capped<UpToWarn>, MemoryLogger) as Logger>::MAX_LEVEL,
        LevelFilter::Trace
    );
    assert_eq!(
        Ctx::<NopTracer, WarnThenDebug>::MAX_LEVEL,
        LevelFilter::Debug
    );
}

#[test]
fn each_parts_compile_time_level_still_applies() {
    let (warn, debug) = (Capped::<UpToWarn>::new(), Capped::<UpToDebug>::new());
    let ctx = Ctx::new(NopTracer, (warn.clone(), debug.clone()));
    let evaluated = AtomicUsize::new(0);
    let arg = || evaluated.fetch_add(1, Ordering::SeqCst);
    ctxtrace::trace!(ctx, "trace {}", arg());
    assert_eq!(
        evaluated.load(Ordering::SeqCst),
        0,
        "beyond both parts: not evaluated"
    );
    ctxtrace::debug!(ctx, "debug");
    ctxtrace::info!(ctx, "info");
    ctxtrace::warn!(ctx, "warn");
    ctxtrace::error!(ctx, "error");
    assert_eq!(
        warn.seen(),
        [
            (Level::Warn, "warn".to_owned()),
            (Level::Error, "error".to_owned())
        ]
    );
    assert_eq!(
        debug.seen(),
        [
            (Level::Debug, "debug".to_owned()),
            (Level::Info, "info".to_owned()),
            (Level::Warn, "warn".to_owned()),
            (Level::Error, "error".to_owned())
        ]
    );
    // The pair answers for the part that would take the entry.
    assert!(ctx.logger().enabled(Level::Debug));
    assert!(!ctx.logger().enabled(Level::Trace));
}

#[test]
fn each_parts_runtime_level_still_applies() {
    let quiet = MemoryLogger::new().with_level(LevelFilter::Warn);
    let chatty = MemoryLogger::new();
    let ctx = Ctx::new(NopTracer, (quiet.clone(), chatty.clone()));
    assert!(ctx.logger().enabled(Level::Info));
    ctxtrace::info!(ctx, "info");
    ctxtrace::warn!(ctx, "warn");
    let messages = |logger: &MemoryLogger| {
        logger
            .entries()
            .iter()
            .map(|e| e.message().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(messages(&quiet), ["warn"]);
    assert_eq!(messages(&chatty), ["info", "warn"]);

    // When neither part takes a level, the arguments are not evaluated.
    let both_quiet = Ctx::new(
        NopTracer,
        (
            quiet.clone(),
            MemoryLogger::new().with_level(LevelFilter::Error),
        ),
    );
    assert!(!both_quiet.logger().enabled(Level::Info));
    let evaluated = AtomicUsize::new(0);
    ctxtrace::info!(both_quiet, "{}", evaluated.fetch_add(1, Ordering::SeqCst));
    assert_eq!(evaluated.load(Ordering::SeqCst), 0);
    assert_eq!(messages(&quiet), ["warn"]);
}

#[test]
fn two_nops_are_still_nothing() {
    assert_eq!(size_of::<(NopTracer, NopTracer)>(), 0);
    assert_eq!(size_of::<(NopLogger, NopLogger)>(), 0);
    assert_eq!(size_of::<<(NopTracer, NopTracer) as Tracer>::Span>(), 0);
    assert_eq!(
        size_of::<Ctx<(NopTracer, NopTracer), (NopLogger, NopLogger)>>(),
        0
    );
    const { assert!(!<(NopTracer, NopTracer) as Tracer>::ENABLED) };
    assert_eq!(
        <(NopTracer, NopTracer) as Tracer>::MAX_EVENT_LEVEL,
        LevelFilter::Off
    );
    assert_eq!(
        <(NopLogger, NopLogger) as Logger>::MAX_LEVEL,
        LevelFilter::Off
    );

    let ctx = Ctx::new((NopTracer, NopTracer), (NopLogger, NopLogger));
    let evaluated = AtomicUsize::new(0);
    ctxtrace::error!(ctx, "{}", evaluated.fetch_add(1, Ordering::SeqCst));
    assert_eq!(evaluated.load(Ordering::SeqCst), 0);
    assert!(!ctx.enabled(Level::Error));
}
