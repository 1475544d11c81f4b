//! `TracingLogger`: the events a `tracing` subscriber receives.

mod common;

use common::{Counted, Recorder};
use ctxtrace::{Ctx, Field, Logger as _, MemoryTracer, NopTracer, Record, Span};
use ctxtrace_tracing::TracingLogger;
use tracing_subscriber::layer::SubscriberExt as _;

#[test]
fn each_level_maps_to_the_tracing_level() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        ctxtrace::error!(ctx, "e");
        ctxtrace::warn!(ctx, "w");
        ctxtrace::info!(ctx, "i");
        ctxtrace::debug!(ctx, "d");
        ctxtrace::trace!(ctx, "t");
    });
    let recorded = recorder.recorded();
    let seen: Vec<(tracing::Level, &str)> = recorded
        .events
        .iter()
        .map(|e| (e.level, e.message()))
        .collect();
    assert_eq!(
        seen,
        [
            (tracing::Level::ERROR, "e"),
            (tracing::Level::WARN, "w"),
            (tracing::Level::INFO, "i"),
            (tracing::Level::DEBUG, "d"),
            (tracing::Level::TRACE, "t"),
        ]
    );
    // The target is the caller's module.
    assert!(
        recorded
            .events
            .iter()
            .all(|e| e.target == "logger" && e.meta_name == "ctxtrace.event")
    );
}

#[test]
fn the_target_is_the_callers_or_the_one_given() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        ctxtrace::info!(ctx, "mine");
        ctxtrace::info!(ctx, target: "podlib::sync", "given");
        inner::log(&ctx);
        // A record that says nothing of where it came from.
        ctx.logger().log(&Record::new(
            ctxtrace::Level::Info,
            format_args!("nowhere"),
            &[],
        ));
    });
    let recorded = recorder.recorded();
    assert_eq!(recorded.event("mine").target, "logger");
    assert_eq!(recorded.event("given").target, "podlib::sync");
    assert_eq!(recorded.event("inner").target, "logger::inner");
    assert_eq!(recorded.event("nowhere").target, "ctxtrace");
}

mod inner {
    pub(crate) fn log(ctx: &ctxtrace::Ctx<ctxtrace::NopTracer, ctxtrace_tracing::TracingLogger>) {
        ctxtrace::info!(ctx, "inner");
    }
}

#[test]
fn an_event_has_the_message_method_and_every_field() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new()).with_field("worker", 3);
        let (ctx, mut span) = ctx.start_span("sync_pod");
        let ctx = span.with_field(&ctx, "pod", "web-1");
        ctxtrace::warn!(ctx, "pull of {} failed", "nginx"; attempt = 2u32, reason = "image not found");
    });
    let recorded = recorder.recorded();
    let event = recorded.event("pull of nginx failed");
    assert_eq!(event.level, tracing::Level::WARN);
    assert_eq!(event.field("method"), Some("sync_pod"));
    // The `Ctx`'s fields (the span's included), then the entry's own.
    assert_eq!(
        event.names,
        ["message", "method", "worker", "pod", "attempt", "reason"]
    );
    assert_eq!(event.typed("worker"), Some(("i64", "3")));
    assert_eq!(event.typed("pod"), Some(("str", "web-1")));
    assert_eq!(event.typed("attempt"), Some(("u64", "2")));
    assert_eq!(event.typed("reason"), Some(("str", "image not found")));
    assert_eq!(event.field("fields"), None);
    assert_eq!(event.field("trace_id"), None, "the nop tracer has no ids");
}

