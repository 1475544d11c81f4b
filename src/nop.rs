//! The nop backend: [`NopTracer`], [`NopSpan`] and [`NopLogger`], which do
//! nothing and compile away.

use core::fmt;

use crate::{Level, LevelFilter, Logger, Record, Span, StatusCode, Tracer, Value};

/// A tracer that records nothing. Zero-sized; every call compiles away.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, NopLogger, NopTracer};
///
/// const CTX: Ctx<NopTracer, NopLogger> = Ctx::NOP;
/// let (_ctx, _span) = CTX.start_span("sync_pod");
/// assert_eq!(std::mem::size_of_val(&CTX), 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NopTracer;

impl NopTracer {
    /// The nop tracer. A `const fn`, so it can build constants.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{NopTracer, Tracer};
    ///
    /// const TRACER: NopTracer = NopTracer::new();
    /// assert_eq!(TRACER, NopTracer::default());
    /// assert!(!NopTracer::ENABLED);
    /// ```
    pub const fn new() -> Self {
        NopTracer
    }
}

/// The span of [`NopTracer`], and the reference a `Ctx` keeps to it. Zero-sized.
///
/// # Examples
///
/// ```
/// use ctxtrace::{NopSpan, Span};
///
/// let mut span = NopSpan::new();
/// span.set_status_code(ctxtrace::StatusCode::Internal, "ignored");
/// span.end();
/// assert_eq!(std::mem::size_of::<NopSpan>(), 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NopSpan;

impl NopSpan {
    /// The nop span. A `const fn`, so it can build constants.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{NopSpan, Span};
    ///
    /// const SPAN: NopSpan = NopSpan::new();
    /// assert_eq!(SPAN.span_ref(), NopSpan);
    /// assert!(!NopSpan::RECORDING);
    /// ```
    pub const fn new() -> Self {
        NopSpan
    }
}

impl Tracer for NopTracer {
    type Span = NopSpan;
    type SpanRef = NopSpan;
    const ENABLED: bool = false;

    #[inline(always)]
    fn start_span(&self, _parent: &NopSpan, _name: &'static str) -> NopSpan {
        NopSpan
    }

    #[inline(always)]
    fn add_event<L: Logger>(&self, _span: &NopSpan, _record: &Record<'_>, _context: &L) {}
}

impl Span for NopSpan {
    type Ref = NopSpan;
    const RECORDING: bool = false;

    #[inline(always)]
    fn span_ref(&self) -> NopSpan {
        NopSpan
    }

    #[inline(always)]
    fn set_attribute(&mut self, _key: &'static str, _value: Value<'_>) {}

    #[inline(always)]
    fn record_status(&mut self, _code: StatusCode, _message: &dyn fmt::Display) {}
}

/// A logger that writes nothing. Zero-sized; its level is
/// [`LevelFilter::Off`], so log calls through it compile away and their
/// arguments are never evaluated.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Logger, LevelFilter, NopLogger};
///
/// assert_eq!(NopLogger::MAX_LEVEL, LevelFilter::Off);
/// let _same = NopLogger::new().with_field("pod", ctxtrace::Value::Str("web-1"));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NopLogger;

impl NopLogger {
    /// The nop logger. A `const fn`, so it can build constants.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Level, Logger, NopLogger};
    ///
    /// const LOGGER: NopLogger = NopLogger::new();
    /// assert!(!LOGGER.enabled(Level::Error));
    /// ```
    pub const fn new() -> Self {
        NopLogger
    }
}

impl Logger for NopLogger {
    const MAX_LEVEL: LevelFilter = LevelFilter::Off;

    #[inline(always)]
    fn enabled(&self, _level: Level) -> bool {
        false
    }

    #[inline(always)]
    fn with_field(&self, _key: &'static str, _value: Value<'_>) -> Self {
        NopLogger
    }

    #[inline(always)]
    fn with_method(&self, _name: &'static str) -> Self {
        NopLogger
    }

    #[inline(always)]
    fn has_fields(&self) -> bool {
        false
    }

    #[inline(always)]
    fn log(&self, _record: &Record<'_>) {}
}

impl crate::Ctx<NopTracer, NopLogger> {
    /// The context that does nothing, as a constant: usable in a `static` or
    /// a `const` where [`Ctx::new`](crate::Ctx::new) is not.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, Level, NopLogger, NopTracer};
    ///
    /// static CTX: Ctx<NopTracer, NopLogger> = Ctx::NOP;
    /// ctxtrace::error!(CTX, "never written");
    /// assert!(!CTX.enabled(Level::Error));
    /// assert_eq!(CTX.span_ids(), None);
    /// ```
    pub const NOP: Self = crate::Ctx::from_parts(NopTracer, NopLogger, NopSpan);
}
