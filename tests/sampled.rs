//! `Sampled<T>`: parent-based, trace-id-ratio sampling, with ids kept on
//! unsampled spans.

#![cfg(feature = "std")]

use ctxtrace::{
    Ctx, Level, Logger, MemoryLogger, MemoryTracer, NopLogger, NopTracer, Sampled, SampledRef,
    SampledSpan, Span, StatusCode, TraceContext, TraceFlags, TraceId, TraceParent, Tracer,
};

/// Root spans per ratio: 100,000 natively, fewer under miri.
const ROOTS: u64 = if cfg!(miri) { 1_000 } else { 100_000 };

#[test]
fn the_ratio_holds_within_one_percent_over_many_roots() {
    for ratio in [0.01, 0.25, 0.5, 0.9] {
        // The inner recorder keeps nothing: it only counts what it started.
        let inner = MemoryTracer::with_capacity(0);
        let ctx = Ctx::new(Sampled::new(inner.clone(), ratio), NopLogger);
        for _ in 0..ROOTS {
            drop(ctx.start_span("root"));
        }
        let expected = ratio * ROOTS as f64;
        // Under miri, 8% of 1,000: five standard deviations at worst.
        let tolerance = if cfg!(miri) { 0.08 } else { 0.01 } * ROOTS as f64;
        let kept = inner.started() as f64;
        assert!(
            (kept - expected).abs() <= tolerance,
            "ratio {ratio}: kept {kept} of {ROOTS}, expected {expected} ± {tolerance}"
        );
    }
}

#[test]
fn all_or_nothing_at_the_ends() {
    let roots = if cfg!(miri) { 20 } else { 200 };
    for (ratio, kept) in [
        (0.0, 0),
        (-1.0, 0),
        (f64::NAN, 0),
        (1.0, roots),
        (7.0, roots),
    ] {
        let inner = MemoryTracer::with_capacity(0);
        let ctx = Ctx::new(Sampled::new(inner.clone(), ratio), NopLogger);
        for _ in 0..roots {
            drop(ctx.start_span("root"));
        }
        assert_eq!(inner.started(), kept, "ratio {ratio}");
    }
}

#[test]
fn the_decision_is_opentelemetry_trace_id_ratio_based() {
    use opentelemetry::trace::{SpanKind, TraceId as OtelTraceId};
    use opentelemetry_sdk::trace::{Sampler, SamplingDecision, ShouldSample};

    let draws = if cfg!(miri) { 100 } else { 20_000 };
    let mut state = 0x1234_5678_9abc_def0_u64;
    let mut next = || {
        // A plain xorshift, independent of the crate's generator.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for ratio in [0.001, 0.1, 0.3, 0.5, 0.77, 0.999] {
        let ours = Sampled::new(NopTracer, ratio);
        let theirs = Sampler::TraceIdRatioBased(ratio);
        let mut agreed_sampled = 0;
        for _ in 0..draws {
            let id = (u128::from(next()) << 64) | u128::from(next());
            let decision = theirs
                .should_sample(
                    None,
                    OtelTraceId::from(id),
                    "root",
                    &SpanKind::Internal,
                    &[],
                    &[],
                )
                .decision;
            let sampled = decision == SamplingDecision::RecordAndSample;
            assert_eq!(
                ours.samples(TraceId(id)),
                sampled,
                "ratio {ratio}, trace id {id:032x}"
            );
            agreed_sampled += usize::from(sampled);
        }
        // Both ways were compared, not only one.
        assert!(ratio < 0.01 || agreed_sampled > 0);
    }
}

