//! Backends chosen at run time: `Either<A, B>` tracers, spans and loggers
//! send everything to the side that was chosen, with its own levels and
//! ids; a span reference of the other side is "no span"; `Option` of a
//! tracer or a logger is it or nothing.
#![cfg(feature = "std")]

mod common;
mod support;

use std::any::type_name;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex};

use common::CountingDisplay;
use ctxtrace::{
    Ctx, Either, ErrorStatus, JsonLogger, Level, LevelFilter, Logger, ManualClock, MemoryLogger,
    MemoryTracer, NopLogger, NopSpan, NopTracer, Record, SendLogger, SendTracer, Span, SpanIds,
    Status, StatusCode, TextLogger, Tracer, Value,
};
use support::{Capture, logfmt};

type Recorder = MemoryTracer<ManualClock>;

/// A recorder that keeps events at every level.
fn recorder() -> Recorder {
    MemoryTracer::with_clock(ManualClock::new(0)).with_event_level(LevelFilter::Trace)
}

/// handle_queue_item → sync_pod → provider.create_pod, as the pod sync loop
/// does, generic over the backend.
fn handle_queue_item(ctx: &Ctx<impl Tracer, impl Logger>, pod: &str) -> io::Result<()> {
    let (ctx, mut span) = ctx.start_span("handle_queue_item");
    let ctx = span.with_field(&ctx, "key", pod);
    let result = ctx.in_span("sync_pod", |ctx| {
        ctxtrace::info!(ctx, "syncing {} containers", 2; attempt = 1);
        ctx.in_span("provider.create_pod", |ctx| {
            ctxtrace::warn!(ctx, "image pull failed"; image = "nginx:1.27");
            Err::<(), _>(io::Error::new(io::ErrorKind::NotFound, "image not found"))
        })
    });
    span.set_status(&result);
    result
}

/// Checks the three spans that `handle_queue_item` leaves in a recorder.
fn assert_recorded(tracer: &Recorder) {
    let spans = tracer.spans();
    assert_eq!(spans.len(), 3);
    let root = spans.find("handle_queue_item").unwrap();
    let sync = spans.find("sync_pod").unwrap();
    let create = spans.find("provider.create_pod").unwrap();
    assert_eq!(root.parent_id(), None);
    assert_eq!(spans.parent(sync).unwrap().name(), "handle_queue_item");
    assert_eq!(spans.parent(create).unwrap().name(), "sync_pod");
    assert_eq!(root.attribute("key"), Some(Value::Str("default/web-1")));
    assert_eq!(
        sync.events().next().unwrap().message(),
        "syncing 2 containers"
    );
    let event = create.events().next().unwrap();
    assert_eq!(
        (event.level(), event.message()),
        (Level::Warn, "image pull failed")
    );
    for span in [root, sync, create] {
        assert_eq!(span.status().code(), Some(StatusCode::NotFound));
    }
}

// ---------------------------------------------------------------------------
// Tracers

#[test]
fn either_tracer_records_on_the_side_that_was_chosen() {
    let (left, right) = (recorder(), recorder());
    for tracer in [Either::Left(left.clone()), Either::Right(right.clone())] {
        let ctx = Ctx::new(tracer, NopLogger);
        assert!(handle_queue_item(&ctx, "default/web-1").is_err());
    }
    assert_recorded(&left);
    assert_recorded(&right);
}

#[test]
fn either_tracer_gives_the_chosen_sides_ids_to_loggers() {
    let tracer = recorder();
    let logger = MemoryLogger::new();
    let ctx: Ctx<Either<NopTracer, Recorder>, _> =
        Ctx::new(Either::Right(tracer.clone()), logger.clone());
    assert_eq!(ctx.span_ids(), None);
    let (child, span) = ctx.start_span("sync_pod");
    ctxtrace::info!(child, "synced");
    drop(span);
    let recorded = tracer.spans().find("sync_pod").unwrap().ids();
    assert_eq!(child.span_ids(), Some(recorded));
    assert_eq!(logger.entries()[0].span_ids(), Some(recorded));

    let nop: Ctx<Either<NopTracer, Recorder>, _> = Ctx::new(Either::Left(NopTracer), NopLogger);
    let (child, _span) = nop.start_span("sync_pod");
    assert_eq!(child.span_ids(), None);
}

