//! A tracer by reference: `&T` is a [`Tracer`] wherever `T` is one.

use crate::{Level, LevelFilter, Logger, Record, SpanIds, TraceContext, TraceId, Tracer};

/// A borrowed tracer: a `Ctx<&T, L>` copies a pointer where a `Ctx<T, L>`
/// clones its tracer, for every span and field. For a tracer behind an
/// `Arc` that is a reference count less, twice, per `Ctx`: a loop that
/// lives inside the tracer's scope (a worker thread, a scoped thread, a
/// test) pays nothing to carry it. A task that must be `'static`, such as
/// one given to `tokio::spawn`, takes the tracer itself.
///
/// Spans and their references are those of `T`: the same spans are
/// recorded, and a reference made under `&T` works with `T`.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
///
/// let tracer = MemoryTracer::new();
/// let root = Ctx::new(&tracer, NopLogger);
/// std::thread::scope(|s| {
///     s.spawn(|| drop(root.start_span("sync_pod")));
/// });
/// assert_eq!(tracer.spans().find("sync_pod").unwrap().name(), "sync_pod");
/// ```
impl<T: Tracer> Tracer for &T {
    type Span = T::Span;
    type SpanRef = T::SpanRef;
    const ENABLED: bool = T::ENABLED;
    const MAX_EVENT_LEVEL: LevelFilter = T::MAX_EVENT_LEVEL;

    #[inline(always)]
    fn start_span(&self, parent: &Self::SpanRef, name: &'static str) -> Self::Span {
        (**self).start_span(parent, name)
    }

    #[inline]
    fn start_root_in(&self, trace_id: TraceId, name: &'static str) -> Self::Span {
        (**self).start_root_in(trace_id, name)
    }

    #[inline]
    fn event_enabled(&self, span: &Self::SpanRef, level: Level) -> bool {
        (**self).event_enabled(span, level)
    }

    #[inline]
    fn add_event<L: Logger>(&self, span: &Self::SpanRef, record: &Record<'_>, context: &L) {
        (**self).add_event(span, record, context)
    }

    #[inline]
    fn in_scope<R>(&self, span: &Self::SpanRef, f: impl FnOnce() -> R) -> R {
        (**self).in_scope(span, f)
    }

    #[inline]
    fn span_ids(&self, span: &Self::SpanRef) -> Option<SpanIds> {
        (**self).span_ids(span)
    }

    #[inline]
    fn remote_parent(&self, remote: &TraceContext) -> Self::SpanRef {
        (**self).remote_parent(remote)
    }

    #[inline]
    fn trace_context(&self, span: &Self::SpanRef) -> Option<TraceContext> {
        (**self).trace_context(span)
    }
}
