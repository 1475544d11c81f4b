//! Tracing and logging behind one set of traits, chosen at compile time.
//!
//! Code that wants to be observable takes a [`Ctx<T, L>`](Ctx) and calls
//! [`start_span`](Ctx::start_span), [`Span::with_field`] and [`info!`]. The
//! program that owns the code chooses the tracer `T` and the logger `L`:
//! nothing at all ([`NopTracer`], [`NopLogger`]), an in-memory recorder for
//! tests, or JSON and logfmt lines. There is no global state: the backend is a
//! type parameter, and `Ctx<NopTracer, NopLogger>` is zero-sized, so
//! instrumented code compiles to the same instructions as code without it.
//!
//! Spans and logs share their data. A field set on a span with
//! [`Span::with_field`] reaches every later log line under it, and a line
//! logged under a span becomes an event on that span.
//!
//! # Example
//!
//! ```
//! use ctxtrace::{Ctx, Logger, MemoryLogger, MemoryTracer, NopLogger, NopTracer, Span, StatusCode, Tracer};
//! use std::io;
//!
//! fn sync_pod(ctx: &Ctx<impl Tracer, impl Logger>, pod: &str) -> Result<(), io::Error> {
//!     let (ctx, mut span) = ctx.start_span("sync_pod");
//!     let ctx = span.with_field(&ctx, "pod", pod);
//!     ctxtrace::info!(ctx, "syncing {} containers", 2; attempt = 1);
//!     let result = ctx.in_span("provider.create_pod", |_ctx| {
//!         Err(io::Error::new(io::ErrorKind::NotFound, "image not found"))
//!     });
//!     span.set_status(&result);
//!     result
//! }
//!
//! // In production with nothing listening, the calls compile away.
//! let ctx = Ctx::new(NopTracer, NopLogger);
//! assert!(sync_pod(&ctx, "web-1").is_err());
//!
//! // In a test, record what happened and assert it.
//! let tracer = MemoryTracer::new();
//! let logger = MemoryLogger::new();
//! let ctx = Ctx::new(tracer.clone(), logger.clone());
//! assert!(sync_pod(&ctx, "web-1").is_err());
//!
//! let spans = tracer.spans();
//! let sync = spans.find("sync_pod").unwrap();
//! let create = spans.children(sync).next().unwrap();
//! assert_eq!(create.name(), "provider.create_pod");
//! assert_eq!(create.status().code(), Some(StatusCode::NotFound));
//! assert_eq!(sync.events().next().unwrap().message(), "syncing 2 containers");
//! assert_eq!(logger.entries()[0].field("pod").unwrap().to_string(), "web-1");
//! ```
//!
//! # Backends
//!
//! - [`NopTracer`], [`NopLogger`]: nothing, at no cost. In the core, with no
//!   allocator needed.
//! - [`MemoryTracer`], [`MemoryLogger`]: record spans and entries in memory,
//!   bounded, for tests and for inspecting a run (`std`).
//! - [`NonBlocking`]: a writer for [`JsonLogger`] and [`TextLogger`] that
//!   queues lines for a thread of its own, bounded, so a slow destination
//!   never stalls the code that logs (`std`).
//! - A pair `(A, B)` of tracers or loggers fans out to both.
//! - [`Either<A, B>`](Either) is one of two tracers or loggers, chosen at run
//!   time, and an [`Option`] of a tracer or a logger is it or nothing: a flag
//!   picks the backend and the code that takes the `Ctx` is compiled once.
//!
//! # Fields
//!
//! A field is a `&'static str` key and a [`Value`] borrowed from the call
//! site: from [`Span::with_field`] (a span attribute and a logger field),
//! [`Ctx::with_field`] (the logger only), or after the `;` of a logging macro
//! (the entry alone). [`Value`]'s docs have a table of every value type and
//! how each backend writes it. Every backend follows the same rules, and no
//! line, event or span ever holds a key twice:
//!
//! - a span attribute set again overwrites its value;
//! - a logger field set again replaces the old one;
//! - an entry's own field overrides a `Ctx` field with the same key;
//! - within one entry, the last value of a repeated key wins;
//! - a field whose key is one of a writer's fixed keys, or starts with
//!   `fields.`, is written `fields.<key>`, one-to-one.
//!
//! An entry logged under a span becomes an event on it with the `Ctx`'s
//! fields ([`Logger::for_each_field`]) and its own. An entry is evaluated
//! only if the logger or a recording tracer takes its level
//! ([`Ctx::enabled`], [`Tracer::event_enabled`]); the recording tracers take
//! `Info` and above unless told otherwise.
//!
//! ```
//! use ctxtrace::{Ctx, MemoryLogger, MemoryTracer, Span, Value};
//!
//! let (tracer, logger) = (MemoryTracer::new(), MemoryLogger::new());
//! let (ctx, mut span) = Ctx::new(tracer.clone(), logger.clone()).start_span("sync_pod");
//! let ctx = span.with_field(&ctx, "phase", "Pending").with_field("worker", 3);
//! let ctx = span.with_field(&ctx, "phase", "Running");
//! ctxtrace::info!(ctx, "synced"; worker = 4);
//! ctxtrace::debug!(ctx, "a line, but no event: the recorder keeps Info and above");
//! drop(span);
//!
//! let spans = tracer.spans();
//! let span = spans.find("sync_pod").unwrap();
//! assert_eq!(span.attributes().collect::<Vec<_>>(), [("phase", Value::Str("Running"))]);
//! let event = span.events().next().unwrap();
//! let fields: Vec<_> = event.fields().map(|(k, v)| format!("{k}={v}")).collect();
//! assert_eq!(fields, ["phase=Running", "worker=4"]);
//! assert_eq!(span.events().count(), 1);
//! assert_eq!(logger.entries()[0].field("worker").unwrap().to_string(), "4");
//! ```
//!
//! # Feature flags
//!
//! - `std` (default): the memory recorder, the clocks and the writer loggers.
//!   Without it the crate is `no_std` and needs no allocator.
//! - `serde`: `Serialize` and `Deserialize` for levels, status codes, and the
//!   memory recorder's spans and entries.

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![warn(rust_2018_idioms, unreachable_pub)]

