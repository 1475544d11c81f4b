//! [`Ctx`]: the immutable context that carries a tracer, a logger and the
//! current span.

use core::fmt;
use core::future::{Future, poll_fn};
use core::pin::pin;

use crate::{
    Callsite, ErrorStatus, Field, Level, LevelFilter, Logger, Record, Span, SpanIds, StatusCode,
    ToValue, TraceContext, Tracer,
};

/// The context that instrumented code takes: a tracer, a logger and the
/// current span, all chosen at compile time.
///
/// A `Ctx` is immutable. [`start_span`](Ctx::start_span) and
/// [`with_field`](Ctx::with_field) return a new `Ctx` and leave the old one as
/// it was. It is [`Clone`], and [`Send`] and [`Sync`] when its tracer and logger
/// are, so it can be moved into threads and async tasks: the parent of a span is
/// always the span carried by the `Ctx` it was started from, never "the current
/// span of this thread".
///
/// `Ctx<NopTracer, NopLogger>` is zero-sized, and code instrumented with it
/// compiles to the same instructions as code without instrumentation.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, Logger, MemoryLogger, MemoryTracer, NopLogger, NopTracer, Span, Tracer};
///
/// fn sync_pod(ctx: &Ctx<impl Tracer, impl Logger>, pod: &str) -> Result<(), std::io::Error> {
///     let (ctx, mut span) = ctx.start_span("sync_pod");
///     let ctx = span.with_field(&ctx, "pod", pod);
///     ctxtrace::info!(ctx, "syncing {} containers", 2);
///     let result = Ok(());
///     span.set_status(&result);
///     result
/// }
///
/// // Nothing listens: zero-sized, compiles away.
/// assert_eq!(std::mem::size_of::<Ctx<NopTracer, NopLogger>>(), 0);
/// sync_pod(&Ctx::new(NopTracer, NopLogger), "web-1").unwrap();
///
/// // A test records everything.
/// let (tracer, logger) = (MemoryTracer::new(), MemoryLogger::new());
/// sync_pod(&Ctx::new(tracer.clone(), logger.clone()), "web-1").unwrap();
/// let entry = &logger.entries()[0];
/// assert_eq!(entry.message(), "syncing 2 containers");
/// assert_eq!(entry.field("pod").unwrap().to_string(), "web-1");
/// assert_eq!(entry.method(), Some("sync_pod"));
/// assert_eq!(tracer.spans().find("sync_pod").unwrap().events().count(), 1);
/// ```
pub struct Ctx<T: Tracer, L: Logger> {
    tracer: T,
    logger: L,
    span: T::SpanRef,
}

impl<T: Tracer, L: Logger> Ctx<T, L> {
    /// The most verbose level that any entry through this `Ctx` type can have:
    /// the wider of the logger's level and the tracer's event level. Entries
    /// above it are removed at compile time.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, LevelFilter, MemoryLogger, MemoryTracer, NopLogger, NopTracer};
    ///
    /// assert_eq!(Ctx::<NopTracer, NopLogger>::MAX_LEVEL, LevelFilter::Off);
    /// assert_eq!(Ctx::<NopTracer, MemoryLogger>::MAX_LEVEL, LevelFilter::Trace);
    /// // The tracer alone is enough: entries become span events.
    /// assert_eq!(Ctx::<MemoryTracer, NopLogger>::MAX_LEVEL, LevelFilter::Trace);
    /// ```
    pub const MAX_LEVEL: LevelFilter = L::MAX_LEVEL.max(T::MAX_EVENT_LEVEL);

    /// A root context: no current span, so the first span started from it is a
    /// root span.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopLogger, NopTracer};
    ///
    /// let ctx = Ctx::new(NopTracer, NopLogger);
    /// assert_eq!(ctx.span_ids(), None);
    /// ```
    #[inline]
    pub fn new(tracer: T, logger: L) -> Self {
        Ctx {
            tracer,
            logger,
            span: T::SpanRef::default(),
        }
    }

    /// A context from its parts, usable in constants.
    pub(crate) const fn from_parts(tracer: T, logger: L, span: T::SpanRef) -> Self {
        Ctx {
            tracer,
            logger,
            span,
        }
    }

