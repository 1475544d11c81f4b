//! The memory recorder: [`MemoryTracer`] keeps finished spans, and
//! [`MemoryLogger`] keeps log entries, for tests and for inspecting a run.

use crate::ids::{IdGenerator, seed};
use crate::{
    Clock, Ids, Level, LevelFilter, Logger, Record, Span, SpanId, SpanIds, StatusCode, SystemClock,
    TraceContext, TraceFlags, TraceId, Tracer, Value,
};
use std::cell::RefCell;

use remote::{Propagation, RefPropagation};
use ring::Ring;
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

mod data;
mod export;
mod limits;
mod logger;
mod remote;
mod render;
mod ring;
mod spans;

pub use data::{EventData, OwnedStatus, SpanData};
pub use export::{ChromeTrace, FoldedStacks};
pub use limits::SpanLimits;
pub use logger::{Entry, MemoryLogger};
pub use spans::{Event, SpanRecord, Spans};

use limits::{clear_text, clear_vec};

/// The number of finished spans a recorder keeps unless told otherwise, and
/// the number of entries a [`MemoryLogger`] keeps.
///
/// # Examples
///
/// ```
/// use ctxtrace::{DEFAULT_CAPACITY, MemoryTracer};
///
/// assert_eq!(MemoryTracer::new().capacity(), DEFAULT_CAPACITY);
/// assert_eq!(DEFAULT_CAPACITY, 65_536);
/// ```
pub const DEFAULT_CAPACITY: usize = 65_536;

/// Recycled span buffers kept for reuse, at most.
const POOL_MAX: usize = 1024;

/// A tracer that records finished spans in memory.
///
/// It records each span's ids, parent, name, start and end time, attributes,
/// events, status and thread. Read them back with
/// [`spans`](MemoryTracer::spans).
///
/// - **Attributes.** A key set again replaces its value.
/// - **Events.** Every entry logged through a `Ctx` under the span, at
///   [`Level::Info`] and above unless [`with_event_level`](Self::with_event_level)
///   says otherwise. An event carries the entry's level, target and
///   message, the `Ctx`'s fields (those added with `with_field`, as the log
///   line has them) and the entry's own fields, which win over the `Ctx`'s;
///   no event holds a key twice.
///
/// - **Bounded.** It keeps at most [`capacity`](MemoryTracer::capacity) finished
///   spans (65,536 by default), drops the oldest beyond that and counts the
///   drops, and each span keeps at most the attributes and events its
///   [`SpanLimits`] allow (128 of each by default) and counts the rest, so
///   an always-on recorder cannot grow without bound.
/// - **No allocation per span once warm.** A dropped span's buffers are reused
///   for the next one; strings are copied into one text buffer per span.
/// - **Random ids by default.** W3C Trace Context ids from a fast generator
///   seeded per recorder ([`Ids::Random`]); a test that asserts ids asks for
///   counters from 1 with [`with_ids(Ids::Sequential)`](Self::with_ids).
/// - **Isolated.** Each recorder is its own; clones share it. Two recorders in
///   two parallel tests never see each other's spans.
///
/// A span's events are kept while the span is open. An entry logged through a
/// `Ctx` whose span has already ended is counted in
/// [`late_events`](MemoryTracer::late_events) and not kept.
///
/// - **Rendered outside the lock.** No code of the caller's runs under the
///   recorder's lock. Whatever would run some (a message with arguments to
///   format, a `Display`, `Debug`, error or path value, the logger's
///   fields) is rendered into a buffer of the calling thread's own before
///   the lock is taken, which is held only to append the finished event. A
///   slow `Display` holds up no other thread, and a `Display` that starts a
///   span or logs into the same recorder gets its own span or event. An
///   entry with a literal message and only strings, numbers, booleans,
///   durations and `None` is copied straight into the span under the lock:
///   the same copy that appending a rendered event makes, with no buffer
///   between, and its message is kept as the literal it is, not copied.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span};
///
/// let tracer = MemoryTracer::with_capacity(2);
/// let ctx = Ctx::new(tracer.clone(), NopLogger);
/// for _ in 0..3 {
///     let (ctx, mut span) = ctx.start_span("tick");
///     let _ = span.with_field(&ctx, "n", 1);
/// }
/// assert_eq!(tracer.spans().len(), 2);
/// assert_eq!(tracer.dropped(), 1);
/// ```
#[derive(Debug)]
pub struct MemoryTracer<C: Clock = SystemClock> {
    shared: Arc<Shared<C>>,
    event_level: LevelFilter,
    /// The [`SpanLimits`], kept in 32 bits each so that the handle stays
    /// small: every `Ctx` holds one.
    max_attributes: u32,
    max_events: u32,
}

impl<C: Clock> Clone for MemoryTracer<C> {
    #[inline]
    fn clone(&self) -> Self {
        MemoryTracer {
            shared: Arc::clone(&self.shared),
            event_level: self.event_level,
            max_attributes: self.max_attributes,
            max_events: self.max_events,
        }
    }
}

#[derive(Debug)]
struct Shared<C> {
    clock: C,
    inner: Mutex<Inner>,
}

impl<C> Shared<C> {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while the lock was held leaves the data whole: every
        // change is completed before it is published, and no user code runs
        // under the lock.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Debug)]
struct Inner {
    ids: IdGenerator,
    /// Event buffers of the spans that are open, by slot.
    slots: Vec<Slot>,
    free_slots: Vec<u32>,
    // Boxed, so that a span's record moves between the pool, the span and
    // the ring as one pointer rather than a copy of the whole record.
    finished: Ring<Box<SpanRecord>>,
    #[allow(clippy::vec_box)] // the boxes move to spans and the ring as they are
    pool: Vec<Box<SpanRecord>>,
    started: u64,
    dropped: u64,
    late_events: u64,
    /// The `tracestate` values that references name by key.
    states: crate::states::States,
}

#[derive(Debug, Default)]
struct Slot {
    /// How many spans have ended in the slot: a reference to an ended span
    /// names an older generation. 64 bits, so that a reference held over
    /// months never meets its generation again: 32 would wrap after about
    /// an hour of a million spans a second through one slot, and a late
    /// event would land in whatever span held the slot then.
    generation: u64,
    /// Boxed, so that it moves between a record and its slot as one pointer.
    events: Box<Events>,
}

/// A span's events: their metadata, fields, text and 128-bit integers, in
/// four buffers that are reused from span to span.
#[derive(Clone, Debug, Default)]
struct Events {
    list: Vec<EventMeta>,
    fields: Vec<Stored>,
    text: String,
    wide: Vec<Wide>,
    /// Events not kept because the span had its most.
    dropped: u64,
}

/// One event rendered outside the recorder's lock, in the calling thread's
/// scratch buffer: its target (a range into its own text, or the call
/// site's static string), message and fields, with ranges into its own text
/// and wide buffers.
#[derive(Debug)]
struct Rendered {
    target: EventStr,
    message: (u32, u32),
    fields: Vec<Stored>,
    text: String,
    wide: Vec<Wide>,
}

impl Rendered {
    const EMPTY: Rendered = Rendered {
        target: EventStr::Text(0, 0),
        message: (0, 0),
        fields: Vec::new(),
        text: String::new(),
        wide: Vec::new(),
    };

