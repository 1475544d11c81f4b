//! Backends chosen at run time: [`Either<A, B>`](Either) is one of two
//! tracers, spans or loggers, and an [`Option`] of one is that backend or
//! nothing.
//!
//! A program reads its flags once and builds one `Ctx` type, whatever the
//! flags say, so the code that takes the `Ctx` is compiled once. Each call
//! is a `match` on the variant and then a static call into the chosen side:
//! no trait object and no allocation.
//!
//! ```
//! use ctxtrace::{Ctx, Either, JsonLogger, MemoryTracer, NopTracer};
//!
//! let recorder = MemoryTracer::new();
//! let (trace, log) = ("memory", "off"); // from the command line
//! let tracer = match trace {
//!     "memory" => Either::Left(recorder.clone()),
//!     _ => Either::Right(NopTracer),
//! };
//! let logger = (log == "json").then(|| JsonLogger::new(Vec::new()));
//! let ctx: Ctx<Either<MemoryTracer, NopTracer>, Option<JsonLogger<Vec<u8>>>> =
//!     Ctx::new(tracer, logger);
//!
//! let (ctx, span) = ctx.start_span("sync_pod");
//! ctxtrace::info!(ctx, "an event on the span, and no line");
//! drop(span);
//! assert_eq!(recorder.spans().find("sync_pod").unwrap().events().count(), 1);
//! assert!(ctx.logger().is_none());
//! ```

use core::fmt;

use crate::{
    ErrorStatus, Level, LevelFilter, Logger, Record, Span, SpanIds, StatusCode, TraceContext,
    TraceId, Tracer, Value,
};

/// One of two backends, chosen at run time: a [`Tracer`] when both sides
/// are, a [`Span`] when both are, and a [`Logger`] when both are.
///
/// With `Either`, a flag such as `--log json|text|off` picks the backend at
/// start-up and the `Ctx` keeps one type, so the code that takes it is
/// compiled once for that type instead of once per combination of backends.
/// Nest it for more than two choices: `Either<JsonLogger<W>, Either<TextLogger<W>,
/// NopLogger>>`. Every call is a `match` on the variant and then a static call
/// into the chosen side, which keeps its own behaviour: its compile-time
/// level, its runtime level, its event level and its span ids.
///
/// Its compile-time constants are the widest of the two sides'
/// ([`Logger::MAX_LEVEL`], [`Tracer::MAX_EVENT_LEVEL`], [`Tracer::ENABLED`],
/// [`Span::RECORDING`]), since either may be chosen; the side that was chosen
/// still applies its own before it does any work. `Either<NopTracer,
/// NopTracer>` is one byte and does nothing.
///
/// For an on-or-off choice, an [`Option`] of a tracer or a logger does the
/// same with one type fewer: `None` records or writes nothing, and the
/// compile-time constants are the backend's own.
///
/// ```
/// use ctxtrace::{Ctx, Level, MemoryLogger, NopTracer};
///
/// let verbose = false; // from the command line
/// let ctx = Ctx::new(NopTracer, verbose.then(MemoryLogger::new));
/// assert!(!ctx.enabled(Level::Error));
/// ctxtrace::error!(ctx, "written nowhere");
/// assert!(ctx.logger().is_none());
/// ```
///
/// # Span references
///
/// The [`SpanRef`](Tracer::SpanRef) of `Either<A, B>` is
/// `Either<A::SpanRef, B::SpanRef>`, and its [`Default`], the "no span" of a
/// root `Ctx`, is `Left` of `A`'s default. A reference of the side that the
/// tracer is not, such as that default in a `Ctx` whose tracer is `Right`, or
/// one given to [`Ctx::with_span_ref`](crate::Ctx::with_span_ref) from a `Ctx`
/// of the other side, is read as "no span": a span started from it is a root
/// span, an entry logged under it is no event, and it has no ids. It never
/// panics. A `Ctx` built with [`Ctx::new`](crate::Ctx::new) and grown with
/// [`start_span`](crate::Ctx::start_span) carries, besides its root's
/// default, only references of its tracer's side.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, Either, JsonLogger, Logger, MemoryTracer, NopLogger, NopTracer, TextLogger, Tracer};
///
/// fn sync_pod(ctx: &Ctx<impl Tracer, impl Logger>, pod: &str) {
///     let (ctx, _span) = ctx.start_span("sync_pod");
///     ctxtrace::info!(ctx, "synced"; pod = pod);
/// }
///
/// type Lines = Either<JsonLogger<Vec<u8>>, Either<TextLogger<Vec<u8>>, NopLogger>>;
///
/// fn logger(flag: &str) -> Lines {
///     match flag {
///         "json" => Either::Left(JsonLogger::new(Vec::new()).without_time()),
///         "text" => Either::Right(Either::Left(TextLogger::new(Vec::new()).without_time())),
///         _ => Either::Right(Either::Right(NopLogger)),
///     }
/// }
///
/// let tracer = MemoryTracer::new();
/// for flag in ["json", "text", "off"] {
///     // One type for every flag: `sync_pod` is compiled once.
///     let ctx: Ctx<Either<MemoryTracer, NopTracer>, Lines> =
///         Ctx::new(Either::Left(tracer.clone()), logger(flag));
///     sync_pod(&ctx, "web-1");
///     let lines = match ctx.logger() {
///         Either::Left(json) => json.lines(),
///         Either::Right(Either::Left(text)) => text.lines(),
///         Either::Right(Either::Right(_)) => 0,
///     };
///     assert_eq!(lines, u64::from(flag != "off"));
/// }
/// assert_eq!(tracer.spans().find_all("sync_pod").count(), 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Either<A, B> {
    /// The first backend.
    Left(A),
    /// The second backend.
    Right(B),
}

