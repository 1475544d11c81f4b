//! Bounded memory: a recorder that keeps starting spans reaches a plateau
//! and stays there.
//!
//! The soak pushes 2,000,000 spans (a million parents, each with an
//! attribute, an event with a field, and one child) through a
//! `MemoryTracer` of capacity 10,000 and checks that `memory_bytes()` after
//! 100,000 spans and after 2,000,000 are the same within a small margin, and
//! that the process's peak resident memory (`VmHWM`) does not grow over the
//! second half. Under miri: 2,000 spans through a capacity of 100, first
//! measured after 500, without `VmHWM` (miri has no `/proc`).
//!
//! This file holds only this test and small ones, so that no other test in
//! the same process moves `VmHWM`.

#![cfg(feature = "std")]

use ctxtrace::{Ctx, ManualClock, MemoryLogger, MemoryTracer, NopLogger, NopTracer, Span};

const SPANS: usize = if cfg!(miri) { 2_000 } else { 2_000_000 };
const CAPACITY: usize = if cfg!(miri) { 100 } else { 10_000 };
/// Where the plateau is measured first: 10 times the capacity (5% of the
/// run; a quarter under miri).
const WARM: usize = CAPACITY * 10 / if cfg!(miri) { 2 } else { 1 };

/// The process's peak resident set, in KiB, if `/proc/self/status` says.
fn vm_hwm_kib() -> Option<u64> {
    // Miri's isolation stops the run at a file read, rather than fail it.
    if cfg!(miri) {
        return None;
    }
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `count` units of work, two spans each (so `count * 2` spans): a parent
/// with an attribute and an event of varying length, and a child.
fn spans(ctx: &Ctx<MemoryTracer<ManualClock>, NopLogger>, from: usize, count: usize) {
    const PODS: [&str; 4] = [
        "web-1",
        "database-primary-0",
        "x",
        "a-much-longer-pod-name-for-the-text-buffers",
    ];
    for i in from..from + count {
        let (ctx, mut span) = ctx.start_span("sync_pod");
        let ctx = span.with_field(&ctx, "pod", PODS[i % PODS.len()]);
        ctxtrace::info!(ctx, "synced {} containers", i % 7; attempt = i % 3);
        drop(ctx.start_span("provider.update"));
    }
}

#[test]
fn a_long_run_keeps_memory_flat() {
    let started = std::time::Instant::now();
    let tracer = MemoryTracer::with_clock_and_capacity(ManualClock::new(0), CAPACITY);
    let ctx = Ctx::new(tracer.clone(), NopLogger);

    spans(&ctx, 0, WARM / 2);
    let warm_bytes = tracer.memory_bytes();
    spans(&ctx, WARM / 2, (SPANS / 2 - WARM) / 2);
    let half_bytes = tracer.memory_bytes();
    let half_hwm = vm_hwm_kib();
    spans(&ctx, SPANS / 4, SPANS / 4);
    let end_bytes = tracer.memory_bytes();
    let end_hwm = vm_hwm_kib();

    assert_eq!(tracer.started(), SPANS as u64);
    assert_eq!(tracer.dropped(), (SPANS - CAPACITY) as u64);
    assert_eq!(tracer.spans().len(), CAPACITY);
    assert_eq!(tracer.open(), 0);

    // The recorder's own count: at most 5% above where it was after the
    // first 5% of the run (buffers recycled from span to span settle at the
    // largest content they carried).
    assert!(warm_bytes > 0);
    assert!(
        end_bytes <= warm_bytes + warm_bytes / 20,
        "{warm_bytes} bytes after {WARM} spans, {end_bytes} after {SPANS}"
    );
    assert!(
        end_bytes <= half_bytes + half_bytes / 100,
        "{half_bytes} bytes after half the run, {end_bytes} at the end"
    );

    // The process's peak: the second million spans add no more than a few
    // MiB (a leak of even 8 bytes a span would add 8 MB).
    match (half_hwm, end_hwm) {
        (Some(half), Some(end)) => {
            assert!(
                end <= half + 4 * 1024,
                "VmHWM grew from {half} KiB to {end} KiB over the second half"
            )
        }
        _ => eprintln!("no /proc/self/status (or under miri): VmHWM not checked"),
    }
    eprintln!(
        "{SPANS} spans through capacity {CAPACITY} in {:?}: memory_bytes {warm_bytes} after {WARM}, \
         {half_bytes} after {}, {end_bytes} at the end; VmHWM {half_hwm:?} -> {end_hwm:?} KiB",
        started.elapsed(),
        SPANS / 2
    );
}

/// Clearing and refilling again and again reaches a plateau too: cleared
/// spans' buffers go to the recorder's bounded pool of recycled buffers and
/// are reused, so memory does not grow from one cycle to the next.
#[test]
fn clear_and_refill_cycles_reach_a_plateau() {
    let n = if cfg!(miri) { 300 } else { 30_000 };
    let tracer = MemoryTracer::with_clock_and_capacity(ManualClock::new(0), CAPACITY / 10);
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    let mut bytes = Vec::new();
    for _ in 0..5 {
        spans(&ctx, 0, n);
        bytes.push(tracer.memory_bytes());
        tracer.clear();
        assert_eq!((tracer.spans().len(), tracer.dropped()), (0, 0));
    }
    assert!(bytes[4] <= bytes[1] + bytes[1] / 20, "{bytes:?}");
}

/// A recorder of capacity 0 keeps nothing and counts every span.
#[test]
fn capacity_zero_keeps_nothing() {
    let tracer = MemoryTracer::with_clock_and_capacity(ManualClock::new(0), 0);
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    spans(&ctx, 0, 100);
    assert_eq!(
        (tracer.spans().len(), tracer.dropped(), tracer.started()),
        (0, 200, 200)
    );
}

/// The memory logger is bounded the same way.
#[test]
fn memory_logger_is_bounded() {
    let n = if cfg!(miri) { 300 } else { 100_000 };
    let logger = MemoryLogger::with_capacity(100);
    let ctx = Ctx::new(NopTracer, logger.clone());
    for i in 0..n {
        ctxtrace::info!(ctx, "entry {i}");
    }
    let entries = logger.entries();
    assert_eq!(entries.len(), 100);
    assert_eq!(logger.dropped(), (n - 100) as u64);
    assert_eq!(entries[0].message(), format!("entry {}", n - 100));
    assert_eq!(entries[99].message(), format!("entry {}", n - 1));
}
