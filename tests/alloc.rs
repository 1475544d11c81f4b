//! Allocation counts: the nop path allocates nothing, and the memory recorder
//! allocates nothing per span once warm, for every kind of field value.
//!
//! One `#[test]` only, and counting only on the thread that asks for it, so
//! the harness and other tests cannot disturb the counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt;
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ctxtrace::{CodedError, Ctx, Logger, NopLogger, NopTracer, Span, StatusCode, Tracer};

/// The system allocator, counting the allocations made on threads that set
/// `COUNTING`.
struct CountingAlloc;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // A const-initialised `Cell<bool>` has no destructor and never allocates,
    // so the allocator can read it.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn count_one() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds the `GlobalAlloc` contract; the only addition is a counter. A
// `GlobalAlloc` impl cannot be written without `unsafe`; the library itself
// stays `#![forbid(unsafe_code)]`.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded as is; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: as for `alloc`; `ptr` came from this allocator, i.e. `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// The allocations `f` makes on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

/// Rounds of the nop workload.
const NOP_ROUNDS: usize = if cfg!(miri) { 20 } else { 1_000 };
/// Spans that warm a recorder of capacity 100 up, then spans measured. Under
/// miri too, the warm-up goes well past the capacity.
#[cfg(feature = "std")]
const WARM_UP: usize = if cfg!(miri) { 300 } else { 1_000 };
#[cfg(feature = "std")]
const MEASURED: usize = if cfg!(miri) { 50 } else { 1_000 };

/// The sync's error: a code of its own, no allocation, no `std` feature.
#[derive(Debug)]
struct NoImages;

impl fmt::Display for NoImages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("pod has no images")
    }
}

impl std::error::Error for NoImages {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&NOT_FOUND)
    }
}

/// `NoImages` is `NotFound`: its chain says so.
static NOT_FOUND: CodedError = CodedError::new(StatusCode::NotFound, "no images");

struct Pod {
    name: String,
    namespace: String,
    containers: Vec<String>,
    attempt: u32,
}

/// A pod sync, instrumented as the README teaches: a span with four fields,
/// a log line, a child span, a status.
fn sync_pod(ctx: &Ctx<impl Tracer, impl Logger>, pod: &Pod) -> Result<usize, NoImages> {
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", pod.name.as_str());
    let ctx = span.with_field(&ctx, "namespace", pod.namespace.as_str());
    let ctx = span.with_field(&ctx, "attempt", pod.attempt);
    let ctx = span.with_field(&ctx, "containers", pod.containers.len());
    ctxtrace::info!(ctx, "syncing {} containers", pod.containers.len(); phase = "Running");
    let result = ctx.in_span("provider.create_containers", |ctx| {
        create_containers(ctx, pod)
    });
    span.set_status(&result);
    span.end();
    result
}

fn create_containers(ctx: &Ctx<impl Tracer, impl Logger>, pod: &Pod) -> Result<usize, NoImages> {
    let (_ctx, mut span) = ctx.start_span("provider.pull_images");
    let bytes: usize = pod.containers.iter().map(String::len).sum();
    let result = if bytes == 0 { Err(NoImages) } else { Ok(bytes) };
    span.set_status(&result);
    result
}

/// One span as the brief for the recorder asks: four fields (two strings),
/// one event with a field, status ok.
fn one_span(ctx: &Ctx<impl Tracer, impl Logger>, pod: &Pod, i: usize) {
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", pod.name.as_str());
    let ctx = span.with_field(&ctx, "namespace", pod.namespace.as_str());
    let ctx = span.with_field(&ctx, "attempt", pod.attempt);
    let ctx = span.with_field(&ctx, "index", i);
    ctxtrace::info!(ctx, "syncing {} containers", pod.containers.len(); phase = "Running");
    span.set_status(&Ok::<(), NoImages>(()));
    span.end();
}

/// A span whose fields are the kinds beyond strings and integers: a
/// duration, 128-bit integers, `Option`s, an address, and `Display` and
/// `Debug` values.
fn typed_span(ctx: &Ctx<impl Tracer, impl Logger>, took: Duration, id: u128, i: usize) {
    let addr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7));
    let (ctx, mut span) = ctx.start_span("probe");
    let ctx = span.with_field(&ctx, "took", took);
    let ctx = span.with_field(&ctx, "id", id);
    let ctx = span.with_field(&ctx, "addr", addr);
    let ctx = span.with_field(&ctx, "parent", None::<&str>);
    // The text stays the same length, so that warm buffers never grow.
    let i = i % 10;
    ctxtrace::info!(ctx, "probed {}", i;
        node = Some("n1"), peer = ctxtrace::display(&addr), spec = ctxtrace::debug(&(i, 'x')),
        neg = -(id as i128), c = 'x');
    span.end();
}