/// `Left` of `A`'s default. As a span reference it is "no span" (see
/// [Span references](Either#span-references)).
impl<A: Default, B> Default for Either<A, B> {
    #[inline]
    fn default() -> Self {
        Either::Left(A::default())
    }
}

/// The tracer of the chosen side starts the span. A span reference of the
/// other side is read as "no span".
impl<A: Tracer, B: Tracer> Tracer for Either<A, B> {
    type Span = Either<A::Span, B::Span>;
    type SpanRef = Either<A::SpanRef, B::SpanRef>;
    const ENABLED: bool = A::ENABLED || B::ENABLED;
    const MAX_EVENT_LEVEL: LevelFilter = A::MAX_EVENT_LEVEL.max(B::MAX_EVENT_LEVEL);

    #[inline]
    fn start_span(&self, parent: &Self::SpanRef, name: &'static str) -> Self::Span {
        match (self, parent) {
            (Either::Left(t), Either::Left(parent)) => Either::Left(t.start_span(parent, name)),
            (Either::Left(t), Either::Right(_)) => {
                Either::Left(t.start_span(&A::SpanRef::default(), name))
            }
            (Either::Right(t), Either::Right(parent)) => Either::Right(t.start_span(parent, name)),
            (Either::Right(t), Either::Left(_)) => {
                Either::Right(t.start_span(&B::SpanRef::default(), name))
            }
        }
    }

    #[inline]
    fn start_root_in(&self, trace_id: TraceId, name: &'static str) -> Self::Span {
        match self {
            Either::Left(t) => Either::Left(t.start_root_in(trace_id, name)),
            Either::Right(t) => Either::Right(t.start_root_in(trace_id, name)),
        }
    }

    #[inline]
    fn event_enabled(&self, span: &Self::SpanRef, level: Level) -> bool {
        match (self, span) {
            (Either::Left(t), Either::Left(span)) => {
                A::ENABLED && A::MAX_EVENT_LEVEL.allows(level) && t.event_enabled(span, level)
            }
            (Either::Right(t), Either::Right(span)) => {
                B::ENABLED && B::MAX_EVENT_LEVEL.allows(level) && t.event_enabled(span, level)
            }
            // "No span": no event.
            _ => false,
        }
    }