    /// The tracer.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    ///
    /// let ctx = Ctx::new(MemoryTracer::new(), NopLogger);
    /// drop(ctx.start_span("sync"));
    /// assert_eq!(ctx.tracer().spans().len(), 1);
    /// ```
    #[inline]
    pub fn tracer(&self) -> &T {
        &self.tracer
    }

    /// The logger, with every field added so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, Level, Logger, MemoryLogger, NopTracer, Record};
    ///
    /// let ctx = Ctx::new(NopTracer, MemoryLogger::new()).with_field("pod", "web-1");
    /// ctx.logger().log(&Record::new(Level::Info, format_args!("direct"), &[]));
    /// let entries = ctx.logger().entries();
    /// assert_eq!(entries[0].field("pod").unwrap().to_string(), "web-1");
    /// ```
    #[inline]
    pub fn logger(&self) -> &L {
        &self.logger
    }

    /// The reference to the current span ("no span" in a root context).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span};
    ///
    /// let root = Ctx::new(MemoryTracer::new(), NopLogger);
    /// assert_eq!(*root.span_ref(), None);
    /// let (ctx, span) = root.start_span("sync");
    /// assert_eq!(*ctx.span_ref(), span.span_ref());
    /// ```
    #[inline]
    pub fn span_ref(&self) -> &T::SpanRef {
        &self.span
    }

    /// The trace and span ids of the current span, if the tracer has ids.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    ///
    /// let ctx = Ctx::new(MemoryTracer::new(), NopLogger);
    /// let (child, _span) = ctx.start_span("sync");
    /// assert!(child.span_ids().is_some());
    /// ```
    #[inline]
    pub fn span_ids(&self) -> Option<SpanIds> {
        if T::ENABLED {
            self.tracer.span_ids(&self.span)
        } else {
            None
        }
    }

    /// Starts a span named `name` as a child of this context's span, and
    /// returns a context that carries it together with the span itself.
    ///
    /// The returned context's logger writes `method = <name>` on every entry.
    /// The span ends when it is dropped or on [`Span::end`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::new();
    /// let root = Ctx::new(tracer.clone(), NopLogger);
    /// let (ctx, outer) = root.start_span("handle_queue_item");
    /// let (_ctx, inner) = ctx.start_span("sync_pod");
    /// drop((inner, outer));
    /// let spans = tracer.spans();
    /// let inner = spans.find("sync_pod").unwrap();
    /// assert_eq!(spans.parent(inner).unwrap().name(), "handle_queue_item");
    /// ```
    #[inline(always)]
    #[must_use = "the span ends as soon as it is dropped"]
    pub fn start_span(&self, name: &'static str) -> (Self, T::Span) {
        let span = self.tracer.start_span(&self.span, name);
        let ctx = Ctx {
            tracer: self.tracer.clone(),
            logger: self.logger.with_method(name),
            span: span.span_ref(),
        };
        (ctx, span)
    }

    /// This context with another current span: spans started from it are its
    /// children and its entries are events on it. Use it to continue a trace
    /// from a span reference that arrived from elsewhere, for example a
    /// remote parent that an adapter's tracer built.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::new();
    /// let root = Ctx::new(tracer.clone(), NopLogger);
    /// let (parent, span) = root.start_span("handleQueueItem");
    /// let (_, child) = root.with_span_ref(parent.span_ref().clone()).start_span("syncPod");
    /// drop((child, span));
    /// let spans = tracer.spans();
    /// let child = spans.find("syncPod").unwrap();
    /// assert_eq!(spans.parent(child).unwrap().name(), "handleQueueItem");
    /// ```
    #[inline]
    #[must_use]
    pub fn with_span_ref(&self, span: T::SpanRef) -> Self {
        Ctx {
            tracer: self.tracer.clone(),
            logger: self.logger.clone(),
            span,
        }
    }

