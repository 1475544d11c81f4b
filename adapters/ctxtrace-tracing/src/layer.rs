//! [`CtxtraceLayer`]: a `tracing-subscriber` layer that writes `tracing`
//! events to a ctxtrace [`Logger`].

use std::cell::RefCell;
use std::error::Error;
use std::fmt::{self, Write as _};
use std::ops::Range;

use ctxtrace::{
    Callsite, Field, Level, Logger, Record, SendLogger, SpanId, SpanIds, TraceId, Value,
};
use tracing_core::field::Visit;
use tracing_core::span::{Attributes, Id};
use tracing_core::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::callsite::Site;
use crate::fields::{FieldList, set};

/// A `tracing-subscriber` [`Layer`] that writes each `tracing` event it sees
/// as one entry on a ctxtrace [`Logger`], so that the events of dependencies
/// that log with `tracing` (kube, hyper, tower, ...) land in the same stream,
/// in the same format, as the program's own ctxtrace entries.
///
/// Each event that passes the subscriber's filters becomes a [`Record`] with:
///
/// - the level: `tracing`'s five levels are ctxtrace's five;
/// - the message: the event's `message` field, the format arguments of
///   `tracing::info!("hello {}", 1)`, or `""` when it has none;
/// - the target, file and line of the event's metadata, as the record's
///   [`Callsite`] (the target is the module that wrote the event, or the
///   `target:` given to the macro);
/// - the fields of the `tracing` spans the event is in, from the root down,
///   then the event's own. A key recorded again on a span
///   (`span.record(..)`) replaces its value, a field of an inner span
///   replaces one of an outer span, an event field replaces a span field,
///   and no key is given twice: the rule that a `Ctx`'s fields follow.
///
/// Field values keep their types where ctxtrace has them:
///
/// | `tracing` records | ctxtrace value |
/// | --- | --- |
/// | `i64`, `u64` (and the smaller integers, which `tracing` widens) | [`Value::I64`], [`Value::U64`] |
/// | `i128`, `u128` | [`Value::I128`], [`Value::U128`] |
/// | `f64`, `bool`, `&str` | [`Value::F64`], [`Value::Bool`], [`Value::Str`] |
/// | `?x`, `%x`, errors, byte slices | [`Value::Str`] of the rendered text |
///
/// The logger's own fields (from [`Logger::with_field`]) are written as on
/// any entry, and an event field replaces one of them with the same key.
/// The record has no `method`.
///
/// # Span ids
///
/// The record's span ids are those of the innermost span in the event's
/// scope that has the fields `trace_id` (32 hex digits) and `span_id` (16
/// hex digits), as the spans that [`TracingTracer`](crate::TracingTracer)
/// opens beside a tracer with ids do: a dependency's event inside
/// `ctx.in_span` under `(MemoryTracer, TracingTracer)` carries the ids of
/// that ctxtrace span, and a logger writes them as it writes a ctxtrace
/// entry's. Those two fields are then not written as fields; a span whose
/// `trace_id` or `span_id` is not such hex text gives no ids, and its fields
/// are written as any others. An event outside such spans has no ids.
///
/// # Spans
///
/// `tracing` spans become fields of the events inside them, not ctxtrace
/// spans. A ctxtrace span belongs to a `Ctx` value that code passes
/// explicitly, and it is ended by its owner; a `tracing` span is entered and
/// exited on threads and closed by the registry when its last handle goes. A
/// dependency's spans would also show up as spans of the program's trace
/// with no way to tell them apart. Their names are not written either: only
/// their fields are.
///
/// The spans that [`TracingTracer`](crate::TracingTracer) opens give their
/// ids (see below) and nothing else: their fields are the ctxtrace span's
/// name, fields and status, as text in numbered slots.
///
/// # Filtering
///
/// The layer sees only the events the subscriber's filters let through, so
/// `EnvFilter`, `Targets` and `LevelFilter` layers filter by target and
/// level as they do for any layer. The logger's own level applies after
/// that: an event above [`Logger::MAX_LEVEL`] or that
/// [`Logger::enabled`] rules out is dropped before any field is visited. To
/// spare `tracing` even the event, give the layer a filter of its own with
/// [`Layer::with_filter`].
///
/// # Cost
///
/// Each event's message and fields are copied into buffers that each
/// thread reuses, so the layer allocates nothing for an event once the
/// thread is warm (what the logger does is its own); a buffer that one large
/// event grew past 64 KiB is let go afterwards. Span fields are copied
/// into the span's extensions when the span is created or recorded.
///
/// A logger that itself writes to `tracing`, such as a fan-out with a
/// [`TracingLogger`](crate::TracingLogger), does not feed its entries back
/// to the layer: while a subscriber handles an event, `tracing` gives the
/// thread no default dispatcher, so what the logger emits goes nowhere.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Level, MemoryLogger, OwnedValue};
/// use ctxtrace_tracing::CtxtraceLayer;
/// use tracing_subscriber::layer::SubscriberExt as _;
///
/// let logger = MemoryLogger::new();
/// let subscriber = tracing_subscriber::registry().with(CtxtraceLayer::new(logger.clone()));
/// tracing::subscriber::with_default(subscriber, || {
///     // What a dependency does:
///     let span = tracing::info_span!("sync", pod = "web-1");
///     let _entered = span.enter();
///     tracing::warn!(attempt = 2, reason = %"image not found", "pull of {} failed", "nginx");
/// });
///
/// let entry = &logger.entries()[0];
/// assert_eq!(entry.level(), Level::Warn);
/// assert_eq!(entry.message(), "pull of nginx failed");
/// assert_eq!(entry.target(), module_path!());
/// let fields: Vec<_> = entry.fields().map(|(key, value)| (key, value.clone())).collect();
/// assert_eq!(
///     fields,
///     [
///         ("pod", OwnedValue::Str("web-1".into())),
///         ("attempt", OwnedValue::I64(2)),
///         ("reason", OwnedValue::Str("image not found".into())),
///     ]
/// );
/// ```
#[derive(Clone)]
pub struct CtxtraceLayer<L> {
    logger: L,
}