    #[inline]
    fn add_event<L: Logger>(&self, span: &Self::SpanRef, record: &Record<'_>, context: &L) {
        let level = record.level();
        match (self, span) {
            (Either::Left(t), Either::Left(span))
                if A::ENABLED && A::MAX_EVENT_LEVEL.allows(level) =>
            {
                t.add_event(span, record, context)
            }
            (Either::Right(t), Either::Right(span))
                if B::ENABLED && B::MAX_EVENT_LEVEL.allows(level) =>
            {
                t.add_event(span, record, context)
            }
            // Ruled out by the side's level, or "no span": no event.
            _ => {}
        }
    }

    #[inline]
    fn in_scope<R>(&self, span: &Self::SpanRef, f: impl FnOnce() -> R) -> R {
        match (self, span) {
            (Either::Left(t), Either::Left(span)) => t.in_scope(span, f),
            (Either::Right(t), Either::Right(span)) => t.in_scope(span, f),
            _ => f(),
        }
    }

    #[inline]
    fn span_ids(&self, span: &Self::SpanRef) -> Option<SpanIds> {
        match (self, span) {
            (Either::Left(t), Either::Left(span)) if A::ENABLED => t.span_ids(span),
            (Either::Right(t), Either::Right(span)) if B::ENABLED => t.span_ids(span),
            _ => None,
        }
    }

    #[inline]
    fn remote_parent(&self, remote: &TraceContext) -> Self::SpanRef {
        match self {
            Either::Left(t) => Either::Left(t.remote_parent(remote)),
            Either::Right(t) => Either::Right(t.remote_parent(remote)),
        }
    }

    #[inline]
    fn trace_context(&self, span: &Self::SpanRef) -> Option<TraceContext> {
        match (self, span) {
            (Either::Left(t), Either::Left(span)) => t.trace_context(span),
            (Either::Right(t), Either::Right(span)) => t.trace_context(span),
            _ => None,
        }
    }
}

/// Everything goes to the side that was started; ending the `Either` ends it.
impl<A: Span, B: Span> Span for Either<A, B> {
    type Ref = Either<A::Ref, B::Ref>;
    const RECORDING: bool = A::RECORDING || B::RECORDING;

    #[inline]
    fn is_recording(&self) -> bool {
        match self {
            Either::Left(s) => s.is_recording(),
            Either::Right(s) => s.is_recording(),
        }
    }

    #[inline]
    fn span_ref(&self) -> Self::Ref {
        match self {
            Either::Left(s) => Either::Left(s.span_ref()),
            Either::Right(s) => Either::Right(s.span_ref()),
        }
    }

    const TAKES_SPAN_IDS: bool = A::TAKES_SPAN_IDS || B::TAKES_SPAN_IDS;

    #[inline]
    fn set_span_ids(&mut self, ids: SpanIds) {
        match self {
            Either::Left(s) => s.set_span_ids(ids),
            Either::Right(s) => s.set_span_ids(ids),
        }
    }

    #[inline]
    fn set_attribute(&mut self, key: &'static str, value: Value<'_>) {
        match self {
            Either::Left(s) => s.set_attribute(key, value),
            Either::Right(s) => s.set_attribute(key, value),
        }
    }

    #[inline]
    fn record_status(&mut self, code: StatusCode, message: &dyn fmt::Display) {
        match self {
            Either::Left(s) => s.record_status(code, message),
            Either::Right(s) => s.record_status(code, message),
        }
    }

    #[inline]
    fn end(self) {
        match self {
            Either::Left(s) => s.end(),
            Either::Right(s) => s.end(),
        }
    }

    // The status methods go to the side's own, so that a side that records
    // nothing skips the error's classification, and a side that overrides
    // them (to keep the error's type, say) sees the error itself.
    #[inline]
    fn set_status<V, E: ErrorStatus<Via>, Via>(&mut self, result: &Result<V, E>) {
        match self {
            Either::Left(s) => s.set_status(result),
            Either::Right(s) => s.set_status(result),
        }
    }

    #[inline]
    fn set_error<E: ErrorStatus<Via> + ?Sized, Via>(&mut self, err: &E) {
        match self {
            Either::Left(s) => s.set_error(err),
            Either::Right(s) => s.set_error(err),
        }
    }

