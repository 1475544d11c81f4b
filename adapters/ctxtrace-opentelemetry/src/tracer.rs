//! [`OtelTracer`]: a ctxtrace [`Tracer`](ctxtrace::Tracer) over any
//! OpenTelemetry tracer.

use ctxtrace::{Level, LevelFilter, Logger, Record, SpanIds, TraceContext};
use opentelemetry::Context;
use opentelemetry::trace::{Span as _, SpanBuilder, SpanContext, TraceFlags, TraceState};

use crate::convert::{event_attributes, event_name};
use crate::{OtelSpan, OtelSpanRef};

/// A ctxtrace [`Tracer`](ctxtrace::Tracer) that starts OpenTelemetry spans on
/// the OpenTelemetry tracer `T` it wraps.
///
/// - A span's parent is the span carried by the [`Ctx`](ctxtrace::Ctx) it was
///   started from, passed to OpenTelemetry as the parent
///   [`Context`]. A span started from a root `Ctx` is a child of the
///   tracer's [root context](OtelTracer::with_root_context), which is empty
///   unless you set it: never the thread's current OpenTelemetry context.
/// - The OpenTelemetry trace and span ids are the ids that loggers see
///   ([`Record::span_ids`], [`Ctx::span_ids`](ctxtrace::Ctx::span_ids)).
/// - Span fields become typed attributes, entries logged under a span become
///   span events, and the status becomes the OpenTelemetry status plus an
///   `exception` event for errors. See the [crate docs](crate) for the
///   mapping.
///
/// Cloning is as cheap as cloning `T` and a [`Context`].
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, NopLogger, Span};
/// use ctxtrace_opentelemetry::OtelTracer;
/// use opentelemetry::trace::TracerProvider as _;
/// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
///
/// let exporter = InMemorySpanExporter::default();
/// let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
/// let ctx = Ctx::new(OtelTracer::new(provider.tracer("pod-sync")), NopLogger);
///
/// let (ctx, mut span) = ctx.start_span("sync_pod");
/// let _ctx = span.with_field(&ctx, "pod", "web-1");
/// span.end();
///
/// let spans = exporter.get_finished_spans().unwrap();
/// assert_eq!(spans[0].name, "sync_pod");
/// assert_eq!(spans[0].attributes[0].value.as_str(), "web-1");
/// ```
#[derive(Clone, Debug)]
pub struct OtelTracer<T> {
    tracer: T,
    root: Context,
    event_level: LevelFilter,
}

impl<T> OtelTracer<T> {
    /// Wraps an OpenTelemetry tracer. Root spans start a new trace, and
    /// entries at [`Level::Info`](ctxtrace::Level::Info) and above become span
    /// events (see [`with_event_level`](OtelTracer::with_event_level)).
    pub fn new(tracer: T) -> Self {
        OtelTracer {
            tracer,
            root: Context::new(),
            event_level: LevelFilter::Info,
        }
    }

    /// The same tracer, whose root spans are children of the span in `cx`
    /// (and which pass `cx`'s other entries, such as baggage, to
    /// OpenTelemetry). Use it to continue a trace that came in with a request,
    /// from a context that a propagator extracted.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopLogger};
    /// use ctxtrace_opentelemetry::OtelTracer;
    /// use opentelemetry::Context;
    /// use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, TracerProvider as _};
    /// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    ///
    /// let exporter = InMemorySpanExporter::default();
    /// let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
    /// let remote = SpanContext::new(
    ///     TraceId::from(0xabc_u128), SpanId::from(0x12_u64), TraceFlags::SAMPLED, true, TraceState::NONE,
    /// );
    /// let tracer = OtelTracer::new(provider.tracer("pod-sync"))
    ///     .with_root_context(Context::new().with_remote_span_context(remote));
    ///
    /// let (_ctx, span) = Ctx::new(tracer, NopLogger).start_span("handle_request");
    /// drop(span);
    /// let spans = exporter.get_finished_spans().unwrap();
    /// assert_eq!(spans[0].span_context.trace_id(), TraceId::from(0xabc_u128));
    /// assert_eq!(spans[0].parent_span_id, SpanId::from(0x12_u64));
    /// assert!(spans[0].parent_span_is_remote);
    /// ```
    #[must_use]
    pub fn with_root_context(self, cx: Context) -> Self {
        OtelTracer { root: cx, ..self }
    }

    /// The same tracer, turning into span events only the entries that
    /// `level` allows. The logger still gets every entry it wants.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, LevelFilter, NopLogger};
    /// use ctxtrace_opentelemetry::OtelTracer;
    /// use opentelemetry::trace::TracerProvider as _;
    /// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    ///
    /// let exporter = InMemorySpanExporter::default();
    /// let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
    /// let tracer = OtelTracer::new(provider.tracer("pod-sync")).with_event_level(LevelFilter::Info);
    ///
    /// let (ctx, span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
    /// ctxtrace::debug!(ctx, "not an event");
    /// ctxtrace::info!(ctx, "an event");
    /// drop(span);
    /// let spans = exporter.get_finished_spans().unwrap();
    /// assert_eq!(spans[0].events.len(), 1);
    /// assert_eq!(spans[0].events[0].name, "an event");
    /// ```
    #[must_use]
    pub fn with_event_level(self, level: LevelFilter) -> Self {
        OtelTracer {
            event_level: level,
            ..self
        }
    }

