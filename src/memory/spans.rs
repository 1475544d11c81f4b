//! Reading recorded spans back: [`SpanRecord`], [`Event`] and the [`Spans`]
//! snapshot with its tree queries.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use super::limits::{BUF_KEEP, clear_text, clear_vec};
use super::{Events, Stored, StoredStatus, StoredValue, Wide, push_text, slice};
use crate::{Level, SpanId, SpanIds, Status, TraceId, Value};

/// One finished span, as the [`MemoryTracer`](crate::MemoryTracer) recorded it.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span, Value};
///
/// let tracer = MemoryTracer::new();
/// let (ctx, mut span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync_pod");
/// let ctx = span.with_field(&ctx, "containers", 2);
/// ctxtrace::info!(ctx, "synced"; pod = "web-1");
/// span.end();
///
/// let spans = tracer.spans();
/// let span = spans.find("sync_pod").unwrap();
/// assert_eq!(span.attribute("containers"), Some(Value::U64(2)));
/// let event = span.events().next().unwrap();
/// assert_eq!((event.message(), event.field("pod")), ("synced", Some(Value::Str("web-1"))));
/// assert_eq!(span.parent_id(), None);
/// ```
#[derive(Clone, Debug, Default)]
pub struct SpanRecord {
    pub(super) ids: SpanIds,
    /// Where the span comes in the order spans started: ids are random, so
    /// they cannot tell.
    pub(super) order: u64,
    pub(super) parent: Option<SpanId>,
    pub(super) name: &'static str,
    pub(super) start: u64,
    pub(super) end: u64,
    pub(super) thread: u64,
    pub(super) attributes: Vec<Stored>,
    pub(super) text: String,
    pub(super) wide: Vec<Wide>,
    pub(super) status: StoredStatus,
    pub(super) events: Box<Events>,
    pub(super) dropped_attributes: u64,
    /// Bytes of `text` and entries of `wide` that replaced values left
    /// behind, until [`compact`](SpanRecord::compact) gives them back.
    pub(super) garbage: (usize, usize),
    pub(super) propagation: super::Propagation,
}

impl SpanRecord {
    /// Empties the record for reuse, giving back buffers that grew past
    /// [`BUF_KEEP`].
    #[inline]
    pub(super) fn reset(&mut self) {
        // One check for the usual case, where no buffer has grown past the
        // bound: then each is only emptied.
        if self.heap_bytes() > BUF_KEEP {
            clear_vec(&mut self.attributes);
            clear_text(&mut self.text);
            clear_vec(&mut self.wide);
            self.events.clear();
        } else {
            self.attributes.clear();
            self.text.clear();
            self.wide.clear();
            self.events.empty();
        }
        self.status = StoredStatus::Unset;
        self.dropped_attributes = 0;
        self.garbage = (0, 0);
    }

    /// Forgets the text or wide entry of a value that is being replaced: at
    /// the end of its buffer it is cut off, elsewhere it is counted as
    /// garbage.
    pub(super) fn release(&mut self, old: StoredValue) {
        match old {
            StoredValue::Str(start, end) if end as usize == self.text.len() => {
                self.text.truncate(start as usize);
            }
            StoredValue::Str(start, end) => self.garbage.0 += (end - start) as usize,
            StoredValue::Wide(i) if i as usize + 1 == self.wide.len() => {
                self.wide.pop();
            }
            StoredValue::Wide(_) => self.garbage.1 += 1,
            _ => {}
        }
    }

