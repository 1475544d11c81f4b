//! [`TracingTracer`]: a ctxtrace [`Tracer`] that opens `tracing` spans.

use std::array;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

use ctxtrace::{
    Ctx, Field, Level, LevelFilter, Logger, Record, Span, SpanIds, StatusCode, Tracer, Value,
};
use tracing_core::field::{DisplayValue, Field as TracingField, Value as TracingValue, display};
use tracing_core::span::{Attributes, Id};
use tracing_core::subscriber::NoSubscriber;
use tracing_core::{Dispatch, dispatcher};

use crate::callsite::{
    Interner, MAX_CALLSITES, SLOTS, SPAN_FIELD_COUNT, SPAN_OVERFLOW, SPAN_TRACE_ID, Site,
    level_enabled,
};
use crate::event::{EventData, Parent, emit};
use crate::fields::{FieldList, Pair, Rendered, Shape, set};

/// A ctxtrace [`Tracer`] that opens a `tracing` span for each ctxtrace span,
/// so a program that already has a `tracing` subscriber keeps it.
///
/// - **Parent.** A span's parent is the span carried by the
///   [`Ctx`] it was started from, set explicitly; a span started from a root
///   `Ctx` is a root span. The thread's current `tracing` span is never used.
/// - **Entered.** [`Ctx::in_span`] runs its closure, and [`Ctx::in_span_async`]
///   each poll of its future, inside the `tracing` span
///   ([`Tracer::in_scope`]), so a dependency's `tracing::info!` there is an
///   event of that span. Spans from [`Ctx::start_span`] are not entered:
///   entering is per thread, and a `Ctx` moves across threads and `.await`
///   points.
/// - **Name.** `tracing` span names are fixed at compile time, so every span
///   has the name `ctxtrace.span` and the target `ctxtrace` (a ctxtrace span
///   has no target; with `EnvFilter`, allow `ctxtrace=info` to keep spans),
///   and its ctxtrace name goes in the field `otel.name`, which
///   `tracing-opentelemetry` reads as the span's name.
/// - **Fields.** A span's fields must be declared when it is made, and
///   ctxtrace keys arrive later, so the span callsite declares 32 slots,
///   `fields.0` to `fields.31`. The first key set on a span gets `fields.0`,
///   the next new key `fields.1`, and so on; each time a field is set, only
///   its own slot is recorded, with the text `key=value` (logfmt-style, as
///   `pod=web-1`), so a subscriber that appends what is recorded
///   (`tracing-subscriber`'s `fmt`) shows each value once, and one that keeps
///   the latest value of each field (`fmt`'s JSON, `tracing-opentelemetry`)
///   keeps every key. A key set again records its slot again with the new
///   value; [`Span::with_fields`] records all its fields in one record. What
///   is lost: the types of span fields (each slot is text) and the key as a
///   field name; keys past the 32nd are recorded in `fields`, one
///   `key=value` text per recording (several in one text for
///   [`Span::with_fields`]), so a subscriber that keeps the latest value
///   keeps only the last of those; and a `None` set later records nothing,
///   so a subscriber keeps the value it saw, as an OpenTelemetry span does.
/// - **Status.** `otel.status_code` is `"ok"` or `"error"`, and
///   `otel.status_message` is the error's message (the code's name when the
///   message is empty), as `tracing-opentelemetry` reads them and as the
///   OpenTelemetry adapter describes a status.
/// - **Entries.** An entry logged through a span's `Ctx`, at
///   [`Level::Info`](ctxtrace::Level::Info) and above unless
///   [`with_event_level`](TracingTracer::with_event_level) says otherwise, and
///   wanted by the subscriber, becomes a `tracing` event whose parent is that
///   span and whose target is the entry's, with the fields `message`,
///   `method` (the span's name), then the `Ctx`'s fields and the entry's own,
///   each key once and typed, as [`TracingLogger`](crate::TracingLogger)
///   describes, with the same callsites per shape and the same bound
///   ([`MAX_CALLSITES`](TracingTracer::MAX_CALLSITES), shared by the
///   tracer's clones). Entries logged after the span ended are dropped.
/// - **Filtering.** Whether an entry is wanted is asked as
///   [`TracingLogger`](crate::TracingLogger) asks it: `tracing`'s global
///   maximum level before the entry is built, then the interest cached in
///   its callsite. Spans share one callsite and its cached interest.
/// - **Dispatcher.** Root spans go to the dispatcher given to
///   [`with_dispatch`](TracingTracer::with_dispatch), or else the thread's
///   default dispatcher when the span starts; a span's children and events go
///   to the dispatcher of the span, on whatever thread they happen.
///
/// - **Ids.** `tracing` span ids are not trace ids, so this tracer gives
///   loggers no ids ([`Tracer::span_ids`] is `None`). Paired with a tracer
///   that has ids, as in `(MemoryTracer, TracingTracer)` or
///   `(OtelTracer, TracingTracer)`, each `tracing` span is given the ids of
///   its ctxtrace span when it starts ([`Span::set_span_ids`]) and records
///   them in its fields `trace_id` (32 hex digits) and `span_id` (16), so
///   that [`CtxtraceLayer`](crate::CtxtraceLayer) writes a dependency's
///   events inside the span with those ids.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, NopLogger, Span};
/// use ctxtrace_tracing::TracingTracer;
///
/// let ctx = Ctx::new(TracingTracer::new(), NopLogger);
/// let (ctx, mut span) = ctx.start_span("sync_pod");
/// let ctx = span.with_field(&ctx, "pod", "web-1");
/// ctxtrace::info!(ctx, "syncing");
/// // No subscriber is installed here, so the span is disabled.
/// assert!(span.id().is_none());
/// ```
#[derive(Clone, Debug)]
pub struct TracingTracer {
    dispatch: Option<Dispatch>,
    event_level: LevelFilter,
    interner: Arc<Interner>,
}

