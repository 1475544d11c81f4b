//! A tracer by reference: `Ctx<&T, L>` records what `Ctx<T, L>` records,
//! from any thread that can borrow the tracer.

#![cfg(feature = "std")]

use ctxtrace::{Ctx, JsonLogger, ManualClock, MemoryTracer, NopLogger, Sampled, Span, Tracer};

fn sync<T: Tracer>(root: &Ctx<T, NopLogger>) {
    let (ctx, mut span) = root.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", "web-1");
    let (ctx, call) = ctx.start_span("provider.create_pod");
    ctxtrace::info!(ctx, "created");
    drop(call);
    span.set_status(&Ok::<(), std::io::Error>(()));
}

#[test]
fn a_borrowed_recorder_records_what_an_owned_one_does() {
    let clock = || MemoryTracer::with_clock(ManualClock::new(0));
    let (owned, borrowed) = (clock(), clock());
    sync(&Ctx::new(owned.clone(), NopLogger));
    sync(&Ctx::new(&borrowed, NopLogger));
    assert_eq!(
        owned
            .spans()
            .render_tree(owned.spans().find("sync_pod").unwrap()),
        borrowed
            .spans()
            .render_tree(borrowed.spans().find("sync_pod").unwrap())
    );
    let spans = borrowed.spans();
    let call = spans.find("provider.create_pod").unwrap();
    assert_eq!(spans.parent(call).unwrap().name(), "sync_pod");
    assert_eq!(call.events().len(), 1);
}

#[test]
fn scoped_threads_share_a_borrowed_tracer_and_logger_ids_come_from_it() {
    let tracer = MemoryTracer::new();
    let logger = JsonLogger::new(Vec::new()).without_time();
    let root = Ctx::new(&tracer, logger.clone());
    let per_thread = if cfg!(miri) { 10 } else { 100 };
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..per_thread {
                    let (ctx, _span) = root.start_span("sync_pod");
                    ctxtrace::info!(ctx, "synced");
                }
            });
        }
    });
    assert_eq!(tracer.spans().len(), 4 * per_thread);
    drop(root);
    let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    assert_eq!(out.lines().count(), 4 * per_thread);
    let first = tracer.spans().iter().next().unwrap().span_id().to_string();
    assert!(out.contains(&format!("\"span_id\":\"{first}\"")));
}

#[test]
fn a_borrowed_sampler_decides_as_the_owned_one() {
    let sampler = Sampled::new(MemoryTracer::new(), 0.0);
    let root = Ctx::new(&sampler, NopLogger);
    let (ctx, _span) = root.start_span("left_out");
    assert!(!ctx.span_ref().is_sampled());
    assert!(ctx.span_ids().is_some());
    assert!(sampler.inner().spans().is_empty());
}