    /// Puts `new`, just copied to the end of the buffers, in the place of
    /// `old`, and gives back where `new` is then. `old`'s text or wide entry
    /// is forgotten as [`release`](SpanRecord::release) does; text is
    /// [replaced](SpanRecord::replace_text), and a wide integer copied just
    /// after the old one takes its place.
    ///
    /// `new` is copied first and `old` forgotten after, so that a `Display`
    /// that panics while `new` is copied leaves `old` whole.
    pub(super) fn replace(&mut self, old: StoredValue, new: StoredValue) -> StoredValue {
        match (old, new) {
            (StoredValue::Str(a, b), StoredValue::Str(c, d)) => {
                let (start, end) = self.replace_text((a, b), (c, d));
                StoredValue::Str(start, end)
            }
            // A wide integer just after the old one, at the end: it takes
            // the old one's place, as text does.
            (StoredValue::Wide(i), StoredValue::Wide(j))
                if i.checked_add(1) == Some(j) && j as usize + 1 == self.wide.len() =>
            {
                self.wide.swap_remove(i as usize);
                StoredValue::Wide(i)
            }
            _ => {
                self.release(old);
                new
            }
        }
    }

    /// [`replace`](SpanRecord::replace) for text: when `old` ends where
    /// `new` starts, at the end, `new` moves down over it, so a key set
    /// again and again keeps one value's text; otherwise `old` is
    /// released.
    pub(super) fn replace_text(&mut self, old: (u32, u32), new: (u32, u32)) -> (u32, u32) {
        let ((a, b), (c, d)) = (old, new);
        if b == c && d as usize == self.text.len() && a <= b {
            self.text.replace_range(a as usize..b as usize, "");
            return (a, d - (b - a));
        }
        self.release(StoredValue::Str(a, b));
        new
    }

    /// Copies the live values into fresh buffers once replaced values have
    /// left more garbage than live data (and more than a little), so a key
    /// set again and again keeps one value's worth of memory.
    pub(super) fn compact(&mut self) {
        let (text_garbage, wide_garbage) = self.garbage;
        let text_due = text_garbage > BUF_KEEP / 16 && text_garbage * 2 > self.text.len();
        let wide_due = wide_garbage > 64 && wide_garbage * 2 > self.wide.len();
        if !text_due && !wide_due {
            return;
        }
        let mut text = String::with_capacity(self.text.len() - text_garbage);
        let mut wide = Vec::with_capacity(self.wide.len() - wide_garbage);
        let mut keep = |value: &mut StoredValue| match *value {
            StoredValue::Str(start, end) => {
                let (start, end) = push_text(&mut text, slice(&self.text, (start, end)));
                *value = StoredValue::Str(start, end);
            }
            StoredValue::Wide(i) => {
                if let Some(&n) = self.wide.get(i as usize) {
                    *value = StoredValue::Wide(wide.len() as u32);
                    wide.push(n);
                }
            }
            _ => {}
        };
        for attribute in &mut self.attributes {
            keep(&mut attribute.value);
        }
        if let StoredStatus::Error(code, (start, end)) = self.status {
            let mut message = StoredValue::Str(start, end);
            keep(&mut message);
            if let StoredValue::Str(start, end) = message {
                self.status = StoredStatus::Error(code, (start, end));
            }
        }
        self.text = text;
        self.wide = wide;
        self.garbage = (0, 0);
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.attributes.capacity() * size_of::<Stored>()
            + self.text.capacity()
            + self.wide.capacity() * size_of::<Wide>()
            + self.events.heap_bytes()
    }

    /// The span's own id.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, Ids, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new().with_ids(Ids::Sequential);
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// // Sequential span ids count up from 1 in the order spans start.
    /// drop((ctx.start_span("first"), ctx.start_span("second")));
    /// let spans = tracer.spans();
    /// assert_eq!(spans.find("second").unwrap().span_id().0, 2);
    /// ```
    pub fn span_id(&self) -> SpanId {
        self.ids.span_id
    }

    /// The id of the trace the span belongs to.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let (child_ctx, root) = ctx.start_span("root");
    /// drop((child_ctx.start_span("child"), root, ctx.start_span("other_root")));
    /// let spans = tracer.spans();
    /// let trace = |name| spans.find(name).unwrap().trace_id();
    /// assert_eq!(trace("child"), trace("root"));
    /// assert_ne!(trace("other_root"), trace("root"));
    /// ```
    pub fn trace_id(&self) -> TraceId {
        self.ids.trace_id
    }

