//! A recording `tracing` layer: what spans and events a subscriber saw.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// A span as the subscriber saw it.
#[derive(Clone, Debug)]
pub struct SpanRec {
    /// The callsite's name (`ctxtrace.span` for ctxtrace spans).
    pub meta_name: &'static str,
    pub target: String,
    pub level: Level,
    /// Its index in `Recorded::spans`.
    pub index: usize,
    pub parent: Option<usize>,
    /// The latest value of each field.
    pub fields: BTreeMap<&'static str, String>,
    /// Every value recorded after the span was created, in order.
    pub records: Vec<(&'static str, String)>,
    /// How many times values were recorded after the span was created.
    pub record_calls: usize,
    pub closed: bool,
}

impl SpanRec {
    /// The ctxtrace name (`otel.name`), else the callsite's.
    pub fn name(&self) -> &str {
        self.fields
            .get("otel.name")
            .map_or(self.meta_name, String::as_str)
    }

    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }
}

/// An event as the subscriber saw it.
#[derive(Clone, Debug)]
pub struct EventRec {
    pub level: Level,
    pub target: String,
    pub meta_name: &'static str,
    pub fields: BTreeMap<&'static str, String>,
    /// How each field was recorded: `"str"`, `"i64"`, `"u64"`, `"i128"`,
    /// `"u128"`, `"f64"`, `"bool"`, `"error"` or `"debug"`.
    pub kinds: BTreeMap<&'static str, &'static str>,
    /// The field names, in the order they were recorded.
    pub names: Vec<&'static str>,
    /// The index of the span it is in, explicit or contextual.
    pub parent: Option<usize>,
    pub contextual: bool,
    /// The source file and line of the event's callsite.
    pub file: Option<&'static str>,
    pub line: Option<u32>,
}

impl EventRec {
    pub fn message(&self) -> &str {
        self.field("message").unwrap_or("")
    }

    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    /// How the field was recorded, and its text.
    pub fn typed(&self, key: &str) -> Option<(&str, &str)> {
        Some((*self.kinds.get(key)?, self.field(key)?))
    }
}

#[derive(Clone, Debug, Default)]
pub struct Recorded {
    pub spans: Vec<SpanRec>,
    pub events: Vec<EventRec>,
    /// The (name, target, level) of every callsite the subscriber was told
    /// about in `register_callsite`.
    pub callsites: Vec<(&'static str, &'static str, Level)>,
}

impl Recorded {
    pub fn span(&self, name: &str) -> &SpanRec {
        self.spans
            .iter()
            .find(|s| s.name() == name)
            .unwrap_or_else(|| panic!("no span {name}: {self:#?}"))
    }

    pub fn event(&self, message: &str) -> &EventRec {
        self.events
            .iter()
            .find(|e| e.message() == message)
            .unwrap_or_else(|| panic!("no event {message:?}: {self:#?}"))
    }

    pub fn parent_of_span(&self, span: &SpanRec) -> Option<&SpanRec> {
        span.parent.map(|i| &self.spans[i])
    }

    pub fn parent_of_event(&self, event: &EventRec) -> Option<&SpanRec> {
        event.parent.map(|i| &self.spans[i])
    }
}

/// The layer. Clones share what they recorded.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    recorded: Arc<Mutex<Recorded>>,
}

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn recorded(&self) -> Recorded {
        self.recorded.lock().unwrap().clone()
    }

    /// A `Registry` with this layer, ready for `with_default`.
    pub fn subscriber(&self) -> impl Subscriber + Send + Sync + 'static {
        use tracing_subscriber::layer::SubscriberExt as _;
        tracing_subscriber::registry().with(self.clone())
    }
}

struct Index(usize);

#[derive(Default)]
struct Fields<'a> {
    values: Option<&'a mut BTreeMap<&'static str, String>>,
    records: Option<&'a mut Vec<(&'static str, String)>>,
    kinds: Option<&'a mut BTreeMap<&'static str, &'static str>>,
    names: Option<&'a mut Vec<&'static str>>,
}

impl Fields<'_> {
    fn put(&mut self, field: &Field, kind: &'static str, value: String) {
        if let Some(records) = &mut self.records {
            records.push((field.name(), value.clone()));
        }
        if let Some(kinds) = &mut self.kinds {
            kinds.insert(field.name(), kind);
        }
        if let Some(names) = &mut self.names {
            names.push(field.name());
        }
        if let Some(values) = &mut self.values {
            values.insert(field.name(), value);
        }
    }
}

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, "debug", format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, "str", value.to_owned());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, "i64", value.to_string());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, "u64", value.to_string());
    }
    fn record_i128(&mut self, field: &Field, value: i128) {
        self.put(field, "i128", value.to_string());
    }
    fn record_u128(&mut self, field: &Field, value: u128) {
        self.put(field, "u128", value.to_string());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, "bool", value.to_string());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, "f64", value.to_string());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, "error", value.to_string());
    }
}

fn index_of<S: Subscriber + for<'a> LookupSpan<'a>>(
    span: &tracing_subscriber::registry::SpanRef<'_, S>,
) -> Option<usize> {
    span.extensions().get::<Index>().map(|i| i.0)
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn register_callsite(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        let mut recorded = self.recorded.lock().unwrap();
        recorded
            .callsites
            .push((meta.name(), meta.target(), *meta.level()));
        tracing::subscriber::Interest::always()
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let parent = span.parent().and_then(|p| index_of(&p));
        let mut recorded = self.recorded.lock().unwrap();
        let index = recorded.spans.len();
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields {
            values: Some(&mut fields),
            ..Fields::default()
        });
        let meta = attrs.metadata();
        recorded.spans.push(SpanRec {
            meta_name: meta.name(),
            target: meta.target().to_owned(),
            level: *meta.level(),
            index,
            parent,
            fields,
            records: Vec::new(),
            record_calls: 0,
            closed: false,
        });
        span.extensions_mut().insert(Index(index));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(index) = ctx.span(id).and_then(|s| index_of(&s)) else {
            return;
        };
        let mut recorded = self.recorded.lock().unwrap();
        let span = &mut recorded.spans[index];
        span.record_calls += 1;
        values.record(&mut Fields {
            values: Some(&mut span.fields),
            records: Some(&mut span.records),
            ..Fields::default()
        });
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let parent = ctx.event_span(event).and_then(|s| index_of(&s));
        let mut fields = BTreeMap::new();
        let mut kinds = BTreeMap::new();
        let mut names = Vec::new();
        event.record(&mut Fields {
            values: Some(&mut fields),
            kinds: Some(&mut kinds),
            names: Some(&mut names),
            ..Fields::default()
        });
        let meta = event.metadata();
        self.recorded.lock().unwrap().events.push(EventRec {
            level: *meta.level(),
            target: meta.target().to_owned(),
            file: meta.file(),
            line: meta.line(),
            meta_name: meta.name(),
            fields,
            kinds,
            names,
            parent,
            contextual: event.is_contextual(),
        });
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(index) = ctx.span(&id).and_then(|s| index_of(&s)) else {
            return;
        };
        self.recorded.lock().unwrap().spans[index].closed = true;
    }
}

/// A `Display` that counts how often it is formatted.
#[derive(Clone, Debug, Default)]
pub struct Counted(pub Arc<std::sync::atomic::AtomicUsize>);

impl Counted {
    pub fn count(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl fmt::Display for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        f.write_str("counted")
    }
}

/// A writer for `tracing_subscriber::fmt` that keeps what it wrote.
#[derive(Clone, Debug, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}
