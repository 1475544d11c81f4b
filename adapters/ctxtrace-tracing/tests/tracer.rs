//! `TracingTracer`: the spans and events a `tracing` subscriber receives.

mod common;

use std::future::Future as _;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};

use common::{Buffer, Recorder};
use ctxtrace::{Ctx, Field, Logger, MemoryLogger, NopLogger, Span, StatusCode, Tracer};
use ctxtrace_tracing::{TracingLogger, TracingTracer};
use tracing_subscriber::layer::SubscriberExt as _;

/// handle_queue_item → sync_pod → provider.create_pod, as the pod sync loop does.
fn handle_queue_item(ctx: &Ctx<impl Tracer, impl Logger>) -> Result<(), io::Error> {
    let (ctx, mut span) = ctx.start_span("handle_queue_item");
    let ctx = span.with_field(&ctx, "key", "default/web-1");
    let result = sync_pod(&ctx);
    span.set_status(&result);
    result
}

fn sync_pod(ctx: &Ctx<impl Tracer, impl Logger>) -> Result<(), io::Error> {
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_fields(
        &ctx,
        &[
            Field::new("pod", "web-1"),
            Field::new("namespace", "default"),
        ],
    );
    ctxtrace::info!(ctx, "syncing {} containers", 2; attempt = 1u32);
    let result = ctx.in_span("provider.create_pod", |ctx| {
        ctxtrace::warn!(ctx, "image pull failed"; image = "nginx:1.27");
        Err(io::Error::new(io::ErrorKind::NotFound, "image not found"))
    });
    span.set_status(&result);
    result
}

#[test]
fn spans_have_their_names_and_parents() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        assert!(handle_queue_item(&Ctx::new(TracingTracer::new(), NopLogger)).is_err());
    });
    let recorded = recorder.recorded();
    assert_eq!(recorded.spans.len(), 3);
    let root = recorded.span("handle_queue_item");
    let sync = recorded.span("sync_pod");
    let create = recorded.span("provider.create_pod");
    assert!(root.parent.is_none());
    assert_eq!(
        recorded.parent_of_span(sync).unwrap().name(),
        "handle_queue_item"
    );
    assert_eq!(recorded.parent_of_span(create).unwrap().name(), "sync_pod");
    for span in &recorded.spans {
        assert_eq!(span.meta_name, "ctxtrace.span");
        assert_eq!(span.target, "ctxtrace");
        assert_eq!(span.level, tracing::Level::INFO);
        assert!(span.closed, "{} was closed", span.name());
    }
}

#[test]
fn a_root_span_ignores_the_threads_current_tracing_span() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(TracingTracer::new(), NopLogger);
        tracing::info_span!("app").in_scope(|| {
            let (ctx, _root) = ctx.start_span("handle_queue_item");
            // Nor does a child, even inside another entered span.
            tracing::info_span!("other").in_scope(|| drop(ctx.start_span("sync_pod")));
        });
    });
    let recorded = recorder.recorded();
    assert!(recorded.span("handle_queue_item").parent.is_none());
    assert_eq!(
        recorded
            .parent_of_span(recorded.span("sync_pod"))
            .unwrap()
            .name(),
        "handle_queue_item"
    );
}

#[test]
fn entries_become_events_inside_their_span() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(TracingTracer::new(), NopLogger);
        assert!(handle_queue_item(&ctx).is_err());
        // Inside an entered span, the event still goes to the ctxtrace span.
        let (ctx, _span) = ctx.start_span("probe");
        tracing::info_span!("app").in_scope(|| ctxtrace::info!(ctx, "probe ok"));
    });
    let recorded = recorder.recorded();
    let syncing = recorded.event("syncing 2 containers");
    assert_eq!(syncing.level, tracing::Level::INFO);
    assert_eq!(syncing.target, "tracer", "the caller's module");
    assert!(!syncing.contextual);
    assert_eq!(
        recorded.parent_of_event(syncing).unwrap().name(),
        "sync_pod"
    );
    assert_eq!(syncing.field("method"), Some("sync_pod"));
    // The entry's own fields, typed; the span's are on the span.
    assert_eq!(syncing.names, ["message", "method", "attempt"]);
    assert_eq!(syncing.typed("attempt"), Some(("u64", "1")));

    let pulled = recorded.event("image pull failed");
    assert_eq!(pulled.level, tracing::Level::WARN);
    assert_eq!(
        recorded.parent_of_event(pulled).unwrap().name(),
        "provider.create_pod"
    );
    assert_eq!(pulled.typed("image"), Some(("str", "nginx:1.27")));

    let probe = recorded.event("probe ok");
    assert_eq!(probe.level, tracing::Level::INFO);
    assert_eq!(recorded.parent_of_event(probe).unwrap().name(), "probe");
}