    /// Both ids.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// drop(ctx.start_span("sync"));
    /// let spans = tracer.spans();
    /// let span = spans.find("sync").unwrap();
    /// assert_eq!((span.ids().trace_id, span.ids().span_id), (span.trace_id(), span.span_id()));
    /// ```
    pub fn ids(&self) -> SpanIds {
        self.ids
    }

    /// The parent's id; `None` for a root span.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let (child_ctx, root) = ctx.start_span("root");
    /// drop((child_ctx.start_span("child"), root));
    /// let spans = tracer.spans();
    /// let root = spans.find("root").unwrap();
    /// assert_eq!(spans.find("child").unwrap().parent_id(), Some(root.span_id()));
    /// assert_eq!(root.parent_id(), None);
    /// ```
    pub fn parent_id(&self) -> Option<SpanId> {
        self.parent
    }

    /// The name the span was started with.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// drop(ctx.start_span("provider.create_pod"));
    /// assert_eq!(tracer.spans().iter().next().unwrap().name(), "provider.create_pod");
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// When the span started, in nanoseconds since the Unix epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, ManualClock, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::with_clock(ManualClock::new(1_000));
    /// drop(Ctx::new(tracer.clone(), NopLogger).start_span("sync"));
    /// assert_eq!(tracer.spans().find("sync").unwrap().start_unix_nanos(), 1_000);
    /// ```
    pub fn start_unix_nanos(&self) -> u64 {
        self.start
    }

    /// When the span ended, in nanoseconds since the Unix epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, ManualClock, MemoryTracer, NopLogger};
    ///
    /// let clock = ManualClock::new(1_000);
    /// let tracer = MemoryTracer::with_clock(clock.clone());
    /// let (_ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
    /// clock.set(4_000);
    /// drop(span);
    /// assert_eq!(tracer.spans().find("sync").unwrap().end_unix_nanos(), 4_000);
    /// ```
    pub fn end_unix_nanos(&self) -> u64 {
        self.end
    }

    /// How long the span was open; zero if the clock went backwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, ManualClock, MemoryTracer, NopLogger};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new(5_000);
    /// let tracer = MemoryTracer::with_clock(clock.clone());
    /// let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let (_ctx, span) = ctx.start_span("backwards");
    /// clock.set(1_000);
    /// drop(span);
    /// assert_eq!(tracer.spans().find("backwards").unwrap().duration(), Duration::ZERO);
    /// ```
    pub fn duration(&self) -> Duration {
        Duration::from_nanos(self.end.saturating_sub(self.start))
    }

    /// The number of the thread the span started on, as in its `ThreadId`'s
    /// `Debug` output (`ThreadId(N)`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// drop(ctx.start_span("sync"));
    /// let n = tracer.spans().find("sync").unwrap().thread();
    /// assert_eq!(format!("{:?}", std::thread::current().id()), format!("ThreadId({n})"));
    /// ```
    pub fn thread(&self) -> u64 {
        self.thread
    }

