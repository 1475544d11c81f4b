//! The `tracestate` of a remote parent goes on to every span under it and to
//! every call made under them, for as long as those spans are open, however
//! many other traces arrive meanwhile. Span references are `Copy`: the
//! recorder and the sampler keep each `tracestate` in a bounded table, and a
//! reference names it by key.

#![cfg(feature = "std")]

use ctxtrace::{
    Ctx, MemorySpanRef, MemoryTracer, NopLogger, Sampled, SampledRef, TraceContext, Tracer,
};

const TABLE: usize = 4096;

fn remote(n: usize, sampled: bool) -> TraceContext {
    let flags = if sampled { "01" } else { "00" };
    let tp = format!("00-{:032x}-{:016x}-{flags}", n + 1, n + 1);
    let state = format!("vendor{n}=value{n}");
    TraceContext::from_values(&tp, [state.as_str()]).unwrap()
}

fn is_copy<T: Copy>() {}

#[test]
fn references_are_plain_data() {
    is_copy::<MemorySpanRef>();
    is_copy::<Option<MemorySpanRef>>();
    is_copy::<SampledRef<Option<MemorySpanRef>>>();
    is_copy::<Ctx<&MemoryTracer, NopLogger>>();
    is_copy::<Ctx<&Sampled<MemoryTracer>, NopLogger>>();
}

/// An open span keeps its trace's `tracestate` while three tables' worth of
/// other remote traces come and go.
fn an_open_span_keeps_its_state<T: Tracer>(tracer: T, sampled: bool) {
    let root = Ctx::new(tracer, NopLogger);
    let first = remote(0, sampled);
    let (ctx, span) = root.with_remote_parent(&first).start_span("long_request");
    for n in 1..3 * TABLE {
        let (other, other_span) = root
            .with_remote_parent(&remote(n, sampled))
            .start_span("short");
        assert_eq!(
            other.trace_context().unwrap().state,
            remote(n, sampled).state
        );
        drop(other_span);
    }
    let (child, child_span) = ctx.start_span("call");
    let sent = child.trace_context().unwrap();
    assert_eq!(sent.state, first.state);
    assert_eq!(sent.state.get("vendor0"), Some("value0"));
    assert_eq!(sent.parent.trace_id, first.parent.trace_id);
    drop((child_span, span));
}

#[test]
#[cfg_attr(miri, ignore)] // a table's worth of traces; its rules run under miri in the unit tests
fn the_recorder_keeps_the_state_of_open_spans() {
    let tracer = MemoryTracer::with_capacity(16);
    an_open_span_keeps_its_state(tracer.clone(), true);
    assert_eq!(tracer.lost_trace_states(), 0);
}

#[test]
#[cfg_attr(miri, ignore)] // a table's worth of traces; its rules run under miri in the unit tests
fn the_sampler_keeps_the_state_of_open_unsampled_spans() {
    let sampler = Sampled::new(MemoryTracer::with_capacity(16), 1.0);
    an_open_span_keeps_its_state(&sampler, false);
    assert_eq!(sampler.lost_trace_states(), 0);
    assert_eq!(sampler.inner().started(), 0);
}

#[test]
fn a_borrowed_and_an_owned_tracer_share_the_table() {
    let tracer = MemoryTracer::with_capacity(16);
    let state = remote(3, true);
    let by_ref = Ctx::new(&tracer, NopLogger).with_remote_parent(&state);
    let owned = Ctx::new(tracer.clone(), NopLogger).with_span_ref(*by_ref.span_ref());
    let (ctx, _span) = owned.start_span("handle");
    assert_eq!(ctx.trace_context().unwrap().state, state.state);
}

/// A reference with no open span under it keeps its `tracestate` for the
/// next table's worth of remote traces, then sends none, and the loss is
/// counted.
#[test]
#[cfg_attr(miri, ignore)] // a table's worth of traces; its rules run under miri in the unit tests
fn an_idle_reference_outlived_by_a_table_of_states_sends_none() {
    let tracer = MemoryTracer::with_capacity(16);
    let root = Ctx::new(tracer.clone(), NopLogger);
    let first = remote(0, true);
    let waiting = root.with_remote_parent(&first);
    for n in 1..TABLE {
        drop(root.with_remote_parent(&remote(n, true)));
    }
    assert_eq!(waiting.trace_context().unwrap().state, first.state);
    drop(root.with_remote_parent(&remote(TABLE, true)));
    let sent = waiting.trace_context().unwrap();
    assert!(sent.state.is_empty());
    // The rest of the context is still the remote one.
    assert_eq!(sent.parent.trace_id, first.parent.trace_id);
    assert_eq!(tracer.lost_trace_states(), 1);
    // A span started from it carries none either, and is still in the trace.
    let (ctx, _span) = waiting.start_span("late");
    assert!(ctx.trace_context().unwrap().state.is_empty());
    assert_eq!(ctx.span_ids().unwrap().trace_id, first.parent.trace_id);
}

/// A table full of open spans' states takes no more: the new trace sends
/// none and the loss is counted, and the open ones keep theirs.
#[test]
#[cfg_attr(miri, ignore)] // a table's worth of traces; its rules run under miri in the unit tests
fn a_table_of_open_spans_counts_what_it_cannot_keep() {
    let sampler = Sampled::new(MemoryTracer::with_capacity(16), 0.0);
    let root = Ctx::new(&sampler, NopLogger);
    let open: Vec<_> = (0..TABLE)
        .map(|n| {
            root.with_remote_parent(&remote(n, false))
                .start_span("held")
        })
        .collect();
    let (ctx, _span) = root
        .with_remote_parent(&remote(TABLE, false))
        .start_span("extra");
    assert!(ctx.trace_context().unwrap().state.is_empty());
    assert_eq!(sampler.lost_trace_states(), 1);
    for (n, (ctx, _)) in open.iter().enumerate() {
        assert_eq!(ctx.trace_context().unwrap().state, remote(n, false).state);
    }
    drop(open);
    // Their spans ended: the entries are free for new traces again.
    let next = remote(TABLE + 1, false);
    let (ctx, _span) = root.with_remote_parent(&next).start_span("after");
    assert_eq!(ctx.trace_context().unwrap().state, next.state);
}

/// Records keep the `tracestate` they were started with, even once the
/// table has reused its entry.
#[test]
#[cfg_attr(miri, ignore)] // a table's worth of traces; its rules run under miri in the unit tests
fn a_record_keeps_its_state_after_the_entry_is_reused() {
    let tracer = MemoryTracer::with_capacity(8);
    let root = Ctx::new(tracer.clone(), NopLogger);
    drop(
        root.with_remote_parent(&remote(0, true))
            .start_span("first"),
    );
    for n in 1..=TABLE {
        drop(root.with_remote_parent(&remote(n, true)));
    }
    let spans = tracer.spans();
    let first = spans.find("first").unwrap();
    assert_eq!(first.trace_state().get("vendor0"), Some("value0"));
}
