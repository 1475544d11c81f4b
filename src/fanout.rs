//! Fan-out: a pair `(A, B)` is a tracer, a span or a logger that sends
//! everything to both parts.
//!
//! ```
//! use ctxtrace::{Ctx, MemoryLogger, MemoryTracer, NopTracer, NopLogger};
//!
//! let (t1, t2) = (MemoryTracer::new(), MemoryTracer::new());
//! let (l1, l2) = (MemoryLogger::new(), MemoryLogger::new());
//! let ctx = Ctx::new((t1.clone(), t2.clone()), (l1.clone(), l2.clone()));
//! let (ctx, span) = ctx.start_span("sync");
//! ctxtrace::info!(ctx, "both");
//! drop(span);
//! assert_eq!((t1.spans().len(), t2.spans().len()), (1, 1));
//! assert_eq!((l1.entries().len(), l2.entries().len()), (1, 1));
//!
//! // Two nops are still nothing.
//! assert_eq!(std::mem::size_of::<Ctx<(NopTracer, NopTracer), (NopLogger, NopLogger)>>(), 0);
//! ```

use core::fmt;

use crate::{
    ErrorStatus, Level, LevelFilter, Logger, Record, Span, SpanIds, StatusCode, TraceContext,
    TraceId, Tracer, Value,
};

/// A pair of tracers starts a span in both. The span ids that loggers see are
/// the first part's, or the second's when the first has none.
impl<A: Tracer, B: Tracer> Tracer for (A, B) {
    type Span = (A::Span, B::Span);
    type SpanRef = (A::SpanRef, B::SpanRef);
    const ENABLED: bool = A::ENABLED || B::ENABLED;
    const MAX_EVENT_LEVEL: LevelFilter = A::MAX_EVENT_LEVEL.max(B::MAX_EVENT_LEVEL);

    /// Starts both spans, then gives each part whose span
    /// [takes span ids](Span::TAKES_SPAN_IDS) the other part's ids: with
    /// `(MemoryTracer, TracingTracer)`, the `tracing` span carries the ids of
    /// the memory span. Two spans that take none cost nothing more.
    #[inline]
    fn start_span(&self, parent: &Self::SpanRef, name: &'static str) -> Self::Span {
        let a = self.0.start_span(&parent.0, name);
        let b = self.1.start_span(&parent.1, name);
        share_ids(self, a, b)
    }

    /// Starts both root spans in the trace `trace_id`, and shares ids as
    /// [`start_span`](Tracer::start_span) does.
    #[inline]
    fn start_root_in(&self, trace_id: TraceId, name: &'static str) -> Self::Span {
        let a = self.0.start_root_in(trace_id, name);
        let b = self.1.start_root_in(trace_id, name);
        share_ids(self, a, b)
    }

    #[inline]
    fn event_enabled(&self, span: &Self::SpanRef, level: Level) -> bool {
        (A::ENABLED && A::MAX_EVENT_LEVEL.allows(level) && self.0.event_enabled(&span.0, level))
            || (B::ENABLED
                && B::MAX_EVENT_LEVEL.allows(level)
                && self.1.event_enabled(&span.1, level))
    }

    #[inline]
    fn add_event<L: Logger>(&self, span: &Self::SpanRef, record: &Record<'_>, context: &L) {
        let level = record.level();
        if A::ENABLED && A::MAX_EVENT_LEVEL.allows(level) && self.0.event_enabled(&span.0, level) {
            self.0.add_event(&span.0, record, context);
        }
        if B::ENABLED && B::MAX_EVENT_LEVEL.allows(level) && self.1.event_enabled(&span.1, level) {
            self.1.add_event(&span.1, record, context);
        }
    }

    #[inline]
    fn in_scope<R>(&self, span: &Self::SpanRef, f: impl FnOnce() -> R) -> R {
        self.0.in_scope(&span.0, || self.1.in_scope(&span.1, f))
    }

    #[inline]
    fn span_ids(&self, span: &Self::SpanRef) -> Option<SpanIds> {
        let first = if A::ENABLED {
            self.0.span_ids(&span.0)
        } else {
            None
        };
        first.or_else(|| {
            if B::ENABLED {
                self.1.span_ids(&span.1)
            } else {
                None
            }
        })
    }

    /// Both parts continue the remote trace.
    #[inline]
    fn remote_parent(&self, remote: &TraceContext) -> Self::SpanRef {
        (self.0.remote_parent(remote), self.1.remote_parent(remote))
    }

