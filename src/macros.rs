//! The logging macros [`trace!`], [`debug!`], [`info!`], [`warn!`] and
//! [`error!`].
//!
//! Each takes the [`Ctx`](crate::Ctx) first, then a format string and its
//! arguments as [`format!`] does, then, after a `;`, the entry's own fields as
//! `key = value` pairs separated by commas. A key is an identifier or a string
//! literal (for keys such as `"k8s.pod"`); a value is anything that implements
//! [`ToValue`](crate::ToValue), or, as in `tracing`'s macros, `%value` for
//! its [`Display`](core::fmt::Display) and `?value` for its
//! [`Debug`](core::fmt::Debug).

/// Logs an entry at [`Level::Error`](crate::Level::Error).
///
/// The syntax is described in [`info!`](crate::info).
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, Level, MemoryLogger, NopTracer};
///
/// let logger = MemoryLogger::new();
/// let ctx = Ctx::new(NopTracer, logger.clone());
/// ctxtrace::error!(ctx, "sync failed"; code = "NotFound");
/// assert_eq!(logger.entries()[0].level(), Level::Error);
/// ```
#[macro_export]
macro_rules! error {
    ($ctx:expr, target: $target:expr, $($rest:tt)+) => {
        $crate::__log!(@start $crate::Level::Error, $ctx, $target, $($rest)+)
    };
    ($ctx:expr, $($rest:tt)+) => {
        $crate::__log!(@start $crate::Level::Error, $ctx, ::core::module_path!(), $($rest)+)
    };
}

/// Logs an entry at [`Level::Warn`](crate::Level::Warn).
///
/// The syntax is described in [`info!`](crate::info).
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, Level, MemoryLogger, NopTracer};
///
/// let logger = MemoryLogger::new();
/// let ctx = Ctx::new(NopTracer, logger.clone());
/// ctxtrace::warn!(ctx, "requeued {} times", 3);
/// assert_eq!(logger.entries()[0].level(), Level::Warn);
/// ```
#[macro_export]
macro_rules! warn {
    ($ctx:expr, target: $target:expr, $($rest:tt)+) => {
        $crate::__log!(@start $crate::Level::Warn, $ctx, $target, $($rest)+)
    };
    ($ctx:expr, $($rest:tt)+) => {
        $crate::__log!(@start $crate::Level::Warn, $ctx, ::core::module_path!(), $($rest)+)
    };
}

/// Logs an entry at [`Level::Info`](crate::Level::Info).
///
/// `info!(ctx, "format {}", args; key = value, "dotted.key" = value, addr = %addr, spec = ?spec)`:
///
/// - `ctx` is a [`Ctx`](crate::Ctx) or a reference to one;
/// - the message and its arguments are those of [`format!`], and are
///   formatted only by a backend that writes them. Each argument takes one
///   level of macro expansion, and so does each field of an entry that has a
///   `%` or `?` field, so the default recursion limit allows about 120 of
///   them together;
/// - the optional fields after `;` belong to this entry alone: they are not
///   added to the `Ctx`. A value is anything that implements
///   [`ToValue`](crate::ToValue); `key = %value` takes the value's
///   [`Display`](core::fmt::Display), as [`display`](crate::display) does,
///   and `key = ?value` its [`Debug`](core::fmt::Debug), as
///   [`debug`](crate::debug()) does.
///
/// When the `Ctx` type rules the level out at compile time, or its logger and
/// tracer rule it out at run time, no argument and no field value is
/// evaluated.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, Level, MemoryLogger, NopTracer};
///
/// let logger = MemoryLogger::new();
/// let ctx = Ctx::new(NopTracer, logger.clone());
/// let pod = "web-1";
/// let node = std::net::Ipv4Addr::new(10, 0, 0, 7);
/// let phases = ["Pending", "Running"];
/// ctxtrace::info!(ctx, "syncing {pod} with {} containers", 2;
///     attempt = 1, "k8s.namespace" = "default", node = %node, phases = ?phases);
/// ctxtrace::info!(ctx, "no fields here");
///
/// let entries = logger.entries();
/// assert_eq!(entries[0].message(), "syncing web-1 with 2 containers");
/// assert_eq!(entries[0].field("attempt").unwrap().to_string(), "1");
/// assert_eq!(entries[0].field("k8s.namespace").unwrap().to_string(), "default");
/// assert_eq!(entries[0].field("node").unwrap().to_string(), "10.0.0.7");
/// assert_eq!(entries[0].field("phases").unwrap().to_string(), r#"["Pending", "Running"]"#);
/// assert!(entries[1].field("attempt").is_none());
/// ```
#[macro_export]
macro_rules! info {
    ($ctx:expr, target: $target:expr, $($rest:tt)+) => {
        $crate::__log!(@start $crate::Level::Info, $ctx, $target, $($rest)+)
    };
    ($ctx:expr, $($rest:tt)+) => {
        $crate::__log!(@start $crate::Level::Info, $ctx, ::core::module_path!(), $($rest)+)
    };
}

