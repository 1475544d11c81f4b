//! W3C trace context and `TracingTracer`: a `tracing` span has no ids, so
//! the tracer alone cannot continue or send a trace; paired with a tracer
//! that has ids, the pair does, and `tracing` events carry the remote trace.

use ctxtrace::{Ctx, MemoryLogger, MemoryTracer, NopLogger, TraceContext};
use ctxtrace_tracing::{CtxtraceLayer, TracingTracer};
use tracing_subscriber::layer::SubscriberExt as _;

const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[test]
fn tracing_tracer_alone_sends_nothing() {
    let remote = TraceContext::from_values(TP, ["congo=t61rcWkgMzE"]).unwrap();
    let ctx = Ctx::new(TracingTracer::new(), NopLogger).with_remote_parent(&remote);
    let (ctx, _span) = ctx.start_span("handle");
    assert_eq!(ctx.trace_context(), None);
    let mut sent = 0;
    ctx.inject(|_, _| sent += 1);
    assert_eq!(sent, 0);
}

#[test]
fn paired_with_the_recorder_it_continues_the_remote_trace() {
    let remote = TraceContext::from_values(TP, ["congo=t61rcWkgMzE"]).unwrap();
    let logger = MemoryLogger::new();
    let subscriber = tracing_subscriber::registry().with(CtxtraceLayer::new(logger.clone()));
    let memory = MemoryTracer::new();
    let ctx =
        Ctx::new((memory.clone(), TracingTracer::new()), NopLogger).with_remote_parent(&remote);
    let sent = tracing::subscriber::with_default(subscriber, || {
        ctx.in_span("handle", |ctx| {
            tracing::info!("a dependency's event");
            Ok::<_, std::io::Error>(ctx.trace_context().unwrap())
        })
        .unwrap()
    });
    let spans = memory.spans();
    let handle = spans.find("handle").unwrap();
    assert_eq!(handle.trace_id(), remote.parent.trace_id);
    assert_eq!(handle.parent_id(), Some(remote.parent.parent_id));
    assert_eq!(sent.parent.trace_id, remote.parent.trace_id);
    assert_eq!(sent.parent.parent_id, handle.span_id());
    assert_eq!(sent.state, remote.state);
    let entry = &logger.entries()[0];
    assert_eq!(entry.span_ids(), Some(handle.ids()));
}