#[test]
fn allocation_counts() {
    let pod = Pod {
        name: "web-1".to_string(),
        namespace: "default".to_string(),
        containers: vec!["nginx".to_string(), "sidecar".to_string()],
        attempt: 3,
    };
    let empty = Pod {
        name: "db-0".to_string(),
        namespace: "prod".to_string(),
        containers: Vec::new(),
        attempt: 1,
    };

    // The counter counts: a Vec allocates once.
    assert_eq!(allocations(|| drop(black_box(vec![1u8; 16]))), 1);

    // The nop path: nothing at all, on success and on error.
    let ctx = Ctx::new(NopTracer, NopLogger);
    let nop = allocations(|| {
        for _ in 0..NOP_ROUNDS {
            assert_eq!(black_box(sync_pod(black_box(&ctx), &pod)).ok(), Some(12));
            assert!(black_box(sync_pod(black_box(&ctx), &empty)).is_err());
            one_span(black_box(&ctx), &pod, 1);
            typed_span(black_box(&ctx), Duration::from_millis(250), u128::MAX, 1);
        }
    });
    assert_eq!(nop, 0, "the nop path allocated");

    #[cfg(feature = "std")]
    {
        use ctxtrace::MemoryTracer;

        // The recorder with a nop logger: nothing per span once warm.
        let tracer = MemoryTracer::with_capacity(100);
        let ctx = Ctx::new(tracer.clone(), NopLogger);
        for i in 0..WARM_UP {
            one_span(&ctx, &pod, i);
        }
        let warm = allocations(|| {
            for i in WARM_UP..WARM_UP + MEASURED {
                one_span(&ctx, &pod, i);
            }
        });
        assert_eq!(warm, 0, "the warm recorder allocated per span");
        let spans = tracer.spans();
        assert_eq!(spans.len(), 100);
        let last = spans.iter().last().unwrap();
        assert_eq!(last.attributes().count(), 4);
        assert_eq!(
            last.events().next().unwrap().message(),
            "syncing 2 containers"
        );
        assert_eq!(last.status(), ctxtrace::Status::Ok);

        // The same with every other kind of value.
        let tracer = MemoryTracer::with_capacity(100);
        let ctx = Ctx::new(tracer.clone(), NopLogger);
        let took = Duration::from_millis(250);
        for i in 0..WARM_UP {
            typed_span(&ctx, took, u128::MAX, i);
        }
        let warm = allocations(|| {
            for i in WARM_UP..WARM_UP + MEASURED {
                typed_span(&ctx, took, u128::MAX, i);
            }
        });
        assert_eq!(warm, 0, "the warm recorder allocated for typed values");
        let spans = tracer.spans();
        let last = spans.iter().last().unwrap();
        assert_eq!(
            last.attribute("id"),
            Some(ctxtrace::Value::U128(&u128::MAX))
        );
        assert_eq!(
            last.attribute("took"),
            Some(ctxtrace::Value::Duration(took))
        );
        let event = last.events().next().unwrap();
        assert_eq!(
            event.field("neg"),
            Some(ctxtrace::Value::I128(&-(u128::MAX as i128)))
        );
        assert_eq!(event.field("spec"), Some(ctxtrace::Value::Str("(9, 'x')")));

        // The same for the nested pod sync, errors included.
        let tracer = MemoryTracer::with_capacity(100);
        let ctx = Ctx::new(tracer.clone(), NopLogger);
        // Each round is six spans in three roles, and buffers move between
        // roles as they are recycled: warm up for longer.
        for _ in 0..WARM_UP / 2 {
            let _ = sync_pod(&ctx, &pod);
            let _ = sync_pod(&ctx, &empty);
        }
        let warm = allocations(|| {
            for _ in 0..MEASURED / 2 {
                let _ = sync_pod(&ctx, &pod);
                let _ = sync_pod(&ctx, &empty);
            }
        });
        assert_eq!(warm, 0, "the warm recorder allocated for nested spans");
        assert_eq!(tracer.spans().len(), 100);
        assert_eq!(tracer.started(), 6 * (WARM_UP / 2 + MEASURED / 2) as u64);
    }
}
