//! What the benches share: the criterion settings, the pod that every "sync"
//! works on, the same sync written once per library, a TSC clock for
//! `ctxtrace`, and in-memory stores for the peers.
//!
//! Every column of a group does the same work: start a span, set `pod` and
//! `namespace` (strings) and `attempt` and `containers` (integers), log one
//! info line with one argument, set an ok status, end the span. Each sync
//! returns `attempt + containers`, so the baseline has a result to compute too.

// Each bench binary uses its own subset of these helpers.
#![allow(dead_code)]

pub mod ctxtrace_sync;
pub mod pod_sync;

use std::fmt;
use std::hint::black_box;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use criterion::Criterion;
use ctxtrace::{Clock, Ctx, Logger, Span as _, Tracer};

/// Short groups for a 2-core machine: about 4 s per column. Flags given on
/// the command line (`--warm-up-time`, `--measurement-time`) still win.
pub fn criterion() -> Criterion {
    Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args()
}

/// How many spans a store keeps: the `ctxtrace` recorder's capacity, and how
/// often the peers' stores are cleared (outside the timed region).
pub const KEEP: usize = 10_000;

/// The input of one sync.
#[derive(Debug)]
pub struct Pod {
    pub name: String,
    pub namespace: String,
    pub attempt: u32,
    pub containers: usize,
}

impl Pod {
    pub fn new() -> Self {
        Pod {
            name: "web-7c9f5d-x2kq4".to_string(),
            namespace: "default".to_string(),
            attempt: 2,
            containers: 3,
        }
    }
}

/// The part of a sync that is not instrumentation.
#[inline(always)]
fn work(pod: &Pod) -> u64 {
    u64::from(pod.attempt) + pod.containers as u64
}

/// The hand-written baseline: the same sync without instrumentation.
#[inline(always)]
pub fn sync_baseline(pod: &Pod) -> u64 {
    work(pod)
}

/// The sync with `ctxtrace`, for any tracer and logger.
#[inline(always)]
pub fn sync_ctxtrace<T: Tracer, L: Logger>(ctx: &Ctx<T, L>, pod: &Pod) -> u64 {
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", pod.name.as_str());
    let ctx = span.with_field(&ctx, "namespace", pod.namespace.as_str());
    let ctx = span.with_field(&ctx, "attempt", pod.attempt);
    let ctx = span.with_field(&ctx, "containers", pod.containers);
    ctxtrace::info!(ctx, "syncing {} containers", pod.containers);
    let result = work(pod);
    span.set_status(&Ok::<(), io::Error>(()));
    span.end();
    result
}

/// The sync with `tracing`: fields at creation (its idiom), the status
/// recorded into a field declared empty.
#[inline(always)]
pub fn sync_tracing(pod: &Pod) -> u64 {
    let span = tracing::info_span!(
        "sync_pod",
        pod = pod.name.as_str(),
        namespace = pod.namespace.as_str(),
        attempt = pod.attempt,
        containers = pod.containers,
        status = tracing::field::Empty,
    );
    let _enter = span.enter();
    tracing::info!("syncing {} containers", pod.containers);
    let result = work(pod);
    span.record("status", "ok");
    result
}

/// The sync with `fastrace`, one root span per sync. Properties are given at
/// creation (its cheapest form); it has no status, so the status is a
/// property added at the end; its properties are strings, so integers are
/// formatted; the event's name is the formatted message.
#[inline(always)]
pub fn sync_fastrace_root(pod: &Pod) -> u64 {
    use fastrace::prelude::*;
    let root = Span::root("sync_pod", SpanContext::random()).with_properties(|| {
        [
            ("pod", pod.name.clone()),
            ("namespace", pod.namespace.clone()),
            ("attempt", pod.attempt.to_string()),
            ("containers", pod.containers.to_string()),
        ]
    });
    root.add_event(
        Event::new(format!("syncing {} containers", pod.containers))
            .with_property(|| ("level", "info")),
    );
    let result = work(pod);
    root.add_property(|| ("status", "ok"));
    result
}