impl Default for TracingTracer {
    fn default() -> Self {
        TracingTracer::new()
    }
}

impl TracingTracer {
    /// The most event callsites a tracer makes, with its clones: one per
    /// distinct target, level and set of keys of the entries logged under
    /// its spans. Past it, an entry of a new shape goes out with the target
    /// `ctxtrace` and its fields in one `fields` text.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ctxtrace_tracing::TracingTracer::MAX_CALLSITES, 1024);
    /// ```
    pub const MAX_CALLSITES: usize = MAX_CALLSITES;

    /// A tracer whose root spans go to the thread's default dispatcher at the
    /// time each one starts.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopLogger};
    /// use ctxtrace_tracing::TracingTracer;
    ///
    /// let registry = tracing_subscriber::registry();
    /// tracing::subscriber::with_default(registry, || {
    ///     let (_ctx, span) = Ctx::new(TracingTracer::new(), NopLogger).start_span("sync_pod");
    ///     assert!(span.id().is_some());
    /// });
    /// ```
    pub fn new() -> Self {
        TracingTracer {
            dispatch: None,
            event_level: LevelFilter::Info,
            interner: Arc::default(),
        }
    }

    /// A tracer whose spans all go to `dispatch`, whatever the thread's
    /// default dispatcher is.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopLogger};
    /// use ctxtrace_tracing::TracingTracer;
    /// use tracing::Dispatch;
    ///
    /// let tracer = TracingTracer::with_dispatch(Dispatch::new(tracing_subscriber::registry()));
    /// let (_ctx, span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
    /// assert!(span.id().is_some());
    /// ```
    pub fn with_dispatch(dispatch: Dispatch) -> Self {
        TracingTracer {
            dispatch: Some(dispatch),
            ..TracingTracer::new()
        }
    }

    /// The same tracer, making events of the entries that `level` allows and
    /// the subscriber wants. The default is
    /// [`LevelFilter::Info`](ctxtrace::LevelFilter::Info), as for every
    /// ctxtrace tracer: `debug!` and `trace!` lines under a span are no
    /// events, and their arguments are not evaluated unless the logger takes
    /// them.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, Level, LevelFilter, NopLogger};
    /// use ctxtrace_tracing::TracingTracer;
    /// use tracing::Dispatch;
    ///
    /// let tracer = TracingTracer::with_dispatch(Dispatch::new(tracing_subscriber::registry()));
    /// let (ctx, _span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync_pod");
    /// assert!(!ctx.enabled(Level::Debug));
    /// let (ctx, _span) = Ctx::new(tracer.with_event_level(LevelFilter::Trace), NopLogger).start_span("sync_pod");
    /// assert!(ctx.enabled(Level::Debug));
    /// ```
    #[must_use]
    pub fn with_event_level(self, level: LevelFilter) -> Self {
        TracingTracer {
            event_level: level,
            ..self
        }
    }
}