#[test]
fn a_trace_is_kept_whole_or_not_at_all() {
    let inner = MemoryTracer::new();
    let logger = MemoryLogger::new();
    let ctx = Ctx::new(Sampled::new(inner.clone(), 0.5), logger.clone());
    let roots = if cfg!(miri) { 20 } else { 1_000 };
    let mut sampled_roots = 0;
    for _ in 0..roots {
        let (root, _span) = ctx.start_span("root");
        let (child, _child) = root.start_span("child");
        let (grandchild, _grandchild) = child.start_span("grandchild");
        let decisions =
            [root.span_ref(), child.span_ref(), grandchild.span_ref()].map(SampledRef::is_sampled);
        assert!(
            decisions == [true; 3] || decisions == [false; 3],
            "{decisions:?}"
        );
        sampled_roots += usize::from(decisions[0]);
        // Sampled or not, the three are one trace with three span ids.
        let ids = [&root, &child, &grandchild].map(|c| c.span_ids().unwrap());
        assert!(ids.iter().all(|i| i.trace_id == ids[0].trace_id));
        assert!(ids[0].span_id != ids[1].span_id && ids[1].span_id != ids[2].span_id);
        ctxtrace::info!(grandchild, "deep");
    }
    assert!(sampled_roots > 0 && sampled_roots < roots);
    let spans = inner.spans();
    assert_eq!(spans.len(), 3 * sampled_roots);
    assert_eq!(spans.roots().count(), sampled_roots);
    for root in spans.roots() {
        let child = spans.children(root).next().unwrap();
        assert_eq!(child.name(), "child");
        assert_eq!(spans.children(child).next().unwrap().name(), "grandchild");
    }
    // The recorder's ids are the ones the sampler decided on.
    let sampler = Sampled::new(NopTracer, 0.5);
    assert!(spans.roots().all(|r| sampler.samples(r.trace_id())));
    // Every line has ids, and only sampled lines became events.
    let entries = logger.entries();
    assert_eq!(entries.len(), roots);
    assert!(entries.iter().all(|e| e.span_ids().is_some()));
    assert_eq!(
        spans.iter().map(|s| s.events().count()).sum::<usize>(),
        sampled_roots
    );
}

#[test]
fn children_of_unsampled_roots_are_unsampled() {
    let inner = MemoryTracer::new();
    let ctx = Ctx::new(Sampled::new(inner.clone(), 0.0), NopLogger);
    let (root, mut span) = ctx.start_span("root");
    assert!(matches!(span, SampledSpan::Unsampled(_)));
    let (child, child_span) = root.start_span("child");
    assert!(matches!(child_span, SampledSpan::Unsampled(_)));
    assert!(!child_span.is_recording());
    assert_eq!(
        child.span_ids().unwrap().trace_id,
        root.span_ids().unwrap().trace_id
    );
    // Nothing reaches the recorder: attributes, status, events.
    let root = span.with_field(&root, "pod", "web-1");
    span.set_status(&Err::<(), _>(std::io::Error::other("failed")));
    span.set_status_code(StatusCode::Internal, "kept nowhere");
    ctxtrace::error!(root, "not an event");
    assert!(!root.enabled(Level::Trace), "nothing takes entries here");
    drop((child_span, span));
    assert_eq!(
        (inner.started(), inner.spans().len(), inner.late_events()),
        (0, 0, 0)
    );
}

#[test]
fn unsampled_spans_ids_reach_the_logger() {
    let (inner, logger) = (MemoryTracer::new(), MemoryLogger::new());
    let ctx = Ctx::new(Sampled::new(inner.clone(), 0.0), logger.clone());
    let (root, mut span) = ctx.start_span("sync_pod");
    let root = span.with_field(&root, "pod", "web-1");
    ctxtrace::info!(root, "syncing");
    let (child, _child_span) = root.start_span("provider.create_pod");
    ctxtrace::warn!(child, "slow");
    let entries = logger.entries();
    let (root_ids, child_ids) = (root.span_ids().unwrap(), child.span_ids().unwrap());
    assert_eq!(entries[0].span_ids(), Some(root_ids));
    assert_eq!(entries[1].span_ids(), Some(child_ids));
    assert_eq!(root_ids.trace_id, child_ids.trace_id);
    assert_ne!(root_ids.trace_id.0, 0);
    assert_ne!(root_ids.span_id, child_ids.span_id);
    assert_eq!(entries[0].field("pod").unwrap().to_string(), "web-1");
    assert_eq!(entries[1].method(), Some("provider.create_pod"));
    assert!(inner.spans().is_empty());
}