#[test]
fn each_span_field_is_recorded_in_its_slot() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(TracingTracer::new(), NopLogger);
        let (ctx, mut span) = ctx.start_span("sync_pod");
        let ctx = span.with_fields(
            &ctx,
            &[
                Field::new("pod", "web-1"),
                Field::new("namespace", "default"),
            ],
        );
        let ctx = span.with_field(&ctx, "phase", "Pending phase");
        let _ctx = span.with_field(&ctx, "pod", "web-2");
        assert_eq!(
            span.fields(),
            r#"pod=web-2 namespace=default phase="Pending phase""#
        );
    });
    let recorded = recorder.recorded();
    let span = recorded.span("sync_pod");
    assert_eq!(span.field("fields.0"), Some("pod=web-2"));
    assert_eq!(span.field("fields.1"), Some("namespace=default"));
    assert_eq!(span.field("fields.2"), Some(r#"phase="Pending phase""#));
    // `with_fields` recorded both at once, each `with_field` its own only.
    assert_eq!(span.record_calls, 3);
    let records: Vec<(&str, &str)> = span.records.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        records,
        [
            ("fields.0", "pod=web-1"),
            ("fields.1", "namespace=default"),
            ("fields.2", r#"phase="Pending phase""#),
            ("fields.0", "pod=web-2"),
        ]
    );
}

#[test]
fn ten_attributes_record_each_field_once() {
    let recorder = Recorder::new();
    let keys = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"];
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let (mut ctx, mut span) = Ctx::new(TracingTracer::new(), NopLogger).start_span("sync_pod");
        for (i, key) in keys.into_iter().enumerate() {
            ctx = span.with_field(&ctx, key, i);
        }
    });
    let recorded = recorder.recorded();
    let span = recorded.span("sync_pod");
    assert_eq!(span.record_calls, 10);
    assert_eq!(span.records.len(), 10, "one value per record");
    for (i, key) in keys.into_iter().enumerate() {
        let pair = format!("{key}={i}");
        let slot = format!("fields.{i}");
        assert_eq!(span.field(&slot), Some(pair.as_str()));
    }
    // Linear: the bytes recorded are the bytes of the ten pairs.
    let bytes: usize = span.records.iter().map(|(_, v)| v.len()).sum();
    assert_eq!(bytes, 10 * "k0=0".len());
}

#[test]
fn fmt_prints_each_span_field_once() {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(buffer.clone())
        .with_ansi(false)
        .without_time()
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let (mut ctx, mut span) = Ctx::new(TracingTracer::new(), NopLogger).start_span("sync_pod");
        for (i, key) in ["pod", "namespace", "node", "phase"]
            .into_iter()
            .enumerate()
        {
            ctx = span.with_field(&ctx, key, i);
        }
        ctxtrace::info!(ctx, "synced"; attempt = 1);
    });
    let text = buffer.text();
    for pair in ["pod=0", "namespace=1", "node=2", "phase=3"] {
        assert_eq!(text.matches(pair).count(), 1, "{pair} in {text}");
    }
    assert!(
        text.contains(r#"ctxtrace.span{otel.name="sync_pod" fields.0=pod=0 fields.1=namespace=1"#),
        "{text}"
    );
    assert!(
        text.contains("synced method=\"sync_pod\" attempt=1"),
        "{text}"
    );
}

#[test]
fn span_fields_past_the_slots_are_recorded_in_fields_one_at_a_time() {
    let keys: Vec<&'static str> = (0..35)
        .map(|i| &*Box::leak(format!("k{i}").into_boxed_str()))
        .collect();
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let (mut ctx, mut span) = Ctx::new(TracingTracer::new(), NopLogger).start_span("wide");
        for &key in &keys {
            ctx = span.with_field(&ctx, key, 1);
        }
        // Several at once past the slots: one text.
        let _ctx = span.with_fields(&ctx, &[Field::new("x", &2), Field::new("y", &3)]);
    });
    let recorded = recorder.recorded();
    let span = recorded.span("wide");
    assert_eq!(span.field("fields.31"), Some("k31=1"));
    let overflow: Vec<&str> = span
        .records
        .iter()
        .filter(|(k, _)| *k == "fields")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(overflow, ["k32=1", "k33=1", "k34=1", "x=2 y=3"]);
}