/// What a span and the references to it share.
struct Shared {
    dispatch: Dispatch,
    /// `None` when the subscriber did not want the span.
    id: Option<Id>,
    name: &'static str,
    /// Whether the span is still open. Its id is used only under the read
    /// lock, and the span is closed only after this is set to `false` under
    /// the write lock, so no child or event ever names a closed span (which a
    /// `tracing_subscriber::Registry` would reject).
    open: RwLock<bool>,
}

impl Shared {
    fn open(&self) -> RwLockReadGuard<'_, bool> {
        self.open.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A `tracing` span opened by [`TracingTracer`]. It is closed when it is
/// dropped or on [`Span::end`], even while `Ctx` values that carry it live on.
///
/// A span dropped while its thread panics ends with the status
/// `Internal: panicked while the span was open`, unless it already had an
/// error status.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, NopLogger, Span};
/// use ctxtrace_tracing::TracingTracer;
/// use tracing::Dispatch;
///
/// let tracer = TracingTracer::with_dispatch(Dispatch::new(tracing_subscriber::registry()));
/// let (ctx, mut span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
/// let _ctx = span.with_field(&ctx, "pod", "web-1");
/// assert_eq!(span.name(), "sync_pod");
/// assert_eq!(span.fields(), "pod=web-1");
/// span.end();
/// ```
pub struct TracingSpan {
    shared: Arc<Shared>,
    fields: FieldList,
    /// The key of each field slot (`fields.0`, `fields.1`...), in the order
    /// the keys were first set.
    slots: Vec<&'static str>,
    is_error: bool,
}

impl TracingSpan {
    /// The `tracing` id of the span, or `None` when the subscriber did not
    /// want it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, NopLogger, Span};
    /// # use ctxtrace_tracing::TracingTracer;
    /// # let tracer = TracingTracer::with_dispatch(tracing::Dispatch::new(tracing_subscriber::registry()));
    /// let (_ctx, span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
    /// assert!(span.id().is_some());
    ///
    /// let (_ctx, disabled) = Ctx::new(TracingTracer::with_dispatch(tracing::Dispatch::none()), NopLogger)
    ///     .start_span("sync_pod");
    /// assert!(disabled.id().is_none());
    /// ```
    pub fn id(&self) -> Option<&Id> {
        self.shared.id.as_ref()
    }

    /// The span's ctxtrace name (its `otel.name` field).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, NopLogger, Span};
    /// # use ctxtrace_tracing::TracingTracer;
    /// # let tracer = TracingTracer::with_dispatch(tracing::Dispatch::new(tracing_subscriber::registry()));
    /// let (_ctx, span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
    /// assert_eq!(span.name(), "sync_pod");
    /// ```
    pub fn name(&self) -> &'static str {
        self.shared.name
    }

    /// The span's fields now, logfmt-style: each key once, a key set again
    /// keeping its place with its latest value, and no key set to `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, NopLogger, Span};
    /// # use ctxtrace_tracing::TracingTracer;
    /// # let tracer = TracingTracer::with_dispatch(tracing::Dispatch::new(tracing_subscriber::registry()));
    /// let (ctx, mut span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
    /// let ctx = span.with_field(&ctx, "reason", "back off");
    /// let ctx = span.with_field(&ctx, "pod", "web-1");
    /// let _ctx = span.with_field(&ctx, "reason", "image pull");
    /// assert_eq!(span.fields(), r#"reason="image pull" pod=web-1"#);
    /// ```
    pub fn fields(&self) -> String {
        Rendered {
            ctx: &self.fields,
            fields: &[],
        }
        .to_string()
    }

