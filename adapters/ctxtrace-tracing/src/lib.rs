//! A `tracing` backend for [`ctxtrace`]: log entries become `tracing` events
//! and ctxtrace spans become `tracing` spans, so a program that already has a
//! `tracing` subscriber keeps it.
//!
//! - [`TracingLogger`] is a ctxtrace [`Logger`](ctxtrace::Logger): each entry
//!   becomes a `tracing` event at the matching level.
//! - [`TracingTracer`] is a ctxtrace [`Tracer`](ctxtrace::Tracer): each span
//!   becomes a `tracing` span, whose parent is set explicitly from the `Ctx`,
//!   and each entry logged under it becomes an event inside it.
//! - [`CtxtraceLayer`] goes the other way: it is a `tracing-subscriber`
//!   [`Layer`](tracing_subscriber::Layer) that writes the `tracing` events of
//!   dependencies to any ctxtrace [`Logger`](ctxtrace::Logger), with typed
//!   fields, their target, file and line, and the fields of their spans, so
//!   that they land in the program's own stream.
//!
//! # Example
//!
//! ```
//! use ctxtrace::{Ctx, Logger, NopLogger, NopTracer, Span, Tracer};
//! use ctxtrace_tracing::{TracingLogger, TracingTracer};
//!
//! fn sync_pod(ctx: &Ctx<impl Tracer, impl Logger>, pod: &str) {
//!     let (ctx, mut span) = ctx.start_span("sync_pod");
//!     let ctx = span.with_field(&ctx, "pod", pod);
//!     ctxtrace::info!(ctx, "syncing {} containers", 2; attempt = 1);
//! }
//!
//! // Any subscriber: here, one that prints to stdout.
//! let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).finish();
//! tracing::subscriber::with_default(subscriber, || {
//!     // Entries only, with typed fields and, as the target, the module that
//!     // logs (here `my_app`):
//!     //   INFO my_app: syncing 2 containers method="sync_pod" pod="web-1" attempt=1
//!     let ctx = Ctx::new(NopTracer, TracingLogger::new());
//!     assert!(ctx.enabled(ctxtrace::Level::Info));
//!     sync_pod(&ctx, "web-1");
//!
//!     // Spans and the entries inside them:
//!     //   INFO ctxtrace.span{otel.name="sync_pod" fields.0=pod=web-1}: my_app: syncing 2 containers method="sync_pod" attempt=1
//!     let ctx = Ctx::new(TracingTracer::new(), NopLogger);
//!     sync_pod(&ctx, "web-1");
//! });
//! ```
//!
//! # Which pair to use
//!
//! | you want in `tracing` | `Ctx<T, L>` |
//! | --- | --- |
//! | entries only, spans elsewhere or nowhere | `Ctx<NopTracer or OtelTracer or MemoryTracer, TracingLogger>`: events are children of the thread's current `tracing` span, and carry the `Ctx`'s fields and, with a tracer that has them, `trace_id` and `span_id` |
//! | spans and entries | `Ctx<TracingTracer, NopLogger>`: each entry is an event in its span, with the entry's fields; the span carries the span fields |
//! | spans in `tracing`, entries written elsewhere too | `Ctx<TracingTracer, JsonLogger or MemoryLogger ...>` |
//!
//! `Ctx<TracingTracer, TracingLogger>` writes each entry twice: once from the
//! logger (with every `Ctx` field, parented to the thread's current span) and
//! once from the tracer (inside its span, with the entry's own fields).
//!
//! # What is kept, and what is lost
//!
//! `tracing` needs the name, the target and the field names of every span
//! and event in `'static` metadata, which its macros declare at compile
//! time; ctxtrace knows an entry's target and keys, and a span's name and
//! fields, only at run time. So:
//!
//! - **Entries keep their target and typed fields.** A logger or tracer makes
//!   one `tracing` callsite per distinct target, level and list of keys, the
//!   first time it sees it, registered with `tracing` like the macros' own:
//!   per-target filters (`EnvFilter`'s `warn,podlib=debug`) work, and each
//!   key is a field of its own, with its type where `tracing` has one
//!   (integers, floats, booleans, strings, errors; other values as text). A
//!   key that would clash with `message`, `method`, `trace_id` or `span_id`
//!   is renamed `fields.<key>`.
//! - **Bounded.** The callsites belong to the logger or tracer and its clones,
//!   at most [`TracingLogger::MAX_CALLSITES`] (1,024) for each, and are leaked
//!   once each: memory is per distinct shape of entry, never per entry. Past
//!   the bound, and for an entry with more than 28 keys, an entry goes to the
//!   fixed callsite of its level, with the target `ctxtrace` and its fields
//!   in one logfmt-style `fields` text (`pod=web-1 attempt=2`). The file and
//!   line of an entry are not passed, since they would make a callsite per
//!   line of source.
//! - **Spans** all share one callsite: the name `ctxtrace.span`, the target
//!   `ctxtrace`, the ctxtrace name in the field `otel.name` (which
//!   `tracing-opentelemetry` uses as the span name). Their fields arrive
//!   after the span is made, so each key gets one of 32 pre-declared slots,
//!   `fields.0` to `fields.31`, recorded alone with the text `key=value`
//!   each time that key is set: `fmt` prints each value once, and a
//!   subscriber that keeps the latest value of each field keeps every key.
//!   Span fields lose their types, keys past the 32nd share the `fields`
//!   text, and a `None` set on a span records nothing. See
//!   [`TracingTracer`].
//! - **Filtering** uses `tracing`'s cache of subscriber interest in each
//!   callsite, as `tracing`'s macros do: the subscriber is asked when the
//!   callsite registers and when `tracing` rebuilds its interest, and for
//!   each entry only when some dispatcher's answer is "sometimes". Before
//!   an entry is built its target is not known, so the level is checked
//!   against `tracing`'s global maximum level only, and the arguments of a
//!   level that some dispatcher in the process wants are evaluated even if
//!   the entry's callsite then says no (nothing is formatted then).
//!
//! # Dispatchers
//!
//! [`TracingLogger::new`] and [`TracingTracer::new`] use the thread's default
//! dispatcher, as `tracing`'s macros do; `with_dispatch` pins one. A span's
//! children and events go to the dispatcher the span was opened on, on any
//! thread, and a span is closed with that dispatcher set as the thread's
//! default for the moment, because `tracing_subscriber::Registry` releases a
//! closing span's parent through the default dispatcher.
//!
//! A callsite registers with `tracing` the first time it is used. When a
//! process has a single dispatcher, `tracing` asks only the thread's default
//! about a new callsite; a pinned dispatcher, or a span's on another thread,
//! is then asked too when the answer was "never". Inside a subscriber's
//! callback, where `tracing` gives no default dispatcher, nothing is
//! registered. The interest cached in a callsite is `tracing`'s, one value for
//! every dispatcher alive: "never" or "always" when they all agree, else
//! "sometimes", which asks the subscriber for each entry. So tests that each
//! install their own subscriber with `tracing::subscriber::with_default` can
//! run in parallel; their subscribers may then be asked more often. Nothing
//! else is global.

#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![warn(rust_2018_idioms, unreachable_pub)]

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

mod callsite;
mod event;
mod fields;
mod layer;
mod logger;
mod tracer;

pub use layer::CtxtraceLayer;
pub use logger::TracingLogger;
pub use tracer::{TracingSpan, TracingSpanRef, TracingTracer};