#[test]
fn fields_arrive_typed() {
    let recorder = Recorder::new();
    let err = std::io::Error::other("disk full");
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new()).with_field("ready", true);
        ctxtrace::info!(
            ctx, "typed";
            n = -3i8, u = 7u64, f = 0.5, ok = false, s = "web-1", big = u128::MAX,
            small = i128::MIN, e = ctxtrace::error(&err), ip = %"10.0.0.7", d = ?Some(1),
            wait = std::time::Duration::from_millis(1500),
        );
    });
    let recorded = recorder.recorded();
    let event = recorded.event("typed");
    assert_eq!(event.typed("ready"), Some(("bool", "true")));
    assert_eq!(event.typed("n"), Some(("i64", "-3")));
    assert_eq!(event.typed("u"), Some(("u64", "7")));
    assert_eq!(event.typed("f"), Some(("f64", "0.5")));
    assert_eq!(event.typed("ok"), Some(("bool", "false")));
    assert_eq!(event.typed("s"), Some(("str", "web-1")));
    let big = u128::MAX.to_string();
    assert_eq!(event.typed("big"), Some(("u128", big.as_str())));
    let small = i128::MIN.to_string();
    assert_eq!(event.typed("small"), Some(("i128", small.as_str())));
    assert_eq!(event.typed("e"), Some(("error", "disk full")));
    assert_eq!(event.typed("ip"), Some(("debug", "10.0.0.7")));
    assert_eq!(event.typed("d"), Some(("debug", "Some(1)")));
    assert_eq!(event.typed("wait"), Some(("debug", "1.5s")));
}

#[test]
fn reserved_keys_are_renamed_one_to_one() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new()).with_field("method", "GET");
        let (ctx, _span) = ctx.start_span("sync_pod");
        ctxtrace::info!(
            ctx, "renamed";
            message = "x", trace_id = 1, span_id = 2, "fields.message" = 3, fields = 4,
        );
    });
    let recorded = recorder.recorded();
    let event = recorded.event("renamed");
    assert_eq!(event.field("method"), Some("sync_pod"));
    assert_eq!(event.field("fields.method"), Some("GET"));
    assert_eq!(event.field("fields.message"), Some("x"));
    assert_eq!(event.field("fields.trace_id"), Some("1"));
    assert_eq!(event.field("fields.span_id"), Some("2"));
    assert_eq!(event.field("fields.fields.message"), Some("3"));
    assert_eq!(event.field("fields"), Some("4"));
    assert_eq!(event.field("trace_id"), None);
}

#[test]
fn an_entry_with_too_many_keys_has_them_in_one_text() {
    const KEYS: [&str; 29] = [
        "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12", "k13",
        "k14", "k15", "k16", "k17", "k18", "k19", "k20", "k21", "k22", "k23", "k24", "k25", "k26",
        "k27", "k28",
    ];
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        let site = ctxtrace::Callsite::new("podlib", "", 0);
        let fields: Vec<Field<'_>> = KEYS.iter().map(|k| Field::new(k, &1)).collect();
        ctx.logger().log(
            &Record::new(ctxtrace::Level::Info, format_args!("many"), &fields[..28])
                .with_callsite(&site),
        );
        ctx.logger().log(
            &Record::new(ctxtrace::Level::Info, format_args!("too many"), &fields)
                .with_callsite(&site),
        );
    });
    let recorded = recorder.recorded();
    let many = recorded.event("many");
    assert_eq!(many.target, "podlib");
    assert_eq!(many.typed("k27"), Some(("i64", "1")));
    let too_many = recorded.event("too many");
    assert_eq!(too_many.target, "ctxtrace");
    let text: Vec<String> = KEYS.iter().map(|k| format!("{k}=1")).collect();
    assert_eq!(too_many.field("fields"), Some(text.join(" ").as_str()));
}

#[test]
fn an_entry_with_no_fields_has_no_fields_value() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        ctxtrace::info!(Ctx::new(NopTracer, TracingLogger::new()), "bare");
    });
    let recorded = recorder.recorded();
    let event = recorded.event("bare");
    assert_eq!(event.field("fields"), None);
    assert_eq!(event.field("method"), None);
}