#[test]
fn either_tracer_keeps_the_chosen_sides_event_level() {
    // A tracer whose events stop at warn, beside one that takes them all.
    #[derive(Clone)]
    struct WarnEvents(Recorder);
    impl Tracer for WarnEvents {
        type Span = <Recorder as Tracer>::Span;
        type SpanRef = <Recorder as Tracer>::SpanRef;
        const MAX_EVENT_LEVEL: LevelFilter = LevelFilter::Warn;
        fn start_span(&self, parent: &Self::SpanRef, name: &'static str) -> Self::Span {
            self.0.start_span(parent, name)
        }
        fn event_enabled(&self, span: &Self::SpanRef, level: ctxtrace::Level) -> bool {
            Self::MAX_EVENT_LEVEL.allows(level) && self.0.event_enabled(span, level)
        }
        fn add_event<L: ctxtrace::Logger>(
            &self,
            span: &Self::SpanRef,
            record: &Record<'_>,
            context: &L,
        ) {
            self.0.add_event(span, record, context);
        }
    }

    type Choice = Either<WarnEvents, Recorder>;
    assert_eq!(Choice::MAX_EVENT_LEVEL, LevelFilter::Trace);
    const { assert!(Choice::ENABLED) };
    const { assert!(!<Either<NopTracer, NopTracer>>::ENABLED) };
    assert_eq!(
        <Either<NopTracer, NopTracer>>::MAX_EVENT_LEVEL,
        LevelFilter::Off
    );

    let (warn_only, all) = (recorder(), recorder());
    for tracer in [
        Either::Left(WarnEvents(warn_only.clone())),
        Either::Right(all.clone()),
    ] {
        let ctx: Ctx<Choice, NopLogger> = Ctx::new(tracer, NopLogger);
        let (ctx, span) = ctx.start_span("sync");
        ctxtrace::debug!(ctx, "verbose");
        ctxtrace::warn!(ctx, "slow");
        drop(span);
    }
    let events = |t: &Recorder| -> Vec<String> {
        let spans = t.spans();
        let span = spans.find("sync").unwrap();
        span.events().map(|e| e.message().to_owned()).collect()
    };
    assert_eq!(events(&warn_only), ["slow"]);
    assert_eq!(events(&all), ["verbose", "slow"]);
}

#[test]
fn a_span_reference_of_the_other_side_is_no_span() {
    let (left, right) = (recorder(), recorder());
    let left_ctx: Ctx<Either<Recorder, Recorder>, MemoryLogger> =
        Ctx::new(Either::Left(left.clone()), MemoryLogger::new());
    let logger = MemoryLogger::new();
    let right_ctx: Ctx<Either<Recorder, Recorder>, MemoryLogger> =
        Ctx::new(Either::Right(right.clone()), logger.clone());

    // The root's default is `Left` of "no span", even for a `Right` tracer.
    assert!(matches!(right_ctx.span_ref(), Either::Left(None)));
    let (parent, parent_span) = left_ctx.start_span("left.parent");
    assert!(matches!(parent.span_ref(), Either::Left(Some(_))));

    // A `Left` span reference given to a `Right` tracer: a root span, no
    // event, no ids.
    let foreign = right_ctx.with_span_ref(*parent.span_ref());
    assert_eq!(foreign.span_ids(), None);
    ctxtrace::info!(foreign, "under a foreign span");
    let (child, child_span) = foreign.start_span("right.child");
    assert!(matches!(child.span_ref(), Either::Right(Some(_))));
    ctxtrace::info!(child, "under its own span");
    drop((child_span, parent_span));

    let spans = right.spans();
    let child = spans.find("right.child").unwrap();
    assert_eq!(child.parent_id(), None);
    assert_eq!(
        child.events().map(|e| e.message()).collect::<Vec<_>>(),
        ["under its own span"]
    );
    let left_spans = left.spans();
    assert_eq!(left_spans.find("left.parent").unwrap().events().count(), 0);
    // The logger still wrote both entries, the first without ids.
    let entries = logger.entries();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].span_ids(), None);
    assert_eq!(entries[1].span_ids(), Some(child.ids()));
}

// ---------------------------------------------------------------------------
// Spans

/// A span that overrides `set_error` to keep the error's type name, to show
/// that `Either` calls the side's own status methods.
#[derive(Default)]
struct TypedSpan(Arc<Mutex<Vec<String>>>);

impl Span for TypedSpan {
    type Ref = NopSpan;
    fn span_ref(&self) -> NopSpan {
        NopSpan
    }
    fn set_attribute(&mut self, _key: &'static str, _value: Value<'_>) {}
    fn record_status(&mut self, code: StatusCode, message: &dyn fmt::Display) {
        self.0.lock().unwrap().push(format!("{code}: {message}"));
    }
    fn set_error<E: ErrorStatus<Via> + ?Sized, Via>(&mut self, err: &E) {
        let message = err.as_error().to_string();
        let typed = format!("{}: {message}", type_name::<E>());
        self.0.lock().unwrap().push(typed);
    }
}