/// The sync with `fastrace`'s thread-local spans, under a parent set with
/// `set_local_parent` (its fastest path).
#[inline(always)]
pub fn sync_fastrace_local(pod: &Pod) -> u64 {
    use fastrace::prelude::*;
    let _span = LocalSpan::enter_with_local_parent("sync_pod").with_properties(|| {
        [
            ("pod", pod.name.clone()),
            ("namespace", pod.namespace.clone()),
            ("attempt", pod.attempt.to_string()),
            ("containers", pod.containers.to_string()),
        ]
    });
    LocalSpan::add_event(
        Event::new(format!("syncing {} containers", pod.containers))
            .with_property(|| ("level", "info")),
    );
    let result = work(pod);
    LocalSpan::add_property(|| ("status", "ok"));
    result
}

/// The sync with the OpenTelemetry API, for any tracer (the noop one or the
/// SDK's). Values are copied into owned strings, as `KeyValue` needs; the
/// event's name is the formatted message and its level an attribute.
#[inline(always)]
pub fn sync_otel<T: opentelemetry::trace::Tracer>(tracer: &T, pod: &Pod) -> u64 {
    use opentelemetry::KeyValue;
    use opentelemetry::trace::{Span, Status};
    let mut span = tracer.start("sync_pod");
    span.set_attribute(KeyValue::new("pod", pod.name.clone()));
    span.set_attribute(KeyValue::new("namespace", pod.namespace.clone()));
    span.set_attribute(KeyValue::new("attempt", i64::from(pod.attempt)));
    span.set_attribute(KeyValue::new("containers", pod.containers as i64));
    span.add_event(
        format!("syncing {} containers", pod.containers),
        vec![KeyValue::new("level", "info")],
    );
    let result = work(pod);
    span.set_status(Status::Ok);
    span.end();
    result
}

/// The sync with `slog`, which has no spans and no status: a child logger
/// carries the four fields (its values must be owned: `o!` needs `'static`).
#[inline(always)]
pub fn sync_slog_child(log: &slog::Logger, pod: &Pod) -> u64 {
    let log = log.new(slog::o!(
        "pod" => pod.name.clone(),
        "namespace" => pod.namespace.clone(),
        "attempt" => pod.attempt,
        "containers" => pod.containers,
    ));
    slog::info!(log, "syncing {} containers", pod.containers);
    work(pod)
}

/// The sync with `slog`, the four fields on the line itself (borrowed).
#[inline(always)]
pub fn sync_slog_kv(log: &slog::Logger, pod: &Pod) -> u64 {
    slog::info!(log, "syncing {} containers", pod.containers;
        "pod" => pod.name.as_str(),
        "namespace" => pod.namespace.as_str(),
        "attempt" => pod.attempt,
        "containers" => pod.containers,
    );
    work(pod)
}

/// Runs `iters` iterations in chunks of at most `chunk`, timing only the
/// chunks: `reset` (clearing a peer's store) runs between them, untimed.
pub fn timed_chunks(
    iters: u64,
    chunk: u64,
    mut run: impl FnMut(),
    mut reset: impl FnMut(),
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(chunk);
        let start = Instant::now();
        for _ in 0..n {
            run();
        }
        total += start.elapsed();
        reset();
        left -= n;
    }
    total
}

/// CPU time used so far by every thread of this process, in nanoseconds,
/// from `/proc/self/task/*/schedstat`; `None` where that is not available.
/// It counts the work a peer hands to a background thread.
pub fn process_cpu_ns() -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let path = task.ok()?.path().join("schedstat");
        // A thread may end between the listing and the read.
        if let Ok(text) = std::fs::read_to_string(path) {
            total += text.split_whitespace().next()?.parse::<u64>().ok()?;
        }
    }
    Some(total)
}

