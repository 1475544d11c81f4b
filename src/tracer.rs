//! The [`Tracer`] and [`Span`] traits, and span ids.

use core::fmt;

use crate::{
    Ctx, ErrorStatus, Field, Level, LevelFilter, Logger, Record, StatusCode, ToValue, TraceContext,
    Value,
};

/// A source of spans, chosen at compile time as the `T` of a
/// [`Ctx<T, L>`](crate::Ctx).
///
/// Everything goes through associated types, so there is no dynamic dispatch
/// on the span path. A tracer is cheap to clone (clones share one backend).
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Tracer};
///
/// let tracer = MemoryTracer::new();
/// let ctx = Ctx::new(tracer.clone(), NopLogger);
/// let (child, span) = ctx.start_span("sync_pod");
/// drop(span);
/// assert_eq!(tracer.spans().len(), 1);
/// assert!(<MemoryTracer>::ENABLED);
/// # let _ = child;
/// ```
pub trait Tracer: Clone {
    /// The span this tracer starts.
    type Span: Span<Ref = Self::SpanRef>;

    /// What a [`Ctx`](crate::Ctx) carries to name its current span: the
    /// parent of spans started from it, and where its log entries go as events.
    /// [`Default`] is "no span": a span started from it is a root span.
    ///
    /// It is `Send + Sync`, so that a `Ctx` is `Send` and `Sync` whenever its
    /// tracer and logger are, as generic code expects.
    type SpanRef: Clone + Default + Send + Sync;

    /// Whether this tracer does anything. When it is `false`, `Ctx` skips
    /// events and span ids at compile time; spans are still started through
    /// [`start_span`](Tracer::start_span), which should then do nothing.
    ///
    /// # For implementors
    ///
    /// Leave it `true` unless the tracer does nothing at all, as
    /// [`NopTracer`](crate::NopTracer) does.
    const ENABLED: bool = true;

    /// The most verbose level whose entries can ever become span events with
    /// this tracer type. Entries above it are removed at compile time when the
    /// logger's type rules them out too.
    ///
    /// # For implementors
    ///
    /// The default is [`LevelFilter::Trace`] when the tracer is
    /// [`ENABLED`](Self::ENABLED), else [`LevelFilter::Off`]. A tracer whose
    /// event level is set at run time states here the most verbose level it
    /// could be set to, and answers for the level in force in
    /// [`event_enabled`](Tracer::event_enabled).
    const MAX_EVENT_LEVEL: LevelFilter = if Self::ENABLED {
        LevelFilter::Trace
    } else {
        LevelFilter::Off
    };

