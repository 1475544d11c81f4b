//! The fixed `tracing` callsites: one span callsite, and one event callsite
//! per level.
//!
//! `tracing` needs `'static` metadata, with field names known in advance, for
//! every span and event. ctxtrace's span names and field keys are only known
//! at run time, so every span shares one callsite (its ctxtrace name goes in
//! the `otel.name` field) and every entry shares the callsite of its level
//! (its fields go in one `fields` value). Like the callsites that `tracing`'s
//! own macros declare, each holds `tracing`'s cache of subscriber interest.

use tracing_core::callsite::DefaultCallsite;
use tracing_core::field::FieldSet;
use tracing_core::{Dispatch, Kind, Level, LevelFilter, Metadata, identify_callsite};

/// The target of every span and event this crate emits.
pub(crate) const TARGET: &str = "ctxtrace";

/// The fields of an event, in this order.
const EVENT_FIELDS: &[&str] = &["message", "method", "fields", "trace_id", "span_id"];

/// The fields of a span, in this order.
const SPAN_FIELDS: &[&str] = &[
    "otel.name",
    "fields",
    "otel.status_code",
    "otel.status_message",
];

macro_rules! callsite {
    ($callsite:ident, $meta:ident, $name:literal, $level:expr, $fields:expr, $kind:expr) => {
        static $callsite: DefaultCallsite = DefaultCallsite::new(&$meta);
        static $meta: Metadata<'static> = Metadata::new(
            $name,
            TARGET,
            $level,
            None,
            None,
            None,
            FieldSet::new($fields, identify_callsite!(&$callsite)),
            $kind,
        );
    };
}

callsite!(
    SPAN,
    SPAN_META,
    "ctxtrace.span",
    Level::INFO,
    SPAN_FIELDS,
    Kind::SPAN
);
callsite!(
    ERROR,
    ERROR_META,
    "ctxtrace.event",
    Level::ERROR,
    EVENT_FIELDS,
    Kind::EVENT
);
callsite!(
    WARN,
    WARN_META,
    "ctxtrace.event",
    Level::WARN,
    EVENT_FIELDS,
    Kind::EVENT
);
callsite!(
    INFO,
    INFO_META,
    "ctxtrace.event",
    Level::INFO,
    EVENT_FIELDS,
    Kind::EVENT
);
callsite!(
    DEBUG,
    DEBUG_META,
    "ctxtrace.event",
    Level::DEBUG,
    EVENT_FIELDS,
    Kind::EVENT
);
callsite!(
    TRACE,
    TRACE_META,
    "ctxtrace.event",
    Level::TRACE,
    EVENT_FIELDS,
    Kind::EVENT
);

/// A callsite and its metadata.
#[derive(Clone, Copy)]
pub(crate) struct Callsite {
    callsite: &'static DefaultCallsite,
    pub(crate) meta: &'static Metadata<'static>,
}

impl Callsite {
    /// The span callsite.
    pub(crate) fn span() -> Callsite {
        Callsite {
            callsite: &SPAN,
            meta: &SPAN_META,
        }
    }

    /// The event callsite of `level`.
    pub(crate) fn event(level: ctxtrace::Level) -> Callsite {
        match level {
            ctxtrace::Level::Error => Callsite {
                callsite: &ERROR,
                meta: &ERROR_META,
            },
            ctxtrace::Level::Warn => Callsite {
                callsite: &WARN,
                meta: &WARN_META,
            },
            ctxtrace::Level::Info => Callsite {
                callsite: &INFO,
                meta: &INFO_META,
            },
            ctxtrace::Level::Debug => Callsite {
                callsite: &DEBUG,
                meta: &DEBUG_META,
            },
            ctxtrace::Level::Trace => Callsite {
                callsite: &TRACE,
                meta: &TRACE_META,
            },
        }
    }

    /// Registers the callsite with `tracing` the first time, so that
    /// subscribers see it in `register_callsite` (where some, such as
    /// `EnvFilter`, prepare their filtering). Call it outside
    /// `dispatcher::get_default`: registering asks the default dispatcher,
    /// and `get_default` does not nest.
    pub(crate) fn register(self) {
        let _interest = self.callsite.interest();
    }

    /// Whether `dispatch` wants this callsite: `tracing`'s global maximum
    /// level first, then the subscriber's `enabled`.
    ///
    /// The interest `tracing` caches in a callsite is one value for every
    /// dispatcher in the process, computed when callsites and dispatchers
    /// register. `tracing`'s own macros get a callsite per call site, but
    /// these callsites are shared by every ctxtrace entry and span, so a
    /// cached "never" computed against one dispatcher (a test's subscriber,
    /// say, registering at the same time as another's) would silence another
    /// dispatcher. The cache is not trusted: the dispatcher is asked each
    /// time.
    pub(crate) fn enabled(self, dispatch: &Dispatch) -> bool {
        *self.meta.level() <= LevelFilter::current() && dispatch.enabled(self.meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_level_has_its_callsite() {
        let levels = [
            Level::ERROR,
            Level::WARN,
            Level::INFO,
            Level::DEBUG,
            Level::TRACE,
        ];
        for (l, expected) in ctxtrace::Level::ALL.into_iter().zip(levels) {
            let callsite = Callsite::event(l);
            assert_eq!(*callsite.meta.level(), expected);
            assert!(callsite.meta.is_event());
            assert_eq!(callsite.meta.fields().len(), EVENT_FIELDS.len());
        }
        assert!(Callsite::span().meta.is_span());
    }
}
