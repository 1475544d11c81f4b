//! [`LogBridge`]: a `log::Log` that turns `log`'s records into entries on a
//! ctxtrace [`Logger`].

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{PoisonError, RwLock};

use ctxtrace::{Callsite, Level, Logger, Record, SendLogger};

use crate::kv;
use crate::logger::to_log_level;

/// How many distinct `log` keys a [`LogBridge`] keeps as ctxtrace keys unless
/// told otherwise ([`LogBridge::with_key_limit`]).
///
/// # Examples
///
/// ```
/// use ctxtrace::MemoryLogger;
/// use ctxtrace_log::{DEFAULT_KEY_LIMIT, LogBridge};
///
/// assert_eq!(LogBridge::new(MemoryLogger::new()).key_limit(), DEFAULT_KEY_LIMIT);
/// assert_eq!(DEFAULT_KEY_LIMIT, 1024);
/// ```
pub const DEFAULT_KEY_LIMIT: usize = 1024;

/// The longest `log` key, in bytes, that a [`LogBridge`] keeps as a ctxtrace
/// key. A longer key is written under [`OVERFLOW_KEY`], so that the keys a
/// bridge keeps take at most `key_limit × MAX_KEY_LEN` bytes.
///
/// # Examples
///
/// ```
/// use ctxtrace::MemoryLogger;
/// use ctxtrace_log::{LogBridge, MAX_KEY_LEN, OVERFLOW_KEY};
/// use log::Log as _;
///
/// let memory = MemoryLogger::new();
/// let bridge = LogBridge::new(memory.clone());
/// let long = "k".repeat(MAX_KEY_LEN + 1);
/// let kvs = [(long.as_str(), 1)];
/// bridge.log(&log::Record::builder().args(format_args!("x")).key_values(&kvs).build());
/// assert_eq!(bridge.interned_keys(), 0);
/// assert!(memory.entries()[0].field(OVERFLOW_KEY).is_some());
/// ```
pub const MAX_KEY_LEN: usize = 128;

/// The one key under which a [`LogBridge`] writes the key-values whose keys
/// it does not keep: once it keeps [`key_limit`](LogBridge::key_limit) keys,
/// a new key goes here, as does a key longer than [`MAX_KEY_LEN`]. The value
/// is a string of `key=value` pairs separated by spaces, with string values
/// quoted as Rust's `Debug` quotes them.
///
/// # Examples
///
/// ```
/// use ctxtrace::MemoryLogger;
/// use ctxtrace_log::{LogBridge, OVERFLOW_KEY};
/// use log::Log as _;
///
/// let memory = MemoryLogger::new();
/// let bridge = LogBridge::new(memory.clone()).with_key_limit(1);
/// let kvs: [(&str, log::kv::Value<'_>); 3] =
///     [("pod", "web-1".into()), ("attempt", 2.into()), ("node", "n 1".into())];
/// bridge.log(&log::Record::builder().args(format_args!("x")).key_values(&kvs).build());
/// let entry = &memory.entries()[0];
/// assert_eq!(entry.field("pod").unwrap().to_string(), "web-1");
/// assert_eq!(entry.field(OVERFLOW_KEY).unwrap().to_string(), r#"attempt=2 node="n 1""#);
/// ```
pub const OVERFLOW_KEY: &str = "log.kv";

