//! [`MemoryLogger`]: keeps log entries in memory, for tests.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::DEFAULT_CAPACITY;
use crate::{Level, LevelFilter, Logger, OwnedValue, Record, SpanIds, Value};

/// A logger that keeps entries in memory, for tests and for inspecting a run.
///
/// Each [`Entry`] keeps its level, message, [target](Entry::target), file
/// and line, the name of the span it was logged under
/// ([`method`](Entry::method)) and that span's ids, and its
/// fields: first those added to the `Ctx` (span fields included), then the
/// entry's own. No entry holds a key twice: a key set on the `Ctx` again
/// replaces its earlier value, an entry's own field replaces a `Ctx` field
/// with the same key, and within one entry the last value of a key wins. The
/// span name is kept apart, so a field named `method` is a field like any
/// other. Clones share one store; a new
/// `MemoryLogger` is a store of its own, so parallel tests never mix. The
/// store is bounded (65,536 entries by default), dropping the oldest.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, Level, MemoryLogger, NopTracer};
///
/// let logger = MemoryLogger::new();
/// let ctx = Ctx::new(NopTracer, logger.clone()).with_field("queue", "pods");
/// ctxtrace::warn!(ctx, "requeue"; key = "default/web-1");
///
/// let entries = logger.entries();
/// assert_eq!(entries.len(), 1);
/// assert_eq!(entries[0].level(), Level::Warn);
/// let keys: Vec<&str> = entries[0].fields().map(|(k, _)| k).collect();
/// assert_eq!(keys, ["queue", "key"]);
/// ```
#[derive(Clone, Debug)]
pub struct MemoryLogger {
    store: Arc<Mutex<Store>>,
    fields: Arc<Vec<(&'static str, OwnedValue)>>,
    method: Option<&'static str>,
    level: LevelFilter,
}

#[derive(Debug)]
struct Store {
    entries: VecDeque<Entry>,
    capacity: usize,
    dropped: u64,
}

/// One entry kept by a [`MemoryLogger`], as [`entries`](MemoryLogger::entries)
/// returns it: the message is formatted and every value is copied.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, Level, MemoryLogger, NopTracer};
///
/// let logger = MemoryLogger::new();
/// let ctx = Ctx::new(NopTracer, logger.clone()).with_field("node", "n1");
/// ctxtrace::error!(ctx, "evicted {}", "web-1"; reason = "memory");
/// let entry = &logger.entries()[0];
/// assert_eq!((entry.level(), entry.message()), (Level::Error, "evicted web-1"));
/// assert_eq!(entry.fields().len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    level: Level,
    message: String,
    pub(crate) fields: Vec<(&'static str, OwnedValue)>,
    method: Option<&'static str>,
    span_ids: Option<SpanIds>,
    target: String,
    file: String,
    line: u32,
}

impl Entry {
    /// The level.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, Level, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::new();
    /// ctxtrace::debug!(Ctx::new(NopTracer, logger.clone()), "x");
    /// assert_eq!(logger.entries()[0].level(), Level::Debug);
    /// ```
    pub fn level(&self) -> Level {
        self.level
    }