    /// Renders the `Ctx`'s fields that the entry does not override, then the
    /// target, the message and the entry's own fields, each key once. Any
    /// `Display` runs here, with no lock held.
    fn render<L: Logger>(&mut self, record: &Record<'_>, context: &L) {
        self.render_context(record, context);
        self.target = EventStr::target(&mut self.text, record);
        self.message = write_text(&mut self.text, record.message());
        let Rendered {
            fields, text, wide, ..
        } = self;
        if record.repeats_keys() {
            for field in record.unique_fields() {
                fields.push(Stored::copy(field.key, field.value, text, wide));
            }
        } else {
            for field in record.fields() {
                fields.push(Stored::copy(field.key, field.value, text, wide));
            }
        }
    }

    /// Empties the buffers and renders only the `Ctx`'s fields that the
    /// entry does not override: the part of a [plain](plain_message)
    /// entry that the logger gives, copied before the recorder is locked
    /// because a logger of the caller's may run any code to give it.
    #[inline]
    fn render_context<L: Logger>(&mut self, record: &Record<'_>, context: &L) {
        self.text.clear();
        self.fields.clear();
        self.wide.clear();
        let Rendered {
            fields, text, wide, ..
        } = self;
        context.for_each_field(|key, value| {
            if !record.has_field(key) {
                fields.push(Stored::copy(key, value, text, wide));
            }
        });
    }