#[test]
fn a_none_on_a_span_records_nothing() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let (ctx, mut span) = Ctx::new(TracingTracer::new(), NopLogger).start_span("sync_pod");
        let ctx = span.with_field(&ctx, "pod", "web-1");
        let ctx = span.with_field(&ctx, "pod", None::<&str>);
        let _ctx = span.with_field(&ctx, "never", None::<&str>);
        assert_eq!(span.fields(), "");
    });
    let recorded = recorder.recorded();
    let span = recorded.span("sync_pod");
    assert_eq!(span.record_calls, 1);
    assert_eq!(span.field("fields.0"), Some("pod=web-1"));
}

#[test]
fn span_fields_also_reach_the_logger() {
    let logger = MemoryLogger::new();
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        assert!(handle_queue_item(&Ctx::new(TracingTracer::new(), logger.clone())).is_err());
    });
    let entries = logger.entries();
    assert_eq!(entries[0].field("pod").unwrap().to_string(), "web-1");
    assert_eq!(entries[0].method(), Some("sync_pod"));
    assert_eq!(
        entries[0].span_ids(),
        None,
        "tracing span ids are not trace ids"
    );
}

#[test]
fn the_status_is_recorded_as_tracing_opentelemetry_reads_it() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(TracingTracer::new(), NopLogger);
        assert!(handle_queue_item(&ctx).is_err());
        let ok: Result<(), io::Error> = ctx.in_span("provider.get_pod", |_| Ok(()));
        assert!(ok.is_ok());
        let (_c, mut span) = ctx.start_span("provider.delete_pod");
        span.set_status_code(StatusCode::DeadlineExceeded, "");
    });
    let recorded = recorder.recorded();
    let create = recorded.span("provider.create_pod");
    assert_eq!(create.field("otel.status_code"), Some("error"));
    assert_eq!(create.field("otel.status_message"), Some("image not found"));
    let get = recorded.span("provider.get_pod");
    assert_eq!(get.field("otel.status_code"), Some("ok"));
    assert_eq!(get.field("otel.status_message"), None);
    assert_eq!(
        recorded
            .span("provider.delete_pod")
            .field("otel.status_message"),
        Some("DeadlineExceeded")
    );
}

#[test]
fn a_later_status_replaces_an_earlier_one() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let (_c, mut span) = Ctx::new(TracingTracer::new(), NopLogger).start_span("retry");
        span.set_status_code(StatusCode::Unavailable, "node not ready");
        span.set_status_code(StatusCode::Ok, "");
    });
    assert_eq!(
        recorder.recorded().span("retry").field("otel.status_code"),
        Some("ok")
    );
}

#[test]
fn a_span_dropped_in_a_panic_ends_with_an_internal_error() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(TracingTracer::new(), NopLogger);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let (_ctx, _span) = ctx.start_span("sync_pod");
            panic!("boom");
        }));
        assert!(outcome.is_err());
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let (_ctx, mut span) = ctx.start_span("already_failed");
            span.set_status_code(StatusCode::NotFound, "gone");
            panic!("boom");
        }));
        assert!(outcome.is_err());
    });
    let recorded = recorder.recorded();
    let span = recorded.span("sync_pod");
    assert_eq!(span.field("otel.status_code"), Some("error"));
    assert_eq!(
        span.field("otel.status_message"),
        Some("panicked while the span was open")
    );
    assert!(span.closed);
    assert_eq!(
        recorded.span("already_failed").field("otel.status_message"),
        Some("gone")
    );
}

