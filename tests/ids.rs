//! Span and trace ids: random W3C ids by default, counters on request.

#![cfg(feature = "std")]

use std::collections::HashSet;

use ctxtrace::{Ctx, Ids, ManualClock, MemoryLogger, MemoryTracer, NopLogger, Span, Tracer};

/// How many ids the uniqueness tests draw: a million natively, fewer under
/// miri, which runs about a thousand times slower.
const DRAWS: usize = if cfg!(miri) { 200 } else { 1_000_000 };

#[test]
fn random_span_ids_are_never_zero_and_never_repeat() {
    // A recorder that keeps no spans, so only the ids cost memory.
    let tracer = MemoryTracer::with_capacity(0);
    assert_eq!(tracer.ids(), Ids::Random);
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    let mut seen = HashSet::with_capacity(DRAWS);
    for _ in 0..DRAWS {
        let span = tracer.start_span(ctx.span_ref(), "tick");
        let id = span.span_ref().unwrap().ids().span_id;
        assert_ne!(id.0, 0);
        assert!(seen.insert(id), "{id} came twice");
    }
    assert_eq!(seen.len(), DRAWS);
}

#[test]
fn random_trace_ids_are_never_zero_and_never_repeat() {
    let tracer = MemoryTracer::with_capacity(0);
    let ctx = Ctx::new(tracer, NopLogger);
    let draws = DRAWS / 10;
    let mut seen = HashSet::with_capacity(draws);
    for _ in 0..draws {
        let (child, _span) = ctx.start_span("root");
        let id = child.span_ids().unwrap().trace_id;
        assert_ne!(id.0, 0);
        assert!(seen.insert(id), "{id} came twice");
    }
    // W3C Level 2's random flag promises the low 56 bits are random; here
    // the high half is random too, not a constant.
    let high: HashSet<u64> = seen.iter().map(|id| (id.0 >> 64) as u64).collect();
    assert_eq!(high.len(), draws);
}

#[test]
fn tracers_made_at_the_same_moment_have_different_ids() {
    // Same clock value, made back to back: the seed still differs.
    let clock = ManualClock::new(0);
    let tracers: Vec<MemoryTracer<ManualClock>> = (0..8)
        .map(|_| MemoryTracer::with_clock(clock.clone()))
        .collect();
    let mut traces = HashSet::new();
    let mut spans = HashSet::new();
    for tracer in &tracers {
        let (ctx, _span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
        let ids = ctx.span_ids().unwrap();
        assert!(
            traces.insert(ids.trace_id),
            "two tracers gave {}",
            ids.trace_id
        );
        assert!(
            spans.insert(ids.span_id),
            "two tracers gave {}",
            ids.span_id
        );
    }
}

#[test]
fn tracers_made_on_two_threads_at_once_have_different_ids() {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let tracer = MemoryTracer::new();
                let (ctx, _span) = Ctx::new(tracer, NopLogger).start_span("sync");
                ctx.span_ids().unwrap()
            })
        })
        .collect();
    let ids: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_ne!(ids[0].trace_id, ids[1].trace_id);
    assert_ne!(ids[0].span_id, ids[1].span_id);
}

#[test]
fn children_share_the_root_trace_id_and_point_to_their_parent() {
    let tracer = MemoryTracer::new();
    let root = Ctx::new(tracer.clone(), NopLogger);
    let (ctx, outer) = root.start_span("outer");
    let (inner_ctx, inner) = ctx.start_span("inner");
    let (outer_ids, inner_ids) = (ctx.span_ids().unwrap(), inner_ctx.span_ids().unwrap());
    drop((inner, outer));
    assert_eq!(outer_ids.trace_id, inner_ids.trace_id);
    assert_ne!(outer_ids.span_id, inner_ids.span_id);
    let spans = tracer.spans();
    assert_eq!(
        spans.find("inner").unwrap().parent_id(),
        Some(outer_ids.span_id)
    );
    // A second root is a second trace.
    let (other, _span) = root.start_span("other");
    assert_ne!(other.span_ids().unwrap().trace_id, outer_ids.trace_id);
}