    /// Gives back memory that one huge event made the buffers grow to.
    fn trim(&mut self) {
        if self.text.capacity() > limits::BUF_KEEP {
            self.text = String::new();
        }
        if self.fields.capacity() * size_of::<Stored>() > limits::BUF_KEEP {
            self.fields = Vec::new();
        }
        if self.wide.capacity() * size_of::<Wide>() > limits::BUF_KEEP {
            self.wide = Vec::new();
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct EventMeta {
    level: Level,
    unix_nanos: u64,
    message: EventStr,
    /// The record's target: the program's own string when the call site
    /// has one ([`Record::target_static`]), as the macros' do, else a copy
    /// in the text buffer. (Sharing the copy of the event before was tried:
    /// on spans of ten events it saved 12% of `memory_bytes` and cost about
    /// 90 instructions an event more than the copy, for the compare.)
    target: EventStr,
    fields: (u32, u32),
}

/// An event's message or target: a string of the program's own, kept as
/// it is, or text in the span's text buffer.
#[derive(Clone, Copy, Debug)]
enum EventStr {
    Literal(&'static str),
    Text(u32, u32),
}

impl EventStr {
    /// `record`'s target as an event keeps it: the call site's own string
    /// when it has one, else copied to the end of `text`.
    #[inline]
    fn target(text: &mut String, record: &Record<'_>) -> EventStr {
        match record.target_static() {
            Some(target) => EventStr::Literal(target),
            None => {
                let (start, end) = push_text(text, record.target());
                EventStr::Text(start, end)
            }
        }
    }

    /// The same string, read from a text buffer that starts `by` bytes
    /// later.
    #[inline]
    fn shifted(self, by: u32) -> EventStr {
        match self {
            EventStr::Text(start, end) => EventStr::Text(start + by, end + by),
            literal => literal,
        }
    }

    /// The string, read from `text` when it lives there.
    fn get(self, text: &str) -> &str {
        match self {
            EventStr::Literal(s) => s,
            EventStr::Text(start, end) => slice(text, (start, end)),
        }
    }
}

/// A field kept by the recorder: strings point into a text buffer, and
/// 128-bit integers into a buffer of their own, so that a field stays
/// four words.
#[derive(Clone, Copy, Debug)]
struct Stored {
    key: &'static str,
    value: StoredValue,
}

#[derive(Clone, Copy, Debug)]
enum StoredValue {
    Str(u32, u32),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Duration(u64, u32),
    Null,
    /// An index into the wide buffer.
    Wide(u32),
}

/// A 128-bit integer kept by the recorder.
#[derive(Clone, Copy, Debug)]
enum Wide {
    I128(i128),
    U128(u128),
}

impl Stored {
    /// The same field, read from text and wide buffers that start `text`
    /// bytes and `wide` entries later.
    fn shifted(self, text: u32, wide: u32) -> Stored {
        let value = match self.value {
            StoredValue::Str(start, end) => StoredValue::Str(start + text, end + text),
            StoredValue::Wide(i) => StoredValue::Wide(i.saturating_add(wide)),
            other => other,
        };
        Stored { value, ..self }
    }

    /// Copies `value`, writing any text into `text` and any 128-bit integer
    /// into `wide`. A `Display` that fails keeps what it wrote before
    /// failing; one that panics leaves `text` as it was (see [`or_undo`]).
    #[inline]
    fn copy(
        key: &'static str,
        value: Value<'_>,
        text: &mut String,
        wide: &mut Vec<Wide>,
    ) -> Stored {
        let value = Stored::copy_plain(value, text, wide, |text| {
            let write = |text: &mut String| write_text(text, format_args!("{value}"));
            let (start, end) = or_undo(text, write);
            StoredValue::Str(start, end)
        });
        Stored { key, value }
    }

    /// [`copy`](Stored::copy)'s part for a value that is not
    /// [rendered](Value::is_rendered), inlined; a rendered one is given to
    /// `rendered`, with `text`.
    #[inline(always)]
    fn copy_plain(
        value: Value<'_>,
        text: &mut String,
        wide: &mut Vec<Wide>,
        rendered: impl FnOnce(&mut String) -> StoredValue,
    ) -> StoredValue {
        match value {
            Value::I64(n) => StoredValue::I64(n),
            Value::U64(n) => StoredValue::U64(n),
            Value::F64(n) => StoredValue::F64(n),
            Value::Bool(b) => StoredValue::Bool(b),
            Value::Duration(d) => StoredValue::Duration(d.as_secs(), d.subsec_nanos()),
            Value::Null => StoredValue::Null,
            Value::I128(&n) => push_wide(wide, Wide::I128(n)),
            Value::U128(&n) => push_wide(wide, Wide::U128(n)),
            Value::Str(s) => {
                let (start, end) = push_text(text, s);
                StoredValue::Str(start, end)
            }
            _ => rendered(text),
        }
    }

    fn get<'a>(&self, text: &'a str, wide: &'a [Wide]) -> Value<'a> {
        match self.value {
            StoredValue::Str(start, end) => Value::Str(slice(text, (start, end))),
            StoredValue::I64(n) => Value::I64(n),
            StoredValue::U64(n) => Value::U64(n),
            StoredValue::F64(n) => Value::F64(n),
            StoredValue::Bool(b) => Value::Bool(b),
            StoredValue::Duration(secs, nanos) => Value::Duration(Duration::new(secs, nanos)),
            StoredValue::Null => Value::Null,
            StoredValue::Wide(i) => match wide.get(i as usize) {
                Some(Wide::I128(n)) => Value::I128(n),
                Some(Wide::U128(n)) => Value::U128(n),
                None => Value::Null,
            },
        }
    }
}

/// The message of an entry that the recorder copies under its lock, as it
/// is: one whose message is a literal (no argument to format) and whose
/// fields are none of them [rendered](Value::is_rendered), each key once.
/// `None` for any other, which is rendered into the thread's scratch buffer
/// first, so that no `Display` runs under the lock.
#[inline]
fn plain_message(record: &Record<'_>) -> Option<&'static str> {
    let message = record.message().as_str()?;
    (record.fields().iter().all(|f| !f.value.is_rendered()) && !record.repeats_keys())
        .then_some(message)
}

/// Appends a 128-bit integer to `wide` and returns where it is. Past
/// `u32::MAX` of them in one span, the value is kept as `Null`.
fn push_wide(wide: &mut Vec<Wide>, n: Wide) -> StoredValue {
    match u32::try_from(wide.len()) {
        Ok(i) => {
            wide.push(n);
            StoredValue::Wide(i)
        }
        Err(_) => StoredValue::Null,
    }
}

/// The most text one span keeps, so that ranges into it fit in `u32`.
const TEXT_MAX: usize = u32::MAX as usize;

/// Appends formatted text and returns its byte range. Text past 4 GiB in one
/// span is not kept, so ranges always fit in `u32`.
fn write_text(text: &mut String, args: fmt::Arguments<'_>) -> (u32, u32) {
    if let Some(s) = args.as_str() {
        return push_text(text, s);
    }
    let start = text.len();
    if start < TEXT_MAX / 2 {
        let _ = text.write_fmt(args);
    }
    if text.len() > TEXT_MAX {
        text.truncate(start);
    }
    (start as u32, text.len() as u32)
}

/// Appends a string and returns its byte range, as [`write_text`] does.
#[inline]
fn push_text(text: &mut String, s: &str) -> (u32, u32) {
    let start = text.len();
    if start.saturating_add(s.len()) <= TEXT_MAX {
        text.push_str(s);
    }
    (start as u32, text.len() as u32)
}

fn slice(text: &str, (start, end): (u32, u32)) -> &str {
    text.get(start as usize..end as usize).unwrap_or("")
}

#[derive(Clone, Copy, Debug, Default)]
enum StoredStatus {
    #[default]
    Unset,
    Ok,
    Error(StatusCode, (u32, u32)),
}

/// What a live span carries for the `Ctx`: where its events go, and its ids.
///
/// It is the [`Tracer::SpanRef`] of [`MemoryTracer`]; `None` is "no span".
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
///
/// let root = Ctx::new(MemoryTracer::new(), NopLogger);
/// let (ctx, _span) = root.start_span("sync");
/// assert!(root.span_ref().is_none());
/// assert_eq!(ctx.span_ref().as_ref().map(|r| r.ids()), ctx.span_ids());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemorySpanRef {
    slot: u32,
    generation: u64,
    ids: SpanIds,
    propagation: RefPropagation,
}

impl MemorySpanRef {
    /// The span's ids.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, Ids, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::new().with_ids(Ids::Sequential);
    /// let (ctx, _span) = Ctx::new(tracer, NopLogger).start_span("a");
    /// assert_eq!(ctx.span_ref().as_ref().unwrap().ids().span_id.0, 1);
    /// ```
    pub fn ids(&self) -> SpanIds {
        self.ids
    }
}

/// A span of [`MemoryTracer`]. It is recorded when it is dropped or ended.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span};
///
/// let tracer = MemoryTracer::new();
/// let (_ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
/// assert!(tracer.spans().is_empty());
/// span.end();
/// assert_eq!(tracer.spans().len(), 1);
/// ```
#[derive(Debug)]
pub struct MemorySpan<C: Clock = SystemClock> {
    shared: Arc<Shared<C>>,
    /// `None` only once the span has been recorded, in `drop`. It holds the
    /// span's ids.
    record: Option<Box<SpanRecord>>,
    slot: u32,
    generation: u64,
    max_attributes: u32,
    /// The clock's monotonic time at the start.
    started: u64,
}

impl MemoryTracer<SystemClock> {
    /// A recorder with the system clock and the default capacity
    /// ([`DEFAULT_CAPACITY`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::MemoryTracer;
    ///
    /// let tracer = MemoryTracer::new();
    /// assert!(tracer.spans().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_clock(SystemClock::new())
    }

    /// A recorder with the system clock that keeps at most `capacity`
    /// finished spans. A capacity of 0 keeps none and counts every span as
    /// dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::with_capacity(0);
    /// drop(Ctx::new(tracer.clone(), NopLogger).start_span("sync"));
    /// assert_eq!((tracer.spans().len(), tracer.dropped()), (0, 1));
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_clock_and_capacity(SystemClock::new(), capacity)
    }
}

impl Default for MemoryTracer<SystemClock> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Clock> MemoryTracer<C> {
    /// A recorder with the given clock and the default capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, ManualClock, MemoryTracer, NopLogger};
    ///
    /// let clock = ManualClock::new(5_000);
    /// let tracer = MemoryTracer::with_clock(clock.clone());
    /// let (_ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
    /// clock.set(7_000);
    /// drop(span);
    /// let spans = tracer.spans();
    /// let span = spans.find("sync").unwrap();
    /// assert_eq!((span.start_unix_nanos(), span.end_unix_nanos()), (5_000, 7_000));
    /// ```
    pub fn with_clock(clock: C) -> Self {
        Self::with_clock_and_capacity(clock, DEFAULT_CAPACITY)
    }

    /// A recorder with the given clock and capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{ManualClock, MemoryTracer};
    ///
    /// let tracer = MemoryTracer::with_clock_and_capacity(ManualClock::new(0), 16);
    /// assert_eq!(tracer.capacity(), 16);
    /// ```
    pub fn with_clock_and_capacity(clock: C, capacity: usize) -> Self {
        let inner = Inner {
            ids: IdGenerator::new(Ids::Random, 0),
            slots: Vec::new(),
            free_slots: Vec::new(),
            finished: Ring::new(capacity),
            pool: Vec::new(),
            started: 0,
            dropped: 0,
            late_events: 0,
            states: Default::default(),
        };
        MemoryTracer {
            shared: Arc::new(Shared {
                clock,
                inner: Mutex::new(inner),
            }),
            event_level: LevelFilter::Info,
            max_attributes: 0,
            max_events: 0,
        }
        .with_limits(SpanLimits::new())
        // Seeded from the address of the shared state, known only now.
        .with_ids(Ids::Random)
    }

    /// The same recorder, whose spans keep as events the entries that `level`
    /// allows. The default is [`LevelFilter::Info`]: `debug!` and `trace!`
    /// lines are not kept on spans, and their arguments are not evaluated
    /// unless the logger takes them. Clones share the recorder; each keeps its
    /// own event level.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, LevelFilter, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::new();
    /// for tracer in [tracer.clone(), tracer.clone().with_event_level(LevelFilter::Trace)] {
    ///     let (ctx, _span) = Ctx::new(tracer, NopLogger).start_span("sync");
    ///     ctxtrace::debug!(ctx, "details");
    ///     ctxtrace::info!(ctx, "synced");
    /// }
    /// let spans = tracer.spans();
    /// let counts: Vec<usize> = spans.iter().map(|s| s.events().count()).collect();
    /// assert_eq!(counts, [1, 2]);
    /// ```
    #[must_use]
    pub fn with_event_level(self, level: LevelFilter) -> Self {
        MemoryTracer {
            event_level: level,
            ..self
        }
    }

    /// The same recorder, whose spans keep at most the attributes and events
    /// that `limits` allow; the default is [`SpanLimits::new`], 128 of each.
    /// What goes past a limit is counted on the span. Clones share the
    /// recorder; each keeps its own limits, which apply to the spans it
    /// starts.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, SpanLimits};
    ///
    /// let tracer = MemoryTracer::new().with_limits(SpanLimits::new().with_max_events(2));
    /// let (ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
    /// for i in 0..5 {
    ///     ctxtrace::info!(ctx, "attempt {i}");
    /// }
    /// drop(span);
    /// let spans = tracer.spans();
    /// let sync = spans.find("sync").unwrap();
    /// assert_eq!((sync.events().len(), sync.dropped_events()), (2, 3));
    /// ```
    ///
    /// A limit above `u32::MAX` is taken as `u32::MAX`.
    #[must_use]
    pub fn with_limits(self, limits: SpanLimits) -> Self {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        MemoryTracer {
            max_attributes: clamp(limits.max_attributes),
            max_events: clamp(limits.max_events),
            ..self
        }
    }

    /// The limits of the spans this recorder starts.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{MemoryTracer, SpanLimits};
    ///
    /// assert_eq!(MemoryTracer::new().limits(), SpanLimits::new());
    /// ```
    pub fn limits(&self) -> SpanLimits {
        SpanLimits::new()
            .with_max_attributes(self.max_attributes as usize)
            .with_max_events(self.max_events as usize)
    }

    /// The level of the entries this recorder keeps as span events.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{LevelFilter, MemoryTracer};
    ///
    /// assert_eq!(MemoryTracer::new().event_level(), LevelFilter::Info);
    /// ```
    pub fn event_level(&self) -> LevelFilter {
        self.event_level
    }

    /// The same recorder, making ids as `ids` says from now on: random W3C
    /// ids ([`Ids::Random`], the default) or counters from 1
    /// ([`Ids::Sequential`]) for tests that assert ids. Clones share the
    /// recorder and its ids; the counters start again at 1, and a random
    /// generator is seeded afresh.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, Ids, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::new().with_ids(Ids::Sequential);
    /// let root = Ctx::new(tracer.clone(), NopLogger);
    /// let (a, _a) = root.start_span("a");
    /// let (b, _b) = a.start_span("b");
    /// let (a, b) = (a.span_ids().unwrap(), b.span_ids().unwrap());
    /// assert_eq!((a.trace_id.0, a.span_id.0), (1, 1));
    /// assert_eq!((b.trace_id.0, b.span_id.0), (1, 2));
    /// assert_eq!(tracer.ids(), Ids::Sequential);
    /// ```
    #[must_use]
    pub fn with_ids(self, ids: Ids) -> Self {
        let address = Arc::as_ptr(&self.shared).addr();
        self.lock().ids = IdGenerator::new(ids, seed(address));
        self
    }

    /// How this recorder makes ids.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ids, MemoryTracer};
    ///
    /// assert_eq!(MemoryTracer::new().ids(), Ids::Random);
    /// ```
    pub fn ids(&self) -> Ids {
        self.lock().ids.ids()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.lock()
    }

    /// A snapshot of the finished spans, oldest first. Spans that end later
    /// are not added to it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::new();
    /// let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// drop(ctx.start_span("first"));
    /// let snapshot = tracer.spans();
    /// drop(ctx.start_span("second"));
    /// assert_eq!(snapshot.len(), 1);
    /// let names: Vec<&str> = tracer.spans().iter().map(|s| s.name()).collect();
    /// assert_eq!(names, ["first", "second"]);
    /// ```
    pub fn spans(&self) -> Spans {
        Spans::new(
            self.lock()
                .finished
                .iter()
                .map(|r| SpanRecord::clone(r))
                .collect(),
        )
    }

    /// The most finished spans this recorder keeps.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::MemoryTracer;
    ///
    /// assert_eq!(MemoryTracer::with_capacity(100).capacity(), 100);
    /// ```
    pub fn capacity(&self) -> usize {
        self.lock().finished.max()
    }

    /// How many spans were started.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::new();
    /// let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let (_a, _b) = (ctx.start_span("a"), ctx.start_span("b"));
    /// assert_eq!(tracer.started(), 2);
    /// ```
    pub fn started(&self) -> u64 {
        self.lock().started
    }

    /// How many finished spans were dropped because the recorder was full.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::with_capacity(1);
    /// let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// drop(ctx.start_span("old"));
    /// drop(ctx.start_span("new"));
    /// assert_eq!(tracer.dropped(), 1);
    /// assert_eq!(tracer.spans().iter().next().unwrap().name(), "new");
    /// ```
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// How many spans are open now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::new();
    /// let (ctx, outer) = Ctx::new(tracer.clone(), NopLogger).start_span("outer");
    /// let (_ctx, inner) = ctx.start_span("inner");
    /// assert_eq!(tracer.open(), 2);
    /// drop(inner);
    /// assert_eq!(tracer.open(), 1);
    /// # drop(outer);
    /// ```
    pub fn open(&self) -> usize {
        let inner = self.lock();
        inner.slots.len() - inner.free_slots.len()
    }

    /// How many `tracestate` values were lost: a reference whose
    /// `tracestate` entry had been reused, or a remote parent that found all
    /// entries held by open spans. The recorder keeps the `tracestate` of
    /// remote parents in a table of 4,096 entries, so that span references
    /// stay `Copy`; an entry is never reused while a span started under it
    /// is open, and otherwise lasts until 4,096 newer ones came. A lost
    /// `tracestate` is sent on as empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, TraceContext};
    ///
    /// let tracer = MemoryTracer::new();
    /// let tp = "00-12345678901234567890123456789012-1234567890123456-01";
    /// let remote = TraceContext::from_values(tp, ["congo=t61rcWkgMzE"]).unwrap();
    /// let ctx = Ctx::new(tracer.clone(), NopLogger).with_remote_parent(&remote);
    /// assert_eq!(ctx.trace_context().unwrap().state, remote.state);
    /// assert_eq!(tracer.lost_trace_states(), 0);
    /// ```
    pub fn lost_trace_states(&self) -> u64 {
        self.lock().states.lost()
    }

    /// How many entries arrived for a span that had already ended, and were
    /// not kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::new();
    /// let (ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
    /// drop(span);
    /// ctxtrace::info!(ctx, "too late");
    /// assert_eq!(tracer.late_events(), 1);
    /// assert_eq!(tracer.spans().find("sync").unwrap().events().len(), 0);
    /// ```
    pub fn late_events(&self) -> u64 {
        self.lock().late_events
    }

    /// The bytes the recorder's buffers hold now, counted by capacity: kept
    /// spans, recycled buffers and open spans' events. A long run that keeps
    /// starting spans reaches a plateau here.
    ///
    /// **The bound.** Each span keeps at most
    /// [`max_attributes`](SpanLimits::max_attributes) attributes of 32 bytes
    /// and [`max_events`](SpanLimits::max_events) events of 56 bytes plus 32
    /// bytes a field, and the text it keeps: strings, formatted messages and
    /// targets not made [static](crate::Callsite::new_static). The recorder
    /// holds at most `capacity` finished spans, the open ones, and 1,024
    /// recycled ones, and a recycled buffer past 64 KiB is given back when
    /// it is reused. So with the default limits and events of up to 4
    /// fields, a span holds 27 KiB of attributes and events and 344 bytes
    /// of its own record: under 28 KiB beside its text, and the recorder
    /// under (`capacity` + open + 1,024) × that.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span};
    ///
    /// let tracer = MemoryTracer::with_capacity(4);
    /// let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let run = |n: usize| {
    ///     for _ in 0..n {
    ///         let (ctx, mut span) = ctx.start_span("tick");
    ///         let ctx = span.with_field(&ctx, "pod", "web-1");
    ///         ctxtrace::info!(ctx, "tock");
    ///     }
    /// };
    /// run(100);
    /// let warm = tracer.memory_bytes();
    /// assert!(warm > 0);
    /// run(1_000);
    /// assert_eq!(tracer.memory_bytes(), warm);
    /// ```
    pub fn memory_bytes(&self) -> usize {
        let inner = self.lock();
        let spans = inner
            .finished
            .iter()
            .chain(&inner.pool)
            .map(|r| r.heap_bytes());
        let slots = inner.slots.iter().map(|s| s.events.heap_bytes());
        spans.sum::<usize>()
            + slots.sum::<usize>()
            + (inner.finished.len() + inner.pool.len()) * size_of::<SpanRecord>()
            + inner.finished.allocated() * size_of::<Box<SpanRecord>>()
            + inner.pool.capacity() * size_of::<Box<SpanRecord>>()
            + inner.slots.capacity() * size_of::<Slot>()
    }

    /// Forgets every finished span, and resets the drop counters. Open spans
    /// are kept and recorded when they end. [`started`](MemoryTracer::started)
    /// is not reset.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::with_capacity(1);
    /// let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let (_, open) = ctx.start_span("open");
    /// drop((ctx.start_span("a"), ctx.start_span("b")));
    /// tracer.clear();
    /// assert_eq!((tracer.spans().len(), tracer.dropped(), tracer.started()), (0, 0, 3));
    /// drop(open);
    /// assert_eq!(tracer.spans().find("open").unwrap().name(), "open");
    /// ```
    pub fn clear(&self) {
        let mut inner = self.lock();
        for record in inner.finished.take_all() {
            inner.recycle(record);
        }
        inner.dropped = 0;
        inner.late_events = 0;
    }
}

impl Inner {
    /// The events of the open span that `span` names; `None`, counted as a
    /// late event, when that span has ended.
    #[inline]
    fn live_events(&mut self, span: &MemorySpanRef) -> Option<&mut Events> {
        match self.slots.get_mut(span.slot as usize) {
            Some(live) if live.generation == span.generation => Some(&mut live.events),
            _ => {
                self.late_events += 1;
                None
            }
        }
    }

    #[inline]
    fn recycle(&mut self, mut record: Box<SpanRecord>) {
        if self.pool.len() < POOL_MAX {
            record.reset();
            self.pool.push(record);
        }
    }

    /// Keeps a finished span, making room by dropping the oldest when the
    /// ring is full; with a capacity of 0 the span itself is dropped.
    ///
    /// One call of [`recycle`](Inner::recycle) for either case, so that it
    /// is inlined: a recorder that runs full, as an always-on one does,
    /// recycles a span at every end. Inlined into the span's `drop`, its
    /// one caller.
    #[inline]
    fn finish(&mut self, record: Box<SpanRecord>) {
        if let Some(dropped) = self.finished.push(record) {
            self.dropped += 1;
            self.recycle(dropped);
        }
    }
}

impl<C: Clock> Tracer for MemoryTracer<C> {
    type Span = MemorySpan<C>;
    type SpanRef = Option<MemorySpanRef>;

    fn start_span(&self, parent: &Option<MemorySpanRef>, name: &'static str) -> MemorySpan<C> {
        let (start, started) = self.shared.clock.now_and_monotonic();
        let thread = thread_number();
        let mut inner = self.lock();
        inner.started += 1;
        let order = inner.started;
        let span_id = inner.ids.span_id();
        let random_ids = inner.ids.ids() == Ids::Random;
        let trace_id = match parent {
            // A remote parent's trace, or a local one's.
            Some(parent) => parent.ids.trace_id,
            None => inner.ids.trace_id(),
        };
        let mut record = inner.pool.pop().unwrap_or_default();
        let slot = match inner.free_slots.pop() {
            Some(slot) => slot,
            None => {
                inner.slots.push(Slot::default());
                (inner.slots.len() - 1) as u32
            }
        };
        let live = &mut inner.slots[slot as usize];
        std::mem::swap(&mut live.events, &mut record.events);
        let generation = live.generation;
        let propagation = Propagation::for_child(parent.as_ref(), random_ids, &mut inner.states);
        drop(inner);

        let ids = SpanIds { trace_id, span_id };
        record.ids = ids;
        record.order = order;
        // A parent whose span id is zero only names the trace: see `start_root_in`.
        record.parent = parent
            .as_ref()
            .map(|p| p.ids.span_id)
            .filter(|id| id.0 != 0);
        record.propagation = propagation;
        record.name = name;
        record.start = start;
        record.thread = thread;
        MemorySpan {
            shared: Arc::clone(&self.shared),
            record: Some(record),
            slot,
            generation,
            max_attributes: self.max_attributes,
            started,
        }
    }

    /// A root span in the trace `trace_id`, which the caller drew at random
    /// (W3C's random flag is set): started from a parent that names the
    /// trace and has no span (span id zero, which no span has).
    fn start_root_in(&self, trace_id: TraceId, name: &'static str) -> MemorySpan<C> {
        let ids = SpanIds {
            trace_id,
            span_id: SpanId(0),
        };
        let parent = MemorySpanRef {
            slot: u32::MAX,
            generation: 0,
            ids,
            propagation: RefPropagation {
                flags: TraceFlags::SAMPLED.with_random(true),
                ..RefPropagation::default()
            },
        };
        self.start_span(&Some(parent), name)
    }

    #[inline]
    fn event_enabled(&self, span: &Option<MemorySpanRef>, level: Level) -> bool {
        // A remote parent is not a span of this recorder: no events.
        span.as_ref().is_some_and(|s| !s.propagation.remote) && self.event_level.allows(level)
    }

    fn add_event<L: Logger>(&self, span: &Option<MemorySpanRef>, record: &Record<'_>, context: &L) {
        std::thread_local! {
            // Scratch, not context: it holds no span and is empty between
            // events.
            static SCRATCH: RefCell<Rendered> = const { RefCell::new(Rendered::EMPTY) };
        }
        let Some(span) = span else { return };
        let unix_nanos = self.shared.clock.now();
        let plain = plain_message(record);
        if let Some(message) = plain.filter(|_| !context.has_fields()) {
            // Nothing to render: no scratch buffer.
            // A static, not the constant: a temporary of it would be
            // dropped after the call, a call of its own.
            static NO_CONTEXT: Rendered = Rendered::EMPTY;
            if let Some(events) = self.lock().live_events(span) {
                events.push_plain::<TEXT_MAX>(
                    &NO_CONTEXT,
                    record,
                    message,
                    unix_nanos,
                    self.max_events,
                );
            }
            return;
        }
        let keep = |one: &mut Rendered| {
            match plain {
                Some(_) => one.render_context(record, context),
                None => one.render(record, context),
            }
            let mut inner = self.lock();
            if let Some(events) = inner.live_events(span) {
                match plain {
                    Some(message) => {
                        events.push_plain_after_context(
                            one,
                            record,
                            message,
                            unix_nanos,
                            self.max_events,
                        );
                    }
                    None => events.append(one, record.level(), unix_nanos, self.max_events),
                }
            }
            drop(inner);
            one.trim();
        };
        // A `Display` that logs into this recorder again finds the scratch
        // buffer taken, and renders into a fresh one.
        let done = SCRATCH.try_with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut one) => {
                keep(&mut one);
                true
            }
            Err(_) => false,
        });
        if done != Ok(true) {
            let mut fresh = Rendered::EMPTY;
            keep(&mut fresh);
        }
    }

