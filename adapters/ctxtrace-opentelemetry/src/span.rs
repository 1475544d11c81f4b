//! [`OtelSpan`] and [`OtelSpanRef`]: an OpenTelemetry span as a ctxtrace
//! [`Span`], and the reference a [`Ctx`](ctxtrace::Ctx) carries to it.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use ctxtrace::{ErrorStatus, Span, SpanId, SpanIds, StatusCode, TraceId, Value};
use opentelemetry::trace::{SpanContext, Status, TraceContextExt as _};
use opentelemetry::{Context, KeyValue};

use crate::convert::{
    EXCEPTION_EVENT, EXCEPTION_MESSAGE_KEY, EXCEPTION_TYPE_KEY, STATUS_CODE_KEY, error_description,
    exception_type, key_value,
};

/// An OpenTelemetry span `S` started by [`OtelTracer`](crate::OtelTracer).
///
/// It ends when it is dropped or on [`Span::end`]. Its status is applied when
/// it ends, so a later status replaces an earlier one (OpenTelemetry itself
/// would keep an `Ok` over a later error).
///
/// An error status is described by the error's message alone, and its code
/// goes in the span attribute `status.code` (`"NotFound"`). Each error also
/// adds an `exception` event with `exception.message` and, for an error given
/// to [`set_status`](Span::set_status) or [`set_error`](Span::set_error) as a
/// concrete type, `exception.type`: its Rust type name. A trait object
/// (`Box<dyn Error>`, `&dyn Error`) and a code given with
/// [`set_status_code`](Span::set_status_code) name no type.
///
/// A span dropped while its thread panics ends with the status `panicked
/// while the span was open` and the code `Internal`, unless it already had an
/// error status.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, NopLogger, Span};
/// use ctxtrace_opentelemetry::OtelTracer;
/// use opentelemetry::KeyValue;
/// use opentelemetry::trace::{Status, TracerProvider as _};
/// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
///
/// let exporter = InMemorySpanExporter::default();
/// let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
/// let ctx = Ctx::new(OtelTracer::new(provider.tracer("pod-sync")), NopLogger);
///
/// let (_ctx, mut span) = ctx.start_span("provider.create_pod");
/// assert!(span.span_context().is_valid());
/// let result: Result<(), std::io::Error> = Err(std::io::ErrorKind::NotFound.into());
/// span.set_status(&result);
/// span.end();
///
/// let spans = exporter.get_finished_spans().unwrap();
/// assert_eq!(spans[0].status, Status::error("entity not found"));
/// assert_eq!(spans[0].attributes[0], KeyValue::new("status.code", "NotFound"));
/// let exception = &spans[0].events[0];
/// assert_eq!(exception.name, "exception");
/// assert_eq!(exception.attributes, [
///     KeyValue::new("exception.message", "entity not found"),
///     KeyValue::new("exception.type", "std::io::error::Error"),
/// ]);
/// ```
pub struct OtelSpan<S: opentelemetry::trace::Span> {
    shared: Arc<Shared<S>>,
    /// The status to apply when the span ends, and its code.
    status: Option<(StatusCode, Status)>,
    /// The attributes, each key once with its latest value, set on the
    /// OpenTelemetry span when it ends: its `set_attribute` would keep every
    /// value of a key set twice.
    attributes: Vec<opentelemetry::KeyValue>,
}

/// What a span and the references to it share.
struct Shared<S> {
    /// `None` for a remote parent: a span of another process, of which this
    /// one has the span context alone.
    span: Option<Mutex<S>>,
    span_context: SpanContext,
    /// The ids as ctxtrace writes them; `None` for an invalid span context
    /// (a no-op OpenTelemetry tracer).
    ids: Option<SpanIds>,
    /// Whether the span records anything. It is read without the lock, so
    /// that a span that was sampled out costs nothing per field or entry.
    recording: bool,
    /// The context the span was started in; its children's context is built
    /// from it the first time one is asked for.
    parent_cx: Context,
    cx: OnceLock<Context>,
}

impl<S: opentelemetry::trace::Span> OtelSpan<S> {
    pub(crate) fn new(span: S, parent_cx: &Context) -> Self {
        let span_context = span.span_context().clone();
        let ids = ids_of(&span_context);
        let shared = Shared {
            recording: span.is_recording(),
            span: Some(Mutex::new(span)),
            span_context,
            ids,
            parent_cx: parent_cx.clone(),
            cx: OnceLock::new(),
        };
        OtelSpan {
            shared: Arc::new(shared),
            status: None,
            attributes: Vec::new(),
        }
    }

