//! [`MemoryLogger`]: keeps log entries in memory, for tests.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::DEFAULT_CAPACITY;
use crate::{Level, LevelFilter, Logger, OwnedValue, Record, SpanIds, Value};

/// A logger that keeps entries in memory, for tests and for inspecting a run.
///
/// Each [`Entry`] keeps its level, message, the ids of the span it was logged
/// under, and its fields: first those added to the `Ctx` (`method` and span
/// fields included), then the entry's own. Clones share one store; a new
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
    level: LevelFilter,
}

#[derive(Debug)]
struct Store {
    entries: VecDeque<Entry>,
    capacity: usize,
    dropped: u64,
}

/// One entry kept by a [`MemoryLogger`].
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    level: Level,
    message: String,
    pub(crate) fields: Vec<(&'static str, OwnedValue)>,
    span_ids: Option<SpanIds>,
}

impl Entry {
    /// The level.
    pub fn level(&self) -> Level {
        self.level
    }

    /// The formatted message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The fields: those of the `Ctx` first, then the entry's own.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = (&'static str, &OwnedValue)> + '_ {
        self.fields.iter().map(|(k, v)| (*k, v))
    }

    /// The value of the field `key`; the last one when it was given twice,
    /// so an entry's own field wins over the `Ctx`'s.
    pub fn field(&self, key: &str) -> Option<&OwnedValue> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// The ids of the span the entry was logged under, if the tracer has ids.
    pub fn span_ids(&self) -> Option<SpanIds> {
        self.span_ids
    }
}

impl MemoryLogger {
    /// A logger with a store of its own that keeps every level.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }

    /// A logger whose store keeps at most `capacity` entries.
    pub fn with_capacity(capacity: usize) -> Self {
        let store = Store {
            entries: VecDeque::new(),
            capacity,
            dropped: 0,
        };
        MemoryLogger {
            store: Arc::new(Mutex::new(store)),
            fields: Arc::default(),
            level: LevelFilter::Trace,
        }
    }

    /// The same logger, writing only entries that `level` allows.
    #[must_use]
    pub fn with_level(mut self, level: LevelFilter) -> Self {
        self.level = level;
        self
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the kept entries, oldest first.
    pub fn entries(&self) -> Vec<Entry> {
        self.store().entries.iter().cloned().collect()
    }

    /// How many entries were dropped because the store was full.
    pub fn dropped(&self) -> u64 {
        self.store().dropped
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        let mut store = self.store();
        store.entries.clear();
        store.dropped = 0;
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
        fields.extend(self.fields.iter().cloned());
        fields.push((key, OwnedValue::from(value)));
        MemoryLogger {
            store: Arc::clone(&self.store),
            fields: Arc::new(fields),
            level: self.level,
        }
    }

    fn log(&self, record: &Record<'_>) {
        // Everything is formatted before the store is locked, so a panicking
        // `Display` leaves the store untouched.
        let mut message = String::new();
        let _ = message.write_fmt(record.message());
        let mut fields = Vec::with_capacity(self.fields.len() + record.fields().len());
        fields.extend(self.fields.iter().cloned());
        fields.extend(
            record
                .fields()
                .iter()
                .map(|f| (f.key, OwnedValue::from(f.value))),
        );
        let entry = Entry {
            level: record.level(),
            message,
            fields,
            span_ids: record.span_ids(),
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
