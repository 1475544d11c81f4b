//! The memory recorder: bounds, clocks, ids, tree queries, rendering,
//! threads, isolation and a memory plateau; and where an entry came from, as
//! the recorder's events and `MemoryLogger`'s entries keep it.
#![cfg(feature = "std")]

mod common;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use common::{recorder, recorder_with_capacity, scaled};
use ctxtrace::{
    Callsite, Ctx, Ids, Level, ManualClock, MemoryLogger, MemoryTracer, NopLogger, Span, SpanId,
    StatusCode, TraceId, Value,
};

const NAMES: [&str; 8] = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"];

#[test]
fn a_full_recorder_drops_the_oldest_and_counts_the_drops() {
    let rec = recorder_with_capacity(5);
    for name in NAMES {
        let (ctx, mut span) = rec.ctx.start_span(name);
        let _ = span.with_field(&ctx, "name", name);
    }
    let spans = rec.tracer.spans();
    assert_eq!(spans.len(), 5);
    assert_eq!(rec.tracer.dropped(), 3);
    assert_eq!(rec.tracer.started(), 8);
    assert_eq!(rec.tracer.capacity(), 5);
    let kept: Vec<&str> = spans.iter().map(|s| s.name()).collect();
    assert_eq!(kept, ["s4", "s5", "s6", "s7", "s8"]);
    let ids: Vec<u64> = spans.iter().map(|s| s.span_id().0).collect();
    assert_eq!(ids, [4, 5, 6, 7, 8]);
    // Recycled buffers do not leak one span's attributes into another.
    for span in &spans {
        let attrs: Vec<_> = span.attributes().collect();
        assert_eq!(attrs, [("name", Value::Str(span.name()))]);
    }
}

#[test]
fn capacity_zero_keeps_nothing_and_counts_everything() {
    let rec = recorder_with_capacity(0);
    for name in NAMES {
        let (ctx, span) = rec.ctx.start_span(name);
        ctxtrace::info!(ctx, "dropped with the span");
        drop(span);
    }
    assert!(rec.tracer.spans().is_empty());
    assert_eq!(rec.tracer.dropped(), 8);
    assert_eq!(rec.tracer.started(), 8);
    assert_eq!(rec.tracer.open(), 0);
    // The logger is not bounded by the tracer.
    assert_eq!(rec.logger.entries().len(), 8);
}

#[test]
fn the_manual_clock_gives_exact_times() {
    let rec = recorder();
    rec.clock.set(1_000);
    let (ctx, outer) = rec.ctx.start_span("outer");
    rec.clock.advance(Duration::from_micros(5));
    let (_ctx, inner) = ctx.start_span("inner");
    rec.clock.advance(Duration::from_millis(2));
    drop(inner);
    rec.clock.advance(Duration::from_nanos(7));
    drop(outer);

    let spans = rec.tracer.spans();
    let outer = spans.find("outer").unwrap();
    let inner = spans.find("inner").unwrap();
    assert_eq!(
        (outer.start_unix_nanos(), outer.end_unix_nanos()),
        (1_000, 2_006_007)
    );
    assert_eq!(
        (inner.start_unix_nanos(), inner.end_unix_nanos()),
        (6_000, 2_006_000)
    );
    assert_eq!(outer.duration(), Duration::from_nanos(2_005_007));
    assert_eq!(inner.duration(), Duration::from_millis(2));
}

#[test]
fn a_clock_that_goes_backwards_gives_a_zero_duration() {
    let rec = recorder();
    rec.clock.set(10_000);
    let (_ctx, span) = rec.ctx.start_span("backwards");
    rec.clock.set(4_000);
    drop(span);
    let spans = rec.tracer.spans();
    let span = spans.find("backwards").unwrap();
    assert_eq!(span.duration(), Duration::ZERO);
    // The end is the start plus the (zero) time the span was open.
    assert_eq!(
        (span.start_unix_nanos(), span.end_unix_nanos()),
        (10_000, 10_000)
    );
}