impl<L: Logger> CtxtraceLayer<L> {
    /// A layer that writes every event it sees to `logger`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::JsonLogger;
    /// use ctxtrace_tracing::CtxtraceLayer;
    /// use tracing_subscriber::layer::SubscriberExt as _;
    ///
    /// let logger = JsonLogger::new(Vec::new()).without_time();
    /// let subscriber = tracing_subscriber::registry().with(CtxtraceLayer::new(logger.clone()));
    /// tracing::subscriber::with_default(subscriber, || tracing::info!(pods = 3, "synced"));
    /// let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    /// // The event's own target: the module that called `tracing::info!`.
    /// assert!(out.starts_with("{\"level\":\"info\",\"target\":\""));
    /// assert!(out.contains(",\"msg\":\"synced\","));
    /// assert!(out.ends_with(",\"pods\":3}\n"));
    /// ```
    pub fn new(logger: L) -> Self {
        CtxtraceLayer { logger }
    }

    /// The logger the events are written to.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Level, LevelFilter, Logger as _, MemoryLogger};
    /// use ctxtrace_tracing::CtxtraceLayer;
    ///
    /// let layer = CtxtraceLayer::new(MemoryLogger::new().with_level(LevelFilter::Warn));
    /// assert!(!layer.logger().enabled(Level::Info));
    /// ```
    pub fn logger(&self) -> &L {
        &self.logger
    }
}

impl<L> fmt::Debug for CtxtraceLayer<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CtxtraceLayer")
            .field("logger", &std::any::type_name::<L>())
            .finish()
    }
}