    #[inline]
    fn set_status_code(&mut self, code: StatusCode, message: &str) {
        match self {
            Either::Left(s) => s.set_status_code(code, message),
            Either::Right(s) => s.set_status_code(code, message),
        }
    }
}

/// The chosen side writes each entry, with its own compile-time and runtime
/// levels. The `Either`'s compile-time level is the wider of the two.
impl<A: Logger, B: Logger> Logger for Either<A, B> {
    const MAX_LEVEL: LevelFilter = A::MAX_LEVEL.max(B::MAX_LEVEL);

    #[inline]
    fn enabled(&self, level: Level) -> bool {
        match self {
            Either::Left(l) => A::MAX_LEVEL.allows(level) && l.enabled(level),
            Either::Right(l) => B::MAX_LEVEL.allows(level) && l.enabled(level),
        }
    }

    #[inline]
    fn with_field(&self, key: &'static str, value: Value<'_>) -> Self {
        match self {
            Either::Left(l) => Either::Left(l.with_field(key, value)),
            Either::Right(l) => Either::Right(l.with_field(key, value)),
        }
    }

    #[inline]
    fn with_method(&self, name: &'static str) -> Self {
        match self {
            Either::Left(l) => Either::Left(l.with_method(name)),
            Either::Right(l) => Either::Right(l.with_method(name)),
        }
    }

    #[inline]
    fn for_thread(&self) -> Self {
        match self {
            Either::Left(l) => Either::Left(l.for_thread()),
            Either::Right(l) => Either::Right(l.for_thread()),
        }
    }

    #[inline]
    fn with_field_for_events(&self, key: &'static str, value: Value<'_>) -> Self {
        match self {
            Either::Left(l) => Either::Left(l.with_field_for_events(key, value)),
            Either::Right(l) => Either::Right(l.with_field_for_events(key, value)),
        }
    }

    #[inline]
    fn for_each_field(&self, f: impl FnMut(&'static str, Value<'_>)) {
        match self {
            Either::Left(l) => l.for_each_field(f),
            Either::Right(l) => l.for_each_field(f),
        }
    }

    #[inline]
    fn has_fields(&self) -> bool {
        match self {
            Either::Left(l) => l.has_fields(),
            Either::Right(l) => l.has_fields(),
        }
    }

    #[inline]
    fn log(&self, record: &Record<'_>) {
        // The side's compile-time level, checked again here, lets the
        // compiler drop the call into a side that can never take this level.
        match self {
            Either::Left(l) if A::MAX_LEVEL.allows(record.level()) => l.log(record),
            Either::Right(l) if B::MAX_LEVEL.allows(record.level()) => l.log(record),
            _ => {}
        }
    }
}

/// `Some` is the tracer; `None` starts spans that record nothing. The span
/// references are the tracer's own, so `Option<T>` costs one branch a call
/// over `T`.
impl<T: Tracer> Tracer for Option<T> {
    type Span = Option<T::Span>;
    type SpanRef = T::SpanRef;
    const ENABLED: bool = T::ENABLED;
    const MAX_EVENT_LEVEL: LevelFilter = T::MAX_EVENT_LEVEL;

    #[inline]
    fn start_span(&self, parent: &Self::SpanRef, name: &'static str) -> Self::Span {
        self.as_ref().map(|t| t.start_span(parent, name))
    }

    #[inline]
    fn start_root_in(&self, trace_id: TraceId, name: &'static str) -> Self::Span {
        self.as_ref().map(|t| t.start_root_in(trace_id, name))
    }

    #[inline]
    fn event_enabled(&self, span: &Self::SpanRef, level: Level) -> bool {
        self.as_ref().is_some_and(|t| t.event_enabled(span, level))
    }

    #[inline]
    fn add_event<L: Logger>(&self, span: &Self::SpanRef, record: &Record<'_>, context: &L) {
        if let Some(t) = self {
            t.add_event(span, record, context);
        }
    }

