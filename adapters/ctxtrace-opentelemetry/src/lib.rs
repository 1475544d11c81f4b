//! An OpenTelemetry tracer for [`ctxtrace`]: spans, fields and log entries
//! become OpenTelemetry spans, attributes and span events.
//!
//! [`OtelTracer<T>`](OtelTracer) wraps any [`opentelemetry::trace::Tracer`],
//! such as the SDK's, and is the `T` of a [`Ctx<T, L>`](ctxtrace::Ctx). Code
//! instrumented with ctxtrace does not change; the program that owns it picks
//! OpenTelemetry, and any logger beside it sees the OpenTelemetry trace and
//! span ids.
//!
//! # Example
//!
//! ```
//! use ctxtrace::{Ctx, Logger, MemoryLogger, Span, Tracer};
//! use ctxtrace_opentelemetry::OtelTracer;
//! use opentelemetry::trace::{Status, TracerProvider as _};
//! use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
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
//! let exporter = InMemorySpanExporter::default();
//! let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
//! let logger = MemoryLogger::new();
//! let ctx = Ctx::new(OtelTracer::new(provider.tracer("pod-sync")), logger.clone());
//! assert!(sync_pod(&ctx, "web-1").is_err());
//!
//! let spans = exporter.get_finished_spans().unwrap();
//! let create = spans.iter().find(|s| s.name == "provider.create_pod").unwrap();
//! let sync = spans.iter().find(|s| s.name == "sync_pod").unwrap();
//! assert_eq!(create.parent_span_id, sync.span_context.span_id());
//! // The description is the error's message; the code is an attribute.
//! assert_eq!(create.status, Status::error("image not found"));
//! let code = create.attributes.iter().find(|kv| kv.key.as_str() == "status.code").unwrap();
//! assert_eq!(code.value.as_str(), "NotFound");
//! assert_eq!(sync.events[0].name, "syncing 2 containers");
//!
//! // The logger wrote the OpenTelemetry ids beside the entry.
//! let ids = logger.entries()[0].span_ids().unwrap();
//! assert_eq!(ids.span_id.to_string(), sync.span_context.span_id().to_string());
//! assert_eq!(ids.trace_id.to_string(), sync.span_context.trace_id().to_string());
//! ```
//!
//! # Mapping
//!
//! | ctxtrace | OpenTelemetry |
//! | --- | --- |
//! | span name | span name |
//! | the `Ctx`'s span | the parent [`Context`](opentelemetry::Context) passed to [`Tracer::build_with_context`](opentelemetry::trace::Tracer::build_with_context) |
//! | a root `Ctx` | the tracer's [root context](OtelTracer::with_root_context) (empty by default; never the thread's current context) |
//! | span field | attribute: `&str` → string, `i64` → int, `f64` → double, `bool` → bool, `u64`, `i128`, `u128` → int when it fits in `i64`, else its decimal string; a `Duration` → double, in seconds; `Display` and `Debug` values, errors and paths → their text; `None` → no attribute (the table on [`ctxtrace::Value`] has every kind) |
//! | entry logged under a span | span event named by the message, with the attribute `level` (`"info"`, ...) and the entry's own fields, typed as above |
//! | [`StatusCode::Ok`](ctxtrace::StatusCode::Ok) | [`Status::Ok`](opentelemetry::trace::Status::Ok) |
//! | error status | [`Status::error(message)`](opentelemetry::trace::Status::error): the error's message alone, or the code's name when the message is empty |
//! | the code of an error status | span attribute `status.code`, the code's name (`"NotFound"`); an ok status has none |
//! | each error status set | an `exception` event with `exception.message` (the description) and, for an error given to [`set_status`](ctxtrace::Span::set_status) or [`set_error`](ctxtrace::Span::set_error) as a concrete type, `exception.type`: its [`type_name`](core::any::type_name) (none for a trait object such as `Box<dyn Error>`, or for [`set_status_code`](ctxtrace::Span::set_status_code)) |
//! | trace and span ids | [`SpanIds`](ctxtrace::SpanIds) for loggers, the same 128 and 64 bits |
//!
//! The `method` field that ctxtrace adds to the logger of a span's `Ctx` is
//! not set as an attribute: it is the span's name. An event does not repeat
//! the span's fields (they are the span's attributes already), and it cannot
//! carry the fields that were added to the logger alone with
//! [`Ctx::with_field`](ctxtrace::Ctx::with_field): a tracer sees only the
//! entry.
//!
//! The status is applied when the span ends, so a later status replaces an
//! earlier one as ctxtrace promises (OpenTelemetry alone would keep `Ok` over
//! a later error), and `status.code` is the final status's code. A span
//! dropped while its thread panics ends with an `Internal` error status.
//!
//! # Cost
//!
//! A [`Ctx`](ctxtrace::Ctx) carries an `Option<`[`OtelSpanRef`]`>`: one
//! [`Arc`](std::sync::Arc) shared with the span, holding the OpenTelemetry
//! span behind a [`Mutex`](std::sync::Mutex), with no dynamic dispatch.
//!
//! - Starting a span: the OpenTelemetry span, plus one allocation. The
//!   OpenTelemetry [`Context`](opentelemetry::Context) that children are
//!   started in is built only for a span that has children, once.
//! - A field or an entry on a span that is sampled out: no lock, no
//!   allocation, no formatting.
//! - An entry on a recording span: the message is formatted (borrowed when it
//!   is a plain literal), the fields are converted, and the lock is taken once.
//! - Ids for loggers: read from the reference, no lock.
//!
//! Entries at levels you do not want as events can be left out with
//! [`OtelTracer::with_event_level`].

#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![warn(rust_2018_idioms, unreachable_pub)]

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

mod convert;
mod span;
mod tracer;

pub use span::{OtelSpan, OtelSpanRef};
pub use tracer::OtelTracer;
