//! A dependency's `tracing` events carry the ids of the ctxtrace span they
//! ran in: `(MemoryTracer, TracingTracer)` gives each `tracing` span the ids
//! of its memory span, and `CtxtraceLayer` writes them as the record's ids.

use std::io;

use ctxtrace::{Ctx, MemoryLogger, MemoryTracer, NopLogger, OwnedValue, SpanId, SpanIds, TraceId};
use ctxtrace_tracing::{CtxtraceLayer, TracingTracer};
use tracing_subscriber::layer::SubscriberExt as _;

#[test]
fn a_dependency_event_in_in_span_has_the_ctxtrace_span_ids() {
    let logger = MemoryLogger::new();
    let subscriber = tracing_subscriber::registry().with(CtxtraceLayer::new(logger.clone()));
    let memory = MemoryTracer::new();
    let ctx = Ctx::new((memory.clone(), TracingTracer::new()), NopLogger);
    let (outer_ids, inner_ids) = tracing::subscriber::with_default(subscriber, || {
        ctx.in_span("sync_pod", |ctx| {
            let outer = ctx.span_ids().unwrap();
            tracing::info!(attempt = 1, "outer");
            let inner = ctx.in_span("provider.create_pod", |ctx| {
                tracing::info!("inner");
                Ok::<_, io::Error>(ctx.span_ids().unwrap())
            })?;
            // A dependency's own span inside: the innermost span with ids
            // still gives them.
            let dep = tracing::info_span!("dep", conn = 3);
            dep.in_scope(|| tracing::warn!("in a dependency span"));
            Ok::<_, io::Error>((outer, inner))
        })
        .unwrap()
    });
    let spans = memory.spans();
    let sync_pod = spans.find("sync_pod").unwrap();
    assert_eq!(outer_ids, sync_pod.ids());
    assert_eq!(inner_ids, spans.find("provider.create_pod").unwrap().ids());

    let entries = logger.entries();
    let by_message = |m: &str| entries.iter().find(|e| e.message() == m).unwrap();
    assert_eq!(by_message("outer").span_ids(), Some(outer_ids));
    assert_eq!(by_message("inner").span_ids(), Some(inner_ids));
    let in_dep = by_message("in a dependency span");
    assert_eq!(in_dep.span_ids(), Some(outer_ids));
    // The ids are the record's, not fields; the dependency's span fields stay.
    for entry in &entries {
        assert!(
            entry
                .fields()
                .all(|(k, _)| k != "trace_id" && k != "span_id")
        );
    }
    assert!(
        in_dep
            .fields()
            .any(|(k, v)| k == "conn" && *v == OwnedValue::I64(3))
    );
}

#[test]
fn malformed_ids_give_no_ids_and_stay_fields() {
    let logger = MemoryLogger::new();
    let subscriber = tracing_subscriber::registry().with(CtxtraceLayer::new(logger.clone()));
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("dep", trace_id = "not-hex", span_id = "00000000000000ab");
        span.in_scope(|| tracing::info!("x"));
        let ok = SpanIds {
            trace_id: TraceId(0xab),
            span_id: SpanId(0xcd),
        };
        let span = tracing::info_span!(
            "dep",
            trace_id = %ok.trace_id,
            span_id = %ok.span_id
        );
        span.in_scope(|| tracing::info!("y"));
    });
    let entries = logger.entries();
    assert_eq!(entries[0].span_ids(), None);
    assert_eq!(entries[0].fields().count(), 2);
    assert_eq!(
        entries[1].span_ids(),
        Some(SpanIds {
            trace_id: TraceId(0xab),
            span_id: SpanId(0xcd)
        })
    );
    assert_eq!(entries[1].fields().count(), 0);
}