    #[inline]
    fn in_scope<R>(&self, span: &Self::SpanRef, f: impl FnOnce() -> R) -> R {
        match self {
            Some(t) => t.in_scope(span, f),
            None => f(),
        }
    }

    #[inline]
    fn span_ids(&self, span: &Self::SpanRef) -> Option<SpanIds> {
        self.as_ref().and_then(|t| t.span_ids(span))
    }

    #[inline]
    fn remote_parent(&self, remote: &TraceContext) -> Self::SpanRef {
        self.as_ref()
            .map(|t| t.remote_parent(remote))
            .unwrap_or_default()
    }

    #[inline]
    fn trace_context(&self, span: &Self::SpanRef) -> Option<TraceContext> {
        self.as_ref().and_then(|t| t.trace_context(span))
    }
}

/// `Some` is the span; `None` keeps nothing, and its reference is "no span"
/// (the reference type's [`Default`]).
impl<S: Span<Ref: Default>> Span for Option<S> {
    type Ref = S::Ref;
    const RECORDING: bool = S::RECORDING;

    #[inline]
    fn is_recording(&self) -> bool {
        self.as_ref().is_some_and(S::is_recording)
    }

    #[inline]
    fn span_ref(&self) -> Self::Ref {
        self.as_ref().map(S::span_ref).unwrap_or_default()
    }

    const TAKES_SPAN_IDS: bool = S::TAKES_SPAN_IDS;

    #[inline]
    fn set_span_ids(&mut self, ids: SpanIds) {
        if let Some(s) = self {
            s.set_span_ids(ids);
        }
    }

    #[inline]
    fn set_attribute(&mut self, key: &'static str, value: Value<'_>) {
        if let Some(s) = self {
            s.set_attribute(key, value);
        }
    }

    #[inline]
    fn record_status(&mut self, code: StatusCode, message: &dyn fmt::Display) {
        if let Some(s) = self {
            s.record_status(code, message);
        }
    }

    #[inline]
    fn end(self) {
        if let Some(s) = self {
            s.end();
        }
    }

    #[inline]
    fn set_status<V, E: ErrorStatus<Via>, Via>(&mut self, result: &Result<V, E>) {
        if let Some(s) = self {
            s.set_status(result);
        }
    }

    #[inline]
    fn set_error<E: ErrorStatus<Via> + ?Sized, Via>(&mut self, err: &E) {
        if let Some(s) = self {
            s.set_error(err);
        }
    }

    #[inline]
    fn set_status_code(&mut self, code: StatusCode, message: &str) {
        if let Some(s) = self {
            s.set_status_code(code, message);
        }
    }
}

/// `Some` is the logger; `None` writes nothing. The compile-time level is
/// the logger's.
impl<L: Logger> Logger for Option<L> {
    const MAX_LEVEL: LevelFilter = L::MAX_LEVEL;

    #[inline]
    fn enabled(&self, level: Level) -> bool {
        match self {
            Some(l) => l.enabled(level),
            None => false,
        }
    }

    #[inline]
    fn with_field(&self, key: &'static str, value: Value<'_>) -> Self {
        self.as_ref().map(|l| l.with_field(key, value))
    }

    #[inline]
    fn with_method(&self, name: &'static str) -> Self {
        self.as_ref().map(|l| l.with_method(name))
    }

    #[inline]
    fn for_thread(&self) -> Self {
        self.as_ref().map(L::for_thread)
    }

    #[inline]
    fn with_field_for_events(&self, key: &'static str, value: Value<'_>) -> Self {
        self.as_ref().map(|l| l.with_field_for_events(key, value))
    }

    #[inline]
    fn for_each_field(&self, f: impl FnMut(&'static str, Value<'_>)) {
        if let Some(l) = self {
            l.for_each_field(f);
        }
    }

    #[inline]
    fn has_fields(&self) -> bool {
        self.as_ref().is_some_and(L::has_fields)
    }

    #[inline]
    fn log(&self, record: &Record<'_>) {
        if let Some(l) = self {
            l.log(record);
        }
    }
}