/// Logs an entry at [`Level::Debug`](crate::Level::Debug).
///
/// The syntax is described in [`info!`](crate::info).
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
///
/// let logger = MemoryLogger::new().with_level(ctxtrace::LevelFilter::Info);
/// let ctx = Ctx::new(NopTracer, logger.clone());
/// ctxtrace::debug!(ctx, "not written at info");
/// assert!(logger.entries().is_empty());
/// ```
#[macro_export]
macro_rules! debug {
    ($ctx:expr, target: $target:expr, $($rest:tt)+) => {
        $crate::__log!(@start $crate::Level::Debug, $ctx, $target, $($rest)+)
    };
    ($ctx:expr, $($rest:tt)+) => {
        $crate::__log!(@start $crate::Level::Debug, $ctx, ::core::module_path!(), $($rest)+)
    };
}

/// Logs an entry at [`Level::Trace`](crate::Level::Trace).
///
/// The syntax is described in [`info!`](crate::info).
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, Level, MemoryLogger, NopTracer};
///
/// let logger = MemoryLogger::new();
/// let ctx = Ctx::new(NopTracer, logger.clone());
/// ctxtrace::trace!(ctx, "polled"; queue = "pods");
/// assert_eq!(logger.entries()[0].level(), Level::Trace);
/// ```
#[macro_export]
macro_rules! trace {
    ($ctx:expr, target: $target:expr, $($rest:tt)+) => {
        $crate::__log!(@start $crate::Level::Trace, $ctx, $target, $($rest)+)
    };
    ($ctx:expr, $($rest:tt)+) => {
        $crate::__log!(@start $crate::Level::Trace, $ctx, ::core::module_path!(), $($rest)+)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __log {
    // The format string, then its arguments one at a time (not one token at
    // a time), so that the expansion is as deep as the argument list is
    // long. Each argument is followed by `,`, by the `;` that starts the
    // fields, or by nothing. A named argument (`n = expr`) keeps its tokens
    // as they are, so that `format_args!` sees the name.
    (@start $level:expr, $ctx:expr, $target:expr, $fmt:expr $(, $($rest:tt)*)?) => {
        $crate::__log!(@args $level, $ctx, $target, [$fmt] $(, $($rest)*)?)
    };
    (@start $level:expr, $ctx:expr, $target:expr, $fmt:expr ; $($fields:tt)*) => {
        $crate::__log!(@emit $level, $ctx, $target, [$fmt] [$($fields)*])
    };
    (@args $level:expr, $ctx:expr, $target:expr, [$($msg:tt)*] $(,)?) => {
        $crate::__log!(@emit $level, $ctx, $target, [$($msg)*] [])
    };
    (@args $level:expr, $ctx:expr, $target:expr, [$($msg:tt)*] $(,)? ; $($fields:tt)*) => {
        $crate::__log!(@emit $level, $ctx, $target, [$($msg)*] [$($fields)*])
    };
    (@args $level:expr, $ctx:expr, $target:expr, [$($msg:tt)*] , $name:ident = $arg:expr $(, $($rest:tt)*)?) => {
        $crate::__log!(@args $level, $ctx, $target, [$($msg)* , $name = $arg] $(, $($rest)*)?)
    };
    (@args $level:expr, $ctx:expr, $target:expr, [$($msg:tt)*] , $name:ident = $arg:expr ; $($fields:tt)*) => {
        $crate::__log!(@emit $level, $ctx, $target, [$($msg)* , $name = $arg] [$($fields)*])
    };
    (@args $level:expr, $ctx:expr, $target:expr, [$($msg:tt)*] , $arg:expr $(, $($rest:tt)*)?) => {
        $crate::__log!(@args $level, $ctx, $target, [$($msg)* , $arg] $(, $($rest)*)?)
    };
    (@args $level:expr, $ctx:expr, $target:expr, [$($msg:tt)*] , $arg:expr ; $($fields:tt)*) => {
        $crate::__log!(@emit $level, $ctx, $target, [$($msg)* , $arg] [$($fields)*])
    };
    (@emit $level:expr, $ctx:expr, $target:expr, [$($msg:tt)*] [$($fields:tt)*]) => {{
        let __ctx = &$ctx;
        let __level = $level;
        if __ctx.enabled(__level) {
            static __CALLSITE: $crate::Callsite<'static> =
                $crate::Callsite::new_static($target, ::core::file!(), ::core::line!())
                    .with_keys(&$crate::__log!(@keys [] $($fields)*));
            __ctx.log_at(
                &__CALLSITE,
                __level,
                ::core::format_args!($($msg)*),
                &$crate::__log!(@fields [] $($fields)*),
            );
        }
    }};
    // Fields, into an array expression: all at once when none has a sigil
    // (a sigil cannot start an expression, so this arm does not match
    // then), else one `key = value` at a time.
    (@fields [] $($key:tt = $value:expr),* $(,)?) => {
        [$($crate::Field::new($crate::__log!(@key $key), &$value)),*]
    };
    (@fields [$($out:tt)*]) => { [$($out)*] };
    (@fields [$($out:tt)*] $key:tt = % $value:expr $(, $($rest:tt)*)?) => {
        $crate::__log!(@fields [$($out)* $crate::Field { key: $crate::__log!(@key $key), value: $crate::display(&$value) },] $($($rest)*)?)
    };
    (@fields [$($out:tt)*] $key:tt = ? $value:expr $(, $($rest:tt)*)?) => {
        $crate::__log!(@fields [$($out)* $crate::Field { key: $crate::__log!(@key $key), value: $crate::debug(&$value) },] $($($rest)*)?)
    };
    (@fields [$($out:tt)*] $key:tt = $value:expr $(, $($rest:tt)*)?) => {
        $crate::__log!(@fields [$($out)* $crate::Field::new($crate::__log!(@key $key), &$value),] $($($rest)*)?)
    };
    // The fields' keys, into an array expression for the call site, which
    // checks them at compile time.
    (@keys [] $($key:tt = $value:expr),* $(,)?) => {
        [$($crate::__log!(@key $key)),*]
    };
    (@keys [$($out:tt)*]) => { [$($out)*] };
    (@keys [$($out:tt)*] $key:tt = % $value:expr $(, $($rest:tt)*)?) => {
        $crate::__log!(@keys [$($out)* $crate::__log!(@key $key),] $($($rest)*)?)
    };
    (@keys [$($out:tt)*] $key:tt = ? $value:expr $(, $($rest:tt)*)?) => {
        $crate::__log!(@keys [$($out)* $crate::__log!(@key $key),] $($($rest)*)?)
    };
    (@keys [$($out:tt)*] $key:tt = $value:expr $(, $($rest:tt)*)?) => {
        $crate::__log!(@keys [$($out)* $crate::__log!(@key $key),] $($($rest)*)?)
    };
    // A key: an identifier, written as it is spelled, or a string literal.
    (@key $key:ident) => { ::core::stringify!($key) };
    (@key $key:literal) => { $key };
}