    fn span_ids(&self, span: &Option<MemorySpanRef>) -> Option<SpanIds> {
        span.as_ref().map(|s| s.ids)
    }

    /// The remote span becomes the parent: its id is the parent id of the
    /// next span, its trace id the trace, and its flags and `tracestate`
    /// go on to every span under it.
    fn remote_parent(&self, remote: &TraceContext) -> Option<MemorySpanRef> {
        let state =
            crate::states::States::key_for(&remote.state, |state| self.lock().states.insert(state));
        Some(remote::remote_ref(remote, state))
    }

    fn trace_context(&self, span: &Option<MemorySpanRef>) -> Option<TraceContext> {
        let span = span.as_ref()?;
        Some(remote::context_of(span, |key| self.lock().states.get(key)))
    }
}

impl Events {
    /// Keeps one rendered event, or counts it as dropped when the span has
    /// `max` events already (or its text would pass 4 GiB).
    ///
    /// The first event of a span takes the rendered buffers as they are,
    /// and leaves the span's empty ones for the next event to render into.
    fn append(&mut self, one: &mut Rendered, level: Level, unix_nanos: u64, max: u32) {
        let base = self.text.len();
        if self.list.len() >= max as usize
            || base + one.text.len() > TEXT_MAX
            || self.fields.len() + one.fields.len() > u32::MAX as usize
        {
            self.dropped += 1;
            return;
        }
        if self.list.is_empty() && base == 0 && self.fields.is_empty() && self.wide.is_empty() {
            std::mem::swap(&mut self.text, &mut one.text);
            std::mem::swap(&mut self.fields, &mut one.fields);
            std::mem::swap(&mut self.wide, &mut one.wide);
            self.list.push(EventMeta {
                level,
                unix_nanos,
                message: EventStr::Text(one.message.0, one.message.1),
                target: one.target,
                fields: (0, self.fields.len() as u32),
            });
            return;
        }
        let first = self.fields.len() as u32;
        let text = self.copy_rendered(one);
        let (start, end) = (one.message.0 + text, one.message.1 + text);
        self.list.push(EventMeta {
            level,
            unix_nanos,
            message: EventStr::Text(start, end),
            target: one.target.shifted(text),
            fields: (first, self.fields.len() as u32),
        });
    }