    /// The formatted message.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::new();
    /// ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "synced {} pods", 3);
    /// assert_eq!(logger.entries()[0].message(), "synced 3 pods");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The fields: those of the [`Ctx`](crate::Ctx) first, then the entry's
    /// own, each key once.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::new();
    /// let (ctx, _span) = Ctx::new(NopTracer, logger.clone()).start_span("sync_pod");
    /// ctxtrace::info!(ctx.with_field("pod", "web-1"), "x"; attempt = 2);
    /// let entries = logger.entries();
    /// let fields: Vec<String> = entries[0].fields().map(|(k, v)| format!("{k}={v}")).collect();
    /// assert_eq!(fields, ["pod=web-1", "attempt=2"]);
    /// ```
    pub fn fields(&self) -> impl ExactSizeIterator<Item = (&'static str, &OwnedValue)> + '_ {
        self.fields.iter().map(|(k, v)| (*k, v))
    }

    /// The value of the field `key`. An entry's own field wins over the
    /// `Ctx`'s.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer, OwnedValue};
    ///
    /// let logger = MemoryLogger::new();
    /// let ctx = Ctx::new(NopTracer, logger.clone()).with_field("attempt", 1);
    /// ctxtrace::info!(ctx, "retry"; attempt = 2);
    /// let entry = &logger.entries()[0];
    /// assert_eq!(entry.field("attempt"), Some(&OwnedValue::U64(2)));
    /// assert_eq!(entry.field("missing"), None);
    /// ```
    pub fn field(&self, key: &str) -> Option<&OwnedValue> {
        self.fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The entry's target: the module that wrote it, unless the call named
    /// another ([`Record::target`](crate::Record::target)).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::new();
    /// let ctx = Ctx::new(NopTracer, logger.clone());
    /// ctxtrace::info!(ctx, "here");
    /// ctxtrace::warn!(ctx, target: "podlib::sync", "there");
    /// let entries = logger.entries();
    /// assert_eq!(entries[0].target(), module_path!());
    /// assert_eq!(entries[1].target(), "podlib::sync");
    /// ```
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The source file and line the entry was written at (`("", 0)` when
    /// unknown).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::new();
    /// ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "here"); let line = line!();
    /// assert_eq!(logger.entries()[0].location(), (file!(), line));
    /// ```
    pub fn location(&self) -> (&str, u32) {
        (&self.file, self.line)
    }

    /// The name of the span the entry was logged under, which writer loggers
    /// write as `method`; `None` at the root.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::new();
    /// let root = Ctx::new(NopTracer, logger.clone());
    /// let (ctx, _span) = root.start_span("sync_pod");
    /// ctxtrace::info!(ctx, "under a span"; method = "not the span name");
    /// ctxtrace::info!(root, "at the root");
    /// let entries = logger.entries();
    /// assert_eq!(entries[0].method(), Some("sync_pod"));
    /// assert_eq!(entries[0].field("method").unwrap().to_string(), "not the span name");
    /// assert_eq!(entries[1].method(), None);
    /// ```
    pub fn method(&self) -> Option<&'static str> {
        self.method
    }

    /// The ids of the span the entry was logged under, if the tracer has ids.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, MemoryTracer};
    ///
    /// let logger = MemoryLogger::new();
    /// let root = Ctx::new(MemoryTracer::new(), logger.clone());
    /// ctxtrace::info!(root, "no span");
    /// let (ctx, _span) = root.start_span("sync");
    /// ctxtrace::info!(ctx, "in a span");
    /// let entries = logger.entries();
    /// assert_eq!(entries[0].span_ids(), None);
    /// assert_eq!(entries[1].span_ids(), ctx.span_ids());
    /// ```
    pub fn span_ids(&self) -> Option<SpanIds> {
        self.span_ids
    }
}

impl MemoryLogger {
    /// A logger with a store of its own that keeps every level, and at most
    /// [`DEFAULT_CAPACITY`](crate::DEFAULT_CAPACITY) entries.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let (a, b) = (MemoryLogger::new(), MemoryLogger::new());
    /// ctxtrace::trace!(Ctx::new(NopTracer, a.clone()), "only in a");
    /// assert_eq!((a.entries().len(), b.entries().len()), (1, 0));
    /// ```
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }

    /// A logger whose store keeps at most `capacity` entries, dropping the
    /// oldest beyond that.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::with_capacity(2);
    /// let ctx = Ctx::new(NopTracer, logger.clone());
    /// for n in 0..3 {
    ///     ctxtrace::info!(ctx, "entry {}", n);
    /// }
    /// let messages: Vec<String> = logger.entries().iter().map(|e| e.message().into()).collect();
    /// assert_eq!(messages, ["entry 1", "entry 2"]);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        let store = Store {
            entries: VecDeque::new(),
            capacity,
            dropped: 0,
        };
        MemoryLogger {
            store: Arc::new(Mutex::new(store)),
            fields: Arc::default(),
            method: None,
            level: LevelFilter::Trace,
        }
    }