impl<S, L> Layer<S> for CtxtraceLayer<L>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    L: SendLogger,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.values().is_empty() {
            return;
        }
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut fields = FieldList::new();
        attrs.record(&mut Visitor(&mut fields));
        if !fields.is_empty() {
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(&self, id: &Id, values: &tracing_core::span::Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(fields)) = extensions.get_mut::<SpanFields>() {
            values.record(&mut Visitor(fields));
            return;
        }
        let mut fields = FieldList::new();
        values.record(&mut Visitor(&mut fields));
        if !fields.is_empty() {
            extensions.insert(SpanFields(fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        let level = level(*meta.level());
        if !(L::MAX_LEVEL.allows(level) && self.logger.enabled(level)) {
            return;
        }
        with_scratch(|scratch| {
            scratch.clear();
            event.record(&mut Visitor(&mut EventFields(scratch)));
            let mut span_ids = None;
            // From the innermost span out; `Scratch::log` turns it round.
            for span in ctx.event_scope(event).into_iter().flatten() {
                scratch.starts.push(scratch.slots.len());
                if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>() {
                    let ids = parse_ids(fields);
                    span_ids = span_ids.or(ids);
                    // A `TracingTracer` span's fields are the ctxtrace
                    // span's, as text in numbered slots: only its ids count.
                    if std::ptr::eq(span.metadata(), Site::span().meta()) {
                        continue;
                    }
                    for (key, value) in fields {
                        if ids.is_some() && (*key == "trace_id" || *key == "span_id") {
                            continue;
                        }
                        scratch.push(key, value.as_value());
                    }
                }
            }
            // `tracing`'s metadata is static: a recorder keeps the target
            // by reference rather than copying it into each event.
            let file = meta.file().unwrap_or("");
            let callsite = Callsite::new_static(meta.target(), file, meta.line().unwrap_or(0));
            scratch.log(&self.logger, level, &callsite, span_ids);
        });
    }
}

/// The ids in a span's fields `trace_id` and `span_id`, when both are hex
/// text of the right length.
fn parse_ids(fields: &FieldList) -> Option<SpanIds> {
    let hex = |key: &str, digits: usize| {
        let (_, value) = fields.iter().find(|(k, _)| *k == key)?;
        let text = value.as_value();
        let Value::Str(text) = text else { return None };
        (text.len() == digits && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u128::from_str_radix(text, 16).ok())
            .flatten()
    };
    let trace_id = hex("trace_id", 32)?;
    let span_id = u64::try_from(hex("span_id", 16)?).ok()?;
    Some(SpanIds {
        trace_id: TraceId(trace_id),
        span_id: SpanId(span_id),
    })
}

/// ctxtrace's level for a `tracing` level.
fn level(level: tracing_core::Level) -> Level {
    match level {
        tracing_core::Level::ERROR => Level::Error,
        tracing_core::Level::WARN => Level::Warn,
        tracing_core::Level::INFO => Level::Info,
        tracing_core::Level::DEBUG => Level::Debug,
        _ => Level::Trace,
    }
}

/// The fields of one `tracing` span, kept in its extensions: each key once,
/// with its latest value.
struct SpanFields(FieldList);

/// Where a [`Visitor`] puts the fields it is given.
trait PutField {
    fn put(&mut self, key: &'static str, value: Value<'_>);
}

/// A span's fields: a key recorded again replaces its value.
impl PutField for FieldList {
    fn put(&mut self, key: &'static str, value: Value<'_>) {
        set(self, key, value);
    }
}

/// An event's fields: `message` is the message, the others are fields.
struct EventFields<'a>(&'a mut Scratch);

impl PutField for EventFields<'_> {
    fn put(&mut self, key: &'static str, value: Value<'_>) {
        if key == "message" {
            let _ = write!(self.0.message, "{value}");
        } else {
            self.0.push(key, value);
        }
    }
}

/// A `tracing` visitor that hands each value on with its type.
struct Visitor<'a, P>(&'a mut P);

