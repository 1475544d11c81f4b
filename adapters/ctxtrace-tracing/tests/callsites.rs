//! The `tracing` callsites of entries: the target is the caller's, so
//! per-target filters such as `EnvFilter` work, and the callsites a logger
//! or tracer makes are bounded.

mod common;

use common::Recorder;
use ctxtrace::{Callsite, Ctx, LevelFilter, Logger as _, NopLogger, NopTracer, Record};
use ctxtrace_tracing::{TracingLogger, TracingTracer};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;

fn filtered(recorder: &Recorder, filter: &str) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::registry()
        .with(EnvFilter::new(filter))
        .with(recorder.clone())
}

/// What `mycrate`, a module of it and another crate log at each level.
fn log_from_every_target<T: ctxtrace::Tracer, L: ctxtrace::Logger>(ctx: &Ctx<T, L>) {
    ctxtrace::debug!(ctx, target: "mycrate", "mycrate debug"; attempt = 1);
    ctxtrace::debug!(ctx, target: "mycrate::sync", "mycrate::sync debug");
    ctxtrace::trace!(ctx, target: "mycrate", "mycrate trace");
    ctxtrace::debug!(ctx, target: "othercrate", "othercrate debug");
    ctxtrace::warn!(ctx, target: "othercrate", "othercrate warn");
    ctxtrace::debug!(ctx, "this module's debug");
}

fn messages(recorder: &Recorder) -> Vec<String> {
    let recorded = recorder.recorded();
    recorded
        .events
        .iter()
        .map(|e| e.message().to_owned())
        .collect()
}

const WANTED: [&str; 3] = ["mycrate debug", "mycrate::sync debug", "othercrate warn"];

#[test]
fn an_env_filter_selects_the_targets_of_the_logger() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(filtered(&recorder, "warn,mycrate=debug"), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        log_from_every_target(&ctx);
        // Each time the same: the callsites are made once.
        log_from_every_target(&ctx);
    });
    assert_eq!(messages(&recorder), [WANTED, WANTED].concat());
    let recorded = recorder.recorded();
    let event = recorded.event("mycrate debug");
    assert_eq!(event.target, "mycrate");
    assert_eq!(event.typed("attempt"), Some(("i64", "1")));
}

#[test]
fn an_env_filter_selects_the_targets_of_the_tracers_events() {
    let tracer = TracingTracer::new().with_event_level(LevelFilter::Trace);
    let recorder = Recorder::new();
    tracing::subscriber::with_default(filtered(&recorder, "warn,mycrate=debug"), || {
        let (ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync_pod");
        // Spans have the target `ctxtrace`, which this filter leaves out.
        assert!(span.id().is_none());
        log_from_every_target(&ctx);
    });
    assert_eq!(messages(&recorder), WANTED);
    assert!(
        recorder
            .recorded()
            .events
            .iter()
            .all(|e| e.parent.is_none())
    );

    // With `ctxtrace=info` the spans are kept too, and the events are in them.
    let recorder = Recorder::new();
    let filter = "warn,ctxtrace=info,mycrate=debug";
    tracing::subscriber::with_default(filtered(&recorder, filter), || {
        let (ctx, span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
        assert!(span.id().is_some());
        log_from_every_target(&ctx);
    });
    assert_eq!(messages(&recorder), WANTED);
    let recorded = recorder.recorded();
    assert!(
        recorded
            .events
            .iter()
            .all(|e| recorded.parent_of_event(e).unwrap().name() == "sync_pod")
    );
}

#[test]
fn past_the_bound_entries_keep_their_fields_in_one_text_and_no_callsite_is_made() {
    let recorder = Recorder::new();
    let dispatch = tracing::Dispatch::new(recorder.subscriber());
    let logger = TracingLogger::with_dispatch(dispatch);
    let max = TracingLogger::MAX_CALLSITES;
    let targets: Vec<String> = (0..max + 10).map(|i| format!("bound.{i}")).collect();
    let log = |logger: &TracingLogger, target: &str| {
        let site = Callsite::new(target, "", 0);
        let fields = [ctxtrace::Field::new("n", &1)];
        let record = Record::new(ctxtrace::Level::Info, format_args!("entry"), &fields);
        logger.log(&record.with_callsite(&site));
    };
    for _ in 0..2 {
        for target in &targets {
            log(&logger, target);
        }
    }
    // Clones share the bound, whatever fields they add.
    log(
        &logger
            .clone()
            .with_field("pod", ctxtrace::Value::Str("web-1")),
        "bound.new",
    );

    let recorded = recorder.recorded();
    let mut made: Vec<&str> = recorded
        .callsites
        .iter()
        .map(|(_, target, _)| *target)
        .filter(|target| target.starts_with("bound."))
        .collect();
    made.sort_unstable();
    made.dedup();
    assert_eq!(made.len(), max);

    let events = &recorded.events;
    assert_eq!(events.len(), 2 * targets.len() + 1);
    for round in events[..2 * targets.len()].chunks(targets.len()) {
        for (event, target) in round.iter().zip(&targets).take(max) {
            assert_eq!(&event.target, target);
            assert_eq!(event.typed("n"), Some(("i64", "1")));
        }
        for event in &round[max..] {
            assert_eq!(event.target, "ctxtrace");
            assert_eq!(event.field("fields"), Some("n=1"));
        }
    }
    let last = events.last().unwrap();
    assert_eq!(last.target, "ctxtrace");
    assert_eq!(last.field("fields"), Some("pod=web-1 n=1"));

    // Another logger has a bound of its own.
    let other = Recorder::new();
    let logger = TracingLogger::with_dispatch(tracing::Dispatch::new(other.subscriber()));
    log(&logger, "bound.new");
    assert_eq!(other.recorded().events[0].target, "bound.new");
}