#[test]
fn ids_are_deterministic() {
    let rec = recorder();
    let (a_ctx, a) = rec.ctx.start_span("a");
    let (_b_ctx, b) = a_ctx.start_span("b");
    let (c_ctx, c) = rec.ctx.start_span("c");
    let (_d_ctx, d) = c_ctx.start_span("d");
    drop((d, c, b, a));
    let (_e_ctx, e) = rec.ctx.start_span("e");
    drop(e);

    let spans = rec.tracer.spans();
    let ids: Vec<(&str, u64, u128)> = ["a", "b", "c", "d", "e"]
        .into_iter()
        .map(|n| {
            let s = spans.find(n).unwrap();
            (n, s.span_id().0, s.trace_id().0)
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("a", 1, 1),
            ("b", 2, 1),
            ("c", 3, 2),
            ("d", 4, 2),
            ("e", 5, 3)
        ]
    );

    // A second recorder counts from 1 again.
    let other = recorder();
    let (ctx, span) = other.ctx.start_span("x");
    assert_eq!(
        ctx.span_ids().map(|i| (i.trace_id, i.span_id)),
        Some((TraceId(1), SpanId(1)))
    );
    drop(span);
}

/// root(1) -> {a(2) -> {a1(3), a2(4)}, b(5)}; other(6) alone. Ends in an
/// order different from the start order.
fn tree() -> common::Recorder {
    let rec = recorder();
    let (root_ctx, root) = rec.ctx.start_span("root");
    let (a_ctx, a) = root_ctx.start_span("a");
    let (_, a1) = a_ctx.start_span("leaf");
    let (_, a2) = a_ctx.start_span("leaf");
    let (_, b) = root_ctx.start_span("b");
    drop(b);
    drop(a2);
    drop(a1);
    drop(a);
    drop(root);
    drop(rec.ctx.start_span("other"));
    rec
}

#[test]
fn tree_queries() {
    let rec = tree();
    let spans = rec.tracer.spans();
    assert_eq!(spans.len(), 6);
    assert!(!spans.is_empty());

    // find: the first to end; find_all: all of them.
    assert_eq!(spans.find("leaf").unwrap().span_id(), SpanId(4));
    let leaves: Vec<u64> = spans.find_all("leaf").map(|s| s.span_id().0).collect();
    assert_eq!(leaves, [4, 3]);
    assert!(spans.find("nope").is_none());
    assert_eq!(spans.find_all("nope").count(), 0);

    // get, parent, ancestors.
    let a1 = spans.get(SpanId(3)).unwrap();
    assert_eq!(a1.name(), "leaf");
    assert_eq!(spans.parent(a1).unwrap().name(), "a");
    let up: Vec<&str> = spans.ancestors(a1).map(|s| s.name()).collect();
    assert_eq!(up, ["a", "root"]);
    let root = spans.find("root").unwrap();
    assert!(spans.parent(root).is_none());
    assert_eq!(spans.ancestors(root).count(), 0);
    assert!(spans.get(SpanId(99)).is_none());

    // children in start order, whatever the end order.
    let kids: Vec<u64> = spans.children(root).map(|s| s.span_id().0).collect();
    assert_eq!(kids, [2, 5]);
    let a = spans.find("a").unwrap();
    let kids: Vec<u64> = spans.children(a).map(|s| s.span_id().0).collect();
    assert_eq!(kids, [3, 4]);
    assert_eq!(spans.children(a1).count(), 0);

    // roots in start order.
    let roots: Vec<&str> = spans.roots().map(|s| s.name()).collect();
    assert_eq!(roots, ["root", "other"]);
    // Iteration is in end order.
    let ended: Vec<u64> = (&spans).into_iter().map(|s| s.span_id().0).collect();
    assert_eq!(ended, [5, 4, 3, 2, 1, 6]);
}

#[test]
fn a_span_whose_parent_is_still_open_is_a_root_of_the_snapshot() {
    let rec = recorder();
    let (ctx, parent) = rec.ctx.start_span("parent");
    drop(ctx.start_span("child"));
    assert_eq!(rec.tracer.open(), 1);
    let spans = rec.tracer.spans();
    let roots: Vec<&str> = spans.roots().map(|s| s.name()).collect();
    assert_eq!(roots, ["child"]);
    assert_eq!(spans.find("child").unwrap().parent_id(), Some(SpanId(1)));
    assert!(spans.parent(spans.find("child").unwrap()).is_none());
    drop(parent);
    assert_eq!(rec.tracer.open(), 0);
}