impl<P: PutField> Visit for Visitor<'_, P> {
    fn record_f64(&mut self, field: &tracing_core::Field, value: f64) {
        self.0.put(field.name(), Value::F64(value));
    }

    fn record_i64(&mut self, field: &tracing_core::Field, value: i64) {
        self.0.put(field.name(), Value::I64(value));
    }

    fn record_u64(&mut self, field: &tracing_core::Field, value: u64) {
        self.0.put(field.name(), Value::U64(value));
    }

    fn record_i128(&mut self, field: &tracing_core::Field, value: i128) {
        self.0.put(field.name(), Value::I128(&value));
    }

    fn record_u128(&mut self, field: &tracing_core::Field, value: u128) {
        self.0.put(field.name(), Value::U128(&value));
    }

    fn record_bool(&mut self, field: &tracing_core::Field, value: bool) {
        self.0.put(field.name(), Value::Bool(value));
    }

    fn record_str(&mut self, field: &tracing_core::Field, value: &str) {
        self.0.put(field.name(), Value::Str(value));
    }

    fn record_error(&mut self, field: &tracing_core::Field, value: &(dyn Error + 'static)) {
        self.0.put(field.name(), Value::Error(value));
    }

    fn record_debug(&mut self, field: &tracing_core::Field, value: &dyn fmt::Debug) {
        self.0.put(field.name(), Value::Debug(value));
    }
}

/// A buffer is let go after an event that grew it past this, so that one
/// huge event does not pin its memory for the life of the thread.
const KEEP_BYTES: usize = 64 * 1024;

/// As [`KEEP_BYTES`], in fields.
const KEEP_FIELDS: usize = 1024;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers, or with fresh ones when the
/// thread's are in use (an event dispatched from inside the handling of
/// another, straight to a `Dispatch`) or already gone (the thread is being
/// torn down).
fn with_scratch(f: impl FnOnce(&mut Scratch)) {
    let mut f = Some(f);
    let _ = SCRATCH.try_with(|cell| {
        if let Ok(mut scratch) = cell.try_borrow_mut() {
            if let Some(f) = f.take() {
                f(&mut scratch);
            }
            scratch.trim();
        }
    });
    if let Some(f) = f {
        f(&mut Scratch::default());
    }
}

/// One event's message and fields, copied out of `tracing`'s visits so that
/// they outlive them, in buffers that are reused from one event to the next.
#[derive(Default)]
struct Scratch {
    message: String,
    /// The text of every string value, one after the other.
    text: String,
    /// The event's own fields, then each span's, from the innermost out.
    slots: Vec<(&'static str, Slot)>,
    /// Where each span's fields start in `slots`.
    starts: Vec<usize>,
    /// Always empty: the allocation that [`Scratch::log`] builds the record's
    /// fields in.
    fields: Vec<Field<'static>>,
}

/// A value copied into [`Scratch`]: a string is a range of its `text`.
enum Slot {
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
    Str(Range<usize>),
}

impl Scratch {
    fn clear(&mut self) {
        self.message.clear();
        self.text.clear();
        self.slots.clear();
        self.starts.clear();
    }

    /// Copies one field in, rendering what is not a number, a bool or a
    /// string.
    fn push(&mut self, key: &'static str, value: Value<'_>) {
        let slot = match value {
            Value::I64(n) => Slot::I64(n),
            Value::U64(n) => Slot::U64(n),
            Value::I128(&n) => Slot::I128(n),
            Value::U128(&n) => Slot::U128(n),
            Value::F64(n) => Slot::F64(n),
            Value::Bool(b) => Slot::Bool(b),
            Value::Str(s) => {
                let start = self.text.len();
                self.text.push_str(s);
                Slot::Str(start..self.text.len())
            }
            other => {
                let start = self.text.len();
                let _ = write!(self.text, "{other}");
                Slot::Str(start..self.text.len())
            }
        };
        self.slots.push((key, slot));
    }

    /// Writes the record: the spans' fields from the root down, then the
    /// event's, each key once, at the place of its last value.
    fn log(
        &mut self,
        logger: &impl Logger,
        level: Level,
        callsite: &Callsite<'_>,
        span_ids: Option<SpanIds>,
    ) {
        let Scratch {
            message,
            text,
            slots,
            starts,
            fields,
        } = self;
        let mut record_fields: Vec<Field<'_>> = std::mem::take(fields);
        let mut end = slots.len();
        // The spans' fields in reverse order of their starts, then the
        // event's, which start at 0.
        for start in starts.iter().rev().copied().chain([0]) {
            record_fields.extend(slots[start..end].iter().map(|(key, slot)| Field {
                key,
                value: slot.value(text),
            }));
            end = start;
        }
        keep_last(&mut record_fields);
        logger.log(
            &Record::new(level, format_args!("{message}"), &record_fields)
                .with_callsite(callsite)
                .with_span_ids(span_ids),
        );
        *fields = recycle(record_fields);
    }