#[test]
fn nested_spans_replace_the_method() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        let (ctx, _outer) = ctx.start_span("handle_queue_item");
        let (ctx, _inner) = ctx.start_span("sync_pod");
        ctxtrace::info!(ctx, "inner");
    });
    let recorded = recorder.recorded();
    assert_eq!(recorded.event("inner").field("method"), Some("sync_pod"));
    assert_eq!(recorded.event("inner").field("fields"), None);
}

#[test]
fn events_sit_in_the_threads_current_tracing_span() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        tracing::info_span!("reconcile").in_scope(|| ctxtrace::info!(ctx, "inside"));
        ctxtrace::info!(ctx, "outside");
    });
    let recorded = recorder.recorded();
    let inside = recorded.event("inside");
    assert!(inside.contextual);
    assert_eq!(
        recorded.parent_of_event(inside).unwrap().name(),
        "reconcile"
    );
    assert!(recorded.event("outside").parent.is_none());
}

#[test]
fn events_carry_the_ids_of_a_tracer_that_has_them() {
    let recorder = Recorder::new();
    let tracer = MemoryTracer::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(tracer.clone(), TracingLogger::new());
        let (ctx, _span) = ctx.start_span("sync_pod");
        let ids = ctx.span_ids().unwrap();
        ctxtrace::info!(ctx, "with ids");
        let recorded = recorder.recorded();
        let event = recorded.event("with ids");
        assert_eq!(
            event.field("trace_id"),
            Some(ids.trace_id.to_string().as_str())
        );
        assert_eq!(
            event.field("span_id"),
            Some(ids.span_id.to_string().as_str())
        );
    });
}

/// Whether the arguments of a filtered-out level are evaluated depends on
/// the other dispatchers of the process: see `tests/interest.rs`.
#[test]
fn levels_the_subscriber_filters_out_are_not_events() {
    let recorder = Recorder::new();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::INFO)
        .with(recorder.clone());
    tracing::subscriber::with_default(subscriber, || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        ctxtrace::debug!(ctx, "hidden");
        ctxtrace::info!(ctx, "shown");
    });
    let recorded = recorder.recorded();
    assert_eq!(recorded.events.len(), 1);
    assert_eq!(recorded.events[0].message(), "shown");
}

#[test]
fn fields_are_formatted_only_when_the_subscriber_formats_them() {
    let recorder = Recorder::new();
    let counted = Counted::default();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        ctxtrace::info!(ctx, "entry"; value = ctxtrace::display(&counted));
    });
    // Rendered once, when the recorder formats it.
    assert_eq!(
        recorder.recorded().event("entry").typed("value"),
        Some(("debug", "counted"))
    );
    assert_eq!(counted.count(), 1);
}

#[test]
fn a_pinned_dispatcher_gets_the_events_whatever_the_default() {
    let pinned = Recorder::new();
    let default = Recorder::new();
    let logger = TracingLogger::with_dispatch(tracing::Dispatch::new(pinned.subscriber()));
    tracing::subscriber::with_default(default.subscriber(), || {
        ctxtrace::info!(Ctx::new(NopTracer, logger), "pinned");
    });
    assert_eq!(pinned.recorded().events.len(), 1);
    assert!(default.recorded().events.is_empty());
}

#[test]
fn the_logger_keeps_its_fields_immutable() {
    let base = TracingLogger::new();
    let with = base.with_field("pod", ctxtrace::Value::Str("web-1"));
    assert_eq!(base.fields(), "");
    assert_eq!(with.fields(), "pod=web-1");
    assert_eq!(with.with_method("sync_pod").method(), Some("sync_pod"));
    assert_eq!(with.method(), None);
}

#[test]
fn a_ctx_with_the_logger_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Ctx<NopTracer, TracingLogger>>();
}

#[test]
fn the_subscriber_is_told_about_the_callsites() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        ctxtrace::info!(Ctx::new(NopTracer, TracingLogger::new()), "registered");
    });
    let recorded = recorder.recorded();
    let info = ("ctxtrace.event", "logger", tracing::Level::INFO);
    assert!(
        recorded.callsites.contains(&info),
        "{:?}",
        recorded.callsites
    );
}

