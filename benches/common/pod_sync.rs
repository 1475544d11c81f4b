//! The pod sync of `examples/sync_cost.rs`, written once per library for
//! `benches/pod_sync.rs` and `examples/peer_sync_cost.rs`: 6 nested spans,
//! 4 span fields (`pod`, `namespace` as strings, `generation` and
//! `containers` as integers), 3 info lines with 1–2 fields of their own, and
//! an ok status on the outer span.
//!
//! ```text
//! sync_pod                 pod, namespace          (status ok)
//!   reconcile              generation
//!     info "syncing 2 containers"    attempt
//!     provider.get_pod
//!       provider.create_pod          containers
//!         info "created pod web-1"   image, pull_ms
//!         provider.pod_status
//!           status.update
//!             info "status is Running"   phase
//! ```
//!
//! Each peer writes it in its own idiom: `tracing` gives span fields at
//! creation and enters each span; slog has no spans, so each span's fields
//! go on a child logger (`Logger::new`), as a slog user would carry them;
//! fastrace takes one root span per sync and thread-local spans under it,
//! with string properties (integers formatted) and events named by their
//! message; OpenTelemetry passes each parent as an explicit `Context`, sets
//! attributes after the start as `with_field` does, and names events by
//! their message. `i` is the sync's number, passed as `containers` so that
//! no library sees a constant.

use std::borrow::Cow;
use std::hint::black_box;

/// The sync with `ctxtrace`, for any tracer and logger. (Not every bench
/// that includes `common` calls it.)
#[allow(unused_imports)]
pub use super::ctxtrace_sync::pod_sync as ctxtrace;

/// The sync with `tracing`, under whatever dispatcher is current: the fmt
/// layer's JSON lines or the registry with a memory layer. The status is
/// recorded into a field declared empty.
#[inline(always)]
pub fn tracing(i: usize) {
    let s1 = tracing::info_span!(
        "sync_pod",
        pod = "web-1",
        namespace = "default",
        status = tracing::field::Empty
    );
    let e1 = s1.enter();
    {
        let s2 = tracing::info_span!("reconcile", generation = 7u32);
        let _e2 = s2.enter();
        tracing::info!(attempt = 1u32, "syncing {} containers", 2);
        let s3 = tracing::info_span!("provider.get_pod");
        let _e3 = s3.enter();
        let s4 = tracing::info_span!("provider.create_pod", containers = black_box(i));
        let _e4 = s4.enter();
        tracing::info!(
            image = "nginx:1.27",
            pull_ms = 12u32,
            "created pod {}",
            "web-1"
        );
        let s5 = tracing::info_span!("provider.pod_status");
        let _e5 = s5.enter();
        let s6 = tracing::info_span!("status.update");
        let _e6 = s6.enter();
        tracing::info!(phase = "Running", "status is {}", "Running");
    }
    s1.record("status", "ok");
    drop(e1);
}

/// The sync with `slog`: one child logger per span that has fields (its
/// values must be owned or `'static`: these are literals and integers).
#[inline(always)]
pub fn slog(log: &slog::Logger, i: usize) {
    let log = log.new(slog::o!("pod" => "web-1", "namespace" => "default"));
    let log = log.new(slog::o!("generation" => 7u32));
    slog::info!(log, "syncing {} containers", 2; "attempt" => 1u32);
    let log = log.new(slog::o!("containers" => black_box(i)));
    slog::info!(log, "created pod {}", "web-1"; "image" => "nginx:1.27", "pull_ms" => 12u32);
    slog::info!(log, "status is {}", "Running"; "phase" => "Running");
}

/// The sync with fastrace: a root span per sync, set as the local parent,
/// and five thread-local spans under it. The status is a property.
#[inline(always)]
pub fn fastrace(i: usize) {
    use fastrace::prelude::*;
    let root = Span::root("sync_pod", SpanContext::random())
        .with_properties(|| [("pod", "web-1"), ("namespace", "default")]);
    {
        let _guard = root.set_local_parent();
        let _s2 = LocalSpan::enter_with_local_parent("reconcile")
            .with_property(|| ("generation", 7u32.to_string()));
        LocalSpan::add_event(
            Event::new(format!("syncing {} containers", 2)).with_properties(|| {
                [
                    ("level", Cow::Borrowed("info")),
                    ("attempt", Cow::Owned(1u32.to_string())),
                ]
            }),
        );
        let _s3 = LocalSpan::enter_with_local_parent("provider.get_pod");
        let _s4 = LocalSpan::enter_with_local_parent("provider.create_pod")
            .with_property(|| ("containers", black_box(i).to_string()));
        LocalSpan::add_event(
            Event::new(format!("created pod {}", "web-1")).with_properties(|| {
                [
                    ("level", Cow::Borrowed("info")),
                    ("image", Cow::Borrowed("nginx:1.27")),
                    ("pull_ms", Cow::Owned(12u32.to_string())),
                ]
            }),
        );
        let _s5 = LocalSpan::enter_with_local_parent("provider.pod_status");
        let _s6 = LocalSpan::enter_with_local_parent("status.update");
        LocalSpan::add_event(
            Event::new(format!("status is {}", "Running"))
                .with_properties(|| [("level", "info"), ("phase", "Running")]),
        );
    }
    root.add_property(|| ("status", "ok"));
}