    /// The attributes, in the order they were set.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// use ctxtrace::{Span, Value};
    ///
    /// let (ctx, mut span) = ctx.start_span("sync");
    /// let ctx = span.with_field(&ctx, "pod", "web-1");
    /// let _ = span.with_field(&ctx, "ready", true);
    /// drop(span);
    /// let spans = tracer.spans();
    /// let attributes: Vec<_> = spans.find("sync").unwrap().attributes().collect();
    /// assert_eq!(attributes, [("pod", Value::Str("web-1")), ("ready", Value::Bool(true))]);
    /// ```
    pub fn attributes(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&'static str, Value<'_>)>
    + ExactSizeIterator<Item = (&'static str, Value<'_>)>
    + '_ {
        self.attributes
            .iter()
            .map(|a| (a.key, a.get(&self.text, &self.wide)))
    }

    /// The value last set for `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// use ctxtrace::{Span, Value};
    ///
    /// let (ctx, mut span) = ctx.start_span("sync");
    /// let ctx = span.with_field(&ctx, "attempt", 1);
    /// let _ = span.with_field(&ctx, "attempt", 2);
    /// drop(span);
    /// let spans = tracer.spans();
    /// let sync = spans.find("sync").unwrap();
    /// assert_eq!(sync.attribute("attempt"), Some(Value::U64(2)));
    /// assert_eq!(sync.attribute("missing"), None);
    /// ```
    pub fn attribute(&self, key: &str) -> Option<Value<'_>> {
        self.attributes()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// The events: one for each entry logged through a `Ctx` under the span,
    /// in order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let (ctx, span) = ctx.start_span("sync");
    /// ctxtrace::info!(ctx, "pulling");
    /// ctxtrace::info!(ctx, "started");
    /// drop(span);
    /// let spans = tracer.spans();
    /// let sync = spans.find("sync").unwrap();
    /// let messages: Vec<&str> = sync.events().map(|e| e.message()).collect();
    /// assert_eq!(messages, ["pulling", "started"]);
    /// ```
    pub fn events(&self) -> impl ExactSizeIterator<Item = Event<'_>> + '_ {
        self.events.list.iter().map(|meta| Event {
            meta: *meta,
            events: &self.events,
        })
    }

    /// How many attributes were not kept because the span had its
    /// [`max_attributes`](crate::SpanLimits::max_attributes). A key set again
    /// replaces its value and is never dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span, SpanLimits, Value};
    ///
    /// let tracer = MemoryTracer::new().with_limits(SpanLimits::new().with_max_attributes(1));
    /// let (_ctx, mut span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
    /// span.set_attribute("pod", Value::Str("web-1"));
    /// span.set_attribute("pod", Value::Str("web-2"));
    /// span.set_attribute("node", Value::Str("n1"));
    /// drop(span);
    /// let spans = tracer.spans();
    /// let sync = spans.find("sync").unwrap();
    /// assert_eq!(sync.attribute("pod"), Some(Value::Str("web-2")));
    /// assert_eq!(sync.dropped_attributes(), 1);
    /// ```
    pub fn dropped_attributes(&self) -> u64 {
        self.dropped_attributes
    }

    /// How many events were not kept because the span had its
    /// [`max_events`](crate::SpanLimits::max_events).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, SpanLimits};
    ///
    /// let tracer = MemoryTracer::new().with_limits(SpanLimits::new().with_max_events(1));
    /// let (ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
    /// ctxtrace::info!(ctx, "kept");
    /// ctxtrace::info!(ctx, "dropped");
    /// drop(span);
    /// let spans = tracer.spans();
    /// let sync = spans.find("sync").unwrap();
    /// assert_eq!((sync.events().next().unwrap().message(), sync.dropped_events()), ("kept", 1));
    /// ```
    pub fn dropped_events(&self) -> u64 {
        self.events.dropped
    }

    /// The status.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// use ctxtrace::{Span, Status, StatusCode};
    ///
    /// let (_ctx, mut span) = ctx.start_span("sync");
    /// span.set_status_code(StatusCode::Unavailable, "node down");
    /// drop(span);
    /// let spans = tracer.spans();
    /// let status = spans.find("sync").unwrap().status();
    /// assert_eq!(status, Status::Error { code: StatusCode::Unavailable, message: "node down" });
    /// ```
    pub fn status(&self) -> Status<'_> {
        match self.status {
            StoredStatus::Unset => Status::Unset,
            StoredStatus::Ok => Status::Ok,
            StoredStatus::Error(code, range) => Status::Error {
                code,
                message: slice(&self.text, range),
            },
        }
    }
}

/// One event of a recorded span: a log entry written under it. It borrows
/// from its [`SpanRecord`]; [`to_data`](Event::to_data) makes an owned copy.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, Level, MemoryTracer, NopLogger, Value};
///
/// let tracer = MemoryTracer::new();
/// let (ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
/// ctxtrace::warn!(ctx, "slow pull"; ms = 250);
/// drop(span);
/// let spans = tracer.spans();
/// let event = spans.find("sync").unwrap().events().next().unwrap();
/// assert_eq!((event.level(), event.message()), (Level::Warn, "slow pull"));
/// assert_eq!(event.field("ms"), Some(Value::I64(250)));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    meta: super::EventMeta,
    events: &'a Events,
}