#[test]
fn sampled_spans_are_the_inner_tracers() {
    let inner = MemoryTracer::new();
    let ctx = Ctx::new(Sampled::new(inner.clone(), 1.0), NopLogger);
    let (root, mut span) = ctx.start_span("sync_pod");
    let root = span.with_field(&root, "pod", "web-1");
    ctxtrace::info!(root, "synced");
    span.set_status_code(StatusCode::NotFound, "gone");
    let ids = root.span_ids().unwrap();
    drop(span);
    let spans = inner.spans();
    let recorded = spans.find("sync_pod").unwrap();
    assert_eq!(recorded.ids(), ids);
    assert_eq!(recorded.attribute("pod").unwrap().as_str(), Some("web-1"));
    assert_eq!(recorded.events().count(), 1);
    assert_eq!(recorded.status().code(), Some(StatusCode::NotFound));
    assert_eq!(root.tracer().inner().spans().len(), 1);
}

#[test]
fn clones_share_one_generator() {
    let sampled = Sampled::new(NopTracer, 0.0);
    let clone = sampled.clone();
    let tp = "00-00000000000000000000000000000007-0000000000000009-00";
    let remote = TraceContext::new(TraceParent::parse(tp).unwrap());
    let parent = sampled.remote_parent(&remote);
    let mut seen = std::collections::HashSet::new();
    for i in 0..if cfg!(miri) { 40 } else { 200 } {
        let tracer = if i % 2 == 0 { &sampled } else { &clone };
        let span = tracer.start_span(&parent, "tick");
        let ids = span.span_ref().unsampled_ids().unwrap();
        assert_eq!(ids.trace_id, TraceId(7));
        assert!(seen.insert(ids.span_id));
    }
}

#[test]
fn over_a_pair_both_recorders_get_the_decided_trace() {
    let (a, b) = (MemoryTracer::new(), MemoryTracer::new());
    let ctx = Ctx::new(Sampled::new((a.clone(), b.clone()), 1.0), NopLogger);
    let (root, span) = ctx.start_span("root");
    let ids = root.span_ids().unwrap();
    drop(span);
    assert_eq!(a.spans().find("root").unwrap().trace_id(), ids.trace_id);
    assert_eq!(b.spans().find("root").unwrap().trace_id(), ids.trace_id);
}

/// The headers a call made from `ctx` sends.
fn sent<T: Tracer, L: Logger>(ctx: &Ctx<T, L>) -> Vec<(&'static str, String)> {
    let mut headers = Vec::new();
    ctx.inject(|name, value| headers.push((name, value.to_string())));
    headers
}

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const PARENT: &str = "b7ad6b7169203331";

fn incoming(flags: &str) -> TraceContext {
    let traceparent = format!("00-{TRACE}-{PARENT}-{flags}");
    TraceContext::from_values(&traceparent, ["congo=t61rcWkgMzE"]).unwrap()
}

#[test]
fn a_sampled_remote_parent_is_recorded_whatever_the_ratio() {
    let (inner, logger) = (MemoryTracer::new(), MemoryLogger::new());
    // Ratio 0: a root here would never be sampled; the remote parent says yes.
    let ctx = Ctx::new(Sampled::new(inner.clone(), 0.0), logger.clone());
    let remote = incoming("03");
    let (ctx, span) = ctx.with_remote_parent(&remote).start_span("handle");
    assert!(ctx.span_ref().is_sampled());
    ctxtrace::info!(ctx, "handling");
    let ids = ctx.span_ids().unwrap();
    let headers = sent(&ctx);
    drop(span);

    let spans = inner.spans();
    let handle = spans.find("handle").unwrap();
    assert_eq!(handle.trace_id(), remote.parent.trace_id);
    assert_eq!(handle.parent_id(), Some(remote.parent.parent_id));
    assert!(handle.has_remote_parent());
    assert_eq!(handle.events().count(), 1);
    assert_eq!(logger.entries()[0].span_ids(), Some(ids));
    // On the wire: same trace, this span as parent, sampled and random kept.
    let traceparent = format!("00-{TRACE}-{}-03", ids.span_id);
    assert_eq!(
        headers,
        [
            ("traceparent", traceparent),
            ("tracestate", "congo=t61rcWkgMzE".to_string())
        ]
    );
}