#[test]
fn either_span_calls_the_sides_own_status_methods() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut span: Either<NopSpan, TypedSpan> = Either::Right(TypedSpan(Arc::clone(&seen)));
    let result: Result<(), io::Error> = Err(io::ErrorKind::NotFound.into());
    span.set_status(&result);
    span.set_error(&fmt::Error);
    span.set_status_code(StatusCode::Aborted, "stop");
    span.set_status(&Ok::<(), io::Error>(()));
    assert_eq!(
        *seen.lock().unwrap(),
        [
            format!("{}: entity not found", type_name::<io::Error>()),
            format!(
                "{}: an error occurred when formatting an argument",
                type_name::<fmt::Error>()
            ),
            "Aborted: stop".to_owned(),
            "Ok: ".to_owned(),
        ]
    );
}

#[test]
fn either_span_status_and_recording_are_the_chosen_sides() {
    const { assert!(<Either<NopSpan, TypedSpan>>::RECORDING) };
    const { assert!(!<Either<NopSpan, NopSpan>>::RECORDING) };
    assert!(!Either::<NopSpan, TypedSpan>::Left(NopSpan).is_recording());
    assert!(Either::<NopSpan, TypedSpan>::Right(TypedSpan::default()).is_recording());

    let tracer = recorder();
    let ctx: Ctx<Either<Recorder, NopTracer>, _> =
        Ctx::new(Either::Left(tracer.clone()), NopLogger);
    let (ctx, mut span) = ctx.start_span("load");
    let _ctx = span.with_field(&ctx, "pod", "web-1");
    let err: Box<dyn std::error::Error + Send + Sync> =
        Box::new(io::Error::from(io::ErrorKind::PermissionDenied));
    span.set_error(&*err);
    span.end();
    let spans = tracer.spans();
    let load = spans.find("load").unwrap();
    assert_eq!(
        load.status(),
        Status::Error {
            code: StatusCode::PermissionDenied,
            message: "permission denied"
        }
    );
    assert_eq!(load.attribute("pod"), Some(Value::Str("web-1")));
    assert_eq!(tracer.open(), 0);
}

// ---------------------------------------------------------------------------
// Loggers

#[test]
fn either_logger_writes_to_the_side_that_was_chosen() {
    let (left, right) = (MemoryLogger::new(), MemoryLogger::new());
    for logger in [Either::Left(left.clone()), Either::Right(right.clone())] {
        let ctx = Ctx::new(NopTracer, logger).with_field("workerId", 3);
        let (ctx, _span) = ctx.start_span("sync_pod");
        ctxtrace::info!(ctx, "synced"; pod = "web-1");
    }
    for logger in [left, right] {
        let entries = logger.entries();
        assert_eq!(entries.len(), 1);
        let entry = &entries[0];
        assert_eq!(entry.message(), "synced");
        assert_eq!(entry.field("workerId").unwrap().to_string(), "3");
        assert_eq!(entry.method(), Some("sync_pod"));
        assert_eq!(entry.field("pod").unwrap().to_string(), "web-1");
    }
}

#[test]
fn either_logger_keeps_the_chosen_sides_levels() {
    type Choice = Either<NopLogger, MemoryLogger>;
    assert_eq!(Choice::MAX_LEVEL, LevelFilter::Trace);
    assert_eq!(<Either<NopLogger, NopLogger>>::MAX_LEVEL, LevelFilter::Off);

    // The nop side: nothing is evaluated.
    let costly = CountingDisplay::new("costly");
    let ctx: Ctx<NopTracer, Choice> = Ctx::new(NopTracer, Either::Left(NopLogger));
    assert!(!ctx.enabled(Level::Error));
    ctxtrace::error!(ctx, "{}", costly; value = ctxtrace::display(&costly));
    assert_eq!(costly.count(), 0);

    // The memory side at warn: its runtime level holds, and a ruled-out
    // entry's arguments are not evaluated.
    let logger = MemoryLogger::new().with_level(LevelFilter::Warn);
    let ctx: Ctx<NopTracer, Choice> = Ctx::new(NopTracer, Either::Right(logger.clone()));
    assert!(!ctx.enabled(Level::Info));
    ctxtrace::info!(ctx, "{}", costly);
    ctxtrace::warn!(ctx, "{}", costly);
    assert_eq!(costly.count(), 1);
    assert_eq!(logger.entries()[0].message(), "costly");
}