#[test]
fn render_writes_every_tree() {
    let rec = recorder();
    let (ctx, mut sync) = rec.ctx.start_span("sync_pod");
    let ctx = sync.with_field(&ctx, "pod", "web-1");
    let ctx = sync.with_field(&ctx, "attempt", 2);
    rec.clock.set(100);
    ctxtrace::info!(ctx, "syncing {} containers", 2; ready = false);
    rec.clock.set(200);
    let (_c, mut create) = ctx.start_span("provider.create_pod");
    rec.clock.set(1_500);
    create.set_status_code(StatusCode::NotFound, "image not found");
    drop(create);
    rec.clock.set(2_000);
    ctx.in_span("provider.update_status", |ctx| {
        ctxtrace::warn!(ctx, "slow");
        rec.clock.set(2_500);
        Ok::<(), std::io::Error>(())
    })
    .unwrap();
    rec.clock.set(3_000_000);
    sync.set_status(&Ok::<(), std::io::Error>(()));
    drop(sync);
    drop(rec.ctx.start_span("gc"));

    let spans = rec.tracer.spans();
    let want = "\
sync_pod 3ms [ok] pod=web-1 attempt=2
  - info syncing 2 containers pod=web-1 attempt=2 ready=false
  provider.create_pod 1.3µs [NotFound: image not found]
  provider.update_status 500ns [ok]
    - warn slow pod=web-1 attempt=2
gc 0ns [unset]
";
    assert_eq!(spans.render(), want);
    assert_eq!(spans.to_string(), want);
    let create = spans.find("provider.create_pod").unwrap();
    assert_eq!(
        spans.render_tree(create),
        "provider.create_pod 1.3µs [NotFound: image not found]\n"
    );
    let update = spans.find("provider.update_status").unwrap();
    assert_eq!(
        spans.render_tree(update),
        "provider.update_status 500ns [ok]\n  - warn slow pod=web-1 attempt=2\n"
    );
    assert_eq!(ctxtrace::Spans::default().render(), "");
}

#[test]
fn the_thread_a_span_started_on_is_recorded() {
    let rec = recorder();
    let ctx = rec.ctx.clone();
    let there = thread::spawn(move || {
        drop(ctx.start_span("there"));
        format!("{:?}", thread::current().id())
    })
    .join()
    .unwrap();
    drop(rec.ctx.start_span("here"));
    let here = format!("{:?}", thread::current().id());
    assert_ne!(here, there);

    let spans = rec.tracer.spans();
    assert_eq!(
        format!("ThreadId({})", spans.find("there").unwrap().thread()),
        there
    );
    assert_eq!(
        format!("ThreadId({})", spans.find("here").unwrap().thread()),
        here
    );
}

#[test]
fn recorders_in_parallel_threads_never_mix() {
    const N: usize = 100;
    let barrier = Arc::new(Barrier::new(2));
    let run = |name: &'static str| {
        let barrier = Arc::clone(&barrier);
        thread::spawn(move || {
            let tracer = MemoryTracer::with_clock(ManualClock::new(0)).with_ids(Ids::Sequential);
            let ctx = Ctx::new(tracer.clone(), NopLogger);
            barrier.wait();
            for i in 0..N {
                let (ctx, mut span) = ctx.start_span(name);
                let ctx = span.with_field(&ctx, "i", i);
                ctxtrace::info!(ctx, "{name}");
                if i % 10 == 0 {
                    thread::yield_now();
                }
            }
            tracer
        })
    };
    let (left, right) = (run("left"), run("right"));
    for (tracer, name) in [
        (left.join().unwrap(), "left"),
        (right.join().unwrap(), "right"),
    ] {
        let spans = tracer.spans();
        assert_eq!(spans.len(), N);
        assert!(spans.iter().all(|s| s.name() == name));
        assert!(
            spans
                .iter()
                .all(|s| s.events().all(|e| e.message() == name))
        );
        let ids: Vec<u64> = spans.iter().map(|s| s.span_id().0).collect();
        assert_eq!(ids, (1..=N as u64).collect::<Vec<_>>());
        assert_eq!(tracer.started(), N as u64);
    }
}

