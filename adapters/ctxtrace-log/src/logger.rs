//! [`LogLogger`]: a ctxtrace [`Logger`] that forwards to the `log` facade.

use std::fmt;
use std::sync::Arc;

use ctxtrace::{Level, LevelFilter, Logger, OwnedValue, Record, SpanIds, Value};
use log::kv::{self, Key, Source, VisitSource};

/// The target of an entry that has none of its own (one logged with
/// [`Ctx::log`](ctxtrace::Ctx::log) rather than the macros), unless
/// [`with_target`](LogLogger::with_target) sets one for every entry.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, Level, NopTracer};
/// use ctxtrace_log::{DEFAULT_TARGET, LogLogger};
///
/// // With a `log` logger installed, this record has the target "ctxtrace".
/// Ctx::new(NopTracer, LogLogger::new()).log(Level::Info, format_args!("no call site"), &[]);
/// assert_eq!(DEFAULT_TARGET, "ctxtrace");
/// ```
pub const DEFAULT_TARGET: &str = "ctxtrace";

/// A ctxtrace [`Logger`] that forwards each entry to the `log` facade, with
/// its fields as `log` key-values (the `kv` feature of `log`).
///
/// Each entry becomes a [`log::Record`] with:
///
/// - the matching level (ctxtrace and `log` have the same five);
/// - the message, formatted only if the installed `log` logger formats it;
/// - the entry's own target, file and line ([`Record::target`],
///   [`Record::file`], [`Record::line`]): the module that wrote it (or the
///   macro's `target: "..."`), so `env_logger`-style per-module filters such
///   as `RUST_LOG=warn,podlib=debug` work. An entry without a target, one
///   logged with [`Ctx::log`](ctxtrace::Ctx::log), has the target
///   [`DEFAULT_TARGET`] and no file or line. [`with_target`](LogLogger::with_target)
///   gives every entry one target instead. `log`'s `module_path` is not set:
///   a ctxtrace call site has a target but no separate module path;
/// - the key-values `method` (the name of the span it was logged under), the
///   `Ctx`'s fields (span fields included), the entry's own fields, and
///   `trace_id` and `span_id` when the tracer has ids. Strings, integers
///   (128-bit ones too), floats and booleans keep their type, `None` is
///   `log`'s null, and a `Debug` value is a `log` debug value; durations
///   (`1.5s`), `Display` values, errors and paths are rendered by the `log`
///   logger. The table on [`ctxtrace::Value`] has every kind. No key is given
///   twice: a key set on the `Ctx` again replaces its value, an entry's own
///   field replaces the `Ctx`'s, the last of a key the entry gives twice
///   wins, and a field named `method`, `trace_id` or `span_id`, or starting
///   with `fields.`, is given as `fields.<key>`.
///
/// Levels are filtered as `log`'s own macros filter them: a level that
/// `log`'s `max_level_*` features rule out is removed at compile time
/// ([`MAX_LEVEL`](Logger::MAX_LEVEL)), and one above [`log::max_level`] is
/// skipped before its arguments are evaluated. Filtering by target is left to
/// the `log` logger, which sees each record's target, as with `log`'s macros.
/// [`enabled`](Logger::enabled) does not ask the `log` logger
/// ([`log::Log::enabled`]) first: ctxtrace asks it with the level alone,
/// before the entry and its call site are at hand, so there is no target to
/// put in the [`log::Metadata`]. An entry that the `log` logger filters out
/// by target has its arguments evaluated, and is dropped there.
///
/// `log`'s logger is global by design, so this is the one ctxtrace backend
/// that writes to global state: the logger installed with
/// [`log::set_logger`].
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, NopTracer};
/// use ctxtrace_log::LogLogger;
///
/// // With env_logger or any `log` logger installed, this logs
/// // `INFO podlib::sync: synced` with the key-values `worker=3 pod=web-1`.
/// let ctx = Ctx::new(NopTracer, LogLogger::new()).with_field("worker", 3);
/// ctxtrace::info!(ctx, target: "podlib::sync", "synced"; pod = "web-1");
/// assert_eq!(ctx.logger().target(), None);
/// ```
#[derive(Clone, Debug)]
pub struct LogLogger {
    /// Set by `with_target`: the target of every entry.
    target: Option<&'static str>,
    method: Option<&'static str>,
    fields: Arc<[(&'static str, OwnedValue)]>,
}

impl LogLogger {
    /// A logger that gives each record its entry's own target, and has no
    /// fields.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace_log::LogLogger;
    ///
    /// let logger = LogLogger::new();
    /// assert_eq!(logger.target(), None);
    /// assert_eq!(logger.method(), None);
    /// ```
    pub fn new() -> Self {
        LogLogger {
            target: None,
            method: None,
            fields: Arc::new([]),
        }
    }

    /// The same logger, logging every entry with the target `target` in
    /// place of the entry's own: for a program that wants all of its
    /// ctxtrace entries under one name in the `log` logger's filters. The
    /// file and line are still the entry's.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace_log::LogLogger;
    ///
    /// let logger = LogLogger::new().with_target("pod_sync");
    /// assert_eq!(logger.target(), Some("pod_sync"));
    /// ```
    #[must_use]
    pub fn with_target(self, target: &'static str) -> Self {
        LogLogger {
            target: Some(target),
            ..self
        }
    }

    /// The target set with [`with_target`](LogLogger::with_target) for every
    /// entry; `None` when each entry has its own.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopTracer};
    /// use ctxtrace_log::LogLogger;
    ///
    /// // Fields and spans keep the target.
    /// let ctx = Ctx::new(NopTracer, LogLogger::new().with_target("kubelet")).with_field("pod", "web-1");
    /// let (ctx, _span) = ctx.start_span("sync_pod");
    /// assert_eq!(ctx.logger().target(), Some("kubelet"));
    /// ```
    pub fn target(&self) -> Option<&'static str> {
        self.target
    }

    /// The name of the span written as `method`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopTracer};
    /// use ctxtrace_log::LogLogger;
    ///
    /// let (ctx, _span) = Ctx::new(NopTracer, LogLogger::new()).start_span("sync_pod");
    /// assert_eq!(ctx.logger().method(), Some("sync_pod"));
    /// ```
    pub fn method(&self) -> Option<&'static str> {
        self.method
    }

