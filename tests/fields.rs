//! The data model for fields, held by every core backend: a key set again
//! replaces its value, an entry field overrides a `Ctx` field, the last of a
//! key an entry gives twice wins, the `Ctx`'s fields reach span events, no
//! output holds a key twice, and a level that nothing takes costs nothing.
#![cfg(feature = "std")]

mod common;

use std::io;
use std::sync::{Arc, Mutex};

use common::{Counter, CountingDisplay, recorder, side_effect};
use ctxtrace::{
    Ctx, JsonLogger, Level, LevelFilter, Logger, MemoryLogger, MemoryTracer, NopLogger, OwnedValue,
    Span, TextLogger, Tracer, Value,
};

/// A writer shared with the test.
#[derive(Clone, Default)]
struct Out(Arc<Mutex<Vec<u8>>>);

impl io::Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Out {
    fn lines(&self) -> Vec<String> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_owned).collect()
    }
}

/// The same sync, whatever the backends: a span field set twice, a `Ctx`
/// field, an entry field that overrides it, an entry key given twice, and a
/// field named `method`.
fn sync(ctx: &Ctx<impl Tracer, impl Logger>) {
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "phase", "Pending");
    let ctx = ctx.with_field("worker", 3);
    let ctx = span.with_field(&ctx, "phase", "Running");
    ctxtrace::info!(ctx, "synced"; worker = 4, attempt = 1, attempt = 2, method = "mine");
    ctxtrace::info!(ctx, "again");
    span.end();
}