impl<'a> Event<'a> {
    /// The entry's level.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// use ctxtrace::Level;
    ///
    /// let (ctx, span) = ctx.start_span("sync");
    /// ctxtrace::error!(ctx, "failed");
    /// drop(span);
    /// let spans = tracer.spans();
    /// let event = spans.find("sync").unwrap().events().next().unwrap();
    /// assert_eq!(event.level(), Level::Error);
    /// ```
    pub fn level(&self) -> Level {
        self.meta.level
    }

    /// The formatted message.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let (ctx, span) = ctx.start_span("sync");
    /// ctxtrace::info!(ctx, "synced {} containers", 2);
    /// drop(span);
    /// let spans = tracer.spans();
    /// let event = spans.find("sync").unwrap().events().next().unwrap();
    /// assert_eq!(event.message(), "synced 2 containers");
    /// ```
    pub fn message(&self) -> &'a str {
        self.meta.message.get(&self.events.text)
    }

    /// The entry's target: the module that wrote it, or the macro's
    /// `target: "..."` ([`Record::target`](crate::Record::target)); `""` for
    /// an entry that has none.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let (ctx, span) = ctx.start_span("sync");
    /// ctxtrace::info!(ctx, "here");
    /// ctxtrace::info!(ctx, target: "podlib::pull", "there");
    /// drop(span);
    /// let spans = tracer.spans();
    /// let targets: Vec<&str> = spans.find("sync").unwrap().events().map(|e| e.target()).collect();
    /// assert_eq!(targets, [module_path!(), "podlib::pull"]);
    /// ```
    pub fn target(&self) -> &'a str {
        self.meta.target.get(&self.events.text)
    }

    /// When the entry was logged, in nanoseconds since the Unix epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, ManualClock, MemoryTracer, NopLogger};
    ///
    /// let clock = ManualClock::new(0);
    /// let tracer = MemoryTracer::with_clock(clock.clone());
    /// let (ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
    /// clock.set(2_500);
    /// ctxtrace::info!(ctx, "halfway");
    /// drop(span);
    /// let spans = tracer.spans();
    /// let event = spans.find("sync").unwrap().events().next().unwrap();
    /// assert_eq!(event.unix_nanos(), 2_500);
    /// ```
    pub fn unix_nanos(&self) -> u64 {
        self.meta.unix_nanos
    }

    /// The entry's own fields, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// use ctxtrace::Value;
    ///
    /// let (ctx, span) = ctx.start_span("sync");
    /// ctxtrace::info!(ctx.with_field("ctx_field", 0), "pulled"; image = "nginx", ok = true);
    /// drop(span);
    /// let spans = tracer.spans();
    /// let event = spans.find("sync").unwrap().events().next().unwrap();
    /// let fields: Vec<_> = event.fields().collect();
    /// assert_eq!(fields, [("image", Value::Str("nginx")), ("ok", Value::Bool(true))]);
    /// ```
    pub fn fields(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&'static str, Value<'a>)>
    + ExactSizeIterator<Item = (&'static str, Value<'a>)>
    + 'a {
        let (start, end) = self.meta.fields;
        let events = self.events;
        let stored = events
            .fields
            .get(start as usize..end as usize)
            .unwrap_or(&[]);
        stored
            .iter()
            .map(move |f| (f.key, f.get(&events.text, &events.wide)))
    }

    /// The value of the field `key`, the last one if it was given twice.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// use ctxtrace::Value;
    ///
    /// let (ctx, span) = ctx.start_span("sync");
    /// ctxtrace::info!(ctx, "retry"; attempt = 1, attempt = 2);
    /// drop(span);
    /// let spans = tracer.spans();
    /// let event = spans.find("sync").unwrap().events().next().unwrap();
    /// assert_eq!(event.field("attempt"), Some(Value::I64(2)));
    /// ```
    pub fn field(&self, key: &str) -> Option<Value<'a>> {
        self.fields().rev().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// A snapshot of finished spans, oldest first, with tree queries.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, ManualClock, MemoryTracer, NopLogger, Span, StatusCode};
