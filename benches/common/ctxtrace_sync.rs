//! The pod sync with ctxtrace alone, in one place for every count of it:
//! `examples/sync_cost.rs` and `examples/clock_cost.rs` (callgrind),
//! `tests/alloc_counts.rs` (allocations), and `benches/common/pod_sync.rs`
//! (beside the peers). 6 nested spans, 4 span fields (`pod`, `namespace` as
//! strings, `generation` and `containers` as integers), 3 info lines with
//! 1–2 fields of their own, and an ok status on the outer span.
//!
//! It uses only the API that every release so far has, so that
//! `.ci/sync_cost.sh REV` can build it against an older revision.

use std::hint::black_box;

use ctxtrace::{Ctx, Logger, Span as _, Tracer};

/// One pod sync; `i` is the sync's number, passed as `containers` so that
/// no backend sees a constant.
#[inline(always)]
pub fn pod_sync<T: Tracer, L: Logger>(root: &Ctx<T, L>, i: usize) {
    let (ctx, mut s1) = root.start_span("sync_pod");
    let ctx = s1.with_field(&ctx, "pod", "web-1");
    let ctx = s1.with_field(&ctx, "namespace", "default");
    let (ctx, mut s2) = ctx.start_span("reconcile");
    let ctx = s2.with_field(&ctx, "generation", 7u32);
    ctxtrace::info!(ctx, "syncing {} containers", 2; attempt = 1u32);
    let (ctx, s3) = ctx.start_span("provider.get_pod");
    let (ctx, mut s4) = ctx.start_span("provider.create_pod");
    let ctx = s4.with_field(&ctx, "containers", black_box(i));
    ctxtrace::info!(ctx, "created pod {}", "web-1"; image = "nginx:1.27", pull_ms = 12u32);
    let (ctx, s5) = ctx.start_span("provider.pod_status");
    let (ctx, s6) = ctx.start_span("status.update");
    ctxtrace::info!(ctx, "status is {}", "Running"; phase = "Running");
    s6.end();
    s5.end();
    s4.end();
    s3.end();
    s2.end();
    s1.set_status(&Ok::<(), std::io::Error>(()));
    s1.end();
}
