//! [`PassThroughTracer`]: records nothing, but hands an incoming trace
//! context on unchanged, as a proxy does.

use core::fmt;

use crate::{
    Level, LevelFilter, Logger, Record, Span, SpanIds, StatusCode, TraceContext, Tracer, Value,
};

/// A tracer that records nothing but passes an incoming W3C trace context
/// through unchanged: every call made under a
/// [`Ctx::with_remote_parent`](crate::Ctx::with_remote_parent) context
/// sends the same `traceparent` and `tracestate` that came in, as the
/// specification says of pass-through services. Loggers write the remote
/// trace and span ids, so an agent that records no spans still correlates
/// its lines with the trace.
///
/// It is the nop tracer for an agent that must still propagate. Unlike
/// [`NopTracer`](crate::NopTracer) it is not zero-cost: its span reference
/// is an `Option<TraceContext>` (about 540 bytes, no allocation) that each
/// `Ctx` under it copies. `Ctx<NopTracer, NopLogger>` stays zero-sized and
/// does not propagate. In the core: no `std`, no allocator.
///
/// A future `traceparent` version is sent on as version `00`, the highest
/// this crate knows, with the same ids and flags.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, NopLogger, PassThroughTracer, TraceContext};
///
/// let incoming = [
///     ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
///     ("tracestate", "congo=t61rcWkgMzE"),
/// ];
/// let remote = TraceContext::from_headers(incoming).unwrap();
/// let ctx = Ctx::new(PassThroughTracer, NopLogger).with_remote_parent(&remote);
/// let (ctx, _span) = ctx.start_span("handle");
/// let mut sent = Vec::new();
/// ctx.inject(|name, value| sent.push((name, value.to_string())));
/// assert_eq!(sent, [("traceparent", incoming[0].1.to_string()), ("tracestate", incoming[1].1.to_string())]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PassThroughTracer;

impl PassThroughTracer {
    /// The pass-through tracer. A `const fn`, so it can build constants.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopLogger, PassThroughTracer};
    ///
    /// const TRACER: PassThroughTracer = PassThroughTracer::new();
    /// assert_eq!(Ctx::new(TRACER, NopLogger).trace_context(), None);
    /// ```
    pub const fn new() -> Self {
        PassThroughTracer
    }
}

/// The span of [`PassThroughTracer`]: it keeps nothing but the remote
/// context it was started under, which its children carry on.
///
/// # Examples
///
/// ```
/// use ctxtrace::{PassThroughSpan, Span};
///
/// let span = PassThroughSpan::new(None);
/// assert!(!span.is_recording());
/// assert_eq!(span.span_ref(), None);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PassThroughSpan {
    remote: Option<TraceContext>,
}

impl PassThroughSpan {
    /// A span under `remote`, or under no trace.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{PassThroughSpan, Span, TraceContext, TraceParent};
    ///
    /// let parent = TraceParent::parse("00-12345678901234567890123456789012-1234567890123456-01").unwrap();
    /// let span = PassThroughSpan::new(Some(TraceContext::new(parent)));
    /// assert_eq!(span.span_ref().unwrap().parent, parent);
    /// ```
    pub const fn new(remote: Option<TraceContext>) -> Self {
        PassThroughSpan { remote }
    }
}

impl Tracer for PassThroughTracer {
    type Span = PassThroughSpan;
    type SpanRef = Option<TraceContext>;
    const MAX_EVENT_LEVEL: LevelFilter = LevelFilter::Off;

    #[inline]
    fn start_span(&self, parent: &Option<TraceContext>, _name: &'static str) -> PassThroughSpan {
        PassThroughSpan { remote: *parent }
    }

    #[inline]
    fn event_enabled(&self, _span: &Option<TraceContext>, _level: Level) -> bool {
        false
    }

    #[inline]
    fn add_event<L: Logger>(&self, _span: &Option<TraceContext>, _record: &Record<'_>, _: &L) {}

    /// The remote trace id and the remote parent's span id.
    #[inline]
    fn span_ids(&self, span: &Option<TraceContext>) -> Option<SpanIds> {
        span.as_ref().map(|remote| SpanIds {
            trace_id: remote.parent.trace_id,
            span_id: remote.parent.parent_id,
        })
    }

    #[inline]
    fn remote_parent(&self, remote: &TraceContext) -> Option<TraceContext> {
        Some(*remote)
    }

    #[inline]
    fn trace_context(&self, span: &Option<TraceContext>) -> Option<TraceContext> {
        *span
    }
}

impl Span for PassThroughSpan {
    type Ref = Option<TraceContext>;
    const RECORDING: bool = false;

    #[inline]
    fn span_ref(&self) -> Option<TraceContext> {
        self.remote
    }

    #[inline]
    fn set_attribute(&mut self, _key: &'static str, _value: Value<'_>) {}

    #[inline]
    fn record_status(&mut self, _code: StatusCode, _message: &dyn fmt::Display) {}
}