///
/// let tracer = MemoryTracer::with_clock(ManualClock::new(0));
/// let ctx = Ctx::new(tracer.clone(), NopLogger);
/// let (ctx, sync) = ctx.start_span("sync_pod");
/// let (_, mut create) = ctx.start_span("provider.create_pod");
/// create.set_status_code(StatusCode::NotFound, "no image");
/// drop((create, sync));
///
/// let spans = tracer.spans();
/// let sync = spans.find("sync_pod").unwrap();
/// let child = spans.children(sync).next().unwrap();
/// assert_eq!(child.status().code(), Some(StatusCode::NotFound));
/// assert_eq!(
///     spans.render(),
///     "sync_pod 0ns [unset]\n  provider.create_pod 0ns [NotFound: no image]\n"
/// );
/// ```
#[derive(Clone, Debug, Default)]
pub struct Spans {
    pub(super) spans: Vec<SpanRecord>,
    pub(super) by_id: HashMap<SpanId, usize>,
}

impl Spans {
    pub(super) fn new(spans: Vec<SpanRecord>) -> Self {
        let by_id = spans
            .iter()
            .enumerate()
            .map(|(i, s)| (s.ids.span_id, i))
            .collect();
        Spans { spans, by_id }
    }

    /// How many spans there are.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// drop((ctx.start_span("a"), ctx.start_span("b")));
    /// assert_eq!(tracer.spans().len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are none.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let (_ctx, span) = ctx.start_span("open");
    /// assert!(tracer.spans().is_empty());
    /// drop(span);
    /// assert!(!tracer.spans().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// All spans, in the order they ended.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// let (child_ctx, parent) = ctx.start_span("parent");
    /// drop((child_ctx.start_span("child"), parent));
    /// let spans = tracer.spans();
    /// let names: Vec<&str> = spans.iter().map(|s| s.name()).collect();
    /// assert_eq!(names, ["child", "parent"]);
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, SpanRecord> {
        self.spans.iter()
    }

    /// The first span (in the order they ended) named `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, Ids, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new().with_ids(Ids::Sequential);
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// drop((ctx.start_span("retry"), ctx.start_span("retry")));
    /// let spans = tracer.spans();
    /// assert_eq!(spans.find("retry").unwrap().span_id().0, 1);
    /// assert!(spans.find("missing").is_none());
    /// ```
    pub fn find(&self, name: &str) -> Option<&SpanRecord> {
        self.spans.iter().find(|s| s.name == name)
    }