    /// The `Ctx`'s fields, in the order they were added (without `method`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopTracer, OwnedValue};
    /// use ctxtrace_log::LogLogger;
    ///
    /// let ctx = Ctx::new(NopTracer, LogLogger::new()).with_field("pod", "web-1");
    /// let fields: Vec<_> = ctx.logger().fields().collect();
    /// assert_eq!(fields, [("pod", &OwnedValue::Str("web-1".into()))]);
    /// ```
    pub fn fields(&self) -> impl ExactSizeIterator<Item = (&'static str, &OwnedValue)> + '_ {
        self.fields.iter().map(|(k, v)| (*k, v))
    }
}

impl Default for LogLogger {
    fn default() -> Self {
        LogLogger::new()
    }
}

impl Logger for LogLogger {
    const MAX_LEVEL: LevelFilter = from_log_filter(log::STATIC_MAX_LEVEL);

    #[inline]
    fn enabled(&self, level: Level) -> bool {
        to_log_level(level) <= log::max_level()
    }

    /// A key set again replaces its earlier value and moves to the end, as
    /// in the writer loggers.
    fn with_field(&self, key: &'static str, value: Value<'_>) -> Self {
        let mut fields = Vec::with_capacity(self.fields.len() + 1);
        fields.extend(self.fields.iter().filter(|(k, _)| *k != key).cloned());
        fields.push((key, OwnedValue::from(value)));
        LogLogger {
            fields: fields.into(),
            ..self.clone()
        }
    }

    fn for_each_field(&self, mut f: impl FnMut(&'static str, Value<'_>)) {
        for (key, value) in self.fields.iter() {
            f(key, value.as_value());
        }
    }

    fn with_method(&self, name: &'static str) -> Self {
        LogLogger {
            method: Some(name),
            ..self.clone()
        }
    }