    /// Appends what `one` rendered, its text, 128-bit integers and fields,
    /// the fields moved to point into this span's buffers; returns where
    /// its text starts here. The caller has checked that it fits.
    #[inline]
    fn copy_rendered(&mut self, one: &Rendered) -> u32 {
        let (text, wide) = (self.text.len() as u32, self.wide.len() as u32);
        self.text.push_str(&one.text);
        if !one.wide.is_empty() {
            self.wide.extend_from_slice(&one.wide);
        }
        self.fields
            .extend(one.fields.iter().map(|f| f.shifted(text, wide)));
        text
    }

    /// Keeps one [plain](plain_message) event, whose message is the literal
    /// `message`: the `Ctx`'s fields rendered in `context` (those the entry
    /// does not override), then the entry's own target (unless it is
    /// [static](Record::target_static), kept as it is) and fields, copied
    /// straight into the span's buffers, and the message as it is. It is
    /// counted as dropped, as in [`append`](Events::append), when the span
    /// has `max` events already or its text would pass `TEXT` bytes: 4 GiB
    /// ([`TEXT_MAX`]) but in the tests of the bound.
    #[inline(always)]
    fn push_plain<const TEXT: usize>(
        &mut self,
        context: &Rendered,
        record: &Record<'_>,
        message: &'static str,
        unix_nanos: u64,
        max: u32,
    ) {
        let fields = record.fields();
        // The text it adds before its strings: the context's and the target.
        let (base, wide) = (self.text.len(), self.wide.len());
        let target = match record.target_static() {
            Some(_) => 0,
            None => record.target().len(),
        };
        let text = context.text.len() + target;
        if self.list.len() >= max as usize
            || base.saturating_add(text) > TEXT
            || self.fields.len() + context.fields.len() + fields.len() > u32::MAX as usize
        {
            self.dropped += 1;
            return;
        }
        let first = self.fields.len() as u32;
        if !context.fields.is_empty() {
            self.copy_rendered(context);
        }
        let target = EventStr::target(&mut self.text, record);
        for field in fields {
            // A string that would take the text past the bound: the event
            // is not kept, and what it added so far is taken back. (Checked
            // here rather than summed up first: one pass over the fields.)
            if let Value::Str(s) = field.value {
                if self.text.len().saturating_add(s.len()) > TEXT {
                    self.text.truncate(base);
                    self.wide.truncate(wide);
                    self.fields.truncate(first as usize);
                    self.dropped += 1;
                    return;
                }
            }
            // Never rendered: a plain event has no such value.
            let value = Stored::copy_plain(field.value, &mut self.text, &mut self.wide, |_| {
                StoredValue::Null
            });
            self.fields.push(Stored {
                key: field.key,
                value,
            });
        }
        self.list.push(EventMeta {
            level: record.level(),
            unix_nanos,
            message: EventStr::Literal(message),
            target,
            fields: (first, self.fields.len() as u32),
        });
    }