    /// Records the latest value of each of `keys` (set since the last
    /// recording, each once) in one `tracing` record: each in the slot of
    /// its key, given the first time the key is set, and the keys past the
    /// slots together in `fields`. A key with no value (set to `None`)
    /// records nothing.
    fn record_keys(&mut self, keys: &[&'static str]) {
        let Some(id) = &self.shared.id else { return };
        let mut pairs: [Option<Pair<'_>>; SLOTS] = [None; SLOTS];
        let mut overflow = Vec::new();
        for &key in keys {
            let Some((_, value)) = self.fields.iter().find(|(k, _)| *k == key) else {
                continue;
            };
            let value = value.as_value();
            let slot = match self.slots.iter().position(|k| *k == key) {
                Some(slot) => Some(slot),
                None if self.slots.len() < SLOTS => {
                    self.slots.push(key);
                    Some(self.slots.len() - 1)
                }
                None => None,
            };
            match slot {
                Some(slot) => pairs[slot] = Some(Pair { key, value }),
                None => overflow.push(Field { key, value }),
            }
        }
        let shown: [Option<DisplayValue<Pair<'_>>>; SLOTS] = pairs.map(|p| p.map(display));
        let overflow = Rendered {
            ctx: &[],
            fields: &overflow,
        };
        let overflow = (!overflow.is_empty()).then(|| display(&overflow));
        if overflow.is_none() && shown.iter().all(Option::is_none) {
            return;
        }
        record(&self.shared.dispatch, id, |i| match i {
            SPAN_OVERFLOW => overflow.as_ref().map(|v| v as &dyn TracingValue),
            i => shown
                .get(i.wrapping_sub(1))?
                .as_ref()
                .map(|v| v as &dyn TracingValue),
        });
    }

    fn record_ids(&self, ids: SpanIds) {
        let Some(id) = &self.shared.id else { return };
        let (trace_hex, span_hex) = (ids.trace_id.to_hex(), ids.span_id.to_hex());
        // Hex digits are ASCII, so neither ever falls back to "".
        let trace_id = std::str::from_utf8(&trace_hex).unwrap_or_default();
        let span_id = std::str::from_utf8(&span_hex).unwrap_or_default();
        record(&self.shared.dispatch, id, |i| match i {
            SPAN_TRACE_ID => Some(&trace_id as &dyn TracingValue),
            i if i == SPAN_TRACE_ID + 1 => Some(&span_id as &dyn TracingValue),
            _ => None,
        });
    }

    fn record_status_fields(&self, code: &str, message: Option<&dyn fmt::Display>) {
        let Some(id) = &self.shared.id else { return };
        let message = message.map(display);
        record(&self.shared.dispatch, id, |i| match i {
            i if i == SPAN_FIELD_COUNT - 2 => Some(&code as &dyn TracingValue),
            i if i == SPAN_FIELD_COUNT - 1 => message.as_ref().map(|m| m as &dyn TracingValue),
            _ => None,
        });
    }
}

/// Records in span `id` the value `value(i)` gives for each span field `i`
/// that has one, in one `tracing` record.
fn record<'a>(dispatch: &Dispatch, id: &Id, value: impl Fn(usize) -> Option<&'a dyn TracingValue>) {
    let set = Site::span().meta().fields();
    let mut names = set.iter();
    let fields: [Option<TracingField>; SPAN_FIELD_COUNT] = array::from_fn(|_| names.next());
    let Some(first) = &fields[0] else { return };
    let values: [(&TracingField, Option<&dyn TracingValue>); SPAN_FIELD_COUNT] =
        array::from_fn(|i| match &fields[i] {
            Some(field) => (field, value(i)),
            None => (first, None),
        });
    dispatch.record(
        id,
        &tracing_core::span::Record::new(&set.value_set(&values)),
    );
}

impl Tracer for TracingTracer {
    type Span = TracingSpan;
    type SpanRef = Option<TracingSpanRef>;

    fn start_span(&self, parent: &Self::SpanRef, name: &'static str) -> TracingSpan {
        match parent {
            Some(parent) => {
                let shared = &parent.shared;
                // Held until the child exists, so the parent cannot close first.
                let open = shared.open();
                let parent_id = if *open { shared.id.clone() } else { None };
                new_span(&shared.dispatch, parent_id, name)
            }
            None => match &self.dispatch {
                Some(dispatch) => new_span(dispatch, None, name),
                None => {
                    let dispatch = dispatcher::get_default(Dispatch::clone);
                    new_span(&dispatch, None, name)
                }
            },
        }
    }

    /// Enters the `tracing` span for the call, so that a dependency's
    /// `tracing` events and spans inside `Ctx::in_span` or
    /// `Ctx::in_span_async` have it as their parent.
    fn in_scope<R>(&self, span: &Self::SpanRef, f: impl FnOnce() -> R) -> R {
        /// Leaves the span when dropped, so a panic in `f` leaves it too.
        struct Entered<'a>(&'a Dispatch, Id);
        impl Drop for Entered<'_> {
            fn drop(&mut self) {
                self.0.exit(&self.1);
            }
        }
        let Some(shared) = span.as_ref().map(|span| &span.shared) else {
            return f();
        };
        let id = if *shared.open() {
            shared.id.clone()
        } else {
            None
        };
        let Some(id) = id else { return f() };
        shared.dispatch.enter(&id);
        let _entered = Entered(&shared.dispatch, id);
        f()
    }

