//! Allocations per span and per line once warm, counted by a global allocator.
//!
//! The library is designed to allocate nothing on these paths once its
//! buffers are warm: a recorded span (4 fields, 2 of them strings, and one
//! info event), a JSON or text line with 4 fields, and a whole pod sync on a
//! JSON or text logger, `with_field` included. One `#[test]` runs
//! every count, so that no other test thread allocates while it counts, and
//! the allocator counts only on the thread that asked for it.
#![cfg(feature = "std")]

/// The pod sync of `examples/sync_cost.rs`: 6 nested spans, 4 `with_field`
/// calls on them, and 3 lines with 1–2 fields each.
#[path = "../benches/common/ctxtrace_sync.rs"]
mod ctxtrace_sync;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use ctxtrace::{
    Ctx, JsonLogger, Logger, MemoryTracer, NopLogger, NopTracer, Span, TextLogger, Tracer, Unlocked,
};

/// Counts allocations (and reallocations) made while `COUNTING` is set on
/// the calling thread, then defers to the system allocator.
///
/// A global allocator can only be written with `unsafe` (`GlobalAlloc` is an
/// unsafe trait). The crate itself forbids `unsafe`; this test binary is a
/// separate crate and needs it only here, to measure the crate from outside.
struct CountingAlloc;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    // A const-initialised `Cell` needs no allocation and no destructor, so
    // reading it from inside the allocator is sound.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note_allocation() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the same arguments, which