/// Runs `iters` syncs through `run_n` (which runs the number of syncs it is
/// given), emptying the store with `reset` every [`KEEP`], and prints wall and
/// all-thread CPU time per sync: what a wall-clock median does not show when
/// a peer moves work to another thread.
pub fn print_cpu_per_op(
    label: &str,
    iters: u64,
    mut run_n: impl FnMut(u64),
    mut reset: impl FnMut(),
) {
    let cpu0 = process_cpu_ns();
    let mut wall = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(KEEP as u64);
        let start = Instant::now();
        run_n(n);
        wall += start.elapsed();
        reset();
        left -= n;
    }
    // Let background collectors catch up before the second reading.
    fastrace::flush();
    std::thread::sleep(Duration::from_millis(50));
    let cpu1 = process_cpu_ns();
    let wall_ns = wall.as_nanos() as f64 / iters as f64;
    match cpu0.zip(cpu1) {
        Some((a, b)) => {
            let cpu_ns = b.saturating_sub(a) as f64 / iters as f64;
            println!(
                "cpu-per-op {label:<32} wall {wall_ns:>8.1} ns  cpu(all threads) {cpu_ns:>8.1} ns"
            );
        }
        None => println!("cpu-per-op {label:<32} wall {wall_ns:>8.1} ns  cpu(all threads) n/a"),
    }
}

/// Runs `n` syncs with fastrace's local spans, under a new root every 1,000.
pub fn fastrace_local_n(n: u64, mut run: impl FnMut()) {
    let mut left = n;
    while left > 0 {
        let k = left.min(1000);
        fastrace_local_chunk(k, &mut run);
        left -= k;
    }
}

/// A `ctxtrace` clock that reads the TSC through `quanta`: raw ticks, scaled
/// to nanoseconds and added to the Unix time read once at creation. fastrace
/// reads its time the same way, so this makes the comparison like for like.
#[derive(Clone, Debug)]
pub struct TscClock {
    clock: quanta::Clock,
    base_raw: u64,
    base_unix_nanos: u64,
}

impl TscClock {
    pub fn new() -> Self {
        let clock = quanta::Clock::new();
        let base_unix_nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let base_raw = clock.raw();
        TscClock {
            clock,
            base_raw,
            base_unix_nanos,
        }
    }
}

impl Default for TscClock {
    fn default() -> Self {
        TscClock::new()
    }
}

impl Clock for TscClock {
    #[inline]
    fn now(&self) -> u64 {
        let raw = self.clock.raw();
        self.base_unix_nanos + self.clock.delta_as_nanos(self.base_raw, raw)
    }
}

/// A `Display` that does real work and counts how often it is formatted.
#[derive(Debug, Default)]
pub struct Costly {
    pub formatted: AtomicUsize,
}

impl fmt::Display for Costly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.formatted.fetch_add(1, Ordering::Relaxed);
        for i in 0..64u64 {
            write!(f, "{:x}", i.wrapping_mul(0x9e37_79b9_7f4a_7c15))?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// tracing: a minimal layer that keeps spans in memory.

/// A field value as the layer keeps it.
#[derive(Debug)]
pub enum Kept {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
}

/// An event as the layer keeps it (the message is the field `message`).
#[derive(Debug)]
pub struct KeptEvent {
    pub level: tracing::Level,
    pub unix_nanos: u64,
    pub fields: Vec<(&'static str, Kept)>,
}

/// A span as the layer keeps it.
#[derive(Debug)]
pub struct KeptSpan {
    pub id: u64,
    pub parent: Option<u64>,
    pub name: &'static str,
    pub start: u64,
    pub end: u64,
    pub fields: Vec<(&'static str, Kept)>,
    pub events: Vec<KeptEvent>,
}

struct Visitor<'a>(&'a mut Vec<(&'static str, Kept)>);

impl tracing::field::Visit for Visitor<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push((field.name(), Kept::Str(value.to_owned())));
    }
    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.0.push((field.name(), Kept::I64(value)));
    }
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        self.0.push((field.name(), Kept::U64(value)));
    }
    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        self.0.push((field.name(), Kept::F64(value)));
    }
    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        self.0.push((field.name(), Kept::Bool(value)));
    }
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        self.0.push((field.name(), Kept::Str(format!("{value:?}"))));
    }
}

/// A `tracing_subscriber::Layer` that keeps each finished span, with its
/// fields, times and events, in a `Vec` behind a mutex.
#[derive(Clone)]
pub struct MemLayer<C> {
    pub clock: C,
    pub spans: Arc<Mutex<Vec<KeptSpan>>>,
}