/// One span as a pod sync makes it: fields, a child, an event, a status.
fn sync_once(ctx: &Ctx<MemoryTracer<ManualClock>, NopLogger>, i: usize) {
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", "web-00001");
    let ctx = span.with_field(&ctx, "attempt", i % 7);
    ctxtrace::info!(ctx, "syncing {} containers", i % 5; phase = "Running");
    let result = ctx.in_span("provider.update", |ctx| {
        ctxtrace::debug!(ctx, "update");
        if i % 3 == 0 {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))
        } else {
            Ok(())
        }
    });
    span.set_status(&result);
}

#[test]
fn memory_plateaus_once_warm() {
    let tracer = MemoryTracer::with_clock_and_capacity(ManualClock::new(0), 100);
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    for i in 0..scaled(1_000) {
        sync_once(&ctx, i);
    }
    let warm = tracer.memory_bytes();
    assert!(warm > 0);
    // `i` goes on from the warm-up: each recycled buffer keeps meeting the
    // same mix of content, so it has nothing new to grow for.
    for i in scaled(1_000)..scaled(1_000) + scaled(10_000) {
        sync_once(&ctx, i);
    }
    assert_eq!(tracer.memory_bytes(), warm);
    assert_eq!(tracer.spans().len(), 100);
    assert_eq!(
        tracer.dropped(),
        2 * (scaled(1_000) + scaled(10_000)) as u64 - 100
    );
}

#[test]
fn clear_forgets_finished_spans_and_keeps_open_ones() {
    let rec = recorder_with_capacity(2);
    for name in ["a", "b", "c"] {
        drop(rec.ctx.start_span(name));
    }
    let (ended_ctx, ended) = rec.ctx.start_span("ended");
    ended.end();
    ctxtrace::info!(ended_ctx, "late");
    let (open_ctx, open) = rec.ctx.start_span("open");
    assert_eq!((rec.tracer.dropped(), rec.tracer.late_events()), (2, 1));

    rec.tracer.clear();
    assert!(rec.tracer.spans().is_empty());
    assert_eq!((rec.tracer.dropped(), rec.tracer.late_events()), (0, 0));
    assert_eq!(rec.tracer.open(), 1);
    assert_eq!(rec.tracer.started(), 5);

    ctxtrace::info!(open_ctx, "still recorded");
    drop(open);
    let spans = rec.tracer.spans();
    assert_eq!(spans.len(), 1);
    let open = spans.find("open").unwrap();
    assert_eq!(open.span_id(), SpanId(5));
    assert_eq!(open.events().next().unwrap().message(), "still recorded");
    // Ids keep counting after a clear.
    let (ctx, span) = rec.ctx.start_span("after");
    assert_eq!(ctx.span_ids().unwrap().span_id, SpanId(6));
    drop(span);
}

mod podlib {
    /// Logs from a module of its own, so the target is `memory::podlib`.
    pub fn sync(ctx: &ctxtrace::Ctx<impl ctxtrace::Tracer, impl ctxtrace::Logger>) {
        ctxtrace::info!(ctx, "from a module");
    }
}

#[test]
fn a_memory_logger_entry_keeps_its_target_file_and_line() {
    let logger = MemoryLogger::new();
    let ctx = Ctx::new(ctxtrace::NopTracer, logger.clone());
    let here = line!() + 1;
    ctxtrace::info!(ctx, "here");
    podlib::sync(&ctx);
    let named = line!() + 1;
    ctxtrace::warn!(ctx, target: "podlib::pull", "named");
    static SITE: Callsite<'static> = Callsite::new("dep", "dep/src/lib.rs", 7);
    ctx.log_at(&SITE, Level::Debug, format_args!("bridged"), &[]);
    ctx.log(Level::Error, format_args!("bare"), &[]);

    let entries = logger.entries();
    let got: Vec<(&str, &str, (&str, u32))> = entries
        .iter()
        .map(|e| (e.message(), e.target(), e.location()))
        .collect();
    assert_eq!(got[0], ("here", "memory", ("tests/memory.rs", here)));
    assert_eq!(got[1].1, "memory::podlib");
    assert_eq!(
        got[2],
        ("named", "podlib::pull", ("tests/memory.rs", named))
    );
    assert_eq!(got[3], ("bridged", "dep", ("dep/src/lib.rs", 7)));
    assert_eq!(got[4], ("bare", "", ("", 0)));
}