    fn log(&self, record: &Record<'_>) {
        // The written keys of renamed fields, made only when a field needs one.
        let renamed: Vec<String> = self
            .fields
            .iter()
            .map(|(k, _)| *k)
            .chain(record.fields().iter().map(|f| f.key))
            .filter(|k| is_renamed(k))
            .map(|k| format!("fields.{k}"))
            .collect();
        let kvs = KeyValues {
            method: self.method,
            ctx: &self.fields,
            record,
            ids: record.span_ids(),
            renamed: &renamed,
        };
        let target = match self.target {
            Some(target) => target,
            None if record.target().is_empty() => DEFAULT_TARGET,
            None => record.target(),
        };
        let file = record.file();
        log::logger().log(
            &log::Record::builder()
                .args(record.message())
                .level(to_log_level(record.level()))
                .target(target)
                .file((!file.is_empty()).then_some(file))
                .line((record.line() != 0).then_some(record.line()))
                .key_values(&kvs)
                .build(),
        );
    }
}

/// The `log` level of a ctxtrace level.
///
/// # Examples
///
/// ```
/// assert_eq!(ctxtrace_log::to_log_level(ctxtrace::Level::Warn), log::Level::Warn);
/// ```
pub const fn to_log_level(level: Level) -> log::Level {
    match level {
        Level::Error => log::Level::Error,
        Level::Warn => log::Level::Warn,
        Level::Info => log::Level::Info,
        Level::Debug => log::Level::Debug,
        Level::Trace => log::Level::Trace,
    }
}

/// The ctxtrace level filter of a `log` level filter.
///
/// # Examples
///
/// ```
/// use ctxtrace::LevelFilter;
///
/// assert_eq!(ctxtrace_log::from_log_filter(log::LevelFilter::Off), LevelFilter::Off);
/// assert_eq!(ctxtrace_log::from_log_filter(log::LevelFilter::Debug), LevelFilter::Debug);
/// ```
pub const fn from_log_filter(filter: log::LevelFilter) -> LevelFilter {
    match filter {
        log::LevelFilter::Off => LevelFilter::Off,
        log::LevelFilter::Error => LevelFilter::Error,
        log::LevelFilter::Warn => LevelFilter::Warn,
        log::LevelFilter::Info => LevelFilter::Info,
        log::LevelFilter::Debug => LevelFilter::Debug,
        log::LevelFilter::Trace => LevelFilter::Trace,
    }
}

/// Whether a field is written under `fields.<key>`: one of the keys this
/// logger adds itself, or a key that already starts with `fields.` (so that
/// two renamed keys never meet), as in the writer loggers.
fn is_renamed(key: &str) -> bool {
    matches!(key, "method" | "trace_id" | "span_id") || key.starts_with("fields.")
}

/// An entry's key-values: `method`, the `Ctx`'s fields that the entry does
/// not give itself, the entry's (the last of a key given twice), then the
/// span ids. No key is visited twice.
struct KeyValues<'a> {
    method: Option<&'static str>,
    ctx: &'a [(&'static str, OwnedValue)],
    record: &'a Record<'a>,
    ids: Option<SpanIds>,
    /// `fields.<key>` for each renamed key, in the order they are visited.
    renamed: &'a [String],
}

impl<'a> KeyValues<'a> {
    fn fields(&self) -> impl Iterator<Item = (&'a str, kv::Value<'a>)> + 'a {
        let record = self.record;
        let ctx = self
            .ctx
            .iter()
            .filter(move |(k, _)| !record.has_field(k))
            .map(|(k, v)| (*k, owned_value(v)));
        let entry = record
            .unique_fields()
            .map(|f| (f.key, field_value(&f.value)));
        let renamed = self.renamed;
        // Renamed keys are looked up by their original key: the list holds
        // `fields.<key>` for every renamed key of the `Ctx` and the entry.
        ctx.chain(entry).map(move |(key, value)| {
            let key = if is_renamed(key) {
                renamed
                    .iter()
                    .find(|r| &r[7..] == key)
                    .map_or(key, String::as_str)
            } else {
                key
            };
            (key, value)
        })
    }
}