/// One `Ctx` type for every flag combination, as a program picks it from
/// its command line.
type Lines =
    Either<JsonLogger<Capture, ManualClock>, Either<TextLogger<Capture, ManualClock>, NopLogger>>;
type FlagCtx = Ctx<Either<Recorder, NopTracer>, Lines>;

fn ctx_from_flags(trace: &str, log: &str, tracer: &Recorder, out: &Capture) -> FlagCtx {
    let tracer = match trace {
        "memory" => Either::Left(tracer.clone()),
        "off" => Either::Right(NopTracer),
        other => panic!("unknown --trace {other}"),
    };
    let clock = ManualClock::new(0);
    let logger = match log {
        "json" => Either::Left(JsonLogger::with_clock(out.clone(), clock).without_time()),
        "text" => Either::Right(Either::Left(
            TextLogger::with_clock(out.clone(), clock).without_time(),
        )),
        "off" => Either::Right(Either::Right(NopLogger)),
        other => panic!("unknown --log {other}"),
    };
    Ctx::new(tracer, logger)
}

#[test]
fn a_ctx_chosen_from_flags_at_run_time() {
    for trace in ["memory", "off"] {
        for log in ["json", "text", "off"] {
            let (tracer, out) = (recorder(), Capture::new());
            let ctx = ctx_from_flags(trace, log, &tracer, &out);
            let ctx = ctx.with_field("workerId", 1);
            assert!(handle_queue_item(&ctx, "default/web-1").is_err());

            if trace == "memory" {
                assert_recorded(&tracer);
            } else {
                assert!(tracer.spans().is_empty());
            }
            let spans = tracer.spans();
            let ids = |name: &str| spans.find(name).map(|s| s.ids());
            let lines = out.lines();
            let expected = [
                ("info", "syncing 2 containers", "sync_pod"),
                ("warn", "image pull failed", "provider.create_pod"),
            ];
            match log {
                "off" => assert!(lines.is_empty(), "{lines:?}"),
                "json" => {
                    assert_eq!(lines.len(), 2, "{lines:?}");
                    for (line, (level, msg, method)) in lines.iter().zip(expected) {
                        let json: serde_json::Value = serde_json::from_str(line).unwrap();
                        assert_eq!(json["level"], level);
                        assert_eq!(json["msg"], msg);
                        assert_eq!(json["method"], method);
                        assert_eq!(json["workerId"], 1);
                        assert_eq!(json["key"], "default/web-1");
                        assert_eq!(
                            json["span_id"].as_str(),
                            hex_span_id(ids(method)).as_deref()
                        );
                    }
                }
                "text" => {
                    assert_eq!(lines.len(), 2, "{lines:?}");
                    for (line, (level, msg, method)) in lines.iter().zip(expected) {
                        let pairs = logfmt(line).unwrap();
                        let get = |k: &str| {
                            pairs
                                .iter()
                                .find(|(key, _)| key == k)
                                .map(|(_, v)| v.as_str())
                        };
                        assert_eq!(get("level"), Some(level));
                        assert_eq!(get("msg"), Some(msg));
                        assert_eq!(get("method"), Some(method));
                        assert_eq!(get("workerId"), Some("1"));
                        assert_eq!(get("span_id"), hex_span_id(ids(method)).as_deref());
                    }
                }
                _ => unreachable!(),
            }
        }
    }
}

fn hex_span_id(ids: Option<SpanIds>) -> Option<String> {
    ids.map(|ids| ids.span_id.to_string())
}

#[test]
fn a_ctx_of_eithers_can_be_spawned() {
    fn spawn<T: SendTracer, L: SendLogger>(ctx: &Ctx<T, L>) -> std::thread::JoinHandle<()> {
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let (ctx, _span) = ctx.start_span("reconcile");
            ctxtrace::info!(ctx, "from a thread");
        })
    }
    let (tracer, logger) = (recorder(), MemoryLogger::new());
    let ctx: Ctx<Either<Recorder, NopTracer>, Either<MemoryLogger, NopLogger>> =
        Ctx::new(Either::Left(tracer.clone()), Either::Left(logger.clone()));
    spawn(&ctx).join().unwrap();
    assert_eq!(
        tracer.spans().find("reconcile").unwrap().events().count(),
        1
    );
    assert_eq!(logger.entries()[0].message(), "from a thread");
}