    /// Whether the tracer's event level allows `level` and some dispatcher
    /// may want it (`tracing`'s global maximum level). The entry's target
    /// is not known yet; [`add_event`](Tracer::add_event) asks its callsite.
    fn event_enabled(&self, span: &Self::SpanRef, level: Level) -> bool {
        span.is_some() && self.event_level.allows(level) && level_enabled(level)
    }

    /// Sends the entry to the span's dispatcher, inside the span, at the
    /// callsite of its target, level and keys, if the subscriber wants that
    /// callsite.
    fn add_event<L: Logger>(&self, span: &Self::SpanRef, record: &Record<'_>, context: &L) {
        let Some(span) = span else { return };
        let shared = &span.shared;
        let mut ctx_fields = FieldList::new();
        context.for_each_field(|key, value| set(&mut ctx_fields, key, value));
        let shape = Shape::new(&ctx_fields, record.fields());
        let site = self
            .interner
            .event(record.level(), record.callsite(), &shape);
        site.register(Some(&shared.dispatch));
        if !site.enabled(&shared.dispatch) {
            return;
        }
        let open = shared.open();
        if !*open {
            return;
        }
        let data = EventData {
            message: record.message(),
            method: Some(shared.name),
            ids: None,
            shape: &shape,
            rendered: Rendered {
                ctx: &ctx_fields,
                fields: record.fields(),
            },
        };
        emit(
            &shared.dispatch,
            site,
            Parent::Explicit(shared.id.clone()),
            &data,
        );
    }
}

/// Opens a span on `dispatch`, a child of `parent`, or a root span.
fn new_span(dispatch: &Dispatch, parent: Option<Id>, name: &'static str) -> TracingSpan {
    let id = open_span(dispatch, parent, name);
    let shared = Shared {
        dispatch: dispatch.clone(),
        id,
        name,
        open: RwLock::new(true),
    };
    TracingSpan {
        shared: Arc::new(shared),
        fields: FieldList::new(),
        slots: Vec::new(),
        is_error: false,
    }
}

/// The id of a new `tracing` span, or `None` when the subscriber does not
/// want it.
///
/// A dispatcher with no subscriber wants none, whatever the cached interest
/// says: it is not one of the dispatchers `tracing` asks.
fn open_span(dispatch: &Dispatch, parent: Option<Id>, name: &'static str) -> Option<Id> {
    let site = Site::span();
    site.register(Some(dispatch));
    if !site.enabled(dispatch) || dispatch.is::<NoSubscriber>() {
        return None;
    }
    let meta = site.meta();
    let set = meta.fields();
    let name_field = set.iter().next()?;
    let values: [(&_, Option<&dyn TracingValue>); 1] = [(&name_field, Some(&name))];
    let values = set.value_set(&values);
    let attributes = match parent {
        Some(parent) => Attributes::child_of(parent, meta, &values),
        None => Attributes::new_root(meta, &values),
    };
    Some(dispatch.new_span(&attributes))
}

impl Span for TracingSpan {
    type Ref = Option<TracingSpanRef>;
    const TAKES_SPAN_IDS: bool = true;

    /// Records the ids in the span's fields `trace_id` and `span_id`, as
    /// hex text.
    fn set_span_ids(&mut self, ids: SpanIds) {
        self.record_ids(ids);
    }

    fn span_ref(&self) -> Self::Ref {
        Some(TracingSpanRef {
            shared: Arc::clone(&self.shared),
        })
    }

    /// Records the one field that changed, in its slot.
    fn set_attribute(&mut self, key: &'static str, value: Value<'_>) {
        if self.shared.id.is_some() {
            set(&mut self.fields, key, value);
            self.record_keys(&[key]);
        }
    }

    fn record_status(&mut self, code: StatusCode, message: &dyn fmt::Display) {
        if code == StatusCode::Ok {
            self.is_error = false;
            self.record_status_fields("ok", None);
        } else {
            self.is_error = true;
            let description = Description { code, message };
            self.record_status_fields("error", Some(&description));
        }
    }

