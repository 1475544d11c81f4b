//! [`TracingLogger`]: a ctxtrace [`Logger`] that emits `tracing` events.

use std::sync::Arc;

use ctxtrace::{Level, LevelFilter, Logger, Record, Value};
use tracing_core::{Dispatch, dispatcher};

use crate::callsite::{Interner, MAX_CALLSITES, Site, level_enabled};
use crate::event::{EventData, Parent, emit};
use crate::fields::{FieldList, Rendered, Shape, set};

/// A ctxtrace [`Logger`] that emits each entry as a `tracing` event, so a
/// program that already has a `tracing` subscriber keeps it.
///
/// Each entry becomes an event at the matching level, whose target is the
/// entry's: the caller's module, or the `target:` given to the macro (so
/// `RUST_LOG=warn,podlib=debug` and other per-target filters work), with
/// these fields, in this order:
///
/// | field | value |
/// | --- | --- |
/// | `message` | the message |
/// | `method` | the name of the span the entry was logged under, if any |
/// | `trace_id`, `span_id` | the ids of the span, when the tracer has ids (as [`OtelTracer`](https://docs.rs/ctxtrace-opentelemetry) and [`MemoryTracer`](ctxtrace::MemoryTracer) do) |
/// | each key | the `Ctx`'s fields (span fields included), then the entry's own, each key once: a key set on the `Ctx` again replaces its value, an entry's own field replaces the `Ctx`'s, the last of a key the entry gives twice wins, and a `None` is left out |
///
/// Values are typed where `tracing` has the type: integers (128-bit ones
/// too), floats, booleans and strings are recorded as themselves, errors as
/// errors (`record_error`), and `Display` and `Debug` values, durations
/// (`1.5s`) and paths as their text, formatted only if the subscriber
/// records them. A `Ctx` field keeps its type, except that a `Display`,
/// `Debug`, error or path value was rendered to a string when it was added.
/// A key `message`, `method`, `trace_id` or `span_id` is renamed
/// `fields.<key>`, and so is a key that starts with `fields.`, so the
/// renaming is one to one, as in ctxtrace's writers.
///
/// # Callsites, and their bound
///
/// `tracing` needs `'static` metadata with the target and field names of an
/// event, which ctxtrace knows only at run time. So the logger makes one
/// `tracing` callsite per distinct target, level and list of keys, the first
/// time it sees it: memory is spent per shape of entry, never per entry.
/// The callsites belong to the logger and are shared by its clones (every
/// `Ctx` made from it), up to [`MAX_CALLSITES`](TracingLogger::MAX_CALLSITES);
/// each is leaked (`tracing` keeps callsites for the life of the process)
/// and costs about 250 bytes plus 32 per key. Make the logger once and clone
/// it: a logger made with [`new`](TracingLogger::new) has callsites of its
/// own.
///
/// An entry whose shape is new once the bound is reached, or that has more
/// than 28 keys, goes to the fixed callsite of its level instead: the target
/// `ctxtrace`, and the keys and values in one `fields` text, logfmt-style
/// (`pod=web-1 attempt=2 reason="image not found"`).
///
/// The entry's file and line are the callsite's too, so a callsite is one
/// line of source (at most 1,024 of them, then the fixed ones, which have no
/// file and line).
///
/// # Filtering
///
/// The macros ask [`Logger::enabled`] before they build the entry, when the
/// target is not known yet: it is `tracing`'s global maximum level, the
/// highest level any dispatcher in the process may want, so the arguments
/// of a level no one wants are not evaluated. [`Logger::log`] then asks the
/// entry's callsite, as `tracing`'s own macros do: the interest `tracing`
/// caches in it (computed when the callsite or a dispatcher registers) says
/// never or always, or else the subscriber's `enabled` is asked. An entry
/// its callsite does not want is not formatted.
///
/// The event's parent is the subscriber's current span on the thread, as with
/// `tracing::info!`, so entries logged inside a `tracing` span of the
/// program's own show up in it. To put ctxtrace spans in `tracing` too, use
/// [`TracingTracer`](crate::TracingTracer) (see the [crate docs](crate) for
/// which pairs to use).
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, NopTracer};
/// use ctxtrace_tracing::TracingLogger;
///
/// let ctx = Ctx::new(NopTracer, TracingLogger::new()).with_field("worker", 3);
/// // With a subscriber installed, this is a `tracing` INFO event with the
/// // target of this module, `message = "synced"`, `worker = 3` (an `i64`)
/// // and `pod = "web-1"` (a `&str`).
/// ctxtrace::info!(ctx, "synced"; pod = "web-1");
/// # assert_eq!(ctx.logger().fields(), "worker=3");
/// ```
#[derive(Clone, Debug, Default)]
pub struct TracingLogger {
    dispatch: Option<Dispatch>,
    method: Option<&'static str>,
    fields: Arc<FieldList>,
    interner: Arc<Interner>,
}