    /// Lets go of buffers that one event grew too large.
    fn trim(&mut self) {
        if self.message.capacity() > KEEP_BYTES {
            self.message = String::new();
        }
        if self.text.capacity() > KEEP_BYTES {
            self.text = String::new();
        }
        if self.slots.capacity() > KEEP_FIELDS {
            self.slots = Vec::new();
        }
        if self.starts.capacity() > KEEP_FIELDS {
            self.starts = Vec::new();
        }
        if self.fields.capacity() > KEEP_FIELDS {
            self.fields = Vec::new();
        }
    }
}

impl Slot {
    fn value<'a>(&'a self, text: &'a str) -> Value<'a> {
        match self {
            Slot::I64(n) => Value::I64(*n),
            Slot::U64(n) => Value::U64(*n),
            Slot::I128(n) => Value::I128(n),
            Slot::U128(n) => Value::U128(n),
            Slot::F64(n) => Value::F64(*n),
            Slot::Bool(b) => Value::Bool(*b),
            Slot::Str(range) => Value::Str(text.get(range.clone()).unwrap_or_default()),
        }
    }
}

/// Keeps each field whose key no later field has.
fn keep_last(fields: &mut Vec<Field<'_>>) {
    let mut kept = 0;
    for i in 0..fields.len() {
        let field = fields[i];
        if !fields[i + 1..]
            .iter()
            .any(|later| same_key(later.key, field.key))
        {
            fields[kept] = field;
            kept += 1;
        }
    }
    fields.truncate(kept);
}

/// Whether two keys are the same, compared by length and first byte before
/// their bytes: keys that differ, the common case, cost no `memcmp`.
fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && (a.as_ptr() == b.as_ptr() || (a.as_bytes().first() == b.as_bytes().first() && a == b))
}

/// An empty vector with the allocation of `fields`, for fields that borrow
/// from elsewhere. Collecting a vector's own `into_iter` into items of the
/// same size and alignment reuses its allocation; the closure never runs.
fn recycle<'b>(mut fields: Vec<Field<'_>>) -> Vec<Field<'b>> {
    fields.clear();
    fields
        .into_iter()
        .map(|field| Field {
            key: field.key,
            value: Value::Null,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recycle_keeps_the_allocation() {
        let text = String::from("web-1");
        let mut fields = Vec::with_capacity(8);
        fields.push(Field::new("pod", text.as_str()));
        let recycled: Vec<Field<'static>> = recycle(fields);
        assert!(recycled.is_empty());
        assert_eq!(recycled.capacity(), 8);
    }

    #[test]
    fn the_last_of_a_key_wins_in_its_place() {
        let mut fields = vec![
            Field::new("pod", "web-1"),
            Field::new("attempt", &1),
            Field::new("node", "n1"),
            Field::new("pod", "web-2"),
            Field::new("attempt", &2),
        ];
        keep_last(&mut fields);
        let kept: Vec<_> = fields
            .iter()
            .map(|f| (f.key, f.value.to_string()))
            .collect();
        assert_eq!(
            kept,
            [
                ("node", "n1".into()),
                ("pod", "web-2".into()),
                ("attempt", "2".into())
            ]
        );
    }

    #[test]
    fn a_huge_event_does_not_pin_its_buffers() {
        let mut scratch = Scratch::default();
        scratch.push("big", Value::Str(&"x".repeat(KEEP_BYTES + 1)));
        scratch.push("small", Value::U64(1));
        scratch.trim();
        assert_eq!(scratch.text.capacity(), 0);
        assert!(scratch.slots.capacity() >= 2);
    }
}