#[test]
fn span_events_keep_the_target_of_their_entry() {
    let rec = recorder();
    let (ctx, span) = rec.ctx.start_span("sync");
    ctxtrace::info!(ctx, "one");
    ctxtrace::info!(ctx, "two");
    podlib::sync(&ctx);
    ctxtrace::warn!(ctx, target: "podlib::pull", "named");
    ctxtrace::info!(ctx, "three");
    ctx.log(Level::Error, format_args!("bare"), &[]);
    drop(span);
    // A span that reuses the first one's buffers keeps only its own.
    let (ctx, span) = rec.ctx.start_span("next");
    ctxtrace::info!(ctx, target: "other", "m");
    drop(span);

    let spans = rec.tracer.spans();
    let events = |name| -> Vec<(String, String)> {
        spans
            .find(name)
            .unwrap()
            .events()
            .map(|e| (e.message().to_owned(), e.target().to_owned()))
            .collect()
    };
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|&(m, t)| (m.to_owned(), t.to_owned()))
            .collect()
    };
    assert_eq!(
        events("sync"),
        pairs(&[
            ("one", "memory"),
            ("two", "memory"),
            ("from a module", "memory::podlib"),
            ("named", "podlib::pull"),
            ("three", "memory"),
            ("bare", ""),
        ])
    );
    assert_eq!(events("next"), pairs(&[("m", "other")]));
    let data = spans.find("sync").unwrap().to_data();
    assert_eq!(data.events[3].target, "podlib::pull");
}

