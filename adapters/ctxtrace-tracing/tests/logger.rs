//! `TracingLogger`: the events a `tracing` subscriber receives.

mod common;

use common::{Counted, Recorder};
use ctxtrace::{Ctx, Level, Logger as _, MemoryTracer, NopTracer, Span};
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
    assert!(
        recorded
            .events
            .iter()
            .all(|e| e.target == "ctxtrace" && e.meta_name == "ctxtrace.event")
    );
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
    assert_eq!(
        event.field("fields"),
        Some(r#"worker=3 pod=web-1 attempt=2 reason="image not found""#)
    );
    assert_eq!(event.field("trace_id"), None, "the nop tracer has no ids");
    assert_eq!(event.fields.len(), 3);
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
        assert_eq!(event.field("span_id"), Some("0000000000000001"));
    });
}

#[test]
fn levels_the_subscriber_filters_out_are_not_evaluated() {
    let recorder = Recorder::new();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::INFO)
        .with(recorder.clone());
    let counted = Counted::default();
    tracing::subscriber::with_default(subscriber, || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        assert!(!ctx.logger().enabled(Level::Debug));
        assert!(ctx.logger().enabled(Level::Info));
        ctxtrace::debug!(ctx, "hidden {}", counted.clone(); extra = ctxtrace::display(&counted));
        ctxtrace::info!(ctx, "shown");
    });
    assert_eq!(counted.count(), 0);
    let recorded = recorder.recorded();
    assert_eq!(recorded.events.len(), 1);
    assert_eq!(recorded.events[0].message(), "shown");
}

#[test]
fn with_no_subscriber_nothing_is_evaluated() {
    let counted = Counted::default();
    let ctx = Ctx::new(NopTracer, TracingLogger::new());
    tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::default(), || {
        assert!(!ctx.enabled(Level::Error));
        ctxtrace::error!(ctx, "{}", counted.clone());
    });
    assert_eq!(counted.count(), 0);
}

#[test]
fn fields_are_formatted_only_when_the_subscriber_formats_them() {
    let recorder = Recorder::new();
    let counted = Counted::default();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        ctxtrace::info!(ctx, "entry"; value = ctxtrace::display(&counted));
    });
    // Rendered once, when the recorder formats `fields`.
    assert_eq!(
        recorder.recorded().event("entry").field("fields"),
        Some("value=counted")
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
    let info = ("ctxtrace.event", "ctxtrace", tracing::Level::INFO);
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
    let fields = recorded.event("login").field("fields").unwrap().to_owned();
    assert!(fields.contains("token=[redacted]"), "{fields}");
    assert!(fields.contains("password=[redacted]"), "{fields}");
    assert!(!fields.contains("s3cr3t") && !fields.contains("hunter2"));
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
    assert_eq!(
        recorded.event("synced").field("fields"),
        Some("phase=Running worker=4 attempt=2")
    );
    assert_eq!(
        recorded.event("again").field("fields"),
        Some("worker=3 phase=Running")
    );
}