#[test]
fn children_and_roots_come_in_start_order_whatever_their_ids() {
    // Random ids say nothing about order; the recorder keeps it.
    let tracer = MemoryTracer::new();
    let root = Ctx::new(tracer.clone(), NopLogger);
    let (ctx, parent) = root.start_span("parent");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h"];
    let children: Vec<_> = names.iter().map(|&n| ctx.start_span(n)).collect();
    // Ended in reverse, so the ring holds them in the opposite order.
    for child in children.into_iter().rev() {
        drop(child);
    }
    drop(parent);
    drop(root.start_span("second_root"));
    let spans = tracer.spans();
    let parent = spans.find("parent").unwrap();
    let order: Vec<&str> = spans.children(parent).map(|s| s.name()).collect();
    assert_eq!(order, names);
    let roots: Vec<&str> = spans.roots().map(|s| s.name()).collect();
    assert_eq!(roots, ["parent", "second_root"]);
    let rendered = spans.render_tree(parent);
    let lines: Vec<&str> = rendered
        .lines()
        .skip(1)
        .map(|l| l.split(' ').nth(2).unwrap())
        .collect();
    assert_eq!(lines, names);
}

#[test]
fn sequential_ids_count_from_one() {
    let tracer = MemoryTracer::new().with_ids(Ids::Sequential);
    assert_eq!(tracer.ids(), Ids::Sequential);
    let root = Ctx::new(tracer.clone(), NopLogger);
    let (a, _a) = root.start_span("a");
    let (b, _b) = a.start_span("b");
    let (c, _c) = root.start_span("c");
    let ids: Vec<(u128, u64)> = [a, b, c]
        .iter()
        .map(|ctx| ctx.span_ids().unwrap())
        .map(|ids| (ids.trace_id.0, ids.span_id.0))
        .collect();
    assert_eq!(ids, [(1, 1), (1, 2), (2, 3)]);
}

#[test]
fn with_ids_is_shared_by_clones_and_restarts_the_counters() {
    let tracer = MemoryTracer::new();
    let clone = tracer.clone();
    drop(Ctx::new(tracer.clone(), NopLogger).start_span("before"));
    let tracer = tracer.with_ids(Ids::Sequential);
    assert_eq!(clone.ids(), Ids::Sequential);
    let (ctx, _span) = Ctx::new(clone, NopLogger).start_span("after");
    assert_eq!(ctx.span_ids().unwrap().span_id.0, 1);
    let tracer = tracer.with_ids(Ids::Random);
    let (ctx, _span) = Ctx::new(tracer, NopLogger).start_span("random");
    assert_ne!(ctx.span_ids().unwrap().span_id.0, 2);
}

#[test]
fn loggers_get_the_random_ids() {
    let (tracer, logger) = (MemoryTracer::new(), MemoryLogger::new());
    let (ctx, mut span) = Ctx::new(tracer.clone(), logger.clone()).start_span("sync");
    let ctx = span.with_field(&ctx, "pod", "web-1");
    ctxtrace::info!(ctx, "synced");
    drop(span);
    let entry = &logger.entries()[0];
    let recorded = tracer.spans().find("sync").unwrap().ids();
    assert_eq!(entry.span_ids(), Some(recorded));
    assert_eq!(entry.span_ids(), ctx.span_ids());
}

/// `to_hex` writes what `{:032x}` and `{:016x}` write: every digit value in
/// every position (a single nibble set, and all of them), the edges, and a
/// run of values that mix them.
#[test]
fn ids_in_hex_match_the_formatter() {
    use ctxtrace::{SpanId, TraceId};
    let mut values: Vec<u128> = vec![0, 1, u128::MAX, u128::MAX >> 1, 1 << 127];
    for position in 0..32 {
        for digit in 0..16u128 {
            values.push(digit << (4 * position));
        }
    }
    // A fixed sequence (xorshift), so that a failure repeats.
    let mut x: u128 = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;
    for _ in 0..if cfg!(miri) { 100 } else { 10_000 } {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        values.push(x);
    }
    for n in values {
        let trace = TraceId(n).to_hex();
        assert_eq!(std::str::from_utf8(&trace).unwrap(), format!("{n:032x}"));
        let span = SpanId(n as u64).to_hex();
        assert_eq!(
            std::str::from_utf8(&span).unwrap(),
            format!("{:016x}", n as u64)
        );
        assert_eq!(TraceId(n).to_string(), format!("{n:032x}"));
    }
    // Still a `const fn`.
    const HEX: [u8; 16] = SpanId(0xfeed).to_hex();
    assert_eq!(&HEX, b"000000000000feed");
}