// upholds `GlobalAlloc`'s contract; the counting touches only an atomic and a
// const thread-local and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: as for `alloc`; `ptr` and `layout` come from this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `alloc`; `ptr` and `layout` come from this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Allocations made on this thread while `f` runs.
fn allocations(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

struct Pod {
    name: String,
    namespace: String,
    attempt: u32,
    containers: usize,
}

/// The sync the benches measure: a span with 4 fields and one info event.
fn sync<T: Tracer, L: Logger>(ctx: &Ctx<T, L>, pod: &Pod) {
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", pod.name.as_str());
    let ctx = span.with_field(&ctx, "namespace", pod.namespace.as_str());
    let ctx = span.with_field(&ctx, "attempt", pod.attempt);
    let ctx = span.with_field(&ctx, "containers", pod.containers);
    ctxtrace::info!(ctx, "syncing {} containers", pod.containers);
    span.set_status(&Ok::<(), io::Error>(()));
    span.end();
}

/// One line with 4 fields of its own.
fn line<T: Tracer, L: Logger>(ctx: &Ctx<T, L>, pod: &Pod) {
    ctxtrace::info!(ctx, "syncing {} containers", pod.containers;
        pod = pod.name.as_str(),
        namespace = pod.namespace.as_str(),
        attempt = pod.attempt,
        containers = pod.containers);
}

/// Operations counted per case; fewer under miri, which is slow.
const N: u64 = if cfg!(miri) { 50 } else { 1_000 };

fn per_op(label: &str, total: u64) -> f64 {
    let per = total as f64 / N as f64;
    println!("{label:<58} {total:>6} allocations in {N} ops = {per:.3} per op");
    per
}

#[test]
fn steady_state_allocations() {
    let pod = Pod {
        name: "web-7c9f5d-x2kq4".into(),
        namespace: "default".into(),
        attempt: 2,
        containers: 3,
    };

    // The recorder is warm once it is full: every new span then reuses the
    // buffers of the one it evicts.
    let capacity = if cfg!(miri) { 50 } else { 1_000 };
    let tracer = MemoryTracer::with_capacity(capacity);
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    for _ in 0..3 * capacity {
        sync(&ctx, &pod);
    }
    let span_allocs = allocations(|| (0..N).for_each(|_| sync(&ctx, &pod)));
    assert_eq!(tracer.spans().len(), capacity);
    let events: usize = tracer.spans().iter().map(|s| s.events().count()).sum();
    assert_eq!(events, capacity);

    // The whole pod sync, warm: every event is rendered outside the lock
    // into a reused scratch buffer, and every record is a recycled one.
    let sync_tracer = MemoryTracer::with_capacity(capacity);
    let ctx = Ctx::new(sync_tracer.clone(), NopLogger);
    (0..3 * capacity).for_each(|_| ctxtrace_sync::pod_sync(&ctx, 7));
    let sync_allocs = allocations(|| (0..N).for_each(|_| ctxtrace_sync::pod_sync(&ctx, 7)));
    assert_eq!(sync_tracer.started(), 6 * (3 * capacity as u64 + N));

    let json = JsonLogger::new(io::sink());
    let ctx = Ctx::new(NopTracer, json.clone());
    (0..100).for_each(|_| line(&ctx, &pod));
    let json_allocs = allocations(|| (0..N).for_each(|_| line(&ctx, &pod)));
    assert_eq!(json.lines(), 100 + N);

    let text = TextLogger::new(io::sink());
    let ctx = Ctx::new(NopTracer, text.clone());
    (0..100).for_each(|_| line(&ctx, &pod));
    let text_allocs = allocations(|| (0..N).for_each(|_| line(&ctx, &pod)));
    assert_eq!(text.lines(), 100 + N);

    // A recorded span whose 4 fields are on the `Ctx` of a writer logger
    // too: each `with_field` renders its field into a recycled context node.
    let ctx = Ctx::new(
        MemoryTracer::with_capacity(capacity),
        JsonLogger::new(io::sink()),
    );
    (0..3 * capacity).for_each(|_| sync(&ctx, &pod));
    let combined = allocations(|| (0..N).for_each(|_| sync(&ctx, &pod)));
    let ctx_fields = {
        let ctx = Ctx::new(NopTracer, JsonLogger::new(io::sink()))
            .with_field("pod", pod.name.as_str())
            .with_field("namespace", pod.namespace.as_str())
            .with_field("attempt", pod.attempt)
            .with_field("containers", pod.containers);
        (0..100).for_each(|_| ctxtrace::info!(ctx, "syncing {} containers", pod.containers));
        allocations(|| {
            (0..N).for_each(|_| ctxtrace::info!(ctx, "syncing {} containers", pod.containers))
        })
    };

    // A whole pod sync on a writer logger, `with_field` included: the
    // context nodes are recycled, so a warm sync allocates nothing.
    let json_sync = JsonLogger::new(io::sink());
    let ctx = Ctx::new(NopTracer, json_sync.clone());
    (0..100).for_each(|_| ctxtrace_sync::pod_sync(&ctx, 7));
    let json_sync_allocs = allocations(|| (0..N).for_each(|_| ctxtrace_sync::pod_sync(&ctx, 7)));
    assert_eq!(json_sync.lines(), 3 * (100 + N));
    let text_sync = TextLogger::new(io::sink());
    let ctx = Ctx::new(NopTracer, text_sync.clone());
    (0..100).for_each(|_| ctxtrace_sync::pod_sync(&ctx, 7));
    let text_sync_allocs = allocations(|| (0..N).for_each(|_| ctxtrace_sync::pod_sync(&ctx, 7)));
    assert_eq!(text_sync.lines(), 3 * (100 + N));
    // The same with no lock of the logger's, on a thread's own handle.
    let unlocked_sync = JsonLogger::new(Unlocked::new(io::sink()));
    let ctx = Ctx::new(NopTracer, unlocked_sync.clone()).for_thread();
    (0..100).for_each(|_| ctxtrace_sync::pod_sync(&ctx, 7));
    let unlocked_sync_allocs =
        allocations(|| (0..N).for_each(|_| ctxtrace_sync::pod_sync(&ctx, 7)));
    assert_eq!(unlocked_sync.lines(), 3 * (100 + N));

    println!();
    let span = per_op(
        "MemoryTracer span (4 fields, 1 info event), warm",
        span_allocs,
    );
    let whole_sync = per_op(
        "MemoryTracer pod sync (6 spans, 4 fields, 3 lines), warm",
        sync_allocs,
    );
    let json = per_op("JsonLogger line to io::sink (4 fields), warm", json_allocs);
    let text = per_op("TextLogger line to io::sink (4 fields), warm", text_allocs);
    per_op(
        "JsonLogger line, 4 fields on the Ctx (set once), warm",
        ctx_fields,
    );
    let combined = per_op(
        "MemoryTracer + JsonLogger: span, 4 with_field, line, warm",
        combined,
    );

    let json_sync = per_op(
        "JsonLogger pod sync (6 spans, 4 with_field, 3 lines), warm",
        json_sync_allocs,
    );
    let text_sync = per_op(
        "TextLogger pod sync (6 spans, 4 with_field, 3 lines), warm",
        text_sync_allocs,
    );
    let unlocked_sync = per_op(
        "JsonLogger<Unlocked<_>> pod sync, for_thread (6 spans, 4 with_field, 3 lines), warm",
        unlocked_sync_allocs,
    );

    assert_eq!(span, 0.0, "MemoryTracer allocates per span once warm");
    assert_eq!(
        combined, 0.0,
        "a recorded span on a JsonLogger allocates once warm"
    );
    assert_eq!(
        whole_sync, 0.0,
        "MemoryTracer allocates per pod sync once warm"
    );
    assert_eq!(json_sync, 0.0, "a JsonLogger pod sync allocates once warm");
    assert_eq!(text_sync, 0.0, "a TextLogger pod sync allocates once warm");
    assert_eq!(
        unlocked_sync, 0.0,
        "an unlocked JsonLogger pod sync allocates once warm"
    );
    assert_eq!(json, 0.0, "JsonLogger allocates per line once warm");
    assert_eq!(text, 0.0, "TextLogger allocates per line once warm");
    assert_eq!(
        ctx_fields, 0,
        "a line with fields on the Ctx allocates once warm"
    );
}