    /// [`push_plain`](Events::push_plain) out of line, for the path that
    /// renders the `Ctx`'s fields first, where inlining it costs more than
    /// the call.
    #[inline(never)]
    fn push_plain_after_context(
        &mut self,
        context: &Rendered,
        record: &Record<'_>,
        message: &'static str,
        unix_nanos: u64,
        max: u32,
    ) {
        self.push_plain::<TEXT_MAX>(context, record, message, unix_nanos, max);
    }

    /// Empties the buffers, giving back those that grew past the bound.
    fn clear(&mut self) {
        clear_vec(&mut self.list);
        clear_vec(&mut self.fields);
        clear_text(&mut self.text);
        clear_vec(&mut self.wide);
        self.dropped = 0;
    }

    /// Empties the buffers and keeps their capacity.
    #[inline]
    fn empty(&mut self) {
        self.list.clear();
        self.fields.clear();
        self.text.clear();
        self.wide.clear();
        self.dropped = 0;
    }

    fn heap_bytes(&self) -> usize {
        size_of::<Events>()
            + self.list.capacity() * size_of::<EventMeta>()
            + self.fields.capacity() * size_of::<Stored>()
            + self.text.capacity()
            + self.wide.capacity() * size_of::<Wide>()
    }
}

impl<C: Clock> Span for MemorySpan<C> {
    type Ref = Option<MemorySpanRef>;