    /// Sets all the fields, then records them in one `tracing` record,
    /// each key once with its latest value.
    fn with_fields<T: Tracer, L: Logger>(
        &mut self,
        ctx: &Ctx<T, L>,
        fields: &[Field<'_>],
    ) -> Ctx<T, L> {
        let mut logger = ctx.logger().clone();
        let mut keys = Vec::new();
        for field in fields {
            if self.shared.id.is_some() {
                set(&mut self.fields, field.key, field.value);
                if !keys.contains(&field.key) {
                    keys.push(field.key);
                }
            }
            logger = Ctx::<T, L>::logger_with_field(&logger, field.key, field.value);
        }
        self.record_keys(&keys);
        ctx.with_logger(logger)
    }
}

impl Drop for TracingSpan {
    fn drop(&mut self) {
        if std::thread::panicking() && !self.is_error {
            self.record_status(StatusCode::Internal, &"panicked while the span was open");
        }
        *self
            .shared
            .open
            .write()
            .unwrap_or_else(PoisonError::into_inner) = false;
        if let Some(id) = &self.shared.id {
            // `tracing_subscriber::Registry` releases a closing span's parent
            // through the thread's default dispatcher: make that the span's
            // own, whatever thread this is and whatever its default.
            let dispatch = &self.shared.dispatch;
            dispatcher::with_default(dispatch, || dispatch.try_close(id.clone()));
        }
    }
}

impl fmt::Debug for TracingSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracingSpan")
            .field("id", &self.shared.id)
            .field("name", &self.shared.name)
            .field("fields", &self.fields)
            .field("slots", &self.slots)
            .finish_non_exhaustive()
    }
}

/// The error's message, or the code's name for an empty message, as the
/// OpenTelemetry adapter describes a status.
struct Description<'a> {
    code: StatusCode,
    message: &'a dyn fmt::Display,
}

impl fmt::Display for Description<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = self.message.to_string();
        if message.is_empty() {
            write!(f, "{}", self.code)
        } else {
            f.write_str(&message)
        }
    }
}

/// The reference to a live [`TracingSpan`] that a [`Ctx`] carries: the
/// [`Tracer::SpanRef`] of [`TracingTracer`] is `Option<TracingSpanRef>`,
/// where `None` is "no span".
///
/// Cloning it clones an [`Arc`]; it does not keep the `tracing` span open.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, NopLogger};
/// use ctxtrace_tracing::TracingTracer;
/// use tracing::Dispatch;
///
/// let tracer = TracingTracer::with_dispatch(Dispatch::new(tracing_subscriber::registry()));
/// let (ctx, span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
/// let span_ref = ctx.span_ref().clone().unwrap();
/// assert_eq!(span_ref.id().as_ref(), span.id());
/// assert_eq!(span_ref.name(), "sync_pod");
/// drop(span);
/// assert_eq!(span_ref.id(), None);
/// ```
#[derive(Clone)]
pub struct TracingSpanRef {
    shared: Arc<Shared>,
}

impl TracingSpanRef {
    /// The `tracing` id of the span while it is open, or `None` once it has
    /// ended or when the subscriber did not want it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, NopLogger, Span};
    /// # use ctxtrace_tracing::TracingTracer;
    /// # let tracer = TracingTracer::with_dispatch(tracing::Dispatch::new(tracing_subscriber::registry()));
    /// let (ctx, span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
    /// let span_ref = ctx.span_ref().as_ref().unwrap();
    /// assert!(span_ref.id().is_some());
    /// span.end();
    /// assert!(span_ref.id().is_none());
    /// ```
    pub fn id(&self) -> Option<Id> {
        if *self.shared.open() {
            self.shared.id.clone()
        } else {
            None
        }
    }

    /// The span's ctxtrace name.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, NopLogger, Span};
    /// # use ctxtrace_tracing::TracingTracer;
    /// # let tracer = TracingTracer::with_dispatch(tracing::Dispatch::new(tracing_subscriber::registry()));
    /// let (ctx, _span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
    /// assert_eq!(ctx.span_ref().as_ref().unwrap().name(), "sync_pod");
    /// ```
    pub fn name(&self) -> &'static str {
        self.shared.name
    }

    /// The dispatcher the span, its children and its events go to.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, NopLogger, Span};
    /// # use ctxtrace_tracing::TracingTracer;
    /// # let tracer = TracingTracer::with_dispatch(tracing::Dispatch::new(tracing_subscriber::registry()));
    /// let (ctx, _span) = Ctx::new(tracer, NopLogger).start_span("sync_pod");
    /// let dispatch = ctx.span_ref().as_ref().unwrap().dispatch();
    /// assert!(dispatch.is::<tracing_subscriber::Registry>());
    /// ```
    pub fn dispatch(&self) -> &Dispatch {
        &self.shared.dispatch
    }
}

impl fmt::Debug for TracingSpanRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracingSpanRef")
            .field("id", &self.shared.id)
            .field("name", &self.shared.name)
            .finish_non_exhaustive()
    }
}