#[test]
fn a_span_closes_when_it_ends_while_its_ctx_lives_on() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(TracingTracer::new(), NopLogger);
        let (child, span) = ctx.start_span("sync_pod");
        let kept = child.clone();
        ctxtrace::info!(child, "inside");
        span.end();
        assert!(recorder.recorded().span("sync_pod").closed);
        assert!(kept.span_ref().as_ref().unwrap().id().is_none());

        // What still arrives through the ended span's Ctx: no panic, and
        // entries are dropped; a new span becomes a root.
        ctxtrace::info!(kept, "too late");
        let (_c, late) = kept.start_span("cleanup");
        drop(late);
    });
    let recorded = recorder.recorded();
    assert_eq!(recorded.events.len(), 1);
    assert_eq!(recorded.events[0].message(), "inside");
    assert!(recorded.span("cleanup").parent.is_none());
}

#[test]
fn children_and_events_follow_their_span_to_other_threads() {
    let recorder = Recorder::new();
    let ctx = Ctx::new(TracingTracer::new(), NopLogger);
    let (ctx, root) =
        tracing::subscriber::with_default(recorder.subscriber(), || ctx.start_span("handle_queue"));
    // The worker threads have no default subscriber: the span's dispatcher is used.
    std::thread::scope(|s| {
        for _ in 0..3 {
            let ctx = ctx.clone();
            s.spawn(move || {
                let (ctx, _span) = ctx.start_span("worker");
                ctxtrace::info!(ctx, "tick");
            });
        }
    });
    drop(root);
    let recorded = recorder.recorded();
    let workers: Vec<_> = recorded
        .spans
        .iter()
        .filter(|s| s.name() == "worker")
        .collect();
    assert_eq!(workers.len(), 3);
    assert!(
        workers
            .iter()
            .all(|w| recorded.parent_of_span(w).unwrap().name() == "handle_queue")
    );
    assert_eq!(recorded.events.len(), 3);
    assert!(
        recorded
            .events
            .iter()
            .all(|e| recorded.parent_of_event(e).unwrap().name() == "worker")
    );
    // Closed in the right registry, the parent included, though the workers'
    // threads had no default dispatcher.
    assert!(recorded.spans.iter().all(|s| s.closed));
}

#[test]
fn with_spans_filtered_out_events_still_arrive_as_roots() {
    let recorder = Recorder::new();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::filter_fn(|meta| {
            meta.is_event()
        }))
        .with(recorder.clone());
    tracing::subscriber::with_default(subscriber, || {
        let ctx = Ctx::new(TracingTracer::new(), NopLogger);
        let (ctx, span) = ctx.start_span("sync_pod");
        assert!(span.id().is_none());
        ctxtrace::info!(ctx, "still here");
        let (ctx, _child) = ctx.start_span("child");
        ctxtrace::info!(ctx, "here too");
    });
    let recorded = recorder.recorded();
    assert!(recorded.spans.is_empty());
    assert_eq!(recorded.events.len(), 2);
    assert!(recorded.events.iter().all(|e| e.parent.is_none()));
    assert_eq!(
        recorded.event("still here").field("method"),
        Some("sync_pod")
    );
}

#[test]
fn levels_the_subscriber_filters_out_are_not_events() {
    let recorder = Recorder::new();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::INFO)
        .with(recorder.clone());
    tracing::subscriber::with_default(subscriber, || {
        let (ctx, _span) = Ctx::new(TracingTracer::new(), NopLogger).start_span("sync_pod");
        ctxtrace::debug!(ctx, "hidden");
        ctxtrace::info!(ctx, "shown");
    });
    let recorded = recorder.recorded();
    assert_eq!(recorded.events.len(), 1);
    assert_eq!(recorded.events[0].message(), "shown");
}

#[test]
fn a_pinned_dispatcher_gets_the_spans_whatever_the_default() {
    let pinned = Recorder::new();
    let default = Recorder::new();
    let tracer = TracingTracer::with_dispatch(tracing::Dispatch::new(pinned.subscriber()));
    tracing::subscriber::with_default(default.subscriber(), || {
        assert!(handle_queue_item(&Ctx::new(tracer, NopLogger)).is_err());
    });
    let recorded = pinned.recorded();
    assert_eq!(recorded.spans.len(), 3);
    assert_eq!(recorded.events.len(), 2);
    assert!(recorded.spans.iter().all(|s| s.closed));
    assert!(default.recorded().spans.is_empty());
}

