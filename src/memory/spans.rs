//! Reading recorded spans back: [`SpanRecord`], [`Event`] and the [`Spans`]
//! snapshot with its tree queries.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use super::{Events, Stored, StoredStatus, slice};
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
    pub(super) parent: Option<SpanId>,
    pub(super) name: &'static str,
    pub(super) start: u64,
    pub(super) end: u64,
    pub(super) thread: u64,
    pub(super) attributes: Vec<Stored>,
    pub(super) text: String,
    pub(super) status: StoredStatus,
    pub(super) events: Events,
}

impl SpanRecord {
    pub(super) fn reset(&mut self) {
        self.attributes.clear();
        self.text.clear();
        self.status = StoredStatus::Unset;
        self.events.clear();
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.attributes.capacity() * size_of::<Stored>()
            + self.text.capacity()
            + self.events.heap_bytes()
    }

    /// The span's own id.
    pub fn span_id(&self) -> SpanId {
        self.ids.span_id
    }

    /// The id of the trace the span belongs to.
    pub fn trace_id(&self) -> TraceId {
        self.ids.trace_id
    }

    /// Both ids.
    pub fn ids(&self) -> SpanIds {
        self.ids
    }

    /// The parent's id; `None` for a root span.
    pub fn parent_id(&self) -> Option<SpanId> {
        self.parent
    }

    /// The name the span was started with.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// When the span started, in nanoseconds since the Unix epoch.
    pub fn start_unix_nanos(&self) -> u64 {
        self.start
    }

    /// When the span ended, in nanoseconds since the Unix epoch.
    pub fn end_unix_nanos(&self) -> u64 {
        self.end
    }

    /// How long the span was open; zero if the clock went backwards.
    pub fn duration(&self) -> Duration {
        Duration::from_nanos(self.end.saturating_sub(self.start))
    }

    /// The number of the thread the span started on, as in its `ThreadId`'s
    /// `Debug` output (`ThreadId(N)`).
    pub fn thread(&self) -> u64 {
        self.thread
    }

    /// The attributes, in the order they were set.
    pub fn attributes(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&'static str, Value<'_>)>
    + ExactSizeIterator<Item = (&'static str, Value<'_>)>
    + '_ {
        self.attributes.iter().map(|a| (a.key, a.get(&self.text)))
    }

    /// The value last set for `key`.
    pub fn attribute(&self, key: &str) -> Option<Value<'_>> {
        self.attributes()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// The events: one for each entry logged through a `Ctx` under the span,
    /// in order.
    pub fn events(&self) -> impl ExactSizeIterator<Item = Event<'_>> + '_ {
        self.events.list.iter().map(|meta| Event {
            meta: *meta,
            events: &self.events,
        })
    }

    /// The status.
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

/// One event of a recorded span: a log entry written under it.
#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    meta: super::EventMeta,
    events: &'a Events,
}

impl<'a> Event<'a> {
    /// The entry's level.
    pub fn level(&self) -> Level {
        self.meta.level
    }

    /// The formatted message.
    pub fn message(&self) -> &'a str {
        slice(&self.events.text, self.meta.message)
    }

    /// When the entry was logged, in nanoseconds since the Unix epoch.
    pub fn unix_nanos(&self) -> u64 {
        self.meta.unix_nanos
    }

    /// The entry's own fields, in order.
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
        stored.iter().map(move |f| (f.key, f.get(&events.text)))
    }

    /// The value of the field `key`, the last one if it was given twice.
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
    spans: Vec<SpanRecord>,
    by_id: HashMap<SpanId, usize>,
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
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// All spans, in the order they ended.
    pub fn iter(&self) -> std::slice::Iter<'_, SpanRecord> {
        self.spans.iter()
    }

    /// The first span (in the order they ended) named `name`.
    pub fn find(&self, name: &str) -> Option<&SpanRecord> {
        self.spans.iter().find(|s| s.name == name)
    }

    /// Every span named `name`.
    pub fn find_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a SpanRecord> + 'a {
        self.spans.iter().filter(move |s| s.name == name)
    }

    /// The span with this id.
    pub fn get(&self, id: SpanId) -> Option<&SpanRecord> {
        self.by_id.get(&id).map(|&i| &self.spans[i])
    }

    /// The span's parent, if it has one and it is in this snapshot.
    pub fn parent(&self, span: &SpanRecord) -> Option<&SpanRecord> {
        span.parent.and_then(|id| self.get(id))
    }

    /// The span's parent, grandparent and so on, nearest first.
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
    pub fn children<'a>(
        &'a self,
        span: &'a SpanRecord,
    ) -> impl Iterator<Item = &'a SpanRecord> + 'a {
        let mut children: Vec<&SpanRecord> = self
            .spans
            .iter()
            .filter(|s| s.parent == Some(span.ids.span_id))
            .collect();
        children.sort_by_key(|s| s.ids.span_id);
        children.into_iter()
    }

    /// The spans whose parent is not in this snapshot: real roots, and spans
    /// whose parent was dropped or has not ended.
    pub fn roots(&self) -> impl Iterator<Item = &SpanRecord> + '_ {
        let mut roots: Vec<&SpanRecord> = self
            .spans
            .iter()
            .filter(|s| self.parent(s).is_none())
            .collect();
        roots.sort_by_key(|s| s.ids.span_id);
        roots.into_iter()
    }

    /// Renders every tree as text: one line a span, `name duration [status]`
    /// then its attributes, children indented by two spaces, and events as
    /// `- level message fields` lines under their span.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let children = self.child_index();
        for root in self.roots() {
            self.render_into(&mut out, root, 0, &children);
        }
        out
    }

    /// Renders the tree below `span`, `span` included, as
    /// [`render`](Spans::render) does.
    pub fn render_tree(&self, span: &SpanRecord) -> String {
        let mut out = String::new();
        self.render_into(&mut out, span, 0, &self.child_index());
        out
    }

    fn child_index(&self) -> HashMap<SpanId, Vec<usize>> {
        let mut index: HashMap<SpanId, Vec<usize>> = HashMap::new();
        for (i, span) in self.spans.iter().enumerate() {
            if let Some(parent) = span.parent {
                index.entry(parent).or_default().push(i);
            }
        }
        for list in index.values_mut() {
            list.sort_by_key(|&i| self.spans[i].ids.span_id);
        }
        index
    }

    fn render_into(
        &self,
        out: &mut String,
        span: &SpanRecord,
        depth: usize,
        children: &HashMap<SpanId, Vec<usize>>,
    ) {
        use fmt::Write as _;
        // Spans form a tree by construction; the depth bound only guards a
        // snapshot assembled by hand.
        if depth > 256 {
            return;
        }
        let pad = "  ".repeat(depth);
        let status = match span.status() {
            Status::Unset => "unset".to_string(),
            Status::Ok => "ok".to_string(),
            error => error.to_string(),
        };
        let _ = write!(out, "{pad}{} {:?} [{status}]", span.name, span.duration());
        for (key, value) in span.attributes() {
            let _ = write!(out, " {key}={value}");
        }
        out.push('\n');
        for event in span.events() {
            let _ = write!(out, "{pad}  - {} {}", event.level(), event.message());
            for (key, value) in event.fields() {
                let _ = write!(out, " {key}={value}");
            }
            out.push('\n');
        }
        for &child in children
            .get(&span.ids.span_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            self.render_into(out, &self.spans[child], depth + 1, children);
        }
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