#[test]
fn memory_recorder_and_logger_hold_one_value_per_key() {
    let rec = recorder();
    sync(&rec.ctx);

    let spans = rec.tracer.spans();
    let span = spans.find("sync_pod").unwrap();
    // The attribute set twice: one value, the latest, in its place.
    let attributes: Vec<(&str, Value<'_>)> = span.attributes().collect();
    assert_eq!(attributes, [("phase", Value::Str("Running"))]);
    // The span events carry the `Ctx`'s fields, overridden by the entry's.
    let events: Vec<_> = span.events().collect();
    let fields: Vec<(&str, String)> = events[0]
        .fields()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    assert_eq!(
        fields,
        [
            ("phase", "Running".to_owned()),
            ("worker", "4".to_owned()),
            ("attempt", "2".to_owned()),
            ("method", "mine".to_owned()),
        ]
    );
    let fields: Vec<(&str, String)> = events[1]
        .fields()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    // A `Ctx` key set again moves to the end, as in every logger.
    assert_eq!(
        fields,
        [("worker", "3".to_owned()), ("phase", "Running".to_owned())]
    );

    let entries = rec.logger.entries();
    let fields: Vec<(&str, &OwnedValue)> = entries[0].fields().collect();
    assert_eq!(
        fields,
        [
            ("phase", &OwnedValue::Str("Running".into())),
            ("worker", &OwnedValue::I64(4)),
            ("attempt", &OwnedValue::I64(2)),
            ("method", &OwnedValue::Str("mine".into())),
        ]
    );
    // The span name is kept apart from a field named `method`.
    assert_eq!(entries[0].method(), Some("sync_pod"));
    assert_eq!(entries[1].field("worker"), Some(&OwnedValue::I64(3)));
}

#[test]
fn json_and_logfmt_lines_hold_one_value_per_key() {
    let (json, text) = (Out::default(), Out::default());
    let logger = (
        JsonLogger::new(json.clone()).without_time(),
        TextLogger::new(text.clone()).without_time(),
    );
    sync(&Ctx::new(ctxtrace::NopTracer, logger));
    assert_eq!(
        json.lines(),
        [
            r#"{"level":"info","target":"fields","msg":"synced","method":"sync_pod","phase":"Running","worker":4,"attempt":2,"fields.method":"mine"}"#,
            r#"{"level":"info","target":"fields","msg":"again","method":"sync_pod","worker":3,"phase":"Running"}"#,
        ]
    );
    assert_eq!(
        text.lines(),
        [
            "level=info method=sync_pod msg=synced phase=Running worker=4 attempt=2 fields.method=mine",
            "level=info method=sync_pod msg=again worker=3 phase=Running",
        ]
    );
}

#[test]
fn renamed_keys_never_meet_the_keys_they_look_like() {
    let (json, text) = (Out::default(), Out::default());
    let logger = (
        JsonLogger::new(json.clone()).without_time(),
        TextLogger::new(text.clone()).without_time(),
    );
    let ctx = Ctx::new(ctxtrace::NopTracer, logger).with_field("fields.level", "b");
    ctxtrace::info!(ctx, "m"; level = "a", "a b" = 1, "a_b" = 2, "a%20b" = 3, "" = 4, "%" = 5);
    assert_eq!(
        json.lines(),
        [
            r#"{"level":"info","target":"fields","msg":"m","fields.fields.level":"b","fields.level":"a","a b":1,"a_b":2,"a%20b":3,"":4,"%":5}"#
        ]
    );
    assert_eq!(
        text.lines(),
        ["level=info msg=m fields.fields.level=b fields.level=a a%20b=1 a_b=2 a%2520b=3 %=4 %25=5"]
    );
}

/// Found by the fuzz targets' checks: an empty `Display` value, kept apart
/// from its rendered field, once pointed past the end of the rebuilt
/// context when an earlier key was set again, and the next event panicked.
#[test]
fn an_empty_display_value_survives_an_earlier_key_set_again() {
    for json in [true, false] {
        let tracer = MemoryTracer::new();
        let out = Out::default();
        let logger = if json {
            ctxtrace::Either::Left(JsonLogger::new(out.clone()).without_time())
        } else {
            ctxtrace::Either::Right(TextLogger::new(out.clone()).without_time())
        };
        let (ctx, span) = Ctx::new(tracer.clone(), logger).start_span("sync_pod");
        let ctx = ctx
            .with_field("a", "a longer value than the one after")
            .with_field("empty", ctxtrace::display(&""))
            .with_field("a", 2);
        ctxtrace::warn!(ctx, "m");
        drop(span);
        let spans = tracer.spans();
        let event = spans.find("sync_pod").unwrap().events().next().unwrap();
        let fields: Vec<(&str, Value<'_>)> = event.fields().collect();
        assert_eq!(fields, [("empty", Value::Str("")), ("a", Value::U64(2))]);
    }
}

#[test]
fn writer_loggers_give_their_ctx_fields_to_span_events() {
    let tracer = MemoryTracer::new();
    let out = Out::default();
    let ctx = Ctx::new(tracer.clone(), JsonLogger::new(out.clone()).without_time());
    let ctx = ctx
        .with_field("node", "n1")
        .with_field("ratio", 0.5)
        .with_field("ready", true)
        .with_field("err", ctxtrace::display(&"disk full"));
    let (ctx, span) = ctx.start_span("sync_pod");
    ctxtrace::warn!(ctx, "slow"; node = "n2");
    drop(span);
    let spans = tracer.spans();
    let event = spans.find("sync_pod").unwrap().events().next().unwrap();
    let fields: Vec<(&str, Value<'_>)> = event.fields().collect();
    // Typed as the writer kept them; a `Display` value as its text.
    assert_eq!(
        fields,
        [
            ("ratio", Value::F64(0.5)),
            ("ready", Value::Bool(true)),
            ("err", Value::Str("disk full")),
            ("node", Value::Str("n2")),
        ]
    );
}

#[test]
fn a_ruled_out_level_evaluates_nothing_and_makes_no_event() {
    let tracer = MemoryTracer::new();
    let logger = MemoryLogger::new().with_level(LevelFilter::Info);
    let (ctx, span) = Ctx::new(tracer.clone(), logger.clone()).start_span("sync_pod");
    let costly = CountingDisplay::new("costly");
    let calls = Counter::new();
    for _ in 0..100 {
        ctxtrace::debug!(ctx, "detail {}", costly; v = side_effect(&calls, 1));
        ctxtrace::trace!(ctx, "more {}", costly);
    }
    assert!(!ctx.enabled(Level::Debug));
    ctxtrace::info!(ctx, "kept");
    drop(span);
    assert_eq!((costly.count(), calls.get()), (0, 0));
    assert_eq!(tracer.spans().find("sync_pod").unwrap().events().count(), 1);
    assert_eq!(logger.entries().len(), 1);

    // A tracer that takes debug events makes the level enabled again.
    let verbose = tracer.clone().with_event_level(LevelFilter::Debug);
    let (ctx, span) = Ctx::new(verbose, NopLogger).start_span("verbose");
    assert!(ctx.enabled(Level::Debug));
    ctxtrace::debug!(ctx, "detail {}", costly);
    drop(span);
    assert_eq!(costly.count(), 1);
}

#[test]
fn a_ctx_with_no_span_does_not_pay_for_events() {
    let tracer = MemoryTracer::new();
    let root = Ctx::new(tracer.clone(), NopLogger);
    let costly = CountingDisplay::new("costly");
    assert!(!root.enabled(Level::Error));
    ctxtrace::error!(root, "at the root {}", costly);
    assert_eq!(costly.count(), 0);
    assert_eq!(tracer.late_events(), 0);
}

/// How many fields `for_each_field` gives.
fn given<L: Logger>(logger: &L) -> usize {
    let mut n = 0;
    logger.for_each_field(|_, _| n += 1);
    n
}

/// `has_fields` is `false` only for a logger that gives no field: the
/// recorder skips `for_each_field` then, so a wrong `false` would lose the
/// `Ctx`'s fields from span events.
#[test]
fn has_fields_is_false_only_for_a_logger_that_gives_none() {
    fn check<L: Logger>(logger: &L, has: bool) {
        assert_eq!(logger.has_fields(), has, "{}", std::any::type_name::<L>());
        assert_eq!(given(logger) > 0, has, "{}", std::any::type_name::<L>());
    }
    let memory = MemoryLogger::new();
    let json = JsonLogger::new(io::sink());
    let text = TextLogger::new(io::sink());
    check(&NopLogger, false);
    check(&memory, false);
    check(&memory.with_method("sync"), false);
    check(&memory.with_field("pod", Value::Str("web-1")), true);
    // Writer loggers give only the fields they keep for events.
    check(&json, false);
    check(&json.with_field("pod", Value::Str("web-1")), false);
    check(
        &json.with_field_for_events("pod", Value::Str("web-1")),
        true,
    );
    check(&text.with_field("pod", Value::Str("web-1")), false);
    check(&text.with_field_for_events("pod", Value::U64(1)), true);
    let kept = memory.with_field("pod", Value::Str("web-1"));
    check(
        &ctxtrace::Either::<NopLogger, MemoryLogger>::Left(NopLogger),
        false,
    );
    check(
        &ctxtrace::Either::<NopLogger, MemoryLogger>::Right(kept.clone()),
        true,
    );
    check(&None::<MemoryLogger>, false);
    check(&Some(memory.clone()), false);
    check(&Some(kept.clone()), true);
    check(&(NopLogger, memory.clone()), false);
    check(&(NopLogger, kept.clone()), true);
    check(&(kept, json), true);
}

/// A `Ctx` whose logger gives no fields still gets its entries' own fields
/// on span events, on either way in: copied as they are, or rendered.
#[test]
fn span_events_under_a_logger_with_no_fields_keep_their_own() {
    let tracer = MemoryTracer::new();
    let ctx = Ctx::new(tracer.clone(), JsonLogger::new(io::sink()));
    let (ctx, span) = ctx.start_span("sync_pod");
    assert!(!ctx.logger().has_fields());
    ctxtrace::info!(ctx, "plain"; pod = "web-1");
    ctxtrace::info!(ctx, "rendered {}", 1; pod = ctxtrace::display(&"web-2"));
    drop(span);
    let spans = tracer.spans();
    let events: Vec<Vec<(&str, Value<'_>)>> = spans
        .find("sync_pod")
        .unwrap()
        .events()
        .map(|e| e.fields().collect())
        .collect();
    assert_eq!(
        events,
        [
            vec![("pod", Value::Str("web-1"))],
            vec![("pod", Value::Str("web-2"))]
        ]
    );
}