/// A call site made with `new_static`, as the macros' are, gives its target
/// for as long as the program runs: an event keeps that string and copies
/// none of it. One made with `new` may borrow its target for the one call,
/// as a bridge from another logging system does: the event keeps a copy,
/// which reads back after the borrowed string is gone. Both, for plain and
/// rendered events alike.
#[test]
fn static_targets_are_kept_by_reference_and_borrowed_ones_are_copied() {
    const TARGET: &str = "podlib::a_module_whose_path_is_long_enough_to_count::sync";
    static SITE: Callsite<'static> = Callsite::new_static(TARGET, "src/sync.rs", 7);
    const EVENTS: usize = 100;
    let log = |borrowed: bool| {
        let tracer = MemoryTracer::new();
        let (ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
        for i in 0..EVENTS {
            let target = TARGET.to_owned();
            let site = Callsite::new(&target, "src/sync.rs", 7);
            let site = if borrowed { &site } else { &SITE };
            // Rendered (a formatted message) and plain (a literal one):
            // the first is rendered, so that it takes the span's first
            // event's path, which hands over the rendered buffers whole.
            match i % 2 {
                0 => ctx.log_at(site, Level::Info, format_args!("n={i}"), &[]),
                _ => ctx.log_at(site, Level::Info, format_args!("plain"), &[]),
            }
        }
        drop(span);
        let spans = tracer.spans();
        let targets: Vec<String> = spans
            .find("sync")
            .unwrap()
            .events()
            .map(|e| e.target().to_owned())
            .collect();
        assert_eq!(
            targets,
            vec![TARGET.to_owned(); EVENTS],
            "borrowed: {borrowed}"
        );
        tracer.memory_bytes()
    };
    let (kept, copied) = (log(false), log(true));
    assert!(
        copied >= kept + EVENTS * TARGET.len(),
        "{copied} bytes with copied targets, {kept} with kept ones"
    );
}

/// An event's every kept part, in a form that compares.
fn event_parts(event: ctxtrace::Event<'_>) -> (Level, String, String, u64, Vec<String>) {
    let fields = event
        .fields()
        .map(|(key, value)| format!("{key}={value:?}"))
        .collect();
    (
        event.level(),
        event.message().to_owned(),
        event.target().to_owned(),
        event.unix_nanos(),
        fields,
    )
}

/// An entry with a literal message and plain values is copied straight
/// into the span; one with a `Display`, a formatted argument, a repeated
/// key or the logger's fields is rendered first. Both kinds, mixed in one
/// span and in either order, keep the same parts in the order logged.
#[test]
fn plain_and_rendered_events_keep_the_same_parts_in_order() {
    let tracer = MemoryTracer::with_clock(ManualClock::new(5));
    let root = Ctx::new(tracer.clone(), NopLogger);
    let (ctx, span) = root.start_span("mixed");
    let wide = u128::MAX;
    let name = String::from("web-1");
    let path = std::path::Path::new("/var/lib/pods");
    // Plain: copied under the lock.
    ctxtrace::info!(ctx, "created pod web-1"; image = "nginx:1.27", pull_ms = 12u32,
        wide = &wide, ok = true, ratio = 0.5, took = Duration::from_millis(3), gone = None::<u32>);
    // Rendered first: a formatted argument, a `Display` value, a path.
    ctxtrace::warn!(ctx, "created pod {}", name; image = "nginx:1.27", pull_ms = 12u32);
    ctxtrace::info!(ctx, "pulled"; image = %name);
    ctxtrace::info!(ctx, "mounted"; dir = path);
    // Plain again, after rendered ones: its ranges start past their text.
    ctxtrace::error!(ctx, target: "podlib::pull", "pulled"; image = "web-1");
    // A repeated key is rendered, the last value kept.
    ctxtrace::info!(ctx, "twice"; n = 1u32, n = 2u32);
    drop(span);

    let spans = tracer.spans();
    let events: Vec<_> = spans
        .find("mixed")
        .unwrap()
        .events()
        .map(event_parts)
        .collect();
    let parts = |level, message: &str, target: &str, fields: &[&str]| {
        let fields = fields.iter().map(|f| f.to_string()).collect();
        (level, message.to_owned(), target.to_owned(), 5, fields)
    };
    let here = module_path!();
    assert_eq!(
        events,
        [
            parts(
                Level::Info,
                "created pod web-1",
                here,
                &[
                    "image=Str(\"nginx:1.27\")",
                    "pull_ms=U64(12)",
                    &format!("wide=U128({wide})"),
                    "ok=Bool(true)",
                    "ratio=F64(0.5)",
                    "took=Duration(3ms)",
                    "gone=Null",
                ]
            ),
            parts(
                Level::Warn,
                "created pod web-1",
                here,
                &["image=Str(\"nginx:1.27\")", "pull_ms=U64(12)",]
            ),
            parts(Level::Info, "pulled", here, &["image=Str(\"web-1\")"]),
            parts(
                Level::Info,
                "mounted",
                here,
                &["dir=Str(\"/var/lib/pods\")"]
            ),
            parts(
                Level::Error,
                "pulled",
                "podlib::pull",
                &["image=Str(\"web-1\")"]
            ),
            parts(Level::Info, "twice", here, &["n=U64(2)"]),
        ]
    );
}

/// The span limit holds on both ways in: literal messages with plain
/// values, and formatted ones.
#[test]
fn plain_and_rendered_events_count_against_one_limit() {
    let tracer = MemoryTracer::with_clock(ManualClock::new(0))
        .with_limits(ctxtrace::SpanLimits::new().with_max_events(3));
    let root = Ctx::new(tracer.clone(), NopLogger);
    let (ctx, span) = root.start_span("busy");
    for i in 0..4u32 {
        ctxtrace::info!(ctx, "plain"; i = i);
        ctxtrace::info!(ctx, "rendered {}", i; i = i);
    }
    drop(span);
    let spans = tracer.spans();
    let busy = spans.find("busy").unwrap();
    let kept: Vec<_> = busy.events().map(|e| e.message().to_owned()).collect();
    assert_eq!(kept, ["plain", "rendered 0", "plain"]);
    assert_eq!(busy.dropped_events(), 5);
}
