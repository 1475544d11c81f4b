//! `tracing`'s cache of subscriber interest, and the global maximum level,
//! as `TracingLogger` and `TracingTracer` use them.
//!
//! Both are process-wide state of `tracing`'s, which every dispatcher alive
//! contributes to, so this file holds a single test that goes through its
//! cases one after the other, each with dispatchers of its own that are
//! gone before the next.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use common::{Counted, Recorder};
use ctxtrace::{Ctx, Level, LevelFilter, MemoryLogger, NopLogger, NopTracer};
use ctxtrace_tracing::{TracingLogger, TracingTracer};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::SubscriberExt as _;

/// A subscriber that wants everything but the target `unwanted`, and counts
/// how often its `enabled` is asked, by target. Its `register_callsite` is
/// `tracing`'s default: `enabled`, once, as `always` or `never`.
#[derive(Clone, Default)]
struct Counting {
    asked: Arc<Mutex<HashMap<String, usize>>>,
    events: Arc<Mutex<Vec<String>>>,
    next_id: Arc<AtomicU64>,
}

impl Counting {
    fn asked(&self, target: &str) -> usize {
        self.asked.lock().unwrap().get(target).copied().unwrap_or(0)
    }

    fn events(&self) -> usize {
        self.events.lock().unwrap().len()
    }
}

impl Subscriber for Counting {
    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        let mut asked = self.asked.lock().unwrap();
        *asked.entry(meta.target().to_owned()).or_default() += 1;
        !meta.target().ends_with("unwanted")
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let target = event.metadata().target().to_owned();
        self.events.lock().unwrap().push(target);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn the_interest_cache_and_the_maximum_level() {
    each_callsite_is_asked_once_through_the_logger();
    each_callsite_is_asked_once_through_the_tracer();
    a_pinned_dispatcher_is_the_one_asked();
    levels_no_dispatcher_wants_are_not_evaluated();
    with_no_subscriber_nothing_is_formatted();
}

fn each_callsite_is_asked_once_through_the_logger() {
    let counting = Counting::default();
    let counted = Counted::default();
    let mut evaluated = 0;
    tracing::subscriber::with_default(counting.clone(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        for i in 0..100 {
            ctxtrace::info!(ctx, target: "logger.wanted", "x"; i = i);
            ctxtrace::info!(ctx, target: "logger.unwanted", "{}", counted; n = {
                evaluated += 1;
                evaluated
            });
        }
    });
    assert_eq!(counting.asked("logger.wanted"), 1);
    assert_eq!(counting.asked("logger.unwanted"), 1);
    assert_eq!(counting.events(), 100);
    // The level is wanted, so the arguments are evaluated before the
    // entry's callsite says no; nothing is formatted.
    assert_eq!(evaluated, 100);
    assert_eq!(counted.count(), 0);
}

fn each_callsite_is_asked_once_through_the_tracer() {
    let counting = Counting::default();
    tracing::subscriber::with_default(counting.clone(), || {
        let ctx = Ctx::new(TracingTracer::new(), NopLogger);
        for i in 0..100 {
            let (ctx, _span) = ctx.start_span("sync_pod");
            ctxtrace::info!(ctx, target: "tracer.wanted", "x"; i = i);
            ctxtrace::info!(ctx, target: "tracer.unwanted", "y");
        }
    });
    assert_eq!(counting.asked("tracer.wanted"), 1);
    // Events go to their span's dispatcher, which need not be the thread's
    // default that `tracing` asked: a "never" is asked of it once more.
    assert_eq!(counting.asked("tracer.unwanted"), 2);
    // The span callsite, asked once for the 100 spans.
    assert_eq!(counting.asked("ctxtrace"), 1);
    assert_eq!(counting.events(), 100);
}

/// With a single dispatcher in the process, `tracing` computes a new
/// callsite's interest with the thread's default dispatcher alone: here
/// there is none, and the pinned one must be asked instead.
fn a_pinned_dispatcher_is_the_one_asked() {
    let counting = Counting::default();
    let dispatch = tracing::Dispatch::new(counting.clone());
    let ctx = Ctx::new(NopTracer, TracingLogger::with_dispatch(dispatch.clone()));
    for _ in 0..10 {
        ctxtrace::info!(ctx, target: "pinned.wanted", "x");
    }
    let (ctx, _span) = Ctx::new(TracingTracer::with_dispatch(dispatch), NopLogger).start_span("s");
    for _ in 0..10 {
        ctxtrace::info!(ctx, target: "pinned.tracer", "x");
    }
    assert_eq!(counting.asked("pinned.wanted"), 1);
    assert_eq!(counting.asked("pinned.tracer"), 1);
    assert_eq!(counting.events(), 20);
}

fn levels_no_dispatcher_wants_are_not_evaluated() {
    let recorder = Recorder::new();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::INFO)
        .with(recorder.clone());
    let counted = Counted::default();
    tracing::subscriber::with_default(subscriber, || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        assert!(!ctx.enabled(Level::Debug));
        assert!(ctx.enabled(Level::Info));
        ctxtrace::debug!(ctx, "hidden {}", counted; extra = ctxtrace::display(&counted));
        ctxtrace::info!(ctx, "shown");

        let tracer = TracingTracer::new().with_event_level(LevelFilter::Trace);
        let (ctx, _span) = Ctx::new(tracer, MemoryLogger::new().with_level(LevelFilter::Info))
            .start_span("sync_pod");
        assert!(!ctx.enabled(Level::Debug));
        ctxtrace::debug!(ctx, "hidden {}", counted);
    });
    assert_eq!(counted.count(), 0);
    let recorded = recorder.recorded();
    assert_eq!(recorded.events.len(), 1);
    assert_eq!(recorded.events[0].message(), "shown");
}

/// `NoSubscriber` gives no maximum level, which `tracing` takes as every
/// level: the entries get as far as their callsites, which it never wants.
fn with_no_subscriber_nothing_is_formatted() {
    let counted = Counted::default();
    let ctx = Ctx::new(NopTracer, TracingLogger::new());
    tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::default(), || {
        ctxtrace::error!(ctx, "{}", counted; v = ctxtrace::display(&counted));
        let (ctx, span) = Ctx::new(TracingTracer::new(), NopLogger).start_span("sync_pod");
        assert!(span.id().is_none());
        ctxtrace::error!(ctx, "{}", counted);
    });
    assert_eq!(counted.count(), 0);
}