    #[inline]
    fn span_ref(&self) -> Option<MemorySpanRef> {
        Some(MemorySpanRef {
            slot: self.slot,
            generation: self.generation,
            ids: self.record.as_ref().map(|r| r.ids).unwrap_or_default(),
            // The record's, but a reference to this span names a local one.
            propagation: self
                .record
                .as_ref()
                .map(|r| r.propagation.for_ref())
                .unwrap_or_default(),
        })
    }

    /// A key set again replaces its value, in its place; a new key past
    /// the span's [`max_attributes`](SpanLimits::max_attributes) is
    /// counted in [`dropped_attributes`](SpanRecord::dropped_attributes).
    fn set_attribute(&mut self, key: &'static str, value: Value<'_>) {
        let Some(record) = self.record.as_deref_mut() else {
            return;
        };
        match record.attributes.iter().position(|a| a.key == key) {
            Some(i) => {
                let new = Stored::copy(key, value, &mut record.text, &mut record.wide).value;
                let old = record.attributes[i].value;
                record.attributes[i].value = record.replace(old, new);
                record.compact();
            }
            None if record.attributes.len() < self.max_attributes as usize => {
                let stored = Stored::copy(key, value, &mut record.text, &mut record.wide);
                record.attributes.push(stored);
            }
            None => record.dropped_attributes += 1,
        }
    }

    fn record_status(&mut self, code: StatusCode, message: &dyn fmt::Display) {
        let Some(record) = self.record.as_deref_mut() else {
            return;
        };
        // The new message first, the old one forgotten after: as in
        // `set_attribute`, a `Display` that panics leaves the old one whole.
        let old = match record.status {
            StoredStatus::Error(_, range) => Some(range),
            _ => None,
        };
        record.status = match code {
            StatusCode::Ok => {
                if let Some((start, end)) = old {
                    record.release(StoredValue::Str(start, end));
                }
                StoredStatus::Ok
            }
            code => {
                let write = |text: &mut String| write_text(text, format_args!("{message}"));
                let new = or_undo(&mut record.text, write);
                let range = match old {
                    Some(old) => record.replace_text(old, new),
                    None => new,
                };
                StoredStatus::Error(code, range)
            }
        };
    }
}

impl<C: Clock> Drop for MemorySpan<C> {
    fn drop(&mut self) {
        let Some(mut record) = self.record.take() else {
            return;
        };
        if std::thread::panicking() && !matches!(record.status, StoredStatus::Error(..)) {
            let message = "panicked while the span was open";
            let range = push_text(&mut record.text, message);
            record.status = StoredStatus::Error(StatusCode::Internal, range);
        }
        // The end is the start plus the monotonic time the span was open,
        // so a step of the wall clock never stretches or shrinks it.
        let open = self.shared.clock.monotonic().saturating_sub(self.started);
        record.end = record.start.saturating_add(open);
        let mut inner = self.shared.lock();
        if let Some(live) = inner.slots.get_mut(self.slot as usize) {
            std::mem::swap(&mut live.events, &mut record.events);
            live.generation = live.generation.wrapping_add(1);
            inner.free_slots.push(self.slot);
        }
        if record.propagation.key.is_some() {
            inner.states.release(record.propagation.key);
        }
        inner.finish(record);
    }
}

/// Runs `write` on `text` (a span's, or an event's before it reaches its
/// span), and gives what it gives. If it panics (a `Display` did), the text
/// is cut back to its length before it on the way out, so that no partial
/// text is left where nothing would point to it. (A `Display` writes only
/// text.)
fn or_undo<R>(text: &mut String, write: impl FnOnce(&mut String) -> R) -> R {
    struct Undo<'a> {
        text: &'a mut String,
        /// The length to cut back to; `None` once `write` has returned.
        len: Option<usize>,
    }
    impl Drop for Undo<'_> {
        fn drop(&mut self) {
            if let Some(len) = self.len {
                self.text.truncate(len);
            }
        }
    }
    let len = Some(text.len());
    let mut undo = Undo { text, len };
    let out = write(undo.text);
    undo.len = None;
    out
}

/// The number of the current thread, as in `ThreadId`'s `Debug` output,
/// read once per thread and kept in a thread-local cache: a fact about the
/// thread, not context (spans never look at it to find their parent).
///
/// The cache starts at 0, which no thread's number is (they count from 1),
/// and is filled on the first read: a `const` thread-local with nothing to
/// drop needs no lazy-initialisation state, so a read is one load.
#[inline]
fn thread_number() -> u64 {
    std::thread_local! {
        static NUMBER: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }
    NUMBER
        .try_with(|n| match n.get() {
            0 => {
                let number = read_thread_number();
                n.set(number);
                number
            }
            number => number,
        })
        .unwrap_or_else(|_| read_thread_number())
}

