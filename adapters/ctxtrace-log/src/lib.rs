//! `log` and [`ctxtrace`], both ways: ctxtrace entries go to the `log`
//! facade with their fields as `log` key-values, and `log` records from
//! dependencies come into a ctxtrace logger.
//!
//! [`LogLogger`] is a ctxtrace [`Logger`](ctxtrace::Logger): code instrumented
//! with ctxtrace logs through whatever `log` logger the program installed
//! (`env_logger`, `simple_logger`, a `log4rs` config ...), with the span name
//! as `method`, the `Ctx`'s and the entry's fields as typed key-values, and
//! the trace and span ids when the tracer has them.
//!
//! # Example
//!
//! ```
//! use ctxtrace::{Ctx, Logger, MemoryTracer, Span, Tracer};
//! use ctxtrace_log::LogLogger;
//!
//! fn sync_pod(ctx: &Ctx<impl Tracer, impl Logger>, pod: &str) {
//!     let (ctx, mut span) = ctx.start_span("sync_pod");
//!     let ctx = span.with_field(&ctx, "pod", pod);
//!     // A `log` record: level Info, target "ctxtrace", message "syncing 2
//!     // containers", key-values method="sync_pod" pod="web-1" attempt=1
//!     // trace_id=... span_id=...
//!     ctxtrace::info!(ctx, "syncing {} containers", 2; attempt = 1);
//! }
//!
//! // In `main`, after installing a `log` logger such as env_logger:
//! let ctx = Ctx::new(MemoryTracer::new(), LogLogger::new());
//! sync_pod(&ctx, "web-1");
//! assert_eq!(<LogLogger as Logger>::MAX_LEVEL, ctxtrace::LevelFilter::Trace);
//! ```
//!
//! To see the key-values, the `log` logger must write them: `env_logger`
//! does with its `kv` feature, for example.
//!
//! # From `log` into ctxtrace
//!
//! [`LogBridge`] is the other direction: a `log::Log` that writes each
//! record of a dependency that logs through `log` as an entry on a ctxtrace
//! logger, with its level, message, target, file and line, and its
//! key-values as typed fields. The dependency's lines then join the
//! program's own stream, in the same format.
//!
//! ```
//! use ctxtrace::{Ctx, JsonLogger, NopTracer};
//! use ctxtrace_log::LogBridge;
//!
//! let logger = JsonLogger::new(Vec::new()).without_time();
//! LogBridge::new(logger.clone()).install().unwrap();
//!
//! ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "own line"; pod = "web-1");
//! log::warn!(target: "kube::client", status = 503; "request failed");
//! assert_eq!(logger.lines(), 2);
//! ```
//!
//! `log`'s logger is the one global in this workspace, and it is `log`'s,
//! not ctxtrace's: [`LogLogger`] writes to it, and [`LogBridge`] is installed
//! as it. Never give a `LogBridge` a `LogLogger`: each record would go round
//! from one to the other until the stack overflows.

#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![warn(rust_2018_idioms, unreachable_pub)]

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

mod bridge;
mod kv;
mod logger;

pub use bridge::{DEFAULT_KEY_LIMIT, LogBridge, MAX_KEY_LEN, OVERFLOW_KEY};
pub use logger::{DEFAULT_TARGET, LogLogger, from_log_filter, to_log_level};