    /// This context continued from a remote parent: the next span started
    /// from it is a child of the remote span `remote.parent.parent_id`, in
    /// the trace `remote.parent.trace_id`, with the remote flags and
    /// `tracestate` passed on. The logger stays as it is, and the ids that
    /// loggers write come from the tracer as for any span.
    ///
    /// Each tracer decides what it keeps ([`Tracer::remote_parent`]): the
    /// [`MemoryTracer`](crate::MemoryTracer) records the remote parent, the
    /// [`PassThroughTracer`](crate::PassThroughTracer) hands the context on
    /// unchanged, and the [`NopTracer`](crate::NopTracer) keeps nothing, so
    /// that `Ctx<NopTracer, NopLogger>` stays zero-sized.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, TraceContext};
    ///
    /// let incoming = [("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")];
    /// let remote = TraceContext::from_headers(incoming).unwrap();
    /// let tracer = MemoryTracer::new();
    /// let ctx = Ctx::new(tracer.clone(), NopLogger).with_remote_parent(&remote);
    /// let (ctx, span) = ctx.start_span("handle");
    /// let sent = ctx.trace_context().unwrap();
    /// drop(span);
    ///
    /// let spans = tracer.spans();
    /// let handle = spans.find("handle").unwrap();
    /// assert_eq!(handle.trace_id(), remote.parent.trace_id);
    /// assert_eq!(handle.parent_id(), Some(remote.parent.parent_id));
    /// assert_eq!(sent.parent.trace_id, remote.parent.trace_id);
    /// assert_eq!(sent.parent.parent_id, handle.span_id());
    /// ```
    #[inline]
    #[must_use]
    pub fn with_remote_parent(&self, remote: &TraceContext) -> Self {
        self.with_span_ref(self.tracer.remote_parent(remote))
    }

    /// The trace context for a call made from this context: the current
    /// span's trace id, its id as the callee's parent, its flags and the
    /// `tracestate` it carries. `None` when the tracer has none to send (the
    /// [`NopTracer`](crate::NopTracer), or a root context with no remote
    /// parent).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, NopTracer};
    ///
    /// let (ctx, _span) = Ctx::new(MemoryTracer::new(), NopLogger).start_span("sync");
    /// let sent = ctx.trace_context().unwrap();
    /// assert_eq!(sent.parent.parent_id, ctx.span_ids().unwrap().span_id);
    /// assert!(sent.parent.flags.is_sampled());
    /// assert_eq!(Ctx::new(NopTracer, NopLogger).trace_context(), None);
    /// ```
    #[inline]
    pub fn trace_context(&self) -> Option<TraceContext> {
        self.tracer.trace_context(&self.span)
    }

    /// Gives the headers for an outgoing call to `set(name, value)`:
    /// `traceparent`, then `tracestate` when it is not empty. Nothing when
    /// there is no [`trace_context`](Ctx::trace_context). The `traceparent`
    /// value is formatted on the stack, with no allocation.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    ///
    /// let (ctx, _span) = Ctx::new(MemoryTracer::new(), NopLogger).start_span("sync");
    /// let mut headers = Vec::new();
    /// ctx.inject(|name, value| headers.push((name, value.to_string())));
    /// assert_eq!(headers[0].0, "traceparent");
    /// assert_eq!(headers[0].1, ctx.trace_context().unwrap().parent.to_string());
    /// ```
    #[inline]
    pub fn inject<F: FnMut(&'static str, &str)>(&self, set: F) {
        if let Some(context) = self.trace_context() {
            context.inject(set);
        }
    }

    /// A context whose logger writes `key = value` on every later entry. The
    /// span is not touched: use [`Span::with_field`] to set both.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::new();
    /// let ctx = Ctx::new(NopTracer, logger.clone()).with_field("workerId", 3);
    /// ctxtrace::info!(ctx, "started");
    /// assert_eq!(logger.entries()[0].field("workerId").unwrap().to_string(), "3");
    /// ```
    #[inline]
    #[must_use]
    pub fn with_field<V: ToValue>(&self, key: &'static str, value: V) -> Self {
        self.with_logger(Self::logger_with_field(&self.logger, key, value.to_value()))
    }