impl<C: Clock> MemLayer<C> {
    pub fn new(clock: C) -> Self {
        MemLayer {
            clock,
            spans: Arc::new(Mutex::new(Vec::with_capacity(KEEP))),
        }
    }

    pub fn clear(&self) {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    pub fn len(&self) -> usize {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl<S, C> tracing_subscriber::Layer<S> for MemLayer<C>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    C: Clock,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        let mut kept = KeptSpan {
            id: id.into_u64(),
            parent: span.parent().map(|p| p.id().into_u64()),
            name: attrs.metadata().name(),
            start: self.clock.now(),
            end: 0,
            fields: Vec::new(),
            events: Vec::new(),
        };
        attrs.record(&mut Visitor(&mut kept.fields));
        span.extensions_mut().insert(kept);
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        if let Some(kept) = span.extensions_mut().get_mut::<KeptSpan>() {
            values.record(&mut Visitor(&mut kept.fields));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: tracing_subscriber::layer::Context<'_, S>) {
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        let mut fields = Vec::new();
        event.record(&mut Visitor(&mut fields));
        let kept = KeptEvent {
            level: *event.metadata().level(),
            unix_nanos: self.clock.now(),
            fields,
        };
        if let Some(span) = span.extensions_mut().get_mut::<KeptSpan>() {
            span.events.push(kept);
        }
    }

    fn on_close(&self, id: tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(mut kept) = span.extensions_mut().remove::<KeptSpan>() else {
            return;
        };
        kept.end = self.clock.now();
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(kept);
    }
}

/// A dispatcher with the registry and the memory layer.
pub fn tracing_memory<C: Clock>(clock: C) -> (tracing::Dispatch, MemLayer<C>) {
    use tracing_subscriber::layer::SubscriberExt as _;
    let layer = MemLayer::new(clock);
    let subscriber = tracing_subscriber::registry().with(layer.clone());
    (tracing::Dispatch::new(subscriber), layer)
}

// ---------------------------------------------------------------------------
// fastrace: a reporter that keeps spans in memory.

/// A fastrace reporter that appends every reported span to a `Vec`, and
/// empties it when it would pass [`KEEP`] spans, so that it holds at most
/// [`KEEP`]. It runs on fastrace's collector thread.
pub struct MemReporter {
    pub spans: Arc<Mutex<Vec<fastrace::collector::SpanRecord>>>,
}

impl fastrace::collector::Reporter for MemReporter {
    fn report(&mut self, mut spans: Vec<fastrace::collector::SpanRecord>) {
        if spans.is_empty() {
            return;
        }
        let mut kept = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() + spans.len() > KEEP {
            kept.clear();
        }
        kept.append(&mut spans);
        // One batch can be larger than the store: keep its newest spans.
        let excess = kept.len().saturating_sub(KEEP);
        kept.drain(..excess);
    }
}

/// Sets a [`MemReporter`] as fastrace's global reporter (once per process)
/// and returns its store.
pub fn fastrace_memory() -> Arc<Mutex<Vec<fastrace::collector::SpanRecord>>> {
    let spans = Arc::new(Mutex::new(Vec::with_capacity(KEEP)));
    let config = fastrace::collector::Config::default().report_interval(Duration::from_millis(10));
    fastrace::set_reporter(
        MemReporter {
            spans: Arc::clone(&spans),
        },
        config,
    );
    spans
}

/// Runs `n` syncs under one fastrace root span set as the local parent, so
/// that `sync_fastrace_local` has a parent; the root ends after them.
pub fn fastrace_local_chunk(n: u64, mut run: impl FnMut()) {
    use fastrace::prelude::*;
    let root = Span::root("worker", SpanContext::random());
    let _guard = root.set_local_parent();
    for _ in 0..n {
        run();
    }
}

// ---------------------------------------------------------------------------
// OpenTelemetry SDK: the in-memory exporter behind a simple processor.

/// An SDK tracer whose spans go, one at a time, to an in-memory exporter.
pub fn otel_memory() -> (
    opentelemetry_sdk::trace::SdkTracerProvider,
    opentelemetry_sdk::trace::SdkTracer,
    opentelemetry_sdk::trace::InMemorySpanExporter,
) {
    use opentelemetry::trace::TracerProvider as _;
    let exporter = opentelemetry_sdk::trace::InMemorySpanExporter::default();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let tracer = provider.tracer("bench");
    (provider, tracer, exporter)
}

/// Passes `value` through `black_box` by reference: the benches' inputs.
#[inline(always)]
pub fn input<T>(value: &T) -> &T {
    black_box(value)
}

// ---------------------------------------------------------------------------
// A hand-written recorder: the floor for keeping a span in memory.

/// A value kept by the hand-written recorder; strings are ranges of the
/// span's text buffer.
#[derive(Clone, Copy, Debug)]
pub enum HandValue {
    Str(u32, u32),
    U64(u64),
}

/// A span of the hand-written recorder. Its buffers are reused.
#[derive(Debug, Default)]
pub struct HandSpan {
    pub id: u64,
    pub parent: u64,
    pub name: &'static str,
    pub start: u64,
    pub end: u64,
    pub ok: bool,
    pub text: String,
    pub attrs: Vec<(&'static str, HandValue)>,
    /// Time, level (as a byte) and message range of each event.
    pub events: Vec<(u64, u8, u32, u32)>,
}

impl HandSpan {
    #[inline]
    pub fn str(&mut self, key: &'static str, value: &str) {
        let start = self.text.len() as u32;
        self.text.push_str(value);
        self.attrs
            .push((key, HandValue::Str(start, self.text.len() as u32)));
    }

    #[inline]
    pub fn u64(&mut self, key: &'static str, value: u64) {
        self.attrs.push((key, HandValue::U64(value)));
    }

    #[inline]
    pub fn event(&mut self, unix_nanos: u64, level: u8, message: fmt::Arguments<'_>) {
        use std::fmt::Write as _;
        let start = self.text.len() as u32;
        let _ = self.text.write_fmt(message);
        self.events
            .push((unix_nanos, level, start, self.text.len() as u32));
    }
}

/// A bounded span store written for this one job: the ring keeps the last
/// [`KEEP`] spans and hands the evicted span's buffers to the next span.
#[derive(Debug)]
pub struct HandRecorder<C> {
    pub clock: C,
    keep: usize,
    ring: Mutex<HandRing>,
}

#[derive(Debug, Default)]
struct HandRing {
    spans: std::collections::VecDeque<HandSpan>,
    spare: Vec<HandSpan>,
    next_id: u64,
}

impl<C: Clock> HandRecorder<C> {
    pub fn new(clock: C) -> Self {
        HandRecorder::with_capacity(clock, KEEP)
    }

    /// A recorder that keeps the last `keep` spans.
    pub fn with_capacity(clock: C, keep: usize) -> Self {
        HandRecorder {
            clock,
            keep,
            ring: Mutex::new(HandRing::default()),
        }
    }

    #[inline]
    pub fn start(&self, parent: u64, name: &'static str) -> HandSpan {
        let start = self.clock.now();
        let mut ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        let mut span = ring.spare.pop().unwrap_or_default();
        ring.next_id += 1;
        span.id = ring.next_id;
        drop(ring);
        span.parent = parent;
        span.name = name;
        span.start = start;
        span
    }

    #[inline]
    pub fn end(&self, mut span: HandSpan) {
        span.end = self.clock.now();
        let mut ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        if ring.spans.len() >= self.keep {
            if let Some(mut old) = ring.spans.pop_front() {
                old.text.clear();
                old.attrs.clear();
                old.events.clear();
                old.ok = false;
                ring.spare.push(old);
            }
        }
        ring.spans.push_back(span);
    }
}

/// The sync written against the hand-written recorder.
#[inline(always)]
pub fn sync_hand<C: Clock>(rec: &HandRecorder<C>, pod: &Pod) -> u64 {
    let mut span = rec.start(0, "sync_pod");
    span.str("pod", &pod.name);
    span.str("namespace", &pod.namespace);
    span.u64("attempt", u64::from(pod.attempt));
    span.u64("containers", pod.containers as u64);
    span.event(
        rec.clock.now(),
        3,
        format_args!("syncing {} containers", pod.containers),
    );
    let result = work(pod);
    span.ok = true;
    rec.end(span);
    result
}