mod borrowed;
mod ctx;
mod either;
mod error;
mod fanout;
mod ids;
mod level;
mod logger;
mod macros;
mod nop;
mod pass_through;
mod serde;
mod status;
mod trace_context;
mod tracer;
mod value;

#[cfg(feature = "std")]
mod capture;
#[cfg(feature = "std")]
mod clock;
#[cfg(feature = "std")]
mod destination;
#[cfg(feature = "std")]
mod json;
#[cfg(feature = "std")]
mod memory;
#[cfg(feature = "std")]
mod nonblocking;
#[cfg(feature = "std")]
mod sampled;
#[cfg(feature = "std")]
mod states;
#[cfg(feature = "std")]
mod text;
#[cfg(feature = "std")]
mod writer;

/// The README's examples, run as doctests.
#[cfg(all(doctest, feature = "std"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use ctx::Ctx;
pub use either::Either;
pub use error::{CodedError, ErrorStatus, ViaDeref, ViaError};
pub use ids::Ids;
pub use level::{Level, LevelFilter, ParseLevelError};
pub use logger::{Callsite, Logger, Record, SendLogger};
pub use nop::{NopLogger, NopSpan, NopTracer};
pub use pass_through::{PassThroughSpan, PassThroughTracer};
pub use status::{Status, StatusCode};
pub use trace_context::{
    TRACEPARENT, TRACESTATE, TraceContext, TraceFlags, TraceParent, TraceParentError,
    TraceParentHeader, TraceState, TraceStateError,
};
pub use tracer::{SendTracer, Span, SpanId, SpanIds, TraceId, Tracer};
pub use value::{Field, Redacted, ToValue, Value, debug, display, error};

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use clock::{Clock, ManualClock, SystemClock, SystemWall};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use destination::{Destination, Unlocked};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use error::WithCode;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use json::JsonLogger;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use memory::{
    ChromeTrace, DEFAULT_CAPACITY, Entry, Event, EventData, FoldedStacks, MemoryLogger, MemorySpan,
    MemorySpanRef, MemoryTracer, OwnedStatus, SpanData, SpanLimits, SpanRecord, Spans,
};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use nonblocking::{FlushGuard, FlushReport, NonBlocking, NonBlockingBuilder, Overflow};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use sampled::{Sampled, SampledRef, SampledSpan, Unsampled, UnsampledSpan};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use text::TextLogger;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use value::OwnedValue;