    /// What [`with_field`](Ctx::with_field) makes of `logger`: the logger with
    /// the field, kept for span events too
    /// ([`Logger::with_field_for_events`]) when the tracer's type can record
    /// them. For a [`Span`] that overrides [`Span::with_fields`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, Logger, MemoryTracer, NopTracer, JsonLogger, Value};
    ///
    /// let logger = JsonLogger::new(Vec::new());
    /// let count = |l: &JsonLogger<Vec<u8>>| { let mut n = 0; l.for_each_field(|_, _| n += 1); n };
    /// let for_nop = Ctx::<NopTracer, _>::logger_with_field(&logger, "pod", Value::Str("web-1"));
    /// let for_memory = Ctx::<MemoryTracer, _>::logger_with_field(&logger, "pod", Value::Str("web-1"));
    /// assert_eq!((count(&for_nop), count(&for_memory)), (0, 1));
    /// ```
    #[inline]
    pub fn logger_with_field(logger: &L, key: &'static str, value: crate::Value<'_>) -> L {
        if T::ENABLED && !matches!(T::MAX_EVENT_LEVEL, LevelFilter::Off) {
            logger.with_field_for_events(key, value)
        } else {
            logger.with_field(key, value)
        }
    }

    /// This context with another logger of the same type. The tracer and the
    /// current span stay as they were.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, LevelFilter, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::new();
    /// let ctx = Ctx::new(NopTracer, logger.clone());
    /// let quiet = ctx.with_logger(ctx.logger().clone().with_level(LevelFilter::Warn));
    /// ctxtrace::info!(quiet, "left out");
    /// ctxtrace::warn!(quiet, "kept");
    /// assert_eq!(logger.entries().len(), 1);
    /// ```
    #[inline]
    #[must_use]
    pub fn with_logger(&self, logger: L) -> Self {
        Ctx {
            tracer: self.tracer.clone(),
            logger,
            span: self.span.clone(),
        }
    }

    /// This context for a worker thread: the same tracer and span, with the
    /// logger's [`for_thread`](Logger::for_thread) clone. Call it once when
    /// the thread starts, and start the thread's spans from it: the loggers
    /// made for them then count their references on a cache line of that
    /// thread's own, instead of one that every thread writes.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, JsonLogger, NopTracer};
    ///
    /// let logger = JsonLogger::new(Vec::new()).without_time();
    /// let root = Ctx::new(NopTracer, logger.clone());
    /// std::thread::scope(|s| {
    ///     for worker in 0..2 {
    ///         let ctx = root.for_thread().with_field("workerId", worker);
    ///         s.spawn(move || ctxtrace::info!(ctx, "started"));
    ///     }
    /// });
    /// assert_eq!(logger.lines(), 2);
    /// ```
    #[inline]
    #[must_use]
    pub fn for_thread(&self) -> Self {
        self.with_logger(self.logger.for_thread())
    }