/// The sync with the OpenTelemetry API, for any tracer (the SDK's here):
/// parents as explicit `Context`s, attributes set after the start, events
/// named by their formatted message with the level as an attribute.
#[inline(always)]
pub fn otel<T>(tracer: &T, i: usize)
where
    T: opentelemetry::trace::Tracer,
    T::Span: Send + Sync + 'static,
{
    use opentelemetry::trace::{Status, TraceContextExt as _};
    use opentelemetry::{Context, KeyValue};
    let start = |name: &'static str, parent: &Context| {
        parent.with_span(tracer.start_with_context(name, parent))
    };
    let c1 = start("sync_pod", &Context::new());
    c1.span().set_attribute(KeyValue::new("pod", "web-1"));
    c1.span()
        .set_attribute(KeyValue::new("namespace", "default"));
    let c2 = start("reconcile", &c1);
    c2.span().set_attribute(KeyValue::new("generation", 7i64));
    c2.span().add_event(
        format!("syncing {} containers", 2),
        vec![
            KeyValue::new("level", "info"),
            KeyValue::new("attempt", 1i64),
        ],
    );
    let c3 = start("provider.get_pod", &c2);
    let c4 = start("provider.create_pod", &c3);
    c4.span()
        .set_attribute(KeyValue::new("containers", black_box(i) as i64));
    c4.span().add_event(
        format!("created pod {}", "web-1"),
        vec![
            KeyValue::new("level", "info"),
            KeyValue::new("image", "nginx:1.27"),
            KeyValue::new("pull_ms", 12i64),
        ],
    );
    let c5 = start("provider.pod_status", &c4);
    let c6 = start("status.update", &c5);
    c6.span().add_event(
        format!("status is {}", "Running"),
        vec![
            KeyValue::new("level", "info"),
            KeyValue::new("phase", "Running"),
        ],
    );
    for cx in [c6, c5, c4, c3, c2] {
        cx.span().end();
    }
    c1.span().set_status(Status::Ok);
    c1.span().end();
}

/// The hand-written JSON baseline: the three lines of a sync, each written
/// with `write!` into a reused buffer behind a lock and handed to the writer
/// with one `write_all`. It knows every key and the context at compile time,
/// escapes nothing and writes the time as an integer: a floor, not a logger.
#[derive(Debug)]
pub struct HandJson {
    clock: ctxtrace::SystemClock,
    buf: std::sync::Mutex<Vec<u8>>,
}

impl HandJson {
    pub fn new() -> Self {
        HandJson {
            clock: ctxtrace::SystemClock::new(),
            buf: std::sync::Mutex::new(Vec::with_capacity(256)),
        }
    }

    #[inline]
    fn line(&self, args: std::fmt::Arguments<'_>) {
        use ctxtrace::Clock as _;
        use std::io::Write as _;
        let time = self.clock.now();
        let mut buf = self
            .buf
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        buf.clear();
        let _ = write!(buf, r#"{{"time":{time},"level":"info","#);
        let _ = buf.write_fmt(args);
        let _ = std::io::sink().write_all(&buf);
    }
}

impl Default for HandJson {
    fn default() -> Self {
        HandJson::new()
    }
}

/// The sync with [`HandJson`]: the same lines and fields as the others.
#[inline(always)]
pub fn hand_json(out: &HandJson, i: usize) {
    let (pod, namespace, generation) = ("web-1", "default", 7u32);
    out.line(format_args!(
        concat!(
            r#""msg":"syncing {} containers","pod":"{}","namespace":"{}","#,
            r#""generation":{},"attempt":{}}}"#,
            "\n"
        ),
        2, pod, namespace, generation, 1u32
    ));
    let containers = black_box(i);
    out.line(format_args!(
        concat!(
            r#""msg":"created pod {}","pod":"{}","namespace":"{}","generation":{},"#,
            r#""containers":{},"image":"{}","pull_ms":{}}}"#,
            "\n"
        ),
        "web-1", pod, namespace, generation, containers, "nginx:1.27", 12u32
    ));
    out.line(format_args!(
        concat!(
            r#""msg":"status is {}","pod":"{}","namespace":"{}","generation":{},"#,
            r#""containers":{},"phase":"{}"}}"#,
            "\n"
        ),
        "Running", pod, namespace, generation, containers, "Running"
    ));
}

/// The sync with the hand-written recorder of `common` (its events keep
/// their fields in the message text): the floor for keeping the spans.
#[inline(always)]
pub fn hand_record<C: ctxtrace::Clock>(rec: &super::HandRecorder<C>, i: usize) {
    let mut s1 = rec.start(0, "sync_pod");
    s1.str("pod", "web-1");
    s1.str("namespace", "default");
    let mut s2 = rec.start(s1.id, "reconcile");
    s2.u64("generation", 7);
    s2.event(
        rec.clock.now(),
        3,
        format_args!("syncing {} containers attempt={}", 2, 1u32),
    );
    let s3 = rec.start(s2.id, "provider.get_pod");
    let mut s4 = rec.start(s3.id, "provider.create_pod");
    s4.u64("containers", black_box(i) as u64);
    s4.event(
        rec.clock.now(),
        3,
        format_args!("created pod {} image=nginx:1.27 pull_ms={}", "web-1", 12u32),
    );
    let s5 = rec.start(s4.id, "provider.pod_status");
    let mut s6 = rec.start(s5.id, "status.update");
    s6.event(
        rec.clock.now(),
        3,
        format_args!("status is {} phase=Running", "Running"),
    );
    for span in [s6, s5, s4, s3, s2] {
        rec.end(span);
    }
    s1.ok = true;
    rec.end(s1);
}