    /// The first part's context, or the second's when the first has none.
    #[inline]
    fn trace_context(&self, span: &Self::SpanRef) -> Option<TraceContext> {
        self.0
            .trace_context(&span.0)
            .or_else(|| self.1.trace_context(&span.1))
    }
}

/// Gives each part whose span takes span ids the other part's.
#[inline]
fn share_ids<A: Tracer, B: Tracer>(
    tracers: &(A, B),
    mut a: A::Span,
    mut b: B::Span,
) -> (A::Span, B::Span) {
    if B::Span::TAKES_SPAN_IDS && A::ENABLED {
        if let Some(ids) = tracers.0.span_ids(&a.span_ref()) {
            b.set_span_ids(ids);
        }
    }
    if A::Span::TAKES_SPAN_IDS && B::ENABLED {
        if let Some(ids) = tracers.1.span_ids(&b.span_ref()) {
            a.set_span_ids(ids);
        }
    }
    (a, b)
}

/// A pair of spans sets everything on both; dropping the pair ends both, the
/// first part first.
impl<A: Span, B: Span> Span for (A, B) {
    type Ref = (A::Ref, B::Ref);
    const RECORDING: bool = A::RECORDING || B::RECORDING;

    #[inline]
    fn span_ref(&self) -> Self::Ref {
        (self.0.span_ref(), self.1.span_ref())
    }

    const TAKES_SPAN_IDS: bool = A::TAKES_SPAN_IDS || B::TAKES_SPAN_IDS;

    #[inline]
    fn set_span_ids(&mut self, ids: SpanIds) {
        self.0.set_span_ids(ids);
        self.1.set_span_ids(ids);
    }

    #[inline]
    fn set_attribute(&mut self, key: &'static str, value: Value<'_>) {
        self.0.set_attribute(key, value);
        self.1.set_attribute(key, value);
    }

    #[inline]
    fn record_status(&mut self, code: StatusCode, message: &dyn fmt::Display) {
        self.0.record_status(code, message);
        self.1.record_status(code, message);
    }

    // Each part sets its status its own way, so a part that does nothing
    // (the nop span) does not pay for the error's classification.
    #[inline]
    fn set_status<V, E: ErrorStatus<Via>, Via>(&mut self, result: &Result<V, E>) {
        self.0.set_status(result);
        self.1.set_status(result);
    }

    #[inline]
    fn set_error<E: ErrorStatus<Via> + ?Sized, Via>(&mut self, err: &E) {
        self.0.set_error(err);
        self.1.set_error(err);
    }
}

/// A pair of loggers writes each entry to every part that enables its level.
/// The pair's compile-time level is the wider of the two, and each part's own
/// compile-time and runtime checks still apply to it.
impl<A: Logger, B: Logger> Logger for (A, B) {
    const MAX_LEVEL: LevelFilter = A::MAX_LEVEL.max(B::MAX_LEVEL);

    #[inline]
    fn enabled(&self, level: Level) -> bool {
        (A::MAX_LEVEL.allows(level) && self.0.enabled(level))
            || (B::MAX_LEVEL.allows(level) && self.1.enabled(level))
    }

    #[inline]
    fn with_field(&self, key: &'static str, value: Value<'_>) -> Self {
        (self.0.with_field(key, value), self.1.with_field(key, value))
    }

    #[inline]
    fn with_method(&self, name: &'static str) -> Self {
        (self.0.with_method(name), self.1.with_method(name))
    }

    #[inline]
    fn for_thread(&self) -> Self {
        (self.0.for_thread(), self.1.for_thread())
    }

    #[inline]
    fn with_field_for_events(&self, key: &'static str, value: Value<'_>) -> Self {
        (
            self.0.with_field_for_events(key, value),
            self.1.with_field_for_events(key, value),
        )
    }

    /// Both parts were given the same fields: the first part's, or the second
    /// part's when the first keeps none (a nop logger).
    #[inline]
    fn for_each_field(&self, mut f: impl FnMut(&'static str, Value<'_>)) {
        let mut any = false;
        self.0.for_each_field(|key, value| {
            any = true;
            f(key, value);
        });
        if !any {
            self.1.for_each_field(f);
        }
    }

    #[inline]
    fn has_fields(&self) -> bool {
        self.0.has_fields() || self.1.has_fields()
    }

    #[inline]
    fn log(&self, record: &Record<'_>) {
        let level = record.level();
        if A::MAX_LEVEL.allows(level) && self.0.enabled(level) {
            self.0.log(record);
        }
        if B::MAX_LEVEL.allows(level) && self.1.enabled(level) {
            self.1.log(record);
        }
    }
}