    /// Every span named `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// for _ in 0..3 {
    ///     drop(ctx.start_span("retry"));
    /// }
    /// drop(ctx.start_span("other"));
    /// assert_eq!(tracer.spans().find_all("retry").count(), 3);
    /// ```
    pub fn find_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a SpanRecord> + 'a {
        self.spans.iter().filter(move |s| s.name == name)
    }

    /// The span with this id.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// use ctxtrace::SpanId;
    ///
    /// drop(ctx.start_span("sync"));
    /// let spans = tracer.spans();
    /// let id = spans.find("sync").unwrap().span_id();
    /// assert_eq!(spans.get(id).unwrap().name(), "sync");
    /// assert!(spans.get(SpanId(99)).is_none());
    /// ```
    pub fn get(&self, id: SpanId) -> Option<&SpanRecord> {
        self.by_id.get(&id).map(|&i| &self.spans[i])
    }

    /// The span's parent, if it has one and it is in this snapshot.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let root = Ctx::new(tracer.clone(), NopLogger);
    /// // handle -> sync -> {pull, create}, and a second root, gc
    /// let (ctx, handle) = root.start_span("handle");
    /// let (ctx, sync) = ctx.start_span("sync");
    /// drop((ctx.start_span("pull"), ctx.start_span("create"), sync, handle));
    /// drop(root.start_span("gc"));
    /// let spans = tracer.spans();
    /// let pull = spans.find("pull").unwrap();
    /// assert_eq!(spans.parent(pull).unwrap().name(), "sync");
    /// assert!(spans.parent(spans.find("gc").unwrap()).is_none());
    /// ```
    pub fn parent(&self, span: &SpanRecord) -> Option<&SpanRecord> {
        span.parent.and_then(|id| self.get(id))
    }

    /// The span's parent, grandparent and so on, nearest first.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let root = Ctx::new(tracer.clone(), NopLogger);
    /// // handle -> sync -> {pull, create}, and a second root, gc
    /// let (ctx, handle) = root.start_span("handle");
    /// let (ctx, sync) = ctx.start_span("sync");
    /// drop((ctx.start_span("pull"), ctx.start_span("create"), sync, handle));
    /// drop(root.start_span("gc"));
    /// let spans = tracer.spans();
    /// let pull = spans.find("pull").unwrap();
    /// let names: Vec<&str> = spans.ancestors(pull).map(|s| s.name()).collect();
    /// assert_eq!(names, ["sync", "handle"]);
    /// ```
    pub fn ancestors<'a>(
        &'a self,
        span: &'a SpanRecord,
    ) -> impl Iterator<Item = &'a SpanRecord> + 'a {
        let mut next = self.parent(span);
        std::iter::from_fn(move || {
            let this = next?;
            next = self.parent(this);
            Some(this)
        })
        .take(self.spans.len())
    }

    /// The span's children, in the order they started.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let root = Ctx::new(tracer.clone(), NopLogger);
    /// // handle -> sync -> {pull, create}, and a second root, gc
    /// let (ctx, handle) = root.start_span("handle");
    /// let (ctx, sync) = ctx.start_span("sync");
    /// drop((ctx.start_span("pull"), ctx.start_span("create"), sync, handle));
    /// drop(root.start_span("gc"));
    /// let spans = tracer.spans();
    /// let sync = spans.find("sync").unwrap();
    /// let names: Vec<&str> = spans.children(sync).map(|s| s.name()).collect();
    /// assert_eq!(names, ["pull", "create"]);
    /// ```
    pub fn children<'a>(
        &'a self,
        span: &'a SpanRecord,
    ) -> impl Iterator<Item = &'a SpanRecord> + 'a {
        let mut children: Vec<&SpanRecord> = self
            .spans
            .iter()
            .filter(|s| s.parent == Some(span.ids.span_id))
            .collect();
        children.sort_by_key(|s| s.order);
        children.into_iter()
    }

    /// The spans whose parent is not in this snapshot: real roots, and spans
    /// whose parent was dropped or has not ended.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    /// # let tracer = MemoryTracer::new();
    /// # let root = Ctx::new(tracer.clone(), NopLogger);
    /// // handle -> sync -> {pull, create}, and a second root, gc
    /// let (ctx, handle) = root.start_span("handle");
    /// let (ctx, sync) = ctx.start_span("sync");
    /// drop((ctx.start_span("pull"), ctx.start_span("create"), sync, handle));
    /// drop(root.start_span("gc"));
    /// let spans = tracer.spans();
    /// let names: Vec<&str> = spans.roots().map(|s| s.name()).collect();
    /// assert_eq!(names, ["handle", "gc"]);
    /// ```
    pub fn roots(&self) -> impl Iterator<Item = &SpanRecord> + '_ {
        let spans = self.in_start_order().into_iter().map(|i| &self.spans[i]);
        spans.filter(|s| self.is_root(s))
    }

    /// The indices of the spans, in the order they started.
    pub(super) fn in_start_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.spans.len()).collect();
        order.sort_by_key(|&i| self.spans[i].order);
        order
    }

    /// Whether `span`'s parent is not in the snapshot.
    pub(super) fn is_root(&self, span: &SpanRecord) -> bool {
        self.parent(span).is_none()
    }
}

impl<'a> IntoIterator for &'a Spans {
    type Item = &'a SpanRecord;
    type IntoIter = std::slice::Iter<'a, SpanRecord>;

    fn into_iter(self) -> Self::IntoIter {
        self.spans.iter()
    }
}

impl fmt::Display for Spans {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}