    /// The OpenTelemetry tracer.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace_opentelemetry::OtelTracer;
    /// use opentelemetry::trace::{Tracer as _, noop::NoopTracer};
    ///
    /// let tracer = OtelTracer::new(NoopTracer::new());
    /// let span = tracer.inner().start("outside ctxtrace");
    /// # use opentelemetry::trace::Span as _;
    /// assert!(!span.is_recording());
    /// ```
    pub fn inner(&self) -> &T {
        &self.tracer
    }

    /// The context root spans are started in (see
    /// [`with_root_context`](OtelTracer::with_root_context)).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace_opentelemetry::OtelTracer;
    /// use opentelemetry::trace::{TraceContextExt as _, noop::NoopTracer};
    ///
    /// let tracer = OtelTracer::new(NoopTracer::new());
    /// assert!(!tracer.root_context().has_active_span());
    /// ```
    pub fn root_context(&self) -> &Context {
        &self.root
    }

    /// The most verbose level whose entries become span events.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::LevelFilter;
    /// use ctxtrace_opentelemetry::OtelTracer;
    /// use opentelemetry::trace::noop::NoopTracer;
    ///
    /// let tracer = OtelTracer::new(NoopTracer::new());
    /// assert_eq!(tracer.event_level(), LevelFilter::Info);
    /// assert_eq!(tracer.with_event_level(LevelFilter::Warn).event_level(), LevelFilter::Warn);
    /// ```
    pub fn event_level(&self) -> LevelFilter {
        self.event_level
    }
}

impl<T> ctxtrace::Tracer for OtelTracer<T>
where
    T: opentelemetry::trace::Tracer + Clone,
    T::Span: Send + Sync + 'static,
{
    type Span = OtelSpan<T::Span>;
    type SpanRef = Option<OtelSpanRef<T::Span>>;

    fn start_span(&self, parent: &Self::SpanRef, name: &'static str) -> Self::Span {
        let parent_cx = match parent {
            Some(parent) => parent.context(),
            None => &self.root,
        };
        let span = self
            .tracer
            .build_with_context(SpanBuilder::from_name(name), parent_cx);
        OtelSpan::new(span, parent_cx)
    }

    #[inline]
    fn event_enabled(&self, span: &Self::SpanRef, level: Level) -> bool {
        matches!(span, Some(span) if span.is_recording()) && self.event_level.allows(level)
    }

    fn add_event<L: Logger>(&self, span: &Self::SpanRef, record: &Record<'_>, context: &L) {
        let Some(span) = span else { return };
        if !span.is_recording() || !self.event_level.allows(record.level()) {
            return;
        }
        // Everything is built before the span is locked: a `Display` that
        // logs into the same span must not find it locked.
        let name = event_name(record);
        let attributes = event_attributes(record, context);
        span.with_span(|s| s.add_event(name, attributes));
    }

    fn span_ids(&self, span: &Self::SpanRef) -> Option<SpanIds> {
        span.as_ref().and_then(OtelSpanRef::ids)
    }

    /// A remote [`SpanContext`] with the same ids, flags and `tracestate` as
    /// OpenTelemetry's `TraceContextPropagator` extracts from the same
    /// headers; the next span is its child, in the root context.
    fn remote_parent(&self, remote: &TraceContext) -> Self::SpanRef {
        Some(OtelSpanRef::remote(span_context_of(remote), &self.root))
    }

    /// The span's span context, as OpenTelemetry's `TraceContextPropagator`
    /// would inject it. `None` when it is not valid (a no-op tracer).
    fn trace_context(&self, span: &Self::SpanRef) -> Option<TraceContext> {
        let span_context = span.as_ref()?.span_context();
        span_context
            .is_valid()
            .then(|| trace_context_of(span_context))
    }
}

/// The remote span context of an incoming trace context.
fn span_context_of(remote: &TraceContext) -> SpanContext {
    let state = if remote.state.is_empty() {
        TraceState::NONE
    } else {
        remote.state.as_str().parse().unwrap_or(TraceState::NONE)
    };
    SpanContext::new(
        opentelemetry::trace::TraceId::from(remote.parent.trace_id.0),
        opentelemetry::trace::SpanId::from(remote.parent.parent_id.0),
        TraceFlags::new(remote.parent.flags.known().0),
        true,
        state,
    )
}

/// The trace context to send for a span context.
fn trace_context_of(span_context: &SpanContext) -> TraceContext {
    let parent = ctxtrace::TraceParent {
        trace_id: ctxtrace::TraceId(u128::from_be_bytes(span_context.trace_id().to_bytes())),
        parent_id: ctxtrace::SpanId(u64::from_be_bytes(span_context.span_id().to_bytes())),
        flags: ctxtrace::TraceFlags(span_context.trace_flags().to_u8()).known(),
    };
    let header = span_context.trace_state().header();
    TraceContext {
        parent,
        state: ctxtrace::TraceState::parse(&header).unwrap_or_default(),
    }
}