/// A `log::Log` that writes each `log` record as an entry on a ctxtrace
/// [`Logger`], so that dependencies that log through the `log` facade join
/// the program's own ctxtrace stream, in its format.
///
/// Each [`log::Record`] becomes one entry with:
///
/// - the matching level (`log` and ctxtrace have the same five);
/// - the message, [`log::Record::args`], formatted only if the logger writes
///   the entry;
/// - the record's target, file and line, as the entry's [`Callsite`];
/// - the record's key-values (the `kv` feature of `log`) as the entry's own
///   fields, typed as far as `log`'s value model tells: strings, `i64`,
///   `u64`, 128-bit integers, floats and booleans keep their type, a `None`
///   is [`Value::Null`](ctxtrace::Value::Null), and every other value (a
///   `char`, a `:%` `Display` or `:?` `Debug` capture) is given as a
///   [`Value::Display`](ctxtrace::Value::Display) of `log`'s rendering,
///   which backends write as a string.
///
/// The entry has no span ids and none of a `Ctx`'s fields: a `log` record
/// knows nothing of ctxtrace spans. The logger's own fields, those added
/// with [`Logger::with_field`] before it was given to the bridge, are
/// written as on any of its entries.
///
/// # Keys
///
/// ctxtrace keys are `&'static str` and `log`'s keys are borrowed for one
/// call, so the bridge keeps a copy of each distinct key, allocated once and
/// never freed, in a set that belongs to the bridge (there is no global
/// interner). A key seen again is looked up, not copied, so the memory kept
/// grows with the number of distinct keys, never with the number of lines.
/// The set is bounded: at most [`key_limit`](Self::key_limit) keys
/// ([`DEFAULT_KEY_LIMIT`], 1,024, unless set with
/// [`with_key_limit`](Self::with_key_limit)) of at most [`MAX_KEY_LEN`]
/// bytes each, 128 KiB of keys by default. The key-values of a key past the
/// bound are not lost: they are written together under [`OVERFLOW_KEY`] as
/// `key=value` text, and [`overflowed`](Self::overflowed) counts them. Real
/// programs log a few dozen distinct keys; the bound is there for the one
/// dependency that puts ids in its keys. A program installs one bridge: each
/// bridge has its own set, and the keys of a dropped bridge stay allocated,
/// since entries that a logger kept may still refer to them.
///
/// # Levels
///
/// [`Log::enabled`](log::Log::enabled) asks the ctxtrace logger
/// ([`Logger::MAX_LEVEL`], then [`Logger::enabled`]), and
/// [`log`](log::Log::log) asks it again before it looks at the record, so an
/// entry the logger does not write costs no formatting. `log`'s macros check
/// [`log::max_level`] before they build a record: set it with
/// [`max_level`](Self::max_level), as [`install`](Self::install) does.
///
/// # Cost
///
/// A record with at most 16 key-values is converted on the stack, without
/// allocating; one with more allocates one `Vec` of key-values and one of
/// fields. Each key is looked up in the bridge's set under a read lock.
///
/// # The global logger
///
/// `log`'s logger is global by design, and it is the one global in this
/// workspace: it is owned by `log`, not by ctxtrace.
/// [`log::set_boxed_logger`] installs the bridge there once per process.
/// The bridge itself keeps no global state: its keys are its own. Never
/// give a bridge a
/// [`LogLogger`](crate::LogLogger), which writes to `log`'s logger: each
/// record would go round between the two until the stack overflows.
///
/// # Flushing
///
/// A ctxtrace [`Logger`] has no flush, so [`Log::flush`](log::Log::flush)
/// does nothing. To flush a writer logger such as
/// [`JsonLogger`](ctxtrace::JsonLogger), keep a clone of it and call its own
/// `flush`.
///
/// # Examples
///
/// ```
/// use ctxtrace::{LevelFilter, MemoryLogger, OwnedValue};
/// use ctxtrace_log::LogBridge;
///
/// let memory = MemoryLogger::new().with_level(LevelFilter::Info);
/// // In `main`, once: the same as `log::set_boxed_logger` and `log::set_max_level`.
/// LogBridge::new(memory.clone()).install().unwrap();
/// assert_eq!(log::max_level(), log::LevelFilter::Info);
///
/// // In a dependency:
/// log::warn!(target: "kube::client", status = 503, retry = true; "request failed");
/// log::debug!(target: "kube::client", "dropped: the logger is at info");
///
/// let entries = memory.entries();
/// assert_eq!(entries.len(), 1);
/// assert_eq!(entries[0].target(), "kube::client");
/// assert_eq!(entries[0].message(), "request failed");
/// assert_eq!(entries[0].field("status"), Some(&OwnedValue::I64(503)));
/// assert_eq!(entries[0].field("retry"), Some(&OwnedValue::Bool(true)));
/// ```
pub struct LogBridge<L> {
    logger: L,
    keys: Keys,
}

impl<L: SendLogger> LogBridge<L> {
    /// A bridge that writes every `log` record to `logger`, keeping at most
    /// [`DEFAULT_KEY_LIMIT`] distinct keys.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Level, MemoryLogger};
    /// use ctxtrace_log::LogBridge;
    /// use log::Log as _;
    ///
    /// let memory = MemoryLogger::new();
    /// let bridge = LogBridge::new(memory.clone());
    /// bridge.log(&log::Record::builder().level(log::Level::Info).args(format_args!("hi")).build());
    /// assert_eq!(memory.entries()[0].level(), Level::Info);
    /// ```
    pub fn new(logger: L) -> Self {
        LogBridge {
            logger,
            keys: Keys::new(DEFAULT_KEY_LIMIT),
        }
    }