#[test]
fn with_the_tracing_logger_each_entry_is_written_twice() {
    // Documented: pair `TracingTracer` with a logger that writes elsewhere.
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let (ctx, _span) =
            Ctx::new(TracingTracer::new(), TracingLogger::new()).start_span("sync_pod");
        ctxtrace::info!(ctx, "twice");
    });
    let recorded = recorder.recorded();
    let twice: Vec<_> = recorded
        .events
        .iter()
        .filter(|e| e.message() == "twice")
        .collect();
    assert_eq!(twice.len(), 2);
    assert!(twice.iter().any(|e| e.contextual && e.parent.is_none()));
    assert!(twice.iter().any(|e| !e.contextual && e.parent.is_some()));
}

#[test]
fn a_ctx_with_the_tracer_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Ctx<TracingTracer, TracingLogger>>();
    assert_send_sync::<ctxtrace_tracing::TracingSpan>();
}

#[test]
fn one_value_per_key_and_ctx_fields_on_events() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(TracingTracer::new(), MemoryLogger::new());
        let (ctx, mut span) = ctx.start_span("sync_pod");
        let ctx = span.with_field(&ctx, "phase", "Pending");
        let ctx = ctx.with_field("worker", 3);
        let ctx = span.with_field(&ctx, "phase", "Running");
        ctxtrace::info!(ctx, "synced"; worker = 4, attempt = 1, attempt = 2);
        ctxtrace::info!(ctx, "again");
        assert_eq!(span.fields(), "phase=Running");
    });
    let recorded = recorder.recorded();
    let span = recorded.span("sync_pod");
    assert_eq!(span.field("fields.0"), Some("phase=Running"));
    assert_eq!(span.field("fields.1"), None);
    let synced = recorded.event("synced");
    assert_eq!(
        synced.names,
        ["message", "method", "phase", "worker", "attempt"]
    );
    assert_eq!(synced.typed("phase"), Some(("str", "Running")));
    assert_eq!(synced.typed("worker"), Some(("i64", "4")));
    assert_eq!(synced.typed("attempt"), Some(("i64", "2")));
    let again = recorded.event("again");
    assert_eq!(again.names, ["message", "method", "worker", "phase"]);
    assert_eq!(again.typed("worker"), Some(("i64", "3")));
}

#[test]
fn a_ruled_out_level_evaluates_nothing_and_makes_no_event() {
    let recorder = Recorder::new();
    let costly = common::Counted::default();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let logger = MemoryLogger::new().with_level(ctxtrace::LevelFilter::Info);
        let (ctx, _span) = Ctx::new(TracingTracer::new(), logger).start_span("sync_pod");
        for _ in 0..100 {
            ctxtrace::debug!(ctx, "detail {}", costly);
            ctxtrace::trace!(ctx, "poll"; v = ctxtrace::display(&costly));
        }
        assert!(!ctx.enabled(ctxtrace::Level::Debug));
    });
    assert_eq!(costly.count(), 0);
    assert!(recorder.recorded().events.is_empty());
}

/// A dependency that knows nothing of ctxtrace and logs through `tracing`.
mod dependency {
    pub fn pull_image(image: &str) {
        tracing::info!(image, "pulling");
    }
}

#[test]
fn a_dependencys_event_inside_in_span_is_an_event_of_that_span() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(TracingTracer::new(), NopLogger);
        let _: Result<(), io::Error> = ctx.in_span("provider.create_pod", |_ctx| {
            dependency::pull_image("nginx:1.27");
            Ok(())
        });
        // After the span, the dependency's events are back at the root.
        dependency::pull_image("outside");
        // In the future of `in_span_async`, on every poll.
        let future = ctx.in_span_async("provider.pull", |_ctx| async {
            dependency::pull_image("async");
            Ok::<_, io::Error>(())
        });
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        assert!(future.as_mut().poll(&mut cx).is_ready());
    });
    let recorded = recorder.recorded();
    let events: Vec<_> = recorded
        .events
        .iter()
        .filter(|e| e.message() == "pulling")
        .collect();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.contextual));
    let parent = |i: usize| {
        recorded
            .parent_of_event(events[i])
            .map(|s| s.name().to_owned())
    };
    assert_eq!(parent(0).as_deref(), Some("provider.create_pod"));
    assert_eq!(parent(1), None);
    assert_eq!(parent(2).as_deref(), Some("provider.pull"));
    // Entered and left: every span still closes.
    assert!(recorded.spans.iter().all(|s| s.closed));
}