#[test]
fn an_unsampled_remote_parent_is_not_recorded_whatever_the_ratio() {
    let (inner, logger) = (MemoryTracer::new(), MemoryLogger::new());
    // Ratio 1: a root here would always be sampled; the remote parent says no.
    let ctx = Ctx::new(Sampled::new(inner.clone(), 1.0), logger.clone());
    let remote = incoming("02");
    let under_remote = ctx.with_remote_parent(&remote);
    assert!(!under_remote.span_ref().is_sampled());
    // Before any span, the remote context goes on as it came.
    assert_eq!(under_remote.trace_context(), Some(remote));
    let (handle, mut span) = under_remote.start_span("handle");
    let handle = span.with_field(&handle, "pod", "web-1");
    ctxtrace::info!(handle, "handling");
    let (call, _call_span) = handle.start_span("provider.create_pod");
    ctxtrace::info!(call, "calling");
    let headers = sent(&call);
    drop(span);

    assert_eq!((inner.started(), inner.spans().len()), (0, 0));
    // The lines carry the remote trace and this process's span ids.
    let entries = logger.entries();
    let (handle_ids, call_ids) = (handle.span_ids().unwrap(), call.span_ids().unwrap());
    assert_eq!(handle_ids.trace_id, remote.parent.trace_id);
    assert_eq!(call_ids.trace_id, remote.parent.trace_id);
    assert_ne!(handle_ids.span_id, remote.parent.parent_id);
    assert_ne!(handle_ids.span_id, call_ids.span_id);
    assert_eq!(entries[0].span_ids(), Some(handle_ids));
    assert_eq!(entries[1].span_ids(), Some(call_ids));
    assert_eq!(entries[0].field("pod").unwrap().to_string(), "web-1");
    // On the wire: sampled=0, the random flag kept, tracestate passed on.
    let traceparent = format!("00-{TRACE}-{}-02", call_ids.span_id);
    assert_eq!(
        headers,
        [
            ("traceparent", traceparent),
            ("tracestate", "congo=t61rcWkgMzE".to_string())
        ]
    );
}

#[test]
fn local_roots_send_their_decision_and_the_random_flag() {
    for (ratio, flags) in [(0.0, "02"), (1.0, "03")] {
        let ctx = Ctx::new(Sampled::new(MemoryTracer::new(), ratio), NopLogger);
        assert!(sent(&ctx).is_empty());
        let (root, _span) = ctx.start_span("root");
        let (child, _child) = root.start_span("child");
        let ids = child.span_ids().unwrap();
        let traceparent = format!("00-{}-{}-{flags}", ids.trace_id, ids.span_id);
        assert_eq!(
            sent(&child),
            [("traceparent", traceparent)],
            "ratio {ratio}"
        );
        let context = child.trace_context().unwrap();
        assert_eq!(context.parent.flags.is_sampled(), ratio == 1.0);
        assert!(context.parent.flags.is_random());
    }
}

#[test]
fn a_remote_round_trip_keeps_the_decision() {
    // Process A samples nothing; process B, with ratio 1, follows A.
    let a = Ctx::new(Sampled::new(MemoryTracer::new(), 0.0), NopLogger);
    let (a_call, _span) = a.start_span("call_b");
    let headers = sent(&a_call);
    let b_tracer = MemoryTracer::new();
    let b = Ctx::new(Sampled::new(b_tracer.clone(), 1.0), NopLogger);
    let remote = TraceContext::from_headers(headers.iter().map(|(k, v)| (*k, v.as_str()))).unwrap();
    assert_eq!(remote.parent.flags, TraceFlags::RANDOM);
    let (b_ctx, b_span) = b.with_remote_parent(&remote).start_span("handle");
    assert_eq!(
        b_ctx.span_ids().unwrap().trace_id,
        a_call.span_ids().unwrap().trace_id
    );
    drop(b_span);
    assert!(b_tracer.spans().is_empty());
}

#[test]
fn a_remote_parent_with_a_future_flag_sends_only_the_known_ones() {
    let ctx = Ctx::new(Sampled::new(NopTracer, 1.0), NopLogger);
    let remote = incoming("fe"); // sampled clear, random and reserved bits set
    let ctx = ctx.with_remote_parent(&remote);
    let context = ctx.trace_context().unwrap();
    assert_eq!(context.parent.flags, TraceFlags::RANDOM);
    assert_eq!(
        context.parent,
        TraceParent {
            flags: TraceFlags::RANDOM,
            ..remote.parent
        }
    );
}