impl Source for KeyValues<'_> {
    fn visit<'kvs>(&'kvs self, visitor: &mut dyn VisitSource<'kvs>) -> Result<(), kv::Error> {
        if let Some(method) = self.method {
            visitor.visit_pair(Key::from_str("method"), kv::Value::from(method))?;
        }
        for (key, value) in self.fields() {
            visitor.visit_pair(Key::from_str(key), value)?;
        }
        if let Some(ids) = &self.ids {
            visitor.visit_pair(
                Key::from_str("trace_id"),
                kv::Value::from_display(&ids.trace_id),
            )?;
            visitor.visit_pair(
                Key::from_str("span_id"),
                kv::Value::from_display(&ids.span_id),
            )?;
        }
        Ok(())
    }

    fn count(&self) -> usize {
        usize::from(self.method.is_some())
            + self.fields().count()
            + if self.ids.is_some() { 2 } else { 0 }
    }
}

fn owned_value(value: &OwnedValue) -> kv::Value<'_> {
    match value {
        OwnedValue::Str(s) => kv::Value::from(s.as_str()),
        OwnedValue::I64(n) => kv::Value::from(*n),
        OwnedValue::U64(n) => kv::Value::from(*n),
        OwnedValue::I128(n) => kv::Value::from(*n),
        OwnedValue::U128(n) => kv::Value::from(*n),
        OwnedValue::F64(n) => kv::Value::from(*n),
        OwnedValue::Bool(b) => kv::Value::from(*b),
        OwnedValue::Null => kv::Value::null(),
        // Durations, and any kind added later: their text.
        other => kv::Value::from_display(other),
    }
}

/// A borrowed field value. Numbers, strings, booleans and `None` keep their
/// `log` type; `Debug` values are `log` debug values; durations, `Display`
/// values, errors and paths are rendered by the `log` logger through the
/// field's own `Display` (a duration's is its `Debug` form, `1.5s`).
fn field_value<'v>(value: &'v Value<'v>) -> kv::Value<'v> {
    match *value {
        Value::Str(s) => kv::Value::from(s),
        Value::I64(n) => kv::Value::from(n),
        Value::U64(n) => kv::Value::from(n),
        Value::I128(&n) => kv::Value::from(n),
        Value::U128(&n) => kv::Value::from(n),
        Value::F64(n) => kv::Value::from(n),
        Value::Bool(b) => kv::Value::from(b),
        Value::Null => kv::Value::null(),
        Value::Debug(d) => kv::Value::from_dyn_debug(d),
        _ => kv::Value::from_dyn_display(value as &dyn fmt::Display),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_maps_both_ways() {
        for level in Level::ALL {
            let log_level = to_log_level(level);
            assert_eq!(log_level.as_str().to_ascii_lowercase(), level.as_str());
            assert_eq!(
                from_log_filter(log_level.to_level_filter()),
                LevelFilter::from(level)
            );
        }
    }

    #[test]
    fn the_source_counts_what_it_visits() {
        struct Count(usize);
        impl<'kvs> VisitSource<'kvs> for Count {
            fn visit_pair(&mut self, _: Key<'kvs>, _: kv::Value<'kvs>) -> Result<(), kv::Error> {
                self.0 += 1;
                Ok(())
            }
        }
        let ctx = [
            ("pod", OwnedValue::Str("web-1".into())),
            ("attempt", OwnedValue::U64(1)),
        ];
        let entry = [
            ctxtrace::Field::new("attempt", &2),
            ctxtrace::Field::new("method", "x"),
            ctxtrace::Field::new("method", "y"),
        ];
        let record = Record::new(Level::Info, format_args!("m"), &entry);
        let renamed = ["fields.method".to_string()];
        let kvs = KeyValues {
            method: Some("sync"),
            ctx: &ctx,
            record: &record,
            ids: Some(SpanIds::default()),
            renamed: &renamed,
        };
        let mut count = Count(0);
        kvs.visit(&mut count).unwrap();
        assert_eq!(count.0, kvs.count());
        // method, pod, attempt (the entry's), fields.method (the last), the ids.
        assert_eq!(count.0, 6);
        let keys: Vec<&str> = kvs.fields().map(|(k, _)| k).collect();
        assert_eq!(keys, ["pod", "attempt", "fields.method"]);
    }
}