    /// Runs `f` in a new span named `name` and sets the span's status from the
    /// result `f` returns. Instrumenting a function then takes one line.
    ///
    /// The error can be of any type that [`Span::set_status`] takes: every
    /// `std::error::Error`, boxed errors, and reports such as `anyhow::Error`.
    /// A panic in `f` ends the span with an error status.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, StatusCode};
    /// use std::io;
    ///
    /// let tracer = MemoryTracer::new();
    /// let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let result: Result<(), io::Error> =
    ///     ctx.in_span("provider.delete_pod", |_ctx| Err(io::ErrorKind::NotFound.into()));
    /// assert!(result.is_err());
    /// let spans = tracer.spans();
    /// let code = spans.find("provider.delete_pod").unwrap().status().code();
    /// assert_eq!(code, Some(StatusCode::NotFound));
    /// ```
    #[inline]
    pub fn in_span<R, E, Via, F>(&self, name: &'static str, f: F) -> Result<R, E>
    where
        E: ErrorStatus<Via>,
        F: FnOnce(&Self) -> Result<R, E>,
    {
        let (ctx, mut span) = self.start_span(name);
        let result = ctx.tracer.in_scope(&ctx.span, || f(&ctx));
        span.set_status(&result);
        span.end();
        result
    }

    /// [`in_span`](Ctx::in_span) for futures: runs the future that `f` makes
    /// from the child `Ctx` in a new span named `name`, and sets the span's
    /// status from the `Result` it returns.
    ///
    /// - The span starts when the returned future is first polled and ends
    ///   when it completes, so its duration covers every `.await` in between.
    /// - A future dropped before it completes, such as one that
    ///   `tokio::time::timeout` gave up on or a task that was aborted, ends its
    ///   span with [`StatusCode::Cancelled`](crate::StatusCode::Cancelled)
    ///   and the message `cancelled: the future was dropped before it
    ///   completed`.
    /// - A panic while it is polled ends the span with an error status, as
    ///   for any span dropped while its thread panics.
    ///
    /// The parent is this `Ctx`'s span, carried in the value: no
    /// `.instrument()` and no thread-local state is needed, on any runtime.
    /// The returned future owns a clone of this `Ctx` and borrows nothing, so
    /// it can be spawned; it is `Send` when the tracer and logger are
    /// [`SendTracer`](crate::SendTracer) and [`SendLogger`](crate::SendLogger)
    /// and the future `f` makes is `Send`. The core needs no runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, StatusCode};
    /// use std::future::Future;
    /// use std::pin::pin;
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let tracer = MemoryTracer::new();
    /// let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let reconcile = ctx.in_span_async("reconcile", |ctx| async move {
    ///     let pods = ctx.in_span_async("list_pods", |_ctx| async { Ok::<_, std::io::Error>(3) });
    ///     pods.await
    /// });
    ///
    /// // Any executor runs it; here, one poll is enough.
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(matches!(pin!(reconcile).poll(&mut cx), Poll::Ready(Ok(3))));
    ///
    /// // A future dropped before it completes is cancelled.
    /// drop(pin!(ctx.in_span_async("slow", |_ctx| std::future::pending::<Result<(), std::io::Error>>()))
    ///     .as_mut()
    ///     .poll(&mut cx));
    ///
    /// let spans = tracer.spans();
    /// let list = spans.find("list_pods").unwrap();
    /// assert_eq!(spans.parent(list).unwrap().name(), "reconcile");
    /// assert_eq!(list.status().code(), Some(StatusCode::Ok));
    /// assert_eq!(spans.find("slow").unwrap().status().code(), Some(StatusCode::Cancelled));
    /// ```
    pub fn in_span_async<R, E, Via, F, Fut>(
        &self,
        name: &'static str,
        f: F,
    ) -> impl Future<Output = Result<R, E>> + use<R, E, Via, F, Fut, T, L>
    where
        E: ErrorStatus<Via>,
        F: FnOnce(Self) -> Fut,
        Fut: Future<Output = Result<R, E>>,
    {
        let parent = self.clone();
        async move {
            let (ctx, span) = parent.start_span(name);
            drop(parent);
            let mut span = CancelOnDrop(Some(span));
            let (tracer, span_ref) = (ctx.tracer.clone(), ctx.span.clone());
            let mut future = pin!(f(ctx));
            // Each poll runs in the span's scope, for code in the future that
            // reads the backend's own current span (`Tracer::in_scope`).
            let result =
                poll_fn(|cx| tracer.in_scope(&span_ref, || future.as_mut().poll(cx))).await;
            span.finish(&result);
            result
        }
    }

    /// Whether an entry at `level` would go anywhere: to the logger, or as an
    /// event to the tracer. The logging macros call it before they evaluate
    /// any argument, so an entry that neither takes costs a level check.
    ///
    /// It asks the logger's type and its run-time level, and the tracer's
    /// type and [`event_enabled`](Tracer::event_enabled), which says no when
    /// this `Ctx` has no current span or the level is below the tracer's
    /// event level.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, Level, LevelFilter, MemoryLogger, MemoryTracer, NopLogger, NopTracer};
    ///
    /// assert!(!Ctx::new(NopTracer, NopLogger).enabled(Level::Error));
    /// // A logger at Info and a recorder whose events start at Info (its default).
    /// let root = Ctx::new(MemoryTracer::new(), MemoryLogger::new().with_level(LevelFilter::Info));
    /// let (ctx, _span) = root.start_span("sync");
    /// assert!(ctx.enabled(Level::Info));
    /// assert!(!ctx.enabled(Level::Debug));
    /// ```
    #[inline(always)]
    pub fn enabled(&self, level: Level) -> bool {
        Self::MAX_LEVEL.allows(level) && (self.logger_enabled(level) || self.event_enabled(level))
    }

    #[inline(always)]
    fn logger_enabled(&self, level: Level) -> bool {
        L::MAX_LEVEL.allows(level) && self.logger.enabled(level)
    }

    #[inline(always)]
    fn event_enabled(&self, level: Level) -> bool {
        T::ENABLED
            && T::MAX_EVENT_LEVEL.allows(level)
            && self.tracer.event_enabled(&self.span, level)
    }

    /// Logs one entry: to the logger if it is enabled for `level`, and as an
    /// event on the current span if the tracer takes `level`. The macros
    /// [`info!`](crate::info) and friends call it after
    /// [`enabled`](Ctx::enabled).
    ///
    /// The event carries the `Ctx`'s fields (those added with
    /// [`with_field`](Ctx::with_field) or [`Span::with_field`], as the log line
    /// does) and the entry's own, which win over the `Ctx`'s.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, Field, Level, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::new();
    /// let ctx = Ctx::new(NopTracer, logger.clone());
    /// ctx.log(Level::Warn, format_args!("slow"), &[Field::new("ms", &250)]);
    /// assert_eq!(logger.entries()[0].level(), Level::Warn);
    /// ```
    #[inline]
    pub fn log(&self, level: Level, message: fmt::Arguments<'_>, fields: &[Field<'_>]) {
        self.log_at(&Callsite::UNKNOWN, level, message, fields);
    }