    /// The same bridge, keeping at most `limit` distinct keys; the
    /// key-values of later keys are written under [`OVERFLOW_KEY`]. With 0,
    /// every key-value is.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::MemoryLogger;
    /// use ctxtrace_log::LogBridge;
    ///
    /// let bridge = LogBridge::new(MemoryLogger::new()).with_key_limit(64);
    /// assert_eq!(bridge.key_limit(), 64);
    /// ```
    #[must_use]
    pub fn with_key_limit(self, limit: usize) -> Self {
        LogBridge {
            keys: Keys::new(limit),
            ..self
        }
    }

    /// The ctxtrace logger the bridge writes to.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{LevelFilter, MemoryLogger};
    /// use ctxtrace_log::LogBridge;
    ///
    /// let bridge = LogBridge::new(MemoryLogger::new().with_level(LevelFilter::Warn));
    /// assert!(bridge.logger().is_empty());
    /// ```
    pub fn logger(&self) -> &L {
        &self.logger
    }

    /// The most distinct keys the bridge keeps.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::MemoryLogger;
    /// use ctxtrace_log::{DEFAULT_KEY_LIMIT, LogBridge};
    ///
    /// assert_eq!(LogBridge::new(MemoryLogger::new()).key_limit(), DEFAULT_KEY_LIMIT);
    /// ```
    pub fn key_limit(&self) -> usize {
        self.keys.limit
    }

    /// How many distinct keys the bridge keeps so far; never more than
    /// [`key_limit`](Self::key_limit).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::MemoryLogger;
    /// use ctxtrace_log::LogBridge;
    /// use log::Log as _;
    ///
    /// let bridge = LogBridge::new(MemoryLogger::new());
    /// for attempt in 0..3 {
    ///     let kvs = [("pod", "web-1")];
    ///     let kvs2 = [("attempt", attempt)];
    ///     bridge.log(&log::Record::builder().args(format_args!("x")).key_values(&kvs).build());
    ///     bridge.log(&log::Record::builder().args(format_args!("x")).key_values(&kvs2).build());
    /// }
    /// assert_eq!(bridge.interned_keys(), 2); // per key, not per line
    /// ```
    pub fn interned_keys(&self) -> usize {
        self.keys.len()
    }

    /// How many key-values were written under [`OVERFLOW_KEY`] because their
    /// key was past the bound.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::MemoryLogger;
    /// use ctxtrace_log::LogBridge;
    /// use log::Log as _;
    ///
    /// let bridge = LogBridge::new(MemoryLogger::new()).with_key_limit(1);
    /// let kvs = [("a", 1), ("b", 2), ("c", 3)];
    /// bridge.log(&log::Record::builder().args(format_args!("x")).key_values(&kvs).build());
    /// assert_eq!((bridge.interned_keys(), bridge.overflowed()), (1, 2));
    /// ```
    pub fn overflowed(&self) -> u64 {
        self.keys.overflowed.load(Ordering::Relaxed)
    }

    /// The `log` level filter that matches the logger: the most verbose
    /// level it writes, or `Off`. Give it to [`log::set_max_level`] so that
    /// `log`'s macros skip what the logger would drop before they build a
    /// record.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{LevelFilter, MemoryLogger};
    /// use ctxtrace_log::LogBridge;
    ///
    /// let bridge = LogBridge::new(MemoryLogger::new().with_level(LevelFilter::Warn));
    /// assert_eq!(bridge.max_level(), log::LevelFilter::Warn);
    /// let off = LogBridge::new(MemoryLogger::new().with_level(LevelFilter::Off));
    /// assert_eq!(off.max_level(), log::LevelFilter::Off);
    /// ```
    pub fn max_level(&self) -> log::LevelFilter {
        Level::ALL
            .into_iter()
            .rev()
            .find(|&level| self.writes(level))
            .map_or(log::LevelFilter::Off, |level| {
                to_log_level(level).to_level_filter()
            })
    }

    /// Installs the bridge as `log`'s logger, with
    /// [`log::set_boxed_logger`], and sets [`log::set_max_level`] to
    /// [`max_level`](Self::max_level). Call it once, in `main`: `log`'s
    /// logger is global to the process, and it is `log`'s, not ctxtrace's.
    ///
    /// # Errors
    ///
    /// `log`'s error when a `log` logger is already installed; the maximum
    /// level is then left as it was.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::MemoryLogger;
    /// use ctxtrace_log::LogBridge;
    ///
    /// let memory = MemoryLogger::new();
    /// LogBridge::new(memory.clone()).install().unwrap();
    /// log::info!("from a dependency");
    /// assert_eq!(memory.entries()[0].message(), "from a dependency");
    ///
    /// // Once per process.
    /// assert!(LogBridge::new(MemoryLogger::new()).install().is_err());
    /// ```
    pub fn install(self) -> Result<(), log::SetLoggerError> {
        let max_level = self.max_level();
        log::set_boxed_logger(Box::new(self))?;
        log::set_max_level(max_level);
        Ok(())
    }