    /// The same logger, writing only entries that `level` allows.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, LevelFilter, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::new().with_level(LevelFilter::Info);
    /// let ctx = Ctx::new(NopTracer, logger.clone());
    /// ctxtrace::debug!(ctx, "left out");
    /// ctxtrace::info!(ctx, "kept");
    /// assert_eq!(logger.entries().len(), 1);
    /// ```
    #[must_use]
    pub fn with_level(mut self, level: LevelFilter) -> Self {
        self.level = level;
        self
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the kept entries, oldest first.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::new();
    /// let ctx = Ctx::new(NopTracer, logger.clone());
    /// ctxtrace::info!(ctx, "first");
    /// ctxtrace::info!(ctx, "second");
    /// let entries = logger.entries();
    /// assert_eq!([entries[0].message(), entries[1].message()], ["first", "second"]);
    /// ```
    pub fn entries(&self) -> Vec<Entry> {
        self.store().entries.iter().cloned().collect()
    }

    /// How many entries were dropped because the store was full.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::with_capacity(1);
    /// let ctx = Ctx::new(NopTracer, logger.clone());
    /// ctxtrace::info!(ctx, "old");
    /// ctxtrace::info!(ctx, "new");
    /// assert_eq!((logger.entries().len(), logger.dropped()), (1, 1));
    /// ```
    pub fn dropped(&self) -> u64 {
        self.store().dropped
    }

    /// How many entries are kept now, without copying them.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::with_capacity(2);
    /// let ctx = Ctx::new(NopTracer, logger.clone());
    /// for n in 0..3 {
    ///     ctxtrace::info!(ctx, "entry {n}");
    /// }
    /// assert_eq!((logger.len(), logger.logged()), (2, 3));
    /// ```
    pub fn len(&self) -> usize {
        self.store().entries.len()
    }

    /// Whether no entry is kept.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(ctxtrace::MemoryLogger::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many entries were logged in all: those kept plus those dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::with_capacity(0);
    /// ctxtrace::warn!(Ctx::new(NopTracer, logger.clone()), "not kept");
    /// assert_eq!((logger.len(), logger.logged()), (0, 1));
    /// ```
    pub fn logged(&self) -> u64 {
        let store = self.store();
        store.entries.len() as u64 + store.dropped
    }

    /// Forgets every entry, and resets [`dropped`](MemoryLogger::dropped).
    /// Clones share the store, so they are cleared too.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::with_capacity(1);
    /// let ctx = Ctx::new(NopTracer, logger.clone());
    /// ctxtrace::info!(ctx, "a");
    /// ctxtrace::info!(ctx, "b");
    /// logger.clear();
    /// assert_eq!((logger.entries().len(), logger.dropped()), (0, 0));
    /// ```
    pub fn clear(&self) {
        let mut store = self.store();
        store.entries.clear();
        store.dropped = 0;
    }
}

/// `value` copied. A `Display` value that returns an error keeps the text
/// it wrote before that, as the writer loggers do, instead of panicking as
/// `to_string` would.
fn owned(value: Value<'_>) -> OwnedValue {
    match value {
        value if !value.is_rendered() => OwnedValue::from(value),
        shown => {
            let mut text = String::new();
            let _ = write!(text, "{shown}");
            OwnedValue::Str(text)
        }
    }
}

impl Default for MemoryLogger {
    fn default() -> Self {
        Self::new()
    }
}

impl Logger for MemoryLogger {
    const MAX_LEVEL: LevelFilter = LevelFilter::Trace;

    fn enabled(&self, level: Level) -> bool {
        self.level.allows(level)
    }

    fn with_field(&self, key: &'static str, value: Value<'_>) -> Self {
        let mut fields = Vec::with_capacity(self.fields.len() + 1);
        fields.extend(self.fields.iter().filter(|(k, _)| *k != key).cloned());
        fields.push((key, owned(value)));
        MemoryLogger {
            store: Arc::clone(&self.store),
            fields: Arc::new(fields),
            method: self.method,
            level: self.level,
        }
    }

    fn with_method(&self, name: &'static str) -> Self {
        MemoryLogger {
            method: Some(name),
            ..self.clone()
        }
    }

    fn for_each_field(&self, mut f: impl FnMut(&'static str, Value<'_>)) {
        for (key, value) in self.fields.iter() {
            f(key, value.as_value());
        }
    }

    #[inline]
    fn has_fields(&self) -> bool {
        !self.fields.is_empty()
    }

    fn log(&self, record: &Record<'_>) {
        // Everything is formatted before the store is locked, so a panicking
        // `Display` leaves the store untouched.
        let mut message = String::new();
        let _ = message.write_fmt(record.message());
        let mut fields = Vec::with_capacity(self.fields.len() + record.fields().len());
        let inherited = self.fields.iter().filter(|(k, _)| !record.has_field(k));
        fields.extend(inherited.cloned());
        fields.extend(record.unique_fields().map(|f| (f.key, owned(f.value))));
        let entry = Entry {
            level: record.level(),
            message,
            fields,
            method: self.method,
            span_ids: record.span_ids(),
            target: record.target().to_owned(),
            file: record.file().to_owned(),
            line: record.line(),
        };

        let mut store = self.store();
        if store.capacity == 0 {
            store.dropped += 1;
            return;
        }
        if store.entries.len() >= store.capacity {
            store.entries.pop_front();
            store.dropped += 1;
        }
        store.entries.push_back(entry);
    }
}
