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
//!     // Entries only:
//!     //   INFO ctxtrace: syncing 2 containers method="sync_pod" fields=pod=web-1 attempt=1
//!     let ctx = Ctx::new(NopTracer, TracingLogger::new());
//!     assert!(ctx.enabled(ctxtrace::Level::Info));
//!     sync_pod(&ctx, "web-1");
//!
//!     // Spans and the entries inside them:
//!     //   INFO ctxtrace.span{otel.name="sync_pod" fields="pod=web-1"}: ctxtrace: syncing 2 containers method="sync_pod" fields=attempt=1
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
//! # Trade-offs
//!
//! `tracing` needs the name and the field names of every span and event at
//! compile time, in `'static` metadata; ctxtrace knows span names and field
//! keys only at run time. So:
//!
//! - Every span is named `ctxtrace.span`, with its ctxtrace name in the field
//!   `otel.name` (which `tracing-opentelemetry` uses as the span name).
//!   Making a callsite per name would mean leaking metadata per name and per
//!   tracer.
//! - Fields travel rendered logfmt-style in one `fields` value
//!   (`pod=web-1 attempt=2`), so they lose their types. A subscriber that
//!   does not format them pays nothing for them.
//! - A span's `fields` value is recorded again with the whole set when a field
//!   is added, which is right for subscribers that keep the latest value;
//!   `tracing-subscriber`'s `fmt` appends each recording instead.
//!
//! The callsites are `static`s, as every `tracing` macro declares (one span
//! callsite, one event callsite per level), and they hold `tracing`'s own
//! cache of subscriber interest. That cache is one value for every dispatcher
//! in the process; since every ctxtrace entry of a level shares a callsite, it
//! is not trusted: the dispatcher's `enabled` is asked for each span and
//! entry, after `tracing`'s global maximum level. So tests that each install
//! their own subscriber with `tracing::subscriber::with_default` can run in
//! parallel. Nothing else is global.
//!
//! # Dispatchers
//!
//! [`TracingLogger::new`] and [`TracingTracer::new`] use the thread's default
//! dispatcher, as `tracing`'s macros do; `with_dispatch` pins one. A span's
//! children and events go to the dispatcher the span was opened on, on any
//! thread, and a span is closed with that dispatcher set as the thread's
//! default for the moment, because `tracing_subscriber::Registry` releases a
//! closing span's parent through the default dispatcher.

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
