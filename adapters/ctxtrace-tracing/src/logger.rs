//! [`TracingLogger`]: a ctxtrace [`Logger`] that emits `tracing` events.

use std::sync::Arc;

use ctxtrace::{Level, LevelFilter, Logger, Record, Value};
use tracing_core::{Dispatch, dispatcher};

use crate::callsite::Callsite;
use crate::event::{EventData, Parent, emit};
use crate::fields::{FieldList, Rendered, set};

/// A ctxtrace [`Logger`] that emits each entry as a `tracing` event, so a
/// program that already has a `tracing` subscriber keeps it.
///
/// Each entry becomes an event with the target `ctxtrace`, at the matching
/// level, with these fields:
///
/// | field | value |
/// | --- | --- |
/// | `message` | the message |
/// | `method` | the name of the span the entry was logged under, if any |
/// | `fields` | every other field, logfmt-style: the `Ctx`'s (span fields included), then the entry's own, e.g. `pod=web-1 attempt=2 reason="image not found"`; each key once: a key set on the `Ctx` again replaces its value, an entry's own field replaces the `Ctx`'s, and the last of a key the entry gives twice wins |
/// | `trace_id`, `span_id` | the ids of the span, when the tracer has ids (as [`OtelTracer`](https://docs.rs/ctxtrace-opentelemetry) and [`MemoryTracer`](ctxtrace::MemoryTracer) do) |
///
/// `tracing` needs field names at compile time, and ctxtrace keys are only
/// known at run time: that is why the fields travel as one value. They are
/// rendered only if the subscriber formats them.
///
/// The event's parent is the subscriber's current span on the thread, as with
/// `tracing::info!`, so entries logged inside a `tracing` span of the
/// program's own show up in it. To put ctxtrace spans in `tracing` too, use
/// [`TracingTracer`](crate::TracingTracer) (see the [crate docs](crate) for
/// which pairs to use).
///
/// Levels are filtered by `tracing`'s global maximum level, then by the
/// subscriber's `enabled`, asked for each entry (the interest `tracing`
/// caches per callsite is not trusted, because one callsite per level serves
/// every entry). When the subscriber does not want a level, the entry's
/// arguments are not evaluated.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, NopTracer};
/// use ctxtrace_tracing::TracingLogger;
///
/// let ctx = Ctx::new(NopTracer, TracingLogger::new()).with_field("worker", 3);
/// // With a subscriber installed, this is a `tracing` INFO event with
/// // `message = "synced"` and `fields = "worker=3 pod=web-1"`.
/// ctxtrace::info!(ctx, "synced"; pod = "web-1");
/// # assert_eq!(ctx.logger().fields(), "worker=3");
/// ```
#[derive(Clone, Debug, Default)]
pub struct TracingLogger {
    dispatch: Option<Dispatch>,
    method: Option<&'static str>,
    fields: Arc<FieldList>,
}

impl TracingLogger {
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

    /// The `Ctx`'s fields as they are written in the `fields` value of each
    /// event (without `method`, which has a field of its own).
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

    fn with_dispatcher<R: Default>(&self, f: impl FnOnce(&Dispatch) -> R) -> R {
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

    fn enabled(&self, level: Level) -> bool {
        let callsite = Callsite::event(level);
        callsite.register();
        self.with_dispatcher(|dispatch| callsite.enabled(dispatch))
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

    fn log(&self, record: &Record<'_>) {
        let callsite = Callsite::event(record.level());
        let data = EventData {
            message: record.message(),
            method: self.method,
            fields: Rendered {
                ctx: &self.fields,
                fields: record.fields(),
            },
            ids: record.span_ids(),
        };
        self.with_dispatcher(|dispatch| emit(dispatch, callsite, Parent::Contextual, &data));
    }
}