    /// The span's OpenTelemetry span context.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, NopLogger};
    /// # use ctxtrace_opentelemetry::OtelTracer;
    /// # use opentelemetry::trace::TracerProvider as _;
    /// # use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    /// # let exporter = InMemorySpanExporter::default();
    /// # let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
    /// # let tracer = OtelTracer::new(provider.tracer("pod-sync"));
    /// let (ctx, span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
    /// assert!(span.span_context().is_sampled());
    /// let ids = ctx.span_ids().unwrap();
    /// assert_eq!(ids.span_id.to_string(), span.span_context().span_id().to_string());
    /// ```
    pub fn span_context(&self) -> &SpanContext {
        &self.shared.span_context
    }

    /// Keeps `code` as the status to apply when the span ends. An error adds
    /// its `exception` event now, with `exception.type` when it is known.
    fn record(
        &mut self,
        code: StatusCode,
        message: &dyn fmt::Display,
        exception_type: Option<&'static str>,
    ) {
        if !self.shared.recording {
            return;
        }
        if code == StatusCode::Ok {
            self.status = Some((code, Status::Ok));
            return;
        }
        let description = error_description(code, message);
        let mut attributes = Vec::with_capacity(2);
        attributes.push(KeyValue::new(EXCEPTION_MESSAGE_KEY, description.clone()));
        if let Some(name) = exception_type {
            attributes.push(KeyValue::new(EXCEPTION_TYPE_KEY, name));
        }
        self.shared
            .with_span(|s| s.add_event(EXCEPTION_EVENT, attributes));
        self.status = Some((code, Status::error(description)));
    }
}

impl<S: opentelemetry::trace::Span> Span for OtelSpan<S> {
    type Ref = Option<OtelSpanRef<S>>;

    fn span_ref(&self) -> Self::Ref {
        Some(OtelSpanRef {
            shared: Arc::clone(&self.shared),
        })
    }

    /// A key set again replaces its value, as the OpenTelemetry
    /// specification says.
    fn set_attribute(&mut self, key: &'static str, value: Value<'_>) {
        if !self.shared.recording {
            return;
        }
        let old = self.attributes.iter().position(|a| a.key.as_str() == key);
        match (key_value(key, value), old) {
            (Some(attribute), Some(old)) => self.attributes[old] = attribute,
            (Some(attribute), None) => self.attributes.push(attribute),
            // `None` leaves the key out, as it does from an event.
            (None, Some(old)) => {
                self.attributes.remove(old);
            }
            (None, None) => {}
        }
    }

    fn is_recording(&self) -> bool {
        self.shared.recording
    }

    fn record_status(&mut self, code: StatusCode, message: &dyn fmt::Display) {
        self.record(code, message, None);
    }

    // Overridden to see the error's type, which `record_status` cannot.
    fn set_status<V, E: ErrorStatus<Via>, Via>(&mut self, result: &Result<V, E>) {
        match result {
            Ok(_) => self.record(StatusCode::Ok, &"", None),
            Err(e) => self.set_error(e),
        }
    }

    fn set_error<E: ErrorStatus<Via> + ?Sized, Via>(&mut self, err: &E) {
        if !self.shared.recording {
            return;
        }
        let err = err.as_error();
        // As in the provided method: an error never gives an ok status.
        let code = match StatusCode::classify(err) {
            StatusCode::Ok => StatusCode::Unknown,
            code => code,
        };
        self.record(code, &err, exception_type::<E>());
    }
}

impl<S: opentelemetry::trace::Span> Drop for OtelSpan<S> {
    fn drop(&mut self) {
        if std::thread::panicking() && !matches!(self.status, Some((_, Status::Error { .. }))) {
            self.record_status(StatusCode::Internal, &"panicked while the span was open");
        }
        let status = self.status.take();
        let attributes = std::mem::take(&mut self.attributes);
        self.shared.with_span(|s| {
            if !attributes.is_empty() {
                s.set_attributes(attributes);
            }
            if let Some((code, status)) = status {
                if code != StatusCode::Ok {
                    s.set_attribute(KeyValue::new(STATUS_CODE_KEY, code.as_str()));
                }
                s.set_status(status);
            }
            s.end();
        });
    }
}