    /// [`log`](Ctx::log), with where the entry was written. The macros call
    /// it with a `static` [`Callsite`] of their own.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Callsite, Ctx, Level, MemoryLogger, NopTracer};
    ///
    /// static SITE: Callsite<'static> = Callsite::new("podlib", file!(), line!());
    /// let logger = MemoryLogger::new();
    /// Ctx::new(NopTracer, logger.clone()).log_at(&SITE, Level::Info, format_args!("x"), &[]);
    /// assert_eq!(logger.entries()[0].target(), "podlib");
    /// ```
    #[inline]
    pub fn log_at(
        &self,
        callsite: &Callsite<'_>,
        level: Level,
        message: fmt::Arguments<'_>,
        fields: &[Field<'_>],
    ) {
        let record = Record::new(level, message, fields)
            .with_span_ids(self.span_ids())
            .with_callsite(callsite);
        if self.logger_enabled(level) {
            self.logger.log(&record);
        }
        if self.event_enabled(level) {
            self.tracer.add_event(&self.span, &record, &self.logger);
        }
    }
}

/// The status message of a span whose future was dropped before it completed.
const CANCELLED: &str = "cancelled: the future was dropped before it completed";

/// The span of an [`in_span_async`](Ctx::in_span_async) future: it ends with
/// the result's status when the future completes, and `Cancelled` when the
/// future is dropped first.
struct CancelOnDrop<S: Span>(Option<S>);

impl<S: Span> CancelOnDrop<S> {
    fn finish<R, E: ErrorStatus<Via>, Via>(&mut self, result: &Result<R, E>) {
        if let Some(mut span) = self.0.take() {
            span.set_status(result);
            span.end();
        }
    }
}

impl<S: Span> Drop for CancelOnDrop<S> {
    fn drop(&mut self) {
        if let Some(mut span) = self.0.take() {
            // Unwinding from a panic in the future: the span's own drop
            // records the panic as an error, which says more than Cancelled.
            #[cfg(feature = "std")]
            if std::thread::panicking() {
                return;
            }
            span.set_status_code(StatusCode::Cancelled, CANCELLED);
        }
    }
}

impl<T: Tracer, L: Logger> Clone for Ctx<T, L> {
    #[inline]
    fn clone(&self) -> Self {
        Ctx {
            tracer: self.tracer.clone(),
            logger: self.logger.clone(),
            span: self.span.clone(),
        }
    }
}

impl<T: Tracer + Copy, L: Logger + Copy> Copy for Ctx<T, L> where T::SpanRef: Copy {}

impl<T: Tracer + Default, L: Logger + Default> Default for Ctx<T, L> {
    fn default() -> Self {
        Ctx::new(T::default(), L::default())
    }
}

impl<T, L> fmt::Debug for Ctx<T, L>
where
    T: Tracer + fmt::Debug,
    L: Logger + fmt::Debug,
    T::SpanRef: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ctx")
            .field("tracer", &self.tracer)
            .field("logger", &self.logger)
            .field("span", &self.span)
            .finish()
    }
}