#[test]
fn redacted_values_reach_tracing_as_the_placeholder_only() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new())
            .with_field("token", ctxtrace::Redacted("s3cr3t"));
        ctxtrace::info!(ctx, "login"; password = ctxtrace::Redacted("hunter2"));
    });
    let recorded = recorder.recorded();
    let login = recorded.event("login");
    assert_eq!(login.typed("token"), Some(("str", "[redacted]")));
    assert_eq!(login.typed("password"), Some(("str", "[redacted]")));
}

#[test]
fn one_value_per_key_and_the_entry_wins() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new())
            .with_field("phase", "Pending")
            .with_field("worker", 3)
            .with_field("phase", "Running");
        ctxtrace::info!(ctx, "synced"; worker = 4, attempt = 1, attempt = 2);
        ctxtrace::info!(ctx, "again");
    });
    let recorded = recorder.recorded();
    let synced = recorded.event("synced");
    assert_eq!(
        synced.names,
        ["message", "phase", "worker", "attempt"],
        "each key once"
    );
    assert_eq!(synced.field("phase"), Some("Running"));
    assert_eq!(synced.field("worker"), Some("4"));
    assert_eq!(synced.field("attempt"), Some("2"));
    let again = recorded.event("again");
    assert_eq!(again.names, ["message", "worker", "phase"]);
    assert_eq!(again.field("worker"), Some("3"));
}

#[test]
fn a_none_leaves_its_key_out_and_hides_the_ctx_field() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new()).with_field("pod", "web-1");
        ctxtrace::info!(ctx, "hidden"; pod = None::<&str>, gone = None::<u8>, kept = 1);
    });
    let recorded = recorder.recorded();
    assert_eq!(recorded.event("hidden").names, ["message", "kept"]);
}

/// A layer that logs each event it sees through a `TracingLogger`, as a
/// layer that writes to a ctxtrace logger might.
struct Relog(TracingLogger);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Relog {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let ctx = Ctx::new(NopTracer, self.0.clone());
        ctxtrace::info!(ctx, "relogged"; target = event.metadata().target());
    }
}

#[test]
fn inside_a_subscribers_callback_entries_go_nowhere_and_nothing_breaks() {
    let recorder = Recorder::new();
    let pinned = Recorder::new();
    let logger = TracingLogger::with_dispatch(tracing::Dispatch::new(pinned.subscriber()));
    let subscriber = tracing_subscriber::registry()
        .with(recorder.clone())
        .with(Relog(TracingLogger::new()))
        .with(Relog(logger));
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("first");
        // The thread's default logger, outside a callback, still gets there.
        ctxtrace::info!(Ctx::new(NopTracer, TracingLogger::new()), "direct");
    });
    let recorded = recorder.recorded();
    let seen: Vec<&str> = recorded.events.iter().map(|e| e.message()).collect();
    // The `TracingLogger::new` in the callback gets no dispatcher; the
    // direct entry's own relogging does not come back either.
    assert_eq!(seen, ["first", "direct"]);
    // A pinned dispatcher gets the entries from inside the callback.
    let pinned = pinned.recorded();
    let relogged: Vec<_> = pinned.events.iter().map(|e| e.field("target")).collect();
    assert_eq!(relogged, [Some("logger"), Some("logger")]);
}

#[test]
fn events_have_the_callers_target_file_and_line() {
    let recorder = Recorder::new();
    let line = tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        let line = line!();
        ctxtrace::info!(ctx, "here"; n = 1);
        ctxtrace::info!(ctx, target: "podlib", "there");
        line
    });
    let recorded = recorder.recorded();
    let here = recorded.event("here");
    assert_eq!(here.target, module_path!());
    assert_eq!((here.file, here.line), (Some(file!()), Some(line + 1)));
    let there = recorded.event("there");
    assert_eq!(there.target, "podlib");
    assert_eq!(there.line, Some(line + 2));
}