impl<S: opentelemetry::trace::Span> fmt::Debug for OtelSpan<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtelSpan")
            .field("span_context", &self.shared.span_context)
            .field("recording", &self.shared.recording)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl<S> Shared<S> {
    /// Runs `f` on the span, under its lock. A panic that poisoned the lock
    /// left the span whole (each OpenTelemetry call completes or does
    /// nothing), so a poisoned lock is used as it is.
    fn with_span<R>(&self, f: impl FnOnce(&mut S) -> R) -> Option<R> {
        let span = self.span.as_ref()?;
        Some(f(&mut span.lock().unwrap_or_else(PoisonError::into_inner)))
    }

    fn context(&self) -> &Context {
        self.cx.get_or_init(|| {
            self.parent_cx
                .with_remote_span_context(self.span_context.clone())
        })
    }
}

/// The reference to a live [`OtelSpan`] that a [`Ctx`](ctxtrace::Ctx) carries:
/// the [`Tracer::SpanRef`](ctxtrace::Tracer::SpanRef) of
/// [`OtelTracer`](crate::OtelTracer) is `Option<OtelSpanRef<_>>`, where `None`
/// is "no span".
///
/// It shares the span with the [`OtelSpan`] (cloning it clones an [`Arc`]), so
/// entries logged through the `Ctx` reach the live OpenTelemetry span as
/// events. Once the span has ended, OpenTelemetry drops what still arrives.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, NopLogger};
/// use ctxtrace_opentelemetry::OtelTracer;
/// use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
/// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
///
/// let exporter = InMemorySpanExporter::default();
/// let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
/// let (ctx, span) = Ctx::new(OtelTracer::new(provider.tracer("pod-sync")), NopLogger).start_span("sync_pod");
///
/// let span_ref = ctx.span_ref().as_ref().unwrap();
/// assert!(span_ref.is_recording());
/// // An OpenTelemetry context for propagators and OpenTelemetry-instrumented libraries.
/// let cx = span_ref.context();
/// assert_eq!(cx.span().span_context(), span.span_context());
/// assert_eq!(span_ref.ids(), ctx.span_ids());
/// ```
pub struct OtelSpanRef<S> {
    shared: Arc<Shared<S>>,
}

impl<S> OtelSpanRef<S> {
    /// The span's trace and span ids as ctxtrace writes them, or `None` when
    /// the span context is not valid (as with a no-op OpenTelemetry tracer).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopLogger};
    /// use ctxtrace_opentelemetry::OtelTracer;
    /// use opentelemetry::trace::noop::NoopTracer;
    ///
    /// let (ctx, _span) = Ctx::new(OtelTracer::new(NoopTracer::new()), NopLogger).start_span("sync_pod");
    /// assert_eq!(ctx.span_ref().as_ref().unwrap().ids(), None);
    /// ```
    pub fn ids(&self) -> Option<SpanIds> {
        self.shared.ids
    }

    /// The span's OpenTelemetry span context.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, NopLogger};
    /// # use ctxtrace_opentelemetry::OtelTracer;
    /// # use opentelemetry::trace::TracerProvider as _;
    /// # use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    /// # let exporter = InMemorySpanExporter::default();
    /// # let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
    /// # let tracer = OtelTracer::new(provider.tracer("pod-sync"));
    /// let (ctx, span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
    /// assert_eq!(ctx.span_ref().as_ref().unwrap().span_context(), span.span_context());
    /// ```
    pub fn span_context(&self) -> &SpanContext {
        &self.shared.span_context
    }

    /// An OpenTelemetry [`Context`] whose span is this span's span context:
    /// the parent of this span's children, and what a propagator injects into
    /// outgoing requests. It is built the first time it is asked for.
    ///
    /// The context carries the span context only: calls on `cx.span()` do not
    /// reach the live span. Log through the `Ctx` to add events to it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, NopLogger};
    /// # use ctxtrace_opentelemetry::OtelTracer;
    /// # use opentelemetry::trace::TracerProvider as _;
    /// # use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    /// # let exporter = InMemorySpanExporter::default();
    /// # let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
    /// # let tracer = OtelTracer::new(provider.tracer("pod-sync"));
    /// use opentelemetry::trace::TraceContextExt as _;
    ///
    /// let (ctx, span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
    /// let cx = ctx.span_ref().as_ref().unwrap().context();
    /// assert_eq!(cx.span().span_context(), span.span_context());
    /// ```
    pub fn context(&self) -> &Context {
        self.shared.context()
    }