/// `ThreadId` has no stable accessor for its number; its `Hash` writes that
/// number as one `u64`, which a [`Capture`](crate::capture::Capture) reads.
fn read_thread_number() -> u64 {
    crate::capture::Capture::of(&std::thread::current().id()).u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_number_matches_the_debug_output() {
        let read = || {
            let id = format!("{:?}", std::thread::current().id());
            // The first read fills the cache; the second reads it.
            let (first, second) = (thread_number(), thread_number());
            assert_eq!(id, format!("ThreadId({first})"));
            assert_eq!(first, second);
            first
        };
        let here = read();
        let there = std::thread::spawn(read).join().unwrap();
        assert_ne!(here, there);
        assert_eq!(read(), here);
    }

    /// A `Ctx` kept past its span's end, as a task spawned from it may be,
    /// while the span's slot is reused 2^32 times (an hour or two of a busy
    /// loop): its late line is still counted late, not recorded on the span
    /// that holds the slot then, as a 32-bit generation would.
    #[test]
    fn a_reference_kept_while_its_slot_is_reused_four_billion_times_stays_late() {
        let tracer = MemoryTracer::new();
        let root = crate::Ctx::new(tracer.clone(), crate::NopLogger);
        let (stale, span) = root.start_span("ended");
        drop(span);
        let slot = stale.span_ref().unwrap().slot as usize;
        // The ends that 2^32 - 1 more spans through the slot would count.
        let ends = u64::from(u32::MAX);
        {
            let mut inner = tracer.lock();
            let generation = &mut inner.slots[slot].generation;
            *generation = generation.wrapping_add(ends);
        }
        let (now, live) = root.start_span("live");
        assert_eq!(now.span_ref().unwrap().slot as usize, slot);
        crate::info!(stale, "late");
        drop(live);
        let spans = tracer.spans();
        assert_eq!(spans.find("live").unwrap().events().len(), 0);
        assert_eq!(tracer.late_events(), 1);
    }

    /// A key set again and again, as a string and as a wide integer, keeps
    /// one value's worth of each buffer, with no garbage to compact.
    #[test]
    fn a_key_set_again_keeps_one_value_in_each_buffer() {
        let tracer = MemoryTracer::new();
        let (_, mut span) = crate::Ctx::new(tracer, crate::NopLogger).start_span("s");
        let mut last = String::new();
        for n in 0..1_000u128 {
            last = format!("value {n}");
            span.set_attribute("s", Value::Str(&last));
            span.set_attribute("w", Value::U128(&(u128::MAX - n)));
        }
        let record = span.record.as_ref().unwrap();
        assert_eq!(
            (record.text.as_str(), record.wide.len()),
            (last.as_str(), 1)
        );
        assert_eq!(record.garbage, (0, 0));
        let w = record.attributes.iter().find(|a| a.key == "w").unwrap();
        assert_eq!(
            w.get(&record.text, &record.wide),
            Value::U128(&(u128::MAX - 999))
        );
    }

    /// Writes part of its text, then panics.
    struct Boom;

    impl fmt::Display for Boom {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("partial")?;
            panic!("boom")
        }
    }

    /// A replace, of an attribute or of the status, whose `Display` panics
    /// leaves the span's text as it was: the old value whole, right after
    /// the panic, and no partial text.
    #[test]
    fn a_panicking_replace_leaves_the_span_text_as_it_was() {
        let tracer = MemoryTracer::new();
        let (_, mut span) = crate::Ctx::new(tracer, crate::NopLogger).start_span("s");
        let long = "x".repeat(1_000);
        span.set_attribute("a", Value::Str(&long));
        span.set_attribute("b", Value::Str("y"));
        span.record_status(StatusCode::Internal, &long);
        let text = |span: &MemorySpan| span.record.as_ref().unwrap().text.clone();
        let before = text(&span);
        for attempt in 0..2 {
            let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if attempt == 0 {
                    span.set_attribute("a", crate::display(&Boom));
                } else {
                    span.record_status(StatusCode::Unavailable, &Boom);
                }
            }));
            assert!(panicked.is_err());
            assert_eq!(text(&span), before, "after attempt {attempt}");
        }
        let record = span.record.as_ref().unwrap();
        let a = record.attributes.iter().find(|a| a.key == "a").unwrap();
        assert_eq!(a.get(&record.text, &record.wide), Value::Str(&long));
        match record.status {
            StoredStatus::Error(code, range) => {
                assert_eq!(
                    (code, slice(&record.text, range)),
                    (StatusCode::Internal, long.as_str())
                );
            }
            _ => panic!("the status is still the error"),
        }
    }

    /// An event whose strings would take its span's text past the bound is
    /// not kept, and nothing of it is: a field copied before the string that
    /// does not fit is taken back, as its text is.
    #[test]
    fn a_plain_event_past_the_text_bound_is_dropped_whole() {
        static SITE: crate::Callsite<'static> = crate::Callsite::new("t", "f.rs", 1);
        let mut events = Events::default();
        let fits = [crate::Field::new("a", "12345")];
        let record =
            |fields| Record::new(Level::Info, format_args!("m"), fields).with_callsite(&SITE);
        // Its target and its string, 6 bytes of the 10.
        events.push_plain::<10>(&Rendered::EMPTY, &record(&fits), "m", 1, 128);
        assert_eq!(
            (events.list.len(), events.fields.len(), events.text.len()),
            (1, 1, 6)
        );
        // The target (7), a 128-bit integer and "12" (9) fit, then 9 more
        // do not: the integer and the field copied before are taken back.
        let wide = i128::MAX;
        let past = [
            crate::Field::new("w", &wide),
            crate::Field::new("a", "12"),
            crate::Field::new("b", "123456789"),
        ];
        events.push_plain::<10>(&Rendered::EMPTY, &record(&past), "m", 2, 128);
        assert_eq!(
            (events.list.len(), events.fields.len(), events.text.len()),
            (1, 1, 6)
        );
        assert_eq!((events.wide.len(), events.dropped), (0, 1));
        // Exactly to the bound: kept.
        let full = [crate::Field::new("a", "123")];
        events.push_plain::<10>(&Rendered::EMPTY, &record(&full), "m", 3, 128);
        assert_eq!(
            (events.list.len(), events.text.len(), events.dropped),
            (2, 10, 1)
        );
        // A target that alone passes the bound: dropped before any copy.
        events.push_plain::<10>(&Rendered::EMPTY, &record(&[]), "m", 4, 128);
        assert_eq!(
            (events.list.len(), events.text.len(), events.dropped),
            (2, 10, 2)
        );
        // What was kept reads back whole.
        let kept = Stored::get(&events.fields[1], &events.text, &events.wide);
        assert_eq!(kept, Value::Str("123"));
        assert_eq!(events.list[1].target.get(&events.text), "t");
    }

    #[test]
    fn a_stored_field_stays_four_words() {
        assert_eq!(size_of::<StoredValue>(), 16);
        assert_eq!(size_of::<Stored>(), 32);
    }

    /// The README's memory bound counts 56 bytes an event, 32 a field, and
    /// 344 of the span's own record.
    #[test]
    fn an_event_stays_seven_words() {
        assert_eq!(size_of::<EventStr>(), 16);
        assert_eq!(size_of::<EventMeta>(), 56);
        assert_eq!(size_of::<spans::SpanRecord>() + size_of::<Events>(), 344);
    }

    #[test]
    fn every_kind_is_kept_and_read_back() {
        let (mut text, mut wide) = (String::new(), Vec::new());
        let duration = Duration::new(3, 5);
        let values = [
            Value::Str("a"),
            Value::I64(-1),
            Value::U64(1),
            Value::I128(&i128::MIN),
            Value::U128(&u128::MAX),
            Value::F64(0.5),
            Value::Bool(true),
            Value::Duration(duration),
            Value::Null,
        ];
        let stored: Vec<Stored> = values
            .iter()
            .map(|v| Stored::copy("k", *v, &mut text, &mut wide))
            .collect();
        let back: Vec<Value<'_>> = stored.iter().map(|s| s.get(&text, &wide)).collect();
        assert_eq!(back, values);
        assert!(matches!(back[3], Value::I128(&i128::MIN)));
        assert!(matches!(back[4], Value::U128(&u128::MAX)));
    }

    #[test]
    fn write_text_returns_the_range_written() {
        let mut text = String::from("ab");
        assert_eq!(write_text(&mut text, format_args!("{}", "cde")), (2, 5));
        assert_eq!(slice(&text, (2, 5)), "cde");
        assert_eq!(slice(&text, (4, 9)), "");
    }
}