#[test]
fn two_nop_sides_do_nothing_in_one_byte() {
    assert_eq!(size_of::<Either<NopTracer, NopTracer>>(), 1);
    assert_eq!(size_of::<Either<NopLogger, NopLogger>>(), 1);
    let ctx: Ctx<Either<NopTracer, NopTracer>, Either<NopLogger, NopLogger>> =
        Ctx::new(Either::Right(NopTracer), Either::Right(NopLogger));
    assert!(!ctx.enabled(Level::Error));
    let (ctx, span) = ctx.start_span("sync");
    assert!(!span.is_recording());
    assert_eq!(ctx.span_ids(), None);
}

// ---------------------------------------------------------------------------
// Option

#[test]
fn option_logger_none_writes_nothing_and_some_writes() {
    let logger = MemoryLogger::new();
    let costly = CountingDisplay::new("costly");

    let off: Ctx<NopTracer, Option<MemoryLogger>> = Ctx::new(NopTracer, None);
    assert!(!off.enabled(Level::Error));
    let off = off.with_field("pod", "web-1");
    assert!(off.logger().is_none());
    let (off, _span) = off.start_span("sync_pod");
    ctxtrace::error!(off, "{}", costly);
    assert_eq!(costly.count(), 0);

    let on = Ctx::new(NopTracer, Some(logger.clone())).with_field("pod", "web-1");
    let (on, _span) = on.start_span("sync_pod");
    assert!(on.enabled(Level::Info));
    ctxtrace::info!(on, "{}", costly);
    assert_eq!(costly.count(), 1);
    let entries = logger.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].message(), "costly");
    assert_eq!(entries[0].field("pod").unwrap().to_string(), "web-1");
    assert_eq!(entries[0].method(), Some("sync_pod"));

    assert_eq!(<Option<MemoryLogger>>::MAX_LEVEL, LevelFilter::Trace);
    assert_eq!(<Option<NopLogger>>::MAX_LEVEL, LevelFilter::Off);
    // A runtime level still holds.
    let warn = Ctx::new(
        NopTracer,
        Some(MemoryLogger::new().with_level(LevelFilter::Warn)),
    );
    assert!(!warn.enabled(Level::Info) && warn.enabled(Level::Warn));
}

#[test]
fn option_tracer_none_records_nothing_and_some_records() {
    let tracer = recorder();
    let ctx: Ctx<Option<Recorder>, NopLogger> = Ctx::new(Some(tracer.clone()), NopLogger);
    assert!(handle_queue_item(&ctx, "default/web-1").is_err());
    assert_recorded(&tracer);

    let logger = MemoryLogger::new();
    let off: Ctx<Option<Recorder>, MemoryLogger> = Ctx::new(None, logger.clone());
    let (child, mut span) = off.start_span("sync_pod");
    assert!(span.is_none() && !span.is_recording());
    assert_eq!(child.span_ids(), None);
    let child = span.with_field(&child, "pod", "web-1");
    span.set_status_code(StatusCode::Internal, "ignored");
    ctxtrace::info!(child, "still logged");
    span.end();
    let entries = logger.entries();
    assert_eq!(entries[0].field("pod").unwrap().to_string(), "web-1");
    assert_eq!(entries[0].span_ids(), None);
    assert_eq!(size_of::<Option<NopTracer>>(), 1);
}

#[test]
fn nothing_chosen_evaluates_no_argument_even_under_a_span() {
    type Trace = Either<MemoryTracer, NopTracer>;
    type Log = Either<MemoryLogger, Option<MemoryLogger>>;
    let calls = std::cell::Cell::new(0);
    let costly = || {
        calls.set(calls.get() + 1);
        1
    };
    let ctx: Ctx<Trace, Log> = Ctx::new(Either::Right(NopTracer), Either::Right(None));
    let (ctx, span) = ctx.start_span("sync_pod");
    ctxtrace::error!(ctx, "failed {}", costly(); n = costly());
    assert!(!ctx.enabled(ctxtrace::Level::Error));
    drop(span);
    assert_eq!(calls.get(), 0);

    // The same types, with a recorder chosen: evaluated once, recorded.
    let tracer = MemoryTracer::new();
    let ctx: Ctx<Trace, Log> = Ctx::new(Either::Left(tracer.clone()), Either::Right(None));
    let (ctx, span) = ctx.start_span("sync_pod");
    ctxtrace::error!(ctx, "failed {}", costly());
    drop(span);
    assert_eq!(calls.get(), 1);
    assert_eq!(tracer.spans().find("sync_pod").unwrap().events().count(), 1);
}