    /// Whether the span records anything: `false` when it was sampled out.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopLogger};
    /// use ctxtrace_opentelemetry::OtelTracer;
    /// use opentelemetry::trace::TracerProvider as _;
    /// use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
    ///
    /// let provider = SdkTracerProvider::builder().with_sampler(Sampler::AlwaysOff).build();
    /// let ctx = Ctx::new(OtelTracer::new(provider.tracer("pod-sync")), NopLogger);
    /// let (ctx, _span) = ctx.start_span("sync_pod");
    /// let span_ref = ctx.span_ref().as_ref().unwrap();
    /// assert!(!span_ref.is_recording());
    /// assert!(span_ref.ids().is_some(), "a sampled-out span still has ids");
    /// ```
    pub fn is_recording(&self) -> bool {
        self.shared.recording
    }

    /// Runs `f` on the live OpenTelemetry span, under its lock: an escape
    /// hatch for what ctxtrace has no call for, such as links. Do not log
    /// through a `Ctx` of this span inside `f`: the lock is not reentrant.
    /// `None` for a remote parent ([`is_remote`](OtelSpanRef::is_remote)),
    /// which has no live span in this process.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopLogger};
    /// use ctxtrace_opentelemetry::OtelTracer;
    /// use opentelemetry::trace::{Span as _, TracerProvider as _};
    /// use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    ///
    /// let exporter = InMemorySpanExporter::default();
    /// let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
    /// let (ctx, span) = Ctx::new(OtelTracer::new(provider.tracer("t")), NopLogger).start_span("sync_pod");
    /// let renamed = ctx.span_ref().as_ref().unwrap().with_span(|s| s.update_name("sync_pod/retry"));
    /// assert!(renamed.is_some());
    /// drop(span);
    /// assert_eq!(exporter.get_finished_spans().unwrap()[0].name, "sync_pod/retry");
    /// ```
    pub fn with_span<R>(&self, f: impl FnOnce(&mut S) -> R) -> Option<R> {
        self.shared.with_span(f)
    }

    /// Whether this reference stands for a remote parent, made by
    /// [`Ctx::with_remote_parent`](ctxtrace::Ctx::with_remote_parent): a
    /// span of another process, the parent of the next span here.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopLogger, TraceContext};
    /// use ctxtrace_opentelemetry::OtelTracer;
    /// use opentelemetry::trace::TracerProvider as _;
    /// use opentelemetry_sdk::trace::SdkTracerProvider;
    ///
    /// let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    /// let remote = TraceContext::from_headers([("traceparent", tp)]).unwrap();
    /// let tracer = OtelTracer::new(SdkTracerProvider::builder().build().tracer("t"));
    /// let ctx = Ctx::new(tracer, NopLogger).with_remote_parent(&remote);
    /// let span_ref = ctx.span_ref().as_ref().unwrap();
    /// assert!(span_ref.is_remote() && span_ref.span_context().is_remote());
    /// assert_eq!(span_ref.with_span(|_| ()), None);
    /// ```
    pub fn is_remote(&self) -> bool {
        self.shared.span.is_none()
    }

    /// A reference to the remote span `span_context`, whose children start
    /// in `root` with it as their parent.
    pub(crate) fn remote(span_context: SpanContext, root: &Context) -> Self {
        OtelSpanRef {
            shared: Arc::new(Shared {
                span: None,
                ids: ids_of(&span_context),
                recording: false,
                span_context,
                parent_cx: root.clone(),
                cx: OnceLock::new(),
            }),
        }
    }
}

/// The ids of a span context as ctxtrace writes them; `None` when it is not
/// valid.
fn ids_of(span_context: &SpanContext) -> Option<SpanIds> {
    span_context.is_valid().then(|| SpanIds {
        trace_id: TraceId(u128::from_be_bytes(span_context.trace_id().to_bytes())),
        span_id: SpanId(u64::from_be_bytes(span_context.span_id().to_bytes())),
    })
}

impl<S> Clone for OtelSpanRef<S> {
    fn clone(&self) -> Self {
        OtelSpanRef {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S> fmt::Debug for OtelSpanRef<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtelSpanRef")
            .field("span_context", &self.shared.span_context)
            .field("recording", &self.shared.recording)
            .finish_non_exhaustive()
    }
}