impl TracingLogger {
    /// The most `tracing` callsites a logger makes, with its clones: one per
    /// distinct target, level and set of keys of its entries. Past it, an
    /// entry of a new shape goes out with the target `ctxtrace` and its
    /// fields in one `fields` text.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ctxtrace_tracing::TracingLogger::MAX_CALLSITES, 1024);
    /// ```
    pub const MAX_CALLSITES: usize = MAX_CALLSITES;

    /// A logger that sends each entry to the thread's default `tracing`
    /// dispatcher at the time of the entry, as `tracing`'s macros do.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Logger as _;
    /// use ctxtrace_tracing::TracingLogger;
    ///
    /// // No subscriber is installed here, so no level is wanted.
    /// assert!(!TracingLogger::new().enabled(ctxtrace::Level::Error));
    /// ```
    pub fn new() -> Self {
        TracingLogger::default()
    }

    /// A logger that sends every entry to `dispatch`, whatever the thread's
    /// default dispatcher is.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Logger as _;
    /// use ctxtrace_tracing::TracingLogger;
    /// use tracing::Dispatch;
    ///
    /// let logger = TracingLogger::with_dispatch(Dispatch::new(tracing_subscriber::registry()));
    /// assert!(logger.enabled(ctxtrace::Level::Trace));
    /// ```
    pub fn with_dispatch(dispatch: Dispatch) -> Self {
        TracingLogger {
            dispatch: Some(dispatch),
            ..TracingLogger::default()
        }
    }

    /// The `Ctx`'s fields, logfmt-style, as the `fields` text of an event
    /// past the bound has them (without `method`, which has a field of its
    /// own).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopTracer};
    /// use ctxtrace_tracing::TracingLogger;
    ///
    /// let ctx = Ctx::new(NopTracer, TracingLogger::new())
    ///     .with_field("pod", "web-1")
    ///     .with_field("reason", "back off")
    ///     .with_field("pod", "web-2");
    /// assert_eq!(ctx.logger().fields(), r#"reason="back off" pod=web-2"#);
    /// ```
    pub fn fields(&self) -> String {
        Rendered {
            ctx: &self.fields,
            fields: &[],
        }
        .to_string()
    }

    /// The span name written as `method`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, NopTracer};
    /// use ctxtrace_tracing::TracingLogger;
    ///
    /// let (ctx, _span) = Ctx::new(NopTracer, TracingLogger::new()).start_span("sync_pod");
    /// assert_eq!(ctx.logger().method(), Some("sync_pod"));
    /// ```
    pub fn method(&self) -> Option<&'static str> {
        self.method
    }

    /// Registers `site` with `tracing` if it is new, then calls `f` with the
    /// dispatcher.
    fn with_dispatcher<R: Default>(
        &self,
        site: &'static Site,
        f: impl FnOnce(&Dispatch) -> R,
    ) -> R {
        site.register(self.dispatch.as_ref());
        match &self.dispatch {
            Some(dispatch) => f(dispatch),
            None => {
                // `get_default` takes an `FnMut`; it calls it once.
                let mut f = Some(f);
                dispatcher::get_default(|dispatch| {
                    f.take().map(|f| f(dispatch)).unwrap_or_default()
                })
            }
        }
    }
}

impl Logger for TracingLogger {
    const MAX_LEVEL: LevelFilter = LevelFilter::Trace;

    /// Whether some dispatcher may want entries at `level`: `tracing`'s
    /// global maximum level. The entry's target is not known yet; [`log`]
    /// asks its callsite.
    ///
    /// [`log`]: Logger::log
    fn enabled(&self, level: Level) -> bool {
        level_enabled(level)
    }

    /// A key set again replaces its earlier value and moves to the end, as
    /// in the writer loggers.
    fn with_field(&self, key: &'static str, value: Value<'_>) -> Self {
        let mut fields = FieldList::with_capacity(self.fields.len() + 1);
        fields.extend(self.fields.iter().filter(|(k, _)| *k != key).cloned());
        set(&mut fields, key, value);
        TracingLogger {
            fields: Arc::new(fields),
            ..self.clone()
        }
    }

    fn for_each_field(&self, mut f: impl FnMut(&'static str, Value<'_>)) {
        for (key, value) in self.fields.iter() {
            f(key, value.as_value());
        }
    }

    fn with_method(&self, name: &'static str) -> Self {
        TracingLogger {
            method: Some(name),
            ..self.clone()
        }
    }

    /// Sends the entry to the dispatcher at the callsite of its target,
    /// level and keys, if the subscriber wants that callsite.
    fn log(&self, record: &Record<'_>) {
        let shape = Shape::new(&self.fields, record.fields());
        let site = self
            .interner
            .event(record.level(), record.callsite(), &shape);
        let data = EventData {
            message: record.message(),
            method: self.method,
            ids: record.span_ids(),
            shape: &shape,
            rendered: Rendered {
                ctx: &self.fields,
                fields: record.fields(),
            },
        };
        self.with_dispatcher(site, |dispatch| {
            if site.enabled(dispatch) {
                emit(dispatch, site, Parent::Contextual, &data);
            }
        });
    }
}
