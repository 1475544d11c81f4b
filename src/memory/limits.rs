//! [`SpanLimits`]: how many attributes and events one recorded span keeps.

/// How many attributes and events one span of a
/// [`MemoryTracer`](crate::MemoryTracer) keeps, 128 of each by default, as in
/// the OpenTelemetry SDK.
///
/// What goes past a limit is not kept and is counted on the span:
/// [`SpanRecord::dropped_attributes`](crate::SpanRecord::dropped_attributes)
/// and [`SpanRecord::dropped_events`](crate::SpanRecord::dropped_events).
/// Setting a key that the span already has replaces its value and is not a
/// new attribute, so it is never dropped. With the limits, what a recorder
/// holds is bounded by its capacity times the limits (see
/// [`MemoryTracer::memory_bytes`](crate::MemoryTracer::memory_bytes)).
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryTracer, NopLogger, Span, SpanLimits, Value};
///
/// let limits = SpanLimits::new().with_max_attributes(2).with_max_events(1);
/// let tracer = MemoryTracer::new().with_limits(limits);
/// let (ctx, mut span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
/// let ctx = span.with_field(&ctx, "a", 1).with_field("b", 2);
/// span.set_attribute("b", Value::I64(2));
/// span.set_attribute("c", Value::I64(3));
/// span.set_attribute("a", Value::I64(4)); // replaces: not dropped
/// ctxtrace::info!(ctx, "one");
/// ctxtrace::info!(ctx, "two");
/// drop(span);
/// let spans = tracer.spans();
/// let sync = spans.find("sync").unwrap();
/// assert_eq!((sync.attributes().len(), sync.dropped_attributes()), (2, 1));
/// assert_eq!((sync.events().len(), sync.dropped_events()), (1, 1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpanLimits {
    /// The most attributes a span keeps.
    pub max_attributes: usize,
    /// The most events a span keeps.
    pub max_events: usize,
}

impl SpanLimits {
    /// The default limits: 128 attributes and 128 events per span.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::SpanLimits;
    ///
    /// let limits = SpanLimits::new();
    /// assert_eq!((limits.max_attributes, limits.max_events), (128, 128));
    /// assert_eq!(limits, SpanLimits::default());
    /// ```
    pub const fn new() -> Self {
        SpanLimits {
            max_attributes: 128,
            max_events: 128,
        }
    }

    /// The same limits with at most `n` attributes per span.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::SpanLimits;
    ///
    /// assert_eq!(SpanLimits::new().with_max_attributes(8).max_attributes, 8);
    /// ```
    #[must_use]
    pub const fn with_max_attributes(self, n: usize) -> Self {
        SpanLimits {
            max_attributes: n,
            ..self
        }
    }

    /// The same limits with at most `n` events per span.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::SpanLimits;
    ///
    /// assert_eq!(SpanLimits::new().with_max_events(0).max_events, 0);
    /// ```
    #[must_use]
    pub const fn with_max_events(self, n: usize) -> Self {
        SpanLimits {
            max_events: n,
            ..self
        }
    }
}

impl Default for SpanLimits {
    fn default() -> Self {
        Self::new()
    }
}

/// The bytes of capacity a recycled buffer may keep; one that has grown past
/// it is shrunk when it is reused, as the writers' line buffers are.
pub(super) const BUF_KEEP: usize = 64 * 1024;

/// Empties `v`, and gives back its memory if it has grown past [`BUF_KEEP`].
#[inline]
pub(super) fn clear_vec<T>(v: &mut Vec<T>) {
    if v.capacity() * size_of::<T>() > BUF_KEEP {
        *v = Vec::new();
    } else {
        v.clear();
    }
}

/// Empties `s`, and gives back its memory if it has grown past [`BUF_KEEP`].
#[inline]
pub(super) fn clear_text(s: &mut String) {
    if s.capacity() > BUF_KEEP {
        *s = String::new();
    } else {
        s.clear();
    }
}