    /// Starts a span named `name`, a child of `parent`, or a root span when
    /// `parent` is the default "no span".
    ///
    /// # For implementors
    ///
    /// Do not allocate per span if you can avoid it: this is the hot path.
    fn start_span(&self, parent: &Self::SpanRef, name: &'static str) -> Self::Span;

    /// Starts a root span named `name` in the trace `trace_id`, drawn at
    /// random beforehand: [`Sampled`](crate::Sampled) draws a root's trace
    /// id first, decides from it whether to sample, and starts the span in
    /// that trace.
    ///
    /// # For implementors
    ///
    /// The default ignores `trace_id` and starts a root span with an id of
    /// the tracer's own, which is right for a tracer without ids. A tracer
    /// with ids uses `trace_id`, so that the sampling decision goes with the
    /// trace id that other processes see, and sets W3C's random flag on it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{MemoryTracer, Span, TraceId, Tracer};
    ///
    /// let tracer = MemoryTracer::new();
    /// let span = tracer.start_root_in(TraceId(0xabc), "sync");
    /// assert_eq!(tracer.span_ids(&span.span_ref()).unwrap().trace_id, TraceId(0xabc));
    /// ```
    #[inline]
    fn start_root_in(&self, trace_id: TraceId, name: &'static str) -> Self::Span {
        let _ = trace_id;
        self.start_span(&Self::SpanRef::default(), name)
    }

    /// Whether an entry at `level` logged through a `Ctx` whose span is `span`
    /// would become an event: checked at run time, before the entry's
    /// arguments are evaluated. [`Ctx::enabled`](crate::Ctx::enabled) asks it
    /// and the logger, so an entry that neither takes costs nothing.
    ///
    /// # For implementors
    ///
    /// Answer `false` when `span` is "no span", so that a `Ctx` at the root
    /// does not pay for events, and for levels below your event level. The
    /// tracers of this workspace record events at [`Level::Info`] and above
    /// unless told otherwise. The default answers
    /// [`MAX_EVENT_LEVEL`](Self::MAX_EVENT_LEVEL) alone. Keep it cheap: it
    /// runs for every entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, Level, MemoryTracer, NopLogger, Tracer};
    ///
    /// let tracer = MemoryTracer::new();
    /// let root = Ctx::new(tracer.clone(), NopLogger);
    /// let (ctx, _span) = root.start_span("sync");
    /// assert!(tracer.event_enabled(ctx.span_ref(), Level::Info));
    /// assert!(!tracer.event_enabled(ctx.span_ref(), Level::Debug));
    /// assert!(!tracer.event_enabled(root.span_ref(), Level::Error));
    /// ```
    #[inline]
    fn event_enabled(&self, span: &Self::SpanRef, level: Level) -> bool {
        let _ = span;
        Self::MAX_EVENT_LEVEL.allows(level)
    }

    /// Records a log entry as an event on the span `span` names. Called only
    /// when [`event_enabled`](Tracer::event_enabled) said yes.
    ///
    /// `context` is the `Ctx`'s logger: its
    /// [`for_each_field`](Logger::for_each_field) gives the fields added to
    /// the `Ctx` with `with_field`, which the event carries too.
    ///
    /// # For implementors
    ///
    /// Keep the level, the message and every field: the `Ctx`'s fields first,
    /// except those the entry gives itself, then the entry's
    /// [`unique_fields`](Record::unique_fields), so that no event holds a key
    /// twice. A span that has already ended may drop the event.
    fn add_event<L: Logger>(&self, span: &Self::SpanRef, record: &Record<'_>, context: &L);

    /// Runs `f` with `span` as the current span of the backend's own
    /// ecosystem, for code inside it that does not take a `Ctx`: a
    /// dependency's `tracing` events, say. [`Ctx::in_span`](crate::Ctx::in_span)
    /// runs its closure in it, and [`Ctx::in_span_async`](crate::Ctx::in_span_async)
    /// each poll of its future. ctxtrace itself never reads a current span:
    /// its parents travel in the `Ctx`.
    ///
    /// # For implementors
    ///
    /// The default runs `f`, at no cost. A tracer over a system with a
    /// thread-local current span (such as `tracing`'s) enters its span for
    /// the call and leaves it after, also when `f` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Tracer};
    ///
    /// let tracer = MemoryTracer::new();
    /// let (ctx, _span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
    /// assert_eq!(tracer.in_scope(ctx.span_ref(), || 7), 7);
    /// ```
    #[inline]
    fn in_scope<R>(&self, span: &Self::SpanRef, f: impl FnOnce() -> R) -> R {
        let _ = span;
        f()
    }

    /// The trace and span ids of `span`, which loggers write beside each entry.
    ///
    /// # For implementors
    ///
    /// The default has none.
    fn span_ids(&self, span: &Self::SpanRef) -> Option<SpanIds> {
        let _ = span;
        None
    }

    /// The span reference that continues a trace from another process: a
    /// span started from it is a child of the remote span `remote.parent`,
    /// in its trace, and carries its flags and `tracestate` on.
    /// [`Ctx::with_remote_parent`](crate::Ctx::with_remote_parent) calls it.
    ///
    /// # For implementors
    ///
    /// The default is "no span", so a tracer that cannot continue a remote
    /// trace starts a new one. Keep the trace id and the parent id as they
    /// are, the flags the specification defines
    /// ([`TraceFlags::known`](crate::TraceFlags::known)) and the
    /// `tracestate`; a reference made here names no local span, so
    /// [`event_enabled`](Tracer::event_enabled) should say `false` for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{MemoryTracer, TraceContext, TraceParent, Tracer};
    ///
    /// let parent = TraceParent::parse("00-12345678901234567890123456789012-1234567890123456-01").unwrap();
    /// let tracer = MemoryTracer::new();
    /// let remote = tracer.remote_parent(&TraceContext::new(parent));
    /// assert_eq!(tracer.span_ids(&remote).unwrap().trace_id, parent.trace_id);
    /// ```
    #[inline]
    fn remote_parent(&self, remote: &TraceContext) -> Self::SpanRef {
        let _ = remote;
        Self::SpanRef::default()
    }

    /// The trace context to send on a call made under `span`: its trace id,
    /// its span id as the callee's parent, its flags and its `tracestate`.
    /// [`Ctx::trace_context`](crate::Ctx::trace_context) and
    /// [`Ctx::inject`](crate::Ctx::inject) call it.
    ///
    /// # For implementors
    ///
    /// The default has none (nothing is sent). A tracer with ids answers for
    /// every span it started and for every reference that
    /// [`remote_parent`](Tracer::remote_parent) made, and keeps the
    /// `tracestate` it was given.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, NopTracer, Tracer};
    ///
    /// let tracer = MemoryTracer::new();
    /// let (ctx, _span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
    /// let sent = tracer.trace_context(ctx.span_ref()).unwrap();
    /// assert_eq!(sent.parent.parent_id, ctx.span_ids().unwrap().span_id);
    /// assert_eq!(NopTracer.trace_context(&Default::default()), None);
    /// ```
    #[inline]
    fn trace_context(&self, span: &Self::SpanRef) -> Option<TraceContext> {
        let _ = span;
        None
    }
}

/// A [`Tracer`] that async tasks can share: `Send`, `Sync` and `'static`,
/// with spans that are `Send`. Implemented for every such tracer.
///
/// It is the one bound that a generic function needs to move a
/// [`Ctx`](crate::Ctx), or a future that holds one and its spans, into
/// `tokio::spawn` or a thread. [`Tracer`] itself does not require it, so a
/// tracer that is not thread-safe, or that borrows, still works in
/// single-threaded code.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryLogger, MemoryTracer, SendLogger, SendTracer};
///
/// fn spawn_sync<T: SendTracer, L: SendLogger>(ctx: &Ctx<T, L>) -> std::thread::JoinHandle<()> {
///     let ctx = ctx.clone();
///     std::thread::spawn(move || {
///         let (ctx, _span) = ctx.start_span("sync_pod");
///         ctxtrace::info!(ctx, "synced");
///     })
/// }
///
/// let (tracer, logger) = (MemoryTracer::new(), MemoryLogger::new());
/// spawn_sync(&Ctx::new(tracer.clone(), logger.clone())).join().unwrap();
/// assert_eq!(tracer.spans().len(), 1);
/// assert_eq!(logger.entries().len(), 1);
/// ```
pub trait SendTracer: Tracer<Span: Send> + Send + Sync + 'static {}

impl<T> SendTracer for T where T: Tracer<Span: Send> + Send + Sync + 'static {}

/// A unit of work in a trace. It ends when it is dropped or on
/// [`end`](Span::end).
///
/// A span dropped while its thread panics ends with an error status. Backends
/// check this with `std::thread::panicking`, so it needs the `std` feature.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span, StatusCode};
///
/// let tracer = MemoryTracer::new();
/// let ctx = Ctx::new(tracer.clone(), NopLogger);
/// let (ctx, mut span) = ctx.start_span("provider.create_pod");
/// let _ctx = span.with_field(&ctx, "pod", "web-1");
/// let result: Result<(), std::io::Error> = Err(std::io::ErrorKind::NotFound.into());
/// span.set_status(&result);
/// span.end();
///
/// let spans = tracer.spans();
/// let span = spans.find("provider.create_pod").unwrap();
/// assert_eq!(span.status().code(), Some(StatusCode::NotFound));
/// assert_eq!(span.attribute("pod").unwrap().as_str(), Some("web-1"));
/// ```
pub trait Span {
    /// The reference a [`Ctx`](crate::Ctx) keeps to this span.
    type Ref;

    /// Whether this span keeps anything. When it is `false`, the provided
    /// methods skip their own work too, such as classifying an error for
    /// [`set_status`](Span::set_status), so a nop span costs nothing even on
    /// the error path.
    ///
    /// # For implementors
    ///
    /// Leave it `true` unless the span keeps nothing at all, as
    /// [`NopSpan`](crate::NopSpan) does.
    const RECORDING: bool = true;

    /// Whether this span keeps anything, decided at run time: a sampled-out
    /// span of a real tracing system says `false`. The provided methods skip
    /// their own work, such as classifying an error, when it is `false`.
    ///
    /// # For implementors
    ///
    /// The default is [`RECORDING`](Span::RECORDING). Override it when the
    /// answer is only known per span; keep it cheap.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{NopSpan, Span};
    ///
    /// assert!(!NopSpan::new().is_recording());
    /// ```
    #[inline]
    fn is_recording(&self) -> bool {
        Self::RECORDING
    }

    /// A reference to this span, which the `Ctx` of its children carries.
    ///
    /// # For implementors
    ///
    /// Make it cheap: it is taken once per span.
    fn span_ref(&self) -> Self::Ref;

    /// Sets an attribute. Setting a key again overwrites its value.
    ///
    /// # For implementors
    ///
    /// Copy the value: it is borrowed only for this call. Keep one value per
    /// key, the latest, in its first place, as the OpenTelemetry
    /// specification says; a [`Value::Null`] may take the key out.
    fn set_attribute(&mut self, key: &'static str, value: Value<'_>);

    /// Whether this span takes the ids that another tracer gave the same
    /// span, through [`set_span_ids`](Span::set_span_ids). When it is `false`
    /// (the default), a pair of tracers does not even look the ids up.
    ///
    /// # For implementors
    ///
    /// Make it `true` for a span of a system that has no ids of its own to
    /// give loggers but can carry them, such as a `tracing` span.
    const TAKES_SPAN_IDS: bool = false;

    /// Gives the span the trace and span ids that another tracer gave the
    /// same span: a pair of tracers `(A, B)` calls it on each part whose
    /// span [`TAKES_SPAN_IDS`](Span::TAKES_SPAN_IDS), right after the span
    /// starts, with the ids of the other part, when it has some. A `tracing`
    /// span records them as fields, so that a dependency's `tracing` events
    /// inside it can carry the ids of the ctxtrace span they ran in.
    ///
    /// # For implementors
    ///
    /// The default does nothing. It is called at most once, before the span
    /// is entered or gets any attribute.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{NopSpan, Span, SpanId, SpanIds, TraceId};
    ///
    /// // Spans that have ids of their own do not take others'.
    /// assert!(!NopSpan::TAKES_SPAN_IDS);
    /// let mut span = NopSpan::new();
    /// span.set_span_ids(SpanIds { trace_id: TraceId(1), span_id: SpanId(2) });
    /// assert!(!span.is_recording());
    /// ```
    #[inline]
    fn set_span_ids(&mut self, ids: SpanIds) {
        let _ = ids;
    }

    /// Sets the status to `code`, with a message for error codes. A later
    /// status replaces an earlier one.
    ///
    /// # For implementors
    ///
    /// `message` is formatted only by a backend that keeps it.
    fn record_status(&mut self, code: StatusCode, message: &dyn fmt::Display);

    /// Ends the span now. Consuming the span means it can end only once.
    ///
    /// # For implementors
    ///
    /// The default drops the span: put the ending in `Drop`, so that a span
    /// that is never ended explicitly is recorded too.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span};
    ///
    /// let tracer = MemoryTracer::new();
    /// let (_ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
    /// assert_eq!(tracer.open(), 1);
    /// span.end();
    /// assert_eq!((tracer.open(), tracer.spans().len()), (0, 1));
    /// ```
    ///
    /// A span cannot end twice: `end` takes it by value. (The nop span is
    /// `Copy`, so for it a second `end` compiles, and does nothing.)
    ///
    /// ```compile_fail
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span};
    ///
    /// let (_ctx, span) = Ctx::new(MemoryTracer::new(), NopLogger).start_span("sync");
    /// span.end();
    /// span.end(); // error[E0382]: use of moved value: `span`
    /// ```
    fn end(self)
    where
        Self: Sized,
    {
        drop(self)
    }

    /// Sets an attribute on the span **and** returns a `Ctx` whose logger has
    /// the field, so every later entry logged through it carries it too. This
    /// holds with every tracer, the nop tracer included.
    ///
    /// `ctx` should be the `Ctx` that [`start_span`](crate::Ctx::start_span)
    /// returned with this span.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, MemoryTracer, Span, Value};
    ///
    /// let (tracer, logger) = (MemoryTracer::new(), MemoryLogger::new());
    /// let (ctx, mut span) = Ctx::new(tracer.clone(), logger.clone()).start_span("sync_pod");
    /// let ctx = span.with_field(&ctx, "pod", "web-1");
    /// ctxtrace::info!(ctx, "synced");
    /// drop(span);
    /// let spans = tracer.spans();
    /// assert_eq!(spans.find("sync_pod").unwrap().attribute("pod"), Some(Value::Str("web-1")));
    /// assert_eq!(logger.entries()[0].field("pod").unwrap().to_string(), "web-1");
    /// ```
    ///
    /// # For implementors
    ///
    /// The default calls [`set_attribute`](Span::set_attribute) and
    /// [`Ctx::with_field`](crate::Ctx::with_field); there is no need to
    /// override it.
    #[must_use]
    #[inline]
    fn with_field<T: Tracer, L: Logger, V: ToValue>(
        &mut self,
        ctx: &Ctx<T, L>,
        key: &'static str,
        value: V,
    ) -> Ctx<T, L>
    where
        Self: Sized,
    {
        let value = value.to_value();
        self.set_attribute(key, value);
        ctx.with_field(key, value)
    }

    /// [`with_field`](Span::with_field) for several fields at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, Field, MemoryTracer, NopLogger, Span};
    ///
    /// let tracer = MemoryTracer::new();
    /// let (ctx, mut span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
    /// let _ctx = span.with_fields(&ctx, &[Field::new("pod", "web-1"), Field::new("attempt", &2)]);
    /// drop(span);
    /// assert_eq!(tracer.spans().find("sync").unwrap().attributes().count(), 2);
    /// ```
    ///
    /// # For implementors
    ///
    /// The default calls [`set_attribute`](Span::set_attribute) and the
    /// logger's [`with_field`](Logger::with_field) for each field; there is no
    /// need to override it.
    #[must_use]
    fn with_fields<T: Tracer, L: Logger>(
        &mut self,
        ctx: &Ctx<T, L>,
        fields: &[Field<'_>],
    ) -> Ctx<T, L>
    where
        Self: Sized,
    {
        let mut logger = ctx.logger().clone();
        for field in fields {
            self.set_attribute(field.key, field.value);
            logger = Ctx::<T, L>::logger_with_field(&logger, field.key, field.value);
        }
        ctx.with_logger(logger)
    }

    /// Sets the status from a result: `Ok` gives [`StatusCode::Ok`], and
    /// `Err(e)` gives the code that [`StatusCode::classify`] finds in `e`'s
    /// whole `source()` chain, with the error's `Display` as the message.
    ///
    /// Every error type works with nothing to implement: any
    /// `E: std::error::Error + 'static`, `Box<dyn Error>` and
    /// `Box<dyn Error + Send + Sync>`, and reports such as `anyhow::Error`
    /// (see [`ErrorStatus`]). A code of your own goes in the chain, as a
    /// [`CodedError`](crate::CodedError) or a [`WithCode`](crate::WithCode). An
    /// error never gives an ok status.
    ///
    /// A span whose status is never set, and that is not dropped while its
    /// thread panics, ends with [`Status::Unset`](crate::Status::Unset).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span, Status, StatusCode};
    /// use std::error::Error;
    ///
    /// let tracer = MemoryTracer::new();
    /// let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let (_, mut ok) = ctx.start_span("ok");
    /// ok.set_status(&"7".parse::<u8>());
    /// let (_, mut failed) = ctx.start_span("failed");
    /// failed.set_status(&"web".parse::<u8>());
    /// let (_, mut boxed) = ctx.start_span("boxed");
    /// let result: Result<(), Box<dyn Error + Send + Sync>> =
    ///     Err(Box::new(std::io::Error::from(std::io::ErrorKind::NotFound)));
    /// boxed.set_status(&result);
    /// drop((ok, failed, boxed));
    ///
    /// let spans = tracer.spans();
    /// assert_eq!(spans.find("ok").unwrap().status(), Status::Ok);
    /// let message = "invalid digit found in string";
    /// let status = Status::Error { code: StatusCode::Unknown, message };
    /// assert_eq!(spans.find("failed").unwrap().status(), status);
    /// assert_eq!(spans.find("boxed").unwrap().status().code(), Some(StatusCode::NotFound));
    /// ```
    ///
    /// # For implementors
    ///
    /// The default returns at once when [`is_recording`](Span::is_recording)
    /// is `false`, and otherwise calls [`record_status`](Span::record_status):
    /// implement that one instead.
    #[inline]
    fn set_status<V, E: ErrorStatus<Via>, Via>(&mut self, result: &Result<V, E>) {
        if !self.is_recording() {
            return;
        }
        match result {
            Ok(_) => self.record_status(StatusCode::Ok, &""),
            Err(e) => self.set_error(e),
        }
    }

    /// Sets an error status from any error, classified with
    /// [`StatusCode::classify`]. It takes the same errors as
    /// [`set_status`](Span::set_status), and `dyn Error` references too.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span, StatusCode};
    ///
    /// let tracer = MemoryTracer::new();
    /// let (_ctx, mut span) = Ctx::new(tracer.clone(), NopLogger).start_span("load");
    /// let err: Box<dyn std::error::Error + Send + Sync> =
    ///     Box::new(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
    /// span.set_error(&*err);
    /// drop(span);
    /// let status = tracer.spans().find("load").unwrap().status().code();
    /// assert_eq!(status, Some(StatusCode::PermissionDenied));
    /// ```
    ///
    /// # For implementors
    ///
    /// The default returns at once when [`is_recording`](Span::is_recording)
    /// is `false`, and otherwise calls [`record_status`](Span::record_status):
    /// implement that one instead.
    #[inline]
    fn set_error<E: ErrorStatus<Via> + ?Sized, Via>(&mut self, err: &E) {
        if !self.is_recording() {
            return;
        }
        let err = err.as_error();
        self.record_status(error_code(StatusCode::classify(err)), &err);
    }

    /// Sets the status to an explicit code and message.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span, StatusCode};
    ///
    /// let tracer = MemoryTracer::new();
    /// let (_ctx, mut span) = Ctx::new(tracer.clone(), NopLogger).start_span("admit");
    /// span.set_status_code(StatusCode::FailedPrecondition, "node is cordoned");
    /// drop(span);
    /// let status = tracer.spans().find("admit").unwrap().status().to_string();
    /// assert_eq!(status, "FailedPrecondition: node is cordoned");
    /// ```
    ///
    /// # For implementors
    ///
    /// The default calls [`record_status`](Span::record_status): implement
    /// that one instead.
    fn set_status_code(&mut self, code: StatusCode, message: &str) {
        self.record_status(code, &message);
    }
}

/// An error never gives an ok status: a classifier that answers `Ok` for an
/// error is read as `Unknown`.
fn error_code(code: StatusCode) -> StatusCode {
    if code == StatusCode::Ok {
        StatusCode::Unknown
    } else {
        code
    }
}

/// A 128-bit trace id. Written as 32 lower-case hex digits.
///
/// # Examples
///
/// ```
/// assert_eq!(ctxtrace::TraceId(0xab).to_string(), "000000000000000000000000000000ab");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct TraceId(pub u128);

/// A 64-bit span id. Written as 16 lower-case hex digits.
///
/// # Examples
///
/// ```
/// assert_eq!(ctxtrace::SpanId(0xab).to_string(), "00000000000000ab");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct SpanId(pub u64);

impl TraceId {
    /// The id as 32 lower-case hex digits, without formatting machinery.
    ///
    /// # Examples
    ///
    /// ```
    /// let hex = ctxtrace::TraceId(1).to_hex();
    /// assert_eq!(&hex[30..], b"01");
    /// ```
    pub const fn to_hex(self) -> [u8; 32] {
        let (high, low) = (hex16((self.0 >> 64) as u64), hex16(self.0 as u64));
        let mut out = [0u8; 32];
        let mut i = 0;
        while i < 16 {
            out[i] = high[i];
            out[16 + i] = low[i];
            i += 1;
        }
        out
    }
}

impl SpanId {
    /// The id as 16 lower-case hex digits, without formatting machinery.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(&ctxtrace::SpanId(0x1f).to_hex(), b"000000000000001f");
    /// ```
    pub const fn to_hex(self) -> [u8; 16] {
        hex16(self.0)
    }
}

/// `n` as 16 lower-case hex digits, most significant first.
const fn hex16(n: u64) -> [u8; 16] {
    (((hex8((n >> 32) as u32) as u128) << 64) | hex8(n as u32) as u128).to_be_bytes()
}

/// `n` as 8 lower-case hex digits in the bytes of a word, the most
/// significant digit in its highest byte: all 8 at once, each nibble spread
/// into a byte of its own, then moved to its digit with no carry between
/// bytes.
const fn hex8(n: u32) -> u64 {
    let mut x = n as u64;
    x = (x | (x << 16)) & 0x0000_ffff_0000_ffff;
    x = (x | (x << 8)) & 0x00ff_00ff_00ff_00ff;
    x = (x | (x << 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    // 1 in each byte whose nibble is 10 or more, which goes from past
    // `'9'` to `'a'`: 39 further.
    let letters = ((x + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    x + 0x3030_3030_3030_3030 + letters * 39
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.to_hex();
        f.write_str(core::str::from_utf8(&hex).unwrap_or_default())
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.to_hex();
        f.write_str(core::str::from_utf8(&hex).unwrap_or_default())
    }
}

/// The ids of one span: the trace it belongs to and its own id.
///
/// # Examples
///
/// ```
/// use ctxtrace::{SpanId, SpanIds, TraceId};
///
/// let ids = SpanIds { trace_id: TraceId(7), span_id: SpanId(9) };
/// assert_eq!(ids.span_id.to_string(), "0000000000000009");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SpanIds {
    /// The trace.
    pub trace_id: TraceId,
    /// The span.
    pub span_id: SpanId,
}