    /// Whether the logger writes entries at `level`, at compile time and at
    /// run time.
    #[inline]
    fn writes(&self, level: Level) -> bool {
        <L as Logger>::MAX_LEVEL.allows(level) && self.logger.enabled(level)
    }
}

impl<L: SendLogger> log::Log for LogBridge<L> {
    /// Whether the ctxtrace logger writes entries at the record's level.
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        self.writes(from_log_level(metadata.level()))
    }

    fn log(&self, record: &log::Record<'_>) {
        let level = from_log_level(record.level());
        if !self.writes(level) {
            return;
        }
        let line = record.line().unwrap_or(0);
        // `log`'s macros give the module path and the file for the
        // program's life, and the module path is their default target: then
        // the target is static too, and a recorder keeps it by reference.
        let module = record.module_path_static();
        let callsite = match (
            module.filter(|&m| m == record.target()),
            record.file_static(),
        ) {
            (Some(target), Some(file)) => Callsite::new_static(target, file, line),
            _ => Callsite::new(record.target(), record.file().unwrap_or(""), line),
        };
        kv::with_fields(&self.keys, record.key_values(), |fields| {
            self.logger
                .log(&Record::new(level, *record.args(), fields).with_callsite(&callsite));
        });
    }

    /// Does nothing: a ctxtrace [`Logger`] has no flush. Flush a writer
    /// logger through a clone of it.
    fn flush(&self) {}
}

impl<L: fmt::Debug> fmt::Debug for LogBridge<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogBridge")
            .field("logger", &self.logger)
            .field("key_limit", &self.keys.limit)
            .field("interned_keys", &self.keys.len())
            .field("overflowed", &self.keys.overflowed.load(Ordering::Relaxed))
            .finish()
    }
}

/// The ctxtrace level of a `log` level.
const fn from_log_level(level: log::Level) -> Level {
    match level {
        log::Level::Error => Level::Error,
        log::Level::Warn => Level::Warn,
        log::Level::Info => Level::Info,
        log::Level::Debug => Level::Debug,
        log::Level::Trace => Level::Trace,
    }
}

/// The keys a bridge keeps: each distinct key copied once, at most `limit`
/// of them.
pub(crate) struct Keys {
    set: RwLock<HashSet<&'static str>>,
    limit: usize,
    overflowed: AtomicU64,
}

impl Keys {
    fn new(limit: usize) -> Self {
        Keys {
            set: RwLock::new(HashSet::new()),
            limit,
            overflowed: AtomicU64::new(0),
        }
    }

    fn len(&self) -> usize {
        self.set
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// The kept copy of `key`, made now if it is new and within the bound;
    /// `None` past the bound.
    pub(crate) fn intern(&self, key: &str) -> Option<&'static str> {
        let set = self.set.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(&kept) = set.get(key) {
            return Some(kept);
        }
        let full = set.len() >= self.limit;
        drop(set);
        if full || key.len() > MAX_KEY_LEN {
            self.overflowed.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let mut set = self.set.write().unwrap_or_else(PoisonError::into_inner);
        // Another thread may have added it, or filled the set, meanwhile.
        if let Some(&kept) = set.get(key) {
            return Some(kept);
        }
        if set.len() >= self.limit {
            drop(set);
            self.overflowed.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        // Once per distinct key, at most `limit` times per bridge: ctxtrace
        // keys are `'static`, and loggers may keep them past this call.
        let kept: &'static str = Box::leak(Box::<str>::from(key));
        set.insert(kept);
        Some(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_log_level_maps_back() {
        for level in Level::ALL {
            assert_eq!(from_log_level(to_log_level(level)), level);
        }
    }

    #[test]
    fn a_key_is_kept_once_and_the_bound_holds() {
        let keys = Keys::new(2);
        let a = keys.intern("a").unwrap();
        assert!(std::ptr::eq(a, keys.intern(&String::from("a")).unwrap()));
        assert!(keys.intern("b").is_some());
        assert!(keys.intern("c").is_none());
        assert!(keys.intern("a").is_some());
        assert_eq!(
            (keys.len(), keys.overflowed.load(Ordering::Relaxed)),
            (2, 1)
        );
    }
}
